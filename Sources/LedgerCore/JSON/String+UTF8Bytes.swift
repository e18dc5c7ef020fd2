extension String {
    /// Lends the string's UTF-8 bytes without copying or retaining its storage.
    ///
    /// `utf8.withContiguousStorageIfAvailable` and `withUTF8` retain the string's storage for the
    /// call (or copy a `var`); the canonical writer, the index keys and the hash-ID pre-hash read
    /// a few hundred strings per event, and each retain is an atomic operation. A UTF-8 span
    /// borrows the string instead.
    ///
    /// - Parameter body: Reads the bytes; they are valid only inside the call.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    @inlinable
    public func withUTF8Bytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try utf8Span.span.withUnsafeBufferPointer(body)
    }
}
