/// The text of identifiers recorded now.
///
/// An EPCIS `eventID` is a URI, and no identifier the indexes key (a lot's `epcClass`) holds a
/// space or a control character, which a URI cannot hold and a shell cannot pass back to
/// `celltrace lot show`. Entries already in the ledger replay as they were recorded.
enum IdentifierText {
    /// Whether `text` holds a space, a control character or DEL.
    static func hasSpaceOrControl(_ text: String) -> Bool {
        let isSpaceOrControl: (UInt8) -> Bool = { $0 <= 0x20 || $0 == 0x7F }
        // A native string's bytes in place: every eventID of an import passes here.
        return text.utf8.withContiguousStorageIfAvailable { $0.contains(where: isSpaceOrControl) }
            ?? text.utf8.contains(where: isSpaceOrControl)
    }

    /// Whether `text` is a URI as far as its form goes: a scheme (a letter, then letters, digits,
    /// `+`, `-` or `.`), a colon, and no space or control character.
    static func isURI(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")), let first = utf8.first, isLetter(first),
            utf8[..<colon].allSatisfy({
                isLetter($0) || DigitalLink.isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E
            })
        else { return false }
        return !hasSpaceOrControl(text)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
