public import LedgerStorage
public import SupplyChain

/// The lots upstream of some root lots, as of a ledger size, with the kilograms of each that
/// flowed into the roots' share.
///
/// Loaded once per query: every lot is read once however many paths reach it, and the flows are
/// pushed down in topological order (a lot after every lot made from it).
public struct UpstreamGraph: Sendable {
    /// One lot of the lineage.
    public struct Node: Sendable {
        /// The lot.
        public var lot: LotCard
        /// The edges into it (what it was made from), as of the size.
        public var inputs: [LineageEdge]
        /// The facility that made it.
        public var facility: Facility?
        /// Kilograms of this lot in the roots' share.
        public var flowKg: Double = 0
        /// Each input's kilograms per kilogram of this lot, in the order of `inputs`.
        public var inputShares: [Double] = []
    }

    /// The lots, by identifier.
    public var nodes: [String: Node]
    /// Lot identifiers, every lot before its inputs.
    public var order: [String]
    /// The roots with the kilograms of each in the subject.
    public var roots: [(lot: String, kg: Double)]

    /// Loads the lineage of `roots` as the ledger stood at `size`.
    ///
    /// - Parameters:
    ///   - roots: The lots to start from, with the kilograms of each in the subject.
    ///   - reader: The index reader.
    ///   - size: The ledger size to answer for.
    ///   - maxLots: A bound on the lots read, against runaway graphs.
    ///   - txn: The snapshot.
    /// - Returns: The lots with their inputs and flows, in topological order.
    /// - Throws: ``ProvenanceError`` when a lot is missing or the lineage is larger than `maxLots`.
    public static func load(
        roots: [(lot: String, kg: Double)],
        reader: LineageReader,
        size: UInt64,
        maxLots: Int = 1_000_000,
        _ txn: borrowing ReadTransaction
    ) throws -> UpstreamGraph {
        var nodes: [String: Node] = [:]
        var facilities: [String: Facility?] = [:]
        var postOrder: [String] = []
        // Iterative depth-first search; a lot is finished after all its inputs.
        var stack: [(id: String, expanded: Bool)] = roots.map { ($0.lot, false) }.reversed()
        var onPath: Set<String> = []
        while let (id, expanded) = stack.popLast() {
            if expanded {
                onPath.remove(id)
                postOrder.append(id)
                continue
            }
            guard nodes[id] == nil else { continue }
            guard let lot = try reader.card(id, txn), lot.createdAt < size else {
                throw ProvenanceError("lot \(id) is not in the ledger as of size \(size)")
            }
            let inputs = lot.inputs.filter { $0.sequenceNumber < size }
            if facilities[lot.facility] == nil { facilities[lot.facility] = try reader.facility(lot.facility, txn) }
            let produced = lot.producedKg.doubleValue
            nodes[id] = Node(
                lot: lot,
                inputs: inputs,
                facility: facilities[lot.facility] ?? nil,
                inputShares: inputs.map { produced > 0 ? $0.kg.doubleValue / produced : 0 }
            )
            guard nodes.count <= maxLots else {
                throw ProvenanceError("the lineage holds more than \(maxLots) lots")
            }
            onPath.insert(id)
            stack.append((id, true))
            for edge in inputs.reversed() where nodes[edge.from] == nil && !onPath.contains(edge.from) {
                stack.append((edge.from, false))
            }
        }
        var graph = UpstreamGraph(nodes: nodes, order: postOrder.reversed(), roots: roots)
        graph.pushFlows()
        return graph
    }

    private mutating func pushFlows() {
        for root in roots { nodes[root.lot]?.flowKg += root.kg }
        for id in order {
            guard let flow = nodes[id]?.flowKg, flow > 0, let inputs = nodes[id]?.inputs,
                let shares = nodes[id]?.inputShares
            else { continue }
            for (edge, share) in zip(inputs, shares) { nodes[edge.from]?.flowKg += flow * share }
        }
    }
}
