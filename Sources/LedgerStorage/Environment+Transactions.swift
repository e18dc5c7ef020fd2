internal import CLMDB
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

extension Environment {
    /// Runs `body` in a read-only transaction: a consistent snapshot as of its start.
    ///
    /// The transaction is lent to `body` and aborted when `body` returns or throws. Readers run in
    /// parallel with each other and with the writer. The closure is synchronous because an LMDB
    /// transaction belongs to one thread (lmdb.h l.942); call `read` from a thread you may block, and
    /// keep the body short, since an open reader stops LMDB from reusing pages (l.106) and delays a
    /// map resize. A `read` may nest inside another transaction's body on the same thread.
    ///
    /// ```swift
    /// let record = try env.read { txn in
    ///     try txn.value(in: entries, forKey: BigEndianKey.encode(index))
    /// }
    /// ```
    ///
    /// - Parameter body: The reads; it must not wait for another thread's write.
    /// - Returns: Whatever `body` returns; values read must be copied out, not lent.
    /// - Throws: ``StorageError`` if LMDB fails to begin the transaction, or whatever `body` throws.
    @available(*, noasync)
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        let handle = try unsafe beginTransaction(flags: .readOnly)
        defer {
            gate.leaveShared()
        }
        return try unsafe Self.run(ReadTransaction(handle: handle), body)
    }

    /// Runs `body` in the write transaction and commits it when `body` returns.
    ///
    /// If `body` throws, the transaction aborts and nothing it wrote is kept. LMDB allows one write
    /// transaction at a time, so concurrent calls queue; each sees the previous one's commit.
    ///
    /// **`body` must be replayable.** When a put, a delete or the commit fills the memory map, the
    /// transaction is aborted, the map doubles, and `body` runs again from scratch in a new
    /// transaction, as often as needed. Keep the data to write in memory until `write` returns, and
    /// have no side effects in `body` beyond the transaction. A ``StorageError/Code/mapFull`` error
    /// thrown by a put is part of this and should be rethrown; callers of `write` never see it.
    ///
    /// ```swift
    /// let batch: [[UInt8]] = records  // kept until the commit succeeds
    /// try env.write { txn in
    ///     var next = try txn.count(entries)
    ///     for record in batch {
    ///         try txn.put(record, forKey: BigEndianKey.encode(UInt64(next)), in: entries, mode: .append)
    ///         next += 1
    ///     }
    /// }
    /// ```
    ///
    /// Do not call `write` inside another transaction's body on the same thread: the map could never
    /// grow there, and a nested write would wait for itself. That is a programmer error and stops the
    /// process.
    ///
    /// - Parameter body: The reads and writes; synchronous, because the transaction belongs to one
    ///   thread (lmdb.h l.942).
    /// - Returns: Whatever the run of `body` that committed returned.
    /// - Throws: ``StorageError`` if LMDB fails (other than a full map), ``StorageError/Code/diskFull``
    ///   when the file system has no room for the commit, ``StorageError/Code/readOnly`` in an
    ///   environment opened with ``Options/readOnly``, ``StorageError/Code/io`` when `lock.mdb`
    ///   was removed or replaced while the environment was open (`WriterLock`; nothing is
    ///   written), or whatever `body` throws.
    @available(*, noasync)
    public func write<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        precondition(
            gate.depth == 0,
            "Environment.write was called inside a transaction on the same thread; end that transaction first"
        )
        guard let writerLock, !options.readOnly else {
            throw StorageError(
                code: .readOnly,
                message: "The environment at '\(path)' was opened read-only; nothing was written. "
                    + "Open it without Environment.Options.readOnly to change it"
            )
        }
        return try writerLock.holding { try writeTurn(body) }
    }

    /// Runs `body` in write transactions until one commits, growing the map when it fills; the
    /// caller holds the `WriterLock`.
    private func writeTurn<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        while true {
            let handle = try unsafe beginTransaction(flags: [])
            // LMDB takes the last transaction's number from `lock.mdb`; one made anew while
            // another process kept writing through the old one is behind the data file, and a
            // write from there would overwrite that process's commits (`WriterLock`).
            let info = unsafe Self.info(self.handle)
            if unsafe mdb_txn_id(handle.txn) != info.me_last_txnid + 1 {
                _ = unsafe handle.end(committing: false)
                gate.leaveShared()
                throw StorageError(
                    code: .io,
                    message: "\(path)/lock.mdb is behind data.mdb: it was made anew while another process wrote "
                        + "through the one it replaced; nothing was written. Stop every process using the ledger "
                        + "and open it again (never delete lock.mdb while one runs)"
                )
            }
            let observedMapSize = unsafe info.me_mapsize
            let outcome: WriteOutcome<R>
            do {
                outcome = try unsafe Self.attempt(WriteTransaction(handle: handle), body)
            } catch let error as StorageError {
                gate.leaveShared()
                throw Self.diskFull(error, path: path) ?? error
            } catch {
                gate.leaveShared()
                throw error
            }
            gate.leaveShared()
            switch outcome {
            case .committed(let result):
                return result
            case .mapFullAtWrite:
                growth.withLock { $0.mapFullAtWrite += 1 }
                try growMap(from: observedMapSize)
            case .mapFullAtCommit:
                growth.withLock { $0.mapFullAtCommit += 1 }
                try growMap(from: observedMapSize)
            }
        }
    }
}

