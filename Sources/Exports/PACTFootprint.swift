public import Carbon
public import LedgerCore
import LedgerCrypto
public import Provenance
public import SupplyChain

/// A WBCSD PACT product footprint of a cell, module, pack, lot or Article 7 declaration.
///
/// These are the figures of the carbon engine, in the terms PACT exchanges them.
///
/// The figures are version-independent; ``json(_:)`` writes them as a PACT v3 (3.0.3) or v2
/// (2.3.3) `ProductFootprint`. What each field holds, and why, is in
/// `Docs/EXPORTS.md §5–6`.
///
/// ```swift
/// let scope = try LineageScope.collect("urn:epc:id:sgtin:4012345.011111.1", chain: chain)
/// let footprint = try PACTFootprint.make(scope: scope, chain: chain)
/// let bytes = ExportEncoding.pretty(footprint.json(.v3))
/// ```
public struct PACTFootprint: Sendable {
    /// The PACT Technical Specifications version written.
    public enum Version: String, Sendable, CaseIterable {
        /// PACT Tech Specs 3.0.3: decimals as JSON strings, `piece` as a declared unit.
        case v3 = "3.0.3"
        /// PACT Tech Specs 2.3.3: some numbers as JSON numbers, no `piece`.
        case v2 = "2.3.3"

        /// The `specVersion` the footprint states.
        public var specVersion: String { rawValue }
    }

    /// What one product is.
    public enum Product: String, Sendable {
        /// A countable item: a cell, module or pack, or the average cell of a declaration.
        case piece
        /// A bulk material, counted per kilogram: a lot.
        case bulk
    }

    /// Data quality ratings on PACT v2's 1 (best) to 3 scale, weighted by the market-based
    /// emissions of the contributions they rate; v3's document stretches them to its 1 to 5.
    public struct DataQuality: Sendable, Hashable {
        /// Technological representativeness.
        public var technological: Double
        /// Geographical representativeness.
        public var geographical: Double
        /// Temporal representativeness.
        public var temporal: Double
        /// Completeness (PACT v2 only).
        public var completeness: Double
        /// Reliability (PACT v2 only).
        public var reliability: Double
    }

    /// A source of emission factors: the publication and the table version that recorded it.
    public struct FactorSource: Sendable, Hashable {
        /// Where the factors were published.
        public var name: String
        /// The factor table and version, and the year of the figures.
        public var version: String
    }

    /// The electricity method behind PACT's totals: market-based.
    ///
    /// The GHG Protocol Product Standard and Scope 2 Guidance, which the PACT Methodology builds
    /// on, account purchased electricity market-based. The other two methods travel in the
    /// extension.
    public static let electricityMethod = ElectricityMethod.marketBased

    /// The subject: a serial, module or pack id, a lot, or `MODEL@PLANT FROM/TO` for a declaration.
    public var subject: String
    /// `cell`, `assembly`, `lot` or `declaration`.
    public var subjectKind: String
    /// Piece or bulk.
    public var product: Product
    /// The product's identifiers, as URNs: the serial, module, pack or lot id; for a cell also its
    /// cell lot (the batch); for a declaration the battery model.
    public var productIDs: [String]
    /// The product's trade name.
    public var productName: String
    /// What the product is, in words.
    public var productDescription: String
    /// The data owner: the operator of the facility that made the product.
    public var companyName: String
    /// The data owner's identifiers, as URNs.
    public var companyIDs: [String]
    /// The mass of one product in kilograms: one piece, or 1 for bulk.
    public var unitMassKg: Double
    /// kg CO2e of one product (one piece, or one kilogram), by method and stage.
    public var perUnit: Emissions
    /// The earliest activity data, at the start of its UTC day.
    public var periodStart: Timestamp
    /// The day after the latest activity data, at 00:00 UTC (exclusive).
    public var periodEnd: Timestamp
    /// The country (ISO 3166-1 alpha-2) of the facility that made the product.
    public var country: String?
    /// The share resting on primary data, by method.
    public var primaryShare: [ElectricityMethod: Double]
    /// Data quality ratings.
    public var quality: DataQuality
    /// Every source of the emission factors used.
    public var factorSources: [FactorSource]
    /// The processes in the boundary, by life-cycle stage.
    public var boundary: String
    /// kg CO2e per kWh of usable energy, for pieces with an energy.
    public var perUsableKWh: Emissions?
    /// kg CO2e per kWh delivered over the service life, when a battery model gives it.
    public var perLifetimeKWh: Emissions?
    /// The battery model.
    public var model: String?
    /// The ledger state the figures are computed at.
    public var checkpoint: ExportCheckpoint
    /// Product classifications (URNs) for v3; none unless given.
    public var classifications: [String] = []
    /// The UN CPC code PACT v2 requires.
    public var cpc: String?
    /// What the figures leave out (`exemptedEmissionsDescription`).
    public var exemptions = PACTFootprint.noExemptions
    /// The ids of the footprints of the same subject this one supersedes (`precedingPfIds`):
    /// those sent earlier whose figures differ.
    public var precedingIDs: [String] = []
    /// The share whose data verifiers attested, by method (`Footprint.verifiedShare(_:level:)`).
    public var verifiedShare: [ElectricityMethod: Double] = [:]
    /// The verification, when attestations cover every contribution of the totals' method.
    public var verification: Verification?
    /// The entries of the attestations the verified share rests on, whatever it covers.
    public var attestationsRelied: [UInt64] = []

