public import LedgerStorage
public import Provenance
public import SupplyChain

/// How a footprint follows from recorded figures.
///
/// For every lot of the lineage: the parts it adds per kg and the kilograms of each input it
/// consumed, with the activity data and factors of each process as ``ProcessTerm``s. A custody bundle ties each figure to the entry field it came from,
/// so that a recipient can redo the arithmetic.
public struct FootprintWorking: Sendable {
    /// A root lot and the kilograms of it in the subject.
    public struct Root: Sendable {
        /// The lot (the cell lot for cells).
        public var lot: String
        /// Cells of the lot in the subject, for cells and assemblies.
        public var cells: UInt64?
        /// The commissioning entry whose `ct:cellMass` gives each cell's mass, when there is one.
        public var commissioningEntry: UInt64?
        /// Kilograms in the subject.
        public var kg: Double
    }

    /// One part of a lot's own footprint per kg.
    public struct Part: Sendable {
        /// What kind of part.
        public var kind: Contribution.Kind
        /// The event whose data it is.
        public var eventID: String?
        /// That event's entry.
        public var sequenceNumber: UInt64?
        /// The life-cycle stage.
        public var stage: LifeCycleStage
        /// Whether it rests on primary data.
        public var isPrimary: Bool
        /// The products of activity and factor (process, shipment and assembly parts).
        public var terms: [ProcessTerm]
        /// How the process was shared among its outputs (process parts).
        public var allocation: Allocation?
        /// Every output of the process with its mass (process parts), for the allocation.
        public var outputs: [ProcessData.LotMass]
        /// Co-product prices per kg (economic allocation).
        public var prices: [String: ExactDecimal]
        /// Everything the shipment moved (shipment parts).
        public var shipped: [ProcessData.LotMass]
        /// The material default factor (default parts).
        public var materialFactor: FactorUse?
        /// kg CO2e per kg of the lot, by method and stage.
        public var perKg: Emissions
    }

    /// A lot of the lineage.
    public struct Lot: Sendable {
        /// The lot.
        public var id: String
        /// The entry of the event that made it.
        public var createdAt: UInt64
        /// That event's `eventID`.
        public var createdBy: String
        /// Its mass as made, kg.
        public var producedKg: ExactDecimal
        /// Its own parts.
        public var parts: [Part]
        /// The inputs its making consumed, kg as recorded in that event.
        public var inputs: [ProcessData.LotMass]
        /// Kilograms of each input per kg of this lot (what the inputs count).
        public var inputKgPerKg: [Double]
    }

    /// The roots.
    public var roots: [Root]
    /// Every lot, each before its inputs.
    public var lots: [Lot]
}

extension CarbonEngine {
    /// The working of `subject`'s footprint: the same recipes ``footprint(of:_:)`` uses, with the
    /// terms of every process recorded.
    ///
    /// - Parameters:
    ///   - subject: The subject.
    ///   - txn: The read transaction.
    /// - Returns: The working, lots in the order the footprint pushes kilograms down.
    /// - Throws: ``CarbonError`` as the footprint does.
    public mutating func working(of subject: Subject, _ txn: borrowing ReadTransaction) throws -> FootprintWorking {
        let order = try slotsInPostOrder(subject, txn)
        var lots: [FootprintWorking.Lot] = []
        for slot in order.reversed() {
            guard let (id, recipe) = knownRecipe(slot: slot) else { continue }
            var parts: [FootprintWorking.Part] = []
            var inputs: [ProcessData.LotMass] = []
            for part in recipe.parts {
                var terms: [ProcessTerm] = []
                var outputs: [ProcessData.LotMass] = []
                var prices: [String: ExactDecimal] = [:]
                var shipped: [ProcessData.LotMass] = []
                if [.process, .shipment].contains(part.kind), let eventID = part.eventID,
                    let (process, _) = try reader.process(eventID, txn)
                {
                    let facility = try process.facility.flatMap { try reader.facility($0, asOf: size, txn) }
                    terms =
                        try ProcessAccount(
                            process,
                            facility: facility,
                            factors: factors,
                            stage: part.accountStage,
                            supplyChange: process.facility.flatMap { scenario.supplies[$0] },
                            recording: true
                        )
                        .terms
                    if part.kind == .process {
                        outputs = process.outputs
                        prices = process.prices
                        inputs = process.inputs
                    } else {
                        shipped = process.shipped
                    }
                }
                parts.append(
                    FootprintWorking.Part(
                        kind: part.kind,
                        eventID: part.eventID,
                        sequenceNumber: part.sequenceNumber,
                        stage: part.stage,
                        isPrimary: part.isPrimary,
                        terms: terms,
                        allocation: part.allocation,
                        outputs: outputs,
                        prices: prices,
                        shipped: shipped,
                        materialFactor: part.kind == .materialDefault ? part.factors.first : nil,
                        perKg: part.perKg
                    )
                )
            }
            if recipe.parts.contains(where: { $0.kind == .noData }) {
                inputs = recipe.lot.inputs.filter { $0.sequenceNumber < size }.map {
                    ProcessData.LotMass(lot: $0.from, kg: $0.kg)
                }
            }
            lots.append(
                FootprintWorking.Lot(
                    id: id,
                    createdAt: recipe.lot.createdAt,
                    createdBy: recipe.lot.createdBy,
                    producedKg: recipe.lot.producedKg,
                    parts: parts,
                    inputs: inputs,
                    inputKgPerKg: recipe.inputs.map(\.kgPerKg)
                )
            )
        }
        let roots = subject.roots.map { root in
            let share = subject.cells.first { $0.lot == root.lot }
            return FootprintWorking.Root(
                lot: root.lot,
                cells: share?.cells,
                commissioningEntry: share.flatMap {
                    $0.commissioningEntries.count == 1 ? $0.commissioningEntries[0] : nil
                },
                kg: root.kg
            )
        }
        return FootprintWorking(roots: roots, lots: lots)
    }
}
