public import LedgerCore
public import LedgerStorage
import Provenance
public import SupplyChain

/// The Article 7 view: one result per battery model and manufacturing plant over a period.
///
/// The result is per functional unit over the serials commissioned in the period: their kg CO2e
/// over the kWh they provide, so that each cell weighs as much as the energy it is declared for.
public struct Declaration: Sendable {
    /// One range of cells in the declaration.
    public struct Range: Sendable {
        /// The serial range.
        public var range: SerialRange
        /// When the cells were commissioned.
        public var eventTime: String
        /// The kg CO2e of one cell, by method and stage, without its shipments by id.
        public var perCell: Emissions
        /// The footprint of the range's first cell, with its working: kept when the declaration
        /// was asked for it (`keepingFootprints`) or needed it for the verified share, else `nil`.
        public var footprint: Footprint?
        /// The share of the range's cell footprint whose data verifiers attested, by method
        /// (``Footprint/verifiedShares(level:)``); `nil` when no attestation is recorded.
        public var verifiedShare: [ElectricityMethod: Double]?
        /// The kg CO2e of the shipments by id of the range's cells, all together, by method and
        /// stage (distribution, unless a shipment states another): each cell's share of each
        /// shipment that named it in its `epcList`, as its footprint counts it.
        public var shipments: Emissions = .zero
    }

    /// What a declaration counts: cells, or modules and packs.
    public enum Scope: String, Sendable {
        /// The cells of the model commissioned from cell lots made at a cell plant (``ranges``).
        case cells
        /// The modules and packs of the model first assembled at a module-pack plant (``units``).
        case units
    }

    /// One module or pack in a declaration of a module or pack model.
    public struct Unit: Sendable {
        /// What the ledger can tell of a unit: a pack holds modules, a module holds cells only.
        public enum Kind: String, Sendable {
            case module, pack
        }

        /// The module's or pack's id (`parentID`).
        public var id: String
        /// Whether it holds modules (a pack) or cells only (a module), as of the size.
        public var kind: Kind
        /// Its first assembly that stands: the earliest by event time, at the plant.
        public var firstAssembly: Assembly.Step
        /// That assembly's event time.
        public var eventTime: String
        /// The cells it holds, at any depth.
        public var cells: UInt64
        /// Their nominal energy, kWh.
        public var nominalKWh: Double
        /// Its usable energy (nominal × the model's usable share), kWh.
        public var usableKWh: Double
        /// The energy it delivers over its service life, kWh: the functional unit's.
        public var lifetimeKWh: Double
        /// Its mass, kg: its cells' (the ledger records no other component).
        public var massKg: Double
        /// Its kg CO2e, by method and stage: what `footprint` gives for it (its cells' share of
        /// their cell lots, its and its modules' assembly steps, the shipments by id of it and of
        /// every unit in it).
        public var kgCO2e: Emissions
        /// Its footprint with the working, when the declaration kept it (as ``Range/footprint``).
        public var footprint: Footprint?
        /// The share of its footprint whose data verifiers attested, by method; `nil` when no
        /// attestation is recorded.
        public var verifiedShare: [ElectricityMethod: Double]?
    }

