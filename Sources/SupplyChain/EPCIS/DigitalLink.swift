/// Canonical GS1 Digital Link URIs for the GS1 identifiers that EPCIS events carry.
///
/// The EPCIS Event Hash ID (GS1 CBV 2.0 §8.9) writes every GS1 key in one form, so that an event
/// hashes the same whether it names a trade item as `urn:epc:id:sgtin:…`, as a GS1 Digital Link URI
/// on a brand's own domain, or with a query string. This type converts:
///
/// - EPC URIs (`urn:epc:id:sgtin|sscc|sgln|grai|giai|gsrn|gsrnp|gdti|cpi|sgcn|ginc|gsin|itip|upui|pgln:…`),
///   EPC class URIs (`urn:epc:class:lgtin:…`) and EPC pattern URIs
///   (`urn:epc:idpat:sgtin|grai|gdti|sgcn|cpi|itip|upui:….*`) into `https://id.gs1.org/…`, computing
///   the check digit;
/// - GS1 Digital Link URIs on any domain into `https://id.gs1.org/…`: the query string is dropped,
///   short names (`/gtin/`, `/lot/`, …) become application identifiers, GTINs are padded to 14
///   digits, and only the most fine-grained key is kept (a serial number wins over a lot, CPV goes).
///
/// It follows `dl_normaliser.py` of the reference implementation (RalphTro/epcis-event-hash-generator)
/// rule for rule, quirks included (for example a 12-digit GS1 Company Prefix GRAI needs three dots), so
/// that hashes agree with it. It is written without regular expressions: each pattern is matched
/// by hand, on UTF-8 bytes.
enum DigitalLink {
    /// The canonical GS1 Digital Link URI for an identifier, or `nil` when it is not one this type knows.
    ///
    /// ```swift
    /// DigitalLink.canonical("urn:epc:id:sgtin:0614141.107346.2017")
    /// // "https://id.gs1.org/01/10614141073464/21/2017"
    /// ```
    ///
    /// - Parameter uri: An EPC URI, EPC class URI, EPC pattern URI or GS1 Digital Link URI.
    /// - Returns: The constrained canonical GS1 Digital Link URI, or `nil`.
    static func canonical(_ uri: String) -> String? {
        var out: [UInt8] = []
        var work: [UInt8] = []
        guard appendCanonical(of: Array(uri.utf8), to: &out, work: &work) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the canonical form of `uri` to `out`, when it has one.
    ///
    /// - Parameters:
    ///   - uri: The identifier's UTF-8 bytes, already trimmed.
    ///   - out: Receives the canonical URI; left alone when the result is `false`.
    ///   - work: A scratch buffer, reused between calls to avoid allocating.
    /// - Returns: Whether `uri` had a canonical form.
    static func appendCanonical(of uri: [UInt8], to out: inout [UInt8], work: inout [UInt8]) -> Bool {
        // Every form the reference accepts holds a dot (the domain, or the company prefix's end).
        guard let dot = uri.firstIndex(of: UInt8(ascii: ".")) else { return false }
        if startsWith(uri, Literal.urnEPC, at: 0) {
            return appendEPC(uri, dot: dot, to: &out)
        }
        return appendDigitalLink(uri, to: &out, work: &work)
    }
}

// MARK: - EPC URIs

extension DigitalLink {
    /// The schemes of EPC URIs, EPC class URIs and EPC pattern URIs that have a GS1 key.
    private enum Scheme {
        case sgtin, sscc, sgln, grai, giai, gsrn, gsrnp, gdti, cpi, sgcn, ginc, gsin, itip, upui, pgln
        case lgtinClass
        case sgtinPattern, graiPattern, gdtiPattern, sgcnPattern, cpiPattern, itipPattern, upuiPattern
    }

    /// The EPC URI schemes by kind (`id`, `class`, `idpat`) and name.
    private static let idSchemes: [(name: [UInt8], scheme: Scheme)] =
        ([
            ("sgtin", .sgtin), ("sscc", .sscc), ("sgln", .sgln), ("grai", .grai), ("giai", .giai), ("gsrn", .gsrn),
            ("gsrnp", .gsrnp), ("gdti", .gdti), ("cpi", .cpi), ("sgcn", .sgcn), ("ginc", .ginc), ("gsin", .gsin),
            ("itip", .itip), ("upui", .upui), ("pgln", .pgln),
        ] as [(String, Scheme)]).map { (Array($0.0.utf8), $0.1) }
    private static let classSchemes: [(name: [UInt8], scheme: Scheme)] = [(Array("lgtin".utf8), .lgtinClass)]
    private static let patternSchemes: [(name: [UInt8], scheme: Scheme)] =
        ([
            ("sgtin", .sgtinPattern), ("grai", .graiPattern), ("gdti", .gdtiPattern), ("sgcn", .sgcnPattern),
            ("cpi", .cpiPattern), ("itip", .itipPattern), ("upui", .upuiPattern),
        ] as [(String, Scheme)]).map { (Array($0.0.utf8), $0.1) }

    /// The scheme of an EPC URI that starts `urn:epc:`, and where its body starts.
    private static func scheme(of uri: [UInt8]) -> (Scheme, body: Int)? {
        let kindStart = Literal.urnEPC.count
        let schemes: [(name: [UInt8], scheme: Scheme)]
        let nameStart: Int
        if startsWith(uri, Literal.id, at: kindStart) {
            schemes = idSchemes
            nameStart = kindStart + Literal.id.count
        } else if startsWith(uri, Literal.idpat, at: kindStart) {
            schemes = patternSchemes
            nameStart = kindStart + Literal.idpat.count
        } else if startsWith(uri, Literal.class, at: kindStart) {
            schemes = classSchemes
            nameStart = kindStart + Literal.class.count
        } else {
            return nil
        }
        for (name, scheme) in schemes {
            let colon = nameStart + name.count
            if colon < uri.count && uri[colon] == UInt8(ascii: ":") && startsWith(uri, name, at: nameStart) {
                return (scheme, colon + 1)
            }
        }
        return nil
    }

