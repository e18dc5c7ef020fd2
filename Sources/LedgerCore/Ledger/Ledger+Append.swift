import Dispatch
import LedgerCrypto
public import LedgerStorage
import Synchronization

extension Ledger {
    /// Appends a batch of entries in one durable transaction and signs a checkpoint for the new size.
    ///
    /// Every draft is checked before anything is written; if one is bad, nothing of the batch is
    /// written. In one LMDB write transaction the ledger reads its tip, chains and stores each entry,
    /// stores the Merkle nodes each completes and the derived index rows, checks that its last
    /// signed checkpoint still matches the stored tree, and stores a newly signed checkpoint.
    ///
    /// - Parameter drafts: The entries, in order; at least one.
    /// - Returns: Where the batch landed and the signed checkpoint.
    /// - Throws: ``LedgerError/Code/invalidInput`` naming the record (index in the batch) and field;
    ///   ``LedgerError/Code/corruptLedger`` when the stored tree no longer matches the last
    ///   checkpoint (the ledger refuses to sign); ``LedgerError/Code/storage``.
    @discardableResult
    public func append(_ drafts: [EntryDraft]) throws -> AppendReceipt {
        try append(drafts, expectedSize: nil, indexing: nil)
    }

    /// Appends a batch, with derived index rows written by a layer above in the same transaction.
    ///
    /// A layer that validates a batch against a snapshot (``read(_:)``) passes the snapshot's size
    /// as `expectedSize`: if another writer appended in between, nothing is written and the append
    /// throws ``LedgerError/Code/conflict``, so the layer can validate again. `indexing` receives the
    /// write transaction and the sequence number of the batch's first entry; it may run more than
    /// once (LMDB map growth replays the transaction), so it must depend only on its arguments and
    /// the stored state.
    ///
    /// - Parameters:
    ///   - drafts: The entries, in order; at least one.
    ///   - expectedSize: The ledger size the batch was prepared against, or `nil` to not check.
    ///   - indexing: Writes the layer's index rows for the batch.
    /// - Returns: Where the batch landed and the signed checkpoint.
    /// - Throws: As ``append(_:)``, plus ``LedgerError/Code/conflict`` when the ledger is no longer
    ///   `expectedSize` entries long, and what `indexing` throws (then nothing is written).
    @discardableResult
    public func append(
        _ drafts: [EntryDraft],
        expectedSize: UInt64?,
        indexing: ((borrowing WriteTransaction, _ firstSequenceNumber: UInt64) throws -> Void)?
    ) throws -> AppendReceipt {
        guard !drafts.isEmpty else {
            throw LedgerError(code: .invalidInput, message: "an append needs at least one entry")
        }
        return try append(sealed: try seal(drafts), expectedSize: expectedSize, indexing: indexing)
    }

    /// Appends a batch sealed by ``seal(_:)``, which checked its drafts, as
    /// ``append(_:expectedSize:indexing:)`` does.
    func append(
        sealed: SealedBatch,
        expectedSize: UInt64?,
        indexing: ((borrowing WriteTransaction, _ firstSequenceNumber: UInt64) throws -> Void)?
    ) throws -> AppendReceipt {
        let time = clock()
        return try Self.wrapStorage {
            try environment.write { txn in
                if let expectedSize {
                    let size = UInt64(try txn.count(tables.entries))
                    guard size == expectedSize else {
                        throw LedgerError(
                            code: .conflict,
                            message:
                                "the ledger grew from \(expectedSize) to \(size) entries while the batch was prepared"
                        )
                    }
                }
                let receipt = try appendSealed(sealed, time: time, txn: txn)
                try indexing?(txn, receipt.firstSequenceNumber)
                return receipt
            }
        }
    }