    /// What the declaration counts: ``ranges`` of cells, or ``units``.
    public var scope: Scope = .cells
    /// The battery model.
    public var model: BatteryModel
    /// The plant: the facility that made the cell lots, or that first assembled the modules and
    /// packs.
    public var plant: Facility
    /// The manufacturers: the actors that made the counted cell lots at the plant (its operators
    /// when they were made), in the order their lots are first counted; one unless the plant
    /// changed hands within the period.
    public var manufacturers: [Actor] = []
    /// The identification number of the EU declaration of conformity, Article 7(1)(f), which
    /// the ledger does not hold: given by whoever draws the declaration up.
    public var conformityDeclaration: String?
    /// A web link to the public version of the study behind the figures, Article 7(1)(g), given
    /// as the conformity declaration is.
    public var study: String?
    /// The period's bounds (inclusive), as given.
    public var from: Timestamp
    /// The end of the period.
    public var to: Timestamp
    /// The ledger size it is computed for.
    public var asOfSize: UInt64
    /// The ranges counted (empty when the declaration counts ``units``).
    public var ranges: [Range]
    /// The modules and packs counted, by the time of their first assembly (empty when the
    /// declaration counts cells).
    public var units: [Unit] = []
    /// kg CO2e per kWh of lifetime energy over the serials (their total over their lifetime kWh),
    /// by method and stage.
    public var perLifetimeKWh: Emissions
    /// kg CO2e per kWh of usable energy over the serials (their total over their usable kWh).
    public var perUsableKWh: Emissions
    /// The share resting on primary data, by method.
    public var primaryShare: [ElectricityMethod: Double]
    /// The share of the per-lifetime-kWh figure whose data verifiers attested, by method.
    ///
    /// Each range's cell footprint's verified share (``Footprint/verifiedShare(_:level:)``),
    /// weighted as the figure weighs the range; zero when no attestation is recorded.
    public var verifiedShare: [ElectricityMethod: Double] = [:]
    /// The same at reasonable assurance: the share whose data attestations cover at that level.
    public var verifiedShareReasonable: [ElectricityMethod: Double] = [:]
    /// The attestations some range's footprint relies on, oldest first.
    public var attestationsRelied: [Attestation] = []
    /// The energy the counted cells provide over their service life, kWh: the functional unit's
    /// total the figure is per.
    public var lifetimeKWh: Double = 0
    /// The counted cells' usable energy, kWh.
    public var usableKWh: Double = 0
    /// The primary-data requirements the counted cell lots do not meet, by cell lot in the order
    /// counted (``CarbonEngine/primaryDataFindings(ofCellLot:primaryPerKg:_:)``); empty when
    /// every one is met.
    public var findings: [PrimaryDataFinding] = []
    /// The fallbacks the rules chose in the footprints averaged, once each, with the entries they
    /// applied to (``CarbonEngine/fallbackNotes(ofLots:units:_:)``): in the counted cell lots'
    /// lineage and in the counted cells' shipments by id.
    public var notes: [Note] = []

    /// A fallback a rule chose, with the entries of the events it applied to.
    public struct Note: Sendable, Hashable {
        /// The rule and what stood in.
        public var note: CarbonNote
        /// The entries of the events it applied to, ascending.
        public var entries: [UInt64]
    }

    /// The figure's electricity method: the draft delegated act's rule, which the battery passport
    /// states (national consumption mix; only directly connected supply at its own factor).
    ///
    /// The other methods are computed beside it for comparison while the rules are not final; the
    /// market-based one counts PPAs and certificates, which the draft does not recognise.
    public static let declaredMethod = ElectricityMethod.euDraft

