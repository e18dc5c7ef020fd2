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

    @Test func processRoundTrip() throws {
        var process = ProcessData(
            eventID: "ni:///sha-256;cd?ver=CBV2.0",
            sequenceNumber: 9,
            eventType: "TransformationEvent"
        )
        process.facility = "urn:test:facility:refinery"
        process.stage = .rawMaterialAcquisition
        process.dataQuality = "secondary"
        process.electricity = [
            .init(
                kWh: try Self.decimal("45000"),
                supply: .ppa,
                statedFactor: try Self.decimal("0.02"),
                certificates: ["GO-1"]
            ),
            .init(kWh: try Self.decimal("1.5"), supply: .grid, statedFactor: nil, certificates: []),
        ]
        process.fuels = [.init(name: "natural-gas", quantity: try Self.decimal("900000"), unit: "MJ")]
        process.directKgCO2e = try Self.decimal("12.5")
        process.transport = [.init(mode: .sea, km: try Self.decimal("6200"), tonnes: try Self.decimal("100"))]
        process.prices = ["urn:test:lot:a": try Self.decimal("10"), "urn:test:lot:b": try Self.decimal("0.12")]
        process.currency = "USD"
        process.outputs = [.init(lot: "urn:test:lot:a", kg: try Self.decimal("400"))]
        process.inputs = [.init(lot: "urn:test:lot:ore", kg: try Self.decimal("1000"))]
        process.retractedAt = 0
        let decoded = try #require(ProcessData(encoded: process.encoded))
        #expect(decoded == process)
        #expect(ProcessData(encoded: Array(process.encoded.dropLast(3))) == nil)
    }
}
