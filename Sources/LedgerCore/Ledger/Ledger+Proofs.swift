public import LedgerCrypto
import LedgerStorage
import Synchronization

extension Ledger {
    /// The Merkle root of the first `size` entries.
    ///
    /// - Parameter size: A tree size no larger than the ledger.
    /// - Returns: The RFC 9162 root hash; O(log n) reads.
    /// - Throws: ``LedgerError/Code/notFound`` when `size` exceeds the ledger.
    public func rootHash(atSize size: UInt64) throws -> SHA256Digest {
        try Self.wrapStorage {
            try environment.read { txn in
                try requireSize(size, txn: txn)
                return try MerkleTree.root(size: size) { level, index in
                    try storedNode(level: level, index: index, txn: txn)
                }
            }
        }
    }

    /// The signed checkpoint for a tree size: the stored one when a batch ended there, otherwise
    /// one signed now over the stored tree (checkpoints of a prefix never conflict).
    ///
    /// - Parameter size: The tree size, or `nil` for the ledger's current size.
    /// - Returns: The signed checkpoint.
    /// - Throws: ``LedgerError/Code/notFound`` when the ledger is smaller or empty.
    public func checkpoint(atSize size: UInt64? = nil) throws -> SignedCheckpoint {
        try Self.wrapStorage {
            try environment.read { txn in
                try checkpoint(atSize: size, txn: txn)
            }
        }
    }

    func checkpoint(atSize requested: UInt64?, txn: borrowing ReadTransaction) throws -> SignedCheckpoint {
        let current = UInt64(try txn.count(tables.entries))
        let size = requested ?? current
        guard size > 0 else {
            throw LedgerError(
                code: .notFound,
                message: current == 0
                    ? "the ledger is empty: append entries first"
                    : "a checkpoint is for a size of 1 or more (the ledger has \(current) entries)"
            )
        }
        try requireSize(size, txn: txn)
        if let cached = checkpointCache.withLock({ $0[size] }) {
            return cached
        }
        if let stored = try txn.value(in: tables.checkpoints, forKey: BigEndianKey.encode(size)) {
            // What is handed out verifies with the ledger's key: a stored checkpoint changed behind
            // the ledger's back is named here, not left for the recipient to find.
            let checkpoint: SignedCheckpoint
            do {
                checkpoint = try SignedCheckpoint(parsing: String(decoding: stored, as: UTF8.self))
                try checkpoint.verify(with: verifierKey, origin: origin)
                guard checkpoint.checkpoint.size == size else {
                    throw LedgerError(code: .corruptLedger, message: "it is for size \(checkpoint.checkpoint.size)")
                }
            } catch let error as LedgerError {
                throw LedgerError(
                    code: .corruptLedger,
                    message: "the checkpoint stored for size \(size) does not verify with the ledger's key "
                        + "(\(error.message)); nothing was handed out: run `celltrace verify`"
                )
            }
            checkpointCache.withLock { cache in
                if cache.count >= 64 { cache.removeAll(keepingCapacity: true) }
                cache[size] = checkpoint
            }
            return checkpoint
        }
        let root = try MerkleTree.root(size: size) { level, index in
            try storedNode(level: level, index: index, txn: txn)
        }
        try checkAgainstLaterCheckpoint(size: size, root: root, txn: txn)
        return try SignedCheckpoint.sign(try Checkpoint(origin: origin, size: size, rootHash: root), with: try signer)
    }

    /// Refuses to sign the root of a prefix that the stored tree gives but the next signed
    /// checkpoint does not extend: a changed node or entry would otherwise have the key sign a
    /// history inconsistent with what it signed before.
    private func checkAgainstLaterCheckpoint(size: UInt64, root: SHA256Digest, txn: borrowing ReadTransaction) throws {
        let cursor = try txn.cursor(tables.checkpoints)
        guard let (_, value) = try cursor.seek(atLeast: BigEndianKey.encode(size)) else {
            throw LedgerError(code: .corruptLedger, message: "no checkpoint is stored at or after size \(size)")
        }
        let later = try SignedCheckpoint(parsing: String(decoding: value, as: UTF8.self))
        do {
            try later.verify(with: verifierKey, origin: origin)
            let proof = try MerkleTree.consistencyProof(from: size, to: later.checkpoint.size) { level, index in
                try storedNode(level: level, index: index, txn: txn)
            }
            try MerkleTree.verifyConsistency(
                size1: size,
                size2: later.checkpoint.size,
                root1: root,
                root2: later.checkpoint.rootHash,
                proof: proof
            )
        } catch let error as LedgerError {
            throw LedgerError(
                code: .corruptLedger,
                message:
                    "the stored tree at size \(size) does not lead to the checkpoint signed at size \(later.checkpoint.size) (\(error.message)); nothing was signed: run `celltrace verify`"
            )
        }
    }

