import ArgumentParser
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain

/// `celltrace attest`: a verifier's signed statement that it verified a set of entries.
struct AttestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest",
        abstract: "Record a verifier's signed statement that it verified entries, under a standard.",
        discussion: prose(
            """
            The verifier is a registered actor of role auditor (celltrace actor add … --role auditor)
            and signs with its key; it may not attest entries it recorded itself. Footprints then
            show the share of their kg CO2e whose activity data and factor tables are attested
            (celltrace footprint: "verified share").

            A verifier working on a copy of the ledger signs there with --sign-only, which prints
            the signed statement and writes nothing; the ledger's operator records that file with
            --signed FILE. The signature binds the statement to the ledger's origin.

            A verifier withdraws a statement recorded in error, or no longer upheld, with
            --withdraw N --reason TEXT (also signed, also with --sign-only): it stays in the
            ledger, and footprints stop counting it from the withdrawal on.

            Example:
              celltrace attest --as tuv-verifier --key keys/tuv.pem --standard "ISO 14064-3:2019" \\
                --level reasonable --entries 14-25,40 --completed 2026-11-30 \\
                --report https://example.com/verification-2026-117.pdf
              celltrace attest --signed statement.json
              celltrace attest --as tuv-verifier --key keys/tuv.pem --withdraw 131 --reason "wrong range"
            """
        )
    )

    @OptionGroup var options: LedgerOptions
    @Option(name: .customLong("as"), help: ArgumentHelp("The verifier (an actor of role auditor).", valueName: "actor"))
    var verifier: String?
    @Option(help: ArgumentHelp("The verifier's private key (PEM).", valueName: "key.pem")) var key: String?
    @Option(help: ArgumentHelp("The standard followed, such as \"ISO 14064-3:2019\".", valueName: "text"))
    var standard: String?
    @Option(help: ArgumentHelp("The level of assurance: reasonable or limited.", valueName: "level")) var level: String?
    @Option(help: ArgumentHelp("The entries verified: ranges such as 14-25,40.", valueName: "ranges"))
    var entries: String?
    @Option(help: ArgumentHelp("The day the verification was completed.", valueName: "YYYY-MM-DD")) var completed:
        String?
    @Option(help: ArgumentHelp("Where the verification report is.", valueName: "url")) var report: String?
    @Option(
        name: .customLong("report-sha256"),
        help: ArgumentHelp("The SHA-256 of the report's bytes (sha256sum).", valueName: "hex")
    )
    var reportSHA256: String?
    @Option(help: ArgumentHelp("The verifier's statement or scope, in its words.", valueName: "text"))
    var statement: String?
    @Option(
        help: ArgumentHelp(
            "Withdraw the attestation recorded at this entry (with --as, --key, --reason).",
            valueName: "N"
        )
    )
    var withdraw: UInt64?
    @Option(help: ArgumentHelp("Why the attestation is withdrawn.", valueName: "text")) var reason: String?
    @Flag(name: .customLong("sign-only"), help: "Print the signed statement as JSON and write nothing.")
    var signOnly = false
    @Option(help: ArgumentHelp("Record a statement signed elsewhere with --sign-only.", valueName: "file"))
    var signed: String?
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if signed != nil {
            let given = [verifier, key, standard, level, entries, completed, report, reportSHA256, statement, reason]
            if given.contains(where: { $0 != nil }) || signOnly || withdraw != nil {
                throw ValidationError("--signed records the file as it is: give no other statement option")
            }
            return
        }
        if withdraw != nil {
            if [standard, level, entries, completed, report, reportSHA256, statement].contains(where: { $0 != nil }) {
                throw ValidationError("--withdraw takes --as, --key and --reason only")
            }
            for (value, name) in [(verifier, "--as"), (key, "--key"), (reason, "--reason")] where value == nil {
                throw ValidationError("give \(name) with --withdraw")
            }
            return
        }
        if reason != nil { throw ValidationError("--reason goes with --withdraw") }
        if reportSHA256 != nil, report == nil {
            throw ValidationError("--report-sha256 is the SHA-256 of the report's bytes: give --report too")
        }
        for (value, name) in [
            (verifier, "--as"), (key, "--key"), (standard, "--standard"), (level, "--level"),
            (entries, "--entries"), (completed, "--completed"),
        ] where value == nil {
            throw ValidationError("give \(name) (or --signed FILE)")
        }
    }

    func run() throws {
        // --sign-only reads the ledger and records nothing: opened read-only, it needs neither
        // write access nor the ledger's signing key, as on a verifier's copy.
        let chain = try options.openChain(readOnly: signOnly)
        if let signed {
            let body: JSONValue
            do {
                body = try JSONValue(parsing: try InputFile.read(signed))
            } catch let error as LedgerError {
                throw Failure.badInput("\(signed): not JSON: \(error.message)")
            }
            let by = body["verifier"]?.stringValue ?? "?"
            if let withdrawn = body["attestation"]?.stringValue {
                let receipt = try chain.recordSignedWithdrawal(body)
                printReceipt(receipt, json: json, what: "attestation #\(withdrawn) withdrawn by \(by)")
            } else {
                let receipt = try chain.recordSignedAttestation(body)
                // Recorded, so it reads: said as a direct `attest` says it.
                let what =
                    Attestation(body: body).map { Self.summary($0) } ?? "attestation by \(by) recorded"
                printReceipt(receipt, json: json, what: what)
            }
            return
        }
        if let withdraw, let verifier, let key, let reason {
            let privateKey = try Self.privateKey(key, of: verifier)
            if signOnly {
                let signed = try chain.signedWithdrawal(withdraw, verifier: verifier, reason: reason, key: privateKey)
                Console.out(signed.json.canonicalString)
                return
            }
            let receipt = try chain.withdrawAttestation(withdraw, verifier: verifier, reason: reason, key: privateKey)
            printReceipt(receipt, json: json, what: "attestation #\(withdraw) withdrawn by \(verifier)")
            return
        }
        guard let verifier, let key, let standard, let level, let entries, let completed else { return }
        guard let assurance = AssuranceLevel(rawValue: level) else {
            throw Failure.badInput("--level \(level): use reasonable or limited")
        }
        guard let ranges = Attestation.ranges(entries) else {
            let problem = Attestation.rangesProblem(entries) ?? "give sequence numbers and ranges such as 14-25,40"
            throw Failure.badInput("--entries \(entries): \(problem)")
        }
        let privateKey = try Self.privateKey(key, of: verifier)
        let attestation = Attestation(
            verifier: verifier,
            keyID: "",
            standard: standard,
            level: assurance,
            entries: ranges,
            completedOn: completed,
            report: report,
            reportSHA256: reportSHA256,
            statement: statement
        )
        // Merged as ranges are, but one range typed over another may hide a mistyped number.
        for (first, second) in Attestation.overlappingRanges(entries) {
            Console.err(
                "celltrace: warning: --entries: "
                    + (first == second ? "\(first) is given twice" : "\(first) and \(second) overlap")
                    + "; merged as \(attestation.entriesText)"
            )
        }
        if signOnly {
            Console.out(try chain.signedAttestation(attestation, key: privateKey).body.canonicalString)
            return
        }
        let receipt = try chain.recordAttestation(attestation, key: privateKey)
        printReceipt(receipt, json: json, what: Self.summary(attestation))
    }

    /// What a recorded attestation says, as its receipt prints it.
    static func summary(_ attestation: Attestation) -> String {
        "attestation by \(attestation.verifier): \(Number.count(attestation.entryCount, "entry", "entries")) (\(attestation.entriesText)), "
            + "\(attestation.standard), \(attestation.level.rawValue) assurance"
    }
}

