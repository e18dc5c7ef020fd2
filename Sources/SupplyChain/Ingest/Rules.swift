import LedgerCore
import LedgerCrypto
import LedgerStorage

/// The supply-chain rules: checks an event against the state and, when it passes, applies its
/// effects to the indexes.
///
/// The same code validates an import and rebuilds the indexes in the audit, so what is indexed is
/// by construction what the entries say.
struct Rules {
    var store: StateStore
    /// Facilities read so far; a facility changes only by a transfer or an amendment, which
    /// updates it here too (``keep(_:)``), and every event of a submission names one.
    private var facilities: [String: Facility] = [:]

    /// Lots' event times as milliseconds, by text: the lots a batch uses are few beside its
    /// events, and each use checks the event against the time its lot was made.
    private var madeTimes: [String: Int64] = [:]

    /// The lots that a refused event of the batch would have made, with that event's index.
    var refusedMakers: [String: Int] = [:]

    /// The events of the batch the rules accepted, as (sequence number, index in the submission),
    /// sequence numbers rising: a lot or serial range made earlier in the same submission is named
    /// by that event's index, which the sender can find, rather than by an eventID it may not
    /// have written (a hash ID) in a ledger it was not yet written to.
    var acceptedEvents: [(sequence: UInt64, index: Int)] = []

    /// The index in this submission of the event accepted with sequence number `sequence`, when
    /// the batch accepted one.
    func submissionIndex(ofSequence sequence: UInt64) -> Int? {
        let at = acceptedEvents.partitionPoint { $0.sequence >= sequence }
        return at < acceptedEvents.count && acceptedEvents[at].sequence == sequence ? acceptedEvents[at].index : nil
    }

    /// How a message names the event recorded at entry `sequence`: `event N of this submission`
    /// when the batch accepted it, whose entry the ledger does not hold yet, and `entry N` otherwise.
    func entryNamed(_ sequence: UInt64) -> String {
        submissionIndex(ofSequence: sequence).map { "event \($0) of this submission" } ?? "entry \(sequence)"
    }

    /// The serial ranges that a refused commissioning of the batch would have commissioned, by
    /// prefix, and the modules and packs that a refused assembly would have put together, each
    /// with that event's index: a later assembly of one is told why it is unknown.
    var refusedRanges: [String: [(first: UInt64, last: UInt64, index: Int)]] = [:]
    var refusedAssemblies: [String: Int] = [:]

    /// The lots (by number) and actors that a standing shipment of the lot went to.
    ///
    /// Found by ``shipped(_:number:to:)`` and kept as the batch ships, so that a maker receiving
    /// its lot back a thousand times looks through the lot's shipments once. A declaration in
    /// error may withdraw a shipment, and forgets them.
    var shippedTo: Set<String> = []
    /// The lots (by number) and actors that no standing shipment of the lot went to, as
    /// ``shippedTo`` keeps those that one did.
    var notShippedTo: Set<String> = []

    /// The shipments and receipts of a lot (by number) between its shippers and an actor.
    ///
    /// Each ``ReceiptCustody`` is read at the actor's first receipt of the lot in the batch and
    /// kept as it records more. A shipment of the lot to the actor forgets its entry, and a
    /// declaration in error forgets them all.
    var receiptCustodies: [String: ReceiptCustody] = [:]

    /// Notes that the batch shipped lot number `number` to `actor`.
    mutating func noteShipment(ofLot number: UInt64, to actor: String) {
        let key = "\(number) \(actor)"
        notShippedTo.remove(key)
        shippedTo.insert(key)
        receiptCustodies[key] = nil
    }

    /// The lots an event of the batch used that the ledger does not have, or has retracted, with
    /// the positions of the problems that said so: a later event of the batch that makes one
    /// (again, or in its other GS1 form) is named in them (``ProblemSink/amend(_:with:)``).
    var unknownLots: [String: (retracted: Bool, problems: [Int])] = [:]

    /// The cells, modules and packs an assembly or disassembly of the batch named that neither
    /// the ledger nor an event before it has, with the positions of the problems that said so: a
    /// later event of the batch that commissions or assembles one is named in them.
    var unknownUnits: [String: [Int]] = [:]

    /// The actors that made the lots shipped so far, by the sequence number of the event that
    /// made them (``Lot/createdAt``): one event makes many lots.
    var makers: [UInt64: String] = [:]

    /// Whether the records are being recorded now, not replayed from the ledger.
    ///
    /// New records meet checks added after entries were recorded: country codes ISO 3166-1
    /// assigns (``Country/problem(assigning:)``), identifiers' forms, and a lot used, shipped or
    /// received no earlier than it reached its holder (``Holding/since``). A replay checks what
    /// the entries' own time checked, so that entries recorded before these checks still rebuild
    /// the indexes.
    var checksNewInput = false

