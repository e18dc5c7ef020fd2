public import LedgerCore
public import LedgerCrypto

/// How much assurance a verification gives (ISO 14064-3 and ISAE 3410 name the two levels).
public enum AssuranceLevel: String, Sendable, Hashable, CaseIterable {
    /// Reasonable assurance: the verifier states the data are materially correct.
    case reasonable
    /// Limited assurance: the verifier found nothing to suggest they are not.
    case limited

    static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A third party's signed statement that it verified a set of ledger entries under a standard
/// (entry type `attestation.record`): who verified, which entries, under which standard and at
/// which level of assurance, when the verification was completed, and the report.
///
/// The verifier is a registered actor of role `auditor` and signs the statement with its key; the
/// signature binds the statement to this ledger (its origin). A verifier may not attest entries
/// it recorded itself. Footprints count the share of their kg CO2e that rests on attested
/// entries (``Carbon``'s verified share).
public struct Attestation: Sendable, Hashable {
    /// The verifier: a registered actor of role `auditor`.
    public var verifier: String
    /// The identifier of the verifier's key that signed it.
    public var keyID: String
    /// The standard or programme the verification followed (ISO 14064-3:2019, ISO 14067:2018, the
    /// Batteries Regulation's Article 7 rules, …).
    public var standard: String
    /// The level of assurance.
    public var level: AssuranceLevel
    /// The entries verified, as ranges of sequence numbers, in order and not overlapping.
    public var entries: [ClosedRange<UInt64>]
    /// The day the verification was completed (YYYY-MM-DD).
    public var completedOn: String
    /// Where the verification report is, when it is published.
    public var report: String?
    /// The SHA-256 of the report's bytes (64 lowercase hex digits), when given.
    public var reportSHA256: String?
    /// The verifier's statement or scope, in its words.
    public var statement: String?
    /// The ledger size the verifier saw: every entry it covers is below it.
    public var ledgerSize: UInt64?
    /// The ledger's Merkle root at ``ledgerSize`` (base64, as checkpoints write it): signed with
    /// the rest, it binds the statement to the entries' content, not only to their numbers.
    public var rootHash: String?
    /// The Ed25519 signature over ``message(origin:)``.
    public var signature: [UInt8]
    /// The entry that records it (set when read back).
    public var sequenceNumber: UInt64?
    /// The entry that withdrew it, when its verifier withdrew it (``AttestationWithdrawal``), as of
    /// the size it was read at.
    public var withdrawnAt: UInt64?
    /// Why its verifier withdrew it.
    public var withdrawalReason: String?

    /// Whether it stands: recorded and not withdrawn.
    public var stands: Bool { withdrawnAt == nil }

    /// Creates an attestation; it is signed by ``signed(with:origin:)``.
    public init(
        verifier: String,
        keyID: String,
        standard: String,
        level: AssuranceLevel,
        entries: [ClosedRange<UInt64>],
        completedOn: String,
        report: String? = nil,
        reportSHA256: String? = nil,
        statement: String? = nil
    ) {
        self.verifier = verifier
        self.keyID = keyID
        self.standard = standard
        self.level = level
        self.entries = entries
        self.completedOn = completedOn
        self.report = report
        self.reportSHA256 = reportSHA256
        self.statement = statement
        signature = []
    }

    /// Whether it covers entry `sequence`.
    public func covers(_ sequence: UInt64) -> Bool {
        // Ranges are in order: the first whose end reaches the entry is the only candidate.
        let at = entries.partitionPoint { $0.upperBound >= sequence }
        return at < entries.count && entries[at].contains(sequence)
    }

    /// How many entries it covers.
    public var entryCount: UInt64 { entries.reduce(0) { $0 + ($1.upperBound - $1.lowerBound + 1) } }

    /// The ranges as text: `12-40, 55`.
    public var entriesText: String {
        entries.map(Self.rangeText).joined(separator: ", ")
    }

