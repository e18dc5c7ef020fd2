import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// The master-data commands the other suites do not reach: key rotation and revocation, factor
/// tables listed back.
@Suite struct MasterDataCLITests {
    @Test func keyRotateAndRevokeThroughTheRootCommand() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        #expect(celltrace("keygen", directory + "/pilbara-2027.pem").status == 0)
        let rotated = celltrace(
            "actor",
            "key-rotate",
            "pilbara-mining",
            "--key",
            directory + "/pilbara-2027.pub.pem",
            "--ledger",
            ledger
        )
        #expect(rotated.status == 0, "\(rotated.error)")
        let actors = try JSONValue(parsing: celltrace("actor", "list", "--ledger", ledger, "--json").output)
        let pilbara = try #require(actors.arrayValue?.first { $0["id"] == "pilbara-mining" })
        let keys = try #require(pilbara["keys"]?.arrayValue)
        #expect(keys.count == 2)
        let newKey = try #require(keys.last?["id"]?.stringValue)
        // The text lists the key in use, and names the party every actor has beside the table.
        let listed = celltrace("actor", "list", "--ledger", ledger).output
        #expect(listed.contains(newKey))
        #expect(listed.contains("Every actor is also the party urn:celltrace:actor:ACTOR"))

        // The old key no longer signs; the new one does until it is revoked.
        let old = celltrace(
            "import",
            fixturesPath("epcis/chain/01-mine.jsonld"),
            "--as",
            "pilbara-mining",
            "--key",
            directory + "/pilbara-mining.pem",
            "--ledger",
            ledger,
            "--dry-run"
        )
        #expect(old.status != 0 && old.error.contains("not the current key"), "\(old.error)")
        let revoked = celltrace(
            "actor",
            "key-revoke",
            "pilbara-mining",
            "--key-id",
            newKey,
            "--reason",
            "compromised",
            "--ledger",
            ledger
        )
        #expect(revoked.status == 0, "\(revoked.error)")
        let again = celltrace("actor", "key-revoke", "pilbara-mining", "--key-id", newKey, "--ledger", ledger)
        #expect(
            again.status == 2
                && again.error.contains("field '/keyID': key \(newKey) of pilbara-mining is already revoked"),
            "\(again.error)"
        )
        let unknown = celltrace("actor", "key-rotate", "nobody", "--key", directory + "/pilbara-2027.pub.pem")
        #expect(unknown.status == 2)
        #expect(celltrace("verify", "--ledger", ledger).status == 0)
    }

    @Test func appendRefusesARegisteredActorsName() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        write(#"{"note":"our cobalt is conflict-free"}"# + "\n", to: directory + "/note.jsonl")
        let size = celltrace("log", "--ledger", ledger).output
        let refused = celltrace("append", directory + "/note.jsonl", "--actor", "pilbara-mining", "--ledger", ledger)
        #expect(refused.status == 2)
        #expect(refused.error.contains("--actor pilbara-mining is a registered actor"), "\(refused.error)")
        // Nor the name in other capitals or after a prefix, which a reader takes for the actor's.
        for lookalike in ["PILBARA-MINING", "urn:celltrace:actor:pilbara-mining"] {
            let posing = celltrace("append", directory + "/note.jsonl", "--actor", lookalike, "--ledger", ledger)
            #expect(
                posing.status == 2
                    && posing.error.contains("--actor \(lookalike) reads as registered actor pilbara-mining"),
                "\(posing.error)"
            )
        }
        // An option the ledger cannot take is named as the option, not as the file's line.
        let empty = celltrace("append", directory + "/note.jsonl", "--actor", "", "--ledger", ledger)
        #expect(
            empty.status == 2 && empty.error.contains("--actor must be 1–256 bytes without control characters"),
            "\(empty.error)"
        )
        let type = celltrace("append", directory + "/note.jsonl", "--type", "", "--ledger", ledger)
        #expect(type.status == 2 && type.error.contains("--type must be 1–64 characters"), "\(type.error)")
        #expect(celltrace("log", "--ledger", ledger).output == size)
        let labelled = celltrace("append", directory + "/note.jsonl", "--actor", "site-audit", "--ledger", ledger)
        #expect(labelled.status == 0, "\(labelled.error)")
    }

    @Test func facilityCoordinatesSouthAndWestTakeTheirMinusSign() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        let added = celltrace(
            "facility",
            "add",
            "urn:celltrace:facility:salar-brine",
            "--operator",
            "pilbara-mining",
            "--kind",
            "mine",
            "--country",
            "CL",
            "--latitude",
            "-23.5",
            "--longitude",
            "-68.3",
            "--ledger",
            ledger,
        )
        #expect(added.status == 0, "\(added.error)")
        let facilities = try JSONValue(parsing: celltrace("facility", "list", "--ledger", ledger, "--json").output)
        #expect(facilities.arrayValue?.contains { $0["id"] == "urn:celltrace:facility:salar-brine" } == true)
    }

    @Test func aFacilityInTheUKIsRecordedUnderGBNotUK() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        let size = celltrace("log", "--ledger", ledger).output
        func add(_ country: String) -> (status: Int32, output: String, error: String) {
            celltrace(
                "facility",
                "add",
                "urn:celltrace:facility:teesside-refinery",
                "--operator",
                "sichuan-lithium",
                "--kind",
                "refinery",
                "--country",
                country,
                "--ledger",
                ledger
            )
        }
        let refused = add("UK")
        #expect(refused.status == 2)
        #expect(
            refused.error.contains(
                "field '/country': UK is reserved in ISO 3166-1, not assigned: the United Kingdom is GB"
            ),
            "\(refused.error)"
        )
        #expect(celltrace("log", "--ledger", ledger).output == size)
        #expect(add("GB").status == 0)
    }

    @Test func aFacilityNameWithAControlCharacterIsRefusedOnAddAndAmend() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        let size = celltrace("log", "--ledger", ledger).output
        let id = "urn:celltrace:facility:second-mine"
        func add(_ name: String) -> (status: Int32, output: String, error: String) {
            celltrace(
                "facility",
                "add",
                id,
                "--operator",
                "pilbara-mining",
                "--kind",
                "mine",
                "--country",
                "AU",
                "--name",
                name,
                "--ledger",
                ledger
            )
        }
        let refused = add("tab\tname")
        #expect(refused.status == 2)
        #expect(
            refused.error
                == "celltrace: the facility was not recorded: 1 problem\n"
                + "  \(id), field '/name': must not hold control characters (line breaks, tabs, escapes)\n",
            "\(refused.error)"
        )
        #expect(celltrace("log", "--ledger", ledger).output == size)
        // A line break would print a tree line of its own under the name in `celltrace trace`.
        let mine = "urn:epc:id:sgln:9300001.00001.0"
        let amended = celltrace(
            "facility",
            "amend",
            mine,
            "--name",
            "Pilgangoora\n├─ urn:celltrace:lot:fake  ore  Fake mine (AU)  9 kg  #1",
            "--reason",
            "x",
            "--ledger",
            ledger
        )
        #expect(amended.status == 2)
        #expect(
            amended.error
                == "celltrace: the facility amendment was not recorded: 1 problem\n"
                + "  \(mine), field '/name': must not hold control characters (line breaks, tabs, escapes)\n",
            "\(amended.error)"
        )
        #expect(celltrace("log", "--ledger", ledger).output == size)
        #expect(add("Second mine").status == 0)
    }

    @Test func actorAddNamesATakenPartyBesideAPartyThatIsNoURI() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = SupplyChainCLITests.chainLedger(directory)
        let size = celltrace("log", "--ledger", ledger).output
        #expect(celltrace("keygen", directory + "/a2.pem").status == 0)
        let refused = celltrace(
            "actor",
            "add",
            "a2",
            "--role",
            "miner",
            "--key",
            directory + "/a2.pub.pem",
            "--party",
            "urn:epc:id:pgln:9300001.00000",
            "--party",
            "nocolon",
            "--ledger",
            ledger
        )
        #expect(refused.status == 2)
        #expect(
            refused.error
                == "celltrace: the actor was not recorded: 2 problems\n"
                + "  a2, field '/parties/1': a party is a URI (urn:epc:id:pgln:…, https://id.gs1.org/417/…)\n"
                + "  a2, field '/parties/0': party urn:epc:id:pgln:9300001.00000 already names actor pilbara-mining\n",
            "\(refused.error)"
        )
        #expect(celltrace("log", "--ledger", ledger).output == size)
    }

    @Test func initOnAPathThatCannotBeALedgerIsBadInput() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        write("not a ledger\n", to: directory + "/file")
        let onFile = celltrace("init", "--ledger", directory + "/file")
        #expect(onFile.status == 2 && onFile.error.contains("exists and is not a directory"), "\(onFile.error)")
        let empty = celltrace("init", "--ledger", "")
        #expect(empty.status == 2 && empty.error.contains("--ledger is empty"), "\(empty.error)")
    }

    @Test func aPrivateKeyGivenForAnActorIsUsedForItsPublicHalfWithAWarning() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger).status == 0)
        let keygen = celltrace("keygen", directory + "/trader.pem")
        let printedID = try #require(keygen.output.split(separator: "\n").first { $0.hasPrefix("key id:") })
        let expectedID = printedID.split(separator: " ").last.map(String.init)
        let added = celltrace(
            "actor",
            "add",
            "trader",
            "--role",
            "trader",
            "--key",
            directory + "/trader.pem",
            "--ledger",
            ledger
        )
        #expect(added.status == 0, "\(added.error)")
        #expect(added.error.contains("warning: \(directory)/trader.pem is a private key; only its public half is used"))
        // The key registered is the pair's public half: the private key signs for the actor.
        let listed = try JSONValue(parsing: celltrace("actor", "list", "--ledger", ledger, "--json").output)
        let keyID = listed.arrayValue?.first?["keys"]?.arrayValue?.first?["id"]?.stringValue
        #expect(keyID != nil && keyID == expectedID, "\(listed)")
        let quiet = celltrace(
            "actor",
            "key-rotate",
            "trader",
            "--key",
            directory + "/trader.pub.pem",
            "--ledger",
            ledger
        )
        #expect(!quiet.error.contains("warning"))
    }

    @Test func keygenRefusesToWriteAPrivateKeyUnderAPublicKeysName() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let refused = celltrace("keygen", directory + "/refiner.pub.pem")
        #expect(refused.status == 2 && refused.error.contains("is a public key's name"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/refiner.pub.pem"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/refiner.pub.pub.pem"))
    }

    @Test func keygenIntoAMissingDirectoryNamesTheDirectory() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = celltrace("keygen", directory + "/keys/refiner.pem")
        #expect(
            missing.status == 2
                && missing.error
                    == "celltrace: cannot write \(directory)/keys/refiner.pem: there is no directory \(directory)/keys; "
                    + "no key pair was made\n",
            "\(missing.error)"
        )
        try "".write(toFile: directory + "/file", atomically: true, encoding: .utf8)
        let notDirectory = celltrace("keygen", directory + "/file/refiner.pem")
        #expect(
            notDirectory.status == 2 && notDirectory.error.contains("\(directory)/file is not a directory"),
            "\(notDirectory.error)"
        )
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["file"])
        // A bare name goes in the working directory's; one in a directory that exists is made.
        #expect(celltrace("keygen", directory + "/refiner.pem").status == 0)
    }

    @Test func keygenNamesThePrivateKeyThatExistsInOneWording() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let privateKey = directory + "/a.pem"
        let publicKey = directory + "/a.pub.pem"
        #expect(celltrace("keygen", privateKey).status == 0)
        let refusal = { (path: String) in
            "celltrace: cannot create \(path): it exists, and keygen overwrites no key; give a new name "
                + "(no key pair was made)\n"
        }
        // Both halves there, then the private key alone: the private key's file is named, the same way.
        for removePublic in [false, true] {
            if removePublic { try FileManager.default.removeItem(atPath: publicKey) }
            let before = try Data(contentsOf: URL(fileURLWithPath: privateKey))
            let refused = celltrace("keygen", privateKey)
            #expect(refused.status == 2 && refused.error == refusal(privateKey), "\(refused.error)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: privateKey)) == before, "the key is left as it was")
            #expect(FileManager.default.fileExists(atPath: publicKey) == !removePublic, "nothing written beside it")
        }
        // The public key alone is named in the same wording.
        try FileManager.default.moveItem(atPath: privateKey, toPath: directory + "/b.pem")
        write("public\n", to: publicKey)
        let refused = celltrace("keygen", privateKey)
        #expect(refused.status == 2 && refused.error == refusal(publicKey), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: privateKey))
    }

    @Test func initRefusesADirectoryHoldingAnythingButALedgersFiles() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let other = directory + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        write("hi\n", to: other + "/x")
        let refused = celltrace("init", "--ledger", other, "--origin", "b.example")
        #expect(refused.status == 2, "\(refused.output)")
        #expect(
            refused.error == "celltrace: \(other) holds x, which is no ledger's file: give a new or empty directory\n",
            "\(refused.error)"
        )
        #expect(FileManager.default.fileExists(atPath: other + "/x"))
        #expect(!FileManager.default.fileExists(atPath: other + "/data.mdb"), "nothing written beside it")
        #expect(!FileManager.default.fileExists(atPath: other + "/ledger-key.pem"))
        // An empty directory takes a ledger, and a ledger there is named as such, not as other files.
        let empty = directory + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(celltrace("init", "--ledger", empty).status == 0)
        let again = celltrace("init", "--ledger", empty)
        #expect(again.status == 2 && again.error.contains("a ledger already exists at \(empty)"), "\(again.error)")
    }

    @Test func factorsListShowsEveryTableVersion() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger).status == 0)
        let added = celltrace("factors", "add", fixturesPath("factors/reference-2023.json"), "--ledger", ledger)
        #expect(added.status == 0, "\(added.error)")
        let list = celltrace("factors", "list", "--ledger", ledger)
        #expect(list.status == 0)
        #expect(list.output.hasPrefix("TABLE") && list.output.contains("celltrace-reference"), "\(list.output)")
        let json = try JSONValue(parsing: celltrace("factors", "list", "--ledger", ledger, "--json").output)
        #expect(json.arrayValue?.first?["id"] == "celltrace-reference")
        let twice = celltrace("factors", "add", fixturesPath("factors/reference-2023.json"), "--ledger", ledger)
        #expect(twice.status == 2 && twice.error.contains("celltrace-reference"), "\(twice.error)")
        #expect(
            twice.error.contains(
                "factor table celltrace-reference version 1 is already recorded; a table that replaces its rows is "
                    + "recorded as a later version (\"version\": 2)"
            ),
            "\(twice.error)"
        )
    }
}
