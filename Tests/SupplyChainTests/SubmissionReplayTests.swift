import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

/// Submissions written below the supply-chain layer, as someone who can write the ledger file but
/// not forge the actor's key could: `celltrace verify` replays every entry and must stop at the
/// first that breaks what a submission promises, naming it.
@Suite("Replay: a submission's events must follow it whole, signed and recorded once")
struct SubmissionReplayTests {
    /// The fixture's chain (actors and facilities, no events) and the miner's signing material.
    struct Forger {
        let fixture: ChainFixture
        /// The actor whose submissions it writes.
        var actor = "pilbara-mining"

        var chain: SupplyChainLedger { fixture.chain }

        /// An extraction event at the miner's mine, as an entry body.
        func event(_ lot: String) throws -> JSONValue {
            try JSONValue(parsing: Events.extract(lot))
        }

        /// The hash a submission lists for an event entry's body.
        func hash(_ body: JSONValue) -> String {
            SHA256.hash(body.canonicalBytes).hex
        }

        /// A submission body listing `hashes`, signed with the actor's key as the import signs it;
        /// `keyID` and `signing` replace what goes into it.
        func submission(
            listing hashes: [String],
            keyID: String? = nil,
            signing key: Ed25519PrivateKey? = nil
        ) throws -> JSONValue {
            let current = try #require(try chain.actor(actor)?.currentKey)
            var body: JSONObject = [
                "actor": .string(actor), "key": .string(keyID ?? current.id),
                "document": .string(String(repeating: "0", count: 64)),
                "format": "jsonl", "events": .array(hashes.map(JSONValue.string)),
            ]
            let message = SupplyChainLedger.submissionMessage(origin: chain.ledger.origin, body: .object(body))
            let signature = try (key ?? fixture.key(actor)).signature(for: message)
            body["signature"] = .string(Base64.encode(signature))
            return .object(body)
        }

        /// Appends the entries below the rules; returns the sequence number of the first.
        @discardableResult
        func append(_ entries: [(type: String, body: JSONValue)]) throws -> UInt64 {
            try chain.ledger.append(entries.map { EntryDraft(type: $0.type, actor: actor, body: $0.body) })
                .firstSequenceNumber
        }

        /// What the audit and the rebuild say: the audit stops at `sequence` with `message`, and the
        /// rebuild refuses at the same entry.
        func expectStop(
            at sequence: UInt64,
            _ message: String,
            sourceLocation: SourceLocation = #_sourceLocation
        )
            throws
        {
            let audit = try chain.auditIndexes()
            #expect(!audit.isValid, sourceLocation: sourceLocation)
            #expect(audit.failureSequenceNumber == sequence, "\(audit.failure ?? "")", sourceLocation: sourceLocation)
            #expect(audit.failure?.contains(message) == true, "\(audit.failure ?? "")", sourceLocation: sourceLocation)
            let rebuild = try chain.rebuildIndexes()
            #expect(!rebuild.isRebuilt, sourceLocation: sourceLocation)
            #expect(rebuild.failureSequenceNumber == sequence, sourceLocation: sourceLocation)
        }
    }

    typealias EntryType = SupplyChainLedger.EntryType

    @Test("a whole, signed submission written below the rules replays, and a rebuild indexes it")
    func aWholeSubmissionReplays() throws {
        let forger = Forger(fixture: try ChainFixture())
        let events = [try forger.event("ORE-1"), try forger.event("ORE-2")]
        try forger.append(
            [(EntryType.submission, try forger.submission(listing: events.map(forger.hash)))]
                + events.map { (EntryType.event, $0) }
        )
        // The entries replay; only the indexes, which no import wrote, differ from them.
        let unindexed = try forger.chain.auditIndexes()
        #expect(unindexed.submissionsVerified == 1)
        #expect(unindexed.failureSequenceNumber == nil)
        #expect(unindexed.failure?.contains("lacks the row") == true, "\(unindexed.failure ?? "")")
        #expect(try forger.chain.rebuildIndexes().isRebuilt)
        let audit = try forger.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(try forger.chain.lot("ORE-2")?.lot.producedKg.description == "100000")
    }

