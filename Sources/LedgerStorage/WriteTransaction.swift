/// The environment's one read-write LMDB transaction.
///
/// You never create one. ``Environment/write(_:)`` lends it to a closure as a `borrowing` parameter,
/// so it cannot escape or be copied; the transaction commits when the closure returns and aborts when
/// it throws. Reads inside it see its own uncommitted writes. LMDB allows one write transaction at a
/// time per environment, across processes, so everything inside one is serialized without further
/// locks.
///
/// ```swift
/// try env.write { txn in
///     try txn.put(record, forKey: BigEndianKey.encode(next), in: entries, mode: .append)
/// }
/// ```
@safe public struct WriteTransaction: ~Copyable {
    /// The LMDB transaction, owned by this value.
    let handle: TransactionHandle

    init(handle: consuming TransactionHandle) {
        unsafe self.handle = handle
    }

    deinit {
        // Reached when the body threw: abort (lmdb.h l.1010) so nothing it wrote is kept.
        _ = unsafe handle.end(committing: false)
    }

    /// Whether a write in this transaction hit `MDB_MAP_FULL`, which leaves it unusable.
    var sawMapFull: Bool {
        unsafe handle.state.sawMapFull
    }

    /// Commits the transaction.
    ///
    /// - Returns: The return code of `mdb_txn_commit`. The transaction is freed either way (lmdb.h l.994).
    consuming func commit() -> Int32 {
        let rc = unsafe handle.end(committing: true)
        discard self
        return rc
    }

    /// Aborts the transaction, discarding its writes.
    consuming func abort() {
        _ = unsafe handle.end(committing: false)
        discard self
    }

    /// Stores a key-value pair.
    ///
    /// The bytes are copied into the database before the call returns.
    ///
    /// ```swift
    /// try txn.put(leafHash, forKey: BigEndianKey.encode(index), in: leaves, mode: .append)
    /// ```
    ///
    /// - Parameters:
    ///   - value: The value; up to 511 bytes in a duplicate-sorted table, otherwise up to 4 GiB
    ///     (keep values small, ledger.md §4.7).
    ///   - key: The key, 1 to 511 bytes.
    ///   - table: The table to write.
    ///   - mode: How to treat an existing key or the key order; ``PutMode/upsert`` by default.
    /// - Throws: ``StorageError/Code/keyExists`` when `mode` refuses the pair;
    ///   ``StorageError/Code/mapFull`` when the map is full (rethrow it, and ``Environment/write(_:)``
    ///   grows the map and re-runs the body); another ``StorageError`` if LMDB fails.
    @available(*, noasync)
    public func put(
        _ value: some Collection<UInt8>,
        forKey key: some Collection<UInt8>,
        in table: Table,
        mode: PutMode = .upsert
    ) throws {
        try unsafe handle.put(value, forKey: key, in: table, mode: mode)
    }

    /// Stores a value for a key, given as byte arrays.
    ///
    /// The same as `put(_:forKey:in:mode:)`, without generics: called across modules for every
    /// row of an append, the generic version runs unspecialised and looks up type metadata each time.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - key: The key, 1 to 511 bytes.
    ///   - table: The table to write.
    ///   - mode: How to treat an existing key or the key order.
    /// - Throws: As `put(_:forKey:in:mode:)`.
    @available(*, noasync)
    public func put(_ value: [UInt8], forKey key: [UInt8], in table: Table, mode: PutMode = .upsert) throws {
        try unsafe handle.put(value, forKey: key, in: table, mode: mode)
    }

    /// Stores a value for a key, both lent as buffers: rows encoded back to back in one buffer
    /// are written without copying each into arrays, and without generics.
    ///
    /// - Parameters:
    ///   - value: The value's bytes, read only during the call.
    ///   - key: The key's bytes, 1 to 511, read only during the call.
    ///   - table: The table to write.
    ///   - mode: How to treat an existing key or the key order.
    /// - Throws: As `put(_:forKey:in:mode:)`.
    @available(*, noasync)
    public func put(
        bytes value: UnsafeRawBufferPointer,
        forKey key: UnsafeRawBufferPointer,
        in table: Table,
        mode: PutMode = .upsert
    ) throws {
        try unsafe handle.put(bytes: value, forKey: key, in: table, mode: mode)
    }

    /// Deletes a key with all its values.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - table: The table.
    /// - Returns: `true` if the key was present.
    /// - Throws: ``StorageError`` if LMDB fails; ``StorageError/Code/mapFull`` as for
    ///   `put(_:forKey:in:mode:)`.
    @available(*, noasync)
    @discardableResult
    public func delete(key: some Collection<UInt8>, in table: Table) throws -> Bool {
        try unsafe handle.delete(key: key, value: nil, in: table)
    }

