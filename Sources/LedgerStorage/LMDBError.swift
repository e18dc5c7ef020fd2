internal import CLMDB

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A failed LMDB call: its return code and the function that returned it.
///
/// This stays inside ``LedgerStorage`` (house style allows typed `throws(LMDBError)` only here);
/// public APIs wrap it in a ``StorageError`` as the `cause`.
struct LMDBError: Error, Sendable, Hashable {
    /// The LMDB or `errno` return code.
    var code: Int32
    /// The LMDB function that returned it, such as `mdb_put`.
    var function: String

    /// The corresponding LMDB code is `MDB_KEYEXIST`.
    static let keyExists: Int32 = MDB_KEYEXIST
    /// The corresponding LMDB code is `MDB_NOTFOUND`.
    static let notFound: Int32 = MDB_NOTFOUND
    /// The corresponding LMDB code is `MDB_MAP_FULL`.
    static let mapFull: Int32 = MDB_MAP_FULL
    /// The corresponding LMDB code is `MDB_MAP_RESIZED`.
    static let mapResized: Int32 = MDB_MAP_RESIZED
    /// The corresponding LMDB code is `MDB_READERS_FULL`.
    static let readersFull: Int32 = MDB_READERS_FULL
    /// The `errno` value `EINVAL`, which LMDB returns for invalid parameters.
    static let invalidArgument: Int32 = EINVAL
    /// The corresponding LMDB code is `MDB_BAD_VALSIZE`.
    static let badValueSize: Int32 = MDB_BAD_VALSIZE
    /// The corresponding LMDB code is `MDB_PANIC`.
    static let panic: Int32 = MDB_PANIC
    /// Codes by which LMDB says its data file is not what it wrote: a page it points to is
    /// missing or of the wrong kind (`MDB_PAGE_NOTFOUND`, `MDB_CORRUPTED`), or the file is no LMDB
    /// file or one of another format version (`MDB_INVALID`, `MDB_VERSION_MISMATCH`).
    /// (`MDB_INCOMPATIBLE` is damage only where a table is opened by name: elsewhere it is a call
    /// the table's flags do not allow.)
    static let damage: Set<Int32> = [MDB_PAGE_NOTFOUND, MDB_CORRUPTED, MDB_INVALID, MDB_VERSION_MISMATCH]
    /// The corresponding LMDB code is `MDB_INCOMPATIBLE`.
    static let incompatible: Int32 = MDB_INCOMPATIBLE

    /// LMDB's own text for the code, from `mdb_strerror` (which falls back to `strerror` for `errno` values).
    var reason: String {
        unsafe String(cString: mdb_strerror(code))
    }

    /// What to do about the failure, for the codes where CellTrace knows.
    var advice: String? {
        switch code {
        case Self.readersFull:
            "Every reader slot is taken: raise Environment.Options.maxReaders or end long-lived read transactions"
        case Self.badValueSize:
            "Keys (and duplicate-sorted values) must be 1 to 511 bytes long"
        case Self.mapResized:
            "Another process grew the map while this one held a transaction; retry outside any transaction"
        case Self.panic:
            "LMDB stopped using this environment after a commit could not write its meta page (a full disk "
                + "or an I/O error); what was committed before is intact: close the environment and open it again"
        default:
            nil
        }
    }
}

extension LMDBError: CustomStringConvertible {
    /// One line: the function, the raw code and LMDB's text.
    var description: String {
        "\(function) returned \(code): \(reason)"
    }
}

/// The one funnel for LMDB return codes: zero passes, anything else throws.
///
/// - Parameters:
///   - rc: The return code of an LMDB call.
///   - function: The function's name, kept static so the success path allocates nothing.
/// - Throws: ``LMDBError`` carrying `rc` and `function` when `rc` is not zero.
@inline(__always)
func check(_ rc: Int32, _ function: StaticString) throws(LMDBError) {
    guard rc == 0 else {
        throw LMDBError(code: rc, function: function.description)
    }
}
