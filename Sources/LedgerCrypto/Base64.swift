/// Standard base64 (RFC 4648 §4, with padding), the encoding of C2SP notes, proofs and keys.
///
/// Decoding is strict: no whitespace, no missing or extra padding and no non-zero padding bits, so
/// every value has exactly one accepted text form, as a verifier needs.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (index, symbol) in alphabet.enumerated() {
            table[Int(symbol)] = UInt8(index)
        }
        return table
    }()

    /// Encodes bytes in standard base64 with padding.
    ///
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: The base64 text.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(alphabet[Int(chunk >> 6 & 63)])
            out.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        let rest = input.count - index
        if rest == 1 {
            let chunk = UInt32(input[index]) << 16
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(contentsOf: "==".utf8)
        } else if rest == 2 {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            out.append(alphabet[Int(chunk >> 18 & 63)])
            out.append(alphabet[Int(chunk >> 12 & 63)])
            out.append(alphabet[Int(chunk >> 6 & 63)])
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes standard base64 with padding, strictly.
    ///
    /// - Parameter text: The base64 text.
    /// - Returns: The bytes, or `nil` when `text` is not canonical base64.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let padding =
                isLast
                ? (input[index + 3] == UInt8(ascii: "=") ? (input[index + 2] == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
            var chunk: UInt32 = 0
            for offset in 0..<4 {
                let symbol = input[index + offset]
                if offset >= 4 - padding {
                    chunk <<= 6
                    continue
                }
                let value = reverse[Int(symbol)]
                guard value != 0xff else { return nil }
                chunk = chunk << 6 | UInt32(value)
            }
            out.append(UInt8(chunk >> 16 & 0xff))
            if padding < 2 { out.append(UInt8(chunk >> 8 & 0xff)) }
            if padding < 1 { out.append(UInt8(chunk & 0xff)) }
            // Non-zero bits under the padding would give a second spelling of the same bytes.
            if padding == 1 && chunk & 0xff != 0 { return nil }
            if padding == 2 && chunk & 0xffff != 0 { return nil }
            index += 4
        }
        return out
    }
}
