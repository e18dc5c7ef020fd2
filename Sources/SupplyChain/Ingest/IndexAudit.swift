import LedgerCore
import LedgerCrypto
import LedgerStorage
import Synchronization

/// The result of rebuilding the supply-chain indexes from the entries and comparing them with
/// the stored ones.
public struct IndexAuditReport: Sendable {
    /// Entries replayed.
    public var entriesReplayed: UInt64 = 0
    /// Submissions whose signatures and event hashes were checked.
    public var submissionsVerified: Int = 0
    /// Attestations whose verifiers' signatures were checked.
    public var attestationsVerified: Int = 0
    /// Index rows compared.
    public var rowsCompared: Int = 0
    /// The first problem found, or `nil` when the indexes match the entries.
    public var failure: String?
    /// The entry at which replay failed, when the problem is an entry's.
    public var failureSequenceNumber: UInt64?
    /// Whether that entry does not read as an entry at all: its bytes, which the chain holds, are
    /// not an entry this CellTrace reads (or its confidential values do not open), so it is damaged
    /// rather than refused by the rules.
    public var entryDoesNotRead = false

    /// Whether the stored indexes are exactly what the entries give.
    public var isValid: Bool { failure == nil }
}

/// The result of rebuilding the supply-chain indexes from the entries.
public struct IndexRebuildReport: Sendable {
    /// One index table: its rows before and after the rebuild.
    public struct Table: Sendable, Equatable {
        /// The table's name (`sc.lots`, …).
        public var name: String
        /// Rows it held before.
        public var rowsBefore: Int
        /// Rows it holds now.
        public var rowsAfter: Int
    }

    /// Entries replayed.
    public var entriesReplayed: UInt64
    /// Submissions whose signatures and event hashes were checked.
    public var submissionsVerified: Int
    /// Every index table, in a fixed order; empty when nothing was written.
    public var tables: [Table]
    /// Why nothing was written: the first entry that does not replay.
    public var failure: String? = nil
    /// The sequence number of that entry, when the failure is an entry's.
    public var failureSequenceNumber: UInt64? = nil

    /// The index layout the tables held before, when it was another than this CellTrace's (or
    /// none, `"1"`, for rows an early CellTrace wrote without a marker); `nil` when it was this
    /// CellTrace's or the tables were empty.
    public var formerLayout: String? = nil
    /// The index layout this CellTrace writes.
    public var layout: String { IndexTable.layout }

    /// Whether the indexes were rebuilt.
    public var isRebuilt: Bool { failure == nil }
}

extension SupplyChainLedger {
    /// Rebuilds every supply-chain index by replaying the entries through the same rules the
    /// import uses, checks every submission's signature (with the key the actor had at that point)
    /// and event hashes, and compares the rebuilt indexes with the stored ones row by row.
    ///
    /// The rebuilt state is held in memory: about the size of the indexes.
    public func auditIndexes(progress: ((UInt64, UInt64) -> Void)? = nil) throws -> IndexAuditReport {
        var report = IndexAuditReport()
        try ledger.read { txn, size in
            do {
                let rules = try replay(txn, size: size, report: &report, progress: progress)
                try compare(rules.store, txn, report: &report)
            } catch let stop as AuditStop {
                report.failure = stop.message
                report.failureSequenceNumber = stop.sequence
                report.entryDoesNotRead = stop.entryDoesNotRead
            }
        }
        // Rows of another layout differ from the replay's by design: said first, so that a
        // ledger an earlier CellTrace indexed is not taken for a damaged one.
        if let failure = report.failure, !report.entryDoesNotRead, let outdated = outdatedIndexes {
            report.failure = outdated.message + "; until then the audit finds: " + failure
        }
        progress?(report.entriesReplayed, report.entriesReplayed)
        return report
    }

