import LedgerCrypto

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Reads the fixed tail of a canonical entry without parsing its body, for audits at disk speed.
///
/// A canonical entry ends `,"prev":"<64 hex>","seq":<n>,"time":"<24 chars>","type":"<name>","v":1}`
/// because RFC 8785 sorts those keys after `actor`, `body` and `origin`, and the ledger restricts
/// origins, times and type names to characters that need no escaping. The scanner walks that tail
/// backwards and returns `nil` for anything else; a full parse (``Entry/init(canonicalBytes:)``)
/// is the deep check.
enum EntryScanner {
    /// Where the fields the audit needs stand in an entry's bytes.
    struct Tail {
        /// The 64 hex digits of `prev`.
        var previousHashRange: Range<Int>
        /// The value of `seq`.
        var sequenceNumber: UInt64
        /// The characters of `type`.
        var type: Range<Int>
        /// The 24 characters of `time` (`YYYY-MM-DDTHH:MM:SS.mmmZ`, which sort as they run).
        var time: Range<Int>
    }

    static func scanTail(_ bytes: UnsafeRawBufferPointer) -> Tail? {
        var end = bytes.count
        func expect(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard end >= count, let base = bytes.baseAddress else { return false }
            let start = end - count
            guard memcmp(base + start, literal.utf8Start, count) == 0 else { return false }
            end = start
            return true
        }
        guard expect(#"","v":1}"#) else { return nil }
        let typeEnd = end
        while end > 0, bytes[end - 1] != UInt8(ascii: "\"") {
            end -= 1
        }
        let typeStart = end
        guard typeStart < typeEnd, expect(#","type":""#) else { return nil }
        guard end >= 26, expect(#"""#) else { return nil }
        end -= 24
        let timeStart = end
        guard expect(#","time":""#) else { return nil }
        var sequence: UInt64 = 0
        var multiplier: UInt64 = 1
        var digits = 0
        while end > 0, case let digit = bytes[end - 1], digit >= 0x30, digit <= 0x39 {
            guard digits < 16 else { return nil }
            sequence += UInt64(digit - 0x30) * multiplier
            multiplier *= 10
            digits += 1
            end -= 1
        }
        guard digits > 0, expect(#"","seq":"#), end >= 64 else { return nil }
        let hexRange = (end - 64)..<end
        end -= 64
        guard expect(#","prev":""#) else { return nil }
        return Tail(
            previousHashRange: hexRange,
            sequenceNumber: sequence,
            type: typeStart..<typeEnd,
            time: timeStart..<(timeStart + 24)
        )
    }

    /// Compares 64 lower-case hex digits in `bytes` with a digest, without allocating.
    static func hex(_ bytes: UnsafeRawBufferPointer, at range: Range<Int>, equals digest: SHA256Digest) -> Bool {
        guard range.count == 64, let base = bytes.baseAddress else { return false }
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { text in
            digest.withUnsafeBytes { raw in
                for index in 0..<32 {
                    let byte = raw[index]
                    text[2 * index] = digits.utf8Start[Int(byte >> 4)]
                    text[2 * index + 1] = digits.utf8Start[Int(byte & 0x0f)]
                }
            }
            guard let expected = text.baseAddress else { return false }
            return memcmp(base + range.lowerBound, expected, 64) == 0
        }
    }

    /// Reads 64 lower-case hex digits in `bytes` as a digest, or returns `nil` for anything else.
    static func digest(_ bytes: UnsafeRawBufferPointer, at range: Range<Int>) -> SHA256Digest? {
        guard range.count == 64, range.lowerBound >= 0, range.upperBound <= bytes.count else { return nil }
        func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            default: nil
            }
        }
        var valid = true
        let digest = SHA256Digest { buffer in
            for index in 0..<32 {
                guard let high = nibble(bytes[range.lowerBound + 2 * index]),
                    let low = nibble(bytes[range.lowerBound + 2 * index + 1])
                else {
                    valid = false
                    return
                }
                buffer[index] = high << 4 | low
            }
        }
        return valid ? digest : nil
    }
}

extension Entry {
    /// The `type` of an entry read from the fixed tail of its canonical bytes, without parsing the
    /// body; `nil` when the bytes do not end like a canonical entry.
    ///
    /// - Parameter bytes: An entry's canonical bytes.
    /// - Returns: The type name.
    public static func type(ofCanonicalBytes bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw in
            EntryScanner.scanTail(raw).map { tail in
                String(decoding: UnsafeRawBufferPointer(rebasing: raw[tail.type]), as: UTF8.self)
            }
        }
    }

    /// The `actor` of a canonical entry, read from its first member without parsing the rest;
    /// `nil` when the bytes do not start as a canonical entry does or the name holds an escape
    /// (a full parse reads those).
    public static func actor(ofCanonicalBytes bytes: [UInt8]) -> String? {
        let prefix = Array(#"{"actor":""#.utf8)
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
        var end = prefix.count
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        return String(decoding: bytes[prefix.count..<end], as: UTF8.self)
    }
}
