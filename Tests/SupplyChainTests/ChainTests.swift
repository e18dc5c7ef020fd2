import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

@Suite("A mine-to-pack chain imported as EPCIS documents")
struct ChainTests {
    @Test("the chain's lots, balances, edges, serials and packs read back exactly")
    func chainReadsBack() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let chain = fixture.chain

        let ore = try #require(try chain.lot("urn:epc:class:lgtin:9300001.000011.SC6-2601"))
        #expect(ore.lot.material == "spodumene-concentrate")
        #expect(ore.lot.countryOfOrigin == "AU")
        #expect(ore.lot.producedKg == ExactDecimal(100_000))
        #expect(ore.lot.consumedKg == ExactDecimal(100_000))
        #expect(ore.lot.certifications == ["https://certs.example.org/irma/pilgangoora-2025"])
        #expect(ore.holdings.isEmpty)
        #expect(ore.usedIn.map(\.to) == ["urn:epc:class:lgtin:6900002.000021.LHM-2601"])

        let hydroxide = try #require(try chain.lot("urn:epc:class:lgtin:6900002.000021.LHM-2601"))
        #expect(hydroxide.lot.material == "lithium-hydroxide")
        #expect(hydroxide.lot.facility == "urn:epc:id:sgln:6900002.00001.0")
        #expect(hydroxide.lot.countryOfOrigin == "CN")
        #expect(hydroxide.lot.elementContent["Li"] == ExactDecimal("0.1654"))
        #expect(hydroxide.madeFrom.map(\.kg) == [ExactDecimal(100_000)])

        let cathode = try #require(try chain.lot("urn:celltrace:lot:cam-811-0210"))
        #expect(
            Set(cathode.lot.inputs) == [
                "urn:epc:class:lgtin:6900002.000021.LHM-2601", "urn:celltrace:lot:pcam-811-0202",
            ]
        )
        let madeFrom = Dictionary(uniqueKeysWithValues: cathode.madeFrom.map { ($0.from, $0.kg) })
        #expect(madeFrom["urn:epc:class:lgtin:6900002.000021.LHM-2601"] == ExactDecimal(15_000))
        #expect(madeFrom["urn:celltrace:lot:pcam-811-0202"] == ExactDecimal(60_000))

        let cells = try #require(try chain.lot("urn:celltrace:lot:cells-nmc811-0225"))
        #expect(cells.lot.producedKg == ExactDecimal(100_000))
        #expect(cells.holdings.map(\.actor) == ["cell-co"])
        #expect(cells.serialRanges.count == 1)
        let range = try #require(cells.serialRanges.first)
        #expect(range.first == 1 && range.last == 1000)
        #expect(range.cellMassKg == ExactDecimal("0.9"))
        #expect(range.nominalEnergyKWh == ExactDecimal("0.25"))
        #expect(range.model == "CT-NMC811-P1")

        let cell = try #require(try chain.serial("urn:epc:id:sgtin:4012345.011111.3"))
        #expect(cell.range?.lot == "urn:celltrace:lot:cells-nmc811-0225")
        #expect(cell.containedIn == ["urn:epc:id:giai:4012345.MOD-0001", "urn:epc:id:giai:4012345.PACK-0001"])
        let pack = try #require(try chain.serial("urn:epc:id:giai:4012345.PACK-0001"))
        #expect(pack.children == ["urn:epc:id:giai:4012345.MOD-0001"])
        #expect(try chain.serial("urn:epc:id:sgtin:4012345.011111.1001") == nil)

        let audit = try chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
        #expect(audit.submissionsVerified == 4)
    }

    @Test("re-importing a document changes nothing and says so")
    func reimportIsNoOp() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let size = try fixture.chain.ledger.size
        let report = try fixture.importDocument("epcis/chain/04-cells.jsonld", as: "cell-co")
        #expect(report.written == 0)
        #expect(report.alreadyPresent == 5)
        #expect(report.receipt == nil)
        #expect(try fixture.chain.ledger.size == size)
    }

    @Test("quantities, parties and coordinates are sealed in the hashed entries")
    func confidentialFieldsAreSealed() throws {
        let fixture = try ChainFixture()
        try fixture.importAll()
        let ledger = fixture.chain.ledger
        var sealedQuantities = 0
        var sawLocation = false
        try ledger.forEachEntry(in: 0..<(try ledger.size)) { sequence, bytes in
            let entry = try Entry(canonicalBytes: bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            if entry.type == SupplyChainLedger.EntryType.event {
                #expect(!text.contains("urn:epc:id:pgln:6900002.00000"), "entry \(sequence) shows a party in clear")
            }
            #expect(!text.contains("118.8987"), "entry \(sequence) shows coordinates in clear")
            sealedQuantities += entry.commitments.keys.filter { $0.text.hasSuffix("/quantity") }.count
            if entry.type == SupplyChainLedger.EntryType.facilityRegister, !entry.commitments.isEmpty {
                let openings = try ledger.openings(forEntryAt: sequence)
                sawLocation = openings[try JSONPointer("/location")]?.value["longitude"] == .string("118.8987")
            }
        }
        #expect(sealedQuantities == 15)
        #expect(sawLocation)
    }
}
