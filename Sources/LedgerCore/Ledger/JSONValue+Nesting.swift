extension JSONValue {
    /// Where a JSON text nests arrays and objects deeper than a limit.
    package struct DeepNesting: Sendable, Hashable {
        /// The first array or object, in the text's order, that stands deeper than the limit.
        package var pointer: JSONPointer
        /// Where its opening bracket is in the text.
        package var offset: Int
        /// The string value of the top-level member asked for, when the text has one.
        package var topLevelString: String?
    }

    /// Whether an array or object stands deeper than `limit` levels in this value, which is
    /// level 1 when it is an array or object itself.
    ///
    /// - Parameter limit: The deepest level allowed.
    /// - Returns: Whether some array or object is deeper.
    package func nests(deeperThan limit: Int) -> Bool {
        switch self {
        case .object(let members):
            guard limit > 0 else { return true }
            for index in members.members.indices where members.members[index].value.isContainer {
                if members.members[index].value.nests(deeperThan: limit - 1) { return true }
            }
            return false
        case .array(let elements):
            guard limit > 0 else { return true }
            // Only arrays and objects are looked into: the append walks every body it writes (a
            // submission's thousands of event hashes among them), and a string looked into is a
            // string copied, and its storage retained.
            for index in elements.indices where elements[index].isContainer {
                if elements[index].nests(deeperThan: limit - 1) { return true }
            }
            return false
        default:
            return false
        }
    }

    /// Whether this value is an array or an object, told by its case alone.
    private var isContainer: Bool {
        switch self {
        case .object, .array: true
        default: false
        }
    }

    /// How many levels of arrays and objects this value nests: 0 for a number, string, Boolean or
    /// `null`, 1 for an array or object of those.
    package var nestingDepth: Int {
        var deepest = 0
        switch self {
        case .object(let members):
            for index in members.members.indices {
                deepest = Swift.max(deepest, members.members[index].value.nestingDepth)
            }
        case .array(let elements):
            for index in elements.indices { deepest = Swift.max(deepest, elements[index].nestingDepth) }
        default:
            return 0
        }
        return deepest + 1
    }

    /// The first array or object, in member order, that stands deeper than `limit` levels in this
    /// value, which is level 1 when it is an array or object itself.
    ///
    /// - Parameter limit: The deepest level allowed.
    /// - Returns: Its pointer, or `nil` when nothing nests deeper.
    package func firstNesting(deeperThan limit: Int) -> JSONPointer? {
        guard nests(deeperThan: limit) else { return nil }
        var tokens: [String] = []
        _ = findNesting(deeperThan: limit, tokens: &tokens)
        return JSONPointer(tokens: tokens)
    }

    private func findNesting(deeperThan limit: Int, tokens: inout [String]) -> Bool {
        switch self {
        case .object(let members):
            guard limit > 0 else { return true }
            for (key, value) in members {
                tokens.append(key)
                if value.findNesting(deeperThan: limit - 1, tokens: &tokens) { return true }
                tokens.removeLast()
            }
        case .array(let elements):
            guard limit > 0 else { return true }
            for (index, element) in elements.enumerated() {
                tokens.append(String(index))
                if element.findNesting(deeperThan: limit - 1, tokens: &tokens) { return true }
                tokens.removeLast()
            }
        default:
            break
        }
        return false
    }

    /// Finds where a JSON text nests arrays and objects deeper than `limit` levels, the top-level
    /// value's own the first, by following its brackets and strings without parsing it: for a text
    /// that the parser refused for its depth, which it can therefore not read, the place to name.
    ///
    /// The text is taken to be JSON up to that place; after it, and in a text that is not JSON,
    /// the answer says where brackets stand, and no more.
    ///
    /// - Parameters:
    ///   - limit: The deepest level allowed.
    ///   - bytes: The text, in UTF-8.
    ///   - topLevelKey: The key of a top-level member whose string value to give too (such as
    ///     an event's `eventID`), wherever it stands in the text.
    /// - Returns: Where the text nests deeper, or `nil` when it does not.
    package static func firstNesting(
        deeperThan limit: Int,
        in bytes: some Collection<UInt8>,
        keepingTopLevel topLevelKey: String? = nil
    ) -> DeepNesting? {
        let scan = { (buffer: UnsafeBufferPointer<UInt8>) -> DeepNesting? in
            // A first pass, allocating nothing, tells whether there is anything to name.
            var counter = NestingScanner(bytes: buffer, limit: limit, naming: false)
            guard counter.scan() != nil else { return nil }
            var namer = NestingScanner(bytes: buffer, limit: limit, naming: true, topLevelKey: topLevelKey)
            return namer.scan()
        }
        if let found = bytes.withContiguousStorageIfAvailable(scan) { return found }
        return Array(bytes).withUnsafeBufferPointer(scan)
    }
}

