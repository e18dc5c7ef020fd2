import ArgumentParser
import LedgerCore
import LedgerCrypto
import SupplyChain

/// `celltrace prove`: inclusion and consistency proofs.
struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print Merkle proofs that anyone can check offline.",
        subcommands: [InclusionCommand.self, ConsistencyCommand.self]
    )

    /// `celltrace prove inclusion`.
    struct InclusionCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inclusion",
            abstract: "Print a C2SP tlog-proof that an entry is in the ledger, with its signed checkpoint.",
            discussion: prose(
                """
                Example:
                  celltrace prove inclusion --seq 41 > entry41.proof
                  celltrace log --from 41 --to 41 > entry41.json
                  celltrace verify-proof entry41.proof --entry entry41.json --vkey "$(celltrace key)"
                """
            )
        )

        @OptionGroup var options: LedgerOptions

        @Option(help: "The entry's sequence number.")
        var seq: UInt64

        @Option(help: "The tree size to prove against (default: the ledger's size).")
        var size: UInt64?

        func run() throws {
            let ledger = try options.openLedger(readOnly: true)
            Console.out(try ledger.inclusionProof(forEntryAt: seq, treeSize: size).formatted, terminator: "")
        }
    }

    /// `celltrace prove consistency`.
    struct ConsistencyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "consistency",
            abstract: "Print an RFC 9162 consistency proof between two tree sizes (base64 hashes, one per line).",
            discussion: prose(
                """
                Example:
                  celltrace prove consistency --from 1000 --to 2000
                """
            )
        )

        @OptionGroup var options: LedgerOptions

        @Option(help: "The earlier tree size.")
        var from: UInt64

        @Option(help: "The later tree size.")
        var to: UInt64

        @Flag(help: "Print JSON with both sizes, both roots and the proof.")
        var json = false

        func run() throws {
            let ledger = try options.openLedger(readOnly: true)
            let proof = try ledger.consistencyProof(from: from, to: to)
            if json {
                Console.out(
                    JSONValue.object([
                        "from": .number(Double(from)),
                        "to": .number(Double(to)),
                        "root1": .string(try ledger.rootHash(atSize: from).base64),
                        "root2": .string(try ledger.rootHash(atSize: to).base64),
                        "proof": .array(proof.map { .string($0.base64) }),
                    ]).canonicalString
                )
            } else {
                for hash in proof {
                    Console.out(hash.base64)
                }
            }
        }
    }
}
