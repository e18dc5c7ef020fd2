/// Eight-bytes-at-a-time tests for the JSON scanners: where a string's plain run may end.
///
/// Each test gives a word whose bytes' high bits mark matches, by the classic "has zero byte" and
/// "has less than" bit tricks. A borrow can mark a byte above a match that does not match itself,
/// but never one below: the lowest marked byte of a word (read little-endian) is its first match,
/// whichever tests are combined with `|`. So a scanner lands on the byte itself, one branch per
/// word, and its byte loop decides there.
enum WordScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Nonzero when some byte of `word` is `byte`.
    @inline(__always)
    static func matches(_ byte: UInt8, in word: UInt64) -> UInt64 {
        let matched = word ^ (ones &* UInt64(byte))
        return (matched &- ones) & ~matched & highBits
    }

    /// Nonzero when some byte of `word` is a control character (below 0x20).
    @inline(__always)
    static func controls(in word: UInt64) -> UInt64 {
        (word &- ones &* 0x20) & ~word & highBits
    }

    /// Nonzero when some byte of `word` is not ASCII.
    @inline(__always)
    static func nonASCII(in word: UInt64) -> UInt64 {
        word & highBits
    }

    /// The offset of the first byte from `start` on that `stops` marks, found eight bytes at a
    /// time, or of the last bytes that do not fill a word (which the caller tests one by one).
    @inline(__always)
    static func firstStop(
        in bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        where stops: (UInt64) -> UInt64
    ) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var index = start
        while index + 8 <= bytes.count {
            let marked = stops(UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)))
            if marked != 0 { return index + marked.trailingZeroBitCount / 8 }
            index += 8
        }
        return index
    }
}
