import LedgerCore
import Testing

@testable import SupplyChain

/// An EPC URN and a GS1 Digital Link name the same lot, serial or location: what the ledger has in
/// one form cannot be made, commissioned or registered again in the other, and a reference in the
/// other form is told the form the ledger has.
@Suite("GS1 forms: a lot, serial range or facility is one thing whether written as an EPC URN or a Digital Link")
struct GS1FormsTests {
    @Test("each form gives the other: one Digital Link from a URN, a URN per company-prefix length from a Digital Link")
    func otherForms() {
        #expect(
            GS1Forms.ofLot("urn:epc:class:lgtin:9300001.000011.SC6-2601")
                == ["https://id.gs1.org/01/09300001000117/10/SC6-2601"]
        )
        let lots = GS1Forms.ofLot("https://brand.example/01/09300001000117/10/SC6-2601")
        #expect(lots.count == 7)
        #expect(lots.contains("urn:epc:class:lgtin:9300001.000011.SC6-2601"))
        #expect(lots.allSatisfy { GS1Forms.ofLot($0) == ["https://id.gs1.org/01/09300001000117/10/SC6-2601"] })

        #expect(
            GS1Forms.ofSerialPrefix("urn:epc:id:sgtin:4012345.011111.") == ["https://id.gs1.org/01/04012345111118/21/"]
        )
        #expect(
            GS1Forms.ofSerialPrefix("https://id.gs1.org/01/04012345111118/21/").contains(
                "urn:epc:id:sgtin:4012345.011111."
            )
        )

        #expect(GS1Forms.ofLocation("urn:epc:id:sgln:9300001.00001.0") == ["https://id.gs1.org/414/9300001000018"])
        #expect(GS1Forms.ofLocation("https://id.gs1.org/414/9300001000018").contains("urn:epc:id:sgln:9300001.00001.0"))
        #expect(
            GS1Forms.ofLocation("https://id.gs1.org/414/9300001000018/254/7").contains(
                "urn:epc:id:sgln:9300001.00001.7"
            )
        )

        // A module's or pack's own GIAI or SSCC.
        #expect(GS1Forms.ofUnitKey("urn:epc:id:giai:4000001.MOD-3") == ["https://id.gs1.org/8004/4000001MOD-3"])
        let assets = GS1Forms.ofUnitKey("https://id.gs1.org/8004/4000001MOD-3")
        #expect(assets.contains("urn:epc:id:giai:4000001.MOD-3"))
        #expect(assets.allSatisfy { GS1Forms.ofUnitKey($0) == ["https://id.gs1.org/8004/4000001MOD-3"] })
        #expect(
            GS1Forms.ofUnitKey("urn:epc:id:sscc:5990001.0000000001") == ["https://id.gs1.org/00/059900010000000015"]
        )
        #expect(
            GS1Forms.ofUnitKey("https://id.gs1.org/00/059900010000000015").contains(
                "urn:epc:id:sscc:5990001.0000000001"
            )
        )
        #expect(GS1Forms.ofUnitKey("https://id.gs1.org/00/059900010000000012").isEmpty, "a wrong check digit")
        #expect(GS1Forms.ofUnitKey("urn:celltrace:pack:1").isEmpty)

        // Not GS1 keys, or not whole: no other form.
        #expect(GS1Forms.ofLot("urn:celltrace:lot:cells-nmc811-0225").isEmpty)
        #expect(GS1Forms.ofLot("https://id.gs1.org/01/09300001000113/10/SC6-2601").isEmpty, "a wrong check digit")
        #expect(GS1Forms.ofLocation("urn:celltrace:facility:cell-plant").isEmpty)
    }

    static let mine = "urn:epc:id:sgln:9300001.00001.0"
    static let mineLink = "https://id.gs1.org/414/9300001000018"
    static let ore = "urn:epc:class:lgtin:9300001.000011.SC6-2601"
    static let oreLink = "https://id.gs1.org/01/09300001000117/10/SC6-2601"

    static func extraction(_ lot: String, tonnes: Double = 100, at location: String = mine) -> String {
        Events.json([
            "type": "ObjectEvent", "eventTime": "2026-01-05T06:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "ADD", "bizLocation": ["id": .string(location)], "quantityList": [Events.quantity(lot, tonnes)],
            "ilmd": ["ct:material": "spodumene-concentrate"],
        ])
    }

    @Test(
        "a lot made in one form is not made again in the other, in either order, in the ledger or the same submission"
    )
    func lotNotMadeTwice() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Self.extraction(Self.ore)], as: "pilbara-mining")
        let again = try fixture.rejection([Self.extraction(Self.oreLink, tonnes: 50)], as: "pilbara-mining")
        expectProblems(
            again,
            [
                (
                    0, "/quantityList/0/epcClass",
                    "lot \(Self.oreLink) is lot \(Self.ore), already made: the same GS1 lot in another form"
                )
            ]
        )

        let linked = "https://id.gs1.org/01/09300001000117/10/SC6-2700"
        let urn = "urn:epc:class:lgtin:9300001.000011.SC6-2700"
        let both = try fixture.rejection(
            [Self.extraction(linked), Self.extraction(urn, tonnes: 50)],
            as: "pilbara-mining"
        )
        expectProblems(both, [(1, "/quantityList/0/epcClass", "lot \(urn) is lot \(linked), already made")])
        try fixture.accept([Self.extraction(linked)], as: "pilbara-mining")
        let later = try fixture.rejection([Self.extraction(urn, tonnes: 50)], as: "pilbara-mining")
        expectProblems(later, [(0, "/quantityList/0/epcClass", "lot \(urn) is lot \(linked), already made")])
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test("a lot number with percent escapes has its other form too, in either direction")
    func escapedLotsHaveTheirOtherForm() throws {
        // The URN keeps the EPC alphabet's escapes (`%26` is `&`, `%2F` is `/`) as the link does.
        let urn = "urn:epc:class:lgtin:9300001.000011.LOT-A%2F1%26B"
        let link = "https://id.gs1.org/01/09300001000117/10/LOT-A%2F1%26B"
        #expect(GS1Forms.ofLot(urn) == [link])
        let urns = GS1Forms.ofLot(link)
        #expect(urns.count == 7)
        #expect(urns.contains(urn))
        #expect(urns.allSatisfy { GS1Forms.ofLot($0) == [link] })
        // A character a link escapes may be plain or escaped in the URN: both spellings are forms.
        let reserved = GS1Forms.ofLot("https://id.gs1.org/01/09300001000117/10/A%21B")
        #expect(reserved.contains("urn:epc:class:lgtin:9300001.000011.A!B"))
        #expect(reserved.contains("urn:epc:class:lgtin:9300001.000011.A%21B"))

        let fixture = try ChainFixture()
        try fixture.accept([Self.extraction(urn)], as: "pilbara-mining")
        let again = try fixture.rejection([Self.extraction(link, tonnes: 50)], as: "pilbara-mining")
        expectProblems(
            again,
            [
                (
                    0, "/quantityList/0/epcClass",
                    "lot \(link) is lot \(urn), already made: the same GS1 lot in another form"
                )
            ]
        )
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test("a retracted lot is made again in the form it was made in, and told so in the other")
    func retractedLotIsMadeAgainInItsOwnForm() throws {
        let fixture = try ChainFixture()
        let wrong = Self.extraction(Self.ore)
        try fixture.accept([wrong], as: "pilbara-mining")
        let declaration = try edited(wrong) {
            $0["errorDeclaration"] = ["declarationTime": "2026-01-06T08:00:00+08:00", "reason": "incorrect_data"]
        }
        try fixture.accept([declaration], as: "pilbara-mining")
        let linked = try fixture.rejection([Self.extraction(Self.oreLink, tonnes: 50)], as: "pilbara-mining")
        expectProblems(
            linked,
            [
                (
                    0, "/quantityList/0/epcClass",
                    "lot \(Self.oreLink) is lot \(Self.ore) in another GS1 form, whose making was declared in error; "
                        + "a corrective event makes it again under the id it was made with, \(Self.ore)"
                )
            ]
        )
        try fixture.accept([Self.extraction(Self.ore, tonnes: 50)], as: "pilbara-mining")
        #expect(try fixture.chain.lot(Self.ore)?.version == 2)
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test("a lot or facility named in the form the ledger does not have is told the form it has")
    func referencesNameTheFormTheLedgerHas() throws {
        let fixture = try ChainFixture()
        try fixture.accept([Self.extraction(Self.ore)], as: "pilbara-mining")
        let shipped = try fixture.rejection(
            [Events.ship(Self.oreLink, 10, from: Events.miner, to: Events.refiner)],
            as: "pilbara-mining"
        )
        expectProblems(
            shipped,
            [
                (
                    0, "/quantityList/0/epcClass",
                    "unknown lot \(Self.oreLink); the ledger has the same GS1 lot as \(Self.ore): name it so"
                )
            ]
        )
        let located = try fixture.rejection(
            [Self.extraction("urn:epc:class:lgtin:9300001.000011.X1", at: Self.mineLink)],
            as: "pilbara-mining"
        )
        expectProblems(
            located,
            [
                (
                    0, "/bizLocation/id",
                    "no facility \(Self.mineLink) is registered; the ledger has the same GLN as \(Self.mine): name it so"
                )
            ]
        )
    }

    @Test("a facility registered in one form is not registered again in the other")
    func facilityNotRegisteredTwice() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        let error = try #require(throws: SupplyChainError.self) {
            try fixture.chain.registerFacility(
                FacilityDraft(id: Self.mineLink, operatorID: "pilbara-mining", kind: .mine, country: "AU")
            )
        }
        #expect(error.problems.map(\.field) == ["/id"])
        #expect(
            error.problems.first?.message
                == "facility \(Self.mineLink) is already registered as \(Self.mine), the same GLN in another form"
        )
        #expect(try fixture.chain.ledger.size == size)
    }

    @Test("serials commissioned under one form's prefix are not commissioned again under the other's")
    func serialsNotCommissionedTwice() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        func commissioning(_ prefix: String, _ first: String, _ last: String) -> String {
            Events.json([
                "type": "ObjectEvent", "eventTime": "2026-02-28T09:00:00+01:00", "eventTimeZoneOffset": "+01:00",
                "action": "ADD", "bizStep": "commissioning", "bizLocation": ["id": "urn:celltrace:facility:cell-plant"],
                "epcList": [], "ct:cellLot": "urn:celltrace:lot:cells-nmc811-0225",
                "ct:serialRanges": [["prefix": .string(prefix), "first": .string(first), "last": .string(last)]],
                "ct:cellMass": ["quantity": 0.9, "uom": "KGM"], "ct:nominalEnergy": ["quantity": 0.25, "uom": "KWH"],
            ])
        }
        let link = "https://id.gs1.org/01/04012345111118/21/"
        let error = try fixture.rejection([commissioning(link, "1", "10")], as: "cell-co")
        expectProblems(
            error,
            [
                (
                    0, "/ct:serialRanges/0/first",
                    "serials urn:epc:id:sgtin:4012345.011111.1–1000, the same GTIN's serials in another form, are already commissioned"
                )
            ]
        )
        // Serials of another GTIN in Digital Link form, then the same ones as URNs in the same submission.
        let newLink = "https://id.gs1.org/01/04012345222227/21/"
        let newURN = "urn:epc:id:sgtin:4012345.022222."
        #expect(GS1Forms.ofSerialPrefix(newURN) == [newLink])
        let both = try fixture.rejection(
            [commissioning(newLink, "1", "5"), commissioning(newURN, "3", "4")],
            as: "cell-co"
        )
        expectProblems(
            both,
            [(1, "/ct:serialRanges/0/first", "serials \(newLink)1–5, the same GTIN's serials in another form")]
        )
        // An SGTIN prefix one digit short names no GTIN.
        let short = try fixture.rejection([commissioning("urn:epc:id:sgtin:4012345.02222.", "1", "5")], as: "cell-co")
        expectProblems(short, [(0, "/ct:serialRanges/0/prefix", "is not the start of an SGTIN EPC")])
    }

    @Test("an LGTIN is well formed exactly when it has a Digital Link")
    func lgtinCheckAgreesWithTheConversion() {
        let ids = [
            Self.ore, "urn:epc:class:lgtin:930001.000011.X", "urn:epc:class:lgtin:9300001.00011.X",
            "urn:epc:class:lgtin:9300001.000011.", "urn:epc:class:lgtin:9300001.000011.A%2FB",
            "urn:epc:class:lgtin:9300001.000011.A%2", "urn:epc:class:lgtin:9300001.000011.A B",
            "urn:epc:class:lgtin:123456789012.1.LOT", "urn:epc:class:lgtin:12345.12345678.LOT",
            "urn:epc:class:lgtin:9300001.000011.ABCDEFGHIJKLMNOPQRSTU", "urn:epc:class:lgtin:9300001.00a011.X",
            "urn:epc:id:sgtin:9300001.000011.1", "urn:epc:class:lgtin:9300001.000011.ABCDEFGHIJKLMNOPQRST",
        ]
        var bytes: [UInt8] = []
        let valid = ids.filter { DigitalLink.isLGTINClass($0, bytes: &bytes) }
        for id in ids {
            #expect(valid.contains(id) == (id.contains(":lgtin:") && DigitalLink.canonical(id) != nil), "\(id)")
        }
        #expect(valid.count == 4)
    }

    @Test("a lot, serial prefix or facility that claims a GS1 form and breaks it is refused, naming what is wrong")
    func malformedGS1KeysAreRefused() throws {
        var bytes: [UInt8] = []
        #expect(GS1Forms.problem(ofLot: Self.ore, bytes: &bytes) == nil)
        #expect(GS1Forms.problem(ofLot: Self.oreLink, bytes: &bytes) == nil)
        #expect(GS1Forms.problem(ofLot: "urn:celltrace:lot:cells-nmc811-0225", bytes: &bytes) == nil)
        #expect(
            GS1Forms.problem(ofLot: "https://brand.example/01/09300001000113/10/X", bytes: &bytes) == nil,
            "not on id.gs1.org"
        )
        #expect(GS1Forms.problem(ofSerialPrefix: "urn:epc:id:sgtin:4012345.011111.") == nil)
        #expect(GS1Forms.problem(ofSerialPrefix: "urn:epc:id:sgtin:4012345.01111.")?.contains("13 digits") == true)
        #expect(GS1Forms.problem(ofLocation: Self.mine) == nil && GS1Forms.problem(ofLocation: Self.mineLink) == nil)
        #expect(
            GS1Forms.problem(ofLocation: "https://id.gs1.org/414/9300001000011")
                == "has GLN 9300001000011, whose check digit is wrong: 9300001000018 is the GLN with its check digit"
        )

        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        let error = try fixture.rejection(
            [
                Self.extraction("urn:epc:class:lgtin:930001.000011.SC6-2602"),
                Self.extraction("https://id.gs1.org/01/09300001000113/10/SC6-2603"),
            ],
            as: "pilbara-mining"
        )
        expectProblems(
            error,
            [
                (0, "/quantityList/0/epcClass", "is not an LGTIN EPC class: urn:epc:class:lgtin:{company prefix}."),
                (
                    1, "/quantityList/0/epcClass",
                    "has GTIN 09300001000113, whose check digit is wrong: 09300001000117 is the GTIN with its check digit"
                ),
            ]
        )
        let facility = try #require(throws: SupplyChainError.self) {
            try fixture.chain.registerFacility(
                FacilityDraft(
                    id: "urn:epc:id:sgln:9300001.0001.0",
                    operatorID: "pilbara-mining",
                    kind: .mine,
                    country: "AU"
                )
            )
        }
        #expect(facility.problems.map(\.field) == ["/id"])
        #expect(facility.problems.first?.message.contains("is not an SGLN EPC") == true, "\(facility)")
        #expect(try fixture.chain.ledger.size == size)
    }

    @Test("a lot recorded as an LGTIN URN is found by its Digital Link, and the reverse")
    func recordedFormFindsTheOtherSpelling() throws {
        let fixture = try refinerHoldingOre()
        let urn = "urn:epc:class:lgtin:6900002.000021.LHM-1"
        let link = "https://id.gs1.org/01/06900002000210/10/LHM-2"
        try fixture.accept(
            [
                Events.transform(
                    inputs: [Events.quantity("ORE", 1)],
                    outputs: [Events.quantity(urn, 0.4), Events.quantity(link, 0.4)]
                )
            ],
            as: "sichuan-lithium"
        )
        #expect(try fixture.chain.recordedForm(of: "https://id.gs1.org/01/06900002000210/10/LHM-1") == urn)
        #expect(try fixture.chain.recordedForm(of: "urn:epc:class:lgtin:6900002.000021.LHM-2") == link)
        #expect(try fixture.chain.recordedForm(of: "urn:epc:class:lgtin:6900002.000021.LHM-3") == nil)
        #expect(try fixture.chain.recordedForm(of: "ORE") == nil)
    }
}
