import Foundation
import LedgerCore
import SupplyChain
import Testing

/// `levels` objects as text, each the only member `a` of the one around it, the innermost holding 1.
func nestedText(_ levels: Int) -> String {
    String(repeating: #"{"a":"#, count: levels) + "1" + String(repeating: "}", count: levels)
}

/// An extraction of `lot` at the mine whose extension member `ex:deep` nests it `depth` levels deep,
/// its own object the first, as one line.
func deepExtraction(_ lot: String, depth: Int, eventID: String? = nil) throws -> String {
    var members = try #require(try JSONValue(parsing: Events.extract(lot, 1)).objectValue)
    members["@context"] = ["ex": "https://ex.example/"]
    if let eventID { members["eventID"] = .string(eventID) }
    members["ex:deep"] = "DEEP"
    // Spliced in as text: a value far deeper than the parser reads is written without building it.
    return Events.json(members).replacingOccurrences(of: #""DEEP""#, with: nestedText(depth - 1))
}

/// The text with a line break after each bracket that opens and each comma, outside strings.
func prettyPrinted(_ text: String) -> String {
    var out = ""
    var inString = false
    var escaped = false
    for character in text {
        out.append(character)
        if inString {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                inString = false
            }
            continue
        }
        switch character {
        case "\"": inString = true
        case "{", "[", ",": out.append("\n  ")
        default: break
        }
    }
    return out
}

@Suite("Event nesting: an event is imported only as deep as its entry is read, in every form of submission")
struct EventNestingTests {
    /// Where an event nested past the limit by `ex:deep` does so: that member's 127th object,
    /// level 128 of the event.
    static let pointer = "/ex:deep" + String(repeating: "/a", count: 126)
    static let message =
        "arrays and objects nest deeper here than the 127 levels an event may, its own object the first (its "
        + "ledger entry holds the event one level down, and entries are read to 128 levels); nest what is here "
        + "less deeply"
    static let eventID = "urn:uuid:6f1c1f9e-2f4b-4c55-9a36-0d5f3c1d2b7a"

    /// An EPCIS document of `events` (JSON texts), whose context binds `contexts`.
    static func document(
        _ events: [String],
        type: String = "EPCISDocument",
        context: String =
            #"["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://ex.example/"}]"#
    ) -> String {
        let list = #"{"eventList":["# + events.joined(separator: ",") + "]}"
        let body =
            type == "EPCISQueryDocument"
            ? #"{"queryResults":{"queryName":"SimpleEventQuery","resultsBody":"# + list + "}}" : list
        return #"{"@context":"# + context + #","type":""# + type
            + #"","schemaVersion":"2.0","creationDate":"2026-03-01T00:00:00Z","epcisBody":"# + body + "}"
    }

    /// Expects the ledger to verify: its entries, deeply, and its indexes by replay.
    static func expectVerifies(_ chain: SupplyChainLedger, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let audit = try chain.ledger.audit(deep: true)
        #expect(audit.isValid, "\(audit.failure.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        let replay = try chain.auditIndexes()
        #expect(replay.isValid, "\(replay.failure ?? "")", sourceLocation: sourceLocation)
    }

    @Test(
        "JSON Lines: an event as deep as an entry's body may imports and verifies; one level deeper is refused by index, line, eventID and place, and nothing is written"
    )
    func jsonLinesAtTheLimit() throws {
        let fixture = try ChainFixture()
        let ledger = fixture.chain.ledger
        let deepest = try deepExtraction("DEEP-1", depth: Entry.maxBodyDepth)
        #expect(try fixture.accept([Events.extract("FLAT-1"), deepest], as: "pilbara-mining").written == 2)
        try Self.expectVerifies(fixture.chain)
        #expect(try fixture.chain.rebuildIndexes().isRebuilt)
        // Its entry nests exactly as deep as entries are read.
        let entry = try ledger.entry(at: try ledger.size - 1)
        #expect(throws: LedgerError.self) {
            try JSONValue(parsing: entry.canonicalBytes, maxDepth: Entry.maxDepth - 1)
        }

        let size = try ledger.size
        let deeper = try deepExtraction("DEEP-2", depth: Entry.maxBodyDepth + 1, eventID: Self.eventID)
        let error = try fixture.rejection([Events.extract("FLAT-2"), "", deeper], as: "pilbara-mining")
        #expect(error.code == .invalidRecords)
        #expect(error.message == "nothing was imported: 1 problem in 1 of 2 events")
        var expected = SupplyChainError.Problem(
            index: 1,
            identifier: Self.eventID,
            field: Self.pointer,
            message: Self.message
        )
        expected.line = 3
        #expect(error.problems == [expected])
        #expect(try ledger.size == size)
        #expect(try fixture.chain.lot("FLAT-2") == nil)

        // Far deeper than the parser reads, the place named is the same: the first level past the limit.
        let far = try fixture.rejection([try deepExtraction("DEEP-3", depth: 5_000)], as: "pilbara-mining")
        #expect(far.problems.map(\.field) == [Self.pointer])
        #expect(far.problems.map(\.index) == [0])
        try Self.expectVerifies(fixture.chain)
    }

    @Test(
        "an EPCIS document: an event as deep as an entry's body may imports and verifies, three levels down in the document; one level deeper is refused by index, eventID and place, and nothing is written"
    )
    func documentAtTheLimit() throws {
        let fixture = try ChainFixture()
        let ledger = fixture.chain.ledger
        let size = try ledger.size
        // 300 events, read by the workers in chunks of 256: the deep one is in the second.
        var events = (0..<300).map { Events.extract("DOC-\($0)", 1) }
        func submit() throws -> ImportReport {
            try fixture.chain.importSubmission(
                Array(Self.document(events).utf8),
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining")
            )
        }
        let expected = SupplyChainError.Problem(
            index: 299,
            identifier: Self.eventID,
            field: Self.pointer,
            message: Self.message
        )
        for depth in [Entry.maxBodyDepth + 1, 1_000] {
            events[299] = try deepExtraction("DOC-DEEP", depth: depth, eventID: Self.eventID)
            let error = try #require(throws: SupplyChainError.self) { try submit() }
            #expect(error.code == .invalidRecords)
            #expect(error.message == "nothing was imported: 1 problem in 1 of 300 events")
            #expect(error.problems == [expected])
            #expect(try ledger.size == size, "nothing was written")
            #expect(try EPCISDocumentCheck.check(Array(Self.document(events).utf8)).problems == [expected])
        }
        // The document itself nests 130 levels, past what a JSON text is read to alone: its events
        // are read each to their own limit.
        events[299] = try deepExtraction("DOC-DEEP", depth: Entry.maxBodyDepth, eventID: Self.eventID)
        #expect(try submit().written == 300)
        try Self.expectVerifies(fixture.chain)
    }

    @Test(
        "every other form reads an event to the same limit and names the event nested deeper, by index and place",
        arguments: ["EPCISQueryDocument", "array", "event", "EPCISDocument, pretty-printed"]
    )
    func otherFormsAtTheLimit(form: String) throws {
        let fixture = try ChainFixture()
        let ledger = fixture.chain.ledger
        let size = try ledger.size
        // The index of the deep event, after one flat event where the form holds several.
        let index = form == "event" ? 0 : 1
        func text(_ deep: String, flat: String) -> String {
            switch form {
            case "EPCISQueryDocument": Self.document([flat, deep], type: "EPCISQueryDocument")
            case "array": "[" + flat + "," + deep + "]"
            case "event": prettyPrinted(deep)
            default: prettyPrinted(Self.document([flat, deep]))
            }
        }
        func submit(_ text: String) throws -> ImportReport {
            try fixture.chain.importSubmission(
                Array(text.utf8),
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining")
            )
        }
        // One level deeper, and far deeper than the whole text is read.
        for depth in [Entry.maxBodyDepth + 1, 300] {
            let deep = try deepExtraction("DEEP-\(depth)", depth: depth, eventID: Self.eventID)
            let error = try #require(throws: SupplyChainError.self) {
                try submit(text(deep, flat: Events.extract("FLAT-\(depth)", 1)))
            }
            #expect(error.code == .invalidRecords)
            #expect(error.problems.map(\.index) == [index], "\(error)")
            #expect(error.problems.map(\.field) == [Self.pointer])
            #expect(error.problems.map(\.message) == [Self.message])
            // An event read is named by its eventID too; in a text too deep to read whole, none is read.
            #expect(error.problems.allSatisfy { $0.identifier == nil || $0.identifier == Self.eventID })
            #expect(try ledger.size == size, "nothing was written")
        }
        let deepest = try deepExtraction("DEEPEST", depth: Entry.maxBodyDepth, eventID: Self.eventID)
        #expect(try submit(text(deepest, flat: Events.extract("FLAT", 1))).written == index + 1)
        try Self.expectVerifies(fixture.chain)
    }

    @Test(
        "the document's prefix bindings and an event's own @context count as deep as the event's entry holds them"
    )
    func contextAsTheEntryHoldsIt() throws {
        let fixture = try ChainFixture()
        let ledger = fixture.chain.ledger
        func submit(_ text: String) throws -> ImportReport {
            try fixture.chain.importSubmission(
                Array(text.utf8),
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining")
            )
        }
        // The document's bindings are each entry's @context, level 2 of its body: `ex` bound to
        // 125 levels reaches level 127, to 126 levels one past it.
        let bound = Self.document([Events.extract("BOUND-1", 1)], context: #"{"ex":"# + nestedText(125) + "}")
        #expect(try submit(bound).written == 1)
        let size = try ledger.size
        let tooDeep = Self.document([Events.extract("BOUND-2", 1)], context: #"{"ex":"# + nestedText(126) + "}")
        let error = try #require(throws: SupplyChainError.self) { try submit(tooDeep) }
        #expect(error.problems.map(\.index) == [0])
        #expect(error.problems.map(\.field) == ["/@context"])
        #expect(
            error.problems.first?.message.contains("(at /@context/ex" + String(repeating: "/a", count: 125) + " in")
                == true,
            "\(error)"
        )
        #expect(try ledger.size == size)

        // An event's own @context object follows the bindings in a list, one level further down:
        // 124 levels below it fit, 125 do not, though the event itself is no deeper than 127.
        func ownContext(_ lot: String, _ levels: Int) throws -> String {
            var members = try #require(try JSONValue(parsing: Events.extract(lot, 1)).objectValue)
            members["@context"] = ["ey": "DEEP"]
            return Events.json(members).replacingOccurrences(of: #""DEEP""#, with: nestedText(levels))
        }
        #expect(try submit(Self.document([try ownContext("OWN-1", 124)])).written == 1)
        let own = try #require(throws: SupplyChainError.self) {
            try submit(Self.document([try ownContext("OWN-2", 125)]))
        }
        #expect(own.problems.map(\.field) == ["/@context"])
        #expect(
            own.problems.first?.message.contains("(at /@context/1/ey" + String(repeating: "/a", count: 124) + " in")
                == true,
            "\(own)"
        )
        try Self.expectVerifies(fixture.chain)
    }
}
