import Carbon
import Foundation
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

@testable import Exports

/// One network for the suite: generating it is the slow part.
private let shared = Result {
    // Shared by the suite for the life of the process, so its directory goes when the process does.
    let network = try Network()
    removeAtExit(network.directory.path)
    return network
}

@Suite("Custody bundle: exported, verified offline, every change caught")
struct CustodyBundleTests {
    let network: Network
    let serial: String

    init() throws {
        network = try shared.get()
        serial = try network.firstSerial()
    }

    private func export(_ profile: DisclosureProfile, since: [SignedCheckpoint] = []) throws -> CustodyBundle.Export {
        try CustodyBundle.export(serial, chain: network.chain, profile: profile, since: since)
    }

    private func verify(_ bytes: [UInt8], since: SignedCheckpoint? = nil) throws -> BundleVerifier.Report {
        try BundleVerifier(bytes: bytes, key: network.chain.ledger.verifierKey).verify(since: since)
    }

    @Test("a legitimate-interest bundle verifies, and its trace and footprint are recomputed to the engine's figures")
    func bundleVerifiesAndRecomputes() throws {
        let bundle = try export(.legitimateInterest)
        let report = try verify(bundle.bytes)
        #expect(report.entries == bundle.entryCount)
        #expect(report.submissions > 0 && report.signedEvents == bundle.scope.events.count)
        #expect(report.openings > 0 && report.withheld > 0, "quantities opened, parties and prices withheld")
        guard case .recomputed(let lots) = report.trace else {
            Issue.record("trace not recomputed: \(report.trace)")
            return
        }
        #expect(lots == bundle.scope.trace.lotCount)
        guard case .recomputed = report.footprint else {
            Issue.record("footprint not recomputed: \(report.footprint)")
            return
        }
        for method in ElectricityMethod.allCases {
            let engine = bundle.scope.footprint.total.total(method)
            let stated = try #require(report.totals[method.rawValue])
            #expect(abs(stated - engine) <= 1e-9 * engine, "\(method)")
        }
        #expect(bundle.scope.footprint.total.total(.locationBased) > 0)
    }

    @Test("every profile verifies; only the public one states its footprint without the working")
    func everyProfileVerifies() throws {
        for profile in DisclosureProfile.allCases {
            let report = try verify(try export(profile).bytes)
            switch (profile, report.footprint) {
            case (.public, .stated), (.legitimateInterest, .recomputed), (.authority, .recomputed),
                (.auditor, .recomputed):
                break
            default:
                Issue.record("\(profile): footprint \(report.footprint)")
            }
            if profile == .auditor { #expect(report.withheld == 0) }
            if profile == .public { #expect(report.openings == 0) }
        }
    }

    @Test(
        "a redacted bundle holds none of the withheld values: no opening, no salt, no operand base, no clear text",
        arguments: [DisclosureProfile.public, .legitimateInterest, .authority]
    )
    func redactedBundleHoldsNoWithheldValue(profile: DisclosureProfile) throws {
        let bundle = try export(profile)
        let text = String(decoding: bundle.bytes, as: UTF8.self)
        let ledger = network.chain.ledger
        var withheldCount = 0
        var revealedStrings: [String] = []
        for element in bundle.json["entries"]?.arrayValue ?? [] {
            let sequence = UInt64(try #require(element["seq"]?.doubleValue))
            let entry = try ledger.entry(at: sequence)
            let openings = try ledger.openings(of: entry)
            let withheld = Set((element["withheld"]?.objectValue ?? [:]).keys)
            for (pointer, opening) in openings {
                let revealed = profile.reveals(entryType: entry.type, pointer: pointer)
                #expect(revealed == !withheld.contains(pointer.text), "entry \(sequence) \(pointer)")
                guard !revealed else {
                    if let value = opening.value.stringValue { revealedStrings.append(value) }
                    continue
                }
                withheldCount += 1
                #expect(element["openings"]?[pointer.text] == nil)
                #expect(!text.contains(HexCoding.encode(opening.salt)), "the salt of entry \(sequence) \(pointer)")
                if let value = opening.value.stringValue, value.count > 6 {
                    #expect(
                        !(bundle.json["entries"]?.arrayValue ?? []).contains { other in
                            other["openings"]?.objectValue?.values.contains { $0["value"]?.stringValue == value }
                                == true
                        } || revealedStrings.contains(value),
                        "clear value \(value) of entry \(sequence) \(pointer)"
                    )
                }
            }
        }
        #expect(withheldCount > 0)
        // No operand on a withheld field carries its value.
        var operands: [JSONValue] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if members["at"] != nil, members["entry"] != nil { operands.append(value) }
                members.values.forEach(collect)
            case .array(let elements): elements.forEach(collect)
            default: break
            }
        }
        collect(bundle.json["trace"] ?? .null)
        collect(bundle.json["footprint"] ?? .null)
        let withheldFields = Set(
            (bundle.json["entries"]?.arrayValue ?? []).flatMap { element in
                (element["withheld"]?.objectValue ?? [:]).keys.map { "\(element["seq"]?.doubleValue ?? -1) \($0)" }
            }
        )
        for operand in operands {
            let field = "\(operand["entry"]?.doubleValue ?? -1) \(operand["at"]?.stringValue ?? "")"
            if withheldFields.contains(field) {
                #expect(operand["base"] == nil, "operand on withheld \(field) states its value")
                #expect(operand["withheld"] == true)
            }
        }
        // Nor does an allocation's reason state the ratio of prices it withholds.
        for reason in Self.allocationReasons(bundle.json) {
            #expect(reason.firstMatch(of: /price ratio [0-9]/) == nil, "\(reason)")
        }
    }

    @Test(
        "an auditor's bundle states the price ratio that decided an allocation; a legitimate-interest one the rule alone"
    )
    func auditorBundleStatesThePriceRatio() throws {
        let reasons = Self.allocationReasons(try export(.auditor).json)
        #expect(reasons.contains { $0.firstMatch(of: /^mass: price ratio [0-9.]+ ≤ 4$/) != nil }, "\(reasons)")
        let redacted = Self.allocationReasons(try export(.legitimateInterest).json)
        #expect(redacted.contains("mass: price ratio ≤ 4"), "\(redacted)")
        #expect(redacted.count == reasons.count)
    }

