import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStorage
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory per test, removed afterwards (no test shares ledger state).
func withTemporaryDirectory<R>(_ body: (String) throws -> R) rethrows -> R {
    let path = makeTemporaryDirectory()
    defer { _ = system("rm -rf '\(path)'") }
    return try body(path)
}

/// Creates a fresh directory under /tmp.
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/celltrace-test-XXXXXX".utf8CString)
    let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
    guard let created else { fatalError("mkdtemp failed") }
    return String(cString: created)
}

/// A clock that starts at a fixed time and advances one second per batch.
func steppingClock() -> @Sendable () -> Timestamp {
    let counter = Counter()
    return { Timestamp(millisecondsSinceEpoch: 1_795_000_000_000 + counter.next() * 1000) }
}

/// A flag one task raises and others read.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

final class Counter: Sendable {
    private let value = Mutex<Int64>(0)
    func next() -> Int64 {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}

let testOptions = Ledger.Options(durable: false, clock: steppingClock())

func drafts(_ count: Int, from start: Int = 0) -> [EntryDraft] {
    (start..<start + count).map { index in
        EntryDraft(
            type: "generic",
            actor: "tester",
            body: ["lot": .string("LOT-\(index)"), "kg": .string("\(index).5")]
        )
    }
}

@Suite struct LedgerTests {
    @Test func pointersSpellTheirTokensEscapedAndReadBack() throws {
        let cases: [([String], String)] = [
            ([], ""), ([""], "/"), (["inputQuantityList", "0", "quantity"], "/inputQuantityList/0/quantity"),
            (["a/b", "~", "é", "x~/y"], "/a~1b/~0/é/x~0~1y"),
            (["a very long member name of many bytes"], "/a very long member name of many bytes"),
        ]
        for (tokens, text) in cases {
            #expect(JSONPointer(tokens: tokens).text == text)
            #expect(try JSONPointer(text).tokens == tokens)
        }
    }

    /// `replaceValue` changes a value in place where nothing else holds its containers, and
    /// leaves alone any copy that shares them: the body an entry holds, another document.
    @Test func pointersReplaceInPlaceAndLeaveCopiesAlone() throws {
        let elements = (0..<1000).map { JSONValue.object(["q": .number(Double($0)), "uom": "KGM"]) }
        let original: JSONValue = ["list": .array(elements), "note": "clear", "party": ["id": "urn:a"]]
        var body = original
        for index in stride(from: 999, through: 0, by: -1) {
            #expect(try JSONPointer("/list/\(index)/q").replaceValue(with: .number(Double(-index)), in: &body))
        }
        #expect(try JSONPointer("/party/id").replaceValue(with: "urn:b", in: &body))
        #expect(!(try JSONPointer("/list/1000/q").replaceValue(with: 1, in: &body)))
        #expect(!(try JSONPointer("/missing/x").replaceValue(with: 1, in: &body)))
        // The copy changed everywhere it was asked to, and only there; the original not at all.
        #expect(
            body["list"]?.arrayValue?.enumerated().allSatisfy { $1 == ["q": .number(Double(-$0)), "uom": "KGM"] }
                == true
        )
        #expect(body["party"] == ["id": "urn:b"] && body["note"] == "clear")
        #expect(original["list"]?.arrayValue == elements && original["party"] == ["id": "urn:a"])
    }

    @Test func appendChainsEntriesAndSignsACheckpoint() throws {
        try withTemporaryDirectory { path in
            let ledger = try Ledger.create(at: path + "/l", origin: "test.celltrace.local/a", options: testOptions)
            let first = try ledger.append(drafts(3))
            #expect(first.firstSequenceNumber == 0 && first.count == 3 && first.treeSize == 3)
            let second = try ledger.append(drafts(2, from: 3))
            #expect(second.firstSequenceNumber == 3 && second.treeSize == 5)
            #expect(try ledger.size == 5)
            var previous = SHA256Digest.zero
            var leaves: [SHA256Digest] = []
            for sequence in 0..<UInt64(5) {
                let entry = try ledger.entry(at: sequence)
                #expect(entry.sequenceNumber == sequence)
                #expect(entry.previousHash == previous)
                #expect(entry.origin == "test.celltrace.local/a")
                #expect(entry.leafHash == MerkleTree.leafHash(entry.canonicalBytes))
                previous = entry.leafHash
                leaves.append(entry.leafHash)
            }
            #expect(second.checkpoint.checkpoint.rootHash == naiveRoot(leaves[...]))
            try second.checkpoint.verify(with: ledger.verifierKey)
            #expect(try ledger.checkpoint(atSize: 3) == first.checkpoint)
        }
    }

