#if canImport(Glibc)
import Glibc
#endif

/// A strict JSON parser: RFC 8259 grammar plus the I-JSON (RFC 7493) limits that RFC 8785 relies on.
///
/// It reads a contiguous UTF-8 buffer in one pass and rejects, with ``LedgerError/Code/invalidJSON`` and
/// the byte offset of the problem: a byte order mark, invalid UTF-8, control characters in strings,
/// unknown escapes, unpaired surrogate escapes, leading zeros, numbers that overflow a double, duplicate
/// object keys, nesting deeper than `maxDepth`, and anything after the value but whitespace.
///
/// The parser recurses once per nesting level, so `maxDepth` also bounds its stack use.
struct JSONParser {
    /// The powers of ten that a double holds exactly, for the fast number path.
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    /// Whether a number whose text the double it reads as does not spell (more significant digits
    /// than a double holds) is refused rather than rounded: input whose numbers are quantities.
    private var exactNumbers = false
    private var offset = 0
    /// Reused storage for strings that contain escapes or non-ASCII bytes.
    private var scratch: [UInt8] = []
    /// The members of the objects being read, innermost last, with each key's offset.
    private var pending: [PendingMember] = []

    /// A member read, waiting for its object to end.
    ///
    /// A named type rather than a tuple, so that the stack's elements are destroyed by code
    /// specialised for them, not by the runtime's generic tuple witness.
    struct PendingMember {
        var key: String
        var value: JSONValue
        var keyOffset: Int
    }
    /// The array whose elements are skipped rather than read, and their byte ranges.
    private var deferral = Deferral(path: [])
    /// Object keys longer than a small string (which needs no allocation), in slots chosen by a
    /// hash of their bytes, so that documents parsed one after another share their key strings.
    private var keys: [String?] = []
    /// Members of room to leave in the top-level object's storage for ones the caller will add.
    private var spareTopLevelMembers = 0
    /// The top-level members of the documents parsed before in a batch, whose values a document
    /// that repeats them byte for byte shares; `nil` outside a batch.
    private var repeats: RepeatedMembers?

