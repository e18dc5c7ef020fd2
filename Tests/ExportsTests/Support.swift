import Foundation
import LedgerCore
import LedgerCrypto
import SupplyChain

/// A fresh directory under /tmp, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/celltrace-exports-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let created else { fatalError("mkdtemp failed") }
        path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Paths removed when the test process exits: the directories of fixtures a suite shares, which
/// live as long as the process and are never deinitialised.
nonisolated(unsafe) private var exitRemovals: [String] = []
private let exitRemovalsLock = NSLock()

/// Removes `path` when the test process exits.
func removeAtExit(_ path: String) {
    exitRemovalsLock.withLock {
        if exitRemovals.isEmpty {
            atexit {
                for path in exitRemovals { try? FileManager.default.removeItem(atPath: path) }
            }
        }
        exitRemovals.append(path)
    }
}

/// A generated mine-to-pack network in a temporary ledger: every event entered as a signed
/// submission by its actor, as a real one would.
struct Network {
    // The ledger is declared before its directory so that it closes before the directory is removed.
    let chain: SupplyChainLedger
    let directory: TemporaryDirectory
    let generator: SupplyNetworkGenerator
    let report: SupplyNetworkGenerator.Report

    static let small = SupplyNetworkGenerator.Options(cells: 4_000, cellsPerLot: 500, seed: 5)

    init(_ options: SupplyNetworkGenerator.Options = Network.small) throws {
        let directory = TemporaryDirectory()
        self.directory = directory
        chain = try SupplyChainLedger.create(
            at: directory.path + "/ledger",
            origin: "celltrace.test/exports",
            options: Ledger.Options(durable: false)
        )
        generator = try SupplyNetworkGenerator(options: options)
        report = try generator.generate(into: chain)
    }

    /// The first serial of the first commissioned range.
    func firstSerial() throws -> String {
        let ranges = try chain.read { reader, txn, _ in try reader.allSerialRanges(txn) }
        guard let range = ranges.min(by: { ($0.prefix, $0.first) < ($1.prefix, $1.first) }) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return range.prefix + String(range.first)
    }
}

// The suites share one generated network and only read it (exports write nothing to the ledger;
// the ledger's reads are safe from any thread).
extension Network: @unchecked Sendable {}

/// The repository's root, found from this file's path.
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A file under `Fixtures/`.
func fixturePath(_ name: String) -> String {
    repositoryRoot + "/Fixtures/" + name
}

/// A script under `tools/`.
func toolPath(_ name: String) -> String {
    repositoryRoot + "/tools/" + name
}

/// Whether golden files are being rewritten (`UPDATE_GOLDEN=1`).
var updatingGoldens: Bool {
    ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1"
}

/// Runs a program found on `PATH`, returning its exit status and what it printed (both streams).
func runProcess(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}
