internal import CLMDB

extension Environment {
    /// The current size of the memory map, in bytes.
    ///
    /// It starts at ``Options/mapSize`` (or the size the file persisted, if larger) and doubles each
    /// time a write fills it.
    public var mapSize: Int {
        gate.withShared {
            unsafe Self.info(handle).me_mapsize
        }
    }

    /// The id of the last transaction committed to the data file (`me_last_txnid`, lmdb.h l.471).
    ///
    /// Every commit that changed something took the next id, so it counts the file's committed
    /// writes: a new environment's is 0, and one whose tables were only created is 1.
    public var lastCommittedTransaction: UInt64 {
        gate.withShared {
            UInt64(unsafe Self.info(handle).me_last_txnid)
        }
    }

    /// The number of pages the data file's newest committed state uses (`me_last_pgno` + 1,
    /// lmdb.h l.470), its two meta pages included.
    public var pagesInUse: Int {
        gate.withShared {
            unsafe Self.info(handle).me_last_pgno + 1
        }
    }

    /// The largest key, and the largest value in a duplicate-sorted table, that LMDB accepts, in bytes.
    public var maxKeySize: Int {
        Int(unsafe mdb_env_get_maxkeysize(handle))
    }

    /// Flushes committed data to disk.
    ///
    /// Only needed when the environment was opened with ``Options/durable`` set to `false`: then a
    /// `sync()` at a checkpoint makes everything committed so far survive a system crash. A durable
    /// environment already flushes on each commit, and a read-only one has nothing to flush.
    ///
    /// - Throws: ``StorageError`` naming `mdb_env_sync` if the flush fails.
    public func sync() throws {
        // LMDB refuses the call with EACCES in a read-only environment (lmdb.h l.730).
        guard !options.readOnly else { return }
        do {
            // force = 1 flushes even with MDB_NOSYNC set (lmdb.h l.724–743).
            try gate.withShared { () throws(LMDBError) in
                try check(unsafe mdb_env_sync(handle, 1), "mdb_env_sync")
            }
        } catch {
            throw StorageError(error)
        }
    }

    /// Writes a consistent copy of the environment while it stays in use: a hot backup.
    ///
    /// The copy runs in its own read transaction, so it sees one committed state and does not block
    /// writers (lmdb.h l.664–687). Open the copy as an ``Environment`` with the same tables to read
    /// it, and verify it, for example by recomputing the ledger's root (ledger.md §4.9).
    ///
    /// - Parameters:
    ///   - path: The directory for the copy; created if missing, and it must hold no `data.mdb` yet.
    ///   - compact: Whether to omit free pages and renumber the rest, giving a smaller file at some
    ///     CPU cost (`MDB_CP_COMPACT`).
    /// - Throws: ``StorageError/Code/io`` if the directory cannot be created; ``StorageError``
    ///   naming `mdb_env_copy2` if the copy fails, for example because the target already has a copy.
    @available(*, noasync)
    public func copy(to path: String, compact: Bool) throws {
        try Directory.create(atPath: path)
        let flags: CopyFlags = compact ? .compact : []
        do {
            try gate.withShared { () throws(LMDBError) in
                try check(unsafe mdb_env_copy2(handle, path, flags.rawValue), "mdb_env_copy2")
            }
        } catch {
            throw StorageError(error)
        }
    }

    /// Clears reader slots left behind by processes that died inside a read transaction.
    ///
    /// Stale readers stop LMDB from reusing pages, so the file grows (lmdb.h l.46–60). The
    /// environment checks once at open (``staleReadersClearedAtOpen``); call this periodically in a
    /// long-running service.
    ///
    /// - Returns: The number of slots cleared.
    /// - Throws: ``StorageError`` naming `mdb_reader_check` if the check fails.
    @discardableResult
    public func clearStaleReaders() throws -> Int {
        var dead: Int32 = 0
        do {
            try check(unsafe mdb_reader_check(handle, &dead), "mdb_reader_check")
        } catch {
            throw StorageError(error)
        }
        return Int(dead)
    }
}