    /// The path of member names to an array whose elements are found but not parsed.
    private struct Deferral {
        var path: [String]
        /// How many names of the path the objects being read have matched.
        var matched = 0
        /// The byte ranges of the deferred elements, once the array was found.
        var ranges: [Range<Int>]?
        /// The nesting depth of the array.
        var depth = 0
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Parses one JSON document.
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 document. It is read only during the call.
    ///   - maxDepth: The deepest nesting of arrays and objects to accept.
    ///   - exactNumbers: Whether a number its double would round is refused (``exactNumbers``).
    /// - Returns: The parsed value.
    /// - Throws: ``LedgerError`` with code ``LedgerError/Code/invalidJSON``, naming the byte offset.
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>,
        maxDepth: Int,
        exactNumbers: Bool = false
    ) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.exactNumbers = exactNumbers
        return try parser.parseDocument()
    }

    /// Parses documents that are ranges of one buffer, one after another with one parser's
    /// buffers and keys: a batch of similar documents, such as the events of an EPCIS document,
    /// allocates its member stack once and each repeated long key once.
    ///
    /// - Returns: The values, or `nil` when one range is not a JSON document.
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>,
        ranges: some Sequence<Range<Int>>,
        maxDepth: Int,
        spareTopLevelMembers: Int = 0,
        exactNumbers: Bool = false
    ) -> [JSONValue]? {
        var values: [JSONValue] = []
        values.reserveCapacity(ranges.underestimatedCount)
        // What one parser hands the next.
        var pending: [PendingMember] = []
        pending.reserveCapacity(32)
        var scratch: [UInt8] = []
        var keys: [String?] = []
        // Points into `bytes`, so it lives only as long as this call.
        var repeats: RepeatedMembers? = RepeatedMembers()
        for range in ranges {
            var parser = JSONParser(bytes: UnsafeBufferPointer(rebasing: bytes[range]), maxDepth: maxDepth)
            parser.spareTopLevelMembers = spareTopLevelMembers
            parser.exactNumbers = exactNumbers
            swap(&parser.pending, &pending)
            swap(&parser.scratch, &scratch)
            swap(&parser.keys, &keys)
            swap(&parser.repeats, &repeats)
            let value = try? parser.parseDocument()
            swap(&parser.pending, &pending)
            swap(&parser.scratch, &scratch)
            swap(&parser.keys, &keys)
            swap(&parser.repeats, &repeats)
            guard let value else { return nil }
            values.append(value)
        }
        return values
    }

    /// Parses one JSON document but the elements of the array at `path`, whose byte ranges it
    /// finds by matching brackets outside strings, without checking them.
    ///
    /// The document is valid JSON when this succeeds and every range parses alone with
    /// `maxDepth` less the returned depth.
    ///
    /// - Returns: The document with that array empty, the elements' ranges (`nil` when the
    ///   document has no array there) and the array's nesting depth.
    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>,
        maxDepth: Int,
        deferring path: [String],
        exactNumbers: Bool = false
    ) throws -> (value: JSONValue, ranges: [Range<Int>]?, depth: Int) {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.exactNumbers = exactNumbers
        parser.deferral = Deferral(path: path)
        let value = try parser.parseDocument()
        return (value, parser.deferral.ranges, parser.deferral.depth)
    }

    /// Skips the elements of an array after its `[`, through its `]`, returning their byte ranges.
    ///
    /// Only brackets and strings are followed; the elements are checked when they are parsed.
    private mutating func skipElements() throws -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            return ranges
        }
        while offset < bytes.count {
            let start = offset
            var nesting = 0
            scan: while offset < bytes.count {
                switch bytes[offset] {
                case UInt8(ascii: "\""):
                    offset += 1
                    // Past words with no quote and no backslash; the byte loop finds the end.
                    offset = WordScan.firstStop(in: bytes, from: offset) { word in
                        WordScan.matches(UInt8(ascii: "\""), in: word) | WordScan.matches(UInt8(ascii: "\\"), in: word)
                    }
                    while offset < bytes.count, bytes[offset] != UInt8(ascii: "\"") {
                        offset += bytes[offset] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    offset += 1
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    nesting += 1
                    offset += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if nesting == 0 { break scan }
                    nesting -= 1
                    offset += 1
                case UInt8(ascii: ","):
                    if nesting == 0 { break scan }
                    offset += 1
                default:
                    offset += 1
                }
            }
            var end = min(offset, bytes.count)
            while end > start, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[end - 1]) { end -= 1 }
            ranges.append(start..<end)
            guard offset < bytes.count else { break }
            if bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return ranges
            }
            guard bytes[offset] == UInt8(ascii: ",") else {
                throw Self.error("expected ',' or ']' in array, found \(describe(offset))", at: offset)
            }
            offset += 1
            skipWhitespace()
        }
        throw Self.error("unexpected end of input; expected ',' or ']' in array", at: offset)
    }

    /// The UTF-16 or UTF-32 form the input is in, told by its byte order mark or, without one, by
    /// its first characters: JSON text begins with ASCII (`{`, `[`, a space…), which UTF-16 writes
    /// as an ASCII byte beside a zero byte and UTF-32 beside three.
    ///
    /// - Returns: The form described, and its name for `iconv`.
    static func unicodeEncoding(_ bytes: UnsafeBufferPointer<UInt8>) -> (described: String, iconvName: String)? {
        func isASCII(_ byte: UInt8) -> Bool { (0x01...0x7F).contains(byte) }
        if bytes.count >= 4 {
            switch (bytes[0], bytes[1], bytes[2], bytes[3]) {
            case (0xFF, 0xFE, 0x00, 0x00): return ("UTF-32 (little-endian, byte order mark FF FE 00 00)", "UTF-32")
            case (0x00, 0x00, 0xFE, 0xFF): return ("UTF-32 (big-endian, byte order mark 00 00 FE FF)", "UTF-32")
            case (let first, 0x00, 0x00, 0x00) where isASCII(first):
                return ("UTF-32 (little-endian, without a byte order mark)", "UTF-32LE")
            case (0x00, 0x00, 0x00, let last) where isASCII(last):
                return ("UTF-32 (big-endian, without a byte order mark)", "UTF-32BE")
            default: break
            }
        }
        guard bytes.count >= 2 else { return nil }
        switch (bytes[0], bytes[1]) {
        case (0xFF, 0xFE): return ("UTF-16 (little-endian, byte order mark FF FE)", "UTF-16")
        case (0xFE, 0xFF): return ("UTF-16 (big-endian, byte order mark FE FF)", "UTF-16")
        default: break
        }
        // Two characters at least, each an ASCII byte and a zero byte.
        guard bytes.count >= 4 else { return nil }
        if bytes[1] == 0, bytes[3] == 0, isASCII(bytes[0]), isASCII(bytes[2]) {
            return ("UTF-16 (little-endian, without a byte order mark)", "UTF-16LE")
        }
        if bytes[0] == 0, bytes[2] == 0, isASCII(bytes[1]), isASCII(bytes[3]) {
            return ("UTF-16 (big-endian, without a byte order mark)", "UTF-16BE")
        }
        return nil
    }

    private mutating func parseDocument() throws -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw Self.error("a byte order mark (U+FEFF) is not allowed; send UTF-8 without a BOM", at: 0)
        }
        if let encoding = Self.unicodeEncoding(bytes) {
            throw Self.error(
                "the input is \(encoding.described), and JSON is UTF-8 (RFC 8259 §8.1); convert it, for example "
                    + "with `iconv -f \(encoding.iconvName) -t UTF-8`",
                at: 0
            )
        }
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard offset == bytes.count else {
            throw Self.error("unexpected \(describe(offset)) after the JSON value", at: offset)
        }
        return value
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard offset < bytes.count else {
            throw Self.error("unexpected end of input; expected a value", at: offset)
        }
        switch bytes[offset] {
        case UInt8(ascii: "{"):
            return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw Self.error("unexpected \(describe(offset)); expected a value", at: offset)
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else {
            throw Self.error("arrays and objects nest deeper than the limit of \(maxDepth)", at: offset)
        }
        offset += 1
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            return .object([:])
        }
        // The members are gathered on a stack shared by all levels and put in an object sized for
        // them at the end: one allocation and one sort.
        let base = pending.count
        defer { pending.removeSubrange(base...) }
        while true {
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
                throw Self.error("expected a string as object key, found \(describe(offset))", at: offset)
            }
            let keyOffset = offset
            let key = try parseKey()
            let keyEnd = offset
            skipWhitespace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else {
                throw Self.error("expected ':' after object key, found \(describe(offset))", at: offset)
            }
            offset += 1
            skipWhitespace()
            let value: JSONValue
            if depth == deferral.matched + 1, deferral.matched < deferral.path.count,
                key == deferral.path[deferral.matched]
            {
                deferral.matched += 1
                value = try parseValue(depth: depth)
                deferral.matched -= 1
            } else if base == 0, repeats != nil {
                value = try parseTopLevelValue(key: keyOffset..<keyEnd, position: pending.count, depth: depth)
            } else {
                value = try parseValue(depth: depth)
            }
            pending.append(PendingMember(key: key, value: value, keyOffset: keyOffset))
            skipWhitespace()
            guard offset < bytes.count else {
                throw Self.error("unexpected end of input; expected ',' or '}' in object", at: offset)
            }
            switch bytes[offset] {
            case UInt8(ascii: ","):
                offset += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                offset += 1
                // The top-level object is the one whose members start the stack. Each key and
                // value is moved out of the stack rather than copied: the stack's slots keep an
                // empty string and `null` until they are removed.
                let sorted = JSONObject.sorting(
                    count: pending.count - base,
                    spare: base == 0 ? spareTopLevelMembers : 0
                ) { position in
                    var key = ""
                    var value = JSONValue.null
                    swap(&key, &pending[base + position].key)
                    swap(&value, &pending[base + position].value)
                    return (key, value)
                }
                switch sorted {
                case .success(let members):
                    return .object(members)
                case .failure(let duplicate):
                    throw Self.error(
                        "duplicate object key (equal to an earlier key after unescaping and Unicode canonical equivalence)",
                        at: pending[base + duplicate.index].keyOffset
                    )
                }
            default:
                throw Self.error("expected ',' or '}' in object, found \(describe(offset))", at: offset)
            }
        }
    }

    /// Parses the value of a top-level member of a document in a batch, or shares the value of
    /// the same member of an earlier document when its bytes are the same.
    ///
    /// Only objects, arrays and strings are shared: each ends at a closing bracket or quote, so
    /// equal bytes parse to an equal value ending at the same place, where a number could go on.
    ///
    /// - Parameters:
    ///   - key: Where the member's key is, quotes included: members are told apart by its bytes.
    ///   - position: The member's position in its object, where its key was met before.
    ///   - depth: The object's nesting depth.
    /// - Returns: The value, new or shared.
    /// - Throws: As ``parseValue(depth:)``.
    private mutating func parseTopLevelValue(key: Range<Int>, position: Int, depth: Int) throws -> JSONValue {
        let first = bytes[offset]
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == UInt8(ascii: "\""),
            let base = bytes.baseAddress
        else { return try parseValue(depth: depth) }
        let token = UnsafeBufferPointer(start: base + key.lowerBound, count: key.count)
        let slot = repeats?.slot(for: token, hint: position)
        if let slot {
            guard repeats?.isWorthLookingUp(slot) == true else { return try parseValue(depth: depth) }
            if let (value, count) = repeats?.value(slot, at: base + offset, available: bytes.count - offset) {
                offset += count
                return value
            }
        }
        return try parseAndRemember(key: token, slot: slot, base: base, depth: depth)
    }

    private mutating func parseAndRemember(
        key: UnsafeBufferPointer<UInt8>,
        slot: Int?,
        base: UnsafePointer<UInt8>,
        depth: Int
    ) throws -> JSONValue {
        let start = offset
        let value = try parseValue(depth: depth)
        // A string of up to 15 bytes is stored inline: sharing it would save no allocation.
        if case .string(let string) = value, string.utf8.count <= 15 {
            if slot == nil { repeats?.neverShare(key) }
            return value
        }
        repeats?.remember(value, of: key, slot: slot, start: base + start, count: offset - start)
        return value
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else {
            throw Self.error("arrays and objects nest deeper than the limit of \(maxDepth)", at: offset)
        }
        offset += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if !deferral.path.isEmpty, deferral.matched == deferral.path.count, depth == deferral.path.count + 1,
            deferral.ranges == nil
        {
            deferral.depth = depth
            deferral.ranges = try skipElements()
            return .array([])
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard offset < bytes.count else {
                throw Self.error("unexpected end of input; expected ',' or ']' in array", at: offset)
            }
            switch bytes[offset] {
            case UInt8(ascii: ","):
                offset += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                offset += 1
                return .array(elements)
            default:
                throw Self.error("expected ',' or ']' in array, found \(describe(offset))", at: offset)
            }
        }
    }

    /// Parses an object key as ``parseString()`` does, reusing the string of an equal long key
    /// met before.
    private mutating func parseKey() throws -> String {
        let start = offset + 1
        var end = plainASCIIEnd(from: start)
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return try parseString() }
            end += 1
        }
        // Small strings are stored inline; an unterminated key is left to parseString's error.
        guard end < bytes.count, end - start > 15 else { return try parseString() }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<end])
        // A cheap hash: the length and the bytes at both ends and the middle.
        let hash = text.count &* 31 &+ Int(text[0]) &* 7 &+ Int(text[text.count - 1]) &* 13 &+ Int(text[text.count / 2])
        let slot = hash & 63
        if keys.isEmpty { keys = Array(repeating: nil, count: 64) }
        offset = end + 1
        if let cached = keys[slot], cached.utf8.count == text.count,
            cached.withUTF8Bytes({ Self.sameBytes($0, text) })
        {
            return cached
        }
        let key = String(decoding: text, as: UTF8.self)
        keys[slot] = key
        return key
    }

    /// Where a string's plain run may end, from `start` on: the first word that holds a quote, a
    /// backslash, a control character or a non-ASCII byte (``WordScan``); the byte loops go on
    /// from there.
    private func plainASCIIEnd(from start: Int) -> Int {
        WordScan.firstStop(in: bytes, from: start) { word in
            WordScan.matches(UInt8(ascii: "\""), in: word) | WordScan.matches(UInt8(ascii: "\\"), in: word)
                | WordScan.controls(in: word) | WordScan.nonASCII(in: word)
        }
    }

    /// Whether two buffers of the same length hold the same bytes, compared eight at a time.
    private static func sameBytes(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        let (a, b) = (UnsafeRawBufferPointer(left), UnsafeRawBufferPointer(right))
        var index = 0
        while index + 8 <= a.count {
            if a.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                != b.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            {
                return false
            }
            index += 8
        }
        while index < a.count {
            if a[index] != b[index] { return false }
            index += 1
        }
        return true
    }

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws -> String {
        offset += 1
        let start = offset
        // Fast path: printable ASCII without escapes is copied straight into the String.
        offset = plainASCIIEnd(from: offset)
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                offset += 1
                return string
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 {
                break
            }
            offset += 1
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
        return try parseStringSlowPath(openingQuote: start - 1)
    }

    /// Continues a string that has escapes or non-ASCII bytes, building its UTF-8 in `scratch`.
    private mutating func parseStringSlowPath(openingQuote: Int) throws -> String {
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape()
            case 0x00..<0x20:
                throw Self.error(
                    "control character \(Self.hex(byte)) in a string; write it as an escape such as \\u00XX",
                    at: offset
                )
            case 0x20..<0x80:
                scratch.append(byte)
                offset += 1
            default:
                try copyUTF8Sequence()
            }
        }
        throw Self.error("unterminated string (opened at byte offset \(openingQuote))", at: offset)
    }

    /// Parses one escape sequence starting at its backslash and appends its UTF-8 to `scratch`.
    private mutating func parseEscape() throws {
        let escapeOffset = offset
        guard offset + 1 < bytes.count else {
            throw Self.error("unterminated escape sequence", at: escapeOffset)
        }
        let letter = bytes[offset + 1]
        offset += 2
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
            scratch.append(letter)
        case UInt8(ascii: "b"):
            scratch.append(0x08)
        case UInt8(ascii: "f"):
            scratch.append(0x0C)
        case UInt8(ascii: "n"):
            scratch.append(0x0A)
        case UInt8(ascii: "r"):
            scratch.append(0x0D)
        case UInt8(ascii: "t"):
            scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeOffset: escapeOffset)
            let scalarValue: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                let lowOffset = offset
                guard offset + 1 < bytes.count,
                    bytes[offset] == UInt8(ascii: "\\"),
                    bytes[offset + 1] == UInt8(ascii: "u")
                else {
                    throw Self.error(
                        "unpaired high surrogate \\u\(Self.hex4(unit)); it must be followed by a low surrogate escape",
                        at: escapeOffset
                    )
                }
                offset += 2
                let low = try parseHex4(escapeOffset: lowOffset)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw Self.error(
                        "unpaired high surrogate \\u\(Self.hex4(unit)); \\u\(Self.hex4(low)) is not a low surrogate",
                        at: escapeOffset
                    )
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw Self.error(
                    "unpaired low surrogate \\u\(Self.hex4(unit)); it must follow a high surrogate escape",
                    at: escapeOffset
                )
            default:
                scalarValue = UInt32(unit)
            }
            appendUTF8(scalarValue)
        default:
            throw Self.error("unknown escape sequence '\\\(Self.printable(letter))'", at: escapeOffset)
        }
    }

    /// Appends the UTF-8 encoding of a Unicode scalar value (never a surrogate) to `scratch`.
    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            scratch.append(0xC0 | UInt8(truncatingIfNeeded: scalar >> 6))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(0xE0 | UInt8(truncatingIfNeeded: scalar >> 12))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
        default:
            scratch.append(0xF0 | UInt8(truncatingIfNeeded: scalar >> 18))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 12) & 0x3F))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
        }
    }

    /// Reads the four hex digits after `\u`.
    private mutating func parseHex4(escapeOffset: Int) throws -> UInt16 {
        guard offset + 4 <= bytes.count else {
            throw Self.error("\\u escape needs four hex digits", at: escapeOffset)
        }
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"):
                digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                digit = byte - UInt8(ascii: "A") + 10
            default:
                throw Self.error("\\u escape needs four hex digits, found \(describe(offset))", at: escapeOffset)
            }
            unit = unit << 4 | UInt16(digit)
            offset += 1
        }
        return unit
    }

    /// Validates one multi-byte UTF-8 sequence (Unicode Table 3-7) and appends it to `scratch`.
    private mutating func copyUTF8Sequence() throws {
        let lead = bytes[offset]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF:
            length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF:
            length = 3
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F  // Excludes the UTF-16 surrogates U+D800…U+DFFF.
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3:
            length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F  // Nothing above U+10FFFF.
        default:
            throw Self.error("invalid UTF-8: \(Self.hex(lead)) cannot start a character", at: offset)
        }
        guard offset + length <= bytes.count else {
            throw Self.error("invalid UTF-8: the input ends inside a character", at: offset)
        }
        guard secondRange.contains(bytes[offset + 1]) else {
            throw Self.error("invalid UTF-8: bad continuation byte \(Self.hex(bytes[offset + 1]))", at: offset + 1)
        }
        for index in (offset + 2)..<(offset + length) where !(0x80...0xBF).contains(bytes[index]) {
            throw Self.error("invalid UTF-8: bad continuation byte \(Self.hex(bytes[index]))", at: index)
        }
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)]))
        offset += length
    }

    /// Parses a number, rejecting forms RFC 8259 forbids and values beyond the range of a double.
    private mutating func parseNumber() throws -> Double {
        let start = offset
        var isNegative = false
        if bytes[offset] == UInt8(ascii: "-") {
            isNegative = true
            offset += 1
        }
        guard offset < bytes.count, Self.isDigit(bytes[offset]) else {
            throw Self.error("expected a digit after '-', found \(describe(offset))", at: offset)
        }
        // Accumulate up to 19 significant digits for the fast path; longer numbers take the slow one.
        var significand: UInt64 = 0
        var significandOverflowed = false
        var decimalExponent = 0
        func accumulate(_ digit: UInt8) {
            if significand < 1_000_000_000_000_000_000 {
                significand = significand * 10 + UInt64(digit - UInt8(ascii: "0"))
            } else {
                significandOverflowed = true
            }
        }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
            if offset < bytes.count, Self.isDigit(bytes[offset]) {
                throw Self.error("leading zeros are not allowed in numbers", at: start)
            }
        } else {
            while offset < bytes.count, Self.isDigit(bytes[offset]) {
                accumulate(bytes[offset])
                offset += 1
            }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard offset < bytes.count, Self.isDigit(bytes[offset]) else {
                throw Self.error("expected a digit after the decimal point, found \(describe(offset))", at: offset)
            }
            while offset < bytes.count, Self.isDigit(bytes[offset]) {
                accumulate(bytes[offset])
                decimalExponent -= 1
                offset += 1
            }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            offset += 1
            var exponentIsNegative = false
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                exponentIsNegative = bytes[offset] == UInt8(ascii: "-")
                offset += 1
            }
            guard offset < bytes.count, Self.isDigit(bytes[offset]) else {
                throw Self.error("expected a digit in the exponent, found \(describe(offset))", at: offset)
            }
            var exponent = 0
            while offset < bytes.count, Self.isDigit(bytes[offset]) {
                // Saturate: anything this large takes the slow path, which reads the original text.
                exponent = min(exponent * 10 + Int(bytes[offset] - UInt8(ascii: "0")), 1_000_000)
                offset += 1
            }
            decimalExponent += exponentIsNegative ? -exponent : exponent
        }
        // Fast path (Clinger): an exact significand times or divided by an exact power of ten is one
        // correctly rounded IEEE operation.
        // Fifteen significant digits always read back from the double; more may not.
        if !significandOverflowed, significand <= 1 << 53, (-22...22).contains(decimalExponent),
            !exactNumbers || significand < 1_000_000_000_000_000
        {
            let magnitude =
                decimalExponent >= 0
                ? Double(significand) * Self.exactPowersOfTen[decimalExponent]
                : Double(significand) / Self.exactPowersOfTen[-decimalExponent]
            return isNegative ? -magnitude : magnitude
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw Self.error(
                "number is outside the range of an IEEE-754 double (I-JSON, RFC 7493 §2.2)",
                at: start
            )
        }
        // A number too small for a double reads as zero, which is another number: 1e-400 is not 0.
        guard value != 0 || (significand == 0 && !significandOverflowed) else {
            throw Self.error(
                "number \(text) is too small for an IEEE-754 double and would be read as 0 (I-JSON, RFC 7493 §2.2)",
                at: start
            )
        }
        // An integer the double does not hold would be stored as another one, without a word: a
        // serial or a count beyond 2^53 belongs in a string. Fractions and exponents are taken by
        // value, as RFC 8785 canonicalizes them (333333333.33333329 is 333333333.3333333).
        // Where numbers are quantities (``exactNumbers``), a fraction is held to the same rule.
        let isInteger = !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }
        guard !isInteger && !exactNumbers || Self.sameDecimal(text, JSONValue.canonicalNumber(value)) else {
            let what =
                isInteger
                ? "integer \(text) is beyond what an IEEE-754 double holds exactly"
                : "number \(text) has more significant digits than an IEEE-754 double holds"
            throw Self.error(
                "\(what), so it would be stored as "
                    + "\(JSONValue.canonicalNumber(value)) (I-JSON, RFC 7493 §2.2): give at most 15 significant digits, or send it as a string where the field takes text",
                at: start
            )
        }
        return value
    }

    /// Whether two decimal numerals (plain or with an exponent) stand for the same value: the same
    /// sign, significant digits and scale, leading and trailing zeros aside.
    static func sameDecimal(_ left: String, _ right: String) -> Bool {
        func normalised(_ text: String) -> (negative: Bool, digits: [UInt8], scale: Int) {
            var negative = false
            var digits: [UInt8] = []
            var scale = 0  // the value is 0.DIGITS × 10^scale
            var afterPoint = false
            var exponent = 0
            var exponentNegative = false
            var inExponent = false
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "-") where !inExponent: negative = true
                case UInt8(ascii: "-"): exponentNegative = true
                case UInt8(ascii: "+"): break
                case UInt8(ascii: "."): afterPoint = true
                case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
                case UInt8(ascii: "0")...UInt8(ascii: "9") where inExponent:
                    exponent = min(exponent * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000)
                case UInt8(ascii: "0") where digits.isEmpty:
                    if afterPoint { scale -= 1 }
                default:
                    digits.append(byte)
                    if !afterPoint { scale += 1 }
                }
            }
            while digits.last == UInt8(ascii: "0") { digits.removeLast() }
            if digits.isEmpty { return (false, [], 0) }
            return (negative, digits, scale + (exponentNegative ? -exponent : exponent))
        }
        let (a, b) = (normalised(left), normalised(right))
        return a.negative == b.negative && a.digits == b.digits && a.scale == b.scale
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let start = offset
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { expected in
            offset + count <= bytes.count
                && expected.indices.allSatisfy { bytes[offset + $0] == expected[$0] }
        }
        guard matches else {
            throw Self.error("invalid literal; expected '\(literal)'", at: start)
        }
        offset += count
    }

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                offset += 1
            default:
                return
            }
        }
    }

    /// Names the byte at an offset for an error message, or says the input ended.
    private func describe(_ position: Int) -> String {
        guard position < bytes.count else {
            return "end of input"
        }
        let byte = bytes[position]
        guard byte >= 0x20, byte < 0x7F else {
            return "byte \(Self.hex(byte))"
        }
        return "'\(Self.printable(byte))'"
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func printable(_ byte: UInt8) -> String {
        guard byte >= 0x20, byte < 0x7F else {
            return hex(byte)
        }
        return String(UnicodeScalar(byte))
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count < 2 ? "0" + digits : digits)
    }

    private static func hex4(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    private static func error(
        _ problem: String,
        at offset: Int,
        file: String = #fileID,
        line: Int = #line
    ) -> LedgerError {
        var error = LedgerError(
            code: .invalidJSON,
            message: "Invalid JSON at byte offset \(offset): \(problem). Fix the input and submit it again.",
            location: LedgerError.SourceLocation(file: file, line: line)
        )
        error.byteOffset = offset
        error.jsonProblem = problem
        return error
    }
}

