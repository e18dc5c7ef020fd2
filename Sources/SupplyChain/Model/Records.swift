public import LedgerCore
import LedgerCrypto

/// What an actor does in the battery supply chain.
public enum ActorRole: String, Sendable, Hashable, CaseIterable {
    case miner, refiner, processor
    case cellMaker = "cell-maker"
    case packMaker = "pack-maker"
    case recycler, carrier, trader, auditor
    case ledgerOperator = "operator"

    static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The kind of a facility, one per supply-chain step.
public enum FacilityKind: String, Sendable, Hashable, CaseIterable {
    case mine, refinery, precursor, cathode, anode, electrolyte, cell
    case modulePack = "module-pack"
    case recycler, warehouse

    static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// One public key of an actor and the part of the ledger in which it signs.
public struct ActorKey: Sendable, Hashable {
    /// The key's identifier: the first 8 bytes of SHA-256 of the raw key, in hex.
    public var id: String
    /// The raw 32-byte Ed25519 public key.
    public var publicKey: [UInt8]
    /// The sequence number of the entry that registered the key.
    public var validFrom: UInt64
    /// The sequence number of the entry that rotated it out or revoked it.
    public var validUntil: UInt64?
    /// Whether the key was revoked (not just rotated), and why.
    public var revocationReason: String?
    /// The sequence number of the entry that revoked it: `validUntil` for a key revoked while it
    /// signed, later for a key rotated out before it was revoked.
    public var revokedAt: UInt64?

    /// The identifier of a raw public key: the first 8 bytes of its SHA-256, in hex.
    public static func id(of publicKey: [UInt8]) -> String {
        String(SHA256.hash(publicKey).hex.prefix(16))
    }

    /// Whether the key signs for a submission recorded at `sequenceNumber`.
    public func isValid(at sequenceNumber: UInt64) -> Bool {
        sequenceNumber >= validFrom && (validUntil.map { sequenceNumber < $0 } ?? true)
    }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "ed25519": .string(Base64.encode(publicKey)),
            "validFrom": .number(Double(validFrom)),
        ]
        if let validUntil { members["validUntil"] = .number(Double(validUntil)) }
        if let revocationReason { members["revoked"] = .string(revocationReason) }
        if let revokedAt { members["revokedAt"] = .number(Double(revokedAt)) }
        return .object(members)
    }

    init(
        id: String,
        publicKey: [UInt8],
        validFrom: UInt64,
        validUntil: UInt64? = nil,
        revocationReason: String? = nil,
        revokedAt: UInt64? = nil
    ) {
        self.id = id
        self.publicKey = publicKey
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.revocationReason = revocationReason
        self.revokedAt = revokedAt
    }

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let key = json["ed25519"]?.stringValue,
            let raw = Base64.decode(key), let from = json["validFrom"]?.doubleValue
        else { return nil }
        self.init(
            id: id,
            publicKey: raw,
            validFrom: UInt64(from),
            validUntil: json["validUntil"]?.doubleValue.map { UInt64($0) },
            revocationReason: json["revoked"]?.stringValue,
            revokedAt: json["revokedAt"]?.doubleValue.map { UInt64($0) }
        )
    }
}

/// A registered actor: a company or site that submits events.
public struct Actor: Sendable, Hashable {
    /// The actor's identifier, as entries and submissions name it.
    public var id: String
    /// The legal or trading name.
    public var name: String
    /// The role.
    public var role: ActorRole
    /// Party identifiers (GS1 PGLN/GLN URIs or the actor's own URIs) that EPCIS `sourceList` and
    /// `destinationList` use for this actor; `urn:celltrace:actor:<id>` always names it too.
    public var parties: [String]
    /// Every key the actor has had, oldest first.
    public var keys: [ActorKey]
    /// The sequence number of the registering entry.
    public var registeredAt: UInt64

    /// The key that signs submissions now, if the actor has one that is not rotated out or revoked.
    public var currentKey: ActorKey? {
        keys.last.flatMap { $0.validUntil == nil ? $0 : nil }
    }

    /// The party URI that always names an actor.
    public static func defaultParty(_ id: String) -> String { "urn:celltrace:actor:" + id }

    var json: JSONValue {
        .object([
            "id": .string(id), "name": .string(name), "role": .string(role.rawValue),
            "parties": .array(parties.map(JSONValue.string)), "keys": .array(keys.map(\.json)),
            "registeredAt": .number(Double(registeredAt)),
        ])
    }

