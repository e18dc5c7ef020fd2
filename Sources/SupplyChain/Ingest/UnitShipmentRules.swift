import LedgerCore
import LedgerStorage

/// The rules of a shipment of cells, modules and packs by id (its `epcList`).
///
/// The ledger keeps custody by lot and kilogram (`sc.holdings`); a unit's custody is what its
/// shipments by id (`sc.unit-shipments`), disassemblies (`sc.taken-out`) and the units it is in
/// say, the rule that assemblies and disassemblies apply too (``Rules/custody(of:range:countingTakeOuts:_:)``).
extension Rules {
    /// Checks the units a shipment names: each a commissioned cell or an assembled module or pack,
    /// named once, in no other unit (it travels with what holds it), made before the event and
    /// with the submitter (the custody rule above).
    ///
    /// - Parameters:
    ///   - event: The shipment.
    ///   - actor: The submitter, who ships.
    ///   - sink: Receives the problems, naming the event and `/epcList/i`.
    ///   - txn: The snapshot under the pending writes.
    /// - Returns: Each unit with its mass in kilograms: a cell's `ct:cellMass`, a module's or
    ///   pack's the cells it holds now, at any depth; and the cell lots through which the
    ///   submitter has cells it ships (neither shipped nor taken out since), which the shipment
    ///   uses as a lot (``LotUse/shippedCells``).
    /// - Throws: Storage errors only.
    mutating func checkShippedUnits(
        _ event: EPCISEvent,
        actor: Actor,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws -> (units: [(unit: String, kg: ExactDecimal)], cellLots: Set<String>) {
        if event.epcList.count > EventActivity.maxListed {
            sink.add(field: "/epcList", EventActivity.tooLong(event.epcList.count))
            return ([], [])
        }
        var cellLots: Set<String> = []
        var units: [(unit: String, kg: ExactDecimal)] = []
        var seen: Set<String> = []
        var madeTimes: [UInt64: (milliseconds: Int64, text: String)?] = [:]
        // Cell lots whose arrival is weighed once, however many of their cells are shipped.
        var lotsWeighed: Set<String> = []
        for (index, unit) in event.epcList.enumerated() {
            let field = "/epcList/\(index)"
            guard seen.insert(unit).inserted else {
                sink.add(field: field, "\(unit) is listed twice")
                continue
            }
            let range = try serialRange(containing: unit, txn)
            guard try range != nil || store.parent(unit, txn)?.standingAssembly != nil else {
                try reportMissingUnit(
                    unit,
                    field: field,
                    "\(unit) is neither a commissioned cell serial nor an assembled module or pack: "
                        + "a shipment's epcList names the cells, modules and packs it moves",
                    sink: sink,
                    txn
                )
                continue
            }
            if let holder = try store.raw(.containedIn, IndexKey.text(unit), txn) {
                let parent = String(decoding: holder, as: UTF8.self)
                sink.add(
                    field: field,
                    "\(unit) is in \(try outermostUnit(holding: parent, txn)), which carries it: "
                        + "ship the outermost unit, or take \(unit) out first"
                )
                continue
            }
            if let made = try madeTime(of: unit, range: range, &madeTimes, txn),
                event.eventTime < made.milliseconds
            {
                sink.add(
                    field: field,
                    "\(unit) is shipped at \(event.eventTimeText), before it was \(made.verb) (\(made.text))"
                )
                continue
            }
            guard
                let custody = try checkUnitCustody(
                    event,
                    unit,
                    range: range,
                    actor: actor.id,
                    field: field,
                    lotsWeighed: &lotsWeighed,
                    sink: sink,
                    txn
                )
            else { continue }
            if case .cellLot(let lot) = custody.keeper { cellLots.insert(lot) }
            units.append((unit, try unitMass(unit, range: range, txn)))
        }
        return (units, cellLots)
    }

    /// Whether `actor` has `unit` now (the custody rule of ``Rules/custody(of:range:countingTakeOuts:_:)``),
    /// and reached it no later than the event; a problem at `field` says who has it when not.
    ///
    /// A replay accepts a shipment that the rule as CellTrace first recorded unit shipments
    /// accepted, which did not count disassemblies, as well as one this rule accepts.
    ///
    /// - Returns: The unit's custody by the rule as it stands when the shipment is accepted, the
    ///   same for new input and a replay, so both record the same uses of its cell lot; `nil`
    ///   when the shipment is refused.
    private mutating func checkUnitCustody(
        _ event: EPCISEvent,
        _ unit: String,
        range: SerialRange?,
        actor: String,
        field: String,
        lotsWeighed: inout Set<String>,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws -> UnitCustody? {
        let custody = try custody(of: unit, range: range, txn)
        // A replay first tries, without reporting, the rule as unit shipments were first recorded.
        var rules = [(custody, sink)]
        if !checksNewInput {
            let first = try self.custody(of: unit, range: range, countingTakeOuts: false, txn)
            rules.insert((first, ProblemSink(index: sink.index, identifier: sink.identifier)), at: 0)
        }
        for (rule, reporting) in rules {
            let accepted = try checkCustody(
                rule,
                of: unit,
                by: actor,
                event,
                doing: "\(unit) is shipped",
                subject: unit,
                field: field,
                lotsWeighed: &lotsWeighed,
                sink: reporting,
                txn
            )
            if accepted { return custody }
        }
        return nil
    }

    /// A unit's mass in kilograms: a cell's, or the cells a module or pack holds now, at any depth.
    private func unitMass(_ unit: String, range: SerialRange?, _ txn: borrowing ReadTransaction) throws -> ExactDecimal
    {
        if let range { return range.cellMassKg }
        var total = ExactDecimal.zero
        var pending = [unit]
        var seen: Set<String> = []
        while let next = pending.popLast() {
            guard seen.insert(next).inserted, let record = try store.parent(next, txn) else { continue }
            for child in record.children {
                if let cell = try serialRange(containing: child, txn) {
                    // A mass too large to add exactly is beyond any shipment; the sum stays as it was.
                    total = total.adding(cell.cellMassKg) ?? total
                } else {
                    pending.append(child)
                }
            }
        }
        return total
    }

    /// Writes a unit shipment's rows in `sc.unit-shipments`, one per unit.
    mutating func recordUnitShipment(
        _ shipped: (from: String, to: String, units: [(unit: String, kg: ExactDecimal)]),
        eventID: String,
        sequence: UInt64
    ) {
        for (unit, _) in shipped.units {
            var writer = CanonicalObjectWriter(capacity: 160)
            writer.member("event", string: eventID)
            writer.member("from", string: shipped.from)
            writer.member("to", string: shipped.to)
            store.put(.unitShipments, IndexKey.unitShipment(unit, sequence), writer.finish())
        }
    }

    /// Checks that declaring a unit shipment in error leaves custody as it was: no unit it
    /// shipped was shipped on since by a shipment that stands, nor (new input) used since as only
    /// the actor having it may (``laterCustodyUse(of:after:_:)``): taken out of a unit, put into
    /// one, or assembled or taken apart, itself or a unit in it.
    func checkUnitShipmentRetraction(
        _ shipped: (from: String, to: String, units: [(unit: String, kg: ExactDecimal)]),
        recorded: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        for (unit, _) in shipped.units {
            let later: (sequence: UInt64, what: String)?
            if checksNewInput {
                later = try laterCustodyUse(of: unit, after: recorded, txn)
            } else {
                later = try store.unitShipments(of: unit, txn).first(where: {
                    $0.sequenceNumber > recorded && $0.row["retractedAt"] == nil
                }).map { ($0.sequenceNumber, "was shipped on by \(entryNamed($0.sequenceNumber))") }
            }
            guard let later else { continue }
            sink.add(
                field: "/errorDeclaration",
                "\(unit), shipped to \(shipped.to) by this event, \(later.what); declare that event in error first "
                    + "(custody rule)"
            )
        }
    }

    /// Marks a unit shipment's rows declared in error at entry `sequence`: the unit's custody goes
    /// back, and footprints as of an earlier size still count the shipment.
    mutating func retractUnitShipment(
        _ shipped: (from: String, to: String, units: [(unit: String, kg: ExactDecimal)]),
        recorded: UInt64,
        at sequence: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws {
        for (unit, _) in shipped.units {
            let key = IndexKey.unitShipment(unit, recorded)
            guard var row = try store.json(.unitShipments, key, txn)?.objectValue else { continue }
            row["retractedAt"] = .number(Double(sequence))
            store.put(.unitShipments, key, json: .object(row))
        }
    }
}
