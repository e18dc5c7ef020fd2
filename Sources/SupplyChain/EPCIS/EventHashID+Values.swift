// Value canonicalisation for the EPCIS Event Hash ID: what the reference implementation's
// `_canonize_value` and `_fix_time_stamp_format` do to each value, on UTF-8 bytes.

extension EventHashID {
    /// Appends the canonical form of a (trimmed, non-empty) value: CBV URNs become web URIs, numbers
    /// lose trailing zeros, and GS1 keys become canonical GS1 Digital Link URIs.
    ///
    /// - Parameters:
    ///   - value: The value's UTF-8 bytes.
    ///   - out: Receives the canonical form.
    ///   - work: Scratch space, reused between calls.
    ///   - vocabulary: More scratch space, for values that name CBV URNs.
    static func appendCanonical(
        _ value: [UInt8],
        to out: inout [UInt8],
        work: inout [UInt8],
        vocabulary: inout [UInt8]
    ) {
        var text = value
        if rewritingCBVURNs(value, into: &vocabulary) {
            text = vocabulary
        }
        if let number = PythonFloat.parse(text) {
            if number.isFinite {
                appendNumber(number, to: &out)
                return
            }
            // The reference leaves NaN alone and fails on an infinity; both are kept as written.
        }
        if DigitalLink.appendCanonical(of: text, to: &out, work: &work) { return }
        out.append(contentsOf: text)
    }

    // MARK: CBV URNs

