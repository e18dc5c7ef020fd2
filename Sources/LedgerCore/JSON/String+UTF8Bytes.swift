extension String {
    /// Lends the string's UTF-8 bytes without copying them.
    ///
    /// Native strings on Linux are contiguous UTF-8, so `utf8.withContiguousStorageIfAvailable`
    /// lends them: in place for a large string (retaining its storage for the call), from the
    /// stack for a small one. The UTF-8 span, which borrows without a retain, is only the fallback
    /// for a string that is not contiguous: `celltrace-bench --only lending` measures 10–12 ns a
    /// call for the span against 4–6 ns for this function, retain included (Docs/PERFORMANCE.md,
    /// eighth round). The canonical writer, the index keys and the hash-ID pre-hash lend a few
    /// hundred strings per event.
    ///
    /// - Parameter body: Reads the bytes; they are valid only inside the call.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    @inlinable
    public func withUTF8Bytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let lent: Result<R, E>? = utf8.withContiguousStorageIfAvailable { bytes in
            Result { () throws(E) -> R in try body(bytes) }
        }
        if let lent { return try lent.get() }
        return try utf8Span.span.withUnsafeBufferPointer(body)
    }
}
