import LedgerCore
public import LedgerCrypto

/// What registering an actor records.
public struct ActorDraft: Sendable {
    /// The actor's identifier (letters, digits and `.-_:/#@`).
    public var id: String
    /// The legal or trading name.
    public var name: String
    /// The role.
    public var role: ActorRole
    /// The actor's Ed25519 public key.
    public var publicKey: Ed25519PublicKey
    /// Extra party URIs (GS1 PGLN or GLN, Digital Link) by which EPCIS documents name the actor.
    public var parties: [String]

    /// Creates a draft.
    public init(id: String, name: String, role: ActorRole, publicKey: Ed25519PublicKey, parties: [String] = []) {
        self.id = id
        self.name = name
        self.role = role
        self.publicKey = publicKey
        self.parties = parties
    }

    var body: JSONValue {
        [
            "id": .string(id), "name": .string(name), "role": .string(role.rawValue),
            "key": .string(Base64.encode(publicKey.rawRepresentation)),
            "parties": .array(parties.map(JSONValue.string)),
        ]
    }

    /// Checks what an actor registered now must satisfy beyond what ``read(_:sequence:sink:)``
    /// checks.
    ///
    /// A name that is not blank and holds no control characters (it is printed in tables and
    /// exports), and parties each listed once, none of them a location (an SGLN names a place, not
    /// who holds the goods) or a contact address (`mailto:`, `tel:`). Actors already in a ledger are
    /// read without it.
    static func checkAsNewInput(_ body: JSONValue, sink: ProblemSink) {
        let id = body["id"]?.stringValue
        if id == SupplyChainLedger.operatorActor {
            sink.add(
                field: "/id",
                "\(SupplyChainLedger.operatorActor) is the name the operator's own entries carry (registrations, factor tables); choose another id"
            )
        }
        // An empty name is named by the reader, as any empty text field is.
        if let name = body["name"]?.stringValue, !name.isEmpty {
            if !name.contains(where: { !$0.isWhitespace }) {
                sink.add(field: "/name", "must not be blank: the actor's legal or trading name")
            } else if let problem = PrintedText.problem(name) {
                sink.add(field: "/name", problem)
            }
        }
        var seen: Set<String> = []
        for (index, party) in (body["parties"]?.arrayValue ?? []).enumerated() {
            guard let text = party.stringValue else { continue }
            if !seen.insert(text).inserted {
                sink.add(field: "/parties/\(index)", "party \(text) is listed twice")
            } else if let lower = IdentifierText.lowerCaseForm(text) {
                sink.add(field: "/parties/\(index)", IdentifierText.lowerCaseProblem(text, lower))
            } else if text.hasPrefix(Actor.defaultParty("")), text != id.map(Actor.defaultParty) {
                // Every actor has its own (``Actor/defaultParty(_:)``): another's would be taken from it.
                sink.add(
                    field: "/parties/\(index)",
                    "\(text) is the party of actor \(text.dropFirst(Actor.defaultParty("").count)), every actor's own; "
                        + "list parties of the company's own, such as urn:epc:id:pgln:…"
                )
            } else if text.hasPrefix("urn:epc:id:sgln:") || text.hasPrefix("https://id.gs1.org/414/") {
                sink.add(
                    field: "/parties/\(index)",
                    "\(text) is a location (GLN of a place); a party is who holds the goods, such as urn:epc:id:pgln:…"
                )
            } else if let scheme = ["mailto:", "tel:"].first(where: { text.lowercased().hasPrefix($0) }) {
                sink.add(
                    field: "/parties/\(index)",
                    "a \(scheme) URI is a contact address, which changes hands with staff; a party is an identifier "
                        + "of the company, such as urn:epc:id:pgln:… or https://id.gs1.org/417/…"
                )
            }
        }
    }

    /// Reads an `actor.register` body into the actor it registers at `sequence`.
    static func read(_ body: JSONValue, sequence: UInt64, sink: ProblemSink) -> Actor? {
        let reader = FieldReader(body, problems: sink)
        let id = reader.string("id", maxLength: 128)
        if let id, !Identifier.isValid(id) { reader.fail("id", "must be \(Identifier.rule)") }
        let name = reader.string("name", maxLength: 256)
        let role = reader.string("role").flatMap { text in
            let role = ActorRole(rawValue: text)
            if role == nil { reader.fail("role", "must be one of \(ActorRole.list)") }
            return role
        }
        let key = reader.string("key").flatMap { text -> [UInt8]? in
            guard let raw = Base64.decode(text), raw.count == 32, (try? Ed25519PublicKey(rawRepresentation: raw)) != nil
            else {
                reader.fail("key", "must be a base64 raw Ed25519 public key (32 bytes)")
                return nil
            }
            return raw
        }
        var parties: [String] = []
        for element in reader.array("parties") ?? [] {
            guard let party = element.value.stringValue, party.contains(":"), party.utf8.count <= 256 else {
                sink.add(field: element.path, "a party is a URI (urn:epc:id:pgln:…, https://id.gs1.org/417/…)")
                continue
            }
            parties.append(party)
        }
        guard sink.isEmpty, let id, let name, let role, let key else { return nil }
        let all = [Actor.defaultParty(id)] + parties.filter { $0 != Actor.defaultParty(id) }
        return Actor(
            id: id,
            name: name,
            role: role,
            parties: all,
            keys: [ActorKey(id: ActorKey.id(of: key), publicKey: key, validFrom: sequence)],
            registeredAt: sequence
        )
    }
}

