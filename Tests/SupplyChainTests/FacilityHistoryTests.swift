import LedgerCore
import SupplyChain
import Testing

/// A facility that changes hands (`facility.transfer`: authorisation before and after, the operator
/// in force for each entry) or whose master data is corrected (`facility.amend`: the record as of
/// each size), and the indexes rebuilt from both.
@Suite("Facility transfers and amendments")
struct FacilityHistoryTests {
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

    @Test("after a transfer the former operator still declares its own events at the facility in error")
    func formerOperatorDeclaresInError() throws {
        let fixture = try ChainFixture()
        let mistake = "urn:epc:class:lgtin:9300001.000011.MISTAKE"
        try fixture.accept([Events.extract(mistake)], as: "pilbara-mining")
        try fixture.chain.transferFacility(Events.mine, to: "sichuan-lithium")
        try fixture.accept([try Events.declaredInError(Events.extract(mistake))], as: "pilbara-mining")
        #expect(try fixture.chain.lot(mistake)?.lot.retractedAt != nil)
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

    @Test("an amendment corrects the record from its entry on; as of a size before, the record is as it was")
    func amendmentCorrectsTheRecord() throws {
        let fixture = try ChainFixture()
        let refinery = Events.refinery
        let before = try fixture.chain.ledger.size
        let first = try fixture.chain.amendFacility(
            refinery,
            reason: "on the Sichuan grid, not the national one",
            changes: ["gridRegion": "CN-SC", "riskFlags": ["high-risk", "high-risk"], "name": "Sichuan LiOH"]
        ).firstSequenceNumber
        let second = try fixture.chain.amendFacility(
            refinery,
            reason: "not flagged after the audit",
            changes: ["riskFlags": .null, "kind": "refinery"]
        ).firstSequenceNumber
        let now = try #require(try fixture.chain.facility(refinery))
        #expect(now.gridRegion == "CN-SC" && now.name == "Sichuan LiOH" && now.riskFlags.isEmpty)
        #expect(now.amendments.map(\.at) == [first, second])
        #expect(
            now.amendments.first?.changes == [
                FacilityAmendment.Change(field: "name", before: .null, after: "Sichuan LiOH"),
                FacilityAmendment.Change(field: "gridRegion", before: .null, after: "CN-SC"),
                FacilityAmendment.Change(field: "riskFlags", before: .null, after: ["high-risk"]),
            ]
        )
        #expect(
            now.amendments.last?.changes == [
                FacilityAmendment.Change(field: "riskFlags", before: ["high-risk"], after: .null)
            ],
            "the kind it already had is no change"
        )
        let original = now.asOf(before)
        #expect(original.gridRegion == nil && original.name == nil && original.riskFlags.isEmpty)
        #expect(original.amendments.isEmpty)
        let between = now.asOf(second)
        #expect(between.gridRegion == "CN-SC" && between.riskFlags == ["high-risk"])
        #expect(now.asOf(second + 1) == now)

        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit)")
    }

    @Test("an amendment of an unknown field, to a value registration refuses, or that changes nothing writes nothing")
    func refusedAmendments() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        func problems(_ changes: [String: JSONValue], id: String = Events.refinery) throws -> [String] {
            let error = try #require(throws: SupplyChainError.self) {
                try fixture.chain.amendFacility(id, reason: "a test", changes: changes)
            }
            return error.problems.map { "\($0.field): \($0.message)" }
        }
        #expect(
            try problems(["operator": "cathode-co"])
                == [
                    "/operator: is not a field a facility amendment changes: a new operator is recorded with `celltrace facility transfer`"
                ]
        )
        #expect(
            try problems(["location": ["latitude": "91", "longitude": "2"]])
                == ["/location/latitude: must be between -90 and 90 degrees (got 91)"]
        )
        #expect(
            try problems(["location": "-21.0,118.9"])
                == ["/location: must be an object of latitude and longitude, or null to clear it"]
        )
        #expect(
            try problems(["location": ["latitude": "-21.0393", "longitude": "118.8987"]], id: Events.mine)
                == ["/id: the amendment changes nothing: every field it gives has that value already"]
        )
        #expect(try problems(["kind": .null]) == ["/kind: cannot be cleared: a facility always has a kind"])
        #expect(try problems(["kind": "smelter"]).first?.hasPrefix("/kind: must be one of mine, refinery") == true)
        #expect(
            try problems(["country": "UK"]) == [
                "/country: UK is reserved in ISO 3166-1, not assigned: the United Kingdom is GB"
            ]
        )
        #expect(
            try problems(["country": "VN"])
                == ["/country: subdivision CN-SC is not one of VN: amend the subdivision with the country"]
        )
        #expect(
            try problems(["riskFlags": ["risky"]]) == [
                "/riskFlags/0: must be one of conflict-affected, high-risk, artisanal"
            ]
        )
        #expect(
            try problems(["subdivision": "CN-SC", "kind": "refinery"])
                == ["/id: the amendment changes nothing: every field it gives has that value already"]
        )
        #expect(
            try problems(["name": "X"], id: "urn:test:nowhere") == ["/id: no facility urn:test:nowhere is registered"]
        )
        #expect(try fixture.chain.ledger.size == size, "a refused amendment writes nothing")

        // A country corrected with its subdivision is one change of both.
        try fixture.chain.amendFacility(
            Events.refinery,
            reason: "a test",
            changes: ["country": "VN", "subdivision": .null]
        )
        let moved = try #require(try fixture.chain.facility(Events.refinery))
        #expect(moved.country == "VN" && moved.subdivision == nil)
    }

    @Test("new coordinates are sealed in the amendment's entry as at registration; as of a size before, the old ones")
    func amendedCoordinatesAreSealed() throws {
        let fixture = try ChainFixture()
        let receipt = try fixture.chain.amendFacility(
            Events.mine,
            reason: "surveyed again",
            changes: ["location": ["latitude": "-21.0401", "longitude": "118.9002"]]
        )
        let at = receipt.firstSequenceNumber
        let facility = try #require(try fixture.chain.facility(Events.mine))
        #expect(facility.location?.latitude == "-21.0401" && facility.location?.longitude == "118.9002")
        #expect(facility.asOf(at).location?.latitude == "-21.0393", "as registered, before the amendment")
        #expect(facility.amendments.first?.changes.map(\.field) == ["location"])

        // The entry holds a commitment, not the coordinates; the opening beside it reveals them.
        let entry = try fixture.chain.ledger.entry(at: at)
        let pointer = JSONPointer(tokens: ["location"])
        #expect(entry.commitments[pointer] != nil)
        let canonical = String(decoding: entry.canonicalBytes, as: UTF8.self)
        #expect(!canonical.contains("-21.0401"), "the coordinates are not in the hashed entry")
        let opening = try #require(try fixture.chain.ledger.openings(forEntryAt: at)[pointer])
        #expect(opening.value["latitude"] == "-21.0401")

        // Cleared, nothing is sealed; the record has no coordinates from then on.
        let cleared = try fixture.chain.amendFacility(Events.mine, reason: "withdrawn", changes: ["location": .null])
        #expect(try fixture.chain.ledger.entry(at: cleared.firstSequenceNumber).commitments.isEmpty)
        #expect(try fixture.chain.facility(Events.mine)?.location == nil)
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }
}
