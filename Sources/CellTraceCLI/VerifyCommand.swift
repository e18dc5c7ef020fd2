import ArgumentParser
import LedgerCore
import SupplyChain

/// `celltrace verify`: the full audit.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Audit the whole ledger: entries, chain, Merkle tree, checkpoints and indexes.",
        discussion: prose(
            """
            Re-reads and re-hashes every entry, checks every chain link, recomputes every stored
            Merkle node and the root at every stored checkpoint, verifies every checkpoint signature,
            rebuilds the derived indexes to compare them, then replays every supply-chain entry to
            rebuild the lot, lineage, serial, facility and actor indexes, checking each submission's
            signature and event hashes on the way. Exit 1 naming the first bad sequence number.

            Example:
              celltrace verify --deep
            """
        )
    )

    @OptionGroup var options: LedgerOptions

    @Flag(help: "Also parse every entry fully and check every confidential field's opening.")
    var deep = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let chain = try options.openChain(readOnly: true)
        let ledger = chain.ledger
        let report = try ledger.audit(deep: deep) { done, total in
            Console.progress("verifying", done: done, total: total)
        }
        let indexes =
            report.isValid
            ? try chain.auditIndexes { done, total in
                Console.progress("replaying", done: done, total: total)
            } : nil
        if json {
            var object: [String: JSONValue] = [
                "valid": .bool(report.isValid),
                "entries": .number(Double(report.entriesChecked)),
                "nodes": .number(Double(report.nodesChecked)),
                "checkpoints": .number(Double(report.checkpointsChecked)),
                "indexRows": .number(Double(report.indexRowsChecked)),
                "openings": .number(Double(report.openingsChecked)),
                "submissions": .number(Double(indexes?.submissionsVerified ?? 0)),
                "attestations": .number(Double(indexes?.attestationsVerified ?? 0)),
                "supplyChainIndexRows": .number(Double(indexes?.rowsCompared ?? 0)),
                "timesGoingBack": .number(Double(report.timesGoingBack)),
            ]
            if let failure = indexes?.failure {
                object["valid"] = .bool(false)
                object["failure"] = .object([
                    "sequenceNumber": indexes?.failureSequenceNumber.map { .number(Double($0)) } ?? .null,
                    "problem": .string(failure),
                ])
            }
            if let failure = report.failure {
                object["failure"] = .object([
                    "sequenceNumber": failure.sequenceNumber.map { .number(Double($0)) } ?? .null,
                    "problem": .string(failure.problem),
                ])
            }
            Console.out(JSONValue.object(object).canonicalString)
        } else if report.isValid, let indexes, indexes.isValid {
            var line =
                Console.styled("OK", .green, .bold)
                + ": \(report.entriesChecked) entries, \(report.nodesChecked) Merkle nodes, "
            line += "\(report.checkpointsChecked) checkpoints, \(report.indexRowsChecked) index rows"
            if deep { line += ", \(report.openingsChecked) openings" }
            Console.out(line + " verified")
            if indexes.rowsCompared > 0 {
                Console.out(
                    Console.styled("OK", .green, .bold)
                        + ": supply chain rebuilt by replay: \(indexes.rowsCompared) index rows match, \(indexes.submissionsVerified) submission signatures verified"
                        + (indexes.attestationsVerified > 0
                            ? ", \(Number.count(indexes.attestationsVerified, "attestation signature", "attestation signatures")) verified"
                            : "")
                )
            }
        }
        if let first = report.firstTimeGoingBack {
            Console.err(
                "note: \(report.timesGoingBack) entries are stamped before the entry before them (the first is entry \(first)), "
                    + "written when a clock stepped back or two writers raced; the chain holds, but --as-of a time near them "
                    + "may answer for another size. Entries appended from now on never go back."
            )
        }
        if let failure = report.failure {
            throw Failure.verificationFailed("verification FAILED at \(failure)")
        }
        if let failure = indexes?.failure, indexes?.entryDoesNotRead == true {
            // An entry that hashes as the chain says but does not read is damaged, as a changed one is.
            throw Failure.verificationFailed("verification FAILED at \(failure)")
        }
        if let failure = indexes?.failure {
            // The entries verified: what differs is derived from them and can be derived again.
            let hint =
                indexes?.failureSequenceNumber == nil
                ? "; the entries verify, so `celltrace index rebuild` writes the indexes anew from them" : ""
            throw Failure.verificationFailed("verification FAILED: supply-chain indexes: \(failure)\(hint)")
        }
    }
}
