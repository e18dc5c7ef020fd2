import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import Testing

@testable import CellTraceCLI
@testable import Exports

/// The export commands through the parsed root command, on the fixture chain.
@Suite struct ExportCLITests {
    @Test func custodyBundleIsWrittenRecordedAndVerified() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let bundle = directory + "/cell.custody.json"
        let export = ImpactCLITests.exportCell(ledger, to: bundle)
        #expect(export.status == 0, "\(export.error)")
        #expect(export.error.contains("disclosure to OEM Europe GmbH recorded as entry"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: bundle))

        // The disclosure log holds the export with the SHA-256 of exactly the bytes written.
        let log = celltrace("disclosures", "--ledger", ledger, "--json")
        #expect(log.status == 0)
        let records = try #require(try JSONValue(parsing: log.output).arrayValue)
        #expect(records.count == 1)
        #expect(records.first?["recipient"] == "OEM Europe GmbH")
        #expect(records.first?["format"] == "custody")
        #expect(records.first?["profile"] == "legitimate-interest")
        #expect(records.first?["sha256"]?.stringValue == SHA256.hash(Array(bytes)).hex)
        #expect(
            celltrace("disclosures", "--ledger", ledger, "--recipient", "someone else").output.contains(
                "no disclosures"
            )
        )
        #expect(celltrace("disclosures", "--ledger", ledger).output.contains("OEM Europe GmbH"))

        // Verified offline with the ledger's key, given inline or as a file.
        let vkey = celltrace("key", "--ledger", ledger).output.trimmingCharacters(in: .whitespacesAndNewlines)
        try (vkey + "\n").write(toFile: directory + "/ledger.vkey", atomically: true, encoding: .utf8)
        let verified = celltrace("verify-bundle", bundle, "--vkey", directory + "/ledger.vkey")
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.contains("bundle verified"))
        #expect(verified.output.contains("footprint      recomputed"))
        // Another ledger's key under the same name: named as a key that is not this ledger's, in
        // words (no error code).
        #expect(celltrace("init", "--ledger", directory + "/other", "--origin", "cli.test/chain").status == 0)
        let otherKey = celltrace("key", "--ledger", directory + "/other").output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let wrongKey = celltrace("verify-bundle", bundle, "--vkey", otherKey)
        #expect(wrongKey.status == 1)
        #expect(
            wrongKey.error
                == "celltrace: bundle NOT verified: checkpoint: no trusted key (cli.test/chain) signed the note; it "
                + "has 1 signature by other keys: check that the key given is this ledger's (`celltrace key` prints "
                + "it)\n",
            "\(wrongKey.error)"
        )
        // White space around the key in its file is not the key's; inside it, the key is refused.
        // (The space goes inside the key's base64, ten characters in: after the last '+' it would
        // end the key, and be trimmed, whenever the base64 ends in '+'.)
        let parts = vkey.split(separator: "+", maxSplits: 2)
        try #require(parts.count == 3 && parts[2].count > 10)
        let spaced = "\(parts[0])+\(parts[1])+\(parts[2].prefix(10)) \(parts[2].dropFirst(10))"
        try (spaced + "\n").write(
            toFile: directory + "/spaced.vkey",
            atomically: true,
            encoding: .utf8
        )
        let spacedKey = celltrace("verify-bundle", bundle, "--vkey", directory + "/spaced.vkey")
        #expect(spacedKey.status == 2 && spacedKey.error.contains("--vkey"), "\(spacedKey.error)")
        // With --json, bad input leaves standard output empty, as for every command but import: the
        // message goes to standard error, and the status says it is bad input, not a failed check.
        let badKeyJSON = celltrace("verify-bundle", bundle, "--vkey", directory + "/spaced.vkey", "--json")
        #expect(badKeyJSON.status == 2 && badKeyJSON.output.isEmpty, "\(badKeyJSON.output)")
        #expect(badKeyJSON.error.contains("--vkey"), "\(badKeyJSON.error)")
        let pythonBadKey = runProcess(
            "/usr/bin/env",
            ["python3", toolsPath("verify_bundle.py"), bundle, directory + "/spaced.vkey", "--json"]
        )
        #expect(pythonBadKey.status == 2 && pythonBadKey.output.hasPrefix("error: "), "\(pythonBadKey.output)")
        let json = try JSONValue(parsing: celltrace("verify-bundle", bundle, "--vkey", vkey, "--json").output)
        #expect(json["valid"] == true)
        #expect(json["footprintRecomputed"] == true)
        // tools/verify_bundle.py --json gives the same verdicts under the same names.
        let pythonJSON = try JSONValue(
            parsing: runProcess("/usr/bin/env", ["python3", toolsPath("verify_bundle.py"), bundle, vkey, "--json"])
                .output
        )
        for name in [
            "valid", "subject", "profile", "origin", "treeSize", "entries", "submissions", "traceRecomputed",
            "footprintRecomputed", "submissionKeys",
        ] {
            #expect(pythonJSON[name] != nil && pythonJSON[name] == json[name], "\(name): \(pythonJSON)")
        }
        // Each submission signature is listed with the actor and the key it was checked against: the
        // key the ledger registered for that actor (its ID and registering entry), to compare with
        // the key the supplier gives the recipient directly.
        let actors = try #require(
            try JSONValue(parsing: celltrace("actor", "list", "--ledger", ledger, "--json").output).arrayValue
        )
        let submissionKeys = try #require(json["submissionKeys"]?.arrayValue)
        #expect(submissionKeys.count == Int(json["submissions"]?.doubleValue ?? -1))
        for key in submissionKeys {
            let actor = try #require(actors.first { $0["id"] == key["actor"] }, "\(key)")
            #expect(
                actor["keys"]?.arrayValue?.contains { $0["id"] == key["keyID"] && $0["validFrom"] == key["keyEntry"] }
                    == true,
                "\(key)"
            )
            #expect(key["name"] == actor["name"] && key["role"] == actor["role"], "\(key)")
            let line =
                "signed with \(actor["id"]?.stringValue ?? "") (\(actor["name"]?.stringValue ?? ""), "
                + "\(actor["role"]?.stringValue ?? "")) key \(key["keyID"]?.stringValue ?? ""), registered at entry "
                + "#\(Int(key["keyEntry"]?.doubleValue ?? -1)): submission"
            #expect(verified.output.contains(line), "\(verified.output)")
        }

        // A changed bundle fails with status 1 naming the item; a file that is no bundle is bad input.
        var text = String(decoding: bytes, as: UTF8.self)
        text = text.replacing("\"profile\":\"legitimate-interest\"", with: "\"profile\":\"public\"")
        try text.write(toFile: directory + "/changed.json", atomically: true, encoding: .utf8)
        let changed = celltrace("verify-bundle", directory + "/changed.json", "--vkey", vkey)
        #expect(changed.status == 1)
        // A bundle relabelled public opens quantities that profile withholds: named at the first.
        #expect(changed.error.contains("bundle NOT verified: entry "), "\(changed.error)")
        #expect(
            changed.error.contains("the public profile withholds this field (quantity), yet the bundle opens it"),
            "\(changed.error)"
        )
        let changedJSON = celltrace("verify-bundle", directory + "/changed.json", "--vkey", vkey, "--json")
        let pythonChanged = runProcess(
            "/usr/bin/env",
            ["python3", toolsPath("verify_bundle.py"), directory + "/changed.json", vkey, "--json"]
        )
        #expect(pythonChanged.status == 1)
        let swiftVerdict = try JSONValue(parsing: changedJSON.output)
        let pythonVerdict = try JSONValue(parsing: pythonChanged.output)
        #expect(swiftVerdict["valid"] == false && pythonVerdict["valid"] == false, "\(pythonVerdict)")
        #expect(swiftVerdict["item"] == pythonVerdict["item"], "\(swiftVerdict) / \(pythonVerdict)")
        try "{}".write(toFile: directory + "/empty.json", atomically: true, encoding: .utf8)
        #expect(celltrace("verify-bundle", directory + "/empty.json", "--vkey", vkey).status == 2)
        // A file that is not JSON is named as no bundle, without the importer's advice to submit it again.
        try "hello\n".write(toFile: directory + "/text.txt", atomically: true, encoding: .utf8)
        let notJSON = celltrace("verify-bundle", directory + "/text.txt", "--vkey", vkey)
        #expect(notJSON.status == 2, "\(notJSON.error)")
        #expect(notJSON.error.contains("not a custody bundle: the file is not JSON"), "\(notJSON.error)")
        #expect(notJSON.error.contains("at byte offset 0"), "\(notJSON.error)")
        #expect(!notJSON.error.contains("submit it again"), "\(notJSON.error)")
        let pythonNotJSON = runProcess(
            "/usr/bin/env",
            ["python3", toolsPath("verify_bundle.py"), directory + "/text.txt", vkey]
        )
        #expect(pythonNotJSON.status == 2, "\(pythonNotJSON.output)")
        #expect(
            pythonNotJSON.output.contains("is not a custody bundle: the file is not JSON"),
            "\(pythonNotJSON.output)"
        )

        // An export never overwrites a file, and says so; a missing directory is named as that alone.
        let overwrite = celltrace("export", "custody", CarbonCLITests.serial, "--ledger", ledger, "-o", bundle)
        #expect(overwrite.status == 2 && overwrite.error.contains("(an export never overwrites a file)"))
        let nowhere = celltrace(
            "export",
            "custody",
            CarbonCLITests.serial,
            "--ledger",
            ledger,
            "-o",
            directory + "/missing/b.json"
        )
        #expect(nowhere.status == 2 && nowhere.error.contains("No such file or directory"), "\(nowhere.error)")
        #expect(!nowhere.error.contains("overwrite"), "\(nowhere.error)")
        let wrong = celltrace("export", "custody", CarbonCLITests.serial, "--ledger", ledger, "--profile", "friends")
        #expect(wrong.status == 2)
        #expect(
            wrong.error.contains("--profile friends: choose one of public, legitimate-interest, authority, auditor")
        )

        // An export the disclosure log would refuse (no recipient, or one too long to key the log)
        // is not written either.
        let unnamed = directory + "/unnamed.json"
        for (recipient, message) in [("", "/recipient"), (String(repeating: "r", count: 300), "at most 256 bytes")] {
            let refused = celltrace(
                "export",
                "epcis",
                CarbonCLITests.serial,
                "--ledger",
                ledger,
                "-o",
                unnamed,
                "--profile",
                "auditor",
                "--recipient",
                recipient
            )
            #expect(refused.status == 2 && refused.error.contains(message), "\(refused.error)")
            #expect(!FileManager.default.fileExists(atPath: unnamed))
        }
        let after = try #require(
            try JSONValue(parsing: celltrace("disclosures", "--ledger", ledger, "--json").output).arrayValue
        )
        #expect(after.count == 1)
    }

    /// A disclosure that cannot be recorded (a full disk under the ledger, as its write reports
    /// it) leaves no file, under the export's name or a temporary one; on standard output, which
    /// cannot be taken back, it says that what was written is not to be passed on.
    @Test func anExportWhoseDisclosureCannotBeRecordedLeavesNoFile() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/exp1.jsonld"
        let full = LedgerError(
            code: .storage,
            message: "storage failed: diskFull: the file system holding ledger is full (0 bytes free): "
                + "the transaction was not committed and nothing of this write was kept"
        )
        func deliver(_ arguments: [String]) -> (failure: Failure?, output: String, error: String) {
            var failure: Failure?
            let (printed, error) = Console.capture {
                do {
                    try ExportOptions.parse(arguments + ["--profile", "auditor", "--recipient", "Auditor"]).deliver(
                        Array(#"{"type":"EPCISDocument"}"#.utf8),
                        format: "epcis",
                        subject: "urn:celltrace:lot:cam811-hunan-2602",
                        asOfSize: 7,
                        recording: { _ in throw full }
                    )
                } catch let error as Failure {
                    failure = error
                } catch {
                    Issue.record("not a Failure: \(error)")
                }
            }
            return (failure, printed, error)
        }

        let toFile = deliver(["-o", output])
        #expect(toFile.failure?.status == .internalFailure)
        #expect(
            toFile.failure?.message.contains(
                "nothing of this write was kept; the export was not written: nothing was left at \(output), "
                    + "and no disclosure was recorded"
            ) == true,
            "\(toFile.failure?.message ?? "")"
        )
        #expect(FileIO.names(in: directory) == [], "neither the export nor its temporary file is left")
        #expect(toFile.output.isEmpty)

        let toStandardOutput = deliver([])
        #expect(toStandardOutput.output == #"{"type":"EPCISDocument"}"#)
        #expect(toStandardOutput.failure?.status == .internalFailure)
        #expect(
            toStandardOutput.failure?.message.contains(
                "nothing of this write was kept; the export was written to standard output, but its disclosure "
                    + "was not recorded: do not pass it on"
            ) == true,
            "\(toStandardOutput.failure?.message ?? "")"
        )
    }

    /// A file that takes the export's name while its disclosure is recorded is never replaced:
    /// the export exits 2 saying its disclosure was recorded but nothing was left at its name,
    /// and its hidden temporary file (`.NAME.celltrace-<hex>`) is removed too.
    @Test func anExportWhoseNameIsTakenMeanwhileLeavesNoTemporaryFile() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = try Ledger.create(at: directory + "/ledger", options: Ledger.Options(durable: false))
        try FileIO.createDirectory(directory + "/out")
        let output = directory + "/out/exp1.jsonld"
        var failure: Failure?
        _ = Console.capture {
            do {
                try ExportOptions.parse(["-o", output, "--profile", "auditor", "--recipient", "Auditor"]).deliver(
                    Array(#"{"type":"EPCISDocument"}"#.utf8),
                    format: "epcis",
                    subject: "urn:celltrace:lot:cam811-hunan-2602",
                    asOfSize: 7,
                    recording: { _ in
                        let staged = FileIO.names(in: directory + "/out") ?? []
                        #expect(staged.count == 1 && staged[0].hasPrefix(".exp1.jsonld.celltrace-"), "\(staged)")
                        try FileIO.writeNew("another program's file\n", to: output)
                        return try ledger.append([EntryDraft(type: "note", actor: "exporter", body: ["text": "sent"])])
                    }
                )
            } catch let error as Failure {
                failure = error
            } catch {
                Issue.record("not a Failure: \(error)")
            }
        }
        #expect(failure?.status == .badInput)
        #expect(
            failure?.message
                == "cannot create \(output): File exists (an export never overwrites a file); the export's disclosure "
                + "was recorded as entry 0, but nothing was left at \(output)",
            "\(failure?.message ?? "")"
        )
        #expect(FileIO.names(in: directory + "/out") == ["exp1.jsonld"], "no temporary file is left")
        #expect(String(decoding: try FileIO.readAll(output), as: UTF8.self) == "another program's file\n")
    }

    /// Every kind of export is written under a temporary name and given its own once its
    /// disclosure is recorded: the file is there, alone, with the bytes the disclosure hashes.
    @Test(arguments: ["custody", "epcis", "pact", "passport", "graph"])
    func everyExportToAFileIsNamedOnceRecorded(kind: String) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let output = directory + "/out/export." + kind
        try FileIO.createDirectory(directory + "/out")
        let extra = kind == "graph" ? ["--format", "dot"] : []
        let export = celltrace(
            ["export", kind, CarbonCLITests.serial, "--ledger", ledger, "-o", output, "--recipient", "OEM"] + extra
        )
        #expect(export.status == 0, "\(export.error)")
        #expect(FileIO.names(in: directory + "/out") == ["export." + kind])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        let log = try JSONValue(parsing: celltrace("disclosures", "--ledger", ledger, "--json").output)
        #expect(log.arrayValue?.count == 1)
        #expect(log.arrayValue?.first?["sha256"]?.stringValue == SHA256.hash(Array(bytes)).hex)
        let again = celltrace(
            ["export", kind, CarbonCLITests.serial, "--ledger", ledger, "-o", output, "--recipient", "OEM"] + extra
        )
        #expect(again.status == 2 && again.error.contains("(an export never overwrites a file)"), "\(again.error)")
        #expect(FileIO.names(in: directory + "/out") == ["export." + kind])
    }

    @Test func anOptionThatSaysWhatIsDisclosedIsGivenOnce() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        for (arguments, message) in [
            (
                ["--profile", "public", "--recipient", "OEM", "--profile=auditor"],
                "--profile is given 2 times (public, auditor)"
            ),
            (["--recipient", "OEM", "--recipient", "Registry"], "--recipient is given 2 times (OEM, Registry)"),
            (
                ["--recipient", "OEM", "-o", directory + "/a.jsonld", "--output", directory + "/b.jsonld"],
                "--output is given 2 times"
            ),
            (["--recipient", "OEM", "--ledger", ledger], "--ledger is given 2 times"),
        ] {
            let refused = celltrace(["export", "epcis", CarbonCLITests.serial, "--ledger", ledger] + arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.error)")
            #expect(refused.error.contains(message), "\(refused.error)")
        }
        #expect(celltrace("disclosures", "--ledger", ledger).output.contains("no disclosures recorded"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/a.jsonld"))
        // Repeatable options stay repeatable (each key once: the same key twice is refused).
        let twice = celltrace(
            "what-if",
            CarbonCLITests.serial,
            "--replace-factor",
            "grid:HU=0.1",
            "--replace-factor",
            "grid:CN:consumption-mix=0.2",
            "--ledger",
            ledger,
        )
        #expect(twice.status == 0, "\(twice.error)")
    }

    /// A redacted EPCIS export imported is refused, the error saying once that it is redacted and
    /// how to copy a lineage instead, before the problems its withheld members cause.
    @Test func aRedactedEPCISExportImportedIsNamedAsRedacted() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let document = directory + "/redacted.jsonld"
        let exported = celltrace(
            "export",
            "epcis",
            CarbonCLITests.serial,
            "--profile",
            "public",
            "--ledger",
            ledger,
            "-o",
            document
        )
        #expect(exported.status == 0, "\(exported.error)")
        let refused = celltrace(
            "import",
            document,
            "--ledger",
            ledger,
            "--as",
            "pilbara-mining",
            "--key",
            directory + "/pilbara-mining.pem"
        )
        #expect(refused.status == 2)
        #expect(
            refused.error.contains(
                "; the document is a redacted export (its events carry ct:withheld), which is for reading, not for import: export with --profile auditor to copy a lineage"
            ),
            "\(refused.error)"
        )
    }

    @Test func keyLinesShowControlAndInvisibleCharactersEscaped() {
        // A name registered to fake a second line, move the cursor back, or turn the key ID round.
        let key = BundleVerifier.SignerKey(
            entry: 7,
            actor: "urn:a",
            name: "Mine\n                 signed with urn:x (X, operator) key 0000\u{202E}",
            role: "op\u{1B}[2K\u{200B}",
            keyID: "ab12",
            keyEntry: 3
        )
        #expect(
            VerifyBundleCommand.keyLines([key], signed: "submission") == [
                #"urn:a (Mine\u{000A}                 signed with urn:x (X, operator) key 0000\u{202E}, "#
                    + #"op\u{001B}[2K\u{200B}) key ab12, registered at entry #3: submission #7"#
            ]
        )
        #expect(VerifyBundleCommand.visible(#"a\b"#) == #"a\u{005C}b"#)
        #expect(VerifyBundleCommand.visible("Zürich GmbH") == "Zürich GmbH")
    }

    @Test func publicBundleOfALotIsRefused() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let refused = celltrace("export", "custody", CarbonCLITests.ore, "--ledger", ledger, "--profile", "public")
        #expect(refused.status == 2)
        #expect(refused.error.contains("public profile withholds"), "\(refused.error)")
    }

    @Test func consistencyFromAKeptCheckpoint() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let kept = celltrace("checkpoint", "--ledger", ledger)
        #expect(kept.status == 0)
        try kept.output.write(toFile: directory + "/kept.checkpoint", atomically: true, encoding: .utf8)
        // The ledger grows, then the bundle is exported with a proof from the kept checkpoint.
        #expect(
            celltrace("export", "custody", CarbonCLITests.serial, "--ledger", ledger, "-o", directory + "/a.json")
                .status == 0
        )
        let bundle = directory + "/b.json"
        let export = celltrace(
            "export",
            "custody",
            CarbonCLITests.serial,
            "--ledger",
            ledger,
            "-o",
            bundle,
            "--since-checkpoint",
            directory + "/kept.checkpoint"
        )
        #expect(export.status == 0, "\(export.error)")
        let vkey = celltrace("key", "--ledger", ledger).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let verified = celltrace(
            "verify-bundle",
            bundle,
            "--vkey",
            vkey,
            "--since-checkpoint",
            directory + "/kept.checkpoint"
        )
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.contains("consistency    the ledger at size"))
        // A bundle exported after the ledger grew, without the proof: a.json has the kept size.
        let later = celltrace(
            "export",
            "custody",
            CarbonCLITests.serial,
            "--ledger",
            ledger,
            "-o",
            directory + "/c.json"
        )
        #expect(later.status == 0, "\(later.error)")
        let without = celltrace(
            "verify-bundle",
            directory + "/c.json",
            "--vkey",
            vkey,
            "--since-checkpoint",
            directory + "/kept.checkpoint"
        )
        #expect(without.status == 1)
        #expect(without.error.contains("consistency"))
    }

    /// A checkpoint kept at the bundle's own size is the bundle's tree, in both verifiers; one
    /// kept after it is named as newer than the bundle, not as a missing proof.
    @Test func keptCheckpointOfTheBundlesSizeOrLater() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = CarbonCLITests.ledger(directory)
        let bundle = directory + "/b.json"
        let export = celltrace("export", "custody", CarbonCLITests.serial, "--ledger", ledger, "-o", bundle)
        #expect(export.status == 0, "\(export.error)")
        let exported = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: bundle))))
        let checkpointText = try #require(exported["checkpoint"]?.stringValue)
        let size = String(checkpointText.split(separator: "\n")[1])
        let vkey = celltrace("key", "--ledger", ledger).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let same = directory + "/same.checkpoint"
        try celltrace("checkpoint", "--ledger", ledger, "--size", size).output.write(
            toFile: same,
            atomically: true,
            encoding: .utf8
        )
        let verified = celltrace("verify-bundle", bundle, "--vkey", vkey, "--since-checkpoint", same)
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.contains("consistency    the ledger at size \(size) is the kept checkpoint's"))
        #expect(verifyBundle(bundle, vkey, "--since-checkpoint", same).status == 0)
        // The export's disclosure entry made the ledger larger than the bundle.
        let newer = directory + "/newer.checkpoint"
        try celltrace("checkpoint", "--ledger", ledger).output.write(toFile: newer, atomically: true, encoding: .utf8)
        let older = celltrace("verify-bundle", bundle, "--vkey", vkey, "--since-checkpoint", newer)
        #expect(older.status == 1)
        #expect(
            older.error.contains("the bundle's checkpoint (size \(size)) is older than the kept one"),
            "\(older.error)"
        )
        let python = verifyBundle(bundle, vkey, "--since-checkpoint", newer)
        #expect(python.status == 1 && python.output.contains("is older than the kept one"), "\(python.output)")
    }
}
