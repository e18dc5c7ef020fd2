import LedgerCore
import LedgerStorage

extension Rules {
    /// Writes what the provenance and carbon queries read of an applied event: its activity data
    /// and a row per lot it touched in the lot's history.
    mutating func recordProcess(_ event: EPCISEvent, facility: Facility?, sequence: UInt64, effects: EventEffects) {
        let process = ProcessData(event: event, sequence: sequence, facility: facility, effects: effects)
        if process.hasActivityData || !process.outputs.isEmpty || !process.shipped.isEmpty || process.parent != nil {
            store.put(.processes, IndexKey.text(event.eventID), json: process.json)
        }
        var lots = Set(effects.created)
        lots.formUnion(effects.consumed.map(\.lot))
        lots.formUnion(effects.moved.map(\.lot))
        lots.formUnion(effects.certified.map(\.lot))
        let eventID = Array(event.eventID.utf8)
        for lot in lots { store.put(.lotEvents, IndexKey.lotEvent(lot, sequence), eventID) }
    }

    /// Marks the derived rows of a retracted event.
    ///
    /// Its activity data and, for an assembly or disassembly, its step in the parent's history
    /// stay, so that a query as of an earlier size still sees them.
    mutating func markRetracted(
        _ eventID: String,
        effects: EventEffects,
        at sequence: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws {
        if var process = try store.json(.processes, IndexKey.text(eventID), txn)?.objectValue {
            process["retractedAt"] = .number(Double(sequence))
            store.put(.processes, IndexKey.text(eventID), json: .object(process))
        }
        guard let parent = effects.aggregated?.parent ?? effects.disaggregated?.parent,
            var record = try store.json(.parents, IndexKey.text(parent), txn)?.objectValue
        else { return }
        record["history"] = .array(
            (record["history"]?.arrayValue ?? []).map { step in
                guard step["event"]?.stringValue == eventID, var members = step.objectValue else { return step }
                members["retractedAt"] = .number(Double(sequence))
                return .object(members)
            }
        )
        store.put(.parents, IndexKey.text(parent), json: .object(record))
    }
}
