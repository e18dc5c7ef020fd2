import Foundation
import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

/// The independent custody-bundle verifier, `tools/verify_bundle.py`, on bundles that
/// `celltrace export custody` writes (Docs/EXPORTS.md §1.7).
@Suite struct PythonBundleVerifierTests {
    /// Its own RFC 8785 and consistency-proof code against the vectors in `Fixtures/vectors`.
    @Test func pythonVerifierPassesItsKnownAnswerTests() {
        let result = runProcess("/usr/bin/env", ["python3", toolsPath("verify_bundle_test.py")])
        #expect(result.status == 0, "\(result.output)")
    }

    /// The proof checker it builds on, `tools/verify_proof.py`: RFC 9162 proofs of trees of 1 to 17
    /// entries, and every kind of malformed proof, checkpoint, signature line and vkey refused with
    /// the exit status `celltrace verify-proof` gives.
    @Test func pythonProofCheckerPassesItsSelfTest() {
        let result = runProcess("/usr/bin/env", ["python3", toolsPath("verify_proof_test.py")])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func pythonVerifierAcceptsFreshBundlesAndNamesTheChangedItem() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = directory + "/ledger"
        let generated = celltrace(
            "generate",
            "--cells",
            "400",
            "--cells-per-lot",
            "200",
            "--seed",
            "5",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(generated.status == 0, "\(generated.error)")
        let block = try #require(try JSONValue(parsing: generated.output)["serialBlocks"]?.arrayValue?.first)
        let serial = try #require(block["prefix"]?.stringValue) + (try #require(block["first"]?.stringValue))
        let vkey = directory + "/ledger.vkey"
        let old = directory + "/old.checkpoint"
        write(celltrace("key", "--ledger", ledger).output, to: vkey)
        write(celltrace("checkpoint", "--ledger", ledger).output, to: old)

        for profile in ["legitimate-interest", "public"] {
            let bundle = directory + "/\(profile).json"
            let exported = celltrace(
                "export",
                "custody",
                serial,
                "--ledger",
                ledger,
                "--profile",
                profile,
                "-o",
                bundle
            )
            #expect(exported.status == 0, "\(exported.error)")
            let verified = verifyBundle(bundle, vkey)
            #expect(verified.status == 0, "\(verified.output)")
            let expected =
                profile == "public"
                ? "footprint stated, not recomputed (profile public" : "trace recomputed; footprint recomputed"
            #expect(verified.output.hasPrefix("OK: ") && verified.output.contains(expected), "\(verified.output)")
        }
        let since = directory + "/since.json"
        let exported = celltrace(
            "export",
            "custody",
            serial,
            "--ledger",
            ledger,
            "--since-checkpoint",
            old,
            "-o",
            since
        )
        #expect(exported.status == 0, "\(exported.error)")
        let consistent = verifyBundle(since, vkey, "--since-checkpoint", old, "--json")
        #expect(consistent.status == 0, "\(consistent.output)")
        #expect(try JSONValue(parsing: consistent.output)["verified"] == true)

        // Submission signatures and actor keys, changed where the inclusion proofs cannot see it.
        let submissions = runProcess(
            "/usr/bin/env",
            ["python3", toolsPath("verify_bundle_test.py"), directory + "/legitimate-interest.json", vkey]
        )
        #expect(submissions.status == 0, "\(submissions.output)")
        #expect(!submissions.output.contains("skipped"), "\(submissions.output)")

        // One byte changed in each place: exit 1, naming the item.
        let original = try Data(contentsOf: URL(fileURLWithPath: directory + "/legitimate-interest.json"))
        let entries = try #require(try JSONValue(parsing: Array(original))["entries"]?.arrayValue)
        func firstEntry(_ matches: (JSONValue) -> Bool) throws -> String {
            let found = entries.first(where: matches)
            let entry = try #require(found)
            return String(Int(try #require(entry["seq"]?.doubleValue)))
        }
        let event = try firstEntry { $0["canonical"]?.stringValue?.contains(#""eventTime":""#) == true }
        let proved = try firstEntry { $0["proof"]?.arrayValue?.isEmpty == false }
        let opened = try firstEntry { $0["openings"]?.objectValue?.isEmpty == false }
        // The file is canonical JSON (Docs/EXPORTS.md §1.1), so a marker is a member name and its colon.
        let changes: [(markers: [String], offset: Int, expected: String)] = [
            ([#"\"eventTime\":\""#], 3, "entry \(event): inclusion proof does not lead to the checkpoint root"),
            (["\"proof\":[\""], 5, "entry \(proved): inclusion proof does not lead to the checkpoint root"),
            (["\"salt\":\""], 7, "entry \(opened): opening /"),
            (["\"contributions\":[", "\"eu-draft\":"], 0, "contribution 0 ("),
            (["\"checkpoint\":", "\u{2014} ", " "], 10, "checkpoint: the signature of"),
            (["\"reason\":\""], 0, "statement: its text is not this bundle's"),
        ]
        for change in changes {
            var bytes = original
            var position = bytes.startIndex
            for marker in change.markers {
                position = try #require(bytes.range(of: Data(marker.utf8), in: position..<bytes.endIndex)).upperBound
            }
            let at = position + change.offset
            bytes[at] = Self.changed(bytes[at])
            let path = directory + "/changed.json"
            try bytes.write(to: URL(fileURLWithPath: path))
            let result = verifyBundle(path, vkey)
            #expect(result.status == 1, "\(change.markers): \(result.output)")
            #expect(result.output.hasPrefix("NOT VERIFIED: " + change.expected), "\(change.markers): \(result.output)")
        }
        // The same JSON laid out otherwise is not the bundle as written, and a kept checkpoint with
        // CRLF line ends is no signed checkpoint: bad input, status 2, as celltrace verify-bundle.
        try (Data(" ".utf8) + original).write(to: URL(fileURLWithPath: directory + "/spaced.json"))
        let spaced = verifyBundle(directory + "/spaced.json", vkey)
        #expect(spaced.status == 2 && spaced.output.contains("is not a bundle as written"), "\(spaced.output)")
        let crlf = directory + "/crlf.checkpoint"
        let kept = try String(contentsOfFile: old, encoding: .utf8)
        try kept.replacing("\n", with: "\r\n").write(toFile: crlf, atomically: true, encoding: .utf8)
        let refused = verifyBundle(since, vkey, "--since-checkpoint", crlf)
        #expect(refused.status == 2 && refused.output.contains("carriage return"), "\(refused.output)")
        #expect(celltrace("verify-bundle", since, "--vkey", vkey, "--since-checkpoint", crlf).status == 2)
    }

    /// The demo cell's bundles, changed as a sender who holds the ledger key could and signed again,
    /// fail in both verifiers: a branch of the lineage cut out (the cobalt sulfate, with the
    /// artisanal mine it came from), and, in the authority profile, which withholds one event's
    /// co-product prices, the cell plant's own process, which rests on none of them, cut by 90 %.
    @Test func changedDemoBundlesFailInBothVerifiers() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(celltrace("demo", "--dir", directory + "/demo").status == 0)
        let ledger = directory + "/demo/ledger"
        let vkey = directory + "/demo/proofs/ledger.vkey"
        func export(_ profile: String) throws -> JSONValue {
            let path = directory + "/\(profile).json"
            let serial = "urn:epc:id:sgtin:5990001.081100.7"
            let exported = celltrace("export", "custody", serial, "--ledger", ledger, "--profile", profile, "-o", path)
            #expect(exported.status == 0, "\(exported.error)")
            return try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        let auditor = try export("auditor")
        let authority = try export("authority")

        // Honest, the authority bundle recomputes every part but those resting on the withheld prices.
        let honest = celltrace("verify-bundle", directory + "/authority.json", "--vkey", vkey)
        #expect(honest.status == 0, "\(honest.output)\(honest.error)")
        #expect(
            honest.output.contains(
                "4 parts stated, not recomputed, as entry 61 /ct:coProductPrices is withheld by the profile: default urn:celltrace:lot:reagents-sichuan-2602 60; process urn:celltrace:lot:lioh-sichuan-2602 61"
            ),
            "\(honest.output)"
        )
        let python = verifyBundle(directory + "/authority.json", vkey)
        #expect(
            python.status == 0 && python.output.contains("footprint recomputed but for 4 parts stated"),
            "\(python.output)"
        )
        // With --json, both name the stated parts alike.
        let swiftJSON = try JSONValue(
            parsing: celltrace("verify-bundle", directory + "/authority.json", "--vkey", vkey, "--json").output
        )
        let pythonJSON = try JSONValue(parsing: verifyBundle(directory + "/authority.json", vkey, "--json").output)
        #expect(swiftJSON["footprintStatedParts"]?.arrayValue?.count == 4, "\(swiftJSON)")
        #expect(pythonJSON["footprintStatedParts"] == swiftJSON["footprintStatedParts"], "\(pythonJSON)")
        #expect(pythonJSON["functionalUnitStated"] == swiftJSON["functionalUnitStated"], "\(pythonJSON)")

        let lot = { (name: String) in "urn:celltrace:lot:" + name }
        let pruned = ["coso4-zhejiang-2602", "cooh-katanga-2601", "cooh-kolwezi-asm-2601"].map(lot)
        var cut = auditor
        var lots = (cut["trace"]?["lots"]?.arrayValue ?? []).filter { !pruned.contains($0["lot"]?.stringValue ?? "") }
        for index in lots.indices {
            let inputs = (lots[index]["inputs"]?.arrayValue ?? []).filter {
                !pruned.contains($0["lot"]?.stringValue ?? "")
            }
            lots[index] = Self.setting(lots[index], "inputs", .array(inputs))
        }
        cut = Self.setting(cut, "trace", Self.setting(cut["trace"] ?? .null, "lots", .array(lots)))
        let working = (cut["footprint"]?["working"]?["lots"]?.arrayValue ?? []).filter {
            !pruned.contains($0["lot"]?.stringValue ?? "")
        }
        var footprint = Self.setting(
            cut["footprint"] ?? .null,
            "working",
            Self.setting(cut["footprint"]?["working"] ?? .null, "lots", .array(working))
        )
        footprint = Self.restated(footprint) { pruned.contains($0["lot"]?.stringValue ?? "") ? nil : 1 }
        let branch = try signed(Self.setting(cut, "footprint", footprint), ledger: ledger, to: directory + "/cut.json")
        let expected =
            "trace lot \(lot("pcam811-hunan-2602")): entry 76, which made the lot, lists input \(lot("coso4-zhejiang-2602")) (/inputQuantityList/2), which the lot's inputs leave out"
        let swift = celltrace("verify-bundle", branch, "--vkey", vkey)
        #expect(swift.status == 1 && swift.error.contains(expected), "\(swift.error)")
        let independent = verifyBundle(branch, vkey)
        #expect(independent.status == 1 && independent.output.contains(expected), "\(independent.output)")

        let process = Self.restated(authority["footprint"] ?? .null) {
            $0["entry"] == 106 && $0["kind"] == "process" ? 0.1 : 1
        }
        let plant = try signed(
            Self.setting(authority, "footprint", process),
            ledger: ledger,
            to: directory + "/plant.json"
        )
        let cell = lot("cells-nmc811-debrecen-2603")
        let refused = celltrace("verify-bundle", plant, "--vkey", vkey)
        #expect(
            refused.status == 1 && refused.error.contains("footprint contribution process|\(cell)|106: location-based"),
            "\(refused.error)"
        )
        let also = verifyBundle(plant, vkey)
        #expect(
            also.status == 1 && also.output.contains("(process, lot \(cell), entry 106): location-based"),
            "\(also.output)"
        )
    }

    /// `object` with `member` set to `value`.
    static func setting(_ object: JSONValue, _ member: String, _ value: JSONValue) -> JSONValue {
        var members = object.objectValue ?? [:]
        members[member] = value
        return .object(members)
    }

    /// A footprint with each contribution scaled by what `scale` gives it (left out for `nil`), its
    /// total and verified share restated to match.
    static func restated(_ footprint: JSONValue, _ scale: (JSONValue) -> Double?) -> JSONValue {
        var total: [String: [String: Double]] = [:]
        var verified: [String: Double] = [:]
        var contributions: [JSONValue] = []
        for contribution in footprint["contributions"]?.arrayValue ?? [] {
            guard let factor = scale(contribution) else { continue }
            var kg: [String: JSONValue] = [:]
            for (method, value) in contribution["kgCO2e"]?.objectValue ?? [:] {
                let scaled = (value.doubleValue ?? 0) * factor
                kg[method] = .number(scaled)
                total[method, default: [:]][contribution["stage"]?.stringValue ?? "", default: 0] += scaled
                if contribution["verifiedBy"] != nil || contribution["verifiedByMethod"]?[method] != nil {
                    verified[method, default: 0] += scaled
                }
            }
            contributions.append(setting(contribution, "kgCO2e", .object(kg)))
        }
        var result = setting(footprint, "contributions", .array(contributions))
        var stated: [String: JSONValue] = [:]
        for (method, stages) in footprint["total"]?.objectValue ?? [:] {
            var sums: [String: JSONValue] = [:]
            for (stage, _) in stages.objectValue ?? [:] { sums[stage] = .number(total[method]?[stage] ?? 0) }
            stated[method] = .object(sums)
        }
        result = setting(result, "total", .object(stated))
        if footprint["verifiedShare"] != nil {
            var shares: [String: JSONValue] = [:]
            for (method, stages) in total {
                shares[method] = .number((verified[method] ?? 0) / stages.values.reduce(0, +))
            }
            result = setting(result, "verifiedShare", .object(shares))
        }
        return result
    }

    /// Writes `bundle` to `path` with its statement signed again by the ledger's key, as a sender
    /// who holds the key could, and returns the path.
    private func signed(_ bundle: JSONValue, ledger: String, to path: String) throws -> String {
        var members = bundle.objectValue ?? [:]
        members["statement"] = nil
        let digest = SHA256.hash(JSONValue.object(members).canonicalBytes).hex
        let text =
            "celltrace-custody/1\n\(members["origin"]?.stringValue ?? "")\n\(members["subject"]?.stringValue ?? "")\n\(digest)\n"
        // Opened and closed here: one environment per path per process.
        let statement = try SupplyChainLedger(openingAt: ledger).ledger.signStatement(text).formatted
        members["statement"] = .string(statement)
        try Data(JSONValue.object(members).canonicalBytes + [0x0a]).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Another character of the same kind: a digit for a digit, a letter for a letter (so hex and
    /// base64 stay well formed and only the value changes).
    static func changed(_ byte: UInt8) -> UInt8 {
        if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            return byte == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        }
        return byte == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
    }
}

/// Runs `tools/verify_bundle.py BUNDLE VKEY [options]`.
func verifyBundle(_ bundle: String, _ vkey: String, _ options: String...) -> (status: Int32, output: String) {
    runProcess("/usr/bin/env", ["python3", toolsPath("verify_bundle.py"), bundle, vkey] + options)
}
