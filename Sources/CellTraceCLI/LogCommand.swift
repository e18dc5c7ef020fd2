import ArgumentParser
import LedgerCore
import SupplyChain

/// `celltrace log`: prints entries as their canonical bytes, one per line.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print entries, one per line, each line exactly the entry's canonical bytes (its leaf input).",
        discussion: prose(
            """
            Each entry is checked against its stored leaf hash as it is read.

            Example:
              celltrace log --from 10 --to 20 > entries.jsonl
            """
        )
    )

    @OptionGroup var options: LedgerOptions

    @Option(help: "The first sequence number to print.")
    var from: UInt64 = 0

    @Option(help: "The last sequence number to print (inclusive; default: the last entry).")
    var to: UInt64?

    func validate() throws {
        if let to, to < from {
            throw ValidationError("--to (\(to)) must not be less than --from (\(from))")
        }
    }

    func run() throws {
        let ledger = try options.openLedger()
        let end = to.map { $0 == UInt64.max ? $0 : $0 + 1 } ?? UInt64.max
        var batch: [UInt8] = []
        try ledger.forEachEntry(in: from..<end) { _, bytes in
            batch.append(contentsOf: bytes)
            batch.append(UInt8(ascii: "\n"))
            if batch.count > 1 << 20 {
                Console.outBytes(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        Console.outBytes(batch)
    }
}
