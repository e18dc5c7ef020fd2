import LedgerCore
import LedgerStorage
import Testing

@testable import SupplyChain

@Suite("Lots numbered in the order they were made, keying the lot tables")
struct LotNumberTests {
    /// An ObjectEvent ADD at the mine making `lot`, as JSON Lines.
    static func minedLot(_ lot: String, tonnes: Int = 5) -> String {
        #"{"type":"ObjectEvent","eventTime":"2026-01-06T06:00:00+08:00","eventTimeZoneOffset":"+08:00","action":"ADD","bizStep":"commissioning","bizLocation":{"id":"urn:epc:id:sgln:9300001.00001.0"},"quantityList":[{"epcClass":""#
            + lot + #"","quantity":\#(tonnes),"uom":"TNE"}],"ilmd":{"ct:material":"spodumene-concentrate"}}"#
    }

    @Test("every lot has a number from 0 up, in the order of the entries that made them, and keys its rows")
    func lotsAreNumberedInOrderMade() throws {
        let fixture = try ChainFixture()
        try fixture.importDocument(ChainFixture.documents[0].file, as: ChainFixture.documents[0].actor)
        // A submission that would make a lot but fails writes no number: the next lot made takes
        // the number after the stored ones.
        let refused = try fixture.rejection(
            [
                Self.minedLot("urn:epc:class:lgtin:9300001.000011.NEVER-1"),
                Self.minedLot("urn:epc:class:lgtin:9300001.000011.NEVER-2", tonnes: -5),
            ],
            as: "pilbara-mining"
        )
        #expect(refused.code == .invalidRecords)
        for (file, actor) in ChainFixture.documents.dropFirst() { try fixture.importDocument(file, as: actor) }
        let chain = fixture.chain

        var numbers: [String: UInt64] = [:]
        for (id, value) in try chain.indexRows("sc.lot-ids") {
            let number = try #require(IndexKey.sequence(in: value))
            numbers[String(decoding: id, as: UTF8.self)] = number
        }
        #expect(numbers.keys.allSatisfy { !$0.contains("NEVER") })
        #expect(Set(numbers.values) == Set(0..<UInt64(numbers.count)), "numbers run from 0 without a gap")
        // In number order, the entries that made the lots never go back.
        let made = try numbers.sorted { $0.value < $1.value }.map { try #require(try chain.lot($0.key)).lot.createdAt }
        #expect(made == made.sorted())

        // sc.lots, sc.lineage: BE64(number); sc.holdings: BE64(number) ‖ actor; the edges:
        // BE64(output) ‖ BE64(input) ‖ BE64(seq), with the edge's lots in its value.
        let lots = try chain.indexRows("sc.lots")
        #expect(lots.map(\.key) == (0..<UInt64(numbers.count)).map(IndexKey.sequence))
        for (key, value) in lots {
            let id = try #require(value.withUnsafeBytes { Lot(row: $0) }?.id)
            #expect(numbers[id].map(IndexKey.sequence) == key, "\(id)")
        }
        #expect(try chain.indexRows("sc.lineage").map(\.key) == lots.map(\.key))
        let holdings = try chain.indexRows("sc.holdings")
        #expect(
            !holdings.isEmpty
                && holdings.allSatisfy { numbers.values.contains(IndexKey.sequence(in: $0.key.prefix(8)) ?? .max) }
        )
        let up = try chain.indexRows("sc.edges.up")
        #expect(!up.isEmpty)
        for (key, value) in up {
            let edge = try #require(value.withUnsafeBytes { LineageEdge(row: $0) })
            #expect(key.count == 24)
            #expect(Array(key.prefix(8)) == numbers[edge.to].map(IndexKey.sequence), "\(edge.to)")
            #expect(Array(key[8..<16]) == numbers[edge.from].map(IndexKey.sequence), "\(edge.from)")
            #expect(IndexKey.sequence(in: key.suffix(8)) == edge.sequenceNumber)
        }
        let down = try chain.indexRows("sc.edges.down")
        #expect(Set(down.map { Array($0.key[8..<16] + $0.key[0..<8] + $0.key[16...]) }) == Set(up.map(\.key)))

        // sc.shipments: BE64(number of a lot shipped) ‖ BE64(the shipment's entry) → its eventID;
        // sc.lot-serials: BE64(cell lot number) ‖ the sc.serials key of one of its ranges.
        let ids = Dictionary(uniqueKeysWithValues: numbers.map { ($0.value, $0.key) })
        let shipments = try chain.indexRows("sc.shipments")
        #expect(!shipments.isEmpty)
        for (key, value) in shipments {
            #expect(key.count == 16)
            let id = try #require(IndexKey.sequence(in: key.prefix(8)).flatMap { ids[$0] })
            let entry = try #require(IndexKey.sequence(in: key.suffix(8)))
            let read = try chain.read { reader, txn, _ in try reader.shipments(of: id, txn) }
            #expect(
                read.contains { $0.sequenceNumber == entry && $0.eventID == String(decoding: value, as: UTF8.self) }
            )
        }
        let serials = Dictionary(uniqueKeysWithValues: try chain.indexRows("sc.serials").map { ($0.key, $0.value) })
        let lotSerials = try chain.indexRows("sc.lot-serials")
        #expect(!lotSerials.isEmpty)
        for (key, value) in lotSerials {
            let id = try #require(IndexKey.sequence(in: key.prefix(8)).flatMap { ids[$0] })
            #expect(String(decoding: value, as: UTF8.self) == id)
            let range = try #require(
                serials[Array(key.dropFirst(8))].flatMap { SerialRange(json: try JSONValue(parsing: $0)) }
            )
            #expect(range.lot == id)
        }
        let commissioned = try chain.read { reader, txn, _ in try reader.commissionedLots(txn) }
        #expect(
            commissioned
                == Set(lotSerials.compactMap { IndexKey.sequence(in: $0.key.prefix(8)).flatMap { ids[$0] } }).sorted {
                    numbers[$0]! < numbers[$1]!
                }
        )
        #expect(try chain.auditIndexes().isValid)
    }

    @Test("a lot made later takes the number after every stored one, and reads back by id")
    func lotsOfOneSubmissionReadBack() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let before = try chain.indexRows("sc.lot-ids").count
        try fixture.accept(
            [Self.minedLot("urn:epc:class:lgtin:9300001.000011.LATE-1", tonnes: 7)],
            as: "pilbara-mining"
        )
        let late = try #require(try chain.lot("urn:epc:class:lgtin:9300001.000011.LATE-1"))
        #expect(late.lot.producedKg == ExactDecimal(7000))
        #expect(late.holdings.map(\.actor) == ["pilbara-mining"])
        let rows = try chain.indexRows("sc.lot-ids")
        #expect(rows.count == before + 1)
        let number = rows.first { String(decoding: $0.key, as: UTF8.self) == late.lot.id }.flatMap {
            IndexKey.sequence(in: $0.value)
        }
        #expect(number == UInt64(before), "the new lot is numbered after every stored one")
        #expect(try chain.auditIndexes().isValid)
    }

    @Test("the audit names a lot-table row by the lot's number and the actor or serial range; a rebuild restores it")
    func auditNamesLotRowsByNumber() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain
        let size = try chain.ledger.size
        let holdings = try chain.indexRows("sc.holdings")
        let dropped = try #require(holdings.first)
        let lot = try #require(IndexKey.sequence(in: dropped.key.prefix(8)))
        let actor = String(decoding: dropped.key.dropFirst(8), as: UTF8.self)
        try chain.ledger.rewriteExtraTables(["sc.holdings"], expectedSize: size) { txn, tables in
            for (key, value) in holdings.dropFirst() { try txn.put(value, forKey: key, in: tables[0]) }
        }
        let report = try chain.auditIndexes()
        #expect(report.failure == "index sc.holdings lacks the row lot #\(lot) ‖ \(actor) that the entries give")
        #expect(try chain.rebuildIndexes().isRebuilt)
        #expect(try chain.indexRows("sc.holdings").map(\.key) == holdings.map(\.key))
        #expect(try chain.auditIndexes().isValid)

        // A serial range's row under its cell lot: the lot's number, the prefix and the last serial.
        let lotSerials = try chain.indexRows("sc.lot-serials")
        let range = try #require(lotSerials.first)
        let cellLot = try #require(IndexKey.sequence(in: range.key.prefix(8)))
        let prefix = String(decoding: range.key.dropFirst(8).dropLast(9), as: UTF8.self)
        let last = try #require(IndexKey.sequence(in: range.key.suffix(8)))
        try chain.ledger.rewriteExtraTables(["sc.lot-serials"], expectedSize: size) { txn, tables in
            for (key, value) in lotSerials.dropFirst() { try txn.put(value, forKey: key, in: tables[0]) }
        }
        #expect(
            try chain.auditIndexes().failure
                == "index sc.lot-serials lacks the row lot #\(cellLot) ‖ \(prefix) ‖ \(last) that the entries give"
        )
        #expect(try chain.rebuildIndexes().isRebuilt)
        #expect(try chain.auditIndexes().isValid)
    }

    @Test("a card read in one snapshot is reused there, and a certificate recorded after it is seen by the next read")
    func cardsAreKeptPerSnapshot() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE")], as: "pilbara-mining")
        let chain = fixture.chain
        let (first, again) = try chain.read { reader, txn, _ in
            (try reader.card("ORE", txn), try reader.card("ORE", txn))
        }
        #expect(first?.certifications.isEmpty == true)
        #expect(again == first)
        let observe = Events.json([
            "type": "ObjectEvent", "eventTime": "2026-01-20T08:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE", "quantityList": [Events.quantity("ORE", 1)],
            "certificationInfo": "https://certifier.example/audit/2026-017",
        ])
        try fixture.accept([observe], as: "pilbara-mining")
        let after = try chain.read { reader, txn, _ in try reader.card("ORE", txn) }
        #expect(after?.certifications.map(\.certificate) == ["https://certifier.example/audit/2026-017"])
    }
}
