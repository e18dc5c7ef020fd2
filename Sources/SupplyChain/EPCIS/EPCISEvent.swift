import LedgerCore

/// CellTrace's EPCIS extension namespace: what EPCIS lacks for carbon accounting (Docs/DATA-MODEL.md).
public enum CellTraceNamespace {
    /// The usual prefix.
    public static let prefix = "ct"
    /// The namespace IRI.
    public static let iri = "https://celltrace.dev/ns/epcis/1/"
}

/// The five EPCIS 2.0 event types.
public enum EPCISEventType: String, Sendable, Hashable, CaseIterable {
    case objectEvent = "ObjectEvent"
    case aggregationEvent = "AggregationEvent"
    case transformationEvent = "TransformationEvent"
    case associationEvent = "AssociationEvent"
    case transactionEvent = "TransactionEvent"
}

/// One `quantityElement` of an event, converted to kilograms.
struct LotQuantity: Sendable, Hashable {
    /// The lot (`epcClass`).
    var lot: String
    /// The quantity in kilograms, exact.
    var kg: ExactDecimal
    /// The JSON pointer of the element, for errors and for sealing its quantity.
    var pointer: String
}

/// A party in a `sourceList` or `destinationList`.
struct PartyReference: Sendable, Hashable {
    var type: String
    var id: String
    var pointer: String
}

/// An EPCIS event as CellTrace reads it: the JSON with its shape checked, and the fields the
/// supply-chain rules use pulled out and normalised.
struct EPCISEvent: Sendable {
    var index: Int
    /// The event as stored: the submitted JSON with `eventID` set.
    var json: JSONValue
    var eventID: String
    var hashID: String
    var type: EPCISEventType
    var action: String?
    /// The bare CBV business step (`shipping`), or the URI for a custom step.
    var bizStep: String?
    var eventTime: Int64
    var eventTimeText: String
    var location: String?
    var quantities: [LotQuantity] = []
    var inputs: [LotQuantity] = []
    var outputs: [LotQuantity] = []
    var epcList: [String] = []
    var parentID: String?
    var childEPCs: [String] = []
    var sources: [PartyReference] = []
    var destinations: [PartyReference] = []
    var certificationInfo: [String] = []
    var errorDeclaration: JSONValue?
    /// The namespaces in force for the event, for reading extension fields.
    var namespaces: EPCISNamespaces
    /// The event's members in CellTrace's namespace, by local name, with the key as spelled.
    var extensions: [String: (key: String, value: JSONValue)] = [:]
    /// The members of its `ilmd` in CellTrace's namespace, read with the event.
    var ilmdExtensions: [String: (key: String, value: JSONValue)] = [:]

    /// An extension member of the event (`ct:electricity`), whatever prefix the document bound to
    /// CellTrace's namespace.
    func ext(_ localName: String) -> JSONValue? {
        extensions[localName]?.value
    }

    /// The members of `object` in CellTrace's namespace, by local name (read once per object).
    static func extensionMembers(
        of object: JSONValue,
        namespaces: EPCISNamespaces
    ) -> [String: (key: String, value: JSONValue)] {
        var result: [String: (key: String, value: JSONValue)] = [:]
        for (key, value) in object.objectValue ?? [:] where key.utf8.contains(0x3a) {
            // The common spelling, a prefix bound to exactly the namespace followed by an ASCII
            // local name, needs no expanded string.
            if let (iri, localName) = namespaces.expansion(ofKey: key), iri == CellTraceNamespace.iri,
                localName.utf8.first.map({ $0 < 0x80 }) ?? true
            {
                result[String(localName)] = (key, value)
                continue
            }
            let expanded = namespaces.expand(key)
            if expanded.hasPrefix(CellTraceNamespace.iri) {
                result[String(expanded.dropFirst(CellTraceNamespace.iri.count))] = (key, value)
            }
        }
        return result
    }

    /// The pointer of an extension member as it is spelled in the event.
    func extPointer(_ localName: String) -> String {
        "/" + (extensions[localName]?.key ?? CellTraceNamespace.prefix + ":" + localName)
    }
}

