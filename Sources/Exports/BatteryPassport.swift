public import Carbon
public import LedgerCore
import Provenance
public import SupplyChain

/// The carbon-footprint and supply-chain due-diligence sections of a battery passport, with the
/// Battery Pass data model v1.2.0 field names, in one disclosure profile's access tiers.
///
/// The two sections (`carbonFootprint`, `supplyChainDueDiligence`) hold the public attributes of
/// the Battery Pass aspects `io.BatteryPass.CarbonFootprint:1.2.0` and
/// `io.BatteryPass.SupplyChainDueDiligence:1.2.0` and validate against their schemas when every
/// required attribute is known. A third member, `celltrace`, says how the figures were computed,
/// which required attributes are missing and why, and what the ledger knows for due diligence:
/// origins of lithium, nickel, cobalt and graphite by country with shares, flagged sources and
/// certifications for legitimate-interest recipients, and the supplying facilities and operators
/// for authorities and auditors.
public struct BatteryPassport: Sendable {
    /// What the ledger does not know and the passport needs: links and classes set by the
    /// manufacturer.
    public struct Options: Sendable, Hashable {
        /// The carbon-footprint performance class (`A` best), once the delegated act sets the
        /// classes; never derived.
        public var performanceClass: String?
        /// A web link to the public carbon-footprint study.
        public var study: String?
        /// A web link to the due-diligence report of Article 52(3).
        public var dueDiligenceReport: String?
        /// A web link to third-party supply-chain assurances.
        public var thirdPartyAssurances: String?
        /// A supply-chain index score (GBA ESGE+ when it exists).
        public var supplyChainIndices: Double?
        /// The period of the Article 7 declaration the battery falls under: its model's figure at
        /// its plant over the period is the passport's (DIN DKE SPEC 99100 §6.3.2); without it the
        /// figures are the battery's own, and the passport says so.
        public var declarationPeriod: ClosedRange<Timestamp>?

        /// Creates options; every one is optional.
        public init(
            performanceClass: String? = nil,
            study: String? = nil,
            dueDiligenceReport: String? = nil,
            thirdPartyAssurances: String? = nil,
            supplyChainIndices: Double? = nil,
            declarationPeriod: ClosedRange<Timestamp>? = nil
        ) {
            self.performanceClass = performanceClass
            self.study = study
            self.dueDiligenceReport = dueDiligenceReport
            self.thirdPartyAssurances = thirdPartyAssurances
            self.supplyChainIndices = supplyChainIndices
            self.declarationPeriod = declarationPeriod
        }
    }

    /// A required attribute the passport leaves out, and why.
    public struct Missing: Sendable, Hashable {
        /// The section (`carbonFootprint` or `supplyChainDueDiligence`).
        public var section: String
        /// The attribute.
        public var field: String
        /// Why it is missing and how to give it.
        public var reason: String
    }

    /// The electricity method behind the passport's figures: the draft delegated act's rule.
    ///
    /// National consumption mix; only directly connected supply at its own factor. The passport
    /// carries the Article 7 declaration's figures, which follow that rule.
    public static let electricityMethod = ElectricityMethod.euDraft

    /// The raw materials of Annex X point 1, as the trace names their elements.
    public static let dueDiligenceElements = ["Li", "Ni", "Co", "graphite"]

    /// The Battery Pass life-cycle stage names, by our stages.
    public static let stageNames: [(LifeCycleStage, String)] = [
        (.rawMaterialAcquisition, "RawMaterialExtraction"), (.mainProduction, "MainProduction"),
        (.distribution, "Distribution"), (.endOfLife, "Recycling"),
    ]

    /// The subject (a cell serial, module or pack).
    public var subject: String
    /// The profile the passport was written for.
    public var profile: DisclosureProfile
    /// The Battery Pass `CarbonFootprintForBatteries` object.
    public var carbonFootprint: JSONValue
    /// The Battery Pass `SupplyChainDueDiligence` object.
    public var supplyChainDueDiligence: JSONValue
    /// Required attributes left out.
    public var missing: [Missing]
    /// What a reader of the figures needs to know: the battery's own figure stated where the
    /// declared one belongs, stages that read 0 because nothing of them is recorded.
    public var notes: [String]
    /// How the figures were computed, and the due-diligence evidence the profile may see.
    public var celltrace: JSONValue
}

