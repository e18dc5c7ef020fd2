import Exports
import Foundation
import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

/// A small mine-to-cell ledger whose every export can be computed by hand and pinned in a golden
/// file: the worked example of Docs/CARBON-METHOD.md §9 with a second, high-risk mine.
///
/// The clock is fixed, so entry times (and the `created` of a PACT footprint) are the same on
/// every run; the salts of sealed quantities are not, so the root hash is masked in golden files.
///
/// | lot | facility | activity | kg CO2e (every method) |
/// |---|---|---|---|
/// | ore A 1000 kg, Li 2 %, certified | mine A (AU, AU-WA 0.5) | 100 kWh grid, 1000 MJ diesel (0.07) | 120 |
/// | ore B 250 kg, Li 2 % | mine B (CL 0.3, flagged high-risk) | 50 kWh grid | 15 |
/// | hydroxide 400 kg + by-product 100 kg | refinery (CN-SC 0.1; CN residual 0.7, consumption mix 0.6) | 1000 kWh grid | location 100, market 700, EU 600 |
/// | cells 400 kg | cell plant (HU 0.2; residual 0.3, consumption mix 0.25) | 100 kWh grid, 100 kWh PPA at 0.05 | location 40, market 35, EU 50 |
///
/// Mass allocation gives the hydroxide 80 % of the refinery's burden (235 / 835 / 735), so the
/// cell lot carries 228 / 703 / 638 kg CO2e; one 2 kg cell (1/200 of it, 0.5 kWh nominal, model X:
/// 90 % usable, 60 cycles a year for 8 years, 216 kWh over its life):
///
/// | kg CO2e | location | market | EU draft |
/// |---|---:|---:|---:|
/// | raw material acquisition | 0.94 | 3.34 | 2.94 |
/// | main production | 0.2 | 0.175 | 0.25 |
/// | total | 1.14 | 3.515 | 3.19 |
struct SmallLedger {
    // The ledger is declared before its directory so that it closes before the directory is removed.
    let chain: SupplyChainLedger
    let directory: TemporaryDirectory
    let key = Ed25519PrivateKey()

    static let origin = "celltrace.test/exports-golden"
    static let mineA = "urn:test:facility:mine-a"
    static let mineB = "urn:test:facility:mine-b"
    static let refinery = "urn:test:facility:refinery"
    static let cellPlant = "urn:test:facility:cell-plant"
    static let oreA = "urn:test:lot:ore-a"
    static let oreB = "urn:test:lot:ore-b"
    static let hydroxide = "urn:test:lot:lioh-1"
    static let byproduct = "urn:test:lot:lioh-2"
    static let cells = "urn:test:lot:cells-1"
    static let cell = "urn:test:cell:P7"
    /// 2026-01-05T08:00:00Z: every entry's time.
    static let time = Timestamp(millisecondsSinceEpoch: 1_767_600_000_000)

    static let factors: JSONValue = [
        "id": "test-factors", "version": 1, "source": "hand-made for the tests", "year": 2025,
        "factors": [
            ["category": "grid", "geography": "AU-WA", "value": "0.5", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "CL", "value": "0.3", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "CN-SC", "value": "0.1", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "CN", "basis": "consumption-mix", "value": "0.6", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "CN", "basis": "residual-mix", "value": "0.7", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "HU", "value": "0.2", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "HU", "basis": "residual-mix", "value": "0.3", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "HU", "basis": "consumption-mix", "value": "0.25", "unit": "kgCO2e/kWh"],
            ["category": "fuel", "name": "diesel", "value": "0.07", "unit": "kgCO2e/MJ"],
        ],
    ]

