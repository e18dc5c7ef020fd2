internal import CLMDB

/// A named table (an LMDB named database) of an ``Environment``.
///
/// Tables are declared in ``Environment/Options/tables``, opened once when the environment opens,
/// and never closed (ledger.md §4.8; closing handles is "normally unnecessary", lmdb.h l.1153). Get
/// one with ``Environment/table(_:)`` and pass it to transaction calls. A table belongs to the
/// environment that opened it: using it with another environment's transaction throws
/// ``StorageError/Code/unknownTable``.
///
/// In an environment opened with ``Environment/Options/readOnly``, a declared table that the file
/// does not hold is not created: it reads as empty.
public struct Table: Sendable, Hashable {
    /// The table's name in the file.
    public let name: String
    /// Whether the table keeps several sorted values per key (LMDB's `MDB_DUPSORT`).
    public let duplicateSort: Bool
    /// The LMDB database handle, or `nil` for a table a read-only environment's file does not hold.
    let dbi: MDB_dbi?
    /// The ``Environment/id`` of the environment that opened the table.
    let environmentID: UInt64
}

extension Table: CustomStringConvertible {
    /// The table's name.
    public var description: String {
        name
    }
}
