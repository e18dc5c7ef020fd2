import Carbon
import Exports
import LedgerCore
import Provenance
import SupplyChain
import Testing

@Suite("Lineage scope: the entries an export of a serial rests on")
struct LineageScopeTests {
    @Test("a serial's scope holds the event that made every lot of its trace, and only events in events")
    func scopeCoversTheTrace() throws {
        let network = try Network()
        let serial = try network.firstSerial()
        let scope = try LineageScope.collect(serial, chain: network.chain)
        #expect(scope.subject.kind == .cell)
        #expect(!scope.events.isEmpty)
        for sequence in scope.events {
            #expect(try network.chain.ledger.entry(at: sequence).type == SupplyChainLedger.EntryType.event)
        }
        for sequence in scope.masterData {
            #expect(try network.chain.ledger.entry(at: sequence).type != SupplyChainLedger.EntryType.event)
        }
        var pending = scope.trace.tree
        var lots = 0
        while let node = pending.popLast() {
            lots += 1
            #expect(scope.events.contains(node.sequenceNumber), "the event that made \(node.lot)")
            pending += node.inputs
        }
        #expect(lots > 3, "a generated cell has mine, refinery, precursor and cathode lots upstream")
        #expect(Set(scope.footprint.entries).isSubset(of: Set(scope.entries)))
        let types = try Set(scope.masterData.map { try network.chain.ledger.entry(at: $0).type })
        #expect(types.contains(SupplyChainLedger.EntryType.facilityRegister))
        #expect(types.contains(SupplyChainLedger.EntryType.factorTable))
    }

    @Test("a pack's scope holds its assembly and its modules' assembly, whether or not the footprint counts them")
    func packScopeHoldsItsAssemblies() throws {
        let network = try Network()
        let serial = try network.firstSerial()
        let (module, pack) = try network.chain.read { reader, txn, _ in
            let module = try reader.container(of: serial, txn)
            return (module, try module.flatMap { try reader.container(of: $0, txn) })
        }
        let packID = try #require(pack, "the first cell sits in a module in a pack")
        let moduleID = try #require(module)
        let scope = try LineageScope.collect(packID, chain: network.chain)
        #expect(scope.subject.kind == .assembly)
        for unit in [packID, moduleID] {
            let steps = try network.chain.read { reader, txn, _ in try reader.assembly(unit, txn)?.history ?? [] }
            #expect(!steps.isEmpty)
            for step in steps { #expect(scope.events.contains(step.sequenceNumber), "assembly of \(unit)") }
        }
        let export = try EPCISExport(scope: scope, chain: network.chain, profile: .auditor)
        let parents = Set(
            (export.document["epcisBody"]?["eventList"]?.arrayValue ?? []).compactMap { $0["parentID"]?.stringValue }
        )
        #expect(parents.isSuperset(of: [packID, moduleID]))
    }
}
