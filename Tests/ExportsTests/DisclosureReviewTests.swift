import Carbon
import Exports
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

@Suite("Disclosure review: which recorded exports a later entry changed")
struct DisclosureReviewTests {
    /// Records an export of `subject` as of the ledger's size (or `size`), as `export` does after
    /// writing the file.
    @discardableResult
    static func disclose(
        _ subject: String,
        format: String = "custody",
        to recipient: String = "OEM Europe GmbH",
        _ ledger: SmallLedger,
        size: UInt64? = nil
    ) throws -> UInt64 {
        try ledger.chain.recordDisclosure(
            Disclosure(
                recipient: recipient,
                profile: "legitimate-interest",
                format: format,
                subject: subject,
                asOfSize: try size ?? ledger.chain.ledger.size,
                sha256: String(repeating: "ab", count: 32),
                byteCount: 100
            )
        ).firstSequenceNumber
    }

    static let declaration =
        "X@\(SmallLedger.cellPlant) 2026-01-01T00:00:00Z/2026-01-31T00:00:00Z"

    @Test(
        "an amended grid region: the cell's, its lot's and the declaration's exports are footprint-changed, naming the amendment"
    )
    func amendmentChangesTheFootprint() throws {
        let ledger = try SmallLedger()
        let exported = try ledger.chain.ledger.size
        let cellExport = try Self.disclose(SmallLedger.cell, ledger)
        try Self.disclose(SmallLedger.cells, format: "epcis", ledger, size: exported)
        try Self.disclose(Self.declaration, format: "pact-3.0.3", to: "Notified body", ledger, size: exported)

        let before = try DisclosureReview.review(chain: ledger.chain)
        #expect(before.items.map(\.status) == [.current, .current, .current])
        #expect(before.items.allSatisfy { $0.changes.isEmpty })
        let cell = try #require(before.items.first)
        #expect(cell.subject == SmallLedger.cell && cell.asOfSize == exported)
        #expect(cell.disclosures.map(\.sequenceNumber) == [cellExport])
        #expect(abs((cell.then?.kgCO2e[.locationBased] ?? 0) - 1.14) < 1e-9, "SmallLedger's worked example")
        #expect(abs((cell.then?.perKWh[.euDraft] ?? 0) - 3.19 / 216) < 1e-9)
        #expect(cell.then?.perKWhBasis == "lifetime")
        #expect(before.items[2].then?.cells == 100, "the declaration counts the 100 cells")

        let amended = try ledger.chain.amendFacility(
            SmallLedger.mineB,
            reason: "on the AU-WA grid",
            changes: ["gridRegion": "AU-WA"]
        ).firstSequenceNumber
        let after = try DisclosureReview.review(chain: ledger.chain)
        #expect(after.items.map(\.status) == [.footprintChanged, .footprintChanged, .footprintChanged])
        let changed = after.items[0]
        // Mine B's 50 kWh at AU-WA's 0.5 rather than CL's 0.3: 10 kg on ore B, 80 % of it in the
        // hydroxide, all of that in the cell lot, 1/200 of it in the cell.
        #expect(abs((changed.now?.kgCO2e[.locationBased] ?? 0) - (1.14 + 10 * 0.8 / 200)) < 1e-9)
        #expect(changed.then == cell.then, "the export's own figures are as they were")
        #expect(
            changed.changes == [
                DisclosureReview.Change(
                    sequenceNumber: amended,
                    type: SupplyChainLedger.EntryType.facilityAmend,
                    summary: "facility \(SmallLedger.mineB) amended (gridRegion): on the AU-WA grid"
                )
            ]
        )
        #expect(after.items[1].changes.map(\.sequenceNumber) == [amended])
        #expect(after.items[2].now?.cells == 100 && after.items[2].then != after.items[2].now)

        // Compared with the ledger before the amendment, every export is current.
        let then = try DisclosureReview.review(chain: ledger.chain, asOf: .size(amended))
        #expect(then.size == amended && then.items.map(\.status) == [.current, .current, .current])
        // Only one recipient's.
        let notified = try DisclosureReview.review(chain: ledger.chain, recipient: "Notified body")
        #expect(notified.items.map(\.subject) == [Self.declaration])

