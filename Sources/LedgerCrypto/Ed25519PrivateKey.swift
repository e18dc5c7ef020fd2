internal import COpenSSL

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// An Ed25519 signing key held by OpenSSL; the seed never stays in Swift memory.
///
/// ```swift
/// let key = Ed25519PrivateKey()
/// let signature = try key.signature(for: Array("checkpoint".utf8))
/// key.publicKey.isValidSignature(signature, for: Array("checkpoint".utf8))  // true
/// ```
@safe public final class Ed25519PrivateKey: Sendable {
    // Safety: the EVP_PKEY is never mutated after construction; OpenSSL allows concurrent
    // read-only use of a key (openssl-threads(7)); it is freed once, in deinit.
    private nonisolated(unsafe) let key: OpaquePointer

    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// Generates a new key from OpenSSL's random generator.
    public convenience init() {
        guard let context = unsafe EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            preconditionFailure("EVP_PKEY_CTX_new_id failed: \(CryptoError.openSSL("EVP_PKEY_CTX_new_id"))")
        }
        defer { unsafe EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer? = nil
        let rcInit = unsafe EVP_PKEY_keygen_init(context)
        let rcGen = rcInit == 1 ? unsafe EVP_PKEY_keygen(context, &key) : 0
        guard rcGen == 1, let key = unsafe key else {
            preconditionFailure("Ed25519 key generation failed: \(CryptoError.openSSL("EVP_PKEY_keygen"))")
        }
        // A freshly generated key always has a public half.
        guard let pair = try? unsafe Ed25519PrivateKey(taking: key) else {
            preconditionFailure("a generated Ed25519 key has no public key")
        }
        self.init(pair)
    }

    /// Creates a key from its 32-byte seed (RFC 8032 §5.1.5).
    ///
    /// - Parameter seed: The private key seed; callers should zero their copy afterwards.
    /// - Throws: ``CryptoError/Code/invalidKey`` when the seed is not 32 bytes.
    public convenience init(seed: [UInt8]) throws {
        guard seed.count == 32 else {
            throw CryptoError(code: .invalidKey, message: "an Ed25519 seed has 32 bytes, not \(seed.count)")
        }
        guard let key = unsafe EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count) else {
            throw CryptoError.openSSL("EVP_PKEY_new_raw_private_key")
        }
        try unsafe self.init(Ed25519PrivateKey(taking: key))
    }

    /// Reads a key from PEM text (`-----BEGIN PRIVATE KEY-----`, unencrypted PKCS #8).
    ///
    /// - Parameter pemRepresentation: The PEM text.
    /// - Throws: ``CryptoError/Code/invalidKey`` when the text holds no Ed25519 private key.
    public convenience init(pemRepresentation: String) throws {
        let key = try unsafe PEM.withKey(
            fromPEM: pemRepresentation,
            read: { unsafe PEM_read_bio_PrivateKey($0, nil, nil, nil) },
            body: { key in
                guard unsafe EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
                    throw CryptoError(code: .invalidKey, message: "the private key is not an Ed25519 key")
                }
                // Hand the reference to a new owner: take one more before PEM.withKey frees its own.
                guard unsafe EVP_PKEY_up_ref(key) == 1 else { throw CryptoError.openSSL("EVP_PKEY_up_ref") }
                return unsafe key
            }
        )
        try unsafe self.init(Ed25519PrivateKey(taking: key))
    }

    /// Reads a key from a PEM file.
    ///
    /// - Parameter path: The file's path.
    /// - Throws: ``CryptoError/Code/io`` when the file cannot be read, or ``CryptoError/Code/invalidKey``.
    public convenience init(pemFile path: String) throws {
        try self.init(pemRepresentation: try KeyFile.read(path))
    }

    private init(_ other: Ed25519PrivateKey) {
        unsafe EVP_PKEY_up_ref(other.key)
        unsafe self.key = other.key
        self.publicKey = other.publicKey
    }

    /// Takes ownership of an OpenSSL key: on failure the key is freed.
    private init(taking key: OpaquePointer) throws {
        unsafe self.key = key
        do {
            self.publicKey = try unsafe Ed25519PublicKey(rawRepresentation: Ed25519PublicKey.rawPublicKey(of: key))
        } catch {
            unsafe EVP_PKEY_free(key)
            throw error
        }
    }

    deinit {
        unsafe EVP_PKEY_free(key)
    }

    /// Signs a message.
    ///
    /// - Parameter message: The message; PureEdDSA signs it whole, without pre-hashing.
    /// - Returns: The 64-byte signature.
    /// - Throws: ``CryptoError/Code/openSSL`` when OpenSSL fails.
    public func signature(for message: some Collection<UInt8>) throws -> [UInt8] {
        let messageBytes = Array(message)
        guard let context = unsafe EVP_MD_CTX_new() else { throw CryptoError.openSSL("EVP_MD_CTX_new") }
        defer { unsafe EVP_MD_CTX_free(context) }
        // The digest must be NULL for Ed25519, and signing is one-shot (EVP_SIGNATURE-ED25519(7)).
        guard unsafe EVP_DigestSignInit(context, nil, nil, nil, key) == 1 else {
            throw CryptoError.openSSL("EVP_DigestSignInit")
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = signature.count
        guard unsafe EVP_DigestSign(context, &signature, &length, messageBytes, messageBytes.count) == 1, length == 64
        else {
            throw CryptoError.openSSL("EVP_DigestSign")
        }
        return signature
    }

    /// The key as unencrypted PKCS #8 PEM text, as `openssl genpkey -algorithm ed25519` writes it.
    ///
    /// Treat the result as secret.
    public var pemRepresentation: String {
        get throws {
            try unsafe PEM.write { unsafe PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
        }
    }

    /// Writes the key to a new PEM file readable only by its owner (mode 0600).
    ///
    /// - Parameter path: The file to create; an existing file is never overwritten.
    /// - Throws: ``CryptoError/Code/io`` when the file exists or cannot be written.
    public func write(toPEMFile path: String) throws {
        try KeyFile.writeSecret(try pemRepresentation, to: path)
    }
}