/// The values of a batch's top-level members, by key, with the bytes each was parsed from.
///
/// The events of an EPCIS document repeat many members (the same `ilmd`, location or extension
/// block on every event of a process run): sharing the value parsed first saves building it
/// again, and freeing it again, and lets later readers tell repeats apart by storage.
private struct RepeatedMembers {
    struct Variant {
        var start: UnsafePointer<UInt8>
        var count: Int
        var value: JSONValue
    }

    struct Key {
        /// The key's bytes in the document, quotes included.
        var token: UnsafeBufferPointer<UInt8>
        /// The latest values, a few of them, replaced in turn.
        var variants: [Variant] = []
        var replaced = 0
        var yield = LookUpYield(trial: 16)
        /// Whether its values are not worth sharing (short strings).
        var neverShared = false

        /// Whether looking its values up still pays: always for the first 16 documents, then
        /// while at least one in four repeats.
        var isWorthLookingUp: Bool { !neverShared && yield.isWorthLookingUp }
    }

    /// The keys met, in order; a batch's events have a few dozen at most.
    private var keys: [Key] = []

    static let keyLimit = 32
    static let variantsPerKey = 8

    /// The slot of `key`, tried first at `hint` (documents of a batch tend to list their members
    /// in one order), or `nil` when the key is new or its values do not repeat.
    func slot(for token: UnsafeBufferPointer<UInt8>, hint: Int) -> Int? {
        if hint < keys.count, Self.sameBytes(keys[hint].token, token) { return hint }
        return keys.firstIndex { Self.sameBytes($0.token, token) }
    }