    /// Whether `uri` is an LGTIN EPC class URN that ``canonical(_:)`` converts: the checks of its
    /// conversion, without writing the link.
    ///
    /// - Parameters:
    ///   - text: The URI.
    ///   - uri: A buffer for the URI's bytes, reused from one call to the next, so that a call
    ///     allocates nothing where the conversion makes four allocations.
    /// - Returns: Whether the URI is a well-formed LGTIN class.
    static func isLGTINClass(_ text: String, bytes uri: inout [UInt8]) -> Bool {
        uri.removeAll(keepingCapacity: true)
        uri.append(contentsOf: text.utf8)
        guard startsWith(uri, Literal.urnEPC, at: 0), let dot = uri.firstIndex(of: UInt8(ascii: ".")),
            let (scheme, body) = scheme(of: uri), scheme == .lgtinClass, isCompanyPrefix(uri, body: body, dot: dot)
        else { return false }
        return lgtinLot(uri, body: body, dot: dot) != nil
    }

    /// Whether the digits from `body` to `dot` are a GS1 Company Prefix: 6 to 12 of them.
    private static func isCompanyPrefix(_ uri: [UInt8], body: Int, dot: Int) -> Bool {
        (6...12).contains(dot - body) && allDigits(uri, body..<dot)
    }

    /// Where the lot of an LGTIN class URN starts, when its GTIN and lot are well formed.
    private static func lgtinLot(_ uri: [UInt8], body: Int, dot: Int) -> Int? {
        guard let lot = gtin(uri, body: body, dot: dot, then: "."), epcUnits(uri, from: lot, 1...20) else { return nil }
        return lot
    }