    /// The CBV 1.x URN prefixes and the CBV 2.0 web URI prefixes that replace them.
    private static let cbvURNPrefix = Array("urn:epcglobal:cbv:".utf8)
    private static let cbvURNKinds: [(kind: [UInt8], web: [UInt8])] = [
        ("bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
        ("disp:", "https://ref.gs1.org/cbv/Disp-"),
        ("btt:", "https://ref.gs1.org/cbv/BTT-"),
        ("sdt:", "https://ref.gs1.org/cbv/SDT-"),
        ("er:", "https://ref.gs1.org/cbv/ER-"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// Writes `value` with every `urn:epcglobal:cbv:bizstep:`, `…:disp:`, `…:btt:`, `…:sdt:` and
    /// `…:er:` replaced by its web URI prefix, wherever it occurs, as the reference's string replacements do.
    ///
    /// - Returns: Whether anything was replaced; `rewritten` holds the result only then.
    private static func rewritingCBVURNs(_ value: [UInt8], into rewritten: inout [UInt8]) -> Bool {
        guard var found = firstCBVURN(in: value, from: 0) else { return false }
        rewritten.removeAll(keepingCapacity: true)
        var copied = 0
        var replaced = false
        while true {
            let kindStart = found + cbvURNPrefix.count
            if let (kind, web) = cbvURNKinds.first(where: { DigitalLink.startsWith(value, $0.kind, at: kindStart) }) {
                rewritten.append(contentsOf: value[copied..<found])
                rewritten.append(contentsOf: web)
                copied = kindStart + kind.count
                replaced = true
            }
            guard let next = firstCBVURN(in: value, from: max(copied, found + 1)) else {
                break
            }
            found = next
        }
        rewritten.append(contentsOf: value[copied...])
        return replaced
    }

    /// How far the search for `urn:epcglobal:cbv:` may move on, by the byte under the pattern's last
    /// position (Boyer–Moore–Horspool), so that most values are ruled out after a few reads.
    private static let cbvURNShift: [Int] = {
        let pattern = Array("urn:epcglobal:cbv:".utf8)
        var shift = Array(repeating: pattern.count, count: 256)
        for (index, byte) in pattern.dropLast().enumerated() {
            shift[Int(byte)] = pattern.count - 1 - index
        }
        return shift
    }()

    /// The first index at or after `start` where `urn:epcglobal:cbv:` occurs.
    private static func firstCBVURN(in value: [UInt8], from start: Int) -> Int? {
        let length = cbvURNPrefix.count
        var index = start
        while index + length <= value.count {
            let last = value[index + length - 1]
            if last == UInt8(ascii: ":") && DigitalLink.startsWith(value, cbvURNPrefix, at: index) { return index }
            index += cbvURNShift[Int(last)]
        }
        return nil
    }

    // MARK: Numbers

    /// Appends a number as the reference writes it: an integral value as an integer (`26`, not
    /// `26.0`), anything else as Python's `repr`, the shortest digits that read back to the same double.
    ///
    /// - Parameters:
    ///   - number: A finite number.
    ///   - out: Receives the digits.
    static func appendNumber(_ number: Double, to out: inout [UInt8]) {
        guard number == number.rounded(.towardZero) else {
            // Swift's description is the shortest round-trip form, as Python's repr is, and switches
            // to exponent form below 1e-4 as repr does; larger non-integral doubles are below 2^52.
            out.append(contentsOf: number.description.utf8)
            return
        }
        if abs(number) < 9.0e18 {
            out.append(contentsOf: String(Int64(number)).utf8)
        } else {
            appendLargeInteger(number, to: &out)
        }
    }

    /// Appends the exact decimal value of an integral double of magnitude 2^63 or more, as Python's
    /// `int(float)` gives it.
    private static func appendLargeInteger(_ number: Double, to out: inout [UInt8]) {
        if number < 0 { out.append(UInt8(ascii: "-")) }
        // number = significand · 2^shift, with a 53-bit integer significand.
        let significand = number.significandBitPattern | (1 << 52)
        let shift = Int(number.exponent) - 52
        // Little-endian limbs of nine decimal digits each.
        var limbs: [UInt64] = [significand % 1_000_000_000, significand / 1_000_000_000 % 1_000_000_000]
        limbs.append(significand / 1_000_000_000_000_000_000)
        for _ in 0..<shift {
            var carry: UInt64 = 0
            for index in limbs.indices {
                let doubled = limbs[index] * 2 + carry
                limbs[index] = doubled % 1_000_000_000
                carry = doubled / 1_000_000_000
            }
            if carry > 0 { limbs.append(carry) }
        }
        while limbs.count > 1 && limbs[limbs.count - 1] == 0 { limbs.removeLast() }
        out.append(contentsOf: String(limbs[limbs.count - 1]).utf8)
        for limb in limbs.dropLast().reversed() {
            let digits = String(limb)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 9 - digits.utf8.count))
            out.append(contentsOf: digits.utf8)
        }
    }

    /// Python's `float()` grammar, which the reference uses to decide whether a value is a number.
    enum PythonFloat {
        /// The value of `text` when it is a Python float literal.
        ///
        /// A literal is an optional sign, then digits with single underscores between them, an optional
        /// fraction and exponent; or `inf`, `infinity`, `nan` in any case. Only ASCII digits are recognised.
        ///
        /// - Parameter text: Trimmed UTF-8 bytes.
        /// - Returns: The number (possibly infinite or NaN), or `nil` when `text` is not a float literal.
        static func parse(_ text: [UInt8]) -> Double? {
            guard let first = text.first else { return nil }
            switch first {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "i"), UInt8(ascii: "I"), UInt8(ascii: "n"), UInt8(ascii: "N"):
                break
            default:
                return nil
            }
            var index = 0
            var negative = false
            if text[0] == UInt8(ascii: "+") || text[0] == UInt8(ascii: "-") {
                negative = text[0] == UInt8(ascii: "-")
                index = 1
            }
            if index < text.count && (text[index] | 0x20) >= UInt8(ascii: "a") {
                let word = text[index...].lazy.map { $0 | 0x20 }  // ASCII lower case
                if word.elementsEqual("inf".utf8) || word.elementsEqual("infinity".utf8) {
                    return negative ? -.infinity : .infinity
                }
                return word.elementsEqual("nan".utf8) ? .nan : nil
            }

            var literal: [UInt8] = []
            literal.reserveCapacity(text.count)
            if negative { literal.append(UInt8(ascii: "-")) }
            let integerDigits = digitPart(text, &index, into: &literal)
            var fractionDigits = 0
            if index < text.count && text[index] == UInt8(ascii: ".") {
                literal.append(UInt8(ascii: "."))
                index += 1
                fractionDigits = digitPart(text, &index, into: &literal)
                guard fractionDigits >= 0 else { return nil }
            }
            guard integerDigits >= 0, integerDigits + fractionDigits > 0 else { return nil }
            if index < text.count && (text[index] | 0x20) == UInt8(ascii: "e") {
                literal.append(UInt8(ascii: "e"))
                index += 1
                if index < text.count && (text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-")) {
                    literal.append(text[index])
                    index += 1
                }
                guard digitPart(text, &index, into: &literal) > 0 else { return nil }
            }
            guard index == text.count else { return nil }
            if literal.last == UInt8(ascii: ".") { literal.removeLast() }
            if literal.first == UInt8(ascii: ".") || literal.starts(with: "-.".utf8) {
                literal.insert(UInt8(ascii: "0"), at: negative ? 1 : 0)
            }
            return Double(String(decoding: literal, as: UTF8.self))
        }

        /// Reads `digit (["_"] digit)*` from `index`, copying the digits.
        ///
        /// - Returns: The number of digits read (0 when there is none), or -1 for a misplaced underscore.
        private static func digitPart(_ text: [UInt8], _ index: inout Int, into literal: inout [UInt8]) -> Int {
            var count = 0
            while index < text.count {
                let byte = text[index]
                if DigitalLink.isDigit(byte) {
                    literal.append(byte)
                    count += 1
                    index += 1
                } else if byte == UInt8(ascii: "_") {
                    guard count > 0, index + 1 < text.count, DigitalLink.isDigit(text[index + 1]) else { return -1 }
                    index += 1
                } else {
                    break
                }
            }
            return count
        }
    }

