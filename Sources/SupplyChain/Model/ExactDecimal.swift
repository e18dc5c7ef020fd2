import LedgerCore

/// A decimal number held exactly: `significand × 10^exponent`.
///
/// Quantities in CellTrace are exact: a shipment of 1.1 TNE is 1100 kg, not 1100.0000000000002,
/// and a lot's balance is the exact difference of what was made and what was used. Values are
/// always normalised (no trailing zeros in the significand), so equal numbers compare equal.
/// In JSON they travel as strings in plain notation (`"1100"`, `"0.45359237"`).
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The significand, without trailing decimal zeros.
    public private(set) var significand: Int128
    /// The power of ten.
    public private(set) var exponent: Int

    /// Zero.
    public static let zero = ExactDecimal(significand: 0, exponent: 0)
    /// One.
    public static let one = ExactDecimal(significand: 1, exponent: 0)

    /// The largest magnitude of significand kept: 10^36, well inside `Int128`.
    static let limit: Int128 = 1_000_000_000_000_000_000 * 1_000_000_000_000_000_000

    /// Creates `significand × 10^exponent`, normalised.
    public init(significand: Int128, exponent: Int) {
        var significand = significand
        var exponent = exponent
        if significand == 0 {
            exponent = 0
        } else {
            while significand % 10 == 0 {
                significand /= 10
                exponent += 1
            }
        }
        self.significand = significand
        self.exponent = exponent
    }

    /// Creates an integer.
    public init(_ value: Int) {
        self.init(significand: Int128(value), exponent: 0)
    }

    /// Parses plain or scientific decimal notation: `12`, `-0.5`, `1.25e3`.
    ///
    /// Returns `nil` for anything else, including `NaN`, infinities, hexadecimal and values with
    /// more than 36 significant digits. Leading and trailing zeros are not significant, so that
    /// ``description`` (which writes `1e38` as its 39 digits) always reads back.
    public init?(_ text: some StringProtocol) {
        var significand: Int128 = 0
        var exponent = 0
        var digits = 0
        var sawDigit = false
        var negative = false
        var utf8 = Substring(text).utf8[...]
        if let first = utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        var afterPoint = false
        // Zeros after the last non-zero digit, not yet in the significand: they count only if a
        // non-zero digit follows them; those after the point change nothing otherwise.
        var pendingZeros = 0
        var pendingAfterPoint = 0
        while let byte = utf8.first {
            if byte >= 0x30 && byte <= 0x39 {
                sawDigit = true
                if byte == 0x30 {
                    if significand == 0 {
                        if afterPoint { exponent -= 1 }
                    } else {
                        pendingZeros += 1
                        if afterPoint { pendingAfterPoint += 1 }
                    }
                } else {
                    digits += pendingZeros + 1
                    guard digits <= 36 else { return nil }
                    for _ in 0...pendingZeros { significand *= 10 }
                    significand += Int128(byte - 0x30)
                    exponent -= pendingAfterPoint + (afterPoint ? 1 : 0)
                    pendingZeros = 0
                    pendingAfterPoint = 0
                }
            } else if byte == UInt8(ascii: "."), !afterPoint {
                afterPoint = true
            } else {
                break
            }
            utf8 = utf8.dropFirst()
        }
        guard sawDigit else { return nil }
        exponent += pendingZeros - pendingAfterPoint
        if let byte = utf8.first, byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            utf8 = utf8.dropFirst()
            var exponentNegative = false
            if let sign = utf8.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                exponentNegative = sign == UInt8(ascii: "-")
                utf8 = utf8.dropFirst()
            }
            var value = 0
            var sawExponentDigit = false
            while let byte = utf8.first, byte >= 0x30 && byte <= 0x39 {
                sawExponentDigit = true
                value = value * 10 + Int(byte - 0x30)
                guard value < 10_000 else { return nil }
                utf8 = utf8.dropFirst()
            }
            guard sawExponentDigit else { return nil }
            exponent += exponentNegative ? -value : value
        }
        guard utf8.isEmpty else { return nil }
        self.init(significand: negative ? -significand : significand, exponent: exponent)
        // Zeros before or after the digits move the exponent without bound: kept within reach.
        guard self.exponent.magnitude <= Self.exponentLimit else { return nil }
    }

    /// The largest magnitude of exponent a decimal read from text may have (`1e9999` and
    /// `0.` followed by 9,999 zeros and a digit are within it).
    static let exponentLimit = 10_000

    /// The exact decimal that a JSON number stands for: the shortest decimal that round-trips to
    /// the same double (RFC 8785 / ECMAScript formatting), which is what the sender wrote for any
    /// number of up to 15 significant digits.
    ///
    /// Returns `nil` for non-finite numbers.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        // An integer below 2^53 prints as its digits: no need to format and parse them.
        if value.magnitude < 9_007_199_254_740_992, value == value.rounded(.towardZero) {
            self.init(significand: Int128(Int64(value)), exponent: 0)
            return
        }
        self.init(JSONValue.canonicalNumber(value))
    }

    /// Whether the value is greater than zero.
    public var isPositive: Bool { significand > 0 }
    /// Whether the value is less than zero.
    public var isNegative: Bool { significand < 0 }

    /// The nearest double.
    ///
    /// A significand below 2^53 with a power of ten up to 10^22 converts with one rounding (both
    /// are exact doubles, so one multiplication or division rounds once, as the parser would);
    /// other values go through the decimal text.
    public var doubleValue: Double {
        let magnitude = significand.magnitude
        if magnitude < 1 << 53, exponent >= -22, exponent <= 22 {
            let value = Double(Int64(truncatingIfNeeded: significand))
            let scale = Self.exactPowersOfTen[abs(exponent)]
            return exponent < 0 ? value / scale : value * scale
        }
        return Double(description) ?? .nan
    }

    /// 10^0 … 10^22, every one exactly representable as a double.
    private static let exactPowersOfTen: [Double] = (0...22).map { power in
        (0..<power).reduce(1.0) { value, _ in value * 10 }
    }

    /// Plain decimal notation without exponent or trailing zeros: `1100`, `0.45359237`, `-2.5`.
    public var description: String {
        let negative = significand < 0
        let digits = String(negative ? -significand : significand)
        var text: String
        if exponent >= 0 {
            text = digits + String(repeating: "0", count: significand == 0 ? 0 : exponent)
        } else {
            let point = digits.count + exponent
            if point > 0 {
                let index = digits.index(digits.startIndex, offsetBy: point)
                text = digits[..<index] + "." + digits[index...]
            } else {
                text = "0." + String(repeating: "0", count: -point) + digits
            }
        }
        return negative ? "-" + text : text
    }

    /// Aligns two values to the smaller exponent, or `nil` when that would overflow.
    private static func aligned(_ lhs: ExactDecimal, _ rhs: ExactDecimal) -> (Int128, Int128, Int)? {
        let exponent = min(lhs.exponent, rhs.exponent)
        func scaled(_ value: ExactDecimal) -> Int128? {
            var significand = value.significand
            for _ in 0..<(value.exponent - exponent) {
                let (product, overflow) = significand.multipliedReportingOverflow(by: 10)
                guard !overflow, product.magnitude <= limit.magnitude else { return nil }
                significand = product
            }
            return significand
        }
        guard let left = scaled(lhs), let right = scaled(rhs) else { return nil }
        return (left, right, exponent)
    }

    /// The exact sum, or `nil` when it needs more than 36 significant digits.
    public func adding(_ other: ExactDecimal) -> ExactDecimal? {
        if significand == 0 { return other }
        if other.significand == 0 { return self }
        guard let (left, right, exponent) = Self.aligned(self, other) else { return nil }
        let sum = left + right
        guard sum.magnitude <= Self.limit.magnitude else { return nil }
        return ExactDecimal(significand: sum, exponent: exponent)
    }

    /// The exact difference, or `nil` when it needs more than 36 significant digits.
    public func subtracting(_ other: ExactDecimal) -> ExactDecimal? {
        adding(ExactDecimal(significand: -other.significand, exponent: other.exponent))
    }

    /// The exact product, or `nil` when it needs more than 36 significant digits.
    public func multiplied(by other: ExactDecimal) -> ExactDecimal? {
        let (product, overflow) = significand.multipliedReportingOverflow(by: other.significand)
        guard !overflow, product.magnitude <= Self.limit.magnitude else { return nil }
        return ExactDecimal(significand: product, exponent: exponent + other.exponent)
    }

    /// Numeric order.
    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool {
        if lhs.significand.signum() != rhs.significand.signum() {
            return lhs.significand.signum() < rhs.significand.signum()
        }
        if let (left, right, _) = aligned(lhs, rhs) {
            return left < right
        }
        // Too far apart to align: the one with the larger magnitude exponent dominates.
        let lhsMagnitude = lhs.exponent + String(lhs.significand.magnitude).count
        let rhsMagnitude = rhs.exponent + String(rhs.significand.magnitude).count
        return lhs.significand > 0 ? lhsMagnitude < rhsMagnitude : lhsMagnitude > rhsMagnitude
    }
}