    /// The `reason` of every allocation in a bundle's footprint working.
    static func allocationReasons(_ bundle: JSONValue) -> [String] {
        var reasons: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if let reason = members["allocation"]?["reason"]?.stringValue { reasons.append(reason) }
                members.values.forEach(collect)
            case .array(let elements): elements.forEach(collect)
            default: break
            }
        }
        collect(bundle["footprint"] ?? .null)
        return reasons
    }

    @Test("changing any byte of a bundle fails verification")
    func changingAnyByteFails() throws {
        let bytes = try export(.legitimateInterest).bytes
        var random = SystemRandomNumberGenerator()
        let replacements = Array("0123456789abcdefABCDEF{}[]\":,. -_/xyz".utf8)
        for _ in 0..<40 {
            let position = Int.random(in: 0..<bytes.count, using: &random)
            var changed = bytes
            var replacement = replacements.randomElement(using: &random) ?? 0x30
            if replacement == changed[position] { replacement = replacement == 0x30 ? 0x31 : 0x30 }
            changed[position] = replacement
            do {
                _ = try verify(changed)
                Issue.record("a change at byte \(position) (\(bytes[position]) → \(replacement)) verified")
            } catch is BundleVerifier.Failure {
            } catch is ExportError {
            }
        }
    }

    /// The bundle with one change made to its JSON, written canonically again.
    private func changed(_ bundle: JSONValue, _ change: (inout JSONValue) throws -> Void) rethrows -> [UInt8] {
        var copy = bundle
        try change(&copy)
        return copy.canonicalBytes + [0x0a]
    }

    private func failure(_ bytes: [UInt8]) -> BundleVerifier.Failure? {
        do {
            _ = try verify(bytes)
            return nil
        } catch let failure as BundleVerifier.Failure {
            return failure
        } catch {
            return BundleVerifier.Failure(item: "bundle", message: "\(error)")
        }
    }

    @Test("a change to a proved item is reported as that item")
    func changesAreNamed() throws {
        let json = try export(.legitimateInterest).json
        let entries = json["entries"]?.arrayValue ?? []
        let opened = try #require(entries.firstIndex { !($0["openings"]?.objectValue?.isEmpty ?? true) })
        let openedSeq = Int(try #require(entries[opened]["seq"]?.doubleValue))
        let cases: [(String, (inout JSONValue) -> Void)] = [
            (
                "entry \(Int(entries[3]["seq"]?.doubleValue ?? 0))",
                { bundle in
                    let text = bundle["entries"]?.arrayValue?[3]["canonical"]?.stringValue ?? ""
                    Self.set(
                        &bundle,
                        ["entries", 3, "canonical"],
                        .string(text.replacing("\"v\":1", with: "\"v\":1 "))
                    )
                }
            ),
            (
                "entry \(Int(entries[2]["seq"]?.doubleValue ?? 0))",
                { bundle in
                    let proof = bundle["entries"]?.arrayValue?[2]["proof"]?.arrayValue ?? []
                    let first = proof.first?.stringValue ?? ""
                    let flipped = (first.first == "0" ? "1" : "0") + first.dropFirst()
                    Self.set(&bundle, ["entries", 2, "proof", 0], .string(flipped))
                }
            ),
            (
                "entry \(openedSeq) opening",
                { bundle in
                    let openings = bundle["entries"]?.arrayValue?[opened]["openings"]?.objectValue ?? [:]
                    let pointer = openings.keys.sorted()[0]
                    let salt = openings[pointer]?["salt"]?.stringValue ?? ""
                    Self.set(
                        &bundle,
                        ["entries", opened, "openings", pointer, "salt"],
                        .string((salt.first == "0" ? "1" : "0") + salt.dropFirst())
                    )
                }
            ),
            (
                "footprint",
                { bundle in
                    let value =
                        bundle["footprint"]?["contributions"]?.arrayValue?[0]["kgCO2e"]?["market-based"]?
                        .doubleValue ?? 0
                    Self.set(
                        &bundle,
                        ["footprint", "contributions", 0, "kgCO2e", "market-based"],
                        .number(value * 1.001 + 0.001)
                    )
                }
            ),
            (
                "trace lot",
                { bundle in
                    let kg = bundle["trace"]?["lots"]?.arrayValue?[1]["kg"]?.doubleValue ?? 0
                    Self.set(&bundle, ["trace", "lots", 1, "kg"], .number(kg * 2 + 1))
                }
            ),
            ("checkpoint", { bundle in Self.set(&bundle, ["treeSize"], .number(1)) }),
            // Another profile fails at the first field it would withhold yet the bundle opens (or
            // reveal yet the bundle withholds): public withholds every one.
            ("entry \(openedSeq) opening", { bundle in Self.set(&bundle, ["profile"], "public") }),
            // What only the statement signs: an allocation's reason.
            (
                "statement",
                { bundle in
                    for (lot, element) in (bundle["footprint"]?["working"]?["lots"]?.arrayValue ?? []).enumerated() {
                        let parts = element["parts"]?.arrayValue ?? []
                        guard let part = parts.firstIndex(where: { $0["allocation"] != nil }) else { continue }
                        let path: [any Sendable] = ["footprint", "working", "lots", lot, "parts", part, "allocation"]
                        Self.set(&bundle, path + ["reason"], "chosen by hand")
                        return
                    }
                }
            ),
        ]
        for (item, change) in cases {
            let failure = try #require(self.failure(changed(json, change)), "a change to \(item) verified")
            #expect(failure.item.hasPrefix(item), "expected \(item), got \(failure)")
        }
    }

    @Test("a bundle relabelled for another serial fails on its subject, even signed again by the ledger key")
    func relabelledSubjectFails() throws {
        let bundle = try export(.legitimateInterest)
        guard case .object(var members) = bundle.json, let range = serial.lastIndex(of: ".") else {
            Issue.record("no bundle object")
            return
        }
        let other = String(serial[...range]) + "999999999"
        members["subject"] = .string(other)
        let bytes = try resigned(.object(members), subject: other) { _ in }
        let failure = try #require(self.failure(bytes))
        #expect(failure.item == "subject", "\(failure)")
        #expect(failure.message.contains("is not in a serial range"), "\(failure)")
        // The independent verifier says the same.
        let directory = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/relabelled.json"))
        let (status, output) = try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/relabelled.json",
            network.chain.ledger.verifierKey.text,
        ])
        #expect(status == 1, "\(output)")
        #expect(output.contains("subject"), "\(output)")
    }

    /// The bundle with one change, signed again by the ledger key as a dishonest sender would.
    private func resigned(
        _ bundle: JSONValue,
        subject: String? = nil,
        _ change: (inout JSONValue) -> Void
    ) throws -> [UInt8] {
        try Self.resigned(bundle, by: network.chain, subject: subject ?? serial, change)
    }

    /// The bundle with one change, signed again by the key of `chain`'s ledger.
    static func resigned(
        _ bundle: JSONValue,
        by chain: SupplyChainLedger,
        subject: String,
        _ change: (inout JSONValue) throws -> Void
    ) throws -> [UInt8] {
        var copy = bundle
        try change(&copy)
        guard case .object(var members) = copy else { return [] }
        members["statement"] = nil
        let text = CustodyBundle.statementText(
            origin: chain.ledger.origin,
            subject: subject,
            digest: SHA256.hash(JSONValue.object(members).canonicalBytes)
        )
        members["statement"] = .string(try chain.ledger.signStatement(text).formatted)
        return JSONValue.object(members).canonicalBytes + [0x0a]
    }

    /// What each verifier says of `bytes` under `chain`'s ledger key: the Swift verifier's failure
    /// (`nil` when it verifies), and `tools/verify_bundle.py`'s exit status and output.
    static func verdicts(
        _ bytes: [UInt8],
        by chain: SupplyChainLedger
    ) throws -> (swift: BundleVerifier.Failure?, status: Int32, python: String) {
        var failure: BundleVerifier.Failure?
        do {
            _ = try BundleVerifier(bytes: bytes, key: chain.ledger.verifierKey).verify()
        } catch let refused as BundleVerifier.Failure {
            failure = refused
        }
        let directory = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/bundle.json"))
        let (status, output) = try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/bundle.json", chain.ledger.verifierKey.text,
        ])
        return (failure, status, output)
    }

    @Test(
        "a working the entries do not support fails in both verifiers, even signed again by the ledger key",
        arguments: UnsupportedWorking.allCases
    )
    func unsupportedWorkingFails(_ change: UnsupportedWorking) throws {
        let json = try export(.auditor).json
        let bytes = try resigned(json) { change.apply(to: &$0) }
        let failure = try #require(self.failure(bytes), "\(change) verified")
        let expected = change.expected(json)
        #expect(failure.message.contains(expected.swift), "\(change): \(failure)")
        let directory = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/changed.json"))
        let (status, output) = try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/changed.json",
            network.chain.ledger.verifierKey.text,
        ])
        #expect(status == 1 && output.contains(expected.python), "\(change): \(output)")
    }

    @Test(
        "a bundle labelled with a narrower profile than the fields it opens fails in both verifiers, even signed again by the ledger key",
        arguments: [
            (DisclosureProfile.auditor, DisclosureProfile.authority), (.auditor, .legitimateInterest),
            (.authority, .legitimateInterest), (.legitimateInterest, .public),
        ]
    )
    func narrowerProfileThanItOpensFails(exported: DisclosureProfile, label: DisclosureProfile) throws {
        let json = try export(exported).json
        // The first field the label withholds that the bundle opens, in the order the verifiers read.
        var opened: (sequence: Int, pointer: String, name: String)?
        for element in json["entries"]?.arrayValue ?? [] where opened == nil {
            let entry = try JSONValue(parsing: Array((element["canonical"]?.stringValue ?? "").utf8))
            for pointer in (element["openings"]?.objectValue ?? [:]).keys.sorted() {
                let field = ClassifiedField.classify(
                    entryType: entry["type"]?.stringValue ?? "",
                    pointer: try JSONPointer(pointer)
                )
                if !label.reveals(field) {
                    opened = (Int(element["seq"]?.doubleValue ?? -1), pointer, field.name)
                    break
                }
            }
        }
        let (sequence, pointer, name) = try #require(opened, "the \(exported) bundle opens nothing \(label) withholds")
        let bytes = try resigned(json) { Self.set(&$0, ["profile"], .string(label.rawValue)) }
        let expected = "the \(label.rawValue) profile withholds this field (\(name)), yet the bundle opens it"
        let failure = try #require(self.failure(bytes), "a \(exported) bundle labelled \(label) verified")
        #expect(failure.description == "entry \(sequence) opening \(pointer): " + expected)
        let (status, output) = try python(bytes)
        #expect(status == 1 && output.contains("entry \(sequence) opening \(pointer): " + expected), "\(output)")
    }

    static let module = "urn:epc:id:giai:5991015.MOD-000001"
    static let pack = "urn:epc:id:giai:5991015.PACK-00001"

    /// Runs `tools/verify_bundle.py` on `bytes`.
    private func python(_ bytes: [UInt8]) throws -> (status: Int32, output: String) {
        let directory = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/bundle.json"))
        return try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/bundle.json",
            network.chain.ledger.verifierKey.text,
        ])
    }

    @Test("module and pack bundles of every profile verify in both verifiers, their cells counted from their entries")
    func assembliesVerifyInEveryProfile() throws {
        for subject in [Self.module, Self.pack] {
            for profile in DisclosureProfile.allCases {
                let bundle = try CustodyBundle.export(subject, chain: network.chain, profile: profile)
                let report = try verify(bundle.bytes)
                if profile != .public, case .stated(let reason) = report.trace {
                    Issue.record("\(subject) \(profile): trace stated: \(reason)")
                }
                let (status, output) = try python(bundle.bytes)
                #expect(status == 0 && output.hasPrefix("OK: "), "\(subject) \(profile): \(output)")
            }
        }
    }

    @Test(
        "a module's cells halved, its figures restated and signed again, fails on its assembly entry in both verifiers"
    )
    func assemblyCellCountIsItsEntries() throws {
        let json = try CustodyBundle.export(Self.module, chain: network.chain, profile: .auditor).json
        let cells = Int(try #require(json["trace"]?["roots"]?.arrayValue?.first?["cells"]?.doubleValue))
        let bytes = try resigned(json, subject: Self.module) { bundle in
            let set = CustodyBundleTests.set
            set(&bundle, ["trace", "roots", 0, "cells"], .number(Double(cells / 2)))
            for (index, lot) in (bundle["trace"]?["lots"]?.arrayValue ?? []).enumerated() {
                set(&bundle, ["trace", "lots", index, "kg"], .number((lot["kg"]?.doubleValue ?? 0) / 2))
            }
            Self.restate(&bundle) { $0["lot"]?.stringValue == Self.module ? 1 : 0.5 }
        }
        let failure = try #require(self.failure(bytes), "half the cells verified")
        let expected = "states \(cells / 2) cells; the assembly entries the bundle carries put in \(cells)"
        #expect(failure.item == "subject" && failure.message.contains(expected), "\(failure)")
        let (status, output) = try python(bytes)
        #expect(status == 1 && output.contains("subject: ") && output.contains(expected), "\(output)")
    }

    @Test("a module bundle that leaves out its assembly entry states its cells, not recomputed, in both verifiers")
    func assemblyWithoutItsEntryIsStated() throws {
        let json = try CustodyBundle.export(Self.module, chain: network.chain, profile: .auditor).json
        var dropped: Set<Double> = []
        let bytes = try resigned(json, subject: Self.module) { bundle in
            let set = CustodyBundleTests.set
            let entries = (bundle["entries"]?.arrayValue ?? []).filter { element in
                let entry = element["canonical"]?.stringValue.flatMap { try? JSONValue(parsing: Array($0.utf8)) }
                guard entry?["body"]?["parentID"]?.stringValue == Self.module else { return true }
                dropped.insert(element["seq"]?.doubleValue ?? -1)
                return false
            }
            set(&bundle, ["entries"], .array(entries))
            let steps = bundle["footprint"]?["working"]?["assembly"]?.arrayValue ?? []
            set(
                &bundle,
                ["footprint", "working", "assembly"],
                .array(steps.filter { !dropped.contains($0["entry"]?.doubleValue ?? -1) })
            )
            Self.restate(&bundle) { dropped.contains($0["entry"]?.doubleValue ?? -1) ? nil : 1 }
        }
        #expect(!dropped.isEmpty)
        let report = try verify(bytes)
        guard case .stated(let reason) = report.trace, reason.contains("carries no assembly entry of \(Self.module)")
        else {
            Issue.record("trace \(report.trace)")
            return
        }
        let (status, output) = try python(bytes)
        #expect(status == 0 && output.contains("the subject's cell count is as stated"), "\(output)")
    }

    @Test(
        "a bundle that leaves out its battery model's entry states its kWh figures, not recomputed, in both verifiers"
    )
    func functionalUnitWithoutItsModelIsStated() throws {
        let bytes = try withoutItsModel(try export(.auditor).json)
        let report = try verify(bytes)
        let why = "whose model.register entry the bundle does not carry"
        #expect(report.functionalUnitStated?.contains(why) == true, "\(report.functionalUnitStated ?? "recomputed")")
        let (status, output) = try python(bytes)
        #expect(
            status == 0 && output.contains("usableKWh and lifetimeKWh stated, not recomputed (the cells"),
            "\(output)"
        )
        // With --json, the independent verifier says why under the same name.
        let directory = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/bundle.json"))
        let json = try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/bundle.json",
            network.chain.ledger.verifierKey.text, "--json",
        ])
        let result = try JSONValue(parsing: Array(json.output.utf8))
        #expect(result["functionalUnitStated"]?.stringValue == report.functionalUnitStated, "\(json.output)")
        // Honest, they are recomputed.
        #expect(try verify(try export(.auditor).bytes).functionalUnitStated == nil)
    }

    @Test(
        "a functional-unit member the entries do not give fails in both verifiers, compared as a JSON value",
        arguments: [
            ("lifetimeKWh", JSONValue.string("1000")), ("model", .number(5)), ("modelEntry", .null),
            ("lifetimeKWh", .null),
        ]
    )
    func functionalUnitMembersAreComparedAsJSON(member: String, value: JSONValue) throws {
        // Without the model, the bundle has none of these members: any value of one is refused.
        let bytes = try withoutItsModel(try export(.auditor).json) { bundle in
            CustodyBundleTests.set(&bundle, ["footprint", member], value)
        }
        let failure = try #require(self.failure(bytes), "\(member): \(value.canonicalString) verified")
        #expect(failure.item == "footprint", "\(failure)")
        let (status, output) = try python(bytes)
        #expect(status == 1 && output.contains("NOT VERIFIED: footprint: "), "\(output)")
    }

    /// The bundle without its battery model's `model.register` entry, restated as the exporter
    /// would state it without the model, with `change` made to it, signed again by the ledger key.
    private func withoutItsModel(_ json: JSONValue, _ change: (inout JSONValue) -> Void = { _ in }) throws -> [UInt8] {
        let model = try #require(
            (json["entries"]?.arrayValue ?? []).first { element in
                element["canonical"]?.stringValue?.contains(#""type":"model.register""#) == true
            }
        )
        let entry = try JSONValue(parsing: Array(try #require(model["canonical"]?.stringValue).utf8))
        let share = try #require(entry["body"]?["usableEnergyShare"]?.stringValue.flatMap { Double($0) })
        let usable = try #require(json["footprint"]?["usableKWh"]?.doubleValue)
        return try resigned(json) { bundle in
            let entries = (bundle["entries"]?.arrayValue ?? []).filter { $0["seq"] != model["seq"] }
            CustodyBundleTests.set(&bundle, ["entries"], .array(entries))
            var footprint = bundle["footprint"]?.objectValue ?? [:]
            for member in ["model", "modelEntry", "lifetimeKWh"] { footprint[member] = nil }
            footprint["usableKWh"] = .number(usable / share)
            CustodyBundleTests.set(&bundle, ["footprint"], .object(footprint))
            change(&bundle)
        }
    }

    /// A refinery's electricity, sealed and withheld, makes only its process part stated.
    ///
    /// Its mass allocation share still passes the lot's weight to the ore, whose part is
    /// recomputed. A ledger CellTrace writes seals no electricity, so the entries are made by hand,
    /// as a ledger could hold them.
    @Test("a process part whose emissions are withheld still passes its share of the lot's weight to its inputs")
    func withheldEmissionsLeaveTheShare() throws {
        let operand = { (entry: Int, at: String, base: Double) -> JSONValue in
            ["entry": .number(Double(entry)), "at": .string(at), "base": .number(base)]
        }
        let sealed = Commitment(digest: SHA256.hash(Array("1000".utf8))).placeholder
        let bodies: [UInt64: JSONValue] = [
            1: ["factors": [["category": "grid", "geography": "XX", "value": "0.5", "unit": "kgCO2e/kWh"]]],
            2: [
                "type": "ObjectEvent", "action": "ADD", "quantityList": [["epcClass": "O", "quantity": 100]],
                "ct:directEmissions": ["kgCO2e": 10],
            ],
            3: [
                "type": "TransformationEvent", "inputQuantityList": [["epcClass": "O", "quantity": 100]],
                "outputQuantityList": [["epcClass": "H", "quantity": 80], ["epcClass": "B", "quantity": 20]],
                "ct:electricity": [["quantity": sealed, "uom": "KWH", "supply": "grid"]],
            ],
        ]
        let methods = ["location-based", "market-based", "eu-draft"]
        let electricity = methods.map { method -> JSONValue in
            [
                "what": "electricity", "method": .string(method), "kgCO2e": 500,
                "amount": [["entry": 3, "at": "/ct:electricity/0/quantity", "withheld": true]],
                "factor": ["entry": 1, "at": "/factors/0/value", "key": "grid:XX:location", "base": 0.5],
            ]
        }
        let direct: JSONValue = [
            "what": "direct", "method": "all", "kgCO2e": 10,
            "amount": [operand(2, "/ct:directEmissions/kgCO2e", 10)], "factor": ["value": 1, "rule": "direct"],
        ]
        let stage = { (name: String) -> [String: JSONValue] in ["stage": .string(name), "primary": true] }
        func perMethod(_ value: Double) -> JSONValue {
            .object(Dictionary(uniqueKeysWithValues: methods.map { ($0, .number(value)) }))
        }
        // The ore's 100 kg give 10 kg CO2e; the lot H, 80 % of the refinery's output by mass, has 80 kg
        // of it: 8 kg CO2e. Were the share taken as 1, the ore would weigh 100 kg and give 10.
        let contributions: [JSONValue] = [
            .object(
                ["kind": "process", "lot": "H", "entry": 3, "kgCO2e": perMethod(400)].merging(stage("main-production"))
                { a, _ in a }
            ),
            .object(
                ["kind": "process", "lot": "O", "entry": 2, "kgCO2e": perMethod(8)].merging(
                    stage("raw-material-acquisition")
                ) { a, _ in a }
            ),
        ]
        var total: [String: JSONValue] = [:]
        for method in methods {
            total[method] = [
                "raw-material-acquisition": 8, "main-production": 400, "distribution": 0, "end-of-life": 0,
            ]
        }
        let lot = { (id: String, entry: Int, kg: Double, inputs: [JSONValue], outputs: [JSONValue]) -> JSONValue in
            [
                "lot": .string(id), "entry": .number(Double(entry)), "kg": .number(kg), "inputs": .array(inputs),
                "outputs": .array(outputs),
            ]
        }
        let bundle: JSONValue = [
            "subject": "H", "subjectKind": "lot", "profile": "authority",
            "trace": [
                "roots": [["lot": "H", "kg": operand(3, "/outputQuantityList/0/quantity", 80)]],
                "lots": [
                    lot(
                        "H",
                        3,
                        80,
                        [["lot": "O", "kg": operand(3, "/inputQuantityList/0/quantity", 100)]],
                        [
                            ["lot": "H", "kg": operand(3, "/outputQuantityList/0/quantity", 80)],
                            ["lot": "B", "kg": operand(3, "/outputQuantityList/1/quantity", 20)],
                        ]
                    ),
                    lot("O", 2, 80, [], [["lot": "O", "kg": operand(2, "/quantityList/0/quantity", 100)]]),
                ],
            ],
            "footprint": [
                "asOfSize": 4, "usableKWh": 0, "total": .object(total), "contributions": .array(contributions),
                "working": [
                    "lots": [
                        [
                            "lot": "H", "counts": "process",
                            "parts": [
                                .object(
                                    [
                                        "kind": "process", "entry": 3, "terms": .array(electricity),
                                        "allocation": ["method": "mass", "reason": "mass"],
                                    ].merging(stage("main-production")) { a, _ in a }
                                )
                            ],
                        ],
                        [
                            "lot": "O", "counts": "process",
                            "parts": [
                                .object(
                                    [
                                        "kind": "process", "entry": 2, "terms": [direct],
                                        "allocation": ["method": "single", "reason": "one output"],
                                    ].merging(stage("raw-material-acquisition")) { a, _ in a }
                                )
                            ],
                        ],
                    ]
                ],
            ],
        ]
        let recompute = Recompute(
            bundle: bundle,
            bodies: bodies,
            types: [1: SupplyChainLedger.EntryType.factorTable, 2: "epcis.event", 3: "epcis.event"],
            asOfSize: 4
        )
        let flows = try recompute.trace()
        guard case .recomputed = flows.result else {
            Issue.record("trace not recomputed: \(flows.result)")
            return
        }
        let footprint = try recompute.footprint(flows: flows)
        guard case .partly(let items, let stated, let reason) = footprint else {
            Issue.record("footprint not partly recomputed: \(footprint)")
            return
        }
        #expect(items == 1 && stated == ["process H 3"], "\(footprint)")
        #expect(reason == "entry 3 /ct:electricity/0/quantity is withheld by the profile")
    }

    @Test(
        "a serial range's bounds are ASCII digits: a sign, a space or another script's digits leave the cell outside",
        arguments: ["+1", " 1", "1 ", "\u{0661}"]
    )
    func serialRangeBoundsAreDigits(first: String) throws {
        func recompute(first: String) -> Recompute {
            let commissioning: JSONValue = [
                "ct:cellLot": "L", "ct:cellMass": ["quantity": 2, "uom": "KGM"],
                "ct:serialRanges": [["prefix": "s.", "first": .string(first), "last": "9"]],
            ]
            let bundle: JSONValue = [
                "subject": "s.5", "subjectKind": "cell",
                "trace": [
                    "roots": [["lot": "L", "cells": 1, "cellMass": ["entry": 4, "at": "/ct:cellMass/quantity"]]],
                    "lots": [
                        [
                            "lot": "L", "entry": 3, "kg": 2, "inputs": [],
                            "outputs": [["lot": "L", "kg": ["entry": 3, "at": "/outputQuantityList/0/quantity"]]],
                        ]
                    ],
                ],
            ]
            return Recompute(
                bundle: bundle,
                bodies: [3: ["outputQuantityList": [["epcClass": "L", "quantity": 400]]], 4: commissioning],
                types: [3: "epcis.event", 4: "epcis.event"],
                asOfSize: 5
            )
        }
        _ = try recompute(first: "1").trace()
        let failure = #expect(throws: BundleVerifier.Failure.self) { try recompute(first: first).trace() }
        #expect(
            failure?.message == "s.5 is not in a serial range of commissioning entry 4",
            "\(String(describing: failure))"
        )
    }

    /// Scales each contribution by what `scale` gives it (leaving it out for `nil`) and restates
    /// the total as their sum.
    static func restate(_ bundle: inout JSONValue, _ scale: (JSONValue) -> Double?) {
        restate(
            &bundle,
            byMethod: { contribution in
                scale(contribution).map { factor in
                    var factors: [String: Double] = [:]
                    for (method, _) in contribution["kgCO2e"]?.objectValue ?? [:] { factors[method] = factor }
                    return factors
                }
            }
        )
    }

    /// Scales each contribution's kg CO2e by method by what `scale` gives it (1 for a method it
    /// does not name; the contribution left out for `nil`) and restates the total as their sum.
    static func restate(_ bundle: inout JSONValue, byMethod scale: (JSONValue) -> [String: Double]?) {
        var total: [String: JSONValue] = [:]
        var contributions: [JSONValue] = []
        for (method, stages) in bundle["footprint"]?["total"]?.objectValue ?? [:] {
            var zero: [String: JSONValue] = [:]
            for (stage, _) in stages.objectValue ?? [:] { zero[stage] = 0 }
            total[method] = .object(zero)
        }
        var sums = JSONValue.object(total)
        for contribution in bundle["footprint"]?["contributions"]?.arrayValue ?? [] {
            guard let factors = scale(contribution), var members = contribution.objectValue else { continue }
            let stage = contribution["stage"]?.stringValue ?? ""
            var kg: [String: JSONValue] = [:]
            for (method, value) in contribution["kgCO2e"]?.objectValue ?? [:] {
                let scaled = (value.doubleValue ?? 0) * (factors[method] ?? 1)
                kg[method] = .number(scaled)
                set(&sums, [method, stage], .number((sums[method]?[stage]?.doubleValue ?? 0) + scaled))
            }
            members["kgCO2e"] = .object(kg)
            contributions.append(.object(members))
        }
        set(&bundle, ["footprint", "contributions"], .array(contributions))
        set(&bundle, ["footprint", "total"], sums)
    }

    @Test(
        "a bundle whose notes are signed under a name other than its origin fails at the checkpoint, in both verifiers: the origin expected is the key's name"
    )
    func originIsTheKeysName() throws {
        guard case .object(var members) = try export(.legitimateInterest).json else {
            Issue.record("no bundle object")
            return
        }
        // The ledger's own key, under another name: every signature in the bundle verifies with
        // that name's vkey, and everything in the bundle agrees on the ledger's origin.
        let key = try Ed25519PrivateKey(pemFile: network.directory.path + "/ledger/" + Ledger.keyFileName)
        let renamed = try NoteSigner(name: "celltrace.test/another-ledger", privateKey: key)
        let checkpoint = try SignedCheckpoint(parsing: try #require(members["checkpoint"]?.stringValue))
        members["checkpoint"] = .string(try renamed.sign(checkpoint.note.text).formatted)
        members["statement"] = nil
        let text = CustodyBundle.statementText(
            origin: network.chain.ledger.origin,
            subject: serial,
            digest: SHA256.hash(JSONValue.object(members).canonicalBytes)
        )
        members["statement"] = .string(try renamed.sign(text).formatted)
        let bytes = JSONValue.object(members).canonicalBytes + [0x0a]
        do {
            _ = try BundleVerifier(bytes: bytes, key: renamed.verifierKey).verify()
            Issue.record("a bundle from origin celltrace.test/exports verified with the vkey of another name")
        } catch let failure as BundleVerifier.Failure {
            #expect(failure.item == "checkpoint", "\(failure)")
            #expect(failure.message.contains("celltrace.test/another-ledger"), "\(failure)")
        }
        let directory = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/renamed.json"))
        let (status, output) = try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/renamed.json", renamed.verifierKey.text,
        ])
        #expect(status == 1, "\(output)")
        #expect(output.contains("checkpoint") && output.contains("the vkey's name"), "\(output)")
    }

    @Test("the ledger key signs statements that cannot pass for a checkpoint, and nothing shaped like one")
    func statementsAreNotCheckpoints() throws {
        let ledger = network.chain.ledger
        let statement = try #require(try export(.public).json["statement"]?.stringValue)
        #expect(throws: (any Error).self) { try SignedCheckpoint(parsing: statement) }
        let checkpoint = try ledger.checkpoint()
        #expect(throws: LedgerError.self) { try ledger.signStatement(checkpoint.note.text) }
        #expect(throws: LedgerError.self) { try ledger.signStatement("celltrace custody\nno format line\n") }
    }

    @Test("an earlier checkpoint the recipient kept is proved consistent with the bundle's")
    func consistencyWithAnEarlierCheckpoint() throws {
        let ledger = network.chain.ledger
        let size = try ledger.size
        let earlier = try ledger.checkpoint(atSize: size - 7)
        let bundle = try export(.legitimateInterest, since: [earlier])
        let report = try verify(bundle.bytes, since: earlier)
        #expect(report.consistentFrom == size - 7)
        let other = try ledger.checkpoint(atSize: size - 3)
        let failure = try #require(self.failure(bundle.bytes, since: other))
        #expect(failure.item == "consistency")

        // A malformed proof fails even in a bundle the ledger key signed again: an item that is no
        // hash, a hash in upper case, a proof listed twice.
        guard case .object(let members) = bundle.json, let listed = members["consistency"]?.arrayValue?.first,
            let hashes = listed["proof"]?.arrayValue, let hash = hashes.first?.stringValue
        else {
            Issue.record("no consistency proof in the bundle")
            return
        }
        var withJunk = listed
        Self.set(&withJunk, ["proof"], .array(hashes + ["zz"]))
        var upperCase = listed
        Self.set(&upperCase, ["proof", 0], .string(hash.uppercased()))
        for (consistency, expected) in [
            ([withJunk], "a proof hash is not 64 lower-case hex digits"),
            ([upperCase], "a proof hash is not 64 lower-case hex digits"),
            ([listed, listed], "listed twice"),
        ] {
            var changed = members
            changed["consistency"] = .array(consistency)
            changed["statement"] = nil
            let text = CustodyBundle.statementText(
                origin: ledger.origin,
                subject: serial,
                digest: SHA256.hash(JSONValue.object(changed).canonicalBytes)
            )
            changed["statement"] = .string(try ledger.signStatement(text).formatted)
            let failure = try #require(self.failure(JSONValue.object(changed).canonicalBytes + [0x0a], since: earlier))
            #expect(failure.item == "consistency" && failure.message.contains(expected), "\(failure)")
        }
    }

    @Test("a bundle opening the deepest sealed value the ledger keeps verifies, in both verifiers")
    func deepestSealedValueVerifies() throws {
        let ledger = try SmallLedger()
        // A facility's new coordinates are sealed as given: with a member of their own nested as
        // deep as an entry's body may nest, they are the deepest value the ledger seals, two levels
        // under an entry's own object.
        func location(depth: Int) -> JSONValue {
            var note: JSONValue = "bottom"
            for _ in 1..<depth { note = [note] }
            return ["latitude": "47.5", "longitude": "19.04", "note": note]
        }
        #expect(location(depth: Entry.maxDepth - 2).nestingDepth == Entry.maxDepth - 2)
        let reason = "surveyed again"
        let tooDeep = #expect(throws: LedgerError.self, "one level deeper, the body nests too deep") {
            try ledger.chain.amendFacility(
                SmallLedger.cellPlant,
                reason: reason,
                changes: ["location": location(depth: Entry.maxDepth - 1)]
            )
        }
        #expect(tooDeep?.message.contains(Ledger.nestedTooDeep) == true, "\(String(describing: tooDeep))")
        try ledger.chain.amendFacility(
            SmallLedger.cellPlant,
            reason: reason,
            changes: ["location": location(depth: Entry.maxDepth - 2)]
        )
        let bundle = try CustodyBundle.export(SmallLedger.cell, chain: ledger.chain, profile: .auditor)
        #expect(bundle.json.nestingDepth == Entry.maxDepth + 3, "the opening's value stands five levels down")
        #expect(bundle.json.nestingDepth == CustodyBundle.maxDepth)
        let report = try BundleVerifier(bytes: bundle.bytes, key: ledger.chain.ledger.verifierKey).verify()
        #expect(report.openings > 0 && report.withheld == 0)
        guard case .recomputed = report.footprint else {
            Issue.record("footprint not recomputed: \(report.footprint)")
            return
        }
        let directory = TemporaryDirectory()
        try Data(bundle.bytes).write(to: URL(fileURLWithPath: directory.path + "/bundle.json"))
        let (status, output) = try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/bundle.json",
            ledger.chain.ledger.verifierKey.text,
        ])
        #expect(status == 0, "\(output)")
    }

    @Test(
        "a facility amendment's coordinates are opened by the profiles that reveal them and both verifiers agree: an authority bundle that withholds them fails in both, even signed again"
    )
    func amendedCoordinatesAreClassedAlikeInBothVerifiers() throws {
        let ledger = try SmallLedger()
        let amended = try ledger.chain.amendFacility(
            SmallLedger.mineB,
            reason: "surveyed again",
            changes: ["location": ["latitude": "-23.65", "longitude": "-70.40"]]
        ).firstSequenceNumber
        let location = JSONPointer(tokens: ["location"])
        var authority: JSONValue = .null
        for profile in DisclosureProfile.allCases {
            let bundle = try CustodyBundle.export(SmallLedger.cell, chain: ledger.chain, profile: profile)
            let element = try #require(
                bundle.json["entries"]?.arrayValue?.first { $0["seq"] == .number(Double(amended)) },
                "the bundle carries the amendment"
            )
            let opened = element["openings"]?["/location"] != nil
            #expect(opened == profile.reveals(entryType: "facility.amend", pointer: location), "\(profile)")
            let verdicts = try Self.verdicts(bundle.bytes, by: ledger.chain)
            #expect(verdicts.swift == nil, "\(profile): \(String(describing: verdicts.swift))")
            #expect(verdicts.status == 0, "\(profile): \(verdicts.python)")
            if profile == .authority { authority = bundle.json }
        }
        // The authority profile reveals coordinates (they are not commercial): withheld, both refuse.
        let index = try #require(authority["entries"]?.arrayValue?.firstIndex { $0["seq"] == .number(Double(amended)) })
        let bytes = try Self.resigned(authority, by: ledger.chain, subject: SmallLedger.cell) { bundle in
            Self.set(&bundle, ["entries", index, "openings"], .object([:]))
            Self.set(&bundle, ["entries", index, "withheld"], ["/location": "coordinates"])
        }
        let expected = "the authority profile reveals this field (coordinates), yet the bundle withholds it"
        let verdicts = try Self.verdicts(bytes, by: ledger.chain)
        #expect(verdicts.swift?.description == "entry \(amended) withheld /location: " + expected)
        #expect(verdicts.status == 1, "\(verdicts.python)")
        #expect(verdicts.python.contains("entry \(amended) withheld /location: " + expected), "\(verdicts.python)")
    }

    /// An ore lot mined at mine B (CL) whose event states no activity data: a material default
    /// covers it.
    static let oreC = "urn:test:lot:ore-c"

    /// The worked example's ledger with two more tables.
    ///
    /// The second (an earlier table) gives `material:ore@CL` and `transport:sea`; the cell is
    /// shipped by id by sea, then its lot, and an ore lot no event accounts for is mined; then a
    /// third table (the later one) gives anew the cell plant's `grid:HU:location` and the mine's
    /// `fuel:diesel:MJ` of the first, and both rows of the second, each higher.
    ///
    /// - Returns: The ledger, and the entries of the second and third tables.
    static func ledgerWithLaterTable() throws -> (ledger: SmallLedger, second: UInt64, third: UInt64) {
        let ledger = try SmallLedger()
        let chain = ledger.chain
        func table(_ version: Int, _ factors: [JSONValue]) throws -> UInt64 {
            try chain.recordFactorTable([
                "id": "test-factors", "version": .number(Double(version)), "source": "hand-made for the tests",
                "year": 2025, "factors": .array(factors),
            ]).firstSequenceNumber
        }
        let second = try table(
            2,
            [
                ["category": "material", "name": "ore", "geography": "CL", "value": "0.5", "unit": "kgCO2e/kg"],
                ["category": "transport", "name": "sea", "value": "0.01", "unit": "kgCO2e/tkm"],
            ]
        )
        try chain.registerActor(
            ActorDraft(id: "packer", name: "Packer", role: .packMaker, publicKey: Ed25519PrivateKey().publicKey)
        )
        let events = [
            #"{"type":"ObjectEvent","eventTime":"\#(SmallLedger.day(5))","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","bizLocation":{"id":"\#(SmallLedger.cellPlant)"},"epcList":["\#(SmallLedger.cell)"],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:maker"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:packer"}],"ct:transport":[{"mode":"sea","distance":1000,"distanceUom":"KMT","mass":0.002,"massUom":"TNE"}]}"#,
            #"{"type":"ObjectEvent","eventTime":"\#(SmallLedger.day(5))","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","bizLocation":{"id":"\#(SmallLedger.cellPlant)"},"quantityList":[{"epcClass":"\#(SmallLedger.cells)","quantity":400,"uom":"KGM"}],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:maker"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:packer"}],"ct:transport":[{"mode":"sea","distance":1000,"distanceUom":"KMT","mass":0.4,"massUom":"TNE"}]}"#,
            #"{"type":"ObjectEvent","eventTime":"\#(SmallLedger.day(5))","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\#(SmallLedger.mineB)"},"quantityList":[{"epcClass":"\#(oreC)","quantity":300,"uom":"KGM"}],"ilmd":{"ct:material":"ore"}}"#,
        ]
        try chain.importSubmission(Array(events.joined(separator: "\n").utf8), actor: "maker", key: ledger.key)
        let third = try table(
            3,
            [
                ["category": "grid", "geography": "HU", "value": "0.4", "unit": "kgCO2e/kWh"],
                ["category": "fuel", "name": "diesel", "value": "0.09", "unit": "kgCO2e/MJ"],
                ["category": "material", "name": "ore", "geography": "CL", "value": "0.8", "unit": "kgCO2e/kg"],
                ["category": "transport", "name": "sea", "value": "0.02", "unit": "kgCO2e/tkm"],
            ]
        )
        return (ledger, second, third)
    }

    @Test(
        "a factor operand on an earlier table's row, where a later table the bundle carries gives its key anew, fails in both verifiers, even restated and signed again by the ledger key: a lot's part's, or a unit shipment's",
        arguments: [
            ("grid:HU:location", false), ("fuel:diesel:MJ", false), ("transport:sea", false),
            ("material:ore@CL", false), ("transport:sea", true),
        ]
    )
    func factorNotInForceFails(key: String, unitShipment: Bool) throws {
        let (ledger, second, third) = try Self.ledgerWithLaterTable()
        let chain = ledger.chain
        let subject = key.hasPrefix("material:") ? Self.oreC : SmallLedger.cell
        let bundle = try CustodyBundle.export(subject, chain: chain, profile: .legitimateInterest)
        // As exported, every factor is the row in force, the later table's for this key and the
        // first's for those no later table gives, and both verifiers take it.
        let exported = try Self.verdicts(bundle.bytes, by: chain)
        #expect(
            exported.swift == nil && exported.status == 0,
            "\(String(describing: exported.swift)) \(exported.python)"
        )
        let later = try chain.ledger.entry(at: third).body["factors"]?.arrayValue ?? []
        let laterKeys = Set(later.map(Recompute.factorKey))
        let operands = Self.factorOperands(bundle.json)
        #expect(operands.contains { $0["key"]?.stringValue == key })
        for operand in operands {
            let inLater = laterKeys.contains(operand["key"]?.stringValue ?? "")
            #expect(inLater == (operand["entry"] == .number(Double(third))), "\(operand.canonicalString)")
        }
        // A sender with the ledger key cites the earlier, lower row, restates the figures and signs again.
        let firstTable = try #require(
            bundle.json["entries"]?.arrayValue?.first {
                $0["canonical"]?.stringValue?.contains(#""type":"factors.table""#) == true
            }?["seq"]?.doubleValue
        )
        let earlier = key.hasPrefix("grid:") || key.hasPrefix("fuel:") ? UInt64(firstTable) : second
        let bytes = try Self.resigned(bundle.json, by: chain, subject: subject) { json in
            try Self.cite(key, of: earlier, by: chain, in: &json, unitShipments: unitShipment)
        }
        let row = try #require(later.firstIndex { Recompute.factorKey(of: $0) == key })
        let value = try #require(later[row]["value"]?.stringValue)
        let asOfSize = try #require(bundle.json["footprint"]?["asOfSize"]?.doubleValue)
        let expected =
            "is not the row in force: entry \(third) /factors/\(row), recorded after it and before asOfSize \(Int(asOfSize)), gives \(key) as \(value)"
        let verdicts = try Self.verdicts(bytes, by: chain)
        let failure = try #require(verdicts.swift, "an earlier table's \(key) verified")
        if unitShipment {
            // The cell's own shipment by id: its transport term, on the earlier table.
            let shipment = try #require(
                bundle.json["footprint"]?["working"]?["unitShipments"]?.arrayValue?.first?["entry"]?.doubleValue
            )
            #expect(failure.item == "footprint unit shipment", "\(failure)")
            #expect(
                failure.message.hasPrefix(
                    "the transport term of the shipment of \(SmallLedger.cell) (entry \(Int(shipment))) takes \(key) from "
                        + "entry \(earlier) /factors/"
                ),
                "\(failure)"
            )
        } else {
            #expect(failure.item.hasPrefix("footprint lot "), "\(failure)")
        }
        #expect(failure.message.contains("takes \(key) from entry \(earlier) /factors/"), "\(failure)")
        #expect(failure.message.contains(expected), "\(failure)")
        #expect(verdicts.status == 1, "\(verdicts.python)")
        #expect(verdicts.python.contains("(entry \(earlier) /factors/"), "\(verdicts.python)")
        #expect(verdicts.python.contains(expected), "\(verdicts.python)")
    }

    /// Every factor operand of a bundle's working (those with a `key`).
    static func factorOperands(_ bundle: JSONValue) -> [JSONValue] {
        var operands: [JSONValue] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if members["key"] != nil, members["at"] != nil { operands.append(value) }
                members.values.forEach(collect)
            case .array(let elements): elements.forEach(collect)
            default: break
            }
        }
        collect(bundle["footprint"]?["working"] ?? .null)
        return operands
    }

    /// Moves the working's factor operands of `key` to the row of `table` that gives it, as a
    /// dishonest sender would: each term's kg CO2e and each contribution restated by method, the
    /// total their sum, and the table's entry carried with its inclusion proof when the bundle does
    /// not carry it.
    static func cite(
        _ key: String,
        of table: UInt64,
        by chain: SupplyChainLedger,
        in bundle: inout JSONValue,
        unitShipments: Bool = false
    ) throws {
        let entry = try chain.ledger.entry(at: table)
        let rows = entry.body["factors"]?.arrayValue ?? []
        let index = try #require(rows.firstIndex { Recompute.factorKey(of: $0) == key })
        let value = try #require(rows[index]["value"]?.stringValue.flatMap { Double($0) })
        var entries = bundle["entries"]?.arrayValue ?? []
        if !entries.contains(where: { $0["seq"] == .number(Double(table)) }) {
            let treeSize = UInt64(try #require(bundle["treeSize"]?.doubleValue))
            let proof = try chain.ledger.inclusionProofs(forEntriesAt: [table], treeSize: treeSize)[0]
            entries.append([
                "seq": .number(Double(table)),
                "canonical": .string(String(decoding: entry.canonicalBytes, as: UTF8.self)),
                "proof": .array(proof.map { .string($0.hex) }), "openings": .object([:]), "withheld": .object([:]),
            ])
            entries.sort { ($0["seq"]?.doubleValue ?? 0) < ($1["seq"]?.doubleValue ?? 0) }
            set(&bundle, ["entries"], .array(entries))
        }
        // The operand moved to the row, and how much larger its base becomes.
        func moved(_ operand: JSONValue) -> (JSONValue, Double)? {
            guard operand["key"]?.stringValue == key, var members = operand.objectValue,
                let base = operand["base"]?.doubleValue
            else { return nil }
            let moved = value * (operand["scale"]?.doubleValue ?? 1)
            members["entry"] = .number(Double(table))
            members["at"] = .string("/factors/\(index)/value")
            members["base"] = .number(moved)
            return (.object(members), moved / base)
        }
        let methods = ["location-based", "market-based", "eu-draft"]
        // "kind lot entry" → method → how much larger the part's emissions become.
        var scales: [String: [String: Double]] = [:]
        // The parts of the lots, or the unit shipments (`unit-shipment` contributions, by unit).
        var parts: [(path: [any Sendable], name: String, part: JSONValue)] = []
        if unitShipments {
            for (index, step) in (bundle["footprint"]?["working"]?["unitShipments"]?.arrayValue ?? []).enumerated() {
                let name =
                    "unit-shipment \(step["lot"]?.stringValue ?? "") \(step["entry"]?.doubleValue ?? -1)"
                parts.append((["footprint", "working", "unitShipments", index], name, step))
            }
        } else {
            for (lotIndex, lot) in (bundle["footprint"]?["working"]?["lots"]?.arrayValue ?? []).enumerated() {
                for (partIndex, part) in (lot["parts"]?.arrayValue ?? []).enumerated() {
                    let name =
                        "\(part["kind"]?.stringValue ?? "") \(lot["lot"]?.stringValue ?? "") \(part["entry"]?.doubleValue ?? -1)"
                    parts.append((["footprint", "working", "lots", lotIndex, "parts", partIndex], name, part))
                }
            }
        }
        for (path, name, part) in parts {
            if let factor = part["factor"], let (operand, ratio) = moved(factor) {
                set(&bundle, path + ["factor"], operand)
                scales[name] = Dictionary(uniqueKeysWithValues: methods.map { ($0, ratio) })
            }
            var before: [String: Double] = [:]
            var after: [String: Double] = [:]
            for (termIndex, term) in (part["terms"]?.arrayValue ?? []).enumerated() {
                let kg = term["kgCO2e"]?.doubleValue ?? 0
                var now = kg
                if let factor = term["factor"], let (operand, ratio) = moved(factor) {
                    now = kg * ratio
                    set(&bundle, path + ["terms", termIndex, "factor"], operand)
                    set(&bundle, path + ["terms", termIndex, "kgCO2e"], .number(now))
                }
                for method in methods where term["method"] == "all" || term["method"] == .string(method) {
                    before[method, default: 0] += kg
                    after[method, default: 0] += now
                }
            }
            if after != before {
                var scale: [String: Double] = [:]
                for (method, kg) in before where kg != 0 { scale[method] = (after[method] ?? 0) / kg }
                scales[name] = scale
            }
        }
        try #require(!scales.isEmpty, "no factor operand of \(key)")
        restate(
            &bundle,
            byMethod: { contribution in
                let name =
                    "\(contribution["kind"]?.stringValue ?? "") \(contribution["lot"]?.stringValue ?? "") \(contribution["entry"]?.doubleValue ?? -1)"
                return scales[name] ?? [:]
            }
        )
    }

    // MARK: Shipments of cells, modules and packs by id

    static let shippedModule = "urn:test:module:1"
    static let shippedPack = "urn:test:pack:1"
    static let shippedCell = "urn:test:cell:P10"

    /// The small ledger with a module of cells P1 and P2 in a pack with P3, and one shipment of the
    /// pack and of cell P10 by epcList with a road leg: 500 km × 0.008 t × 0.1 kg CO2e/tkm = 0.4 kg
    /// CO2e over the pack's 6 kg and the cell's 2 kg, 0.3 for the pack and 0.1 for the cell.
    static func shippedUnits() throws -> SmallLedger {
        let ledger = try SmallLedger()
        try ledger.addDealerAndRoadFactor()
        let plant = SmallLedger.cellPlant
        let events = [
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\#(plant)"},"parentID":"\#(shippedModule)","childEPCs":["urn:test:cell:P1","urn:test:cell:P2"]}"#,
            #"{"type":"AggregationEvent","eventTime":"2026-01-05T09:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\#(plant)"},"parentID":"\#(shippedPack)","childEPCs":["\#(shippedModule)","urn:test:cell:P3"]}"#,
            #"{"type":"ObjectEvent","eventTime":"2026-01-06T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","bizLocation":{"id":"\#(plant)"},"epcList":["\#(shippedPack)","\#(shippedCell)"],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:maker"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:dealer"}],"ct:transport":[{"mode":"road","distance":500,"distanceUom":"KMT","mass":0.008,"massUom":"TNE"}]}"#,
        ]
        for event in events { try ledger.chain.importSubmission(Array(event.utf8), actor: "maker", key: ledger.key) }
        return ledger
    }

    /// Runs `tools/verify_bundle.py` on `bytes` against `chain`'s key.
    private static func python(_ bytes: [UInt8], _ chain: SupplyChainLedger) throws -> (status: Int32, output: String) {
        let directory = TemporaryDirectory()
        try Data(bytes).write(to: URL(fileURLWithPath: directory.path + "/bundle.json"))
        return try runProcess([
            "python3", toolPath("verify_bundle.py"), directory.path + "/bundle.json", chain.ledger.verifierKey.text,
        ])
    }

    @Test(
        "bundles of a shipped pack and a shipped cell verify in both verifiers, each unit's share of the leg recomputed from the entries"
    )
    func unitShipmentsVerify() throws {
        let ledger = try Self.shippedUnits()
        for (subject, distribution) in [(Self.shippedPack, 0.3), (Self.shippedCell, 0.1)] {
            for profile in [DisclosureProfile.legitimateInterest, .auditor] {
                let bundle = try CustodyBundle.export(subject, chain: ledger.chain, profile: profile)
                #expect(close(bundle.scope.footprint.total[.locationBased, .distribution], distribution), "\(subject)")
                let step = try #require(bundle.json["footprint"]?["working"]?["unitShipments"]?.arrayValue?.first)
                #expect(step["units"]?.arrayValue?.compactMap { $0["kg"]?.doubleValue } == [6, 2])
                #expect(close(try #require(step["share"]?.doubleValue), distribution / 0.4))
                let report = try BundleVerifier(bytes: bundle.bytes, key: ledger.chain.ledger.verifierKey).verify()
                guard case .recomputed = report.footprint else {
                    Issue.record("\(subject) \(profile): footprint not recomputed: \(report.footprint)")
                    continue
                }
                let (status, output) = try Self.python(bundle.bytes, ledger.chain)
                #expect(status == 0 && output.contains("; footprint recomputed\n"), "\(subject) \(profile): \(output)")
            }
        }
        // The cell's bundle carries the pack's assembly entries: the pack's mass is what shares the leg.
        let cell = try CustodyBundle.export(Self.shippedCell, chain: ledger.chain, profile: .legitimateInterest)
        let carried = cell.json["entries"]?.arrayValue?.compactMap { $0["canonical"]?.stringValue } ?? []
        #expect(carried.contains { $0.contains(#""parentID":"\#(Self.shippedPack)""#) })
    }

    /// A dishonest sender's change to a unit shipment's working, the contribution and totals
    /// restated to match, signed again with the ledger key.
    enum UnitShipmentForgery: String, CaseIterable, Sendable {
        /// The unit's share raised from 3/4 to 9/10.
        case share
        /// The leg's distance stated as 5000 km, not the entry's 500.
        case distance
    }

    @Test(
        "a bundle whose unit's share or leg distance is changed fails in both verifiers",
        arguments: UnitShipmentForgery.allCases
    )
    func forgedUnitShipmentFails(_ forgery: UnitShipmentForgery) throws {
        let ledger = try Self.shippedUnits()
        let bundle = try CustodyBundle.export(Self.shippedPack, chain: ledger.chain, profile: .legitimateInterest)
        var json = bundle.json
        let scale: Double
        let expected: (swift: String, python: String)
        switch forgery {
        case .share:
            scale = 0.9 / 0.75
            Self.set(&json, ["footprint", "working", "unitShipments", 0, "share"], 0.9)
            expected = (
                "share 0.9 stated, the units' masses give 0.75", "share 0.9 stated, the units' masses give 0.75"
            )
        case .distance:
            scale = 10
            let path: [any Sendable] = ["footprint", "working", "unitShipments", 0, "terms", 0]
            Self.set(&json, path + ["amount", 0, "base"], 5000)
            Self.set(&json, path + ["kgCO2e"], .number(0.4 * scale))
            expected = ("gives 500.0, the bundle states 5000.0", "the field gives 500, not base 5000")
        }
        Self.restate(&json) { $0["kind"] == "unit-shipment" ? scale : 1 }
        guard case .object(var members) = json else { return }
        members["statement"] = nil
        let text = CustodyBundle.statementText(
            origin: ledger.chain.ledger.origin,
            subject: Self.shippedPack,
            digest: SHA256.hash(JSONValue.object(members).canonicalBytes)
        )
        members["statement"] = .string(try ledger.chain.ledger.signStatement(text).formatted)
        let bytes = JSONValue.object(members).canonicalBytes + [0x0a]
        let failure = try #require(
            throws: BundleVerifier.Failure.self,
            "\(forgery) verified"
        ) { try BundleVerifier(bytes: bytes, key: ledger.chain.ledger.verifierKey).verify() }
        #expect(failure.message.contains(expected.swift), "\(forgery): \(failure)")
        let (status, output) = try Self.python(bytes, ledger.chain)
        #expect(status == 1 && output.contains(expected.python), "\(forgery): \(output)")
    }

    private func failure(_ bytes: [UInt8], since: SignedCheckpoint) -> BundleVerifier.Failure? {
        do {
            _ = try verify(bytes, since: since)
            return nil
        } catch let failure as BundleVerifier.Failure {
            return failure
        } catch {
            return BundleVerifier.Failure(item: "bundle", message: "\(error)")
        }
    }

    /// Sets a value at a path of object keys and array indexes.
    static func set(_ value: inout JSONValue, _ path: [any Sendable], _ newValue: JSONValue) {
        guard let head = path.first else {
            value = newValue
            return
        }
        let rest = Array(path.dropFirst())
        switch (value, head) {
        case (.object(var members), let key as String):
            var child = members[key] ?? .null
            set(&child, rest, newValue)
            members[key] = child
            value = .object(members)
        case (.array(var elements), let index as Int) where elements.indices.contains(index):
            set(&elements[index], rest, newValue)
            value = .array(elements)
        default:
            break
        }
    }
}

