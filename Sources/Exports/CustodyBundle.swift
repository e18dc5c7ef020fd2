import Carbon
public import LedgerCore
import LedgerCrypto
import LedgerStorage
public import Provenance
public import SupplyChain

/// The custody bundle: one self-contained file with a subject's lineage entries, an inclusion proof
/// of each to one signed checkpoint, the signatures and keys of their submitters, the factor entries
/// used, and the footprint's working tied to fields of those entries (Docs/EXPORTS.md §1).
public enum CustodyBundle {
    /// The `format` value of this version.
    public static let format = "celltrace-custody/1"

    /// The deepest nesting of arrays and objects in a bundle, its own object the first: how deep
    /// its verifier reads one.
    ///
    /// A sealed field's value nests deepest. The ledger keeps its opening two levels down in the
    /// entry's openings, `{pointer: {"salt": …, "value": …}}`, read to `Entry.maxDepth` levels;
    /// a bundle holds the same opening three levels further down, in `entries`, and nothing else
    /// of a bundle nests as deep.
    static let maxDepth = Entry.maxDepth - levels(aboveOpeningIn: false) + levels(aboveOpeningIn: true)

    /// The arrays and objects that hold an opening's value: in the ledger's openings of an entry,
    /// or in a bundle, as the exporter writes them.
    private static func levels(aboveOpeningIn bundle: Bool) -> Int {
        let openings: JSONValue = ["/": Opening(salt: [], value: .null).json]
        return (bundle ? ["entries": [["openings": openings]]] : openings).nestingDepth
    }

    /// The text the ledger signs for a bundle: the format, the ledger, the subject and the SHA-256
    /// of the bundle's canonical bytes without its `statement`.
    static func statementText(origin: String, subject: String, digest: SHA256Digest) -> String {
        "\(format)\n\(origin)\n\(subject)\n\(digest.hex)\n"
    }

    /// A written bundle.
    public struct Export: Sendable {
        /// The bundle.
        public var json: JSONValue
        /// The bytes written: ``json`` in canonical form (RFC 8785) and a newline, so that no byte
        /// of the file can change without changing its content.
        public var bytes: [UInt8]
        /// The scope it describes.
        public var scope: LineageScope
        /// The tree size its proofs are for.
        public var treeSize: UInt64
        /// The entries it carries.
        public var entryCount: Int
        /// The attestations the footprint relies on that their verifiers withdrew after the
        /// footprint's size and before ``treeSize``, by entry, with the withdrawal's entry: the
        /// bundle carries each withdrawal, so that its recipient is told.
        public var withdrawnSince: [(attestation: UInt64, withdrawal: UInt64)]
    }

    /// Builds the custody bundle of `id`.
    ///
    /// - Parameters:
    ///   - id: A cell serial, a module or pack, or a lot.
    ///   - chain: The ledger.
    ///   - profile: What the recipient may see.
    ///   - pointInTime: The ledger size or time the bundle describes (the whole ledger by default);
    ///     the proofs are always to a checkpoint of the current ledger.
    ///   - since: Checkpoints the recipient kept; the bundle carries a consistency proof from each.
    /// - Returns: The bundle.
    /// - Throws: `ProvenanceError` or `CarbonError` when the subject's trace or footprint cannot
    ///   be computed; `LedgerError` when a checkpoint given is not of this ledger.
    public static func export(
        _ id: String,
        chain: SupplyChainLedger,
        profile: DisclosureProfile,
        asOf pointInTime: PointInTime? = nil,
        since: [SignedCheckpoint] = []
    ) throws -> Export {
        let scope = try LineageScope.collect(id, chain: chain, asOf: pointInTime, withWorking: true)
        if scope.subject.kind == .lot, profile == .public {
            throw ExportError(
                "a lot's custody bundle states the lot's mass, which the public profile withholds; export a cell or pack, or use --profile legitimate-interest"
            )
        }
        var builder = try Builder(scope: scope, chain: chain, profile: profile)
        let json = try builder.bundle(since: since)
        return Export(
            json: json,
            bytes: builder.canonicalBytes,
            scope: scope,
            treeSize: builder.treeSize,
            entryCount: builder.sequences.count,
            withdrawnSince: builder.withdrawnSince
        )
    }
}

