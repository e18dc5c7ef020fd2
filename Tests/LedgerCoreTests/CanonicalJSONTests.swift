import Foundation
import LedgerCore
import Testing

@Suite struct CanonicalJSONTests {
    /// Documents back to back in one buffer, as an EPCIS document holds its events, with their
    /// byte ranges.
    static func buffer(of documents: [String], separator: String = "") -> (bytes: [UInt8], ranges: [Range<Int>]) {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for document in documents {
            let start = bytes.count
            bytes += Array(document.utf8)
            ranges.append(start..<bytes.count)
            bytes += Array(separator.utf8)
        }
        return (bytes, ranges)
    }

    @Test func documentsParsedInOneBatchEqualThoseParsedAlone() throws {
        // Long keys repeat across the documents, some share a length and their first, middle and
        // last bytes (so the key cache sees them in one slot), some need escapes or are not ASCII.
        let documents = [
            #"{"eventTimeZoneOffset":"+08:00","inputQuantityList":[{"epcClass":"a","quantity":1}]}"#,
            #"{"inputQuantityList":[],"eventTimeZoneOffset":"-05:00","inpXtQuantityList":2}"#,
            #"{"eventTimeZoneOffset":{"inputQuantityList":{"eventTimeZoneOffset":null}}}"#,
            #"{"escaped\u0041key-longer-than-15":1,"é-non-ascii-key-longer-than-15":2,"short":3}"#,
            #"{"inpXtQuantityList":[1],"inputQuantityList":[2],"eventTimeZoneOffset":"Z"}"#,
        ]
        let (bytes, ranges) = Self.buffer(of: documents, separator: " , ")
        let batch = try #require(JSONValue.parsing(bytes, ranges: ranges, maxDepth: 16))
        #expect(batch == (try documents.map { try JSONValue(parsing: $0) }))
        #expect(batch[1]["inpXtQuantityList"] == 2)
        #expect(batch[3]["escapedAkey-longer-than-15"] == 1)
        // A range that is not a document fails the batch.
        #expect(JSONValue.parsing(bytes, ranges: ranges + [0..<5], maxDepth: 16) == nil)
        #expect(JSONValue.parsing(bytes, ranges: [ranges[2]], maxDepth: 1) == nil)
    }

    /// A batch shares the values its documents' top-level members repeat byte for byte, and
    /// only those: a value that differs in any byte, even past a shared beginning, is its own.
    @Test func aBatchSharesTheTopLevelValuesItsDocumentsRepeat() throws {
        let documents = [
            #"{"ilmd":{"material":"lithium-hydroxide","grade":"battery"},"mass":[40],"note":"a long note, shared"}"#,
            #"{"ilmd":{"material":"lithium-hydroxide","grade":"battery"},"mass":[400],"note":"a long note, shared"}"#,
            #"{"mass":[40],"ilmd":{"material":"lithium-hydroxide","grade":"battery2"},"note":"a long note, shared!"}"#,
            #"{"ilmd":{"grade":"battery","material":"lithium-hydroxide"},"mass":[40],"inner":{"ilmd":[]}}"#,
            #"{"ilmd": {"material":"lithium-hydroxide","grade":"battery"},"mass":[40]}"#,
        ]
        let (bytes, ranges) = Self.buffer(of: documents, separator: ",")
        let batch = try #require(JSONValue.parsing(bytes, ranges: ranges, maxDepth: 16))
        #expect(batch == (try documents.map { try JSONValue(parsing: $0) }))
        func address(_ document: Int, _ key: String) -> UnsafeRawPointer? { batch[document][key]?.storageAddress }
        // The same bytes: one value.
        #expect(address(0, "ilmd") != nil && address(0, "ilmd") == address(1, "ilmd"))
        #expect(address(0, "ilmd") == address(4, "ilmd"))
        #expect(address(0, "mass") == address(2, "mass") && address(0, "mass") == address(3, "mass"))
        // Other bytes, though the first ones agree or the value is equal: another value.
        #expect(address(0, "mass") != address(1, "mass"))
        #expect(address(0, "ilmd") != address(2, "ilmd"))
        #expect(address(0, "ilmd") != address(3, "ilmd"))
        #expect(batch[1]["mass"] == [400] && batch[2]["note"] == "a long note, shared!")
    }

    /// Entry bodies sealed with the canonical forms their batch shares are, byte for byte, the
    /// bodies sealed alone: with commitments inside a member, with values that equal a kept one
    /// without sharing its storage, and with a reserved key inside a shared value.
    @Test func bodiesSealedWithSharedFormsAreTheBodiesSealedAlone() throws {
        let documents = [
            #"{"ilmd":{"material":"lithium-hydroxide"},"q":[{"quantity":10,"uom":"KGM"}],"at":{"id":"urn:x:1"}}"#,
            #"{"ilmd":{"material":"lithium-hydroxide"},"q":[{"quantity":12,"uom":"KGM"}],"at":{"id":"urn:x:1"}}"#,
            #"{"at":{"id":"urn:x:1"},"ilmd":{"material":"lithium-hydroxide"},"q":[{"quantity":10,"uom":"KGM"}]}"#,
            #"{"ilmd":{"material":"lithium"},"q":[{"quantity":10,"uom":"KGM"}],"at":{"$id":"urn:x:1"}}"#,
            #"{"ilmd":{"material":"lithium"},"q":[{"quantity":10,"uom":"KGM"}],"at":{"$id":"urn:x:1"}}"#,
        ]
        let (bytes, ranges) = Self.buffer(of: documents)
        let batch = try #require(JSONValue.parsing(bytes, ranges: ranges, maxDepth: 16))
        let alone = try documents.map { try JSONValue(parsing: $0) }
        let quantity = try JSONPointer("/q/0/quantity")
        let salts = [UInt8](repeating: 7, count: 32 * documents.count)
        func sealed(_ bodies: [JSONValue], cache: CanonicalValueCache?) throws -> [EntryDraft.Presealed?] {
            var remaining = salts[...]
            return try bodies.map { body in
                let draft = EntryDraft(type: "event", actor: "a", body: body, confidential: [quantity])
                return try draft.sealedForAppend(salts: &remaining, cache: cache).presealed
            }
        }
        let expected = try sealed(alone, cache: nil)
        let cache = CanonicalValueCache()
        for round in 0..<2 {
            #expect(try sealed(batch, cache: cache) == expected, "round \(round)")
            #expect(try sealed(alone, cache: cache) == expected, "round \(round)")
        }
        #expect(expected[0] != nil && expected[0] != expected[1])
        // A reserved key is not sealed in place, from a shared value or not.
        #expect(expected[3] == nil && expected[4] == nil)
    }

