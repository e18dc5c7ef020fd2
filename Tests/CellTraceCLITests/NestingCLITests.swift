import Foundation
import Testing

@testable import CellTraceCLI
@testable import LedgerCore

/// An extraction at the mine as one line of JSON Lines, whose `ex:deep` member holds `levels`
/// objects: the event nests `levels + 1` deep.
func deepEventLine(_ lot: String, levels: Int) -> String {
    #"{"type":"ObjectEvent","@context":{"ex":"https://ex.example/"},"eventTime":"2026-01-12T08:00:00+08:00","#
        + #""eventTimeZoneOffset":"+08:00","action":"ADD","bizLocation":{"id":"urn:epc:id:sgln:9300001.00001.0"},"#
        + #""quantityList":[{"epcClass":"urn:celltrace:lot:"# + lot + #"","quantity":1,"uom":"TNE"}],"#
        + #""ilmd":{"ct:material":"ore"},"ex:deep":"# + String(repeating: #"{"ex:a":"#, count: levels) + "1"
        + String(repeating: "}", count: levels) + "}\n"
}

extension Ledger {
    /// Appends an entry whose body is `body`'s bytes as they are, past the append's checks: an
    /// entry as a CellTrace that did not check its depth could write it.
    fileprivate func appendUnchecked(type: String, actor: String, body: [UInt8]) throws {
        let head =
            Array(#"{"actor":"#.utf8) + JSONValue.string(actor).canonicalBytes + Array(#","body":"#.utf8) + body
            + Entry.headEnd(origin: origin)
        let draft = SealedDraft(type: type, head: 0..<head.count, openings: nil)
        _ = try append(sealed: SealedBatch(heads: head, drafts: [draft]), expectedSize: nil, indexing: nil)
    }
}

/// Nesting through the commands: what the import and the append refuse, and what `verify` and
/// `index rebuild` say of an entry too deep to read.
@Suite struct NestingCLITests {
    /// A ledger with the mine's operator and its facility, and the operator's key beside it.
    static func mineLedger(_ directory: String) -> String {
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger).status == 0)
        #expect(celltrace("keygen", directory + "/mine.pem").status == 0)
        #expect(
            celltrace(
                "actor",
                "add",
                "mine",
                "--ledger",
                ledger,
                "--role",
                "miner",
                "--key",
                directory + "/mine.pub.pem"
            )
            .status == 0
        )
        let facility = celltrace(
            "facility",
            "add",
            "urn:epc:id:sgln:9300001.00001.0",
            "--operator",
            "mine",
            "--kind",
            "mine",
            "--country",
            "AU",
            "--ledger",
            ledger
        )
        #expect(facility.status == 0, "\(facility.error)")
        return ledger
    }

    @Test func importRefusesAnEventTooDeepForItsEntryAndTheLedgerStillVerifies() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.mineLedger(directory)
        func importFile(_ name: String) -> (status: Int32, output: String, error: String) {
            celltrace(
                "import",
                directory + "/" + name,
                "--ledger",
                ledger,
                "--as",
                "mine",
                "--key",
                directory + "/mine.pem"
            )
        }
        // 126 objects under ex:deep: the event nests 127 deep, its entry 128, as deep as entries are read.
        write(deepEventLine("deepest", levels: 126), to: directory + "/deepest.jsonl")
        let deepest = importFile("deepest.jsonl")
        #expect(deepest.status == 0, "\(deepest.error)")
        #expect(celltrace("verify", "--ledger", ledger).status == 0)
        let entries = celltrace("log", "--ledger", ledger).output

        write(deepEventLine("deeper", levels: 127), to: directory + "/deeper.jsonl")
        let deeper = importFile("deeper.jsonl")
        #expect(deeper.status == 2)
        #expect(
            deeper.error
                == "celltrace: \(directory)/deeper.jsonl was not imported\n"
                + "celltrace: nothing was imported: 1 problem in 1 event\n"
                + "  event 0, field '/ex:deep" + String(repeating: "/ex:a", count: 126) + "': arrays and objects "
                + "nest deeper here than the 127 levels an event may, its own object the first (its ledger entry "
                + "holds the event one level down, and entries are read to 128 levels); nest what is here less "
                + "deeply\n",
            "\(deeper.error)"
        )
        #expect(celltrace("log", "--ledger", ledger).output == entries, "nothing was written")
        #expect(celltrace("verify", "--ledger", ledger).status == 0)
        #expect(celltrace("index", "rebuild", "--ledger", ledger).status == 0)
    }

    @Test func verifyFailsAtAStoredEntryTooDeepToReadAndIndexRebuildWritesNothing() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.mineLedger(directory)
        // An event entry as the import wrote it before it checked the depth: 127 objects under
        // ex:deep, the entry 129 levels deep.
        let body = try #require(
            String(deepEventLine("deeper", levels: 127).dropLast()).data(using: .utf8).map { Array($0) }
        )
        var offset = 0
        do {
            let opened = try Ledger(openingAt: ledger)
            try opened.appendUnchecked(type: "epcis.event", actor: "mine", body: body)
            let bytes = try #require(try opened.forEachEntryBytes(at: 2))
            offset = try #require(JSONValue.firstNesting(deeperThan: Entry.maxDepth, in: bytes)?.offset)
        }
        let problem =
            "the entry is not JSON this CellTrace reads: arrays and objects nest deeper than the limit of 128 "
            + "(byte offset \(offset))"
        let verify = celltrace("verify", "--ledger", ledger)
        #expect(verify.status == 1)
        #expect(verify.error == "celltrace: verification FAILED at entry 2: \(problem)\n", "\(verify.error)")
        let json = try JSONValue(parsing: celltrace("verify", "--ledger", ledger, "--json").output)
        #expect(json["valid"] == false)
        #expect(json["failure"]?["sequenceNumber"] == 2)
        #expect(json["failure"]?["problem"]?.stringValue == "entry 2: \(problem)")
        let deep = celltrace("verify", "--deep", "--ledger", ledger)
        #expect(deep.status == 1)
        #expect(deep.error.contains("verification FAILED at entry 2: "), "\(deep.error)")
        #expect(!deep.error.contains("submit it again"), "\(deep.error)")
        let rebuild = celltrace("index", "rebuild", "--ledger", ledger)
        #expect(rebuild.status == 1)
        #expect(rebuild.error == "celltrace: index rebuild FAILED, nothing was written: entry 2: \(problem)\n")
        // The entries before it still read and the log still prints every entry.
        #expect(celltrace("log", "--ledger", ledger).output.split(separator: "\n").count == 3)
    }

    @Test func appendRefusesALineTooDeepForItsEntry() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger).status == 0)
        func line(_ levels: Int) -> String {
            #"{"deep":"# + String(repeating: #"{"a":"#, count: levels) + "1" + String(repeating: "}", count: levels)
                + "}\n"
        }
        // The body's object and 126 below it: as deep as a body may be.
        write(line(126), to: directory + "/deepest.jsonl")
        #expect(celltrace("append", directory + "/deepest.jsonl", "--ledger", ledger).status == 0)
        let message =
            "arrays and objects nest deeper here than the 127 levels an entry's body may, its own array or object "
            + "the first (the entry holds the body one level down, and entries are read to 128 levels)"
        for levels in [127, 1_000] {
            write(#"{"lot":"FLAT"}"# + "\n" + line(levels), to: directory + "/deeper.jsonl")
            let deeper = celltrace("append", directory + "/deeper.jsonl", "--ledger", ledger)
            #expect(deeper.status == 2)
            #expect(
                deeper.error
                    == "celltrace: \(directory)/deeper.jsonl:2: field 'body/deep" + String(repeating: "/a", count: 126)
                    + "': \(message)\n",
                "\(deeper.error)"
            )
        }
        #expect(celltrace("log", "--ledger", ledger).output.split(separator: "\n").count == 1, "nothing more")
        #expect(celltrace("verify", "--deep", "--ledger", ledger).status == 0)
    }
}

extension Ledger {
    /// The stored bytes of entry `sequence`.
    fileprivate func forEachEntryBytes(at sequence: UInt64) throws -> [UInt8]? {
        var found: [UInt8]?
        try forEachEntry(in: sequence..<(sequence + 1)) { _, bytes in found = bytes }
        return found
    }
}