    /// Converts an EPC URI; `dot` is the first dot, which ends the GS1 Company Prefix.
    private static func appendEPC(_ uri: [UInt8], dot: Int, to out: inout [UInt8]) -> Bool {
        guard let (scheme, body) = scheme(of: uri) else { return false }
        // The GS1 Company Prefix: 6 to 12 digits up to the first dot.
        let prefixDigits = dot - body
        guard isCompanyPrefix(uri, body: body, dot: dot) else { return false }
        switch scheme {
        case .sgtin:
            // urn:epc:id:sgtin:CompanyPrefix.ItemRefAndIndicator.Serial
            guard let serial = gtin(uri, body: body, dot: dot, then: "."), epcUnits(uri, from: serial, 1...20)
            else { return false }
            out.append(contentsOf: Literal.host01)
            appendGTIN(uri, body: body, dot: dot, to: &out)
            out.append(contentsOf: Literal.ai21)
            appendPercentEncoded(uri[serial...], to: &out)
        case .sscc:
            let digits = 17 - prefixDigits
            guard uri.count == dot + 1 + digits, allDigits(uri, (dot + 1)..<uri.count) else { return false }
            out.append(contentsOf: Literal.host00)
            let keyStart = out.count
            out.append(uri[dot + 1])
            out.append(contentsOf: uri[body..<dot])
            out.append(contentsOf: uri[(dot + 2)...])
            appendCheckDigit(to: &out, from: keyStart)
        case .sgln:
            guard let ext = twelveDigitKey(uri, body: body, dot: dot, extraDot: false, then: "."),
                epcUnits(uri, from: ext, 1...20)
            else { return false }
            out.append(contentsOf: Literal.host414)
            let keyStart = out.count
            out.append(contentsOf: uri[body..<dot])
            out.append(contentsOf: uri[(dot + 1)..<(body + 13)])
            appendCheckDigit(to: &out, from: keyStart)
            let extensionStart = body + 14
            if !(uri.count == extensionStart + 1 && uri[extensionStart] == UInt8(ascii: "0")) {
                out.append(contentsOf: Literal.ai254)
                appendPercentEncoded(uri[extensionStart...], to: &out)
            }
        case .grai:
            guard let serial = twelveDigitKey(uri, body: body, dot: dot, extraDot: true, then: "."),
                epcUnits(uri, from: serial, 1...16)
            else { return false }
            out.append(contentsOf: Literal.host8003)
            let keyStart = out.count
            out.append(UInt8(ascii: "0"))
            appendTwelveDigitKey(uri, body: body, dot: dot, to: &out)
            appendCheckDigit(to: &out, from: keyStart)
            // The reference takes the serial from a fixed offset, so a 12-digit company prefix keeps a dot.
            appendPercentEncoded(uri[(body + 14)...], to: &out)
        case .giai, .ginc:
            guard epcUnits(uri, from: dot + 1, 1...(30 - prefixDigits)) else { return false }
            out.append(contentsOf: scheme == .giai ? Literal.host8004 : Literal.host401)
            out.append(contentsOf: uri[body..<dot])
            appendPercentEncoded(uri[(dot + 1)...], to: &out)
        case .gsrn, .gsrnp:
            let digits = 17 - prefixDigits
            guard uri.count == dot + 1 + digits, allDigits(uri, (dot + 1)..<uri.count) else { return false }
            out.append(contentsOf: scheme == .gsrn ? Literal.host8018 : Literal.host8017)
            let keyStart = out.count
            out.append(contentsOf: uri[body..<dot])
            out.append(contentsOf: uri[(dot + 1)...])
            appendCheckDigit(to: &out, from: keyStart)
        case .gdti:
            // No dot is required between document type and serial: the serial's characters include one.
            guard let serial = twelveDigitKey(uri, body: body, dot: dot, extraDot: true, then: nil),
                epcUnits(uri, from: serial, 1...20)
            else { return false }
            out.append(contentsOf: Literal.host253)
            let keyStart = out.count
            appendTwelveDigitKey(uri, body: body, dot: dot, to: &out)
            appendCheckDigit(to: &out, from: keyStart)
            appendPercentEncoded(uri[min(body + 14, uri.count)...], to: &out)
        case .cpi:
            guard let reference = cpiReference(uri, from: dot + 1, max: 30 - prefixDigits),
                reference.upperBound < uri.count, uri[reference.upperBound] == UInt8(ascii: "."),
                (1...12).contains(uri.count - reference.upperBound - 1),
                allDigits(uri, (reference.upperBound + 1)..<uri.count)
            else { return false }
            out.append(contentsOf: Literal.host8010)
            appendPercentEncoded(uri[body..<dot], to: &out)
            appendPercentEncoded(uri[reference], to: &out)
            out.append(contentsOf: Literal.ai8011)
            out.append(contentsOf: uri[(reference.upperBound + 1)...])
        case .sgcn:
            guard let serial = twelveDigitKey(uri, body: body, dot: dot, extraDot: false, then: "."),
                (1...12).contains(uri.count - serial), allDigits(uri, serial..<uri.count)
            else { return false }
            out.append(contentsOf: Literal.host255)
            let keyStart = out.count
            appendTwelveDigitKey(uri, body: body, dot: dot, to: &out)
            appendCheckDigit(to: &out, from: keyStart)
            out.append(contentsOf: uri[serial...])
        case .gsin:
            let digits = 16 - prefixDigits
            guard uri.count == dot + 1 + digits, allDigits(uri, (dot + 1)..<uri.count) else { return false }
            out.append(contentsOf: Literal.host402)
            let keyStart = out.count
            out.append(contentsOf: uri[body..<dot])
            out.append(contentsOf: uri[(dot + 1)...])
            appendCheckDigit(to: &out, from: keyStart)
        case .itip:
            // urn:epc:id:itip:CompanyPrefix.ItemRef.Piece.Total.Serial
            guard let piece = gtin(uri, body: body, dot: dot, then: "."),
                twoDigits(uri, piece, then: "."), twoDigits(uri, piece + 3, then: "."),
                epcUnits(uri, from: piece + 6, 1...20)
            else { return false }
            out.append(contentsOf: Literal.host8006)
            appendGTIN(uri, body: body, dot: dot, to: &out)
            out.append(contentsOf: uri[piece..<(piece + 2)])
            out.append(contentsOf: uri[(piece + 3)..<(piece + 5)])
            out.append(contentsOf: Literal.ai21)
            appendPercentEncoded(uri[(piece + 6)...], to: &out)
        case .upui:
            guard let serial = gtin(uri, body: body, dot: dot, then: "."), epcUnits(uri, from: serial, 1...28)
            else { return false }
            out.append(contentsOf: Literal.host01)
            appendGTIN(uri, body: body, dot: dot, to: &out)
            out.append(contentsOf: Literal.ai235)
            appendPercentEncoded(uri[serial...], to: &out)
        case .pgln:
            guard let end = twelveDigitKey(uri, body: body, dot: dot, extraDot: false, then: nil), end == uri.count
            else { return false }
            out.append(contentsOf: Literal.host417)
            let keyStart = out.count
            appendTwelveDigitKey(uri, body: body, dot: dot, to: &out)
            appendCheckDigit(to: &out, from: keyStart)
        case .lgtinClass:
            guard let lot = lgtinLot(uri, body: body, dot: dot) else { return false }
            out.append(contentsOf: Literal.host01)
            appendGTIN(uri, body: body, dot: dot, to: &out)
            out.append(contentsOf: Literal.ai10)
            appendPercentEncoded(uri[lot...], to: &out)
        case .sgtinPattern, .upuiPattern:
            guard let star = gtin(uri, body: body, dot: dot, then: "."), isStar(uri, at: star) else { return false }
            out.append(contentsOf: Literal.host01)
            appendGTIN(uri, body: body, dot: dot, to: &out)
        case .graiPattern, .gdtiPattern, .sgcnPattern:
            guard let star = twelveDigitKey(uri, body: body, dot: dot, extraDot: true, then: "."),
                isStar(uri, at: star)
            else { return false }
            let host =
                switch scheme {
                case .graiPattern: Literal.host8003
                case .gdtiPattern: Literal.host253
                default: Literal.host255
                }
            out.append(contentsOf: host)
            let keyStart = out.count
            if scheme == .graiPattern { out.append(UInt8(ascii: "0")) }
            appendTwelveDigitKey(uri, body: body, dot: dot, to: &out)
            appendCheckDigit(to: &out, from: keyStart)
        case .cpiPattern:
            guard let reference = cpiReference(uri, from: dot + 1, max: 30 - prefixDigits),
                reference.upperBound < uri.count, uri[reference.upperBound] == UInt8(ascii: "."),
                isStar(uri, at: reference.upperBound + 1)
            else { return false }
            out.append(contentsOf: Literal.host8010)
            appendPercentEncoded(uri[body..<dot], to: &out)
            appendPercentEncoded(uri[reference], to: &out)
        case .itipPattern:
            guard let piece = gtin(uri, body: body, dot: dot, then: "."),
                twoDigits(uri, piece, then: "."), twoDigits(uri, piece + 3, then: "."), isStar(uri, at: piece + 6)
            else { return false }
            out.append(contentsOf: Literal.host8006)
            appendGTIN(uri, body: body, dot: dot, to: &out)
            out.append(contentsOf: uri[piece..<(piece + 2)])
            out.append(contentsOf: uri[(piece + 3)..<(piece + 5)])
        }
        return true
    }

