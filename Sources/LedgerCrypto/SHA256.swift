internal import COpenSSL

/// SHA-256 through OpenSSL's EVP interface, with the algorithm fetched once per process.
///
/// One-shot hashing suits occasional use; ``SHA256Hasher`` reuses one context for hot loops.
///
/// ```swift
/// let digest = SHA256.hash(Array("abc".utf8))
/// // digest.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// ```
public enum SHA256 {
    /// Hashes bytes.
    ///
    /// - Parameter bytes: The message.
    /// - Returns: Its SHA-256 digest.
    public static func hash(_ bytes: some Collection<UInt8>) -> SHA256Digest {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }
}

/// The SHA-256 algorithm object, fetched explicitly once, as crypto(7) advises for repeated use.
@safe final class FetchedSHA256: @unchecked Sendable {
    // Safety: an EVP_MD is immutable after the fetch and OpenSSL allows its concurrent read-only use
    // (openssl-threads(7)); it lives for the whole process.
    let md: OpaquePointer

    static let shared = FetchedSHA256()

    private init() {
        guard let md = unsafe EVP_MD_fetch(nil, "SHA2-256", nil) else {
            preconditionFailure(
                "OpenSSL has no SHA2-256 in its default provider: \(CryptoError.openSSL("EVP_MD_fetch"))"
            )
        }
        unsafe self.md = md
    }
}

/// An incremental SHA-256 computation that owns one OpenSSL digest context.
///
/// ``finalize()`` returns the digest and leaves the hasher ready for the next message, so a loop
/// hashes many messages with one context and no allocation.
@safe public struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    /// Creates a hasher ready for a first message.
    public init() {
        guard let context = unsafe EVP_MD_CTX_new() else {
            preconditionFailure("EVP_MD_CTX_new failed: out of memory")
        }
        unsafe self.context = context
        start()
    }

    deinit {
        unsafe EVP_MD_CTX_free(context)
    }

    private func start() {
        let rc = unsafe EVP_DigestInit_ex2(context, FetchedSHA256.shared.md, nil)
        // A fetched SHA-256 with a fresh context cannot fail to initialise except on memory exhaustion.
        precondition(rc == 1, "EVP_DigestInit_ex2 failed: \(CryptoError.openSSL("EVP_DigestInit_ex2"))")
    }

    /// Adds bytes to the message.
    ///
    /// - Parameter bytes: The next bytes of the message.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            unsafe update(UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            let copy = Array(bytes)
            unsafe copy.withUnsafeBytes { unsafe update($0) }
        }
    }

    /// Adds one byte to the message.
    ///
    /// - Parameter byte: The next byte.
    public mutating func update(byte: UInt8) {
        var value = byte
        unsafe withUnsafeBytes(of: &value) { unsafe update($0) }
    }

    /// Adds a digest's 32 bytes to the message.
    ///
    /// - Parameter digest: The digest to add.
    public mutating func update(_ digest: SHA256Digest) {
        unsafe digest.withUnsafeBytes { unsafe update($0) }
    }

    /// Adds the bytes in a raw buffer to the message.
    ///
    /// - Parameter buffer: The next bytes of the message; read only during the call.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard buffer.count > 0 else { return }
        let rc = unsafe EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        precondition(rc == 1, "EVP_DigestUpdate failed: \(CryptoError.openSSL("EVP_DigestUpdate"))")
    }

    /// Finishes the message and returns its digest; the hasher then starts a new, empty message.
    ///
    /// - Returns: The digest of everything added since the last call.
    public mutating func finalize() -> SHA256Digest {
        var digest = SHA256Digest.zero
        var length: UInt32 = 0
        let rc = unsafe digest.withUnsafeMutableBytes { buffer in
            unsafe EVP_DigestFinal_ex(context, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        }
        precondition(rc == 1 && length == 32, "EVP_DigestFinal_ex failed: \(CryptoError.openSSL("EVP_DigestFinal_ex"))")
        start()
        return digest
    }
}
