public import LedgerStorage

extension CarbonEngine {
    /// The fallbacks the rules chose in the lineage of `lots` and in the shipments by id of
    /// `units` (``CarbonNote/isFallback``), each once, with the entries of the events they applied
    /// to, in the order first met.
    ///
    /// The notes a footprint of each lot's cells gives in its receipt, gathered over all of them:
    /// a declaration averages those footprints and says what stood in for missing factors. Each
    /// lot's recipe is read once, however many of `lots` it is upstream of. A cell's shipments by
    /// id count in its footprint as its own `unit-shipment` contributions, so their fallbacks are
    /// read from those, as of the size.
    ///
    /// - Parameters:
    ///   - lots: The lots, typically a declaration's cell lots.
    ///   - units: The cells (or modules or packs) whose shipments by id the figure counts,
    ///     typically a declaration's cells that were shipped by id.
    ///   - txn: The read transaction.
    /// - Returns: Each fallback with the entries it applied to, ascending.
    /// - Throws: ``CarbonError`` as reading a recipe or accounting a shipment does; what reading
    ///   the ledger throws.
    public mutating func fallbackNotes(
        ofLots lots: [String],
        units: [String] = [],
        _ txn: borrowing ReadTransaction
    ) throws -> [(note: CarbonNote, entries: [UInt64])] {
        var order: [CarbonNote] = []
        var entries: [CarbonNote: Set<UInt64>] = [:]
        var seen = Set(lots)
        var pending = lots
        var next = 0
        while next < pending.count {
            let recipe = try recipe(pending[next], txn)
            next += 1
            for part in recipe.parts {
                for note in part.notes where note.isFallback {
                    if entries[note] == nil { order.append(note) }
                    entries[note, default: []].formUnion(part.sequenceNumber.map { [$0] } ?? [])
                }
            }
            for input in recipe.inputs where seen.insert(input.lot).inserted { pending.append(input.lot) }
        }
        for contribution in try unitShipmentContributions(of: units, txn) {
            for note in contribution.notes where note.isFallback {
                if entries[note] == nil { order.append(note) }
                entries[note, default: []].formUnion(contribution.sequenceNumber.map { [$0] } ?? [])
            }
        }
        return order.map { ($0, (entries[$0] ?? []).sorted()) }
    }
}
