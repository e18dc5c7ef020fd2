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
        try record(try signedAttestation(attestation, key: key))
    }

    /// The statement as the verifier signs it on this ledger; nothing is written.
    ///
    /// It gets the key's id and the ledger's size and root now (unless it names a size already),
    /// is checked as recording checks a body, then signed. `celltrace attest --sign-only` prints it.
    ///
    /// - Throws: ``SupplyChainError`` naming the field that is wrong.
    public func signedAttestation(_ attestation: Attestation, key: Ed25519PrivateKey) throws -> Attestation {
        var draft = attestation
        draft.keyID = ActorKey.id(of: key.publicKey.rawRepresentation)
        draft.sequenceNumber = nil
        draft.withdrawnAt = nil
        draft.withdrawalReason = nil
        let size = try draft.ledgerSize ?? ledger.size
        draft.ledgerSize = size
        draft.rootHash = size > 0 ? try ledger.rootHash(atSize: size).base64 : nil
        draft.signature = Array(repeating: 0, count: 64)
        let sink = ProblemSink(identifier: draft.verifier)
        draft.checkAsNewInput(sink: sink)
        // Said before it is signed, with whatever else is wrong; recording says it again.
        if let problem = Self.completedLater(draft, recordedAt: .now) { sink.add(field: "/completedOn", problem) }
        if let problem = try completedEarlier(draft, size: size) { sink.add(field: "/completedOn", problem) }
        guard Attestation.read(draft.body, sink: sink) != nil, sink.isEmpty else {
            throw Self.fail(sink, "the attestation")
        }
        return try draft.signed(with: key, origin: ledger.origin)
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
        // What is written is what the audit reads back: checked as that reading checks it, and
        // as new input.
        attestation.checkAsNewInput(sink: sink)
        guard Attestation.read(attestation.body, sink: sink) != nil, sink.isEmpty else {
            throw Self.fail(sink, "the attestation")
        }
        let origin = ledger.origin
        let (receipt, _) = try commit { rules, first, txn in
            try rules.recordAttestation(attestation, sequence: first, origin: origin, sink: sink, txn)
            if sink.isEmpty, let problem = try rootMismatch(attestation, before: first) {
                sink.add(field: "/rootHash", problem)
            }
            if sink.isEmpty, let problem = Self.completedLater(attestation, recordedAt: .now) {
                sink.add(field: "/completedOn", problem)
            }
            // New input only: the audit replays statements recorded before this check as they were.
            if sink.isEmpty, let problem = try completedEarlier(attestation, size: first) {
                sink.add(field: "/completedOn", problem)
            }
            // The entries it covers are in the ledger (the rules checked) and never change.
            if sink.isEmpty, let own = try selfAttested(attestation) {
                sink.add(
                    field: "/entries",
                    "entry \(own) was recorded by \(attestation.verifier) itself; a verifier attests others' entries"
                )
            }
            guard sink.isEmpty else { throw Self.fail(sink, "the attestation") }
            return ([EntryDraft(type: EntryType.attestation, actor: attestation.verifier, body: attestation.body)], ())
        }
        return try Self.written(receipt)
    }

    /// Records a verifier's withdrawal of one of its attestations, signed here with its key
    /// (entry type `attestation.withdraw`, recorded under the verifier's name).
    ///
    /// - Parameters:
    ///   - attestation: The attestation's entry.
    ///   - verifier: The verifier that recorded it.
    ///   - reason: Why, in the verifier's words.
    ///   - key: The verifier's private key.
    /// - Returns: The append receipt; the withdrawal is its first entry.
    /// - Throws: ``SupplyChainError`` naming the field when the entry is no attestation of the
    ///   verifier's, it is withdrawn already, or the key is not the verifier's; nothing is written then.
    @discardableResult
    public func withdrawAttestation(
        _ attestation: UInt64,
        verifier: String,
        reason: String,
        key: Ed25519PrivateKey
    ) throws -> AppendReceipt {
        try record(try signedWithdrawal(attestation, verifier: verifier, reason: reason, key: key))
    }

    /// The withdrawal as the verifier signs it on this ledger; nothing is written.
    ///
    /// Its key's id is set. `celltrace attest --withdraw N --sign-only` prints it.
    public func signedWithdrawal(
        _ attestation: UInt64,
        verifier: String,
        reason: String,
        key: Ed25519PrivateKey
    ) throws -> AttestationWithdrawal {
        let draft = AttestationWithdrawal(
            verifier: verifier,
            keyID: ActorKey.id(of: key.publicKey.rawRepresentation),
            attestation: attestation,
            reason: reason
        )
        return try draft.signed(with: key, origin: ledger.origin)
    }

    /// Records a withdrawal the verifier signed elsewhere (its body as
    /// ``AttestationWithdrawal/json`` gives it), after the checks of
    /// ``withdrawAttestation(_:verifier:reason:key:)``.
    @discardableResult
    public func recordSignedWithdrawal(_ json: JSONValue) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: json["verifier"]?.stringValue)
        guard let withdrawal = AttestationWithdrawal.read(json, sink: sink) else {
            throw Self.fail(sink, "the withdrawal")
        }
        return try record(withdrawal)
    }

    private func record(_ withdrawal: AttestationWithdrawal) throws -> AppendReceipt {
        let sink = ProblemSink(identifier: withdrawal.verifier)
        guard AttestationWithdrawal.read(withdrawal.json, sink: sink) != nil else {
            throw Self.fail(sink, "the withdrawal")
        }
        let origin = ledger.origin
        let (receipt, _) = try commit { rules, first, txn in
            try rules.withdrawAttestation(withdrawal, sequence: first, origin: origin, sink: sink, txn)
            guard sink.isEmpty else { throw Self.fail(sink, "the withdrawal") }
            return (
                [EntryDraft(type: EntryType.attestationWithdraw, actor: withdrawal.verifier, body: withdrawal.json)], ()
            )
        }
        return try Self.written(receipt)
    }

    /// Why an attestation's completion day cannot be right, recorded at `recordedAt`: a day after
    /// the day it is recorded (a day's grace for the verifier's time zone); `nil` when it can be.
    static func completedLater(_ attestation: Attestation, recordedAt: Timestamp) -> String? {
        guard let start = Timestamp(rfc3339: attestation.completedOn + "T00:00:00.000Z"),
            start.millisecondsSinceEpoch - recordedAt.millisecondsSinceEpoch > 86_400_000
        else { return nil }
        return "the verification is said to be completed on \(attestation.completedOn), after the day it is "
            + "recorded (\(recordedAt.rfc3339.prefix(10))); give the day the verification was completed"
    }

    /// Why a new attestation's completion day cannot be right: a day before the day (UTC) the
    /// latest entry it covers was recorded, so the verification would have been completed before
    /// what it verified was in the ledger; `nil` when it can be, or that entry is not below
    /// `size` (which the reading of the statement names).
    ///
    /// The lower bound beside ``completedLater(_:recordedAt:)``'s upper one, asked of new input
    /// only: `verify` and `index rebuild` replay statements recorded before it as they were.
    func completedEarlier(_ attestation: Attestation, size: UInt64) throws -> String? {
        guard Attestation.isDate(attestation.completedOn), let last = attestation.entries.last?.upperBound,
            last < size
        else { return nil }
        let recorded = String(try ledger.entry(at: last).time.rfc3339.prefix(10))
        // Both are YYYY-MM-DD, so their order as text is their order as days.
        guard attestation.completedOn < recorded else { return nil }
        return "the verification is said to be completed on \(attestation.completedOn), before entry \(last) it "
            + "covers was recorded (\(recorded), UTC); give the day the verification was completed"
    }

    /// Why the statement's root is not this ledger's at the size it names, or `nil` when it is: a
    /// statement signed on a copy that differs from this ledger covers other entries.
    func rootMismatch(_ attestation: Attestation, before sequence: UInt64) throws -> String? {
        guard let size = attestation.ledgerSize, let root = attestation.rootHash else { return "is required" }
        guard size >= 1, size <= sequence else {
            return "ledgerSize \(size) is not a size of this ledger before the attestation (entry \(sequence))"
        }
        guard try ledger.rootHash(atSize: size).base64 == root else {
            return
                "is not this ledger's root at size \(size): the statement was signed on a ledger that differs from this one"
        }
        return nil
    }

    /// The first entry `attestation` covers that its verifier recorded, if any.
    func selfAttested(_ attestation: Attestation) throws -> UInt64? {
        var found: UInt64?
        for range in attestation.entries where found == nil {
            let end = range.upperBound == .max ? range.upperBound : range.upperBound + 1
            try ledger.forEachEntry(in: range.lowerBound..<end) { sequence, bytes in
                guard found == nil else { return }
                // The actor is the entry's first member: read without parsing the body.
                let actor = try Entry.actor(ofCanonicalBytes: bytes) ?? Entry(canonicalBytes: bytes).actor
                if actor == attestation.verifier { found = sequence }
            }
        }
        return found
    }

    /// The attestations among `relied` (by entry) that their verifiers have withdrawn, each with
    /// its withdrawal's entry, oldest attestation first: what a recipient of a figure computed as
    /// of an earlier size is to be told.
    public func withdrawals(of relied: Set<UInt64>) throws -> [(attestation: UInt64, withdrawal: UInt64)] {
        try readIndexes { txn in try lineage.withdrawals(of: relied, asOfSize: .max, txn) }
    }

    /// Every attestation recorded before ledger size `size` (all when `nil`), oldest first.
    public func attestations(asOfSize size: UInt64? = nil) throws -> [Attestation] {
        try readIndexes { txn in try lineage.attestations(asOfSize: size ?? .max, txn) }
    }
}

