/// The reads that both ``ReadTransaction`` and ``WriteTransaction`` offer.
///
/// Write generic helpers against it to use them in either kind of transaction:
///
/// ```swift
/// func entryCount(_ txn: borrowing some ReadableTransaction & ~Copyable, in table: Table) throws -> Int {
///     try txn.count(table)
/// }
/// ```
///
/// Values LMDB returns point into the memory map and are valid only until the next update or the end
/// of the transaction (lmdb.h l.249). ``value(in:forKey:)`` and ``Cursor`` copy them out;
/// ``withValue(in:forKey:_:)`` and the cursor's `with…` methods lend them for the length of a closure.
public protocol ReadableTransaction: ~Copyable {
    /// Reads the value stored for a key, copying it out.
    ///
    /// In a duplicate-sorted table this is the key's first value.
    ///
    /// - Parameters:
    ///   - table: The table to read.
    ///   - key: The key, 1 to 511 bytes.
    /// - Returns: A copy of the value, or `nil` if the key is absent.
    /// - Throws: ``StorageError`` if LMDB fails or the table belongs to another environment.
    func value(in table: Table, forKey key: some Collection<UInt8>) throws -> [UInt8]?

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
    func withValue<R>(
        in table: Table,
        forKey key: some Collection<UInt8>,
        _ body: (UnsafeRawBufferPointer?) throws -> R
    ) throws -> R

    /// Copies the value stored for a key into a caller's buffer, without generics or allocation.
    ///
    /// For point reads on hot paths (Merkle nodes): called across modules, the generic
    /// ``withValue(in:forKey:_:)`` runs unspecialised and looks up type metadata on every call.
    ///
    /// - Parameters:
    ///   - table: The table to read.
    ///   - key: The key, 1 to 511 bytes.
    ///   - destination: Where to copy the value.
    /// - Returns: The value's length, or `nil` if the key is absent or the value is longer than
    ///   `destination`.
    /// - Throws: ``StorageError`` if LMDB fails or the table belongs to another environment.
    func copyValue(in table: Table, forKey key: [UInt8], into destination: UnsafeMutableRawBufferPointer) throws -> Int?

    /// Opens a cursor on a table.
    ///
    /// The cursor closes when it goes out of scope, and must not outlive the transaction: one used
    /// after its transaction ended stops the process.
    ///
    /// - Parameter table: The table to walk.
    /// - Returns: An unpositioned cursor; start with ``Cursor/first()``, ``Cursor/last()`` or a seek.
    /// - Throws: ``StorageError`` if LMDB fails or the table belongs to another environment.
    func cursor(_ table: Table) throws -> Cursor

    /// Counts a table's entries.
    ///
    /// In a duplicate-sorted table every value counts.
    ///
    /// - Parameter table: The table to count.
    /// - Returns: The number of entries, from `mdb_stat`.
    /// - Throws: ``StorageError`` if LMDB fails or the table belongs to another environment.
    func count(_ table: Table) throws -> Int
}
