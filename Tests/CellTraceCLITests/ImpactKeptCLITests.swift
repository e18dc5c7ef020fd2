import Foundation
import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

@testable import CellTraceCLI

/// `celltrace impact FILE…`: exports kept by the sender, written again at their size and compared.
@Suite struct ImpactKeptCLITests {
    @Test func keptExportsReproduceAndALaterEntryStillShows() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let custody = directory + "/cell.custody.json"
        let pact = directory + "/cell.pact.json"
        let graph = directory + "/cell.dot"
        #expect(ImpactCLITests.exportCell(ledger, to: custody).status == 0)
        let pactExport = celltrace(
            "export",
            "pact",
            CarbonCLITests.serial,
            "--recipient",
            "OEM Europe GmbH",
            "--ledger",
            ledger,
            "-o",
            pact
        )
        #expect(pactExport.status == 0, "\(pactExport.error)")
        #expect(celltrace("export", "graph", CarbonCLITests.serial, "--ledger", ledger, "-o", graph).status == 0)

        let compared = celltrace("impact", custody, pact, graph, "--ledger", ledger)
        #expect(compared.status == 0, "\(compared.error)")
        let text = compared.output
        // The bundle proves its entries to the checkpoint of the day it is written: written again
        // after the later exports' records, only those proofs differ.
        #expect(text.hasPrefix("3 kept exports written again by this CellTrace at the size each describes"), "\(text)")
        #expect(text.contains(": 1 reproduces, 1 same-figures, 1 no-figures\n"), "\(text)")
        #expect(text.contains("\(pact): pact-3.0.3 of \(CarbonCLITests.serial) as of ledger size "), "\(text)")
        #expect(text.contains(" to OEM Europe GmbH (legitimate-interest)\n"), "\(text)")
        #expect(text.contains(": reproduces (the same bytes)\n  the ledger at size"), "\(text)")
        #expect(text.contains(": same-figures\n  the ledger at size"), "\(text)")
        #expect(text.contains(": no-figures (the graph format states no footprint)"), "\(text)")
        #expect(!text.contains("reissue"), "\(text)")

