import LedgerCore
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
    /// lot → lot record (master data, made, consumed, inputs, certifications).
    case lots = "sc.lots"
    /// lot ‖ 0 ‖ actor → kilograms the actor holds.
    case holdings = "sc.holdings"
    /// output lot ‖ 0 ‖ input lot ‖ 0 ‖ BE64(seq) → edge.
    case edgesUp = "sc.edges.up"
    /// input lot ‖ 0 ‖ output lot ‖ 0 ‖ BE64(seq) → edge.
    case edgesDown = "sc.edges.down"
    /// serial prefix ‖ 0 ‖ BE64(last serial) → serial range.
    case serials = "sc.serials"
    /// parent id (module or pack) → its current children.
    case parents = "sc.parents"
    /// child id → the parent that holds it now.
    case containedIn = "sc.contained-in"
    /// eventID → event record (sequence number, hash ID, effects, retraction).
    case events = "sc.events"
    /// energy-attribute certificate id → the event that claimed it.
    case claims = "sc.claims"
    /// eventID → the activity data (``ProcessData``) of an event that carries any.
    case processes = "sc.processes"
    /// lot → ``Shipments`` (binary): the sequence number and eventID of every shipment of the lot.
    case shipments = "sc.shipments"
    /// cell lot ‖ 0 ‖ serial prefix ‖ 0 ‖ BE64(last serial) → nothing: the lot's serial ranges.
    case lotSerials = "sc.lot-serials"
    /// battery model id → battery model record.
    case models = "sc.models"
    /// lot → ``LotCard`` (binary): what lineage queries read of a lot, its inputs included.
    case lineage = "sc.lineage"
    /// recipient ‖ 0 ‖ BE64(sequence) → disclosure record: every export, by recipient.
    case disclosures = "sc.disclosures"

    static var specs: [Environment.TableSpec] { allCases.map { Environment.TableSpec(name: $0.rawValue) } }

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

/// Reads of the indexes as they stand, plus the writes of a batch not yet committed.
///
/// Validation runs against a read snapshot with this overlay on top, so later events of a
/// submission see the effects of earlier ones; the overlay is written in the append's
/// transaction. For the audit, a *complete* store starts empty and never reads storage: replaying
/// every entry into it rebuilds the indexes from scratch.
///
/// Lots and holdings, which every event reads and rewrites, are kept decoded: a lot is parsed
/// once when first read and encoded once when the overlay is written, however many events of the
/// batch touch it.
struct StateStore: Sendable {
    private var pending: [IndexTable: [RowKey: [UInt8]?]] = [:]
    /// Lots written by the batch, by identifier.
    private var lots: [String: Lot] = [:]
    /// Holdings written by the batch; `nil` for a row deleted (nothing held).
    private var holdings: [HoldingKey: ExactDecimal?] = [:]
    /// When set, storage is never read: the overlay is the whole state.
    let complete: Bool
    let tables: [IndexTable: Table]

    init(tables: [IndexTable: Table], complete: Bool = false) {
        self.tables = tables
        self.complete = complete
    }

    func raw(_ table: IndexTable, _ key: [UInt8], _ txn: borrowing ReadTransaction) throws -> [UInt8]? {
        precondition(table != .lots && table != .holdings, "lots and holdings are read decoded")
        if let value = pending[table]?[RowKey(key)] { return value }
        return try stored(table, key, txn)
    }

    private func stored(_ table: IndexTable, _ key: [UInt8], _ txn: borrowing ReadTransaction) throws -> [UInt8]? {
        if complete { return nil }
        return try txn.value(in: IndexTable.handle(table, in: tables), forKey: key)
    }

    mutating func put(_ table: IndexTable, _ key: [UInt8], _ value: [UInt8]) {
        precondition(table != .lots && table != .holdings, "lots and holdings are written decoded")
        pending[table, default: [:]][RowKey(key)] = .some(value)
    }

    mutating func delete(_ table: IndexTable, _ key: [UInt8]) {
        precondition(table != .lots && table != .holdings, "lots and holdings are written decoded")
        pending[table, default: [:]][RowKey(key)] = .some(nil)
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
        lots.reserveCapacity(events)
        holdings.reserveCapacity(events)
        for table in [IndexTable.events, .edgesUp, .edgesDown] {
            pending[table, default: [:]].reserveCapacity(events)
        }
    }

    // MARK: Lots and holdings

    /// A lot as the batch left it, or as stored.
    func lot(_ id: String, _ txn: borrowing ReadTransaction) throws -> Lot? {
        if let lot = lots[id] { return lot }
        return try stored(.lots, IndexKey.text(id), txn).flatMap { try Lot(json: JSONValue(parsing: $0)) }
    }

    mutating func putLot(_ lot: Lot) {
        lots[lot.id] = lot
    }

    /// The kilograms `actor` holds of `lot`; zero when there is no row.
    func holding(_ lot: String, _ actor: String, _ txn: borrowing ReadTransaction) throws -> ExactDecimal {
        if let written = holdings[HoldingKey(lot: lot, actor: actor)] { return written ?? .zero }
        guard let bytes = try stored(.holdings, IndexKey.pair(lot, actor), txn) else { return .zero }
        return ExactDecimal(String(decoding: bytes, as: UTF8.self)) ?? .zero
    }

