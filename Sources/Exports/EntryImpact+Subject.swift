import LedgerStorage
public import Provenance
public import SupplyChain

extension EntryImpact {
    /// The subject an impact was narrowed to (``narrowed(to:chain:)``).
    public struct Focus: Sendable {
        /// The identifier as the ledger records it: as asked, or its other GS1 form.
        public var id: String
        /// A cell serial, a module or pack, or a lot, as `footprint` resolves it.
        public var kind: Subject.Kind
        /// The lots on its lineage at either end of what was compared: for cells, their cell lots
        /// and every lot those were made from; for a lot, itself, every lot it was made from and
        /// every lot made from it.
        public var lineageLots: Int
    }

    /// The same comparison, keeping only what bears on one subject.
    ///
    /// For a cell serial, or a module or pack, the serial ranges its cells were commissioned in,
    /// the changed lots upstream of their cell lots, and the shipments by id of it and of the
    /// units in it: whether its footprint changed, and why. For a lot, its own change, the changed
    /// lots it was made from and made into, and the ranges (and shipments by id) of the cells made
    /// from it: what a change to that lot reached. The subject is resolved as
    /// the ledger had it before the first entry and after the last (a cell withdrawn or added by
    /// the entries is found on one side), and the lineage is followed through the events recorded
    /// up to the last entry.
    ///
    /// - Parameters:
    ///   - id: A cell serial, a module's or pack's id, or a lot id, in either GS1 form.
    ///   - chain: The ledger.
    /// - Returns: This impact with ``changes``, ``lotChanges`` and ``unitChanges`` narrowed, and
    ///   ``focus`` set.
    /// - Throws: ``ExportError`` when the ledger had no such subject at either end, storage errors.
    public func narrowed(to id: String, chain: SupplyChainLedger) throws -> EntryImpact {
        var narrowed = self
        try chain.read { reader, txn, _ in
            // Both ends: a subject the entries added or withdrew stands at one of them only.
            var subjects: [(subject: Subject, size: UInt64)] = []
            for size in [through + 1, entry] {
                do {
                    subjects.append((try Subject.resolve(id, reader: reader, size: size, txn), size))
                } catch is ProvenanceError {
                    // Not found at this end: perhaps at the other.
                }
            }
            guard let kind = subjects.first?.subject.kind else {
                throw ExportError(
                    "\(id) is neither a cell serial, a module or pack, nor a lot before #\(entry) or after #\(through)"
                )
            }
            // The lot versions to start from, by number, and which way to walk.
            var start: Set<UInt64> = []
            for (subject, size) in subjects {
                for lot in kind == .lot ? [subject.id] : subject.cells.map(\.lot) {
                    if let number = try reader.lotNumber(lot, asOf: size, txn) { start.insert(number) }
                }
            }
            var lineage = try Self.lineage(from: start, upstream: true, between: entry, through, reader, txn)
            switch kind {
            case .cell, .assembly:
                // The ranges holding its cells at either end, by what keeps a range's identity
                // from one size to the next.
                let held = Set(subjects.flatMap { $0.subject.cells.flatMap(\.ranges) }.map(RangeKey.init))
                narrowed.changes = changes.filter {
                    held.contains(RangeKey($0.range)) || $0.previous.map { held.contains(RangeKey($0)) } == true
                }
                // The subject and every unit in it at either end, as a footprint counts their
                // shipments by id.
                var units: Set<String> = []
                for (subject, size) in subjects {
                    var pending = [subject.id]
                    while let unit = pending.popLast() {
                        guard units.insert(unit).inserted else { continue }
                        if let assembly = try reader.assembly(unit, txn) { pending += assembly.children(asOf: size) }
                    }
                }
                narrowed.unitChanges = unitChanges.filter { units.contains($0.unit) }
            case .lot:
                let downstream = try Self.lineage(from: start, upstream: false, between: entry, through, reader, txn)
                lineage.formUnion(downstream)
                var made: Set<String> = []
                for number in downstream {
                    if let card = try reader.card(number: number, txn) { made.insert(card.id) }
                }
                narrowed.changes = changes.filter {
                    made.contains($0.range.lot) || $0.previous.map { made.contains($0.lot) } == true
                }
                narrowed.unitChanges = unitChanges.filter { $0.range.map { made.contains($0.lot) } == true }
            }
            narrowed.lotChanges = lotChanges.filter { lineage.contains($0.number) }
            narrowed.focus = Focus(id: subjects[0].subject.id, kind: kind, lineageLots: lineage.count)
        }
        return narrowed
    }

    /// The lot numbers on the lineage of `start`, which they include.
    ///
    /// The walk follows the lineage edges recorded up to entry `through`, to the lots made into
    /// them (`upstream`) or made from them. A lot declared in error before entry `first` stood at
    /// neither end and is not walked through.
    private static func lineage(
        from start: Set<UInt64>,
        upstream: Bool,
        between first: UInt64,
        _ through: UInt64,
        _ reader: LineageReader,
        _ txn: borrowing ReadTransaction
    ) throws -> Set<UInt64> {
        var reached = start
        var pending = Array(start)
        while let number = pending.popLast() {
            for (edge, other) in try reader.edges(ofNumber: number, upstream: upstream, txn)
            where edge.sequenceNumber <= through && !reached.contains(other) {
                if let retracted = try reader.card(number: other, txn)?.retractedAt, retracted < first { continue }
                reached.insert(other)
                pending.append(other)
            }
        }
        return reached
    }
}