    /// Warnings on new input that only the rules can give (a unit shipment's legs weighed against
    /// its units), which the submission reports and clears after each event.
    var warnings: [SupplyChainError.Problem] = []

    /// A buffer for an identifier's bytes, reused from one new lot to the next (``GS1Forms``).
    var idBytes: [UInt8] = []

    /// Whether a lot whose id is a GS1 Digital Link is in the ledger or this batch, once asked:
    /// only then can a lot given as an EPC URN exist already in the other form (``GS1Forms``).
    var linkedLotsExist: Bool?

    /// Whether `sc.event-hashes` has a row, in the ledger or this batch, once asked: until an
    /// event with an eventID of its own is recorded, an event without one is not looked up there.
    var eventHashesExist: Bool?

    /// The attestations' signatures, each with the entry that holds it: read from the ledger and
    /// the batch once, at the first attestation, then kept as more are recorded, so that an audit
    /// replaying many attestations reads the table once rather than once each.
    private var statements: [[UInt8]: UInt64]?

    init(store: StateStore) {
        self.store = store
    }

    /// The milliseconds of a lot's event time (RFC 3339), parsed once per batch.
    mutating func madeTime(_ text: String) -> Int64? {
        if let milliseconds = madeTimes[text] { return milliseconds }
        guard let milliseconds = EventTime.utcMilliseconds(text) else { return nil }
        if madeTimes.count >= 4096 { madeTimes.removeAll(keepingCapacity: true) }
        madeTimes[text] = milliseconds
        return milliseconds
    }

    // MARK: Reads

    func actor(_ id: String, _ txn: borrowing ReadTransaction) throws -> Actor? {
        try store.json(.actors, IndexKey.text(id), txn).flatMap(Actor.init(json:))
    }

    func facility(_ id: String, _ txn: borrowing ReadTransaction) throws -> Facility? {
        try store.json(.facilities, IndexKey.text(id), txn).flatMap(Facility.init(json:))
    }

    /// The actor other than `actorID` that has or had the key `keyID`.
    ///
    /// One key signs for one actor only, or whoever holds it could submit as either. Actors are few
    /// and keys change seldom, so the actors are read one by one rather than through an index of
    /// their keys.
    func actor(withKey keyID: String, other actorID: String, _ txn: borrowing ReadTransaction) throws -> String? {
        try firstActorID(txn) { id, row in
            guard id != actorID, let actor = Actor(json: try JSONValue(parsing: row)) else { return false }
            return actor.keys.contains { $0.id == keyID }
        }
    }

    /// The actor whose id is `id` in other capitals, when one is registered: two such ids read as
    /// one in a table or a command line, and `append --actor` already takes them so.
    func actor(spelledOtherwise id: String, _ txn: borrowing ReadTransaction) throws -> String? {
        let folded = id.lowercased()
        return try firstActorID(txn) { other, _ in other != id && other.lowercased() == folded }
    }

    /// The id of the first registered actor, in id order, whose id and row `matches`.
    ///
    /// Actors are few, so they are read one by one rather than through an index of what is asked.
    private func firstActorID(
        _ txn: borrowing ReadTransaction,
        where matches: (String, [UInt8]) throws -> Bool
    ) throws -> String? {
        var probe: [UInt8] = [0]  // LMDB seeks with a key of one byte at least
        while let row = try store.seek(.actors, atLeast: probe, txn) {
            let id = String(decoding: row.key, as: UTF8.self)
            if try matches(id, row.value) { return id }
            probe = row.key + [0]
        }
        return nil
    }

    /// A registered facility, decoded once per batch.
    mutating func knownFacility(_ id: String, _ txn: borrowing ReadTransaction) throws -> Facility? {
        if let facility = facilities[id] { return facility }
        let facility = try facility(id, txn)
        facilities[id] = facility
        return facility
    }

    func lot(_ id: String, _ txn: borrowing ReadTransaction) throws -> Lot? {
        try store.lot(id, txn)
    }

    /// The id under which the ledger has the lot `id` names in another form (``GS1Forms``).
    func lotInOtherForm(_ id: String, _ txn: borrowing ReadTransaction) throws -> String? {
        for form in GS1Forms.ofLot(id) where try lot(form, txn) != nil { return form }
        return nil
    }

    /// The id under which the ledger has the cell, module or pack that `unit` names in its other
    /// GS1 form (``GS1Forms``): a commissioned cell, or an assembled unit by its SGTIN, GIAI or
    /// SSCC.
    func unitInOtherForm(_ unit: String, _ txn: borrowing ReadTransaction) throws -> String? {
        // A module or pack named by a GIAI or an SSCC of its own.
        for form in GS1Forms.ofUnitKey(unit) where try store.hasParent(form, txn) { return form }
        guard let (prefix, number) = SerialNumber.split(unit) else { return nil }
        for form in GS1Forms.ofSerialPrefix(prefix) {
            let serial = form + String(number)
            if try serialRange(containing: serial, txn) != nil || store.hasParent(serial, txn) { return serial }
        }
        return nil
    }

