import Carbon
public import LedgerCore
import SupplyChain

extension PACTFootprint {
    /// The footprint as a PACT `ProductFootprint` of `version`.
    ///
    /// v3 declares a piece (cells, modules, packs, a declaration's average cell) or a kilogram
    /// (lots), with every decimal as a JSON string. v2.3 has no `piece`, so pieces are declared per
    /// kilogram with `unitaryProductAmount` the piece's mass; its percentages and data quality
    /// ratings are JSON numbers, as its schema wants.
    ///
    /// - Parameter version: The PACT version to write.
    /// - Returns: The `ProductFootprint` object.
    public func json(_ version: Version) -> JSONValue {
        switch version {
        case .v3: v3JSON
        case .v2: v2JSON
        }
    }

    /// The data model extension carried in both versions: every method and stage, the functional
    /// units, the primary and verified shares and the ledger checkpoint; its schema is
    /// `Fixtures/pact/celltrace-extension-1.1.0.schema.json`.
    public var extensionJSON: JSONValue {
        var figures: [String: JSONValue] = ["perProduct": Self.json(perUnit)]
        if unitMassKg > 0 { figures["perKg"] = Self.json(perUnit.scaled(by: 1 / unitMassKg)) }
        if let perUsableKWh { figures["perUsableKWh"] = Self.json(perUsableKWh) }
        if let perLifetimeKWh { figures["perLifetimeKWh"] = Self.json(perLifetimeKWh) }
        var shares: [String: JSONValue] = [:]
        for method in ElectricityMethod.allCases {
            shares[method.rawValue] = .string(ExportEncoding.decimal((primaryShare[method] ?? 0) * 100))
        }
        var data: [String: JSONValue] = [
            "subject": .object(["id": .string(subject), "kind": .string(subjectKind)]),
            "product": .object([
                "unit": .string(product == .piece ? "piece" : "kilogram"),
                "massKg": .string(ExportEncoding.decimal(unitMassKg)),
            ]),
            "totalsElectricityMethod": .string(Self.electricityMethod.rawValue),
            "kgCO2e": .object(figures),
            "primaryDataSharePercent": .object(shares),
            "ledger": checkpoint.json,
        ]
        if let model { data["batteryModel"] = .string(model) }
        var verified: [String: JSONValue] = [:]
        for method in ElectricityMethod.allCases {
            verified[method.rawValue] = .string(ExportEncoding.decimal((verifiedShare[method] ?? 0) * 100))
        }
        data["verifiedSharePercent"] = .object(verified)
        if let verification {
            data["verification"] = .object([
                "level": .string(verification.level.rawValue),
                "attestationEntries": .array(verification.attestations.map { .string(String($0)) }),
            ])
        }
        return .object([
            "specVersion": "2.0.0",
            "dataSchema": .string(Self.extensionSchema),
            "data": .object(data),
        ])
    }

    /// The extension schema's identifier (the schema itself ships in `Fixtures/pact/`; it has no
    /// public URL yet).
    public static let extensionSchema = "urn:celltrace:schema:pact-extension:1.1.0"

    /// What the verification's `comments` say: the level, and the attestations in the ledger.
    private func verificationComments(_ verification: Verification) -> String {
        "\(verification.level.rawValue) assurance; the activity data and emission factors of every contribution to the market-based total are attested by "
            + "verifiers' signed statements in ledger \(checkpoint.origin) (entries "
            + verification.attestations.map { "#\($0)" }.joined(separator: ", ") + ")"
    }

    /// PACT v3's `verification`; v2's `assurance` adds its flag, level and boundary to the same members.
    private func verificationMembers(_ verification: Verification) -> [String: JSONValue] {
        [
            "coverage": "product level",
            "providerName": .string(verification.providers.joined(separator: "; ")),
            "completedAt": .string(verification.completedOn + "T00:00:00Z"),
            "standardName": .string(verification.standards.joined(separator: "; ")),
            "comments": .string(verificationComments(verification)),
        ]
    }

    /// PACT v2's `assurance`.
    private func v2Assurance(_ verification: Verification) -> JSONValue {
        var members = verificationMembers(verification)
        members["assurance"] = true
        members["level"] = .string(verification.level.rawValue)
        members["boundary"] = "Cradle-to-Gate"
        return .object(members)
    }