    /// Appends a batch that a layer prepares while this ledger's writer lock is held, so that no
    /// other writer can append between its check and its write.
    ///
    /// For a layer whose batches prepared against a snapshot (``append(_:expectedSize:indexing:)``)
    /// keep meeting other writers' appends: here the write transaction begins first, and `prepare`
    /// reads a snapshot begun after it, which is the ledger the batch is appended to. Other
    /// writers wait until this returns; readers do not. The writer lock is held for the whole of
    /// `prepare`, so the optimistic append stays the one to use when nothing is in the way.
    ///
    /// `prepare` and `indexing` may run more than once (LMDB map growth replays the
    /// transaction), so they must depend only on their arguments and the stored state.
    ///
    /// - Parameters:
    ///   - prepare: Reads the snapshot, given with the ledger's size (the sequence number the
    ///     batch's first entry will have), and returns the entries, in order, and what `indexing`
    ///     needs; no entries appends nothing.
    ///   - indexing: Writes the layer's index rows for the batch, given the write transaction, the
    ///     sequence number of the batch's first entry and what `prepare` returned.
    /// - Returns: Where the batch landed and the signed checkpoint (`nil` when `prepare` returned
    ///   no entries), and what `prepare` returned.
    /// - Throws: As ``append(_:)``, and what `prepare` or `indexing` throws (then nothing is
    ///   written).
    public func appendHoldingWriter<Prepared>(
        preparing prepare: (borrowing ReadTransaction, _ size: UInt64) throws -> ([EntryDraft], Prepared),
        indexing: (borrowing WriteTransaction, _ firstSequenceNumber: UInt64, Prepared) throws -> Void
    ) throws -> (receipt: AppendReceipt?, prepared: Prepared) {
        let time = clock()
        return try Self.wrapStorage {
            try environment.write { txn in
                let size = UInt64(try txn.count(tables.entries))
                // Begun while this transaction holds the writer lock: no commit can come between,
                // so the snapshot is the state this transaction appends to.
                let (drafts, prepared) = try environment.read { snapshot in
                    let snapshotSize = UInt64(try snapshot.count(tables.entries))
                    precondition(snapshotSize == size, "a snapshot begun under the writer lock is the writer's state")
                    return try prepare(snapshot, size)
                }
                guard !drafts.isEmpty else { return (nil, prepared) }
                let receipt = try appendSealed(try seal(drafts), time: time, txn: txn)
                try indexing(txn, receipt.firstSequenceNumber, prepared)
                return (receipt, prepared)
            }
        }
    }

    /// Empties a layer's derived tables and lets the layer write them again, in one durable
    /// transaction that appends nothing: how a layer rebuilds its indexes from the entries.
    ///
    /// The layer replays the entries of a snapshot (``read(_:)``) and passes the snapshot's size
    /// as `expectedSize`; if another writer appended in between, nothing changes and the call
    /// throws ``LedgerError/Code/conflict``, so the layer can replay again. `write` may run more
    /// than once (LMDB map growth replays the transaction).
    ///
    /// - Parameters:
    ///   - names: Tables among ``Options/extraTables``; the ledger's own tables cannot be named.
    ///   - expectedSize: The ledger size the rows were derived from.
    ///   - write: Writes the new rows; it receives the tables in the order of `names`, emptied.
    /// - Returns: How many entries each table held before, in the order of `names`.
    /// - Throws: ``LedgerError/Code/invalidInput`` for a name of the ledger's own tables;
    ///   ``LedgerError/Code/conflict``; ``LedgerError/Code/storage``; what `write` throws (then
    ///   nothing changes).
    @discardableResult
    public func rewriteExtraTables(
        _ names: [String],
        expectedSize: UInt64,
        _ write: (borrowing WriteTransaction, _ tables: [Table]) throws -> Void
    ) throws -> [Int] {
        if let own = names.first(where: { name in Tables.specs.contains { $0.name == name } }) {
            throw LedgerError(
                code: .invalidInput,
                message: "\(own) is one of the ledger's own tables, not a derived one"
            )
        }
        let tables = try names.map { try extraTable($0) }
        return try Self.wrapStorage {
            try environment.write { txn in
                let size = UInt64(try txn.count(self.tables.entries))
                guard size == expectedSize else {
                    throw LedgerError(
                        code: .conflict,
                        message: "the ledger grew from \(expectedSize) to \(size) entries while its tables were rebuilt"
                    )
                }
                let removed = try tables.map { try txn.removeAll(in: $0) }
                try write(txn, tables)
                return removed
            }
        }
    }

