import LedgerCore
public import LedgerCrypto

/// Builds a synthetic but realistic mine-to-pack ledger through the normal import path, for
/// benchmarks, demos and tests.
///
/// The network: spodumene (AU), lithium brine (CL), nickel laterite (ID), copper-cobalt (CD, one
/// industrial pit and one artisanal site flagged `high-risk`, `artisanal`) and natural graphite
/// (CN-HL) mines; lithium carbonate, lithium hydroxide (two routes, one with a sodium-sulphate
/// co-product), HPAL, cobalt hydroxide (with a copper-cathode co-product), nickel and cobalt
/// sulphate refining; NMC811 precursor and cathode, anode and electrolyte plants in Chinese
/// provinces; cell plants in CN and HU that make cell lots of `cellsPerLot` cells with serial
/// ranges; and a module and pack plant that assembles a sample of cells into packs.
///
/// Everything enters as the CLI would write it: the factor table, actors with Ed25519 keys derived
/// from the seed (``actorKey(seed:actor:)``), facilities, then each actor's events as signed EPCIS
/// documents of at most ``Options/eventsPerDocument`` events through
/// ``SupplyChainLedger/importSubmission(_:actor:key:dryRun:progress:)``, suppliers first. Events
/// carry `ct:` process data (electricity with supply kinds and certificates, fuels, direct
/// emissions, transport legs, life-cycle stage, data quality, co-product prices) and `ilmd`
/// master data (material, grade, element content, country of origin).
///
/// The same options give the same documents, byte for byte: the same event hash IDs, lot ids and
/// serial ranges. Another seed changes quantities, timing, routing (which plant, which lithium
/// route, how much artisanal ore) and so every id.
///
/// ```swift
/// let chain = try SupplyChainLedger.create(at: "ledger")
/// let report = try SupplyNetworkGenerator(options: .init(cells: 1_000_000)).generate(into: chain)
/// print(report.events, report.serials)
/// ```
public struct SupplyNetworkGenerator: Sendable {
    /// What to generate.
    public struct Options: Sendable, Hashable {
        /// Cells to commission (serial numbers).
        public var cells: Int
        /// Cells per cell lot; the last lot takes the remainder.
        public var cellsPerLot: Int
        /// The seed of every quantity, time and routing choice, and of the actors' keys.
        public var seed: UInt64
        /// Packs to assemble (12 modules of 24 cells each); `nil` for about one per 5 million cells,
        /// from 1 to 20, as far as the cells go.
        public var packs: Int?
        /// The most events in one submitted document.
        public var eventsPerDocument: Int

        /// Creates options.
        public init(
            cells: Int,
            cellsPerLot: Int = 2000,
            seed: UInt64 = 1,
            packs: Int? = nil,
            eventsPerDocument: Int = 10_000
        ) {
            self.cells = cells
            self.cellsPerLot = cellsPerLot
            self.seed = seed
            self.packs = packs
            self.eventsPerDocument = eventsPerDocument
        }
    }

    /// One commissioned serial block of a plant: its prefix and the first and last numbers.
    public struct SerialBlock: Sendable, Hashable {
        /// The SGTIN prefix, up to and including the final `.`.
        public var prefix: String
        /// The first serial number commissioned.
        public var first: UInt64
        /// The last serial number commissioned (some numbers between may be scrapped).
        public var last: UInt64
        /// The cells commissioned under the prefix.
        public var cells: UInt64
    }

    /// What a generation wrote.
    public struct Report: Sendable {
        /// Actors registered.
        public var actors: Int
        /// Facilities registered.
        public var facilities: Int
        /// Signed submissions imported.
        public var submissions: Int
        /// EPCIS events written.
        public var events: Int
        /// Lots made, co-products and cell lots included.
        public var lots: Int
        /// Cell lots.
        public var cellLots: Int
        /// Serial ranges commissioned.
        public var serialRanges: Int
        /// Cells commissioned.
        public var serials: UInt64
        /// Modules assembled.
        public var modules: Int
        /// Packs assembled.
        public var packs: Int
        /// The serial numbers commissioned under each prefix.
        public var serialBlocks: [SerialBlock]
        /// The ledger's size (entries) afterwards.
        public var ledgerSize: UInt64
        /// Seconds from the start of planning to the last import: planning, registration and imports.
        public var seconds: Double
        /// The seconds of ``seconds`` spent planning the network, before anything was written.
        public var planningSeconds: Double
    }

