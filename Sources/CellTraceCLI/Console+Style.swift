#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Console {
    /// Terminal text attributes (SGR codes), used sparingly: table headers, status lines, the demo's
    /// headings.
    enum Style: String {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
    }

    /// Whether standard output takes colour.
    ///
    /// It does when it is a terminal, `NO_COLOR` is unset or empty (no-color.org) and `TERM` is not
    /// `dumb`; never under test capture.
    static var outputTakesColor: Bool {
        guard capture == nil, isatty(STDOUT_FILENO) == 1 else { return false }
        if let noColor = environment("NO_COLOR"), !noColor.isEmpty { return false }
        return environment("TERM") != "dumb"
    }

    /// Whether standard error takes colour: the same rules as ``outputTakesColor``, for standard error.
    static var errorTakesColor: Bool {
        guard capture == nil, isatty(STDERR_FILENO) == 1 else { return false }
        if let noColor = environment("NO_COLOR"), !noColor.isEmpty { return false }
        return environment("TERM") != "dumb"
    }

    /// `celltrace:`, the start of every error message, in bold red when standard error takes colour.
    static var errorPrefix: String {
        errorTakesColor ? "\u{1B}[1;31mcelltrace:\u{1B}[0m" : "celltrace:"
    }

    /// `text` in the given styles when standard output takes colour, else `text` unchanged.
    static func styled(_ text: String, _ styles: Style...) -> String {
        guard !styles.isEmpty, outputTakesColor else { return text }
        return "\u{1B}[" + styles.map(\.rawValue).joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }
}

/// A command's discussion written as hard-wrapped paragraphs in the source, with its lines
/// joined into one per paragraph, so that the help wraps it once at the terminal's width.
///
/// Blank lines separate paragraphs; a line that is indented (an example, a continuation), starts
/// a list item (`- `), or follows one that ends with a colon keeps its own line.
func prose(_ text: String) -> String {
    var lines: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        if let previous = lines.last, !previous.isEmpty, !line.isEmpty, !previous.hasSuffix(":"),
            !previous.hasPrefix(" "), !line.hasPrefix(" "), !line.hasPrefix("- ")
        {
            lines[lines.count - 1] = previous + " " + line
        } else {
            lines.append(line)
        }
    }
    return lines.joined(separator: "\n")
}
