import Dispatch
public import LedgerCore
public import LedgerCrypto
import LedgerStorage
import Synchronization

/// The ledger as the supply chain sees it: actors, facilities, factor tables and EPCIS events,
/// validated before they are written and indexed in the same transaction.
///
/// ```swift
/// let chain = try SupplyChainLedger(openingAt: "ledger")
/// try chain.registerActor(ActorDraft(id: "pilbara-mining", name: "Pilbara Mining", role: .miner, publicKey: key.publicKey))
/// let report = try chain.importSubmission(documentBytes, actor: "pilbara-mining", key: key)
/// ```
public final class SupplyChainLedger: Sendable {
    /// The ledger underneath.
    public let ledger: Ledger
    let tables: [IndexTable: Table]
    /// Facilities and factor tables decoded once.
    let cache = RecordCache()
    /// Set when the event and process indexes were written by an older CellTrace, keyed by
    /// eventID: imports and the queries that read them refuse until ``rebuildIndexes(progress:)``.
    private let outdated: Mutex<SupplyChainError?>

    /// Run before each batch checked against a snapshot is written (``write(_:)``), between its
    /// check and its append, and before indexes rebuilt from a snapshot are written
    /// (``rebuildIndexes(progress:)``); `nil` but in tests, which append there as another writer
    /// would.
    let beforeWrite = Mutex<(@Sendable () -> Void)?>(nil)

    /// Why the indexes cannot be used, or `nil` when they can.
    var outdatedIndexes: SupplyChainError? { outdated.withLock { $0 } }
    /// The index layout the ledger's indexes were found in when it was opened (`"1"` for rows
    /// without a marker), kept for the rebuild's report.
    let formerLayoutText: String