/// What registering a facility records.
public struct FacilityDraft: Sendable {
    /// The facility's identifier, as EPCIS `bizLocation.id` names it.
    public var id: String
    /// A readable name.
    public var name: String?
    /// The operating actor.
    public var operatorID: String
    /// What it does.
    public var kind: FacilityKind
    /// ISO 3166-1 alpha-2 country.
    public var country: String
    /// ISO 3166-2 subdivision (`CN-SC`).
    public var subdivision: String?
    /// Electricity grid region, when it is not the subdivision or country.
    public var gridRegion: String?
    /// Decimal degrees, as strings; stored as a salted commitment.
    public var location: (latitude: String, longitude: String)?
    /// Due-diligence flags: `conflict-affected`, `high-risk`, `artisanal`.
    public var riskFlags: [String]

    /// Creates a draft.
    public init(
        id: String,
        name: String? = nil,
        operatorID: String,
        kind: FacilityKind,
        country: String,
        subdivision: String? = nil,
        gridRegion: String? = nil,
        location: (latitude: String, longitude: String)? = nil,
        riskFlags: [String] = []
    ) {
        self.id = id
        self.name = name
        self.operatorID = operatorID
        self.kind = kind
        self.country = country
        self.subdivision = subdivision
        self.gridRegion = gridRegion
        self.location = location
        self.riskFlags = riskFlags
    }

    var body: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "operator": .string(operatorID), "kind": .string(kind.rawValue),
            "country": .string(country),
        ]
        if let name { members["name"] = .string(name) }
        if let subdivision { members["subdivision"] = .string(subdivision) }
        if let gridRegion { members["gridRegion"] = .string(gridRegion) }
        if let location {
            members["location"] = ["latitude": .string(location.latitude), "longitude": .string(location.longitude)]
        }
        if !riskFlags.isEmpty { members["riskFlags"] = .array(riskFlags.map(JSONValue.string)) }
        return .object(members)
    }

    /// Checks what a facility registered now must satisfy beyond what ``read(_:sequence:sink:)``
    /// checks.
    ///
    /// A `name` and a `gridRegion` that are not blank and hold no control characters (`facility
    /// list` and `show`, `trace` and the declaration print them a line at a time). Facilities
    /// already in a ledger are read without it.
    static func checkAsNewInput(_ body: JSONValue, sink: ProblemSink) {
        for field in ["name", "gridRegion"] {
            if let text = body[field]?.stringValue, let problem = PrintedText.givenFieldProblem(text) {
                sink.add(field: "/" + field, problem)
            }
        }
    }

    /// Reads a `facility.register` body (in clear) into the facility it registers.
    static func read(_ body: JSONValue, sequence: UInt64, sink: ProblemSink) -> Facility? {
        let reader = FieldReader(body, problems: sink)
        let id = reader.string("id", maxLength: 256)
        if let id, id.utf8.contains(where: { $0 <= 0x20 }) {
            reader.fail("id", "must not contain spaces or control characters")
        }
        let operatorID = reader.string("operator", maxLength: 128)
        let kind = reader.string("kind").flatMap { text in
            let kind = FacilityKind(rawValue: text)
            if kind == nil { reader.fail("kind", "must be one of \(FacilityKind.list)") }
            return kind
        }
        let country = reader.string("country")
        if let country, !Country.isValid(country) {
            reader.fail("country", "an ISO 3166-1 alpha-2 code such as AU, CN, HU")
        }
        let subdivision = reader.string("subdivision", required: false)
        if let subdivision, let country, !subdivision.hasPrefix(country + "-") {
            reader.fail("subdivision", "an ISO 3166-2 code of \(country), such as \(country)-XX")
        }
        let location = reader.child("location").flatMap(Facility.coordinates)
        var flags: [String] = []
        for element in reader.array("riskFlags") ?? [] {
            guard let flag = element.value.stringValue, Facility.knownRiskFlags.contains(flag) else {
                sink.add(field: element.path, "must be one of \(Facility.knownRiskFlags.joined(separator: ", "))")
                continue
            }
            flags.append(flag)
        }
        guard sink.isEmpty, let id, let operatorID, let kind, let country else { return nil }
        return Facility(
            id: id,
            name: reader.string("name", required: false),
            operatorID: operatorID,
            kind: kind,
            country: country,
            subdivision: subdivision,
            gridRegion: reader.string("gridRegion", required: false),
            location: location,
            riskFlags: flags,
            registeredAt: sequence
        )
    }
}
