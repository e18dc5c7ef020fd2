import Carbon
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

/// The small graph the hand computations use: a mine, a refinery with two co-products, a cell plant
/// with grid power and a PPA, and 100 cells of 2 kg and 0.5 kWh.
enum Lots {
    static let ore = "urn:test:lot:ore-1"
    static let hydroxide = "urn:test:lot:lioh-1"
    static let byproduct = "urn:test:lot:lioh-2"
    static let cells = "urn:test:lot:cells-1"
    static let anode = "urn:test:lot:anode-1"
    static let cell = "urn:test:cell:P7"

    static let mineData =
        #","ct:electricity":[{"quantity":100,"uom":"KWH","supply":"grid"}],"ct:fuels":[{"fuel":"diesel","quantity":1000,"uom":"3B"}]"#
    static let refineryData = #","ct:electricity":[{"quantity":1000,"uom":"KWH","supply":"grid"}]"#
    static let cellData =
        #","ct:electricity":[{"quantity":100,"uom":"KWH","supply":"grid"},{"quantity":100,"uom":"KWH","supply":"ppa","kgCO2ePerKWh":"0.05","certificates":["GO-1"]}]"#

    static var events: [String] {
        [
            Graph.extract(ore, kg: 1000, day: 1, content: #""Li":"0.02""#, extra: mineData),
            Graph.transform(
                [(ore, 1000)],
                [(hydroxide, 400), (byproduct, 100)],
                at: Graph.refinery,
                day: 2,
                material: "lithium-hydroxide",
                extra: refineryData
            ),
            Graph.transform(
                [(hydroxide, 400)],
                [(cells, 400)],
                at: Graph.cellPlant,
                day: 3,
                material: "cell",
                extra: cellData
            ),
            Graph.commission(cells, first: 1, last: 100, day: 4),
        ]
    }
}

@Suite("Carbon: footprints computed by hand on small graphs")
struct CarbonTests {
    @Test("a cell's footprint: every stage and electricity method as computed by hand, with its functional units")
    func cellByHand() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        let footprint = try graph.footprint(Lots.cell)
        // Mine: 100 kWh × 0.5 + 1000 MJ × 0.07 = 120 kg for 1000 kg of ore (AU has no residual or
        // consumption mix: the location factor stands in for both).
        // Refinery: 1000 kWh × 0.1 (CN-SC) location, × 0.7 (CN residual) market, × 0.6 (CN
        // consumption mix) EU; plus the ore's 120; 80 % to the 400 kg of hydroxide by mass.
        // Cells: location 200 × 0.2; market 100 × 0.3 + 100 × 0.05; EU 200 × 0.25; plus the hydroxide.
        // A 2 kg cell is 1/200 of the 400 kg lot.
        let expected: [(ElectricityMethod, raw: Double, main: Double)] = [
            (.locationBased, 2.0 / 400 * 0.8 * (100 + 120), 2.0 / 400 * 40),
            (.marketBased, 2.0 / 400 * 0.8 * (700 + 120), 2.0 / 400 * 35),
            (.euDraft, 2.0 / 400 * 0.8 * (600 + 120), 2.0 / 400 * 50),
        ]
        for (method, raw, main) in expected {
            #expect(close(footprint.total[method, .rawMaterialAcquisition], raw), "\(method) raw")
            #expect(close(footprint.total[method, .mainProduction], main), "\(method) main")
            #expect(footprint.total[method, .distribution] == 0)
            #expect(close(footprint.total.total(method), raw + main))
        }
        #expect(close(footprint.total.total(.locationBased), 1.08))
        #expect(close(footprint.usableKWh, 0.45))
        #expect(close(try #require(footprint.lifetimeKWh), 0.45 * 60 * 8))
        #expect(close(try #require(footprint.perLifetimeKWh(.locationBased)), 1.08 / 216))
        #expect(close(try #require(footprint.perUsableKWh(.marketBased)), 3.455 / 0.45))
        #expect(footprint.primaryShare(.locationBased) == 1)
        #expect(footprint.dataGaps(.locationBased).isEmpty)
        // The contributions: 4 kg of ore (0.48), 0.4 % of the refinery (0.4), 0.5 % of the cell line (0.2).
        let byKind = Dictionary(grouping: footprint.contributions, by: \.lot)
        #expect(close(try #require(byKind[Lots.ore]?.first).emissions.total(.locationBased), 0.48))
        #expect(close(try #require(byKind[Lots.ore]?.first).kg, 4))
        #expect(close(try #require(byKind[Lots.hydroxide]?.first).emissions.total(.locationBased), 0.4))
        #expect(close(try #require(byKind[Lots.cells]?.first).emissions.total(.locationBased), 0.2))
        // The receipt names the factor table, the model and every event entry used.
        #expect(
            Set(footprint.factors.map(\.key)).isSuperset(of: [
                "grid:HU:location", "fuel:diesel:MJ", "grid:CN:residual-mix",
            ])
        )
        #expect(footprint.factors.allSatisfy { $0.table == "test-factors@1" && $0.sequenceNumber != nil })
        let model = try #require(footprint.model)
        #expect(footprint.entries.contains(model.registeredAt))
        for contribution in footprint.contributions {
            #expect(footprint.entries.contains(try #require(contribution.sequenceNumber)))
        }
    }

    @Test("the memoised roll-up gives the same per-kg footprint as the push that shows the working")
    func rollUpMatchesPush() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        let perKg = try graph.perKg(Lots.cells)
        let cell = try graph.footprint(Lots.cell)
        let lot = try graph.footprint(Lots.cells)
        for method in ElectricityMethod.allCases {
            for stage in LifeCycleStage.allCases {
                #expect(close(perKg[method, stage] * 2, cell.total[method, stage]))
                #expect(close(perKg[method, stage] * 400, lot.total[method, stage]))
            }
        }
    }

    @Test("a roll-up of many lots gives each lot's perKg, and the same engine still shows a footprint's working")
    func rollUpOfEachMatchesPerKg() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        let lots = [Lots.cells, Lots.hydroxide, Lots.byproduct, Lots.ore, Lots.cells]
        let one = try lots.map { try graph.perKg($0) }
        let (all, commissioned, footprint) = try graph.chain.read { reader, txn, size in
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            let all = try engine.perKg(ofEach: lots, txn).map(\.total)
            let footprint = try engine.footprint(of: Subject.resolve(Lots.cell, reader: reader, size: size, txn), txn)
            return (all, try reader.commissionedLots(txn), footprint)
        }
        #expect(all == one)
        #expect(commissioned == [Lots.cells])
        let fresh = try graph.footprint(Lots.cell)
        #expect(footprint.total == fresh.total)
        #expect(footprint.contributions.count == fresh.contributions.count)

        // The other way round: the lots a footprint met keep their slots through the roll-up.
        let (before, rolled, after) = try graph.chain.read { reader, txn, size in
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            let subject = try Subject.resolve(Lots.cell, reader: reader, size: size, txn)
            let before = try engine.footprint(of: subject, txn)
            let rolled = try engine.perKg(ofEach: lots, txn).map(\.total)
            return (before, rolled, try engine.footprint(of: subject, txn))
        }
        #expect(rolled == one)
        #expect(before.total == fresh.total && after.total == fresh.total)
        #expect(after.contributions.count == fresh.contributions.count)
    }

    /// Ships the 400 kg of cells and the 100 kg of by-product from `facility` to a pack maker: 0.5 t
    /// over 1,000 km by sea at 0.01 kg per tkm, 5 kg, 4 for the cells and 1 for the by-product,
    /// 0.01 kg per kg of each.
    static func shipCellsAndByproduct(_ graph: Graph, from facility: String) throws {
        try graph.chain.registerActor(
            ActorDraft(id: "packer", name: "Packer", role: .packMaker, publicKey: Ed25519PrivateKey().publicKey)
        )
        try graph.submit([
            """
            {"type":"ObjectEvent","eventTime":"\(Graph.time(5))","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","bizLocation":{"id":"\(facility)"},"quantityList":[{"epcClass":"\(Lots.cells)","quantity":400,"uom":"KGM"},{"epcClass":"\(Lots.byproduct)","quantity":100,"uom":"KGM"}],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:maker"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:packer"}],"ct:transport":[{"mode":"sea","distance":1000,"distanceUom":"KMT","mass":0.5,"massUom":"TNE"}]}
            """
        ])
    }

    @Test(
        "one shipment of a lot made at the cell plant and of a lot made upstream: each lot's share under its own stage, whichever lot an engine meets first"
    )
    func shipmentOfLotsFromDifferentStages() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        try Self.shipCellsAndByproduct(graph, from: Graph.cellPlant)
        let cells = try graph.perKg(Lots.cells)
        let byproduct = try graph.perKg(Lots.byproduct)
        // The cells were made at the cell plant: their shipping is distribution. The by-product was
        // made at the refinery: its shipping is the shipping facility's own stage.
        #expect(close(cells[.locationBased, .distribution], 0.01))
        #expect(close(byproduct[.locationBased, .distribution], 0))
        #expect(close(byproduct[.locationBased, .mainProduction], 0.01))
        for order in [[Lots.cells, Lots.byproduct], [Lots.byproduct, Lots.cells]] {
            let (rolled, footprints) = try graph.chain.read { reader, txn, size in
                var engine = try CarbonEngine(reader: reader, size: size, txn)
                let rolled = try engine.perKg(ofEach: order, txn).map(\.total)
                let footprints = try order.map {
                    try engine.footprint(of: Subject.resolve($0, reader: reader, size: size, txn), txn).total
                }
                return (rolled, footprints)
            }
            let expected = order == [Lots.cells, Lots.byproduct] ? [cells, byproduct] : [byproduct, cells]
            #expect(rolled == expected)
            #expect(try footprints == order.map { try graph.footprint($0).total })
        }
    }

    @Test(
        "a shipment that names its place by readPoint counts at that facility's grid, as one by bizLocation; grid electricity where no facility is named is refused"
    )
    func shipmentAtItsReadPoint() throws {
        func shipment(_ place: String, _ id: String) -> String {
            """
            {"type":"ObjectEvent","eventTime":"\(Graph.time(5))","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","\(place)":{"id":"\(id)"},"quantityList":[{"epcClass":"\(Lots.cells)","quantity":400,"uom":"KGM"}],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:maker"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:packer"}],"ct:electricity":[{"quantity":100,"uom":"KWH","supply":"grid"}]}
            """
        }
        var footprints: [Footprint] = []
        for place in ["readPoint", "bizLocation"] {
            let graph = try Graph()
            try graph.submit(Lots.events)
            try graph.chain.registerActor(
                ActorDraft(id: "packer", name: "Packer", role: .packMaker, publicKey: Ed25519PrivateKey().publicKey)
            )
            try graph.submit([shipment(place, Graph.cellPlant)])
            let footprint = try graph.footprint(Lots.cell)
            footprints.append(footprint)
            // 100 kWh on the HU grid at 0.2, over the lot's 400 kg: 0.1 kg CO2e for a 2 kg cell.
            let shipped = try #require(footprint.contributions.first { $0.kind == .shipment }, "\(place)")
            #expect(shipped.facility == Graph.cellPlant, "\(place)")
            #expect(shipped.stage == .distribution, "\(place)")
            #expect(close(footprint.total[.locationBased, .distribution], 0.1), "\(place)")
            #expect(close(try graph.perKg(Lots.cells)[.euDraft, .distribution], 100 * 0.25 / 400), "\(place)")
        }
        #expect(footprints[0].total == footprints[1].total)
        // A readPoint that is no facility of the submitter gives no grid to count at: refused, not
        // left to fail every footprint of the lot.
        let graph = try Graph()
        try graph.submit(Lots.events)
        try graph.chain.registerActor(
            ActorDraft(id: "packer", name: "Packer", role: .packMaker, publicKey: Ed25519PrivateKey().publicKey)
        )
        let size = try graph.chain.ledger.size
        let error = try #require(throws: SupplyChainError.self) {
            try graph.submit([shipment("readPoint", "urn:test:facility:dock-reader")])
        }
        #expect(error.problems.map(\.field) == ["/ct:electricity/0"], "\(error)")
        #expect(error.problems.first?.message.contains("names none of maker's") == true, "\(error)")
        #expect(try graph.chain.ledger.size == size)
    }

    @Test(
        "a warehouse's shipment of material made before the cell is transport of active materials (raw material acquisition), of cells distribution"
    )
    func warehouseShipmentStage() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        let before = try graph.perKg(Lots.byproduct)
        let warehouse = "urn:test:facility:warehouse"
        try graph.chain.registerFacility(
            FacilityDraft(id: warehouse, operatorID: "maker", kind: .warehouse, country: "DE")
        )
        try Self.shipCellsAndByproduct(graph, from: warehouse)
        let cells = try graph.perKg(Lots.cells)
        let byproduct = try graph.perKg(Lots.byproduct)
        #expect(close(cells[.locationBased, .distribution], 0.01))
        #expect(close(byproduct[.locationBased, .distribution], 0))
        #expect(close(byproduct[.locationBased, .mainProduction], 0))
        #expect(
            close(
                byproduct[.locationBased, .rawMaterialAcquisition],
                before[.locationBased, .rawMaterialAcquisition] + 0.01
            )
        )
        let footprint = try graph.footprint(Lots.byproduct)
        let shipment = try #require(footprint.contributions.first { $0.kind == .shipment })
        #expect(shipment.stage == .rawMaterialAcquisition)
    }

    @Test("a transport leg given as one object is sealed as a list's legs are, and counted")
    func singleTransportLegIsSealed() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        try graph.chain.registerActor(
            ActorDraft(id: "packer", name: "Packer", role: .packMaker, publicKey: Ed25519PrivateKey().publicKey)
        )
        let before = try graph.chain.ledger.size
        try graph.submit([
            """
            {"type":"ObjectEvent","eventTime":"\(Graph.time(5))","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","bizLocation":{"id":"\(Graph.cellPlant)"},"quantityList":[{"epcClass":"\(Lots.byproduct)","quantity":100,"uom":"KGM"}],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:maker"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:packer"}],"ct:transport":{"mode":"sea","distance":1000,"distanceUom":"KMT","mass":0.1234,"massUom":"TNE"}}
            """
        ])
        var sealed: [String] = []
        try graph.chain.ledger.forEachEntry(in: before..<(try graph.chain.ledger.size)) { sequence, bytes in
            let entry = try Entry(canonicalBytes: bytes)
            guard entry.type == SupplyChainLedger.EntryType.event else { return }
            #expect(!String(decoding: bytes, as: UTF8.self).contains("0.1234"), "entry \(sequence) shows the mass")
            sealed += entry.commitments.keys.map(\.text)
        }
        #expect(sealed.contains("/ct:transport/mass"), "\(sealed)")
        // 0.1234 t over 1,000 km by sea at 0.01 kg per tkm, for 100 kg.
        #expect(close(try graph.perKg(Lots.byproduct)[.locationBased, .mainProduction], 1.234 / 100))
    }

    @Test(
        "a roll-up of a generated network gives every cell lot the footprint per kg that a whole account gives, with and without a what-if supply"
    )
    func rollUpOfAGeneratedNetwork() throws {
        let directory = TemporaryDirectory()
        let chain = try SupplyChainLedger.create(
            at: directory.path + "/ledger",
            origin: "celltrace.test/carbon-roll-up",
            options: Ledger.Options(durable: false)
        )
        // Grid, certificate and PPA supplies, fuels, co-products and shipments.
        _ = try SupplyNetworkGenerator(options: .init(cells: 3_000, cellsPerLot: 500, seed: 11)).generate(into: chain)
        try chain.read { reader, txn, size in
            let lots = try reader.commissionedLotNumbers(txn)
            #expect(lots.count == 6)
            #expect(lots.map(\.lot) == (try reader.commissionedLots(txn)))
            let cellPlant = try #require(try reader.card(number: lots[0].number, txn)?.facility)
            var whatIf = Scenario()
            whatIf.supplies[cellPlant] = SupplyChange(supply: .ppa, kgCO2ePerKWh: 0.01)
            var certified = Scenario()
            certified.supplies[cellPlant] = SupplyChange(supply: .certificate, kgCO2ePerKWh: 0)
            var totals: Set<Emissions> = []
            for scenario in [Scenario(), whatIf, certified] {
                var byNumber = try CarbonEngine(reader: reader, size: size, scenario: scenario, txn)
                var byID = try CarbonEngine(reader: reader, size: size, scenario: scenario, txn)
                let rolled = try byNumber.perKg(ofEach: lots, txn)
                #expect(try byID.perKg(ofEach: lots.map(\.lot), txn).map(\.total) == rolled.map(\.total))
                // A roll-up of one lot at a time keeps to the lots it meets.
                #expect(try reader.lotCount(txn) > CarbonEngine.wholeLedgerRollUp)
                var lotByLot = try CarbonEngine(reader: reader, size: size, scenario: scenario, txn)
                for (index, lot) in lots.enumerated() {
                    // A new engine per lot keeps its recipes: every account whole, with its factors.
                    var whole = try CarbonEngine(reader: reader, size: size, scenario: scenario, txn)
                    let one = try whole.perKg(lot.lot, txn)
                    #expect(rolled[index].total == one.total, "\(lot.lot)")
                    #expect(rolled[index].primary == one.primary, "\(lot.lot)")
                    let alone = try #require(try lotByLot.perKg(ofEach: [lot], txn).first)
                    #expect(alone.total == one.total && alone.primary == one.primary, "\(lot.lot)")
                    #expect(one.total.total(.marketBased) > 0)
                }
                totals.insert(rolled[0].total)
            }
            // The what-ifs changed the numbers the roll-up gave.
            #expect(totals.count == 3)
        }

        // Every supply kind, with and without a stated factor, where a basis has a factor of its own
        // (the cell plant) and where it falls back to the location basis (the mine).
        func supplies(certificate: String) -> String {
            #","ct:electricity":[{"quantity":10,"uom":"KWH","supply":"grid"},{"quantity":20,"uom":"KWH","supply":"onsite"},{"quantity":30,"uom":"KWH","supply":"direct-line","kgCO2ePerKWh":"0.02"},{"quantity":40,"uom":"KWH","supply":"ppa"},{"quantity":50,"uom":"KWH","supply":"certificate","certificates":[""#
                + certificate + #""]}]"#
        }
        let graph = try Graph()
        try graph.submit(
            Lots.events + [
                Graph.extract("urn:test:lot:ore-9", kg: 100, day: 1, extra: supplies(certificate: "GO-8")),
                Graph.transform(
                    [(Lots.byproduct, 100)],
                    [("urn:test:lot:cathode-9", 90)],
                    at: Graph.cellPlant,
                    day: 4,
                    material: "cathode",
                    extra: supplies(certificate: "GO-9")
                ),
            ]
        )
        let lots = [
            Lots.cells, Lots.hydroxide, Lots.byproduct, Lots.ore, "urn:test:lot:ore-9", "urn:test:lot:cathode-9",
        ]
        let rolled = try graph.chain.read { reader, txn, size in
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            return try engine.perKg(ofEach: lots, txn)
        }
        for (lot, perKg) in zip(lots, rolled) {
            let whole = try graph.chain.read { reader, txn, size in
                var engine = try CarbonEngine(reader: reader, size: size, txn)
                return try engine.perKg(lot, txn)
            }
            #expect(perKg.total == whole.total && perKg.primary == whole.primary, "\(lot)")
        }
    }

    @Test("a roll-up that meets a process without a grid factor in force names it as a footprint does")
    func rollUpWithoutAGridFactor() throws {
        let bare = try Graph(factors: nil)
        try bare.submit([Graph.extract(Lots.ore, kg: 1000, day: 1, extra: Lots.mineData)])
        let footprint = try #require(throws: CarbonError.self) { try bare.footprint(Lots.ore) }
        let rollUp = try #require(throws: CarbonError.self) {
            try bare.chain.read { reader, txn, size in
                var engine = try CarbonEngine(reader: reader, size: size, txn)
                return try engine.perKg(ofEach: [Lots.ore], txn)
            }
        }
        #expect(rollUp.description == footprint.description)
    }

    @Test("co-products: mass below a price ratio of 4, economic above, minor co-products left out of the ratio")
    func allocation() throws {
        for (priceB, method) in [("3", Allocation.Method.mass), ("2", .economic)] {
            let graph = try Graph()
            let prices =
                #","ct:coProductPrices":[{"epcClass":"urn:test:lot:a","pricePerKg":"10","currency":"USD"},{"epcClass":"urn:test:lot:b","pricePerKg":"\#(priceB)","currency":"USD"},{"epcClass":"urn:test:lot:c","pricePerKg":"0.1","currency":"USD"}]"#
            try graph.submit([
                Graph.extract(Lots.ore, kg: 1000, day: 1, extra: Lots.mineData),
                Graph.transform(
                    [(Lots.ore, 1000)],
                    [("urn:test:lot:a", 400), ("urn:test:lot:b", 100), ("urn:test:lot:c", 10)],
                    at: Graph.refinery,
                    day: 2,
                    material: "sulfate",
                    extra: Lots.refineryData + prices
                ),
            ])
            let a = try graph.footprint("urn:test:lot:a")
            let allocation = try #require(
                a.contributions.first { $0.kind == .process && $0.lot == "urn:test:lot:a" }?.allocation
            )
            #expect(allocation.method == method)
            // c is 10 of 510 kg (≤ 3 %): the ratio is a's price over b's, not over c's.
            #expect(close(try #require(allocation.priceRatio), 10 / Double(priceB)!))
            // The rule in words, with the ratio for those who see prices and without it for others.
            #expect(allocation.reason.firstMatch(of: /price ratio [0-9.]+ (>|≤) 4/) != nil, "\(allocation.reason)")
            #expect(
                allocation.reasonWithoutPrices
                    == (method == .mass ? "mass: price ratio ≤ 4" : "economic: price ratio > 4"),
                "\(allocation.reasonWithoutPrices)"
            )
            #expect(close(allocation.shares.values.reduce(0, +), 1))
            let expectedShare = method == .mass ? 400.0 / 510 : 4000 / (4000 + 100 * Double(priceB)! + 1)
            #expect(close(try #require(allocation.shares["urn:test:lot:a"]), expectedShare))
            // Conservation, per stage and method: the outputs together carry the process and its input.
            var carried = Emissions.zero
            for (lot, kg) in [("urn:test:lot:a", 400.0), ("urn:test:lot:b", 100), ("urn:test:lot:c", 10)] {
                carried += try graph.perKg(lot).scaled(by: kg)
            }
            let burden: [ElectricityMethod: Double] = [.locationBased: 220, .marketBased: 820, .euDraft: 720]
            for (method, value) in burden {
                #expect(close(carried[method, .rawMaterialAcquisition], value))
                #expect(close(carried.total(method), value))
            }
        }
    }

    @Test("a lot without process data takes its material's default, marked secondary and ranked as a data gap")
    func defaultsAndGaps() throws {
        let graph = try Graph()
        try graph.submit([
            Graph.extract(Lots.ore, kg: 1000, day: 1, extra: Lots.mineData),
            Graph.transform(
                [(Lots.ore, 1000)],
                [(Lots.hydroxide, 400)],
                at: Graph.refinery,
                day: 2,
                material: "lithium-hydroxide",
                extra: Lots.refineryData
            ),
            Graph.extract(Lots.anode, kg: 100, at: Graph.cellPlant, day: 2, material: "anode-graphite"),
            Graph.transform(
                [(Lots.hydroxide, 300), (Lots.anode, 100)],
                [(Lots.cells, 400)],
                at: Graph.cellPlant,
                day: 3,
                material: "cell",
                extra: Lots.cellData
            ),
            Graph.commission(Lots.cells, first: 1, last: 100, day: 4),
        ])
        let footprint = try graph.footprint(Lots.cell)
        // The anode: 100 kg at 10 kg CO2e/kg in a 400 kg lot; 2 kg of cell carry 0.5 kg of it.
        let gap = try #require(footprint.dataGaps(.locationBased).first)
        #expect(gap.lot == Lots.anode && gap.kind == .materialDefault && !gap.isPrimary)
        #expect(close(gap.emissions.total(.locationBased), 5))
        let total = footprint.total.total(.locationBased)
        #expect(close(footprint.primaryShare(.locationBased), (total - 5) / total))
        #expect(footprint.factors.contains { $0.key == "material:anode-graphite" })
    }

    @Test("a lot with neither process data nor a default factor is an error naming the lot and material")
    func missingData() throws {
        let graph = try Graph()
        try graph.submit([Graph.extract("urn:test:lot:mystery", kg: 10, day: 1, material: "mystery-ore")])
        let error = try #require(throws: CarbonError.self) { try graph.footprint("urn:test:lot:mystery") }
        #expect(error.description.contains("urn:test:lot:mystery") && error.description.contains("mystery-ore"))
        // And a factor that no table provides is named with the facility.
        let bare = try Graph(factors: nil)
        try bare.submit([Graph.extract(Lots.ore, kg: 1000, day: 1, extra: Lots.mineData)])
        let missing = try #require(throws: CarbonError.self) { try bare.footprint(Lots.ore) }
        #expect(missing.description.contains("grid factor") && missing.description.contains(Graph.mine))
    }

    @Test("results do not depend on import order or batch boundaries")
    func orderIndependence() throws {
        let together = try Graph()
        try together.submit(Lots.events)
        let oneByOne = try Graph()
        for event in Lots.events { try oneByOne.submit([event]) }
        let a = try together.footprint(Lots.cell)
        let b = try oneByOne.footprint(Lots.cell)
        for method in ElectricityMethod.allCases {
            for stage in LifeCycleStage.allCases {
                #expect(close(a.total[method, stage], b.total[method, stage], 1e-12))
            }
        }
    }

    @Test("a correction: the retracted process is out of the footprint, and in it as of before the retraction")
    func correction() throws {
        let graph = try Graph()
        let wrong = Graph.transform(
            [(Lots.ore, 1000)],
            [(Lots.hydroxide, 400)],
            at: Graph.refinery,
            day: 2,
            material: "lithium-hydroxide",
            extra: #","ct:electricity":[{"quantity":9000,"uom":"KWH","supply":"grid"}]"#
        )
        try graph.submit([Graph.extract(Lots.ore, kg: 1000, day: 1, extra: Lots.mineData), wrong])
        let before = try graph.chain.ledger.size
        let wrongFootprint = try graph.footprint(Lots.hydroxide)
        #expect(close(wrongFootprint.total.total(.locationBased), 900 + 120))
        guard case .object(var members) = try JSONValue(parsing: wrong) else { fatalError() }
        members["errorDeclaration"] = ["declarationTime": "2026-01-05T08:00:00Z", "reason": "incorrect_data"]
        try graph.submit([
            JSONValue.object(members).canonicalString,
            Graph.transform(
                [(Lots.ore, 1000)],
                [(Lots.byproduct, 400)],
                at: Graph.refinery,
                day: 6,
                material: "lithium-hydroxide",
                extra: Lots.refineryData
            ),
        ])
        #expect(throws: ProvenanceError.self) { try graph.footprint(Lots.hydroxide) }
        #expect(close(try graph.footprint(Lots.byproduct).total.total(.locationBased), 100 + 120))
        let asOf = try graph.footprint(Lots.hydroxide, asOf: .size(before))
        #expect(close(asOf.total.total(.locationBased), 1020))
        // The trace of the corrected lot shows the ore; the retracted lot is gone from where-used.
        let used = try graph.whereUsed(Lots.ore)
        #expect(used.descendants.map(\.lot) == [Lots.byproduct])
    }

    @Test("a pack: its cells plus its assembly, and what-if changes show their difference")
    func packAndWhatIf() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        try graph.submit([
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"urn:test:pack:1","childEPCs":["urn:test:cell:P1","urn:test:cell:P2"],"ct:electricity":[{"quantity":10,"uom":"KWH","supply":"grid"}]}"#
        ])
        let pack = try graph.footprint("urn:test:pack:1")
        #expect(pack.subject.cellCount == 2)
        #expect(close(pack.total.total(.locationBased), 2 * 1.08 + 10 * 0.2))
        #expect(pack.contributions.contains { $0.kind == .assembly && $0.lot == "urn:test:pack:1" })
        // Green power at the refinery: 1000 kWh at 0 on a direct line counts under every method.
        var scenario = Scenario()
        scenario.supplies[Graph.refinery] = SupplyChange(supply: .directLine, kgCO2ePerKWh: 0)
        let green = try graph.footprint(Lots.cell, scenario: scenario)
        #expect(close(green.total.total(.locationBased), 1.08 - 0.4))
        #expect(close(green.total.total(.euDraft), 3.13 - 2.0 / 400 * 0.8 * 600))
        // A PPA does not count under the draft EU rule.
        scenario.supplies[Graph.refinery] = SupplyChange(supply: .ppa, kgCO2ePerKWh: 0)
        let ppa = try graph.footprint(Lots.cell, scenario: scenario)
        #expect(close(ppa.total.total(.euDraft), 3.13))
        #expect(close(ppa.total.total(.marketBased), 3.455 - 2.0 / 400 * 0.8 * 700))
        // Another grid factor.
        var grid = Scenario()
        grid.factors["grid:HU"] = 0
        #expect(close(try graph.footprint(Lots.cell, scenario: grid).total.total(.locationBased), 1.08 - 0.2))
    }

    @Test("a pack's receipt names the assembly steps that decide its cells, with activity data or without")
    func packReceiptNamesItsAssembly() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        try graph.submit([
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"urn:test:module:1","childEPCs":["urn:test:cell:P1","urn:test:cell:P2"]}"#,
            #"{"type":"AggregationEvent","eventTime":"2026-01-06T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"urn:test:pack:1","childEPCs":["urn:test:module:1"]}"#,
        ])
        let steps = try graph.chain.read { reader, txn, _ in
            try ["urn:test:module:1", "urn:test:pack:1"].flatMap {
                try #require(try reader.assembly($0, txn)).history.map(\.sequenceNumber)
            }
        }
        #expect(steps.count == 2)
        let pack = try graph.footprint("urn:test:pack:1")
        #expect(pack.subject.cellCount == 2)
        #expect(!pack.contributions.contains { $0.kind == .assembly }, "no activity data, nothing counted")
        for step in steps { #expect(pack.entries.contains(step), "entry \(step)") }
        #expect(pack.subject.assemblyEntries == steps.sorted())
        // A cell's receipt names no assembly: the cell is the subject, not what holds it.
        #expect(try graph.footprint("urn:test:cell:P1").entries.allSatisfy { !steps.contains($0) })
    }

    @Test(
        "a purchased material takes the default of its country of origin, in raw material acquisition, wherever recorded"
    )
    func purchasedMaterialDefaultByCountryOfOrigin() throws {
        let graph = try Graph()
        try graph.chain.recordFactorTable([
            "id": "materials", "version": 1, "source": "hand-made for the tests", "year": 2025,
            "factors": [
                ["category": "material", "name": "lithium-hydroxide", "value": "17.24", "unit": "kgCO2e/kg"],
                [
                    "category": "material", "name": "lithium-hydroxide", "geography": "CL", "value": "7.70",
                    "unit": "kgCO2e/kg",
                ],
                ["category": "material", "name": "brine-salt", "geography": "CL", "value": "5", "unit": "kgCO2e/kg"],
            ],
        ])
        // Bought in: added at the Hungarian cell plant, each with the country it was produced in.
        func purchase(_ lot: String, _ material: String, origin: String?, day: Int) -> String {
            let country = origin.map { #","cbvmda:countryOfOrigin":"\#($0)""# } ?? ""
            return """
                {"type":"ObjectEvent","eventTime":"\(Graph.time(day))","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\(Graph.cellPlant)"},"quantityList":[{"epcClass":"\(lot)","quantity":1000,"uom":"KGM"}],"ilmd":{"ct:material":"\(material)"\(country)}}
                """
        }
        try graph.submit([
            purchase("urn:test:lot:lioh-cl", "lithium-hydroxide", origin: "CL", day: 1),
            purchase("urn:test:lot:lioh-hu", "lithium-hydroxide", origin: nil, day: 1),
            purchase("urn:test:lot:salt-cl", "brine-salt", origin: "CL", day: 1),
            purchase("urn:test:lot:salt-au", "brine-salt", origin: "AU", day: 1),
        ])
        // The Chilean factor, not the generic one the plant's country would have fallen back to.
        let chilean = try graph.footprint("urn:test:lot:lioh-cl")
        #expect(chilean.factors.map(\.key) == ["material:lithium-hydroxide@CL"])
        #expect(close(chilean.total.total(.locationBased), 7_700))
        // A cradle-to-gate default is the material's production, not the cell plant's.
        #expect(close(chilean.total[.marketBased, .rawMaterialAcquisition], 7_700))
        #expect(chilean.total[.locationBased, .mainProduction] == 0)
        #expect(close(try graph.perKg("urn:test:lot:lioh-cl").total(.euDraft), 7.70))
        #expect(chilean.contributions.first?.notes == [.materialDefault(factor: "material:lithium-hydroxide@CL")])
        // No origin declared: the plant's country, which has no factor, then the generic one, said so.
        let hungarian = try graph.footprint("urn:test:lot:lioh-hu")
        #expect(close(hungarian.total.total(.locationBased), 17_240))
        #expect(
            hungarian.contributions.first?.notes.last
                == .materialCountryFallback(
                    missing: "material:lithium-hydroxide@HU",
                    used: "material:lithium-hydroxide"
                )
        )
        // Only a Chilean factor: it serves the Chilean lot, and the Australian one is an error naming both.
        #expect(close(try graph.footprint("urn:test:lot:salt-cl").total.total(.locationBased), 5_000))
        let error = try #require(throws: CarbonError.self) { try graph.footprint("urn:test:lot:salt-au") }
        #expect(error.description.contains("only for CL"), "\(error)")
        #expect(error.description.contains("add material:brine-salt@AU or material:brine-salt"), "\(error)")
    }

    @Test(
        "activity data on an event the engine does not count (commissioning, receiving) is refused, not counted as zero"
    )
    func activityDataWhereItCounts() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        let formation = #","ct:electricity":[{"quantity":50,"uom":"KWH","supply":"grid"}]"#
        var commissioning = Graph.commission(Lots.cells, first: 101, last: 110, day: 5)
        commissioning.removeLast()
        commissioning += formation + "}"
        let receiving = """
            {"type":"ObjectEvent","eventTime":"\(Graph.time(5))","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"receiving","quantityList":[{"epcClass":"\(Lots.byproduct)","quantity":100,"uom":"KGM"}],"ct:transport":[{"mode":"sea","distance":10,"distanceUom":"KMT","mass":0.1,"massUom":"TNE"}]}
            """
        let size = try graph.chain.ledger.size
        let error = try #require(throws: SupplyChainError.self) { try graph.submit([commissioning, receiving]) }
        #expect(try graph.chain.ledger.size == size)
        // The receipt is the maker's own, which no shipment brought back: refused for that too.
        #expect(
            error.problems.map(\.field) == ["/ct:electricity", "/quantityList/0/quantity", "/ct:transport"],
            "\(error)"
        )
        #expect(
            error.problems.filter { $0.field.hasPrefix("/ct:") }.allSatisfy {
                $0.message.contains("record it on the event that made the lot")
            }
        )
        #expect(error.problems[1].message.contains("no shipment of lot \(Lots.byproduct) went to maker"))
    }

    @Test("taking units out of a pack at a recycler is end of life, putting them in main production")
    func disassemblyAtARecycler() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        let recycler = "urn:test:facility:recycler"
        try graph.chain.registerFacility(
            FacilityDraft(id: recycler, operatorID: "maker", kind: .recycler, country: "HU")
        )
        try graph.submit([
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"urn:test:pack:1","childEPCs":["urn:test:cell:P1","urn:test:cell:P2"],"ct:electricity":[{"quantity":10,"uom":"KWH","supply":"grid"}]}"#,
            #"{"type":"AggregationEvent","eventTime":"2026-01-06T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"DELETE","bizLocation":{"id":"urn:test:facility:recycler"},"parentID":"urn:test:pack:1","childEPCs":["urn:test:cell:P1"],"ct:electricity":[{"quantity":5,"uom":"KWH","supply":"grid"}]}"#,
        ])
        let pack = try graph.footprint("urn:test:pack:1")
        let steps = pack.contributions.filter { $0.kind == .assembly }
        #expect(steps.map(\.stage).sorted { $0.rawValue < $1.rawValue } == [.endOfLife, .mainProduction])
        #expect(close(pack.total[.locationBased, .endOfLife], 5 * 0.2))
        #expect(close(pack.total[.locationBased, .mainProduction], 2.0 / 400 * 40 + 10 * 0.2))
    }

    @Test(
        "recycled input for a new battery is raw material acquisition, with its shipments by readPoint or bizLocation; end of life where the event says so"
    )
    func recycledInputIsRawMaterialAcquisition() throws {
        let graph = try Graph()
        let recycler = "urn:test:facility:recycler"
        try graph.chain.registerFacility(
            FacilityDraft(id: recycler, operatorID: "maker", kind: .recycler, country: "HU")
        )
        try graph.chain.registerActor(
            ActorDraft(id: "packer", name: "Packer", role: .packMaker, publicKey: Ed25519PrivateKey().publicKey)
        )
        let grid500 = #","ct:electricity":[{"quantity":500,"uom":"KWH","supply":"grid"}]"#
        func ship(_ place: String) -> String {
            """
            {"type":"ObjectEvent","eventTime":"\(Graph.time(3))","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","\(place)":{"id":"\(recycler)"},"quantityList":[{"epcClass":"urn:test:lot:recycled-lioh","quantity":50,"uom":"KGM"}],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:maker"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:packer"}],"ct:transport":[{"mode":"sea","distance":1000,"distanceUom":"KMT","mass":0.05,"massUom":"TNE"}]}
            """
        }
        try graph.submit([
            // Recycled hydroxide: 500 kWh on the HU grid (100 kg CO2e location-based) for 200 kg.
            Graph.extract(
                "urn:test:lot:recycled-lioh",
                kg: 200,
                at: recycler,
                day: 1,
                material: "lithium-hydroxide",
                extra: grid500
            ),
            // The same at the same recycler, but the event states its stage: it stays there.
            Graph.extract(
                "urn:test:lot:recycled-ni",
                kg: 100,
                at: recycler,
                day: 1,
                material: "nickel-sulfate",
                extra: grid500 + #","ct:lifeCycleStage":"end-of-life""#
            ),
            Graph.transform(
                [("urn:test:lot:recycled-lioh", 100), ("urn:test:lot:recycled-ni", 100)],
                [("urn:test:lot:cells-r", 200)],
                at: Graph.cellPlant,
                day: 2,
                material: "cell",
                extra: #","ct:electricity":[{"quantity":100,"uom":"KWH","supply":"grid"}]"#
            ),
            // The rest of the hydroxide leaves the recycler in two shipments, 0.5 kg CO2e each.
            ship("readPoint"),
            ship("bizLocation"),
        ])
        let cells = try graph.footprint("urn:test:lot:cells-r")
        // Half the hydroxide (50 kg CO2e) and half its shipments (0.5) as raw material acquisition,
        // the nickel's 100 in end of life as its event says, the cell plant's 20 in main production.
        #expect(close(cells.total[.locationBased, .rawMaterialAcquisition], 50.5))
        #expect(close(cells.total[.marketBased, .rawMaterialAcquisition], 500 * 0.3 / 2 + 0.5))
        #expect(close(cells.total[.locationBased, .endOfLife], 100))
        #expect(close(cells.total[.locationBased, .mainProduction], 20))
        let shipments = cells.contributions.filter { $0.kind == .shipment }
        #expect(shipments.count == 2 && shipments.allSatisfy { $0.stage == .rawMaterialAcquisition })
        #expect(shipments.allSatisfy { $0.facility == recycler })
        let perKg = try graph.perKg("urn:test:lot:cells-r")
        #expect(close(perKg[.locationBased, .rawMaterialAcquisition] * 200, 50.5))
        #expect(close(perKg[.euDraft, .endOfLife] * 200, 500 * 0.25))
    }

    @Test("the EU draft's national consumption mix falls back to the country's location factor, then the region's")
    func consumptionMixFallsBackToTheCountry() throws {
        let factors: JSONValue = [
            "id": "national", "version": 1, "source": "hand-made for the tests", "year": 2025,
            "factors": [
                ["category": "grid", "geography": "AU-WA", "value": "0.5", "unit": "kgCO2e/kWh"],
                ["category": "grid", "geography": "AU", "value": "0.8", "unit": "kgCO2e/kWh"],
                ["category": "grid", "geography": "CL", "value": "0.3", "unit": "kgCO2e/kWh"],
                ["category": "fuel", "name": "diesel", "value": "0.07", "unit": "kgCO2e/MJ"],
            ],
        ]
        let graph = try Graph(factors: factors)
        try graph.submit([
            Graph.extract(Lots.ore, kg: 1000, day: 1, extra: Lots.mineData),
            Graph.extract("urn:test:lot:ore-cl", kg: 1000, at: Graph.mineB, day: 1, extra: Lots.mineData),
        ])
        // Mine A (AU-WA): 100 kWh and 1000 MJ of diesel (70 kg) for 1000 kg of ore.
        let ore = try graph.perKg(Lots.ore)
        #expect(close(ore.total(.locationBased) * 1000, 50 + 70), "the region's location factor")
        #expect(close(ore.total(.euDraft) * 1000, 80 + 70), "the country's, for want of a consumption mix")
        #expect(close(ore.total(.marketBased) * 1000, 50 + 70), "the residual mix falls back to the place's")
        let note = try graph.footprint(Lots.ore).contributions.flatMap(\.notes).first {
            if case .gridFallback(basis: "consumption-mix", _, let used) = $0 { return used == "grid:AU:location" }
            return false
        }
        #expect(note != nil)
        // Two meters on one grid: the fallback is one rule of the event, stated once.
        try graph.submit([
            Graph.extract(
                "urn:test:lot:ore-two-meters",
                kg: 1000,
                day: 2,
                extra:
                    #","ct:electricity":[{"quantity":60,"uom":"KWH","supply":"grid"},{"quantity":40,"uom":"KWH","supply":"grid"}]"#
            )
        ])
        let twoMeters = try graph.footprint("urn:test:lot:ore-two-meters").contributions.flatMap(\.notes)
        #expect(twoMeters.count == Set(twoMeters).count, "\(twoMeters)")
        #expect(
            twoMeters.contains { if case .gridFallback(basis: "consumption-mix", _, _) = $0 { true } else { false } }
        )
        // Mine B (CL, no region): the country's location factor under every method.
        let chile = try graph.perKg("urn:test:lot:ore-cl")
        for method in ElectricityMethod.allCases { #expect(close(chile.total(method) * 1000, 30 + 70), "\(method)") }
        // The roll-up agrees.
        let rolled = try graph.chain.read { reader, txn, size in
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            return try engine.perKg(ofEach: [Lots.ore, "urn:test:lot:ore-cl"], txn).map(\.total)
        }
        #expect(rolled == [ore, chile])
    }

    @Test("another source: a consumed lot replaced by another lot's footprint per kg")
    func replaceLot() throws {
        let graph = try Graph()
        // A second hydroxide from brine: 400 kg made with 200 kWh on the Chilean grid (0.3), 0.15 per kg.
        try graph.submit(
            Lots.events + [
                Graph.extract(
                    "urn:test:lot:brine-lioh",
                    kg: 400,
                    at: Graph.mineB,
                    day: 5,
                    material: "lithium-hydroxide",
                    extra: #","ct:electricity":[{"quantity":200,"uom":"KWH","supply":"grid"}]"#
                )
            ]
        )
        var scenario = Scenario()
        scenario.lots[Lots.hydroxide] = "urn:test:lot:brine-lioh"
        let changed = try graph.footprint(Lots.cell, scenario: scenario)
        // The cell's 2 kg of hydroxide now carry 2 × 0.15; the cell line's own 0.2 is unchanged.
        #expect(close(changed.total.total(.locationBased), 2 * 0.15 + 0.2))
        #expect(changed.contributions.contains { $0.lot == "urn:test:lot:brine-lioh" })
        #expect(!changed.contributions.contains { $0.lot == Lots.ore })
        #expect(close(try graph.footprint(Lots.cell).total.total(.locationBased), 1.08))
    }

    @Test("a declaration is its serials' kg CO2e over their lifetime kWh, the model's serials at the plant")
    func declaration() throws {
        let graph = try Graph()
        try graph.submit(Lots.events)
        func declare(_ from: String, _ to: String, keepingFootprints: Bool = false) throws -> Declaration {
            try graph.chain.read { reader, txn, size in
                var engine = try CarbonEngine(reader: reader, size: size, txn)
                return try Declaration.compute(
                    model: "X",
                    plant: Graph.cellPlant,
                    from: try #require(PointInTime.time(from)),
                    to: try #require(PointInTime.time(to)),
                    engine: &engine,
                    reader: reader,
                    keepingFootprints: keepingFootprints,
                    txn
                )
            }
        }
        let declaration = try declare("2026-01-01", "2026-01-31")
        #expect(declaration.cellCount == 100)
        #expect(close(declaration.perLifetimeKWh.total(.locationBased), 1.08 / 216))
        #expect(close(declaration.primaryShare[.locationBased] ?? 0, 1))
        // No attestation and not asked for: the ranges' footprints are not computed.
        #expect(declaration.ranges.allSatisfy { $0.footprint == nil })
        // Asked for, each range keeps its first cell's footprint, whose total is the range's per cell.
        let kept = try declare("2026-01-01", "2026-01-31", keepingFootprints: true)
        #expect(!kept.ranges.isEmpty)
        for range in kept.ranges {
            let footprint = try #require(range.footprint)
            #expect(close(footprint.total.total(.locationBased), range.perCell.total(.locationBased)))
        }
        #expect(throws: CarbonError.self) { try declare("2025-01-01", "2025-12-31") }
        // 50 cells more of the same lot and mass (1.08 kg CO2e each) declared at 1.0 kWh: they give
        // twice the lifetime kWh of the first 100, so the figure is 150 × 1.08 kg over
        // 100 × 216 + 50 × 432 kWh (0.00375), not the ranges' per-kWh figures averaged by their
        // mass (0.0041667), which would count each cell's mass for kWh it does not give.
        try graph.submit([Graph.commission(Lots.cells, first: 101, last: 150, day: 4, kWh: "1.0")])
        let mixed = try declare("2026-01-01", "2026-01-31")
        #expect(mixed.cellCount == 150)
        #expect(close(mixed.perLifetimeKWh.total(.locationBased), 150 * 1.08 / (100 * 216 + 50 * 432)))
        let usableOne = 1.08 / declaration.perUsableKWh.total(.locationBased)
        #expect(close(mixed.perUsableKWh.total(.locationBased), 150 * 1.08 / (100 * usableOne + 50 * 2 * usableOne)))
        #expect(close(mixed.primaryShare[.locationBased] ?? 0, 1))
    }
}

