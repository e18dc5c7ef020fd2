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

    /// A data file that is no LMDB file, or whose meta pages are not LMDB's, is named damaged
    /// before LMDB would make `lock.mdb` beside it: neither a read-only nor a writable open leaves
    /// anything in the directory, and the file stays as it was.
    @Test(arguments: [
        ("junk", "its page 0 is no LMDB meta page"), ("short", "it ends inside its meta page 0"),
        ("second meta page", "its page 1 is no LMDB meta page"),
        ("data version", "its meta page 1 is of LMDB data version 2"),
    ])
    func anOpenOfAFileThatIsNoLMDBFileWritesNothingBesideIt(damage: String, problem: String) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/env"
            do {
                let env = try Environment(path: path, options: testOptions())
                let entries = try env.table("entries")
                try env.write { txn in try txn.put(payload(0), forKey: BigEndianKey.encode(0), in: entries) }
            }
            try FileManager.default.removeItem(atPath: path + "/lock.mdb")
            let url = URL(fileURLWithPath: path + "/data.mdb")
            var bytes = try Data(contentsOf: url)
            let pageSize = 4096
            switch damage {
            case "junk": bytes = Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) })
            case "short": bytes = Data(bytes.prefix(100))
            case "second meta page": bytes[pageSize + 10] = 0
            default: bytes[pageSize + 16 + 4] = 2
            }
            try bytes.write(to: url)
            for readOnly in [true, false] {
                var options = testOptions()
                options.readOnly = readOnly
                let error = #expect(throws: StorageError.self) { try Environment(path: path, options: options) }
                #expect(error?.code == .damaged)
                #expect(error?.message.contains("\(path)/data.mdb is not an LMDB data file: \(problem)") == true)
                #expect(try FileManager.default.contentsOfDirectory(atPath: path) == ["data.mdb"])
                #expect(try Data(contentsOf: url) == bytes)
            }
        }
    }

    @Test func aDataFileThatCannotBeReadIsAnIOErrorNotDamage() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/env"
            // A directory where the data file should be: it opens, and its read fails (EISDIR).
            try FileManager.default.createDirectory(atPath: path + "/data.mdb", withIntermediateDirectories: true)
            for readOnly in [true, false] {
                var options = testOptions()
                options.readOnly = readOnly
                let error = #expect(throws: StorageError.self) { try Environment(path: path, options: options) }
                #expect(error?.code == .io, "\(String(describing: error))")
                #expect(error?.message == "cannot read \(path)/data.mdb: Is a directory")
                #expect(try FileManager.default.contentsOfDirectory(atPath: path) == ["data.mdb"])
            }
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
