public import Carbon
import LedgerCore
public import Provenance
public import SupplyChain

/// What one entry, or a run of entries, changed in the footprints.
///
/// Every serial range whose footprint per cell, and every lot whose footprint per kg, differs
/// between the ledger just before the first entry and just after the last, whether or not it was
/// ever exported (``DisclosureReview`` compares the exports). A run is compared as one change: a
/// figure that moved and moved back within it is not listed.
///
/// Both sides are one roll-up each over every lot the ledger had at that size
/// (`CarbonEngine.perKg(ofEach:_:)`): a range's footprint per cell is its lot's footprint per kg
/// times its mass, as footprints and declarations compute it, and for a range of a battery model
/// the same per kWh over a cell's life. A cell, module or pack shipped by id (`epcList`) carries
/// besides its share of each such shipment's leg, as the carbon engine charges it
/// (`CarbonEngine.unitShipmentEmissions(of:_:)`): every unit whose shipments' kg CO2e differ is
/// listed in ``unitChanges``, a cell with its footprint as `footprint` gives it (its range's per
/// cell plus its shipments). A facility amended or transferred, a factor table, a certificate, an
/// event declared in error or its corrective event change the figures of the cells downstream; a
/// commissioning adds cells and its declaration in error withdraws them; a shipment by id charges
/// the units it moved. A submission's entry is compared through its last event, as one change.
public struct EntryImpact: Sendable {
    /// How a serial range or a lot fares.
    public enum Status: String, Sendable, Hashable {
        /// The footprint per cell (or per kg), or a unit's shipments by id, differ.
        case changed
        /// Commissioned (or made) by the entry; for a unit, its first shipment by id counted.
        case added
        /// The entry took the range (or lot) out: its commissioning (or making) was declared in
        /// error; for a unit, every shipment by id counted for it was.
        case withdrawn
    }

    /// A serial range whose cells the entry changed.
    public struct RangeChange: Sendable {
        /// The range (as the ledger had it after the entry, or before for a withdrawn one).
        public var range: SerialRange
        /// What became of it.
        public var status: Status
        /// kg CO2e per cell by electricity method, before the entry (`nil` for an added range, or
        /// one whose lot had no footprint).
        public var before: [ElectricityMethod: Double]?
        /// kg CO2e per cell by electricity method, after the entry (`nil` for a withdrawn range, or
        /// one whose lot has no footprint).
        public var after: [ElectricityMethod: Double]?
        /// kg CO2e per kWh over a cell's life by electricity method, before the entry: per cell,
        /// over the nominal energy times the battery model's usable share and lifetime cycles
        /// (`nil` without a model, or where ``before`` is `nil`).
        public var beforePerLifetimeKWh: [ElectricityMethod: Double]? = nil
        /// The same after the entry.
        public var afterPerLifetimeKWh: [ElectricityMethod: Double]? = nil
        /// For the same serials commissioned again (a commissioning declared in error and its
        /// corrective one, both compared): the range as it was, with its cell mass and energy.
        public var previous: SerialRange? = nil
    }

    /// A lot whose footprint per kg the entry changed.
    public struct LotChange: Sendable {
        /// The lot's id.
        public var lot: String
        /// Its number: a lot made again by a corrective event is a version with a number of its own.
        public var number: UInt64
        /// Its material, when recorded.
        public var material: String?
        /// What became of it: `added` for a lot the entry made, `withdrawn` for one it declared in error.
        public var status: Status
        /// kg CO2e per kg by electricity method, before the entry (`nil` for an added lot, or one
        /// that had no footprint: a data gap, as `footprint` of the lot reports it).
        public var before: [ElectricityMethod: Double]?
        /// kg CO2e per kg by electricity method, after the entry (`nil` for a withdrawn lot, or one
        /// that has no footprint).
        public var after: [ElectricityMethod: Double]?
    }

    /// A cell, module or pack shipped by id whose shipments' kg CO2e the entry changed.
    public struct UnitChange: Sendable {
        /// The unit, as its shipments name it.
        public var unit: String
        /// A cell (`cell`), or a module or pack (`assembly`).
        public var kind: Subject.Kind
        /// A cell's serial range, as the ledger had it after the entry (before, when not after).
        public var range: SerialRange?
        /// What became of its shipments: `added` for the first counted, `withdrawn` when none
        /// stands after the entry.
        public var status: Status
        /// kg CO2e by electricity method of the unit's shipments by id before the entry: its
        /// share of each, as its footprint's `unit-shipment` contributions add up (`nil` when
        /// none was counted, or a factor one needs was not in force).
        public var before: [ElectricityMethod: Double]?
        /// The same after the entry.
        public var after: [ElectricityMethod: Double]?
        /// For a cell, kg CO2e by electricity method of its footprint before the entry, as
        /// `footprint` gives it: its range's per cell plus its shipments by id, or its range's per
        /// cell alone when none was counted (`nil` for a module or pack, or where its lot or its
        /// shipments had no figure).
        public var footprintBefore: [ElectricityMethod: Double]? = nil
        /// The same after the entry.
        public var footprintAfter: [ElectricityMethod: Double]? = nil
    }