    /// Replays the first `size` entries into a complete state store, checking every submission's
    /// signature and event hashes.
    ///
    /// - Throws: ``AuditStop`` naming the first entry that fails; errors of the ledger.
    private func replay(
        _ txn: borrowing ReadTransaction,
        size: UInt64,
        report: inout IndexAuditReport,
        progress: ((UInt64, UInt64) -> Void)?
    ) throws -> Rules {
        let origin = ledger.origin
        var rules = Rules(store: StateStore(tables: tables, complete: true))
        var submission: (actor: String, hashes: [String], next: Int, sequence: UInt64)?
        func fail(_ sequence: UInt64, _ message: String) throws -> Never {
            throw AuditStop(message: "entry \(sequence): \(message)", sequence: sequence)
        }
        // Entries are read ahead, a batch at a time, on every core (``ReadAhead``); the rules
        // apply them one after another.
        var batch: [(sequence: UInt64, bytes: [UInt8])] = []
        batch.reserveCapacity(ReadAhead.batch)
        var replayFailed = false
        func replayBatch() throws {
            do {
                for read in ReadAhead.read(batch, ledger: ledger) {
                    try replayEntry(read)
                }
            } catch {
                replayFailed = true
                throw error
            }
            batch.removeAll(keepingCapacity: true)
        }
        func replayEntry(_ read: ReadAhead) throws {
            let sequence = read.sequence
            if sequence % 4096 == 0 { progress?(sequence, size) }
            report.entriesReplayed += 1
            // Entries of other layers (plain appends) need no parse; the ledger's own audit
            // has checked them.
            let parsed: Entry?
            do {
                parsed = try read.entry()
            } catch let error as LedgerError where error.code == .invalidInput || error.code == .corruptLedger {
                // Stored bytes this CellTrace cannot read, such as an event nested deeper than an
                // entry may be, which an earlier CellTrace let in: the entry fails, as a changed
                // one does, and the input that made it is long gone.
                throw AuditStop(
                    message: "entry \(sequence): \(error.message)",
                    sequence: sequence,
                    entryDoesNotRead: true
                )
            }
            guard let entry = parsed else {
                if let open = submission, open.next < open.hashes.count {
                    try fail(
                        sequence,
                        "submission \(open.sequence) lists \(open.hashes.count) events but only \(open.next) follow it"
                    )
                }
                submission = nil
                return
            }
            let body = read.body
            if var open = submission, entry.type != EntryType.event || open.next == open.hashes.count {
                if open.next < open.hashes.count {
                    try fail(
                        sequence,
                        "submission \(open.sequence) lists \(open.hashes.count) events but only \(open.next) follow it"
                    )
                }
                submission = nil
                open.next = 0
            }
            let sink = ProblemSink(identifier: body["id"]?.stringValue ?? body["eventID"]?.stringValue)
            switch entry.type {
            case EntryType.actorRegister:
                if let actor = ActorDraft.read(body, sequence: sequence, sink: sink) {
                    try rules.registerActor(actor, body: body, sink: sink, txn)
                }
            case EntryType.actorKeyRotate, EntryType.actorKeyRevoke:
                try rules.applyKeyChange(type: entry.type, body: body, sequence: sequence, sink: sink, txn)
            case EntryType.facilityRegister:
                if let facility = FacilityDraft.read(body, sequence: sequence, sink: sink) {
                    try rules.registerFacility(facility, sink: sink, txn)
                }
            case EntryType.facilityTransfer:
                try rules.transferFacility(body, sequence: sequence, sink: sink, txn)
            case EntryType.facilityAmend:
                try rules.amendFacility(body, sequence: sequence, sink: sink, txn)
            case EntryType.modelRegister:
                if let model = BatteryModel.read(body, sequence: sequence, sink: sink) {
                    try rules.registerBatteryModel(model, sink: sink, txn)
                }
            case EntryType.factorTable:
                if let table = FactorTable.read(body, sink: sink) {
                    try rules.recordFactorTable(table, sequence: sequence, sink: sink, txn)
                }
            case EntryType.disclosure:
                if let disclosure = Disclosure(json: body) {
                    rules.recordDisclosure(disclosure, sequence: sequence)
                } else {
                    try fail(sequence, "the disclosure record lacks a field")
                }
            case EntryType.attestation:
                guard let attestation = Attestation.read(body, sink: sink) else {
                    try fail(
                        sequence,
                        "the attestation record is not one the ledger accepts: \(sink.problems.first.map { "\($0)" } ?? "")"
                    )
                }
                guard attestation.verifier == entry.actor else {
                    try fail(
                        sequence,
                        "the attestation is by \(attestation.verifier), recorded under \(entry.actor)'s name"
                    )
                }
                try rules.recordAttestation(attestation, sequence: sequence, origin: origin, sink: sink, txn)
                if sink.isEmpty, let problem = try rootMismatch(attestation, before: sequence) {
                    try fail(sequence, "the attestation's rootHash \(problem)")
                }
                if sink.isEmpty, let problem = SupplyChainLedger.completedLater(attestation, recordedAt: entry.time) {
                    try fail(sequence, "the attestation's completedOn: \(problem)")
                }
                if sink.isEmpty, let recorder = try selfAttested(attestation) {
                    try fail(sequence, "\(attestation.verifier) attests entry \(recorder) it recorded itself")
                }
                report.attestationsVerified += 1
            case EntryType.attestationWithdraw:
                guard let withdrawal = AttestationWithdrawal.read(body, sink: sink) else {
                    try fail(
                        sequence,
                        "the withdrawal record is not one the ledger accepts: \(sink.problems.first.map { "\($0)" } ?? "")"
                    )
                }
                guard withdrawal.verifier == entry.actor else {
                    try fail(
                        sequence,
                        "the withdrawal is by \(withdrawal.verifier), recorded under \(entry.actor)'s name"
                    )
                }
                try rules.withdrawAttestation(withdrawal, sequence: sequence, origin: origin, sink: sink, txn)
                report.attestationsVerified += 1
            case EntryType.submission:
                guard let actor = try rules.actor(entry.actor, txn),
                    let keyID = body["key"]?.stringValue,
                    let key = actor.keys.first(where: { $0.id == keyID }), key.isValid(at: sequence),
                    let signature = body["signature"]?.stringValue.flatMap({ Base64.decode($0) }),
                    let hashes = body["events"]?.arrayValue?.compactMap(\.stringValue)
                else {
                    try fail(
                        sequence,
                        "submission by \(entry.actor) names no key of that actor valid at this point"
                    )
                }
                let message = Self.submissionMessage(origin: origin, body: body)
                guard
                    try Ed25519PublicKey(rawRepresentation: key.publicKey).isValidSignature(
                        signature,
                        for: message
                    )
                else {
                    try fail(sequence, "the signature of \(entry.actor)'s submission does not verify")
                }
                submission = (entry.actor, hashes, 0, sequence)
                report.submissionsVerified += 1
            case EntryType.event:
                guard var open = submission, open.next < open.hashes.count else {
                    try fail(sequence, "an event entry outside any submission")
                }
                guard entry.actor == open.actor, read.bodyHash == open.hashes[open.next] else {
                    try fail(sequence, "the event is not the one submission \(open.sequence) signed")
                }
                open.next += 1
                submission = open
                guard let actor = try rules.actor(entry.actor, txn) else {
                    try fail(sequence, "unknown actor \(entry.actor)")
                }
                // Read ahead; read again here only to name the problems of one that does not read.
                let event =
                    read.event
                    ?? EPCISEvent.read(
                        body,
                        index: open.next - 1,
                        namespaces: SubmissionDocument.baseNamespaces,
                        sink: sink
                    )
                if let event {
                    if event.errorDeclaration == nil, try rules.eventSequence(event.eventID, txn) != nil {
                        try fail(sequence, "event \(event.eventID) is recorded twice")
                    }
                    try rules.apply(
                        event,
                        actor: actor,
                        sequence: sequence,
                        submission: open.sequence,
                        sink: sink,
                        txn
                    )
                }
            default:
                break
            }
            if let problem = sink.problems.first {
                try fail(sequence, "replaying the \(entry.type) entry fails: \(problem)")
            }
        }
        do {
            try ledger.forEachEntry(in: 0..<size) { sequence, bytes in
                batch.append((sequence, bytes))
                if batch.count == ReadAhead.batch { try replayBatch() }
            }
        } catch let error where !replayFailed {
            // An entry the ledger cannot read (its leaf hash does not match) stops the walk: the
            // entries read before it are replayed first, as they were one by one, so that the
            // first entry that fails is the one named.
            try replayBatch()
            throw error
        }
        try replayBatch()
        if let open = submission, open.next < open.hashes.count {
            throw AuditStop(
                message:
                    "submission \(open.sequence) lists \(open.hashes.count) events but only \(open.next) follow it"
            )
        }
        return rules
    }

