import LedgerCore
import Testing

@testable import SupplyChain

@Suite("Binary index rows: lot cards and activity data read back exactly, and damaged rows do not read")
struct BinaryRecordTests {
    static var card: LotCard {
        var lot = Lot(
            id: "urn:test:lot:cam-1",
            material: "cam-nmc811",
            grade: "NMC811",
            elementContent: ["Li": ExactDecimal("0.0718")!, "Ni": ExactDecimal("0.4836")!],
            countryOfOrigin: "CN",
            facility: "urn:test:facility:cathode",
            createdBy: "ni:///sha-256;ab?ver=CBV2.0",
            createdAt: 17,
            eventTime: "2026-02-10T00:00:00.000Z",
            producedKg: ExactDecimal("70000")!,
            inputs: ["urn:test:lot:lioh", "urn:test:lot:pcam"]
        )
        lot.certifications = ["urn:test:cert:1"]
        lot.certifiedAt = ["urn:test:cert:1": 18]
        lot.retractedAt = 40
        return LotCard(
            lot: lot,
            inputs: [
                LineageEdge(
                    from: "urn:test:lot:lioh",
                    to: lot.id,
                    kg: ExactDecimal("-15000.123456789")!,
                    sequenceNumber: 17,
                    eventID: lot.createdBy
                ),
                LineageEdge(
                    from: "urn:test:lot:pcam",
                    to: lot.id,
                    kg: ExactDecimal("1e30")!,
                    sequenceNumber: 17,
                    eventID: lot.createdBy
                ),
            ]
        )
    }

    @Test func lotCardRoundTrip() throws {
        let card = Self.card
        let decoded = try #require(LotCard(encoded: card.encoded))
        #expect(decoded == card)
        #expect(decoded.inputs.map(\.kg.description) == ["-15000.123456789", "1000000000000000000000000000000"])
        #expect(decoded.retractedAt == 40 && decoded.certifications(asOf: 18).isEmpty)
        #expect(decoded.certifications(asOf: 19) == ["urn:test:cert:1"])
        let bytes = card.encoded
        #expect(LotCard(encoded: Array(bytes.dropLast())) == nil, "a truncated row does not read")
        #expect(LotCard(encoded: bytes + [0]) == nil, "trailing bytes do not read")
        #expect(LotCard(encoded: [2] + bytes.dropFirst()) == nil, "another version does not read")
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
                kWh: ExactDecimal("45000")!,
                supply: .ppa,
                statedFactor: ExactDecimal("0.02"),
                certificates: ["GO-1"]
            ),
            .init(kWh: ExactDecimal("1.5")!, supply: .grid, statedFactor: nil, certificates: []),
        ]
        process.fuels = [.init(name: "natural-gas", quantity: ExactDecimal("900000")!, unit: "MJ")]
        process.directKgCO2e = ExactDecimal("12.5")
        process.transport = [.init(mode: .sea, km: ExactDecimal("6200")!, tonnes: ExactDecimal("100")!)]
        process.prices = ["urn:test:lot:a": ExactDecimal("10")!, "urn:test:lot:b": ExactDecimal("0.12")!]
        process.currency = "USD"
        process.outputs = [.init(lot: "urn:test:lot:a", kg: ExactDecimal("400")!)]
        process.inputs = [.init(lot: "urn:test:lot:ore", kg: ExactDecimal("1000")!)]
        process.retractedAt = 0
        let decoded = try #require(ProcessData(encoded: process.encoded))
        #expect(decoded == process)
        #expect(ProcessData(encoded: Array(process.encoded.dropLast(3))) == nil)
    }
}
