/// The text of identifiers recorded now.
///
/// An EPCIS `eventID` is a URI, and no identifier the indexes key (a lot's `epcClass`) holds a
/// space or a control character, which a URI cannot hold and a shell cannot pass back to
/// `celltrace lot show`. Entries already in the ledger replay as they were recorded.
enum IdentifierText {
    /// Whether `text` holds a space, a control character or DEL.
    static func hasSpaceOrControl(_ text: String) -> Bool {
        // A native string's bytes in place: every eventID of an import passes here.
        if let found = text.utf8.withContiguousStorageIfAvailable({ bytes in
            bytes.contains { $0 <= 0x20 || $0 == 0x7F }
        }) {
            return found
        }
        return text.utf8.contains { $0 <= 0x20 || $0 == 0x7F }
    }

    /// Whether `text` is a URI as far as its form goes: a scheme (a letter, then letters, digits,
    /// `+`, `-` or `.`), a colon, and no space or control character.
    static func isURI(_ text: String) -> Bool {
        func isURI(_ bytes: some Collection<UInt8>) -> Bool {
            guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return false }
            let scheme = bytes[..<colon]
            guard let first = scheme.first, isLetter(first),
                scheme.allSatisfy({
                    isLetter($0) || (0x30...0x39).contains($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E
                })
            else { return false }
            return !bytes.contains { $0 <= 0x20 || $0 == 0x7F }
        }
        return text.utf8.withContiguousStorageIfAvailable { isURI($0) } ?? isURI(text.utf8)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
