internal import CLMDB

/// A position in a table, for walking keys in order.
///
/// Get one from ``ReadableTransaction/cursor(_:)`` inside a transaction's closure; it closes when it
/// goes out of scope. Keys are ordered bytewise (`memcmp`), so ``BigEndianKey`` indices walk in
/// numeric order.
///
/// Each move returns the pair it lands on, or `nil` when there is none. The plain methods copy the
/// key and value out; the `with…` methods lend LMDB's own bytes to a closure instead, for hot loops
/// that must not allocate per row. Lent bytes are valid only inside the closure (lmdb.h l.249).
///
/// ```swift
/// var cursor = try txn.cursor(entries)
/// var row = try cursor.seek(atLeast: BigEndianKey.encode(100))
/// while let (key, value) = row {
///     process(key, value)
///     row = try cursor.next()
/// }
/// ```
///
/// A cursor must not outlive its transaction. The borrowing closure makes that hard to do by
/// accident; a cursor smuggled out anyway stops the process with a precondition failure when used,
/// instead of touching freed memory.
@safe public struct Cursor: ~Copyable {
    /// The `MDB_cursor`, owned by this value; `nil` on a table a read-only environment's file does
    /// not hold, where every move finds nothing.
    private let handle: OpaquePointer?
    /// The transaction's shared state.
    private let state: TransactionState
    /// The table the cursor walks.
    public let table: Table

    init(handle: OpaquePointer?, state: TransactionState, table: Table) {
        unsafe self.handle = handle
        self.state = state
        self.table = table
    }

    deinit {
        // A write transaction frees its cursors when it ends; a read-only one does not (lmdb.h l.994–997).
        if let handle = unsafe handle, state.isLive || state.isReadOnly {
            unsafe mdb_cursor_close(handle)
        }
    }
}

extension Cursor {
    /// A pair the cursor landed on, copied out of the database.
    public typealias Row = (key: [UInt8], value: [UInt8])

    /// Moves to the table's first pair.
    ///
    /// - Returns: The first pair, or `nil` if the table is empty.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func first() throws -> Row? {
        try copy(MDB_FIRST)
    }

    /// Moves to the table's last pair.
    ///
    /// In a duplicate-sorted table this is the last key's last value.
    ///
    /// - Returns: The last pair, or `nil` if the table is empty.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func last() throws -> Row? {
        try copy(MDB_LAST)
    }

    /// Moves to the next pair; from an unpositioned cursor, to the first.
    ///
    /// In a duplicate-sorted table this visits every value of every key.
    ///
    /// - Returns: The next pair, or `nil` past the end.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func next() throws -> Row? {
        try copy(MDB_NEXT)
    }

    /// Moves to the previous pair; from an unpositioned cursor, to the last.
    ///
    /// - Returns: The previous pair, or `nil` before the start.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func previous() throws -> Row? {
        try copy(MDB_PREV)
    }

    /// Reads the pair at the cursor without moving.
    ///
    /// - Returns: The current pair, or `nil` if the cursor is unpositioned.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func current() throws -> Row? {
        try copy(MDB_GET_CURRENT)
    }

    /// Moves to the first key greater than or equal to `key`.
    ///
    /// - Parameter key: The lower bound.
    /// - Returns: The pair found, or `nil` if every key is smaller.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func seek(atLeast key: some Collection<UInt8>) throws -> Row? {
        try copy(MDB_SET_RANGE, key: key)
    }

    /// Moves to exactly `key`; in a duplicate-sorted table, to its first value.
    ///
    /// - Parameter key: The key to find.
    /// - Returns: The pair found, or `nil` if the key is absent.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func seek(exactly key: some Collection<UInt8>) throws -> Row? {
        try copy(MDB_SET_KEY, key: key)
    }
}

extension Cursor {
    /// Moves to the first value of the current key in a duplicate-sorted table.
    ///
    /// - Returns: The pair, or `nil` if the cursor is unpositioned.
    /// - Throws: ``StorageError`` if LMDB fails, for example on a table without ``Table/duplicateSort``.
    public func firstDuplicate() throws -> Row? {
        try copy(MDB_FIRST_DUP)
    }

    /// Moves to the last value of the current key in a duplicate-sorted table.
    ///
    /// - Returns: The pair, or `nil` if the cursor is unpositioned.
    /// - Throws: ``StorageError`` if LMDB fails, for example on a table without ``Table/duplicateSort``.
    public func lastDuplicate() throws -> Row? {
        try copy(MDB_LAST_DUP)
    }

    /// Moves to the next value of the current key in a duplicate-sorted table.
    ///
    /// - Returns: The pair, or `nil` after the key's last value (the cursor stays on it).
    /// - Throws: ``StorageError`` if LMDB fails.
    public func nextDuplicate() throws -> Row? {
        try copy(MDB_NEXT_DUP)
    }

