import Carbon
import Exports
import Foundation
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

    @Test("the scope of a lot a corrective event made again, as of before: the first version's certificate event")
    func scopeOfAnEarlierVersion() throws {
        let ledger = try SmallLedger()
        let ore = "urn:test:lot:ore-c"
        let made =
            #"{"type":"ObjectEvent","eventTime":"2026-01-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:mine-a"},"quantityList":[{"epcClass":"urn:test:lot:ore-c","quantity":500,"uom":"KGM"}],"ilmd":{"ct:material":"ore"},"ct:electricity":[{"quantity":10,"uom":"KWH","supply":"grid"}]"#
        let certified =
            #"{"type":"ObjectEvent","eventTime":"2026-01-05T09:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"inspecting","quantityList":[{"epcClass":"urn:test:lot:ore-c","quantity":500,"uom":"KGM"}],"certificationInfo":"urn:test:cert:ore-c"}"#
        func submit(_ lines: [String]) throws {
            let bytes = Array(lines.joined(separator: "\n").utf8)
            try ledger.chain.importSubmission(bytes, actor: "maker", key: ledger.key)
        }
        try submit([made + "}", certified])
        let before = try ledger.chain.ledger.size
        let certificate = before - 1
        try submit([
            made + #","errorDeclaration":{"declarationTime":"2026-01-06T08:00:00Z","reason":"incorrect_data"}}"#,
            made.replacingOccurrences(of: #""quantity":500"#, with: #""quantity":450"#) + "}",
        ])
        #expect(try ledger.chain.lot(ore)?.version == 2)
        let then = try LineageScope.collect(ore, chain: ledger.chain, asOf: .size(before))
        #expect(then.events.contains(certificate), "the certificate of the version the ledger had then")
        let now = try LineageScope.collect(ore, chain: ledger.chain)
        #expect(!now.events.contains(certificate), "the version made since is not certified")
        #expect(now.events.contains(try ledger.chain.ledger.size - 1))
    }

    @Test("a facility's grid region corrected: footprints from then on use it, as of before they are as they were")
    func amendedFacility() throws {
        let ledger = try SmallLedger()
        let before = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        let amended = try ledger.chain.amendFacility(
            SmallLedger.mineB,
            reason: "on the AU-WA grid",
            changes: ["gridRegion": "AU-WA"]
        ).firstSequenceNumber
        let after = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        let then = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain, asOf: .size(before.size))
        func location(_ scope: LineageScope) -> Double { scope.footprint.total.total(.locationBased) }
        #expect(abs(location(before) - 1.14) < 1e-9, "SmallLedger's worked example")
        #expect(location(then) == location(before), "as of before the amendment, the footprint is as it was")
        // Mine B's 50 kWh at AU-WA's 0.5 instead of CL's 0.3: 10 kg more on ore B, 80 % of the
        // refinery's burden on the hydroxide, all of it in the cell lot, 1/200 of that in the cell.
        #expect(abs(location(after) - (1.14 + 10 * 0.8 / 200)) < 1e-9)
        #expect(after.masterData.contains(amended), "a bundle of the cell carries the amendment")
        #expect(!then.masterData.contains(amended))
    }

    @Test("new coordinates in an amendment travel sealed: a customer's bundle withholds them, an auditor's opens them")
    func amendedCoordinatesInABundle() throws {
        let ledger = try SmallLedger()
        let amended = try ledger.chain.amendFacility(
            SmallLedger.mineB,
            reason: "surveyed again",
            changes: ["location": ["latitude": "-23.65", "longitude": "-70.40"]]
        ).firstSequenceNumber
        let pointer = JSONPointer(tokens: ["location"])
        let field = ClassifiedField.classify(entryType: "facility.amend", pointer: pointer)
        #expect(field.name == "coordinates" && field.fieldClass == .confidential && !field.commercial)
        func amendment(_ profile: DisclosureProfile) throws -> JSONValue {
            let bundle = try CustodyBundle.export(SmallLedger.cell, chain: ledger.chain, profile: profile)
            let report = try BundleVerifier(bytes: bundle.bytes, key: ledger.chain.ledger.verifierKey).verify()
            #expect(report.entries == bundle.entryCount, "\(profile) verifies")
            return try #require(
                bundle.json["entries"]?.arrayValue?.first { $0["seq"] == .number(Double(amended)) },
                "the bundle carries the amendment"
            )
        }
        let customer = try amendment(.legitimateInterest)
        #expect(customer["withheld"]?["/location"] == "coordinates")
        #expect(customer["openings"]?["/location"] == nil)
        #expect(customer["canonical"]?.stringValue?.contains("-23.65") == false)
        let auditor = try amendment(.auditor)
        #expect(auditor["openings"]?["/location"]?["value"]?["latitude"] == "-23.65")
    }
}