    /// The entry body (with `seq` when read back).
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "verifier": .string(verifier), "key": .string(keyID), "standard": .string(standard),
            "level": .string(level.rawValue),
            "entries": .array(
                entries.map {
                    .object(["first": .string(String($0.lowerBound)), "last": .string(String($0.upperBound))])
                }
            ),
            "completedOn": .string(completedOn),
            "signature": .string(Base64.encode(signature)),
        ]
        if let ledgerSize { members["ledgerSize"] = .string(String(ledgerSize)) }
        if let rootHash { members["rootHash"] = .string(rootHash) }
        if let report { members["report"] = .string(report) }
        if let reportSHA256 { members["reportSHA256"] = .string(reportSHA256) }
        if let statement { members["statement"] = .string(statement) }
        if let sequenceNumber { members["seq"] = .string(String(sequenceNumber)) }
        if let withdrawnAt { members["withdrawnAt"] = .string(String(withdrawnAt)) }
        if let withdrawalReason { members["withdrawalReason"] = .string(withdrawalReason) }
        return .object(members)
    }

    /// The entry body: ``json`` without what the ledger adds when it reads it back.
    public var body: JSONValue {
        var members = json.objectValue ?? [:]
        for member in Self.rowMembers { members[member] = nil }
        return .object(members)
    }

    /// The members a body has.
    static let bodyMembers: Set<String> = [
        "verifier", "key", "standard", "level", "entries", "completedOn", "ledgerSize", "rootHash", "signature",
        "report", "reportSHA256", "statement",
    ]

    /// The members an index row adds to the body.
    static let rowMembers: Set<String> = ["seq", "withdrawnAt", "withdrawalReason"]

    /// The bytes the verifier signs: a domain, the ledger's origin and the body without its
    /// signature, as canonical JSON.
    public func message(origin: String) -> [UInt8] {
        var members = body.objectValue ?? [:]
        members["signature"] = nil
        members["origin"] = .string(origin)
        return Array("celltrace-attestation/v1\n".utf8) + JSONValue.object(members).canonicalBytes
    }

    /// Signs it with the verifier's key.
    public func signed(with key: Ed25519PrivateKey, origin: String) throws -> Attestation {
        var signed = self
        signed.signature = try key.signature(for: message(origin: origin))
        return signed
    }

    /// Whether the signature verifies under `publicKey`.
    public func isSigned(by publicKey: [UInt8], origin: String) -> Bool {
        Self.verifies(signature, of: message(origin: origin), by: publicKey)
    }

    /// Whether `signature` is `publicKey`'s over `message`.
    static func verifies(_ signature: [UInt8], of message: [UInt8], by publicKey: [UInt8]) -> Bool {
        (try? Ed25519PublicKey(rawRepresentation: publicKey))?.isValidSignature(signature, for: message) == true
    }

    /// Whether `text` is an address a recipient can follow to the report: an absolute URI whose
    /// scheme is `https` or `http` with a host, or `urn` or `doi` (case-insensitive).
    public static func isReportAddress(_ text: String) -> Bool {
        guard IdentifierText.isURI(text), let colon = text.firstIndex(of: ":") else { return false }
        let scheme = text[..<colon].lowercased()
        let rest = text[text.index(after: colon)...]
        switch scheme {
        case "https", "http":
            guard rest.hasPrefix("//") else { return false }
            return !rest.dropFirst(2).prefix { $0 != "/" && $0 != "?" && $0 != "#" }.isEmpty
        case "urn", "doi":
            return !rest.isEmpty
        default:
            return false
        }
    }

    /// Reads a body (or an index row), naming each field that is wrong in `sink`; `nil` when any is.
    static func read(_ json: JSONValue, sink: ProblemSink, row: Bool = false) -> Attestation? {
        let before = sink.count
        guard let object = json.objectValue else {
            sink.add(field: "", "must be a JSON object")
            return nil
        }
        for key in object.keys where !Self.bodyMembers.contains(key) && !(row && Self.rowMembers.contains(key)) {
            sink.add(field: "/" + key, "is not a member of an attestation")
        }
        func text(_ name: String, required: Bool = true) -> String? {
            guard let value = json[name] else {
                if required { sink.add(field: "/" + name, "is required") }
                return nil
            }
            guard let string = value.stringValue, !string.isEmpty, string.utf8.count <= 2048 else {
                sink.add(field: "/" + name, "must be a string of 1 to 2048 bytes")
                return nil
            }
            return string
        }
        let verifier = text("verifier")
        let keyID = text("key")
        let standard = text("standard")
        let levelText = text("level")
        let level = levelText.flatMap(AssuranceLevel.init(rawValue:))
        if let levelText, level == nil {
            sink.add(field: "/level", "must be one of \(AssuranceLevel.list) (got \"\(levelText)\")")
        }
        let completedOn = text("completedOn")
        if let completedOn, !Self.isDate(completedOn) {
            sink.add(field: "/completedOn", "must be a date, YYYY-MM-DD (got \"\(completedOn)\")")
        }
        let report = text("report", required: false)
        if let report, !Self.isReportAddress(report) {
            sink.add(
                field: "/report",
                "must be where a recipient finds the report: an https:// (or http://) URL with a host, or a urn: "
                    + "or doi: name, not a file path or another scheme (got \"\(report)\")"
            )
        }
        let reportSHA256 = text("reportSHA256", required: false)
        if let reportSHA256, !Self.isSHA256(reportSHA256) {
            sink.add(field: "/reportSHA256", "must be 64 lowercase hex digits")
        }
        let statement = text("statement", required: false)
        let ledgerSize = text("ledgerSize").flatMap { UInt64($0) }
        if json["ledgerSize"]?.stringValue != nil, ledgerSize == nil {
            sink.add(field: "/ledgerSize", "must be the ledger size the verifier saw, a decimal string")
        }
        let rootHash = text("rootHash")
        if let rootHash, Base64.decode(rootHash)?.count != 32 {
            sink.add(field: "/rootHash", "must be the base64 of a 32-byte Merkle root")
        }
        let signature = text("signature").flatMap { Base64.decode($0) }
        if json["signature"]?.stringValue != nil, signature?.count != 64 {
            sink.add(field: "/signature", "must be a base64 Ed25519 signature of 64 bytes")
        }
        var ranges: [ClosedRange<UInt64>] = []
        if let list = json["entries"]?.arrayValue, !list.isEmpty {
            for (index, element) in list.enumerated() {
                guard let first = element["first"]?.stringValue.flatMap({ UInt64($0) }),
                    let last = element["last"]?.stringValue.flatMap({ UInt64($0) }), first <= last
                else {
                    sink.add(
                        field: "/entries/\(index)",
                        "must be {\"first\": \"N\", \"last\": \"M\"} with N ≤ M, sequence numbers as decimal strings"
                    )
                    continue
                }
                if let previous = ranges.last, first <= previous.upperBound {
                    sink.add(field: "/entries/\(index)", "ranges must be in order and not overlap")
                    continue
                }
                if let ledgerSize, last >= ledgerSize {
                    sink.add(
                        field: "/entries/\(index)",
                        "entry \(last) is not below ledgerSize \(ledgerSize), the size the verifier saw"
                    )
                    continue
                }
                ranges.append(first...last)
            }
        } else {
            sink.add(field: "/entries", "must list at least one range of entries verified")
        }
        guard sink.count == before, let verifier, let keyID, let standard, let level, let completedOn, let signature,
            ledgerSize != nil, rootHash != nil
        else { return nil }
        var attestation = Attestation(
            verifier: verifier,
            keyID: keyID,
            standard: standard,
            level: level,
            entries: ranges,
            completedOn: completedOn,
            report: report,
            reportSHA256: reportSHA256,
            statement: statement
        )
        attestation.signature = signature
        attestation.ledgerSize = ledgerSize
        attestation.rootHash = rootHash
        attestation.sequenceNumber = json["seq"]?.stringValue.flatMap { UInt64($0) }
        attestation.withdrawnAt = json["withdrawnAt"]?.stringValue.flatMap { UInt64($0) }
        attestation.withdrawalReason = json["withdrawalReason"]?.stringValue
        return attestation
    }

    /// What a new statement may not say though a recorded one reads: checked when a statement is
    /// signed or recorded, not by the audit, which reads back what was recorded before the check.
    func checkAsNewInput(sink: ProblemSink) {
        // An empty standard is refused by reading; one of white space alone names none either.
        if !standard.isEmpty, standard.allSatisfy(\.isWhitespace) {
            sink.add(field: "/standard", "must name the standard followed, such as ISO 14067:2018 (it is blank)")
        }
        // A statement with nothing to say is left out, not given blank.
        if let statement, !statement.isEmpty, statement.allSatisfy(\.isWhitespace) {
            sink.add(field: "/statement", "must not be blank: leave it out when there is nothing to say")
        }
        if reportSHA256 != nil, report == nil {
            sink.add(
                field: "/reportSHA256",
                "is the SHA-256 of the report's bytes: give /report too, where a recipient finds the report"
            )
        }
    }

    /// Reads an entry body as the ledger wrote it; `nil` when it is not one the ledger accepts.
    public init?(body: JSONValue) {
        guard let read = Self.read(body, sink: ProblemSink()) else { return nil }
        self = read
    }

    /// Parses ranges written as `12-40,55` (the CLI's form); `nil` when `text` does not read
    /// (``rangesProblem(_:)`` says why).
    public static func ranges(_ text: String) -> [ClosedRange<UInt64>]? {
        try? parsedRanges(text).get().merged
    }

    /// Why `text` does not read as ranges, naming the element at fault (`5-3: a range runs from
    /// the lower number to the higher`); `nil` when it reads.
    ///
    /// Elements are sequence numbers or ranges `N-M` with `N ≤ M`, separated by commas, spaces
    /// around an element read past: an empty element (`1,,2`) may hide a number that was meant,
    /// so it is refused rather than passed over.
    public static func rangesProblem(_ text: String) -> String? {
        guard case .failure(let problem) = parsedRanges(text) else { return nil }
        return problem.message
    }

    /// The pairs of ranges in `text` that share entries, as written (`14-25` and `20-30`; a
    /// number given twice is a pair of equal ones), in the order of their first entries; empty
    /// when none do or `text` does not read.
    ///
    /// ``ranges(_:)`` merges them; a verifier that typed one range over another may have meant
    /// another number, so `celltrace attest` says so.
    public static func overlappingRanges(_ text: String) -> [(String, String)] {
        guard let given = try? parsedRanges(text).get().given else { return [] }
        var pairs: [(String, String)] = []
        var widest: ClosedRange<UInt64>?
        for range in given {
            if let previous = widest, range.lowerBound <= previous.upperBound {
                pairs.append((Self.rangeText(previous), Self.rangeText(range)))
                if range.upperBound > previous.upperBound { widest = range }
            } else {
                widest = range
            }
        }
        return pairs
    }

    private static func rangeText(_ range: ClosedRange<UInt64>) -> String {
        range.lowerBound == range.upperBound ? String(range.lowerBound) : "\(range.lowerBound)-\(range.upperBound)"
    }

    /// Why ranges written on the command line do not read.
    private struct RangesProblem: Error {
        let message: String
    }

    /// The ranges of `text` as given, sorted by first entry, and merged; or why they do not read.
    private static func parsedRanges(
        _ text: String
    ) -> Result<(given: [ClosedRange<UInt64>], merged: [ClosedRange<UInt64>]), RangesProblem> {
        let example = "give sequence numbers and ranges such as 14-25,40"
        guard !text.isEmpty else { return .failure(RangesProblem(message: example)) }
        var ranges: [ClosedRange<UInt64>] = []
        for written in text.split(separator: ",", omittingEmptySubsequences: false) {
            // Spaces around an element are read past (`14-25, 40`, as people type a list).
            let part = written.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()
            guard !part.isEmpty else {
                return .failure(
                    RangesProblem(
                        message: "an element is empty (two commas together, or one at either end); \(example)"
                    )
                )
            }
            let partText = String(part)
            let bounds = partText.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let first = sequenceNumber(bounds[0]),
                let last = bounds.count == 2 ? sequenceNumber(bounds[1]) : first
            else {
                return .failure(
                    RangesProblem(message: "\(partText) is neither a sequence number nor a range; \(example)")
                )
            }
            guard first <= last else {
                return .failure(
                    RangesProblem(message: "\(partText): a range runs from the lower number to the higher")
                )
            }
            ranges.append(first...last)
        }
        // Sorted and merged, so that a list given in any order is recorded in one form.
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt64>] = []
        for range in ranges {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return .success((ranges, merged))
    }

    /// A sequence number written in decimal digits only (`UInt64.init` also takes a sign).
    private static func sequenceNumber(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return UInt64(text)
    }

    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
            let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)),
            let day = Int(text.dropFirst(8)),
            bytes.enumerated().allSatisfy({ $0.offset == 4 || $0.offset == 7 || (0x30...0x39).contains($0.element) })
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains(month) && (1...days[month - 1]).contains(day)
    }

    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// A verifier's signed withdrawal of one of its attestations (entry type `attestation.withdraw`).
