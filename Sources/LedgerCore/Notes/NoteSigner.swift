public import LedgerCrypto

/// A named Ed25519 key that signs C2SP notes.
///
/// ```swift
/// let signer = try NoteSigner(name: "ledger.example.com/battery/2026", privateKey: key)
/// let note = try signer.sign("hello\n")
/// try note.verify(with: [signer.verifierKey])
/// ```
public struct NoteSigner: Sendable {
    /// The key name that signature lines carry.
    public let name: String
    /// The private key.
    let privateKey: Ed25519PrivateKey
    /// The verifier key that checks this signer's signatures; publish its ``NoteVerifierKey/text``.
    public let verifierKey: NoteVerifierKey

    /// Creates a signer.
    ///
    /// - Parameters:
    ///   - name: The key name: not empty, no Unicode white space and no "+". For checkpoints, the
    ///     log's origin.
    ///   - privateKey: The Ed25519 private key.
    /// - Throws: ``LedgerError/Code/invalidInput`` when the name is not a valid key name.
    public init(name: String, privateKey: Ed25519PrivateKey) throws {
        self.name = name
        self.privateKey = privateKey
        self.verifierKey = try NoteVerifierKey(name: name, publicKey: privateKey.publicKey)
    }
}

extension NoteSigner {
    /// The key ID that signature lines carry.
    public var keyID: UInt32 { verifierKey.keyID }

    /// Signs a text and returns it as a note with this one signature.
    ///
    /// - Parameter text: The note text: ending in a newline, UTF-8 with no control characters but newline.
    /// - Returns: The signed note.
    /// - Throws: ``LedgerError/Code/invalidInput`` when the text breaks the format, or
    ///   ``LedgerError/Code/crypto`` when signing fails.
    public func sign(_ text: String) throws -> SignedNote {
        try SignedNote(text: text, signatures: [signature(for: text)])
    }

    /// Adds this signer's signature to a note, replacing any earlier one by the same key.
    ///
    /// This is how a note gains cosignatures or a signature by a new key during rotation.
    ///
    /// - Parameter note: The note to sign.
    /// - Returns: The note with this signer's signature last.
    /// - Throws: ``LedgerError/Code/invalidInput`` when the note already has the most signatures
    ///   allowed, or ``LedgerError/Code/crypto`` when signing fails.
    public func cosign(_ note: SignedNote) throws -> SignedNote {
        let others = note.signatures.filter { !verifierKey.matches($0) }
        return try SignedNote(text: note.text, signatures: others + [signature(for: note.text)])
    }

    /// Signs a note text and returns the signature line.
    ///
    /// - Parameter text: The note text: ending in a newline, UTF-8 with no control characters but newline.
    /// - Returns: The signature line.
    /// - Throws: ``LedgerError/Code/invalidInput`` when the text breaks the format, or
    ///   ``LedgerError/Code/crypto`` when signing fails.
    public func signature(for text: String) throws -> SignedNote.Signature {
        try SignedNote.checkText(text)
        let bytes: [UInt8]
        do {
            bytes = try privateKey.signature(for: Array(text.utf8))
        } catch {
            throw LedgerError(code: .crypto, message: "signing a note as \(name) failed", cause: error)
        }
        return try SignedNote.Signature(name: name, keyID: keyID, bytes: bytes)
    }
}