    /// Checks the item reference of a 13-digit GTIN key after `dot` and the separator after it.
    ///
    /// - Returns: The index just after the separator (or after the digits when `then` is `nil`).
    private static func gtin(_ uri: [UInt8], body: Int, dot: Int, then separator: Unicode.Scalar?) -> Int? {
        let end = body + 14  // company prefix, dot, item reference: 13 digits and a dot
        guard end <= uri.count, allDigits(uri, (dot + 1)..<end) else { return nil }
        guard let separator else { return end }
        guard end < uri.count, uri[end] == UInt8(ascii: separator) else { return nil }
        return end + 1
    }

    /// Checks a 12-digit key (GLN, GRAI, GDTI, SGCN, PGLN) whose company prefix ends at `dot`.
    ///
    /// With a 12-digit company prefix the reference's patterns want an empty reference, written as
    /// a second dot when `extraDot` is set.
    ///
    /// - Returns: The index just after the separator that follows the key, or after the key.
    private static func twelveDigitKey(
        _ uri: [UInt8],
        body: Int,
        dot: Int,
        extraDot: Bool,
        then separator: Unicode.Scalar?
    ) -> Int? {
        var end = body + 13  // 12 digits and a dot
        guard end <= uri.count, allDigits(uri, (dot + 1)..<end) else { return nil }
        if extraDot && dot - body == 12 {
            guard end < uri.count, uri[end] == UInt8(ascii: ".") else { return nil }
            end += 1
        }
        guard let separator else { return end }
        guard end < uri.count, uri[end] == UInt8(ascii: separator) else { return nil }
        return end + 1
    }

    /// Appends the 13 digits of a GTIN without its check digit: indicator, company prefix, item reference.
    private static func appendGTIN(_ uri: [UInt8], body: Int, dot: Int, to out: inout [UInt8]) {
        let keyStart = out.count
        out.append(uri[dot + 1])
        out.append(contentsOf: uri[body..<dot])
        out.append(contentsOf: uri[(dot + 2)..<(body + 14)])
        appendCheckDigit(to: &out, from: keyStart)
    }

    /// Appends company prefix and reference of a 12-digit key, without a check digit.
    private static func appendTwelveDigitKey(_ uri: [UInt8], body: Int, dot: Int, to out: inout [UInt8]) {
        out.append(contentsOf: uri[body..<dot])
        out.append(contentsOf: uri[(dot + 1)..<(body + 13)])
    }

    /// Whether `uri` holds two digits at `index` followed by `separator`.
    private static func twoDigits(_ uri: [UInt8], _ index: Int, then separator: Unicode.Scalar) -> Bool {
        index + 2 < uri.count && allDigits(uri, index..<(index + 2)) && uri[index + 2] == UInt8(ascii: separator)
    }

    /// Whether `uri` ends with exactly `*` at `index`.
    private static func isStar(_ uri: [UInt8], at index: Int) -> Bool {
        index == uri.count - 1 && uri[index] == UInt8(ascii: "*")
    }

    /// Whether the bytes from `index` to the end are between `count.lowerBound` and `count.upperBound`
    /// characters of the EPC URI alphabet, counting a percent escape as one character.
    private static func epcUnits(_ uri: [UInt8], from index: Int, _ count: ClosedRange<Int>) -> Bool {
        var units = 0
        var i = index
        while i < uri.count {
            if uri[i] == UInt8(ascii: "%") {
                guard i + 2 < uri.count, isEPCEscape(uri[i + 1], uri[i + 2]) else { return false }
                i += 3
            } else {
                guard isEPCCharacter(uri[i]) else { return false }
                i += 1
            }
            units += 1
            if units > count.upperBound { return false }
        }
        return units >= count.lowerBound
    }

    /// The CPI component reference from `index` up to the next dot: 1 to `max` characters of its alphabet.
    private static func cpiReference(_ uri: [UInt8], from index: Int, max: Int) -> Range<Int>? {
        var units = 0
        var i = index
        while i < uri.count && uri[i] != UInt8(ascii: ".") {
            if uri[i] == UInt8(ascii: "%") {
                guard i + 2 < uri.count, isCPIEscape(uri[i + 1], uri[i + 2]) else { return nil }
                i += 3
            } else {
                let byte = uri[i]
                guard isDigit(byte) || (0x41...0x5A).contains(byte) || byte == UInt8(ascii: "-") else { return nil }
                i += 1
            }
            units += 1
        }
        guard (1...max).contains(units) else { return nil }
        return index..<i
    }