extension ExactDecimal {
    /// `self × factor ÷ divisor`, rounded half-even to `fractionDigits` decimal places.
    ///
    /// The product is kept whole, in up to 256 bits, so that two masses of 36 digits each still
    /// give their exact share: a lineage edge's kilograms are an input's × an output's ÷ all the
    /// outputs'. `factor` is `.one` for a plain quotient.
    ///
    /// - Returns: The result, or `nil` for a zero divisor, or when the product scaled to
    ///   `fractionDigits` needs more than 256 bits, the divisor so scaled more than 128, or the
    ///   result more than 36 digits.
    public func multiplied(
        by factor: ExactDecimal = .one,
        dividedBy divisor: ExactDecimal,
        fractionDigits: Int = 9
    ) -> ExactDecimal? {
        guard divisor.significand != 0 else { return nil }
        // self × factor ÷ divisor × 10^f = (sa × sb ÷ sd) × 10^(ea + eb − ed + f)
        var numerator = Wide(significand.magnitude, times: factor.significand.magnitude)
        var denominator = divisor.significand.magnitude
        var shift = exponent + factor.exponent - divisor.exponent + fractionDigits
        while shift > 0 {
            guard numerator.multiplyByTen() else { return nil }
            shift -= 1
        }
        while shift < 0 {
            let (product, overflow) = denominator.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            denominator = product
            shift += 1
        }
        // A quotient of 128 bits or more is beyond the 36 digits kept anyway.
        guard numerator.high < denominator else { return nil }
        var (quotient, remainder) = denominator.dividingFullWidth((numerator.high, numerator.low))
        // Checked before rounding too, so that rounding up cannot overflow.
        guard quotient <= Self.limit.magnitude else { return nil }
        let rest = denominator - remainder
        if remainder > rest || (remainder == rest && quotient & 1 == 1) {
            quotient += 1
        }
        guard quotient <= Self.limit.magnitude else { return nil }
        let negative = ((significand < 0) != (factor.significand < 0)) != (divisor.significand < 0)
        return ExactDecimal(significand: negative ? -Int128(quotient) : Int128(quotient), exponent: -fractionDigits)
    }

