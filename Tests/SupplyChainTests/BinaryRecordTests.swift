import LedgerCore
import Testing

@testable import SupplyChain

@Suite("Binary index rows: lot cards and activity data read back exactly, and damaged rows do not read")
struct BinaryRecordTests {
    static func decimal(_ text: String) throws -> ExactDecimal { try #require(ExactDecimal(text)) }

    static func card() throws -> LotCard {
        let lot = Lot(
            id: "urn:test:lot:cam-1",
            material: "cam-nmc811",
            grade: "NMC811",
            elementContent: ["Li": try Self.decimal("0.0718"), "Ni": try Self.decimal("0.4836")],
            countryOfOrigin: "CN",
            facility: "urn:test:facility:cathode",
            createdBy: "ni:///sha-256;ab?ver=CBV2.0",
            createdAt: 17,
            eventTime: "2026-02-10T00:00:00.000Z",
            producedKg: try Self.decimal("70000"),
            inputs: ["urn:test:lot:lioh", "urn:test:lot:pcam"]
        )
        var card = LotCard(
            lot: lot,
            inputs: [
                LineageEdge(
                    from: "urn:test:lot:lioh",
                    to: lot.id,
                    kg: try Self.decimal("-15000.123456789"),
                    sequenceNumber: 17,
                    eventID: lot.createdBy
                ),
                LineageEdge(
                    from: "urn:test:lot:pcam",
                    to: lot.id,
                    kg: try Self.decimal("1e30"),
                    sequenceNumber: 17,
                    eventID: lot.createdBy
                ),
            ],
            inputNumbers: [3, 1 << 40]
        )
        card.certifications = [("urn:test:cert:1", 18)]
        card.retractedAt = 40
        return card
    }

    @Test func madeLotEncodesAsTheCardBuiltFromIt() throws {
        let card = try Self.card()
        let lot = Lot(
            id: card.id,
            material: card.material,
            grade: card.grade,
            elementContent: card.elementContent,
            countryOfOrigin: card.countryOfOrigin,
            facility: card.facility,
            createdBy: card.createdBy,
            createdAt: card.createdAt,
            eventTime: card.eventTime,
            producedKg: card.producedKg,
            inputs: card.inputs.map(\.from)
        )
        let built = LotCard(lot: lot, inputs: card.inputs, inputNumbers: card.inputNumbers)
        #expect(LotCard.encoded(madeOf: lot, inputs: card.inputs, inputNumbers: card.inputNumbers) == built.encoded)
        #expect(
            LotCard.encoded(madeOf: lot, inputs: [], inputNumbers: [])
                == LotCard(lot: lot, inputs: [], inputNumbers: []).encoded
        )
    }

    @Test func lotCardRoundTrip() throws {
        let card = try Self.card()
        let decoded = try #require(LotCard(encoded: card.encoded))
        #expect(decoded == card)
        #expect(decoded.inputs.map(\.kg.description) == ["-15000.123456789", "1000000000000000000000000000000"])
        #expect(decoded.inputNumbers == [3, 1 << 40])
        #expect(decoded.retractedAt == 40 && decoded.certifications(asOf: 18).isEmpty)
        #expect(decoded.certifications(asOf: 19) == ["urn:test:cert:1"])
        let bytes = card.encoded
        #expect(LotCard(encoded: Array(bytes.dropLast())) == nil, "a truncated row does not read")
        #expect(LotCard(encoded: bytes + [0]) == nil, "trailing bytes do not read")
        #expect(LotCard(encoded: [1] + bytes.dropFirst()) == nil, "another version does not read")
    }

    /// A card with certificates declared in error is written in version 3 and reads back; one
    /// without any is written in version 2, as before index layout 22.
    @Test func lotCardKeepsCertificatesDeclaredInErrorInVersion3() throws {
        var card = try Self.card()
        #expect(card.encoded.first == 2)
        card.certifications = [("urn:test:cert:a", 18), ("urn:test:cert:c", 30)]
        card.retractedCertifications = [("urn:test:cert:b", 20, 35), ("urn:test:cert:d", 32, 33)]
        let bytes = card.encoded
        #expect(bytes.first == 3)
        let decoded = try #require(LotCard(encoded: bytes))
        #expect(decoded == card)
        #expect(decoded.retractedCertifications.map(\.certificate) == ["urn:test:cert:b", "urn:test:cert:d"])
        #expect(decoded.retractedCertifications.map(\.retractedAt) == [35, 33])
        #expect(LotCard(encoded: Array(bytes.dropLast())) == nil, "a truncated row does not read")
        #expect(LotCard(encoded: bytes + [0]) == nil, "trailing bytes do not read")
        #expect(LotCard(encoded: [2] + bytes.dropFirst()) == nil, "version 2 has no retracted list")
        // As of each size: those recorded before it and not declared in error before it, in the
        // order recorded.
        let asOf: [(UInt64, [String])] = [
            (18, []), (19, ["a"]), (21, ["a", "b"]), (31, ["a", "b", "c"]), (33, ["a", "b", "c", "d"]),
            (34, ["a", "b", "c"]), (36, ["a", "c"]),
        ]
        for (size, expected) in asOf {
            #expect(decoded.certifications(asOf: size) == expected.map { "urn:test:cert:" + $0 }, "as of \(size)")
        }
        card.retractedCertifications = []
        #expect(card.encoded.first == 2)
    }

