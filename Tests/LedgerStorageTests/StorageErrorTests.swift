import LedgerStorage
import Testing

@Suite struct StorageErrorTests {
    @Test func keyExistsNamesTheFunctionAndTable() throws {
        try withTemporaryEnvironment { env in
            let meta = try env.table("meta")
            try env.write { txn in try txn.put([1], forKey: [1], in: meta) }
            let error = try #require(
                #expect(throws: StorageError.self) {
                    try env.write { txn in try txn.put([2], forKey: [1], in: meta, mode: .noOverwrite) }
                }
            )
            #expect(error.code == .keyExists)
            #expect(error.message.contains("mdb_put"))
            #expect(error.message.contains("'meta'"))
            #expect(error.description.hasPrefix("keyExists: mdb_put"))
            #expect("\(try #require(error.cause))".contains("-30799"))
        }
    }

    @Test(arguments: [0, 512])
    func badKeyLengthNamesTheFunction(keyLength: Int) throws {
        try withTemporaryEnvironment { env in
            let meta = try env.table("meta")
            let error = try #require(
                #expect(throws: StorageError.self) {
                    try env.write { txn in
                        try txn.put([1], forKey: [UInt8](repeating: 1, count: keyLength), in: meta)
                    }
                }
            )
            #expect(error.code == .lmdb)
            #expect(error.message.contains("mdb_put"))
            #expect(error.message.contains("MDB_BAD_VALSIZE"))
            #expect(error.message.contains("511"))
        }
    }

    @Test func cursorFailureNamesTheCursorFunction() throws {
        try withTemporaryEnvironment { env in
            let entries = try env.table("entries")
            try env.write { txn in try txn.put([1], forKey: [1], in: entries) }
            let error = try #require(
                #expect(throws: StorageError.self) {
                    try env.read { txn in
                        let cursor = try txn.cursor(entries)
                        _ = try cursor.first()
                        return try cursor.duplicateCount()
                    }
                }
            )
            #expect(error.code == .lmdb)
            #expect(error.message.contains("mdb_cursor_count"))
            #expect(error.message.contains("'entries'"))
        }
    }

    @Test func errorsCompareByCodeOnly() {
        let first = StorageError(code: .lmdb, message: "one")
        let second = StorageError(code: .lmdb, message: "two")
        #expect(first == second)
        #expect(first != StorageError(code: .io, message: "one"))
        #expect(StorageError.Code.alreadyOpen.description == "alreadyOpen")
    }
}
