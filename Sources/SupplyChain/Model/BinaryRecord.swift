import LedgerCore

/// A compact binary encoding for the index rows that provenance and carbon queries read on every
/// lot of a lineage (`sc.lineage`, `sc.processes`).
///
/// JCS JSON rows cost a parse into a dictionary per row; a lineage of forty lots read that way
/// spends most of its time hashing keys. These rows are written and read only by CellTrace, are
/// derived from entries like every index (the audit rebuilds them by replay and compares bytes),
/// and use a fixed field order: integers little-endian, strings and lists length-prefixed, exact
/// decimals as a 128-bit significand and a 16-bit exponent.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    init(version: UInt8) {
        // Room for a whole row: a lot card or a process row is 350–400 bytes.
        bytes.reserveCapacity(512)
        bytes.append(version)
    }

    /// A writer of part of a row, without the version byte, to be spliced into a row with
    /// ``append(_:)``.
    init() {}

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// Bytes another writer wrote, as they are (no version byte or length).
    mutating func append(_ written: [UInt8]) { bytes.append(contentsOf: written) }

    mutating func u16(_ value: Int) {
        let clamped = UInt16(clamping: value)
        bytes.append(UInt8(truncatingIfNeeded: clamped))
        bytes.append(UInt8(truncatingIfNeeded: clamped >> 8))
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The UTF-8 length (as `u16`, clamped) and at most 65,535 bytes of it, copied in one piece.
    mutating func string(_ value: String) {
        value.withUTF8Bytes { utf8 in
            u16(utf8.count)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8.prefix(Int(UInt16.max))))
        }
    }

    mutating func optionalString(_ value: String?) { string(value ?? "") }

    /// An unsigned LEB128 varint: seven bits a byte, the lowest first, the top bit set on every
    /// byte but the last (one byte below 128).
    mutating func varint<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    /// A string as its UTF-8 length (a varint) and bytes, whatever its length.
    mutating func text(_ value: String) {
        value.withUTF8Bytes { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A 0/1 byte, then the text when there is one: for a field where an empty string and none
    /// differ.
    mutating func optionalText(_ value: String?) {
        byte(value == nil ? 0 : 1)
        if let value { text(value) }
    }

    /// An exact decimal in as few bytes as its digits need.
    ///
    /// The significand, then the exponent, each zigzag-encoded (0, −1, 1, −2, … as 0, 1, 2, 3, …)
    /// as a varint: `9` is two bytes.
    mutating func compactDecimal(_ value: ExactDecimal) {
        let significand = value.significand
        varint(UInt128(bitPattern: significand << 1 ^ significand >> 127))
        let exponent = Int64(value.exponent)
        varint(UInt64(bitPattern: exponent << 1 ^ exponent >> 63))
    }

    mutating func decimal(_ value: ExactDecimal) {
        let significand = UInt128(bitPattern: value.significand)
        u64(UInt64(truncatingIfNeeded: significand))
        u64(UInt64(truncatingIfNeeded: significand >> 64))
        u16(Int(Int16(clamping: value.exponent)) & 0xFFFF)
    }

    mutating func optionalDecimal(_ value: ExactDecimal?) {
        byte(value == nil ? 0 : 1)
        if let value { decimal(value) }
    }
}

/// Reads what ``BinaryWriter`` wrote, in place in the row's bytes; any overrun makes the whole row
/// unreadable.
///
/// Use it inside ``read(_:version:_:)``, which lends the bytes for the length of the decode.
struct BinaryReader {
    private let base: UnsafeRawBufferPointer
    private var offset = 1
    /// Set when a read ran past the end.
    private(set) var failed = false

    private init(_ base: UnsafeRawBufferPointer) {
        self.base = base
    }

    /// Decodes `bytes` with `body` when the row starts with `version` and `body` reads it exactly.
    static func read<T>(_ bytes: [UInt8], version: UInt8, _ body: (inout BinaryReader) -> T) -> T? {
        bytes.withUnsafeBytes { raw in read(raw, version: version, body) }
    }

    /// Decodes a row lent in place (LMDB's memory map) with `body`.
    static func read<T>(_ raw: UnsafeRawBufferPointer, version: UInt8, _ body: (inout BinaryReader) -> T) -> T? {
        guard raw.first == version else { return nil }
        var reader = BinaryReader(raw)
        let value = body(&reader)
        return reader.failed || reader.offset != raw.count ? nil : value
    }

    private mutating func take(_ count: Int) -> Int? {
        guard !failed, offset + count <= base.count else {
            failed = true
            return nil
        }
        defer { offset += count }
        return offset
    }

    mutating func byte() -> UInt8 {
        guard let at = take(1) else { return 0 }
        return base[at]
    }

    mutating func u16() -> Int {
        guard let at = take(2) else { return 0 }
        return Int(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
    }

    mutating func u64() -> UInt64 {
        guard let at = take(8) else { return 0 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    mutating func string() -> String {
        let count = u16()
        guard let at = take(count) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[at..<at + count]), as: UTF8.self)
    }

    mutating func optionalString() -> String? {
        let text = string()
        return text.isEmpty ? nil : text
    }

    /// What ``BinaryWriter/varint(_:)`` wrote; a varint longer than the type holds, or with bits
    /// beyond it, makes the row unreadable.
    mutating func varint<T: FixedWidthInteger & UnsignedInteger>(as type: T.Type = T.self) -> T {
        var value: T = 0
        var shift = 0
        while true {
            let next = byte()
            guard !failed, shift < T.bitWidth else {
                failed = true
                return 0
            }
            let bits = T(next & 0x7F)
            // Past the type's width, a set bit is a value it cannot hold.
            if shift + 7 > T.bitWidth, bits >> (T.bitWidth - shift) != 0 {
                failed = true
                return 0
            }
            value |= bits << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// What ``BinaryWriter/text(_:)`` wrote.
    mutating func text() -> String {
        let count = varint(as: UInt64.self)
        guard count <= UInt64(base.count - offset), let at = take(Int(count)) else {
            failed = true
            return ""
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[at..<at + Int(count)]), as: UTF8.self)
    }

    /// What ``BinaryWriter/optionalText(_:)`` wrote; a presence byte other than 0 or 1 makes the
    /// row unreadable.
    mutating func optionalText() -> String? {
        switch byte() {
        case 0: return nil
        case 1: return text()
        default:
            failed = true
            return nil
        }
    }

    /// What ``BinaryWriter/compactDecimal(_:)`` wrote.
    ///
    /// Only what the import's decimals can be reads back: a normalised significand (no trailing
    /// zero) of at most 36 digits, and an exponent within ten times what a decimal read from text
    /// may have (``ExactDecimal/exponentLimit``; the stored masses are sums, shares and products
    /// of two of those). Anything else makes the row unreadable, so that damage cannot make a
    /// number that overflows or prints endlessly.
    mutating func compactDecimal() -> ExactDecimal {
        let zigzag = varint(as: UInt128.self)
        let exponentBits = varint(as: UInt64.self)
        let significand = Int128(bitPattern: zigzag >> 1) ^ -Int128(bitPattern: zigzag & 1)
        let exponent = Int64(bitPattern: exponentBits >> 1) ^ -Int64(bitPattern: exponentBits & 1)
        guard significand.magnitude < ExactDecimal.limit.magnitude, significand == 0 || significand % 10 != 0,
            significand != 0 || exponent == 0, exponent.magnitude <= 10 * ExactDecimal.exponentLimit
        else {
            failed = true
            return .zero
        }
        return ExactDecimal(significand: significand, exponent: Int(exponent))
    }

    /// A varint count of elements of at least one byte each, or `nil` (and the row unreadable)
    /// when the bytes left cannot hold that many: a damaged count reserves no memory.
    mutating func count() -> Int? {
        let count = varint(as: UInt64.self)
        guard !failed, count <= UInt64(base.count - offset) else {
            failed = true
            return nil
        }
        return Int(count)
    }

    mutating func decimal() -> ExactDecimal {
        let low = u64()
        let high = u64()
        let exponent = Int(Int16(bitPattern: UInt16(truncatingIfNeeded: u16())))
        return ExactDecimal(significand: Int128(bitPattern: UInt128(high) << 64 | UInt128(low)), exponent: exponent)
    }

    mutating func optionalDecimal() -> ExactDecimal? {
        byte() == 0 ? nil : decimal()
    }
}