    /// The first entry compared: the ledger before it is the one side.
    public var entry: UInt64
    /// The last entry compared: the last one named, or for a submission the last of its events,
    /// which are compared as one change (a declaration in error and its corrective event, say).
    public var through: UInt64
    /// The entries compared, in order, each with a line saying what it records (as `impact` lists
    /// the entries since an export); a submission once, standing for its events.
    public var entries: [DisclosureReview.Change]
    /// The first entry's type.
    public var type: String { entries[0].type }
    /// A line saying what the first entry records.
    public var summary: String { entries[0].summary }
    /// The lots compared: those the ledger had before or after the entry.
    public var lots: Int
    /// The cell lots compared: those with serial ranges before or after the entry.
    public var cellLots: Int
    /// The serial ranges compared.
    public var ranges: Int
    /// The ranges whose cells the entry changed, in the order of their prefix and first serial.
    public var changes: [RangeChange]
    /// The lots whose footprint per kg the entry changed (or that it made, or withdrew), in the
    /// order they were made: the supplier's view, for the lots exported in PACT footprints.
    public var lotChanges: [LotChange]
    /// The cells, modules and packs whose shipments by id the entry changed (or first counted,
    /// or withdrew), in the order of their ids.
    public var unitChanges: [UnitChange] = []
    /// The units compared: those shipped by id, with a shipment counted, before or after the entry.
    public var units: Int = 0
    /// The subject the comparison was narrowed to, if any (``narrowed(to:chain:)``).
    public var focus: Focus? = nil

    /// The cells in ``changes``.
    public var cells: UInt64 { changes.reduce(0) { $0 + $1.range.count } }

    /// Compares the cells' and lots' footprints before entry `sequence` and after it.
    ///
    /// - Parameters:
    ///   - sequence: The entry's sequence number.
    ///   - chain: The ledger.
    /// - Returns: The ranges whose footprint per cell, and the lots whose footprint per kg, the
    ///   entry changed, added or withdrew.
    /// - Throws: ``ExportError`` when there is no such entry, `CarbonError` when a footprint
    ///   cannot be computed, storage errors.
    public static func compute(entry sequence: UInt64, chain: SupplyChainLedger) throws -> EntryImpact {
        try compute(from: sequence, to: sequence, chain: chain)
    }

