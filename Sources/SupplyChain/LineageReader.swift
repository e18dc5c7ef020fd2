import LedgerCore
public import LedgerStorage
import Synchronization

/// A module or pack: what it holds now and every assembly step that built it.
public struct Assembly: Sendable, Hashable {
    /// One assembly or disassembly.
    public struct Step: Sendable, Hashable {
        /// The sequence number of the event's entry.
        public var sequenceNumber: UInt64
        /// The event's `eventID`.
        public var eventID: String
        /// Units put in.
        public var added: [String]
        /// Units taken out.
        public var removed: [String]
        /// The entry that declared the step in error, if one did.
        public var retractedAt: UInt64?
        /// Where an assembly happened: its facility, when its record keeps it (index layout 21).
        public var facility: String? = nil
        /// The battery model an assembly named (`ct:batteryModel`), if it named one.
        public var model: String? = nil
        /// Whether the step is an assembly (units put in, perhaps none new) rather than a
        /// disassembly.
        public var isAssembly = true

        /// Whether the step counted when the ledger had `size` entries: recorded before, and not
        /// declared in error before.
        public func stood(asOf size: UInt64) -> Bool {
            sequenceNumber < size && !(retractedAt.map { $0 < size } ?? false)
        }
    }

    /// The module or pack.
    public var parent: String
    /// The units it holds now.
    public var children: [String]
    /// The facility of the last assembly.
    public var facility: String?
    /// Its assembly steps, oldest first.
    public var history: [Step]
    /// The modules and packs it was put into, each once, in the order first put in, those of
    /// assemblies declared in error included.
    public var placedIn: [String]

    /// The units it held when the ledger had `size` entries.
    public func children(asOf size: UInt64) -> [String] {
        var held: [String] = []
        // Looked up in a set: a unit may hold thousands of cells, put in one an event.
        var inside: Set<String> = []
        for step in history where step.sequenceNumber < size && !(step.retractedAt.map { $0 < size } ?? false) {
            if !step.removed.isEmpty {
                let removed = Set(step.removed)
                held.removeAll { removed.contains($0) }
                inside.subtract(removed)
            }
            held += step.added.filter { inside.insert($0).inserted }
        }
        return held
    }

    /// The battery model it had when the ledger had `size` entries: the one named by its first
    /// assembly that stood then and named one, with that step; `nil` when none did.
    public func model(asOf size: UInt64) -> (id: String, step: Step)? {
        for step in history where step.isAssembly && step.stood(asOf: size) {
            if let model = step.model { return (model, step) }
        }
        return nil
    }

