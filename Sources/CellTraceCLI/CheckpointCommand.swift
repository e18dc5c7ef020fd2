import ArgumentParser
import LedgerCore
import SupplyChain

/// `celltrace checkpoint`: prints a signed checkpoint.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the signed checkpoint (C2SP tlog-checkpoint) for the current or a given size.",
        discussion: prose(
            """
            Example:
              celltrace checkpoint > checkpoint.txt
              celltrace checkpoint --size 1000
            """
        )
    )

    @OptionGroup var options: LedgerOptions

    @Option(help: "The tree size (default: the ledger's size).")
    var size: UInt64?

    func run() throws {
        let ledger = try options.openLedger(readOnly: true)
        Console.out(try ledger.checkpoint(atSize: size).note.formatted, terminator: "")
    }
}

/// `celltrace key`: prints the ledger's verifier key.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Print the ledger's verifier key in signed-note vkey form (name+hex-id+base64).",
        discussion: prose(
            """
            Example:
              celltrace key > ledger.vkey
            """
        )
    )

    @OptionGroup var options: LedgerOptions

    func run() throws {
        Console.out(try options.openLedger(readOnly: true).verifierKey.text)
    }
}
