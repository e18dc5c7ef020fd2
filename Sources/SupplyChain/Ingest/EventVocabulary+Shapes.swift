import LedgerCore

extension EventVocabulary {
    /// Checks the shape of the EPCIS fields that no rule reads but the event carries on: a
    /// `persistentDisposition`, `bizTransactionList`, quantity elements, `certificationInfo`,
    /// `sensorElementList`, the members of `sourceList` and `destinationList` elements and of an
    /// `errorDeclaration`, as GS1's EPCIS 2.0 JSON schema (`Fixtures/epcis/schema/`) defines them.
    ///
    /// Malformed, they would be stored, hashed and exported as the supplier sent them: a
    /// `persistentDisposition` whose `set` is a string would skip the check of its term, a
    /// `bizTransaction` without its URI would name no document, a misspelt member of a quantity
    /// or sensor report would be dropped by every reader that follows the schema, and a misspelt
    /// `correctiveEventIDs` would leave the declaration without its corrective events. Members
    /// named with a prefix or as a URI are extensions, as the schema allows where it allows them.
    static func checkShapes(_ event: EPCISEvent, sink: ProblemSink) {
        guard case .object(let members) = event.json else { return }
        let names = event.memberNames
        for (list, name) in quantityLists where names.contains(name) {
            guard let elements = members[list]?.arrayValue else { continue }
            for (index, element) in elements.enumerated() {
                guard case .object(let fields) = element,
                    fields.containsKey(where: { $0 != "epcClass" && $0 != "quantity" && $0 != "uom" })
                else { continue }
                for (key, _) in fields where key != "epcClass" && key != "quantity" && key != "uom" {
                    sink.add(
                        field: "/\(list)/\(index)/\(FieldReader.escaped(key))",
                        "a quantity element has epcClass, quantity and uom only"
                            + suggestion(key, ["epcClass", "quantity", "uom"])
                    )
                }
            }
        }
        if names.contains(.persistentDisposition), let value = members["persistentDisposition"] {
            checkPersistentDisposition(value, sink: sink)
        }
        if names.contains(.bizTransactionList), let value = members["bizTransactionList"] {
            checkBizTransactions(value, sink: sink)
        }
        if names.contains(.certificationInfo), let value = members["certificationInfo"] {
            checkCertificationInfo(value, sink: sink)
        }
        if names.contains(.sensorElementList), let value = members["sensorElementList"] {
            checkSensorElements(value, sink: sink)
        }
        if names.contains(.sourceList), let value = members["sourceList"] {
            checkParties(value, list: "sourceList", party: "source", sink: sink)
        }
        if names.contains(.destinationList), let value = members["destinationList"] {
            checkParties(value, list: "destinationList", party: "destination", sink: sink)
        }
        if case .object(let declaration) = event.errorDeclaration {
            checkNames(
                declaration,
                at: "/errorDeclaration",
                allowed: declarationFields,
                what: "an errorDeclaration",
                sink: sink
            )
        }
    }

    /// The members of an `errorDeclaration` without a prefix, as the schema lists them; members
    /// named with a prefix or as a URI are extensions, which it allows.
    private static let declarationFields: Set<String> = ["declarationTime", "reason", "correctiveEventIDs"]

    /// A `sourceList` or `destinationList` element has its `type` and its party only: GS1's schema
    /// closes these objects (`additionalProperties: false`), extensions included, as it closes a
    /// `bizTransactionList` element and a quantity element.
    ///
    /// An element or a list of another shape is named as the event is read.
    private static func checkParties(_ value: JSONValue, list: String, party: String, sink: ProblemSink) {
        guard case .array(let elements) = value else { return }
        for (index, element) in elements.enumerated() {
            guard case .object(let members) = element,
                members.containsKey(where: { $0 != "type" && $0 != party })
            else { continue }
            for (key, _) in members where key != "type" && key != party {
                sink.add(
                    field: "/\(list)/\(index)/" + FieldReader.escaped(key),
                    "a \(list) element has type and \(party) only\(suggestion(key, ["type", party]))"
                )
            }
        }
    }

    /// The members of an event that hold quantity elements, with their names as the reading finds them.
    private static let quantityLists: [(String, EventHashID.Name)] = [
        ("quantityList", .quantityList), ("childQuantityList", .childQuantityList),
        ("inputQuantityList", .inputQuantityList), ("outputQuantityList", .outputQuantityList),
    ]

