public import LedgerStorage
public import Provenance
public import SupplyChain

/// Computes footprints from the ledger's indexes as of one size, inside one read transaction.
///
/// A lot's footprint per kg is its share of the process that made it (after allocation between
/// co-products) plus the embodied footprint of what that process consumed, plus its shipments;
/// a lot without process data takes its material's default factor. The engine turns each lot into
/// a *recipe* (its own emissions per kg and the kg of each input per kg), read once and kept, then
///
/// - pushes a subject's kilograms down the recipes to get each contribution (``footprint(of:_:)``), or
/// - folds the recipes up, memoised, to get every lot's footprint per kg (``perKg(_:_:)``).
///
/// Both give the same numbers; the first shows the working, the second is for roll-ups.
public struct CarbonEngine {
    /// A lot as the engine sees it.
    struct Recipe {
        struct Part {
            var kind: Contribution.Kind
            var eventID: String?
            var sequenceNumber: UInt64?
            var facility: String?
            var stage: LifeCycleStage
            var isPrimary: Bool
            var perKg: Emissions
            var allocation: Allocation?
            var factors: [FactorUse]
            var notes: [CarbonNote]
            /// The stage the account was made with (for a receipt's terms).
            var accountStage: LifeCycleStage? = nil
        }

        var lot: LotCard
        var parts: [Part]
        /// Kilograms of each input per kg of this lot.
        var inputs: [(lot: String, kgPerKg: Double)]
        /// Entries the recipe rests on.
        var entries: [UInt64]
    }

    let reader: LineageReader
    /// The ledger size answers are for.
    public let size: UInt64
    /// The factors in force (with a scenario's replacements).
    public let factors: FactorSet
    /// The scenario, if any.
    public let scenario: Scenario
    private var recipes: [String: Recipe] = [:]
    private var accounts: [String: ProcessAccount] = [:]
    private var memo: [String: Emissions] = [:]
    private var memoPrimary: [String: Emissions] = [:]

    /// An engine over the ledger as of `size`.
    public init(
        reader: LineageReader,
        size: UInt64,
        scenario: Scenario = Scenario(),
        _ txn: borrowing ReadTransaction
    ) throws {
        self.reader = reader
        self.size = size
        var factors = try FactorSet.inForce(reader: reader, size: size, txn)
        for (key, value) in scenario.factors.sorted(by: { $0.key < $1.key }) { try factors.replace(key, value: value) }
        self.factors = factors
        self.scenario = scenario
    }

    /// A facility, through the reader, which decodes each one once per ledger.
    private func facility(_ id: String?, _ txn: borrowing ReadTransaction) throws -> Facility? {
        guard let id else { return nil }
        return try reader.facility(id, txn)
    }

    mutating func account(
        _ process: ProcessData,
        stage: LifeCycleStage?,
        _ txn: borrowing ReadTransaction
    ) throws -> ProcessAccount {
        if let known = accounts[process.eventID] { return known }
        let facility = try facility(process.facility, txn)
        let account = try ProcessAccount(
            process,
            facility: facility,
            factors: factors,
            stage: stage,
            supplyChange: process.facility.flatMap { scenario.supplies[$0] }
        )
        accounts[process.eventID] = account
        return account
    }

    /// The recipe of a lot, read once.
    func knownRecipe(_ id: String) -> Recipe? { recipes[id] }