    /// Who verified a footprint whose data attestations cover whole, and how.
    public struct Verification: Sendable, Hashable {
        /// The verifiers' names (their registered names), in the order of their first attestation.
        public var providers: [String]
        /// The standards they followed, each once.
        public var standards: [String]
        /// `reasonable` when every contribution is covered at reasonable assurance.
        public var level: AssuranceLevel
        /// The latest completion day among the attestations relied on (YYYY-MM-DD).
        public var completedOn: String
        /// The attestations' entries.
        public var attestations: [UInt64]
    }
}

extension PACTFootprint {
    /// The footprint of a scope's subject (a cell, module, pack or lot).
    ///
    /// - Parameters:
    ///   - scope: The subject's scope.
    ///   - chain: The ledger.
    /// - Returns: The footprint's figures.
    /// - Throws: `LedgerError` when the ledger cannot be read.
    public static func make(scope: LineageScope, chain: SupplyChainLedger) throws -> PACTFootprint {
        let footprint = scope.footprint
        let subject = scope.subject
        let (facility, eventTimes) = try chain.read { reader, txn, _ -> (Facility?, [Int64]) in
            var facilityID: String?
            switch subject.kind {
            case .cell, .lot:
                facilityID = try subject.roots.first
                    .flatMap { try reader.lotNumber($0.lot, asOf: scope.size, txn) }
                    .flatMap { try reader.card(number: $0, txn) }?.facility
            case .assembly:
                facilityID = try reader.assembly(subject.id, txn).flatMap {
                    try Self.assemblyFacility($0, asOf: scope.size, ledger: chain.ledger)
                }
            }
            var events = Set(footprint.contributions.compactMap(\.eventID))
            var pending = scope.trace.tree
            while let node = pending.popLast() {
                events.insert(node.event)
                pending += node.inputs
            }
            for share in subject.cells { events.formUnion(share.commissioningEvents) }
            if subject.kind == .assembly, let assembly = try reader.assembly(subject.id, txn) {
                for step in assembly.history where step.sequenceNumber < scope.size { events.insert(step.eventID) }
            }
            let times = try events.compactMap { id in
                try reader.event(id, txn).flatMap { EventTimeText.utcMilliseconds($0.eventTime) }
            }
            return (try facilityID.flatMap { try reader.facility($0, asOf: scope.size, txn) }, times)
        }
        let owner = try facility.flatMap { try chain.actor($0.operatorID) }
        let piece = subject.kind != .lot
        let mass = subject.massKg
        let model = footprint.model
        var name: String
        var description: String
        switch subject.kind {
        case .cell:
            name = Self.cellName(model?.name ?? model?.id ?? subject.cells.first?.model ?? "lithium-ion")
            description = "One lithium-ion cell (serial \(subject.id))"
        case .assembly:
            name = "battery module or pack \(subject.id)"
            description =
                "One battery module or pack (\(subject.id)) of \(subject.cellCount) cells; its mass is its cells' (the ledger records no other component)"
        case .lot:
            let card = scope.trace.tree.first
            name = [card?.material, card?.grade].compactMap { $0 }.joined(separator: " ")
            if name.isEmpty { name = "lot \(subject.id)" }
            // Not the lot's mass: a quantity, which the public profile withholds, and a PACT
            // footprint is the same in every profile.
            description = "\(name), lot \(subject.id), per kilogram"
        }
        if let chemistry = model?.chemistry { description += ", chemistry \(chemistry)" }
        if let model { description += ", battery model \(model.id)" }
        if let facility { description += "; made at \(facility.name ?? facility.id) (\(facility.country))" }
        description += "; computed from ledger \(chain.ledger.origin) as of size \(scope.size)"
        let perUnit = piece ? footprint.total : footprint.total.scaled(by: mass > 0 ? 1 / mass : 0)
        var primary: [ElectricityMethod: Double] = [:]
        for method in ElectricityMethod.allCases { primary[method] = footprint.primaryShare(method) }
        let period = referencePeriod(eventTimes)
        let evidence = FootprintEvidence([(footprint, 1)])
        var made = PACTFootprint(
            subject: subject.id,
            subjectKind: subject.kind.rawValue,
            product: piece ? .piece : .bulk,
            productIDs: [urn(subject.id, kind: subject.kind == .lot ? "lot" : "serial")]
                + (subject.kind == .cell ? subject.cells.map { urn($0.lot, kind: "lot") } : []),
            productName: name,
            productDescription: description,
            companyName: owner?.name ?? facility?.operatorID ?? "unknown",
            companyIDs: companyIDs(owner, fallback: facility?.operatorID),
            unitMassKg: piece ? mass : 1,
            perUnit: perUnit,
            periodStart: period.start,
            periodEnd: period.end,
            country: facility?.country,
            primaryShare: primary,
            quality: evidence.quality,
            factorSources: evidence.sources,
            boundary: evidence.boundary,
            perUsableKWh: piece && footprint.usableKWh > 0 ? footprint.total.scaled(by: 1 / footprint.usableKWh) : nil,
            perLifetimeKWh: piece
                ? footprint.lifetimeKWh.flatMap { $0 > 0 ? footprint.total.scaled(by: 1 / $0) : nil } : nil,
            model: model?.id ?? subject.cells.first?.model,
            checkpoint: try ExportCheckpoint.at(scope.size, of: chain),
            cpc: piece ? Self.accumulatorCPC : nil,
            exemptions: subject.kind == .assembly
                ? Self.assemblyExemptions : Self.noExemptions
        )
        let verification = footprint.verification()
        try made.attest(
            share: verification.limited,
            reasonable: verification.reasonable,
            relied: verification.relied,
            chain: chain
        )
        return made
    }

