public import Carbon
public import LedgerCore
import LedgerStorage
public import Provenance
public import SupplyChain

/// Every recorded export set against the ledger as it is now: what the recipient was told, what
/// the ledger says today, and the entries recorded since that changed it.
///
/// A correction never rewrites an entry, so an export describes the ledger at the size it names
/// and stays true of that size. When an event on a subject's lineage is declared in error, a
/// facility amended or a factor table replaced, the figures the ledger gives for that subject
/// now may differ from the ones that left the company; this review finds those exports, so that
/// they can be issued again to the same recipients.
///
/// ```swift
/// let review = try DisclosureReview.review(chain: chain)
/// for item in review.items where item.status != .current { print(item.subject, item.status) }
/// ```
public struct DisclosureReview: Sendable {
    /// What became of an export's subject.
    public enum Status: String, Sendable, CaseIterable {
        /// The footprint is the same and nothing has been recorded on its lineage since.
        case current
        /// The footprint is the same, but entries recorded since change its lineage or evidence
        /// (an event declared in error and made again, a certificate, an amended facility, a
        /// verifier's attestation of its data recorded or withdrawn).
        case lineageChanged = "lineage-changed"
        /// The footprint differs.
        case footprintChanged = "footprint-changed"
        /// The subject has no footprint now: it, or what made it, was declared in error.
        case withdrawn
        /// The export's own figures could not be computed again (the reason says why).
        case notRecomputed = "not-recomputed"
        /// Its lineage or footprint changed, and each of its exports was issued again since, to
        /// the same recipient in the same format, from a ledger that is current
        /// (``Item/reissuedBy``).
        case reissued
    }

    /// A footprint's headline figures.
    public struct Figures: Sendable, Hashable {
        /// kg CO2e of the subject, by electricity method (empty for a declaration, which is per kWh).
        public var kgCO2e: [ElectricityMethod: Double]
        /// kg CO2e per kWh, by electricity method, when the subject has a battery model.
        public var perKWh: [ElectricityMethod: Double]
        /// `lifetime` or `usable`: the energy ``perKWh`` is of.
        public var perKWhBasis: String?
        /// The cells counted (a declaration).
        public var cells: UInt64?
        /// The share of the figure whose data verifiers attested, by method (limited assurance or
        /// better); not one of the figures `matches(_:)` compares, for an attestation changes
        /// the evidence, not the figures.
        public var verifiedShare: [ElectricityMethod: Double] = [:]

        init(_ footprint: Footprint) {
            var per: [ElectricityMethod: Double] = [:]
            for method in ElectricityMethod.allCases {
                per[method] = footprint.perLifetimeKWh(method) ?? footprint.perUsableKWh(method)
            }
            kgCO2e = footprint.total.totals
            perKWh = per
            perKWhBasis = per.isEmpty ? nil : footprint.lifetimeKWh == nil ? "usable" : "lifetime"
            verifiedShare = footprint.verifiedShares()
        }

        init(_ declaration: Declaration) {
            kgCO2e = [:]
            perKWh = declaration.perLifetimeKWh.totals
            perKWhBasis = "lifetime"
            cells = declaration.cellCount
            verifiedShare = declaration.verifiedShare
        }

        /// Whether `other` gives the same figures (``DisclosureReview/differs(_:_:)``).
        func matches(_ other: Figures) -> Bool {
            !DisclosureReview.differs(kgCO2e, other.kgCO2e) && !DisclosureReview.differs(perKWh, other.perKWh)
                && cells == other.cells && perKWhBasis == other.perKWhBasis
        }
    }

    /// An entry recorded after an export that bears on its subject.
    public struct Change: Sendable, Hashable {
        /// The entry.
        public var sequenceNumber: UInt64
        /// Its type (`epcis.event`, `facility.amend`, `factors.table`, …).
        public var type: String
        /// What it did, in a line.
        public var summary: String

        /// Creates a change.
        public init(sequenceNumber: UInt64, type: String, summary: String) {
            self.sequenceNumber = sequenceNumber
            self.type = type
            self.summary = summary
        }
    }

