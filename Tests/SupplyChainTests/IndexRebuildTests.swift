import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStorage
import Synchronization
import Testing

@testable import SupplyChain

@Suite("Rebuilding the supply-chain indexes from the entries")
struct IndexRebuildTests {
    static let cathode = "urn:celltrace:lot:cam-811-0210"
    static let serial = "urn:epc:id:sgtin:4012345.011111.3"

    /// What the queries read of the chain: a lot with its edges, a serial with its packs.
    static func readings(_ chain: SupplyChainLedger) throws -> Readings {
        let lot = try #require(try chain.lot(cathode))
        let cell = try #require(try chain.serial(serial))
        return Readings(
            lot: lot.lot,
            edges: lot.madeFrom.map { "\($0.from) \($0.kg)" }.sorted(),
            holders: lot.holdings.map(\.actor).sorted(),
            cellLot: cell.range?.lot,
            containedIn: cell.containedIn
        )
    }

    struct Readings: Equatable {
        var lot: Lot
        var edges: [String]
        var holders: [String]
        var cellLot: String?
        var containedIn: [String]
    }

    /// Importing the fixture's last document again into rebuilt indexes finds every event and
    /// writes nothing, and the audit is clean.
    static func expectReimportChangesNothing(
        _ fixture: ChainFixture,
        _ reopened: SupplyChainLedger,
        size: UInt64
    ) throws {
        let again = try reopened.importSubmission(
            Fixtures.bytes("epcis/chain/04-cells.jsonld"),
            actor: "cell-co",
            key: try fixture.key("cell-co")
        )
        #expect(again.written == 0 && again.alreadyPresent == again.events, "the rebuilt eventIDs are found again")
        #expect(try reopened.auditIndexes().isValid)
        #expect(try reopened.ledger.size == size)
    }

    /// The number of rows of each supply-chain index table, by name.
    static func rowCounts(_ chain: SupplyChainLedger) throws -> [String: Int] {
        let names = ["sc.lots", "sc.events", "sc.edges.up", "sc.edges.down", "sc.lineage", "sc.serials"]
        let tables = try names.map { try chain.ledger.extraTable($0) }
        return try chain.ledger.read { txn, _ in
            var counts: [String: Int] = [:]
            for (name, table) in zip(names, tables) { counts[name] = try txn.count(table) }
            return counts
        }
    }

