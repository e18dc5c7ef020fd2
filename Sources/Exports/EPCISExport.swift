public import LedgerCore
import LedgerCrypto
import Provenance
public import SupplyChain

/// An EPCIS 2.0 JSON-LD document of a lineage's events, as one disclosure profile may see them.
///
/// The document is an `EPCISDocument` (schema version 2.0) whose event list holds every
/// `epcis.event` entry of a ``LineageScope``, in event-time order (ledger order between equal
/// times), and the error declaration of any of them that was declared in error by then. Each
/// event is the body of its entry: the event as its actor submitted it, with the
/// `eventID` it was recorded under (the CBV 2.0 event hash ID when the submitter gave none) and
/// `recordTime` set to the time the entry was appended. The prefixes the entries bind in their
/// `@context` move up to the document's `@context`, beside the official EPCIS 2.0 context and
/// `ct:`.
///
/// Sealed fields are opened or withheld by the profile. A revealed field gets its clear value
/// back. A withheld one cannot stay a `{"$commit": …}` object, which the EPCIS schema refuses in a
/// quantity or a party, so it is removed — a quantity's or mass's member, or a source's or
/// destination's whole list element, since the schema requires the party there — and the event
/// lists it in `ct:withheld`: the field's JSON Pointer in the event as recorded, its commitment
/// digest, its name and its class. A recipient later given an opening (salt and value) checks it
/// against that digest.
///
/// The `eventID` always stays the recorded one. An event that lost a field no longer hashes to its
/// event hash ID — the hash covers the withheld values — so only a profile that withholds nothing
/// (auditor; authority too, for events without co-product prices) gives events whose hash ID a recipient can
/// recompute, and those events import into another ledger as the same events.
///
/// ```swift
/// let scope = try LineageScope.collect("urn:epc:id:sgtin:4012345.011111.3", chain: chain)
/// let export = try EPCISExport(scope: scope, chain: chain, profile: .public)
/// try write(export.bytes)
/// ```
public struct EPCISExport: Sendable {
    /// The official EPCIS 2.0 JSON-LD context the document names first.
    public static let contextURL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    /// The event member that lists the withheld fields.
    public static let withheldMember = CellTraceNamespace.prefix + ":withheld"

    /// A sealed field the profile withheld.
    public struct Withheld: Sendable, Hashable {
        /// Where the field stands in the event as recorded (the entry's body).
        public var pointer: JSONPointer
        /// The commitment that stands for it in the entry.
        public var commitment: Commitment
        /// What the field is, and its class.
        public var field: ClassifiedField
    }

    /// One event of the document.
    public struct Event: Sendable, Hashable {
        /// The recorded `eventID`.
        public var eventID: String
        /// The sequence number of its `epcis.event` entry.
        public var sequenceNumber: UInt64
        /// The actor that submitted it.
        public var actor: String
        /// Its `eventTime` as written.
        public var eventTime: String
        /// The fields withheld from it.
        public var withheld: [Withheld]
    }

    /// The subject the lineage is of.
    public var subject: String
    /// The ledger size the document describes.
    public var size: UInt64
    /// The profile it was written in.
    public var profile: DisclosureProfile
    /// Its events, in document order.
    public var events: [Event]
    /// The document.
    public var document: JSONValue

    /// The document as a file: indented JSON with sorted members (`JSONValue.prettyString`), except
    /// that a source, destination or business transaction comes after its `type`, as EPCIS tools that
    /// hash events in member order expect.
    public var bytes: [UInt8] {
        Array(document.prettyString(typeFirstBeside: ["source", "destination", "bizTransaction"]).utf8)
    }

