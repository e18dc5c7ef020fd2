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
            /// The methods of the factors some method does not use (``ProcessAccount/factorMethods``).
            var factorMethods: [String: Set<ElectricityMethod>] = [:]
            var notes: [CarbonNote]
            /// The stage the account was made with (for a receipt's terms).
            var accountStage: LifeCycleStage? = nil
        }

        var lot: LotCard
        var parts: [Part]
        /// Kilograms of each input per kg of this lot, with the input's lot number when the lot's
        /// card gives it (so the walks need not look the lot up by id).
        var inputs: [(lot: String, number: UInt64?, kgPerKg: Double)]
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
    /// Accounts of events whose account is shared (several outputs, shipments, assemblies), by
    /// event and the stage asked for: one shipment moves lots whose shipping counts under
    /// different stages (``addShipments(to:facility:lotNumber:_:)``).
    private var accounts: [AccountKey: ProcessAccount] = [:]
    /// What a shared account is kept by.
    private struct AccountKey: Hashable {
        var eventID: String
        var stage: LifeCycleStage?
    }
    /// Activity data of shipment events by their entries' sequence numbers, read once: a
    /// shipment moves several lots.
    private var shipmentProcesses: [UInt64: (data: ProcessData, retractedAt: UInt64?)?] = [:]
    /// Every lot met gets a slot, numbered in the order met: the walks index arrays by slot.
    ///
    /// A lot of the ledger finds its slot by its lot number (`slotOfNumber` or `slotByNumber`), so a
    /// walk hashes no lot identifier; only an identifier that is not a lot of the ledger is kept in
    /// `slots`.
    private var slots: [String: Int] = [:]
    /// The slot of each lot number met, or -1: an array as long as the ledger has lots, made by a
    /// roll-up, which meets most of them.
    private var slotOfNumber: [Int] = []
    /// The slots of the lots met by number, while there is no such array: a footprint meets a few
    /// dozen lots, and an array as long as the ledger's lots would cost more to fill than to hash.
    private var slotByNumber: [UInt64: Int] = [:]
    /// The lot of each slot.
    private var ids: [String] = []
    /// The lot number of each slot, or `nil` for an identifier that is not a lot of the ledger.
    private var numberOfSlot: [UInt64?] = []
    /// Each slot's recipe, as an index in `recipes`, or -1 before it is read.
    private var recipeOfSlot: [Int] = []
    private var recipes: [Recipe] = []
    /// Per slot, the slots of its recipe's inputs with their kg per kg, once the recipe was read.
    private var links: [[(slot: Int, kgPerKg: Double)]] = []
    /// Per slot, the lot's own emissions per kg and their primary part once its recipe was read,
    /// then, once folded, its whole footprint per kg and the primary part of that.
    private var memo: [Emissions] = []
    private var memoPrimary: [Emissions] = []
    private var fold: [FoldState] = []
    /// Whether a slot's recipe was read (its links and own emissions are known); the recipe itself
    /// may not be kept (``perKg(ofEach:_:)``).
    private var linked: [Bool] = []
    /// Whether read recipes are kept; a roll-up over every lot keeps only what the fold needs.
    ///
    /// While they are not, recipes are made with accounts' numbers alone
    /// (``ProcessAccount/init(rollingUp:stage:factors:supplyChange:gridValue:)``) and hold no
    /// factors, notes or allocations: nothing shows them.
    private var keepsRecipes = true
    /// A roll-up's accounts of events whose account is shared (several outputs, shipments), by
    /// event and stage: kept apart from ``accounts``, whose accounts a receipt shows in full.
    private var rollUpAccounts: [AccountKey: ProcessAccount] = [:]
    /// What a roll-up's accounts need of each facility met, by facility id, read once.
    private var rollUpFacilities: [String: RollUpFacility] = [:]

    /// A facility as a roll-up's accounts use it: its default stage and its grid factors' values,
    /// each after the account's fallback to the location basis (`nil` when none is in force).
    private struct RollUpFacility {
        var stage: LifeCycleStage
        var location: Double?
        var residualMix: Double?
        var consumptionMix: Double?

        init(_ facility: Facility?, factors: FactorSet) {
            stage = ProcessAccount.defaultStage(of: facility)
            let places = ProcessAccount.GridPlaces(facility)
            location = places.use(.location, in: factors)?.use.value
            residualMix = places.use(.residualMix, in: factors)?.use.value
            consumptionMix = places.use(.consumptionMix, in: factors)?.use.value
        }

        /// The value ``ProcessAccount/source(of:supply:stated:)`` asks for.
        func value(_ basis: ProcessAccount.GridBasis) -> Double? {
            switch basis {
            case .location: location
            case .residualMix: residualMix
            case .consumptionMix: consumptionMix
            }
        }
    }
    /// Per slot, the last walk of ``footprint(of:_:)`` that met it.
    private var visited: [Int] = []
    private var walk = 0

    private enum FoldState: UInt8 {
        case pending, onPath, done
    }

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
        // Room for a footprint's lineage, so that a query's maps and arrays do not grow step by step.
        reserveCapacity(64)
        accounts.reserveCapacity(32)
        shipmentProcesses.reserveCapacity(32)
    }

    /// A facility as of the engine's size, through the reader, which decodes each row once.
    private func facility(_ id: String?, _ txn: borrowing ReadTransaction) throws -> Facility? {
        guard let id else { return nil }
        return try reader.facility(id, asOf: size, txn)
    }

    mutating func account(
        _ process: ProcessData,
        stage: LifeCycleStage?,
        known lotFacility: Facility? = nil,
        _ txn: borrowing ReadTransaction
    ) throws -> ProcessAccount {
        // An event with one output and nothing shipped is accounted for by one recipe only: keeping
        // its account would cost a dictionary entry per lot of a roll-up for nothing.
        let shared =
            process.outputs.count > 1 || !process.shipped.isEmpty || process.parent != nil || !process.units.isEmpty
        if !keepsRecipes, let account = try rollUpAccount(process, stage: stage, shared: shared, txn) {
            return account
        }
        let key = AccountKey(eventID: process.eventID, stage: stage)
        if shared, let known = accounts[key] { return known }
        // The lot's facility is usually the process's: no second lookup then.
        let facility: Facility?
        if let lotFacility, lotFacility.id == process.facility {
            facility = lotFacility
        } else {
            facility = try self.facility(process.facility, txn)
        }
        let account = try ProcessAccount(
            process,
            facility: facility,
            factors: factors,
            stage: stage,
            supplyChange: process.facility.flatMap { scenario.supplies[$0] }
        )
        if shared { accounts[key] = account }
        return account
    }

    /// A roll-up's account of an event: its numbers alone, with its facility's grid factors looked
    /// up once per facility; `nil` when a factor it needs is not in force, so that the whole
    /// account says which.
    private mutating func rollUpAccount(
        _ process: ProcessData,
        stage: LifeCycleStage?,
        shared: Bool,
        _ txn: borrowing ReadTransaction
    ) throws -> ProcessAccount? {
        let key = AccountKey(eventID: process.eventID, stage: stage)
        if shared, let known = accounts[key] ?? rollUpAccounts[key] { return known }
        let facility: RollUpFacility
        if let id = process.facility, let known = rollUpFacilities[id] {
            facility = known
        } else {
            facility = RollUpFacility(try self.facility(process.facility, txn), factors: factors)
            if let id = process.facility { rollUpFacilities[id] = facility }
        }
        guard
            let account = ProcessAccount(
                rollingUp: process,
                stage: stage ?? facility.stage,
                factors: factors,
                supplyChange: process.facility.flatMap { scenario.supplies[$0] },
                gridValue: facility.value
            )
        else { return nil }
        if shared { rollUpAccounts[key] = account }
        return account
    }

    /// The slot of a lot, numbered when first met.
    ///
    /// - Parameters:
    ///   - id: The lot.
    ///   - known: Its lot number when known (an input's, from its output's card); otherwise it is
    ///     looked up (the reader keeps the numbers it has looked up).
    ///   - txn: The snapshot.
    /// - Returns: The slot.
    /// - Throws: A storage error when the lot's number cannot be read.
    private mutating func slot(
        of id: String,
        number known: UInt64? = nil,
        _ txn: borrowing ReadTransaction
    ) throws -> Int {
        // A root's number is the version the ledger had at `size`, should a corrective event have
        // made its id again since.
        guard let number = try known ?? reader.lotNumber(id, asOf: size, txn) else {
            if let slot = slots[id] { return slot }
            let slot = newSlot(id: id, number: nil)
            slots[id] = slot
            return slot
        }
        let index = Int(number)
        if index < slotOfNumber.count {
            if slotOfNumber[index] >= 0 { return slotOfNumber[index] }
            let slot = newSlot(id: id, number: number)
            slotOfNumber[index] = slot
            return slot
        }
        if let slot = slotByNumber[number] { return slot }
        let slot = newSlot(id: id, number: number)
        slotByNumber[number] = slot
        return slot
    }

    /// Gives a lot the next slot.
    private mutating func newSlot(id: String, number: UInt64?) -> Int {
        let slot = ids.count
        ids.append(id)
        numberOfSlot.append(number)
        recipeOfSlot.append(-1)
        linked.append(false)
        links.append([])
        memo.append(.zero)
        memoPrimary.append(.zero)
        fold.append(.pending)
        visited.append(0)
        return slot
    }

    /// The lot and the recipe of a slot, once read.
    func knownRecipe(slot: Int) -> (lot: String, recipe: Recipe)? {
        guard recipeOfSlot[slot] >= 0 else { return nil }
        return (ids[slot], recipes[recipeOfSlot[slot]])
    }

    /// The recipe of a lot, read once.
    mutating func recipe(_ id: String, _ txn: borrowing ReadTransaction) throws -> Recipe {
        let slot = try slot(of: id, txn)
        try readRecipe(slot, txn)
        return recipes[recipeOfSlot[slot]]
    }

    /// Reads the recipe of a slot's lot unless it was read, and records what the fold needs of it.
    private mutating func readRecipe(_ lot: Int, _ txn: borrowing ReadTransaction) throws {
        guard recipeOfSlot[lot] < 0 else { return }
        if linked[lot] && !keepsRecipes { return }
        let recipe = try makeRecipe(ids[lot], number: numberOfSlot[lot], txn)
        if !linked[lot] {
            var total = Emissions.zero
            var primary = Emissions.zero
            for part in recipe.parts {
                total += part.perKg
                if part.isPrimary { primary += part.perKg }
            }
            var inputs: [(slot: Int, kgPerKg: Double)] = []
            inputs.reserveCapacity(recipe.inputs.count)
            for input in recipe.inputs {
                inputs.append((try slot(of: input.lot, number: input.number, txn), input.kgPerKg))
            }
            links[lot] = inputs
            linked[lot] = true
            // Not yet folded, so the memo holds the lot's own emissions until its inputs are added.
            if fold[lot] != .done {
                memo[lot] = total
                memoPrimary[lot] = primary
            }
        }
        guard keepsRecipes else { return }
        recipeOfSlot[lot] = recipes.count
        recipes.append(recipe)
    }

    /// Makes room for `count` lots in the per-slot arrays.
    private mutating func reserveCapacity(_ count: Int) {
        ids.reserveCapacity(count)
        numberOfSlot.reserveCapacity(count)
        recipeOfSlot.reserveCapacity(count)
        linked.reserveCapacity(count)
        links.reserveCapacity(count)
        memo.reserveCapacity(count)
        memoPrimary.reserveCapacity(count)
        fold.reserveCapacity(count)
        visited.reserveCapacity(count)
    }

    /// Reads the recipe of a lot by its number; a slot without one is not a lot of the ledger.
    private mutating func makeRecipe(_ id: String, number: UInt64?, _ txn: borrowing ReadTransaction) throws -> Recipe {
        guard let number, let lot = try reader.card(number: number, txn), lot.id == id, lot.createdAt < size else {
            throw CarbonError("lot \(id) is not in the ledger as of size \(size)")
        }
        if let retracted = lot.retractedAt, retracted < size {
            throw CarbonError("lot \(id) was declared in error (entry \(retracted))")
        }
        let facility = try facility(lot.facility, txn)
        let produced = lot.producedKg.doubleValue
        var recipe = Recipe(lot: lot, parts: [], inputs: [], entries: [lot.createdAt])
        if let facility { recipe.entries.append(facility.registeredAt) }
        let made = try reader.process(atSequence: lot.createdAt, txn)?.data
        if let process = made, process.hasActivityData,
            let output = process.outputs.first(where: { $0.lot == id }), output.kg.isPositive
        {
            let account = try account(process, stage: nil, known: facility, txn)
            // A roll-up needs no allocation to show, and one output takes the whole process.
            let allocation = keepsRecipes || process.outputs.count > 1 ? Allocation(process) : nil
            let share = allocation.map { $0.shares[id] ?? 0 } ?? 1
            let perKg = share / output.kg.doubleValue
            recipe.parts.append(
                Recipe.Part(
                    kind: .process,
                    eventID: process.eventID,
                    sequenceNumber: process.sequenceNumber,
                    facility: process.facility,
                    stage: account.stage,
                    isPrimary: account.isPrimary,
                    perKg: account.emissions.scaled(by: perKg),
                    allocation: keepsRecipes ? allocation : nil,
                    factors: account.factors,
                    factorMethods: account.factorMethods,
                    notes: account.notes
                )
            )
            for input in process.inputs {
                let replaced = scenario.lots[input.lot]
                recipe.inputs.append(
                    (
                        replaced ?? input.lot,
                        replaced == nil ? lot.inputNumber(of: input.lot) : nil,
                        input.kg.doubleValue * perKg
                    )
                )
            }
        } else if let (use, notes) = materialDefault(of: lot, facility: facility) {
            // A cradle-to-gate default is the material's production: raw material acquisition and
            // pre-processing wherever the lot was recorded, unless the table row states a stage.
            let stage = use.stage ?? .rawMaterialAcquisition
            recipe.parts.append(
                Recipe.Part(
                    kind: .materialDefault,
                    eventID: lot.createdBy,
                    sequenceNumber: lot.createdAt,
                    facility: lot.facility,
                    stage: stage,
                    isPrimary: false,
                    perKg: Emissions(use.value, stage: stage),
                    allocation: nil,
                    factors: [use],
                    notes: notes
                )
            )
        } else {
            let edges = lot.inputs.filter { $0.sequenceNumber < size }
            guard !edges.isEmpty else {
                var error = CarbonError(
                    "lot \(id) (\(lot.material ?? "no material")) has no process data and no default factor for its material; record its event's ct:electricity/ct:fuels or add a material:\(lot.material ?? "?") factor"
                        + missingMaterialHint(lot, facility: facility)
                )
                error.lotWithoutData = id
                throw error
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
                let replaced = scenario.lots[edge.from]
                recipe.inputs.append(
                    (
                        replaced ?? edge.from,
                        replaced == nil ? lot.inputNumber(of: edge.from) : nil,
                        edge.kg.doubleValue / produced
                    )
                )
            }
        }
        try addShipments(to: &recipe, facility: facility, lotNumber: number, txn)
        return recipe
    }

    /// The default factor of a lot without process data, with the notes saying which was taken.
    ///
    /// The lot's country of origin decides: where the material was produced, which a purchased lot
    /// declares in its master data (the ingest records the making facility's country when it does
    /// not). The material's factor for that country comes first, then its generic factor, with a
    /// note naming the country factor that was missing; a factor for another country (the
    /// recording facility's, say) is never taken.
    private func materialDefault(
        of lot: LotCard,
        facility: Facility?
    ) -> (use: FactorUse, notes: [CarbonNote])? {
        let name = lot.material ?? ""
        let country = lot.countryOfOrigin ?? facility?.country
        guard let use = factors.material(name, country: country) else { return nil }
        guard let country, use.key == "material:\(name)" else { return (use, [.materialDefault(factor: use.key)]) }
        let fallback = CarbonNote.materialCountryFallback(missing: "material:\(name)@\(country)", used: use.key)
        return (use, [.materialDefault(factor: use.key), fallback])
    }

    /// What the tables hold for a lot's material when none of it fits the lot: the factors of other
    /// countries, which are not taken for it; empty when there are none.
    private func missingMaterialHint(_ lot: LotCard, facility: Facility?) -> String {
        let name = lot.material ?? ""
        let others = factors.materialCountries(name)
        guard !others.isEmpty else { return "" }
        let country = lot.countryOfOrigin ?? facility?.country
        return
            " (the tables give \(name) only for \(others.joined(separator: ", ")), and the lot's country of origin is "
            + (country.map { "\($0): add material:\(name)@\($0) or material:\(name))" } ?? "not recorded)")
    }

    /// Shipments of the lot: each shipment's emissions shared among the lots it moved by mass,
    /// spread over the lot's whole mass.
    private mutating func addShipments(
        to recipe: inout Recipe,
        facility: Facility?,
        lotNumber: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws {
        let lot = recipe.lot
        let produced = lot.producedKg.doubleValue
        guard produced > 0 else { return }
        for (sequence, eventID) in try reader.shipments(ofLotNumber: lotNumber, txn) where sequence < size {
            guard let (process, retracted) = try shipmentProcess(atSequence: sequence, txn), process.hasActivityData,
                !process.shipped.isEmpty, !(retracted.map { $0 < size } ?? false),
                let moved = process.shipped.first(where: { $0.lot == lot.id })
            else { continue }
            let downstreamStage = try shipmentStage(of: facility, shippedFrom: process.facility, txn)
            let account = try account(process, stage: downstreamStage, known: facility, txn)
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
                    factorMethods: account.factorMethods,
                    notes: account.notes.isEmpty ? Self.shipmentNotes : account.notes + [.shipment],
                    accountStage: downstreamStage
                )
            )
            recipe.entries.append(sequence)
        }
    }

    /// The stage of a shipment's share in a lot made at `maker` (Annex II point 4), when the event
    /// declares none: distribution for cells, modules and packs; for material made before the cell,
    /// the shipping facility's own stage (raw material acquisition for a recycler's, whose output is
    /// recycled input), except that a warehouse's transport of it is the transport of active
    /// materials, in raw material acquisition and pre-processing; `nil` leaves the shipping
    /// facility's stage.
    private func shipmentStage(
        of maker: Facility?,
        shippedFrom shipper: String?,
        _ txn: borrowing ReadTransaction
    ) throws -> LifeCycleStage? {
        switch maker?.kind {
        case .cell, .modulePack: return .distribution
        default: break
        }
        let shipping = shipper == maker?.id ? maker : try facility(shipper, txn)
        guard shipping?.kind == .warehouse else { return nil }
        return .rawMaterialAcquisition
    }

    /// The notes of a shipment part whose account has none, made once.
    private static let shipmentNotes: [CarbonNote] = [.shipment]

    /// A shipment event's activity data, read once per engine.
    private mutating func shipmentProcess(
        atSequence sequence: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> (data: ProcessData, retractedAt: UInt64?)? {
        if let known = shipmentProcesses[sequence] { return known }
        let process = try reader.process(atSequence: sequence, txn)
        shipmentProcesses[sequence] = .some(process)
        return process
    }

    /// A lot's footprint per kg and the part of it on primary data, memoised across calls.
    public mutating func perKg(
        _ id: String,
        _ txn: borrowing ReadTransaction
    ) throws -> (total: Emissions, primary: Emissions) {
        try perKg(id, number: nil, txn)
    }

    /// ``perKg(_:_:)`` of a lot whose number may be known.
    private mutating func perKg(
        _ id: String,
        number: UInt64?,
        _ txn: borrowing ReadTransaction
    ) throws -> (total: Emissions, primary: Emissions) {
        let root = try slot(of: id, number: number, txn)
        if fold[root] == .done { return (memo[root], memoPrimary[root]) }
        // Iterative post-order: a lot is folded after its inputs.
        var stack: [(slot: Int, expanded: Bool)] = [(root, false)]
        while let (current, expanded) = stack.popLast() {
            if fold[current] == .done { continue }
            try readRecipe(current, txn)
            if expanded {
                var total = memo[current]
                var primary = memoPrimary[current]
                for input in links[current] {
                    total += memo[input.slot].scaled(by: input.kgPerKg)
                    primary += memoPrimary[input.slot].scaled(by: input.kgPerKg)
                }
                memo[current] = total
                memoPrimary[current] = primary
                fold[current] = .done
                continue
            }
            guard fold[current] == .pending else {
                throw CarbonError("the lineage of \(ids[current]) has a cycle")
            }
            fold[current] = .onPath
            stack.append((current, true))
            for input in links[current] where fold[input.slot] != .done {
                if fold[input.slot] == .onPath { throw CarbonError("the lineage of \(ids[input.slot]) has a cycle") }
                stack.append((input.slot, false))
            }
        }
        return (memo[root], memoPrimary[root])
    }

    /// The footprint per kg of each of `lots` and the part of it on primary data: a roll-up.
    ///
    /// The same numbers as ``perKg(_:_:)`` lot by lot, memoised across the lots, with room made
    /// for every lot of the ledger at once; the recipes are folded and not kept, so a later
    /// ``footprint(of:_:)`` on this engine reads the recipes it needs again.
    ///
    /// - Parameters:
    ///   - lots: The lots, typically every cell lot.
    ///   - txn: The read transaction.
    /// - Returns: Each lot's footprint per kg, in the order of `lots`.
    /// - Throws: ``CarbonError`` as ``perKg(_:_:)`` does.
    public mutating func perKg(
        ofEach lots: [String],
        _ txn: borrowing ReadTransaction
    ) throws -> [(total: Emissions, primary: Emissions)] {
        try rollUp(lots.map { (lot: $0, number: nil) }, txn)
    }

    /// The same roll-up for lots given with their lot numbers
    /// (``LineageReader/commissionedLotNumbers(_:)``), which are then not looked up by id.
    ///
    /// - Parameters:
    ///   - lots: The lots and their numbers, typically every cell lot.
    ///   - txn: The read transaction.
    /// - Returns: Each lot's footprint per kg, in the order of `lots`.
    /// - Throws: ``CarbonError`` as ``perKg(_:_:)`` does.
    public mutating func perKg(
        ofEach lots: [(lot: String, number: UInt64)],
        _ txn: borrowing ReadTransaction
    ) throws -> [(total: Emissions, primary: Emissions)] {
        try rollUp(lots.map { (lot: $0.lot, number: $0.number) }, txn)
    }

    /// One lot in this many: the share of the ledger's lots a roll-up starts from that makes room for all.
    ///
    /// Each lot a roll-up starts from brings its lineage along. A roll-up of a few lots (a
    /// declaration over one period at one plant) keeps to the lots it meets.
    public static let wholeLedgerRollUp = 16

    /// The footprints per kg of `lots`, with no recipe kept meanwhile, and with room made for every
    /// lot of the ledger when `lots` are many of them (``wholeLedgerRollUp``).
    private mutating func rollUp(
        _ lots: [(lot: String, number: UInt64?)],
        _ txn: borrowing ReadTransaction
    ) throws -> [(total: Emissions, primary: Emissions)] {
        let lotCount = try reader.lotCount(txn)
        guard lots.count * Self.wholeLedgerRollUp >= lotCount else {
            reserveCapacity(ids.count + lots.count)
            return try foldEach(lots, txn)
        }
        reserveCapacity(max(ids.count + lots.count, lotCount))
        if slotOfNumber.count < lotCount {
            slotOfNumber.append(contentsOf: repeatElement(-1, count: lotCount - slotOfNumber.count))
            for (number, slot) in slotByNumber where number < UInt64(lotCount) { slotOfNumber[Int(number)] = slot }
            slotByNumber = slotByNumber.filter { $0.key >= UInt64(lotCount) }
        }
        return try foldEach(lots, txn)
    }

    /// Each lot's footprint per kg, with no recipe kept meanwhile.
    private mutating func foldEach(
        _ lots: [(lot: String, number: UInt64?)],
        _ txn: borrowing ReadTransaction
    ) throws -> [(total: Emissions, primary: Emissions)] {
        keepsRecipes = false
        defer { keepsRecipes = true }
        var result: [(total: Emissions, primary: Emissions)] = []
        result.reserveCapacity(lots.count)
        for (lot, number) in lots { result.append(try perKg(lot, number: number, txn)) }
        return result
    }

    /// The slots of the lots whose recipes reach `rootSlots`, each after its inputs; the recipes are
    /// read on the way.
    ///
    /// A lot with neither process data, a default factor nor inputs does not stop the walk: it
    /// goes on through the other lots, and then one error names every such lot met.
    private mutating func postOrder(_ rootSlots: [Int], _ txn: borrowing ReadTransaction) throws -> [Int] {
        walk += 1
        var order: [Int] = []
        var withoutData: [CarbonError] = []
        var stack: [(slot: Int, expanded: Bool)] = rootSlots.map { ($0, false) }
        while let (current, expanded) = stack.popLast() {
            if expanded {
                order.append(current)
                continue
            }
            guard visited[current] != walk else { continue }
            visited[current] = walk
            do {
                try readRecipe(current, txn)
            } catch let error as CarbonError where error.lotWithoutData != nil {
                withoutData.append(error)
                continue
            }
            stack.append((current, true))
            for input in links[current] where visited[input.slot] != walk { stack.append((input.slot, false)) }
        }
        if withoutData.count == 1, let only = withoutData.first { throw only }
        guard withoutData.isEmpty else {
            throw CarbonError(
                "\(withoutData.count) lots have no process data and no default factor for their material:\n  "
                    + withoutData.sorted { ($0.lotWithoutData ?? "") < ($1.lotWithoutData ?? "") }.map(\.description)
                    .joined(separator: "\n  ")
            )
        }
        return order
    }

    /// The slots of the lots whose recipes reach the subject, each after its inputs (the order
    /// ``footprint(of:_:)`` pushes kilograms down in, reversed).
    mutating func slotsInPostOrder(_ subject: Subject, _ txn: borrowing ReadTransaction) throws -> [Int] {
        try postOrder(subject.roots.map { try slot(of: $0.lot, txn) }, txn)
    }

    /// The footprint of a subject with every contribution.
    public mutating func footprint(of subject: Subject, _ txn: borrowing ReadTransaction) throws -> Footprint {
        // Post-order of the recipes reachable from the roots, then push kilograms down in reverse.
        let rootSlots = try subject.roots.map { try slot(of: $0.lot, txn) }
        let order = try postOrder(rootSlots, txn)
        var weight = [Double](repeating: 0, count: ids.count)
        for (root, slot) in zip(subject.roots, rootSlots) { weight[slot] += root.kg }
        var contributions: [Contribution] = []
        var total = Emissions.zero
        var entries: Set<UInt64> = []
        for slot in order.reversed() {
            let kg = weight[slot]
            guard kg > 0 else { continue }
            let id = ids[slot]
            let recipe = recipes[recipeOfSlot[slot]]
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
                        factorMethods: part.factorMethods,
                        notes: part.notes
                    )
                )
            }
            for input in links[slot] { weight[input.slot] += kg * input.kgPerKg }
        }
        // A module's or pack's units, each module and pack read once for its steps and its units.
        let tree: (units: [String], assemblies: [Assembly]) =
            subject.kind == .assembly ? try unitTree(of: subject.id, txn) : ([subject.id], [])
        for contribution in try assemblyContributions(tree.assemblies, txn) {
            total += contribution.emissions
            contributions.append(contribution)
            if let sequence = contribution.sequenceNumber { entries.insert(sequence) }
        }
        if subject.kind != .lot {
            for contribution in try unitShipmentContributions(of: tree.units, txn) {
                total += contribution.emissions
                contributions.append(contribution)
                if let sequence = contribution.sequenceNumber { entries.insert(sequence) }
            }
        }
        // Sorted by position: a contribution is large, and moving positions is cheaper than moving them.
        let keys = contributions.map { $0.emissions.total(.locationBased) }
        contributions = contributions.indices.sorted { a, b in
            keys[a] != keys[b]
                ? keys[a] > keys[b]
                : (contributions[a].lot, contributions[a].eventID ?? "")
                    < (contributions[b].lot, contributions[b].eventID ?? "")
        }
        .map { contributions[$0] }
        for contribution in contributions {
            for use in contribution.factors {
                if let sequence = use.sequenceNumber { entries.insert(sequence) }
            }
        }
        for share in subject.cells { entries.formUnion(share.commissioningEntries) }
        // The assembly steps that decide which cells a module or pack holds, whether or not the
        // footprint counts them (it does only those that recorded activity data).
        entries.formUnion(subject.assemblyEntries)
        let model = try subject.cells.first?.model.flatMap { try reader.batteryModel($0, asOf: size, txn) }
        let sameModel = Set(subject.cells.map(\.model)).count == 1
        if let model, sameModel { entries.insert(model.registeredAt) }
        let unit = sameModel ? model : nil
        let usable = unit?.usableKWh(nominal: subject.nominalEnergyKWh) ?? subject.nominalEnergyKWh
        let lifetime = unit?.lifetimeKWh(nominal: subject.nominalEnergyKWh)
        for method in ElectricityMethod.allCases where !total.total(method).isFinite {
            throw CarbonError(
                "the \(method.rawValue) footprint of \(subject.id) is out of range (\(total.total(method)) kg CO2e): "
                    + "a factor or a quantity is too large to compute with"
            )
        }
        return Footprint(
            subject: subject,
            asOfSize: size,
            total: total,
            contributions: contributions,
            model: sameModel ? model : nil,
            usableKWh: usable,
            lifetimeKWh: lifetime,
            entries: entries.filter { $0 < size }.sorted(),
            scenario: scenario.isEmpty ? nil : scenario,
            attestations: try reader.attestations(asOfSize: size, txn)
        )
    }

    /// The emissions of the shipments by id of cell, module or pack `unit` as of the size, its
    /// share of each, and the part of them resting on primary data: what its own `unit-shipment`
    /// contributions add up to in a footprint (a cell's footprint, or a module's or pack's, which
    /// also counts those of the units inside it).
    ///
    /// - Parameters:
    ///   - unit: A cell serial, or a module's or pack's id.
    ///   - txn: The read transaction.
    /// - Returns: The emissions, all and on primary data, and the shipments counted (0 when no
    ///   shipment with activity data that stands as of the size named the unit).
    /// - Throws: ``CarbonError`` when a factor a shipment needs is not in force; what reading the
    ///   ledger throws.
    public mutating func unitShipmentEmissions(
        of unit: String,
        _ txn: borrowing ReadTransaction
    ) throws -> (total: Emissions, primary: Emissions, shipments: Int) {
        var total = Emissions.zero
        var primary = Emissions.zero
        let contributions = try unitShipmentContributions(of: [unit], txn)
        for contribution in contributions {
            total += contribution.emissions
            if contribution.isPrimary { primary += contribution.emissions }
        }
        return (total, primary, contributions.count)
    }

    /// The shipments by id of `units` (a cell, or a module or pack and every unit in it), as of
    /// the size: each shipment's emissions shared among the units it moved
    /// (``ProcessData/unitShares``), in distribution unless the event declares a stage.
    mutating func unitShipmentContributions(
        of units: [String],
        _ txn: borrowing ReadTransaction
    ) throws -> [Contribution] {
        var result: [Contribution] = []
        for unit in units {
            for shipment in try reader.unitShipments(of: unit, txn) where shipment.sequenceNumber < size {
                guard !(shipment.retractedAt.map { $0 < size } ?? false),
                    let (process, _) = try shipmentProcess(atSequence: shipment.sequenceNumber, txn),
                    process.hasActivityData, let share = process.unitShares[unit]
                else { continue }
                let account = try account(process, stage: .distribution, txn)
                result.append(
                    Contribution(
                        kind: .unitShipment,
                        lot: unit,
                        material: nil,
                        eventID: shipment.eventID,
                        sequenceNumber: shipment.sequenceNumber,
                        facility: process.facility,
                        stage: account.stage,
                        isPrimary: account.isPrimary,
                        emissions: account.emissions.scaled(by: share),
                        kg: process.units.first { $0.lot == unit }?.kg.doubleValue ?? 0,
                        allocation: nil,
                        factors: account.factors,
                        factorMethods: account.factorMethods,
                        notes: account.notes + [.unitShipment]
                    )
                )
            }
        }
        return result
    }

    /// A module or pack and every unit in it as of the size, depth first, and the records of those
    /// that are modules or packs in the same order, each read once.
    ///
    /// A cell has no children, so the modules and packs come in the order a walk over them alone
    /// would take.
    func unitTree(
        of parent: String,
        _ txn: borrowing ReadTransaction
    ) throws -> (units: [String], assemblies: [Assembly]) {
        var units: [String] = []
        var assemblies: [Assembly] = []
        var pending = [parent]
        var seen: Set<String> = []
        while let unit = pending.popLast() {
            guard seen.insert(unit).inserted else { continue }
            units.append(unit)
            if let assembly = try reader.assembly(unit, txn) {
                assemblies.append(assembly)
                pending += assembly.children(asOf: size)
            }
        }
        return (units, assemblies)
    }

    /// The assembly steps of a module or pack and of the modules inside it, as of the size.
    mutating func assemblyContributions(
        _ assemblies: [Assembly],
        _ txn: borrowing ReadTransaction
    ) throws -> [Contribution] {
        var result: [Contribution] = []
        for assembly in assemblies {
            let unit = assembly.parent
            for step in assembly.history
            where step.sequenceNumber < size && !(step.retractedAt.map { $0 < size } ?? false) {
                guard let (process, _) = try reader.process(atSequence: step.sequenceNumber, txn),
                    process.hasActivityData
                else {
                    continue
                }
                // Assembly is main production; taking units out is the facility's own stage, or end
                // of life at a recycler.
                let stage =
                    step.removed.isEmpty
                    ? .mainProduction : ProcessAccount.disassemblyStage(of: try facility(process.facility, txn))
                let account = try account(process, stage: stage, txn)
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
                        factorMethods: account.factorMethods,
                        notes: account.notes
                    )
                )
            }
        }
        return result
    }
}