/// Assembles one bundle.
private struct Builder {
    let scope: LineageScope
    let chain: SupplyChainLedger
    let profile: DisclosureProfile
    let treeSize: UInt64
    /// Every entry the bundle carries, in ledger order.
    private(set) var sequences: [UInt64] = []
    /// The bundle's bytes, once ``bundle(since:)`` has made it.
    private(set) var canonicalBytes: [UInt8] = []
    /// The footprint's verified shares and the verifiers' statements it relies on.
    private let verification: FootprintVerification
    private var attestations: [Attestation] { verification.relied }
    /// The relied attestations withdrawn between the footprint's size and `treeSize`.
    private(set) var withdrawnSince: [(attestation: UInt64, withdrawal: UInt64)] = []
    /// Entries read, opened.
    private var entries: [UInt64: Entry] = [:]
    private var openings: [UInt64: [JSONPointer: Opening]] = [:]
    private var openedBodies: [UInt64: JSONValue] = [:]
    private var withheld: [UInt64: Set<String>] = [:]
    private var fields: [UInt64: EventFields] = [:]
    private let graph: UpstreamGraph
    private let working: FootprintWorking

    init(scope: LineageScope, chain: SupplyChainLedger, profile: DisclosureProfile) throws {
        self.scope = scope
        self.chain = chain
        self.profile = profile
        let ledger = chain.ledger
        var submitters: Set<String> = []
        var submissions: Set<UInt64> = []
        var read: [UInt64: Entry] = [:]
        for entry in try ledger.entries(at: scope.entries) { read[entry.sequenceNumber] = entry }
        let verification = scope.footprint.verification()
        self.verification = verification
        let relied = Set(verification.relied.compactMap(\.sequenceNumber))
        var withdrawnSince: [(attestation: UInt64, withdrawal: UInt64)] = []
        // The entries that give the mass of every unit a counted unit shipment moved, so that a
        // recipient works out each unit's share of the shipment (Docs/EXPORTS.md §1.5).
        let unitEntries = try chain.read { reader, txn, _ in
            try Self.unitMassEntries(scope.footprint.contributions, reader: reader, txn)
        }
        let events = Set(scope.events).union(unitEntries).filter { $0 < scope.size }.sorted()
        for entry in try ledger.entries(at: events.filter { read[$0] == nil }) { read[entry.sequenceNumber] = entry }
        let (treeSize, graph, working) = try chain.read { reader, txn, now in
            guard let working = scope.working else {
                throw ExportError.defect("the scope was collected without the footprint's working")
            }
            let graph = try UpstreamGraph.load(roots: scope.subject.roots, reader: reader, size: scope.size, txn)
            for sequence in events {
                guard let entry = read[sequence] else { continue }
                submitters.insert(entry.actor)
                guard let eventID = entry.body["eventID"]?.stringValue else { continue }
                // An error declaration repeats the eventID of the event it declares in error: the
                // record of that ID is the earlier event's, signed by another submission.
                if let record = try reader.event(eventID, txn), record.sequenceNumber == sequence,
                    let submission = record.submission
                {
                    submissions.insert(submission)
                } else {
                    submissions.insert(try Self.submissionBefore(sequence, ledger: ledger))
                }
            }
            // A relied attestation withdrawn since the footprint's size: the footprint counts it,
            // as the ledger stood then, and the bundle carries the withdrawal, so that the
            // recipient learns it no longer stands.
            for (sequence, withdrawal) in try reader.withdrawals(of: relied, asOfSize: now, txn) {
                guard withdrawal >= scope.size else {
                    throw ExportError.defect(
                        "the footprint relies on attestation #\(sequence), withdrawn at entry \(withdrawal) before its size \(scope.size)"
                    )
                }
                withdrawnSince.append((sequence, withdrawal))
            }
            return (now, graph, working)
        }
        self.treeSize = treeSize
        self.withdrawnSince = withdrawnSince
        self.graph = graph
        self.working = working
        // The verifiers' statements the footprint relies on, with their keys' entries, so that a
        // recipient checks who attested what without the ledger.
        var all = Set(scope.entries).union(events).union(submissions).union(relied)
            .union(withdrawnSince.map(\.withdrawal))
        for actorID in submitters.union(attestations.map(\.verifier)) {
            guard let actor = try chain.actor(actorID) else { continue }
            all.insert(actor.registeredAt)
            for (index, key) in actor.keys.enumerated() {
                if index > 0 { all.insert(key.validFrom) }
                // The revocation's own entry: a key rotated out and revoked later ends at the rotation.
                if let revoked = key.revokedAt { all.insert(revoked) }
            }
        }
        sequences = all.filter { $0 < treeSize }.sorted()
        for entry in try ledger.entries(at: sequences.filter { read[$0] == nil }) { read[entry.sequenceNumber] = entry }
        let allOpenings = try ledger.openings(of: sequences.compactMap { read[$0] })
        for sequence in sequences {
            guard let entry = read[sequence] else { continue }
            entries[sequence] = entry
            guard let openings = allOpenings[sequence] else {
                openedBodies[sequence] = entry.body
                continue
            }
            // The ledger checked that the openings are exactly the entry's commitments.
            var body = entry.body
            self.openings[sequence] = openings
            var hidden: Set<String> = []
            for (pointer, opening) in openings {
                _ = pointer.replaceValue(with: opening.value, in: &body)
                if !profile.reveals(entryType: entry.type, pointer: pointer) { hidden.insert(pointer.text) }
            }
            openedBodies[sequence] = body
            withheld[sequence] = hidden
        }
    }

