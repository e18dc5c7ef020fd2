import Testing

@testable import SupplyChain

@Suite("A batch's keys in order, for seeks into its rows")
struct OrderedKeysTests {
    /// Keys of several lengths that share long prefixes, in a scrambled order: a serial range's
    /// key shape (prefix, a zero byte, the last serial) and bare prefixes of it.
    static func keys(_ count: Int) -> [[UInt8]] {
        (0..<count).map { n in
            let scrambled = (UInt64(n) &* 2_654_435_761) % 4_294_967_291
            let prefix = Array("urn:epc:id:sgtin:4012345.0\(scrambled % 3)1111.".utf8)
            return n % 7 == 0 ? prefix + Array(String(scrambled).utf8) : prefix + [0] + IndexKey.sequence(scrambled)
        }
    }

    @Test("the first key at or after a probe is the one a sorted list gives, across chunk splits")
    func firstAtLeast() {
        let keys = Array(Set(Self.keys(3_000)))
        var ordered = OrderedKeys()
        for key in keys { ordered.insert(key) }
        #expect(ordered.count == keys.count)
        let sorted = keys.sorted { RowKey.precedes($0, $1) }
        // Every key, a probe just after each, one before all and one after all.
        var probes = keys + keys.map { $0 + [0] } + [[], Array("urn:epc:id:sgtin:4012345.1".utf8)]
        probes.append([0xFF])
        for probe in probes {
            let expected = sorted.first { !RowKey.precedes($0, probe) }
            #expect(ordered.first(atLeast: probe) { _ in true } == expected)
        }
        // A filter skips keys as a deleted row is skipped, into the chunks after.
        let odd = { (key: [UInt8]) in key.last.map { $0 % 2 == 1 } ?? false }
        for probe in probes.prefix(500) {
            #expect(
                ordered.first(atLeast: probe, where: odd) == sorted.first { !RowKey.precedes($0, probe) && odd($0) }
            )
        }
    }
}
