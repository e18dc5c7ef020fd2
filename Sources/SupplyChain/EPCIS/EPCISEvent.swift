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
    /// The event member holding the element (`inputQuantityList`, …).
    var list: String
    /// The element's position in that list.
    var index: Int

    /// The JSON pointer of the element's quantity, for errors; spelled out only when asked for.
    var pointer: String { "/\(list)/\(index)/quantity" }
}

/// A party in a `sourceList` or `destinationList`.
struct PartyReference: Sendable, Hashable {
    var type: String
    var id: String
    var pointer: String
}

/// An object's members in CellTrace's namespace, by local name, with each key as spelled.
///
/// An event has a handful, with short local names (`electricity`, `lifeCycleStage`), and the
/// rules look each one up a few times: a scan compares them at less cost than hashing the name.
/// Of two members with one local name (two prefixes bound to the namespace), the one added last
/// is found.
struct ExtensionMembers: Sendable {
    private var members: [(localName: String, key: String, value: JSONValue)] = []

    var isEmpty: Bool { members.isEmpty }

    var count: Int { members.count }

    mutating func reserveCapacity(_ count: Int) { members.reserveCapacity(count) }

    mutating func add(_ localName: String, key: String, value: JSONValue) {
        members.append((localName, key, value))
    }

    /// The member with this local name, or `nil`.
    subscript(localName: String) -> (key: String, value: JSONValue)? {
        guard let index = position(of: localName) else { return nil }
        return (members[index].key, members[index].value)
    }

    /// The name of the member with this local name as it is spelled (`ct:transport`, a prefix of
    /// the document's own, or the full IRI); `ct:` and the local name when there is none.
    func spelledKey(_ localName: String) -> String {
        self[localName]?.key ?? CellTraceNamespace.prefix + ":" + localName
    }

    /// The value of the member with this local name, or `nil`: what most reads need, without a
    /// copy of the key as spelled.
    func value(_ localName: String) -> JSONValue? {
        guard let index = position(of: localName) else { return nil }
        return members[index].value
    }

    /// Where the member with this local name is, the last one added for a repeated name.
    private func position(of localName: String) -> Int? {
        members.lastIndex { $0.localName == localName }
    }

    /// Whether two members have the same local name.
    var hasRepeatedNames: Bool {
        if members.count <= 16 {
            for index in members.indices.dropFirst()
            where members[..<index].contains(where: { $0.localName == members[index].localName }) {
                return true
            }
            return false
        }
        return Set(members.map(\.localName)).count != members.count
    }

    /// Each member's local name, key as spelled and value, in the order added.
    var entries: some Sequence<(localName: String, key: String, value: JSONValue)> {
        members.lazy.map { ($0.localName, $0.key, $0.value) }
    }

    /// Each member's local name, in the order added.
    var localNames: some Sequence<String> {
        members.lazy.map(\.localName)
    }

    /// Each local name's key as spelled (the last one added, for a repeated name).
    var keys: [String: String] {
        var keys: [String: String] = [:]
        for member in members { keys[member.localName] = member.key }
        return keys
    }
}