    /// Sets the verified share and the attestations it rests on, as the footprint or declaration
    /// computed them, and, when attestations cover all of the totals' method, the verification.
    ///
    /// - Parameters:
    ///   - share: The verified share by method, at limited assurance or better.
    ///   - reasonable: The same at reasonable assurance.
    ///   - relied: The attestations relied on, oldest first.
    ///   - chain: The ledger, for the verifiers' registered names.
    /// - Throws: `LedgerError` when a verifier's actor row cannot be read.
    mutating func attest(
        share: [ElectricityMethod: Double],
        reasonable: [ElectricityMethod: Double],
        relied: [Attestation],
        chain: SupplyChainLedger
    ) throws {
        verifiedShare = share
        attestationsRelied = relied.compactMap(\.sequenceNumber)
        guard verifiedShare[Self.electricityMethod] == 1, let latest = relied.map(\.completedOn).max() else { return }
        var providers: [String] = []
        for verifier in relied.map(\.verifier) where !providers.contains(verifier) { providers.append(verifier) }
        var standards: [String] = []
        for standard in relied.map(\.standard) where !standards.contains(standard) { standards.append(standard) }
        verification = Verification(
            providers: try providers.map { try chain.actor($0)?.name ?? $0 },
            standards: standards,
            level: reasonable[Self.electricityMethod] == 1 ? .reasonable : .limited,
            completedOn: latest,
            attestations: attestationsRelied
        )
    }

    /// What a module's or pack's figures leave out.
    ///
    /// The ledger knows its cells and its assembly steps, not the rest of its bill of materials.
    /// How much that is cannot be told from the ledger, so `exemptedEmissionsPercent` stays the
    /// share of recorded inputs left out (none).
    static let assemblyExemptions =
        "components other than the cells (housing, battery management system, electronics, wiring, thermal management) are not recorded in the ledger and not counted; exemptedEmissionsPercent counts recorded inputs only"

