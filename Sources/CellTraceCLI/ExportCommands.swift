import ArgumentParser
import Exports
import LedgerCore
import LedgerCrypto
import SupplyChain

/// `celltrace export …`: a serial's or lot's chain of custody and footprint in the formats its
/// recipients use.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a serial's or lot's chain of custody and footprint (see Docs/EXPORTS.md).",
        discussion: prose(
            """
            Every export is written in a disclosure profile (--profile) and recorded in the ledger as a
            disclosure.export entry: recipient, profile, format, subject, ledger size and the SHA-256 of
            the exact bytes written. `celltrace disclosures` lists them.
            """
        ),
        subcommands: [
            ExportCustodyCommand.self, ExportEPCISCommand.self, PACTExportCommand.self, PassportExportCommand.self,
            ExportGraphCommand.self,
        ]
    )
}

/// The options every export takes: where to write, for whom, in which profile, as of when.
struct ExportOptions: ParsableArguments {
    @Option(
        name: [.customShort("o"), .long],
        help: ArgumentHelp("Write to this file (it must not exist); standard output by default.", valueName: "file")
    )
    var output: String?

    @Option(
        help: ArgumentHelp(
            "What the recipient may see: public, legitimate-interest (default), authority, auditor.",
            valueName: "profile"
        )
    )
    var profile: String = DisclosureProfile.legitimateInterest.rawValue

    @Option(help: ArgumentHelp("Who receives the export, for the disclosure log.", valueName: "name"))
    var recipient: String = "unnamed recipient"

    @OptionGroup var asOf: AsOfOption

