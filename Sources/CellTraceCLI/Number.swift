/// Numbers for terminal output: fixed decimals without Foundation.
enum Number {
    /// `value` with `digits` decimals, rounded half away from zero.
    static func fixed(_ value: Double, _ digits: Int = 2) -> String {
        guard value.isFinite else { return value.isNaN ? "-" : (value > 0 ? "∞" : "-∞") }
        // From 10^15 on a double's spacing nears 1 (it is 1 at 2^53), so it has no decimals worth
        // printing: the shortest form that reads back instead.
        guard abs(value) < 1e15 else { return value.description }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let negative = value < 0 && scaled > 0
        let whole = (scaled / scale).rounded(.down)
        var text = String(Int64(whole))
        if digits > 0 {
            let fraction = String(Int64(scaled - whole * scale))
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return negative ? "-" + text : text
    }

    /// Three significant figures at least, for quantities that span orders of magnitude.
    static func significant(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 100 { return fixed(value, 0) }
        if magnitude >= 1 { return fixed(value, 2) }
        if magnitude >= 0.01 { return fixed(value, 4) }
        return fixed(value, 6)
    }

    /// `value` with at most `digits` decimals, trailing zeros dropped: `110.4`, not `110` or `110.4000`.
    ///
    /// For a figure a reader recomputes from others (a product of a few-decimal value and whole
    /// numbers), where rounding to significant figures would print an equation that does not hold.
    static func trimmed(_ value: Double, upTo digits: Int) -> String {
        var text = fixed(value, digits)
        guard digits > 0, text.contains(".") else { return text }
        while text.last == "0" { text.removeLast() }
        if text.last == "." { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// A count and its noun, singular for one: `1 entry`, `2 entries`.
    static func count<Count: BinaryInteger>(_ count: Count, _ singular: String, _ plural: String) -> String {
        "\(count) \(count == 1 ? singular : plural)"
    }

    /// A share as a percentage with one decimal.
    static func percent(_ share: Double) -> String {
        fixed(share * 100, 1) + " %"
    }
}
