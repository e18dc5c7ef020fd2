/// The other spellings of one GS1 key: an EPC URN and a GS1 Digital Link name the same lot, serial
/// or location, and the rules key lots, serial ranges and facilities by the text they were given.
///
/// From an EPC URN (an LGTIN class, an SGTIN serial prefix, an SGLN, a GIAI or SSCC) there is one Digital Link on
/// `id.gs1.org`. From a Digital Link (on any domain) there are up to seven EPC URNs, one per GS1
/// company prefix length from 6 to 12 digits, which a Digital Link does not carry. A Digital Link
/// on another domain than `id.gs1.org` is found from its URN only when it was written on that
/// domain; the rules name the forms they find.
enum GS1Forms {
    /// The other forms of a lot identifier (`urn:epc:class:lgtin:…` or `…/01/{GTIN}/10/{lot}`).
    static func ofLot(_ id: String) -> [String] {
        if id.hasPrefix("urn:epc:class:lgtin:") { return DigitalLink.canonical(id).map { [$0] } ?? [] }
        guard let link = canonicalLink(id) ?? escapedLotLink(id),
            let (gtin, rest) = split(link, key: "/01/", digits: 14), rest.hasPrefix("/10/")
        else { return [] }
        let lot = rest.dropFirst(4)
        guard !lot.isEmpty, !lot.contains("/") else { return [] }
        guard lot.contains("%") else {
            return companyPrefixSplits(gtin).map { "urn:epc:class:lgtin:\($0.company).\($0.item).\(lot)" }
        }
        // A URN keeps the escapes of the EPC alphabet (`%26`, `%2F`) as the link does, and may write
        // the characters a link escapes (`!()*+,:`) plain or escaped: each spelling is a form
        // when it converts back to this very link.
        let spellings = Set([String(lot), unescapingLinkReserved(lot)]).sorted()
        return companyPrefixSplits(gtin).flatMap { split in
            spellings.map { "urn:epc:class:lgtin:\(split.company).\(split.item).\($0)" }
        }.filter { DigitalLink.canonical($0) == link }
    }

    /// The link on `id.gs1.org` of a Digital Link lot whose number holds percent escapes.
    ///
    /// ``DigitalLink/canonical(_:)`` does not read such a link: this takes
    /// `http(s)://{host}[/{path}]/01/{GTIN}/10/{lot}`, the lot as written. Whether it is the link
    /// of a URN is left to the conversion back.
    private static func escapedLotLink(_ uri: String) -> String? {
        guard uri.hasPrefix("http://") || uri.hasPrefix("https://"), uri.contains("%"),
            !uri.contains("?"), !uri.contains("#")
        else { return nil }
        // Scheme, empty, host, then the path's segments; the key's four are the last.
        let segments = uri.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 7 else { return nil }
        let key = segments.suffix(4)
        guard key.first == "01", key.dropFirst(2).first == "10", let gtin = key.dropFirst().first,
            let lot = key.last, !lot.isEmpty
        else { return nil }
        return "https://id.gs1.org/01/\(gtin)/10/\(lot)"
    }

    /// The characters GS1 Digital Link escapes in a lot, by their escape's hex digits.
    private static let linkReserved: [String: UInt8] = [
        "21": UInt8(ascii: "!"), "28": UInt8(ascii: "("), "29": UInt8(ascii: ")"), "2A": UInt8(ascii: "*"),
        "2B": UInt8(ascii: "+"), "2C": UInt8(ascii: ","), "3A": UInt8(ascii: ":"),
    ]