    /// The single characters of the EPC URI alphabet: `!'()*+,.0-9:;=A-Za-z_-`.
    private static func isEPCCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"),
            UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: ";"),
            UInt8(ascii: "="), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            isDigit(byte) || isLetter(byte)
        }
    }

    /// The percent escapes the EPC URI alphabet allows (the reference's table, GS1 TDS Table A-1).
    private static func isEPCEscape(_ high: UInt8, _ low: UInt8) -> Bool {
        let hexLetter = (0x41...0x46).contains(low) || (0x61...0x66).contains(low)
        switch high {
        case UInt8(ascii: "2"):
            return (low >= UInt8(ascii: "5") && low <= UInt8(ascii: "9")) || hexLetter
                || low == UInt8(ascii: "1") || low == UInt8(ascii: "2")
        case UInt8(ascii: "3"): return isDigit(low) || hexLetter
        case UInt8(ascii: "4"), UInt8(ascii: "6"): return (isDigit(low) && low != UInt8(ascii: "0")) || hexLetter
        case UInt8(ascii: "5"): return isDigit(low) || "AaFf".utf8.contains(low)
        case UInt8(ascii: "7"): return isDigit(low) || "Aa".utf8.contains(low)
        default: return false
        }
    }

    /// The percent escapes the CPI alphabet allows.
    private static func isCPIEscape(_ high: UInt8, _ low: UInt8) -> Bool {
        switch high {
        case UInt8(ascii: "2"): "3dfDF".utf8.contains(low)
        case UInt8(ascii: "3"): isDigit(low)
        case UInt8(ascii: "4"):
            (isDigit(low) && low != UInt8(ascii: "0")) || (0x41...0x46).contains(low) || (0x61...0x66).contains(low)
        case UInt8(ascii: "5"): isDigit(low) || low == UInt8(ascii: "A") || low == UInt8(ascii: "a")
        default: false
        }
    }

    /// Appends `bytes`, percent-encoding the characters GS1 Digital Link reserves: `!()*+,:`.
    private static func appendPercentEncoded(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            let low: UInt8
            switch byte {
            case UInt8(ascii: "!"): low = UInt8(ascii: "1")
            case UInt8(ascii: "("): low = UInt8(ascii: "8")
            case UInt8(ascii: ")"): low = UInt8(ascii: "9")
            case UInt8(ascii: "*"): low = UInt8(ascii: "A")
            case UInt8(ascii: "+"): low = UInt8(ascii: "B")
            case UInt8(ascii: ","): low = UInt8(ascii: "C")
            case UInt8(ascii: ":"): low = UInt8(ascii: "A")
            default:
                out.append(byte)
                continue
            }
            out.append(UInt8(ascii: "%"))
            out.append(byte == UInt8(ascii: ":") ? UInt8(ascii: "3") : UInt8(ascii: "2"))
            out.append(low)
        }
    }

    /// Appends the GS1 check digit of the digits `out[start...]` (GS1 General Specifications §7.9.1).
    static func appendCheckDigit(to out: inout [UInt8], from start: Int) {
        // Weights 3, 1, 3, … from the rightmost digit.
        var odd = 0
        var even = 0
        var index = out.count - 1
        while index >= start {
            odd &+= Int(out[index] &- UInt8(ascii: "0"))
            index -= 1
            guard index >= start else { break }
            even &+= Int(out[index] &- UInt8(ascii: "0"))
            index -= 1
        }
        let sum = odd &* 3 &+ even
        out.append(UInt8(ascii: "0") + UInt8((10 - sum % 10) % 10))
    }
}

// MARK: - GS1 Digital Link URIs

extension DigitalLink {
    /// The key segments the reference accepts in a Digital Link path, primary keys and short names.
    private static let pathKeys: [[UInt8]] = [
        "01", "gtin", "8006", "itip", "8010", "cpid", "414", "gln", "417", "party", "8017", "gsrnp", "8018",
        "gsrn", "255", "gcn", "00", "sscc", "253", "gdti", "401", "ginc", "402", "gsin", "8003", "grai", "8004",
        "giai",
    ].map { Array($0.utf8) }

    /// The primary keys of a canonical URI on id.gs1.org.
    private static let canonicalKeys: [[UInt8]] = [
        "01", "8006", "8010", "414", "417", "8017", "8018", "255", "00", "253", "401", "402", "8003", "8004",
    ].map { Array($0.utf8) }

