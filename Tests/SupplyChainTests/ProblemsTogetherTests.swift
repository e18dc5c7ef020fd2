import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

/// A record wrong in two members that do not depend on each other is reported for both, so that
/// a supplier fixes a document in one round rather than one problem at a time.
@Suite("Validation: independent problems of one record are reported together")
struct ProblemsTogetherTests {
    @Test("events: each member wrong on its own is named, in the shape checks and in the ledger's rules")
    func eventProblems() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        let at = "2026-01-05T06:00:00+08:00"
        let lines = [
            // A quantity below zero in a unit that is no UN/ECE code.
            try edited(Events.extract("A")) { $0["quantityList"] = [Events.quantity("A", -1, "kg")] },
            // An eventID that is no string, and an event time that is no time.
            try edited(Events.extract("B")) {
                $0["eventID"] = 42
                $0["eventTime"] = "yesterday"
            },
            // A source without type or source.
            try edited(Events.ship("A", 1, from: Events.miner, to: Events.refiner)) { $0["sourceList"] = [[:]] },
            // Metered electricity below zero and without its unit.
            try edited(Events.extract("C")) { $0["ct:electricity"] = ["quantity": -5, "supply": "grid"] },
            // An event type nobody defined, and an event time without its zone.
            try edited(Events.extract("D")) {
                $0["type"] = "ObjectEvnt"
                $0["eventTime"] = "2026-03-01 08:00"
            },
            // A shipment of an unknown lot to a party no actor has.
            Events.ship("NOPE", 1, from: Events.miner, to: "urn:epc:id:pgln:9999999.00000"),
            // An assembly without its parent, of a unit nobody commissioned.
            Events.json([
                "type": "AggregationEvent", "eventTime": .string(at), "eventTimeZoneOffset": "+08:00",
                "action": "ADD", "bizLocation": ["id": .string(Events.mine)],
                "childEPCs": ["urn:epc:id:sgtin:4012345.011111.999999"],
            ]),
            // A commissioning of an unknown cell lot, a mass below zero, and two bad bounds.
            Events.json([
                "type": "ObjectEvent", "eventTime": .string(at), "eventTimeZoneOffset": "+08:00",
                "action": "ADD", "bizStep": "commissioning", "bizLocation": ["id": .string(Events.mine)],
                "epcList": [], "ct:cellLot": "urn:test:typo",
                "ct:serialRanges": [["prefix": "urn:epc:id:sgtin:4012345.011111.", "first": "007", "last": "1x"]],
                "ct:cellMass": ["quantity": -0.07, "uom": "KGM"], "ct:nominalEnergy": ["quantity": 0.25, "uom": "KWH"],
            ]),
        ]
        let error = try fixture.rejection(lines, as: "pilbara-mining")
        expectProblems(
            error,
            [
                (0, "/quantityList/0/quantity", "must be greater than zero (got -1)"),
                (
                    0, "/quantityList/0/uom",
                    "must be a UN/ECE Rec. 20 code (2–3 capitals or digits), got \"kg\": did you mean KGM?"
                ),
                (1, "/eventTime", "must be an ISO 8601 extended-format date-time with a time zone"),
                (1, "/eventID", "must be a URI of at most 400 bytes"),
                (2, "/sourceList/0/type", "is required"),
                (2, "/sourceList/0/source", "is required"),
                (3, "/ct:electricity/0/quantity", "must be greater than zero"),
                (3, "/ct:electricity/0/uom", "is required"),
                (4, "/type", "must be one of ObjectEvent"),
                (4, "/eventTime", "must be an ISO 8601 extended-format date-time with a time zone"),
                (
                    5, "/destinationList/0/destination",
                    "party urn:epc:id:pgln:9999999.00000 is not a registered actor's party"
                ),
                (5, "/quantityList/0/epcClass", "unknown lot NOPE"),
                (6, "/parentID", "is required: the module or pack serial"),
                (6, "/childEPCs/0", "is neither a commissioned cell serial nor an assembled module"),
                (7, "/ct:cellLot", "unknown lot urn:test:typo"),
                (7, "/ct:cellMass/quantity", "must be greater than zero"),
                (7, "/ct:serialRanges/0/first", "without leading zeros (got \"007\")"),
                (7, "/ct:serialRanges/0/last", "without leading zeros (got \"1x\")"),
            ],
            identified: false
        )
        #expect(try fixture.chain.ledger.size == size, "nothing written")
    }

    @Test("an event whose shape is wrong has its vocabulary checked too, a misspelt term named with its shape problems")
    func vocabularyOfMalformedEvents() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE")], as: "pilbara-mining")
        let size = try fixture.chain.ledger.size
        let shipping = Events.ship("ORE", 10, from: Events.miner, to: Events.refiner)
        let lines = [
            // A time that is no time, and a business step misspelt.
            try edited(shipping) {
                $0["eventTime"] = "yesterday"
                $0["bizStep"] = "shiping"
            },
            // A quantity below zero, and a member of CellTrace's namespace misspelt.
            try edited(Events.extract("B")) {
                $0["quantityList"] = [Events.quantity("B", -1, "KGM")]
                $0["ct:lifecycleStage"] = "raw-material-acquisition"
            },
            // An eventID that is no string, and a destination type misspelt.
            try edited(shipping) {
                $0["eventID"] = 42
                $0["destinationList"] = [["type": "owning_pary", "destination": .string(Events.refiner)]]
            },
            // An action on a TransformationEvent: named once, by the shape check alone.
            try edited(Events.transform(inputs: [Events.quantity("ORE", 1)], outputs: [Events.quantity("L", 1)])) {
                $0["action"] = "ADD"
            },
        ]
        let error = try fixture.rejection(lines, as: "pilbara-mining")
        expectProblems(
            error,
            [
                (0, "/eventTime", "must be an ISO 8601 extended-format date-time with a time zone"),
                (0, "/bizStep", "\"shiping\" is not a CBV 2.0 business step"),
                (1, "/quantityList/0/quantity", "must be greater than zero (got -1)"),
                (1, "/ct:lifecycleStage", "did you mean ct:lifeCycleStage?"),
                (2, "/eventID", "must be a URI of at most 400 bytes"),
                (2, "/destinationList/0/type", "\"owning_pary\" is not a CBV 2.0 source or destination type"),
                (3, "/action", "a TransformationEvent has no action"),
            ],
            identified: false
        )
        #expect(try fixture.chain.ledger.size == size, "nothing written")
    }

    @Test(
        "outputs made of nothing, times before 2000, declarations out of time, and a yield that does not read are each refused once"
    )
    func timesOutputsAndYields() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE")], as: "pilbara-mining")
        try fixture.accept(
            [Events.ship("ORE", 40, from: Events.miner, to: Events.refiner)],
            as: "pilbara-mining"
        )
        let size = try fixture.chain.ledger.size
        let made = Events.transform(inputs: [Events.quantity("ORE", 10)], outputs: [Events.quantity("LIOH-1", 1)])
        let lines = [
            // Outputs with no input lot: a lot made from nothing.
            Events.transform(inputs: [], outputs: [Events.quantity("LIOH-2", 1)]),
            // A date as an unset field writes it.
            try edited(made) { $0["eventTime"] = "1970-01-01T08:00:00+08:00" },
            // A yield given as a percentage: named once, at the yield.
            try edited(made) {
                $0["ct:yield"] = "120%"
                $0["outputQuantityList"] = [Events.quantity("LIOH-3", 11)]
            },
            // An error declared before the event happened, and one declared in the next century.
            try edited(Events.declaredInError(Events.extract("ORE"))) {
                $0["errorDeclaration"] = ["declarationTime": "2025-01-01T00:00:00Z", "reason": "incorrect_data"]
            },
            try edited(Events.declaredInError(Events.extract("ORE"))) {
                $0["errorDeclaration"] = ["declarationTime": "2099-01-01T00:00:00Z", "reason": "incorrect_data"]
            },
            // Offsets that are no time zone: +18:00 typed for +08:00.
            try edited(made) { $0["eventTime"] = "2026-01-30T18:00:00+18:00" },
            try edited(Events.declaredInError(Events.extract("ORE"))) {
                $0["errorDeclaration"] = ["declarationTime": "2026-06-01T08:00:00-14:30", "reason": "incorrect_data"]
            },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        let fields = error.problems.map { "\($0.index ?? -1) \($0.field)" }
        #expect(fields.contains("0 /inputQuantityList"), "\(error)")
        #expect(fields.contains("1 /eventTime"), "\(error)")
        #expect(fields.filter { $0.hasPrefix("2 ") } == ["2 /ct:yield"], "\(error)")
        #expect(fields.contains("3 /errorDeclaration/declarationTime"), "\(error)")
        #expect(fields.contains("4 /errorDeclaration/declarationTime"), "\(error)")
        #expect(fields.filter { $0.hasPrefix("5 ") } == ["5 /eventTime"], "\(error)")
        #expect(fields.contains("6 /errorDeclaration/declarationTime"), "\(error)")
        for (index, text) in [
            (0, "a TransformationEvent that makes lots consumes lots"),
            (1, "1970-01-01T08:00:00+08:00 is before 2000: an unset date"),
            (3, "is before the event it declares in error happened (2026-01-05T06:00:00+08:00)"),
            (4, "2099-01-01T00:00:00Z is after this import"),
            (
                5,
                "2026-01-30T18:00:00+18:00 has the time-zone offset +18:00; offsets run from -14:00 to +14:00, "
                    + "so check the time and its zone"
            ),
            (6, "2026-06-01T08:00:00-14:30 has the time-zone offset -14:30"),
        ] {
            #expect(error.problems.contains { $0.index == index && $0.message.contains(text) }, "\(error)")
        }
        #expect(try fixture.chain.ledger.size == size, "nothing written")

        // Offsets a zone has, UTC in any spelling, and fractions of a second all pass.
        let times = [
            "2026-01-30T18:00:00+14:00", "2026-01-30T18:00:00-14:00", "2026-01-30T18:00:00-00:00",
            "2026-01-30T18:00:00z", "2026-01-30T18:00:00.123456+05:45",
        ]
        try fixture.accept(
            times.enumerated().map { index, time in
                Events.transform(
                    inputs: [Events.quantity("ORE", 1)],
                    outputs: [Events.quantity("LIOH-Z\(index)", 0.1)],
                    time: time
                )
            },
            as: "sichuan-lithium"
        )
    }

    @Test(
        "a place given as a bare URI, an ilmd that is no object, a quantity that is no number and a lot id with a hidden character are named as such"
    )
    func messagesThatPointTheRightWay() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE")], as: "pilbara-mining")
        let lines = [
            try edited(Events.extract("NEW")) {
                $0["bizLocation"] = .string(Events.mine)
                $0["ilmd"] = [["ct:material": "spodumene-concentrate"]]
                $0["quantityList"] = [["epcClass": "NEW", "quantity": "NaN", "uom": "KGM"]]
            },
            Events.ship("ORE\u{200B}", 1, from: Events.miner, to: Events.refiner),
        ]
        let error = try fixture.rejection(lines, as: "pilbara-mining")
        expectProblems(
            error,
            [
                (0, "/bizLocation", "must be an object with the place's id, such as {\"id\": \"\(Events.mine)\"}"),
                (0, "/ilmd", "must be an object of the lots' master data"),
                (0, "/quantityList/0/quantity", "EPCIS quantities are JSON numbers, such as 1250.5 (got \"NaN\")"),
                (
                    1, "/quantityList/0/epcClass",
                    "unknown lot ORE\u{200B} (the id \"ORE\u{200B}\" holds invisible U+200B)"
                ),
            ],
            identified: false
        )
    }

    @Test("a transport leg said to carry more than its shipment moves is recorded with a warning at its mass")
    func heavyLegWarns() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE")], as: "pilbara-mining")
        func leg(_ tonnes: Double) -> JSONValue {
            [["mode": "sea", "distance": 6200, "distanceUom": "KMT", "mass": .number(tonnes), "massUom": "TNE"]]
        }
        // 10 t shipped: a leg of 10 t (or of the goods with their packing, 10.5 t) says nothing.
        let fair = try edited(Events.ship("ORE", 10, from: Events.miner, to: Events.refiner)) {
            $0["ct:transport"] = leg(10.5)
        }
        #expect(try fixture.accept([fair], as: "pilbara-mining").warnings.isEmpty)
        // The vessel's whole cargo as the leg's mass would put the vessel's emissions on 10 t.
        let cargo = try edited(
            Events.ship("ORE", 10, from: Events.miner, to: Events.refiner, time: "2026-01-09T10:00:00+08:00")
        ) {
            $0["ct:transport"] = leg(90_000)
        }
        let report = try fixture.accept([cargo], as: "pilbara-mining")
        #expect(report.warnings.map(\.field) == ["/ct:transport/0/mass"], "\(report.warnings)")
        #expect(
            report.warnings.first?.message.hasPrefix("the leg carries 90000 t, more than the 10 t this event moves")
                == true,
            "\(report.warnings)"
        )
    }

    @Test("an actor registered again with a party that is no URI: both are named")
    func actorRegistrationProblems() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        let error = try #require(throws: SupplyChainError.self) {
            try fixture.chain.registerActor(
                ActorDraft(
                    id: "cell-co",
                    name: "Again",
                    role: .cellMaker,
                    publicKey: Ed25519PrivateKey().publicKey,
                    parties: ["bad party"]
                )
            )
        }
        #expect(Set(error.problems.map(\.field)) == ["/id", "/parties/0"], "\(error)")
        // A name that breaks the tables it is printed in, a party listed twice, a place for a party.
        let party = "urn:epc:id:pgln:5990099.00000"
        let odd = try #require(throws: SupplyChainError.self) {
            try fixture.chain.registerActor(
                ActorDraft(
                    id: "new-co",
                    name: "New\nCo\u{07}",
                    role: .processor,
                    publicKey: Ed25519PrivateKey().publicKey,
                    parties: [party, party, "urn:epc:id:sgln:5990099.00001.0", "mailto:sales@new-co.example"]
                )
            )
        }
        #expect(
            odd.problems.map { "\($0.field): \($0.message)" } == [
                "/name: must not hold control characters (line breaks, tabs, escapes)",
                "/parties/1: party \(party) is listed twice",
                "/parties/2: urn:epc:id:sgln:5990099.00001.0 is a location (GLN of a place); a party is who holds the goods, such as urn:epc:id:pgln:…",
                "/parties/3: a mailto: URI is a contact address, which changes hands with staff; a party is an identifier of the company, such as urn:epc:id:pgln:… or https://id.gs1.org/417/…",
            ],
            "\(odd)"
        )
        let blank = try #require(throws: SupplyChainError.self) {
            try fixture.chain.registerActor(
                ActorDraft(id: "new-co", name: "   ", role: .processor, publicKey: Ed25519PrivateKey().publicKey)
            )
        }
        #expect(blank.problems.map(\.field) == ["/name"], "\(blank)")
        #expect(try fixture.chain.ledger.size == size, "nothing written")
    }

    @Test("a look-up by an id no row can have (empty, or longer than LMDB's keys) finds nothing rather than failing")
    func lookUpByImpossibleID() throws {
        let fixture = try ChainFixture()
        for id in ["", String(repeating: "a", count: 600)] {
            #expect(try fixture.chain.actor(id) == nil)
            #expect(try fixture.chain.facility(id) == nil)
        }
    }

    @Test("a facility registered again, by an unknown operator, at coordinates off the globe: all three are named")
    func facilityRegistrationProblems() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        let error = try #require(throws: SupplyChainError.self) {
            try fixture.chain.registerFacility(
                FacilityDraft(
                    id: Events.refinery,
                    operatorID: "nobody",
                    kind: .mine,
                    country: "CN",
                    location: ("100", "0")
                )
            )
        }
        #expect(Set(error.problems.map(\.field)) == ["/id", "/operator", "/location/latitude"], "\(error)")
        #expect(try fixture.chain.ledger.size == size, "nothing written")
    }

    @Test(
        "facilities: a transfer of an unknown facility to an unknown actor, and an amendment with two unknown risk flags"
    )
    func facilityProblems() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        let transfer = try #require(throws: SupplyChainError.self) {
            try fixture.chain.transferFacility("urn:epc:id:sgln:9300001.00099.0", to: "ganfeng")
        }
        #expect(
            transfer.problems.map { "\($0.field): \($0.message)" } == [
                "/id: no facility urn:epc:id:sgln:9300001.00099.0 is registered",
                "/operator: no actor ganfeng is registered; add it with `celltrace actor add`",
            ]
        )
        let amendment = try #require(throws: SupplyChainError.self) {
            try fixture.chain.amendFacility(
                Events.mine,
                reason: "audit",
                changes: ["riskFlags": ["conflict", "child-labour"]]
            )
        }
        #expect(amendment.problems.map(\.field) == ["/riskFlags/0", "/riskFlags/1"], "\(amendment)")
        #expect(try fixture.chain.ledger.size == size, "nothing written")
    }
}
