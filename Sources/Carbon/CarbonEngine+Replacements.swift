public import LedgerStorage
internal import SupplyChain

extension CarbonEngine {
    /// The scenario's lot replacements as the ledger has their lots, in the order of the replaced
    /// lots: each one's materials and whether it would contain what it replaces.
    ///
    /// The engine substitutes a replacement wherever a recipe consumes the replaced lot, so a
    /// replacement made (at any depth) from the lot it replaces would consume itself: the push
    /// down the lineage then never reaches what lies beyond the loop, and the figure drops it
    /// without a word. Ask this before ``footprint(of:_:)`` and refuse what has a
    /// ``LotReplacement/circularPath``. The walk follows the ledger's lineage as of ``size`` with
    /// the scenario's other replacements applied, as the footprint would, so it finds every loop
    /// a scenario makes and only those.
    ///
    /// - Parameter txn: The read transaction the footprint will be computed in.
    /// - Returns: One ``LotReplacement`` per entry of ``Scenario/lots``.
    /// - Throws: A storage error when a lot's card cannot be read.
    public func lotReplacements(_ txn: borrowing ReadTransaction) throws -> [LotReplacement] {
        var result: [LotReplacement] = []
        for (old, new) in scenario.lots.sorted(by: { $0.key < $1.key }) {
            result.append(
                LotReplacement(
                    old: old,
                    new: new,
                    oldMaterial: try card(of: old, txn)?.material,
                    newMaterial: try card(of: new, txn)?.material,
                    circularPath: old == new ? [old] : try loop(from: new, txn)
                )
            )
        }
        return result
    }

    /// The card of lot `id` as of ``size``, with only the inputs recorded before it; `nil` when
    /// the ledger had no such lot then (the footprint names that itself).
    private func card(of id: String, _ txn: borrowing ReadTransaction) throws -> LotCard? {
        guard let number = try reader.lotNumber(id, asOf: size, txn),
            var card = try reader.card(number: number, txn), card.id == id, card.createdAt < size
        else { return nil }
        card.dropInputs(recordedFrom: size)
        return card
    }

    /// The lots from `new` down to the first lot found made from a lot that the scenario replaces
    /// by `new`, that lot last; `nil` when there is none.
    private func loop(from new: String, _ txn: borrowing ReadTransaction) throws -> [String]? {
        // Each lot met, with the lot that consumes it on the way from `new` (`new` with itself).
        var consumer: [String: String] = [new: new]
        var stack = [new]
        while let current = stack.popLast() {
            guard let card = try card(of: current, txn) else { continue }
            for edge in card.inputs {
                let next = scenario.lots[edge.from] ?? edge.from
                if next == new {
                    var path = [edge.from, current]
                    var at = current
                    while at != new, let up = consumer[at] {
                        path.append(up)
                        at = up
                    }
                    return path.reversed()
                }
                if consumer[next] == nil {
                    consumer[next] = current
                    stack.append(next)
                }
            }
        }
        return nil
    }
}
