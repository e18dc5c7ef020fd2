import CLMDB
import LedgerCore
import SupplyChain

#if canImport(Glibc)
import Glibc
#endif

/// Provenance at scale: a generated mine-to-pack ledger (``SupplyNetworkGenerator``), and the
/// floor for answering provenance questions from its stored index rows, measured by walks
/// written directly against liblmdb in the same run.
///
/// - ``rawWalk(_:serials:)``: serial → its range row (`sc.serials`) → cell lot → every upstream
///   edge (`sc.edges.up`), recursively, to the lots with no inputs (mines and materials entering
///   the ledger), with each lot's produced mass from `sc.lots`, accumulating the kilograms of each
///   such lot in the one cell: "which mines, with what mass".
/// - ``rawRollUp(_:)``: every cell lot (from `sc.serials`), each lot upstream visited once
///   (memoised), summing upstream kilogram shares: the floor for a roll-up of every cell lot's
///   footprint.
///
/// The engines' own timings (`trace` in module `Provenance`, `footprint` and the roll-up in
/// `Carbon`) belong beside these rows, on the same ledger and the same ``sampleSerials(_:count:seed:)``;
/// open the ledger with `SupplyChainLedger` only after ``RawLedger`` is closed (LMDB allows one
/// environment per file in a process).
enum ProvenanceBench {
    struct Configuration {
        var directory: String
        /// A ledger directory to reuse (generated there first if it holds no ledger yet).
        var ledgerPath: String?
        var cells: Int
        var cellsPerLot: Int
        var seed: UInt64
        var runs: Int
        var samples: Int
    }

    static func run(_ configuration: Configuration) throws {
        let path =
            configuration.ledgerPath
            ?? "\(configuration.directory)/provenance-\(configuration.cells)-\(configuration.cellsPerLot)"
        print("")
        print("## Provenance at scale — the raw floor")
        try prepareLedger(at: path, configuration)
        let serials = try rawSection(path: path, configuration: configuration)
        // The raw environment is closed: LMDB allows one environment per file in a process.
        try EngineBench.run(
            path: path,
            serials: serials.serials,
            runs: configuration.runs,
            floor: EngineBench.Floor(walkP99Micros: serials.walkP99, rollUpMilliseconds: serials.rollUp)
        )
    }

    /// The raw walks; returns the sample serials and the floor they measured.
    private static func rawSection(
        path: String,
        configuration: Configuration
    ) throws -> (serials: [Serial], walkP99: Double, rollUp: Double) {
        var p50: [Double] = []
        var p99: [Double] = []
        var maxima: [Double] = []
        var rollUps: [Double] = []
        var scans: [Double] = []
        var scanFacts = RawRollUpFacts()
        var walkFacts = RawWalkFacts()
        var rollUpFacts = RawRollUpFacts()
        let ledger = RawLedger(path: path)
        let serials = sampleSerials(ledger, count: configuration.samples, seed: configuration.seed)
        for _ in 0..<configuration.runs {
            let (micros, facts) = rawWalk(ledger, serials: serials)
            let sorted = micros.sorted()
            p50.append(percentile(sorted, 50))
            p99.append(percentile(sorted, 99))
            maxima.append(sorted.last ?? 0)
            walkFacts = facts
            let (milliseconds, rolled) = rawRollUp(ledger)
            rollUps.append(milliseconds)
            rollUpFacts = rolled
            let (scanMilliseconds, scanned) = rawRollUpByScan(ledger)
            scans.append(scanMilliseconds)
            scanFacts = scanned
        }
        print("")
        print(
            "| raw walk against CLMDB, \(format(Double(serials.count))) random serials | p50 µs | p99 µs | max µs |"
        )
        print("|---|---:|---:|---:|")
        print(
            "| serial → range → cell lot → every upstream edge → mine lots, with kg | \(format(median(p50), 1)) | \(format(median(p99), 1)) | \(format(median(maxima), 1)) |"
        )
        print(
            "per serial: \(format(walkFacts.edgesPerSerial, 1)) edges and \(format(walkFacts.lotsPerSerial, 1)) lot rows read, \(format(walkFacts.sourcesPerSerial, 1)) distinct source lots (no inputs), \(format(walkFacts.sourceKgPerCell, 2)) kg of source material per cell; median of \(configuration.runs) runs (p50 per run: \(p50.map { format($0, 1) }.joined(separator: ", ")); p99: \(p99.map { format($0, 1) }.joined(separator: ", ")))"
        )
        print("")
        print("| raw roll-up against CLMDB | total ms | cell lots | lots visited | edges |")
        print("|---|---:|---:|---:|---:|")
        print(
            "| every cell lot, each upstream lot once (memoised) | \(format(median(rollUps), 1)) | \(format(Double(rollUpFacts.cellLots))) | \(format(Double(rollUpFacts.lots))) | \(format(Double(rollUpFacts.edges))) |"
        )
        print(
            "| the same from three sequential cursor passes (lots, edges, serials), graph in arrays | \(format(median(scans), 1)) | \(format(Double(scanFacts.cellLots))) | \(format(Double(scanFacts.lots))) | \(format(Double(scanFacts.edges))) |"
        )
        print(
            "scan runs (ms): \(scans.map { format($0, 1) }.joined(separator: ", ")); mean source kg per kg of cells \(format(scanFacts.meanSharePerKg, 3))"
        )
        print(
            "roll-up runs (ms): \(rollUps.map { format($0, 1) }.joined(separator: ", ")); mean source kg per kg of cells \(format(rollUpFacts.meanSharePerKg, 3))"
        )
        return (serials, median(p99), median(rollUps))
    }