/// An EPCIS event as CellTrace reads it: the JSON with its shape checked, and the fields the
/// supply-chain rules use pulled out and normalised.
///
/// A class, so that handing an event on (to the rules, in a prepared chunk) shares it instead of
/// copying its two dozen strings and arrays.
final class EPCISEvent: @unchecked Sendable {
    // Safety: an event is changed only by the thread that reads it (``read(_:index:namespaces:sink:hashing:scratch:newInput:)``,
    // and the preparation that then moves its JSON into the entry body) before it is handed on;
    // from then on it is only read.
    var index: Int
    /// The event as submitted.
    ///
    /// An event submitted without `eventID` is stored with its hash ID as `eventID`
    /// (``SupplyChainLedger/entryBody(taking:eventID:documentBindings:)``). An import moves it
    /// into the entry body once the event is read, so the supply-chain rules never read it: what
    /// they need is pulled out below (``ilmd``, ``extensions``).
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
    /// Its `readPoint.id`, when it has one.
    var readPoint: String?
    /// Whether its `bizLocation` or `readPoint` has a member beside its `id`: an extension, whose
    /// prefix the check of new input reads (``EventVocabulary``).
    var placeHasMembers = false
    /// The offset its `eventTime` is written with, when that is beyond ±14:00 and the event is
    /// new input (``EventTime/offsetBeyondZones(_:)``).
    var eventTimeZoneBeyond: String?
    /// The offset its `eventTime` is written at and its `eventTimeZoneOffset`, when they differ
    /// and the event is new input (``EventTime/writtenOffset(_:)``); `+00:00` and `-00:00` agree.
    var offsetsDiffer: (written: String, declared: String)?
    var quantities: [LotQuantity] = []
    var inputs: [LotQuantity] = []
    var outputs: [LotQuantity] = []
    var epcList: [String] = []
    var parentID: String?
    var childEPCs: [String] = []
    var sources: [PartyReference] = []
    var destinations: [PartyReference] = []
    var certificationInfo: [String] = []
    /// Its `disposition` and `persistentDisposition` as submitted, when it has either: no rule
    /// reads them, but what is recorded now is checked against the CBV (``EventVocabulary``).
    var dispositions: (disposition: JSONValue?, persistent: JSONValue?)?
    /// The names of its members (``EventMembers/names``), and whether it has one that is not a
    /// field or an extension (``EventMembers/hasOtherMember``): what the field check of new input
    /// (``EventVocabulary``) reads first.
    var memberNames = EventHashID.NameSet()
    /// How many top-level members have a colon in their key: when ``extensions`` holds as many,
    /// every one of them is in CellTrace's namespace (the prefix check of new input).
    var prefixedCount = 0
    var hasOtherMember = false
    var errorDeclaration: JSONValue?
    /// The eventIDs of the corrective events its `errorDeclaration` names, in its order.
    var correctiveEventIDs: [String] = []
    /// Its instance/lot master data (`ilmd`), as submitted.
    var ilmd: JSONValue?
    /// The namespaces in force for the event, for reading extension fields.
    var namespaces: EPCISNamespaces
    /// The event's members in CellTrace's namespace, by local name, with the key as spelled.
    var extensions = ExtensionMembers()
    /// The members of its `ilmd` in CellTrace's namespace, read with the event.
    var ilmdExtensions = ExtensionMembers()

    init(
        index: Int,
        json: JSONValue,
        eventID: String,
        hashID: String,
        type: EPCISEventType,
        action: String?,
        bizStep: String?,
        eventTime: Int64,
        eventTimeText: String,
        location: String?,
        namespaces: EPCISNamespaces
    ) {
        self.index = index
        self.json = json
        self.eventID = eventID
        self.hashID = hashID
        self.type = type
        self.action = action
        self.bizStep = bizStep
        self.eventTime = eventTime
        self.eventTimeText = eventTimeText
        self.location = location
        self.namespaces = namespaces
    }

    /// The lots the rules make of the event, as they choose its kind: a transformation's outputs,
    /// or the quantities of an ObjectEvent ADD that commissions no serials.
    var lotsMade: [LotQuantity] {
        switch type {
        case .transformationEvent: outputs
        case .objectEvent where action == "ADD" && ext("serialRanges") == nil: quantities
        default: []
        }
    }

    /// An extension member of the event (`ct:electricity`), whatever prefix the document bound to
    /// CellTrace's namespace.
    func ext(_ localName: String) -> JSONValue? {
        extensions.value(localName)
    }

    /// The members of `object` in CellTrace's namespace, by local name (read once per object).
    static func extensionMembers(of object: JSONValue, namespaces: EPCISNamespaces) -> ExtensionMembers {
        var result = ExtensionMembers()
        for (key, value) in object.objectValue ?? [:] where key.utf8.contains(0x3a) {
            // The common spelling, a prefix bound to exactly the namespace followed by an ASCII
            // local name, needs no expanded string.
            if let (iri, localName) = namespaces.expansion(ofKey: key), iri == CellTraceNamespace.iri,
                localName.utf8.first.map({ $0 < 0x80 }) ?? true
            {
                result.add(String(localName), key: key, value: value)
                continue
            }
            let expanded = namespaces.expand(key)
            if expanded.hasPrefix(CellTraceNamespace.iri) {
                result.add(String(expanded.dropFirst(CellTraceNamespace.iri.count)), key: key, value: value)
            }
        }
        return result
    }

    /// The members in CellTrace's namespace among an object's prefixed members (those whose key
    /// holds a colon), by local name, as ``extensionMembers(of:namespaces:)`` finds them.
    ///
    /// - Returns: `nil` when two members have the same local name: which one the object's own
    ///   order keeps is then left to ``extensionMembers(of:namespaces:)``.
    static func extensionMembers(
        _ prefixed: [(key: String, value: JSONValue)],
        namespaces: EPCISNamespaces
    ) -> ExtensionMembers? {
        var result = ExtensionMembers()
        guard !prefixed.isEmpty else { return result }
        result.reserveCapacity(prefixed.count)
        for (key, value) in prefixed {
            let localName: String
            if let (iri, name) = namespaces.expansion(ofKey: key), iri == CellTraceNamespace.iri,
                name.utf8.first.map({ $0 < 0x80 }) ?? true
            {
                localName = String(name)
            } else {
                let expanded = namespaces.expand(key)
                guard expanded.hasPrefix(CellTraceNamespace.iri) else { continue }
                localName = String(expanded.dropFirst(CellTraceNamespace.iri.count))
            }
            result.add(localName, key: key, value: value)
        }
        return result.hasRepeatedNames ? nil : result
    }