    /// The entries that give the mass of each unit the footprint's unit shipments moved, as it was
    /// when shipped: a cell's commissioning entry; a module's or pack's assembly steps recorded
    /// before the shipment, with the error declarations of those declared in error before it, and
    /// those of the units in it, down to its cells' commissioning entries.
    private static func unitMassEntries(
        _ contributions: [Contribution],
        reader: LineageReader,
        _ txn: borrowing ReadTransaction
    ) throws -> Set<UInt64> {
        var entries: Set<UInt64> = []
        var done: Set<UInt64> = []
        for contribution in contributions where contribution.kind == .unitShipment {
            guard let shipment = contribution.sequenceNumber, done.insert(shipment).inserted else { continue }
            guard let (process, _) = try reader.process(atSequence: shipment, txn) else {
                throw ExportError.defect("unit shipment entry \(shipment) has no activity data")
            }
            var pending = process.units.map(\.lot)
            var seen: Set<String> = []
            while let unit = pending.popLast() {
                guard seen.insert(unit).inserted else { continue }
                if let range = try reader.serialRange(containing: unit, asOf: shipment, txn) {
                    entries.insert(range.commissionedAt)
                } else if let assembly = try reader.assembly(unit, txn) {
                    for step in assembly.history where step.sequenceNumber < shipment {
                        entries.insert(step.sequenceNumber)
                        if let retracted = step.retractedAt, retracted < shipment { entries.insert(retracted) }
                    }
                    pending += assembly.children(asOf: shipment)
                }
            }
        }
        return entries
    }

    /// The submission entry before an event entry, for ledgers whose event records do not name it.
    private static func submissionBefore(_ sequence: UInt64, ledger: Ledger) throws -> UInt64 {
        var candidate = sequence
        while candidate > 0 {
            candidate -= 1
            if try ledger.entry(at: candidate).type == SupplyChainLedger.EntryType.submission { return candidate }
        }
        throw LedgerError(code: .notFound, message: "no submission entry precedes event entry \(sequence)")
    }

    // MARK: The bundle

