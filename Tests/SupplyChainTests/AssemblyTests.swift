import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

/// Serial commissioning, modules and packs, and the master-data rules.
@Suite("Serials, assembly and master data")
struct AssemblyTests {
    static let cellPlant = "urn:celltrace:facility:cell-plant"
    static let prefix = "urn:epc:id:sgtin:4012345.011111."

    /// The chain imported up to the cells: cell-co holds 100 t of cells in lot CELLS.
    static func chainWithCells() throws -> ChainFixture {
        let fixture = try ChainFixture()
        for (file, actor) in ChainFixture.documents.prefix(3) {
            try fixture.importDocument(file, as: actor)
        }
        let cells = Events.json([
            "type": "TransformationEvent", "eventTime": "2026-02-25T08:00:00+01:00", "eventTimeZoneOffset": "+01:00",
            "bizLocation": ["id": .string(Self.cellPlant)],
            "inputQuantityList": [Events.quantity("urn:celltrace:lot:cam-811-0210", 70)],
            "outputQuantityList": [Events.quantity("CELLS", 60)], "ilmd": ["ct:material": "cell-nmc811"],
        ])
        try fixture.chain.importSubmission(Array(cells.utf8), actor: "cell-co", key: try fixture.key("cell-co"))
        return fixture
    }

    static func commission(
        first: String,
        last: String,
        lot: String = "CELLS",
        cellKg: Double = 0.9,
        prefix: String = prefix,
        model: String? = nil
    ) -> String {
        var event: JSONObject = [
            "type": "ObjectEvent", "eventTime": "2026-02-26T08:00:00+01:00", "eventTimeZoneOffset": "+01:00",
            "action": "ADD", "bizStep": "commissioning", "bizLocation": ["id": .string(cellPlant)], "epcList": [],
            "ct:cellLot": .string(lot),
            "ct:serialRanges": [["prefix": .string(prefix), "first": .string(first), "last": .string(last)]],
            "ct:cellMass": ["quantity": .number(cellKg), "uom": "KGM"],
            "ct:nominalEnergy": ["quantity": 0.25, "uom": "KWH"],
        ]
        if let model { event["ct:batteryModel"] = .string(model) }
        return Events.json(event)
    }