    init(id: String, name: String, role: ActorRole, parties: [String], keys: [ActorKey], registeredAt: UInt64) {
        self.id = id
        self.name = name
        self.role = role
        self.parties = parties
        self.keys = keys
        self.registeredAt = registeredAt
    }

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue,
            let role = json["role"]?.stringValue.flatMap(ActorRole.init(rawValue:)),
            let parties = json["parties"]?.arrayValue?.compactMap(\.stringValue),
            let keys = json["keys"]?.arrayValue?.compactMap(ActorKey.init(json:)),
            let registeredAt = json["registeredAt"]?.doubleValue
        else { return nil }
        self.init(id: id, name: name, role: role, parties: parties, keys: keys, registeredAt: UInt64(registeredAt))
    }
}

/// A site where material is mined, processed, assembled or recycled.
///
/// Its fields live in one shared box, copied only when a copy that shares it is changed (as a
/// ``Lot``'s): each event's checks read its facility from the batch's cache.
public struct Facility: Sendable, Hashable {
    /// The stored fields.
    fileprivate struct Fields {
        var id: String
        var name: String?
        var operatorID: String
        var kind: FacilityKind
        var country: String
        var subdivision: String?
        var gridRegion: String?
        var location: (latitude: String, longitude: String)?
        var riskFlags: [String]
        var registeredAt: UInt64
        var transfers: [FacilityTransfer] = []
        var amendments: [FacilityAmendment] = []
    }

    /// The box that copies share; only a facility that holds the box alone changes it in place.
    ///
    /// Sendable for that reason: a box another copy holds, on this thread or another, is never
    /// changed, only replaced in the copy that changes.
    private final class Storage: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var storage: Storage

