public import LedgerCrypto

/// One ledger entry: the unit that is hashed, chained, proved and exported.
///
/// An entry is stored as its RFC 8785 canonical JSON bytes, which are the Merkle leaf input:
///
/// ```json
/// {"actor":"ledger","body":{"kg":"12.5"},"origin":"celltrace/…","prev":"<64 hex>","seq":7,
///  "time":"2026-11-29T03:04:05.678Z","type":"generic","v":1}
/// ```
///
/// `prev` is the previous entry's leaf hash (64 zeros for entry 0); the leaf hash is
/// SHA-256(0x00 ‖ bytes) as in RFC 9162. Confidential body values stand as ``Commitment``
/// placeholders. See `Docs/LEDGER-FORMAT.md`.
public struct Entry: Sendable, Hashable {
    /// The entry format this version of CellTrace writes and reads.
    public static let formatVersion = 1

    /// The deepest nesting of arrays and objects that readers of entries accept, the entry's own
    /// object the first: ``init(canonicalBytes:)`` refuses an entry nested deeper.
    public static let maxDepth = 128

    /// The deepest nesting of arrays and objects an entry's body may have, its own array or
    /// object the first: the entry's object holds the body one level down, so a body nested
    /// deeper would make an entry that no reader accepts, and the append refuses it.
    ///
    /// A layer that puts input inside a body (an EPCIS event, a JSON line) derives its own limit
    /// from this one.
    public static let maxBodyDepth = maxDepth - 1

    /// The entry's position in the ledger, from 0.
    public var sequenceNumber: UInt64
    /// The leaf hash of the entry before it, or `SHA256Digest.zero` for the first entry.
    public var previousHash: SHA256Digest
    /// The ledger's origin, the same string its checkpoints carry.
    public var origin: String
    /// When the ledger recorded the entry's batch.
    public var time: Timestamp
    /// Who submitted the entry: a registered actor's identifier, or `ledger` for the ledger itself.
    public var actor: String
    /// The entry type, which says how to read the body.
    public var type: String
    /// The entry's content, with confidential values replaced by commitments.
    public var body: JSONValue
    /// The canonical bytes: the Merkle leaf input.
    public let canonicalBytes: [UInt8]
    /// SHA-256(0x00 ‖ ``canonicalBytes``).
    public let leafHash: SHA256Digest

    /// Builds an entry and its canonical bytes.
    ///
    /// - Parameters:
    ///   - sequenceNumber: Its position.
    ///   - previousHash: The previous entry's leaf hash.
    ///   - origin: The ledger's origin.
    ///   - time: The recording time.
    ///   - actor: The submitter.
    ///   - type: The entry type.
    ///   - body: The content.
    public init(
        sequenceNumber: UInt64,
        previousHash: SHA256Digest,
        origin: String,
        time: Timestamp,
        actor: String,
        type: String,
        body: JSONValue
    ) {
        self.sequenceNumber = sequenceNumber
        self.previousHash = previousHash
        self.origin = origin
        self.time = time
        self.actor = actor
        self.type = type
        self.body = body
        var head = CanonicalOutput(capacity: 256)
        _ = Self.encodeHead(actor: actor, body: body, origin: origin, into: &head, rejectingReservedKeys: false)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(head.count + 192)
        head.withBytes { bytes.append(contentsOf: $0) }
        var timeText = time.rfc3339
        timeText.withUTF8 { timeText in
            Self.encodeTail(
                previousHash: previousHash,
                sequenceNumber: sequenceNumber,
                timeText: timeText,
                type: type,
                into: &bytes
            )
        }
        self.canonicalBytes = bytes
        self.leafHash = MerkleTree.leafHash(bytes)
    }

    /// Reads an entry from its canonical bytes, checking every field and the canonical form.
    ///
    /// - Parameter canonicalBytes: The stored or exported bytes.
    /// - Throws: ``LedgerError/Code/invalidInput`` naming the field when the bytes are not a
    ///   version-1 entry in canonical form.
    public init(canonicalBytes: some Collection<UInt8>) throws {
        let bytes = Array(canonicalBytes)
        let fields = try Self.fields(of: bytes)
        self.init(
            sequenceNumber: fields.sequenceNumber,
            previousHash: fields.previousHash,
            origin: fields.origin,
            time: fields.time,
            actor: fields.actor,
            type: fields.type,
            body: fields.body
        )
        let seq = fields.sequenceNumber
        guard self.canonicalBytes == bytes else {
            throw LedgerError(code: .invalidInput, message: "entry \(UInt64(seq)) is not in canonical form (RFC 8785)")
        }
    }

