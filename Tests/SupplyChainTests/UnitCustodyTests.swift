import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

/// The custody of cells, modules and packs: a unit is shipped by id, put into a unit, added to or
/// taken apart only by the actor that has it, and a declaration in error leaves custody as the
/// events since had it.
@Suite("Custody of cells, modules and packs: shipments, assemblies and disassemblies")
struct UnitCustodyTests {
    static let cathodePlant = "urn:celltrace:facility:cathode-plant"

    /// Cell `number` of the range `AssemblyTests.commission` commissions.
    static func cell(_ number: Int) -> String { AssemblyTests.prefix + String(number) }

    /// A shipment by id of `units` from actor `from` to actor `to`.
    static func ship(_ units: [String], from: String, to: String, time: String) -> String {
        Events.json([
            "type": "ObjectEvent", "eventTime": .string(time), "eventTimeZoneOffset": "+01:00", "action": "OBSERVE",
            "bizStep": "shipping", "epcList": .array(units.map(JSONValue.string)),
            "sourceList": [["type": "owning_party", "source": .string(Actor.defaultParty(from))]],
            "destinationList": [["type": "owning_party", "destination": .string(Actor.defaultParty(to))]],
        ])
    }

    /// An assembly (`ADD`) or disassembly (`DELETE`) at `facility`.
    static func assemble(
        _ parent: String,
        _ children: [String],
        action: String = "ADD",
        at facility: String = AssemblyTests.cellPlant,
        time: String
    ) -> String {
        Events.json([
            "type": "AggregationEvent", "eventTime": .string(time), "eventTimeZoneOffset": "+01:00",
            "action": .string(action), "bizLocation": ["id": .string(facility)], "parentID": .string(parent),
            "childEPCs": .array(children.map(JSONValue.string)),
        ])
    }

    /// The chain with cells 1–10 of lot CELLS commissioned by cell-co on 2026-02-26.
    static func commissioned() throws -> ChainFixture {
        let fixture = try AssemblyTests.chainWithCells()
        try fixture.accept([AssemblyTests.commission(first: "1", last: "10")], as: "cell-co")
        return fixture
    }

    /// The sequence number of the last entry: the last event of the submission accepted last.
    static func lastEntry(_ fixture: ChainFixture) throws -> UInt64 { try fixture.chain.ledger.size - 1 }