    @Test(
        "a lot or edge row that is not one (a JSON row of layout 7, cut short) is reported as damaged, naming its key"
    )
    func damagedLotRowIsNamed() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let size = try chain.ledger.size
        let numberRow = try #require(try chain.indexRows("sc.lot-ids").first { $0.key == Array(Self.cathode.utf8) })
        let number = try #require(IndexKey.sequence(in: numberRow.value[...]))
        let row = try #require(try chain.indexRows("sc.lots").first { $0.key == IndexKey.sequence(number) }?.value)
        for damaged in [Array(#"{"id":"a lot in layout 7"}"#.utf8), Array(row.dropLast())] {
            try chain.ledger.rewriteExtraTables(["sc.lots"], expectedSize: size) { txn, tables in
                try txn.put(damaged, forKey: IndexKey.sequence(number), in: tables[0])
            }
            #expect {
                try chain.lot(Self.cathode)
            } throws: {
                ($0 as? SupplyChainError)?.message
                    == "index sc.lots is damaged: the row of lot #\(number) is not a lot's row; run `celltrace index rebuild`"
            }
            #expect(try chain.rebuildIndexes().isRebuilt)
            #expect(try chain.lot(Self.cathode)?.lot.id == Self.cathode)
        }
        // An edge into the lot (`sc.edges.up`, keyed by its number first) read as JSON or cut short.
        let edge = try #require(
            try chain.indexRows("sc.edges.up").first { $0.key.starts(with: IndexKey.sequence(number)) }
        )
        for damaged in [Array(#"{"from":"a lot in layout 7"}"#.utf8), Array(edge.value.dropLast())] {
            try chain.ledger.rewriteExtraTables(["sc.edges.up"], expectedSize: size) { txn, tables in
                try txn.put(damaged, forKey: edge.key, in: tables[0])
            }
            #expect {
                try chain.lot(Self.cathode)
            } throws: {
                let message = ($0 as? SupplyChainError)?.message ?? ""
                return message.hasPrefix("index sc.edges.up is damaged: the row lot #\(number) ‖ lot #")
                    && message.hasSuffix("is not an edge's row; run `celltrace index rebuild`")
            }
            #expect(try chain.rebuildIndexes().isRebuilt)
            #expect(try chain.lot(Self.cathode)?.madeFrom.isEmpty == false)
        }
    }

    @Test("an attestation row that does not read back names its entry, not the key's raw bytes")
    func damagedAttestationRowIsNamed() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let size = try chain.ledger.size
        try chain.ledger.rewriteExtraTables(["sc.attestations"], expectedSize: size) { txn, tables in
            try txn.put(Array(#"{"verifier":"v"}"#.utf8), forKey: IndexKey.sequence(5), in: tables[0])
        }
        #expect {
            try chain.attestations()
        } throws: {
            ($0 as? SupplyChainError)?.message
                == "the sc.attestations index holds a row that does not read back (key entry #5); run `celltrace verify`, then `celltrace index rebuild`"
        }
        #expect(SupplyChainError.describe(key: Array("energy@1".utf8), in: .factors) == "energy@1")
        #expect(SupplyChainError.describe(key: [0x61, 0, 0xff], in: .retractedSerials) == "hex 6100ff")
    }

    @Test("damaged and stale index rows are written anew from the entries, and the audit then passes")
    func rebuildRestoresDamagedIndexes() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let before = try Self.readings(chain)
        let counts = try Self.rowCounts(chain)
        let size = try chain.ledger.size

        // Lots lost, and an event record no entry explains (as an index of another form would leave).
        try chain.ledger.rewriteExtraTables(["sc.lots", "sc.events"], expectedSize: size) { txn, tables in
            try txn.put(Array(#"{"stale":true}"#.utf8), forKey: Array("urn:uuid:stale-event".utf8), in: tables[1])
        }
        #expect(try chain.lot(Self.cathode) == nil)
        let damaged = try chain.auditIndexes()
        #expect(!damaged.isValid)
        #expect(damaged.failureSequenceNumber == nil, "the entries themselves replay: only the indexes differ")

        let report = try chain.rebuildIndexes()
        #expect(report.isRebuilt, "\(report.failure ?? "")")
        #expect(report.entriesReplayed == size)
        #expect(report.submissionsVerified == 4)
        let lots = try #require(report.tables.first { $0.name == "sc.lots" })
        #expect(lots.rowsBefore == 0 && lots.rowsAfter == counts["sc.lots"])
        let events = try #require(report.tables.first { $0.name == "sc.events" })
        #expect(events.rowsBefore == 1 && events.rowsAfter == counts["sc.events"])

        #expect(try Self.readings(chain) == before)
        #expect(try Self.rowCounts(chain) == counts)
        let audit = try chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(try chain.ledger.size == size, "a rebuild appends nothing")
        #expect(try chain.ledger.audit().isValid)
    }

    @Test(
        "a rebuild that another writer's append overtakes before every write replays holding the writer lock, and writes"
    )
    func rebuildIsNotStarvedByOtherWriters() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let before = try Self.readings(chain)
        let counts = try Self.rowCounts(chain)
        let start = try chain.ledger.size
        // Lots lost, so that the rebuild has something to write.
        try chain.ledger.rewriteExtraTables(["sc.lots"], expectedSize: start) { _, _ in }
        ChainTests.appendNoteBeforeEveryWrite(chain)
        let report = try chain.rebuildIndexes()
        chain.beforeWrite.withLock { $0 = nil }
        let attempts = UInt64(SupplyChainLedger.optimisticAttempts)
        #expect(report.isRebuilt, "\(report.failure ?? "")")
        // A note before each write of a replay of a snapshot; then a replay of every entry, notes
        // too, with no writer able to come between.
        #expect(try ChainTests.notes(chain, from: start) == Array(start..<start + attempts))
        #expect(report.entriesReplayed == start + attempts)
        #expect(try chain.ledger.size == start + attempts)
        let lots = try #require(report.tables.first { $0.name == "sc.lots" })
        #expect(lots.rowsBefore == 0 && lots.rowsAfter == counts["sc.lots"])
        #expect(try Self.readings(chain) == before)
        #expect(try Self.rowCounts(chain) == counts)
        let audit = try chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(try chain.ledger.audit().isValid)
    }

    @Test("rebuilding sound indexes writes the same rows, and imports go on from them")
    func rebuildOfSoundIndexesChangesNothing() throws {
        let fixture = try ChainFixture()
        for (file, actor) in ChainFixture.documents.prefix(3) { try fixture.importDocument(file, as: actor) }
        let counts = try Self.rowCounts(fixture.chain)
        let report = try fixture.chain.rebuildIndexes()
        #expect(report.isRebuilt)
        #expect(report.tables.allSatisfy { $0.rowsBefore == $0.rowsAfter })
        #expect(try Self.rowCounts(fixture.chain) == counts)
        // The cells consume the cathode whose balance the rebuilt lot index holds.
        let (file, actor) = ChainFixture.documents[3]
        #expect(try fixture.importDocument(file, as: actor).written > 0)
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test("an entry that does not replay stops the rebuild, which then writes nothing")
    func rebuildRefusesEntriesThatDoNotReplay() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let counts = try Self.rowCounts(chain)
        // An event entry appended below the supply-chain layer: no submission signed it.
        let stray = try chain.ledger.append([
            EntryDraft(
                type: SupplyChainLedger.EntryType.event,
                actor: "cell-co",
                body: ["type": "ObjectEvent", "eventTime": "2026-03-01T00:00:00Z"]
            )
        ])
        // Damage that a rebuild would otherwise repair.
        let size = try chain.ledger.size
        try chain.ledger.rewriteExtraTables(["sc.serials"], expectedSize: size) { _, _ in }

        let report = try chain.rebuildIndexes()
        #expect(!report.isRebuilt)
        #expect(report.failureSequenceNumber == stray.firstSequenceNumber)
        #expect(report.failure?.contains("outside any submission") == true, "\(report.failure ?? "")")
        #expect(report.tables.isEmpty)
        var damaged = counts
        damaged["sc.serials"] = 0
        #expect(try Self.rowCounts(chain) == damaged, "nothing was written")
    }

    @Test("an entry that does not replay is named before a later entry, read ahead with it, whose bytes were changed")
    func firstFailureBeforeADamagedEntry() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/ledger"
        let stray: UInt64
        do {
            let chain = try SupplyChainLedger.create(at: path, origin: "celltrace.test/read-ahead")
            stray = try chain.ledger.append([
                EntryDraft(
                    type: SupplyChainLedger.EntryType.event,
                    actor: "cell-co",
                    body: ["type": "ObjectEvent", "eventTime": "2026-03-01T00:00:00Z"]
                )
            ]).firstSequenceNumber
            try chain.ledger.append([EntryDraft(type: "note", actor: "auditor", body: ["text": "CHANGED-LATER"])])
        }
        // One byte of the later entry changed in the closed ledger's file: its leaf hash no
        // longer matches, and the walk over the entries stops there.
        let file = URL(fileURLWithPath: path + "/data.mdb")
        var bytes = [UInt8](try Data(contentsOf: file))
        let marker = Array("CHANGED-LATER".utf8)
        let offset = try #require(
            bytes.indices.dropLast(marker.count).first { bytes[$0..<$0 + marker.count].elementsEqual(marker) }
        )
        bytes[offset] = UInt8(ascii: "X")
        try Data(bytes).write(to: file)

        let audit = try SupplyChainLedger(openingAt: path).auditIndexes()
        #expect(audit.failureSequenceNumber == stray)
        #expect(audit.failure?.contains("outside any submission") == true, "\(audit.failure ?? "")")
    }

    /// An actor's key that is not an Ed25519 public key, in the entries themselves: written below
    /// the supply-chain layer, which refuses it, so only the audit's replay sees it.
    @Test(
        "the audit stops at a registration or key rotation written below the rules with a key that is not 32 bytes",
        arguments: [SupplyChainLedger.EntryType.actorRegister, SupplyChainLedger.EntryType.actorKeyRotate]
    )
    func auditStopsAtAForgedKey(type: String) throws {
        let fixture = try ChainFixture()
        let chain = fixture.chain
        #expect(try chain.auditIndexes().isValid)
        let short = Base64.encode([UInt8](repeating: 7, count: 31))
        let body: JSONValue =
            type == SupplyChainLedger.EntryType.actorRegister
            ? ["id": "forged-refiner", "name": "Forged", "role": "refiner", "key": .string(short)]
            : ["actor": "pilbara-mining", "key": .string(short)]
        let forged = try chain.ledger.append([
            EntryDraft(type: type, actor: SupplyChainLedger.operatorActor, body: body)
        ])
        let audit = try chain.auditIndexes()
        #expect(!audit.isValid)
        #expect(audit.failureSequenceNumber == forged.firstSequenceNumber)
        let failure = audit.failure ?? ""
        #expect(failure.contains("/key"), "\(failure)")
        #expect(failure.contains("must be a base64 raw Ed25519 public key (32 bytes)"), "\(failure)")
        // The same rebuild refuses it and writes nothing.
        let rebuild = try chain.rebuildIndexes()
        #expect(!rebuild.isRebuilt)
        #expect(rebuild.failureSequenceNumber == forged.firstSequenceNumber)
    }

    @Test("event records of an older CellTrace, keyed by eventID, are refused until the indexes are rebuilt")
    func olderIndexFormIsRefusedUntilRebuilt() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let size = try chain.ledger.size
        let events = try chain.ledger.extraTable("sc.events")
        // Layout 1: each event record under its eventID, no table of eventIDs, no layout marker.
        let sequences = try chain.digestRecords("sc.event-ids").map(\.value)
        let older = try chain.ledger.read { txn, _ in
            try sequences.map { sequence in
                let entry = try chain.ledger.entry(at: #require(IndexKey.sequence(in: sequence)))
                let eventID = try #require(entry.body["eventID"]?.stringValue)
                return (key: Array(eventID.utf8), value: try #require(try txn.value(in: events, forKey: sequence)))
            }
        }
        #expect(older.count == 13)
        try chain.ledger.rewriteExtraTables(["sc.events", "sc.event-ids", "sc.meta"], expectedSize: size) {
            txn,
            tables in
            for (eventID, record) in older { try txn.put(record, forKey: eventID, in: tables[0]) }
        }
        let reopened = try SupplyChainLedger(ledger: chain.ledger)
        let eventID = String(decoding: older[0].key, as: UTF8.self)

        let refused = try #require(throws: SupplyChainError.self) {
            try reopened.importSubmission(
                Fixtures.bytes("epcis/chain/04-cells.jsonld"),
                actor: "cell-co",
                key: try fixture.key("cell-co")
            )
        }
        #expect(refused.code == .indexLayout)
        #expect(refused.message.contains("written by an older CellTrace"), "\(refused.message)")
        #expect(refused.message.contains("`celltrace index rebuild`"))
        #expect(throws: SupplyChainError.self) { try reopened.eventRecord(eventID) }
        #expect(throws: SupplyChainError.self) {
            try reopened.read { reader, txn, _ in try reader.process(eventID, txn) }
        }
        #expect(throws: SupplyChainError.self, "edges are read in the new layout only") {
            try reopened.lot(Self.cathode)
        }
        #expect(try !reopened.auditIndexes().isValid)

        #expect(try reopened.rebuildIndexes().isRebuilt)
        #expect(try reopened.eventRecord(eventID)?["seq"] != nil)
        try Self.expectReimportChangesNothing(fixture, reopened, size: size)
    }

    @Test("eventIDs of layout 2, keyed by their text, are refused until rebuilt, then found by their digest")
    func layoutTwoEventIDsAreRefusedUntilRebuilt() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let size = try chain.ledger.size
        // Layout 2: the same rows, each keyed by the eventID's text rather than its SHA-256.
        let textKeyed = try chain.digestRecords("sc.event-ids").map { digest, sequence in
            let entry = try chain.ledger.entry(at: #require(IndexKey.sequence(in: sequence)))
            let eventID = try #require(entry.body["eventID"]?.stringValue)
            #expect(digest == SHA256.hash(Array(eventID.utf8)).bytes, "layout 3 keys a row by the eventID's digest")
            return (eventID: eventID, sequence: sequence)
        }
        #expect(textKeyed.count == 13)
        try chain.ledger.rewriteExtraTables(["sc.event-ids", "sc.meta"], expectedSize: size) { txn, tables in
            for (eventID, sequence) in textKeyed { try txn.put(sequence, forKey: Array(eventID.utf8), in: tables[0]) }
            try txn.put(Array("2".utf8), forKey: Array("layout".utf8), in: tables[1])
        }
        let reopened = try SupplyChainLedger(ledger: chain.ledger)
        let refused = try #require(throws: SupplyChainError.self) { try reopened.eventRecord(textKeyed[0].eventID) }
        #expect(refused.code == .indexLayout)
        #expect(refused.message.contains("written in index layout 2"), "\(refused.message)")
        let first = try #require(textKeyed.map(\.eventID).min())
        // The audit names the layout first, then what its replay finds: a row keyed by text names the eventID.
        #expect(
            try reopened.auditIndexes().failure
                == refused.message + "; until then the audit finds: index sc.event-ids has a row no entry explains: "
                + first
        )

        #expect(try reopened.rebuildIndexes().isRebuilt)
        for (eventID, sequence) in textKeyed {
            let recorded = try reopened.eventRecord(eventID)?["seq"]?.doubleValue
            #expect(recorded == IndexKey.sequence(in: sequence).map { Double($0) }, "\(eventID)")
        }
        try Self.expectReimportChangesNothing(fixture, reopened, size: size)
    }

    @Test("shipments and lot serials of layout 4, keyed by lot id, are refused until rebuilt, then read by lot number")
    func layoutFourLotKeysAreRefusedUntilRebuilt() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let size = try chain.ledger.size
        var ids: [[UInt8]: String] = [:]
        for (id, number) in try chain.indexRows("sc.lot-ids") { ids[number] = String(decoding: id, as: UTF8.self) }
        // Layout 4: sc.shipments keyed by the lot's id, sc.lot-serials by the id and a zero byte.
        // A row a lot, as layouts before 14 kept it; nothing reads its value before the rebuild.
        var shipments: [(id: String, value: [UInt8])] = []
        for (key, value) in try chain.indexRows("sc.shipments") {
            let id = try #require(ids[Array(key.prefix(8))])
            if shipments.last?.id == id {
                shipments[shipments.count - 1].value += [0] + value
            } else {
                shipments.append((id, value))
            }
        }
        let lotSerials = try chain.indexRows("sc.lot-serials").map { key in
            (id: try #require(ids[Array(key.key.prefix(8))]), serial: Array(key.key.dropFirst(8)))
        }
        #expect(!shipments.isEmpty && !lotSerials.isEmpty)
        let before = try chain.read { reader, txn, _ in
            (
                try shipments.map { try reader.shipments(of: $0.id, txn).map(\.sequenceNumber) },
                try lotSerials.map { try reader.serialRanges(ofLot: $0.id, txn).map(\.first) }
            )
        }
        try chain.ledger.rewriteExtraTables(["sc.shipments", "sc.lot-serials", "sc.meta"], expectedSize: size) {
            txn,
            tables in
            for (id, value) in shipments { try txn.put(value, forKey: Array(id.utf8), in: tables[0]) }
            // Layout 4's lot-serials rows had no value.
            for (id, serial) in lotSerials { try txn.put([], forKey: Array(id.utf8) + [0] + serial, in: tables[1]) }
            try txn.put(Array("4".utf8), forKey: Array("layout".utf8), in: tables[2])
        }
        let reopened = try SupplyChainLedger(ledger: chain.ledger)
        let refused = try #require(throws: SupplyChainError.self) { try reopened.eventRecord("urn:uuid:none") }
        #expect(refused.code == .indexLayout)
        #expect(refused.message.contains("written in index layout 4"), "\(refused.message)")
        let failure = try #require(try reopened.auditIndexes().failure)
        #expect(failure.contains("sc.shipments") || failure.contains("sc.lot-serials"), "\(failure)")

        #expect(try reopened.rebuildIndexes().isRebuilt)
        #expect(try reopened.auditIndexes().isValid)
        let after = try reopened.read { reader, txn, _ in
            (
                try shipments.map { try reader.shipments(of: $0.id, txn).map(\.sequenceNumber) },
                try lotSerials.map { try reader.serialRanges(ofLot: $0.id, txn).map(\.first) }
            )
        }
        #expect(after.0 == before.0 && after.1 == before.1)
        try Self.expectReimportChangesNothing(fixture, reopened, size: size)
    }

    @Test("the audit names a missing eventID row by the digest that keys it, an event record by its entry")
    func auditNamesDigestAndSequenceKeys() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let size = try chain.ledger.size
        for (table, expected) in [("sc.event-ids", "SHA-256 "), ("sc.events", "entry ")] {
            let digestKeyed = table == "sc.event-ids"
            let rows = try digestKeyed ? chain.digestRecords(table) : chain.indexRows(table)
            try chain.ledger.rewriteExtraTables([table], expectedSize: size) { txn, tables in
                if digestKeyed {
                    try SupplyChainLedger.addDigestRecords(Array(rows.dropFirst()), to: tables[0], txn)
                } else {
                    for (key, value) in rows.dropFirst() { try txn.put(value, forKey: key, in: tables[0]) }
                }
            }
            let name =
                table == "sc.events"
                ? "entry \(try #require(IndexKey.sequence(in: rows[0].key)))"
                : "SHA-256 " + HexCoding.encode(rows[0].key)
            #expect(name.hasPrefix(expected))
            #expect(try chain.auditIndexes().failure == "index \(table) lacks the row \(name) that the entries give")
            #expect(try chain.rebuildIndexes().isRebuilt)
            #expect(try chain.auditIndexes().isValid)
        }
    }

    @Test("indexes of another layout are refused, naming it; a ledger without supply-chain rows is not")
    func otherLayoutIsRefused() throws {
        let fixture = try ChainFixture()
        let chain = fixture.chain
        #expect(chain.outdatedIndexes == nil)
        let size = try chain.ledger.size
        try chain.ledger.rewriteExtraTables(["sc.meta"], expectedSize: size) { txn, tables in
            try txn.put(Array("99".utf8), forKey: Array("layout".utf8), in: tables[0])
        }
        let newer = try #require(try SupplyChainLedger(ledger: chain.ledger).outdatedIndexes)
        #expect(newer.code == .indexLayout)
        #expect(newer.message.contains("written in index layout 99"), "\(newer.message)")
        #expect(try SupplyChainLedger(ledger: chain.ledger).rebuildIndexes().isRebuilt)
        #expect(try SupplyChainLedger(ledger: chain.ledger).outdatedIndexes == nil)

        let plain = TemporaryDirectory()
        let empty = try SupplyChainLedger.create(at: plain.path + "/ledger", origin: "celltrace.test/empty")
        #expect(empty.outdatedIndexes == nil, "a new ledger has no rows and no marker")
        try empty.ledger.append([EntryDraft(type: "note", actor: "someone", body: ["text": "a plain entry"])])
        #expect(try SupplyChainLedger(ledger: empty.ledger).outdatedIndexes == nil)
        #expect(try empty.auditIndexes().isValid, "plain entries write no rows and no marker")
        // The ledger closes before its directory goes.
        withExtendedLifetime(plain) {}
    }

    @Test("the ledger's own tables cannot be rewritten as derived ones")
    func ownTablesAreRefused() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        let error = try #require(throws: LedgerError.self) {
            try fixture.chain.ledger.rewriteExtraTables(["sc.lots", "entries"], expectedSize: size) { _, _ in }
        }
        #expect(error.code == .invalidInput)
        #expect(try fixture.chain.ledger.size == size)
        let conflict = try #require(throws: LedgerError.self) {
            try fixture.chain.ledger.rewriteExtraTables(["sc.lots"], expectedSize: size - 1) { _, _ in }
        }
        #expect(conflict.code == .conflict)
        #expect(try fixture.chain.auditIndexes().isValid, "a refused rewrite empties nothing")
    }
}