extension Environment {
    /// How one run of a write body ended, when it did not throw.
    private enum WriteOutcome<R> {
        case committed(R)
        case mapFullAtWrite
        case mapFullAtCommit
    }

    /// Lends a read transaction to `body`; the transaction ends when this function returns, before
    /// the caller leaves the gate.
    private static func run<R>(
        _ transaction: consuming ReadTransaction,
        _ body: (borrowing ReadTransaction) throws -> R
    ) throws -> R {
        try body(transaction)
    }

    /// Runs `body` once in a write transaction and commits unless a write filled the map.
    ///
    /// - Parameters:
    ///   - transaction: The new transaction, consumed here.
    ///   - body: The caller's body.
    /// - Returns: The outcome; the transaction has ended in every case.
    /// - Throws: Whatever `body` threw, unless the map filled first; LMDB commit failures.
    private static func attempt<R>(
        _ transaction: consuming WriteTransaction,
        _ body: (borrowing WriteTransaction) throws -> R
    ) throws -> WriteOutcome<R> {
        let result: R
        do {
            result = try body(transaction)
        } catch {
            // After MDB_MAP_FULL the transaction is dead whatever body made of the error: re-run.
            guard transaction.sawMapFull else {
                transaction.abort()
                throw error
            }
            transaction.abort()
            return .mapFullAtWrite
        }
        if transaction.sawMapFull {
            transaction.abort()
            return .mapFullAtWrite
        }
        let rc = transaction.commit()
        if rc == LMDBError.mapFull {
            return .mapFullAtCommit
        }
        do {
            try check(rc, "mdb_txn_commit")
        } catch {
            throw StorageError(error)
        }
        return .committed(result)
    }

    /// Begins a transaction with the gate held shared; the caller must call `gate.leaveShared()`
    /// after the transaction has ended.
    ///
    /// `MDB_MAP_RESIZED` means another process grew the map beyond ours; the map adopts the new size
    /// (lmdb.h l.829–832, 965) and the begin is retried. Inside another transaction on the same
    /// thread that is impossible, and the error is thrown.
    ///
    /// - Parameter flags: `[]` or ``TransactionFlags/readOnly``.
    /// - Returns: The transaction.
    /// - Throws: ``StorageError`` if LMDB fails or the environment is unusable.
    private func beginTransaction(flags: TransactionFlags) throws(StorageError) -> TransactionHandle {
        while true {
            gate.enterShared()
            guard !isUnusable else {
                gate.leaveShared()
                throw StorageError(
                    code: .lmdb,
                    message: "The environment at '\(path)' lost its memory map when a resize failed; reopen it"
                )
            }
            switch unsafe TransactionHandle.begin(environment: handle, flags: flags, environmentID: id) {
            case .success(let transaction):
                return unsafe transaction
            case .failure(let error):
                gate.leaveShared()
                guard error.code == LMDBError.mapResized, gate.depth == 0 else {
                    throw StorageError(error)
                }
                try adoptMapSize()
            }
        }
    }

