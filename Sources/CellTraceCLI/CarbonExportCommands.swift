import ArgumentParser
import Exports
import LedgerCore
import Provenance
import SupplyChain

/// `celltrace export pact`: a WBCSD PACT product footprint.
struct PACTExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pact",
        abstract:
            "Export a cell's, module's, pack's, lot's or declaration's footprint as a WBCSD PACT ProductFootprint.",
        discussion: prose(
            """
            PACT Technical Specifications 3.0.3 by default, 2.3.3 with --pact-version 2. A cell, module or
            pack is declared per piece (v2.3 has no piece: per kilogram, with the piece's mass as
            unitaryProductAmount); a lot per kilogram. With --model, --plant, --from and --to (as for
            `celltrace declaration`) and no subject, the footprint is the Art. 7 declaration's average
            cell. Totals count electricity market-based; location-based and draft-EU figures, the split
            per life-cycle stage, per-kWh figures and the ledger checkpoint are in the CellTrace
            extension. The id is derived from the ledger, subject and size: the same export at the
            same size has the same id. See Docs/EXPORTS.md §5–6.

            Example:
              celltrace export pact urn:epc:id:sgtin:4012345.011111.1 -o cell-pcf.json --recipient "OEM Europe GmbH"
              celltrace export pact urn:celltrace:lot:cam-811-0210 --pact-version 2 --cpc 34230
              celltrace export pact --model CT-NMC811-P1 --plant urn:celltrace:facility:cell-plant --from 2026-01-01 --to 2026-12-31
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var export: ExportOptions
    @Argument(help: "A cell serial, module or pack id, or a lot (none for a declaration).") var subject: String?
    @Option(
        name: .customLong("pact-version"),
        help: ArgumentHelp("3 (Tech Specs 3.0.3, the default) or 2 (2.3.3).", valueName: "3|2")
    )
    var pactVersion: String = "3"
    @Option(help: "Declaration: the battery model.") var model: String?
    @Option(help: "Declaration: the manufacturing plant (facility id).") var plant: String?
    @Option(help: "Declaration: the period's first day or time.") var from: String?
    @Option(help: "Declaration: the period's last day (inclusive) or time.") var to: String?
    @Option(
        name: .customLong("product-classification"),
        help: ArgumentHelp("A product classification URN for v3 (repeatable).", valueName: "urn")
    )
    var classifications: [String] = []
    @Option(
        help: ArgumentHelp(
            "The UN CPC code v2 requires (default 46420, electric accumulators, for cells, modules, packs and declarations; required for a lot).",
            valueName: "code"
        )
    )
    var cpc: String?

    func run() throws {
        let version: PACTFootprint.Version
        switch pactVersion {
        case "3", "3.0", "3.0.3": version = .v3
        case "2", "2.3", "2.3.3": version = .v2
        default: throw Failure.badInput("--pact-version \(pactVersion): choose 3 or 2")
        }
        for classification in classifications where !classification.lowercased().hasPrefix("urn:") {
            throw Failure.badInput("--product-classification \(classification): give a URN (urn:…)")
        }
        // A UN CPC code is one to five digits: section, division, group, class, subclass.
        if let cpc, !(1...5).contains(cpc.utf8.count) || !cpc.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            throw Failure.badInput("--cpc \(cpc): give a UN CPC code of one to five digits, such as 46420")
        }
        if cpc != nil, version == .v3 {
            Console.err(
                "note: --cpc is not written: PACT 3 has no productCategoryCpc; classify with --product-classification urn:…"
            )
        }
        let chain = try options.openChain()
        let compute: (PointInTime) throws -> PACTFootprint
        if let subject {
            guard model == nil, plant == nil, from == nil, to == nil else {
                throw Failure.badInput("give either a subject or --model, --plant, --from and --to (a declaration)")
            }
            compute = { point in
                try PACTFootprint.make(
                    scope: try LineageScope.collect(subject, chain: chain, asOf: point),
                    chain: chain
                )
            }
        } else {
            guard let model, let plant else {
                throw Failure.badInput("give a subject, or --model, --plant, --from and --to for a declaration")
            }
            let (start, end) = try declarationPeriod(from: from, to: to)
            compute = { point in
                try PACTFootprint.declaration(
                    model: model,
                    plant: plant,
                    from: start,
                    to: end,
                    chain: chain,
                    asOf: point
                )
            }
        }
        var footprint = try compute(try export.asOf.point())
        footprint.precedingIDs = try Self.precedingIDs(of: footprint, version, chain: chain, compute: compute)
        footprint.classifications = classifications
        if let cpc { footprint.cpc = cpc }
        if version == .v2, footprint.cpc == nil {
            throw Failure.badInput("PACT 2.3 requires productCategoryCpc: give the lot's UN CPC code with --cpc")
        }
        try export.deliver(
            ExportEncoding.pretty(footprint.json(version)),
            format: "pact-\(version.specVersion)",
            subject: footprint.subject,
            asOfSize: footprint.checkpoint.size,
            chain: chain
        )
        // A verified share as of an earlier size may rest on an attestation withdrawn since; PACT
        // has no member for a withdrawal, so the sender is told here.
        for (attestation, withdrawal) in try chain.withdrawals(of: Set(footprint.attestationsRelied))
        where withdrawal >= footprint.checkpoint.size {
            Console.err(
                ExportOptions.withdrawnNote(footprint.checkpoint.size, attestation, withdrawal)
                    + "; the verified share it states no longer stands: send a footprint of the ledger now"
            )
        }
    }
}

extension PACTExportCommand {
    /// PACT's `precedingPfIds`: the ids of the footprints sent before whose figures differ.
    ///
    /// The footprints of the same subject and version that the disclosure log says were sent
    /// before the footprint's size, as of earlier sizes, oldest first, each recomputed as of its
    /// size; one that no longer computes is left out.
    static func precedingIDs(
        of footprint: PACTFootprint,
        _ version: PACTFootprint.Version,
        chain: SupplyChainLedger,
        compute: (PointInTime) throws -> PACTFootprint
    ) throws -> [String] {
        let current = footprint.id(version)
        let sizes = Set(
            try chain.disclosures().filter {
                $0.format == "pact-\(version.specVersion)" && $0.subject == footprint.subject
                    && $0.asOfSize < footprint.checkpoint.size
                    && ($0.sequenceNumber ?? .max) < footprint.checkpoint.size
            }
            .map(\.asOfSize)
        )
        var ids: [String] = []
        for size in sizes.sorted() {
            guard let earlier = try? compute(.size(size)) else { continue }
            let id = earlier.id(version)
            if id != current, !ids.contains(id) { ids.append(id) }
        }
        return ids
    }
}

/// `celltrace export passport`: the battery passport's carbon-footprint and due-diligence sections.
struct PassportExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passport",
        abstract: "Export a cell's, module's or pack's battery-passport carbon-footprint and due-diligence sections.",
        discussion: prose(
            """
            Battery Pass data model v1.2.0 field names: carbonFootprint (batteryCarbonFootprint in kg CO2e
            per kWh delivered over the service life, carbonFootprintPerLifecycleStage, …) and
            supplyChainDueDiligence, with electricity counted by the draft EU rule, plus a celltrace
            member saying how the figures were computed and which required attributes are missing.
            The profile sets the access tier: public gets the two sections; legitimate-interest adds
            the origins of lithium, nickel, cobalt and graphite by country with shares, flagged
            sources and certifications; authority and auditor add the supplying facilities and
            operators. The performance class is never derived: it is written only when given.

            Example:
              celltrace export passport urn:epc:id:sgtin:4012345.011111.1 --profile public --study https://example.com/cf-study.pdf --due-diligence-report https://example.com/dd-report.pdf
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var export: ExportOptions
    @Argument(help: "A cell serial, module or pack id.") var subject: String
    @Option(
        name: .customLong("performance-class"),
        help: ArgumentHelp("The carbon-footprint performance class, once one is assigned.", valueName: "class")
    )
    var performanceClass: String?
    @Option(help: ArgumentHelp("A web link to the public carbon-footprint study.", valueName: "url")) var study: String?
    @Option(
        name: .customLong("due-diligence-report"),
        help: ArgumentHelp("A web link to the due-diligence report (Art. 52(3)).", valueName: "url")
    )
    var dueDiligenceReport: String?
    @Option(
        name: .customLong("third-party-assurances"),
        help: ArgumentHelp("A web link to third-party supply-chain assurances.", valueName: "url")
    )
    var thirdPartyAssurances: String?
    @Option(
        name: .customLong("supply-chain-indices"),
        help: ArgumentHelp("A supply-chain index score.", valueName: "number")
    )
    var supplyChainIndices: String?
    @Option(
        name: .customLong("declaration-from"),
        help: ArgumentHelp(
            "The start of the Art. 7 declaration's period: the passport then states the model's declared figure at its plant.",
            valueName: "date"
        )
    )
    var declarationFrom: String?
    @Option(
        name: .customLong("declaration-to"),
        help: ArgumentHelp("The end of the declaration's period.", valueName: "date")
    )
    var declarationTo: String?

    func run() throws {
        // Read as `celltrace declaration` reads its period: a date as the end means the whole day.
        var period: ClosedRange<Timestamp>?
        if declarationFrom != nil || declarationTo != nil {
            let (from, to) = try declarationPeriod(
                from: declarationFrom,
                to: declarationTo,
                flags: ("declaration-from", "declaration-to")
            )
            guard from <= to else {
                throw Failure.badInput("--declaration-to is before --declaration-from: the period is empty")
            }
            period = from...to
        }
        var indices: Double?
        if let supplyChainIndices {
            guard let given = ExactDecimal(supplyChainIndices), let value = Double(supplyChainIndices), value.isFinite
            else {
                throw Failure.badInput("--supply-chain-indices \(supplyChainIndices): give a number")
            }
            // The passport states it to 12 significant digits: a score it would state otherwise is
            // refused rather than changed.
            let stated = ExportEncoding.decimal(value)
            guard ExactDecimal(stated) == given else {
                throw Failure.badInput(
                    "--supply-chain-indices \(supplyChainIndices): the passport states a score to 12 significant "
                        + "digits, so this one would read \(stated); give it as it is to be stated"
                )
            }
            indices = value
        }
        let profile = try export.disclosureProfile()
        let chain = try options.openChain()
        let scope = try LineageScope.collect(subject, chain: chain, asOf: try export.asOf.point())
        let passport = try BatteryPassport.make(
            scope: scope,
            profile: profile,
            options: BatteryPassport.Options(
                performanceClass: performanceClass,
                study: study,
                dueDiligenceReport: dueDiligenceReport,
                thirdPartyAssurances: thirdPartyAssurances,
                supplyChainIndices: indices,
                declarationPeriod: period
            ),
            chain: chain
        )
        for missing in passport.missing {
            Console.err("note: \(missing.section).\(missing.field) left out: \(missing.reason)")
        }
        for note in passport.notes { Console.err("note: \(note)") }
        try export.deliver(
            ExportEncoding.pretty(passport.json),
            format: "battery-pass-1.2.0",
            subject: scope.subject.id,
            asOfSize: scope.size,
            // Kept with the disclosure, so that `impact` issues the passport again on the same basis.
            declarationPeriod: period.map {
                Disclosure.DeclarationPeriod(from: $0.lowerBound.rfc3339, to: $0.upperBound.rfc3339)
            },
            chain: chain
        )
    }
}
