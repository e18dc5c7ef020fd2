import Foundation
import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

@Suite("Corrections: error declarations retract events without rewriting them")
struct CorrectionTests {
    /// The event as first recorded, with an errorDeclaration added: EPCIS's way to declare it in error.
    private func declaredInError(_ line: String, corrective: [String] = []) throws -> String {
        guard case .object(var members) = try JSONValue(parsing: line) else { fatalError() }
        members["errorDeclaration"] = [
            "declarationTime": "2026-01-06T08:00:00+08:00", "reason": "incorrect_data",
            "correctiveEventIDs": .array(corrective.map(JSONValue.string)),
        ]
        return JSONValue.object(members).canonicalString
    }

    @Test("a declared error retracts the lot; the corrective event records the right one; the audit sees both")
    func retractAndCorrect() throws {
        let fixture = try ChainFixture()
        let key = try fixture.key("pilbara-mining")
        let wrong = Events.extract("ORE-A", 100)
        try fixture.chain.importSubmission(Array(wrong.utf8), actor: "pilbara-mining", key: key)
        let sizeBefore = try fixture.chain.ledger.size
        let report = try fixture.chain.importSubmission(
            Array([try declaredInError(wrong), Events.extract("ORE-A2", 90)].joined(separator: "\n").utf8),
            actor: "pilbara-mining",
            key: key
        )
        #expect(report.written == 2 && report.retractions == 1)
        #expect(
            try fixture.chain.ledger.size == sizeBefore + 3,
            "nothing is rewritten: a submission and two events are added"
        )
        let retracted = try #require(try fixture.chain.lot("ORE-A"))
        #expect(retracted.lot.retractedAt == sizeBefore + 1)
        #expect(retracted.holdings.isEmpty)
        #expect(try fixture.chain.lot("ORE-A2")?.lot.producedKg == ExactDecimal(90_000))
        let record = try #require(try fixture.chain.eventRecord(retracted.lot.createdBy))
        #expect(record["retractedAt"] == .number(Double(sizeBefore + 1)))

