import LedgerCore

/// Text pieces of generated EPCIS: times in a site's zone, quantities, padded counters.
enum GeneratedText {
    /// `value` in decimal with at least `digits` digits.
    static func padded(_ value: Int, _ digits: Int) -> String {
        let text = String(value)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }

    /// The local date as `YYMMDD`, for lot numbers.
    static func localDate(_ milliseconds: Int64, offset: Int64) -> String {
        let text = Timestamp(millisecondsSinceEpoch: milliseconds + offset).rfc3339
        let bytes = Array(text.utf8)
        return String(decoding: bytes[2..<4] + bytes[5..<7] + bytes[8..<10], as: UTF8.self)
    }

    /// An EPCIS date-time in the site's zone: `2026-03-15T08:30:00+08:00`.
    static func time(_ milliseconds: Int64, zone: String, offset: Int64) -> String {
        String(Timestamp(millisecondsSinceEpoch: milliseconds + offset).rfc3339.prefix(19)) + zone
    }

    /// A UTC date-time: `2026-03-15T00:30:00.000Z`.
    static func utc(_ milliseconds: Int64) -> String {
        Timestamp(millisecondsSinceEpoch: milliseconds).rfc3339
    }

    /// A whole number of `10^-places` units as a JSON number without trailing zeros (`12.5`, `7`,
    /// `0.001` for places 3).
    static func scaled(_ value: Int64, places: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let whole = value / scale
        var fraction = value % scale
        guard fraction != 0 else { return String(whole) }
        var digits = places
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        return String(whole) + "." + padded(Int(fraction), digits)
    }

    /// A mass element for a whole number of grams, in tonnes or kilograms: `"quantity":12.5,"uom":"TNE"`,
    /// `"quantity":0.9,"uom":"KGM"`.
    static func mass(grams: Int64, tonnes: Bool) -> String {
        tonnes
            ? "\"quantity\":\(scaled(grams, places: 6)),\"uom\":\"TNE\""
            : "\"quantity\":\(scaled(grams, places: 3)),\"uom\":\"KGM\""
    }

    /// A positive amount rounded to a whole number (at least 1).
    static func whole(_ value: Double) -> String {
        String(max(1, Int64(value.rounded())))
    }

    /// A decimal string with `digits` fraction digits, for prices and factors.
    static func decimal(_ value: Double, digits: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((value * Double(scale)).rounded())
        let text = padded(Int(scaled % scale), digits)
        return String(scaled / scale) + (digits > 0 ? "." + text : "")
    }
}