    /// Opens the ledger at `path`, or generates it there, and prints what it holds.
    static func prepareLedger(at path: String, _ configuration: Configuration) throws {
        if fileSize(path + "/data.mdb") > 0 {
            let chain = try SupplyChainLedger(openingAt: path)
            print(
                "reusing the generated ledger at \(path): \(format(Double(try chain.ledger.size))) entries, \(format(fileSize(path + "/data.mdb") / 1_048_576, 1)) MiB (generation not timed in this run)"
            )
            return
        }
        mkdirAll(path)
        let chain = try SupplyChainLedger.create(
            at: path,
            origin: "bench.celltrace.local/provenance",
            options: Ledger.Options(initialMapSize: 1 << 30)
        )
        let generator = try SupplyNetworkGenerator(
            options: SupplyNetworkGenerator.Options(
                cells: configuration.cells,
                cellsPerLot: configuration.cellsPerLot,
                seed: configuration.seed
            )
        )
        let report = try generator.generate(into: chain)
        print(
            "generated `--cells \(configuration.cells) --cells-per-lot \(configuration.cellsPerLot) --seed \(configuration.seed)` (durable commits): \(format(Double(report.events))) events in \(report.submissions) submissions, \(format(Double(report.lots))) lots (\(format(Double(report.cellLots))) cell lots), \(format(Double(report.serials))) serials in \(format(Double(report.serialRanges))) ranges"
        )
        print(
            "generation: \(format(report.seconds, 1)) s, \(format(Double(report.events) / report.seconds)) events/s; ledger \(format(Double(report.ledgerSize))) entries, \(format(fileSize(path + "/data.mdb") / 1_048_576, 1)) MiB"
        )
    }

    // MARK: The raw walks

    /// The ledger's supply-chain index tables, opened read-only straight through liblmdb.
    final class RawLedger {
        var env: OpaquePointer?
        var serials: MDB_dbi = 0
        var edgesUp: MDB_dbi = 0
        var lots: MDB_dbi = 0
        var lotCount = 0

        init(path: String) {
            RawLoops.check(mdb_env_create(&env), "mdb_env_create")
            RawLoops.check(mdb_env_set_maxdbs(env, 64), "mdb_env_set_maxdbs")
            RawLoops.check(mdb_env_open(env, path, UInt32(MDB_RDONLY | MDB_NOTLS), 0o644), "mdb_env_open")
            var txn: OpaquePointer?
            RawLoops.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
            RawLoops.check(mdb_dbi_open(txn, "sc.serials", 0, &serials), "mdb_dbi_open sc.serials")
            RawLoops.check(mdb_dbi_open(txn, "sc.edges.up", 0, &edgesUp), "mdb_dbi_open sc.edges.up")
            RawLoops.check(mdb_dbi_open(txn, "sc.lots", 0, &lots), "mdb_dbi_open sc.lots")
            var stat = MDB_stat()
            RawLoops.check(mdb_stat(txn, lots, &stat), "mdb_stat")
            lotCount = Int(stat.ms_entries)
            RawLoops.check(mdb_txn_commit(txn), "mdb_txn_commit")
        }

