import Foundation
import LedgerStorage

/// The tables most tests use: a plain table, a second plain table and a duplicate-sorted index.
let standardTables: [Environment.TableSpec] = [
    .init(name: "entries"),
    .init(name: "meta"),
    .init(name: "byLot", duplicateSort: true),
]

/// Options for tests: the standard tables, no fsync per commit (durability is not under test).
func testOptions(mapSize: Int = Environment.Options.defaultMapSize) -> Environment.Options {
    Environment.Options(mapSize: mapSize, tables: standardTables, durable: false)
}

/// Runs `body` with a fresh directory under the system temporary directory, removed afterwards.
@discardableResult
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("celltrace-storage-tests-\(UUID().uuidString)", isDirectory: true)
    defer {
        try? FileManager.default.removeItem(at: url)
    }
    return try body(url.path)
}

/// Runs `body` with an environment in its own temporary directory; nothing is shared between tests.
@discardableResult
func withTemporaryEnvironment<R>(
    options: Environment.Options = testOptions(),
    _ body: (Environment) throws -> R
) throws -> R {
    try withTemporaryDirectory { directory in
        let environment = try Environment(path: directory + "/env", options: options)
        return try body(environment)
    }
}

/// A deterministic value for entry `index`.
///
/// It holds the big-endian index, then a fill byte that depends on it, so a misplaced or truncated row
/// is detectable. It is cheap to build, since the map-growth tests make megabytes of them in debug builds.
func payload(_ index: UInt64, length: Int = 64) -> [UInt8] {
    var bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: index &* 31 &+ 7), count: length)
    for (offset, byte) in BigEndianKey.encode(index).prefix(length).enumerated() {
        bytes[offset] = byte
    }
    return bytes
}

/// Collects failures from threads other than the test's, to check them on the test's own thread.
final class FailureLog: @unchecked Sendable {
    // Safety: every access to `messages` holds `lock`.
    private let lock = NSLock()
    private var messages: [String] = []

    func record(_ message: String) {
        lock.withLock { messages.append(message) }
    }

    var all: [String] {
        lock.withLock { messages }
    }
}

/// Runs each closure on its own OS thread and waits for all of them.
///
/// Transactions are synchronous and tied to a thread, so concurrency tests use threads rather than
/// tasks (whose cooperative pool has only as many threads as cores).
func runOnThreads(_ bodies: [@Sendable () -> Void]) {
    let finished = DispatchSemaphore(value: 0)
    for body in bodies {
        let thread = Thread {
            body()
            finished.signal()
        }
        thread.start()
    }
    for _ in bodies {
        finished.wait()
    }
}