    // MARK: - RFC 8785 examples

    /// RFC 8785 §3.2.2.3, the table of IEEE-754 bit patterns and their JCS serialization
    /// (NaN and Infinity, which JCS rejects, are covered by the parser tests).
    @Test(arguments: [
        ("0000000000000000", "0"),
        ("8000000000000000", "0"),
        ("0000000000000001", "5e-324"),
        ("8000000000000001", "-5e-324"),
        ("7fefffffffffffff", "1.7976931348623157e+308"),
        ("ffefffffffffffff", "-1.7976931348623157e+308"),
        ("4340000000000000", "9007199254740992"),
        ("c340000000000000", "-9007199254740992"),
        ("4430000000000000", "295147905179352830000"),
        ("44b52d02c7e14af5", "9.999999999999997e+22"),
        ("44b52d02c7e14af6", "1e+23"),
        ("44b52d02c7e14af7", "1.0000000000000001e+23"),
        ("444b1ae4d6e2ef4e", "999999999999999700000"),
        ("444b1ae4d6e2ef4f", "999999999999999900000"),
        ("444b1ae4d6e2ef50", "1e+21"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
        ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("41b3de4355555553", "333333333.3333332"),
        ("41b3de4355555554", "333333333.33333325"),
        ("41b3de4355555555", "333333333.3333333"),
        ("41b3de4355555556", "333333333.3333334"),
        ("41b3de4355555557", "333333333.33333343"),
        ("becbf647612f3696", "-0.0000033333333333333333"),
        ("43143ff3c1cb0959", "1424953923781206.2"),
    ])
    func rfc8785NumberTableFormatsAsPublished(bits: String, expected: String) throws {
        let value = Double(bitPattern: try #require(UInt64(bits, radix: 16)))
        #expect(JSONValue.canonicalNumber(value) == expected)
        #expect(JSONValue.number(value).canonicalString == expected)
    }

    /// The example in RFC 8785 §3.2.2 (also `values.json` in the reference test data).
    @Test func rfc8785SerializationExampleCanonicalizes() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"""
            {"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}
            """#
        #expect(try JSONValue(parsing: input).canonicalString == expected)
    }

    /// The example in RFC 8785 §3.2.3: keys sort by UTF-16 code units, so the emoji (a surrogate pair)
    /// sorts before U+FB33 even though its code point is larger.
    @Test func rfc8785SortingExampleOrdersKeysByUTF16CodeUnits() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected =
            #"{"\r":"Carriage Return","1":"One","\#u{80}":"Control","ö":"Latin Small Letter O With Diaeresis","#
            + #""€":"Euro Sign","😀":"Emoji: Grinning Face","דּ":"Hebrew Letter Dalet With Dagesh"}"#
        #expect(try JSONValue(parsing: input).canonicalString == expected)
    }

    /// The reference test data of RFC 8785's authors (cyberphone/json-canonicalization `testdata/`).
    @Test(arguments: ["arrays", "french", "structures", "unicode", "values", "weird"])
    func referenceTestDataCanonicalizesToPublishedOutput(name: String) throws {
        let input = try JCSFixtures.bytes("input/\(name).json")
        let expected = try JCSFixtures.bytes("output/\(name).json")
        let value = try JSONValue(parsing: input)
        #expect(value.canonicalBytes == expected)
        // The canonical form is a fixed point.
        #expect(try JSONValue(parsing: expected).canonicalBytes == expected)
    }

    // MARK: - ECMAScript numbers

    /// The first 10,000 lines of the published `es6testfile100m.txt` (see Fixtures/vectors/jcs/README.md).
    ///
    /// Set `CELLTRACE_ES6_NUMBER_FILE` to check a longer prefix of the full file instead.
    @Test func es6NumberVectorsFormatAndParseBack() throws {
        let environment = ProcessInfo.processInfo.environment
        let text: String
        var expectedLines = 10_000
        if let path = environment["CELLTRACE_ES6_NUMBER_FILE"] {
            let limit = environment["CELLTRACE_ES6_NUMBER_LINES"].flatMap { Int($0) } ?? 1_000_000
            text = try String(contentsOfFile: path, encoding: .utf8)
                .split(separator: "\n", maxSplits: limit, omittingEmptySubsequences: true)
                .prefix(limit)
                .joined(separator: "\n")
            expectedLines = limit
        } else {
            text = String(decoding: try JCSFixtures.bytes("es6-numbers-10k.txt"), as: UTF8.self)
        }
        var lineCount = 0
        var failures: [String] = []
        for line in text.split(separator: "\n") {
            lineCount += 1
            let fields = line.split(separator: ",")
            let bits = try #require(UInt64(fields[0], radix: 16), "bad vector line \(line)")
            let value = Double(bitPattern: bits)
            let expected = String(fields[1])
            let formatted = JSONValue.canonicalNumber(value)
            let parsed = try JSONValue(parsing: expected).doubleValue
            // -0 prints as "0", which parses back as +0; everything else must come back bit for bit.
            let expectedBits = value == 0 ? 0 : bits
            if formatted != expected || parsed?.bitPattern != expectedBits {
                failures.append("\(fields[0]): expected \(expected), formatted \(formatted), parsed \(parsed as Any)")
            }
        }
        #expect(lineCount == expectedLines)
        #expect(failures.isEmpty, "\(failures.count) mismatches, first: \(failures.prefix(10))")
    }

