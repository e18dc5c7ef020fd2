import ArgumentParser
import Foundation
import LedgerCore
import LedgerCrypto
import Testing

@testable import CellTraceCLI

/// Runs `celltrace` in-process through the parsed root command, capturing what it prints.
func celltrace(_ arguments: String...) -> (status: Int32, output: String, error: String) {
    celltrace(arguments)
}

func celltrace(_ arguments: [String]) -> (status: Int32, output: String, error: String) {
    var status: Int32 = 0
    let (output, error) = Console.capture {
        status = runCellTrace(arguments)
    }
    return (status, output, error)
}

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "celltrace-cli-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ text: String, to path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
}

let lotLines = """
    {"lot":"SPD-1","kg":"250000","supplier":"Mine A"}
    {"lot":"LIOH-1","kg":"31000","supplier":"Refiner B"}

    {"lot":"CAM-1","kg":"40500","inputs":["LIOH-1"],"supplier":"Plant C"}

    """

@Suite struct CLITests {
    /// A ledger command run where there is none, with no `--ledger` and no `CELLTRACE_LEDGER`
    /// (a user who ran the demo and did not set the variable), says where it looked and why.
    @Test func noLedgerSaysWhereItLookedAndWhatToGive() throws {
        let binary = try builtBinary()
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func run(_ environment: [String: String]) throws -> (status: Int32, error: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["footprint", "urn:epc:id:sgtin:4012345.011111.3"]
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.environment = environment
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        let bare = try run(["PATH": "/usr/bin:/bin"])
        #expect(bare.status == 2)
        #expect(
            bare.error.hasPrefix(
                "celltrace: no ledger at ledger (./ledger, the default: no --ledger given and CELLTRACE_LEDGER not "
                    + "set); give --ledger DIR or set CELLTRACE_LEDGER"
            ),
            "\(bare.error)"
        )
        #expect(bare.error.contains("(the demo's is celltrace-demo/ledger), or create one with `celltrace init`"))
        let set = try run(["PATH": "/usr/bin:/bin", "CELLTRACE_LEDGER": directory + "/gone"])
        #expect(set.status == 2)
        #expect(
            set.error.hasPrefix("celltrace: no ledger at \(directory)/gone (from CELLTRACE_LEDGER);"),
            "\(set.error)"
        )
        // CELLTRACE_LEDGER naming ./ledger itself is still where the directory came from.
        let named = try run(["PATH": "/usr/bin:/bin", "CELLTRACE_LEDGER": "ledger"])
        #expect(named.status == 2)
        #expect(named.error.hasPrefix("celltrace: no ledger at ledger (from CELLTRACE_LEDGER);"), "\(named.error)")
        // Set but empty, it names no directory: the default stands, and the message says why.
        let empty = try run(["PATH": "/usr/bin:/bin", "CELLTRACE_LEDGER": ""])
        #expect(empty.status == 2)
        #expect(
            empty.error.hasPrefix(
                "celltrace: no ledger at ledger (./ledger, the default: no --ledger given and CELLTRACE_LEDGER set "
                    + "but empty); give --ledger DIR or set CELLTRACE_LEDGER"
            ),
            "\(empty.error)"
        )
        // A directory given with --ledger is named as given, as before.
        let given = celltrace("footprint", "x", "--ledger", directory + "/nowhere")
        #expect(given.error == "celltrace: no ledger at \(directory)/nowhere; create one with `celltrace init`\n")
    }

    /// `log` over an entry changed behind the ledger's back prints the entries before it, then
    /// names it (exit 1), so that an auditor has the intact ones in one call.
    @Test func logPrintsTheEntriesBeforeAChangedOne() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger, "--origin", "cli.celltrace.local/log").status == 0)
        let lines = (0..<5).map { #"{"lot":"MARK-\#($0)-LOT","kg":"1"}"# }
        write(lines.joined(separator: "\n") + "\n", to: directory + "/lots.jsonl")
        #expect(celltrace("append", directory + "/lots.jsonl", "--ledger", ledger).status == 0)
        let file = ledger + "/data.mdb"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let marker = Data("MARK-3-LOT".utf8)
        let found = try #require(bytes.range(of: marker))
        bytes[found.lowerBound + 5] = UInt8(ascii: "9")
        try bytes.write(to: URL(fileURLWithPath: file))
        let log = celltrace("log", "--ledger", ledger)
        #expect(log.status == 1, "\(log.error)")
        #expect(log.output.split(separator: "\n").count == 3, "entries 0 to 2, intact")
        #expect(log.error.contains("3"), "\(log.error)")
    }

    @Test func initAppendLogAndProveRoundTrip() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        let created = celltrace("init", "--ledger", ledger, "--origin", "cli.celltrace.local/test", "--json")
        #expect(created.status == 0, "\(created.error)")
        let vkey = try #require(try JSONValue(parsing: created.output)["vkey"]?.stringValue)
        #expect(celltrace("key", "--ledger", ledger).output == vkey + "\n")

        write(lotLines, to: directory + "/lots.jsonl")
        let appended = celltrace("append", directory + "/lots.jsonl", "--ledger", ledger, "--confidential", "/supplier")
        #expect(appended.status == 0, "\(appended.error)")
        #expect(appended.output.hasPrefix("appended 3 entries (0–2); size 3\ncli.celltrace.local/test\n3\n"))

        let log = celltrace("log", "--ledger", ledger)
        let lines = log.output.split(separator: "\n")
        #expect(lines.count == 3)
        for (index, line) in lines.enumerated() {
            let entry = try Entry(canonicalBytes: Array(line.utf8))
            #expect(entry.sequenceNumber == UInt64(index))
            #expect(!line.contains("Mine A") && line.contains("$commit"))
        }
        #expect(celltrace("log", "--ledger", ledger, "--from", "1", "--to", "1").output == String(lines[1]) + "\n")
        // An entry the ledger does not hold is named, not printed as nothing; the next one, for a
        // reader following the ledger, is nothing new yet.
        let pastTheEnd = celltrace("log", "--ledger", ledger, "--from", "3", "--to", "3")
        #expect(pastTheEnd.status == 2 && pastTheEnd.output.isEmpty)
        #expect(
            pastTheEnd.error.contains("--to 3: there is no entry #3; the ledger holds entries #0 to #2"),
            "\(pastTheEnd.error)"
        )
        #expect(celltrace("log", "--ledger", ledger, "--from", "4").status == 2)
        let next = celltrace("log", "--ledger", ledger, "--from", "3")
        #expect(next.status == 0 && next.output.isEmpty)

        let proof = celltrace("prove", "inclusion", "--seq", "1", "--ledger", ledger)
        #expect(proof.status == 0)
        #expect(proof.output.hasPrefix("c2sp.org/tlog-proof@v1\nindex 1\n"))
        write(proof.output, to: directory + "/entry.proof")
        write(String(lines[1]) + "\n", to: directory + "/entry.json")
        let verified = celltrace(
            "verify-proof",
            directory + "/entry.proof",
            "--entry",
            directory + "/entry.json",
            "--vkey",
            vkey
        )
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.hasPrefix("OK: entry 1 is included in cli.celltrace.local/test at size 3"))
        // The vkey from a file, as verify-bundle takes it; a file that is not there is named.
        write(vkey + "\n", to: directory + "/ledger.vkey")
        let fromFile = celltrace(
            "verify-proof",
            directory + "/entry.proof",
            "--entry",
            directory + "/entry.json",
            "--vkey",
            directory + "/ledger.vkey",
        )
        #expect(fromFile.status == 0, "\(fromFile.error)")
        let missing = celltrace(
            "verify-proof",
            directory + "/entry.proof",
            "--entry",
            directory + "/entry.json",
            "--vkey",
            directory + "/missing.vkey",
        )
        #expect(
            missing.status == 2 && missing.error.contains("cannot read \(directory)/missing.vkey"),
            "\(missing.error)"
        )
        let sizeZero = celltrace("checkpoint", "--size", "0", "--ledger", ledger)
        #expect(
            sizeZero.status == 2 && sizeZero.error.contains("size of 1 or more (the ledger has 3 entries)"),
            "\(sizeZero.error)"
        )

        // A changed entry, another key, or another entry's bytes: exit 1.
        write(String(lines[1]).replacingOccurrences(of: "31000", with: "31001") + "\n", to: directory + "/changed.json")
        #expect(
            celltrace(
                "verify-proof",
                directory + "/entry.proof",
                "--entry",
                directory + "/changed.json",
                "--vkey",
                vkey
            ).status == 1
        )
        write(String(lines[0]) + "\n", to: directory + "/other.json")
        #expect(
            celltrace("verify-proof", directory + "/entry.proof", "--entry", directory + "/other.json", "--vkey", vkey)
                .status == 1
        )
        // With --json the verdict is on standard output too, either way.
        let proofArguments = ["verify-proof", directory + "/entry.proof", "--vkey", vkey, "--json", "--entry"]
        let good = try JSONValue(parsing: celltrace(proofArguments + [directory + "/entry.json"]).output)
        #expect(good["verified"] == true && good["index"] == 1)
        let refused = celltrace(proofArguments + [directory + "/other.json"])
        #expect(refused.status == 1)
        let verdict = try JSONValue(parsing: refused.output)
        #expect(verdict["verified"] == false)
        #expect(verdict["reason"]?.stringValue?.contains("is not entry 1 under this checkpoint") == true, "\(verdict)")
        let otherKey = try NoteSigner(name: "cli.celltrace.local/test", privateKey: Ed25519PrivateKey()).verifierKey
            .text
        #expect(
            celltrace(
                "verify-proof",
                directory + "/entry.proof",
                "--entry",
                directory + "/entry.json",
                "--vkey",
                otherKey
            ).status == 1
        )

        // A proof whose bytes are not UTF-8 is bad input, not repaired into one that verifies: here a
        // second signature line, by another key whose name holds a byte 0xFF.
        var proofBytes = Array(proof.output.utf8)
        proofBytes +=
            Array("\u{2014} other".utf8) + [0xFF] + Array(" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".utf8)
        try Data(proofBytes).write(to: URL(fileURLWithPath: directory + "/latin.proof"))
        let latin = celltrace(
            "verify-proof",
            directory + "/latin.proof",
            "--entry",
            directory + "/entry.json",
            "--vkey",
            vkey
        )
        #expect(latin.status == 2 && latin.error.contains("not UTF-8"), "\(latin.error)")
        let pythonLatin = runProcess(
            "/usr/bin/env",
            ["python3", toolsPath("verify_proof.py"), directory + "/latin.proof", directory + "/entry.json", vkey]
        )
        #expect(pythonLatin.status == 2, "\(pythonLatin.output)")

        // The independent Python verifier agrees.
        let python = runProcess(
            "/usr/bin/env",
            ["python3", toolsPath("verify_proof.py"), directory + "/entry.proof", directory + "/entry.json", vkey]
        )
        #expect(python.status == 0, "\(python.output)")
        let pythonChanged = runProcess(
            "/usr/bin/env",
            ["python3", toolsPath("verify_proof.py"), directory + "/entry.proof", directory + "/changed.json", vkey]
        )
        #expect(pythonChanged.status == 1)

        let audit = celltrace("verify", "--ledger", ledger, "--deep")
        #expect(audit.status == 0)
        #expect(audit.output == "OK: 3 entries, 2 Merkle nodes, 1 checkpoints, 1 index rows, 3 openings verified\n")
    }

    @Test func checkpointAndConsistencyProofsVerify() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger).status == 0)
        write(lotLines, to: directory + "/lots.jsonl")
        for _ in 0..<4 {
            #expect(celltrace("append", directory + "/lots.jsonl", "--ledger", ledger).status == 0)
        }
        let key = try NoteVerifierKey(
            parsing: celltrace("key", "--ledger", ledger).output.trimmingCharacters(in: .newlines)
        )
        let old = try SignedCheckpoint(parsing: celltrace("checkpoint", "--ledger", ledger, "--size", "5").output)
        let new = try SignedCheckpoint(parsing: celltrace("checkpoint", "--ledger", ledger).output)
        try old.verify(with: key)
        try new.verify(with: key)
        #expect(old.checkpoint.size == 5 && new.checkpoint.size == 12)
        let consistency = celltrace("prove", "consistency", "--from", "5", "--to", "12", "--ledger", ledger)
        let proof = consistency.output.split(separator: "\n").compactMap { SHA256Digest(base64: $0) }
        #expect(!proof.isEmpty)
        try MerkleTree.verifyConsistency(
            size1: 5,
            size2: 12,
            root1: old.checkpoint.rootHash,
            root2: new.checkpoint.rootHash,
            proof: proof
        )
        let json = try JSONValue(
            parsing: celltrace("prove", "consistency", "--from", "5", "--to", "12", "--ledger", ledger, "--json").output
        )
        #expect(json["root1"]?.stringValue == old.checkpoint.rootHash.base64)
        #expect(json["proof"]?.arrayValue?.count == proof.count)

        // Offline, `celltrace verify-proof` and tools/verify_proof.py agree on every case: a good
        // proof exits 0, a changed byte, size or root 1, input without a proof's, a checkpoint's or
        // an export's form 2.
        let vkey = key.text
        write(celltrace("checkpoint", "--ledger", ledger, "--size", "5").output, to: directory + "/old.checkpoint")
        write(celltrace("checkpoint", "--ledger", ledger).output, to: directory + "/new.checkpoint")
        write(consistency.output, to: directory + "/good.proof")
        var fileNumber = 0
        func file(_ text: String) -> String {
            fileNumber += 1
            write(text, to: directory + "/f\(fileNumber)")
            return directory + "/f\(fileNumber)"
        }
        func both(_ proof: String, _ old: String, _ new: String, _ why: String) -> Int32 {
            let swift = celltrace("verify-proof", proof, "--old", old, "--checkpoint", new, "--vkey", vkey)
            let python = runProcess(
                "/usr/bin/env",
                ["python3", toolsPath("verify_proof.py"), "--consistency", proof, old, new, vkey]
            )
            #expect(swift.status == python.status, "\(why): \(swift.output)\(swift.error) / \(python.output)")
            #expect(!python.output.contains("Traceback"), "\(why): \(python.output)")
            return swift.status
        }
        let good = directory + "/good.proof"
        let oldFile = directory + "/old.checkpoint"
        let newFile = directory + "/new.checkpoint"
        #expect(both(good, oldFile, newFile, "the text proof") == 0)
        let ok = celltrace("verify-proof", good, "--old", oldFile, "--checkpoint", newFile, "--vkey", vkey, "--json")
        let verdict = try JSONValue(parsing: ok.output)
        #expect(verdict["verified"] == true && verdict["from"] == 5 && verdict["to"] == 12, "\(ok.output)")
        #expect(both(file(json.canonicalString), oldFile, newFile, "the --json proof") == 0)
        // An export's ledger member as the old tree, as a PACT footprint carries it.
        func export(size: String, root: String, origin: String = key.name) -> String {
            let member: JSONValue = ["origin": .string(origin), "size": .string(size), "rootHash": .string(root)]
            return file(JSONValue.object(["extensions": [["data": ["ledger": member]]]]).canonicalString)
        }
        let oldRoot = old.checkpoint.rootHash.base64
        #expect(both(good, export(size: "5", root: oldRoot), newFile, "a PACT ledger member") == 0)
        #expect(both(file(""), newFile, newFile, "equal sizes, empty proof") == 0)
        // Changed bytes, sizes and roots: exit 1.
        var changed = proof
        changed[0] = SHA256.hash(changed[0].bytes)
        #expect(both(file(changed.map { $0.base64 + "\n" }.joined()), oldFile, newFile, "a changed hash") == 1)
        #expect(both(file(proof.dropLast().map { $0.base64 + "\n" }.joined()), oldFile, newFile, "a hash less") == 1)
        #expect(both(file(consistency.output + proof[0].base64 + "\n"), oldFile, newFile, "a hash more") == 1)
        #expect(both(good, export(size: "6", root: oldRoot), newFile, "another old size") == 1)
        #expect(both(good, export(size: "5", root: new.checkpoint.rootHash.base64), newFile, "another old root") == 1)
        #expect(both(good, export(size: "5", root: oldRoot, origin: "other.example/log"), newFile, "origin") == 1)
        #expect(both(good, newFile, oldFile, "the checkpoints swapped") == 1)
        #expect(both(file(""), oldFile, newFile, "an empty proof") == 1)
        for (member, value) in [("from", JSONValue.number(4)), ("to", 11), ("root1", .string(proof[0].base64))] {
            guard case .object(var members) = json else { continue }
            members[member] = value
            #expect(both(file(JSONValue.object(members).canonicalString), oldFile, newFile, "--json \(member)") == 1)
        }
        let newText = celltrace("checkpoint", "--ledger", ledger).output
        let resized = newText.replacingOccurrences(of: "\n12\n", with: "\n13\n")
        #expect(both(good, oldFile, file(resized), "the checkpoint's size changed") == 1)
        let rerooted = newText.replacingOccurrences(of: new.checkpoint.rootHash.base64, with: oldRoot)
        #expect(both(good, oldFile, file(rerooted), "the checkpoint's root changed") == 1)
        let otherSigner = try NoteSigner(name: key.name, privateKey: Ed25519PrivateKey())
        let forged = try SignedCheckpoint.sign(new.checkpoint, with: otherSigner).formatted
        #expect(both(good, oldFile, file(forged), "signed by another key") == 1)
        #expect(both(good, file(forged.replacingOccurrences(of: "\n12\n", with: "\n5\n")), newFile, "old") == 1)
        // Every byte of the proof changed in turn: never verified, and both say the same.
        let text = Array(consistency.output.utf8)
        for position in stride(from: 0, to: text.count, by: 5) where text[position] != UInt8(ascii: "\n") {
            var bytes = text
            bytes[position] = bytes[position] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(both(file(String(decoding: bytes, as: UTF8.self)), oldFile, newFile, "byte \(position)") != 0)
        }
        // Malformed input: exit 2.
        #expect(both(file("not base64\n"), oldFile, newFile, "a line that is no hash") == 2)
        #expect(both(file(String(consistency.output.dropLast())), oldFile, newFile, "no last newline") == 2)
        #expect(both(file("{\"from\":5}"), oldFile, newFile, "--json without its members") == 2)
        // More hashes than any tree needs, named as that in both forms rather than as a bad hash.
        let long = String(repeating: proof[0].base64 + "\n", count: 129)
        #expect(both(file(long), oldFile, newFile, "129 hashes") == 2)
        let longFile = file(long)
        #expect(
            celltrace("verify-proof", longFile, "--old", oldFile, "--checkpoint", newFile, "--vkey", vkey).error
                == "celltrace: \(longFile): not a consistency proof: it has more than 128 hashes, more than any "
                + "ledger's needs\n"
        )
        var longJSON = try #require(json.objectValue)
        longJSON["proof"] = .array(Array(repeating: .string(proof[0].base64), count: 129))
        #expect(both(file(JSONValue.object(longJSON).canonicalString), oldFile, newFile, "--json, 129") == 2)
        #expect(both(good, file("not a checkpoint\n"), newFile, "an old file of no form") == 2)
        #expect(both(good, file("{\"ledger\":{\"size\":\"5\"}}"), newFile, "no full ledger member") == 2)
        #expect(both(good, oldFile, file("{}"), "a later checkpoint of no form") == 2)
        #expect(both(good, oldFile, directory + "/missing", "a missing file") == 2)
        try Data([0xFF, 0x0A]).write(to: URL(fileURLWithPath: directory + "/latin.proof"))
        #expect(both(directory + "/latin.proof", oldFile, newFile, "a proof not in UTF-8") == 2)
        #expect(celltrace("verify-proof", good, "--old", oldFile, "--vkey", vkey).status == 2, "no --checkpoint")
        #expect(celltrace("verify-proof", good, "--vkey", vkey).status == 2, "neither --entry nor --old")
    }

    @Test func badInputExitsTwoAndWritesNothing() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger).status == 0)
        write("{\"lot\":\"A\"}\n{\"lot\":\"B\",}\n", to: directory + "/bad.jsonl")
        let bad = celltrace("append", directory + "/bad.jsonl", "--ledger", ledger)
        #expect(bad.status == 2)
        #expect(bad.error.contains("bad.jsonl:2:"), "\(bad.error)")
        write("{\"lot\":\"A\"}\n[1,2]\n", to: directory + "/array.jsonl")
        #expect(
            celltrace("append", directory + "/array.jsonl", "--ledger", ledger).error.contains(
                "array.jsonl:2: each line must be a JSON object"
            )
        )
        // Every line that does not read is named, not the first alone.
        write("{\"lot\":\"A\"}\n[1,2]\n\"text\"\n{\"lot\":\n", to: directory + "/several.jsonl")
        let several = celltrace("append", directory + "/several.jsonl", "--ledger", ledger)
        #expect(several.status == 2)
        for line in ["several.jsonl:2: each line", "several.jsonl:3: each line", "several.jsonl:4: "] {
            #expect(several.error.contains(line), "\(several.error)")
        }
        // A record's error names its line, blank lines counted, as a syntax error does.
        write("{\"lot\":\"A\"}\n\n{\"lot\":\"B\",\"$commit\":\"x\"}\n", to: directory + "/reserved.jsonl")
        let reserved = celltrace("append", directory + "/reserved.jsonl", "--ledger", ledger)
        #expect(
            reserved.status == 2 && reserved.error.contains("reserved.jsonl:3: field 'body/$commit'"),
            "\(reserved.error)"
        )
        // Every line the ledger refuses is named, not the first alone.
        write(
            "{\"lot\":\"A\",\"$commit\":\"x\"}\n{\"lot\":\"B\"}\n{\"lot\":\"C\",\"$salt\":\"y\"}\n",
            to: directory + "/reserved-twice.jsonl"
        )
        let twice = celltrace("append", directory + "/reserved-twice.jsonl", "--ledger", ledger)
        #expect(twice.status == 2)
        for line in [
            "reserved-twice.jsonl: 2 lines are refused; nothing was appended",
            "reserved-twice.jsonl:1: field 'body/$commit'", "reserved-twice.jsonl:3: field 'body/$salt'",
        ] {
            #expect(twice.error.contains(line), "\(twice.error)")
        }
        #expect(celltrace("log", "--ledger", ledger).output.isEmpty)
        #expect(celltrace("append", "--ledger", ledger).status == 2)
        #expect(celltrace("append", directory + "/missing.jsonl", "--ledger", ledger).status == 2)
        #expect(celltrace("log", "--ledger", ledger, "--from", "5", "--to", "1").status == 2)
        #expect(celltrace("prove", "inclusion", "--seq", "0", "--ledger", ledger).status == 2)
        #expect(celltrace("checkpoint", "--ledger", directory + "/nothing").status == 2)
        #expect(celltrace("frobnicate").status == 2)
        #expect(celltrace("init", "--ledger", ledger).status == 2)
    }

    @Test func verifyReadsEntryTimesInOrder() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger).status == 0)
        write(lotLines, to: directory + "/lots.jsonl")
        write(#"{"lot":"CELL-1","kg":"900"}"# + "\n", to: directory + "/cells.jsonl")
        for file in ["lots.jsonl", "cells.jsonl", "lots.jsonl"] {
            #expect(celltrace("append", directory + "/" + file, "--ledger", ledger).status == 0)
        }
        let sound = celltrace("verify", "--ledger", ledger, "--json")
        let report = try JSONValue(parsing: sound.output)
        #expect(report["valid"] == true && report["entries"] == 7 && report["timesGoingBack"] == 0, "\(report)")
        #expect(!sound.error.contains("stamped before"), "\(sound.error)")
    }

    @Test func verifyExitsOneNamingTheTamperedEntry() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger).status == 0)
        write(lotLines, to: directory + "/lots.jsonl")
        #expect(celltrace("append", directory + "/lots.jsonl", "--ledger", ledger).status == 0)
        var data = try Data(contentsOf: URL(fileURLWithPath: ledger + "/data.mdb"))
        let marker = Data(#""lot":"LIOH-1""#.utf8)
        let range = try #require(data.range(of: marker))
        data[range.upperBound - 2] = UInt8(ascii: "2")
        try data.write(to: URL(fileURLWithPath: ledger + "/data.mdb"))
        let audit = celltrace("verify", "--ledger", ledger)
        #expect(audit.status == 1)
        #expect(audit.error.contains("verification FAILED at entry 1:"), "\(audit.error)")
        let json = try JSONValue(parsing: celltrace("verify", "--ledger", ledger, "--json").output)
        #expect(json["valid"] == false)
        #expect(json["failure"]?["sequenceNumber"] == 1)
    }

    @Test func rootHelpListsCommandsByTask() throws {
        let help = celltrace("--help")
        #expect(help.status == 0)
        try expectGolden(help.output, "celltrace-help.txt")
    }

    @Test func theOverviewAndTheHelpNameEveryCommand() {
        // One list of tasks feeds both; a command added without a task would be missing from it.
        let overview = celltrace([]).output
        let help = celltrace("--help").output
        let listed = Set(
            CellTraceCommand.tasks.flatMap { $0.commands.split(separator: ",") }
                .compactMap { $0.split(separator: " ").first.map(String.init) }
        )
        for command in CellTraceCommand.configuration.subcommands {
            let name = command.configuration.commandName ?? ""
            #expect(listed.contains(name), "celltrace \(name) is in no task of the overview")
        }
        for task in CellTraceCommand.tasks {
            #expect(overview.contains(task.commands), "\(task.task)")
            #expect(help.contains("\(task.task):") && help.contains(task.commands), "\(task.task)")
        }
    }

    @Test func everyCommandsHelpHasAnExample() throws {
        func leaves(_ type: any ParsableCommand.Type, _ path: [String]) -> [[String]] {
            let subcommands = type.configuration.subcommands
            if subcommands.isEmpty { return [path] }
            return subcommands.flatMap { leaves($0, path + [$0.configuration.commandName ?? "?"]) }
        }
        // `export` has no formats yet (they are being added, each a leaf with its own example).
        let commands = leaves(CellTraceCommand.self, []).filter { $0 != ["export"] }
        #expect(commands.count > 30)
        for command in commands {
            let help = celltrace(command + ["--help"])
            #expect(help.status == 0, "\(command)")
            #expect(
                help.output.contains("Example"),
                "celltrace \(command.joined(separator: " ")) --help has no example"
            )
        }
    }

    @Test func noArgumentsPrintsAGroupedOverview() throws {
        let overview = celltrace([])
        #expect(overview.status == 0)
        try expectGolden(overview.output, "celltrace-overview.txt")
        #expect(overview.output.contains("celltrace demo") && overview.output.contains("--generate-completion-script"))
        // Help on a command that does not exist is bad usage, not the top-level help and success.
        for topic in [["nosuch"], ["export", "nosuch"]] {
            let help = celltrace(["help"] + topic)
            #expect(help.status == 2, "\(topic)")
            #expect(help.error.contains("no command '\(topic.joined(separator: " "))'"), "\(help.error)")
        }
        #expect(celltrace("help", "export", "pact").status == 0)
        #expect(celltrace("help", "help").status == 0)
        // A command that does not exist in a group is named with the group's commands, with or
        // without options after it, rather than read as the group's argument.
        for arguments in [["model", "register", "X", "--ledger", "L"], ["model", "register", "--help"]] {
            let unknown = celltrace(arguments)
            #expect(unknown.status == 2, "\(arguments)")
            #expect(
                unknown.error.contains("no command 'model register': the commands there are add, list"),
                "\(unknown.error)"
            )
        }
        let word = celltrace("nosuch", "--ledger", "L")
        #expect(word.status == 2 && word.error.contains("no command 'nosuch': `celltrace` alone lists the commands"))
        // Shell completions come from argument-parser.
        let completions = celltrace("--generate-completion-script", "bash")
        #expect(completions.status == 0 && completions.output.contains("celltrace"))
        // Colour only on a terminal: captured output never has escape codes.
        #expect(Console.styled("OK", .green) == "OK")
        #expect(!celltrace("model", "list", "--help").output.contains("\u{1B}["))
    }
}

/// Compares with `Fixtures/cli/NAME`; `UPDATE_GOLDEN=1` rewrites the file.
func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = fixturesPath("cli/" + name)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return
    }
    let golden = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text == golden, "differs from \(path); run with UPDATE_GOLDEN=1 to accept", sourceLocation: sourceLocation)
}

func packageRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .path
}

func fixturesPath(_ relative: String) -> String { packageRoot() + "/Fixtures/" + relative }
func toolsPath(_ relative: String) -> String { packageRoot() + "/tools/" + relative }

/// The built `celltrace` binary, next to the test bundle.
func celltraceBinary() -> String {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return executable.deletingLastPathComponent().appendingPathComponent("celltrace").path
}

@discardableResult
func runProcess(_ executable: String, _ arguments: [String], input: String? = nil) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do {
        try process.run()
    } catch {
        return (-1, "\(error)")
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
