internal import COpenSSL

/// Random bytes from OpenSSL's CSPRNG, for commitment salts and identifiers.
public enum SecureRandom {
    /// Returns cryptographically secure random bytes.
    ///
    /// - Parameter count: How many bytes.
    /// - Returns: `count` random bytes.
    public static func bytes(count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        let rc = unsafe RAND_bytes(&bytes, Int32(count))
        // RAND_bytes fails only when the generator cannot be seeded, which leaves nothing safe to do.
        precondition(rc == 1, "RAND_bytes failed: \(CryptoError.openSSL("RAND_bytes"))")
        return bytes
    }
}
