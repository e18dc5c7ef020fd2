public import LedgerStorage
public import SupplyChain

/// The lineage of a cell, module, pack or lot back to its mines, with the origin of each element.
public struct Trace: Sendable {
    /// One lot in the lineage tree.
    public struct Node: Sendable {
        /// The lot.
        public var lot: String
        /// Its material and grade.
        public var material: String?
        /// Its grade.
        public var grade: String?
        /// The facility that made it.
        public var facility: String
        /// The facility's name.
        public var facilityName: String?
        /// The facility's country, or the lot's country of origin.
        public var country: String?
        /// Kilograms of this lot in the subject.
        public var kg: Double
        /// The event that made it, its entry and time.
        public var event: String
        /// The sequence number of that event's entry.
        public var sequenceNumber: UInt64
        /// The event time.
        public var eventTime: String
        /// Certificates recorded on the lot (as of the query's size).
        public var certifications: [String]
        /// Due-diligence flags of the facility.
        public var riskFlags: [String]
        /// What it was made from.
        public var inputs: [Node]
        /// Set when `depth` cut the tree here although the lot has inputs.
        public var truncated: Bool
    }

    /// One origin of an element: a lot with no recorded inputs (a mine's extraction, or a lot
    /// whose upstream is not in the ledger).
    public struct Origin: Sendable {
        /// The origin lot.
        public var lot: String
        /// Its material.
        public var material: String?
        /// The facility (mine) and its name.
        public var facility: String
        /// The facility's name.
        public var facilityName: String?
        /// The facility's country, or the lot's country of origin.
        public var country: String?
        /// The share of the subject's element from this origin; the shares of an element sum to 1.
        public var share: Double
        /// Kilograms of the element, when the lots on the way declare their content.
        public var kg: Double?
        /// Due-diligence flags of the facility (`conflict-affected`, `high-risk`, `artisanal`).
        public var riskFlags: [String]
        /// Certificates on the origin lot and on every lot between it and the subject (on any path).
        public var certifications: [String]
    }

    /// Where one element of the subject came from.
    public struct ElementOrigin: Sendable {
        /// The element: `Li`, `Ni`, `Co`, `Mn`, `graphite` or another.
        public var element: String
        /// Kilograms of the element in the subject, when the subject's lots declare it.
        public var kg: Double?
        /// The origins, largest share first.
        public var origins: [Origin]
        /// Shares by country, largest first.
        public var countries: [(country: String, share: Double)]
        /// Set when some lot on the way did not declare the element, so shares followed mass there.
        public var inferredByMass: Bool
        /// The share from origins with due-diligence flags.
        public var flaggedShare: Double
    }

    /// The subject.
    public var subject: Subject
    /// The ledger size the answer is for.
    public var asOfSize: UInt64
    /// The lineage tree from the subject's lots down to the mines.
    public var tree: [Node]
    /// The origins of each element, in the order Li, Ni, Co, Mn, graphite, then others.
    public var elements: [ElementOrigin]
    /// The number of distinct lots in the lineage.
    public var lotCount: Int

    /// The elements reported first, in this order, as EU due diligence and cathode chemistry name them.
    public static let keyElements = ["Li", "Ni", "Co", "Mn", "graphite"]

    /// Traces `subject` as of `size`.
    ///
    /// - Parameters:
    ///   - subject: What to trace.
    ///   - reader: The index reader.
    ///   - size: The ledger size to answer for.
    ///   - depth: How many levels of inputs the tree shows (the origin summary always walks the
    ///     whole lineage).
    ///   - txn: The snapshot.
    /// - Returns: The lineage tree and the origins of each element.
    /// - Throws: ``ProvenanceError`` when a lot of the lineage is missing.
    public static func compute(
        _ subject: Subject,
        reader: LineageReader,
        size: UInt64,
        depth: Int = .max,
        _ txn: borrowing ReadTransaction
    ) throws -> Trace {
        let graph = try UpstreamGraph.load(roots: subject.roots, reader: reader, size: size, txn)
        var onPath = [Bool](repeating: false, count: graph.nodes.count)
        var tree: [Node] = []
        tree.reserveCapacity(graph.roots.count)
        for root in graph.roots {
            tree.append(node(root.position, kg: root.kg, graph: graph, size: size, depth: depth, onPath: &onPath))
        }
        let indexed = Indexed(graph, size: size)
        let declared = Set(indexed.elements)
        let elements = keyElements.filter(declared.contains) + declared.subtracting(keyElements).sorted()
        return Trace(
            subject: subject,
            asOfSize: size,
            tree: tree,
            elements: elements.map { origins(of: $0, indexed) },
            lotCount: graph.nodes.count
        )
    }

