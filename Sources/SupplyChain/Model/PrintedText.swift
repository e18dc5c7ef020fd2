/// Free text of master data that CellTrace prints a line of at a time: a legal name, a facility's
/// name and grid region, a battery model's name and chemistry, a factor table's source, in tables,
/// trees and history lines.
enum PrintedText {
    /// Why such text recorded now is refused, or `nil`: a control character (a line break, a tab,
    /// an escape; Unicode's category Cc) would break the line it is printed on, or forge another.
    static func problem(_ text: String) -> String? {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        return "must not hold control characters (line breaks, tabs, escapes)"
    }

    /// Why an optional text field given now is refused, or `nil`.
    ///
    /// A facility's name or grid region, a battery model's name or chemistry: refused blank (a
    /// field with nothing to say is left out) or holding a control character.
    static func givenFieldProblem(_ text: String) -> String? {
        guard text.contains(where: { !$0.isWhitespace }) else {
            return "must not be blank: leave it out when there is none"
        }
        return problem(text)
    }
}