    /// Builds the document of `scope`'s events in `profile`.
    ///
    /// - Parameters:
    ///   - scope: The lineage.
    ///   - chain: The ledger the scope was collected from.
    ///   - profile: What the recipient may see.
    ///   - actor: Only the events this actor submitted: a document that actor can import
    ///     elsewhere as its own submission (`celltrace import --as`). All events by default.
    ///   - creationDate: The document's `creationDate`.
    /// - Throws: `LedgerError` when an entry cannot be read or an opening does not
    ///   open its commitment.
    public init(
        scope: LineageScope,
        chain: SupplyChainLedger,
        profile: DisclosureProfile,
        actor: String? = nil,
        creationDate: Timestamp = .now
    ) throws {
        var recorded: [(entry: Entry, time: Int64)] = []
        for sequence in try Self.eventsAndDeclarations(scope, chain: chain) {
            let entry = try chain.ledger.entry(at: sequence)
            guard actor == nil || entry.actor == actor else { continue }
            let eventTime = entry.body["eventTime"]?.stringValue ?? ""
            recorded.append((entry, EventTimeText.utcMilliseconds(eventTime) ?? .max))
        }
        recorded.sort { ($0.time, $0.entry.sequenceNumber) < ($1.time, $1.entry.sequenceNumber) }

        let bindings = Self.documentBindings(recorded.map(\.entry.body))
        var events: [Event] = []
        var eventList: [JSONValue] = []
        for (entry, _) in recorded {
            let (body, withheld) = try Self.disclose(
                entry,
                openings: chain.ledger.openings(of: entry),
                profile: profile
            )
            eventList.append(Self.documentEvent(body, entry: entry, withheld: withheld, bindings: bindings))
            events.append(
                Event(
                    eventID: entry.body["eventID"]?.stringValue ?? "",
                    sequenceNumber: entry.sequenceNumber,
                    actor: entry.actor,
                    eventTime: entry.body["eventTime"]?.stringValue ?? "",
                    withheld: withheld
                )
            )
        }
        self.subject = scope.subject.id
        self.size = scope.size
        self.profile = profile
        self.events = events
        var document: JSONObject = [
            "@context": .array([.string(Self.contextURL), .object(bindings)]),
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": .string(creationDate.rfc3339),
            "ct:subject": .string(scope.subject.id),
            "ct:ledgerOrigin": .string(chain.ledger.origin),
            "ct:ledgerSize": .number(Double(scope.size)),
            "ct:disclosureProfile": .string(profile.rawValue),
            "epcisBody": .object(["eventList": .array(eventList)]),
        ]
        let locations = try Self.locationMasterData(eventList, size: scope.size, profile: profile, chain: chain)
        if !locations.isEmpty {
            document["epcisHeader"] = [
                "epcisMasterData": [
                    "vocabularyList": [
                        ["type": .string(Self.businessLocationType), "vocabularyElementList": .array(locations)]
                    ]
                ]
            ]
        }
        self.document = .object(document)
    }
}

extension EPCISExport {
    /// The EPCIS vocabulary type of the facilities' master data.
    public static let businessLocationType = "urn:epcglobal:epcis:vtype:BusinessLocation"

    /// The master data of every registered facility the events name as `bizLocation` or
    /// `readPoint`, as the ledger had it at `size` (``Facility/asOf(_:)``): one vocabulary element
    /// per facility, its attributes in the CBV's master-data vocabulary where it has one
    /// (`urn:epcglobal:cbv:mda#countryCode`, `#state`, `#name`, `#latitude`, `#longitude`) and in
    /// CellTrace's namespace otherwise (`gridRegion`, `facilityKind`, `operator`, `riskFlag`).
    ///
    /// What identifies a supplier — the facility's name, its operator, its due-diligence flags and
    /// its coordinates — only the authority and auditor profiles see; the country, subdivision, grid
    /// region and kind, which say which factors a footprint used, every profile sees.
    static func locationMasterData(
        _ events: [JSONValue],
        size: UInt64,
        profile: DisclosureProfile,
        chain: SupplyChainLedger
    ) throws -> [JSONValue] {
        var ids: Set<String> = []
        for event in events {
            for member in ["bizLocation", "readPoint"] {
                if let id = event[member]?["id"]?.stringValue { ids.insert(id) }
            }
        }
        let identifying = profile == .authority || profile == .auditor
        return try chain.read { reader, txn, _ in
            try ids.sorted().compactMap { id -> JSONValue? in
                guard let facility = try reader.facility(id, asOf: size, txn), facility.registeredAt < size else {
                    return nil
                }
                var attributes: [JSONValue] = []
                func add(_ attribute: String, _ value: String) {
                    attributes.append(["id": .string(attribute), "attribute": .string(value)])
                }
                let mda = "urn:epcglobal:cbv:mda#"
                let ct = CellTraceNamespace.iri
                add(mda + "countryCode", facility.country)
                if let subdivision = facility.subdivision { add(mda + "state", subdivision) }
                if let region = facility.gridRegion { add(ct + "gridRegion", region) }
                add(ct + "facilityKind", facility.kind.rawValue)
                if identifying {
                    if let name = facility.name { add(mda + "name", name) }
                    add(ct + "operator", facility.operatorID)
                    for flag in facility.riskFlags { add(ct + "riskFlag", flag) }
                    if let location = facility.location {
                        add(mda + "latitude", location.latitude)
                        add(mda + "longitude", location.longitude)
                    }
                }
                return ["id": .string(id), "attributes": .array(attributes)]
            }
        }
    }
}

