public import LedgerCrypto

/// The RFC 9162 Merkle tree hash, computed over a store of perfect-subtree hashes.
///
/// A *perfect subtree* at `(level, index)` covers the `2^level` leaves
/// `[index·2^level, (index+1)·2^level)`. Once all of its leaves exist, its hash never changes, so a
/// ledger can persist it once and read it back by key. Every function here takes a `node` closure
/// that returns such a hash; the caller guarantees it is asked only for subtrees that are complete
/// within the tree in question.
///
/// Any other subtree of the tree — one that ends at the tree's last leaf but is not perfect — is
/// hashed from its perfect-subtree decomposition, so a root costs at most 64 node reads and a proof
/// at most 2·64.
///
/// ```swift
/// var levels: [[SHA256Digest]] = [leafHashes]  // filled by CompactRange.append
/// let root = MerkleTree.root(size: 5) { level, index in levels[level][Int(index)] }
/// ```
public enum MerkleTree {
    /// The hash of the empty tree, SHA-256 of no bytes (RFC 9162 §2.1.1).
    public static let emptyRoot: SHA256Digest = SHA256.hash([UInt8]())

    /// Hashes a leaf as RFC 9162 §2.1.1 does: SHA-256(0x00 ‖ leaf).
    ///
    /// - Parameter leaf: The leaf's bytes.
    /// - Returns: The leaf hash.
    public static func leafHash(_ leaf: some Collection<UInt8>) -> SHA256Digest {
        var hasher = SHA256Hasher()
        return leafHash(leaf, using: &hasher)
    }

    /// Hashes an interior node as RFC 9162 §2.1.1 does: SHA-256(0x01 ‖ left ‖ right).
    ///
    /// - Parameters:
    ///   - left: The left child's hash.
    ///   - right: The right child's hash.
    /// - Returns: The node's hash.
    public static func nodeHash(_ left: SHA256Digest, _ right: SHA256Digest) -> SHA256Digest {
        var hasher = SHA256Hasher()
        return nodeHash(left, right, using: &hasher)
    }

    /// Computes the root hash of the tree of the first `size` leaves.
    ///
    /// Reads one node per set bit of `size`: the perfect subtrees that make up the tree.
    ///
    /// - Parameters:
    ///   - size: The number of leaves.
    ///   - node: Returns the hash of the perfect subtree at `(level, index)`.
    /// - Returns: The root hash; ``emptyRoot`` when `size` is 0.
    /// - Throws: Whatever `node` throws.
    public static func root(
        size: UInt64,
        node: (Int, UInt64) throws -> SHA256Digest
    ) rethrows -> SHA256Digest {
        guard size > 0 else { return emptyRoot }
        return try subtreeHash(from: 0, to: size, node: node)
    }

    /// Hashes the leaves `[start, end)`, a subtree that RFC 9162's split produces.
    ///
    /// The range is either perfect or ends at the tree's last leaf, and `start` is a multiple of the
    /// smallest power of two not below `end - start`. Its hash is the right fold of its perfect
    /// pieces, largest first, which is exactly what the RFC's recursive split computes.
    static func subtreeHash(
        from start: UInt64,
        to end: UInt64,
        node: (Int, UInt64) throws -> SHA256Digest
    ) rethrows -> SHA256Digest {
        let count = end - start
        precondition(count > 0, "an empty range has no subtree hash")
        if count & (count - 1) == 0 {
            let level = count.trailingZeroBitCount
            return try node(level, start >> UInt64(level))
        }
        var pieces: [SHA256Digest] = []
        pieces.reserveCapacity(count.nonzeroBitCount)
        var position = start
        for level in stride(from: 63, through: 0, by: -1) where count & (1 << UInt64(level)) != 0 {
            pieces.append(try node(level, position >> UInt64(level)))
            position += 1 << UInt64(level)
        }
        return fold(pieces)
    }

    /// Folds perfect-subtree hashes, largest (leftmost) first, into the hash of the tree they make up.
    static func fold(_ pieces: [SHA256Digest]) -> SHA256Digest {
        guard var hash = pieces.last else { return emptyRoot }
        for piece in pieces.dropLast().reversed() {
            hash = nodeHash(piece, hash)
        }
        return hash
    }

    /// The largest power of two strictly below `count`, which must be at least 2 (RFC 9162 §2.1.1's `k`).
    static func splitPoint(_ count: UInt64) -> UInt64 {
        1 << UInt64(63 - (count - 1).leadingZeroBitCount)
    }
}
