import Carbon
import LedgerCore
import Provenance
import SupplyChain

/// The engines on the generated ledger, beside the raw floor of ``ProvenanceBench``: `trace` and
/// `footprint` of the same random serials, the roll-up of every cell lot's footprint, and
/// `where-used` of a mine lot that reaches a million serials or more.
enum EngineBench {
    /// What the raw walks measured in the same run, for the ratios.
    struct Floor {
        var walkP99Micros: Double
        var rollUpMilliseconds: Double
    }

    static func run(path: String, serials: [ProvenanceBench.Serial], runs: Int, floor: Floor) throws {
        let chain = try SupplyChainLedger(openingAt: path)
        let ids = serials.map { String(decoding: $0.prefix, as: UTF8.self) + String($0.number) }
        var traceP50: [Double] = []
        var traceP99: [Double] = []
        var footprintP50: [Double] = []
        var footprintP99: [Double] = []
        var rollUps: [Double] = []
        var lotsPerTrace = 0.0
        var contributions = 0.0
        var cellLots = 0
        for _ in 0..<runs {
            var times: [Double] = []
            var lots = 0
            for id in ids {
                let watch = Stopwatch()
                let trace = try chain.read { reader, txn, size in
                    try Trace.compute(
                        Subject.resolve(id, reader: reader, size: size, txn),
                        reader: reader,
                        size: size,
                        txn
                    )
                }
                times.append(watch.seconds * 1e6)
                lots += trace.lotCount
            }
            times.sort()
            traceP50.append(percentile(times, 50))
            traceP99.append(percentile(times, 99))
            lotsPerTrace = Double(lots) / Double(ids.count)

            times = []
            var parts = 0
            for id in ids {
                let watch = Stopwatch()
                let footprint = try chain.read { reader, txn, size in
                    var engine = try CarbonEngine(reader: reader, size: size, txn)
                    return try engine.footprint(of: Subject.resolve(id, reader: reader, size: size, txn), txn)
                }
                times.append(watch.seconds * 1e6)
                parts += footprint.contributions.count + footprint.entries.count + footprint.factors.count
            }
            times.sort()
            footprintP50.append(percentile(times, 50))
            footprintP99.append(percentile(times, 99))
            contributions = Double(parts) / Double(ids.count)

            let watch = Stopwatch()
            cellLots = try chain.read { reader, txn, size in
                var engine = try CarbonEngine(reader: reader, size: size, txn)
                let lots = try reader.commissionedLotNumbers(txn)
                var sum = 0.0
                for perKg in try engine.perKg(ofEach: lots, txn) { sum += perKg.total.total(.locationBased) }
                precondition(sum > 0)
                return lots.count
            }
            rollUps.append(watch.seconds * 1000)
        }
        let (mine, serialCount, whereUsed) = try whereUsedTimings(chain, sample: ids.first ?? "", runs: runs)

        print("")
        print("| engine on the same ledger and serials | p50 µs | p99 µs | raw floor p99 µs | p99 ÷ floor | target |")
        print("|---|---:|---:|---:|---:|---|")
        print(
            "| `trace` (tree + origins per element; \(format(lotsPerTrace, 1)) lots per serial) | \(format(median(traceP50), 1)) | \(format(median(traceP99), 1)) | \(format(floor.walkP99Micros, 1)) | \(format(median(traceP99) / floor.walkP99Micros, 2)) | ≤ 3 |"
        )
        print(
            "| `footprint` with the receipt (\(format(contributions, 0)) contributions, entries and factors) | \(format(median(footprintP50), 1)) | \(format(median(footprintP99), 1)) | — | — | p99 ≤ 1,000 µs |"
        )
        print("")
        print("| roll-up | ms | raw roll-up ms | ratio | target |")
        print("|---|---:|---:|---:|---|")
        print(
            "| footprint per kg of every cell lot (\(format(Double(cellLots))) lots, memoised) | \(format(median(rollUps), 1)) | \(format(floor.rollUpMilliseconds, 1)) | \(format(median(rollUps) / floor.rollUpMilliseconds, 2)) | ≤ 5 |"
        )
        print("")
        print("| `where-used` of mine lot \(mine) | serials reached | ms (median of \(runs)) | target |")
        print("|---|---:|---:|---|")
        print(
            "| descendants, serial ranges, packs, kg | \(format(Double(serialCount))) | \(format(median(whereUsed), 1)) | ≤ 1,000 ms |"
        )
        print(
            "runs — trace p99 µs: \(traceP99.map { format($0, 1) }.joined(separator: ", ")); footprint p99 µs: \(footprintP99.map { format($0, 1) }.joined(separator: ", ")); roll-up ms: \(rollUps.map { format($0, 1) }.joined(separator: ", ")); where-used ms: \(whereUsed.map { format($0, 1) }.joined(separator: ", "))"
        )
    }

    /// The origin lot (a lot with no inputs) of the sample serial that reaches the most serials,
    /// and `where-used` timings for it.
    private static func whereUsedTimings(
        _ chain: SupplyChainLedger,
        sample: String,
        runs: Int
    ) throws -> (String, UInt64, [Double]) {
        let candidates = try chain.read { reader, txn, size in
            let trace = try Trace.compute(
                Subject.resolve(sample, reader: reader, size: size, txn),
                reader: reader,
                size: size,
                depth: 0,
                txn
            )
            return Array(Set(trace.elements.flatMap { $0.origins.map(\.lot) })).sorted()
        }
        var best: (lot: String, serials: UInt64) = ("", 0)
        for lot in candidates {
            let serials = try chain.read { reader, txn, size in
                try WhereUsed.compute(lot, reader: reader, size: size, txn).serialCount
            }
            if serials > best.serials { best = (lot, serials) }
        }
        var times: [Double] = []
        for _ in 0..<runs {
            let watch = Stopwatch()
            let result = try chain.read { reader, txn, size in
                try WhereUsed.compute(best.lot, reader: reader, size: size, txn)
            }
            times.append(watch.seconds * 1000)
            precondition(result.serialCount == best.serials)
        }
        return (best.lot, best.serials, times)
    }
}