    /// Compares the stored index tables with a complete store, row by row.
    ///
    /// - Throws: ``AuditStop`` at the first row that differs, is missing or is extra.
    private func compare(
        _ store: StateStore,
        _ txn: borrowing ReadTransaction,
        report: inout IndexAuditReport
    ) throws {
        for table in IndexTable.allCases {
            var expected = store.rows(table)
            // A table without a directory is of an older layout: its rows are compared as rows.
            if DigestRuns.holds(table), try !DigestRuns.directory(in: IndexTable.handle(table, in: tables), txn).isEmpty
            {
                try compareRecords(of: table, with: &expected, txn, report: &report)
                continue
            }
            let cursor = try txn.cursor(IndexTable.handle(table, in: tables))
            var row = try cursor.first()
            while let (key, value) = row {
                report.rowsCompared += 1
                guard let want = expected.removeValue(forKey: key) else {
                    throw AuditStop(
                        message:
                            "index \(table.rawValue) has a row no entry explains: \(Self.printable(key, in: table))"
                    )
                }
                guard want == value else {
                    throw AuditStop(
                        message:
                            "index \(table.rawValue) row \(Self.printable(key, in: table)) differs from what the entries give"
                    )
                }
                row = try cursor.next()
            }
            if let (key, _) = expected.first {
                throw AuditStop(
                    message:
                        "index \(table.rawValue) lacks the row \(Self.printable(key, in: table)) that the entries give"
                )
            }
        }
    }

