public import LedgerCore
import LedgerStorage

/// A lot with where it stands: who holds how much, and the lineage edges on either side.
public struct LotReport: Sendable {
    /// The lot's record.
    public var lot: Lot
    /// Kilograms held, by actor, with when the lot first reached an actor that received it by a
    /// shipment (RFC 3339 UTC; `nil` for the maker, which holds it since it was made).
    public var holdings: [(actor: String, kg: ExactDecimal, since: String?)]
    /// Edges into the lot (what it was made from).
    public var madeFrom: [LineageEdge]
    /// Edges out of the lot (what was made from it).
    public var usedIn: [LineageEdge]
    /// The events of ``madeFrom`` and ``usedIn`` declared in error, by entry, with their declarations' entries.
    ///
    /// Their edges stay, as the ledger never deletes, but count for nothing.
    public var declaredInError: [UInt64: UInt64] = [:]
    /// Serial ranges commissioned from the lot (cell lots).
    public var serialRanges: [SerialRange]
    /// Serial ranges commissioned from the lot whose commissioning was declared in error
    /// (``SerialRange/retractedAt``).
    public var retractedSerialRanges: [SerialRange] = []
    /// The versions of the lot that corrective events replaced (``Lot/previousVersion``), the
    /// latest first: each was retracted, and keeps what it was made of and how it was retracted.
    public var previousVersions: [Lot] = []

    /// The lot's shipments and receipts, and the uses of it that no lineage edge shows, in the
    /// order recorded (``LineageReader/custody(ofLotNumber:lot:_:)``), those of its earlier
    /// versions included and marked with their ``LotCustodyEvent/version``.
    public var custody: [LotCustodyEvent] = []

    /// The ledger size the report is of, `nil` for the lot as it stands.
    ///
    /// A report as of a size comes from ``SupplyChainLedger/lot(_:asOf:)``.
    public var asOfSize: UInt64? = nil

    /// The lot's version under its id: 1 for a lot made once, 2 once made again, and so on.
    public var version: Int { previousVersions.count + 1 }

    /// For each actor the lot was shipped to or received by, the kilograms shipped to it and those
    /// it received, in the order first named.
    ///
    /// What a receiver has still to receive, under the receipt rule. Only the lot as it stands
    /// counts, and only events that stand (not declared in error); a sum beyond exact decimals
    /// stays at what it reached.
    public var receipts: [(actor: String, shippedKg: ExactDecimal, receivedKg: ExactDecimal)] {
        var totals: [(actor: String, shippedKg: ExactDecimal, receivedKg: ExactDecimal)] = []
        var at: [String: Int] = [:]
        func position(_ actor: String) -> Int {
            if let found = at[actor] { return found }
            at[actor] = totals.count
            totals.append((actor, .zero, .zero))
            return totals.count - 1
        }
        for event in custody where event.version == nil && event.declaredInErrorAt == nil {
            guard let kg = event.kg else { continue }
            switch event.kind {
            case .shipped:
                guard let to = event.to else { continue }
                let index = position(to)
                totals[index].shippedKg = totals[index].shippedKg.adding(kg) ?? totals[index].shippedKg
            case .received:
                let index = position(event.actor)
                totals[index].receivedKg = totals[index].receivedKg.adding(kg) ?? totals[index].receivedKg
            case .consumed, .assembled:
                continue
            }
        }
        return totals
    }
}

/// A step in a lot's custody, or a use of it that no lineage edge shows (``LotReport/custody``).
public struct LotCustodyEvent: Sendable, Hashable {
    /// What the event did with the lot.
    public enum Kind: String, Sendable {
        /// A shipment from ``LotCustodyEvent/actor`` to ``LotCustodyEvent/to``.
        case shipped
        /// A receipt by ``LotCustodyEvent/actor``.
        case received
        /// A transformation that consumed the lot and made nothing.
        case consumed
        /// An assembly of cells of the lot (a cell lot) into the module or pack ``LotCustodyEvent/to``.
        case assembled
    }

    /// Shipment, receipt, consumption or assembly.
    public var kind: Kind
    /// The sequence number of the event's entry.
    public var sequenceNumber: UInt64
    /// The event's CBV 2.0 Event Hash ID, by which `eventRecord(_:)` and the EPCIS export find
    /// it whatever eventID it was recorded under.
    public var hashID: String
    /// The event time, RFC 3339 UTC with milliseconds.
    public var eventTime: String
    /// The actor that recorded the event: the shipper, the receiver, the consumer, the assembler.
    public var actor: String
    /// A shipment's receiver, or the module or pack cells were put into.
    public var to: String?
    /// The kilograms shipped, received (the receipt's lines of the lot together) or consumed;
    /// `nil` for an assembly.
    public var kg: ExactDecimal?
    /// The entry that declared the event in error, if one did: the event counts for nothing.
    public var declaredInErrorAt: UInt64?
    /// For an event of a version of the lot since made again (``LotReport/previousVersions``),
    /// that version's number (1 for the first); `nil` for the lot as it stands.
    public var version: Int? = nil
}

