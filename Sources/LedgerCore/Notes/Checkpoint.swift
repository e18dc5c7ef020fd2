public import LedgerCrypto

/// A transparency-log checkpoint: the note text that commits to a tree size and root (c2sp.org/tlog-checkpoint).
///
/// ```
/// example.com/behind-the-sofa
/// 20852163
/// CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
/// ```
///
/// The lines are the origin (the log's identity), the tree size in decimal without leading zeros,
/// the base64 root hash, and optional non-empty extension lines. ``SignedCheckpoint`` adds the
/// signatures.
public struct Checkpoint: Sendable {
    /// The log's identity, for example `ledger.example.com/battery/2026`.
    public let origin: String
    /// The number of leaves in the tree.
    public let size: UInt64
    /// The tree's RFC 9162 root hash.
    public let rootHash: SHA256Digest
    /// Opaque extra lines after the root hash; C2SP recommends none.
    public let extensionLines: [String]

    /// Creates a checkpoint.
    ///
    /// - Parameters:
    ///   - origin: The log's identity: a non-empty line.
    ///   - size: The number of leaves.
    ///   - rootHash: The root hash at `size`.
    ///   - extensionLines: Extra non-empty lines, usually none.
    /// - Throws: ``LedgerError/Code/invalidInput`` when the origin or an extension line is empty or
    ///   holds a newline or other control character.
    public init(origin: String, size: UInt64, rootHash: SHA256Digest, extensionLines: [String] = []) throws {
        guard NoteSyntax.isSingleLine(origin) else {
            throw NoteSyntax.invalidInput("a checkpoint origin must be one non-empty line without control characters")
        }
        for (number, line) in extensionLines.enumerated() where !NoteSyntax.isSingleLine(line) {
            throw NoteSyntax.invalidInput(
                "checkpoint extension line \(number + 1) must be one non-empty line without control characters"
            )
        }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensionLines = extensionLines
    }

    /// Parses a checkpoint's note text.
    ///
    /// - Parameter noteText: The text of the checkpoint note, ending in a newline, without signatures.
    /// - Throws: ``LedgerError/Code/invalidProof`` naming the line that breaks the format.
    public init(noteText: String) throws {
        let bytes = Array(noteText.utf8)
        _ = try NoteSyntax.validatedText(bytes, what: "checkpoint")
        guard bytes.last == NoteSyntax.newline else {
            throw NoteSyntax.malformed("the checkpoint text does not end with a newline")
        }
        let lines = NoteSyntax.lines(bytes[...])
        guard lines.count >= 3 else {
            throw NoteSyntax.malformed("a checkpoint has at least 3 lines (origin, size, root), not \(lines.count)")
        }
        if let empty = lines.firstIndex(where: \.isEmpty) {
            throw NoteSyntax.malformed("checkpoint line \(empty + 1) is empty")
        }
        guard let size = NoteSyntax.decimal(lines[1]) else {
            throw NoteSyntax.malformed("the checkpoint size is not a decimal without leading zeros that fits 64 bits")
        }
        guard let rootHash = SHA256Digest(base64: String(decoding: lines[2], as: UTF8.self)) else {
            throw NoteSyntax.malformed("the checkpoint root hash is not the canonical base64 of 32 bytes")
        }
        self.origin = String(decoding: lines[0], as: UTF8.self)
        self.size = size
        self.rootHash = rootHash
        self.extensionLines = lines.dropFirst(3).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension Checkpoint {
    /// The note text: origin, size, base64 root and extension lines, each ending in a newline.
    public var noteText: String {
        var text = "\(origin)\n\(size)\n\(rootHash.base64)\n"
        for line in extensionLines {
            text += line
            text += "\n"
        }
        return text
    }
}

extension Checkpoint: Hashable {
    /// Compares origins and extension lines by UTF-8 bytes, sizes and root hashes.
    public static func == (lhs: Checkpoint, rhs: Checkpoint) -> Bool {
        lhs.noteText.utf8.elementsEqual(rhs.noteText.utf8)
    }

    /// Hashes the note text's UTF-8 bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(Array(noteText.utf8))
    }
}