///
/// For a statement recorded in error, or no longer upheld. The attestation stays in the ledger;
/// from the withdrawal on, footprints no longer count it, and as of a size before it they still do.
public struct AttestationWithdrawal: Sendable, Hashable {
    /// The verifier: the one that recorded the attestation.
    public var verifier: String
    /// The identifier of the verifier's key that signed it.
    public var keyID: String
    /// The attestation's entry.
    public var attestation: UInt64
    /// Why, in the verifier's words.
    public var reason: String
    /// The Ed25519 signature over ``message(origin:)``.
    public var signature: [UInt8] = []

    /// Creates a withdrawal; it is signed by ``signed(with:origin:)``.
    public init(verifier: String, keyID: String, attestation: UInt64, reason: String) {
        self.verifier = verifier
        self.keyID = keyID
        self.attestation = attestation
        self.reason = reason
    }

    /// The entry body.
    public var json: JSONValue {
        .object([
            "verifier": .string(verifier), "key": .string(keyID), "attestation": .string(String(attestation)),
            "reason": .string(reason), "signature": .string(Base64.encode(signature)),
        ])
    }

    /// The bytes the verifier signs: a domain of its own, the ledger's origin and the body
    /// without its signature, as canonical JSON.
    public func message(origin: String) -> [UInt8] {
        var members = json.objectValue ?? [:]
        members["signature"] = nil
        members["origin"] = .string(origin)
        return Array("celltrace-attestation-withdrawal/v1\n".utf8) + JSONValue.object(members).canonicalBytes
    }

