import LedgerCore
import LedgerCrypto
import LedgerStorage

/// The supply-chain indexes: LMDB tables beside the ledger's own, derived from entries only.
enum IndexTable: String, CaseIterable, Sendable {
    /// actor id → actor record.
    case actors = "sc.actors"
    /// party URI → actor id.
    case parties = "sc.parties"
    /// facility id → facility record.
    case facilities = "sc.facilities"
    /// factor table id `@` version → factor table record.
    case factors = "sc.factors"
    /// BE64(lot number) → lot record, binary (``Lot/row``): master data, made, consumed, inputs,
    /// certifications.
    ///
    /// A lot's number is its place in the order lots were made (``lotIDs``): the tables keyed by
    /// it grow at their end, whatever the lots' identifiers, and the lots an event consumes, made
    /// shortly before, sit on the last pages.
    case lots = "sc.lots"
    /// lot id → BE64(lot number).
    case lotIDs = "sc.lot-ids"
    /// BE64(lot number) ‖ actor → kilograms the actor holds.
    case holdings = "sc.holdings"
    /// BE64(output lot number) ‖ BE64(input lot number) ‖ BE64(seq) → edge, binary (``LineageEdge/row``).
    case edgesUp = "sc.edges.up"
    /// BE64(input lot number) ‖ BE64(output lot number) ‖ BE64(seq) → the same edge.
    case edgesDown = "sc.edges.down"
    /// serial prefix ‖ 0 ‖ BE64(last serial) → serial range.
    case serials = "sc.serials"
    /// parent id (module or pack) → its current children.
    case parents = "sc.parents"
    /// child id → the parent that holds it now.
    case containedIn = "sc.contained-in"
    /// BE64(seq) → event record (sequence number, hash ID, effects, retraction), by the
    /// event entry's sequence number: each import adds its records at the end of the table.
    case events = "sc.events"
    /// SHA-256(eventID) → BE64(seq) of the event's entry, kept as sorted runs (``DigestRuns``):
    /// its keys are random, and an import writes its own run instead of pages all over one tree.
    case eventIDs = "sc.event-ids"
    /// SHA-256(hash ID) → BE64(seq) ‖ eventID, for an event recorded under an eventID of its own
    /// rather than its hash ID: the first such event of each hash ID only, kept as sorted runs
    /// (``DigestRuns``). The same event sent again with another eventID, or with none, is found
    /// here (``StateStore/eventByHashID(key:_:)``); events without an eventID of their own are
    /// found by their hash ID in ``eventIDs``.
    case eventHashes = "sc.event-hashes"
    /// energy-attribute certificate id → the event that claimed it.
    case claims = "sc.claims"
    /// BE64(seq) → the activity data (``ProcessData``) of an event that carries any, by the event
    /// entry's sequence number.
    case processes = "sc.processes"
    /// BE64(lot number) ‖ BE64(seq) → the eventID (UTF-8) of the shipment of the lot recorded at
    /// `seq`: a row a shipment, so that a lot shipped any number of times is written a row at a time.
    case shipments = "sc.shipments"
    /// BE64(cell lot number) ‖ serial prefix ‖ 0 ‖ BE64(last serial) → the cell lot's id: the lot's
    /// serial ranges, and the commissioned lots of a roll-up without a look-up each.
    case lotSerials = "sc.lot-serials"
    /// battery model id → battery model record.
    case models = "sc.models"
    /// BE64(lot number) → ``LotCard`` (binary): what lineage queries read of a lot, its inputs
    /// included, and its certificates, those declared in error too.
    case lineage = "sc.lineage"
    /// recipient ‖ 0 ‖ BE64(sequence) → disclosure record: every export, by recipient.
    case disclosures = "sc.disclosures"
    /// SHA-256(corrective eventID) ‖ BE64(seq of the event declared in error) → BE64(seq of the
    /// declaration) ‖ the eventID declared in error: the events an error declaration names as correcting the one it retracts
    /// (`errorDeclaration.correctiveEventIDs`), found from the corrective event, which may be
    /// recorded before the declaration, after it, or not yet.
    case corrections = "sc.corrections"
    /// serial prefix ‖ 0 ‖ BE64(last serial) ‖ BE64(seq of the error declaration) → the serial
    /// range as it stood when its commissioning was declared in error, with ``SerialRange/retractedAt``:
    /// the ranges that left `sc.serials`, for queries as of a size before the declaration. The
    /// same serials may be commissioned again, and retracted again, so the declaration's sequence
    /// number ends the key.
    case retractedSerials = "sc.retracted-serials"
    /// BE64(cell lot number) ‖ serial prefix ‖ 0 ‖ BE64(last serial) ‖ BE64(seq of the error
    /// declaration) → the cell lot's id: a lot's ranges in `sc.retracted-serials`.
    case lotRetractedSerials = "sc.lot-retracted-serials"
    /// BE64(seq) → attestation record (``Attestation``, with `seq`): every verification statement,
    /// in the order recorded.
    case attestations = "sc.attestations"
    /// BE64(lot number) ‖ BE64(seq) → how the event at `seq` used the lot (``LotUse``, raw UTF-8):
    /// the uses no other table finds by lot — a transformation that consumed the lot and made
    /// nothing (no lineage edge leads from the lot to it), a receipt, an assembly of cells of
    /// the lot, which `sc.contained-in` forgets once the cells are taken out again, and a shipment
    /// by id of cells of the lot that its shipper had by holding the lot.
    case lotUses = "sc.lot-uses"
    /// unit id ‖ 0 ‖ BE64(seq) → the shipment at `seq` of a commissioned cell, or an assembled
    /// module or pack, named in its `epcList` (canonical JSON: `event`, `from`, `to`, and
    /// `retractedAt` once declared in error): who holds the unit, and the shipments whose transport
    /// counts in its footprint.
    case unitShipments = "sc.unit-shipments"
    /// unit id ‖ 0 ‖ BE64(seq) → the disassembly at `seq` that took a cell, module or pack out of
    /// a module or pack (canonical JSON: `event`, `from` (the unit it left), `by` (the actor), and
    /// `retractedAt` once declared in error): the unit's custody since, beside its shipments.
    case takenOut = "sc.taken-out"
    /// battery model id ‖ 0 ‖ module or pack id → BE64(seq) of the first assembly that named the
    /// model for the unit (`ct:batteryModel`): the units a declaration of a module or pack model
    /// looks at, whose records (``ParentRecord/model``) then say which model each has as of a size.
    case modelUnits = "sc.model-units"
    /// `layout` → the layout of these tables (``IndexTable/layout``), written with every batch.
    case meta = "sc.meta"

    /// The layout of the index tables this CellTrace writes and reads, stored in `sc.meta`.
    ///
    /// A change to a table's keys or values gives a new layout; ledgers of another layout are
    /// refused until `celltrace index rebuild` writes them in this one.
    ///
    /// Layout 22: `sc.lineage` cards keep the certificates whose certification was declared in
    /// error, with the declaration's entry (``LotCard/retractedCertifications``, card version 3),
    /// for queries as of a size before it; layout 21 dropped them.
    /// Layout 21: `sc.model-units`, the modules and packs an assembly named a battery model for,
    /// and `sc.parents` steps of assemblies that keep their facility and the model they name.
    /// Layout 20: `sc.lot-uses` rows of kind `shipped-cells`, the shipments by id of cells their
    /// shippers had by holding the cell lot.
    /// Layout 19: `sc.taken-out`, the disassemblies that took each unit out of a module or pack,
    /// for the custody of units.
    /// Layout 18: `sc.unit-shipments`, the shipments of cells, modules and packs by id (`epcList`);
    /// `sc.processes` rows of version 2, which add the units an event shipped with their kg; and
    /// an `sc.events` record of such a shipment keeps them (`effects.shippedUnits`).
    /// Layout 17: the `sc.processes` row of an event without a `bizLocation` names its
    /// `readPoint`'s facility when the event's submitter operates it, where layout 16 named none.
    /// Layout 16: an `sc.parents` record of a module or pack put into another names the units it
    /// went into (`placedIn`), and an `sc.actors` key revoked keeps the entry that revoked it
    /// (`revokedAt`), which a key rotated out before its revocation lost.
    /// Layout 15: an `sc.events` record of a receipt keeps its lots and their kilograms
    /// (`effects.received`), which layout 14 did not record.
    /// Layout 14: `sc.shipments` keeps a row a shipment (lot number ‖ entry), where layout 13 and
    /// earlier kept one row a lot with a list that every shipment rewrote and that held at most
    /// 65,535 shipments.
    /// Layout 13: `sc.lot-uses`, the uses of a lot no other table finds by lot.
    /// Layout 12: `sc.holdings` values carry a received holding's first arrival (``Holding``), and
    /// keep a received holding's row when it is empty. Layout 11: `sc.attestations`, the verifiers' signed statements. Layout 10: `sc.retracted-serials` and `sc.lot-retracted-serials`, the serial ranges whose
    /// commissioning was declared in error, which layout 9 deleted. Layout 9: `sc.corrections`, the corrective events of error declarations. Layout 8: `sc.lots` and the edges' rows binary (``Lot/row``, ``LineageEdge/row``) rather
    /// than JSON. Layout 7: `sc.event-ids` and `sc.event-hashes` as sorted runs of chunks
    /// (``DigestRuns``), where layout 6 kept a row a digest. Layout 6: `sc.event-hashes`, events recorded under eventIDs of their own found by their
    /// hash IDs. Layout 5: every table keyed by lot (`sc.lots`, `sc.holdings`, `sc.edges.up`, `sc.edges.down`,
    /// `sc.lineage`, `sc.shipments`, `sc.lot-serials`) keyed by lot number, found through
    /// `sc.lot-ids`, and lot cards with their inputs' numbers. Layout 4 still keyed `sc.shipments`
    /// and `sc.lot-serials` by lot id. Layout 3 keyed `sc.event-ids` by the SHA-256 of the eventID; layout 2 keyed
    /// it by the eventID's text, and brought event records and activity data keyed by sequence
    /// number. (Layout 1, which had no marker, keyed them by eventID.)
    static let layout = "22"

