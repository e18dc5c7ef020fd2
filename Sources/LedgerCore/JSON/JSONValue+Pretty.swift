extension JSONValue {
    /// The value as indented JSON for people to read: keys sorted as in canonical form, two spaces
    /// per level, scalars written exactly as the canonical form writes them.
    public var prettyString: String {
        prettyString(typeFirstBeside: [])
    }

    /// The value as ``prettyString`` writes it, except that an object of two members, `type` and one
    /// named in `partners`, has `type` first.
    ///
    /// EPCIS pairs a source, destination or business transaction with its type, and tools that hash
    /// events in the document's member order (the reference event-hash generator) expect the type first,
    /// as the XML form and the CBV's pre-hash order have it.
    ///
    /// - Parameter partners: The member names that `type` goes before.
    /// - Returns: Indented UTF-8 JSON text ending in a newline.
    public func prettyString(typeFirstBeside partners: Set<String>) -> String {
        var output = ""
        Self.writePretty(self, indent: 0, partners: partners, into: &output)
        output.append("\n")
        return output
    }

    private static func keyOrder(of members: JSONObject, partners: Set<String>) -> [String] {
        if members.count == 2, members["type"] != nil,
            let partner = members.keys.first(where: { $0 != "type" }), partners.contains(partner)
        {
            return ["type", partner]
        }
        return members.keys.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
    }

    private static func writePretty(
        _ value: JSONValue,
        indent: Int,
        partners: Set<String>,
        into output: inout String
    ) {
        let pad = String(repeating: " ", count: indent + 2)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            output.append("[\n")
            for (index, element) in elements.enumerated() {
                output.append(pad)
                writePretty(element, indent: indent + 2, partners: partners, into: &output)
                output.append(index == elements.count - 1 ? "\n" : ",\n")
            }
            output.append(String(repeating: " ", count: indent) + "]")
        case .object(let members) where !members.isEmpty:
            output.append("{\n")
            let keys = keyOrder(of: members, partners: partners)
            for (index, key) in keys.enumerated() {
                output.append(pad + JSONValue.string(key).canonicalString + ": ")
                writePretty(members[key] ?? .null, indent: indent + 2, partners: partners, into: &output)
                output.append(index == keys.count - 1 ? "\n" : ",\n")
            }
            output.append(String(repeating: " ", count: indent) + "}")
        default:
            output.append(value.canonicalString)
        }
    }
}