    /// Empties a layer's derived tables and lets the layer write them again, as
    /// ``rewriteExtraTables(_:expectedSize:_:)`` does, from rows it derives while this ledger's
    /// writer lock is held, so that no other writer can append between the derivation and the write.
    ///
    /// For a layer whose rebuilds from a snapshot keep meeting other writers' appends: here the
    /// write transaction begins first, and `prepare` reads a snapshot begun after it, which is the
    /// ledger the tables are written for. Other writers wait until this returns; readers do not.
    /// The writer lock is held for the whole of `prepare`, so the rewrite against a snapshot stays
    /// the one to use when nothing is in the way.
    ///
    /// `write` may run more than once (LMDB map growth replays the transaction); `prepare` runs
    /// again only if the ledger's size changed meanwhile, which no writer of this ledger can do
    /// while the lock is held.
    ///
    /// - Parameters:
    ///   - names: Tables among ``Options/extraTables``; the ledger's own tables cannot be named.
    ///   - prepare: Reads the snapshot, given with the ledger's size, and returns what `write` needs.
    ///   - write: Writes the new rows; it receives the tables in the order of `names`, emptied, and
    ///     what `prepare` returned.
    /// - Returns: How many entries each table held before, in the order of `names`, and what
    ///   `prepare` returned.
    /// - Throws: ``LedgerError/Code/invalidInput`` for a name of the ledger's own tables;
    ///   ``LedgerError/Code/storage``; what `prepare` or `write` throws (then nothing changes).
    @discardableResult
    public func rewriteExtraTablesHoldingWriter<Prepared>(
        _ names: [String],
        preparing prepare: (borrowing ReadTransaction, _ size: UInt64) throws -> Prepared,
        _ write: (borrowing WriteTransaction, _ tables: [Table], Prepared) throws -> Void
    ) throws -> (removed: [Int], prepared: Prepared) {
        if let own = names.first(where: { name in Tables.specs.contains { $0.name == name } }) {
            throw LedgerError(
                code: .invalidInput,
                message: "\(own) is one of the ledger's own tables, not a derived one"
            )
        }
        let tables = try names.map { try extraTable($0) }
        // Kept across a replay of the transaction for map growth, so that it is not derived twice.
        var derived: (size: UInt64, prepared: Prepared)?
        return try Self.wrapStorage {
            try environment.write { txn in
                let size = UInt64(try txn.count(self.tables.entries))
                if derived?.size != size {
                    // Begun while this transaction holds the writer lock: no commit can come
                    // between, so the snapshot is the state whose tables this transaction writes.
                    let prepared = try environment.read { snapshot in
                        let snapshotSize = UInt64(try snapshot.count(self.tables.entries))
                        precondition(
                            snapshotSize == size,
                            "a snapshot begun under the writer lock is the writer's state"
                        )
                        return try prepare(snapshot, size)
                    }
                    derived = (size, prepared)
                }
                guard let derived else { preconditionFailure("the rows were derived above") }
                let removed = try tables.map { try txn.removeAll(in: $0) }
                try write(txn, tables, derived.prepared)
                return (removed, derived.prepared)
            }
        }
    }

    /// A draft with its confidential values replaced by commitments, ready to be chained.
    package struct SealedDraft: Sendable {
        var type: String
        /// Where the entry's canonical bytes up to its place in the chain
        /// (`Entry.encodeHead(actor:body:origin:into:rejectingReservedKeys:)`) stand in
        /// ``SealedBatch/heads``; for a draft sealed ahead, only their start, up to its body.
        var head: Range<Int>
        /// Canonical JSON of `{pointer: opening}`, or `nil` when nothing was sealed.
        var openings: [UInt8]?
        /// The canonical body of a draft sealed ahead, which follows its head's start: the body
        /// is not copied into the heads.
        var presealedBody: [UInt8]? = nil
        /// For a draft sealed ahead, the SHA-256 state after 0x00 ‖ its head's start ‖ its body
        /// (``EntryDraft/Presealed/leafStart``).
        var leafStart: SHA256State? = nil
    }

