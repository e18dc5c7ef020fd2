import Carbon
import LedgerCore
public import Provenance
public import SupplyChain

/// A lineage as a picture: the lots of a subject's trace as nodes, coloured by the kind of
/// facility that made them, and the flows between them as edges.
///
/// Each edge from a lot to the lot made from it carries the kilograms of the input that end up in
/// the subject along that edge, and the kg CO2e embodied in them (location-based): the input's own
/// process, shipment and default contributions and everything upstream of it, in proportion to the
/// kilograms. A node carries its kilograms in the subject and its own contribution. For a cell,
/// module or pack, the subject is a node of its own, fed by its cell lots; its embodied CO2e is the
/// footprint's total.
///
/// ``dot(profile:)`` writes it in Graphviz's DOT language; the same scope always gives the same
/// text.
public struct LineageGraph: Sendable {
    /// A lot, or the subject.
    public struct Node: Sendable, Hashable {
        /// The lot, or the subject's id.
        public var id: String
        /// The lot's material.
        public var material: String?
        /// The kind of facility that made it; `nil` for the subject and for an unregistered facility.
        public var stage: FacilityKind?
        /// The facility that made it.
        public var facility: String?
        /// The facility's name.
        public var facilityName: String?
        /// The facility's country, or the lot's country of origin.
        public var country: String?
        /// Kilograms of it in the subject.
        public var kg: Double
        /// Its own contributions to the footprint, kg CO2e.
        public var ownCO2e: Double
        /// kg CO2e embodied in its kilograms in the subject, from the mines on.
        public var embodiedCO2e: Double
        /// Whether it is the subject (a lot subject, or the cell, module or pack node).
        public var isSubject: Bool
    }

    /// A flow from an input lot to what was made from it.
    public struct Edge: Sendable, Hashable {
        /// The input.
        public var from: String
        /// What was made from it (a lot, or the subject).
        public var to: String
        /// Kilograms of the input in the subject along this edge.
        public var kg: Double
        /// kg CO2e embodied in those kilograms.
        public var co2e: Double
    }

    /// The subject.
    public var subject: String
    /// What kind of subject it is.
    public var subjectKind: Subject.Kind
    /// The ledger size it describes.
    public var size: UInt64
    /// The nodes: by stage in supply-chain order, then by id; the cell, module or pack node last.
    public var nodes: [Node]
    /// The edges, by input then output.
    public var edges: [Edge]

    /// Builds the graph of `scope`'s trace and footprint.
    ///
    /// - Parameters:
    ///   - scope: The lineage.
    ///   - chain: The ledger it was collected from (for the facilities' kinds).
    /// - Throws: What reading the facilities throws.
    public init(scope: LineageScope, chain: SupplyChainLedger) throws {
        var kg: [String: Double] = [:]
        var first: [String: Trace.Node] = [:]
        var flows: [Pair: Double] = [:]
        var pending = scope.trace.tree
        while let node = pending.popLast() {
            kg[node.lot, default: 0] += node.kg
            if first[node.lot] == nil { first[node.lot] = node }
            for input in node.inputs {
                flows[Pair(from: input.lot, to: node.lot), default: 0] += input.kg
            }
            pending += node.inputs
        }
        let subjectIsLot = scope.subject.kind == .lot
        var own: [String: Double] = [:]
        var subjectOwn = 0.0
        for contribution in scope.footprint.contributions {
            let co2e = contribution.emissions.total(.locationBased)
            if contribution.kind != .assembly, kg[contribution.lot] != nil {
                own[contribution.lot, default: 0] += co2e
            } else {
                subjectOwn += co2e
            }
        }
        if subjectIsLot { own[scope.subject.id, default: 0] += subjectOwn }
        if !subjectIsLot {
            for root in scope.trace.tree {
                flows[Pair(from: root.lot, to: scope.subject.id), default: 0] += root.kg
            }
        }
        var inputs: [String: [Pair]] = [:]
        for pair in flows.keys { inputs[pair.to, default: []].append(pair) }

        // Embodied CO2e of each lot's kilograms in the subject: its own, plus each input's in
        // proportion to the kilograms that flow along the edge.
        var embodied: [String: Double] = [:]
        func embodiedCO2e(_ id: String, visiting: Set<String>) -> Double {
            if let known = embodied[id] { return known }
            var total = own[id] ?? (id == scope.subject.id ? subjectOwn : 0)
            for pair in (inputs[id] ?? []).sorted() where !visiting.contains(pair.from) {
                let upstream = embodiedCO2e(pair.from, visiting: visiting.union([id]))
                if let inputKg = kg[pair.from], inputKg > 0 { total += upstream * (flows[pair] ?? 0) / inputKg }
            }
            embodied[id] = total
            return total
        }

        let kinds = try chain.read { reader, txn, _ in
            var kinds: [String: FacilityKind] = [:]
            for facility in Set(first.values.map(\.facility)) {
                if let record = try reader.facility(facility, asOf: scope.size, txn) { kinds[facility] = record.kind }
            }
            return kinds
        }
        var nodes: [Node] = first.values.map { node in
            Node(
                id: node.lot,
                material: node.material,
                stage: kinds[node.facility],
                facility: node.facility,
                facilityName: node.facilityName,
                country: node.country,
                kg: kg[node.lot] ?? 0,
                ownCO2e: own[node.lot] ?? 0,
                embodiedCO2e: embodiedCO2e(node.lot, visiting: []),
                isSubject: subjectIsLot && node.lot == scope.subject.id
            )
        }
        nodes.sort { (Self.stageOrder($0.stage), $0.id) < (Self.stageOrder($1.stage), $1.id) }
        if !subjectIsLot {
            nodes.append(
                Node(
                    id: scope.subject.id,
                    material: nil,
                    stage: nil,
                    facility: nil,
                    facilityName: nil,
                    country: nil,
                    kg: scope.subject.massKg,
                    ownCO2e: subjectOwn,
                    embodiedCO2e: embodiedCO2e(scope.subject.id, visiting: []),
                    isSubject: true
                )
            )
        }
        self.subject = scope.subject.id
        self.subjectKind = scope.subject.kind
        self.size = scope.size
        self.nodes = nodes
        self.edges = flows.keys.sorted().map { pair in
            let inputKg = kg[pair.from] ?? 0
            let flow = flows[pair] ?? 0
            return Edge(
                from: pair.from,
                to: pair.to,
                kg: flow,
                co2e: inputKg > 0 ? (embodied[pair.from] ?? 0) * flow / inputKg : 0
            )
        }
    }