    /// The key of the layout's row in `sc.meta`.
    static let layoutKey = Array("layout".utf8)

    static var specs: [Environment.TableSpec] { allCases.map { Environment.TableSpec(name: $0.rawValue) } }

    /// The table's position among the cases, which the hashes and `==` use: a raw-value enum
    /// otherwise hashes and compares its name, and the overlay looks a table up several times
    /// per event.
    private var ordinal: Int {
        switch self {
        case .actors: 0
        case .parties: 1
        case .facilities: 2
        case .factors: 3
        case .lots: 4
        case .holdings: 5
        case .edgesUp: 6
        case .edgesDown: 7
        case .serials: 8
        case .parents: 9
        case .containedIn: 10
        case .events: 11
        case .claims: 12
        case .processes: 13
        case .shipments: 14
        case .lotSerials: 15
        case .models: 16
        case .lineage: 17
        case .disclosures: 18
        case .eventIDs: 19
        case .meta: 20
        case .lotIDs: 21
        case .eventHashes: 22
        case .corrections: 23
        case .retractedSerials: 24
        case .lotRetractedSerials: 25
        case .attestations: 26
        case .lotUses: 27
        case .unitShipments: 28
        case .takenOut: 29
        case .modelUnits: 30
        }
    }

    func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }

    /// The hash a dictionary picks a bucket by, without a `Hasher`.
    func _rawHashValue(seed: Int) -> Int { KeyDigest.bucketHash(UInt64(ordinal), seed: seed) }

    static func == (lhs: IndexTable, rhs: IndexTable) -> Bool { lhs.ordinal == rhs.ordinal }

    /// The open handle of `table`.
    static func handle(_ table: IndexTable, in tables: [IndexTable: Table]) throws -> Table {
        guard let handle = tables[table] else {
            throw SupplyChainError(
                code: .ledger,
                message: "the ledger was opened without the index table \(table.rawValue)"
            )
        }
        return handle
    }
}

/// How an event used a lot, as `sc.lot-uses` records it.
enum LotUse: String, Sendable {
    /// A transformation consumed the lot and made nothing.
    case consumed
    /// A receiving event named the lot.
    case received
    /// An assembly put cells of the lot (a cell lot) into a module or pack.
    case assembled
    /// A shipment by id (`epcList`) moved cells of the lot (a cell lot) that its shipper had by
    /// holding the lot, no shipment or disassembly of theirs giving them to it (the custody rule).
    case shippedCells = "shipped-cells"
}

/// Reads of the indexes as they stand, plus the writes of a batch not yet committed.
///
/// Validation runs against a read snapshot with this overlay on top, so later events of a
/// submission see the effects of earlier ones; the overlay is written in the append's
/// transaction. For the audit, a *complete* store starts empty and never reads storage: replaying
/// every entry into it rebuilds the indexes from scratch.
///
/// Lots and holdings, which every event reads and rewrites, are kept decoded: a lot is parsed
/// once when first read and encoded once when the overlay is written, however many events of the
/// batch touch it. So are modules' and packs' records, which every assembly of the unit extends.
struct StateStore: Sendable {
    private var pending: [IndexTable: [RowKey: [UInt8]?]] = [:]
    /// The keys of ``pending``'s rows of the tables read by ``seek(_:atLeast:_:)``, in key order
    /// (``keptInOrder(_:)``).
    private var ordered: [IndexTable: OrderedKeys] = [:]
    /// Lots written by the batch, by identifier.
    private var lots: [TextKey: Lot] = [:]
    /// Lots the batch wrote and then made again under the same id (``Lot/previousVersion``), by
    /// number: the retracted version, out of ``lots``, is written too.
    private var replacedLots: [UInt64: Lot] = [:]
    /// The numbers of the lots the batch read, wrote or made, by identifier.
    private var lotNumbers: [TextKey: UInt64] = [:]
    /// The number of the next lot the batch makes; read from the count of stored lots when it
    /// makes its first.
    private var nextLotNumber: UInt64?
    /// Holdings written by the batch; `nil` for a row deleted (nothing held, no arrival kept).
    private var holdings: [HoldingKey: Holding?] = [:]
    /// Modules' and packs' records (`sc.parents`) written by the batch, by id.
    private var parents: [TextKey: ParentRecord] = [:]
    /// The ids of ``parents``, and of those taken out to be changed, in key order: where a
    /// commissioning looks for a module or pack its serials would name
    /// (``firstParentID(atLeast:_:)``).
    private var parentIDs = OrderedKeys()
    /// Lineage edges added by the batch, each way, encoded as they are written: a batch adds
    /// edges and never reads its own back, so they need no look-up.
    private var edgesUp = EncodedRows()
    private var edgesDown = EncodedRows()
    /// The rows of the tables keyed by sequence or lot number, which a batch writes in rising key
    /// order.
    ///
    /// `sc.events`, `sc.processes` and `sc.lineage` rows are encoded as they are put, as lineage
    /// edges are, rather than hashed into ``pending``, and written without a sort. A row whose key
    /// does not rise (an event that changes an earlier event's row) moves the table's rows into
    /// ``pending``, where the table's later rows go too; a key is never in both.
    private var ascendingEvents = EncodedRows()
    private var ascendingProcesses = EncodedRows()
    private var ascendingLineage = EncodedRows()
    /// When set, storage is never read: the overlay is the whole state.
    let complete: Bool
    let tables: [IndexTable: Table]
    /// The overlay of the batch before this one, while that batch is being written.
    ///
    /// It is read under this overlay and above storage, so that this batch is checked against
    /// the ledger as it will be once that one is committed, whether its transaction has
    /// committed yet or not. ``flush(into:)`` never writes it. An import drops it once the batch
    /// is checked, so that it reads one level; a dry run of several documents, which writes
    /// none, keeps each document's overlay under the next, and every level is read, the nearest
    /// first.
    private(set) var earlier: Earlier?

    /// A batch's overlay, shared read-only with the batch after it (``earlier``).
    final class Earlier: Sendable {
        let store: StateStore
        init(_ store: StateStore) { self.store = store }
    }

    init(tables: [IndexTable: Table], complete: Bool = false, earlier: Earlier? = nil) {
        self.tables = tables
        self.complete = complete
        self.earlier = complete ? nil : earlier
    }

    /// Stops reading the earlier batch's overlay: once this batch is checked, or once the earlier
    /// one is committed.
    mutating func dropEarlier() { earlier = nil }

    func raw(_ table: IndexTable, _ key: [UInt8], _ txn: borrowing ReadTransaction) throws -> [UInt8]? {
        precondition(!Self.keptDecoded(table), "lots, holdings and parents are read decoded")
        precondition(table != .lotIDs, "lot numbers are read with lotNumber")
        if let value = overlaid(table, key) { return value }
        return try stored(table, key, txn)
    }

    /// The row this batch or the earlier one (``earlier``) put at `key`, `.some(nil)` for one
    /// deleted, `nil` when neither touched it.
    private func overlaid(_ table: IndexTable, _ key: [UInt8]) -> [UInt8]?? {
        if let value = ownRow(table, key) { return value }
        return earlier?.store.overlaid(table, key)
    }

