internal import COpenSSL

/// An Ed25519 public key: the 32 raw bytes of RFC 8032, with OpenSSL's key object built once.
///
/// Keys compare and hash by their raw bytes.
@safe public final class Ed25519PublicKey: Sendable {
    /// The number of bytes in a raw public key.
    public static let byteCount = 32

    /// The key's 32 raw bytes (RFC 8032 §5.1.5).
    public let rawRepresentation: [UInt8]

    // Safety: the EVP_PKEY is never mutated after construction, and OpenSSL allows concurrent
    // read-only use of a key (openssl-threads(7)); it is freed once, in deinit.
    private nonisolated(unsafe) let key: OpaquePointer

    /// Creates a public key from its 32 raw bytes.
    ///
    /// - Parameter rawRepresentation: The raw key.
    /// - Throws: ``CryptoError/Code/invalidKey`` when the bytes are not 32 long or not a valid key.
    public init(rawRepresentation: some Collection<UInt8>) throws {
        let raw = Array(rawRepresentation)
        guard raw.count == Self.byteCount else {
            throw CryptoError(
                code: .invalidKey,
                message: "an Ed25519 public key has 32 bytes, not \(raw.count)"
            )
        }
        guard let key = unsafe EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            throw CryptoError(
                code: .invalidKey,
                message: "not an Ed25519 public key",
                cause: CryptoError.openSSL("EVP_PKEY_new_raw_public_key")
            )
        }
        self.rawRepresentation = raw
        unsafe self.key = key
    }

    /// Reads a public key from PEM text (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo).
    ///
    /// - Parameter pemRepresentation: The PEM text.
    /// - Throws: ``CryptoError/Code/invalidKey`` when the text holds no Ed25519 public key.
    public convenience init(pemRepresentation: String) throws {
        let raw = try unsafe PEM.withKey(
            fromPEM: pemRepresentation,
            read: { unsafe PEM_read_bio_PUBKEY($0, nil, nil, nil) },
            body: { key in try unsafe Ed25519PublicKey.rawPublicKey(of: key) }
        )
        try self.init(rawRepresentation: raw)
    }

    deinit {
        unsafe EVP_PKEY_free(key)
    }

    /// The key as PEM text (SubjectPublicKeyInfo), as `openssl pkey -pubout` writes it.
    public var pemRepresentation: String {
        // Writing a valid key to a memory BIO fails only on memory exhaustion.
        guard let text = try? unsafe PEM.write({ unsafe PEM_write_bio_PUBKEY($0, key) }) else {
            preconditionFailure("PEM_write_bio_PUBKEY failed for a valid key")
        }
        return text
    }

    /// Checks a signature.
    ///
    /// - Parameters:
    ///   - signature: A 64-byte Ed25519 signature.
    ///   - message: The signed message.
    /// - Returns: `true` when the signature is valid for `message` under this key.
    public func isValidSignature(_ signature: some Collection<UInt8>, for message: some Collection<UInt8>) -> Bool {
        let signatureBytes = Array(signature)
        let messageBytes = Array(message)
        guard signatureBytes.count == 64 else { return false }
        guard let context = unsafe EVP_MD_CTX_new() else { return false }
        defer { unsafe EVP_MD_CTX_free(context) }
        // PureEdDSA takes no digest (NULL) and is one-shot only (EVP_SIGNATURE-ED25519(7)).
        guard unsafe EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else {
            ERR_clear_error()
            return false
        }
        let rc = unsafe EVP_DigestVerify(
            context,
            signatureBytes,
            signatureBytes.count,
            messageBytes,
            messageBytes.count
        )
        if rc != 1 {
            ERR_clear_error()
        }
        return rc == 1
    }

    static func rawPublicKey(of key: OpaquePointer) throws -> [UInt8] {
        guard unsafe EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
            throw CryptoError(code: .invalidKey, message: "the key is not an Ed25519 key")
        }
        var raw = [UInt8](repeating: 0, count: byteCount)
        var length = raw.count
        guard unsafe EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1, length == byteCount else {
            throw CryptoError.openSSL("EVP_PKEY_get_raw_public_key")
        }
        return raw
    }
}

extension Ed25519PublicKey: Hashable {
    /// Compares raw bytes.
    public static func == (lhs: Ed25519PublicKey, rhs: Ed25519PublicKey) -> Bool {
        lhs.rawRepresentation == rhs.rawRepresentation
    }

    /// Hashes the raw bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(rawRepresentation)
    }
}
