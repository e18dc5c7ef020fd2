public import LedgerCore

extension JSONValue {
    /// The value as indented JSON for files people read: members sorted, two spaces per level,
    /// a newline at the end.
    ///
    /// Object members are sorted by the UTF-16 code units of their keys, as in the canonical form,
    /// and strings and numbers are written exactly as the canonical form writes them (no escaped
    /// slashes, numbers as ECMAScript prints them), so the text is the canonical form with
    /// whitespace added: `JSON.stringify(value, sortedKeys, 2)`. The same value always gives the
    /// same bytes, which is what golden files and disclosure digests need.
    ///
    /// - Returns: UTF-8 bytes.
    public var prettyBytes: [UInt8] {
        var buffer: [UInt8] = []
        writePretty(into: &buffer, indent: 0)
        buffer.append(0x0a)
        return buffer
    }

    private func writePretty(into buffer: inout [UInt8], indent: Int) {
        switch self {
        case .array(let elements) where !elements.isEmpty:
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                Self.newline(&buffer, indent: indent + 1)
                element.writePretty(into: &buffer, indent: indent + 1)
            }
            Self.newline(&buffer, indent: indent)
            buffer.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            buffer.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
            for (index, key) in keys.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                Self.newline(&buffer, indent: indent + 1)
                JSONValue.string(key).writeCanonical(into: &buffer)
                buffer.append(contentsOf: Array(": ".utf8))
                members[key]?.writePretty(into: &buffer, indent: indent + 1)
            }
            Self.newline(&buffer, indent: indent)
            buffer.append(UInt8(ascii: "}"))
        default:
            writeCanonical(into: &buffer)
        }
    }

    private static func newline(_ buffer: inout [UInt8], indent: Int) {
        buffer.append(0x0a)
        buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }
}