    /// Compares the records of a digest-keyed table (``DigestRuns``) with a complete store's rows,
    /// `expected`, which it empties as it goes.
    ///
    /// - Throws: ``AuditStop`` at the first record that differs, is missing or is extra, or when
    ///   the runs are damaged.
    private func compareRecords(
        of table: IndexTable,
        with expected: inout [[UInt8]: [UInt8]],
        _ txn: borrowing ReadTransaction,
        report: inout IndexAuditReport
    ) throws {
        do {
            try DigestRuns.forEachRecord(in: IndexTable.handle(table, in: tables), txn) { digest, value in
                report.rowsCompared += 1
                let key = Array(digest)
                guard let want = expected.removeValue(forKey: key) else {
                    throw AuditStop(
                        message:
                            "index \(table.rawValue) has a row no entry explains: \(Self.printable(key, in: table))"
                    )
                }
                guard want.elementsEqual(value) else {
                    throw AuditStop(
                        message:
                            "index \(table.rawValue) row \(Self.printable(key, in: table)) differs from what the entries give"
                    )
                }
            }
        } catch let error as SupplyChainError where error.code == .ledger {
            throw AuditStop(message: error.message)
        }
        if let (key, _) = expected.first {
            throw AuditStop(
                message: "index \(table.rawValue) lacks the row \(Self.printable(key, in: table)) that the entries give"
            )
        }
    }

