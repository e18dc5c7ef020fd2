public import LedgerCore
public import LedgerCrypto
public import LedgerStorage

extension SupplyChainLedger {
    /// Records a verifier's statement that it verified a set of entries, signed here with the
    /// verifier's key (entry type `attestation.record`, recorded under the verifier's name).
    ///
    /// The verifier must be a registered actor of role `auditor`, `key` its current key, and
    /// every entry covered already in the ledger and recorded by someone else: a verifier does
    /// not attest its own entries.
    ///
    /// - Parameters:
    ///   - attestation: The statement; its `keyID` and signature are set here.
    ///   - key: The verifier's private key.
    /// - Returns: The append receipt; the attestation is its first entry.
    /// - Throws: ``SupplyChainError`` naming the field that is wrong; nothing is written then.
    @discardableResult
    public func recordAttestation(_ attestation: Attestation, key: Ed25519PrivateKey) throws -> AppendReceipt {
        var draft = attestation
        draft.keyID = ActorKey.id(of: key.publicKey.rawRepresentation)
        draft.sequenceNumber = nil
        let signed = try draft.signed(with: key, origin: ledger.origin)
        return try record(signed)
    }

    /// Records an attestation the verifier signed elsewhere (its body as ``Attestation/json``
    /// gives it), after the same checks as ``recordAttestation(_:key:)``.
    ///
    /// - Throws: ``SupplyChainError`` naming the field that is wrong; nothing is written then.
    @discardableResult
    public func recordSignedAttestation(_ json: JSONValue) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: json["verifier"]?.stringValue)
        guard var attestation = Attestation.read(json, sink: sink) else { throw Self.fail(sink, "the attestation") }
        attestation.sequenceNumber = nil
        return try record(attestation)
    }

    private func record(_ attestation: Attestation) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: attestation.verifier)
        // What is written is what the audit reads back: checked as that reading checks it.
        guard Attestation.read(attestation.json, sink: sink) != nil else { throw Self.fail(sink, "the attestation") }
        let origin = ledger.origin
        let (receipt, _) = try commit { rules, first, txn in
            try rules.recordAttestation(attestation, sequence: first, origin: origin, sink: sink, txn)
            // The entries it covers are in the ledger (the rules checked) and never change.
            if sink.isEmpty, let own = try selfAttested(attestation) {
                sink.add(
                    field: "/entries",
                    "entry \(own) was recorded by \(attestation.verifier) itself; a verifier attests others' entries"
                )
            }
            guard sink.isEmpty else { throw Self.fail(sink, "the attestation") }
            return ([EntryDraft(type: EntryType.attestation, actor: attestation.verifier, body: attestation.json)], ())
        }
        return try Self.written(receipt)
    }

    /// The first entry `attestation` covers that its verifier recorded, if any.
    func selfAttested(_ attestation: Attestation) throws -> UInt64? {
        var found: UInt64?
        for range in attestation.entries where found == nil {
            let end = range.upperBound == .max ? range.upperBound : range.upperBound + 1
            try ledger.forEachEntry(in: range.lowerBound..<end) { sequence, bytes in
                guard found == nil else { return }
                if try Entry(canonicalBytes: bytes).actor == attestation.verifier { found = sequence }
            }
        }
        return found
    }

    /// Every attestation recorded before ledger size `size` (all when `nil`), oldest first.
    public func attestations(asOfSize size: UInt64? = nil) throws -> [Attestation] {
        try readIndexes { txn in try lineage.attestations(asOfSize: size ?? .max, txn) }
    }
}

extension LineageReader {
    /// Every attestation recorded before ledger size `size`, oldest first.
    public func attestations(asOfSize size: UInt64, _ txn: borrowing ReadTransaction) throws -> [Attestation] {
        guard tables[.attestations] != nil else { return [] }
        var found: [Attestation] = []
        let cursor = try txn.cursor(IndexTable.handle(.attestations, in: tables))
        var row = try cursor.first()
        while let (key, value) = row, let sequence = IndexKey.sequence(in: key[...]), sequence < size {
            guard let attestation = Attestation.read(try JSONValue(parsing: value), sink: ProblemSink()) else {
                throw SupplyChainError.unreadableRow(.attestations, key: key)
            }
            found.append(attestation)
            row = try cursor.next()
        }
        return found
    }
}