    /// Runs `body` in a read transaction of the indexes, refused while they are in another layout.
    func readIndexes<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        if let outdatedIndexes { throw outdatedIndexes }
        return try ledger.read { txn, _ in try body(txn) }
    }

    /// Records that the indexes were rebuilt in the current form.
    func indexesRebuilt() { outdated.withLock { $0 = nil } }

    /// Entry types this module writes.
    public enum EntryType {
        /// An actor's registration, by the ledger's operator.
        public static let actorRegister = "actor.register"
        /// A new key for an actor.
        public static let actorKeyRotate = "actor.key-rotate"
        /// A revoked key.
        public static let actorKeyRevoke = "actor.key-revoke"
        /// A facility's registration.
        public static let facilityRegister = "facility.register"
        /// A facility's change of operator.
        public static let facilityTransfer = "facility.transfer"
        /// A correction of a facility's master data.
        public static let facilityAmend = "facility.amend"
        /// A version of an emission-factor table.
        public static let factorTable = "factors.table"
        /// A battery model's functional-unit parameters.
        public static let modelRegister = "model.register"
        /// A signed submission: its actor, key, signature and the hashes of the events that follow.
        public static let submission = "submission"
        /// One EPCIS event of a submission.
        public static let event = "epcis.event"
        /// A record of an export: recipient, profile and the hash of what was sent.
        public static let disclosure = "disclosure.export"
        /// A verifier's signed statement that it verified a set of entries (``Attestation``).
        public static let attestation = "attestation.record"
        /// A verifier's signed withdrawal of one of its attestations (``AttestationWithdrawal``).
        public static let attestationWithdraw = "attestation.withdraw"
    }

    /// Entry-type prefixes that only this module writes: a plain append may not use them.
    public static let reservedEntryTypes = [
        "actor", "facility", "factors", "model", "submission", "epcis", "disclosure", "attestation",
    ]

    /// The actor name that master-data entries recorded by the ledger's operator carry.
    public static let operatorActor = "ledger"

    /// Opens a ledger with the supply-chain index tables.
    public convenience init(openingAt path: String, options: Ledger.Options = Ledger.Options()) throws {
        var options = options
        options.extraTables = IndexTable.specs
        try self.init(ledger: Ledger(openingAt: path, options: options))
    }

    /// Creates a ledger with the supply-chain index tables.
    public static func create(
        at path: String,
        origin: String? = nil,
        options: Ledger.Options = Ledger.Options()
    ) throws -> SupplyChainLedger {
        var options = options
        options.extraTables = IndexTable.specs
        return try SupplyChainLedger(ledger: Ledger.create(at: path, origin: origin, options: options))
    }

    init(ledger: Ledger) throws {
        self.ledger = ledger
        var tables: [IndexTable: Table] = [:]
        for table in IndexTable.allCases {
            tables[table] = try ledger.extraTable(table.rawValue)
        }
        self.tables = tables
        let found = try Self.outdatedIndexes(ledger, tables)
        outdated = Mutex(found.error)
        formerLayoutText = found.layout ?? "1"
    }

    /// Why the indexes cannot be used as they are, or `nil`: indexes that hold rows but were
    /// written in another layout than ``IndexTable/layout`` (an older CellTrace wrote none); and
    /// the layout their marker names.
    private static func outdatedIndexes(
        _ ledger: Ledger,
        _ tables: [IndexTable: Table]
    ) throws -> (error: SupplyChainError?, layout: String?) {
        let (layout, hasRows) = try ledger.read { txn, _ in
            let stored = try txn.value(in: IndexTable.handle(.meta, in: tables), forKey: IndexTable.layoutKey)
            let hasRows = try IndexTable.allCases.contains { try txn.count(IndexTable.handle($0, in: tables)) > 0 }
            return (stored.map { String(decoding: $0, as: UTF8.self) }, hasRows)
        }
        if layout == IndexTable.layout || (layout == nil && !hasRows) { return (nil, layout) }
        if let layout, let number = Int(layout), let current = Int(IndexTable.layout), number > current {
            // A rebuild here would write them back in the older layout, which that CellTrace refuses.
            let error = SupplyChainError(
                code: .indexLayout,
                message: """
                    the ledger's supply-chain indexes were written in index layout \(layout) by a newer \
                    CellTrace than this one (layout \(IndexTable.layout)): use that CellTrace on this ledger; \
                    `celltrace index rebuild` here would write them back in layout \(IndexTable.layout), which \
                    the newer one then refuses
                    """
            )
            return (error, layout)
        }
        let written = layout.map { "in index layout \($0)" } ?? "by an older CellTrace"
        let error = SupplyChainError(
            code: .indexLayout,
            message: """
                the ledger's supply-chain indexes were written \(written), which this CellTrace (layout \
                \(IndexTable.layout)) does not read; run `celltrace index rebuild` to write them anew from the \
                entries (nothing else changes)
                """
        )
        return (error, layout)
    }

    // MARK: Writing

    /// Prepares a batch against a snapshot and appends it with its index rows; prepares again if
    /// another writer appended in between.
    ///
    /// `prepare` gets the rules over the snapshot and the sequence number the batch's first entry
    /// will have, and returns the drafts (or throws with the problems found).
    ///
    /// The batch is prepared against a snapshot and appended if the ledger did not grow meanwhile,
    /// without holding up other writers while it is checked. After ``optimisticAttempts`` such
    /// tries met another writer's append, it is prepared once more with the writer lock held
    /// (``Ledger/appendHoldingWriter(preparing:indexing:)``), which no append can come between:
    /// a steady feed of small appends cannot keep a large import out, it only waits for it.
    ///
    /// Given a group, the batch's drafts and index overlay are freed on the pool once written,
    /// and the group is entered until they are: an import of many documents frees one document's
    /// tens of thousands of rows while it checks the next.
    func commit<R: Sendable>(
        dryRun: Bool = false,
        freeing group: DispatchGroup? = nil,
        _ prepare: (inout Rules, _ firstSequence: UInt64, borrowing ReadTransaction) throws -> ([EntryDraft], R)
    ) throws -> (AppendReceipt?, R) {
        for _ in 0..<Self.optimisticAttempts {
            guard let batch = try check(after: nil, prepare) else { continue }
            guard !batch.drafts.isEmpty, !dryRun else { return (nil, batch.result) }
            do {
                let receipt = try write(batch)
                let result = batch.result
                if let group { Self.free(consume batch, group: group) }
                return (receipt, result)
            } catch let error as LedgerError where error.code == .conflict {
                continue
            }
        }
        return try commitHoldingWriter(freeing: group, prepare)
    }

    /// How many times ``commit(dryRun:freeing:_:)`` prepares a batch against a snapshot before it
    /// prepares it with the writer lock held.
    static let optimisticAttempts = 3

    /// Prepares a batch and appends it with its index rows in one write transaction, holding the
    /// writer lock from before the check to the commit: no other writer's append can come between.
    func commitHoldingWriter<R: Sendable>(
        freeing group: DispatchGroup? = nil,
        _ prepare: (inout Rules, _ firstSequence: UInt64, borrowing ReadTransaction) throws -> ([EntryDraft], R)
    ) throws -> (AppendReceipt?, R) {
        if let outdatedIndexes { throw outdatedIndexes }
        let (receipt, batch) = try ledger.appendHoldingWriter { txn, size in
            let batch = try checkBatch(after: nil, txn, size: size, prepare)
            return (batch?.drafts ?? [], batch)
        } indexing: { txn, _, batch in
            try batch?.rules.store.flush(into: txn)
        }
        guard let batch else { preconditionFailure("a batch checked without an earlier one is always checked") }
        let result = batch.result
        if receipt != nil, let group { Self.free(consume batch, group: group) }
        return (receipt, result)
    }

    /// A batch checked against a snapshot, with the sequence number of its first entry, to be
    /// written by ``write(_:)``.
    struct CheckedBatch<R: Sendable>: Sendable {
        var drafts: [EntryDraft]
        var result: R
        var rules: Rules
        /// The sequence number of the batch's first entry: the size of the ledger it expects.
        var size: UInt64
    }

    /// Checks a batch (``commit(dryRun:freeing:_:)``'s `prepare`) against the ledger as it
    /// stands, or, given `earlier`, a batch being written, as it will stand once that is
    /// committed: its overlay is read above storage until then.
    ///
    /// - Returns: The batch, or `nil` when the ledger is neither before nor after `earlier`:
    ///   another writer appended in between.
    func check<R: Sendable>(
        after earlier: CheckedBatch<R>?,
        _ prepare: (inout Rules, _ firstSequence: UInt64, borrowing ReadTransaction) throws -> ([EntryDraft], R)
    ) throws -> CheckedBatch<R>? {
        if let outdatedIndexes { throw outdatedIndexes }
        return try ledger.read { txn, size in try checkBatch(after: earlier, txn, size: size, prepare) }
    }

    /// Checks a batch as ``check(after:_:)`` does, in a snapshot of `size` entries.
    private func checkBatch<R: Sendable>(
        after earlier: CheckedBatch<R>?,
        _ txn: borrowing ReadTransaction,
        size: UInt64,
        _ prepare: (inout Rules, _ firstSequence: UInt64, borrowing ReadTransaction) throws -> ([EntryDraft], R)
    ) throws -> CheckedBatch<R>? {
        var store = StateStore(tables: tables)
        var first = size
        if let earlier {
            let after = earlier.size + UInt64(earlier.drafts.count)
            if size == earlier.size {
                store = StateStore(tables: tables, earlier: StateStore.Earlier(earlier.rules.store))
                first = after
            } else if size != after {
                return nil
            }
        }
        var rules = Rules(store: store)
        rules.checksNewInput = true
        let (drafts, result) = try prepare(&rules, first, txn)
        // Checked: what the earlier batch left is no longer read.
        rules.store.dropEarlier()
        return CheckedBatch(drafts: drafts, result: result, rules: rules, size: first)
    }

    /// The overlays of batches checked and not written, in a dry run of several: each is read
    /// under the next (``StateStore/earlier``).
    struct UnwrittenBatches: Sendable {
        var overlay: StateStore.Earlier
        /// The ledger size the first was checked against.
        var size: UInt64
        /// The sequence number the next batch's first entry would have.
        var nextSequence: UInt64
    }

    /// Checks a batch (``commit(dryRun:freeing:_:)``'s `prepare`) against the ledger as it would
    /// stand with the batches of `earlier` written, and writes nothing: a dry run of several
    /// documents, each checked with those before it.
    ///
    /// - Returns: The result, and the unwritten batches with this one on top.
    /// - Throws: What `prepare` throws, and ``SupplyChainError/Code/ledger`` when another writer
    ///   appended since the first batch was checked.
    func checkUnwritten<R: Sendable>(
        after earlier: UnwrittenBatches?,
        _ prepare: (inout Rules, _ firstSequence: UInt64, borrowing ReadTransaction) throws -> ([EntryDraft], R)
    ) throws -> (result: R, batches: UnwrittenBatches) {
        if let outdatedIndexes { throw outdatedIndexes }
        return try ledger.read { txn, size in
            var first = size
            if let earlier {
                guard size == earlier.size else {
                    throw SupplyChainError(
                        code: .ledger,
                        message:
                            "the ledger grew from \(earlier.size) to \(size) entries during the dry run; run it again"
                    )
                }
                first = earlier.nextSequence
            }
            var rules = Rules(store: StateStore(tables: tables, earlier: earlier?.overlay))
            rules.checksNewInput = true
            let (drafts, result) = try prepare(&rules, first, txn)
            let batches = UnwrittenBatches(
                overlay: StateStore.Earlier(rules.store),
                size: size,
                nextSequence: first + UInt64(drafts.count)
            )
            return (result, batches)
        }
    }

    /// Appends a checked batch with its index rows.
    ///
    /// - Throws: ``LedgerError/Code/conflict`` when the ledger is no longer the size the batch
    ///   was checked against; then nothing is written.
    func write<R: Sendable>(_ batch: borrowing CheckedBatch<R>) throws -> AppendReceipt {
        if let beforeWrite = beforeWrite.withLock({ $0 }) { beforeWrite() }
        let rules = batch.rules
        return try ledger.append(batch.drafts, expectedSize: batch.size) { txn, _ in
            try rules.store.flush(into: txn)
        }
    }

    /// Frees `value` (a written batch, its drafts and index overlay) on the pool, entering `group`
    /// until it is freed: an import of many documents frees one document's tens of thousands of
    /// rows while it checks the next.
    static func free<T>(_ value: consuming T, group: DispatchGroup) {
        // Moved into the holder, which the task empties: whichever thread lets go of the holder
        // last, the caller's share of the value is freed on the pool. (A stream's write also
        // holds its batch until the writer's task ends, so that share may go on the writer.)
        let holder = Holder(value)
        DispatchQueue.global().async(group: group) { holder.value = nil }
    }

    /// A value handed to the pool to be freed.
    private final class Holder<T>: @unchecked Sendable {
        // Safety: set once here, then only emptied by the one task it is handed to.
        var value: T?
        init(_ value: consuming T) { self.value = value }
    }

    /// The receipt of a master-data append, which always writes one entry.
    static func written(_ receipt: AppendReceipt?) throws -> AppendReceipt {
        guard let receipt else {
            throw SupplyChainError(code: .ledger, message: "the entry was not written")
        }
        return receipt
    }

    static func fail(_ sink: ProblemSink, _ what: String) -> SupplyChainError {
        SupplyChainError(
            code: .invalidRecords,
            message: "\(what) was not recorded: \(sink.count) problem\(sink.count == 1 ? "" : "s")",
            problems: sink.problems
        )
    }

    /// Registers an actor.
    @discardableResult
    public func registerActor(_ draft: ActorDraft) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: draft.id)
        let body = draft.body
        ActorDraft.checkAsNewInput(body, sink: sink)
        checkNotLedgerKey(draft.publicKey, sink: sink)
        let (receipt, _) = try commit { rules, first, txn in
            guard let actor = ActorDraft.read(body, sequence: first, sink: sink) else {
                // Whether the id, the key or a party is taken, with the problems of the actor's
                // shape: each field whose shape is already reported is not looked up too.
                let id = sink.names("/id") ? "" : draft.id
                let own = id.isEmpty ? [] : [Actor.defaultParty(id)]
                let listed = draft.parties.indices.filter { !sink.names("/parties/\($0)") }.map { draft.parties[$0] }
                try rules.checkActorReferences(
                    id: id,
                    keyIDs: [ActorKey.id(of: draft.publicKey.rawRepresentation)],
                    parties: own + listed.filter { !own.contains($0) },
                    body: body,
                    sink: sink,
                    txn
                )
                throw Self.fail(sink, "the actor")
            }
            try rules.registerActor(actor, body: body, sink: sink, txn)
            guard sink.isEmpty else { throw Self.fail(sink, "the actor") }
            return ([EntryDraft(type: EntryType.actorRegister, actor: Self.operatorActor, body: body)], ())
        }
        return try Self.written(receipt)
    }

    /// Gives an actor a new key; the old key stays valid for what it signed before.
    @discardableResult
    public func rotateKey(actor: String, to publicKey: Ed25519PublicKey) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: actor)
        checkNotLedgerKey(publicKey, sink: sink)
        guard sink.isEmpty else { throw Self.fail(sink, "the key rotation") }
        return try recordKeyChange(
            EntryType.actorKeyRotate,
            ["actor": .string(actor), "key": .string(Base64.encode(publicKey.rawRepresentation))],
            what: "the key rotation"
        )
    }

    /// Names `/key` when `publicKey` is the ledger's own: the operator signs the ledger's
    /// checkpoints and records its own entries with it, so an actor holding it could attest the
    /// operator's entries as a third party's, or sign for the operator.
    private func checkNotLedgerKey(_ publicKey: Ed25519PublicKey, sink: ProblemSink) {
        guard publicKey.rawRepresentation == ledger.verifierKey.publicKey.rawRepresentation else { return }
        sink.add(
            field: "/key",
            "is the ledger's own signing key, the operator's; an actor registers a key of its own (`celltrace keygen`)"
        )
    }

    /// Revokes one of an actor's keys: it signs nothing from this entry on.
    @discardableResult
    public func revokeKey(actor: String, keyID: String, reason: String) throws -> AppendReceipt {
        // Said now, as a transfer's or an amendment's reason is; a revocation recorded before is
        // replayed as it was.
        guard reason.contains(where: { !$0.isWhitespace }), reason.utf8.count <= 1024 else {
            let sink = ProblemSink(identifier: actor)
            sink.add(field: "/reason", "must say why the key is revoked, in 1 to 1024 bytes")
            throw Self.fail(sink, "the revocation")
        }
        // A key id is hex in lower case, as `actor list` prints it: one copied in capitals is the same id.
        let keyID = keyID.lowercased()
        return try recordKeyChange(
            EntryType.actorKeyRevoke,
            ["actor": .string(actor), "keyID": .string(keyID), "reason": .string(reason)],
            what: "the revocation"
        )
    }

    /// Validates and appends a key rotation or revocation, through the rules the audit replays.
    private func recordKeyChange(_ type: String, _ body: JSONValue, what: String) throws -> AppendReceipt {
        try recordChange(type, body, identifier: body["actor"]?.stringValue, what: what) { rules, first, sink, txn in
            try rules.applyKeyChange(type: type, body: body, sequence: first, sink: sink, txn)
        }
    }

    /// Appends one master-data entry of the ledger's operator as a batch of its own, once `apply`
    /// (the rule the audit replays for its type) has checked it and updated the indexes.
    ///
    /// - Throws: ``SupplyChainError`` listing what `apply` found wrong; nothing is written then.
    private func recordChange(
        _ type: String,
        _ body: JSONValue,
        identifier: String?,
        what: String,
        confidential: [JSONPointer] = [],
        _ apply: (inout Rules, UInt64, ProblemSink, borrowing ReadTransaction) throws -> Void
    ) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: identifier)
        let (receipt, _) = try commit { rules, first, txn in
            try apply(&rules, first, sink, txn)
            guard sink.isEmpty else { throw Self.fail(sink, what) }
            return ([EntryDraft(type: type, actor: Self.operatorActor, body: body, confidential: confidential)], ())
        }
        return try Self.written(receipt)
    }

    /// Registers a facility; its coordinates are stored as a salted commitment.
    @discardableResult
    public func registerFacility(_ draft: FacilityDraft) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: draft.id)
        let body = draft.body
        FacilityDraft.checkAsNewInput(body, sink: sink)
        let (receipt, _) = try commit { rules, first, txn in
            guard let facility = FacilityDraft.read(body, sequence: first, sink: sink) else {
                // What the rules say of its id, operator and country, with the problems of its shape.
                try rules.checkFacilityReferences(
                    id: draft.id,
                    operatorID: draft.operatorID,
                    country: draft.country,
                    sink: sink,
                    txn
                )
                throw Self.fail(sink, "the facility")
            }
            try rules.registerFacility(facility, sink: sink, txn)
            guard sink.isEmpty else { throw Self.fail(sink, "the facility") }
            let confidential = body["location"] == nil ? [] : [JSONPointer(tokens: ["location"])]
            return (
                [
                    EntryDraft(
                        type: EntryType.facilityRegister,
                        actor: Self.operatorActor,
                        body: body,
                        confidential: confidential
                    )
                ], ()
            )
        }
        return try Self.written(receipt)
    }

    /// Records that a facility changed hands.
    ///
    /// From this entry on, `newOperator` records the facility's events and the previous operator
    /// no longer may. Events recorded before keep the operator they were recorded under
    /// (``Facility/operatorID(at:)``).
    ///
    /// - Throws: ``SupplyChainError`` naming the field when the facility or the actor is not
    ///   registered, or the actor already operates the facility; nothing is written then.
    @discardableResult
    public func transferFacility(_ id: String, to newOperator: String, reason: String? = nil) throws -> AppendReceipt {
        var members: [String: JSONValue] = ["id": .string(id), "operator": .string(newOperator)]
        if let reason { members["reason"] = .string(reason) }
        let body = JSONValue.object(members)
        return try recordChange(EntryType.facilityTransfer, body, identifier: id, what: "the facility transfer") {
            try $0.transferFacility(body, sequence: $1, sink: $2, $3)
        }
    }

    /// Corrects a facility's master data.
    ///
    /// `changes` gives a new value for each field it corrects (one of
    /// ``Facility/amendableFields``; `null` clears `name`, `subdivision`, `gridRegion` or
    /// `riskFlags`). The registration stays; queries as of a size before this entry read the
    /// facility as it was, so a footprint computed then is computed again the same, and later ones
    /// use the corrected values.
    ///
    /// - Throws: ``SupplyChainError`` naming the field when the facility is not registered, a
    ///   value is not one registration accepts, or nothing changes; nothing is written then.
    @discardableResult
    public func amendFacility(_ id: String, reason: String, changes: [String: JSONValue]) throws -> AppendReceipt {
        var members = changes
        members["id"] = .string(id)
        members["reason"] = .string(reason)
        let body = JSONValue.object(members)
        // New coordinates are sealed as at registration; clearing them (null) reveals nothing.
        let sealed = body["location"].map { !$0.isNull } ?? false
        return try recordChange(
            EntryType.facilityAmend,
            body,
            identifier: id,
            what: "the facility amendment",
            confidential: sealed ? [JSONPointer(tokens: ["location"])] : []
        ) {
            try $0.amendFacility(body, sequence: $1, sink: $2, $3)
        }
    }

    /// Registers a battery model's functional-unit parameters (JSON as `Docs/DATA-MODEL.md`
    /// describes: `id`, `cyclesPerYear` or `category`, `serviceYears`, `usableEnergyShare`).
    @discardableResult
    public func registerBatteryModel(_ json: JSONValue) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: json["id"]?.stringValue)
        // Named with the problems of the model's shape, which then reads as no model.
        BatteryModel.checkAsNewInput(json, sink: sink)
        let (receipt, _) = try commit { rules, first, txn in
            guard let model = BatteryModel.read(json, sequence: first, sink: sink) else {
                // Whether the id is taken, with the problems of the model's shape.
                if let id = json["id"]?.stringValue, !sink.names("/id"), try rules.batteryModelExists(id, txn) {
                    sink.add(field: "/id", "battery model \(id) is already registered")
                }
                throw Self.fail(sink, "the battery model")
            }
            try rules.registerBatteryModel(model, sink: sink, txn)
            guard sink.isEmpty else { throw Self.fail(sink, "the battery model") }
            return ([EntryDraft(type: EntryType.modelRegister, actor: Self.operatorActor, body: model.json)], ())
        }
        return try Self.written(receipt)
    }

    /// Records that an export left the company (entry type `disclosure.export`), with the SHA-256 of
    /// the bytes sent.
    ///
    /// - Parameter disclosure: The record.
    /// - Returns: The append receipt; the record's entry is its first entry.
    /// - Throws: ``SupplyChainError`` naming the field that is wrong.
    @discardableResult
    public func recordDisclosure(_ disclosure: Disclosure) throws -> AppendReceipt {
        try Self.check(disclosure)
        var body = disclosure
        body.sequenceNumber = nil
        body.recordedAt = nil
        let (receipt, _) = try commit { rules, first, _ in
            rules.recordDisclosure(body, sequence: first)
            return ([EntryDraft(type: EntryType.disclosure, actor: Self.operatorActor, body: body.json)], ())
        }
        return try Self.written(receipt)
    }

    /// Checks a disclosure record as ``recordDisclosure(_:)`` does, so that an export can be
    /// refused before its bytes leave: the same error, naming the field.
    public static func check(_ disclosure: Disclosure) throws {
        let sink = ProblemSink(identifier: disclosure.recipient)
        disclosure.check(sink: sink)
        guard sink.isEmpty else { throw fail(sink, "the disclosure record") }
    }

    /// Records a version of an emission-factor table (JSON as `Docs/DATA-MODEL.md` describes).
    @discardableResult
    public func recordFactorTable(_ json: JSONValue) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: json["id"]?.stringValue)
        FactorTable.checkAsNewInput(json, sink: sink)
        let (receipt, _) = try commit { rules, first, txn in
            guard let table = FactorTable.read(json, sink: sink) else { throw Self.fail(sink, "the factor table") }
            try rules.recordFactorTable(table, sequence: first, sink: sink, txn)
            guard sink.isEmpty else { throw Self.fail(sink, "the factor table") }
            return ([EntryDraft(type: EntryType.factorTable, actor: Self.operatorActor, body: table.json)], ())
        }
        return try Self.written(receipt)
    }
}
