import Foundation
import LedgerCore
import LedgerStorage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted for one test, so that a ledger on it can fill its disk.
///
/// Mounting needs root (CI runs as root); where `mount` is refused the tests that need it are
/// skipped, and say so.
final class SmallFileSystem {
    let path: String

    /// Whether this process may mount a tmpfs (tried once, on a directory of its own).
    static let isAvailable: Bool = {
        guard geteuid() == 0, let probe = SmallFileSystem(bytes: 1 << 20) else { return false }
        probe.unmount()
        return true
    }()

    init?(bytes: Int) {
        path = temporaryDirectory()
        guard runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", path]).status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            return nil
        }
    }

    /// The bytes still free on the file system.
    var freeBytes: Int {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Fills the file system with a file of its own until `left` bytes are free.
    ///
    /// The file's blocks are allocated in place (`posix_fallocate`), not written through a
    /// temporary file (`.dat.nosync…`) and renamed as Foundation's `createFile` does: a write that
    /// ran short there could leave that file holding the space under another name, which
    /// ``free()`` would not remove.
    func fill(leaving left: Int) {
        let descriptor = open(path + "/filler", O_WRONLY | O_CREAT, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var status = stat()
        let taken = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        let length = taken + max(0, freeBytes - left)
        if length > taken { _ = posix_fallocate(descriptor, 0, off_t(length)) }
    }

    /// Frees what ``fill(leaving:)`` took.
    func free() {
        try? FileManager.default.removeItem(atPath: path + "/filler")
    }

    func unmount() {
        runProcess("/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A full disk loses no acknowledged data, writes nothing of the batch it refused, says what is
/// wrong, and the same batch goes in once there is room.
@Suite(.enabled(if: SmallFileSystem.isAvailable, "needs root to mount a small tmpfs"))
struct DiskFullTests {
    @Test func aCommitThatDoesNotFitIsRefusedAsDiskFullAndWritesNothing() throws {
        let disk = try #require(SmallFileSystem(bytes: 8 << 20))
        defer { disk.unmount() }
        let environment = try Environment(
            path: disk.path + "/env",
            options: Environment.Options(tables: [.init(name: "entries")], durable: true)
        )
        let entries = try environment.table("entries")
        let row = [UInt8](repeating: 0x5A, count: 1000)
        func batch(_ first: Int) throws {
            try environment.write { txn in
                for index in first..<first + 500 {
                    try txn.put(row, forKey: BigEndianKey.encode(UInt64(index)), in: entries, mode: .append)
                }
            }
        }
        // Each step says where it stands, should a shared machine ever make one fail.
        let atStart = disk.freeBytes
        #expect(throws: Never.self, "the first batch, \(atStart) bytes free before it") { try batch(0) }
        disk.fill(leaving: 64 << 10)
        let filled = disk.freeBytes
        let refused = #expect(throws: StorageError.self, "\(filled) bytes free") { try batch(500) }
        #expect(refused?.code == .diskFull)
        #expect(refused?.message.contains("is full") == true)
        // Everything committed is there, and nothing of the refused batch.
        #expect(try environment.read { try $0.count(entries) } == 500)
        disk.free()
        let freed = disk.freeBytes
        let files = (try? FileManager.default.contentsOfDirectory(atPath: disk.path)) ?? []
        #expect(freed > 1 << 20, "the filler freed: \(freed) bytes free, the disk holding \(files)")
        #expect(throws: Never.self, "the batch again, \(freed) bytes free, the disk holding \(files)") {
            try batch(500)
        }
        #expect(try environment.read { try $0.count(entries) } == 1000)
    }

    @Test func appendAndImportOnAFullDiskExitThreeAndLeaveTheLedgerWhole() throws {
        let disk = try #require(SmallFileSystem(bytes: 32 << 20))
        defer { disk.unmount() }
        let ledger = SupplyChainCLITests.chainLedger(disk.path)
        let (mine, miner) = SupplyChainCLITests.chainDocuments[0]
        let (refinery, refiner) = SupplyChainCLITests.chainDocuments[1]
        func importDocument(_ file: String, as actor: String) -> (status: Int32, output: String, error: String) {
            let key = disk.path + "/\(actor).pem"
            return celltrace([
                "import", fixturesPath("epcis/chain/" + file), "--ledger", ledger, "--as", actor, "--key", key,
            ])
        }
        func entries() throws -> Double? {
            let audit = celltrace("verify", "--ledger", ledger, "--json")
            #expect(audit.status == 0, "\(audit.output) \(audit.error)")
            let report = try JSONValue(parsing: audit.output)
            return report["entries"]?.doubleValue
        }
        #expect(importDocument(mine, as: miner).status == 0)
        let scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let batch = scratch + "/batch.jsonl"
        let lines = (0..<2000).map { #"{"lot":"DF-\#($0)","kg":"\#($0).5","note":"disk full test"}"# }
        write(lines.joined(separator: "\n") + "\n", to: batch)
        let before = try entries()

        disk.fill(leaving: 16 << 10)
        let appended = celltrace("append", batch, "--ledger", ledger)
        #expect(appended.status == 3)
        #expect(appended.error.contains("diskFull") && appended.error.contains("is full"), "\(appended.error)")
        let imported = importDocument(refinery, as: refiner)
        #expect(imported.status == 3)
        #expect(imported.error.contains("diskFull"), "\(imported.error)")
        // Neither wrote anything, and what was there verifies.
        #expect(try entries() == before)

        disk.free()
        #expect(importDocument(refinery, as: refiner).status == 0)
        let again = celltrace("append", batch, "--ledger", ledger)
        #expect(again.status == 0, "\(again.error)")
        let after = try #require(try entries())
        #expect(after > (before ?? 0) + 2000)
        let lotID = "urn:epc:class:lgtin:6900002.000021.LHM-2601"
        let lot = try JSONValue(parsing: celltrace("lot", "show", lotID, "--ledger", ledger, "--json").output)
        #expect(lot["material"] == "lithium-hydroxide")
        #expect(lot["balanceKg"] == "15000")
    }

    @Test func aStreamOnAFullDiskWritesNothingAfterTheDocumentThatDoesNotFit() throws {
        let disk = try #require(SmallFileSystem(bytes: 32 << 20))
        defer { disk.unmount() }
        let ledger = SupplyChainCLITests.chainLedger(disk.path)
        let (mine, miner) = SupplyChainCLITests.chainDocuments[0]
        let fixture = try Data(contentsOf: URL(fileURLWithPath: fixturesPath("epcis/chain/" + mine)))
        let document = try JSONValue(parsing: Array(fixture))
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        #expect(events.count == 2)
        // Two files: the ore lot made with 300 more lots, then its shipment, which is checked
        // with the first file read on top of the ledger while that one is written.
        let made = events[0].canonicalString
        let more = (0..<300).map { made.replacingOccurrences(of: "SC6-2601", with: "SC6-DF\($0)") }
        let scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let files = [scratch + "/made.jsonl", scratch + "/shipped.jsonl"]
        write(([made] + more).joined(separator: "\n") + "\n", to: files[0])
        write(events[1].canonicalString + "\n", to: files[1])
        func importBoth() -> (status: Int32, output: String, error: String) {
            celltrace(["import"] + files + ["--ledger", ledger, "--as", miner, "--key", disk.path + "/\(miner).pem"])
        }
        func entries() throws -> Double? {
            let audit = celltrace("verify", "--ledger", ledger, "--json")
            #expect(audit.status == 0, "\(audit.output) \(audit.error)")
            return try JSONValue(parsing: audit.output)["entries"]?.doubleValue
        }
        let before = try #require(try entries())

        disk.fill(leaving: 16 << 10)
        let refused = importBoth()
        #expect(refused.status == 3)
        #expect(refused.error.contains("diskFull"), "\(refused.error)")
        // The first file's write failed, so the second, checked on top of it, was not written.
        #expect(refused.error.contains("made.jsonl was not imported"), "\(refused.error)")
        #expect(try entries() == before)

        disk.free()
        let imported = importBoth()
        #expect(imported.status == 0, "\(imported.error)")
        // Each file's submission with its events: 301 and 1.
        #expect(try entries() == before + 2 + 301 + 1)
    }

    @Test func anExportThatDoesNotFitLeavesNoFileAndRecordsNoDisclosure() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let disk = try #require(SmallFileSystem(bytes: 1 << 20))
        defer { disk.unmount() }
        let bundle = disk.path + "/cell.custody.json"
        let arguments = ["custody", CarbonCLITests.serial, "--ledger", ledger, "-o", bundle, "--recipient", "OEM"]
        func export() -> (status: Int32, output: String, error: String) { celltrace(["export"] + arguments) }
        disk.fill(leaving: 4096)
        let refused = export()
        #expect(refused.status == 3)
        #expect(refused.error.contains("No space left on device"), "\(refused.error)")
        #expect(refused.error.contains("no disclosure was recorded"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: bundle))
        #expect(celltrace("disclosures", "--ledger", ledger).output.contains("no disclosures recorded"))

        disk.free()
        let written = export()
        #expect(written.status == 0, "\(written.error)")
        #expect(FileManager.default.fileExists(atPath: bundle))
        #expect(celltrace("disclosures", "--ledger", ledger).output.contains("OEM"))
    }

    /// An export whose disclosure does not fit on the ledger's disk leaves no file.
    ///
    /// The ledger's disk is full and the export's is not: the disclosure cannot be recorded, so
    /// the export exits 3 and leaves no file (nor its temporary one); on standard output it says
    /// the bytes written are not to be passed on. Once there is room the export goes through.
    @Test func anExportWhoseDisclosureDoesNotFitLeavesNoFile() throws {
        let disk = try #require(SmallFileSystem(bytes: 32 << 20))
        defer { disk.unmount() }
        let ledger = CarbonCLITests.ledger(disk.path)
        let scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let output = scratch + "/exp1.jsonld"
        let arguments = [
            "export", "epcis", CarbonCLITests.serial, "--ledger", ledger, "--profile", "auditor", "-o", output,
        ]
        // Filled, then appended to until not even a small entry fits, as the ledger's free pages
        // would otherwise take one.
        disk.fill(leaving: 256 << 10)
        for size in [20_000, 2_000, 100] {
            let entry = scratch + "/entry-\(size).json"
            write(#"{"p":"\#(String(repeating: "x", count: size))"}"# + "\n", to: entry)
            var appended = 0
            while appended < 500, celltrace("append", entry, "--ledger", ledger).status == 0 { appended += 1 }
            #expect(appended < 500, "a \(size)-byte entry still fits after \(appended), \(disk.freeBytes) bytes free")
        }
        let disclosures = celltrace("disclosures", "--ledger", ledger).output

        let refused = celltrace(arguments)
        #expect(refused.status == 3, "\(refused.error)")
        #expect(refused.error.contains("diskFull"), "\(refused.error)")
        #expect(
            refused.error.contains(
                "the export was not written: nothing was left at \(output), and no disclosure was recorded"
            ),
            "\(refused.error)"
        )
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch).filter { !$0.hasPrefix("entry-") }
        #expect(left.isEmpty, "\(left)")
        let toStandardOutput = celltrace(Array(arguments.dropLast(2)))
        #expect(toStandardOutput.status == 3, "\(toStandardOutput.error)")
        #expect(toStandardOutput.output.contains("EPCISDocument"))
        #expect(
            toStandardOutput.error.contains(
                "the export was written to standard output, but its disclosure was not recorded: do not pass it on"
            ),
            "\(toStandardOutput.error)"
        )
        #expect(celltrace("disclosures", "--ledger", ledger).output == disclosures)
        #expect(celltrace("verify", "--ledger", ledger).status == 0)

        disk.free()
        let written = celltrace(arguments)
        #expect(written.status == 0, "\(written.error)")
        #expect(FileManager.default.fileExists(atPath: output))
        #expect(celltrace("disclosures", "--ledger", ledger).output != disclosures)
    }

    /// Standard output on a full device (`/dev/full`): the export fails with 3 and records no
    /// disclosure; a listing fails with 3 rather than exiting 0 with nothing written.
    @Test func anExportToAFullStandardOutputRecordsNoDisclosure() throws {
        let binary = try builtBinary()
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let size = celltrace("verify", "--ledger", ledger, "--json").output
        let fullDevice: FileHandle = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        func toFullDevice(_ arguments: [String]) throws -> (status: Int32, error: String) {
            try runReadingErrors(binary, arguments, output: fullDevice)
        }
        let export = try toFullDevice([
            "export", "custody", CarbonCLITests.serial, "--ledger", ledger, "--recipient", "OEM",
        ])
        #expect(export.status == 3, "\(export.error)")
        #expect(export.error.contains("No space left on device"), "\(export.error)")
        #expect(export.error.contains("no disclosure was recorded"), "\(export.error)")
        #expect(celltrace("disclosures", "--ledger", ledger).output.contains("no disclosures recorded"))
        #expect(celltrace("verify", "--ledger", ledger, "--json").output == size)
        let log = try toFullDevice(["log", "--ledger", ledger])
        #expect(log.status == 3, "\(log.error)")
        #expect(log.error.contains("standard output could not be written"), "\(log.error)")
    }

    /// Standard output closed (`>&-`): the descriptor is not handed to the next file opened (LMDB's
    /// lock file took it, and received the listing), and the command exits 3 as for a full device.
    @Test func aClosedStandardOutputWritesNothingIntoTheLedger() throws {
        let binary = try builtBinary()
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let lockFile = ledger + "/lock.mdb"
        let lockSize = try #require(try FileManager.default.attributesOfItem(atPath: lockFile)[.size] as? Int)
        func closedOutput(_ arguments: [String]) throws -> (status: Int32, error: String) {
            try runReadingErrors("/bin/sh", ["-c", #"exec "$0" "$@" >&-"#, binary] + arguments, output: nil)
        }
        let log = try closedOutput(["log", "--ledger", ledger])
        #expect(log.status == 3, "\(log.error)")
        #expect(log.error.contains("standard output could not be written: Bad file descriptor"), "\(log.error)")
        let export = try closedOutput([
            "export", "pact", CarbonCLITests.serial, "--ledger", ledger, "--recipient", "OEM",
        ])
        #expect(export.status == 3, "\(export.error)")
        #expect(export.error.contains("no disclosure was recorded"), "\(export.error)")
        #expect(celltrace("disclosures", "--ledger", ledger).output.contains("no disclosures recorded"))
        #expect(try FileManager.default.attributesOfItem(atPath: lockFile)[.size] as? Int == lockSize)
        #expect(celltrace("verify", "--ledger", ledger).status == 0)
    }

    @Test func keygenOnAFullDiskMakesNoHalfKeyPair() throws {
        let disk = try #require(SmallFileSystem(bytes: 1 << 20))
        defer { disk.unmount() }
        let privateKey = disk.path + "/refiner.pem"
        let publicKey = disk.path + "/refiner.pub.pem"
        // Room for the public key's page, not for the private key's.
        disk.fill(leaving: 4096)
        let refused = celltrace("keygen", privateKey)
        // A full disk exits 3, as for every command.
        #expect(refused.status == 3, "\(refused.error)")
        #expect(refused.error.contains("No space left on device"), "\(refused.error)")
        #expect(refused.error.contains("no key pair was made"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: privateKey))
        #expect(!FileManager.default.fileExists(atPath: publicKey))

        disk.free()
        let made = celltrace("keygen", privateKey)
        #expect(made.status == 0, "\(made.error)")
        let attributes = try FileManager.default.attributesOfItem(atPath: privateKey)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(FileManager.default.fileExists(atPath: publicKey))
    }

    /// The demo is made whole or not at all: one that runs out of room part-way exits 3 and leaves
    /// its directory as it found it (empty), and the same command then runs once there is room.
    @Test func demoOnAFullDiskLeavesNothing() throws {
        let disk = try #require(SmallFileSystem(bytes: 4 << 20))
        defer { disk.unmount() }
        let directory = disk.path + "/demo"
        #expect(mkdir(directory, 0o755) == 0)
        // Room for the dataset and keys, not for the ledger the demo builds from them.
        disk.fill(leaving: 256 << 10)
        let refused = celltrace("demo", "--dir", directory, "--json")
        #expect(refused.status == 3, "\(refused.error)")
        #expect(refused.error.contains("nothing of it was left in \(directory)"), "\(refused.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)

        disk.free()
        let made = celltrace("demo", "--dir", directory, "--json")
        #expect(made.status == 0, "\(made.error)")
        #expect(celltrace("verify", "--ledger", directory + "/ledger").status == 0)
    }

    /// An `init` that runs out of room exits 3 and leaves the disk as it found it: the files and
    /// directories it made go (its parents too), a directory that was there before stays, empty;
    /// run again, it fails alike, and once there is room it makes the ledger.
    @Test func initOnAFullDiskLeavesNoHalfLedger() throws {
        let disk = try #require(SmallFileSystem(bytes: 1 << 20))
        defer { disk.unmount() }
        let ledger = disk.path + "/ledger"
        let nested = disk.path + "/plants/hu-1/ledger"
        let existing = disk.path + "/existing"
        #expect(mkdir(existing, 0o755) == 0)
        disk.fill(leaving: 4096)
        let before = try FileManager.default.contentsOfDirectory(atPath: disk.path).sorted()
        for path in [ledger, nested, existing, ledger] {
            let refused = celltrace("init", "--ledger", path)
            #expect(refused.status == 3, "\(path): \(refused.error)")
            #expect(refused.error.contains("diskFull"), "\(path): \(refused.error)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path).sorted() == before, "\(path)")
        }
        #expect(before == ["existing", "filler"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: existing).isEmpty)

        disk.free()
        for path in [ledger, nested, existing] {
            #expect(celltrace("init", "--ledger", path).status == 0, "\(path)")
            #expect(celltrace("verify", "--ledger", path).status == 0, "\(path)")
        }
    }
}

/// Runs `executable` with its standard output on `output` (inherited when `nil`), and returns its
/// exit status and what it wrote to standard error.
private func runReadingErrors(
    _ executable: String,
    _ arguments: [String],
    output: FileHandle?
) throws -> (status: Int32, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let output { process.standardOutput = output }
    let pipe = Pipe()
    process.standardError = pipe
    try process.run()
    let error = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, error)
}
