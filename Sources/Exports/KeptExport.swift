import Carbon
import LedgerCore
import LedgerCrypto
import Provenance
public import SupplyChain

/// An export kept by its sender, set against what this CellTrace writes for the same record:
/// the same subject, format and profile, from the ledger as of the same size.
///
/// ``DisclosureReview`` computes an export's figures then and now with the CellTrace at hand, so
/// it sees what later entries changed, not what a release of CellTrace changed in the method. The
/// file that was sent holds the figures as they left: found in the disclosure log by its SHA-256,
/// written again at its size and compared figure by figure, it shows whether this CellTrace still
/// says what the recipient was told about that state of the ledger.
///
/// ```swift
/// let kept = try KeptExport.compare(bytes, chain: chain)
/// if case .methodChanged(let figures, _) = kept.outcome { print(figures.count, "figures moved") }
/// ```
public struct KeptExport: Sendable {
    /// A figure the two exports give differently, at its JSON pointer.
    public struct FigureChange: Sendable, Hashable {
        /// Where the figure stands (RFC 6901).
        public var pointer: String
        /// The figure in the kept file, as written there; `nil` when only the new export has it.
        public var kept: String?
        /// The figure this CellTrace writes; `nil` when only the kept file has it.
        public var now: String?
        /// Both as numbers, when both are.
        public var values: (kept: Double, now: Double)? {
            guard let kept = kept.flatMap(KeptExport.number), let now = now.flatMap(KeptExport.number) else {
                return nil
            }
            return (kept, now)
        }
    }

    /// What writing the export again gave.
    public enum Outcome: Sendable {
        /// The same bytes: this CellTrace writes exactly what was sent.
        case reproduces
        /// Every figure the same (to a relative 10⁻⁹, as ``DisclosureReview/differs(_:_:)``);
        /// `otherMembers` lists the other members that differ (a link or class given as an
        /// option when it was sent, the ids of the exports it follows), by pointer.
        case sameFigures(otherMembers: [String])
        /// Figures differ: the method this CellTrace follows gives other ones for the same
        /// entries.
        case methodChanged(figures: [FigureChange], otherMembers: [String])
        /// This CellTrace no longer writes the export at that size; the reason says why.
        case refused(String)
        /// The format carries no footprint (an EPCIS document, a lineage graph): there is no
        /// figure to compare.
        case noFigures
    }

    /// The disclosure records of the kept file, oldest first: the same bytes may have been sent
    /// to several recipients.
    public var disclosures: [Disclosure]
    /// What writing it again gave.
    public var outcome: Outcome

    /// The record the export is written again from.
    public var disclosure: Disclosure { disclosures[0] }

    /// Finds a kept export in the disclosure log and writes it again as of its size.
    ///
    /// - Parameters:
    ///   - bytes: The file as it was sent.
    ///   - chain: The ledger that recorded its disclosure.
    /// - Returns: Its records and the comparison.
    /// - Throws: ``ExportError`` when no disclosure record has the file's SHA-256 and length, or
    ///   when the recorded export is not JSON; a storage error.
    public static func compare(_ bytes: [UInt8], chain: SupplyChainLedger) throws -> KeptExport {
        let digest = SHA256.hash(bytes).hex
        let records = try chain.disclosures()
            .filter { $0.sha256 == digest && $0.byteCount == bytes.count }
            .sorted { ($0.sequenceNumber ?? .max) < ($1.sequenceNumber ?? .max) }
        guard let record = records.first else {
            throw ExportError(
                "no export with its SHA-256 (\(digest.prefix(16))…) and length (\(bytes.count) bytes) is in the "
                    + "disclosure log: it is not a file this ledger exported, or it was changed since "
                    + "(`celltrace disclosures` lists what was sent)"
            )
        }
        let outcome: Outcome
        do {
            guard let again = try written(record, kept: bytes, chain: chain) else {
                return KeptExport(disclosures: records, outcome: .noFigures)
            }
            outcome = try compare(kept: bytes, again: again, format: record.format)
        } catch let error as ExportError where error.code != .defect {
            outcome = .refused(error.message)
        } catch let error as ProvenanceError {
            outcome = .refused(error.description)
        } catch let error as CarbonError {
            outcome = .refused(error.description)
        }
        return KeptExport(disclosures: records, outcome: outcome)
    }