    /// Compares the cells' and lots' footprints before entry `first` and after entry `last`: what
    /// the entries between them changed, together.
    ///
    /// - Parameters:
    ///   - first: The first entry's sequence number.
    ///   - last: The last entry's; when the run holds a submission's entry, it goes on to that
    ///     submission's last event.
    ///   - chain: The ledger.
    /// - Returns: The ranges whose footprint per cell, and the lots whose footprint per kg, the
    ///   entries changed, added or withdrew.
    /// - Throws: ``ExportError`` when there is no such entry or `last` is before `first`,
    ///   `CarbonError` when a footprint cannot be computed, storage errors.
    public static func compute(from first: UInt64, to last: UInt64, chain: SupplyChainLedger) throws -> EntryImpact {
        let size = try chain.ledger.size
        guard size > 0 else { throw ExportError("the ledger is empty: there is no entry to compare") }
        for sequence in [first, last] where sequence >= size {
            throw ExportError("there is no entry #\(sequence): the ledger holds entries #0 to #\(size - 1)")
        }
        guard first <= last else {
            throw ExportError("the run #\(first) to #\(last) is empty: its last entry is before its first")
        }
        var entries: [DisclosureReview.Change] = []
        var through = last
        try chain.read { reader, txn, _ in
            var sequence = first
            while sequence <= last {
                let entry = try chain.ledger.entry(at: sequence)
                // A submission's events follow it, one entry each, and are one change with it.
                guard entry.type == SupplyChainLedger.EntryType.submission,
                    let events = entry.body["events"]?.arrayValue?.count
                else {
                    entries.append(
                        DisclosureReview.Change(
                            sequenceNumber: sequence,
                            type: entry.type,
                            summary: try DisclosureReview.describe(entry, reader: reader, txn)
                        )
                    )
                    sequence += 1
                    continue
                }
                let end = min(sequence + UInt64(events), size - 1)
                let actor = entry.body["actor"]?.stringValue ?? entry.actor
                entries.append(
                    DisclosureReview.Change(
                        sequenceNumber: sequence,
                        type: entry.type,
                        summary: "submission by \(actor) of \(events) event\(events == 1 ? "" : "s") "
                            + "(#\(sequence + 1)–#\(end))"
                    )
                )
                through = max(through, end)
                sequence = end + 1
            }
        }
        let before = try figures(asOf: first, chain: chain)
        let after = try figures(asOf: through + 1, chain: chain)
        var changes: [RangeChange] = []
        for (key, now) in after.ranges {
            guard let then = before.ranges[key] else {
                changes.append(
                    RangeChange(
                        range: now.range,
                        status: .added,
                        before: nil,
                        after: now.perCell,
                        afterPerLifetimeKWh: now.perKWh
                    )
                )
                continue
            }
            if DisclosureReview.differs(then.perCell, now.perCell) || DisclosureReview.differs(then.perKWh, now.perKWh)
            {
                changes.append(
                    RangeChange(
                        range: now.range,
                        status: .changed,
                        before: then.perCell,
                        after: now.perCell,
                        beforePerLifetimeKWh: then.perKWh,
                        afterPerLifetimeKWh: now.perKWh
                    )
                )
            }
        }
        for (key, then) in before.ranges where after.ranges[key] == nil {
            // The same serials commissioned again within what is compared: one range changed.
            if let index = changes.firstIndex(where: {
                $0.status == .added && $0.previous == nil && $0.range.prefix == key.prefix
                    && $0.range.first == key.first && $0.range.last == key.last
            }) {
                changes[index].status = .changed
                changes[index].before = then.perCell
                changes[index].beforePerLifetimeKWh = then.perKWh
                changes[index].previous = then.range
                continue
            }
            changes.append(
                RangeChange(
                    range: then.range,
                    status: .withdrawn,
                    before: then.perCell,
                    after: nil,
                    beforePerLifetimeKWh: then.perKWh
                )
            )
        }
        changes.sort {
            ($0.range.prefix, $0.range.first, $0.range.commissionedAt)
                < ($1.range.prefix, $1.range.first, $1.range.commissionedAt)
        }
        var lotChanges: [LotChange] = []
        for (number, now) in after.lots {
            let then = before.lots[number]
            guard then == nil || DisclosureReview.differs(then?.perKg, now.perKg) else { continue }
            let status: Status = then == nil ? .added : .changed
            lotChanges.append(
                LotChange(
                    lot: now.id,
                    number: number,
                    material: now.material,
                    status: status,
                    before: then?.perKg,
                    after: now.perKg
                )
            )
        }
        for (number, then) in before.lots where after.lots[number] == nil {
            lotChanges.append(
                LotChange(
                    lot: then.id,
                    number: number,
                    material: then.material,
                    status: .withdrawn,
                    before: then.perKg,
                    after: nil
                )
            )
        }
        lotChanges.sort { $0.number < $1.number }
        var unitChanges: [UnitChange] = []
        for unit in Set(before.units.keys).union(after.units.keys).sorted() {
            let then = before.units[unit]
            let now = after.units[unit]
            guard DisclosureReview.differs(then?.shipped, now?.shipped) else { continue }
            let range = now?.range ?? then?.range
            unitChanges.append(
                UnitChange(
                    unit: unit,
                    kind: range == nil ? .assembly : .cell,
                    range: range,
                    status: then == nil ? .added : now == nil ? .withdrawn : .changed,
                    before: then?.shipped,
                    after: now?.shipped,
                    // A cell shipped first (or no longer) by the entry: its range's per cell.
                    footprintBefore: then?.perCell ?? range.flatMap { before.ranges[RangeKey($0)]?.perCell },
                    footprintAfter: now?.perCell ?? range.flatMap { after.ranges[RangeKey($0)]?.perCell }
                )
            )
        }
        let cellLots = Set(before.ranges.values.map(\.range.lot)).union(after.ranges.values.map(\.range.lot))
        return EntryImpact(
            entry: first,
            through: through,
            entries: entries,
            lots: Set(before.lots.keys).union(after.lots.keys).count,
            cellLots: cellLots.count,
            ranges: Set(before.ranges.keys).union(after.ranges.keys).count,
            changes: changes,
            lotChanges: lotChanges,
            unitChanges: unitChanges,
            units: Set(before.units.keys).union(after.units.keys).count
        )
    }

