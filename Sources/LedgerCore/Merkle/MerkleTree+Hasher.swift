public import LedgerCrypto

extension MerkleTree {
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