    static func expectAudited(_ fixture: ChainFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")", sourceLocation: sourceLocation)
    }

    @Test(
        "a cell shipped by id is its receiver's: the shipper can no longer put it into a module, the receiver puts it into its own, the maker still assembles the cells it kept"
    )
    func shippedCellGoesIntoTheReceiversModule() throws {
        let fixture = try Self.commissioned()
        let (one, two, three) = (Self.cell(1), Self.cell(2), Self.cell(3))
        try fixture.accept(
            [Self.ship([one], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00")],
            as: "cell-co"
        )
        let shipped = try Self.lastEntry(fixture)
        // cell-co holds the cell lot still, but no longer the cell.
        let shipper = try fixture.rejection(
            [Self.assemble("MOD-A", [one, two], time: "2026-02-28T08:00:00+01:00")],
            as: "cell-co"
        )
        #expect(shipper.problems.map(\.field) == ["/childEPCs/0"])
        #expect(
            shipper.problems.map(\.message) == [
                "\(one) is with cathode-co, to which entry \(shipped) shipped it, not with cell-co (custody rule)"
            ]
        )
        // The receiver puts it in no earlier than it arrived, and only the cells it has.
        let early = try fixture.rejection(
            [Self.assemble("MOD-B", [one, two], at: Self.cathodePlant, time: "2026-02-27T10:00:00+01:00")],
            as: "cathode-co"
        )
        #expect(early.problems.map(\.field) == ["/childEPCs/0", "/childEPCs/1"])
        #expect(
            early.problems.map(\.message) == [
                "\(one) is put into MOD-B at 2026-02-27T09:00:00.000Z, before it reached cathode-co "
                    + "(shipped to it at 2026-02-27T11:00:00.000Z; custody rule)",
                "cathode-co does not hold cell lot CELLS that \(two) comes from, and no shipment of \(two) went to it "
                    + "(custody rule)",
            ]
        )
        try fixture.accept(
            [Self.assemble("MOD-B", [one], at: Self.cathodePlant, time: "2026-02-28T08:00:00+01:00")],
            as: "cathode-co"
        )
        try fixture.accept([Self.assemble("MOD-C", [two, three], time: "2026-02-28T08:00:00+01:00")], as: "cell-co")
        #expect(try fixture.chain.serial(one)?.containedIn == ["MOD-B"])
        #expect(try fixture.chain.serial(two)?.containedIn == ["MOD-C"])
        try Self.expectAudited(fixture)
    }

    @Test(
        "a module is its receiver's: the receiver takes cells out, ships one and puts another into its own unit; the maker can add to it, pack it, take it apart, ship or assemble those cells no more"
    )
    func moduleCustodyPassesToItsCells() throws {
        let fixture = try Self.commissioned()
        let (one, two, three, four) = (Self.cell(1), Self.cell(2), Self.cell(3), Self.cell(4))
        try fixture.accept(
            [
                Self.assemble("MOD-1", [one, two, three], time: "2026-02-27T08:00:00+01:00"),
                Self.ship(["MOD-1"], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00"),
            ],
            as: "cell-co"
        )
        let shipped = try Self.lastEntry(fixture)
        let withReceiver =
            "MOD-1 is with cathode-co, to which entry \(shipped) shipped it, not with cell-co (custody rule)"
        let size = try fixture.chain.ledger.size
        let maker = try fixture.rejection(
            [
                Self.assemble("MOD-1", [four], time: "2026-02-28T08:00:00+01:00"),
                Self.assemble("PACK-9", ["MOD-1"], time: "2026-02-28T08:00:00+01:00"),
                Self.assemble("MOD-1", [one], action: "DELETE", time: "2026-02-28T08:00:00+01:00"),
            ],
            as: "cell-co"
        )
        #expect(maker.problems.map(\.index) == [0, 1, 2])
        #expect(maker.problems.map(\.field) == ["/parentID", "/childEPCs/0", "/parentID"])
        #expect(maker.problems.map(\.message) == [withReceiver, withReceiver, withReceiver])
        let early = try fixture.rejection(
            [
                Self.assemble(
                    "MOD-1",
                    [one, two],
                    action: "DELETE",
                    at: Self.cathodePlant,
                    time: "2026-02-27T10:00:00+01:00"
                )
            ],
            as: "cathode-co"
        )
        #expect(early.problems.map(\.field) == ["/parentID"])
        #expect(
            early.problems.map(\.message) == [
                "MOD-1 is taken apart at 2026-02-27T09:00:00.000Z, before it reached cathode-co "
                    + "(shipped to it at 2026-02-27T11:00:00.000Z; custody rule)"
            ]
        )
        #expect(try fixture.chain.ledger.size == size)

        try fixture.accept(
            [
                Self.assemble(
                    "MOD-1",
                    [one, two],
                    action: "DELETE",
                    at: Self.cathodePlant,
                    time: "2026-02-28T09:00:00+01:00"
                )
            ],
            as: "cathode-co"
        )
        let takenOut = try Self.lastEntry(fixture)
        // The cells taken out are the receiver's, though cell-co holds their cell lot.
        let shipper = try fixture.rejection(
            [
                Self.ship([one], from: "cell-co", to: "sichuan-lithium", time: "2026-02-28T12:00:00+01:00"),
                Self.assemble("MOD-X", [two], time: "2026-02-28T12:00:00+01:00"),
            ],
            as: "cell-co"
        )
        #expect(shipper.problems.map(\.field) == ["/epcList/0", "/childEPCs/0"])
        #expect(
            shipper.problems.map(\.message) == [
                "\(one) is with cathode-co, which took it out of MOD-1 by entry \(takenOut), not with cell-co (custody rule)",
                "\(two) is with cathode-co, which took it out of MOD-1 by entry \(takenOut), not with cell-co (custody rule)",
            ]
        )
        let beforeTakenOut = try fixture.rejection(
            [Self.ship([one], from: "cathode-co", to: "sichuan-lithium", time: "2026-02-28T08:00:00+01:00")],
            as: "cathode-co"
        )
        #expect(beforeTakenOut.problems.map(\.field) == ["/epcList/0"])
        #expect(
            beforeTakenOut.problems.map(\.message) == [
                "\(one) is shipped at 2026-02-28T07:00:00.000Z, before it reached cathode-co "
                    + "(taken out of MOD-1 at 2026-02-28T08:00:00.000Z; custody rule)"
            ]
        )
        try fixture.accept(
            [
                Self.ship([one], from: "cathode-co", to: "sichuan-lithium", time: "2026-02-28T12:00:00+01:00"),
                Self.assemble("MOD-2", [two], at: Self.cathodePlant, time: "2026-02-28T12:00:00+01:00"),
                Self.assemble("PACK-2", ["MOD-1", "MOD-2"], at: Self.cathodePlant, time: "2026-02-28T13:00:00+01:00"),
            ],
            as: "cathode-co"
        )
        #expect(try fixture.chain.serial(two)?.containedIn == ["MOD-2", "PACK-2"])
        try Self.expectAudited(fixture)
    }

    @Test("a unit in a pack is with whoever has the pack: its receiver takes a module in it apart, its maker cannot")
    func unitInAPackIsThePacksHolders() throws {
        let fixture = try Self.commissioned()
        let one = Self.cell(1)
        try fixture.accept(
            [
                Self.assemble("MOD-1", [one], time: "2026-02-27T08:00:00+01:00"),
                Self.assemble("PACK-1", ["MOD-1"], time: "2026-02-27T08:00:00+01:00"),
                Self.ship(["PACK-1"], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00"),
            ],
            as: "cell-co"
        )
        let shipped = try Self.lastEntry(fixture)
        let maker = try fixture.rejection(
            [Self.assemble("MOD-1", [one], action: "DELETE", time: "2026-02-28T08:00:00+01:00")],
            as: "cell-co"
        )
        #expect(maker.problems.map(\.field) == ["/parentID"])
        #expect(
            maker.problems.map(\.message) == [
                "MOD-1 is in PACK-1, and PACK-1 is with cathode-co, to which entry \(shipped) shipped it, not with "
                    + "cell-co (custody rule)"
            ]
        )
        try fixture.accept(
            [
                Self.assemble(
                    "MOD-1",
                    [one],
                    action: "DELETE",
                    at: Self.cathodePlant,
                    time: "2026-02-28T08:00:00+01:00"
                ),
                Self.ship([one], from: "cathode-co", to: "sichuan-lithium", time: "2026-02-28T12:00:00+01:00"),
            ],
            as: "cathode-co"
        )
        try Self.expectAudited(fixture)
    }

    @Test(
        "a cell shipped by id by an actor holding part of its cell lot is dated no earlier than the lot reached it; one recorded before the check still replays"
    )
    func cellShippedAfterItsLotArrived() throws {
        let fixture = try Self.commissioned()
        let five = Self.cell(5)
        try fixture.accept(
            [
                Events.ship(
                    "CELLS",
                    10,
                    from: Actor.defaultParty("cell-co"),
                    to: Actor.defaultParty("cathode-co"),
                    time: "2026-03-10T08:00:00+01:00"
                )
            ],
            as: "cell-co"
        )
        let early = Self.ship([five], from: "cathode-co", to: "sichuan-lithium", time: "2026-03-01T08:00:00+01:00")
        let refused = try fixture.rejection([early], as: "cathode-co")
        #expect(refused.problems.map(\.field) == ["/epcList/0"])
        #expect(
            refused.problems.map(\.message) == [
                "lot CELLS is used at 2026-03-01T07:00:00.000Z, before it reached cathode-co "
                    + "(shipped to it at 2026-03-10T07:00:00.000Z; custody rule)"
            ]
        )
        // Recorded below the rules, as by a CellTrace before the check, it replays and moves the cell.
        var forger = SubmissionReplayTests.Forger(fixture: fixture)
        forger.actor = "cathode-co"
        let event = try JSONValue(parsing: early)
        try forger.append([
            (SupplyChainLedger.EntryType.submission, try forger.submission(listing: [forger.hash(event)])),
            (SupplyChainLedger.EntryType.event, event),
        ])
        #expect(try fixture.chain.rebuildIndexes().isRebuilt)
        try Self.expectAudited(fixture)
        let later = try fixture.rejection(
            [Self.ship([five], from: "cathode-co", to: "pilbara-mining", time: "2026-03-11T08:00:00+01:00")],
            as: "cathode-co"
        )
        #expect(later.problems.first?.message.hasPrefix("\(five) is with sichuan-lithium, to which entry") == true)
    }

    @Test("assemblies, disassemblies and shipments recorded below the custody of units, as before it, still replay")
    func eventsBeforeUnitCustodyReplay() throws {
        let fixture = try Self.commissioned()
        let (one, two, three) = (Self.cell(1), Self.cell(2), Self.cell(3))
        try fixture.accept(
            [
                Self.ship([one], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00"),
                Self.assemble("MOD-1", [two, three], time: "2026-02-27T08:00:00+01:00"),
                Self.ship(["MOD-1"], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00"),
            ],
            as: "cell-co"
        )
        try fixture.accept(
            [Self.assemble("MOD-1", [two], action: "DELETE", at: Self.cathodePlant, time: "2026-02-28T08:00:00+01:00")],
            as: "cathode-co"
        )
        // cell-co puts in the cell it shipped, takes apart the module it shipped, and ships the
        // cell its receiver took out: each refused now.
        let lines = [
            Self.assemble("MOD-9", [one], time: "2026-03-01T08:00:00+01:00"),
            Self.assemble("MOD-1", [three], action: "DELETE", time: "2026-03-01T08:00:00+01:00"),
            Self.ship([two], from: "cell-co", to: "sichuan-lithium", time: "2026-03-01T08:00:00+01:00"),
        ]
        let refused = try fixture.rejection(lines, as: "cell-co")
        #expect(refused.problems.map(\.field) == ["/childEPCs/0", "/parentID", "/epcList/0"], "\(refused)")
        var forger = SubmissionReplayTests.Forger(fixture: fixture)
        forger.actor = "cell-co"
        let events = try lines.map { try JSONValue(parsing: $0) }
        try forger.append(
            [(SupplyChainLedger.EntryType.submission, try forger.submission(listing: events.map(forger.hash)))]
                + events.map { (SupplyChainLedger.EntryType.event, $0) }
        )
        #expect(try fixture.chain.rebuildIndexes().isRebuilt)
        try Self.expectAudited(fixture)
        #expect(try fixture.chain.serial(one)?.containedIn == ["MOD-9"])
        #expect(try fixture.chain.serial(three)?.containedIn == [])
    }

    @Test(
        "a unit shipment, assembly or disassembly is declared in error only while custody stays as the events recorded since had it"
    )
    func declarationsKeepCustody() throws {
        let fixture = try Self.commissioned()
        let (one, two) = (Self.cell(1), Self.cell(2))
        let shipment = Self.ship([one], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00")
        try fixture.accept([shipment], as: "cell-co")
        let shipped = try Self.lastEntry(fixture)
        let assembly = Self.assemble("MOD-B", [one], at: Self.cathodePlant, time: "2026-02-28T08:00:00+01:00")
        try fixture.accept([assembly], as: "cathode-co")
        let putIn = try Self.lastEntry(fixture)
        let declared = try Events.declaredInError(shipment)
        let inModule = try fixture.rejection([declared], as: "cell-co")
        #expect(
            inModule.problems.map(\.message) == [
                "\(one), shipped to cathode-co by this event, was put into MOD-B by entry \(putIn); declare that event "
                    + "in error first (custody rule)"
            ]
        )
        let takeOut = Self.assemble(
            "MOD-B",
            [one],
            action: "DELETE",
            at: Self.cathodePlant,
            time: "2026-02-28T10:00:00+01:00"
        )
        try fixture.accept([takeOut], as: "cathode-co")
        let takenOut = try Self.lastEntry(fixture)
        let out = try fixture.rejection([declared], as: "cell-co")
        #expect(out.problems.map(\.field) == ["/errorDeclaration"])
        #expect(
            out.problems.map(\.message) == [
                "\(one), shipped to cathode-co by this event, was taken out of MOD-B by entry \(takenOut); declare "
                    + "that event in error first (custody rule)"
            ]
        )
        // Undone from the last: the cell goes back into the module, out of it, back to cell-co.
        try fixture.accept([try Events.declaredInError(takeOut)], as: "cathode-co")
        try fixture.accept([try Events.declaredInError(assembly)], as: "cathode-co")
        try fixture.accept([declared], as: "cell-co")
        try fixture.accept([Self.assemble("MOD-C", [one], time: "2026-03-01T08:00:00+01:00")], as: "cell-co")

        // An assembly whose module was shipped since, and a disassembly whose cell was.
        let module = Self.assemble("MOD-1", [two], time: "2026-02-27T08:00:00+01:00")
        try fixture.accept(
            [module, Self.ship(["MOD-1"], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00")],
            as: "cell-co"
        )
        let moduleShipped = try Self.lastEntry(fixture)
        let assembled = try fixture.rejection([try Events.declaredInError(module)], as: "cell-co")
        #expect(
            assembled.problems.map(\.message) == [
                "MOD-1, which this event put units into, was shipped on by entry \(moduleShipped); declare that event "
                    + "in error first (custody rule)"
            ]
        )
        let apart = Self.assemble(
            "MOD-1",
            [two],
            action: "DELETE",
            at: Self.cathodePlant,
            time: "2026-02-28T08:00:00+01:00"
        )
        try fixture.accept(
            [apart, Self.ship([two], from: "cathode-co", to: "sichuan-lithium", time: "2026-02-28T12:00:00+01:00")],
            as: "cathode-co"
        )
        let cellShipped = try Self.lastEntry(fixture)
        let takenApart = try fixture.rejection([try Events.declaredInError(apart)], as: "cathode-co")
        #expect(
            takenApart.problems.map(\.message) == [
                "\(two), taken out of MOD-1 by this event, was shipped on by entry \(cellShipped); declare that event "
                    + "in error first (custody rule)"
            ]
        )
        try Self.expectAudited(fixture)
    }

    @Test(
        "a cell lot's shipment is declared in error only while its receiver shipped none of the lot's cells by id on the strength of holding the lot"
    )
    func lotShipmentStaysWhileItsCellsWereShippedByID() throws {
        let fixture = try Self.commissioned()
        let five = Self.cell(5)
        let lotShipment = Events.ship(
            "CELLS",
            10,
            from: Actor.defaultParty("cell-co"),
            to: Actor.defaultParty("cathode-co"),
            time: "2026-03-10T08:00:00+01:00"
        )
        try fixture.accept([lotShipment], as: "cell-co")
        let byID = Self.ship([five], from: "cathode-co", to: "sichuan-lithium", time: "2026-03-11T08:00:00+01:00")
        try fixture.accept([byID], as: "cathode-co")
        let shipped = try Self.lastEntry(fixture)
        let declared = try Events.declaredInError(lotShipment)
        let refused = try fixture.rejection([declared], as: "cell-co")
        #expect(refused.problems.map(\.field) == ["/errorDeclaration"])
        #expect(
            refused.problems.map(\.message) == [
                "declaring this shipment in error leaves lot CELLS never reaching cathode-co, after cathode-co used it: "
                    + "entry \(shipped) (shipped cells by id at 2026-03-11T07:00:00.000Z); declare those events in "
                    + "error first (custody rule)"
            ]
        )
        // The lot's custody lists the lot's shipment; the cell's shipment is the cell's.
        #expect(try #require(try fixture.chain.lot("CELLS")).custody.map(\.kind) == [.shipped])
        try Self.expectAudited(fixture)
        // The cell's shipment declared in error first, the lot's shipment is.
        try fixture.accept([try Events.declaredInError(byID)], as: "cathode-co")
        try fixture.accept([declared], as: "cell-co")
        try Self.expectAudited(fixture)
    }

    @Test(
        "a disassembly is declared in error only while the unit it took units out of stayed put: neither shipped on since, nor in a unit shipped since"
    )
    func disassemblyStaysWhileItsParentMoved() throws {
        let fixture = try Self.commissioned()
        let (one, two) = (Self.cell(1), Self.cell(2))
        let takeOut = Self.assemble("MOD-1", [two], action: "DELETE", time: "2026-02-27T10:00:00+01:00")
        try fixture.accept(
            [Self.assemble("MOD-1", [one, two], time: "2026-02-27T08:00:00+01:00"), takeOut],
            as: "cell-co"
        )
        let moduleShipment = Self.ship(["MOD-1"], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00")
        try fixture.accept([moduleShipment], as: "cell-co")
        let moduleShipped = try Self.lastEntry(fixture)
        let declared = try Events.declaredInError(takeOut)
        let shipped = try fixture.rejection([declared], as: "cell-co")
        #expect(shipped.problems.map(\.field) == ["/errorDeclaration"])
        #expect(
            shipped.problems.map(\.message) == [
                "MOD-1, which this event took units out of, was shipped on by entry \(moduleShipped); declare that "
                    + "event in error first (custody rule)"
            ]
        )
        #expect(try fixture.chain.serial(two)?.containedIn == [])
        // Packed and the pack shipped: the module went with it.
        try fixture.accept([try Events.declaredInError(moduleShipment)], as: "cell-co")
        let packShipment = Self.ship(["PACK-1"], from: "cell-co", to: "cathode-co", time: "2026-02-28T12:00:00+01:00")
        try fixture.accept(
            [Self.assemble("PACK-1", ["MOD-1"], time: "2026-02-28T08:00:00+01:00"), packShipment],
            as: "cell-co"
        )
        let packShipped = try Self.lastEntry(fixture)
        let packed = try fixture.rejection([declared], as: "cell-co")
        #expect(packed.problems.map(\.field) == ["/errorDeclaration"])
        #expect(
            packed.problems.map(\.message) == [
                "MOD-1, which this event took units out of, is in PACK-1, which was shipped on by entry "
                    + "\(packShipped); declare that event in error first (custody rule)"
            ]
        )
        // The pack's shipment declared in error first, the cell goes back into the module.
        try fixture.accept([try Events.declaredInError(packShipment)], as: "cell-co")
        try fixture.accept([declared], as: "cell-co")
        #expect(try fixture.chain.serial(two)?.containedIn == ["MOD-1", "PACK-1"])
        try Self.expectAudited(fixture)
    }

    @Test(
        "a custody refusal names an earlier event of the same submission by its index there, as the ledger holds no entry of it yet"
    )
    func custodyNamesEventsOfTheSubmission() throws {
        let fixture = try Self.commissioned()
        let module = Self.assemble("MOD-1", [Self.cell(1)], time: "2026-02-27T08:00:00+01:00")
        try fixture.accept([module], as: "cell-co")
        let refused = try fixture.rejection(
            [
                Self.ship(["MOD-1"], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00"),
                Self.assemble("MOD-1", [], action: "DELETE", time: "2026-02-28T08:00:00+01:00"),
                try Events.declaredInError(module),
            ],
            as: "cell-co"
        )
        #expect(refused.problems.map(\.field) == ["/parentID", "/errorDeclaration"])
        #expect(
            refused.problems.map(\.message) == [
                "MOD-1 is with cathode-co, to which event 0 of this submission shipped it, not with cell-co "
                    + "(custody rule)",
                "MOD-1, which this event put units into, was shipped on by event 0 of this submission; declare that "
                    + "event in error first (custody rule)",
            ]
        )
    }

    /// A unit's custody as one line: reason, actors, and entry, unit taken out of, cell lot and
    /// outermost unit as they apply.
    static func custody(_ unit: String, _ fixture: ChainFixture) throws -> String? {
        try fixture.chain.serial(unit)?.custody.map { custody in
            ([custody.reason.rawValue, custody.actors.joined(separator: "+")]
                + [custody.sequenceNumber.map(String.init), custody.from, custody.lot, custody.inside].compactMap {
                    $0
                })
                .joined(separator: " ")
        }
    }

    @Test("a serial's report says who has the unit and why, by the rule an import applies")
    func serialReportSaysWhoHasTheUnit() throws {
        let fixture = try Self.commissioned()
        let (one, two, three) = (Self.cell(1), Self.cell(2), Self.cell(3))
        #expect(try Self.custody(three, fixture) == "cellLot cell-co CELLS")
        try fixture.accept([Self.assemble("MOD-1", [one, two], time: "2026-02-27T08:00:00+01:00")], as: "cell-co")
        #expect(try Self.custody("MOD-1", fixture) == "assembled cell-co")
        #expect(try Self.custody(one, fixture) == "assembled cell-co MOD-1")
        try fixture.accept(
            [Self.ship(["MOD-1"], from: "cell-co", to: "cathode-co", time: "2026-02-27T12:00:00+01:00")],
            as: "cell-co"
        )
        let shipped = try Self.lastEntry(fixture)
        #expect(try Self.custody("MOD-1", fixture) == "shipped cathode-co \(shipped)")
        #expect(try Self.custody(one, fixture) == "shipped cathode-co \(shipped) MOD-1")
        try fixture.accept(
            [Self.assemble("MOD-1", [two], action: "DELETE", at: Self.cathodePlant, time: "2026-02-28T08:00:00+01:00")],
            as: "cathode-co"
        )
        let takenOut = try Self.lastEntry(fixture)
        #expect(try Self.custody(two, fixture) == "takenOut cathode-co \(takenOut) MOD-1")
    }
}
