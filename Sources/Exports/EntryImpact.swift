public import Carbon
import LedgerCore
public import SupplyChain

/// What one entry changed in the cells' footprints: every serial range whose footprint per cell
/// differs between the ledger just before the entry and just after it, whether or not it was ever
/// exported (``DisclosureReview`` compares the exports).
///
/// Both sides are one roll-up each over the cell lots the ledger had at that size
/// (`CarbonEngine.perKg(ofEach:_:)`): a cell's footprint is its lot's footprint per kg times its
/// mass, as footprints and declarations compute it. A facility amended or transferred, a factor
/// table, a certificate, an event declared in error or its corrective event change the figures of
/// the cells downstream; a commissioning adds cells and its declaration in error withdraws them.
public struct EntryImpact: Sendable {
    /// How a serial range fares.
    public enum Status: String, Sendable, Hashable {
        /// The footprint per cell differs.
        case changed
        /// Commissioned by the entry (or a range the entry made stand again).
        case added
        /// The entry took the range out: its commissioning was declared in error.
        case withdrawn
    }

    /// A serial range whose cells the entry changed.
    public struct RangeChange: Sendable {
        /// The range (as the ledger had it after the entry, or before for a withdrawn one).
        public var range: SerialRange
        /// What became of it.
        public var status: Status
        /// kg CO2e per cell by electricity method, before the entry (`nil` for an added range).
        public var before: [ElectricityMethod: Double]?
        /// kg CO2e per cell by electricity method, after the entry (`nil` for a withdrawn range).
        public var after: [ElectricityMethod: Double]?
    }

    /// The entry's sequence number.
    public var entry: UInt64
    /// Its type.
    public var type: String
    /// A line saying what it records (as `impact` lists the entries since an export).
    public var summary: String
    /// The cell lots compared: those with serial ranges before or after the entry.
    public var cellLots: Int
    /// The serial ranges compared.
    public var ranges: Int
    /// The ranges whose cells the entry changed, in the order of their prefix and first serial.
    public var changes: [RangeChange]

    /// The cells in ``changes``.
    public var cells: UInt64 { changes.reduce(0) { $0 + $1.range.count } }

    /// Compares the cells' footprints before entry `sequence` and after it.
    ///
    /// - Parameters:
    ///   - sequence: The entry's sequence number.
    ///   - chain: The ledger.
    /// - Returns: The ranges whose footprint per cell the entry changed, added or withdrew.
    /// - Throws: ``ExportError`` when there is no such entry, `CarbonError` when a footprint
    ///   cannot be computed, storage errors.
    public static func compute(entry sequence: UInt64, chain: SupplyChainLedger) throws -> EntryImpact {
        let size = try chain.ledger.size
        guard sequence < size else {
            throw ExportError("there is no entry #\(sequence): the ledger holds entries #0 to #\(size - 1)")
        }
        let entry = try chain.ledger.entry(at: sequence)
        let summary = try chain.read { reader, txn, _ in
            try DisclosureReview.describe(entry, reader: reader, txn)
        }
        let before = try figures(asOf: sequence, chain: chain)
        let after = try figures(asOf: sequence + 1, chain: chain)
        var changes: [RangeChange] = []
        for (key, now) in after {
            guard let then = before[key] else {
                changes.append(RangeChange(range: now.range, status: .added, before: nil, after: now.perCell))
                continue
            }
            let differs = ElectricityMethod.allCases.contains {
                DisclosureReview.differs(then.perCell[$0] ?? 0, now.perCell[$0] ?? 0)
            }
            if differs {
                changes.append(
                    RangeChange(range: now.range, status: .changed, before: then.perCell, after: now.perCell)
                )
            }
        }
        for (key, then) in before where after[key] == nil {
            changes.append(RangeChange(range: then.range, status: .withdrawn, before: then.perCell, after: nil))
        }
        changes.sort {
            ($0.range.prefix, $0.range.first, $0.range.commissionedAt) < (
                $1.range.prefix, $1.range.first, $1.range.commissionedAt
            )
        }
        let lots = Set(before.values.map(\.range.lot)).union(after.values.map(\.range.lot))
        return EntryImpact(
            entry: sequence,
            type: entry.type,
            summary: summary,
            cellLots: lots.count,
            ranges: Set(before.keys).union(after.keys).count,
            changes: changes
        )
    }

    /// A range as commissioned: the same range read at two sizes has the same key.
    private struct RangeKey: Hashable {
        var prefix: String
        var first: UInt64
        var last: UInt64
        var commissionedAt: UInt64
    }

    /// Every serial range the ledger had at `size`, with its footprint per cell by method.
    private static func figures(
        asOf size: UInt64,
        chain: SupplyChainLedger
    ) throws -> [RangeKey: (range: SerialRange, perCell: [ElectricityMethod: Double])] {
        try chain.read { reader, txn, _ in
            let ranges = try reader.allSerialRanges(asOf: size, txn)
            guard !ranges.isEmpty else { return [:] }
            var lots: [String] = []
            var seen: Set<String> = []
            for range in ranges where seen.insert(range.lot).inserted { lots.append(range.lot) }
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            let perKg = Dictionary(uniqueKeysWithValues: zip(lots, try engine.perKg(ofEach: lots, txn).map(\.total)))
            var result: [RangeKey: (range: SerialRange, perCell: [ElectricityMethod: Double])] = [:]
            for range in ranges {
                let perCell = (perKg[range.lot] ?? .zero).scaled(by: range.cellMassKg.doubleValue)
                let key = RangeKey(
                    prefix: range.prefix,
                    first: range.first,
                    last: range.last,
                    commissionedAt: range.commissionedAt
                )
                result[key] = (
                    range, Dictionary(uniqueKeysWithValues: ElectricityMethod.allCases.map { ($0, perCell.total($0)) })
                )
            }
            return result
        }
    }
}
