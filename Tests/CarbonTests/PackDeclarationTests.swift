import Carbon
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

/// Declarations of module and pack models: `ct:batteryModel` on assemblies, and the declaration
/// at a module-pack plant counting the outermost modules and packs of the model.
@Suite("Carbon: declarations of module and pack models at a module-pack plant")
struct PackDeclarationTests {
    static let packPlant = "urn:test:facility:pack-plant"
    static let moduleA = "urn:test:module:A"
    static let packA = "urn:test:pack:A"
    static let packB = "urn:test:pack:B"
    static let packLate = "urn:test:pack:late"
    static let packOther = "urn:test:pack:other"
    static let moduleC = "urn:test:module:C"
    static let packOfOtherModel = "urn:test:pack:of-other-model"

    /// An assembly at `facility` at `time`, naming `model` when given, with `extra` members.
    static func assemble(
        _ parent: String,
        _ children: [String],
        at time: String,
        model: String? = nil,
        facility: String = packPlant,
        extra: String = ""
    ) -> String {
        let list = children.map { "\"\($0)\"" }.joined(separator: ",")
        let named = model.map { #","ct:batteryModel":"\#($0)""# } ?? ""
        return """
            {"type":"AggregationEvent","eventTime":"\(time)","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\(facility)"},"parentID":"\(parent)","childEPCs":[\(list)]\(named)\(extra)}
            """
    }

    static let grid = #","ct:electricity":[{"quantity":10,"uom":"KWH","supply":"grid"}]"#

    /// The graph of the tests: the cells of `Lots`, a pack plant, two models and their units.
    ///
    /// The cells weigh 2 kg, give 0.5 kWh and carry 1.08 kg CO2e location-based each; the
    /// module-pack plant is in HU; the models are PACK-M and PACK-N. In January 2026 at the pack
    /// plant:
    /// - module A (P1, P2) of PACK-M inside pack A (module A, P3) of PACK-M, each assembly 10 kWh;
    /// - pack B (P4, P5) of PACK-M, shipped by id with a sea leg;
    /// - module C (P8, P9) of PACK-M inside a pack of PACK-N;
    /// - pack "other" (P7) of PACK-N, and pack "late" (P6) of PACK-M assembled on 20 January.
    static func graph() throws -> Graph {
        let graph = try Graph()
        try graph.chain.registerFacility(
            FacilityDraft(id: packPlant, name: "Pack plant", operatorID: "maker", kind: .modulePack, country: "HU")
        )
        try graph.chain.registerBatteryModel(
            ["id": "PACK-M", "category": "M1", "serviceYears": "8", "usableEnergyShare": "0.9"]
        )
        try graph.chain.registerBatteryModel(["id": "PACK-N", "category": "N1", "serviceYears": "10"])
        try graph.chain.registerActor(
            ActorDraft(id: "packer", name: "Packer", role: .packMaker, publicKey: Ed25519PrivateKey().publicKey)
        )
        try graph.submit(Lots.events)
        try graph.submit([
            assemble(
                moduleA,
                ["urn:test:cell:P1", "urn:test:cell:P2"],
                at: "2026-01-05T08:00:00Z",
                model: "PACK-M",
                extra: grid
            ),
            assemble(packA, [moduleA, "urn:test:cell:P3"], at: "2026-01-05T09:00:00Z", model: "PACK-M", extra: grid),
            assemble(packB, ["urn:test:cell:P4", "urn:test:cell:P5"], at: "2026-01-06T08:00:00Z", model: "PACK-M"),
            UnitShipmentTests.shipment([packB], day: 7, at: packPlant),
            assemble(moduleC, ["urn:test:cell:P8", "urn:test:cell:P9"], at: "2026-01-07T08:00:00Z", model: "PACK-M"),
            assemble(packOfOtherModel, [moduleC], at: "2026-01-07T09:00:00Z", model: "PACK-N"),
            assemble(packOther, ["urn:test:cell:P7"], at: "2026-01-08T08:00:00Z", model: "PACK-N"),
            assemble(packLate, ["urn:test:cell:P6"], at: "2026-01-20T08:00:00Z", model: "PACK-M"),
        ])
        return graph
    }

    /// The declaration of `model` at `plant` over January 1–15, 2026, as of `size` (now by default).
    static func declaration(
        _ graph: Graph,
        model: String = "PACK-M",
        plant: String = packPlant,
        to: String = "2026-01-15T23:59:59Z",
        asOf: UInt64? = nil,
        keepingFootprints: Bool = false
    ) throws -> Declaration {
        try graph.chain.read { reader, txn, now in
            var engine = try CarbonEngine(reader: reader, size: asOf ?? now, txn)
            return try Declaration.compute(
                model: model,
                plant: plant,
                from: try #require(PointInTime.time("2026-01-01")),
                to: try #require(PointInTime.time(to)),
                engine: &engine,
                reader: reader,
                keepingFootprints: keepingFootprints,
                txn
            )
        }
    }

    @Test(
        "the declaration of a pack model is the packs' footprints over their lifetime kWh, by method and stage, each unit's kg CO2e its footprint's"
    )
    func figureIsThePackFootprintsOverTheirLifetimeEnergy() throws {
        let graph = try Self.graph()
        let declaration = try Self.declaration(graph)
        #expect(declaration.scope == .units)
        #expect(declaration.ranges.isEmpty)
        #expect(declaration.units.map(\.id) == [Self.packA, Self.packB, Self.moduleC])
        #expect(declaration.units.map(\.kind) == [.pack, .module, .module])
        #expect(declaration.units.map(\.cells) == [3, 2, 2])
        #expect(declaration.cellCount == 7)
        #expect(declaration.manufacturers.map(\.id) == ["maker"])
        // Computed independently: each unit's footprint, and its lifetime kWh from its cells'
        // nominal energy (0.5 kWh each) × 0.9 usable × 60 cycles × 8 years.
        let ids = [Self.packA, Self.packB, Self.moduleC]
        let footprints = try ids.map { try graph.footprint($0) }
        let lifetimes = [3.0, 2, 2].map { $0 * 0.5 * 0.9 * 60 * 8 }
        let totalKWh = lifetimes.reduce(0, +)
        #expect(close(declaration.lifetimeKWh, totalKWh))
        #expect(close(declaration.usableKWh, 7 * 0.5 * 0.9))
        for method in ElectricityMethod.allCases {
            let kg = footprints.reduce(0) { $0 + $1.total.total(method) }
            #expect(close(declaration.perLifetimeKWh.total(method), kg / totalKWh))
            #expect(close(declaration.perUsableKWh.total(method), kg / (7 * 0.5 * 0.9)))
            for stage in LifeCycleStage.allCases {
                let staged = footprints.reduce(0) { $0 + $1.total[method, stage] }
                #expect(close(declaration.perLifetimeKWh[method, stage], staged / totalKWh))
            }
            for (unit, footprint) in zip(declaration.units, footprints) {
                #expect(close(unit.kgCO2e.total(method), footprint.total.total(method)))
            }
        }
        // By hand, location-based: pack A's 3 cells (3 × 1.08) and two assemblies of 10 kWh at
        // HU 0.2 (4); pack B's 2 cells and its sea leg (0.1); module C's 2 cells.
        let kg = 3 * 1.08 + 4 + 2 * 1.08 + 0.1 + 2 * 1.08
        #expect(close(declaration.perLifetimeKWh.total(.locationBased), kg / totalKWh))
        #expect(close(declaration.perLifetimeKWh[.locationBased, .mainProduction], (7 * 0.2 + 4) / totalKWh))
        #expect(close(declaration.perLifetimeKWh[.locationBased, .distribution], 0.1 / totalKWh))
        #expect(close(declaration.primaryShare[.locationBased] ?? 0, 1))
        #expect(declaration.unrecordedStages == [.endOfLife])
    }

    @Test(
        "a module of the model inside a pack of the model is the pack's, counted once; one inside a pack of another model counts"
    )
    func moduleInPackCountedOnce() throws {
        let graph = try Self.graph()
        let declaration = try Self.declaration(graph)
        // Module A is in pack A (PACK-M): not counted, its cells and assembly are pack A's.
        #expect(!declaration.units.map(\.id).contains(Self.moduleA))
        // Module C is in a pack of PACK-N: it is the outermost unit of PACK-M, and counts.
        #expect(declaration.units.map(\.id).contains(Self.moduleC))
        // The pack of PACK-N counts in PACK-N's declaration, with module C inside it.
        let other = try Self.declaration(graph, model: "PACK-N")
        #expect(other.units.map(\.id) == [Self.packOfOtherModel, Self.packOther])
        #expect(other.cellCount == 3)
        // Taken out of pack A, module A is the outermost unit of PACK-M: counted beside it.
        try graph.submit([
            #"{"type":"AggregationEvent","eventTime":"2026-01-09T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"DELETE","bizLocation":{"id":"urn:test:facility:pack-plant"},"parentID":"urn:test:pack:A","childEPCs":["urn:test:module:A"]}"#
        ])
        let after = try Self.declaration(graph)
        #expect(after.units.map(\.id) == [Self.moduleA, Self.packA, Self.packB, Self.moduleC])
        #expect(after.cellCount == 7)
    }

    @Test("units first assembled outside the period, at another plant or not yet as of the size are not counted")
    func periodPlantAndSize() throws {
        let graph = try Self.graph()
        let whole = try Self.declaration(graph, to: "2026-01-31T00:00:00Z")
        #expect(whole.units.map(\.id).last == Self.packLate)
        // As of before pack B's assembly, only pack A counts (module C was not yet assembled).
        let sizeBeforeB = try graph.chain.read { reader, txn, _ in
            try #require(reader.assembly(Self.packB, txn)?.history.first?.sequenceNumber)
        }
        let earlier = try Self.declaration(graph, asOf: sizeBeforeB)
        #expect(earlier.units.map(\.id) == [Self.packA])
        // A pack of the model first assembled at the cell plant is not the pack plant's.
        try graph.submit([
            Self.assemble(
                "urn:test:pack:elsewhere",
                ["urn:test:cell:P20"],
                at: "2026-01-10T08:00:00Z",
                model: "PACK-M",
                facility: Graph.cellPlant
            )
        ])
        #expect(try Self.declaration(graph).units.count == 3)
        let audit = try graph.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("a cell plant's declaration counts cells as before, beside assemblies naming models")
    func cellPlantUnchanged() throws {
        let graph = try Self.graph()
        let declaration = try Self.declaration(graph, model: "X", plant: Graph.cellPlant)
        #expect(declaration.scope == .cells)
        #expect(declaration.units.isEmpty)
        #expect(declaration.cellCount == 100)
        #expect(close(declaration.perLifetimeKWh.total(.locationBased), 1.08 / 216))
    }

    @Test("no unit of the model at the pack plant, or a plant of another kind, is an error saying why")
    func nothingToDeclare() throws {
        let graph = try Self.graph()
        let none = #expect(throws: CarbonError.self) { try Self.declaration(graph, model: "X") }
        #expect(none?.description.contains("no modules or packs of model X were first assembled at") == true)
        let refinery = #expect(throws: CarbonError.self) {
            try Self.declaration(graph, model: "X", plant: Graph.refinery)
        }
        #expect(refinery?.description.contains("is a refinery facility: a declaration counts") == true)
    }

    @Test("the verified share and the kept footprints of a unit declaration are its units' footprints'")
    func keptFootprints() throws {
        let graph = try Self.graph()
        let declaration = try Self.declaration(graph, keepingFootprints: true)
        for unit in declaration.units {
            let footprint = try #require(unit.footprint)
            #expect(footprint.subject.id == unit.id)
            #expect(close(footprint.total.total(.euDraft), unit.kgCO2e.total(.euDraft)))
        }
        #expect(declaration.verifiedShare[.euDraft] == 0)
    }

    @Test(
        "an assembly naming another model than the unit has is refused, naming the unit, the model and the event that gave it; nothing is written"
    )
    func modelGivenOnce() throws {
        let graph = try Self.graph()
        let size = try graph.chain.ledger.size
        // The same model again is accepted; another is refused, naming the entry that gave it.
        let given = try graph.chain.read { reader, txn, _ in
            try #require(reader.assembly(Self.packA, txn)?.model(asOf: .max)?.step.sequenceNumber)
        }
        let error = #expect(throws: SupplyChainError.self) {
            try graph.submit([
                Self.assemble(Self.packA, ["urn:test:cell:P10"], at: "2026-01-10T08:00:00Z", model: "PACK-M"),
                Self.assemble(Self.packA, ["urn:test:cell:P11"], at: "2026-01-10T09:00:00Z", model: "PACK-N"),
            ])
        }
        let problem = try #require(error?.problems.first)
        #expect(error?.problems.count == 1)
        #expect(problem.index == 1)
        #expect(problem.field == "/ct:batteryModel")
        #expect(
            problem.message
                == "urn:test:pack:A is of battery model PACK-M, given by entry \(given); a module or pack keeps the model its first assembly naming one gave it: leave ct:batteryModel out, or give PACK-M"
        )
        #expect(try graph.chain.ledger.size == size)
        // A model given earlier in the same submission is named by that event's index.
        let within = #expect(throws: SupplyChainError.self) {
            try graph.submit([
                Self.assemble("urn:test:pack:new", ["urn:test:cell:P12"], at: "2026-01-10T08:00:00Z", model: "PACK-M"),
                Self.assemble("urn:test:pack:new", ["urn:test:cell:P13"], at: "2026-01-10T09:00:00Z", model: "PACK-N"),
            ])
        }
        #expect(within?.problems.first?.message.contains("given by event 0 of this submission") == true)
        #expect(try graph.chain.ledger.size == size)
        // Without a model, a later assembly keeps the unit's.
        try graph.submit([Self.assemble(Self.packA, ["urn:test:cell:P11"], at: "2026-01-10T09:00:00Z")])
        #expect(try Self.declaration(graph).units.first { $0.id == Self.packA }?.cells == 4)
    }

    @Test(
        "ct:batteryModel on an assembly is checked as on a commissioning: a number, an object or a blank is refused, an unregistered model warned of"
    )
    func modelChecks() throws {
        let graph = try Self.graph()
        for (value, shown) in [("5", "5"), (#"{"id":"PACK-M"}"#, #"{"id":"PACK-M"}"#), (#"" ""#, #"" ""#)] {
            let error = #expect(throws: SupplyChainError.self) {
                try graph.submit([
                    Self.assemble(
                        "urn:test:pack:checked",
                        ["urn:test:cell:P30"],
                        at: "2026-01-10T08:00:00Z",
                        extra: #","ct:batteryModel":"# + value
                    )
                ])
            }
            let problem = try #require(error?.problems.first)
            #expect(problem.field == "/ct:batteryModel")
            #expect(
                problem.message
                    == "must be the id of the module's or pack's battery model, a string as `celltrace model add` registers it (got \(shown)); leave it out when the model is not known"
            )
        }
        let report = try graph.submit([
            Self.assemble("urn:test:pack:checked", ["urn:test:cell:P30"], at: "2026-01-10T08:00:00Z", model: "PACK-MM")
        ])
        let warning = try #require(report.warnings.first)
        #expect(warning.field == "/ct:batteryModel")
        #expect(
            warning.message
                == "battery model PACK-MM is not registered (`celltrace model add`): until it is, urn:test:pack:checked is in no model's declaration; did you mean PACK-M?"
        )
        // A disassembly names no model.
        let error = #expect(throws: SupplyChainError.self) {
            try graph.submit([
                #"{"type":"AggregationEvent","eventTime":"2026-01-11T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"DELETE","bizLocation":{"id":"urn:test:facility:pack-plant"},"parentID":"urn:test:pack:checked","childEPCs":[],"ct:batteryModel":"PACK-M"}"#
            ])
        }
        let misplaced = error?.problems.first { $0.field == "/ct:batteryModel" }
        #expect(misplaced?.message.hasPrefix("names the battery model of cells a commissioning") == true)
    }
}