    /// The profile asked for.
    func disclosureProfile() throws -> DisclosureProfile {
        guard let profile = DisclosureProfile(rawValue: profile) else {
            throw Failure.badInput(
                "--profile \(profile): choose one of \(DisclosureProfile.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return profile
    }

    /// Says that an export's footprint, of the ledger at `size`, relies on an attestation its
    /// verifier has withdrawn since.
    static func withdrawnNote(_ size: UInt64, _ attestation: UInt64, _ withdrawal: UInt64) -> String {
        "note: the footprint, as of ledger size \(size), relies on attestation #\(attestation), "
            + "which its verifier withdrew at entry #\(withdrawal)"
    }

    /// Writes the export and records its disclosure; prints where it went and the entry that
    /// records it on standard error.
    ///
    /// The record is checked first, so that an export it would refuse (no recipient) is not
    /// written either. A file is written whole under a temporary name beside its own, the
    /// disclosure recorded, and only then is the file given its name: a write that fails records
    /// nothing, and a record that fails leaves no file. Standard output cannot be taken back: it
    /// is written first, so that a failed write records nothing, and a record that fails then
    /// says that what was written is not to be passed on.
    func deliver(
        _ bytes: [UInt8],
        format: String,
        subject: String,
        asOfSize: UInt64,
        declarationPeriod: Disclosure.DeclarationPeriod? = nil,
        chain: SupplyChainLedger
    ) throws {
        try deliver(
            bytes,
            format: format,
            subject: subject,
            asOfSize: asOfSize,
            declarationPeriod: declarationPeriod,
            recording: { try chain.recordDisclosure($0) }
        )
    }

    /// Delivers the export as ``deliver(_:format:subject:asOfSize:declarationPeriod:chain:)``
    /// does, with `record` recording its disclosure.
    func deliver(
        _ bytes: [UInt8],
        format: String,
        subject: String,
        asOfSize: UInt64,
        declarationPeriod: Disclosure.DeclarationPeriod? = nil,
        recording record: (Disclosure) throws -> AppendReceipt
    ) throws {
        let profile = try disclosureProfile()
        var disclosure = Disclosure(
            recipient: recipient,
            profile: profile.rawValue,
            format: format,
            subject: subject,
            asOfSize: asOfSize,
            sha256: SHA256.hash(bytes).hex,
            byteCount: bytes.count
        )
        disclosure.declarationPeriod = declarationPeriod
        try SupplyChainLedger.check(disclosure)
        let receipt: AppendReceipt
        if let output {
            let staged: FileIO.StagedFile
            do {
                staged = try FileIO.stage(bytes, for: output)
            } catch let error as FileIO.Error where error.diskFull {
                throw Failure(status: .internalFailure, message: "\(error.message); no disclosure was recorded")
            } catch let error as FileIO.Error {
                // Only a file in the way is about overwriting; a missing directory is named as such.
                throw Failure.badInput(error.message + (error.exists ? " (an export never overwrites a file)" : ""))
            }
            do {
                receipt = try record(disclosure)
            } catch {
                staged.discard()
                throw Failure(
                    recording: error,
                    "the export was not written: nothing was left at \(output), and no disclosure was recorded"
                )
            }
            do {
                try staged.place()
            } catch let error as FileIO.Error {
                throw Failure(
                    status: error.exists ? .badInput : .internalFailure,
                    message: "\(error.message)\(error.exists ? " (an export never overwrites a file)" : ""); "
                        + "the export's disclosure was recorded as entry \(receipt.firstSequenceNumber), "
                        + "but nothing was left at \(output)"
                )
            }
        } else {
            Console.outBytes(bytes)
            if let failure = Console.outputFailure {
                throw Failure(status: .internalFailure, message: "\(failure); no disclosure was recorded")
            }
            do {
                receipt = try record(disclosure)
            } catch {
                throw Failure(
                    recording: error,
                    "the export was written to standard output, but its disclosure was not recorded: "
                        + "do not pass it on; export again once the ledger can record it"
                )
            }
        }
        Console.err(
            "\(format) export of \(subject) (\(profile.rawValue), ledger size \(asOfSize)) "
                + "\(output.map { "written to \($0)" } ?? "written to standard output"); "
                + "disclosure to \(recipient) recorded as entry \(receipt.firstSequenceNumber)"
        )
    }
}

/// `celltrace disclosures`: the audit trail of data that left the company.
struct DisclosuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disclosures",
        abstract: "List every export recorded in the ledger: when, to whom, what, in which profile.",
        discussion: prose(
            """
            Each export writes a disclosure.export entry with the SHA-256 of the bytes sent, so a file
            that surfaces later can be matched to the disclosure that let it out (sha256sum FILE).

            Example:
              celltrace disclosures
              celltrace disclosures --recipient "OEM Europe GmbH" --json
              celltrace disclosures --csv > disclosures.csv
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Only disclosures to this recipient.", valueName: "name")) var recipient: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV: a header row, then one row a disclosure.") var csv = false

    func validate() throws {
        if json, csv { throw ValidationError("give --json or --csv, not both") }
    }

    /// The columns of `--csv`, one a field of the disclosure log.
    static let csvColumns = [
        "entry", "recorded_at", "recipient", "profile", "format", "subject", "as_of_size", "sha256", "bytes",
    ]

    func run() throws {
        let disclosures = try options.openChain(readOnly: true).disclosures(recipient: recipient)
        if csv {
            var rows = [CSV.row(Self.csvColumns)]
            for disclosure in disclosures {
                rows.append(
                    CSV.row([
                        disclosure.sequenceNumber.map(String.init) ?? "", disclosure.recordedAt ?? "",
                        disclosure.recipient, disclosure.profile, disclosure.format, disclosure.subject,
                        String(disclosure.asOfSize), disclosure.sha256, String(disclosure.byteCount),
                    ])
                )
            }
            Console.out(rows.joined(separator: "\n"))
            return
        }
        if json {
            Console.out(JSONValue.array(disclosures.map(\.json)).canonicalString)
            return
        }
        guard !disclosures.isEmpty else {
            Console.out(recipient.map { "no disclosures to \($0)" } ?? "no disclosures recorded")
            return
        }
        var table = TextTable("ENTRY", "RECORDED", "RECIPIENT", "PROFILE", "FORMAT", "SUBJECT", "SIZE", "SHA-256")
        for disclosure in disclosures {
            table.add(
                disclosure.sequenceNumber.map(String.init) ?? "?",
                disclosure.recordedAt ?? "",
                disclosure.recipient,
                disclosure.profile,
                disclosure.format,
                disclosure.subject,
                String(disclosure.asOfSize),
                String(disclosure.sha256.prefix(16)) + "…"
            )
        }
        Console.out(table.rendered)
    }
}

/// `celltrace export custody`: the self-verifying bundle of a serial.
struct ExportCustodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custody",
        abstract:
            "Write a serial's custody bundle: its lineage entries, their proofs, signatures and footprint working.",
        discussion: prose(
            """
            The bundle holds every entry on the subject's lineage (canonical bytes), an inclusion proof of
            each to one signed checkpoint, the submitters' signatures and keys with the entries that
            registered them, the factor entries used, and the footprint with its working tied to fields of
            those entries. The recipient checks it offline with `celltrace verify-bundle` or
            tools/verify_bundle.py. Sealed fields the profile withholds leave only their commitments.

            Example:
              celltrace export custody urn:epc:id:sgtin:4012345.011111.1 -o cell.custody.json \\
                  --profile legitimate-interest --recipient "OEM Europe GmbH"
              celltrace export custody urn:epc:id:giai:4012345.PACK-0001 -o pack.json --since-checkpoint last-quarter.checkpoint
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var export: ExportOptions
    @Argument(help: "A cell serial, module or pack id, or a lot.") var subject: String
    @Option(
        name: .customLong("since-checkpoint"),
        help: ArgumentHelp(
            "A checkpoint the recipient kept earlier: the bundle carries a consistency proof from it.",
            valueName: "file"
        )
    )
    var sinceCheckpoints: [String] = []

    func run() throws {
        let chain = try options.openChain()
        let since = try sinceCheckpoints.map(readCheckpoint)
        let bundle = try CustodyBundle.export(
            subject,
            chain: chain,
            profile: try export.disclosureProfile(),
            asOf: try export.asOf.point(),
            since: since
        )
        try export.deliver(
            bundle.bytes,
            format: "custody",
            subject: subject,
            asOfSize: bundle.scope.size,
            chain: chain
        )
        for (attestation, withdrawal) in bundle.withdrawnSince {
            Console.err(
                ExportOptions.withdrawnNote(bundle.scope.size, attestation, withdrawal)
                    + "; the bundle carries the withdrawal"
            )
        }
    }
}

/// `celltrace verify-bundle`: checks a custody bundle offline, without a ledger.
struct VerifyBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-bundle",
        abstract:
            "Check a custody bundle offline: proofs, signatures, commitments, and the trace and footprint redone.",
        discussion: prose(
            """
            Needs no ledger: only the bundle and the ledger's verifier key (`celltrace key` prints it; the
            sender publishes it). Checks the checkpoint's signature, every entry's inclusion proof, every
            opening against its commitment, every event's submission signature with the actor's key at
            the time, then recomputes the trace's mass flows and the footprint from the entries' fields
            and compares them with the stated figures. Exit 0 verified, 1 naming the first item that
            fails, 2 for a file that is not a bundle. tools/verify_bundle.py does the same in Python.

            Example:
              celltrace verify-bundle cell.custody.json --vkey ledger.vkey
              celltrace verify-bundle cell.custody.json --vkey ledger.vkey --since-checkpoint last-quarter.checkpoint
            """
        )
    )
    @Argument(help: "The bundle file.") var bundle: String
    @Option(help: ArgumentHelp("The ledger's verifier key, or a file holding it.", valueName: "vkey")) var vkey: String
    @Option(
        name: .customLong("since-checkpoint"),
        help: ArgumentHelp("A checkpoint kept from earlier: prove the ledger only grew since.", valueName: "file")
    )
    var sinceCheckpoint: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let key = try Self.verifierKey(vkey)
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readAll(bundle)
        } catch let error as FileIO.Error {
            throw Failure.badInput(error.message)
        }
        let since = try sinceCheckpoint.map(readCheckpoint)
        let verifier = try BundleVerifier(bytes: bytes, key: key)
        let report: BundleVerifier.Report
        do {
            report = try verifier.verify(since: since)
        } catch let failure as BundleVerifier.Failure {
            if json {
                Console.out(
                    JSONValue.object([
                        "valid": false, "item": .string(failure.item), "message": .string(failure.message),
                    ]).canonicalString
                )
            }
            throw Failure.verificationFailed("bundle NOT verified: \(failure.item): \(failure.message)")
        }
        if json {
            var members: [String: JSONValue] = [
                "valid": true, "subject": .string(report.subject), "profile": .string(report.profile),
                "origin": .string(report.origin), "treeSize": .number(Double(report.treeSize)),
                "entries": .number(Double(report.entries)), "openings": .number(Double(report.openings)),
                "withheld": .number(Double(report.withheld)), "submissions": .number(Double(report.submissions)),
                "trace": .string(report.trace.description), "footprint": .string(report.footprint.description),
                "traceRecomputed": .bool(Self.recomputed(report.trace)),
                "footprintRecomputed": .bool(Self.recomputed(report.footprint)),
                "kgCO2e": .object(report.totals.mapValues(JSONValue.number)),
            ]
            if let from = report.consistentFrom { members["consistentFrom"] = .number(Double(from)) }
            members["submissionKeys"] = .array(report.submissionKeys.map(Self.json))
            if !report.attestationKeys.isEmpty {
                members["attestationKeys"] = .array(report.attestationKeys.map(Self.json))
            }
            if let why = report.functionalUnitStated { members["functionalUnitStated"] = .string(why) }
            if case .partly(_, let stated, _) = report.footprint {
                members["footprintStatedParts"] = .array(stated.map(JSONValue.string))
            }
            if !report.verifiedShare.isEmpty {
                members["attestations"] = .number(Double(report.attestations))
                members["attestationRootsProved"] = .number(Double(report.attestationRoots))
                members["verifiedShare"] = .object(report.verifiedShare.mapValues(JSONValue.number))
                members["factorEntriesFromWorking"] = .bool(report.factorEntriesFromWorking)
            }
            if !report.withdrawnSince.isEmpty {
                members["withdrawnSince"] = .array(
                    report.withdrawnSince.map {
                        [
                            "attestation": .number(Double($0.attestation)),
                            "withdrawal": .number(Double($0.withdrawal)), "verifier": .string($0.verifier),
                            "reason": .string($0.reason),
                        ]
                    }
                )
            }
            Console.out(JSONValue.object(members).canonicalString)
            return
        }
        Console.out("bundle verified: \(report.subject) (profile \(report.profile))")
        Console.out("  checkpoint     \(report.origin) at size \(report.treeSize), signature valid")
        Console.out("  entries        \(report.entries) included in the checkpoint's tree")
        Console.out("  signatures     \(report.submissions) submissions covering \(report.signedEvents) events")
        for line in Self.keyLines(report.submissionKeys, signed: "submission") {
            Console.out("                 signed with " + line)
        }
        Console.out(
            "  sealed fields  \(report.openings) opened and checked, \(report.withheld) withheld by the profile"
        )
        Console.out("  trace          \(report.trace)")
        Console.out("  footprint      \(report.footprint)")
        if let why = report.functionalUnitStated {
            Console.out("  per kWh        usableKWh and lifetimeKWh stated, not recomputed: \(why)")
        }
        for method in ["location-based", "market-based", "eu-draft"] {
            if let total = report.totals[method] {
                Console.out("                 \(method): \(Number.fixed(total, 3)) kg CO2e")
            }
        }
        if !report.verifiedShare.isEmpty {
            Console.out(
                "  verification   \(Number.count(report.attestations, "attestation signature", "attestation signatures")) "
                    + "checked, \(Number.count(report.attestationRoots, "signed root", "signed roots")) "
                    + "proved this ledger's; verified share recomputed: "
                    + ["location-based", "market-based", "eu-draft"].compactMap { method in
                        report.verifiedShare[method].map { "\(method) \(Number.percent($0))" }
                    }.joined(separator: ", ")
                    + (report.factorEntriesFromWorking
                        ? "" : " (the factor tables each contribution uses as stated: no working in this profile)")
            )
        }
        for line in Self.keyLines(report.attestationKeys, signed: "attestation") {
            Console.out("                 attested with " + line)
        }
        if !report.submissionKeys.isEmpty || !report.attestationKeys.isEmpty {
            Console.out(
                "  keys           the keys the ledger registered for these actors; compare each key ID with the key "
                    + "the actor gave you (the first 16 hex digits of SHA-256 of its raw Ed25519 public key)"
            )
        }
        for withdrawn in report.withdrawnSince {
            Console.out(
                "  withdrawn      attestation #\(withdrawn.attestation) withdrawn by \(Self.visible(withdrawn.verifier)) "
                    + "at entry #\(withdrawn.withdrawal), after the footprint's size: \(Self.visible(withdrawn.reason)); "
                    + "the verified share "
                    + "is as the ledger stood then"
            )
        }
        if let from = report.consistentFrom {
            Console.out(
                from == report.treeSize
                    ? "  consistency    the ledger at size \(from) is the kept checkpoint's"
                    : "  consistency    the ledger at size \(report.treeSize) extends the checkpoint of size \(from)"
            )
        }
    }

    /// One line per actor key, naming the entries it signed: `actor (name, role) key ID, registered at #N: …`.
    static func keyLines(_ keys: [BundleVerifier.SignerKey], signed: String) -> [String] {
        var order: [String] = []
        var entries: [String: [UInt64]] = [:]
        for key in keys {
            let line =
                "\(visible(key.actor)) (\(visible(key.name)), \(visible(key.role))) key \(visible(key.keyID)), "
                + "registered at entry #\(key.keyEntry)"
            if entries[line] == nil { order.append(line) }
            entries[line, default: []].append(key.entry)
        }
        return order.map { line in
            let signedEntries = entries[line] ?? []
            return line + ": \(signed)\(signedEntries.count == 1 ? "" : "s") "
                + signedEntries.map { "#\($0)" }.joined(separator: ", ")
        }
    }

    /// Text from a bundle as a line shows it: a control, format or separator character, any white
    /// space but the space, and the backslash escaped as `\u{XXXX}`, so that a name cannot end the
    /// line, move the cursor or hide what follows it.
    static func visible(_ text: String) -> String {
        var shown = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse:
                shown += escaped(scalar)
            case .spaceSeparator where scalar != " ":
                shown += escaped(scalar)
            default:
                shown += scalar == "\\" ? escaped(scalar) : String(scalar)
            }
        }
        return shown
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}"
    }

    /// A signer key as `--json` lists it.
    static func json(_ key: BundleVerifier.SignerKey) -> JSONValue {
        .object([
            "entry": .number(Double(key.entry)), "actor": .string(key.actor), "name": .string(key.name),
            "role": .string(key.role), "keyID": .string(key.keyID), "keyEntry": .number(Double(key.keyEntry)),
        ])
    }

    static func recomputed(_ value: BundleVerifier.Recomputation) -> Bool {
        if case .recomputed = value { return true }
        return false
    }

    /// A vkey given inline or as a file.
    static func verifierKey(_ text: String) throws -> NoteVerifierKey {
        var candidate = text
        // A vkey always has a '+'; without one, the text names a file holding it. White space
        // around it (the newline `celltrace key > FILE` writes) is not the key's; inside it, a vkey
        // has none, so a key with a space or a line break in it is refused, as the Python tools do.
        if !text.contains("+") {
            do {
                let file = String(decoding: try FileIO.readAll(text), as: UTF8.self)
                candidate = String(file.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            } catch let error as FileIO.Error {
                throw Failure.badInput("--vkey: \(error.message) (give the vkey, name+keyid+key, or a file holding it)")
            }
        }
        do {
            return try NoteVerifierKey(parsing: candidate)
        } catch let error as LedgerError {
            throw Failure.badInput("--vkey: \(error.message)")
        }
    }
}

/// A signed checkpoint kept in a file (`--since-checkpoint`).
func readCheckpoint(_ path: String) throws -> SignedCheckpoint {
    do {
        return try SignedCheckpoint(parsing: try FileIO.readAll(path))
    } catch let error as FileIO.Error {
        throw Failure.badInput(error.message)
    } catch {
        throw Failure.badInput("\(path) is not a signed checkpoint: \(error)")
    }
}
