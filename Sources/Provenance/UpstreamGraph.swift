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
        /// The lot, its inputs (`lot.inputs`) limited to those recorded before the size.
        public var lot: LotCard
        /// The positions of its inputs in ``UpstreamGraph/nodes``, in the order of `lot.inputs`.
        public var inputPositions: [Int]
        /// Each input's kilograms per kilogram of this lot, in the order of `lot.inputs`.
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
        // Lots in the order found; `found` maps a lot to its place in that order.
        var found: [String: Int] = [:]
        var cards: [LotCard] = []
        var postOrder: [Int] = []
        // Iterative depth-first search; a lot is finished after all its inputs.
        var stack: [(id: String, expanded: Bool)] = roots.map { ($0.lot, false) }.reversed()
        while let (id, expanded) = stack.popLast() {
            if expanded {
                if let index = found[id] { postOrder.append(index) }
                continue
            }
            guard found[id] == nil else { continue }
            guard var card = try reader.card(id, txn), card.createdAt < size else {
                throw ProvenanceError("lot \(id) is not in the ledger as of size \(size)")
            }
            if card.inputs.contains(where: { $0.sequenceNumber >= size }) {
                card.inputs.removeAll { $0.sequenceNumber >= size }
            }
            found[id] = cards.count
            guard cards.count < maxLots else {
                throw ProvenanceError("the lineage holds more than \(maxLots) lots")
            }
            stack.append((id, true))
            for edge in card.inputs.reversed() where found[edge.from] == nil { stack.append((edge.from, false)) }
            cards.append(card)
        }
        // Topological position of each lot found: the reverse of the post-order.
        var position = [Int](repeating: -1, count: cards.count)
        for (rank, index) in postOrder.reversed().enumerated() { position[index] = rank }
        var facilities: [String: Facility?] = [:]
        var nodes: [Node] = []
        nodes.reserveCapacity(cards.count)
        for index in postOrder.reversed() {
            let card = cards[index]
            let facility: Facility?
            if let known = facilities[card.facility] {
                facility = known
            } else {
                facility = try reader.facility(card.facility, txn)
                facilities[card.facility] = .some(facility)
            }
            let produced = card.producedKg.doubleValue
            nodes.append(
                Node(
                    lot: card,
                    inputPositions: card.inputs.map { found[$0.from].map { position[$0] } ?? -1 },
                    inputShares: card.inputs.map { produced > 0 ? $0.kg.doubleValue / produced : 0 },
                    facility: facility
                )
            )
        }
        var graph = UpstreamGraph(
            nodes: nodes,
            roots: roots.compactMap { root in found[root.lot].map { (position[$0], root.kg) } }
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