    /// The exports of one subject as of one ledger size, and what became of them.
    public struct Item: Sendable {
        /// The serial, module or pack, lot, or `MODEL@PLANT FROM/TO` of a declaration.
        public var subject: String
        /// The ledger size the exports described.
        public var asOfSize: UInt64
        /// The recorded exports (recipient, profile, format), oldest first.
        public var disclosures: [Disclosure]
        /// What became of the subject.
        public var status: Status
        /// The figures as of ``asOfSize``: what left the company.
        public var then: Figures?
        /// The figures as of the review's size.
        public var now: Figures?
        /// Why the figures of now (``Status/withdrawn``) or of then (``Status/notRecomputed``)
        /// could not be computed.
        public var reason: String?
        /// The entries recorded since ``asOfSize`` that bear on the subject, in ledger order.
        public var changes: [Change]
        /// For each export issued again since (its entry), the entry of the later export.
        public var reissuedBy: [UInt64: UInt64] = [:]
    }

    /// Whether two figures differ, to a relative 10⁻⁹: the same entries give the same figures,
    /// and a change of a kilogram in a million is a change.
    public static func differs(_ a: Double, _ b: Double) -> Bool {
        !(abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)))
    }

    /// Whether two sets of figures by method differ: one missing and not the other, another set
    /// of methods, or any method's figure, to a relative 10⁻⁹.
    static func differs(_ a: [ElectricityMethod: Double]?, _ b: [ElectricityMethod: Double]?) -> Bool {
        guard let a, let b else { return (a == nil) != (b == nil) }
        return Set(a.keys) != Set(b.keys) || a.contains { differs($1, b[$0] ?? .nan) }
    }

    /// The ledger size the exports are compared with.
    public var size: UInt64
    /// One item per subject and size exported, in the order of their first disclosure.
    public var items: [Item]

    /// Reviews every export recorded before `asOf` (the whole ledger by default).
    ///
    /// - Parameters:
    ///   - chain: The ledger.
    ///   - recipient: Only the exports to this recipient.
    ///   - pointInTime: The ledger size or time to compare with.
    /// - Returns: One item per subject and exported size.
    /// - Throws: A storage error, or `SupplyChainError` when the indexes need a rebuild.
    public static func review(
        chain: SupplyChainLedger,
        recipient: String? = nil,
        asOf pointInTime: PointInTime? = nil
    ) throws -> DisclosureReview {
        let size = try chain.read { _, _, now in try pointInTime?.size(in: chain.ledger, now: now) ?? now }
        var order: [String] = []
        var groups: [String: [Disclosure]] = [:]
        let recorded = try chain.disclosures(recipient: recipient).sorted {
            ($0.sequenceNumber ?? .max) < ($1.sequenceNumber ?? .max)
        }
        for disclosure in recorded where (disclosure.sequenceNumber ?? .max) < size && disclosure.asOfSize <= size {
            let key = "\(disclosure.asOfSize) \(disclosure.subject)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(disclosure)
        }
        var items: [Item] = []
        // A subject exported at several sizes is compared with one scope of now.
        var scopesNow: [String: (scope: LineageScope?, reason: String?)] = [:]
        for key in order {
            guard let disclosures = groups[key], let first = disclosures.first else { continue }
            if let declaration = DeclarationSubject(first.subject) {
                items.append(
                    try reviewDeclaration(declaration, disclosures: disclosures, chain: chain, size: size)
                )
            } else {
                let now = try scopesNow[first.subject] ?? scope(first.subject, chain: chain, size: size)
                scopesNow[first.subject] = now
                items.append(try reviewSubject(disclosures: disclosures, now: now, chain: chain, size: size))
            }
        }
        // An export issued again to the same recipient in the same format, under the same profile
        // and on the same basis, from a ledger that is current, is handled; an item all of whose
        // exports are is reissued.
        let current = items.filter { $0.status == .current }.flatMap(\.disclosures)
        for index in items.indices
        where [.lineageChanged, .footprintChanged].contains(items[index].status) {
            for disclosure in items[index].disclosures {
                guard let entry = disclosure.sequenceNumber,
                    let later = current.first(where: {
                        $0.subject == disclosure.subject && $0.format == disclosure.format
                            && $0.recipient == disclosure.recipient && $0.profile == disclosure.profile
                            && $0.declarationPeriod == disclosure.declarationPeriod
                            && $0.asOfSize > disclosure.asOfSize
                    })?.sequenceNumber
                else { continue }
                items[index].reissuedBy[entry] = later
            }
            if items[index].disclosures.allSatisfy({ items[index].reissuedBy[$0.sequenceNumber ?? .max] != nil }) {
                items[index].status = .reissued
            }
        }
        return DisclosureReview(size: size, items: items)
    }

    /// A subject's scope as of `size`, or why it has none then (it is unknown, or was declared in
    /// error, or its footprint cannot be computed).
    private static func scope(
        _ subject: String,
        chain: SupplyChainLedger,
        size: UInt64
    ) throws -> (scope: LineageScope?, reason: String?) {
        do {
            return (try LineageScope.collect(subject, chain: chain, asOf: .size(size)), nil)
        } catch let error as ProvenanceError {
            return (nil, error.description)
        } catch let error as CarbonError {
            return (nil, error.description)
        }
    }

    /// A serial's, assembly's or lot's exports: footprint and scope then and `now`.
    private static func reviewSubject(
        disclosures: [Disclosure],
        now: (scope: LineageScope?, reason: String?),
        chain: SupplyChainLedger,
        size: UInt64
    ) throws -> Item {
        let subject = disclosures[0].subject
        let asOfSize = disclosures[0].asOfSize
        var item = Item(
            subject: subject,
            asOfSize: asOfSize,
            disclosures: disclosures,
            status: .current,
            changes: []
        )
        let (exported, why) = try scope(subject, chain: chain, size: asOfSize)
        guard let then = exported else { return item.notRecomputed(why ?? "") }
        item.then = Figures(then.footprint)
        item.reason = now.reason
        let before = Set(then.entries)
        let added = (now.scope?.entries ?? []).filter { $0 >= asOfSize && !before.contains($0) }
        item.changes = try changes(added: added, declaredIn: then.events, since: asOfSize, chain: chain, size: size)
        // Attestations recorded or withdrawn since bear on the exports that state a verification
        // (a custody bundle, a PACT footprint), not on events, pictures or passport data.
        let statesVerification = disclosures.contains { $0.format == "custody" || $0.format.hasPrefix("pact") }
        if let now = now.scope, statesVerification {
            item.changes = (item.changes + verificationChanges(then: then.footprint, now: now.footprint))
                .sorted { $0.sequenceNumber < $1.sequenceNumber }
        }
        if let now = now.scope {
            item.now = Figures(now.footprint)
            item.status =
                item.now.map { item.then?.matches($0) ?? false } == true
                ? item.changes.isEmpty ? .current : .lineageChanged
                : .footprintChanged
        } else {
            item.status = .withdrawn
        }
        return item
    }

    /// A declaration's exports: the declaration then and now, and the serial ranges it counts
    /// now and did not, or counted and does not.
    private static func reviewDeclaration(
        _ declaration: DeclarationSubject,
        disclosures: [Disclosure],
        chain: SupplyChainLedger,
        size: UInt64
    ) throws -> Item {
        let asOfSize = disclosures[0].asOfSize
        var item = Item(
            subject: disclosures[0].subject,
            asOfSize: asOfSize,
            disclosures: disclosures,
            status: .current,
            changes: []
        )
        func compute(_ size: UInt64) throws -> Declaration {
            try chain.read { reader, txn, _ in
                var engine = try CarbonEngine(reader: reader, size: size, txn)
                return try Declaration.compute(
                    model: declaration.model,
                    plant: declaration.plant,
                    from: declaration.from,
                    to: declaration.to,
                    engine: &engine,
                    reader: reader,
                    txn
                )
            }
        }
        let then: Declaration
        do {
            then = try compute(asOfSize)
        } catch let error as CarbonError {
            return item.notRecomputed(error.description)
        }
        item.then = Figures(then)
        let now: Declaration
        do {
            now = try compute(size)
        } catch let error as CarbonError {
            item.reason = error.description
            item.status = .withdrawn
            return item
        }
        item.now = Figures(now)
        // A declaration of modules and packs: the units counted now and not then, or then and not now.
        let unitsThen = Set(then.units.map(\.id))
        let unitsNow = Set(now.units.map(\.id))
        for unit in now.units where !unitsThen.contains(unit.id) {
            let cells = "\(unit.cells) \(unit.cells == 1 ? "cell" : "cells")"
            // A unit assembled before the export and counted only now: a change since (the unit
            // of the model it sat in taken apart or declared in error) made it the outermost one.
            let assembled =
                unit.firstAssembly.sequenceNumber < asOfSize
                ? "assembled at #\(unit.firstAssembly.sequenceNumber) before the export" : "assembled"
            item.changes.append(
                Change(
                    sequenceNumber: unit.firstAssembly.sequenceNumber,
                    type: SupplyChainLedger.EntryType.event,
                    summary: "\(unit.kind.rawValue) \(unit.id) (\(cells)) \(assembled), counted now"
                )
            )
        }
        for unit in then.units where !unitsNow.contains(unit.id) {
            // Its first assembly declared in error since: named by the declaration, as a range's
            // commissioning is, not by the assembly the export already counted.
            let declared = unit.firstAssembly.retractedAt.flatMap { $0 < size ? $0 : nil }
            item.changes.append(
                Change(
                    sequenceNumber: declared ?? unit.firstAssembly.sequenceNumber,
                    type: SupplyChainLedger.EntryType.event,
                    summary:
                        "\(unit.kind.rawValue) \(unit.id) (\(unit.cells) \(unit.cells == 1 ? "cell" : "cells")), counted then, "
                        + (declared.map { "declared in error at #\($0)" } ?? "no longer counted")
                )
            )
        }
        let counted = Set(then.ranges.map(\.range))
        let counts = Set(now.ranges.map(\.range))
        for range in now.ranges.map(\.range) where !counted.contains(range) {
            item.changes.append(
                Change(
                    sequenceNumber: range.commissionedAt,
                    type: SupplyChainLedger.EntryType.event,
                    summary:
                        "cells \(range.text) (\(range.count)) commissioned, counted now"
                )
            )
        }
        for range in then.ranges.map(\.range) where !counts.contains(range) {
            let declared = try chain.read { reader, txn, _ in
                try reader.declaration(ofEventAt: range.commissionedAt, txn)
            }
            item.changes.append(
                Change(
                    sequenceNumber: declared?.declaredAt ?? range.commissionedAt,
                    type: SupplyChainLedger.EntryType.event,
                    summary: "cells \(range.text) (\(range.count)), counted then, "
                        + (declared.map { "declared in error at #\($0.declaredAt)" } ?? "no longer counted")
                )
            )
        }
        if ElectricityMethod.allCases.contains(where: {
            differs(then.verifiedShare[$0] ?? 0, now.verifiedShare[$0] ?? 0)
        }) {
            // A declaration's verified share moved: the attestations recorded or withdrawn since.
            let standing = try chain.read { reader, txn, _ in try reader.attestations(asOfSize: size, txn) }
            for attestation in standing {
                guard let entry = attestation.sequenceNumber else { continue }
                if entry >= asOfSize { item.changes.append(Self.recorded(attestation, at: entry)) }
                if let withdrawn = attestation.withdrawnAt, withdrawn >= asOfSize, entry < asOfSize {
                    item.changes.append(Self.withdrawn(attestation, at: withdrawn))
                }
            }
        }
        item.changes.sort { $0.sequenceNumber < $1.sequenceNumber }
        item.status =
            item.then?.matches(Figures(now)) == true
            ? item.changes.isEmpty ? .current : .lineageChanged
            : .footprintChanged
        return item
    }

    /// The attestations a footprint relies on now and did not then (recorded since), and those it
    /// relied on then and not now (withdrawn since): its evidence, changed without its figures.
    private static func verificationChanges(then: Footprint, now: Footprint) -> [Change] {
        let before = Set(then.attestationsRelied.compactMap(\.sequenceNumber))
        let after = Set(now.attestationsRelied.compactMap(\.sequenceNumber))
        var changes: [Change] = []
        for attestation in now.attestationsRelied {
            guard let entry = attestation.sequenceNumber, !before.contains(entry) else { continue }
            changes.append(recorded(attestation, at: entry))
        }
        for attestation in then.attestationsRelied {
            // One that no longer covers a changed lineage is told by the lineage's own changes.
            guard let entry = attestation.sequenceNumber, !after.contains(entry),
                let since = now.attestations.first(where: { $0.sequenceNumber == entry }),
                let withdrawnAt = since.withdrawnAt
            else { continue }
            changes.append(withdrawn(since, at: withdrawnAt))
        }
        return changes
    }

    /// A line for an attestation recorded since.
    private static func recorded(_ attestation: Attestation, at entry: UInt64) -> Change {
        Change(
            sequenceNumber: entry,
            type: SupplyChainLedger.EntryType.attestation,
            summary: "attestation by \(attestation.verifier) (\(attestation.standard), \(attestation.level.rawValue) "
                + "assurance) covers its data"
        )
    }

    /// A line for an attestation withdrawn since.
    private static func withdrawn(_ attestation: Attestation, at entry: UInt64) -> Change {
        Change(
            sequenceNumber: entry,
            type: SupplyChainLedger.EntryType.attestationWithdraw,
            summary: "attestation #\(attestation.sequenceNumber ?? 0) by \(attestation.verifier) withdrawn"
                + (attestation.withdrawalReason.map { ": \($0)" } ?? "")
        )
    }

    /// The entries a scope gained since `since` and the declarations, recorded since, of the
    /// events it had, each described in a line.
    private static func changes(
        added: [UInt64],
        declaredIn events: [UInt64],
        since: UInt64,
        chain: SupplyChainLedger,
        size: UInt64
    ) throws -> [Change] {
        try chain.read { reader, txn, _ in
            var changes: [Change] = []
            for sequence in events {
                guard let (declaredAt, reason) = try reader.declaration(ofEventAt: sequence, txn),
                    declaredAt >= since, declaredAt < size
                else { continue }
                let eventID = try chain.ledger.entry(at: sequence).body["eventID"]?.stringValue ?? "#\(sequence)"
                changes.append(
                    Change(
                        sequenceNumber: declaredAt,
                        type: SupplyChainLedger.EntryType.event,
                        summary: "declares event \(eventID) (#\(sequence)) in error"
                            + (reason.map { ": \(Self.shortReason($0))" } ?? "")
                    )
                )
            }
            for sequence in added {
                let entry = try chain.ledger.entry(at: sequence)
                changes.append(
                    Change(
                        sequenceNumber: sequence,
                        type: entry.type,
                        summary: try describe(entry, reader: reader, txn)
                    )
                )
            }
            return changes.sorted { $0.sequenceNumber < $1.sequenceNumber }
        }
    }

    /// A line saying what an entry of a scope records.
    static func describe(
        _ entry: Entry,
        reader: LineageReader,
        _ txn: borrowing ReadTransaction
    ) throws -> String {
        let body = entry.body
        let id = body["id"]?.stringValue ?? ""
        let reason = body["reason"]?.stringValue.map { ": \($0)" } ?? ""
        switch entry.type {
        case SupplyChainLedger.EntryType.event:
            let eventID = body["eventID"]?.stringValue ?? "#\(entry.sequenceNumber)"
            let type = body["type"]?.stringValue ?? "event"
            if let declaration = body["errorDeclaration"], let declared = try reader.event(eventID, txn),
                declared.sequenceNumber != entry.sequenceNumber
            {
                return "declares event \(declared.eventID) (#\(declared.sequenceNumber)) in error"
                    + (declaration["reason"]?.stringValue.map { ": \(Self.shortReason($0))" } ?? "")
            }
            let corrected = try reader.correctedEvents(by: eventID, txn)
            if !corrected.isEmpty {
                return "corrective \(type) \(eventID), for "
                    + corrected.map { "\($0.event.eventID) (declared in error at #\($0.declaredAt))" }
                    .joined(separator: ", ")
            }
            let step = body["bizStep"]?.stringValue.map { " (\(Self.shortReason($0)))" } ?? ""
            return "\(type)\(step) \(eventID) recorded"
        case SupplyChainLedger.EntryType.facilityAmend:
            let fields = (body.objectValue?.keys ?? []).filter { $0 != "id" && $0 != "reason" }.sorted()
            return "facility \(id) amended (\(fields.joined(separator: ", ")))\(reason)"
        case SupplyChainLedger.EntryType.facilityTransfer:
            return "facility \(id) transferred to \(body["operator"]?.stringValue ?? "?")\(reason)"
        case SupplyChainLedger.EntryType.factorTable:
            let version = body["version"]?.doubleValue.map { " version \(Int($0))" } ?? ""
            return "factor table \(id)\(version) recorded"
        case SupplyChainLedger.EntryType.attestation:
            guard let attestation = Attestation(body: body) else { return "attestation recorded" }
            return "attestation by \(attestation.verifier) of \(attestation.entryCount) entries "
                + "(\(attestation.entriesText)), \(attestation.standard), \(attestation.level.rawValue) assurance"
        case SupplyChainLedger.EntryType.attestationWithdraw:
            let verifier = body["verifier"]?.stringValue ?? entry.actor
            let withdrawn = body["attestation"]?.stringValue.map { " #\($0)" } ?? ""
            return "attestation\(withdrawn) withdrawn by \(verifier)\(reason)"
        default:
            return "\(entry.type)\(id.isEmpty ? "" : " \(id)") recorded"
        }
    }

    /// A CBV URI's last part (`incorrect_data` of `urn:epcglobal:cbv:er:incorrect_data`); other
    /// text as it is.
    private static func shortReason(_ text: String) -> String {
        guard text.hasPrefix("urn:epcglobal:cbv:") || text.hasPrefix("https://ref.gs1.org/cbv/") else { return text }
        return String(text.split(whereSeparator: { $0 == ":" || $0 == "/" || $0 == "-" }).last ?? Substring(text))
    }
}