    mutating func bundle(since: [SignedCheckpoint]) throws -> JSONValue {
        let ledger = chain.ledger
        let checkpoint = try ledger.checkpoint(atSize: treeSize)
        let proofs = try ledger.inclusionProofs(forEntriesAt: sequences, treeSize: treeSize)
        var entryList: [JSONValue] = []
        for (sequence, proof) in zip(sequences, proofs) {
            guard let entry = entries[sequence] else { continue }
            var opened: [String: JSONValue] = [:]
            var hidden: [String: JSONValue] = [:]
            for (pointer, opening) in openings[sequence] ?? [:] {
                if withheld[sequence]?.contains(pointer.text) == true {
                    hidden[pointer.text] = .string(
                        ClassifiedField.classify(entryType: entry.type, pointer: pointer).name
                    )
                } else {
                    opened[pointer.text] = opening.json
                }
            }
            entryList.append([
                "seq": .number(Double(sequence)),
                "canonical": .string(String(decoding: entry.canonicalBytes, as: UTF8.self)),
                "proof": .array(proof.map { .string($0.hex) }),
                "openings": .object(opened),
                "withheld": .object(hidden),
            ])
        }
        // Consistency proofs by the size they start from: from each checkpoint the recipient kept,
        // and from the size each attestation names, so that a recipient checks offline that the
        // root its verifier signed is this ledger's at that size.
        var consistency: [UInt64: JSONValue] = [:]
        func prove(from size: UInt64) throws {
            guard consistency[size] == nil else { return }
            let proof = try ledger.consistencyProof(from: size, to: treeSize)
            consistency[size] = ["fromSize": .number(Double(size)), "proof": .array(proof.map { .string($0.hex) })]
        }
        for old in since {
            guard old.checkpoint.origin == ledger.origin else {
                throw LedgerError(
                    code: .invalidInput,
                    message:
                        "the checkpoint given is of \(old.checkpoint.origin), not of this ledger (\(ledger.origin))"
                )
            }
            let size = old.checkpoint.size
            guard size >= 1, size <= treeSize, try ledger.rootHash(atSize: size) == old.checkpoint.rootHash else {
                throw LedgerError(
                    code: .invalidInput,
                    message: "the checkpoint given (size \(size)) is not a checkpoint of this ledger's history"
                )
            }
            try prove(from: size)
        }
        for attestation in attestations {
            // The ledger records an attestation only with a size from 1 to its own entry, which
            // is below the footprint's size and so below treeSize.
            guard let size = attestation.ledgerSize, size >= 1, size <= treeSize else {
                throw ExportError.defect(
                    "attestation #\(attestation.sequenceNumber ?? 0) names ledger size \(attestation.ledgerSize.map(String.init) ?? "none"), not one from 1 to \(treeSize)"
                )
            }
            try prove(from: size)
        }
        var bundle: JSONObject = [
            "format": .string(CustodyBundle.format),
            "subject": .string(scope.subject.id),
            "subjectKind": .string(scope.subject.kind.rawValue),
            "profile": .string(profile.rawValue),
            "origin": .string(ledger.origin),
            "treeSize": .number(Double(treeSize)),
            "checkpoint": .string(checkpoint.formatted),
            "entries": .array(entryList),
            "trace": try trace(),
            "footprint": try footprint(),
        ]
        if !consistency.isEmpty { bundle["consistency"] = .array(consistency.sorted { $0.key < $1.key }.map(\.value)) }
        var members = CanonicalMembers(bundle)
        let statement = JSONValue.string(
            try ledger.signStatement(
                CustodyBundle.statementText(
                    origin: ledger.origin,
                    subject: scope.subject.id,
                    digest: SHA256.hash(members.bytes)
                )
            ).formatted
        )
        members.add("statement", statement)
        bundle["statement"] = statement
        canonicalBytes = members.bytes + [0x0a]
        return .object(bundle)
    }

    // MARK: Operands

    /// The event fields of an event entry, read once.
    private mutating func eventFields(_ sequence: UInt64) throws -> EventFields {
        if let known = fields[sequence] { return known }
        guard let body = openedBodies[sequence], let read = EventFields(openedBody: body) else {
            throw ExportError.defect("entry \(sequence) is not an event the bundle can point into")
        }
        fields[sequence] = read
        return read
    }

    /// An operand on a field of an entry of the bundle.
    private func operand(
        _ sequence: UInt64,
        _ pointer: String,
        uom: String? = nil,
        dimension: String? = nil,
        scale: Double? = nil,
        base: Double
    ) throws -> JSONValue {
        guard let body = openedBodies[sequence], let value = try JSONPointer(pointer).value(in: body),
            value.doubleValue != nil || value.stringValue.flatMap(Double.init) != nil
        else {
            throw ExportError.defect("entry \(sequence) has no number at \(pointer)")
        }
        var members: [String: JSONValue] = ["entry": .number(Double(sequence)), "at": .string(pointer)]
        if let uom {
            members["uomAt"] = .string(uom)
            members["dimension"] = .string(dimension ?? "mass")
        }
        if let scale { members["scale"] = .number(scale) }
        if withheld[sequence]?.contains(pointer) == true {
            members["withheld"] = true
        } else {
            members["base"] = .number(base)
        }
        return .object(members)
    }

    /// An operand on a lot's quantity element.
    private func quantity(_ sequence: UInt64, _ element: EventFields.Element) throws -> JSONValue {
        try operand(
            sequence,
            element.pointer + "/quantity",
            uom: element.pointer + "/uom",
            dimension: "mass",
            base: element.kg.doubleValue
        )
    }

