extension EventHashID {
    /// Appends an ISO 8601 date-time in UTC with exactly three fractional digits:
    /// `2022-02-16T20:33:31.116000-06:00` becomes `2022-02-17T02:33:31.116Z`.
    ///
    /// Accepted: `YYYY-MM-DD`, optionally followed by `T` (or `t` or a space), `hh:mm`, optionally
    /// `:ss` with a fraction after `.` or `,`, and a zone `Z`, `±hh`, `±hhmm` or `±hh:mm`. A time without
    /// a zone is taken as UTC. As in the reference (python-dateutil, then `round(microsecond, -3)`), the
    /// fraction is cut to microseconds and then rounded to milliseconds, half to even; where the
    /// reference fails on a fraction that rounds up to a whole second, the second is carried.
    ///
    /// - Parameters:
    ///   - text: The trimmed value's UTF-8 bytes.
    ///   - out: Receives `YYYY-MM-DDThh:mm:ss.sssZ`.
    /// - Returns: Whether `text` was such a date-time with a valid date and a UTC year from 1 to 9999;
    ///   nothing is appended otherwise.
    static func appendUTCTimestamp(_ text: [UInt8], to out: inout [UInt8]) -> Bool {
        appendingUTCTimestamp(text, to: &out) != nil
    }

    /// Appends the timestamp as ``appendUTCTimestamp(_:to:)`` does and returns the time it names.
    ///
    /// - Returns: The milliseconds since the Unix epoch of what was appended (which is what
    ///   `Timestamp(rfc3339:)` reads from it), or `nil`, having appended nothing.
    static func appendingUTCTimestamp(_ text: [UInt8], to out: inout [UInt8]) -> Int64? {
        text.withUnsafeBufferPointer { appendingUTCTimestamp($0, to: &out) }
    }

    /// ``appendingUTCTimestamp(_:to:)`` of bytes in place, such as a string's UTF-8.
    static func appendingUTCTimestamp(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Int64? {
        var reader = TimestampReader(bytes: text)
        guard let year = reader.number(digits: 4), reader.skip("-"), let month = reader.number(digits: 2),
            reader.skip("-"), let day = reader.number(digits: 2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }

        var hour = 0
        var minute = 0
        var second = 0
        var microsecond = 0
        var offsetSeconds = 0
        if !reader.atEnd {
            guard reader.skip("T") || reader.skip("t") || reader.skip(" "),
                let h = reader.number(digits: 2), reader.skip(":"), let m = reader.number(digits: 2)
            else { return nil }
            hour = h
            minute = m
            if reader.skip(":") {
                guard let s = reader.number(digits: 2) else { return nil }
                second = s
                if reader.skip(".") || reader.skip(",") {
                    guard let fraction = reader.fractionInMicroseconds() else { return nil }
                    microsecond = fraction
                }
            }
            if reader.skip("Z") || reader.skip("z") {
                offsetSeconds = 0
            } else if let sign = reader.sign() {
                guard let offsetHours = reader.number(digits: 2), offsetHours < 24 else { return nil }
                var offsetMinutes = 0
                if !reader.atEnd {
                    _ = reader.skip(":")
                    guard let m = reader.number(digits: 2), m < 60 else { return nil }
                    offsetMinutes = m
                }
                offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
            }
            guard reader.atEnd, hour < 24, minute < 60, second < 60 else { return nil }
        }

        // Milliseconds, half to even, as Python's round(microsecond, -3).
        var millisecond = microsecond / 1000
        let remainder = microsecond % 1000
        if remainder > 500 || (remainder == 500 && millisecond % 2 == 1) { millisecond += 1 }
        var seconds =
            daysFromCivil(year: year, month: month, day: day) * 86_400
            + hour * 3600 + minute * 60 + second - offsetSeconds
        if millisecond == 1000 {
            millisecond = 0
            seconds += 1
        }

        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (utcYear, utcMonth, utcDay) = civilFromDays(days)
        guard (1...9999).contains(utcYear) else { return nil }
        appendDigits(utcYear, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(utcMonth, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(utcDay, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendDigits(millisecond, width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
        return Int64(seconds) * 1000 + Int64(millisecond)
    }

    /// A cursor over the bytes of a timestamp.
    private struct TimestampReader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        /// Reads exactly `digits` decimal digits.
        mutating func number(digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + digits)] {
                guard DigitalLink.isDigit(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += digits
            return value
        }

        /// Skips one ASCII character when it is next.
        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        /// Reads `+` as 1 or `-` as -1.
        mutating func sign() -> Int? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }

        /// Reads one or more fractional digits and returns the first six as microseconds.
        mutating func fractionInMicroseconds() -> Int? {
            var value = 0
            var count = 0
            while index < bytes.count, DigitalLink.isDigit(bytes[index]) {
                if count < 6 { value = value * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                count += 1
                index += 1
            }
            guard count > 0 else { return nil }
            for _ in min(count, 6)..<6 { value *= 10 }
            return value
        }
    }

    private static func appendDigits(_ value: Int, width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
