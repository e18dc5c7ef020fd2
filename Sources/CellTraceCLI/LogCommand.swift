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
            Each entry is checked against its stored leaf hash as it is read; the entries before one
            that does not match are printed, then it is named (exit 1). A --to past the last entry,
            or a --from past the next one, is refused (exit 2); --from at the next entry prints
            nothing.

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
        let ledger = try options.openLedger(readOnly: true)
        // An entry asked for that the ledger does not hold is named, as `prove` and `--as-of` name
        // it, rather than printed as nothing with success. `--from` at the ledger's size alone (the
        // next entry, for a reader following the ledger) prints nothing: there is nothing new yet.
        let size = try ledger.size
        if let to, to >= size {
            throw Failure.badInput(Self.noEntry("--to", to, size: size))
        }
        if from > size {
            throw Failure.badInput(Self.noEntry("--from", from, size: size))
        }
        let end = to.map { $0 == UInt64.max ? $0 : $0 + 1 } ?? UInt64.max
        var batch: [UInt8] = []
        do {
            try ledger.forEachEntry(in: from..<end) { _, bytes in
                batch.append(contentsOf: bytes)
                batch.append(UInt8(ascii: "\n"))
                if batch.count > 1 << 20 {
                    Console.outBytes(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
        } catch {
            // The entries read before one that does not match its leaf hash are printed, then it is named.
            Console.outBytes(batch)
            throw error
        }
        Console.outBytes(batch)
    }

    /// The problem of a sequence number past the ledger's last entry.
    static func noEntry(_ flag: String, _ sequence: UInt64, size: UInt64) -> String {
        size == 0
            ? "\(flag) \(sequence): the ledger is empty"
            : "\(flag) \(sequence): there is no entry #\(sequence); the ledger holds entries #0 to #\(size - 1)"
    }
}
