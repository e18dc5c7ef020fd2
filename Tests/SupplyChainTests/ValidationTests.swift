import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

/// EPCIS events as JSON Lines, for the validation tests.
enum Events {
    static let mine = "urn:epc:id:sgln:9300001.00001.0"
    static let refinery = "urn:epc:id:sgln:6900002.00001.0"

    static func json(_ members: JSONObject) -> String {
        JSONValue.object(members).canonicalString
    }

    static func quantity(_ lot: String, _ amount: Double, _ uom: String = "TNE") -> JSONValue {
        ["epcClass": .string(lot), "quantity": .number(amount), "uom": .string(uom)]
    }

    /// A lot extracted at the mine by pilbara-mining.
    static func extract(_ lot: String, _ tonnes: Double = 100, time: String = "2026-01-05T06:00:00+08:00") -> String {
        json([
            "type": "ObjectEvent", "eventTime": .string(time), "eventTimeZoneOffset": "+08:00", "action": "ADD",
            "bizLocation": ["id": .string(mine)], "quantityList": [quantity(lot, tonnes)],
            "ilmd": ["ct:material": "spodumene-concentrate"],
        ])
    }

    static func ship(
        _ lot: String,
        _ tonnes: Double,
        from: String,
        to: String,
        time: String = "2026-01-08T10:00:00+08:00"
    )
        -> String
    {
        json([
            "type": "ObjectEvent", "eventTime": .string(time), "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
            "bizStep": "shipping", "quantityList": [quantity(lot, tonnes)],
            "sourceList": [["type": "owning_party", "source": .string(from)]],
            "destinationList": [["type": "owning_party", "destination": .string(to)]],
        ])
    }

    /// A receiving event (custody confirmed, nothing moved).
    static func receive(_ lot: String, _ tonnes: Double, time: String) -> String {
        json([
            "type": "ObjectEvent", "eventTime": .string(time), "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
            "bizStep": "receiving", "quantityList": [quantity(lot, tonnes)],
        ])
    }

    static func transform(
        at facility: String = refinery,
        inputs: [JSONValue],
        outputs: [JSONValue],
        time: String = "2026-01-30T18:00:00+08:00",
        extra: JSONObject = [:]
    ) -> String {
        var members: JSONObject = [
            "type": "TransformationEvent", "eventTime": .string(time), "eventTimeZoneOffset": "+08:00",
            "bizLocation": ["id": .string(facility)], "inputQuantityList": .array(inputs),
            "outputQuantityList": .array(outputs), "ilmd": ["ct:material": "lithium-hydroxide"],
        ]
        members.merge(extra) { $1 }
        return json(members)
    }

    static let miner = "urn:epc:id:pgln:9300001.00000"
    static let refiner = "urn:epc:id:pgln:6900002.00000"
}

/// The event with some members changed, as JSON Lines.
func edited(_ line: String, _ change: (inout JSONObject) -> Void) throws -> String {
    var members = try #require(try JSONValue(parsing: line).objectValue)
    change(&members)
    return Events.json(members)
}

/// A chain where the miner has extracted `ORE` (100 t) and shipped it to the refiner.
func refinerHoldingOre() throws -> ChainFixture {
    let fixture = try ChainFixture()
    try fixture.chain.importSubmission(
        Array(
            [Events.extract("ORE"), Events.ship("ORE", 100, from: Events.miner, to: Events.refiner)].joined(
                separator: "\n"
            ).utf8
        ),
        actor: "pilbara-mining",
        key: try fixture.key("pilbara-mining")
    )
    return fixture
}

@Suite("Validation: every rule names the event and field, and nothing is written")
struct ValidationTests {
    @Test("EPCIS shape: type, eventTime, time-zone offset, action, uom code, event lists")
    func shape() throws {
        let fixture = try ChainFixture()
        let lines = [
            #"{"type":"ObjectEvnt","eventTime":"2026-01-05T06:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD"}"#,
            #"{"type":"ObjectEvent","eventTime":"2026-13-05T06:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","epcList":[]}"#,
            #"{"type":"ObjectEvent","eventTime":"2026-01-05T06:00:00Z","eventTimeZoneOffset":"+15:00","action":"ADD","epcList":[]}"#,
            #"{"type":"ObjectEvent","eventTime":"2026-01-05T06:00:00Z","eventTimeZoneOffset":"+00:00","action":"MOVE","epcList":[]}"#,
            #"{"type":"ObjectEvent","eventTime":"2026-01-05T06:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","quantityList":[{"epcClass":"L","quantity":1,"uom":"kg"}]}"#,
            #"{"type":"ObjectEvent","eventTime":"2026-01-05T06:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE"}"#,
            #"{"type":"ObjectEvent","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":[]}"#,
        ]
        let error = try fixture.rejection(lines, as: "pilbara-mining")
        #expect(error.code == .invalidRecords)
        expectProblem(error, index: 0, field: "/type", containing: "must be one of ObjectEvent", identified: false)
        // An event without a valid time has no hash ID either: its index names it.
        expectProblem(error, index: 1, field: "/eventTime", containing: "ISO 8601", identified: false)
        expectProblem(error, index: 2, field: "/eventTimeZoneOffset", containing: "between -14:00 and +14:00")
        expectProblem(error, index: 3, field: "/action", containing: "ADD, OBSERVE or DELETE")
        expectProblem(error, index: 4, field: "/quantityList/0/uom", containing: "UN/ECE Rec. 20 code")
        expectProblem(error, index: 5, field: "/epcList", containing: "needs an epcList, a quantityList")
        expectProblem(error, index: 6, field: "/eventTime", containing: "is required", identified: false)
        #expect(error.problems.count == 7)
    }

    @Test("an EPCIS document needs its context, schema version, creation date and event list")
    func documentShape() throws {
        let fixture = try ChainFixture()
        let error = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(
                Array(#"{"type":"EPCISDocument","epcisBody":{}}"#.utf8),
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining")
            )
        }
        #expect(error.code == .invalidDocument)
        #expect(
            Set(error.problems.map(\.field)) == [
                "/@context", "/schemaVersion", "/creationDate", "/epcisBody/eventList",
            ]
        )

