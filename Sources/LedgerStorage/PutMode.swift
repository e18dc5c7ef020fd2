/// How `WriteTransaction.put(_:forKey:in:mode:)` treats an existing key or the key order.
public enum PutMode: Sendable, Hashable {
    /// Insert the pair, replacing the key's value; in a duplicate-sorted table, add the value to the key's set.
    case upsert
    /// Insert only if the key is absent; otherwise throw ``StorageError/Code/keyExists``.
    ///
    /// The corresponding LMDB flag is `MDB_NOOVERWRITE`.
    case noOverwrite
    /// Append the pair after the table's last key: fast bulk loading of keys already in order.
    ///
    /// A key that does not sort after every existing key throws ``StorageError/Code/keyExists``
    /// (lmdb.h l.1322–1325). With ``BigEndianKey`` keys, byte order is numeric order.
    ///
    /// The corresponding LMDB flag is `MDB_APPEND`.
    case append
    /// Append the value after the last value of its key in a duplicate-sorted table.
    ///
    /// A value that does not sort after the key's existing values throws ``StorageError/Code/keyExists``.
    ///
    /// The corresponding LMDB flag is `MDB_APPENDDUP`.
    case appendDuplicate
}

extension PutMode {
    /// The `mdb_put` flags for this mode.
    var flags: WriteFlags {
        switch self {
        case .upsert: []
        case .noOverwrite: .noOverwrite
        case .append: .append
        case .appendDuplicate: .appendDuplicate
        }
    }
}
