public import LedgerCrypto

extension MerkleTree {
    /// SHA-256(0x00 ‖ leaf) with a caller's hasher, for loops that hash many leaves.
    ///
    /// - Parameters:
    ///   - leaf: The leaf's bytes.
    ///   - hasher: A hasher to reuse; it is left ready for the next message.
    /// - Returns: The leaf hash.
    public static func leafHash(_ leaf: some Collection<UInt8>, using hasher: inout SHA256Hasher) -> SHA256Digest {
        hasher.update(byte: 0x00)
        hasher.update(leaf)
        return hasher.finalize()
    }

    /// SHA-256(0x00 ‖ leaf) over bytes lent from storage, with a caller's hasher.
    ///
    /// - Parameters:
    ///   - leaf: The leaf's bytes, valid for the call.
    ///   - hasher: A hasher to reuse; it is left ready for the next message.
    /// - Returns: The leaf hash.
    public static func leafHash(_ leaf: UnsafeRawBufferPointer, using hasher: inout SHA256Hasher) -> SHA256Digest {
        hasher.update(byte: 0x00)
        hasher.update(leaf)
        return hasher.finalize()
    }

    /// SHA-256(0x01 ‖ left ‖ right) with a caller's hasher, for loops that hash many nodes.
    ///
    /// - Parameters:
    ///   - left: The left child.
    ///   - right: The right child.
    ///   - hasher: A hasher to reuse; it is left ready for the next message.
    /// - Returns: The parent's hash.
    public static func nodeHash(
        _ left: SHA256Digest,
        _ right: SHA256Digest,
        using hasher: inout SHA256Hasher
    ) -> SHA256Digest {
        hasher.update(byte: 0x01)
        hasher.update(left)
        hasher.update(right)
        return hasher.finalize()
    }
}