    /// An edge's ends, as a dictionary key.
    struct Pair: Hashable, Comparable {
        var from: String
        var to: String

        static func < (lhs: Pair, rhs: Pair) -> Bool { (lhs.from, lhs.to) < (rhs.from, rhs.to) }
    }

    /// Supply-chain order of the stages, for a stable layout and legend.
    static func stageOrder(_ stage: FacilityKind?) -> Int {
        guard let stage else { return FacilityKind.allCases.count }
        return FacilityKind.allCases.firstIndex(of: stage) ?? FacilityKind.allCases.count
    }
}

extension LineageGraph {
    /// The fill colour of each stage (light, so the black labels stay readable).
    public static func colour(of stage: FacilityKind?) -> String {
        switch stage {
        case .mine: "#d8c3a5"
        case .refinery: "#f7d08a"
        case .precursor: "#c5e1a5"
        case .cathode: "#90caf9"
        case .anode: "#bdbdbd"
        case .electrolyte: "#ce93d8"
        case .cell: "#fff176"
        case .modulePack: "#ffab91"
        case .recycler: "#80cbc4"
        case .warehouse: "#eeeeee"
        case nil: "#ffffff"
        }
    }

    /// The graph in Graphviz's DOT language, showing what `profile` may see.
    ///
    /// Every profile sees the lots, their materials, stages and countries, and the kg CO2e. The
    /// kilograms — exact lot masses, legitimate-interest data like the quantities they come from —
    /// are left out for the public profile; facility names, which identify suppliers, are shown to
    /// the authority and auditor profiles only, like the parties of a custody transfer.
    ///
    /// - Parameter profile: What the recipient may see.
    /// - Returns: The DOT text, ending in a newline.
    public func dot(profile: DisclosureProfile) -> String {
        let showsKg = profile != .public
        let showsFacilities = profile == .authority || profile == .auditor
        var lines = [
            "digraph lineage {",
            "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=\(Self.quoted(title(showsKg)))];",
            "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];",
            "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];",
        ]
        for node in nodes {
            var label = [node.id]
            if node.isSubject, subjectKind != .lot {
                label.append(subjectKind == .cell ? "cell" : "module / pack")
            } else {
                label.append([node.material ?? "?", node.stage?.rawValue ?? "unknown stage"].joined(separator: " · "))
                let place = [showsFacilities ? node.facilityName ?? node.facility : nil, node.country]
                    .compactMap { $0 }
                if !place.isEmpty { label.append(place.joined(separator: ", ")) }
            }
            var figures: [String] = []
            if showsKg { figures.append(Self.number(node.kg) + " kg") }
            if !node.isSubject || subjectKind == .lot {
                figures.append("own " + Self.number(node.ownCO2e) + " kg CO2e")
            }
            if node.isSubject { figures.append(Self.number(node.embodiedCO2e) + " kg CO2e in all") }
            label.append(figures.joined(separator: " · "))
            var attributes = [
                "label=" + Self.quoted(label.joined(separator: "\n")),
                "fillcolor=" + Self.quoted(Self.colour(of: node.stage)),
            ]
            if node.isSubject { attributes.append("penwidth=2.5") }
            lines.append("  " + Self.quoted(node.id) + " [" + attributes.joined(separator: ", ") + "];")
        }
        for edge in edges {
            var label: [String] = []
            if showsKg { label.append(Self.number(edge.kg) + " kg") }
            label.append(Self.number(edge.co2e) + " kg CO2e")
            lines.append(
                "  " + Self.quoted(edge.from) + " -> " + Self.quoted(edge.to) + " [label="
                    + Self.quoted(label.joined(separator: "\n")) + "];"
            )
        }
        let stages = Set(nodes.compactMap(\.stage)).sorted { Self.stageOrder($0) < Self.stageOrder($1) }
        if !stages.isEmpty {
            lines.append("  subgraph cluster_legend {")
            lines.append("    label=\"stage\"; fontsize=10; style=dashed; color=\"#999999\";")
            for stage in stages {
                lines.append(
                    "    " + Self.quoted("legend:" + stage.rawValue) + " [label=" + Self.quoted(stage.rawValue)
                        + ", fillcolor=" + Self.quoted(Self.colour(of: stage)) + ", fontsize=9];"
                )
            }
            lines.append("  }")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private func title(_ showsKg: Bool) -> String {
        let flows = showsKg ? "kg of each lot in the subject, and the kg CO2e embodied in them" : "kg CO2e embodied"
        return "Lineage of \(subject) (ledger size \(size))\n\(flows) (location-based)"
    }

    /// A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\n`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": continue
            default: out.append(character)
            }
        }
        return out + "\""
    }

    /// A figure rounded to three decimals, written as JSON writes numbers.
    static func number(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return JSONValue.canonicalNumber(rounded == 0 ? 0 : rounded)
    }
}
