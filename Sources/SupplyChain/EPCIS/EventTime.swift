import LedgerCore

/// EPCIS date-times turned into UTC milliseconds, read exactly as the Event Hash ID reads them.
enum EventTime {
    /// Parses an EPCIS `eventTime`: `YYYY-MM-DDThh:mm:ss[.fraction]` with its zone (`Z` or
    /// `±hh:mm`), which EPCIS requires; the fraction is rounded to milliseconds as the hash ID rounds it.
    ///
    /// - Returns: Milliseconds since the Unix epoch, or `nil` when the text is not such a time.
    static func utcMilliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"), hasZone(bytes)
        else { return nil }
        var utc: [UInt8] = []
        guard EventHashID.appendUTCTimestamp(bytes, to: &utc) else { return nil }
        return Timestamp(rfc3339: String(decoding: utc, as: UTF8.self))?.millisecondsSinceEpoch
    }

    /// Parses an EPCIS `eventTime` as ``utcMilliseconds(_:)`` does, also giving the time as the
    /// ledger writes it (`Timestamp(millisecondsSinceEpoch:).rfc3339`, `YYYY-MM-DDThh:mm:ss.sssZ`).
    ///
    /// The UTC form the hash ID writes is that text already, so it is not formatted again.
    ///
    /// - Returns: The milliseconds and the text, or `nil` when the text is not such a time.
    static func utc(_ text: String) -> (milliseconds: Int64, text: String)? {
        // Read in place: an event's time is read once per event.
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
                hasZone(bytes)
            else { return nil }
            var utc: [UInt8] = []
            utc.reserveCapacity(24)
            // The text written is what `Timestamp(millisecondsSinceEpoch:).rfc3339` gives for the
            // time returned: the same fields in the same form.
            guard let milliseconds = EventHashID.appendingUTCTimestamp(bytes, to: &utc) else { return nil }
            return (milliseconds, String(decoding: utc, as: UTF8.self))
        }
    }

    /// The offset a date-time is written with (`+18:00`), when it is beyond ±14:00: RFC 3339
    /// takes up to ±23:59, but no time zone has such an offset, as `eventTimeZoneOffset` has none.
    ///
    /// - Returns: The offset, or `nil` for `Z` and for an offset a zone can have.
    static func offsetBeyondZones(_ text: String) -> String? {
        // Read in place: every event's time is read so.
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count > 6 else { return nil }
            let offset = UnsafeBufferPointer(rebasing: bytes[(bytes.count - 6)...])
            guard EPCISEvent.zoneOffset(offset) == false else { return nil }
            return String(decoding: offset, as: UTF8.self)
        }
    }

    /// The `±hh:mm` offset a date-time is written at, or `nil` for one in UTC (`Z`).
    static func writtenOffset(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count > 6 else { return nil }
            let offset = UnsafeBufferPointer(rebasing: bytes[(bytes.count - 6)...])
            guard EPCISEvent.zoneOffset(offset) != nil else { return nil }
            return String(decoding: offset, as: UTF8.self)
        }
    }

    /// Whether a date-time ends with `Z` or a `±hh:mm` offset.
    private static func hasZone<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
        guard let last = bytes.last else { return false }
        if last == UInt8(ascii: "Z") || last == UInt8(ascii: "z") { return true }
        let sign = bytes[bytes.count - 6]
        return (sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-")) && bytes[bytes.count - 3] == UInt8(ascii: ":")
    }
}

/// EPCIS date-times for other modules: `--since`, `--until` and `--as-of` take the same forms as
/// `eventTime`.
public enum EventTimeText {
    /// Milliseconds since the Unix epoch of `YYYY-MM-DDThh:mm:ss[.fraction]` with `Z` or `±hh:mm`.
    public static func utcMilliseconds(_ text: String) -> Int64? {
        EventTime.utcMilliseconds(text)
    }
}