    /// The rows of each index table, in ``IndexTable/allCases`` order: for a digest-keyed table,
    /// its records (``DigestRuns/recordCount(in:_:)``).
    private func rowCounts(_ txn: borrowing ReadTransaction) throws -> [Int] {
        try IndexTable.allCases.map { table in
            let handle = try IndexTable.handle(table, in: tables)
            return DigestRuns.holds(table) ? try DigestRuns.recordCount(in: handle, txn) : try txn.count(handle)
        }
    }

    /// Rebuilds every supply-chain index from the entries and writes it in place of the stored
    /// one: for indexes that an older CellTrace wrote in another form, that were damaged, or that
    /// a verify found differing from the entries.
    ///
    /// The entries are replayed as ``auditIndexes(progress:)`` replays them, signatures and event
    /// hashes checked; only when every entry replays are the index tables emptied and written
    /// again, in one durable transaction that appends nothing. The entries, the Merkle tree and
    /// the checkpoints are not touched. If another writer appends meanwhile, the replay starts
    /// again from the new size; after three such replays, as an import does, it replays once more
    /// with the writer lock held (``Ledger/rewriteExtraTablesHoldingWriter(_:preparing:_:)``),
    /// which no append can come between, so that a steady feed of appends cannot keep a rebuild
    /// from completing: they wait for it. The rebuilt state is held in memory until it is
    /// written, as ``auditIndexes(progress:)`` holds it.
    ///
    /// - Parameter progress: Called with (entries replayed, entries in all).
    /// - Returns: What was replayed and written; when an entry does not replay, its failure, and
    ///   nothing was written.
    /// - Throws: ``SupplyChainError`` with code ``SupplyChainError/Code/ledger`` when storage
    ///   fails.
    public func rebuildIndexes(progress: ((UInt64, UInt64) -> Void)? = nil) throws -> IndexRebuildReport {
        let names = IndexTable.allCases.map(\.rawValue)
        for _ in 0..<Self.optimisticAttempts {
            var audit = IndexAuditReport()
            let replayed: (rules: Rules, size: UInt64, rows: [Int])
            do {
                replayed = try ledger.read { txn, size in
                    (try replay(txn, size: size, report: &audit, progress: progress), size, try rowCounts(txn))
                }
            } catch let stop as AuditStop {
                return Self.stopped(stop, audit)
            }
            progress?(audit.entriesReplayed, audit.entriesReplayed)
            let store = replayed.rules.store
            do {
                if let beforeWrite = beforeWrite.withLock({ $0 }) { beforeWrite() }
                // The rows each table had in the snapshot replayed, which the rewrite checks is
                // still the ledger's size.
                _ = try ledger.rewriteExtraTables(names, expectedSize: replayed.size) { txn, _ in
                    try store.flush(into: txn)
                }
                return try rebuilt(audit, rowsBefore: replayed.rows)
            } catch let error as LedgerError where error.code == .conflict {
                continue
            } catch let error as LedgerError {
                throw Self.notRebuilt(error)
            }
        }
        // Another writer appended between each replay and its write: replayed once more with the
        // writer lock held, which no append can come between. Appends wait for it; reads do not.
        var audit = IndexAuditReport()
        do {
            let (_, replayed) = try ledger.rewriteExtraTablesHoldingWriter(names) { txn, size in
                audit = IndexAuditReport()
                return (try replay(txn, size: size, report: &audit, progress: progress), try rowCounts(txn))
            } _: { txn, _, replayed in
                try replayed.0.store.flush(into: txn)
            }
            progress?(audit.entriesReplayed, audit.entriesReplayed)
            return try rebuilt(audit, rowsBefore: replayed.1)
        } catch let stop as AuditStop {
            return Self.stopped(stop, audit)
        } catch let error as LedgerError {
            throw Self.notRebuilt(error)
        }
    }