extension LotCustodyEvent.Kind {
    /// The kind of a use `sc.lot-uses` records; `nil` for a shipment of the lot's cells by id,
    /// which moved cells rather than the lot and is in the custody of each cell it shipped.
    init?(_ use: LotUse) {
        switch use {
        case .consumed: self = .consumed
        case .received: self = .received
        case .assembled: self = .assembled
        case .shippedCells: return nil
        }
    }
}

/// Who has a cell, module or pack now, and why, by the custody rule an import applies to a
/// shipment of it by id, an assembly that puts it in or adds to it, and a disassembly of it.
///
/// A unit in a module or pack is with whoever has the outermost unit holding it (``inside``).
/// A unit in none is with the receiver of its last shipment by id that stands, or with the actor
/// that last took it out of a module or pack by a disassembly that stands, whichever was recorded
/// later; with neither, a module or pack is with the actor that assembled it first, and a cell
/// with the actors holding its cell lot.
public struct UnitCustodyReport: Sendable, Equatable {
    /// Why ``actors`` have the unit.
    public enum Reason: String, Sendable {
        /// The shipment by id at ``UnitCustodyReport/sequenceNumber`` went to the actor.
        case shipped
        /// The actor took it out of ``UnitCustodyReport/from`` by the disassembly at
        /// ``UnitCustodyReport/sequenceNumber``.
        case takenOut
        /// The actor recorded the first assembly of the module or pack that stands.
        case assembled
        /// The actors hold part of cell lot ``UnitCustodyReport/lot`` that the cell comes from.
        case cellLot
    }

    /// The outermost module or pack holding the unit, whose custody it shares; `nil` when the
    /// unit is in none.
    public var inside: String?
    /// Why ``actors`` have it.
    public var reason: Reason
    /// Who has it: one actor, or for ``Reason/cellLot`` every actor holding part of the cell lot
    /// (none when nobody holds any).
    public var actors: [String]
    /// The entry of the shipment or disassembly that gave it to the actor.
    public var sequenceNumber: UInt64?
    /// For ``Reason/takenOut``: the module or pack it was taken out of.
    public var from: String?
    /// For ``Reason/cellLot``: the cell lot.
    public var lot: String?
}

/// A serial number and what it belongs to.
public struct SerialReport: Sendable {
    /// The serial as asked.
    public var serial: String
    /// The commissioned range holding it, for a cell.
    public var range: SerialRange?
    /// The units it sits in, innermost first (module, then pack).
    public var containedIn: [String]
    /// For a module or pack: the units it holds now.
    public var children: [String]
    /// For a module or pack: every assembly and disassembly of it, oldest first, those declared
    /// in error included (``Assembly/Step/retractedAt``).
    public var history: [Assembly.Step] = []
    /// For a module or pack: the facility of its last assembly.
    public var facility: String?
    /// For a cell: the ranges that held it and whose commissioning was declared in error, as they
    /// were (``SerialRange/retractedAt``).
    public var retracted: [SerialRange] = []
    /// Each time it was put into or taken out of a module or pack, oldest first, those declared in
    /// error included: for a cell, and for a module or pack put into another.
    public var moves: [UnitMove] = []
    /// Who has it now, and why: for a commissioned cell, and a module or pack whose assembly
    /// stands.
    public var custody: UnitCustodyReport? = nil
    /// The ledger size the report is of, `nil` for the serial as it stands.
    ///
    /// A report as of a size (``SupplyChainLedger/serial(_:asOf:)``) tells in ``custody`` who
    /// had the unit then.
    public var asOfSize: UInt64? = nil
}

extension SupplyChainLedger {
    func rows(
        _ table: IndexTable,
        prefix: [UInt8],
        _ txn: borrowing ReadTransaction
    ) throws -> [(key: [UInt8], value: [UInt8])] {
        var result: [([UInt8], [UInt8])] = []
        let cursor = try txn.cursor(IndexTable.handle(table, in: tables))
        var row = prefix.isEmpty ? try cursor.first() : try cursor.seek(atLeast: prefix)
        while let (key, value) = row, key.starts(with: prefix) {
            result.append((key, value))
            row = try cursor.next()
        }
        return result.map { (key: $0.0, value: $0.1) }
    }