    /// Moves to the previous value of the current key in a duplicate-sorted table.
    ///
    /// - Returns: The pair, or `nil` before the key's first value.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func previousDuplicate() throws -> Row? {
        try copy(MDB_PREV_DUP)
    }

    /// Moves to the first value of the next key, skipping the current key's remaining values.
    ///
    /// - Returns: The pair, or `nil` past the last key.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func nextKey() throws -> Row? {
        try copy(MDB_NEXT_NODUP)
    }

    /// Moves to the last value of the previous key.
    ///
    /// - Returns: The pair, or `nil` before the first key.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func previousKey() throws -> Row? {
        try copy(MDB_PREV_NODUP)
    }

    /// Moves to an exact key-value pair in a duplicate-sorted table.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value among the key's values.
    /// - Returns: The pair, or `nil` if it is absent.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func seek(key: some Collection<UInt8>, value: some Collection<UInt8>) throws -> Row? {
        try copy(MDB_GET_BOTH, key: key, value: value)
    }

    /// Moves to a key's first value greater than or equal to `value` in a duplicate-sorted table.
    ///
    /// - Parameters:
    ///   - key: The key, which must be present.
    ///   - value: The lower bound among the key's values.
    /// - Returns: The pair, or `nil` if the key is absent or all its values are smaller.
    /// - Throws: ``StorageError`` if LMDB fails.
    public func seek(key: some Collection<UInt8>, atLeastValue value: some Collection<UInt8>) throws -> Row? {
        try copy(MDB_GET_BOTH_RANGE, key: key, value: value)
    }

    /// Counts the values of the current key in a duplicate-sorted table.
    ///
    /// - Returns: The number of values, from `mdb_cursor_count`.
    /// - Throws: ``StorageError`` if the cursor is unpositioned or the table is not duplicate-sorted.
    public func duplicateCount() throws -> Int {
        precondition(state.isLive, "Cursor on table '\(table.name)' used after its transaction ended")
        // A cursor on a table that is not there is never on a pair, which LMDB answers with EINVAL.
        guard let handle = unsafe handle else { throw Self.missingTableError("mdb_cursor_count", table) }
        var count = 0
        try check(unsafe mdb_cursor_count(handle, &count), "mdb_cursor_count")
        return count
    }
}

extension Cursor {
    /// Moves to the first pair and lends it to `body` without copying.
    ///
    /// - Parameter body: Receives the key and value bytes, valid only inside the call (lmdb.h l.249).
    /// - Returns: What `body` returned, or `nil` if the table is empty.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    public func withFirst<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try unsafe lend(MDB_FIRST, to: body)
    }

    /// Moves to the last pair and lends it to `body` without copying.
    ///
    /// - Parameter body: Receives the key and value bytes, valid only inside the call (lmdb.h l.249).
    /// - Returns: What `body` returned, or `nil` if the table is empty.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    public func withLast<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try unsafe lend(MDB_LAST, to: body)
    }

    /// Moves to the next pair and lends it to `body` without copying.
    ///
    /// ```swift
    /// var total = 0
    /// while try cursor.withNext({ _, value in total += value.count }) != nil {}
    /// ```
    ///
    /// - Parameter body: Receives the key and value bytes, valid only inside the call (lmdb.h l.249).
    /// - Returns: What `body` returned, or `nil` past the end.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    public func withNext<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try unsafe lend(MDB_NEXT, to: body)
    }

    /// Moves to the previous pair and lends it to `body` without copying.
    ///
    /// - Parameter body: Receives the key and value bytes, valid only inside the call (lmdb.h l.249).
    /// - Returns: What `body` returned, or `nil` before the start.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    public func withPrevious<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try unsafe lend(MDB_PREV, to: body)
    }

    /// Moves to the next value of the current key and lends it to `body` without copying.
    ///
    /// - Parameter body: Receives the key and value bytes, valid only inside the call (lmdb.h l.249).
    /// - Returns: What `body` returned, or `nil` after the key's last value.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    public func withNextDuplicate<R>(
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        try unsafe lend(MDB_NEXT_DUP, to: body)
    }

    /// Moves to the first key greater than or equal to `key` and lends the pair to `body` without copying.
    ///
    /// - Parameters:
    ///   - key: The lower bound.
    ///   - body: Receives the key and value bytes, valid only inside the call (lmdb.h l.249).
    /// - Returns: What `body` returned, or `nil` if every key is smaller.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    public func withSeek<R>(
        atLeast key: some Collection<UInt8>,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        try unsafe lend(MDB_SET_RANGE, key: key, to: body)
    }

    /// Moves to exactly `key` and lends the pair to `body` without copying.
    ///
    /// - Parameters:
    ///   - key: The key to find.
    ///   - body: Receives the key and value bytes, valid only inside the call (lmdb.h l.249).
    /// - Returns: What `body` returned, or `nil` if the key is absent.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    public func withSeek<R>(
        exactly key: some Collection<UInt8>,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        try unsafe lend(MDB_SET_KEY, key: key, to: body)
    }
}