    private static func node(
        _ position: Int,
        kg: Double,
        graph: UpstreamGraph,
        size: UInt64,
        depth: Int,
        onPath: inout [Bool]
    ) -> Node {
        // Fields are read in place: copying a whole node would retain every string of its card.
        let expand = depth > 0 && !onPath[position]
        var inputs: [Node] = []
        if expand {
            onPath[position] = true
            let positions = graph.nodes[position].inputPositions
            let shares = graph.nodes[position].inputShares
            inputs.reserveCapacity(positions.count)
            for (input, share) in zip(positions, shares) where input >= 0 {
                inputs.append(
                    node(input, kg: kg * share, graph: graph, size: size, depth: depth - 1, onPath: &onPath)
                )
            }
            onPath[position] = false
        }
        return Node(
            lot: graph.nodes[position].lot.id,
            material: graph.nodes[position].lot.material,
            grade: graph.nodes[position].lot.grade,
            facility: graph.nodes[position].lot.facility,
            facilityName: graph.nodes[position].facility?.name,
            country: graph.nodes[position].facility?.country ?? graph.nodes[position].lot.countryOfOrigin,
            kg: kg,
            event: graph.nodes[position].lot.createdBy,
            sequenceNumber: graph.nodes[position].lot.createdAt,
            eventTime: graph.nodes[position].lot.eventTime,
            certifications: certificates(
                graph.nodes[position].lot.certifications,
                graph.nodes[position].lot.retractedCertifications,
                asOf: size
            ),
            riskFlags: graph.nodes[position].facility?.riskFlags ?? [],
            inputs: inputs,
            truncated: !expand && !graph.nodes[position].lot.inputs.isEmpty
        )
    }

    /// The certificates a card had as of `size`, read from the card's lists in place
    /// (``SupplyChain/LotCard/certifications(asOf:)`` on a card inside a node would copy the card):
    /// those recorded before `size` that stand, and those declared in error since.
    private static func certificates(
        _ list: [(certificate: String, sequenceNumber: UInt64)],
        _ retracted: [(certificate: String, sequenceNumber: UInt64, retractedAt: UInt64)],
        asOf size: UInt64
    ) -> [String] {
        guard retracted.isEmpty else { return LotCard.certifications(list, retracted: retracted, asOf: size) }
        guard !list.isEmpty else { return [] }
        var result: [String] = []
        for (certificate, sequence) in list where sequence < size { result.append(certificate) }
        return result
    }

    /// The lineage as arrays, for the per-element passes: nodes in topological order, inputs by
    /// index, each element's declared content by node, and the certificates on the way from each
    /// lot to the subject.
    private struct Indexed {
        var graph: UpstreamGraph
        var inputs: [[(index: Int, kg: Double)]]
        var rootWeights: [(index: Int, kg: Double)]
        /// The elements any lot declares a content of, in the order first met.
        var elements: [String]
        /// Per element of `elements`, each node's declared mass fraction, or -1 where none.
        ///
        /// A lineage declares a handful of elements, so they are found by a scan rather than
        /// hashed once per lot and element.
        var contents: [[Double]]
        /// Sorted certificates recorded on a lot or on any lot between it and the subject.
        var certificationsOnWay: [[String]]

        var count: Int { graph.nodes.count }

        init(_ graph: UpstreamGraph, size: UInt64) {
            self.graph = graph
            // Nodes are read in place by index: iterating them would copy each one.
            inputs = []
            inputs.reserveCapacity(graph.nodes.count)
            elements = []
            contents = []
            for index in graph.nodes.indices {
                let positions = graph.nodes[index].inputPositions
                var list: [(index: Int, kg: Double)] = []
                list.reserveCapacity(positions.count)
                for (input, edge) in zip(positions, graph.nodes[index].lot.inputs) where input >= 0 {
                    list.append((input, edge.kg.doubleValue))
                }
                inputs.append(list)
                let content = graph.nodes[index].lot.elementContent
                for (element, fraction) in content {
                    let slot: Int
                    if let known = elements.firstIndex(of: element) {
                        slot = known
                    } else {
                        slot = elements.count
                        elements.append(element)
                        contents.append(Array(repeating: -1, count: graph.nodes.count))
                    }
                    contents[slot][index] = fraction.doubleValue
                }
            }
            rootWeights = graph.roots.map { ($0.position, $0.kg) }
            certificationsOnWay = Array(repeating: [], count: graph.nodes.count)
            for index in graph.nodes.indices {
                let own = certificates(
                    graph.nodes[index].lot.certifications,
                    graph.nodes[index].lot.retractedCertifications,
                    asOf: size
                )
                if !own.isEmpty {
                    certificationsOnWay[index] = Array(Set(certificationsOnWay[index] + own)).sorted()
                }
                let carried = certificationsOnWay[index]
                guard !carried.isEmpty else { continue }
                for input in inputs[index] {
                    certificationsOnWay[input.index] = Array(Set(certificationsOnWay[input.index] + carried)).sorted()
                }
            }
        }
    }

