extension JSONValue {
    /// The value as indented JSON for people to read: keys sorted as in canonical form, two spaces
    /// per level, scalars written exactly as the canonical form writes them.
    public var prettyString: String {
        var output = ""
        Self.writePretty(self, indent: 0, into: &output)
        output.append("\n")
        return output
    }

    private static func writePretty(_ value: JSONValue, indent: Int, into output: inout String) {
        let pad = String(repeating: " ", count: indent + 2)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            output.append("[\n")
            for (index, element) in elements.enumerated() {
                output.append(pad)
                writePretty(element, indent: indent + 2, into: &output)
                output.append(index == elements.count - 1 ? "\n" : ",\n")
            }
            output.append(String(repeating: " ", count: indent) + "]")
        case .object(let members) where !members.isEmpty:
            output.append("{\n")
            let keys = members.keys.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
            for (index, key) in keys.enumerated() {
                output.append(pad + JSONValue.string(key).canonicalString + ": ")
                writePretty(members[key] ?? .null, indent: indent + 2, into: &output)
                output.append(index == keys.count - 1 ? "\n" : ",\n")
            }
            output.append(String(repeating: " ", count: indent) + "}")
        default:
            output.append(value.canonicalString)
        }
    }
}
