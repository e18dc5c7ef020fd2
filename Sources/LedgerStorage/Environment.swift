internal import CLMDB
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// An open LMDB environment: one directory holding `data.mdb` and `lock.mdb`, with its named tables.
///
/// Open an environment once per directory per process and share it; opening the same directory
/// again while it is open throws ``StorageError/Code/alreadyOpen`` (lmdb.h l.101). All tables are
/// declared up front and opened, created if missing, in one write transaction when the environment
/// opens; an environment opened with ``Options/readOnly`` opens them in a read transaction instead,
/// creates none and never waits for another process's writer. The environment closes when the
/// last reference to it goes away.
///
/// ```swift
/// let env = try Environment(
///     path: "/var/lib/celltrace/ledger",
///     options: .init(tables: [.init(name: "entries"), .init(name: "byLot", duplicateSort: true)])
/// )
/// let entries = try env.table("entries")
/// try env.write { txn in
///     try txn.put(record, forKey: BigEndianKey.encode(0), in: entries, mode: .append)
/// }
/// let count = try env.read { txn in try txn.count(entries) }
/// ```
///
/// Transactions are lent to synchronous closures by ``read(_:)`` and ``write(_:)``. The memory map
/// grows on demand: a write that fills it is aborted, the map doubles, and the write's closure runs
/// again from the start.
@safe public final class Environment: @unchecked Sendable {
    // Safety: the MDB_env is opened with MDB_NOTLS and used only through LMDB calls that are safe
    // from any thread while the environment is open (lmdb.h l.576–584). The one call that is not,
    // mdb_env_set_mapsize, runs under `gate` held exclusively, which waits until no transaction of
    // this process is active (l.819–822). `isUnusable` is written only under that exclusive hold and
    // read only under a shared one. Everything else is immutable after init.

    /// The canonical path of the environment's directory.
    public let path: String
    /// The options the environment was opened with.
    public let options: Options
    /// How many stale reader slots, left by crashed processes, `mdb_reader_check` cleared at open.
    public let staleReadersClearedAtOpen: Int

    /// The `MDB_env`, owned by this object.
    let handle: OpaquePointer
    /// A process-unique number, stamped on the environment's ``Table`` values.
    let id: UInt64
    /// The tables opened at init, by name.
    let tables: [String: Table]
    /// Keeps map resizes away from active transactions.
    let gate = TransactionGate()
    /// Keeps writers one at a time across processes whatever happens to `lock.mdb`; `nil` when
    /// opened read-only.
    let writerLock: WriterLock?
    /// What map growth has happened, for tests and diagnostics.
    let growth = Mutex(MapGrowthStatistics())

    /// A snapshot of ``growth``.
    var growthStatistics: MapGrowthStatistics {
        growth.withLock { $0 }
    }
    /// The directory's claim in the process-wide registry.
    private let directoryID: EnvironmentRegistry.DirectoryID
    /// The claim's token in the registry.
    private let claim: UInt64
    /// Set when a resize failed after LMDB unmapped the old map; nothing can be read any more.
    var isUnusable = false

    private static let nextID = Atomic<UInt64>(1)

