import Foundation
import LedgerStorage
import Testing

@Suite struct EnvironmentTests {
    @Test func opensWithTheDeclaredTablesAndCreatesTheDirectory() throws {
        try withTemporaryDirectory { directory in
            let env = try Environment(path: directory + "/nested/deeper/env", options: testOptions())
            #expect(FileManager.default.fileExists(atPath: directory + "/nested/deeper/env/data.mdb"))
            #expect(try env.table("entries").name == "entries")
            #expect(try env.table("byLot").duplicateSort)
            #expect(env.mapSize == Environment.Options.defaultMapSize)
            #expect(env.staleReadersClearedAtOpen == 0)
            #expect(try env.clearStaleReaders() == 0)
            #expect(env.maxKeySize == 511)
            try env.sync()
        }
    }

    @Test func unknownTableNameThrows() throws {
        try withTemporaryEnvironment { env in
            let error = #expect(throws: StorageError.self) { try env.table("nope") }
            #expect(error?.code == .unknownTable)
            #expect(error?.message.contains("'nope'") == true)
        }
    }

    @Test func tableOfAnotherEnvironmentIsRejected() throws {
        try withTemporaryEnvironment { first in
            try withTemporaryEnvironment { second in
                let foreign = try first.table("entries")
                #expect(throws: StorageError(code: .unknownTable, message: "")) {
                    try second.read { txn in try txn.count(foreign) }
                }
            }
        }
    }

    @Test func openingTheSamePathTwiceThrows() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/env"
            let env = try Environment(path: path, options: testOptions())
            let error = #expect(throws: StorageError.self) {
                try Environment(path: path, options: testOptions())
            }
            #expect(error?.code == .alreadyOpen)
            #expect(error?.message.contains(env.path) == true)
            // Another spelling of the same directory is the same environment.
            try FileManager.default.createSymbolicLink(atPath: directory + "/alias", withDestinationPath: path)
            #expect(throws: StorageError(code: .alreadyOpen, message: "")) {
                try Environment(path: directory + "/alias/", options: testOptions())
            }
            withExtendedLifetime(env) {}
        }
    }

    @Test func reopeningAfterReleaseKeepsTheData() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/env"
            do {
                let env = try Environment(path: path, options: testOptions())
                let entries = try env.table("entries")
                try env.write { txn in try txn.put([42], forKey: BigEndianKey.encode(0), in: entries) }
            }
            let reopened = try Environment(path: path, options: testOptions())
            let entries = try reopened.table("entries")
            #expect(try reopened.read { try $0.value(in: entries, forKey: BigEndianKey.encode(0)) } == [42])
        }
    }

    @Test func tableDeclaredWithOtherFlagsThanTheFileThrows() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/env"
            do {
                _ = try Environment(path: path, options: testOptions())
            }
            let changed = Environment.Options(tables: [.init(name: "entries", duplicateSort: true)], durable: false)
            let error = #expect(throws: StorageError.self) { try Environment(path: path, options: changed) }
            #expect(error?.code == .invalidOptions)
            // The failed open released the directory.
            _ = try Environment(path: path, options: testOptions())
        }
    }

    @Test(arguments: [
        Environment.Options(mapSize: 0),
        Environment.Options(maxReaders: 0),
        Environment.Options(tables: [.init(name: "")]),
        Environment.Options(tables: [.init(name: "twice"), .init(name: "twice", duplicateSort: true)]),
    ])
    func invalidOptionsAreRejected(options: Environment.Options) throws {
        try withTemporaryDirectory { directory in
            #expect(throws: StorageError(code: .invalidOptions, message: "")) {
                try Environment(path: directory + "/env", options: options)
            }
        }
    }

    @Test func pathThatIsAFileThrowsAnIOError() throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: directory + "/file", contents: Data([1]))
            #expect(throws: StorageError(code: .io, message: "")) {
                try Environment(path: directory + "/file", options: testOptions())
            }
        }
    }

    @Test func hotCopyOpensWithTheSameData() throws {
        try withTemporaryDirectory { directory in
            let env = try Environment(path: directory + "/env", options: testOptions())
            let entries = try env.table("entries")
            let byLot = try env.table("byLot")
            try env.write { txn in
                for index: UInt64 in 0..<500 {
                    try txn.put(
                        payload(index, length: 300),
                        forKey: BigEndianKey.encode(index),
                        in: entries,
                        mode: .append
                    )
                    try txn.put(BigEndianKey.encode(index), forKey: [UInt8(index % 3)], in: byLot)
                }
            }
            // Churn so the plain copy carries free pages that the compact one drops.
            try env.write { txn in
                for index: UInt64 in 0..<250 {
                    try txn.delete(key: BigEndianKey.encode(index), in: entries)
                }
            }
            let expected = try dump(env)
            try env.read { _ in
                // A reader open during the copy does not disturb it.
                try env.copy(to: directory + "/plain", compact: false)
            }
            try env.copy(to: directory + "/compact", compact: true)
            for name in ["plain", "compact"] {
                let copy = try Environment(path: directory + "/" + name, options: testOptions())
                #expect(try dump(copy) == expected, "copy \(name)")
            }
            let plainSize = try #require(
                try FileManager.default.attributesOfItem(atPath: directory + "/plain/data.mdb")[.size] as? Int
            )
            let compactSize = try #require(
                try FileManager.default.attributesOfItem(atPath: directory + "/compact/data.mdb")[.size] as? Int
            )
            #expect(compactSize < plainSize)
        }
    }

    @Test func copyIntoAnExistingCopyThrowsNamingTheFunction() throws {
        try withTemporaryDirectory { directory in
            let env = try Environment(path: directory + "/env", options: testOptions())
            try env.copy(to: directory + "/backup", compact: false)
            let error = #expect(throws: StorageError.self) {
                try env.copy(to: directory + "/backup", compact: false)
            }
            #expect(error?.code == .lmdb)
            #expect(error?.message.contains("mdb_env_copy2") == true)
        }
    }

    /// Every row of every standard table, for comparing environments.
    private func dump(_ env: Environment) throws -> [String: [[UInt8]]] {
        try env.read { txn in
            var tables: [String: [[UInt8]]] = [:]
            for spec in standardTables {
                let cursor = try txn.cursor(env.table(spec.name))
                var rows: [[UInt8]] = []
                while let (key, value) = try cursor.next() {
                    rows.append(key + [0xFF] + value)
                }
                tables[spec.name] = rows
            }
            return tables
        }
    }
}
