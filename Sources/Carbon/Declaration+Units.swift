import LedgerCore
import LedgerStorage
import Provenance
import SupplyChain

extension Declaration {
    /// The declaration of a module or pack model at a module-pack plant: every module or pack of
    /// the model whose first assembly happened at the plant within the period, as of the engine's
    /// size.
    ///
    /// A unit's model is the one the first assembly naming a model gave it (`ct:batteryModel`). Only
    /// the outermost units of the model count: a unit of the model that sits, at any depth, in a
    /// unit of the same model is in that unit's footprint, so the outer one is counted and the
    /// inner one is not, wherever and whenever the outer one was assembled (it is declared once,
    /// with the unit placed on the market).
    ///
    /// Each unit's kg CO2e is its footprint's: its cells' share of their cell lots, whose
    /// footprints per kg come from one roll-up over every cell lot counted (not a lineage walk a
    /// unit), plus the assembly and disassembly steps of it and of the modules in it and the
    /// shipments by id of it and of every unit in it (``CarbonEngine/unitContributions(of:_:)``).
    /// Its lifetime kWh is its cells' nominal energy × the model's usable share × cycles per year
    /// × service years. The figure is their kg CO2e over their lifetime kWh.
    ///
    /// - Parameters:
    ///   - model: The battery model, registered.
    ///   - plant: The module-pack plant.
    ///   - from: The period's start.
    ///   - to: The period's last instant (inclusive).
    ///   - engine: The carbon engine at the ledger size to describe.
    ///   - reader: The lineage reader.
    ///   - keepingFootprints: Whether each unit keeps its footprint with the working.
    ///   - txn: The read transaction.
    /// - Returns: The declaration, ``Scope/units``.
    /// - Throws: ``CarbonError`` when no module or pack of the model was first assembled at the
    ///   plant within the period; what computing a footprint or reading the ledger throws.
    static func units(
        model: BatteryModel,
        plant: Facility,
        from: Timestamp,
        to: Timestamp,
        engine: inout CarbonEngine,
        reader: LineageReader,
        keepingFootprints: Bool,
        _ txn: borrowing ReadTransaction
    ) throws -> Declaration {
        let size = engine.size
        // The units of the model first assembled at the plant in the period, outermost only.
        var counted: [(subject: Subject, step: Assembly.Step, eventTime: String, at: Int64, kind: Unit.Kind)] = []
        var eventTimes: [String: String?] = [:]
        for id in try reader.units(ofModel: model.id, txn) {
            guard let assembly = try reader.assembly(id, txn), assembly.model(asOf: size)?.id == model.id else {
                continue
            }
            var first: (step: Assembly.Step, time: String, at: Int64)?
            for step in assembly.history where step.isAssembly && step.stood(asOf: size) {
                guard let time = try reader.eventTime(step.eventID, known: &eventTimes, txn),
                    let at = EventTimeText.utcMilliseconds(time)
                else { continue }
                if first.map({ at < $0.at }) ?? true { first = (step, time, at) }
            }
            guard let first, first.step.facility == plant.id,
                from.millisecondsSinceEpoch <= first.at, first.at <= to.millisecondsSinceEpoch,
                try !isInside(assembly, unitOfModel: model.id, asOf: size, reader: reader, txn)
            else { continue }
            let children = assembly.children(asOf: size)
            guard !children.isEmpty else { continue }
            let subject = try Subject.resolve(id, reader: reader, size: size, txn)
            var holdsUnits = false
            for child in children where try reader.assembly(child, txn) != nil {
                holdsUnits = true
                break
            }
            counted.append((subject, first.step, first.time, first.at, holdsUnits ? .pack : .module))
        }
        // By the time of their first assembly, then its entry and the unit's id.
        counted.sort { a, b in
            (a.at, a.step.sequenceNumber, a.subject.id) < (b.at, b.step.sequenceNumber, b.subject.id)
        }
        // Every cell lot in the units once, in the order met: one roll-up for their footprints per kg.
        var cellLots: [String] = []
        var seenLots: Set<String> = []
        for unit in counted {
            for share in unit.subject.cells where seenLots.insert(share.lot).inserted { cellLots.append(share.lot) }
        }
        let perKgs = try engine.perKg(ofEach: cellLots, txn)
        var perKgOfLot: [String: (total: Emissions, primary: Emissions)] = [:]
        for (lot, perKg) in zip(cellLots, perKgs) { perKgOfLot[lot] = perKg }
        var units: [Unit] = []
        var total = Emissions.zero
        var primary = Emissions.zero
        var lifetimeKWh = 0.0
        var usableKWh = 0.0
        // The fallbacks of the units' own steps and shipments, once each, in the order met.
        var noteOrder: [CarbonNote] = []
        var noteEntries: [CarbonNote: Set<UInt64>] = [:]
        var countedLots: Set<String> = []
        var manufacturers: [Actor] = []
        var makers: Set<String> = []
        for (subject, step, eventTime, _, kind) in counted {
            let nominal = subject.nominalEnergyKWh
            let usable = model.usableKWh(nominal: nominal)
            let lifetime = model.lifetimeKWh(nominal: nominal)
            guard usable > 0, lifetime > 0 else { continue }
            var unitTotal = Emissions.zero
            var unitPrimary = Emissions.zero
            for share in subject.cells {
                guard let perKg = perKgOfLot[share.lot] else { continue }
                unitTotal += perKg.total.scaled(by: share.massKg)
                unitPrimary += perKg.primary.scaled(by: share.massKg)
                countedLots.insert(share.lot)
            }
            for contribution in try engine.unitContributions(of: subject, txn) {
                unitTotal += contribution.emissions
                if contribution.isPrimary { unitPrimary += contribution.emissions }
                for note in contribution.notes where note.isFallback {
                    if noteEntries[note] == nil { noteOrder.append(note) }
                    noteEntries[note, default: []].formUnion(contribution.sequenceNumber.map { [$0] } ?? [])
                }
            }
            total += unitTotal
            primary += unitPrimary
            lifetimeKWh += lifetime
            usableKWh += usable
            units.append(
                Unit(
                    id: subject.id,
                    kind: kind,
                    firstAssembly: step,
                    eventTime: eventTime,
                    cells: subject.cellCount,
                    nominalKWh: nominal,
                    usableKWh: usable,
                    lifetimeKWh: lifetime,
                    massKg: subject.massKg,
                    kgCO2e: unitTotal
                )
            )
            // Art. 7(1)(a): the plant's operator when the unit was first assembled there.
            let maker = plant.operatorID(at: step.sequenceNumber)
            if makers.insert(maker).inserted, let actor = try reader.actor(maker, asOf: size, txn) {
                manufacturers.append(actor)
            }
        }
        guard lifetimeKWh > 0 else {
            throw CarbonError(
                "no modules or packs of model \(model.id) were first assembled at \(plant.id) between "
                    + "\(from.rfc3339) and \(to.rfc3339) (as of ledger size \(size)): a module or pack is of a model "
                    + "when its first assembly naming one gives it with ct:batteryModel"
            )
        }
        cellLots = cellLots.filter(countedLots.contains)
        var findings: [PrimaryDataFinding] = []
        for lot in cellLots {
            findings += try engine.primaryDataFindings(ofCellLot: lot, primaryPerKg: perKgOfLot[lot]?.primary, txn)
        }
        var notes = try engine.fallbackNotes(ofLots: cellLots, txn).map { Note(note: $0.note, entries: $0.entries) }
        for note in noteOrder {
            let entries = noteEntries[note] ?? []
            if let index = notes.firstIndex(where: { $0.note == note }) {
                notes[index].entries = Array(entries.union(notes[index].entries)).sorted()
            } else {
                notes.append(Note(note: note, entries: entries.sorted()))
            }
        }
        var shares: [ElectricityMethod: Double] = [:]
        for method in ElectricityMethod.allCases {
            let all = total.total(method)
            shares[method] = all > 0 ? primary.total(method) / all : 0
        }
        var declaration = Declaration(
            model: model,
            plant: plant,
            manufacturers: manufacturers,
            from: from,
            to: to,
            asOfSize: size,
            ranges: [],
            perLifetimeKWh: total.scaled(by: 1 / lifetimeKWh),
            perUsableKWh: total.scaled(by: 1 / usableKWh),
            primaryShare: shares,
            lifetimeKWh: lifetimeKWh,
            usableKWh: usableKWh,
            findings: findings,
            notes: notes
        )
        declaration.scope = .units
        declaration.units = units
        try declaration.verifyUnits(engine: &engine, reader: reader, keepingFootprints: keepingFootprints, txn)
        return declaration
    }