    /// A range as commissioned: the same range read at two sizes has the same key.
    struct RangeKey: Hashable {
        var prefix: String
        var first: UInt64
        var last: UInt64
        var commissionedAt: UInt64

        init(_ range: SerialRange) {
            (prefix, first, last, commissionedAt) = (range.prefix, range.first, range.last, range.commissionedAt)
        }
    }

    /// What the ledger gave at one size: every lot standing then (by number) and every serial
    /// range, with their footprints.
    private struct Figures {
        /// `perKg` is `nil` for a lot that has no footprint (``LotChange``).
        var lots: [UInt64: (id: String, material: String?, perKg: [ElectricityMethod: Double]?)] = [:]
        /// `perCell` is `nil` for a range whose lot has no footprint, `perKWh` (per lifetime kWh)
        /// also for one without a battery model then.
        var ranges:
            [RangeKey: (
                range: SerialRange, perCell: [ElectricityMethod: Double]?, perKWh: [ElectricityMethod: Double]?
            )] = [:]
        /// Every unit shipped by id with a shipment counted: its shipments' kg CO2e, a cell's
        /// range and its footprint (its range's per cell plus those shipments; `nil` when its lot
        /// has none).
        var units:
            [String: (
                range: SerialRange?, shipped: [ElectricityMethod: Double], perCell: [ElectricityMethod: Double]?
            )] = [:]
    }

    /// Every lot and serial range the ledger had at `size`, with its footprint per kg or per cell
    /// by method: one roll-up of every lot standing then.
    private static func figures(asOf size: UInt64, chain: SupplyChainLedger) throws -> Figures {
        try chain.read { reader, txn, _ in
            var figures = Figures()
            // Lots are numbered in the order they were made: those made at `size` or later end the list.
            var lots: [(lot: String, number: UInt64)] = []
            var materials: [String?] = []
            for number in 0..<UInt64(try reader.lotCount(txn)) {
                guard let card = try reader.card(number: number, txn), card.createdAt < size else { break }
                if let retracted = card.retractedAt, retracted < size { continue }
                lots.append((card.id, number))
                materials.append(card.material)
            }
            guard !lots.isEmpty else { return figures }
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            // One roll-up; when a lot has no footprint (a data gap the ledger cannot fill), lot by
            // lot, leaving out those that have none.
            let perKg: [Emissions?]
            do {
                perKg = try engine.perKg(ofEach: lots, txn).map(\.total)
            } catch is CarbonError {
                engine = try CarbonEngine(reader: reader, size: size, txn)
                perKg = try lots.map { lot in
                    do { return try engine.perKg(lot.lot, txn).total } catch is CarbonError { return nil }
                }
            }
            // By id: a lot has one version standing at a size (a corrective event makes a lot
            // again only once the version before was declared in error), and ranges name lots by id.
            var byID: [String: Emissions] = [:]
            for ((lot, number), (material, emissions)) in zip(lots, zip(materials, perKg)) {
                byID[lot] = emissions
                figures.lots[number] = (lot, material, emissions?.totals)
            }
            for range in try reader.allSerialRanges(asOf: size, txn) {
                let perCell = byID[range.lot]?.scaled(by: range.cellMassKg.doubleValue)
                let key = RangeKey(range)
                // The functional unit, as `footprint` has it: the model registered before `size`.
                let lifetime = try range.model.flatMap { try reader.batteryModel($0, asOf: size, txn) }.map {
                    $0.lifetimeKWh(nominal: range.nominalEnergyKWh.doubleValue)
                }
                let perKWh = perCell.flatMap { perCell in
                    lifetime.flatMap { $0 > 0 ? perCell.scaled(by: 1 / $0).totals : nil }
                }
                figures.ranges[key] = (range, perCell?.totals, perKWh)
            }
            // The units shipped by id, charged as the engine charges them in their footprints;
            // a unit whose shipment needs a factor not in force has no figure at this size.
            for unit in try reader.shippedUnits(txn) {
                let shipped: Emissions
                do {
                    let (total, _, shipments) = try engine.unitShipmentEmissions(of: unit, txn)
                    guard shipments > 0 else { continue }
                    shipped = total
                } catch is CarbonError {
                    continue
                }
                let range = try reader.serialRange(containing: unit, asOf: size, txn)
                let perCell = range.flatMap { range in
                    byID[range.lot].map { $0.scaled(by: range.cellMassKg.doubleValue) + shipped }
                }
                figures.units[unit] = (range, shipped.totals, perCell?.totals)
            }
            return figures
        }
    }
}