    /// The footprint of the average cell of an Article 7 declaration.
    ///
    /// The cells are those of battery model `model` made at `plant` and commissioned from `from`
    /// to `to` (inclusive).
    ///
    /// - Parameters:
    ///   - model: The battery model.
    ///   - plant: The facility that made the cell lots.
    ///   - from: The period's start.
    ///   - to: The period's last instant (inclusive).
    ///   - chain: The ledger.
    ///   - pointInTime: The ledger size or time to describe; the whole ledger by default.
    /// - Returns: The footprint's figures.
    /// - Throws: `CarbonError` when the declaration cannot be computed.
    public static func declaration(
        model: String,
        plant: String,
        from: Timestamp,
        to: Timestamp,
        chain: SupplyChainLedger,
        asOf pointInTime: PointInTime? = nil
    ) throws -> PACTFootprint {
        let declaration = try chain.read { reader, txn, now -> Declaration in
            let size = try pointInTime?.size(in: chain.ledger, now: now) ?? now
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            // Each range's footprint, computed once, for the evidence and the verified share.
            return try Declaration.compute(
                model: model,
                plant: plant,
                from: from,
                to: to,
                engine: &engine,
                reader: reader,
                keepingFootprints: true,
                txn
            )
        }
        // The counted items: a range's cells, or a module or pack, each with its footprint and weight.
        var footprints: [(Footprint, Double)] = []
        let owner = try chain.actor(declaration.plant.operatorID)
        var pieces = 0.0
        var mass = 0.0
        var total = Emissions.zero
        for range in declaration.ranges {
            guard let footprint = range.footprint else {
                throw ExportError.defect(
                    "the declaration kept no footprint for serial range \(range.range.prefix)\(range.range.first)"
                )
            }
            footprints.append((footprint, Double(range.range.count)))
            let count = Double(range.range.count)
            pieces += count
            mass += range.range.cellMassKg.doubleValue * count
            total += range.perCell.scaled(by: count)
        }
        // A piece is one module or one pack: an average over both would describe neither.
        let kinds = Set(declaration.units.map(\.kind))
        guard kinds.count <= 1 else {
            throw ExportError(
                code: .unsupportedSubject,
                message:
                    "the declaration of \(declaration.model.id) at \(declaration.plant.id) counts both modules and packs: a PACT footprint per piece would average a module with a pack; give the figure per kWh from `celltrace declaration`, or record modules and packs under models of their own"
            )
        }
        for unit in declaration.units {
            guard let footprint = unit.footprint else {
                throw ExportError.defect("the declaration kept no footprint for \(unit.kind.rawValue) \(unit.id)")
            }
            footprints.append((footprint, 1))
            pieces += 1
            mass += unit.massKg
            total += unit.kgCO2e
        }
        let evidence = FootprintEvidence(footprints)
        let plantName = declaration.plant.name ?? declaration.plant.id
        var name = Self.cellName(declaration.model.name ?? declaration.model.id)
        var description =
            "The average lithium-ion cell of battery model \(declaration.model.id) made at \(plantName) (\(declaration.plant.country)) and commissioned \(ExportEncoding.dateTime(from)) to \(ExportEncoding.dateTime(to)): \(declaration.cellCount) cells in \(declaration.ranges.count) serial ranges"
        if declaration.scope == .units {
            // A piece is a module or pack: its mass is its cells' (the ledger records no other component).
            name = "battery module or pack \(declaration.model.name ?? declaration.model.id)"
            description =
                "The average battery module or pack of battery model \(declaration.model.id) first assembled at \(plantName) (\(declaration.plant.country)) \(ExportEncoding.dateTime(from)) to \(ExportEncoding.dateTime(to)): \(declaration.units.count) units holding \(declaration.cellCount) cells; its mass is its cells' (the ledger records no other component)"
        }
        if let chemistry = declaration.model.chemistry { description += ", chemistry \(chemistry)" }
        description += "; computed from ledger \(chain.ledger.origin) as of size \(declaration.asOfSize)"
        var made = PACTFootprint(
            subject: DeclarationSubject(model: model, plant: plant, from: from, to: to).text,
            subjectKind: "declaration",
            product: .piece,
            productIDs: [urn(model, kind: "battery-model")],
            productName: name,
            productDescription: description,
            companyName: owner?.name ?? declaration.plant.operatorID,
            companyIDs: companyIDs(owner, fallback: declaration.plant.operatorID),
            unitMassKg: pieces > 0 ? mass / pieces : 0,
            perUnit: total.scaled(by: pieces > 0 ? 1 / pieces : 0),
            periodStart: from,
            periodEnd: Timestamp(millisecondsSinceEpoch: to.millisecondsSinceEpoch + 1),
            country: declaration.plant.country,
            primaryShare: declaration.primaryShare,
            quality: evidence.quality,
            factorSources: evidence.sources,
            boundary: evidence.boundary,
            perUsableKWh: declaration.perUsableKWh,
            perLifetimeKWh: declaration.perLifetimeKWh,
            model: declaration.model.id,
            checkpoint: try ExportCheckpoint.at(declaration.asOfSize, of: chain),
            cpc: Self.accumulatorCPC,
            // A module or pack is its cells and assembly steps: what else it holds is not counted,
            // as a single module's or pack's footprint says.
            exemptions: declaration.scope == .units ? Self.assemblyExemptions : Self.noExemptions
        )
        // The declaration weighs its ranges' shares as its figure weighs them (per lifetime kWh),
        // each range's coverage found once there.
        try made.attest(
            share: declaration.verifiedShare,
            reasonable: declaration.verifiedShareReasonable,
            relied: declaration.attestationsRelied,
            chain: chain
        )
        return made
    }

