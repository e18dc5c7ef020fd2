import Foundation
import LedgerCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` in the middle of appends: every acknowledged batch survives and the ledger verifies.
@Suite struct CrashTests {
    @Test func killedAppendsLoseNoAcknowledgedBatch() throws {
        let binary = celltraceBinary()
        try #require(
            FileManager.default.isExecutableFile(atPath: binary),
            "build the celltrace product first: \(binary)"
        )
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        #expect(runProcess(binary, ["init", "--ledger", ledger]).status == 0)
        // Each run appends this file as one batch: 3,000 entries, big enough to be killed mid-write.
        let lines = (0..<3000).map { #"{"lot":"LOT-\#($0)","kg":"\#($0).25","note":"crash test batch"}"# }
        write(lines.joined(separator: "\n") + "\n", to: directory + "/batch.jsonl")

        // Time one whole append first, then kill the next ones at random points inside that span.
        let started = Date()
        let first = runProcess(binary, ["append", directory + "/batch.jsonl", "--ledger", ledger, "--json"])
        #expect(first.status == 0, "\(first.output)")
        let span = Date().timeIntervalSince(started)
        var acknowledged: UInt64 = 3000
        var killed = 0
        var attempts = 0
        var seed: UInt64 = 0xC4A5_11ED
        print("crash test seed 0xC4A511ED; one append takes \(Int(span * 1000)) ms")
        while killed < 20 && attempts < 60 {
            attempts += 1
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let fraction = 0.05 + Double(seed >> 11) / Double(1 << 53) * 0.9
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["append", directory + "/batch.jsonl", "--ledger", ledger, "--json"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(span * fraction * 1_000_000))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if process.terminationReason == .uncaughtSignal {
                killed += 1
            } else if process.terminationStatus == 0, let json = try? JSONValue(parsing: output),
                let size = json["size"]?.doubleValue
            {
                acknowledged = UInt64(size)
            }
            // After every run the ledger holds every acknowledged batch, whole batches only, and verifies.
            let audit = runProcess(binary, ["verify", "--ledger", ledger, "--json"])
            #expect(audit.status == 0, "\(audit.output)")
            let report = try JSONValue(parsing: audit.output)
            let entries = UInt64(report["entries"]?.doubleValue ?? -1)
            #expect(entries >= acknowledged)
            #expect(entries % 3000 == 0)
        }
        print("crash test: \(killed) of \(attempts) appends killed mid-run; \(acknowledged) entries acknowledged")
        #expect(killed >= 20)
    }
}