    /// The fields, for a change: the box is copied first when another facility shares it.
    private var fields: Fields {
        _read { yield storage.fields }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
            yield &storage.fields
        }
    }

    /// The facility's identifier: what EPCIS events give as `bizLocation.id` (a GS1 SGLN URI, a
    /// Digital Link, or the operator's own URI).
    public var id: String {
        get { storage.fields.id }
        set { fields.id = newValue }
    }
    /// A readable name.
    public var name: String? {
        get { storage.fields.name }
        set { fields.name = newValue }
    }
    /// The operating actor's identifier.
    public var operatorID: String {
        get { storage.fields.operatorID }
        set { fields.operatorID = newValue }
    }
    /// What the facility does.
    public var kind: FacilityKind {
        get { storage.fields.kind }
        set { fields.kind = newValue }
    }
    /// ISO 3166-1 alpha-2 country code.
    public var country: String {
        get { storage.fields.country }
        set { fields.country = newValue }
    }
    /// ISO 3166-2 subdivision code (`CN-SC`), when known.
    public var subdivision: String? {
        get { storage.fields.subdivision }
        set { fields.subdivision = newValue }
    }
    /// The electricity grid region whose factor applies (`CN-SC`, `HU`, `AU-WA-SWIS`), when it
    /// differs from the country.
    public var gridRegion: String? {
        get { storage.fields.gridRegion }
        set { fields.gridRegion = newValue }
    }
    /// Latitude and longitude in decimal degrees, as strings; confidential by default.
    public var location: (latitude: String, longitude: String)? {
        get { storage.fields.location }
        set { fields.location = newValue }
    }
    /// Due-diligence flags from master data.
    ///
    /// The origin is in a conflict-affected or high-risk area (EU Batteries Regulation
    /// Art. 48–50), or the site is artisanal.
    public var riskFlags: [String] {
        get { storage.fields.riskFlags }
        set { fields.riskFlags = newValue }
    }
    /// The sequence number of the registering entry.
    public var registeredAt: UInt64 {
        get { storage.fields.registeredAt }
        set { fields.registeredAt = newValue }
    }
    /// Changes of operator (`facility.transfer` entries), oldest first; ``operatorID`` is the
    /// last one's new operator.
    public var transfers: [FacilityTransfer] {
        get { storage.fields.transfers }
        set { fields.transfers = newValue }
    }
    /// Corrections of its master data (`facility.amend` entries), oldest first; the fields above
    /// hold the last one's values.
    public var amendments: [FacilityAmendment] {
        get { storage.fields.amendments }
        set { fields.amendments = newValue }
    }

    /// The record as the ledger had it when it held its first `size` entries: the amendments and
    /// transfers recorded since are undone.
    ///
    /// Queries as of a size read a facility so, and a footprint computed then can be computed again.
    public func asOf(_ size: UInt64) -> Facility {
        guard amendments.contains(where: { $0.at >= size }) || transfers.contains(where: { $0.at >= size })
        else { return self }
        var then = self
        for amendment in amendments.reversed() where amendment.at >= size {
            for change in amendment.changes { then.set(change.field, change.before) }
        }
        then.amendments.removeAll { $0.at >= size }
        then.operatorID = operatorID(at: size)
        then.transfers.removeAll { $0.at >= size }
        return then
    }

    /// The fields a `facility.amend` entry may change.
    ///
    /// `location`, sealed in the amendment's entry as at registration, takes an object of
    /// `latitude` and `longitude` (decimal strings).
    public static let amendableFields = [
        "name", "kind", "country", "subdivision", "gridRegion", "location", "riskFlags",
    ]

    /// The value of an amendable field, `null` when the facility has none.
    func value(of field: String) -> JSONValue {
        switch field {
        case "name": return name.map(JSONValue.string) ?? .null
        case "kind": return .string(kind.rawValue)
        case "country": return .string(country)
        case "subdivision": return subdivision.map(JSONValue.string) ?? .null
        case "gridRegion": return gridRegion.map(JSONValue.string) ?? .null
        case "location":
            return location.map { ["latitude": .string($0.latitude), "longitude": .string($0.longitude)] } ?? .null
        case "riskFlags": return riskFlags.isEmpty ? .null : .array(riskFlags.map(JSONValue.string))
        default: return .null
        }
    }

    /// Sets an amendable field (`null` clears it), as ``FacilityAmendment/Change`` records it.
    mutating func set(_ field: String, _ value: JSONValue) {
        switch field {
        case "name": name = value.stringValue
        case "kind": if let kind = value.stringValue.flatMap(FacilityKind.init(rawValue:)) { self.kind = kind }
        case "country": if let country = value.stringValue { self.country = country }
        case "subdivision": subdivision = value.stringValue
        case "gridRegion": gridRegion = value.stringValue
        case "location":
            location = value["latitude"]?.stringValue.flatMap { latitude in
                value["longitude"]?.stringValue.map { (latitude, $0) }
            }
        case "riskFlags": riskFlags = value.arrayValue?.compactMap(\.stringValue) ?? []
        // A field no amendment writes, in a damaged row: left for `celltrace verify` to report.
        default: break
        }
    }

    /// The actor that operated the facility for the entry at `sequence`: the registering
    /// operator, changed by each transfer recorded before that entry.
    public func operatorID(at sequence: UInt64) -> String {
        if let last = transfers.last(where: { $0.at < sequence }) { return last.to }
        return transfers.first?.from ?? operatorID
    }

    /// Facilities are equal when every field is.
    public static func == (lhs: Facility, rhs: Facility) -> Bool {
        lhs.storage === rhs.storage || lhs.json == rhs.json
    }
    /// Hashes every field.
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }

    /// Allowed due-diligence flags.
    public static let knownRiskFlags = ["conflict-affected", "high-risk", "artisanal"]

    /// Reads `latitude` and `longitude` in decimal degrees (±90, ±180) from `position`.
    ///
    /// Each that is missing or out of range is reported there; `nil` unless both are good.
    /// Registration and amendments read coordinates so.
    static func coordinates(_ position: FieldReader) -> (latitude: String, longitude: String)? {
        var latitude = position.decimal("latitude")
        var longitude = position.decimal("longitude")
        if let value = latitude, value.doubleValue.magnitude > 90 {
            position.fail("latitude", "must be between -90 and 90 degrees (got \(value))")
            latitude = nil
        }
        if let value = longitude, value.doubleValue.magnitude > 180 {
            position.fail("longitude", "must be between -180 and 180 degrees (got \(value))")
            longitude = nil
        }
        guard let latitude, let longitude else { return nil }
        return (latitude.description, longitude.description)
    }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "operator": .string(operatorID), "kind": .string(kind.rawValue),
            "country": .string(country), "registeredAt": .number(Double(registeredAt)),
        ]
        if let name { members["name"] = .string(name) }
        if let subdivision { members["subdivision"] = .string(subdivision) }
        if let gridRegion { members["gridRegion"] = .string(gridRegion) }
        if let location {
            members["location"] = .object([
                "latitude": .string(location.latitude), "longitude": .string(location.longitude),
            ])
        }
        if !riskFlags.isEmpty { members["riskFlags"] = .array(riskFlags.map(JSONValue.string)) }
        if !transfers.isEmpty { members["transfers"] = .array(transfers.map(\.json)) }
        if !amendments.isEmpty { members["amendments"] = .array(amendments.map(\.json)) }
        return .object(members)
    }

    init(
        id: String,
        name: String?,
        operatorID: String,
        kind: FacilityKind,
        country: String,
        subdivision: String?,
        gridRegion: String?,
        location: (latitude: String, longitude: String)?,
        riskFlags: [String],
        registeredAt: UInt64
    ) {
        storage = Storage(
            Fields(
                id: id,
                name: name,
                operatorID: operatorID,
                kind: kind,
                country: country,
                subdivision: subdivision,
                gridRegion: gridRegion,
                location: location,
                riskFlags: riskFlags,
                registeredAt: registeredAt
            )
        )
    }

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let operatorID = json["operator"]?.stringValue,
            let kind = json["kind"]?.stringValue.flatMap(FacilityKind.init(rawValue:)),
            let country = json["country"]?.stringValue, let registeredAt = json["registeredAt"]?.doubleValue
        else { return nil }
        var location: (String, String)? = nil
        if let latitude = json["location"]?["latitude"]?.stringValue,
            let longitude = json["location"]?["longitude"]?.stringValue
        {
            location = (latitude, longitude)
        }
        self.init(
            id: id,
            name: json["name"]?.stringValue,
            operatorID: operatorID,
            kind: kind,
            country: country,
            subdivision: json["subdivision"]?.stringValue,
            gridRegion: json["gridRegion"]?.stringValue,
            location: location,
            riskFlags: json["riskFlags"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            registeredAt: UInt64(registeredAt)
        )
        transfers = json["transfers"]?.arrayValue?.compactMap(FacilityTransfer.init(json:)) ?? []
        amendments = json["amendments"]?.arrayValue?.compactMap(FacilityAmendment.init(json:)) ?? []
    }
}

