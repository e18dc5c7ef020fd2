import Exports
import LedgerCore
import LedgerCrypto
import SupplyChain

/// Export and verify of a custody bundle for a cell whose lineage spans about 200 entries, beside
/// the machine's floor for the same work: SHA-256 of the bundle's bytes and one Ed25519 verify per
/// signature it carries.
enum CustodyBench {
    /// Cathode lots the cell lot is made of; each has a mine lot, a refinery lot and a shipment
    /// upstream, so the lineage has 4 × `width` + 2 events.
    static let width = 46

    static func run(directory: String, runs: Int) throws {
        let path = directory + "/custody"
        removeAll(path)
        let chain = try SupplyChainLedger.create(at: path, origin: "bench.celltrace.local/custody")
        let key = Ed25519PrivateKey()
        try build(chain, key: key)
        let serial = "urn:epc:id:sgtin:4012345.011111.7"
        let vkey = chain.ledger.verifierKey
        var exports: [Double] = []
        var verifies: [Double] = []
        var floors: [Double] = []
        var scopes: [Double] = []
        var parses: [Double] = []
        var entries = 0
        var bytes = 0
        var signatures = 0
        for _ in 0..<max(runs, 5) * 4 {
            let scopeClock = Stopwatch()
            _ = try LineageScope.collect(serial, chain: chain)
            scopes.append(scopeClock.seconds * 1000)
            let clock = Stopwatch()
            let bundle = try CustodyBundle.export(serial, chain: chain, profile: .legitimateInterest)
            exports.append(clock.seconds * 1000)
            let parseClock = Stopwatch()
            _ = try BundleVerifier(bytes: bundle.bytes, key: vkey)
            parses.append(parseClock.seconds * 1000)
            let verifyClock = Stopwatch()
            let report = try BundleVerifier(bytes: bundle.bytes, key: vkey).verify()
            verifies.append(verifyClock.seconds * 1000)
            guard case .recomputed = report.footprint else {
                fatalError("the bench bundle's footprint was not recomputed")
            }
            entries = report.entries
            bytes = bundle.bytes.count
            signatures = report.submissions + 2
            // The floor: hash every byte once and check every signature once.
            let message = Array(repeating: UInt8(0x61), count: 200)
            let signature = try key.signature(for: message)
            let floorClock = Stopwatch()
            _ = SHA256.hash(bundle.bytes)
            for _ in 0..<signatures { _ = key.publicKey.isValidSignature(signature, for: message) }
            floors.append(floorClock.seconds * 1000)
        }
        print("")
        print("## Custody bundle: export and verify offline")
        print(
            "a cell with \(entries) entries in its bundle (\(format(Double(bytes) / 1024, 0)) KiB, \(signatures) signatures); median of \(exports.count) runs"
        )
        print("| step | ms | target | floor (SHA-256 of the bytes + Ed25519 verifies), ms | ratio |")
        print("|---|---:|---:|---:|---:|")
        let floor = median(floors)
        print("| export custody | \(format(median(exports), 2)) | ≤ 50 | — | — |")
        print("| of which the lineage scope (trace, footprint, entries) | \(format(median(scopes), 2)) | | | |")
        print(
            "| verify-bundle | \(format(median(verifies), 2)) | ≤ 50 | \(format(floor, 2)) | \(format(median(verifies) / floor, 1)) |"
        )
        print("| of which reading the file (JSON parse, canonical form) | \(format(median(parses), 2)) | | | |")
        removeAll(path)
    }