    /// The fields of an entry's bytes, each checked.
    private static func fields(
        of bytes: [UInt8]
    ) throws -> (
        sequenceNumber: UInt64, previousHash: SHA256Digest, origin: String, time: Timestamp, actor: String,
        type: String, body: JSONValue
    ) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes, maxDepth: maxDepth)
        } catch let error as LedgerError where error.code == .invalidJSON {
            // Bytes that were written, not submitted: what is wrong, without the advice to
            // submit them again.
            var unreadable = LedgerError(
                code: .invalidInput,
                message: "the entry is not JSON this CellTrace reads: \(error.jsonProblem ?? error.message)"
                    + (error.byteOffset.map { " (byte offset \($0))" } ?? "")
            )
            unreadable.byteOffset = error.byteOffset
            throw unreadable
        }
        guard case .object(let members) = json else {
            throw LedgerError(code: .invalidInput, message: "an entry is a JSON object")
        }
        func field(_ name: String) throws -> JSONValue {
            guard let value = members[name] else {
                throw LedgerError(code: .invalidInput, message: "entry has no '\(name)' field")
            }
            return value
        }
        func string(_ name: String) throws -> String {
            guard let value = try field(name).stringValue else {
                throw LedgerError(code: .invalidInput, message: "entry field '\(name)' must be a string")
            }
            return value
        }
        let known: Set<String> = ["actor", "body", "origin", "prev", "seq", "time", "type", "v"]
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw LedgerError(code: .invalidInput, message: "entry has an unknown field '\(unknown)'")
        }
        guard try field("v").doubleValue == Double(Self.formatVersion) else {
            throw LedgerError(
                code: .invalidInput,
                message: "entry field 'v': unsupported format version (this CellTrace reads 1)"
            )
        }
        guard let seq = try field("seq").doubleValue, seq >= 0, seq <= 9_007_199_254_740_991, seq.rounded() == seq
        else {
            throw LedgerError(code: .invalidInput, message: "entry field 'seq' must be a whole number from 0 to 2^53-1")
        }
        guard let previous = SHA256Digest(hex: try string("prev")), try string("prev") == previous.hex else {
            throw LedgerError(code: .invalidInput, message: "entry field 'prev' must be 64 lower-case hex digits")
        }
        guard let time = Timestamp(rfc3339: try string("time")) else {
            throw LedgerError(code: .invalidInput, message: "entry field 'time' must be YYYY-MM-DDTHH:MM:SS.mmmZ")
        }
        let type = try string("type")
        try Self.validateName(type, field: "type")
        let origin = try string("origin")
        try Self.validateOrigin(origin)
        return (UInt64(seq), previous, origin, time, try string("actor"), type, try field("body"))
    }

    /// Reads an entry from bytes already known to be a ledger's entry — read from storage with its
    /// leaf hash checked, or proved included in a signed tree — without serialising it again.
    ///
    /// The bytes are the entry's: whatever they hash to is its leaf hash, so a change to them
    /// cannot pass the check that made them known. Use ``init(canonicalBytes:)`` for bytes that
    /// nothing has checked.
    ///
    /// - Parameters:
    ///   - bytes: The entry's bytes.
    ///   - leafHash: Their leaf hash, as computed by the check.
    /// - Throws: ``LedgerError/Code/invalidInput`` naming the field when the bytes are not a
    ///   version-1 entry.
    public init(verifiedCanonicalBytes bytes: [UInt8], leafHash: SHA256Digest) throws {
        let fields = try Self.fields(of: bytes)
        sequenceNumber = fields.sequenceNumber
        previousHash = fields.previousHash
        origin = fields.origin
        time = fields.time
        actor = fields.actor
        type = fields.type
        body = fields.body
        canonicalBytes = bytes
        self.leafHash = leafHash
    }

    /// The commitments in the body, by the pointer where each stands.
    public var commitments: [JSONPointer: Commitment] {
        var found: [JSONPointer: Commitment] = [:]
        Self.collectCommitments(in: body, at: [], into: &found)
        return found
    }

    private static func collectCommitments(
        in value: JSONValue,
        at path: [String],
        into found: inout [JSONPointer: Commitment]
    ) {
        if let commitment = Commitment(placeholder: value) {
            found[JSONPointer(tokens: path)] = commitment
            return
        }
        switch value {
        case .object(let members):
            for (key, child) in members {
                collectCommitments(in: child, at: path + [key], into: &found)
            }
        case .array(let elements):
            for (index, child) in elements.enumerated() {
                collectCommitments(in: child, at: path + [String(index)], into: &found)
            }
        default:
            break
        }
    }

    /// Writes the part of an entry that depends only on its draft: `{"actor":…,"body":…,"origin":"…",`.
    ///
    /// RFC 8785 orders keys by UTF-16 code units: actor < body < origin < prev < seq < time < type < v,
    /// so the draft's part comes first and can be written before the entry's place in the chain is known.
    ///
    /// - Returns: `false` when `rejectingReservedKeys` is set and the body holds a key starting
    ///   with `$`; the bytes are then incomplete.
    static func encodeHead(
        actor: String,
        body: JSONValue,
        origin: String,
        into bytes: inout CanonicalOutput,
        rejectingReservedKeys: Bool
    ) -> Bool {
        bytes.append(#"{"actor":"#)
        JSONValue.writeCanonical(string: actor, into: &bytes)
        bytes.append(#","body":"#)
        guard body.writeCanonical(into: &bytes, rejectingReservedKeys: rejectingReservedKeys) else {
            return false
        }
        // Origin, time and type are validated to need no escaping, so they are copied as they are.
        bytes.append(#","origin":""#)
        bytes.append(utf8: origin)
        bytes.append(#"","#)
        return true
    }

    /// Writes the start of the head of an entry whose body is already canonical JSON,
    /// `{"actor":…,"body":`; the body and ``headEnd(origin:)`` follow it.
    static func encodeHeadStart(actor: String, into bytes: inout CanonicalOutput) {
        bytes.append(#"{"actor":"#)
        JSONValue.writeCanonical(string: actor, into: &bytes)
        bytes.append(#","body":"#)
    }

    /// The end of an entry's head after its body, `,"origin":"…",`; the origin needs no escaping.
    static func headEnd(origin: String) -> [UInt8] {
        Array(#","origin":""#.utf8) + Array(origin.utf8) + Array(#"","#.utf8)
    }

    /// Writes the rest: `"prev":"…","seq":…,"time":"…","type":"…","v":1}`.
    ///
    /// The tail is assembled in a stack buffer and appended in one copy: it runs once per entry
    /// inside the append transaction, where byte-by-byte appends showed up.
    static func encodeTail(
        previousHash: SHA256Digest,
        sequenceNumber: UInt64,
        timeText: UnsafeBufferPointer<UInt8>,
        type: String,
        into bytes: inout [UInt8]
    ) {
        // The fixed text is 46 bytes, the hash 64, the sequence number at most 20 digits.
        let capacity = 46 + 64 + 20 + timeText.count + type.utf8.count
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var tail = TailWriter(buffer: buffer)
            tail.write(#""prev":""#)
            tail.writeHex(previousHash)
            tail.write(#"","seq":"#)
            tail.writeDecimal(sequenceNumber)
            tail.write(#","time":""#)
            tail.write(timeText)
            tail.write(#"","type":""#)
            type.withUTF8Bytes { tail.write($0) }
            tail.write(#"","v":1}"#)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<tail.count]))
        }
    }

    /// Writes ASCII into a buffer the caller has sized; ``encodeTail(previousHash:sequenceNumber:timeText:type:into:)``
    /// counts the space it needs.
    private struct TailWriter {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        init(buffer: UnsafeMutableBufferPointer<UInt8>) {
            self.buffer = buffer
        }

        mutating func write(_ text: StaticString) {
            write(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }

        mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
            precondition(count + bytes.count <= buffer.count, "entry tail buffer too small")
            _ = UnsafeMutableBufferPointer(rebasing: buffer[count...]).initialize(fromContentsOf: bytes)
            count += bytes.count
        }

        /// Writes 64 lower-case hex digits.
        mutating func writeHex(_ digest: SHA256Digest) {
            precondition(count + 64 <= buffer.count, "entry tail buffer too small")
            digest.withUnsafeBytes { raw in
                for byte in raw {
                    buffer[count] = Self.hexDigit(byte >> 4)
                    buffer[count + 1] = Self.hexDigit(byte & 0x0f)
                    count += 2
                }
            }
        }

        /// Writes an unsigned integer in decimal, without leading zeros.
        mutating func writeDecimal(_ value: UInt64) {
            let digits = value == 0 ? 1 : Self.decimalDigitCount(value)
            precondition(count + digits <= buffer.count, "entry tail buffer too small")
            var rest = value
            for position in stride(from: count + digits - 1, through: count, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            count += digits
        }

        private static func decimalDigitCount(_ value: UInt64) -> Int {
            var digits = 0
            var rest = value
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            return digits
        }

        private static func hexDigit(_ nibble: UInt8) -> UInt8 {
            nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
        }
    }

    /// Whether `type` is an entry type the ledger accepts: 1–64 characters of a-z, 0-9, '.', '-', '_'.
    public static func isValidType(_ type: String) -> Bool {
        (1...64).contains(type.utf8.count)
            && type.utf8.allSatisfy {
                (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2e || $0 == 0x2d || $0 == 0x5f
            }
    }

    /// Whether `actor` is an entry's actor the ledger accepts: 1–256 bytes without control characters.
    public static func isValidActor(_ actor: String) -> Bool {
        (1...256).contains(actor.utf8.count) && actor.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7f }
    }

    /// Checks an entry type or similar identifier: 1–64 characters of `a-z`, `0-9`, `.`, `-`, `_`.
    static func validateName(_ name: String, field: String) throws {
        guard isValidType(name) else {
            throw LedgerError(
                code: .invalidInput,
                message: "'\(field)' must be 1–64 characters of a-z, 0-9, '.', '-', '_'"
            )
        }
    }

    /// Checks a ledger origin: 1–255 printable ASCII characters without spaces, '+' or quotes, as
    /// the C2SP signed-note key name rules and the entry scanner need.
    static func validateOrigin(_ origin: String) throws {
        let ok =
            (1...255).contains(origin.utf8.count)
            && origin.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != 0x2b && $0 != 0x22 && $0 != 0x5c }
        guard ok else {
            throw LedgerError(
                code: .invalidInput,
                message: "origin '\(origin)' must be 1–255 printable ASCII characters without spaces, '+', '\"' or '\\'"
            )
        }
    }
}
