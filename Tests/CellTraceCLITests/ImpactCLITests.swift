import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// `celltrace impact` through the parsed root command, on the fixture chain.
@Suite struct ImpactCLITests {
    @Test func anAmendmentMakesAnExportStaleUntilItIsIssuedAgain() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        #expect(
            celltrace("impact", "--ledger", ledger).output
                == "no exports recorded before ledger size \(try size(ledger))\n"
        )
        let exported = Self.exportCell(ledger, to: directory + "/cell.json")
        #expect(exported.status == 0, "\(exported.error)")
        let current = celltrace("impact", "--ledger", ledger)
        #expect(current.status == 0, "\(current.error)")
        #expect(current.output.hasPrefix("1 export of 1 subject compared with ledger size"), "\(current.output)")
        #expect(current.output.contains(" current  figures unchanged  custody to OEM Europe GmbH"))
        #expect(celltrace("impact", "--changed", "--ledger", ledger).output.hasSuffix("\n\nevery export is current\n"))

        // The refinery's grid region corrected: the export no longer matches the ledger.
        let refinery = "urn:epc:id:sgln:6900002.00001.0"
        let amended = Self.amendRefinery(ledger, region: "CN-NM", reason: "metered on the Inner Mongolia grid")
        #expect(amended.status == 0, "\(amended.error)")
        let entry = try #require(try JSONValue(parsing: amended.output)["sequenceNumber"]?.doubleValue)
        let json = try JSONValue(parsing: celltrace("impact", "--ledger", ledger, "--json").output)
        let item = try #require(json["items"]?.arrayValue?.first)
        // The refinery's 45,000 kWh of grid electricity now at Inner Mongolia's factor, not Sichuan's.
        #expect(item["status"] == "footprint-changed", "\(item)")
        #expect(
            item["changes"] == [
                [
                    "seq": .number(entry), "type": "facility.amend",
                    "summary": .string("facility \(refinery) amended (gridRegion): metered on the Inner Mongolia grid"),
                ]
            ]
        )
        let then = try #require(item["then"]?["kgCO2e"]?["location-based"]?.doubleValue)
        let now = try #require(item["now"]?["kgCO2e"]?["location-based"]?.doubleValue)
        #expect(now > then)
        let command =
            "celltrace export custody \(CarbonCLITests.serial) --profile legitimate-interest --recipient 'OEM Europe GmbH' -o FILE"
        #expect(item["disclosures"]?.arrayValue?.first?["reissue"]?.stringValue == command)
        let stale = celltrace("impact", "--changed", "--ledger", ledger)
        #expect(stale.status == 0, "impact reads only and exits 0 whatever it finds")
        let text = stale.output
        #expect(text.contains("  since     #\(Int(entry)) facility \(refinery) amended (gridRegion)"), "\(text)")
        #expect(text.contains("  reissue   \(command)"))

        // Issued again as the line says: the old export is reissued, the new one current.
        let words = command.replacingOccurrences(of: "'OEM Europe GmbH'", with: "OEM\u{0}Europe\u{0}GmbH")
            .split(separator: " ").dropFirst().map { $0.replacingOccurrences(of: "\u{0}", with: " ") }
            .map { $0 == "FILE" ? directory + "/cell-again.json" : $0 }
        let again = celltrace(words + ["--ledger", ledger])
        #expect(again.status == 0, "\(again.error)")
        let after = try JSONValue(parsing: celltrace("impact", "--ledger", ledger, "--json").output)
        #expect(after["items"]?.arrayValue?.map { $0["status"] } == ["reissued", "current"])
        #expect(celltrace("impact", "--changed", "--ledger", ledger).output.hasSuffix("every export is current\n"))
        #expect(
            celltrace("impact", "--recipient", "someone else", "--ledger", ledger).output.hasPrefix(
                "no exports to someone else recorded"
            )
        )
        #expect(celltrace("impact", "--as-of", "nonsense", "--ledger", ledger).status == 2)

        // The amendment's impact on every cell, exported or not: the fixture's one range, changed.
        let impact = celltrace("impact", "--entry", String(Int(entry)), "--ledger", ledger)
        #expect(impact.status == 0, "\(impact.error)")
        #expect(
            impact.output.hasPrefix("entry #\(Int(entry)) facility.amend: facility \(refinery) amended (gridRegion)")
        )
        #expect(impact.output.contains("\n1 range changed ("), "\(impact.output)")
        let changes = try JSONValue(
            parsing: celltrace("impact", "--entry", String(Int(entry)), "--ledger", ledger, "--json").output
        )
        let range = try #require(changes["changes"]?.arrayValue?.first)
        #expect(range["status"] == "changed")
        #expect(
            range["kgCO2ePerCellAfter"]?["location-based"]?.doubleValue ?? 0 > range["kgCO2ePerCellBefore"]?[
                "location-based"
            ]?.doubleValue ?? 0
        )
        // The export recorded after it changed no cell.
        let export = celltrace("impact", "--entry", String(Int(entry) + 1), "--ledger", ledger)
        #expect(
            export.status == 0 && export.output.hasSuffix("no cell's or lot's footprint changed\n"),
            "\(export.output)"
        )
        #expect(celltrace("impact", "--entry", "999999", "--ledger", ledger).status == 2)
        #expect(celltrace("impact", "--entry", "1", "--changed", "--ledger", ledger).status == 2)

        // The run from the amendment to the ledger's end: the amendment and the exports after it,
        // compared as one change, the same range changed as by the amendment alone.
        let run = celltrace("impact", "--from", String(Int(entry)), "--ledger", ledger)
        #expect(run.status == 0, "\(run.error)")
        let last = try size(ledger) - 1
        #expect(
            run.output.hasPrefix(
                "entries #\(Int(entry))–#\(last) compared as one change (\(last - Int(entry) + 1) entries):"
            ),
            "\(run.output)"
        )
        #expect(run.output.contains("\n  #\(Int(entry)) facility \(refinery) amended (gridRegion)"), "\(run.output)")
        #expect(run.output.contains("\n1 range changed ("), "\(run.output)")
        let runJSON = try JSONValue(
            parsing: celltrace("impact", "--from", String(Int(entry)), "--ledger", ledger, "--json").output
        )
        #expect(runJSON["from"]?.doubleValue == entry && runJSON["entry"] == nil)
        #expect(runJSON["changes"]?.arrayValue?.count == 1)
        #expect(runJSON["entries"]?.arrayValue?.first?["type"] == "facility.amend")
        // --cells leaves the lots out, --lots the ranges, in text and JSON.
        let cellsOnly = celltrace("impact", "--entry", String(Int(entry)), "--cells", "--ledger", ledger)
        #expect(cellsOnly.output.contains("1 range changed") && !cellsOnly.output.contains("\nLOT "))
        let lotsOnly = celltrace("impact", "--entry", String(Int(entry)), "--lots", "--ledger", ledger)
        #expect(lotsOnly.output.contains("\nLOT ") && !lotsOnly.output.contains("\nSERIALS "), "\(lotsOnly.output)")
        let lotsJSON = try JSONValue(
            parsing: celltrace("impact", "--entry", String(Int(entry)), "--lots", "--json", "--ledger", ledger).output
        )
        #expect(lotsJSON["changes"] == nil && lotsJSON["cells"] == nil && lotsJSON["lotChanges"]?.arrayValue != nil)
        // Times: --from a time before the first entry is --from 0; a window in which nothing was
        // recorded changed nothing, and says so (exit 0), in text and JSON.
        let byTime = celltrace("impact", "--from", "2000-01-01", "--to", String(Int(entry)), "--ledger", ledger)
        let byNumber = celltrace("impact", "--from", "0", "--to", String(Int(entry)), "--ledger", ledger)
        #expect(byTime.status == 0 && byTime.output == byNumber.output, "\(byTime.error)")
        #expect(byTime.output.hasPrefix("entries #0–#"), "\(byTime.output)")
        let later = celltrace("impact", "--from", "2999-01-01", "--ledger", ledger)
        #expect(later.status == 0 && later.output.hasPrefix("no entries were recorded after 2999-01-01"))
        let laterJSON = try JSONValue(
            parsing: celltrace("impact", "--from", "2999-01-01", "--json", "--ledger", ledger).output
        )
        #expect(laterJSON["entries"]?.arrayValue?.isEmpty == true && laterJSON["changes"]?.arrayValue?.isEmpty == true)
        #expect(laterJSON["from"]?.doubleValue == Double(last + 1))
        // What the flags do not take: a run ending before it starts, --to alone, --entry with
        // --from, --cells without either, an entry past the end.
        for arguments in [
            ["--from", "5", "--to", "3"], ["--to", "3"], ["--entry", "1", "--from", "1"], ["--cells"],
            ["--from", "999999"], ["--from", "1", "--recipient", "x"], ["--from", "yesterday"],
            ["--from", "0", "--to", "20260301"],
        ] {
            #expect(celltrace(["impact", "--ledger", ledger] + arguments).status == 2, "\(arguments)")
        }
    }

    /// A passport of a model's declared figure is issued again on the same declaration period,
    /// and an export issued again under one profile leaves the other profile's still to issue.
    @Test func aPassportOfADeclaredFigureIsIssuedAgainOnItsPeriodAndProfile() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        for profile in ["public", "auditor"] {
            let exported = celltrace(
                "export",
                "passport",
                CarbonCLITests.serial,
                "--declaration-from",
                "2026-01-01",
                "--declaration-to",
                "2026-12-31",
                "--profile",
                profile,
                "--ledger",
                ledger,
                "-o",
                directory + "/\(profile).json"
            )
            #expect(exported.status == 0, "\(exported.error)")
        }
        let recorded = try JSONValue(parsing: celltrace("disclosures", "--json", "--ledger", ledger).output)
        #expect(
            recorded.arrayValue?.last?["declarationPeriod"]
                == ["from": "2026-01-01T00:00:00.000Z", "to": "2026-12-31T23:59:59.999Z"]
        )
        #expect(Self.amendRefinery(ledger, region: "CN-NM", reason: "metered on another grid").status == 0)
        let period = "--declaration-from 2026-01-01T00:00:00.000Z --declaration-to 2026-12-31T23:59:59.999Z"
        func command(_ profile: String) -> String {
            "celltrace export passport \(CarbonCLITests.serial) \(period) --profile \(profile) "
                + "--recipient 'unnamed recipient' -o FILE"
        }
        let stale = celltrace("impact", "--changed", "--ledger", ledger).output
        #expect(stale.contains("  reissue   \(command("public"))") && stale.contains(command("auditor")), "\(stale)")
        // The auditor's passport issued again as the line says; the public one is still to issue.
        let again = celltrace(
            "export",
            "passport",
            CarbonCLITests.serial,
            "--declaration-from",
            "2026-01-01T00:00:00.000Z",
            "--declaration-to",
            "2026-12-31T23:59:59.999Z",
            "--profile",
            "auditor",
            "--ledger",
            ledger,
            "-o",
            directory + "/auditor-again.json"
        )
        #expect(again.status == 0, "\(again.error)")
        let issued = try JSONValue(
            parsing: Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/auditor-again.json")))
        )
        #expect(issued["celltrace"]?["carbonFootprintBasis"]?["kind"] == "declaration")
        let after = celltrace("impact", "--changed", "--ledger", ledger).output
        #expect(after.contains(command("public")) && !after.contains(command("auditor")), "\(after)")
    }

    @Test func aSubjectNarrowsTheImpactAndCSVListsItsRows() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let amended = Self.amendRefinery(ledger, region: "CN-NM", reason: "metered")
        #expect(amended.status == 0, "\(amended.error)")
        let entry = String(Int(try #require(try JSONValue(parsing: amended.output)["sequenceNumber"]?.doubleValue)))
        let whole = try JSONValue(parsing: celltrace("impact", "--entry", entry, "--json", "--ledger", ledger).output)
        #expect(whole["subject"] == nil)

        // The cell: its range, changed, and the lots upstream of it that changed, by name.
        let cell = celltrace("impact", "--entry", entry, "--subject", CarbonCLITests.serial, "--ledger", ledger)
        #expect(cell.status == 0, "\(cell.error)")
        #expect(cell.output.contains("\nnarrowed to cell \(CarbonCLITests.serial): the ranges of its cells and the "))
        #expect(cell.output.contains("\n1 range changed ("), "\(cell.output)")
        let cellJSON = try JSONValue(
            parsing: celltrace(
                "impact",
                "--entry",
                entry,
                "--subject",
                CarbonCLITests.serial,
                "--json",
                "--ledger",
                ledger
            ).output
        )
        #expect(cellJSON["subject"]?["kind"] == "cell")
        let lineage = try #require(cellJSON["subject"]?["lineageLots"]?.doubleValue)
        let lotChanges = try #require(cellJSON["lotChanges"]?.arrayValue)
        #expect(!lotChanges.isEmpty && Double(lotChanges.count) <= lineage)
        // What the narrowing keeps is part of the whole comparison, with the same figures.
        let wholeLots = try #require(whole["lotChanges"]?.arrayValue)
        #expect(lotChanges.allSatisfy { wholeLots.contains($0) } && lotChanges.count <= wholeLots.count)
        #expect(cellJSON["changes"]?.arrayValue?.count == 1)
        // The ore was mined before the refinery: its figure stands, what was made from it moved.
        let ore = try JSONValue(
            parsing: celltrace(
                "impact",
                "--entry",
                entry,
                "--subject",
                CarbonCLITests.ore,
                "--json",
                "--ledger",
                ledger
            )
            .output
        )
        #expect(ore["subject"]?["kind"] == "lot")
        #expect(ore["lotChanges"]?.arrayValue?.contains { $0["lot"] == .string(CarbonCLITests.ore) } == false)
        #expect(ore["lotChanges"]?.arrayValue?.isEmpty == false && ore["changes"] == whole["changes"])
        #expect(ore["lotChanges"]?.arrayValue?.allSatisfy { wholeLots.contains($0) } == true)
        let pack = try JSONValue(
            parsing: celltrace(
                "impact",
                "--entry",
                entry,
                "--subject",
                CarbonCLITests.pack,
                "--json",
                "--ledger",
                ledger
            )
            .output
        )
        #expect(pack["subject"]?["kind"] == "assembly" && pack["changes"]?.arrayValue?.isEmpty == false)
        let unknown = celltrace("impact", "--entry", entry, "--subject", "urn:no:such", "--ledger", ledger)
        #expect(unknown.status == 2 && unknown.error.contains("urn:no:such is neither"), "\(unknown.error)")
        // A window without entries compares nothing, but still names a subject the ledger never had.
        let nothing = celltrace("impact", "--from", "2999-01-01", "--subject", "urn:no:such", "--ledger", ledger)
        #expect(nothing.status == 2 && nothing.error.contains("urn:no:such"), "\(nothing.error)")
        #expect(
            celltrace("impact", "--from", "2999-01-01", "--subject", CarbonCLITests.serial, "--ledger", ledger).status
                == 0
        )

        // CSV: a header, then one row a range and one a lot, each with every column.
        let csv = celltrace("impact", "--entry", entry, "--subject", CarbonCLITests.serial, "--csv", "--ledger", ledger)
        #expect(csv.status == 0, "\(csv.error)")
        let rows = csv.output.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = try #require(rows.first).map(String.init)
        #expect(header.prefix(3) == ["kind", "id", "lot"] && header.contains("location_based_after"))
        #expect(rows.count == 1 + 1 + lotChanges.count && rows.allSatisfy { $0.count == header.count })
        let range = rows[1]
        #expect(range[0] == "range" && range[5] == "changed")
        let column = { (name: String) in try #require(header.firstIndex(of: name)) }
        let before = try #require(Double(range[try column("location_based_before")]))
        let after = try #require(Double(range[try column("location_based_after")]))
        #expect(after > before)
        #expect(rows.dropFirst(2).allSatisfy { $0[0] == "lot" && $0[8] == "kg CO2e per kg" })
        // Nothing compared: the header alone.
        #expect(
            celltrace("impact", "--from", "2999-01-01", "--csv", "--ledger", ledger).output
                == csv.output.split(separator: "\n")[0] + "\n"
        )
        #expect(celltrace("impact", "--entry", entry, "--csv", "--json", "--ledger", ledger).status == 2)
        // The export review as CSV: before any export, the header alone.
        let noExports = celltrace("impact", "--csv", "--ledger", ledger)
        #expect(noExports.status == 0 && noExports.output.hasPrefix("subject,as_of_size,status,format,recipient,"))
        #expect(noExports.output.split(separator: "\n").count == 1)

        // Without --entry or --from: the exports of that subject only.
        let exported = Self.exportCell(ledger, to: directory + "/cell.json")
        #expect(exported.status == 0, "\(exported.error)")
        #expect(
            celltrace("impact", "--subject", CarbonCLITests.serial, "--ledger", ledger).output.hasPrefix(
                "1 export of 1 subject"
            )
        )
        #expect(
            celltrace("impact", "--subject", CarbonCLITests.ore, "--ledger", ledger).output.hasPrefix(
                "no exports of \(CarbonCLITests.ore) recorded"
            )
        )

        // The disclosure log as CSV: the export, with the full SHA-256 of what was sent.
        let log = celltrace("disclosures", "--csv", "--ledger", ledger).output.split(separator: "\n")
        #expect(
            log.count == 2 && log[0] == "entry,recorded_at,recipient,profile,format,subject,as_of_size,sha256,bytes"
        )
        let logged = log[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(logged[2] == "OEM Europe GmbH" && logged[4] == "custody" && logged[5] == CarbonCLITests.serial)
        #expect(logged[7].count == 64 && Int(logged[8]) ?? 0 > 0)

        // The review as CSV: one row an export, its status and figures, and the command that
        // issues it again once the ledger has moved on.
        let refined = Self.amendRefinery(ledger, region: "CN-SC", reason: "metered again")
        #expect(refined.status == 0, "\(refined.error)")
        let review = celltrace("impact", "--changed", "--csv", "--ledger", ledger)
        #expect(review.status == 0, "\(review.error)")
        let reviewRows = review.output.split(separator: "\n").map(String.init)
        let columns = try #require(reviewRows.first).split(separator: ",").map(String.init)
        #expect(reviewRows.count == 2, "\(review.output)")
        // The reissue command holds a quoted recipient with a space, no comma: no field is quoted.
        let fields = reviewRows[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(fields.count == columns.count)
        let field = { (name: String) in fields[try #require(columns.firstIndex(of: name))] }
        #expect(try field("subject") == CarbonCLITests.serial && field("status") == "footprint-changed")
        #expect(try field("format") == "custody" && field("recipient") == "OEM Europe GmbH")
        #expect(try field("reissue").hasPrefix("celltrace export custody \(CarbonCLITests.serial) --profile "))
        #expect(try field("changed_by").hasPrefix("#"))
        let then = try #require(Double(try field("kg_co2e_location_based_then")))
        let now = try #require(Double(try field("kg_co2e_location_based_now")))
        #expect(then != now)
    }

    /// A shipment of the fixture's pack and of a cell by id: `--entry` lists both units with their
    /// share of the leg, the cell with its footprint as `footprint` gives it, in text, JSON and CSV.
    @Test func aShipmentByIdChargesTheUnitsItMoved() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let cell = "urn:epc:id:sgtin:4012345.011111.500"
        let events = directory + "/shipment.jsonl"
        // The pack's four cells and the cell weigh 4.5 kg: 200 km × 0.0045 t × 0.107 kg CO2e/tkm
        // (road), 0.2 of it the cell's and 0.8 the pack's.
        try
            #"{"type":"ObjectEvent","eventTime":"2026-03-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","bizLocation":{"id":"urn:celltrace:facility:cell-plant"},"epcList":["\#(CarbonCLITests.pack)","\#(cell)"],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:cell-co"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:cathode-co"}],"ct:transport":[{"mode":"road","distance":200,"distanceUom":"KMT","mass":0.0045,"massUom":"TNE"}]}"#
            .write(toFile: events, atomically: true, encoding: .utf8)
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
        let entry = String(try size(ledger) - 1)
        let leg = 200 * 0.0045 * 0.107

        let text = celltrace("impact", "--entry", entry, "--ledger", ledger)
        #expect(text.status == 0, "\(text.error)")
        #expect(text.output.contains(", 2 units shipped by id\n"), "\(text.output)")
        #expect(
            text.output.contains("\nno range's footprint per cell changed\n\n2 shipped units added\n"),
            "\(text.output)"
        )
        #expect(text.output.contains("KG CO2E SHIPPED BY ID (LOCATION)"), "\(text.output)")
        #expect(text.output.contains("\n\(cell)  cell            added"), "\(text.output)")

        let json = try JSONValue(parsing: celltrace("impact", "--entry", entry, "--json", "--ledger", ledger).output)
        #expect(json["units"] == 2)
        let units = try #require(json["unitChanges"]?.arrayValue)
        // In the order of their ids: the pack's GIAI, then the cell's SGTIN.
        #expect(units.map { $0["unit"] } == [.string(CarbonCLITests.pack), .string(cell)])
        #expect(units.map { $0["kind"] } == ["assembly", "cell"])
        #expect(units.allSatisfy { $0["status"] == "added" && $0["kgCO2eShippedBefore"] == .null })
        for (unit, share) in zip(units, [0.8, 0.2]) {
            let shipped = try #require(unit["kgCO2eShippedAfter"]?["location-based"]?.doubleValue)
            #expect(abs(shipped - leg * share) < 1e-12, "\(unit)")
        }
        // The cell's footprint after the shipment is what `footprint` gives it.
        let footprint = try JSONValue(parsing: celltrace("footprint", cell, "--json", "--ledger", ledger).output)
        for method in ["location-based", "market-based", "eu-draft"] {
            let total = try #require(footprint["kgCO2e"]?[method]?["total"]?.doubleValue)
            let after = try #require(units[1]["kgCO2ePerCellAfter"]?[method]?.doubleValue)
            let before = try #require(units[1]["kgCO2ePerCellBefore"]?[method]?.doubleValue)
            #expect(abs(after - total) <= 1e-9 * total, "\(method)")
            #expect(abs(after - before - (units[1]["kgCO2eShippedAfter"]?[method]?.doubleValue ?? 0)) < 1e-9)
        }
        #expect(units[0]["kgCO2ePerCellAfter"] == .null)
        // Narrowed to the pack: its own shipment, not the cell's. --lots lists no units.
        let pack = try JSONValue(
            parsing: celltrace(
                "impact",
                "--entry",
                entry,
                "--subject",
                CarbonCLITests.pack,
                "--json",
                "--ledger",
                ledger
            ).output
        )
        #expect(pack["unitChanges"]?.arrayValue?.map { $0["unit"] } == [.string(CarbonCLITests.pack)])
        let lots = try JSONValue(
            parsing: celltrace("impact", "--entry", entry, "--lots", "--json", "--ledger", ledger).output
        )
        #expect(lots["unitChanges"] == nil && lots["units"] == nil)

        let csv = celltrace("impact", "--entry", entry, "--csv", "--ledger", ledger).output
        let rows = csv.split(separator: "\n").map(String.init)
        #expect(rows.count == 3, "\(csv)")
        #expect(rows[1].hasPrefix("unit,\(CarbonCLITests.pack),,,,added,,,kg CO2e shipped by id,,"), "\(csv)")
        #expect(rows[2].hasPrefix("unit,\(cell),"), "\(csv)")
        #expect(rows[2].contains(",added,1,") && rows[2].contains(",kg CO2e shipped by id,,"), "\(csv)")
        #expect(rows.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 21 })
    }

    @Test func csvQuotesWhatWouldSplitAField() {
        #expect(
            CSV.row(["plain", "a,b", #"say "x""#, "two\nlines", "cr\rhere", ""])
                == #"plain,"a,b","say ""x""","two"# + "\nlines\",\"cr\rhere\","
        )
    }

    /// The fixture chain's refinery given another grid region (`facility amend --json`).
    static func amendRefinery(
        _ ledger: String,
        region: String,
        reason: String
    ) -> (status: Int32, output: String, error: String) {
        celltrace(
            "facility",
            "amend",
            "urn:epc:id:sgln:6900002.00001.0",
            "--region",
            region,
            "--reason",
            reason,
            "--ledger",
            ledger,
            "--json"
        )
    }

    /// The fixture cell's custody bundle exported to OEM Europe GmbH, as the tests record one.
    static func exportCell(_ ledger: String, to file: String) -> (status: Int32, output: String, error: String) {
        celltrace(
            "export",
            "custody",
            CarbonCLITests.serial,
            "--ledger",
            ledger,
            "-o",
            file,
            "--recipient",
            "OEM Europe GmbH"
        )
    }

    private func size(_ ledger: String) throws -> Int {
        let log = celltrace("checkpoint", "--ledger", ledger).output
        return Int(log.split(separator: "\n")[1]) ?? -1
    }
}