extension BatteryPassport {
    /// The passport document: the two sections and `celltrace`.
    public var json: JSONValue {
        .object([
            "carbonFootprint": carbonFootprint, "supplyChainDueDiligence": supplyChainDueDiligence,
            "celltrace": celltrace,
        ])
    }

    /// The passport sections of a scope's cell, module or pack.
    ///
    /// - Parameters:
    ///   - scope: The subject's scope.
    ///   - profile: Who receives it.
    ///   - options: Links and classes the ledger does not hold.
    ///   - chain: The ledger.
    /// - Returns: The sections.
    /// - Throws: ``ExportError`` for a lot, a subject without a battery model (no lifetime energy),
    ///   or an option that is not a URL.
    public static func make(
        scope: LineageScope,
        profile: DisclosureProfile,
        options: Options,
        chain: SupplyChainLedger
    ) throws -> BatteryPassport {
        let footprint = scope.footprint
        guard scope.subject.kind != .lot else {
            throw ExportError(
                code: .unsupportedSubject,
                message:
                    "\(scope.subject.id) is a lot; a battery passport is for a cell serial, module or pack (use `export pact` for a lot)"
            )
        }
        guard let lifetime = footprint.lifetimeKWh, lifetime > 0, let model = footprint.model else {
            throw ExportError(
                code: .missingData,
                message:
                    "\(scope.subject.id) has no registered battery model, so no energy over its service life: the passport's figure is kg CO2e per lifetime kWh. Register the model with `celltrace model add`"
            )
        }
        for (name, value) in [
            ("--study", options.study), ("--due-diligence-report", options.dueDiligenceReport),
            ("--third-party-assurances", options.thirdPartyAssurances),
        ] {
            if let value, !isURL(value) {
                throw ExportError(code: .invalidOption, message: "\(name) \(value): give an absolute URL (https://…)")
            }
        }
        if let performanceClass = options.performanceClass, !isPerformanceClass(performanceClass) {
            throw ExportError(
                code: .invalidOption,
                message:
                    "--performance-class \"\(performanceClass)\": give the class the delegated act assigns, as it names it "
                    + "(a label of 1 to 8 letters, digits, + or -, such as A); leave the option out while none is assigned"
            )
        }
        let method = electricityMethod
        var missing: [Missing] = []
        var notes: [String] = []
        // The declared figure of the model at its plant, when the declaration's period is given;
        // the battery's own otherwise, said in a note.
        var perKWh = footprint.total.scaled(by: 1 / lifetime)
        var findings: [PrimaryDataFinding]
        var basis: JSONValue = [
            "kind": "battery",
            "reason":
                "this battery's own footprint per lifetime kWh; the passport's figure is the model's declared one at its plant (Art. 7; DIN DKE SPEC 99100 §6.3.2): give the declaration's period",
        ]
        if let period = options.declarationPeriod {
            let declaration = try declaration(of: scope, model: model.id, period: period, chain: chain)
            perKWh = declaration.perLifetimeKWh
            findings = declaration.findings
            basis = .object([
                "kind": "declaration",
                "model": .string(model.id),
                "plant": .string(declaration.plant.id),
                "from": .string(ExportEncoding.dateTime(period.lowerBound)),
                "to": .string(ExportEncoding.dateTime(period.upperBound)),
                "cells": .string(String(declaration.cellCount)),
            ])
        } else {
            notes.append(
                "carbonFootprint: the figures are this battery's own, not the model's declared figure at its plant; give --declaration-from and --declaration-to"
            )
            findings = try primaryDataFindings(of: scope, chain: chain)
        }
        // Stages the ledger holds nothing for read 0: say that 0 is not a measured value.
        for (stage, name) in stageNames where perKWh[method, stage] == 0 {
            notes.append(
                "carbonFootprintPerLifecycleStage \(name): \(stage.unrecordedReason(for: "the battery")); 0 is not a measured value"
            )
        }
        // Requirements on primary data the figures do not meet: said as plainly as the figures.
        for finding in findings {
            notes.append("carbonFootprint: does not meet Annex II's primary-data requirements: \(finding.message)")
        }
        var carbon: [String: JSONValue] = [
            "batteryCarbonFootprint": number(perKWh.total(method)),
            "carbonFootprintPerLifecycleStage": .array(
                stageNames.map { stage, name in
                    .object([
                        "lifecycleStage": .string(name),
                        "carbonFootprint": number(perKWh[method, stage]),
                    ])
                }
            ),
            "absoluteCarbonFootprint": number(footprint.total.total(method)),
        ]
        if let performanceClass = options.performanceClass {
            carbon["carbonFootprintPerformanceClass"] = .string(performanceClass)
        } else {
            missing.append(
                Missing(
                    section: "carbonFootprint",
                    field: "carbonFootprintPerformanceClass",
                    reason:
                        "the classes are to be set by a delegated act (Art. 7(2)); CellTrace never derives one: give --performance-class once the class is known"
                )
            )
        }
        if let study = options.study {
            carbon["carbonFootprintStudy"] = .string(study)
        } else {
            missing.append(
                Missing(
                    section: "carbonFootprint",
                    field: "carbonFootprintStudy",
                    reason: "the public carbon-footprint study is published outside the ledger: give --study URL"
                )
            )
        }
        var diligence: [String: JSONValue] = [:]
        if let report = options.dueDiligenceReport {
            diligence["supplyChainDueDiligenceReport"] = .string(report)
        } else {
            missing.append(
                Missing(
                    section: "supplyChainDueDiligence",
                    field: "supplyChainDueDiligenceReport",
                    reason: "the Art. 52(3) report is published outside the ledger: give --due-diligence-report URL"
                )
            )
        }
        if let assurances = options.thirdPartyAssurances { diligence["thirdPartyAussurances"] = .string(assurances) }
        if let indices = options.supplyChainIndices { diligence["supplyChainIndicies"] = number(indices) }

        var meta: [String: JSONValue] = [
            "subject": .object([
                "id": .string(scope.subject.id), "kind": .string(scope.subject.kind.rawValue),
                "cells": .string(String(scope.subject.cellCount)),
            ]),
            "profile": .string(profile.rawValue),
            "accessTiers": .array(profile.tiers.map { .string($0.rawValue) }),
            "dataModel": [
                "carbonFootprint": "urn:samm:io.BatteryPass.CarbonFootprint:1.2.0#CarbonFootprintForBatteries",
                "supplyChainDueDiligence":
                    "urn:samm:io.BatteryPass.SupplyChainDueDiligence:1.2.0#SupplyChainDueDiligence",
            ],
            "electricityMethod": .string(method.rawValue),
            "units": [
                "batteryCarbonFootprint": "kg CO2e per kWh delivered over the service life",
                "carbonFootprint": "kg CO2e per kWh delivered over the service life, per stage",
                "absoluteCarbonFootprint": "kg CO2e",
            ],
            "functionalUnit": .object([
                "batteryModel": .string(model.id),
                "usableKWh": .string(ExportEncoding.decimal(footprint.usableKWh)),
                "cyclesPerYear": .string(model.cyclesPerYear.description),
                "serviceYears": .string(model.serviceYears.description),
                "lifetimeKWh": .string(ExportEncoding.decimal(lifetime)),
            ]),
            "carbonFootprintBasis": basis,
            "notes": .array(notes.map(JSONValue.string)),
            "primaryDataSharePercent": .string(ExportEncoding.decimal(footprint.primaryShare(method) * 100)),
            "primaryDataFindings": .array(
                findings.map { finding in
                    .object([
                        "requirement": .string(finding.requirement.rawValue),
                        "rule": .string(finding.requirement.rule), "cellLot": .string(finding.cellLot),
                        "lots": .array(finding.lots.map(JSONValue.string)), "stage": .string(finding.stage.rawValue),
                        "message": .string(finding.message),
                    ])
                }
            ),
            "ledger": try ExportCheckpoint.at(scope.size, of: chain).json,
            "missing": .array(
                missing.map {
                    .object(["section": .string($0.section), "field": .string($0.field), "reason": .string($0.reason)])
                }
            ),
        ]
        if profile.tiers.contains(.legitimateInterest) {
            meta["rawMaterialOrigins"] = try origins(
                scope.trace,
                identities: profile.tiers.contains(.confidential),
                chain: chain
            )
        }
        return BatteryPassport(
            subject: scope.subject.id,
            profile: profile,
            carbonFootprint: .object(carbon),
            supplyChainDueDiligence: .object(diligence),
            missing: missing,
            notes: notes,
            celltrace: .object(meta)
        )
    }