/// A change a dishonest sender, who holds the ledger key, could make to a bundle's working: each
/// is internally consistent as far as it goes, and each must fail in both verifiers.
enum UnsupportedWorking: String, CaseIterable, Sendable {
    /// An input's operand that also carries a value and a rule, as if a constant.
    case operandAsConstant
    /// A lot that reaches the subject left out of the working.
    case dropWorkingLot
    /// A lot made by a process said to count nothing upstream (`none`).
    case countsNone
    /// A process term's amount taken from another event.
    case amountOfOtherEntry
    /// A term under a method that is none of the three.
    case unknownTermMethod
    /// A shipment's moved quantity that is not among its shipped ones.
    case movedNotShipped
    /// `single` allocation for an event with several outputs.
    case singleOfSeveralOutputs
    /// A contribution's primary flag turned over.
    case primaryFlipped
    /// Two inputs' operands swapped: each on the other lot's quantity.
    case swappedInputs
    /// A factor operand that names another factor's key.
    case factorKeyRelabelled
    /// A field an auditor's profile reveals, listed withheld.
    case auditorWithholds
    /// A shipped quantity listed twice.
    case shippedPadded
    /// A fuel term of the event left out.
    case fuelTermDropped
    /// A grid factor replaced by a constant 0.
    case factorConstantZero
    /// The footprint said to be of the ledger at size 1, before the entries its figures come from.
    case asOfBeforeItsEntries
    /// An input lot that feeds nothing else cut out of the trace with its part and contribution,
    /// the total restated: the event that made the lot still lists it.
    case inputBranchPruned
    /// The usable energy doubled, halving the figure per kWh.
    case usableKWhDoubled
    /// The lifetime energy doubled.
    case lifetimeKWhDoubled
    /// The battery model's entry left unnamed.
    case modelEntryDropped
    /// A lot's country changed from its facility's.
    case countryChanged
    /// A lot's material changed from the one its event states.
    case materialChanged
    /// The registration of the facility that made a lot left out of the bundle.
    case facilityRegisterDropped
    /// A material default pointed at another material's row of the same factor table, its
    /// contribution and the total restated: material and country stay as the entries give them.
    case defaultFactorOfAnotherRow

