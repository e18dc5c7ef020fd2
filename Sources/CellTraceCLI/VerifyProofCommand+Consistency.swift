import LedgerCore
import LedgerCrypto

/// `celltrace verify-proof PROOF --old OLD --checkpoint NEW`: a consistency proof, checked offline.
extension VerifyProofCommand {
    /// A tree the later checkpoint must extend: its origin, size and root, and where they came from.
    struct OldTree {
        var origin: String
        var size: UInt64
        var root: SHA256Digest
        /// `checkpoint` for a signed checkpoint, `export's ledger member` for an export's.
        var source: String
        /// The signed checkpoint, whose signature is still to be checked; `nil` for an export's.
        var signed: SignedCheckpoint?
    }

    /// Checks that the signed checkpoint in `newPath` extends the tree `oldPath` names, through the
    /// consistency proof in `proof` (what `celltrace prove consistency` prints, as text or `--json`).
    ///
    /// Input that has not the form of a proof, a checkpoint or an export is bad input (exit 2);
    /// a signature, an origin, a size or a root that does not hold is a failed verification (exit 1).
    func verifyConsistency(oldPath: String, newPath: String, key: NoteVerifierKey) throws {
        let (hashes, claims) = try Self.consistencyProof(try Self.text(proof, "consistency proof"), path: proof)
        let old = try Self.oldTree(try Self.text(oldPath, "old checkpoint or export"), path: oldPath)
        let newBytes = try InputFile.read(newPath)
        let new: SignedCheckpoint
        do {
            new = try SignedCheckpoint(parsing: newBytes)
        } catch {
            throw Failure.badInput("\(newPath) is not a signed checkpoint: \(error)")
        }
        do {
            try new.verify(with: key)
        } catch let error as LedgerError {
            throw Failure.verificationFailed(
                "\(newPath): the checkpoint is not signed by \(key.name): \(error.message)"
            )
        }
        if let signed = old.signed {
            do {
                try signed.verify(with: key)
            } catch let error as LedgerError {
                throw Failure.verificationFailed(
                    "\(oldPath): the old checkpoint is not signed by \(key.name): \(error.message)"
                )
            }
        }
        guard old.origin.utf8.elementsEqual(key.name.utf8) else {
            throw Failure.verificationFailed(
                "\(oldPath): the old tree is of origin \"\(old.origin)\", not the vkey's \"\(key.name)\""
            )
        }
        let size = new.checkpoint.size
        let root = new.checkpoint.rootHash
        if let claims {
            // The proof's own sizes and roots are not trusted, but they must be the two compared.
            let mismatch =
                if claims.from != old.size {
                    "it is from size \(claims.from), not the old size \(old.size)"
                } else if claims.to != size {
                    "it is to size \(claims.to), not the checkpoint's size \(size)"
                } else if claims.root1 != old.root {
                    "its root1 is not the old root \(old.root.base64)"
                } else if claims.root2 != root {
                    "its root2 is not the checkpoint's root"
                } else {
                    String?.none
                }
            if let mismatch { throw Failure.verificationFailed("\(proof): \(mismatch)") }
        }
        guard old.size <= size else {
            throw Failure.verificationFailed(
                "\(newPath): the checkpoint (size \(size)) is older than the old tree (size \(old.size)); "
                    + "check against a checkpoint of size \(old.size) or more"
            )
        }
        do {
            try MerkleTree.verifyConsistency(size1: old.size, size2: size, root1: old.root, root2: root, proof: hashes)
        } catch let error as LedgerError {
            throw Failure.verificationFailed(
                "\(proof): the ledger at size \(size) is not shown to extend the tree of size \(old.size): \(error.message)"
            )
        }
        if json {
            Console.out(
                JSONValue.object([
                    "verified": true, "consistent": true, "origin": .string(new.checkpoint.origin),
                    "from": .number(Double(old.size)), "to": .number(Double(size)),
                    "root1": .string(old.root.base64), "root2": .string(root.base64),
                ]).canonicalString
            )
        } else {
            Console.out(
                Console.styled("OK", .green, .bold)
                    + ": \(new.checkpoint.origin) at size \(size) extends its tree of size \(old.size), root "
                    + "\(old.root.base64) (from the old \(old.source)); checkpoint signed by \(key.name)"
            )
        }
    }