    /// The id under which the ledger has the facility `id` names in another form (``GS1Forms``).
    func facilityInOtherForm(_ id: String, _ txn: borrowing ReadTransaction) throws -> String? {
        for form in GS1Forms.ofLocation(id) where try facility(form, txn) != nil { return form }
        return nil
    }

    func holding(_ lot: String, _ actor: String, _ txn: borrowing ReadTransaction) throws -> Holding {
        try store.holding(lot, actor, txn)
    }

    func actorID(forParty party: String, _ txn: borrowing ReadTransaction) throws -> String? {
        try store.raw(.parties, IndexKey.text(party), txn).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The sequence number of the entry that recorded `eventID`.
    func eventSequence(_ eventID: String, _ txn: borrowing ReadTransaction) throws -> UInt64? {
        try eventSequence(key: IndexKey.eventID(eventID), txn)
    }

    /// The sequence number of the event whose `sc.event-ids` key (``IndexKey/eventID(_:)``) is `key`.
    func eventSequence(key: [UInt8], _ txn: borrowing ReadTransaction) throws -> UInt64? {
        try store.raw(.eventIDs, key, txn).flatMap { IndexKey.sequence(in: $0) }
    }

    /// The record of the event recorded under `eventID`, or, when none is, of the event whose
    /// hash ID `eventID` is, recorded under an eventID of its own.
    func eventRecord(_ eventID: String, _ txn: borrowing ReadTransaction) throws -> JSONValue? {
        let key = IndexKey.eventID(eventID)
        if let record = try eventRecord(key: key, txn) { return record }
        guard let same = try store.eventByHashID(key: key, txn) else { return nil }
        return try store.json(.events, IndexKey.sequence(same.sequence), txn)
    }

    /// The event recorded that `event`, not in the ledger under its own eventID, repeats under
    /// another eventID, or without one.
    ///
    /// - Parameters:
    ///   - event: The event.
    ///   - eventIDKey: The `sc.event-ids` key of its eventID.
    ///   - hashIDKey: The key of its hash ID, when the workers made it.
    ///   - txn: The snapshot under the pending writes.
    /// - Returns: The recorded event's entry sequence number and eventID, or `nil`.
    /// - Throws: Storage errors.
    mutating func recordedSame(
        as event: EPCISEvent,
        eventIDKey: [UInt8],
        hashIDKey: [UInt8]?,
        _ txn: borrowing ReadTransaction
    ) throws -> (sequence: UInt64, eventID: String)? {
        // Without an eventID of its own, its eventID is its hash ID.
        guard event.eventID != event.hashID else {
            if eventHashesExist == nil { eventHashesExist = try store.hasRows(.eventHashes, txn) }
            guard eventHashesExist == true else { return nil }
            return try store.eventByHashID(key: eventIDKey, txn)
        }
        let key = hashIDKey ?? IndexKey.eventID(event.hashID)
        // Recorded without an eventID of its own; an eventID that only looks like the hash ID
        // names a different event.
        if let sequence = try eventSequence(key: key, txn),
            try store.json(.events, IndexKey.sequence(sequence), txn)?["hash"]?.stringValue == event.hashID
        {
            return (sequence, event.hashID)
        }
        return try store.eventByHashID(key: key, txn)
    }

    /// The record of the event that `event`, an error declaration, declares in error
    /// (``declaredSequence(of:eventIDKey:_:)``).
    func declaredRecord(
        of event: EPCISEvent,
        eventIDKey: [UInt8]? = nil,
        _ txn: borrowing ReadTransaction
    ) throws -> JSONValue? {
        guard let sequence = try declaredSequence(of: event, eventIDKey: eventIDKey, txn) else { return nil }
        return try store.json(.events, IndexKey.sequence(sequence), txn)
    }

    /// The sequence number of the event that `event`, an error declaration, declares in error:
    /// the one recorded under its eventID, or, for a declaration without an eventID of its own,
    /// the one with its hash ID recorded under an eventID of its own.
    func declaredSequence(
        of event: EPCISEvent,
        eventIDKey: [UInt8]? = nil,
        _ txn: borrowing ReadTransaction
    ) throws -> UInt64? {
        let key = eventIDKey ?? IndexKey.eventID(event.eventID)
        if let sequence = try eventSequence(key: key, txn) { return sequence }
        guard event.eventID == event.hashID else { return nil }
        return try store.eventByHashID(key: key, txn)?.sequence
    }

    /// The record of the event whose `sc.event-ids` key (``IndexKey/eventID(_:)``) is `key`.
    func eventRecord(key: [UInt8], _ txn: borrowing ReadTransaction) throws -> JSONValue? {
        guard let sequence = try eventSequence(key: key, txn) else { return nil }
        return try store.json(.events, IndexKey.sequence(sequence), txn)
    }

    /// The serial range holding `serial` (`prefix` + decimal number), if one was commissioned.
    func serialRange(containing serial: String, _ txn: borrowing ReadTransaction) throws -> SerialRange? {
        guard let (prefix, number) = SerialNumber.split(serial) else { return nil }
        guard let row = try store.seek(.serials, atLeast: IndexKey.serial(prefix: prefix, last: number), txn),
            row.key.starts(with: Array(prefix.utf8) + [0]), row.key.count == prefix.utf8.count + 9,
            let range = SerialRange(json: try JSONValue(parsing: row.value)), range.first <= number
        else { return nil }
        return range
    }

    // MARK: Writes

    mutating func setHolding(
        _ lot: String,
        _ actor: String,
        _ holding: Holding,
        _ txn: borrowing ReadTransaction
    ) throws {
        try store.setHolding(lot, actor, holding, txn)
    }

    /// Writes a lot that exists; returns its number.
    @discardableResult
    mutating func putLot(_ lot: consuming Lot, _ txn: borrowing ReadTransaction) throws -> UInt64 {
        try store.putLot(lot, txn)
    }

    /// Writes a lot this event makes, and its card; returns the lot's number.
    @discardableResult
    mutating func putNewLot(
        _ lot: consuming Lot,
        inputs: [LineageEdge],
        inputNumbers: [UInt64],
        _ txn: borrowing ReadTransaction
    ) throws -> UInt64 {
        let card = LotCard.encoded(madeOf: lot, inputs: inputs, inputNumbers: inputNumbers)
        let number = try store.putNewLot(consume lot, txn)
        store.put(.lineage, IndexKey.sequence(number), card)
        return number
    }

    // MARK: Master data

    /// Registers an actor read from `body`, unless its id, its key or one of its parties is taken
    /// (``checkActorReferences(id:keyIDs:parties:body:sink:_:)``).
    mutating func registerActor(
        _ actor: Actor,
        body: JSONValue,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        try checkActorReferences(
            id: actor.id,
            keyIDs: actor.keys.map(\.id),
            parties: actor.parties,
            body: body,
            sink: sink,
            txn
        )
        guard sink.isEmpty else { return }
        store.put(.actors, IndexKey.text(actor.id), json: actor.json)
        for party in actor.parties {
            store.put(.parties, IndexKey.text(party), Array(actor.id.utf8))
        }
    }

    /// Checks a new actor's id, keys and parties against the actors registered.
    ///
    /// The id must not be registered yet (when it is, nothing else is looked up); no other actor
    /// may have or have had one of the keys, nor be named by one of the parties. A taken party is
    /// named where `body` lists it; the party every actor has (``Actor/defaultParty(_:)``), when
    /// `body` does not list it, is named by `/id`, which makes it. Checked also of an actor whose
    /// other fields are wrong, so that every problem is reported at once: an empty id is the
    /// shape's problem, and is not looked up.
    func checkActorReferences(
        id: String,
        keyIDs: [String],
        parties: [String],
        body: JSONValue,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        if !id.isEmpty, try actor(id, txn) != nil {
            sink.add(field: "/id", "actor \(id) is already registered")
            return
        }
        if checksNewInput, !id.isEmpty, let other = try actor(spelledOtherwise: id, txn) {
            sink.add(field: "/id", "actor \(other) is registered: \(id) is its id in other capitals")
            return
        }
        for keyID in keyIDs {
            if let other = try actor(withKey: keyID, other: id, txn) {
                sink.add(field: "/key", "key \(keyID) is actor \(other)'s; one key signs for one actor only")
            }
        }
        let listed = body["parties"]?.arrayValue ?? []
        for party in parties {
            let field = listed.firstIndex { $0.stringValue == party }.map { "/parties/\($0)" } ?? "/id"
            if let other = try actorID(forParty: party, txn) {
                sink.add(field: field, "party \(party) already names actor \(other)")
            } else if checksNewInput {
                // The same GLN in its other GS1 form: a shipment to either would go to one actor.
                for form in GS1Forms.ofParty(party) {
                    guard let other = try actorID(forParty: form, txn) else { continue }
                    sink.add(
                        field: field,
                        "party \(party) is \(form), the same GLN in another form, which names actor \(other)"
                    )
                    break
                }
            }
        }
    }

    /// Applies an `actor.key-rotate` or `actor.key-revoke` body, as written or as replayed.
    mutating func applyKeyChange(
        type: String,
        body: JSONValue,
        sequence: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let rotation = type == SupplyChainLedger.EntryType.actorKeyRotate
        if checksNewInput, let reason = body["reason"]?.stringValue, let problem = PrintedText.problem(reason) {
            // `actor list` prints a revocation's reason on the key's line.
            sink.add(field: "/reason", problem)
        }
        let newKey = body["key"]?.stringValue.flatMap { Base64.decode($0) }
        if rotation && newKey?.count != 32 {
            sink.add(field: "/key", "must be a base64 raw Ed25519 public key (32 bytes)")
            return
        }
        try changeKey(
            actorID: body["actor"]?.stringValue ?? "",
            newKey: rotation ? newKey : nil,
            revokedKeyID: rotation ? nil : body["keyID"]?.stringValue,
            reason: body["reason"]?.stringValue,
            sequence: sequence,
            sink: sink,
            txn
        )
    }

    /// Rotates an actor's key (`newKey` given) or revokes its current key (`reason` given).
    mutating func changeKey(
        actorID: String,
        newKey: [UInt8]?,
        revokedKeyID: String?,
        reason: String?,
        sequence: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        guard var actor = try actor(actorID, txn) else {
            sink.add(field: "/actor", "no actor \(actorID) is registered")
            return
        }
        if let revokedKeyID {
            guard let index = actor.keys.firstIndex(where: { $0.id == revokedKeyID }) else {
                sink.add(field: "/keyID", "actor \(actorID) has no key \(revokedKeyID)")
                return
            }
            guard actor.keys[index].revocationReason == nil else {
                sink.add(field: "/keyID", "key \(revokedKeyID) of \(actorID) is already revoked")
                return
            }
            actor.keys[index].validUntil = min(actor.keys[index].validUntil ?? sequence, sequence)
            actor.keys[index].revocationReason = reason ?? "revoked"
            actor.keys[index].revokedAt = sequence
        }
        if let newKey {
            let id = ActorKey.id(of: newKey)
            guard !actor.keys.contains(where: { $0.id == id }) else {
                sink.add(field: "/key", "actor \(actorID) already had key \(id); a rotation needs a new key")
                return
            }
            if let other = try self.actor(withKey: id, other: actorID, txn) {
                sink.add(field: "/key", "key \(id) is actor \(other)'s; one key signs for one actor only")
                return
            }
            if let last = actor.keys.indices.last, actor.keys[last].validUntil == nil {
                actor.keys[last].validUntil = sequence
            }
            actor.keys.append(ActorKey(id: id, publicKey: newKey, validFrom: sequence))
        }
        store.put(.actors, IndexKey.text(actor.id), json: actor.json)
    }

    mutating func registerFacility(_ facility: Facility, sink: ProblemSink, _ txn: borrowing ReadTransaction) throws {
        try checkFacilityReferences(
            id: facility.id,
            operatorID: facility.operatorID,
            country: facility.country,
            sink: sink,
            txn
        )
        if checksNewInput, let subdivision = facility.subdivision,
            let problem = Subdivision.problem(subdivision, of: facility.country)
        {
            sink.add(field: "/subdivision", problem)
        }
        if checksNewInput, let lower = IdentifierText.lowerCaseForm(facility.id) {
            sink.add(field: "/id", IdentifierText.lowerCaseProblem(facility.id, lower))
        } else if checksNewInput, let problem = GS1Forms.problem(ofLocation: facility.id) {
            sink.add(field: "/id", "facility \(facility.id) \(problem)")
        }
        if checksNewInput, let form = try facilityInOtherForm(facility.id, txn) {
            sink.add(
                field: "/id",
                "facility \(facility.id) is already registered as \(form), the same GLN in another form"
            )
        }
        guard sink.isEmpty else { return }
        store.put(.facilities, IndexKey.text(facility.id), json: facility.json)
    }

    /// Applies a `facility.transfer` body (`id`, `operator`, optional `reason`), as written or as
    /// replayed: the facility's operator is the new one for every entry after this one.
    mutating func transferFacility(
        _ body: JSONValue,
        sequence: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let reader = FieldReader(body, problems: sink)
        let id = reader.string("id", maxLength: 256)
        let newOperator = reader.string("operator", maxLength: 128)
        let reason = reader.string("reason", required: false, maxLength: 1024)
        if checksNewInput, let reason, let problem = PrintedText.problem(reason) {
            // `facility show` prints each transfer's reason on a line of its history.
            sink.add(field: "/reason", problem)
        }
        // The facility and the new operator are each looked up, so that a problem in each is reported.
        let found = try id.flatMap { try registeredFacility($0, sink: sink, txn) }
        if let newOperator {
            if try actor(newOperator, txn) == nil {
                sink.add(field: "/operator", "no actor \(newOperator) is registered; add it with `celltrace actor add`")
            } else if let found, newOperator == found.operatorID {
                sink.add(field: "/operator", "facility \(found.id) is already operated by \(newOperator)")
            }
        }
        guard sink.isEmpty, let newOperator, var facility = found else { return }
        facility.transfers.append(
            FacilityTransfer(from: facility.operatorID, to: newOperator, at: sequence, reason: reason)
        )
        facility.operatorID = newOperator
        keep(facility)
    }

    /// Writes a transferred or amended facility's row, and keeps it for the batch's later events.
    private mutating func keep(_ facility: Facility) {
        facilities[facility.id] = facility
        store.put(.facilities, IndexKey.text(facility.id), json: facility.json)
    }

    /// The facility a transfer or amendment names, or a problem at `/id` saying it is not registered.
    private func registeredFacility(
        _ id: String,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws -> Facility? {
        if let facility = try facility(id, txn) { return facility }
        if let form = try facilityInOtherForm(id, txn) {
            sink.add(field: "/id", "no facility \(id) is registered; the same GLN is registered as \(form)")
        } else {
            sink.add(field: "/id", "no facility \(id) is registered")
        }
        return nil
    }

    /// Checks a new facility's id, operator and country beyond their shape.
    ///
    /// The id must not be registered yet, the operator must be, and the country must be assigned.
    /// Checked also of a facility whose other fields are wrong, so that every problem is reported
    /// at once; an empty value is the shape's problem, and is not looked up.
    func checkFacilityReferences(
        id: String,
        operatorID: String,
        country: String,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        // A field whose shape is already reported is not looked up too.
        if !id.isEmpty, !sink.names("/id"), try facility(id, txn) != nil {
            sink.add(field: "/id", "facility \(id) is already registered")
        }
        if !operatorID.isEmpty, !sink.names("/operator"), try actor(operatorID, txn) == nil {
            sink.add(field: "/operator", "no actor \(operatorID) is registered; add it with `celltrace actor add`")
        }
        if checksNewInput, !country.isEmpty, !sink.names("/country"), let problem = Country.problem(assigning: country)
        {
            sink.add(field: "/country", problem)
        }
    }

    /// Applies a `facility.amend` body, as written or as replayed.
    ///
    /// The body gives `id`, `reason`, and a new value for each field it corrects (`null` clears an
    /// optional one). A field given its current value is no change; an amendment that changes
    /// nothing is refused.
    mutating func amendFacility(
        _ body: JSONValue,
        sequence: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let reader = FieldReader(body, problems: sink)
        let id = reader.string("id", maxLength: 256)
        let reason = reader.string("reason", maxLength: 1024)
        if checksNewInput, let reason, let problem = PrintedText.problem(reason) {
            // `facility show` prints each amendment's reason on a line of its history.
            sink.add(field: "/reason", problem)
        }
        for key in body.objectValue?.keys ?? [] where !["id", "reason"].contains(key) {
            guard !Facility.amendableFields.contains(key) else { continue }
            let hint =
                key == "operator"
                ? "a new operator is recorded with `celltrace facility transfer`"
                : "a facility amendment changes \(Facility.amendableFields.joined(separator: ", "))"
            sink.add(field: "/" + key, "is not a field a facility amendment changes: \(hint)")
        }
        guard let id, let reason, var facility = try registeredFacility(id, sink: sink, txn) else { return }
        var changes: [FacilityAmendment.Change] = []
        for field in Facility.amendableFields {
            guard let value = body[field] else { continue }
            guard let after = checkedAmendment(field, value, of: facility, body: body, sink: sink) else { continue }
            let before = facility.value(of: field)
            if before != after { changes.append(FacilityAmendment.Change(field: field, before: before, after: after)) }
        }
        guard sink.isEmpty else { return }
        for change in changes { facility.set(change.field, change.after) }
        if let subdivision = facility.subdivision, !subdivision.hasPrefix(facility.country + "-") {
            sink.add(
                field: body["subdivision"] == nil ? "/country" : "/subdivision",
                "subdivision \(subdivision) is not one of \(facility.country): amend the subdivision with the country"
            )
        }
        if changes.isEmpty {
            sink.add(field: "/id", "the amendment changes nothing: every field it gives has that value already")
        }
        guard sink.isEmpty else { return }
        facility.amendments.append(FacilityAmendment(at: sequence, reason: reason, changes: changes))
        keep(facility)
    }

    /// An amended field's new value, checked as registration checks it; `nil` after a problem.
    private func checkedAmendment(
        _ field: String,
        _ value: JSONValue,
        of facility: Facility,
        body: JSONValue,
        sink: ProblemSink
    ) -> JSONValue? {
        let pointer = "/" + field
        if value.isNull {
            guard field != "kind", field != "country" else {
                sink.add(field: pointer, "cannot be cleared: a facility always has a \(field)")
                return nil
            }
            return .null
        }
        if field == "riskFlags" {
            guard let flags = value.arrayValue else {
                sink.add(field: pointer, "must be a list of flags, or null to clear them")
                return nil
            }
            var known: [String] = []
            var unknown = false
            for (index, flag) in flags.enumerated() {
                guard let flag = flag.stringValue, Facility.knownRiskFlags.contains(flag) else {
                    sink.add(
                        field: "\(pointer)/\(index)",
                        "must be one of \(Facility.knownRiskFlags.joined(separator: ", "))"
                    )
                    unknown = true
                    continue
                }
                if !known.contains(flag) { known.append(flag) }
            }
            guard !unknown else { return nil }
            return known.isEmpty ? .null : .array(known.map(JSONValue.string))
        }
        if field == "location" {
            guard value.objectValue != nil else {
                sink.add(field: pointer, "must be an object of latitude and longitude, or null to clear it")
                return nil
            }
            guard let (latitude, longitude) = Facility.coordinates(FieldReader(value, path: pointer, problems: sink))
            else { return nil }
            return ["latitude": .string(latitude), "longitude": .string(longitude)]
        }
        guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= 256 else {
            sink.add(field: pointer, "must be a non-empty string of at most 256 bytes, or null to clear it")
            return nil
        }
        switch field {
        case "kind":
            guard FacilityKind(rawValue: text) != nil else {
                sink.add(field: pointer, "must be one of \(FacilityKind.list)")
                return nil
            }
        case "country":
            guard Country.isValid(text) else {
                sink.add(field: pointer, "an ISO 3166-1 alpha-2 code such as AU, CN, HU")
                return nil
            }
            if checksNewInput, let problem = Country.problem(assigning: text) {
                sink.add(field: pointer, problem)
                return nil
            }
        case "subdivision":
            let country = body["country"]?.stringValue ?? facility.country
            if checksNewInput, let problem = Subdivision.problem(text, of: country) {
                sink.add(field: pointer, problem)
                return nil
            }
        case "name", "gridRegion":
            if checksNewInput, let problem = PrintedText.givenFieldProblem(text) {
                sink.add(field: pointer, problem)
                return nil
            }
        default:
            break
        }
        return .string(text)
    }

    /// Whether a battery model of this id is registered.
    func batteryModelExists(_ id: String, _ txn: borrowing ReadTransaction) throws -> Bool {
        try store.raw(.models, IndexKey.text(id), txn) != nil
    }

    mutating func registerBatteryModel(
        _ model: BatteryModel,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        if try batteryModelExists(model.id, txn) {
            sink.add(field: "/id", "battery model \(model.id) is already registered")
            return
        }
        var row = model.json.objectValue ?? [:]
        row["registeredAt"] = .number(Double(model.registeredAt))
        store.put(.models, IndexKey.text(model.id), json: .object(row))
    }

    mutating func recordDisclosure(_ disclosure: Disclosure, sequence: UInt64) {
        var row = disclosure
        row.sequenceNumber = sequence
        store.put(.disclosures, Array(disclosure.recipient.utf8) + [0] + BigEndianKey.encode(sequence), json: row.json)
    }

    /// Checks a verifier's statement against the ledger and records it: the verifier is an auditor
    /// whose key named was valid here and signed it, and every entry it covers is before it.
    mutating func recordAttestation(
        _ attestation: Attestation,
        sequence: UInt64,
        origin: String,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        guard let actor = try actor(attestation.verifier, txn) else {
            sink.add(
                field: "/verifier",
                "no actor \(attestation.verifier) is registered; the operator registers a verifier with "
                    + "`celltrace actor add \(attestation.verifier) --role auditor --key PUBLIC-KEY.pem`"
            )
            return
        }
        guard actor.role == .auditor else {
            sink.add(
                field: "/verifier",
                "\(actor.id) is registered as \(actor.role.rawValue); only an actor of role auditor may attest entries"
            )
            return
        }
        guard let key = actor.keys.first(where: { $0.id == attestation.keyID }), key.isValid(at: sequence) else {
            let valid = actor.keys.filter { $0.isValid(at: sequence) }.map(\.id)
            sink.add(
                field: "/key",
                "key \(attestation.keyID) is not a key of \(actor.id) valid at entry \(sequence)"
                    + (valid.isEmpty ? "" : " (its key then is \(valid.joined(separator: ", ")): sign with it)")
            )
            return
        }
        guard attestation.isSigned(by: key.publicKey, origin: origin) else {
            sink.add(field: "/signature", "does not verify under \(actor.id)'s key \(key.id) for this ledger")
            return
        }
        // A signed statement is recorded once: Ed25519 signs the same statement with the same
        // bytes, so recording it again (after its withdrawal, say) would be the operator, not the
        // verifier, speaking.
        if statements == nil { statements = try recordedStatements(txn) }
        if let recorded = statements?[attestation.signature] {
            sink.add(
                field: "/signature",
                "this statement is recorded already, as entry \(recorded)"
                    + "; a verifier's statement is recorded once: to attest again, the verifier signs a new one"
            )
            return
        }
        // That its entries are in the ledger before it is the body's (each below `ledgerSize`) and
        // the root's check (`ledgerSize` a size of this ledger before the entry).
        var row = attestation
        row.sequenceNumber = sequence
        store.put(.attestations, BigEndianKey.encode(sequence), json: row.json)
        statements?[attestation.signature] = sequence
    }

    /// The signatures of the attestations recorded before or earlier in this batch, each with its
    /// entry.
    private func recordedStatements(_ txn: borrowing ReadTransaction) throws -> [[UInt8]: UInt64] {
        var found: [[UInt8]: UInt64] = [:]
        var next = BigEndianKey.encode(0)
        while let (key, value) = try store.seek(.attestations, atLeast: next, txn) {
            guard let sequence = IndexKey.sequence(in: key) else {
                throw SupplyChainError.unreadableRow(.attestations, key: key)
            }
            guard let row = try? JSONValue(parsing: value),
                let recorded = Attestation.read(row, sink: ProblemSink(), row: true)
            else { throw SupplyChainError.unreadableRow(.attestations, key: key) }
            found[recorded.signature] = sequence
            next = BigEndianKey.encode(sequence + 1)
        }
        return found
    }

    /// Checks a verifier's withdrawal against the ledger and marks its attestation withdrawn: the
    /// attestation is the verifier's own and stands, and the verifier's key named was valid here
    /// and signed the withdrawal.
    mutating func withdrawAttestation(
        _ withdrawal: AttestationWithdrawal,
        sequence: UInt64,
        origin: String,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let key = BigEndianKey.encode(withdrawal.attestation)
        guard let row = try store.json(.attestations, key, txn),
            var attestation = Attestation.read(row, sink: ProblemSink(), row: true)
        else {
            sink.add(
                field: "/attestation",
                withdrawal.attestation >= sequence
                    ? "there is no entry \(withdrawal.attestation): the ledger holds entries 0 to \(sequence - 1)"
                    : "entry \(withdrawal.attestation) is not an attestation (`celltrace attestations` lists them)"
            )
            return
        }
        guard attestation.verifier == withdrawal.verifier else {
            sink.add(
                field: "/attestation",
                "attestation \(withdrawal.attestation) is \(attestation.verifier)'s; only its verifier withdraws it"
            )
            return
        }
        if let withdrawn = attestation.withdrawnAt {
            sink.add(
                field: "/attestation",
                "attestation \(withdrawal.attestation) was withdrawn already, at entry \(withdrawn)"
            )
            return
        }
        guard let actor = try actor(withdrawal.verifier, txn),
            let verifierKey = actor.keys.first(where: { $0.id == withdrawal.keyID }), verifierKey.isValid(at: sequence)
        else {
            sink.add(
                field: "/key",
                "key \(withdrawal.keyID) is not a key of \(withdrawal.verifier) valid at entry \(sequence)"
            )
            return
        }
        guard withdrawal.isSigned(by: verifierKey.publicKey, origin: origin) else {
            sink.add(field: "/signature", "does not verify under \(actor.id)'s key \(verifierKey.id) for this ledger")
            return
        }
        attestation.withdrawnAt = sequence
        attestation.withdrawalReason = withdrawal.reason
        store.put(.attestations, key, json: attestation.json)
    }

    mutating func recordFactorTable(
        _ table: FactorTable,
        sequence: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let key = IndexKey.text(table.id + "@" + String(table.version))
        if try store.raw(.factors, key, txn) != nil {
            sink.add(
                field: "/version",
                "factor table \(table.id) version \(table.version) is already recorded; a table that replaces its "
                    + "rows is recorded as a later version (\"version\": \(table.version + 1))"
            )
            return
        }
        var row = table.json.objectValue ?? [:]
        row["recordedAt"] = .number(Double(sequence))
        store.put(.factors, key, json: .object(row))
    }

}

/// Serial numbers as a prefix and a decimal number: `urn:epc:id:sgtin:4012345.011111.1500` is
/// `urn:epc:id:sgtin:4012345.011111.` and 1500.
enum SerialNumber {
    static func split(_ serial: String) -> (prefix: String, number: UInt64)? {
        let utf8 = Array(serial.utf8)
        var start = utf8.count
        while start > 0, (0x30...0x39).contains(utf8[start - 1]) { start -= 1 }
        let digits = utf8.count - start
        guard digits > 0, digits <= 19, start > 0 else { return nil }
        // A leading zero would make two spellings of one number; refuse it unless the number is 0.
        guard digits == 1 || utf8[start] != 0x30 else { return nil }
        guard let number = UInt64(String(decoding: utf8[start...], as: UTF8.self)) else { return nil }
        return (String(decoding: utf8[..<start], as: UTF8.self), number)
    }
}