        // The cell's export issued again from the ledger now: the old one is reissued, naming it.
        let again = try Self.disclose(SmallLedger.cell, ledger)
        let reissued = try DisclosureReview.review(chain: ledger.chain)
        #expect(reissued.items.map(\.status) == [.reissued, .footprintChanged, .footprintChanged, .current])
        #expect(reissued.items[0].reissuedBy == [cellExport: again])
    }

    @Test(
        "a lot declared in error and made again: footprint-changed, naming the declaration and the corrective event; one not made again is withdrawn; a certificate changes the lineage only"
    )
    func correctionsOfLots() throws {
        let ledger = try SmallLedger()
        func making(_ lot: String, kWh: Int, eventID: String? = nil) -> String {
            #"{"type":"ObjectEvent","eventTime":"2026-01-05T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"urn:test:facility:mine-a"},"quantityList":[{"epcClass":"\#(lot)","quantity":500,"uom":"KGM"}],"ilmd":{"ct:material":"ore"},"ct:electricity":[{"quantity":\#(kWh),"uom":"KWH","supply":"grid"}]"#
                + (eventID.map { #","eventID":"\#($0)""# } ?? "")
        }
        let error =
            #","errorDeclaration":{"declarationTime":"2026-01-06T08:00:00Z","reason":"incorrect_data","correctiveEventIDs":["urn:uuid:c0ffee00-0000-4000-8000-000000000001"]}}"#
        let withdrawn = #","errorDeclaration":{"declarationTime":"2026-01-06T08:00:00Z","reason":"did_not_occur"}}"#
        func submit(_ lines: [String]) throws {
            try ledger.chain.importSubmission(
                Array(lines.joined(separator: "\n").utf8),
                actor: "maker",
                key: ledger.key
            )
        }
        try submit([making("urn:test:lot:ore-c", kWh: 10) + "}", making("urn:test:lot:ore-d", kWh: 10) + "}"])
        let made = try ledger.chain.ledger.size - 2
        try Self.disclose("urn:test:lot:ore-c", ledger)
        try Self.disclose("urn:test:lot:ore-d", ledger)
        try Self.disclose(SmallLedger.byproduct, format: "epcis", ledger)

        let certified =
            #"{"type":"ObjectEvent","eventTime":"2026-01-05T09:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"inspecting","quantityList":[{"epcClass":"urn:test:lot:lioh-2","quantity":100,"uom":"KGM"}],"certificationInfo":"urn:test:cert:lioh-2"}"#
        try submit([
            making("urn:test:lot:ore-c", kWh: 10) + error,
            making("urn:test:lot:ore-c", kWh: 20, eventID: "urn:uuid:c0ffee00-0000-4000-8000-000000000001") + "}",
            making("urn:test:lot:ore-d", kWh: 10) + withdrawn,
            certified,
        ])
        let declared = try ledger.chain.ledger.size - 4

        let review = try DisclosureReview.review(chain: ledger.chain)
        #expect(review.items.map(\.status) == [.footprintChanged, .withdrawn, .lineageChanged])
        // Made again with 20 kWh rather than 10, at AU-WA's 0.5 kg CO2e/kWh.
        let corrected = review.items[0]
        #expect(corrected.then?.kgCO2e[.locationBased] == 5 && corrected.now?.kgCO2e[.locationBased] == 10)
        #expect(corrected.then?.perKWh.isEmpty == true, "a lot has no kWh")
        #expect(
            corrected.changes.map(\.summary) == [
                "declares event \(try eventID(made)) (#\(made)) in error: incorrect_data",
                "corrective ObjectEvent urn:uuid:c0ffee00-0000-4000-8000-000000000001, for \(try eventID(made)) (declared in error at #\(declared))",
            ]
        )
        #expect(corrected.changes.map(\.sequenceNumber) == [declared, declared + 1])
        let gone = review.items[1]
        #expect(gone.now == nil && gone.then?.kgCO2e[.locationBased] == 5)
        #expect(gone.reason?.contains("declared in error") == true, "\(gone.reason ?? "")")
        #expect(
            gone.changes.map(\.summary) == [
                "declares event \(try eventID(made + 1)) (#\(made + 1)) in error: did_not_occur"
            ]
        )
        // The by-product's figures are the same; the certificate recorded since is on its lineage.
        let byproduct = review.items[2]
        #expect(byproduct.then == byproduct.now)
        #expect(byproduct.changes.map(\.sequenceNumber) == [declared + 3])
        #expect(byproduct.changes.first?.summary.hasPrefix("ObjectEvent (inspecting) ") == true, "\(byproduct.changes)")

        func eventID(_ sequence: UInt64) throws -> String {
            try ledger.chain.ledger.entry(at: sequence).body["eventID"]?.stringValue ?? "?"
        }
    }

    @Test(
        "a commissioning declared in error: the cell's export is withdrawn with its figures then, the declaration that counted only those cells is withdrawn too"
    )
    func commissioningDeclaredInError() throws {
        let ledger = try SmallLedger()
        let exported = try ledger.chain.ledger.size
        try Self.disclose(SmallLedger.cell, ledger)
        try Self.disclose(Self.declaration, format: "pact-3.0.3", to: "Notified body", ledger)
        guard let commissioning = SmallLedger.events.last, commissioning.hasSuffix("}") else { return }
        let declared =
            commissioning.dropLast()
            + #","errorDeclaration":{"declarationTime":"2026-01-06T08:00:00Z","reason":"incorrect_data"}}"#
        try ledger.chain.importSubmission(Array(declared.utf8), actor: "maker", key: ledger.key)

        let review = try DisclosureReview.review(chain: ledger.chain)
        #expect(review.items.map(\.subject) == [SmallLedger.cell, Self.declaration])
        let cell = review.items[0]
        #expect(cell.status == .withdrawn, "\(cell.reason ?? "")")
        // The footprint as of the export: the range that left `sc.serials` is read where it went.
        #expect(abs((cell.then?.kgCO2e[.locationBased] ?? 0) - 1.14) < 1e-9)
        #expect(cell.now == nil)
        // The declaration's entry: after the two exports and its submission.
        #expect(cell.changes.map(\.sequenceNumber) == [exported + 3])
        let declaration = review.items[1]
        #expect(declaration.then?.cells == 100)
        // It counted no other cells, so there is no declaration now.
        #expect(declaration.status == .withdrawn && declaration.now == nil, "\(declaration.status)")
    }

    @Test(
        "an attestation recorded after an export changes its evidence, not its figures: lineage-changed, naming it; withdrawn again, current"
    )
    func attestationChangesTheEvidence() throws {
        let ledger = try SmallLedger()
        let exported = try ledger.chain.ledger.size
        try Self.disclose(SmallLedger.cell, format: "pact-3.0.3", ledger)
        try Self.disclose(Self.declaration, format: "pact-3.0.3", ledger, size: exported)
        // The same cell's events, exported as EPCIS: they state no verification.
        let events = try Self.disclose(SmallLedger.cell, format: "epcis", ledger)
        let auditor = Ed25519PrivateKey()
        try ledger.registerVerifier(auditor)
        let attestation = try ledger.attest([5...12], .reasonable, key: auditor)
        let review = try DisclosureReview.review(chain: ledger.chain)
        let eventsItem = try #require(review.items.first { $0.disclosures.contains { $0.sequenceNumber == events } })
        #expect(eventsItem.status == .current && eventsItem.changes.isEmpty, "\(eventsItem)")
        let after = review.items.filter { $0.disclosures.allSatisfy { $0.format.hasPrefix("pact") } }
        #expect(after.map(\.status) == [.lineageChanged, .lineageChanged])
        let change = DisclosureReview.Change(
            sequenceNumber: attestation,
            type: SupplyChainLedger.EntryType.attestation,
            summary: "attestation by verifier (ISO 14067:2018, reasonable assurance) covers its data"
        )
        #expect(after[0].changes == [change])
        #expect(after[1].changes == [change])
        #expect(after[0].then?.kgCO2e == after[0].now?.kgCO2e, "the figures are as they were")
        #expect(after[0].then?.verifiedShare[.locationBased] == 0)
        #expect((after[0].now?.verifiedShare[.locationBased] ?? 0) > 0, "the share verified is not")
        // Withdrawn: the ledger now says what it said when the exports left.
        try ledger.chain.withdrawAttestation(
            attestation,
            verifier: "verifier",
            reason: "scope typed wrongly",
            key: auditor
        )
        #expect(try DisclosureReview.review(chain: ledger.chain).items.map(\.status) == [.current, .current, .current])
    }

    @Test("a declaration's export subject reads back; other subjects are not declarations")
    func declarationSubject() throws {
        let subject = try #require(DeclarationSubject(Self.declaration))
        #expect(subject.model == "X" && subject.plant == SmallLedger.cellPlant)
        #expect(subject.from == Timestamp(rfc3339: "2026-01-01T00:00:00.000Z"))
        #expect(DeclarationSubject(SmallLedger.cell) == nil)
        #expect(DeclarationSubject("X@plant 2026-01-01/2026-02-01") == nil, "dates without a time are no export's")
    }
}
