import Carbon
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

/// The graph of ``Lots`` with a verifier registered after its events.
///
/// Entries: 0 the maker, 1–4 the facilities, 5 the factor table, 6 the battery model, 7 the
/// submission, 8 the ore's extraction, 9 the refinery, 10 the cell line, 11 the commissioning, 12
/// the verifier.
private struct Verified {
    let graph: Graph
    let auditorKey = Ed25519PrivateKey()
    /// The day (UTC) the test runs, when the graph's entries are recorded: a verification is not
    /// completed before them.
    static let today = String(Timestamp.now.rfc3339.prefix(10))
    static let factorTable: UInt64 = 5
    static let ore: UInt64 = 8
    static let refinery: UInt64 = 9
    static let cellLine: UInt64 = 10

    init() throws {
        graph = try Graph()
        try graph.submit(Lots.events)
        try graph.chain.registerActor(
            ActorDraft(id: "verifier", name: "Verifier", role: .auditor, publicKey: auditorKey.publicKey)
        )
    }

    var chain: SupplyChainLedger { graph.chain }

    func attestation(
        _ entries: [ClosedRange<UInt64>],
        level: AssuranceLevel = .reasonable,
        verifier: String = "verifier"
    ) -> Attestation {
        Attestation(
            verifier: verifier,
            keyID: "",
            standard: "ISO 14067:2018",
            level: level,
            entries: entries,
            completedOn: Verified.today,
            report: "https://verifier.example/reports/117.pdf",
            reportSHA256: String(repeating: "ab", count: 32)
        )
    }

    @discardableResult
    func attest(_ entries: [ClosedRange<UInt64>], level: AssuranceLevel = .reasonable) throws -> UInt64 {
        try chain.recordAttestation(attestation(entries, level: level), key: auditorKey).firstSequenceNumber
    }

    /// The error recording `json` (a signed statement) gives, and that the ledger did not grow.
    func refusal(
        _ record: () throws -> AppendReceipt,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> SupplyChainError {
        let size = try chain.ledger.size
        let error = try #require(throws: SupplyChainError.self, sourceLocation: sourceLocation) { try record() }
        #expect(try chain.ledger.size == size, "nothing is written", sourceLocation: sourceLocation)
        #expect(try chain.attestations().isEmpty, sourceLocation: sourceLocation)
        return error
    }
}

@Suite("Attestations: verifiers' signed statements and the verified share of a footprint")
struct AttestationTests {
    @Test("an auditor's attestation is recorded under its name, read back, and checked again by the audit")
    func recordedAndAudited() throws {
        let verified = try Verified()
        let sequence = try verified.attest([
            Verified.factorTable...Verified.factorTable, Verified.ore...Verified.cellLine,
        ])
        let found = try verified.chain.attestations()
        #expect(found.count == 1)
        let attestation = try #require(found.first)
        #expect(attestation.sequenceNumber == sequence)
        #expect(attestation.verifier == "verifier")
        #expect(attestation.keyID == ActorKey.id(of: verified.auditorKey.publicKey.rawRepresentation))
        #expect(attestation.entries == [5...5, 8...10])
        #expect(attestation.entryCount == 4)
        #expect(attestation.covers(9) && !attestation.covers(6) && !attestation.covers(11))
        #expect(try verified.chain.ledger.entry(at: sequence).actor == "verifier")
        #expect(try verified.chain.attestations(asOfSize: sequence).isEmpty, "as of a size before it, it is absent")
        let audit = try verified.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(audit.attestationsVerified == 1)
        let rebuilt = try verified.chain.rebuildIndexes()
        #expect(rebuilt.isRebuilt)
        #expect(try verified.chain.attestations() == found)
    }