        deinit {
            mdb_env_close(env)
        }
    }

    /// A cell serial to look up: its prefix and number.
    struct Serial {
        var prefix: [UInt8]
        var number: UInt64
    }

    /// `count` serials drawn uniformly from every commissioned range (the same for a seed), read
    /// from `sc.serials` before any timing.
    static func sampleSerials(_ ledger: RawLedger, count: Int, seed: UInt64) -> [Serial] {
        var ranges: [(prefix: [UInt8], first: UInt64, last: UInt64)] = []
        var txn: OpaquePointer?
        RawLoops.check(mdb_txn_begin(ledger.env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        var cursor: OpaquePointer?
        RawLoops.check(mdb_cursor_open(txn, ledger.serials, &cursor), "mdb_cursor_open")
        var key = MDB_val()
        var value = MDB_val()
        var op = MDB_FIRST
        while mdb_cursor_get(cursor, &key, &value, op) == 0 {
            op = MDB_NEXT
            let keyBytes = UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)
            let row = UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
            let prefix = Array(keyBytes.prefix(key.mv_size - 9))
            let first = UInt64(decimal(in: row, after: #""first":""#))
            let last = UInt64(decimal(in: row, after: #""last":""#))
            ranges.append((prefix, first, last))
        }
        mdb_cursor_close(cursor)
        mdb_txn_abort(txn)
        var cumulative: [UInt64] = []
        var total: UInt64 = 0
        for range in ranges {
            total += range.last - range.first + 1
            cumulative.append(total)
        }
        precondition(total > 0, "the ledger has no commissioned serials")
        var state = seed ^ 0x5EED_5E71_A150_0001
        var result: [Serial] = []
        for _ in 0..<count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            let pick = (z ^ (z >> 31)) % total
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > pick { high = middle } else { low = middle + 1 }
            }
            let before = low == 0 ? 0 : cumulative[low - 1]
            result.append(Serial(prefix: ranges[low].prefix, number: ranges[low].first + (pick - before)))
        }
        return result
    }

    struct RawWalkFacts {
        var edgesPerSerial = 0.0
        var lotsPerSerial = 0.0
        var sourcesPerSerial = 0.0
        var sourceKgPerCell = 0.0
    }

    /// The raw walk for each of `serials`, each in its own read snapshot (`mdb_txn_renew`); returns
    /// the microseconds per serial and what the walks read.
    static func rawWalk(_ ledger: RawLedger, serials: [Serial]) -> ([Double], RawWalkFacts) {
        var txn: OpaquePointer?
        RawLoops.check(mdb_txn_begin(ledger.env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        var serialCursor: OpaquePointer?
        var edgeCursor: OpaquePointer?
        RawLoops.check(mdb_cursor_open(txn, ledger.serials, &serialCursor), "mdb_cursor_open")
        RawLoops.check(mdb_cursor_open(txn, ledger.edgesUp, &edgeCursor), "mdb_cursor_open")
        mdb_txn_reset(txn)
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 4096)
        defer { scratch.deallocate() }
        // Work stack of (lot id in the map, its length, kg of it in the cell) and the sources found.
        var stack: [(UnsafeRawPointer, Int, Double)] = []
        stack.reserveCapacity(1024)
        var sources: [(UnsafeRawPointer, Int, Double)] = []
        sources.reserveCapacity(256)
        var micros: [Double] = []
        micros.reserveCapacity(serials.count)
        var facts = RawWalkFacts()
        var edges = 0
        var lotRows = 0
        var sourceCount = 0
        var sourceKg = 0.0
        for serial in serials {
            let clock = Stopwatch()
            RawLoops.check(mdb_txn_renew(txn), "mdb_txn_renew")
            RawLoops.check(mdb_cursor_renew(txn, serialCursor), "mdb_cursor_renew")
            RawLoops.check(mdb_cursor_renew(txn, edgeCursor), "mdb_cursor_renew")
            // The range row: prefix ‖ 0 ‖ BE64(last), the first one with last ≥ the number.
            let prefixLength = serial.prefix.count
            serial.prefix.withUnsafeBufferPointer { bytes in
                if let base = bytes.baseAddress { scratch.update(from: base, count: prefixLength) }
            }
            scratch[prefixLength] = 0
            var bigEndian = serial.number.bigEndian
            withUnsafeBytes(of: &bigEndian) { bytes in
                for index in 0..<8 { scratch[prefixLength + 1 + index] = bytes[index] }
            }
            var key = MDB_val(mv_size: prefixLength + 9, mv_data: scratch)
            var value = MDB_val()
            guard mdb_cursor_get(serialCursor, &key, &value, MDB_SET_RANGE) == 0, key.mv_size == prefixLength + 9,
                memcmp(key.mv_data, scratch, prefixLength + 1) == 0
            else { preconditionFailure("serial \(serial.number) has no range row") }
            let row = UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
            precondition(UInt64(decimal(in: row, after: #""first":""#)) <= serial.number, "serial not commissioned")
            let cellKg = decimal(in: row, after: #""cellMassKg":""#)
            let (lotStart, lotLength) = string(in: row, after: #""lot":""#)
            stack.removeAll(keepingCapacity: true)
            sources.removeAll(keepingCapacity: true)
            stack.append((lotStart, lotLength, cellKg))
            while let (lot, length, kg) = stack.popLast() {
                // The lot's produced mass, then its edges up: output ‖ 0 ‖ input ‖ 0 ‖ BE64(seq).
                var lotKey = MDB_val(mv_size: length, mv_data: UnsafeMutableRawPointer(mutating: lot))
                var lotValue = MDB_val()
                RawLoops.check(mdb_get(txn, ledger.lots, &lotKey, &lotValue), "mdb_get sc.lots")
                lotRows += 1
                let produced = producedKg(UnsafeRawBufferPointer(start: lotValue.mv_data, count: lotValue.mv_size))
                memcpy(scratch, lot, length)
                scratch[length] = 0
                var edgeKey = MDB_val(mv_size: length + 1, mv_data: scratch)
                var edgeValue = MDB_val()
                var found = false
                var rc = mdb_cursor_get(edgeCursor, &edgeKey, &edgeValue, MDB_SET_RANGE)
                while rc == 0, edgeKey.mv_size > length + 10, memcmp(edgeKey.mv_data, scratch, length + 1) == 0 {
                    found = true
                    edges += 1
                    let input = edgeKey.mv_data.advanced(by: length + 1)
                    let edgeKg = edgeKg(
                        UnsafeRawBufferPointer(start: edgeValue.mv_data, count: edgeValue.mv_size),
                        outputLength: length
                    )
                    stack.append((UnsafeRawPointer(input), edgeKey.mv_size - length - 10, kg * edgeKg / produced))
                    rc = mdb_cursor_get(edgeCursor, &edgeKey, &edgeValue, MDB_NEXT)
                }
                if !found {
                    if let index = sources.firstIndex(where: { $0.1 == length && memcmp($0.0, lot, length) == 0 }) {
                        sources[index].2 += kg
                    } else {
                        sources.append((lot, length, kg))
                    }
                }
            }
            mdb_txn_reset(txn)
            micros.append(clock.seconds * 1e6)
            sourceCount += sources.count
            sourceKg += sources.reduce(0) { $0 + $1.2 }
        }
        mdb_cursor_close(serialCursor)
        mdb_cursor_close(edgeCursor)
        mdb_txn_abort(txn)
        let count = Double(max(1, serials.count))
        facts.edgesPerSerial = Double(edges) / count
        facts.lotsPerSerial = Double(lotRows) / count
        facts.sourcesPerSerial = Double(sourceCount) / count
        facts.sourceKgPerCell = sourceKg / count
        return (micros, facts)
    }

    struct RawRollUpFacts {
        var cellLots = 0
        var lots = 0
        var edges = 0
        var meanSharePerKg = 0.0
    }

    /// The raw roll-up in one read snapshot.
    ///
    /// Every cell lot named by `sc.serials`, and for each lot upstream, once, the kilograms of source material per kilogram of it (Σ edge kg ÷ produced
    /// kg × the input's value; 1 for a lot without inputs). Returns the milliseconds it took.
    static func rawRollUp(_ ledger: RawLedger) -> (Double, RawRollUpFacts) {
        let clock = Stopwatch()
        var txn: OpaquePointer?
        RawLoops.check(mdb_txn_begin(ledger.env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        var serialCursor: OpaquePointer?
        var edgeCursor: OpaquePointer?
        RawLoops.check(mdb_cursor_open(txn, ledger.serials, &serialCursor), "mdb_cursor_open")
        RawLoops.check(mdb_cursor_open(txn, ledger.edgesUp, &edgeCursor), "mdb_cursor_open")
        let memo = LotTable<Double>(capacity: ledger.lotCount * 2 + 16)
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 4096)
        defer { scratch.deallocate() }
        var facts = RawRollUpFacts()

        // One reusable list of inputs per depth: the recursion moves the shared edge cursor, so a
        // lot's edges are read out before its inputs are visited.
        var pools: [[(UnsafeRawPointer, Int, Double)]] = []
        func value(of lot: UnsafeRawPointer, _ length: Int, depth: Int) -> Double {
            if let known = memo.find(lot, length) { return known }
            var lotKey = MDB_val(mv_size: length, mv_data: UnsafeMutableRawPointer(mutating: lot))
            var lotValue = MDB_val()
            RawLoops.check(mdb_get(txn, ledger.lots, &lotKey, &lotValue), "mdb_get sc.lots")
            let produced = producedKg(UnsafeRawBufferPointer(start: lotValue.mv_data, count: lotValue.mv_size))
            if pools.count <= depth { pools.append([]) }
            var inputs = pools[depth]
            pools[depth] = []
            inputs.removeAll(keepingCapacity: true)
            memcpy(scratch, lot, length)
            scratch[length] = 0
            var edgeKey = MDB_val(mv_size: length + 1, mv_data: scratch)
            var edgeValue = MDB_val()
            var rc = mdb_cursor_get(edgeCursor, &edgeKey, &edgeValue, MDB_SET_RANGE)
            while rc == 0, edgeKey.mv_size > length + 10, memcmp(edgeKey.mv_data, lot, length) == 0,
                edgeKey.mv_data.load(fromByteOffset: length, as: UInt8.self) == 0
            {
                let kg = edgeKg(
                    UnsafeRawBufferPointer(start: edgeValue.mv_data, count: edgeValue.mv_size),
                    outputLength: length
                )
                inputs.append(
                    (UnsafeRawPointer(edgeKey.mv_data.advanced(by: length + 1)), edgeKey.mv_size - length - 10, kg)
                )
                rc = mdb_cursor_get(edgeCursor, &edgeKey, &edgeValue, MDB_NEXT)
            }
            facts.edges += inputs.count
            var result = inputs.isEmpty ? 1.0 : 0.0
            for (input, inputLength, kg) in inputs {
                result += kg / produced * value(of: input, inputLength, depth: depth + 1)
            }
            pools[depth] = inputs
            memo.insert(lot, length, result)
            facts.lots += 1
            return result
        }

        var key = MDB_val()
        var row = MDB_val()
        var op = MDB_FIRST
        var total = 0.0
        while mdb_cursor_get(serialCursor, &key, &row, op) == 0 {
            op = MDB_NEXT
            let (lot, length) = string(
                in: UnsafeRawBufferPointer(start: row.mv_data, count: row.mv_size),
                after: #""lot":""#
            )
            if memo.find(lot, length) != nil { continue }
            facts.cellLots += 1
            total += value(of: lot, length, depth: 0)
        }
        mdb_cursor_close(serialCursor)
        mdb_cursor_close(edgeCursor)
        mdb_txn_abort(txn)
        facts.meanSharePerKg = total / Double(max(1, facts.cellLots))
        return (clock.seconds * 1000, facts)
    }

    /// The same roll-up from three sequential cursor passes in one read snapshot.
    ///
    /// The passes read `sc.lots` (produced kg), `sc.edges.up` (grouped by output lot, so each
    /// lot's inputs are adjacent) and `sc.serials` (the cell lots); the graph is held as arrays and
    /// each lot evaluated once.
    /// Returns the milliseconds it took, the whole scan and parse included.
    static func rawRollUpByScan(_ ledger: RawLedger) -> (Double, RawRollUpFacts) {
        let clock = Stopwatch()
        var txn: OpaquePointer?
        RawLoops.check(mdb_txn_begin(ledger.env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        var cursor: OpaquePointer?
        var key = MDB_val()
        var row = MDB_val()
        let index = LotTable<Int32>(capacity: ledger.lotCount * 2 + 16)
        var produced: [Double] = []
        produced.reserveCapacity(ledger.lotCount)
        RawLoops.check(mdb_cursor_open(txn, ledger.lots, &cursor), "mdb_cursor_open")
        var op = MDB_FIRST
        while mdb_cursor_get(cursor, &key, &row, op) == 0 {
            op = MDB_NEXT
            index.insert(UnsafeRawPointer(key.mv_data), key.mv_size, Int32(produced.count))
            produced.append(producedKg(UnsafeRawBufferPointer(start: row.mv_data, count: row.mv_size)))
        }
        mdb_cursor_close(cursor)
        // Inputs of each lot as ranges of two parallel arrays (input lot, kg per kg of the output).
        var first = [Int32](repeating: 0, count: produced.count)
        var end = [Int32](repeating: 0, count: produced.count)
        var inputs: [Int32] = []
        var shares: [Double] = []
        RawLoops.check(mdb_cursor_open(txn, ledger.edgesUp, &cursor), "mdb_cursor_open")
        op = MDB_FIRST
        var current: Int32 = -1
        var currentKey: UnsafeRawPointer?
        var currentLength = 0
        while mdb_cursor_get(cursor, &key, &row, op) == 0 {
            op = MDB_NEXT
            guard let data = key.mv_data, let zero = memchr(data, 0, key.mv_size) else { continue }
            let base = UnsafeRawPointer(data)
            let outputLength = base.distance(to: UnsafeRawPointer(zero))
            let same = currentKey.map { currentLength == outputLength && memcmp($0, base, outputLength) == 0 } ?? false
            if !same {
                current = index.find(base, outputLength) ?? -1
                currentKey = base
                currentLength = outputLength
                if current >= 0 { first[Int(current)] = Int32(inputs.count) }
            }
            guard current >= 0 else { continue }
            let inputLength = key.mv_size - outputLength - 10
            guard let input = index.find(base + outputLength + 1, inputLength) else { continue }
            let kg = edgeKg(UnsafeRawBufferPointer(start: row.mv_data, count: row.mv_size), outputLength: outputLength)
            inputs.append(input)
            shares.append(kg / produced[Int(current)])
            end[Int(current)] = Int32(inputs.count)
        }
        mdb_cursor_close(cursor)
        var values = [Double](repeating: -1, count: produced.count)
        var facts = RawRollUpFacts()
        facts.edges = inputs.count
        func value(_ lot: Int) -> Double {
            if values[lot] >= 0 { return values[lot] }
            var result = first[lot] == end[lot] ? 1.0 : 0.0
            for edge in Int(first[lot])..<Int(end[lot]) {
                result += shares[edge] * value(Int(inputs[edge]))
            }
            values[lot] = result
            facts.lots += 1
            return result
        }
        RawLoops.check(mdb_cursor_open(txn, ledger.serials, &cursor), "mdb_cursor_open")
        op = MDB_FIRST
        var total = 0.0
        var previous: Int32 = -1
        while mdb_cursor_get(cursor, &key, &row, op) == 0 {
            op = MDB_NEXT
            let (lot, length) = string(
                in: UnsafeRawBufferPointer(start: row.mv_data, count: row.mv_size),
                after: #""lot":""#
            )
            guard let cell = index.find(lot, length), cell != previous, values[Int(cell)] < 0 else { continue }
            previous = cell
            facts.cellLots += 1
            total += value(Int(cell))
        }
        mdb_cursor_close(cursor)
        mdb_txn_abort(txn)
        facts.meanSharePerKg = total / Double(max(1, facts.cellLots))
        return (clock.seconds * 1000, facts)
    }

    /// An open-addressing table from lot ids (bytes in the map, valid for the snapshot) to values.
    final class LotTable<Value> {
        private var keys: [UnsafeRawPointer?]
        private var lengths: [Int]
        private var values: [Value?]
        private let mask: Int

        init(capacity: Int) {
            var size = 16
            while size < capacity { size <<= 1 }
            keys = [UnsafeRawPointer?](repeating: nil, count: size)
            lengths = [Int](repeating: 0, count: size)
            values = [Value?](repeating: nil, count: size)
            mask = size - 1
        }

        private func slot(_ key: UnsafeRawPointer, _ length: Int) -> Int {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for index in 0..<length {
                hash = (hash ^ UInt64(key.load(fromByteOffset: index, as: UInt8.self))) &* 0x100_0000_01B3
            }
            return Int(truncatingIfNeeded: hash) & mask
        }

        func find(_ key: UnsafeRawPointer, _ length: Int) -> Value? {
            var index = slot(key, length)
            while let stored = keys[index] {
                if lengths[index] == length, memcmp(stored, key, length) == 0 { return values[index] }
                index = (index + 1) & mask
            }
            return nil
        }

        func insert(_ key: UnsafeRawPointer, _ length: Int, _ value: Value) {
            var index = slot(key, length)
            while keys[index] != nil { index = (index + 1) & mask }
            keys[index] = key
            lengths[index] = length
            values[index] = value
        }
    }

    // MARK: Reading numbers and strings out of JCS rows, as cheaply as possible

    /// The offset just past the first occurrence of `marker` in `row`, or nil (memchr for the
    /// marker's first byte, then memcmp).
    private static func offset(of marker: StaticString, in row: UnsafeRawBufferPointer) -> Int? {
        let needle = marker.utf8Start
        let length = marker.utf8CodeUnitCount
        guard let base = row.baseAddress else { return nil }
        var index = 0
        while index + length <= row.count {
            guard let hit = memchr(base + index, Int32(needle[0]), row.count - index - length + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, needle, length) == 0 { return at + length }
            index = at + 1
        }
        return nil
    }

    /// The decimal string after `marker` (such as `"kg":"`), as a double.
    static func decimal(in row: UnsafeRawBufferPointer, after marker: StaticString) -> Double {
        guard let start = offset(of: marker, in: row) else { preconditionFailure("no \(marker) in a row") }
        return parseDecimal(row, from: start)
    }

    private static func parseDecimal(_ row: UnsafeRawBufferPointer, from start: Int) -> Double {
        var integer: UInt64 = 0
        var fraction: UInt64 = 0
        var scale = 1.0
        var index = start
        while index < row.count, row[index] >= 0x30, row[index] <= 0x39 {
            integer = integer &* 10 &+ UInt64(row[index] - 0x30)
            index += 1
        }
        if index < row.count, row[index] == 0x2E {
            index += 1
            while index < row.count, row[index] >= 0x30, row[index] <= 0x39 {
                fraction = fraction &* 10 &+ UInt64(row[index] - 0x30)
                scale *= 10
                index += 1
            }
        }
        return Double(integer) + Double(fraction) / scale
    }

    /// An edge row's `kg`, read backwards from the row's end, whose layout JCS fixes:
    /// `…"kg":"<kg>","seq":<seq>,"to":"<output lot>"}`, with the output lot's length known from the
    /// key; falls back to a search when the row is not laid out so.
    static func edgeKg(_ row: UnsafeRawBufferPointer, outputLength: Int) -> Double {
        // Skip `"}`, the output lot, `"to":"` and `,`, then the sequence number's digits.
        var index = row.count - 2 - outputLength - 6 - 2
        while index > 0, row[index] >= 0x30, row[index] <= 0x39 { index -= 1 }
        // Now at the `:` of `"seq":`; the kg value ends before `","seq":`.
        let end = index - 6
        var start = end
        while start > 0, (row[start - 1] >= 0x30 && row[start - 1] <= 0x39) || row[start - 1] == 0x2E { start -= 1 }
        guard start > 6, start < end, row[start - 1] == 0x22, row[start - 2] == 0x3A, row[start - 3] == 0x22,
            row[start - 4] == 0x67, row[start - 5] == 0x6B
        else { return decimal(in: row, after: #""kg":""#) }
        return parseDecimal(row, from: start)
    }

    /// A lot row's `producedKg`, found from the end of the row (it is the last member but one at most).
    static func producedKg(_ row: UnsafeRawBufferPointer) -> Double {
        let marker: StaticString = #""producedKg":""#
        let length = marker.utf8CodeUnitCount
        guard let base = row.baseAddress else { preconditionFailure("an empty lot row") }
        var index = row.count - length
        while index >= 0 {
            if row[index] == 0x22, memcmp(base + index, marker.utf8Start, length) == 0 {
                return parseDecimal(row, from: index + length)
            }
            index -= 1
        }
        preconditionFailure("a lot row without producedKg")
    }

    /// The string after `marker` (no escapes in lot ids): its start in the map and its length.
    static func string(in row: UnsafeRawBufferPointer, after marker: StaticString) -> (UnsafeRawPointer, Int) {
        guard let start = offset(of: marker, in: row), let base = row.baseAddress else {
            preconditionFailure("no \(marker) in a row")
        }
        var end = start
        while end < row.count, row[end] != 0x22 { end += 1 }
        return (base + start, end - start)
    }
}