/// Follows the brackets of a JSON text, outside its strings, to the first array or object deeper
/// than a limit (``JSONValue/firstNesting(deeperThan:in:keepingTopLevel:)``).
private struct NestingScanner {
    /// One array or object the scan is inside, at a level within the limit.
    struct Level {
        var isObject: Bool
        /// The key of the member being read, or the index of the element.
        var token: String
        var index = 0
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let limit: Int
    /// Whether keys are read, to name the place found; without, the scan only tells whether
    /// there is one.
    let naming: Bool
    var topLevelKey: String?
    var levels: [Level] = []
    var depth = 0
    var offset = 0
    /// Whether the next string of the innermost object is a key.
    var expectingKey = false

    init(bytes: UnsafeBufferPointer<UInt8>, limit: Int, naming: Bool, topLevelKey: String? = nil) {
        self.bytes = bytes
        self.limit = limit
        self.naming = naming
        self.topLevelKey = topLevelKey
    }

    /// Scans to the place, then on to the end when a top-level member's value is still to find.
    mutating func scan() -> JSONValue.DeepNesting? {
        var found: JSONValue.DeepNesting?
        var topLevelString: String?
        var topLevelMember = false
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\""):
                let start = offset
                skipString()
                guard naming, depth <= limit, let innermost = levels.indices.last, levels[innermost].isObject else {
                    continue
                }
                if expectingKey {
                    levels[innermost].token = text(start..<offset)
                    topLevelMember = depth == 1 && levels[innermost].token == topLevelKey
                    expectingKey = false
                } else if topLevelMember, depth == 1, topLevelString == nil {
                    topLevelString = text(start..<offset)
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[offset] == UInt8(ascii: "{")
                depth += 1
                if depth > limit, found == nil {
                    found = JSONValue.DeepNesting(
                        pointer: JSONPointer(tokens: levels.map(\.token)),
                        offset: offset,
                        topLevelString: topLevelString
                    )
                    guard naming, topLevelKey != nil, topLevelString == nil else { return found }
                }
                if depth <= limit {
                    levels.append(Level(isObject: isObject, token: isObject ? "" : "0"))
                    expectingKey = isObject
                }
                offset += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth <= limit, !levels.isEmpty { levels.removeLast() }
                depth -= 1
                topLevelMember = false
                offset += 1
            case UInt8(ascii: ","):
                if depth <= limit, let innermost = levels.indices.last {
                    if levels[innermost].isObject {
                        expectingKey = true
                    } else if naming {
                        levels[innermost].index += 1
                        levels[innermost].token = String(levels[innermost].index)
                    }
                }
                if depth == 1 { topLevelMember = false }
                offset += 1
            default:
                offset += 1
            }
            if var result = found, topLevelString != nil {
                result.topLevelString = topLevelString
                return result
            }
        }
        found?.topLevelString = topLevelString
        return found
    }

    /// Moves past a string, from its opening quote through its closing one (or to the end).
    mutating func skipString() {
        offset += 1
        while offset < bytes.count, bytes[offset] != UInt8(ascii: "\"") {
            offset += bytes[offset] == UInt8(ascii: "\\") ? 2 : 1
        }
        offset = min(offset + 1, bytes.count)
    }

    /// The text of the string at `range`, quotes included, with its escapes read.
    func text(_ range: Range<Int>) -> String {
        let quoted = UnsafeBufferPointer(rebasing: bytes[range])
        if let value = try? JSONValue(parsing: quoted), let string = value.stringValue { return string }
        // Not a string the parser reads: its bytes as they are, for a message.
        return String(decoding: quoted.dropFirst().dropLast(), as: UTF8.self)
    }
}