    /// A constant of the method.
    private func constant(_ value: Double, _ rule: String) -> JSONValue {
        ["value": .number(value), "rule": .string(rule)]
    }

    // MARK: The trace

    private mutating func trace() throws -> JSONValue {
        var roots: [JSONValue] = []
        for root in working.roots {
            if let cells = root.cells, let entry = root.commissioningEntry {
                let fields = try eventFields(entry)
                guard let mass = fields.extensionPointer("cellMass") else {
                    throw ExportError.defect("commissioning entry \(entry) has no ct:cellMass")
                }
                roots.append([
                    "lot": .string(root.lot), "cells": .number(Double(cells)),
                    "cellMass": try operand(
                        entry,
                        mass + "/quantity",
                        uom: mass + "/uom",
                        dimension: "mass",
                        base: root.kg / Double(max(cells, 1))
                    ),
                ])
            } else if scope.subject.kind == .lot, let node = graph.nodes.first(where: { $0.lot.id == root.lot }),
                let element = try eventFields(node.lot.createdAt).made(root.lot)
            {
                roots.append(["lot": .string(root.lot), "kg": try quantity(node.lot.createdAt, element)])
            } else {
                roots.append([
                    "lot": .string(root.lot),
                    "kg": constant(root.kg, "the cells of several commissioning events, as recorded"),
                ])
            }
        }
        var lots: [JSONValue] = []
        for node in graph.nodes {
            let card = node.lot
            let sequence = card.createdAt
            let fields = try eventFields(sequence)
            let consumed = Set(card.inputs.map(\.from))
            var members: [String: JSONValue] = [
                "lot": .string(card.id), "entry": .number(Double(sequence)), "kg": .number(node.flowKg),
                "facility": .string(card.facility),
                "inputs": .array(
                    try fields.inputs.filter { consumed.contains($0.lot) }.map { element in
                        ["lot": .string(element.lot), "kg": try quantity(sequence, element)]
                    }
                ),
                "outputs": .array(
                    try (fields.outputs.isEmpty ? fields.quantities : fields.outputs).map { element in
                        ["lot": .string(element.lot), "kg": try quantity(sequence, element)]
                    }
                ),
            ]
            if let material = card.material { members["material"] = .string(material) }
            if let country = node.facility?.country { members["country"] = .string(country) }
            lots.append(.object(members))
        }
        return ["roots": .array(roots), "lots": .array(lots)]
    }

    // MARK: The footprint

    private mutating func footprint() throws -> JSONValue {
        let footprint = scope.footprint
        var total: [String: JSONValue] = [:]
        for method in ElectricityMethod.allCases {
            var stages: [String: JSONValue] = [:]
            for stage in LifeCycleStage.allCases { stages[stage.rawValue] = .number(footprint.total[method, stage]) }
            total[method.rawValue] = .object(stages)
        }
        var members: [String: JSONValue] = [
            "asOfSize": .number(Double(footprint.asOfSize)),
            "usableKWh": .number(footprint.usableKWh),
            "total": .object(total),
            "contributions": .array(footprint.contributions.map(Self.contribution)),
        ]
        if !verification.relied.isEmpty {
            var shares: [String: JSONValue] = [:]
            for (method, share) in verification.limited { shares[method.rawValue] = .number(share) }
            members["verifiedShare"] = .object(shares)
            members["contributions"] = .array(
                footprint.contributions.map { contribution in
                    var members = Self.contribution(contribution).objectValue ?? [:]
                    for (key, value) in footprint.verificationMembers(of: contribution, factorEntries: true) {
                        members[key] = value
                    }
                    return .object(members)
                }
            )
        }
        if let lifetime = footprint.lifetimeKWh { members["lifetimeKWh"] = .number(lifetime) }
        if let model = footprint.model {
            members["model"] = .string(model.id)
            members["modelEntry"] = .number(Double(model.registeredAt))
        }
        if profile != .public { members["working"] = try workingJSON() }
        return .object(members)
    }