    /// The number the batches under this one gave the lot with key `key`.
    private func earlierLotNumber(_ key: TextKey) -> UInt64? {
        guard let store = earlier?.store else { return nil }
        return store.lotNumbers[key] ?? store.earlierLotNumber(key)
    }

    /// The lot with key `key` as the batches under this one left it.
    private func earlierLot(_ key: TextKey) -> Lot? {
        guard let store = earlier?.store else { return nil }
        return store.lots[key] ?? store.earlierLot(key)
    }

    /// The number of the next lot, as the batches under this one left it.
    private var earlierNextLotNumber: UInt64? {
        guard let store = earlier?.store else { return nil }
        return store.nextLotNumber ?? store.earlierNextLotNumber
    }

    /// A holding as the batches under this one left it: `.some(nil)` for one deleted.
    private func earlierHolding(_ key: HoldingKey) -> Holding?? {
        guard let store = earlier?.store else { return nil }
        if let written = store.holdings[key] { return written }
        return store.earlierHolding(key)
    }

    /// A module's or pack's record as the batches under this one left it.
    private func earlierParent(_ key: TextKey) -> ParentRecord? {
        guard let store = earlier?.store else { return nil }
        return store.parents[key] ?? store.earlierParent(key)
    }

    /// The row this batch put at `key`, `.some(nil)` for one deleted, `nil` when it did not touch it.
    private func ownRow(_ table: IndexTable, _ key: [UInt8]) -> [UInt8]?? {
        if let value = pending[table]?[RowKey(key)] { return value }
        return ascending(table)?.value(forKey: key)
    }

    /// The ascending rows of `table`, when it is one of the tables kept so.
    private func ascending(_ table: IndexTable) -> EncodedRows? {
        switch table {
        case .events: ascendingEvents
        case .processes: ascendingProcesses
        case .lineage: ascendingLineage
        default: nil
        }
    }

    /// Adds a row to the ascending rows of `table`, when it is kept so, nothing of it is in
    /// ``pending`` and `key` follows the last row's; otherwise moves those rows into ``pending``.
    ///
    /// - Returns: Whether the row was added.
    private mutating func appendAscending(_ table: IndexTable, _ key: [UInt8], _ value: [UInt8]?) -> Bool {
        switch table {
        case .events: return Self.appendAscending(&ascendingEvents, table, key, value, &pending)
        case .processes: return Self.appendAscending(&ascendingProcesses, table, key, value, &pending)
        case .lineage: return Self.appendAscending(&ascendingLineage, table, key, value, &pending)
        default: return false
        }
    }

    private static func appendAscending(
        _ rows: inout EncodedRows,
        _ table: IndexTable,
        _ key: [UInt8],
        _ value: [UInt8]?,
        _ pending: inout [IndexTable: [RowKey: [UInt8]?]]
    ) -> Bool {
        guard pending[table]?.isEmpty ?? true else { return false }
        if rows.appendIfRising(key: key, value: value) { return true }
        // Out of order: the table goes on in `pending`, with the rows put so far, in room for
        // as many as the batch was expected to write.
        pending[table, default: [:]].reserveCapacity(rows.capacity)
        rows.forEachRow { key, value in
            pending[table, default: [:]][RowKey(Array(key))] = .some(value.map { Array($0) })
        }
        rows = EncodedRows()
        return false
    }

    private func stored(_ table: IndexTable, _ key: [UInt8], _ txn: borrowing ReadTransaction) throws -> [UInt8]? {
        if complete { return nil }
        let handle = try IndexTable.handle(table, in: tables)
        if DigestRuns.holds(table) { return try DigestRuns.value(forDigest: key, in: handle, txn) }
        return try txn.value(in: handle, forKey: key)
    }

    /// Whether `table`, one of the digest-keyed tables (``DigestRuns``), has a row in the ledger,
    /// this batch or the one under it.
    func hasRows(_ table: IndexTable, _ txn: borrowing ReadTransaction) throws -> Bool {
        precondition(DigestRuns.holds(table), "only the digest-keyed tables are asked")
        var level: StateStore? = self
        while let store = level {
            if store.pending[table]?.values.contains(where: { $0 != nil }) == true { return true }
            level = store.earlier?.store
        }
        if complete { return false }
        return try !DigestRuns.directory(in: IndexTable.handle(table, in: tables), txn).isEmpty
    }

    mutating func put(_ table: IndexTable, _ key: [UInt8], _ value: [UInt8]) {
        precondition(!Self.keptDecoded(table), "lots, holdings and parents are written decoded")
        precondition(table != .edgesUp && table != .edgesDown, "lineage edges are added with addEdge")
        precondition(table != .lotIDs, "lots are numbered by putNewLot")
        if appendAscending(table, key, value) { return }
        setPending(table, key, value)
    }

    mutating func delete(_ table: IndexTable, _ key: [UInt8]) {
        precondition(!Self.keptDecoded(table), "lots, holdings and parents are written decoded")
        precondition(table != .edgesUp && table != .edgesDown, "lineage edges are only added")
        if appendAscending(table, key, nil) { return }
        setPending(table, key, nil)
    }

    /// Whether the overlay keeps `table`'s rows decoded (lots, holdings, modules' and packs'
    /// records), so that they are read and written only through their own accessors.
    private static func keptDecoded(_ table: IndexTable) -> Bool {
        table == .lots || table == .holdings || table == .parents
    }

    /// Whether `table`'s rows in ``pending`` have their keys in ``ordered`` too: the tables read
    /// from a key onwards while a batch writes them (serial ranges by their last serial, a lot's
    /// serials and shipments, a unit's contents, actors, attestations).
    private static func keptInOrder(_ table: IndexTable) -> Bool {
        switch table {
        case .serials, .lotSerials, .containedIn, .shipments, .lotUses, .attestations, .actors, .unitShipments,
            .takenOut:
            true
        default: false
        }
    }

    /// Puts `value` (`nil` for a row deleted) at `key` in ``pending``, and a new key in
    /// ``ordered`` for a table kept in order.
    private mutating func setPending(_ table: IndexTable, _ key: [UInt8], _ value: [UInt8]?) {
        guard Self.keptInOrder(table) else {
            pending[table, default: [:]][RowKey(key)] = .some(value)
            return
        }
        if pending[table, default: [:]].updateValue(value, forKey: RowKey(key)) == nil {
            ordered[table, default: OrderedKeys()].insert(key)
        }
    }

    /// The first row at or after `key` that this batch put in `table` and did not delete, and for
    /// which `accept` holds.
    private func firstPending(
        _ table: IndexTable,
        atLeast key: [UInt8],
        where accept: ([UInt8]) -> Bool = { _ in true }
    ) -> (key: [UInt8], value: [UInt8])? {
        guard let rows = pending[table] else { return nil }
        if let keys = ordered[table] {
            var value: [UInt8]?
            let found = keys.first(atLeast: key) { candidate in
                guard let row = rows[RowKey(candidate)] ?? nil, accept(candidate) else { return false }
                value = row
                return true
            }
            return found.flatMap { found in value.map { (found, $0) } }
        }
        var best: (key: [UInt8], value: [UInt8])? = nil
        for (pendingKey, value) in rows {
            guard let value, !RowKey.precedes(pendingKey.bytes, key) else { continue }
            if best.map({ RowKey.precedes(pendingKey.bytes, $0.key) }) ?? true, accept(pendingKey.bytes) {
                best = (pendingKey.bytes, value)
            }
        }
        return best
    }

    /// The event recorded under an eventID of its own whose hash ID has the `sc.event-hashes` key
    /// (``IndexKey/eventID(_:)`` of the hash ID) `key`: its entry's sequence number and its eventID.
    func eventByHashID(key: [UInt8], _ txn: borrowing ReadTransaction) throws -> (sequence: UInt64, eventID: String)? {
        guard let row = try raw(.eventHashes, key, txn), row.count > 8,
            let sequence = IndexKey.sequence(in: row.prefix(8))
        else { return nil }
        return (sequence, String(decoding: row.dropFirst(8), as: UTF8.self))
    }

    func json(_ table: IndexTable, _ key: [UInt8], _ txn: borrowing ReadTransaction) throws -> JSONValue? {
        guard let bytes = try raw(table, key, txn) else { return nil }
        return try JSONValue(parsing: bytes)
    }

    mutating func put(_ table: IndexTable, _ key: [UInt8], json: JSONValue) {
        put(table, key, json.canonicalBytes)
    }