/// A correction of a facility's master data.
///
/// It corrects a wrong grid region, subdivision, country, kind, name or due-diligence flags. The
/// registration stays; queries as of a size before the amendment read the facility as it was
/// (``Facility/asOf(_:)``).
public struct FacilityAmendment: Sendable, Hashable {
    /// One field changed, with its value before and after (`null`: the facility had none, or has
    /// none since).
    public struct Change: Sendable, Hashable {
        /// One of ``Facility/amendableFields``.
        public var field: String
        /// The value before the amendment.
        public var before: JSONValue
        /// The value from the amendment on.
        public var after: JSONValue

        /// Creates a change record.
        public init(field: String, before: JSONValue, after: JSONValue) {
            self.field = field
            self.before = before
            self.after = after
        }
    }

    /// The sequence number of the `facility.amend` entry.
    public var at: UInt64
    /// Why, as recorded.
    public var reason: String
    /// The fields it changed, in the order of ``Facility/amendableFields``.
    public var changes: [Change]

    /// `at`, `reason` and `changes` [{`field`, `before`, `after`}], as `celltrace facility list
    /// --json` prints them.
    public var json: JSONValue {
        .object([
            "at": .number(Double(at)), "reason": .string(reason),
            "changes": .array(
                changes.map { .object(["field": .string($0.field), "before": $0.before, "after": $0.after]) }
            ),
        ])
    }

    init(at: UInt64, reason: String, changes: [Change]) {
        self.at = at
        self.reason = reason
        self.changes = changes
    }

    init?(json: JSONValue) {
        guard let at = json["at"]?.doubleValue, let reason = json["reason"]?.stringValue,
            let changes = json["changes"]?.arrayValue
        else { return nil }
        self.init(
            at: UInt64(at),
            reason: reason,
            changes: changes.compactMap { change in
                guard let field = change["field"]?.stringValue else { return nil }
                return Change(field: field, before: change["before"] ?? .null, after: change["after"] ?? .null)
            }
        )
    }
}

/// A facility's change of operator: from then on only the new operator records events there.
public struct FacilityTransfer: Sendable, Hashable {
    /// The operator before the transfer.
    public var from: String
    /// The operator from the transfer on.
    public var to: String
    /// The sequence number of the `facility.transfer` entry.
    public var at: UInt64
    /// Why, as recorded (a sale, a merger, a renamed company).
    public var reason: String?

