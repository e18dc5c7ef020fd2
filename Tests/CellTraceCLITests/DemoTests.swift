import CellTraceDemoData
import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// `celltrace demo` end to end: the ledger it builds from the demo dataset, its key figures against
/// the fixture's own published sources (`Fixtures/demo/expected.json`), and the tour it prints.
@Suite struct DemoTests {
    static let expected: JSONValue = {
        guard let bytes = FileManager.default.contents(atPath: fixturesPath("demo/expected.json")),
            let json = try? JSONValue(parsing: Array(bytes))
        else { return .null }
        return json
    }()

    /// Runs `celltrace demo --json` in a fresh directory and returns its summary.
    private func summary() throws -> JSONValue {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let demo = celltrace("demo", "--dir", directory + "/demo", "--json")
        #expect(demo.status == 0, "\(demo.error)")
        return try JSONValue(parsing: demo.output)
    }

    @Test func demoFiguresMatchTheirPublishedSources() throws {
        let summary = try summary()
        let cells = try #require(summary["cells"]?.arrayValue)
        let expectedCells = try #require(Self.expected["cells"]?.arrayValue)
        #expect(cells.count == expectedCells.count && cells.count == 3)
        for (cell, expected) in zip(cells, expectedCells) {
            let label = expected["label"]?.stringValue ?? "?"
            let tolerance = try #require(expected["demo"]?["tolerance"]?.doubleValue)
            for method in ["location-based", "market-based", "eu-draft"] {
                let value = try #require(cell["perNominalKWh"]?[method]?.doubleValue)
                let want = try #require(expected["demo"]?[method]?.doubleValue)
                #expect(abs(value - want) <= want * tolerance, "\(label) \(method): \(value), expected \(want)")
            }
            // Plausible against the published 5th–95th percentile range the fixture names.
            let location = try #require(cell["perNominalKWh"]?["location-based"]?.doubleValue)
            let low = try #require(expected["published"]?["low"]?.doubleValue)
            let high = try #require(expected["published"]?["high"]?.doubleValue)
            #expect(location >= low && location <= high, "\(label): \(location) outside \(low)–\(high)")
            #expect(cell["withinPublishedRange"] == true)
            // Most of the footprint rests on primary data; the defaults are named as gaps.
            let primary = try #require(cell["primaryShare"]?["location-based"]?.doubleValue)
            #expect(primary > 0.7 && primary < 0.9, "\(label): primary data share \(primary)")
        }
        // The Hungarian plant (grid + wind PPA) is below the Chinese grid plant for the same cell.
        let hungary = try #require(cells[0]["perNominalKWh"]?["location-based"]?.doubleValue)
        let china = try #require(cells[1]["perNominalKWh"]?["location-based"]?.doubleValue)
        #expect(hungary < china * 0.95)
        // … because of cell production alone: the materials are the same.
        func stage(_ cell: JSONValue, _ stage: String) throws -> Double {
            try #require(cell["perNominalKWhByStage"]?["location-based"]?[stage]?.doubleValue)
        }
        #expect(try stage(cells[0], "main-production") < stage(cells[1], "main-production") / 2)
        #expect(
            abs(try stage(cells[0], "raw-material-acquisition") - stage(cells[1], "raw-material-acquisition")) < 1e-6
        )
        let hungaryMarket = try #require(cells[0]["perNominalKWh"]?["market-based"]?.doubleValue)
        let chinaMarket = try #require(cells[1]["perNominalKWh"]?["market-based"]?.doubleValue)
        #expect(hungaryMarket < chinaMarket * 0.9)

        // Materials per kg: near the fixture's value and within the published bounds it names.
        let materials = try #require(summary["materials"]?.arrayValue)
        let expectedMaterials = try #require(Self.expected["materials"]?.arrayValue)
        #expect(materials.count == expectedMaterials.count)
        for (material, expected) in zip(materials, expectedMaterials) {
            let value = try #require(material["perKg"]?.doubleValue)
            let want = try #require(expected["demo"]?.doubleValue)
            let tolerance = try #require(expected["tolerance"]?.doubleValue)
            let lot = expected["lot"]?.stringValue ?? "?"
            #expect(abs(value - want) <= want * tolerance, "\(lot): \(value) kg CO2e/kg, expected \(want)")
            let low = try #require(expected["published"]?["low"]?.doubleValue)
            let high = try #require(expected["published"]?["high"]?.doubleValue)
            #expect(value >= low && value <= high, "\(lot): \(value) outside \(low)–\(high)")
        }