    /// The name of an extension member as it is spelled in the event (`ct:transport`, a prefix
    /// of the document's own, or the full IRI).
    func extKey(_ localName: String) -> String { extensions.spelledKey(localName) }

    /// The JSON pointer of an extension member as it is spelled in the event: a full IRI's
    /// slashes escaped (RFC 6901).
    func extPointer(_ localName: String) -> String {
        "/" + FieldReader.escaped(extKey(localName))
    }
}

extension EPCISEvent {
    static func timeZoneOffsetPattern(_ text: String) -> Bool {
        // Read in place: every event has one.
        var text = text
        return text.withUTF8 { zoneOffset(UnsafeBufferPointer(rebasing: $0[...])) == true }
    }

    /// Reads `±hh:mm`: `true` for an offset a time zone can have (-14:00 to +14:00), `false` for
    /// one beyond, `nil` when the bytes are not of that form.
    static func zoneOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard bytes.count == 6 else { return nil }
        let start = bytes.startIndex
        guard bytes[start] == 0x2b || bytes[start] == 0x2d, bytes[start + 3] == 0x3a else { return nil }
        // Read one by one, without an array: every event has two offsets.
        func digit(_ at: Int) -> Int? {
            let value = bytes[start + at] &- 0x30
            return value < 10 ? Int(value) : nil
        }
        guard let h1 = digit(1), let h2 = digit(2), let m1 = digit(4), let m2 = digit(5) else { return nil }
        let (hours, minutes) = (h1 * 10 + h2, m1 * 10 + m2)
        return (hours <= 13 && minutes <= 59) || (hours == 14 && minutes == 0)
    }

    /// Strips CBV spellings to the bare value: `urn:epcglobal:cbv:bizstep:shipping`,
    /// `https://ref.gs1.org/cbv/BizStep-shipping` and `cbv:BizStep-shipping` are all `shipping`.
    static func bareCBV(_ value: String, vocabulary: String) -> String {
        let prefixes: [CBVPrefix]
        switch vocabulary {
        case "BizStep": prefixes = bizStepPrefixes
        case "SDT": prefixes = sourceDestinationTypePrefixes
        default: prefixes = cbvPrefixes(vocabulary)
        }
        return bareCBV(value, prefixes: prefixes)
    }

    /// Strips the first of `prefixes` that `value` starts with (``cbvPrefixes(_:)``).
    static func bareCBV(_ value: String, prefixes: [CBVPrefix]) -> String {
        // Comparing bytes first turns most values away cheaply; a prefix that matches by
        // characters (as `hasPrefix` compares) always matches by bytes, these being ASCII.
        for prefix in prefixes where value.utf8.starts(with: prefix.utf8) && value.hasPrefix(prefix.text) {
            return String(value.dropFirst(prefix.text.count))
        }
        return value
    }

    /// One spelling of a CBV vocabulary's prefix, with its UTF-8 for a quick test.
    struct CBVPrefix: Sendable {
        let text: String
        let utf8: [UInt8]

        init(_ text: String) {
            self.text = text
            self.utf8 = Array(text.utf8)
        }
    }

    /// The spellings of a vocabulary's prefix, in the order they are tried.
    static func cbvPrefixes(_ vocabulary: String) -> [CBVPrefix] {
        [
            "urn:epcglobal:cbv:\(vocabulary.lowercased()):", "https://ref.gs1.org/cbv/\(vocabulary)-",
            "https://gs1.org/voc/\(vocabulary)-", "cbv:\(vocabulary)-", "gs1:\(vocabulary)-",
        ].map(CBVPrefix.init)
    }

    /// The prefixes of CBV 2.0 error reasons.
    static let errorReasonPrefixes = cbvPrefixes("ER")
    /// CBV 2.0's error reasons (§8.6), bare.
    static let errorReasons: Set<String> = ["did_not_occur", "incorrect_data"]

    /// Checks an `errorDeclaration`'s members and returns its `correctiveEventIDs`.
    ///
    /// `declarationTime` is a date-time with a time zone, as `eventTime` is; `reason`, when
    /// given, a CBV error reason or a URI of the declarer's own vocabulary; `correctiveEventIDs`
    /// an array of distinct eventIDs, URIs as every eventID recorded is.
    private static func readDeclaration(_ declaration: FieldReader) -> [String] {
        if let time = declaration.string("declarationTime"), EventTime.utc(time) == nil {
            declaration.fail(
                "declarationTime",
                "must be an ISO 8601 extended-format date-time with a time zone, such as 2026-03-27T09:00:00+01:00"
            )
        }
        if let reason = declaration.string("reason", required: false) {
            let bare = bareCBV(reason, prefixes: errorReasonPrefixes)
            if !errorReasons.contains(bare), !bare.utf8.contains(0x3a) {
                declaration.fail(
                    "reason",
                    "must be a CBV error reason, did_not_occur or incorrect_data, or a URI of your own (got \"\(reason)\")"
                )
            }
        }
        guard let elements = declaration.array("correctiveEventIDs") else { return [] }
        var ids: [String] = []
        for element in elements {
            guard let id = element.value.stringValue, !id.isEmpty, id.utf8.count <= 400, IdentifierText.isURI(id) else {
                declaration.problems.add(
                    field: element.path,
                    "must be an eventID: a URI of at most 400 bytes, such as urn:uuid:…"
                )
                continue
            }
            if ids.contains(id) {
                declaration.problems.add(field: element.path, "names \(id) twice")
                continue
            }
            ids.append(id)
        }
        return ids
    }

    /// Refuses a `TransactionEvent` without the members GS1's EPCIS 2.0 JSON schema requires of
    /// one: a `bizTransactionList` of one or more business transactions, and the objects they
    /// concern, an `epcList` or a `quantityList` of one or more elements (only a `DELETE`, which
    /// ends the association of every object, may leave both out).
    ///
    /// Checked on new input only: a `TransactionEvent` recorded before the check replays as it was.
    private static func checkTransactionShape(
        _ object: JSONObject,
        epcList: JSONValue?,
        quantityList: JSONValue?,
        action: String?,
        sink: ProblemSink
    ) {
        let example = #"such as [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141000005:PO-1"}]"#
        switch object["bizTransactionList"] {
        case nil:
            sink.add(
                field: "/bizTransactionList",
                "a TransactionEvent needs a bizTransactionList of one or more business transactions, \(example)"
            )
        case .array(let elements) where elements.isEmpty:
            sink.add(
                field: "/bizTransactionList",
                "lists no business transaction: a TransactionEvent needs one or more, \(example)"
            )
        default:
            // One that is not an array is named where its elements are checked (``EventVocabulary``).
            break
        }
        let listsObjects = epcList != nil || quantityList.map { $0.arrayValue?.isEmpty != true } ?? false
        guard !listsObjects, action != "DELETE" else { return }
        sink.add(
            field: "/epcList",
            "a TransactionEvent needs an epcList or a quantityList of one or more elements, the objects its "
                + "business transactions concern (only a DELETE, which ends the association of every object, may "
                + "leave both out)"
        )
    }

    /// The prefixes of business steps, built once.
    static let bizStepPrefixes = cbvPrefixes("BizStep")
    /// The prefixes of source and destination types, built once.
    static let sourceDestinationTypePrefixes = cbvPrefixes("SDT")

    /// Whether an eventID member is text the ledger keeps: a non-empty string of at most 400 bytes.
    private static func isEventIDText(_ value: JSONValue) -> Bool {
        guard let text = value.stringValue else { return false }
        return !text.isEmpty && text.utf8.count <= 400
    }

    /// Reads one event, checking the EPCIS 2.0 shape; problems go to `sink`.
    ///
    /// - Parameters:
    ///   - json: The event.
    ///   - index: Its position in the document.
    ///   - documentNamespaces: The document's namespaces; the event's own `@context` is added.
    ///   - sink: Receives the problems, naming the event and field.
    ///   - hashing: Whether to compute the hash ID of an event that has an `eventID`.
    ///   - scratch: Buffers for the hash ID, reused from one event to the next by a caller that
    ///     reads many.
    ///   - newInput: Whether the event is being recorded now: then an event whose shape is wrong
    ///     has its vocabulary checked too (``EventVocabulary``), as far as its members could be
    ///     read, so that a misspelt term is reported with the shape's problems, not after they
    ///     are fixed. A caller checks the vocabulary of an event read whole itself.
    /// - Returns: `nil` when the event is too malformed to use (the problems say why); `sink`'s
    ///   ``ProblemSink/identifier`` is then the eventID the event gives, or `nil` for none.
    static func read(
        _ json: JSONValue,
        index: Int,
        namespaces documentNamespaces: EPCISNamespaces,
        sink: ProblemSink,
        hashing: Bool = true,
        scratch: EventHashID.Scratch? = nil,
        newInput: Bool = false
    ) -> EPCISEvent? {
        var refused: EPCISEvent?
        return read(
            json,
            index: index,
            namespaces: documentNamespaces,
            sink: sink,
            hashing: hashing,
            scratch: scratch,
            newInput: newInput,
            refused: &refused
        )
    }

    /// Reads an event as ``read(_:index:namespaces:sink:hashing:scratch:newInput:)`` does.
    ///
    /// An event of a known type whose shape is refused is given in `refused`, as far as it was
    /// read: what it would have made, for the problems of the events after it. Its quantity lists
    /// keep the elements whose quantity or unit is refused, at zero kilograms, so that every lot
    /// it names is there.
    static func read(
        _ json: JSONValue,
        index: Int,
        namespaces documentNamespaces: EPCISNamespaces,
        sink: ProblemSink,
        hashing: Bool = true,
        scratch: EventHashID.Scratch? = nil,
        newInput: Bool = false,
        refused: inout EPCISEvent?
    ) -> EPCISEvent? {
        sink.index = index
        guard case .object(let object) = json else {
            sink.identifier = nil
            sink.add(field: "", "an event must be a JSON object")
            return nil
        }
        let members = EventMembers(object)
        let givenID = members.eventID?.stringValue
        sink.identifier = givenID
        let reader = FieldReader(json, problems: sink)
        let namespaces =
            scratch?.namespaces(documentNamespaces, adding: members.context)
            ?? documentNamespaces.adding(context: members.context)
        let problemsBefore = sink.count
        // The members every type has are checked before an unknown type ends the reading, so that
        // their problems are reported with it.
        let typeName = reader.string("type", member: members.type)
        let knownType = typeName.flatMap { EPCISEventType(rawValue: $0) }
        if typeName != nil, knownType == nil {
            reader.fail("type", "must be one of \(EPCISEventType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var eventTime: Int64 = 0
        var eventTimeText = ""
        var eventTimeZone: String?
        var writtenOffset: String?
        if let text = reader.string("eventTime", member: members.eventTime) {
            if let utc = EventTime.utc(text) {
                eventTime = utc.milliseconds
                eventTimeText = utc.text
                if newInput {
                    eventTimeZone = EventTime.offsetBeyondZones(text)
                    writtenOffset = EventTime.writtenOffset(text)
                }
            } else {
                reader.fail(
                    "eventTime",
                    "must be an ISO 8601 extended-format date-time with a time zone, such as 2026-03-01T08:00:00+08:00"
                )
            }
        }
        var offsetsDiffer: (written: String, declared: String)?
        if let offset = reader.string("eventTimeZoneOffset", member: members.eventTimeZoneOffset) {
            if !timeZoneOffsetPattern(offset) {
                reader.fail("eventTimeZoneOffset", "must be ±hh:mm between -14:00 and +14:00 (got \"\(offset)\")")
            } else if let written = writtenOffset, written != offset,
                // A time at ±00:00 is in UTC, as one with Z is, whatever offset is beside it.
                written != "+00:00", written != "-00:00"
            {
                offsetsDiffer = (written, offset)
            }
        }
        if let given = members.eventID, !Self.isEventIDText(given) {
            reader.fail("eventID", "must be a URI of at most 400 bytes")
        }
        guard let type = knownType else {
            if let id = givenID { sink.identify(from: problemsBefore, as: id) }
            return nil
        }
        var action: String?
        if type != .transformationEvent {
            action = reader.string("action", member: members.action)
            if let value = action, value != "ADD", value != "OBSERVE", value != "DELETE" {
                reader.fail("action", "must be ADD, OBSERVE or DELETE")
            }
        } else if members.action != nil {
            reader.fail("action", "a TransformationEvent has no action")
        }
        let bizStep = reader.string("bizStep", member: members.bizStep, required: false).map {
            bareCBV($0, vocabulary: "BizStep")
        }
        // A place is an object {"id": …}; a bare URI is named as such, not as a missing id.
        var placeMembers = false
        func place(_ key: String, _ member: JSONValue?) -> FieldReader? {
            guard let member else { return nil }
            guard case .object(let object) = member else {
                let example = member.stringValue.map { "{\"id\": \"\($0)\"}" } ?? "{\"id\": \"urn:epc:id:sgln:…\"}"
                reader.fail(key, "must be an object with the place's id, such as \(example)")
                return nil
            }
            if object.count > 1 { placeMembers = true }
            return reader.child(key, member: member)
        }
        let location = place("bizLocation", members.bizLocation).flatMap { $0.string("id") }
        let readPoint = place("readPoint", members.readPoint).flatMap { $0.string("id") }
        if let ilmd = members.ilmd, ilmd.objectValue == nil {
            reader.fail(
                "ilmd",
                "must be an object of the lots' master data, such as {\"ct:material\": \"cobalt-sulfate\"}"
            )
        }
        func quantities(_ list: String, _ member: JSONValue?) -> [LotQuantity] {
            guard let elements = reader.array(list, member: member) else { return [] }
            var result: [LotQuantity] = []
            result.reserveCapacity(elements.count)
            // By index: iterating the readers would copy each out of the list.
            for index in elements.indices {
                let element = elements[index]
                guard case .object(let fields) = element.value else {
                    sink.add(field: element.path, "a quantityElement is an object {epcClass, quantity, uom}")
                    continue
                }
                // The three members in one pass over the element instead of a lookup each.
                var epcClassMember: JSONValue?
                var quantityMember: JSONValue?
                var uomMember: JSONValue?
                for (field, value) in fields {
                    switch field {
                    case "epcClass": epcClassMember = value
                    case "quantity": quantityMember = value
                    case "uom": uomMember = value
                    default: break
                    }
                }
                let lot = element.string("epcClass", member: epcClassMember, maxLength: FieldReader.maxKeyedLength)
                let quantity: ExactDecimal?
                switch quantityMember {
                case .number?, nil:
                    quantity = element.decimal("quantity", member: quantityMember)
                case .string(let text)? where ExactDecimal(text) != nil:
                    element.fail("quantity", "EPCIS quantities are JSON numbers: write \(text) without quotes")
                    quantity = nil
                case .string(let text)?:
                    element.fail("quantity", "EPCIS quantities are JSON numbers, such as 1250.5 (got \"\(text)\")")
                    quantity = nil
                default:
                    element.fail("quantity", "EPCIS quantities are JSON numbers, such as 1250.5")
                    quantity = nil
                }
                // The quantity's sign and its unit are checked apart, so that both are reported.
                let positive = quantity?.isPositive ?? false
                if let quantity, !positive {
                    element.fail("quantity", "must be greater than zero (got \(quantity))")
                }
                guard let uom = element.string("uom", member: uomMember) else { continue }
                guard uom.utf8.count >= 2, uom.utf8.count <= 3,
                    uom.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5a).contains($0) })
                else {
                    let meant = MeasureDimension.massMeant(byLowercase: uom).map { ": did you mean \($0)?" } ?? ""
                    element.fail(
                        "uom",
                        "must be a UN/ECE Rec. 20 code (2–3 capitals or digits), got \"\(uom)\"\(meant)"
                    )
                    continue
                }
                guard let quantity, let kg = MeasureDimension.mass.toBase(quantity, code: uom) else {
                    if !MeasureDimension.mass.hasUnit(uom) {
                        element.fail("uom", MeasureDimension.notAMass(uom))
                    } else if quantity != nil {
                        element.fail("quantity", "is too large to convert to kilograms exactly in \(uom)")
                    }
                    continue
                }
                guard let lot, positive else { continue }
                result.append(LotQuantity(lot: lot, kg: kg, list: list, index: index))
            }
            return result
        }
        func strings(_ key: String, _ member: JSONValue?) -> [String] {
            guard let elements = reader.array(key, member: member) else { return [] }
            return elements.compactMap { element in
                guard let text = element.value.stringValue, !text.isEmpty else {
                    sink.add(field: element.path, "must be a non-empty URI string")
                    return nil
                }
                // A child EPC keys the unit it is in.
                guard text.utf8.count <= FieldReader.maxKeyedLength else {
                    sink.add(field: element.path, "must be at most \(FieldReader.maxKeyedLength) bytes")
                    return nil
                }
                return text
            }
        }
        func parties(_ key: String, _ list: JSONValue?, member: String) -> [PartyReference] {
            guard let elements = reader.array(key, member: list) else { return [] }
            return elements.compactMap { element in
                // Both read before either is required, so that an element missing both is reported for both.
                let type = element.string("type")
                let id = element.string(member)
                guard let type, let id else { return nil }
                return PartyReference(type: bareCBV(type, vocabulary: "SDT"), id: id, pointer: element.pointer(member))
            }
        }
        let event = EPCISEvent(
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
        event.readPoint = readPoint
        event.placeHasMembers = placeMembers
        event.eventTimeZoneBeyond = eventTimeZone
        event.offsetsDiffer = offsetsDiffer
        switch type {
        case .objectEvent, .transactionEvent:
            event.quantities = quantities("quantityList", members.quantityList)
            event.epcList = strings("epcList", members.epcList)
            if type == .objectEvent, members.epcList == nil, members.quantityList == nil,
                members.sensorElementList == nil
            {
                // A commissioning lists its serials as ranges; EPCIS still wants the list beside them.
                let ranges = members.prefixed.contains { member in
                    namespaces.expansion(ofKey: member.key).map {
                        $0.iri == CellTraceNamespace.iri && $0.localName == "serialRanges"
                    } ?? false
                }
                sink.add(
                    field: "/epcList",
                    ranges
                        ? "a commissioning with ct:serialRanges needs \"epcList\": [] beside them: an ObjectEvent needs "
                            + "an epcList, a quantityList or a sensorElementList"
                        : "an ObjectEvent needs an epcList, a quantityList or a sensorElementList"
                )
            }
            if type == .transactionEvent, newInput {
                checkTransactionShape(
                    object,
                    epcList: members.epcList,
                    quantityList: members.quantityList,
                    action: action,
                    sink: sink
                )
            }
        case .aggregationEvent, .associationEvent:
            event.parentID = reader.string(
                "parentID",
                member: members.parentID,
                required: type == .associationEvent,
                maxLength: FieldReader.maxKeyedLength
            )
            event.childEPCs = strings("childEPCs", members.childEPCs)
            event.quantities = quantities("childQuantityList", members.childQuantityList)
        case .transformationEvent:
            event.inputs = quantities("inputQuantityList", members.inputQuantityList)
            event.outputs = quantities("outputQuantityList", members.outputQuantityList)
            let inputEPCs = strings("inputEPCList", members.inputEPCList)
            let outputEPCs = strings("outputEPCList", members.outputEPCList)
            event.epcList = outputEPCs.isEmpty ? inputEPCs : inputEPCs + outputEPCs
            if members.inputEPCList == nil, members.inputQuantityList == nil, members.outputEPCList == nil,
                members.outputQuantityList == nil
            {
                sink.add(field: "/outputQuantityList", "a TransformationEvent needs inputs or outputs")
            }
        }
        if members.disposition != nil || members.persistentDisposition != nil {
            event.dispositions = (members.disposition, members.persistentDisposition)
        }
        event.memberNames = members.names
        event.prefixedCount = members.prefixed.count
        event.hasOtherMember = members.hasOtherMember
        event.sources = parties("sourceList", members.sourceList, member: "source")
        event.destinations = parties("destinationList", members.destinationList, member: "destination")
        if let certification = members.certificationInfo {
            switch certification {
            case .string(let uri): event.certificationInfo = [uri]
            case .array: event.certificationInfo = strings("certificationInfo", certification)
            default: reader.fail("certificationInfo", "must be a URI or an array of URIs")
            }
        }
        if let declaration = reader.child("errorDeclaration", member: members.errorDeclaration) {
            if declaration.value.objectValue == nil {
                reader.fail(
                    "errorDeclaration",
                    "must be an object with declarationTime, and reason and correctiveEventIDs if any"
                )
            } else {
                event.correctiveEventIDs = Self.readDeclaration(declaration)
            }
            event.errorDeclaration = declaration.value
        }
        guard sink.count == problemsBefore else {
            if newInput {
                // What the vocabulary checks read of an event, as far as it was read.
                attachExtensions(to: event, members, json, namespaces, scratch)
                // Not a second word on a field the shape check has named.
                let shapeEnd = sink.count
                EventVocabulary.check(event, sink: sink)
                sink.dropRepeatedFields(from: shapeEnd, after: problemsBefore)
            }
            // Name the bad event by its eventID, or its hash ID when it can still be computed.
            if let id = givenID ?? (try? EventHashID.compute(for: json, namespaces: namespaces, scratch: scratch)) {
                sink.identify(from: problemsBefore, as: id)
            }
            // Every element dropped from a list has a problem: its lot is kept, at zero kilograms,
            // for what the refused event would have made.
            func keepUnread(_ list: String, _ member: JSONValue?, in quantities: inout [LotQuantity]) {
                guard let elements = member?.arrayValue, elements.count > quantities.count else { return }
                let read = Set(quantities.map(\.index))
                for (index, element) in elements.enumerated() where !read.contains(index) {
                    guard let lot = element["epcClass"]?.stringValue else { continue }
                    quantities.append(LotQuantity(lot: lot, kg: .zero, list: list, index: index))
                }
            }
            switch type {
            case .transformationEvent:
                keepUnread("inputQuantityList", members.inputQuantityList, in: &event.inputs)
                keepUnread("outputQuantityList", members.outputQuantityList, in: &event.outputs)
            case .aggregationEvent, .associationEvent:
                keepUnread("childQuantityList", members.childQuantityList, in: &event.quantities)
            case .objectEvent, .transactionEvent:
                keepUnread("quantityList", members.quantityList, in: &event.quantities)
            }
            refused = event
            return nil
        }
        if hashing || givenID == nil {
            // The time read above, in the UTC form the hash writes it in, is not read again.
            if let eventTimeValue = members.eventTime?.stringValue, !eventTimeText.isEmpty {
                scratch?.writer.knownTime = (eventTimeValue, eventTimeText)
            }
            defer { scratch?.writer.knownTime = nil }
            do {
                event.hashID = try EventHashID.compute(for: json, namespaces: namespaces, scratch: scratch)
            } catch {
                sink.add(field: "", "cannot compute the event's CBV 2.0 hash ID: \(error)")
                return nil
            }
        }
        if let text = members.eventID?.stringValue {
            event.eventID = text
        } else {
            // Added to the stored body by the sealing, which copies the members anyway.
            event.eventID = event.hashID
        }
        sink.identifier = event.eventID
        attachExtensions(to: event, members, json, namespaces, scratch)
        return event
    }

    /// Gives `event` its extension members and its `ilmd` with the ilmd's extensions (an `ilmd`
    /// that is no object, which the shape check refuses, is left out).
    private static func attachExtensions(
        to event: EPCISEvent,
        _ members: borrowing EventMembers,
        _ json: JSONValue,
        _ namespaces: EPCISNamespaces,
        _ scratch: EventHashID.Scratch?
    ) {
        event.extensions =
            extensionMembers(members.prefixed, namespaces: namespaces)
            ?? extensionMembers(of: json, namespaces: namespaces)
        if let ilmd = members.ilmd, ilmd.objectValue != nil {
            event.ilmd = ilmd
            event.ilmdExtensions =
                scratch?.ilmdExtensions(of: ilmd, namespaces: namespaces)
                ?? extensionMembers(of: ilmd, namespaces: namespaces)
        }
    }
}