@Suite("Exact decimals as doubles")
struct DoubleConversionTests {
    @Test(
        "text reads as its value whatever its leading and trailing zeros, and every value's description reads back as it"
    )
    func parsesAndReadsBack() throws {
        let cases: [(String, ExactDecimal)] = [
            ("1200", ExactDecimal(significand: 12, exponent: 2)),
            ("1200.00", ExactDecimal(significand: 12, exponent: 2)),
            ("1.50", ExactDecimal(significand: 15, exponent: -1)),
            ("10.5", ExactDecimal(significand: 105, exponent: -1)),
            ("0.05", ExactDecimal(significand: 5, exponent: -2)),
            ("000.0500", ExactDecimal(significand: 5, exponent: -2)),
            ("-0.0", ExactDecimal(significand: 0, exponent: 0)),
            ("1e38", ExactDecimal(significand: 1, exponent: 38)),
            ("100000000000000000000000000000000000000", ExactDecimal(significand: 1, exponent: 38)),
            ("1.000000000000000000000000000000000000000000000", ExactDecimal(1)),
            ("120e-3", ExactDecimal(significand: 12, exponent: -2)),
        ]
        for (text, value) in cases {
            #expect(ExactDecimal(text) == value, "\(text)")
        }
        // 37 significant digits are refused, wherever the zeros between them are.
        #expect(ExactDecimal("1000000000000000000000000000000000001") == nil)
        #expect(ExactDecimal("1.000000000000000000000000000000000001") == nil)
        #expect(ExactDecimal("100000000000000000000000000000000000.1") == nil)
        for text in ["1e38", "1e300", "123456789012345678901234567890123456e50", "1e-300", "-7.5e9999"] {
            let value = try #require(ExactDecimal(text))
            #expect(ExactDecimal(value.description) == value, "\(text) → \(value.description)")
        }
    }

    @Test("the fast conversion gives the double the decimal text parses to")
    func matchesParsing() throws {
        var state: UInt64 = 0x1234_5678
        var values = ["0", "1", "-2.5", "0.45359237", "1100", "0.0718", "17.24", "1e22", "123456789012345678", "1e-30"]
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let digits = String(state >> 12 % 100_000_000_000)
            let exponent = Int(state % 40) - 20
            values.append(digits + "e" + String(exponent))
        }
        for text in values {
            let decimal = try #require(ExactDecimal(text))
            #expect(decimal.doubleValue == Double(decimal.description), "\(text)")
        }
    }
}