    @Test("a contribution counts as verified when its event and every factor table it uses are attested")
    func verifiedShareByHand() throws {
        let verified = try Verified()
        // The events alone: their factors come from the table, which nobody attested.
        let events = try verified.attest([Verified.ore...Verified.cellLine], level: .limited)
        var footprint = try verified.graph.footprint(Lots.cell)
        #expect(footprint.verifiedShare(.locationBased) == 0)
        #expect(footprint.contributions.allSatisfy { footprint.coverage(of: $0) == nil })
        // The table at limited assurance: every contribution verified, none at reasonable.
        let table = try verified.attest([Verified.factorTable...Verified.factorTable], level: .limited)
        footprint = try verified.graph.footprint(Lots.cell)
        for method in ElectricityMethod.allCases {
            #expect(close(footprint.verifiedShare(method), 1), "\(method)")
            #expect(footprint.verifiedShare(method, level: .reasonable) == 0, "\(method)")
        }
        let ore = try #require(footprint.contributions.first { $0.lot == Lots.ore })
        let coverage = try #require(footprint.coverage(of: ore))
        #expect(coverage.attestations == [events, table])
        #expect(coverage.level == .limited)
        // The mine's data and the table at reasonable assurance: the ore's 0.48 of 1.08 kg CO2e
        // (location) is verified at reasonable, the rest at limited. The strongest attestation of
        // each entry is the one relied on, so the table's limited one no longer is.
        let mine = try verified.attest([Verified.factorTable...Verified.factorTable, Verified.ore...Verified.ore])
        footprint = try verified.graph.footprint(Lots.cell)
        #expect(close(footprint.verifiedShare(.locationBased, level: .reasonable), 0.48 / 1.08))
        #expect(close(footprint.verifiedShare(.locationBased), 1))
        #expect(footprint.attestationsRelied.map(\.sequenceNumber) == [events, mine])
        // As of a size before the first attestation, nothing is verified.
        let before = try verified.graph.footprint(Lots.cell, asOf: .size(events))
        #expect(before.verifiedShare(.locationBased) == 0)
        #expect(before.attestations.isEmpty)
    }

    @Test("a contribution outside every attestation stays unverified, and the share is the others' kg CO2e")
    func partialShare() throws {
        let verified = try Verified()
        try verified.attest([Verified.factorTable...Verified.factorTable, Verified.ore...Verified.ore])
        let footprint = try verified.graph.footprint(Lots.cell)
        let total = footprint.total.total(.marketBased)
        let ore = try #require(footprint.contributions.first { $0.lot == Lots.ore })
        #expect(close(footprint.verifiedShare(.marketBased), ore.emissions.total(.marketBased) / total))
        #expect(footprint.verifiedShare(.marketBased) < 1)
    }

    @Test("a contribution is verified per method: a grid factor only another method uses decides nothing")
    func verifiedSharePerMethod() throws {
        let verified = try Verified()
        try verified.attest([Verified.factorTable...Verified.factorTable, Verified.ore...Verified.cellLine])
        // A newer table gives HU a residual mix: only the cell line's market-based value uses it,
        // and nobody attested it.
        try verified.chain.recordFactorTable([
            "id": "test-factors", "version": 2, "source": "hand-made for the tests", "year": 2025,
            "factors": [
                ["category": "grid", "geography": "HU", "basis": "residual-mix", "value": "0.35", "unit": "kgCO2e/kWh"]
            ],
        ])
        let footprint = try verified.graph.footprint(Lots.cell)
        #expect(footprint.verifiedShare(.locationBased) == 1)
        #expect(footprint.verifiedShare(.euDraft) == 1)
        #expect(footprint.verifiedShare(.marketBased) < 1)
        let cells = try #require(footprint.contributions.first { $0.sequenceNumber == Verified.cellLine })
        #expect(footprint.coverage(of: cells) == nil, "not under every method")
        #expect(footprint.coverage(of: cells, under: .locationBased) != nil)
        #expect(footprint.coverage(of: cells, under: .euDraft) != nil)
        #expect(footprint.coverage(of: cells, under: .marketBased) == nil)
        #expect(cells.factors(under: .locationBased).map(\.key).contains("grid:HU:location"))
        #expect(!cells.factors(under: .locationBased).map(\.key).contains("grid:HU:residual-mix"))
        #expect(cells.factors(under: .marketBased).map(\.key).contains("grid:HU:residual-mix"))
        let total = footprint.total.total(.marketBased)
        #expect(close(footprint.verifiedShare(.marketBased), 1 - cells.emissions.total(.marketBased) / total))
    }

