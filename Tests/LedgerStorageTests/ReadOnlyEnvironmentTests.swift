import Foundation
import Testing

@testable import LedgerStorage

/// An environment opened with `Options.readOnly`: it writes nothing to the data file and reads a
/// declared table the file does not hold as empty.
@Suite struct ReadOnlyEnvironmentTests {
    @Test func aReadOnlyOpenCreatesNoTableAndReadsAMissingOneAsEmpty() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/env"
            do {
                let writable = try Environment(
                    path: path,
                    options: Environment.Options(tables: [.init(name: "entries")], durable: false)
                )
                let entries = try writable.table("entries")
                try writable.write { txn in
                    try txn.put(payload(0), forKey: BigEndianKey.encode(0), in: entries)
                }
            }
            let before = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
            var options = testOptions()
            options.readOnly = true
            let env = try Environment(path: path, options: options)
            let entries = try env.table("entries")
            let meta = try env.table("meta")
            let byLot = try env.table("byLot")
            try env.read { txn in
                #expect(try txn.count(entries) == 1)
                #expect(try txn.value(in: entries, forKey: BigEndianKey.encode(0)) == payload(0))
                #expect(try txn.count(meta) == 0)
                #expect(try txn.value(in: meta, forKey: [1]) == nil)
                let cursor = try txn.cursor(byLot)
                #expect(try cursor.first() == nil)
                #expect(try cursor.seek(atLeast: [0]) == nil)
                #expect(try cursor.withNext { _, _ in true } == nil)
                #expect(try cursor.nextRow { _, _ in } == false)
                #expect(throws: StorageError.self) { try cursor.duplicateCount() }
            }
            #expect(throws: StorageError(code: .readOnly, message: "")) {
                try env.write { txn in try txn.put([1], forKey: [1], in: meta) }
            }
            #expect(env.lastCommittedTransaction == 2, "one commit made the table, one wrote the row")
            try env.sync()
            let after = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
            #expect(before == after, "a read-only open leaves the data file byte for byte as it was")
        }
    }

    @Test func aReadOnlyOpenOfAMissingDirectoryCreatesNothing() throws {
        try withTemporaryDirectory { directory in
            var options = testOptions()
            options.readOnly = true
            #expect(throws: StorageError(code: .io, message: "")) {
                try Environment(path: directory + "/missing", options: options)
            }
            #expect(!FileManager.default.fileExists(atPath: directory + "/missing"))
        }
    }

    @Test func aReadOnlyOpenSeesWhatAWritableOneCommitsLater() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/env"
            do {
                let writable = try Environment(path: path, options: testOptions())
                let entries = try writable.table("entries")
                try writable.write { txn in
                    try txn.put(payload(0), forKey: BigEndianKey.encode(0), in: entries)
                }
            }
            var options = testOptions()
            options.readOnly = true
            let env = try Environment(path: path, options: options)
            #expect(try env.read { txn in try txn.count(env.table("entries")) } == 1)
            #expect(env.pagesInUse > 2)
        }
    }
}
