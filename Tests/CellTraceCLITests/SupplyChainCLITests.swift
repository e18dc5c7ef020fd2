import Foundation
import LedgerCore
import LedgerStorage
import SupplyChain
import Testing

@testable import CellTraceCLI

/// The supply-chain commands end to end: keys, master data, import, reads, verify.
@Suite struct SupplyChainCLITests {
    /// A ledger with the four actors and facilities of `Fixtures/epcis/chain`, all set up through the CLI.
    static func chainLedger(_ directory: String) -> String {
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger, "--origin", "cli.test/chain").status == 0)
        let actors: [(String, String, String?)] = [
            ("pilbara-mining", "miner", "urn:epc:id:pgln:9300001.00000"),
            ("sichuan-lithium", "refiner", "urn:epc:id:pgln:6900002.00000"),
            ("cathode-co", "processor", nil), ("cell-co", "cell-maker", nil),
        ]
        for (name, role, party) in actors {
            let keygen = celltrace("keygen", directory + "/\(name).pem")
            #expect(keygen.status == 0, "\(keygen.error)")
            var arguments = [
                "actor", "add", name, "--ledger", ledger, "--role", role, "--key", directory + "/\(name).pub.pem",
            ]
            if let party { arguments += ["--party", party] }
            let added = celltrace(arguments)
            #expect(added.status == 0, "\(added.error)")
        }
        let facilities: [[String]] = [
            [
                "urn:epc:id:sgln:9300001.00001.0", "--operator", "pilbara-mining", "--kind", "mine", "--country", "AU",
                "--subdivision", "AU-WA", "--latitude=-21.0393", "--longitude", "118.8987", "--name", "Pilgangoora",
            ],
            [
                "urn:epc:id:sgln:6900002.00001.0", "--operator", "sichuan-lithium", "--kind", "refinery", "--country",
                "CN",
                "--subdivision", "CN-SC",
            ],
            [
                "urn:celltrace:facility:cathode-plant", "--operator", "cathode-co", "--kind", "cathode", "--country",
                "CN",
            ],
            ["urn:celltrace:facility:cell-plant", "--operator", "cell-co", "--kind", "cell", "--country", "HU"],
        ]
        for facility in facilities {
            let added = celltrace(["facility", "add"] + facility + ["--ledger", ledger])
            #expect(added.status == 0, "\(added.error)")
        }
        return ledger
    }

    /// The four documents of `Fixtures/epcis/chain`, in order, with the actor that submits each.
    static let chainDocuments = [
        ("01-mine.jsonld", "pilbara-mining"), ("02-refinery.jsonld", "sichuan-lithium"),
        ("03-cathode.jsonl", "cathode-co"), ("04-cells.jsonld", "cell-co"),
    ]

    /// Imports the chain's documents into `ledger` through the CLI, signed with the keys in `keys`.
    static func importChain(_ ledger: String, keys: String) {
        for (file, actor) in chainDocuments {
            let imported = celltrace(
                "import",
                fixturesPath("epcis/chain/" + file),
                "--ledger",
                ledger,
                "--as",
                actor,
                "--key",
                keys + "/\(actor).pem"
            )
            #expect(imported.status == 0, "\(imported.error)")
        }
    }

    @Test func importReadAndVerifyTheChain() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        for (file, actor) in Self.chainDocuments {
            let path = fixturesPath("epcis/chain/" + file)
            let dry = celltrace(
                "import",
                path,
                "--ledger",
                ledger,
                "--as",
                actor,
                "--key",
                directory + "/\(actor).pem",
                "--dry-run"
            )
            #expect(dry.status == 0, "\(dry.error)")
            #expect(dry.output.hasPrefix("dry run:"))
            let imported = celltrace(
                "import",
                path,
                "--ledger",
                ledger,
                "--as",
                actor,
                "--key",
                directory + "/\(actor).pem",
                "--json"
            )
            #expect(imported.status == 0, "\(imported.error)")
            let report = try JSONValue(parsing: imported.output)
            #expect(report["written"] == report["events"])
            #expect(report["file"] == .string(path), "a single file's line names it too")
        }
        let again = celltrace(
            "import",
            fixturesPath("epcis/chain/04-cells.jsonld"),
            "--ledger",
            ledger,
            "--as",
            "cell-co",
            "--key",
            directory + "/cell-co.pem"
        )
        #expect(again.status == 0)
        #expect(again.output == "nothing new: all 5 events are already in the ledger (size 25)\n")

        let lot = try JSONValue(
            parsing: celltrace("lot", "show", "urn:celltrace:lot:cam-811-0210", "--ledger", ledger, "--json").output
        )
        #expect(lot["material"] == "cam-nmc811")
        #expect(lot["balanceKg"] == "0")
        // A stray space, invisible in the message, is named; an empty id is told to name one.
        let spaced = celltrace("lot", "show", "urn:celltrace:lot:cam-811-0210 ", "--ledger", ledger)
        #expect(
            spaced.status == 2
                && spaced.error.contains(
                    #"no lot urn:celltrace:lot:cam-811-0210  in the ledger (the id "urn:celltrace:lot:cam-811-0210 " holds a space at its end)"#
                ),
            "\(spaced.error)"
        )
        let nothing = celltrace("serial", "show", "", "--ledger", ledger)
        #expect(nothing.status == 2 && nothing.error.contains("no serial was named"), "\(nothing.error)")
        #expect(lot["madeFrom"]?.arrayValue?.count == 2)
        // Its custody: shipped whole by its maker to the cell maker, the shipment found again by its hash ID.
        let shipment = try #require(lot["custody"]?.arrayValue?.first?.objectValue)
        let shipmentID = try #require(shipment["hashID"]?.stringValue)
        #expect(lot["custody"]?.arrayValue?.count == 1)
        // Shipped and not yet received: what the receiver has still to acknowledge.
        #expect(lot["receipts"] == [["actor": "cell-co", "shippedKg": "70000", "receivedKg": "0"]])
        #expect(
            JSONValue.object(shipment.filter { $0.key != "hashID" }) == [
                "kind": "shipped", "actor": "cathode-co", "to": "cell-co", "kg": "70000", "seq": 18,
                "eventTime": "2026-02-12T00:00:00.000Z",
            ],
            "\(lot["custody"] ?? nil)"
        )
        let shipped = try JSONValue(
            parsing: celltrace("event", "show", shipmentID, "--ledger", ledger, "--json").output
        )
        #expect(shipped["entry"] == 18 && shipped["hashID"] == .string(shipmentID) && shipped["type"] == "ObjectEvent")
        // The event that made it, by the eventID the lot names (its hash ID: the fixture gives none).
        let maker = try #require(lot["createdBy"]?.stringValue)
        let event = try JSONValue(parsing: celltrace("event", "show", maker, "--ledger", ledger, "--json").output)
        #expect(event["eventID"] == .string(maker) && event["hashID"] == .string(maker))
        #expect(event["type"] == "TransformationEvent" && event["actor"] == "cathode-co")
        #expect(event["entry"] == lot["createdAt"] && event["submission"] != nil && event["retractedAt"] == nil)
        let upper = celltrace("event", "show", maker.uppercased(), "--ledger", ledger, "--json")
        #expect(upper.status == 0, "\(upper.error)")
        #expect(try JSONValue(parsing: upper.output)["hashID"] == .string(maker))
        let eventText = celltrace("event", "show", maker, "--ledger", ledger).output
        #expect(eventText.contains("type      TransformationEvent by cathode-co"), "\(eventText)")
        let unknown = celltrace("event", "show", "urn:uuid:00000000-0000-4000-8000-000000000000", "--ledger", ledger)
        #expect(unknown.status == 2 && unknown.error.contains("no event urn:uuid:00000000-0000-4000-8000-000000000000"))
        let serial = try JSONValue(
            parsing: celltrace("serial", "show", "urn:epc:id:sgtin:4012345.011111.4", "--ledger", ledger, "--json")
                .output
        )
        #expect(serial["cell"]?["lot"] == "urn:celltrace:lot:cells-nmc811-0225")
        #expect(serial["containedIn"] == ["urn:epc:id:giai:4012345.MOD-0001", "urn:epc:id:giai:4012345.PACK-0001"])
        // The cell's own history: put into the module, by entry and event.
        let moves = try #require(serial["moves"]?.arrayValue)
        #expect(moves.count == 1 && moves[0]["unit"] == "urn:epc:id:giai:4012345.MOD-0001" && moves[0]["move"] == "in")
        #expect(moves[0]["seq"] != nil && moves[0]["event"]?.stringValue?.hasPrefix("ni:///sha-256;") == true)
        // Who has it: whoever has the pack it is in, here the cell maker that assembled the pack.
        #expect(
            serial["custody"] == [
                "actors": ["cell-co"], "reason": "assembled", "inside": "urn:epc:id:giai:4012345.PACK-0001",
            ]
        )
        let cellText = celltrace("serial", "show", "urn:epc:id:sgtin:4012345.011111.4", "--ledger", ledger).output
        #expect(
            cellText.contains("HISTORY (the modules and packs it was put into and taken out of, oldest first)")
                && cellText.contains("urn:epc:id:giai:4012345.MOD-0001  put in"),
            "\(cellText)"
        )
        #expect(
            cellText.contains(
                "\ncustody   inside urn:epc:id:giai:4012345.PACK-0001, which is with cell-co, which assembled it\n"
            ),
            "\(cellText)"
        )
        // A module's own history: the assembly that built it, by entry and event.
        let module = try JSONValue(
            parsing: celltrace("serial", "show", "urn:epc:id:giai:4012345.MOD-0001", "--ledger", ledger, "--json")
                .output
        )
        let steps = try #require(module["history"]?.arrayValue)
        #expect(steps.count == 1 && steps[0]["added"]?.arrayValue?.count == module["children"]?.arrayValue?.count)
        #expect(steps[0]["removed"] == [] && steps[0]["event"]?.stringValue != nil && steps[0]["seq"] != nil)
        #expect(module["facility"] != nil)
        #expect(module["custody"]?["inside"] == "urn:epc:id:giai:4012345.PACK-0001")
        let moduleText = celltrace("serial", "show", "urn:epc:id:giai:4012345.MOD-0001", "--ledger", ledger).output
        #expect(moduleText.contains("HISTORY (assemblies and disassemblies, oldest first)"), "\(moduleText)")
        // And the pack it went into, as a cell's moves list its module.
        let placed = try #require(module["moves"]?.arrayValue)
        #expect(
            placed.count == 1 && placed[0]["unit"] == "urn:epc:id:giai:4012345.PACK-0001" && placed[0]["move"] == "in"
        )
        #expect(moduleText.contains("urn:epc:id:giai:4012345.PACK-0001  put in"), "\(moduleText)")
        // The same cell by its Digital Link: shown, with a note naming the form the ledger has.
        let linked = celltrace(
            "serial",
            "show",
            "https://id.gs1.org/01/04012345111118/21/4",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(linked.status == 0, "\(linked.error)")
        #expect(try JSONValue(parsing: linked.output) == serial)
        #expect(linked.error.contains("is recorded as urn:epc:id:sgtin:4012345.011111.4"), "\(linked.error)")
        let spodumene = "https://id.gs1.org/01/09300001000117/10/SC6-2601"
        let byLink = celltrace("lot", "show", spodumene, "--ledger", ledger, "--json")
        #expect(
            byLink.status == 0 && byLink.error.contains("is recorded as urn:epc:class:lgtin:9300001.000011.SC6-2601")
        )
        #expect(try JSONValue(parsing: byLink.output)["id"] == "urn:epc:class:lgtin:9300001.000011.SC6-2601")
        let recall = celltrace("where-used", spodumene, "--ledger", ledger)
        #expect(
            recall.status == 0 && recall.output.contains("urn:epc:class:lgtin:9300001.000011.SC6-2601"),
            "\(recall.error)"
        )
        #expect(recall.error.contains("is recorded as urn:epc:class:lgtin:9300001.000011.SC6-2601"), "\(recall.error)")
        let traced = celltrace("trace", "https://id.gs1.org/01/04012345111118/21/4", "--ledger", ledger, "--json")
        #expect(traced.status == 0, "\(traced.error)")
        #expect(traced.error.contains("is recorded as urn:epc:id:sgtin:4012345.011111.4"), "\(traced.error)")
        #expect(
            try JSONValue(parsing: traced.output)["subject"]?["id"] == "urn:epc:id:sgtin:4012345.011111.4",
            "\(traced.output.prefix(300))"
        )
        let human = celltrace("lot", "show", "urn:celltrace:lot:cam-811-0210", "--ledger", ledger)
        #expect(human.output.contains("mass      70000 kg made, 70000 kg consumed, 0 kg left"))
        #expect(
            human.output.contains(
                "receipts  cell-co: 70000 kg shipped to it, 0 kg received, 70000 kg not yet received"
            ),
            "\(human.output)"
        )
        #expect(
            human.output.contains(
                "shipped  cathode-co  cell-co  70000  2026-02-12T00:00:00.000Z  #18"
            ),
            "\(human.output)"
        )

        let actors = try JSONValue(parsing: celltrace("actor", "list", "--ledger", ledger, "--json").output)
        #expect(actors.arrayValue?.count == 4)
        let facilities = celltrace("facility", "list", "--ledger", ledger)
        let refinery = facilities.output.split(separator: "\n").first {
            $0.hasPrefix("urn:epc:id:sgln:6900002.00001.0 ")
        }
        #expect(
            refinery?.split(separator: " ") == [
                "urn:epc:id:sgln:6900002.00001.0", "refinery", "sichuan-lithium", "CN", "CN-SC",
            ]
        )

        let verify = celltrace("verify", "--ledger", ledger)
        #expect(verify.status == 0, "\(verify.error)")
        #expect(verify.output.contains("supply chain rebuilt by replay"))
        #expect(verify.output.contains("4 submission signatures verified"))
    }

    @Test func facilityTransferHandsTheFacilityToItsNewOperator() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        let refinery = "urn:epc:id:sgln:6900002.00001.0"
        let transfer = celltrace(
            "facility",
            "transfer",
            refinery,
            "--to",
            "cathode-co",
            "--reason",
            "sold",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(transfer.status == 0, "\(transfer.error)")
        let at = try #require(try JSONValue(parsing: transfer.output)["sequenceNumber"]?.doubleValue)

        let listed = try JSONValue(parsing: celltrace("facility", "list", "--ledger", ledger, "--json").output)
        let row = try #require(listed.arrayValue?.first { $0["id"]?.stringValue == refinery })
        #expect(row["operator"] == "cathode-co")
        #expect(
            row["transfers"]
                == [["from": "sichuan-lithium", "to": "cathode-co", "at": .number(at), "reason": "sold"]]
        )
        let table = celltrace("facility", "list", "--ledger", ledger).output
        #expect(table.contains("cathode-co (since #\(Int(at)))"), "\(table)")

        // The refinery's document, by its former operator, is refused as a whole.
        let refused = celltrace(
            "import",
            fixturesPath("epcis/chain/02-refinery.jsonld"),
            "--ledger",
            ledger,
            "--as",
            "sichuan-lithium",
            "--key",
            directory + "/sichuan-lithium.pem"
        )
        #expect(refused.status == 2)
        #expect(
            refused.error.contains(
                "was transferred from sichuan-lithium to cathode-co at entry \(Int(at)) and is operated by cathode-co"
            ),
            "\(refused.error)"
        )
        let shown = celltrace("facility", "show", refinery, "--ledger", ledger)
        #expect(shown.status == 0, "\(shown.error)")
        #expect(shown.output.contains("operator  cathode-co since entry #\(Int(at))"), "\(shown.output)")
        #expect(shown.output.contains("#\(Int(at))  transferred from sichuan-lithium to cathode-co: sold"))
        let before = celltrace("facility", "show", refinery, "--as-of", String(Int(at)), "--ledger", ledger)
        #expect(before.output.contains("operator  sichuan-lithium\n"), "\(before.output)")
        #expect(!before.output.contains("transferred"))
        let listedBefore = try JSONValue(
            parsing: celltrace("facility", "list", "--as-of", String(Int(at)), "--ledger", ledger, "--json").output
        )
        #expect(listedBefore.arrayValue?.first { $0["id"]?.stringValue == refinery }?["operator"] == "sichuan-lithium")
        let unknown = celltrace("facility", "show", "urn:test:nowhere", "--ledger", ledger)
        #expect(unknown.status == 2)
        #expect(unknown.error.contains("no facility urn:test:nowhere is registered"))

        let again = celltrace("facility", "transfer", refinery, "--to", "cathode-co", "--ledger", ledger)
        #expect(again.status == 2)
        #expect(again.error.contains("facility \(refinery) is already operated by cathode-co"), "\(again.error)")

        let verify = celltrace("verify", "--ledger", ledger)
        #expect(verify.status == 0, "\(verify.error)")
    }

    @Test func facilityAmendCorrectsTheRecordAndListsTheChange() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        let refinery = "urn:epc:id:sgln:6900002.00001.0"
        let amend = celltrace(
            "facility",
            "amend",
            refinery,
            "--region",
            "CN-SW",
            "--risk",
            "high-risk",
            "--reason",
            "wrong grid",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(amend.status == 0, "\(amend.error)")
        let at = try #require(try JSONValue(parsing: amend.output)["sequenceNumber"]?.doubleValue)
        let listed = try JSONValue(parsing: celltrace("facility", "list", "--ledger", ledger, "--json").output)
        let row = try #require(listed.arrayValue?.first { $0["id"]?.stringValue == refinery })
        #expect(row["gridRegion"] == "CN-SW" && row["riskFlags"] == ["high-risk"])
        #expect(
            row["amendments"] == [
                [
                    "at": .number(at), "reason": "wrong grid",
                    "changes": [
                        ["field": "gridRegion", "before": .null, "after": "CN-SW"],
                        ["field": "riskFlags", "before": .null, "after": ["high-risk"]],
                    ],
                ]
            ]
        )
        let cleared = celltrace(
            "facility",
            "amend",
            refinery,
            "--clear",
            "region",
            "--clear",
            "risk",
            "--reason",
            "undone",
            "--ledger",
            ledger
        )
        #expect(cleared.status == 0, "\(cleared.error)")
        let line = celltrace("facility", "list", "--ledger", ledger).output.split(separator: "\n").first {
            $0.hasPrefix(refinery + " ")
        }
        #expect(line?.split(separator: " ") == [Substring(refinery), "refinery", "sichuan-lithium", "CN", "CN-SC"])

        // New coordinates are sealed: show and list say that they changed, not what they are.
        let moved = celltrace(
            "facility",
            "amend",
            refinery,
            "--latitude",
            "-30.25",
            "--longitude",
            "103.5",
            "--reason",
            "surveyed",
            "--ledger",
            ledger
        )
        #expect(moved.status == 0, "\(moved.error)")
        let shown = celltrace("facility", "show", refinery, "--ledger", ledger)
        #expect(shown.output.contains("location  sealed at its last amendment"), "\(shown.output)")
        #expect(shown.output.contains("location (none) → (sealed)"), "\(shown.output)")
        #expect(!shown.output.contains("-30.25") && !shown.output.contains("103.5"))
        let sealed = try JSONValue(parsing: celltrace("facility", "list", "--ledger", ledger, "--json").output)
        let sealedRow = try #require(sealed.arrayValue?.first { $0["id"]?.stringValue == refinery })
        #expect(
            sealedRow["amendments"]?.arrayValue?.last?["changes"] == [
                ["field": "location", "before": .null, "after": "sealed"]
            ]
        )
        #expect(
            celltrace("facility", "amend", refinery, "--clear", "location", "--reason", "withdrawn", "--ledger", ledger)
                .status == 0
        )
        #expect(!celltrace("facility", "show", refinery, "--ledger", ledger).output.contains("location  sealed"))

        for (arguments, message) in [
            (["--reason", "r"], "give a field to correct"),
            (["--region", "X", "--clear", "region", "--reason", "r"], "--clear region and a new value for it"),
            (
                ["--clear", "operator", "--reason", "r"],
                "--clear operator: use name, subdivision, region, location or risk"
            ),
            (["--latitude", "30.1", "--reason", "r"], "give --latitude and --longitude together"),
            (
                ["--latitude", "91", "--longitude", "100", "--reason", "r"],
                "field '/location/latitude': must be between -90 and 90 degrees (got 91)"
            ),
            (["--kind", "smelter", "--reason", "r"], "field '/kind': must be one of mine, refinery"),
        ] {
            let refused = celltrace(["facility", "amend", refinery] + arguments + ["--ledger", ledger])
            #expect(refused.status == 2, "\(arguments)")
            #expect(refused.error.contains(message), "\(refused.error)")
        }
        let verify = celltrace("verify", "--ledger", ledger)
        #expect(verify.status == 0, "\(verify.error)")
    }

    @Test func indexRebuildRepairsWhatVerifyReports() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        Self.importChain(ledger, keys: directory)
        // The lot index lost, as a damaged or older ledger would have it.
        do {
            let chain = try SupplyChainLedger(openingAt: ledger)
            try chain.ledger.rewriteExtraTables(["sc.lots"], expectedSize: try chain.ledger.size) { _, _ in }
        }
        #expect(celltrace("lot", "show", "urn:celltrace:lot:cam-811-0210", "--ledger", ledger).status == 2)
        let damaged = celltrace("verify", "--ledger", ledger)
        #expect(damaged.status == 1)
        #expect(damaged.error.contains("supply-chain indexes"), "\(damaged.error)")
        #expect(damaged.error.contains("`celltrace index rebuild`"), "\(damaged.error)")

        let rebuilt = celltrace("index", "rebuild", "--ledger", ledger)
        #expect(rebuilt.status == 0, "\(rebuilt.error)")
        #expect(rebuilt.output.contains("indexes rebuilt from 25 entries, 4 submission signatures verified"))
        let lots = rebuilt.output.split(separator: "\n").first { $0.hasPrefix("sc.lots ") }
        #expect(lots?.split(separator: " ") == ["sc.lots", "0", "6"], "\(rebuilt.output)")
        #expect(celltrace("verify", "--ledger", ledger).status == 0)
        let human = celltrace("lot", "show", "urn:celltrace:lot:cam-811-0210", "--ledger", ledger)
        #expect(human.output.contains("mass      70000 kg made, 70000 kg consumed, 0 kg left"))

        // The indexes' layout marker set as another CellTrace would have left it.
        func markLayout(_ layout: String) throws {
            let chain = try SupplyChainLedger(openingAt: ledger)
            try chain.ledger.rewriteExtraTables(["sc.meta"], expectedSize: try chain.ledger.size) { txn, tables in
                try txn.put(Array(layout.utf8), forKey: Array("layout".utf8), in: tables[0])
            }
        }
        // Indexes of another layout (here, the one before sc.event-hashes): refused by name until
        // rebuilt, as the ledger's state (exit 3) rather than the input's fault.
        try markLayout("5")
        let refused = celltrace("lot", "show", "urn:celltrace:lot:cam-811-0210", "--ledger", ledger)
        #expect(refused.status == 3)
        #expect(refused.error.contains("index layout 5") && refused.error.contains("`celltrace index rebuild`"))
        // A dry run of a document it cannot check does not call the document invalid.
        let (file, actor) = Self.chainDocuments[0]
        let path = fixturesPath("epcis/chain/" + file)
        let key = directory + "/\(actor).pem"
        let dryRun = celltrace("import", path, "--dry-run", "--ledger", ledger, "--as", actor, "--key", key)
        #expect(dryRun.status == 3, "\(dryRun.error)")
        #expect(dryRun.error.hasPrefix("celltrace: \(path) was not checked\n"), "\(dryRun.error)")
        #expect(celltrace("verify", "--ledger", ledger).status == 1)
        // Indexes a newer CellTrace wrote: named as such, without advice to rebuild them back.
        try markLayout("99")
        let newer = celltrace("lot", "show", "urn:celltrace:lot:cam-811-0210", "--ledger", ledger)
        #expect(newer.status == 3)
        #expect(
            newer.error.contains("written in index layout 99 by a newer CellTrace than this one")
                && newer.error.contains("use that CellTrace on this ledger"),
            "\(newer.error)"
        )

        let json = try JSONValue(parsing: celltrace("index", "rebuild", "--ledger", ledger, "--json").output)
        #expect(json["rebuilt"] == true)
        // The layout the tables were in, and this CellTrace's, which they are in now.
        #expect(json["layout"]?["before"] == "99" && json["layout"]?["now"]?.stringValue != nil, "\(json)")
        #expect(json["entries"] == 25)
        let tables = try #require(json["tables"]?.arrayValue)
        #expect(tables.allSatisfy { $0["rowsBefore"] == $0["rowsAfter"] })
        #expect(celltrace("lot", "show", "urn:celltrace:lot:cam-811-0210", "--ledger", ledger).status == 0)
    }

    /// The README's chain, as it shows it: its audit's row count and its refused submission.
    @Test func theReadmeChainAuditsAndRefusesItsBadFixtureAsShown() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        Self.importChain(ledger, keys: directory)
        let audit = celltrace("verify", "--deep", "--ledger", ledger)
        #expect(audit.status == 0, "\(audit.error)")
        #expect(
            audit.output.contains(
                "OK: 25 entries, 34 Merkle nodes, 12 checkpoints, 16 index rows, 25 openings verified\n"
                    + "OK: supply chain rebuilt by replay: 96 index rows match, 4 submission signatures verified\n"
            ),
            "\(audit.output)"
        )
        let file = fixturesPath("epcis/chain-refused.jsonl")
        let before = celltrace("log", "--ledger", ledger).output
        let refused = celltrace(
            "import",
            file,
            "--ledger",
            ledger,
            "--as",
            "cell-co",
            "--key",
            directory + "/cell-co.pem"
        )
        #expect(refused.status == 2)
        let expected: [String] = [
            "nothing was imported: 2 problems in 2 events",
            "  event 0 ni:///sha-256;940bce0e332b891bde485a5dde5a95d6b4ca186e8a73a52a39898ef33281224b?ver=CBV2.0, "
                + "field '/inputQuantityList/0/quantity': cell-co holds none of lot urn:celltrace:lot:cam-811-0210 "
                + "but the event uses 5000 kg (balance and custody rule)",
            "  event 1 ni:///sha-256;18cb1b969c81c91618f0e204886298e79d1c03c964024594378a8cf738c239d0?ver=CBV2.0, "
                + "field '/quantityList/0/uom': lot quantities are masses: use one of KGM, GRM, MGM, TNE, KTN, DTN, "
                + "LBR, ONZ, STN, LTN (KWH is a unit of electricity)",
        ]
        let shown = expected.joined(separator: "\n") + "\n"
        #expect(refused.error.contains(shown), "\(refused.error)")
        #expect(celltrace("log", "--ledger", ledger).output == before, "nothing was written")
    }

    @Test func badSubmissionExitsTwoListingEveryProblem() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        let bad = directory + "/bad.jsonl"
        write(
            """
            {"type":"ObjectEvent","eventTime":"2026-01-05T06:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:epc:id:sgln:9300001.00001.0"},"quantityList":[{"epcClass":"A","quantity":0,"uom":"TNE"}],"ilmd":{"ct:material":"ore"}}
            {"type":"ObjectEvent","eventTime":"2026-01-05T06:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:epc:id:sgln:9300001.00001.0"},"quantityList":[{"epcClass":"B","quantity":5,"uom":"KWH"}],"ilmd":{"ct:material":"ore"}}
            """,
            to: bad
        )
        let before = celltrace("log", "--ledger", ledger).output
        let result = celltrace(
            "import",
            bad,
            "--ledger",
            ledger,
            "--as",
            "pilbara-mining",
            "--key",
            directory + "/pilbara-mining.pem"
        )
        #expect(result.status == 2)
        #expect(result.error.contains("nothing was imported: 2 problems in 2 events"))
        #expect(result.error.contains("event 0 ni:///sha-256;"))
        #expect(result.error.contains("field '/quantityList/0/quantity': must be greater than zero"))
        #expect(result.error.contains("event 1 ni:///sha-256;"))
        #expect(celltrace("log", "--ledger", ledger).output == before)

        let wrongKey = celltrace(
            "import",
            bad,
            "--ledger",
            ledger,
            "--as",
            "pilbara-mining",
            "--key",
            directory + "/cell-co.pem"
        )
        #expect(wrongKey.status == 2)
        #expect(wrongKey.error.contains("is not the current key of pilbara-mining"))
        #expect(wrongKey.error.contains(", a key of cell-co) is not the current key"), "\(wrongKey.error)")

        let reserved = celltrace("append", bad, "--ledger", ledger, "--type", "epcis.event")
        #expect(reserved.status == 2)
        #expect(reserved.error.contains("--type epcis.event is written by `celltrace import`"), "\(reserved.error)")
        let attestation = celltrace("append", bad, "--ledger", ledger, "--type", "attestation.record")
        #expect(attestation.status == 2)
        #expect(attestation.error.contains("is written by `celltrace attest`"), "\(attestation.error)")
    }

    @Test func importSeveralFilesInOrderStoppingAtTheFirstBadOne() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        let (made, shipped, unknown) = try Self.mineFiles(directory)
        let key = ["--ledger", ledger, "--as", "pilbara-mining", "--key", directory + "/pilbara-mining.pem"]

        // A dry run checks each file with the files before it as they would be written: the
        // shipment ships the lot the first file would make. Nothing is written.
        let size = celltrace(["log", "--ledger", ledger]).output.split(separator: "\n").count
        let dry = celltrace(["import", made, shipped, "--dry-run"] + key)
        #expect(dry.status == 0, "\(dry.error)")
        #expect(dry.output.hasPrefix("\(made): dry run: 1 event valid; 1 would be written"), "\(dry.output)")
        #expect(dry.output.contains("\(shipped): dry run: 1 event valid; 1 would be written"), "\(dry.output)")
        #expect(dry.output.contains("ledger size would be \(size + 2)\n"), "\(dry.output)")
        #expect(dry.output.hasSuffix("ledger size would be \(size + 4)\n"), "\(dry.output)")
        #expect(celltrace(["log", "--ledger", ledger]).output.split(separator: "\n").count == size)
        // Each file's size is the ledger's once it and the files before it are written: a
        // submission entry and an event each, and nothing for a file already in.
        let drySizes = celltrace(["import", made, shipped, made, "--dry-run", "--json"] + key)
        #expect(drySizes.status == 0, "\(drySizes.error)")
        let sizes = try drySizes.output.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        #expect(
            sizes.map { $0["sizeAfter"] } == [
                .number(Double(size + 2)), .number(Double(size + 4)), .number(Double(size + 4)),
            ]
        )
        #expect(sizes.allSatisfy { $0["treeSize"] == .number(Double(size)) })
        let dryStopped = celltrace(["import", made, unknown, shipped, "--dry-run"] + key)
        #expect(dryStopped.status == 2)
        #expect(dryStopped.error.contains("\(unknown) was not valid; the file before it passed"))
        // A file that cannot be read fails in its turn, after the files before it are imported.
        let missing = celltrace(["import", made, directory + "/missing.jsonl", shipped] + key)
        #expect(missing.status == 2)
        #expect(missing.output.hasPrefix("\(made): imported 1 event as submission #"))
        #expect(
            missing.error.contains("\(directory)/missing.jsonl was not imported; the file before it stays imported")
        )

        let stopped = celltrace(["import", made, unknown, shipped] + key)
        #expect(stopped.status == 2)
        #expect(stopped.output.hasPrefix("\(made): nothing new: the event is already in the ledger"))
        #expect(!stopped.output.contains(shipped))
        #expect(
            stopped.error.contains(
                "\(unknown) was not imported; the file before it stays imported; the file after it was not imported"
            )
        )
        #expect(stopped.error.contains("field '/quantityList/0/epcClass'"))
        let ore = "urn:epc:class:lgtin:9300001.000011.SC6-2601"
        let held = try JSONValue(parsing: celltrace("lot", "show", ore, "--ledger", ledger, "--json").output)
        #expect(held["holdings"] == ["pilbara-mining": "100000"])

        let rest = celltrace(["import", made, shipped, "--json"] + key)
        #expect(rest.status == 0, "\(rest.error)")
        let lines = try rest.output.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        #expect(lines.map { $0["file"] } == [.string(made), .string(shipped)])
        #expect(lines.map { $0["written"] } == [0, 1])
        #expect(lines.map { $0["alreadyPresent"] } == [1, 0])
        #expect(celltrace("verify", "--ledger", ledger).status == 0)
        // The receiver holds the ore from the shipment's time, which `lot show` gives.
        let moved = try JSONValue(parsing: celltrace("lot", "show", ore, "--ledger", ledger, "--json").output)
        #expect(moved["holdings"] == ["sichuan-lithium": "100000"])
        #expect(moved["heldSince"] == ["sichuan-lithium": "2026-01-08T02:00:00.000Z"])
        let shown = celltrace("lot", "show", ore, "--ledger", ledger).output
        #expect(shown.contains("held by   sichuan-lithium: 100000 kg (received since 2026-01-08T02:00:00.000Z)"))

        let twice = celltrace(["import", "-", "-"] + key)
        #expect(twice.status == 2)
        #expect(twice.error.contains("standard input (-) can be read only once"))
    }

    /// The mine document's two events, one file each: the ore lot made, then shipped; and the
    /// shipment of a lot no event made.
    static func mineFiles(_ directory: String) throws -> (made: String, shipped: String, unknown: String) {
        let mineURL = URL(fileURLWithPath: fixturesPath("epcis/chain/01-mine.jsonld"))
        let mine = try JSONValue(parsing: Array(try Data(contentsOf: mineURL)))
        let events = try #require(mine["epcisBody"]?["eventList"]?.arrayValue).map(\.canonicalString)
        let files = (directory + "/made.jsonl", directory + "/shipped.jsonl", directory + "/unknown-lot.jsonl")
        write(events[0], to: files.0)
        write(events[1], to: files.1)
        write(events[1].replacingOccurrences(of: "SC6-2601", with: "SC6-9999"), to: files.2)
        return files
    }

    /// A commissioning declared in error with none after it: `serial show` says the serial is not
    /// commissioned now and shows the range as it was, `lot show` lists it.
    @Test func aCommissioningDeclaredInErrorIsShownAsRetracted() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        for (file, actor) in Self.chainDocuments {
            let path = fixturesPath("epcis/chain/" + file)
            let key = directory + "/\(actor).pem"
            #expect(celltrace("import", path, "--ledger", ledger, "--as", actor, "--key", key).status == 0)
        }
        let lot = "urn:celltrace:lot:cells-nmc811-0225"
        let commissioning = """
            {"type":"ObjectEvent","eventTime":"2026-03-01T08:00:00+01:00","eventTimeZoneOffset":"+01:00",\
            "action":"ADD","bizLocation":{"id":"urn:celltrace:facility:cell-plant"},"epcList":[],\
            "ct:cellLot":"\(lot)","ct:serialRanges":[{"prefix":"urn:test:cell:","first":"1","last":"10"}],\
            "ct:cellMass":{"quantity":0.9,"uom":"KGM"},"ct:nominalEnergy":{"quantity":0.25,"uom":"KWH"}}
            """
        let declared =
            String(commissioning.dropLast())
            + #","errorDeclaration":{"declarationTime":"2026-03-02T08:00:00+01:00","reason":"did_not_occur"}}"#
        let key = ["--ledger", ledger, "--as", "cell-co", "--key", directory + "/cell-co.pem"]
        write(commissioning, to: directory + "/commissioning.jsonl")
        write(declared, to: directory + "/declared.jsonl")
        #expect(celltrace(["import", directory + "/commissioning.jsonl"] + key).status == 0)
        let imported = celltrace(["import", directory + "/declared.jsonl", "--json"] + key)
        #expect(imported.status == 0, "\(imported.error)")
        let declaration = try #require(try JSONValue(parsing: imported.output)["firstSequenceNumber"]?.doubleValue) + 1

        let text = celltrace("serial", "show", "urn:test:cell:3", "--ledger", ledger)
        #expect(text.status == 0, "\(text.error)")
        #expect(text.output.contains("cell      not commissioned now: every commissioning of it was declared in error"))
        #expect(
            text.output.contains("retracted urn:test:cell:1–10 of lot \(lot), commissioned at entry #"),
            "\(text.output)"
        )
        #expect(text.output.contains("(0.9 kg, 0.25 kWh), declared in error at #\(Int(declaration))"))
        let json = try JSONValue(
            parsing: celltrace("serial", "show", "urn:test:cell:3", "--ledger", ledger, "--json").output
        )
        #expect(json["cell"] == nil)
        #expect(json["retractedCells"]?.arrayValue?.map { $0["retractedAt"] } == [.number(declaration)])
        let lotText = celltrace("lot", "show", lot, "--ledger", ledger).output
        #expect(lotText.contains("SERIALS DECLARED IN ERROR"), "\(lotText)")
        #expect(lotText.contains("urn:test:cell:1–10"))
        // A serial no range ever held is still unknown.
        #expect(celltrace("serial", "show", "urn:test:cell:11", "--ledger", ledger).status == 2)
    }

    /// EPCIS's correction, end to end: the event declared in error and its corrective event, which
    /// makes the same lot again, in one file; `lot show` gives the lot's version and the version
    /// it replaced, and `verify` rebuilds the same indexes.
    @Test func aCorrectiveEventMakesTheLotAgainAndLotShowListsItsVersions() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        let (made, _, _) = try Self.mineFiles(directory)
        let key = ["--ledger", ledger, "--as", "pilbara-mining", "--key", directory + "/pilbara-mining.pem"]
        #expect(celltrace(["import", made] + key).status == 0)
        let madeBytes = Array(try Data(contentsOf: URL(fileURLWithPath: made)))
        var event = try #require(try JSONValue(parsing: madeBytes).objectValue)
        let lot = try #require(event["quantityList"]?.arrayValue?.first?["epcClass"]?.stringValue)
        let wrongKg = try #require(
            try JSONValue(parsing: celltrace("lot", "show", lot, "--ledger", ledger, "--json").output)["producedKg"]
        )
        var declaration = event
        let correctiveID = "urn:uuid:3c7e9a41-8d2b-4f6e-a0c5-7b1d2e9f4a68"
        declaration["errorDeclaration"] = [
            "declarationTime": "2026-03-01T08:00:00+08:00", "reason": "incorrect_data",
            "correctiveEventIDs": [.string(correctiveID)],
        ]
        event["eventID"] = .string(correctiveID)
        var quantity = try #require(event["quantityList"]?.arrayValue?.first?.objectValue)
        quantity["quantity"] = 1234.5
        quantity["uom"] = "KGM"
        event["quantityList"] = [.object(quantity)]
        let correction = directory + "/correction.jsonl"
        write(
            JSONValue.object(declaration).canonicalString + "\n" + JSONValue.object(event).canonicalString,
            to: correction
        )
        let imported = celltrace(["import", correction] + key)
        #expect(imported.status == 0, "\(imported.error)")
        // Two events written, one of them the declaration: each count with its noun in number.
        let summary = imported.output.split(separator: "\n").first.map(String.init) ?? ""
        #expect(
            summary.wholeMatch(of: /imported 2 events as submission #\d+; 1 error declaration/) != nil,
            "\(imported.output)"
        )

        let shown = try JSONValue(parsing: celltrace("lot", "show", lot, "--ledger", ledger, "--json").output)
        #expect(shown["version"] == 2)
        #expect(shown["producedKg"] == "1234.5" && shown["balanceKg"] == "1234.5" && shown["retractedAt"] == nil)
        let previous = try #require(shown["previousVersions"]?.arrayValue)
        #expect(previous.count == 1)
        #expect(previous.first?["producedKg"] == wrongKg)
        #expect(previous.first?["retractedAt"]?.doubleValue != nil)
        let human = celltrace("lot", "show", lot, "--ledger", ledger)
        #expect(human.output.contains("version   2: made again by a corrective event"), "\(human.output)")
        #expect(human.output.contains("VERSION") && human.output.contains("RETRACTED"), "\(human.output)")
        // The event in error names its declaration and the version made since.
        let first = try #require(previous.first?["createdBy"]?.stringValue)
        let shownEvent = celltrace("event", "show", first, "--ledger", ledger)
        #expect(shownEvent.output.contains("error     reason incorrect_data; declared 2026-03-01T08:00:00+08:00"))
        #expect(shownEvent.output.contains("made      \(lot), made again by "), "\(shownEvent.output)")
        let eventJSON = try JSONValue(parsing: celltrace("event", "show", first, "--ledger", ledger, "--json").output)
        #expect(eventJSON["errorDeclaration"]?["reason"] == "incorrect_data")
        #expect(eventJSON["lotsMade"]?.arrayValue?.first?["madeAgainBy"] == shown["createdBy"])
        // The declaration names the corrective event, and the corrective event names the event it corrects.
        let correctiveEntry = try #require(shown["createdAt"]?.doubleValue)
        #expect(
            shownEvent.output.contains("corrected by \(correctiveID) (entry #\(Int(correctiveEntry)))"),
            "\(shownEvent.output)"
        )
        #expect(
            eventJSON["correctiveEvents"] == [["eventID": .string(correctiveID), "entry": .number(correctiveEntry)]]
        )
        let declaredAt = try #require(eventJSON["retractedAt"])
        let correctiveShown = celltrace("event", "show", correctiveID, "--ledger", ledger)
        #expect(
            correctiveShown.output.contains("corrects  \(first) (entry #"),
            "\(correctiveShown.output)"
        )
        let correctiveJSON = try JSONValue(
            parsing: celltrace("event", "show", correctiveID, "--ledger", ledger, "--json").output
        )
        #expect(correctiveJSON["corrects"]?.arrayValue?.first?["eventID"] == .string(first))
        #expect(correctiveJSON["corrects"]?.arrayValue?.first?["declaredInErrorAt"] == declaredAt)
        let verified = celltrace("verify", "--ledger", ledger)
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
    }

    @Test func aDestinationThatMovesNothingIsImportedWithAWarning() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        let (made, shipped, _) = try Self.mineFiles(directory)
        let unshipped = directory + "/unshipped.jsonl"
        // The shipment without its bizStep (and without its transport leg, which only an event
        // that moves lots may carry).
        var shipping = try #require(
            try JSONValue(parsing: Array(Data(contentsOf: URL(fileURLWithPath: shipped)))).objectValue
        )
        #expect(shipping["bizStep"] == "shipping" && shipping["ct:transport"] != nil)
        shipping["bizStep"] = nil
        shipping["ct:transport"] = nil
        write(JSONValue.object(shipping).canonicalString, to: unshipped)
        let key = ["--ledger", ledger, "--as", "pilbara-mining", "--key", directory + "/pilbara-mining.pem"]
        #expect(celltrace(["import", made] + key).status == 0)

        let dry = celltrace(["import", unshipped, "--dry-run", "--json"] + key)
        #expect(dry.status == 0, "\(dry.error)")
        let warnings = try #require(try JSONValue(parsing: dry.output)["warnings"]?.arrayValue)
        #expect(warnings.count == 1)
        #expect(warnings.first?["index"] == 0)
        #expect(warnings.first?["field"] == "/destinationList/0")
        #expect(warnings.first?["message"]?.stringValue?.contains("moves only with bizStep shipping") == true)

        let imported = celltrace(["import", made, unshipped] + key)
        #expect(imported.status == 0, "\(imported.error)")
        #expect(
            imported.error.contains("celltrace: warning: \(unshipped): event 0 ni:///sha-256;"),
            "\(imported.error)"
        )
        #expect(imported.output.contains("\(unshipped): imported 1 event as submission #"), "\(imported.output)")
        // A file without such an event prints no warning.
        let plain = celltrace(["import", shipped, "--json"] + key)
        #expect(plain.status == 0 && !plain.error.contains("warning"), "\(plain.error)")
        #expect(try JSONValue(parsing: plain.output)["warnings"] == nil)
    }

    @Test func importJSONGivesEveryFileALineWhenTheKeyOrLedgerIsMissingAndListsEventIDs() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        let (made, shipped, _) = try Self.mineFiles(directory)
        let key = directory + "/pilbara-mining.pem"

        let noKey = celltrace(
            ["import", made, shipped, "--json", "--ledger", ledger, "--as", "pilbara-mining", "--key", key + ".gone"]
        )
        #expect(noKey.status == 2)
        let keyLines = try noKey.output.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        #expect(keyLines.map { $0["file"] } == [.string(made), .string(shipped)])
        #expect(keyLines.allSatisfy { $0["code"] == "badInput" })
        #expect(keyLines[0]["error"]?.stringValue?.contains("cannot read the private key") == true)
        // The public half, which `keygen` writes beside the private key, is named as such.
        let publicKey = celltrace([
            "import", made, "--ledger", ledger, "--as", "pilbara-mining", "--key", key.dropLast(4) + ".pub.pem",
        ])
        #expect(
            publicKey.status == 2
                && publicKey.error.contains("pilbara-mining.pub.pem holds a public key; --key takes the private key"),
            "\(publicKey.error)"
        )

        let noLedger = celltrace(
            ["import", made, "--json", "--ledger", directory + "/none", "--as", "pilbara-mining", "--key", key]
        )
        #expect(noLedger.status == 2)
        #expect(try JSONValue(parsing: noLedger.output)["code"] == "noLedger", "\(noLedger.output)")

        let args = ["--ledger", ledger, "--as", "pilbara-mining", "--key", key]
        #expect(celltrace(["import", made, "--event-ids"] + args).status == 2)
        let listed = celltrace(["import", made, shipped, "--json", "--event-ids"] + args)
        #expect(listed.status == 0, "\(listed.error)")
        let lines = try listed.output.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        let ids = try lines.map { try #require($0["eventIDs"]?.arrayValue) }
        #expect(ids.map(\.count) == [1, 1])
        // The fixture's events have no eventID: each is given its hash ID, which `lot show` names.
        let id = try #require(ids[0].first?.stringValue)
        #expect(id.hasPrefix("ni:///sha-256;") && id.hasSuffix("?ver=CBV2.0"))
        let lot = celltrace([
            "lot", "show", "urn:epc:class:lgtin:9300001.000011.SC6-2601", "--json", "--ledger", ledger,
        ])
        #expect(lot.output.contains(id), "\(lot.output)")
    }

    @Test func anEventRepeatedInTheFileIsNotSaidToBeInTheLedger() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        let (made, _, _) = try Self.mineFiles(directory)
        let twice = directory + "/twice.jsonl"
        let event = try String(contentsOfFile: made, encoding: .utf8)
        write(event + "\n" + event, to: twice)
        let key = ["--ledger", ledger, "--as", "pilbara-mining", "--key", directory + "/pilbara-mining.pem"]
        let dry = celltrace(["import", twice, "--dry-run"] + key)
        #expect(
            dry.output.contains("1 would be written, 0 already in the ledger, 1 repeated earlier in the file"),
            "\(dry.output)"
        )
        let imported = celltrace(["import", twice] + key)
        #expect(imported.output.contains("imported 1 event as submission #"), "\(imported.output)")
        #expect(imported.output.contains("; 1 repeated earlier in the file, skipped"), "\(imported.output)")
        // Sent again, both are in the ledger now.
        let again = try JSONValue(parsing: celltrace(["import", twice, "--json"] + key).output)
        #expect(again["written"] == 0 && again["alreadyPresent"] == 2 && again["repeated"] == 0)
    }

    @Test func importJSONGivesAProgramTheRefusedFilesProblems() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chainLedger(directory)
        let (made, _, unknown) = try Self.mineFiles(directory)
        let key = ["--ledger", ledger, "--as", "pilbara-mining", "--key", directory + "/pilbara-mining.pem"]

        let stopped = celltrace(["import", made, unknown, made, "--json"] + key)
        #expect(stopped.status == 2)
        let lines = try stopped.output.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        #expect(lines.map { $0["file"] } == [.string(made), .string(unknown), .string(made)])
        // Every file has its line: the one after the failure, not checked.
        #expect(lines[2]["code"] == "notChecked")
        #expect(lines[2]["error"] == .string("not imported: \(unknown) before it failed"))
        #expect(lines[0]["written"] == 1 && lines[0]["error"] == nil)
        let refused = lines[1]
        #expect(refused["code"] == "invalidRecords")
        #expect(refused["error"] == "nothing was imported: 1 problem in 1 event")
        let problems = try #require(refused["problems"]?.arrayValue)
        #expect(problems.count == 1)
        #expect(problems[0]["index"] == 0)
        #expect(problems[0]["field"] == "/quantityList/0/epcClass")
        #expect(problems[0]["eventID"]?.stringValue?.hasPrefix("ni:///sha-256;") == true)
        #expect(problems[0]["message"]?.stringValue?.contains("unknown lot") == true, "\(problems[0])")
        // The text goes to standard error as before.
        #expect(stopped.error.contains("field '/quantityList/0/epcClass'"))

        let dry = celltrace(["import", unknown, "--json", "--dry-run"] + key)
        #expect(dry.status == 2)
        let line = try JSONValue(parsing: dry.output)
        #expect(line["dryRun"] == true && line["file"] == .string(unknown))
        #expect(line["problems"]?.arrayValue?.count == 1)

        let missing = celltrace(["import", directory + "/missing.jsonl", "--json"] + key)
        #expect(missing.status == 2)
        let unread = try JSONValue(parsing: missing.output)
        #expect(unread["error"]?.stringValue?.contains("cannot read") == true, "\(missing.output)")
        #expect(unread["problems"] == nil)
    }
}