    /// The working's lots, as arrays of members.
    private static func lots(_ bundle: JSONValue) -> [JSONValue] {
        bundle["footprint"]?["working"]?["lots"]?.arrayValue ?? []
    }

    /// The first (lot, part) of the working that satisfies `matches`.
    private static func part(_ bundle: JSONValue, _ matches: (JSONValue) -> Bool) -> (Int, Int) {
        for (lot, element) in lots(bundle).enumerated() {
            if let part = (element["parts"]?.arrayValue ?? []).firstIndex(where: matches) { return (lot, part) }
        }
        return (-1, -1)
    }

    private static func shipment(_ bundle: JSONValue) -> (Int, Int) {
        part(bundle) { $0["kind"] == "shipment" }
    }

    private static func fuelTerm(_ bundle: JSONValue) -> (Int, Int, Int) {
        let (lot, part) = part(bundle) { part in
            part["kind"] == "process" && (part["terms"]?.arrayValue ?? []).contains { $0["what"] == "fuel" }
        }
        let terms = lots(bundle)[lot]["parts"]?.arrayValue?[part]["terms"]?.arrayValue ?? []
        return (lot, part, terms.firstIndex { $0["what"] == "fuel" } ?? -1)
    }

    /// Two process parts whose first terms' first amounts stand at the same pointer of their events.
    private static func twoProcesses(_ bundle: JSONValue) -> (first: Int, second: Int) {
        let lots = lots(bundle)
        func at(_ lot: Int) -> String? {
            let part = lots[lot]["parts"]?.arrayValue?.first
            guard part?["kind"] == "process" else { return nil }
            return part?["terms"]?.arrayValue?.first?["amount"]?.arrayValue?.first?["at"]?.stringValue
        }
        for first in lots.indices {
            for second in lots.indices where second != first && at(first) != nil && at(first) == at(second) {
                return (first, second)
            }
        }
        return (-1, -1)
    }

