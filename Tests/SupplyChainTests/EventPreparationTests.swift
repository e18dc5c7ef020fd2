import Dispatch
import Foundation
import LedgerCore
import Testing

@testable import SupplyChain

@Suite("Preparing a document's events ahead of the rules")
struct EventPreparationTests {
    /// An EPCIS document of `count` events over three chunks and more, every tenth without a
    /// time-zone offset.
    static func document(count: Int) -> [UInt8] {
        let events = (0..<count).map { index in
            var members: [String: JSONValue] = [
                "type": "ObjectEvent", "eventTime": "2026-01-05T06:00:00+08:00", "action": "ADD",
                "bizLocation": ["id": .string(Events.mine)],
                "quantityList": [Events.quantity("urn:epc:class:lgtin:9300001.000011.L\(index)", 10)],
            ]
            if index % 10 != 0 { members["eventTimeZoneOffset"] = "+08:00" }
            return JSONValue.object(members)
        }
        let document: JSONValue = [
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-01-05T00:00:00Z",
            "epcisBody": ["eventList": .array(events)],
        ]
        return document.canonicalBytes
    }

    /// What the rules read of each prepared event: its eventID, its problems, and whether it
    /// was sealed.
    static func summary(_ chunks: [[PreparedEvent]]) -> [String] {
        chunks.joined().map { prepared in
            let sealed = (try? prepared.draft()) != nil
            let problems = prepared.problems.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
            return "\(prepared.event?.eventID ?? "-") \(sealed) \(problems)"
        }
    }

    static func preparation(
        _ bytes: [UInt8],
        queue: DispatchQueue,
        helpsWhileWaiting: Bool = false
    ) throws -> EventPreparation {
        let document = try SubmissionDocument.read(bytes)
        return EventPreparation(
            events: document.events,
            namespaces: document.namespaces,
            sealing: EventPreparation.Sealing(actor: "pilbara-mining", documentBindings: document.bindings),
            queue: queue,
            helpsWhileWaiting: helpsWhileWaiting
        )
    }

    @Test("a caller whose workers have not begun prepares every chunk itself, as the workers would")
    func callerPreparesUnclaimedChunks() throws {
        let bytes = Self.document(count: 3 * EventPreparation.chunkSize + 17)
        let pooled = try Self.preparation(bytes, queue: .global())
        let expected = Self.summary(try (0..<pooled.chunkCount).map { try pooled.chunk($0) })
        pooled.release()

        // The workers' queue is held, so no worker claims a chunk until the caller has taken all.
        let held = DispatchQueue(label: "held workers")
        held.suspend()
        let preparation = try Self.preparation(bytes, queue: held)
        #expect(preparation.chunkCount == 4)
        let taken = try (0..<preparation.chunkCount).map { try preparation.chunk($0) }
        held.resume()
        // The workers, released, find every chunk claimed; freeing still finds each one ready.
        preparation.release()

        #expect(Self.summary(taken) == expected)
        #expect(expected.count == 3 * EventPreparation.chunkSize + 17)
        #expect(expected.filter { $0.contains("/eventTimeZoneOffset") }.count == 79)
        #expect(expected.filter { $0.hasPrefix("ni:///sha-256;") && $0.contains(" true ") }.count == 706)
    }

    @Test("a caller that helps one worker thread takes every chunk once, in order, as the pool prepares them")
    func callerHelpingOneWorkerTakesEveryChunkOnce() throws {
        let bytes = Self.document(count: 12 * EventPreparation.chunkSize + 5)
        let pooled = try Self.preparation(bytes, queue: .global())
        let expected = Self.summary(try (0..<pooled.chunkCount).map { try pooled.chunk($0) })
        pooled.release()
        // One worker thread and the caller race for the chunks: the caller prepares the chunks
        // after one the worker holds rather than wait, and both claim each chunk once. The
        // interleaving differs from run to run, so the race is run several times.
        for round in 0..<5 {
            let one = DispatchQueue(label: "one worker \(round)")
            let preparation = try Self.preparation(bytes, queue: one, helpsWhileWaiting: true)
            let taken = try (0..<preparation.chunkCount).map { try preparation.chunk($0) }
            // A chunk may be asked for again, and is the same.
            let again = try preparation.chunk(preparation.chunkCount - 1)
            preparation.release()
            #expect(Self.summary(taken) == expected, "round \(round)")
            #expect(Self.summary([again]) == Self.summary([taken[taken.count - 1]]))
        }
    }