    @Test("a declaration's verified share is its ranges' footprints' shares, weighted as its figure weighs them")
    func declarationShare() throws {
        let verified = try Verified()
        func declaration() throws -> Declaration {
            try verified.chain.read { reader, txn, size in
                var engine = try CarbonEngine(reader: reader, size: size, txn)
                return try Declaration.compute(
                    model: "X",
                    plant: Graph.cellPlant,
                    from: try #require(PointInTime.time("2026-01-01")),
                    to: try #require(PointInTime.time("2026-02-01")),
                    engine: &engine,
                    reader: reader,
                    txn
                )
            }
        }
        #expect(try declaration().verifiedShare[.locationBased] == 0)
        try verified.attest([Verified.factorTable...Verified.factorTable, Verified.ore...Verified.ore])
        let footprint = try verified.graph.footprint(Lots.cell)
        let partial = try declaration()
        for method in ElectricityMethod.allCases {
            #expect(close(try #require(partial.verifiedShare[method]), footprint.verifiedShare(method)), "\(method)")
            #expect(
                close(
                    try #require(partial.verifiedShareReasonable[method]),
                    footprint.verifiedShare(method, level: .reasonable)
                ),
                "\(method)"
            )
        }
        #expect(partial.attestationsRelied.map(\.sequenceNumber) == footprint.attestationsRelied.map(\.sequenceNumber))
        try verified.attest([(Verified.ore + 1)...Verified.cellLine + 1], level: .limited)
        let whole = try declaration()
        #expect(whole.verifiedShare == [.locationBased: 1, .marketBased: 1, .euDraft: 1])
        #expect(whole.verifiedShareReasonable[.locationBased] ?? 1 < 1, "the second attestation is limited")
    }

    @Test("a what-if's footprint is verified nowhere: its changed inputs are no one's data")
    func whatIfIsNotVerified() throws {
        let verified = try Verified()
        try verified.attest([Verified.factorTable...Verified.factorTable, Verified.ore...Verified.cellLine])
        #expect(try verified.graph.footprint(Lots.cell).verifiedShare(.locationBased) == 1)
        var scenario = Scenario()
        scenario.factors["grid:HU:location"] = 2
        let changed = try verified.graph.footprint(Lots.cell, scenario: scenario)
        #expect(changed.verifiedShare(.locationBased) == 0)
        #expect(changed.contributions.allSatisfy { changed.coverage(of: $0) == nil })
    }

