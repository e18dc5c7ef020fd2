public import LedgerCrypto

extension MerkleTree {
    /// Computes the root that an inclusion proof leads to (RFC 9162 §2.1.3.2).
    ///
    /// The checks follow `transparency-dev/merkle`'s verifier, which is stricter than the RFC's
    /// loop: `index` must be below `size`, and the proof must have exactly as many hashes as a proof
    /// for that index and size has. Hashes are `SHA256Digest` values, so each is 32 bytes by type;
    /// decoders of proof text check the length when they build them.
    ///
    /// - Parameters:
    ///   - index: The leaf's 0-based index.
    ///   - size: The size of the tree the proof is for.
    ///   - leafHash: The leaf's hash, ``leafHash(_:)`` of its bytes.
    ///   - proof: The audit path, leaf level first.
    /// - Returns: The root hash the proof implies.
    /// - Throws: ``LedgerError/Code/invalidProof`` naming what is wrong.
    public static func rootFromInclusionProof(
        index: UInt64,
        size: UInt64,
        leafHash: SHA256Digest,
        proof: [SHA256Digest]
    ) throws -> SHA256Digest {
        guard index < size else {
            throw LedgerError(
                code: .invalidProof,
                message: "the inclusion proof is for leaf \(index), which is not in a tree of \(size) leaves"
            )
        }
        let (inner, border) = decomposeInclusionProof(index: index, size: size)
        guard proof.count == inner + border else {
            throw LedgerError(
                code: .invalidProof,
                message: """
                    the inclusion proof for leaf \(index) in a tree of \(size) leaves has \(proof.count) hashes, \
                    not \(inner + border)
                    """
            )
        }
        let hash = chainInner(leafHash, proof[..<inner], index: index)
        return chainBorderRight(hash, proof[inner...])
    }

