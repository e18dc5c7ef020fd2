/// An RFC 6901 JSON Pointer, naming one value inside an entry body (`/supplier/name`, `/lots/0/kg`).
///
/// Confidential fields are named by pointers: the pointer is where the commitment stands in the
/// hashed body and the key under which the clear value is kept beside the entry.
public struct JSONPointer: Sendable, Hashable, Comparable {
    /// The unescaped reference tokens, outermost first.
    public var tokens: [String]

    /// Creates a pointer from unescaped tokens.
    ///
    /// - Parameter tokens: The reference tokens, outermost first.
    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses a pointer.
    ///
    /// - Parameter text: The pointer, `""` for the whole document or `/`-separated tokens with
    ///   `~0` for `~` and `~1` for `/`.
    /// - Throws: ``LedgerError/Code/invalidInput`` when the text is not a pointer.
    public init(_ text: String) throws {
        guard !text.isEmpty else {
            self.tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw LedgerError(code: .invalidInput, message: "JSON pointer '\(text)' must start with '/'")
        }
        var tokens: [String] = []
        let utf8 = text.utf8
        guard !utf8.contains(UInt8(ascii: "~")) else {
            self.tokens = try Self.unescapedTokens(text)
            return
        }
        var start = utf8.index(after: utf8.startIndex)
        var index = start
        while index < utf8.endIndex {
            if utf8[index] == UInt8(ascii: "/") {
                tokens.append(String(text[start..<index]))
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        tokens.append(String(text[start..<utf8.endIndex]))
        self.tokens = tokens
    }

    /// The tokens of a pointer with `~0` and `~1` escapes.
    private static func unescapedTokens(_ text: String) throws -> [String] {
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard raw.utf8.contains(UInt8(ascii: "~")) else {
                tokens.append(String(raw))
                continue
            }
            var token = ""
            var iterator = raw.makeIterator()
            while let character = iterator.next() {
                guard character == "~" else {
                    token.append(character)
                    continue
                }
                switch iterator.next() {
                case "0": token.append("~")
                case "1": token.append("/")
                default:
                    throw LedgerError(
                        code: .invalidInput,
                        message: "JSON pointer '\(text)' has a '~' not followed by 0 or 1"
                    )
                }
            }
            tokens.append(token)
        }
        return tokens
    }

    /// The pointer's text form.
    public var text: String {
        // Sealing spells each confidential field's pointer: most tokens need no escape, and the
        // text is then written in one allocation.
        var count = 0
        for token in tokens {
            let needsEscape = token.withUTF8Bytes { utf8 in
                count += 1 + utf8.count
                return utf8.contains { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }
            }
            if needsEscape { return escapedText }
        }
        return String(unsafeUninitializedCapacity: count) { buffer in
            var index = 0
            for token in tokens {
                buffer[index] = UInt8(ascii: "/")
                index += 1
                token.withUTF8Bytes { utf8 in
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[index..<index + utf8.count])
                        .initialize(fromContentsOf: utf8)
                    index += utf8.count
                }
            }
            return index
        }
    }

    /// The text form of a pointer some of whose tokens hold `~` or `/`.
    private var escapedText: String {
        var out = ""
        for token in tokens {
            out.append("/")
            guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else {
                out.append(token)
                continue
            }
            for character in token {
                switch character {
                case "~": out.append("~0")
                case "/": out.append("~1")
                default: out.append(character)
                }
            }
        }
        return out
    }

    /// The value the pointer names in `document`, or `nil` when there is none.
    ///
    /// - Parameter document: The document to look into.
    /// - Returns: The value, or `nil`.
    public func value(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Self.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Replaces the value the pointer names in `document`.
    ///
    /// - Parameters:
    ///   - newValue: The value to put there.
    ///   - document: The document to change.
    /// - Returns: `false` when the pointer names no existing value (nothing is changed).
    public func replaceValue(with newValue: JSONValue, in document: inout JSONValue) -> Bool {
        Self.replace(tokens[...], with: newValue, in: &document)
    }

    private static func replace(
        _ tokens: ArraySlice<String>,
        with newValue: JSONValue,
        in node: inout JSONValue
    ) -> Bool {
        guard let token = tokens.first else {
            node = newValue
            return true
        }
        // Each container is taken out of its node before it changes, so that, unless something
        // else shares it, it changes in place: replacing the values of thousands of elements of
        // one array (a body's openings put back) copies the array none of those times.
        // (Matched with `if case`, not `switch`, whose copy of the subject would hold the
        // container for the whole case and make every change copy it.)
        if case .object(var object) = node {
            guard let index = object.index(forKey: token) else { return false }
            node = .null
            defer { node = .object(object) }
            return replace(tokens.dropFirst(), with: newValue, in: &object.members[index].value)
        }
        if case .array(var elements) = node {
            guard let index = arrayIndex(token), index < elements.count else { return false }
            node = .null
            defer { node = .array(elements) }
            return replace(tokens.dropFirst(), with: newValue, in: &elements[index])
        }
        return false
    }

    private static func arrayIndex(_ token: String) -> Int? {
        guard token == "0" || (token.first != "0" && !token.isEmpty && token.allSatisfy(\.isASCII)) else { return nil }
        return Int(token)
    }
}

extension JSONPointer: CustomStringConvertible {
    /// The pointer's text form.
    public var description: String { text }
}

extension JSONPointer {
    /// Orders pointers by their text, so openings are listed in a stable order.
    public static func < (lhs: JSONPointer, rhs: JSONPointer) -> Bool {
        lhs.text < rhs.text
    }
}