    private static func inputs(_ bundle: JSONValue) -> Int {
        (bundle["trace"]?["lots"]?.arrayValue ?? []).firstIndex { ($0["inputs"]?.arrayValue?.count ?? 0) >= 2 } ?? -1
    }

    func apply(to bundle: inout JSONValue) {
        let set = CustodyBundleTests.set
        switch self {
        case .operandAsConstant:
            let lot = Self.inputs(bundle)
            let operand = bundle["trace"]?["lots"]?.arrayValue?[lot]["inputs"]?.arrayValue?[0]["kg"] ?? .null
            set(
                &bundle,
                ["trace", "lots", lot, "inputs", 0, "kg"],
                ["entry": operand["entry"] ?? .null, "at": operand["at"] ?? .null, "value": 100, "rule": "measured"]
            )
        case .dropWorkingLot:
            set(&bundle, ["footprint", "working", "lots"], .array(Self.lots(bundle).filter { $0["counts"] != "none" }))
        case .countsNone:
            let lot = Self.part(bundle) { $0["kind"] == "process" }.0
            set(&bundle, ["footprint", "working", "lots", lot, "counts"], "none")
        case .amountOfOtherEntry:
            let (first, second) = Self.twoProcesses(bundle)
            let term = Self.lots(bundle)[second]["parts"]?.arrayValue?[0]["terms"]?.arrayValue?[0]
            let path: [any Sendable] = ["footprint", "working", "lots", first, "parts", 0, "terms", 0, "amount", 0]
            set(&bundle, path, term?["amount"]?.arrayValue?[0] ?? .null)
        case .unknownTermMethod:
            let (lot, part, term) = Self.fuelTerm(bundle)
            set(&bundle, ["footprint", "working", "lots", lot, "parts", part, "terms", term, "method"], "none")
        case .movedNotShipped:
            let (lot, part) = Self.shipment(bundle)
            let path: [any Sendable] = ["footprint", "working", "lots", lot, "parts", part, "moved"]
            let base = Self.lots(bundle)[lot]["parts"]?.arrayValue?[part]["moved"]?["base"]?.doubleValue ?? 0
            set(&bundle, path + ["scale"], 0.1)
            set(&bundle, path + ["base"], .number(base * 0.1))
        case .singleOfSeveralOutputs:
            let (lot, part) = Self.part(bundle) { $0["allocation"]?["method"] == "mass" }
            set(&bundle, ["footprint", "working", "lots", lot, "parts", part, "allocation", "method"], "single")
        case .primaryFlipped:
            let primary = bundle["footprint"]?["contributions"]?.arrayValue?[0]["primary"]?.boolValue ?? false
            set(&bundle, ["footprint", "contributions", 0, "primary"], .bool(!primary))
        case .swappedInputs:
            let lot = Self.inputs(bundle)
            let inputs = bundle["trace"]?["lots"]?.arrayValue?[lot]["inputs"]?.arrayValue ?? []
            set(&bundle, ["trace", "lots", lot, "inputs", 0, "kg"], inputs[1]["kg"] ?? .null)
            set(&bundle, ["trace", "lots", lot, "inputs", 1, "kg"], inputs[0]["kg"] ?? .null)
        case .factorKeyRelabelled:
            let (lot, part, term) = Self.fuelTerm(bundle)
            set(
                &bundle,
                ["footprint", "working", "lots", lot, "parts", part, "terms", term, "factor", "key"],
                "grid:XX"
            )
        case .auditorWithholds:
            let entries = bundle["entries"]?.arrayValue ?? []
            guard
                let index = entries.firstIndex(where: { entry in
                    entry["openings"]?.objectValue?.keys.contains { $0.hasSuffix("uantityList/0/quantity") } == true
                }),
                var openings = entries[index]["openings"]?.objectValue,
                let pointer = openings.keys.first(where: { $0.hasSuffix("uantityList/0/quantity") })
            else { return }
            openings.removeValue(forKey: pointer)
            set(&bundle, ["entries", index, "openings"], .object(openings))
            set(&bundle, ["entries", index, "withheld"], [pointer: "quantity"])
        case .shippedPadded:
            let (lot, part) = Self.shipment(bundle)
            let path: [any Sendable] = ["footprint", "working", "lots", lot, "parts", part, "shipped"]
            let shipped = Self.lots(bundle)[lot]["parts"]?.arrayValue?[part]["shipped"]?.arrayValue ?? []
            set(&bundle, path, .array(shipped + shipped))
        case .fuelTermDropped:
            let (lot, part, term) = Self.fuelTerm(bundle)
            var terms = Self.lots(bundle)[lot]["parts"]?.arrayValue?[part]["terms"]?.arrayValue ?? []
            terms.remove(at: term)
            set(&bundle, ["footprint", "working", "lots", lot, "parts", part, "terms"], .array(terms))
        case .factorConstantZero:
            let (lot, part) = Self.part(bundle) { $0["terms"]?.arrayValue?.first?["what"] == "electricity" }
            let path: [any Sendable] = ["footprint", "working", "lots", lot, "parts", part, "terms", 0]
            set(&bundle, path + ["factor"], ["value": 0, "rule": "renewable"])
            set(&bundle, path + ["kgCO2e"], 0)
        case .asOfBeforeItsEntries:
            set(&bundle, ["footprint", "asOfSize"], 1)
        case .inputBranchPruned:
            Self.pruneInputBranch(&bundle)
        case .usableKWhDoubled:
            set(
                &bundle,
                ["footprint", "usableKWh"],
                .number(2 * (bundle["footprint"]?["usableKWh"]?.doubleValue ?? 0))
            )
        case .lifetimeKWhDoubled:
            let lifetime = bundle["footprint"]?["lifetimeKWh"]?.doubleValue ?? 0
            set(&bundle, ["footprint", "lifetimeKWh"], .number(2 * lifetime))
        case .modelEntryDropped:
            var footprint = bundle["footprint"]?.objectValue ?? [:]
            footprint["modelEntry"] = nil
            set(&bundle, ["footprint"], .object(footprint))
        case .countryChanged:
            set(&bundle, ["trace", "lots", Self.lotWith("country", bundle), "country"], "XX")
        case .materialChanged:
            set(&bundle, ["trace", "lots", Self.lotWith("material", bundle), "material"], "not-a-material")
        case .facilityRegisterDropped:
            let facility = Self.facility(bundle)
            let entries = (bundle["entries"]?.arrayValue ?? []).filter { element in
                let entry = element["canonical"]?.stringValue.flatMap { try? JSONValue(parsing: Array($0.utf8)) }
                return !(entry?["type"] == "facility.register" && entry?["body"]?["id"]?.stringValue == facility)
            }
            set(&bundle, ["entries"], .array(entries))
        case .defaultFactorOfAnotherRow:
            let (lot, part) = Self.part(bundle) { $0["kind"] == "default" }
            let factor = Self.lots(bundle)[lot]["parts"]?.arrayValue?[part]["factor"] ?? .null
            let rows = Self.body(bundle, entry: factor["entry"])?["factors"]?.arrayValue ?? []
            let old = rows.first { Recompute.factorKey(of: $0) == factor["key"]?.stringValue }
            guard
                let index = rows.firstIndex(where: {
                    $0["category"] == "material" && Recompute.factorKey(of: $0) != factor["key"]?.stringValue
                }),
                let from = old.flatMap({ value($0["value"]) }), let to = value(rows[index]["value"])
            else { return }
            let path: [any Sendable] = ["footprint", "working", "lots", lot, "parts", part, "factor"]
            set(&bundle, path + ["at"], .string("/factors/\(index)/value"))
            set(&bundle, path + ["key"], .string(Recompute.factorKey(of: rows[index])))
            if factor["base"] != nil { set(&bundle, path + ["base"], .number(to)) }
            let id = Self.lots(bundle)[lot]["lot"]
            CustodyBundleTests.restate(&bundle) { contribution in
                contribution["kind"] == "default" && contribution["lot"] == id ? to / from : 1
            }
        }
    }

