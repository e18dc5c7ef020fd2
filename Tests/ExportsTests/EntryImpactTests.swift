import Carbon
import Exports
import Foundation
import LedgerCore
import Provenance
import SupplyChain
import Testing

@Suite("Entry impact: every cell whose footprint one entry changed, exported or not")
struct EntryImpactTests {
    /// Mine B's grid region amended to AU-WA: the entry's sequence number.
    static func amendMineB(_ ledger: SmallLedger) throws -> UInt64 {
        try ledger.chain.amendFacility(
            SmallLedger.mineB,
            reason: "on the AU-WA grid",
            changes: ["gridRegion": "AU-WA"]
        ).firstSequenceNumber
    }

    /// SmallLedger's commissioning event declared in error (incorrect data).
    static func commissioningDeclaredInError() throws -> String {
        let commissioning = try #require(SmallLedger.events.last)
        try #require(commissioning.hasSuffix("}"))
        return commissioning.dropLast()
            + #","errorDeclaration":{"declarationTime":"2026-01-06T08:00:00Z","reason":"incorrect_data"}}"#
    }

    @Test(
        "an amended grid region changes the cells downstream; a declaration in error withdraws them; other entries change nothing"
    )
    func amendmentAndDeclaration() throws {
        let ledger = try SmallLedger()
        let amended = try Self.amendMineB(ledger)
        let impact = try EntryImpact.compute(entry: amended, chain: ledger.chain)
        #expect(impact.type == SupplyChainLedger.EntryType.facilityAmend)
        #expect(impact.summary == "facility \(SmallLedger.mineB) amended (gridRegion): on the AU-WA grid")
        #expect(impact.cellLots == 1 && impact.ranges == 1 && impact.cells == 100)
        let change = try #require(impact.changes.first)
        #expect(change.status == .changed && change.range.prefix == "urn:test:cell:P")
        // SmallLedger's worked example, 1.14 kg a cell; mine B's 50 kWh at AU-WA's 0.5 rather than
        // CL's 0.3 add 10 kg to ore B, 80 % of it in the hydroxide, all of that in the cell lot,
        // 1/200 of it in each 2 kg cell (as the disclosure review has it).
        #expect(abs((change.before?[.locationBased] ?? 0) - 1.14) < 1e-9)
        #expect(abs((change.after?[.locationBased] ?? 0) - (1.14 + 10 * 0.8 / 200)) < 1e-9)
        // Per lifetime kWh, as `footprint` and the disclosure review give it (model X's unit).
        #expect(abs((change.beforePerLifetimeKWh?[.euDraft] ?? 0) - 3.19 / 216) < 1e-9)
        // The lots downstream of mine B change too, ore B by 10 kg over its 250 kg; ore A does not.
        let lots = Dictionary(uniqueKeysWithValues: impact.lotChanges.map { ($0.lot, $0) })
        #expect(impact.lots == 5)
        #expect(Set(lots.keys).isSuperset(of: [SmallLedger.oreB, SmallLedger.hydroxide, SmallLedger.cells]))
        #expect(lots[SmallLedger.oreA] == nil && lots.values.allSatisfy { $0.status == .changed })
        let oreB = try #require(lots[SmallLedger.oreB])
        let oreBefore: Double = try #require(oreB.before?[.locationBased])
        let oreAfter: Double = try #require(oreB.after?[.locationBased])
        #expect(abs(oreAfter - oreBefore - 10.0 / 250) < 1e-9)

        // The commissioning declared in error: its range withdrawn, with the figures it had.
        let declared = try Self.commissioningDeclaredInError()
        try ledger.chain.importSubmission(Array(declared.utf8), actor: "maker", key: ledger.key)
        let declaration = try ledger.chain.ledger.size - 1
        let withdrawn = try EntryImpact.compute(entry: declaration, chain: ledger.chain)
        #expect(
            withdrawn.summary.hasPrefix("declares event ") && withdrawn.summary.hasSuffix(" in error: incorrect_data")
        )
        #expect(withdrawn.changes.map(\.status) == [.withdrawn])
        #expect(abs((withdrawn.changes.first?.before?[.locationBased] ?? 0) - 1.18) < 1e-9)
        #expect(withdrawn.changes.first?.after == nil)
        #expect(withdrawn.lotChanges.isEmpty, "a commissioning makes no lot")
        // The first event, the extraction of ore A: the lot it made, added.
        let extraction = try EntryImpact.compute(entry: declaration - 7, chain: ledger.chain)
        #expect(extraction.lotChanges.map(\.lot) == [SmallLedger.oreA])
        #expect(extraction.lotChanges.first?.status == .added && extraction.lotChanges.first?.before == nil)
        // Before the declaration, the amendment's impact is read the same.
        #expect(try EntryImpact.compute(entry: amended, chain: ledger.chain).changes.map(\.status) == [.changed])

