import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStorage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The commands that only read open the ledger read-only: they wait for no writer, need no
/// signing key, run on a read-only file system, and leave `data.mdb` byte for byte as it was.
@Suite struct ReadOnlyCLITests {
    /// The demo ledger in a directory of its own; the caller removes the directory.
    static func demoLedger() -> (directory: String, ledger: String) {
        let directory = temporaryDirectory()
        let demo = celltrace("demo", "--dir", directory + "/demo", "--json")
        #expect(demo.status == 0, "\(demo.error)")
        return (directory, directory + "/demo/ledger")
    }

    /// Read commands, each with what it is given after `--ledger DIR`.
    static let readCommands: [[String]] = [
        ["verify"], ["log", "--to", "3"], ["checkpoint"], ["key"], ["prove", "inclusion", "--seq", "1"],
        ["lot", "show", "urn:celltrace:lot:cam811-hunan-2602"], ["trace", "urn:celltrace:lot:cam811-hunan-2602"],
        ["where-used", "urn:celltrace:lot:cam811-hunan-2602"], ["footprint", "urn:celltrace:lot:cam811-hunan-2602"],
        ["facility", "list"], ["actor", "list"], ["factors", "list"], ["model", "list"], ["disclosures"],
        ["attestations"], ["impact"],
    ]

    @Test func readCommandsNeedNoSigningKeyAndWriteNothing() throws {
        let (directory, ledger) = Self.demoLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(unlink(ledger + "/" + Ledger.keyFileName) == 0)
        let before = try digest(ledger)
        for command in Self.readCommands {
            let run = celltrace(command + ["--ledger", ledger])
            #expect(run.status == 0, "\(command): \(run.error)")
            #expect(!run.error.contains("signing key"), "\(command): \(run.error)")
        }
        #expect(try digest(ledger) == before, "reading left data.mdb as it was")
        // Appending signs a checkpoint, so it still needs the key, and says so as before.
        write(#"{"lot":"RO-1","kg":"1"}"# + "\n", to: directory + "/one.jsonl")
        let append = celltrace("append", directory + "/one.jsonl", "--ledger", ledger)
        #expect(append.status == 2)
        #expect(append.error.contains("cannot read the ledger's signing key"), "\(append.error)")
        #expect(try digest(ledger) == before)
    }

    /// The newest meta page damaged: `verify` names the data file damaged (exit 1), advises no
    /// removal, and writes nothing, so LMDB's older meta page stays as it was.
    @Test func verifyOfADamagedNewestMetaPageSaysDamagedAndWritesNothing() throws {
        let (directory, ledger) = Self.demoLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let healthy = try digest(ledger)
        #expect(celltrace("verify", "--ledger", ledger).status == 0)
        #expect(try digest(ledger) == healthy, "verify leaves a healthy data.mdb as it was")
        try damageNewestMetaPage(ledger)
        let damaged = try digest(ledger)
        let verify = celltrace("verify", "--ledger", ledger)
        #expect(verify.status == 1, "\(verify.error)")
        #expect(verify.error.contains("data.mdb is damaged"), "\(verify.error)")
        #expect(!verify.error.contains("unfinished") && !verify.error.contains("remove"), "\(verify.error)")
        #expect(try digest(ledger) == damaged, "verify leaves a damaged data.mdb as it was")
        write(#"{"lot":"RO-1","kg":"1"}"# + "\n", to: directory + "/one.jsonl")
        #expect(celltrace("append", directory + "/one.jsonl", "--ledger", ledger).status == 1)
        #expect(try digest(ledger) == damaged, "a refused append writes nothing either")
    }

    /// A directory whose `data.mdb` is no LMDB file: `verify` and `log` exit 1 naming it damaged,
    /// and leave the directory holding exactly what it held (no `lock.mdb` made beside it).
    @Test func readCommandsOnAJunkDataFileLeaveTheDirectoryAsItWas() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        write(String(repeating: "not a ledger\n", count: 2000), to: directory + "/data.mdb")
        let before = try digest(directory)
        for command in [["verify"], ["verify", "--json"], ["log"]] {
            let run = celltrace(command + ["--ledger", directory])
            #expect(run.status == 1, "\(command): \(run.error)")
            #expect(
                run.error.contains(
                    "\(directory)/data.mdb is not an LMDB data file: its page 0 is no LMDB meta page "
                        + "(MDB_INVALID: File is not an LMDB file); it was not opened and nothing was written beside it"
                ),
                "\(command): \(run.error)"
            )
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["data.mdb"], "\(command)")
        }
        #expect(try digest(directory) == before)
    }

    /// Read commands, run as processes of their own, finish while this process holds the
    /// ledger's write transaction (as a long import does).
    @Test func readCommandsRunWhileAnotherProcessHoldsTheWriteTransaction() throws {
        let binary = try builtBinary()
        let (directory, ledger) = Self.demoLedger()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = try Environment(path: ledger, options: Environment.Options(durable: false))
        let commands = [
            ["verify"], ["log"], ["checkpoint"], ["key"], ["trace", "urn:celltrace:lot:cam811-hunan-2602"],
        ]
        let outcomes = try environment.write { _ in
            commands.map { command in runWithTimeout(binary, command + ["--ledger", ledger], seconds: 60) }
        }
        for (command, outcome) in zip(commands, outcomes) {
            #expect(!outcome.timedOut, "\(command) waited for the writer")
            #expect(outcome.status == 0, "\(command): \(outcome.output)")
        }
    }

    /// An audit copy on a read-only file system verifies and answers queries.
    ///
    /// A write command there fails as an internal failure, as before. Needs root to bind-mount,
    /// as CI has.
    @Test(.enabled(if: geteuid() == 0, "needs root to mount a read-only bind mount"))
    func aLedgerOnAReadOnlyMountVerifies() throws {
        let directory = Self.demoLedger().directory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let mountPoint = directory + "/ro"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try #require(runProcess("/bin/mount", ["--bind", directory + "/demo", mountPoint]).status == 0)
        defer { _ = runProcess("/bin/umount", [mountPoint]) }
        try #require(runProcess("/bin/mount", ["-o", "remount,bind,ro", mountPoint]).status == 0)
        let copy = mountPoint + "/ledger"
        #expect(access(copy + "/data.mdb", W_OK) != 0, "the mount is read-only")
        for command in Self.readCommands {
            let run = celltrace(command + ["--ledger", copy])
            #expect(run.status == 0, "\(command): \(run.error)")
        }
        write(#"{"lot":"RO-1","kg":"1"}"# + "\n", to: directory + "/one.jsonl")
        let append = celltrace("append", directory + "/one.jsonl", "--ledger", copy)
        #expect(append.status == 3, "\(append.error)")
    }
}