    /// Checks an inclusion proof against a root hash (RFC 9162 §2.1.3.2).
    ///
    /// Take `size` and `root` together from one signed checkpoint. The proof checks the leaf against
    /// the root; it pins the size only as far as the shape of the path goes, so some proofs also
    /// verify for a neighbouring size (the proof of leaf 0 in a tree of 3 leaves fits 4 leaves too).
    ///
    /// - Parameters:
    ///   - index: The leaf's 0-based index.
    ///   - size: The size of the tree the proof is for.
    ///   - leafHash: The leaf's hash, ``leafHash(_:)`` of its bytes.
    ///   - proof: The audit path, leaf level first.
    ///   - root: The trusted root hash of the tree of `size` leaves.
    /// - Throws: ``LedgerError/Code/invalidProof`` when the proof is malformed or leads to another root.
    public static func verifyInclusion(
        index: UInt64,
        size: UInt64,
        leafHash: SHA256Digest,
        proof: [SHA256Digest],
        root: SHA256Digest
    ) throws {
        let computed = try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof)
        guard computed == root else {
            throw LedgerError(
                code: .invalidProof,
                message: """
                    the inclusion proof for leaf \(index) leads to root \(computed.hex), not to the expected root \
                    \(root.hex) of size \(size)
                    """
            )
        }
    }

    /// Checks that the tree of `size2` leaves extends the tree of `size1` leaves (RFC 9162 §2.1.4.2).
    ///
    /// The policy is `transparency-dev/merkle`'s: a proof from size 0 is an error (it proves nothing),
    /// equal sizes need an empty proof and equal roots, and the proof must have exactly as many
    /// hashes as a proof between the two sizes has. Every hash in the proof takes part in one of the
    /// two roots that are checked.
    ///
    /// - Parameters:
    ///   - size1: The earlier size.
    ///   - size2: The later size.
    ///   - root1: The trusted root hash at `size1`.
    ///   - root2: The trusted root hash at `size2`.
    ///   - proof: The consistency proof.
    /// - Throws: ``LedgerError/Code/invalidProof`` naming what is wrong.
    public static func verifyConsistency(
        size1: UInt64,
        size2: UInt64,
        root1: SHA256Digest,
        root2: SHA256Digest,
        proof: [SHA256Digest]
    ) throws {
        guard size1 <= size2 else {
            throw LedgerError(
                code: .invalidProof,
                message: "a consistency proof cannot lead from size \(size1) to the smaller size \(size2)"
            )
        }
        guard size1 > 0 else {
            throw LedgerError(code: .invalidProof, message: "a consistency proof from the empty tree proves nothing")
        }
        if size1 == size2 {
            guard proof.isEmpty else {
                throw LedgerError(
                    code: .invalidProof,
                    message:
                        "the sizes are equal (\(size1)), so the proof must be empty, but it has \(proof.count) hashes"
                )
            }
            guard root1 == root2 else {
                throw LedgerError(
                    code: .invalidProof,
                    message: "two trees of size \(size1) have different roots, \(root1.hex) and \(root2.hex)"
                )
            }
            return
        }
        guard !proof.isEmpty else {
            throw LedgerError(
                code: .invalidProof,
                message: "the consistency proof from size \(size1) to \(size2) is empty"
            )
        }

        // The proof is the inclusion proof of the old tree's last perfect subtree (at level `shift`)
        // in the new tree, led by that subtree's hash unless the old tree is itself perfect.
        let shift = size1.trailingZeroBitCount
        let oldTreeIsPerfect = size1 == 1 << UInt64(shift)
        let seed = oldTreeIsPerfect ? root1 : proof[0]
        let path = oldTreeIsPerfect ? proof[...] : proof.dropFirst()
        let (fork, border) = decomposeInclusionProof(index: size1 - 1, size: size2)
        let inner = fork - shift
        guard path.count == inner + border else {
            throw LedgerError(
                code: .invalidProof,
                message: """
                    the consistency proof from size \(size1) to \(size2) has \(proof.count) hashes, \
                    not \(inner + border + (oldTreeIsPerfect ? 0 : 1))
                    """
            )
        }
        let innerPath = path.prefix(inner)
        let borderPath = path.dropFirst(inner)
        let mask = (size1 - 1) >> UInt64(shift)

        let computed1 = chainBorderRight(chainInnerRight(seed, innerPath, index: mask), borderPath)
        guard computed1 == root1 else {
            throw LedgerError(
                code: .invalidProof,
                message: """
                    the consistency proof leads to root \(computed1.hex) at size \(size1), not to the expected \
                    \(root1.hex)
                    """
            )
        }
        let computed2 = chainBorderRight(chainInner(seed, innerPath, index: mask), borderPath)
        guard computed2 == root2 else {
            throw LedgerError(
                code: .invalidProof,
                message: """
                    the consistency proof leads to root \(computed2.hex) at size \(size2), not to the expected \
                    \(root2.hex)
                    """
            )
        }
    }

    /// Splits the length of the inclusion proof for `index` in a tree of `size` leaves.
    ///
    /// `inner` counts the levels below the node where the paths to `index` and to the last leaf
    /// meet; those siblings may be on either side. `border` counts the left siblings above it, one
    /// per set bit of the rest of the index.
    static func decomposeInclusionProof(index: UInt64, size: UInt64) -> (inner: Int, border: Int) {
        let inner = 64 - (index ^ (size - 1)).leadingZeroBitCount
        let border = (index >> UInt64(inner)).nonzeroBitCount
        return (inner, border)
    }

    /// Hashes up from `seed` at position `index` of its level, taking each sibling from the side
    /// the index's bit says.
    private static func chainInner(
        _ seed: SHA256Digest,
        _ proof: ArraySlice<SHA256Digest>,
        index: UInt64
    ) -> SHA256Digest {
        var hash = seed
        for (level, sibling) in proof.enumerated() {
            if (index >> UInt64(level)) & 1 == 0 {
                hash = nodeHash(hash, sibling)
            } else {
                hash = nodeHash(sibling, hash)
            }
        }
        return hash
    }

    /// Like ``chainInner(_:_:index:)``, but uses only left siblings: the right ones were not yet in
    /// the older tree, so this gives the older tree's version of the subtree.
    private static func chainInnerRight(
        _ seed: SHA256Digest,
        _ proof: ArraySlice<SHA256Digest>,
        index: UInt64
    ) -> SHA256Digest {
        var hash = seed
        for (level, sibling) in proof.enumerated() where (index >> UInt64(level)) & 1 == 1 {
            hash = nodeHash(sibling, hash)
        }
        return hash
    }

    /// Hashes up the tree's right border, where every sibling is on the left.
    private static func chainBorderRight(_ seed: SHA256Digest, _ proof: ArraySlice<SHA256Digest>) -> SHA256Digest {
        var hash = seed
        for sibling in proof {
            hash = nodeHash(sibling, hash)
        }
        return hash
    }
}