    /// Opens, and if needed creates, an environment.
    ///
    /// The directory is created if missing, unless ``Options/readOnly`` is set: a read-only
    /// environment opens an existing one and writes nothing to its data file. The map starts at
    /// the larger of ``Options/mapSize`` and the size the file last persisted, and grows as writes
    /// need. `mdb_reader_check` clears reader slots left by crashed processes (lmdb.h l.46–60).
    ///
    /// - Parameters:
    ///   - path: The directory for `data.mdb` and `lock.mdb`; on a local file system (lmdb.h l.128).
    ///   - options: Map size, reader slots, tables and durability.
    /// - Throws: ``StorageError`` with ``StorageError/Code/alreadyOpen`` if this process has the
    ///   directory open, ``StorageError/Code/invalidOptions`` for bad options or tables whose
    ///   ``TableSpec/duplicateSort`` differs from the file, ``StorageError/Code/io`` if the directory
    ///   cannot be created (or, read-only, does not exist), ``StorageError/Code/damaged`` if the data
    ///   file is cut off or its table of tables is unreadable, ``StorageError/Code/lmdb`` if LMDB fails.
    public init(path: String, options: Options = Options()) throws {
        var options = options
        try options.validate()
        if !options.readOnly {
            try Directory.create(atPath: path)
        }
        let canonical = try Directory.canonicalPath(path)
        let directoryID = try Directory.identity(canonical)
        let claim = try EnvironmentRegistry.register(directoryID, path: canonical)
        let id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let handle: OpaquePointer
        let tables: [String: Table]
        let staleReaders: Int
        do {
            unsafe (handle, tables, staleReaders) = try Self.open(path: canonical, options: options, id: id)
        } catch {
            EnvironmentRegistry.unregister(directoryID, token: claim)
            throw Self.diskFull(error, path: canonical) ?? error
        }
        do {
            writerLock = options.readOnly ? nil : try WriterLock(directory: canonical)
        } catch {
            unsafe mdb_env_close(handle)
            EnvironmentRegistry.unregister(directoryID, token: claim)
            throw error
        }
        self.path = canonical
        self.options = options
        unsafe self.handle = handle
        self.id = id
        self.tables = tables
        self.staleReadersClearedAtOpen = staleReaders
        self.directoryID = directoryID
        self.claim = claim
    }

    deinit {
        // Transactions live only inside read and write, which keep the environment alive, so none is
        // active here; escaped read cursors only free their own memory when they close.
        unsafe mdb_env_close(handle)
        EnvironmentRegistry.unregister(directoryID, token: claim)
    }

    /// Returns a table declared in ``Options/tables``.
    ///
    /// - Parameter name: The table's name.
    /// - Returns: The table, opened when the environment opened.
    /// - Throws: ``StorageError/Code/unknownTable`` if no table of that name was declared.
    public func table(_ name: String) throws -> Table {
        guard let table = tables[name] else {
            throw StorageError(
                code: .unknownTable,
                message: "No table '\(name)' in the environment at '\(path)'; "
                    + "declare it in Environment.Options.tables (declared: \(tables.keys.sorted()))"
            )
        }
        return table
    }
}