    /// The recipe of a lot, read once.
    mutating func recipe(_ id: String, _ txn: borrowing ReadTransaction) throws -> Recipe {
        if let known = recipes[id] { return known }
        guard let lot = try reader.card(id, txn), lot.createdAt < size else {
            throw CarbonError("lot \(id) is not in the ledger as of size \(size)")
        }
        if let retracted = lot.retractedAt, retracted < size {
            throw CarbonError("lot \(id) was declared in error (entry \(retracted))")
        }
        let facility = try facility(lot.facility, txn)
        let produced = lot.producedKg.doubleValue
        var recipe = Recipe(lot: lot, parts: [], inputs: [], entries: [lot.createdAt])
        if let facility { recipe.entries.append(facility.registeredAt) }
        let made = try reader.process(lot.createdBy, txn)?.data
        if let process = made, process.hasActivityData,
            let output = process.outputs.first(where: { $0.lot == id }), output.kg.isPositive
        {
            let account = try account(process, stage: nil, txn)
            let allocation = Allocation(process)
            let perKg = (allocation.shares[id] ?? 0) / output.kg.doubleValue
            recipe.parts.append(
                Recipe.Part(
                    kind: .process,
                    eventID: process.eventID,
                    sequenceNumber: process.sequenceNumber,
                    facility: process.facility,
                    stage: account.stage,
                    isPrimary: account.isPrimary,
                    perKg: account.emissions.scaled(by: perKg),
                    allocation: allocation,
                    factors: account.factors,
                    notes: account.notes
                )
            )
            for input in process.inputs {
                recipe.inputs.append((scenario.lots[input.lot] ?? input.lot, input.kg.doubleValue * perKg))
            }
        } else if let use = factors.material(lot.material ?? "", country: facility?.country ?? lot.countryOfOrigin) {
            recipe.parts.append(
                Recipe.Part(
                    kind: .materialDefault,
                    eventID: lot.createdBy,
                    sequenceNumber: lot.createdAt,
                    facility: lot.facility,
                    stage: use.stage ?? ProcessAccount.defaultStage(of: facility),
                    isPrimary: false,
                    perKg: Emissions(use.value, stage: use.stage ?? ProcessAccount.defaultStage(of: facility)),
                    allocation: nil,
                    factors: [use],
                    notes: [.materialDefault(factor: use.key)]
                )
            )
        } else {
            let edges = lot.inputs.filter { $0.sequenceNumber < size }
            guard !edges.isEmpty else {
                throw CarbonError(
                    "lot \(id) (\(lot.material ?? "no material")) has no process data and no default factor for its material; record its event's ct:electricity/ct:fuels or add a material:\(lot.material ?? "?") factor"
                )
            }
            recipe.parts.append(
                Recipe.Part(
                    kind: .noData,
                    eventID: lot.createdBy,
                    sequenceNumber: lot.createdAt,
                    facility: lot.facility,
                    stage: ProcessAccount.defaultStage(of: facility),
                    isPrimary: false,
                    perKg: .zero,
                    allocation: nil,
                    factors: [],
                    notes: [.noData]
                )
            )
            for edge in edges where produced > 0 {
                recipe.inputs.append((scenario.lots[edge.from] ?? edge.from, edge.kg.doubleValue / produced))
            }
        }
        try addShipments(to: &recipe, txn)
        recipes[id] = recipe
        return recipe
    }

    /// Shipments of the lot: each shipment's emissions shared among the lots it moved by mass,
    /// spread over the lot's whole mass.
    private mutating func addShipments(to recipe: inout Recipe, _ txn: borrowing ReadTransaction) throws {
        let lot = recipe.lot
        let produced = lot.producedKg.doubleValue
        guard produced > 0 else { return }
        let downstreamStage: LifeCycleStage? =
            [FacilityKind.cell, .modulePack].contains(try facility(lot.facility, txn)?.kind) ? .distribution : nil
        for (sequence, eventID) in try reader.shipments(of: lot.id, txn) where sequence < size {
            guard let (process, retracted) = try reader.process(eventID, txn), process.hasActivityData,
                !process.shipped.isEmpty, !(retracted.map { $0 < size } ?? false),
                let moved = process.shipped.first(where: { $0.lot == lot.id })
            else { continue }
            let account = try account(process, stage: downstreamStage, txn)
            let all = process.shipped.reduce(0.0) { $0 + $1.kg.doubleValue }
            guard all > 0 else { continue }
            let perKg = moved.kg.doubleValue / all / produced
            recipe.parts.append(
                Recipe.Part(
                    kind: .shipment,
                    eventID: eventID,
                    sequenceNumber: sequence,
                    facility: process.facility,
                    stage: account.stage,
                    isPrimary: account.isPrimary,
                    perKg: account.emissions.scaled(by: perKg),
                    allocation: nil,
                    factors: account.factors,
                    notes: account.notes + [.shipment],
                    accountStage: downstreamStage
                )
            )
            recipe.entries.append(sequence)
        }
    }

    /// A lot's footprint per kg and the part of it on primary data, memoised across calls.
    public mutating func perKg(
        _ id: String,
        _ txn: borrowing ReadTransaction
    ) throws -> (total: Emissions, primary: Emissions) {
        if let known = memo[id] { return (known, memoPrimary[id] ?? .zero) }
        // Iterative post-order: a lot is folded after its inputs.
        var stack: [(id: String, expanded: Bool)] = [(id, false)]
        var onPath: Set<String> = []
        while let (current, expanded) = stack.popLast() {
            if memo[current] != nil { continue }
            let recipe = try recipe(current, txn)
            if expanded {
                var total = Emissions.zero
                var primary = Emissions.zero
                for part in recipe.parts {
                    total += part.perKg
                    if part.isPrimary { primary += part.perKg }
                }
                for input in recipe.inputs {
                    total += (memo[input.lot] ?? .zero).scaled(by: input.kgPerKg)
                    primary += (memoPrimary[input.lot] ?? .zero).scaled(by: input.kgPerKg)
                }
                memo[current] = total
                memoPrimary[current] = primary
                onPath.remove(current)
                continue
            }
            guard onPath.insert(current).inserted else {
                throw CarbonError("the lineage of \(current) has a cycle")
            }
            stack.append((current, true))
            for input in recipe.inputs where memo[input.lot] == nil {
                if onPath.contains(input.lot) { throw CarbonError("the lineage of \(input.lot) has a cycle") }
                stack.append((input.lot, false))
            }
        }
        return (memo[id] ?? .zero, memoPrimary[id] ?? .zero)
    }

