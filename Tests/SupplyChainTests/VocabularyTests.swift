import LedgerCore
import SupplyChain
import Testing

/// A transformation at the refinery that uses 1 t of `ORE` to make `output`, with members changed.
private func refining(_ output: String, _ change: (inout JSONObject) -> Void = { _ in }) throws -> String {
    try edited(Events.transform(inputs: [Events.quantity("ORE", 1)], outputs: [Events.quantity(output, 0.9)]), change)
}

@Suite("Vocabulary: CBV terms and CellTrace members that no rule would read are refused, or warned of")
struct VocabularyTests {
    @Test("a misspelt CBV term or ct: member is refused, naming the field and the nearest right spelling")
    func misspeltTermsAndMembers() throws {
        let fixture = try refinerHoldingOre()
        let lines = [
            try refining("A") { $0["bizStep"] = "comissioning" },
            try refining("B") { $0["bizStep"] = "urn:epcglobal:cbv:bizstep:shiping" },
            try refining("C") { $0["disposition"] = "in_progres" },
            try refining("D") { $0["ct:electricty"] = [["quantity": 10, "uom": "KWH", "supply": "grid"]] },
            try refining("E") { $0["ilmd"] = ["ct:material": "lithium-hydroxide", "ct:grde": "battery"] },
            try refining("F") { $0["ct:material"] = "lithium-hydroxide" },
            try refining("G") { $0["ilmd"] = ["ct:material": "lithium-hydroxide", "ct:dataQuality": "primary"] },
            try refining("H") { $0["sourceList"] = [["type": "owning_partty", "source": .string(Events.refiner)]] },
            try refining("I") { $0["ct:cellLot"] = "urn:celltrace:lot:cells-1" },
            try refining("J") { $0["persistentDisposition"] = ["set": ["completeness_verified", "sellabel"]] },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        #expect(error.code == .invalidRecords)
        expectProblems(
            error,
            [
                (0, "/bizStep", #""comissioning" is not a CBV 2.0 business step"#),
                (1, "/bizStep", #""urn:epcglobal:cbv:bizstep:shiping" is not a CBV 2.0 business step"#),
                (2, "/disposition", #""in_progres" is not a CBV 2.0 disposition"#),
                (3, "/ct:electricty", "did you mean ct:electricity?"),
                (4, "/ilmd/ct:grde", "ct:grde is not a member of CellTrace's namespace"),
                (5, "/ct:material", "ct:material is lot master data: it goes in ilmd"),
                (6, "/ilmd/ct:dataQuality", "ct:dataQuality goes at the event's top level, not in ilmd"),
                (7, "/sourceList/0/type", #""owning_partty" is not a CBV 2.0 source or destination type"#),
                (8, "/ct:cellLot", "commissions cells only on an ObjectEvent with action ADD"),
                (9, "/persistentDisposition/set/1", #""sellabel" is not a CBV 2.0 disposition"#),
            ]
        )
        expectProblem(error, index: 4, field: "/ilmd/ct:grde", containing: "did you mean ct:grade?")
        expectProblem(error, index: 7, field: "/sourceList/0/type", containing: "did you mean owning_party?")
        expectProblem(error, index: 0, field: "/bizStep", containing: "did you mean commissioning?")
        // A URI of one's own vocabulary, and CBV terms in any of their spellings, pass the same checks.
        let accepted = try fixture.accept(
            [
                try refining("K") {
                    $0["bizStep"] = "urn:example:bizstep:calcining"
                    $0["disposition"] = "https://ref.gs1.org/cbv/Disp-in_progress"
                },
                try refining("L") { $0["bizStep"] = "commissioning" },
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 2)
        #expect(accepted.warnings.isEmpty)
    }

    @Test(
        "a member without a prefix must be an EPCIS 2.0 field of the event's type: a misspelt one, or another type's, is refused"
    )
    func fieldsWithoutAPrefix() throws {
        let fixture = try refinerHoldingOre()
        let lines = [
            try refining("A") { $0["bizstep"] = "commissioning" },
            try refining("B") { $0["outputQuantitylist"] = [] },
            try refining("C") { $0["fooBar"] = 1 },
            try refining("D") { $0["epcList"] = [] },
            try refining("E") { $0["a/b"] = 1 },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblems(
            error,
            [
                (
                    0, "/bizstep",
                    #""bizstep" is not an EPCIS 2.0 field of a TransformationEvent (a field of your own needs a prefix your @context declares, such as example:bizstep); did you mean bizStep?"#
                ),
                (1, "/outputQuantitylist", "did you mean outputQuantityList?"),
                (
                    2, "/fooBar",
                    #""fooBar" is not an EPCIS 2.0 field of a TransformationEvent (a field of your own needs a prefix your @context declares, such as example:fooBar)"#
                ),
                (3, "/epcList", "epcList is a field of an ObjectEvent, not of a TransformationEvent"),
                (4, "/a~1b", #""a/b" is not an EPCIS 2.0 field"#),
            ]
        )
        // Checked without a ledger too: ilmd is a field of object and transformation events only.
        let aggregation = Events.json([
            "type": "AggregationEvent", "eventTime": "2026-01-05T06:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "ADD", "parentID": "urn:epc:id:giai:4012345.PACK-9",
            "childEPCs": ["urn:epc:id:giai:4012345.MOD-9"],
            "ilmd": ["ct:material": "battery-pack"],
        ])
        let checked = try EPCISDocumentCheck.check(Array(aggregation.utf8))
        #expect(checked.problems.map(\.field) == ["/ilmd"])
        #expect(checked.problems.first?.message == "ilmd is a field of an ObjectEvent, not of an AggregationEvent")
        // Fields of one's own with a prefix, or named by a URI, and a comment pass.
        let accepted = try fixture.accept(
            [
                try refining("F") {
                    $0["@context"] = ["example": "https://example.org/ns/"]
                    $0["example:shift"] = "night"
                    $0["https://example.org/ns/operator"] = "line 2"
                    $0["comment"] = "first run on the new kiln"
                }
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 1)
    }

    @Test("a lot quantity of more than 10^12 kg is refused as a slip; 10^12 kg itself is recorded")
    func implausibleMass() throws {
        let fixture = try ChainFixture()
        let error = try fixture.rejection(
            [
                Events.extract("BIG", 1e10),
                try edited(Events.extract("HUGE")) {
                    $0["quantityList"] = [["epcClass": "HUGE", "quantity": 1e308, "uom": "KTN"]]
                },
            ],
            as: "pilbara-mining"
        )
        expectProblems(
            error,
            [
                (0, "/quantityList/0/quantity", "weighs more than 10^12 kg (a billion tonnes) for one lot"),
                (1, "/quantityList/0/quantity", "weighs more than 10^12 kg (a billion tonnes) for one lot"),
            ]
        )
        #expect(try fixture.accept([Events.extract("LARGE", 1e9)], as: "pilbara-mining").written == 1)
        #expect(try fixture.chain.lot("LARGE")?.lot.producedKg.description == "1000000000000")

        // Such a mass used or made is named once, where it is given: not weighed again against
        // the holding or the inputs, which would print its 300 digits.
        let held = try refinerHoldingOre()
        let weighed = try held.rejection(
            [
                Events.transform(inputs: [Events.quantity("ORE", 1e300)], outputs: [Events.quantity("H1", 1)]),
                Events.transform(inputs: [Events.quantity("ORE", 1)], outputs: [Events.quantity("H2", 1e300)]),
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            weighed,
            [
                (0, "/inputQuantityList/0/quantity", "weighs more than 10^12 kg (a billion tonnes) for one lot"),
                (1, "/outputQuantityList/0/quantity", "weighs more than 10^12 kg (a billion tonnes) for one lot"),
            ]
        )
    }

    @Test("a lot quantity under a microgram or given finer than 10^-15 kg is refused; balances stay exact down to both")
    func finestMass() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 5e-7, "GRM")],
                    outputs: [Events.quantity("H1", 4e-7, "GRM")]
                ),
                Events.transform(
                    inputs: [Events.quantity("ORE", 1.0625, "ONZ")],
                    outputs: [Events.quantity("H2", 0.01, "KGM")]
                ),
            ],
            as: "sichuan-lithium"
        )
        // Named once, where given: neither weighed against the holding nor the outputs against it.
        expectProblems(
            error,
            [
                (0, "/inputQuantityList/0/quantity", "weighs less than a microgram (10^-9 kg)"),
                (0, "/outputQuantityList/0/quantity", "weighs less than a microgram (10^-9 kg)"),
                (
                    1, "/inputQuantityList/0/quantity",
                    "is 0.0301213683203125 kg, given finer than the 10^-15 kg to which the ledger keeps masses exact"
                ),
            ]
        )
        // A microgram, an ounce and a half (0.0425242846875 kg) and most of the lot: the lot's
        // consumption is their exact sum, which a quantity of 10^-25 kg beside 10^5 kg would overflow.
        let accepted = try fixture.accept(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 0.000001, "GRM")],
                    outputs: [Events.quantity("H3", 0.000001, "GRM")]
                ),
                Events.transform(
                    inputs: [Events.quantity("ORE", 1.5, "ONZ")],
                    outputs: [Events.quantity("H4", 0.04, "KGM")]
                ),
                Events.transform(inputs: [Events.quantity("ORE", 99.9)], outputs: [Events.quantity("H5", 90)]),
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 3)
        #expect(try fixture.chain.lot("ORE")?.lot.consumedKg.description == "99900.0425242856875")
        // Pounds to seven decimals and ounces to three reach 10^-15 kg and no finer: both pass.
        let converted = try fixture.accept(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 1.1234567, "LBR")],
                    outputs: [Events.quantity("H6", 0.5, "KGM")]
                ),
                Events.transform(
                    inputs: [Events.quantity("ORE", 1.125, "ONZ")],
                    outputs: [Events.quantity("H7", 0.03, "KGM")]
                ),
            ],
            as: "sichuan-lithium"
        )
        #expect(converted.written == 2)
        // 0.509591387145379 kg and 0.031893213515625 kg added exactly.
        #expect(try fixture.chain.lot("ORE")?.lot.consumedKg.description == "99900.584008886348504")
    }

    @Test("an eventTime without seconds or with a decimal comma is refused; RFC 3339 forms pass")
    func timeForm() throws {
        let fixture = try ChainFixture()
        let error = try fixture.rejection(
            [
                Events.extract("A1", time: "2026-01-05T06:00+08:00"),
                Events.extract("A2", time: "2026-01-05T06:00:00,5+08:00"),
                // Before 2000, though read to the millisecond it rounds up to 2000-01-01T00:00:00.000Z.
                Events.extract("A6", time: "1999-12-31T23:59:59.9999Z"),
            ],
            as: "pilbara-mining"
        )
        let why = "is no RFC 3339 date-time, the form EPCIS 2.0 gives it (YYYY-MM-DDThh:mm:ss[.fff] and Z or ±hh:mm)"
        expectProblems(
            error,
            [
                (0, "/eventTime", "2026-01-05T06:00+08:00 \(why)"),
                (1, "/eventTime", "2026-01-05T06:00:00,5+08:00 \(why)"),
                (2, "/eventTime", "1999-12-31T23:59:59.9999Z is before 2000"),
            ]
        )
        let accepted = try fixture.accept(
            [
                Events.extract("A3", time: "2026-01-05T06:00:00.123456+08:00"),
                Events.extract("A4", time: "2026-01-04T22:00:00Z"),
                Events.extract("A5", time: "2026-01-05t06:00:00.5-03:00"),
                // 2000 itself, read to the millisecond as it.
                Events.extract("A7", time: "2000-01-01T00:00:00.0004Z"),
            ],
            as: "pilbara-mining"
        )
        #expect(accepted.written == 4)
    }

    @Test("a quantity with more significant digits than a double holds is refused, not rounded, in either form")
    func quantityDigits() throws {
        let fixture = try refinerHoldingOre()
        let line = Events.transform(
            inputs: [Events.quantity("ORE", 12, "KGM")],
            outputs: [Events.quantity("H1", 11, "KGM")]
        )
        let long = line.replacing(#""quantity":12,"#, with: #""quantity":12.0000000000000001,"#)
        #expect(long != line)
        let document =
            #"{"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-03-01T00:00:00Z","epcisBody":{"eventList":["#
            + long + "]}}"
        for input in [long, document] {
            let error = try fixture.rejection([input], as: "sichuan-lithium")
            #expect(
                error.description.contains(
                    "number 12.0000000000000001 has more significant digits than an IEEE-754 double holds, so it would be stored as 12"
                ),
                "\(error)"
            )
        }
        #expect(try fixture.accept([line], as: "sichuan-lithium").written == 1)
    }

    @Test("a lineage edge's kilograms and the yield check stay exact where a product needs more than 36 digits")
    func productsBeyondThirtySixDigits() throws {
        // 3,527,396.123 oz and 3,174,656.457 oz are 99,999.997960023844375 kg and
        // 89,999.996641652068125 kg: 21 digits each, whose product has 40.
        let fixture = try refinerHoldingOre()
        // Outputs of 89.99 t against 99.99 t in × a yield of 0.5 (given to 25 digits) are refused.
        let error = try fixture.rejection(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 3_527_396.123, "ONZ")],
                    outputs: [Events.quantity("H1", 3_174_656.457, "ONZ")],
                    extra: ["ct:yield": "0.5000000000000000000000001"]
                )
            ],
            as: "sichuan-lithium"
        )
        expectProblem(
            error,
            index: 0,
            field: "/outputQuantityList",
            containing:
                "outputs of 89999.996641652068125 kg exceed inputs of 99999.997960023844375 kg × the declared ct:yield"
        )
        let accepted = try fixture.accept(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 3_527_396.123, "ONZ")],
                    outputs: [
                        Events.quantity("H1", 3_174_656.457, "ONZ"), Events.quantity("H2", 0.000000001000001, "KGM"),
                    ]
                )
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 1)
        // The input's kilograms split between the outputs by mass, half-even to a microgram.
        let first = try #require(try fixture.chain.lot("H1")?.madeFrom.first)
        #expect(first.kg.description == "99999.997960023")
        let second = try #require(try fixture.chain.lot("H2")?.madeFrom.first)
        #expect(second.kg.description == "0.000000001")
    }

    @Test("an id in upper case where URIs have none, or a compact IRI the context expands, is refused, naming the id")
    func identifierCase() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [
                // A lot, a site and a party, each in an upper-case spelling of its URI.
                Events.extract("URN:celltrace:lot:ORE"),
                try edited(Events.extract("A1")) { $0["bizLocation"] = ["id": "urn:EPC:id:sgln:9300001.00001.0"] },
                Events.extract("HTTPS://ID.gs1.org/01/09300001000117/10/Q1"),
                Events.ship("ORE", 1, from: "URN:epc:id:pgln:6900002.00000", to: Events.miner),
                // ORE again, as a compact IRI the event's hash ID expands.
                try edited(Events.extract("lot:ORE")) { $0["@context"] = ["lot": "urn:celltrace:lot:"] },
            ],
            as: "sichuan-lithium"
        )
        let why = "a URI's scheme, a URN's namespace and a web address's host are read without regard to case"
        expectProblem(
            error,
            index: 0,
            field: "/quantityList/0/epcClass",
            containing: "write urn:celltrace:lot:ORE: \(why)"
        )
        expectProblem(error, index: 1, field: "/bizLocation/id", containing: "write urn:epc:id:sgln:9300001.00001.0: ")
        expectProblem(
            error,
            index: 2,
            field: "/quantityList/0/epcClass",
            containing: "write https://id.gs1.org/01/09300001000117/10/Q1: "
        )
        expectProblem(
            error,
            index: 3,
            field: "/sourceList/0/source",
            containing: "write urn:epc:id:pgln:6900002.00000: "
        )
        expectProblem(
            error,
            index: 4,
            field: "/quantityList/0/epcClass",
            containing: "write urn:celltrace:lot:ORE: the @context makes lot:ORE a compact IRI for it"
        )
        // Case beyond those parts is the id's own: a lot number, an EPC's references, a link's path.
        let accepted = try fixture.accept(
            [Events.extract("urn:celltrace:lot:Ore-B"), Events.extract("https://id.gs1.org/01/09300001000117/10/q1")],
            as: "pilbara-mining"
        )
        #expect(accepted.written == 2)
    }

    @Test(
        "a member spelt as its full IRI is the compact member: one hash ID; two spellings of one ct: member are refused"
    )
    func memberSpellings() throws {
        let fixture = try refinerHoldingOre()
        let shipment = try edited(Events.ship("ORE", 1, from: Events.refiner, to: Events.miner)) {
            $0["@context"] = ["ex": "https://example.com/ns/"]
            $0["ex:note"] = "truck 1"
        }
        let first = try fixture.accept([shipment], as: "sichuan-lithium")
        #expect(first.written == 1)
        // The same shipment sent again with the member written as the IRI `ex:note` expands to.
        let spelledOut = try edited(shipment) {
            $0["ex:note"] = nil
            $0["https://example.com/ns/note"] = "truck 1"
        }
        let again = try fixture.accept([spelledOut], as: "sichuan-lithium")
        #expect(again.written == 0 && again.alreadyPresent == 1, "\(again)")
        #expect(again.eventIDs == first.eventIDs)
        // ct:material beside the same member under another prefix, and beside its full IRI.
        let error = try fixture.rejection(
            [
                try edited(Events.extract("A1")) {
                    $0["@context"] = ["cell": "https://celltrace.dev/ns/epcis/1/"]
                    $0["ilmd"] = ["ct:material": "spodumene-concentrate", "cell:material": "ore"]
                    $0["ct:dataQuality"] = "primary"
                    $0["https://celltrace.dev/ns/epcis/1/dataQuality"] = "secondary"
                }
            ],
            as: "pilbara-mining"
        )
        expectProblems(
            error,
            [
                (0, "/ilmd/ct:material", "ct:material and cell:material both name CellTrace's material"),
                (
                    0, "/https:~1~1celltrace.dev~1ns~1epcis~11~1dataQuality",
                    "https://celltrace.dev/ns/epcis/1/dataQuality and ct:dataQuality both name CellTrace's dataQuality"
                ),
            ]
        )
    }

    @Test("activity data no real process gives is refused as a slip of unit; real figures are recorded")
    func implausibleActivityData() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [
                try refining("A") { $0["ct:electricity"] = [["quantity": 2e12, "uom": "KWH", "supply": "grid"]] },
                try refining("B") {
                    $0["ct:electricity"] = [["quantity": 1000, "uom": "KWH", "supply": "ppa", "kgCO2ePerKWh": "581"]]
                },
                try refining("C") {
                    $0["ct:transport"] = [
                        ["mode": "sea", "distance": 6_200_000, "distanceUom": "KMT", "mass": 1, "massUom": "TNE"]
                    ]
                },
                try refining("D") { $0["ct:fuels"] = [["fuel": "coal", "quantity": 2e9, "uom": "TNE"]] },
                try refining("E") { $0["ct:directEmissions"] = ["kgCO2e": "2e12"] },
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            error,
            [
                (0, "/ct:electricity/0/quantity", "is more than 10^12 kWh for one event"),
                (1, "/ct:electricity/0/kgCO2ePerKWh", "is more than 3 kg CO2e per kWh"),
                (2, "/ct:transport/0/distance", "is more than 100000 km for one leg"),
                (3, "/ct:fuels/0/quantity", "is more than 10^12 kg for one event"),
                (4, "/ct:directEmissions/kgCO2e", "is more than 10^12 kg CO2e (a gigatonne)"),
            ]
        )
        let real = try refining("F") {
            $0["ct:electricity"] = [["quantity": 3_000_000, "uom": "KWH", "supply": "ppa", "kgCO2ePerKWh": "0.581"]]
            $0["ct:transport"] = [["mode": "sea", "distance": 6200, "distanceUom": "KMT", "mass": 1, "massUom": "TNE"]]
            $0["ct:fuels"] = [["fuel": "coal", "quantity": 20, "uom": "TNE"]]
        }
        #expect(try fixture.accept([real], as: "sichuan-lithium").written == 1)
    }

    @Test("a field a ct: member's object does not have is refused: a misspelt optional one would be dropped")
    func unknownFieldsOfMembers() throws {
        let fixture = try refinerHoldingOre()
        let error = try fixture.rejection(
            [
                try refining("A") {
                    $0["ct:electricity"] = [
                        ["quantity": 1000, "uom": "KWH", "supply": "ppa", "kgCO2ePerKwh": "0.02"]
                    ]
                },
                try refining("B") { $0["ct:directEmissions"] = ["kgCO2e": 5, "source": "flue-gas meter"] },
                try refining("C") { $0["ct:directEmissions"] = ["kgCO2e": 5, "scope/1": true] },
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            error,
            [
                (0, "/ct:electricity/0/kgCO2ePerKwh", "did you mean kgCO2ePerKWh?"),
                (1, "/ct:directEmissions/source", "is not a field of ct:directEmissions (kgCO2e)"),
                // A JSON pointer escapes the slash in a field's name.
                (2, "/ct:directEmissions/scope~11", "is not a field of ct:directEmissions (kgCO2e)"),
            ]
        )
    }

    @Test("cells named without ct:serialRanges are refused: the event would commission none")
    func commissioningWithoutRanges() throws {
        let fixture = try ChainFixture()
        let line = try edited(Events.extract("CELLS-1")) {
            $0["ct:cellLot"] = "CELLS-1"
            $0["ct:cellMass"] = ["quantity": 0.9, "uom": "KGM"]
            $0["epcList"] = ["urn:epc:id:sgtin:4012345.011111.5000"]
        }
        let error = try fixture.rejection([line], as: "pilbara-mining")
        expectProblems(error, [(0, "/ct:serialRanges", "is required with ct:cellLot, ct:cellMass")])
    }

    @Test("an eventTime written at another offset than its eventTimeZoneOffset is imported with a warning")
    func offsetsThatDisagree() throws {
        let fixture = try ChainFixture()
        let report = try fixture.accept(
            [
                Events.extract("ORE", time: "2026-01-05T00:00:00+02:00"),
                // UTC with the local offset beside it is how EPCIS examples write it; zero is zero.
                Events.extract("ORE-Z", time: "2026-01-05T02:00:00Z"),
                try edited(Events.extract("ORE-0", time: "2026-01-05T02:00:00-00:00")) {
                    $0["eventTimeZoneOffset"] = "+00:00"
                },
                Events.extract("ORE-8"),
                // A time at +00:00 is in UTC too, beside any offset.
                Events.extract("ORE-U", time: "2026-01-04T22:00:00+00:00"),
            ],
            as: "pilbara-mining"
        )
        #expect(report.written == 5)
        #expect(report.warnings.map(\.index) == [0])
        #expect(report.warnings.first?.field == "/eventTimeZoneOffset")
        #expect(
            report.warnings.first?.message
                == "is +08:00, but eventTime is written at +02:00: eventTimeZoneOffset is the local offset where "
                + "the event happened; write eventTime in UTC (Z) or at that offset"
        )
    }

    @Test("an owning_party destination without bizStep shipping is imported with a warning that it moves nothing")
    func destinationThatMovesNothing() throws {
        let fixture = try ChainFixture()
        let shipping = Events.ship("ORE", 40, from: Events.miner, to: Events.refiner)
        let report = try fixture.accept(
            [
                Events.extract("ORE"),
                try edited(shipping) { $0["bizStep"] = nil },
                try edited(shipping) {
                    $0["bizStep"] = "departing"
                    $0["eventTime"] = "2026-01-09T10:00:00+08:00"
                },
            ],
            as: "pilbara-mining"
        )
        #expect(report.written == 3)
        #expect(report.warnings.map(\.index) == [1, 2])
        #expect(report.warnings.map(\.field) == ["/destinationList/0", "/bizStep"])
        #expect(report.warnings.allSatisfy { $0.message.contains("custody moves only with bizStep shipping") })
        #expect(report.warnings.allSatisfy { $0.identifier?.hasPrefix("ni:///sha-256;") == true })
        // Nothing moved: the miner holds all of the lot.
        let lot = try #require(try fixture.chain.lot("ORE"))
        #expect(lot.holdings.map(\.actor) == ["pilbara-mining"])
        // A real shipment gives no warning.
        #expect(try fixture.accept([shipping], as: "pilbara-mining").warnings.isEmpty)
        // Nor does an ADD that names the buyer as its destination, with bizStep shipping: the lot
        // stays with its maker, and the event says so.
        let addShipped = try fixture.accept(
            [
                try edited(Events.extract("ORE-S")) {
                    $0["bizStep"] = "shipping"
                    $0["destinationList"] = [["type": "owning_party", "destination": .string(Events.refiner)]]
                }
            ],
            as: "pilbara-mining"
        )
        #expect(addShipped.warnings.map(\.field) == ["/destinationList/0"])
        #expect(
            addShipped.warnings.first?.message.contains(
                "an ADD makes its lots with the submitter, who holds them after it: the owning_party destination moves nothing"
            ) == true
        )
        #expect(try fixture.chain.lot("ORE-S")?.holdings.map(\.actor) == ["pilbara-mining"])
        // Nor does a DELETE reduce a balance: it is recorded with a warning, and the lot keeps its 60 t.
        let deleted = try fixture.accept(
            [
                try edited(Events.extract("ORE")) {
                    $0["action"] = "DELETE"
                    $0["bizStep"] = "destroying"
                    $0["ilmd"] = nil
                    $0["eventTime"] = "2026-01-10T06:00:00+08:00"
                }
            ],
            as: "pilbara-mining"
        )
        #expect(deleted.warnings.map(\.field) == ["/action"])
        #expect(deleted.warnings.first?.message.contains("DELETE leaves the lots' balances as they were") == true)
        #expect(
            try fixture.chain.lot("ORE")?.holdings.first { $0.actor == "pilbara-mining" }?.kg.description == "60000"
        )
        // An ADD with an empty quantityList creates nothing, and says so; one with quantities does not.
        let size = try fixture.chain.ledger.size
        let empty = try fixture.accept(
            [
                try edited(Events.extract("ORE-2")) {
                    $0["quantityList"] = []
                    $0["ilmd"] = nil
                }
            ],
            as: "pilbara-mining"
        )
        #expect(empty.warnings.map(\.field) == ["/action"])
        #expect(empty.warnings.first?.message.contains("ADD with no quantityList element creates no lot") == true)
        #expect(try fixture.chain.lot("ORE-2") == nil && fixture.chain.ledger.size > size)
        #expect(try fixture.accept([Events.extract("ORE-3")], as: "pilbara-mining").warnings.isEmpty)
    }

    @Test("an event recorded before these checks, with a member no rule reads, still replays")
    func recordedBeforeTheChecksReplays() throws {
        let forger = SubmissionReplayTests.Forger(fixture: try ChainFixture())
        let line = try edited(Events.extract("ORE-1")) {
            $0["ct:note"] = "sampled by the site lab"
            $0["bizStep"] = "comissioning"
            $0["fooBar"] = 1
        }
        let event = try JSONValue(parsing: line)
        try forger.append([
            (SupplyChainLedger.EntryType.submission, try forger.submission(listing: [forger.hash(event)])),
            (SupplyChainLedger.EntryType.event, event),
        ])
        #expect(try forger.chain.rebuildIndexes().isRebuilt)
        let audit = try forger.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(try forger.chain.lot("ORE-1")?.lot.producedKg.description == "100000")
    }
}