    /// Pushes one element down the lineage, from the subject's lots to its origins.
    ///
    /// At each lot, the element goes to the inputs in proportion to the element each brought (kg ×
    /// declared content); where no input declares it, in proportion to mass. The subject's root
    /// lots are shared the same way: by declared content when any of them declares it (one that
    /// does not brought none), else by mass.
    private static func origins(of element: String, _ graph: Indexed) -> ElementOrigin {
        var weight = [Double](repeating: 0, count: graph.count)
        let content =
            graph.elements.firstIndex(of: element).map { graph.contents[$0] }
            ?? Array(repeating: -1, count: graph.count)
        var inferred = false
        var known = true
        var total = 0.0
        // Element kilograms where any root declares the element, plain kilograms where none does:
        // never the two added together.
        let rootsDeclare = graph.rootWeights.contains { content[$0.index] >= 0 }
        for root in graph.rootWeights {
            if content[root.index] >= 0 {
                weight[root.index] += root.kg * content[root.index]
                total += root.kg * content[root.index]
            } else {
                known = false
                if !rootsDeclare {
                    weight[root.index] += root.kg
                    if graph.rootWeights.count > 1 { inferred = true }
                }
            }
        }
        var leaves: [(index: Int, amount: Double)] = []
        for index in 0..<graph.count where weight[index] > 0 {
            let amount = weight[index]
            let inputs = graph.inputs[index]
            guard !inputs.isEmpty else {
                leaves.append((index, amount))
                continue
            }
            // The shares are summed, then spread, without a list per lot and element.
            var sum = 0.0
            for input in inputs { sum += input.kg * max(content[input.index], 0) }
            let byContent = sum > 0
            if !byContent {
                for input in inputs { sum += input.kg }
                inferred = true
            }
            guard sum > 0 else {
                leaves.append((index, amount))
                continue
            }
            for input in inputs {
                let share = byContent ? input.kg * max(content[input.index], 0) : input.kg
                if share > 0 { weight[input.index] += amount * share / sum }
            }
        }
        let sum = leaves.reduce(0) { $0 + $1.amount }
        // Leaves are sorted before their origins are made, and fields are read in place: an origin
        // or a node is large to move or copy.
        var ranked: [(index: Int, share: Double, amount: Double)] = []
        if sum > 0 {
            ranked.reserveCapacity(leaves.count)
            for leaf in leaves { ranked.append((leaf.index, leaf.amount / sum, leaf.amount)) }
        }
        let nodes = graph.graph.nodes
        ranked.sort { $0.share != $1.share ? $0.share > $1.share : nodes[$0.index].lot.id < nodes[$1.index].lot.id }
        var origins: [Origin] = []
        origins.reserveCapacity(ranked.count)
        for leaf in ranked {
            origins.append(
                Origin(
                    lot: nodes[leaf.index].lot.id,
                    material: nodes[leaf.index].lot.material,
                    facility: nodes[leaf.index].lot.facility,
                    facilityName: nodes[leaf.index].facility?.name,
                    country: nodes[leaf.index].facility?.country ?? nodes[leaf.index].lot.countryOfOrigin,
                    share: leaf.share,
                    kg: known ? leaf.amount : nil,
                    riskFlags: nodes[leaf.index].facility?.riskFlags ?? [],
                    certifications: graph.certificationsOnWay[leaf.index]
                )
            )
        }
        var flagged = 0.0
        for index in origins.indices where !origins[index].riskFlags.isEmpty { flagged += origins[index].share }
        var countries: [String: Double] = [:]
        for origin in origins { countries[origin.country ?? "unknown", default: 0] += origin.share }
        return ElementOrigin(
            element: element,
            kg: known ? total : nil,
            origins: origins,
            countries: countries.map { (country: $0.key, share: $0.value) }.sorted {
                $0.share != $1.share ? $0.share > $1.share : $0.country < $1.country
            },
            inferredByMass: inferred,
            flaggedShare: flagged
        )
    }
}