    /// The report of a rebuild that stopped at an entry that does not replay: nothing written.
    private static func stopped(_ stop: AuditStop, _ audit: IndexAuditReport) -> IndexRebuildReport {
        IndexRebuildReport(
            entriesReplayed: audit.entriesReplayed,
            submissionsVerified: audit.submissionsVerified,
            tables: [],
            failure: stop.message,
            failureSequenceNumber: stop.sequence
        )
    }

    /// The report of a rebuild whose indexes were written, the tables' rows before given.
    private func rebuilt(_ audit: IndexAuditReport, rowsBefore before: [Int]) throws -> IndexRebuildReport {
        // The layout the open found, before the rebuild clears it: an outdated open named it.
        let former = outdatedIndexes.map { _ in formerLayoutText }
        indexesRebuilt()
        let after = try ledger.read { txn, _ in try rowCounts(txn) }
        return IndexRebuildReport(
            entriesReplayed: audit.entriesReplayed,
            submissionsVerified: audit.submissionsVerified,
            tables: zip(IndexTable.allCases, zip(before, after)).map {
                IndexRebuildReport.Table(name: $0.rawValue, rowsBefore: $1.0, rowsAfter: $1.1)
            },
            formerLayout: former
        )
    }

    /// A storage failure of a rebuild, which wrote nothing.
    private static func notRebuilt(_ error: LedgerError) -> SupplyChainError {
        SupplyChainError(code: .ledger, message: "the indexes were not rebuilt: \(error.message)", cause: error)
    }

    static func printable(_ key: [UInt8]) -> String {
        String(decoding: key.map { $0 < 0x20 || $0 > 0x7e ? UInt8(ascii: ".") : $0 }, as: UTF8.self)
    }

    /// A row's key as a person reads it: the numbers in the keys of the tables keyed by lot
    /// number or sequence number as numbers, an eventID's 32-byte digest in hex, text as text.
    static func printable(_ key: [UInt8], in table: IndexTable) -> String {
        func number(_ bytes: ArraySlice<UInt8>) -> UInt64? { IndexKey.sequence(in: bytes) }
        switch table {
        case .lots, .lineage:
            if let lot = number(key[...]) { return "lot #\(lot)" }
        case .lotSerials:
            if key.count > 17, let lot = number(key.prefix(8)), let last = number(key.suffix(8)) {
                return "lot #\(lot) ‖ \(printable(Array(key.dropFirst(8).dropLast(9)))) ‖ \(last)"
            }
        case .retractedSerials:
            if key.count > 17, let last = number(key.dropLast(8).suffix(8)), let entry = number(key.suffix(8)) {
                return "\(printable(Array(key.dropLast(17)))) ‖ \(last) ‖ entry \(entry)"
            }
        case .lotRetractedSerials:
            if key.count > 25, let lot = number(key.prefix(8)), let last = number(key.dropLast(8).suffix(8)),
                let entry = number(key.suffix(8))
            {
                return "lot #\(lot) ‖ \(printable(Array(key.dropFirst(8).dropLast(17)))) ‖ \(last) ‖ entry \(entry)"
            }
        case .holdings:
            if key.count > 8, let lot = number(key.prefix(8)) {
                return "lot #\(lot) ‖ \(printable(Array(key.dropFirst(8))))"
            }
        case .edgesUp, .edgesDown:
            if key.count == 24, let first = number(key[0..<8]), let second = number(key[8..<16]),
                let sequence = number(key[16...])
            {
                return "lot #\(first) ‖ lot #\(second) ‖ entry \(sequence)"
            }
        case .lotUses, .shipments:
            if key.count == 16, let lot = number(key[0..<8]), let sequence = number(key[8...]) {
                return "lot #\(lot) ‖ entry \(sequence)"
            }
        case .unitShipments, .takenOut:
            if key.count > 9, key[key.count - 9] == 0, let sequence = number(key.suffix(8)) {
                return "\(printable(Array(key.dropLast(9)))) ‖ entry \(sequence)"
            }
        case .modelUnits:
            if let split = key.firstIndex(of: 0) {
                return "\(printable(Array(key[..<split]))) ‖ \(printable(Array(key[(split + 1)...])))"
            }
        case .events, .processes, .attestations:
            if let sequence = number(key[...]) { return "entry \(sequence)" }
        case .eventIDs, .eventHashes:
            if key.count == 32 { return "SHA-256 " + HexCoding.encode(key) }
        case .corrections:
            if key.count == 40, let sequence = number(key[32...]) {
                return "SHA-256 \(HexCoding.encode(key.prefix(32))) ‖ entry \(sequence)"
            }
        default:
            break
        }
        return printable(key)
    }
}