    /// The primary-data requirements the subject's cell lots do not meet
    /// (``CarbonEngine/primaryDataFindings(ofCellLot:primaryPerKg:_:)``), as of the scope's size.
    static func primaryDataFindings(of scope: LineageScope, chain: SupplyChainLedger) throws -> [PrimaryDataFinding] {
        var lots: [String] = []
        for cell in scope.subject.cells where !lots.contains(cell.lot) { lots.append(cell.lot) }
        return try chain.read { reader, txn, _ in
            var engine = try CarbonEngine(reader: reader, size: scope.size, txn)
            var findings: [PrimaryDataFinding] = []
            for lot in lots { findings += try engine.primaryDataFindings(ofCellLot: lot, txn) }
            return findings
        }
    }

    /// The Article 7 declaration of the subject's model at the plant that made its cells, over
    /// `period`, as of the scope's size; the subject's cells must be among those it counts.
    static func declaration(
        of scope: LineageScope,
        model: String,
        period: ClosedRange<Timestamp>,
        chain: SupplyChainLedger
    ) throws -> Declaration {
        let lots = Set(scope.subject.cells.map(\.lot))
        var plants: Set<String> = []
        for lot in lots { if let made = try chain.lot(lot) { plants.insert(made.lot.facility) } }
        guard plants.count == 1, let plant = plants.first else {
            throw ExportError(
                code: .missingData,
                message:
                    "\(scope.subject.id) holds cells of \(plants.count) plants; a declaration is per model and plant (Art. 7)"
            )
        }
        let declaration = try chain.read { reader, txn, _ in
            // A passport carries its cells' model's declaration: a plant that assembles modules and
            // packs declares those, not cells, whether or not it assembled any of the cells' model.
            guard try reader.facility(plant, asOf: scope.size, txn)?.kind != .modulePack else {
                throw ExportError(
                    code: .missingData,
                    message:
                        "\(scope.subject.id)'s cells were made at \(plant), a module-pack plant, whose declarations count modules and packs, not cells: the passport carries its cells' model's declaration at their cell plant"
                )
            }
            var engine = try CarbonEngine(reader: reader, size: scope.size, txn)
            return try Declaration.compute(
                model: model,
                plant: plant,
                from: period.lowerBound,
                to: period.upperBound,
                engine: &engine,
                reader: reader,
                txn
            )
        }
        let counted = Set(declaration.ranges.map(\.range.lot))
        guard lots.isSubset(of: counted) else {
            throw ExportError(
                code: .missingData,
                message:
                    "\(scope.subject.id) was not commissioned within the declaration's period \(ExportEncoding.dateTime(period.lowerBound)) – \(ExportEncoding.dateTime(period.upperBound)) at \(plant): its cells are not among those the declaration counts"
            )
        }
        return declaration
    }