    private static func contribution(_ contribution: Contribution) -> JSONValue {
        var members: [String: JSONValue] = [
            "kind": .string(contribution.kind.rawValue), "lot": .string(contribution.lot),
            "stage": .string(contribution.stage.rawValue), "primary": .bool(contribution.isPrimary),
            "kgCO2e": .object(
                Dictionary(
                    uniqueKeysWithValues: ElectricityMethod.allCases.map {
                        ($0.rawValue, JSONValue.number(contribution.emissions.total($0)))
                    }
                )
            ),
        ]
        if let sequence = contribution.sequenceNumber { members["entry"] = .number(Double(sequence)) }
        return .object(members)
    }

    private mutating func workingJSON() throws -> JSONValue {
        var lots: [JSONValue] = []
        for lot in working.lots {
            let kinds = Set(lot.parts.map(\.kind))
            let counts = kinds.contains(.process) ? "process" : kinds.contains(.noData) ? "no-data" : "none"
            lots.append([
                "lot": .string(lot.id), "counts": .string(counts),
                "parts": .array(try lot.parts.map { try part($0, of: lot) }),
            ])
        }
        var members: [String: JSONValue] = ["lots": .array(lots)]
        let assembly = scope.footprint.contributions.filter { $0.kind == .assembly }
        if !assembly.isEmpty {
            members["assembly"] = .array(
                try assembly.map { contribution in
                    guard contribution.eventID != nil else {
                        throw ExportError.defect("an assembly contribution without its event")
                    }
                    let (process, terms) = try account(of: contribution, stage: .mainProduction, "an assembly")
                    return [
                        "entry": .number(Double(process.sequenceNumber)), "lot": .string(contribution.lot),
                        "stage": .string(contribution.stage.rawValue),
                        "primary": .bool(contribution.isPrimary),
                        "terms": .array(try terms.map { try term($0, event: process.sequenceNumber) }),
                    ] as JSONValue
                }
            )
        }
        let unitShipments = scope.footprint.contributions.filter { $0.kind == .unitShipment }
        if !unitShipments.isEmpty { members["unitShipments"] = .array(try unitShipments.map { try unitShipment($0) }) }
        return .object(members)
    }

    /// The event of an assembly or unit-shipment contribution and its account's terms under
    /// `stage`, with the facility and factors as of the footprint's size.
    private func account(
        of contribution: Contribution,
        stage: LifeCycleStage,
        _ kind: String
    ) throws -> (ProcessData, [ProcessTerm]) {
        try chain.read { reader, txn, _ in
            guard let sequence = contribution.sequenceNumber,
                let (process, _) = try reader.process(atSequence: sequence, txn)
            else { throw ExportError.defect("\(kind) contribution without its event") }
            let facility = try process.facility.flatMap { try reader.facility($0, asOf: scope.size, txn) }
            let terms = try ProcessAccount(
                process,
                facility: facility,
                factors: try FactorSet.inForce(reader: reader, size: scope.size, txn),
                stage: stage,
                recording: true
            ).terms
            return (process, terms)
        }
    }

    /// A unit shipment's part: the shipment's terms, every unit it moved with its mass when
    /// shipped, and the unit's share of the shipment (Docs/EXPORTS.md §1.5).
    private mutating func unitShipment(_ contribution: Contribution) throws -> JSONValue {
        let (process, terms) = try account(of: contribution, stage: .distribution, "a unit shipment")
        guard let sequence = contribution.sequenceNumber, let share = process.unitShares[contribution.lot] else {
            throw ExportError.defect("unit shipment entry \(process.sequenceNumber) did not move \(contribution.lot)")
        }
        return [
            "entry": .number(Double(sequence)), "lot": .string(contribution.lot),
            "stage": .string(contribution.stage.rawValue), "primary": .bool(contribution.isPrimary),
            "terms": .array(try terms.map { try term($0, event: sequence) }),
            "units": .array(
                process.units.map { ["unit": .string($0.lot), "kg": .number($0.kg.doubleValue)] as JSONValue }
            ),
            "share": .number(share),
        ]
    }

