public import LedgerStorage

extension CarbonEngine {
    /// The fallbacks the rules chose in the lineage of `lots` (``CarbonNote/isFallback``), each
    /// once, with the entries of the events they applied to, in the order first met.
    ///
    /// The notes a footprint of each lot's cells gives in its receipt, gathered over all of them:
    /// a declaration averages those footprints and says what stood in for missing factors. Each
    /// lot's recipe is read once, however many of `lots` it is upstream of.
    ///
    /// - Parameters:
    ///   - lots: The lots, typically a declaration's cell lots.
    ///   - txn: The read transaction.
    /// - Returns: Each fallback with the entries it applied to, ascending.
    /// - Throws: ``CarbonError`` as reading a recipe does; what reading the ledger throws.
    public mutating func fallbackNotes(
        ofLots lots: [String],
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
        return order.map { ($0, (entries[$0] ?? []).sorted()) }
    }
}