    /// Makes room for the rows of a batch of about `events` events, so that the overlay does not
    /// grow step by step while the rules run: an event record each, and about as many lots,
    /// holdings and lineage edges each way.
    mutating func reserveCapacity(events: Int) {
        // The lots an event makes, and those it consumes that were made before the batch: an
        // eighth more, so that a batch whose events draw on a few stored lots does not grow the
        // tables once, near its end, by rehashing every key.
        let lotCount = events + events / 8 + 16
        lots.reserveCapacity(lotCount)
        lotNumbers.reserveCapacity(lotCount)
        holdings.reserveCapacity(lotCount)
        pending[.lotIDs, default: [:]].reserveCapacity(lotCount)
        pending[.eventIDs, default: [:]].reserveCapacity(events)
        // An event record, a lot card and activity data are a few hundred bytes each.
        ascendingEvents.reserve(rows: events, bytes: events * 448)
        ascendingProcesses.reserve(rows: events, bytes: events * 384)
        ascendingLineage.reserve(rows: events, bytes: events * 384)
        // A lineage edge each way per event: about 210 bytes with its 24-byte key.
        edgesUp.reserve(rows: events, bytes: events * 224)
        edgesDown.reserve(rows: events, bytes: events * 224)
    }

    // MARK: Lots and holdings

    /// The number of a lot the batch wrote or made, or that is stored; `nil` for an unknown lot.
    func lotNumber(_ id: String, _ txn: borrowing ReadTransaction) throws -> UInt64? {
        let key = TextKey(id)
        if let number = lotNumbers[key] ?? earlierLotNumber(key) { return number }
        return try stored(.lotIDs, IndexKey.text(id), txn).flatMap { IndexKey.sequence(in: $0) }
    }

    /// A lot as the batch left it, or as stored.
    func lot(_ id: String, _ txn: borrowing ReadTransaction) throws -> Lot? {
        let key = TextKey(id)
        if let lot = lots[key] ?? earlierLot(key) { return lot }
        guard let number = try lotNumber(id, txn) else { return nil }
        return try storedLot(number, txn)
    }

    /// A lot as the batch left it, or as stored, keeping a stored lot's number for the batch: the
    /// lots an event consumes or ships are looked up once in `sc.lot-ids`, not again for their
    /// holdings and their rewrite.
    mutating func lotKeepingNumber(_ id: String, _ txn: borrowing ReadTransaction) throws -> Lot? {
        let key = TextKey(id)
        if let lot = lots[key] { return lot }
        guard let number = try lotNumber(id, txn) else { return nil }
        lotNumbers[key] = number
        if let lot = earlierLot(key) { return lot }
        return try storedLot(number, txn)
    }

    /// The stored row of lot number `number`, decoded.
    ///
    /// - Throws: ``SupplyChainError`` (`ledger`) when the row is there but not a lot's row.
    func storedLot(_ number: UInt64, _ txn: borrowing ReadTransaction) throws -> Lot? {
        guard let row = try stored(.lots, IndexKey.sequence(number), txn) else { return nil }
        guard let lot = row.withUnsafeBytes({ Lot(row: $0) }) else {
            throw SupplyChainError.damagedIndex(
                IndexTable.lots.rawValue,
                "the row of lot #\(number) is not a lot's row"
            )
        }
        return lot
    }

    /// Writes a lot that exists: one the batch made, or a stored one.
    ///
    /// - Returns: Its number.
    @discardableResult
    mutating func putLot(_ lot: consuming Lot, _ txn: borrowing ReadTransaction) throws -> UInt64 {
        guard let number = try lotNumber(lot.id, txn) else {
            preconditionFailure("lot \(lot.id) is written before it is made")
        }
        let key = TextKey(lot.id)
        lotNumbers[key] = number
        lots[key] = lot
        return number
    }

    /// Sets the mass consumed of `lot`, an existing lot as the batch last wrote or read it
    /// (``lotKeepingNumber(_:_:)``), to `total`, and writes it; `lot` is the lot as written.
    ///
    /// - Returns: Its number.
    mutating func putConsumed(
        total: ExactDecimal,
        of lot: inout Lot,
        _ txn: borrowing ReadTransaction
    ) throws
        -> UInt64
    {
        guard let number = try lotNumber(lot.id, txn) else {
            preconditionFailure("lot \(lot.id) is consumed before it is made")
        }
        let key = TextKey(lot.id)
        lotNumbers[key] = number
        // `lot` is the overlay's version, or the stored one: with the overlay's share of its box
        // let go first, the change is made in place rather than on a copy of its fields.
        _ = lots.removeValue(forKey: key)
        lot.consumedKg = total
        lots[key] = lot
        return number
    }

    /// Writes a lot the batch makes, numbering it after every lot made before it.
    ///
    /// - Returns: Its number.
    mutating func putNewLot(_ lot: consuming Lot, _ txn: borrowing ReadTransaction) throws -> UInt64 {
        let number: UInt64
        if let next = nextLotNumber ?? earlierNextLotNumber {
            number = next
        } else if complete {
            number = 0
        } else {
            // Lots are never deleted, so the stored ones are numbered 0 up to their count.
            number = UInt64(try txn.count(IndexTable.handle(.lots, in: tables)))
        }
        nextLotNumber = number + 1
        let key = TextKey(lot.id)
        if let previous = lot.previousVersion, let replaced = lots.removeValue(forKey: key) {
            // The batch retracted the version this one replaces: that one's row is written under
            // its own number, the id names the new one.
            precondition(lotNumbers[key] == previous, "a lot made again replaces the version its id named")
            replacedLots[previous] = replaced
        }
        pending[.lotIDs, default: [:]][RowKey(Array(lot.id.utf8))] = .some(IndexKey.sequence(number))
        lotNumbers[key] = number
        lots[key] = consume lot
        return number
    }

    /// What `actor` holds of `lot`; ``Holding/empty`` when there is no row.
    func holding(_ lot: String, _ actor: String, _ txn: borrowing ReadTransaction) throws -> Holding {
        guard let number = try lotNumber(lot, txn) else { return .empty }
        let key = HoldingKey(lot: number, actor: actor)
        if let written = holdings[key] ?? earlierHolding(key) { return written ?? .empty }
        guard let bytes = try stored(.holdings, IndexKey.holding(number, actor), txn) else { return .empty }
        return Holding(text: String(decoding: bytes, as: UTF8.self)) ?? .empty
    }

    /// Sets a holding of a lot that exists; one with nothing held and no arrival deletes the row.
    mutating func setHolding(
        _ lot: String,
        _ actor: String,
        _ holding: Holding,
        _ txn: borrowing ReadTransaction
    ) throws {
        guard let number = try lotNumber(lot, txn) else {
            preconditionFailure("a holding of lot \(lot) is set before the lot is made")
        }
        holdings[HoldingKey(lot: number, actor: actor)] = holding.isKept ? holding : nil as Holding?
    }

    // MARK: Modules and packs

    /// A module's or pack's record as the batch left it, or as stored; `nil` for a unit never
    /// assembled.
    ///
    /// - Throws: ``SupplyChainError`` (`ledger`) when the stored row does not read as a record.
    func parent(_ id: String, _ txn: borrowing ReadTransaction) throws -> ParentRecord? {
        let key = TextKey(id)
        if let record = parents[key] ?? earlierParent(key) { return record }
        guard let row = try stored(.parents, IndexKey.text(id), txn) else { return nil }
        guard let record = ParentRecord(json: try JSONValue(parsing: row)) else {
            throw SupplyChainError.unreadableRow(.parents, key: IndexKey.text(id))
        }
        return record
    }

    /// Whether module or pack `id` was ever assembled, without reading its record.
    func hasParent(_ id: String, _ txn: borrowing ReadTransaction) throws -> Bool {
        let key = TextKey(id)
        if parents[key] != nil || earlierParent(key) != nil { return true }
        return try stored(.parents, IndexKey.text(id), txn) != nil
    }

    /// A module's or pack's record taken out of the overlay to be changed and put back with
    /// ``putParent(_:_:)``: the batch's own record is moved, not copied, so that adding a unit to
    /// one that holds thousands costs one unit.
    mutating func takeParent(_ id: String, _ txn: borrowing ReadTransaction) throws -> ParentRecord? {
        if let record = parents.removeValue(forKey: TextKey(id)) { return record }
        return try parent(id, txn)
    }

    /// Writes a module's or pack's record.
    mutating func putParent(_ id: String, _ record: consuming ParentRecord) {
        if parents.updateValue(record, forKey: TextKey(id)) == nil, !parentIDs.contains(IndexKey.text(id)) {
            parentIDs.insert(IndexKey.text(id))
        }
    }

