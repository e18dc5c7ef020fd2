import LedgerCore
public import LedgerStorage

/// `lot show` and `serial show` as of a ledger size: what the indexes kept of each row's entry,
/// with the events recorded since left out and the declarations in error recorded since not
/// applied.
///
/// The indexes keep the current state of a lot's holdings and balance, and of a unit's container
/// and custody; those are computed again here from the rows that carry their entries: the lot's
/// shipments, uses and lineage edges, and the unit's assembly steps, shipments by id and
/// disassemblies. Its certificates are those its card (``LotCard/certifications(asOf:)``) had then:
/// recorded before the size, those declared in error since among them.
extension SupplyChainLedger {
    /// A lot as the ledger had it when it held its first `size` entries: the version in force
    /// then, its balance, holders, lineage edges, custody and serial ranges then, and only the
    /// declarations in error recorded before `size`.
    ///
    /// - Parameters:
    ///   - id: The lot's id (its epcClass).
    ///   - size: The ledger size to answer for.
    /// - Returns: The report, or `nil` when no version of the lot was made before `size`.
    /// - Throws: A storage error, or ``SupplyChainError`` for a damaged row.
    public func lot(_ id: String, asOf size: UInt64) throws -> LotReport? {
        try read { reader, txn, _ in try lot(id, asOf: size, reader, txn) }
    }

    /// ``lot(_:asOf:)`` in the snapshot `txn`.
    func lot(
        _ id: String,
        asOf size: UInt64,
        _ reader: LineageReader,
        _ txn: borrowing ReadTransaction
    ) throws -> LotReport? {
        let store = StateStore(tables: tables)
        guard let number = try reader.lotNumber(id, asOf: size, txn),
            var lot = try store.storedLot(number, txn), lot.createdAt < size
        else { return nil }
        let declaredThen: (UInt64?) -> UInt64? = { $0.flatMap { $0 < size ? $0 : nil } }
        // The versions it replaced, the latest first, as `lot(_:)` reads them.
        var previousVersions: [Lot] = []
        var previousNumbers: [UInt64] = []
        var (previous, later) = (lot.previousVersion, number)
        while let version = previous {
            guard version < later, var replaced = try store.storedLot(version, txn), replaced.id == id else {
                throw SupplyChainError.damagedIndex(
                    IndexTable.lots.rawValue,
                    "lot #\(later) names lot #\(version) as the version of \(id) it replaces, which is not one"
                )
            }
            previous = replaced.previousVersion
            later = version
            replaced.retractedAt = declaredThen(replaced.retractedAt)
            previousVersions.append(replaced)
            previousNumbers.append(version)
        }
        let madeFrom = try reader.edges(ofNumber: number, upstream: true, txn).map(\.edge)
        let usedIn = try reader.edges(ofNumber: number, upstream: false, txn).map(\.edge).filter {
            $0.sequenceNumber < size
        }
        var custody: [LotCustodyEvent] = []
        for (offset, version) in ([number] + previousNumbers).enumerated() {
            for var event in try reader.custody(ofLotNumber: version, lot: id, txn) where event.sequenceNumber < size {
                event.declaredInErrorAt = declaredThen(event.declaredInErrorAt)
                if offset > 0 { event.version = previousNumbers.count - offset + 1 }
                custody.append(event)
            }
        }
        custody.sort { $0.sequenceNumber < $1.sequenceNumber }
        var declaredInError: [UInt64: UInt64] = [:]
        for sequence in Set((madeFrom + usedIn).map(\.sequenceNumber)) {
            if let declared = try reader.declaration(ofEventAt: sequence, txn), declared.declaredAt < size {
                declaredInError[sequence] = declared.declaredAt
            }
        }
        let balance = try holdings(
            of: lot,
            custody: custody.filter { $0.version == nil },
            usedIn: usedIn,
            declaredInError: declaredInError,
            asOf: size,
            txn
        )
        lot.consumedKg = balance.consumedKg
        lot.retractedAt = declaredThen(lot.retractedAt)
        lot.certifications = try reader.card(number: number, txn)?.certifications(asOf: size) ?? []
        // The ranges that stood then, those declared in error since among them, and those
        // declared in error before.
        var ranges = try reader.serialRanges(ofLotNumber: number, asOf: size, txn)
        if ranges.contains(where: { $0.retractedAt != nil }) {
            ranges.sort { first, second in
                first.prefix == second.prefix
                    ? first.last < second.last
                    : Array(first.prefix.utf8).lexicographicallyPrecedes(Array(second.prefix.utf8))
            }
        }
        for index in ranges.indices { ranges[index].retractedAt = nil }
        var retractedRanges: [SerialRange] = []
        if tables[.lotRetractedSerials] != nil {
            retractedRanges = try reader.serialRanges(
                ofLotNumber: number,
                from: .lotRetractedSerials,
                in: .retractedSerials,
                txn
            )
            .filter { range in range.commissionedAt < size && range.retractedAt.map { $0 < size } ?? false }
        }
        var report = LotReport(
            lot: lot,
            holdings: balance.holdings,
            madeFrom: madeFrom,
            usedIn: usedIn,
            serialRanges: ranges,
            retractedSerialRanges: retractedRanges,
            previousVersions: previousVersions
        )
        report.declaredInError = declaredInError
        report.custody = custody
        report.asOfSize = size
        return report
    }

