import Foundation
import LedgerCore
import LedgerCrypto
import Testing

@testable import CellTraceCLI

/// `export pact` and `export passport` through the parsed root command, on the fixture chain.
@Suite struct CarbonExportCLITests {
    static let serial = "urn:epc:id:sgtin:4012345.011111.3"
    static let ore = "urn:epc:class:lgtin:9300001.000011.SC6-2601"

    /// The chain imported, factors recorded, the model registered without a usable share.
    private func ledger(_ directory: String) -> String {
        CarbonCLITests.ledger(directory, usableShare: nil)
    }

    @Test func pactExportsWriteTheFileAndRecordTheDisclosure() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = ledger(directory)
        let file = directory + "/cell-pcf.json"
        let written = celltrace(
            "export",
            "pact",
            Self.serial,
            "-o",
            file,
            "--recipient",
            "OEM Europe GmbH",
            "--ledger",
            ledger
        )
        #expect(written.status == 0, "\(written.error)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let footprint = try JSONValue(parsing: bytes)
        #expect(footprint["specVersion"] == "3.0.3")
        #expect(footprint["pcf"]?["declaredUnitOfMeasurement"] == "piece")
        let size = try #require(footprint["extensions"]?.arrayValue?.first?["data"]?["ledger"]?["size"]?.stringValue)
        let disclosures = try JSONValue(parsing: celltrace("disclosures", "--json", "--ledger", ledger).output)
        let recorded = try #require(disclosures.arrayValue?.last)
        #expect(recorded["format"] == "pact-3.0.3")
        #expect(recorded["sha256"] == .string(SHA256.hash(bytes).hex))

        // The same subject as of the same size: the same bytes, so the same id.
        let again = celltrace("export", "pact", Self.serial, "--as-of", size, "--ledger", ledger)
        #expect(again.status == 0, "\(again.error)")
        #expect(Array(again.output.utf8) == bytes)

