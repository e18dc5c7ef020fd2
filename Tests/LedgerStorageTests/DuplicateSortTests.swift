import LedgerStorage
import Testing

@Suite struct DuplicateSortTests {
    private let lotA = Array("lot-A".utf8)
    private let lotB = Array("lot-B".utf8)

    /// Indexes lot A → {1, 2, 3} (inserted out of order) and lot B → {7}.
    private func fillIndex(_ env: Environment) throws -> Table {
        let byLot = try env.table("byLot")
        #expect(byLot.duplicateSort)
        try env.write { txn in
            for index: UInt64 in [3, 1, 2] {
                try txn.put(BigEndianKey.encode(index), forKey: lotA, in: byLot)
            }
            try txn.put(BigEndianKey.encode(7), forKey: lotB, in: byLot)
        }
        return byLot
    }

    @Test func keepsEveryValueOfAKeySorted() throws {
        try withTemporaryEnvironment { env in
            let byLot = try fillIndex(env)
            let (values, count, total, first) = try env.read { txn in
                let cursor = try txn.cursor(byLot)
                var values: [UInt64] = []
                var row = try cursor.seek(exactly: lotA)
                let count = try cursor.duplicateCount()
                while let (key, value) = row {
                    #expect(key == lotA)
                    values.append(try #require(BigEndianKey.decode(value)))
                    row = try cursor.nextDuplicate()
                }
                return (values, count, try txn.count(byLot), try txn.value(in: byLot, forKey: lotA))
            }
            #expect(values == [1, 2, 3])
            #expect(count == 3)
            #expect(total == 4)
            #expect(first == BigEndianKey.encode(1))
        }
    }

    @Test func movesBetweenKeysAndWithinDuplicates() throws {
        try withTemporaryEnvironment { env in
            let byLot = try fillIndex(env)
            try env.read { txn throws in
                let cursor = try txn.cursor(byLot)
                #expect(try cursor.first()?.value == BigEndianKey.encode(1))
                #expect(try cursor.lastDuplicate()?.value == BigEndianKey.encode(3))
                #expect(try cursor.lastDuplicate()?.key == lotA)
                #expect(try cursor.previousDuplicate()?.value == BigEndianKey.encode(2))
                #expect(try cursor.firstDuplicate()?.value == BigEndianKey.encode(1))
                #expect(try cursor.nextKey()?.key == lotB)
                #expect(try cursor.nextDuplicate() == nil)
                #expect(try cursor.previousKey()?.value == BigEndianKey.encode(3))
                #expect(try cursor.seek(key: lotA, value: BigEndianKey.encode(2))?.key == lotA)
                #expect(try cursor.seek(key: lotA, value: BigEndianKey.encode(9)) == nil)
                #expect(
                    try cursor.seek(key: lotA, atLeastValue: BigEndianKey.encode(0))?.value == BigEndianKey.encode(1)
                )
                #expect(try cursor.withNextDuplicate { _, value in BigEndianKey.decode(value) } == 2)
            }
        }
    }

    @Test func appendDuplicateRequiresIncreasingValues() throws {
        try withTemporaryEnvironment { env in
            let byLot = try fillIndex(env)
            try env.write { txn in
                try txn.put(BigEndianKey.encode(8), forKey: lotB, in: byLot, mode: .appendDuplicate)
            }
            let error = #expect(throws: StorageError.self) {
                try env.write { txn in
                    try txn.put(BigEndianKey.encode(5), forKey: lotB, in: byLot, mode: .appendDuplicate)
                }
            }
            #expect(error?.code == .keyExists)
            #expect(try env.read { try $0.count(byLot) } == 5)
        }
    }

    @Test func deletesOneValueOrTheWholeKey() throws {
        try withTemporaryEnvironment { env in
            let byLot = try fillIndex(env)
            let results = try env.write { txn in
                [
                    try txn.delete(key: lotA, value: BigEndianKey.encode(2), in: byLot),
                    try txn.delete(key: lotA, value: BigEndianKey.encode(2), in: byLot),
                    try txn.delete(key: lotB, in: byLot),
                ]
            }
            #expect(results == [true, false, true])
            #expect(try env.read { try $0.count(byLot) } == 2)
        }
    }

    @Test func storingAnExistingPairAgainKeepsOneCopy() throws {
        try withTemporaryEnvironment { env in
            let byLot = try fillIndex(env)
            try env.write { txn in
                try txn.put(BigEndianKey.encode(1), forKey: lotA, in: byLot)
            }
            #expect(try env.read { try $0.count(byLot) } == 4)
        }
    }
}