    /// The verified shares of a declaration's counted items at both levels, each item weighed
    /// as the figure weighs it, and the attestations they rely on.
    ///
    /// An item's share is its footprint's (``Footprint/verification()``), applied to the kg CO2e
    /// that footprint stands for; what it adds beside (a range's shipments by id) counts as not
    /// verified. A method is whole when every item is, as a weighted sum could miss 1 by a rounding.
    ///
    /// - Parameter items: Each item's footprint with the working (`nil` when none was kept), the
    ///   kg CO2e it stands for, and the kg CO2e counted beside it.
    /// - Returns: Each item's share at limited assurance (`nil` without a footprint), the shares
    ///   weighed at limited and at reasonable assurance, and the attestations relied on, oldest first.
    static func verifiedShares(
        _ items: [(footprint: Footprint?, weighed: (ElectricityMethod) -> Double, beside: Emissions)]
    ) -> (
        each: [[ElectricityMethod: Double]?],
        limited: [ElectricityMethod: Double],
        reasonable: [ElectricityMethod: Double],
        relied: [Attestation]
    ) {
        var each: [[ElectricityMethod: Double]?] = []
        var reasonable: [[ElectricityMethod: Double]] = []
        var seen: Set<UInt64> = []
        var relied: [Attestation] = []
        for item in items {
            guard let verification = item.footprint?.verification() else {
                each.append(nil)
                reasonable.append([:])
                continue
            }
            each.append(verification.limited)
            reasonable.append(verification.reasonable)
            for attestation in verification.relied {
                if let entry = attestation.sequenceNumber, seen.insert(entry).inserted { relied.append(attestation) }
            }
        }
        func weigh(_ shares: [[ElectricityMethod: Double]]) -> [ElectricityMethod: Double] {
            var weighed: [ElectricityMethod: Double] = [:]
            for method in ElectricityMethod.allCases {
                var all = 0.0
                var covered = 0.0
                var whole = true
                for (item, share) in zip(items, shares) {
                    let value = item.weighed(method)
                    let beside = item.beside.total(method)
                    let part = share[method] ?? 0
                    all += value + beside
                    covered += value * part
                    if part != 1 || beside != 0 { whole = false }
                }
                weighed[method] = whole ? 1 : all > 0 ? min(1, covered / all) : 0
            }
            return weighed
        }
        relied.sort { ($0.sequenceNumber ?? 0) < ($1.sequenceNumber ?? 0) }
        return (each, weigh(each.map { $0 ?? [:] }), weigh(reasonable), relied)
    }

    /// What each method's figure is for, in words: the declared one and why the others are not.
    ///
    /// - Parameter method: The electricity method.
    /// - Returns: Whether the draft rules accept the figure as the Art. 7 one, and why.
    public static func role(of method: ElectricityMethod) -> (declarable: Bool, reason: String) {
        switch method {
        case .euDraft:
            (
                true,
                "the figure to declare (Art. 7): the draft delegated act's rule, the national consumption mix with only directly connected supply at its own factor, which the battery passport states"
            )
        case .marketBased:
            (
                false,
                "not declarable under the draft rules: it counts PPAs and certificates, which the draft delegated act does not recognise"
            )
        case .locationBased:
            (
                false,
                "for comparison: the grid factors of each place (region, subdivision, country), not the national consumption mix the draft delegated act sets"
            )
        }
    }

    /// The stages that read 0 kg CO2e under every method: nothing of them is recorded (or, for end
    /// of life, modelled), so 0 there is not a measured value.
    public var unrecordedStages: [LifeCycleStage] {
        LifeCycleStage.allCases.filter { stage in
            ElectricityMethod.allCases.allSatisfy { perLifetimeKWh[$0, stage] == 0 }
        }
    }

    /// The number of cells counted: the ranges', or those in the units.
    public var cellCount: UInt64 { ranges.reduce(0) { $0 + $1.range.count } + units.reduce(0) { $0 + $1.cells } }

