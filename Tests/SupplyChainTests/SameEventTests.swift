import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStorage
import Testing

@testable import SupplyChain

/// An event is the same event whatever eventID it is sent under.
///
/// Its CBV 2.0 Event Hash ID leaves the eventID out. A supplier's system that drops or adds eventIDs when it sends a document again
/// must not record its events twice.
@Suite("The same event sent again with another eventID, or without one")
struct SameEventTests {
    static let uuid = "urn:uuid:6f1f3c5e-2b1a-4a57-9a0e-0d3c1e8a7b21"

    static func withEventID(_ line: String, _ eventID: String = uuid) throws -> String {
        try edited(line) { $0["eventID"] = .string(eventID) }
    }

    static func hashID(_ line: String) throws -> String {
        let json = try JSONValue(parsing: line)
        let event = EPCISEvent.read(json, index: 0, namespaces: SubmissionDocument.baseNamespaces, sink: ProblemSink())
        return try #require(event?.hashID)
    }

    @Test("an event recorded under its own eventID, sent again without one, is skipped with a warning naming it")
    func withoutItsEventID() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        try fixture.accept([try Self.withEventID(event)], as: "pilbara-mining")
        let size = try fixture.chain.ledger.size

        let again = try fixture.accept([event], as: "pilbara-mining")
        #expect(again.written == 0 && again.alreadyPresent == 1 && again.receipt == nil)
        #expect(try fixture.chain.ledger.size == size)
        let warning = try #require(again.warnings.first)
        #expect(warning.index == 0 && warning.field == "/eventID")
        #expect(warning.identifier == (try Self.hashID(event)))
        #expect(
            warning.message
                == "the same event (the same Event Hash ID) is in the ledger as \(Self.uuid), entry \(size - 1); not recorded again"
        )
        #expect(again.eventIDs == [try Self.hashID(event)])
        try ChainTests.expectCleanAudit(fixture.chain, submissions: 1)
    }

    @Test("another actor's event sent again writes nothing, and the warning names whose it stays")
    func anotherActorsEvent() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        try fixture.accept([event], as: "pilbara-mining")
        let size = try fixture.chain.ledger.size

        let again = try fixture.accept([event, try Self.withEventID(event)], as: "sichuan-lithium")
        #expect(again.written == 0 && again.alreadyPresent == 2 && again.receipt == nil)
        #expect(try fixture.chain.ledger.size == size)
        let others = again.warnings.filter { $0.message.hasPrefix("pilbara-mining recorded this event") }
        #expect(others.map(\.index) == [0, 1])
        #expect(
            others.first?.message
                == "pilbara-mining recorded this event (entry \(size - 1)); sent again by sichuan-lithium, it stays pilbara-mining's and nothing is written"
        )
        // Its own event sent again says nothing of the kind.
        #expect(try fixture.accept([event], as: "pilbara-mining").warnings.isEmpty)
        #expect(try fixture.chain.eventRecord(try Self.hashID(event))?["actor"] == "pilbara-mining")
        // Nor its error declaration; another actor's copy of it says whose it stays.
        let declaration = try Events.declaredInError(event)
        try fixture.accept([declaration], as: "pilbara-mining")
        let declaredAt = try fixture.chain.ledger.size - 1
        #expect(try fixture.accept([declaration], as: "pilbara-mining").warnings.isEmpty)
        let copy = try fixture.accept([declaration], as: "sichuan-lithium")
        #expect(copy.written == 0 && copy.alreadyPresent == 1)
        #expect(
            copy.warnings.map(\.message) == [
                "pilbara-mining declared this event in error (entry \(declaredAt)); sent again by sichuan-lithium, it stays pilbara-mining's and nothing is written"
            ]
        )
        #expect(copy.warnings.first?.field == "/errorDeclaration")
    }

    @Test("an event recorded without an eventID, sent again with one, is skipped with a warning naming its hash ID")
    func withAnEventIDAdded() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        try fixture.accept([event], as: "pilbara-mining")
        let hashID = try Self.hashID(event)

        let again = try fixture.accept([try Self.withEventID(event)], as: "pilbara-mining")
        #expect(again.written == 0 && again.alreadyPresent == 1)
        #expect(again.warnings.map(\.identifier) == [Self.uuid])
        #expect(again.warnings.first?.message.contains("is in the ledger as \(hashID), entry") == true)
        // And under a second eventID of its own.
        let third = try fixture.accept(
            [try Self.withEventID(event, "urn:uuid:00000000-0000-4000-8000-000000000003")],
            as: "pilbara-mining"
        )
        #expect(third.written == 0 && third.alreadyPresent == 1)
        try ChainTests.expectCleanAudit(fixture.chain, submissions: 1)
    }

    @Test("two eventIDs of their own for the same event: the second is skipped")
    func underTwoEventIDs() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        try fixture.accept([try Self.withEventID(event)], as: "pilbara-mining")
        let again = try fixture.accept(
            [try Self.withEventID(event, "urn:uuid:00000000-0000-4000-8000-000000000002"), Events.extract("ORE-2")],
            as: "pilbara-mining"
        )
        #expect(again.written == 1 && again.alreadyPresent == 1)
        #expect(again.warnings.first?.message.contains("is in the ledger as \(Self.uuid)") == true)
        try ChainTests.expectCleanAudit(fixture.chain, submissions: 2)
    }

    @Test("within one document, the same event with and without an eventID is repeated, in either order")
    func repeatedWithinADocument() throws {
        let fixture = try ChainFixture()
        let first = try fixture.accept(
            [try Self.withEventID(Events.extract("A")), Events.extract("A")],
            as: "pilbara-mining"
        )
        #expect(first.written == 1 && first.repeated == 1 && first.alreadyPresent == 1)
        #expect(first.warnings.map(\.index) == [1])
        #expect(first.warnings.first?.message.contains("is event 0 of this document, \(Self.uuid)") == true)
        let second = try fixture.accept(
            [
                Events.extract("B"),
                try Self.withEventID(Events.extract("B"), "urn:uuid:00000000-0000-4000-8000-00000000000b"),
            ],
            as: "pilbara-mining"
        )
        #expect(second.written == 1 && second.repeated == 1)
        try ChainTests.expectCleanAudit(fixture.chain, submissions: 2)
    }

    @Test("an event is found by its hash ID as well as by its own eventID")
    func foundByItsHashID() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        try fixture.accept([try Self.withEventID(event)], as: "pilbara-mining")
        let byID = try fixture.chain.eventRecord(Self.uuid)
        #expect(byID != nil)
        #expect(try fixture.chain.eventRecord(try Self.hashID(event)) == byID)
    }

    @Test("an error declaration without an eventID retracts the event recorded under its own")
    func retractedWithoutItsEventID() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        try fixture.accept([try Self.withEventID(event)], as: "pilbara-mining")
        let declaration = try edited(event) {
            $0["errorDeclaration"] = ["declarationTime": "2026-01-06T08:00:00+08:00", "reason": "incorrect_data"]
        }
        let report = try fixture.accept([declaration], as: "pilbara-mining")
        #expect(report.written == 1 && report.retractions == 1)
        #expect(try fixture.chain.lot("ORE")?.lot.retractedAt != nil)
        try ChainTests.expectCleanAudit(fixture.chain, submissions: 2)
    }

    @Test("an eventID that is another event's hash ID is refused, as any eventID of a different event")
    func anotherEventsHashIDAsEventID() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        try fixture.accept([try Self.withEventID(event)], as: "pilbara-mining")
        let hashID = try Self.hashID(event)
        let other = try fixture.rejection([try Self.withEventID(Events.extract("ORE-2"), hashID)], as: "pilbara-mining")
        expectProblem(
            other,
            index: 0,
            field: "/eventID",
            containing:
                "eventID \(hashID) is the Event Hash ID of a different event, in the ledger as \(Self.uuid), entry ",
            identified: false
        )
    }

    @Test(
        "an eventID that was another event's hash ID before that event came: the event sent again without one is skipped"
    )
    func hashIDTakenAsEventIDFirst() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        let hashID = try Self.hashID(event)
        // A different event recorded under the hash ID of `event` as its eventID, then `event` itself.
        try fixture.accept([try Self.withEventID(Events.extract("ORE-2"), hashID)], as: "pilbara-mining")
        try fixture.accept([try Self.withEventID(event)], as: "pilbara-mining")
        let again = try fixture.accept([event], as: "pilbara-mining")
        #expect(again.written == 0 && again.alreadyPresent == 1)
        #expect(again.warnings.first?.message.contains("is in the ledger as \(Self.uuid)") == true)
        try ChainTests.expectCleanAudit(fixture.chain, submissions: 2)
    }

    @Test(
        "a ledger of index layout 5, without sc.event-hashes, is refused until rebuilt; then its events are found by hash ID"
    )
    func layoutFiveIsRebuilt() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        try fixture.accept([try Self.withEventID(event), Events.extract("ORE-2")], as: "pilbara-mining")
        let chain = fixture.chain
        let size = try chain.ledger.size
        let rows = try chain.digestRecords("sc.event-hashes")
        #expect(rows.count == 1, "one row, for the one event with an eventID of its own")
        try chain.ledger.rewriteExtraTables(["sc.event-hashes", "sc.meta"], expectedSize: size) { txn, tables in
            try txn.put(Array("5".utf8), forKey: Array("layout".utf8), in: tables[1])
        }
        let reopened = try SupplyChainLedger(ledger: chain.ledger)
        let refused = try #require(throws: SupplyChainError.self) { try reopened.eventRecord(Self.uuid) }
        #expect(refused.code == .indexLayout && refused.message.contains("written in index layout 5"))
        let failure = try #require(try reopened.auditIndexes().failure)
        #expect(failure.contains("sc.event-hashes lacks the row SHA-256 "), "\(failure)")

        #expect(try reopened.rebuildIndexes().isRebuilt)
        #expect(try reopened.digestRecords("sc.event-hashes").map(\.value) == rows.map(\.value))
        let again = try reopened.importSubmission(
            Array(event.utf8),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        #expect(again.written == 0 && again.alreadyPresent == 1)
    }

    @Test("a dry run and an import of several documents find an event of an unwritten one under another eventID")
    func acrossUnwrittenDocuments() throws {
        let fixture = try ChainFixture()
        let event = Events.extract("ORE")
        // The second document has no event with an eventID of its own: it is told of the first's row
        // while the first is not written (dry run), and after it is (import).
        let documents = [
            Array(try Self.withEventID(event).utf8),
            Array([event, Events.extract("ORE-2")].joined(separator: "\n").utf8),
        ]
        for dryRun in [true, false] {
            var reports: [ImportReport] = []
            try fixture.chain.importSubmissions(
                count: documents.count,
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining"),
                dryRun: dryRun,
                document: { documents[$0] },
                imported: { _, report in reports.append(report) }
            )
            #expect(reports.map(\.written) == [1, 1], "dry run: \(dryRun)")
            #expect(reports.map(\.alreadyPresent) == [0, 1], "dry run: \(dryRun)")
            #expect(reports[1].warnings.map(\.index) == [0])
        }
        try ChainTests.expectCleanAudit(fixture.chain, submissions: 2)
    }
}