    /// `from`, `to`, `at` and `reason`, as `celltrace facility list --json` prints them.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["from": .string(from), "to": .string(to), "at": .number(Double(at))]
        if let reason { members["reason"] = .string(reason) }
        return .object(members)
    }

    /// Creates a transfer record.
    public init(from: String, to: String, at: UInt64, reason: String?) {
        self.from = from
        self.to = to
        self.at = at
        self.reason = reason
    }

    init?(json: JSONValue) {
        guard let from = json["from"]?.stringValue, let to = json["to"]?.stringValue,
            let at = json["at"]?.doubleValue
        else { return nil }
        self.init(from: from, to: to, at: UInt64(at), reason: json["reason"]?.stringValue)
    }
}

/// A lot of material: what a mine extracted or a process made, with its master data and totals.
///
/// Its fields live in one shared box, copied only when a copy that shares it is changed: an
/// import moves a lot between its checks, the batch's overlay and the rows it writes, and a copy
/// of the fields themselves would retain a dozen strings and lists each time.
public struct Lot: Sendable, Hashable {
    /// The stored fields.
    fileprivate struct Fields: Hashable {
        var id: String
        var material: String?
        var grade: String?
        var elementContent: [String: ExactDecimal]
        var countryOfOrigin: String?
        var facility: String
        var createdBy: String
        var createdAt: UInt64
        var eventTime: String
        var producedKg: ExactDecimal
        var consumedKg: ExactDecimal
        var commissionedKg: ExactDecimal = .zero
        var inputs: [String]
        var certifications: [String]
        var retractedAt: UInt64?
        var previousVersion: UInt64?
    }

    /// The box that copies share; only a lot that holds the box alone changes it in place.
    ///
    /// Sendable for that reason: a box another copy holds, on this thread or another, is never
    /// changed, only replaced in the copy that changes.
    private final class Storage: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var storage: Storage

    /// The fields, for a change: the box is copied first when another lot shares it.
    private var fields: Fields {
        _read { yield storage.fields }
        _modify {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
            yield &storage.fields
        }
    }

    /// Whether two lots hold the same fields.
    public static func == (lhs: Lot, rhs: Lot) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    /// Hashes the lot's fields.
    public func hash(into hasher: inout Hasher) { storage.fields.hash(into: &hasher) }

    /// The lot's identifier: the EPCIS `epcClass` (an LGTIN URI or Digital Link, or the maker's URI).
    public var id: String {
        get { storage.fields.id }
        set { fields.id = newValue }
    }
    /// The material (`spodumene-concentrate`, `lithium-hydroxide`, `cam-nmc811`, `cell`, …).
    public var material: String? {
        get { storage.fields.material }
        set { fields.material = newValue }
    }
    /// The grade or specification.
    public var grade: String? {
        get { storage.fields.grade }
        set { fields.grade = newValue }
    }
    /// Mass fractions of elements (`Li`, `Ni`, `Co`, `Mn`, `graphite`, …) as exact decimals.
    public var elementContent: [String: ExactDecimal] {
        get { storage.fields.elementContent }
        set { fields.elementContent = newValue }
    }
    /// ISO 3166-1 country of origin.
    public var countryOfOrigin: String? {
        get { storage.fields.countryOfOrigin }
        set { fields.countryOfOrigin = newValue }
    }
    /// The facility where the lot was made.
    public var facility: String {
        get { storage.fields.facility }
        set { fields.facility = newValue }
    }
    /// The event that made it (its `eventID`) and that event's sequence number.
    public var createdBy: String {
        get { storage.fields.createdBy }
        set { fields.createdBy = newValue }
    }
    /// The sequence number of the entry that made the lot.
    public var createdAt: UInt64 {
        get { storage.fields.createdAt }
        set { fields.createdAt = newValue }
    }
    /// The event time at which it was made (RFC 3339 UTC).
    public var eventTime: String {
        get { storage.fields.eventTime }
        set { fields.eventTime = newValue }
    }
    /// The mass made, in kilograms.
    public var producedKg: ExactDecimal {
        get { storage.fields.producedKg }
        set { fields.producedKg = newValue }
    }
    /// The mass consumed by transformations so far, in kilograms.
    public var consumedKg: ExactDecimal {
        get { storage.fields.consumedKg }
        set { fields.consumedKg = newValue }
    }
    /// For a cell lot: the mass of the cells commissioned from it so far (cells × cell mass).
    public var commissionedKg: ExactDecimal {
        get { storage.fields.commissionedKg }
        set { fields.commissionedKg = newValue }
    }
    /// The lots it was made from (direct inputs).
    public var inputs: [String] {
        get { storage.fields.inputs }
        set { fields.inputs = newValue }
    }
    /// Certificates and audit reports (`certificationInfo` URIs) recorded on the lot.
    public var certifications: [String] {
        get { storage.fields.certifications }
        set { fields.certifications = newValue }
    }
    /// Whether the event that made it was retracted, and by which entry.
    public var retractedAt: UInt64? {
        get { storage.fields.retractedAt }
        set { fields.retractedAt = newValue }
    }
    /// The number of the version this lot replaces, for a lot made again under a retracted id.
    ///
    /// A corrective event makes again the lot its erroneous event made; the version it replaces
    /// keeps its row, its lineage edges and its retraction. `nil` for a lot made for the first time.
    public var previousVersion: UInt64? {
        get { storage.fields.previousVersion }
        set { fields.previousVersion = newValue }
    }

