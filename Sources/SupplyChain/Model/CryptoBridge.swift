import LedgerCrypto

/// The few LedgerCrypto calls the records need, kept in one file.
enum LedgerCryptoBridge {
    static func base64Encode(_ bytes: [UInt8]) -> String { Base64.encode(bytes) }
    static func base64Decode(_ text: String) -> [UInt8]? { Base64.decode(text) }
}

extension LedgerCryptoBridge {
    static func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hash(bytes).hex }
}