extension AttestCommand {
    /// The verifier's private key from its PEM file.
    static func privateKey(_ path: String, of verifier: String) throws -> Ed25519PrivateKey {
        try PrivateKeyFile.read(path, hint: "give \(verifier)'s PEM file")
    }
}

/// `celltrace attestations`: every verification statement recorded.
struct AttestationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attestations",
        abstract: "List the verifiers' attestations: who verified which entries, under which standard.",
        discussion: prose(
            """
            Example:
              celltrace attestations
              celltrace attestations --entry 17 --json
              celltrace attestations --csv > attestations.csv
            """
        )
    )

    @OptionGroup var options: LedgerOptions
    @OptionGroup var asOf: AsOfOption
    @Option(help: ArgumentHelp("Only attestations that cover this entry.", valueName: "N")) var entry: UInt64?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV: a header row, then one row an attestation.") var csv = false

    func validate() throws {
        if json, csv { throw ValidationError("give --json or --csv, not both") }
    }

    /// The columns of `--csv`.
    static let csvColumns = [
        "entry", "verifier", "key", "standard", "level", "completed_on", "entries", "entry_count", "report",
        "report_sha256", "statement", "withdrawn_at", "withdrawal_reason",
    ]

    func run() throws {
        let chain = try options.openChain(readOnly: true)
        let point = try asOf.point()
        var found = try chain.read { reader, txn, now in
            // An entry past the end is no entry any attestation could cover: said as
            // `attest --withdraw` and `--as-of` say it.
            if let entry, entry >= now {
                throw Failure.badInput(
                    now == 0
                        ? "--entry \(entry): the ledger is empty"
                        : "--entry \(entry): there is no entry \(entry): the ledger holds entries 0 to \(now - 1)"
                )
            }
            return try reader.attestations(asOfSize: try point.size(in: chain.ledger, now: now), txn)
        }
        if let entry { found = found.filter { $0.covers(entry) } }
        if csv {
            var rows = [CSV.row(Self.csvColumns)]
            for attestation in found {
                rows.append(
                    CSV.row([
                        attestation.sequenceNumber.map(String.init) ?? "", attestation.verifier, attestation.keyID,
                        attestation.standard, attestation.level.rawValue, attestation.completedOn,
                        attestation.entriesText, String(attestation.entryCount), attestation.report ?? "",
                        attestation.reportSHA256 ?? "", attestation.statement ?? "",
                        attestation.withdrawnAt.map(String.init) ?? "", attestation.withdrawalReason ?? "",
                    ])
                )
            }
            Console.out(rows.joined(separator: "\n"))
            return
        }
        if json {
            Console.out(JSONValue.array(found.map(\.json)).canonicalString)
            return
        }
        guard !found.isEmpty else {
            Console.out(entry.map { "no attestation covers entry \($0)" } ?? "no attestations recorded")
            return
        }
        var table = TextTable(
            "ENTRY",
            "VERIFIER",
            "STANDARD",
            "LEVEL",
            "COMPLETED",
            "ENTRIES VERIFIED",
            "REPORT",
            "STATUS"
        )
        for attestation in found {
            table.add(
                attestation.sequenceNumber.map { "#\($0)" } ?? "?",
                attestation.verifier,
                attestation.standard,
                attestation.level.rawValue,
                attestation.completedOn,
                "\(attestation.entriesText) (\(attestation.entryCount))",
                attestation.report ?? "-",
                attestation.withdrawnAt.map { "withdrawn at #\($0): \(attestation.withdrawalReason ?? "")" } ?? "stands"
            )
        }
        Console.out(table.rendered)
    }
}