/// The members of an event that ``EPCISEvent/read(_:index:namespaces:sink:hashing:scratch:newInput:)``
/// looks at, found in one pass over the object instead of one hashed lookup each.
///
/// Keys are recognised by their bytes; for these names (ASCII, without `K`, `;` or `` ` ``) that
/// is the same as `String` equality, and a document never holds two equal keys.
struct EventMembers {
    var type: JSONValue?
    var eventID: JSONValue?
    var context: JSONValue?
    var eventTime: JSONValue?
    var eventTimeZoneOffset: JSONValue?
    var action: JSONValue?
    var bizStep: JSONValue?
    var disposition: JSONValue?
    var persistentDisposition: JSONValue?
    var bizLocation: JSONValue?
    var readPoint: JSONValue?
    var epcList: JSONValue?
    var quantityList: JSONValue?
    var sensorElementList: JSONValue?
    var parentID: JSONValue?
    var childEPCs: JSONValue?
    var childQuantityList: JSONValue?
    var inputEPCList: JSONValue?
    var inputQuantityList: JSONValue?
    var outputEPCList: JSONValue?
    var outputQuantityList: JSONValue?
    var sourceList: JSONValue?
    var destinationList: JSONValue?
    var certificationInfo: JSONValue?
    var errorDeclaration: JSONValue?
    var ilmd: JSONValue?
    /// The members whose key holds a colon, the candidates for extension members, in the
    /// object's order.
    var prefixed: [(key: String, value: JSONValue)] = []
    /// The ``EventHashID/Name``s of the members.
    var names = EventHashID.NameSet()
    /// Whether a member is none of those, has no colon, and is neither `@context` nor `ilmd`.
    var hasOtherMember = false

