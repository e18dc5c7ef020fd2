import Foundation
import LedgerCore
import LedgerCrypto
import Synchronization
import Testing

@testable import SupplyChain

@Suite("A mine-to-pack chain imported as EPCIS documents")
struct ChainTests {
    @Test("the chain's lots, balances, edges, serials and packs read back exactly")
    func chainReadsBack() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain

        let ore = try #require(try chain.lot("urn:epc:class:lgtin:9300001.000011.SC6-2601"))
        #expect(ore.lot.material == "spodumene-concentrate")
        #expect(ore.lot.countryOfOrigin == "AU")
        #expect(ore.lot.producedKg == ExactDecimal(100_000))
        #expect(ore.lot.consumedKg == ExactDecimal(100_000))
        #expect(ore.lot.certifications == ["https://certs.example.org/irma/pilgangoora-2025"])
        #expect(ore.holdings.isEmpty)
        #expect(ore.usedIn.map(\.to) == ["urn:epc:class:lgtin:6900002.000021.LHM-2601"])

        let hydroxide = try #require(try chain.lot("urn:epc:class:lgtin:6900002.000021.LHM-2601"))
        #expect(hydroxide.lot.material == "lithium-hydroxide")
        #expect(hydroxide.lot.facility == "urn:epc:id:sgln:6900002.00001.0")
        #expect(hydroxide.lot.countryOfOrigin == "CN")
        #expect(hydroxide.lot.elementContent["Li"] == ExactDecimal("0.1654"))
        #expect(hydroxide.madeFrom.map(\.kg) == [ExactDecimal(100_000)])

