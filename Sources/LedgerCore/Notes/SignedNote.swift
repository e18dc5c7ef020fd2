internal import LedgerCrypto

/// A C2SP signed note: a text and one or more signature lines (c2sp.org/signed-note).
///
/// ```
/// This is an example message.
///
/// — example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=
/// ```
///
/// The text ends with a newline and is separated from the signatures by the last blank line. Each
/// signature line is an em dash, a space, the key name, a space and the base64 of the 4-byte key ID
/// followed by the signature. A note is UTF-8 with no control characters but newline.
///
/// Parsing is strict and canonical: it accepts only text that ``formatted`` reproduces byte for
/// byte. It does not check signatures; ``verify(with:)`` does, and a note's text means nothing
/// until it has.
///
/// Texts and names compare by UTF-8 bytes, not by Unicode canonical equivalence, because the
/// signature covers the bytes.
public struct SignedNote: Sendable {
    /// The note text: every line before the separating blank line, each ending in a newline.
    public let text: String
    /// The signature lines, in order.
    public let signatures: [Signature]

    /// The most signature lines a note may have.
    ///
    /// The spec asks verifiers to accept at least 16; 100 leaves room for witnesses and key rotation.
    public static let maximumSignatureCount = 100

    /// Creates a note from a text and its signatures.
    ///
    /// - Parameters:
    ///   - text: The note text: non-empty, ending in a newline, UTF-8 with no control characters but newline.
    ///   - signatures: At least one and at most ``maximumSignatureCount`` signatures.
    /// - Throws: ``LedgerError/Code/invalidInput`` when the text or the signature count breaks the
    ///   format, or the note would be longer than 1 MiB.
    public init(text: String, signatures: [Signature]) throws {
        try Self.checkText(text)
        guard !signatures.isEmpty, signatures.count <= Self.maximumSignatureCount else {
            throw NoteSyntax.invalidInput(
                "a signed note needs 1 to \(Self.maximumSignatureCount) signatures, not \(signatures.count)"
            )
        }
        self.text = text
        self.signatures = signatures
        // What we write must be what we accept: the whole note, signatures included, within the limit.
        guard formatted.utf8.count <= NoteSyntax.maximumSize else {
            throw NoteSyntax.invalidInput("the signed note would be longer than \(NoteSyntax.maximumSize) bytes")
        }
    }

    /// Parses a signed note from its text form.
    ///
    /// - Parameter note: The whole note, signatures included.
    /// - Throws: ``LedgerError/Code/invalidProof`` naming what breaks the format.
    public init(parsing note: String) throws {
        try self.init(parsing: Array(note.utf8))
    }

    /// Parses a signed note from its UTF-8 bytes.
    ///
    /// - Parameter bytes: The whole note, signatures included.
    /// - Throws: ``LedgerError/Code/invalidProof`` naming what breaks the format, including bytes
    ///   that are not UTF-8.
    public init(parsing bytes: some Collection<UInt8>) throws {
        let bytes = Array(bytes)
        _ = try NoteSyntax.validatedText(bytes, what: "signed note")
        // The text ends at the first newline of the last "\n\n"; the signature block follows it.
        guard let split = Self.lastBlankLine(in: bytes) else {
            throw NoteSyntax.malformed("the signed note has no blank line before its signatures")
        }
        let textBytes = bytes[...split]
        let block = bytes[(split + 2)...]
        guard block.last == NoteSyntax.newline else {
            throw NoteSyntax.malformed("the signed note does not end with a signature line and a newline")
        }
        let lines = NoteSyntax.lines(block)
        guard lines.count <= Self.maximumSignatureCount else {
            throw NoteSyntax.malformed(
                "the signed note has \(lines.count) signature lines, more than the \(Self.maximumSignatureCount) accepted"
            )
        }
        self.text = String(decoding: textBytes, as: UTF8.self)
        self.signatures = try lines.enumerated().map { try Signature(parsingLine: $1, number: $0 + 1) }
    }

    /// The position of the first newline of the last "\n\n" in `bytes`.
    private static func lastBlankLine(in bytes: [UInt8]) -> Int? {
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == NoteSyntax.newline && bytes[index + 1] == NoteSyntax.newline {
                return index
            }
            index -= 1
        }
        return nil
    }

    /// Checks a note text: non-empty, ending in a newline, within the size limit, no control characters.
    static func checkText(_ text: String) throws {
        guard text.utf8.last == NoteSyntax.newline else {
            throw NoteSyntax.invalidInput("a note text must end with a newline")
        }
        do {
            _ = try NoteSyntax.validatedText(text.utf8, what: "note text")
        } catch let error as LedgerError {
            throw NoteSyntax.invalidInput(error.message)
        }
    }
}

extension SignedNote {
    /// One signature line of a note: `— name base64(key ID ‖ signature)`.
    public struct Signature: Sendable {
        /// The signing key's name.
        public let name: String
        /// The signing key's 32-bit ID.
        public let keyID: UInt32
        /// The signature bytes after the key ID: 64 bytes for Ed25519, but any non-empty length for
        /// signature types this code does not know.
        public let bytes: [UInt8]

