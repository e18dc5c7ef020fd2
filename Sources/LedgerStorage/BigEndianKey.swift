/// Eight-byte big-endian keys for `UInt64` indices.
///
/// LMDB orders keys by `memcmp`, so big-endian encoding makes byte order equal numeric order: keys
/// appended in increasing index order satisfy ``PutMode/append``, and cursors walk indices in order.
/// The encoding is also portable and readable in a hex dump (ledger.md §4.3).
///
/// ```swift
/// BigEndianKey.encode(258)               // [0, 0, 0, 0, 0, 0, 1, 2]
/// BigEndianKey.decode([0, 0, 0, 0, 0, 0, 1, 2])  // 258
/// ```
public enum BigEndianKey {
    /// The number of bytes in an encoded key.
    public static let byteCount = 8

    /// Encodes an index as eight big-endian bytes.
    ///
    /// - Parameter value: The index.
    /// - Returns: Eight bytes, most significant first.
    public static func encode(_ value: UInt64) -> [UInt8] {
        // The array made from the bytes at once: cheaper than an empty one appended to.
        unsafe withUnsafeBytes(of: value.bigEndian) { unsafe Array($0) }
    }

    /// Appends an index's eight big-endian bytes, for a key that goes on after them.
    ///
    /// - Parameters:
    ///   - value: The index.
    ///   - bytes: The key so far.
    @inlinable
    public static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        unsafe withUnsafeBytes(of: value.bigEndian) { unsafe bytes.append(contentsOf: $0) }
    }

    /// Decodes eight big-endian bytes.
    ///
    /// - Parameter bytes: The encoded key.
    /// - Returns: The index, or `nil` if `bytes` is not exactly eight bytes long.
    public static func decode(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard bytes.count == byteCount else {
            return nil
        }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