    // MARK: Whitespace

    /// Removes leading and trailing whitespace as Python's `str.strip()` does: ASCII whitespace,
    /// U+001C to U+001F, U+0085, U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.
    ///
    /// - Parameter bytes: UTF-8 bytes, trimmed in place.
    static func strip(_ bytes: inout [UInt8]) {
        var end = bytes.count
        while end > 0 {
            // The last scalar starts at the last byte that is not a continuation byte.
            var start = end - 1
            while start > 0 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
            guard isWhitespace(bytes, at: start, length: end - start) else { break }
            end = start
        }
        var begin = 0
        while begin < end {
            let length = scalarLength(bytes[begin])
            guard isWhitespace(bytes, at: begin, length: length) else { break }
            begin += length
        }
        if end < bytes.count { bytes.removeSubrange(end...) }
        if begin > 0 { bytes.removeSubrange(..<begin) }
    }

    private static func scalarLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: 4
        case 0xE0...: 3
        case 0xC0...: 2
        default: 1
        }
    }

    /// Whether the scalar of `length` bytes at `index` is whitespace for Python.
    private static func isWhitespace(_ bytes: [UInt8], at index: Int, length: Int) -> Bool {
        guard index + length <= bytes.count else { return false }
        let b0 = bytes[index]
        switch length {
        case 1:
            return b0 == 0x20 || (0x09...0x0D).contains(b0) || (0x1C...0x1F).contains(b0)
        case 2:
            return b0 == 0xC2 && (bytes[index + 1] == 0x85 || bytes[index + 1] == 0xA0)
        case 3:
            let b1 = bytes[index + 1]
            let b2 = bytes[index + 2]
            switch (b0, b1) {
            case (0xE1, 0x9A): return b2 == 0x80  // U+1680
            case (0xE2, 0x80): return (0x80...0x8A).contains(b2) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF
            case (0xE2, 0x81): return b2 == 0x9F  // U+205F
            case (0xE3, 0x80): return b2 == 0x80  // U+3000
            default: return false
            }
        default:
            return false
        }
    }
}
