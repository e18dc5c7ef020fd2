internal import CLMDB

/// A live `MDB_txn` and its shared state: the implementation behind ``ReadTransaction`` and
/// ``WriteTransaction``.
///
/// The handle is a copyable bundle of a C pointer and an unretained reference, so it is unsafe on its
/// own; the two `~Copyable` transaction types own it, and its lifetime ends with their `commit`,
/// `abort` or `deinit`. It holds only trivially destroyed storage so that those consuming methods can
/// end in `discard self`.
@unsafe struct TransactionHandle {
    /// The LMDB transaction.
    let txn: OpaquePointer
    /// The shared state, retained once by ``begin(environment:flags:environmentID:)`` and released by ``end(committing:)``.
    let retainedState: Unmanaged<TransactionState>

    /// The shared state.
    var state: TransactionState {
        unsafe retainedState.takeUnretainedValue()
    }

    /// Begins a transaction.
    ///
    /// - Parameters:
    ///   - environment: The open `MDB_env`.
    ///   - flags: `[]` for a write transaction, ``TransactionFlags/readOnly`` for a read.
    ///   - environmentID: The environment's ``Environment/id``, checked against every ``Table`` used.
    /// - Returns: The handle, or the raw return code of `mdb_txn_begin` on failure, so the caller can
    ///   handle `MDB_MAP_RESIZED`.
    static func begin(
        environment: OpaquePointer,
        flags: TransactionFlags,
        environmentID: UInt64
    ) -> Result<TransactionHandle, LMDBError> {
        var txn: OpaquePointer?
        let rc = unsafe mdb_txn_begin(environment, nil, flags.rawValue, &txn)
        guard rc == 0, let txn = unsafe txn else {
            return unsafe .failure(LMDBError(code: rc == 0 ? LMDBError.invalidArgument : rc, function: "mdb_txn_begin"))
        }
        let state = TransactionState(environmentID: environmentID, isReadOnly: flags.contains(.readOnly))
        return unsafe .success(TransactionHandle(txn: txn, retainedState: .passRetained(state)))
    }

    /// The id of the transaction (`mdb_txn_id`): for a read, that of the last write transaction
    /// committed before it began.
    var snapshot: UInt64 {
        UInt64(unsafe mdb_txn_id(txn))
    }

    /// Ends the transaction, committing or aborting it, and releases the shared state.
    ///
    /// - Parameter committing: Whether to commit.
    /// - Returns: The return code of `mdb_txn_commit`, or zero for an abort. A failed commit has still
    ///   freed the transaction (lmdb.h l.994), so it must not be aborted afterwards.
    func end(committing: Bool) -> Int32 {
        unsafe state.isLive = false
        var rc: Int32 = 0
        if committing {
            rc = unsafe mdb_txn_commit(txn)
        } else {
            unsafe mdb_txn_abort(txn)
        }
        unsafe retainedState.release()
        return rc
    }

    /// Throws unless the table was opened by this transaction's environment.
    ///
    /// - Parameter table: The table about to be used.
    /// - Throws: ``StorageError/Code/unknownTable`` for another environment's table.
    func validate(_ table: Table) throws(StorageError) {
        guard unsafe table.environmentID == state.environmentID else {
            throw StorageError(
                code: .unknownTable,
                message: "Table '\(table.name)' belongs to another environment; "
                    + "get tables from the environment whose transaction uses them"
            )
        }
    }

    /// The table's LMDB handle, for a call that changes it.
    ///
    /// - Parameter table: The table about to be written.
    /// - Returns: Its handle.
    /// - Throws: ``StorageError/Code/readOnly`` for a table a read-only environment's file does not
    ///   hold, which only a read-only environment has and no write transaction can change.
    func writableHandle(_ table: Table) throws(StorageError) -> MDB_dbi {
        guard let dbi = table.dbi else {
            throw StorageError(
                code: .readOnly,
                message: "Table '\(table.name)' is not in the file and the environment was opened read-only"
            )
        }
        return dbi
    }

    /// Checks a return code of a call about one table.
    ///
    /// `MDB_MAP_FULL` also marks the transaction for a re-run by ``Environment/write(_:)``.
    ///
    /// - Parameters:
    ///   - rc: The return code.
    ///   - function: The LMDB function.
    ///   - table: The table involved.
    /// - Throws: The failure as a ``StorageError`` naming the function and the table.
    func check(_ rc: Int32, _ function: StaticString, _ table: Table) throws(StorageError) {
        do {
            try LedgerStorage.check(rc, function)
        } catch {
            if error.code == LMDBError.mapFull {
                unsafe state.sawMapFull = true
            }
            throw StorageError(error, table: table.name)
        }
    }

    /// Looks a key up, lending LMDB's own value.
    ///
    /// - Parameters:
    ///   - table: The table.
    ///   - key: The key.
    /// - Returns: The value, pointing into the map and valid only until the next update or the end of
    ///   the transaction (lmdb.h l.249), or `nil` if the key is absent.
    /// - Throws: ``StorageError`` if LMDB fails.
    func get(in table: Table, forKey key: some Collection<UInt8>) throws(StorageError) -> MDB_val? {
        try unsafe validate(table)
        // A table a read-only environment's file does not hold reads as empty.
        guard let dbi = table.dbi else { return nil }
        var found = unsafe MDB_val()
        let rc = unsafe withLMDBValue(key) { key in
            unsafe mdb_get(txn, dbi, &key, &found)
        }
        // A key LMDB cannot hold (empty, or longer than its key size) names no row: a look-up by
        // an id no record can have finds nothing, as any unknown id does.
        if rc == LMDBError.notFound || rc == LMDBError.badValueSize {
            return nil
        }
        try unsafe check(rc, "mdb_get", table)
        return unsafe found
    }

