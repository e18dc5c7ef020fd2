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
}
