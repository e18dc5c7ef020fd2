/// Hexadecimal text for bytes, the encoding of digests in ledger entries.
public enum HexCoding {

    /// Encodes bytes as lower-case hexadecimal digits.
    ///
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: Two digits per byte.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let text = bytes.withContiguousStorageIfAvailable({ unsafe encode(contiguous: $0) }) {
            return text
        }
        return unsafe Array(bytes).withUnsafeBufferPointer { unsafe encode(contiguous: $0) }
    }

    /// Writes the digits straight into the string's storage: digests are encoded several times
    /// per entry an import writes.
    private static func encode(contiguous bytes: UnsafeBufferPointer<UInt8>) -> String {
        unsafe String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for index in bytes.indices {
                let byte = unsafe bytes[index]
                unsafe out[2 * index] = digit(byte >> 4)
                unsafe out[2 * index + 1] = digit(byte & 0x0f)
            }
            return bytes.count * 2
        }
    }

    @inline(__always)
    private static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x57 + value
    }

    /// Decodes hexadecimal digits, upper or lower case.
    ///
    /// - Parameter text: An even number of hexadecimal digits.
    /// - Returns: The bytes, or `nil` when `text` has an odd length or a non-hexadecimal character.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(of: utf8[index]), let low = value(of: utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
