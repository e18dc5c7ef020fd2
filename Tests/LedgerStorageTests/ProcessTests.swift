import Foundation
import Testing

@testable import LedgerStorage

/// Tests that need a second process.
///
/// They cover LMDB's cross-process behaviour, and programmer errors that stop the process on purpose. Each `#expect(processExitsWith:)` body runs in a fresh child process.
@Suite struct ProcessTests {
    /// Another process grows the map past this one's; the next transaction here gets
    /// `MDB_MAP_RESIZED`, adopts the new size and carries on (lmdb.h l.829–832, 965).
    @Test func mapGrownByAnotherProcessIsAdopted() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let path = directory + "/env"
            let env = try Environment(path: path, options: testOptions(mapSize: 64 << 10))
            try writeEntries(env, count: 1)
            await #expect(processExitsWith: .success) { [path = path as String] in
                let other = try Environment(path: path, options: testOptions(mapSize: 64 << 10))
                try writeEntries(other, count: 3_000)
            }
            #expect(try readCount(env, env.table("entries")) == 3_000)
            #expect(env.growthStatistics.resizesAdopted > 0)
            #expect(env.mapSize >= 1 << 20)
            try writeEntries(env, count: 3_100)
            #expect(try readCount(env, env.table("entries")) == 3_100)
        }
    }

    /// A read-only environment opens and reads while this process holds the write transaction:
    /// opening one begins no write transaction, so it never waits for LMDB's writer lock.
    @Test func aReadOnlyOpenDoesNotWaitForAnotherProcessesWriter() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let path = directory + "/env"
            let env = try Environment(path: path, options: testOptions())
            try writeEntries(env, count: 3)
            let holding = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let writer = Thread {
                try? env.write { _ in
                    holding.signal()
                    release.wait()
                }
            }
            writer.start()
            holding.wait()
            defer { release.signal() }
            await #expect(processExitsWith: .success) { [path = path as String] in
                // A child that waited for the writer would hang: the alarm stops it and fails the test.
                alarm(30)
                var options = testOptions()
                options.readOnly = true
                let reader = try Environment(path: path, options: options)
                guard try readCount(reader, reader.table("entries")) == 3 else { exit(EXIT_FAILURE) }
            }
        }
    }

    /// A `lock.mdb` deleted while this process writes neither forks the ledger nor loses a write.
    ///
    /// Another process then makes a new one, with a new LMDB writer mutex, but its write waits for
    /// this one (the file lock on `data.mdb`) and, its `lock.mdb` now behind the data file, writes
    /// nothing rather than overwrite this commit; this process, whose `lock.mdb` is gone, writes
    /// nothing more either. Without both, the two commits fork the ledger and the later one drops
    /// the earlier.
    @Test func aDeletedLockFileNeitherForksNorLosesAWrite() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let path = directory + "/env"
            let env = try Environment(path: path, options: testOptions())
            let entries = try env.table("entries")
            try putKey(0, in: env)
            let holding = DispatchSemaphore(value: 0)
            let done = DispatchSemaphore(value: 0)
            let writer = Thread {
                try? env.write { txn in
                    try txn.put([1], forKey: [1], in: entries)
                    holding.signal()
                    // Long enough for the other process to have opened and be waiting to write.
                    Thread.sleep(forTimeInterval: 1)
                }
                done.signal()
            }
            writer.start()
            holding.wait()
            #expect(unlink(path + "/lock.mdb") == 0)
            await #expect(processExitsWith: .success) { [path = path as String] in
                alarm(30)
                let other = try Environment(path: path, options: testOptions())
                do {
                    try putKey(2, in: other)
                    exit(EXIT_FAILURE)
                } catch let error as StorageError {
                    guard error.code == .io, error.message.contains("lock.mdb is behind data.mdb") else {
                        exit(EXIT_FAILURE)
                    }
                }
            }
            done.wait()
            let refused = try #require(
                #expect(throws: StorageError.self) { try putKey(3, in: env) }
            )
            #expect(refused.code == .io)
            #expect(refused.message.contains("lock.mdb was removed or replaced"), "\(refused.message)")
            // Both commits of this process are there, and nothing of the other's refused write.
            #expect(try readCount(env, entries) == 2)
        }
    }

    // The directory of a child that stops is made and removed here: the child's own clean-up
    // never runs.
    @Test func writeInsideAnotherTransactionStopsTheProcess() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                [path = directory + "/env" as String] in
                try readThenWrite(Environment(path: path, options: testOptions()))
            }
            let message = String(decoding: try #require(result).standardErrorContent, as: UTF8.self)
            #expect(message.contains("Environment.write was called inside a transaction"))
        }
    }

    @Test func cursorUsedAfterItsTransactionStopsTheProcess() async throws {
        try await withTemporaryDirectoryAsync { directory in
            let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                [path = directory + "/env" as String] in
                try useEscapedCursor(Environment(path: path, options: testOptions()))
            }
            let message = String(decoding: try #require(result).standardErrorContent, as: UTF8.self)
            #expect(message.contains("used after its transaction ended"))
        }
    }
}

/// Appends entries up to `count`, one transaction per 100; synchronous, as transactions must be.
private func writeEntries(_ env: Environment, count: UInt64) throws {
    let entries = try env.table("entries")
    var next = try readCount(env, entries)
    while next < count {
        try env.write { txn in
            for index in next..<min(next + 100, count) {
                try txn.put(
                    payload(index, length: 1000),
                    forKey: BigEndianKey.encode(index),
                    in: entries,
                    mode: .append
                )
            }
        }
        next = min(next + 100, count)
    }
}

private func readCount(_ env: Environment, _ table: Table) throws -> UInt64 {
    UInt64(try env.read { txn in try txn.count(table) })
}

private func readThenWrite(_ env: Environment) throws {
    let meta = try env.table("meta")
    try env.read { _ in
        try env.write { txn in try txn.put([1], forKey: [1], in: meta) }
    }
}

private func useEscapedCursor(_ env: Environment) throws {
    let entries = try env.table("entries")
    var escaped: Cursor?
    try env.read { txn in
        escaped = try txn.cursor(entries)
    }
    if let cursor = escaped.take() {
        _ = try cursor.first()
    }
}

private func withTemporaryDirectoryAsync(_ body: (String) async throws -> Void) async throws {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("celltrace-storage-tests-\(UUID().uuidString)", isDirectory: true)
    defer {
        try? FileManager.default.removeItem(at: url)
    }
    try await body(url.path)
}

/// Puts the one-byte key `key` into `entries` in a write transaction of its own.
///
/// - Returns: Whether the transaction saw `seeing` in the table.
@discardableResult
private func putKey(_ key: UInt8, in env: Environment, seeing: UInt8 = 0) throws -> Bool {
    let entries = try env.table("entries")
    return try env.write { txn in
        try txn.put([key], forKey: [key], in: entries)
        return try txn.value(in: entries, forKey: [seeing]) != nil
    }
}
