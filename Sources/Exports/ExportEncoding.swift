public import LedgerCore
import SupplyChain

/// How export documents are written: indented JSON with sorted keys, and decimals as plain text.
///
/// Exports are read by people and diffed against golden files, so they are indented (two spaces)
/// with members in code-unit order, slashes unescaped and one newline at the end
/// (`JSONValue.prettyString`). Numbers and strings are written as RFC 8785 writes them, so the
/// same document always gives the same bytes.
public enum ExportEncoding {
    /// The document's bytes.
    ///
    /// - Parameter value: The document.
    /// - Returns: Indented UTF-8 JSON ending in a newline.
    public static func pretty(_ value: JSONValue) -> [UInt8] {
        Array(value.prettyString.utf8)
    }

    /// `value` as a plain decimal (no exponent), rounded to `significantDigits` and without
    /// trailing zeros: the form PACT's `Decimal` type takes (`^[+-]?\d+(\.\d+)?$`).
    ///
    /// Twelve significant digits keep every figure the engine computes (sums of doubles carry
    /// about fifteen) while dropping the binary noise of the last places (`1.0800000000000003`
    /// becomes `1.08`).
    ///
    /// - Parameters:
    ///   - value: A finite number.
    ///   - significantDigits: How many significant digits to keep.
    /// - Returns: The decimal text; `0` for zero, non-finite values and anything that rounds to zero.
    public static func decimal(_ value: Double, significantDigits: Int = 12) -> String {
        guard let exact = ExactDecimal(value), exact.significand != 0 else { return "0" }
        var significand = exact.significand
        var exponent = exact.exponent
        let digits = String(significand.magnitude).count
        if digits > significantDigits {
            var divisor: Int128 = 1
            for _ in 0..<(digits - significantDigits) { divisor *= 10 }
            let (quotient, remainder) = significand.quotientAndRemainder(dividingBy: divisor)
            significand = quotient
            if remainder.magnitude * 2 >= divisor.magnitude { significand += significand < 0 ? -1 : 1 }
            exponent += digits - significantDigits
        }
        guard significand != 0 else { return "0" }
        while significand % 10 == 0 {
            significand /= 10
            exponent += 1
        }
        return ExactDecimal(significand: significand, exponent: exponent).description
    }

    /// `time` in RFC 3339, UTC, without the milliseconds when they are zero:
    /// `2026-01-05T08:00:00Z`, `2026-01-31T23:59:59.999Z`.
    ///
    /// - Parameter time: The time.
    /// - Returns: The text.
    public static func dateTime(_ time: Timestamp) -> String {
        let text = time.rfc3339
        return text.hasSuffix(".000Z") ? String(text.dropLast(5)) + "Z" : text
    }
}
