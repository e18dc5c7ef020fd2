import Carbon

/// Comma-separated values as RFC 4180 writes them.
///
/// A field holding a comma, a double quote or a line break is quoted, its double quotes doubled.
/// Rows end in a line feed, which spreadsheets and
/// CSV readers accept as RFC 4180's CRLF.
enum CSV {
    /// One row of fields, without its line end.
    static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// A field as written: as it is, or quoted.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }

    /// A column for each electricity method and each suffix, in the methods' order:
    /// `methodColumns("kg_co2e_", ["_then", "_now"])` is `kg_co2e_location_based_then`,
    /// `kg_co2e_location_based_now`, `kg_co2e_market_based_then`, ….
    static func methodColumns(_ prefix: String, _ suffixes: [String]) -> [String] {
        ElectricityMethod.allCases.flatMap { method in
            let name = prefix + method.rawValue.replacing("-", with: "_")
            return suffixes.map { name + $0 }
        }
    }
}