    /// One signed submission: the actor and its EPCIS document.
    public struct Submission: Sendable {
        /// The submitting actor's identifier.
        public var actor: String
        /// The EPCIS 2.0 document (JSON-LD).
        public var document: [UInt8]
        /// The events in it.
        public var events: Int
    }

    /// The options.
    public let options: Options
    let plan: GeneratedPlan
    /// How long planning took.
    let planningTime: Duration

    /// The most cells a network may have: its upstream lots (about 25,000 per billion cells) are
    /// planned in memory.
    public static let maxCells = 100_000_000_000

    /// The most cell lots a network may have (cells ÷ cells per lot, rounded up).
    ///
    /// Planning holds every lot in memory, about 1.2 KB per cell lot with its events, so this
    /// many take about 6 GB.
    public static let maxCellLots = 5_000_000

    /// Plans the network for `options`.
    ///
    /// - Throws: ``SupplyChainError/Code/invalidRecords`` naming the option that is out of range,
    ///   or `cellsPerLot` when the cells make more than ``maxCellLots`` lots.
    public init(options: Options) throws {
        var problems: [SupplyChainError.Problem] = []
        func check(_ condition: Bool, _ field: String, _ message: String) {
            if !condition {
                problems.append(.init(index: nil, identifier: "generate", field: field, message: message))
            }
        }
        check(options.cells >= 1, "cells", "must be at least 1 (got \(options.cells))")
        check(options.cells <= Self.maxCells, "cells", "must be at most 10^11 (got \(options.cells))")
        check(options.cellsPerLot >= 1, "cellsPerLot", "must be at least 1 (got \(options.cellsPerLot))")
        check(
            options.cellsPerLot <= 1_000_000_000,
            "cellsPerLot",
            "must be at most 10^9, the largest serial range (got \(options.cellsPerLot))"
        )
        if options.cells >= 1, options.cellsPerLot >= 1 {
            let lots = (options.cells - 1) / options.cellsPerLot + 1
            check(
                lots <= Self.maxCellLots,
                "cellsPerLot",
                "\(options.cells) cells in lots of \(options.cellsPerLot) make \(lots) cell lots, more than the \(Self.maxCellLots) that planning holds in memory; use at least \((options.cells - 1) / Self.maxCellLots + 1) cells per lot, or fewer cells"
            )
        }
        check((options.packs ?? 0) >= 0, "packs", "must not be negative (got \(options.packs ?? 0))")
        check(options.eventsPerDocument >= 1, "eventsPerDocument", "must be at least 1")
        guard problems.isEmpty else {
            throw SupplyChainError(
                code: .invalidRecords,
                message:
                    "nothing was generated: \(problems.count) problem\(problems.count == 1 ? "" : "s") in the options",
                problems: problems
            )
        }
        self.options = options
        let packs = options.packs ?? min(20, max(1, options.cells / 5_000_000))
        let clock = ContinuousClock.now
        plan = GeneratedPlan(
            cells: options.cells,
            cellsPerLot: options.cellsPerLot,
            packs: packs,
            seed: options.seed
        )
        planningTime = ContinuousClock.now - clock
    }

