import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// `attest`, `attestations` and the verified share `footprint` shows, on the fixture chain.
@Suite struct AttestCLITests {
    /// The day (UTC) the test runs, when the chain's entries are recorded: a verification is not
    /// completed before them.
    static let today = String(Timestamp.now.rfc3339.prefix(10))

    /// The chain of ``CarbonCLITests`` with a verifier of role auditor registered last.
    static func ledger(_ directory: String) throws -> (ledger: String, size: Int) {
        let ledger = CarbonCLITests.ledger(directory)
        #expect(celltrace("keygen", directory + "/verifier.pem").status == 0)
        let added = celltrace(
            "actor",
            "add",
            "verifier",
            "--role",
            "auditor",
            "--key",
            directory + "/verifier.pub.pem",
            "--ledger",
            ledger
        )
        #expect(added.status == 0, "\(added.error)")
        let footprint = try JSONValue(
            parsing: celltrace("footprint", CarbonCLITests.serial, "--ledger", ledger, "--json").output
        )
        return (ledger, Int(try #require(footprint["asOfSize"]?.doubleValue)))
    }

    @Test func anAttestationOfEveryEntryVerifiesTheWholeFootprint() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ledger, size) = try Self.ledger(directory)
        let key = directory + "/verifier.pem"
        let before = celltrace("footprint", CarbonCLITests.serial, "--ledger", ledger)
        #expect(before.output.contains("verified share              0.0 %"), "\(before.output)")
        // Everything before the verifier's registration (the registration is the operator's).
        let attest = celltrace(
            "attest",
            "--as",
            "verifier",
            "--key",
            key,
            "--standard",
            "ISO 14067:2018",
            "--level",
            "reasonable",
            "--entries",
            "0-\(size - 1)",
            "--completed",
            Self.today,
            "--report",
            "https://verifier.example/r/1.pdf",
            "--ledger",
            ledger
        )
        #expect(attest.status == 0, "\(attest.error)")
        #expect(
            attest.output
                == "attestation by verifier: \(size) entries (0-\(size - 1)), ISO 14067:2018, reasonable assurance (entry #\(size); ledger size \(size + 1))\n"
        )
        let text = celltrace("footprint", CarbonCLITests.serial, "--ledger", ledger)
        #expect(text.output.contains("verified share              100.0 %   100.0 %  100.0 %"), "\(text.output)")
        #expect(text.output.contains("VERIFIED BY"))
        #expect(
            text.output.contains("#\(size)  verifier, ISO 14067:2018, reasonable assurance, completed \(Self.today)")
        )
        let json = try JSONValue(
            parsing: celltrace("footprint", CarbonCLITests.serial, "--ledger", ledger, "--json").output
        )
        #expect(json["verifiedShare"]?["location-based"] == 1)
        #expect(json["verifiedShareReasonable"]?["market-based"] == 1)
        #expect(json["verification"]?.arrayValue?.count == 1)
        let contributions = try #require(json["contributions"]?.arrayValue)
        #expect(
            contributions.allSatisfy { $0["verifiedBy"] == [.number(Double(size))] && $0["assurance"] == "reasonable" }
        )
        // The CSV ends each contribution's row with the attestations, the level and the methods
        // whose value of it is verified.
        let csv = celltrace("footprint", CarbonCLITests.serial, "--ledger", ledger, "--csv")
        let rows = csv.output.split(separator: "\n").map(String.init)
        #expect(rows.first?.hasSuffix(",verified_by,assurance,verified_methods") == true)
        #expect(
            rows.dropFirst().allSatisfy { $0.hasSuffix(",\(size),reasonable,location-based; market-based; eu-draft") }
        )
        #expect(rows.count == 1 + contributions.count)
        // As of the size before it, nothing was verified yet.
        let then = celltrace("footprint", CarbonCLITests.serial, "--ledger", ledger, "--as-of", "\(size)", "--json")
        #expect(try JSONValue(parsing: then.output)["verifiedShare"]?["location-based"] == 0)
        // The declaration's ranges, each verified whole, in JSON and CSV.
        let declarationArguments = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", "urn:celltrace:facility:cell-plant", "--from",
            "2026-01-01", "--to", "2026-12-31", "--ledger", ledger,
        ]
        let declared = try JSONValue(parsing: celltrace(declarationArguments + ["--json"]).output)
        let ranges = try #require(declared["ranges"]?.arrayValue)
        #expect(!ranges.isEmpty && ranges.allSatisfy { $0["verifiedShare"]?["market-based"] == 1 })
        #expect(declared["verifiedShareReasonable"]?["market-based"] == 1)
        #expect(declared["verification"]?.arrayValue?.map { $0["seq"] } == [.string("\(size)")])
        #expect(
            ranges.allSatisfy {
                $0["commissionedAt"]?.doubleValue != nil && $0["cellMassKg"]?.stringValue != nil
                    && $0["nominalEnergyKWh"]?.stringValue != nil
            }
        )
        let declarationRows = celltrace(declarationArguments + ["--csv"]).output.split(separator: "\n")
        #expect(declarationRows.count == 1 + ranges.count)
        #expect(declarationRows.dropFirst().allSatisfy { $0.hasSuffix(",1.0,1.0,1.0") }, "\(declarationRows)")
        // The audit checks the verifier's signature again.
        let verify = celltrace("verify", "--ledger", ledger)
        #expect(verify.status == 0, "\(verify.error)")
        #expect(verify.output.contains("1 attestation signature verified"), "\(verify.output)")
        // A custody bundle carries the attestation, and a consistency proof from the size it names
        // that proves offline the root the verifier signed.
        let bundle = directory + "/cell.custody.json"
        let exported = celltrace(
            "export",
            "custody",
            CarbonCLITests.serial,
            "--profile",
            "auditor",
            "-o",
            bundle,
            "--recipient",
            "Verifier",
            "--ledger",
            ledger
        )
        #expect(exported.status == 0, "\(exported.error)")
        let vkey = celltrace("key", "--ledger", ledger).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let checked = celltrace("verify-bundle", bundle, "--vkey", vkey)
        #expect(checked.status == 0, "\(checked.error)")
        #expect(
            checked.output.contains(
                "verification   1 attestation signature checked, 1 signed root proved this ledger's; "
                    + "verified share recomputed: location-based 100.0 %"
            ),
            "\(checked.output)"
        )
        let report = try JSONValue(parsing: celltrace("verify-bundle", bundle, "--vkey", vkey, "--json").output)
        #expect(report["attestationRootsProved"] == 1)
    }

    @Test func aStatementSignedOnACopyIsRecordedAsSignedAndListed() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ledger, _) = try Self.ledger(directory)
        let key = directory + "/verifier.pem"
        let sizeBefore = celltrace("attestations", "--ledger", ledger, "--json")
        #expect(sizeBefore.output == "[]\n")
        let signOnly = celltrace(
            "attest",
            "--as",
            "verifier",
            "--key",
            key,
            "--standard",
            "ISO 14064-3:2019",
            "--level",
            "limited",
            "--entries",
            "14-20,5",
            "--completed",
            Self.today,
            "--sign-only",
            "--ledger",
            ledger
        )
        #expect(signOnly.status == 0, "\(signOnly.error)")
        let statement = try JSONValue(parsing: signOnly.output)
        #expect(statement["entries"] == [["first": "5", "last": "5"], ["first": "14", "last": "20"]])
        #expect(
            celltrace("attestations", "--ledger", ledger).output == "no attestations recorded\n",
            "sign-only writes nothing"
        )
        let file = directory + "/statement.json"
        try Data(signOnly.output.utf8).write(to: URL(fileURLWithPath: file))
        // Raised to reasonable after signing: refused, naming the signature.
        let raised = directory + "/raised.json"
        try Data(signOnly.output.replacingOccurrences(of: "\"limited\"", with: "\"reasonable\"").utf8).write(
            to: URL(fileURLWithPath: raised)
        )
        let refused = celltrace("attest", "--signed", raised, "--ledger", ledger)
        #expect(refused.status == 2)
        #expect(refused.error.contains("field '/signature': does not verify under verifier's key"), "\(refused.error)")
        let recorded = celltrace("attest", "--signed", file, "--ledger", ledger)
        #expect(recorded.status == 0, "\(recorded.error)")
        #expect(
            recorded.output.hasPrefix(
                "attestation by verifier: 8 entries (5, 14-20), ISO 14064-3:2019, limited assurance (entry #"
            ),
            "\(recorded.output)"
        )
        // The same statement again, before or after its withdrawal, is refused: the verifier did
        // not say it twice.
        let entry = try #require(DemoTour.entryNumber(in: recorded.output))
        let again = celltrace("attest", "--signed", file, "--ledger", ledger)
        #expect(again.status == 2)
        #expect(again.error.contains("this statement is recorded already, as entry \(entry)"), "\(again.error)")
        let withdrawn = celltrace(
            "attest",
            "--as",
            "verifier",
            "--key",
            key,
            "--withdraw",
            "\(entry)",
            "--reason",
            "scope",
            "--ledger",
            ledger
        )
        #expect(withdrawn.status == 0, "\(withdrawn.error)")
        let replayed = celltrace("attest", "--signed", file, "--ledger", ledger)
        #expect(replayed.status == 2 && replayed.error.contains("recorded already"), "\(replayed.error)")
        let list = celltrace("attestations", "--ledger", ledger)
        #expect(list.output.contains("verifier  ISO 14064-3:2019  limited"), "\(list.output)")
        #expect(list.output.contains("5, 14-20 (8)"))
        #expect(celltrace("attestations", "--entry", "15", "--ledger", ledger, "--json").output.contains("14064-3"))
        #expect(
            celltrace("attestations", "--entry", "9", "--ledger", ledger).output == "no attestation covers entry 9\n"
        )
        let csv = celltrace("attestations", "--csv", "--ledger", ledger).output.split(separator: "\n")
        #expect(
            csv.first
                == "entry,verifier,key,standard,level,completed_on,entries,entry_count,report,report_sha256,statement,withdrawn_at,withdrawal_reason"
        )
        #expect(csv.count == 2 && csv[1].contains(",verifier,") && csv[1].contains(",\"5, 14-20\",8,"))
    }

    /// `--sign-only` only reads, so it opens the ledger read-only, as on a verifier's copy: without
    /// the ledger's signing key it signs and prints a statement and a withdrawal, and leaves
    /// `data.mdb` as it was; recording a statement still needs the key, and says so.
    @Test func signOnlyNeedsNoLedgerSigningKeyAndWritesNothing() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ledger, size) = try Self.ledger(directory)
        let attest = [
            "attest", "--as", "verifier", "--key", directory + "/verifier.pem", "--standard", "ISO 14064-3:2019",
            "--level", "limited", "--entries", "0-\(size - 1)", "--completed", Self.today, "--ledger", ledger,
        ]
        let recorded = celltrace(attest)
        #expect(recorded.status == 0, "\(recorded.error)")
        try FileManager.default.removeItem(atPath: ledger + "/" + Ledger.keyFileName)
        let before = try digest(ledger)

        let statement = celltrace(attest + ["--sign-only"])
        #expect(statement.status == 0, "\(statement.error)")
        let entries = try JSONValue(parsing: statement.output)["entries"]
        #expect(entries == [["first": "0", "last": .string(String(size - 1))]])
        let withdrawal = celltrace(
            "attest",
            "--as",
            "verifier",
            "--key",
            directory + "/verifier.pem",
            "--withdraw",
            "\(size)",
            "--reason",
            "scope",
            "--sign-only",
            "--ledger",
            ledger
        )
        #expect(withdrawal.status == 0, "\(withdrawal.error)")
        #expect(try JSONValue(parsing: withdrawal.output)["attestation"] == .string("\(size)"))
        #expect(try digest(ledger) == before, "--sign-only left data.mdb as it was")

        let file = directory + "/statement.json"
        try Data(statement.output.utf8).write(to: URL(fileURLWithPath: file))
        let refused = celltrace("attest", "--signed", file, "--ledger", ledger)
        #expect(refused.status == 2)
        #expect(refused.error.contains("cannot read the ledger's signing key"), "\(refused.error)")
        #expect(try digest(ledger) == before)
    }

    @Test func aWithdrawnAttestationStopsCountingAndIsListedAsWithdrawn() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ledger, size) = try Self.ledger(directory)
        let key = directory + "/verifier.pem"
        let attest = celltrace(
            [
                "attest", "--as", "verifier", "--key", key, "--standard", "ISO 14067:2018", "--level", "limited",
                "--entries", "0-\(size - 1)", "--completed", Self.today, "--ledger", ledger,
            ]
        )
        #expect(attest.status == 0, "\(attest.error)")
        // Signed on a copy, recorded from the file.
        let signOnly = celltrace(
            "attest",
            "--as",
            "verifier",
            "--key",
            key,
            "--withdraw",
            "\(size)",
            "--reason",
            "scope recorded wrongly",
            "--sign-only",
            "--ledger",
            ledger
        )
        #expect(signOnly.status == 0, "\(signOnly.error)")
        let file = directory + "/withdrawal.json"
        try Data(signOnly.output.utf8).write(to: URL(fileURLWithPath: file))
        let withdrawn = celltrace("attest", "--signed", file, "--ledger", ledger)
        #expect(withdrawn.status == 0, "\(withdrawn.error)")
        #expect(
            withdrawn.output
                == "attestation #\(size) withdrawn by verifier (entry #\(size + 1); ledger size \(size + 2))\n"
        )
        let list = celltrace("attestations", "--ledger", ledger)
        #expect(list.output.contains("withdrawn at #\(size + 1): scope recorded wrongly"), "\(list.output)")
        let csv = celltrace("attestations", "--csv", "--ledger", ledger).output
        #expect(csv.hasSuffix(",\(size + 1),scope recorded wrongly\n"), "\(csv)")
        // `impact --entry` names the attestation and its withdrawal, and says they change no figure.
        let recorded = celltrace("impact", "--entry", "\(size)", "--ledger", ledger).output
        #expect(
            recorded.hasPrefix(
                "entry #\(size) attestation.record: attestation by verifier of \(size) entries (0-\(size - 1)), "
                    + "ISO 14067:2018, limited assurance\n"
            ),
            "\(recorded)"
        )
        #expect(recorded.contains("an attestation changes no figure"), "\(recorded)")
        let withdrawal = celltrace("impact", "--entry", "\(size + 1)", "--ledger", ledger).output
        #expect(
            withdrawal.hasPrefix(
                "entry #\(size + 1) attestation.withdraw: attestation #\(size) withdrawn by verifier: scope recorded wrongly\n"
            ),
            "\(withdrawal)"
        )
        let now = try JSONValue(
            parsing: celltrace("footprint", CarbonCLITests.serial, "--ledger", ledger, "--json").output
        )
        #expect(now["verifiedShare"]?["location-based"] == 0)
        let then = try JSONValue(
            parsing: celltrace(
                "footprint",
                CarbonCLITests.serial,
                "--ledger",
                ledger,
                "--json",
                "--as-of",
                "\(size + 1)"
            ).output
        )
        #expect(then["verifiedShare"]?["location-based"] == 1)
        // A custody bundle as of that size counts the attestation, carries its withdrawal and says so;
        // verify-bundle reports it.
        let bundle = directory + "/then.custody.json"
        let exported = celltrace(
            "export",
            "custody",
            CarbonCLITests.serial,
            "--profile",
            "auditor",
            "--as-of",
            "\(size + 1)",
            "-o",
            bundle,
            "--recipient",
            "Verifier",
            "--ledger",
            ledger
        )
        #expect(exported.status == 0, "\(exported.error)")
        #expect(
            exported.error.hasSuffix(
                "note: the footprint, as of ledger size \(size + 1), relies on attestation #\(size), which its verifier "
                    + "withdrew at entry #\(size + 1); the bundle carries the withdrawal\n"
            ),
            "\(exported.error)"
        )
        // A PACT footprint as of that size states the verification, and its sender is told.
        let pact = celltrace(
            "export",
            "pact",
            CarbonCLITests.serial,
            "--as-of",
            "\(size + 1)",
            "-o",
            directory + "/then.pact.json",
            "--recipient",
            "OEM",
            "--ledger",
            ledger
        )
        #expect(pact.status == 0, "\(pact.error)")
        #expect(
            pact.error.hasSuffix(
                "note: the footprint, as of ledger size \(size + 1), relies on attestation #\(size), which its verifier "
                    + "withdrew at entry #\(size + 1); the verified share it states no longer stands: send a footprint "
                    + "of the ledger now\n"
            ),
            "\(pact.error)"
        )
        let vkey = celltrace("key", "--ledger", ledger).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let checked = celltrace("verify-bundle", bundle, "--vkey", vkey)
        #expect(checked.status == 0, "\(checked.error)")
        #expect(
            checked.output.contains(
                "  withdrawn      attestation #\(size) withdrawn by verifier at entry #\(size + 1), after the "
                    + "footprint's size: scope recorded wrongly; the verified share is as the ledger stood then\n"
            ),
            "\(checked.output)"
        )
        let report = try JSONValue(parsing: celltrace("verify-bundle", bundle, "--vkey", vkey, "--json").output)
        #expect(
            report["withdrawnSince"]
                == [
                    [
                        "attestation": .number(Double(size)), "withdrawal": .number(Double(size + 1)),
                        "verifier": "verifier", "reason": "scope recorded wrongly",
                    ]
                ]
        )
        // Withdrawn again: refused.
        let again = celltrace(
            "attest",
            "--as",
            "verifier",
            "--key",
            key,
            "--withdraw",
            "\(size)",
            "--reason",
            "again",
            "--ledger",
            ledger
        )
        #expect(again.status == 2)
        #expect(again.error.contains("was withdrawn already, at entry \(size + 1)"), "\(again.error)")
        for arguments in [
            ["--reason", "x"], ["--withdraw", "3", "--reason", "x", "--level", "limited"], ["--withdraw", "3"],
        ] {
            let refused = celltrace(["attest", "--as", "verifier", "--key", key, "--ledger", ledger] + arguments)
            #expect(refused.status == 2, "\(arguments): \(refused.error)")
        }
    }

    @Test func overlappingRangesAreAttestedMergedWithAWarning() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ledger, _) = try Self.ledger(directory)
        let base = [
            "attest", "--as", "verifier", "--key", directory + "/verifier.pem", "--standard", "S", "--level",
            "limited", "--completed", Self.today, "--ledger", ledger, "--sign-only", "--entries",
        ]
        let overlapping = celltrace(base + ["4-6,1-5,5"])
        #expect(overlapping.status == 0, "\(overlapping.error)")
        #expect(
            overlapping.error
                == "celltrace: warning: --entries: 1-5 and 4-6 overlap; merged as 1-6\n"
                + "celltrace: warning: --entries: 4-6 and 5 overlap; merged as 1-6\n"
        )
        let statement = try JSONValue(parsing: overlapping.output)
        #expect(statement["entries"] == [["first": "1", "last": "6"]])
        let twice = celltrace(base + ["5,1-3,5"])
        #expect(twice.error == "celltrace: warning: --entries: 5 is given twice; merged as 1-3, 5\n", "\(twice.error)")
        // Ranges that only meet are merged without a word.
        let adjacent = celltrace(base + ["1-3,4-6"])
        #expect(adjacent.status == 0 && adjacent.error.isEmpty, "\(adjacent.error)")
    }

    @Test func badStatementsAreRefusedWithExitTwoAndWriteNothing() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ledger, size) = try Self.ledger(directory)
        let key = directory + "/verifier.pem"
        let base = ["attest", "--as", "verifier", "--key", key, "--standard", "S", "--ledger", ledger]
        let cases: [([String], String)] = [
            (
                ["--level", "high", "--entries", "1-2", "--completed", Self.today],
                "--level high: use reasonable or limited"
            ),
            (["--level", "limited", "--entries", "2-1", "--completed", Self.today], "--entries 2-1"),
            (["--level", "limited", "--entries", "1-2", "--completed", "2026-13-01"], "field '/completedOn'"),
            (["--level", "limited", "--entries", "1-2"], "give --completed"),
            (
                ["--level", "limited", "--entries", "1-2", "--completed", Self.today, "--signed", "x.json"],
                "--signed records"
            ),
            (
                ["--level", "limited", "--entries", "1-2", "--completed", Self.today, "--report-sha256", "ab"],
                "--report-sha256 is the SHA-256 of the report's bytes: give --report too"
            ),
        ]
        for (arguments, message) in cases {
            let result = celltrace(base + arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.error.contains(message), "\(arguments): \(result.error)")
        }
        // The cell maker is no auditor.
        let maker = celltrace(
            "attest",
            "--as",
            "cell-co",
            "--key",
            directory + "/cell-co.pem",
            "--standard",
            "S",
            "--level",
            "limited",
            "--entries",
            "1-2",
            "--completed",
            Self.today,
            "--ledger",
            ledger
        )
        #expect(maker.status == 2)
        #expect(
            maker.error.contains("cell-co is registered as cell-maker; only an actor of role auditor"),
            "\(maker.error)"
        )
        #expect(celltrace("attestations", "--ledger", ledger, "--json").output == "[]\n")
        #expect(celltrace("log", "--ledger", ledger).output.split(separator: "\n").count == size, "nothing written")
    }

    @Test func blankStandardsEarlyDaysAndUnreadableRangesAreRefusedSayingWhy() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ledger, size) = try Self.ledger(directory)
        let base = ["attest", "--as", "verifier", "--key", directory + "/verifier.pem", "--ledger", ledger]
        let good = ["--standard", "S", "--level", "limited", "--completed", Self.today]
        let cases: [([String], String)] = [
            (
                ["--standard", "   ", "--level", "limited", "--entries", "1", "--completed", Self.today],
                "field '/standard': must name the standard followed"
            ),
            (
                ["--standard", "S", "--level", "limited", "--entries", "1-\(size - 1)", "--completed", "0001-01-01"],
                "field '/completedOn': the verification is said to be completed on 0001-01-01, before entry "
                    + "\(size - 1) it covers was recorded (\(Self.today), UTC)"
            ),
            (good + ["--entries", "1,,2"], "--entries 1,,2: an element is empty"),
            (good + ["--entries", "1, ,2"], "--entries 1, ,2: an element is empty"),
            (good + ["--entries", "5-3"], "--entries 5-3: 5-3: a range runs from the lower number to the higher"),
        ]
        for (arguments, message) in cases {
            for signOnly in [false, true] {
                let result = celltrace(base + arguments + (signOnly ? ["--sign-only"] : []))
                #expect(result.status == 2, "\(arguments)")
                #expect(result.error.contains(message), "\(arguments): \(result.error)")
                #expect(result.output.isEmpty, "\(arguments)")
            }
        }
        #expect(celltrace("attestations", "--ledger", ledger, "--json").output == "[]\n")
        #expect(celltrace("log", "--ledger", ledger).output.split(separator: "\n").count == size, "nothing written")
    }

    @Test func attestationsOfAnEntryPastTheEndExitTwoNamingTheEntriesHeld() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (ledger, size) = try Self.ledger(directory)
        // The verifier's registration is the last entry: covered by nothing, but there.
        let last = celltrace("attestations", "--ledger", ledger, "--entry", "\(size - 1)")
        #expect(last.status == 0 && last.output == "no attestation covers entry \(size - 1)\n", "\(last.error)")
        for entry in [size, 9999] {
            let past = celltrace("attestations", "--ledger", ledger, "--entry", "\(entry)")
            #expect(past.status == 2, "\(entry): \(past.output)")
            #expect(
                past.error
                    == "celltrace: --entry \(entry): there is no entry \(entry): the ledger holds entries 0 to \(size - 1)\n",
                "\(past.error)"
            )
        }
    }
}