    /// What is left: made minus consumed, and nothing once the event that made it was declared in
    /// error (``retractedAt``), which left no one holding it.
    public var balanceKg: ExactDecimal {
        retractedAt != nil ? .zero : producedKg.subtracting(consumedKg) ?? .zero
    }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "facility": .string(facility), "createdBy": .string(createdBy),
            "createdAt": .number(Double(createdAt)), "eventTime": .string(eventTime),
            "producedKg": .string(producedKg.description), "consumedKg": .string(consumedKg.description),
            "inputs": .array(inputs.map(JSONValue.string)),
            "certifications": .array(certifications.map(JSONValue.string)),
        ]
        if let material { members["material"] = .string(material) }
        if let grade { members["grade"] = .string(grade) }
        if let countryOfOrigin { members["countryOfOrigin"] = .string(countryOfOrigin) }
        if !elementContent.isEmpty {
            members["elementContent"] = .object(elementContent.mapValues { .string($0.description) })
        }
        if let retractedAt { members["retractedAt"] = .number(Double(retractedAt)) }
        if let previousVersion { members["previousVersion"] = .number(Double(previousVersion)) }
        if commissionedKg.isPositive { members["commissionedKg"] = .string(commissionedKg.description) }
        return .object(members)
    }

    /// The version byte of a lot's row in `sc.lots`: 1, or 2 for a lot made again under the id
    /// of a retracted one, whose row ends with the number of the version it replaces.
    private static let rowVersion: UInt8 = 1
    private static let remadeRowVersion: UInt8 = 2

    /// The lot's row in `sc.lots` (index layout 8): binary, in a fixed order.
    ///
    /// Like the lineage rows (``BinaryWriter``), but with varints for lengths, counts and sequence
    /// numbers and compact decimals, for a lot's row is written by every event that makes or uses
    /// it and most of its numbers are small. `retractedAt` is stored plus one, 0 for none. About
    /// three fifths of the lot's canonical JSON, and read without parsing. A lot made again
    /// (``previousVersion``) is written as version 2, with the previous version's number last.
    var row: [UInt8] {
        var writer = BinaryWriter(version: previousVersion == nil ? Self.rowVersion : Self.remadeRowVersion)
        writer.text(id)
        writer.optionalText(material)
        writer.optionalText(grade)
        writer.optionalText(countryOfOrigin)
        writer.text(facility)
        writer.text(createdBy)
        writer.varint(createdAt)
        writer.text(eventTime)
        writer.compactDecimal(producedKg)
        writer.compactDecimal(consumedKg)
        writer.compactDecimal(commissionedKg)
        writer.varint(UInt64(elementContent.count))
        for (element, fraction) in elementContent.sorted(by: { $0.key < $1.key }) {
            writer.text(element)
            writer.compactDecimal(fraction)
        }
        writer.varint(UInt64(inputs.count))
        for input in inputs { writer.text(input) }
        writer.varint(UInt64(certifications.count))
        for certificate in certifications { writer.text(certificate) }
        writer.varint(retractedAt.map { $0 + 1 } ?? 0)
        if let previousVersion { writer.varint(previousVersion) }
        return writer.bytes
    }

    /// The lot a row of `sc.lots` holds (``row``), or `nil` when it is not one.
    init?(row raw: UnsafeRawBufferPointer) {
        let remade = raw.first == Self.remadeRowVersion
        guard
            let lot = BinaryReader.read(
                raw,
                version: remade ? Self.remadeRowVersion : Self.rowVersion,
                { Self.decodeRow(&$0, remade: remade) }
            ) ?? nil
        else { return nil }
        self = lot
    }

    private static func decodeRow(_ reader: inout BinaryReader, remade: Bool) -> Lot? {
        let id = reader.text()
        let material = reader.optionalText()
        let grade = reader.optionalText()
        let countryOfOrigin = reader.optionalText()
        let facility = reader.text()
        let createdBy = reader.text()
        let createdAt = reader.varint(as: UInt64.self)
        let eventTime = reader.text()
        let produced = reader.compactDecimal()
        let consumed = reader.compactDecimal()
        let commissioned = reader.compactDecimal()
        var content: [String: ExactDecimal] = [:]
        guard let elements = reader.count() else { return nil }
        for _ in 0..<elements {
            let element = reader.text()
            content[element] = reader.compactDecimal()
        }
        guard let inputCount = reader.count() else { return nil }
        var inputs: [String] = []
        inputs.reserveCapacity(inputCount)
        for _ in 0..<inputCount { inputs.append(reader.text()) }
        guard let certificationCount = reader.count() else { return nil }
        var certifications: [String] = []
        certifications.reserveCapacity(certificationCount)
        for _ in 0..<certificationCount { certifications.append(reader.text()) }
        let retracted = reader.varint(as: UInt64.self)
        var lot = Lot(
            id: id,
            material: material,
            grade: grade,
            elementContent: content,
            countryOfOrigin: countryOfOrigin,
            facility: facility,
            createdBy: createdBy,
            createdAt: createdAt,
            eventTime: eventTime,
            producedKg: produced,
            inputs: inputs
        )
        lot.consumedKg = consumed
        lot.commissionedKg = commissioned
        lot.certifications = certifications
        lot.retractedAt = retracted == 0 ? nil : retracted - 1
        if remade { lot.previousVersion = reader.varint(as: UInt64.self) }
        return lot
    }

    init(
        id: String,
        material: String?,
        grade: String?,
        elementContent: [String: ExactDecimal],
        countryOfOrigin: String?,
        facility: String,
        createdBy: String,
        createdAt: UInt64,
        eventTime: String,
        producedKg: ExactDecimal,
        inputs: [String],
        previousVersion: UInt64? = nil
    ) {
        storage = Storage(
            Fields(
                id: id,
                material: material,
                grade: grade,
                elementContent: elementContent,
                countryOfOrigin: countryOfOrigin,
                facility: facility,
                createdBy: createdBy,
                createdAt: createdAt,
                eventTime: eventTime,
                producedKg: producedKg,
                consumedKg: .zero,
                inputs: inputs,
                certifications: [],
                retractedAt: nil,
                previousVersion: previousVersion
            )
        )
    }
}