    /// `text` with the escapes of the characters GS1 Digital Link reserves (`%21`, `%28`, `%29`,
    /// `%2A`, `%2B`, `%2C`, `%3A`, in either case) written as those characters.
    private static func unescapingLinkReserved(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count {
                let escape = String(decoding: bytes[index + 1...index + 2], as: UTF8.self).uppercased()
                if let byte = linkReserved[escape] {
                    out.append(byte)
                    index += 3
                    continue
                }
            }
            out.append(bytes[index])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The other forms of a serial prefix (`urn:epc:id:sgtin:{company}.{item}.` or
    /// `…/01/{GTIN}/21/`).
    static func ofSerialPrefix(_ prefix: String) -> [String] {
        if prefix.hasPrefix("urn:epc:id:sgtin:"), prefix.hasSuffix(".") {
            // The prefix of serial 0's Digital Link.
            guard let link = DigitalLink.canonical(prefix + "0"), link.hasSuffix("/21/0") else { return [] }
            return [String(link.dropLast())]
        }
        guard prefix.hasSuffix("/21/"), let link = canonicalLink(prefix + "0"),
            let (gtin, rest) = split(link, key: "/01/", digits: 14), rest == "/21/0"
        else { return [] }
        return companyPrefixSplits(gtin).map { "urn:epc:id:sgtin:\($0.company).\($0.item)." }
    }

    /// The other forms of a module's or pack's id that is a GS1 key of its own.
    ///
    /// A GIAI (`urn:epc:id:giai:{company}.{asset}` or `…/8004/{GIAI}`) or an SSCC
    /// (`urn:epc:id:sscc:{company}.{extension}{serial}` or `…/00/{SSCC}`); a module's own SGTIN
    /// is a serial (``ofSerialPrefix(_:)``). Each URN given for a link converts back to it.
    static func ofUnitKey(_ id: String) -> [String] {
        if id.hasPrefix("urn:epc:id:giai:") || id.hasPrefix("urn:epc:id:sscc:") {
            return DigitalLink.canonical(id).map { [$0] } ?? []
        }
        guard let link = canonicalLink(id) else { return [] }
        if let (sscc, rest) = split(link, key: "/00/", digits: 18) {
            guard rest.isEmpty else { return [] }
            let digits = Array(sscc)
            return (6...12).map { length in
                "urn:epc:id:sscc:\(String(digits[1...length])).\(digits[0])\(String(digits[(length + 1)..<17]))"
            }.filter { DigitalLink.canonical($0) == link }
        }
        let key = "https://id.gs1.org/8004/"
        guard link.hasPrefix(key) else { return [] }
        let giai = link.dropFirst(key.count)
        guard !giai.contains("/") else { return [] }
        return (6...12).compactMap { length -> String? in
            let company = giai.prefix(length)
            guard company.count == length, giai.count > length, company.utf8.allSatisfy(DigitalLink.isDigit) else {
                return nil
            }
            return "urn:epc:id:giai:\(company).\(giai.dropFirst(length))"
        }.filter { DigitalLink.canonical($0) == link }
    }

    /// The other forms of a location (`urn:epc:id:sgln:{company}.{location}.{extension}` or
    /// `…/414/{GLN}[/254/{extension}]`).
    static func ofLocation(_ id: String) -> [String] {
        if id.hasPrefix("urn:epc:id:sgln:") { return DigitalLink.canonical(id).map { [$0] } ?? [] }
        guard let link = canonicalLink(id), let (gln, rest) = split(link, key: "/414/", digits: 13) else { return [] }
        let suffix: Substring
        if rest.isEmpty {
            suffix = "0"
        } else if rest.hasPrefix("/254/"), !rest.dropFirst(5).contains("/"), !rest.contains("%") {
            suffix = rest.dropFirst(5)
        } else {
            return []
        }
        return glnSplits(gln).map { "urn:epc:id:sgln:\($0.company).\($0.reference).\(suffix)" }
    }

    /// The other forms of a party (`urn:epc:id:pgln:{company}.{party}` or `…/417/{GLN}`).
    static func ofParty(_ id: String) -> [String] {
        if id.hasPrefix("urn:epc:id:pgln:") { return DigitalLink.canonical(id).map { [$0] } ?? [] }
        guard let link = canonicalLink(id), let (gln, rest) = split(link, key: "/417/", digits: 13), rest.isEmpty
        else { return [] }
        return glnSplits(gln).map { "urn:epc:id:pgln:\($0.company).\($0.reference)" }
    }

    /// A GLN's company prefix and reference for each company prefix length, 6 to 12 digits, which
    /// a GLN does not carry; the check digit is not in an EPC URN.
    private static func glnSplits(_ gln: String) -> [(company: String, reference: String)] {
        let body = Array(gln.dropLast())
        return (6...12).map { (String(body[..<$0]), String(body[$0...])) }
    }

    // MARK: Malformed keys

    /// What is wrong with a lot identifier that claims a GS1 form and breaks it, or `nil`.
    ///
    /// An LGTIN URN must parse (GS1 EPC Tag Data Standard), and a Digital Link on `id.gs1.org`
    /// must carry a GTIN whose check digit is right. Either way, the ledger could not match the
    /// lot with its other form (``ofLot(_:)``). Other identifiers are not GS1 keys and pass.
    ///
    /// - Parameters:
    ///   - id: The lot's identifier.
    ///   - bytes: A buffer reused from one call to the next (``DigitalLink/isLGTINClass(_:bytes:)``).
    /// - Returns: The problem, or `nil`.
    static func problem(ofLot id: String, bytes: inout [UInt8]) -> String? {
        if id.hasPrefix("urn:epc:class:lgtin:") {
            guard !DigitalLink.isLGTINClass(id, bytes: &bytes) else { return nil }
            return "is not an LGTIN EPC class: urn:epc:class:lgtin:{company prefix}.{indicator digit and item "
                + "reference}.{lot}, with 13 digits in the first two parts and a company prefix of 6 to 12 "
                + "(GS1 EPC Tag Data Standard)"
        }
        return checkDigitProblem(id, after: "https://id.gs1.org/01/", digits: 14, what: "GTIN")
    }

    /// What is wrong with a serial prefix that claims a GS1 form and breaks it, or `nil`: an
    /// SGTIN prefix (`urn:epc:id:sgtin:{company prefix}.{item reference}.`) must be one that a
    /// serial completes, and a Digital Link prefix on `id.gs1.org` needs a right check digit.
    static func problem(ofSerialPrefix prefix: String) -> String? {
        if prefix.hasPrefix("urn:epc:id:sgtin:") {
            guard DigitalLink.canonical(prefix + "0") == nil else { return nil }
            return "is not the start of an SGTIN EPC: urn:epc:id:sgtin:{company prefix}.{indicator digit and item "
                + "reference}., with 13 digits and a company prefix of 6 to 12 (GS1 EPC Tag Data Standard)"
        }
        return checkDigitProblem(prefix + "0", after: "https://id.gs1.org/01/", digits: 14, what: "GTIN")
    }

    /// What is wrong with a location that claims a GS1 form and breaks it, or `nil`: an SGLN URN
    /// must parse, and a Digital Link on `id.gs1.org` needs a right GLN check digit.
    static func problem(ofLocation id: String) -> String? {
        if id.hasPrefix("urn:epc:id:sgln:") {
            guard DigitalLink.canonical(id) == nil else { return nil }
            return "is not an SGLN EPC: urn:epc:id:sgln:{company prefix}.{location reference}.{extension}, with "
                + "12 digits in the first two parts and a company prefix of 6 to 12 (GS1 EPC Tag Data Standard)"
        }
        return checkDigitProblem(id, after: "https://id.gs1.org/414/", digits: 13, what: "GLN")
    }

    /// For a Digital Link on `id.gs1.org` whose key after `start` (its domain and the key's AI)
    /// has the wrong check digit, what the digit should be.
    private static func checkDigitProblem(_ uri: String, after start: String, digits: Int, what: String) -> String? {
        // Most lot ids are no Digital Link: told by their first byte, without a string compared.
        guard uri.utf8.first == UInt8(ascii: "h"), uri.hasPrefix(start) else { return nil }
        let number = uri.dropFirst(start.count).prefix(digits)
        guard number.utf8.count == digits, number.utf8.allSatisfy(DigitalLink.isDigit), !hasValidCheckDigit(number)
        else { return nil }
        var expected = Array(number.utf8.dropLast())
        DigitalLink.appendCheckDigit(to: &expected, from: 0)
        return "has \(what) \(number), whose check digit is wrong: \(String(decoding: expected, as: UTF8.self)) is "
            + "the \(what) with its check digit"
    }

    /// The canonical Digital Link of `uri` when it is a GS1 Digital Link (not an EPC URN).
    private static func canonicalLink(_ uri: String) -> String? {
        guard uri.hasPrefix("http://") || uri.hasPrefix("https://") else { return nil }
        return DigitalLink.canonical(uri)
    }

    /// The `digits` digits after `key` in a canonical Digital Link, and what follows them.
    private static func split(_ link: String, key: String, digits: Int) -> (String, Substring)? {
        let domain = "https://id.gs1.org"
        guard link.hasPrefix(domain + key) else { return nil }
        let rest = link.dropFirst(domain.count + key.count)
        let number = rest.prefix(digits)
        guard number.utf8.count == digits, number.utf8.allSatisfy(DigitalLink.isDigit), hasValidCheckDigit(number)
        else { return nil }
        return (String(number), rest.dropFirst(digits))
    }

    /// Whether the last digit is the GS1 check digit of the others (``DigitalLink/appendCheckDigit(to:from:)``):
    /// a key that fails it is no GTIN or GLN, and names no URN.
    private static func hasValidCheckDigit(_ number: Substring) -> Bool {
        var digits = Array(number.utf8.dropLast())
        DigitalLink.appendCheckDigit(to: &digits, from: 0)
        return digits.last == number.utf8.last
    }

    /// A GTIN-14's company prefix and item reference for each company-prefix length, 6 to 12: the
    /// item reference is the indicator digit followed by the digits after the company prefix,
    /// and the check digit is dropped.
    private static func companyPrefixSplits(_ gtin: String) -> [(company: String, item: String)] {
        let digits = Array(gtin)
        let indicator = digits[0]
        let body = digits[1..<13]
        return (6...12).map { length in
            let company = String(body.prefix(length))
            let item = String(indicator) + String(body.dropFirst(length))
            return (company, item)
        }
    }
}