    /// Computes the declaration.
    ///
    /// At a cell plant it counts the cells of the model commissioned from cell lots made there in
    /// the period (``Scope/cells``); at a module-pack plant, the modules and packs of the model
    /// first assembled there in the period (``Scope/units``, ``units(model:plant:from:to:engine:reader:keepingFootprints:_:)``).
    ///
    /// - Parameters:
    ///   - modelID: The battery model.
    ///   - plantID: The facility that made the cell lots, or first assembled the modules and packs.
    ///   - from: The period's start.
    ///   - to: The period's last instant (inclusive).
    ///   - engine: The carbon engine at the ledger size to describe.
    ///   - reader: The lineage reader.
    ///   - keepingFootprints: Whether each range keeps its first cell's footprint
    ///     (``Range/footprint``), for an export that shows the evidence the figures rest on. A
    ///     declaration computes them anyway once a verifier has attested anything, for the
    ///     verified share, and keeps them then too.
    ///   - txn: The read transaction.
    /// - Returns: The declaration.
    /// - Throws: ``CarbonError`` when the model or plant is unknown, the period is reversed or no
    ///   cells were commissioned (or modules and packs first assembled) in it; what reading the
    ///   ledger throws.
    public static func compute(
        model modelID: String,
        plant plantID: String,
        from: Timestamp,
        to: Timestamp,
        engine: inout CarbonEngine,
        reader: LineageReader,
        keepingFootprints: Bool = false,
        _ txn: borrowing ReadTransaction
    ) throws -> Declaration {
        guard let model = try reader.batteryModel(modelID, asOf: engine.size, txn) else {
            throw CarbonError("no battery model \(modelID) is registered; add it with `celltrace model add`")
        }
        guard let plant = try reader.facility(plantID, asOf: engine.size, txn) else {
            throw CarbonError("no facility \(plantID) is registered")
        }
        guard from <= to else { throw CarbonError("the period starts (--from) after it ends (--to)") }
        if plant.kind == .modulePack {
            return try units(
                model: model,
                plant: plant,
                from: from,
                to: to,
                engine: &engine,
                reader: reader,
                keepingFootprints: keepingFootprints,
                txn
            )
        }
        var ranges: [Range] = []
        var primary = Emissions.zero
        var total = Emissions.zero
        var lifetimeKWh = 0.0
        var usableKWh = 0.0
        // The ranges in the period first, then their lots' footprints per kg as one roll-up, which
        // keeps no receipt and gives the numbers lot by lot footprints give.
        var counted: [(range: SerialRange, eventTime: String)] = []
        // Each commissioning's time read once (``LineageReader/eventTime(_:known:_:)``).
        var eventTimes: [String: String?] = [:]
        // The actor that made each cell lot counted: the plant's operator then, as an event is
        // recorded only at a facility its submitter operates.
        var makerOfLot: [String: String] = [:]
        for range in try reader.allSerialRanges(asOf: engine.size, txn) where range.model == modelID {
            guard let number = try reader.lotNumber(range.lot, asOf: engine.size, txn),
                let lot = try reader.card(number: number, txn), lot.facility == plantID
            else { continue }
            makerOfLot[range.lot] = plant.operatorID(at: lot.createdAt)
            guard let eventTime = try reader.eventTime(range.eventID, known: &eventTimes, txn),
                let at = EventTimeText.utcMilliseconds(eventTime).map(Timestamp.init), from <= at,
                at <= to
            else { continue }
            counted.append((range, eventTime))
        }
        let perKgs = try engine.perKg(ofEach: counted.map(\.range.lot), txn)
        // Each cell lot once, in the order counted: its primary-data findings and lineage notes.
        var cellLots: [String] = []
        var primaryOfLot: [String: Emissions] = [:]
        for ((range, _), (_, primaryPerKg)) in zip(counted, perKgs) where primaryOfLot[range.lot] == nil {
            primaryOfLot[range.lot] = primaryPerKg
            cellLots.append(range.lot)
        }
        // The manufacturers of the cells counted, in the order their lots are first counted.
        var manufacturers: [Actor] = []
        var makers: Set<String> = []
        for lot in cellLots {
            guard let maker = makerOfLot[lot], makers.insert(maker).inserted,
                let actor = try reader.actor(maker, asOf: engine.size, txn)
            else { continue }
            manufacturers.append(actor)
        }
        for ((range, eventTime), (perKg, primaryPerKg)) in zip(counted, perKgs) {
            let cellMass = range.cellMassKg.doubleValue
            let perCell = perKg.scaled(by: cellMass)
            let usable = model.usableKWh(nominal: range.nominalEnergyKWh.doubleValue)
            let lifetime = model.lifetimeKWh(nominal: range.nominalEnergyKWh.doubleValue)
            guard usable > 0, lifetime > 0 else { continue }
            let cells = Double(range.count)
            primary += primaryPerKg.scaled(by: cellMass * cells)
            total += perKg.scaled(by: cellMass * cells)
            lifetimeKWh += lifetime * cells
            usableKWh += usable * cells
            ranges.append(Range(range: range, eventTime: eventTime, perCell: perCell))
        }
        // The cells' own shipments by id, as their footprints count them: a cell shipped in a
        // module or pack is not named by that shipment, and a cell's footprint leaves it out, as
        // it leaves out the assembly.
        var rangeOf: [String: Int] = [:]
        for (index, counted) in ranges.enumerated() {
            rangeOf["\(counted.range.commissionedAt) \(counted.range.prefix) \(counted.range.first)"] = index
        }
        var shippedCells: [String] = []
        for unit in try reader.shippedUnits(txn) {
            guard let range = try reader.serialRange(containing: unit, asOf: engine.size, txn),
                let index = rangeOf["\(range.commissionedAt) \(range.prefix) \(range.first)"]
            else { continue }
            let (shipped, shippedPrimary, _) = try engine.unitShipmentEmissions(of: unit, txn)
            ranges[index].shipments += shipped
            total += shipped
            primary += shippedPrimary
            shippedCells.append(unit)
        }
        guard lifetimeKWh > 0 else {
            // A plant of another kind than a cell plant: say what a declaration counts.
            let kind =
                plant.kind == .cell
                ? ""
                : " (\(plantID) is a \(plant.kind.rawValue) facility: a declaration counts the cells of cell lots "
                    + "made at a cell plant, or the modules and packs first assembled at a module-pack plant)"
            throw CarbonError(
                "no cells of model \(modelID) made at \(plantID) were commissioned between \(from.rfc3339) and \(to.rfc3339)"
                    + kind
            )
        }
        var findings: [PrimaryDataFinding] = []
        // A range without energy is not counted, nor is its lot unless another range counts it.
        let countedLots = Set(ranges.map(\.range.lot))
        cellLots = cellLots.filter(countedLots.contains)
        for lot in cellLots {
            findings += try engine.primaryDataFindings(ofCellLot: lot, primaryPerKg: primaryOfLot[lot], txn)
        }
        // The fallbacks of the cells' shipments by id too: the figure counts them.
        let notes = try engine.fallbackNotes(ofLots: cellLots, units: shippedCells, txn).map {
            Note(note: $0.note, entries: $0.entries)
        }
        var shares: [ElectricityMethod: Double] = [:]
        for method in ElectricityMethod.allCases {
            let all = total.total(method)
            shares[method] = all > 0 ? primary.total(method) / all : 0
        }
        var verified = Dictionary(uniqueKeysWithValues: ElectricityMethod.allCases.map { ($0, 0.0) })
        // A range's share needs its cells' footprint with the working: computed only when a
        // verifier has attested anything or the caller keeps them, so that declarations without
        // cost nothing more.
        let attested = try !reader.attestations(asOfSize: engine.size, txn).isEmpty
        if attested || keepingFootprints {
            for index in ranges.indices {
                let serial = ranges[index].range.prefix + String(ranges[index].range.first)
                ranges[index].footprint = try engine.footprint(
                    of: Subject.resolve(serial, reader: reader, size: engine.size, txn),
                    txn
                )
            }
        }
        var verifiedReasonable = verified
        var relied: [Attestation] = []
        if attested {
            // A range weighs in the figure as its cells' kg CO2e. Their shipments by id count as
            // not verified: the range's share is its first cell's.
            let shares = Self.verifiedShares(
                ranges.map { range in
                    let weight = Double(range.range.count)
                    return (range.footprint, { range.perCell.total($0) * weight }, range.shipments)
                }
            )
            for index in ranges.indices { ranges[index].verifiedShare = shares.each[index] }
            (verified, verifiedReasonable, relied) = (shares.limited, shares.reasonable, shares.relied)
        }
        return Declaration(
            model: model,
            plant: plant,
            manufacturers: manufacturers,
            from: from,
            to: to,
            asOfSize: engine.size,
            ranges: ranges,
            perLifetimeKWh: total.scaled(by: 1 / lifetimeKWh),
            perUsableKWh: total.scaled(by: 1 / usableKWh),
            primaryShare: shares,
            verifiedShare: verified,
            verifiedShareReasonable: verifiedReasonable,
            attestationsRelied: relied,
            lifetimeKWh: lifetimeKWh,
            usableKWh: usableKWh,
            findings: findings,
            notes: notes
        )
    }
}
