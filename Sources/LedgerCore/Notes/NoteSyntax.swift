/// The byte-level rules shared by the C2SP text formats: signed notes, checkpoints and tlog proofs.
///
/// Parsing works on UTF-8 bytes, never on `Character`s: Swift joins "\r\n" into one grapheme and
/// compares strings by canonical equivalence, and neither may blur what was signed.
enum NoteSyntax {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let plus = UInt8(ascii: "+")

    /// The largest note, checkpoint or proof text accepted, in bytes.
    static let maximumSize = 1 << 20

    /// Checks that text is UTF-8 without ASCII control characters other than newline
    /// (signed-note §Format), and returns it as a `String`.
    static func validatedText(_ bytes: some Collection<UInt8>, what: String) throws -> String {
        guard bytes.count <= maximumSize else {
            throw malformed("the \(what) is \(bytes.count) bytes long, more than the \(maximumSize) accepted")
        }
        if let offset = bytes.firstIndex(where: { $0 < 0x20 && $0 != newline }) {
            let position = bytes.distance(from: bytes.startIndex, to: offset)
            let byte = bytes[offset]
            let name = byte == 0x0D ? "a carriage return (CRLF line ends are not allowed)" : "control character \(byte)"
            throw malformed("the \(what) contains \(name) at byte \(position)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw malformed("the \(what) is not valid UTF-8")
        }
        return text
    }

    /// Splits text at each newline; the text must end with one, so no piece holds a newline.
    ///
    /// `"a\nb\n"` gives `["a", "b"]`, and `"a\n\nb\n"` gives `["a", "", "b"]`.
    static func lines(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var result = bytes.split(separator: newline, omittingEmptySubsequences: false)
        if result.last?.isEmpty == true {
            result.removeLast()
        }
        return result
    }

    /// Parses an unsigned decimal with no sign and no leading zeros (other than "0" itself).
    static func decimal(_ bytes: some Collection<UInt8>) -> UInt64? {
        guard let first = bytes.first, bytes.count <= 20 else { return nil }
        guard first != UInt8(ascii: "0") || bytes.count == 1 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// Whether a key name is non-empty and holds no Unicode white space and no "+" (signed-note §Format),
    /// nor any control character, which no note may contain.
    static func isValidKeyName(_ name: String) -> Bool {
        !name.isEmpty
            && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "+" || $0.value < 0x20 }
    }

    /// A text that is a single line: non-empty, without newline or other control characters.
    static func isSingleLine(_ text: String) -> Bool {
        !text.isEmpty && !text.utf8.contains { $0 < 0x20 }
    }

    /// The error for text that does not follow the format.
    static func malformed(_ message: String, file: String = #fileID, line: Int = #line) -> LedgerError {
        LedgerError(code: .invalidProof, message: message, location: .init(file: file, line: line))
    }

    /// The error for a value the caller passed in to build a note, key or proof.
    static func invalidInput(_ message: String, file: String = #fileID, line: Int = #line) -> LedgerError {
        LedgerError(code: .invalidInput, message: message, location: .init(file: file, line: line))
    }
}
