#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

extension Environment {
    /// How to open an ``Environment``.
    ///
    /// ```swift
    /// let options = Environment.Options(
    ///     mapSize: 1 << 30,
    ///     tables: [.init(name: "entries"), .init(name: "byLot", duplicateSort: true)]
    /// )
    /// ```
    public struct Options: Sendable {
        /// The map size the environment starts with, in bytes: 256 MiB by default.
        public static let defaultMapSize = 256 << 20

        /// The initial size of the memory map, in bytes, rounded up to whole pages.
        ///
        /// This is address space, not disk: the file grows only as data is written. The map doubles
        /// whenever a write fills it, and a reopened environment starts at the size the file last
        /// persisted if that is larger. Prefer tens of GiB at most over reserving terabytes, which some
        /// systems refuse (ledger.md §4.4).
        public var mapSize: Int
        /// The number of reader slots: 126 by default, as in LMDB.
        ///
        /// This is the most read transactions that can be open at once, across all processes using the
        /// environment.
        public var maxReaders: Int
        /// Every table the environment will use.
        ///
        /// They are created if missing (unless ``readOnly``) and opened once, when the environment opens.
        public var tables: [TableSpec]
        /// Whether each commit is flushed to disk before it returns: `true` by default.
        ///
        /// `false` sets `MDB_NOSYNC` and `MDB_NOMETASYNC`: a process crash still loses nothing
        /// committed, but an operating-system crash or power loss can lose or corrupt the latest
        /// transactions (lmdb.h l.548–575). Use it for tests and benchmarks only, or call
        /// ``Environment/sync()`` at your own checkpoints.
        public var durable: Bool
        /// Whether the environment only reads: `false` by default.
        ///
        /// `true` sets `MDB_RDONLY`. Opening then writes nothing to the data file: no table is
        /// created, a declared table the file does not hold reads as empty, and
        /// ``Environment/write(_:)`` throws ``StorageError/Code/readOnly``. No write transaction
        /// begins, so opening and reading never wait for another process's writer. The directory
        /// must exist; it may be on a read-only file system, where LMDB does without its lock file
        /// (lmdb.h l.535–538), so nothing may write to it meanwhile.
        public var readOnly: Bool

        /// Creates options.
        ///
        /// - Parameters:
        ///   - mapSize: The initial map size in bytes; 256 MiB by default.
        ///   - maxReaders: The number of reader slots; 126 by default.
        ///   - tables: The tables to create and open.
        ///   - durable: Whether each commit is flushed to disk; `true` by default.
        ///   - readOnly: Whether the environment only reads; `false` by default.
        public init(
            mapSize: Int = Options.defaultMapSize,
            maxReaders: Int = 126,
            tables: [TableSpec] = [],
            durable: Bool = true,
            readOnly: Bool = false
        ) {
            self.mapSize = mapSize
            self.maxReaders = maxReaders
            self.tables = tables
            self.durable = durable
            self.readOnly = readOnly
        }
    }

    /// The declaration of one table of an ``Environment``.
    public struct TableSpec: Sendable, Hashable {
        /// The table's name in the file: non-empty, without NUL characters.
        public var name: String
        /// Whether a key may hold several values, kept sorted (LMDB's `MDB_DUPSORT`).
        ///
        /// Fits secondary indexes such as lot ID → entry indices. Values in such a table are limited
        /// to 511 bytes, like keys. This must match how the table was first created.
        public var duplicateSort: Bool

        /// Declares a table.
        ///
        /// - Parameters:
        ///   - name: The table's name.
        ///   - duplicateSort: Whether a key may hold several sorted values; `false` by default.
        public init(name: String, duplicateSort: Bool = false) {
            self.name = name
            self.duplicateSort = duplicateSort
        }
    }
}

extension Environment.Options {
    /// Checks the options and rounds the map size up to whole pages.
    ///
    /// - Throws: ``StorageError/Code/invalidOptions`` naming the first problem found.
    mutating func validate() throws(StorageError) {
        func invalid(_ message: String) -> StorageError {
            StorageError(code: .invalidOptions, message: message)
        }
        guard mapSize > 0 else {
            throw invalid("mapSize must be positive, not \(mapSize)")
        }
        let pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        let (rounded, overflow) = mapSize.addingReportingOverflow(pageSize - 1)
        guard !overflow else {
            throw invalid("mapSize \(mapSize) is too large")
        }
        mapSize = rounded / pageSize * pageSize
        guard (1...Int(Int32.max)).contains(maxReaders) else {
            throw invalid("maxReaders must be at least 1, not \(maxReaders)")
        }
        var seen: Set<String> = []
        for table in tables {
            guard !table.name.isEmpty, !table.name.utf8.contains(0) else {
                throw invalid("Table names must be non-empty and contain no NUL characters")
            }
            guard seen.insert(table.name).inserted else {
                throw invalid("Table '\(table.name)' is declared twice")
            }
        }
    }
}
