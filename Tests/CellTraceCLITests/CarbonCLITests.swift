import Foundation
import LedgerCore
import Provenance
import Testing

@testable import CellTraceCLI

/// The provenance and carbon commands through the parsed root command, on the fixture chain with
/// the reference factor table and a battery model.
@Suite struct CarbonCLITests {
    static let serial = "urn:epc:id:sgtin:4012345.011111.3"
    static let pack = "urn:epc:id:giai:4012345.PACK-0001"
    static let ore = "urn:epc:class:lgtin:9300001.000011.SC6-2601"

    /// The chain imported, factors recorded, model registered (with `usableShare` when given).
    static func ledger(_ directory: String, usableShare: String? = "0.92") -> String {
        let ledger = SupplyChainCLITests.chainLedger(directory)
        SupplyChainCLITests.importChain(ledger, keys: directory)
        let factors = celltrace("factors", "add", fixturesPath("factors/reference-2023.json"), "--ledger", ledger)
        #expect(factors.status == 0, "\(factors.error)")
        let model = celltrace(
            ["model", "add", "CT-NMC811-P1", "--category", "M1", "--service-years", "8", "--ledger", ledger]
                + (usableShare.map { ["--usable-share", $0] } ?? [])
        )
        #expect(model.status == 0, "\(model.error)")
        return ledger
    }

    @Test func traceAndWhereUsed() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let text = celltrace("trace", Self.serial, "--ledger", ledger)
        #expect(text.status == 0, "\(text.error)")
        #expect(text.output.contains("ORIGINS") && text.output.contains("Li: AU 100.0 %"))
        let json = try JSONValue(
            parsing: celltrace("trace", Self.pack, "--ledger", ledger, "--json", "--depth", "1").output
        )
        #expect(json["subject"]?["kind"] == "assembly")
        #expect(json["subject"]?["cells"]?.doubleValue == 4)
        let lithium = try #require(json["elements"]?.arrayValue?.first { $0["element"] == "Li" })
        #expect(lithium["origins"]?.arrayValue?.first?["lot"]?.stringValue == Self.ore)
        #expect(lithium["origins"]?.arrayValue?.first?["share"]?.doubleValue == 1)
        // The origins as CSV: one row an element's origin, as the JSON lists them.
        let origins = celltrace("trace", Self.serial, "--ledger", ledger, "--csv")
        #expect(origins.status == 0, "\(origins.error)")
        let originRows = origins.output.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let originHeader = try #require(originRows.first)
        #expect(originHeader.prefix(3) == ["element", "element_kg", "lot"])
        #expect(originRows.allSatisfy { $0.count == originHeader.count })
        let lithiumRows = originRows.filter { $0.first == "Li" }
        #expect(lithiumRows.count == 1 && lithiumRows.first?[2] == Self.ore && lithiumRows.first?[7] == "1.0")
        let serialJSON = try JSONValue(parsing: celltrace("trace", Self.serial, "--ledger", ledger, "--json").output)
        let originCount = serialJSON["elements"]?.arrayValue?.reduce(0) { $0 + ($1["origins"]?.arrayValue?.count ?? 0) }
        #expect(originRows.count == 1 + (originCount ?? -1))
        #expect(celltrace("trace", Self.serial, "--ledger", ledger, "--csv", "--json").status == 2)

