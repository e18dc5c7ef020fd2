import Carbon
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

/// Shipments of cells, modules and packs by id (`epcList`) with transport: accepted with the
/// custody rule, and counted in the distribution stage of exactly the units shipped.
@Suite("Carbon: shipments of cells, modules and packs count in their distribution stage")
struct UnitShipmentTests {
    static let module = "urn:test:module:1"
    static let pack = "urn:test:pack:1"
    static let otherPack = "urn:test:pack:2"

    /// A shipment of `units` by `from` to `to`, from the cell plant, with one sea leg.
    static func shipment(
        _ units: [String],
        from: String = "maker",
        to: String = "packer",
        day: Int = 6,
        at facility: String? = Graph.cellPlant,
        transport: String =
            #","ct:transport":[{"mode":"sea","distance":1000,"distanceUom":"KMT","mass":0.01,"massUom":"TNE"}]"#
    ) -> String {
        let list = units.map { "\"\($0)\"" }.joined(separator: ",")
        return """
            {"type":"ObjectEvent","eventTime":"\(Graph.time(day))","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping",\(facility.map { #""bizLocation":{"id":"\#($0)"},"# } ?? "")"epcList":[\(list)],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:\(from)"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:\(to)"}]\(transport)}
            """
    }

    /// The graph of the hand computations, with a module of P1 and P2 in a pack with P3, a pack
    /// of P4, and a packer with its own key.
    static func graph() throws -> (Graph, Ed25519PrivateKey) {
        let graph = try Graph()
        let packerKey = Ed25519PrivateKey()
        try graph.chain.registerActor(
            ActorDraft(id: "packer", name: "Packer", role: .packMaker, publicKey: packerKey.publicKey)
        )
        try graph.submit(Lots.events)
        try graph.submit([
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"urn:test:module:1","childEPCs":["urn:test:cell:P1","urn:test:cell:P2"]}"#,
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T09:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"urn:test:pack:1","childEPCs":["urn:test:module:1","urn:test:cell:P3"]}"#,
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T10:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"urn:test:pack:2","childEPCs":["urn:test:cell:P4"]}"#,
        ])
        return (graph, packerKey)
    }

    @Test(
        "a shipment of two packs and a cell by epcList is accepted, and its leg is shared by mass in each unit's distribution stage"
    )
    func packShipmentCountsInDistribution() throws {
        let (graph, _) = try Self.graph()
        let before = try graph.footprint(Self.pack)
        #expect(before.total[.locationBased, .distribution] == 0)
        try graph.submit([Self.shipment([Self.pack, Self.otherPack, "urn:test:cell:P10"])])
        // The leg: 1000 km × 0.01 t × 0.01 kg CO2e/tkm = 0.1 kg CO2e, over 6 + 2 + 2 kg of units
        // (pack 1: P1, P2 in the module and P3, 2 kg each).
        let pack = try graph.footprint(Self.pack)
        #expect(close(pack.total[.locationBased, .distribution], 0.1 * 6 / 10))
        #expect(close(pack.total[.euDraft, .distribution], 0.06))
        #expect(close(pack.total.total(.locationBased), 3 * 1.08 + 0.06))
        let shipped = try #require(pack.contributions.first { $0.kind == .unitShipment })
        #expect(shipped.lot == Self.pack)
        #expect(shipped.stage == .distribution)
        #expect(shipped.kg == 6)
        #expect(pack.entries.contains(try #require(shipped.sequenceNumber)))
        #expect(close(try graph.footprint(Self.otherPack).total[.locationBased, .distribution], 0.02))
        let cell = try graph.footprint("urn:test:cell:P10")
        #expect(close(cell.total[.locationBased, .distribution], 0.02))
        #expect(close(cell.total.total(.locationBased), 1.08 + 0.02))
        // Exactly those units: a cell shipped inside the pack, and a cell not shipped, carry none of it.
        #expect(try graph.footprint("urn:test:cell:P1").total[.locationBased, .distribution] == 0)
        #expect(try graph.footprint("urn:test:cell:P11").total[.locationBased, .distribution] == 0)
        // Nor does the cell lot's per-kg footprint: the shipment moved units, not the lot.
        #expect(try graph.perKg(Lots.cells)[.locationBased, .distribution] == 0)
        // As of before the shipment it is not counted.
        let asOf = try graph.footprint(Self.pack, asOf: .size(try #require(shipped.sequenceNumber)))
        #expect(asOf.total[.locationBased, .distribution] == 0)
    }

    @Test("the receiver ships a pack on; the shipper, which no longer has it, cannot")
    func custodyOfShippedUnits() throws {
        let (graph, packerKey) = try Self.graph()
        try graph.submit([Self.shipment([Self.pack])])
        let onward = Self.shipment([Self.pack], from: "packer", to: "maker", day: 7, at: nil)
        // The maker shipped it: it is with the packer now.
        let error = try #require(throws: SupplyChainError.self) {
            try graph.submit([Self.shipment([Self.pack], day: 7)])
        }
        let shippedAt = try graph.chain.ledger.size - 1
        #expect(error.problems.map(\.field) == ["/epcList/0"])
        #expect(
            error.problems.first?.message
                == "\(Self.pack) is with packer, to which entry \(shippedAt) shipped it, not with maker (custody rule)"
        )
        try graph.chain.importSubmission(Array(onward.utf8), actor: "packer", key: packerKey)
        // Both legs count in the pack's distribution: 0.1 kg CO2e each, the pack alone on each.
        let pack = try graph.footprint(Self.pack)
        #expect(close(pack.total[.locationBased, .distribution], 0.2))
        #expect(pack.contributions.filter { $0.kind == .unitShipment }.count == 2)
        // The indexes the entries give, replayed, are the stored ones (sc.unit-shipments included).
        let audit = try graph.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test(
        "a shipment with transport that moves lots and units at once is refused, its leg would count in both; without activity data it moves both"
    )
    func lotsAndUnitsInOneShipment() throws {
        let (graph, _) = try Self.graph()
        let lots = #","quantityList":[{"epcClass":"\#(Lots.cells)","quantity":1,"uom":"KGM"}]"#
        let mixed = Self.shipment([Self.pack]).replacing(#","sourceList""#, with: lots + #","sourceList""#)
        #expect(mixed.contains("quantityList") && mixed.contains("ct:transport"))
        let size = try graph.chain.ledger.size
        let error = try #require(throws: SupplyChainError.self) { try graph.submit([mixed]) }
        #expect(try graph.chain.ledger.size == size, "nothing written")
        #expect(error.problems.map(\.field) == ["/epcList"], "\(error)")
        #expect(
            error.problems.first?.message
                == "a shipment with activity data (/ct:transport) moves lots (quantityList) or cells, modules and packs "
                + "(epcList), not both, or its legs would count in both; record them as two shipments, each with the "
                + "legs and mass it carries"
        )
        // Without activity data nothing is counted twice: the lot and the pack both move.
        let plain = Self.shipment([Self.pack], transport: "").replacing(
            #","sourceList""#,
            with: lots + #","sourceList""#
        )
        try graph.submit([plain])
        #expect(try graph.footprint(Self.pack).total[.locationBased, .distribution] == 0)
        let error2 = try #require(throws: SupplyChainError.self) {
            try graph.submit([Self.shipment([Self.pack], day: 7)])
        }
        #expect(error2.problems.first?.message.contains("is with packer") == true, "\(error2)")
        let audit = try graph.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("a lot shipment whose epcList names a pallet (an SSCC), not a unit, is recorded as the lot's shipment")
    func aPalletBesideLotsIsNoUnit() throws {
        let (graph, _) = try Self.graph()
        let lots = #","quantityList":[{"epcClass":"\#(Lots.cells)","quantity":1,"uom":"KGM"}]"#
        let pallet = Self.shipment(["urn:epc:id:sscc:6930001.0000000001"], transport: "")
            .replacing(#","sourceList""#, with: lots + #","sourceList""#)
        let size = try graph.chain.ledger.size
        try graph.submit([pallet])
        #expect(try graph.chain.ledger.size > size, "recorded")
        let audit = try graph.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("a shipment naming an unknown, uncommissioned or packed unit is refused at its epcList element")
    func refusedUnits() throws {
        let (graph, _) = try Self.graph()
        let size = try graph.chain.ledger.size
        let error = try #require(throws: SupplyChainError.self) {
            try graph.submit([
                Self.shipment([
                    "urn:test:cell:P1", "urn:test:cell:P999", "urn:test:pack:none", Self.otherPack, Self.otherPack,
                ])
            ])
        }
        #expect(try graph.chain.ledger.size == size)
        #expect(
            error.problems.map(\.field) == ["/epcList/0", "/epcList/1", "/epcList/2", "/epcList/4"],
            "\(error)"
        )
        #expect(
            error.problems.map(\.message) == [
                "urn:test:cell:P1 is in urn:test:pack:1, which carries it: ship the outermost unit, or take urn:test:cell:P1 out first",
                "urn:test:cell:P999 is neither a commissioned cell serial nor an assembled module or pack: a shipment's epcList names the cells, modules and packs it moves",
                "urn:test:pack:none is neither a commissioned cell serial nor an assembled module or pack: a shipment's epcList names the cells, modules and packs it moves",
                "urn:test:pack:2 is listed twice",
            ]
        )
        #expect(error.problems.allSatisfy { $0.index == 0 })
    }

    @Test("a unit shipment declared in error leaves the footprint, and stays in it as of before the declaration")
    func retractedUnitShipment() throws {
        let (graph, _) = try Self.graph()
        let shipment = Self.shipment([Self.pack])
        try graph.submit([shipment])
        let recorded = try graph.chain.ledger.size
        guard case .object(var members) = try JSONValue(parsing: shipment) else { fatalError() }
        members["errorDeclaration"] = ["declarationTime": "2026-01-08T00:00:00Z", "reason": "incorrect_data"]
        try graph.submit([JSONValue.object(members).canonicalString])
        #expect(try graph.footprint(Self.pack).total[.locationBased, .distribution] == 0)
        #expect(close(try graph.footprint(Self.pack, asOf: .size(recorded)).total[.locationBased, .distribution], 0.1))
        // Custody went back to the maker, which may ship it again.
        try graph.submit([Self.shipment([Self.pack], day: 9)])
        #expect(close(try graph.footprint(Self.pack).total[.locationBased, .distribution], 0.1))
        let audit = try graph.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test(
        "a declaration counts the cells' own shipments by id in their footprints, and not the shipment of the pack they are in"
    )
    func declarationCountsCellShipments() throws {
        let (graph, _) = try Self.graph()
        try graph.submit([
            Self.shipment(["urn:test:cell:P10", "urn:test:cell:P11"]), Self.shipment([Self.pack], day: 7),
        ])
        let declaration = try graph.chain.read { reader, txn, size in
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            return try Declaration.compute(
                model: "X",
                plant: Graph.cellPlant,
                from: try #require(PointInTime.time("2026-01-01")),
                to: try #require(PointInTime.time("2026-01-31")),
                engine: &engine,
                reader: reader,
                txn
            )
        }
        // 100 cells of 1.08 kg CO2e and 216 lifetime kWh each; P10 and P11 share one 0.1 kg CO2e
        // leg (0.05 each). The pack's own leg, which moved P1, P2 and P3 inside it, is the pack's,
        // not theirs: (100 × 1.08 + 0.1) ÷ 21,600 kWh.
        #expect(declaration.cellCount == 100)
        #expect(close(declaration.perLifetimeKWh.total(.locationBased), (100 * 1.08 + 0.1) / 21_600))
        #expect(close(declaration.perLifetimeKWh[.euDraft, .distribution], 0.1 / 21_600))
        #expect(close(declaration.ranges.reduce(0) { $0 + $1.shipments.total(.marketBased) }, 0.1))
        #expect(close(declaration.primaryShare[.locationBased] ?? 0, 1))
    }

    @Test(
        "a declaration's notes name the fallbacks taken in its cells' shipments by id, with their entries, as those of its cell lots' lineage"
    )
    func declarationNotesCellShipmentFallbacks() throws {
        let (graph, _) = try Self.graph()
        let declaration = { () throws -> Declaration in
            try graph.chain.read { reader, txn, size in
                var engine = try CarbonEngine(reader: reader, size: size, txn)
                return try Declaration.compute(
                    model: "X",
                    plant: Graph.cellPlant,
                    from: try #require(PointInTime.time("2026-01-01")),
                    to: try #require(PointInTime.time("2026-01-31")),
                    engine: &engine,
                    reader: reader,
                    txn
                )
            }
        }
        let onsite = { (note: Declaration.Note) in note.note.description.hasPrefix("the onsite supply states no factor")
        }
        #expect(try !declaration().notes.contains(where: onsite))
        // The cell's leg, and the warehouse's onsite electricity at no stated factor: the grid's stands in.
        let leg = #","ct:transport":[{"mode":"sea","distance":1000,"distanceUom":"KMT","mass":0.002,"massUom":"TNE"}]"#
        try graph.submit([
            Self.shipment(
                ["urn:test:cell:P10"],
                transport: leg + #","ct:electricity":[{"quantity":10,"uom":"KWH","supply":"onsite"}]"#
            )
        ])
        let shipment = try graph.chain.ledger.size - 1
        // Under each method the grid basis it takes stands in, each note with the shipment's entry.
        let notes = try declaration().notes.filter(onsite)
        #expect(!notes.isEmpty && notes.allSatisfy { $0.entries == [shipment] }, "\(notes)")
    }

    @Test(
        "a unit shipment's leg is weighed against its units' mass: one above 1.1 times it is warned of as counting against its units, one within it not"
    )
    func heavyLegWeighsUnits() throws {
        let (graph, _) = try Self.graph()
        // The pack weighs 6 kg: a 10 kg leg is more than 1.1 × 6 kg.
        let heavy = try graph.submit([Self.shipment([Self.pack])])
        #expect(heavy.warnings.map(\.field) == ["/ct:transport/0/mass"])
        #expect(
            heavy.warnings.first?.message
                == "the leg carries 0.01 t, more than the 0.006 t this event moves: its whole emissions count against "
                + "this event's units; give the mass they take up, not the vehicle's whole load"
        )
        // The other pack and four cells weigh 10 kg: the same leg is within them.
        let within = try graph.submit([
            Self.shipment([
                Self.otherPack, "urn:test:cell:P10", "urn:test:cell:P11", "urn:test:cell:P12", "urn:test:cell:P13",
            ])
        ])
        #expect(within.warnings.isEmpty, "\(within.warnings)")
    }
}