    /// The body of the bundle's entry `entry`.
    private static func body(_ bundle: JSONValue, entry: JSONValue?) -> JSONValue? {
        let element = (bundle["entries"]?.arrayValue ?? []).first { $0["seq"] == entry }
        let canonical = element?["canonical"]?.stringValue.flatMap { try? JSONValue(parsing: Array($0.utf8)) }
        return canonical?["body"]
    }

    /// The key the changed material default names.
    private static func otherMaterialKey(_ bundle: JSONValue) -> String {
        var changed = bundle
        UnsupportedWorking.defaultFactorOfAnotherRow.apply(to: &changed)
        let (lot, part) = Self.part(changed) { $0["kind"] == "default" }
        return Self.lots(changed)[lot]["parts"]?.arrayValue?[part]["factor"]?["key"]?.stringValue ?? ""
    }

    /// The first trace lot that states `member`.
    private static func lotWith(_ member: String, _ bundle: JSONValue) -> Int {
        (bundle["trace"]?["lots"]?.arrayValue ?? []).firstIndex { $0[member] != nil } ?? -1
    }

    /// The facility of the first trace lot that states a country.
    private static func facility(_ bundle: JSONValue) -> String {
        bundle["trace"]?["lots"]?.arrayValue?[lotWith("country", bundle)]["facility"]?.stringValue ?? ""
    }