    /// Doubles the map, unless another writer already grew it past `observed`.
    ///
    /// - Parameter observed: The map size when the failed transaction began.
    /// - Throws: ``StorageError`` if `mdb_env_set_mapsize` fails.
    private func growMap(from observed: Int) throws(StorageError) {
        try resize { current in
            guard current <= observed else {
                return nil
            }
            let (doubled, overflow) = current.multipliedReportingOverflow(by: 2)
            precondition(!overflow, "The LMDB map cannot grow beyond \(current) bytes")
            return doubled
        }
        growth.withLock { $0.doublings += 1 }
    }

    /// Adopts the map size another process persisted.
    ///
    /// - Throws: ``StorageError`` if `mdb_env_set_mapsize` fails.
    private func adoptMapSize() throws(StorageError) {
        try resize { _ in 0 }
        growth.withLock { $0.resizesAdopted += 1 }
    }

    /// Resizes the map while no transaction of this process is active (lmdb.h l.819–822).
    ///
    /// - Parameter newSize: Given the current size, returns the size to set (0 adopts the file's), or
    ///   `nil` to leave it.
    /// - Throws: ``StorageError`` if `mdb_env_set_mapsize` fails; the environment is then unusable if
    ///   LMDB had already unmapped the old map.
    private func resize(_ newSize: (Int) -> Int?) throws(StorageError) {
        try gate.withExclusive { () throws(StorageError) in
            guard !isUnusable else {
                return
            }
            let current = unsafe Self.info(handle).me_mapsize
            guard let size = newSize(current) else {
                return
            }
            let rc = unsafe mdb_env_set_mapsize(handle, size)
            guard rc == 0 else {
                // mdb_env_set_mapsize unmaps before it maps again; if that failed, LMDB has no map left
                // and a later set_mapsize would only record a size (mdb.c, 0.9.24). Stop all use.
                isUnusable = true
                throw StorageError(LMDBError(code: rc, function: "mdb_env_set_mapsize"))
            }
        }
    }
}

extension Environment {
    /// Below this many free bytes, a commit that failed with `EIO` is taken for a full disk.
    static let fullDiskThreshold: UInt64 = 1 << 20

    /// The failed LMDB call behind `error` as ``StorageError/Code/diskFull``, when the disk is what
    /// failed it.
    ///
    /// A commit writes its dirty pages with `pwrite`, and opening a new environment writes its
    /// first pages. LMDB returns `ENOSPC` or `EDQUOT` when a write fails outright, and `EIO` from
    /// a commit whose write stored only part of a page, which is how a file system that fills
    /// mid-commit usually answers; that `EIO` counts as a full disk only when the file system has
    /// less than ``fullDiskThreshold`` bytes left for this user.
    ///
    /// - Parameters:
    ///   - error: An error thrown by a commit, an open, or a write body.
    ///   - path: The environment's directory.
    /// - Returns: The disk-full error, or `nil` when `error` is something else.
    static func diskFull(_ error: StorageError, path: String) -> StorageError? {
        // Only these codes can mean a full disk; other errors (a refused key, say) cost no system call.
        guard let cause = error.cause as? LMDBError, [ENOSPC, EDQUOT, EIO].contains(cause.code) else { return nil }
        let free = freeBytes(at: path)
        if cause.code == EIO {
            guard cause.function == "mdb_txn_commit", let free, free < fullDiskThreshold else { return nil }
        }
        let room = free.map { "\($0) bytes free" } ?? "free space unknown"
        let what = cause.code == EDQUOT ? "the disk quota for" : "the file system holding"
        return StorageError(
            code: .diskFull,
            message: "\(what) '\(path)' is full (\(room)): nothing of this write was kept, and everything "
                + "committed before is intact. Free space and run it again",
            cause: cause
        )
    }

    /// The bytes an unprivileged user may still write on the file system holding `path`.
    static func freeBytes(at path: String) -> UInt64? {
        var info = statvfs()
        guard unsafe statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }
}