    @Test("workers' tasks still queued when the caller is done do not keep the document alive")
    func queuedTasksDoNotKeepThePreparation() throws {
        let held = DispatchQueue(label: "held workers")
        held.suspend()
        weak var gone: EventPreparation?
        do {
            let preparation = try Self.preparation(Self.document(count: 2 * EventPreparation.chunkSize), queue: held)
            gone = preparation
            _ = try (0..<preparation.chunkCount).map { try preparation.chunk($0) }
        }
        // Both tasks are still queued, yet the preparation, its document and its events are freed.
        #expect(gone == nil)
        held.resume()
        held.sync {}
    }

    @Test("a chunk the caller prepares itself still reports an event that is not valid JSON")
    func callerPreparedChunkReportsInvalidJSON() throws {
        var text = String(decoding: Self.document(count: EventPreparation.chunkSize + 5), as: UTF8.self)
        // The last event's quantity becomes a bare word: the document is no longer JSON.
        let range = try #require(text.range(of: "\"quantity\":10", options: .backwards))
        text.replaceSubrange(range, with: "\"quantity\":ten")
        let held = DispatchQueue(label: "held workers")
        held.suspend()
        let preparation = try Self.preparation(Array(text.utf8), queue: held)
        _ = try preparation.chunk(0)
        #expect(throws: SupplyChainError.self) { try preparation.chunk(1) }
        held.resume()
        preparation.release()
    }

    @Test("events that share an ilmd read its extension fields and master data as each would alone")
    func sharedILMDReadsAsAlone() throws {
        let plain = #"{"ct:material":"lithium-hydroxide","ct:grade":"battery","cbvmda:countryOfOrigin":"CN"}"#
        let perLot =
            #"{"ct:lots":[{"epcClass":"urn:epc:class:lgtin:9300001.000011.L5","ct:material":"spodumene"}],"ct:material":"lithium-hydroxide"}"#
        let badly = #"{"ct:material":"Lithium Hydroxide"}"#
        let events = [
            (plain, ""), (plain, ""), (badly, ""), (plain, #""@context":[{"ct":"https://other.example/ns/"}],"#),
            (plain, ""), (perLot, ""), (perLot, ""), (badly, ""), (plain, ""),
        ]
        .enumerated().map { index, event in
            """
            {\(event.1)"type":"ObjectEvent","eventTime":"2026-01-05T06:00:00+08:00","eventTimeZoneOffset":"+08:00",\
            "action":"ADD","bizLocation":{"id":"\(Events.mine)"},\
            "quantityList":[{"epcClass":"urn:epc:class:lgtin:9300001.000011.L\(index)","quantity":10,"uom":"TNE"}],\
            "ilmd":\(event.0)}
            """
        }
        let document = """
            {"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",\
            {"ct":"https://celltrace.dev/ns/epcis/1/"}],"type":"EPCISDocument","schemaVersion":"2.0",\
            "creationDate":"2026-01-05T00:00:00Z","epcisBody":{"eventList":[\(events.joined(separator: ","))]}}
            """
        func masters(_ preparation: EventPreparation) throws -> [String] {
            defer { preparation.release() }
            return try (0..<preparation.chunkCount).flatMap { try preparation.chunk($0) }.map { prepared in
                let masters = prepared.activity?.masters ?? []
                return masters.map { "\($0.material ?? "-") \($0.grade ?? "-") \($0.country ?? "-") \($0.problems)" }
                    .joined(separator: "; ")
            }
        }
        // Read as a document, the events share their repeated ilmd; parsed whole, none is shared.
        let shared = try masters(Self.preparation(Array(document.utf8), queue: .global()))
        let read = try SubmissionDocument.read(Array(document.utf8))
        guard case .deferred = read.events else {
            Issue.record("the document's events are not parsed as a batch")
            return
        }
        let whole = try JSONValue(parsing: document)
        let alone = try masters(
            EventPreparation(
                events: .parsed(try #require(whole["epcisBody"]?["eventList"]?.arrayValue)),
                namespaces: read.namespaces,
                sealing: EventPreparation.Sealing(actor: "pilbara-mining", documentBindings: read.bindings)
            )
        )
        #expect(shared == alone)
        #expect(alone[0] == "lithium-hydroxide battery CN []")
        #expect(alone[3] != alone[0] && alone[2] != alone[0])
        #expect(alone[5].hasPrefix("spodumene") && alone[6].hasPrefix("lithium-hydroxide"))
    }
}
