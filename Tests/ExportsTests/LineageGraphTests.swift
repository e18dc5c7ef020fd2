import Carbon
import Exports
import Foundation
import LedgerCore
import Provenance
import SupplyChain
import Testing

@Suite("Lineage graph: a subject's lots and flows in Graphviz DOT")
struct LineageGraphTests {
    @Test("the DOT text names every lot of the trace, carries the whole footprint, and is the same every time")
    func dotHasEveryLotAndIsStable() throws {
        let network = try Network()
        let serial = try network.firstSerial()
        let scope = try LineageScope.collect(serial, chain: network.chain)
        let graph = try LineageGraph(scope: scope, chain: network.chain)
        let dot = graph.dot(profile: .legitimateInterest)
        #expect(dot.hasPrefix("digraph lineage {\n"))
        #expect(dot.hasSuffix("}\n"))

        var lots: Set<String> = []
        var pending = scope.trace.tree
        while let node = pending.popLast() {
            lots.insert(node.lot)
            pending += node.inputs
            #expect(dot.contains("  \"\(node.lot)\" ["), "node \(node.lot)")
        }
        #expect(Set(graph.nodes.map(\.id)) == lots.union([serial]))
        #expect(graph.nodes.filter { $0.stage == .mine }.count >= 1)
        #expect(graph.edges.allSatisfy { lots.contains($0.from) })
        let subject = try #require(graph.nodes.last)
        #expect(subject.isSubject && subject.id == serial)
        let total = scope.footprint.total.total(.locationBased)
        #expect(abs(subject.embodiedCO2e - total) <= 1e-9 * max(1, total), "the subject carries the whole footprint")
        let intoSubject = graph.edges.filter { $0.to == serial }.reduce(0) { $0 + $1.co2e } + subject.ownCO2e
        #expect(abs(intoSubject - total) <= 1e-9 * max(1, total))

        // Stable: the same scope, read again, gives the same bytes; and they match the golden file.
        let again = try LineageGraph(scope: LineageScope.collect(serial, chain: network.chain), chain: network.chain)
        #expect(again.dot(profile: .legitimateInterest) == dot)
        let golden = fixturePath("graph/network-seed5-first-cell.dot")
        if updatingGoldens {
            try FileManager.default.createDirectory(
                atPath: fixturePath("graph"),
                withIntermediateDirectories: true
            )
            try Data(dot.utf8).write(to: URL(fileURLWithPath: golden))
        }
        let expected = try String(contentsOfFile: golden, encoding: .utf8)
        #expect(dot == expected, "UPDATE_GOLDEN=1 rewrites \(golden)")
    }

    @Test("the public profile shows no kilograms and no facility names; the auditor sees both")
    func profilesDecideWhatTheGraphShows() throws {
        let network = try Network()
        let lot = try #require(
            LineageScope.collect(try network.firstSerial(), chain: network.chain).trace.tree.first?.lot
        )
        let scope = try LineageScope.collect(lot, chain: network.chain)
        let graph = try LineageGraph(scope: scope, chain: network.chain)
        #expect(graph.nodes.filter(\.isSubject).map(\.id) == [lot], "a lot subject is its own node")
        let names = graph.nodes.compactMap(\.facilityName)
        #expect(!names.isEmpty)

        let publicDot = graph.dot(profile: .public)
        #expect(!publicDot.contains(" kg ·") && !publicDot.contains(" kg\\n"), "no kilograms")
        for name in names { #expect(!publicDot.contains(name)) }
        #expect(publicDot.contains("kg CO2e"))

        let auditorDot = graph.dot(profile: .auditor)
        #expect(auditorDot.contains(" kg ·") && auditorDot.contains(" kg\\n"))
        for name in names { #expect(auditorDot.contains(name)) }
    }

    @Test("every stage has a colour of its own")
    func everyStageHasItsOwnColour() {
        let colours = FacilityKind.allCases.map { LineageGraph.colour(of: $0) }
        #expect(Set(colours).count == colours.count)
        #expect(!colours.contains(LineageGraph.colour(of: nil)))
    }
}
