extension JSONValue {
    /// Parses a UTF-8 JSON document strictly, accepting only what RFC 8785 can canonicalize.
    ///
    /// The grammar is RFC 8259's, with the I-JSON (RFC 7493) limits that JCS relies on. Whitespace
    /// around the value is allowed. The parser rejects:
    /// - a byte order mark, invalid UTF-8, and raw control characters (U+0000…U+001F) inside strings;
    /// - unknown escapes and unpaired surrogate escapes such as `"\ud800"`;
    /// - numbers with leading zeros, and numbers that overflow a double, such as `1e400`
    ///   (numbers that underflow, such as `1e-400`, become zero as in ECMAScript);
    /// - duplicate object keys, compared after unescaping (Swift's `String` equality also treats
    ///   canonically equivalent keys such as `"é"` and `"e\u0301"` as duplicates);
    /// - arrays and objects nested more than `maxDepth` deep;
    /// - anything but whitespace after the value.
    ///
    /// The bytes are read in place when the collection has contiguous storage (`[UInt8]`,
    /// `ArraySlice<UInt8>`, `String.UTF8View`); other collections are copied into an array first.
    ///
    /// ```swift
    /// let value = try JSONValue(parsing: Array(#"{"b":1,"a":[true,null]}"#.utf8))
    /// value.canonicalString  // {"a":[true,null],"b":1}
    /// ```
    ///
    /// - Parameters:
    ///   - bytes: The document, encoded as UTF-8.
    ///   - maxDepth: The deepest nesting of arrays and objects to accept; the parser recurses once
    ///     per level, so keep it modest. A top-level array or object is depth 1.
    ///   - exactNumbers: Whether a number with more significant digits than its double spells
    ///     (`123456789.123456789`, read as `123456789.12345679`) is refused rather than rounded, as
    ///     an integer beyond 2^53 always is: for documents whose numbers are quantities. RFC 8785
    ///     takes such numbers by value, and so does the default.
    /// - Throws: ``LedgerError`` with code ``LedgerError/Code/invalidJSON`` whose message names the byte
    ///   offset of the problem and what is wrong there.
    public init(parsing bytes: some Collection<UInt8>, maxDepth: Int = 128, exactNumbers: Bool = false) throws {
        precondition(maxDepth >= 0, "maxDepth must not be negative")
        let parsed = try bytes.withContiguousStorageIfAvailable { buffer in
            try JSONParser.parse(buffer, maxDepth: maxDepth, exactNumbers: exactNumbers)
        }
        if let parsed {
            self = parsed
        } else {
            self = try Array(bytes).withUnsafeBufferPointer { buffer in
                try JSONParser.parse(buffer, maxDepth: maxDepth, exactNumbers: exactNumbers)
            }
        }
    }

    /// Parses a JSON document held in a string, with the same strict rules as the byte form.
    ///
    /// The string's UTF-8 encoding is parsed, so byte offsets in errors are UTF-8 offsets. A string
    /// that starts with U+FEFF is rejected as starting with a byte order mark.
    ///
    /// - Parameters:
    ///   - text: The document.
    ///   - maxDepth: The deepest nesting of arrays and objects to accept. A top-level array or object
    ///     is depth 1.
    ///   - exactNumbers: Whether a number the double would round is refused, as in the byte form.
    /// - Throws: ``LedgerError`` with code ``LedgerError/Code/invalidJSON`` whose message names the byte
    ///   offset of the problem and what is wrong there.
    public init(parsing text: String, maxDepth: Int = 128, exactNumbers: Bool = false) throws {
        try self.init(parsing: text.utf8, maxDepth: maxDepth, exactNumbers: exactNumbers)
    }

    /// Parses the JSON documents that are `ranges` of `bytes`, as `init(parsing:maxDepth:)` parses
    /// each, sharing one parser's buffers and the strings of repeated long keys.
    ///
    /// - Parameters:
    ///   - bytes: The buffer, encoded as UTF-8.
    ///   - ranges: The documents' byte ranges in it.
    ///   - maxDepth: The deepest nesting to accept, as in `init(parsing:maxDepth:)`.
    ///   - spareTopLevelMembers: Room to leave in each document's top-level object, when it is
    ///     one, for members the caller will add: adding them then does not grow the storage.
    ///   - exactNumbers: Whether a number the double would round is refused, as in
    ///     `init(parsing:maxDepth:exactNumbers:)`.
    /// - Returns: The values in order, or `nil` when one range is not a JSON document.
    package static func parsing(
        _ bytes: [UInt8],
        ranges: some Sequence<Range<Int>>,
        maxDepth: Int,
        spareTopLevelMembers: Int = 0,
        exactNumbers: Bool = false
    ) -> [JSONValue]? {
        bytes.withUnsafeBufferPointer {
            JSONParser.parse(
                $0,
                ranges: ranges,
                maxDepth: maxDepth,
                spareTopLevelMembers: spareTopLevelMembers,
                exactNumbers: exactNumbers
            )
        }
    }

    /// Parses a JSON document but the elements of the array at `path` (member names from the
    /// top-level object), whose byte ranges it returns instead, so that they can be parsed
    /// elsewhere, in parallel.
    ///
    /// The elements are found by matching brackets outside strings and are not checked: the
    /// document is valid JSON, as `init(parsing:maxDepth:)` sees it, exactly when this succeeds
    /// and every element parses alone with the `elementMaxDepth` returned. When one does not,
    /// parse the whole document for the error and its offset.
    ///
    /// - Parameters:
    ///   - bytes: The document, encoded as UTF-8.
    ///   - path: The member names leading to the array, such as `["epcisBody", "eventList"]`.
    ///   - maxDepth: The deepest nesting to accept, as in `init(parsing:maxDepth:)`.
    ///   - exactNumbers: Whether a number the double would round is refused, as in
    ///     `init(parsing:maxDepth:exactNumbers:)`.
    /// - Returns: The document with that array empty; the elements' byte ranges, or `nil` when
    ///   there is no array at `path`; and the nesting depth left to each element.
    /// - Throws: ``LedgerError`` with code ``LedgerError/Code/invalidJSON`` for a problem outside
    ///   the elements or in the brackets between them.
    package static func parsing(
        _ bytes: [UInt8],
        deferringElementsAt path: [String],
        maxDepth: Int = 128,
        exactNumbers: Bool = false
    ) throws -> (value: JSONValue, elements: [Range<Int>]?, elementMaxDepth: Int) {
        precondition(!path.isEmpty, "the path names at least one member")
        let parsed = try bytes.withUnsafeBufferPointer { buffer in
            try JSONParser.parse(buffer, maxDepth: maxDepth, deferring: path, exactNumbers: exactNumbers)
        }
        return (parsed.value, parsed.ranges, maxDepth - parsed.depth)
    }
}