    /// The export of `record` written again from the ledger as of its size, or `nil` for a format
    /// that carries no footprint.
    private static func written(_ record: Disclosure, kept: [UInt8], chain: SupplyChainLedger) throws -> [UInt8]? {
        let point = PointInTime.size(record.asOfSize)
        guard let profile = DisclosureProfile(rawValue: record.profile) else {
            throw ExportError("the record names profile \(record.profile), which this CellTrace does not know")
        }
        switch record.format {
        case "custody":
            return try CustodyBundle.export(record.subject, chain: chain, profile: profile, asOf: point).bytes
        case "pact-3.0.3", "pact-2.3.3":
            let version: PACTFootprint.Version = record.format == "pact-3.0.3" ? .v3 : .v2
            var footprint: PACTFootprint
            if let declaration = DeclarationSubject(record.subject) {
                footprint = try PACTFootprint.declaration(
                    model: declaration.model,
                    plant: declaration.plant,
                    from: declaration.from,
                    to: declaration.to,
                    chain: chain,
                    asOf: point
                )
            } else {
                let scope = try LineageScope.collect(record.subject, chain: chain, asOf: point)
                footprint = try PACTFootprint.make(scope: scope, chain: chain)
            }
            // The options the sender gave are no figures; the code they chose is taken from the
            // file, so that a PACT 2 footprint, which requires one, is written as it was.
            footprint.cpc = (try? JSONValue(parsing: kept))?["productCategoryCpc"]?.stringValue
            return ExportEncoding.pretty(footprint.json(version))
        case "battery-pass-1.2.0":
            var period: ClosedRange<Timestamp>?
            if let recorded = record.declarationPeriod {
                guard let from = Timestamp(rfc3339: recorded.from), let to = Timestamp(rfc3339: recorded.to),
                    from <= to
                else {
                    throw ExportError("the record's declaration period \(recorded.from)/\(recorded.to) is not one")
                }
                period = from...to
            }
            // The class and the index score the sender gave are no figures the ledger gives:
            // taken from the file's own members, as the PACT code above, so that they are not
            // read as figures the method no longer gives. Links stay the sender's (`same-figures`).
            let sent = try? JSONValue(parsing: kept)
            let options = BatteryPassport.Options(
                performanceClass: sent?["carbonFootprint"]?["carbonFootprintPerformanceClass"]?.stringValue,
                supplyChainIndices: sent?["supplyChainDueDiligence"]?["supplyChainIndicies"]?.doubleValue,
                declarationPeriod: period
            )
            let scope = try LineageScope.collect(record.subject, chain: chain, asOf: point)
            let passport = try BatteryPassport.make(scope: scope, profile: profile, options: options, chain: chain)
            return ExportEncoding.pretty(passport.json)
        default:
            return nil
        }
    }

