public import LedgerCore
public import LedgerStorage
public import SupplyChain

/// Every lot, serial range and module or pack that holds material of one lot: the recall query.
public struct WhereUsed: Sendable {
    /// A descendant lot.
    public struct Descendant: Sendable {
        /// The lot.
        public var lot: String
        /// Its material.
        public var material: String?
        /// The facility that made it.
        public var facility: String
        /// When it was made.
        public var eventTime: String
        /// How many transformations separate it from the source lot.
        public var generation: Int
        /// Kilograms of the source lot in it.
        public var kg: Double
        /// The lot's mass.
        public var producedKg: Double
    }

    /// Cells commissioned from a descendant cell lot.
    public struct Cells: Sendable {
        /// The range.
        public var range: SerialRange
        /// When the cells were commissioned.
        public var eventTime: String
        /// Kilograms of the source lot in each cell.
        public var kgPerCell: Double
        /// Kilograms of the source lot in the whole range.
        public var kg: Double
    }

    /// A module or pack holding such cells.
    public struct Unit: Sendable {
        /// The module or pack.
        public var id: String
        /// How many of the affected cells it holds.
        public var cells: Int
        /// Kilograms of the source lot in it.
        public var kg: Double
    }

    /// The source lot.
    public var lot: Lot
    /// The ledger size the answer is for.
    public var asOfSize: UInt64
    /// Descendant lots, nearest first.
    public var descendants: [Descendant]
    /// Serial ranges holding its material.
    public var cells: [Cells]
    /// Modules and packs holding those cells.
    public var units: [Unit]

    /// The number of serials that hold material of the lot.
    public var serialCount: UInt64 { cells.reduce(0) { $0 + $1.range.count } }
    /// Kilograms of the lot accounted for in cells.
    public var kgInCells: Double { cells.reduce(0) { $0 + $1.kg } }