    /// A refinery's process record: every kind of activity data, an output and an input.
    static func refining(eventID: String) throws -> ProcessData {
        var process = ProcessData(eventID: eventID, sequenceNumber: 9, eventType: "TransformationEvent")
        process.facility = "urn:test:facility:refinery"
        process.stage = .rawMaterialAcquisition
        process.dataQuality = "secondary"
        process.electricity = [
            .init(
                kWh: try decimal("45000"),
                supply: .ppa,
                statedFactor: try decimal("0.02"),
                certificates: ["GO-1"]
            ),
            .init(kWh: try decimal("1.5"), supply: .grid, statedFactor: nil, certificates: []),
        ]
        process.fuels = [.init(name: "natural-gas", quantity: try decimal("900000"), unit: "MJ")]
        process.directKgCO2e = try decimal("12.5")
        process.transport = [.init(mode: .sea, km: try decimal("6200"), tonnes: try decimal("100"))]
        process.prices = ["urn:test:lot:a": try decimal("10"), "urn:test:lot:b": try decimal("0.12")]
        process.currency = "USD"
        process.outputs = [.init(lot: "urn:test:lot:a", kg: try decimal("400"))]
        process.inputs = [.init(lot: "urn:test:lot:ore", kg: try decimal("1000"))]
        return process
    }

    @Test func processRoundTrip() throws {
        var process = try Self.refining(eventID: "ni:///sha-256;cd?ver=CBV2.0")
        process.retractedAt = 0
        let decoded = try #require(ProcessData(encoded: process.encoded))
        #expect(decoded == process)
        #expect(ProcessData(encoded: Array(process.encoded.dropLast(3))) == nil)
    }

    @Test("an event's activity members, read ahead of the rules, give the process row they always gave")
    func processRowOfAReadEvent() throws {
        let json: JSONValue = [
            "type": "TransformationEvent", "eventTime": "2026-02-01T10:00:00.000+08:00",
            "eventTimeZoneOffset": "+08:00", "bizLocation": ["id": "urn:test:facility:refinery"],
            "inputQuantityList": [["epcClass": "urn:test:lot:ore", "quantity": 1, "uom": "TNE"]],
            "outputQuantityList": [
                ["epcClass": "urn:test:lot:a", "quantity": 400, "uom": "KGM"],
                ["epcClass": "urn:test:lot:b", "quantity": 100, "uom": "KGM"],
            ],
            "ct:lifeCycleStage": "raw-material-acquisition", "ct:dataQuality": "secondary",
            "ct:electricity": [
                ["quantity": 45, "uom": "MWH", "supply": "ppa", "kgCO2ePerKWh": "0.02", "certificates": ["GO-1"]],
                ["quantity": 1.5, "uom": "KWH", "supply": "grid"],
            ],
            "ct:fuels": [["fuel": "natural-gas", "quantity": 900_000, "uom": "3B"]],
            "ct:directEmissions": ["kgCO2e": 12.5],
            "ct:transport": [["mode": "sea", "distance": 6200, "distanceUom": "KMT", "mass": 100, "massUom": "TNE"]],
            "ct:coProductPrices": [
                ["epcClass": "urn:test:lot:a", "pricePerKg": 10, "currency": "USD"],
                ["epcClass": "urn:test:lot:b", "pricePerKg": "0.12", "currency": "USD"],
            ],
        ]
        let sink = ProblemSink()
        let event = try #require(
            EPCISEvent.read(json, index: 0, namespaces: SubmissionDocument.baseNamespaces, sink: sink)
        )
        #expect(sink.isEmpty, "\(sink.problems)")
        let activity = EventActivity(event)
        // No problem; the certificate is left for the rules to check against the ledger.
        #expect(activity.checks.count == 1)
        guard case .certificate(let path, let id)? = activity.checks.first else {
            Issue.record("\(activity.checks)")
            return
        }
        #expect(path == "/ct:electricity/0/certificates/0" && id == "GO-1")
        #expect(activity.hasActivityData)
        var effects = EventEffects()
        effects.created = ["urn:test:lot:a"]
        effects.consumed = [("urn:test:lot:ore", "refiner", try Self.decimal("1000"))]
        let row = ProcessData.encoded(
            event: event,
            activity: activity,
            sequence: 9,
            facility: nil,
            effects: effects
        )

        let expected = try Self.refining(eventID: event.eventID)
        #expect(ProcessData(encoded: row) == expected)
        #expect(row == expected.encoded, "the same bytes as the record's own row")
    }
}