    func isWorthLookingUp(_ slot: Int) -> Bool { keys[slot].isWorthLookingUp }

    /// The value of key `slot` whose bytes start at `pointer`, and their count.
    mutating func value(_ slot: Int, at pointer: UnsafePointer<UInt8>, available: Int) -> (JSONValue, Int)? {
        for variant in keys[slot].variants where variant.count <= available {
            if memcmp(variant.start, pointer, variant.count) == 0 {
                keys[slot].yield.found()
                return (variant.value, variant.count)
            }
        }
        keys[slot].yield.missed()
        return nil
    }

    /// Keeps `key` as one whose values are not shared, so that it is found and passed over.
    mutating func neverShare(_ token: UnsafeBufferPointer<UInt8>) {
        guard keys.count < Self.keyLimit else { return }
        keys.append(Key(token: token, neverShared: true))
    }

    mutating func remember(
        _ value: JSONValue,
        of token: UnsafeBufferPointer<UInt8>,
        slot: Int?,
        start: UnsafePointer<UInt8>,
        count: Int
    ) {
        let variant = Variant(start: start, count: count, value: value)
        guard let slot else {
            guard keys.count < Self.keyLimit else { return }
            keys.append(Key(token: token, variants: [variant]))
            return
        }
        if keys[slot].variants.count < Self.variantsPerKey {
            keys[slot].variants.append(variant)
        } else {
            keys[slot].variants[keys[slot].replaced] = variant
            keys[slot].replaced = (keys[slot].replaced + 1) % Self.variantsPerKey
        }
    }

    private static func sameBytes(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count, let left = lhs.baseAddress, let right = rhs.baseAddress else {
            return lhs.count == rhs.count
        }
        return memcmp(left, right, lhs.count) == 0
    }
}