    init(model: Bool = true) throws {
        let directory = TemporaryDirectory()
        self.directory = directory
        chain = try SupplyChainLedger.create(
            at: directory.path + "/ledger",
            origin: Self.origin,
            options: Ledger.Options(durable: false, clock: { SmallLedger.time })
        )
        try chain.registerActor(
            ActorDraft(
                id: "maker",
                name: "Maker Cells Kft.",
                role: .processor,
                publicKey: key.publicKey,
                parties: ["urn:epc:id:pgln:5991234.00000"]
            )
        )
        try chain.registerFacility(
            FacilityDraft(
                id: Self.mineA,
                name: "Mine A",
                operatorID: "maker",
                kind: .mine,
                country: "AU",
                subdivision: "AU-WA"
            )
        )
        try chain.registerFacility(
            FacilityDraft(
                id: Self.mineB,
                name: "Mine B",
                operatorID: "maker",
                kind: .mine,
                country: "CL",
                riskFlags: ["high-risk"]
            )
        )
        try chain.registerFacility(
            FacilityDraft(
                id: Self.refinery,
                name: "Refinery",
                operatorID: "maker",
                kind: .refinery,
                country: "CN",
                subdivision: "CN-SC"
            )
        )
        try chain.registerFacility(
            FacilityDraft(id: Self.cellPlant, name: "Cell plant", operatorID: "maker", kind: .cell, country: "HU")
        )
        try chain.recordFactorTable(Self.factors)
        if model {
            try chain.registerBatteryModel(
                [
                    "id": "X", "name": "Test cell X", "chemistry": "NMC811", "category": "M1", "serviceYears": "8",
                    "usableEnergyShare": "0.9",
                ]
            )
        }
        try chain.importSubmission(Array(Self.events.joined(separator: "\n").utf8), actor: "maker", key: key)
    }

    static func day(_ day: Int) -> String { "2026-01-0\(day)T08:00:00Z" }

    static var events: [String] {
        let kg = { (lot: String, kg: Int) in #"{"epcClass":"\#(lot)","quantity":\#(kg),"uom":"KGM"}"# }
        return [
            #"{"type":"ObjectEvent","eventTime":"\#(day(1))","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\#(mineA)"},"quantityList":[\#(kg(oreA, 1000))],"ilmd":{"ct:material":"ore","ct:elementContent":{"Li":"0.02"}},"certificationInfo":"urn:test:cert:irma-a","ct:electricity":[{"quantity":100,"uom":"KWH","supply":"grid"}],"ct:fuels":[{"fuel":"diesel","quantity":1000,"uom":"3B"}]}"#,
            #"{"type":"ObjectEvent","eventTime":"\#(day(1))","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\#(mineB)"},"quantityList":[\#(kg(oreB, 250))],"ilmd":{"ct:material":"ore","ct:elementContent":{"Li":"0.02"}},"ct:electricity":[{"quantity":50,"uom":"KWH","supply":"grid"}]}"#,
            #"{"type":"TransformationEvent","eventTime":"\#(day(2))","eventTimeZoneOffset":"+00:00","bizLocation":{"id":"\#(refinery)"},"inputQuantityList":[\#(kg(oreA, 1000)),\#(kg(oreB, 250))],"outputQuantityList":[\#(kg(hydroxide, 400)),\#(kg(byproduct, 100))],"ilmd":{"ct:material":"lithium-hydroxide"},"ct:electricity":[{"quantity":1000,"uom":"KWH","supply":"grid"}]}"#,
            #"{"type":"TransformationEvent","eventTime":"\#(day(3))","eventTimeZoneOffset":"+00:00","bizLocation":{"id":"\#(cellPlant)"},"inputQuantityList":[\#(kg(hydroxide, 400))],"outputQuantityList":[\#(kg(cells, 400))],"ilmd":{"ct:material":"cell"},"ct:electricity":[{"quantity":100,"uom":"KWH","supply":"grid"},{"quantity":100,"uom":"KWH","supply":"ppa","kgCO2ePerKWh":"0.05","certificates":["GO-1"]}]}"#,
            #"{"type":"ObjectEvent","eventTime":"\#(day(4))","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\#(cellPlant)"},"epcList":[],"ct:cellLot":"\#(cells)","ct:serialRanges":[{"prefix":"urn:test:cell:P","first":"1","last":"100"}],"ct:cellMass":{"quantity":"2","uom":"KGM"},"ct:nominalEnergy":{"quantity":"0.5","uom":"KWH"},"ct:batteryModel":"X"}"#,
        ]
    }

    /// The export's bytes with the (salted, so run-dependent) root hash masked.
    func masked(_ bytes: [UInt8]) throws -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        let size = try chain.ledger.size
        for candidate in 1...size {
            let root = try chain.ledger.rootHash(atSize: candidate).base64
            text = text.replacingOccurrences(of: root, with: "<root hash at size \(candidate)>")
        }
        return text
    }
}