    /// The footprint of a subject with every contribution.
    public mutating func footprint(of subject: Subject, _ txn: borrowing ReadTransaction) throws -> Footprint {
        // Post-order of the recipes reachable from the roots, then push kilograms down in reverse.
        var order: [String] = []
        var done: Set<String> = []
        var stack: [(id: String, expanded: Bool)] = subject.roots.map { ($0.lot, false) }
        while let (current, expanded) = stack.popLast() {
            if expanded {
                order.append(current)
                continue
            }
            guard done.insert(current).inserted else { continue }
            let recipe = try recipe(current, txn)
            stack.append((current, true))
            for input in recipe.inputs where !done.contains(input.lot) { stack.append((input.lot, false)) }
        }
        var weight: [String: Double] = [:]
        for root in subject.roots { weight[root.lot, default: 0] += root.kg }
        var contributions: [Contribution] = []
        var total = Emissions.zero
        var entries: Set<UInt64> = []
        for id in order.reversed() {
            guard let kg = weight[id], kg > 0, let recipe = recipes[id] else { continue }
            entries.formUnion(recipe.entries)
            for part in recipe.parts {
                let emissions = part.perKg.scaled(by: kg)
                total += emissions
                contributions.append(
                    Contribution(
                        kind: part.kind,
                        lot: id,
                        material: recipe.lot.material,
                        eventID: part.eventID,
                        sequenceNumber: part.sequenceNumber,
                        facility: part.facility,
                        stage: part.stage,
                        isPrimary: part.isPrimary,
                        emissions: emissions,
                        kg: kg,
                        allocation: part.allocation,
                        factors: part.factors,
                        notes: part.notes
                    )
                )
            }
            for input in recipe.inputs { weight[input.lot, default: 0] += kg * input.kgPerKg }
        }
        if subject.kind == .assembly {
            for contribution in try assemblyContributions(subject.id, txn) {
                total += contribution.emissions
                contributions.append(contribution)
                if let sequence = contribution.sequenceNumber { entries.insert(sequence) }
            }
        }
        contributions = contributions.map { ($0.emissions.total(.locationBased), $0) }
            .sorted { a, b in
                a.0 != b.0 ? a.0 > b.0 : (a.1.lot, a.1.eventID ?? "") < (b.1.lot, b.1.eventID ?? "")
            }
            .map(\.1)
        for use in contributions.flatMap(\.factors) {
            if let sequence = use.sequenceNumber { entries.insert(sequence) }
        }
        for share in subject.cells { entries.formUnion(share.commissioningEntries) }
        let model = try subject.cells.first?.model.flatMap { try reader.batteryModel($0, txn) }.flatMap {
            $0.registeredAt < size ? $0 : nil
        }
        let sameModel = Set(subject.cells.map(\.model)).count == 1
        if let model, sameModel { entries.insert(model.registeredAt) }
        let usable = subject.nominalEnergyKWh * ((sameModel ? model : nil)?.usableEnergyShare.doubleValue ?? 1)
        let lifetime = (sameModel ? model : nil).map { usable * $0.lifetimeCycles.doubleValue }
        return Footprint(
            subject: subject,
            asOfSize: size,
            total: total,
            contributions: contributions,
            model: sameModel ? model : nil,
            usableKWh: usable,
            lifetimeKWh: lifetime,
            entries: entries.filter { $0 < size }.sorted(),
            scenario: scenario.isEmpty ? nil : scenario
        )
    }

    /// The assembly steps of a module or pack and of the modules inside it, as of the size.
    private mutating func assemblyContributions(
        _ parent: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [Contribution] {
        var result: [Contribution] = []
        var pending = [parent]
        var seen: Set<String> = []
        while let unit = pending.popLast() {
            guard seen.insert(unit).inserted, let assembly = try reader.assembly(unit, txn) else { continue }
            for step in assembly.history
            where step.sequenceNumber < size && !(step.retractedAt.map { $0 < size } ?? false) {
                guard let (process, _) = try reader.process(step.eventID, txn), process.hasActivityData else {
                    continue
                }
                let account = try account(process, stage: .mainProduction, txn)
                result.append(
                    Contribution(
                        kind: .assembly,
                        lot: unit,
                        material: nil,
                        eventID: step.eventID,
                        sequenceNumber: step.sequenceNumber,
                        facility: process.facility,
                        stage: account.stage,
                        isPrimary: account.isPrimary,
                        emissions: account.emissions,
                        kg: 0,
                        allocation: nil,
                        factors: account.factors,
                        notes: account.notes
                    )
                )
            }
            pending += assembly.children(asOf: size).filter { (try? reader.assembly($0, txn)) != nil }
        }
        return result
    }
}