extension Cursor {
    /// Stores a value through the cursor (`mdb_cursor_put`), for loops that write many rows to one
    /// table: a cursor kept at the end of the table appends without a fresh descent from the root.
    ///
    /// Only a cursor of a ``WriteTransaction`` can write.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - key: The key, 1 to 511 bytes.
    ///   - mode: How to treat an existing key or the key order.
    /// - Throws: ``StorageError/Code/keyExists`` when `mode` refuses the pair;
    ///   ``StorageError/Code/mapFull`` when the map is full (rethrow it, and ``Environment/write(_:)``
    ///   grows the map and re-runs the body); another ``StorageError`` if LMDB fails, including for
    ///   a cursor of a read-only transaction.
    @available(*, noasync)
    public func put(_ value: [UInt8], forKey key: [UInt8], mode: PutMode = .upsert) throws {
        try unsafe key.withUnsafeBytes { key in
            try unsafe value.withUnsafeBytes { value in
                try unsafe put(bytes: value, forKey: key, mode: mode)
            }
        }
    }
}

extension Cursor {
    /// Stores a value through the cursor, both lent as buffers: the non-generic sibling of
    /// ``put(_:forKey:mode:)`` for rows encoded back to back in one buffer.
    ///
    /// Rows written in key order through one cursor are found from where the cursor is (LMDB
    /// looks at the cursor's page before searching from the root), and a cursor at the end of its
    /// table appends without a descent.
    ///
    /// - Parameters:
    ///   - value: The value's bytes, read only during the call.
    ///   - key: The key's bytes, 1 to 511, read only during the call.
    ///   - mode: How to treat an existing key or the key order.
    /// - Throws: As ``put(_:forKey:mode:)``.
    @available(*, noasync)
    public func put(
        bytes value: UnsafeRawBufferPointer,
        forKey key: UnsafeRawBufferPointer,
        mode: PutMode = .upsert
    ) throws {
        precondition(state.isLive, "Cursor on table '\(table.name)' used after its transaction ended")
        guard let handle = unsafe handle else { throw Self.missingTableError("mdb_cursor_put", table) }
        let flags = mode.flags.rawValue
        let rc = unsafe withLMDBValue(key) { key in
            unsafe withLMDBValue(value) { value in
                unsafe mdb_cursor_put(handle, &key, &value, flags)
            }
        }
        if rc == LMDBError.mapFull {
            state.sawMapFull = true
        }
        try check(rc, "mdb_cursor_put")
    }
}

extension Cursor {
    /// Deletes the pair the cursor is on (`mdb_cursor_del`).
    ///
    /// Only a cursor of a ``WriteTransaction`` can delete. Move the cursor again (a seek) before
    /// reading through it: after a delete LMDB leaves it between pairs.
    ///
    /// - Throws: ``StorageError/Code/mapFull`` when the map is full (as for
    ///   ``put(_:forKey:mode:)``); another ``StorageError`` if LMDB fails, including for a cursor of a
    ///   read-only transaction or one not on a pair.
    @available(*, noasync)
    public func deleteCurrent() throws {
        precondition(state.isLive, "Cursor on table '\(table.name)' used after its transaction ended")
        guard let handle = unsafe handle else { throw Self.missingTableError("mdb_cursor_del", table) }
        let rc = unsafe mdb_cursor_del(handle, 0)
        if rc == LMDBError.mapFull {
            state.sawMapFull = true
        }
        try check(rc, "mdb_cursor_del")
    }
}

extension Cursor {
    /// Lends the next row without copying it, for scans that must not pay for generics per row.
    ///
    /// The non-generic sibling of ``withNext(_:)``: called across modules, a generic method runs
    /// unspecialised and looks up type metadata on every call, which a hot scan feels. The buffers
    /// are valid only inside `body` (lmdb.h l.249).
    ///
    /// - Parameter body: Receives the key and value bytes.
    /// - Returns: `false` when the cursor was already on the last row.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    @available(*, noasync)
    public func nextRow(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        try unsafe lend(MDB_NEXT, to: body) != nil
    }

