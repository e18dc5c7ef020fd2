import LedgerCore

/// What one actor holds of one lot: the kilograms, and when the lot first reached it by a shipment.
///
/// The maker holds a lot from the time it was made, which the lot records (``Lot/eventTime``);
/// its holding has no ``since``. An actor that received the lot holds it from the event time of
/// the first shipment that brought it, which the custody rule weighs new events against: an
/// actor cannot use or ship a lot at a time before any of it reached it.
///
/// `sc.holdings` keeps the value as text: the kilograms (`1200.5`), then `@` and the arrival in
/// milliseconds since the Unix epoch for a received holding (`1200.5@1772323200000`). A received
/// holding keeps its row when nothing is left of it, so that its arrival is still known if
/// material comes back (a shipment declared in error); the maker's row goes when it is empty.
public struct Holding: Sendable, Equatable {
    /// The kilograms held.
    public var kg: ExactDecimal
    /// The event time, in UTC milliseconds, of the first shipment that brought the lot to its
    /// holder; `nil` for the maker, which holds it since it was made.
    public var since: Int64?

    /// No row: nothing held, no arrival known.
    static let empty = Holding(kg: .zero, since: nil)

    /// A holding of `kg`, received at `since` (UTC milliseconds) or the maker's when `nil`.
    public init(kg: ExactDecimal, since: Int64? = nil) {
        self.kg = kg
        self.since = since
    }

    /// Whether the row is kept: something is held, or an arrival is remembered.
    var isKept: Bool { kg.isPositive || since != nil }

    /// The holding after `kg` more arrives by a shipment at `time`: the first arrival is kept,
    /// and the maker, while it still holds some, holds it since it was made.
    func receiving(_ kg: ExactDecimal, at time: Int64) -> Holding {
        let total = self.kg.adding(kg) ?? self.kg
        if since == nil && self.kg.isPositive { return Holding(kg: total) }
        return Holding(kg: total, since: min(since ?? time, time))
    }

    /// The holding with `kg` in place of its kilograms, the arrival unchanged.
    func with(kg: ExactDecimal) -> Holding { Holding(kg: kg, since: since) }

    /// The row's text (``Holding``).
    var text: String {
        guard let since else { return kg.description }
        return "\(kg)@\(since)"
    }

    /// Reads a row's text; `nil` when it is not one.
    init?(text: String) {
        // Found by its byte: the rows are ASCII, and a search by `Character` would segment them.
        guard let at = text.utf8.firstIndex(of: UInt8(ascii: "@")) else {
            guard let kg = ExactDecimal(text) else { return nil }
            self.init(kg: kg)
            return
        }
        guard let kg = ExactDecimal(text[..<at]), let since = Int64(text[text.utf8.index(after: at)...]) else {
            return nil
        }
        self.init(kg: kg, since: since)
    }

    /// The arrival as RFC 3339 UTC text, for messages and reports.
    public var sinceText: String? {
        since.map { Timestamp(millisecondsSinceEpoch: $0).rfc3339 }
    }
}
