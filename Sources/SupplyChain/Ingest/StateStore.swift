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
struct StateStore {
    private(set) var pending: [IndexTable: [[UInt8]: [UInt8]?]] = [:]
    /// When set, storage is never read: the overlay is the whole state.
    let complete: Bool
    let tables: [IndexTable: Table]

    init(tables: [IndexTable: Table], complete: Bool = false) {
        self.tables = tables
        self.complete = complete
    }

    func raw(_ table: IndexTable, _ key: [UInt8], _ txn: borrowing ReadTransaction) throws -> [UInt8]? {
        if let value = pending[table]?[key] { return value }
        if complete { return nil }
        return try txn.value(in: IndexTable.handle(table, in: tables), forKey: key)
    }

    mutating func put(_ table: IndexTable, _ key: [UInt8], _ value: [UInt8]) {
        pending[table, default: [:]][key] = .some(value)
    }

    mutating func delete(_ table: IndexTable, _ key: [UInt8]) {
        pending[table, default: [:]][key] = .some(nil)
    }

    func json(_ table: IndexTable, _ key: [UInt8], _ txn: borrowing ReadTransaction) throws -> JSONValue? {
        guard let bytes = try raw(table, key, txn) else { return nil }
        return try JSONValue(parsing: bytes)
    }

    mutating func put(_ table: IndexTable, _ key: [UInt8], json: JSONValue) {
        put(table, key, json.canonicalBytes)
    }

    /// The first row at or after `key` in `table`, merging storage and overlay.
    func seek(
        _ table: IndexTable,
        atLeast key: [UInt8],
        _ txn: borrowing ReadTransaction
    ) throws -> (key: [UInt8], value: [UInt8])? {
        var best: ([UInt8], [UInt8])? = nil
        if !complete {
            let cursor = try txn.cursor(IndexTable.handle(table, in: tables))
            var row = try cursor.seek(atLeast: key)
            // Skip stored rows that the overlay deleted.
            while let (storedKey, storedValue) = row {
                if let overlaid = pending[table]?[storedKey] {
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
            guard let value, !pendingKey.lexicographicallyPrecedes(key) else { continue }
            if best.map({ pendingKey.lexicographicallyPrecedes($0.0) }) ?? true {
                best = (pendingKey, value)
            }
        }
        return best.map { (key: $0.0, value: $0.1) }
    }

    /// Writes the overlay in key order.
    func flush(into txn: borrowing WriteTransaction) throws {
        for table in IndexTable.allCases {
            guard let rows = pending[table], let handle = tables[table] else { continue }
            for (key, value) in rows.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                if let value {
                    try txn.put(value, forKey: key, in: handle)
                } else {
                    _ = try txn.delete(key: key, in: handle)
                }
            }
        }
    }

    /// The non-deleted rows of the overlay, for the audit's comparison.
    func rows(_ table: IndexTable) -> [[UInt8]: [UInt8]] {
        (pending[table] ?? [:]).compactMapValues { $0 }
    }
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
}