        // A retracted lot is out of every later use.
        let use = try fixture.rejection(
            [Events.ship("ORE-A", 1, from: Events.miner, to: Events.refiner)],
            as: "pilbara-mining"
        )
        #expect(use.problems.first?.message.contains("was retracted") == true)
        // Re-importing the same declaration changes nothing; a different one for the same event is refused.
        let again = try fixture.chain.importSubmission(
            Array(try declaredInError(wrong).utf8),
            actor: "pilbara-mining",
            key: key
        )
        #expect(again.written == 0 && again.alreadyPresent == 1)
        let twice = try fixture.rejection([try declaredInError(wrong, corrective: ["urn:x"])], as: "pilbara-mining")
        #expect(twice.problems.first?.message.contains("already declared in error") == true)

        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("an event whose lot was used since cannot be retracted until what used it is")
    func retractionNeedsDependentsRetractedFirst() throws {
        let fixture = try ChainFixture()
        let extract = Events.extract("ORE-B", 100)
        let ship = Events.ship("ORE-B", 100, from: Events.miner, to: Events.refiner)
        try fixture.accept([extract, ship], as: "pilbara-mining")
        let error = try fixture.rejection([try declaredInError(extract)], as: "pilbara-mining")
        #expect(error.problems.first?.field == "/errorDeclaration")
        #expect(error.problems.first?.message.contains("has since been used or shipped") == true)

        // Retracting the shipment first, then the extraction, in one submission, works.
        let report = try fixture.chain.importSubmission(
            Array([try declaredInError(ship), try declaredInError(extract)].joined(separator: "\n").utf8),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        #expect(report.retractions == 2)
        #expect(try fixture.chain.lot("ORE-B")?.lot.retractedAt != nil)
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test("a commissioning declared in error gives its cells' mass back: the same serials can be recommissioned")
    func retractedCommissioningReturnsItsMass() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        // The cell lot holds 100 t; 1000 cells of 0.9 kg are commissioned. 99 000 cells of 1 kg fit once.
        let wrong = """
            {"type":"ObjectEvent","eventTime":"2026-03-01T08:00:00+01:00","eventTimeZoneOffset":"+01:00","action":"ADD",\
            "bizLocation":{"id":"urn:celltrace:facility:cell-plant"},"epcList":[],\
            "ct:cellLot":"urn:celltrace:lot:cells-nmc811-0225",\
            "ct:serialRanges":[{"prefix":"urn:test:cell:","first":"1","last":"99000"}],\
            "ct:cellMass":{"quantity":1,"uom":"KGM"},"ct:nominalEnergy":{"quantity":0.5,"uom":"KWH"}}
            """
        try fixture.chain.importSubmission(Array(wrong.utf8), actor: "cell-co", key: try fixture.key("cell-co"))
        let right = wrong.replacingOccurrences(of: "0.5,", with: "0.25,")
            .replacingOccurrences(of: "08:00:00", with: "09:00:00")
        let report = try fixture.chain.importSubmission(
            Array([try declaredInError(wrong), right].joined(separator: "\n").utf8),
            actor: "cell-co",
            key: try fixture.key("cell-co")
        )
        #expect(report.retractions == 1 && report.written == 2)
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test("a lot cells were commissioned from stands until the commissioning is declared in error")
    func lotWithCommissionedCellsStands() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let document = try JSONValue(parsing: Fixtures.bytes("epcis/chain/04-cells.jsonld"))
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        let making = try #require(events.first { $0["type"] == "TransformationEvent" })
        let error = try fixture.rejection([try declaredInError(making.canonicalString)], as: "cell-co")
        expectProblems(
            error,
            [
                (
                    0, "/errorDeclaration",
                    "cells have been commissioned from lot urn:celltrace:lot:cells-nmc811-0225, made by this event; declare the commissioning in error first"
                )
            ]
        )
    }

    @Test("only the actor who recorded an event may declare it in error")
    func onlyTheRecorderRetracts() throws {
        let fixture = try ChainFixture()
        let extract = Events.extract("ORE-C", 100)
        try fixture.chain.importSubmission(
            Array(extract.utf8),
            actor: "pilbara-mining",
            key: try fixture.key("pilbara-mining")
        )
        let error = try fixture.rejection([try declaredInError(extract)], as: "sichuan-lithium")
        #expect(error.problems.first?.message.contains("only that actor may declare it in error") == true)
    }

    @Test(
        "a declaration in error waits for what depends on the event: goods shipped on, cells assembled, parts reassembled"
    )
    func retractionWaitsForDependents() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let plant = "urn:celltrace:facility:cell-plant"
        let commissioning = """
            {"type":"ObjectEvent","eventTime":"2026-03-01T08:00:00+01:00","eventTimeZoneOffset":"+01:00","action":"ADD",\
            "bizLocation":{"id":"\(plant)"},"epcList":[],"ct:cellLot":"urn:celltrace:lot:cells-nmc811-0225",\
            "ct:serialRanges":[{"prefix":"urn:test:cell:","first":"1","last":"10"}],\
            "ct:cellMass":{"quantity":1,"uom":"KGM"},"ct:nominalEnergy":{"quantity":0.25,"uom":"KWH"}}
            """
        func aggregation(_ action: String, _ parent: String, _ children: [String], hour: Int) -> String {
            Events.json([
                "type": "AggregationEvent", "eventTime": .string("2026-03-01T1\(hour):00:00+01:00"),
                "eventTimeZoneOffset": "+01:00", "action": .string(action), "bizLocation": ["id": .string(plant)],
                "parentID": .string(parent), "childEPCs": .array(children.map(JSONValue.string)),
            ])
        }
        let into1 = aggregation("ADD", "MOD-1", ["urn:test:cell:1"], hour: 0)
        let outOf1 = aggregation("DELETE", "MOD-1", ["urn:test:cell:1"], hour: 1)
        let into2 = aggregation("ADD", "MOD-2", ["urn:test:cell:1"], hour: 2)
        try fixture.accept([commissioning, into1, outOf1, into2], as: "cell-co")
        let error = try fixture.rejection(
            [try declaredInError(commissioning), try declaredInError(outOf1), try declaredInError(into1)],
            as: "cell-co"
        )
        expectProblems(
            error,
            [
                (0, "/errorDeclaration", "cells of urn:test:cell:1–10 are in modules or packs; disassemble them first"),
                (1, "/errorDeclaration", "urn:test:cell:1, taken out of MOD-1 by this event, is now in MOD-2"),
                (
                    2, "/errorDeclaration",
                    "urn:test:cell:1, put into MOD-1 by this event, is now in MOD-2; declare the later events in error first"
                ),
            ]
        )
        // Undone in order, the later events first, the first assembly goes too; the cell is free.
        try fixture.accept(
            [try declaredInError(into2), try declaredInError(outOf1), try declaredInError(into1)],
            as: "cell-co"
        )
        #expect(try fixture.chain.auditIndexes().isValid)

        // Goods shipped and then used or passed on by the receiver: the shipment stands.
        let extract = Events.extract("ORE-D", 100)
        let ship = Events.ship("ORE-D", 100, from: Events.miner, to: Events.refiner)
        try fixture.accept([extract, ship], as: "pilbara-mining")
        try fixture.accept(
            [Events.transform(inputs: [Events.quantity("ORE-D", 10)], outputs: [Events.quantity("H-D", 5)])],
            as: "sichuan-lithium"
        )
        let shipped = try fixture.rejection([try declaredInError(ship)], as: "pilbara-mining")
        expectProblems(
            shipped,
            [(0, "/errorDeclaration", "sichuan-lithium no longer holds the 100000 kg of lot ORE-D shipped to it")]
        )
    }

    @Test("a lot whose making was declared in error has nothing left, and its id cannot be made again")
    func retractedLotIsEmptyAndItsIDSpent() throws {
        let fixture = try ChainFixture()
        let key = try fixture.key("pilbara-mining")
        let wrong = Events.extract("ORE-T", 100)
        try fixture.accept([wrong], as: "pilbara-mining")
        let declaration = try fixture.chain.importSubmission(
            Array(try declaredInError(wrong).utf8),
            actor: "pilbara-mining",
            key: key
        )
        #expect(declaration.retractions == 1)
        let lot = try #require(try fixture.chain.lot("ORE-T")?.lot)
        #expect(lot.producedKg == ExactDecimal(100_000) && lot.balanceKg == .zero)
        let again = try fixture.rejection([Events.extract("ORE-T", 10)], as: "pilbara-mining")
        expectProblem(
            again,
            index: 0,
            field: "/quantityList/0/epcClass",
            containing:
                "was made by event \(lot.createdBy), declared in error at entry \(try #require(lot.retractedAt))"
        )
        expectProblem(again, index: 0, field: "/quantityList/0/epcClass", containing: "needs an id of its own")
    }
}