extension EPCISExport {
    /// The scope's events and, for each of them that an error declaration retracted before the
    /// scope's size, the declaration: a recipient must not take a retracted shipment for a real one.
    static func eventsAndDeclarations(_ scope: LineageScope, chain: SupplyChainLedger) throws -> [UInt64] {
        var eventIDs: [String] = []
        for sequence in scope.events {
            if let eventID = try chain.ledger.entry(at: sequence).body["eventID"]?.stringValue {
                eventIDs.append(eventID)
            }
        }
        let declarations = try chain.read { reader, txn, _ in
            try eventIDs.compactMap { eventID in
                try reader.event(eventID, txn)?.retractedAt.flatMap { $0 < scope.size ? $0 : nil }
            }
        }
        return Array(Set(scope.events + declarations)).sorted()
    }

    /// The prefix bindings of the document's `@context`: `ct:`, then each prefix the events' own
    /// contexts bind, to the IRI the first event (in document order) binds it to, then each prefix of
    /// the standard EPCIS context that the events' member names use (`cbvmda:`), to its standard IRI.
    ///
    /// Only plain prefixes (a string IRI, no `@` keyword) move up; anything else stays with its event.
    /// The standard prefixes are stated although the official context declares them, for tools that
    /// do not load that context (the reference event-hash generator leaves `cbvmda:countryOfOrigin`
    /// unexpanded, and so hashes the event differently, unless the document binds `cbvmda`).
    static func documentBindings(_ bodies: [JSONValue]) -> [String: JSONValue] {
        var bindings: [String: JSONValue] = [CellTraceNamespace.prefix: .string(CellTraceNamespace.iri)]
        for body in bodies {
            for case .object(let members) in contexts(of: body) {
                for (prefix, iri) in members where Self.isPlainBinding(prefix, iri) && bindings[prefix] == nil {
                    bindings[prefix] = iri
                }
            }
        }
        for body in bodies {
            bindStandardPrefixes(usedIn: body, into: &bindings)
        }
        return bindings
    }

    private static func bindStandardPrefixes(usedIn value: JSONValue, into bindings: inout [String: JSONValue]) {
        switch value {
        case .object(let members):
            for (key, member) in members where key != "@context" {
                if let (prefix, iri) = EPCISNamespaces.standardPrefix(ofKey: key), bindings[prefix] == nil {
                    bindings[prefix] = .string(iri)
                }
                bindStandardPrefixes(usedIn: member, into: &bindings)
            }
        case .array(let elements):
            for element in elements { bindStandardPrefixes(usedIn: element, into: &bindings) }
        default:
            break
        }
    }

    private static func isPlainBinding(_ prefix: String, _ iri: JSONValue) -> Bool {
        !prefix.hasPrefix("@") && iri.stringValue != nil
    }

    private static func contexts(of body: JSONValue) -> [JSONValue] {
        switch body["@context"] {
        case nil: []
        case .array(let contexts)?: contexts
        case let context?: [context]
        }
    }

