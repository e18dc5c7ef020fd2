/// Formats doubles as ECMAScript's `Number.prototype.toString` does, the number form RFC 8785 requires.
///
/// RFC 8785 §3.2.2.3 adopts ECMA-262 Number::toString: take the shortest decimal digits that round-trip
/// to the double (the closest such digits, and the even one on a tie), then lay them out in plain
/// notation for magnitudes from 1e-6 up to below 1e21 and in `d.ddde±x` notation otherwise.
///
/// Swift's `Double.description` already produces the shortest, closest round-trip digits, in Swift's own
/// layout (`1e-06`, `100.0`, `2.9514790517935283e+20`). This type reads the digits and the exponent
/// out of that text and lays them out again by the ECMAScript rules. Integers of magnitude below 2⁵³
/// skip that step: their exact decimal digits are already the shortest.
enum ECMAScriptNumber {
    /// 2⁵³: below this, every integral double's exact digits are its shortest round-trip digits.
    ///
    /// Two integers differ by at least 1 and a double below 2⁵³ rounds within ±0.5, so no shorter
    /// digit string can name the same double.
    private static let exactIntegerLimit = 9_007_199_254_740_992.0

    /// Appends the ECMAScript form of a finite double.
    ///
    /// - Parameters:
    ///   - value: The number; it must be finite (JSON has no NaN or infinity).
    ///   - buffer: The buffer to append ASCII bytes to.
    static func write(_ value: Double, into buffer: inout [UInt8]) {
        precondition(value.isFinite, "JSON numbers must be finite; got \(value)")
        if value == 0 {
            // Both +0 and -0 print as "0" (ECMA-262 Number::toString step 2).
            buffer.append(UInt8(ascii: "0"))
            return
        }
        if value.magnitude < exactIntegerLimit, value.rounded(.towardZero) == value {
            if value < 0 {
                buffer.append(UInt8(ascii: "-"))
            }
            writeDecimal(UInt64(value.magnitude), into: &buffer)
            return
        }
        writeShortest(value, into: &buffer)
    }

    /// Appends the decimal digits of an unsigned integer, padded with leading zeros to a width.
    ///
    /// - Parameters:
    ///   - value: The integer.
    ///   - width: The least number of digits to write.
    ///   - buffer: The buffer to append ASCII digits to.
    static func writeDecimal(_ value: UInt64, width: Int = 1, into buffer: inout [UInt8]) {
        withDecimalDigits(of: value, width: width) { buffer.append(contentsOf: $0) }
    }

    /// Lends the decimal digits of an unsigned integer, padded with leading zeros to a width,
    /// from a stack buffer.
    static func withDecimalDigits<R>(
        of value: UInt64,
        width: Int = 1,
        _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        // UInt64 has at most 20 digits, and callers pad to at most 17.
        let capacity = max(20, width)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { digits in
            // Fill from the end, least significant digit first, then copy once.
            var index = capacity
            var remaining = value
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
            } while remaining > 0
            while capacity - index < width {
                index -= 1
                digits[index] = UInt8(ascii: "0")
            }
            return body(UnsafeBufferPointer(rebasing: digits[index..<capacity]))
        }
    }

    /// Appends the ECMAScript form of a finite, non-zero double, taking its digits from Swift.
    ///
    /// - Parameters:
    ///   - value: The number.
    ///   - buffer: The buffer to append ASCII bytes to.
    private static func writeShortest(_ value: Double, into buffer: inout [UInt8]) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
        }
        // Read Swift's text (such as "1.5e-07", "100.0" or "0.001") into the significant digits s
        // (at most 17, then trailing zeros) and the decimal exponent n such that the value is 0.s × 10^n.
        var significand: UInt64 = 0
        var digitCount = 0
        var leadingZeros = 0
        var mantissaDigits = 0
        var pointPosition: Int?
        var exponent = 0
        var exponentIsNegative = false
        var inExponent = false
        var text = value.magnitude.description
        text.withUTF8 { utf8 in
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    let digit = UInt64(byte - UInt8(ascii: "0"))
                    if inExponent {
                        exponent = exponent * 10 + Int(digit)
                    } else if significand == 0 && digit == 0 {
                        mantissaDigits += 1
                        leadingZeros += 1
                    } else {
                        mantissaDigits += 1
                        significand = significand * 10 + digit
                        digitCount += 1
                    }
                case UInt8(ascii: "."):
                    pointPosition = mantissaDigits
                case UInt8(ascii: "e"), UInt8(ascii: "E"):
                    inExponent = true
                case UInt8(ascii: "-"):
                    exponentIsNegative = true
                default:
                    break
                }
            }
        }
        let n = (pointPosition ?? mantissaDigits) - leadingZeros + (exponentIsNegative ? -exponent : exponent)
        while significand % 10 == 0 {
            significand /= 10
            digitCount -= 1
        }
        layOut(significand: significand, digitCount: digitCount, pointPosition: n, into: &buffer)
    }

    /// Appends digits in ECMA-262 Number::toString layout (steps 6–10).
    ///
    /// - Parameters:
    ///   - s: The significant digits, with no trailing zeros.
    ///   - k: The number of digits in `s`.
    ///   - n: The decimal exponent such that the value is 0.s × 10^n.
    ///   - buffer: The buffer to append ASCII bytes to.
    private static func layOut(
        significand s: UInt64,
        digitCount k: Int,
        pointPosition n: Int,
        into buffer: inout [UInt8]
    ) {
        if k <= n && n <= 21 {
            // Step 6: the k digits, then n − k zeros.
            writeDecimal(s, into: &buffer)
            buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
        } else if 0 < n && n <= 21 {
            // Step 7: the first n digits, a point, the remaining k − n digits.
            let scale = powerOfTen(k - n)
            writeDecimal(s / scale, into: &buffer)
            buffer.append(UInt8(ascii: "."))
            writeDecimal(s % scale, width: k - n, into: &buffer)
        } else if -6 < n && n <= 0 {
            // Step 8: "0.", −n zeros, the k digits.
            buffer.append(UInt8(ascii: "0"))
            buffer.append(UInt8(ascii: "."))
            buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
            writeDecimal(s, into: &buffer)
        } else {
            // Steps 9 and 10: d[.ddd]e±(n − 1).
            let scale = powerOfTen(k - 1)
            writeDecimal(s / scale, into: &buffer)
            if k > 1 {
                buffer.append(UInt8(ascii: "."))
                writeDecimal(s % scale, width: k - 1, into: &buffer)
            }
            buffer.append(UInt8(ascii: "e"))
            buffer.append(n - 1 < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            writeDecimal(UInt64((n - 1).magnitude), into: &buffer)
        }
    }

    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        var result: UInt64 = 1
        for _ in 0..<exponent {
            result *= 10
        }
        return result
    }
}