    /// The lot whose input is cut, and the input: a lot with several inputs, one of which has no
    /// inputs of its own and feeds no other lot.
    static func prunedBranch(_ bundle: JSONValue) -> (lot: String, input: String) {
        let lots = bundle["trace"]?["lots"]?.arrayValue ?? []
        var uses: [String: Int] = [:]
        for lot in lots {
            for input in lot["inputs"]?.arrayValue ?? [] { uses[input["lot"]?.stringValue ?? "", default: 0] += 1 }
        }
        let leaves = Set(
            lots.filter { $0["inputs"]?.arrayValue?.isEmpty == true }.compactMap { $0["lot"]?.stringValue }
        )
        for lot in lots where (lot["inputs"]?.arrayValue?.count ?? 0) >= 2 {
            let inputs = (lot["inputs"]?.arrayValue ?? []).compactMap { $0["lot"]?.stringValue }
            if let input = inputs.first(where: { leaves.contains($0) && uses[$0] == 1 }) {
                return (lot["lot"]?.stringValue ?? "", input)
            }
        }
        return ("", "")
    }

    /// Cuts ``prunedBranch(_:)``'s input out of the trace, the working and the contributions, and
    /// restates the total without its contributions.
    private static func pruneInputBranch(_ bundle: inout JSONValue) {
        let (lot, input) = prunedBranch(bundle)
        let set = CustodyBundleTests.set
        let lots = (bundle["trace"]?["lots"]?.arrayValue ?? []).compactMap { element -> JSONValue? in
            guard element["lot"]?.stringValue != input, var members = element.objectValue else { return nil }
            if element["lot"]?.stringValue == lot {
                members["inputs"] = .array(
                    (element["inputs"]?.arrayValue ?? []).filter { $0["lot"]?.stringValue != input }
                )
            }
            return .object(members)
        }
        set(&bundle, ["trace", "lots"], .array(lots))
        set(
            &bundle,
            ["footprint", "working", "lots"],
            .array(Self.lots(bundle).filter { $0["lot"]?.stringValue != input })
        )
        var total = bundle["footprint"]?["total"] ?? .null
        var kept: [JSONValue] = []
        for contribution in bundle["footprint"]?["contributions"]?.arrayValue ?? [] {
            guard contribution["lot"]?.stringValue == input, let stage = contribution["stage"]?.stringValue else {
                kept.append(contribution)
                continue
            }
            for (method, value) in contribution["kgCO2e"]?.objectValue ?? [:] {
                let sum = total[method]?[stage]?.doubleValue ?? 0
                set(&total, [method, stage], .number(sum - (value.doubleValue ?? 0)))
            }
        }
        set(&bundle, ["footprint", "contributions"], .array(kept))
        set(&bundle, ["footprint", "total"], total)
    }

