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
        discussion: """
            Every export is written in a disclosure profile (--profile) and recorded in the ledger as a
            disclosure.export entry: recipient, profile, format, subject, ledger size and the SHA-256 of
            the exact bytes written. `celltrace disclosures` lists them.
            """,
        subcommands: [ExportCustodyCommand.self]
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

    /// Writes the export, then records its disclosure; prints where it went and the entry that
    /// records it on standard error.
    ///
    /// The file is written before the record so that a failed write records nothing; a failed
    /// record removes nothing already written, and says so.
    func deliver(
        _ bytes: [UInt8],
        format: String,
        subject: String,
        asOfSize: UInt64,
        chain: SupplyChainLedger
    ) throws {
        let profile = try disclosureProfile()
        if let output {
            try FileIO.writeNew(bytes, to: output)
        } else {
            Console.outBytes(bytes)
        }
        let disclosure = Disclosure(
            recipient: recipient,
            profile: profile.rawValue,
            format: format,
            subject: subject,
            asOfSize: asOfSize,
            sha256: SHA256.hash(bytes).hex,
            byteCount: bytes.count
        )
        let receipt = try chain.recordDisclosure(disclosure)
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
        discussion: """
            Each export writes a disclosure.export entry with the SHA-256 of the bytes sent, so a file
            that surfaces later can be matched to the disclosure that let it out (sha256sum FILE).

            Example:
              celltrace disclosures
              celltrace disclosures --recipient "OEM Europe GmbH" --json
            """
    )
    @OptionGroup var options: LedgerOptions
    @Option(help: ArgumentHelp("Only disclosures to this recipient.", valueName: "name")) var recipient: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let disclosures = try options.openChain().disclosures(recipient: recipient)
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
        discussion: """
            The bundle holds every entry on the subject's lineage (canonical bytes), an inclusion proof of
            each to one signed checkpoint, the submitters' signatures and keys with the entries that
            registered them, the factor entries used, and the footprint with its working tied to fields of
            those entries. The recipient checks it offline with `celltrace verify-bundle` or
            tools/verify_bundle.py. Sealed fields the profile withholds leave only their commitments.

            Example:
              celltrace export custody urn:epc:id:sgtin:4012345.011111.1 -o cell.custody.json \\
                  --profile legitimate-interest --recipient "OEM Europe GmbH"
              celltrace export custody PACK-0001 -o pack.json --since-checkpoint last-quarter.checkpoint
            """
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
        let since = try sinceCheckpoints.map { path in
            do {
                return try SignedCheckpoint(parsing: try FileIO.readAll(path))
            } catch let error as FileIO.Error {
                throw Failure.badInput(error.message)
            } catch {
                throw Failure.badInput("\(path) is not a signed checkpoint: \(error)")
            }
        }
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
    }
}