    @Test("only an actor of role auditor attests, with its own key, and nothing is written otherwise")
    func onlyAuditors() throws {
        let verified = try Verified()
        var error = try verified.refusal {
            try verified.chain.recordAttestation(
                verified.attestation([8...10], verifier: "maker"),
                key: verified.graph.key
            )
        }
        #expect(error.problems.map(\.field) == ["/verifier"])
        #expect(
            error.problems.first?.message.contains("registered as processor; only an actor of role auditor") == true
        )
        error = try verified.refusal {
            try verified.chain.recordAttestation(
                verified.attestation([8...10], verifier: "nobody"),
                key: verified.auditorKey
            )
        }
        #expect(
            error.problems.first?.message
                == "no actor nobody is registered; the operator registers a verifier with "
                + "`celltrace actor add nobody --role auditor --key PUBLIC-KEY.pem`"
        )
        // Signed with another key than the verifier's.
        error = try verified.refusal {
            try verified.chain.recordAttestation(verified.attestation([8...10]), key: Ed25519PrivateKey())
        }
        #expect(error.problems.map(\.field) == ["/key"])
        #expect(
            error.problems.first?.message.contains("is not a key of verifier valid at entry 13 (its key then is ")
                == true
        )
    }

    @Test("the signature covers every field and binds the statement to this ledger: its origin, size and root")
    func signatureBinds() throws {
        let verified = try Verified()
        let signed = try verified.chain.signedAttestation(
            verified.attestation([8...10], level: .limited),
            key: verified.auditorKey
        )
        #expect(signed.ledgerSize == (try verified.chain.ledger.size))
        #expect(signed.rootHash == (try verified.chain.ledger.rootHash(atSize: verified.chain.ledger.size).base64))
        // Changed after signing: the level raised, the standard, the entries widened.
        for (member, value) in [
            ("level", JSONValue.string("reasonable")), ("standard", "ISO 14064-3:2019"),
            ("entries", [["first": "5", "last": "10"]]),
        ] {
            var members = try #require(signed.body.objectValue)
            members[member] = value
            let error = try verified.refusal { try verified.chain.recordSignedAttestation(.object(members)) }
            #expect(error.problems.map(\.field) == ["/signature"], "\(member)")
        }
        // Signed for another ledger's origin.
        let elsewhere = try signed.signed(with: verified.auditorKey, origin: "celltrace.test/another")
        var error = try verified.refusal { try verified.chain.recordSignedAttestation(elsewhere.body) }
        #expect(error.problems.first?.message.contains("for this ledger") == true)
        // Signed on a ledger of the same origin whose entries differ: its root is not this one's.
        let copy = try Graph()
        try copy.submit(Lots.events)
        try copy.chain.registerActor(
            ActorDraft(id: "verifier", name: "Verifier", role: .auditor, publicKey: verified.auditorKey.publicKey)
        )
        let onCopy = try copy.chain.signedAttestation(verified.attestation([8...10]), key: verified.auditorKey)
        error = try verified.refusal { try verified.chain.recordSignedAttestation(onCopy.body) }
        #expect(error.problems.map(\.field) == ["/rootHash"])
        #expect(error.problems.first?.message.contains("signed on a ledger that differs from this one") == true)
        // The statement as signed is recorded.
        let receipt = try verified.chain.recordSignedAttestation(signed.body)
        #expect(try verified.chain.attestations().map(\.sequenceNumber) == [receipt.firstSequenceNumber])
    }

    @Test(
        "a report is an address a recipient can follow, a completion day is not after the recording day, and a statement is recorded once"
    )
    func addressDayAndReplay() throws {
        for address in ["https://verifier.example/r/1.pdf", "HTTP://host", "urn:isbn:123", "doi:10.1000/182"] {
            #expect(Attestation.isReportAddress(address), "\(address)")
        }
        for address in [
            #"C:\reports\x.pdf"#, "mailto:a@b.example", "file:///tmp/x.pdf", "https:/x", "https:///x", "ftp://h/x",
        ] {
            #expect(!Attestation.isReportAddress(address), "\(address)")
        }
        let verified = try Verified()
        var later = verified.attestation([8...10])
        let dayAfterTomorrow = Timestamp(millisecondsSinceEpoch: Timestamp.now.millisecondsSinceEpoch + 2 * 86_400_000)
        later.completedOn = String(dayAfterTomorrow.rfc3339.prefix(10))
        let error = try verified.refusal { try verified.chain.recordAttestation(later, key: verified.auditorKey) }
        #expect(error.problems.map(\.field) == ["/completedOn"], "\(error)")
        #expect(error.problems.first?.message.contains("after the day it is recorded") == true)
        // With a report address that is no URL as well, both are named.
        later.report = "reports/x.pdf"
        let both = try verified.refusal { try verified.chain.recordAttestation(later, key: verified.auditorKey) }
        #expect(Set(both.problems.map(\.field)) == ["/completedOn", "/report"], "\(both)")
        // Tomorrow passes: the verifier's day may be ahead of UTC.
        var tomorrow = verified.attestation([8...10])
        let dayAfter = Timestamp(millisecondsSinceEpoch: Timestamp.now.millisecondsSinceEpoch + 86_400_000 / 2)
        tomorrow.completedOn = String(dayAfter.rfc3339.prefix(10))
        let signed = try verified.chain.signedAttestation(tomorrow, key: verified.auditorKey)
        let first = try verified.chain.recordSignedAttestation(signed.body).firstSequenceNumber
        // The same signed statement again is refused, naming the entry that holds it.
        let size = try verified.chain.ledger.size
        let again = try #require(throws: SupplyChainError.self) {
            try verified.chain.recordSignedAttestation(signed.body)
        }
        #expect(again.problems.map(\.field) == ["/signature"])
        #expect(again.problems.first?.message.contains("recorded already, as entry \(first)") == true)
        #expect(try verified.chain.ledger.size == size, "nothing written")
        #expect(try verified.chain.auditIndexes().isValid)
    }

    @Test("every field of a statement is checked, each error naming its field")
    func fieldsChecked() throws {
        let verified = try Verified()
        var bad = verified.attestation([8...10])
        bad.level = .limited
        bad.completedOn = "2026-02-30"
        bad.report = "not a uri"
        bad.reportSHA256 = "ABC"
        bad.standard = ""
        let error = try verified.refusal { try verified.chain.recordAttestation(bad, key: verified.auditorKey) }
        #expect(Set(error.problems.map(\.field)) == ["/completedOn", "/report", "/reportSHA256", "/standard"])
        #expect(error.problems.allSatisfy { $0.identifier == "verifier" })
        // Entries not yet in the ledger.
        let beyond = try verified.refusal {
            try verified.chain.recordAttestation(verified.attestation([8...40]), key: verified.auditorKey)
        }
        #expect(beyond.problems.map(\.field) == ["/entries/0"])
        #expect(
            beyond.problems.first?.message == "entry 40 is not below ledgerSize 13, the size the verifier saw",
            "\(beyond)"
        )
        // A body whose ranges overlap, or are missing.
        var members = try #require(verified.attestation([8...10]).json.objectValue)
        members["entries"] = [["first": "8", "last": "10"], ["first": "9", "last": "12"]]
        let overlap = try verified.refusal { try verified.chain.recordSignedAttestation(.object(members)) }
        #expect(overlap.problems.map(\.field).contains("/entries/1"))
        members["entries"] = []
        let none = try verified.refusal { try verified.chain.recordSignedAttestation(.object(members)) }
        #expect(none.problems.map(\.field).contains("/entries"))
    }

    @Test("a verifier may not attest entries it recorded itself")
    func independence() throws {
        let verified = try Verified()
        // The verifier operates a mine and records an extraction there.
        try verified.chain.registerFacility(
            FacilityDraft(id: "urn:test:facility:own-mine", operatorID: "verifier", kind: .mine, country: "AU")
        )
        let own = try verified.chain.importSubmission(
            Array(Graph.extract("urn:test:lot:own-ore", kg: 10, at: "urn:test:facility:own-mine", day: 5).utf8),
            actor: "verifier",
            key: verified.auditorKey
        )
        let submission = try #require(own.submissionSequence)
        let error = try verified.refusal {
            try verified.chain.recordAttestation(verified.attestation([8...(submission + 1)]), key: verified.auditorKey)
        }
        #expect(error.problems.map(\.field) == ["/entries"])
        #expect(
            error.problems.first?.message
                == "entry \(submission) was recorded by verifier itself; a verifier attests others' entries"
        )
        try verified.attest([8...(submission - 1)])
        // Written past the rules, the audit refuses it at its entry.
        let signed = try verified.chain.signedAttestation(
            verified.attestation([(submission + 1)...(submission + 1)]),
            key: verified.auditorKey
        )
        let written = try verified.chain.ledger.append([
            EntryDraft(type: SupplyChainLedger.EntryType.attestation, actor: "verifier", body: signed.body)
        ])
        let audit = try verified.chain.auditIndexes()
        #expect(audit.failureSequenceNumber == written.firstSequenceNumber)
        #expect(
            audit.failure?.hasSuffix("verifier attests entry \(submission + 1) it recorded itself") == true,
            "\(audit)"
        )
    }

    @Test("the audit refuses an attestation entry written past the rules whose signature does not verify")
    func auditChecksTheSignature() throws {
        let verified = try Verified()
        let signed = try verified.chain.signedAttestation(
            verified.attestation([8...10], level: .limited),
            key: verified.auditorKey
        )
        var members = try #require(signed.body.objectValue)
        members["level"] = "reasonable"
        let receipt = try verified.chain.ledger.append([
            EntryDraft(type: SupplyChainLedger.EntryType.attestation, actor: "verifier", body: .object(members))
        ])
        let audit = try verified.chain.auditIndexes()
        #expect(audit.failureSequenceNumber == receipt.firstSequenceNumber)
        #expect(
            audit.failure?.contains("'/signature': does not verify under verifier's key") == true,
            "\(audit.failure ?? "")"
        )
        #expect(try !verified.chain.rebuildIndexes().isRebuilt)
    }

    @Test("a withdrawn attestation stops counting from its withdrawal on, and still counts as of a size before it")
    func withdrawal() throws {
        let verified = try Verified()
        let attestation = try verified.attest([
            Verified.factorTable...Verified.factorTable, Verified.ore...Verified.cellLine,
        ])
        #expect(try verified.graph.footprint(Lots.cell).verifiedShare(.locationBased) == 1)
        let withdrawal = try verified.chain.withdrawAttestation(
            attestation,
            verifier: "verifier",
            reason: "the refinery's meter readings were not the ones audited",
            key: verified.auditorKey
        ).firstSequenceNumber
        let now = try verified.graph.footprint(Lots.cell)
        #expect(now.verifiedShare(.locationBased) == 0)
        #expect(now.attestationsRelied.isEmpty)
        #expect(now.attestations.first?.withdrawnAt == withdrawal)
        let before = try verified.graph.footprint(Lots.cell, asOf: .size(withdrawal))
        #expect(before.verifiedShare(.locationBased) == 1)
        #expect(before.attestations.first?.stands == true)
        let listed = try #require(try verified.chain.attestations().first)
        #expect(listed.withdrawnAt == withdrawal)
        #expect(listed.withdrawalReason == "the refinery's meter readings were not the ones audited")
        // The audit replays it, and a rebuild writes the same row.
        let audit = try verified.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(audit.attestationsVerified == 2)
        #expect(try verified.chain.rebuildIndexes().isRebuilt)
        #expect(try verified.chain.attestations().first == listed)
        // Refused, writing nothing: withdrawn twice, an entry that is no attestation, another's key.
        let size = try verified.chain.ledger.size
        let twice = try #require(throws: SupplyChainError.self) {
            try verified.chain.withdrawAttestation(
                attestation,
                verifier: "verifier",
                reason: "again",
                key: verified.auditorKey
            )
        }
        #expect(
            twice.problems.first?.message == "attestation \(attestation) was withdrawn already, at entry \(withdrawal)"
        )
        let notOne = try #require(throws: SupplyChainError.self) {
            try verified.chain.withdrawAttestation(5, verifier: "verifier", reason: "x", key: verified.auditorKey)
        }
        #expect(notOne.problems.first?.message == "entry 5 is not an attestation (`celltrace attestations` lists them)")
        let beyond = try #require(throws: SupplyChainError.self) {
            try verified.chain.withdrawAttestation(999, verifier: "verifier", reason: "x", key: verified.auditorKey)
        }
        #expect(beyond.problems.first?.message == "there is no entry 999: the ledger holds entries 0 to \(size - 1)")
        #expect(try verified.chain.ledger.size == size)
    }

    @Test("only the verifier that recorded an attestation withdraws it, with its own key and signature")
    func onlyItsVerifierWithdraws() throws {
        let verified = try Verified()
        let attestation = try verified.attest([Verified.ore...Verified.ore])
        let other = Ed25519PrivateKey()
        try verified.chain.registerActor(
            ActorDraft(id: "other", name: "Other", role: .auditor, publicKey: other.publicKey)
        )
        let size = try verified.chain.ledger.size
        let byOther = try #require(throws: SupplyChainError.self) {
            try verified.chain.withdrawAttestation(attestation, verifier: "other", reason: "x", key: other)
        }
        #expect(byOther.problems.map(\.field) == ["/attestation"])
        #expect(byOther.problems.first?.message.contains("is verifier's; only its verifier withdraws it") == true)
        let wrongKey = try #require(throws: SupplyChainError.self) {
            try verified.chain.withdrawAttestation(attestation, verifier: "verifier", reason: "x", key: other)
        }
        #expect(wrongKey.problems.map(\.field) == ["/key"])
        // A withdrawal changed after signing.
        var draft = AttestationWithdrawal(
            verifier: "verifier",
            keyID: ActorKey.id(of: verified.auditorKey.publicKey.rawRepresentation),
            attestation: attestation,
            reason: "a reason"
        )
        draft = try draft.signed(with: verified.auditorKey, origin: verified.chain.ledger.origin)
        var members = try #require(draft.json.objectValue)
        members["reason"] = "another reason"
        let changed = try #require(throws: SupplyChainError.self) {
            try verified.chain.recordSignedWithdrawal(.object(members))
        }
        #expect(changed.problems.map(\.field) == ["/signature"])
        #expect(try verified.chain.ledger.size == size)
        #expect(try verified.chain.attestations().first?.stands == true)
    }

    @Test("a statement with a member an attestation does not have is refused, naming it")
    func unknownMembers() throws {
        let verified = try Verified()
        let signed = try verified.chain.signedAttestation(verified.attestation([8...10]), key: verified.auditorKey)
        var members = try #require(signed.body.objectValue)
        members["assured"] = true
        members["withdrawnAt"] = "3"
        let error = try verified.refusal { try verified.chain.recordSignedAttestation(.object(members)) }
        #expect(Set(error.problems.map(\.field)) == ["/assured", "/withdrawnAt"])
    }

    @Test("ranges given in any order are recorded sorted and merged")
    func rangesParsed() {
        #expect(Attestation.ranges("40,14-25,26-30,3") == [3...3, 14...30, 40...40])
        #expect(Attestation.rangesProblem("40,14-25,26-30,3") == nil)
        #expect(Attestation.ranges("5-3") == nil)
        #expect(Attestation.ranges("") == nil)
        #expect(Attestation.ranges("1-x") == nil)
        // The pairs that share entries, as written; ranges that only meet are no such pair.
        #expect(Attestation.overlappingRanges("40,14-25,26-30,3").isEmpty)
        let pairs = Attestation.overlappingRanges("20-30,14-25,22,31-33,33")
        #expect(pairs.map { "\($0.0) \($0.1)" } == ["14-25 20-30", "20-30 22", "31-33 33"])
        #expect(Attestation.overlappingRanges("5-3").isEmpty)
    }

    @Test("a report's SHA-256 without the report is refused as new input, naming the field")
    func reportHashNeedsTheReport() throws {
        let verified = try Verified()
        var statement = verified.attestation([8...10])
        statement.report = nil
        let size = try verified.chain.ledger.size
        let error = try verified.refusal { try verified.chain.recordAttestation(statement, key: verified.auditorKey) }
        #expect(error.problems.map(\.field) == ["/reportSHA256"])
        #expect(
            error.problems.first?.message.hasPrefix("is the SHA-256 of the report's bytes: give /report too") == true
        )
        // Nor is it signed for recording elsewhere, nor recorded when signed elsewhere.
        #expect(throws: SupplyChainError.self) {
            try verified.chain.signedAttestation(statement, key: verified.auditorKey)
        }
        var complete = statement
        complete.report = "https://verifier.example/r/1.pdf"
        let signed = try verified.chain.signedAttestation(complete, key: verified.auditorKey)
        var members = try #require(signed.body.objectValue)
        members["report"] = nil
        let elsewhere = try verified.refusal { try verified.chain.recordSignedAttestation(.object(members)) }
        #expect(elsewhere.problems.map(\.field) == ["/reportSHA256"])
        #expect(try verified.chain.ledger.size == size, "nothing written")
    }

    @Test(
        "ranges with an empty element, a sign or a reversed range do not read, and say why",
        arguments: [
            ("1,,2", "an element is empty"), ("1,", "an element is empty"), (",1", "an element is empty"),
            ("1, ,2", "an element is empty"), ("   ", "an element is empty"),
            ("5-3", "5-3: a range runs from the lower number to the higher"),
            ("1,9-2", "9-2: a range runs from the lower number to the higher"), ("+5", "+5 is neither"),
            ("1-x", "1-x is neither"), ("1-2-3", "1-2-3 is neither"), ("", "give sequence numbers and ranges"),
        ]
    )
    func rangesRefusedSayingWhy(text: String, problem: String) throws {
        #expect(Attestation.ranges(text) == nil, "\(text)")
        let said = try #require(Attestation.rangesProblem(text), "\(text)")
        #expect(said.contains(problem), "\(text): \(said)")
    }

    @Test("spaces around an element of ranges are read past, as people type a list")
    func rangesReadPastSpaces() {
        #expect(Attestation.ranges("40, 14-25") == Attestation.ranges("14-25,40"))
        #expect(Attestation.ranges(" 1 ,\t2-3 ") == Attestation.ranges("1-3"))
        #expect(Attestation.rangesProblem("40, 14-25") == nil)
    }

    @Test("a blank statement is refused as new input, naming the field")
    func blankStatementRefused() throws {
        let verified = try Verified()
        var statement = verified.attestation([8...10])
        statement.statement = " \t "
        let error = try verified.refusal { try verified.chain.recordAttestation(statement, key: verified.auditorKey) }
        #expect(error.problems.map(\.field) == ["/statement"], "\(error)")
        #expect(error.problems.first?.message.hasPrefix("must not be blank") == true, "\(error)")
        statement.statement = "cradle-to-gate data of the cell line"
        _ = try verified.chain.recordAttestation(statement, key: verified.auditorKey)
    }

    @Test("a blank standard is refused as new input, naming the field, as an empty one is")
    func blankStandardRefused() throws {
        let verified = try Verified()
        for blank in ["   ", "\t", " \n "] {
            var statement = verified.attestation([8...10])
            statement.standard = blank
            let error = try verified.refusal {
                try verified.chain.recordAttestation(statement, key: verified.auditorKey)
            }
            #expect(error.problems.map(\.field) == ["/standard"], "\(error)")
            #expect(error.problems.first?.message.contains("must name the standard followed") == true, "\(error)")
            #expect(throws: SupplyChainError.self) {
                try verified.chain.signedAttestation(statement, key: verified.auditorKey)
            }
        }
        // A statement recorded before the check still reads as it was.
        var body = try #require(verified.attestation([8...10]).body.objectValue)
        body["standard"] = "   "
        body["key"] = "117b4f4a33dc687a"
        body["ledgerSize"] = "13"
        body["rootHash"] = .string(Base64.encode([UInt8](repeating: 1, count: 32)))
        body["signature"] = .string(Base64.encode([UInt8](repeating: 2, count: 64)))
        #expect(Attestation(body: .object(body))?.standard == "   ")
    }

    @Test("a completion day before the latest covered entry was recorded is refused as new input, naming both days")
    func completedBeforeTheEntriesRefused() throws {
        let verified = try Verified()
        let recorded = String(try verified.chain.ledger.entry(at: Verified.cellLine).time.rfc3339.prefix(10))
        for day in ["0001-01-01", "2020-02-29"] {
            var early = verified.attestation([Verified.factorTable...Verified.factorTable, 8...10])
            early.completedOn = day
            let error = try verified.refusal { try verified.chain.recordAttestation(early, key: verified.auditorKey) }
            #expect(error.problems.map(\.field) == ["/completedOn"], "\(error)")
            let message = try #require(error.problems.first?.message)
            #expect(
                message.contains(
                    "completed on \(day), before entry \(Verified.cellLine) it covers was recorded (\(recorded)"
                ),
                "\(message)"
            )
            // Nor is it signed for recording elsewhere.
            #expect(throws: SupplyChainError.self) {
                try verified.chain.signedAttestation(early, key: verified.auditorKey)
            }
        }
        // The day the entries were recorded is accepted.
        var sameDay = verified.attestation([8...10])
        sameDay.completedOn = recorded
        try verified.chain.recordAttestation(sameDay, key: verified.auditorKey)
        #expect(try verified.chain.auditIndexes().isValid)
    }
}