/// A lineage edge: mass of one lot that went into another through one event.
public struct LineageEdge: Sendable, Hashable {
    /// The input lot.
    public var from: String
    /// The output lot.
    public var to: String
    /// Kilograms of `from` attributed to `to` (the input's consumed mass shared by output mass).
    public var kg: ExactDecimal
    /// The sequence number of the event's entry.
    public var sequenceNumber: UInt64
    /// The event's `eventID`.
    public var eventID: String

    var json: JSONValue {
        .object([
            "from": .string(from), "to": .string(to), "kg": .string(kg.description),
            "seq": .number(Double(sequenceNumber)), "event": .string(eventID),
        ])
    }

    /// The version byte of an edge's row in `sc.edges.up` and `sc.edges.down`.
    private static let rowVersion: UInt8 = 1

    /// The edge's row in `sc.edges.up` and `sc.edges.down` (index layout 8): binary, as a lot's row
    /// (``Lot/row``), the mass first so that a walk that wants only the mass reads it at once.
    ///
    /// `kg` (compact decimal), the sequence number (varint), then `eventID`, `from` and `to` (texts).
    var row: [UInt8] {
        var writer = BinaryWriter(version: Self.rowVersion)
        writer.compactDecimal(kg)
        writer.varint(sequenceNumber)
        writer.text(eventID)
        writer.text(from)
        writer.text(to)
        return writer.bytes
    }

    /// The edge a row of `sc.edges.up` or `sc.edges.down` holds (``row``), or `nil` when it is not one.
    init?(row raw: UnsafeRawBufferPointer) {
        guard
            let edge = BinaryReader.read(
                raw,
                version: Self.rowVersion,
                { reader in
                    let kg = reader.compactDecimal()
                    let sequence = reader.varint(as: UInt64.self)
                    let eventID = reader.text()
                    let from = reader.text()
                    return LineageEdge(
                        from: from,
                        to: reader.text(),
                        kg: kg,
                        sequenceNumber: sequence,
                        eventID: eventID
                    )
                }
            )
        else { return nil }
        self = edge
    }

