import ArgumentParser
import LedgerCore
import SupplyChain

#if canImport(Glibc)
import Glibc
#endif

/// `celltrace init`: creates a ledger with its own signing key.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new ledger with its own Ed25519 signing key.",
        discussion: prose(
            """
            Prints the ledger's verifier key (C2SP signed-note vkey): give it to whoever must check
            checkpoints and proofs offline. The signing key is written to DIR/ledger-key.pem (mode 0600).
            DIR is new or an empty directory.

            Example:
              celltrace init --ledger plant-ledger --origin ledger.cells.example/hu-1
            """
        )
    )

    @OptionGroup var options: LedgerOptions

    @Option(help: "The checkpoint origin (default: celltrace.local/ledger/<random hex>).")
    var origin: String?

    @Flag(help: "Print JSON.")
    var json = false

    /// The files a ledger's directory holds: LMDB's data and lock files and the signing key.
    static let ledgerFiles: Set<String> = ["data.mdb", "lock.mdb", Ledger.keyFileName]

    func run() throws {
        // A path that cannot be a ledger directory is the user's to fix (2), not a storage failure (3).
        if options.path.isEmpty {
            throw Failure.badInput("--ledger is empty: give the directory the new ledger goes in")
        }
        var status = stat()
        if stat(options.path, &status) == 0, status.st_mode & S_IFMT != S_IFDIR {
            throw Failure.badInput("\(options.path) exists and is not a directory: give a new or empty directory")
        }
        // A ledger's own files are left to `create`, which names a ledger there or an unfinished one.
        if let names = FileIO.names(in: options.path),
            let other = names.sorted().first(where: { !Self.ledgerFiles.contains($0) })
        {
            throw Failure.badInput(
                "\(options.path) holds \(other), which is no ledger's file: give a new or empty directory"
            )
        }
        // The ledger's directory and the parents `create` makes for it, should they be missing.
        let made = FileIO.missingDirectories(options.path)
        let ledger: Ledger
        do {
            ledger = try SupplyChainLedger.create(at: options.path, origin: origin).ledger
        } catch {
            // `create` removed the files it made (a full disk, say); the directories it made go
            // too, so that the same command runs as it first did once the cause is gone. `rmdir`
            // removes an empty directory only: never one that holds another `init`'s ledger,
            // and a directory that was there before is not among these.
            for directory in made.reversed() { rmdir(directory) }
            throw error
        }
        if json {
            Console.out(
                JSONValue.object([
                    "path": .string(ledger.path),
                    "origin": .string(ledger.origin),
                    "vkey": .string(ledger.verifierKey.text),
                ]).canonicalString
            )
        } else {
            Console.out("Created ledger at \(ledger.path)")
            Console.out("origin: \(ledger.origin)")
            Console.out("verifier key: \(ledger.verifierKey.text)")
        }
    }
}
