import LedgerCore
import LedgerStorage

/// The custody of cells, modules and packs: who has a unit now, which a shipment of it by id, an
/// assembly that puts it in or adds to it, and a disassembly of it all ask for.
///
/// A unit in a module or pack travels with it: it is with whoever has the outermost unit holding
/// it. A unit in none is with the receiver of its last unit shipment that stands
/// (`sc.unit-shipments`), or with the actor that last took it out of a module or pack by a
/// disassembly that stands (`sc.taken-out`), whichever was recorded later; with neither, a module
/// or pack is with the actor that recorded its first assembly that stands, and a cell with any
/// actor holding its cell lot. So custody passes with the unit a cell is put into: the receiver of
/// a module that takes a cell out of it has the cell, and the module's maker no longer does.
extension Rules {
    /// Who has a unit now, by the custody rule above.
    struct UnitCustody {
        /// Why an actor has the unit.
        enum Keeper {
            /// The receiver of its last unit shipment that stands, recorded at `sequence`.
            case shippedTo(String, sequence: UInt64)
            /// The actor that took it out of `from` by the disassembly recorded at `sequence`,
            /// which stands and was recorded after every shipment of it that stands.
            case takenOutBy(String, from: String, sequence: UInt64)
            /// For a module or pack neither shipped nor taken out: the actor that recorded its
            /// first assembly that stands (`nil` when none stands).
            case assembler(String?)
            /// For a cell neither shipped nor taken out: any actor holding cell lot `lot`.
            case cellLot(String)
        }

        /// The unit whose custody it is: the unit asked about, or the outermost unit holding it.
        var unit: String
        var keeper: Keeper

        /// Whether no event that stands made or moved the unit: a module or pack not assembled yet.
        var isNew: Bool {
            if case .assembler(nil) = keeper { return true }
            return false
        }
    }

    /// Who has `unit` now.
    ///
    /// - Parameters:
    ///   - unit: A commissioned cell serial, or an assembled module or pack.
    ///   - range: The cell's serial range, `nil` for a module or pack.
    ///   - countingTakeOuts: Whether a disassembly moves custody; the rule of shipments by id as
    ///     CellTrace first recorded them left it out, which a replay still accepts.
    ///   - point: For the custody as of a ledger size, that size and the outermost unit holding
    ///     `unit` then (`nil` when none did); `nil` for the custody now.
    ///   - txn: The snapshot under the pending writes.
    /// - Returns: The unit its custody is of, and why who has it has it.
    /// - Throws: Storage errors only.
    func custody(
        of unit: String,
        range: SerialRange?,
        countingTakeOuts: Bool = true,
        asOf point: (size: UInt64, outermost: String?)? = nil,
        _ txn: borrowing ReadTransaction
    ) throws -> UnitCustody {
        var held = unit
        var cell = range
        if let point {
            if let outermost = point.outermost {
                held = outermost
                cell = nil
            }
        } else if let holder = try store.raw(.containedIn, IndexKey.text(unit), txn) {
            held = try outermostUnit(holding: String(decoding: holder, as: UTF8.self), txn)
            cell = nil
        }
        // A row stands when not declared in error; as of a size, when recorded before it and not
        // declared in error before it.
        let size = point?.size
        func stands(_ sequence: UInt64, _ row: JSONValue) -> Bool {
            let retracted = row["retractedAt"]?.doubleValue
            guard let size else { return retracted == nil }
            return sequence < size && retracted.map { UInt64($0) >= size } ?? true
        }
        let shipment = try store.unitShipments(of: held, txn).last { stands($0.sequenceNumber, $0.row) }
        if countingTakeOuts,
            let takeOut = try store.takeOuts(of: held, txn).last(where: { stands($0.sequenceNumber, $0.row) }),
            let taker = takeOut.row["by"]?.stringValue,
            shipment.map({ $0.sequenceNumber < takeOut.sequenceNumber }) ?? true
        {
            let from = takeOut.row["from"]?.stringValue ?? "?"
            return UnitCustody(unit: held, keeper: .takenOutBy(taker, from: from, sequence: takeOut.sequenceNumber))
        }
        if let shipment, let receiver = shipment.row["to"]?.stringValue {
            return UnitCustody(unit: held, keeper: .shippedTo(receiver, sequence: shipment.sequenceNumber))
        }
        if let cell { return UnitCustody(unit: held, keeper: .cellLot(cell.lot)) }
        return UnitCustody(unit: held, keeper: .assembler(try assembler(of: held, asOf: size, txn)))
    }

