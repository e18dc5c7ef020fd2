import ArgumentParser
import LedgerCore
import SupplyChain

/// `celltrace index`: the supply-chain indexes derived from the entries.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Rebuild the supply-chain indexes from the entries.",
        subcommands: [Rebuild.self]
    )

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rebuild",
            abstract: "Replay every entry and write the lot, lineage, serial and master-data indexes anew.",
            discussion: prose(
                """
                The indexes (lots and balances, lineage edges, serial ranges, packs, facilities,
                actors and keys, event records) are derived from the entries alone. This replays
                every entry through the import's rules, checking each submission's signature and
                event hashes as `celltrace verify` does, and only when all of them replay empties
                the index tables and writes them again, in one durable transaction. Entries, the
                Merkle tree and checkpoints are not touched, and nothing is appended. Like verify, it
                holds the rebuilt indexes in memory while it runs.

                Use it when `celltrace verify` reports that the supply-chain indexes differ from
                what the entries give: indexes written by an older CellTrace, or damaged. Exit 1,
                with nothing written, when an entry does not replay.

                Example:
                  celltrace index rebuild && celltrace verify
                """
            )
        )

        @OptionGroup var options: LedgerOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let chain = try options.openChain()
            let report = try chain.rebuildIndexes { done, total in
                Console.progress("replaying", done: done, total: total)
            }
            if json {
                var object: [String: JSONValue] = [
                    "rebuilt": .bool(report.isRebuilt),
                    "entries": .number(Double(report.entriesReplayed)),
                    "submissions": .number(Double(report.submissionsVerified)),
                    "tables": .array(
                        report.tables.map {
                            .object([
                                "name": .string($0.name),
                                "rowsBefore": .number(Double($0.rowsBefore)),
                                "rowsAfter": .number(Double($0.rowsAfter)),
                            ])
                        }
                    ),
                ]
                if let former = report.formerLayout, report.isRebuilt {
                    object["layout"] = .object(["before": .string(former), "now": .string(report.layout)])
                }
                if let failure = report.failure {
                    object["failure"] = .object([
                        "sequenceNumber": report.failureSequenceNumber.map { .number(Double($0)) } ?? .null,
                        "problem": .string(failure),
                    ])
                }
                Console.out(JSONValue.object(object).canonicalString)
            } else if report.isRebuilt {
                Console.out(
                    Console.styled("OK", .green, .bold)
                        + ": indexes rebuilt from \(report.entriesReplayed) entries, \(report.submissionsVerified) submission signatures verified"
                )
                if let former = report.formerLayout {
                    Console.out("index layout \(former) → \(report.layout): every table written anew in this one")
                }
                var table = TextTable("INDEX", "ROWS BEFORE", "ROWS NOW")
                for index in report.tables where index.rowsBefore > 0 || index.rowsAfter > 0 {
                    table.add(index.name, String(index.rowsBefore), String(index.rowsAfter))
                }
                Console.out(table.rendered)
            }
            if let failure = report.failure {
                throw Failure.verificationFailed("index rebuild FAILED, nothing was written: \(failure)")
            }
        }
    }
}