    /// Walks forward from a lot as of `size`.
    ///
    /// - Parameters:
    ///   - lotID: The source lot.
    ///   - reader: The index reader.
    ///   - size: The ledger size to answer for.
    ///   - since: Leaves out lots and cells made before this time (they are still walked through).
    ///   - until: Follows no transformation and lists no commissioning after this time.
    ///   - txn: The snapshot.
    /// - Returns: The descendants, serial ranges and units that hold the lot's material.
    /// - Throws: ``ProvenanceError`` when the lot did not exist then or was declared in error.
    public static func compute(
        _ lotID: String,
        reader: LineageReader,
        size: UInt64,
        since: Timestamp? = nil,
        until: Timestamp? = nil,
        _ txn: borrowing ReadTransaction
    ) throws -> WhereUsed {
        // The version of the lot the ledger had then: a corrective event may have made its id
        // again since (``Lot/previousVersion``).
        let number = try reader.lotNumber(lotID, asOf: size, txn)
        let found = try number.flatMap { try reader.lot(number: $0, txn) }
        // The same lot under its other GS1 form (an EPC URN for a Digital Link, or the reverse).
        if found == nil, let form = try reader.recordedForm(of: lotID, txn), form != lotID {
            return try compute(form, reader: reader, size: size, since: since, until: until, txn)
        }
        guard let source = found, let number, source.createdAt < size else {
            throw ProvenanceError("no lot \(lotID) is in the ledger\(size == .max ? "" : " as of size \(size)")")
        }
        if let retracted = source.retractedAt, retracted < size {
            throw ProvenanceError("lot \(lotID) was declared in error (entry \(retracted))")
        }
        func time(_ text: String) -> Timestamp? { EventTimeText.utcMilliseconds(text).map(Timestamp.init) }
        func inWindow(_ text: String) -> Bool {
            guard let at = time(text) else { return true }
            return (since.map { at >= $0 } ?? true) && (until.map { at <= $0 } ?? true)
        }
        // Lots by number, not id: an id a corrective event made again names two versions, and an
        // edge leads to the version its event made, retracted or not.
        // Breadth-first by generation; a lot's share is complete once every lot before it in
        // topological order is done, so collect the reachable lots first, then push in that order.
        var lots: [UInt64: Lot] = [number: source]
        var edgesOut: [UInt64: [(edge: LineageEdge, to: UInt64)]] = [:]
        var generation: [UInt64: Int] = [number: 0]
        var frontier = [number]
        while !frontier.isEmpty {
            var next: [UInt64] = []
            for from in frontier {
                var kept: [(edge: LineageEdge, to: UInt64)] = []
                let edges = try reader.edges(ofNumber: from, upstream: false, txn)
                for (edge, to) in edges where edge.sequenceNumber < size {
                    guard let output = try lots[to] ?? reader.lot(number: to, txn) else { continue }
                    if let retracted = output.retractedAt, retracted < size { continue }
                    if let until, let at = time(output.eventTime), at > until { continue }
                    kept.append((edge, to))
                    if lots[to] == nil {
                        lots[to] = output
                        next.append(to)
                    }
                    generation[to] = max(generation[to] ?? 0, (generation[from] ?? 0) + 1)
                }
                edgesOut[from] = kept
            }
            frontier = next
        }
        // Topological order (Kahn) over the reached subgraph.
        var indegree: [UInt64: Int] = [:]
        for edges in edgesOut.values { for (_, to) in edges { indegree[to, default: 0] += 1 } }
        var ready = [number]
        var kg: [UInt64: Double] = [number: source.producedKg.doubleValue]
        var ordered: [UInt64] = []
        while let from = ready.popLast() {
            ordered.append(from)
            guard let lot = lots[from] else { continue }
            let produced = lot.producedKg.doubleValue
            for (edge, to) in edgesOut[from] ?? [] {
                if produced > 0 { kg[to, default: 0] += (kg[from] ?? 0) * edge.kg.doubleValue / produced }
                indegree[to, default: 1] -= 1
                if indegree[to] == 0 { ready.append(to) }
            }
        }
        var descendants: [Descendant] = []
        var cells: [Cells] = []
        // The lots the ranges came from: their assemblies find the units as of an earlier size.
        var cellLots: [(number: UInt64, lot: Lot)] = []
        // The lot's own cells too: where-used of a cell lot is the recall of its cells and packs.
        let retractions = try reader.hasRetractedSerialRanges(txn)
        // Each commissioning's time read once (``LineageReader/eventTime(_:known:_:)``).
        var eventTimes: [String: String?] = [:]
        for lotNumber in ordered {
            guard let lot = lots[lotNumber], let amount = kg[lotNumber] else { continue }
            if lotNumber != number, inWindow(lot.eventTime) {
                descendants.append(
                    Descendant(
                        lot: lot.id,
                        material: lot.material,
                        facility: lot.facility,
                        eventTime: lot.eventTime,
                        generation: generation[lotNumber] ?? 1,
                        kg: amount,
                        producedKg: lot.producedKg.doubleValue
                    )
                )
            }
            let perKg = lot.producedKg.isPositive ? amount / lot.producedKg.doubleValue : 0
            for range in try reader.serialRanges(ofLotNumber: lotNumber, asOf: size, retractions: retractions, txn) {
                let eventTime = try reader.eventTime(range.eventID, known: &eventTimes, txn) ?? lot.eventTime
                guard inWindow(eventTime) else { continue }
                if cellLots.last?.number != lotNumber { cellLots.append((lotNumber, lot)) }
                let perCell = perKg * range.cellMassKg.doubleValue
                cells.append(
                    Cells(range: range, eventTime: eventTime, kgPerCell: perCell, kg: perCell * Double(range.count))
                )
            }
        }
        descendants.sort { ($0.generation, $0.lot) < ($1.generation, $1.lot) }
        cells.sort { ($0.range.prefix, $0.range.first) < ($1.range.prefix, $1.range.first) }
        return WhereUsed(
            lot: source,
            asOfSize: size,
            descendants: descendants,
            cells: cells,
            units: try units(holding: cells, of: cellLots, reader: reader, size: size, txn)
        )
    }