    /// Deletes every entry of a table; the table stays open and its handle valid.
    ///
    /// The freed pages are reused by later writes (`mdb_drop` with `del` 0).
    ///
    /// - Parameter table: The table to empty.
    /// - Returns: How many entries it held (values, in a duplicate-sorted table).
    /// - Throws: ``StorageError`` if LMDB fails or the table belongs to another environment.
    @available(*, noasync)
    @discardableResult
    public func removeAll(in table: Table) throws -> Int {
        try unsafe handle.removeAll(in: table)
    }

    /// Deletes one value of a key in a duplicate-sorted table.
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value to remove from the key's values.
    ///   - table: The table.
    /// - Returns: `true` if the pair was present.
    /// - Throws: ``StorageError`` if LMDB fails; ``StorageError/Code/mapFull`` as for
    ///   `put(_:forKey:in:mode:)`.
    @available(*, noasync)
    @discardableResult
    public func delete(key: some Collection<UInt8>, value: some Collection<UInt8>, in table: Table) throws -> Bool {
        try unsafe handle.delete(key: key, value: Array(value), in: table)
    }
}

extension WriteTransaction: ReadableTransaction {
    /// Reads the value stored for a key, copying it out; uncommitted writes of this transaction are visible.
    ///
    /// In a duplicate-sorted table this is the key's first value.
    ///
    /// - Parameters:
    ///   - table: The table to read.
    ///   - key: The key, 1 to 511 bytes.
    /// - Returns: A copy of the value, or `nil` if the key is absent.
    /// - Throws: ``StorageError`` if LMDB fails or the table belongs to another environment.
    @available(*, noasync)
    public func value(in table: Table, forKey key: some Collection<UInt8>) throws -> [UInt8]? {
        try unsafe handle.get(in: table, forKey: key)?.copiedBytes
    }

    /// Lends the value stored for a key without copying it.
    ///
    /// The buffer is valid only inside `body` and must not be used across a write (lmdb.h l.249).
    ///
    /// - Parameters:
    ///   - table: The table to read.
    ///   - key: The key, 1 to 511 bytes.
    ///   - body: Receives the value's bytes, or `nil` if the key is absent.
    /// - Returns: Whatever `body` returns.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    @available(*, noasync)
    public func withValue<R>(
        in table: Table,
        forKey key: some Collection<UInt8>,
        _ body: (UnsafeRawBufferPointer?) throws -> R
    ) throws -> R {
        let found = try unsafe handle.get(in: table, forKey: key)
        return try unsafe body(found?.bytes)
    }

    /// Copies the value stored for a key into a caller's buffer, without generics or allocation.
    ///
    /// - Parameters:
    ///   - table: The table to read.
    ///   - key: The key, 1 to 511 bytes.
    ///   - destination: Where to copy the value.
    /// - Returns: The value's length, or `nil` if the key is absent or the value is longer than
    ///   `destination`.
    /// - Throws: ``StorageError`` if LMDB fails or the table belongs to another environment.
    @available(*, noasync)
    public func copyValue(
        in table: Table,
        forKey key: [UInt8],
        into destination: UnsafeMutableRawBufferPointer
    ) throws -> Int? {
        try unsafe handle.copyValue(in: table, forKey: key, into: destination)
    }

    /// Opens a cursor on a table, seeing this transaction's uncommitted writes.
    ///
    /// The cursor closes when it goes out of scope, and must not outlive the transaction: one used
    /// after its transaction ended stops the process.
    ///
    /// - Parameter table: The table to walk.
    /// - Returns: An unpositioned cursor; start with ``Cursor/first()``, ``Cursor/last()`` or a seek.
    /// - Throws: ``StorageError`` if LMDB fails or the table belongs to another environment.
    @available(*, noasync)
    public func cursor(_ table: Table) throws -> Cursor {
        try unsafe handle.openCursor(table)
    }

    /// Counts a table's entries, including this transaction's uncommitted writes.
    ///
    /// In a duplicate-sorted table every value counts.
    ///
    /// - Parameter table: The table to count.
    /// - Returns: The number of entries, from `mdb_stat`.
    /// - Throws: ``StorageError`` if LMDB fails or the table belongs to another environment.
    @available(*, noasync)
    public func count(_ table: Table) throws -> Int {
        try unsafe handle.count(table)
    }
}
