/// ISO 8601 / RFC 3339 date-times as EPCIS writes them, turned into UTC milliseconds.
enum EventTime {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)`; the fraction is rounded to milliseconds
    /// (half up, as the CBV hash rules do).
    ///
    /// - Returns: Milliseconds since the Unix epoch, or `nil` when the text is not such a time.
    static func utcMilliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == 0x2d, bytes[7] == 0x2d, bytes[10] == 0x54 || bytes[10] == 0x74,
            bytes[13] == 0x3a, bytes[16] == 0x3a
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard bytes[index] >= 0x30, bytes[index] <= 0x39 else { return nil }
                value = value * 10 + Int64(bytes[index] - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var index = 19
        var milliseconds: Int64 = 0
        if bytes[index] == 0x2e {
            index += 1
            var digits = 0
            var roundUp = false
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                let digit = Int64(bytes[index] - 0x30)
                if digits < 3 {
                    milliseconds = milliseconds * 10 + digit
                } else if digits == 3 {
                    roundUp = digit >= 5
                }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { milliseconds *= 10 }
            if roundUp { milliseconds += 1 }
        }
        guard index < bytes.count else { return nil }
        var offsetMinutes: Int64 = 0
        if bytes[index] == 0x5a || bytes[index] == 0x7a {
            guard index + 1 == bytes.count else { return nil }
        } else {
            guard bytes[index] == 0x2b || bytes[index] == 0x2d, index + 6 == bytes.count, bytes[index + 3] == 0x3a,
                let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6),
                hours * 60 + minutes <= 14 * 60,
                minutes < 60
            else { return nil }
            offsetMinutes = (hours * 60 + minutes) * (bytes[index] == 0x2d ? -1 : 1)
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let local = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milliseconds
        return local - offsetMinutes * 60_000
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