    /// Copies the value stored for a key into a caller's buffer.
    ///
    /// - Parameters:
    ///   - table: The table.
    ///   - key: The key.
    ///   - destination: Where to copy the value.
    /// - Returns: The value's length, or `nil` if the key is absent or the value does not fit.
    /// - Throws: ``StorageError`` if LMDB fails.
    func copyValue(
        in table: Table,
        forKey key: [UInt8],
        into destination: UnsafeMutableRawBufferPointer
    ) throws(StorageError) -> Int? {
        guard let found = try unsafe get(in: table, forKey: key) else { return nil }
        let bytes = unsafe found.bytes
        guard bytes.count <= destination.count else { return nil }
        unsafe destination.copyMemory(from: bytes)
        return bytes.count
    }

    /// Counts a table's entries, duplicates included.
    ///
    /// - Parameter table: The table.
    /// - Returns: `ms_entries` from `mdb_stat`.
    /// - Throws: ``StorageError`` if LMDB fails.
    func count(_ table: Table) throws(StorageError) -> Int {
        try unsafe validate(table)
        guard let dbi = table.dbi else { return 0 }
        var stat = MDB_stat()
        try unsafe check(mdb_stat(txn, dbi, &stat), "mdb_stat", table)
        return stat.ms_entries
    }

    /// Opens a cursor on a table.
    ///
    /// - Parameter table: The table.
    /// - Returns: The cursor, owned by the caller; on a table a read-only environment's file does
    ///   not hold, a cursor that finds nothing.
    /// - Throws: ``StorageError`` if LMDB fails.
    func openCursor(_ table: Table) throws(StorageError) -> Cursor {
        try unsafe validate(table)
        guard let dbi = table.dbi else {
            return unsafe Cursor(handle: nil, state: state, table: table)
        }
        var cursor: OpaquePointer?
        try unsafe check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open", table)
        guard let cursor = unsafe cursor else {
            preconditionFailure("mdb_cursor_open succeeded without a cursor")
        }
        return unsafe Cursor(handle: cursor, state: state, table: table)
    }

    /// Stores a pair.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - key: The key.
    ///   - table: The table.
    ///   - mode: How to treat an existing key or the key order.
    /// - Throws: ``StorageError``; ``StorageError/Code/keyExists`` when `mode` refuses the pair.
    func put(
        _ value: some Collection<UInt8>,
        forKey key: some Collection<UInt8>,
        in table: Table,
        mode: PutMode
    ) throws(StorageError) {
        try unsafe validate(table)
        let dbi = try unsafe writableHandle(table)
        let flags = mode.flags.rawValue
        let rc = unsafe withLMDBValue(key) { key in
            unsafe withLMDBValue(value) { value in
                unsafe mdb_put(txn, dbi, &key, &value, flags)
            }
        }
        try unsafe check(rc, "mdb_put", table)
    }

    /// Stores a value for a key lent as raw buffers.
    func put(
        bytes value: UnsafeRawBufferPointer,
        forKey key: UnsafeRawBufferPointer,
        in table: Table,
        mode: PutMode
    ) throws(StorageError) {
        try unsafe validate(table)
        let dbi = try unsafe writableHandle(table)
        let flags = mode.flags.rawValue
        let rc = unsafe withLMDBValue(key) { key in
            unsafe withLMDBValue(value) { value in
                unsafe mdb_put(txn, dbi, &key, &value, flags)
            }
        }
        try unsafe check(rc, "mdb_put", table)
    }

    /// Empties a table, keeping it open.
    ///
    /// - Parameter table: The table.
    /// - Returns: How many entries it held.
    /// - Throws: ``StorageError`` if LMDB fails.
    func removeAll(in table: Table) throws(StorageError) -> Int {
        let count = try unsafe count(table)
        let dbi = try unsafe writableHandle(table)
        try unsafe check(mdb_drop(txn, dbi, 0), "mdb_drop", table)
        return count
    }

    /// Deletes a key, or one of its values in a duplicate-sorted table.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value to delete, or `nil` for the key with all its values.
    ///   - table: The table.
    /// - Returns: Whether anything was deleted.
    /// - Throws: ``StorageError`` if LMDB fails.
    func delete(key: some Collection<UInt8>, value: [UInt8]?, in table: Table) throws(StorageError) -> Bool {
        try unsafe validate(table)
        let dbi = try unsafe writableHandle(table)
        let rc = unsafe withLMDBValue(key) { key in
            guard let value else {
                return unsafe mdb_del(txn, dbi, &key, nil)
            }
            return unsafe withLMDBValue(value) { value in
                unsafe mdb_del(txn, dbi, &key, &value)
            }
        }
        if rc == LMDBError.notFound {
            return false
        }
        try unsafe check(rc, "mdb_del", table)
        return true
    }
}