extension LineageReader {
    /// The attestations among `relied` withdrawn before ledger size `size`, each with its
    /// withdrawal's entry, oldest attestation first.
    public func withdrawals(
        of relied: Set<UInt64>,
        asOfSize size: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> [(attestation: UInt64, withdrawal: UInt64)] {
        guard !relied.isEmpty else { return [] }
        return try attestations(asOfSize: size, txn).compactMap { attestation in
            guard let entry = attestation.sequenceNumber, relied.contains(entry),
                let withdrawal = attestation.withdrawnAt
            else { return nil }
            return (entry, withdrawal)
        }
    }

    /// Every attestation recorded before ledger size `size`, oldest first, each withdrawn only if
    /// its withdrawal is before `size` too.
    public func attestations(asOfSize size: UInt64, _ txn: borrowing ReadTransaction) throws -> [Attestation] {
        guard tables[.attestations] != nil else { return [] }
        var found: [Attestation] = []
        let cursor = try txn.cursor(IndexTable.handle(.attestations, in: tables))
        var row = try cursor.first()
        while let (key, value) = row, let sequence = IndexKey.sequence(in: key[...]), sequence < size {
            guard var attestation = Attestation.read(try JSONValue(parsing: value), sink: ProblemSink(), row: true)
            else {
                throw SupplyChainError.unreadableRow(.attestations, key: key)
            }
            // As of a size before its withdrawal, it stood.
            if let withdrawn = attestation.withdrawnAt, withdrawn >= size {
                attestation.withdrawnAt = nil
                attestation.withdrawalReason = nil
            }
            found.append(attestation)
            row = try cursor.next()
        }
        return found
    }
}
