import Foundation
import LedgerCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` in the middle of appends: every acknowledged batch survives and the ledger verifies.
@Suite struct CrashTests {
    @Test func killedAppendsLoseNoAcknowledgedBatch() throws {
        let binary = try builtBinary()
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
        var points = KillPoints(seed: 0xC4A5_11ED)
        print("crash test seed 0xC4A511ED; one append takes \(Int(span * 1000)) ms")
        while killed < 20 && attempts < 60 {
            attempts += 1
            let run = try runKilled(
                binary,
                ["append", directory + "/batch.jsonl", "--ledger", ledger, "--json"],
                after: span * points.next()
            )
            let output = run.output
            if run.killed {
                killed += 1
            } else if run.status == 0, let json = try? JSONValue(parsing: output),
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

    /// A memory fault (what LMDB takes on a damaged page of the data file) is named, with what to
    /// do, and exits 3 (1 for `verify`) instead of a register dump; a cut-off data file is refused
    /// by `verify` before any page is read (exit 1).
    @Test func aMemoryFaultIsNamedAndACutOffFileRefused() throws {
        let binary = try builtBinary()
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        let (status, error) = try signalledImport(binary, ledger: ledger, keys: directory, signal: SIGSEGV)
        #expect(status == 3, "\(error)")
        #expect(error.hasPrefix("celltrace: stopped by a memory fault while reading the ledger"), "\(error)")
        #expect(error.contains("restore the ledger from a backup"))

        let cut = directory + "/cut"
        try FileManager.default.copyItem(atPath: ledger, toPath: cut)
        #expect(truncate(cut + "/data.mdb", 3 * 4096) == 0)
        let refused = runProcess(binary, ["verify", "--ledger", cut])
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("the file was cut off"), "\(refused.output)")
    }

    /// A library's failed check (LMDB's `mdb_assert` on a page of the wrong kind aborts the
    /// process) is named as likely damage instead of a crash report, exiting 3 (1 for `verify`);
    /// a data file LMDB does not read as its own is damage too: `verify` exits 1, naming it.
    @Test func anAbortIsNamedAndAnUnreadableDataFileIsDamage() throws {
        let binary = try builtBinary()
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        let (status, error) = try signalledImport(binary, ledger: ledger, keys: directory, signal: SIGABRT)
        #expect(status == 3, "\(error)")
        #expect(error.hasPrefix("celltrace: stopped by a failed check inside a library"), "\(error)")
        #expect(error.contains("restore the ledger from a backup"))

        // One page left: the second meta page is missing (MDB_INVALID), named before LMDB opens it.
        let cut = directory + "/one-page"
        try FileManager.default.copyItem(atPath: ledger, toPath: cut)
        #expect(truncate(cut + "/data.mdb", 4096) == 0)
        let refused = runProcess(binary, ["verify", "--ledger", cut])
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("it ends inside its meta page 1"), "\(refused.output)")
        #expect(refused.output.contains("the ledger's data file is damaged"), "\(refused.output)")
    }

    /// Sends `signal` to an import waiting on its standard input (its handlers installed by then).
    ///
    /// - Returns: The exit status, or -1 when a signal ended the process, and its standard error.
    private func signalledImport(
        _ binary: String,
        ledger: String,
        keys: String,
        signal: Int32
    ) throws -> (status: Int32, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            ["import", "-", "--ledger", ledger, "--as", "pilbara-mining", "--key", keys + "/pilbara-mining.pem"]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        try process.run()
        Thread.sleep(forTimeInterval: 1)
        kill(process.processIdentifier, signal)
        let error = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationReason == .exit ? process.terminationStatus : -1, error)
    }

    /// `kill -9` in the middle of a stream of EPCIS documents (`celltrace import A B C`, each file
    /// its own submission, read and checked on a second thread while the one before is written):
    /// every document acknowledged is in the ledger, only whole documents landed, the ledger
    /// verifies, and running the same imports again completes them.
    @Test func killedImportsLoseNoAcknowledgedDocument() throws {
        let binary = try builtBinary()
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        // Each round imports three new documents of 250 lots commissioned at the mine (JSON Lines),
        // so that every kill lands in writes, not in re-checking documents already in. Rounds go on
        // until four imports were killed mid-run (at most 16).
        let wantedKills = 4
        let maxRounds = 16
        let eventsPerFile = 250
        func document(_ number: Int) -> String {
            let path = directory + "/mine-\(number).jsonl"
            let lines = (0..<eventsPerFile).map { index in
                #"{"type":"ObjectEvent","eventTime":"2026-01-05T06:00:00+08:00","eventTimeZoneOffset":"+08:00","#
                    + #""action":"ADD","bizStep":"commissioning","bizLocation":{"id":"urn:epc:id:sgln:9300001.00001.0"},"#
                    + #""quantityList":[{"epcClass":"urn:epc:class:lgtin:9300001.000011.K\#(number)-\#(index)","#
                    + #""quantity":\#(1 + index % 50),"uom":"TNE"}],"ilmd":{"ct:material":"spodumene-concentrate"}}"#
            }
            write(lines.joined(separator: "\n") + "\n", to: path)
            return path
        }
        let files = (0..<(maxRounds + 1) * 3).map(document)
        func arguments(_ files: ArraySlice<String>, ledger: String) -> [String] {
            ["import"] + files + ["--ledger", ledger, "--as", "pilbara-mining"]
                + ["--key", directory + "/pilbara-mining.pem", "--json"]
        }
        func entries() throws -> UInt64 {
            let audit = runProcess(binary, ["verify", "--ledger", ledger, "--json"])
            #expect(audit.status == 0, "\(audit.output)")
            return UInt64(try JSONValue(parsing: audit.output)["entries"]?.doubleValue ?? -1)
        }
        let base = try entries()

        // Time one round's import on a copy of the ledger, to kill the real ones inside that span.
        let copy = directory + "/timing"
        try FileManager.default.copyItem(atPath: ledger, toPath: copy)
        let started = Date()
        let timed = runProcess(binary, arguments(files[(maxRounds * 3)...], ledger: copy))
        var span = Date().timeIntervalSince(started)
        #expect(timed.status == 0, "\(timed.output)")
        let firstLine = String(timed.output.split(separator: "\n")[0])
        let perFile = try UInt64(#require(JSONValue(parsing: firstLine)["treeSize"]?.doubleValue)) - base

        var acknowledged = base
        var killed = 0
        var landed: [UInt64] = []
        var points = KillPoints(seed: 0x1A90_4711)
        print("import crash test seed 0x1A904711; one import of 3 files takes \(Int(span * 1000)) ms")
        var rounds = 0
        while killed < wantedKills && rounds < maxRounds {
            let round = rounds
            rounds += 1
            let run = try runKilled(
                binary,
                arguments(files[(round * 3)..<(round * 3 + 3)], ledger: ledger),
                after: span * points.next()
            )
            // A run that ended before its kill point (the machine got faster) moves the next one earlier.
            if run.killed { killed += 1 } else { span /= 2 }
            // Each line is a document written: its treeSize is acknowledged.
            for line in run.output.split(separator: "\n") {
                if let size = try? JSONValue(parsing: String(line))["treeSize"]?.doubleValue {
                    acknowledged = max(acknowledged, UInt64(size))
                }
            }
            let size = try entries()
            landed.append((size - base) / max(perFile, 1))
            #expect(size >= acknowledged)
            #expect((size - base) % perFile == 0, "\(size - base) entries is not a whole number of documents")
        }
        print("import crash test: \(killed) of \(rounds) imports killed mid-run; documents in after each: \(landed)")
        #expect(killed >= wantedKills)
        // The same imports again complete what was cut off, and every lot is there.
        let rerun = runProcess(binary, arguments(files[..<(rounds * 3)], ledger: ledger))
        #expect(rerun.status == 0, "\(rerun.output)")
        #expect(try entries() == base + perFile * UInt64(rounds * 3))
        for file in 0..<(rounds * 3) {
            let lot = "urn:epc:class:lgtin:9300001.000011.K\(file)-\(eventsPerFile - 1)"
            #expect(runProcess(binary, ["lot", "show", lot, "--ledger", ledger]).status == 0)
        }
    }
}

/// Where to kill a run, as a fraction of its usual length: 5 % to 95 %, from a fixed seed.
struct KillPoints {
    var seed: UInt64

    mutating func next() -> Double {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return 0.05 + Double(seed >> 11) / Double(1 << 53) * 0.9
    }
}

/// Runs `binary` and sends it `SIGKILL` after `seconds` unless it has ended.
///
/// - Returns: Whether the kill ended it, its exit status and what it printed on standard output.
func runKilled(
    _ binary: String,
    _ arguments: [String],
    after seconds: Double
) throws -> (killed: Bool, status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    usleep(useconds_t(seconds * 1_000_000))
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
    }
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (process.terminationReason == .uncaughtSignal, process.terminationStatus, output)
}

/// Two `celltrace init`s racing for one directory: one ledger is made, the other init is refused
/// and removes nothing of it; the ledger's files are its owner's alone.
@Suite struct InitRaceTests {
    @Test func racingInitsLeaveTheWinnersLedgerWhole() throws {
        let binary = try builtBinary()
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for round in 0..<20 {
            let ledger = directory + "/l\(round)"
            let processes = (0..<2).map { _ in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["init", "--ledger", ledger]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                return process
            }
            for process in processes { try process.run() }
            for process in processes { process.waitUntilExit() }
            let statuses = processes.map(\.terminationStatus).sorted()
            #expect(statuses == [0, 2], "round \(round): \(statuses)")
            let audit = runProcess(binary, ["verify", "--ledger", ledger])
            #expect(audit.status == 0, "round \(round): \(audit.output)")
        }
        for file in ["data.mdb", "lock.mdb", "ledger-key.pem"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/l0/" + file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(file)")
        }
    }
}

/// The built `celltrace` binary, run as a process of its own so that it can be killed.
func builtBinary() throws -> String {
    let binary = celltraceBinary()
    try #require(
        FileManager.default.isExecutableFile(atPath: binary),
        "build the celltrace product first: \(binary)"
    )
    return binary
}