    /// The first id at or after `key`, in key order, of a module or pack that the ledger, this
    /// batch or the one under it has a record of (``parent(_:_:)``); records are never removed.
    func firstParentID(atLeast key: [UInt8], _ txn: borrowing ReadTransaction) throws -> [UInt8]? {
        var best: [UInt8]?
        if !complete {
            let cursor = try txn.cursor(IndexTable.handle(.parents, in: tables))
            // The key alone is copied: a pack's record may list thousands of units.
            best = try cursor.withSeek(atLeast: key) { key, _ in Array(key) }
        }
        var level: StateStore? = self
        while let store = level {
            if let found = store.parentIDs.first(atLeast: key, where: { _ in true }),
                best.map({ RowKey.precedes(found, $0) }) ?? true
            {
                best = found
            }
            level = store.earlier?.store
        }
        return best
    }

    // MARK: Lineage edges

    /// Adds the edge by which lot number `output` was made from lot number `input` in the entry
    /// `sequence`, both ways: BE64(`output`) ‖ BE64(`input`) ‖ BE64(`sequence`) in `sc.edges.up`
    /// and the reverse in `sc.edges.down`, each with the edge's canonical JSON.
    mutating func addEdge(output: UInt64, input: UInt64, sequence: UInt64, value: [UInt8]) {
        edgesUp.append(edgeKey: output, input, sequence, value: value)
        edgesDown.append(edgeKey: input, output, sequence, value: value)
    }

    /// The sequence numbers of the entries whose events consumed lot number `input` and made
    /// something, from the ledger's `sc.edges.down` rows, each once.
    ///
    /// The batch's own edges and those of the batch under it are not read: they are kept unsorted
    /// and never looked up, and the one caller, a declaration that a shipment was in error, asks
    /// for another actor's events than the batch's.
    func storedConsumers(ofLot input: UInt64, _ txn: borrowing ReadTransaction) throws -> Set<UInt64> {
        var sequences: Set<UInt64> = []
        guard !complete else { return sequences }
        let prefix = IndexKey.sequence(input)
        let cursor = try txn.cursor(IndexTable.handle(.edgesDown, in: tables))
        var row = try cursor.seek(atLeast: prefix)
        while let (key, _) = row, key.count == 24, key.starts(with: prefix) {
            sequences.insert(key[16..<24].reduce(0) { $0 << 8 | UInt64($1) })
            row = try cursor.next()
        }
        return sequences
    }

    /// Records in `sc.lot-uses` that the event at entry `sequence` used lot number `lot` as `use`.
    mutating func addUse(_ use: LotUse, ofLot lot: UInt64, sequence: UInt64) {
        put(.lotUses, IndexKey.sequence(lot) + IndexKey.sequence(sequence), Array(use.rawValue.utf8))
    }

    /// The entries whose events used lot number `lot` in the ways `sc.lot-uses` records, from the
    /// ledger's rows: as ``storedConsumers(ofLot:_:)``, the batch's own rows are not read.
    func storedUses(ofLot lot: UInt64, _ txn: borrowing ReadTransaction) throws -> [(sequence: UInt64, use: LotUse)] {
        var uses: [(sequence: UInt64, use: LotUse)] = []
        guard !complete else { return uses }
        let prefix = IndexKey.sequence(lot)
        let cursor = try txn.cursor(IndexTable.handle(.lotUses, in: tables))
        var row = try cursor.seek(atLeast: prefix)
        while let (key, value) = row, key.starts(with: prefix) {
            uses.append(try Self.lotUse(key, value))
            row = try cursor.next()
        }
        return uses
    }

    /// The entries whose events used lot number `lot` in the ways `sc.lot-uses` records, by
    /// entry: the ledger's, the batch's own and those of the batches under it.
    func uses(ofLot lot: UInt64, _ txn: borrowing ReadTransaction) throws -> [(sequence: UInt64, use: LotUse)] {
        var uses: [(sequence: UInt64, use: LotUse)] = []
        let prefix = IndexKey.sequence(lot)
        var key = prefix
        while let row = try seek(.lotUses, atLeast: key, txn), row.key.starts(with: prefix) {
            uses.append(try Self.lotUse(row.key, row.value))
            key = row.key + [0]
        }
        return uses
    }

    /// The entry and use of an `sc.lot-uses` row; a row of another form is damage.
    private static func lotUse(_ key: [UInt8], _ value: [UInt8]) throws -> (sequence: UInt64, use: LotUse) {
        guard key.count == 16, let sequence = IndexKey.sequence(in: key[8..<16]),
            let use = LotUse(rawValue: String(decoding: value, as: UTF8.self))
        else {
            throw SupplyChainError.damagedIndex(
                IndexTable.lotUses.rawValue,
                "the row \(SupplyChainLedger.printable(key, in: .lotUses)) is not a lot's use"
            )
        }
        return (sequence, use)
    }

