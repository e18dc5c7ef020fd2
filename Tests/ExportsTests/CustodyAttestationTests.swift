import Carbon
import Foundation
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

@testable import Exports

/// A custody bundle of a cell whose data verifiers attested: the attestations and the verifier's
/// key travel with it, and both verifiers check them offline.
@Suite("Custody bundle: verifiers' attestations checked offline")
struct CustodyAttestationTests {
    let ledger: SmallLedger
    let auditor = Ed25519PrivateKey()
    /// The attestations: the table and the mines at reasonable assurance, the rest at limited.
    let attestations: [UInt64]

    init() throws {
        ledger = try SmallLedger()
        try ledger.registerVerifier(auditor)
        var recorded: [UInt64] = []
        let plan: [([ClosedRange<UInt64>], AssuranceLevel)] = [([5...5, 8...9], .reasonable), ([10...12], .limited)]
        for (entries, level) in plan { recorded.append(try ledger.attest(entries, level, key: auditor)) }
        attestations = recorded
    }

    private func bundle() throws -> CustodyBundle.Export {
        try CustodyBundle.export(SmallLedger.cell, chain: ledger.chain, profile: .auditor)
    }

    private func python(_ bytes: [UInt8], _ options: String...) throws -> (status: Int32, output: String) {
        let directory = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/bundle.json"))
        return try runProcess(
            [
                "python3", toolPath("verify_bundle.py"), directory.path + "/bundle.json",
                ledger.chain.ledger.verifierKey.text,
            ] + options
        )
    }

    /// The bundle with one change, signed again by the ledger key as a dishonest sender would.
    private func resigned(_ bundle: JSONValue, _ change: (inout JSONValue) -> Void) throws -> [UInt8] {
        var copy = bundle
        change(&copy)
        guard case .object(var members) = copy else { return [] }
        members["statement"] = nil
        let text = CustodyBundle.statementText(
            origin: ledger.chain.ledger.origin,
            subject: SmallLedger.cell,
            digest: SHA256.hash(JSONValue.object(members).canonicalBytes)
        )
        members["statement"] = .string(try ledger.chain.ledger.signStatement(text).formatted)
        return JSONValue.object(members).canonicalBytes + [0x0a]
    }