        let version2 = celltrace("export", "pact", Self.serial, "--pact-version", "2", "--ledger", ledger)
        #expect(version2.status == 0, "\(version2.error)")
        #expect(try JSONValue(parsing: version2.output)["specVersion"] == "2.3.3")
        let lotWithoutCPC = celltrace("export", "pact", Self.ore, "--pact-version", "2", "--ledger", ledger)
        #expect(lotWithoutCPC.status == 2 && lotWithoutCPC.error.contains("--cpc"))
        let lot = celltrace("export", "pact", Self.ore, "--pact-version", "2", "--cpc", "14290", "--ledger", ledger)
        #expect(lot.status == 0, "\(lot.error)")
        #expect(try JSONValue(parsing: lot.output)["productCategoryCpc"] == "14290")
        // A code that is no CPC is refused, before anything is written; v3 says it has no place.
        for code in ["abc", "464200", "4642a", ""] {
            let refused = celltrace(
                "export",
                "pact",
                Self.ore,
                "--pact-version",
                "2",
                "--cpc",
                code,
                "--ledger",
                ledger
            )
            #expect(refused.status == 2 && refused.error.contains("one to five digits"), "\(code): \(refused.error)")
        }
        let version3 = celltrace("export", "pact", Self.serial, "--cpc", "46420", "--ledger", ledger)
        #expect(version3.status == 0 && version3.error.contains("--cpc is not written"), "\(version3.error)")
        #expect(try JSONValue(parsing: version3.output)["productCategoryCpc"] == nil)
        let declaration = celltrace(
            "export",
            "pact",
            "--model",
            "CT-NMC811-P1",
            "--plant",
            "urn:celltrace:facility:cell-plant",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--ledger",
            ledger
        )
        #expect(declaration.status == 0, "\(declaration.error)")
        #expect(
            try JSONValue(parsing: declaration.output)["productIds"] == ["urn:celltrace:battery-model:CT-NMC811-P1"]
        )
        let both = celltrace("export", "pact", Self.serial, "--model", "CT-NMC811-P1", "--ledger", ledger)
        #expect(both.status == 2)
        let badVersion = celltrace("export", "pact", Self.serial, "--pact-version", "1", "--ledger", ledger)
        #expect(badVersion.status == 2)
    }

    /// PACT's lifecycle: the same figures keep their id; changed figures get a new one that names
    /// the ids sent before it in `precedingPfIds`.
    @Test func pactReExportsNameTheFootprintsTheySupersede() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = ledger(directory)
        func send() throws -> JSONValue {
            let sent = celltrace("export", "pact", Self.serial, "--recipient", "OEM Europe GmbH", "--ledger", ledger)
            #expect(sent.status == 0, "\(sent.error)")
            return try JSONValue(parsing: sent.output)
        }
        let first = try send()
        #expect(first["precedingPfIds"] == nil)
        let unchanged = try send()
        #expect(unchanged["id"] == first["id"] && unchanged["precedingPfIds"] == nil)
        write(
            #"{"id":"hu-residual-2027","version":1,"source":"test","year":2026,"factors":[{"category":"grid","geography":"HU","basis":"residual-mix","value":"0.01","unit":"kgCO2e/kWh"}]}"#,
            to: directory + "/residual.json"
        )
        #expect(celltrace("factors", "add", directory + "/residual.json", "--ledger", ledger).status == 0)
        let changed = try send()
        #expect(changed["pcf"]?["pcfExcludingBiogenicUptake"] != first["pcf"]?["pcfExcludingBiogenicUptake"])
        #expect(changed["id"] != first["id"])
        #expect(changed["precedingPfIds"] == .array([try #require(first["id"])]))
        let resent = try send()
        #expect(resent["id"] == changed["id"] && resent["precedingPfIds"] == changed["precedingPfIds"])
        // As of the first size, nothing sent later is named: the old document, as it was.
        let firstSize = try #require(first["extensions"]?.arrayValue?.first?["data"]?["ledger"]?["size"]?.stringValue)
        let asOfFirst = celltrace("export", "pact", Self.serial, "--as-of", firstSize, "--ledger", ledger)
        #expect(asOfFirst.status == 0, "\(asOfFirst.error)")
        let old = try JSONValue(parsing: asOfFirst.output)
        #expect(old["id"] == first["id"] && old["precedingPfIds"] == nil)
    }

    @Test func passportExportsNameWhatIsMissing() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = ledger(directory)
        let open = celltrace(
            "export",
            "passport",
            Self.serial,
            "--profile",
            "public",
            "--study",
            "https://example.com/cf.pdf",
            "--due-diligence-report",
            "https://example.com/dd.pdf",
            "--ledger",
            ledger
        )
        #expect(open.status == 0, "\(open.error)")
        #expect(open.error.contains("carbonFootprintPerformanceClass left out"))
        let passport = try JSONValue(parsing: open.output)
        #expect(passport["carbonFootprint"]?["batteryCarbonFootprint"]?.doubleValue != nil)
        #expect(passport["celltrace"]?["rawMaterialOrigins"] == nil)
        let customer = celltrace("export", "passport", Self.serial, "--ledger", ledger)
        #expect(customer.status == 0, "\(customer.error)")
        #expect(
            try JSONValue(parsing: customer.output)["celltrace"]?["rawMaterialOrigins"]?.arrayValue?.isEmpty == false
        )
        let lot = celltrace("export", "passport", Self.ore, "--ledger", ledger)
        #expect(lot.status == 2 && lot.error.contains("lot"))
        let badLink = celltrace("export", "passport", Self.serial, "--study", "cf.pdf", "--ledger", ledger)
        #expect(badLink.status == 2)
        // A score the passport would state otherwise than given is refused, naming what it would read.
        let precise = celltrace(
            "export",
            "passport",
            Self.serial,
            "--supply-chain-indices",
            "12345678901234567890",
            "--ledger",
            ledger
        )
        #expect(precise.status == 2 && precise.error.contains("12 significant digits"), "\(precise.error)")
        #expect(
            celltrace("export", "passport", Self.serial, "--supply-chain-indices", "0x10", "--ledger", ledger).status
                == 2
        )
        // A link is printed on one line: a tab or a line break in it is refused as a space is.
        for link in ["https://example.com/cf\tstudy.pdf", "https://example.com/dd\nreport.pdf"] {
            let broken = celltrace(
                "export",
                "passport",
                Self.serial,
                "--due-diligence-report",
                link,
                "--ledger",
                ledger
            )
            #expect(broken.status == 2 && broken.error.contains("--due-diligence-report"), "\(broken.error)")
        }
        #expect(open.error.contains("note: carbonFootprint: the figures are this battery's own"), "\(open.error)")
        let declared = celltrace(
            "export",
            "passport",
            Self.serial,
            "--declaration-from",
            "2026-01-01",
            "--declaration-to",
            "2026-12-31",
            "--ledger",
            ledger,
        )
        #expect(declared.status == 0, "\(declared.error)")
        #expect(try JSONValue(parsing: declared.output)["celltrace"]?["carbonFootprintBasis"]?["kind"] == "declaration")
        // A date as the period's end means the whole day, as `celltrace declaration --to` reads it:
        // the cells commissioned at 07:00 UTC on 26 February are in a period ending that day.
        let endingThatDay = celltrace(
            "export",
            "passport",
            Self.serial,
            "--declaration-from",
            "2026-02-01",
            "--declaration-to",
            "2026-02-26",
            "--ledger",
            ledger,
        )
        #expect(endingThatDay.status == 0, "\(endingThatDay.error)")
        let half = celltrace("export", "passport", Self.serial, "--declaration-from", "2026-01-01", "--ledger", ledger)
        #expect(half.status == 2 && half.error.contains("together"), "\(half.error)")
    }

    /// A passport of a cell whose lot rests on no primary data says so, in its notes and its
    /// `primaryDataFindings`, declared figure or own; its main production reading 0 is noted in
    /// words (not "mainproduction").
    @Test func passportNamesTheMissingPrimaryData() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try CarbonCLITests.ledgerWithoutPrimaryData(directory)
        let serial = "urn:epc:id:sgtin:4012345.011111.5001"
        for period in [[], ["--declaration-from", "2026-04-01", "--declaration-to", "2026-04-30"]] {
            let exported = celltrace(
                ["export", "passport", serial, "--profile", "public", "--ledger", ledger] + period
            )
            #expect(exported.status == 0, "\(exported.error)")
            let passport = try JSONValue(parsing: exported.output)
            let findings = try #require(passport["celltrace"]?["primaryDataFindings"]?.arrayValue)
            #expect(
                findings.compactMap { $0["requirement"]?.stringValue } == [
                    "main-production-primary-data", "cell-components-primary-data",
                ],
                "\(period)"
            )
            let notes = (passport["celltrace"]?["notes"]?.arrayValue ?? []).compactMap(\.stringValue)
            let finding =
                "carbonFootprint: does not meet Annex II's primary-data requirements: main production of cell lot urn:test:lot:cells-no-data has no primary data"
            #expect(notes.contains { $0.hasPrefix(finding) }, "\(notes)")
            #expect(exported.error.contains("note: " + finding), "\(exported.error)")
            #expect(
                notes.contains(
                    "carbonFootprintPerLifecycleStage MainProduction: no main production energy, fuels or direct emissions are recorded for the battery; 0 is not a measured value"
                ),
                "\(notes)"
            )
            #expect(!exported.error.contains("mainproduction"))
        }
        // The fixture's cell, whose making recorded electricity: only its anode bought at a default.
        let fixture = try JSONValue(parsing: celltrace("export", "passport", Self.serial, "--ledger", ledger).output)
        #expect(
            fixture["celltrace"]?["primaryDataFindings"]?.arrayValue?.compactMap { $0["requirement"]?.stringValue } == [
                "cell-components-primary-data"
            ]
        )
    }
}