    /// The shipments of cell, module or pack `unit` (`sc.unit-shipments`), oldest first: the
    /// ledger's, the batch's own and those of the batches under it.
    func unitShipments(
        of unit: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [(sequenceNumber: UInt64, row: JSONValue)] {
        try unitRows(.unitShipments, of: unit, txn)
    }

    /// The disassemblies that took cell, module or pack `unit` out of a module or pack
    /// (`sc.taken-out`), oldest first, as ``unitShipments(of:_:)`` reads its shipments.
    func takeOuts(
        of unit: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [(sequenceNumber: UInt64, row: JSONValue)] {
        try unitRows(.takenOut, of: unit, txn)
    }

    /// A unit's rows in `table`, one of the tables keyed unit ‖ 0 ‖ BE64(seq), oldest first.
    private func unitRows(
        _ table: IndexTable,
        of unit: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [(sequenceNumber: UInt64, row: JSONValue)] {
        var list: [(sequenceNumber: UInt64, row: JSONValue)] = []
        let prefix = IndexKey.unitShipments(of: unit)
        var key = prefix
        while let row = try seek(table, atLeast: key, txn), row.key.starts(with: prefix) {
            list.append(try Self.unitShipment(row.key, row.value, prefix: prefix.count, in: table))
            key = row.key + [0]
        }
        return list
    }

    /// The shipments of `unit` from the ledger's rows, oldest first, as ``storedShipments(ofLot:_:)``.
    func storedUnitShipments(
        of unit: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [(sequenceNumber: UInt64, row: JSONValue)] {
        var list: [(sequenceNumber: UInt64, row: JSONValue)] = []
        guard !complete else { return list }
        let prefix = IndexKey.unitShipments(of: unit)
        let cursor = try txn.cursor(IndexTable.handle(.unitShipments, in: tables))
        var row = try cursor.seek(atLeast: prefix)
        while let (key, value) = row, key.starts(with: prefix) {
            list.append(try Self.unitShipment(key, value, prefix: prefix.count, in: .unitShipments))
            row = try cursor.next()
        }
        return list
    }

    /// Every unit with a row in `sc.unit-shipments`, each once, in key order: one seek a unit.
    func storedShippedUnits(_ txn: borrowing ReadTransaction) throws -> [String] {
        var units: [String] = []
        guard !complete else { return units }
        let cursor = try txn.cursor(IndexTable.handle(.unitShipments, in: tables))
        var row = try cursor.first()
        while let (key, _) = row {
            guard let end = key.firstIndex(of: 0) else {
                throw SupplyChainError.damagedIndex(
                    IndexTable.unitShipments.rawValue,
                    "the row \(SupplyChainLedger.printable(key, in: .unitShipments)) is not a unit's shipment"
                )
            }
            units.append(String(decoding: key[..<end], as: UTF8.self))
            // The unit's rows end before `unit ‖ 1`.
            row = try cursor.seek(atLeast: key[..<end] + [1])
        }
        return units
    }

    /// The modules and packs an assembly named battery model `model` for (`sc.model-units`), in
    /// key order, as stored: a declaration reads them outside any import.
    func storedModelUnits(of model: String, _ txn: borrowing ReadTransaction) throws -> [String] {
        var units: [String] = []
        let prefix = IndexKey.modelUnits(of: model)
        let cursor = try txn.cursor(IndexTable.handle(.modelUnits, in: tables))
        var row = try cursor.seek(atLeast: prefix)
        while let (key, _) = row, key.starts(with: prefix) {
            units.append(String(decoding: key.dropFirst(prefix.count), as: UTF8.self))
            row = try cursor.next()
        }
        return units
    }

    /// The id of every registered battery model, in key order (models are registered by their
    /// own entries, never within a submission, so the stored rows are all there are).
    func storedModelIDs(_ txn: borrowing ReadTransaction) throws -> [String] {
        var ids: [String] = []
        let cursor = try txn.cursor(IndexTable.handle(.models, in: tables))
        var row = try cursor.first()
        while let (key, _) = row {
            ids.append(String(decoding: key, as: UTF8.self))
            row = try cursor.next()
        }
        return ids
    }

    /// The entry and row of an `sc.unit-shipments` or `sc.taken-out` row; a row of another form
    /// is damage.
    private static func unitShipment(
        _ key: [UInt8],
        _ value: [UInt8],
        prefix: Int,
        in table: IndexTable
    ) throws -> (sequenceNumber: UInt64, row: JSONValue) {
        guard key.count == prefix + 8, let sequence = IndexKey.sequence(in: key[prefix...]),
            let row = try? JSONValue(parsing: value), row["event"]?.stringValue != nil
        else {
            let what = table == .takenOut ? "a unit's taking out" : "a unit's shipment"
            throw SupplyChainError.damagedIndex(
                table.rawValue,
                "the row \(SupplyChainLedger.printable(key, in: table)) is not \(what)"
            )
        }
        return (sequence, row)
    }

    /// Records in `sc.shipments` that the event `eventID`, at entry `sequence`, shipped lot number `lot`.
    mutating func addShipment(ofLot lot: UInt64, sequence: UInt64, eventID: String) {
        put(.shipments, IndexKey.sequence(lot) + IndexKey.sequence(sequence), Array(eventID.utf8))
    }

    /// The shipments of lot number `lot` from the ledger's rows, oldest first: as
    /// ``storedConsumers(ofLot:_:)``, the batch's own rows are not read.
    func storedShipments(
        ofLot lot: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> [(sequenceNumber: UInt64, eventID: String)] {
        var list: [(sequenceNumber: UInt64, eventID: String)] = []
        guard !complete else { return list }
        let prefix = IndexKey.sequence(lot)
        let cursor = try txn.cursor(IndexTable.handle(.shipments, in: tables))
        var row = try cursor.seek(atLeast: prefix)
        while let (key, value) = row, key.starts(with: prefix) {
            list.append((try Self.shipmentSequence(key), String(decoding: value, as: UTF8.self)))
            row = try cursor.next()
        }
        return list
    }

    /// The shipments of lot number `lot`, oldest first: the ledger's, the batch's own and those of
    /// the batches under it.
    func shipments(
        ofLot lot: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> [(sequenceNumber: UInt64, eventID: String)] {
        var list: [(sequenceNumber: UInt64, eventID: String)] = []
        let prefix = IndexKey.sequence(lot)
        var key = prefix
        while let row = try seek(.shipments, atLeast: key, txn), row.key.starts(with: prefix) {
            list.append((try Self.shipmentSequence(row.key), String(decoding: row.value, as: UTF8.self)))
            key = row.key + [0]
        }
        return list
    }

    /// The entry of an `sc.shipments` row's key; a key of another length is damage.
    private static func shipmentSequence(_ key: [UInt8]) throws -> UInt64 {
        guard key.count == 16, let sequence = IndexKey.sequence(in: key[8..<16]) else {
            throw SupplyChainError.damagedIndex(
                IndexTable.shipments.rawValue,
                "the row \(SupplyChainLedger.printable(key, in: .shipments)) is not a lot number and an entry"
            )
        }
        return sequence
    }

    // MARK: Ranges and writing

    /// The first row at or after `key` in `table`, merging storage and overlay.
    func seek(
        _ table: IndexTable,
        atLeast key: [UInt8],
        _ txn: borrowing ReadTransaction
    ) throws -> (key: [UInt8], value: [UInt8])? {
        precondition(!Self.keptDecoded(table), "lots, holdings and parents are read decoded")
        var best: ([UInt8], [UInt8])? = nil
        if !complete {
            let cursor = try txn.cursor(IndexTable.handle(table, in: tables))
            var row = try cursor.seek(atLeast: key)
            // Skip stored rows that the overlay deleted.
            while let (storedKey, storedValue) = row {
                if let overlaid = overlaid(table, storedKey) {
                    if let value = overlaid {
                        best = (storedKey, value)
                        break
                    }
                    row = try cursor.next()
                    continue
                }
                best = (storedKey, storedValue)
                break
            }
        }
        if let row = firstPending(table, atLeast: key), best.map({ RowKey.precedes(row.key, $0.0) }) ?? true {
            best = (row.key, row.value)
        }
        if let row = ascending(table)?.first(atLeast: key), best.map({ RowKey.precedes(row.key, $0.0) }) ?? true {
            best = (row.key, row.value)
        }
        // Each earlier batch's rows that the batches above it left as they were, the nearest first.
        var level = earlier?.store
        // Only an import with a batch under it pays for the list.
        var above = level == nil ? [] : [self]
        while let earlier = level {
            func overridden(_ rowKey: [UInt8]) -> Bool {
                above.contains { $0.ownRow(table, rowKey) != nil }
            }
            if let row = earlier.firstPending(table, atLeast: key, where: { !overridden($0) }),
                best.map({ RowKey.precedes(row.key, $0.0) }) ?? true
            {
                best = (row.key, row.value)
            }
            var probe = key
            while let row = earlier.ascending(table)?.first(atLeast: probe) {
                guard !overridden(row.key) else {
                    probe = row.key + [0]
                    continue
                }
                if best.map({ RowKey.precedes(row.key, $0.0) }) ?? true { best = (row.key, row.value) }
                break
            }
            above.append(earlier)
            level = earlier.earlier?.store
        }
        return best.map { (key: $0.0, value: $0.1) }
    }

    /// The overlay's rows of `table`, encoded, in key order.
    func encodedRows(_ table: IndexTable) -> EncodedRows {
        var encoded = EncodedRows()
        switch table {
        case .lots:
            encoded.reserve(rows: lots.count + replacedLots.count, bytes: (lots.count + replacedLots.count) * 320)
            for (key, lot) in lots {
                guard let number = lotNumbers[key] else { preconditionFailure("every lot written is numbered") }
                encoded.append(key: IndexKey.sequence(number), value: lot.row)
            }
            for (number, lot) in replacedLots { encoded.append(key: IndexKey.sequence(number), value: lot.row) }
        case .holdings:
            encoded.reserve(rows: holdings.count, bytes: holdings.count * 96)
            for (key, holding) in holdings { encoded.append(key: key.lot, key.actor, value: holding?.text) }
        case .parents:
            for (key, record) in parents { encoded.append(key: key.text, value: record.json.canonicalBytes) }
        case .edgesUp:
            encoded = edgesUp
        case .edgesDown:
            encoded = edgesDown
        case .meta:
            // Every batch that writes a row records the layout it wrote in.
            if !lots.isEmpty || !holdings.isEmpty || !parents.isEmpty || !edgesUp.isEmpty
                || pending.values.contains(where: { !$0.isEmpty })
                || !ascendingEvents.isEmpty || !ascendingProcesses.isEmpty || !ascendingLineage.isEmpty
            {
                encoded.append(key: IndexTable.layoutKey, value: Array(IndexTable.layout.utf8))
            }
        case .events where !ascendingEvents.isEmpty:
            return ascendingEvents
        case .processes where !ascendingProcesses.isEmpty:
            return ascendingProcesses
        case .lineage where !ascendingLineage.isEmpty:
            return ascendingLineage
        default:
            let rows = pending[table] ?? [:]
            let size = rows.reduce(0) { $0 + $1.key.bytes.count + ($1.value?.count ?? 0) }
            encoded.reserve(rows: rows.count, bytes: size)
            for (key, value) in rows { encoded.append(key: key.bytes, value: value) }
        }
        encoded.sort()
        return encoded
    }

    /// Writes the overlay in key order; the tables' rows are encoded and sorted on all cores.
    func flush(into txn: borrowing WriteTransaction) throws {
        let written = IndexTable.allCases.filter { tables[$0] != nil }
        let encoded = Parallel.map(written.count) { [self] in encodedRows(written[$0]) }
        for (table, rows) in zip(written, encoded) {
            guard let handle = tables[table] else { continue }
            if DigestRuns.holds(table) {
                try DigestRuns.add(rows, to: handle, txn)
                continue
            }
            // Rows past the table's last key are appended, so LMDB fills each page instead of
            // splitting it in half: the tables keyed by sequence number grow only at their end.
            // One cursor writes the table's rows, in key order: LMDB looks for a key on the page of
            // the row before first, and appends past the table's end without a search.
            let cursor = try txn.cursor(handle)
            let last = try cursor.last()?.key
            var appending = last == nil
            try rows.forEachRow { key, value in
                if let value {
                    let keyBytes = UnsafeRawBufferPointer(key)
                    if !appending, let last {
                        appending = last.withUnsafeBytes { RowKey.precedes($0, keyBytes) }
                    }
                    try cursor.put(
                        bytes: UnsafeRawBufferPointer(value),
                        forKey: keyBytes,
                        mode: appending ? .append : .upsert
                    )
                } else {
                    _ = try txn.delete(key: key, in: handle)
                }
            }
        }
    }

    /// The non-deleted rows of the overlay, for the audit's comparison.
    func rows(_ table: IndexTable) -> [[UInt8]: [UInt8]] {
        var result: [[UInt8]: [UInt8]] = [:]
        encodedRows(table).forEachRow { key, value in
            if let value { result[Array(key)] = Array(value) }
        }
        return result
    }
}

/// The overlay's rows of one table, encoded: keys and values back to back in one buffer, and a
/// list of where each row is, which sorts and is walked without copying a reference-counted value
/// per row.
struct EncodedRows {
    /// Where a row's key and value are in ``bytes``.
    struct Row {
        var keyStart: Int
        var keyCount: Int
        var valueStart: Int
        /// -1 for a deleted row.
        var valueCount: Int
    }

    private var bytes: [UInt8] = []
    private var rows: [Row] = []

    var isEmpty: Bool { rows.isEmpty }
    /// The rows there is room for without growing (at least as many as there are).
    var capacity: Int { rows.capacity }

    mutating func reserve(rows count: Int, bytes size: Int) {
        rows.reserveCapacity(count)
        bytes.reserveCapacity(size)
    }

    /// Adds a row with a byte key; a `nil` value deletes the row.
    mutating func append(key: [UInt8], value: [UInt8]?) {
        let keyStart = bytes.count
        bytes.append(contentsOf: key)
        appendValue(value, keyStart: keyStart)
    }

    /// Adds a row with a text key.
    mutating func append(key: String, value: [UInt8]) {
        let keyStart = bytes.count
        bytes.appendUTF8(key)
        appendValue(value, keyStart: keyStart)
    }

    /// Adds a row with an edge key (BE64(`first`) ‖ BE64(`second`) ‖ BE64(`sequence`)).
    mutating func append(edgeKey first: UInt64, _ second: UInt64, _ sequence: UInt64, value: [UInt8]) {
        let keyStart = bytes.count
        withUnsafeBytes(of: first.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: second.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: sequence.bigEndian) { bytes.append(contentsOf: $0) }
        appendValue(value, keyStart: keyStart)
    }

    /// Adds a row with a holding key (BE64(`lot`) ‖ `actor`) and a text value; a `nil` value
    /// deletes the row.
    mutating func append(key lot: UInt64, _ actor: String, value: String?) {
        let keyStart = bytes.count
        withUnsafeBytes(of: lot.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.appendUTF8(actor)
        let valueStart = bytes.count
        if let value { bytes.appendUTF8(value) }
        appendRow(keyStart: keyStart, valueStart: valueStart, deleting: value == nil)
    }

    /// Adds a row when its key follows the last row's in LMDB's key order (or there is none), so
    /// that the rows stay sorted and ``value(forKey:)`` finds them.
    ///
    /// A row with the last row's key replaces it (an event that certifies the lot it just made
    /// rewrites that lot's card), so the rows stay in order.
    ///
    /// - Returns: Whether the row was added.
    mutating func appendIfRising(key: [UInt8], value: [UInt8]?) -> Bool {
        if let last = rows.last {
            let order = bytes.withUnsafeBytes { raw in
                key.withUnsafeBytes { key in
                    let lastKey = UnsafeRawBufferPointer(rebasing: raw[last.keyStart..<last.keyStart + last.keyCount])
                    return RowKey.order(lastKey, key)
                }
            }
            guard order <= 0 else { return false }
            if order == 0 {
                // The last row is the end of the buffer.
                bytes.removeSubrange(last.keyStart...)
                rows.removeLast()
            }
        }
        append(key: key, value: value)
        return true
    }

    /// The index of the first row whose key is at or after `key`, for rows in key order.
    private func firstIndex(atLeast key: [UInt8]) -> Int {
        bytes.withUnsafeBytes { raw in
            key.withUnsafeBytes { key in
                rows.partitionPoint { row in
                    RowKey.order(UnsafeRawBufferPointer(rebasing: raw[row.keyStart..<row.keyStart + row.keyCount]), key)
                        >= 0
                }
            }
        }
    }

    /// The value of the row with `key`, for rows in key order: `.some(nil)` for a deleted row,
    /// `nil` when no row has the key.
    func value(forKey key: [UInt8]) -> [UInt8]?? {
        let index = firstIndex(atLeast: key)
        guard index < rows.count else { return nil }
        let row = rows[index]
        guard row.keyCount == key.count, bytes[row.keyStart..<row.keyStart + row.keyCount].elementsEqual(key) else {
            return nil
        }
        return .some(row.valueCount < 0 ? nil : Array(bytes[row.valueStart..<row.valueStart + row.valueCount]))
    }

    /// The first row at or after `key` that is not deleted, for rows in key order.
    func first(atLeast key: [UInt8]) -> (key: [UInt8], value: [UInt8])? {
        var index = firstIndex(atLeast: key)
        while index < rows.count, rows[index].valueCount < 0 { index += 1 }
        guard index < rows.count else { return nil }
        let row = rows[index]
        return (
            Array(bytes[row.keyStart..<row.keyStart + row.keyCount]),
            Array(bytes[row.valueStart..<row.valueStart + row.valueCount])
        )
    }

    private mutating func appendValue(_ value: [UInt8]?, keyStart: Int) {
        let valueStart = bytes.count
        if let value { bytes.append(contentsOf: value) }
        appendRow(keyStart: keyStart, valueStart: valueStart, deleting: value == nil)
    }

    /// Records the row whose key starts at `keyStart` and whose value runs from `valueStart` to
    /// the end of the buffer; a deleted row has no value.
    private mutating func appendRow(keyStart: Int, valueStart: Int, deleting: Bool) {
        rows.append(
            Row(
                keyStart: keyStart,
                keyCount: valueStart - keyStart,
                valueStart: valueStart,
                valueCount: deleting ? -1 : bytes.count - valueStart
            )
        )
    }

    /// Puts the rows in LMDB's key order; of a key added more than once, the last row stays.
    ///
    /// The keys of a table share a long prefix (`urn:epc:class:lgtin:…`, `ni:///sha-256;`), so
    /// each row first gets the eight bytes after the prefix all its keys share, as an integer: most
    /// comparisons are one integer comparison, without reading the keys.
    mutating func sort() {
        guard rows.count > 1 else { return }
        var rows = self.rows
        self.rows = []
        bytes.withUnsafeBytes { raw in
            func key(_ row: Row) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(rebasing: raw[row.keyStart..<row.keyStart + row.keyCount])
            }
            let first = key(rows[0])
            var shared = first.count
            for row in rows.dropFirst() where shared > 0 {
                let other = key(row)
                var index = 0
                let limit = min(shared, other.count)
                while index < limit, first[index] == other[index] { index += 1 }
                shared = index
            }
            var keyed: [(head: UInt64, row: Row)] = []
            keyed.reserveCapacity(rows.count)
            for row in rows {
                // The bytes after the shared prefix, big-endian, zero-padded: a key that ends
                // sooner pads with zeros and sorts first unless a later byte decides.
                let bytes = key(row)
                var head: UInt64 = 0
                for index in 0..<8 {
                    let position = shared + index
                    head = head << 8 | UInt64(position < bytes.count ? bytes[position] : 0)
                }
                keyed.append((head, row))
            }
            // A key added twice sorts in the order added, and the last one written stays.
            keyed.sort { lhs, rhs in
                if lhs.head != rhs.head { return lhs.head < rhs.head }
                let order = RowKey.order(key(lhs.row), key(rhs.row))
                return order < 0 || (order == 0 && lhs.row.keyStart < rhs.row.keyStart)
            }
            rows.removeAll(keepingCapacity: true)
            for index in keyed.indices {
                if index + 1 < keyed.count, keyed[index].head == keyed[index + 1].head,
                    RowKey.order(key(keyed[index].row), key(keyed[index + 1].row)) == 0
                {
                    continue
                }
                rows.append(keyed[index].row)
            }
        }
        self.rows = rows
    }

    /// Calls `body` with each row's key and value (`nil` for a deleted row), in order; the buffers
    /// are valid only inside the call.
    func forEachRow(
        _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>?) throws -> Void
    ) rethrows {
        try bytes.withUnsafeBufferPointer { buffer in
            for row in rows {
                let key = UnsafeBufferPointer(rebasing: buffer[row.keyStart..<row.keyStart + row.keyCount])
                let value =
                    row.valueCount < 0
                    ? nil : UnsafeBufferPointer(rebasing: buffer[row.valueStart..<row.valueStart + row.valueCount])
                try body(key, value)
            }
        }
    }
}

/// A 64-bit digest of a key's bytes, computed once per key so that the overlay's dictionaries
/// hash one word and tell most keys apart without reading their bytes.
///
/// A submission's overlay holds tens of thousands of rows: a probe that compares the bytes of each
/// key on its way reads another allocation per step, and SipHash over a 40-byte key costs more
/// than this mix. It is not a defence against chosen collisions (each dictionary still mixes the
/// digests with its own seed, ``bucketHash(_:seed:)``); equal digests only cost a comparison.
enum KeyDigest {
    static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var digest: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            digest = (digest ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            digest ^= digest >> 32
            index += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count {
            tail |= UInt64(bytes[index]) << shift
            shift += 8
            index += 1
        }
        digest = (digest ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return digest ^ (digest >> 29)
    }

    static func of(_ text: String) -> UInt64 {
        text.withUTF8Bytes { of(UnsafeRawBufferPointer($0)) }
    }

    /// The hash a dictionary picks a bucket by, from a key's digest and the dictionary's seed:
    /// a 64-bit finaliser (multiply, xor-shift), so that every bit of both reaches the low bits.
    static func bucketHash(_ digest: UInt64, seed: Int) -> Int {
        var mixed = (digest ^ UInt64(UInt(bitPattern: seed))) &* 0xFF51_AFD7_ED55_8CCD
        mixed ^= mixed >> 33
        mixed &*= 0xC4CE_B9FE_1A85_EC53
        mixed ^= mixed >> 33
        return Int(truncatingIfNeeded: mixed)
    }
}

/// A dictionary key that carries a digest of itself, computed once.
///
/// `Hashable`'s own path feeds the digest through a `Hasher` (seeded, one word combined,
/// finalised) on every look-up, 36 times an event in the rules and the hash IDs, 8 % of the
/// rules' instructions (Docs/PERFORMANCE.md, the twenty-first round). A key of this kind hands
/// the dictionary its digest mixed with the dictionary's seed instead, so buckets still differ
/// from one dictionary to the next; equality is still decided on the key's contents.
protocol DigestKey: Hashable {
    var digest: UInt64 { get }
}

extension DigestKey {
    func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    /// The hash a dictionary picks a bucket by: the digest mixed with the dictionary's seed.
    func _rawHashValue(seed: Int) -> Int { KeyDigest.bucketHash(digest, seed: seed) }
}

/// A text key of the overlay (a lot's identifier) with its ``KeyDigest``.
struct TextKey: DigestKey, Sendable {
    let text: String
    let digest: UInt64

    init(_ text: String) {
        self.text = text
        digest = KeyDigest.of(text)
    }

    static func == (lhs: TextKey, rhs: TextKey) -> Bool { lhs.digest == rhs.digest && lhs.text == rhs.text }
}

/// A row key in the overlay, with its ``KeyDigest``.
struct RowKey: DigestKey, Comparable, Sendable {
    let bytes: [UInt8]
    let digest: UInt64

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        digest = bytes.withUnsafeBytes { KeyDigest.of($0) }
    }

    static func == (lhs: RowKey, rhs: RowKey) -> Bool { lhs.digest == rhs.digest && lhs.bytes == rhs.bytes }

    /// LMDB's default key order: bytes compared as unsigned, a prefix first.
    static func < (lhs: RowKey, rhs: RowKey) -> Bool { precedes(lhs.bytes, rhs.bytes) }

    static func precedes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { right in precedes(left, right) } }
    }

    static func precedes(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
        order(left, right) < 0
    }

    /// Negative when `left` comes first in LMDB's key order, zero when the keys are equal,
    /// positive when `right` comes first.
    static func order(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Int {
        let common = min(left.count, right.count)
        var index = 0
        // Eight bytes at a time: keys of one table often share a long prefix.
        while index + 8 <= common {
            let a = UInt64(bigEndian: left.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let b = UInt64(bigEndian: right.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            if a != b { return a < b ? -1 : 1 }
            index += 8
        }
        while index < common {
            if left[index] != right[index] { return left[index] < right[index] ? -1 : 1 }
            index += 1
        }
        return left.count - right.count
    }
}

/// The key of a holding in the overlay, with a ``KeyDigest`` of both parts.
struct HoldingKey: DigestKey, Sendable {
    let lot: UInt64
    let actor: String
    let digest: UInt64

    init(lot: UInt64, actor: String) {
        self.lot = lot
        self.actor = actor
        digest = lot &* 0x9E37_79B9_7F4A_7C15 ^ KeyDigest.of(actor)
    }

    static func == (lhs: HoldingKey, rhs: HoldingKey) -> Bool {
        lhs.digest == rhs.digest && lhs.lot == rhs.lot && lhs.actor == rhs.actor
    }
}

/// Index keys.
enum IndexKey {
    static func text(_ value: String) -> [UInt8] { Array(value.utf8) }

    /// The second key of a certificate's claim in `sc.claims`: a NUL, then the id in lower case,
    /// under which new input finds the same certificate spelt in another case (an id holds no
    /// control character, so no id's own key starts so).
    static func certificateFolded(_ id: String) -> [UInt8] { [0] + Array(id.lowercased().utf8) }

    /// SHA-256(`eventID`), the key of `sc.event-ids` (and of a hash ID in `sc.event-hashes`).
    ///
    /// 32 bytes in place of an eventID's 75 or so keep the runs (``DigestRuns``) small. Two
    /// eventIDs share a key only if SHA-256 collides.
    static func eventID(_ eventID: String) -> [UInt8] { SHA256.hash(eventID.utf8).bytes }

    /// BE64(`sequence`): the key of the tables written in entry order.
    static func sequence(_ sequence: UInt64) -> [UInt8] { BigEndianKey.encode(sequence) }

    /// The sequence number a BE64 key or value holds, or `nil` for another length.
    static func sequence(in bytes: some Collection<UInt8>) -> UInt64? {
        guard bytes.count == 8 else { return nil }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// `unit` ‖ 0: the prefix of a unit's rows in `sc.unit-shipments` and `sc.taken-out` (an id
    /// holds no NUL).
    static func unitShipments(of unit: String) -> [UInt8] { Array(unit.utf8) + [0] }

    /// `model` ‖ 0: the prefix of a battery model's rows in `sc.model-units`.
    static func modelUnits(of model: String) -> [UInt8] { Array(model.utf8) + [0] }

    /// `model` ‖ 0 ‖ `unit`: the key of a module or pack in `sc.model-units`.
    static func modelUnit(_ model: String, _ unit: String) -> [UInt8] { modelUnits(of: model) + Array(unit.utf8) }

    /// `unit` ‖ 0 ‖ BE64(`sequence`): the key of a unit's shipment in `sc.unit-shipments`, and of
    /// its taking out in `sc.taken-out`.
    static func unitShipment(_ unit: String, _ sequence: UInt64) -> [UInt8] {
        unitShipments(of: unit) + BigEndianKey.encode(sequence)
    }

    /// BE64(`lot`) ‖ `actor`: the key of `sc.holdings`.
    static func holding(_ lot: UInt64, _ actor: String) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(BigEndianKey.byteCount + actor.utf8.count)
        BigEndianKey.append(lot, to: &key)
        key.appendUTF8(actor)
        return key
    }

    static func serial(prefix: String, last: UInt64) -> [UInt8] {
        Array(prefix.utf8) + [0] + BigEndianKey.encode(last)
    }

    static func lotSerial(_ lot: UInt64, prefix: String, last: UInt64) -> [UInt8] {
        sequence(lot) + serial(prefix: prefix, last: last)
    }

    /// The key of a range in `sc.retracted-serials`: its `sc.serials` key and the sequence number
    /// of the declaration that retracted it.
    static func retractedSerial(prefix: String, last: UInt64, retractedAt: UInt64) -> [UInt8] {
        serial(prefix: prefix, last: last) + sequence(retractedAt)
    }
}

extension [UInt8] {
    /// Appends a string's UTF-8 in one copy.
    mutating func appendUTF8(_ text: String) {
        text.withUTF8Bytes { append(contentsOf: $0) }
    }
}
