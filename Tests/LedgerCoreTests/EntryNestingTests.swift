import Foundation
import LedgerCore
import LedgerCrypto
import Testing

/// A value of `levels` objects, each the only member `a` of the one around it, the innermost
/// holding `leaf`.
func nestedObjects(_ levels: Int, leaf: JSONValue = 1) -> JSONValue {
    var value = leaf
    for _ in 0..<levels { value = ["a": value] }
    return value
}

/// The pointer `/a/a/…/a`, `count` tokens long, after `prefix`.
func repeatedPointer(_ prefix: String, _ count: Int) -> String {
    prefix + String(repeating: "/a", count: count)
}

@Suite("Entry nesting: an entry is written only as deep as its readers read it")
struct EntryNestingTests {
    @Test("the body's limit is the readers' limit, less the entry's own object")
    func limitsAreOneConstant() {
        #expect(Entry.maxDepth == 128)
        #expect(Entry.maxBodyDepth == Entry.maxDepth - 1)
    }

    @Test("a body as deep as a body may be appends and reads back; one level deeper is refused, by record and pointer")
    func appendAtTheLimit() throws {
        try withTemporaryDirectory { path in
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            // The body's object is level 1, `deep`'s value levels 2 to 127.
            let deepest: JSONValue = ["deep": nestedObjects(Entry.maxBodyDepth - 1)]
            try ledger.append([EntryDraft(type: "generic", actor: "tester", body: deepest)])
            let entry = try ledger.entry(at: 0)
            #expect(entry.body == deepest)
            // Its entry nests exactly as deep as its readers read.
            #expect(throws: LedgerError.self) {
                try JSONValue(parsing: entry.canonicalBytes, maxDepth: Entry.maxDepth - 1)
            }
            #expect(try ledger.audit(deep: true).isValid)

            let batch = [
                EntryDraft(type: "generic", actor: "tester", body: ["lot": "FLAT"]),
                EntryDraft(type: "generic", actor: "tester", body: ["deep": nestedObjects(Entry.maxBodyDepth)]),
            ]
            let error = try #require(throws: LedgerError.self) { try ledger.append(batch) }
            #expect(error.code == .invalidInput)
            #expect(error.record?.index == 1)
            // The first object past level 127 is `deep`'s 127th, 126 `a`s below it.
            #expect(
                error.record?.problem
                    == "field 'body\(repeatedPointer("/deep", 126))': arrays and objects nest deeper here than the "
                    + "127 levels an entry's body may, its own array or object the first (the entry holds the body "
                    + "one level down, and entries are read to 128 levels)"
            )
            #expect(try ledger.size == 1, "nothing of the batch was written")
        }
    }

    @Test("a sealed value is as deep as the commitment in its place, and an opening is read as deep as its value stood")
    func sealedValuesAtTheLimit() throws {
        try withTemporaryDirectory { path in
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            // A plain value at level 128 of the body's clear form is fine; a commitment there is an object.
            let leaf = repeatedPointer("/deep", Entry.maxBodyDepth - 1)
            let scalar = EntryDraft(
                type: "generic",
                actor: "tester",
                body: ["deep": nestedObjects(Entry.maxBodyDepth - 1, leaf: "secret")],
                confidential: [try JSONPointer(leaf)]
            )
            let error = try #require(throws: LedgerError.self) { try ledger.append([scalar]) }
            #expect(error.record?.problem.hasPrefix("field 'body\(leaf)': a commitment ({\"$commit\":…})") == true)
            #expect(try ledger.size == 0)

            // The whole of a value as deep as a body may hold, sealed: its opening, two levels
            // down, is read as deep as the value stood in the clear body.
            let whole = EntryDraft(
                type: "generic",
                actor: "tester",
                body: ["deep": nestedObjects(Entry.maxBodyDepth - 1)],
                confidential: [try JSONPointer("/deep")]
            )
            try ledger.append([whole])
            #expect(
                try ledger.openings(forEntryAt: 0)[try JSONPointer("/deep")]?.value
                    == nestedObjects(Entry.maxBodyDepth - 1)
            )
            #expect(try ledger.audit(deep: true).isValid)

            // Sealed before the append, a value one level deeper makes openings no reader reads.
            let sealed = try EntryDraft(
                type: "generic",
                actor: "tester",
                body: ["deep": nestedObjects(Entry.maxBodyDepth)],
                confidential: [try JSONPointer("/deep")]
            ).sealingConfidentialValues()
            let deeper = try #require(throws: LedgerError.self) { try ledger.append([sealed]) }
            #expect(deeper.code == .invalidInput)
            #expect(deeper.record?.problem.hasPrefix("field 'body\(repeatedPointer("/deep", 126))': ") == true)
            #expect(try ledger.size == 1)
        }
    }

    @Test("an entry nested past the readers' limit is named as not readable, with no advice to submit it again")
    func readersNameAnEntryTooDeepToRead() throws {
        // As a CellTrace before the append's check could write it.
        let entry = Entry(
            sequenceNumber: 5,
            previousHash: .zero,
            origin: "celltrace.test/nesting",
            time: Timestamp(millisecondsSinceEpoch: 1_795_000_000_000),
            actor: "tester",
            type: "epcis.event",
            body: ["deep": nestedObjects(Entry.maxBodyDepth)]
        )
        let offset = try #require(
            JSONValue.firstNesting(deeperThan: Entry.maxDepth, in: entry.canonicalBytes)?.offset
        )
        for read in [
            { _ = try Entry(canonicalBytes: entry.canonicalBytes) },
            { _ = try Entry(verifiedCanonicalBytes: entry.canonicalBytes, leafHash: entry.leafHash) },
        ] {
            let error = try #require(throws: LedgerError.self) { try read() }
            #expect(error.code == .invalidInput)
            #expect(
                error.message
                    == "the entry is not JSON this CellTrace reads: arrays and objects nest deeper than the limit "
                    + "of 128 (byte offset \(offset))"
            )
            #expect(error.byteOffset == offset)
        }
    }

    @Test("the first array or object past a limit is named by its pointer, read from the value and from its text")
    func firstNestingFromTheValueAndFromItsText() throws {
        // Brackets in strings and an escaped key, spaced as a person writes them.
        let text = #"{ "a": "{[[[ not brackets", "b": [1, [2, {"x~\/y": [3], "z": {}}]], "eventID": "urn:x" }"#
        let value = try JSONValue(parsing: text)
        #expect(value.firstNesting(deeperThan: 3) == JSONPointer(tokens: ["b", "1", "1"]))
        #expect(value.firstNesting(deeperThan: 4) == JSONPointer(tokens: ["b", "1", "1", "x~/y"]))
        #expect(value.firstNesting(deeperThan: 5) == nil)
        let bytes = Array(text.utf8)
        let level4 = try #require(JSONValue.firstNesting(deeperThan: 3, in: bytes, keepingTopLevel: "eventID"))
        #expect(level4.pointer == JSONPointer(tokens: ["b", "1", "1"]))
        #expect(level4.offset == text.range(of: #"{"x~"#)?.lowerBound.utf16Offset(in: text))
        #expect(level4.topLevelString == "urn:x", "found after the place, at the top level only")
        let level5 = try #require(JSONValue.firstNesting(deeperThan: 4, in: bytes))
        #expect(level5.pointer.text == "/b/1/1/x~0~1y")
        #expect(level5.topLevelString == nil)
        #expect(JSONValue.firstNesting(deeperThan: 5, in: bytes) == nil)
        // Where the parser stops for the depth, the scan finds the place.
        let refused = try #require(throws: LedgerError.self) { try JSONValue(parsing: bytes, maxDepth: 4) }
        #expect(refused.byteOffset == level5.offset)
    }
}