    /// Emissions by method, each with its total and stages, as decimal strings.
    static func json(_ emissions: Emissions) -> JSONValue {
        var methods: [String: JSONValue] = [:]
        for method in ElectricityMethod.allCases {
            var stages: [String: JSONValue] = ["total": .string(ExportEncoding.decimal(emissions.total(method)))]
            for stage in LifeCycleStage.allCases {
                stages[stage.rawValue] = .string(ExportEncoding.decimal(emissions[method, stage]))
            }
            methods[method.rawValue] = .object(stages)
        }
        return .object(methods)
    }

    /// What the figures rest on and what they leave out, for `comment`.
    var comment: String {
        "Computed by CellTrace from signed supply-chain ledger entries (ledger \(checkpoint.origin), size \(checkpoint.size)). "
            + "Purchased electricity is counted market-based (contractual instruments, else the residual mix); the "
            + "location-based and draft-EU figures, the split per life-cycle stage, the per-kWh figures and the ledger "
            + "checkpoint are in the CellTrace extension. The ledger records no carbon content of the product, so the "
            + "carbon content fields are 0, and its factor tables do not name the IPCC assessment report of their "
            + "characterization factors: AR6 is stated as the PACT Methodology requires. "
            + (exemptions == Self.noExemptions
                ? "No emissions are exempted." : "Not counted: \(exemptions).")
    }

    /// `exemptedEmissionsDescription` when every input is counted.
    static let noExemptions = "none: every recorded input counts"

    static let allocationRules =
        "Multi-output processes share their burden (own emissions and embodied inputs) among co-products by mass; "
        + "economically (mass x recorded price) when the highest-to-lowest price ratio exceeds 4, co-products of at "
        + "most 3 % of the output mass left out of that ratio (Battery Pass / GBA rulebook). Shipments are shared among "
        + "the lots they moved by mass."

    static let productRules: JSONValue = [
        [
            "operator": "Other", "otherOperatorName": "Global Battery Alliance / Battery Pass consortium",
            "ruleNames": ["Battery Pass carbon footprint rules (allocation)"],
        ]
    ]

    private var total: Double { perUnit.total(Self.electricityMethod) }

    /// The v3 document's `pcf`: the figures its id is derived from.
    var v3PCF: [String: JSONValue] {
        var pcf: [String: JSONValue] = [
            "declaredUnitOfMeasurement": .string(product == .piece ? "piece" : "kilogram"),
            "declaredUnitAmount": "1",
            "productMassPerDeclaredUnit": .string(ExportEncoding.decimal(unitMassKg)),
            "referencePeriodStart": .string(ExportEncoding.dateTime(periodStart)),
            "referencePeriodEnd": .string(ExportEncoding.dateTime(periodEnd)),
            "pcfExcludingBiogenicUptake": .string(ExportEncoding.decimal(total)),
            "pcfIncludingBiogenicUptake": .string(ExportEncoding.decimal(total)),
            "fossilGhgEmissions": .string(ExportEncoding.decimal(total)),
            "fossilCarbonContent": "0",
            "packagingEmissionsIncluded": false,
            "ccsTechnologicalCO2CaptureIncluded": false,
            "ipccCharacterizationFactors": ["AR6"],
            "crossSectoralStandards": ["GHGP-Product", "PACT-3.0"],
            "productOrSectorSpecificRules": Self.productRules,
            "boundaryProcessesDescription": .string(boundary),
            "exemptedEmissionsPercent": "0",
            "exemptedEmissionsDescription": .string(exemptions),
            "allocationRulesDescription": .string(Self.allocationRules),
            "primaryDataShare": .string(ExportEncoding.decimal(primaryPercent)),
            "dqi": .object([
                "technologicalDQR": .string(ExportEncoding.decimal(v3(quality.technological), significantDigits: 3)),
                "geographicalDQR": .string(ExportEncoding.decimal(v3(quality.geographical), significantDigits: 3)),
                "temporalDQR": .string(ExportEncoding.decimal(v3(quality.temporal), significantDigits: 3)),
            ]),
        ]
        if let country { pcf["geographyCountry"] = .string(country) }
        if !factorSources.isEmpty { pcf["secondaryEmissionFactorSources"] = sourcesJSON }
        if let verification { pcf["verification"] = .object(verificationMembers(verification)) }
        return pcf
    }