    /// Moves to the first key at or after `key` and lends the pair without copying it: the
    /// non-generic sibling of ``withSeek(atLeast:_:)``, for look-ups that seek many times each.
    ///
    /// - Parameters:
    ///   - key: The lower bound, 1 to 511 bytes, read only during the call.
    ///   - body: Receives the key and value bytes, valid only inside the call (lmdb.h l.249).
    /// - Returns: `false` when every key is smaller (and `body` was not called).
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    @available(*, noasync)
    public func seekRow(
        atLeast key: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void
    ) throws -> Bool {
        precondition(state.isLive, "Cursor on table '\(table.name)' used after its transaction ended")
        guard let handle = unsafe handle else { return false }
        var valueOut = unsafe MDB_val()
        let (rc, keyOut) = unsafe withLMDBValue(key) { key in
            let rc = unsafe mdb_cursor_get(handle, &key, &valueOut, MDB_SET_RANGE)
            return unsafe (rc, key)
        }
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "mdb_cursor_get")
        try unsafe body(keyOut.bytes, valueOut.bytes)
        return true
    }
}

extension Cursor {
    /// A pair as LMDB returned it, pointing into the map.
    private typealias RawRow = (key: MDB_val, value: MDB_val)

    /// Runs one `mdb_cursor_get` operation.
    ///
    /// Operations that leave the key or value unset in LMDB 0.9 (`MDB_FIRST_DUP`, `MDB_LAST_DUP`,
    /// `MDB_GET_BOTH`, `MDB_GET_BOTH_RANGE`) are followed by `MDB_GET_CURRENT`, so both are always filled.
    ///
    /// - Parameters:
    ///   - operation: The cursor operation.
    ///   - key: The key to seek, for seek operations.
    ///   - value: The value to seek, for `MDB_GET_BOTH` and `MDB_GET_BOTH_RANGE`.
    /// - Returns: The pair, or `nil` for `MDB_NOTFOUND`.
    /// - Throws: ``StorageError`` naming `mdb_cursor_get` and the table.
    private func move(
        _ operation: MDB_cursor_op,
        key: (some Collection<UInt8>)? = [UInt8]?.none,
        value: (some Collection<UInt8>)? = [UInt8]?.none
    ) throws(StorageError) -> RawRow? {
        precondition(state.isLive, "Cursor on table '\(table.name)' used after its transaction ended")
        guard let handle = unsafe handle else { return nil }
        var keyOut = unsafe MDB_val()
        var valueOut = unsafe MDB_val()
        let rc: Int32
        if let key {
            rc = unsafe withLMDBValue(key) { keyIn in
                guard let value else {
                    return unsafe mdb_cursor_get(handle, &keyIn, &valueOut, operation)
                }
                return unsafe withLMDBValue(value) { valueIn in
                    unsafe mdb_cursor_get(handle, &keyIn, &valueIn, operation)
                }
            }
        } else {
            rc = unsafe mdb_cursor_get(handle, &keyOut, &valueOut, operation)
        }
        if rc == LMDBError.notFound {
            return nil
        }
        try check(rc, "mdb_cursor_get")
        // Seeks return LMDB's own copies in the in/out values only for some operations; read them
        // back uniformly so nothing points at the caller's (now released) key bytes.
        if key != nil || operation == MDB_FIRST_DUP || operation == MDB_LAST_DUP {
            try check(unsafe mdb_cursor_get(handle, &keyOut, &valueOut, MDB_GET_CURRENT), "mdb_cursor_get")
        }
        return unsafe (keyOut, valueOut)
    }

    /// Moves and copies the pair out of the map.
    private func copy(
        _ operation: MDB_cursor_op,
        key: (some Collection<UInt8>)? = [UInt8]?.none,
        value: (some Collection<UInt8>)? = [UInt8]?.none
    ) throws(StorageError) -> Row? {
        guard let row = try unsafe move(operation, key: key, value: value) else {
            return nil
        }
        return unsafe (row.key.copiedBytes, row.value.copiedBytes)
    }

    /// Moves and lends the pair to a closure.
    private func lend<R>(
        _ operation: MDB_cursor_op,
        key: (some Collection<UInt8>)? = [UInt8]?.none,
        to body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        guard let row = try unsafe move(operation, key: key) else {
            return nil
        }
        return try unsafe body(row.key.bytes, row.value.bytes)
    }

    /// The error for a call that needs a position or a write on a table that is not there.
    ///
    /// - Parameters:
    ///   - function: The LMDB function that was not called.
    ///   - table: The table.
    /// - Returns: What LMDB would answer for a cursor never on a pair: `EINVAL`.
    private static func missingTableError(_ function: StaticString, _ table: Table) -> StorageError {
        StorageError(LMDBError(code: LMDBError.invalidArgument, function: function.description), table: table.name)
    }

    /// Checks a return code, naming the table.
    private func check(_ rc: Int32, _ function: StaticString) throws(StorageError) {
        do {
            try LedgerStorage.check(rc, function)
        } catch {
            throw StorageError(error, table: table.name)
        }
    }
}
