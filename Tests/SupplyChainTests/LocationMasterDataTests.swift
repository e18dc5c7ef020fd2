import LedgerCore
import SupplyChain
import Testing

@Suite("Master data in a document's header: compared with the registered facilities, never applied")
struct LocationMasterDataTests {
    private static let mine = Events.mine
    private static let pointer = "/epcisHeader/epcisMasterData/vocabularyList/0/vocabularyElementList"

    /// An EPCIS document of one extraction whose header describes `locations`, each an id with
    /// (attribute id, value) pairs.
    private func document(_ locations: [(String, [(String, String)])], lot: String = "ORE-M") throws -> [UInt8] {
        let event = try JSONValue(parsing: Events.extract(lot, 100))
        let elements: [JSONValue] = locations.map { id, attributes in
            [
                "id": .string(id),
                "attributes": .array(attributes.map { ["id": .string($0.0), "attribute": .string($0.1)] }),
            ]
        }
        let document: JSONValue = [
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-01-06T08:00:00+08:00",
            "epcisHeader": [
                "epcisMasterData": [
                    "vocabularyList": [
                        [
                            "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
                            "vocabularyElementList": .array(elements),
                        ]
                    ]
                ]
            ],
            "epcisBody": ["eventList": [event]],
        ]
        return Array(document.canonicalString.utf8)
    }

    private func imported(_ bytes: [UInt8], _ fixture: ChainFixture) throws -> ImportReport {
        try fixture.chain.importSubmission(bytes, actor: "pilbara-mining", key: fixture.key("pilbara-mining"))
    }

    @Test("a header that agrees with the ledger, in either spelling of the CBV's attributes, gives no warning")
    func agreeingHeader() throws {
        let fixture = try ChainFixture()
        let report = try imported(
            try document([
                (
                    Self.mine,
                    [
                        ("urn:epcglobal:cbv:mda#countryCode", "AU"), ("cbvmda:state", "AU-WA"),
                        ("urn:epcglobal:cbv:mda:name", "Pilgangoora mine"),
                        ("https://celltrace.dev/ns/epcis/1/facilityKind", "mine"),
                        ("https://celltrace.dev/ns/epcis/1/operator", "pilbara-mining"),
                        // Attributes the ledger does not record are left alone.
                        ("urn:epcglobal:cbv:mda#sst", "202"),
                    ]
                )
            ]),
            fixture
        )
        #expect(report.written == 1)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
    }

    @Test(
        "each attribute the ledger has otherwise, and an unregistered location, is a warning; the facility is unchanged"
    )
    func differingHeader() throws {
        let fixture = try ChainFixture()
        let refinery = Events.refinery
        let unknown = "urn:epc:id:sgln:9300001.00009.0"
        let report = try imported(
            try document([
                (
                    Self.mine,
                    [
                        ("cbvmda:countryCode", "CL"),
                        ("https://celltrace.dev/ns/epcis/1/gridRegion", "AU-NEM"),
                        ("https://celltrace.dev/ns/epcis/1/operator", "sichuan-lithium"),
                    ]
                ),
                (refinery, [("urn:epcglobal:cbv:mda#state", "CN-SC"), ("cbvmda:name", "Suining's refinery")]),
                (unknown, [("urn:epcglobal:cbv:mda#countryCode", "AU")]),
            ]),
            fixture
        )
        #expect(report.written == 1, "the events are recorded: the header is what the sender believes")
        let warnings = report.warnings.map { "\($0.field) \($0.message)" }
        #expect(
            warnings == [
                "\(Self.pointer)/0/attributes/0/attribute the document's master data gives \(Self.mine) "
                    + "countryCode CL; the ledger has AU, which footprints use. If the document is right, "
                    + "`celltrace facility amend \(Self.mine) --country CL --reason …` records it",
                "\(Self.pointer)/0/attributes/1/attribute the document's master data gives \(Self.mine) "
                    + "gridRegion AU-NEM; the ledger has none, which footprints use. If the document is right, "
                    + "`celltrace facility amend \(Self.mine) --region AU-NEM --reason …` records it",
                "\(Self.pointer)/0/attributes/2/attribute the document's master data gives \(Self.mine) "
                    + "operator sichuan-lithium; the ledger has pilbara-mining, the actor that may record events there. "
                    + "If the document is right, `celltrace facility transfer \(Self.mine) --to sichuan-lithium` records "
                    + "a new operator",
                // A value with a space or a quote is quoted for the shell the command is pasted into.
                "\(Self.pointer)/1/attributes/1/attribute the document's master data gives \(refinery) "
                    + "name Suining's refinery; the ledger has none, which reports and exports show. If the document is "
                    + #"right, `celltrace facility amend \#(refinery) --name 'Suining'\''s refinery' --reason …` records it"#,
                "\(Self.pointer)/2 the document's master data describes \(unknown), which is no registered "
                    + "facility; its events cannot be recorded there until it is (`celltrace facility add`)",
            ],
            "\(warnings)"
        )
        #expect(report.warnings.allSatisfy { $0.index == nil && $0.identifier == nil }, "the header is no event")
        let facility = try #require(try fixture.chain.read { reader, txn, _ in try reader.facility(Self.mine, txn) })
        #expect(facility.country == "AU" && facility.gridRegion == nil && facility.amendments.isEmpty)
    }
}