        // The refinery's grid region corrected: the method still gives what was sent for the
        // ledger then, and the ledger now gives other figures.
        #expect(ImpactCLITests.amendRefinery(ledger, region: "CN-NM", reason: "metered there").status == 0)
        let json = try JSONValue(parsing: celltrace("impact", pact, "--ledger", ledger, "--json").output)
        let row = try #require(json["kept"]?.arrayValue?.first)
        #expect(row["method"] == "reproduces")
        #expect(row["status"] == "footprint-changed")
        #expect(row["file"]?.stringValue == pact)
        #expect(row["format"] == "pact-3.0.3")
        #expect(row["recipient"] == "OEM Europe GmbH")
        #expect(
            row["reissue"]?.stringValue
                == "celltrace export pact \(CarbonCLITests.serial) --profile legitimate-interest "
                + "--recipient 'OEM Europe GmbH' -o FILE"
        )
        let after = celltrace("impact", pact, "--ledger", ledger).output
        #expect(after.contains("  the ledger at size "), "\(after)")
        #expect(after.contains(": footprint-changed (kg CO2e "), "\(after)")
        #expect(after.contains("  reissue   celltrace export pact "), "\(after)")
        // As of the ledger before the amendment, the export is current again.
        let before = try JSONValue(
            parsing: celltrace("impact", pact, "--as-of", String(try size(ledger) - 1), "--ledger", ledger, "--json")
                .output
        )
        #expect(before["kept"]?.arrayValue?.first?["status"] == "current")
    }

    /// A file written by an earlier release, whose method gave another figure for the same
    /// entries, stands for itself: its record holds its own SHA-256.
    @Test func aFigureTheMethodNoLongerGivesIsNamedWithBothValues() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let pact = directory + "/cell.pact.json"
        #expect(celltrace("export", "pact", CarbonCLITests.serial, "--ledger", ledger, "-o", pact).status == 0)
        let written = try String(contentsOfFile: pact, encoding: .utf8)
        let document = try JSONValue(parsing: written)
        let figure = try #require(document["pcf"]?["pcfExcludingBiogenicUptake"]?.stringValue)
        // The market-based total as an earlier method gave it: 6.6 % more.
        let earlier = written.replacingOccurrences(of: "\"\(figure)\"", with: "\"20.6913\"")
        #expect(earlier != written)
        let old = directory + "/cell.pact.earlier.json"
        try earlier.write(toFile: old, atomically: true, encoding: .utf8)
        let bytes = Array(earlier.utf8)
        // Recorded as an earlier release recorded its export; the ledger closed before the command.
        do {
            let chain = try SupplyChainLedger(openingAt: ledger)
            let size = try chain.ledger.size
            _ = try chain.recordDisclosure(
                Disclosure(
                    recipient: "OEM Europe GmbH",
                    profile: "legitimate-interest",
                    format: "pact-3.0.3",
                    subject: CarbonCLITests.serial,
                    asOfSize: size - 1,
                    sha256: SHA256.hash(bytes).hex,
                    byteCount: bytes.count
                )
            )
        }

        let compared = celltrace("impact", old, "--ledger", ledger)
        #expect(compared.status == 0, "\(compared.error)")
        let text = compared.output
        #expect(text.contains(": 1 method-changed\n"), "\(text)")
        #expect(text.contains(": method-changed, "), "\(text)")
        #expect(text.contains("/pcf/pcfExcludingBiogenicUptake"), "\(text)")
        #expect(text.contains("  20.6913  \(figure)  "), "\(text)")
        #expect(text.contains("  -6.2 %\n"), "\(text)")
        #expect(text.contains("  reissue   celltrace export pact "), "\(text)")
        let json = try JSONValue(parsing: celltrace("impact", old, "--ledger", ledger, "--json").output)
        let row = try #require(json["kept"]?.arrayValue?.first)
        #expect(row["method"] == "method-changed")
        let changes = try #require(row["figures"]?.arrayValue)
        #expect(
            changes.contains([
                "pointer": "/pcf/pcfExcludingBiogenicUptake", "kept": "20.6913", "now": .string(figure),
            ]),
            "\(changes)"
        )
        #expect(row["reissue"] != nil)
    }

    /// A passport's performance class and supply-chain index score are the sender's, not the
    /// ledger's: written again from the kept file's own members, each passport reproduces.
    @Test func passportOptionsAreTakenFromTheKeptFile() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let options = [
            "class": ["--performance-class", "B+"],
            "indices": ["--supply-chain-indices", "0.73"],
            "both": [
                "--performance-class", "A", "--supply-chain-indices", "82.5", "--declaration-from", "2026-01-01",
                "--declaration-to", "2026-12-31",
            ],
        ]
        var files: [String] = []
        for (name, flags) in options.sorted(by: { $0.key < $1.key }) {
            let file = directory + "/cell.\(name).passport.json"
            let exported = celltrace(
                ["export", "passport", CarbonCLITests.serial, "--ledger", ledger, "-o", file] + flags
            )
            #expect(exported.status == 0, "\(name): \(exported.error)")
            files.append(file)
        }
        let compared = celltrace(["impact"] + files + ["--ledger", ledger])
        #expect(compared.status == 0, "\(compared.error)")
        #expect(compared.output.contains(": 3 reproduces\n"), "\(compared.output)")
        #expect(!compared.output.contains("method-changed"), "\(compared.output)")
        let json = try JSONValue(parsing: celltrace(["impact"] + files + ["--ledger", ledger, "--json"]).output)
        #expect(json["kept"]?.arrayValue?.map { $0["method"] } == ["reproduces", "reproduces", "reproduces"])
    }

    @Test func aFileTheLogDoesNotHoldIsRefusedByName() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let pact = directory + "/cell.pact.json"
        #expect(celltrace("export", "pact", CarbonCLITests.serial, "--ledger", ledger, "-o", pact).status == 0)
        let edited = directory + "/edited.json"
        try (try String(contentsOfFile: pact, encoding: .utf8) + " ").write(
            toFile: edited,
            atomically: true,
            encoding: .utf8
        )
        let refused = celltrace("impact", pact, edited, directory + "/missing.json", "--ledger", ledger)
        #expect(refused.status == 2)
        #expect(refused.output.isEmpty, "nothing is compared until every file is found")
        #expect(refused.error.contains("\(edited): no export with its SHA-256 ("), "\(refused.error)")
        #expect(refused.error.contains("is in the disclosure log"), "\(refused.error)")
        #expect(refused.error.contains("cannot read \(directory)/missing.json"), "\(refused.error)")
        #expect(!refused.error.contains("\(pact):"), "\(refused.error)")
        let mixed = celltrace("impact", pact, "--entry", "3", "--ledger", ledger)
        #expect(mixed.status == 2)
        #expect(mixed.error.contains("kept files are compared one by one"), "\(mixed.error)")
    }

    private func size(_ ledger: String) throws -> Int {
        let log = celltrace("checkpoint", "--ledger", ledger).output
        return Int(log.split(separator: "\n")[1]) ?? -1
    }
}