    /// Whether `self` is greater than `a × b`, decided exactly however many digits the product
    /// has: the outputs weighed against the inputs × a declared yield.
    public func exceeds(productOf a: ExactDecimal, and b: ExactDecimal) -> Bool {
        let sign = significand.signum()
        let productSign = a.significand.signum() * b.significand.signum()
        guard sign == productSign else { return sign > productSign }
        guard sign != 0 else { return false }
        let larger = Wide.compare(
            Wide(significand.magnitude, times: 1),
            exponent,
            Wide(a.significand.magnitude, times: b.significand.magnitude),
            a.exponent + b.exponent
        )
        // Of two negative numbers the one of smaller magnitude is the greater.
        return sign > 0 ? larger == .left : larger == .right
    }

    /// An unsigned integer of 256 bits: a product of two significands, scaled by powers of ten.
    private struct Wide {
        var high: UInt128
        var low: UInt128

        init(_ a: UInt128, times b: UInt128) {
            (high, low) = a.multipliedFullWidth(by: b)
        }

        /// Multiplies by ten, or returns `false` (and leaves the value) when that needs more than
        /// 256 bits.
        mutating func multiplyByTen() -> Bool {
            let (highTimesTen, overflow) = high.multipliedReportingOverflow(by: 10)
            let carried = low.multipliedFullWidth(by: 10)
            let (newHigh, carry) = highTimesTen.addingReportingOverflow(carried.high)
            guard !overflow, !carry else { return false }
            (high, low) = (newHigh, carried.low)
            return true
        }

        enum Larger { case left, right, neither }

        /// Which of `left × 10^leftExponent` and `right × 10^rightExponent` is larger.
        static func compare(_ left: Wide, _ leftExponent: Int, _ right: Wide, _ rightExponent: Int) -> Larger {
            var (left, right) = (left, right)
            // The one with the larger exponent is scaled to the other's: one that outgrows 256
            // bits is larger than the other, which fits in them (neither is zero).
            for _ in 0..<max(0, leftExponent - rightExponent) {
                guard left.multiplyByTen() else { return .left }
            }
            for _ in 0..<max(0, rightExponent - leftExponent) {
                guard right.multiplyByTen() else { return .right }
            }
            if (left.high, left.low) == (right.high, right.low) { return .neither }
            return (left.high, left.low) > (right.high, right.low) ? .left : .right
        }
    }
}