/// The SHA-256 of a ledger's data file, in hex.
func digest(_ ledger: String) throws -> String {
    SHA256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: ledger + "/data.mdb")))).hex
}

/// Points the main table of the newest of LMDB's two meta pages at another page, as a bit flip
/// on disk would (LMDB 0.9 on a 64-bit system: the meta follows a 16-byte page header; the main
/// table's record starts 72 bytes in, its root 40 bytes into it; the transaction id is at 128).
func damageNewestMetaPage(_ ledger: String) throws {
    let url = URL(fileURLWithPath: ledger + "/data.mdb")
    var bytes = try Data(contentsOf: url)
    let pageSize = 4096
    func load(_ offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
    let newest = load(16 + 128) > load(pageSize + 16 + 128) ? 0 : pageSize
    bytes[newest + 16 + 72 + 40] ^= 1
    try bytes.write(to: url)
}

/// Runs a process, killing it if it has not finished after `seconds`.
func runWithTimeout(
    _ executable: String,
    _ arguments: [String],
    seconds: Double
) -> (timedOut: Bool, status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("celltrace-out-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    guard let handle = try? FileHandle(forWritingTo: output) else { return (false, -1, "cannot capture output") }
    process.standardOutput = handle
    process.standardError = handle
    do {
        try process.run()
    } catch {
        return (false, -1, "\(error)")
    }
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning, Date() < deadline { usleep(20_000) }
    let timedOut = process.isRunning
    if timedOut { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    try? handle.close()
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    return (timedOut, process.terminationStatus, String(text.suffix(2_000)))
}
