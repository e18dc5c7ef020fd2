import Carbon
import Exports
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

@Suite("PACT exports: valid against the published schemas, with the engine's numbers")
struct PACTExportTests {
    static let v3Schema = "pact/openapi-3.0.3.yaml"
    static let v2Schema = "pact/openapi-2.3.3.yaml"
    static let extensionSchema = "pact/celltrace-extension-1.1.0.schema.json"

    @Test("a cell in PACT v3: schema-valid, per piece, decimals as strings, market-based totals as computed by hand")
    func cellInVersion3() throws {
        let ledger = try SmallLedger()
        let scope = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        let footprint = try PACTFootprint.make(scope: scope, chain: ledger.chain)
        let json = footprint.json(.v3)
        #expect(try schemaErrors(json, schema: Self.v3Schema, component: "ProductFootprint") == [])
        let data = try #require(json["extensions"]?.arrayValue?.first?["data"])
        #expect(try schemaErrors(data, schema: Self.extensionSchema) == [])
        let pcf = try #require(json["pcf"])
        #expect(json["specVersion"] == "3.0.3")
        #expect(pcf["declaredUnitOfMeasurement"] == "piece")
        #expect(pcf["declaredUnitAmount"] == "1")
        #expect(pcf["productMassPerDeclaredUnit"] == "2")
        // Market-based: 3.34 raw material + 0.175 production (SmallLedger's table).
        #expect(pcf["pcfExcludingBiogenicUptake"] == "3.515")
        #expect(pcf["pcfIncludingBiogenicUptake"] == "3.515")
        #expect(pcf["fossilGhgEmissions"] == "3.515")
        #expect(
            close(try #require(value(pcf["pcfExcludingBiogenicUptake"])), scope.footprint.total.total(.marketBased))
        )
        #expect(pcf["primaryDataShare"] == "100")
        #expect(pcf["dqi"] == ["technologicalDQR": "1", "geographicalDQR": "1", "temporalDQR": "1"])
        #expect(pcf["referencePeriodStart"] == "2026-01-01T00:00:00Z")
        #expect(pcf["referencePeriodEnd"] == "2026-01-05T00:00:00Z")
        #expect(pcf["geographyCountry"] == "HU")
        #expect(json["created"] == "2026-01-05T08:00:00Z")
        #expect(json["companyIds"] == ["urn:celltrace:actor:maker", "urn:epc:id:pgln:5991234.00000"])
        #expect(json["productIds"] == [.string(SmallLedger.cell), .string(SmallLedger.cells)])
        #expect(
            pcf["secondaryEmissionFactorSources"] == [
                ["name": "hand-made for the tests", "version": "test-factors@1 (2025 figures)"]
            ]
        )
        // The extension: every method and stage per piece, per usable and per lifetime kWh.
        let figures = try #require(data["kgCO2e"])
        for method in ElectricityMethod.allCases {
            for stage in LifeCycleStage.allCases {
                #expect(
                    close(
                        try #require(value(figures["perProduct"]?[method.rawValue]?[stage.rawValue])),
                        scope.footprint.total[method, stage],
                        1e-11
                    )
                )
                #expect(
                    close(
                        try #require(value(figures["perLifetimeKWh"]?[method.rawValue]?[stage.rawValue])),
                        scope.footprint.total[method, stage] / 216,
                        1e-11
                    )
                )
            }
            #expect(
                close(
                    try #require(value(figures["perUsableKWh"]?[method.rawValue]?["total"])),
                    try #require(scope.footprint.perUsableKWh(method)),
                    1e-11
                )
            )
        }
        #expect(figures["perProduct"]?["location-based"]?["total"] == "1.14")
        #expect(figures["perProduct"]?["eu-draft"]?["total"] == "3.19")
        #expect(data["ledger"]?["size"] == .string(String(scope.size)))
        #expect(data["ledger"]?["rootHash"] == .string(try ledger.chain.ledger.rootHash(atSize: scope.size).base64))
        try expectGolden(try ledger.masked(ExportEncoding.pretty(json)), "pact-3.0.3-cell.json")
    }

    @Test("a cell in PACT v2.3: schema-valid, per kilogram with the cell's mass as unitaryProductAmount")
    func cellInVersion2() throws {
        let ledger = try SmallLedger()
        let scope = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        let json = try PACTFootprint.make(scope: scope, chain: ledger.chain).json(.v2)
        #expect(try schemaErrors(json, schema: Self.v2Schema, component: "ProductFootprint") == [])
        let pcf = try #require(json["pcf"])
        #expect(json["specVersion"] == "2.3.3")
        #expect(json["productCategoryCpc"] == "46420")
        #expect(pcf["declaredUnit"] == "kilogram")
        #expect(pcf["unitaryProductAmount"] == "2")
        #expect(pcf["productMassPerDeclaredUnit"] == "1")
        #expect(pcf["pCfExcludingBiogenic"] == "1.7575")
        #expect(close(try #require(value(pcf["pCfExcludingBiogenic"])), scope.footprint.total.total(.marketBased) / 2))
        #expect(pcf["primaryDataShare"] == .number(100))
        try expectGolden(try ledger.masked(ExportEncoding.pretty(json)), "pact-2.3.3-cell.json")
    }

    @Test("PACT v2.3's rule: a reference period including 2025 or later needs primaryDataShare and a full dqi")
    func version2RequiredFieldRules() throws {
        let ledger = try SmallLedger()
        for subject in [SmallLedger.cell, SmallLedger.cells, SmallLedger.oreB] {
            let scope = try LineageScope.collect(subject, chain: ledger.chain)
            var footprint = try PACTFootprint.make(scope: scope, chain: ledger.chain)
            footprint.cpc = footprint.cpc ?? "34230"
            let pcf = try #require(footprint.json(.v2)["pcf"])
            let end = try #require(pcf["referencePeriodEnd"]?.stringValue.flatMap(PointInTime.time))
            let start2025 = try #require(PointInTime.time("2025-01-01T00:00:00Z"))
            #expect(end > start2025)
            let share = try #require(pcf["primaryDataShare"]?.doubleValue, "primaryDataShare for \(subject)")
            #expect((0...100).contains(share))
            let dqi = try #require(pcf["dqi"]?.objectValue, "dqi for \(subject)")
            #expect(
                Set(dqi.keys) == [
                    "coveragePercent", "technologicalDQR", "temporalDQR", "geographicalDQR", "completenessDQR",
                    "reliabilityDQR",
                ]
            )
            for (key, rating) in dqi where key != "coveragePercent" {
                #expect((1...3).contains(try #require(rating.doubleValue)), "\(key) of \(subject)")
            }
            #expect(try schemaErrors(footprint.json(.v2), schema: Self.v2Schema, component: "ProductFootprint") == [])
        }
    }

    @Test("a lot is declared per kilogram, in both versions; PACT v2 needs its CPC code given")
    func lotPerKilogram() throws {
        let ledger = try SmallLedger()
        let scope = try LineageScope.collect(SmallLedger.cells, chain: ledger.chain)
        let footprint = try PACTFootprint.make(scope: scope, chain: ledger.chain)
        #expect(footprint.product == .bulk)
        #expect(footprint.cpc == nil, "no default CPC for a material: the CLI asks for --cpc")
        let json = footprint.json(.v3)
        #expect(try schemaErrors(json, schema: Self.v3Schema, component: "ProductFootprint") == [])
        let pcf = try #require(json["pcf"])
        #expect(pcf["declaredUnitOfMeasurement"] == "kilogram")
        #expect(pcf["declaredUnitAmount"] == "1")
        #expect(pcf["productMassPerDeclaredUnit"] == "1")
        // 703 kg CO2e market-based for the 400 kg lot.
        #expect(pcf["pcfExcludingBiogenicUptake"] == "1.7575")
        #expect(
            close(
                try #require(value(pcf["pcfExcludingBiogenicUptake"])),
                scope.footprint.total.total(.marketBased) / 400
            )
        )
        #expect(json["productNameCompany"] == "cell")
        try expectGolden(try ledger.masked(ExportEncoding.pretty(json)), "pact-3.0.3-lot.json")
    }

    @Test("a footprint whose data attestations cover whole carries PACT's verification; a partial one only its share")
    func verification() throws {
        let ledger = try SmallLedger()
        let auditor = Ed25519PrivateKey()
        try ledger.registerVerifier(auditor)
        func attest(_ entries: [ClosedRange<UInt64>], _ level: AssuranceLevel) throws -> UInt64 {
            try ledger.attest(entries, level, key: auditor)
        }
        func export() throws -> PACTFootprint {
            try PACTFootprint.make(
                scope: try LineageScope.collect(SmallLedger.cell, chain: ledger.chain),
                chain: ledger.chain
            )
        }
        // The mine's and refinery's events and the table only: part of the figure, no verification.
        let first = try attest([5...5, 8...10], .reasonable)
        var footprint = try export()
        #expect(footprint.attestationsRelied == [first], "the partial share rests on it, for a withdrawal's note")
        var json = footprint.json(.v3)
        #expect(json["pcf"]?["verification"] == nil)
        var data = try #require(json["extensions"]?.arrayValue?.first?["data"])
        #expect(try schemaErrors(data, schema: Self.extensionSchema) == [])
        let partial = try #require(value(data["verifiedSharePercent"]?["market-based"]))
        #expect(partial > 0 && partial < 100)
        #expect(data["verification"] == nil)
        // The cell line and the commissioning too, at limited assurance: the whole footprint.
        let last = try attest([11...12], .limited)
        footprint = try export()
        json = footprint.json(.v3)
        #expect(try schemaErrors(json, schema: Self.v3Schema, component: "ProductFootprint") == [])
        #expect(
            json["pcf"]?["verification"] == [
                "coverage": "product level", "providerName": "Verification Body GmbH",
                "completedAt": "2026-11-30T00:00:00Z", "standardName": "ISO 14067:2018",
                "comments": .string(
                    "limited assurance; the activity data and emission factors of every contribution to the market-based total are attested by verifiers' signed statements in ledger \(SmallLedger.origin) (entries #\(last - 1), #\(last))"
                ),
            ]
        )
        data = try #require(json["extensions"]?.arrayValue?.first?["data"])
        #expect(try schemaErrors(data, schema: Self.extensionSchema) == [])
        #expect(data["verifiedSharePercent"]?["market-based"] == "100")
        #expect(data["verification"]?["level"] == "limited")
        #expect(data["verification"]?["attestationEntries"] == [.string(String(last - 1)), .string(String(last))])
        let v2 = footprint.json(.v2)
        #expect(try schemaErrors(v2, schema: Self.v2Schema, component: "ProductFootprint") == [])
        #expect(v2["pcf"]?["assurance"]?["assurance"] == true)
        #expect(v2["pcf"]?["assurance"]?["level"] == "limited")
        #expect(v2["pcf"]?["assurance"]?["boundary"] == "Cradle-to-Gate")
        // The declaration of the model's cells is verified the same way.
        let declaration = try PACTFootprint.declaration(
            model: "X",
            plant: SmallLedger.cellPlant,
            from: try #require(PointInTime.time("2026-01-01")),
            to: try #require(PointInTime.time("2026-01-31")),
            chain: ledger.chain
        )
        #expect(declaration.verification?.level == .limited)
        #expect(declaration.verifiedShare[.locationBased] == 1)
    }

    @Test("a declaration is its average cell, with the declaration's per-lifetime-kWh figures in the extension")
    func declaration() throws {
        let ledger = try SmallLedger()
        let from = try #require(PointInTime.time("2026-01-01"))
        let to = Timestamp(
            millisecondsSinceEpoch: try #require(PointInTime.time("2026-01-31")).millisecondsSinceEpoch + 86_399_999
        )
        let footprint = try PACTFootprint.declaration(
            model: "X",
            plant: SmallLedger.cellPlant,
            from: from,
            to: to,
            chain: ledger.chain
        )
        let json = footprint.json(.v3)
        #expect(try schemaErrors(json, schema: Self.v3Schema, component: "ProductFootprint") == [])
        #expect(try schemaErrors(footprint.json(.v2), schema: Self.v2Schema, component: "ProductFootprint") == [])
        let pcf = try #require(json["pcf"])
        #expect(pcf["declaredUnitOfMeasurement"] == "piece")
        #expect(pcf["productMassPerDeclaredUnit"] == "2")
        #expect(pcf["pcfExcludingBiogenicUptake"] == "3.515")
        #expect(pcf["referencePeriodStart"] == "2026-01-01T00:00:00Z")
        #expect(pcf["referencePeriodEnd"] == "2026-02-01T00:00:00Z")
        let declaration = try ledger.chain.read { reader, txn, size in
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            return try Declaration.compute(
                model: "X",
                plant: SmallLedger.cellPlant,
                from: from,
                to: to,
                engine: &engine,
                reader: reader,
                txn
            )
        }
        let lifetime = try #require(json["extensions"]?.arrayValue?.first?["data"]?["kgCO2e"]?["perLifetimeKWh"])
        for method in ElectricityMethod.allCases {
            #expect(
                close(
                    try #require(value(lifetime[method.rawValue]?["total"])),
                    declaration.perLifetimeKWh.total(method)
                )
            )
        }
        #expect(close(try #require(value(lifetime["eu-draft"]?["total"])), 3.19 / 216))
        try expectGolden(try ledger.masked(ExportEncoding.pretty(json)), "pact-3.0.3-declaration.json")
    }

    @Test(
        "the same subject at the same size gives the same bytes and id; a later size the same id while the figures stay, a new one when they change"
    )
    func reexportsMatch() throws {
        let ledger = try SmallLedger()
        func export(_ point: PointInTime?) throws -> JSONValue {
            let scope = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain, asOf: point)
            return try PACTFootprint.make(scope: scope, chain: ledger.chain).json(.v3)
        }
        let first = try export(nil)
        let size = try ledger.chain.ledger.size
        #expect(ExportEncoding.pretty(try export(nil)) == ExportEncoding.pretty(first))
        try ledger.chain.recordDisclosure(
            Disclosure(
                recipient: "r",
                profile: "public",
                format: "pact-3.0.3",
                subject: SmallLedger.cell,
                asOfSize: size,
                sha256: String(repeating: "0", count: 64),
                byteCount: 1
            )
        )
        // A later size with the same figures keeps the id (PACT: a change to the footprint makes a
        // new one, nothing else does); a new residual mix at the cell plant changes the
        // market-based figures, and so the id.
        let later = try export(nil)
        #expect(later["id"] == first["id"])
        #expect(later["created"] != first["created"] || later["comment"] != first["comment"])
        try ledger.chain.recordFactorTable([
            "id": "test-factors-2027", "version": 1, "source": "hand-made for the tests", "year": 2026,
            "factors": [
                ["category": "grid", "geography": "HU", "basis": "residual-mix", "value": "0.1", "unit": "kgCO2e/kWh"]
            ],
        ])
        let changed = try export(nil)
        #expect(changed["pcf"]?["pcfExcludingBiogenicUptake"] != first["pcf"]?["pcfExcludingBiogenicUptake"])
        #expect(changed["id"] != first["id"])
        let again = try export(.size(size))
        #expect(ExportEncoding.pretty(again) == ExportEncoding.pretty(first))
        #expect(first["id"]?.stringValue?.count == 36)
        #expect(first["id"]?.stringValue?.dropFirst(14).first == "8", "a version-8 UUID")
    }

    @Test("the schemas catch what the exports avoid: a v3 decimal as a number, a piece in v2.3, a bad id")
    func schemasAreNotVacuous() throws {
        let ledger = try SmallLedger()
        let scope = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        let footprint = try PACTFootprint.make(scope: scope, chain: ledger.chain)
        func replacing(_ json: JSONValue, _ path: [String], with value: JSONValue) -> JSONValue {
            guard let key = path.first, case .object(var members) = json else { return value }
            members[key] = replacing(members[key] ?? .null, Array(path.dropFirst()), with: value)
            return .object(members)
        }
        let numeric = replacing(footprint.json(.v3), ["pcf", "pcfExcludingBiogenicUptake"], with: .number(3.515))
        #expect(try !schemaErrors(numeric, schema: Self.v3Schema, component: "ProductFootprint").isEmpty)
        let piece = replacing(footprint.json(.v2), ["pcf", "declaredUnit"], with: "piece")
        #expect(try !schemaErrors(piece, schema: Self.v2Schema, component: "ProductFootprint").isEmpty)
        let badID = replacing(footprint.json(.v3), ["id"], with: "not-a-uuid")
        #expect(try !schemaErrors(badID, schema: Self.v3Schema, component: "ProductFootprint").isEmpty)
    }

    @Test(
        "decimals are plain, rounded to twelve significant digits, without binary noise",
        arguments: [
            (1.0800000000000003, "1.08"), (0.005, "0.005"), (1e-7, "0.0000001"), (-2.5, "-2.5"),
            (1_234_567.891, "1234567.891"), (0, "0"), (3.515, "3.515"), (2.0 / 3, "0.666666666667"),
            (1e21, "1000000000000000000000"),
        ]
    )
    func decimals(value: Double, text: String) {
        #expect(ExportEncoding.decimal(value) == text)
    }
}