extension DisclosureReview.Item {
    fileprivate func notRecomputed(_ reason: String) -> Self {
        var item = self
        item.status = .notRecomputed
        item.reason = reason
        return item
    }
}

/// `MODEL@PLANT FROM/TO`, the subject a declaration's export records: written by
/// ``PACTFootprint/declaration(model:plant:from:to:chain:asOf:)`` and read back here.
public struct DeclarationSubject: Sendable, Hashable {
    /// The battery model.
    public var model: String
    /// The plant (facility id).
    public var plant: String
    /// The period's first instant.
    public var from: Timestamp
    /// The period's last instant.
    public var to: Timestamp

    /// A declaration's subject.
    public init(model: String, plant: String, from: Timestamp, to: Timestamp) {
        self.model = model
        self.plant = plant
        self.from = from
        self.to = to
    }

    /// The subject's text: the times as RFC 3339 date-times, without milliseconds when they are zero.
    public var text: String {
        "\(model)@\(plant) \(ExportEncoding.dateTime(from))/\(ExportEncoding.dateTime(to))"
    }

    /// Reads a disclosure's subject (``text``); `nil` when it is not a declaration's.
    public init?(_ subject: String) {
        guard let space = subject.lastIndex(of: " "), let at = subject[..<space].lastIndex(of: "@") else {
            return nil
        }
        let period = subject[subject.index(after: space)...].split(separator: "/", omittingEmptySubsequences: false)
        guard period.count == 2, period.allSatisfy({ $0.contains("T") }),
            let from = PointInTime.time(String(period[0])), let to = PointInTime.time(String(period[1])),
            at > subject.startIndex
        else { return nil }
        model = String(subject[..<at])
        plant = String(subject[subject.index(after: at)..<space])
        self.from = from
        self.to = to
    }
}