    /// The default `productCategoryCpc` of cells, modules and packs in PACT v2.
    ///
    /// UN CPC version 2.1 subclass 46420, electric accumulators.
    public static let accumulatorCPC = "46420"

    /// The footprint's id: a UUID (version 8, RFC 9562) made of the SHA-256 of the ledger origin,
    /// the subject, the ledger size and the spec version, so that exporting the same subject at the
    /// same size again gives the same id, and any later size a new one.
    ///
    /// - Parameter version: The PACT version written.
    /// - Returns: The UUID in its lower-case text form.
    public func id(_ version: Version) -> String {
        switch version {
        case .v3: id(version, pcf: v3PCF)
        case .v2: id(version, pcf: v2PCF)
        }
    }

    /// ``id(_:)`` of the document whose `pcf` is `pcf`, which the document has built already.
    func id(_ version: Version, pcf: [String: JSONValue]) -> String {
        // The figures, not the ledger size: an export of unchanged figures keeps its id, and a
        // change to any of them makes a new one (PACT's lifecycle).
        let figures = SHA256.hash(JSONValue.object(pcf).canonicalBytes).hex
        let name = "celltrace.pact\n\(checkpoint.origin)\n\(subject)\n\(version.specVersion)\n\(figures)"
        var bytes = Array(SHA256.hash(Array(name.utf8)).bytes.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = HexCoding.encode(bytes)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(
                hex[
                    hex.index(
                        hex.startIndex,
                        offsetBy: range.lowerBound
                    )..<hex.index(hex.startIndex, offsetBy: range.upperBound)
                ]
            )
        }
        return parts.joined(separator: "-")
    }

    /// The facility of a module's or pack's last assembly that stands as of `size`: recorded before
    /// it and not retracted by then (the index keeps only the latest assembly's, whenever it was),
    /// read from the event's `bizLocation`.
    static func assemblyFacility(_ assembly: Assembly, asOf size: UInt64, ledger: Ledger) throws -> String? {
        for step in assembly.history.reversed()
        where step.sequenceNumber < size && !step.added.isEmpty && !(step.retractedAt.map { $0 < size } ?? false) {
            return try ledger.entry(at: step.sequenceNumber).body["bizLocation"]?["id"]?.stringValue
        }
        return nil
    }

    /// A cell's trade name: the model's name, with "cell" added when the name does not say it.
    static func cellName(_ model: String) -> String {
        model.lowercased().contains("cell") ? model : model + " cell"
    }

    /// `id` itself when it is a URN already, else `urn:celltrace:KIND:id`.
    static func urn(_ id: String, kind: String) -> String {
        id.lowercased().hasPrefix("urn:") ? id : "urn:celltrace:\(kind):\(id)"
    }

    /// An actor's party URNs, or `urn:celltrace:actor:ID` when it has none.
    static func companyIDs(_ actor: Actor?, fallback: String?) -> [String] {
        let parties = actor?.parties.filter { $0.lowercased().hasPrefix("urn:") } ?? []
        if !parties.isEmpty { return Array(Set(parties)).sorted() }
        return [urn(actor?.id ?? fallback ?? "unknown", kind: "actor")]
    }

    /// From the start of the UTC day of the earliest time to the start of the day after the
    /// latest; the day of `0` when there are none.
    static func referencePeriod(_ times: [Int64]) -> (start: Timestamp, end: Timestamp) {
        let day: Int64 = 86_400_000
        func floor(_ value: Int64) -> Int64 { value >= 0 ? value / day * day : (value - day + 1) / day * day }
        let first = times.min() ?? 0
        let last = times.max() ?? 0
        return (Timestamp(millisecondsSinceEpoch: floor(first)), Timestamp(millisecondsSinceEpoch: floor(last) + day))
    }
}
