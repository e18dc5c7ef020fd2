public import LedgerCrypto

/// The right border of a Merkle tree: the hashes of the perfect subtrees that make up its leaves.
///
/// A tree of `size` leaves splits into one perfect subtree per set bit of `size`, largest first,
/// so the range holds at most 64 hashes. That is all the state an append-only log needs to extend
/// the tree and compute its root; every other node can live in storage.
///
/// ``append(leafHash:_:)`` reports each perfect subtree the new leaf completes. All of them end at
/// the new leaf, so storing nodes ordered by (last leaf, level) stores them in append order.
///
/// ```swift
/// var range = CompactRange()
/// try range.append(leafHash: MerkleTree.leafHash(bytes)) { level, index, hash in
///     try nodes.put(hash, level: level, index: index)
/// }
/// let root = range.root()
/// ```
public struct CompactRange: Sendable, Hashable {
    /// The number of leaves in the tree.
    public private(set) var size: UInt64

    /// The hashes of the tree's perfect subtrees, leftmost (largest) first: one per set bit of ``size``.
    public private(set) var hashes: [SHA256Digest]

    /// Creates the range of the empty tree.
    public init() {
        self.size = 0
        self.hashes = []
    }

    /// Rebuilds the range of a tree of `size` leaves from a node store.
    ///
    /// Reads one node per set bit of `size`.
    ///
    /// - Parameters:
    ///   - size: The number of leaves.
    ///   - node: Returns the hash of the perfect subtree at `(level, index)`.
    /// - Throws: Whatever `node` throws.
    public init(size: UInt64, node: (Int, UInt64) throws -> SHA256Digest) rethrows {
        var hashes: [SHA256Digest] = []
        hashes.reserveCapacity(size.nonzeroBitCount)
        var position: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where size & (1 << UInt64(level)) != 0 {
            hashes.append(try node(level, position >> UInt64(level)))
            position += 1 << UInt64(level)
        }
        self.size = size
        self.hashes = hashes
    }
}

extension CompactRange {
    /// The root hash of the tree (RFC 9162 §2.1.1).
    ///
    /// - Returns: The root; ``MerkleTree/emptyRoot`` for the empty tree.
    public func root() -> SHA256Digest {
        MerkleTree.fold(hashes)
    }

    /// Appends one leaf and reports every perfect subtree it completes.
    ///
    /// `newNode` is called with `(level, index, hash)` for the leaf itself at level 0 and then for
    /// each larger subtree the leaf completes, in ascending level. If `newNode` throws, the range
    /// is left as it was.
    ///
    /// - Parameters:
    ///   - leafHash: The new leaf's hash, ``MerkleTree/leafHash(_:)`` of its bytes.
    ///   - newNode: Receives each completed perfect subtree; it may store it.
    /// - Throws: Whatever `newNode` throws.
    public mutating func append(
        leafHash: SHA256Digest,
        _ newNode: (Int, UInt64, SHA256Digest) throws -> Void
    ) rethrows {
        var hasher = SHA256Hasher()
        try append(leafHash: leafHash, using: &hasher, newNode)
    }

    /// Appends one leaf, hashing with the caller's hasher so a loop of appends reuses one context.
    ///
    /// - Parameters:
    ///   - leafHash: The new leaf's hash.
    ///   - hasher: The hasher to reuse; it is left ready for the next message.
    ///   - newNode: Called for every perfect subtree the leaf completes, level 0 first.
    /// - Throws: Whatever `newNode` throws; the range is then left unchanged.
    public mutating func append(
        leafHash: SHA256Digest,
        using hasher: inout SHA256Hasher,
        _ newNode: (Int, UInt64, SHA256Digest) throws -> Void
    ) rethrows {
        precondition(size < UInt64.max, "a Merkle tree cannot hold more than 2^64 - 1 leaves")
        var hash = leafHash
        var level = 0
        var index = size
        try newNode(level, index, hash)
        // Each trailing 1 bit of the old size is a left sibling waiting on the right border.
        var kept = hashes.count
        while index & 1 == 1 {
            kept -= 1
            hash = MerkleTree.nodeHash(hashes[kept], hash, using: &hasher)
            level += 1
            index >>= 1
            try newNode(level, index, hash)
        }
        hashes.removeLast(hashes.count - kept)
        hashes.append(hash)
        size += 1
    }

    /// Appends one leaf.
    ///
    /// - Parameter leafHash: The new leaf's hash, ``MerkleTree/leafHash(_:)`` of its bytes.
    public mutating func append(leafHash: SHA256Digest) {
        append(leafHash: leafHash) { _, _, _ in }
    }
}