        /// Creates a signature line.
        ///
        /// - Parameters:
        ///   - name: The key name: not empty, no Unicode white space and no "+".
        ///   - keyID: The key ID.
        ///   - bytes: The signature, at least one byte.
        /// - Throws: ``LedgerError/Code/invalidInput`` when the name or the signature is empty or invalid.
        public init(name: String, keyID: UInt32, bytes: [UInt8]) throws {
            guard NoteSyntax.isValidKeyName(name) else {
                throw NoteSyntax.invalidInput(
                    "a note key name must be non-empty, without spaces or \"+\", not \"\(name)\""
                )
            }
            guard !bytes.isEmpty else {
                throw NoteSyntax.invalidInput("the signature of \(name) is empty")
            }
            self.name = name
            self.keyID = keyID
            self.bytes = bytes
        }

        /// The UTF-8 of "— " (U+2014 EM DASH, then a space) that starts every signature line.
        static let prefix: [UInt8] = [0xE2, 0x80, 0x94, 0x20]

        /// Parses one signature line, without its newline.
        init(parsingLine line: ArraySlice<UInt8>, number: Int) throws {
            guard line.starts(with: Self.prefix) else {
                throw NoteSyntax.malformed("signature line \(number) does not start with an em dash and a space")
            }
            let rest = line.dropFirst(Self.prefix.count)
            guard let space = rest.firstIndex(of: NoteSyntax.space) else {
                throw NoteSyntax.malformed("signature line \(number) has no space between key name and signature")
            }
            let name = String(decoding: rest[..<space], as: UTF8.self)
            guard NoteSyntax.isValidKeyName(name) else {
                throw NoteSyntax.malformed("signature line \(number) has an empty or invalid key name")
            }
            let encoded = String(decoding: rest[(space + 1)...], as: UTF8.self)
            guard let decoded = Base64.decode(encoded) else {
                throw NoteSyntax.malformed("the signature of \(name) on line \(number) is not canonical base64")
            }
            guard decoded.count >= 5 else {
                throw NoteSyntax.malformed(
                    "the signature of \(name) on line \(number) is shorter than a key ID and one byte"
                )
            }
            self.name = name
            self.keyID = decoded.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            self.bytes = Array(decoded.dropFirst(4))
        }

        /// The line, without its newline.
        var line: String {
            let id = [UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xff), UInt8(keyID >> 8 & 0xff), UInt8(keyID & 0xff)]
            return "— \(name) \(Base64.encode(id + bytes))"
        }
    }
}

extension SignedNote {
    /// The note in its text form: text, blank line, one line per signature.
    public var formatted: String {
        var result = text
        result += "\n"
        for signature in signatures {
            result += signature.line
            result += "\n"
        }
        return result
    }

    /// Verifies the note against a set of trusted keys (signed-note §Signatures).
    ///
    /// Signature lines whose (name, key ID) no key matches are ignored, so a note can carry
    /// witness cosignatures and signatures of other key types. Every line that a key does match
    /// must verify.
    ///
    /// - Parameter keys: The trusted keys.
    /// - Returns: The keys whose signatures verified, each once, in the order of `keys`.
    /// - Throws: ``LedgerError/Code/invalidSignature`` when a known key's signature fails, or when
    ///   no known key signed the note; ``LedgerError/Code/invalidInput`` when two different keys
    ///   share a name and key ID.
    @discardableResult
    public func verify(with keys: [NoteVerifierKey]) throws -> [NoteVerifierKey] {
        let message = Array(text.utf8)
        var verified: Set<NoteVerifierKey> = []
        for signature in signatures {
            let matching = keys.filter { $0.matches(signature) }
            guard let key = matching.first else { continue }
            guard matching.allSatisfy({ $0 == key }) else {
                throw NoteSyntax.invalidInput(
                    "two trusted keys share the name \(key.name) and key ID \(NoteVerifierKey.hex(key.keyID))"
                )
            }
            guard key.publicKey.isValidSignature(signature.bytes, for: message) else {
                throw LedgerError(
                    code: .invalidSignature,
                    message:
                        "the signature of \(key.name)+\(NoteVerifierKey.hex(key.keyID)) on the note does not verify"
                )
            }
            verified.insert(key)
        }
        guard !verified.isEmpty else {
            let names = keys.map(\.name).joined(separator: ", ")
            throw LedgerError(
                code: .invalidSignature,
                message:
                    "no trusted key (\(names)) signed the note; it has \(signatures.count) "
                    + "signature\(signatures.count == 1 ? "" : "s") by other keys: check that the key given is this "
                    + "ledger's (`celltrace key` prints it)"
            )
        }
        var seen: Set<NoteVerifierKey> = []
        return keys.filter { verified.contains($0) && seen.insert($0).inserted }
    }
}

extension SignedNote: Hashable {
    /// Compares texts by UTF-8 bytes, and signatures.
    public static func == (lhs: SignedNote, rhs: SignedNote) -> Bool {
        lhs.text.utf8.elementsEqual(rhs.text.utf8) && lhs.signatures == rhs.signatures
    }

    /// Hashes the text's UTF-8 bytes and the signatures.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(Array(text.utf8))
        hasher.combine(signatures)
    }
}

extension SignedNote.Signature: Hashable {
    /// Compares names by UTF-8 bytes, key IDs and signature bytes.
    public static func == (lhs: SignedNote.Signature, rhs: SignedNote.Signature) -> Bool {
        lhs.keyID == rhs.keyID && lhs.bytes == rhs.bytes && lhs.name.utf8.elementsEqual(rhs.name.utf8)
    }

    /// Hashes the name's UTF-8 bytes, the key ID and the signature bytes.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(Array(name.utf8))
        hasher.combine(keyID)
        hasher.combine(bytes)
    }
}

extension SignedNote: CustomStringConvertible {
    /// The formatted note.
    public var description: String { formatted }
}