        let used = try JSONValue(parsing: celltrace("where-used", Self.ore, "--ledger", ledger, "--json").output)
        #expect(used["serials"]?.doubleValue == 1000)
        #expect(used["units"]?.arrayValue?.count == 2)
        // The recall list as CSV: the same lots, ranges and units as the JSON, one row each.
        let recall = celltrace("where-used", Self.ore, "--ledger", ledger, "--csv")
        #expect(recall.status == 0, "\(recall.error)")
        let rows = recall.output.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = try #require(rows.first)
        #expect(header.first == "kind" && rows.allSatisfy { $0.count == header.count })
        let kinds = rows.dropFirst().map { $0[0] }
        #expect(kinds.filter { $0 == "lot" }.count == used["descendants"]?.arrayValue?.count)
        #expect(kinds.filter { $0 == "range" }.count == used["cells"]?.arrayValue?.count)
        #expect(kinds.filter { $0 == "unit" }.count == 2)
        let cellsColumn = try #require(header.firstIndex(of: "cells"))
        #expect(rows.filter { $0[0] == "range" }.reduce(0) { $0 + (Int($1[cellsColumn]) ?? 0) } == 1000)
        #expect(celltrace("where-used", Self.ore, "--ledger", ledger, "--csv", "--json").status == 2)
        let bounded = try JSONValue(
            parsing: celltrace("where-used", Self.ore, "--until", "2026-02-01", "--ledger", ledger, "--json").output
        )
        #expect(bounded["serials"]?.doubleValue == 0)
        let reversed = celltrace(
            "where-used",
            Self.ore,
            "--since",
            "2026-12-01",
            "--until",
            "2026-01-01",
            "--ledger",
            ledger,
        )
        #expect(reversed.status == 2 && reversed.error.contains("is before --since"), "\(reversed.error)")
        // An import that fails names its file, one file as several.
        write("", to: directory + "/empty.jsonld")
        let empty = celltrace(
            "import",
            directory + "/empty.jsonld",
            "--as",
            "cell-co",
            "--key",
            directory + "/cell-co.pem",
            "--ledger",
            ledger,
        )
        #expect(
            empty.status == 2 && empty.error.contains("\(directory)/empty.jsonld was not imported"),
            "\(empty.error)"
        )

        let unknown = celltrace("trace", "urn:no:such", "--ledger", ledger)
        #expect(unknown.status == 2 && unknown.error.contains("urn:no:such"))
        let badTime = celltrace("trace", Self.serial, "--as-of", "last week", "--ledger", ledger)
        #expect(badTime.status == 2 && badTime.error.contains("--as-of"))
        let early = celltrace("trace", Self.serial, "--as-of", "2026-01-01", "--ledger", ledger)
        #expect(early.status == 2)
        // A whole number past the ledger's end is a mistake (a date written without dashes).
        let pastTheEnd = celltrace("trace", Self.serial, "--as-of", "20260301", "--ledger", ledger)
        #expect(pastTheEnd.status == 2 && pastTheEnd.error.contains("is past the ledger's"), "\(pastTheEnd.error)")
        // A time finer than the millisecond is cut to it: an entry stamped in the next millisecond
        // was recorded after the time asked for.
        let entries = try #require(
            try JSONValue(parsing: celltrace("verify", "--ledger", ledger, "--json").output)["entries"]?.doubleValue
        )
        let lastTime = try #require(
            try celltrace("log", "--ledger", ledger, "--from", String(Int(entries) - 1)).output
                .split(separator: "\n").last.map { try JSONValue(parsing: String($0)) }?["time"]?.stringValue
        )
        let stamp = try #require(PointInTime.time(lastTime))
        let justBefore = Timestamp(millisecondsSinceEpoch: stamp.millisecondsSinceEpoch - 1).rfc3339
            .replacingOccurrences(of: "Z", with: "9Z")
        #expect(
            PointInTime.time(justBefore)?.millisecondsSinceEpoch == stamp.millisecondsSinceEpoch - 1,
            "\(justBefore)"
        )
        let sizes = try [justBefore, lastTime].map {
            try JSONValue(parsing: celltrace("trace", Self.serial, "--as-of", $0, "--ledger", ledger, "--json").output)[
                "asOfSize"
            ]?.doubleValue
        }
        #expect(sizes[1] == entries && (sizes[0] ?? entries) < entries, "\(sizes)")
    }

    /// Figures a reader recomputes keep the decimals they have, up to the limit, without trailing zeros.
    @Test(
        arguments: [
            (110.4, "110.4"), (0.23 * 60 * 8, "110.4"), (216, "216"), (0.23, "0.23"), (0.00004, "0"), (-0.00004, "0"),
            (1125.888, "1125.888"), (2.34567, "2.3457"), (-1.5, "-1.5"),
        ]
    )
    func trimmedNumbersKeepTheirDecimals(value: Double, text: String) {
        #expect(Number.trimmed(value, upTo: 4) == text)
    }

    @Test func footprintWhatIfDeclarationAndModels() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let text = celltrace("footprint", Self.serial, "--ledger", ledger)
        #expect(text.status == 0, "\(text.error)")
        #expect(
            text.output.contains("per kWh lifetime") && text.output.contains("DATA GAPS")
                && text.output.contains("RECEIPT")
        )
        let json = try JSONValue(parsing: celltrace("footprint", Self.serial, "--ledger", ledger, "--json").output)
        let location = try #require(json["kgCO2e"]?["location-based"]?["total"]?.doubleValue)
        let market = try #require(json["kgCO2e"]?["market-based"]?["total"]?.doubleValue)
        #expect(location > 0 && market < location, "the cell plant's PPA lowers the market-based figure")
        #expect(json["lifetimeKWh"]?.doubleValue.map { abs($0 - 0.25 * 0.92 * 480) < 1e-9 } == true)
        // The text's unit line is an equation that holds as printed: 0.23 × 60 × 8 is 110.4, not 110.
        #expect(
            text.output.contains("unit       0.23 kWh usable × 60 cycles/year × 8 years = 110.4 kWh over its life"),
            "\(text.output)"
        )
        #expect((json["receipt"]?["entries"]?.arrayValue?.count ?? 0) > 5)
        #expect(json["dataGaps"]?["location-based"]?.arrayValue?.first?["lot"] == "urn:celltrace:lot:pcam-811-0202")
        // The working as CSV: one row a contribution, whose kg CO2e sum to the totals, by method.
        let working = celltrace("footprint", Self.serial, "--ledger", ledger, "--csv")
        #expect(working.status == 0, "\(working.error)")
        let rows = working.output.split(separator: "\n").map(String.init)
        let header = try #require(rows.first).split(separator: ",").map(String.init)
        #expect(rows.count == 1 + (json["contributions"]?.arrayValue?.count ?? -1))
        for (method, total) in [("location_based", location), ("market_based", market)] {
            let column = try #require(header.firstIndex(of: method + "_kg_co2e"))
            // No field before the figures holds a comma or a quote here, so a plain split finds them.
            let sum = rows.dropFirst().reduce(0.0) {
                $0 + (Double($1.split(separator: ",", omittingEmptySubsequences: false)[column]) ?? .nan)
            }
            #expect(abs(sum - total) < 1e-9 * total, "\(method): \(sum) against \(total)")
        }
        let kinds: Set<Substring> = ["process", "shipment", "assembly", "default", "no-data"]
        #expect(rows.dropFirst().allSatisfy { kinds.contains($0.prefix { $0 != "," }) })
        #expect(celltrace("footprint", Self.serial, "--ledger", ledger, "--csv", "--json").status == 2)

        // Asked by the cell's GS1 Digital Link, the footprint is the one of the URN the ledger has.
        let linked = celltrace("footprint", "https://id.gs1.org/01/04012345111118/21/3", "--ledger", ledger, "--json")
        #expect(linked.status == 0, "\(linked.error)")
        #expect(linked.error.contains("is recorded as \(Self.serial)"), "\(linked.error)")
        #expect(try JSONValue(parsing: linked.output) == json)

        let lot = try JSONValue(
            parsing: celltrace("footprint", "urn:celltrace:lot:cam-811-0210", "--ledger", ledger, "--json").output
        )
        #expect((lot["perKg"]?["location-based"]?["total"]?.doubleValue ?? 0) > 0)

        let whatIf = celltrace(
            "what-if",
            Self.serial,
            "--supply",
            "urn:celltrace:facility:cathode-plant=direct-line:0.02",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(whatIf.status == 0, "\(whatIf.error)")
        let both = try JSONValue(parsing: whatIf.output)
        // Base and scenario from one snapshot: the same size.
        #expect(both["base"]?["asOfSize"] != nil && both["base"]?["asOfSize"] == both["scenario"]?["asOfSize"])
        let before = try #require(both["base"]?["kgCO2e"]?["eu-draft"]?["total"]?.doubleValue)
        let after = try #require(both["scenario"]?["kgCO2e"]?["eu-draft"]?["total"]?.doubleValue)
        #expect(after < before)
        // The changes and the difference, as the table shows them.
        #expect(
            both["changes"]?["supplies"]?["urn:celltrace:facility:cathode-plant"]
                == ["supply": "direct-line", "kgCO2ePerKWh": 0.02]
        )
        let difference = try #require(both["difference"]?["eu-draft"]?["kgCO2e"]?.doubleValue)
        #expect(abs(difference - (after - before)) < 1e-9)
        let fraction = try #require(both["difference"]?["eu-draft"]?["fraction"]?.doubleValue)
        #expect(abs(fraction - (after - before) / before) < 1e-12)
        let scenarioFile = directory + "/scenario.json"
        try
            #"{"factors": {"grid:HU": 0}, "supplies": {"urn:celltrace:facility:cathode-plant": {"supply": "direct-line", "kgCO2ePerKWh": "0.0336"}}}"#
            .write(toFile: scenarioFile, atomically: true, encoding: .utf8)
        let fromFile = celltrace("what-if", Self.serial, "--scenario", scenarioFile, "--ledger", ledger)
        #expect(fromFile.status == 0, "\(fromFile.error)")
        #expect(fromFile.output.contains("factor grid:HU = 0") && fromFile.output.contains("direct-line at 0.0336"))
        #expect(fromFile.output.contains("as of     ledger size "), "\(fromFile.output)")
        let badKey = celltrace("what-if", Self.serial, "--replace-factor", "grid=0.1", "--ledger", ledger)
        #expect(badKey.status == 2 && badKey.error.contains("factor key"))
        let noChange = celltrace("what-if", Self.serial, "--ledger", ledger)
        #expect(noChange.status == 2)
        // A factor that is not a finite number ≥ 0 is bad input, wherever it is given.
        for flags in [
            ["--replace-factor", "grid:HU=inf"], ["--replace-factor", "grid:HU=-1"],
            ["--supply", "urn:celltrace:facility:cell-plant=onsite:nan"],
        ] {
            let refused = celltrace(["what-if", Self.serial, "--ledger", ledger] + flags)
            #expect(refused.status == 2 && refused.error.contains("≥ 0"), "\(flags): \(refused.error)")
        }
        for body in [#"{"factors": {"grid:HU": -5}}"#, #"{"factors": {"grid:HU": "inf"}}"#] {
            try body.write(toFile: scenarioFile, atomically: true, encoding: .utf8)
            let refused = celltrace("what-if", Self.serial, "--scenario", scenarioFile, "--ledger", ledger, "--json")
            #expect(refused.status == 2 && refused.error.contains("finite number ≥ 0"), "\(body): \(refused.error)")
        }
        // A huge factor still prints.
        let huge = celltrace("what-if", Self.serial, "--replace-factor", "grid:HU=1e20", "--ledger", ledger)
        #expect(huge.status == 0, "\(huge.error)")
        // One whose result no double holds is refused, in JSON too, instead of printed as ∞.
        let outOfRange = celltrace(
            "what-if",
            Self.serial,
            "--replace-factor",
            "grid:HU=1e308",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(outOfRange.status == 2 && outOfRange.error.contains("out of range"), "\(outOfRange.error)")
        // Changes that reach nothing are named, not reported as a 0 % difference.
        let unreached = celltrace(
            "what-if",
            Self.serial,
            "--replace-factor",
            "grid:XX-TYPO=0.1",
            "--supply",
            "urn:nowhere=ppa:0",
            "--replace-lot",
            "urn:celltrace:lot:none=urn:celltrace:lot:cam-811-0210",
            "--replace-factor",
            "grid:HU=0",
            "--ledger",
            ledger,
        )
        #expect(unreached.status == 2)
        for line in [
            "factor grid:XX-TYPO: no factor of this key enters the footprint",
            "supply at urn:nowhere: no event of the footprint is at this facility",
            "lot urn:celltrace:lot:none: the subject contains no material of this lot",
        ] {
            #expect(unreached.error.contains(line), "\(unreached.error)")
        }
        #expect(!unreached.error.contains("grid:HU"), "\(unreached.error)")
        // A scenario file is read strictly, naming the file and the member.
        for (body, message) in [
            (#"{"factors": {"grid:HU": 0}, "supply": {}}"#, "/supply is not a scenario member"),
            (#"{"factors": [["grid:HU", 0]]}"#, "/factors must be an object"),
            (#"{"supplies": {"urn:celltrace:facility:cell-plant": {"kind": "ppa"}}}"#, "/kind is not a supply member"),
            (#"{"supplies": {"urn:celltrace:facility:cell-plant": {"supply": "wind"}}}"#, "/supply must be one of"),
        ] {
            try body.write(toFile: scenarioFile, atomically: true, encoding: .utf8)
            let refused = celltrace("what-if", Self.serial, "--scenario", scenarioFile, "--ledger", ledger)
            #expect(refused.status == 2, "\(body): \(refused.error)")
            #expect(refused.error.contains(scenarioFile + ": ") && refused.error.contains(message), "\(refused.error)")
        }

        let declaration = celltrace(
            "declaration",
            "--model",
            "CT-NMC811-P1",
            "--plant",
            "urn:celltrace:facility:cell-plant",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(declaration.status == 0, "\(declaration.error)")
        let declared = try JSONValue(parsing: declaration.output)
        #expect(declared["cells"]?.doubleValue == 1000)
        let perKWh = try #require(declared["perLifetimeKWh"]?["location-based"]?["total"]?.doubleValue)
        #expect(abs(perKWh - location / (0.25 * 0.92 * 480)) < 1e-12)
        // The primary-data share under the member name footprint gives it, and its first name.
        let primaryShare = try #require(declared["primaryDataShare"]?.objectValue)
        #expect(primaryShare.count == 3 && declared["primaryShare"]?.objectValue == primaryShare)
        // --csv: one row a range, as the JSON lists them; their cells sum to the declaration's;
        // with one range its per lifetime kWh is the declaration's, and nothing is verified yet.
        let declarationArguments = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", "urn:celltrace:facility:cell-plant", "--from",
            "2026-01-01", "--to", "2026-12-31", "--ledger", ledger,
        ]
        let declarationCSV = celltrace(declarationArguments + ["--csv"])
        #expect(declarationCSV.status == 0, "\(declarationCSV.error)")
        let table: [[String]] = declarationCSV.output.split(separator: "\n").map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let columns = try #require(table.first)
        #expect(columns.first == "range" && columns.last == "verified_share_eu_draft")
        let counted = declared["ranges"]?.arrayValue?.count ?? 0
        #expect(table.count == 1 + counted)
        let body = Array(table.dropFirst())
        #expect(body.allSatisfy { $0.count == columns.count })
        let cells: Double = body.compactMap { Double($0[2]) }.reduce(0, +)
        #expect(cells == 1000)
        if body.count == 1, let column = columns.firstIndex(of: "kg_co2e_per_lifetime_kwh_location_based") {
            #expect(abs((Double(body[0][column]) ?? 0) - perKWh) < 1e-12)
        }
        let shares: [[String]] = body.map { Array($0.suffix(3)) }
        #expect(shares.allSatisfy { $0.allSatisfy { $0.isEmpty } }, "no attestation: no share")
        #expect(celltrace(declarationArguments + ["--csv", "--json"]).status == 2)
        // Article 7(1): the manufacturer is the actor that made the cells, the model and plant as
        // registered; the conformity declaration and the study are not in the ledger, and named
        // as not given until the options give them.
        let article7 = try #require(declared["article7"])
        let manufacturers = try #require(article7["manufacturers"]?.arrayValue)
        #expect(manufacturers.map { $0["actor"] } == ["cell-co"] && manufacturers.first?["role"] == "cell-maker")
        #expect(article7["model"]?["id"] == "CT-NMC811-P1" && article7["model"]?["category"] == "M1")
        #expect(article7["plant"]?["id"] == "urn:celltrace:facility:cell-plant")
        #expect(article7["conformityDeclaration"] == .null && article7["study"] == .null)
        #expect(article7["notGiven"] == ["(f) EU declaration of conformity", "(g) public study"])
        let withoutLinks = celltrace(declarationArguments)
        #expect(
            withoutLinks.output.contains(
                "ARTICLE 7(1)  not given: (f) EU declaration of conformity, (g) public study\n  (a) manufacturer"
            ),
            "\(withoutLinks.output)"
        )
        #expect(withoutLinks.output.contains("  (g) public study                  not given (--study URL)"))
        let given = ["--conformity-declaration", "EU-DoC-2026-0117", "--study", "https://example.com/cf-study.pdf"]
        let complete = celltrace(declarationArguments + given)
        #expect(complete.status == 0, "\(complete.error)")
        #expect(complete.output.contains("ARTICLE 7(1)  every item given"), "\(complete.output)")
        #expect(complete.output.contains("  (f) EU declaration of conformity  EU-DoC-2026-0117\n"))
        #expect(complete.output.contains("  (g) public study                  https://example.com/cf-study.pdf\n"))
        let completeJSON = try JSONValue(parsing: celltrace(declarationArguments + given + ["--json"]).output)
        #expect(completeJSON["article7"]?["conformityDeclaration"] == "EU-DoC-2026-0117")
        #expect(completeJSON["article7"]?["study"] == "https://example.com/cf-study.pdf")
        #expect(completeJSON["article7"]?["notGiven"] == [])
        for (option, value) in [
            ("--study", "cf-study.pdf"), ("--study", "https://example.com/a study.pdf"), ("--study", "https://"),
            ("--conformity-declaration", " "), ("--conformity-declaration", "EU-DoC\n2026"),
        ] {
            let refused = celltrace(declarationArguments + [option, value])
            #expect(refused.status == 2 && refused.error.contains(option), "\(option) \(value): \(refused.error)")
        }

        let models = try JSONValue(parsing: celltrace("model", "list", "--ledger", ledger, "--json").output)
        #expect(models.arrayValue?.first?["cyclesPerYear"] == "60")
        #expect(models.arrayValue?.first?["category"] == "M1", "the category the table shows")
        let duplicate = celltrace(
            "model",
            "add",
            "CT-NMC811-P1",
            "--service-years",
            "8",
            "--category",
            "M1",
            "--ledger",
            ledger
        )
        #expect(duplicate.status == 2 && duplicate.error.contains("already registered"))
        let bad = celltrace("model", "add", "L-1", "--service-years", "0", "--ledger", ledger)
        #expect(bad.status == 2 && bad.error.contains("serviceYears") && bad.error.contains("cyclesPerYear"))
        // The chemistry and name a registration gives are listed; a name that would break its
        // line is refused, naming the field.
        let lfp = celltrace(
            "model",
            "add",
            "CT-LFP-B1",
            "--category",
            "N1",
            "--service-years",
            "10",
            "--chemistry",
            "LFP",
            "--name",
            "LFP blade cell",
            "--ledger",
            ledger
        )
        #expect(lfp.status == 0, "\(lfp.error)")
        #expect(!lfp.error.contains("note:"), "the category's own cycles need no note")
        // Cycles other than the category's: registered, with a note of what they do to the figures.
        let fast = celltrace(
            "model",
            "add",
            "T-M1-100",
            "--category",
            "M1",
            "--cycles-per-year",
            "100",
            "--service-years",
            "8",
            "--ledger",
            ledger
        )
        #expect(fast.status == 0, "\(fast.error)")
        #expect(
            fast.error.contains(
                "note: 100 cycles per year is not the 60 the draft EU methodology sets for category M1: "
                    + "every kg CO2e per kWh of the model divides by its energy over the service life, so its figures "
                    + "are 0.6 × that method's"
            ),
            "\(fast.error)"
        )
        let standard = celltrace(
            "model",
            "add",
            "T-M1-60",
            "--category",
            "M1",
            "--cycles-per-year",
            "60.0",
            "--service-years",
            "8",
            "--ledger",
            ledger
        )
        #expect(standard.status == 0 && !standard.error.contains("note:"), "\(standard.error)")
        let listed = celltrace("model", "list", "--ledger", ledger).output
        let heading = listed.split(separator: "\n").first.map(String.init) ?? ""
        #expect(heading.contains("CHEMISTRY") && heading.contains("NAME"))
        let row = listed.split(separator: "\n").first { $0.hasPrefix("CT-LFP-B1") }.map(String.init) ?? ""
        #expect(row.contains(" LFP ") && row.hasSuffix("LFP blade cell"), "\(listed)")
        let twoLines = celltrace(
            "model",
            "add",
            "CT-LFP-B2",
            "--service-years",
            "10",
            "--category",
            "N1",
            "--name",
            "LFP\nCT-LFP-B3",
            "--ledger",
            ledger
        )
        #expect(
            twoLines.status == 2 && twoLines.error.contains("/name") && twoLines.error.contains("control characters")
        )
    }

    /// Article 7(1)(a) names who made the cells: after the plant changed hands, its new operator
    /// is not the manufacturer of the cells its former one made.
    @Test func aDeclarationNamesTheMakerOfItsCellsAfterThePlantChangedHands() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let plant = "urn:celltrace:facility:cell-plant"
        let transfer = celltrace(
            "facility",
            "transfer",
            plant,
            "--to",
            "cathode-co",
            "--reason",
            "sold",
            "--ledger",
            ledger
        )
        #expect(transfer.status == 0, "\(transfer.error)")
        let arguments = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", plant, "--from", "2026-01-01", "--to", "2026-12-31",
            "--ledger", ledger,
        ]
        let declaration = celltrace(arguments + ["--json"])
        #expect(declaration.status == 0, "\(declaration.error)")
        let manufacturers = try JSONValue(parsing: declaration.output)["article7"]?["manufacturers"]?.arrayValue
        #expect(manufacturers?.map { $0["actor"] } == ["cell-co"])
        let text = celltrace(arguments)
        #expect(text.output.contains("  (a) manufacturer                  "), "\(text.output)")
        #expect(!text.output.contains("actor cathode-co"), "the plant's operator now made none of the cells")
    }

    static let cathode = "urn:celltrace:lot:cam-811-0210"
    static let cells = "urn:celltrace:lot:cells-nmc811-0225"
    static let hydroxide = "urn:epc:class:lgtin:6900002.000021.LHM-2601"

    /// A lot replaced by itself or by a lot made from it is refused, by flag and in a scenario
    /// file, naming both lots; a replacement by another material is computed with a warning.
    @Test func whatIfRefusesCircularLotReplacements() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        // The cathode replaced by the cell lot made from it: before, exit 0 with the cathode's
        // whole upstream gone.
        let direct = celltrace(
            "what-if",
            Self.serial,
            "--replace-lot",
            "\(Self.cathode)=\(Self.cells)",
            "--ledger",
            ledger
        )
        #expect(direct.status == 2, "\(direct.output)")
        #expect(
            direct.error.contains(
                "--replace-lot \(Self.cathode)=\(Self.cells): lot \(Self.cells) is made from \(Self.cathode)"
            )
                && direct.error.contains("the replacement would contain what it replaces"),
            "\(direct.error)"
        )
        // Two steps down: the cells are made from the cathode, made from the hydroxide.
        let deep = celltrace(
            "what-if",
            Self.serial,
            "--replace-lot",
            "\(Self.hydroxide)=\(Self.cells)",
            "--ledger",
            ledger
        )
        #expect(deep.status == 2, "\(deep.output)")
        #expect(
            deep.error.contains("lot \(Self.cells) is made from \(Self.cathode), made from \(Self.hydroxide)"),
            "\(deep.error)"
        )
        let same = celltrace(
            "what-if",
            Self.serial,
            "--replace-lot",
            "\(Self.cathode)=\(Self.cathode)",
            "--ledger",
            ledger
        )
        #expect(same.status == 2 && same.error.contains("lot \(Self.cathode) is replaced by itself"), "\(same.error)")
        let scenarioFile = directory + "/scenario.json"
        try #"{"lots": {"\#(Self.cathode)": "\#(Self.cells)"}}"#.write(
            toFile: scenarioFile,
            atomically: true,
            encoding: .utf8
        )
        let fromFile = celltrace("what-if", Self.serial, "--scenario", scenarioFile, "--ledger", ledger, "--json")
        #expect(fromFile.status == 2 && fromFile.output.isEmpty, "\(fromFile.output)")
        #expect(
            fromFile.error.contains("\(scenarioFile): /lots/\(Self.cathode): lot \(Self.cells) is made from"),
            "\(fromFile.error)"
        )
        // Precursor replaced by the anode: not circular, but another material, so a warning.
        let substituted = celltrace(
            "what-if",
            Self.serial,
            "--replace-lot",
            "urn:celltrace:lot:pcam-811-0202=urn:celltrace:lot:anode-0220",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(substituted.status == 0, "\(substituted.error)")
        #expect(
            substituted.error.contains(
                "warning: --replace-lot urn:celltrace:lot:pcam-811-0202=urn:celltrace:lot:anode-0220"
            )
                && substituted.error.contains("is pcam-nmc811 but lot urn:celltrace:lot:anode-0220 is anode-graphite"),
            "\(substituted.error)"
        )
        // The JSON carries the same warning, for programs.
        let warnings = try JSONValue(parsing: substituted.output)["warnings"]?.arrayValue ?? []
        #expect(warnings.count == 1 && warnings[0].stringValue?.contains("anode-graphite") == true, "\(warnings)")
    }

    /// A fallback a rule chose is in the text receipt as a note, as in `--json` and `--csv`:
    /// before, the text said nothing of it (`Docs/CARBON-METHOD.md` §3).
    @Test func footprintTextNotesEveryFallback() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let lot = "urn:test:lot:contracted-power"
        let events = directory + "/contracted.jsonl"
        try """
        {"type":"ObjectEvent","eventTime":"2026-01-20T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:celltrace:facility:cathode-plant"},"quantityList":[{"epcClass":"\(lot)","quantity":1000,"uom":"KGM"}],"ilmd":{"ct:material":"nmc811-cam"},"ct:electricity":[{"quantity":100,"uom":"KWH","supply":"ppa"},{"quantity":100,"uom":"KWH","supply":"onsite"}]}
        """.write(toFile: events, atomically: true, encoding: .utf8)
        let imported = celltrace(
            "import",
            events,
            "--ledger",
            ledger,
            "--as",
            "cathode-co",
            "--key",
            directory + "/cathode-co.pem"
        )
        #expect(imported.status == 0, "\(imported.error)")
        let text = celltrace("footprint", lot, "--ledger", ledger)
        #expect(text.status == 0, "\(text.error)")
        let json = try JSONValue(parsing: celltrace("footprint", lot, "--ledger", ledger, "--json").output)
        let contributions = json["contributions"]?.arrayValue ?? []
        let notes = Set(contributions.flatMap { $0["notes"]?.arrayValue ?? [] }.compactMap(\.stringValue))
        #expect(notes.contains { $0.hasPrefix("the ppa supply states no factor") }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("the onsite supply states no factor") }, "\(notes)")
        let entry = try #require(contributions.first?["seq"]?.doubleValue).formatted(.number.grouping(.never))
        for note in notes {
            #expect(text.output.contains("  note     \(note) (#\(entry))"), "\(note)\n\(text.output)")
        }
    }

    /// A grid supply takes no factor and an on-site, direct-line or PPA supply needs one, by flag
    /// and in a scenario file; a grid or certificate supply without one says where its factor is from.
    @Test func whatIfSupplyFactorsAreRequiredOrRefusedByKind() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let plant = "urn:celltrace:facility:cell-plant"
        // Before, `grid:0.01` was printed and never used.
        let grid = celltrace("what-if", Self.serial, "--supply", "\(plant)=grid:0.01", "--ledger", ledger)
        #expect(grid.status == 2, "\(grid.output)")
        #expect(
            grid.error.contains("--supply \(plant)=grid:0.01: a grid supply takes its factors from the factor tables")
                && grid.error.contains("--replace-factor grid:REGION=VALUE"),
            "\(grid.error)"
        )
        // Before, these were counted at 0 kg CO2e/kWh.
        for kind in ["ppa", "onsite", "direct-line"] {
            let bare = celltrace("what-if", Self.serial, "--supply", "\(plant)=\(kind)", "--ledger", ledger)
            #expect(bare.status == 2, "\(kind): \(bare.output)")
            #expect(
                bare.error.contains(
                    "--supply \(plant)=\(kind): \(kind == "onsite" ? "an" : "a") \(kind) supply is counted at its own factor"
                )
                    && bare.error.contains("(\(kind):FACTOR)"),
                "\(bare.error)"
            )
        }
        let scenarioFile = directory + "/scenario.json"
        for (body, message) in [
            (
                #"{"supplies": {"\#(plant)": {"supply": "grid", "kgCO2ePerKWh": 0.01}}}"#,
                "/kgCO2ePerKWh is not taken: a grid supply"
            ),
            (#"{"supplies": {"\#(plant)": {"supply": "ppa"}}}"#, "/kgCO2ePerKWh is missing: a ppa supply"),
        ] {
            try body.write(toFile: scenarioFile, atomically: true, encoding: .utf8)
            let refused = celltrace("what-if", Self.serial, "--scenario", scenarioFile, "--ledger", ledger)
            #expect(
                refused.status == 2 && refused.error.contains(scenarioFile + ": /supplies/\(plant)"),
                "\(refused.error)"
            )
            #expect(refused.error.contains(message), "\(refused.error)")
        }
        // A stated factor above 3 kg CO2e per kWh is refused as the import refuses it, by flag and in a file.
        let tooLarge = celltrace("what-if", Self.serial, "--supply", "\(plant)=ppa:5", "--ledger", ledger)
        #expect(tooLarge.status == 2, "\(tooLarge.output)")
        #expect(
            tooLarge.error.contains(
                "--supply \(plant)=ppa:5: the factor is more than 3 kg CO2e per kWh, beyond any power plant (fossil power is about 0.8): is it in g/kWh?"
            ),
            "\(tooLarge.error)"
        )
        try #"{"supplies": {"\#(plant)": {"supply": "onsite", "kgCO2ePerKWh": 3.5}}}"#.write(
            toFile: scenarioFile,
            atomically: true,
            encoding: .utf8
        )
        let tooLargeInFile = celltrace("what-if", Self.serial, "--scenario", scenarioFile, "--ledger", ledger)
        #expect(tooLargeInFile.status == 2, "\(tooLargeInFile.output)")
        #expect(
            tooLargeInFile.error.contains("/supplies/\(plant)/kgCO2ePerKWh")
                && tooLargeInFile.error.contains("is more than 3 kg CO2e per kWh"),
            "\(tooLargeInFile.error)"
        )
        #expect(celltrace("what-if", Self.serial, "--supply", "\(plant)=ppa:3", "--ledger", ledger).status == 0)
        let plainGrid = celltrace("what-if", Self.serial, "--supply", "\(plant)=grid", "--ledger", ledger)
        #expect(plainGrid.status == 0, "\(plainGrid.error)")
        #expect(plainGrid.output.contains("\(plant): grid (its factors from the factor tables)"), "\(plainGrid.output)")
        let certificate = celltrace(
            "what-if",
            Self.serial,
            "--supply",
            "\(plant)=certificate",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(certificate.status == 0, "\(certificate.error)")
        let changes = try JSONValue(parsing: certificate.output)["changes"]?["supplies"]?[plant]
        #expect(changes == ["supply": "certificate", "kgCO2ePerKWh": 0], "\(String(describing: changes))")
    }

    /// A factor, a facility's supply or a lot changed twice is refused, naming it, whether in flags,
    /// in a scenario file or one in each: before, the last silently won.
    @Test func whatIfRefusesAChangeGivenTwice() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let plant = "urn:celltrace:facility:cell-plant"
        for (flags, named) in [
            (
                ["--replace-factor", "grid:HU=0.1", "--replace-factor", "grid:HU=0.2"],
                "factor key grid:HU is changed twice"
            ),
            (
                ["--replace-factor", "grid:HU=0.1", "--replace-factor", "grid:HU:location=0.2"],
                "factor key grid:HU:location"
            ),
            (
                ["--supply", "\(plant)=ppa:0", "--supply", "\(plant)=onsite:0.1"],
                "the supply at \(plant) is changed twice"
            ),
            (
                [
                    "--replace-lot", "\(Self.hydroxide)=urn:celltrace:lot:a", "--replace-lot",
                    "\(Self.hydroxide)=urn:celltrace:lot:b",
                ],
                "lot \(Self.hydroxide) is changed twice"
            ),
        ] {
            let refused = celltrace(["what-if", Self.serial, "--ledger", ledger] + flags)
            #expect(refused.status == 2, "\(flags): \(refused.output)")
            #expect(
                refused.error.contains(named) && refused.error.contains("first by \(flags[0]) \(flags[1])"),
                "\(refused.error)"
            )
        }
        let scenarioFile = directory + "/scenario.json"
        try #"{"factors": {"grid:HU": 0.1, "grid:HU:location": 0.2}}"#.write(
            toFile: scenarioFile,
            atomically: true,
            encoding: .utf8
        )
        let inFile = celltrace("what-if", Self.serial, "--scenario", scenarioFile, "--ledger", ledger)
        #expect(
            inFile.status == 2 && inFile.error.contains("is changed twice (first by \(scenarioFile): /factors/"),
            "\(inFile.error)"
        )
        try #"{"factors": {"grid:HU": 0.1}}"#.write(toFile: scenarioFile, atomically: true, encoding: .utf8)
        let both = celltrace(
            "what-if",
            Self.serial,
            "--scenario",
            scenarioFile,
            "--replace-factor",
            "grid:HU=0.2",
            "--ledger",
            ledger
        )
        #expect(
            both.status == 2
                && both.error.contains(
                    "--replace-factor grid:HU=0.2: factor key grid:HU is changed twice (first by \(scenarioFile): /factors/grid:HU)"
                ),
            "\(both.error)"
        )
    }

    /// The fixture chain with a second cell lot made at the cell plant from a cathode and an anode
    /// bought without process data, its making event recording no activity data, and 1,000 cells
    /// of it commissioned in April (the fixture's cells are of February).
    static func ledgerWithoutPrimaryData(_ directory: String) throws -> String {
        let ledger = Self.ledger(directory)
        let events = directory + "/no-primary-data.jsonl"
        let plant = #""bizLocation":{"id":"urn:celltrace:facility:cell-plant"}"#
        try [
            #"{"type":"ObjectEvent","eventTime":"2026-04-01T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD",\#(plant),"quantityList":[{"epcClass":"urn:test:lot:cam-bought","quantity":70,"uom":"TNE"}],"ilmd":{"ct:material":"pcam-nmc811"}}"#,
            #"{"type":"ObjectEvent","eventTime":"2026-04-01T09:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD",\#(plant),"quantityList":[{"epcClass":"urn:test:lot:anode-bought","quantity":40,"uom":"TNE"}],"ilmd":{"ct:material":"anode-graphite"}}"#,
            #"{"type":"TransformationEvent","eventTime":"2026-04-02T08:00:00Z","eventTimeZoneOffset":"+00:00",\#(plant),"inputQuantityList":[{"epcClass":"urn:test:lot:cam-bought","quantity":70,"uom":"TNE"},{"epcClass":"urn:test:lot:anode-bought","quantity":40,"uom":"TNE"}],"outputQuantityList":[{"epcClass":"urn:test:lot:cells-no-data","quantity":100,"uom":"TNE"}],"ilmd":{"ct:material":"cell-nmc811"}}"#,
            #"{"type":"ObjectEvent","eventTime":"2026-04-03T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizStep":"commissioning",\#(plant),"epcList":[],"ct:cellLot":"urn:test:lot:cells-no-data","ct:serialRanges":[{"prefix":"urn:epc:id:sgtin:4012345.011111.","first":"5001","last":"6000"}],"ct:cellMass":{"quantity":0.9,"uom":"KGM"},"ct:nominalEnergy":{"quantity":0.25,"uom":"KWH"},"ct:batteryModel":"CT-NMC811-P1"}"#,
        ].joined(separator: "\n").write(toFile: events, atomically: true, encoding: .utf8)
        let imported = celltrace(
            "import",
            events,
            "--ledger",
            ledger,
            "--as",
            "cell-co",
            "--key",
            directory + "/cell-co.pem"
        )
        #expect(imported.status == 0, "\(imported.error)")
        return ledger
    }

    /// Many cell lots that miss a rule alike are one finding, counted, and a note's entries are
    /// named up to twelve; `--json` keeps each finding and every entry.
    @Test func aDeclarationOfManyLotsCountsItsFindingsAndNotes() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/net"
        let generated = celltrace(
            "generate",
            "--cells",
            "2000",
            "--cells-per-lot",
            "100",
            "--seed",
            "5",
            "--ledger",
            ledger
        )
        #expect(generated.status == 0, "\(generated.error)")
        let arguments = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", "urn:epc:id:sgln:6901013.00001.0", "--from",
            "2025-01-01", "--to", "2026-12-31", "--ledger", ledger,
        ]
        let text = celltrace(arguments)
        #expect(text.status == 0, "\(text.error)")
        #expect(
            text.output.contains(
                "  finding  11 cell lots miss it: their components include 2 lots without company-specific data ("
            ),
            "\(text.output)"
        )
        #expect(text.output.contains("; --json lists each; the first:\n           components of cell lot "))
        #expect(text.output.components(separatedBy: "  finding  ").count == 2, "one finding line")
        #expect(text.output.contains(" and 9 more)\n"), "a note names 12 of its 21 entries: \(text.output)")
        let json = try JSONValue(parsing: celltrace(arguments + ["--json"]).output)
        #expect(json["findings"]?.arrayValue?.count == 11)
        #expect(json["notes"]?.arrayValue?.first?["entries"]?.arrayValue?.count == 21)
    }

    /// A cell lot with no primary data is declared with a finding per requirement it does not
    /// meet, naming the lots, in text and JSON; the exit status is 0 unless `--strict` is given.
    @Test func declarationNamesTheMissingPrimaryData() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try Self.ledgerWithoutPrimaryData(directory)
        let arguments = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", "urn:celltrace:facility:cell-plant", "--from",
            "2026-04-01", "--to", "2026-04-30", "--ledger", ledger,
        ]
        let text = celltrace(arguments)
        #expect(text.status == 0, "\(text.error)")
        for line in [
            "FINDINGS (the declaration does not meet 2 primary-data requirements",
            "  finding  main production of cell lot urn:test:lot:cells-no-data has no primary data: its making event (entry #",
            "records no electricity, fuels or direct emissions, so main production reads 0 kg CO2e: 0 is not a measured value",
            "lot urn:test:lot:cam-bought (pcam-nmc811) has no process data and is counted at the default factor material:pcam-nmc811",
            "lot urn:test:lot:anode-bought (anode-graphite) has no process data",
            "  main-production: no main production energy, fuels or direct emissions are recorded for the cells",
        ] {
            #expect(text.output.contains(line), "\(line)\n\(text.output)")
        }
        let json = try JSONValue(parsing: celltrace(arguments + ["--json"]).output)
        #expect(json["primaryDataShare"]?["eu-draft"]?.doubleValue == 0)
        #expect(json["primaryDataRequirementsMet"] == .bool(false))
        let findings = try #require(json["findings"]?.arrayValue)
        #expect(
            findings.compactMap { $0["requirement"]?.stringValue } == [
                "main-production-primary-data", "cell-components-primary-data",
            ]
        )
        #expect(findings.allSatisfy { $0["cellLot"] == "urn:test:lot:cells-no-data" })
        #expect(findings.first?["lots"] == .array(["urn:test:lot:cells-no-data"]))
        #expect(findings.last?["lots"] == .array(["urn:test:lot:cam-bought", "urn:test:lot:anode-bought"]))
        // --strict makes a declaration that does not meet them exit 1, after printing it.
        let strict = celltrace(arguments + ["--strict"])
        #expect(strict.status == 1 && strict.output.contains("FINDINGS"), "\(strict.error)")
        #expect(
            strict.error.contains("--strict: the declaration does not meet the primary-data requirements (2 findings)")
        )
        let strictJSON = celltrace(arguments + ["--strict", "--json"])
        #expect(strictJSON.status == 1)
        #expect((try? JSONValue(parsing: strictJSON.output))?["findings"]?.arrayValue?.count == 2)

        // The fixture's cells, whose making recorded electricity, meet the main-production
        // requirement; their anode, bought without process data, is named.
        let february = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", "urn:celltrace:facility:cell-plant", "--from",
            "2026-02-01", "--to", "2026-02-28", "--ledger", ledger, "--json",
        ]
        let fixture = try JSONValue(parsing: celltrace(february).output)
        let fixtureFindings = try #require(fixture["findings"]?.arrayValue)
        #expect(fixtureFindings.compactMap { $0["requirement"]?.stringValue } == ["cell-components-primary-data"])
        #expect(fixtureFindings.first?["lots"] == .array(["urn:celltrace:lot:anode-0220"]))
        #expect(celltrace(february + ["--strict"]).status == 1)
    }

    /// The declaration says what `footprint` says: the fallbacks the footprints took, the stages
    /// that read 0 for want of data, and (in JSON) the functional unit.
    @Test func declarationCarriesTheFootprintsNotesAndFunctionalUnit() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let arguments = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", "urn:celltrace:facility:cell-plant", "--from",
            "2026-01-01", "--to", "2026-12-31", "--ledger", ledger,
        ]
        let footprint = try JSONValue(parsing: celltrace("footprint", Self.serial, "--ledger", ledger, "--json").output)
        let footprintNotes = Set(
            (footprint["contributions"]?.arrayValue ?? []).flatMap { $0["notes"]?.arrayValue ?? [] }
                .compactMap(\.stringValue).filter { $0.hasPrefix("no ") && $0.contains("stands in") }
        )
        #expect(footprintNotes.contains { $0.hasPrefix("no consumption-mix grid factor for HU") }, "\(footprintNotes)")
        let json = try JSONValue(parsing: celltrace(arguments + ["--json"]).output)
        let notes = Set((json["notes"]?.arrayValue ?? []).compactMap { $0["note"]?.stringValue })
        #expect(notes == footprintNotes)
        #expect((json["notes"]?.arrayValue ?? []).allSatisfy { !($0["entries"]?.arrayValue ?? []).isEmpty })
        let text = celltrace(arguments)
        for note in footprintNotes {
            #expect(text.output.contains("  note     \(note) (#"), "\(note)\n\(text.output)")
        }
        #expect(text.output.contains("  distribution: no distribution transport or energy is recorded for the cells"))
        #expect(text.output.contains("  end-of-life: end of life and recycling is not modelled"))
        #expect(
            (json["unrecordedStages"]?.arrayValue ?? []).compactMap { $0["stage"]?.stringValue } == [
                "distribution", "end-of-life",
            ]
        )
        let unit = try #require(json["functionalUnit"])
        #expect(unit["cyclesPerYear"] == "60" && unit["serviceYears"] == "8" && unit["usableEnergyShare"] == "0.92")
        let lifetime = try #require(unit["lifetimeKWh"]?.doubleValue)
        #expect(abs(lifetime - 1000 * 0.25 * 0.92 * 60 * 8) < 1e-6)
        #expect(abs((unit["usableKWh"]?.doubleValue ?? 0) - 1000 * 0.25 * 0.92) < 1e-9)
    }

    /// The declaration says which of its three figures is the one to declare (the draft rule's,
    /// as the passport states it) and that the market-based one is not declarable under it.
    @Test func declarationMarksTheFigureToDeclare() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let arguments = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", "urn:celltrace:facility:cell-plant", "--from",
            "2026-01-01", "--to", "2026-12-31", "--ledger", ledger,
        ]
        let json = try JSONValue(parsing: celltrace(arguments + ["--json"]).output)
        let declared = try #require(json["declared"])
        #expect(declared["method"] == "eu-draft")
        let figure = try #require(declared["kgCO2ePerLifetimeKWh"]?.doubleValue)
        #expect(figure == json["perLifetimeKWh"]?["eu-draft"]?["total"]?.doubleValue)
        #expect(declared["perLifetimeKWh"] == json["perLifetimeKWh"]?["eu-draft"])
        #expect(json["methods"]?["eu-draft"]?["declarable"] == .bool(true))
        #expect(json["methods"]?["market-based"]?["declarable"] == .bool(false))
        #expect(json["methods"]?["location-based"]?["declarable"] == .bool(false))
        let market = json["methods"]?["market-based"]?["reason"]?.stringValue ?? ""
        #expect(market.contains("PPAs and certificates, which the draft delegated act does not recognise"))
        let text = celltrace(arguments).output
        let rounded = (figure * 10_000).rounded() / 10_000
        let line = "declared     \(rounded) kg CO2e per kWh over the service life (Art. 7): the EU DRAFT column"
        #expect(text.contains(line), "\(text)")
        #expect(text.contains("  EU DRAFT  the figure to declare (Art. 7)"), "\(text)")
        #expect(text.contains("  MARKET    not declarable under the draft rules"), "\(text)")
        #expect(text.contains("lifetime (Art. 7)"), "the row the figures are on stays")
    }

    /// Each life-cycle stage's share of the total, by method: in the declaration (of its figure
    /// per lifetime kWh) and in the footprint, text and JSON.
    @Test func stageSharesOfTheTotal() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let declaration = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", "urn:celltrace:facility:cell-plant", "--from",
            "2026-01-01", "--to", "2026-12-31", "--ledger", ledger,
        ]
        let footprint = ["footprint", Self.serial, "--ledger", ledger]
        for (arguments, figures) in [(declaration, "perLifetimeKWh"), (footprint, "kgCO2e")] {
            let json = try JSONValue(parsing: celltrace(arguments + ["--json"]).output)
            for method in ["location-based", "market-based", "eu-draft"] {
                let shares = try #require(json["stageShares"]?[method]?.objectValue, "\(arguments[0]) \(method)")
                let values = try #require(json[figures]?[method])
                let total = try #require(values["total"]?.doubleValue)
                var sum = 0.0
                for stage in ["raw-material-acquisition", "main-production", "distribution", "end-of-life"] {
                    let share = try #require(shares[stage]?.doubleValue)
                    #expect(abs(share - (values[stage]?.doubleValue ?? -1) / total) < 1e-12)
                    sum += share
                }
                #expect(abs(sum - 1) < 1e-12)
            }
            let text = celltrace(arguments).output
            #expect(text.contains("SHARE OF TOTAL"), "\(text)")
            let main = try #require(json["stageShares"]?["eu-draft"]?["main-production"]?.doubleValue)
            let percent = (main * 1000).rounded() / 10
            let row = text.split(separator: "\n").first { $0.hasPrefix("  main-production") && $0.contains("%") }
            #expect(row?.hasSuffix("\(percent) %") == true, "\(String(describing: row))")
        }
    }

    /// Every lot of a footprint that has neither process data, a default factor nor inputs is
    /// named in the one error, not only the first met.
    @Test func footprintNamesEveryLotWithoutDataOrDefault() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let events = directory + "/no-defaults.jsonl"
        let plant = #""bizLocation":{"id":"urn:celltrace:facility:cell-plant"}"#
        try [
            #"{"type":"ObjectEvent","eventTime":"2026-04-01T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD",\#(plant),"quantityList":[{"epcClass":"urn:test:lot:electrolyte-bought","quantity":10,"uom":"TNE"}],"ilmd":{"ct:material":"electrolyte"}}"#,
            #"{"type":"ObjectEvent","eventTime":"2026-04-01T09:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD",\#(plant),"quantityList":[{"epcClass":"urn:test:lot:separator-bought","quantity":5,"uom":"TNE"}],"ilmd":{"ct:material":"separator"}}"#,
            #"{"type":"TransformationEvent","eventTime":"2026-04-02T08:00:00Z","eventTimeZoneOffset":"+00:00",\#(plant),"inputQuantityList":[{"epcClass":"urn:test:lot:electrolyte-bought","quantity":10,"uom":"TNE"},{"epcClass":"urn:test:lot:separator-bought","quantity":5,"uom":"TNE"}],"outputQuantityList":[{"epcClass":"urn:test:lot:cells-no-defaults","quantity":15,"uom":"TNE"}],"ilmd":{"ct:material":"cell-nmc811"},"ct:electricity":[{"quantity":1000,"uom":"KWH","supply":"grid"}]}"#,
        ].joined(separator: "\n").write(toFile: events, atomically: true, encoding: .utf8)
        let imported = celltrace(
            "import",
            events,
            "--ledger",
            ledger,
            "--as",
            "cell-co",
            "--key",
            directory + "/cell-co.pem"
        )
        #expect(imported.status == 0, "\(imported.error)")
        let footprint = celltrace("footprint", "urn:test:lot:cells-no-defaults", "--ledger", ledger)
        #expect(footprint.status == 2)
        #expect(footprint.error.contains("2 lots have no process data and no default factor"), "\(footprint.error)")
        for lot in ["urn:test:lot:electrolyte-bought (electrolyte)", "urn:test:lot:separator-bought (separator)"] {
            #expect(
                footprint.error.contains("lot \(lot) has no process data and no default factor"),
                "\(footprint.error)"
            )
        }
    }
}