    /// `--as-of TIME` finds a size by entry times, so they never go back: a clock stepped back an
    /// hour stamps the last entry's time until it catches up.
    @Test func entryTimesNeverGoBackWhenTheClockDoes() throws {
        try withTemporaryDirectory { path in
            let times = Mutex<[Int64]>([1_767_600_000_000, 1_767_596_400_000, 1_767_596_400_001, 1_767_600_000_002])
            let options = Ledger.Options(durable: false) {
                Timestamp(millisecondsSinceEpoch: times.withLock { $0.removeFirst() })
            }
            let ledger = try Ledger.create(at: path + "/l", origin: "test.celltrace.local/t", options: options)
            for index in 0..<4 { try ledger.append(drafts(2, from: index * 2)) }
            let stamped = try (0..<UInt64(8)).map { try ledger.entry(at: $0).time.millisecondsSinceEpoch }
            #expect(
                stamped == [
                    1_767_600_000_000, 1_767_600_000_000, 1_767_600_000_000, 1_767_600_000_000,
                    1_767_600_000_000, 1_767_600_000_000, 1_767_600_000_002, 1_767_600_000_002,
                ]
            )
        }
    }

    @Test func entryBytesAreCanonicalAndParseBack() throws {
        let entry = Entry(
            sequenceNumber: 7,
            previousHash: SHA256.hash([1]),
            origin: "test.celltrace.local/a",
            time: Timestamp(millisecondsSinceEpoch: 1_795_000_000_123),
            actor: "tester",
            type: "generic",
            body: ["b": 1, "a": ["é", "\u{1F600}"], "n": .null]
        )
        let text = String(decoding: entry.canonicalBytes, as: UTF8.self)
        #expect(
            text
                == #"{"actor":"tester","body":{"a":["é","😀"],"b":1,"n":null},"origin":"test.celltrace.local/a","prev":"4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a","seq":7,"time":"2026-11-18T11:06:40.123Z","type":"generic","v":1}"#
        )
        #expect(try JSONValue(parsing: entry.canonicalBytes).canonicalBytes == entry.canonicalBytes)
        #expect(try Entry(canonicalBytes: entry.canonicalBytes) == entry)
    }

    @Test(arguments: [
        (
            #"{"actor":"a","body":1,"origin":"o","prev":"\#(String(repeating: "0", count: 64))","seq":0,"time":"2026-11-18T05:46:40.123Z","type":"generic","v":2}"#,
            "version"
        ),
        (
            #"{"actor":"a","body":1,"origin":"o","prev":"\#(String(repeating: "0", count: 63))","seq":0,"time":"2026-11-18T05:46:40.123Z","type":"generic","v":1}"#,
            "'prev'"
        ),
        (
            #"{"actor":"a","body":1,"origin":"o","prev":"\#(String(repeating: "0", count: 64))","seq":0.5,"time":"2026-11-18T05:46:40.123Z","type":"generic","v":1}"#,
            "'seq'"
        ),
        (
            #"{"actor":"a","body":1,"origin":"o","prev":"\#(String(repeating: "0", count: 64))","seq":0,"time":"2026-11-18 05:46:40Z","type":"generic","v":1}"#,
            "'time'"
        ),
        (
            #"{"actor":"a","body":1,"extra":1,"origin":"o","prev":"\#(String(repeating: "0", count: 64))","seq":0,"time":"2026-11-18T05:46:40.123Z","type":"generic","v":1}"#,
            "unknown field"
        ),
        (
            #"{"body":1,"actor":"a","origin":"o","prev":"\#(String(repeating: "0", count: 64))","seq":0,"time":"2026-11-18T05:46:40.123Z","type":"generic","v":1}"#,
            "canonical"
        ),
    ])
    func malformedEntriesAreRejected(text: String, expectedWords: String) {
        let error = #expect(throws: LedgerError.self) { try Entry(canonicalBytes: Array(text.utf8)) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains(expectedWords) == true, "\(error?.message ?? "")")
    }

    @Test func typeIndexStoresOneRowPerRunOfATypeAndVerifies() throws {
        try withTemporaryDirectory { path in
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            var batch = drafts(7)
            batch[2].type = "lot.split"
            batch[3].type = "lot.split"
            batch[6].type = "lot.split"
            try ledger.append(batch)
            try ledger.append(drafts(1, from: 7))
            let report = try ledger.audit()
            #expect(report.isValid)
            // generic 0–1, lot.split 2–3, generic 4–5, lot.split 6, then the second batch's generic 7.
            #expect(report.indexRowsChecked == 5)
        }
    }

    @Test func appendPreparedAgainstAnOlderSizeOrFailingIndexingWritesNothing() throws {
        try withTemporaryDirectory { path in
            var options = testOptions
            options.extraTables = [Environment.TableSpec(name: "layer.index")]
            let ledger = try Ledger.create(at: path + "/l", options: options)
            let index = try ledger.extraTable("layer.index")
            try ledger.append(drafts(2))
            // Prepared when the ledger held one entry: another writer has appended since.
            let stale = #expect(throws: LedgerError.self) {
                try ledger.append(drafts(1, from: 2), expectedSize: 1, indexing: nil)
            }
            #expect(stale?.code == .conflict)
            struct IndexFailure: Error {}
            #expect(throws: IndexFailure.self) {
                try ledger.append(drafts(1, from: 2), expectedSize: 2) { txn, _ in
                    try txn.put(Array("row".utf8), forKey: Array("k".utf8), in: index)
                    throw IndexFailure()
                }
            }
            #expect(try ledger.size == 2)
            let receipt = try ledger.append(drafts(1, from: 2), expectedSize: 2) { txn, first in
                try txn.put(BigEndianKey.encode(first), forKey: Array("k".utf8), in: index)
            }
            #expect(receipt.firstSequenceNumber == 2)
            let row = try ledger.read { txn, size in
                #expect(size == 3)
                return try txn.value(in: index, forKey: Array("k".utf8))
            }
            #expect(row == BigEndianKey.encode(2), "the index row lands in the append's transaction")
        }
    }

    @Test func appendPreparedHoldingTheWriterCannotBeOvertakenByAnotherWriter() throws {
        try withTemporaryDirectory { path in
            var options = testOptions
            options.extraTables = [Environment.TableSpec(name: "layer.index")]
            let ledger = try Ledger.create(at: path + "/l", options: options)
            let index = try ledger.extraTable("layer.index")
            try ledger.append(drafts(2))
            let otherStarted = DispatchSemaphore(value: 0)
            let otherDone = DispatchSemaphore(value: 0)
            let overtaken = Flag()
            let (receipt, prepared) = try ledger.appendHoldingWriter { snapshot, size in
                let indexRows = try snapshot.count(index)
                #expect(size == 2 && indexRows == 0)
                // Another writer's append, begun while the batch is prepared, waits for it.
                DispatchQueue.global().async {
                    otherStarted.signal()
                    _ = try? ledger.append(drafts(1, from: 9))
                    otherDone.signal()
                }
                otherStarted.wait()
                if otherDone.wait(timeout: .now() + .milliseconds(200)) == .success { overtaken.set() }
                return (drafts(3, from: 2), "prepared at \(size)")
            } indexing: { txn, first, prepared in
                #expect(prepared == "prepared at 2")
                try txn.put(BigEndianKey.encode(first), forKey: Array("k".utf8), in: index)
            }
            otherDone.wait()
            #expect(!overtaken.isSet, "no append lands while the batch is prepared")
            #expect(prepared == "prepared at 2")
            #expect(receipt?.firstSequenceNumber == 2)
            #expect(try ledger.size == 6)
            #expect(try ledger.entry(at: 5).body["lot"] == "LOT-9", "the other writer's entry follows the batch")
            let row = try ledger.read { txn, _ in try txn.value(in: index, forKey: Array("k".utf8)) }
            #expect(row == BigEndianKey.encode(2))
            #expect(try ledger.audit(deep: true).isValid)

            // A batch prepared as empty appends nothing; one whose preparation throws writes nothing.
            let (none, _) = try ledger.appendHoldingWriter { _, _ in
                ([EntryDraft](), ())
            } indexing: { _, _, _ in
                Issue.record("nothing to index")
            }
            #expect(none == nil)
            struct Refused: Error {}
            #expect(throws: Refused.self) {
                try ledger.appendHoldingWriter { _, _ -> ([EntryDraft], Void) in
                    throw Refused()
                } indexing: { _, _, _ in
                }
            }
            #expect(try ledger.size == 6)
        }
    }

    @Test func badDraftWritesNothingOfItsBatch() throws {
        try withTemporaryDirectory { path in
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            try ledger.append(drafts(2))
            var batch = drafts(5, from: 2)
            batch[3].body = ["lot": "X", "$commit": "sneaky"]
            let error = #expect(throws: LedgerError.self) { try ledger.append(batch) }
            #expect(error?.code == .invalidInput)
            #expect(error?.message.contains("record 3, field 'body/$commit'") == true, "\(error?.message ?? "")")
            var wrongType = drafts(1)
            wrongType[0].type = "Generic Type"
            #expect(throws: LedgerError(code: .invalidInput, message: "")) { try ledger.append(wrongType) }
            var missingField = drafts(1)
            missingField[0].confidential = [try JSONPointer("/supplier")]
            #expect(throws: LedgerError(code: .invalidInput, message: "")) { try ledger.append(missingField) }
            #expect(try ledger.size == 2)
            #expect(try ledger.audit().isValid)
        }
    }

    @Test func largeBatchWithOneBadRecordWritesNothingAndNamesTheFirstBadRecord() throws {
        try withTemporaryDirectory { path in
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            var batch = drafts(10_000)
            batch[7_301].body = ["lot": "X", "nested": ["$commit": "sneaky"]]
            let late = #expect(throws: LedgerError.self) { try ledger.append(batch) }
            #expect(
                late?.message.hasPrefix("record 7301, field 'body/nested/$commit'") == true,
                "\(late?.message ?? "")"
            )
            batch[12].type = "Not A Type"
            let early = #expect(throws: LedgerError.self) { try ledger.append(batch) }
            #expect(early?.message.hasPrefix("record 12, field 'type'") == true, "\(early?.message ?? "")")
            #expect(try ledger.size == 0)
            batch[12].type = "generic"
            batch[7_301].body = ["lot": "X"]
            try ledger.append(batch)
            #expect(try ledger.size == 10_000)
            #expect(try ledger.audit().isValid)
        }
    }

    /// A batch of 256 drafts or more is sealed in two halves on two threads: its entries land in
    /// order with their bodies as given, and a confidential field in the second half is committed
    /// and opened like any other.
    @Test func largeBatchSealedInHalvesReadsBackInOrder() throws {
        try withTemporaryDirectory { path in
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            var batch = drafts(601)
            batch[600] = EntryDraft(
                type: "generic",
                actor: "another-tester",
                body: ["lot": "LOT-600", "kg": "600.5"],
                confidential: [try JSONPointer("/kg")]
            )
            let receipt = try ledger.append(batch)
            #expect(receipt.firstSequenceNumber == 0)
            #expect(try ledger.size == 601)
            for index in [0, 1, 299, 300, 301, 599] {
                let entry = try ledger.entry(at: UInt64(index))
                #expect(entry.sequenceNumber == UInt64(index))
                #expect(entry.body == batch[index].body, "entry \(index)")
                #expect(entry.actor == "tester")
            }
            let last = try ledger.entry(at: 600)
            #expect(last.actor == "another-tester" && last.commitments.count == 1)
            #expect(try ledger.openings(forEntryAt: 600)[try JSONPointer("/kg")]?.value == "600.5")
            #expect(try ledger.audit(deep: true).isValid)
        }
    }

    @Test func confidentialFieldsAreCommittedAndOpenedBesideTheEntry() throws {
        try withTemporaryDirectory { path in
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            let draft = EntryDraft(
                type: "generic",
                actor: "tester",
                body: ["lot": "LOT-1", "supplier": ["name": "Mine A", "site": "Pit 4"], "kg": "1200.5"],
                confidential: [try JSONPointer("/supplier/name"), try JSONPointer("/kg")]
            )
            try ledger.append([draft])
            let entry = try ledger.entry(at: 0)
            let text = String(decoding: entry.canonicalBytes, as: UTF8.self)
            #expect(!text.contains("Mine A") && !text.contains("1200.5"))
            #expect(text.contains("Pit 4"))
            #expect(entry.commitments.count == 2)
            let openings = try ledger.openings(forEntryAt: 0)
            #expect(openings[try JSONPointer("/supplier/name")]?.value == "Mine A")
            #expect(openings[try JSONPointer("/kg")]?.value == "1200.5")
            for (pointer, opening) in openings {
                #expect(entry.commitments[pointer] == opening.commitment)
                #expect(opening.salt.count == 32)
            }
            let report = try ledger.audit(deep: true)
            #expect(report.isValid && report.openingsChecked == 2)
        }
    }

    @Test func draftSealedBeforeTheAppendIsStoredWithTheBodyItsSubmitterSaw() throws {
        try withTemporaryDirectory { path in
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            let sealed = try EntryDraft(
                type: "generic",
                actor: "tester",
                body: ["lot": "LOT-1", "kg": "1200.5"],
                confidential: [try JSONPointer("/kg")]
            ).sealingConfidentialValues()
            try ledger.append([sealed, EntryDraft(type: "generic", actor: "tester", body: ["lot": "LOT-2"])])
            let entry = try ledger.entry(at: 0)
            #expect(entry.body == sealed.body)
            #expect(try ledger.openings(forEntryAt: 0)[try JSONPointer("/kg")]?.value == "1200.5")
            var forged = sealed
            forged.body = ["lot": "LOT-1", "kg": ["$commit": .string(String(repeating: "0", count: 64))]]
            #expect(throws: LedgerError(code: .invalidInput, message: "")) { try ledger.append([forged]) }
            #expect(try ledger.audit(deep: true).isValid)
        }
    }

    @Test func draftEncodedWhenSealedGivesTheSameEntryAsOneEncodedAtAppend() throws {
        try withTemporaryDirectory { path in
            var salts = Array(repeating: UInt8(7), count: 64)[...]
            let encoded = try EntryDraft(
                type: "generic",
                actor: "tester",
                body: ["lot": "LOT-1", "kg": "1200.5", "parties": ["a", "b"]],
                confidential: [try JSONPointer("/kg"), try JSONPointer("/parties/1")]
            ).sealingConfidentialValues(salts: &salts)
            #expect(salts.isEmpty)
            #expect(encoded.presealed?.body == encoded.body.canonicalBytes)
            var plain = encoded
            plain.body = encoded.body
            #expect(plain.presealed == nil)
            let (entries, openings) = try Self.appendedAlone([encoded, plain], under: path)
            #expect(entries[0] == entries[1])
            #expect(openings[0] == openings[1] && openings[0].count == 2)
        }
    }

    /// Each draft appended alone to a new ledger with the same origin and clock: the first entry's
    /// canonical bytes and openings, the ledger audited deeply.
    static func appendedAlone(
        _ drafts: [EntryDraft],
        under path: String
    ) throws -> (entries: [[UInt8]], openings: [[JSONPointer: Opening]]) {
        var entries: [[UInt8]] = []
        var openings: [[JSONPointer: Opening]] = []
        for (index, draft) in drafts.enumerated() {
            let options = Ledger.Options(durable: false, clock: steppingClock())
            let ledger = try Ledger.create(at: path + "/l\(index)", origin: "test.celltrace.local/s", options: options)
            try ledger.append([draft])
            entries.append(try ledger.entry(at: 0).canonicalBytes)
            openings.append(try ledger.openings(forEntryAt: 0))
            #expect(try ledger.audit(deep: true).isValid)
        }
        return (entries, openings)
    }

    /// `body` sealed whole and sealed for the append, with the same salts (32 bytes a value):
    /// each uses them all, and both give the same bytes.
    static func sealedBothWays(
        _ body: JSONValue,
        _ confidential: [JSONPointer]
    ) throws -> (whole: EntryDraft, written: EntryDraft) {
        var saltsWhole = Array((0..<(32 * confidential.count)).map { UInt8(truncatingIfNeeded: $0) })[...]
        var saltsWritten = saltsWhole
        let whole = try EntryDraft(type: "generic", actor: "tester", body: body, confidential: confidential)
            .sealingConfidentialValues(salts: &saltsWhole)
        let written = try EntryDraft(type: "generic", actor: "tester", body: body, confidential: confidential)
            .sealedForAppend(salts: &saltsWritten)
        #expect(saltsWritten.isEmpty && saltsWhole.isEmpty)
        #expect(written.presealed == whole.presealed)
        return (whole, written)
    }

    @Test func draftSealedForTheAppendGivesTheSameEntryAsOneSealedWhole() throws {
        try withTemporaryDirectory { path in
            let body: JSONValue = [
                "lot": "LOT-1", "list": [["q": 5, "uom": "KGM"], ["q": 7, "uom": "KGM"]],
                "party": ["id": "urn:a", "role": "owner"], "note": "clear",
            ]
            let confidential = try ["/list/1/q", "/party", "/list/0/q"].map { try JSONPointer($0) }
            let (whole, written) = try Self.sealedBothWays(body, confidential)
            #expect(written.body == .null)
            let (entries, openings) = try Self.appendedAlone([whole, written], under: path)
            #expect(entries[0] == entries[1])
            #expect(openings[0] == openings[1] && openings[0].count == 3)

            // What cannot be sealed is refused as the whole path refuses it.
            var salts = ArraySlice<UInt8>()
            for pointer in ["/missing", "/party/id/x"] {
                let draft = EntryDraft(
                    type: "generic",
                    actor: "tester",
                    body: body,
                    confidential: [try JSONPointer(pointer)]
                )
                #expect(throws: LedgerError(code: .invalidInput, message: "")) {
                    try draft.sealedForAppend(salts: &salts)
                }
            }
            let twice = EntryDraft(
                type: "generic",
                actor: "tester",
                body: body,
                confidential: [try JSONPointer("/note"), try JSONPointer("/note")]
            )
            #expect(throws: LedgerError(code: .invalidInput, message: "")) { try twice.sealedForAppend(salts: &salts) }
            // A reserved key outside the sealed values: no bytes, and the append names the key.
            let reserved = try EntryDraft(
                type: "generic",
                actor: "tester",
                body: ["lot": "LOT-2", "x": ["$commit": "forged"], "kg": 3],
                confidential: [try JSONPointer("/kg")]
            ).sealedForAppend(salts: &salts)
            #expect(reserved.presealed == nil)
            let ledger = try Ledger.create(at: path + "/reserved", options: testOptions)
            let error = try #require(throws: LedgerError.self) { try ledger.append([reserved]) }
            #expect(error.message.contains("body/x/$commit"), "\(error.message)")
            #expect(try ledger.size == 0)
        }
    }

    /// An event of thousands of quantity elements seals a value in each: the writer takes each
    /// element's paths as a run of the paths sorted by index, and a pointer named twice or
    /// leading into another's value is found among them, as among a few.
    @Test func draftSealedForTheAppendWithAValueInEachOfManyElements() throws {
        let elements = (0..<300).map { JSONValue.object(["q": .number(Double($0)), "uom": "KGM"]) }
        let body: JSONValue = ["list": .array(elements), "note": "clear"]
        // Listed from the last element to the first.
        let confidential = try (0..<300).reversed().map { try JSONPointer("/list/\($0)/q") }
        let (whole, written) = try Self.sealedBothWays(body, confidential)
        #expect(whole.openings.count == 300 && written.presealed != nil)
        // An index past the array, and a pointer named twice, are refused among many as among a few.
        for extra in ["/list/300/q", "/list/7/q"] {
            var salts = ArraySlice<UInt8>()
            let draft = EntryDraft(
                type: "generic",
                actor: "tester",
                body: body,
                confidential: confidential + [try JSONPointer(extra)]
            )
            #expect(throws: LedgerError(code: .invalidInput, message: "")) { try draft.sealedForAppend(salts: &salts) }
        }
        // A pointer into another's value, among many: sealed as the whole path seals it.
        let nested = try Self.sealedBothWays(body, confidential + [try JSONPointer("/list/5")])
        #expect(nested.whole.openings.count == 301)
    }

    /// The sealing writer follows many paths at once through shared arrays and objects: paths
    /// into the same element, arrays in arrays, keys that are not ASCII, paths listed out of
    /// order, and more paths than any one level holds.
    @Test func draftSealedForTheAppendFollowsPathsThatShareTheirWay() throws {
        try withTemporaryDirectory { path in
            var rows: [JSONValue] = []
            for index in 0..<70 {
                rows.append(["q": .number(Double(index + 1)), "uom": "KGM", "lot": .string("L\(index)")])
            }
            let body: JSONValue = [
                "list": .array(rows),
                "grid": [[["x": 1, "y": 2], ["x": 3]], [["x": 4]]],
                "Größe": ["Maß": 9, "Ämter": ["a", "b"]],
                "note": "clear",
            ]
            var pointers = ["/list/0/q", "/list/0/uom", "/grid/0/1/x", "/grid/1/0/x", "/Größe/Maß", "/Größe/Ämter/1"]
            pointers += (1..<70).reversed().map { "/list/\($0)/q" }
            let confidential = try pointers.map { try JSONPointer($0) }
            let (whole, written) = try Self.sealedBothWays(body, confidential)
            let sealed = try #require(written.presealed).body
            let text = String(decoding: sealed, as: UTF8.self)
            // Every sealed value became a commitment; the values beside them stayed in clear.
            let marker = Array("$commit".utf8)
            let commitments = (0...(sealed.count - marker.count)).filter {
                sealed[$0..<$0 + marker.count].elementsEqual(marker)
            }
            #expect(commitments.count == confidential.count)
            #expect(text.contains(#""lot":"L69""#) && text.contains(#""y":2"#) && text.contains(#""a""#))
            let (entries, openings) = try Self.appendedAlone([whole, written], under: path)
            #expect(entries[0] == entries[1])
            #expect(openings[0] == openings[1] && openings[0].count == confidential.count)
        }
    }

    @Test func proofsVerifyForEveryEntryAndCheckpoint() throws {
        try withTemporaryDirectory { path in
            var generator = SeededGenerator(seed: 0x5EED_1234)
            print("seed 0x5EED_1234")
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            var checkpoints: [SignedCheckpoint] = []
            var appended = 0
            while appended < 300 {
                let count = Int.random(in: 1...40, using: &generator)
                checkpoints.append(try ledger.append(drafts(count, from: appended)).checkpoint)
                appended += count
            }
            for checkpoint in checkpoints {
                let size = checkpoint.checkpoint.size
                for sequence in stride(from: UInt64(0), to: size, by: 7) {
                    let proof = try ledger.inclusionProof(forEntryAt: sequence, treeSize: size)
                    #expect(proof.checkpoint == checkpoint)
                    let leaf = try ledger.entry(at: sequence).leafHash
                    try MerkleTree.verifyInclusion(
                        index: sequence,
                        size: size,
                        leafHash: leaf,
                        proof: proof.hashes,
                        root: checkpoint.checkpoint.rootHash
                    )
                    #expect(try InclusionProofText(parsing: proof.formatted) == proof)
                }
            }
            for (older, newer) in zip(checkpoints, checkpoints.dropFirst(3)) {
                let proof = try ledger.consistencyProof(from: older.checkpoint.size, to: newer.checkpoint.size)
                try MerkleTree.verifyConsistency(
                    size1: older.checkpoint.size,
                    size2: newer.checkpoint.size,
                    root1: older.checkpoint.rootHash,
                    root2: newer.checkpoint.rootHash,
                    proof: proof
                )
            }
            // A checkpoint at a size no batch ended at is signed on demand over the same tree.
            let middle = try ledger.checkpoint(atSize: 100)
            try middle.verify(with: ledger.verifierKey)
            #expect(middle.checkpoint.rootHash == (try ledger.rootHash(atSize: 100)))
            #expect(throws: LedgerError(code: .notFound, message: "")) {
                try ledger.inclusionProof(forEntryAt: UInt64(appended))
            }
            #expect(throws: LedgerError(code: .notFound, message: "")) {
                try ledger.checkpoint(atSize: UInt64(appended) + 1)
            }
            #expect(throws: LedgerError(code: .invalidInput, message: "")) {
                try ledger.consistencyProof(from: 0, to: 5)
            }
        }
    }

    @Test func storedRootEqualsTheNaiveRootAtEverySize() throws {
        try withTemporaryDirectory { path in
            let seed: UInt64 = 0x0C0F_FEE5
            print("seed 0x0C0FFEE5")
            var generator = SeededGenerator(seed: seed)
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            // Batches of random length, so batch boundaries fall everywhere.
            var appended = 0
            while appended < 6_000 {
                let count = Int.random(in: 1...300, using: &generator)
                try ledger.append(drafts(count, from: appended))
                appended += count
            }
            var leaves: [SHA256Digest] = []
            try ledger.forEachEntry(in: 0..<UInt64(appended)) { _, bytes in leaves.append(MerkleTree.leafHash(bytes)) }
            #expect(try ledger.rootHash(atSize: 0) == MerkleTree.emptyRoot)
            for size in 1...2_000 {
                #expect(try ledger.rootHash(atSize: UInt64(size)) == naiveRoot(leaves[..<size]), "size \(size)")
            }
            for _ in 0..<40 {
                let size = Int.random(in: 2_001...appended, using: &generator)
                #expect(try ledger.rootHash(atSize: UInt64(size)) == naiveRoot(leaves[..<size]), "size \(size)")
                let index = UInt64.random(in: 0..<UInt64(size), using: &generator)
                let proof = try ledger.inclusionProof(forEntryAt: index, treeSize: UInt64(size))
                try MerkleTree.verifyInclusion(
                    index: index,
                    size: UInt64(size),
                    leafHash: leaves[Int(index)],
                    proof: proof.hashes,
                    root: naiveRoot(leaves[..<size])
                )
            }
        }
    }

    @Test func mapGrowsFromATinyInitialMap() throws {
        try withTemporaryDirectory { path in
            let options = Ledger.Options(durable: false, initialMapSize: 64 << 10, clock: steppingClock())
            let ledger = try Ledger.create(at: path + "/l", options: options)
            try ledger.append(drafts(20_000))
            for start in stride(from: 20_000, to: 24_000, by: 100) {
                try ledger.append(drafts(100, from: start))
            }
            #expect(try ledger.size == 24_000)
            let report = try ledger.audit(deep: true)
            #expect(report.isValid, "\(report.failure.map(String.init(describing:)) ?? "")")
            #expect(report.checkpointsChecked == 41)
        }
    }

    @Test func readersSeeConsistentTreesWhileAWriterAppends() async throws {
        try await withTemporaryDirectoryAsync { path in
            let ledger = try Ledger.create(at: path + "/l", options: testOptions)
            try ledger.append(drafts(10))
            let key = ledger.verifierKey
            let writerDone = Flag()
            try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    for batch in 0..<100 {
                        try ledger.append(drafts(10, from: 10 + batch * 10))
                    }
                    writerDone.set()
                    return 0
                }
                for _ in 0..<3 {
                    group.addTask {
                        var checks = 0
                        repeat {
                            let checkpoint = try ledger.checkpoint()
                            try checkpoint.verify(with: key)
                            let size = checkpoint.checkpoint.size
                            let sequence = UInt64.random(in: 0..<size)
                            let proof = try ledger.inclusionProof(forEntryAt: sequence, treeSize: size)
                            try MerkleTree.verifyInclusion(
                                index: sequence,
                                size: size,
                                leafHash: try ledger.entry(at: sequence).leafHash,
                                proof: proof.hashes,
                                root: checkpoint.checkpoint.rootHash
                            )
                            checks += 1
                        } while !writerDone.isSet
                        return checks
                    }
                }
                var total = 0
                for try await checks in group { total += checks }
                #expect(total >= 3)
            }
            #expect(try ledger.audit().isValid)
        }
    }

    @Test func ledgerReopensWithItsKeyAndRefusesASecondCreate() throws {
        try withTemporaryDirectory { path in
            let vkey: String
            do {
                let ledger = try Ledger.create(at: path + "/l", origin: "test.celltrace.local/b", options: testOptions)
                try ledger.append(drafts(4))
                vkey = ledger.verifierKey.text
            }
            let reopened = try Ledger(openingAt: path + "/l", options: testOptions)
            #expect(reopened.verifierKey.text == vkey)
            #expect(reopened.origin == "test.celltrace.local/b")
            try reopened.append(drafts(1, from: 4))
            #expect(try reopened.audit().isValid)
            #expect(throws: LedgerError(code: .ledgerExists, message: "")) {
                try Ledger.create(at: path + "/l", options: testOptions)
            }
            #expect(throws: LedgerError(code: .noLedger, message: "")) {
                try Ledger(openingAt: path + "/missing", options: testOptions)
            }
            #expect(throws: LedgerError(code: .invalidInput, message: "")) {
                try Ledger.create(at: path + "/bad", origin: "has space", options: testOptions)
            }
        }
    }
}

