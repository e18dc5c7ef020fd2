import Foundation
import LedgerCore
import LedgerCrypto
import Testing

@testable import CellTraceCLI

/// `celltrace export epcis` and `celltrace export graph` through the parsed root command.
@Suite struct ExportEPCISGraphCLITests {
    @Test func exportEPCISAndGraphWriteTheirFilesAndRecordTheDisclosures() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        let generated = celltrace(
            "generate",
            "--cells",
            "1000",
            "--cells-per-lot",
            "500",
            "--seed",
            "3",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(generated.status == 0, "\(generated.error)")
        let report = try JSONValue(parsing: generated.output)
        let block = try #require(report["serialBlocks"]?.arrayValue?.first)
        let size = String(Int(try #require(report["treeSize"]?.doubleValue)))
        let serial = (block["prefix"]?.stringValue ?? "") + (block["first"]?.stringValue ?? "")

        let path = directory + "/cell.jsonld"
        let epcis = celltrace(
            "export",
            "epcis",
            serial,
            "--ledger",
            ledger,
            "--profile",
            "public",
            "--recipient",
            "Recycler AG",
            "-o",
            path
        )
        #expect(epcis.status == 0, "\(epcis.error)")
        #expect(epcis.output.isEmpty)
        #expect(epcis.error.contains("epcis export of \(serial) (public, ledger size "))
        #expect(epcis.error.contains("written to \(path); disclosure to Recycler AG recorded as entry "))
        let document = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(document["type"] == "EPCISDocument")
        #expect(document["ct:subject"]?.stringValue == serial)
        #expect(document["ct:disclosureProfile"] == "public")
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        #expect(!events.isEmpty)
        let schema = fixturesPath("epcis/schema/EPCIS-JSON-Schema.json")
        let validated = try run(["python3", toolsPath("validate_epcis.py"), schema, path])
        #expect(validated.status == 0, "\(validated.output)")

        let unknownActor = celltrace("export", "epcis", serial, "--ledger", ledger, "--actor", "nobody")
        #expect(unknownActor.status == 2)
        #expect(unknownActor.error.contains("--actor nobody: no event of the lineage of \(serial)"))

        // Each export appends its disclosure record, so the same picture twice is asked as of one size.
        let graphArguments = ["export", "graph", serial, "--ledger", ledger, "--profile", "auditor", "--as-of", size]
        let graph = celltrace(graphArguments)
        #expect(graph.status == 0, "\(graph.error)")
        #expect(graph.output.hasPrefix("digraph lineage {\n"))
        #expect(graph.output.contains("  \"\(serial)\" ["))
        #expect(graph.output.contains("(ledger size \(size))"))
        #expect(graph.output == celltrace(graphArguments).output)

        let svg = celltrace("export", "graph", serial, "--ledger", ledger, "--format", "svg")
        if graphvizInstalled() {
            #expect(svg.status == 0, "\(svg.error)")
            #expect(svg.output.contains("<svg"))
        } else {
            #expect(svg.status == 2)
            #expect(svg.error.contains("install Debian's graphviz package"))
        }
        #expect(celltrace("export", "graph", serial, "--ledger", ledger, "--format", "png").status != 0)

        let disclosures = celltrace("disclosures", "--ledger", ledger, "--json")
        #expect(disclosures.status == 0, "\(disclosures.error)")
        let recorded = try #require(try JSONValue(parsing: disclosures.output).arrayValue)
        let formats = recorded.compactMap { $0["format"]?.stringValue }
        #expect(formats == ["epcis", "graph", "graph"] + (graphvizInstalled() ? ["graph"] : []))
        #expect(recorded.first?["recipient"] == "Recycler AG")
        let digest = SHA256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).hex
        #expect(recorded.first?["sha256"]?.stringValue == digest, "the record names the exact bytes written")
    }

    @Test func packExportedActorByActorImportsIntoAnotherLedger() throws {
        let pack = "urn:epc:id:giai:4012345.PACK-0001"
        let source = temporaryDirectory()
        let target = temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: target)
        }
        // Two ledgers with the same actors, facilities and factors (each with its own keys); the chain in the first.
        let from = SupplyChainCLITests.chainLedger(source)
        let to = SupplyChainCLITests.chainLedger(target)
        for ledger in [from, to] {
            let factors = celltrace("factors", "add", fixturesPath("factors/reference-2023.json"), "--ledger", ledger)
            #expect(factors.status == 0, "\(factors.error)")
        }
        SupplyChainCLITests.importChain(from, keys: source)
        let actors = SupplyChainCLITests.chainDocuments.map(\.1)
        var parents: Set<String> = []
        for actor in actors {
            let path = source + "/\(actor).jsonld"
            let exported = celltrace(
                "export",
                "epcis",
                pack,
                "--ledger",
                from,
                "--profile",
                "auditor",
                "--actor",
                actor,
                "-o",
                path
            )
            try #require(exported.status == 0, "\(exported.error)")
            let events =
                try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path))))["epcisBody"]?[
                    "eventList"
                ]?.arrayValue ?? []
            for event in events { if let parent = event["parentID"]?.stringValue { parents.insert(parent) } }
            let imported = celltrace("import", path, "--ledger", to, "--as", actor, "--key", target + "/\(actor).pem")
            #expect(imported.status == 0, "\(imported.error)")
        }
        #expect(parents == ["urn:epc:id:giai:4012345.MOD-0001", pack], "the module's and the pack's assembly")

        // The same lineage in both ledgers, apart from entry numbers and sizes.
        func lineage(_ ledger: String) -> [String] {
            celltrace("trace", pack, "--ledger", ledger).output.split(separator: "\n").dropFirst(3).map {
                $0.replacingOccurrences(of: #"#[0-9]+"#, with: "#", options: .regularExpression)
            }
        }
        #expect(lineage(to) == lineage(from))
        #expect(lineage(to).contains { $0.contains("spodumene-concentrate") })
        let verified = celltrace("verify", "--ledger", to)
        #expect(verified.status == 0, "\(verified.error)")
    }

    private func graphvizInstalled() -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: $0 + "/dot") }
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
