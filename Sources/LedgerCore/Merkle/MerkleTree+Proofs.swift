public import LedgerCrypto

extension MerkleTree {
    /// Builds the inclusion proof for one leaf, as RFC 9162 §2.1.3.1 defines `PATH(m, D[n])`.
    ///
    /// The proof lists sibling hashes from the leaf's sibling up to the root's child. At most one of
    /// them is a subtree that is not perfect (the one on the tree's right border), so the proof costs
    /// at most 2·64 node reads.
    ///
    /// - Parameters:
    ///   - index: The leaf's 0-based index.
    ///   - size: The size of the tree the proof is for.
    ///   - node: Returns the hash of the perfect subtree at `(level, index)`.
    /// - Returns: The audit path, leaf level first.
    /// - Throws: ``LedgerError/Code/notFound`` when `index` is not below `size`, or whatever `node` throws.
    public static func inclusionProof(
        index: UInt64,
        size: UInt64,
        node: (Int, UInt64) throws -> SHA256Digest
    ) throws -> [SHA256Digest] {
        guard index < size else {
            throw LedgerError(
                code: .notFound,
                message: "no leaf \(index) in a tree of \(size) leaves; ask for an index below the tree size"
            )
        }
        // Walk RFC 9162's recursion top-down over the range [start, end); the siblings come out
        // root-first, and the proof wants them leaf-first.
        var path: [SHA256Digest] = []
        var start: UInt64 = 0
        var end = size
        while end - start > 1 {
            let split = start + splitPoint(end - start)
            if index < split {
                path.append(try subtreeHash(from: split, to: end, node: node))
                end = split
            } else {
                path.append(try subtreeHash(from: start, to: split, node: node))
                start = split
            }
        }
        return path.reversed()
    }

    /// Builds the consistency proof between two sizes of the tree, as RFC 9162 §2.1.4.1 defines
    /// `PROOF(m, D[n])` and `SUBPROOF`.
    ///
    /// At most one of the proof's hashes is a subtree that is not perfect, so the proof costs at
    /// most 2·64 node reads.
    ///
    /// - Parameters:
    ///   - size1: The earlier size, at least 1.
    ///   - size2: The later size, at least `size1`.
    ///   - node: Returns the hash of the perfect subtree at `(level, index)` of the tree of `size2` leaves.
    /// - Returns: The proof; empty when the sizes are equal.
    /// - Throws: ``LedgerError/Code/invalidInput`` when `size1` is 0 or above `size2`, or whatever
    ///   `node` throws.
    public static func consistencyProof(
        from size1: UInt64,
        to size2: UInt64,
        node: (Int, UInt64) throws -> SHA256Digest
    ) throws -> [SHA256Digest] {
        guard size1 <= size2 else {
            throw LedgerError(
                code: .invalidInput,
                message: "cannot prove size \(size1) consistent with the smaller size \(size2); swap the sizes"
            )
        }
        guard size1 > 0 else {
            throw LedgerError(
                code: .invalidInput,
                message: "a consistency proof from the empty tree proves nothing; start from size 1 or more"
            )
        }
        // SUBPROOF(m, D[start, end), isWhole) unrolled: `size1` stays absolute, and `isWhole` is true
        // while the range still starts at leaf 0 of a tree whose old root the verifier already has.
        var proof: [SHA256Digest] = []
        var start: UInt64 = 0
        var end = size2
        var isWhole = true
        while size1 != end {
            let split = start + splitPoint(end - start)
            if size1 <= split {
                proof.append(try subtreeHash(from: split, to: end, node: node))
                end = split
            } else {
                proof.append(try subtreeHash(from: start, to: split, node: node))
                start = split
                isWhole = false
            }
        }
        if !isWhole {
            proof.append(try subtreeHash(from: start, to: end, node: node))
        }
        return proof.reversed()
    }
}
