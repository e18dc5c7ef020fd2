public import Carbon
import LedgerCore
public import Provenance
public import SupplyChain

/// What one export is about: a cell, module, pack or lot, its trace and footprint as of one ledger
/// size, and every entry they rest on.
///
/// Every export format starts here, so a custody bundle, an EPCIS document and a PACT footprint of
/// the same serial at the same size describe the same entries.
public struct LineageScope: Sendable {
    /// The subject.
    public var subject: Subject
    /// The ledger size the export describes.
    public var size: UInt64
    /// The lineage tree and origins.
    public var trace: Trace
    /// The footprint with its working.
    public var footprint: Footprint
    /// The `epcis.event` entries of the lineage (lots made, shipped, certified, commissioned and
    /// assembled), in ledger order.
    public var events: [UInt64]
    /// The master-data entries the lineage and the footprint rest on (facilities, battery models,
    /// factor tables), in ledger order.
    public var masterData: [UInt64]

    /// The footprint's working, when ``collect(_:chain:asOf:withWorking:)`` was asked for it.
    public var working: FootprintWorking?

    /// Every entry of the scope, in ledger order.
    public var entries: [UInt64] { (events + masterData).sorted() }

    /// Collects the scope of `id` (a serial, a module or pack, or a lot) as of `pointInTime`
    /// (the whole ledger by default).
    ///
    /// - Parameters:
    ///   - id: The subject.
    ///   - chain: The ledger.
    ///   - pointInTime: The ledger size or time to describe.
    ///   - withWorking: Also keep the footprint's working (``working``), from the same recipes.
    /// - Returns: The scope.
    /// - Throws: `ProvenanceError` for an unknown subject, `CarbonError` when the footprint
    ///   cannot be computed.
    public static func collect(
        _ id: String,
        chain: SupplyChainLedger,
        asOf pointInTime: PointInTime? = nil,
        withWorking: Bool = false
    ) throws -> LineageScope {
        try chain.read { reader, txn, now in
            let size = try pointInTime?.size(in: chain.ledger, now: now) ?? now
            let subject = try Subject.resolve(id, reader: reader, size: size, txn)
            let trace = try Trace.compute(subject, reader: reader, size: size, txn)
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            let footprint = try engine.footprint(of: subject, txn)
            let working = withWorking ? try engine.working(of: subject, txn) : nil
            var all = Set(footprint.entries)
            var lots: Set<String> = []
            var pending = trace.tree
            while let node = pending.popLast() {
                all.insert(node.sequenceNumber)
                if lots.insert(node.lot).inserted { pending += node.inputs }
            }
            // The footprint's entries hold the assembly of a module or pack, and of the modules in
            // it, whether or not the footprint counts it (`Subject.assemblyEntries`).
            for lot in lots {
                // The version the ledger had at `size`, should a corrective event have made it again since.
                guard let number = try reader.lotNumber(lot, asOf: size, txn),
                    let card = try reader.card(number: number, txn)
                else { continue }
                for (_, sequence) in card.certifications { all.insert(sequence) }
                // A certificate declared in error since the scope's size is on its trace.
                for (_, sequence, retractedAt) in card.retractedCertifications where retractedAt >= size {
                    all.insert(sequence)
                }
                for (sequence, _) in try reader.shipments(ofLotNumber: number, txn) { all.insert(sequence) }
                if let facility = try reader.facility(card.facility, asOf: size, txn) {
                    all.insert(facility.registeredAt)
                    // Who operated it then and what it was then: the transfers and amendments
                    // recorded before the scope's size.
                    for transfer in facility.transfers { all.insert(transfer.at) }
                    for amendment in facility.amendments { all.insert(amendment.at) }
                }
            }
            var events: [UInt64] = []
            var masterData: [UInt64] = []
            // Only the type is needed here: read from the stored bytes (leaf hash checked), not parsed.
            for sequence in all.sorted() where sequence < size {
                try chain.ledger.forEachEntry(in: sequence..<(sequence + 1)) { _, bytes in
                    if Entry.type(ofCanonicalBytes: bytes) == SupplyChainLedger.EntryType.event {
                        events.append(sequence)
                    } else {
                        masterData.append(sequence)
                    }
                }
            }
            return LineageScope(
                subject: subject,
                size: size,
                trace: trace,
                footprint: footprint,
                events: events,
                masterData: masterData,
                working: working
            )
        }
    }
}