    private var v3JSON: JSONValue {
        let pcf = v3PCF
        var root: [String: JSONValue] = [
            "id": .string(id(.v3, pcf: pcf)),
            "specVersion": .string(Version.v3.specVersion),
            "created": .string(ExportEncoding.dateTime(checkpoint.time)),
            "status": "Active",
            "companyName": .string(companyName),
            "companyIds": .array(companyIDs.map(JSONValue.string)),
            "productDescription": .string(productDescription),
            "productIds": .array(productIDs.map(JSONValue.string)),
            "productNameCompany": .string(productName),
            "comment": .string(comment),
            "pcf": .object(pcf),
            "extensions": [extensionJSON],
        ]
        if !classifications.isEmpty { root["productClassifications"] = .array(classifications.map(JSONValue.string)) }
        if !precedingIDs.isEmpty { root["precedingPfIds"] = .array(precedingIDs.map(JSONValue.string)) }
        return .object(root)
    }

    /// The v2 document's `pcf`: the figures its id is derived from.
    var v2PCF: [String: JSONValue] {
        let perKg = unitMassKg > 0 ? total / unitMassKg : 0
        func number(_ value: Double, _ digits: Int = 12) -> JSONValue {
            .number(Double(ExportEncoding.decimal(value, significantDigits: digits)) ?? 0)
        }
        var pcf: [String: JSONValue] = [
            "declaredUnit": "kilogram",
            "unitaryProductAmount": .string(ExportEncoding.decimal(product == .piece ? unitMassKg : 1)),
            "productMassPerDeclaredUnit": "1",
            "pCfExcludingBiogenic": .string(ExportEncoding.decimal(perKg)),
            "pCfIncludingBiogenic": .string(ExportEncoding.decimal(perKg)),
            "fossilGhgEmissions": .string(ExportEncoding.decimal(perKg)),
            "fossilCarbonContent": "0",
            "biogenicCarbonContent": "0",
            "packagingEmissionsIncluded": false,
            "characterizationFactors": "AR6",
            "ipccCharacterizationFactorsSources": ["AR6"],
            "crossSectoralStandardsUsed": ["GHG Protocol Product standard"],
            "crossSectoralStandards": ["GHGP-Product", "PACT-2.0"],
            "productOrSectorSpecificRules": Self.productRules,
            "boundaryProcessesDescription": .string(boundary),
            "referencePeriodStart": .string(ExportEncoding.dateTime(periodStart)),
            "referencePeriodEnd": .string(ExportEncoding.dateTime(periodEnd)),
            "exemptedEmissionsPercent": 0,
            "exemptedEmissionsDescription": .string(exemptions),
            "allocationRulesDescription": .string(Self.allocationRules),
            "primaryDataShare": number(primaryPercent),
            "dqi": .object([
                "coveragePercent": 100,
                "technologicalDQR": number(quality.technological, 3),
                "temporalDQR": number(quality.temporal, 3),
                "geographicalDQR": number(quality.geographical, 3),
                "completenessDQR": number(quality.completeness, 3),
                "reliabilityDQR": number(quality.reliability, 3),
            ]),
        ]
        if let country { pcf["geographyCountry"] = .string(country) }
        if !factorSources.isEmpty { pcf["secondaryEmissionFactorSources"] = sourcesJSON }
        if let verification { pcf["assurance"] = v2Assurance(verification) }
        return pcf
    }

    private var v2JSON: JSONValue {
        let pcf = v2PCF
        var root: [String: JSONValue] = [
            "id": .string(id(.v2, pcf: pcf)),
            "specVersion": .string(Version.v2.specVersion),
            "version": 1,
            "created": .string(ExportEncoding.dateTime(checkpoint.time)),
            "status": "Active",
            "comment": .string(comment),
            "companyName": .string(companyName),
            "companyIds": .array(companyIDs.map(JSONValue.string)),
            "productDescription": .string(productDescription),
            "productIds": .array(productIDs.map(JSONValue.string)),
            "productCategoryCpc": .string(cpc ?? ""),
            "productNameCompany": .string(productName),
            "pcf": .object(pcf),
            "extensions": [extensionJSON],
        ]
        if !precedingIDs.isEmpty { root["precedingPfIds"] = .array(precedingIDs.map(JSONValue.string)) }
        return .object(root)
    }

    private var primaryPercent: Double { (primaryShare[Self.electricityMethod] ?? 0) * 100 }

    private var sourcesJSON: JSONValue {
        .array(factorSources.map { .object(["name": .string($0.name), "version": .string($0.version)]) })
    }
}

/// A rating on v2's scale, 1 (best) to 3, on v3's, 1 to 5 ("The value MUST be between 1 and 5
/// inclusive"): the scale stretched, so that the worst input stays the worst and a default stays
/// halfway.
private func v3(_ rating: Double) -> Double { 2 * rating - 1 }
