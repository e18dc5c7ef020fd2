import Carbon
import Exports
import LedgerCore
import Provenance
import SupplyChain
import Testing

@Suite("PACT and passport exports of a generated mine-to-pack network: packs, defaults, every Annex X material")
struct GeneratedNetworkExportTests {
    static let pack = "urn:epc:id:giai:5991015.PACK-00001"

    @Test("a pack is one piece: its mass, the engine's market-based total, the pack maker as data owner")
    func packInPACT() throws {
        let network = try Network()
        let scope = try LineageScope.collect(Self.pack, chain: network.chain)
        #expect(scope.subject.kind == .assembly)
        let footprint = try PACTFootprint.make(scope: scope, chain: network.chain)
        let json = footprint.json(.v3)
        #expect(try schemaErrors(json, schema: PACTExportTests.v3Schema, component: "ProductFootprint") == [])
        #expect(
            try schemaErrors(footprint.json(.v2), schema: PACTExportTests.v2Schema, component: "ProductFootprint") == []
        )
        let pcf = try #require(json["pcf"])
        #expect(pcf["declaredUnitOfMeasurement"] == "piece")
        #expect(close(try #require(value(pcf["productMassPerDeclaredUnit"])), scope.subject.massKg))
        #expect(
            close(try #require(value(pcf["pcfExcludingBiogenicUptake"])), scope.footprint.total.total(.marketBased))
        )
        #expect(json["productIds"] == [.string(Self.pack)])
        // The ledger knows a pack's cells and assembly, not its housing or electronics: said, in
        // both versions, rather than "none".
        for version in [PACTFootprint.Version.v3, .v2] {
            let exempted = footprint.json(version)["pcf"]?["exemptedEmissionsDescription"]?.stringValue ?? ""
            #expect(exempted.contains("components other than the cells"), "\(version): \(exempted)")
        }
        #expect(json["comment"]?.stringValue?.contains("No emissions are exempted") == false)
        #expect(json["productDescription"]?.stringValue?.contains("its mass is its cells'") == true)
        let plant = try network.chain.read { reader, txn, _ in
            try reader.assembly(Self.pack, txn)?.facility.flatMap { try reader.facility($0, txn) }
        }
        let facility = try #require(plant)
        let maker = try #require(try network.chain.actor(facility.operatorID))
        #expect(json["companyName"] == .string(maker.name))
        #expect(pcf["geographyCountry"] == .string(facility.country))
    }

    @Test("a generated cell rests partly on material defaults: dqi above 1, factor sources named, share below 100")
    func defaultsLowerTheDataQuality() throws {
        let network = try Network()
        let scope = try LineageScope.collect(try network.firstSerial(), chain: network.chain)
        let json = try PACTFootprint.make(scope: scope, chain: network.chain).json(.v3)
        #expect(try schemaErrors(json, schema: PACTExportTests.v3Schema, component: "ProductFootprint") == [])
        let pcf = try #require(json["pcf"])
        #expect(!scope.footprint.dataGaps(.marketBased).isEmpty)
        #expect(try #require(value(pcf["dqi"]?["technologicalDQR"])) > 1)
        // v3 rates from 1 to 5, v2 from 1 to 3: the same inputs, the scale stretched.
        let v2 = try #require(PACTFootprint.make(scope: scope, chain: network.chain).json(.v2)["pcf"]?["dqi"])
        for key in ["technologicalDQR", "geographicalDQR", "temporalDQR"] {
            let rating3 = try #require(value(pcf["dqi"]?[key]))
            let rating2 = try #require(v2[key]?.doubleValue)
            #expect((1...5).contains(rating3) && (1...3).contains(rating2), "\(key)")
            #expect(close(rating3, 2 * rating2 - 1, 1e-2), "\(key): v3 \(rating3), v2 \(rating2)")
        }
        #expect(
            close(
                try #require(value(pcf["primaryDataShare"])),
                scope.footprint.primaryShare(.marketBased) * 100,
                1e-11
            )
        )
        #expect(try #require(value(pcf["primaryDataShare"])) < 100)
        #expect(pcf["secondaryEmissionFactorSources"]?.arrayValue?.isEmpty == false)
    }

    @Test("a pack's passport: both sections valid, lithium, nickel, cobalt and graphite traced to countries")
    func packPassport() throws {
        let network = try Network()
        let scope = try LineageScope.collect(Self.pack, chain: network.chain)
        let passport = try BatteryPassport.make(
            scope: scope,
            profile: .authority,
            options: PassportExportTests.configured,
            chain: network.chain
        )
        #expect(try schemaErrors(passport.carbonFootprint, schema: PassportExportTests.carbonSchema) == [])
        #expect(try schemaErrors(passport.supplyChainDueDiligence, schema: PassportExportTests.diligenceSchema) == [])
        #expect(
            close(
                try #require(passport.carbonFootprint["batteryCarbonFootprint"]?.doubleValue),
                try #require(scope.footprint.perLifetimeKWh(.euDraft))
            )
        )
        let origins = try #require(passport.celltrace["rawMaterialOrigins"]?.arrayValue)
        #expect(origins.compactMap { $0["element"]?.stringValue } == ["Li", "Ni", "Co", "graphite"])
        for element in origins {
            let shares = try #require(element["countries"]?.arrayValue).compactMap { $0["share"]?.doubleValue }
            #expect(close(shares.reduce(0, +), 1, 1e-4), "\(element["element"] ?? "?") shares sum to 1")
            #expect(element["origins"]?.arrayValue?.isEmpty == false)
        }
    }
}