    init(from: String, to: String, kg: ExactDecimal, sequenceNumber: UInt64, eventID: String) {
        self.from = from
        self.to = to
        self.kg = kg
        self.sequenceNumber = sequenceNumber
        self.eventID = eventID
    }
}

/// A range of cell serial numbers commissioned from one cell lot.
public struct SerialRange: Sendable, Hashable {
    /// The serials' common prefix: an SGTIN without its serial (`urn:epc:id:sgtin:4012345.011111.`)
    /// or another URI prefix.
    public var prefix: String
    /// The first serial number in the range.
    public var first: UInt64
    /// The last serial number in the range (inclusive).
    public var last: UInt64
    /// The cell lot the cells were made in.
    public var lot: String
    /// Each cell's mass in kilograms.
    public var cellMassKg: ExactDecimal
    /// Each cell's nominal energy in kWh.
    public var nominalEnergyKWh: ExactDecimal
    /// The battery model, when the commissioning event names one.
    public var model: String?
    /// The sequence number and `eventID` of the commissioning event.
    public var commissionedAt: UInt64
    /// The commissioning event's `eventID`.
    public var eventID: String
    /// Set when the commissioning was retracted.
    public var retractedAt: UInt64?

    /// How many serials the range holds.
    public var count: UInt64 { last - first + 1 }

    /// The range as people write it: the prefix, the first serial, a dash, the last
    /// (`urn:epc:id:sgtin:5990001.081100.1–50000`).
    public var text: String { "\(prefix)\(first)–\(last)" }

    /// Whether the ledger had the range when it held its first `size` entries: commissioned
    /// before, and not declared in error before.
    public func stood(asOf size: UInt64) -> Bool {
        commissionedAt < size && retractedAt.map { $0 >= size } ?? true
    }

    /// Whether `serial` (its prefix and decimal number, as the ledger keys serials) is one of
    /// the range's.
    ///
    /// - Parameter serial: A cell serial.
    /// - Returns: Whether the range holds it.
    public func contains(serial: String) -> Bool {
        guard let (prefix, number) = SerialNumber.split(serial) else { return false }
        return prefix == self.prefix && first <= number && number <= last
    }

    /// The mass of all its cells.
    public var totalMassKg: ExactDecimal {
        cellMassKg.multiplied(by: ExactDecimal(Int(clamping: count))) ?? .zero
    }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "prefix": .string(prefix), "first": .string(String(first)), "last": .string(String(last)),
            "lot": .string(lot), "cellMassKg": .string(cellMassKg.description),
            "nominalEnergyKWh": .string(nominalEnergyKWh.description), "seq": .number(Double(commissionedAt)),
            "event": .string(eventID),
        ]
        if let model { members["model"] = .string(model) }
        if let retractedAt { members["retractedAt"] = .number(Double(retractedAt)) }
        return .object(members)
    }

    init(
        prefix: String,
        first: UInt64,
        last: UInt64,
        lot: String,
        cellMassKg: ExactDecimal,
        nominalEnergyKWh: ExactDecimal,
        model: String?,
        commissionedAt: UInt64,
        eventID: String
    ) {
        self.prefix = prefix
        self.first = first
        self.last = last
        self.lot = lot
        self.cellMassKg = cellMassKg
        self.nominalEnergyKWh = nominalEnergyKWh
        self.model = model
        self.commissionedAt = commissionedAt
        self.eventID = eventID
    }

    init?(json: JSONValue) {
        guard let prefix = json["prefix"]?.stringValue, let first = json["first"]?.stringValue.flatMap({ UInt64($0) }),
            let last = json["last"]?.stringValue.flatMap({ UInt64($0) }), let lot = json["lot"]?.stringValue,
            let mass = json["cellMassKg"]?.stringValue.flatMap({ ExactDecimal($0) }),
            let energy = json["nominalEnergyKWh"]?.stringValue.flatMap({ ExactDecimal($0) }),
            let seq = json["seq"]?.doubleValue, let event = json["event"]?.stringValue
        else { return nil }
        self.init(
            prefix: prefix,
            first: first,
            last: last,
            lot: lot,
            cellMassKg: mass,
            nominalEnergyKWh: energy,
            model: json["model"]?.stringValue,
            commissionedAt: UInt64(seq),
            eventID: event
        )
        self.retractedAt = json["retractedAt"]?.doubleValue.map { UInt64($0) }
    }
}