    /// The event as the document holds it: its own `@context` reduced to what the document's does
    /// not already say, `recordTime` from the entry, and `ct:withheld` when something was withheld.
    private static func documentEvent(
        _ body: JSONValue,
        entry: Entry,
        withheld: [Withheld],
        bindings: [String: JSONValue]
    ) -> JSONValue {
        guard case .object(var members) = body else { return body }
        var own: [JSONValue] = []
        for context in contexts(of: body) {
            switch context {
            case .object(let context):
                let rest = context.filter { !(isPlainBinding($0.key, $0.value) && bindings[$0.key] == $0.value) }
                if !rest.isEmpty { own.append(.object(rest)) }
            case .string(contextURL):
                continue
            default:
                own.append(context)
            }
        }
        // JSONValue is ExpressibleByNilLiteral: remove the member explicitly rather than assign nil.
        if own.isEmpty {
            members.removeValue(forKey: "@context")
        } else {
            members["@context"] = own.count == 1 ? own[0] : .array(own)
        }
        members["recordTime"] = .string(entry.time.rfc3339)
        if !withheld.isEmpty {
            members[withheldMember] = .array(
                withheld.map { item in
                    .object([
                        "pointer": .string(item.pointer.text),
                        "commitment": .string(item.commitment.digest.hex),
                        "field": .string(item.field.name),
                        "class": .string(item.field.fieldClass.rawValue),
                    ])
                }
            )
        }
        return .object(members)
    }
}

extension EPCISExport {
    /// The entry's body with each sealed field the profile reveals opened, and the others removed.
    ///
    /// A field whose opening the ledger does not hold is withheld whatever the profile.
    static func disclose(
        _ entry: Entry,
        openings: [JSONPointer: Opening],
        profile: DisclosureProfile
    ) throws -> (body: JSONValue, withheld: [Withheld]) {
        var body = entry.body
        var withheld: [Withheld] = []
        var removals: [[String]] = []
        for (pointer, commitment) in entry.commitments.sorted(by: { $0.key < $1.key }) {
            let field = ClassifiedField.classify(entryType: entry.type, pointer: pointer)
            if profile.reveals(field), let opening = openings[pointer] {
                _ = pointer.replaceValue(with: opening.value, in: &body)
                continue
            }
            withheld.append(Withheld(pointer: pointer, commitment: commitment, field: field))
            removals.append(removalPath(of: pointer))
        }
        // Later array elements first, so that the indexes of earlier ones still hold.
        removals.sort { !precedes($0, $1) }
        for path in removals { remove(path[...], from: &body) }
        if case .object(var members) = body {
            for list in ["sourceList", "destinationList"] where members[list]?.arrayValue?.isEmpty == true {
                members.removeValue(forKey: list)
            }
            body = .object(members)
        }
        return (body, withheld)
    }

    /// What to remove for a withheld field: the member itself, or for a party the whole source or
    /// destination (the schema requires the party in it).
    private static func removalPath(of pointer: JSONPointer) -> [String] {
        let tokens = pointer.tokens
        if tokens.count == 3,
            (tokens[0], tokens[2]) == ("sourceList", "source")
                || (tokens[0], tokens[2]) == ("destinationList", "destination")
        {
            return Array(tokens.dropLast())
        }
        return tokens
    }

    /// Path order with array indexes compared as numbers.
    private static func precedes(_ lhs: [String], _ rhs: [String]) -> Bool {
        for (left, right) in zip(lhs, rhs) where left != right {
            if let left = Int(left), let right = Int(right) { return left < right }
            return left < right
        }
        return lhs.count < rhs.count
    }

    private static func remove(_ tokens: ArraySlice<String>, from node: inout JSONValue) {
        guard let token = tokens.first else { return }
        // Each container is taken out of its node before it changes (matched with `if case`: a
        // `switch` would keep a copy of it for the whole case), so that it changes in place and
        // an event with thousands of redacted elements is not copied once for each.
        if case .object(var members) = node {
            node = .null
            defer { node = .object(members) }
            if tokens.count == 1 {
                members.removeValue(forKey: token)
            } else if var child = members[token] {
                // The member let go of first, so that `child` is the only hold on its value.
                members[token] = .null
                remove(tokens.dropFirst(), from: &child)
                members[token] = child
            }
        } else if case .array(var elements) = node {
            guard let index = Int(token), elements.indices.contains(index) else { return }
            node = .null
            defer { node = .array(elements) }
            if tokens.count == 1 {
                elements.remove(at: index)
            } else {
                remove(tokens.dropFirst(), from: &elements[index])
            }
        }
    }
}
