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
/// - ``rawWalk(_:serials:)``: serial → its range row (`sc.serials`) → cell lot → its number
///   (`sc.lot-ids`) → every upstream edge (`sc.edges.up`), recursively, to the lots with no inputs
///   (mines and materials entering the ledger), with each lot's produced mass from `sc.lots`,
///   accumulating the kilograms of each such lot in the one cell: "which mines, with what mass".
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
        var lotIDs: MDB_dbi = 0
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
            RawLoops.check(mdb_dbi_open(txn, "sc.lot-ids", 0, &lotIDs), "mdb_dbi_open sc.lot-ids")
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

    /// The big-endian number eight bytes long at `offset` in a row LMDB returned.
    static func bigEndianNumber(_ data: UnsafeMutableRawPointer?, at offset: Int) -> UInt64 {
        guard let data else { preconditionFailure("LMDB returned a row without data") }
        return UInt64(bigEndian: data.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The number of the lot whose id is at `id` (`sc.lot-ids`).
    static func lotNumber(_ ledger: RawLedger, _ txn: OpaquePointer?, _ id: UnsafeRawPointer, _ length: Int) -> UInt64 {
        var key = MDB_val(mv_size: length, mv_data: UnsafeMutableRawPointer(mutating: id))
        var value = MDB_val()
        RawLoops.check(mdb_get(txn, ledger.lotIDs, &key, &value), "mdb_get sc.lot-ids")
        precondition(value.mv_size == 8, "a lot number is eight bytes")
        return bigEndianNumber(value.mv_data, at: 0)
    }

    /// The produced kilograms of lot `number` (`sc.lots`).
    static func producedKg(_ ledger: RawLedger, _ txn: OpaquePointer?, _ number: UInt64) -> Double {
        var bigEndian = number.bigEndian
        return withUnsafeMutableBytes(of: &bigEndian) { bytes in
            var key = MDB_val(mv_size: 8, mv_data: bytes.baseAddress)
            var value = MDB_val()
            RawLoops.check(mdb_get(txn, ledger.lots, &key, &value), "mdb_get sc.lots")
            return producedKg(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
        }
    }

    /// Calls `body` with the input lot number and the edge row of every edge into lot `number`
    /// (`sc.edges.up`: BE64(output) ‖ BE64(input) ‖ BE64(seq)).
    static func forEachEdge(
        into number: UInt64,
        _ cursor: OpaquePointer?,
        _ body: (UInt64, UnsafeRawBufferPointer) -> Void
    ) {
        var bigEndian = number.bigEndian
        withUnsafeMutableBytes(of: &bigEndian) { prefix in
            guard let start = prefix.baseAddress else { return }
            var key = MDB_val(mv_size: 8, mv_data: start)
            var value = MDB_val()
            var rc = mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
            while rc == 0, key.mv_size == 24, memcmp(key.mv_data, start, 8) == 0 {
                let input = bigEndianNumber(key.mv_data, at: 8)
                body(input, UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
                rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
            }
        }
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
        // Work stack of (lot number, kg of it in the cell) and the sources found.
        var stack: [(UInt64, Double)] = []
        stack.reserveCapacity(1024)
        var sources: [(UInt64, Double)] = []
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
            stack.append((lotNumber(ledger, txn, lotStart, lotLength), cellKg))
            while let (lot, kg) = stack.popLast() {
                // The lot's produced mass, then its edges up.
                let produced = producedKg(ledger, txn, lot)
                lotRows += 1
                var found = false
                forEachEdge(into: lot, edgeCursor) { input, edge in
                    found = true
                    edges += 1
                    stack.append((input, kg * edgeKg(edge) / produced))
                }
                if !found {
                    if let index = sources.firstIndex(where: { $0.0 == lot }) {
                        sources[index].1 += kg
                    } else {
                        sources.append((lot, kg))
                    }
                }
            }
            mdb_txn_reset(txn)
            micros.append(clock.seconds * 1e6)
            sourceCount += sources.count
            sourceKg += sources.reduce(0) { $0 + $1.1 }
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
        // Lot numbers run from 0 to the count of lots: the memo is an array, NaN where not yet known.
        var memo = [Double](repeating: .nan, count: ledger.lotCount)
        var facts = RawRollUpFacts()

        // One reusable list of inputs per depth: the recursion moves the shared edge cursor, so a
        // lot's edges are read out before its inputs are visited.
        var pools: [[(UInt64, Double)]] = []
        func value(of lot: UInt64, depth: Int) -> Double {
            if !memo[Int(lot)].isNaN { return memo[Int(lot)] }
            let produced = producedKg(ledger, txn, lot)
            if pools.count <= depth { pools.append([]) }
            var inputs = pools[depth]
            pools[depth] = []
            inputs.removeAll(keepingCapacity: true)
            forEachEdge(into: lot, edgeCursor) { input, edge in inputs.append((input, edgeKg(edge))) }
            facts.edges += inputs.count
            var result = inputs.isEmpty ? 1.0 : 0.0
            for (input, kg) in inputs {
                result += kg / produced * value(of: input, depth: depth + 1)
            }
            pools[depth] = inputs
            memo[Int(lot)] = result
            facts.lots += 1
            return result
        }

        var key = MDB_val()
        var row = MDB_val()
        var op = MDB_FIRST
        var total = 0.0
        while mdb_cursor_get(serialCursor, &key, &row, op) == 0 {
            op = MDB_NEXT
            let (id, length) = string(
                in: UnsafeRawBufferPointer(start: row.mv_data, count: row.mv_size),
                after: #""lot":""#
            )
            let lot = lotNumber(ledger, txn, id, length)
            if !memo[Int(lot)].isNaN { continue }
            facts.cellLots += 1
            total += value(of: lot, depth: 0)
        }
        mdb_cursor_close(serialCursor)
        mdb_cursor_close(edgeCursor)
        mdb_txn_abort(txn)
        facts.meanSharePerKg = total / Double(max(1, facts.cellLots))
        return (clock.seconds * 1000, facts)
    }

    /// The same roll-up from three sequential cursor passes in one read snapshot.
    ///
    /// The passes read `sc.lots` (produced kg, in lot-number order), `sc.edges.up` (grouped by
    /// output lot, so each lot's inputs are adjacent) and `sc.serials` (the cell lots, each
    /// numbered through `sc.lot-ids`); the graph is held as arrays and each lot evaluated once.
    /// Returns the milliseconds it took, the whole scan and parse included.
    static func rawRollUpByScan(_ ledger: RawLedger) -> (Double, RawRollUpFacts) {
        let clock = Stopwatch()
        var txn: OpaquePointer?
        RawLoops.check(mdb_txn_begin(ledger.env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        var cursor: OpaquePointer?
        var key = MDB_val()
        var row = MDB_val()
        var produced: [Double] = []
        produced.reserveCapacity(ledger.lotCount)
        RawLoops.check(mdb_cursor_open(txn, ledger.lots, &cursor), "mdb_cursor_open")
        var op = MDB_FIRST
        while mdb_cursor_get(cursor, &key, &row, op) == 0 {
            op = MDB_NEXT
            precondition(
                bigEndianNumber(key.mv_data, at: 0) == produced.count,
                "lots are numbered from 0 without gaps"
            )
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
        var current = -1
        while mdb_cursor_get(cursor, &key, &row, op) == 0 {
            op = MDB_NEXT
            guard key.mv_size == 24 else { continue }
            let output = Int(bigEndianNumber(key.mv_data, at: 0))
            let input = Int(bigEndianNumber(key.mv_data, at: 8))
            guard output < produced.count, input < produced.count else { continue }
            if output != current {
                current = output
                first[output] = Int32(inputs.count)
            }
            let kg = edgeKg(UnsafeRawBufferPointer(start: row.mv_data, count: row.mv_size))
            inputs.append(Int32(input))
            shares.append(kg / produced[output])
            end[output] = Int32(inputs.count)
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
        var previous = -1
        while mdb_cursor_get(cursor, &key, &row, op) == 0 {
            op = MDB_NEXT
            let (id, length) = string(
                in: UnsafeRawBufferPointer(start: row.mv_data, count: row.mv_size),
                after: #""lot":""#
            )
            let cell = Int(lotNumber(ledger, txn, id, length))
            guard cell != previous, values[cell] < 0 else { continue }
            previous = cell
            facts.cellLots += 1
            total += value(cell)
        }
        mdb_cursor_close(cursor)
        mdb_txn_abort(txn)
        facts.meanSharePerKg = total / Double(max(1, facts.cellLots))
        return (clock.seconds * 1000, facts)
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

    /// An unsigned LEB128 varint at `offset` of a binary row, and the offset past it.
    private static func varint(_ row: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt128 {
        var value: UInt128 = 0
        var shift = 0
        while true {
            let next = row[offset]
            offset += 1
            value |= UInt128(next & 0x7F) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// A compact decimal (zigzag varint significand, then exponent) at `offset`, as a double.
    private static func compactDecimal(_ row: UnsafeRawBufferPointer, _ offset: inout Int) -> Double {
        let significand = varint(row, &offset)
        let exponent = varint(row, &offset)
        let signed = Int128(bitPattern: significand >> 1) ^ -Int128(bitPattern: significand & 1)
        let power = Int64(bitPattern: UInt64(truncatingIfNeeded: exponent >> 1)) ^ -Int64(exponent & 1)
        return Double(signed) * pow(10, Double(power))
    }

    /// An edge row's `kg` (`sc.edges.*`, binary since index layout 8: a version byte, then the mass).
    static func edgeKg(_ row: UnsafeRawBufferPointer) -> Double {
        precondition(row.first == 1, "an edge row of version 1")
        var offset = 1
        return compactDecimal(row, &offset)
    }

    /// A lot row's `producedKg` (`sc.lots`, binary since index layout 8: a version byte, the id,
    /// three optional texts behind a 0/1 byte, the facility, the making event, its sequence number
    /// and its time, then the produced mass; version 2, a lot made again, only adds at the end).
    static func producedKg(_ row: UnsafeRawBufferPointer) -> Double {
        precondition(row.first == 1 || row.first == 2, "a lot row of version 1 or 2")
        var offset = 1
        func skipText() { offset += Int(varint(row, &offset)) }
        skipText()
        for _ in 0..<3 {
            offset += 1
            if row[offset - 1] == 1 { skipText() }
        }
        skipText()
        skipText()
        _ = varint(row, &offset)
        skipText()
        return compactDecimal(row, &offset)
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
