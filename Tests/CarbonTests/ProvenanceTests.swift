import Carbon
import LedgerCore
import Provenance
import SupplyChain
import Testing

@Suite("Provenance: trace back to the mines, where-used forward, as of any size")
struct ProvenanceTests {
    /// Two mines feed one refinery: 1000 kg of ore at 2 % Li from mine A (AU) and 500 kg at 4 %
    /// from mine B (CL, flagged high-risk): equal lithium from each, though mine A sent twice the mass.
    static let events: [String] = [
        Graph.extract("urn:test:lot:ore-a", kg: 1000, day: 1, content: #""Li":"0.02""#, extra: Lots.mineData),
        Graph.extract(
            "urn:test:lot:ore-b",
            kg: 500,
            at: Graph.mineB,
            day: 1,
            content: #""Li":"0.04""#,
            extra: #","certificationInfo":"urn:test:cert:irma-b""#
        ),
        Graph.transform(
            [("urn:test:lot:ore-a", 1000), ("urn:test:lot:ore-b", 500)],
            [(Lots.hydroxide, 240)],
            at: Graph.refinery,
            day: 2,
            material: "lithium-hydroxide",
            content: #""Li":"0.165""#,
            extra: Lots.refineryData
        ),
        Graph.extract(
            Lots.anode,
            kg: 160,
            at: Graph.cellPlant,
            day: 2,
            material: "anode-graphite",
            content: #""graphite":"0.95""#
        ),
        Graph.transform(
            [(Lots.hydroxide, 240), (Lots.anode, 160)],
            [(Lots.cells, 400)],
            at: Graph.cellPlant,
            day: 3,
            material: "cell",
            content: #""Li":"0.099","graphite":"0.38""#,
            extra: Lots.cellData
        ),
        Graph.commission(Lots.cells, first: 1, last: 100, day: 4),
    ]

    @Test("origins per element follow the element, not the mass; shares sum to 1; flags and certificates come along")
    func origins() throws {
        let graph = try Graph()
        try graph.submit(Self.events)
        let trace = try graph.trace(Lots.cell)
        #expect(trace.subject.kind == .cell && trace.lotCount == 5)
        let lithium = try #require(trace.elements.first { $0.element == "Li" })
        #expect(trace.elements.map(\.element) == ["Li", "graphite"])
        #expect(close(lithium.origins.reduce(0) { $0 + $1.share }, 1))
        let a = try #require(lithium.origins.first { $0.lot == "urn:test:lot:ore-a" })
        let b = try #require(lithium.origins.first { $0.lot == "urn:test:lot:ore-b" })
        #expect(close(a.share, 0.5) && close(b.share, 0.5))
        #expect(a.country == "AU" && b.country == "CL")
        #expect(b.riskFlags == ["high-risk"] && close(lithium.flaggedShare, 0.5))
        #expect(b.certifications == ["urn:test:cert:irma-b"])
        #expect(close(try #require(lithium.kg), 2 * 0.099))
        let graphite = try #require(trace.elements.first { $0.element == "graphite" })
        #expect(graphite.origins.map(\.lot) == [Lots.anode] && close(graphite.origins[0].share, 1))
        // The tree: the 2 kg cell took 1.2 kg of hydroxide, which took 5 kg of ore A and 2.5 of ore B.
        let root = try #require(trace.tree.first)
        #expect(root.lot == Lots.cells && close(root.kg, 2))
        let hydroxide = try #require(root.inputs.first { $0.lot == Lots.hydroxide })
        #expect(close(hydroxide.kg, 1.2))
        #expect(close(try #require(hydroxide.inputs.first { $0.lot == "urn:test:lot:ore-a" }).kg, 5))
        #expect(close(try #require(hydroxide.inputs.first { $0.lot == "urn:test:lot:ore-b" }).kg, 2.5))
        // Depth cuts the tree, not the summary.
        let shallow = try graph.chain.read { reader, txn, size in
            try Trace.compute(
                Subject.resolve(Lots.cell, reader: reader, size: size, txn),
                reader: reader,
                size: size,
                depth: 1,
                txn
            )
        }
        #expect(shallow.tree[0].inputs.allSatisfy { $0.inputs.isEmpty })
        #expect(shallow.tree[0].inputs.contains { $0.truncated })
        #expect(shallow.elements.count == 2)
    }

    @Test("a pack of cells from a lot that declares lithium and one that declares nothing: its lithium from the first")
    func rootsThatDoNotDeclareTheElement() throws {
        let graph = try Graph()
        try graph.submit([
            Graph.extract("urn:test:lot:ore-a", kg: 1000, day: 1, content: #""Li":"0.02""#),
            Graph.extract("urn:test:lot:ore-b", kg: 500, at: Graph.mineB, day: 1, content: #""Li":"0.04""#),
            Graph.transform(
                [("urn:test:lot:ore-a", 1000)],
                [("urn:test:lot:cells-a", 400)],
                at: Graph.cellPlant,
                day: 2,
                material: "cell",
                content: #""Li":"0.05""#
            ),
            Graph.transform(
                [("urn:test:lot:ore-b", 500)],
                [("urn:test:lot:cells-b", 400)],
                at: Graph.cellPlant,
                day: 2,
                material: "cell"
            ),
            Graph.commission("urn:test:lot:cells-a", first: 1, last: 10, day: 3),
            Graph.commission("urn:test:lot:cells-b", first: 11, last: 20, day: 3),
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"urn:test:pack:9","childEPCs":["urn:test:cell:P1","urn:test:cell:P11"]}"#,
        ])
        let lithium = try #require(try graph.trace("urn:test:pack:9").elements.first { $0.element == "Li" })
        // Before, the 2 kg cell of lot b weighed as 2 kg of lithium against 0.1 kg from lot a.
        #expect(lithium.origins.map(\.lot) == ["urn:test:lot:ore-a"], "\(lithium.origins.map { ($0.lot, $0.share) })")
        #expect(close(try #require(lithium.origins.first).share, 1))
        #expect(lithium.kg == nil, "lot b's lithium is not known")
    }

    @Test("where-used: every descendant, the serials and packs holding the lot, with kg that never exceed it")
    func whereUsed() throws {
        let graph = try Graph()
        try graph.submit(Self.events)
        try graph.submit([
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"urn:test:pack:1","childEPCs":["urn:test:cell:P1","urn:test:cell:P2","urn:test:cell:P3"]}"#
        ])
        let used = try graph.whereUsed("urn:test:lot:ore-b")
        #expect(used.descendants.map(\.lot) == [Lots.hydroxide, Lots.cells])
        #expect(used.descendants.allSatisfy { $0.kg <= 500 + 1e-9 })
        #expect(used.serialCount == 100)
        // 500 kg of ore B went into 240 kg of hydroxide, all of it into the 400 kg cell lot; 100
        // cells of 2 kg are half of that lot.
        #expect(close(used.kgInCells, 250))
        #expect(close(try #require(used.cells.first).kgPerCell, 2.5))
        #expect(used.kgInCells <= 500)
        let pack = try #require(used.units.first)
        #expect(pack.id == "urn:test:pack:1" && pack.cells == 3 && close(pack.kg, 7.5))
        // Bounded in time: nothing made before day 3, nothing followed after day 2.
        #expect(try graph.whereUsed("urn:test:lot:ore-b", since: "2026-01-03").descendants.map(\.lot) == [Lots.cells])
        let early = try graph.whereUsed("urn:test:lot:ore-b", until: "2026-01-02T12:00:00Z")
        #expect(early.descendants.map(\.lot) == [Lots.hydroxide] && early.cells.isEmpty)

        // The recall of a cell lot itself: its own cells and the pack holding three of them.
        let recall = try graph.whereUsed(Lots.cells)
        #expect(recall.descendants.isEmpty)
        #expect(recall.serialCount == 100)
        #expect(close(recall.kgInCells, 200))
        #expect(close(try #require(recall.cells.first).kgPerCell, 2))
        let held = try #require(recall.units.first)
        #expect(held.id == "urn:test:pack:1" && held.cells == 3 && close(held.kg, 6))
    }

    @Test(
        "where-used as of a size: the module and pack that held the cells then, not those of now"
    )
    func whereUsedUnitsAsOf() throws {
        let graph = try Graph()
        try graph.submit(Self.events)
        func aggregation(_ action: String, _ parent: String, _ children: [String], day: Int) -> String {
            let epcs = children.map { "\"\($0)\"" }.joined(separator: ",")
            return
                #"{"type":"AggregationEvent","eventTime":"\#(Graph.time(day))","eventTimeZoneOffset":"+00:00","action":"\#(action)","bizLocation":{"id":"urn:test:facility:cell-plant"},"parentID":"\#(parent)","childEPCs":[\#(epcs)]}"#
        }
        let module = "urn:test:module:1"
        let pack = "urn:test:pack:1"
        let packed = aggregation("ADD", pack, [module], day: 6)
        guard case .object(var declared) = try JSONValue(parsing: packed) else { fatalError() }
        declared["errorDeclaration"] = ["declarationTime": "2026-01-07T12:00:00Z", "reason": "incorrect_data"]
        func described(_ result: WhereUsed) -> [String] { result.units.map { "\($0.id) \($0.cells) \($0.kg)" } }
        func units(asOf size: UInt64) throws -> [String] {
            try graph.chain.read { reader, txn, _ in
                described(try WhereUsed.compute("urn:test:lot:ore-b", reader: reader, size: size, txn))
            }
        }
        // What the plain query answered right after each step, and the same read from the
        // assemblies (a reader that does not know its snapshot's size answers from them).
        var sizes: [UInt64] = [try graph.chain.ledger.size]
        var plain: [[String]] = [described(try graph.whereUsed("urn:test:lot:ore-b"))]
        func record() throws {
            sizes.append(try graph.chain.ledger.size)
            plain.append(described(try graph.whereUsed("urn:test:lot:ore-b")))
            let fromAssemblies = try graph.chain.ledger.read { txn, size in
                try WhereUsed.compute("urn:test:lot:ore-b", reader: graph.chain.lineage, size: size, txn)
            }
            #expect(described(fromAssemblies) == plain.last, "at size \(sizes.last ?? 0)")
        }
        // Two cells into the module, the module into the pack, the pack's assembly declared in
        // error, then both cells taken out of the module: each step a submission of its own.
        for event in [
            aggregation("ADD", module, ["urn:test:cell:P1", "urn:test:cell:P2"], day: 5),
            packed,
            JSONValue.object(declared).canonicalString,
            aggregation("DELETE", module, ["urn:test:cell:P1", "urn:test:cell:P2"], day: 8),
        ] {
            try graph.submit([event])
            try record()
        }
        // 2.5 kg of ore B in each cell.
        #expect(plain == [[], ["\(module) 2 5.0"], ["\(module) 2 5.0", "\(pack) 2 5.0"], ["\(module) 2 5.0"], []])
        // Before the assembly no unit; the module; the pack too, its assembly declared in error
        // later; the module alone once the declaration counts; neither after the take-out.
        #expect(try units(asOf: sizes[0]) == [])
        #expect(try units(asOf: sizes[1]) == ["\(module) 2 5.0"])
        #expect(try units(asOf: sizes[2]) == ["\(module) 2 5.0", "\(pack) 2 5.0"])
        #expect(try units(asOf: sizes[3]) == ["\(module) 2 5.0"])
        #expect(try units(asOf: sizes[4]) == [])
        // As of each step's size, what the plain query answered then.
        for (size, answered) in zip(sizes, plain) { #expect(try units(asOf: size) == answered, "as of \(size)") }
        // The recall of the cell lot itself before the take-out: 2 kg a cell.
        let recall = try graph.chain.read { reader, txn, _ in
            try WhereUsed.compute(Lots.cells, reader: reader, size: sizes[2], txn)
        }
        #expect(described(recall) == ["\(module) 2 4.0", "\(pack) 2 4.0"])
    }

    @Test("as of a size or a time: the ledger as it stood then")
    func asOf() throws {
        let graph = try Graph()
        try graph.submit(Array(Self.events.prefix(3)))
        let size = try graph.chain.ledger.size
        let time = try graph.chain.ledger.entry(at: size - 1).time
        try graph.submit(Array(Self.events.dropFirst(3)))
        #expect(throws: ProvenanceError.self) { try graph.trace(Lots.cell, asOf: .size(size)) }
        #expect(throws: ProvenanceError.self) { try graph.trace(Lots.cell, asOf: .time(time)) }
        #expect(try graph.trace(Lots.hydroxide, asOf: .size(size)).lotCount == 3)
        #expect(try graph.trace(Lots.cell).lotCount == 5)
        let resolved = try graph.chain.read { _, _, now in
            try PointInTime.time(time).size(in: graph.chain.ledger, now: now)
        }
        #expect(resolved == size)
        #expect(PointInTime(argument: "12") == .size(12))
        #expect(
            PointInTime(argument: "2026-03-01") == .time(try #require(Timestamp(rfc3339: "2026-03-01T00:00:00.000Z")))
        )
        #expect(
            PointInTime(argument: "2026-03-01T08:00:00+08:00")
                == .time(try #require(Timestamp(rfc3339: "2026-03-01T00:00:00.000Z")))
        )
        #expect(PointInTime(argument: "yesterday") == nil)
    }

    @Test("a lot a corrective event made again: where-used, trace and footprint follow the version of the time")
    func correctedLotVersions() throws {
        let graph = try Graph()
        let oreA = "urn:test:lot:ore-a"
        let oreB = "urn:test:lot:ore-b"
        let hydroxide = "urn:test:lot:hydroxide-v"
        func refine(_ ore: String) -> String {
            Graph.transform(
                [(ore, 500)],
                [(hydroxide, 240)],
                at: Graph.refinery,
                day: 2,
                material: "lithium-hydroxide",
                extra: Lots.refineryData
            )
        }
        let wrong = refine(oreA)
        try graph.submit([
            Graph.extract(oreA, kg: 1000, day: 1, extra: Lots.mineData),
            Graph.extract(oreB, kg: 1000, at: Graph.mineB, day: 1, extra: Lots.mineData), wrong,
        ])
        let before = try graph.chain.ledger.size
        // The refinery used ore B, not ore A: the transformation is declared in error and recorded again.
        guard case .object(var declared) = try JSONValue(parsing: wrong) else { fatalError() }
        declared["errorDeclaration"] = ["declarationTime": "2026-01-02T12:00:00Z", "reason": "incorrect_data"]
        try graph.submit([
            JSONValue.object(declared).canonicalString,
            refine(oreB),
            Graph.transform([(hydroxide, 240)], [(Lots.cells, 240)], at: Graph.cellPlant, day: 3, material: "cell"),
            Graph.commission(Lots.cells, first: 1, last: 10, day: 4),
        ])

        // Now: the hydroxide is made of ore B alone, and ore A is in nothing.
        #expect(try graph.whereUsed(oreA).descendants.isEmpty)
        let fromB = try graph.whereUsed(oreB)
        #expect(fromB.descendants.map(\.lot) == [hydroxide, Lots.cells])
        // 500 kg of ore B in the 240 kg of hydroxide, all of it in the 240 kg cell lot; 10 cells of 2 kg.
        #expect(fromB.serialCount == 10 && close(fromB.kgInCells, 500.0 * 20 / 240))
        let trace = try graph.trace(hydroxide)
        #expect(trace.lotCount == 2)
        #expect(trace.tree.flatMap(\.inputs).map(\.lot) == [oreB])
        #expect(try graph.trace(Lots.cells).lotCount == 3)

        // As of the size before the correction: the first version, made of ore A.
        let then = try graph.chain.read { reader, txn, _ in
            try WhereUsed.compute(oreA, reader: reader, size: before, txn)
        }
        #expect(then.descendants.map(\.lot) == [hydroxide] && close(then.descendants[0].kg, 500))
        let old = try graph.trace(hydroxide, asOf: .size(before))
        #expect(old.lotCount == 2 && old.tree.flatMap(\.inputs).map(\.lot) == [oreA])
        // The footprint of either version: each from its own ore (mine A is in AU, mine B in CL).
        let footprintThen = try graph.footprint(hydroxide, asOf: .size(before))
        let footprintNow = try graph.footprint(hydroxide)
        #expect(Set(footprintThen.contributions.map(\.lot)).contains(oreA))
        #expect(!Set(footprintNow.contributions.map(\.lot)).contains(oreA))
        #expect(try graph.chain.auditIndexes().isValid)
    }

    @Test(
        "a commissioning declared in error and made again: where-used, trace and footprint as of before find the first"
    )
    func correctedCommissioning() throws {
        let graph = try Graph()
        let ore = "urn:test:lot:ore-c"
        let cells = "urn:test:lot:cells-c"
        let wrong = Graph.commission(cells, first: 1, last: 10, day: 4, kWh: "0.5")
        try graph.submit([
            Graph.extract(ore, kg: 1000, day: 1, extra: Lots.mineData),
            Graph.transform([(ore, 1000)], [(cells, 240)], at: Graph.cellPlant, day: 3, material: "cell"),
            wrong,
        ])
        let before = try graph.chain.ledger.size
        guard case .object(var declared) = try JSONValue(parsing: wrong) else { fatalError() }
        declared["errorDeclaration"] = ["declarationTime": "2026-01-05T12:00:00Z", "reason": "incorrect_data"]
        // The same serials again, at 0.25 kWh a cell.
        try graph.submit([
            JSONValue.object(declared).canonicalString,
            Graph.commission(cells, first: 1, last: 10, day: 5, kWh: "0.25"),
        ])

        let now = try graph.whereUsed(ore)
        #expect(now.serialCount == 10 && now.cells.map(\.range.nominalEnergyKWh) == [ExactDecimal("0.25")])
        let then = try graph.chain.read { reader, txn, _ in
            try WhereUsed.compute(ore, reader: reader, size: before, txn)
        }
        #expect(then.serialCount == 10 && then.cells.map(\.range.nominalEnergyKWh) == [ExactDecimal("0.5")])
        #expect(then.cells.first?.range.retractedAt == before + 1, "the declaration, after its submission")
        // The cell as of before the declaration: the first commissioning's energy; now the second's.
        #expect(try graph.footprint("urn:test:cell:P3", asOf: .size(before)).subject.nominalEnergyKWh == 0.5)
        #expect(try graph.footprint("urn:test:cell:P3").subject.nominalEnergyKWh == 0.25)
        #expect(try graph.trace("urn:test:cell:P3", asOf: .size(before)).lotCount == 2)
        // Between the declaration and the corrective commissioning, the serials stood in no range.
        #expect(throws: ProvenanceError.self) { try graph.footprint("urn:test:cell:P3", asOf: .size(before + 2)) }
        #expect(try graph.chain.auditIndexes().isValid)
    }

    @Test("the audit rebuilds the provenance indexes by replay")
    func audit() throws {
        let graph = try Graph()
        try graph.submit(Self.events)
        let report = try graph.chain.auditIndexes()
        #expect(report.isValid, "\(report.failure ?? "")")
        #expect(report.rowsCompared > 30)
    }
}