    /// Whether `actor` has the unit `custody` is of, and had it by the event's time; a problem at
    /// `field` says who has it, and why, when not.
    ///
    /// - Parameters:
    ///   - custody: The custody of `unit` (``custody(of:range:countingTakeOuts:_:)``).
    ///   - unit: The unit the event names.
    ///   - actor: The submitter.
    ///   - event: The event.
    ///   - doing: What the event does, as a message begins: `X is shipped`, `X is put into P`.
    ///   - subject: The unit `doing` begins with, which the message then calls `it`.
    ///   - field: Where a problem is named.
    ///   - lotsWeighed: The cell lots whose arrival the event has weighed already: each once.
    ///   - sink: Receives the problems.
    ///   - txn: The snapshot under the pending writes.
    /// - Returns: Whether no problem was found.
    /// - Throws: Storage errors only.
    @discardableResult
    mutating func checkCustody(
        _ custody: UnitCustody,
        of unit: String,
        by actor: String,
        _ event: EPCISEvent,
        doing: String,
        subject: String?,
        field: String,
        lotsWeighed: inout Set<String>,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws -> Bool {
        let held = custody.unit
        // A unit in another is with whoever has the outermost one.
        let carried = held == unit ? "" : "\(unit) is in \(held), and "
        let reached = held == subject ? "it" : held
        func arrival(_ sequence: UInt64, _ how: String) throws -> Bool {
            guard let arrived = try standingEvent(at: sequence, txn), event.eventTime < arrived.milliseconds else {
                return true
            }
            sink.add(
                field: field,
                "\(doing) at \(event.eventTimeText), before \(reached) reached \(actor) "
                    + "(\(how) at \(arrived.text); custody rule)"
            )
            return false
        }
        switch custody.keeper {
        case .shippedTo(let receiver, let sequence):
            guard receiver == actor else {
                sink.add(
                    field: field,
                    "\(carried)\(held) is with \(receiver), to which \(entryNamed(sequence)) shipped it, not with \(actor) "
                        + "(custody rule)"
                )
                return false
            }
            return try arrival(sequence, "shipped to it")
        case .takenOutBy(let taker, let from, let sequence):
            guard taker == actor else {
                sink.add(
                    field: field,
                    "\(carried)\(held) is with \(taker), which took it out of \(from) by \(entryNamed(sequence)), not with "
                        + "\(actor) (custody rule)"
                )
                return false
            }
            return try arrival(sequence, "taken out of \(from)")
        case .assembler(let maker):
            guard maker == actor else {
                sink.add(
                    field: field,
                    "\(carried)\(held) is with \(maker ?? "no actor"), which assembled it, not with \(actor); no "
                        + "shipment of \(held) went to \(actor) (custody rule)"
                )
                return false
            }
            return true
        case .cellLot(let lotID):
            let holding = try holding(lotID, actor, txn)
            guard holding.kg.isPositive else {
                sink.add(
                    field: field,
                    "\(actor) does not hold cell lot \(lotID) that \(unit) comes from, and no shipment of \(unit) "
                        + "went to it (custody rule)"
                )
                return false
            }
            // New input: a cell lot's time and arrival, as an assembly weighs them, once a lot.
            guard checksNewInput, lotsWeighed.insert(lotID).inserted, let lot = try lot(lotID, txn) else {
                return true
            }
            let before = sink.count
            if checkTime(event, of: lot, field: field, sink: sink) {
                checkArrival(event, holding, lot: lotID, actor: actor, field: field, sink: sink)
            }
            return sink.passes(since: before)
        }
    }

    /// The first event recorded after entry `recorded` that stands and moved `unit`'s custody: a
    /// shipment of it by id, or a disassembly that took it out of a unit; what it did as a message
    /// ends (`was shipped on by entry N`, or `by event N of this submission` for an event of the
    /// batch), with its entry.
    func laterMove(
        of unit: String,
        after recorded: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> (sequence: UInt64, what: String)? {
        let standsLater: ((sequenceNumber: UInt64, row: JSONValue)) -> Bool = {
            $0.sequenceNumber > recorded && $0.row["retractedAt"] == nil
        }
        let shipment = try store.unitShipments(of: unit, txn).first(where: standsLater)
        let takeOut = try store.takeOuts(of: unit, txn).first(where: standsLater)
        if let takeOut, shipment.map({ takeOut.sequenceNumber < $0.sequenceNumber }) ?? true {
            let from = takeOut.row["from"]?.stringValue ?? "?"
            return (takeOut.sequenceNumber, "was taken out of \(from) by \(entryNamed(takeOut.sequenceNumber))")
        }
        return shipment.map { ($0.sequenceNumber, "was shipped on by \(entryNamed($0.sequenceNumber))") }
    }

    /// The first event recorded after entry `recorded` that stands and moved `unit`, or the unit
    /// holding it now that moved (``laterMove(of:after:_:)``), as a message about `unit` goes on:
    /// `was shipped on by entry N`, `is in P, which was taken out of Q by entry N`.
    func laterMove(
        ofUnitHolding unit: String,
        after recorded: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> String? {
        var outer = unit
        var depth = 0
        while depth < 64 {
            if let moved = try laterMove(of: outer, after: recorded, txn) {
                return (outer == unit ? "" : "is in \(outer), which ") + moved.what
            }
            guard let holder = try store.raw(.containedIn, IndexKey.text(outer), txn) else { return nil }
            outer = String(decoding: holder, as: UTF8.self)
            depth += 1
        }
        return nil
    }

    /// The first event recorded after entry `recorded` that stands and that only the actor having
    /// `unit` could record: one that moved it (``laterMove(of:after:_:)``), the assembly that put it
    /// into the unit it is in now, or an assembly or disassembly of it or of a unit in it.
    func laterCustodyUse(
        of unit: String,
        after recorded: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> (sequence: UInt64, what: String)? {
        var found = try laterMove(of: unit, after: recorded, txn)
        func note(_ sequence: UInt64, _ what: @autoclosure () -> String) {
            if found.map({ sequence < $0.sequence }) ?? true { found = (sequence, what()) }
        }
        if let holder = try store.raw(.containedIn, IndexKey.text(unit), txn) {
            let holderID = String(decoding: holder, as: UTF8.self)
            for step in try store.parent(holderID, txn)?.history.reversed() ?? []
            where step["added"]?.arrayValue?.contains(.string(unit)) == true && step["retractedAt"] == nil {
                guard let sequence = step["seq"]?.doubleValue.map(UInt64.init) else { continue }
                if sequence > recorded { note(sequence, "was put into \(holderID) by \(entryNamed(sequence))") }
                break
            }
        }
        // The unit and every unit in it now, at any depth: units put in or taken out since.
        var pending = [unit]
        var seen: Set<String> = []
        while let next = pending.popLast() {
            guard seen.insert(next).inserted, let record = try store.parent(next, txn) else { continue }
            for step in record.history where step["retractedAt"] == nil {
                guard let sequence = step["seq"]?.doubleValue.map(UInt64.init), sequence > recorded else { continue }
                let change = step["added"] != nil ? "had units put into it" : "had units taken out of it"
                note(sequence, (next == unit ? "" : "holds \(next), which ") + "\(change) by \(entryNamed(sequence))")
                break
            }
            pending += record.children
        }
        return found
    }

    /// The unit that holds `unit` and is in no other.
    func outermostUnit(holding unit: String, _ txn: borrowing ReadTransaction) throws -> String {
        var outer = unit
        var depth = 0
        while let holder = try store.raw(.containedIn, IndexKey.text(outer), txn), depth < 64 {
            outer = String(decoding: holder, as: UTF8.self)
            depth += 1
        }
        return outer
    }

    /// The actor that recorded the first assembly of module or pack `unit` that stands, or that
    /// stood when the ledger held its first `size` entries.
    func assembler(of unit: String, asOf size: UInt64? = nil, _ txn: borrowing ReadTransaction) throws -> String? {
        for step in try store.parent(unit, txn)?.history ?? [] where step["added"] != nil {
            guard let sequence = step["seq"]?.doubleValue.map(UInt64.init) else { continue }
            if let size {
                guard sequence < size, step["retractedAt"]?.doubleValue.map({ UInt64($0) >= size }) ?? true else {
                    continue
                }
                return try store.json(.events, IndexKey.sequence(sequence), txn)?["actor"]?.stringValue
            }
            guard let standing = try standingEvent(at: sequence, txn) else { continue }
            return standing.record["actor"]?.stringValue
        }
        return nil
    }

    /// Writes the rows of a disassembly in `sc.taken-out`, one per unit it took out: the unit is
    /// with `actor` now.
    mutating func recordTakeOut(
        _ units: [String],
        from parent: String,
        by actor: String,
        eventID: String,
        sequence: UInt64
    ) {
        for unit in units {
            var writer = CanonicalObjectWriter(capacity: 160)
            writer.member("by", string: actor)
            writer.member("event", string: eventID)
            writer.member("from", string: parent)
            store.put(.takenOut, IndexKey.unitShipment(unit, sequence), writer.finish())
        }
    }

    /// Marks a disassembly's rows in `sc.taken-out` declared in error at entry `sequence`: the
    /// units are back in the unit they were taken out of, and with whoever has it.
    mutating func retractTakeOut(
        _ units: [String],
        recorded: UInt64,
        at sequence: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws {
        for unit in units {
            let key = IndexKey.unitShipment(unit, recorded)
            guard var row = try store.json(.takenOut, key, txn)?.objectValue else { continue }
            row["retractedAt"] = .number(Double(sequence))
            store.put(.takenOut, key, json: .object(row))
        }
    }
}