    /// The modules and packs that held cells of the ranges as of `size`, each with the affected
    /// cells it held then, directly or in the units inside it.
    ///
    /// At the ledger's size, the cells that sit in a unit now and the unit each sits in
    /// (`sc.contained-in`), one scan a serial prefix. As of an earlier size, the units the cell
    /// lots' assemblies recorded before it put cells into, with what each held then
    /// (``LineageReader/assembledCells(ofLotNumbers:asOf:_:)``), and the unit each sat in then
    /// (``LineageReader/container(of:asOf:_:)``): an assembly or disassembly recorded since is
    /// left out, and one declared in error since still counts.
    private static func units(
        holding cells: [Cells],
        of cellLots: [(number: UInt64, lot: Lot)],
        reader: LineageReader,
        size: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> [Unit] {
        // A reader that does not know its snapshot's size answers from the assemblies, at any size.
        let now = size >= reader.snapshotSize ?? .max
        var assembledThen: [String: [(serial: String, number: UInt64, container: String)]] = [:]
        if !now, !cells.isEmpty {
            // Each cell lot's versions: an assembly's use is recorded on the version of its time.
            var numbers: Set<UInt64> = []
            for (number, lot) in cellLots where numbers.insert(number).inserted {
                var version = lot.previousVersion
                while let earlier = version, numbers.insert(earlier).inserted {
                    version = try reader.lot(number: earlier, txn)?.previousVersion
                }
            }
            for cell in try reader.assembledCells(ofLotNumbers: numbers, asOf: size, txn) {
                assembledThen[cell.prefix, default: []].append((cell.serial, cell.number, cell.container))
            }
        }
        var byUnit: [String: (cells: Int, kg: Double)] = [:]
        var members: [String: (held: Set<String>, container: String?)?] = [:]
        func unit(_ id: String, _ txn: borrowing ReadTransaction) throws -> (held: Set<String>, container: String?)? {
            if let known = members[id] { return known }
            guard let assembly = try reader.assembly(id, txn) else {
                members[id] = .some(nil)
                return nil
            }
            let held = Set(assembly.children(asOf: size))
            var container: String?
            if now {
                container = try reader.container(of: id, txn)
            } else {
                // The last unit it was put into whose steps then held it
                // (``LineageReader/container(of:asOf:_:)``), each unit's steps read once.
                members[id] = .some((held, nil))
                for candidate in assembly.placedIn.reversed() {
                    guard try unit(candidate, txn)?.held.contains(id) == true else { continue }
                    container = candidate
                    break
                }
            }
            members[id] = .some((held, container))
            return (held, container)
        }
        // The assembled cells of each serial prefix, in the order of their serials' bytes; each
        // cell finds its range by search. Prefixes in order, so that a unit's kg is summed in the
        // same order on every run, and at every size as at the ledger's.
        for (prefix, group) in Dictionary(grouping: cells, by: \.range.prefix).sorted(by: { $0.key < $1.key }) {
            let ranges = group.sorted { $0.range.first < $1.range.first }
            let assembled = now ? try reader.assembledCells(prefix: prefix, txn) : assembledThen[prefix] ?? []
            for (serial, number, container) in assembled {
                let low = ranges.partitionPoint { $0.range.last >= number }
                guard low < ranges.count, ranges[low].range.first <= number else { continue }
                let kgPerCell = ranges[low].kgPerCell
                var holder: String? = container
                var depth = 0
                var child = serial
                while let id = holder, depth < 16 {
                    guard let assembly = try unit(id, txn), assembly.held.contains(child) else { break }
                    byUnit[id, default: (0, 0)].cells += 1
                    byUnit[id, default: (0, 0)].kg += kgPerCell
                    child = id
                    holder = assembly.container
                    depth += 1
                }
            }
        }
        return byUnit.map { Unit(id: $0.key, cells: $0.value.cells, kg: $0.value.kg) }.sorted { $0.id < $1.id }
    }
}