private struct AuditStop: Error {
    var message: String
    var sequence: UInt64? = nil
    /// Whether the entry at `sequence` does not read (``IndexAuditReport/entryDoesNotRead``).
    var entryDoesNotRead = false
}

/// An entry read ahead of its replay: what does not depend on the entries before it, so that a
/// batch of entries is read on every core while the rules, which must take the entries in order,
/// run on one.
///
/// An entry of another layer is not parsed. A supply-chain entry is parsed and its confidential
/// fields opened; an event's body is hashed as its submission signs it, and the event is read
/// with its hash ID. What fails is kept, and thrown when the replay reaches the entry, so that
/// the first entry that fails is still the one named.
private struct ReadAhead: @unchecked Sendable {
    /// The entries read ahead at a time.
    static let batch = 4096
    /// The entries of a batch one thread reads in a row.
    static let piece = 256

    let sequence: UInt64
    /// The entry, `nil` for one of another layer.
    private var parsed: Entry?
    /// What parsing the entry or opening its fields threw.
    private var failure: (any Error)?
    /// The entry's body, its confidential fields opened.
    private(set) var body: JSONValue = .null
    /// The SHA-256 (hex) of an event's body as its entry holds it, which its submission signs.
    private(set) var bodyHash: String?
    /// The event, when its body reads as one.
    private(set) var event: EPCISEvent?

    /// The entry, or what reading it threw; `nil` for an entry of another layer.
    func entry() throws -> Entry? {
        if let failure { throw failure }
        return parsed
    }

    private init(sequence: UInt64, bytes: [UInt8], ledger: Ledger, scratch: EventHashID.Scratch) {
        self.sequence = sequence
        if let type = Entry.type(ofCanonicalBytes: bytes),
            !SupplyChainLedger.reservedEntryTypes.contains(where: { type == $0 || type.hasPrefix($0 + ".") })
        {
            return
        }
        do {
            let entry = try Entry(canonicalBytes: bytes)
            var body = entry.body
            if !entry.commitments.isEmpty {
                for (pointer, opening) in try ledger.openings(of: entry) {
                    _ = pointer.replaceValue(with: opening.value, in: &body)
                }
            }
            if entry.type == SupplyChainLedger.EntryType.event {
                bodyHash = SHA256.hash(entry.body.canonicalBytes).hex
                event = EPCISEvent.read(
                    body,
                    index: 0,
                    namespaces: SubmissionDocument.baseNamespaces,
                    sink: ProblemSink(),
                    scratch: scratch
                )
            }
            self.body = body
            parsed = entry
        } catch {
            failure = error
        }
    }

    /// The entries of `batch`, read on every core, in order.
    static func read(_ batch: [(sequence: UInt64, bytes: [UInt8])], ledger: Ledger) -> [ReadAhead] {
        let pieces = (batch.count + piece - 1) / piece
        return Parallel.map(pieces) { index in
            // Each thread's hash IDs reuse their buffers, and a submission's events their namespaces.
            let scratch = EventHashID.Scratch()
            return batch[index * piece..<min(batch.count, (index + 1) * piece)].map {
                ReadAhead(sequence: $0.sequence, bytes: $0.bytes, ledger: ledger, scratch: scratch)
            }
        }.flatMap { $0 }
    }
}