    init(_ object: JSONObject) {
        for (key, value) in object {
            let name = EventHashID.Name(key)
            names.insert(name)
            switch name {
            case .type: type = value
            case .eventID: eventID = value
            case .eventTime: eventTime = value
            case .eventTimeZoneOffset: eventTimeZoneOffset = value
            case .action: action = value
            case .bizStep: bizStep = value
            case .disposition: disposition = value
            case .persistentDisposition: persistentDisposition = value
            case .bizLocation: bizLocation = value
            case .readPoint: readPoint = value
            case .epcList: epcList = value
            case .quantityList: quantityList = value
            case .sensorElementList: sensorElementList = value
            case .parentID: parentID = value
            case .childEPCs: childEPCs = value
            case .childQuantityList: childQuantityList = value
            case .inputEPCList: inputEPCList = value
            case .inputQuantityList: inputQuantityList = value
            case .outputEPCList: outputEPCList = value
            case .outputQuantityList: outputQuantityList = value
            case .sourceList: sourceList = value
            case .destinationList: destinationList = value
            case .certificationInfo: certificationInfo = value
            case .errorDeclaration: errorDeclaration = value
            case .other:
                if key.utf8.contains(0x3a) {
                    if prefixed.isEmpty { prefixed.reserveCapacity(8) }
                    prefixed.append((key, value))
                } else if key == "@context" {
                    context = value
                } else if key == "ilmd" {
                    ilmd = value
                } else {
                    hasOtherMember = true
                }
            default:
                break
            }
        }
    }
}