    /// Sets a holding; a quantity that is not positive deletes the row.
    mutating func setHolding(_ lot: String, _ actor: String, _ kg: ExactDecimal) {
        holdings[HoldingKey(lot: lot, actor: actor)] = kg.isPositive ? kg : nil as ExactDecimal?
    }

    // MARK: Ranges and writing

    /// The first row at or after `key` in `table`, merging storage and overlay.
    func seek(
        _ table: IndexTable,
        atLeast key: [UInt8],
        _ txn: borrowing ReadTransaction
    ) throws -> (key: [UInt8], value: [UInt8])? {
        precondition(table != .lots && table != .holdings, "lots and holdings are read decoded")
        var best: ([UInt8], [UInt8])? = nil
        if !complete {
            let cursor = try txn.cursor(IndexTable.handle(table, in: tables))
            var row = try cursor.seek(atLeast: key)
            // Skip stored rows that the overlay deleted.
            while let (storedKey, storedValue) = row {
                if let overlaid = pending[table]?[RowKey(storedKey)] {
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
        for (pendingKey, value) in pending[table] ?? [:] {
            guard let value, !RowKey.precedes(pendingKey.bytes, key) else { continue }
            if best.map({ RowKey.precedes(pendingKey.bytes, $0.0) }) ?? true {
                best = (pendingKey.bytes, value)
            }
        }
        return best.map { (key: $0.0, value: $0.1) }
    }

    /// The overlay's rows of `table`, with `nil` for a deleted row, in key order.
    private func sortedRows(_ table: IndexTable) -> [(key: RowKey, value: [UInt8]?)] {
        var rows: [(key: RowKey, value: [UInt8]?)]
        switch table {
        case .lots:
            rows = lots.map { (RowKey(IndexKey.text($0.key)), $0.value.canonicalBytes) }
        case .holdings:
            rows = holdings.map { key, kg in
                (RowKey(IndexKey.pair(key.lot, key.actor)), kg.map { Array($0.description.utf8) })
            }
        default:
            rows = (pending[table] ?? [:]).map { ($0.key, $0.value) }
        }
        rows.sort { $0.key < $1.key }
        return rows
    }

    /// Writes the overlay in key order; the tables' rows are encoded and sorted on all cores.
    func flush(into txn: borrowing WriteTransaction) throws {
        let written = IndexTable.allCases.filter { tables[$0] != nil }
        let encoded = Parallel.map(written.count) { [self] in sortedRows(written[$0]) }
        for (table, rows) in zip(written, encoded) {
            guard let handle = tables[table] else { continue }
            for (key, value) in rows {
                if let value {
                    try txn.put(value, forKey: key.bytes, in: handle)
                } else {
                    _ = try txn.delete(key: key.bytes, in: handle)
                }
            }
        }
    }

    /// The non-deleted rows of the overlay, for the audit's comparison.
    func rows(_ table: IndexTable) -> [[UInt8]: [UInt8]] {
        var result: [[UInt8]: [UInt8]] = [:]
        for (key, value) in sortedRows(table) {
            if let value { result[key.bytes] = value }
        }
        return result
    }
}

/// A row key in the overlay.
///
/// It hashes its bytes as one block: an `[UInt8]` feeds the hasher byte by byte, which showed up
/// when a submission's overlay holds tens of thousands of rows.
struct RowKey: Hashable, Comparable, Sendable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (lhs: RowKey, rhs: RowKey) -> Bool { lhs.bytes == rhs.bytes }

    /// LMDB's default key order: bytes compared as unsigned, a prefix first.
    static func < (lhs: RowKey, rhs: RowKey) -> Bool { precedes(lhs.bytes, rhs.bytes) }

    static func precedes(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in
                let common = min(left.count, right.count)
                var index = 0
                // Eight bytes at a time: keys of one table often share a long prefix.
                while index + 8 <= common {
                    let a = UInt64(bigEndian: left.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    let b = UInt64(bigEndian: right.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    if a != b { return a < b }
                    index += 8
                }
                while index < common {
                    if left[index] != right[index] { return left[index] < right[index] }
                    index += 1
                }
                return left.count < right.count
            }
        }
    }
}

/// The key of a holding in the overlay.
struct HoldingKey: Hashable, Sendable {
    var lot: String
    var actor: String
}

/// Index keys.
enum IndexKey {
    static func text(_ value: String) -> [UInt8] { Array(value.utf8) }

    static func pair(_ first: String, _ second: String) -> [UInt8] {
        Array(first.utf8) + [0] + Array(second.utf8)
    }

    static func edge(_ first: String, _ second: String, _ sequence: UInt64) -> [UInt8] {
        pair(first, second) + [0] + BigEndianKey.encode(sequence)
    }

    static func serial(prefix: String, last: UInt64) -> [UInt8] {
        Array(prefix.utf8) + [0] + BigEndianKey.encode(last)
    }

    static func lotSerial(_ lot: String, prefix: String, last: UInt64) -> [UInt8] {
        Array(lot.utf8) + [0] + serial(prefix: prefix, last: last)
    }
}