    init(parent: String, record: ParentRecord) {
        self.parent = parent
        children = record.children
        facility = record.facility
        placedIn = record.placedIn
        history = record.history.compactMap { step in
            guard let seq = step["seq"]?.doubleValue, let event = step["event"]?.stringValue else { return nil }
            return Step(
                sequenceNumber: UInt64(seq),
                eventID: event,
                added: step["added"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                removed: step["removed"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                retractedAt: step["retractedAt"]?.doubleValue.map { UInt64($0) },
                facility: step["facility"]?.stringValue,
                model: step["model"]?.stringValue,
                isAssembly: step["added"] != nil
            )
        }
    }
}

/// A cell, module or pack put into or taken out of a module or pack.
public struct UnitMove: Sendable, Hashable {
    /// The module or pack.
    public var unit: String
    /// Whether it was put in; taken out when `false`.
    public var putIn: Bool
    /// The sequence number of the event's entry.
    public var sequenceNumber: UInt64
    /// The event's `eventID`.
    public var eventID: String
    /// The entry that declared the event in error, if one did.
    public var retractedAt: UInt64?
}

/// What the index says of one event.
public struct EventSummary: Sendable, Hashable {
    /// The event's `eventID`.
    public var eventID: String
    /// The sequence number of its entry.
    public var sequenceNumber: UInt64
    /// Its CBV 2.0 Event Hash ID.
    public var hashID: String
    /// The EPCIS event type.
    public var type: String
    /// The submitting actor.
    public var actor: String
    /// The event time (RFC 3339).
    public var eventTime: String
    /// The entry that declared it in error, if one did.
    public var retractedAt: UInt64?
    /// The sequence number of the submission entry that signs the event.
    public var submission: UInt64?

    /// Whether the event counted when the ledger had `size` entries.
    public func isVisible(asOf size: UInt64) -> Bool {
        sequenceNumber < size && !(retractedAt.map { $0 < size } ?? false)
    }
}

/// Reads of the supply-chain indexes inside one read transaction, for the provenance and carbon
/// queries: every call of one query sees the same snapshot.
///
/// ```swift
/// let tree = try chain.read { reader, txn, size in
///     try reader.edges(of: "urn:celltrace:lot:cells-0225", upstream: true, txn)
/// }
/// ```
public struct LineageReader: Sendable {
    let tables: [IndexTable: Table]
    let cache: RecordCache
    /// The tables read on every lot of a lineage, looked up once.
    private let lineageTable: Table?
    private let processTable: Table?
    private let eventIDTable: Table?
    private let facilityTable: Table?
    /// Why the event and process indexes cannot be read, when they are in an older form.
    private let outdated: SupplyChainError?
    /// The ledger's size in the snapshot ``SupplyChainLedger/read(_:)`` lends this reader with;
    /// `nil` for a reader made otherwise, which cannot tell a size from the ledger's own.
    package internal(set) var snapshotSize: UInt64?

    init(tables: [IndexTable: Table], cache: RecordCache, outdated: SupplyChainError? = nil) {
        self.tables = tables
        self.cache = cache
        self.outdated = outdated
        lineageTable = tables[.lineage]
        processTable = tables[.processes]
        eventIDTable = tables[.eventIDs]
        facilityTable = tables[.facilities]
    }

    /// The sequence number of the entry that recorded `eventID`, or, when no event was recorded
    /// under it, the event recorded under an eventID of its own whose hash ID `eventID` is.
    public func sequenceNumber(ofEvent eventID: String, _ txn: borrowing ReadTransaction) throws -> UInt64? {
        try recorded(eventID, txn)?.sequence
    }

    /// The entry that recorded `eventID` (``sequenceNumber(ofEvent:_:)``) and the eventID it has there.
    private func recorded(
        _ eventID: String,
        _ txn: borrowing ReadTransaction
    ) throws -> (sequence: UInt64, eventID: String)? {
        if let outdated { throw outdated }
        guard let eventIDTable else { return nil }
        let key = IndexKey.eventID(eventID)
        if let sequence = try DigestRuns.value(forDigest: key, in: eventIDTable, txn).flatMap({
            IndexKey.sequence(in: $0)
        }) {
            return (sequence, eventID)
        }
        return try store.eventByHashID(key: key, txn)
    }

    private var store: StateStore { StateStore(tables: tables) }

    /// A lot's record.
    public func lot(_ id: String, _ txn: borrowing ReadTransaction) throws -> Lot? {
        try store.lot(id, txn)
    }

    /// The edges into a lot (`upstream: true`: what it was made from) or out of it, by the other
    /// lot's identifier.
    public func edges(of lot: String, upstream: Bool, _ txn: borrowing ReadTransaction) throws -> [LineageEdge] {
        if let outdated { throw outdated }
        var edges: [LineageEdge] = []
        guard let number = try lotNumber(lot, txn) else { return edges }
        let table: IndexTable = upstream ? .edgesUp : .edgesDown
        try rows(table, prefix: IndexKey.sequence(number), txn) { key, value in
            guard let edge = value.withUnsafeBytes({ LineageEdge(row: $0) }) else {
                throw SupplyChainError.damagedIndex(
                    table.rawValue,
                    "the row \(SupplyChainLedger.printable(key, in: table)) is not an edge's row"
                )
            }
            edges.append(edge)
        }
        return edges
    }

    /// The edges out of lot number `number` (`upstream: false`: what was made from it) or into it,
    /// each with the number of the lot at its other end, which names the version of that lot the
    /// edge's event made or used (``Lot/previousVersion``), where its identifier names the latest.
    public func edges(
        ofNumber number: UInt64,
        upstream: Bool,
        _ txn: borrowing ReadTransaction
    ) throws -> [(edge: LineageEdge, other: UInt64)] {
        if let outdated { throw outdated }
        var edges: [(edge: LineageEdge, other: UInt64)] = []
        let table: IndexTable = upstream ? .edgesUp : .edgesDown
        try rows(table, prefix: IndexKey.sequence(number), txn) { key, value in
            guard let other = IndexKey.sequence(in: key.dropFirst(8).prefix(8)),
                let edge = value.withUnsafeBytes({ LineageEdge(row: $0) })
            else {
                throw SupplyChainError.damagedIndex(
                    table.rawValue,
                    "the row \(SupplyChainLedger.printable(key, in: table)) is not an edge's row"
                )
            }
            edges.append((edge, other))
        }
        return edges
    }

    /// The row of lot number `number`: a version of a lot (``Lot/previousVersion``) by its number.
    public func lot(number: UInt64, _ txn: borrowing ReadTransaction) throws -> Lot? {
        try store.storedLot(number, txn)
    }

    /// The number of the version of lot `lot` that the ledger had when it held `size` entries:
    /// the latest version (``lotNumber(_:_:)``), or, when that one was made at `size` or later, the
    /// latest version made before, which a corrective event has since replaced.
    ///
    /// - Returns: The number, or `nil` when no lot has that id.
    public func lotNumber(_ lot: String, asOf size: UInt64, _ txn: borrowing ReadTransaction) throws -> UInt64? {
        guard var number = try lotNumber(lot, txn) else { return nil }
        // The card, which a walk reads next, says when the version was made; its row, whether it
        // replaced one.
        while let card = try card(number: number, txn), card.createdAt >= size,
            let previous = try store.storedLot(number, txn)?.previousVersion, previous < number
        {
            number = previous
        }
        return number
    }

    /// The identifier under which the ledger has the lot, cell serial, module or pack that `id`
    /// names in its other GS1 form (an EPC URN for a Digital Link, or the reverse; ``GS1Forms``),
    /// or `nil`.
    ///
    /// The ledger keys lots and serial ranges by the text they were recorded under, so a query
    /// given the other form finds them through this.
    public func recordedForm(of id: String, _ txn: borrowing ReadTransaction) throws -> String? {
        let rules = Rules(store: store)
        if let form = try rules.lotInOtherForm(id, txn) { return form }
        // A cell serial, or a module or pack by its SGTIN, GIAI or SSCC.
        return try rules.unitInOtherForm(id, txn)
    }

    /// The commissioned range holding a cell serial (`prefix` + decimal number).
    public func serialRange(containing serial: String, _ txn: borrowing ReadTransaction) throws -> SerialRange? {
        try Rules(store: store).serialRange(containing: serial, txn)
    }

    /// The serial ranges commissioned from a cell lot.
    public func serialRanges(ofLot lot: String, _ txn: borrowing ReadTransaction) throws -> [SerialRange] {
        guard let number = try lotNumber(lot, txn) else { return [] }
        return try serialRanges(ofLotNumber: number, txn)
    }

    /// The serial ranges commissioned from lot number `number`.
    public func serialRanges(ofLotNumber number: UInt64, _ txn: borrowing ReadTransaction) throws -> [SerialRange] {
        try serialRanges(ofLotNumber: number, from: .lotSerials, in: .serials, txn)
    }

    /// The serial ranges commissioned from lot `lot` whose commissioning was declared in error.
    public func retractedSerialRanges(ofLot lot: String, _ txn: borrowing ReadTransaction) throws -> [SerialRange] {
        guard tables[.lotRetractedSerials] != nil, let number = try lotNumber(lot, txn) else { return [] }
        return try serialRanges(ofLotNumber: number, from: .lotRetractedSerials, in: .retractedSerials, txn)
    }

    /// The serial ranges of lot number `number` that the ledger had when it held its first `size`
    /// entries: those commissioned before it, with those declared in error since.
    ///
    /// - Parameters:
    ///   - number: The cell lot's number.
    ///   - size: The size of the ledger the ranges are asked of.
    ///   - retractions: Whether to look for ranges declared in error
    ///     (``hasRetractedSerialRanges(_:)``); a walk over many lots asks once.
    ///   - txn: The read transaction.
    /// - Returns: The ranges of now commissioned before `size`, then those declared in error at
    ///   `size` or later.
    /// - Throws: A storage error, or ``SupplyChainError`` for a row that does not read back.
    public func serialRanges(
        ofLotNumber number: UInt64,
        asOf size: UInt64,
        retractions: Bool = true,
        _ txn: borrowing ReadTransaction
    ) throws -> [SerialRange] {
        var ranges = try serialRanges(ofLotNumber: number, txn).filter { $0.stood(asOf: size) }
        if retractions, tables[.lotRetractedSerials] != nil {
            ranges += try serialRanges(ofLotNumber: number, from: .lotRetractedSerials, in: .retractedSerials, txn)
                .filter { $0.stood(asOf: size) }
        }
        return ranges
    }

    /// The serial ranges whose rows `index` (keyed by lot number, then by the key of the row in
    /// `table`) lists for lot number `number`.
    func serialRanges(
        ofLotNumber number: UInt64,
        from index: IndexTable,
        in table: IndexTable,
        _ txn: borrowing ReadTransaction
    ) throws -> [SerialRange] {
        let prefix = IndexKey.sequence(number)
        var keys: [[UInt8]] = []
        try rows(index, prefix: prefix, txn) { key, _ in keys.append(Array(key.dropFirst(prefix.count))) }
        let serials = try IndexTable.handle(table, in: tables)
        return try keys.compactMap { key in
            try txn.value(in: serials, forKey: key).flatMap { SerialRange(json: try JSONValue(parsing: $0)) }
        }
    }

    /// Whether any commissioning has been declared in error: if not, no query as of an earlier
    /// size needs to look for ranges that have left `sc.serials`.
    public func hasRetractedSerialRanges(_ txn: borrowing ReadTransaction) throws -> Bool {
        guard let table = tables[.retractedSerials] else { return false }
        return try txn.count(table) > 0
    }

    /// The ranges that held `serial` and whose commissioning was declared in error, in the order
    /// of their last serial, then of their declaration.
    public func retractedSerialRanges(
        containing serial: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [SerialRange] {
        guard tables[.retractedSerials] != nil, let (prefix, number) = SerialNumber.split(serial) else { return [] }
        let start = IndexKey.serial(prefix: prefix, last: number)
        var ranges: [SerialRange] = []
        // Keyed by their last serial: those that end before `number` are passed over by the seek.
        try rows(.retractedSerials, prefix: Array(start.dropLast(8)), from: start, txn) { key, value in
            guard let range = SerialRange(json: try JSONValue(parsing: value)) else {
                throw SupplyChainError.unreadableRow(.retractedSerials, key: key)
            }
            if range.prefix == prefix, range.first <= number { ranges.append(range) }
        }
        return ranges
    }

    /// The range holding `serial` that the ledger had when it held its first `size` entries: the
    /// range commissioned now if it was commissioned before, or one declared in error since.
    public func serialRange(
        containing serial: String,
        asOf size: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> SerialRange? {
        if let range = try serialRange(containing: serial, txn), range.stood(asOf: size) { return range }
        return try retractedSerialRanges(containing: serial, txn).first { $0.stood(asOf: size) }
    }

    /// The lots that serial ranges were commissioned from, each once, in the order they were made:
    /// the cell lots of a roll-up, read from the rows of `sc.lot-serials` without decoding a range.
    ///
    /// Like ``allSerialRanges(_:)``, this is the index as it stands, not as of an earlier size.
    public func commissionedLots(_ txn: borrowing ReadTransaction) throws -> [String] {
        try commissionedLotNumbers(txn).map(\.lot)
    }

    /// The lots of ``commissionedLots(_:)`` with their lot numbers, which key the rows they are
    /// read from: a roll-up given them looks no lot up by its id.
    public func commissionedLotNumbers(_ txn: borrowing ReadTransaction) throws -> [(lot: String, number: UInt64)] {
        var lots: [(lot: String, number: UInt64)] = []
        var previous: UInt64?
        try rows(.lotSerials, prefix: [], txn) { key, value in
            guard let number = IndexKey.sequence(in: key.prefix(8)), number != previous else { return }
            previous = number
            lots.append((String(decoding: value, as: UTF8.self), number))
        }
        return lots
    }

    /// Every commissioned serial range, in key order.
    public func allSerialRanges(_ txn: borrowing ReadTransaction) throws -> [SerialRange] {
        var ranges: [SerialRange] = []
        try rows(.serials, prefix: [], txn) { _, value in
            if let range = SerialRange(json: try JSONValue(parsing: value)) { ranges.append(range) }
        }
        return ranges
    }

    /// Every serial range the ledger had when it held its first `size` entries: those commissioned
    /// before, with those declared in error since, in the order of their prefix and last serial.
    public func allSerialRanges(asOf size: UInt64, _ txn: borrowing ReadTransaction) throws -> [SerialRange] {
        let ranges = try allSerialRanges(txn).filter { $0.stood(asOf: size) }
        guard tables[.retractedSerials] != nil else { return ranges }
        var retracted: [SerialRange] = []
        try rows(.retractedSerials, prefix: [], txn) { key, value in
            guard let range = SerialRange(json: try JSONValue(parsing: value)) else {
                throw SupplyChainError.unreadableRow(.retractedSerials, key: key)
            }
            if range.stood(asOf: size) { retracted.append(range) }
        }
        if retracted.isEmpty { return ranges }
        return (ranges + retracted).sorted { ($0.prefix, $0.last) < ($1.prefix, $1.last) }
    }

    /// A module or pack.
    public func assembly(_ parent: String, _ txn: borrowing ReadTransaction) throws -> Assembly? {
        try store.parent(parent, txn).map { Assembly(parent: parent, record: $0) }
    }

    /// Each time cell `serial`, commissioned from the cell lots `lots`, was put into or taken out
    /// of a module or pack, oldest first, the events declared in error included.
    ///
    /// The units are found through the lots' assemblies (`sc.lot-uses`): a cell is taken out only
    /// of a unit it was put into. Each assembly's record is read once, so the cost grows with the
    /// assemblies of the lots' cells, not with the ledger.
    public func moves(ofCell serial: String, lots: [String], _ txn: borrowing ReadTransaction) throws -> [UnitMove] {
        let store = self.store
        var units: [String] = []
        var found: Set<String> = []
        var uses: [(sequence: UInt64, use: LotUse)] = []
        for lot in Set(lots) {
            guard let number = try lotNumber(lot, txn) else { continue }
            uses += try store.storedUses(ofLot: number, txn)
        }
        for (sequence, use) in uses.sorted(by: { $0.sequence < $1.sequence }) where use == .assembled {
            guard let record = try store.json(.events, IndexKey.sequence(sequence), txn),
                let (unit, children) = EventEffects(json: record["effects"] ?? [:]).aggregated,
                children.contains(serial), found.insert(unit).inserted
            else { continue }
            units.append(unit)
        }
        return try moves(of: serial, in: units, txn)
    }

    /// Each time `serial` was put into or taken out of one of `units`, oldest first, the events
    /// declared in error included: a module's or pack's own moves, with the units its record names
    /// (``Assembly/placedIn``), or a cell's.
    public func moves(of serial: String, in units: [String], _ txn: borrowing ReadTransaction) throws -> [UnitMove] {
        var moves: [UnitMove] = []
        for unit in units {
            for step in try assembly(unit, txn)?.history ?? [] {
                for (putIn, units) in [(true, step.added), (false, step.removed)] where units.contains(serial) {
                    moves.append(
                        UnitMove(
                            unit: unit,
                            putIn: putIn,
                            sequenceNumber: step.sequenceNumber,
                            eventID: step.eventID,
                            retractedAt: step.retractedAt
                        )
                    )
                }
            }
        }
        return moves.sorted { $0.sequenceNumber < $1.sequenceNumber }
    }

    /// The modules and packs an assembly named battery model `model` for (`ct:batteryModel`), in
    /// id order, whichever model each has now: each one's ``Assembly/model(asOf:)`` says.
    public func units(ofModel model: String, _ txn: borrowing ReadTransaction) throws -> [String] {
        if let outdated { throw outdated }
        guard tables[.modelUnits] != nil else { return [] }
        return try store.storedModelUnits(of: model, txn)
    }

    /// The module or pack a unit sits in now.
    public func container(of unit: String, _ txn: borrowing ReadTransaction) throws -> String? {
        try store.raw(.containedIn, IndexKey.text(unit), txn).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The cells with a serial prefix that sit in a module or pack now: serial number and container.
    public func assembledCells(
        prefix: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [(serial: String, number: UInt64, container: String)] {
        var result: [(String, UInt64, String)] = []
        try rows(.containedIn, prefix: Array(prefix.utf8), txn) { key, value in
            let serial = String(decoding: key, as: UTF8.self)
            guard let (rowPrefix, number) = SerialNumber.split(serial), rowPrefix == prefix else { return }
            result.append((serial, number, String(decoding: value, as: UTF8.self)))
        }
        return result.map { (serial: $0.0, number: $0.1, container: $0.2) }
    }

    /// The cells of lot numbers `numbers` that sat in a module or pack when the ledger held its
    /// first `size` entries: serial, prefix, serial number and the unit each sat in then, in the
    /// order of their serials' bytes.
    ///
    /// The units are those the lots' assemblies recorded before `size` put cells into
    /// (`sc.lot-uses`), declared in error or not; each held then what its steps that stood then
    /// put in and did not take out (``Assembly/children(asOf:)``). A cell two of them held then
    /// sat in the one that put it in last, as ``SupplyChainLedger/serial(_:asOf:)`` finds it.
    /// The cost grows with the lots' assemblies, not with the ledger.
    ///
    /// - Parameters:
    ///   - numbers: The cell lots' numbers, every version whose cells count (a use is recorded on
    ///     the version the ledger had when the cells were put in).
    ///   - size: The ledger size to answer for.
    ///   - txn: The snapshot.
    /// - Returns: Every cell those units held then, whichever lot it came from.
    /// - Throws: A storage error, or ``SupplyChainError`` for a damaged row.
    public func assembledCells(
        ofLotNumbers numbers: some Sequence<UInt64>,
        asOf size: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> [(serial: String, prefix: String, number: UInt64, container: String)] {
        let store = self.store
        var sequences: Set<UInt64> = []
        for number in Set(numbers) {
            for (sequence, use) in try store.storedUses(ofLot: number, txn) where use == .assembled && sequence < size {
                sequences.insert(sequence)
            }
        }
        var units: [String] = []
        var found: Set<String> = []
        for sequence in sequences.sorted() {
            guard let record = try store.json(.events, IndexKey.sequence(sequence), txn),
                let (unit, _) = EventEffects(json: record["effects"] ?? [:]).aggregated,
                found.insert(unit).inserted
            else { continue }
            units.append(unit)
        }
        var holders: [String: (unit: String, putIn: UInt64)] = [:]
        for unit in units {
            guard let assembly = try assembly(unit, txn) else { continue }
            var putIn: [String: UInt64] = [:]
            for step in assembly.history where step.sequenceNumber < size {
                for child in step.added { putIn[child] = step.sequenceNumber }
            }
            for child in assembly.children(asOf: size) {
                guard let last = putIn[child] else { continue }
                if holders[child].map({ $0.putIn < last }) ?? true { holders[child] = (unit, last) }
            }
        }
        var cells: [(key: [UInt8], cell: (serial: String, prefix: String, number: UInt64, container: String))] = []
        for (serial, holder) in holders {
            guard let (prefix, number) = SerialNumber.split(serial) else { continue }
            cells.append((Array(serial.utf8), (serial, prefix, number, holder.unit)))
        }
        return cells.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.cell)
    }

    /// The module or pack `unit` sat in when the ledger held its first `size` entries: of the
    /// units it was put into (``Assembly/placedIn``), the last whose steps that stood then held it.
    ///
    /// - Returns: The unit, or `nil` when none held it then.
    /// - Throws: A storage error.
    public func container(of unit: String, asOf size: UInt64, _ txn: borrowing ReadTransaction) throws -> String? {
        for candidate in try assembly(unit, txn)?.placedIn.reversed() ?? [] {
            if try assembly(candidate, txn)?.children(asOf: size).contains(unit) == true { return candidate }
        }
        return nil
    }

    /// A facility as the ledger had it when it held its first `size` entries
    /// (``Facility/asOf(_:)``): the amendments and transfers recorded since are undone.
    ///
    /// - Parameters:
    ///   - id: The facility's identifier.
    ///   - size: The ledger size a query is answered as of.
    ///   - txn: The snapshot.
    /// - Returns: The record, or `nil` when no facility has that id.
    /// - Throws: A storage error, or a parse error for a damaged row.
    public func facility(_ id: String, asOf size: UInt64, _ txn: borrowing ReadTransaction) throws -> Facility? {
        try facility(id, txn)?.asOf(size)
    }

    /// A facility as the snapshot has it, with every amendment and transfer in it.
    ///
    /// It is decoded once per snapshot (a transfer or amendment commits a new one). A query as of
    /// a size reads ``facility(_:asOf:_:)`` instead.
    public func facility(_ id: String, _ txn: borrowing ReadTransaction) throws -> Facility? {
        guard let facilityTable, !id.isEmpty else { return nil }
        let snapshot = txn.snapshot
        if let known = cache.facility(id, snapshot: snapshot) { return known }
        var facility: Facility?
        try txn.withValue(in: facilityTable, forUTF8Key: id) { row in
            guard let row else { return }
            facility = Facility(json: try JSONValue(parsing: Array(row)))
        }
        if let facility { cache.remember(facility, snapshot: snapshot) }
        return facility
    }

    /// An event's activity data, and the entry that retracted the event if one did.
    public func process(
        _ eventID: String,
        _ txn: borrowing ReadTransaction
    ) throws -> (data: ProcessData, retractedAt: UInt64?)? {
        guard let sequence = try sequenceNumber(ofEvent: eventID, txn) else { return nil }
        return try process(atSequence: sequence, txn)
    }

    /// The activity data of the event recorded in entry `sequence` (a lot's `createdAt`, a
    /// step's or a shipment's sequence number), found without looking its eventID up.
    public func process(
        atSequence sequence: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> (data: ProcessData, retractedAt: UInt64?)? {
        if let outdated { throw outdated }
        guard let processTable else { return nil }
        var data: ProcessData?
        try txn.withValue(in: processTable, forKey: IndexKey.sequence(sequence)) {
            data = $0.flatMap(ProcessData.init(encoded:))
        }
        return data.map { ($0, $0.retractedAt) }
    }

    /// The shipments of cell, module or pack `unit` by id (`sc.unit-shipments`), oldest first,
    /// those declared in error included: each shipment's entry, eventID, shipper and receiver,
    /// and the entry that declared it in error.
    public func unitShipments(
        of unit: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [UnitShipment] {
        if let outdated { throw outdated }
        guard tables[.unitShipments] != nil else { return [] }
        return try store.storedUnitShipments(of: unit, txn).map { sequence, row in
            UnitShipment(
                sequenceNumber: sequence,
                eventID: row["event"]?.stringValue ?? "",
                from: row["from"]?.stringValue ?? "",
                to: row["to"]?.stringValue ?? "",
                retractedAt: row["retractedAt"]?.doubleValue.map(UInt64.init)
            )
        }
    }

    /// Every cell, module and pack shipped by id (`sc.unit-shipments`), each once, those of
    /// shipments declared in error included.
    public func shippedUnits(_ txn: borrowing ReadTransaction) throws -> [String] {
        if let outdated { throw outdated }
        guard tables[.unitShipments] != nil else { return [] }
        return try store.storedShippedUnits(txn)
    }

    /// The shipments of a lot, oldest first.
    public func shipments(
        of lot: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [(sequenceNumber: UInt64, eventID: String)] {
        guard let number = try lotNumber(lot, txn) else { return [] }
        return try shipments(ofLotNumber: number, txn)
    }

    /// The shipments of lot number `number`, oldest first.
    public func shipments(
        ofLotNumber number: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> [(sequenceNumber: UInt64, eventID: String)] {
        guard tables[.shipments] != nil else { return [] }
        return try store.storedShipments(ofLot: number, txn)
    }

    /// Lot number `number`'s (`lot`'s) shipments and receipts, and the uses of it that no lineage
    /// edge shows (a consumption that made nothing, an assembly of its cells), in the order
    /// recorded, those declared in error included and marked.
    public func custody(
        ofLotNumber number: UInt64,
        lot: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [LotCustodyEvent] {
        if let outdated { throw outdated }
        var kinds: [UInt64: LotCustodyEvent.Kind] = [:]
        for shipment in try shipments(ofLotNumber: number, txn) { kinds[shipment.sequenceNumber] = .shipped }
        for (sequence, use) in try store.storedUses(ofLot: number, txn) {
            if let kind = LotCustodyEvent.Kind(use) { kinds[sequence] = kind }
        }
        var events: [LotCustodyEvent] = []
        for (sequence, kind) in kinds.sorted(by: { $0.key < $1.key }) {
            guard let record = try store.json(.events, IndexKey.sequence(sequence), txn),
                let actor = record["actor"]?.stringValue, let time = record["eventTime"]?.stringValue,
                let hashID = record["hash"]?.stringValue
            else {
                throw SupplyChainError.damagedIndex(
                    IndexTable.events.rawValue,
                    "lot #\(number) was \(kind.rawValue) by the event at entry \(sequence), which has no event record with its actor, time and hash ID"
                )
            }
            var event = LotCustodyEvent(
                kind: kind,
                sequenceNumber: sequence,
                hashID: hashID,
                eventTime: EventTime.utc(time)?.text ?? time,
                actor: actor,
                declaredInErrorAt: record["retractedAt"]?.doubleValue.map(UInt64.init)
            )
            let effects = EventEffects(json: record["effects"] ?? [:])
            let count = events.count
            switch kind {
            case .shipped:
                for move in effects.moved where move.lot == lot {
                    (event.actor, event.to, event.kg) = (move.from, move.to, move.kg)
                    events.append(event)
                }
            case .consumed:
                for use in effects.consumed where use.lot == lot {
                    (event.actor, event.kg) = (use.actor, use.kg)
                    events.append(event)
                }
            case .assembled:
                event.to = effects.aggregated?.parent
                if event.to != nil { events.append(event) }
            case .received:
                event.kg = effects.received.first { $0.lot == lot }?.kg
                events.append(event)
            }
            guard events.count > count else {
                throw SupplyChainError.damagedIndex(
                    IndexTable.events.rawValue,
                    "lot #\(number) was \(kind.rawValue) by the event at entry \(sequence), whose record does not say so"
                )
            }
        }
        return events
    }

    /// The number of lot cards in the index, for sizing what a roll-up over every lot keeps.
    public func lotCount(_ txn: borrowing ReadTransaction) throws -> Int {
        guard let lineageTable else { return 0 }
        return try txn.count(lineageTable)
    }

    /// A lot's number (`sc.lot-ids`), which keys its rows in the lot tables.
    ///
    /// A lot keeps its number once made (lots are never removed, and a rebuild numbers them again
    /// in the same order), so the numbers found are remembered for the ledger's later reads while
    /// no lot is made: a lineage walk then reads one row per lot, as it did when the tables were
    /// keyed by id. An id names another number only once a corrective event makes its lot again
    /// (``Lot/previousVersion``), which makes a lot, so the numbers are remembered with the count
    /// of lots they were read at, and forgotten when a snapshot holds more.
    ///
    /// - Parameters:
    ///   - lot: The lot's id.
    ///   - txn: The snapshot.
    /// - Returns: The lot's number, or `nil` when no lot has that id.
    /// - Throws: A storage error when the table cannot be read.
    public func lotNumber(_ lot: String, _ txn: borrowing ReadTransaction) throws -> UInt64? {
        let lots = try lotCount(txn)
        if let known = cache.lotNumber(lot, lots: lots) { return known }
        guard let number = try store.lotNumber(lot, txn) else { return nil }
        cache.remember(lot, number: number, lots: lots)
        return number
    }

    /// The card of lot number `number` (``LotCard/inputNumbers`` gives them for a card's inputs).
    ///
    /// Cards are kept decoded for the snapshot they were read in (up to 16,384 of them):
    /// the upstream lots that many cells share are then read once per snapshot rather than once
    /// per query, wherever their rows lie in the table.
    ///
    /// - Parameters:
    ///   - number: The lot's number.
    ///   - txn: The snapshot.
    /// - Returns: The card, or `nil` when no lot has that number.
    /// - Throws: A storage error when the table cannot be read.
    public func card(number: UInt64, _ txn: borrowing ReadTransaction) throws -> LotCard? {
        guard let lineageTable else { return nil }
        let snapshot = txn.snapshot
        if let known = cache.card(number, snapshot: snapshot) { return known }
        var card: LotCard?
        try txn.withValue(in: lineageTable, forBigEndianKey: number) { card = $0.flatMap(LotCard.init(encoded:)) }
        if let card { cache.remember(card, number: number, snapshot: snapshot) }
        return card
    }

    /// What lineage queries read of a lot, in one row.
    public func card(_ lot: String, _ txn: borrowing ReadTransaction) throws -> LotCard? {
        guard let number = try lotNumber(lot, txn) else { return nil }
        return try card(number: number, txn)
    }

    /// What the index says of an event.
    public func event(_ eventID: String, _ txn: borrowing ReadTransaction) throws -> EventSummary? {
        guard let (sequence, recordedID) = try recorded(eventID, txn) else { return nil }
        return try event(sequence: sequence, eventID: recordedID, txn)
    }

    /// The time of an event, read once for each eventID kept in `known`.
    ///
    /// A commissioning's record lists every range it commissioned, so that reading it again for
    /// each of its ranges takes time in the square of their number.
    public func eventTime(
        _ eventID: String,
        known: inout [String: String?],
        _ txn: borrowing ReadTransaction
    ) throws -> String? {
        if let time = known[eventID] { return time }
        let time = try event(eventID, txn)?.eventTime
        known[eventID] = .some(time)
        return time
    }

    /// The entry that declared the event recorded at `sequence` in error, with the declaration's
    /// `reason`, or `nil` while the event counts.
    public func declaration(
        ofEventAt sequence: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> (declaredAt: UInt64, reason: String?)? {
        if let outdated { throw outdated }
        guard let record = try store.json(.events, IndexKey.sequence(sequence), txn),
            let declaredAt = record["retractedAt"]?.doubleValue
        else { return nil }
        return (UInt64(declaredAt), record["retraction"]?["reason"]?.stringValue)
    }

    /// The corrective events named by the error declaration that retracted `eventID`.
    ///
    /// They are the declaration's `correctiveEventIDs`, in its order, each with what the index
    /// says of it, or `nil` while it is not recorded. Empty when the event was not declared in
    /// error or its declaration names none.
    public func correctiveEvents(
        of eventID: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [(eventID: String, event: EventSummary?)] {
        guard let (sequence, _) = try recorded(eventID, txn),
            let declaration = try store.json(.events, IndexKey.sequence(sequence), txn)?["retraction"]
        else { return [] }
        return try (declaration["correctiveEventIDs"]?.arrayValue ?? []).compactMap(\.stringValue).map { id in
            (id, try event(id, txn))
        }
    }

    /// The events declared in error whose declarations name `eventID` as a corrective event,
    /// in the order they were recorded, each with the entry of its declaration.
    public func correctedEvents(
        by eventID: String,
        _ txn: borrowing ReadTransaction
    ) throws -> [(event: EventSummary, declaredAt: UInt64)] {
        if let outdated { throw outdated }
        guard tables[.corrections] != nil else { return [] }
        var found: [(sequence: UInt64, eventID: String, declaredAt: UInt64)] = []
        try rows(.corrections, prefix: IndexKey.eventID(eventID), txn) { key, value in
            guard key.count == 40, value.count > 8, let sequence = IndexKey.sequence(in: key[32...]),
                let declaredAt = IndexKey.sequence(in: value[..<8])
            else { throw SupplyChainError.unreadableRow(.corrections, key: key) }
            found.append((sequence, String(decoding: value[8...], as: UTF8.self), declaredAt))
        }
        return try found.compactMap { item in
            try event(sequence: item.sequence, eventID: item.eventID, txn).map { ($0, item.declaredAt) }
        }
    }

    /// What the index says of the event of entry `sequence`, recorded as `eventID`.
    private func event(sequence: UInt64, eventID: String, _ txn: borrowing ReadTransaction) throws -> EventSummary? {
        guard let json = try store.json(.events, IndexKey.sequence(sequence), txn), let seq = json["seq"]?.doubleValue
        else { return nil }
        return EventSummary(
            eventID: eventID,
            sequenceNumber: UInt64(seq),
            hashID: json["hash"]?.stringValue ?? "",
            type: json["type"]?.stringValue ?? "",
            actor: json["actor"]?.stringValue ?? "",
            eventTime: json["eventTime"]?.stringValue ?? "",
            retractedAt: json["retractedAt"]?.doubleValue.map { UInt64($0) },
            submission: json["submission"]?.doubleValue.map { UInt64($0) }
        )
    }

    /// Every recorded factor table version, in the order they were recorded.
    public func factorTables(_ txn: borrowing ReadTransaction) throws -> [FactorTable] {
        var tables: [FactorTable] = []
        try rows(.factors, prefix: [], txn) { key, value in
            if let known = cache.factorTable(key) {
                tables.append(known)
            } else if let table = FactorTable.read(try JSONValue(parsing: value), sink: ProblemSink()) {
                cache.remember(table, key: key)
                tables.append(table)
            } else {
                // A table left out would change every footprint without a word.
                throw SupplyChainError.unreadableRow(.factors, key: key)
            }
        }
        return tables.sorted { ($0.recordedAt ?? 0) < ($1.recordedAt ?? 0) }
    }

    /// A value derived only from rows that never change (such as factor tables), built once per
    /// ledger and `key`.
    public func memoised<T: Sendable>(_ key: String, _ build: () -> T) -> T {
        if let known = cache.derived(key) as? T { return known }
        let value = build()
        cache.remember(value, key: key)
        return value
    }

    /// A battery model.
    public func batteryModel(_ id: String, _ txn: borrowing ReadTransaction) throws -> BatteryModel? {
        if let known = cache.derived("model:" + id) as? BatteryModel { return known }
        guard let json = try store.json(.models, IndexKey.text(id), txn) else { return nil }
        let model = BatteryModel.read(
            json,
            sequence: json["registeredAt"]?.doubleValue.map { UInt64($0) } ?? 0,
            sink: ProblemSink()
        )
        // A model is registered once and never changes.
        if let model { cache.remember(model, key: "model:" + id) }
        return model
    }

    /// A battery model registered before ledger size `size`.
    public func batteryModel(_ id: String, asOf size: UInt64, _ txn: borrowing ReadTransaction) throws -> BatteryModel?
    {
        try batteryModel(id, txn).flatMap { $0.registeredAt < size ? $0 : nil }
    }

    /// The actor `id` as the ledger had it when it held its first `size` entries: `nil` when it
    /// was registered later or never.
    public func actor(_ id: String, asOf size: UInt64, _ txn: borrowing ReadTransaction) throws -> Actor? {
        guard !id.isEmpty else { return nil }
        return try store.json(.actors, IndexKey.text(id), txn).flatMap(Actor.init(json:)).flatMap {
            $0.registeredAt < size ? $0 : nil
        }
    }

    /// Every registered battery model.
    public func batteryModels(_ txn: borrowing ReadTransaction) throws -> [BatteryModel] {
        var models: [BatteryModel] = []
        try rows(.models, prefix: [], txn) { _, value in
            let json = try JSONValue(parsing: value)
            let seq = json["registeredAt"]?.doubleValue.map { UInt64($0) } ?? 0
            if let model = BatteryModel.read(json, sequence: seq, sink: ProblemSink()) { models.append(model) }
        }
        return models
    }

    /// Calls `body` with each row of `table` whose key starts with `prefix`, in key order, from
    /// the first key at least `start` (the prefix itself unless given).
    private func rows(
        _ table: IndexTable,
        prefix: [UInt8],
        from start: [UInt8]? = nil,
        _ txn: borrowing ReadTransaction,
        _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Void
    ) throws {
        let cursor = try txn.cursor(IndexTable.handle(table, in: tables))
        let start = start ?? prefix
        var row = start.isEmpty ? try cursor.first() : try cursor.seek(atLeast: start)
        while let (key, value) = row, key.starts(with: prefix) {
            try body(key, value)
            row = try cursor.next()
        }
    }
}

extension SupplyChainLedger {
    /// The index reader for provenance and carbon queries.
    public var lineage: LineageReader { LineageReader(tables: tables, cache: cache, outdated: outdatedIndexes) }

    /// Runs `body` on one snapshot: the reader, the transaction and the ledger's size then.
    public func read<R>(_ body: (LineageReader, borrowing ReadTransaction, _ size: UInt64) throws -> R) throws -> R {
        if let outdatedIndexes { throw outdatedIndexes }
        var reader = lineage
        return try ledger.read { txn, size in
            reader.snapshotSize = size
            return try body(reader, txn, size)
        }
    }
}

/// What lineage reads keep between reads of one ledger: the facilities of the newest snapshot read
/// (a transfer or amendment changes a row), factor table versions, decoded once per process (a new
/// version is a new row), the lot numbers of ids while no lot is made, and the lot cards of the
/// newest snapshot read, which later entries may change.
final class RecordCache: Sendable {
    /// Decoded facilities by id, all of one snapshot.
    private let facilities = Generational<String, Facility>(limit: 1 << 12)
    private let factorTables = Mutex<[[UInt8]: FactorTable]>([:])

    func facility(_ id: String, snapshot: UInt64) -> Facility? { facilities.value(id, at: snapshot) }

    func remember(_ facility: Facility, snapshot: UInt64) {
        facilities.remember(facility, for: facility.id, at: snapshot)
    }

    func factorTable(_ key: [UInt8]) -> FactorTable? { factorTables.withLock { $0[key] } }

    func remember(_ table: FactorTable, key: [UInt8]) { factorTables.withLock { $0[key] = table } }

    private let values = Mutex<[String: any Sendable]>([:])

    func derived(_ key: String) -> (any Sendable)? { values.withLock { $0[key] } }

    func remember(_ value: any Sendable, key: String) { values.withLock { $0[key] = value } }

    /// Decoded lot cards by lot number, all of one snapshot (``ReadTransaction/snapshot``); a read
    /// of another snapshot starts the cache again.
    private let cards = Generational<UInt64, LotCard>(limit: 1 << 14)

    func card(_ number: UInt64, snapshot: UInt64) -> LotCard? { cards.value(number, at: snapshot) }

    func remember(_ card: LotCard, number: UInt64, snapshot: UInt64) {
        cards.remember(card, for: number, at: snapshot)
    }

    /// Lot numbers by lot id, all read at one count of lots (``LineageReader/lotNumber(_:_:)``).
    private let lotNumbers = Generational<String, UInt64>(limit: 1 << 20)

    /// The number remembered for `lot`, when it was read at a snapshot of `lots` lots.
    func lotNumber(_ lot: String, lots: Int) -> UInt64? { lotNumbers.value(lot, at: UInt64(lots)) }

    func remember(_ lot: String, number: UInt64, lots: Int) {
        lotNumbers.remember(number, for: lot, at: UInt64(lots))
    }
}

/// Values read at one generation of the ledger (a snapshot, a count of lots), up to a limit: a
/// value read at a newer generation replaces them all, one read at an older one is not kept.
private final class Generational<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let kept = Mutex<(generation: UInt64, values: [Key: Value])>((0, [:]))
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func value(_ key: Key, at generation: UInt64) -> Value? {
        kept.withLock { $0.generation == generation ? $0.values[key] : nil }
    }

    func remember(_ value: Value, for key: Key, at generation: UInt64) {
        kept.withLock { kept in
            if kept.generation != generation {
                guard generation > kept.generation else { return }
                kept = (generation, [:])
            }
            if kept.values.count < limit { kept.values[key] = value }
        }
    }
}
