import Carbon
import Exports
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

@Suite("Battery passport exports: Battery Pass v1.2.0 sections by access tier")
struct PassportExportTests {
    static let carbonSchema = "passport/CarbonFootprintForBatteries-schema.json"
    static let diligenceSchema = "passport/SupplyChainDueDiligence-schema.json"

    static let configured = BatteryPassport.Options(
        performanceClass: "B",
        study: "https://example.com/cf-study-x.pdf",
        dueDiligenceReport: "https://example.com/due-diligence-2026.pdf",
        thirdPartyAssurances: "https://example.com/assurances",
        supplyChainIndices: 72
    )

    func passport(
        _ profile: DisclosureProfile,
        _ options: BatteryPassport.Options = Self.configured
    ) throws -> (BatteryPassport, LineageScope, SmallLedger) {
        let ledger = try SmallLedger()
        let scope = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        return (
            try BatteryPassport.make(scope: scope, profile: profile, options: options, chain: ledger.chain), scope,
            ledger
        )
    }

    @Test(
        "with the declaration's period, the figures are the model's declared ones at its plant; a battery outside the period is refused; without it a note says the figures are the battery's own"
    )
    func declaredFigure() throws {
        let ledger = try SmallLedger()
        let scope = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        func period(_ from: String, _ to: String) throws -> ClosedRange<Timestamp> {
            try #require(PointInTime.time(from))...(try #require(PointInTime.time(to)))
        }
        var options = Self.configured
        options.declarationPeriod = try period("2026-01-01", "2026-12-31")
        let declared = try BatteryPassport.make(scope: scope, profile: .public, options: options, chain: ledger.chain)
        // The declaration's average cell, as `export pact --model --plant --from --to` states it.
        let declaration = try PACTFootprint.declaration(
            model: "X",
            plant: SmallLedger.cellPlant,
            from: try #require(PointInTime.time("2026-01-01")),
            to: try #require(PointInTime.time("2026-12-31")),
            chain: ledger.chain
        )
        #expect(
            close(
                try #require(declared.carbonFootprint["batteryCarbonFootprint"]?.doubleValue),
                try #require(declaration.perLifetimeKWh).total(.euDraft)
            )
        )
        #expect(declared.celltrace["carbonFootprintBasis"]?["kind"] == "declaration")
        #expect(declared.celltrace["carbonFootprintBasis"]?["plant"] == .string(SmallLedger.cellPlant))
        #expect(!declared.notes.contains { $0.hasPrefix("carbonFootprint:") })
        // Distribution and end of life read 0 with a note each, declared or not.
        #expect(declared.notes.filter { $0.contains("0 is not a measured value") }.count == 2)