    private mutating func part(_ part: FootprintWorking.Part, of lot: FootprintWorking.Lot) throws -> JSONValue {
        var members: [String: JSONValue] = [
            "kind": .string(part.kind.rawValue), "stage": .string(part.stage.rawValue),
            "primary": .bool(part.isPrimary),
        ]
        if let sequence = part.sequenceNumber { members["entry"] = .number(Double(sequence)) }
        switch part.kind {
        case .process:
            guard let sequence = part.sequenceNumber else { break }
            _ = try eventFields(sequence)
            members["terms"] = .array(try part.terms.map { try term($0, event: sequence) })
            let pricesPointer = fields[sequence]?.extensionPointer("coProductPrices")
            // The reason states the price ratio only where the prices themselves are shown.
            let pricesWithheld = pricesPointer.map { withheld[sequence]?.contains($0) == true } ?? false
            var allocation: [String: JSONValue] = [
                "method": .string(part.allocation?.method.rawValue ?? "single"),
                "reason": .string(
                    (pricesWithheld ? part.allocation?.reasonWithoutPrices : part.allocation?.reason) ?? "one output"
                ),
            ]
            if part.allocation?.method == .economic, let pricesPointer,
                let list = try JSONPointer(pricesPointer).value(in: openedBodies[sequence] ?? .null)
            {
                var prices: [String: JSONValue] = [:]
                let elements = list.arrayValue ?? [list]
                for (index, element) in elements.enumerated() {
                    guard let lotID = element["epcClass"]?.stringValue, let price = part.prices[lotID] else { continue }
                    let at = pricesPointer + (list.arrayValue == nil ? "" : "/\(index)") + "/pricePerKg"
                    prices[lotID] = try pricedOperand(
                        sequence,
                        at,
                        pricesPointer: pricesPointer,
                        base: price.doubleValue
                    )
                }
                allocation["prices"] = .object(prices)
            }
            members["allocation"] = .object(allocation)
        case .shipment:
            guard let sequence = part.sequenceNumber else { break }
            let fields = try eventFields(sequence)
            members["terms"] = .array(try part.terms.map { try term($0, event: sequence) })
            let moved = Set(part.shipped.map(\.lot))
            let elements = fields.quantities.filter { moved.contains($0.lot) }
            guard let own = elements.first(where: { $0.lot == lot.id }) else {
                throw ExportError.defect("shipment entry \(sequence) does not list \(lot.id)")
            }
            members["moved"] = try quantity(sequence, own)
            members["shipped"] = .array(try elements.map { try quantity(sequence, $0) })
        case .materialDefault:
            if let use = part.materialFactor { members["factor"] = try factorOperand(use, value: use.value) }
        case .noData, .assembly, .unitShipment:
            break
        }
        return .object(members)
    }

    /// A price operand: co-product prices are sealed as one member, so the withheld check is on it.
    private func pricedOperand(
        _ sequence: UInt64,
        _ at: String,
        pricesPointer: String,
        base: Double
    ) throws
        -> JSONValue
    {
        var value = try operand(sequence, at, base: base)
        if withheld[sequence]?.contains(pricesPointer) == true, case .object(var members) = value {
            members["base"] = nil
            members["withheld"] = true
            value = .object(members)
        }
        return value
    }

    private func factorOperand(_ use: FactorUse, value: Double) throws -> JSONValue {
        guard let table = use.sequenceNumber, let index = use.index else {
            return constant(value, "factor \(use.key) from \(use.source)")
        }
        guard let body = openedBodies[table], let stated = body["factors"]?.arrayValue?[index]["value"],
            let number = stated.doubleValue ?? stated.stringValue.flatMap(Double.init)
        else {
            throw ExportError.defect("factor table entry \(table) has no factor \(index)")
        }
        var members: [String: JSONValue] = [
            "entry": .number(Double(table)), "at": .string("/factors/\(index)/value"), "key": .string(use.key),
            "base": .number(value),
        ]
        if number != value, number != 0 { members["scale"] = .number(value / number) }
        return .object(members)
    }