    /// Whether `assembly` sits, as of `size`, at any depth in a module or pack whose model is then
    /// `model`.
    private static func isInside(
        _ assembly: Assembly,
        unitOfModel model: String,
        asOf size: UInt64,
        reader: LineageReader,
        _ txn: borrowing ReadTransaction
    ) throws -> Bool {
        var current = assembly
        var seen: Set<String> = [assembly.parent]
        while true {
            var holder: Assembly?
            for id in current.placedIn {
                guard let candidate = try reader.assembly(id, txn),
                    candidate.children(asOf: size).contains(current.parent)
                else { continue }
                holder = candidate
                break
            }
            guard let holder, seen.insert(holder.parent).inserted else { return false }
            if holder.model(asOf: size)?.id == model { return true }
            current = holder
        }
    }

    /// Each unit's footprint with the working, when a verifier has attested anything or the caller
    /// keeps them, and the verified shares: each unit's footprint's, weighed as the figure weighs
    /// the unit (its kg CO2e).
    private mutating func verifyUnits(
        engine: inout CarbonEngine,
        reader: LineageReader,
        keepingFootprints: Bool,
        _ txn: borrowing ReadTransaction
    ) throws {
        let none = Dictionary(uniqueKeysWithValues: ElectricityMethod.allCases.map { ($0, 0.0) })
        verifiedShare = none
        verifiedShareReasonable = none
        let attested = try !reader.attestations(asOfSize: asOfSize, txn).isEmpty
        guard attested || keepingFootprints else { return }
        for index in units.indices {
            units[index].footprint = try engine.footprint(
                of: Subject.resolve(units[index].id, reader: reader, size: asOfSize, txn),
                txn
            )
        }
        guard attested else { return }
        // A unit weighs in the figure as its kg CO2e, which its footprint's share covers whole.
        let shares = Self.verifiedShares(units.map { unit in (unit.footprint, unit.kgCO2e.total, .zero) })
        for index in units.indices { units[index].verifiedShare = shares.each[index] }
        (verifiedShare, verifiedShareReasonable, attestationsRelied) = (
            shares.limited, shares.reasonable, shares.relied
        )
    }
}
