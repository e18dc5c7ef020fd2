public import LedgerCore
import SupplyChain

/// When a query is answered: the ledger as it stood after its first `size` entries.
///
/// Every provenance and carbon answer is computed as of a size; the default is the ledger's size
/// when the query's snapshot was taken. A time is turned into the size of the ledger at that time:
/// the entries recorded at or before it.
public enum PointInTime: Sendable, Hashable {
    /// The ledger as it is now.
    case now
    /// The ledger after its first `n` entries.
    case size(UInt64)
    /// The ledger as it stood at a time.
    case time(Timestamp)

    /// Reads `--as-of` text: a whole number is a ledger size, anything else a time
    /// (`2026-03-01`, `2026-03-01T12:00:00Z`, `2026-03-01T20:00:00+08:00`).
    public init?(argument text: String) {
        if let size = UInt64(text) {
            self = .size(size)
        } else if let time = Self.time(text) {
            self = .time(time)
        } else {
            return nil
        }
    }

    /// Parses a date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 date-time with its zone.
    ///
    /// Digits past the millisecond are dropped, not rounded: entries are stamped to the
    /// millisecond, so one stamped in the next millisecond was recorded after the time asked for.
    public static func time(_ text: String) -> Timestamp? {
        if text.utf8.count == 10, let date = Timestamp(rfc3339: text + "T00:00:00.000Z") { return date }
        var text = Substring(text)
        if let point = text.firstIndex(of: ".") {
            let digits = text[text.index(after: point)...].prefix { $0.isASCII && $0.isNumber }
            if digits.count > 3 {
                text = text[..<digits.index(digits.startIndex, offsetBy: 3)] + text[digits.endIndex...]
            }
        }
        return EventTimeText.utcMilliseconds(String(text)).map(Timestamp.init(millisecondsSinceEpoch:))
    }

    /// The ledger size this point names, given the ledger and its size now.
    ///
    /// For a time, the entries recorded at or before it: a binary search on entry times, which
    /// the ledger records in order.
    public func size(in ledger: Ledger, now: UInt64) throws -> UInt64 {
        switch self {
        case .now: return now
        case .size(let size):
            // A size past the end is a mistake (`20260301` for a date), not the ledger as it is.
            guard size <= now else {
                throw ProvenanceError(
                    "--as-of \(size) is past the ledger's \(now) entries: a whole number is a ledger size (a date is written 2026-03-01)"
                )
            }
            return size
        case .time(let time):
            return try (0..<now).partitionPoint { try ledger.entry(at: $0).time > time }
        }
    }
}
