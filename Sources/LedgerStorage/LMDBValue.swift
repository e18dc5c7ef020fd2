internal import CLMDB

/// Lends bytes to LMDB as an `MDB_val` for the duration of `body`.
///
/// LMDB only reads input keys and values during the call, so pointing `mv_data` at the caller's
/// storage is sound; the storage must not outlive `body`, and nothing here lets it.
///
/// - Parameters:
///   - bytes: The key or value.
///   - body: The LMDB call, given the value.
/// - Returns: Whatever `body` returns, typically an LMDB return code.
func withLMDBValue<R>(_ bytes: some Collection<UInt8>, _ body: (inout MDB_val) -> R) -> R {
    if let result = bytes.withContiguousStorageIfAvailable({ buffer in
        unsafe withLMDBValue(UnsafeRawBufferPointer(buffer), body)
    }) {
        return result
    }
    return unsafe Array(bytes).withUnsafeBytes { unsafe withLMDBValue($0, body) }
}

/// Lends a buffer to LMDB as an `MDB_val` for the duration of `body`.
///
/// An empty buffer gets a valid one-byte address with size zero, so LMDB never copies from a null
/// pointer.
///
/// - Parameters:
///   - buffer: The key or value bytes.
///   - body: The LMDB call, given the value.
/// - Returns: Whatever `body` returns.
@unsafe func withLMDBValue<R>(_ buffer: UnsafeRawBufferPointer, _ body: (inout MDB_val) -> R) -> R {
    guard let base = buffer.baseAddress, buffer.count > 0 else {
        var placeholder: UInt8 = 0
        return unsafe withUnsafeMutableBytes(of: &placeholder) { placeholderBuffer in
            var value = unsafe MDB_val(mv_size: 0, mv_data: placeholderBuffer.baseAddress)
            return unsafe body(&value)
        }
    }
    var value = unsafe MDB_val(mv_size: buffer.count, mv_data: UnsafeMutableRawPointer(mutating: base))
    return unsafe body(&value)
}

extension MDB_val {
    /// The bytes LMDB returned, valid only until the next update or the end of the transaction (lmdb.h l.249).
    @unsafe var bytes: UnsafeRawBufferPointer {
        unsafe UnsafeRawBufferPointer(start: mv_data, count: mv_size)
    }

    /// A copy of the bytes LMDB returned, safe to keep after the transaction ends.
    var copiedBytes: [UInt8] {
        unsafe [UInt8](bytes)
    }
}
