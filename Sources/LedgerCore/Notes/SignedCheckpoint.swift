/// A checkpoint with its signatures: a signed note whose text is a ``Checkpoint``.
///
/// ```swift
/// let signed = try SignedCheckpoint.sign(checkpoint, with: signer)
/// let text = signed.note.formatted               // publish this
/// try SignedCheckpoint(parsing: text).verify(with: signer.verifierKey)
/// ```
public struct SignedCheckpoint: Sendable, Hashable {
    /// The checkpoint the note's text holds.
    public let checkpoint: Checkpoint
    /// The signed note, whose text is ``Checkpoint/noteText``.
    public let note: SignedNote

    /// Reads the checkpoint in a signed note.
    ///
    /// - Parameter note: A note whose text is a checkpoint.
    /// - Throws: ``LedgerError/Code/invalidProof`` when the text is not a checkpoint.
    public init(note: SignedNote) throws {
        self.checkpoint = try Checkpoint(noteText: note.text)
        self.note = note
    }

    /// Parses a signed checkpoint from its text form.
    ///
    /// - Parameter text: The signed note.
    /// - Throws: ``LedgerError/Code/invalidProof`` when the note or the checkpoint breaks its format.
    public init(parsing text: String) throws {
        try self.init(note: SignedNote(parsing: text))
    }

    /// Parses a signed checkpoint from its UTF-8 bytes.
    ///
    /// - Parameter bytes: The signed note.
    /// - Throws: ``LedgerError/Code/invalidProof`` when the note or the checkpoint breaks its format.
    public init(parsing bytes: some Collection<UInt8>) throws {
        try self.init(note: SignedNote(parsing: bytes))
    }
}

extension SignedCheckpoint {
    /// Signs a checkpoint.
    ///
    /// - Parameters:
    ///   - checkpoint: The checkpoint.
    ///   - signer: The log's key; its name should be the checkpoint's origin.
    /// - Returns: The signed checkpoint.
    /// - Throws: ``LedgerError/Code/crypto`` when signing fails.
    public static func sign(_ checkpoint: Checkpoint, with signer: NoteSigner) throws -> SignedCheckpoint {
        try SignedCheckpoint(note: signer.sign(checkpoint.noteText))
    }

    /// The signed checkpoint in its text form.
    public var formatted: String { note.formatted }

    /// Verifies that the log's key signed the checkpoint and that it is the expected log's.
    ///
    /// Signatures by other keys, such as witness cosignatures, are ignored.
    ///
    /// - Parameters:
    ///   - logKey: The log's trusted verifier key.
    ///   - origin: The origin the checkpoint must have; `nil` means the key's name, which C2SP
    ///     recommends and CellTrace's ledgers use.
    /// - Throws: ``LedgerError/Code/invalidSignature`` when the log's key did not sign it, or
    ///   ``LedgerError/Code/invalidProof`` when the origin is not the expected one.
    public func verify(with logKey: NoteVerifierKey, origin: String? = nil) throws {
        let expected = origin ?? logKey.name
        guard checkpoint.origin.utf8.elementsEqual(expected.utf8) else {
            throw LedgerError(
                code: .invalidProof,
                message: "the checkpoint is from origin \"\(checkpoint.origin)\", not the expected \"\(expected)\""
            )
        }
        try note.verify(with: [logKey])
    }
}