    /// `{"set": [dispositions], "unset": [dispositions]}`: one of the two at least, each a list of
    /// one or more, and nothing else.
    private static func checkPersistentDisposition(_ value: JSONValue, sink: ProblemSink) {
        guard case .object(let members) = value else {
            sink.add(field: "/persistentDisposition", "an object with set and/or unset, each a list of dispositions")
            return
        }
        if members["set"] == nil && members["unset"] == nil {
            sink.add(field: "/persistentDisposition", "needs set or unset, a list of dispositions")
        }
        for (key, list) in members {
            let pointer = "/persistentDisposition/" + FieldReader.escaped(key)
            guard key == "set" || key == "unset" else {
                sink.add(
                    field: pointer,
                    "a persistentDisposition has set and unset only\(suggestion(key, ["set", "unset"]))"
                )
                continue
            }
            guard case .array(let elements) = list, !elements.isEmpty, elements.allSatisfy({ $0.stringValue != nil })
            else {
                sink.add(field: pointer, "a list of one or more dispositions, such as [\"completeness_verified\"]")
                continue
            }
        }
    }

    /// A list of `{"type": term or URI, "bizTransaction": URI}`, the second required.
    private static func checkBizTransactions(_ value: JSONValue, sink: ProblemSink) {
        guard case .array(let elements) = value else {
            sink.add(field: "/bizTransactionList", "a list of {\"type\", \"bizTransaction\"} objects")
            return
        }
        for (index, element) in elements.enumerated() {
            let pointer = "/bizTransactionList/\(index)"
            guard case .object(let members) = element else {
                sink.add(field: pointer, "an object with bizTransaction (a URI) and an optional type")
                continue
            }
            if let id = members["bizTransaction"] {
                if !isURI(id) {
                    sink.add(
                        field: pointer + "/bizTransaction",
                        "a URI naming the business document, such as urn:epcglobal:cbv:bt:…"
                    )
                }
            } else {
                sink.add(field: pointer + "/bizTransaction", "is required: the URI of the business document")
            }
            if let type = members["type"] {
                if let text = type.stringValue {
                    // A term bare or under a CBV prefix, or a URI of one's own vocabulary.
                    let bare = EPCISEvent.bareCBV(text, prefixes: bizTransactionPrefixes)
                    let terms = EventHashID.businessTransactionTypes.iris.keys
                    if !bare.utf8.contains(0x3a), EventHashID.businessTransactionTypes.iris[bare] == nil {
                        sink.add(
                            field: pointer + "/type",
                            "\(quoted(text)) is not a CBV 2.0 business transaction type (\(terms.sorted().joined(separator: ", ")), "
                                + "or a URI of your own)\(suggestion(bare, terms))"
                        )
                    }
                } else {
                    sink.add(field: pointer + "/type", "a CBV business transaction type, such as po or inv")
                }
            }
            for (key, _) in members where key != "type" && key != "bizTransaction" {
                sink.add(
                    field: pointer + "/" + FieldReader.escaped(key),
                    "a bizTransactionList element has type and bizTransaction only\(suggestion(key, ["type", "bizTransaction"]))"
                )
            }
        }
    }

    /// The prefixes of business transaction types, built once.
    private static let bizTransactionPrefixes = EPCISEvent.cbvPrefixes("BTT")

    /// A certificate or audit report's URI, or a list of them.
    private static func checkCertificationInfo(_ value: JSONValue, sink: ProblemSink) {
        let elements: [(String, JSONValue)]
        if case .array(let list) = value {
            elements = list.enumerated().map { ("/certificationInfo/\($0.offset)", $0.element) }
        } else {
            elements = [("/certificationInfo", value)]
        }
        // Values that are not strings at all the reading refuses already.
        for (pointer, element) in elements where element.stringValue != nil && !isURI(element) {
            sink.add(
                field: pointer,
                "a certificate or audit report is named by a URI (https://… or urn:…), which the lot's record keeps"
            )
        }
    }

    /// The fields of a sensor element's metadata and reports, as the schema lists them.
    private static let sensorMetadataFields: Set<String> = [
        "time", "deviceID", "deviceMetadata", "rawData", "startTime", "endTime", "dataProcessingMethod", "bizRules",
    ]
    private static let sensorReportFields: Set<String> = [
        "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules", "time",
        "microorganism", "chemicalSubstance", "coordinateReferenceSystem", "value", "component", "stringValue",
        "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
        "percValue", "uom",
    ]