    /// Short names and the application identifiers that replace them, in the reference's order.
    private static let shortNames: [(name: [UInt8], ai: [UInt8])] = [
        ("/gtin/", "/01/"), ("/itip/", "/8006/"), ("/cpid/", "/8010/"), ("/gln/", "/414/"), ("/party/", "/417/"),
        ("/gsrnp/", "/8017/"), ("/gsrn/", "/8018/"), ("/gcn/", "/255/"), ("/sscc/", "/00/"), ("/gdti/", "/253/"),
        ("/ginc/", "/401/"), ("/gsin/", "/402/"), ("/grai/", "/8003/"), ("/giai/", "/8004/"), ("/cpv/", "/22/"),
        ("/lot/", "/10/"), ("/ser/", "/21/"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// The keys searched, in this order, to move a URI onto the canonical domain.
    private static let domainKeys: [[UInt8]] = [
        "/00/", "/01/", "/253/", "/255/", "/401/", "/402/", "/414/", "/417/", "/8003/", "/8004/", "/8006/",
        "/8010/", "/8017/", "/8018/",
    ].map { Array($0.utf8) }

    /// Converts a GS1 Digital Link URI on any domain.
    private static func appendDigitalLink(_ uri: [UInt8], to out: inout [UInt8], work w: inout [UInt8]) -> Bool {
        let schemeEnd: Int
        if startsWith(uri, Literal.https, at: 0) {
            schemeEnd = 6
        } else if startsWith(uri, Literal.http, at: 0) {
            schemeEnd = 5
        } else {
            return false
        }
        guard hasKeySegment(uri, from: schemeEnd) else { return false }

        // Drop the query string.
        w.removeAll(keepingCapacity: true)
        w.append(contentsOf: uri[..<(uri.firstIndex(of: UInt8(ascii: "?")) ?? uri.count)])

        // Short names become application identifiers, one name after another as the reference does.
        if mayHoldShortName(w) {
            for (name, ai) in shortNames {
                replaceAll(name, with: ai, in: &w)
            }
        }

        // Move the URI onto id.gs1.org, cutting it at the first key found.
        if !isOnCanonicalDomain(w) {
            for key in domainKeys {
                if let index = firstIndex(of: key, in: w, from: 0) {
                    w.replaceSubrange(0..<index, with: Literal.canonicalHost)
                    break
                }
            }
        }

        // GTIN-8, GTIN-12 and GTIN-13 are padded to 14 digits (every "/01/" is rewritten, as in the reference).
        if let host = canonicalHostEnd(w), startsWith(w, Literal.ai01, at: host) {
            let digits = digitRun(w, from: host + Literal.ai01.count)
            let padding: Int? =
                switch digits {
                case 14...: nil
                case 13: 1
                case 12: 2
                case 8...11: 6
                default: nil
                }
            if let padding {
                replaceAll(
                    Literal.ai01,
                    with: Literal.ai01 + Array(repeating: UInt8(ascii: "0"), count: padding),
                    in: &w
                )
            }
        }

        // Drop the CPV: "/22/cpv" at the end, or before a further key qualifier.
        if let cpv = firstIndex(of: Literal.ai22, in: w, from: 0) {
            let afterCPV = cpv + 4
            if matchesKeyThen(w, Literal.ai22, run: 0...20, allowSlash: false) {
                w.removeSubrange(cpv...)
            } else if matchesKeyThen(w, Literal.ai22, run: 0...20, allowSlash: true),
                let slash = w[afterCPV...].firstIndex(of: UInt8(ascii: "/"))
            {
                w.removeSubrange(cpv..<slash)
            }
        }

        // Keep only the most fine-grained key: a serial number wins over a lot.
        if matchesLotAndSerial(w), let lot = firstIndex(of: Literal.ai10, in: w, from: 0),
            let slash = w[(lot + 4)...].firstIndex(of: UInt8(ascii: "/"))
        {
            w.removeSubrange(lot..<slash)
        }

        guard isValidCanonical(w) else { return false }
        out.append(contentsOf: w)
        return true
    }

    /// Whether the path (before any `?` or `#`) holds `/key/` followed by four digits and one more
    /// character that is not a slash: the reference's test for a Digital Link URI.
    private static func hasKeySegment(_ uri: [UInt8], from start: Int) -> Bool {
        var limit = start
        while limit < uri.count && uri[limit] != UInt8(ascii: "?") && uri[limit] != UInt8(ascii: "#") { limit += 1 }
        var slash = start
        while slash < limit {
            defer { slash += 1 }
            guard uri[slash] == UInt8(ascii: "/") else { continue }
            // The segment up to the next slash must be a key: two to five characters.
            var keyEnd = slash + 1
            while keyEnd < limit && keyEnd - slash <= 6 && uri[keyEnd] != UInt8(ascii: "/") { keyEnd += 1 }
            let length = keyEnd - slash - 1
            guard keyEnd < limit, uri[keyEnd] == UInt8(ascii: "/"), (2...5).contains(length) else { continue }
            // Cheapest test first: four digits and a character that is not a slash follow the key.
            guard keyEnd + 5 < uri.count, allDigits(uri, (keyEnd + 1)..<(keyEnd + 5)),
                uri[keyEnd + 5] != UInt8(ascii: "/")
            else { continue }
            if pathKeys.contains(where: { $0.count == length && startsWith(uri, $0, at: slash + 1) }) {
                return true
            }
        }
        return false
    }

    /// Whether a slash in `uri` is followed by a letter that starts a short name; saves the 17 passes.
    private static func mayHoldShortName(_ uri: [UInt8]) -> Bool {
        var index = 0
        while index + 1 < uri.count {
            if uri[index] == UInt8(ascii: "/") {
                switch uri[index + 1] {
                case UInt8(ascii: "g"), UInt8(ascii: "i"), UInt8(ascii: "c"), UInt8(ascii: "p"), UInt8(ascii: "s"),
                    UInt8(ascii: "l"):
                    for (name, _) in shortNames where startsWith(uri, name, at: index) {
                        return true
                    }
                default:
                    break
                }
            }
            index += 1
        }
        return false
    }

    /// Whether `uri` is on the canonical domain.
    ///
    /// That is: it starts `https://id.gs1.org/<primary key>/`, followed by four digits and a character
    /// that is not a slash. As in the reference's pattern, the dots of the host match any character but
    /// a line feed.
    private static func isOnCanonicalDomain(_ uri: [UInt8]) -> Bool {
        guard let host = canonicalHostEnd(uri), host < uri.count, uri[host] == UInt8(ascii: "/") else { return false }
        for key in canonicalKeys {
            let keyEnd = host + 1 + key.count
            guard keyEnd < uri.count, uri[keyEnd] == UInt8(ascii: "/"), startsWith(uri, key, at: host + 1) else {
                continue
            }
            return keyEnd + 5 < uri.count && allDigits(uri, (keyEnd + 1)..<(keyEnd + 5))
                && uri[keyEnd + 5] != UInt8(ascii: "/")
        }
        return false
    }

    /// The index just after `https://id.gs1.org`, where each dot may be any one character but a line feed.
    private static func canonicalHostEnd(_ uri: [UInt8]) -> Int? {
        guard startsWith(uri, Literal.httpsID, at: 0) else { return nil }
        var index = Literal.httpsID.count
        guard let afterFirst = skipCharacter(uri, at: index), startsWith(uri, Literal.gs1, at: afterFirst) else {
            return nil
        }
        index = afterFirst + Literal.gs1.count
        guard let afterSecond = skipCharacter(uri, at: index), startsWith(uri, Literal.org, at: afterSecond) else {
            return nil
        }
        return afterSecond + Literal.org.count
    }

    /// The index after the one character (UTF-8 sequence) at `index`, unless it is a line feed or missing.
    private static func skipCharacter(_ uri: [UInt8], at index: Int) -> Int? {
        guard index < uri.count, uri[index] != UInt8(ascii: "\n") else { return nil }
        let lead = uri[index]
        let length =
            switch lead {
            case 0xF0...: 4
            case 0xE0...: 3
            case 0xC0...: 2
            default: 1
            }
        return min(index + length, uri.count)
    }

    /// Matches `https://id.gs1.org/8006/<18 digits>` or `…/01/<14 digits>`, then `key`, then a run of
    /// `run` value characters (slashes too when `allowSlash`) to the end.
    private static func matchesKeyThen(
        _ uri: [UInt8],
        _ key: [UInt8],
        run: ClosedRange<Int>,
        allowSlash: Bool
    ) -> Bool {
        guard let afterKey = primaryGTINEnd(uri), startsWith(uri, key, at: afterKey) else { return false }
        let start = afterKey + key.count
        let length = uri.count - start
        return run.contains(length)
            && uri[start...].allSatisfy { isValueCharacter($0) || (allowSlash && $0 == UInt8(ascii: "/")) }
    }

    /// Matches `…/01/<14 digits>/10/<lot>/21/<serial>` (or 8006 with 18 digits) to the end.
    private static func matchesLotAndSerial(_ uri: [UInt8]) -> Bool {
        guard let afterKey = primaryGTINEnd(uri), startsWith(uri, Literal.ai10, at: afterKey) else { return false }
        var index = afterKey + Literal.ai10.count
        let lotStart = index
        while index < uri.count && isValueCharacter(uri[index]) { index += 1 }
        guard index - lotStart <= 20, startsWith(uri, Literal.ai21, at: index) else { return false }
        index += Literal.ai21.count
        return uri.count - index <= 20 && uri[index...].allSatisfy(isValueCharacter)
    }

    /// The index after `https://id.gs1.org/8006/<18 digits>` or `https://id.gs1.org/01/<14 digits>`.
    private static func primaryGTINEnd(_ uri: [UInt8]) -> Int? {
        guard let host = canonicalHostEnd(uri) else { return nil }
        if startsWith(uri, Literal.ai8006, at: host), digitRun(uri, from: host + 6) >= 18 {
            return host + 6 + 18
        }
        if startsWith(uri, Literal.ai01, at: host), digitRun(uri, from: host + 4) >= 14 {
            return host + 4 + 14
        }
        return nil
    }

    /// The reference's final syntax check of a canonical URI.
    private static func isValidCanonical(_ uri: [UInt8]) -> Bool {
        guard let host = canonicalHostEnd(uri) else { return false }
        let m = Matcher(bytes: uri, index: host)
        func attempt(_ pattern: (inout Matcher) -> Bool) -> Bool {
            var copy = m
            return pattern(&copy)
        }
        if attempt({ $0.literal(Literal.ai00) && $0.digits(18) && $0.atEnd }) { return true }
        if attempt({ $0.literal(Literal.ai01) && $0.digits(14) && $0.atEnd }) { return true }
        if attempt({ $0.literal(Literal.ai01) && $0.digits(14) && $0.literal(Literal.ai21) && $0.valueRun(0...20) }) {
            return true
        }
        if attempt({ $0.literal(Literal.ai01) && $0.digits(14) && $0.literal(Literal.ai10) && $0.valueRun(0...20) }) {
            return true
        }
        if attempt({ $0.literal(Literal.ai01) && $0.digits(14) && $0.literal(Literal.ai235) && $0.valueRun(0...28) }) {
            return true
        }
        if attempt({ $0.literal(Literal.ai253) && $0.digits(13) && $0.valueRun(0...17) }) { return true }
        if attempt({ $0.literal(Literal.ai255) && $0.digits(13) && $0.digitRun(0...12) }) { return true }
        if attempt({ $0.literal(Literal.ai401) && $0.valueRun(0...30) }) { return true }
        if attempt({ $0.literal(Literal.ai402) && $0.digits(17) && $0.atEnd }) { return true }
        if attempt({ $0.literal(Literal.ai414) && $0.digits(13) && $0.atEnd }) { return true }
        if attempt({ $0.literal(Literal.ai414) && $0.digits(13) && $0.literal(Literal.ai254) && $0.valueRun(0...20) }) {
            return true
        }
        if attempt({ $0.literal(Literal.ai417) && $0.digits(13) && $0.atEnd }) { return true }
        if attempt({ $0.literal(Literal.ai8003) && $0.digits(14) && $0.valueRun(0...16) }) { return true }
        if attempt({ $0.literal(Literal.ai8004) && $0.valueRun(0...30) }) { return true }
        if attempt({ $0.literal(Literal.ai8006) && $0.digits(18) && $0.literal(Literal.ai21) && $0.valueRun(0...20) }) {
            return true
        }
        if attempt({ $0.literal(Literal.ai8006) && $0.digits(18) && $0.literal(Literal.ai10) && $0.valueRun(0...20) }) {
            return true
        }
        if attempt({ $0.literal(Literal.ai8006) && $0.digits(18) && $0.atEnd }) { return true }
        if attempt({ $0.literal(Literal.ai8010) && $0.cpiWithSerial() }) { return true }
        if attempt({ $0.literal(Literal.ai8017) && $0.digits(18) && $0.atEnd }) { return true }
        if attempt({ $0.literal(Literal.ai8018) && $0.digits(18) && $0.atEnd }) { return true }
        return false
    }

    /// A cursor for the fixed patterns of the final syntax check.
    private struct Matcher {
        let bytes: [UInt8]
        var index: Int

        var atEnd: Bool { index == bytes.count }

        mutating func literal(_ literal: [UInt8]) -> Bool {
            guard DigitalLink.startsWith(bytes, literal, at: index) else { return false }
            index += literal.count
            return true
        }

        mutating func digits(_ count: Int) -> Bool {
            guard index + count <= bytes.count, DigitalLink.allDigits(bytes, index..<(index + count)) else {
                return false
            }
            index += count
            return true
        }

        /// Value characters in `count` to the end of the URI.
        mutating func valueRun(_ count: ClosedRange<Int>) -> Bool {
            count.contains(bytes.count - index) && bytes[index...].allSatisfy(DigitalLink.isValueCharacter)
        }

        /// Digits in `count` to the end of the URI.
        mutating func digitRun(_ count: ClosedRange<Int>) -> Bool {
            count.contains(bytes.count - index) && DigitalLink.allDigits(bytes, index..<bytes.count)
        }

        /// `<CPID>` or `<CPID>/8011/<serial>` to the end, where a CPID is up to 30 of `#-/0-9A-Z`.
        mutating func cpiWithSerial() -> Bool {
            let rest = bytes[index...]
            if rest.count <= 30 && rest.allSatisfy(Self.isCPIDCharacter) { return true }
            var split = index
            while let found = DigitalLink.firstIndex(of: Literal.ai8011, in: bytes, from: split) {
                let serial = found + Literal.ai8011.count
                if found - index <= 30, bytes[index..<found].allSatisfy(Self.isCPIDCharacter),
                    bytes.count - serial <= 12, DigitalLink.allDigits(bytes, serial..<bytes.count)
                {
                    return true
                }
                split = found + 1
            }
            return false
        }

        static func isCPIDCharacter(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "#") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "/")
                || DigitalLink.isDigit(byte) || (0x41...0x5A).contains(byte)
        }
    }

