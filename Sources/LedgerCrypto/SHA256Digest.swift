/// A SHA-256 digest: 32 bytes held inline, so hashing in a loop allocates nothing.
///
/// Digests compare and hash by value. ``bytes``, ``hex`` and ``base64`` give the usual encodings.
@frozen
public struct SHA256Digest: Hashable, Sendable {
    /// The number of bytes in a digest.
    public static let byteCount = 32

    // The 32 bytes in memory order, four at a time. Frozen and inlinable, so reading a digest's bytes
    // from another module is specialised there instead of going through generic metadata.
    @usableFromInline var w0: UInt64
    @usableFromInline var w1: UInt64
    @usableFromInline var w2: UInt64
    @usableFromInline var w3: UInt64

    /// The all-zero digest, used as the previous hash of a ledger's first entry.
    public static let zero = SHA256Digest(w0: 0, w1: 0, w2: 0, w3: 0)

    @usableFromInline
    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Creates a digest from exactly 32 bytes.
    ///
    /// Returns `nil` when `bytes` does not hold exactly 32 bytes.
    ///
    /// - Parameter bytes: The digest's bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        // The contiguous path keeps this cheap when called unspecialised from another module.
        let copied: SHA256Digest? = bytes.withContiguousStorageIfAvailable { buffer in
            unsafe SHA256Digest(copying: UnsafeRawBufferPointer(buffer))
        }
        if let copied {
            self = copied
        } else {
            let array = Array(bytes)
            self = unsafe array.withUnsafeBytes { unsafe SHA256Digest(copying: $0) }
        }
    }

    /// Creates a digest by letting `body` write its 32 bytes, for reads that must not allocate.
    ///
    /// - Parameter body: Writes the bytes into the 32-byte buffer it is lent.
    /// - Throws: What `body` throws.
    public init(writing body: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        var digest = SHA256Digest.zero
        try unsafe digest.withUnsafeMutableBytes { buffer in try unsafe body(buffer) }
        self = digest
    }

    /// Copies exactly 32 bytes from a buffer the caller has checked.
    @unsafe private init(copying buffer: UnsafeRawBufferPointer) {
        var digest = SHA256Digest.zero
        unsafe digest.withUnsafeMutableBytes { target in
            unsafe target.copyMemory(from: buffer)
        }
        self = digest
    }

    /// Creates a digest from 64 hexadecimal digits, in either case.
    ///
    /// Returns `nil` when `hex` is not 64 hexadecimal digits.
    ///
    /// - Parameter hex: The digest as hexadecimal text.
    public init?(hex: some StringProtocol) {
        guard let bytes = HexCoding.decode(hex), let digest = SHA256Digest(bytes: bytes) else { return nil }
        self = digest
    }

    /// Creates a digest from its standard base64 form (44 characters with padding).
    ///
    /// Returns `nil` when `base64` is not the base64 form of 32 bytes.
    ///
    /// - Parameter base64: The digest as base64 text.
    public init?(base64: some StringProtocol) {
        guard let bytes = Base64.decode(base64), let digest = SHA256Digest(bytes: bytes) else { return nil }
        self = digest
    }

    /// The digest's 32 bytes.
    @inlinable
    public var bytes: [UInt8] {
        unsafe withUnsafeBytes { unsafe Array($0) }
    }

    /// The digest as 64 lower-case hexadecimal digits.
    public var hex: String {
        // Encoded from the digest in place, without an array of its bytes first.
        unsafe withUnsafeBytes { raw in unsafe raw.withMemoryRebound(to: UInt8.self) { unsafe HexCoding.encode($0) } }
    }

    /// The digest in standard base64 with padding.
    public var base64: String {
        Base64.encode(bytes)
    }

    /// Lends the digest's bytes.
    ///
    /// - Parameter body: A closure that reads the 32 bytes; the buffer is valid only inside it.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var copy = self
        return try unsafe Swift.withUnsafeBytes(of: &copy) { buffer throws(E) in try unsafe body(buffer) }
    }

    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try unsafe Swift.withUnsafeMutableBytes(of: &self) { try unsafe body($0) }
    }
}

extension SHA256Digest: CustomStringConvertible {
    /// The digest in hexadecimal.
    public var description: String { hex }
}
