import Foundation
import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

extension Events {
    /// The event as first recorded, with an errorDeclaration added: EPCIS's way to declare it in error.
    static func declaredInError(_ line: String, corrective: [String] = []) throws -> String {
        guard case .object(var members) = try JSONValue(parsing: line) else { fatalError() }
        // Declared once the error was found: after the event, before the import.
        members["errorDeclaration"] = [
            "declarationTime": "2026-06-01T08:00:00+08:00", "reason": "incorrect_data",
            "correctiveEventIDs": .array(corrective.map(JSONValue.string)),
        ]
        return JSONValue.object(members).canonicalString
    }
}

@Suite("Corrections: error declarations retract events without rewriting them")
struct CorrectionTests {
    private func declaredInError(_ line: String, corrective: [String] = []) throws -> String {
        try Events.declaredInError(line, corrective: corrective)
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
        // The event itself sent again stays declared in error, and says so.
        let resent = try fixture.chain.importSubmission(Array(wrong.utf8), actor: "pilbara-mining", key: key)
        #expect(resent.written == 0 && resent.alreadyPresent == 1)
        #expect(
            resent.warnings.map(\.message) == [
                "this event was declared in error (entry \(sizeBefore + 1)); sent again, it stays declared in error "
                    + "and nothing is written: what did happen is recorded by a corrective event, which differs from it"
            ]
        )
        #expect(try fixture.chain.lot("ORE-A")?.lot.retractedAt == sizeBefore + 1)

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

    @Test(
        "a commissioning declared in error keeps its range for queries as of before, also when the same serials are commissioned again"
    )
    func retractedRangeStaysReadableAsOfBefore() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let key = try fixture.key("cell-co")
        let lot = "urn:celltrace:lot:cells-nmc811-0225"
        let wrong = """
            {"type":"ObjectEvent","eventTime":"2026-03-01T08:00:00+01:00","eventTimeZoneOffset":"+01:00","action":"ADD",\
            "bizLocation":{"id":"urn:celltrace:facility:cell-plant"},"epcList":[],"ct:cellLot":"\(lot)",\
            "ct:serialRanges":[{"prefix":"urn:test:cell:","first":"1","last":"1000"}],\
            "ct:cellMass":{"quantity":0.9,"uom":"KGM"},"ct:nominalEnergy":{"quantity":0.5,"uom":"KWH"}}
            """
        try fixture.chain.importSubmission(Array(wrong.utf8), actor: "cell-co", key: key)
        let commissioned = try fixture.chain.ledger.size
        // The same range again, with the right energy: the row under its key in `sc.serials` is the new one.
        let right = wrong.replacingOccurrences(of: "0.5,", with: "0.25,")
            .replacingOccurrences(of: "08:00:00", with: "09:00:00")
        try fixture.chain.importSubmission(
            Array([try declaredInError(wrong), right].joined(separator: "\n").utf8),
            actor: "cell-co",
            key: key
        )
        let corrected = try fixture.chain.ledger.size
        let declaration = corrected - 2

        let now = try #require(try fixture.chain.serial("urn:test:cell:7"))
        #expect(now.range?.nominalEnergyKWh == ExactDecimal("0.25"))
        #expect(now.retracted.map(\.nominalEnergyKWh) == [ExactDecimal("0.5")])
        #expect(now.retracted.first?.retractedAt == declaration)
        #expect(try fixture.chain.serial("urn:test:cell:1001")?.retracted.isEmpty ?? true)
        // The fixture's own cells come from the same lot, under another prefix.
        func tested(_ ranges: [SerialRange]) -> [SerialRange] { ranges.filter { $0.prefix == "urn:test:cell:" } }
        let lotReport = try #require(try fixture.chain.lot(lot))
        #expect(tested(lotReport.serialRanges).map(\.nominalEnergyKWh) == [ExactDecimal("0.25")])
        #expect(lotReport.retractedSerialRanges.map(\.retractedAt) == [declaration])