    @Test("a submission whose listed events stop before another layer's entry stops the audit there")
    func eventsMissingBeforeAPlainEntry() throws {
        let forger = Forger(fixture: try ChainFixture())
        let events = [try forger.event("ORE-1"), try forger.event("ORE-2")]
        let first = try forger.append([
            (EntryType.submission, try forger.submission(listing: events.map(forger.hash))),
            (EntryType.event, events[0]),
            ("note", ["text": "an entry of another layer"]),
        ])
        try forger.expectStop(at: first + 2, "submission \(first) lists 2 events but only 1 follow it")
    }

    @Test("a submission whose listed events stop before the next submission stops the audit there")
    func eventsMissingBeforeTheNextSubmission() throws {
        let forger = Forger(fixture: try ChainFixture())
        let events = [try forger.event("ORE-1"), try forger.event("ORE-2"), try forger.event("ORE-3")]
        let first = try forger.append([
            (EntryType.submission, try forger.submission(listing: events.prefix(2).map(forger.hash))),
            (EntryType.event, events[0]),
            (EntryType.submission, try forger.submission(listing: [forger.hash(events[2])])),
            (EntryType.event, events[2]),
        ])
        try forger.expectStop(at: first + 2, "submission \(first) lists 2 events but only 1 follow it")
    }

    @Test("a submission whose listed events run past the end of the ledger fails the audit")
    func eventsMissingAtTheEnd() throws {
        let forger = Forger(fixture: try ChainFixture())
        let events = [try forger.event("ORE-1"), try forger.event("ORE-2")]
        let first = try forger.append([
            (EntryType.submission, try forger.submission(listing: events.map(forger.hash))),
            (EntryType.event, events[0]),
        ])
        let audit = try forger.chain.auditIndexes()
        #expect(!audit.isValid)
        #expect(
            audit.failure?.contains("submission \(first) lists 2 events but only 1 follow it") == true,
            "\(audit.failure ?? "")"
        )
        #expect(!(try forger.chain.rebuildIndexes().isRebuilt))
    }

    @Test("an event entry that is not the event its submission signed stops the audit")
    func eventNotTheOneSigned() throws {
        let forger = Forger(fixture: try ChainFixture())
        let signed = try forger.event("ORE-1")
        // The same event, 1 t more: what a changed quantity would be.
        let changed = try JSONValue(parsing: Events.extract("ORE-1", 101))
        let first = try forger.append([
            (EntryType.submission, try forger.submission(listing: [forger.hash(signed)])),
            (EntryType.event, changed),
        ])
        try forger.expectStop(at: first + 1, "the event is not the one submission \(first) signed")
    }

    @Test("a submission signed by another key than the one it names stops the audit")
    func signatureDoesNotVerify() throws {
        let forger = Forger(fixture: try ChainFixture())
        let event = try forger.event("ORE-1")
        let first = try forger.append([
            (EntryType.submission, try forger.submission(listing: [forger.hash(event)], signing: Ed25519PrivateKey())),
            (EntryType.event, event),
        ])
        try forger.expectStop(at: first, "the signature of pilbara-mining's submission does not verify")
    }

    @Test("a submission naming a key its actor does not have stops the audit")
    func keyNotTheActors() throws {
        let forger = Forger(fixture: try ChainFixture())
        let event = try forger.event("ORE-1")
        let other = try #require(try forger.chain.actor("cell-co")?.currentKey)
        let first = try forger.append([
            (EntryType.submission, try forger.submission(listing: [forger.hash(event)], keyID: other.id)),
            (EntryType.event, event),
        ])
        try forger.expectStop(at: first, "submission by pilbara-mining names no key of that actor valid at this point")
    }

    @Test("an event recorded again by a second submission stops the audit at the second")
    func eventRecordedTwice() throws {
        let forger = Forger(fixture: try ChainFixture())
        let event = try forger.event("ORE-1")
        try forger.append([
            (EntryType.submission, try forger.submission(listing: [forger.hash(event)])),
            (EntryType.event, event),
        ])
        let second = try forger.append([
            (EntryType.submission, try forger.submission(listing: [forger.hash(event)])),
            (EntryType.event, event),
        ])
        try forger.expectStop(at: second + 1, "is recorded twice")
    }
}
