import LedgerCore
import SupplyChain
import Testing

/// A facility that changes hands: `facility.transfer` entries, authorisation before and after,
/// the operator in force for each entry, and the rebuilt indexes.
@Suite("Facility transfers")
struct FacilityTransferTests {
    @Test("after a transfer only the new operator records events at the facility; earlier lots keep their operator")
    func newOperatorRecordsEvents() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Events.extract("urn:epc:class:lgtin:9300001.000011.BEFORE")], as: "pilbara-mining")
        let receipt = try fixture.chain.transferFacility(
            Events.mine,
            to: "sichuan-lithium",
            reason: "sold on 2026-06-30"
        )
        let transferredAt = receipt.firstSequenceNumber
        #expect(try fixture.chain.ledger.entry(at: transferredAt).type == "facility.transfer")

        let refused = try fixture.rejection(
            [Events.extract("urn:epc:class:lgtin:9300001.000011.AFTER")],
            as: "pilbara-mining"
        )
        expectProblems(
            refused,
            [
                (
                    0, "/bizLocation/id",
                    "facility \(Events.mine) was transferred from pilbara-mining to sichuan-lithium at entry \(transferredAt) and is operated by sichuan-lithium; pilbara-mining may not record events there since"
                )
            ]
        )
        try fixture.accept([Events.extract("urn:epc:class:lgtin:9300001.000011.AFTER")], as: "sichuan-lithium")

        let facility = try #require(try fixture.chain.facility(Events.mine))
        #expect(facility.operatorID == "sichuan-lithium")
        #expect(
            facility.transfers
                == [
                    FacilityTransfer(
                        from: "pilbara-mining",
                        to: "sichuan-lithium",
                        at: transferredAt,
                        reason: "sold on 2026-06-30"
                    )
                ]
        )
        let before = try #require(try fixture.chain.lot("urn:epc:class:lgtin:9300001.000011.BEFORE")).lot
        let after = try #require(try fixture.chain.lot("urn:epc:class:lgtin:9300001.000011.AFTER")).lot
        #expect(facility.operatorID(at: before.createdAt) == "pilbara-mining")
        #expect(facility.operatorID(at: after.createdAt) == "sichuan-lithium")

        // Transferred back: the history keeps both changes, in order.
        let back = try fixture.chain.transferFacility(Events.mine, to: "pilbara-mining").firstSequenceNumber
        let twice = try #require(try fixture.chain.facility(Events.mine))
        #expect(twice.transfers.map(\.to) == ["sichuan-lithium", "pilbara-mining"])
        #expect(twice.operatorID(at: before.createdAt) == "pilbara-mining")
        #expect(twice.operatorID(at: after.createdAt) == "sichuan-lithium")
        #expect(twice.operatorID(at: back + 1) == "pilbara-mining")

        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit)")
    }

    @Test("a transfer to an unregistered actor, of an unknown facility, or to the operator it has writes nothing")
    func refusedTransfers() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        func refusal(_ id: String, to actor: String) throws -> SupplyChainError {
            try #require(throws: SupplyChainError.self) { try fixture.chain.transferFacility(id, to: actor) }
        }

        let unknownActor = try refusal(Events.mine, to: "ganfeng")
        #expect(unknownActor.problems.map(\.field) == ["/operator"])
        #expect(
            unknownActor.problems.first?.message
                == "no actor ganfeng is registered; add it with `celltrace actor add`"
        )
        let unknownFacility = try refusal("urn:epc:id:sgln:9300001.00099.0", to: "sichuan-lithium")
        #expect(unknownFacility.problems.map(\.field) == ["/id"])
        #expect(unknownFacility.problems.first?.message == "no facility urn:epc:id:sgln:9300001.00099.0 is registered")
        let otherForm = try refusal(GS1FormsTests.mineLink, to: "sichuan-lithium")
        #expect(
            otherForm.problems.first?.message
                == "no facility \(GS1FormsTests.mineLink) is registered; the same GLN is registered as \(Events.mine)"
        )
        let same = try refusal(Events.mine, to: "pilbara-mining")
        #expect(same.problems.first?.message == "facility \(Events.mine) is already operated by pilbara-mining")
        #expect(try fixture.chain.ledger.size == size, "a refused transfer writes nothing")
        #expect(try fixture.chain.facility(Events.mine)?.transfers.isEmpty == true)
    }
}
