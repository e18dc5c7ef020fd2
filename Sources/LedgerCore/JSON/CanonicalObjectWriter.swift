/// Writes the RFC 8785 canonical form of a JSON object member by member, for a record type that
/// knows its keys: the same bytes as building a ``JSONValue`` object and taking its
/// ``JSONValue/canonicalBytes``, without building the object.
///
/// Members must be given in canonical key order (UTF-16 code units, which for ASCII keys is byte
/// order); debug builds check it.
///
/// ```swift
/// var writer = CanonicalObjectWriter(capacity: 128)
/// writer.member("id", string: lot.id)
/// writer.member("kg", string: lot.kg.description)
/// let bytes = writer.finish()  // {"id":"…","kg":"…"}
/// ```
package struct CanonicalObjectWriter: ~Copyable {
    private var output: CanonicalOutput
    /// The last key written, to check the order in debug builds.
    private var lastKey: String?

    /// Starts an object.
    ///
    /// - Parameter capacity: The bytes to allocate up front.
    package init(capacity: Int) {
        output = CanonicalOutput(capacity: capacity)
        output.append(UInt8(ascii: "{"))
    }

    /// Writes a member whose value is a string.
    package mutating func member(_ key: String, string: String) {
        writeKey(key)
        JSONValue.writeCanonical(string: string, into: &output)
    }

    /// Writes a member whose value is a number, as ``JSONValue/number(_:)`` writes it.
    package mutating func member(_ key: String, number: Double) {
        member(key, .number(number))
    }

    /// Writes a member whose value is an array of strings.
    package mutating func member(_ key: String, strings: [String]) {
        writeKey(key)
        output.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONValue.writeCanonical(string: string, into: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// Writes a member with any value.
    package mutating func member(_ key: String, _ value: JSONValue) {
        writeKey(key)
        _ = value.writeCanonical(into: &output, rejectingReservedKeys: false)
    }

    /// Ends the object and returns its bytes.
    package consuming func finish() -> [UInt8] {
        output.append(UInt8(ascii: "}"))
        return output.withBytes { Array($0) }
    }

    private mutating func writeKey(_ key: String) {
        assert(lastKey.map { JSONValue.keyPrecedes($0, key) } ?? true, "members out of canonical order at \(key)")
        if lastKey != nil { output.append(UInt8(ascii: ",")) }
        lastKey = key
        JSONValue.writeCanonical(string: key, into: &output)
        output.append(UInt8(ascii: ":"))
    }
}