    @Test("cells of a battery model not registered are recorded with a warning naming the model and the nearest one")
    func commissioningUnregisteredModel() throws {
        let fixture = try Self.chainWithCells()
        try fixture.chain.registerBatteryModel([
            "id": "CT-NMC811-P1", "category": "M1", "serviceYears": "8", "cyclesPerYear": "100",
        ])
        let misspelt = try fixture.accept(
            [Self.commission(first: "1", last: "10", model: "CT-NMC811-PI")],
            as: "cell-co"
        )
        #expect(misspelt.warnings.map(\.field) == ["/ct:batteryModel"])
        #expect(misspelt.warnings.first?.index == 0)
        #expect(
            misspelt.warnings.first?.message
                == "battery model CT-NMC811-PI is not registered (`celltrace model add`): until it is, these cells are "
                + "in no model's declaration or passport; did you mean CT-NMC811-P1?"
        )
        let range = try fixture.chain.read { reader, txn, _ in
            try reader.serialRange(containing: Self.prefix + "5", txn)
        }
        #expect(range?.model == "CT-NMC811-PI", "recorded all the same")
        let unlike = try fixture.accept([Self.commission(first: "11", last: "20", model: "LFP-9")], as: "cell-co")
        #expect(
            unlike.warnings.first?.message.hasSuffix("no model's declaration or passport") == true,
            "nothing near it"
        )
        let registered = try fixture.accept(
            [Self.commission(first: "21", last: "30", model: "CT-NMC811-P1")],
            as: "cell-co"
        )
        #expect(registered.warnings.isEmpty, "\(registered.warnings)")
        let none = try fixture.accept([Self.commission(first: "31", last: "40")], as: "cell-co")
        #expect(none.warnings.isEmpty, "a commissioning may name no model")
        // A model that is no id would leave the cells in no declaration without a word: refused.
        let size = try fixture.chain.ledger.size
        for (given, shown) in [(JSONValue.number(811), "811"), ([:], "{}"), ("  ", "\"  \""), ("", "\"\"")] {
            var event = try JSONValue(parsing: Array(Self.commission(first: "41", last: "50").utf8)).objectValue ?? [:]
            event["ct:batteryModel"] = given
            let refused = try fixture.rejection([JSONValue.object(event).canonicalString], as: "cell-co")
            expectProblems(
                refused,
                [
                    (
                        0, "/ct:batteryModel",
                        "must be the id of the cells' battery model, a string as `celltrace model add` registers it "
                            + "(got \(shown)); leave it out when the model is not known"
                    )
                ]
            )
        }
        #expect(try fixture.chain.ledger.size == size, "nothing written")
    }

    static func assemble(_ parent: String, _ children: [String], action: String = "ADD") -> String {
        Events.json([
            "type": "AggregationEvent", "eventTime": "2026-02-27T08:00:00+01:00", "eventTimeZoneOffset": "+01:00",
            "action": .string(action), "bizLocation": ["id": .string(cellPlant)], "parentID": .string(parent),
            "childEPCs": .array(children.map(JSONValue.string)),
        ])
    }

    @Test("a shipment of cells by id without bizStep shipping is imported with a warning that it moves nothing")
    func unitDestinationThatMovesNothing() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "10")], as: "cell-co")
        let cell = Self.prefix + "1"
        let departing = UnitCustodyTests.ship(
            [cell],
            from: "cell-co",
            to: "cathode-co",
            time: "2026-02-27T08:00:00+01:00"
        )
        var event = try JSONValue(parsing: Array(departing.utf8)).objectValue ?? [:]
        event["bizStep"] = "departing"
        let report = try fixture.accept([JSONValue.object(event).canonicalString], as: "cell-co")
        #expect(report.warnings.map(\.field) == ["/bizStep"])
        #expect(
            report.warnings.first?.message
                == "an owning_party destination with bizStep departing: custody moves only with bizStep shipping, "
                + "so this event moves nothing"
        )
        // The cell stayed with its maker, which ships it by id afterwards.
        let shipped = try fixture.accept(
            [UnitCustodyTests.ship([cell], from: "cell-co", to: "cathode-co", time: "2026-02-28T08:00:00+01:00")],
            as: "cell-co"
        )
        #expect(shipped.warnings.isEmpty, "\(shipped.warnings)")
    }

    @Test("a module named by its GIAI's Digital Link is found in the URN form it was assembled under, and the reverse")
    func moduleFoundInItsOtherGS1Form() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "10")], as: "cell-co")
        let module = "urn:epc:id:giai:4012345.MOD-1"
        let link = "https://id.gs1.org/8004/4012345MOD-1"
        try fixture.accept([Self.assemble(module, [Self.prefix + "1", Self.prefix + "2"])], as: "cell-co")
        #expect(try fixture.chain.recordedForm(of: link) == module)
        #expect(try fixture.chain.recordedForm(of: module) == nil, "the form it was recorded under needs none")
        // A shipment naming the link is told the form the ledger has.
        let size = try fixture.chain.ledger.size
        let refused = try fixture.rejection(
            [UnitCustodyTests.ship([link], from: "cell-co", to: "cathode-co", time: "2026-02-28T08:00:00+01:00")],
            as: "cell-co"
        )
        expectProblems(
            refused,
            [
                (
                    0, "/epcList/0",
                    "\(link) is neither a commissioned cell serial nor an assembled module or pack: a shipment's "
                        + "epcList names the cells, modules and packs it moves; the ledger has the same GS1 serial as "
                        + "\(module): name it so"
                )
            ]
        )
        #expect(try fixture.chain.ledger.size == size)
    }

    @Test("serial ranges: no overlap, spelled without leading zeros, cells no heavier than their lot")
    func commissioning() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "1000")], as: "cell-co")
        let overlap = try fixture.rejection([Self.commission(first: "1000", last: "2000")], as: "cell-co")
        #expect(overlap.problems.first?.field == "/ct:serialRanges/0/first")
        #expect(
            overlap.problems.first?.message.hasPrefix(
                "serials \(Self.prefix)1000–1000 are already commissioned (in \(Self.prefix)1–1000, by event ni:///"
            ) == true,
            "the serials both name, then the range that has them"
        )
        // Within one submission, the earlier commissioning is named by its index.
        let inFile = try fixture.rejection(
            [Self.commission(first: "3001", last: "4000"), Self.commission(first: "3500", last: "5000")],
            as: "cell-co"
        )
        expectProblems(
            inFile,
            [
                (
                    1, "/ct:serialRanges/0/first",
                    "serials \(Self.prefix)3500–4000 are already commissioned (in \(Self.prefix)3001–4000, by event 0 of this submission)"
                )
            ]
        )
        let leadingZero = try fixture.rejection([Self.commission(first: "01001", last: "2000")], as: "cell-co")
        #expect(leadingZero.problems.first?.message.contains("without leading zeros") == true)
        // Each fault of a range at its own field, with its own message.
        let faults = try fixture.rejection(
            [
                Self.commission(first: "2001", last: "A1"),
                Self.commission(first: "3000", last: "2999"),
                Self.commission(first: "10000", last: "1000010000"),
                Self.commission(first: "1", last: "2", prefix: "urn:epc:id:sgtin:4012345.011111.9"),
            ],
            as: "cell-co"
        )
        expectProblems(
            faults,
            [
                (
                    0, "/ct:serialRanges/0/last",
                    "must be a serial number: 1 to 19 digits without leading zeros (got \"A1\")"
                ),
                (1, "/ct:serialRanges/0/last", "must not be below first (3000)"),
                (
                    2, "/ct:serialRanges/0/last",
                    "a range holds at most 10^9 serials; split these 1000000001 into several"
                ),
                (3, "/ct:serialRanges/0/prefix", "must be a prefix that does not end in a digit"),
            ]
        )
        // 60 t of cells: 66,000 more cells of 0.9 kg would bring the lot to 60,300 kg.
        let heavy = try fixture.rejection([Self.commission(first: "1001", last: "67000")], as: "cell-co")
        #expect(heavy.problems.first?.message.contains("more than the 60000 kg made") == true)
        let unknownLot = try fixture.rejection(
            [Self.commission(first: "5001", last: "6000", lot: "NOPE")],
            as: "cell-co"
        )
        #expect(unknownLot.problems.first?.field == "/ct:cellLot")
        #expect(try fixture.chain.serial(Self.prefix + "1000")?.range?.lot == "CELLS")
        // Within one submission a range is weighed against those its earlier events commissioned:
        // 600 of them, more than one chunk of the overlay's ordered keys.
        var batch: [String] = []
        for cell in 0..<600 {
            let serial = String(2_000 + 2 * cell)
            batch.append(Self.commission(first: serial, last: serial))
        }
        let overlapInBatch = try fixture.rejection(
            batch + [Self.commission(first: "2299", last: "2301")],
            as: "cell-co"
        )
        expectProblems(
            overlapInBatch,
            [(600, "/ct:serialRanges/0/first", "serials \(Self.prefix)2300–2300 are already commissioned")]
        )
        try fixture.accept(
            batch + [Self.assemble("urn:epc:id:sgtin:4012345.022222.9", [Self.prefix + "3198"])],
            as: "cell-co"
        )
        #expect(try fixture.chain.serial(Self.prefix + "3198")?.containedIn == ["urn:epc:id:sgtin:4012345.022222.9"])
    }

    @Test("an assembly of cells or modules a refused event of the submission would have made names that event")
    func assemblyAfterRefusedMaker() throws {
        let fixture = try Self.chainWithCells()
        // 67,000 cells of 0.9 kg are more than the 60 t of lot CELLS: the commissioning is refused,
        // and so is the module of its cells, and the pack of that module.
        let refused = try fixture.rejection(
            [
                Self.commission(first: "1", last: "67000"),
                Self.assemble("urn:epc:id:sgtin:4012345.022222.1", [Self.prefix + "5", Self.prefix + "70000"]),
                Self.assemble("urn:epc:id:sgtin:4012345.033333.1", ["urn:epc:id:sgtin:4012345.022222.1"]),
                Self.assemble("urn:epc:id:sgtin:4012345.022222.1", [Self.prefix + "6"], action: "DELETE"),
            ],
            as: "cell-co"
        )
        let would = "of this submission would"
        expectProblems(
            refused,
            [
                (0, "/ct:serialRanges", "more than the 60000 kg made"),
                (
                    1, "/childEPCs/0",
                    "\(Self.prefix)5 is neither a commissioned cell serial nor an assembled module: event 0 \(would) commission it, and is refused"
                ),
                (
                    1, "/childEPCs/1",
                    "\(Self.prefix)70000 is neither a commissioned cell serial nor an assembled module"
                ),
                (
                    2, "/childEPCs/0",
                    "urn:epc:id:sgtin:4012345.022222.1 is neither a commissioned cell serial nor an assembled module: event 1 \(would) assemble it, and is refused"
                ),
                (3, "/parentID", "urn:epc:id:sgtin:4012345.022222.1 was never assembled: event 1 \(would) assemble it"),
            ]
        )
        // A serial beyond the refused ranges gets no such note.
        #expect(
            refused.problems.first { $0.message.hasPrefix("\(Self.prefix)70000") }?.message.contains("event 0") == false
        )
    }

    @Test("an unknown unit is named with its form in the ledger, or the later event of the submission that makes it")
    func assemblyOfUnitsNamedOtherwise() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "10")], as: "cell-co")
        let link = "https://id.gs1.org/01/04012345111118/21/"
        let refused = try fixture.rejection(
            [
                Self.assemble("MOD-L", [link + "3"]),
                Self.assemble("MOD-M", [Self.prefix + "20"]),
                Self.assemble("PACK-M", ["MOD-N"]),
                Self.commission(first: "20", last: "29"),
                Self.assemble("MOD-N", [Self.prefix + "21"]),
                Self.assemble("MOD-O", [Self.prefix + "31"]),
                // 67,001 cells of 0.9 kg are more than the 60 t of lot CELLS.
                Self.commission(first: "30", last: "67030"),
            ],
            as: "cell-co"
        )
        let unknown = "is neither a commissioned cell serial nor an assembled module"
        let inOrder = "after this one; events are checked in order, so list it before the events that use it"
        expectProblems(
            refused,
            [
                (
                    0, "/childEPCs/0",
                    "\(link)3 \(unknown); the ledger has the same GS1 serial as \(Self.prefix)3: name it so"
                ),
                (
                    1, "/childEPCs/0",
                    "\(Self.prefix)20 \(unknown): event 3 of this submission commissions it, \(inOrder)"
                ),
                (2, "/childEPCs/0", "MOD-N \(unknown): event 4 of this submission assembles it, \(inOrder)"),
                (
                    5, "/childEPCs/0",
                    "\(Self.prefix)31 \(unknown): event 6 of this submission would commission it, after this one, and is refused"
                ),
                (6, "/ct:serialRanges", "more than the 60000 kg made"),
            ]
        )
        #expect(refused.problems.count == 5)
    }

    @Test("custody in time: a cell lot's shipment stays while its receiver made or assembled cells before the next")
    func cellCustodyKeptThroughDeclarations() throws {
        let fixture = try Self.chainWithCells()
        let cellCo = "urn:celltrace:actor:cell-co"
        let buyer = "urn:celltrace:actor:cathode-co"
        // Shipped on 02-25 and again on 03-10; the buyer commissions cells on 02-26 and assembles two on 02-27.
        let wrong = try edited(Events.ship("CELLS", 10, from: cellCo, to: buyer, time: "2026-02-25T12:00:00+01:00")) {
            $0["eventID"] = "urn:uuid:6b1c1f3e-0000-4000-8000-000000000010"
        }
        try fixture.accept(
            [wrong, Events.ship("CELLS", 10, from: cellCo, to: buyer, time: "2026-03-10T08:00:00+01:00")],
            as: "cell-co"
        )
        let atBuyer: (inout JSONObject) -> Void = { $0["bizLocation"] = ["id": "urn:celltrace:facility:cathode-plant"] }
        let commissioning = try edited(Self.commission(first: "1", last: "10"), atBuyer)
        let assembly = try edited(Self.assemble("MOD-9", [Self.prefix + "1", Self.prefix + "2"]), atBuyer)
        try fixture.accept([commissioning, assembly], as: "cathode-co")
        let size = try fixture.chain.ledger.size
        // The cells taken out again on 03-01: their assembly is still a use.
        let takenOut = try edited(Self.assemble("MOD-9", [Self.prefix + "1", Self.prefix + "2"], action: "DELETE")) {
            $0["bizLocation"] = ["id": "urn:celltrace:facility:cathode-plant"]
            $0["eventTime"] = "2026-03-01T08:00:00+01:00"
        }
        try fixture.accept([takenOut], as: "cathode-co")
        #expect(try fixture.chain.serial(Self.prefix + "2")?.containedIn == [])
        // `lot show` still lists the assembly among the cell lot's custody.
        let assembled = try #require(try fixture.chain.lot("CELLS")).custody.filter { $0.kind == .assembled }
        #expect(assembled.map(\.to) == ["MOD-9"] && assembled.map(\.actor) == ["cathode-co"])

        let refused = try fixture.rejection([try Events.declaredInError(wrong)], as: "cell-co")
        expectProblems(
            refused,
            [
                (
                    0, "/errorDeclaration",
                    "leaves lot CELLS reaching cathode-co only at 2026-03-10T07:00:00.000Z, after cathode-co used it: "
                        + "entry \(size - 2) (commissioned cells at 2026-02-26T07:00:00.000Z), entry \(size - 1) "
                        + "(assembled cells at 2026-02-27T07:00:00.000Z); declare those events in error first"
                )
            ],
            identified: false
        )
        #expect(try fixture.chain.ledger.size == size + 2)

        // With the later shipment declared in error, the first is the buyer's only arrival: its
        // declaration would leave the lot never reaching the buyer, whose cells came from it.
        let later = try #require(try fixture.chain.lot("CELLS")).holdings.first { $0.actor == "cathode-co" }
        #expect(later?.kg.description == "20000")
        try fixture.accept(
            [
                try Events.declaredInError(
                    Events.ship("CELLS", 10, from: cellCo, to: buyer, time: "2026-03-10T08:00:00+01:00")
                )
            ],
            as: "cell-co"
        )
        let never = try fixture.rejection([try Events.declaredInError(wrong)], as: "cell-co")
        expectProblems(
            never,
            [
                (
                    0, "/errorDeclaration",
                    "leaves lot CELLS never reaching cathode-co, after cathode-co used it: entry \(size - 2) "
                        + "(commissioned cells at 2026-02-26T07:00:00.000Z), entry \(size - 1)"
                )
            ],
            identified: false
        )
    }

    @Test("modules and packs: known children, one parent at a time, no containment cycles, disassembly")
    func assembly() throws {
        let fixture = try Self.chainWithCells()
        let key = try fixture.key("cell-co")
        try fixture.chain.importSubmission(
            Array(Self.commission(first: "1", last: "100").utf8),
            actor: "cell-co",
            key: key
        )
        try fixture.chain.importSubmission(
            Array(
                [
                    Self.assemble("MOD-1", [Self.prefix + "1", Self.prefix + "2"]), Self.assemble("PACK-1", ["MOD-1"]),
                ].joined(separator: "\n").utf8
            ),
            actor: "cell-co",
            key: key
        )
        #expect(try fixture.chain.serial(Self.prefix + "2")?.containedIn == ["MOD-1", "PACK-1"])
        // The module's only assembly stays while the module is in a pack.
        let packed = try fixture.rejection(
            [try Events.declaredInError(Self.assemble("MOD-1", [Self.prefix + "1", Self.prefix + "2"]))],
            as: "cell-co"
        )
        expectProblems(
            packed,
            [
                (
                    0, "/errorDeclaration",
                    "MOD-1, assembled by this event, was put into PACK-1 at 2026-02-27T07:00:00.000Z, before any other "
                        + "assembly of it that stands; take it out of PACK-1 first"
                )
            ],
            identified: false
        )

        let unknown = try fixture.rejection([Self.assemble("MOD-2", [Self.prefix + "101"])], as: "cell-co")
        #expect(unknown.problems.first?.field == "/childEPCs/0")
        #expect(
            unknown.problems.first?.message.contains("neither a commissioned cell serial nor an assembled module")
                == true
        )
        let twice = try fixture.rejection([Self.assemble("MOD-2", [Self.prefix + "1"])], as: "cell-co")
        #expect(twice.problems.first?.message.contains("is already in MOD-1; disassemble it first") == true)
        let cycle = try fixture.rejection([Self.assemble("MOD-1", ["PACK-1"])], as: "cell-co")
        #expect(cycle.problems.first?.message.contains("(a cycle)") == true)
        let notHeld = try fixture.rejection([Self.assemble("MOD-3", [Self.prefix + "3"])], as: "sichuan-lithium")
        #expect(notHeld.problems.contains { $0.field == "/bizLocation/id" })
        // A cell goes into a module once it is commissioned (02-26), a module into a pack once it
        // is assembled (02-27).
        try fixture.accept([Self.assemble("MOD-4", [Self.prefix + "4"])], as: "cell-co")
        let early = try fixture.rejection(
            [
                try edited(Self.assemble("MOD-3", [Self.prefix + "3"])) {
                    $0["eventTime"] = "2026-02-25T08:00:00+01:00"
                },
                try edited(Self.assemble("PACK-2", ["MOD-4"])) { $0["eventTime"] = "2026-02-26T08:00:00+01:00" },
            ],
            as: "cell-co"
        )
        expectProblems(
            early,
            [
                (
                    0, "/childEPCs/0",
                    "\(Self.prefix)3 is put into MOD-3 at 2026-02-25T07:00:00.000Z, before it was commissioned "
                        + "(2026-02-26T07:00:00.000Z)"
                ),
                (
                    1, "/childEPCs/0",
                    "MOD-4 is put into PACK-2 at 2026-02-26T07:00:00.000Z, before it was assembled "
                        + "(2026-02-27T07:00:00.000Z)"
                ),
            ],
            identified: false
        )

        try fixture.chain.importSubmission(
            Array(Self.assemble("MOD-1", [Self.prefix + "2"], action: "DELETE").utf8),
            actor: "cell-co",
            key: key
        )
        #expect(try fixture.chain.serial(Self.prefix + "2")?.containedIn == [])
        #expect(try fixture.chain.serial("MOD-1")?.children == [Self.prefix + "1"])
        let notInside = try fixture.rejection(
            [Self.assemble("MOD-1", [Self.prefix + "3"], action: "DELETE")],
            as: "cell-co"
        )
        #expect(notInside.problems.first?.message.contains("is not in MOD-1") == true)
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("a cell's serial lists each module it was put into and taken out of, those declared in error marked")
    func cellMoves() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "100")], as: "cell-co")
        let cell = Self.prefix + "2"
        var entries: [UInt64] = []
        let intoSecond = try edited(Self.assemble("MOD-2", [cell])) { $0["eventTime"] = "2026-02-27T09:00:00+01:00" }
        for line in [
            Self.assemble("MOD-1", [Self.prefix + "1", cell]), Self.assemble("MOD-1", [cell], action: "DELETE"),
            intoSecond, try Events.declaredInError(intoSecond),
        ] {
            try fixture.accept([line], as: "cell-co")
            entries.append(try fixture.chain.ledger.size - 1)
        }
        let moves = try #require(try fixture.chain.serial(cell)).moves
        #expect(
            moves.map {
                "\($0.unit) \($0.putIn ? "in" : "out") #\($0.sequenceNumber) \($0.retractedAt.map { "#\($0)" } ?? "-")"
            }
                == [
                    "MOD-1 in #\(entries[0]) -", "MOD-1 out #\(entries[1]) -",
                    "MOD-2 in #\(entries[2]) #\(entries[3])",
                ]
        )
        #expect(moves.allSatisfy { $0.eventID.hasPrefix("ni:///sha-256;") })
        #expect(try fixture.chain.serial(Self.prefix + "1")?.moves.map(\.unit) == ["MOD-1"])
        #expect(try fixture.chain.serial(Self.prefix + "3")?.moves == [])
    }

    @Test("a module's serial lists each pack it was put into and taken out of, those declared in error marked")
    func moduleMoves() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "100")], as: "cell-co")
        try fixture.accept([Self.assemble("MOD-1", [Self.prefix + "1"])], as: "cell-co")
        var entries: [UInt64] = []
        let intoSecond = try edited(Self.assemble("PACK-B", ["MOD-1"])) {
            $0["eventTime"] = "2026-02-27T09:00:00+01:00"
        }
        for line in [
            Self.assemble("PACK-A", ["MOD-1"]), Self.assemble("PACK-A", ["MOD-1"], action: "DELETE"),
            intoSecond, try Events.declaredInError(intoSecond),
        ] {
            try fixture.accept([line], as: "cell-co")
            entries.append(try fixture.chain.ledger.size - 1)
        }
        let module = try #require(try fixture.chain.serial("MOD-1"))
        #expect(
            module.moves.map {
                "\($0.unit) \($0.putIn ? "in" : "out") #\($0.sequenceNumber) \($0.retractedAt.map { "#\($0)" } ?? "-")"
            }
                == [
                    "PACK-A in #\(entries[0]) -", "PACK-A out #\(entries[1]) -",
                    "PACK-B in #\(entries[2]) #\(entries[3])",
                ]
        )
        #expect(module.containedIn == [] && module.children == [Self.prefix + "1"])
        // The cell's own moves stay its module's alone; the packs hold no history of their own moves.
        #expect(try fixture.chain.serial(Self.prefix + "1")?.moves.map(\.unit) == ["MOD-1"])
        #expect(try fixture.chain.serial("PACK-A")?.moves == [])
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("a module filled a cell an event, within a submission and across them, holds its cells in the order put in")
    func moduleFilledACellAnEvent() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "100")], as: "cell-co")
        let cells = (1...60).map { Self.prefix + "\($0)" }
        try fixture.accept(cells[..<40].map { Self.assemble("MOD-9", [$0]) }, as: "cell-co")
        #expect(try fixture.chain.serial("MOD-9")?.children == Array(cells[..<40]))
        // A submission that takes a cell out, adds the rest a cell an event, and puts the cell back
        // (an hour later: the same event as its first assembly would be that event again).
        try fixture.accept(
            [Self.assemble("MOD-9", [cells[5]], action: "DELETE")] + cells[40...].map { Self.assemble("MOD-9", [$0]) }
                + [try edited(Self.assemble("MOD-9", [cells[5]])) { $0["eventTime"] = "2026-02-27T09:00:00+01:00" }],
            as: "cell-co"
        )
        let filled = Array(cells[..<5] + cells[6...]) + [cells[5]]
        #expect(try fixture.chain.serial("MOD-9")?.children == filled)
        #expect(try fixture.chain.serial(cells[59])?.containedIn == ["MOD-9"])
        // A refused disassembly leaves the module as it was for the submission's later events.
        let refused = try fixture.rejection(
            [
                Self.assemble("MOD-9", [Self.prefix + "99"], action: "DELETE"),
                Self.assemble("MOD-9", [cells[0]], action: "DELETE"),
                Self.assemble("MOD-9", [cells[1], cells[0]], action: "DELETE"),
            ],
            as: "cell-co"
        )
        expectProblems(
            refused,
            [
                (0, "/childEPCs/0", "\(Self.prefix)99 is not in MOD-9"),
                (2, "/childEPCs/1", "\(cells[0]) is not in MOD-9"),
            ],
            identified: false
        )
        #expect(try fixture.chain.serial("MOD-9")?.children == filled)
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("commissioning names its cell lot, which the actor holds, the cells' mass and energy, and distinct ranges")
    func commissioningFields() throws {
        let fixture = try Self.chainWithCells()
        let valid = Self.commission(first: "1", last: "10")
        func without(_ key: String) throws -> String {
            var members = try #require(try JSONValue(parsing: valid).objectValue)
            members[key] = nil
            return Events.json(members)
        }
        var overlapping = try #require(try JSONValue(parsing: valid).objectValue)
        overlapping["ct:serialRanges"] = [
            ["prefix": .string(Self.prefix), "first": "1", "last": "10"],
            ["prefix": .string(Self.prefix), "first": "5", "last": "20"],
        ]
        var empty = try #require(try JSONValue(parsing: valid).objectValue)
        empty["ct:serialRanges"] = []
        var negative = try #require(try JSONValue(parsing: valid).objectValue)
        negative["ct:cellMass"] = ["quantity": -0.9, "uom": "KWH"]
        let error = try fixture.rejection(
            [
                try without("ct:cellLot"), try without("ct:cellMass"), Events.json(empty), Events.json(overlapping),
                Events.json(negative),
            ],
            as: "cell-co"
        )
        expectProblem(
            error,
            index: 0,
            field: "/ct:cellLot",
            containing: "is required: the cell lot (epcClass) the serials were made in"
        )
        expectProblem(
            error,
            index: 1,
            field: "/ct:cellMass",
            containing: #"is required: {"quantity": …, "uom": "KGM"}"#
        )
        expectProblem(
            error,
            index: 2,
            field: "/ct:serialRanges",
            containing: "must be a non-empty array of {prefix, first, last}"
        )
        expectProblem(
            error,
            index: 3,
            field: "/ct:serialRanges/1/first",
            containing: "overlaps another range of this event"
        )
        // A mass below zero in a unit of energy: both are reported.
        expectProblem(error, index: 4, field: "/ct:cellMass/quantity", containing: "must be greater than zero")
        expectProblem(error, index: 4, field: "/ct:cellMass/uom", containing: "must be one of KGM")
        #expect(error.problems.count == 6, "\(error)")
        // Without the empty epcList EPCIS wants, the commissioning is told to add it.
        let noList = try fixture.rejection([try without("epcList")], as: "cell-co")
        expectProblems(
            noList,
            [
                (
                    0, "/epcList",
                    #"a commissioning with ct:serialRanges needs "epcList": [] beside them: an ObjectEvent needs an epcList"#
                )
            ]
        )
        // A cell weighs at least a microgram, given to no finer than 10^-15 kg, as a lot does.
        let tooFine = try fixture.rejection(
            [
                Self.commission(first: "1", last: "10", cellKg: 1e-10),
                Self.commission(first: "11", last: "20", cellKg: 0.9e-15 + 1),
            ],
            as: "cell-co"
        )
        expectProblems(
            tooFine,
            [
                (0, "/ct:cellMass/quantity", "weighs less than a microgram (10^-9 kg)"),
                (1, "/ct:cellMass/quantity", "is 1.0000000000000009 kg, given finer than the 10^-15 kg"),
            ]
        )
        // 5,000,000,001 cells of 2.8 × 10^12 kg given in ounces (27 digits): a product beyond 36
        // digits, so beyond what the lot made, which a check that skipped it let through.
        let overflowing = try edited(Self.commission(first: "1", last: "1")) {
            $0["ct:cellMass"] = ["quantity": 98_765_432_109_876.55, "uom": "ONZ"]
            $0["ct:serialRanges"] = .array(
                (0...5).map { block in
                    let first = block * 1_000_000_000 + 1
                    let last = block == 5 ? first : first + 999_999_999
                    return ["prefix": .string(Self.prefix), "first": .string("\(first)"), "last": .string("\(last)")]
                }
            )
        }
        expectProblems(
            try fixture.rejection([overflowing], as: "cell-co"),
            [
                (
                    0, "/ct:serialRanges",
                    "5000000001 cells of 2799952901549.56279512021875 kg bring the cells of lot CELLS to more than 10^21 kg"
                )
            ]
        )
        // The refiner's plant may not commission cells, and it holds none of the lot either.
        let notHeld = try fixture.rejection([valid], as: "sichuan-lithium")
        expectProblem(notHeld, index: 0, field: "/ct:cellLot", containing: "sichuan-lithium does not hold lot CELLS")
    }

    @Test("ranges of one commissioning are weighed against each other in any order: inside, across, and touching")
    func commissioningRangesInAnyOrder() throws {
        let fixture = try Self.chainWithCells()
        func commission(_ bounds: [(Int, Int)]) throws -> String {
            try edited(Self.commission(first: "1", last: "1", cellKg: 0.001)) {
                $0["ct:serialRanges"] = .array(
                    bounds.map {
                        ["prefix": .string(Self.prefix), "first": .string("\($0.0)"), "last": .string("\($0.1)")]
                    }
                )
            }
        }
        // Touching ranges listed out of order pass; one inside, one across two and one reaching
        // into a later-listed range are named, each at its own element.
        let apart = [(30, 40), (1, 10), (11, 20), (41, 41), (25, 29), (21, 24), (100, 200)]
        let clashing = [(5, 5), (20, 21), (29, 30), (150, 150), (201, 300), (90, 100)]
        let error = try fixture.rejection([try commission(apart + clashing)], as: "cell-co")
        #expect(
            error.problems.map(\.field) == [7, 8, 9, 10, 12].map { "/ct:serialRanges/\($0)/first" },
            "\(error)"
        )
        #expect(error.problems.allSatisfy { $0.message.contains("overlaps another range of this event") })
        #expect(try fixture.accept([try commission(apart + [(201, 300)])], as: "cell-co").written == 1)
        let ranges = try fixture.chain.read { reader, txn, _ in try reader.serialRanges(ofLot: "CELLS", txn) }
        #expect(ranges.map(\.first).sorted() == [1, 11, 21, 25, 30, 41, 100, 201])
    }

    @Test("an assembly names its parent and distinct known children the actor holds; a disassembly an assembled parent")
    func assemblyFields() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "100")], as: "cell-co")
        var noParent = try #require(try JSONValue(parsing: Self.assemble("MOD-1", [Self.prefix + "1"])).objectValue)
        noParent["parentID"] = nil
        let error = try fixture.rejection(
            [
                Events.json(noParent),
                Self.assemble("MOD-1", []),
                Self.assemble("MOD-1", ["MOD-1"]),
                Self.assemble("MOD-2", [Self.prefix + "1", Self.prefix + "1"]),
            ],
            as: "cell-co"
        )
        expectProblems(
            error,
            [
                (0, "/parentID", "is required: the module or pack serial"),
                (1, "/childEPCs", "an assembly names the cells or modules it contains"),
                (2, "/childEPCs/0", "a unit cannot contain itself"),
                (3, "/childEPCs/1", "\(Self.prefix)1 is listed twice"),
            ]
        )

        var noParentTakenApart = noParent
        noParentTakenApart["action"] = "DELETE"
        let apart = try fixture.rejection(
            [Events.json(noParentTakenApart), Self.assemble("MOD-9", [], action: "DELETE")],
            as: "cell-co"
        )
        expectProblems(
            apart,
            [
                (0, "/parentID", "is required: the module or pack taken apart"),
                (1, "/parentID", "MOD-9 was never assembled"),
            ]
        )
    }

    @Test("a disassembly takes a unit out once: one listed twice is refused, as an assembly refuses it")
    func disassemblyListsAUnitOnce() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "10")], as: "cell-co")
        let cells = (1...3).map { Self.prefix + "\($0)" }
        try fixture.accept([Self.assemble("MOD-1", cells)], as: "cell-co")
        let error = try fixture.rejection(
            [Self.assemble("MOD-1", [cells[1], cells[1]], action: "DELETE")],
            as: "cell-co"
        )
        #expect(error.problems.map(\.field) == ["/childEPCs/1"])
        #expect(error.problems.map(\.message) == ["\(cells[1]) is listed twice"])
        #expect(try fixture.chain.serial("MOD-1")?.children == cells)
        // Once, it is taken out once.
        try fixture.accept([Self.assemble("MOD-1", [cells[1]], action: "DELETE")], as: "cell-co")
        let module = try #require(try fixture.chain.serial("MOD-1"))
        #expect(module.children == [cells[0], cells[2]])
        #expect(try fixture.chain.serial(cells[1])?.moves.map { $0.putIn ? "in" : "out" } == ["in", "out"])
    }

    @Test(
        "a disassembly that an earlier CellTrace recorded with a unit listed twice, declared in error, puts it back once"
    )
    func repeatedUnitPutBackOnce() throws {
        let cells = (1...3).map { Self.prefix + "\($0)" }
        let takenOut = Self.assemble("MOD-1", [cells[1], cells[1]], action: "DELETE")
        let declaration = try Events.declaredInError(takenOut)
        // The disassembly recorded below the rules, as by a CellTrace before they refused it; its
        // declaration in error recorded now, and then both below the rules.
        for declaredNow in [true, false] {
            let forger = SubmissionReplayTests.Forger(fixture: try Self.chainWithCells(), actor: "cell-co")
            try forger.fixture.accept([Self.commission(first: "1", last: "10")], as: "cell-co")
            try forger.fixture.accept([Self.assemble("MOD-1", cells)], as: "cell-co")
            let events = try (declaredNow ? [takenOut] : [takenOut, declaration]).map { try JSONValue(parsing: $0) }
            try forger.append(
                [(SupplyChainLedger.EntryType.submission, try forger.submission(listing: events.map(forger.hash)))]
                    + events.map { (SupplyChainLedger.EntryType.event, $0) }
            )
            #expect(try forger.chain.rebuildIndexes().isRebuilt)
            if declaredNow {
                #expect(try forger.chain.serial("MOD-1")?.children == [cells[0], cells[2]])
                try forger.fixture.accept([declaration], as: "cell-co")
            }
            #expect(try forger.chain.serial("MOD-1")?.children == [cells[0], cells[2], cells[1]])
            #expect(try forger.chain.serial(cells[1])?.containedIn == ["MOD-1"])
            // The replay puts it back as the import did.
            let audit = try forger.chain.auditIndexes()
            #expect(audit.isValid, "\(audit.failure ?? "")")
        }
    }

    @Test("a disassembly is dated no earlier than the last assembly that put each unit it takes out in")
    func disassemblyAfterAssembly() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "10")], as: "cell-co")
        let cells = (1...3).map { Self.prefix + "\($0)" }
        let at: (String, String) throws -> String = { line, time in try edited(line) { $0["eventTime"] = .string(time) }
        }
        // Cells 1 and 2 put in at 08:00, cell 3 at 09:00; cell 2 taken out at 10:00 and put back at 11:00.
        try fixture.accept(
            [
                Self.assemble("MOD-1", [cells[0], cells[1]]),
                try at(Self.assemble("MOD-1", [cells[2]]), "2026-02-27T09:00:00+01:00"),
                try at(Self.assemble("MOD-1", [cells[1]], action: "DELETE"), "2026-02-27T10:00:00+01:00"),
                try at(Self.assemble("MOD-1", [cells[1]]), "2026-02-27T11:00:00+01:00"),
            ],
            as: "cell-co"
        )
        let error = try fixture.rejection(
            [
                // Before the cells were commissioned (02-26), and so before they were put in.
                try at(Self.assemble("MOD-1", [cells[0]], action: "DELETE"), "2026-02-01T08:30:00+01:00"),
                try at(Self.assemble("MOD-1", [cells[0], cells[2]], action: "DELETE"), "2026-02-27T08:30:00+01:00"),
                try at(Self.assemble("MOD-1", [cells[1]], action: "DELETE"), "2026-02-27T10:30:00+01:00"),
                // Every unit: the one put in last is named.
                try at(Self.assemble("MOD-1", [], action: "DELETE"), "2026-02-27T10:30:00+01:00"),
            ],
            as: "cell-co"
        )
        let taken = " is taken out of MOD-1 at 2026-02-"
        let expected = [
            (
                0, "/childEPCs/0",
                "\(cells[0])\(taken)01T07:30:00.000Z, before it was put into it (2026-02-27T07:00:00.000Z)"
            ),
            (
                1, "/childEPCs/1",
                "\(cells[2])\(taken)27T07:30:00.000Z, before it was put into it (2026-02-27T08:00:00.000Z)"
            ),
            (
                2, "/childEPCs/0",
                "\(cells[1])\(taken)27T09:30:00.000Z, before it was put into it (2026-02-27T10:00:00.000Z)"
            ),
            (
                3, "/eventTime",
                "\(cells[1])\(taken)27T09:30:00.000Z, before it was put into it (2026-02-27T10:00:00.000Z)"
            ),
        ]
        expectProblems(error, expected)
        #expect(error.problems.map(\.message) == expected.map(\.2))
        #expect(try fixture.chain.serial("MOD-1")?.children == [cells[0], cells[2], cells[1]])
        // At the time of the last assembly, or later, it goes.
        try fixture.accept(
            [try at(Self.assemble("MOD-1", [], action: "DELETE"), "2026-02-27T11:00:00+01:00")],
            as: "cell-co"
        )
        #expect(try fixture.chain.serial("MOD-1")?.children == [])
    }

    @Test("a disassembly naming a unit in its other GS1 form says the form the module holds it in")
    func disassemblyOfAUnitNamedOtherwise() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "10")], as: "cell-co")
        try fixture.accept([Self.assemble("MOD-1", [Self.prefix + "1", Self.prefix + "2"])], as: "cell-co")
        let link = "https://id.gs1.org/01/04012345111118/21/"
        let error = try fixture.rejection(
            [Self.assemble("MOD-1", [link + "2", link + "3"], action: "DELETE")],
            as: "cell-co"
        )
        let expected = [
            (
                0, "/childEPCs/0",
                "\(link)2 is not in MOD-1; the ledger has the same GS1 serial as \(Self.prefix)2: name it so"
            ),
            // Commissioned, but not in the module: nothing to name.
            (0, "/childEPCs/1", "\(link)3 is not in MOD-1"),
        ]
        expectProblems(error, expected)
        #expect(error.problems.map(\.message) == expected.map(\.2))
    }

    @Test("a commissioned cell is no assembly's parent, in either GS1 form; modules and packs keep their ids")
    func cellIsNoParent() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "20")], as: "cell-co")
        let link = "https://id.gs1.org/01/04012345111118/21/"
        let error = try fixture.rejection(
            [
                Self.assemble(Self.prefix + "10", [Self.prefix + "11"]),
                Self.assemble(link + "10", [Self.prefix + "12"]),
            ],
            as: "cell-co"
        )
        let holds = "; a cell holds no units: parentID names the module or pack they go into"
        let expected = [
            (0, "/parentID", "\(Self.prefix)10 is a commissioned cell serial\(holds)"),
            (
                1, "/parentID",
                "\(link)10 is the commissioned cell serial \(Self.prefix)10 in its other GS1 form\(holds)"
            ),
        ]
        expectProblems(error, expected)
        #expect(error.problems.map(\.message) == expected.map(\.2))
        #expect(try fixture.chain.serial(Self.prefix + "10")?.children == [])
        // A module under a GTIN of its own, a GIAI or an SSCC.
        try fixture.accept(
            [
                Self.assemble("urn:epc:id:sgtin:4012345.022222.10", [Self.prefix + "11"]),
                Self.assemble("urn:epc:id:giai:4012345.MOD-1", [Self.prefix + "12"]),
                Self.assemble("urn:epc:id:sscc:4012345.0111111144", [Self.prefix + "13"]),
            ],
            as: "cell-co"
        )
        #expect(try fixture.chain.serial("urn:epc:id:giai:4012345.MOD-1")?.children == [Self.prefix + "12"])
    }

    @Test(
        "commissioning refuses serials a module or pack is named by, in either GS1 form, within a submission or after"
    )
    func commissioningCoversNoParent() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "10")], as: "cell-co")
        let link = "https://id.gs1.org/01/04012345111118/21/"
        func assemble(_ parent: String, _ child: String, eventID: String) throws -> String {
            try edited(Self.assemble(parent, [child])) { $0["eventID"] = .string(eventID) }
        }
        // Modules named by serials of the cells' GTIN that no commissioning has made, one in each form.
        func module(_ number: Int) -> String { "urn:uuid:6f1c2c1e-0000-4000-8000-00000000000\(number)" }
        try fixture.accept(
            [
                try assemble(Self.prefix + "50", Self.prefix + "1", eventID: module(1)),
                try assemble(link + "70", Self.prefix + "2", eventID: module(2)),
            ],
            as: "cell-co"
        )
        let names = "; a module's or pack's id is no cell serial: commission serials that no assembly names"
        let later = try fixture.rejection(
            [Self.commission(first: "41", last: "60"), Self.commission(first: "61", last: "80")],
            as: "cell-co"
        )
        let expected = [
            (
                0, "/ct:serialRanges/0/first",
                "\(Self.prefix)50 is an assembled module or pack (event \(module(1)))\(names)"
            ),
            (
                1, "/ct:serialRanges/0/first",
                "\(Self.prefix)70 is the assembled module or pack \(link)70 in its other GS1 form (event \(module(2)))"
                    + names
            ),
        ]
        expectProblems(later, expected)
        #expect(later.problems.map(\.message) == expected.map(\.2))
        // An assembly earlier in the same submission is named by its index.
        let within = try fixture.rejection(
            [
                try assemble(Self.prefix + "90", Self.prefix + "3", eventID: module(3)),
                Self.commission(first: "81", last: "99"),
            ],
            as: "cell-co"
        )
        let expectedWithin = [
            (
                1, "/ct:serialRanges/0/first",
                "\(Self.prefix)90 is an assembled module or pack (event 0 of this submission)\(names)"
            )
        ]
        expectProblems(within, expectedWithin)
        #expect(within.problems.map(\.message) == expectedWithin.map(\.2))
        // The other order within one submission: a serial commissioned by an earlier event is no parent.
        let reverse = try fixture.rejection(
            [
                Self.commission(first: "81", last: "99"),
                Self.assemble(Self.prefix + "90", [Self.prefix + "3"]),
            ],
            as: "cell-co"
        )
        let expectedReverse = [
            (
                1, "/parentID",
                "\(Self.prefix)90 is a commissioned cell serial; a cell holds no units: parentID names the module or pack they go into"
            )
        ]
        expectProblems(reverse, expectedReverse)
        #expect(reverse.problems.map(\.message) == expectedReverse.map(\.2))
        // The modules stand as they were; serials around them are commissioned, past a module
        // whose id has more digits and one whose only assembly was declared in error.
        #expect(try fixture.chain.serial(Self.prefix + "50")?.children == [Self.prefix + "1"])
        #expect(try fixture.chain.serial(link + "70")?.children == [Self.prefix + "2"])
        let withdrawn = try assemble(Self.prefix + "95", Self.prefix + "5", eventID: module(4))
        try fixture.accept(
            [
                Self.assemble(Self.prefix + "6000", [Self.prefix + "4"]), withdrawn,
                try Events.declaredInError(withdrawn),
            ],
            as: "cell-co"
        )
        try fixture.accept(
            [
                Self.commission(first: "11", last: "49"), Self.commission(first: "51", last: "69"),
                Self.commission(first: "71", last: "100"),
            ],
            as: "cell-co"
        )
        #expect(try fixture.chain.serial(Self.prefix + "50")?.children == [Self.prefix + "1"])
        #expect(try fixture.chain.serial(Self.prefix + "6000")?.children == [Self.prefix + "4"])
    }

    @Test("cells go into a module only at the hands of the holder of their cell lot")
    func assemblyNeedsTheCellLot() throws {
        let fixture = try Self.chainWithCells()
        try fixture.accept([Self.commission(first: "1", last: "10")], as: "cell-co")
        // cell-co ships the whole cell lot away, then tries to assemble cells made from it.
        try fixture.accept(
            [
                Events.ship(
                    "CELLS",
                    60,
                    from: Actor.defaultParty("cell-co"),
                    to: Actor.defaultParty("cathode-co"),
                    time: "2026-02-26T12:00:00+01:00"
                )
            ],
            as: "cell-co"
        )
        let error = try fixture.rejection([Self.assemble("MOD-1", [Self.prefix + "1"])], as: "cell-co")
        expectProblems(
            error,
            [(0, "/childEPCs/0", "cell-co does not hold cell lot CELLS that \(Self.prefix)1 comes from")]
        )
    }

    @Test("an eventID names one event: reusing it for another is refused, in the ledger and in the document")
    func eventIDReuse() throws {
        let fixture = try ChainFixture()
        let first =
            #"{"eventID":"urn:uuid:6f1c2c1e-0000-4000-8000-000000000001","#
            + String(Events.extract("A").dropFirst())
        let other =
            #"{"eventID":"urn:uuid:6f1c2c1e-0000-4000-8000-000000000001","#
            + String(Events.extract("B").dropFirst())
        let inDocument = try fixture.rejection([first, other], as: "pilbara-mining")
        #expect(inDocument.problems.first?.index == 1)
        #expect(inDocument.problems.first?.message.contains("earlier, different event of this document") == true)
        try fixture.chain.importSubmission(
            Array(first.utf8),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        let inLedger = try fixture.rejection([other], as: "pilbara-mining")
        #expect(inLedger.problems.first?.message.contains("is already used by a different event") == true)
        // The event's other problems are named with it, and the lot it would make is none to the
        // events after it.
        let elsewhere = try edited(other) { $0["bizLocation"] = ["id": "urn:epc:id:sgln:0000000.00000.0"] }
        let together = try fixture.rejection(
            [elsewhere, Events.ship("B", 1, from: Events.miner, to: Events.refiner)],
            as: "pilbara-mining"
        )
        expectProblems(
            together,
            [
                (0, "/eventID", "is already used by a different event"),
                (0, "/bizLocation/id", "no facility urn:epc:id:sgln:0000000.00000.0 is registered"),
                (
                    1, "/quantityList/0/epcClass",
                    "unknown lot B: event 0 of this submission would make it, and is refused"
                ),
            ],
            identified: false
        )
        // An event whose shape is refused has its eventID weighed too, in the ledger and in the
        // document, either way round.
        let negative = try edited(other) { $0["quantityList"] = [Events.quantity("B", -1)] }
        let shapeAndID = try fixture.rejection([negative], as: "pilbara-mining")
        #expect(shapeAndID.problems.contains { $0.field == "/quantityList/0/quantity" })
        #expect(
            shapeAndID.problems.contains {
                $0.field == "/eventID"
                    && $0.message.hasPrefix(
                        "eventID urn:uuid:6f1c2c1e-0000-4000-8000-000000000001 is already used by the event at entry "
                    )
            }
        )
        let reused = #"{"eventID":"urn:uuid:6f1c2c1e-0000-4000-8000-000000000002","#
        let valid = reused + String(Events.extract("C").dropFirst())
        let refusedShape = try edited(reused + String(Events.extract("D").dropFirst())) {
            $0["quantityList"] = [Events.quantity("D", -1)]
        }
        for (lines, index) in [([valid, refusedShape], 1), ([refusedShape, valid], 1)] {
            let error = try fixture.rejection(lines, as: "pilbara-mining")
            #expect(
                error.problems.contains {
                    $0.index == index && $0.field == "/eventID"
                        && $0.message.contains("is used by an earlier, different event of this document")
                }
            )
        }
        // A recorded event sent again under a different event's eventID is refused for it
        // alone: it is not applied a second time.
        let recordedID = "urn:uuid:6f1c2c1e-0000-4000-8000-000000000003"
        let recorded = #"{"eventID":"\#(recordedID)","# + String(Events.extract("E").dropFirst())
        try fixture.accept([recorded], as: "pilbara-mining")
        let takenID = try edited(recorded) { $0["eventID"] = "urn:uuid:6f1c2c1e-0000-4000-8000-000000000001" }
        let resent = try fixture.rejection([recorded, takenID], as: "pilbara-mining")
        #expect(resent.problems.count == 1)
        #expect(resent.problems.first?.index == 1)
        #expect(
            resent.problems.first?.message.hasSuffix(
                "; this event is in the ledger as \(recordedID), entry \(try fixture.chain.ledger.size - 1)"
            ) == true
        )
        // So is a copy of an event earlier in the document, which is not recorded twice.
        let newID = "urn:uuid:6f1c2c1e-0000-4000-8000-000000000004"
        let fresh = #"{"eventID":"\#(newID)","# + String(Events.extract("F").dropFirst())
        let copied = try fixture.rejection(
            [fresh, try edited(fresh) { $0["eventID"] = "urn:uuid:6f1c2c1e-0000-4000-8000-000000000001" }],
            as: "pilbara-mining"
        )
        #expect(copied.problems.count == 1)
        #expect(
            copied.problems.first?.message.hasSuffix("; this event is event 0 of this document, as \(newID)") == true
        )
    }

    @Test("receiving checks that the goods were shipped to the receiver")
    func receiving() throws {
        let fixture = try ChainFixture()
        try fixture.importDocument("epcis/chain/01-mine.jsonld", as: "pilbara-mining")
        let receipt = Events.json([
            "type": "ObjectEvent", "eventTime": "2026-01-25T09:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE", "bizStep": "receiving",
            "quantityList": [Events.quantity("urn:epc:class:lgtin:9300001.000011.SC6-2601", 100)],
        ])
        let error = try fixture.rejection([receipt], as: "cathode-co")
        #expect(error.problems.first?.message.contains("was it shipped to them?") == true)
        #expect(
            try fixture.chain.importSubmission(
                Array(receipt.utf8),
                actor: "sichuan-lithium",
                key: try fixture.key("sichuan-lithium")
            )
            .written == 1
        )
    }

    @Test("a receipt is its receiver's: the maker receives only what came back, and a lot's lines are weighed together")
    func receiptByReceiver() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE")], as: "pilbara-mining")
        // The maker holds all 100 t, none of it by a shipment.
        let own = try fixture.rejection(
            [Events.receive("ORE", 10, time: "2026-01-09T10:00:00+08:00")],
            as: "pilbara-mining"
        )
        expectProblems(
            own,
            [(0, "/quantityList/0/quantity", "no shipment of lot ORE went to pilbara-mining, which made it")]
        )
        try fixture.accept([Events.ship("ORE", 60, from: Events.miner, to: Events.refiner)], as: "pilbara-mining")
        // Each line is within the 60 t shipped; together they are not, and the lot is named once.
        let lines = Events.json([
            "type": "ObjectEvent", "eventTime": "2026-01-09T10:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE", "bizStep": "receiving",
            "quantityList": [
                Events.quantity("ORE", 40), Events.quantity("ORE", 30), Events.quantity("ORE", 5),
            ],
        ])
        let together = try fixture.rejection([lines], as: "sichuan-lithium")
        expectProblems(
            together,
            [
                (
                    0, "/quantityList/1/quantity",
                    "sichuan-lithium holds less than 70000 kg of lot ORE (this event's lines of the lot together)"
                )
            ]
        )
        #expect(together.problems.count == 1)
        // What comes back to the maker by a shipment, the maker receives.
        try fixture.accept(
            [
                Events.receive("ORE", 20, time: "2026-01-09T10:00:00+08:00"),
                Events.receive("ORE", 10, time: "2026-01-09T11:00:00+08:00"),
                Events.ship(
                    "ORE",
                    20,
                    from: Events.refiner,
                    to: Events.miner,
                    time: "2026-01-10T10:00:00+08:00"
                ),
            ],
            as: "sichuan-lithium"
        )
        #expect(
            try fixture.accept([Events.receive("ORE", 10, time: "2026-01-11T10:00:00+08:00")], as: "pilbara-mining")
                .written == 1
        )
        // Each lot on its own: the lot that came back is received again, one that did not is not.
        try fixture.accept([Events.extract("ORE2")], as: "pilbara-mining")
        let mixed = try fixture.rejection(
            [
                Events.receive("ORE", 5, time: "2026-01-11T11:00:00+08:00"),
                Events.receive("ORE2", 10, time: "2026-01-11T11:00:00+08:00"),
                Events.receive("ORE", 5, time: "2026-01-11T12:00:00+08:00"),
                Events.receive("ORE2", 10, time: "2026-01-11T12:00:00+08:00"),
            ],
            as: "pilbara-mining"
        )
        let notBack = "no shipment of lot ORE2 went to pilbara-mining, which made it"
        expectProblems(mixed, [(1, "/quantityList/0/quantity", notBack), (3, "/quantityList/0/quantity", notBack)])
        // Lines of one lot within the holding: the custody shows one receipt of their kilograms.
        let within = Events.json([
            "type": "ObjectEvent", "eventTime": "2026-01-12T10:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE", "bizStep": "receiving",
            "quantityList": [Events.quantity("ORE", 25), Events.quantity("ORE", 5)],
        ])
        try fixture.accept([within], as: "sichuan-lithium")
        let receipts = try #require(try fixture.chain.lot("ORE")).custody.filter { $0.kind == .received }
        #expect(
            receipts.map { "\($0.actor) \($0.kg?.description ?? "-")" } == [
                "sichuan-lithium 20000", "sichuan-lithium 10000", "pilbara-mining 10000", "sichuan-lithium 30000",
            ]
        )
    }

    @Test("master data: duplicate actors and facilities, unknown operators, bad codes are refused by field")
    func masterData() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        let duplicate = try #require(throws: SupplyChainError.self) {
            try fixture.chain.registerActor(
                ActorDraft(id: "cell-co", name: "Again", role: .cellMaker, publicKey: Ed25519PrivateKey().publicKey)
            )
        }
        #expect(duplicate.problems.first?.field == "/id")
        let badFacility = try #require(throws: SupplyChainError.self) {
            try fixture.chain.registerFacility(
                FacilityDraft(
                    id: "urn:x:plant",
                    operatorID: "nobody",
                    kind: .cell,
                    country: "Hungary",
                    subdivision: "HU-BU"
                )
            )
        }
        // The unknown operator is named with the problems of the facility's shape.
        #expect(Set(badFacility.problems.map(\.field)) == ["/country", "/subdivision", "/operator"])
        let unknownOperator = try #require(throws: SupplyChainError.self) {
            try fixture.chain.registerFacility(
                FacilityDraft(id: "urn:x:plant", operatorID: "nobody", kind: .cell, country: "HU")
            )
        }
        #expect(unknownOperator.problems.first?.field == "/operator")
        let badTable = try #require(throws: SupplyChainError.self) {
            try fixture.chain.recordFactorTable(
                [
                    "id": "grid", "version": 1, "source": "IEA 2024", "year": 2023,
                    "factors": [
                        ["category": "grid", "geography": "CN-SC", "value": "0.1", "unit": "kgCO2e/kWh"],
                        [
                            "category": "grid", "geography": "CN-SC", "basis": "location", "value": "0.2",
                            "unit": "kgCO2e/kWh",
                        ],
                        ["category": "fuel", "name": "diesel", "value": "-1", "unit": "kgCO2e/kWh"],
                        ["category": "heat", "name": "steam", "value": "1", "unit": "kgCO2e/MJ"],
                    ],
                ]
            )
        }
        #expect(
            Set(badTable.problems.map(\.field))
                == ["/factors/1/name", "/factors/2/value", "/factors/2/unit", "/factors/3/category"]
        )
        #expect(try fixture.chain.ledger.size == size, "nothing was written")
        try fixture.chain.recordFactorTable(
            [
                "id": "grid", "version": 1, "source": "IEA 2024", "year": 2023,
                "factors": [["category": "grid", "geography": "CN-SC", "value": "0.1", "unit": "kgCO2e/kWh"]],
            ]
        )
        #expect(try fixture.chain.factorTables().map(\.factors.count) == [1])
        #expect(try fixture.chain.auditIndexes().isValid)
    }
}