extension EPCISEvent {
    static func timeZoneOffsetPattern(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == 0x2b || bytes[0] == 0x2d, bytes[3] == 0x3a,
            bytes[1...2].allSatisfy({ (0x30...0x39).contains($0) }),
            bytes[4...5].allSatisfy({ (0x30...0x39).contains($0) })
        else { return false }
        let hours = Int(bytes[1] - 0x30) * 10 + Int(bytes[2] - 0x30)
        let minutes = Int(bytes[4] - 0x30) * 10 + Int(bytes[5] - 0x30)
        return (hours <= 13 && minutes <= 59) || (hours == 14 && minutes == 0)
    }

    /// Strips CBV spellings to the bare value: `urn:epcglobal:cbv:bizstep:shipping`,
    /// `https://ref.gs1.org/cbv/BizStep-shipping` and `cbv:BizStep-shipping` are all `shipping`.
    static func bareCBV(_ value: String, vocabulary: String) -> String {
        for prefix in [
            "urn:epcglobal:cbv:\(vocabulary.lowercased()):", "https://ref.gs1.org/cbv/\(vocabulary)-",
            "https://gs1.org/voc/\(vocabulary)-", "cbv:\(vocabulary)-", "gs1:\(vocabulary)-",
        ] where value.hasPrefix(prefix) {
            return String(value.dropFirst(prefix.count))
        }
        return value
    }