        let cathode = try #require(try chain.lot("urn:celltrace:lot:cam-811-0210"))
        #expect(
            Set(cathode.lot.inputs) == [
                "urn:epc:class:lgtin:6900002.000021.LHM-2601", "urn:celltrace:lot:pcam-811-0202",
            ]
        )
        let madeFrom = Dictionary(uniqueKeysWithValues: cathode.madeFrom.map { ($0.from, $0.kg) })
        #expect(madeFrom["urn:epc:class:lgtin:6900002.000021.LHM-2601"] == ExactDecimal(15_000))
        #expect(madeFrom["urn:celltrace:lot:pcam-811-0202"] == ExactDecimal(60_000))

        let cells = try #require(try chain.lot("urn:celltrace:lot:cells-nmc811-0225"))
        #expect(cells.lot.producedKg == ExactDecimal(100_000))
        #expect(cells.holdings.map(\.actor) == ["cell-co"])
        #expect(cells.serialRanges.count == 1)
        let range = try #require(cells.serialRanges.first)
        #expect(range.first == 1 && range.last == 1000)
        #expect(range.cellMassKg == ExactDecimal("0.9"))
        #expect(range.nominalEnergyKWh == ExactDecimal("0.25"))
        #expect(range.model == "CT-NMC811-P1")

        let cell = try #require(try chain.serial("urn:epc:id:sgtin:4012345.011111.3"))
        #expect(cell.range?.lot == "urn:celltrace:lot:cells-nmc811-0225")
        #expect(cell.containedIn == ["urn:epc:id:giai:4012345.MOD-0001", "urn:epc:id:giai:4012345.PACK-0001"])
        let pack = try #require(try chain.serial("urn:epc:id:giai:4012345.PACK-0001"))
        #expect(pack.children == ["urn:epc:id:giai:4012345.MOD-0001"])
        #expect(try chain.serial("urn:epc:id:sgtin:4012345.011111.1001") == nil)

        try Self.expectCleanAudit(chain, submissions: 4)
    }

    @Test("re-importing a document changes nothing and says so")
    func reimportIsNoOp() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let size = try fixture.chain.ledger.size
        let report = try fixture.importDocument("epcis/chain/04-cells.jsonld", as: "cell-co")
        #expect(report.written == 0)
        #expect(report.alreadyPresent == 5)
        #expect(report.receipt == nil)
        #expect(try fixture.chain.ledger.size == size)
    }

    @Test("an event repeated within a document is skipped and counted apart from those already in the ledger")
    func repeatedInDocumentIsCountedApart() throws {
        let fixture = try ChainFixture()
        let first = try fixture.accept(
            [Events.extract("A"), Events.extract("A"), Events.extract("B")],
            as: "pilbara-mining"
        )
        #expect(first.written == 2 && first.alreadyPresent == 1 && first.repeated == 1)
        let second = try fixture.accept(
            [Events.extract("A"), Events.extract("C"), Events.extract("C")],
            as: "pilbara-mining"
        )
        #expect(second.written == 1 && second.alreadyPresent == 2 && second.repeated == 1)
    }

    @Test("quantities, parties and coordinates are sealed in the hashed entries")
    func confidentialFieldsAreSealed() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let ledger = fixture.chain.ledger
        var sealedQuantities = 0
        var sawLocation = false
        try ledger.forEachEntry(in: 0..<(try ledger.size)) { sequence, bytes in
            let entry = try Entry(canonicalBytes: bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            if entry.type == SupplyChainLedger.EntryType.event {
                #expect(!text.contains("urn:epc:id:pgln:6900002.00000"), "entry \(sequence) shows a party in clear")
            }
            #expect(!text.contains("118.8987"), "entry \(sequence) shows coordinates in clear")
            sealedQuantities += entry.commitments.keys.filter { $0.text.hasSuffix("/quantity") }.count
            if entry.type == SupplyChainLedger.EntryType.facilityRegister, !entry.commitments.isEmpty {
                let openings = try ledger.openings(forEntryAt: sequence)
                sawLocation = openings[try JSONPointer("/location")]?.value["longitude"] == .string("118.8987")
            }
        }
        #expect(sealedQuantities == 15)
        #expect(sawLocation)
    }

    /// The two events of the chain's mine document, one JSON line each: the ore lot made, then shipped.
    static func mineEventLines() throws -> [String] {
        let document = try JSONValue(parsing: Fixtures.bytes("epcis/chain/01-mine.jsonld"))
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        return events.map(\.canonicalString)
    }

    static let ore = "urn:epc:class:lgtin:9300001.000011.SC6-2601"

    /// The mine's documents imported one call each, to compare a stream with.
    static func importedOneByOne(_ documents: [[UInt8]]) throws -> ChainFixture {
        let single = try ChainFixture()
        for bytes in documents {
            try single.chain.importSubmission(bytes, actor: "pilbara-mining", key: single.key("pilbara-mining"))
        }
        return single
    }

    /// Expects the ore lot held by the same actors, in the same amounts, in both ledgers.
    @discardableResult
    static func expectOreHeldAlike(_ chain: SupplyChainLedger, _ other: SupplyChainLedger) throws -> LotReport {
        let lot = try #require(try chain.lot(ore))
        let expected = try #require(try other.lot(ore))
        #expect(lot.holdings.map(\.actor) == expected.holdings.map(\.actor))
        #expect(lot.holdings.map(\.kg) == expected.holdings.map(\.kg))
        return lot
    }

    /// Expects the index audit to find the stored indexes exactly as the entries give them.
    static func expectCleanAudit(_ chain: SupplyChainLedger, submissions: Int) throws {
        let audit = try chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(audit.submissionsVerified == submissions)
    }

    @Test("a stream of documents imports in order, each checked with the ones before it written")
    func streamImportsInOrder() throws {
        let lines = try Self.mineEventLines()
        // The shipment needs the lot the first document makes; the third repeats both events.
        let documents = [Array(lines[0].utf8), Array(lines[1].utf8), try Fixtures.bytes("epcis/chain/01-mine.jsonld")]
        let streamed = try ChainFixture()
        var read: [Int] = []
        var reports: [ImportReport] = []
        try streamed.chain.importSubmissions(
            count: documents.count,
            actor: "pilbara-mining",
            key: streamed.key("pilbara-mining"),
            document: { index in
                read.append(index)
                return documents[index]
            },
            imported: { index, report in
                #expect(index == reports.count)
                reports.append(report)
            }
        )
        #expect(read == [0, 1, 2])
        #expect(reports.map(\.written) == [1, 1, 0])
        #expect(reports.map(\.alreadyPresent) == [0, 0, 2])

        // The same ledger as one call per document.
        let single = try Self.importedOneByOne(documents)
        #expect(try streamed.chain.ledger.size == single.chain.ledger.size)
        let lot = try Self.expectOreHeldAlike(streamed.chain, single.chain)
        #expect(lot.lot.producedKg == ExactDecimal(100_000))
        try Self.expectCleanAudit(streamed.chain, submissions: 2)
    }

    @Test("each document of a stream is checked with the one before it on top while that one is not yet committed")
    func documentCheckedOnTheOneBeingWritten() throws {
        // The chain's documents, the cell maker's split into one document per event: its cells
        // are assembled into modules, and its modules packed, one document after they are made.
        let cells = try JSONValue(parsing: Fixtures.bytes("epcis/chain/04-cells.jsonld"))
        let cellEvents = try #require(cells["epcisBody"]?["eventList"]?.arrayValue)
        #expect(cellEvents.count == 5)
        let documents =
            try ChainFixture.documents.dropLast().map { (bytes: try Fixtures.bytes($0.file), actor: $0.actor) }
            + cellEvents.map { (bytes: Array($0.canonicalString.utf8), actor: "cell-co") }
        let fixture = try ChainFixture()
        let chain = fixture.chain
        var earlier: SupplyChainLedger.CheckedBatch<ImportReport>?
        var reports: [ImportReport] = []
        // As the stream does it, with every write late: each document is checked while the one
        // before it is checked and not written, then that one is written.
        for (bytes, actor) in documents {
            let pending = try chain.start(bytes, actor: actor)
            let checked = try #require(try chain.check(pending, key: try fixture.key(actor), after: earlier))
            if let batch = earlier {
                #expect(try chain.ledger.size == batch.size)
                #expect(checked.size == batch.size + UInt64(batch.drafts.count))
                var report = batch.result
                report.receipt = try chain.write(batch)
                reports.append(report)
            }
            earlier = checked
        }
        let last = try #require(earlier)
        var report = last.result
        report.receipt = try chain.write(last)
        reports.append(report)

        // Each document used the lots, holdings and serial ranges of the one before, read from
        // its overlay: the same ledger as one document at a time, indexes and all.
        let single = try ChainFixture()
        let singleReports = try documents.map {
            try single.chain.importSubmission($0.bytes, actor: $0.actor, key: try single.key($0.actor))
        }
        #expect(singleReports.allSatisfy { $0.written > 0 })
        #expect(reports.map(\.written) == singleReports.map(\.written))
        #expect(reports.map(\.submissionSequence) == singleReports.map(\.submissionSequence))
        #expect(try chain.ledger.size == single.chain.ledger.size)
        for table in IndexTable.allCases where table != .actors {
            let rows = try chain.indexRows(table.rawValue)
            let expected = try single.chain.indexRows(table.rawValue)
            #expect(rows.map(\.key) == expected.map(\.key), "\(table.rawValue)")
            #expect(rows.map(\.value) == expected.map(\.value), "\(table.rawValue)")
        }
        try Self.expectCleanAudit(chain, submissions: documents.count)
    }

    @Test("a document checked on one being written is refused as that one would make it")
    func documentCheckedOnTheOneBeingWrittenIsRefused() throws {
        let fixture = try ChainFixture()
        let lines = try Self.mineEventLines()
        // The second ships more ore than the first made: refused against the first's overlay.
        let first = try fixture.chain.start(Array(lines[0].utf8), actor: "pilbara-mining")
        let checked = try #require(try fixture.chain.check(first, key: try fixture.key("pilbara-mining"), after: nil))
        let tooMuch = lines[1].replacingOccurrences(of: #""quantity":100"#, with: #""quantity":100.5"#)
        #expect(tooMuch != lines[1])
        let second = try fixture.chain.start(Array(tooMuch.utf8), actor: "pilbara-mining")
        let error = try #require(throws: SupplyChainError.self) {
            _ = try fixture.chain.check(second, key: try fixture.key("pilbara-mining"), after: checked)
        }
        #expect(error.code == .invalidRecords)
        // Without the first on top, the ore lot is unknown.
        let alone = try #require(throws: SupplyChainError.self) {
            _ = try fixture.chain.check(second, key: try fixture.key("pilbara-mining"), after: nil)
        }
        #expect(alone.problems.map(\.field) == ["/quantityList/0/epcClass"])
        #expect(error.problems.map(\.field) != alone.problems.map(\.field))
    }

    /// Appends a note from another thread, as another writer would: the caller is inside the
    /// import's read transaction, where it could not write itself.
    static func appendNote(_ chain: SupplyChainLedger) {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? chain.ledger.append([EntryDraft(type: "note", actor: "auditor", body: ["text": "between"])])
            done.signal()
        }
        done.wait()
    }

    @Test("an import that meets another writer's append after its check is checked again and written after it")
    func importChecksAgainAfterAnotherWriter() throws {
        let fixture = try ChainFixture()
        let start = try fixture.chain.ledger.size
        var appended = 0
        let report = try fixture.chain.importSubmission(
            try Fixtures.bytes("epcis/chain/01-mine.jsonld"),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        ) { checked, total in
            // The whole document is checked and not yet written.
            guard checked == total, appended == 0 else { return }
            appended += 1
            Self.appendNote(fixture.chain)
        }
        #expect(appended == 1)
        #expect(report.written == 2)
        // The note first, then the submission and its two events.
        #expect(report.submissionSequence == start + 1)
        #expect(try fixture.chain.ledger.entry(at: start).type == "note")
        #expect(try fixture.chain.ledger.size == start + 4)
        try Self.expectCleanAudit(fixture.chain, submissions: 1)
    }

    /// Has another writer append a note between every check against a snapshot and its write.
    static func appendNoteBeforeEveryWrite(_ chain: SupplyChainLedger) {
        let note = EntryDraft(type: "note", actor: "auditor", body: ["text": "between"])
        chain.beforeWrite.withLock { $0 = { _ = try? chain.ledger.append([note]) } }
    }

    /// The sequence numbers of the ledger's notes from `start` on.
    static func notes(_ chain: SupplyChainLedger, from start: UInt64) throws -> [UInt64] {
        try (start..<chain.ledger.size).filter { try chain.ledger.entry(at: $0).type == "note" }
    }

    @Test("an import that another writer's append overtakes every time is checked holding the writer lock, and lands")
    func importIsNotStarvedByOtherWriters() throws {
        let fixture = try ChainFixture()
        let start = try fixture.chain.ledger.size
        Self.appendNoteBeforeEveryWrite(fixture.chain)
        let report = try fixture.chain.importSubmission(
            try Fixtures.bytes("epcis/chain/01-mine.jsonld"),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        fixture.chain.beforeWrite.withLock { $0 = nil }
        let attempts = UInt64(SupplyChainLedger.optimisticAttempts)
        #expect(report.written == 2)
        // A note before each check against a snapshot; then the submission and its two events,
        // checked with no writer able to come between.
        #expect(try Self.notes(fixture.chain, from: start) == Array(start..<start + attempts))
        #expect(report.submissionSequence == start + attempts)
        #expect(try fixture.chain.ledger.size == start + attempts + 3)
        #expect(try fixture.chain.ledger.audit(deep: true).isValid)
        try Self.expectCleanAudit(fixture.chain, submissions: 1)
        try Self.expectOreHeldAlike(
            fixture.chain,
            try Self.importedOneByOne([try Fixtures.bytes("epcis/chain/01-mine.jsonld")]).chain
        )
    }

    @Test("a stream whose every write another writer's append overtakes imports each document whole, in order")
    func streamIsNotStarvedByOtherWriters() throws {
        let lines = try Self.mineEventLines()
        let documents = [Array(lines[0].utf8), Array(lines[1].utf8), try Fixtures.bytes("epcis/chain/01-mine.jsonld")]
        let fixture = try ChainFixture()
        let start = try fixture.chain.ledger.size
        Self.appendNoteBeforeEveryWrite(fixture.chain)
        var reports: [ImportReport] = []
        try fixture.chain.importSubmissions(
            count: documents.count,
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining"),
            document: { documents[$0] },
            imported: { _, report in reports.append(report) }
        )
        fixture.chain.beforeWrite.withLock { $0 = nil }
        #expect(reports.map(\.written) == [1, 1, 0])
        #expect(reports.map(\.alreadyPresent) == [0, 0, 2])
        let notes = try Self.notes(fixture.chain, from: start)
        // A note before the first document's write on the stream's writer thread; then each of the
        // two documents with new events is imported on its own, with a note before each write of
        // a check against a snapshot, and lands once checked holding the writer lock.
        #expect(notes.count == 1 + 2 * SupplyChainLedger.optimisticAttempts, "\(notes)")
        #expect(try fixture.chain.ledger.size == start + UInt64(notes.count) + 4)
        #expect(try fixture.chain.ledger.audit(deep: true).isValid)
        try Self.expectCleanAudit(fixture.chain, submissions: 2)
        try Self.expectOreHeldAlike(fixture.chain, try Self.importedOneByOne(documents).chain)
    }

    @Test("a dry run of several documents checks each with the ones before it as written, and writes none")
    func dryRunOfSeveralDocumentsChecksThemInTurn() throws {
        let fixture = try ChainFixture()
        let key = try fixture.key("pilbara-mining")
        let miner = Events.miner
        let refiner = Events.refiner
        func document(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) }
        // The third document makes a lot, numbered after the first document's two (two levels
        // down), and ships what the second document left of the first's lot: three levels of
        // unwritten documents.
        let valid = [
            document([Events.extract("ORE-1"), Events.extract("ORE-3")]),
            document([Events.ship("ORE-1", 40, from: miner, to: refiner)]),
            document([
                Events.extract("ORE-4"),
                Events.ship("ORE-1", 60, from: miner, to: refiner, time: "2026-01-09T10:00:00+08:00"),
                Events.ship("ORE-3", 100, from: miner, to: refiner),
                Events.extract("ORE-1"),
            ]),
        ]
        let size = try fixture.chain.ledger.size
        var reports: [ImportReport] = []
        func importAll(_ documents: [[UInt8]], dryRun: Bool) throws {
            reports = []
            try fixture.chain.importSubmissions(
                count: documents.count,
                actor: "pilbara-mining",
                key: key,
                dryRun: dryRun,
                document: { documents[$0] },
                imported: { _, report in reports.append(report) }
            )
        }
        try importAll(valid, dryRun: true)
        #expect(reports.map(\.written) == [2, 1, 3])
        // The first document's extraction, sent again, is found among the unwritten ones.
        #expect(reports.map(\.alreadyPresent) == [0, 0, 1])
        #expect(reports.allSatisfy { $0.dryRun && $0.receipt == nil })
        #expect(reports.map(\.submissionSequence) == [size, size + 3, size + 5])
        #expect(try fixture.chain.ledger.size == size)
        #expect(try fixture.chain.lot("ORE-1") == nil)

        // 61 t more of ORE-1 is more than the 60 t the first two documents leave the miner.
        let overdrawn = [
            valid[0], valid[1],
            document([
                Events.extract("ORE-4"),
                Events.ship("ORE-1", 61, from: miner, to: refiner, time: "2026-01-09T10:00:00+08:00"),
            ]),
        ]
        let error = try #require(throws: SupplyChainError.self) { try importAll(overdrawn, dryRun: true) }
        #expect(reports.count == 2)
        expectProblem(
            error,
            index: 1,
            field: "/quantityList/0/quantity",
            containing: "holds only 60000 kg of lot ORE-1"
        )
        #expect(error.problems.count == 1, "\(error)")
        #expect(try fixture.chain.ledger.size == size)

        // Imported for real, the same documents give the same counts.
        try importAll(valid, dryRun: false)
        #expect(reports.map(\.written) == [2, 1, 3] && reports.map(\.alreadyPresent) == [0, 0, 1])
        #expect(try fixture.chain.lot("ORE-1")?.holdings.map(\.actor) == ["sichuan-lithium"])
        #expect(try fixture.chain.lot("ORE-4")?.holdings.map(\.actor) == ["pilbara-mining"])
    }

    @Test("a stream document that meets another writer's append after its check is checked again")
    func streamChecksAgainAfterAnotherWriter() throws {
        let lines = try Self.mineEventLines()
        let documents = [Array(lines[0].utf8), Array(lines[1].utf8), try Fixtures.bytes("epcis/chain/01-mine.jsonld")]
        let fixture = try ChainFixture()
        let start = try fixture.chain.ledger.size
        var reports: [ImportReport] = []
        var appended = false
        try fixture.chain.importSubmissions(
            count: documents.count,
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining"),
            document: { documents[$0] },
            progress: { document, checked, total in
                guard document == 1, checked == total, !appended else { return }
                appended = true
                Self.appendNote(fixture.chain)
            },
            imported: { _, report in reports.append(report) }
        )
        #expect(appended)
        #expect(reports.map(\.written) == [1, 1, 0])
        #expect(reports.map(\.alreadyPresent) == [0, 0, 2])
        // Submission and event of each of the first two documents, and the note: after the
        // first, or, when it is appended while the first is still being written, before it.
        // Whichever document it lands before is checked again and written after it.
        let sequences = reports.compactMap(\.submissionSequence)
        #expect(sequences == [start, start + 3] || sequences == [start + 1, start + 3], "\(sequences)")
        let note = sequences.first == start ? start + 2 : start
        #expect(try fixture.chain.ledger.entry(at: note).type == "note")
        #expect(try fixture.chain.ledger.size == start + 5)
        try Self.expectOreHeldAlike(fixture.chain, try Self.importedOneByOne(documents).chain)
        try Self.expectCleanAudit(fixture.chain, submissions: 2)
    }

    @Test("a stream's document that cannot be read, or is not a document, fails in its turn after the ones before it")
    func streamFailsAnUnreadableDocumentInItsTurn() throws {
        struct Unreadable: Error {}
        let lines = try Self.mineEventLines()
        for unreadable in [false, true] {
            // The second document is started on the thread ahead while the first is written.
            let documents = [Array(lines[0].utf8), Array("{\"type\":\"EPCISDocument\"".utf8), Array(lines[1].utf8)]
            let fixture = try ChainFixture()
            let size = try fixture.chain.ledger.size
            var imported: [Int] = []
            var read: [Int] = []
            let error = #expect(throws: (any Error).self) {
                try fixture.chain.importSubmissions(
                    count: documents.count,
                    actor: "pilbara-mining",
                    key: try fixture.key("pilbara-mining"),
                    document: { index in
                        read.append(index)
                        if unreadable, index == 1 { throw Unreadable() }
                        return documents[index]
                    },
                    imported: { index, _ in imported.append(index) }
                )
            }
            if unreadable {
                #expect(error is Unreadable)
            } else {
                #expect((error as? SupplyChainError)?.code == .invalidDocument)
            }
            #expect(imported == [0])
            // The third document is never read: the stream stops at the second.
            #expect(read == [0, 1])
            #expect(try fixture.chain.ledger.size == size + 2)
        }
    }

    @Test("a stream stops when its caller's report of a document throws: that document stays, none after it is written")
    func streamStopsWhenTheReportThrows() throws {
        struct Stop: Error {}
        let lines = try Self.mineEventLines()
        // The second document is checked on top of the first while the first is written.
        let documents = [lines[0], lines[1], lines[0]].map { Array($0.utf8) }
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        var reported: [Int] = []
        #expect(throws: Stop.self) {
            try fixture.chain.importSubmissions(
                count: documents.count,
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining"),
                document: { documents[$0] },
                imported: { index, _ in
                    reported.append(index)
                    throw Stop()
                }
            )
        }
        #expect(reported == [0])
        // The first document's submission and event only.
        #expect(try fixture.chain.ledger.size == size + 2)
        let lot = try #require(try fixture.chain.lot(Self.ore))
        #expect(lot.holdings.map(\.actor) == ["pilbara-mining"])
        try Self.expectCleanAudit(fixture.chain, submissions: 1)
    }

    @Test("a stream whose writes grow the map while the next document is checked imports whole")
    func streamGrowsTheMapWhileItChecks() throws {
        // A map of 256 KiB and documents of 400 lots each (about 2 MiB written a document): each
        // write grows the map, which waits until the check of the next document leaves its snapshot.
        let initialMapSize = 256 << 10
        let fixture = try ChainFixture(initialMapSize: initialMapSize)
        let documents = (0..<4).map { document in
            (0..<400).map { index in
                LotNumberTests.minedLot("urn:epc:class:lgtin:9300001.000011.GROW-\(document)-\(index)")
            }.joined(separator: "\n")
        }
        var reports: [ImportReport] = []
        try fixture.chain.importSubmissions(
            count: documents.count,
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining"),
            document: { Array(documents[$0].utf8) },
            imported: { _, report in reports.append(report) }
        )
        #expect(reports.map(\.written) == [400, 400, 400, 400])
        let data = try FileManager.default.attributesOfItem(atPath: fixture.directory.path + "/ledger/data.mdb")
        #expect((data[.size] as? Int ?? 0) > 4 * initialMapSize, "the map grew")
        #expect(try fixture.chain.lot("urn:epc:class:lgtin:9300001.000011.GROW-3-399") != nil)
        try Self.expectCleanAudit(fixture.chain, submissions: 4)
    }

    @Test("a stream that fails returns with nothing of it still holding the ledger: it opens again at once")
    func failedStreamLeavesTheLedgerClosed() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/ledger"
        let key = Ed25519PrivateKey()
        do {
            let chain = try SupplyChainLedger.create(at: path, origin: "celltrace.test/stream")
            try chain.registerActor(
                ActorDraft(
                    id: "pilbara-mining",
                    name: "Pilbara",
                    role: .miner,
                    publicKey: key.publicKey,
                    parties: [Events.miner]
                )
            )
            try chain.registerFacility(
                FacilityDraft(id: Events.mine, operatorID: "pilbara-mining", kind: .mine, country: "AU")
            )
            // The first document is refused while the second, large, is still being read ahead.
            var lines = (0..<20_000).map { Events.extract("LOT-\($0)", 1) }
            let documents = [Array(Events.extract("REFUSED", 0).utf8), Array(lines.joined(separator: "\n").utf8)]
            #expect(throws: SupplyChainError.self) {
                try chain.importSubmissions(
                    count: documents.count,
                    actor: "pilbara-mining",
                    key: key,
                    document: { documents[$0] },
                    imported: { _, _ in }
                )
            }
            // One document of several chunks refused for its last event, imported alone.
            lines[1_999] = Events.extract("REFUSED", 0)
            let alone = Array(lines.prefix(2_000).joined(separator: "\n").utf8)
            #expect(throws: SupplyChainError.self) {
                try chain.importSubmission(alone, actor: "pilbara-mining", key: key)
            }
        }
        // The caller's reference was the last: the environment is closed and opens again.
        let reopened = try SupplyChainLedger(openingAt: path)
        #expect(try reopened.ledger.size == 2)
    }

    @Test("a stream stops at the first document that fails, and the ones before it stay imported")
    func streamStopsAtTheFirstFailure() throws {
        let lines = try Self.mineEventLines()
        let unknownLot = lines[1].replacingOccurrences(of: "SC6-2601", with: "SC6-9999")
        let documents = [lines[0], unknownLot, lines[1]].map { Array($0.utf8) }
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        var imported: [Int] = []
        let error = try #require(throws: SupplyChainError.self) {
            try fixture.chain.importSubmissions(
                count: documents.count,
                actor: "pilbara-mining",
                key: try fixture.key("pilbara-mining"),
                document: { documents[$0] },
                imported: { index, _ in imported.append(index) }
            )
        }
        #expect(error.code == .invalidRecords)
        #expect(error.problems.map(\.field) == ["/quantityList/0/epcClass"])
        #expect(imported == [0])
        // The first document's submission and event, and nothing of the other two.
        #expect(try fixture.chain.ledger.size == size + 2)
        let lot = try #require(try fixture.chain.lot(Self.ore))
        #expect(lot.holdings.map(\.actor) == ["pilbara-mining"])
    }
}