    /// Two actors, four facilities, a factor table, a battery model, and one submission with
    /// `width` chains of mine → refinery → shipment → cathode feeding one cell lot.
    private static func build(_ chain: SupplyChainLedger, key: Ed25519PrivateKey) throws {
        let cellKey = Ed25519PrivateKey()
        try chain.registerActor(ActorDraft(id: "maker", name: "Maker", role: .processor, publicKey: key.publicKey))
        try chain.registerActor(
            ActorDraft(id: "cellco", name: "Cell Co", role: .cellMaker, publicKey: cellKey.publicKey)
        )
        let facilities: [(String, FacilityKind, String, String)] = [
            ("urn:bench:mine", .mine, "AU", "AU-WA"), ("urn:bench:refinery", .refinery, "CN", "CN-SC"),
            ("urn:bench:cathode", .cathode, "CN", "CN-HN"), ("urn:bench:cells", .cell, "HU", "HU-PE"),
        ]
        for (id, kind, country, subdivision) in facilities {
            let operatorID = kind == .mine || kind == .refinery ? "maker" : "cellco"
            try chain.registerFacility(
                FacilityDraft(id: id, operatorID: operatorID, kind: kind, country: country, subdivision: subdivision)
            )
        }
        try chain.recordFactorTable([
            "id": "bench", "version": 1, "source": "bench figures", "year": 2025,
            "factors": [
                ["category": "grid", "geography": "AU-WA", "value": "0.5", "unit": "kgCO2e/kWh"],
                ["category": "grid", "geography": "CN-SC", "value": "0.1", "unit": "kgCO2e/kWh"],
                ["category": "grid", "geography": "CN-HN", "value": "0.6", "unit": "kgCO2e/kWh"],
                ["category": "grid", "geography": "CN", "basis": "residual-mix", "value": "0.7", "unit": "kgCO2e/kWh"],
                [
                    "category": "grid", "geography": "CN", "basis": "consumption-mix", "value": "0.6",
                    "unit": "kgCO2e/kWh",
                ],
                ["category": "grid", "geography": "AU", "basis": "residual-mix", "value": "0.7", "unit": "kgCO2e/kWh"],
                [
                    "category": "grid", "geography": "AU", "basis": "consumption-mix", "value": "0.6",
                    "unit": "kgCO2e/kWh",
                ],
                ["category": "grid", "geography": "HU", "value": "0.2", "unit": "kgCO2e/kWh"],
                ["category": "grid", "geography": "HU", "basis": "residual-mix", "value": "0.3", "unit": "kgCO2e/kWh"],
                [
                    "category": "grid", "geography": "HU", "basis": "consumption-mix", "value": "0.25",
                    "unit": "kgCO2e/kWh",
                ],
                ["category": "fuel", "name": "diesel", "value": "0.074", "unit": "kgCO2e/MJ"],
                ["category": "transport", "name": "sea", "value": "0.01", "unit": "kgCO2e/tkm"],
            ],
        ])
        try chain.registerBatteryModel([
            "id": "BENCH-CELL", "name": "bench cell", "chemistry": "NMC811", "category": "M1", "serviceYears": "8",
            "usableEnergyShare": "0.9",
        ])
        var lines: [String] = []
        var downstream: [String] = []
        func electricity(_ kWh: Int) -> String { #"[{"quantity": \#(kWh), "uom": "KWH", "supply": "grid"}]"# }
        for index in 0..<width {
            let day = 1 + index % 20
            let time = "2026-01-\(day < 10 ? "0" : "")\(day)T08:00:00Z"
            lines.append(
                #"{"type": "ObjectEvent", "eventTime": "\#(time)", "eventTimeZoneOffset": "+00:00", "action": "ADD", "bizStep": "commissioning", "bizLocation": {"id": "urn:bench:mine"}, "quantityList": [{"epcClass": "urn:bench:lot:ore-\#(index)", "quantity": 100, "uom": "TNE"}], "ilmd": {"ct:material": "spodumene-concentrate", "ct:elementContent": {"Li": "0.027"}}, "ct:electricity": \#(electricity(30000 + index)), "ct:fuels": [{"fuel": "diesel", "quantity": \#(400000 + index), "uom": "3B"}]}"#
            )
            lines.append(
                #"{"type": "TransformationEvent", "eventTime": "2026-02-01T08:00:00Z", "eventTimeZoneOffset": "+00:00", "bizLocation": {"id": "urn:bench:refinery"}, "inputQuantityList": [{"epcClass": "urn:bench:lot:ore-\#(index)", "quantity": 100, "uom": "TNE"}], "outputQuantityList": [{"epcClass": "urn:bench:lot:lioh-\#(index)", "quantity": 20, "uom": "TNE"}], "ilmd": {"ct:material": "lithium-hydroxide", "ct:elementContent": {"Li": "0.165"}}, "ct:electricity": \#(electricity(180000 + index))}"#
            )
            lines.append(
                #"{"type": "ObjectEvent", "eventTime": "2026-02-05T08:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "bizStep": "shipping", "quantityList": [{"epcClass": "urn:bench:lot:lioh-\#(index)", "quantity": 20, "uom": "TNE"}], "sourceList": [{"type": "owning_party", "source": "urn:celltrace:actor:maker"}], "destinationList": [{"type": "owning_party", "destination": "urn:celltrace:actor:cellco"}], "ct:transport": [{"mode": "sea", "distance": \#(1500 + index), "distanceUom": "KMT", "mass": 20, "massUom": "TNE"}]}"#
            )
            downstream.append(
                #"{"type": "TransformationEvent", "eventTime": "2026-02-10T08:00:00Z", "eventTimeZoneOffset": "+00:00", "bizLocation": {"id": "urn:bench:cathode"}, "inputQuantityList": [{"epcClass": "urn:bench:lot:lioh-\#(index)", "quantity": 20, "uom": "TNE"}], "outputQuantityList": [{"epcClass": "urn:bench:lot:cam-\#(index)", "quantity": 19, "uom": "TNE"}], "ilmd": {"ct:material": "cam-nmc811", "ct:elementContent": {"Li": "0.07"}}, "ct:electricity": \#(electricity(90000 + index))}"#
            )
        }
        let inputs = (0..<width).map { #"{"epcClass": "urn:bench:lot:cam-\#($0)", "quantity": 19, "uom": "TNE"}"# }
        downstream.append(
            #"{"type": "TransformationEvent", "eventTime": "2026-03-01T08:00:00Z", "eventTimeZoneOffset": "+00:00", "bizLocation": {"id": "urn:bench:cells"}, "inputQuantityList": [\#(inputs.joined(separator: ", "))], "outputQuantityList": [{"epcClass": "urn:bench:lot:cells", "quantity": \#(19 * width), "uom": "TNE"}], "ilmd": {"ct:material": "cell-nmc811"}, "ct:lifeCycleStage": "main-production", "ct:electricity": \#(electricity(4_000_000))}"#
        )
        downstream.append(
            #"{"type": "ObjectEvent", "eventTime": "2026-03-02T08:00:00Z", "eventTimeZoneOffset": "+00:00", "action": "ADD", "bizStep": "commissioning", "bizLocation": {"id": "urn:bench:cells"}, "epcList": [], "ct:cellLot": "urn:bench:lot:cells", "ct:serialRanges": [{"prefix": "urn:epc:id:sgtin:4012345.011111.", "first": "1", "last": "1000"}], "ct:cellMass": {"quantity": 0.9, "uom": "KGM"}, "ct:nominalEnergy": {"quantity": 0.25, "uom": "KWH"}, "ct:batteryModel": "BENCH-CELL"}"#
        )
        do {
            try chain.importSubmission(Array(lines.joined(separator: "\n").utf8), actor: "maker", key: key)
            try chain.importSubmission(Array(downstream.joined(separator: "\n").utf8), actor: "cellco", key: cellKey)
        } catch let error as SupplyChainError {
            fatalError("the bench chain does not import: \(error.message) \(error.problems.prefix(3))")
        }
    }
}
