/// An entry to append: what the submitter says, before the ledger numbers, chains and stamps it.
public struct EntryDraft: Sendable, Hashable {
    /// The entry type (`generic` for plain JSON appends).
    public var type: String
    /// The submitting actor's identifier.
    public var actor: String
    /// The content in clear; confidential values are sealed at append.
    public var body: JSONValue
    /// The body values to store as salted commitments, with the clear value kept beside the entry.
    public var confidential: [JSONPointer]
    /// The openings of commitments already in `body`, for a draft sealed before the append
    /// (``sealingConfidentialValues()``): a layer that signs the sealed body needs it first.
    public var openings: [JSONPointer: Opening] = [:]

    /// Creates a draft.
    ///
    /// - Parameters:
    ///   - type: The entry type.
    ///   - actor: The submitter.
    ///   - body: The content in clear.
    ///   - confidential: The values to seal; each must exist in `body`.
    public init(type: String, actor: String, body: JSONValue, confidential: [JSONPointer] = []) {
        self.type = type
        self.actor = actor
        self.body = body
        self.confidential = confidential
    }

    /// The draft with its confidential values sealed now, with fresh salts: `body` holds the
    /// commitments, ``openings`` the clear values, and ``confidential`` is empty.
    ///
    /// The ledger stores such a draft as it is, so the sealed body's canonical bytes, which a
    /// submitter may sign, are the bytes of the entry's body.
    ///
    /// - Throws: ``LedgerError/Code/invalidInput`` naming a pointer that is missing, repeated or
    ///   the whole body.
    public func sealingConfidentialValues() throws -> EntryDraft {
        var sealed = self
        sealed.confidential = []
        for pointer in confidential {
            guard !pointer.tokens.isEmpty else {
                throw LedgerError(
                    code: .invalidInput,
                    message: "the whole body cannot be sealed; name a field inside it"
                )
            }
            guard sealed.openings[pointer] == nil, let value = pointer.value(in: sealed.body),
                Commitment(placeholder: value) == nil
            else {
                throw LedgerError(
                    code: .invalidInput,
                    message: "body\(pointer.text): no such field to seal, or named twice"
                )
            }
            let opening = Opening.sealing(value)
            _ = pointer.replaceValue(with: opening.commitment.placeholder, in: &sealed.body)
            sealed.openings[pointer] = opening
        }
        return sealed
    }
}

/// What an append returns once its batch is durable.
public struct AppendReceipt: Sendable, Hashable {
    /// The sequence number of the batch's first entry.
    public var firstSequenceNumber: UInt64
    /// How many entries the batch added.
    public var count: Int
    /// The ledger's size after the batch.
    public var treeSize: UInt64
    /// The checkpoint signed for that size.
    public var checkpoint: SignedCheckpoint
}