    /// The file's text, refused as bad input when it is not UTF-8.
    static func text(_ path: String, _ what: String) throws -> String {
        let bytes = try InputFile.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Failure.badInput("\(path): not UTF-8 text, so not a \(what)")
        }
        return text
    }

    /// The proof's hashes and, for the `--json` form, the sizes and roots it says it is between.
    static func consistencyProof(
        _ text: String,
        path: String
    ) throws -> (hashes: [SHA256Digest], claims: (from: UInt64, to: UInt64, root1: SHA256Digest, root2: SHA256Digest)?)
    {
        if text.first == "{" {
            guard let json = try? JSONValue(parsing: text),
                let from = json["from"]?.doubleValue.flatMap(UInt64.init(exactly:)),
                let to = json["to"]?.doubleValue.flatMap(UInt64.init(exactly:)),
                let root1 = json["root1"]?.stringValue.flatMap({ SHA256Digest(base64: $0) }),
                let root2 = json["root2"]?.stringValue.flatMap({ SHA256Digest(base64: $0) }),
                let items = json["proof"]?.arrayValue
            else {
                throw Failure.badInput(
                    "\(path): not a consistency proof: JSON needs from, to, root1, root2 and proof, as "
                        + "`celltrace prove consistency --json` writes them"
                )
            }
            guard items.count <= 128 else { throw Failure.badInput("\(path): \(Self.tooManyHashes)") }
            let hashes = items.compactMap { $0.stringValue.flatMap { SHA256Digest(base64: $0) } }
            guard hashes.count == items.count else {
                throw Failure.badInput(
                    "\(path): not a consistency proof: a proof item is not the base64 of a 32-byte hash"
                )
            }
            return (hashes, (from, to, root1, root2))
        }
        guard text.isEmpty || text.hasSuffix("\n") else {
            throw Failure.badInput("\(path): not a consistency proof: its last line has no newline")
        }
        var hashes: [SHA256Digest] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            guard hashes.count < 128 else { throw Failure.badInput("\(path): \(Self.tooManyHashes)") }
            guard let hash = SHA256Digest(base64: line) else {
                throw Failure.badInput(
                    "\(path): not a consistency proof: line \(number + 1) is not the base64 of a 32-byte hash"
                )
            }
            hashes.append(hash)
        }
        return (hashes, nil)
    }

    /// A proof longer than any tree of up to 2^64 entries needs (RFC 9162 §2.1.4: at most two
    /// hashes a level).
    static let tooManyHashes = "not a consistency proof: it has more than 128 hashes, more than any ledger's needs"

    /// The old tree: a signed checkpoint, which must be the ledger key's, or an export's (PACT
    /// footprint, battery passport) `ledger` member, `{"origin", "size", "rootHash", "time"}`.
    static func oldTree(_ text: String, path: String) throws -> OldTree {
        guard text.first == "{" else {
            let kept: SignedCheckpoint
            do {
                kept = try SignedCheckpoint(parsing: text)
            } catch {
                throw Failure.badInput("\(path) is neither a signed checkpoint nor a JSON export: \(error)")
            }
            let checkpoint = kept.checkpoint
            return OldTree(
                origin: checkpoint.origin,
                size: checkpoint.size,
                root: checkpoint.rootHash,
                source: "checkpoint",
                signed: kept
            )
        }
        guard let json = try? JSONValue(parsing: text) else {
            throw Failure.badInput("\(path) is neither a signed checkpoint nor JSON")
        }
        var found: [OldTree] = []
        func search(_ value: JSONValue) {
            if let members = value.objectValue {
                for (name, member) in members {
                    if name == "ledger", let tree = ledgerMember(member),
                        !found.contains(where: { $0.root == tree.root && $0.size == tree.size })
                    {
                        found.append(tree)
                    }
                    search(member)
                }
            } else if let elements = value.arrayValue {
                elements.forEach(search)
            }
        }
        search(json)
        guard found.count == 1, let tree = found.first else {
            throw Failure.badInput(
                found.isEmpty
                    ? "\(path) holds no ledger member with origin, size and rootHash (a PACT footprint or battery passport has one)"
                    : "\(path) holds \(found.count) ledger members of different trees; give one as a file of its own"
            )
        }
        return tree
    }

    /// An export's `ledger` member: `size` a decimal string, `rootHash` the base64 of 32 bytes.
    private static func ledgerMember(_ value: JSONValue) -> OldTree? {
        guard let origin = value["origin"]?.stringValue, let sizeText = value["size"]?.stringValue,
            let root = value["rootHash"]?.stringValue.flatMap({ SHA256Digest(base64: $0) }),
            sizeText.utf8.allSatisfy({ (0x30...0x39).contains($0) }), sizeText == "0" || !sizeText.hasPrefix("0"),
            let size = UInt64(sizeText)
        else { return nil }
        return OldTree(origin: origin, size: size, root: root, source: "export's ledger member", signed: nil)
    }
}
