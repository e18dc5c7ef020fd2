import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// `lot show`, `serial show` and `event show` with `--as-of`: the lot or unit as the ledger
/// stood at a size, whatever was recorded since, and the output without it unchanged.
@Suite struct AsOfShowCLITests {
    /// The README's chain imported into a fresh ledger in `directory`.
    static func chain(_ directory: String) -> String {
        let ledger = SupplyChainCLITests.chainLedger(directory)
        SupplyChainCLITests.importChain(ledger, keys: directory)
        return ledger
    }

    /// `lot show --json` of `lot`, with `arguments` after it.
    static func lot(_ lot: String, _ ledger: String, _ arguments: String...) throws -> JSONValue {
        let shown = celltrace(["lot", "show", lot, "--ledger", ledger, "--json"] + arguments)
        #expect(shown.status == 0, "\(shown.error)")
        return try JSONValue(parsing: shown.output)
    }

    /// `serial show --json` of `serial`, with `arguments` after it.
    static func serial(_ serial: String, _ ledger: String, _ arguments: String...) throws -> JSONValue {
        let shown = celltrace(["serial", "show", serial, "--ledger", ledger, "--json"] + arguments)
        #expect(shown.status == 0, "\(shown.error)")
        return try JSONValue(parsing: shown.output)
    }

    static let ore = "urn:epc:class:lgtin:9300001.000011.SC6-2601"

    @Test func aLotShippedAndConsumedSinceShowsItsBalanceAndHoldersThen() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chain(directory)
        let now = try Self.lot(Self.ore, ledger)
        #expect(now["holdings"] == [:] && now["balanceKg"] == "0" && now["consumedKg"] == "100000")
        #expect(now["asOfSize"] == nil && now["asOfNotes"] == nil)
        let custody = try #require(now["custody"]?.arrayValue)
        let shipped = try #require(custody.first { $0["kind"] == "shipped" }?["seq"]?.doubleValue)
        let used = try #require(now["usedIn"]?.arrayValue?.first?["seq"]?.doubleValue)
        let made = try #require(now["createdAt"]?.doubleValue)

        // Before the shipment: with its maker, nothing consumed, no custody yet.
        let before = try Self.lot(Self.ore, ledger, "--as-of", String(Int(shipped)))
        #expect(before["asOfSize"] == .number(shipped))
        #expect(before["asOfNotes"] == nil)
        #expect(before["holdings"] == ["pilbara-mining": "100000"])
        #expect(before["heldSince"] == [:])
        #expect(before["balanceKg"] == "100000" && before["consumedKg"] == "0")
        #expect(before["custody"] == [] && before["usedIn"] == [])
        #expect(before["receipts"] == nil)
        // After it and before the refinery used it: with the receiver since the shipment's time.
        let shippedThen = try Self.lot(Self.ore, ledger, "--as-of", String(Int(shipped) + 1))
        #expect(shippedThen["holdings"] == ["sichuan-lithium": "100000"])
        #expect(shippedThen["heldSince"] == ["sichuan-lithium": "2026-01-08T02:00:00.000Z"])
        #expect(shippedThen["custody"]?.arrayValue?.count == 1)
        #expect(shippedThen["receipts"]?.arrayValue?.first?["receivedKg"] == "0")
        #expect(shippedThen["usedIn"] == [])
        let usedThen = try Self.lot(Self.ore, ledger, "--as-of", String(Int(used) + 1))
        #expect(usedThen["holdings"] == [:] && usedThen["balanceKg"] == "0")
        #expect(usedThen["usedIn"]?.arrayValue?.count == 1)

