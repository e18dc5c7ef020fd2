internal import CLMDB

// The LMDB flag macros, as named option sets so call sites read as words rather than C constants.

/// Flags for `mdb_env_open` (lmdb.h l.516–619).
struct EnvironmentFlags: OptionSet {
    var rawValue: UInt32

    /// Reader slots belong to transactions, not threads, so Swift tasks may hop threads between
    /// transactions (lmdb.h l.576–584).
    ///
    /// The corresponding LMDB flag is `MDB_NOTLS`.
    static let noThreadLocalStorage = EnvironmentFlags(rawValue: UInt32(MDB_NOTLS))
    /// Commits do not flush at all; a system crash may lose or corrupt recent transactions (l.556).
    ///
    /// The corresponding LMDB flag is `MDB_NOSYNC`.
    static let noSync = EnvironmentFlags(rawValue: UInt32(MDB_NOSYNC))
    /// Commits skip the meta-page flush; a system crash may undo the last transaction (l.548).
    ///
    /// The corresponding LMDB flag is `MDB_NOMETASYNC`.
    static let noMetaSync = EnvironmentFlags(rawValue: UInt32(MDB_NOMETASYNC))
    /// The environment only reads: no write transaction can begin, and on a read-only file system
    /// LMDB does without its lock file (l.535–538).
    ///
    /// The corresponding LMDB flag is `MDB_RDONLY`.
    static let readOnly = EnvironmentFlags(rawValue: UInt32(MDB_RDONLY))
}

/// Flags for `mdb_txn_begin` (lmdb.h l.953–958).
struct TransactionFlags: OptionSet {
    var rawValue: UInt32

    /// The transaction only reads.
    ///
    /// The corresponding LMDB flag is `MDB_RDONLY`.
    static let readOnly = TransactionFlags(rawValue: UInt32(MDB_RDONLY))
}

/// Flags for `mdb_dbi_open` (lmdb.h l.1086–1118).
struct DatabaseFlags: OptionSet {
    var rawValue: UInt32

    /// Create the named database if it does not exist.
    ///
    /// The corresponding LMDB flag is `MDB_CREATE`.
    static let create = DatabaseFlags(rawValue: UInt32(MDB_CREATE))
    /// Keys may hold several values, kept sorted.
    ///
    /// The corresponding LMDB flag is `MDB_DUPSORT`.
    static let duplicateSort = DatabaseFlags(rawValue: UInt32(MDB_DUPSORT))
}

/// Flags for `mdb_put` (lmdb.h l.1300–1327).
struct WriteFlags: OptionSet {
    var rawValue: UInt32

    /// Refuse the put with `MDB_KEYEXIST` if the key is present.
    ///
    /// The corresponding LMDB flag is `MDB_NOOVERWRITE`.
    static let noOverwrite = WriteFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// The key sorts after every key in the table; otherwise `MDB_KEYEXIST`.
    ///
    /// The corresponding LMDB flag is `MDB_APPEND`.
    static let append = WriteFlags(rawValue: UInt32(MDB_APPEND))
    /// The value sorts after every value of its key in a duplicate-sorted table.
    ///
    /// The corresponding LMDB flag is `MDB_APPENDDUP`.
    static let appendDuplicate = WriteFlags(rawValue: UInt32(MDB_APPENDDUP))
}

/// Flags for `mdb_env_copy2` (lmdb.h l.676–687).
struct CopyFlags: OptionSet {
    var rawValue: UInt32

    /// Omit free pages and renumber the rest while copying.
    ///
    /// The corresponding LMDB flag is `MDB_CP_COMPACT`.
    static let compact = CopyFlags(rawValue: UInt32(MDB_CP_COMPACT))
}
