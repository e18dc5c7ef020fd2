import ArgumentParser
import LedgerCore

/// `celltrace verify`: the full audit.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Audit the whole ledger: entries, chain, Merkle tree, checkpoints and indexes.",
        discussion: """
            Re-reads and re-hashes every entry, checks every chain link, recomputes every stored
            Merkle node and the root at every stored checkpoint, verifies every checkpoint signature,
            and rebuilds the derived indexes to compare them. Exit 1 naming the first bad sequence number.

            Example:
              celltrace verify --deep
            """
    )

    @OptionGroup var options: LedgerOptions

    @Flag(help: "Also parse every entry fully and check every confidential field's opening.")
    var deep = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let ledger = try Ledger(openingAt: options.path)
        let report = try ledger.audit(deep: deep) { done, total in
            Console.progress("verifying", done: done, total: total)
        }
        if json {
            var object: [String: JSONValue] = [
                "valid": .bool(report.isValid),
                "entries": .number(Double(report.entriesChecked)),
                "nodes": .number(Double(report.nodesChecked)),
                "checkpoints": .number(Double(report.checkpointsChecked)),
                "indexRows": .number(Double(report.indexRowsChecked)),
                "openings": .number(Double(report.openingsChecked)),
            ]
            if let failure = report.failure {
                object["failure"] = .object([
                    "sequenceNumber": failure.sequenceNumber.map { .number(Double($0)) } ?? .null,
                    "problem": .string(failure.problem),
                ])
            }
            Console.out(JSONValue.object(object).canonicalString)
        } else if report.isValid {
            var line = "OK: \(report.entriesChecked) entries, \(report.nodesChecked) Merkle nodes, "
            line += "\(report.checkpointsChecked) checkpoints, \(report.indexRowsChecked) index rows"
            if deep { line += ", \(report.openingsChecked) openings" }
            Console.out(line + " verified")
        }
        if let failure = report.failure {
            throw Failure.verificationFailed("verification FAILED at \(failure)")
        }
    }
}
