import LedgerCore
import LedgerStorage

extension Rules {
    /// Writes what the provenance and carbon queries read of an applied event: its activity data
    /// and, for a shipment, a row per lot it moved.
    mutating func recordProcess(
        _ event: EPCISEvent,
        activity: EventActivity,
        facility: Facility?,
        sequence: UInt64,
        effects: EventEffects,
        _ txn: borrowing ReadTransaction
    ) throws {
        if activity.hasActivityData {
            store.put(
                .processes,
                IndexKey.sequence(sequence),
                ProcessData.encoded(
                    event: event,
                    activity: activity,
                    sequence: sequence,
                    facility: facility?.id,
                    effects: effects
                )
            )
        }
        var numbers: [String: UInt64] = [:]
        for lot in Set(effects.moved.map(\.lot)) {
            guard let number = try store.lotNumber(lot, txn) else {
                preconditionFailure("lot \(lot) is shipped before it is made")
            }
            store.addShipment(ofLot: number, sequence: sequence, eventID: event.eventID)
            numbers[lot] = number
        }
        for move in effects.moved {
            if let number = numbers[move.lot] { noteShipment(ofLot: number, to: move.to) }
        }
    }

    /// Rewrites a lot's card (`sc.lineage`) after a certificate or a retraction.
    mutating func updateCard(
        _ lot: String,
        _ txn: borrowing ReadTransaction,
        _ change: (inout LotCard) -> Void
    ) throws {
        guard let number = try store.lotNumber(lot, txn),
            let bytes = try store.raw(.lineage, IndexKey.sequence(number), txn),
            var card = LotCard(encoded: bytes)
        else { return }
        change(&card)
        store.put(.lineage, IndexKey.sequence(number), card.encoded)
    }

    /// Marks the derived rows of a retracted event.
    ///
    /// Its activity data and, for an assembly or disassembly, its step in the parent's history
    /// stay, so that a query as of an earlier size still sees them.
    mutating func markRetracted(
        _ eventID: String,
        recordedAt recorded: UInt64,
        effects: EventEffects,
        at sequence: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws {
        if let bytes = try store.raw(.processes, IndexKey.sequence(recorded), txn),
            var process = ProcessData(encoded: bytes)
        {
            process.retractedAt = sequence
            store.put(.processes, IndexKey.sequence(recorded), process.encoded)
        }
        guard let parent = effects.aggregated?.parent ?? effects.disaggregated?.parent,
            var record = try store.takeParent(parent, txn)
        else { return }
        record.markRetracted(eventID, at: sequence)
        store.putParent(parent, record)
    }
}
