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
}
