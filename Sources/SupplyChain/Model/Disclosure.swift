public import LedgerCore

/// A record that data left the company: who received which export, in which profile, and the
/// SHA-256 of exactly the bytes they got (entry type `disclosure.export`).
public struct Disclosure: Sendable, Hashable {
    /// The recipient, as the exporter named it.
    public var recipient: String
    /// The disclosure profile (`public`, `legitimate-interest`, `authority`, `auditor`).
    public var profile: String
    /// The export format (`custody`, `epcis`, `pact-3.0.3` or `pact-2.3.3`, `battery-pass-1.2.0`, `graph`).
    public var format: String
    /// The serial, assembly or lot exported.
    public var subject: String
    /// The ledger size the export describes.
    public var asOfSize: UInt64
    /// SHA-256 of the exported file, hex.
    public var sha256: String
    /// The exported file's length in bytes.
    public var byteCount: Int
    /// The period of the declaration (Article 7) whose figure an exported battery passport states,
    /// when it states a battery model's declared figure rather than its own battery's.
    ///
    /// An export of the same subject with another period (or none) is another disclosure.
    public var declarationPeriod: DeclarationPeriod?
    /// The entry that records it (set when read back).
    public var sequenceNumber: UInt64?
    /// When the ledger recorded it (set when read back).
    public var recordedAt: String?

    /// Creates a disclosure record to append.
    public init(
        recipient: String,
        profile: String,
        format: String,
        subject: String,
        asOfSize: UInt64,
        sha256: String,
        byteCount: Int
    ) {
        self.recipient = recipient
        self.profile = profile
        self.format = format
        self.subject = subject
        self.asOfSize = asOfSize
        self.sha256 = sha256
        self.byteCount = byteCount
    }

    /// The entry body.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "recipient": .string(recipient), "profile": .string(profile), "format": .string(format),
            "subject": .string(subject), "asOfSize": .string(String(asOfSize)), "sha256": .string(sha256),
            "bytes": .string(String(byteCount)),
        ]
        if let sequenceNumber { members["seq"] = .string(String(sequenceNumber)) }
        if let recordedAt { members["recordedAt"] = .string(recordedAt) }
        if let declarationPeriod {
            members["declarationPeriod"] = [
                "from": .string(declarationPeriod.from), "to": .string(declarationPeriod.to),
            ]
        }
        return .object(members)
    }

    /// Reads a body (or an index row) back; `nil` when a field is missing.
    public init?(json: JSONValue) {
        guard let recipient = json["recipient"]?.stringValue, let profile = json["profile"]?.stringValue,
            let format = json["format"]?.stringValue, let subject = json["subject"]?.stringValue,
            let size = json["asOfSize"]?.stringValue.flatMap({ UInt64($0) }),
            let sha256 = json["sha256"]?.stringValue, let bytes = json["bytes"]?.stringValue.flatMap({ Int($0) })
        else { return nil }
        self.init(
            recipient: recipient,
            profile: profile,
            format: format,
            subject: subject,
            asOfSize: size,
            sha256: sha256,
            byteCount: bytes
        )
        sequenceNumber = json["seq"]?.stringValue.flatMap { UInt64($0) }
        recordedAt = json["recordedAt"]?.stringValue
        if let from = json["declarationPeriod"]?["from"]?.stringValue,
            let to = json["declarationPeriod"]?["to"]?.stringValue
        {
            declarationPeriod = DeclarationPeriod(from: from, to: to)
        }
    }

    /// Checks a record before it is written, naming the field that is wrong.
    func check(sink: ProblemSink) {
        if recipient.isEmpty { sink.add(field: "/recipient", "name the recipient (who receives the export)") }
        if recipient.utf8.count > FieldReader.maxKeyedLength {
            sink.add(field: "/recipient", "must be at most \(FieldReader.maxKeyedLength) bytes")
        }
        if profile.isEmpty { sink.add(field: "/profile", "is required") }
        if let declarationPeriod {
            for (field, text) in [("from", declarationPeriod.from), ("to", declarationPeriod.to)]
            where Timestamp(rfc3339: text) == nil {
                sink.add(field: "/declarationPeriod/" + field, "must be an RFC 3339 time")
            }
        }
        if sha256.utf8.count != 64
            || !sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        {
            sink.add(field: "/sha256", "must be 64 lowercase hex digits")
        }
    }
}

extension Disclosure {
    /// The period of the declaration whose figure an exported passport states (Article 7).
    public struct DeclarationPeriod: Sendable, Hashable {
        /// The period's first instant, an RFC 3339 time.
        public var from: String
        /// The period's last instant, an RFC 3339 time.
        public var to: String

        /// A period from its first and last instants, RFC 3339 times.
        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }
}