    /// Whether the signature verifies under `publicKey`.
    public func isSigned(by publicKey: [UInt8], origin: String) -> Bool {
        Attestation.verifies(signature, of: message(origin: origin), by: publicKey)
    }

    /// Signs it with the verifier's key.
    public func signed(with key: Ed25519PrivateKey, origin: String) throws -> AttestationWithdrawal {
        var signed = self
        signed.signature = try key.signature(for: message(origin: origin))
        return signed
    }

    /// Reads an entry body as the ledger wrote it; `nil` when it is not one the ledger accepts.
    public init?(body: JSONValue) {
        guard let read = Self.read(body, sink: ProblemSink()) else { return nil }
        self = read
    }

    /// Reads a body, naming each field that is wrong in `sink`; `nil` when any is.
    static func read(_ json: JSONValue, sink: ProblemSink) -> AttestationWithdrawal? {
        let before = sink.count
        guard let object = json.objectValue else {
            sink.add(field: "", "must be a JSON object")
            return nil
        }
        for key in object.keys where !["verifier", "key", "attestation", "reason", "signature"].contains(key) {
            sink.add(field: "/" + key, "is not a member of a withdrawal")
        }
        func text(_ name: String) -> String? {
            guard let value = json[name]?.stringValue, !value.isEmpty, value.utf8.count <= 2048 else {
                sink.add(field: "/" + name, "must be a string of 1 to 2048 bytes")
                return nil
            }
            return value
        }
        let verifier = text("verifier")
        let keyID = text("key")
        let reason = text("reason")
        let attestation = text("attestation").flatMap { UInt64($0) }
        if json["attestation"]?.stringValue != nil, attestation == nil {
            sink.add(field: "/attestation", "must be the attestation's sequence number, a decimal string")
        }
        let signature = text("signature").flatMap { Base64.decode($0) }
        if json["signature"]?.stringValue != nil, signature?.count != 64 {
            sink.add(field: "/signature", "must be a base64 Ed25519 signature of 64 bytes")
        }
        guard sink.count == before, let verifier, let keyID, let reason, let attestation, let signature else {
            return nil
        }
        var withdrawal = AttestationWithdrawal(
            verifier: verifier,
            keyID: keyID,
            attestation: attestation,
            reason: reason
        )
        withdrawal.signature = signature
        return withdrawal
    }
}
