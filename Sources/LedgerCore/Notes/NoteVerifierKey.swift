public import LedgerCrypto

/// An Ed25519 verifier key for C2SP signed notes: a key name, its key ID and the public key.
///
/// Its text form, the *vkey*, is `name+hex(key ID)+base64(0x01 ‖ public key)`:
///
/// ```
/// example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k
/// ```
///
/// The key ID is the first four bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
/// Names never contain "+", but base64 may, so parsing splits at the first two "+" only.
///
/// Names compare by their UTF-8 bytes, not by Unicode canonical equivalence, as in a signature line.
public struct NoteVerifierKey: Sendable {
    /// The key name, as it appears in signature lines, for example `example.com/foo`.
    public let name: String
    /// The 32-bit key ID that signature lines carry before the signature.
    public let keyID: UInt32
    /// The Ed25519 public key.
    public let publicKey: Ed25519PublicKey

    /// The signature type byte for Ed25519 in signed notes.
    static let ed25519Type: UInt8 = 0x01

    /// Creates the verifier key of a named Ed25519 public key.
    ///
    /// - Parameters:
    ///   - name: The key name: not empty, no Unicode white space and no "+".
    ///   - publicKey: The public key.
    /// - Throws: ``LedgerError/Code/invalidInput`` when the name is not a valid key name.
    public init(name: String, publicKey: Ed25519PublicKey) throws {
        guard NoteSyntax.isValidKeyName(name) else {
            throw NoteSyntax.invalidInput("a note key name must be non-empty, without spaces or \"+\", not \"\(name)\"")
        }
        self.name = name
        self.publicKey = publicKey
        self.keyID = Self.keyID(name: name, publicKey: publicKey)
    }

    /// Parses a vkey, `name+hex8+base64(0x01 ‖ public key)`.
    ///
    /// The key ID must be eight lower-case hexadecimal digits and must match the one computed from
    /// the name and key, and the key must be Ed25519 (type byte 0x01).
    ///
    /// - Parameter text: The vkey.
    /// - Throws: ``LedgerError/Code/invalidInput`` naming what is wrong.
    public init(parsing text: String) throws {
        let bytes = Array(text.utf8)
        guard let firstPlus = bytes.firstIndex(of: NoteSyntax.plus),
            let secondPlus = bytes[(firstPlus + 1)...].firstIndex(of: NoteSyntax.plus)
        else {
            throw NoteSyntax.invalidInput("a vkey has the form name+keyid+key, with two \"+\" at least")
        }
        let name = String(decoding: bytes[..<firstPlus], as: UTF8.self)
        let idText = bytes[(firstPlus + 1)..<secondPlus]
        let keyText = String(decoding: bytes[(secondPlus + 1)...], as: UTF8.self)
        guard NoteSyntax.isValidKeyName(name) else {
            throw NoteSyntax.invalidInput("the vkey's key name \"\(name)\" is empty or holds spaces")
        }
        guard idText.count == 8, idText.allSatisfy(Self.isLowerHex),
            let idBytes = HexCoding.decode(String(decoding: idText, as: UTF8.self))
        else {
            throw NoteSyntax.invalidInput("the vkey for \(name) has a key ID that is not 8 lower-case hex digits")
        }
        guard let keyBytes = Base64.decode(keyText), let type = keyBytes.first else {
            throw NoteSyntax.invalidInput("the vkey for \(name) has a key that is not base64")
        }
        guard type == Self.ed25519Type else {
            throw NoteSyntax.invalidInput(
                "the vkey for \(name) has signature type \(type); only Ed25519 (1) is supported"
            )
        }
        let publicKey: Ed25519PublicKey
        do {
            publicKey = try Ed25519PublicKey(rawRepresentation: keyBytes.dropFirst())
        } catch {
            throw LedgerError(
                code: .invalidInput,
                message: "the vkey for \(name) has no Ed25519 public key",
                cause: error
            )
        }
        try self.init(name: name, publicKey: publicKey)
        let claimed = idBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard claimed == keyID else {
            throw NoteSyntax.invalidInput(
                "the vkey for \(name) claims key ID \(Self.hex(claimed)), but its name and key give \(Self.hex(keyID))"
            )
        }
    }
}

extension NoteVerifierKey {
    /// The vkey text, `name+hex8+base64(0x01 ‖ public key)`.
    public var text: String {
        "\(name)+\(Self.hex(keyID))+\(Base64.encode([Self.ed25519Type] + publicKey.rawRepresentation))"
    }

    /// Whether this key made a signature line: same name bytes and same key ID.
    func matches(_ signature: SignedNote.Signature) -> Bool {
        keyID == signature.keyID && name.utf8.elementsEqual(signature.name.utf8)
    }

    /// SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[0..<4], big-endian (signed-note §Ed25519 signatures).
    static func keyID(name: String, publicKey: Ed25519PublicKey) -> UInt32 {
        var hasher = SHA256Hasher()
        hasher.update(Array(name.utf8))
        hasher.update(byte: 0x0A)
        hasher.update(byte: ed25519Type)
        hasher.update(publicKey.rawRepresentation)
        return hasher.finalize().bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Eight lower-case hexadecimal digits.
    static func hex(_ keyID: UInt32) -> String {
        HexCoding.encode([UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xff), UInt8(keyID >> 8 & 0xff), UInt8(keyID & 0xff)])
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}

extension NoteVerifierKey: Hashable {
    /// Compares names by UTF-8 bytes, key IDs and public keys.
    public static func == (lhs: NoteVerifierKey, rhs: NoteVerifierKey) -> Bool {
        lhs.keyID == rhs.keyID && lhs.publicKey == rhs.publicKey && lhs.name.utf8.elementsEqual(rhs.name.utf8)
    }

    /// Hashes the name's UTF-8 bytes, the key ID and the public key.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(keyID)
        hasher.combine(publicKey)
        for byte in name.utf8 {
            hasher.combine(byte)
        }
    }
}

extension NoteVerifierKey: CustomStringConvertible {
    /// The vkey text.
    public var description: String { text }
}
