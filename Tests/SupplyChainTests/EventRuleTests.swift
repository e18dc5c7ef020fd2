import LedgerCore
import SupplyChain
import Testing

/// A transformation at the refinery that uses 1 t of `ORE` to make `output`, with extension members.
private func refining(_ output: String, _ extensions: JSONObject = [:]) -> String {
    Events.transform(
        inputs: [Events.quantity("ORE", 1)],
        outputs: [Events.quantity(output, 0.9)],
        extra: extensions
    )
}

@Suite("Event rules: each check names the event and field, and nothing is written")
struct EventRuleTests {
    @Test("an event that makes something happens at a registered facility")
    func facility() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [
                try edited(refining("A")) { $0["bizLocation"] = nil },
                refining("B", ["bizLocation": ["id": "urn:epc:id:sgln:6900002.00009.0"]]),
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            error,
            [
                (0, "/bizLocation/id", "is required: the registered facility where this happened"),
                (
                    1, "/bizLocation/id",
                    "no facility urn:epc:id:sgln:6900002.00009.0 is registered; add it with `celltrace facility add`"
                ),
            ]
        )
    }

    @Test("a key starting with '$' is refused at the check, naming the event and field, in a dry run too")
    func reservedKeys() throws {
        let fixture = try refinerHoldingOre()
        let lines = [
            refining("A"),
            refining("B", ["@context": ["acme": "https://acme.example/ns/"], "acme:note": ["$x": 1]]),
            try edited(refining("C")) { $0["$top"] = "no" },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        #expect(error.code == .invalidRecords)
        expectProblem(error, index: 1, field: "/acme:note/$x", containing: "reserved for the ledger's commitments")
        expectProblem(error, index: 2, field: "/$top", containing: "reserved for the ledger's commitments")
        #expect(error.problems.count == 2, "\(error)")
        let dryRun = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmission(
                Array(lines.joined(separator: "\n").utf8),
                actor: "sichuan-lithium",
                key: try fixture.key("sichuan-lithium"),
                dryRun: true
            )
        }
        #expect(dryRun.problems == error.problems)
    }

    @Test("an identifier that keys an index (lot, unit) is at most 256 bytes, named at the check")
    func keyedIdentifiersAreBounded() throws {
        let fixture = try refinerHoldingOre()
        let long = "urn:test:" + String(repeating: "x", count: 300)
        let error = try fixture.rejection(
            [
                refining(long),
                Events.json([
                    "type": "AggregationEvent", "eventTime": "2026-01-03T08:00:00+08:00",
                    "eventTimeZoneOffset": "+08:00", "action": "ADD",
                    "bizLocation": ["id": "urn:epc:id:sgln:6900002.00001.0"], "parentID": .string(long),
                    "childEPCs": [.string(long)],
                ]),
            ],
            as: "sichuan-lithium"
        )
        expectProblem(error, index: 0, field: "/outputQuantityList/0/epcClass", containing: "at most 256 bytes")
        expectProblem(error, index: 1, field: "/parentID", containing: "at most 256 bytes", identified: false)
        expectProblem(error, index: 1, field: "/childEPCs/0", containing: "at most 256 bytes", identified: false)
    }

    @Test("quantities too large to add exactly are refused, not rounded")
    func sumsTooLarge() throws {
        let fixture = try refinerHoldingOre()
        // 10^39 t is 10^42 kg: with 1 kg more, the sum needs more digits than an exact decimal holds.
        let error = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 1e39), Events.quantity("ORE", 1, "KGM")],
                    outputs: [Events.quantity("H", 1)]
                ),
                Events.transform(
                    inputs: [Events.quantity("ORE", 1)],
                    outputs: [Events.quantity("I", 1e39), Events.quantity("J", 1, "KGM")],
                    extra: ["ct:yield": "10"]
                ),
            ],
            as: "sichuan-lithium"
        )
        expectProblem(
            error,
            index: 0,
            field: "/inputQuantityList/1/quantity",
            containing: "the quantities of lot ORE are too large to add exactly"
        )
        expectProblem(
            error,
            index: 1,
            field: "/outputQuantityList/1/quantity",
            containing: "the outputs are too large to add exactly"
        )
    }

    @Test("a lot is made once, and named once in the event that makes it")
    func lotsMadeOnce() throws {
        let fixture = try refinerHoldingOre()
        let mining = try fixture.rejection(
            [
                // Not the event that made ORE (that one would be recognised and skipped), another.
                Events.extract("ORE", 50),
                try edited(Events.extract("NEW")) {
                    $0["quantityList"] = [Events.quantity("NEW", 1), Events.quantity("NEW", 2)]
                },
            ],
            as: "pilbara-mining"
        )
        expectProblems(
            mining,
            [
                (0, "/quantityList/0/epcClass", "lot ORE already exists; a lot is made once (use a new lot id)"),
                (1, "/quantityList/1/quantity", "lot NEW appears twice in this event"),
            ]
        )
        // A lot made earlier in the same submission is named by that event's index, which the
        // sender can find: it is in no ledger yet.
        let twice = try fixture.rejection(
            [Events.extract("ORE-B", 50), Events.extract("ORE-C", 5), Events.extract("ORE-B", 20)],
            as: "pilbara-mining"
        )
        expectProblems(
            twice,
            [
                (
                    2, "/quantityList/0/epcClass",
                    "lot ORE-B is made by event 0 of this submission already; a lot is made once (use a new lot id)"
                )
            ]
        )
        let refining = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 2)],
                    outputs: [Events.quantity("H", 0.5), Events.quantity("H", 0.5)]
                )
            ],
            as: "sichuan-lithium"
        )
        expectProblem(
            refining,
            index: 0,
            field: "/outputQuantityList/1/quantity",
            containing: "lot H appears twice among the outputs"
        )
        #expect(refining.problems.count == 1, "\(refining)")
    }

    @Test("extension fields: electricity supplies and their certificates, fuels, direct emissions, transport, prices")
    func extensionFields() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [
                refining("A", ["ct:electricity": [5]]),
                refining("B", ["ct:electricity": [["quantity": 5, "uom": "KGM", "supply": "grid"]]]),
                refining(
                    "C",
                    ["ct:electricity": [["quantity": 5, "uom": "KWH", "supply": "direct-line", "kgCO2ePerKWh": -0.5]]]
                ),
                refining(
                    "D",
                    [
                        "ct:electricity": [
                            ["quantity": 5, "uom": "KWH", "supply": "ppa", "certificates": ["", "GO-1", "GO-1"]]
                        ]
                    ]
                ),
                refining("E", ["ct:fuels": [["fuel": "diesel", "quantity": 5, "uom": "MTR"]]]),
                refining("F", ["ct:directEmissions": ["kgCO2e": -1]]),
                refining(
                    "G",
                    [
                        "ct:transport": [
                            ["mode": "teleport", "distance": 0, "distanceUom": "KGM", "mass": 1, "massUom": "KMT"]
                        ]
                    ]
                ),
                refining("I", ["ct:coProductPrices": [["epcClass": "ORE", "pricePerKg": 0, "currency": "USD"]]]),
                refining("J", ["ct:electricity": [["quantity": 5, "uom": "KWH", "supply": "certificate"]]]),
                Events.transform(
                    inputs: [Events.quantity("ORE", 1)],
                    outputs: [Events.quantity("K", 0.5), Events.quantity("L", 0.4)],
                    extra: [
                        "ct:coProductPrices": [
                            ["epcClass": "K", "pricePerKg": 1, "currency": "USD"],
                            ["epcClass": "L", "pricePerKg": 7, "currency": "CNY"],
                        ]
                    ]
                ),
                refining(
                    "M",
                    [
                        "ct:transport": [
                            [
                                "mode": "sea", "distance": "12345678901234567890123", "distanceUom": "KMT",
                                "mass": "1234567890123456789.0123", "massUom": "TNE",
                            ]
                        ]
                    ]
                ),
                refining(
                    "N",
                    ["ct:electricity": [["quantity": 5, "uom": "KWH", "supply": "grid", "kgCO2ePerKWh": "0.01"]]]
                ),
                refining(
                    "O",
                    [
                        "ct:electricity": [
                            ["quantity": 5, "uom": "KWH", "supply": "grid", "certificates": ["urn:go:HU-2026-1"]]
                        ]
                    ]
                ),
                refining(
                    "P",
                    ["ct:electricity": [["quantity": 5, "uom": "KWH", "supply": "certificate", "kgCO2ePerKWh": 0]]]
                ),
                refining(
                    "Q",
                    [
                        "ct:electricity": [
                            [
                                "quantity": 5, "uom": "KWH", "supply": "certificate",
                                "certificates": ["URN:GO:HU-2026-1", "urn:go:HU-2026-1 ", "urn:go:HU-2026-1"],
                            ]
                        ]
                    ]
                ),
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            error,
            [
                (0, "/ct:electricity/0", "an electricity supply is an object {quantity, uom, supply}"),
                (1, "/ct:electricity/0/uom", "electricity is in "),
                (2, "/ct:electricity/0/kgCO2ePerKWh", "must not be negative"),
                (3, "/ct:electricity/0/certificates/0", "a certificate id is a non-empty string"),
                (3, "/ct:electricity/0/certificates/2", "certificate GO-1 is claimed twice in this event"),
                (4, "/ct:fuels/0/uom", "a fuel is an energy, mass or volume unit (3B, KGM, LTR, MTQ, …)"),
                (5, "/ct:directEmissions/kgCO2e", "must not be negative"),
                (6, "/ct:transport/0/mode", "must be one of "),
                (6, "/ct:transport/0/distance", "must be greater than zero"),
                (6, "/ct:transport/0/distanceUom", "must be one of "),
                (6, "/ct:transport/0/massUom", "must be one of "),
                (7, "/ct:coProductPrices/0/epcClass", "ORE is not an output of this event"),
                (7, "/ct:coProductPrices/0/pricePerKg", "must be greater than zero"),
                (8, "/ct:electricity/0/certificates", "a certificate supply names its certificates"),
                (
                    9, "/ct:coProductPrices/1/currency",
                    "the co-product prices of one event are in one currency (USD before)"
                ),
                (10, "/ct:transport/0/distance", "distance × mass is too large to compute exactly"),
                // Beyond any real leg too (what is recorded now: ``EventActivity/Bounds``).
                (10, "/ct:transport/0/distance", "is more than 100000 km for one leg"),
                (10, "/ct:transport/0/mass", "is more than 10^12 kg (a billion tonnes) for one leg"),
                // A grid supply's factors are the tables'; what it states beside them counts nowhere.
                (11, "/ct:electricity/0/kgCO2ePerKWh", "a grid supply takes its factors from the tables"),
                (
                    12, "/ct:electricity/0/certificates",
                    "certificates named here would be claimed without lowering any figure"
                ),
                // A stated factor does not stand in for the certificates: they are what is claimed once.
                (13, "/ct:electricity/0/certificates", "a certificate supply names its certificates"),
                // One certificate spelt two more ways would be three claims.
                (
                    14, "/ct:electricity/0/certificates/0",
                    "write urn:go:HU-2026-1: a URI's scheme, a URN's namespace and a web address's host"
                ),
                (
                    14, "/ct:electricity/0/certificates/1",
                    "a certificate id holds no space or control character; the ledger counts each certificate once"
                ),
            ]
        )
    }

    @Test("a shipment goes to exactly one other registered holder")
    func shipmentDestination() throws {
        let fixture = try refinerHoldingOre()
        let twoOwners = try edited(Events.ship("ORE", 1, from: Events.refiner, to: Events.miner)) {
            $0["destinationList"] = [
                ["type": "owning_party", "destination": .string(Events.miner)],
                ["type": "owning_party", "destination": .string(Events.refiner)],
            ]
        }
        let error = try fixture.rejection(
            [twoOwners, Events.ship("ORE", 1, from: Events.refiner, to: Events.refiner)],
            as: "sichuan-lithium"
        )
        expectProblems(
            error,
            [
                (
                    0, "/destinationList",
                    "a shipment names exactly one destination of type owning_party (the new holder)"
                ),
                (1, "/destinationList/0/destination", "a shipment goes to another actor"),
            ]
        )
    }

    @Test("only a lot's holder, its maker or an auditor certifies it")
    func certification() throws {
        let fixture = try refinerHoldingOre()
        let observe = Events.json([
            "type": "ObjectEvent", "eventTime": "2026-01-20T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE", "quantityList": [Events.quantity("ORE", 1)],
            "certificationInfo": "https://certifier.example/audit/2026-017",
        ])
        // The same event at a location nobody registered: both problems are named.
        let elsewhere = try edited(observe) { $0["bizLocation"] = ["id": "urn:epc:id:sgln:6900099.00001.0"] }
        let error = try fixture.rejection([observe, elsewhere], as: "cathode-co")
        for index in 0...1 {
            expectProblem(
                error,
                index: index,
                field: "/certificationInfo",
                containing: "cathode-co neither holds lot ORE nor is an auditor; it cannot certify it"
            )
        }
        expectProblem(error, index: 1, field: "/bizLocation/id", containing: "urn:epc:id:sgln:6900099.00001.0")
        #expect(error.problems.count == 3, "\(error)")
    }

    @Test("EPCIS shape: quantity elements, EPC lists, certificationInfo and eventID")
    func listShapes() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [
                try edited(Events.extract("A")) { $0["quantityList"] = [5] },
                try edited(Events.extract("B")) { $0["epcList"] = [""] },
                try edited(Events.extract("C")) { $0["certificationInfo"] = 5 },
                try edited(Events.extract("D")) {
                    $0["eventID"] = .string("urn:uuid:" + String(repeating: "0", count: 392))
                },
            ],
            as: "pilbara-mining"
        )
        expectProblem(
            error,
            index: 0,
            field: "/quantityList/0",
            containing: "a quantityElement is an object {epcClass, quantity, uom}"
        )
        expectProblem(error, index: 1, field: "/epcList/0", containing: "must be a non-empty URI string")
        expectProblem(error, index: 2, field: "/certificationInfo", containing: "must be a URI or an array of URIs")
        expectProblem(
            error,
            index: 3,
            field: "/eventID",
            containing: "must be a URI of at most 400 bytes",
            identified: false
        )
        #expect(error.problems.count == 4, "\(error)")
    }
}