        options.declarationPeriod = try period("2027-01-01", "2027-12-31")
        let outside = #expect(throws: (any Error).self) {
            try BatteryPassport.make(scope: scope, profile: .public, options: options, chain: ledger.chain)
        }
        #expect("\(outside.map { "\($0)" } ?? "")".contains("2027-01-01"), "\(String(describing: outside))")
        let own = try BatteryPassport.make(
            scope: scope,
            profile: .public,
            options: Self.configured,
            chain: ledger.chain
        )
        #expect(own.celltrace["carbonFootprintBasis"]?["kind"] == "battery")
        #expect(own.notes.contains { $0.hasPrefix("carbonFootprint: the figures are this battery's own") })
    }

    @Test("both sections validate; the figures are the engine's per lifetime kWh under the draft EU rule")
    func sectionsValidate() throws {
        let (passport, scope, ledger) = try passport(.authority)
        #expect(try schemaErrors(passport.carbonFootprint, schema: Self.carbonSchema) == [])
        #expect(try schemaErrors(passport.supplyChainDueDiligence, schema: Self.diligenceSchema) == [])
        #expect(passport.missing.isEmpty)
        let carbon = passport.carbonFootprint
        let lifetime = try #require(scope.footprint.lifetimeKWh)
        #expect(lifetime == 216)
        #expect(close(try #require(carbon["batteryCarbonFootprint"]?.doubleValue), 3.19 / 216))
        #expect(
            close(
                try #require(carbon["batteryCarbonFootprint"]?.doubleValue),
                try #require(scope.footprint.perLifetimeKWh(.euDraft))
            )
        )
        #expect(carbon["absoluteCarbonFootprint"] == .number(3.19))
        let stages = try #require(carbon["carbonFootprintPerLifecycleStage"]?.arrayValue)
        #expect(
            stages.compactMap { $0["lifecycleStage"]?.stringValue } == [
                "RawMaterialExtraction", "MainProduction", "Distribution", "Recycling",
            ]
        )
        let expected: [LifeCycleStage] = [.rawMaterialAcquisition, .mainProduction, .distribution, .endOfLife]
        for (entry, stage) in zip(stages, expected) {
            #expect(
                close(
                    try #require(entry["carbonFootprint"]?.doubleValue),
                    scope.footprint.total[.euDraft, stage] / lifetime
                )
            )
        }
        #expect(close(try #require(stages[0]["carbonFootprint"]?.doubleValue), 2.94 / 216))
        #expect(carbon["carbonFootprintPerformanceClass"] == "B")
        #expect(passport.supplyChainDueDiligence["thirdPartyAussurances"] == "https://example.com/assurances")
        #expect(passport.supplyChainDueDiligence["supplyChainIndicies"] == .number(72))
        try expectGolden(try ledger.masked(ExportEncoding.pretty(passport.json)), "passport-authority.json")
    }

    @Test("the performance class is never invented: left out, named as missing, the only schema error")
    func performanceClassOnlyWhenGiven() throws {
        var options = Self.configured
        options.performanceClass = nil
        let (passport, _, _) = try passport(.public, options)
        #expect(passport.carbonFootprint["carbonFootprintPerformanceClass"] == nil)
        #expect(passport.missing.map(\.field) == ["carbonFootprintPerformanceClass"])
        let errors = try schemaErrors(passport.carbonFootprint, schema: Self.carbonSchema)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("'carbonFootprintPerformanceClass' is a required property") == true)
        #expect(try schemaErrors(passport.supplyChainDueDiligence, schema: Self.diligenceSchema) == [])
    }

    @Test("public sees the sections only; legitimate interest adds origins by country; authorities the suppliers")
    func profilesOpenTheirTiers() throws {
        let (open, _, ledger) = try passport(.public)
        #expect(open.celltrace["rawMaterialOrigins"] == nil)
        let publicText = String(decoding: ExportEncoding.pretty(open.json), as: UTF8.self)
        for secret in [SmallLedger.mineA, SmallLedger.mineB, "Maker Cells", SmallLedger.oreA, "AU", "CL"] {
            #expect(!publicText.contains("\"\(secret)\""), "\(secret) in the public passport")
        }
        try expectGolden(try ledger.masked(ExportEncoding.pretty(open.json)), "passport-public.json")

        let (customer, _, _) = try passport(.legitimateInterest)
        let lithium = try #require(customer.celltrace["rawMaterialOrigins"]?.arrayValue?.first)
        #expect(lithium["element"] == "Li")
        #expect(lithium["kg"] == nil, "the cell lot declares no lithium content")
        #expect(lithium["sharesFollowMass"] == true)
        #expect(lithium["countries"] == [["country": "AU", "share": 0.8], ["country": "CL", "share": 0.2]])
        #expect(lithium["flaggedShare"] == .number(0.2))
        #expect(lithium["flaggedSources"] == [["country": "CL", "share": 0.2, "flags": ["high-risk"]]])
        #expect(lithium["certifications"] == ["urn:test:cert:irma-a"])
        #expect(lithium["origins"] == nil)
        let customerText = String(decoding: ExportEncoding.pretty(customer.json), as: UTF8.self)
        for secret in [SmallLedger.mineA, SmallLedger.mineB, "Maker Cells", SmallLedger.oreA] {
            #expect(!customerText.contains(secret), "\(secret) in a legitimate-interest passport")
        }

        for profile in [DisclosureProfile.authority, .auditor] {
            let (authority, _, _) = try passport(profile)
            let origins = try #require(
                authority.celltrace["rawMaterialOrigins"]?.arrayValue?.first?["origins"]?.arrayValue
            )
            #expect(origins.compactMap { $0["facility"]?.stringValue } == [SmallLedger.mineA, SmallLedger.mineB])
            #expect(origins.compactMap { $0["operatorName"]?.stringValue } == ["Maker Cells Kft.", "Maker Cells Kft."])
            #expect(origins.last?["riskFlags"] == ["high-risk"])
        }
    }

    @Test("a lot has no passport, a cell without a battery model has no lifetime figure, and links must be URLs")
    func refusals() throws {
        let ledger = try SmallLedger()
        let lot = try LineageScope.collect(SmallLedger.cells, chain: ledger.chain)
        #expect(throws: ExportError(code: .unsupportedSubject, message: "")) {
            try BatteryPassport.make(scope: lot, profile: .public, options: Self.configured, chain: ledger.chain)
        }
        let cell = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        var options = Self.configured
        options.study = "cf-study.pdf"
        #expect(throws: ExportError(code: .invalidOption, message: "")) {
            try BatteryPassport.make(scope: cell, profile: .public, options: options, chain: ledger.chain)
        }
        let unmodelled = try SmallLedger(model: false)
        let bare = try LineageScope.collect(SmallLedger.cell, chain: unmodelled.chain)
        #expect(throws: ExportError(code: .missingData, message: "")) {
            try BatteryPassport.make(scope: bare, profile: .public, options: Self.configured, chain: unmodelled.chain)
        }
    }

    @Test("a performance class is a short label: blank, spaced or a sentence is refused, naming the option")
    func performanceClassIsALabel() throws {
        let ledger = try SmallLedger()
        let cell = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        var options = Self.configured
        for refused in ["", "  ", "A ", "class A because we say so", "A\n", "Ä", "ABCDEFGHI"] {
            options.performanceClass = refused
            let error = #expect(throws: ExportError.self) {
                try BatteryPassport.make(scope: cell, profile: .public, options: options, chain: ledger.chain)
            }
            #expect(error?.code == .invalidOption, "\(refused.debugDescription)")
            #expect(error?.message.hasPrefix("--performance-class \"\(refused)\": give the class") == true)
        }
        for accepted in ["A", "B+", "c-2", "ABCDEFGH"] {
            options.performanceClass = accepted
            let passport = try BatteryPassport.make(
                scope: cell,
                profile: .public,
                options: options,
                chain: ledger.chain
            )
            #expect(passport.carbonFootprint["carbonFootprintPerformanceClass"] == .string(accepted))
        }
    }

    @Test(
        "a mine transferred after its ore was mined: the passport names the operator that mined it, the bundle carries the transfer"
    )
    func originOperatorBeforeATransfer() throws {
        let ledger = try SmallLedger()
        try ledger.chain.registerActor(
            ActorDraft(id: "buyer", name: "Buyer Mining Ltd", role: .miner, publicKey: Ed25519PrivateKey().publicKey)
        )
        let transfer = try ledger.chain.transferFacility(SmallLedger.mineA, to: "buyer", reason: "sold")
        #expect(try ledger.chain.facility(SmallLedger.mineA)?.operatorID == "buyer")
        let scope = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        #expect(scope.masterData.contains(transfer.firstSequenceNumber), "who operated mine A is part of the lineage")
        let passport = try BatteryPassport.make(
            scope: scope,
            profile: .authority,
            options: Self.configured,
            chain: ledger.chain
        )
        let origins = try #require(passport.celltrace["rawMaterialOrigins"]?.arrayValue?.first?["origins"]?.arrayValue)
        #expect(origins.compactMap { $0["operator"]?.stringValue } == ["maker", "maker"])

        let bundle = try CustodyBundle.export(SmallLedger.cell, chain: ledger.chain, profile: .legitimateInterest)
        let report = try BundleVerifier(bytes: bundle.bytes, key: ledger.chain.ledger.verifierKey).verify()
        #expect(report.entries == bundle.entryCount)
    }
}

