import LedgerCore
import Testing

/// `JSONObject` keeps its members sorted for the canonical writer and looks keys up by their first
/// eight bytes; these tests hold it to what a `[String: JSONValue]` would do.
@Suite struct JSONObjectTests {
    /// Keys that share their first eight bytes, differ only after a NUL, are canonically equivalent
    /// without being byte-equal (é precomposed and decomposed; the Kelvin sign and K, which Swift's
    /// `String` equality treats as equal), or sort differently in UTF-16 than in UTF-8 (U+E000 and
    /// U+FFFF against a supplementary scalar).
    static let pool: [String] = [
        "a", "a\u{0}", "b", "K", "\u{212A}", "\u{E9}", "e\u{301}", "abcdefgh", "abcdefgh1", "abcdefgh2",
        "abcdefgi", "eventTime", "eventTimeZoneOffset", "\u{E000}", "\u{FFFF}x", "\u{1F600}", "\u{1F600}a",
        "$commit", "z", "quantity", "inputQuantityList",
    ]

    /// The keys of a dictionary in RFC 8785 order: by UTF-16 code units.
    static func canonicalOrder(_ keys: some Sequence<String>) -> [String] {
        keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
    }

    @Test func behavesLikeADictionaryUnderRandomEdits() {
        var random = SeededGenerator.printingSeed(for: "JSONObjectTests.behavesLikeADictionary")
        for _ in 0..<200 {
            var object = JSONObject()
            var reference: [String: JSONValue] = [:]
            for step in 0..<40 {
                let key = Self.pool.randomElement(using: &random)!
                if Bool.random(using: &random) || reference.isEmpty {
                    let value = JSONValue.number(Double(step))
                    #expect(object.updateValue(value, forKey: key) == reference.updateValue(value, forKey: key))
                } else {
                    #expect(object.removeValue(forKey: key) == reference.removeValue(forKey: key))
                }
                #expect(object.count == reference.count)
                for probe in Self.pool {
                    #expect(object[probe] == reference[probe], "looking up \(probe.unicodeScalars.map(\.value))")
                }
                #expect(object.keys == Self.canonicalOrder(reference.keys))
                #expect(object == JSONObject(reference))
                #expect(object.hashValue == JSONObject(reference).hashValue)
            }
        }
    }

    @Test func parsedObjectsAreInCanonicalOrderAtEverySize() throws {
        var random = SeededGenerator.printingSeed(for: "JSONObjectTests.parsedObjects")
        // Up to 16 members are sorted by insertion, more by a full sort.
        for count in [0, 1, 2, 15, 16, 17, 40] {
            var keys = (0..<count).map { "key-\($0 * 7919 % 1000)-" + String(repeating: "x", count: $0 % 11) }
            keys.shuffle(using: &random)
            let text = "{" + keys.enumerated().map { "\"\($0.element)\":\($0.offset)" }.joined(separator: ",") + "}"
            let object = try #require(try JSONValue(parsing: text).objectValue)
            #expect(object.keys == Self.canonicalOrder(keys))
            for (offset, key) in keys.enumerated() {
                #expect(object[key] == .number(Double(offset)))
            }
        }
    }

    /// Expects `text` refused as naming a duplicate key at the `occurrence`th (from 0) quoted
    /// `key` in it.
    static func expectDuplicate(in text: String, at key: String, occurrence: Int) {
        let bytes = Array(text.utf8)
        let quoted = Array("\"\(key)\"".utf8)
        let offset = bytes.indices.filter { bytes[$0...].starts(with: quoted) }[occurrence]
        let error = #expect(throws: LedgerError.self) { try JSONValue(parsing: bytes) }
        #expect(error?.message.contains("byte offset \(offset): duplicate object key") == true, "\(text)")
    }

    @Test func aDuplicateIsReportedWhereItFirstRepeatsAKey() throws {
        // The later key of the first pair in document order, whatever order the sort puts them in,
        // in objects sorted by insertion and by a full sort.
        for filler in [0, 20] {
            let others = (0..<filler).map { "\"m\($0)\":0," }.joined()
            Self.expectDuplicate(in: "{\"z\":1,\(others)\"b\":2,\"z\":3,\"b\":4}", at: "z", occurrence: 1)
        }
    }

    @Test func aRepeatAmongKeysThatAreNotASCIIIsReportedWhereItFirstRepeats() throws {
        // A key repeated three times and a key repeated only under canonical equivalence, among
        // keys that are not ASCII (found through a dictionary, not pair by pair), in objects
        // sorted by insertion and by a full sort: the first repeat in document order is named.
        for filler in [0, 30] {
            let others = (0..<filler).map { "\"\u{E9}\($0)\":0," }.joined()
            Self.expectDuplicate(
                in: "{\"z\":1,\(others)\"caf\u{E9}\":2,\"z\":3,\"cafe\u{301}\":4,\"z\":5}",
                at: "z",
                occurrence: 1
            )
            // Without the repeated z, the decomposed café is the first repeat.
            Self.expectDuplicate(
                in: "{\(others)\"caf\u{E9}\":2,\"z\":3,\"cafe\u{301}\":4}",
                at: "cafe\u{301}",
                occurrence: 0
            )
        }
    }

    @Test func equalityAndHashingIgnoreTheOrderMembersCameIn() throws {
        let forward = try JSONValue(parsing: #"{"b":1,"a":{"y":[1,2],"x":null},"\u00e9":true}"#)
        let backward = try JSONValue(parsing: "{\"\u{E9}\":true,\"a\":{\"x\":null,\"y\":[1,2]},\"b\":1}")
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        // Canonically equivalent keys name the same member, as in a dictionary.
        let decomposed = try JSONValue(parsing: "{\"b\":1,\"a\":{\"y\":[1,2],\"x\":null},\"e\u{301}\":true}")
        #expect(forward == decomposed)
        #expect(forward.hashValue == decomposed.hashValue)
        #expect(forward != (try JSONValue(parsing: #"{"b":1,"a":{"y":[1,2],"x":null},"e":true}"#)))
    }
}