        // What-ifs: brine lithium and wind power at the cathode plant both lower the footprint.
        let whatIfs = try #require(summary["whatIf"]?.arrayValue)
        #expect(whatIfs.count == 2)
        for whatIf in whatIfs {
            let base = try #require(whatIf["base"]?.doubleValue)
            let scenario = try #require(whatIf["scenario"]?.doubleValue)
            #expect(scenario < base * 0.99, "\(whatIf["label"]?.stringValue ?? "?")")
        }
    }

    @Test func demoTracesOriginsHonoursTheCorrectionAndPassesTheAudit() throws {
        let summary = try summary()
        // The trace of the Debrecen cell: lithium from Australia and Chile, cobalt from the DR Congo
        // with the artisanal source flagged.
        let origins = try #require(summary["origins"]?.arrayValue)
        let lithium = try #require(origins.first { $0["element"] == "Li" })
        #expect(lithium["countries"]?.stringValue?.contains("AU") == true)
        #expect(lithium["countries"]?.stringValue?.contains("CL") == true)
        let cobalt = try #require(origins.first { $0["element"] == "Co" })
        #expect(cobalt["countries"] == "CD 100.0 %")
        let flagged = try #require(cobalt["flaggedShare"]?.doubleValue)
        #expect(flagged > 0.05 && flagged < 0.2)
        #expect(origins.first { $0["element"] == "Ni" }?["countries"] == "ID 100.0 %")
        // The commissioning recorded with 0.52 kWh per cell was declared in error; queries use 0.25.
        #expect(summary["retractedEvents"] == 1)
        #expect(summary["cells"]?.arrayValue?.first?["nominalEnergyKWh"] == 0.25)
        // The audit rebuilds everything and checks every actor's signature.
        #expect(summary["audit"]?["valid"] == true)
        #expect(summary["audit"]?["submissions"] == 14)
    }

    @Test func theCommissioningDeclaredInErrorStaysReadableAsOfBefore() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(celltrace("demo", "--dir", directory + "/demo", "--json").status == 0)
        let ledger = directory + "/demo/ledger"
        let serial = "urn:epc:id:sgtin:5990001.081100.7"
        // Entry #107 commissioned the Debrecen cells at 0.52 kWh, #109 declared it in error and #110
        // commissioned the same serials at 0.25 kWh.
        let shown = try JSONValue(parsing: celltrace("serial", "show", serial, "--json", "--ledger", ledger).output)
        #expect(shown["cell"]?["nominalEnergyKWh"] == "0.25" && shown["cell"]?["seq"] == 110)
        let retracted = try #require(shown["retractedCells"]?.arrayValue)
        #expect(retracted.map { $0["retractedAt"] } == [109] && retracted.first?["nominalEnergyKWh"] == "0.52")
        let text = celltrace("serial", "show", serial, "--ledger", ledger).output
        #expect(text.contains("commissioned at entry #107 (0.9 kg, 0.52 kWh), declared in error at #109"), "\(text)")
        let lot = try JSONValue(
            parsing:
                celltrace("lot", "show", "urn:celltrace:lot:cells-nmc811-debrecen-2603", "--json", "--ledger", ledger)
                .output
        )
        #expect(lot["retractedSerialRanges"]?.arrayValue?.map { $0["retractedAt"] } == [109])
        // The text prints each table's first rows and says how many more there are.
        let cells = "urn:celltrace:lot:cells-nmc811-debrecen-2603"
        let firstTwo = celltrace("lot", "show", cells, "--limit", "2", "--ledger", ledger).output
        #expect(firstTwo.contains("… and 2 more rows: --limit 0 prints them all, --json lists them"), "\(firstTwo)")
        #expect(!firstTwo.contains("urn:celltrace:lot:components-debrecen-2603"))
        let every = celltrace("lot", "show", cells, "--limit", "0", "--ledger", ledger).output
        #expect(every.contains("urn:celltrace:lot:components-debrecen-2603") && !every.contains("more rows"))
        // The footprint as the ledger had it between the two: the first commissioning's cell.
        let then = try JSONValue(
            parsing: celltrace("footprint", serial, "--as-of", "108", "--json", "--ledger", ledger).output
        )
        #expect(then["subject"]?["nominalEnergyKWh"] == 0.52)
        // What the declaration changed in every cell: the range withdrawn.
        let impact = try JSONValue(
            parsing: celltrace("impact", "--entry", "109", "--json", "--ledger", ledger).output
        )
        #expect(impact["changes"]?.arrayValue?.map { $0["status"] } == ["withdrawn"])
        // The whole correcting submission: one range changed, 0.52 → 0.25 kWh, the declared figure
        // per lifetime kWh more than doubled.
        let submission = try JSONValue(
            parsing: celltrace("impact", "--entry", "108", "--json", "--ledger", ledger).output
        )
        let changed = try #require(submission["changes"]?.arrayValue?.first)
        #expect(changed["status"] == "changed" && changed["previous"]?["nominalEnergyKWh"] == "0.52")
        let declaredBefore = try #require(changed["kgCO2ePerLifetimeKWhBefore"]?["eu-draft"]?.doubleValue)
        let declaredAfter = try #require(changed["kgCO2ePerLifetimeKWhAfter"]?["eu-draft"]?.doubleValue)
        #expect(abs(declaredAfter / declaredBefore - 0.52 / 0.25) < 1e-9)
        // Every lot compared, lot by lot past the artisanal cobalt hydroxide's data gap; none changed.
        #expect(impact["lots"] == 29 && impact["lotChanges"] == [])
        #expect(impact["summary"]?.stringValue?.hasSuffix("(#107) in error: incorrect_data") == true)
    }

    @Test func demoPrintsTheTourAndRefusesAUsedDirectory() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let demo = celltrace("demo", "--dir", directory + "/demo")
        #expect(demo.status == 0, "\(demo.error)")
        for text in [
            "declares 1 earlier event in error", "cell      0.9 kg, 0.25 kWh nominal",
            "$ celltrace trace urn:epc:id:sgtin:5990001.081100.7", "⚑ 10.1 % from flagged origins",
            "$ celltrace where-used", "$ celltrace footprint", "DATA GAPS", "$ celltrace what-if",
            "Peiseler et al. 2024", "within", "OK: supply chain rebuilt by replay", "OK: entry",
            "$ celltrace export custody", "bundle verified", "footprint      recomputed from the entries",
            "trace          recomputed from the entries", "$ celltrace disclosures", "Notified body (verifier)",
            // A notified body attests the factor table and the cathode plant's submission, then the
            // Debrecen plant's; the footprint and the custody bundle carry the verified share.
            "--level reasonable --entries 33,73-82", "--level limited --entries 103-115",
            "verified share              31.5 %    28.8 %   32.0 %", "VERIFIED BY",
            "2 attestation signatures checked, 2 signed roots proved this ledger's; verified share recomputed: location-based 31.5 %",
        ] {
            #expect(demo.output.contains(text), "the tour lacks \(text)")
        }
        #expect(!demo.output.contains("\u{1B}["), "no colour when the output is not a terminal")
        for file in [
            "dataset/network.json", "keys/debrecen-cells.pem", "ledger/data.mdb", "proofs/ledger.vkey",
            "exports/cell.custody.json", "exports/cell.epcis.jsonld", "exports/cell.pact.json",
            "exports/cell.passport.json",
        ] {
            #expect(FileManager.default.fileExists(atPath: directory + "/demo/" + file), "\(file)")
        }
        // The proof it wrote checks with the independent verifier.
        let proofs = try FileManager.default.contentsOfDirectory(atPath: directory + "/demo/proofs")
        let proof = try #require(proofs.first { $0.hasSuffix(".proof") })
        let python = runProcess(
            "/usr/bin/env",
            [
                "python3", toolsPath("verify_proof.py"), directory + "/demo/proofs/" + proof,
                directory + "/demo/proofs/" + proof.replacingOccurrences(of: ".proof", with: ".json"),
                directory + "/demo/proofs/ledger.vkey",
            ]
        )
        #expect(python.status == 0, "\(python.output)")
        // So does the custody bundle it exported, footprint and all.
        let bundle = runProcess(
            "/usr/bin/env",
            [
                "python3", toolsPath("verify_bundle.py"), directory + "/demo/exports/cell.custody.json",
                directory + "/demo/proofs/ledger.vkey",
            ]
        )
        #expect(bundle.status == 0, "\(bundle.output)")
        #expect(bundle.output.contains("trace recomputed; footprint recomputed"), "\(bundle.output)")
        #expect(bundle.output.contains("2 attestations checked (signatures and signed roots)"), "\(bundle.output)")

        // A pack's PACT names the facility of its last assembly as of the size asked for: not one
        // recorded later, nor one retracted since.
        let ledger = directory + "/demo/ledger"
        let pack = "urn:epc:id:giai:5990001.NMC-PACK-0001"
        func packCountry(_ asOf: String?) throws -> String? {
            let pact = celltrace(["export", "pact", pack, "--ledger", ledger] + (asOf.map { ["--as-of", $0] } ?? []))
            #expect(pact.status == 0, "\(pact.error)")
            return try JSONValue(parsing: pact.output)["pcf"]?["geographyCountry"]?.stringValue
        }
        let entries = try #require(
            try JSONValue(parsing: celltrace("verify", "--ledger", ledger, "--json").output)["entries"]?.doubleValue
        )
        let before = String(Int(entries))
        #expect(try packCountry(nil) == "HU")
        let added = celltrace(
            "facility",
            "add",
            "urn:celltrace:facility:leipzig-packs",
            "--operator",
            "debrecen-cells",
            "--kind",
            "module-pack",
            "--country",
            "DE",
            "--ledger",
            ledger,
        )
        #expect(added.status == 0, "\(added.error)")
        let aggregation =
            #"{"type":"AggregationEvent","eventTime":"2026-04-10T08:00:00+02:00","eventTimeZoneOffset":"+02:00","action":"ADD","bizStep":"packing","bizLocation":{"id":"urn:celltrace:facility:leipzig-packs"},"parentID":"urn:epc:id:giai:5990001.NMC-PACK-0001","childEPCs":["urn:epc:id:sgtin:5990001.081100.100"]"#
        write(aggregation + "}\n", to: directory + "/agg.jsonl")
        let key = directory + "/demo/keys/debrecen-cells.pem"
        #expect(
            celltrace("import", directory + "/agg.jsonl", "--as", "debrecen-cells", "--key", key, "--ledger", ledger)
                .status == 0
        )
        #expect(try packCountry(nil) == "DE")
        #expect(try packCountry(before) == "HU")
        write(
            aggregation
                + #","errorDeclaration":{"declarationTime":"2026-04-11T09:00:00+02:00","reason":"incorrect_data"}}"#
                + "\n",
            to: directory + "/retract.jsonl"
        )
        #expect(
            celltrace(
                "import",
                directory + "/retract.jsonl",
                "--as",
                "debrecen-cells",
                "--key",
                key,
                "--ledger",
                ledger
            ).status == 0
        )
        #expect(try packCountry(nil) == "HU")
        // Its custody bundle carries the assembly declared in error, signed by its own submission,
        // and both verifiers count the pack's cells without the cell it put in.
        let custody = directory + "/pack.custody.json"
        let vkey = directory + "/demo/proofs/ledger.vkey"
        let exported = celltrace("export", "custody", pack, "--ledger", ledger, "--profile", "auditor", "-o", custody)
        #expect(exported.status == 0, "\(exported.error)")
        let verified = celltrace("verify-bundle", custody, "--vkey", vkey)
        #expect(verified.status == 0 && verified.output.contains("trace          recomputed"), "\(verified.error)")
        let independent = verifyBundle(custody, vkey)
        #expect(independent.status == 0 && independent.output.contains("trace recomputed"), "\(independent.output)")
        let packBundle = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: custody))))
        #expect(packBundle["trace"]?["roots"]?.arrayValue?.first?["cells"] == 48)

        let again = celltrace("demo", "--dir", directory + "/demo")
        #expect(again.status == 2)
        #expect(again.error.contains("is not empty") && again.error.contains("--dir"), "\(again.error)")
        let missing = celltrace("demo", "--dir", directory + "/other", "--fixtures", directory + "/nowhere")
        #expect(missing.status == 2 && missing.error.contains("--fixtures"), "\(missing.error)")
    }

    /// A supply of certificates without a stated factor counts as zero in the market-based method,
    /// and the custody bundle states that zero as a constant: both verifiers accept it there.
    @Test func certificatesWithoutAFactorVerifyInTheCustodyBundle() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dataset = directory + "/dataset"
        try Self.writeDataset(to: dataset) { name, text in
            guard name == "epcis/debrecen-cells.jsonld" else { return }
            let ppa = "\"supply\": \"ppa\",\n            \"kgCO2ePerKWh\": \"0.0336\","
            #expect(text.contains(ppa), "the cell plant's PPA, stated at 0.0336")
            text = text.replacingOccurrences(of: ppa, with: "\"supply\": \"certificate\",")
        }
        let ledger = directory + "/demo/ledger"
        let demo = celltrace("demo", "--dir", directory + "/demo", "--fixtures", dataset, "--json")
        #expect(demo.status == 0, "\(demo.error)")
        let bundle = directory + "/cell.custody.json"
        let serial = "urn:epc:id:sgtin:5990001.081100.7"
        let export = celltrace(
            [
                "export", "custody", serial, "--profile", "auditor", "--recipient", "test", "-o", bundle, "--ledger",
                ledger,
            ]
        )
        #expect(export.status == 0, "\(export.error)")
        let text = try String(contentsOfFile: bundle, encoding: .utf8)
        #expect(text.contains("certificates without a stated factor count as zero (market-based)"))
        let vkey = celltrace("key", "--ledger", ledger).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let verified = celltrace("verify-bundle", bundle, "--vkey", vkey)
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
        #expect(verified.output.contains("footprint      recomputed from the entries"), "\(verified.output)")
        let python = runProcess("/usr/bin/env", ["python3", toolsPath("verify_bundle.py"), bundle, vkey])
        #expect(python.status == 0 && python.output.contains("footprint recomputed"), "\(python.output)")
    }

    /// A dataset whose second submission is refused: the demo stops naming that file and its
    /// actor, not the first import, the one it showed.
    @Test func aRefusedDatasetFileIsNamed() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dataset = directory + "/dataset"
        try Self.writeDataset(to: dataset) { name, text in
            guard name == "epcis/sichuan-lithium.jsonld" else { return }
            let quantity = try #require(text.range(of: #""quantity": [0-9]+"#, options: .regularExpression))
            text.replaceSubrange(quantity, with: "\"quantity\": -5")
        }
        let demo = celltrace("demo", "--dir", directory + "/demo", "--fixtures", dataset)
        #expect(demo.status == 2)
        #expect(
            demo.error.contains(
                "celltrace: \(directory)/demo/dataset/epcis/sichuan-lithium.jsonld (sichuan-lithium's submission) "
                    + "was not imported\n"
            ),
            "\(demo.error)"
        )
        #expect(demo.error.contains("nothing was imported: 1 problem in 1 of "), "\(demo.error)")
        #expect(demo.error.contains("must be greater than zero (got -5)"), "\(demo.error)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/demo"), "nothing of the demo is left")
    }

    /// Writes the built-in dataset to `directory`, each file's text as `edit` leaves it.
    static func writeDataset(to directory: String, edit: (String, inout String) throws -> Void) throws {
        for (name, bytes) in DemoDataset.files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            var text = String(decoding: bytes, as: UTF8.self)
            try edit(name, &text)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
    }

    @Test func builtInDatasetIsTheFixturesDirectory() throws {
        let root = fixturesPath("demo")
        var onDisk: Set<String> = []
        for name in try FileManager.default.subpathsOfDirectory(atPath: root)
        where name.hasSuffix(".json")
            || name.hasSuffix(".jsonld")
        {
            onDisk.insert(name)
            let bytes = try #require(FileManager.default.contents(atPath: root + "/" + name))
            #expect(DemoDataset.files[name] == Array(bytes), "\(name) differs from the built-in copy")
        }
        #expect(Set(DemoDataset.files.keys) == onDisk, "list every dataset file in Fixtures/demo/DemoDataset.swift")
    }
}