    /// Reads one event, checking the EPCIS 2.0 shape; problems go to `sink`.
    ///
    /// - Returns: `nil` when the event is too malformed to use (the problems say why).
    static func read(
        _ json: JSONValue,
        index: Int,
        namespaces documentNamespaces: EPCISNamespaces,
        sink: ProblemSink,
        hashing: Bool = true
    ) -> EPCISEvent? {
        sink.index = index
        sink.identifier = json["eventID"]?.stringValue
        guard json.objectValue != nil else {
            sink.add(field: "", "an event must be a JSON object")
            return nil
        }
        let reader = FieldReader(json, problems: sink)
        let namespaces = documentNamespaces.adding(context: json["@context"])
        let problemsBefore = sink.count
        guard let typeName = reader.string("type"), let type = EPCISEventType(rawValue: typeName) else {
            if json["type"]?.stringValue != nil {
                reader.fail("type", "must be one of \(EPCISEventType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let id = json["eventID"]?.stringValue { sink.identify(from: problemsBefore, as: id) }
            return nil
        }
        var eventTime: Int64 = 0
        var eventTimeText = ""
        if let text = reader.string("eventTime") {
            if let milliseconds = EventTime.utcMilliseconds(text) {
                eventTime = milliseconds
                eventTimeText = Timestamp(millisecondsSinceEpoch: milliseconds).rfc3339
            } else {
                reader.fail(
                    "eventTime",
                    "must be an ISO 8601 date-time with a time zone, such as 2026-03-01T08:00:00+08:00"
                )
            }
        }
        if let offset = reader.string("eventTimeZoneOffset"), !timeZoneOffsetPattern(offset) {
            reader.fail("eventTimeZoneOffset", "must be ±hh:mm between -14:00 and +14:00 (got \"\(offset)\")")
        }
        var action: String?
        if type != .transformationEvent {
            action = reader.string("action")
            if let value = action, !["ADD", "OBSERVE", "DELETE"].contains(value) {
                reader.fail("action", "must be ADD, OBSERVE or DELETE")
            }
        } else if json["action"] != nil {
            reader.fail("action", "a TransformationEvent has no action")
        }
        let bizStep = reader.string("bizStep", required: false).map { bareCBV($0, vocabulary: "BizStep") }
        let location = reader.child("bizLocation").flatMap { $0.string("id") }
        if let readPoint = reader.child("readPoint") { _ = readPoint.string("id") }
        func quantities(_ key: String) -> [LotQuantity] {
            guard let elements = reader.array(key) else { return [] }
            var result: [LotQuantity] = []
            for element in elements {
                guard element.value.objectValue != nil else {
                    sink.add(field: element.path, "a quantityElement is an object {epcClass, quantity, uom}")
                    continue
                }
                let lot = element.string("epcClass")
                let quantity = element.decimal("quantity")
                if case .string = element["quantity"] {
                    element.fail("quantity", "EPCIS quantities are JSON numbers")
                }
                guard let uom = element.string("uom") else { continue }
                guard uom.utf8.count >= 2, uom.utf8.count <= 3,
                    uom.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5a).contains($0) })
                else {
                    element.fail("uom", "must be a UN/ECE Rec. 20 code (2–3 capitals or digits), got \"\(uom)\"")
                    continue
                }
                guard let lot, let quantity else { continue }
                guard quantity.isPositive else {
                    element.fail("quantity", "must be greater than zero (got \(quantity))")
                    continue
                }
                guard let kg = MeasureDimension.mass.toBase(quantity, code: uom) else {
                    element.fail("uom", "lot quantities are masses: use one of \(MeasureDimension.mass.acceptedCodes)")
                    continue
                }
                result.append(LotQuantity(lot: lot, kg: kg, pointer: element.pointer("quantity")))
            }
            return result
        }
        func strings(_ key: String) -> [String] {
            guard let elements = reader.array(key) else { return [] }
            return elements.compactMap { element in
                guard let text = element.value.stringValue, !text.isEmpty else {
                    sink.add(field: element.path, "must be a non-empty URI string")
                    return nil
                }
                return text
            }
        }
        func parties(_ key: String, member: String) -> [PartyReference] {
            guard let elements = reader.array(key) else { return [] }
            return elements.compactMap { element in
                guard let type = element.string("type"), let id = element.string(member) else { return nil }
                return PartyReference(type: bareCBV(type, vocabulary: "SDT"), id: id, pointer: element.pointer(member))
            }
        }
        var event = EPCISEvent(
            index: index,
            json: json,
            eventID: "",
            hashID: "",
            type: type,
            action: action,
            bizStep: bizStep,
            eventTime: eventTime,
            eventTimeText: eventTimeText,
            location: location,
            namespaces: namespaces
        )
        switch type {
        case .objectEvent, .transactionEvent:
            event.quantities = quantities("quantityList")
            event.epcList = strings("epcList")
            if type == .objectEvent, json["epcList"] == nil, json["quantityList"] == nil,
                json["sensorElementList"] == nil
            {
                sink.add(field: "/epcList", "an ObjectEvent needs an epcList, a quantityList or a sensorElementList")
            }
        case .aggregationEvent, .associationEvent:
            event.parentID = reader.string("parentID", required: type == .associationEvent)
            event.childEPCs = strings("childEPCs")
            event.quantities = quantities("childQuantityList")
        case .transformationEvent:
            event.inputs = quantities("inputQuantityList")
            event.outputs = quantities("outputQuantityList")
            event.epcList = strings("inputEPCList") + strings("outputEPCList")
            if json["inputEPCList"] == nil, json["inputQuantityList"] == nil, json["outputEPCList"] == nil,
                json["outputQuantityList"] == nil
            {
                sink.add(field: "/outputQuantityList", "a TransformationEvent needs inputs or outputs")
            }
        }
        event.sources = parties("sourceList", member: "source")
        event.destinations = parties("destinationList", member: "destination")
        if let certification = json["certificationInfo"] {
            switch certification {
            case .string(let uri): event.certificationInfo = [uri]
            case .array: event.certificationInfo = strings("certificationInfo")
            default: reader.fail("certificationInfo", "must be a URI or an array of URIs")
            }
        }
        if let declaration = reader.child("errorDeclaration") {
            _ = declaration.string("declarationTime")
            event.errorDeclaration = declaration.value
        }
        guard sink.count == problemsBefore else {
            // Name the bad event by its eventID, or its hash ID when it can still be computed.
            if let id = json["eventID"]?.stringValue ?? (try? EventHashID.compute(for: json, namespaces: namespaces)) {
                sink.identify(from: problemsBefore, as: id)
            }
            return nil
        }
        if hashing || json["eventID"]?.stringValue == nil {
            do {
                event.hashID = try EventHashID.compute(for: json, namespaces: namespaces)
            } catch {
                sink.add(field: "", "cannot compute the event's CBV 2.0 hash ID: \(error)")
                return nil
            }
        }
        if let given = json["eventID"] {
            guard let text = given.stringValue, !text.isEmpty, text.utf8.count <= 400 else {
                reader.fail("eventID", "must be a URI of at most 400 bytes")
                return nil
            }
            event.eventID = text
        } else {
            event.eventID = event.hashID
            if case .object(var members) = json {
                members["eventID"] = .string(event.hashID)
                event.json = .object(members)
            }
        }
        sink.identifier = event.eventID
        event.extensions = extensionMembers(of: event.json, namespaces: namespaces)
        if let ilmd = json["ilmd"] { event.ilmdExtensions = extensionMembers(of: ilmd, namespaces: namespaces) }
        return event
    }
}