extension LedgerTests {
    @Test("a create that stopped after LMDB made its files is named as unfinished, and init works once they go")
    func anUnfinishedCreateIsNamedAsSuch() throws {
        try withTemporaryDirectory { path in
            // What a `create` killed between opening LMDB and committing the metadata leaves: the
            // environment's files, its tables (or none, when killed sooner) and perhaps the key.
            for (index, tables) in [[], ["entries", "nodes", "checkpoints", "openings", "meta"]].enumerated() {
                let directory = path + "/l\(index)"
                do {
                    let specs = tables.map { Environment.TableSpec(name: $0) }
                    _ = try Environment(path: directory, options: Environment.Options(tables: specs, durable: false))
                }
                #expect(FileManager.default.createFile(atPath: directory + "/" + Ledger.keyFileName, contents: Data()))
                let created = #expect(throws: LedgerError.self) {
                    try Ledger.create(at: directory, options: testOptions)
                }
                #expect(created?.code == .ledgerExists)
                #expect(created?.message.contains("\(directory) holds an unfinished ledger") == true, "\(created!)")
                let opened = #expect(throws: LedgerError.self) {
                    try Ledger(openingAt: directory, options: testOptions)
                }
                #expect(opened?.code == .corruptLedger)
                #expect(opened?.message.contains("run `celltrace init` again") == true)
                for file in ["data.mdb", "lock.mdb", Ledger.keyFileName] { unlink(directory + "/" + file) }
                let ledger = try Ledger.create(at: directory, options: testOptions)
                try ledger.append(drafts(1))
                #expect(throws: LedgerError(code: .ledgerExists, message: "a ledger already exists at \(directory)")) {
                    try Ledger.create(at: directory, options: testOptions)
                }
            }
        }
    }
}

/// Async flavour of the temporary-directory helper.
func withTemporaryDirectoryAsync<R>(_ body: (String) async throws -> R) async rethrows -> R {
    let path = makeTemporaryDirectory()
    defer { _ = system("rm -rf '\(path)'") }
    return try await body(path)
}

/// The RFC 9162 Merkle Tree Hash computed the slow, obvious way.
func naiveRoot(_ leaves: ArraySlice<SHA256Digest>) -> SHA256Digest {
    switch leaves.count {
    case 0: return SHA256.hash([UInt8]())
    case 1: return leaves[leaves.startIndex]
    default:
        var split = 1
        while split * 2 < leaves.count { split *= 2 }
        let middle = leaves.startIndex + split
        return MerkleTree.nodeHash(naiveRoot(leaves[..<middle]), naiveRoot(leaves[middle...]))
    }
}