    /// An inclusion proof for one entry in the C2SP tlog-proof text format, with its checkpoint.
    ///
    /// - Parameters:
    ///   - sequenceNumber: The entry.
    ///   - treeSize: The tree size to prove against; `nil` for the current size.
    /// - Returns: The proof, checkable offline with the ledger's verifier key.
    /// - Throws: ``LedgerError/Code/notFound`` when the entry is not inside that tree.
    public func inclusionProof(forEntryAt sequenceNumber: UInt64, treeSize: UInt64? = nil) throws -> InclusionProofText
    {
        try Self.wrapStorage {
            try environment.read { txn in
                let checkpoint = try checkpoint(atSize: treeSize, txn: txn)
                let size = checkpoint.checkpoint.size
                guard sequenceNumber < size else {
                    throw LedgerError(
                        code: .notFound,
                        message: "entry \(sequenceNumber) is not in a tree of size \(size)"
                    )
                }
                let hashes = try MerkleTree.inclusionProof(index: sequenceNumber, size: size) { level, index in
                    try storedNode(level: level, index: index, txn: txn)
                }
                return try InclusionProofText(index: sequenceNumber, hashes: hashes, checkpoint: checkpoint)
            }
        }
    }

    /// The inclusion proofs of several entries in the tree of `treeSize` leaves, read in one
    /// transaction (RFC 9162 §2.1.3 audit paths, from the leaf up).
    ///
    /// - Parameters:
    ///   - sequenceNumbers: The entries.
    ///   - treeSize: The tree size; every entry must be inside it.
    /// - Returns: Each entry's proof hashes, in the order asked.
    /// - Throws: ``LedgerError/Code/notFound`` when an entry is outside the tree or the ledger is
    ///   smaller than `treeSize`.
    public func inclusionProofs(forEntriesAt sequenceNumbers: [UInt64], treeSize: UInt64) throws -> [[SHA256Digest]] {
        try Self.wrapStorage {
            try environment.read { txn in
                try requireSize(treeSize, txn: txn)
                return try sequenceNumbers.map { sequenceNumber in
                    guard sequenceNumber < treeSize else {
                        throw LedgerError(
                            code: .notFound,
                            message: "entry \(sequenceNumber) is not in a tree of size \(treeSize)"
                        )
                    }
                    return try MerkleTree.inclusionProof(index: sequenceNumber, size: treeSize) { level, index in
                        try storedNode(level: level, index: index, txn: txn)
                    }
                }
            }
        }
    }

    /// A consistency proof between two tree sizes (RFC 9162 §2.1.4).
    ///
    /// - Parameters:
    ///   - oldSize: The earlier size, at least 1.
    ///   - newSize: The later size, no larger than the ledger.
    /// - Returns: The proof's hashes.
    /// - Throws: ``LedgerError/Code/invalidInput`` for sizes out of order; ``LedgerError/Code/notFound``.
    public func consistencyProof(from oldSize: UInt64, to newSize: UInt64) throws -> [SHA256Digest] {
        guard oldSize >= 1, oldSize <= newSize else {
            throw LedgerError(
                code: .invalidInput,
                message: "a consistency proof needs 1 ≤ from ≤ to (got \(oldSize) and \(newSize))"
            )
        }
        return try Self.wrapStorage {
            try environment.read { txn in
                try requireSize(newSize, txn: txn)
                return try MerkleTree.consistencyProof(from: oldSize, to: newSize) { level, index in
                    try storedNode(level: level, index: index, txn: txn)
                }
            }
        }
    }

    private func requireSize(_ size: UInt64, txn: borrowing ReadTransaction) throws {
        let current = UInt64(try txn.count(tables.entries))
        guard size <= current else {
            throw LedgerError(code: .notFound, message: "the ledger has \(current) entries, fewer than \(size)")
        }
    }
}

extension Ledger {
    /// The prefix every statement the ledger key signs besides checkpoints starts with.
    public static let statementPrefix = "celltrace-"

    /// Signs a statement about the ledger's content (a custody bundle's digest, say) with the
    /// ledger's key, as a C2SP signed note.
    ///
    /// The text must start with ``statementPrefix`` and a format name on its own line, so that no
    /// statement can be read as a checkpoint (whose first line is the origin and second a size).
    ///
    /// - Parameter text: The note text, ending in a newline.
    /// - Returns: The signed note.
    /// - Throws: ``LedgerError/Code/invalidInput`` for a text that does not start that way.
    public func signStatement(_ text: String) throws -> SignedNote {
        guard text.hasPrefix(Self.statementPrefix), let firstLine = text.split(separator: "\n").first,
            firstLine.contains("/"), !firstLine.contains(" ")
        else {
            throw LedgerError(
                code: .invalidInput,
                message: "a statement starts with a line such as \(Self.statementPrefix)custody/1"
            )
        }
        return try signer.sign(text)
    }
}
