public import LedgerCrypto

/// An offline-verifiable inclusion proof in the C2SP tlog-proof text format (c2sp.org/tlog-proof).
///
/// ```
/// c2sp.org/tlog-proof@v1
/// extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
/// index 73894
/// gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
/// B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
///
/// example.com/fancylog
/// 109482
/// sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=
///
/// — example.com/fancylog hI2DJw…
/// ```
///
/// The lines are the version, optional unauthenticated extra data, the 0-based leaf index, the
/// inclusion proof hashes leaf level first, a blank line, and the signed checkpoint verbatim.
public struct InclusionProofText: Sendable, Hashable {
    /// The first line of every proof in this format.
    public static let header = "c2sp.org/tlog-proof@v1"

    /// The most proof hashes accepted: a proof in a tree of up to 2^64 leaves has at most 64.
    public static let maximumHashCount = 64

    /// Opaque application data that the proof carries but does not authenticate; `nil` when absent.
    public let extraData: [UInt8]?
    /// The 0-based index of the leaf.
    public let index: UInt64
    /// The inclusion proof, leaf level first (RFC 9162 §2.1.3).
    public let hashes: [SHA256Digest]
    /// The signed checkpoint whose root the proof leads to.
    public let checkpoint: SignedCheckpoint

    /// Creates a proof.
    ///
    /// - Parameters:
    ///   - index: The leaf's 0-based index.
    ///   - hashes: The inclusion proof, leaf level first; at most ``maximumHashCount``.
    ///   - checkpoint: The signed checkpoint the proof is for.
    ///   - extraData: Optional unauthenticated application data.
    /// - Throws: ``LedgerError/Code/invalidInput`` when there are too many hashes, or the proof text
    ///   would be longer than 1 MiB.
    public init(index: UInt64, hashes: [SHA256Digest], checkpoint: SignedCheckpoint, extraData: [UInt8]? = nil) throws {
        guard hashes.count <= Self.maximumHashCount else {
            throw NoteSyntax.invalidInput(
                "an inclusion proof has at most \(Self.maximumHashCount) hashes, not \(hashes.count)"
            )
        }
        self.index = index
        self.hashes = hashes
        self.checkpoint = checkpoint
        self.extraData = extraData
        // What we write must be what we accept. An upper bound on the text's length settles it
        // without formatting in the common case (proofs are served by the thousand).
        let signatureBytes = checkpoint.note.signatures.reduce(0) { $0 + $1.name.utf8.count + 100 }
        let bound =
            128 + hashes.count * 45 + (extraData?.count ?? 0) * 2 + checkpoint.note.text.utf8.count + signatureBytes
        guard bound <= NoteSyntax.maximumSize || formatted.utf8.count <= NoteSyntax.maximumSize else {
            throw NoteSyntax.invalidInput("the tlog proof would be longer than \(NoteSyntax.maximumSize) bytes")
        }
    }

    /// Parses a proof from its text form.
    ///
    /// - Parameter text: The proof.
    /// - Throws: ``LedgerError/Code/invalidProof`` naming what breaks the format.
    public init(parsing text: String) throws {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses a proof from its UTF-8 bytes.
    ///
    /// - Parameter bytes: The proof.
    /// - Throws: ``LedgerError/Code/invalidProof`` naming what breaks the format, including bytes
    ///   that are not UTF-8.
    public init(parsing bytes: some Collection<UInt8>) throws {
        let bytes = Array(bytes)
        _ = try NoteSyntax.validatedText(bytes, what: "tlog proof")
        var cursor = bytes[...]

        // Takes the next line, without its newline, or fails when there is no complete line left.
        func nextLine(_ what: String) throws -> ArraySlice<UInt8> {
            guard let end = cursor.firstIndex(of: NoteSyntax.newline) else {
                throw NoteSyntax.malformed("the tlog proof ends before its \(what)")
            }
            let line = cursor[..<end]
            cursor = cursor[(end + 1)...]
            return line
        }

        guard try nextLine("header").elementsEqual(Self.header.utf8) else {
            throw NoteSyntax.malformed("a tlog proof starts with the line \(Self.header)")
        }
        var line = try nextLine("index line")
        var extraData: [UInt8]?
        let extraPrefix = Array("extra ".utf8)
        if line.starts(with: extraPrefix) {
            guard let decoded = Base64.decode(String(decoding: line.dropFirst(extraPrefix.count), as: UTF8.self)) else {
                throw NoteSyntax.malformed("the tlog proof's extra data is not canonical base64")
            }
            extraData = decoded
            line = try nextLine("index line")
        }
        let indexPrefix = Array("index ".utf8)
        guard line.starts(with: indexPrefix) else {
            throw NoteSyntax.malformed("the tlog proof has no \"index\" line after its header")
        }
        guard let index = NoteSyntax.decimal(line.dropFirst(indexPrefix.count)) else {
            throw NoteSyntax.malformed(
                "the tlog proof's index is not a decimal without leading zeros that fits 64 bits"
            )
        }
        var hashes: [SHA256Digest] = []
        while true {
            let hashLine = try nextLine("blank line before the checkpoint")
            if hashLine.isEmpty {
                break
            }
            guard hashes.count < Self.maximumHashCount else {
                throw NoteSyntax.malformed("the tlog proof has more than \(Self.maximumHashCount) hashes")
            }
            guard let hash = SHA256Digest(base64: String(decoding: hashLine, as: UTF8.self)) else {
                throw NoteSyntax.malformed(
                    "proof hash \(hashes.count + 1) of the tlog proof is not the canonical base64 of 32 bytes"
                )
            }
            hashes.append(hash)
        }
        let checkpoint = try SignedCheckpoint(parsing: cursor)
        try self.init(index: index, hashes: hashes, checkpoint: checkpoint, extraData: extraData)
    }
}

extension InclusionProofText {
    /// The proof in its text form.
    public var formatted: String {
        var text = Self.header + "\n"
        if let extraData {
            text += "extra \(Base64.encode(extraData))\n"
        }
        text += "index \(index)\n"
        for hash in hashes {
            text += hash.base64
            text += "\n"
        }
        text += "\n"
        text += checkpoint.formatted
        return text
    }

    /// Verifies the proof: the log's key signed the checkpoint, and the leaf is in its tree.
    ///
    /// This is the tlog-proof verification procedure without witness policy: computing the leaf
    /// hash (step 1) is the caller's, and cosignatures are ignored.
    ///
    /// - Parameters:
    ///   - leafHash: The hash of the leaf the caller expects at ``index``, ``MerkleTree/leafHash(_:)``
    ///     of its bytes.
    ///   - logKey: The log's trusted verifier key.
    ///   - origin: The origin the checkpoint must have; `nil` means the key's name.
    /// - Throws: ``LedgerError/Code/invalidSignature`` when the checkpoint's signature fails, or
    ///   ``LedgerError/Code/invalidProof`` when the origin or the inclusion proof is wrong.
    public func verify(leafHash: SHA256Digest, logKey: NoteVerifierKey, origin: String? = nil) throws {
        try checkpoint.verify(with: logKey, origin: origin)
        try MerkleTree.verifyInclusion(
            index: index,
            size: checkpoint.checkpoint.size,
            leafHash: leafHash,
            proof: hashes,
            root: checkpoint.checkpoint.rootHash
        )
    }
}

extension InclusionProofText: CustomStringConvertible {
    /// The formatted proof.
    public var description: String { formatted }
}
