import LedgerStorage
import Testing

@Suite struct BigEndianKeyTests {
    @Test(arguments: [
        (UInt64(0), [UInt8](repeating: 0, count: 8)),
        (UInt64(258), [0, 0, 0, 0, 0, 0, 1, 2]),
        (UInt64(0x0102_0304_0506_0708), [1, 2, 3, 4, 5, 6, 7, 8]),
        (UInt64.max, [UInt8](repeating: 0xFF, count: 8)),
    ])
    func encodesMostSignificantByteFirst(value: UInt64, bytes: [UInt8]) {
        #expect(BigEndianKey.encode(value) == bytes)
        #expect(BigEndianKey.decode(bytes) == value)
    }

    @Test func byteOrderIsNumericOrder() {
        let values: [UInt64] = [0, 1, 255, 256, 65_535, 65_536, 1 << 32, UInt64.max - 1, UInt64.max]
        for (smaller, larger) in zip(values, values.dropFirst()) {
            #expect(BigEndianKey.encode(smaller).lexicographicallyPrecedes(BigEndianKey.encode(larger)))
        }
    }

    @Test func decodingRejectsWrongLengths() {
        #expect(BigEndianKey.decode([UInt8]()) == nil)
        #expect(BigEndianKey.decode([UInt8](repeating: 0, count: 7)) == nil)
        #expect(BigEndianKey.decode([UInt8](repeating: 0, count: 9)) == nil)
        #expect(BigEndianKey.decode([0, 0, 0, 0, 0, 0, 0, 0, 9][1...]) == 9)
    }
}