    /// The Annex X materials' origins: by country with shares, flagged share and sources,
    /// certifications; with `identities`, every origin lot with its facility and operator.
    static func origins(_ trace: Trace, identities: Bool, chain: SupplyChainLedger) throws -> JSONValue {
        let operators: [String: String] =
            identities
            ? try chain.read { reader, txn, _ in
                var found: [String: String] = [:]
                for element in trace.elements {
                    // By origin lot: the operator when the lot was made, should the facility have
                    // changed hands since.
                    for origin in element.origins where found[origin.lot] == nil {
                        guard let facility = try reader.facility(origin.facility, asOf: trace.asOfSize, txn) else {
                            continue
                        }
                        let made = try reader.lotNumber(origin.lot, asOf: trace.asOfSize, txn)
                            .flatMap { try reader.lot(number: $0, txn) }?.createdAt
                        found[origin.lot] = made.map { facility.operatorID(at: $0) } ?? facility.operatorID
                    }
                }
                return found
            } : [:]
        var names: [String: String] = [:]
        if identities {
            for id in Set(operators.values) { names[id] = try chain.actor(id)?.name }
        }
        var elements: [JSONValue] = []
        for element in trace.elements where dueDiligenceElements.contains(element.element) {
            var members: [String: JSONValue] = [
                "element": .string(element.element),
                "countries": .array(
                    element.countries.map {
                        .object(["country": .string($0.country), "share": number($0.share, 6)])
                    }
                ),
                "flaggedShare": number(element.flaggedShare, 6),
                "sharesFollowMass": .bool(element.inferredByMass),
                "certifications": .array(
                    Set(element.origins.flatMap(\.certifications)).sorted().map(JSONValue.string)
                ),
            ]
            if let kg = element.kg { members["kg"] = number(kg) }
            var flagged: [String: (share: Double, flags: Set<String>)] = [:]
            for origin in element.origins where !origin.riskFlags.isEmpty {
                let country = origin.country ?? "unknown"
                flagged[country, default: (0, [])].share += origin.share
                flagged[country, default: (0, [])].flags.formUnion(origin.riskFlags)
            }
            members["flaggedSources"] = .array(
                flagged.sorted { $0.key < $1.key }.map {
                    .object([
                        "country": .string($0.key), "share": number($0.value.share, 6),
                        "flags": .array($0.value.flags.sorted().map(JSONValue.string)),
                    ])
                }
            )
            if identities {
                members["origins"] = .array(
                    element.origins.map { origin in
                        var entry: [String: JSONValue] = [
                            "lot": .string(origin.lot), "facility": .string(origin.facility),
                            "country": .string(origin.country ?? "unknown"), "share": number(origin.share, 6),
                            "riskFlags": .array(origin.riskFlags.map(JSONValue.string)),
                            "certifications": .array(origin.certifications.map(JSONValue.string)),
                        ]
                        if let name = origin.facilityName { entry["facilityName"] = .string(name) }
                        if let material = origin.material { entry["material"] = .string(material) }
                        if let kg = origin.kg { entry["kg"] = number(kg) }
                        if let operatorID = operators[origin.lot] {
                            entry["operator"] = .string(operatorID)
                            if let name = names[operatorID] { entry["operatorName"] = .string(name) }
                        }
                        return .object(entry)
                    }
                )
            }
            elements.append(.object(members))
        }
        return .array(elements)
    }

    /// A JSON number rounded to `digits` significant digits, without binary noise.
    static func number(_ value: Double, _ digits: Int = 12) -> JSONValue {
        .number(Double(ExportEncoding.decimal(value, significantDigits: digits)) ?? 0)
    }

    /// Whether `text` reads as a performance class: 1 to 8 ASCII letters, digits, `+` or `-`.
    ///
    /// `A` and `B+` read as one; an empty value, a sentence or a value with spaces is not published.
    static func isPerformanceClass(_ text: String) -> Bool {
        (1...8).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0)
                    || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
            }
    }

    /// Whether `text` is an absolute URL: a scheme, `://` and something after it, on one line and
    /// without blanks (a link to a study or report, as the passport and the declaration print it).
    public static func isURL(_ text: String) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let scheme = parts.first, !scheme.isEmpty, parts[1].hasPrefix("//"),
            parts[1].count > 2
        else { return false }
        return scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
            && !text.unicodeScalars.contains {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control
            }
    }
}