        let text = celltrace("lot", "show", Self.ore, "--ledger", ledger, "--as-of", String(Int(shipped)))
        #expect(text.status == 0, "\(text.error)")
        #expect(
            text.output.contains("\nas of     ledger size \(Int(shipped))\nmaterial  spodumene-concentrate (SC6)\n")
        )
        #expect(text.output.contains("mass      100000 kg made, 0 kg consumed, 100000 kg left"))
        #expect(text.output.contains("held by   pilbara-mining: 100000 kg\n"))
        #expect(!text.output.contains("CUSTODY"))
        let nowText = celltrace("lot", "show", Self.ore, "--ledger", ledger).output
        #expect(!nowText.contains("as of"))
        #expect(nowText.contains("mass      100000 kg made, 100000 kg consumed, 0 kg left"))

        // Before it was made: the lot and the size named, exit 2, as for a trace then.
        let early = celltrace("lot", "show", Self.ore, "--ledger", ledger, "--as-of", String(Int(made)))
        #expect(early.status == 2)
        #expect(
            early.error.contains(
                "lot \(Self.ore) was not made yet as of ledger size \(Int(made)): it was first made by entry #\(Int(made))"
            ),
            "\(early.error)"
        )
        let beyond = celltrace("lot", "show", Self.ore, "--ledger", ledger, "--as-of", "20260301")
        #expect(beyond.status == 2)
        #expect(beyond.error.contains("--as-of 20260301 is past the ledger's"))
        #expect(celltrace("lot", "show", "urn:test:no-such-lot", "--ledger", ledger, "--as-of", "12").status == 2)
        // A time names the entries recorded by then: all of them, now.
        let dated = try Self.lot(Self.ore, ledger, "--as-of", "2999-01-01")
        #expect(dated["holdings"] == now["holdings"] && dated["usedIn"] == now["usedIn"])
    }

    /// As of the ledger's size, every lot and unit of the chain reads as it does without
    /// `--as-of`, but for the size it names.
    @Test func asOfTheLedgersSizeEveryLotAndUnitReadsAsItStands() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chain(directory)
        let size = "25"
        let lots = [
            Self.ore, "urn:epc:class:lgtin:6900002.000021.LHM-2601", "urn:celltrace:lot:pcam-811-0202",
            "urn:celltrace:lot:cam-811-0210", "urn:celltrace:lot:anode-0220", "urn:celltrace:lot:cells-nmc811-0225",
        ]
        for lot in lots {
            var then = try #require(try Self.lot(lot, ledger, "--as-of", size).objectValue)
            #expect(then.removeValue(forKey: "asOfSize") == 25)
            #expect(then["asOfNotes"] == nil)
            #expect(JSONValue.object(then) == (try Self.lot(lot, ledger)), "\(lot)")
        }
        let units = [
            "urn:epc:id:sgtin:4012345.011111.1", "urn:epc:id:sgtin:4012345.011111.4",
            "urn:epc:id:sgtin:4012345.011111.999", "urn:epc:id:giai:4012345.MOD-0001",
            "urn:epc:id:giai:4012345.PACK-0001",
        ]
        for unit in units {
            var then = try #require(try Self.serial(unit, ledger, "--as-of", size).objectValue)
            #expect(then.removeValue(forKey: "asOfSize") == 25)
            #expect(JSONValue.object(then) == (try Self.serial(unit, ledger)), "\(unit)")
        }
    }

    /// A cell taken out of its module, then shipped by id: as of before each, it is in the
    /// module and pack, then with the actor that took it out, then with the receiver.
    @Test func aCellTakenOutAndShippedShowsItsUnitsAndCustodyThen() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.chain(directory)
        let cell = "urn:epc:id:sgtin:4012345.011111.4"
        let module = "urn:epc:id:giai:4012345.MOD-0001"
        let pack = "urn:epc:id:giai:4012345.PACK-0001"
        let takeOut = """
            {"type":"AggregationEvent","eventTime":"2026-03-02T08:00:00+01:00","eventTimeZoneOffset":"+01:00",\
            "action":"DELETE","bizStep":"unpacking","bizLocation":{"id":"urn:celltrace:facility:cell-plant"},\
            "parentID":"\(module)","childEPCs":["\(cell)"]}
            """
        let shipment = """
            {"type":"ObjectEvent","eventTime":"2026-03-03T08:00:00+01:00","eventTimeZoneOffset":"+01:00",\
            "action":"OBSERVE","bizStep":"shipping","epcList":["\(cell)"],\
            "sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:cell-co"}],\
            "destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:cathode-co"}]}
            """
        let key = ["--ledger", ledger, "--as", "cell-co", "--key", directory + "/cell-co.pem", "--json"]
        var entries: [Int] = []
        for (name, event) in [("take-out", takeOut), ("shipment", shipment)] {
            write(event, to: directory + "/\(name).jsonl")
            let imported = celltrace(["import", directory + "/\(name).jsonl"] + key)
            #expect(imported.status == 0, "\(imported.error)")
            // The submission's entry, then the event's.
            entries.append(
                Int(try #require(try JSONValue(parsing: imported.output)["firstSequenceNumber"]?.doubleValue)) + 1
            )
        }
        let (takenOutAt, shippedAt) = (entries[0], entries[1])

        // In the module, inside the pack its maker assembled.
        let packed = try Self.serial(cell, ledger, "--as-of", String(takenOutAt))
        #expect(packed["asOfSize"] == .number(Double(takenOutAt)))
        #expect(packed["containedIn"] == [.string(module), .string(pack)])
        #expect(
            packed["custody"] == ["actors": ["cell-co"], "reason": "assembled", "inside": .string(pack)]
        )
        #expect(packed["moves"]?.arrayValue?.count == 1)
        let packedText = celltrace("serial", "show", cell, "--ledger", ledger, "--as-of", String(takenOutAt)).output
        #expect(packedText.contains("as of     ledger size \(takenOutAt)\n"))
        #expect(packedText.contains("in        \(module)\n  within  \(pack)\n"))
        #expect(packedText.contains("custody   inside \(pack), which is with cell-co, which assembled it"))
        #expect(try Self.serial(module, ledger, "--as-of", String(takenOutAt))["children"]?.arrayValue?.count == 4)

        // Taken out, not shipped yet.
        let out = try Self.serial(cell, ledger, "--as-of", String(shippedAt))
        #expect(out["containedIn"] == [])
        #expect(
            out["custody"] == [
                "actors": ["cell-co"], "reason": "takenOut", "seq": .number(Double(takenOutAt)),
                "from": .string(module),
            ]
        )
        #expect(out["moves"]?.arrayValue?.map { $0["move"] } == ["in", "out"])
        let outText = celltrace("serial", "show", cell, "--ledger", ledger, "--as-of", String(shippedAt)).output
        #expect(outText.contains("custody   with cell-co, which took it out of \(module) by entry #\(takenOutAt)"))
        #expect(!outText.contains("in        \(module)"))

        // Now: with the receiver of the shipment, and the module holds three cells.
        let now = try Self.serial(cell, ledger)
        #expect(now["asOfSize"] == nil)
        #expect(
            now["custody"] == ["actors": ["cathode-co"], "reason": "shipped", "seq": .number(Double(shippedAt))]
        )
        let nowText = celltrace("serial", "show", cell, "--ledger", ledger).output
        #expect(nowText.contains("custody   with cathode-co, to which entry #\(shippedAt) shipped it"))
        #expect(!nowText.contains("as of"))
        #expect(try Self.serial(module, ledger)["children"]?.arrayValue?.count == 3)

        // Before the cells were commissioned: named, with the size, exit 2.
        let early = celltrace("serial", "show", cell, "--ledger", ledger, "--as-of", "20")
        #expect(early.status == 2)
        #expect(
            early.error.contains(
                "\(cell) was neither a commissioned cell serial nor an assembled module or pack as of ledger size 20"
            )
        )
    }

    /// A lot made again by a corrective event: as of before the declaration, its first version
    /// stands, unretracted, and the event that made it shows no declaration.
    @Test func aLotDeclaredInErrorSinceShowsTheVersionInForceThen() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        let (made, _, _) = try SupplyChainCLITests.mineFiles(directory)
        let key = ["--ledger", ledger, "--as", "pilbara-mining", "--key", directory + "/pilbara-mining.pem"]
        #expect(celltrace(["import", made] + key).status == 0)
        var event = try #require(
            try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: made)))).objectValue
        )
        var declaration = event
        declaration["errorDeclaration"] = ["declarationTime": "2026-03-01T08:00:00+08:00", "reason": "incorrect_data"]
        event["eventID"] = "urn:uuid:3c7e9a41-8d2b-4f6e-a0c5-7b1d2e9f4a68"
        var quantity = try #require(event["quantityList"]?.arrayValue?.first?.objectValue)
        quantity["quantity"] = 1234.5
        quantity["uom"] = "KGM"
        event["quantityList"] = [.object(quantity)]
        write(
            JSONValue.object(declaration).canonicalString + "\n" + JSONValue.object(event).canonicalString,
            to: directory + "/correction.jsonl"
        )
        #expect(celltrace(["import", directory + "/correction.jsonl"] + key).status == 0)

        let now = try Self.lot(Self.ore, ledger)
        #expect(now["version"] == 2 && now["producedKg"] == "1234.5")
        let first = try #require(now["previousVersions"]?.arrayValue?.first)
        let declaredAt = try #require(first["retractedAt"]?.doubleValue)
        let then = try Self.lot(Self.ore, ledger, "--as-of", String(Int(declaredAt)))
        #expect(then["version"] == 1 && then["previousVersions"] == nil && then["retractedAt"] == nil)
        #expect(then["producedKg"] == first["producedKg"] && then["createdBy"] == first["createdBy"])
        #expect(then["holdings"] == ["pilbara-mining": first["producedKg"] ?? .null])
        let thenText = celltrace("lot", "show", Self.ore, "--ledger", ledger, "--as-of", String(Int(declaredAt))).output
        #expect(!thenText.contains("RETRACTED") && !thenText.contains("version"), "\(thenText)")
        // Between the declaration and the corrective event: the first version, retracted.
        let between = try Self.lot(Self.ore, ledger, "--as-of", String(Int(declaredAt) + 1))
        #expect(between["version"] == 1 && between["retractedAt"] == .number(declaredAt))
        #expect(between["holdings"] == [:] && between["balanceKg"] == "0")

        let eventID = try #require(first["createdBy"]?.stringValue)
        let shown = celltrace("event", "show", eventID, "--ledger", ledger, "--as-of", String(Int(declaredAt)))
        #expect(shown.status == 0, "\(shown.error)")
        #expect(shown.output.contains("as of     ledger size \(Int(declaredAt))\n"))
        #expect(!shown.output.contains("DECLARED IN ERROR") && !shown.output.contains("error     "))
        #expect(!shown.output.contains("made again"), "\(shown.output)")
        let shownJSON = try JSONValue(
            parsing: celltrace(
                "event",
                "show",
                eventID,
                "--ledger",
                ledger,
                "--as-of",
                String(Int(declaredAt)),
                "--json"
            )
            .output
        )
        #expect(shownJSON["retractedAt"] == nil && shownJSON["errorDeclaration"] == nil)
        #expect(shownJSON["asOfSize"] == .number(declaredAt))
        #expect(shownJSON["lotsMade"]?.arrayValue?.first?["madeAgainBy"] == nil)
        let nowJSON = try JSONValue(parsing: celltrace("event", "show", eventID, "--ledger", ledger, "--json").output)
        #expect(nowJSON["retractedAt"] == .number(declaredAt) && nowJSON["asOfSize"] == nil)
        let beforeIt = celltrace("event", "show", eventID, "--ledger", ledger, "--as-of", "5")
        #expect(beforeIt.status == 2)
        #expect(beforeIt.error.contains("event \(eventID) was not recorded yet as of ledger size 5"))
    }
}