        // A document whose own members are wrong still has its events checked, in the same round.
        func document(_ tonnes: Double) throws -> String {
            let events = [
                Events.extract("GOOD"),
                try edited(Events.extract("BAD")) { $0["quantityList"] = [Events.quantity("BAD", tonnes)] },
            ]
            return
                #"{"type":"EPCISDocument","@context":"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld","#
                + #""creationDate":"2026-01-05T06:00:00Z","epcisBody":{"eventList":["# + events.joined(separator: ",")
                + "]}}"
        }
        let size = try fixture.chain.ledger.size
        let both = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(
                Array(try document(-3).utf8),
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining")
            )
        }
        #expect(both.code == .invalidDocument)
        #expect(both.message == "not an EPCIS 2.0 document; its events have 1 problem too, listed after its own")
        #expect(both.problems.map(\.field) == ["/schemaVersion", "/quantityList/0/quantity"])
        #expect(both.problems.map(\.index) == [nil, 1])
        #expect(try fixture.chain.ledger.size == size)
        // With its events valid, the document's problems alone are named.
        let own = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(
                Array(try document(3).utf8),
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining")
            )
        }
        #expect(own.message == "not an EPCIS 2.0 document")
        #expect(own.problems.map(\.field) == ["/schemaVersion"])
        #expect(try fixture.chain.ledger.size == size)
    }

    @Test("units convert exactly to kilograms; non-mass units and non-positive quantities are refused")
    func units() throws {
        let fixture = try ChainFixture()
        try fixture.chain.importSubmission(
            Array(
                [
                    Events.extract("A", 1.1),
                    Events.json([
                        "type": "ObjectEvent", "eventTime": "2026-01-05T06:00:00+08:00",
                        "eventTimeZoneOffset": "+08:00",
                        "action": "ADD", "bizLocation": ["id": .string(Events.mine)],
                        "quantityList": [Events.quantity("B", 1000, "LBR"), Events.quantity("C", 2500, "GRM")],
                        "ilmd": ["ct:material": "spodumene-concentrate"],
                    ]),
                ].joined(separator: "\n").utf8
            ),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        #expect(try fixture.chain.lot("A")?.lot.producedKg.description == "1100")
        #expect(try fixture.chain.lot("B")?.lot.producedKg.description == "453.59237")
        #expect(try fixture.chain.lot("C")?.lot.producedKg.description == "2.5")

        let lines = [
            Events.extract("D", 0), Events.extract("E", -3),
            Events.json([
                "type": "ObjectEvent", "eventTime": "2026-01-05T06:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "ADD", "bizLocation": ["id": .string(Events.mine)],
                "quantityList": [Events.quantity("F", 10, "KWH")], "ilmd": ["ct:material": "x"],
            ]),
            try edited(Events.extract("H")) { $0["quantityList"] = [Events.quantity("H", 10, "KG")] },
            try edited(Events.extract("I")) {
                $0["quantityList"] = [["epcClass": "I", "quantity": nil, "uom": "KGM"]]
            },
            #"{"type":"ObjectEvent","eventTime":"2026-01-05T06:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:epc:id:sgln:9300001.00001.0"},"quantityList":[{"epcClass":"G","quantity":"12","uom":"KGM"}],"ilmd":{"ct:material":"x"}}"#,
            try edited(Events.extract("J")) { $0["quantityList"] = [Events.quantity("J", -2, "KG")] },
        ]
        let error = try fixture.rejection(lines, as: "pilbara-mining")
        expectProblem(error, index: 0, field: "/quantityList/0/quantity", containing: "greater than zero")
        expectProblem(error, index: 1, field: "/quantityList/0/quantity", containing: "greater than zero")
        expectProblem(
            error,
            index: 2,
            field: "/quantityList/0/uom",
            containing: "lot quantities are masses: use one of KGM"
        )
        expectProblem(error, index: 2, field: "/quantityList/0/uom", containing: "(KWH is a unit of electricity)")
        expectProblem(
            error,
            index: 5,
            field: "/quantityList/0/quantity",
            containing: "EPCIS quantities are JSON numbers: write 12 without quotes"
        )
        expectProblem(
            error,
            index: 3,
            field: "/quantityList/0/uom",
            containing: "KG is no UN/ECE Rec. 20 code of a mass: did you mean KGM?"
        )
        expectProblem(
            error,
            index: 4,
            field: "/quantityList/0/quantity",
            containing: "EPCIS quantities are JSON numbers, such as 1250.5"
        )
        // A quantity below zero in a unit that is no mass: both are reported.
        expectProblem(error, index: 6, field: "/quantityList/0/quantity", containing: "greater than zero")
        expectProblem(error, index: 6, field: "/quantityList/0/uom", containing: "did you mean KGM?")
    }

    @Test("referential integrity: unknown lot, facility, actor and party")
    func references() throws {
        let fixture = try refinerHoldingOre()
        let lines = [
            Events.transform(inputs: [Events.quantity("NO-SUCH-LOT", 1)], outputs: [Events.quantity("OUT", 1)]),
            Events.transform(at: "urn:epc:id:sgln:0000000.00000.0", inputs: [], outputs: [Events.quantity("OUT2", 1)]),
            Events.ship("ORE", 10, from: Events.refiner, to: "urn:epc:id:pgln:0000000.99999"),
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblem(error, index: 0, field: "/inputQuantityList/0/epcClass", containing: "unknown lot NO-SUCH-LOT")
        expectProblem(
            error,
            index: 1,
            field: "/bizLocation/id",
            containing: "no facility urn:epc:id:sgln:0000000.00000.0 is registered"
        )
        expectProblem(
            error,
            index: 2,
            field: "/destinationList/0/destination",
            containing: "is not a registered actor's party"
        )

        let unknownActor = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(
                Array(Events.extract("X").utf8),
                actor: "nobody",
                key: Ed25519PrivateKey()
            )
        }
        #expect(unknownActor.code == .notFound)
    }

    @Test("balance and custody: no lot used beyond what the actor holds, only the holder ships")
    func balanceAndCustody() throws {
        let fixture = try refinerHoldingOre()
        let overdraw = try fixture.rejection(
            [
                Events.transform(inputs: [Events.quantity("ORE", 60)], outputs: [Events.quantity("H1", 10)]),
                Events.transform(inputs: [Events.quantity("ORE", 50)], outputs: [Events.quantity("H2", 10)]),
            ],
            as: "sichuan-lithium"
        )
        expectProblem(
            overdraw,
            index: 1,
            field: "/inputQuantityList/0/quantity",
            containing: "sichuan-lithium holds only 40000 kg of lot ORE but the event uses 50000 kg"
        )
        #expect(overdraw.problems.count == 1)

        // A lot a refused event would have made is unknown to the events after it, which say why.
        let knockOn = try fixture.rejection(
            [
                Events.transform(inputs: [Events.quantity("ORE", 130)], outputs: [Events.quantity("H3", 10)]),
                Events.transform(inputs: [Events.quantity("H3", 5)], outputs: [Events.quantity("H4", 4)]),
            ],
            as: "sichuan-lithium"
        )
        expectProblem(knockOn, index: 0, field: "/inputQuantityList/0/quantity", containing: "holds only 100000 kg")
        expectProblem(
            knockOn,
            index: 1,
            field: "/inputQuantityList/0/epcClass",
            containing: "unknown lot H3: event 0 of this submission would make it, and is refused"
        )
        #expect(knockOn.problems.count == 2)

        // When that later event is refused, the earlier one is told so.
        let refusedLater = try fixture.rejection(
            [
                Events.transform(inputs: [Events.quantity("H7", 5)], outputs: [Events.quantity("H8", 4)]),
                try edited(
                    Events.transform(inputs: [Events.quantity("ORE", 10)], outputs: [Events.quantity("H7", 10)])
                ) { $0["bizStep"] = "comissioning" },
            ],
            as: "sichuan-lithium"
        )
        expectProblem(
            refusedLater,
            index: 0,
            field: "/inputQuantityList/0/epcClass",
            containing: "unknown lot H7: event 1 of this submission would make it, after this one, and is refused"
        )
        #expect(refusedLater.problems.count == 2)

        // So is a lot made later in its other GS1 form, and a retracted lot made again later.
        let otherForm = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("https://id.gs1.org/01/06900002000111/10/FX1", 5)],
                    outputs: [Events.quantity("FX2", 4)]
                ),
                Events.transform(
                    inputs: [Events.quantity("ORE", 10)],
                    outputs: [Events.quantity("urn:epc:class:lgtin:6900002.000011.FX1", 10)]
                ),
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            otherForm,
            [
                (
                    0, "/inputQuantityList/0/epcClass",
                    "unknown lot https://id.gs1.org/01/06900002000111/10/FX1: event 1 of this submission makes the "
                        + "same GS1 lot as urn:epc:class:lgtin:6900002.000011.FX1, after this one; events are checked "
                        + "in order, so list it before the events that use the lot; name it so"
                )
            ]
        )
        try fixture.chain.importSubmission(
            Array(Events.extract("R", 10).utf8),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        let remade = try fixture.rejection(
            [
                try Events.declaredInError(Events.extract("R", 10)),
                Events.ship("R", 10, from: Events.miner, to: Events.refiner),
                Events.extract("R", 9),
            ],
            as: "pilbara-mining"
        )
        expectProblems(
            remade,
            [
                (
                    1, "/quantityList/0/epcClass",
                    "lot R was retracted (entry 14): event 2 of this submission makes it again, after this one"
                )
            ]
        )

        // So is a lot whose maker is refused for its vocabulary, before the rules run.
        let misspelt = try fixture.rejection(
            [
                try edited(Events.extract("V", 10)) { $0["bizStep"] = "comissioning" },
                Events.ship("V", 10, from: Events.miner, to: Events.refiner),
            ],
            as: "pilbara-mining"
        )
        expectProblem(misspelt, index: 0, field: "/bizStep", containing: "comissioning")
        expectProblem(
            misspelt,
            index: 1,
            field: "/quantityList/0/epcClass",
            containing: "unknown lot V: event 0 of this submission would make it, and is refused"
        )
        #expect(misspelt.problems.count == 2)

        // And one refused for its shape, whose quantity or unit of the lot itself is refused:
        // named to the events after it, and to those before it that use the lot.
        let badOutput = try edited(
            Events.transform(inputs: [Events.quantity("ORE", 10)], outputs: [Events.quantity("S1", 10)])
        ) { $0["outputQuantityList"] = [["epcClass": "S1", "quantity": -4, "uom": "TNE"], Events.quantity("S2", 1)] }
        let shape = try fixture.rejection(
            [
                Events.transform(inputs: [Events.quantity("S2", 1)], outputs: [Events.quantity("S3", 1)]),
                badOutput,
                Events.transform(inputs: [Events.quantity("S1", 1)], outputs: [Events.quantity("S4", 1)]),
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            shape,
            [
                (
                    0, "/inputQuantityList/0/epcClass",
                    "unknown lot S2: event 1 of this submission would make it, after this one, and is refused"
                ),
                (1, "/outputQuantityList/0/quantity", "must be greater than zero (got -4)"),
                (
                    2, "/inputQuantityList/0/epcClass",
                    "unknown lot S1: event 1 of this submission would make it, and is refused"
                ),
            ],
            identified: false
        )
        #expect(shape.problems.count == 3)

        // A lot used before the event of the submission that makes it is named with that event.
        let outOfOrder = try fixture.rejection(
            [
                Events.transform(inputs: [Events.quantity("H5", 5)], outputs: [Events.quantity("H6", 4)]),
                Events.transform(inputs: [Events.quantity("ORE", 10)], outputs: [Events.quantity("H5", 10)]),
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            outOfOrder,
            [
                (
                    0, "/inputQuantityList/0/epcClass",
                    "unknown lot H5: event 1 of this submission makes it, after this one; events are checked in order, "
                        + "so list it before the events that use the lot"
                )
            ]
        )

        let notHolder = try fixture.rejection(
            [Events.ship("ORE", 1, from: Events.miner, to: Events.refiner)],
            as: "pilbara-mining"
        )
        expectProblem(
            notHolder,
            index: 0,
            field: "/quantityList/0/quantity",
            containing: "pilbara-mining holds none of lot ORE"
        )
        let wrongSource = try fixture.rejection(
            [Events.ship("ORE", 1, from: Events.miner, to: "urn:celltrace:actor:cathode-co")],
            as: "sichuan-lithium"
        )
        expectProblem(
            wrongSource,
            index: 0,
            field: "/sourceList/0/source",
            containing: "must be the submitter sichuan-lithium"
        )
    }

    @Test("authorisation: events only at facilities the actor operates")
    func authorisation() throws {
        let fixture = try ChainFixture()
        let error = try fixture.rejection([Events.extract("ORE")], as: "sichuan-lithium")
        expectProblem(
            error,
            index: 0,
            field: "/bizLocation/id",
            containing: "is operated by pilbara-mining; sichuan-lithium may not record events there"
        )
        // A readPoint at another actor's facility is recorded, with a warning; one at a place not
        // registered, or at the event's own bizLocation, passes without one.
        let readThere = try edited(Events.extract("ORE")) { $0["readPoint"] = ["id": .string(Events.refinery)] }
        let readHere = try edited(Events.extract("ORE2")) { $0["readPoint"] = ["id": .string(Events.mine)] }
        let readAway = try edited(Events.extract("ORE3")) {
            $0["readPoint"] = ["id": "urn:epc:id:sgln:9300001.00001.7"]
        }
        let report = try fixture.accept([readThere, readHere, readAway], as: "pilbara-mining")
        #expect(report.written == 3)
        #expect(report.warnings.map(\.index) == [0], "\(report.warnings)")
        #expect(report.warnings.first?.field == "/readPoint/id")
        #expect(
            report.warnings.first?.message
                == "\(Events.refinery) is a facility of sichuan-lithium, not of pilbara-mining: the event says it was "
                + "read at another actor's site; check the readPoint"
        )
        // Declaring it in error repeats it: its place was weighed when it was recorded.
        let declared = try fixture.accept([try Events.declaredInError(readThere)], as: "pilbara-mining")
        #expect(declared.retractions == 1)
        #expect(declared.warnings.isEmpty, "\(declared.warnings)")
    }

    @Test("outputs within the declared yield")
    func yield() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [Events.transform(inputs: [Events.quantity("ORE", 10)], outputs: [Events.quantity("H", 11)])],
            as: "sichuan-lithium"
        )
        expectProblem(
            error,
            index: 0,
            field: "/outputQuantityList",
            containing: "outputs of 11000 kg exceed inputs of 10000 kg; declare ct:yield for processes that gain mass"
        )
        // A yield declared and still exceeded is named, without the advice to declare one.
        let declared = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 10)],
                    outputs: [Events.quantity("H", 13)],
                    extra: ["ct:yield": "1.2"]
                )
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            declared,
            [(0, "/outputQuantityList", "outputs of 13000 kg exceed inputs of 10000 kg × the declared ct:yield 1.2")]
        )
        #expect(declared.problems.first?.message.contains("declare ct:yield") == false)
        let report = try fixture.chain.importSubmission(
            Array(
                Events.transform(
                    inputs: [Events.quantity("ORE", 10)],
                    outputs: [Events.quantity("H", 11)],
                    extra: ["ct:yield": "1.2"]
                ).utf8
            ),
            actor: "sichuan-lithium",
            key: try fixture.key("sichuan-lithium")
        )
        #expect(report.written == 1)
    }

    @Test("a declared yield is a mass ratio, not a percentage")
    func yieldIsARatio() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 10)],
                    outputs: [Events.quantity("H", 9)],
                    extra: ["ct:yield": "90"]
                ),
                Events.transform(
                    inputs: [Events.quantity("ORE", 10)],
                    outputs: [Events.quantity("I", 9)],
                    extra: ["ct:yield": 12]
                ),
            ],
            as: "sichuan-lithium"
        )
        let message = "a mass ratio (outputs ÷ inputs) greater than 0 and at most 10, not a percentage"
        expectProblem(error, index: 0, field: "/ct:yield", containing: message)
        expectProblem(error, index: 1, field: "/ct:yield", containing: message)
        #expect(error.problems.count == 2, "\(error)")
    }

    @Test("every new lot carries valid master data: material, element contents, country of origin")
    func masterData() throws {
        let fixture = try refinerHoldingOre()
        func making(_ lot: String, ilmd: JSONValue?) -> String {
            var event = Events.transform(inputs: [Events.quantity("ORE", 1)], outputs: [Events.quantity(lot, 1)])
            if var members = try? JSONValue(parsing: event).objectValue {
                members["ilmd"] = ilmd
                event = Events.json(members)
            }
            return event
        }
        let error = try fixture.rejection(
            [
                making("A", ilmd: nil),
                making("B", ilmd: ["ct:material": "Lithium Hydroxide"]),
                making(
                    "C",
                    ilmd: ["ct:material": "lithium-hydroxide", "ct:elementContent": ["Li": "0.2", "Zz": "0.1"]]
                ),
                making("D", ilmd: ["ct:material": "lithium-hydroxide", "ct:elementContent": ["Li": "1.5"]]),
                making(
                    "E",
                    ilmd: ["ct:material": "lithium-hydroxide", "ct:elementContent": ["Ni": "0.6", "Co": "0.5"]]
                ),
                making("F", ilmd: ["ct:material": "lithium-hydroxide", "cbvmda:countryOfOrigin": "China"]),
                making("G", ilmd: ["ct:material": "lithium-hydroxide", "cbvmda:countryOfOrigin": "UK"]),
                // Members written as full IRIs are named as the event spells them.
                making(
                    "H",
                    ilmd: [
                        "https://celltrace.dev/ns/epcis/1/material": "Lithium Hydroxide",
                        "https://celltrace.dev/ns/epcis/1/elementContent": ["Li": "1.5"],
                    ]
                ),
                // A grade that is no text would be dropped.
                making("I", ilmd: ["ct:material": "lithium-hydroxide", "ct:grade": 5]),
                // 37 digits, and fractions whose sum needs more than 36: each is named for what it is.
                making(
                    "J",
                    ilmd: [
                        "ct:material": "nickel-sulfate",
                        "ct:elementContent": ["Ni": "0.4000000000000000000000000000000000001"],
                    ]
                ),
                making("K", ilmd: ["ct:material": "nickel-sulfate", "ct:elementContent": ["Li": "1", "Ni": "1e-40"]]),
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            error,
            [
                (0, "/ilmd", "is required for new lots: at least ct:material"),
                (1, "/ilmd/ct:material", "each new lot needs a material: lower-case letters, digits and '-'"),
                (2, "/ilmd/ct:elementContent/Zz", "unknown element; use "),
                (3, "/ilmd/ct:elementContent/Li", "a mass fraction between 0 and 1"),
                (4, "/ilmd/ct:elementContent", "mass fractions add up to more than 1"),
                (5, "/ilmd/cbvmda:countryOfOrigin", "an ISO 3166-1 alpha-2 code such as AU, CL, CN"),
                (
                    6, "/ilmd/cbvmda:countryOfOrigin",
                    "UK is reserved in ISO 3166-1, not assigned: the United Kingdom is GB"
                ),
                (7, "/ilmd/https:~1~1celltrace.dev~1ns~1epcis~11~1material", "each new lot needs a material"),
                (
                    7, "/ilmd/https:~1~1celltrace.dev~1ns~1epcis~11~1elementContent/Li",
                    "a mass fraction between 0 and 1"
                ),
                (8, "/ilmd/ct:grade", "a grade is text, such as \"battery\" or \"LiOH·H2O 56.5 %\" (got 5)"),
                (
                    9, "/ilmd/ct:elementContent/Ni",
                    "0.4000000000000000000000000000000000001 is no decimal the ledger holds exactly (at most 36 "
                        + "significant digits, an exponent within ±10,000): give the mass fraction to fewer digits"
                ),
                (
                    10, "/ilmd/ct:elementContent",
                    "the mass fractions need more than 36 digits between them to be added exactly"
                ),
            ]
        )
    }

    @Test("identifiers recorded now: an eventID is a URI, and a new lot's id holds no space or control character")
    func identifierText() throws {
        let fixture = try ChainFixture()
        func withEventID(_ id: String, _ event: String) -> String {
            #"{"eventID":"# + JSONValue.string(id).canonicalString + "," + String(event.dropFirst())
        }
        let error = try fixture.rejection(
            [
                withEventID("not a uri", Events.extract("A")),
                withEventID("1event:x", Events.extract("B")),
                Events.extract("MY LOT 1"),
                Events.extract("LOT\u{0}NUL"),
                withEventID("urn:uuid:6f1c2c1e-0000-4000-8000-000000000009", Events.extract("C")),
            ],
            as: "pilbara-mining"
        )
        expectProblems(
            error,
            [
                (0, "/eventID", "must be a URI, such as urn:uuid:… (got \"not a uri\")"),
                (1, "/eventID", "must be a URI"),
                (2, "/quantityList/0/epcClass", "a new lot's id may not hold spaces or control characters"),
                (3, "/quantityList/0/epcClass", "a new lot's id may not hold spaces or control characters"),
            ],
            identified: false
        )
    }

    @Test("a problem in a JSON Lines file names the event's line beside its index, which blank lines set apart")
    func jsonLinesProblemsNameTheLine() throws {
        let fixture = try ChainFixture()
        let bad = Events.extract("B", 0)
        let error = try fixture.rejection(["", Events.extract("A"), "", "  ", bad], as: "pilbara-mining")
        expectProblems(error, [(1, "/quantityList/0/quantity", "must be greater than zero")])
        #expect(error.problems.first?.line == 5)
        #expect(error.problems.first?.description.hasPrefix("event 1 (line 5) ni:///sha-256;") == true)
        // Without blank lines the line is the index's next, and the text names the index alone.
        let plain = try fixture.rejection([Events.extract("A"), bad], as: "pilbara-mining")
        #expect(plain.problems.first?.line == 2)
        #expect(plain.problems.first?.description.hasPrefix("event 1 ni:///sha-256;") == true)
    }

    @Test("no cycles: a lot cannot be made from itself or from its own descendants")
    func cycles() throws {
        let fixture = try refinerHoldingOre()
        let selfCycle = try fixture.rejection(
            [Events.transform(inputs: [Events.quantity("ORE", 10)], outputs: [Events.quantity("ORE", 5)])],
            as: "sichuan-lithium"
        )
        expectProblem(
            selfCycle,
            index: 0,
            field: "/outputQuantityList/0/epcClass",
            containing: "both consumed and produced"
        )
        try fixture.chain.importSubmission(
            Array(Events.transform(inputs: [Events.quantity("ORE", 10)], outputs: [Events.quantity("H", 5)]).utf8),
            actor: "sichuan-lithium",
            key: try fixture.key("sichuan-lithium")
        )
        let loop = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("H", 1)],
                    outputs: [Events.quantity("ORE", 1)],
                    time: "2026-02-01T00:00:00+08:00"
                )
            ],
            as: "sichuan-lithium"
        )
        expectProblem(loop, index: 0, field: "/outputQuantityList/0/epcClass", containing: "would close a cycle")
    }

    @Test("no consumption before creation")
    func timeOrder() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 10)],
                    outputs: [Events.quantity("H", 5)],
                    time: "2026-01-01T00:00:00+08:00"
                )
            ],
            as: "sichuan-lithium"
        )
        expectProblem(error, index: 0, field: "/inputQuantityList/0/quantity", containing: "before it was made")
    }

    @Test("custody in time: a lot is used, shipped or received no earlier than it reached its holder")
    func custodyInTime() throws {
        // ORE was made at 2026-01-05T06:00+08:00 and shipped to sichuan-lithium at 2026-01-08T10:00+08:00.
        let fixture = try refinerHoldingOre()
        let early = "2026-01-06T00:00:00+08:00"
        let receiving = Events.receive("ORE", 100, time: early)
        let error = try fixture.rejection(
            [
                Events.transform(inputs: [Events.quantity("ORE", 10)], outputs: [Events.quantity("H", 5)], time: early),
                Events.ship("ORE", 10, from: Events.refiner, to: Events.miner, time: early),
                receiving,
            ],
            as: "sichuan-lithium"
        )
        let reached = "before it reached sichuan-lithium (shipped to it at 2026-01-08T02:00:00.000Z; custody rule)"
        expectProblems(
            error,
            [
                (0, "/inputQuantityList/0/quantity", "lot ORE is used at 2026-01-05T16:00:00.000Z, \(reached)"),
                (1, "/quantityList/0/quantity", "lot ORE is used at 2026-01-05T16:00:00.000Z, \(reached)"),
                (
                    2, "/quantityList/0/quantity",
                    "lot ORE is received at 2026-01-05T16:00:00.000Z, before it was shipped to sichuan-lithium "
                        + "(2026-01-08T02:00:00.000Z)"
                ),
            ]
        )

        // Before the lot was made is before it reached anyone: named once, as such.
        let beforeMade = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 10)],
                    outputs: [Events.quantity("H", 5)],
                    time: "2026-01-01T00:00:00+08:00"
                )
            ],
            as: "sichuan-lithium"
        )
        expectProblems(beforeMade, [(0, "/inputQuantityList/0/quantity", "before it was made")])

        // From the moment of the shipment on, the same events pass; the first arrival is kept as
        // more arrives, and a received holding used up keeps its row and arrival.
        let arrival = "2026-01-08T10:00:00+08:00"
        try fixture.chain.importSubmission(
            Array(
                [
                    Events.transform(
                        inputs: [Events.quantity("ORE", 10)],
                        outputs: [Events.quantity("H", 5)],
                        time: arrival
                    ),
                    Events.ship("ORE", 90, from: Events.refiner, to: Events.miner, time: arrival),
                ].joined(separator: "\n").utf8
            ),
            actor: "sichuan-lithium",
            key: try fixture.key("sichuan-lithium")
        )
        let back = try #require(try fixture.chain.lot("ORE"))
        // The maker, which got back what it had shipped, holds it since it made it.
        #expect(back.holdings.map(\.actor) == ["pilbara-mining"])
        #expect(back.holdings.first.map { $0.since == nil } == true)
        try fixture.chain.importSubmission(
            Array(Events.ship("ORE", 40, from: Events.miner, to: Events.refiner, time: "2026-02-01T00:00:00Z").utf8),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        let again = try #require(try fixture.chain.lot("ORE"))
        #expect(again.holdings.first { $0.actor == "sichuan-lithium" }?.since == "2026-01-08T02:00:00.000Z")
        #expect(again.holdings.first { $0.actor == "sichuan-lithium" }?.kg == ExactDecimal(40_000))
        // The audit's replay gives the same holdings, arrivals and all.
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test(
        "custody in time: a shipment is not declared in error while its receiver used the lot before its next arrival"
    )
    func custodyKeptThroughDeclarations() throws {
        let fixture = try ChainFixture()
        // Shipped on 01-08 and again on 02-01; the refiner uses the lot on 01-20 and ships some back on 01-21.
        let wrong = try edited(Events.ship("L", 40, from: Events.miner, to: Events.refiner)) {
            $0["eventID"] = "urn:uuid:6b1c1f3e-0000-4000-8000-000000000002"
        }
        try fixture.accept(
            [
                Events.extract("L"), wrong,
                Events.ship("L", 40, from: Events.miner, to: Events.refiner, time: "2026-02-01T00:00:00+08:00"),
            ],
            as: "pilbara-mining"
        )
        let use = try edited(
            Events.transform(
                inputs: [Events.quantity("L", 30)],
                outputs: [Events.quantity("LH", 3)],
                time: "2026-01-20T00:00:00+08:00"
            )
        ) { $0["eventID"] = "urn:uuid:6b1c1f3e-0000-4000-8000-000000000003" }
        let back = try edited(
            Events.ship("L", 5, from: Events.refiner, to: Events.miner, time: "2026-01-21T00:00:00+08:00")
        ) { $0["eventID"] = "urn:uuid:6b1c1f3e-0000-4000-8000-000000000004" }
        // A receipt, and a consumption that made nothing (no lineage edge leads to it).
        let receipt = try edited(Events.receive("L", 40, time: "2026-01-09T00:00:00+08:00")) {
            $0["eventID"] = "urn:uuid:6b1c1f3e-0000-4000-8000-000000000005"
        }
        let scrap = try edited(
            Events.transform(inputs: [Events.quantity("L", 1)], outputs: [], time: "2026-01-22T00:00:00+08:00")
        ) {
            $0["eventID"] = "urn:uuid:6b1c1f3e-0000-4000-8000-000000000006"
            $0["outputQuantityList"] = nil
            $0["ilmd"] = nil
        }
        try fixture.accept([use, back], as: "sichuan-lithium")
        let sizeBefore = try fixture.chain.ledger.size
        try fixture.accept([receipt, scrap], as: "sichuan-lithium")

        // The refiner still holds 44 t, more than the 40 t shipped in error: only the times stop it.
        let refused = try fixture.rejection([try Events.declaredInError(wrong)], as: "pilbara-mining")
        expectProblems(
            refused,
            [
                (
                    0, "/errorDeclaration",
                    "declaring this shipment in error leaves lot L reaching sichuan-lithium only at "
                        + "2026-01-31T16:00:00.000Z, after sichuan-lithium used it: entry \(sizeBefore - 2) "
                        + "(consumed at 2026-01-19T16:00:00.000Z), entry \(sizeBefore - 1) (shipped at "
                        + "2026-01-20T16:00:00.000Z), entry \(sizeBefore + 1) (received at 2026-01-08T16:00:00.000Z) "
                        + "and 1 more; declare those events in error first (custody rule)"
                )
            ],
            identified: false
        )
        #expect(try fixture.chain.ledger.size == sizeBefore + 3)
        // The consumption that made nothing is the one more, and is named once the others are gone.
        try fixture.accept(
            [try Events.declaredInError(use), try Events.declaredInError(back), try Events.declaredInError(receipt)],
            as: "sichuan-lithium"
        )
        expectProblems(
            try fixture.rejection([try Events.declaredInError(wrong)], as: "pilbara-mining"),
            [
                (
                    0, "/errorDeclaration",
                    "after sichuan-lithium used it: entry \(sizeBefore + 2) (consumed at 2026-01-21T16:00:00.000Z); "
                )
            ],
            identified: false
        )

        // Once the refiner has declared its uses in error, the shipment may be; a use dated after
        // the next arrival stays.
        let refiner = try fixture.key("sichuan-lithium")
        try fixture.chain.importSubmission(
            Array(
                [
                    try Events.declaredInError(scrap),
                    Events.transform(
                        inputs: [Events.quantity("L", 10)],
                        outputs: [Events.quantity("LH2", 1)],
                        time: "2026-02-05T00:00:00+08:00"
                    ),
                ].joined(separator: "\n").utf8
            ),
            actor: "sichuan-lithium",
            key: refiner
        )
        try fixture.accept([try Events.declaredInError(wrong)], as: "pilbara-mining")
        let lot = try #require(try fixture.chain.lot("L"))
        // The transformation declared in error keeps its edge, marked with its declaration.
        #expect(lot.usedIn.map(\.sequenceNumber) == [sizeBefore - 2, sizeBefore + 9])
        #expect(lot.declaredInError == [sizeBefore - 2: sizeBefore + 4], "\(lot.declaredInError)")
        #expect(lot.holdings.first { $0.actor == "sichuan-lithium" }?.since == "2026-01-31T16:00:00.000Z")
        // Its custody, in the order recorded, the events declared in error marked.
        let custody = lot.custody.map { "\($0.kind) \($0.actor) \($0.to ?? "-") \($0.kg?.description ?? "-")" }
        #expect(
            custody == [
                "shipped pilbara-mining sichuan-lithium 40000", "shipped pilbara-mining sichuan-lithium 40000",
                "shipped sichuan-lithium pilbara-mining 5000", "received sichuan-lithium - 40000",
                "consumed sichuan-lithium - 1000",
            ],
            "\(custody)"
        )
        #expect(
            lot.custody.map(\.declaredInErrorAt) == [
                sizeBefore + 11, nil, sizeBefore + 5, sizeBefore + 6, sizeBefore + 8,
            ]
        )
        #expect(lot.custody[3].eventTime == "2026-01-08T16:00:00.000Z")

        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test(
        "custody in time: the maker holds what comes back since it made it; a shipment declared in error is no arrival"
    )
    func custodyInTimeBackAndRetracted() throws {
        let fixture = try ChainFixture()
        let miner = try fixture.key("pilbara-mining")
        let refiner = try fixture.key("sichuan-lithium")
        func submit(_ lines: [String], as actor: String, _ key: Ed25519PrivateKey) throws {
            try fixture.chain.importSubmission(Array(lines.joined(separator: "\n").utf8), actor: actor, key: key)
        }
        // Made on 01-05, all shipped on 01-08; half comes back on 01-20.
        try submit(
            [Events.extract("K"), Events.ship("K", 100, from: Events.miner, to: Events.refiner)],
            as: "pilbara-mining",
            miner
        )
        try submit(
            [Events.ship("K", 50, from: Events.refiner, to: Events.miner, time: "2026-01-20T00:00:00+08:00")],
            as: "sichuan-lithium",
            refiner
        )
        let back = try #require(try fixture.chain.lot("K"))
        #expect(back.holdings.first { $0.actor == "pilbara-mining" }.map { $0.since == nil } == true)
        // So the maker may date a use of it before the return: it held it since it made it.
        try submit(
            [Events.ship("K", 10, from: Events.miner, to: Events.refiner, time: "2026-01-06T00:00:00+08:00")],
            as: "pilbara-mining",
            miner
        )

        // A shipment declared in error is no arrival: the receiver holds the lot from the one that stands.
        let wrong = try edited(Events.ship("L", 40, from: Events.miner, to: Events.refiner)) {
            $0["eventID"] = "urn:uuid:6b1c1f3e-0000-4000-8000-000000000001"
        }
        try submit([Events.extract("L"), wrong], as: "pilbara-mining", miner)
        try submit(
            [
                try Events.declaredInError(wrong),
                Events.ship("L", 40, from: Events.miner, to: Events.refiner, time: "2026-02-01T00:00:00+08:00"),
            ],
            as: "pilbara-mining",
            miner
        )
        let shipped = try #require(try fixture.chain.lot("L"))
        #expect(shipped.holdings.first { $0.actor == "sichuan-lithium" }?.since == "2026-01-31T16:00:00.000Z")
        // A use both beyond the holding and before the arrival is named for both, in one round.
        let early = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("L", 50)],
                    outputs: [Events.quantity("LH", 5)],
                    time: "2026-01-20T00:00:00+08:00"
                )
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            early,
            [
                (0, "/inputQuantityList/0/quantity", "sichuan-lithium holds only 40000 kg of lot L"),
                (
                    0, "/inputQuantityList/0/quantity",
                    "before it reached sichuan-lithium (shipped to it at 2026-01-31T16:00:00.000Z"
                ),
            ]
        )

        // Receiving by anyone before the lot was made is named as such.
        let receivedEarly = try fixture.rejection(
            [
                Events.receive("K", 10, time: "2026-01-01T00:00:00+08:00")
            ],
            as: "pilbara-mining"
        )
        expectProblems(
            receivedEarly,
            [(0, "/quantityList/0/quantity", "lot K is received at 2025-12-31T16:00:00.000Z, before it was made")]
        )
        // A receipt of more than is held, before the arrival, is named for both.
        let receivedTwice = try fixture.rejection(
            [
                Events.receive("L", 50, time: "2026-01-10T00:00:00+08:00")
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            receivedTwice,
            [
                (0, "/quantityList/0/quantity", "sichuan-lithium holds less than 50000 kg of lot L"),
                (0, "/quantityList/0/quantity", "lot L is received at 2026-01-09T16:00:00.000Z, before it was shipped"),
            ]
        )
        #expect(try fixture.chain.auditIndexes().isValid)

        // A member written as a full IRI is named by its JSON pointer, with its slashes escaped.
        let iri = try fixture.rejection(
            [
                Events.json([
                    "type": "ObjectEvent", "eventTime": "2026-02-01T00:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                    "action": "ADD", "bizStep": "commissioning", "bizLocation": ["id": .string(Events.mine)],
                    "epcList": [], "https://celltrace.dev/ns/epcis/1/cellLot": "urn:test:typo",
                    "ct:serialRanges": [["prefix": "urn:test:cell:", "first": "1", "last": "10"]],
                    "ct:cellMass": ["quantity": 0.07, "uom": "KGM"],
                    "ct:nominalEnergy": ["quantity": 0.25, "uom": "KWH"],
                ])
            ],
            as: "pilbara-mining"
        )
        expectProblem(
            iri,
            index: 0,
            field: "/https:~1~1celltrace.dev~1ns~1epcis~11~1cellLot",
            containing: "unknown lot urn:test:typo"
        )
        // So are a misspelt member and a yield that is no ratio, written as full IRIs.
        let iris = try fixture.rejection(
            [
                try edited(
                    Events.transform(
                        at: Events.mine,
                        inputs: [Events.quantity("K", 1)],
                        outputs: [Events.quantity("K2", 1)],
                        time: "2026-02-01T00:00:00+08:00"
                    )
                ) {
                    $0["https://celltrace.dev/ns/epcis/1/transprot"] = []
                    $0["https://celltrace.dev/ns/epcis/1/yield"] = "120%"
                }
            ],
            as: "pilbara-mining"
        )
        expectProblem(
            iris,
            index: 0,
            field: "/https:~1~1celltrace.dev~1ns~1epcis~11~1transprot",
            containing: "did you mean"
        )
        expectProblem(
            iris,
            index: 0,
            field: "/https:~1~1celltrace.dev~1ns~1epcis~11~1yield",
            containing: "(got \"120%\")"
        )
        // Such a member's confidential fields are sealed where the event spells them.
        let leg = try edited(Events.ship("K", 5, from: Events.miner, to: Events.refiner, time: "2026-02-01T00:00:00Z"))
        {
            $0["https://celltrace.dev/ns/epcis/1/transport"] = [
                ["mode": "sea", "distance": 6200, "distanceUom": "KMT", "mass": 5, "massUom": "TNE"]
            ]
        }
        #expect(try fixture.accept([leg], as: "pilbara-mining").written == 1)
    }

    @Test("custody in time: events recorded before the arrival checks still replay and rebuild")
    func custodyInTimeReplays() throws {
        let forger = SubmissionReplayTests.Forger(fixture: try refinerHoldingOre())
        // R2 made on 01-30 by the refiner and shipped to the miner on 02-01.
        try forger.fixture.chain.importSubmission(
            Array(
                [
                    Events.transform(inputs: [Events.quantity("ORE", 10)], outputs: [Events.quantity("R2", 5)]),
                    Events.ship("R2", 5, from: Events.refiner, to: Events.miner, time: "2026-02-01T00:00:00+08:00"),
                ].joined(separator: "\n").utf8
            ),
            actor: "sichuan-lithium",
            key: try forger.fixture.key("sichuan-lithium")
        )
        // The miner receives it before it was made and ships some back before it arrived.
        let received = Events.receive("R2", 5, time: "2026-01-20T00:00:00+08:00")
        let shipped = Events.ship("R2", 1, from: Events.miner, to: Events.refiner, time: "2026-01-31T00:00:00+08:00")
        let refused = try forger.fixture.rejection([received, shipped], as: "pilbara-mining")
        expectProblems(
            refused,
            [
                (0, "/quantityList/0/quantity", "before it was made"),
                (1, "/quantityList/0/quantity", "before it reached pilbara-mining"),
            ]
        )
        // Recorded below the rules, as by a CellTrace before these checks, they replay.
        let events = try [received, shipped].map { try JSONValue(parsing: $0) }
        try forger.append(
            [(SupplyChainLedger.EntryType.submission, try forger.submission(listing: events.map(forger.hash)))]
                + events.map { (SupplyChainLedger.EntryType.event, $0) }
        )
        #expect(try forger.chain.rebuildIndexes().isRebuilt)
        let audit = try forger.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(try forger.chain.lot("R2")?.holdings.first { $0.actor == "pilbara-mining" }?.kg == ExactDecimal(4000))
    }

    @Test("a TransactionEvent needs its business transactions and the objects they concern, as GS1's schema requires")
    func transactionEventShape() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE")], as: "pilbara-mining")
        let order: JSONValue = [["type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9300001000008:PO-7"]]
        func transaction(_ members: JSONObject) -> String {
            var event: JSONObject = [
                "type": "TransactionEvent", "eventTime": "2026-01-14T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "action": "ADD",
            ]
            event.merge(members) { $1 }
            return Events.json(event)
        }
        let lines = [
            transaction(["quantityList": [Events.quantity("ORE", 1)]]),
            transaction(["bizTransactionList": []]),
            transaction(["bizTransactionList": order, "quantityList": []]),
        ]
        let error = try fixture.rejection(lines, as: "pilbara-mining")
        let example = #"such as [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141000005:PO-1"}]"#
        let objects =
            "a TransactionEvent needs an epcList or a quantityList of one or more elements, the objects its business "
            + "transactions concern (only a DELETE, which ends the association of every object, may leave both out)"
        #expect(
            error.problems.map { [$0.index.map(String.init) ?? "-", $0.field, $0.message] } == [
                [
                    "0", "/bizTransactionList",
                    "a TransactionEvent needs a bizTransactionList of one or more business transactions, \(example)",
                ],
                [
                    "1", "/bizTransactionList",
                    "lists no business transaction: a TransactionEvent needs one or more, \(example)",
                ],
                ["1", "/epcList", objects],
                ["2", "/epcList", objects],
            ],
            "\(error)"
        )
        #expect(error.problems.allSatisfy { $0.identifier?.hasPrefix("ni:///sha-256;") == true })
        // The schema's forms: a quantity, an empty epcList, and a DELETE of every object.
        // (A day later: the hash ID leaves out an empty list, so the third refused event and the
        // empty epcList would be one event.)
        let later: JSONObject = ["eventTime": "2026-01-15T08:00:00+08:00", "bizTransactionList": order]
        let accepted = try fixture.accept(
            [
                transaction(later.merging(["quantityList": [Events.quantity("ORE", 1)]]) { $1 }),
                transaction(later.merging(["epcList": []]) { $1 }),
                transaction(later.merging(["action": "DELETE"]) { $1 }),
            ],
            as: "pilbara-mining"
        )
        #expect(accepted.written == 3)
        // Recorded below the rules, as by a CellTrace before this check, they replay.
        let forger = SubmissionReplayTests.Forger(fixture: fixture)
        let events = try lines.map { try JSONValue(parsing: $0) }
        try forger.append(
            [(SupplyChainLedger.EntryType.submission, try forger.submission(listing: events.map(forger.hash)))]
                + events.map { (SupplyChainLedger.EntryType.event, $0) }
        )
        #expect(try forger.chain.rebuildIndexes().isRebuilt)
        let audit = try forger.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("an energy-attribute certificate counts once in the whole ledger")
    func certificateClaims() throws {
        let fixture = try refinerHoldingOre()
        let supply: JSONValue = [
            ["quantity": 100, "uom": "MWH", "supply": "certificate", "certificates": ["urn:go:CN-1"]]
        ]
        try fixture.chain.importSubmission(
            Array(
                Events.transform(
                    inputs: [Events.quantity("ORE", 10)],
                    outputs: [Events.quantity("H1", 5)],
                    extra: ["ct:electricity": supply]
                ).utf8
            ),
            actor: "sichuan-lithium",
            key: try fixture.key("sichuan-lithium")
        )
        let error = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 10)],
                    outputs: [Events.quantity("H2", 5)],
                    extra: ["ct:electricity": supply]
                )
            ],
            as: "sichuan-lithium"
        )
        expectProblem(
            error,
            index: 0,
            field: "/ct:electricity/0/certificates/0",
            containing: "already claimed by event"
        )
        // The same certificate in another case: registries read ids without regard to case.
        func claiming(_ output: String, _ ids: [String]) -> String {
            let supply: JSONValue = [
                [
                    "quantity": 100, "uom": "MWH", "supply": "certificate",
                    "certificates": .array(ids.map(JSONValue.string)),
                ]
            ]
            return Events.transform(
                inputs: [Events.quantity("ORE", 1)],
                outputs: [Events.quantity(output, 0.5)],
                extra: ["ct:electricity": supply]
            )
        }
        let size = try fixture.chain.ledger.size
        let folded = try fixture.rejection(
            [claiming("H3", ["urn:go:cn-1"]), claiming("H4", ["urn:go:GO-7", "urn:go:go-7"])],
            as: "sichuan-lithium"
        )
        expectProblems(
            folded,
            [
                (
                    0, "/ct:electricity/0/certificates/0",
                    "certificate urn:go:cn-1 is certificate urn:go:CN-1 in another case, already claimed by event"
                ),
                (
                    1, "/ct:electricity/0/certificates/1",
                    "certificate urn:go:go-7 is urn:go:GO-7, claimed in this event, in another case"
                ),
            ]
        )
        #expect(try fixture.chain.ledger.size == size, "nothing of the submission is written")
        // Across submissions, and across events of one.
        try fixture.chain.importSubmission(
            Array(claiming("H5", ["urn:go:HU-9"]).utf8),
            actor: "sichuan-lithium",
            key: try fixture.key("sichuan-lithium")
        )
        let later = try fixture.rejection(
            [claiming("H6", ["urn:go:x-1"]), claiming("H7", ["urn:go:X-1"]), claiming("H8", ["urn:go:hu-9"])],
            as: "sichuan-lithium"
        )
        expectProblems(
            later,
            [
                (
                    1, "/ct:electricity/0/certificates/0",
                    "certificate urn:go:X-1 is certificate urn:go:x-1 in another case"
                ),
                (
                    2, "/ct:electricity/0/certificates/0",
                    "certificate urn:go:hu-9 is certificate urn:go:HU-9 in another"
                ),
            ]
        )
        // Ids that differ otherwise are other certificates, and the index audit rebuilds the rows.
        try fixture.chain.importSubmission(
            Array(claiming("H9", ["urn:go:HU-10"]).utf8),
            actor: "sichuan-lithium",
            key: try fixture.key("sichuan-lithium")
        )
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test("signatures: only the actor's current key signs; rotated and revoked keys are refused")
    func keys() throws {
        let fixture = try ChainFixture()
        let stranger = Ed25519PrivateKey()
        let wrongKey = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(Array(Events.extract("A").utf8), actor: "pilbara-mining", key: stranger)
        }
        #expect(wrongKey.code == .invalidSignature)

        let next = Ed25519PrivateKey()
        try fixture.chain.rotateKey(actor: "pilbara-mining", to: next.publicKey)
        let oldKey = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(
                Array(Events.extract("A").utf8),
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining")
            )
        }
        #expect(oldKey.code == .invalidSignature)
        #expect(
            try fixture.chain.importSubmission(Array(Events.extract("A").utf8), actor: "pilbara-mining", key: next)
                .written == 1
        )

        let current = try #require(try fixture.chain.actor("pilbara-mining")?.currentKey)
        try fixture.chain.revokeKey(actor: "pilbara-mining", keyID: current.id, reason: "compromised")
        let revoked = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(Array(Events.extract("B").utf8), actor: "pilbara-mining", key: next)
        }
        #expect(revoked.code == .invalidSignature)
        // The history of keys stays verifiable: the audit checks the earlier submissions with the keys of their time.
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(audit.submissionsVerified == 1)
    }

    @Test("every problem of a submission is reported, not just the first")
    func allProblems() throws {
        let fixture = try ChainFixture()
        let lines = (0..<5).map { Events.extract("L\($0)", $0 == 2 ? -1 : 10) } + [Events.extract("L0")]
        let error = try fixture.rejection(lines, as: "pilbara-mining")
        #expect(error.problems.map(\.index) == [2, 5])
        #expect(error.problems[1].message.contains("L0 is made by event 0 of this submission already"))
    }

    @Test("an EPCIS document with one event that is not valid JSON is refused whole, naming the byte offset")
    func documentWithInvalidEvent() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        var events = (0..<600).map { Events.extract("LOT-\($0)", 1) }
        events[450] = String(events[450].dropLast()) + #","ct:dataQuality":"primary","ct:dataQuality":"secondary"}"#
        let text =
            #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","#
            + #""schemaVersion":"2.0","creationDate":"2026-03-01T00:00:00Z","epcisBody":{"eventList":["#
            + events.joined(separator: ",") + "]}}"
        let bytes = Array(text.utf8)
        let parseError = try #require(throws: LedgerError.self) { try JSONValue(parsing: bytes) }
        let error = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(bytes, actor: "pilbara-mining", key: try fixture.key("pilbara-mining"))
        }
        #expect(error.code == .invalidDocument)
        #expect(error.message.contains(parseError.message))
        #expect(error.message.contains("duplicate object key"))
        #expect(try fixture.chain.ledger.size == size, "nothing was written")
        #expect(throws: SupplyChainError.self) { try EPCISDocumentCheck.check(bytes) }
    }

    @Test("a pretty-printed document that does not parse is named by the line and column where it breaks")
    func prettyPrintedDocumentNamesLineAndColumn() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        func pretty(_ event: String) throws -> String {
            try JSONValue(parsing: event).prettyString
        }
        // A missing comma on the event's fourth line, in a document of its own lines.
        let event = try pretty(Events.extract("LOT-1"))
        var lines = event.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let broken = try #require(lines.firstIndex { $0.contains("\"action\"") })
        lines[broken] = String(lines[broken].dropLast())
        let error = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(
                Array(lines.joined(separator: "\n").utf8),
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining")
            )
        }
        #expect(error.code == .invalidDocument)
        let column = try #require(lines[broken + 1].firstIndex { $0 != " " }).utf16Offset(in: lines[broken + 1]) + 1
        #expect(error.message.hasPrefix("line \(broken + 2), column \(column) is not valid JSON"), "\(error.message)")
        #expect(error.message.contains("expected ',' or '}' in object"), "\(error.message)")

        // Two pretty-printed events one after the other: the second is named, with what to send.
        let two = try pretty(Events.extract("LOT-1")) + "\n" + pretty(Events.extract("LOT-2"))
        let second =
            two.split(separator: "\n", omittingEmptySubsequences: false).count
            - event.split(separator: "\n", omittingEmptySubsequences: false).count + 1
        let concatenated = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(
                Array(two.utf8),
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining")
            )
        }
        #expect(concatenated.message.hasPrefix("line \(second), column 1 is not valid JSON"), "\(concatenated.message)")
        #expect(concatenated.message.contains("one event per line (JSON Lines)"))
        #expect(try fixture.chain.ledger.size == size, "nothing was written")
        // An object that follows a member without a comma, inside the first event, is no second event.
        let missingComma = """
            {
              "type": "ObjectEvent",
              "ilmd": {} {"x": 1}
            }
            """
        let inside = try fixture.rejection([missingComma], as: "pilbara-mining")
        #expect(inside.message.hasPrefix("line 3, column 14 is not valid JSON"), "\(inside.message)")
        #expect(!inside.message.contains("one event per line"), "\(inside.message)")
        // JSON Lines with a broken first line and another broken line: each is named by its line.
        let good = Events.extract("JL-1")
        let jsonLines = try fixture.rejection(
            [String(good.dropLast(20)), good, good + "}", good],
            as: "pilbara-mining"
        )
        #expect(jsonLines.message.hasPrefix("2 lines are not valid JSON"), "\(jsonLines.message)")
        #expect(
            jsonLines.message.contains("\n  line 1: ") && jsonLines.message.contains("\n  line 3: "),
            "\(jsonLines.message)"
        )
    }

    @Test("a submission of 10,000 events with one bad event writes nothing")
    func largeSubmissionAllOrNothing() throws {
        let fixture = try ChainFixture()
        var lines = (0..<10_000).map { Events.extract("LOT-\($0)", 1) }
        lines[7_777] = Events.extract("LOT-bad", 0)
        let error = try fixture.rejection(lines, as: "pilbara-mining")
        #expect(error.problems.count == 1)
        #expect(error.problems[0].index == 7_777)
        #expect(error.message == "nothing was imported: 1 problem in 1 of 10000 events")
        #expect(try fixture.chain.lot("LOT-0") == nil)
        lines[7_777] = Events.extract("LOT-7777", 1)
        let report = try fixture.chain.importSubmission(
            Array(lines.joined(separator: "\n").utf8),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        #expect(report.written == 10_000)
        let again = try fixture.chain.importSubmission(
            Array(lines.joined(separator: "\n").utf8),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        #expect(again.written == 0 && again.alreadyPresent == 10_000)
    }

    @Test("a list longer than 65,535 elements is refused at its field: the rows that keep it count in 16 bits")
    func listLengths() throws {
        let fixture = try refinerHoldingOre()
        let leg: JSONValue = ["mode": "road", "distance": 1, "distanceUom": "KMT", "mass": 1, "massUom": "TNE"]
        let shipment = try edited(
            Events.ship("ORE", 1, from: Events.refiner, to: Events.miner, time: "2026-01-09T10:00:00+08:00")
        ) {
            $0["ct:transport"] = .array(Array(repeating: leg, count: 65_536))
        }
        let long = try fixture.rejection([shipment], as: "sichuan-lithium")
        expectProblems(long, [(0, "/ct:transport", "lists 65536 elements; an event lists at most 65,535")])
        #expect(long.problems.count == 1)
        let lines = try edited(Events.receive("ORE", 0.001, time: "2026-01-09T10:00:00+08:00")) {
            $0["quantityList"] = .array(Array(repeating: Events.quantity("ORE", 0.001), count: 65_536))
        }
        let receipt = try fixture.rejection([lines], as: "sichuan-lithium")
        expectProblems(receipt, [(0, "/quantityList", "lists 65536 elements; an event lists at most 65,535")])
        // One element fewer is an event like any other.
        let shorter = try edited(shipment) { $0["ct:transport"] = .array(Array(repeating: leg, count: 65_535)) }
        #expect(try fixture.accept([shorter], as: "sichuan-lithium").written == 1)
    }
}