    /// The holders of version `lot` of a lot and what it had consumed when the ledger held its
    /// first `size` entries, replayed as the import applies its events: the maker holds what it
    /// made, a shipment moves kilograms from its shipper to its receiver, and a consumption takes
    /// them from the consumer; an event declared in error before `size` counts for nothing.
    ///
    /// A receiver's arrival (``Holding/since``) is the earliest event time of the shipments to it
    /// that stand; the maker has none.
    ///
    /// - Parameters:
    ///   - lot: The version's record.
    ///   - custody: The version's shipments and uses recorded before `size`, each with the entry
    ///     that declared it in error before `size`, if one did.
    ///   - usedIn: The version's edges out recorded before `size`.
    ///   - declaredInError: The entries of declarations recorded before `size`, by the entry of
    ///     the event each declared in error.
    ///   - size: The ledger size.
    ///   - txn: The snapshot.
    /// - Returns: The holders with something left, in the order of their ids' bytes (as the
    ///   index keys them), and the kilograms consumed.
    /// - Throws: A storage error, or ``SupplyChainError`` for an edge whose event has no record.
    func holdings(
        of lot: Lot,
        custody: [LotCustodyEvent],
        usedIn: [LineageEdge],
        declaredInError: [UInt64: UInt64],
        asOf size: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> (holdings: [(actor: String, kg: ExactDecimal, since: String?)], consumedKg: ExactDecimal) {
        let store = StateStore(tables: tables)
        if lot.retractedAt.map({ $0 < size }) ?? false { return ([], .zero) }
        let maker = try store.json(.events, IndexKey.sequence(lot.createdAt), txn)?["actor"]?.stringValue
        var held: [String: ExactDecimal] = [:]
        var since: [String: Int64] = [:]
        var consumed = ExactDecimal.zero
        if let maker { held[maker] = lot.producedKg }
        func take(_ kg: ExactDecimal, from actor: String) {
            let before = held[actor] ?? .zero
            held[actor] = before.subtracting(kg) ?? before
        }
        func give(_ kg: ExactDecimal, to actor: String) {
            let before = held[actor] ?? .zero
            held[actor] = before.adding(kg) ?? before
        }
        for event in custody where event.declaredInErrorAt == nil {
            guard let kg = event.kg else { continue }
            switch event.kind {
            case .shipped:
                guard let to = event.to else { continue }
                take(kg, from: event.actor)
                give(kg, to: to)
                if to != maker, let time = EventTimeText.utcMilliseconds(event.eventTime) {
                    since[to] = min(since[to] ?? time, time)
                }
            case .consumed:
                take(kg, from: event.actor)
                consumed = consumed.adding(kg) ?? consumed
            case .received, .assembled:
                continue
            }
        }
        // A transformation that made lots from it: its record says who consumed how much.
        for sequence in Set(usedIn.map(\.sequenceNumber)).sorted() where declaredInError[sequence] == nil {
            guard let record = try store.json(.events, IndexKey.sequence(sequence), txn) else {
                throw SupplyChainError.damagedIndex(
                    IndexTable.events.rawValue,
                    "lot \(lot.id) was used by the event at entry \(sequence), which has no event record"
                )
            }
            for use in EventEffects(json: record["effects"] ?? [:]).consumed where use.lot == lot.id {
                take(use.kg, from: use.actor)
                consumed = consumed.adding(use.kg) ?? consumed
            }
        }
        let holders = held.filter { $0.value.isPositive }.sorted {
            Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8))
        }
        return (
            holders.map { holder in
                (holder.key, holder.value, since[holder.key].flatMap { Holding(kg: holder.value, since: $0).sinceText })
            },
            consumed
        )
    }

    /// A cell serial, module or pack as the ledger had it when it held its first `size` entries:
    /// the range that held the cell then, the units it sat in and held then, the steps and moves
    /// recorded before `size`, and who had it then.
    ///
    /// - Parameters:
    ///   - serial: The cell serial, module or pack.
    ///   - size: The ledger size to answer for.
    /// - Returns: The report, or `nil` when no range held the serial then and it was not assembled
    ///   before `size`.
    /// - Throws: A storage error, or ``SupplyChainError`` for a damaged row.
    public func serial(_ serial: String, asOf size: UInt64) throws -> SerialReport? {
        try read { lineage, txn, _ in
            let declaredThen: (UInt64?) -> UInt64? = { $0.flatMap { $0 < size ? $0 : nil } }
            var range = try lineage.serialRange(containing: serial, asOf: size, txn)
            range?.retractedAt = nil
            let allRetracted = try lineage.retractedSerialRanges(containing: serial, txn)
            let retracted = allRetracted.filter { $0.commissionedAt < size && declaredThen($0.retractedAt) != nil }
            let assembly = try lineage.assembly(serial, txn)
            let steps = (assembly?.history ?? []).filter { $0.sequenceNumber < size }.map { step in
                var step = step
                step.retractedAt = declaredThen(step.retractedAt)
                return step
            }
            guard range != nil || !steps.isEmpty || !retracted.isEmpty else { return nil }
            // Every lot a range holding it came from: the units its cells were put into are found
            // through them.
            let now = try lineage.serialRange(containing: serial, txn)
            var lots: [String] = []
            for lot in [now?.lot, range?.lot].compactMap({ $0 }) + allRetracted.map(\.lot) where !lots.contains(lot) {
                lots.append(lot)
            }
            var moves = try lineage.moves(ofCell: serial, lots: lots, txn)
            if let placedIn = assembly?.placedIn, !placedIn.isEmpty {
                moves = try (moves + lineage.moves(of: serial, in: placedIn, txn)).sorted {
                    $0.sequenceNumber < $1.sequenceNumber
                }
            }
            moves = moves.filter { $0.sequenceNumber < size }.map { move in
                var move = move
                move.retractedAt = declaredThen(move.retractedAt)
                return move
            }
            let chain = try containers(of: serial, moves: moves, asOf: size, lineage, txn)
            var facility: String?
            if let assembly, let last = steps.last(where: { !$0.added.isEmpty || $0.removed.isEmpty }) {
                // The record keeps the facility of the last assembly; an earlier one's is its event's.
                let lastOfAll = assembly.history.last { !$0.added.isEmpty || $0.removed.isEmpty }
                facility =
                    last.sequenceNumber == lastOfAll?.sequenceNumber
                    ? assembly.facility
                    : try ledger.entry(at: last.sequenceNumber).body["bizLocation"]?["id"]?.stringValue
            }
            return SerialReport(
                serial: serial,
                range: range,
                containedIn: chain,
                children: steps.isEmpty ? [] : assembly?.children(asOf: size) ?? [],
                history: steps,
                facility: facility,
                retracted: retracted,
                moves: moves,
                custody: try custody(of: serial, range: range, asOf: (size, chain.last), lineage, txn),
                asOfSize: size
            )
        }
    }

    /// The units `unit` sat in when the ledger held its first `size` entries, innermost first:
    /// of the units it was put into (`moves`, recorded before `size`), the one whose assembly
    /// steps then held it, and so on outwards through the units each was put into.
    private func containers(
        of unit: String,
        moves: [UnitMove],
        asOf size: UInt64,
        _ lineage: LineageReader,
        _ txn: borrowing ReadTransaction
    ) throws -> [String] {
        var chain: [String] = []
        var current = unit
        var candidates = moves.filter(\.putIn).map(\.unit)
        while chain.count < 64 {
            var holder: String?
            var seen: Set<String> = []
            for candidate in candidates.reversed() where seen.insert(candidate).inserted {
                if try lineage.assembly(candidate, txn)?.children(asOf: size).contains(current) == true {
                    holder = candidate
                    break
                }
            }
            guard let holder else { break }
            chain.append(holder)
            current = holder
            candidates = try lineage.assembly(holder, txn)?.placedIn ?? []
        }
        return chain
    }
}