    /// The Ed25519 key the generator gives `actor` for `seed`: the private key seed is
    /// SHA-256 of `celltrace-generate/v1 key\n<seed>\n<actor>`.
    public static func actorKey(seed: UInt64, actor: String) throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(seed: SHA256.hash(Array("celltrace-generate/v1 key\n\(seed)\n\(actor)".utf8)).bytes)
    }

    /// The identifiers of the generated actors, in import order.
    public static var actorIDs: [String] { GeneratedNetwork.actors.map(\.id) }

    /// The events the plan holds, as they will be submitted.
    public var eventCount: Int { schedule().reduce(0) { $0 + $1.count } }

    /// Registers the network's master data and imports every submission into `chain`, which must
    /// hold none of it yet: no actors or facilities, no factor table `generated-network` version 1
    /// and no battery model `CT-NMC811-P1`.
    ///
    /// - Parameters:
    ///   - chain: The ledger to fill.
    ///   - progress: Called with (events imported, events in all) as documents are checked and written.
    /// - Returns: What was written, with the time it took (planning included).
    /// - Throws: ``SupplyChainError`` when the ledger already holds any of the network's master
    ///   data (nothing is written then), or when the ledger refuses something (which would be a
    ///   defect of the generator; the error lists the problems).
    public func generate(
        into chain: SupplyChainLedger,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> Report {
        let clock = ContinuousClock.now
        let keys = try registerMasterData(into: chain)
        let total = eventCount
        var done = 0
        var submissions = 0
        var written = 0
        try forEachSubmission { submission in
            guard let key = keys[submission.actor] else {
                throw SupplyChainError(code: .notFound, message: "no generated key for actor \(submission.actor)")
            }
            let report = try chain.importSubmission(submission.document, actor: submission.actor, key: key) {
                checked,
                _ in
                progress?(done + checked, total)
            }
            done += submission.events
            written += report.written
            submissions += 1
            progress?(done, total)
        }
        var blocks: [String: SerialBlock] = [:]
        var ranges = 0
        for cellLot in plan.cellLots {
            for range in cellLot.ranges {
                ranges += 1
                var block =
                    blocks[range.prefix] ?? SerialBlock(prefix: range.prefix, first: range.first, last: 0, cells: 0)
                block.first = min(block.first, range.first)
                block.last = max(block.last, range.last)
                block.cells += range.last - range.first + 1
                blocks[range.prefix] = block
            }
        }
        let elapsed = ContinuousClock.now - clock + planningTime
        return Report(
            actors: GeneratedNetwork.actors.count,
            facilities: GeneratedNetwork.facilities.count,
            submissions: submissions,
            events: written,
            lots: plan.lots.count,
            cellLots: plan.cellLots.count,
            serialRanges: ranges,
            serials: plan.cellCount,
            modules: plan.modules.count,
            packs: plan.packs.count,
            serialBlocks: blocks.values.sorted { $0.prefix < $1.prefix },
            ledgerSize: try chain.ledger.size,
            seconds: Self.seconds(elapsed),
            planningSeconds: Self.seconds(planningTime)
        )
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// Records the network's factor table and battery model and registers its actors (with the
    /// keys the seed gives) and facilities, as ``generate(into:progress:)`` does before the events:
    /// a ledger made this way takes the network's events, or an EPCIS export of them.
    ///
    /// - Parameter chain: The ledger, which must hold no actors or facilities, no factor table
    ///   `generated-network` version 1 and no battery model `CT-NMC811-P1` yet.
    /// - Returns: Each actor's private key, by actor id.
    /// - Throws: ``SupplyChainError`` naming what the ledger already holds, before anything is
    ///   written; or when the ledger refuses a record.
    @discardableResult
    public func registerMasterData(into chain: SupplyChainLedger) throws -> [String: Ed25519PrivateKey] {
        try Self.requireNoMasterData(in: chain)
        try chain.recordFactorTable(GeneratedNetwork.factorTable)
        try chain.registerBatteryModel(GeneratedNetwork.Cell.batteryModel)
        var keys: [String: Ed25519PrivateKey] = [:]
        for actor in GeneratedNetwork.actors {
            let key = try Self.actorKey(seed: options.seed, actor: actor.id)
            keys[actor.id] = key
            try chain.registerActor(
                ActorDraft(
                    id: actor.id,
                    name: actor.name,
                    role: actor.role,
                    publicKey: key.publicKey,
                    parties: [actor.party]
                )
            )
        }
        for facility in GeneratedNetwork.facilities {
            try chain.registerFacility(
                FacilityDraft(
                    id: facility.id,
                    name: facility.name,
                    operatorID: facility.actor.spec.id,
                    kind: facility.kind,
                    country: facility.country,
                    subdivision: facility.subdivision,
                    gridRegion: facility.gridRegion,
                    location: facility.location,
                    riskFlags: facility.riskFlags
                )
            )
        }
        return keys
    }

    /// Throws, naming them, when `chain` already holds actors, facilities, or the network's factor
    /// table or battery model, so that a refusal writes nothing.
    private static func requireNoMasterData(in chain: SupplyChainLedger) throws {
        let table = GeneratedNetwork.factorTable
        let (tableID, version) = (table["id"]?.stringValue ?? "", Int(table["version"]?.doubleValue ?? 0))
        let model = GeneratedNetwork.Cell.model
        var held: [String] = []
        let actors = try chain.actors().count
        let facilities = try chain.facilities().count
        if actors > 0 { held.append("\(actors) actors") }
        if facilities > 0 { held.append("\(facilities) facilities") }
        if try chain.factorTables().contains(where: { $0.id == tableID && $0.version == version }) {
            held.append("the factor table \(tableID) version \(version)")
        }
        if try chain.read({ reader, txn, _ in try reader.batteryModel(model, txn) }) != nil {
            held.append("the battery model \(model)")
        }
        guard let last = held.popLast() else { return }
        let list = held.isEmpty ? last : held.joined(separator: ", ") + " and " + last
        throw SupplyChainError(
            code: .invalidRecords,
            message: "the ledger at \(chain.ledger.path) already holds \(list); generate into a new ledger"
        )
    }

    /// Calls `body` with every submission in import order (suppliers first, each actor's events in
    /// time order, at most ``Options/eventsPerDocument`` per document), building one document at a time.
    public func forEachSubmission(_ body: (Submission) throws -> Void) throws {
        var writer = EventWriter(plan: plan)
        for (actor, events) in zip(GeneratedNetwork.Actor.allCases, schedule()) {
            var start = 0
            while start < events.count {
                let end = min(events.count, start + options.eventsPerDocument)
                let slice = events[start..<end]
                let document = writer.document(slice.map(\.event), created: (slice.last?.time ?? 0) + 3_600_000)
                try body(Submission(actor: actor.spec.id, document: document, events: slice.count))
                start = end
            }
        }
    }

    /// Each actor's events (in `Actor` order), sorted by time.
    func schedule() -> [[(time: Int64, order: Int, event: EventWriter.Event)]] {
        typealias Item = (time: Int64, order: Int, event: EventWriter.Event)
        var byActor = [[Item]](repeating: [], count: GeneratedNetwork.Actor.allCases.count)
        var order = 0
        func add(_ actor: GeneratedNetwork.Actor, _ time: Int64, _ event: EventWriter.Event) {
            byActor[actor.rawValue].append((time, order, event))
            order += 1
        }
        var coProducts = Set<Int>()
        for lot in plan.lots { if let co = lot.coProduct { coProducts.insert(co) } }
        for (index, lot) in plan.lots.enumerated() where !coProducts.contains(index) {
            let maker = lot.site.spec.actor
            add(maker, lot.madeAt, .make(index))
            if let cellLot = lot.cellLot {
                add(maker, lot.madeAt + 2 * 3_600_000, .commission(cellLot))
                if let shipped = plan.cellLots[cellLot].shippedToPacks {
                    add(maker, shipped, .ship(index, to: .packMaker))
                }
            } else if lot.holder != maker {
                add(maker, lot.madeAt + 6 * 3_600_000, .ship(index, to: lot.holder))
            }
        }
        for (index, unit) in plan.modules.enumerated() { add(.packMaker, unit.time, .module(index)) }
        for (index, unit) in plan.packs.enumerated() { add(.packMaker, unit.time, .pack(index)) }
        return byActor.map { events in events.sorted { ($0.time, $0.order) < ($1.time, $1.order) } }
    }
}

/// Writes the plan's events as EPCIS 2.0 JSON text.
struct EventWriter {
    typealias Stage = GeneratedNetwork.Stage
    typealias Actor = GeneratedNetwork.Actor

    enum Event {
        case make(Int)
        case ship(Int, to: Actor)
        case commission(Int)
        case module(Int)
        case pack(Int)
    }

    let plan: GeneratedPlan
    private var text = ""

    init(plan: GeneratedPlan) {
        self.plan = plan
    }

    /// An EPCIS document of `events`, created at `created` (UTC milliseconds).
    mutating func document(_ events: [Event], created: Int64) -> [UInt8] {
        text = ""
        text.reserveCapacity(events.count * 1200)
        text += #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ct":"#
        text += #""https://celltrace.dev/ns/epcis/1/"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":""#
        text += GeneratedText.utc(created) + #"","epcisBody":{"eventList":["#
        for (index, event) in events.enumerated() {
            if index > 0 { text += "," }
            switch event {
            case .make(let lot): make(lot)
            case .ship(let lot, let holder): ship(lot, to: holder)
            case .commission(let cellLot): commission(cellLot)
            case .module(let index): assemble(plan.modules[index], step: "assembling", kWh: 3)
            case .pack(let index): assemble(plan.packs[index], step: "packing", kWh: 25)
            }
        }
        text += "]}}"
        return Array(text.utf8)
    }

    // MARK: Pieces

    private mutating func head(_ type: String, _ time: Int64, _ actor: Actor) {
        let spec = actor.spec
        text += #"{"type":""# + type + #"","eventTime":""#
        text += GeneratedText.time(time, zone: spec.timeZone, offset: spec.offsetMilliseconds)
        text += #"","eventTimeZoneOffset":""# + spec.timeZone + "\""
    }

    private mutating func quantity(_ lot: Int, grams: Int64) {
        let lot = plan.lots[lot]
        text +=
            #"{"epcClass":""# + lot.id + "\"," + GeneratedText.mass(grams: grams, tonnes: lot.stage.spec.tonnes) + "}"
    }

    private mutating func ilmd(_ lot: GeneratedPlan.Lot, epcClass: Bool) {
        let spec = lot.stage.spec
        text += "{"
        if epcClass { text += #""epcClass":""# + lot.id + "\"," }
        text += #""ct:material":""# + spec.material + "\""
        if let grade = spec.grade { text += #","ct:grade":""# + grade + "\"" }
        if !spec.content.isEmpty {
            text += #","ct:elementContent":{"#
            text += spec.content.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
        }
        text += #","cbvmda:countryOfOrigin":""# + (spec.origin ?? lot.site.spec.country) + "\"}"
    }

    private mutating func electricity(
        _ supplies: [(kWh: Double, supply: String, factor: String?, certificate: String?)]
    ) {
        text += #","ct:electricity":["#
        for (index, supply) in supplies.enumerated() {
            if index > 0 { text += "," }
            text +=
                #"{"quantity":"# + GeneratedText.whole(supply.kWh) + #","uom":"KWH","supply":""# + supply.supply + "\""
            if let factor = supply.factor { text += #","kgCO2ePerKWh":""# + factor + "\"" }
            if let certificate = supply.certificate { text += #","certificates":[""# + certificate + "\"]" }
            text += "}"
        }
        text += "]"
    }

    private mutating func fuels(_ fuels: [(fuel: String, amount: Double, uom: String)]) {
        text += #","ct:fuels":["#
        text += fuels.map {
            "{\"fuel\":\"\($0.fuel)\",\"quantity\":\(GeneratedText.whole($0.amount)),\"uom\":\"\($0.uom)\"}"
        }
        .joined(separator: ",")
        text += "]"
    }

    /// Electricity, fuels and direct emissions of the event that makes `lot`, per kilogram made
    /// (per kWh of cells), within ±10 % from lot to lot.
    private mutating func processData(_ index: Int) {
        let lot = plan.lots[index]
        var random = GeneratorRandom(plan.seed, 3, UInt64(lot.stage.rawValue), UInt64(lot.number))
        let kg = Double(lot.grams) / 1000
        func per(_ base: Double) -> Double { kg * random.around(base) }
        switch lot.stage {
        case .spodumene:
            electricity([(per(0.1), "grid", nil, nil)])
            fuels([("diesel", per(0.85), "3B")])
        case .brine:
            electricity([(per(0.05), "grid", nil, nil)])
            fuels([("diesel", per(0.2), "3B")])
        case .lithiumCarbonate:
            electricity([(per(1.5), "grid", nil, nil)])
            fuels([("natural-gas", per(12), "3B")])
        case .lithiumHydroxide:
            let spodumeneRoute = lot.coProduct != nil
            let total = per(spodumeneRoute ? 3 : 1.2)
            electricity([(total * 0.4, "grid", nil, nil), (total * 0.6, "direct-line", "0.004", nil)])
            if spodumeneRoute {
                fuels([("natural-gas", per(60), "3B"), ("coal", per(1.3), "KGM")])
            } else {
                fuels([("natural-gas", per(8), "3B")])
            }
        case .laterite:
            fuels([("diesel", per(0.05), "3B")])
        case .mhp:
            electricity([(per(3.5), "onsite", "1.08", nil)])
            fuels([("coal", per(0.9), "KGM")])
            text += #","ct:directEmissions":{"kgCO2e":""# + GeneratedText.decimal(per(0.6), digits: 1) + "\"}"
        case .copperCobaltOre:
            electricity([(per(0.02), "grid", nil, nil)])
            fuels([("diesel", per(0.09), "3B")])
        case .artisanalOre:
            fuels([("diesel", per(0.005), "3B")])
        case .cobaltHydroxide:
            electricity([(per(4), "grid", nil, nil)])
            fuels([("heavy-fuel-oil", per(5), "3B")])
        case .nickelSulfate:
            electricity([(per(0.8), "grid", nil, nil)])
            fuels([("natural-gas", per(6), "3B")])
        case .cobaltSulfate:
            electricity([(per(1.1), "grid", nil, nil)])
            fuels([("natural-gas", per(7), "3B")])
        case .pcam:
            electricity([(per(2.5), "grid", nil, nil)])
            fuels([("natural-gas", per(15), "3B")])
        case .cam:
            // Kilns on the grid; a third matched by energy-attribute certificates, one per lot.
            let total = per(9)
            let certificate = "urn:celltrace:irec:CN-GZ-" + GeneratedText.padded(lot.number, 6)
            electricity([(total * 0.7, "grid", nil, nil), (total * 0.3, "certificate", "0", certificate)])
        case .graphite:
            electricity([(per(0.15), "grid", nil, nil)])
            fuels([("diesel", per(0.3), "3B")])
        case .anode:
            electricity([(per(4.5), "grid", nil, nil)])
            fuels([("natural-gas", per(8), "3B")])
            text += #","ct:directEmissions":{"kgCO2e":""# + GeneratedText.decimal(per(0.15), digits: 1) + "\"}"
        case .cells:
            // About 40 kWh of electricity and 10 MJ of gas (dry rooms) per kWh of cells; the
            // Hungarian plant buys 60 % through a PPA with guarantees of origin, one per lot.
            let capacity = Double(lot.cellLot.map { plan.cellLots[$0].cells } ?? 0) * GeneratedNetwork.Cell.energyKWh
            let power = capacity * random.around(40)
            if lot.site == .cellPlantHU {
                let certificate = "urn:celltrace:go:HU-" + GeneratedText.padded(lot.number, 7)
                electricity([(power * 0.4, "grid", nil, nil), (power * 0.6, "ppa", "0.02", certificate)])
            } else {
                electricity([(power, "grid", nil, nil)])
            }
            fuels([("natural-gas", capacity * random.around(10), "3B")])
        default:
            break
        }
    }

    // MARK: Events

    private mutating func make(_ index: Int) {
        let lot = plan.lots[index]
        let spec = lot.stage.spec
        let maker = lot.site.spec.actor
        let facility = lot.site.spec.id
        if lot.stage.isSource {
            head("ObjectEvent", lot.madeAt, maker)
            text += #","action":"ADD","bizStep":"commissioning","disposition":"active","readPoint":{"id":""#
            text += facility + #""},"bizLocation":{"id":""# + facility + #""},"quantityList":["#
            quantity(index, grams: lot.grams)
            text += #"],"ilmd":"#
            ilmd(lot, epcClass: false)
        } else {
            head("TransformationEvent", lot.madeAt, maker)
            text += #","bizStep":""# + (lot.stage == .cells ? "assembling" : "commissioning")
            text += #"","bizLocation":{"id":""# + facility + #""},"inputQuantityList":["#
            for (position, draw) in lot.inputs.enumerated() {
                if position > 0 { text += "," }
                quantity(draw.lot, grams: draw.grams)
            }
            text += #"],"outputQuantityList":["#
            quantity(index, grams: lot.grams)
            if let co = lot.coProduct {
                text += ","
                quantity(co, grams: plan.lots[co].grams)
                text += #"],"ilmd":{"ct:lots":["#
                ilmd(lot, epcClass: true)
                text += ","
                ilmd(plan.lots[co], epcClass: true)
                text += "]}"
            } else {
                text += #"],"ilmd":"#
                ilmd(lot, epcClass: false)
            }
            if let yield = lot.yield { text += #","ct:yield":""# + yield + "\"" }
        }
        text += #","ct:lifeCycleStage":""# + spec.lifeCycleStage + #"","ct:dataQuality":""# + spec.dataQuality + "\""
        processData(index)
        if let co = lot.coProduct {
            // Prices for allocating the burden between the product and its co-product (USD per kg).
            var random = GeneratorRandom(plan.seed, 4, UInt64(lot.stage.rawValue), UInt64(lot.number))
            let (main, by) = lot.stage == .lithiumHydroxide ? (10.5, 0.12) : (7.8, 9.1)
            text += #","ct:coProductPrices":[{"epcClass":""# + lot.id + #"","pricePerKg":""#
            text += GeneratedText.decimal(random.around(main), digits: 2) + #"","currency":"USD"},{"epcClass":""#
            text += plan.lots[co].id + #"","pricePerKg":""# + GeneratedText.decimal(random.around(by), digits: 2)
            text += #"","currency":"USD"}]"#
        }
        text += "}"
    }

    private mutating func ship(_ index: Int, to holder: Actor) {
        let lot = plan.lots[index]
        let maker = lot.site.spec.actor
        let time = lot.cellLot.flatMap { plan.cellLots[$0].shippedToPacks } ?? lot.madeAt + 6 * 3_600_000
        head("ObjectEvent", time, maker)
        text += #","action":"OBSERVE","bizStep":"shipping","disposition":"in_transit","readPoint":{"id":""#
        text += lot.site.spec.id + #""},"quantityList":["#
        quantity(index, grams: lot.grams)
        text += #"],"sourceList":[{"type":"owning_party","source":""# + maker.spec.party
        text += #""}],"destinationList":[{"type":"owning_party","destination":""# + holder.spec.party + #""}]"#
        text += #","ct:transport":["#
        let legs = GeneratedNetwork.route(lot.stage, from: maker, to: holder).legs
        for (position, leg) in legs.enumerated() {
            if position > 0 { text += "," }
            text += #"{"mode":""# + leg.mode + #"","distance":\#(leg.kilometres),"distanceUom":"KMT","mass":"#
            text += GeneratedText.scaled(lot.grams, places: 6) + #","massUom":"TNE"}"#
        }
        text += #"],"ct:lifeCycleStage":""# + lot.stage.spec.lifeCycleStage + "\"}"
    }

    private mutating func commission(_ index: Int) {
        let cellLot = plan.cellLots[index]
        let lot = plan.lots[cellLot.lot]
        let maker = lot.site.spec.actor
        head("ObjectEvent", lot.madeAt + 2 * 3_600_000, maker)
        text += #","action":"ADD","bizStep":"commissioning","disposition":"active","bizLocation":{"id":""#
        text += lot.site.spec.id + #""},"epcList":[],"ct:cellLot":""# + lot.id + #"","ct:serialRanges":["#
        for (position, range) in cellLot.ranges.enumerated() {
            if position > 0 { text += "," }
            text += #"{"prefix":""# + range.prefix + #"","first":"\#(range.first)","last":"\#(range.last)"}"#
        }
        text += #"],"ct:cellMass":{"quantity":"# + GeneratedNetwork.Cell.massText + #","uom":"KGM"}"#
        text += #","ct:nominalEnergy":{"quantity":"# + GeneratedNetwork.Cell.energyText + #","uom":"KWH"}"#
        text += #","ct:batteryModel":""# + GeneratedNetwork.Cell.model + #"","ct:lifeCycleStage":"main-production"}"#
    }

    private mutating func assemble(_ unit: GeneratedPlan.Unit, step: String, kWh: Int) {
        head("AggregationEvent", unit.time, .packMaker)
        let facility = GeneratedNetwork.Site.packPlant.spec.id
        text += #","action":"ADD","bizStep":""# + step + #"","disposition":"active","bizLocation":{"id":""#
        text += facility + #""},"parentID":""# + unit.id + #"","childEPCs":["#
        text += unit.children.map { "\"" + $0 + "\"" }.joined(separator: ",")
        text += #"],"ct:lifeCycleStage":"main-production","ct:dataQuality":"primary""#
        text += #","ct:electricity":[{"quantity":\#(kWh),"uom":"KWH","supply":"grid"}]}"#
    }
}
