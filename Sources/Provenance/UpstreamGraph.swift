public import LedgerStorage
public import SupplyChain

/// The lots upstream of some root lots, as of a ledger size, with the kilograms of each that
/// flowed into the roots' share.
///
/// Loaded once per query: every lot is read once however many paths reach it. The lots are kept
/// in an array in topological order (a lot before every lot it was made from) with their inputs
/// as positions in it, so the passes over the lineage never hash a lot identifier.
public struct UpstreamGraph: Sendable {
    /// One lot of the lineage.
    public struct Node: Sendable {
        /// The lot.
        public var lot: LotCard
        /// The edges into it (what it was made from), as of the size.
        public var inputs: [LineageEdge]
        /// The positions of those inputs in ``UpstreamGraph/nodes``, in the order of `inputs`.
        public var inputPositions: [Int]
        /// Each input's kilograms per kilogram of this lot, in the order of `inputs`.
        public var inputShares: [Double]
        /// The facility that made it.
        public var facility: Facility?
        /// Kilograms of this lot in the roots' share.
        public var flowKg: Double = 0
    }

    /// The lots, every lot before its inputs.
    public var nodes: [Node]
    /// The roots' positions in `nodes`, with the kilograms of each in the subject.
    public var roots: [(position: Int, kg: Double)]

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
        var loaded: [String: (card: LotCard, inputs: [LineageEdge])] = [:]
        var postOrder: [String] = []
        // Iterative depth-first search; a lot is finished after all its inputs.
        var stack: [(id: String, expanded: Bool)] = roots.map { ($0.lot, false) }.reversed()
        while let (id, expanded) = stack.popLast() {
            if expanded {
                postOrder.append(id)
                continue
            }
            guard loaded[id] == nil else { continue }
            guard let card = try reader.card(id, txn), card.createdAt < size else {
                throw ProvenanceError("lot \(id) is not in the ledger as of size \(size)")
            }
            let inputs = card.inputs.filter { $0.sequenceNumber < size }
            loaded[id] = (card, inputs)
            guard loaded.count <= maxLots else {
                throw ProvenanceError("the lineage holds more than \(maxLots) lots")
            }
            stack.append((id, true))
            for edge in inputs.reversed() where loaded[edge.from] == nil { stack.append((edge.from, false)) }
        }
        var position: [String: Int] = [:]
        position.reserveCapacity(postOrder.count)
        for (index, id) in postOrder.reversed().enumerated() { position[id] = index }
        var facilities: [String: Facility?] = [:]
        var nodes: [Node] = []
        nodes.reserveCapacity(postOrder.count)
        for id in postOrder.reversed() {
            guard let (card, inputs) = loaded[id] else { continue }
            if facilities[card.facility] == nil { facilities[card.facility] = try reader.facility(card.facility, txn) }
            let produced = card.producedKg.doubleValue
            nodes.append(
                Node(
                    lot: card,
                    inputs: inputs,
                    inputPositions: inputs.map { position[$0.from] ?? -1 },
                    inputShares: inputs.map { produced > 0 ? $0.kg.doubleValue / produced : 0 },
                    facility: facilities[card.facility] ?? nil
                )
            )
        }
        var graph = UpstreamGraph(
            nodes: nodes,
            roots: roots.compactMap { root in position[root.lot].map { ($0, root.kg) } }
        )
        graph.pushFlows()
        return graph
    }

    private mutating func pushFlows() {
        for root in roots { nodes[root.position].flowKg += root.kg }
        for index in nodes.indices where nodes[index].flowKg > 0 {
            let flow = nodes[index].flowKg
            for (input, share) in zip(nodes[index].inputPositions, nodes[index].inputShares) where input >= 0 {
                nodes[input].flowKg += flow * share
            }
        }
    }
}
