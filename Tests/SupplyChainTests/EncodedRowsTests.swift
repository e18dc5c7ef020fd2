import LedgerStorage
import Testing

@testable import SupplyChain

@Suite("Index rows written in LMDB's key order")
struct EncodedRowsTests {
    /// The rows as (key, value) strings, in the order they would be written.
    static func written(_ rows: EncodedRows) -> [(String, String?)] {
        var result: [(String, String?)] = []
        rows.forEachRow { key, value in
            result.append((String(decoding: key, as: UTF8.self), value.map { String(decoding: $0, as: UTF8.self) }))
        }
        return result
    }

    @Test("rows sort as unsigned bytes, a key before the keys it is a prefix of")
    func keyOrder() {
        var rows = EncodedRows()
        // Shared long prefixes, a prefix key, and a byte above 0x7F.
        for key in ["urn:lot-2", "urn:lot-10", "urn:lot-1", "urn:lot-1\u{E9}", "urn:lot", "urn:lot-1a"] {
            rows.append(key: Array(key.utf8), value: Array("v".utf8))
        }
        rows.sort()
        #expect(
            Self.written(rows).map(\.0) == [
                "urn:lot", "urn:lot-1", "urn:lot-10", "urn:lot-1a", "urn:lot-1\u{E9}", "urn:lot-2",
            ]
        )
    }

    @Test("a key added twice is written once, with the value added last")
    func lastValueStays() {
        var rows = EncodedRows()
        rows.append(edgeKey: 3, 258, 7, value: Array("first".utf8))
        rows.append(edgeKey: 3, 258, 6, value: Array("other".utf8))
        rows.append(edgeKey: 3, 258, 7, value: Array("second".utf8))
        rows.append(key: Array("zzz".utf8), value: nil)
        rows.append(key: Array("zzz".utf8), value: Array("kept".utf8))
        rows.sort()
        let written = Self.written(rows)
        #expect(written.map(\.1) == ["other", "second", "kept"])
        // BE64(output lot) ‖ BE64(input lot) ‖ BE64(sequence)
        var key: [UInt8] = []
        rows.forEachRow { rowKey, value in if value.map(Array.init) == Array("second".utf8) { key = Array(rowKey) } }
        #expect(key == [0, 0, 0, 0, 0, 0, 0, 3] + [0, 0, 0, 0, 0, 0, 1, 2] + [0, 0, 0, 0, 0, 0, 0, 7])
    }

    @Test("rows put in rising key order read back and are written in order; one out of order keeps every row")
    func ascendingRows() throws {
        // The store reads nothing of storage; its reads take a transaction all the same.
        let directory = TemporaryDirectory()
        let environment = try Environment(path: directory.path + "/env", options: Environment.Options(tables: []))
        var store = StateStore(tables: [:], complete: true)
        func key(_ number: UInt64) -> [UInt8] { IndexKey.sequence(number) }
        func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
        func read(_ table: IndexTable, _ number: UInt64) throws -> String? {
            try environment.read { txn in text(try store.raw(table, key(number), txn)) }
        }
        func seek(_ table: IndexTable, _ number: UInt64) throws -> String? {
            try environment.read { txn in text(try store.seek(table, atLeast: key(number), txn)?.value) }
        }
        /// The rows as the write would put them, in order; `nil` for a deletion.
        func written(_ table: IndexTable) -> [String] {
            var rows: [String] = []
            store.encodedRows(table).forEachRow { key, value in
                let number = IndexKey.sequence(in: Array(key)).map(String.init) ?? "?"
                rows.append(number + "=" + (value.map { String(decoding: $0, as: UTF8.self) } ?? "deleted"))
            }
            return rows
        }
        for table in [IndexTable.events, .processes, .lineage] {
            for number in [UInt64(3), 5, 9] {
                store.put(table, key(number), Array("r\(number)".utf8))
            }
            #expect(try read(table, 5) == "r5")
            #expect(try read(table, 4) == nil)
            #expect(try seek(table, 4) == "r5")
            #expect(written(table) == ["3=r3", "5=r5", "9=r9"])
        }
        // A row put again at the end, and one deleted there, stay in order.
        store.put(.lineage, key(12), Array("r12".utf8))
        store.put(.lineage, key(12), Array("r12 certified".utf8))
        store.put(.processes, key(20), Array("r20".utf8))
        store.delete(.processes, key(20))
        #expect(try read(.lineage, 12) == "r12 certified")
        #expect(try read(.processes, 20) == nil)
        #expect(written(.lineage) == ["3=r3", "5=r5", "9=r9", "12=r12 certified"])
        #expect(written(.processes) == ["3=r3", "5=r5", "9=r9", "20=deleted"])
        // An earlier row changed, an earlier row deleted, and rows added after: every row stays,
        // with its last value, written in key order.
        store.put(.events, key(5), Array("r5 retracted".utf8))
        store.put(.events, key(10), Array("r10".utf8))
        store.delete(.processes, key(3))
        store.put(.lineage, key(9), Array("r9 certified".utf8))
        store.put(.lineage, key(15), Array("r15".utf8))
        #expect(try read(.events, 5) == "r5 retracted")
        #expect(try read(.processes, 3) == nil)
        #expect(try seek(.processes, 1) == "r5")
        #expect(written(.events) == ["3=r3", "5=r5 retracted", "9=r9", "10=r10"])
        #expect(written(.processes) == ["3=deleted", "5=r5", "9=r9", "20=deleted"])
        #expect(written(.lineage) == ["3=r3", "5=r5", "9=r9 certified", "12=r12 certified", "15=r15"])
    }
}

@Suite("The overlay's dictionary keys")
struct OverlayKeyTests {
    @Test("the overlay's keys spread over a dictionary's buckets, by content and by seed")
    func overlayKeysSpread() {
        // Lot ids that differ only in their last characters, as a document's usually do.
        let keys = (0..<4096).map { TextKey("urn:epc:class:lgtin:6900002.000021.LHM-\($0)") }
        #expect(TextKey("urn:lot-1")._rawHashValue(seed: 7) == TextKey("urn:lot-1")._rawHashValue(seed: 7))
        // The low bits, which pick a bucket, take most of their 4,096 values.
        let buckets = Set(keys.map { $0._rawHashValue(seed: 0) & 4095 })
        #expect(buckets.count > 2500)
        // Another dictionary's seed puts the same keys elsewhere.
        let moved = keys.filter { $0._rawHashValue(seed: 0) & 4095 != $0._rawHashValue(seed: 1) & 4095 }
        #expect(moved.count > 4000)
        // A dictionary of them finds each, and no other.
        var numbers: [TextKey: Int] = [:]
        for (number, key) in keys.enumerated() { numbers[key] = number }
        #expect(keys.enumerated().allSatisfy { numbers[$0.element] == $0.offset })
        #expect(numbers[TextKey("urn:epc:class:lgtin:6900002.000021.LHM-4096")] == nil)
        let holdings = [HoldingKey(lot: 1, actor: "a"), HoldingKey(lot: 2, actor: "a"), HoldingKey(lot: 1, actor: "b")]
        #expect(Set(holdings).count == 3)
    }
}
