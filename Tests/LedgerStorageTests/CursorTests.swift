import LedgerStorage
import Testing

@Suite struct CursorTests {
    /// Fills `entries` with even indices 0, 2, …, 198 and their payloads.
    private func fillEvenEntries(_ env: Environment) throws -> Table {
        let entries = try env.table("entries")
        try env.write { txn in
            for index in stride(from: UInt64(0), to: 200, by: 2) {
                try txn.put(payload(index), forKey: BigEndianKey.encode(index), in: entries, mode: .append)
            }
        }
        return entries
    }

    @Test func writeCursorAppendsInOrderAndRefusesOutOfOrderKeys() throws {
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            try env.write { txn in
                let cursor = try txn.cursor(entries)
                for index in UInt64(0)..<500 {
                    try cursor.put(payload(index), forKey: BigEndianKey.encode(index), mode: .append)
                }
                #expect(throws: StorageError(code: .keyExists, message: "")) {
                    try cursor.put(payload(7), forKey: BigEndianKey.encode(7), mode: .append)
                }
            }
            try env.read { txn in
                #expect(try txn.count(entries) == 500)
                #expect(try txn.value(in: entries, forKey: BigEndianKey.encode(499)) == payload(499))
                let cursor = try txn.cursor(entries)
                // A read-only transaction's cursor cannot write.
                #expect(throws: StorageError.self) {
                    try cursor.put(payload(500), forKey: BigEndianKey.encode(500), mode: .append)
                }
            }
        }
    }

    @Test func walksForwardInKeyOrder() throws {
        try withTemporaryEnvironment { env in
            let entries = try fillEvenEntries(env)
            let walked = try env.read { txn in
                let cursor = try txn.cursor(entries)
                var indices: [UInt64] = []
                var row = try cursor.first()
                while let (key, value) = row {
                    let index = try #require(BigEndianKey.decode(key))
                    #expect(value == payload(index))
                    indices.append(index)
                    row = try cursor.next()
                }
                return indices
            }
            #expect(walked == Array(stride(from: UInt64(0), to: 200, by: 2)))
        }
    }

    @Test func walksBackwardFromTheLastKey() throws {
        try withTemporaryEnvironment { env in
            let entries = try fillEvenEntries(env)
            let walked = try env.read { txn in
                let cursor = try txn.cursor(entries)
                var indices: [UInt64] = []
                var row = try cursor.last()
                while let (key, _) = row {
                    indices.append(try #require(BigEndianKey.decode(key)))
                    row = try cursor.previous()
                }
                return indices
            }
            #expect(walked == Array(stride(from: UInt64(0), to: 200, by: 2)).reversed())
        }
    }

    @Test func seeksToTheFirstKeyAtLeastTheBound() throws {
        try withTemporaryEnvironment { env in
            let entries = try fillEvenEntries(env)
            try env.read { txn in
                let cursor = try txn.cursor(entries)
                let exact = try cursor.seek(atLeast: BigEndianKey.encode(50))
                #expect(exact.flatMap { BigEndianKey.decode($0.key) } == 50)
                let between = try cursor.seek(atLeast: BigEndianKey.encode(51))
                #expect(between.flatMap { BigEndianKey.decode($0.key) } == 52)
                #expect(between?.value == payload(52))
                let afterwards = try cursor.next()
                #expect(afterwards.flatMap { BigEndianKey.decode($0.key) } == 54)
                #expect(try cursor.current()?.key == BigEndianKey.encode(54))
                #expect(try cursor.seek(atLeast: BigEndianKey.encode(199)) == nil)
            }
        }
    }

    @Test func seeksExactlyOrFindsNothing() throws {
        try withTemporaryEnvironment { env in
            let entries = try fillEvenEntries(env)
            try env.read { txn throws in
                let cursor = try txn.cursor(entries)
                #expect(try cursor.seek(exactly: BigEndianKey.encode(42))?.value == payload(42))
                #expect(try cursor.seek(exactly: BigEndianKey.encode(43)) == nil)
            }
        }
    }

    @Test func emptyTableHasNoRows() throws {
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            try env.read { txn throws in
                let cursor = try txn.cursor(entries)
                #expect(try cursor.first() == nil)
                #expect(try cursor.last() == nil)
                #expect(try cursor.next() == nil)
                #expect(try cursor.withFirst { _, _ in true } == nil)
            }
        }
    }

    @Test func zeroCopyWalkVisitsEveryRowWithoutCopying() throws {
        try withTemporaryEnvironment { env in
            let entries = try fillEvenEntries(env)
            let (rows, keySum, bytes) = try env.read { txn in
                let cursor = try txn.cursor(entries)
                var rows = 0
                var keySum: UInt64 = 0
                var bytes = 0
                let visit = { (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) in
                    rows += 1
                    keySum += BigEndianKey.decode(key) ?? 0
                    bytes += value.count
                }
                _ = try cursor.withFirst(visit)
                while try cursor.withNext(visit) != nil {}
                return (rows, keySum, bytes)
            }
            #expect(rows == 100)
            #expect(keySum == stride(from: UInt64(0), to: 200, by: 2).reduce(0, +))
            #expect(bytes == 100 * 64)
        }
    }

    @Test func zeroCopySeeksAndBackwardMoves() throws {
        try withTemporaryEnvironment { env in
            let entries = try fillEvenEntries(env)
            try env.read { txn throws in
                let cursor = try txn.cursor(entries)
                #expect(
                    try cursor.withSeek(atLeast: BigEndianKey.encode(9)) { key, _ in BigEndianKey.decode(key) } == 10
                )
                #expect(try cursor.withPrevious { key, _ in BigEndianKey.decode(key) } == 8)
                #expect(try cursor.withSeek(exactly: BigEndianKey.encode(9)) { _, _ in true } == nil)
                #expect(
                    try cursor.withSeek(exactly: BigEndianKey.encode(12)) { _, value in Array(value) } == payload(12)
                )
                #expect(try cursor.withLast { key, _ in BigEndianKey.decode(key) } == 198)
            }
        }
    }

    @Test func writeCursorSeesUncommittedRows() throws {
        try withTemporaryEnvironment { env in
            let entries = try fillEvenEntries(env)
            try env.write { txn in
                try txn.put(payload(1000), forKey: BigEndianKey.encode(1000), in: entries, mode: .append)
                let cursor = try txn.cursor(entries)
                #expect(try cursor.last()?.key == BigEndianKey.encode(1000))
                try txn.put(payload(1001), forKey: BigEndianKey.encode(1001), in: entries, mode: .append)
                #expect(try cursor.next()?.key == BigEndianKey.encode(1001))
            }
        }
    }
}
