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
        // Lots in the order found; `found` maps a lot's number to its place in that order. Each
        // lot is looked up once per edge that reaches it, when the edge is followed: the place it
        // gets then is recorded for the edge, so no lookup is needed to link the lots afterwards.
        // Inputs come with their numbers, from their output's card; the roots' are looked up.
        var found: [UInt64: Int] = Dictionary(minimumCapacity: 64)
        var cards: [LotCard?] = []
        cards.reserveCapacity(64)
        // The place of the lot at the end of each input edge, lot after lot, in one list; a lot's
        // edges start at `firstEdge[index]`.
        var inputPlaces: [Int] = []
        inputPlaces.reserveCapacity(128)
        var firstEdge: [Int] = []
        firstEdge.reserveCapacity(64)
        var postOrder: [Int] = []
        postOrder.reserveCapacity(64)
        var rootNumbers: [UInt64] = []
        rootNumbers.reserveCapacity(roots.count)
        for root in roots {
            // The version the ledger had then, should a corrective event have made the id again since.
            guard let number = try reader.lotNumber(root.lot, asOf: size, txn) else {
                throw ProvenanceError("lot \(root.lot) is not in the ledger as of size \(size)")
            }
            rootNumbers.append(number)
        }
        // Iterative depth-first search; a lot is finished after all its inputs. An entry with an
        // index is a lot whose inputs are done; one without came from edge `edge` of lot `from`.
        var stack: [(id: String, number: UInt64, index: Int, from: Int, edge: Int)] = []
        stack.reserveCapacity(64)
        for (root, number) in zip(roots, rootNumbers).reversed() { stack.append((root.lot, number, -1, -1, -1)) }
        while let (id, number, index, from, edge) = stack.popLast() {
            if index >= 0 {
                postOrder.append(index)
                continue
            }
            let next = cards.count
            let place = claim(&found[number, default: -1], next)
            if from >= 0 { inputPlaces[firstEdge[from] + edge] = place }
            guard place == next else { continue }
            guard var card = try reader.card(number: number, txn), card.createdAt < size, card.id == id else {
                throw ProvenanceError("lot \(id) is not in the ledger as of size \(size)")
            }
            if card.inputs.contains(where: { $0.sequenceNumber >= size }) {
                card.dropInputs(recordedFrom: size)
            }
            guard next < maxLots else {
                throw ProvenanceError("the lineage holds more than \(maxLots) lots")
            }
            stack.append((id, number, next, -1, -1))
            for (offset, input) in card.inputs.enumerated().reversed() {
                stack.append((input.from, card.inputNumbers[offset], -1, next, offset))
            }
            firstEdge.append(inputPlaces.count)
            inputPlaces.append(contentsOf: repeatElement(-1, count: card.inputs.count))
            cards.append(card)
        }
        // Topological position of each lot found: the reverse of the post-order.
        var position = [Int](repeating: -1, count: cards.count)
        for (rank, index) in postOrder.reversed().enumerated() { position[index] = rank }
        var facilities: [String: Facility?] = Dictionary(minimumCapacity: 16)
        var nodes: [Node] = []
        nodes.reserveCapacity(cards.count)
        for index in postOrder.reversed() {
            // Moved out, not copied: a copy would retain every string of the card.
            guard let card = cards[index].take() else { continue }
            let facility: Facility?
            if let known = facilities[card.facility] {
                facility = known
            } else {
                facility = try reader.facility(card.facility, asOf: size, txn)
                facilities[card.facility] = .some(facility)
            }
            let produced = card.producedKg.doubleValue
            var positions: [Int] = []
            var shares: [Double] = []
            positions.reserveCapacity(card.inputs.count)
            shares.reserveCapacity(card.inputs.count)
            for (offset, edge) in card.inputs.enumerated() {
                let place = inputPlaces[firstEdge[index] + offset]
                positions.append(place >= 0 ? position[place] : -1)
                shares.append(produced > 0 ? edge.kg.doubleValue / produced : 0)
            }
            nodes.append(Node(lot: card, inputPositions: positions, inputShares: shares, facility: facility))
        }
        var graph = UpstreamGraph(
            nodes: nodes,
            roots: zip(roots, rootNumbers).compactMap { root, number in found[number].map { (position[$0], root.kg) } }
        )
        graph.pushFlows()
        return graph
    }

    /// Gives a lot that has no place yet the place `next`, and returns the lot's place.
    private static func claim(_ place: inout Int, _ next: Int) -> Int {
        if place < 0 { place = next }
        return place
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
