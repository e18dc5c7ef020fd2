import LedgerCore
import SupplyChain

/// The figures of a custody bundle that its carried entries fix, beside the operands: the inputs
/// of each lot (Docs/EXPORTS.md §1.4).
extension Recompute {
    /// Every element of the input list of the event that made a lot must be among the lot's
    /// `inputs`, each once, so that no branch of the lineage can be left out of the trace.
    ///
    /// - Throws: ``BundleVerifier/Failure`` naming the lot and the input left out.
    func checkInputsCovered(_ lot: JSONValue, entry: UInt64, _ item: String) throws {
        let pointers = (lot["inputs"]?.arrayValue ?? []).map { $0["kg"]?["at"]?.stringValue ?? "" }
        guard Set(pointers).count == pointers.count else {
            throw fail(item, "an element of entry \(entry)'s input list is listed twice among the inputs")
        }
        let elements = bodies[entry]?["inputQuantityList"]?.arrayValue ?? []
        for (index, element) in elements.enumerated() where !pointers.contains("/inputQuantityList/\(index)/quantity") {
            let name = element["epcClass"]?.stringValue ?? "/inputQuantityList/\(index)"
            throw fail(
                item,
                "entry \(entry), which made the lot, lists input \(name) (/inputQuantityList/\(index)), which the lot's inputs leave out"
            )
        }
    }
}