    private func all<T>(_ table: IndexTable, _ decode: (JSONValue) -> T?) throws -> [T] {
        try readIndexes { txn in
            try rows(table, prefix: [], txn).map { row in
                // A row left out of a listing would go unseen: say so instead.
                guard let value = decode(try JSONValue(parsing: row.value)) else {
                    throw SupplyChainError.unreadableRow(table, key: row.key)
                }
                return value
            }
        }
    }

    /// Every recorded disclosure, oldest first; only those to `recipient` when one is given.
    public func disclosures(recipient: String? = nil) throws -> [Disclosure] {
        try readIndexes { txn in
            let prefix: [UInt8] = recipient.map { Array($0.utf8) + [0] } ?? []
            var found = try rows(.disclosures, prefix: prefix, txn).compactMap {
                Disclosure(json: try JSONValue(parsing: $0.value))
            }
            found.sort { ($0.sequenceNumber ?? 0) < ($1.sequenceNumber ?? 0) }
            for index in found.indices {
                if let sequence = found[index].sequenceNumber {
                    found[index].recordedAt = try ledger.entry(at: sequence).time.rfc3339
                }
            }
            return found
        }
    }

    /// Every registered actor, by identifier.
    public func actors() throws -> [Actor] { try all(.actors, Actor.init(json:)) }

    /// Every registered facility, by identifier.
    public func facilities() throws -> [Facility] { try all(.facilities, Facility.init(json:)) }

    /// Every recorded factor table version.
    public func factorTables() throws -> [FactorTable] {
        try all(.factors) { json in
            FactorTable.read(json, sink: ProblemSink())
        }
    }

    /// One actor.
    public func actor(_ id: String) throws -> Actor? {
        try readIndexes { txn in try Rules(store: StateStore(tables: tables)).actor(id, txn) }
    }

    /// One facility.
    public func facility(_ id: String) throws -> Facility? {
        try readIndexes { txn in try Rules(store: StateStore(tables: tables)).facility(id, txn) }
    }

    /// A lot, its holders and its lineage edges.
    public func lot(_ id: String) throws -> LotReport? {
        try readIndexes { txn in
            let store = StateStore(tables: tables)
            guard let number = try store.lotNumber(id, txn), let lot = try store.storedLot(number, txn) else {
                return nil
            }
            let prefix = IndexKey.sequence(number)
            // A received holding keeps its row, with its arrival, when nothing is left of it.
            let holdings = try rows(.holdings, prefix: prefix, txn).compactMap { row -> (String, Holding)? in
                guard let holding = Holding(text: String(decoding: row.value, as: UTF8.self)), holding.kg.isPositive
                else { return nil }
                return (String(decoding: row.key.dropFirst(prefix.count), as: UTF8.self), holding)
            }
            // Each version was made before the one that replaces it, so the numbers fall.
            var previousVersions: [Lot] = []
            // Their lot numbers, in the same order, for their custody.
            var previousNumbers: [UInt64] = []
            var (previous, later) = (lot.previousVersion, number)
            while let version = previous {
                guard version < later, let replaced = try store.storedLot(version, txn), replaced.id == id else {
                    throw SupplyChainError.damagedIndex(
                        IndexTable.lots.rawValue,
                        "lot #\(later) names lot #\(version) as the version of \(id) it replaces, which is not one"
                    )
                }
                previousVersions.append(replaced)
                previousNumbers.append(version)
                (previous, later) = (replaced.previousVersion, version)
            }
            var report = LotReport(
                lot: lot,
                holdings: holdings.map { (actor: $0.0, kg: $0.1.kg, since: $0.1.sinceText) },
                madeFrom: try lineage.edges(of: id, upstream: true, txn),
                usedIn: try lineage.edges(of: id, upstream: false, txn),
                serialRanges: try lineage.serialRanges(ofLot: id, txn),
                retractedSerialRanges: try lineage.retractedSerialRanges(ofLot: id, txn),
                previousVersions: previousVersions
            )
            // The custody of every version, in the order recorded: a version made again had its
            // shipments and uses declared in error first, and they stay in its history.
            var custody = try lineage.custody(ofLotNumber: number, lot: lot.id, txn)
            for (offset, number) in previousNumbers.enumerated() {
                for var event in try lineage.custody(ofLotNumber: number, lot: lot.id, txn) {
                    event.version = previousNumbers.count - offset
                    custody.append(event)
                }
            }
            report.custody = custody.sorted { $0.sequenceNumber < $1.sequenceNumber }
            for sequence in Set((report.madeFrom + report.usedIn).map(\.sequenceNumber)) {
                if let declared = try lineage.declaration(ofEventAt: sequence, txn) {
                    report.declaredInError[sequence] = declared.declaredAt
                }
            }
            return report
        }
    }

