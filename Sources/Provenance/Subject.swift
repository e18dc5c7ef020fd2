public import LedgerStorage
public import SupplyChain

/// What a provenance or carbon query is about: a cell serial, a module or pack, or a lot.
public struct Subject: Sendable {
    /// What kind of thing was asked for.
    public enum Kind: String, Sendable {
        case cell, assembly, lot
    }

    /// Cells of one cell lot that the subject holds.
    public struct CellShare: Sendable {
        /// The cell lot.
        public var lot: String
        /// How many of the subject's cells come from it.
        public var cells: UInt64
        /// Their mass in kilograms.
        public var massKg: Double
        /// Their nominal energy in kWh.
        public var nominalEnergyKWh: Double
        /// Their battery model, if the commissioning event named one.
        public var model: String?
        /// The commissioning events.
        public var commissioningEvents: [String]
        /// The sequence numbers of their entries.
        public var commissioningEntries: [UInt64]
        /// The serial ranges they were commissioned in, each once: of a cell, its own range; of a
        /// module or pack, those holding its cells (not a range its commissioning event listed
        /// beside them).
        public var ranges: [SerialRange] = []
    }

    /// The identifier as asked.
    public var id: String
    /// The kind.
    public var kind: Kind
    /// For cells, modules and packs: the cells it holds, by cell lot.
    public var cells: [CellShare]
    /// The lots at the top of the lineage, with the kilograms of each in the subject.
    public var roots: [(lot: String, kg: Double)]
    /// For a module or pack: the entries of the assembly steps of it and of the modules in it
    /// recorded before the size, and of the retractions of those steps recorded before it, which
    /// decide the cells it holds; sorted.
    public var assemblyEntries: [UInt64] = []

    /// The subject's mass in kilograms.
    public var massKg: Double { roots.reduce(0) { $0 + $1.kg } }
    /// The number of cells it holds (0 for a lot).
    public var cellCount: UInt64 { cells.reduce(0) { $0 + $1.cells } }
    /// Its nominal energy in kWh (0 for a lot).
    public var nominalEnergyKWh: Double { cells.reduce(0) { $0 + $1.nominalEnergyKWh } }

    /// Resolves an identifier as of `size`: a commissioned cell serial, then an assembled module or
    /// pack, then a lot.
    ///
    /// - Throws: ``ProvenanceError`` when nothing of that name existed then, or a lot was retracted.
    public static func resolve(
        _ id: String,
        reader: LineageReader,
        size: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> Subject {
        if let range = try reader.serialRange(containing: id, asOf: size, txn) {
            let share = CellShare(range: range, cells: 1)
            return Subject(id: id, kind: .cell, cells: [share], roots: [(range.lot, share.massKg)])
        }
        if let assembly = try reader.assembly(id, txn), !assembly.children(asOf: size).isEmpty {
            var byLot: [String: CellShare] = [:]
            var order: [String] = []
            var pending = assembly.children(asOf: size)
            var visited: Set<String> = [id]
            var entries: Set<UInt64> = []
            func addEntries(of assembly: Assembly) {
                for step in assembly.history where step.sequenceNumber < size {
                    entries.insert(step.sequenceNumber)
                    if let retracted = step.retractedAt, retracted < size { entries.insert(retracted) }
                }
            }
            addEntries(of: assembly)
            // The range the last cell was in: a module's cells are mostly consecutive serials of one
            // range, and the ranges that stand at one size never overlap, so a range that holds the
            // next cell is the one the index would give.
            var lastRange: SerialRange?
            while let unit = pending.popLast() {
                guard visited.insert(unit).inserted else { continue }
                let held = lastRange.flatMap { $0.contains(serial: unit) ? $0 : nil }
                if let range = try held ?? reader.serialRange(containing: unit, asOf: size, txn) {
                    lastRange = range
                    if byLot[range.lot] == nil { order.append(range.lot) }
                    byLot[range.lot, default: CellShare(range: range, cells: 0)].add(range)
                } else if let inner = try reader.assembly(unit, txn) {
                    addEntries(of: inner)
                    pending += inner.children(asOf: size)
                }
            }
            order.sort()
            let cells = order.compactMap { byLot[$0] }
            var subject = Subject(id: id, kind: .assembly, cells: cells, roots: cells.map { ($0.lot, $0.massKg) })
            subject.assemblyEntries = entries.sorted()
            return subject
        }
        // The version the ledger had then, should a corrective event have made the id again since.
        if let number = try reader.lotNumber(id, asOf: size, txn), let lot = try reader.card(number: number, txn),
            lot.createdAt < size
        {
            if let retracted = lot.retractedAt, retracted < size {
                throw ProvenanceError("lot \(id) was declared in error (entry \(retracted))")
            }
            return Subject(id: id, kind: .lot, cells: [], roots: [(id, lot.producedKg.doubleValue)])
        }
        // The same lot or cell under its other GS1 form (an EPC URN for a Digital Link, or the reverse).
        if let form = try reader.recordedForm(of: id, txn), form != id {
            return try resolve(form, reader: reader, size: size, txn)
        }
        throw ProvenanceError(
            "\(id) is neither a commissioned cell serial, an assembled module or pack, nor a lot\(size == UInt64.max ? "" : " as of ledger size \(size)")"
        )
    }
}

extension Subject.CellShare {
    init(range: SerialRange, cells: UInt64) {
        self.init(
            lot: range.lot,
            cells: cells,
            massKg: range.cellMassKg.doubleValue * Double(cells),
            nominalEnergyKWh: range.nominalEnergyKWh.doubleValue * Double(cells),
            model: range.model,
            commissioningEvents: [range.eventID],
            commissioningEntries: [range.commissionedAt],
            ranges: [range]
        )
    }

    mutating func add(_ range: SerialRange) {
        cells += 1
        massKg += range.cellMassKg.doubleValue
        nominalEnergyKWh += range.nominalEnergyKWh.doubleValue
        if model != range.model { model = nil }
        if !ranges.contains(range) { ranges.append(range) }
        if !commissioningEvents.contains(range.eventID) {
            commissioningEvents.append(range.eventID)
            commissioningEntries.append(range.commissionedAt)
        }
    }
}

/// A provenance query that cannot be answered: what was asked does not exist, or not then.
public struct ProvenanceError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
