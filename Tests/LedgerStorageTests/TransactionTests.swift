import LedgerStorage
import Testing

@Suite struct TransactionTests {
    @Test func putThenGetRoundTrips() throws {
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            let key = BigEndianKey.encode(7)
            try env.write { txn in
                try txn.put(payload(7), forKey: key, in: entries)
            }
            let stored = try env.read { txn in try txn.value(in: entries, forKey: key) }
            #expect(stored == payload(7))
            let missing = try env.read { txn in try txn.value(in: entries, forKey: BigEndianKey.encode(8)) }
            #expect(missing == nil)
        }
    }

    @Test func upsertReplacesTheValue() throws {
        try withTemporaryEnvironment { env in
            let meta = try env.table("meta")
            try env.write { txn in
                try txn.put([1], forKey: Array("tip".utf8), in: meta)
                try txn.put([2, 2], forKey: Array("tip".utf8), in: meta)
            }
            #expect(try env.read { try $0.value(in: meta, forKey: Array("tip".utf8)) } == [2, 2])
            #expect(try env.read { try $0.count(meta) } == 1)
        }
    }

    @Test func keysAndValuesAcceptAnyByteCollection() throws {
        try withTemporaryEnvironment { env in
            let meta = try env.table("meta")
            let key: ArraySlice<UInt8> = Array("xkeyx".utf8)[1..<4]
            try env.write { txn in
                try txn.put("value".utf8, forKey: key, in: meta)
                try txn.put([UInt8](), forKey: "empty".utf8, in: meta)
            }
            try env.read { txn throws in
                #expect(try txn.value(in: meta, forKey: Array("key".utf8)) == Array("value".utf8))
                #expect(try txn.value(in: meta, forKey: "empty".utf8) == [])
            }
        }
    }

    @Test func withValueLendsTheStoredBytes() throws {
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            try env.write { txn in
                try txn.put(payload(1, length: 1000), forKey: BigEndianKey.encode(1), in: entries)
            }
            let (length, sum) = try env.read { txn in
                try txn.withValue(in: entries, forKey: BigEndianKey.encode(1)) { buffer in
                    (buffer?.count ?? -1, buffer?.reduce(0) { $0 + Int($1) } ?? -1)
                }
            }
            #expect(length == 1000)
            #expect(sum == payload(1, length: 1000).reduce(0) { $0 + Int($1) })
            let absent = try env.read { txn in
                try txn.withValue(in: entries, forKey: BigEndianKey.encode(2)) { $0 == nil }
            }
            #expect(absent)
        }
    }

    @Test func noOverwriteRefusesAnExistingKey() throws {
        try withTemporaryEnvironment { env in
            let meta = try env.table("meta")
            try env.write { txn in
                try txn.put([1], forKey: Array("k".utf8), in: meta, mode: .noOverwrite)
            }
            let error = #expect(throws: StorageError.self) {
                try env.write { txn in
                    try txn.put([2], forKey: Array("k".utf8), in: meta, mode: .noOverwrite)
                }
            }
            #expect(error?.code == .keyExists)
            #expect(try env.read { try $0.value(in: meta, forKey: Array("k".utf8)) } == [1])
        }
    }

    @Test func appendAcceptsIncreasingKeysAndRejectsOutOfOrderOnes() throws {
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            try env.write { txn in
                for index: UInt64 in [0, 1, 2, 10, 300, 70_000] {
                    try txn.put(payload(index), forKey: BigEndianKey.encode(index), in: entries, mode: .append)
                }
            }
            #expect(throws: StorageError(code: .keyExists, message: "")) {
                try env.write { txn in
                    try txn.put(payload(5), forKey: BigEndianKey.encode(5), in: entries, mode: .append)
                }
            }
            // Appending the last key again is out of order too.
            #expect(throws: StorageError(code: .keyExists, message: "")) {
                try env.write { txn in
                    try txn.put(payload(9), forKey: BigEndianKey.encode(70_000), in: entries, mode: .append)
                }
            }
            #expect(try env.read { try $0.count(entries) } == 6)
        }
    }

    @Test func throwingBodyLeavesNothingWritten() throws {
        struct Rollback: Error {}
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            let meta = try env.table("meta")
            #expect(throws: Rollback.self) {
                try env.write { txn in
                    for index: UInt64 in 0..<100 {
                        try txn.put(payload(index), forKey: BigEndianKey.encode(index), in: entries, mode: .append)
                    }
                    try txn.put([1], forKey: Array("count".utf8), in: meta)
                    let cursor = try txn.cursor(entries)
                    _ = try cursor.last()
                    throw Rollback()
                }
            }
            try env.read { txn throws in
                #expect(try txn.count(entries) == 0)
                #expect(try txn.count(meta) == 0)
            }
            // The writer lock was released: the next write goes through.
            try env.write { txn in try txn.put([1], forKey: [1], in: meta) }
            #expect(try env.read { try $0.count(meta) } == 1)
        }
    }

    @Test func writeSeesItsOwnWritesAndReturnsTheBodyResult() throws {
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            let counted = try env.write { txn in
                try txn.put([1], forKey: BigEndianKey.encode(0), in: entries)
                #expect(try txn.value(in: entries, forKey: BigEndianKey.encode(0)) == [1])
                return try txn.count(entries)
            }
            #expect(counted == 1)
        }
    }

    @Test func readNestedInWriteSeesTheLastCommit() throws {
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            try env.write { txn in try txn.put([1], forKey: BigEndianKey.encode(0), in: entries) }
            try env.write { txn in
                try txn.put([2], forKey: BigEndianKey.encode(1), in: entries)
                let committed = try env.read { try $0.count(entries) }
                #expect(committed == 1)
                // Reading the map size takes the gate shared again on this thread: it must not block.
                #expect(env.mapSize == Environment.Options.defaultMapSize)
                #expect(try txn.count(entries) == 2)
            }
            #expect(try env.read { try $0.count(entries) } == 2)
        }
    }

    @Test func deleteReportsWhetherTheKeyExisted() throws {
        try withTemporaryEnvironment { env in
            let meta = try env.table("meta")
            try env.write { txn in try txn.put([1], forKey: Array("a".utf8), in: meta) }
            let deleted = try env.write { txn in
                (try txn.delete(key: Array("a".utf8), in: meta), try txn.delete(key: Array("b".utf8), in: meta))
            }
            #expect(deleted == (true, false))
            #expect(try env.read { try $0.value(in: meta, forKey: Array("a".utf8)) } == nil)
        }
    }

    @Test func removeAllEmptiesOneTableAndKeepsItUsable() throws {
        struct Rollback: Error {}
        try withTemporaryEnvironment { env in
            let meta = try env.table("meta")
            let entries = try env.table("entries")
            try env.write { txn in
                for index: UInt64 in 0..<500 {
                    try txn.put(payload(index), forKey: BigEndianKey.encode(index), in: meta)
                }
                try txn.put(payload(1), forKey: BigEndianKey.encode(1), in: entries)
            }
            let removed = try env.write { txn in
                let removed = try txn.removeAll(in: meta)
                #expect(try txn.count(meta) == 0)
                try txn.put([9], forKey: Array("after".utf8), in: meta)
                return removed
            }
            #expect(removed == 500)
            #expect(try env.read { try $0.count(meta) } == 1)
            #expect(try env.read { try $0.value(in: meta, forKey: Array("after".utf8)) } == [9])
            #expect(try env.read { try $0.count(entries) } == 1, "other tables are untouched")
            // Nothing of an aborted transaction's emptying is kept.
            #expect(throws: Rollback.self) {
                try env.write { txn in
                    try txn.removeAll(in: meta)
                    throw Rollback()
                }
            }
            #expect(try env.read { try $0.count(meta) } == 1)
        }
    }

    @Test func genericCodeReadsThroughEitherTransaction() throws {
        func entryCount(_ txn: borrowing some ReadableTransaction & ~Copyable, _ table: Table) throws -> Int {
            try txn.count(table)
        }
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            let inWrite = try env.write { txn in
                try txn.put([1], forKey: [1], in: entries)
                return try entryCount(txn, entries)
            }
            let inRead = try env.read { txn in try entryCount(txn, entries) }
            #expect(inWrite == 1)
            #expect(inRead == 1)
        }
    }
}