/// The package's root directory.
func packageRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}

/// Compares `text` with the golden file `Fixtures/exports/NAME`, or rewrites the file when
/// `UPDATE_GOLDEN=1`.
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = packageRoot() + "/Fixtures/exports/" + name
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(
            atPath: packageRoot() + "/Fixtures/exports",
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return
    }
    let golden = try String(contentsOfFile: path, encoding: .utf8)
    #expect(
        text == golden,
        "differs from Fixtures/exports/\(name); UPDATE_GOLDEN=1 rewrites it",
        sourceLocation: sourceLocation
    )
}

/// The errors `tools/validate_json_schema.py` finds in `document` (one JSON line each): none when
/// it is valid.
func schemaErrors(_ document: JSONValue, schema: String, component: String? = nil) throws -> [String] {
    let directory = TemporaryDirectory()
    let file = directory.path + "/document.json"
    try Data(ExportEncoding.pretty(document)).write(to: URL(fileURLWithPath: file))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
        ["python3", packageRoot() + "/tools/validate_json_schema.py", packageRoot() + "/Fixtures/" + schema, file]
        + (component.map { [$0] } ?? [])
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
    if process.terminationStatus == 1 { return lines.isEmpty ? ["invalid, without a message"] : lines }
    guard process.terminationStatus == 0 else {
        throw ValidatorFailure(status: process.terminationStatus, output: lines.joined(separator: "\n"))
    }
    return []
}

/// The validator could not run (Python, `jsonschema` or `pyyaml` missing: `scripts/ensure-deps.sh`).
struct ValidatorFailure: Error, CustomStringConvertible {
    var status: Int32
    var output: String
    var description: String { "validate_json_schema.py exited \(status): \(output)" }
}

/// `a` and `b` agree to `relative` (or absolutely, near zero).
func close(_ a: Double, _ b: Double, _ relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(1, abs(a), abs(b))
}

/// A decimal string's value.
func value(_ json: JSONValue?) -> Double? {
    json?.stringValue.flatMap(Double.init) ?? json?.doubleValue
}

extension SmallLedger {
    /// Registers `verifier` (Verification Body GmbH), an auditor whose key is `key`.
    func registerVerifier(_ key: Ed25519PrivateKey) throws {
        try chain.registerActor(
            ActorDraft(id: "verifier", name: "Verification Body GmbH", role: .auditor, publicKey: key.publicKey)
        )
    }

    /// Records the verifier's attestation of `entries` under ISO 14067 at `level`.
    ///
    /// - Returns: The attestation's entry.
    func attest(_ entries: [ClosedRange<UInt64>], _ level: AssuranceLevel, key: Ed25519PrivateKey) throws -> UInt64 {
        let attestation = Attestation(
            verifier: "verifier",
            keyID: "",
            standard: "ISO 14067:2018",
            level: level,
            entries: entries,
            completedOn: "2026-11-30"
        )
        return try chain.recordAttestation(attestation, key: key).firstSequenceNumber
    }
}

extension SmallLedger {
    /// A dealer to ship units to, and a road factor of 0.1 kg CO2e a tonne-kilometre for their legs.
    func addDealerAndRoadFactor() throws {
        try chain.registerActor(
            ActorDraft(id: "dealer", name: "Dealer", role: .processor, publicKey: Ed25519PrivateKey().publicKey)
        )
        try chain.recordFactorTable([
            "id": "transport", "version": 1, "source": "hand-made for the tests", "year": 2025,
            "factors": [["category": "transport", "name": "road", "value": "0.1", "unit": "kgCO2e/tkm"]],
        ])
    }
}
