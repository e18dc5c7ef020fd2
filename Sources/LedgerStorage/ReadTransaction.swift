/// A read-only LMDB transaction: a consistent snapshot of the environment as of its start.
///
/// You never create one. ``Environment/read(_:)`` lends it to a closure as a `borrowing` parameter,
/// so it cannot escape or be copied, and aborts it when the closure returns or throws. Readers never
/// block the writer or each other. Keep read transactions short: a long-lived reader stops LMDB from
/// reusing pages, and the file grows (lmdb.h l.106).
///
/// ```swift
/// let tip = try env.read { txn in
///     var cursor = try txn.cursor(entries)
///     return try cursor.last().flatMap { BigEndianKey.decode($0.key) }
/// }
/// ```
@safe public struct ReadTransaction: ~Copyable {
    /// The LMDB transaction, owned by this value.
    let handle: TransactionHandle

    init(handle: consuming TransactionHandle) {
        unsafe self.handle = handle
    }

    deinit {
        // A read-only transaction has nothing to commit; abort releases its reader slot.
        _ = unsafe handle.end(committing: false)
    }
}

extension ReadTransaction {
    /// The snapshot this transaction reads.
    ///
    /// It is the id of the last write transaction committed before this one began (`mdb_txn_id`).
    /// Two read transactions with the same snapshot see the same data, so a value decoded in one
    /// may be reused in the other.
    public var snapshot: UInt64 {
        unsafe handle.snapshot
    }
}

extension ReadTransaction: ReadableTransaction {
    /// Reads the value stored for a key, copying it out.
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
    /// The buffer points into LMDB's memory map and is valid only inside `body` (lmdb.h l.249): do not
    /// let it escape.
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

    /// Lends the value stored under a string's UTF-8 bytes without copying it, and without generics.
    ///
    /// The non-generic sibling of ``withValue(in:forKey:_:)`` for point reads on every lot of a
    /// lineage: called across modules, a generic method runs unspecialised and looks up type
    /// metadata on every call. The buffer points into LMDB's memory map and is valid only inside
    /// `body` (lmdb.h l.249).
    ///
    /// - Parameters:
    ///   - table: The table to read.
    ///   - key: The key as text, 1 to 511 bytes of UTF-8.
    ///   - body: Receives the value's bytes, or `nil` if the key is absent.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    @available(*, noasync)
    public func withValue(
        in table: Table,
        forUTF8Key key: String,
        _ body: (UnsafeRawBufferPointer?) throws -> Void
    ) throws {
        var key = key
        let found = try key.withUTF8 { utf8 in
            try unsafe handle.get(in: table, forKey: UnsafeRawBufferPointer(utf8))
        }
        try unsafe body(found?.bytes)
    }

    /// Lends the value stored under an eight-byte big-endian number without copying it, and
    /// without generics or allocation: the key of the tables keyed by lot or sequence number.
    ///
    /// The buffer points into LMDB's memory map and is valid only inside `body` (lmdb.h l.249).
    ///
    /// - Parameters:
    ///   - table: The table to read.
    ///   - key: The number whose eight big-endian bytes are the key.
    ///   - body: Receives the value's bytes, or `nil` if the key is absent.
    /// - Throws: ``StorageError`` if LMDB fails, or whatever `body` throws.
    @available(*, noasync)
    public func withValue(
        in table: Table,
        forBigEndianKey key: UInt64,
        _ body: (UnsafeRawBufferPointer?) throws -> Void
    ) throws {
        let found = try unsafe withUnsafeBytes(of: key.bigEndian) { bytes in
            try unsafe handle.get(in: table, forKey: bytes)
        }
        try unsafe body(found?.bytes)
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

    /// Opens a cursor on a table.
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

    /// Counts a table's entries.
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
