import LedgerCore
import SupplyChain
import Testing

@Suite("Corrective events: the events an error declaration names, linked both ways")
struct CorrectiveEventTests {
    /// An event line with an eventID of its own.
    private func named(_ line: String, _ eventID: String) throws -> String {
        guard case .object(var members) = try JSONValue(parsing: line) else { fatalError() }
        members["eventID"] = .string(eventID)
        return JSONValue.object(members).canonicalString
    }

    /// The eventID (hash ID) of the first event of `line` as recorded.
    private func recordedID(_ fixture: ChainFixture, _ line: String) throws -> String {
        try #require(
            try fixture.chain.importSubmission(
                Array(line.utf8),
                actor: "pilbara-mining",
                key: fixture.key("pilbara-mining")
            )
            .eventIDs.first
        )
    }

    @Test("a declaration and its corrective event in one submission: each event names the other, and the audit agrees")
    func linkedInOneSubmission() throws {
        let fixture = try ChainFixture()
        let wrong = Events.extract("ORE-A", 100)
        let wrongID = try recordedID(fixture, wrong)
        let correctiveID = "urn:uuid:6f1c3b9e-2a4d-4c8e-9f10-0a5e2b7c9d11"
        let report = try fixture.chain.importSubmission(
            Array(
                [
                    try Events.declaredInError(wrong, corrective: [correctiveID]),
                    try named(Events.extract("ORE-A", 90, time: "2026-01-05T07:00:00+08:00"), correctiveID),
                ]
                .joined(separator: "\n").utf8
            ),
            actor: "pilbara-mining",
            key: fixture.key("pilbara-mining")
        )
        #expect(report.written == 2 && report.retractions == 1)
        #expect(report.warnings.isEmpty, "the corrective event is in the same submission: \(report.warnings)")
        let declaredAt = try #require(report.submissionSequence) + 1
        let (corrective, corrects) = try fixture.chain.read { reader, txn, _ in
            (try reader.correctiveEvents(of: wrongID, txn), try reader.correctedEvents(by: correctiveID, txn))
        }
        #expect(corrective.map(\.eventID) == [correctiveID])
        #expect(corrective.first?.event?.sequenceNumber == declaredAt + 1)
        #expect(corrects.map(\.event.eventID) == [wrongID])
        #expect(corrects.first?.declaredAt == declaredAt)
        #expect(corrects.first?.event.retractedAt == declaredAt)
        // An event no declaration names corrects nothing; one not declared in error has no corrective events.
        #expect(try fixture.chain.read { reader, txn, _ in try reader.correctedEvents(by: wrongID, txn) }.isEmpty)
        #expect(try fixture.chain.read { reader, txn, _ in try reader.correctiveEvents(of: correctiveID, txn) }.isEmpty)
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("a corrective event not yet recorded: the import warns, and the link holds once it is recorded")
    func correctiveRecordedLater() throws {
        let fixture = try ChainFixture()
        let key = try fixture.key("pilbara-mining")
        let wrong = Events.extract("ORE-A", 100)
        let wrongID = try recordedID(fixture, wrong)
        let correctiveID = "urn:uuid:0d8e7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
        let report = try fixture.chain.importSubmission(
            Array(try Events.declaredInError(wrong, corrective: [correctiveID]).utf8),
            actor: "pilbara-mining",
            key: key
        )
        #expect(report.written == 1)
        #expect(report.warnings.count == 1)
        #expect(report.warnings.first?.field == "/errorDeclaration/correctiveEventIDs/0")
        #expect(report.warnings.first?.identifier == wrongID)
        #expect(
            report.warnings.first?.message
                == "corrective event \(correctiveID) is not in the ledger; `celltrace event show` links it once it is recorded"
        )
        var corrective = try fixture.chain.read { reader, txn, _ in try reader.correctiveEvents(of: wrongID, txn) }
        #expect(corrective.count == 1 && corrective.first?.event == nil)

        let later = try fixture.chain.importSubmission(
            Array(try named(Events.extract("ORE-A", 90, time: "2026-01-05T07:00:00+08:00"), correctiveID).utf8),
            actor: "pilbara-mining",
            key: key
        )
        #expect(later.warnings.isEmpty)
        corrective = try fixture.chain.read { reader, txn, _ in try reader.correctiveEvents(of: wrongID, txn) }
        #expect(corrective.first?.event?.sequenceNumber == (try fixture.chain.ledger.size) - 1)
        let corrects = try fixture.chain.read { reader, txn, _ in try reader.correctedEvents(by: correctiveID, txn) }
        #expect(corrects.map(\.event.eventID) == [wrongID])
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test("a declaration's members are checked: the time, the reason, and each corrective eventID")
    func declarationChecked() throws {
        let fixture = try ChainFixture()
        let wrong = Events.extract("ORE-A", 100)
        let wrongID = try recordedID(fixture, wrong)
        func declared(_ change: (inout JSONObject) -> Void) throws -> String {
            guard case .object(var members) = try JSONValue(parsing: try Events.declaredInError(wrong)),
                case .object(var declaration) = members["errorDeclaration"]
            else { fatalError() }
            change(&declaration)
            members["errorDeclaration"] = .object(declaration)
            return JSONValue.object(members).canonicalString
        }
        let cases: [(String, (inout JSONObject) -> Void, String, String)] = [
            (
                "a time without a zone", { $0["declarationTime"] = "2026-01-06T08:00:00" },
                "/errorDeclaration/declarationTime",
                "must be an ISO 8601 extended-format date-time with a time zone"
            ),
            ("no time", { $0["declarationTime"] = nil }, "/errorDeclaration/declarationTime", "is required"),
            (
                "an unknown reason", { $0["reason"] = "typo" }, "/errorDeclaration/reason",
                "must be a CBV error reason, did_not_occur or incorrect_data, or a URI of your own (got \"typo\")"
            ),
            (
                "correctiveEventIDs not a list", { $0["correctiveEventIDs"] = "urn:uuid:1" },
                "/errorDeclaration/correctiveEventIDs", "must be an array"
            ),
            (
                "a corrective eventID that is not a URI", { $0["correctiveEventIDs"] = ["event 7"] },
                "/errorDeclaration/correctiveEventIDs/0", "must be an eventID: a URI of at most 400 bytes"
            ),
            (
                "a corrective eventID twice", { $0["correctiveEventIDs"] = ["urn:uuid:1", "urn:uuid:1"] },
                "/errorDeclaration/correctiveEventIDs/1", "names urn:uuid:1 twice"
            ),
            (
                "the event declared in error as its own corrective",
                { $0["correctiveEventIDs"] = .array([.string(wrongID)]) },
                "/errorDeclaration/correctiveEventIDs/0",
                "names the event declared in error, \(wrongID); a corrective event is another event"
            ),
        ]
        for (name, change, field, text) in cases {
            let error = try fixture.rejection([try declared(change)], as: "pilbara-mining")
            #expect(error.problems.count == 1, "\(name): \(error)")
            #expect(error.problems.first?.field == field, "\(name): \(error)")
            #expect(error.problems.first?.message.contains(text) == true, "\(name): \(error)")
        }
        // CBV's reasons in any of their spellings, and a reason of one's own vocabulary, are accepted.
        for reason in [
            "did_not_occur", "urn:epcglobal:cbv:er:incorrect_data", "https://ref.gs1.org/cbv/ER-did_not_occur",
        ] {
            let report = try fixture.chain.importSubmission(
                Array(try declared { $0["reason"] = .string(reason) }.utf8),
                actor: "pilbara-mining",
                key: fixture.key("pilbara-mining"),
                dryRun: true
            )
            #expect(report.retractions == 1, "\(reason)")
        }
    }

    @Test(
        "a misspelt declaration member is refused with its EPCIS spelling; members with a prefix or as an IRI are recorded"
    )
    func declarationMembersSpelled() throws {
        let fixture = try ChainFixture()
        let wrong = Events.extract("ORE-A", 100)
        let wrongID = try recordedID(fixture, wrong)
        let correctiveID = "urn:uuid:0c0c0000-0000-4000-8000-000000000001"
        // Read as written, the event would be retracted and its corrective event never linked.
        let misspelt = try edited(wrong) {
            $0["errorDeclaration"] = [
                "declarationTime": "2026-06-01T08:00:00+08:00", "reasn": "did_not_occur",
                "correctiveEventIds": [.string(correctiveID)],
            ]
        }
        let error = try fixture.rejection([misspelt], as: "pilbara-mining")
        let schema =
            "is not a field of an errorDeclaration in EPCIS 2.0 (a field of your own needs a prefix your "
            + "@context declares)"
        #expect(
            error.problems.map { [$0.field, $0.message] } == [
                [
                    "/errorDeclaration/correctiveEventIds",
                    #""correctiveEventIds" "# + schema + "; did you mean correctiveEventIDs?",
                ],
                ["/errorDeclaration/reasn", #""reasn" "# + schema + "; did you mean reason?"],
            ],
            "\(error)"
        )
        #expect(error.problems.allSatisfy { $0.index == 0 && $0.identifier == wrongID })
        #expect(try fixture.chain.lot("ORE-A")?.lot.producedKg.description == "100000")
        #expect(try fixture.chain.read { reader, txn, _ in try reader.correctiveEvents(of: wrongID, txn) }.isEmpty)

        // Extensions, as GS1's schema allows them: a declared prefix (as in the Event Hash ID's
        // published example) and a full IRI.
        let declared = try edited(wrong) {
            $0["@context"] = ["example": "https://ns.example.com/epcis/"]
            $0["errorDeclaration"] = [
                "declarationTime": "2026-06-01T08:00:00+08:00", "reason": "did_not_occur",
                "correctiveEventIDs": [.string(correctiveID)], "example:vendorExtension": "Test1",
                "https://ns.example.com/epcis/ticket": "T-7",
            ]
        }
        let report = try fixture.accept([declared], as: "pilbara-mining")
        #expect(report.written == 1 && report.retractions == 1)
        let corrective = try fixture.chain.read { reader, txn, _ in try reader.correctiveEvents(of: wrongID, txn) }
        #expect(corrective.map(\.eventID) == [correctiveID])
    }
}