        // Its submission is compared with the submission's one event: the same range withdrawn.
        let submission = try EntryImpact.compute(entry: declaration - 1, chain: ledger.chain)
        #expect(submission.through == declaration && submission.changes.map(\.status) == [.withdrawn])
        // The first entry, made before any lot, changes nothing.
        let first = try EntryImpact.compute(entry: 0, chain: ledger.chain)
        #expect(first.ranges == 0 && first.lots == 0 && first.changes.isEmpty && first.lotChanges.isEmpty)
        #expect(throws: ExportError.self) { try EntryImpact.compute(entry: declaration + 1, chain: ledger.chain) }

        // The whole ledger as one run: the range commissioned and declared in error within it is
        // no change; every lot is added, with the figures it has after the amendment.
        let whole = try EntryImpact.compute(from: 0, to: declaration, chain: ledger.chain)
        #expect(whole.entry == 0 && whole.through == declaration)
        #expect(whole.changes.isEmpty && whole.ranges == 0 && whole.cellLots == 0)
        #expect(whole.lotChanges.count == 5 && whole.lotChanges.allSatisfy { $0.status == .added })
        let oreBNow = try #require(whole.lotChanges.first { $0.lot == SmallLedger.oreB }?.after?[.locationBased])
        #expect(abs(oreBNow - oreAfter) < 1e-9)
        // Each submission is listed once, its events not: no entry listed falls within one.
        var covered: Set<UInt64> = []
        for compared in whole.entries where compared.type == SupplyChainLedger.EntryType.submission {
            let events = try #require(ledger.chain.ledger.entry(at: compared.sequenceNumber).body["events"]?.arrayValue)
            covered.formUnion(compared.sequenceNumber + 1...compared.sequenceNumber + UInt64(events.count))
        }
        #expect(!covered.isEmpty && whole.entries.allSatisfy { !covered.contains($0.sequenceNumber) })
        #expect(whole.entries.count + covered.count == Int(declaration) + 1)
        // A run that ends on a submission's entry goes on through its events.
        #expect(try EntryImpact.compute(from: amended, to: declaration - 1, chain: ledger.chain).through == declaration)
        #expect(throws: ExportError.self) { try EntryImpact.compute(from: 3, to: 2, chain: ledger.chain) }
    }

    @Test(
        "a submission is compared as one change: a commissioning declared in error and made again is one range changed"
    )
    func submissionAsOneChange() throws {
        let ledger = try SmallLedger()
        let commissioning = try #require(SmallLedger.events.last)
        let declared = try Self.commissioningDeclaredInError()
        let again = commissioning.replacingOccurrences(of: #""quantity":"0.5""#, with: #""quantity":"0.25""#)
            .replacingOccurrences(of: SmallLedger.day(4), with: SmallLedger.day(5))
        #expect(again != commissioning)
        let report = try ledger.chain.importSubmission(
            Array([String(declared), again].joined(separator: "\n").utf8),
            actor: "maker",
            key: ledger.key
        )
        let submission = try #require(report.submissionSequence)
        let impact = try EntryImpact.compute(entry: submission, chain: ledger.chain)
        #expect(impact.type == SupplyChainLedger.EntryType.submission && impact.through == submission + 2)
        #expect(impact.summary == "submission by maker of 2 events (#\(submission + 1)–#\(submission + 2))")
        let change = try #require(impact.changes.first)
        #expect(impact.changes.count == 1 && change.status == .changed)
        #expect(change.previous?.nominalEnergyKWh == ExactDecimal("0.5"))
        #expect(change.range.nominalEnergyKWh == ExactDecimal("0.25"))
        #expect(change.before == change.after, "the same cells of the same lot: the same kg CO2e a cell")
        // Half the energy a cell: twice the kg CO2e per kWh over its life, the figure declared.
        let perKWhBefore = try #require(change.beforePerLifetimeKWh?[.euDraft])
        let perKWhAfter = try #require(change.afterPerLifetimeKWh?[.euDraft])
        #expect(abs(perKWhAfter / perKWhBefore - 2) < 1e-9)
        // Its declaration alone withdraws the range; the corrective commissioning alone adds it.
        #expect(
            try EntryImpact.compute(entry: submission + 1, chain: ledger.chain).changes.map(\.status) == [.withdrawn]
        )
        #expect(try EntryImpact.compute(entry: submission + 2, chain: ledger.chain).changes.map(\.status) == [.added])
        // The two events as a run of their own give what their submission gives.
        let run = try EntryImpact.compute(from: submission + 1, to: submission + 2, chain: ledger.chain)
        #expect(run.entries.map(\.sequenceNumber) == [submission + 1, submission + 2])
        #expect(run.changes.map(\.status) == [.changed] && run.changes.first?.previous != nil)
    }

    @Test(
        "narrowed to a subject: a cell keeps its range and the lots upstream, a lot what was made from it"
    )
    func narrowedToSubject() throws {
        let ledger = try SmallLedger()
        let amended = try Self.amendMineB(ledger)
        let impact = try EntryImpact.compute(entry: amended, chain: ledger.chain)
        #expect(impact.focus == nil)
        let changedLots = Set(impact.lotChanges.map(\.lot))
        // Mine B's ore goes into both refinery outputs, the hydroxide and its by-product.
        #expect(changedLots.isSuperset(of: [SmallLedger.oreB, SmallLedger.hydroxide, SmallLedger.byproduct]))

        // A cell: its range, and the changed lots it was made from; not the by-product.
        let cell = try impact.narrowed(to: SmallLedger.cell, chain: ledger.chain)
        #expect(cell.focus?.kind == .cell && cell.focus?.id == SmallLedger.cell)
        #expect(cell.focus?.lineageLots == 4, "cells-1, lioh-1, ore-a and ore-b")
        #expect(cell.changes.map(\.range.text) == ["urn:test:cell:P1–100"])
        #expect(Set(cell.lotChanges.map(\.lot)) == changedLots.subtracting([SmallLedger.byproduct]))
        // The comparison's own counts stay those of the whole ledger.
        #expect(cell.ranges == impact.ranges && cell.lots == impact.lots)

        // The by-product: itself and the ore upstream; no cell was made from it.
        let byproduct = try impact.narrowed(to: SmallLedger.byproduct, chain: ledger.chain)
        #expect(byproduct.focus?.kind == .lot)
        #expect(byproduct.changes.isEmpty)
        #expect(Set(byproduct.lotChanges.map(\.lot)) == [SmallLedger.byproduct, SmallLedger.oreB])
        // Ore A did not change, but what was made from it did: the cells among them.
        let oreA = try impact.narrowed(to: SmallLedger.oreA, chain: ledger.chain)
        #expect(oreA.changes.count == 1)
        #expect(!oreA.lotChanges.contains { $0.lot == SmallLedger.oreA || $0.lot == SmallLedger.oreB })
        #expect(oreA.lotChanges.contains { $0.lot == SmallLedger.cells })

        // A serial outside every range, and an id the ledger never had, are named as such.
        for unknown in ["urn:test:cell:P101", "urn:test:lot:none"] {
            #expect(throws: ExportError.self) { try impact.narrowed(to: unknown, chain: ledger.chain) }
        }

        // A commissioning declared in error: the cell is found as the ledger had it before.
        let declared = try Self.commissioningDeclaredInError()
        try ledger.chain.importSubmission(Array(declared.utf8), actor: "maker", key: ledger.key)
        let declaration = try ledger.chain.ledger.size - 1
        let withdrawn = try EntryImpact.compute(entry: declaration, chain: ledger.chain)
            .narrowed(to: SmallLedger.cell, chain: ledger.chain)
        #expect(withdrawn.changes.map(\.status) == [.withdrawn])
        #expect(withdrawn.lotChanges.isEmpty)
    }

    @Test("a pack narrowed keeps the ranges holding its cells, not another its commissioning listed")
    func packOfOneRangeOfTwo() throws {
        let ledger = try SmallLedger()
        let plant = SmallLedger.cellPlant
        let events = [
            #"{"type":"ObjectEvent","eventTime":"\#(SmallLedger.day(5))","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\#(plant)"},"epcList":[],"ct:cellLot":"\#(SmallLedger.cells)","ct:serialRanges":[{"prefix":"urn:test:cell:Q","first":"1","last":"10"},{"prefix":"urn:test:cell:Q","first":"21","last":"30"}],"ct:cellMass":{"quantity":"2","uom":"KGM"},"ct:nominalEnergy":{"quantity":"0.5","uom":"KWH"},"ct:batteryModel":"X"}"#,
            #"{"type":"AggregationEvent","eventTime":"\#(SmallLedger.day(6))","eventTimeZoneOffset":"+00:00","action":"ADD","bizStep":"assembling","bizLocation":{"id":"\#(plant)"},"parentID":"urn:test:pack:1","childEPCs":["urn:test:cell:Q1","urn:test:cell:Q2"]}"#,
        ]
        try ledger.chain.importSubmission(Array(events.joined(separator: "\n").utf8), actor: "maker", key: ledger.key)
        let amended = try Self.amendMineB(ledger)
        let impact = try EntryImpact.compute(entry: amended, chain: ledger.chain)
        #expect(
            impact.changes.map(\.range.text) == ["urn:test:cell:P1–100", "urn:test:cell:Q1–10", "urn:test:cell:Q21–30"]
        )
        let pack = try impact.narrowed(to: "urn:test:pack:1", chain: ledger.chain)
        #expect(pack.focus?.kind == .assembly)
        #expect(pack.changes.map(\.range.text) == ["urn:test:cell:Q1–10"])
        #expect(
            try impact.narrowed(to: "urn:test:cell:Q25", chain: ledger.chain).changes.map(\.range.text) == [
                "urn:test:cell:Q21–30"
            ]
        )
        // The cell lot's narrowing reaches every range made from it.
        #expect(try impact.narrowed(to: SmallLedger.cells, chain: ledger.chain).changes.count == 3)
    }

    @Test(
        "a shipment of a pack and a cell by id charges its leg to them as their footprints do: each unit listed with its share, the cell with its footprint, and each kept when narrowed to it"
    )
    func unitShipmentChargesTheUnitsItMoved() throws {
        let ledger = try CustodyBundleTests.shippedUnits()
        let chain = ledger.chain
        let shipment = try chain.ledger.size - 1
        let impact = try EntryImpact.compute(entry: shipment, chain: chain)
        // No lot's or range's figure moved: the leg is the units' alone.
        #expect(impact.changes.isEmpty && impact.lotChanges.isEmpty)
        #expect(impact.units == 2)
        let units = [CustodyBundleTests.shippedCell, CustodyBundleTests.shippedPack]
        #expect(impact.unitChanges.map(\.unit) == units)
        #expect(impact.unitChanges.map(\.kind) == [.cell, .assembly])
        // Each unit's share (0.1 and 0.3 kg CO2e) is what its footprint gained with the shipment.
        for (change, share) in zip(impact.unitChanges, [0.1, 0.3]) {
            #expect(change.status == .added && change.before == nil)
            let footprint = { (size: UInt64) in
                try LineageScope.collect(change.unit, chain: chain, asOf: .size(size)).footprint.total
            }
            let (before, after) = (try footprint(shipment), try footprint(shipment + 1))
            for method in ElectricityMethod.allCases {
                let shipped = try #require(change.after?[method])
                #expect(close(shipped, share), "\(change.unit) \(method)")
                #expect(close(shipped, after.total(method) - before.total(method)), "\(change.unit) \(method)")
            }
        }
        // The cell as `footprint` gives it: its range's 1.14 kg CO2e (location-based), then with its share.
        let cell = try #require(impact.unitChanges.first)
        #expect(cell.range?.lot == SmallLedger.cells)
        let footprint = try LineageScope.collect(cell.unit, chain: chain).footprint.total
        for method in ElectricityMethod.allCases {
            #expect(close(try #require(cell.footprintAfter?[method]), footprint.total(method)), "\(method)")
        }
        #expect(close(try #require(cell.footprintBefore?[.locationBased]), 1.14))
        #expect(impact.unitChanges[1].footprintBefore == nil && impact.unitChanges[1].footprintAfter == nil)
        // Narrowed: the pack keeps its own shipment, not the cell's; the cell and its lot the cell's.
        let narrowed = { (id: String) in try impact.narrowed(to: id, chain: chain).unitChanges.map(\.unit) }
        #expect(try narrowed(CustodyBundleTests.shippedPack) == [CustodyBundleTests.shippedPack])
        #expect(try narrowed(CustodyBundleTests.shippedModule).isEmpty)
        #expect(try narrowed(CustodyBundleTests.shippedCell) == [CustodyBundleTests.shippedCell])
        #expect(try narrowed(SmallLedger.cells) == [CustodyBundleTests.shippedCell])
        // The pack's assembly before it (its submission's event, two entries back) charged no unit.
        #expect(try EntryImpact.compute(entry: shipment - 2, chain: chain).unitChanges.isEmpty)
    }
}
