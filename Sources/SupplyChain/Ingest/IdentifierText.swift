/// The text of identifiers recorded now.
///
/// An EPCIS `eventID` is a URI, and no identifier the indexes key (a lot's `epcClass`) holds a
/// space or a control character, which a URI cannot hold and a shell cannot pass back to
/// `celltrace lot show`. Entries already in the ledger replay as they were recorded.
enum IdentifierText {
    /// Whether `text` holds a space, a control character or DEL.
    static func hasSpaceOrControl(_ text: String) -> Bool {
        // A native string's bytes in place: every eventID of an import passes here.
        text.utf8.withContiguousStorageIfAvailable { $0.contains(where: isSpaceOrControl) }
            ?? text.utf8.contains(where: isSpaceOrControl)
    }

    private static func isSpaceOrControl(_ byte: UInt8) -> Bool { byte <= 0x20 || byte == 0x7F }

    /// The first character of `text` that makes it look like another id it is not.
    ///
    /// That is an invisible formatting character (a zero-width space or joiner, a right-to-left
    /// override, a byte-order mark: Unicode's category Cf) or a combining mark (a non-zero canonical
    /// combining class, as in an `e` followed by U+0301 where `é` is one character). Ids key the
    /// indexes byte for byte, so `café` written both ways would be two lots that print alike.
    /// ASCII text has none.
    static func lookalikeScalar(_ text: String) -> Unicode.Scalar? {
        // A native string's bytes in place: the view's iterator costs some thirty instructions a byte.
        let ascii =
            text.utf8.withContiguousStorageIfAvailable { $0.allSatisfy { $0 < 0x80 } }
            ?? text.utf8.allSatisfy { $0 < 0x80 }
        guard !ascii else { return nil }
        return text.unicodeScalars.first {
            $0.properties.generalCategory == .format || $0.properties.canonicalCombiningClass.rawValue != 0
        }
    }

    /// `U+200B`, as a message names a scalar.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Whether `text` is a URI as far as its form goes: a scheme (a letter, then letters, digits,
    /// `+`, `-` or `.`), a colon, and no space or control character.
    static func isURI(_ text: String) -> Bool {
        // A native string's bytes in place, as every eventID of an import passes here.
        text.utf8.withContiguousStorageIfAvailable(isURI) ?? isURI(Array(text.utf8))
    }

    private static func isURI(_ bytes: some RandomAccessCollection<UInt8>) -> Bool {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), let first = bytes.first, isLetter(first),
            bytes[..<colon].allSatisfy({
                isLetter($0) || DigitalLink.isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E
            })
        else { return false }
        return !bytes.contains(where: isSpaceOrControl)
    }

    /// `text` with its scheme, a URN's namespace identifier and a web address's host in lower
    /// case, when that differs from `text`; `nil` when they are lower case already, or `text` has
    /// no scheme.
    ///
    /// RFC 3986 and RFC 8141 read those parts without regard to case, so `URN:EPC:id:sgln:…` is
    /// `urn:epc:id:sgln:…` and `HTTPS://ID.GS1.ORG/01/…` is `https://id.gs1.org/01/…`; the
    /// indexes key ids by their text, where the two would be two lots, two sites or two parties.
    /// The rest of a URI (an EPC's references, a link's path) is compared with its case.
    static func lowerCaseForm(_ text: String) -> String? {
        // A native string's bytes in place: every id of every event passes here.
        text.utf8.withContiguousStorageIfAvailable(lowerCaseForm)
            ?? Array(text.utf8).withUnsafeBufferPointer(lowerCaseForm)
    }

    private static func lowerCaseForm(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        func isUpper(_ byte: UInt8) -> Bool { byte &- 0x41 < 26 }
        var colon = 0
        var upper = false
        while colon < bytes.count, bytes[colon] != 0x3A {
            upper = upper || isUpper(bytes[colon])
            colon += 1
        }
        guard colon < bytes.count else { return nil }
        // Where the part read without case ends: the scheme's colon, a URN's namespace identifier,
        // a web address's authority.
        var end = colon
        let lower = { (index: Int) in bytes[index] | 0x20 }
        if colon == 3, lower(0) == 0x75, lower(1) == 0x72, lower(2) == 0x6E {  // urn
            end = colon + 1
            while end < bytes.count, bytes[end] != 0x3A { end += 1 }
        } else if colon == 4 || colon == 5, lower(0) == 0x68, lower(1) == 0x74, lower(2) == 0x74, lower(3) == 0x70,
            colon == 4 || lower(4) == 0x73, colon + 2 < bytes.count, bytes[colon + 1] == 0x2F, bytes[colon + 2] == 0x2F
        {  // http, https
            end = colon + 3
            while end < bytes.count, bytes[end] != 0x2F, bytes[end] != 0x3F, bytes[end] != 0x23 { end += 1 }
        }
        var index = colon
        while !upper, index < end {
            upper = isUpper(bytes[index])
            index += 1
        }
        guard upper else { return nil }
        var lowered = Array(bytes)
        for index in 0..<end where isUpper(lowered[index]) { lowered[index] |= 0x20 }
        return String(decoding: lowered, as: UTF8.self)
    }

    /// The problem of an id recorded now that is not in its ``lowerCaseForm(_:)`` `lower`.
    static func lowerCaseProblem(_ id: String, _ lower: String) -> String {
        "write \(lower): a URI's scheme, a URN's namespace and a web address's host are read without regard to "
            + "case, and the ledger keys ids by their text, so \(id) would be an id apart from \(lower)"
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