    private mutating func term(_ term: ProcessTerm, event sequence: UInt64) throws -> JSONValue {
        let fields = try eventFields(sequence)
        let body = openedBodies[sequence] ?? .null
        func element(_ name: String, _ index: Int) throws -> String {
            guard let pointer = fields.extensionPointer(name), let value = try JSONPointer(pointer).value(in: body)
            else { throw ExportError.defect("entry \(sequence) has no ct:\(name)") }
            return value.arrayValue == nil ? pointer : pointer + "/\(index)"
        }
        var members: [String: JSONValue] = [
            "method": .string(term.method?.rawValue ?? "all"), "kgCO2e": .number(term.kgCO2e),
        ]
        var amount: [JSONValue] = []
        var statedAt: String?
        switch term.source {
        case .electricity(let index):
            let at = try element("electricity", index)
            members["what"] = "electricity"
            amount = [
                try operand(
                    sequence,
                    at + "/quantity",
                    uom: at + "/uom",
                    dimension: "electricity",
                    base: term.amount
                )
            ]
            statedAt = at + "/kgCO2ePerKWh"
        case .fuel(let index):
            let at = try element("fuels", index)
            members["what"] = "fuel"
            let dimension =
                term.use?.unit.hasSuffix("/kg") == true
                ? "mass" : term.use?.unit.hasSuffix("/MJ") == true ? "energy" : "volume"
            amount = [
                try operand(sequence, at + "/quantity", uom: at + "/uom", dimension: dimension, base: term.amount)
            ]
        case .transport(let index):
            let at = try element("transport", index)
            members["what"] = "transport"
            guard let legs = try JSONPointer(at).value(in: body),
                let km = Self.number(legs["distance"]), let mass = Self.number(legs["mass"]),
                let kmUom = legs["distanceUom"]?.stringValue, let massUom = legs["massUom"]?.stringValue,
                let kmBase = MeasureDimension.distance.toBase(km, code: kmUom),
                let kgBase = MeasureDimension.mass.toBase(mass, code: massUom)
            else { throw ExportError.defect("entry \(sequence) has an unreadable transport leg at \(at)") }
            amount = [
                try operand(
                    sequence,
                    at + "/distance",
                    uom: at + "/distanceUom",
                    dimension: "distance",
                    base: kmBase.doubleValue
                ),
                try operand(
                    sequence,
                    at + "/mass",
                    uom: at + "/massUom",
                    dimension: "mass",
                    scale: 0.001,
                    base: kgBase.doubleValue / 1000
                ),
            ]
        case .direct:
            guard let at = fields.extensionPointer("directEmissions") else {
                throw ExportError.defect("entry \(sequence) has no ct:directEmissions")
            }
            members["what"] = "direct"
            amount = [try operand(sequence, at + "/kgCO2e", base: term.amount)]
        }
        members["amount"] = .array(amount)
        if let use = term.use {
            members["factor"] = try factorOperand(use, value: term.factor)
        } else if term.stated, let statedAt {
            members["factor"] = try operand(sequence, statedAt, base: term.factor)
        } else {
            members["factor"] = constant(term.factor, term.rule ?? "a constant of the method")
        }
        return .object(members)
    }

    private static func number(_ value: JSONValue?) -> ExactDecimal? {
        guard let value else { return nil }
        if let text = value.stringValue { return ExactDecimal(text) }
        if let number = value.doubleValue { return ExactDecimal(number.description) }
        return nil
    }
}

/// A JSON object's canonical bytes built member by member, so that a member can be added without
/// serialising the others again (the bundle's statement signs the bytes without itself).
struct CanonicalMembers {
    private var members: [(key: [UInt16], bytes: [UInt8])]

    /// The members of an object, which come in RFC 8785 order (by their keys' UTF-16).
    init(_ object: JSONObject) {
        members = object.map { (Array($0.key.utf16), Self.member($0.key, $0.value)) }
    }

    private static func member(_ key: String, _ value: JSONValue) -> [UInt8] {
        JSONValue.string(key).canonicalBytes + [UInt8(ascii: ":")] + value.canonicalBytes
    }

    /// Adds a member in its sorted place.
    mutating func add(_ key: String, _ value: JSONValue) {
        let utf16 = Array(key.utf16)
        let index = members.firstIndex { !$0.key.lexicographicallyPrecedes(utf16) } ?? members.endIndex
        members.insert((utf16, Self.member(key, value)), at: index)
    }

    /// The object's canonical bytes.
    var bytes: [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "{")]
        output.reserveCapacity(members.reduce(2) { $0 + $1.bytes.count + 1 })
        for (index, member) in members.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output += member.bytes
        }
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// The object's canonical bytes without one member.
    func bytes(excluding key: String) -> [UInt8] {
        var copy = self
        copy.members.removeAll { $0.key == Array(key.utf16) }
        return copy.bytes
    }

    /// The bytes of one member (`"key":value`), if present.
    func member(_ key: String) -> [UInt8]? {
        let utf16 = Array(key.utf16)
        return members.first { $0.key == utf16 }?.bytes
    }
}
