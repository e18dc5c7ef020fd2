public import LedgerStorage
public import Provenance

extension CarbonEngine {
    /// What a module's or pack's footprint adds to its cells' share of their cell lots: the
    /// assembly and disassembly steps of it and of the modules in it, and the shipments by id of
    /// it and of every unit in it, as of the size, each as ``footprint(of:_:)`` counts it.
    ///
    /// A declaration of a module or pack model adds these to the cells' kg times their cell
    /// lots' footprints per kg from one roll-up (``perKg(ofEach:_:)``), so that each unit's
    /// total is its footprint's without walking its cells' lineage again.
    ///
    /// - Parameters:
    ///   - subject: A module or pack (``Subject/Kind/assembly``); a cell or a lot adds nothing.
    ///   - txn: The read transaction.
    /// - Returns: The contributions, assembly steps first.
    /// - Throws: ``CarbonError`` when a factor a step or a shipment needs is not in force; what
    ///   reading the ledger throws.
    public mutating func unitContributions(
        of subject: Subject,
        _ txn: borrowing ReadTransaction
    ) throws -> [Contribution] {
        guard subject.kind == .assembly else { return [] }
        let tree = try unitTree(of: subject.id, txn)
        return try assemblyContributions(tree.assemblies, txn) + unitShipmentContributions(of: tree.units, txn)
    }
}