    /// The comparison of the kept bytes with the ones written again.
    private static func compare(kept: [UInt8], again: [UInt8], format: String) throws -> Outcome {
        if kept == again { return .reproduces }
        let depth = format == "custody" ? CustodyBundle.maxDepth : 128
        let old: JSONValue
        let new: JSONValue
        do {
            old = try JSONValue(parsing: kept, maxDepth: depth)
            new = try JSONValue(parsing: again, maxDepth: depth)
        } catch {
            throw ExportError("the kept file is not the JSON of a \(format) export: \(error)")
        }
        var keptLeaves: [String: JSONValue] = [:]
        var newLeaves: [String: JSONValue] = [:]
        let skipped = format == "custody" ? custodyProofs : []
        leaves(of: old, at: "", skipping: skipped, into: &keptLeaves)
        leaves(of: new, at: "", skipping: skipped, into: &newLeaves)
        var figures: [FigureChange] = []
        var others: [String] = []
        for pointer in Set(keptLeaves.keys).union(newLeaves.keys).sorted() {
            let a = keptLeaves[pointer]
            let b = newLeaves[pointer]
            let numberA = a.flatMap(figure)
            let numberB = b.flatMap(figure)
            if numberA != nil || numberB != nil {
                if let numberA, let numberB, !DisclosureReview.differs(numberA, numberB) { continue }
                // A figure on one side only, or another one: the method's doing, unless the other
                // side holds no figure at all there (then it is another kind of member).
                if (a == nil || numberA != nil) && (b == nil || numberB != nil) {
                    figures.append(FigureChange(pointer: pointer, kept: a.map(text), now: b.map(text)))
                    continue
                }
            }
            if a != b { others.append(pointer) }
        }
        return figures.isEmpty
            ? .sameFigures(otherMembers: others) : .methodChanged(figures: figures, otherMembers: others)
    }

    /// What a custody bundle proves against the ledger's size when it is written: a bundle
    /// written now proves the same entries against today's checkpoint.
    private static let custodyProofs: [[String?]] = [
        ["checkpoint"], ["treeSize"], ["consistency"], ["statement"], ["entries", nil, "proof"],
    ]

    /// Every leaf of `value` (a number, string, Boolean or null, an empty array or object) by its
    /// RFC 6901 pointer, leaving out the members `skipping` names (`nil` matching any array index).
    private static func leaves(
        of value: JSONValue,
        at pointer: String,
        path: [String] = [],
        skipping: [[String?]],
        into result: inout [String: JSONValue]
    ) {
        if skipping.contains(where: { pattern in
            pattern.count == path.count && zip(pattern, path).allSatisfy { $0 == nil || $0 == $1 }
        }) {
            return
        }
        switch value {
        case .object(let members) where !members.isEmpty:
            for (key, member) in members {
                let escaped = key.replacing("~", with: "~0").replacing("/", with: "~1")
                leaves(of: member, at: pointer + "/" + escaped, path: path + [key], skipping: skipping, into: &result)
            }
        case .array(let elements) where !elements.isEmpty:
            for (index, element) in elements.enumerated() {
                leaves(
                    of: element,
                    at: "\(pointer)/\(index)",
                    path: path + ["\(index)"],
                    skipping: skipping,
                    into: &result
                )
            }
        default:
            result[pointer] = value
        }
    }

    /// A leaf as a figure: a JSON number, or a string that spells a decimal number (PACT writes
    /// its figures as decimal strings).
    private static func figure(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number): return number
        case .string(let text): return number(text)
        default: return nil
        }
    }

    /// A decimal number's value: an optional minus, digits, an optional fraction and exponent.
    static func number(_ text: String) -> Double? {
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let digits = bytes.prefix { (0x30...0x39).contains($0) }
        guard !digits.isEmpty else { return nil }
        bytes = bytes.dropFirst(digits.count)
        if bytes.first == UInt8(ascii: ".") {
            let fraction = bytes.dropFirst().prefix { (0x30...0x39).contains($0) }
            guard !fraction.isEmpty else { return nil }
            bytes = bytes.dropFirst(1 + fraction.count)
        }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                bytes = bytes.dropFirst()
            }
            let exponent = bytes.prefix { (0x30...0x39).contains($0) }
            guard !exponent.isEmpty else { return nil }
            bytes = bytes.dropFirst(exponent.count)
        }
        guard bytes.isEmpty else { return nil }
        return Double(text).flatMap { $0.isFinite ? $0 : nil }
    }

    /// A leaf as JSON text: a string without its quotes.
    private static func text(_ value: JSONValue) -> String {
        value.stringValue ?? value.canonicalString
    }
}
