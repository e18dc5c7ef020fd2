import ArgumentParser
import Exports
import Provenance

/// `celltrace export epcis`: a lineage's events as an EPCIS 2.0 JSON-LD document.
struct ExportEPCISCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epcis",
        abstract: "Export a serial's or lot's events as an EPCIS 2.0 JSON-LD document.",
        discussion: prose(
            """
            Every event of the lineage (lots made, shipped, certified, commissioned and assembled), in
            event-time order, each with the eventID it was recorded under. Sealed fields the profile does
            not reveal are left out and listed in the event's ct:withheld member (JSON Pointer and
            commitment digest), so the document stays valid against GS1's EPCIS 2.0 schema. With
            --profile auditor nothing is withheld, and every event keeps its CBV 2.0 hash ID.

            Each submission is signed by one actor, so --actor keeps only that actor's events: a
            document that actor can import into another ledger with `celltrace import --as ACTOR`.

            Example:
              celltrace export epcis urn:epc:id:sgtin:4012345.011111.3 --profile public -o cell-3.jsonld
              celltrace export epcis urn:celltrace:lot:cam-811-0210 --profile auditor --actor cathode-co \\
                  --recipient "Example Audit GmbH" -o cathode-co.jsonld
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var export: ExportOptions
    @Argument(help: "A cell serial, module or pack id, or a lot.") var subject: String
    @Option(help: ArgumentHelp("Only the events this actor submitted.", valueName: "actor")) var actor: String?

    func run() throws {
        let chain = try options.openChain()
        let profile = try export.disclosureProfile()
        let scope = try LineageScope.collect(subject, chain: chain, asOf: try export.asOf.point())
        let document = try EPCISExport(scope: scope, chain: chain, profile: profile, actor: actor)
        if let actor, document.events.isEmpty {
            throw Failure.badInput("--actor \(actor): no event of the lineage of \(subject) was submitted by \(actor)")
        }
        try export.deliver(
            document.bytes,
            format: "epcis",
            subject: scope.subject.id,
            asOfSize: scope.size,
            chain: chain
        )
    }
}
