import LedgerCore
import LedgerCrypto
import LedgerStorage
import Testing

@testable import SupplyChain

@Suite("eventIDs kept as sorted runs: every one found, runs merged by size, damage named")
struct DigestRunsTests {
    /// The digest of record `number` and its value: BE64(number), and for every third record an
    /// eventID after it, as `sc.event-hashes` stores one.
    static func record(_ number: Int) -> (key: [UInt8], value: [UInt8]) {
        let value = IndexKey.sequence(UInt64(number)) + (number % 3 == 0 ? Array("urn:uuid:\(number)".utf8) : [])
        return (SHA256.hash(Array("event \(number)".utf8)).bytes, value)
    }

    /// Writes `sizes` imports of fresh records into `sc.event-ids`, one run each, as imports do.
    static func addImports(_ sizes: [Int], to chain: SupplyChainLedger) throws -> Int {
        let table = try chain.ledger.extraTable("sc.event-ids")
        var next = 0
        for size in sizes {
            let records = (next..<next + size).map(record)
            next += size
            try chain.ledger.rewriteExtraTables([], expectedSize: chain.ledger.size) { txn, _ in
                try SupplyChainLedger.addDigestRecords(records, to: table, txn)
            }
        }
        return next
    }

    @Test("after imports of many sizes every record is found, absent digests are not, and runs stay one a level")
    func everyRecordFound() throws {
        let fixture = try ChainFixture()
        let chain = fixture.chain
        let sizes = [1, 1, 7, 300, 2, 2, 2, 1_000, 5, 64, 64, 64, 64, 3_000, 1]
        let total = try Self.addImports(sizes, to: chain)
        let table = try chain.ledger.extraTable("sc.event-ids")
        let runs = try chain.ledger.read { txn, _ in try DigestRuns.directory(in: table, txn) }
        #expect(runs.reduce(0) { $0 + $1.count } == UInt64(total))
        #expect(Set(runs.map(\.level)).count == runs.count, "no two runs share a level: \(runs)")
        #expect(runs.count < sizes.count, "runs were merged: \(runs)")
        let (found, count) = try chain.ledger.read { txn, _ in
            (
                try (0..<total + 200).map { try DigestRuns.value(forDigest: Self.record($0).key, in: table, txn) },
                try DigestRuns.recordCount(in: table, txn)
            )
        }
        #expect(found[..<total].elementsEqual((0..<total).map { Self.record($0).value }))
        #expect(found[total...].allSatisfy { $0 == nil }, "digests never added are not found")
        #expect(count == total)
        let stored = try chain.digestRecords("sc.event-ids")
        #expect(
            stored.map(\.key) == (0..<total).map { Self.record($0).key }.sorted { $0.lexicographicallyPrecedes($1) }
        )
    }

    @Test("a chunk holds records of any length, one longer than a chunk alone")
    func longValues() throws {
        let fixture = try ChainFixture()
        let chain = fixture.chain
        let table = try chain.ledger.extraTable("sc.event-hashes")
        let records = (0..<40).map { number in
            (
                key: SHA256.hash(Array("long \(number)".utf8)).bytes,
                value: [UInt8](repeating: UInt8(number), count: number * 50)
            )
        }
        try chain.ledger.rewriteExtraTables([], expectedSize: chain.ledger.size) { txn, _ in
            try SupplyChainLedger.addDigestRecords(Array(records[..<20]), to: table, txn)
            try SupplyChainLedger.addDigestRecords(Array(records[20...]), to: table, txn)
        }
        let (runs, found) = try chain.ledger.read { txn, _ in
            (
                try DigestRuns.directory(in: table, txn),
                try records.map { try DigestRuns.value(forDigest: $0.key, in: table, txn) }
            )
        }
        #expect(runs.count == 1, "two runs of 20 share level 2 and are merged")
        #expect(found == records.map(\.value))
    }

    @Test("imports in many documents keep the eventIDs in a few runs, and the audit compares every record")
    func importsMergeRuns() throws {
        let fixture = try ChainFixture()
        let chain = fixture.chain
        for number in 0..<9 {
            try fixture.accept([Events.extract("ORE-\(number)")], as: "pilbara-mining")
        }
        let table = try chain.ledger.extraTable("sc.event-ids")
        let runs = try chain.ledger.read { txn, _ in try DigestRuns.directory(in: table, txn) }
        #expect(runs.reduce(0) { $0 + $1.count } == 9)
        #expect(runs.count <= 2, "nine one-event imports leave runs of distinct levels: \(runs)")
        let audit = try chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        let again = try chain.importSubmission(
            Array(Events.extract("ORE-4").utf8),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        #expect(again.written == 0 && again.alreadyPresent == 1, "found in whichever run holds it")
    }

    @Test("a directory that does not list the runs there are fails the audit, and a rebuild mends it")
    func damagedDirectory() throws {
        let (fixture, table) = try Self.twoEvents()
        let chain = fixture.chain
        let runs = try chain.ledger.read { txn, _ in try DigestRuns.directory(in: table, txn) }
        #expect(runs == [DigestRuns.Run(id: 1, count: 2)])
        try chain.ledger.rewriteExtraTables([], expectedSize: chain.ledger.size) { txn, _ in
            try Self.putDirectory(count: 3, table, txn)
        }
        let rebuilt = try Self.expectDamage(chain, "its directory does not list the runs it holds")
        #expect(rebuilt.tables.first { $0.name == "sc.event-ids" }.map { [$0.rowsBefore, $0.rowsAfter] } == [3, 2])
    }

    /// A ledger of two events, one run of two records in `sc.event-ids`, and that table.
    static func twoEvents() throws -> (ChainFixture, Table) {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE"), Events.extract("ORE-2")], as: "pilbara-mining")
        return (fixture, try fixture.chain.ledger.extraTable("sc.event-ids"))
    }

    /// Writes a directory that lists run 1 with `count` records.
    static func putDirectory(count: UInt64, _ table: Table, _ txn: borrowing WriteTransaction) throws {
        try txn.put(
            DigestRuns.encode([DigestRuns.Run(id: 1, count: count)]),
            forKey: DigestRuns.directoryKey,
            in: table
        )
    }

    /// Expects the audit to find `sc.event-ids` damaged as `what` says, then a rebuild to mend it.
    static func expectDamage(_ chain: SupplyChainLedger, _ what: String) throws -> IndexRebuildReport {
        #expect(
            try chain.auditIndexes().failure
                == "index sc.event-ids is damaged: \(what); run `celltrace index rebuild`"
        )
        let rebuilt = try chain.rebuildIndexes()
        #expect(rebuilt.isRebuilt)
        #expect(try chain.auditIndexes().isValid)
        return rebuilt
    }

    @Test("a run whose chunks overlap fails the audit: a look-up would miss a digest in it")
    func overlappingChunks() throws {
        let (fixture, table) = try Self.twoEvents()
        let chain = fixture.chain
        let records = try chain.digestRecords("sc.event-ids")
        #expect(records.count == 2)
        // Run 1 as two chunks, each in digest order and keyed by its last digest, the second
        // starting before the first ends: a look-up of its first digest seeks the first chunk.
        let highest = (key: [UInt8](repeating: 0xff, count: 32), value: IndexKey.sequence(99))
        func encoded(_ records: [(key: [UInt8], value: [UInt8])]) -> [UInt8] {
            records.flatMap { $0.key + [UInt8($0.value.count >> 8), UInt8($0.value.count & 0xff)] + $0.value }
        }
        try chain.ledger.rewriteExtraTables(["sc.event-ids"], expectedSize: chain.ledger.size) { txn, _ in
            try txn.put(encoded([records[1]]), forKey: DigestRuns.runPrefix(1) + records[1].key, in: table)
            try txn.put(encoded([records[0], highest]), forKey: DigestRuns.runPrefix(1) + highest.key, in: table)
            try Self.putDirectory(count: 3, table, txn)
        }
        _ = try Self.expectDamage(chain, "run 1 is not in digest order")
    }
}

extension SupplyChainLedger {
    /// The records of a digest-keyed table (`sc.event-ids`, `sc.event-hashes`) in digest order,
    /// whatever runs hold them.
    func digestRecords(_ table: String) throws -> [(key: [UInt8], value: [UInt8])] {
        let handle = try ledger.extraTable(table)
        return try ledger.read { txn, _ in
            var records: [(key: [UInt8], value: [UInt8])] = []
            try DigestRuns.forEachRecord(in: handle, txn) { records.append((Array($0), Array($1))) }
            return records.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        }
    }

    /// Writes `records` into a digest-keyed table as one run, as an import writes its own.
    static func addDigestRecords(
        _ records: [(key: [UInt8], value: [UInt8])],
        to table: Table,
        _ txn: borrowing WriteTransaction
    ) throws {
        var rows = EncodedRows()
        for (key, value) in records { rows.append(key: key, value: value) }
        rows.sort()
        try DigestRuns.add(rows, to: table, txn)
    }
}