    @Test("the attestations, the verifier's key and each contribution's coverage travel with the bundle, and verify")
    func attestationsVerify() throws {
        let bundle = try bundle()
        let sequences = Set(
            bundle.json["entries"]?.arrayValue?.compactMap { $0["seq"]?.doubleValue }.map { UInt64($0) } ?? []
        )
        #expect(sequences.isSuperset(of: attestations), "the attestations are in the bundle")
        #expect(sequences.contains(13), "with the verifier's registration, which holds its key")
        let contributions = try #require(bundle.json["footprint"]?["contributions"]?.arrayValue)
        #expect(contributions.allSatisfy { $0["verifiedBy"] != nil })
        #expect(contributions.contains { $0["assurance"] == "reasonable" })
        #expect(contributions.contains { $0["assurance"] == "limited" })
        let report = try BundleVerifier(bytes: bundle.bytes, key: ledger.chain.ledger.verifierKey).verify()
        #expect(report.attestations == 2)
        #expect(report.attestationRoots == 2, "each signed root proved this ledger's")
        #expect(report.verifiedShare == ["location-based": 1, "market-based": 1, "eu-draft": 1])
        guard case .recomputed = report.footprint else {
            Issue.record("footprint not recomputed: \(report.footprint)")
            return
        }
        // Who attested, with which key: the verifier, its name and role, the key ID and the entry
        // that registered it, in both verifiers, to compare with the key the verifier gives itself.
        let verifier = try #require(try ledger.chain.actor("verifier"))
        let auditorKey = ActorKey.id(of: auditor.publicKey.rawRepresentation)
        let expected = attestations.map {
            BundleVerifier.SignerKey(
                entry: $0,
                actor: "verifier",
                name: "Verification Body GmbH",
                role: "auditor",
                keyID: auditorKey,
                keyEntry: verifier.registeredAt
            )
        }
        #expect(report.attestationKeys == expected)
        let maker = try #require(try ledger.chain.actor("maker"))
        let makerKey = ActorKey.id(of: ledger.key.publicKey.rawRepresentation)
        #expect(!report.submissionKeys.isEmpty)
        #expect(
            report.submissionKeys.allSatisfy {
                $0.actor == "maker" && $0.keyID == makerKey && $0.keyEntry == maker.registeredAt
            },
            "\(report.submissionKeys)"
        )
        let (jsonStatus, jsonOutput) = try python(bundle.bytes, "--json")
        #expect(jsonStatus == 0, "\(jsonOutput)")
        let pythonJSON = try JSONValue(parsing: jsonOutput)
        func keys(_ list: JSONValue?) -> [BundleVerifier.SignerKey]? {
            list?.arrayValue?.map {
                BundleVerifier.SignerKey(
                    entry: UInt64($0["entry"]?.doubleValue ?? -1),
                    actor: $0["actor"]?.stringValue ?? "",
                    name: $0["name"]?.stringValue ?? "",
                    role: $0["role"]?.stringValue ?? "",
                    keyID: $0["keyID"]?.stringValue ?? "",
                    keyEntry: UInt64($0["keyEntry"]?.doubleValue ?? -1)
                )
            }
        }
        #expect(keys(pythonJSON["attestationKeys"]) == expected, "\(jsonOutput)")
        #expect(keys(pythonJSON["submissionKeys"]) == report.submissionKeys, "\(jsonOutput)")
        let (status, output) = try python(bundle.bytes)
        #expect(
            output.contains(
                "attested with verifier (Verification Body GmbH, auditor) key \(auditorKey), registered at entry "
                    + "#\(verifier.registeredAt): attestations #\(attestations[0]), #\(attestations[1])"
            ),
            "\(output)"
        )
        #expect(status == 0, "\(output)")
        #expect(
            output.contains(
                "2 attestations checked (signatures and signed roots), verified share location-based 100.0 %"
            ),
            "\(output)"
        )
    }

    @Test("a contribution verified under some methods only states each in verifiedByMethod, and both verifiers agree")
    func verifiedByMethod() throws {
        // A newer table gives HU a residual mix, which nobody attested: only the cell line's
        // market-based value uses it.
        let table = try ledger.chain.recordFactorTable([
            "id": "test-factors", "version": 2, "source": "hand-made for the tests", "year": 2025,
            "factors": [
                ["category": "grid", "geography": "HU", "basis": "residual-mix", "value": "0.35", "unit": "kgCO2e/kWh"]
            ],
        ]).firstSequenceNumber
        let bundle = try bundle()
        let contributions = try #require(bundle.json["footprint"]?["contributions"]?.arrayValue)
        let index = try #require(contributions.firstIndex { $0["verifiedByMethod"] != nil })
        let byMethod = try #require(contributions[index]["verifiedByMethod"]?.objectValue)
        #expect(byMethod.keys.sorted() == ["eu-draft", "location-based"])
        #expect(contributions[index]["verifiedBy"] == nil)
        #expect(byMethod["location-based"]?["factorEntries"] == [5])
        let report = try BundleVerifier(bytes: bundle.bytes, key: ledger.chain.ledger.verifierKey).verify()
        #expect(report.verifiedShare["location-based"] == 1)
        #expect(report.verifiedShare["eu-draft"] == 1)
        #expect((report.verifiedShare["market-based"] ?? 1) < 1)
        let (status, output) = try python(bundle.bytes)
        #expect(status == 0, "\(output)")
        #expect(output.contains("verified share location-based 100.0 %"), "\(output)")
        // A sender who claims the market-based value verified too, with the location factors'
        // table: the working's market-based terms name the new table, and both verifiers refuse.
        let claimed = try resigned(bundle.json) { json in
            CustodyBundleTests.set(
                &json,
                ["footprint", "contributions", index, "verifiedByMethod", "market-based"],
                byMethod["location-based"] ?? .null
            )
        }
        let error = try #require(throws: BundleVerifier.Failure.self) {
            try BundleVerifier(bytes: claimed, key: ledger.chain.ledger.verifierKey).verify()
        }
        #expect(error.message.contains("factorEntries are not the factor tables"), "\(error)")
        let refused = try python(claimed)
        #expect(refused.status == 1 && refused.output.contains("factorEntries are not the factor tables"), "\(refused)")
        #expect(table > attestations.max() ?? 0)
    }

    @Test("a submitter's key rotated out and revoked later travels with its rotation and its revocation, and verifies")
    func revokedKeyTravelsWithItsRevocation() throws {
        let ledger = try SmallLedger()
        let rotation = try ledger.chain.rotateKey(actor: "maker", to: Ed25519PrivateKey().publicKey).firstSequenceNumber
        let old = ActorKey.id(of: ledger.key.publicKey.rawRepresentation)
        let revocation = try ledger.chain.revokeKey(actor: "maker", keyID: old, reason: "compromised")
            .firstSequenceNumber
        #expect(revocation > rotation)
        let key = try #require(try ledger.chain.actor("maker")?.keys.first)
        #expect(key.validUntil == rotation && key.revokedAt == revocation)
        let bundle = try CustodyBundle.export(SmallLedger.cell, chain: ledger.chain, profile: .auditor)
        let sequences = Set(
            bundle.json["entries"]?.arrayValue?.compactMap { $0["seq"]?.doubleValue }.map { UInt64($0) } ?? []
        )
        #expect(sequences.isSuperset(of: [rotation, revocation]), "\(sequences.sorted())")
        // The submission was signed before the rotation, so with the registered key, and the
        // verifier names that key and its registration, not the rotated-in one.
        let report = try BundleVerifier(bytes: bundle.bytes, key: ledger.chain.ledger.verifierKey).verify()
        let registered = try #require(try ledger.chain.actor("maker")?.registeredAt)
        #expect(!report.submissionKeys.isEmpty)
        #expect(
            report.submissionKeys.allSatisfy { $0.keyID == old && $0.keyEntry == registered },
            "\(report.submissionKeys)"
        )
        let directory = TemporaryDirectory()
        try Data(bundle.bytes).write(to: URL(fileURLWithPath: directory.path + "/bundle.json"))
        let (status, output) = try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/bundle.json",
            ledger.chain.ledger.verifierKey.text,
        ])
        #expect(status == 0, "\(output)")
    }

    @Test(
        "a coverage or share the attestations do not support fails in both verifiers, even signed again by the ledger key",
        arguments: [
            ("assurance", "not as stated"), ("verifiedShare", "recomputed"),
            ("verifiedBy", "verifiedBy names an entry"),
            ("factorEntries", "are not the factor tables its part of the working uses"),
            ("factorEntriesLeftOut", "are not the factor tables its part of the working uses"),
        ]
    )
    func unsupportedCoverageFails(_ member: String, _ expected: String) throws {
        let json = try bundle().json
        let first = json["footprint"]?["contributions"]?.arrayValue?.first
        let bytes = try resigned(json) { bundle in
            let path: [any Sendable] = ["footprint", "contributions", 0, member]
            switch member {
            case "assurance":
                CustodyBundleTests.set(&bundle, path, first?["assurance"] == "reasonable" ? "limited" : "reasonable")
            case "verifiedBy":
                CustodyBundleTests.set(&bundle, path, [5])
            case "factorEntries":
                CustodyBundleTests.set(&bundle, path, [6])
            case "factorEntriesLeftOut":
                // The factor table (attested at limited) left out, to pass for reasonable.
                CustodyBundleTests.set(&bundle, ["footprint", "contributions", 0, "factorEntries"], [])
                CustodyBundleTests.set(&bundle, ["footprint", "contributions", 0, "assurance"], "reasonable")
            default:
                CustodyBundleTests.set(
                    &bundle,
                    ["footprint", "verifiedShare", "market-based"],
                    .number(0.5)
                )
            }
        }
        do {
            _ = try BundleVerifier(bytes: bytes, key: ledger.chain.ledger.verifierKey).verify()
            Issue.record("\(member): verified")
        } catch let failure as BundleVerifier.Failure {
            #expect(failure.message.contains(expected), "\(member): \(failure)")
        }
        let (status, output) = try python(bytes)
        #expect(status == 1 && output.contains(expected), "\(member): \(output)")
    }

    @Test(
        "the root each verifier signed is proved this ledger's by a consistency proof in the bundle; without it, or with another, both verifiers refuse",
        arguments: ["missing", "altered"]
    )
    func signedRootIsProved(_ change: String) throws {
        let export = try bundle()
        let attested = try #require(try ledger.chain.attestations().first)
        let size = try #require(attested.ledgerSize)
        let proofs = try #require(export.json["consistency"]?.arrayValue)
        let index = try #require(proofs.firstIndex { $0["fromSize"]?.doubleValue == Double(size) })
        #expect(size < UInt64(export.treeSize), "a proof with hashes to alter")
        let bytes = try resigned(export.json) { bundle in
            var changed = proofs
            if change == "missing" {
                changed.remove(at: index)
            } else {
                var hashes = changed[index]["proof"]?.arrayValue ?? []
                hashes[0] = .string(String(repeating: "0", count: 64))
                CustodyBundleTests.set(&changed[index], ["proof"], .array(hashes))
            }
            CustodyBundleTests.set(&bundle, ["consistency"], .array(changed))
        }
        let expected =
            change == "missing"
            ? "no consistency proof from size \(size)" : "from size \(size) does not lead to the checkpoint's root"
        let item = "attestation entry \(try #require(attested.sequenceNumber))"
        do {
            _ = try BundleVerifier(bytes: bytes, key: ledger.chain.ledger.verifierKey).verify()
            Issue.record("\(change): verified")
        } catch let failure as BundleVerifier.Failure {
            #expect(failure.item == item && failure.message.contains(expected), "\(change): \(failure)")
        }
        let (status, output) = try python(bytes)
        #expect(status == 1 && output.contains(item) && output.contains(expected), "\(change): \(output)")
    }

    @Test(
        "a checkpoint the recipient kept at the size an attestation names shares its one consistency proof, and both verifiers accept it"
    )
    func keptCheckpointAtAnAttestationsSize() throws {
        let attested = try #require(try ledger.chain.attestations().first)
        let size = try #require(attested.ledgerSize)
        let kept = try ledger.chain.ledger.checkpoint(atSize: size)
        let export = try CustodyBundle.export(SmallLedger.cell, chain: ledger.chain, profile: .auditor, since: [kept])
        let sizes = try #require(export.json["consistency"]?.arrayValue).compactMap { $0["fromSize"]?.doubleValue }
        #expect(sizes.filter { $0 == Double(size) }.count == 1, "one proof from \(size), not two: \(sizes)")
        let report = try BundleVerifier(bytes: export.bytes, key: ledger.chain.ledger.verifierKey).verify(since: kept)
        #expect(report.consistentFrom == size && report.attestationRoots == 2)
        let directory = TemporaryDirectory()
        try Data(export.bytes).write(to: URL(fileURLWithPath: directory.path + "/bundle.json"))
        try Data((kept.formatted).utf8).write(to: URL(fileURLWithPath: directory.path + "/kept.checkpoint"))
        let (status, output) = try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/bundle.json",
            ledger.chain.ledger.verifierKey.text, "--since-checkpoint", directory.path + "/kept.checkpoint",
        ])
        #expect(status == 0 && output.contains("consistent with the old checkpoint"), "\(output)")
    }

    /// The limited attestation withdrawn after the footprint's size, and the bundle exported as of
    /// that size: its footprint counts the attestation, as the ledger stood then.
    private func exportedBeforeWithdrawal() throws -> (export: CustodyBundle.Export, withdrawal: UInt64) {
        let size = try ledger.chain.ledger.size
        let withdrawal = try ledger.chain.withdrawAttestation(
            attestations[1],
            verifier: "verifier",
            reason: "sampling found the Debrecen meter readings unsupported",
            key: auditor
        ).firstSequenceNumber
        #expect(withdrawal == size)
        let export = try CustodyBundle.export(
            SmallLedger.cell,
            chain: ledger.chain,
            profile: .auditor,
            asOf: .size(size)
        )
        return (export, withdrawal)
    }

    @Test(
        "an attestation withdrawn after the footprint's size travels with a bundle exported as of that size, and both verifiers report it"
    )
    func withdrawalSinceTheFootprintsSize() throws {
        let (export, withdrawal) = try exportedBeforeWithdrawal()
        #expect(export.withdrawnSince.map(\.attestation) == [attestations[1]])
        #expect(export.withdrawnSince.map(\.withdrawal) == [withdrawal])
        let sequences = export.json["entries"]?.arrayValue?.compactMap { $0["seq"]?.doubleValue } ?? []
        #expect(sequences.contains(Double(withdrawal)), "the withdrawal is among the bundle's entries")
        let report = try BundleVerifier(bytes: export.bytes, key: ledger.chain.ledger.verifierKey).verify()
        #expect(
            report.withdrawnSince == [
                BundleVerifier.Withdrawal(
                    attestation: attestations[1],
                    withdrawal: withdrawal,
                    verifier: "verifier",
                    reason: "sampling found the Debrecen meter readings unsupported"
                )
            ]
        )
        #expect(report.verifiedShare == ["location-based": 1, "market-based": 1, "eu-draft": 1], "as of its size")
        let (status, output) = try python(export.bytes)
        #expect(status == 0, "\(output)")
        #expect(
            output.contains(
                "attestation #\(attestations[1]) withdrawn by verifier at entry #\(withdrawal), after the footprint's size: sampling found"
            ),
            "\(output)"
        )
        // A bundle of the ledger now relies on the withdrawn attestation no longer, and carries no withdrawal.
        let now = try bundle()
        #expect(now.withdrawnSince.isEmpty)
        let current = try BundleVerifier(bytes: now.bytes, key: ledger.chain.ledger.verifierKey).verify()
        #expect(current.withdrawnSince.isEmpty && current.attestations == 1)
    }

    @Test(
        "a footprint that relies on an attestation withdrawn before its size fails in both verifiers, even signed again by the ledger key"
    )
    func reliedOnAfterItsWithdrawalFails() throws {
        let (export, withdrawal) = try exportedBeforeWithdrawal()
        // A dishonest sender moves the footprint's size past the withdrawal and signs again.
        let bytes = try resigned(export.json) { bundle in
            CustodyBundleTests.set(&bundle, ["footprint", "asOfSize"], .number(Double(withdrawal + 1)))
        }
        let expected =
            "verifiedBy names attestation entry \(attestations[1]), withdrawn at entry \(withdrawal), before asOfSize"
        do {
            _ = try BundleVerifier(bytes: bytes, key: ledger.chain.ledger.verifierKey).verify()
            Issue.record("verified")
        } catch let failure as BundleVerifier.Failure {
            #expect(failure.message == expected, "\(failure)")
        }
        let (status, output) = try python(bytes)
        #expect(status == 1 && output.contains(expected), "\(output)")
    }

    /// A withdrawal the ledger's rules would have refused, appended past them, put into an honest
    /// bundle with its inclusion proof, and the bundle signed again by the ledger key: what a
    /// dishonest ledger operator could send.
    private func withCraftedWithdrawal(_ craft: String) throws -> (bytes: [UInt8], withdrawal: UInt64) {
        let origin = ledger.chain.ledger.origin
        let other = Ed25519PrivateKey()
        try ledger.chain.registerActor(
            ActorDraft(id: "verifier-2", name: "Second Verification Body", role: .auditor, publicKey: other.publicKey)
        )
        var asOf: UInt64?
        var actor = "verifier"
        var withdrawal = AttestationWithdrawal(
            verifier: "verifier",
            keyID: ActorKey.id(of: auditor.publicKey.rawRepresentation),
            attestation: attestations[1],
            reason: "crafted"
        )
        var key = auditor
        switch craft {
        case "bad signature":
            key = other
        case "another verifier's":
            actor = "verifier-2"
            withdrawal.verifier = "verifier-2"
            withdrawal.keyID = ActorKey.id(of: other.publicKey.rawRepresentation)
            key = other
        case "not the entry's actor":
            actor = "verifier-2"
        case "no attestation":
            withdrawal.attestation = 5
        default:  // withdrawn twice: once as the rules allow, then again past them
            asOf = try ledger.chain.ledger.size
            try ledger.chain.withdrawAttestation(attestations[1], verifier: "verifier", reason: "first", key: auditor)
        }
        let body = try withdrawal.signed(with: key, origin: origin).json
        let sequence = try ledger.chain.ledger.append([
            EntryDraft(type: SupplyChainLedger.EntryType.attestationWithdraw, actor: actor, body: body)
        ]).firstSequenceNumber
        let export = try CustodyBundle.export(
            SmallLedger.cell,
            chain: ledger.chain,
            profile: .auditor,
            asOf: asOf.map { .size($0) }
        )
        #expect(export.treeSize > sequence, "the bundle's tree holds the crafted entry")
        let entry = try ledger.chain.ledger.entry(at: sequence)
        let proof = try ledger.chain.ledger.inclusionProofs(forEntriesAt: [sequence], treeSize: export.treeSize)[0]
        let record: JSONValue = [
            "seq": .number(Double(sequence)),
            "canonical": .string(String(decoding: entry.canonicalBytes, as: UTF8.self)),
            "proof": .array(proof.map { .string($0.hex) }),
            "openings": [:], "withheld": [:],
        ]
        let bytes = try resigned(export.json) { bundle in
            var entries = bundle["entries"]?.arrayValue ?? []
            let at = entries.firstIndex { ($0["seq"]?.doubleValue ?? 0) > Double(sequence) } ?? entries.endIndex
            entries.insert(record, at: at)
            CustodyBundleTests.set(&bundle, ["entries"], .array(entries))
        }
        return (bytes, sequence)
    }

    @Test(
        "a withdrawal its verifier did not sign, of another verifier's attestation, by another actor, of no attestation, or of one withdrawn already fails in both verifiers",
        arguments: ["bad signature", "another verifier's", "not the entry's actor", "no attestation", "twice"]
    )
    func craftedWithdrawalFails(_ craft: String) throws {
        let (bytes, sequence) = try withCraftedWithdrawal(craft)
        let expected =
            switch craft {
            case "bad signature": "the signature of verifier does not verify"
            case "another verifier's":
                "it withdraws entry \(attestations[1]), which is no earlier attestation of verifier-2 in the bundle"
            case "not the entry's actor": "its verifier verifier is not the entry's actor verifier-2"
            case "no attestation": "it withdraws entry 5, which is no earlier attestation of verifier in the bundle"
            default: "attestation entry \(attestations[1]) is withdrawn twice"
            }
        let item = "withdrawal entry \(sequence)"
        do {
            _ = try BundleVerifier(bytes: bytes, key: ledger.chain.ledger.verifierKey).verify()
            Issue.record("\(craft): verified")
        } catch let failure as BundleVerifier.Failure {
            #expect(failure.item == item && failure.message == expected, "\(craft): \(failure)")
        }
        let (status, output) = try python(bytes)
        #expect(status == 1 && output.contains("\(item): \(expected)"), "\(craft): \(output)")
    }
}