extension Environment {
    /// Creates the `MDB_env`, opens it and opens every table.
    ///
    /// - Parameters:
    ///   - path: The canonical directory path.
    ///   - options: The validated options.
    ///   - id: The environment's ``id``.
    /// - Returns: The open handle, the tables and the number of stale readers cleared.
    /// - Throws: ``StorageError`` if any step fails; the handle is closed first.
    private static func open(
        path: String,
        options: Options,
        id: UInt64
    ) throws(StorageError) -> (handle: OpaquePointer, tables: [String: Table], staleReaders: Int) {
        var created: OpaquePointer?
        do {
            try check(unsafe mdb_env_create(&created), "mdb_env_create")
        } catch {
            throw StorageError(error)
        }
        guard let env = unsafe created else {
            preconditionFailure("mdb_env_create succeeded without an environment")
        }
        do {
            // Map size, readers and table count must be set before mdb_env_open (lmdb.h l.819, 864, 896).
            try check(unsafe mdb_env_set_mapsize(env, options.mapSize), "mdb_env_set_mapsize")
            try check(unsafe mdb_env_set_maxreaders(env, UInt32(options.maxReaders)), "mdb_env_set_maxreaders")
            try check(unsafe mdb_env_set_maxdbs(env, MDB_dbi(max(1, options.tables.count))), "mdb_env_set_maxdbs")
            var flags: EnvironmentFlags = .noThreadLocalStorage
            if !options.durable {
                flags.formUnion([.noSync, .noMetaSync])
            }
            if options.readOnly {
                flags.insert(.readOnly)
            }
            // LMDB makes `lock.mdb` before it reads the data file: a file that is not LMDB's is
            // named first, so that opening it leaves nothing in a directory that is no environment.
            try MetaPages.check(dataFileIn: path)
            // Owner only: the data file holds every sealed value beside its salt (the openings a
            // disclosure may reveal), which no other local account may read.
            try check(unsafe mdb_env_open(env, path, flags.rawValue, 0o600), "mdb_env_open")
            // Every page below the last one in use must be in the file before any is read through the
            // map: a page past the file's end faults the process (SIGBUS) rather than fail a call.
            try unsafe checkFileCoversPages(env, path: path)
            // Adopt the size the file last persisted if it is larger than the one asked for, so a
            // reopened ledger does not have to grow again from the configured size (lmdb.h l.829–832).
            try check(unsafe mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize")
            if unsafe info(env).me_mapsize < options.mapSize {
                try check(unsafe mdb_env_set_mapsize(env, options.mapSize), "mdb_env_set_mapsize")
            }
            var dead: Int32 = 0
            try check(unsafe mdb_reader_check(env, &dead), "mdb_reader_check")
            let tables = try unsafe openTables(options.tables, in: env, id: id, path: path, readOnly: options.readOnly)
            return unsafe (env, tables, Int(dead))
        } catch {
            // lmdb.h l.512: a failed mdb_env_open still needs mdb_env_close; so does any later failure.
            unsafe mdb_env_close(env)
            switch error {
            case let error as StorageError: throw error
            case let error as LMDBError: throw StorageError(error)
            default: preconditionFailure("unexpected error \(error)")
            }
        }
    }

    /// Opens every declared table in one write transaction, creating missing ones, and commits so
    /// the handles are usable by every later transaction (ledger.md §4.8; lmdb.h l.1068–1072).
    ///
    /// A read-only environment opens them in a read transaction, which waits for no writer and
    /// creates nothing: a table the file does not hold (`MDB_NOTFOUND`, l.1123) gets no handle and
    /// reads as empty. No other transaction can exist yet, so the map may be grown here directly.
    ///
    /// - Parameters:
    ///   - specs: The declared tables.
    ///   - env: The open environment.
    ///   - id: The environment's ``id``.
    ///   - path: The canonical directory path, for messages.
    ///   - readOnly: Whether the environment was opened with `MDB_RDONLY`.
    /// - Returns: The tables by name.
    /// - Throws: ``StorageError`` if LMDB fails or a table's flags differ from the file;
    ///   ``StorageError/Code/damaged`` when the table of tables cannot be read.
    private static func openTables(
        _ specs: [TableSpec],
        in env: OpaquePointer,
        id: UInt64,
        path: String,
        readOnly: Bool
    ) throws -> [String: Table] {
        let transactionFlags: TransactionFlags = readOnly ? .readOnly : []
        while true {
            var txn: OpaquePointer?
            let began = unsafe mdb_txn_begin(env, nil, transactionFlags.rawValue, &txn)
            if began == LMDBError.mapResized {
                try check(unsafe mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize")
                continue
            }
            try check(began, "mdb_txn_begin")
            guard let txn = unsafe txn else {
                preconditionFailure("mdb_txn_begin succeeded without a transaction")
            }
            var tables: [String: Table] = [:]
            var rc: Int32 = 0
            var failed: StaticString = "mdb_dbi_open"
            for spec in specs {
                var flags: DatabaseFlags = readOnly ? [] : .create
                if spec.duplicateSort {
                    flags.insert(.duplicateSort)
                }
                var dbi: MDB_dbi = 0
                rc = unsafe mdb_dbi_open(txn, spec.name, flags.rawValue, &dbi)
                if readOnly, rc == LMDBError.notFound {
                    rc = 0
                    tables[spec.name] = Table(
                        name: spec.name,
                        duplicateSort: spec.duplicateSort,
                        dbi: nil,
                        environmentID: id
                    )
                    continue
                }
                if rc != 0 {
                    break
                }
                var actual: UInt32 = 0
                rc = unsafe mdb_dbi_flags(txn, dbi, &actual)
                if rc != 0 {
                    failed = "mdb_dbi_flags"
                    break
                }
                // An existing table keeps the flags it was created with (mdb_dbi_open ignores ours).
                guard (actual & DatabaseFlags.duplicateSort.rawValue != 0) == spec.duplicateSort else {
                    unsafe mdb_txn_abort(txn)
                    throw StorageError(
                        code: .invalidOptions,
                        message: "Table '\(spec.name)' exists in the file "
                            + (spec.duplicateSort ? "without" : "with")
                            + " duplicateSort; declare it as it was created"
                    )
                }
                tables[spec.name] = Table(
                    name: spec.name,
                    duplicateSort: spec.duplicateSort,
                    dbi: dbi,
                    environmentID: id
                )
            }
            if rc != 0 {
                unsafe mdb_txn_abort(txn)
            } else {
                // A failed commit has freed the transaction already (lmdb.h l.994).
                rc = unsafe mdb_txn_commit(txn)
                failed = "mdb_txn_commit"
            }
            if rc == LMDBError.mapFull {
                try check(unsafe mdb_env_set_mapsize(env, info(env).me_mapsize * 2), "mdb_env_set_mapsize")
                continue
            }
            // A table's name leading to something that is no table is damage here too.
            if LMDBError.damage.contains(rc) || rc == LMDBError.incompatible {
                let cause = LMDBError(code: rc, function: failed.description)
                throw StorageError(
                    code: .damaged,
                    message: "\(path)/data.mdb is damaged: its newest committed state names its tables in pages "
                        + "that do not read as such (\(cause.reason)); restore it from a backup",
                    cause: cause
                )
            }
            try check(rc, failed)
            return tables
        }
    }

    /// Throws ``StorageError/Code/damaged`` when the data file is shorter than the pages LMDB's
    /// meta page says are in use (`me_last_pgno`, lmdb.h l.484): a file cut off by a copy that
    /// stopped or a damaged disk, whose missing pages the map would fault on when read.
    private static func checkFileCoversPages(_ env: OpaquePointer, path: String) throws {
        var descriptor: Int32 = -1
        var pages = MDB_stat()
        try check(unsafe mdb_env_get_fd(env, &descriptor), "mdb_env_get_fd")
        try check(unsafe mdb_env_stat(env, &pages), "mdb_env_stat")
        var status = stat()
        guard unsafe fstat(descriptor, &status) == 0 else {
            let reason = unsafe String(cString: strerror(errno))
            throw StorageError(code: .io, message: "cannot read the size of \(path)/data.mdb: \(reason)")
        }
        let needed = unsafe (UInt64(info(env).me_last_pgno) + 1) * UInt64(pages.ms_psize)
        let size = UInt64(max(0, status.st_size))
        guard size >= needed else {
            throw StorageError(
                code: .damaged,
                message:
                    "\(path)/data.mdb is \(size) bytes but its pages in use need \(needed): the file was cut off "
                    + "(a copy that stopped, a damaged disk); restore it from a backup"
            )
        }
    }

    /// Reads `MDB_envinfo`; cannot fail on an open environment.
    ///
    /// - Parameter env: The environment.
    /// - Returns: The environment's information.
    static func info(_ env: OpaquePointer) -> MDB_envinfo {
        var info = unsafe MDB_envinfo()
        let rc = unsafe mdb_env_info(env, &info)
        precondition(rc == 0, "mdb_env_info failed: \(rc)")
        return unsafe info
    }
}

/// Counts of map growth events, kept for tests and diagnostics.
struct MapGrowthStatistics: Sendable {
    /// Doublings of the map.
    var doublings = 0
    /// Puts or deletes that returned `MDB_MAP_FULL`.
    var mapFullAtWrite = 0
    /// Commits that returned `MDB_MAP_FULL`.
    var mapFullAtCommit = 0
    /// Times `mdb_txn_begin` returned `MDB_MAP_RESIZED` and the map adopted another process's size.
    var resizesAdopted = 0
}
