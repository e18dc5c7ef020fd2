import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

/// The receipt rule: what the shipments of a lot brought to a receiver is received once, and no
/// earlier than it was shipped.
@Suite("Receipts against shipments")
struct ReceiptTests {
    /// A ledger where pilbara-mining extracted 100 t of ORE and shipped 60 t of it to
    /// sichuan-lithium on 2026-01-08 at 02:00 UTC.
    static func shipped() throws -> ChainFixture {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("ORE")], as: "pilbara-mining")
        try fixture.accept([Events.ship("ORE", 60, from: Events.miner, to: Events.refiner)], as: "pilbara-mining")
        return fixture
    }

    @Test("a shipment received twice is refused, naming the receipt before, and nothing is written")
    func receivedTwice() throws {
        let fixture = try Self.shipped()
        let first = Events.receive("ORE", 60, time: "2026-01-09T10:00:00+08:00")
        try fixture.accept([first], as: "sichuan-lithium")
        let entry = try fixture.chain.ledger.size - 1
        let again = try fixture.rejection(
            [Events.receive("ORE", 60, time: "2026-01-10T10:00:00+08:00")],
            as: "sichuan-lithium"
        )
        expectProblems(
            again,
            [
                (
                    0, "/quantityList/0/quantity",
                    "sichuan-lithium would have received 120000 kg of lot ORE by 2026-01-10T02:00:00.000Z with this "
                        + "receipt's 60000 kg, but only 60000 kg was shipped to it by then; received before: entry \(entry) "
                        + "(60000 kg at 2026-01-09T02:00:00.000Z) (custody rule: a shipment is received once)"
                )
            ]
        )
        // Within one submission: the earlier receipt is named by its place in it.
        let split = try Self.shipped()
        let twice = try split.rejection(
            [
                Events.receive("ORE", 35, time: "2026-01-09T10:00:00+08:00"),
                Events.receive("ORE", 35, time: "2026-01-09T11:00:00+08:00"),
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            twice,
            [
                (
                    1, "/quantityList/0/quantity",
                    "would have received 70000 kg of lot ORE by 2026-01-09T03:00:00.000Z with this receipt's 35000 kg, "
                        + "but only 60000 kg was shipped to it by then; received before: event 0 of this submission "
                        + "(35000 kg at 2026-01-09T02:00:00.000Z)"
                )
            ]
        )
        // Receipts of parts of it pass, up to all of it.
        try split.accept(
            [
                Events.receive("ORE", 35, time: "2026-01-09T10:00:00+08:00"),
                Events.receive("ORE", 25, time: "2026-01-09T11:00:00+08:00"),
            ],
            as: "sichuan-lithium"
        )
        let received = try #require(try split.chain.lot("ORE")).custody.filter { $0.kind == .received }
        #expect(received.compactMap { $0.kg?.description } == ["35000", "25000"])
        let whole = try #require(try split.chain.lot("ORE")).receipts
        #expect(whole.map { "\($0.actor) \($0.shippedKg) \($0.receivedKg)" } == ["sichuan-lithium 60000 60000"])
        try ChainTests.expectCleanAudit(split.chain, submissions: 3)
        // Of many receipts before, the latest three are named.
        let many = try Self.shipped()
        try many.accept(
            (0..<6).map { Events.receive("ORE", 10, time: "2026-01-09T1\($0):00:00+08:00") },
            as: "sichuan-lithium"
        )
        let latest = try many.chain.ledger.size - 1
        let seventh = try many.rejection(
            [Events.receive("ORE", 10, time: "2026-01-10T10:00:00+08:00")],
            as: "sichuan-lithium"
        )
        expectProblems(
            seventh,
            [
                (
                    0, "/quantityList/0/quantity",
                    "received before: 3 receipts, then entry \(latest - 2) (10000 kg at 2026-01-09T05:00:00.000Z), "
                        + "entry \(latest - 1) (10000 kg at 2026-01-09T06:00:00.000Z), "
                        + "entry \(latest) (10000 kg at 2026-01-09T07:00:00.000Z) (custody rule"
                )
            ]
        )
    }

    @Test("a receipt dated before the shipment that brought it is refused, though an earlier one brought some")
    func receivedBeforeShipped() throws {
        let fixture = try Self.shipped()
        try fixture.accept([Events.receive("ORE", 60, time: "2026-01-09T10:00:00+08:00")], as: "sichuan-lithium")
        try fixture.accept(
            [Events.ship("ORE", 40, from: Events.miner, to: Events.refiner, time: "2026-01-20T10:00:00+08:00")],
            as: "pilbara-mining"
        )
        // Received since the first arrival, so the custody-in-time rule lets it by; not by the second shipment.
        let early = try fixture.rejection(
            [Events.receive("ORE", 40, time: "2026-01-15T10:00:00+08:00")],
            as: "sichuan-lithium"
        )
        expectProblems(
            early,
            [
                (
                    0, "/quantityList/0/quantity",
                    "sichuan-lithium would have received 100000 kg of lot ORE by 2026-01-15T02:00:00.000Z with this "
                        + "receipt's 40000 kg, but only 60000 kg was shipped to it by then"
                )
            ]
        )
        // A receipt dated before one already recorded is weighed at that one's time too.
        let backdated = try Self.shipped()
        try backdated.accept([Events.receive("ORE", 60, time: "2026-01-25T10:00:00+08:00")], as: "sichuan-lithium")
        let before = try backdated.rejection(
            [Events.receive("ORE", 10, time: "2026-01-12T10:00:00+08:00")],
            as: "sichuan-lithium"
        )
        expectProblems(
            before,
            [
                (
                    0, "/quantityList/0/quantity",
                    "would have received 70000 kg of lot ORE by 2026-01-25T02:00:00.000Z with this receipt's 10000 kg"
                )
            ]
        )
        // The same within one submission, the later receipt first.
        let reversed = try Self.shipped().rejection(
            [
                Events.receive("ORE", 30, time: "2026-01-12T10:00:00+08:00"),
                Events.receive("ORE", 40, time: "2026-01-10T10:00:00+08:00"),
            ],
            as: "sichuan-lithium"
        )
        expectProblems(
            reversed,
            [
                (
                    1, "/quantityList/0/quantity",
                    "would have received 70000 kg of lot ORE by 2026-01-12T02:00:00.000Z with this receipt's 40000 kg, "
                        + "but only 60000 kg was shipped to it by then; received before: event 0 of this submission "
                        + "(30000 kg at 2026-01-12T02:00:00.000Z)"
                )
            ]
        )
        #expect(
            try fixture.accept([Events.receive("ORE", 40, time: "2026-01-20T10:00:00+08:00")], as: "sichuan-lithium")
                .written == 1,
            "received at the time it was shipped"
        )
        try ChainTests.expectCleanAudit(fixture.chain, submissions: 5)
    }

    @Test(
        "receipts and shipments declared in error: a receipt in error is received again; a shipment its receipts need stays"
    )
    func corrections() throws {
        let fixture = try Self.shipped()
        let receipt = Events.receive("ORE", 60, time: "2026-01-09T10:00:00+08:00")
        try fixture.accept([receipt], as: "sichuan-lithium")
        try fixture.accept([try Events.declaredInError(receipt)], as: "sichuan-lithium")
        let again = Events.receive("ORE", 60, time: "2026-01-10T10:00:00+08:00")
        try fixture.accept([again], as: "sichuan-lithium")
        let againEntry = try fixture.chain.ledger.size - 1
        // A second shipment, and a receipt of it: that shipment cannot be withdrawn while the
        // receipt stands.
        let second = Events.ship("ORE", 40, from: Events.miner, to: Events.refiner, time: "2026-01-20T10:00:00+08:00")
        try fixture.accept([second], as: "pilbara-mining")
        let secondReceipt = Events.receive("ORE", 40, time: "2026-01-21T10:00:00+08:00")
        try fixture.accept([secondReceipt], as: "sichuan-lithium")
        let receipts = try fixture.chain.ledger.size - 1
        let withdrawn = try fixture.rejection([try Events.declaredInError(second)], as: "pilbara-mining")
        expectProblems(
            withdrawn,
            [
                (
                    0, "/errorDeclaration",
                    "declaring this shipment in error leaves sichuan-lithium with 100000 kg of lot ORE received by "
                        + "2026-01-21T02:00:00.000Z and only 60000 kg shipped to it by then: entry \(againEntry) "
                        + "(60000 kg at 2026-01-10T02:00:00.000Z), entry \(receipts) (40000 kg at 2026-01-21T02:00:00.000Z); "
                        + "declare receipts in error first (custody rule: a shipment is received once)"
                )
            ]
        )
        let both = try #require(try fixture.chain.lot("ORE")).receipts
        #expect(both.map { "\($0.actor) \($0.shippedKg) \($0.receivedKg)" } == ["sichuan-lithium 100000 100000"])
        try fixture.accept([try Events.declaredInError(secondReceipt)], as: "sichuan-lithium")
        try fixture.accept([try Events.declaredInError(second)], as: "pilbara-mining")
        // What was declared in error counts for nothing: one shipment and one receipt of it stand.
        let standing = try #require(try fixture.chain.lot("ORE")).receipts
        #expect(standing.map { "\($0.actor) \($0.shippedKg) \($0.receivedKg)" } == ["sichuan-lithium 60000 60000"])
        try ChainTests.expectCleanAudit(fixture.chain, submissions: 9)
    }

    @Test("a receipt in one document is weighed by the next, in a dry run and in an import of several")
    func acrossDocuments() throws {
        let fixture = try Self.shipped()
        let documents = [
            Array(Events.receive("ORE", 40, time: "2026-01-09T10:00:00+08:00").utf8),
            Array(Events.receive("ORE", 40, time: "2026-01-10T10:00:00+08:00").utf8),
        ]
        for dryRun in [true, false] {
            var reports: [ImportReport] = []
            let error = try #require(throws: SupplyChainError.self) {
                try fixture.chain.importSubmissions(
                    count: documents.count,
                    actor: "sichuan-lithium",
                    key: try fixture.key("sichuan-lithium"),
                    dryRun: dryRun,
                    document: { documents[$0] },
                    imported: { _, report in reports.append(report) }
                )
            }
            #expect(reports.map(\.written) == [1], "dry run: \(dryRun)")
            expectProblems(
                error,
                [(0, "/quantityList/0/quantity", "would have received 80000 kg of lot ORE by 2026-01-10T02:00:00.000Z")]
            )
        }
    }
}