    /// The characters a Digital Link value may hold in the reference's check: `"'-.0-9;<=>?A-Z_a-z`.
    static func isValueCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x22, 0x27, 0x2D, 0x2E, 0x30...0x39, 0x3B...0x3F, 0x41...0x5A, 0x5F, 0x61...0x7A: true
        default: false
        }
    }
}

// MARK: - Byte helpers

extension DigitalLink {
    /// Byte strings the conversions compare against and write.
    private enum Literal {
        static let urnEPC = Array("urn:epc:".utf8)
        static let id = Array("id:".utf8)
        static let idpat = Array("idpat:".utf8)
        static let `class` = Array("class:".utf8)
        static let http = Array("http:".utf8)
        static let https = Array("https:".utf8)
        static let httpsID = Array("https://id".utf8)
        static let gs1 = Array("gs1".utf8)
        static let org = Array("org".utf8)
        static let canonicalHost = Array("https://id.gs1.org".utf8)
        static let host00 = Array("https://id.gs1.org/00/".utf8)
        static let host01 = Array("https://id.gs1.org/01/".utf8)
        static let host253 = Array("https://id.gs1.org/253/".utf8)
        static let host255 = Array("https://id.gs1.org/255/".utf8)
        static let host401 = Array("https://id.gs1.org/401/".utf8)
        static let host402 = Array("https://id.gs1.org/402/".utf8)
        static let host414 = Array("https://id.gs1.org/414/".utf8)
        static let host417 = Array("https://id.gs1.org/417/".utf8)
        static let host8003 = Array("https://id.gs1.org/8003/".utf8)
        static let host8004 = Array("https://id.gs1.org/8004/".utf8)
        static let host8006 = Array("https://id.gs1.org/8006/".utf8)
        static let host8010 = Array("https://id.gs1.org/8010/".utf8)
        static let host8017 = Array("https://id.gs1.org/8017/".utf8)
        static let host8018 = Array("https://id.gs1.org/8018/".utf8)
        static let ai00 = Array("/00/".utf8)
        static let ai01 = Array("/01/".utf8)
        static let ai10 = Array("/10/".utf8)
        static let ai21 = Array("/21/".utf8)
        static let ai22 = Array("/22/".utf8)
        static let ai235 = Array("/235/".utf8)
        static let ai253 = Array("/253/".utf8)
        static let ai254 = Array("/254/".utf8)
        static let ai255 = Array("/255/".utf8)
        static let ai401 = Array("/401/".utf8)
        static let ai402 = Array("/402/".utf8)
        static let ai414 = Array("/414/".utf8)
        static let ai417 = Array("/417/".utf8)
        static let ai8003 = Array("/8003/".utf8)
        static let ai8004 = Array("/8004/".utf8)
        static let ai8006 = Array("/8006/".utf8)
        static let ai8010 = Array("/8010/".utf8)
        static let ai8011 = Array("/8011/".utf8)
        static let ai8017 = Array("/8017/".utf8)
        static let ai8018 = Array("/8018/".utf8)
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    }