    /// What each verifier's message says.
    func expected(_ bundle: JSONValue) -> (swift: String, python: String) {
        switch self {
        case .operandAsConstant: ("an operand does not have: rule, value", "has unknown ['rule', 'value']")
        case .dropWorkingLot: Self.both("the lot reaches the subject, but the working has no parts for it")
        case .countsNone: Self.both("counts is not process, no-data or none, with its one part and shipments")
        case .amountOfOtherEntry:
            Self.both("is not a field of entry \(Self.entry(bundle, lot: Self.twoProcesses(bundle).first))")
        case .unknownTermMethod: Self.both("unknown method")
        case .movedNotShipped: Self.both("moved is not among shipped")
        case .singleOfSeveralOutputs: Self.both("single allocation, but the event has several outputs")
        case .primaryFlipped: Self.both("stage, primary or lot differs from the working")
        case .swappedInputs: ("/epcClass is ", "is the quantity of ")
        case .factorKeyRelabelled: Self.both("the factor's key is \"grid:XX\", but ")
        case .auditorWithholds:
            Self.both("the auditor profile reveals this field (quantity), yet the bundle withholds it")
        case .shippedPadded: Self.both("shipped is not the quantities of every element of entry ")
        case .asOfBeforeItsEntries: Self.both("is not before the footprint's asOfSize 1")
        case .fuelTermDropped:
            Self.both(
                "the terms are not those of entry \(Self.entry(bundle, lot: Self.fuelTerm(bundle).0))'s activity data"
            )
        case .factorConstantZero:
            ("term's factor is a constant, {\"rule\":\"renewable\",\"value\":0}", "the factor is a constant, 0")
        case .inputBranchPruned:
            Self.both("lists input \(Self.prunedBranch(bundle).input) (/inputQuantityList/")
        case .usableKWhDoubled: Self.both("usableKWh ")
        case .lifetimeKWhDoubled: Self.both("lifetimeKWh ")
        case .modelEntryDropped:
            Self.both("(entry none) stated; the cells' commissioning entries and the model.register")
        case .countryChanged: Self.both("country \"XX\" stated, facility \(Self.facility(bundle)) is in ")
        case .materialChanged: Self.both("material \"not-a-material\" stated, entry ")
        case .facilityRegisterDropped:
            Self.both("the bundle carries no facility.register entry of \(Self.facility(bundle))")
        case .defaultFactorOfAnotherRow:
            Self.both("the default factor is \(Self.otherMaterialKey(bundle)), but the lot's material ")
        }
    }

    private static func both(_ message: String) -> (swift: String, python: String) { (message, message) }

    /// The entry of the first part of a working lot.
    private static func entry(_ bundle: JSONValue, lot: Int) -> Int {
        Int(lots(bundle)[lot]["parts"]?.arrayValue?.first?["entry"]?.doubleValue ?? -1)
    }
}