    /// A list of `{"sensorMetadata": {…}, "sensorReport": [{"type": …, …}]}`, each member of the
    /// schema's or an extension's.
    private static func checkSensorElements(_ value: JSONValue, sink: ProblemSink) {
        guard case .array(let elements) = value else {
            sink.add(field: "/sensorElementList", "a list of sensor elements, each with a sensorReport list")
            return
        }
        for (index, element) in elements.enumerated() {
            let pointer = "/sensorElementList/\(index)"
            guard case .object(let members) = element else {
                sink.add(field: pointer, "an object with sensorReport (a list) and optional sensorMetadata")
                continue
            }
            checkNames(
                members,
                at: pointer,
                allowed: ["sensorMetadata", "sensorReport"],
                what: "a sensor element",
                sink: sink
            )
            if let metadata = members["sensorMetadata"] {
                if case .object(let fields) = metadata {
                    checkNames(
                        fields,
                        at: pointer + "/sensorMetadata",
                        allowed: sensorMetadataFields,
                        what: "sensorMetadata",
                        sink: sink
                    )
                } else {
                    sink.add(field: pointer + "/sensorMetadata", "an object")
                }
            }
            guard case .array(let reports) = members["sensorReport"] ?? .null, !reports.isEmpty else {
                sink.add(
                    field: pointer + "/sensorReport",
                    "is required: a list of one or more reports, each with a type"
                )
                continue
            }
            for (position, report) in reports.enumerated() {
                let reportPointer = "\(pointer)/sensorReport/\(position)"
                guard case .object(let fields) = report else {
                    sink.add(field: reportPointer, "an object with a type, such as gs1:Temperature")
                    continue
                }
                if let type = fields["type"] {
                    checkTerm(
                        type,
                        of: EventHashID.measurementTypes,
                        at: reportPointer + "/type",
                        what: "measurement type",
                        sink: sink
                    )
                } else {
                    sink.add(field: reportPointer + "/type", "is required: what was measured, such as gs1:Temperature")
                }
                if let exception = fields["exception"] {
                    checkTerm(
                        exception,
                        of: EventHashID.sensorExceptions,
                        at: reportPointer + "/exception",
                        what: "sensor alarm",
                        sink: sink
                    )
                }
                checkNames(fields, at: reportPointer, allowed: sensorReportFields, what: "a sensor report", sink: sink)
            }
        }
    }

    /// Refuses a GS1 Web Vocabulary term that is not one.
    ///
    /// It may be bare (`Temprature`) or under the vocabulary's prefix (`gs1:Temprature`,
    /// `https://gs1.org/voc/Temprature`). A URI of one's own vocabulary passes.
    private static func checkTerm(
        _ value: JSONValue,
        of vocabulary: EventHashID.Vocabulary,
        at pointer: String,
        what: String,
        sink: ProblemSink
    ) {
        guard let text = value.stringValue else {
            sink.add(field: pointer, "a GS1 \(what), such as gs1:\(vocabulary.iris.keys.sorted().first ?? "")")
            return
        }
        var term = text
        for prefix in ["gs1:", "https://gs1.org/voc/"] where text.hasPrefix(prefix) {
            term = String(text.dropFirst(prefix.count))
        }
        guard !term.utf8.contains(UInt8(ascii: ":")), vocabulary.iris[term] == nil else { return }
        sink.add(
            field: pointer,
            "\(quoted(text)) is not a GS1 \(what) (a term of the GS1 Web Vocabulary, such as gs1:\(vocabulary.iris.keys.sorted().last ?? ""), "
                + "or a URI of your own)\(suggestion(term, vocabulary.iris.keys) { "gs1:" + $0 })"
        )
    }

    /// Refuses each member without a prefix that `allowed` lacks; prefixed ones are extensions.
    ///
    /// - Parameters:
    ///   - members: The object's members.
    ///   - base: The pointer of the object.
    ///   - allowed: The names the schema gives the object's members.
    ///   - what: The object, as the message names it (`a sensor report`).
    ///   - noun: What the message calls a member: `field` within an event, `member` around its
    ///     events (a document's own).
    ///   - sink: Receives the problems.
    static func checkNames(
        _ members: JSONObject,
        at base: String,
        allowed: Set<String>,
        what: String,
        noun: String = "field",
        sink: ProblemSink
    ) {
        for (key, _) in members where !allowed.contains(key) && !key.utf8.contains(UInt8(ascii: ":")) {
            sink.add(
                field: base + "/" + FieldReader.escaped(key),
                "\(quoted(key)) is not a \(noun) of \(what) in EPCIS 2.0 (a \(noun) of your own needs a prefix your "
                    + "@context declares)\(suggestion(key, allowed))"
            )
        }
    }

    /// Whether a value is a string in a URI's form (``IdentifierText/isURI(_:)``).
    static func isURI(_ value: JSONValue) -> Bool {
        value.stringValue.map(IdentifierText.isURI) ?? false
    }
}
