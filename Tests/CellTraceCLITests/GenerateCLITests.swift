import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// `celltrace generate` through the parsed root command.
@Suite struct GenerateCLITests {
    @Test func generateCreatesAVerifiableLedger() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        let generated = celltrace(
            "generate",
            "--cells",
            "5000",
            "--cells-per-lot",
            "500",
            "--seed",
            "4",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(generated.status == 0, "\(generated.error)")
        #expect(generated.error.isEmpty, "no progress when stderr is not a terminal")
        let report = try JSONValue(parsing: generated.output)
        #expect(report["serials"] == 5000)
        #expect(report["cellLots"] == 10)
        #expect(report["seed"] == 4)
        let events = try #require(report["events"]?.doubleValue)
        #expect(events > 20)
        #expect(report["dataBytes"]?.doubleValue ?? 0 > 0)
        #expect(report["planningSeconds"]?.doubleValue ?? 0 > 0)
        let blocks = try #require(report["serialBlocks"]?.arrayValue)
        let first = try #require(blocks.first)
        let prefix = try #require(first["prefix"]?.stringValue)
        let number = try #require(first["first"]?.stringValue)
        let serial = prefix + number
        let shown = celltrace("serial", "show", serial, "--ledger", ledger)
        #expect(shown.status == 0, "\(shown.error)")
        #expect(shown.output.contains("model CT-NMC811-P1"))

        let verified = celltrace("verify", "--ledger", ledger)
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.contains("OK: supply chain rebuilt by replay"))

        let human = celltrace("generate", "--cells", "10", "--ledger", ledger)
        #expect(human.status == 2)
        #expect(
            human.error.contains(
                "already holds 15 actors, 18 facilities, the factor table generated-network version 1 and the battery model CT-NMC811-P1; generate into a new ledger"
            )
        )
    }

    @Test func generateAssemblesTheNumberOfPacksAsked() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        // 3 packs of 12 modules of 24 cells: 864 cells, from the first cell lots made.
        let generated = celltrace(
            "generate",
            "--cells",
            "5000",
            "--cells-per-lot",
            "500",
            "--packs",
            "3",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(generated.status == 0, "\(generated.error)")
        let report = try JSONValue(parsing: generated.output)
        #expect(report["packs"] == 3)
        #expect(report["modules"] == 36)
        let pack = try JSONValue(
            parsing: celltrace("footprint", "urn:epc:id:giai:5991015.PACK-00003", "--ledger", ledger, "--json").output
        )
        #expect(pack["subject"]?["cells"] == 288, "\(pack)")
        for bad in ["-1", "5001"] {
            let refused = celltrace("generate", "--cells", "5000", "--packs=\(bad)", "--ledger", directory + "/other")
            #expect(refused.status == 2)
            #expect(
                refused.error.contains(
                    "--packs must be from 0 to 5000, as the plan assembles a module every ten minutes and more would be dated in the future (got \(bad))"
                ),
                "\(refused.error)"
            )
        }
        let short = celltrace("generate", "--cells", "600", "--packs", "3", "--ledger", directory + "/other")
        #expect(short.status == 2)
        #expect(
            short.error.contains(
                "--packs 3 needs 864 cells (288 a pack), more than --cells 600; give at most 2 packs, or more cells"
            ),
            "\(short.error)"
        )
        #expect(!FileManager.default.fileExists(atPath: directory + "/other"))
    }

    @Test func generatePrintsASummaryAndRefusesBadOptions() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        let generated = celltrace("generate", "--cells", "1200", "--cells-per-lot", "400", "--ledger", ledger)
        #expect(generated.status == 0, "\(generated.error)")
        #expect(generated.output.contains("serials   1200 in "))
        #expect(generated.output.contains("lots      "))
        #expect(generated.output.contains("events/s)"))
        #expect(generated.output.contains("s of it"), "the planning time")
        let bad = celltrace("generate", "--cells", "0", "--ledger", directory + "/other")
        #expect(bad.status == 2)
        #expect(bad.error.contains("--cells must be at least 1 (got 0)"), "\(bad.error)")
        let lots = celltrace("generate", "--cells", "100000000000", "--ledger", directory + "/other")
        #expect(lots.status == 2)
        #expect(
            lots.error.contains("makes 50000000 cell lots, more than the 5000000 that planning holds in memory"),
            "\(lots.error)"
        )
        #expect(lots.error.contains("use --cells-per-lot 20000 or more, or fewer --cells"), "\(lots.error)")
        let cells = celltrace(
            "generate",
            "--cells",
            "100000000001",
            "--cells-per-lot",
            "100000",
            "--ledger",
            directory + "/other"
        )
        #expect(cells.status == 2)
        #expect(cells.error.contains("--cells must be at most 10^11"), "\(cells.error)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/other"), "nothing written")
    }

    @Test func generateWritesTheSeedExactlyAndRefusesSeedsJSONCannotHold() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let largest = "9007199254740991"
        let generated = celltrace(
            "generate",
            "--cells",
            "10",
            "--seed",
            largest,
            "--ledger",
            directory + "/ledger",
            "--json"
        )
        #expect(generated.status == 0, "\(generated.error)")
        #expect(generated.output.contains("\"seed\":\(largest),"), "\(generated.output)")
        #expect(try JSONValue(parsing: generated.output)["seed"] == 9_007_199_254_740_991)

        for seed in ["9007199254740992", "18446744073709551615"] {
            let ledger = directory + "/too-large-" + seed
            let refused = celltrace("generate", "--cells", "10", "--seed", seed, "--ledger", ledger, "--json")
            #expect(refused.status == 2)
            #expect(
                refused.error.contains("--seed must be from 0 to 9007199254740991 (2^53 - 1)"),
                "\(refused.error)"
            )
            #expect(refused.output.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: ledger), "nothing written")
        }
    }
}
