/// ISO 3166-2 subdivision codes (`CN-SC`, `AU-WA`), checked for what is recorded now.
///
/// As with ``Country``, the form (`CC-` and the facility's country) is checked for every facility,
/// those in the ledger included; the list is checked only for a facility registered now
/// (``problem(_:of:)``), so a ledger written before still replays. The list is ISO 3166-2 as
/// Debian's iso-codes package gives it (``listed``, written by `tools/make_subdivisions.py`).
enum Subdivision {
    /// The listed codes, after `CC-`, by country.
    private static let byCountry: [String: Set<String>] = {
        var byCountry: [String: Set<String>] = [:]
        for line in listed.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let country = words.first else { continue }
            byCountry[String(country), default: []].formUnion(words.dropFirst().map(String.init))
        }
        return byCountry
    }()

    /// Why a new facility in `country` cannot have the subdivision `code`.
    ///
    /// A code not of the form `country-…` is reported by the form check instead.
    ///
    /// - Parameters:
    ///   - code: The subdivision given, such as `CN-SC`.
    ///   - country: The facility's ISO 3166-1 code.
    /// - Returns: The problem, naming the nearest listed code when one alone is nearest, and the
    ///   country's codes (the first eight of a longer list); `nil` when the code is listed.
    static func problem(_ code: String, of country: String) -> String? {
        guard code.hasPrefix(country + "-") else { return nil }
        let part = String(code.dropFirst(country.count + 1))
        guard let listed = byCountry[country] else {
            return "ISO 3166-2 lists no subdivisions of \(country): leave subdivision out"
        }
        guard !listed.contains(part) else { return nil }
        let sorted = listed.sorted()
        // Codes are short: a suggestion only when one code alone is nearest, within one edit.
        let letters = Array(part.utf8)
        let distances = sorted.map { EventVocabulary.editDistance(letters, Array($0.utf8)) }
        let nearest = distances.min() ?? .max
        var text = "\(code) is not an ISO 3166-2 subdivision of \(country)"
        if nearest <= 1, let index = distances.firstIndex(of: nearest), distances.lastIndex(of: nearest) == index {
            text += "; did you mean \(country)-\(sorted[index])?"
        }
        let shown = sorted.count <= 16 ? sorted : Array(sorted.prefix(8))
        text += " (\(country)'s: " + shown.map { "\(country)-\($0)" }.joined(separator: ", ")
        return text + (shown.count < sorted.count ? ", and \(sorted.count - shown.count) more)" : ")")
    }
}