    static func allDigits(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        guard range.upperBound <= bytes.count else { return false }
        for index in range where !isDigit(bytes[index]) {
            return false
        }
        return true
    }

    /// The number of digits starting at `index`.
    private static func digitRun(_ bytes: [UInt8], from index: Int) -> Int {
        var end = index
        while end < bytes.count && isDigit(bytes[end]) { end += 1 }
        return end - index
    }

    static func startsWith(_ bytes: [UInt8], _ prefix: [UInt8], at index: Int) -> Bool {
        guard index >= 0, index + prefix.count <= bytes.count else { return false }
        var offset = 0
        while offset < prefix.count {
            if bytes[index + offset] != prefix[offset] { return false }
            offset += 1
        }
        return true
    }

    /// The first index at or after `start` where `needle` occurs in `bytes`.
    static func firstIndex(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == first && startsWith(bytes, needle, at: index) { return index }
            index += 1
        }
        return nil
    }

    /// Replaces every non-overlapping occurrence of `needle`, left to right, like Python's `str.replace`.
    private static func replaceAll(_ needle: [UInt8], with replacement: [UInt8], in bytes: inout [UInt8]) {
        guard var found = firstIndex(of: needle, in: bytes, from: 0) else { return }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 8)
        var copied = 0
        while true {
            result.append(contentsOf: bytes[copied..<found])
            result.append(contentsOf: replacement)
            copied = found + needle.count
            guard let next = firstIndex(of: needle, in: bytes, from: copied) else { break }
            found = next
        }
        result.append(contentsOf: bytes[copied...])
        bytes = result
    }
}