    /// The identifier under which the ledger has the lot or cell serial that `id` names in its
    /// other GS1 form (``LineageReader/recordedForm(of:_:)``), or `nil`.
    public func recordedForm(of id: String) throws -> String? {
        try read { reader, txn, _ in try reader.recordedForm(of: id, txn) }
    }

    /// The edges into a lot (`upstream: true`) or out of it.
    public func edges(of lot: String, upstream: Bool) throws -> [LineageEdge] {
        try read { reader, txn, _ in try reader.edges(of: lot, upstream: upstream, txn) }
    }

    /// A cell serial, module or pack: its range and cell lot, what it sits in, what it holds.
    public func serial(_ serial: String) throws -> SerialReport? {
        try read { lineage, txn, _ in
            let range = try lineage.serialRange(containing: serial, txn)
            let retracted = try lineage.retractedSerialRanges(containing: serial, txn)
            let assembly = try lineage.assembly(serial, txn)
            let children = assembly?.children
            guard range != nil || children != nil || !retracted.isEmpty else { return nil }
            var chain: [String] = []
            var current = serial
            while let holder = try lineage.container(of: current, txn), chain.count < 64 {
                current = holder
                chain.append(current)
            }
            let lots = (range.map { [$0.lot] } ?? []) + retracted.map(\.lot)
            var moves = try lineage.moves(ofCell: serial, lots: lots, txn)
            if let placedIn = assembly?.placedIn, !placedIn.isEmpty {
                moves = try (moves + lineage.moves(of: serial, in: placedIn, txn)).sorted {
                    $0.sequenceNumber < $1.sequenceNumber
                }
            }
            return SerialReport(
                serial: serial,
                range: range,
                containedIn: chain,
                children: children ?? [],
                history: assembly?.history ?? [],
                facility: assembly?.facility,
                retracted: retracted,
                moves: moves,
                custody: try custody(of: serial, range: range, lineage, txn)
            )
        }
    }

    /// Who has cell, module or pack `unit` now, or had it when the ledger held its first `size`
    /// entries, by the rule the import applies (``Rules/custody(of:range:countingTakeOuts:asOf:_:)``);
    /// `nil` for a module or pack whose every assembly was declared in error (then).
    ///
    /// - Parameters:
    ///   - unit: The cell serial, module or pack.
    ///   - range: The cell's serial range (then), `nil` for a module or pack.
    ///   - point: For the custody as of a size, the size and the outermost unit holding `unit`
    ///     then; `nil` for now.
    ///   - lineage: The snapshot's reader, for a cell lot's holders as of the size.
    ///   - txn: The snapshot.
    /// - Returns: The custody, or `nil` for a module or pack none of whose assemblies stood.
    /// - Throws: A storage error, or ``SupplyChainError`` for a damaged row.
    func custody(
        of unit: String,
        range: SerialRange?,
        asOf point: (size: UInt64, outermost: String?)? = nil,
        _ lineage: LineageReader,
        _ txn: borrowing ReadTransaction
    ) throws -> UnitCustodyReport? {
        let custody = try Rules(store: StateStore(tables: tables)).custody(of: unit, range: range, asOf: point, txn)
        let inside = custody.unit == unit ? nil : custody.unit
        switch custody.keeper {
        case .shippedTo(let receiver, let sequence):
            return UnitCustodyReport(inside: inside, reason: .shipped, actors: [receiver], sequenceNumber: sequence)
        case .takenOutBy(let taker, let from, let sequence):
            return UnitCustodyReport(
                inside: inside,
                reason: .takenOut,
                actors: [taker],
                sequenceNumber: sequence,
                from: from
            )
        case .assembler(let maker):
            return maker.map { UnitCustodyReport(inside: inside, reason: .assembled, actors: [$0]) }
        case .cellLot(let lot):
            // The lot's holders with some of it, as `lot show` lists them (keyed lot number ‖ actor).
            var holders: [String] = []
            if let point {
                holders = try self.lot(lot, asOf: point.size, lineage, txn)?.holdings.map(\.actor) ?? []
            } else if let number = try StateStore(tables: tables).lotNumber(lot, txn) {
                let prefix = IndexKey.sequence(number)
                for row in try rows(.holdings, prefix: prefix, txn) {
                    guard Holding(text: String(decoding: row.value, as: UTF8.self))?.kg.isPositive == true else {
                        continue
                    }
                    holders.append(String(decoding: row.key.dropFirst(prefix.count), as: UTF8.self))
                }
            }
            return UnitCustodyReport(inside: inside, reason: .cellLot, actors: holders, lot: lot)
        }
    }

    /// The record of an event: its sequence number, hash ID, effects and any retraction.
    public func eventRecord(_ eventID: String) throws -> JSONValue? {
        try readIndexes { txn in try Rules(store: StateStore(tables: tables)).eventRecord(eventID, txn) }
    }
}