        try fixture.chain.read { reader, txn, _ in
            // As of each size, the range the ledger had then: the first commissioning, then the
            // second; before either, none.
            let energies = try [commissioned - 1, commissioned, declaration, corrected].map {
                try reader.serialRange(containing: "urn:test:cell:7", asOf: $0, txn)?.nominalEnergyKWh
            }
            #expect(
                energies == [nil, ExactDecimal("0.5"), ExactDecimal("0.5"), ExactDecimal("0.25")]
            )
            let then = tested(try reader.allSerialRanges(asOf: commissioned, txn))
            #expect(then.map(\.commissionedAt) == [commissioned - 1])
            #expect(tested(try reader.allSerialRanges(asOf: corrected, txn)).map(\.commissionedAt) == [corrected - 1])
            let number = try #require(try reader.lotNumber(lot, txn))
            let ofLot = tested(try reader.serialRanges(ofLotNumber: number, asOf: declaration, txn))
            #expect(ofLot.map(\.retractedAt) == [declaration])
        }

        // The second commissioning declared in error too: both retracted ranges stay, under one serial key.
        try fixture.chain.importSubmission(Array(try declaredInError(right).utf8), actor: "cell-co", key: key)
        let none = try #require(try fixture.chain.serial("urn:test:cell:7"))
        #expect(none.range == nil)
        #expect(none.retracted.map(\.nominalEnergyKWh) == [ExactDecimal("0.5"), ExactDecimal("0.25")])
        try fixture.chain.read { reader, txn, _ in
            let range = try reader.serialRange(containing: "urn:test:cell:7", asOf: corrected, txn)
            #expect(range?.commissionedAt == corrected - 1)
        }
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
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
                (
                    1, "/errorDeclaration",
                    "urn:test:cell:1, taken out of MOD-1 by this event, is now in MOD-2; declare the later events in error first"
                ),
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
        // A cell taken out and put back into the same module: the later assembly is named as such.
        let outOf3 = aggregation("DELETE", "MOD-3", ["urn:test:cell:2"], hour: 4)
        try fixture.accept(
            [
                aggregation("ADD", "MOD-3", ["urn:test:cell:2"], hour: 3), outOf3,
                aggregation("ADD", "MOD-3", ["urn:test:cell:2"], hour: 5),
            ],
            as: "cell-co"
        )
        expectProblems(
            try fixture.rejection([try declaredInError(outOf3)], as: "cell-co"),
            [
                (
                    0, "/errorDeclaration",
                    "urn:test:cell:2, taken out of MOD-3 by this event, was put back into it since; declare the later "
                        + "events in error first"
                )
            ]
        )

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

    @Test("a lot whose making was declared in error has nothing left, and a corrective event makes its id again")
    func retractedLotIsEmptyAndMadeAgain() throws {
        let fixture = try ChainFixture()
        let key = try fixture.key("pilbara-mining")
        let wrong = Events.extract("ORE-T", 100)
        // Shipped, and the shipment declared in error, before the lot's making is.
        let shipment = Events.ship("ORE-T", 40, from: Events.miner, to: Events.refiner)
        try fixture.accept([wrong, shipment], as: "pilbara-mining")
        try fixture.accept([try declaredInError(shipment)], as: "pilbara-mining")
        let declaration = try fixture.chain.importSubmission(
            Array(try declaredInError(wrong).utf8),
            actor: "pilbara-mining",
            key: key
        )
        #expect(declaration.retractions == 1)
        let first = try #require(try fixture.chain.lot("ORE-T"))
        #expect(first.lot.producedKg == ExactDecimal(100_000) && first.lot.balanceKg == .zero)
        #expect(first.version == 1 && first.lot.previousVersion == nil)

        // The corrective event makes the lot again, under the id on its label: a new version.
        let corrective = Events.extract("ORE-T", 90)
        let report = try fixture.accept([corrective], as: "pilbara-mining")
        #expect(report.written == 1)
        let second = try #require(try fixture.chain.lot("ORE-T"))
        #expect(second.version == 2)
        #expect(second.lot.producedKg == ExactDecimal(90_000) && second.lot.balanceKg == ExactDecimal(90_000))
        let retractedAt = try #require(first.lot.retractedAt)
        #expect(second.lot.retractedAt == nil && second.lot.createdAt > retractedAt)
        #expect(second.holdings.map(\.kg) == [ExactDecimal(90_000)])
        #expect(second.previousVersions.map(\.createdBy) == [first.lot.createdBy])
        #expect(second.previousVersions.first?.retractedAt == first.lot.retractedAt)
        #expect(second.previousVersions.first?.producedKg == ExactDecimal(100_000))

        // The new version is in use like any lot; a live lot's id is still made once.
        try fixture.accept([Events.ship("ORE-T", 90, from: Events.miner, to: Events.refiner)], as: "pilbara-mining")
        let shipped = try #require(try fixture.chain.lot("ORE-T"))
        #expect(shipped.holdings.map(\.actor) == ["sichuan-lithium"])
        // The custody keeps the first version's shipment, declared in error, marked with its version.
        #expect(
            shipped.custody.map {
                "\($0.kind) \($0.kg?.description ?? "-") \($0.version ?? 0) \($0.declaredInErrorAt != nil)"
            }
                == ["shipped 40000 1 true", "shipped 90000 0 false"]
        )
        let again = try fixture.rejection([Events.extract("ORE-T", 10)], as: "pilbara-mining")
        expectProblem(again, index: 0, field: "/quantityList/0/epcClass", containing: "lot ORE-T already exists")
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test(
        "a declaration and its corrective transformation in one document: the output's new version, its edges, the input's balance"
    )
    func correctiveTransformationInTheSameDocument() throws {
        let fixture = try refinerHoldingOre()
        let wrong = Events.transform(
            inputs: [Events.quantity("ORE", 10)],
            outputs: [Events.quantity("LHM-1", 5)]
        )
        let made = try fixture.accept([wrong], as: "sichuan-lithium")
        // Read once, so that a reader that remembered the lot's number would be caught out.
        let wrongEdges = try fixture.chain.edges(of: "LHM-1", upstream: true)
        #expect(wrongEdges.map(\.kg) == [ExactDecimal(10_000)])
        let corrected = Events.transform(
            inputs: [Events.quantity("ORE", 12)],
            outputs: [Events.quantity("LHM-1", 6)]
        )
        let sizeBefore = try fixture.chain.ledger.size
        let report = try fixture.accept([try declaredInError(wrong), corrected], as: "sichuan-lithium")
        #expect(report.written == 2 && report.retractions == 1 && made.written == 1)

        let lot = try #require(try fixture.chain.lot("LHM-1"))
        #expect(lot.version == 2)
        #expect(lot.lot.producedKg == ExactDecimal(6_000) && lot.lot.retractedAt == nil)
        #expect(lot.holdings.map(\.kg) == [ExactDecimal(6_000)])
        #expect(lot.madeFrom.map(\.kg) == [ExactDecimal(12_000)])
        #expect(lot.madeFrom.map(\.sequenceNumber) == [sizeBefore + 2])
        #expect(try fixture.chain.edges(of: "LHM-1", upstream: true).map(\.sequenceNumber) == [sizeBefore + 2])
        let replaced = try #require(lot.previousVersions.first)
        #expect(replaced.producedKg == ExactDecimal(5_000) && replaced.retractedAt == sizeBefore + 1)
        // The wrong consumption is given back, the corrective one taken.
        let ore = try #require(try fixture.chain.lot("ORE"))
        #expect(ore.lot.consumedKg == ExactDecimal(12_000))
        #expect(ore.holdings.map(\.kg) == [ExactDecimal(88_000)])
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")

        // Declared in error again, the lot is made a third time.
        let third = Events.transform(
            inputs: [Events.quantity("ORE", 12)],
            outputs: [Events.quantity("LHM-1", 6.5)]
        )
        try fixture.accept([try declaredInError(corrected), third], as: "sichuan-lithium")
        let latest = try #require(try fixture.chain.lot("LHM-1"))
        #expect(latest.version == 3 && latest.lot.producedKg == ExactDecimal(6_500))
        #expect(latest.previousVersions.map(\.producedKg) == [ExactDecimal(6_000), ExactDecimal(5_000)])
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test("a lot made, declared in error and made again within one submission: both versions are written")
    func madeRetractedAndMadeAgainInOneSubmission() throws {
        let fixture = try ChainFixture()
        let wrong = Events.extract("ORE-W", 100)
        let report = try fixture.accept(
            [wrong, try declaredInError(wrong), Events.extract("ORE-W", 80)],
            as: "pilbara-mining"
        )
        #expect(report.written == 3 && report.retractions == 1)
        let lot = try #require(try fixture.chain.lot("ORE-W"))
        #expect(lot.version == 2 && lot.lot.producedKg == ExactDecimal(80_000))
        #expect(lot.holdings.map(\.kg) == [ExactDecimal(80_000)])
        let first = try #require(lot.previousVersions.first)
        #expect(first.producedKg == ExactDecimal(100_000) && first.retractedAt != nil)
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test(
        "a stream of documents (and its dry run): one declares a lot's making in error, the next makes it again and ships it"
    )
    func correctionAcrossAStreamOfDocuments() throws {
        let fixture = try ChainFixture()
        let key = try fixture.key("pilbara-mining")
        let wrong = Events.extract("ORE-X", 100)
        try fixture.accept([wrong], as: "pilbara-mining")
        let documents = [
            [try declaredInError(wrong)],
            [Events.extract("ORE-X", 70), Events.ship("ORE-X", 30, from: Events.miner, to: Events.refiner)],
            [Events.ship("ORE-X", 40, from: Events.miner, to: Events.refiner)],
        ].map { Array($0.joined(separator: "\n").utf8) }
        let sizeBefore = try fixture.chain.ledger.size
        var dryReports: [ImportReport] = []
        try fixture.chain.importSubmissions(
            count: documents.count,
            actor: "pilbara-mining",
            key: key,
            dryRun: true,
            document: { documents[$0] },
            imported: { dryReports.append($1) }
        )
        let sizeAfterDryRun = try fixture.chain.ledger.size
        #expect(dryReports.count == 3 && sizeAfterDryRun == sizeBefore)
        var reports: [ImportReport] = []
        try fixture.chain.importSubmissions(
            count: documents.count,
            actor: "pilbara-mining",
            key: key,
            document: { documents[$0] },
            imported: { reports.append($1) }
        )
        #expect(reports.map(\.written) == [1, 2, 1])
        let lot = try #require(try fixture.chain.lot("ORE-X"))
        #expect(lot.version == 2 && lot.lot.producedKg == ExactDecimal(70_000))
        #expect(lot.holdings.map(\.actor).sorted() == ["sichuan-lithium"])
        #expect(lot.holdings.map(\.kg) == [ExactDecimal(70_000)])
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test("undoing a shipment of a lot's retracted version leaves the version made since alone")
    func shipmentOfAnEarlierVersion() throws {
        let fixture = try ChainFixture()
        let extract = Events.extract("ORE-S", 100)
        let out = Events.ship("ORE-S", 100, from: Events.miner, to: Events.refiner)
        let back = Events.ship("ORE-S", 100, from: Events.refiner, to: Events.miner, time: "2026-01-09T10:00:00+08:00")
        try fixture.accept([extract, out], as: "pilbara-mining")
        try fixture.accept([back], as: "sichuan-lithium")
        // Everything made is back with the miner, so the extraction may be declared in error.
        try fixture.accept([try declaredInError(extract), Events.extract("ORE-S", 50)], as: "pilbara-mining")
        #expect(try fixture.chain.lot("ORE-S")?.version == 2)

        // The shipments were of the first version: undoing them does not move the second.
        try fixture.accept([try declaredInError(back)], as: "sichuan-lithium")
        try fixture.accept([try declaredInError(out)], as: "pilbara-mining")
        let lot = try #require(try fixture.chain.lot("ORE-S"))
        #expect(lot.holdings.map(\.actor) == ["pilbara-mining"])
        #expect(lot.holdings.map(\.kg) == [ExactDecimal(50_000)])
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }
}
