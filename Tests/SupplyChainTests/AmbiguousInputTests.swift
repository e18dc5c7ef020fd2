import LedgerCore
import SupplyChain
import Testing

/// A transformation at the refinery that uses 1 t of `ORE` to make the `outputs`, with members changed.
private func refining(
    _ outputs: [String] = ["LIOH-1"],
    _ change: (inout JSONObject) -> Void = { _ in }
) throws
    -> String
{
    try edited(
        Events.transform(inputs: [Events.quantity("ORE", 1)], outputs: outputs.map { Events.quantity($0, 0.4) }),
        change
    )
}

@Suite("Ambiguous input: members of no namespace, master data given twice, lots described but not made")
struct AmbiguousInputTests {
    @Test("a member whose prefix no @context declares is refused, naming the declared prefix it resembles")
    func undeclaredPrefixes() throws {
        let fixture = try refinerHoldingOre()
        let electricity: JSONValue = [["quantity": 40, "uom": "KWH", "supply": "grid"]]
        let lines = [
            try refining(["A"]) { $0["CT:electricity"] = electricity },
            try refining(["B"]) { $0["cr:electricity"] = electricity },
            try refining(["C"]) { $0["foo:bar"] = 1 },
            try refining(["D"]) { $0["ilmd"] = ["ct:material": "lithium-hydroxide", "cbvmd:countryOfOrigin": "CN"] },
            try refining(["E"]) {
                $0["ilmd"] = ["ct:lots": [["epcClass": "E", "ct:material": "lithium-hydroxide", "acme:batch": "7"]]]
            },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblems(
            error,
            [
                (0, "/CT:electricity", "the prefix CT is declared by no @context of the document or the event"),
                (1, "/cr:electricity", "so cr:electricity has no namespace (declare the prefix"),
                (2, "/foo:bar", "the prefix foo is declared by no @context"),
                (3, "/ilmd/cbvmd:countryOfOrigin", "did you mean cbvmda:countryOfOrigin?"),
                (4, "/ilmd/ct:lots/0/acme:batch", "the prefix acme is declared by no @context"),
            ]
        )
        expectProblem(error, index: 0, field: "/CT:electricity", containing: "full IRI); did you mean ct:electricity?")
        expectProblem(error, index: 1, field: "/cr:electricity", containing: "full IRI); did you mean ct:electricity?")
        expectProblem(error, index: 2, field: "/foo:bar", containing: "a context given by URL is not fetched")
        // Declared in the event's own @context, or in the document's, or written as an IRI: recorded.
        let accepted = try fixture.accept(
            [
                try refining(["F"]) {
                    $0["@context"] = ["acme": "https://acme.example/ns/"]
                    $0["acme:batch"] = "7"
                    $0["urn:acme:shift"] = "night"
                    $0["https://acme.example/ns/line"] = 2
                }
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 1)
        let document =
            #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"acme":"https://acme.example/ns/"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-02-01T00:00:00Z","epcisBody":{"eventList":["#
            + (try refining(["G"]) { $0["acme:batch"] = "8" }) + "]}}"
        let report = try fixture.chain.importSubmission(
            Array(document.utf8),
            actor: "sichuan-lithium",
            key: try fixture.key("sichuan-lithium")
        )
        #expect(report.written == 1)
    }

    @Test(
        "a prefix no @context declares is refused inside readPoint, bizLocation, errorDeclaration and sensor elements"
    )
    func undeclaredPrefixesWithin() throws {
        let fixture = try refinerHoldingOre()
        let refinery: JSONValue = .string(Events.refinery)
        let lines = [
            try refining(["A"]) { $0["readPoint"] = ["id": refinery, "acme:line": "3"] },
            try refining(["B"]) { $0["bizLocation"] = ["id": refinery, "CT:hall": "2"] },
            try refining(["C"]) {
                $0["sensorElementList"] = [
                    [
                        "acme:probe": "p-1",
                        "sensorMetadata": ["time": "2026-01-30T10:00:00Z", "acme:operator": "k"],
                        "sensorReport": [["type": "gs1:Temperature", "value": 20, "uom": "CEL", "acme:note": "ok"]],
                    ]
                ]
            },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblems(
            error,
            [
                (0, "/readPoint/acme:line", "the prefix acme is declared by no @context of the document or the event"),
                (1, "/bizLocation/CT:hall", "declared by no @context of the document or the event, so CT:hall"),
                (2, "/sensorElementList/0/acme:probe", "the prefix acme is declared by no @context"),
                (2, "/sensorElementList/0/sensorMetadata/acme:operator", "the prefix acme is declared by no @context"),
                (2, "/sensorElementList/0/sensorReport/0/acme:note", "the prefix acme is declared by no @context"),
            ]
        )
        expectProblem(error, index: 1, field: "/bizLocation/CT:hall", containing: "did you mean ct:hall?")
        // An error declaration's extension is checked as the event's are.
        let declaration = try refining(["D"]) {
            $0["errorDeclaration"] = ["declarationTime": "2026-01-31T00:00:00Z", "acme:ticket": "T-7"]
        }
        expectProblem(
            try fixture.rejection([declaration], as: "sichuan-lithium"),
            index: 0,
            field: "/errorDeclaration/acme:ticket",
            containing: "the prefix acme is declared by no @context"
        )
        // Declared in the event's @context, the same members are recorded.
        let accepted = try fixture.accept(
            [
                try refining(["E"]) {
                    $0["@context"] = ["acme": "https://acme.example/ns/"]
                    $0["readPoint"] = ["id": refinery, "acme:line": "3"]
                    $0["bizLocation"] = ["id": refinery, "acme:hall": "2"]
                }
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 1)
    }

    @Test("master data given twice with different values is refused; the same value twice is recorded")
    func masterDataGivenTwice() throws {
        let fixture = try refinerHoldingOre()
        let lines = [
            try refining(["A"]) { $0["ilmd"] = ["ct:material": "mnso4", "material": "cobalt-sulfate"] },
            try refining(["B"]) { $0["ilmd"] = ["ct:material": "lithium-hydroxide", "ct:grade": "B", "grade": "A"] },
            try refining(["C"]) {
                $0["@context"] = ["ex": "https://example.org/ns/"]
                $0["ilmd"] = [
                    "ct:material": "lithium-hydroxide", "cbvmda:countryOfOrigin": "CN", "ex:countryOfOrigin": "AU",
                ]
            },
            try refining(["D"]) {
                $0["ilmd"] = [
                    "ct:lots": [
                        [
                            "epcClass": "D", "ct:material": "lithium-hydroxide", "material": "lithium-carbonate",
                        ]
                    ]
                ]
            },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblems(
            error,
            [
                (
                    0, "/ilmd/material",
                    "material and ct:material are both given, and differ (cobalt-sulfate and mnso4): give it once, as ct:material"
                ),
                (1, "/ilmd/grade", "grade and ct:grade are both given, and differ (A and B)"),
                (
                    2, "/ilmd/ex:countryOfOrigin",
                    "cbvmda:countryOfOrigin is CN and ex:countryOfOrigin is AU: a lot has one country of origin"
                ),
                (3, "/ilmd/ct:lots/0/material", "material and ct:material are both given, and differ"),
            ]
        )
        let accepted = try fixture.accept(
            [
                try refining(["E"]) {
                    $0["@context"] = ["ex": "https://example.org/ns/"]
                    $0["ilmd"] = [
                        "ct:material": "lithium-hydroxide", "material": "lithium-hydroxide",
                        "cbvmda:countryOfOrigin": "CN", "ex:countryOfOrigin": "CN",
                    ]
                }
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 1)
        let lot = try #require(try fixture.chain.lot("E")?.lot)
        #expect(lot.material == "lithium-hydroxide" && lot.countryOfOrigin == "CN")
    }

    @Test("a ct:lots element must describe a lot the event makes, once, by its epcClass")
    func lotElementsDescribeLotsMade() throws {
        let fixture = try refinerHoldingOre()
        let element = { (lot: JSONValue) -> JSONValue in ["epcClass": lot, "ct:material": "lithium-hydroxide"] }
        let lines = [
            try refining(["LOT-A1", "LOT-A2"]) {
                $0["ilmd"] = ["ct:material": "mnso4", "ct:lots": [element("LOT-A1"), element("LOT-A3")]]
            },
            try refining(["LOT-B"]) { $0["ilmd"] = ["ct:material": "mnso4", "ct:lots": [["ct:material": "mnso4"]]] },
            try refining(["LOT-C"]) {
                $0["ilmd"] = ["ct:material": "mnso4", "ct:lots": [element("LOT-C"), element("LOT-C")]]
            },
            try refining(["LOT-D"]) { $0["ilmd"] = ["ct:material": "mnso4", "ct:lots": element("LOT-D")] },
            // Each lot described in the GS1 form the event does not write it in.
            try refining([
                "urn:epc:class:lgtin:9300001.000011.Q1", "https://id.gs1.org/01/09300001000117/10/Q2",
            ]) {
                $0["ilmd"] = [
                    "ct:material": "mnso4",
                    "ct:lots": [
                        element("https://id.gs1.org/01/09300001000117/10/Q1"),
                        element("urn:epc:class:lgtin:9300001.000011.Q2"),
                    ],
                ]
            },
            // One lot's material given twice, under two prefixes bound to CellTrace's namespace.
            try refining(["LOT-F"]) {
                $0["@context"] = ["cell": "https://celltrace.dev/ns/epcis/1/"]
                $0["ilmd"] = [
                    "ct:material": "mnso4",
                    "ct:lots": [["epcClass": "LOT-F", "ct:material": "mnso4", "cell:material": "nickel-sulfate"]],
                ]
            },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblems(
            error,
            [
                (
                    0, "/ilmd/ct:lots/1/epcClass",
                    "LOT-A3 is no lot this event makes (it makes LOT-A1, LOT-A2); did you mean LOT-A1?"
                ),
                (1, "/ilmd/ct:lots/0/epcClass", "is required: the lot this element describes"),
                (2, "/ilmd/ct:lots/1/epcClass", "lot LOT-C is described already, by element 0"),
                (3, "/ilmd/ct:lots", "a list of objects, one for each lot the event makes"),
                (
                    4, "/ilmd/ct:lots/0/epcClass",
                    "https://id.gs1.org/01/09300001000117/10/Q1 is lot urn:epc:class:lgtin:9300001.000011.Q1, which "
                        + "this event makes, in another GS1 form: write it as the event does"
                ),
                (
                    4, "/ilmd/ct:lots/1/epcClass",
                    "urn:epc:class:lgtin:9300001.000011.Q2 is lot https://id.gs1.org/01/09300001000117/10/Q2, which "
                        + "this event makes, in another GS1 form: write it as the event does"
                ),
                (5, "/ilmd/ct:lots/0/ct:material", "ct:material and cell:material both name CellTrace's material"),
            ]
        )
    }

    @Test(
        "persistentDisposition, bizTransactionList, quantity elements, certificationInfo and sensor elements must have the schema's shape"
    )
    func fieldShapes() throws {
        let fixture = try refinerHoldingOre()
        let order = "urn:epcglobal:cbv:bt:0614141000005:PO-1"
        let lines = [
            try refining(["A"]) { $0["persistentDisposition"] = ["set": "completeness_verified"] },
            try refining(["B"]) { $0["persistentDisposition"] = ["sett": ["completeness_verified"]] },
            try refining(["C"]) {
                $0["bizTransactionList"] = [
                    ["type": "po"], ["type": "purchase_order", "bizTransaction": .string(order)],
                    ["bizTransaction": "PO-1", "note": "x"],
                ]
            },
            try refining(["D"]) {
                $0["outputQuantityList"] = [["epcClass": "D", "quantity": 0.4, "uom": "TNE", "quantityy": 1]]
            },
            try refining(["E"]) { $0["certificationInfo"] = ["https://cert.example/irma/75", "IRMA 75"] },
            try refining(["F"]) {
                $0["sensorElementList"] = [
                    [
                        "sensorMetadata": ["tme": "2026-01-30T18:00:00+08:00"],
                        "sensorReport": [["type": "gs1:Temperature", "valu": 1]],
                    ],
                    ["sensorReport": [["value": 1]]],
                    [
                        "sensorReport": [
                            ["type": "Temprature", "value": 1], ["type": "gs1:Temperature", "exception": "ALARM"],
                        ]
                    ],
                ]
            },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblems(
            error,
            [
                (0, "/persistentDisposition/set", "a list of one or more dispositions"),
                (1, "/persistentDisposition", "needs set or unset, a list of dispositions"),
                (1, "/persistentDisposition/sett", "a persistentDisposition has set and unset only; did you mean set?"),
                (2, "/bizTransactionList/0/bizTransaction", "is required: the URI of the business document"),
                (
                    2, "/bizTransactionList/1/type",
                    #""purchase_order" is not a CBV 2.0 business transaction type"#
                ),
                (2, "/bizTransactionList/2/bizTransaction", "a URI naming the business document"),
                (2, "/bizTransactionList/2/note", "a bizTransactionList element has type and bizTransaction only"),
                (3, "/outputQuantityList/0/quantityy", "epcClass, quantity and uom only; did you mean quantity?"),
                (4, "/certificationInfo/1", "a certificate or audit report is named by a URI"),
                (5, "/sensorElementList/0/sensorMetadata/tme", #""tme" is not a field of sensorMetadata in EPCIS 2.0"#),
                (5, "/sensorElementList/0/sensorReport/0/valu", "did you mean value?"),
                (5, "/sensorElementList/1/sensorReport/0/type", "is required: what was measured"),
                (5, "/sensorElementList/2/sensorReport/0/type", #""Temprature" is not a GS1 measurement type"#),
                (5, "/sensorElementList/2/sensorReport/1/exception", #""ALARM" is not a GS1 sensor alarm"#),
            ]
        )
        expectProblem(
            error,
            index: 5,
            field: "/sensorElementList/0/sensorMetadata/tme",
            containing: "did you mean time?"
        )
        expectProblem(
            error,
            index: 5,
            field: "/sensorElementList/2/sensorReport/0/type",
            containing: "did you mean gs1:Temperature?"
        )
        // The same fields as the schema has them, with terms in their CBV forms and URIs of one's own.
        let accepted = try fixture.accept(
            [
                try refining(["G"]) {
                    $0["@context"] = ["example": "https://example.org/ns/"]
                    $0["persistentDisposition"] = [
                        "set": ["completeness_verified"], "unset": ["completeness_inferred"],
                    ]
                    $0["bizTransactionList"] = [
                        ["type": "po", "bizTransaction": .string(order)],
                        ["type": "urn:epcglobal:cbv:btt:inv", "bizTransaction": "https://example.org/inv/7"],
                        ["type": "urn:example:btt:contract", "bizTransaction": "urn:example:contract:9"],
                    ]
                    $0["certificationInfo"] = "https://cert.example/irma/75"
                    $0["sensorElementList"] = [
                        [
                            "sensorMetadata": ["time": "2026-01-30T18:00:00+08:00"],
                            "sensorReport": [
                                ["type": "gs1:Temperature", "value": 812, "uom": "CEL", "example:probe": "K1"]
                            ],
                        ]
                    ]
                }
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 1)
    }

    @Test("a sourceList or destinationList element has its type and its party only, as GS1's schema closes it")
    func partyElementsClosed() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE")], as: "pilbara-mining")
        let shipment = Events.ship("ORE", 10, from: Events.miner, to: Events.refiner)
        let lines = [
            try edited(shipment) {
                $0["sourceList"] = [["type": "owning_party", "source": .string(Events.miner), "note": "x"]]
            },
            try edited(shipment) {
                $0["@context"] = ["ex": "https://example.org/ns/"]
                $0["destinationList"] = [
                    ["type": "owning_party", "destination": .string(Events.refiner), "ex:note": "y"]
                ]
            },
            try edited(shipment) {
                $0["destinationList"] = [["type": "owning_party", "destinaton": .string(Events.refiner)]]
            },
        ]
        let error = try fixture.rejection(lines, as: "pilbara-mining")
        #expect(
            error.problems.map { [$0.index.map(String.init) ?? "-", $0.field, $0.message] } == [
                ["0", "/sourceList/0/note", "a sourceList element has type and source only"],
                ["1", "/destinationList/0/ex:note", "a destinationList element has type and destination only"],
                ["2", "/destinationList/0/destination", "is required"],
                [
                    "2", "/destinationList/0/destinaton",
                    "a destinationList element has type and destination only; did you mean destination?",
                ],
            ],
            "\(error)"
        )
        #expect(try fixture.accept([shipment], as: "pilbara-mining").written == 1)
    }

    @Test("a prefix bound to a JSON-LD expanded term definition is named as such: only an IRI string declares one")
    func prefixBoundToTermDefinition() throws {
        let fixture = try refinerHoldingOre()
        let standard: JSONValue = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
        let definition: JSONValue = ["@id": .string(CellTraceNamespace.iri), "@prefix": true]
        let bound = try refining(["A"]) {
            $0["@context"] = [standard, ["c2": definition]]
            $0["ilmd"] = ["c2:material": "lithium-hydroxide"]
        }
        let lines = [
            bound,
            try refining(["B"]) {
                $0["@context"] = ["c3": ["@type": "@id"]]
                $0["c3:batch"] = "7"
            },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        func message(_ prefix: String, _ key: String, _ binding: String) -> String {
            "the @context binds the prefix \(prefix) to an expanded term definition (an object), which CellTrace does "
                + "not read: only a prefix bound to an IRI string is declared here, as the Event Hash ID's reference "
                + "implementation reads prefixes, so \(key) has no namespace (bind \(prefix) to \(binding), or write "
                + "the member's full IRI)"
        }
        expectProblems(
            error,
            [
                (
                    0, "/ilmd/c2:material",
                    message("c2", "c2:material", #"its IRI as a string, "c2": "https://celltrace.dev/ns/epcis/1/""#)
                ),
                (0, "/ilmd/ct:material", "each new lot needs a material: lower-case letters, digits and '-'"),
                (1, "/c3:batch", message("c3", "c3:batch", "an IRI string")),
            ]
        )
        // The definition declares nothing to the Event Hash ID either: the event hashes as without it.
        var plain = try #require(try JSONValue(parsing: bound).objectValue)
        plain["@context"] = nil
        #expect(
            try EventHashID.compute(for: JSONValue(parsing: bound))
                == EventHashID.compute(for: .object(plain))
        )
        #expect(error.problems.first { $0.index == 0 }?.identifier == (try EventHashID.compute(for: .object(plain))))
        // Bound to its IRI as a string, as the message says, the member is CellTrace's.
        let accepted = try fixture.accept(
            [
                try refining(["C"]) {
                    $0["@context"] = [standard, ["c2": definition], ["c2": .string(CellTraceNamespace.iri)]]
                    $0["ilmd"] = ["c2:material": "lithium-hydroxide"]
                }
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 1)
        #expect(try fixture.chain.lot("C")?.lot.material == "lithium-hydroxide")
    }

    @Test("an EPCIS document's own members must be the schema's: a misspelt header or a second event list is refused")
    func documentMembers() throws {
        let fixture = try refinerHoldingOre()
        let event = try refining(["DOC-1"])
        func document(_ head: String, body: String? = nil, type: String = "EPCISDocument") -> [UInt8] {
            let list = body ?? #"{"eventList":["# + event + "]}"
            return Array(
                (#"{"@context":"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld","type":""# + type
                    + #"","schemaVersion":"2.0","creationDate":"2026-02-01T00:00:00Z","# + head + #""epcisBody":"#
                    + list
                    + "}").utf8
            )
        }
        let key = try fixture.key("sichuan-lithium")
        func problems(_ bytes: [UInt8]) throws -> [String] {
            let error = try #require(throws: SupplyChainError.self) {
                try fixture.chain.importSubmission(bytes, actor: "sichuan-lithium", key: key, dryRun: true)
            }
            #expect(error.code == .invalidDocument)
            return error.problems.map { "\($0.field): \($0.message)" }
        }
        #expect(
            try problems(document(#""epcisHeadr":{},"#)) == [
                #"/epcisHeadr: "epcisHeadr" is not a member of an EPCIS document in EPCIS 2.0 (a member of your own "#
                    + "needs a prefix your @context declares); did you mean epcisHeader?"
            ]
        )
        #expect(try problems(document(#""epcisHeader":"foo","#)) == ["/epcisHeader: an object (with epcisMasterData)"])
        let twoLists = try problems(document("", body: #"{"eventList":[],"evntList":["# + event + "]}"))
        #expect(twoLists.count == 1 && twoLists[0].hasPrefix("/epcisBody/evntList: \"evntList\" is not a member"))
        let query = try problems(document("", type: "EPCISQueryDocument"))
        #expect(query.contains("/epcisBody/queryResults/resultsBody/eventList: is required: an array of events"))
        // The same event in a document whose members are all the schema's is recorded.
        let report = try fixture.chain.importSubmission(
            document(
                #""epcisHeader":{"epcisMasterData":{"vocabularyList":[]}},"sender":"urn:epc:id:pgln:6900002.00000","#
            ),
            actor: "sichuan-lithium",
            key: key
        )
        #expect(report.written == 1)
    }

    @Test(
        "a new lot's id may not hold an invisible formatting character or a combining mark: it would print like another"
    )
    func lookalikeLotIDs() throws {
        let fixture = try refinerHoldingOre()
        let lines = [
            try refining(["urn:celltrace:lot:t-cafe\u{0301}"]),
            try refining(["urn:celltrace:lot:t-\u{200B}x"]),
            try refining(["urn:celltrace:lot:t-\u{202E}x"]),
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblems(
            error,
            [
                (
                    0, "/outputQuantityList/0/epcClass",
                    "may not hold U+0301, a combining mark: write the character it combines with precomposed (Unicode NFC)"
                ),
                (1, "/outputQuantityList/0/epcClass", "may not hold U+200B, an invisible formatting character"),
                (2, "/outputQuantityList/0/epcClass", "may not hold U+202E, an invisible formatting character"),
            ]
        )
        // The same id with the letter precomposed is recorded, and found under its one spelling.
        let accepted = try fixture.accept([try refining(["urn:celltrace:lot:t-caf\u{E9}"])], as: "sichuan-lithium")
        #expect(accepted.written == 1)
        #expect(try fixture.chain.lot("urn:celltrace:lot:t-caf\u{E9}") != nil)
    }

    @Test("a prefix bound to almost CellTrace's namespace is named, with the IRI it has, beside what it leaves unread")
    func nearlyCellTracesNamespace() throws {
        let fixture = try refinerHoldingOre()
        let lines = [
            try refining(["N"]) { $0["@context"] = ["ct": "https://celltrace.dev/ns/epcis/1"] },
            try refining(["O"]) {
                $0["@context"] = ["cx": "http://celltrace.dev/ns/epcis/1/"]
                $0["cx:electricity"] = [["quantity": 40, "uom": "KWH", "supply": "grid"]]
            },
            // Two lots sharing master data without a material: each is named.
            try refining(["P1", "P2"]) { $0["ilmd"] = ["ct:grade": "battery"] },
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblems(
            error,
            [
                (
                    0, "/ilmd/ct:material",
                    "the prefix ct is bound to https://celltrace.dev/ns/epcis/1, not to CellTrace's namespace https://celltrace.dev/ns/epcis/1/"
                ),
                (0, "/ilmd/ct:material", "each new lot needs a material: lower-case letters, digits and '-'"),
                (2, "/ilmd/ct:material", "each new lot needs a material: lower-case letters, digits and '-' (lot P1)"),
                (2, "/ilmd/ct:material", "each new lot needs a material: lower-case letters, digits and '-' (lot P2)"),
                (
                    1, "/cx:electricity",
                    "the prefix cx is bound to http://celltrace.dev/ns/epcis/1/, not to CellTrace's"
                ),
            ]
        )
    }

    @Test("a @context that binds ct to null un-declares it: ct: members are in no namespace and refused")
    func prefixBoundToNull() throws {
        let fixture = try refinerHoldingOre()
        let lines = [
            try refining(["Q"]) {
                $0["@context"] = ["ct": nil]
                $0["ct:electricity"] = [["quantity": 40, "uom": "KWH", "supply": "grid"]]
            }
        ]
        let error = try fixture.rejection(lines, as: "sichuan-lithium")
        expectProblems(
            error,
            [
                (
                    0, "/ct:electricity",
                    "the prefix ct is declared by no @context of the document or the event, so ct:electricity has no namespace"
                ),
                (0, "/ilmd/ct:material", "the prefix ct is declared by no @context of the document or the event"),
                (0, "/ilmd/ct:material", "each new lot needs a material"),
            ]
        )
        // Bound again after the null, in the same context list, it is declared.
        let accepted = try fixture.accept(
            [
                try refining(["R"]) {
                    $0["@context"] = [["ct": nil], ["ct": .string(CellTraceNamespace.iri)]]
                }
            ],
            as: "sichuan-lithium"
        )
        #expect(accepted.written == 1)
    }

    @Test("an event dated more than a day after its import is refused; a clock a few hours ahead is not")
    func eventTimeAhead() throws {
        let fixture = try ChainFixture()
        let error = try fixture.rejection(
            [Events.extract("FUTURE", time: "2099-01-05T06:00:00+08:00")],
            as: "pilbara-mining"
        )
        expectProblems(error, [(0, "/eventTime", "2099-01-05T06:00:00+08:00 is ")])
        expectProblem(
            error,
            index: 0,
            field: "/eventTime",
            containing: "days after this import (20"
        )
        expectProblem(error, index: 0, field: "/eventTime", containing: "an event is recorded once it has happened")
        let soon = Timestamp(millisecondsSinceEpoch: Timestamp.now.millisecondsSinceEpoch + 3 * 3_600_000).rfc3339
        #expect(try fixture.accept([Events.extract("SOON", time: soon)], as: "pilbara-mining").written == 1)
    }
}
