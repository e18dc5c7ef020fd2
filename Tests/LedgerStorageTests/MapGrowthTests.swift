import Testing

@testable import LedgerStorage

/// The map starts at 64 KiB and must grow to hold megabytes, without the caller ever seeing a full map.
@Suite struct MapGrowthTests {
    private static let tinyMap = 64 << 10

    @Test func oneLargeTransactionGrowsTheMapAndKeepsEveryRow() throws {
        try withTemporaryEnvironment(options: testOptions(mapSize: Self.tinyMap)) { env in
            let entries = try env.table("entries")
            let count: UInt64 = 10_000
            var runs = 0
            try env.write { txn in
                runs += 1
                for index in 0..<count {
                    try txn.put(
                        payload(index, length: 1000),
                        forKey: BigEndianKey.encode(index),
                        in: entries,
                        mode: .append
                    )
                }
            }
            try expectEntries(env, count: count, length: 1000)
            #expect(runs > 1)
            #expect(env.mapSize > 10_000_000)
            #expect(env.growthStatistics.doublings >= 8)
        }
    }

    @Test func manySmallTransactionsGrowTheMapAndKeepEveryRow() throws {
        try withTemporaryEnvironment(options: testOptions(mapSize: Self.tinyMap)) { env in
            let entries = try env.table("entries")
            let meta = try env.table("meta")
            let count: UInt64 = 2_000
            for batch in stride(from: UInt64(0), to: count, by: 20) {
                try env.write { txn in
                    for index in batch..<batch + 20 {
                        try txn.put(
                            payload(index, length: 5000),
                            forKey: BigEndianKey.encode(index),
                            in: entries,
                            mode: .append
                        )
                    }
                    try txn.put(BigEndianKey.encode(batch + 20), forKey: Array("count".utf8), in: meta)
                }
            }
            try expectEntries(env, count: count, length: 5000)
            #expect(try env.read { try $0.value(in: meta, forKey: Array("count".utf8)) } == BigEndianKey.encode(count))
            #expect(env.mapSize >= 8 << 20)
            #expect(env.growthStatistics.mapFullAtWrite > 0)
        }
    }

    /// A full map reported by the commit is handled like one reported by a put.
    ///
    /// `mdb_txn_commit` itself can return `MDB_MAP_FULL` after every put succeeded, when the freelist
    /// and the named-table records need pages. Which batch size does that depends on the page layout,
    /// so try a range of them in fresh environments; the layout is deterministic, so some always do.
    @Test func mapFullAtCommitIsRetriedLikeAtPut() throws {
        var commitFailures = 0
        for count in UInt64(1)...40 {
            try withTemporaryEnvironment(options: testOptions(mapSize: Self.tinyMap)) { env in
                let entries = try env.table("entries")
                try env.write { txn in
                    for index in 0..<count {
                        try txn.put(payload(index, length: 2000), forKey: BigEndianKey.encode(index), in: entries)
                    }
                }
                try expectEntries(env, count: count, length: 2000)
                commitFailures += env.growthStatistics.mapFullAtCommit
            }
        }
        #expect(commitFailures > 0)
    }

    @Test func bodyThatSwallowsTheMapFullErrorIsStillReRun() throws {
        try withTemporaryEnvironment(options: testOptions(mapSize: Self.tinyMap)) { env in
            let entries = try env.table("entries")
            var swallowed: [StorageError] = []
            try env.write { txn in
                do {
                    for index: UInt64 in 0..<200 {
                        try txn.put(payload(index, length: 1000), forKey: BigEndianKey.encode(index), in: entries)
                    }
                } catch let error as StorageError {
                    swallowed.append(error)
                }
            }
            try expectEntries(env, count: 200, length: 1000)
            #expect(!swallowed.isEmpty)
            #expect(swallowed.allSatisfy { $0.code == .mapFull })
        }
    }

    @Test func reopenedEnvironmentKeepsTheGrownMap() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/env"
            let grown: Int
            do {
                let env = try Environment(path: path, options: testOptions(mapSize: Self.tinyMap))
                let entries = try env.table("entries")
                try env.write { txn in
                    for index: UInt64 in 0..<1000 {
                        try txn.put(payload(index, length: 1000), forKey: BigEndianKey.encode(index), in: entries)
                    }
                }
                grown = env.mapSize
            }
            let reopened = try Environment(path: path, options: testOptions(mapSize: Self.tinyMap))
            #expect(grown > Self.tinyMap)
            #expect(reopened.mapSize == grown)
        }
    }

    /// Checks that `entries` holds exactly indices `0..<count` with their payloads, in order.
    private func expectEntries(
        _ env: Environment,
        count: UInt64,
        length: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let entries = try env.table("entries")
        let (rows, misplaced) = try env.read { txn in
            let cursor = try txn.cursor(entries)
            var rows: UInt64 = 0
            var misplaced: [UInt64] = []
            while let (key, value) = try cursor.next() {
                if key != BigEndianKey.encode(rows) || value != payload(rows, length: length) {
                    misplaced.append(rows)
                }
                rows += 1
            }
            return (rows, misplaced)
        }
        #expect(rows == count, sourceLocation: sourceLocation)
        #expect(misplaced.isEmpty, "rows that differ: \(misplaced.prefix(10))", sourceLocation: sourceLocation)
    }
}