    /// Edge cases around the layout boundaries of ECMA-262 Number::toString, checked against Node.js.
    @Test(arguments: [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.0, "-1"),
        (0.5, "0.5"),
        (0.1, "0.1"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.0 / 3.0, "0.3333333333333333"),
        (2.0 / 3.0, "0.6666666666666666"),
        (4.35, "4.35"),
        (33.3, "33.3"),
        (-123.456, "-123.456"),
        (3.14159, "3.14159"),
        (100.0, "100"),
        (0.001, "0.001"),
        (0.0001, "0.0001"),
        (0.000001, "0.000001"),
        (0.0000015, "0.0000015"),
        (0.00000099, "9.9e-7"),
        (1e-7, "1e-7"),
        (-1e-7, "-1e-7"),
        (1.23e-18, "1.23e-18"),
        (1e15, "1000000000000000"),
        (1e16, "10000000000000000"),
        (1e20, "100000000000000000000"),
        (123_456_789_000_000.0, "123456789000000"),
        (9_007_199_254_740_991.0, "9007199254740991"),
        (9_007_199_254_740_992.0, "9007199254740992"),
        (9_007_199_254_740_994.0, "9007199254740994"),
        (1_234_567_890_123_456_789.0, "1234567890123456800"),
        (9_223_372_036_854_775_808.0, "9223372036854776000"),
        (18_446_744_073_709_551_616.0, "18446744073709552000"),
        (999_999_999_999_999_900_000.0, "999999999999999900000"),
        (1e21, "1e+21"),
        (1.0000000000000001e21, "1.0000000000000001e+21"),
        (1e301, "1e+301"),
        (4_294_967_296.5, "4294967296.5"),
        (-2_147_483_648.0, "-2147483648"),
        (Double.leastNonzeroMagnitude, "5e-324"),
        (-Double.leastNonzeroMagnitude, "-5e-324"),
        (Double(bitPattern: 3), "1.5e-323"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"),
        (Double(bitPattern: 0x000F_FFFF_FFFF_FFFF), "2.225073858507201e-308"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
    ])
    func canonicalNumberFormatsBoundaryCases(value: Double, expected: String) {
        #expect(JSONValue.canonicalNumber(value) == expected)
    }

    /// Number text in input is normalized: the value is what matters, not its spelling.
    @Test(arguments: [
        ("1E30", "1e+30"),
        ("4.50", "4.5"),
        ("2e-3", "0.002"),
        ("-0", "0"),
        ("-0.0", "0"),
        ("0e10", "0"),
        ("0.1e1", "1"),
        ("100e-2", "1"),
        ("123456789012345678901234567890e0", "1.2345678901234568e+29"),
        ("9007199254740993.0", "9007199254740992"),
        ("9007199254740995e0", "9007199254740996"),
        ("100000000000000000000000", "1e+23"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("2.2250738585072011e-308", "2.225073858507201e-308"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("4.9406564584124654e-324", "5e-324"),
        ("0.00000000000000000000000000000000000000000000000000000000000000000000000000001", "1e-77"),
        ("1e22", "1e+22"),
        ("1e23", "1e+23"),
        ("-1E+2", "-100"),
    ])
    func parsedNumbersCanonicalizeByValue(text: String, expected: String) throws {
        #expect(try JSONValue(parsing: text).canonicalString == expected)
    }

    // MARK: - Strings and keys

    @Test func stringsEscapeOnlyQuoteBackslashAndControlCharacters() {
        let controls = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        let expectedControls =
            #"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#
        #expect(JSONValue.string(controls).canonicalString == "\"" + expectedControls + "\"")
        // Solidus, DEL, U+2028, non-ASCII and non-BMP characters are written literally.
        let literal = "/\u{7F}\u{2028}é€😀\"\\"
        #expect(JSONValue.string(literal).canonicalString == "\"/\u{7F}\u{2028}é€😀\\\"\\\\\"")
        #expect(JSONValue.string("").canonicalString == #""""#)
    }

    @Test func stringsAreEscapedWhereverTheirSpecialBytesFall() {
        // The writer tests a string eight bytes at a time (the last word overlapping the one
        // before, a short string padded to a word): a quote, backslash or control character at
        // every offset of strings of every length up to three words must still be escaped.
        let specials: [(text: String, escaped: String)] = [
            ("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{1}", #"\u0001"#), ("\u{1F}", #"\u001f"#),
            ("\u{E9}", "\u{E9}"), (" ", " "),
        ]
        for length in 1...24 {
            for offset in 0..<length {
                for special in specials {
                    let head = String(repeating: "a", count: offset)
                    let tail = String(repeating: "z", count: length - offset - 1)
                    let text = head + special.text + tail
                    #expect(JSONValue.string(text).canonicalString == "\"" + head + special.escaped + tail + "\"")
                    let key = "{\"" + head + special.escaped + tail + "\":null}"
                    #expect(JSONValue.object([text: .null]).canonicalString == key)
                }
            }
        }
    }

    @Test func unnormalizedStringsKeepTheirCodePoints() throws {
        let value = try JSONValue(parsing: #""A\u030a""#)
        #expect(value.canonicalBytes == [0x22, 0x41, 0xCC, 0x8A, 0x22])
        #expect(value.stringValue?.unicodeScalars.count == 2)
    }

    @Test func keysSortByUTF16CodeUnitsNotCodePoints() {
        // U+E000 is one UTF-16 unit, 0xE000; U+1F600 is the pair 0xD83D 0xDE00, so it sorts first,
        // although its code point (and its UTF-8) is larger.
        let value: JSONValue = ["\u{E000}": 1, "\u{1F600}": 2, "\u{FFFF}": 3, "\u{D7FF}": 4, "\u{10000}": 5]
        let expected = "{\"\u{D7FF}\":4,\"\u{10000}\":5,\"\u{1F600}\":2,\"\u{E000}\":1,\"\u{FFFF}\":3}"
        #expect(value.canonicalString == expected)
    }

    @Test func keysSortByUTF16CodeUnitsBeyondTheirFirstEightBytes() {
        // The serializer compares 8-byte prefixes first; these keys tie there or differ at its edge.
        let keys = [
            "abcdefgh\u{E000}", "abcdefgh\u{1F600}", "abcdefg\u{E000}", "abcdefg\u{1F600}", "abcdefg",
            "abcdefgh", "abcdefgh\u{0}", "abcdefgh\u{0}\u{0}", "abcdefghi", "abcdefg\u{7F}", "abcdefg\u{80}",
            "\u{1F600}\u{1F600}x", "\u{1F600}\u{1F600}\u{E000}", "\u{1F600}\u{1F600}\u{10000}",
        ]
        let object = JSONValue.object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.null) }))
        let sorted = keys.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
        let expected = "{" + sorted.map { "\"\($0)\":null" }.joined(separator: ",") + "}"
        #expect(object.canonicalString.replacingOccurrences(of: "\\u0000", with: "\u{0}") == expected)
    }

    @Test func keysSortBytewiseWithPrefixesFirst() {
        let value: JSONValue = ["b": 1, "a": 2, "": 3, "ab": 4, "B": 5, "a\u{0}": 6, "10": 7, "1": 8, "é": 9]
        #expect(value.canonicalString == #"{"":3,"1":8,"10":7,"B":5,"a":2,"a\u0000":6,"ab":4,"b":1,"é":9}"#)
    }

    @Test func randomKeysSortLikeUTF16CodeUnitArrays() {
        var random = SeededGenerator.printingSeed(for: "CanonicalJSONTests.\(#function)")
        for _ in 0..<200 {
            var keys: Set<String> = []
            for _ in 0..<Int.random(in: 2...12, using: &random) {
                keys.insert(RandomJSON.string(using: &random, allowEscapes: false))
            }
            let object = JSONValue.object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.number(0)) }))
            let sorted = keys.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
            let expected = "{" + sorted.map { "\"\($0)\":0" }.joined(separator: ",") + "}"
            #expect(object.canonicalString == expected)
        }
    }

    // MARK: - Parser rejections

    @Test(arguments: RejectionCase.all)
    func parserRejectsWithInvalidJSONAndTheByteOffset(_ rejection: RejectionCase) {
        let error = #expect(throws: LedgerError.self) {
            try JSONValue(parsing: rejection.bytes)
        }
        #expect(error?.code == .invalidJSON)
        #expect(
            error?.message.contains("byte offset \(rejection.offset):") == true,
            "message: \(error?.message ?? "none")"
        )
    }

    @Test("UTF-16 and UTF-32 input is named with the conversion that makes it UTF-8; a number too small is named")
    func encodingsAndUnderflowNamed() {
        let cases: [([UInt8], String)] = [
            ([0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00], "UTF-16 (little-endian, byte order mark FF FE)"),
            ([0x7B, 0x00, 0x7D, 0x00], "`iconv -f UTF-16LE -t UTF-8`"),
            ([0x00, 0x5B, 0x00, 0x5D], "`iconv -f UTF-16BE -t UTF-8`"),
            ([0xFF, 0xFE, 0x00, 0x00, 0x5B, 0x00, 0x00, 0x00], "UTF-32 (little-endian, byte order mark FF FE 00 00)"),
            ([0x00, 0x00, 0x00, 0x5B, 0x00, 0x00, 0x00, 0x5D], "`iconv -f UTF-32BE -t UTF-8`"),
            ([0x5B, 0x00, 0x00, 0x00, 0x5D, 0x00, 0x00, 0x00], "`iconv -f UTF-32LE -t UTF-8`"),
            (Array("[1e-400]".utf8), "number 1e-400 is too small for an IEEE-754 double and would be read as 0"),
        ]
        for (bytes, expected) in cases {
            let error = #expect(throws: LedgerError.self) { try JSONValue(parsing: bytes) }
            #expect(error?.message.contains(expected) == true, "message: \(error?.message ?? "none")")
        }
    }

    @Test func integersADoubleHoldsParseWhateverTheirSize() throws {
        for (text, value) in [
            ("9007199254740992", 9_007_199_254_740_992.0), ("1e23", 1e23), ("100000000000000000000000", 1e23),
            ("0.30000000000000004", 0.30000000000000004), ("1.7976931348623157e308", .greatestFiniteMagnitude),
            ("5e-324", .leastNonzeroMagnitude), ("-0.000123000", -0.000123), ("1.0E+2", 100),
            ("-9007199254740992", -9_007_199_254_740_992),
        ] {
            #expect(try JSONValue(parsing: text).doubleValue == value, "\(text)")
        }
    }

    /// Where numbers are quantities, one the double would not spell is refused, not rounded.
    @Test func exactNumbersRefuseWhatTheDoubleRounds() throws {
        for (text, stored) in [
            ("123456789.123456789", "123456789.12345679"), ("1.00000000000000001", "1"),
            ("0.1000000000000000055511151231257827", "0.1"), ("9007199254740993.0", "9007199254740992"),
            ("4.9406564584124654e-324", "5e-324"),
        ] {
            let error = #expect(throws: LedgerError.self) { try JSONValue(parsing: "[\(text)]", exactNumbers: true) }
            #expect(
                error?.message.contains(
                    "number \(text) has more significant digits than an IEEE-754 double holds, so it would be stored as \(stored)"
                ) == true,
                "message: \(error?.message ?? "none")"
            )
            // By default, as RFC 8785 reads them: by value.
            #expect(try JSONValue(parsing: text).canonicalString == stored)
        }
        // What the double spells passes, whatever the notation: trailing zeros, exponents, 17 digits.
        for text in ["1.50000000000000000000", "1.0E+2", "0.30000000000000004", "1e23", "123456789.12345679", "-0.0"] {
            #expect(throws: Never.self, "\(text)") { try JSONValue(parsing: text, exactNumbers: true) }
        }
        // The batch parser and the deferring one take the option too.
        let bytes = Array(#"{"a":[1.5,2.000000000000000001]}"#.utf8)
        #expect(JSONValue.parsing(bytes, ranges: [0..<bytes.count], maxDepth: 8, exactNumbers: true) == nil)
        #expect(JSONValue.parsing(bytes, ranges: [0..<bytes.count], maxDepth: 8)?.count == 1)
        #expect(throws: LedgerError.self) {
            try JSONValue.parsing(bytes, deferringElementsAt: ["b"], exactNumbers: true)
        }
    }

    @Test func errorsEqualByCodeSoTestsCanMatchThem() {
        #expect(throws: LedgerError(code: .invalidJSON, message: "")) {
            try JSONValue(parsing: #"{"a":1,"a":2}"#)
        }
    }

    @Test func nestingAtTheLimitIsAcceptedAndBeyondItRejected() throws {
        let deepArray = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(try JSONValue(parsing: deepArray).arrayValue != nil)
        let tooDeepArray = "[" + deepArray + "]"
        let error = #expect(throws: LedgerError.self) { try JSONValue(parsing: tooDeepArray) }
        #expect(error?.message.contains("byte offset 128:") == true)

        let deepObject = String(repeating: #"{"a":"#, count: 128) + "1" + String(repeating: "}", count: 128)
        #expect(try JSONValue(parsing: deepObject)["a"] != nil)
        #expect(throws: LedgerError.self) { try JSONValue(parsing: "[" + deepObject + "]") }

        #expect(try JSONValue(parsing: "7", maxDepth: 0) == 7)
        #expect(throws: LedgerError.self) { try JSONValue(parsing: "[]", maxDepth: 0) }
        #expect(try JSONValue(parsing: "[[]]", maxDepth: 2) == [[]])
        #expect(throws: LedgerError.self) { try JSONValue(parsing: #"[{"a":[]}]"#, maxDepth: 2) }
    }

    @Test func surroundingWhitespaceIsAccepted() throws {
        #expect(try JSONValue(parsing: " \t\r\n{ \"a\" : [ 1 , 2 ] }\n\r\t ") == ["a": [1, 2]])
        #expect(try JSONValue(parsing: "\n0\n") == 0)
    }

    @Test func validEscapesAndSurrogatePairsDecode() throws {
        let value = try JSONValue(parsing: #""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00\uDBFF\uDFFF""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAé€😀\u{10FFFF}"))
    }

    @Test func nonContiguousAndSlicedInputsParse() throws {
        let bytes = Array(#"xx{"a":[true,false,null]}yy"#.utf8)
        let slice = bytes[2..<(bytes.count - 2)]
        #expect(try JSONValue(parsing: slice) == ["a": [true, false, nil]])
        #expect(try JSONValue(parsing: slice.lazy.map { $0 }) == ["a": [true, false, nil]])
    }

    // MARK: - Deferred elements

    @Test func deferredElementsAreTheRangesOfTheArraysElements() throws {
        let text = #"""
            {"type":"doc","body":{"n":[1,2],"list":[ {"a":"x]},\"y","b":[[],{}]} , "s\\" ,7,
            [null,{"c":"}"}] ,{} ],"m":{"list":[9]}},"list":[8]}
            """#
        let bytes = Array(text.utf8)
        let whole = try JSONValue(parsing: bytes)
        let deferred = try JSONValue.parsing(bytes, deferringElementsAt: ["body", "list"])
        let ranges = try #require(deferred.elements)
        let elements = try ranges.map { try JSONValue(parsing: bytes[$0], maxDepth: deferred.elementMaxDepth) }
        #expect(elements == whole["body"]?["list"]?.arrayValue)
        #expect(ranges.map { String(decoding: bytes[$0], as: UTF8.self) }.first == #"{"a":"x]},\"y","b":[[],{}]}"#)
        // The document is read but that array, which is left empty; same names elsewhere are not deferred.
        var expected = whole.objectValue ?? [:]
        var body = expected["body"]?.objectValue ?? [:]
        body["list"] = []
        expected["body"] = .object(body)
        #expect(deferred.value == .object(expected))
        #expect(deferred.elementMaxDepth == 128 - 3)
    }

    @Test func stringsAreReadWhereverTheirSpecialBytesFallInAWord() throws {
        // The parser and the skeleton scan strings eight bytes at a time; a quote, backslash,
        // control character or non-ASCII byte at every offset of a word must still be seen.
        let specials: [(json: String, text: String)] = [
            (#"\""#, "\""), (#"\\"#, "\\"), (#"\n"#, "\n"), (#"\u0001"#, "\u{1}"), ("\u{E9}", "\u{E9}"),
            ("\u{1F50B}", "\u{1F50B}"), ("", ""),
        ]
        for length in 0..<20 {
            for special in specials {
                let head = String(repeating: "a", count: length)
                let tail = String(repeating: "b", count: 19 - length)
                let json = #"{"\#(head)\#(special.json)\#(tail)":"\#(tail)\#(special.json)\#(head)"}"#
                let key = head + special.text + tail
                let value = tail + special.text + head
                #expect(try JSONValue(parsing: Array(json.utf8)) == .object([key: .string(value)]))
                // The same strings as deferred elements: each element's range ends where it should.
                let document = Array(#"{"list":[\#(json) ,"\#(special.json)\#(tail)",1]}"#.utf8)
                let deferred = try JSONValue.parsing(document, deferringElementsAt: ["list"])
                let elements = try #require(deferred.elements).map { try JSONValue(parsing: document[$0]) }
                #expect(elements == [.object([key: .string(value)]), .string(special.text + tail), 1])
            }
        }
    }

    @Test func deferralFindsNoArrayWhereThePathIsNotAnArray() throws {
        let object = try JSONValue.parsing(
            Array(#"{"body":{"list":{"x":[1]}}}"#.utf8),
            deferringElementsAt: ["body", "list"]
        )
        #expect(object.elements == nil)
        #expect(object.value == ["body": ["list": ["x": [1]]]])
        let absent = try JSONValue.parsing(Array(#"{"list":[1]}"#.utf8), deferringElementsAt: ["body", "list"])
        #expect(absent.elements == nil)
        let empty = try JSONValue.parsing(Array(#"{"body":{"list":[ ]}}"#.utf8), deferringElementsAt: ["body", "list"])
        #expect(empty.elements == [])
    }

    @Test func aDeferredElementThatIsNotJSONFailsAloneNotInTheSkeleton() throws {
        let bytes = Array(#"{"body":{"list":[{"a":tru},{"a":1,"a":2}]}}"#.utf8)
        #expect(throws: LedgerError.self) { try JSONValue(parsing: bytes) }
        let deferred = try JSONValue.parsing(bytes, deferringElementsAt: ["body", "list"])
        for range in try #require(deferred.elements) {
            #expect(throws: LedgerError.self) { try JSONValue(parsing: bytes[range]) }
        }
        // Brackets that do not close are the skeleton's own error.
        #expect(throws: LedgerError.self) {
            try JSONValue.parsing(Array(#"{"body":{"list":[{"a":1}"#.utf8), deferringElementsAt: ["body", "list"])
        }
    }

    // MARK: - Round trips

    @Test func parseThenCanonicalizeIsIdempotentOverRandomValues() throws {
        var random = SeededGenerator.printingSeed(for: "CanonicalJSONTests.\(#function)")
        for iteration in 0..<500 {
            let value = RandomJSON.value(depth: 0, using: &random)
            let canonical = value.canonicalBytes
            let parsed = try JSONValue(parsing: canonical)
            #expect(parsed == value, "seed \(random.seed), iteration \(iteration)")
            #expect(parsed.canonicalBytes == canonical, "seed \(random.seed), iteration \(iteration)")
            // Whitespace-laden, reordered input canonicalizes to the same bytes.
            let pretty = RandomJSON.prettyPrinted(value, using: &random)
            #expect(
                try JSONValue(parsing: pretty).canonicalBytes == canonical,
                "seed \(random.seed), iteration \(iteration)"
            )
        }
    }

    @Test func writeCanonicalAppendsToExistingBytes() {
        var buffer = Array("entry:".utf8)
        let value: JSONValue = ["z": nil, "a": [1.5, "x"]]
        value.writeCanonical(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"entry:{"a":[1.5,"x"],"z":null}"#)
        #expect(value.canonicalString == #"{"a":[1.5,"x"],"z":null}"#)
    }

    // MARK: - Accessors and literals

    @Test func accessorsReturnPayloadsOnlyForTheMatchingCase() throws {
        let value = try JSONValue(parsing: #"{"s":"text","n":-2.5,"b":true,"a":[1],"o":{},"z":null}"#)
        #expect(value["s"]?.stringValue == "text")
        #expect(value["n"]?.doubleValue == -2.5)
        #expect(value["b"]?.boolValue == true)
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["o"]?.objectValue == [:])
        #expect(value["z"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?["anything"] == nil)
        #expect(value["s"]?.doubleValue == nil)
        #expect(value["n"]?.stringValue == nil)
        #expect(value["b"]?.isNull == false)
        #expect(value.arrayValue == nil)
        #expect(value.objectValue?.count == 6)
    }

    @Test func literalsBuildTheMatchingCases() {
        let value: JSONValue = ["s": "x", "i": 42, "f": 0.25, "t": true, "n": nil, "a": [1, "two"]]
        #expect(
            value
                == .object([
                    "s": .string("x"), "i": .number(42), "f": .number(0.25), "t": .bool(true), "n": .null,
                    "a": .array([.number(1), .string("two")]),
                ])
        )
    }

}

/// One input the parser must reject, with the byte offset its error must name.
struct RejectionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var offset: Int

    var testDescription: String { name }

    init(_ name: String, _ text: String, offset: Int) {
        self.init(name, Array(text.utf8), offset: offset)
    }

    init(_ name: String, _ bytes: [UInt8], offset: Int) {
        self.name = name
        self.bytes = bytes
        self.offset = offset
    }

    static let all: [RejectionCase] = [
        // Duplicate keys, compared after unescaping and Unicode canonical equivalence.
        RejectionCase("duplicate key", #"{"a":1,"a":2}"#, offset: 7),
        RejectionCase("duplicate key after unescaping", #"{"a":1,"\u0061":2}"#, offset: 7),
        RejectionCase("duplicate key in nested object", #"[{"k":{},"k":[]}]"#, offset: 9),
        RejectionCase("canonically equivalent keys", "{\"\u{E9}\":1,\"e\u{301}\":2}", offset: 8),
        // Unpaired surrogate escapes.
        RejectionCase("lone high surrogate", #""\ud800""#, offset: 1),
        RejectionCase("lone low surrogate", #""\udc00""#, offset: 1),
        RejectionCase("high surrogate then BMP escape", #""\ud800\u0041""#, offset: 1),
        RejectionCase("high surrogate then letter", #""\ud800x""#, offset: 1),
        RejectionCase("high surrogate at end of string", #"["x\uD83D"]"#, offset: 3),
        RejectionCase("reversed surrogate pair", #""\udc00\ud800""#, offset: 1),
        RejectionCase("two high surrogates", #""\ud800\ud800""#, offset: 1),
        // Invalid UTF-8.
        RejectionCase("invalid byte 0xFF in string", [0x22, 0xFF, 0x22], offset: 1),
        RejectionCase("stray continuation byte", [0x22, 0x80, 0x22], offset: 1),
        RejectionCase("overlong encoding of NUL", [0x22, 0xC0, 0x80, 0x22], offset: 1),
        RejectionCase("overlong three-byte encoding", [0x22, 0xE0, 0x80, 0xAF, 0x22], offset: 2),
        RejectionCase("UTF-8-encoded surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22], offset: 2),
        RejectionCase("code point above U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], offset: 2),
        RejectionCase("lead byte 0xF5", [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], offset: 1),
        RejectionCase("truncated sequence before quote", [0x22, 0xE2, 0x82, 0x22], offset: 3),
        RejectionCase("truncated sequence at end of input", [0x22, 0xE2, 0x82], offset: 1),
        RejectionCase("non-ASCII byte outside a string", [0x5B, 0xC3, 0xA9, 0x5D], offset: 1),
        // Non-finite numbers.
        RejectionCase("overflowing exponent", "1e400", offset: 0),
        RejectionCase("overflowing negative number", "-1e400", offset: 0),
        // A number too small for a double, which would read as 0.
        // UTF-16, with or without a byte order mark, is named as such at its first byte.
        RejectionCase("UTF-16 with a byte order mark", [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00], offset: 0),
        RejectionCase("UTF-16 big-endian without a byte order mark", [0x00, 0x5B, 0x00, 0x5D], offset: 0),
        RejectionCase("underflowing exponent", "[5e-324,1e-400]", offset: 8),
        RejectionCase("underflowing fraction", "-0." + String(repeating: "0", count: 400) + "1", offset: 0),
        // Integers a double would hold as another value (I-JSON): serials and counts go as strings.
        RejectionCase("integer beyond 2^53 that a double rounds", #"{"serial":12345678901234567891}"#, offset: 10),
        RejectionCase("2^53 + 1", "[9007199254740993]", offset: 1),
        RejectionCase("negative integer a double rounds", "-123456789012345678901234567890", offset: 0),
        RejectionCase("overflow inside array", "[0,1.8e308]", offset: 3),
        RejectionCase("overflowing integer digits", "1" + String(repeating: "0", count: 400), offset: 0),
        RejectionCase("huge exponent", "1e99999999999999999999", offset: 0),
        RejectionCase("NaN literal", "NaN", offset: 0),
        RejectionCase("Infinity literal", "Infinity", offset: 0),
        RejectionCase("negative Infinity literal", "-Infinity", offset: 1),
        // Number grammar.
        RejectionCase("leading zero", "01", offset: 0),
        RejectionCase("negative leading zero", "-01", offset: 0),
        RejectionCase("double zero in array", "[00]", offset: 1),
        RejectionCase("trailing decimal point", "1.", offset: 2),
        RejectionCase("leading decimal point", ".5", offset: 0),
        RejectionCase("plus sign", "+1", offset: 0),
        RejectionCase("minus alone", "-", offset: 1),
        RejectionCase("exponent without digits", "1e", offset: 2),
        RejectionCase("signed exponent without digits", "1e+", offset: 3),
        RejectionCase("hex number", "0x10", offset: 1),
        // Trailing garbage.
        RejectionCase("text after object", "{} x", offset: 3),
        RejectionCase("second value", "1 2", offset: 2),
        RejectionCase("extra closing bracket", "[1]]", offset: 3),
        RejectionCase("second string", #""a""b""#, offset: 3),
        RejectionCase("literal with suffix", "nullx", offset: 4),
        RejectionCase("NUL after value", [0x31, 0x00], offset: 1),
        // Control characters in strings.
        RejectionCase("raw U+0001 in string", [0x22, 0x01, 0x22], offset: 1),
        RejectionCase("raw NUL in string", [0x22, 0x61, 0x00, 0x22], offset: 2),
        RejectionCase("raw newline in string", "\"a\nb\"", offset: 2),
        RejectionCase("raw tab in key", "{\"a\tb\":1}", offset: 3),
        // Nesting, with the default limit of 128.
        RejectionCase("129 nested arrays", nested(129, open: "[", close: "]"), offset: 128),
        RejectionCase("129 nested objects", nested(129, open: #"{"":"#, inner: "0", close: "}"), offset: 512),
        // Byte order mark.
        RejectionCase("UTF-8 byte order mark", [0xEF, 0xBB, 0xBF, 0x7B, 0x7D], offset: 0),
        RejectionCase("byte order mark after whitespace", [0x20, 0xEF, 0xBB, 0xBF, 0x31], offset: 1),
        // Other malformed input.
        RejectionCase("empty input", "", offset: 0),
        RejectionCase("only whitespace", " \n\t ", offset: 4),
        RejectionCase("trailing comma in array", "[1,]", offset: 3),
        RejectionCase("trailing comma in object", #"{"a":1,}"#, offset: 7),
        RejectionCase("leading comma in object", "{,}", offset: 1),
        RejectionCase("missing comma in array", "[1 2]", offset: 3),
        RejectionCase("missing colon", #"{"a" 1}"#, offset: 5),
        RejectionCase("member without value", #"{"a"}"#, offset: 4),
        RejectionCase("number as key", "{1:2}", offset: 1),
        RejectionCase("single-quoted string", "'a'", offset: 0),
        RejectionCase("unknown escape", #""\x""#, offset: 1),
        RejectionCase("short unicode escape", #""\u12""#, offset: 1),
        RejectionCase("non-hex unicode escape", #""\u12G4""#, offset: 1),
        RejectionCase("escape at end of input", #""\"#, offset: 1),
        RejectionCase("unterminated string", #""abc"#, offset: 4),
        RejectionCase("unterminated array", "[1", offset: 2),
        RejectionCase("unterminated object", #"{"a":1"#, offset: 6),
        RejectionCase("truncated true", "tru", offset: 0),
        RejectionCase("capitalized literal", "True", offset: 0),
        RejectionCase("truncated null in array", "[nul]", offset: 1),
        RejectionCase("comment", "[1]//", offset: 3),
    ]

    private static func nested(_ depth: Int, open: String, inner: String = "", close: String) -> String {
        String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
    }
}

/// Generators of random JSON values, biased towards the cases canonicalization gets wrong.
private enum RandomJSON {
    static func value(depth: Int, using random: inout SeededGenerator) -> JSONValue {
        let choice = Int.random(in: 0..<(depth >= 4 ? 4 : 6), using: &random)
        switch choice {
        case 0:
            return Bool.random(using: &random) ? .null : .bool(Bool.random(using: &random))
        case 1:
            return .number(number(using: &random))
        case 2, 3:
            return .string(string(using: &random, allowEscapes: true))
        case 4:
            let count = Int.random(in: 0...5, using: &random)
            return .array((0..<count).map { _ in value(depth: depth + 1, using: &random) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                members[string(using: &random, allowEscapes: true)] = value(depth: depth + 1, using: &random)
            }
            return .object(members)
        }
    }

    static func number(using random: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            return Double(Int.random(in: -1_000_000...1_000_000, using: &random))
        case 1:
            return Double(Int64.random(in: .min ... .max, using: &random))
        case 2:
            return Double(Int.random(in: -99_999...99_999, using: &random)) / 100
        case 3:
            return [0.0, -0.0, .leastNonzeroMagnitude, 1e21, 1e-7, 1.7976931348623157e308, 9_007_199_254_740_993.0][
                Int.random(in: 0..<7, using: &random)
            ]
        default:
            while true {
                let candidate = Double(bitPattern: random.next())
                if candidate.isFinite {
                    return candidate
                }
            }
        }
    }

    /// Scalars from every range that matters: ASCII, controls, Latin-1, BMP below and above the
    /// surrogates, combining marks, noncharacters and supplementary planes.
    private static let scalarRanges: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0x20...0x7E, 0x00...0x1F, 0x7F...0xFF, 0x300...0x36F, 0x800...0xD7FF,
        0xE000...0xFFFF, 0x10000...0x10FFFF, 0x1F600...0x1F64F,
    ]

    static func string(using random: inout SeededGenerator, allowEscapes: Bool) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...8, using: &random) {
            let range = scalarRanges[Int.random(in: 0..<scalarRanges.count, using: &random)]
            guard let scalar = Unicode.Scalar(UInt32.random(in: range, using: &random)) else {
                continue
            }
            if !allowEscapes, scalar.value < 0x20 || scalar == "\"" || scalar == "\\" {
                continue
            }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    /// Non-canonical text for a value: members in dictionary order, whitespace, and escaped strings.
    static func prettyPrinted(_ value: JSONValue, using random: inout SeededGenerator) -> [UInt8] {
        var output: [UInt8] = []
        write(value, into: &output, using: &random)
        return output
    }

    private static func write(_ value: JSONValue, into output: inout [UInt8], using random: inout SeededGenerator) {
        let space = Array([" ", "\n", "\t", "\r\n", ""][Int.random(in: 0..<5, using: &random)].utf8)
        output.append(contentsOf: space)
        switch value {
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 {
                    output.append(UInt8(ascii: ","))
                }
                write(element, into: &output, using: &random)
            }
            output.append(contentsOf: space)
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 {
                    output.append(UInt8(ascii: ","))
                }
                output.append(contentsOf: space)
                writeEscapedEverywhere(member.key, into: &output, using: &random)
                output.append(contentsOf: space)
                output.append(UInt8(ascii: ":"))
                write(member.value, into: &output, using: &random)
            }
            output.append(UInt8(ascii: "}"))
        case .string(let string):
            writeEscapedEverywhere(string, into: &output, using: &random)
        case .number(let number):
            // Swift's own spelling (1e-07, 100.0, 2.9514790517935283e+20) is valid JSON too.
            output.append(contentsOf: (number == 0 ? "0" : number.description).utf8)
        default:
            output.append(contentsOf: value.canonicalBytes)
        }
        output.append(contentsOf: space)
    }

    /// Writes a string with every UTF-16 unit as a `\uXXXX` escape, surrogate pairs included.
    private static func writeEscapedEverywhere(
        _ string: String,
        into output: inout [UInt8],
        using random: inout SeededGenerator
    ) {
        output.append(UInt8(ascii: "\""))
        for unit in string.utf16 {
            let hex = String(unit, radix: 16, uppercase: Bool.random(using: &random))
            output.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
        }
        output.append(UInt8(ascii: "\""))
    }
}

/// Reads the JCS vectors under `Fixtures/vectors/jcs`, found relative to this source file.
private enum JCSFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vectors/jcs")

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        let path = directory.appendingPathComponent(relativePath).path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return [UInt8](data)
    }
}