@Suite("Battery passport: a shipment of the battery by id is its Distribution figure")
struct PassportDistributionTests {
    @Test("a cell shipped by epcList with a road leg reads its distribution, computed by hand, and no zero note for it")
    func distributionFromAUnitShipment() throws {
        let ledger = try SmallLedger()
        try ledger.addDealerAndRoadFactor()
        let shipment = """
            {"type":"ObjectEvent","eventTime":"2026-01-06T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","bizLocation":{"id":"\(SmallLedger.cellPlant)"},"epcList":["\(SmallLedger.cell)"],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:maker"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:dealer"}],"ct:transport":[{"mode":"road","distance":500,"distanceUom":"KMT","mass":0.002,"massUom":"TNE"}]}
            """
        try ledger.chain.importSubmission(Array(shipment.utf8), actor: "maker", key: ledger.key)
        let scope = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        // 500 km × 0.002 t × 0.1 kg CO2e/tkm = 0.1 kg CO2e, the cell alone on the leg; over its
        // 216 lifetime kWh.
        #expect(close(scope.footprint.total[.euDraft, .distribution], 0.1))
        let passport = try BatteryPassport.make(
            scope: scope,
            profile: .public,
            options: PassportExportTests.configured,
            chain: ledger.chain
        )
        let stages = try #require(passport.carbonFootprint["carbonFootprintPerLifecycleStage"]?.arrayValue)
        let distribution = try #require(stages.first { $0["lifecycleStage"] == "Distribution" })
        #expect(close(try #require(distribution["carbonFootprint"]?.doubleValue), 0.1 / 216))
        #expect(!passport.notes.contains { $0.hasPrefix("carbonFootprintPerLifecycleStage Distribution") })
        #expect(scope.events.contains(try ledger.chain.ledger.size - 1))
    }
}
