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