    /// Sealed drafts with their heads written one after another into one buffer, so a batch costs
    /// one allocation for its heads instead of one per draft.
    package struct SealedBatch: Sendable {
        /// The heads of all drafts, in order.
        var heads: [UInt8]
        /// The drafts, in order.
        var drafts: [SealedDraft]
    }

    /// Seals a batch in order.
    ///
    /// A large batch of drafts not sealed ahead is sealed in two halves on two threads, before the
    /// write transaction begins (sealing beside the transaction was measured and gained nothing,
    /// Docs/PERFORMANCE.md).
    ///
    /// - Throws: The error of the lowest-numbered bad record.
    package func seal(_ drafts: [EntryDraft]) throws -> SealedBatch {
        // An import's events come sealed ahead, on its own worker threads: such a batch is not split.
        guard drafts.count >= Self.halvedSealing, !drafts.contains(where: { $0.presealed != nil }) else {
            return try Self.seal(drafts[...], origin: origin)
        }
        let middle = drafts.count / 2
        let halves = Mutex<[Result<SealedBatch, any Error>?]>([nil, nil])
        let origin = origin
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            let range = half == 0 ? 0..<middle : middle..<drafts.count
            let result = Result { try Self.seal(drafts[range], origin: origin) }
            halves.withLock { $0[half] = result }
        }
        let (first, second) = halves.withLock { ($0[0], $0[1]) }
        guard var batch = try first?.get(), let rest = try second?.get() else {
            preconditionFailure("both halves of a batch are sealed")
        }
        let shift = batch.heads.count
        batch.heads.append(contentsOf: rest.heads)
        batch.drafts.reserveCapacity(drafts.count)
        for var draft in rest.drafts {
            draft.head = (draft.head.lowerBound + shift)..<(draft.head.upperBound + shift)
            batch.drafts.append(draft)
        }
        return batch
    }

    /// The size of a batch from which its drafts are sealed in two halves on two threads.
    static let halvedSealing = 256

    /// Seals drafts in order; a record is named by its index in the whole batch.
    private static func seal(_ drafts: ArraySlice<EntryDraft>, origin: String) throws -> SealedBatch {
        // A draft sealed ahead writes only the start of its head here, up to its body.
        var heads = CanonicalOutput(capacity: drafts.reduce(0) { $0 + ($1.presealed == nil ? 512 : 64) })
        var sealed: [SealedDraft] = []
        sealed.reserveCapacity(drafts.count)
        var checked = CheckedNames()
        for index in drafts.indices {
            sealed.append(
                try Self.seal(drafts[index], record: index, origin: origin, checked: &checked, heads: &heads)
            )
        }
        return SealedBatch(heads: heads.withBytes { Array($0) }, drafts: sealed)
    }

    /// The type and actor of the last draft that passed validation; batches mostly repeat them.
    package struct CheckedNames {
        var type: String?
        var actor: String?

        package init() {}
    }

    /// Validates a draft and seals its confidential values (salts are drawn here, outside the
    /// transaction, so a replayed transaction writes the same bytes).
    package static func seal(_ draft: EntryDraft, record: Int, origin: String) throws -> SealedBatch {
        var checked = CheckedNames()
        var heads = CanonicalOutput(capacity: 512)
        let sealed = try seal(draft, record: record, origin: origin, checked: &checked, heads: &heads)
        return SealedBatch(heads: heads.withBytes { Array($0) }, drafts: [sealed])
    }

    /// Seals a draft, writing its head onto `heads` and skipping the checks of a type and an actor
    /// equal to those last checked.
    private static func seal(
        _ draft: EntryDraft,
        record: Int,
        origin: String,
        checked: inout CheckedNames,
        heads: inout CanonicalOutput
    ) throws -> SealedDraft {
        func fail(_ field: String, _ message: String) -> LedgerError {
            var error = LedgerError(code: .invalidInput, message: "record \(record), field '\(field)': \(message)")
            error.record = LedgerError.Record(index: record, problem: "field '\(field)': \(message)")
            return error
        }
        if draft.type != checked.type {
            do {
                try Entry.validateName(draft.type, field: "type")
            } catch {
                throw fail("type", "must be 1–64 characters of a-z, 0-9, '.', '-', '_'")
            }
            checked.type = draft.type
        }
        if draft.actor != checked.actor {
            guard Entry.isValidActor(draft.actor) else {
                throw fail("actor", "must be 1–256 characters without control characters")
            }
            checked.actor = draft.actor
        }
        let headStart = heads.count
        if let presealed = draft.presealed {
            // Sealed and encoded by `sealingConfidentialValues(salts:)`, which checked the body for
            // reserved keys. Its depth is the layer's to keep within ``Entry/maxBodyDepth``, as an
            // import does by reading each event to that depth: scanning the bytes here again would
            // add a pass over every event's bytes, on the append's one thread, to each import.
            assert(
                JSONValue.firstNesting(deeperThan: Entry.maxBodyDepth, in: presealed.body) == nil,
                "record \(record): a body sealed ahead nests deeper than an entry's body may"
            )
            Entry.encodeHeadStart(actor: draft.actor, into: &heads)
            return SealedDraft(
                type: draft.type,
                head: headStart..<heads.count,
                openings: presealed.openings,
                presealedBody: presealed.body,
                leafStart: presealed.leafStart
            )
        }
        // The clear body: a value sealed now goes into the openings as deep as it stands in it.
        if let path = draft.body.firstNesting(deeperThan: Entry.maxBodyDepth) {
            throw fail("body\(path.text)", Self.nestedTooDeep)
        }
        guard !draft.confidential.isEmpty || !draft.openings.isEmpty else {
            // The common case: the body is written as it is, and reserved keys are checked on the way.
            guard
                Entry.encodeHead(
                    actor: draft.actor,
                    body: draft.body,
                    origin: origin,
                    into: &heads,
                    rejectingReservedKeys: true
                )
            else {
                let path = reservedKeyPath(in: draft.body) ?? JSONPointer(tokens: [])
                throw fail("body\(path.text)", "keys starting with '$' are reserved for commitments")
            }
            return SealedDraft(type: draft.type, head: headStart..<heads.count, openings: nil)
        }
        var body = draft.body
        var openings: [String: JSONValue] = [:]
        if !draft.openings.isEmpty {
            // A pre-sealed draft: its placeholders must match its openings; the clear view is
            // checked for reserved keys like any other body.
            var clear = body
            for (pointer, opening) in draft.openings {
                guard pointer.value(in: body) == opening.commitment.placeholder else {
                    throw fail("body\(pointer.text)", "does not hold the commitment of its opening")
                }
                // Kept two levels down, `{pointer: {"salt":…,"value":…}}`, where the entry's
                // reader reads it.
                if let path = opening.value.firstNesting(deeperThan: Entry.maxDepth - 2) {
                    throw fail("body\(pointer.text)\(path.text)", Self.nestedTooDeep)
                }
                _ = pointer.replaceValue(with: opening.value, in: &clear)
                openings[pointer.text] = opening.json
            }
            if let path = reservedKeyPath(in: clear) {
                throw fail("body\(path.text)", "keys starting with '$' are reserved for commitments")
            }
            if let path = clear.firstNesting(deeperThan: Entry.maxBodyDepth) {
                throw fail("body\(path.text)", Self.nestedTooDeep)
            }
        } else if let path = reservedKeyPath(in: draft.body) {
            throw fail("body\(path.text)", "keys starting with '$' are reserved for commitments")
        }
        for pointer in draft.confidential {
            guard !pointer.tokens.isEmpty else {
                throw fail("confidential", "the whole body cannot be sealed; name a field inside it")
            }
            guard openings[pointer.text] == nil else {
                throw fail("confidential", "\(pointer.text) is named twice")
            }
            guard let value = pointer.value(in: body), Commitment(placeholder: value) == nil else {
                throw fail("body\(pointer.text)", "no such field to seal (or it is inside another sealed field)")
            }
            let opening = Opening.sealing(value)
            _ = pointer.replaceValue(with: opening.commitment.placeholder, in: &body)
            openings[pointer.text] = opening.json
        }
        // A commitment is an object: in place of a plain value it stands a level deeper.
        if !draft.confidential.isEmpty, let path = body.firstNesting(deeperThan: Entry.maxBodyDepth) {
            throw fail(
                "body\(path.text)",
                "a commitment ({\"$commit\":…}) in place of this value is an object, which nests deeper than the "
                    + "\(Entry.maxBodyDepth) levels an entry's body may; seal a value less deeply nested"
            )
        }
        _ = Entry.encodeHead(
            actor: draft.actor,
            body: body,
            origin: origin,
            into: &heads,
            rejectingReservedKeys: false
        )
        return SealedDraft(
            type: draft.type,
            head: headStart..<heads.count,
            openings: JSONValue.object(openings).canonicalBytes
        )
    }

    /// What is wrong with a body that nests deeper than ``Entry/maxBodyDepth``, at the first array
    /// or object past it.
    package static let nestedTooDeep =
        "arrays and objects nest deeper here than the \(Entry.maxBodyDepth) levels an entry's body may, its own "
        + "array or object the first (the entry holds the body one level down, and entries are read to "
        + "\(Entry.maxDepth) levels)"

    /// The first key starting with `$` in a body, as a pointer; the search allocates only a
    /// pointer for the key it finds.
    static func reservedKeyPath(in value: JSONValue) -> JSONPointer? {
        guard containsReservedKey(value) else { return nil }
        return reservedKeyPath(in: value, at: [])
    }

    static func containsReservedKey(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let members):
            for (key, child) in members {
                if key.utf8.first == UInt8(ascii: "$") || containsReservedKey(child) { return true }
            }
            return false
        case .array(let elements):
            return elements.contains(where: containsReservedKey)
        default:
            return false
        }
    }

    private static func reservedKeyPath(in value: JSONValue, at path: [String]) -> JSONPointer? {
        switch value {
        case .object(let members):
            for key in members.keys.sorted() {
                if key.hasPrefix("$") { return JSONPointer(tokens: path + [key]) }
                if let child = members[key], let found = reservedKeyPath(in: child, at: path + [key]) { return found }
            }
        case .array(let elements):
            for (index, child) in elements.enumerated() {
                if let found = reservedKeyPath(in: child, at: path + [String(index)]) { return found }
            }
        default:
            break
        }
        return nil
    }

    /// The body of the append transaction.
    ///
    /// It may run more than once (LMDB map growth replays it),
    /// so it depends only on its arguments and the stored state.
    private func appendSealed(
        _ sealed: SealedBatch,
        time clockTime: Timestamp,
        txn: borrowing WriteTransaction
    ) throws -> AppendReceipt {
        let start = UInt64(try txn.count(tables.entries))
        var previous = SHA256Digest.zero
        var time = clockTime
        if start > 0 {
            previous = try storedNode(level: 0, index: start - 1, txn: txn)
            // Entry times never go back (`--as-of TIME` finds a size by them): a clock stepped
            // back, or a writer that read the clock before another committed, stamps the last
            // entry's time. It depends on the stored state alone, so a replayed transaction
            // stamps the same.
            let lastTime = try txn.withValue(in: tables.entries, forKey: BigEndianKey.encode(start - 1)) { bytes in
                guard let bytes, let tail = EntryScanner.scanTail(bytes) else { return Timestamp?.none }
                return Timestamp(rfc3339: String(decoding: bytes[tail.time], as: UTF8.self))
            }
            if let lastTime, lastTime > time { time = lastTime }
        }
        try checkLastCheckpoint(treeSize: start, txn: txn)
        var range = try CompactRange(size: start) { level, index in try storedNode(level: level, index: index, txn: txn)
        }
        var sequence = start
        let lastSequence = start + UInt64(sealed.drafts.count) - 1
        // One hasher, one entry buffer and fixed key buffers serve the whole batch.
        var hasher = SHA256Hasher()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        var key = [UInt8](repeating: 0, count: 8)
        var nodeKey = [UInt8](repeating: 0, count: 9)
        // The type index gets one row per run of consecutive entries of one type (Tables.typeRun):
        // entries runStart..<sequence, all of type runType.
        var runType = ""
        var runStart = start
        // Write cursors stay at the end of their tables, so each append skips a descent from the root.
        let entryCursor = try txn.cursor(tables.entries)
        let nodeCursor = try txn.cursor(tables.nodes)
        let openingCursor = try txn.cursor(tables.openings)
        let typeCursor = try txn.cursor(tables.byType)
        var timeText = time.rfc3339
        let headEnd = Entry.headEnd(origin: origin)
        try timeText.withUTF8 { timeText in
            for draft in sealed.drafts {
                bytes.removeAll(keepingCapacity: true)
                bytes.append(contentsOf: sealed.heads[draft.head])
                if let body = draft.presealedBody {
                    bytes.append(contentsOf: body)
                    bytes.append(contentsOf: headEnd)
                }
                Entry.encodeTail(
                    previousHash: previous,
                    sequenceNumber: sequence,
                    timeText: timeText,
                    type: draft.type,
                    into: &bytes
                )
                let leafHash: SHA256Digest
                if let leafStart = draft.leafStart, let body = draft.presealedBody {
                    // Hashed up to the body's end where it was sealed: the rest of the entry follows.
                    hasher.resume(leafStart)
                    let hashed = sealed.heads[draft.head].count + body.count
                    bytes.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[hashed...])) }
                    leafHash = hasher.finalize()
                } else {
                    // The raw-buffer overload: the generic one reaches SHA256Hasher unspecialised.
                    leafHash = bytes.withUnsafeBytes { MerkleTree.leafHash($0, using: &hasher) }
                }
                Tables.writeKey(sequence, into: &key)
                try entryCursor.put(bytes, forKey: key, mode: .append)
                try range.append(leafHash: leafHash, using: &hasher) { level, index, hash in
                    // A leaf hash is stored as a node only for the batch's last entry; every other
                    // entry's leaf hash is the next entry's `prev` (see storedNode).
                    guard level > 0 || sequence == lastSequence else {
                        return
                    }
                    Tables.writeNodeKey(level: level, index: index, into: &nodeKey)
                    try nodeCursor.put(hash.bytes, forKey: nodeKey, mode: .append)
                }
                if let openings = draft.openings {
                    try openingCursor.put(openings, forKey: key, mode: .append)
                }
                if sequence > runStart, draft.type != runType {
                    try typeCursor.put(
                        Tables.typeRun(from: runStart, to: sequence),
                        forKey: Array(runType.utf8),
                        mode: .appendDuplicate
                    )
                    runStart = sequence
                }
                if sequence == runStart {
                    runType = draft.type
                }
                previous = leafHash
                sequence += 1
            }
        }
        if sequence > runStart {
            try typeCursor.put(
                Tables.typeRun(from: runStart, to: sequence),
                forKey: Array(runType.utf8),
                mode: .appendDuplicate
            )
        }
        let checkpoint = try Checkpoint(origin: origin, size: sequence, rootHash: range.root())
        let signed = try SignedCheckpoint.sign(checkpoint, with: try signer)
        try txn.put(
            Array(signed.note.formatted.utf8),
            forKey: BigEndianKey.encode(sequence),
            in: tables.checkpoints,
            mode: .append
        )
        return AppendReceipt(
            firstSequenceNumber: start,
            count: sealed.drafts.count,
            treeSize: sequence,
            checkpoint: signed
        )
    }

    /// Refuses to extend a tree whose stored nodes no longer give the root of the last signed
    /// checkpoint: signing on top of it would sign two inconsistent views of history.
    private func checkLastCheckpoint(treeSize: UInt64, txn: borrowing WriteTransaction) throws {
        let cursor = try txn.cursor(tables.checkpoints)
        guard let (key, value) = try cursor.last() else {
            guard treeSize == 0 else {
                throw LedgerError(
                    code: .corruptLedger,
                    message: "the ledger holds \(treeSize) entries but no checkpoint"
                )
            }
            return
        }
        let last = try SignedCheckpoint(parsing: String(decoding: value, as: UTF8.self))
        guard BigEndianKey.decode(key) == last.checkpoint.size, last.checkpoint.size <= treeSize else {
            throw LedgerError(
                code: .corruptLedger,
                message:
                    "the last checkpoint (size \(last.checkpoint.size)) does not fit a ledger of \(treeSize) entries"
            )
        }
        let root = try MerkleTree.root(size: last.checkpoint.size) { level, index in
            try storedNode(level: level, index: index, txn: txn)
        }
        guard root == last.checkpoint.rootHash else {
            throw LedgerError(
                code: .corruptLedger,
                message:
                    "the stored tree at size \(last.checkpoint.size) no longer matches its signed checkpoint; run `celltrace verify`"
            )
        }
    }

    /// Reads a stored perfect-subtree hash.
    ///
    /// Leaf hashes (level 0) are stored as nodes only for the last entry of each batch (and for
    /// every entry of ledgers written before that); any other entry's leaf hash is the `prev` of
    /// the entry after it. Either way a leaf hash costs at most two point reads.
    func storedNode(
        level: Int,
        index: UInt64,
        txn: borrowing some ReadableTransaction & ~Copyable
    ) throws -> SHA256Digest {
        if level == 0, let hash = try storedLeafHash(index: index, txn: txn) {
            return hash
        }
        var length: Int? = nil
        let digest = try SHA256Digest { buffer in
            length = try txn.copyValue(
                in: tables.nodes,
                forKey: Tables.nodeKey(level: level, index: index),
                into: buffer
            )
        }
        guard length == SHA256Digest.byteCount else {
            throw LedgerError(
                code: .corruptLedger,
                message: "Merkle node (level \(level), index \(index)) is missing or damaged"
            )
        }
        return digest
    }

    /// The leaf hash of an entry as the next entry's `prev` records it, or `nil` when no entry
    /// follows it.
    private func storedLeafHash(
        index: UInt64,
        txn: borrowing some ReadableTransaction & ~Copyable
    ) throws -> SHA256Digest? {
        guard index < UInt64.max else { return nil }
        return try txn.withValue(in: tables.entries, forKey: BigEndianKey.encode(index + 1)) { next in
            guard let next else { return nil }
            guard let tail = EntryScanner.scanTail(next), tail.sequenceNumber == index + 1,
                let hash = EntryScanner.digest(next, at: tail.previousHashRange)
            else {
                throw LedgerError(
                    code: .corruptLedger,
                    message: "entry \(index + 1) is damaged: its 'prev' cannot be read"
                )
            }
            return hash
        }
    }
}

extension EntryDraft {
    /// The first key starting with `$` in the draft's body with its sealed fields' values put
    /// back: the field the append refuses, so that a caller can name it before writing anything;
    /// `nil` when there is none.
    package var reservedKeyPath: JSONPointer? {
        var clear = body
        for (pointer, opening) in openings { _ = pointer.replaceValue(with: opening.value, in: &clear) }
        return Ledger.reservedKeyPath(in: clear)
    }
}
