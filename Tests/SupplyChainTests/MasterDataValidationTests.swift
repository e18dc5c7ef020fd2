import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

@Suite("Master data: each check names the record and field, and nothing is written")
struct MasterDataValidationTests {
    /// A problem the error must list: its field and a fragment of its message.
    struct ExpectedProblem: Sendable {
        var field: String
        var message: String
    }

    /// Runs a master-data call that must be refused, and checks that the error lists exactly
    /// `problems` (fields in order, each message containing its fragment), that each names `record`
    /// (when given), and that the ledger did not grow.
    @discardableResult
    private func expectRejection(
        _ chain: SupplyChainLedger,
        record: String?,
        _ problems: [ExpectedProblem],
        sourceLocation: SourceLocation = #_sourceLocation,
        performing call: () throws -> AppendReceipt
    ) throws -> SupplyChainError {
        let size = try chain.ledger.size
        let error = try #require(throws: SupplyChainError.self, sourceLocation: sourceLocation) { try call() }
        #expect(error.code == .invalidRecords, sourceLocation: sourceLocation)
        #expect(error.problems.map(\.field) == problems.map(\.field), "\(error)", sourceLocation: sourceLocation)
        for (problem, expected) in zip(error.problems, problems) {
            #expect(
                problem.message.contains(expected.message),
                "expected …\(expected.message)…, got: \(problem)",
                sourceLocation: sourceLocation
            )
            if let record {
                #expect(problem.identifier == record, "\(problem)", sourceLocation: sourceLocation)
            }
        }
        #expect(try chain.ledger.size == size, "a refused record writes nothing", sourceLocation: sourceLocation)
        return error
    }

    // MARK: Actors and keys

    /// Records the trader `alias-co` claiming `party` as a ledger made before new input's rules
    /// would: its entry appended as it stood and the indexes rebuilt by replaying it, which
    /// applies the rules of what is recorded, not those of new input.
    private func registerAliasAsRecordedBefore(_ fixture: ChainFixture, claiming party: String) throws {
        let body: JSONValue = [
            "id": "alias-co", "name": "Alias Co.", "role": "trader",
            "key": .string(Base64.encode(Ed25519PrivateKey().publicKey.rawRepresentation)),
            "parties": [.string(party)],
        ]
        _ = try fixture.chain.ledger.append([
            EntryDraft(
                type: SupplyChainLedger.EntryType.actorRegister,
                actor: SupplyChainLedger.operatorActor,
                body: body
            )
        ])
        #expect(try fixture.chain.rebuildIndexes().isRebuilt)
    }

    @Test("the ledger's own key, the operator's name, another actor's own party or an id in other capitals is refused")
    func anActorIsNoOneElse() throws {
        let fixture = try ChainFixture()
        let ledgerKey = fixture.chain.ledger.verifierKey.publicKey
        func actor(
            _ id: String,
            key: Ed25519PublicKey = Ed25519PrivateKey().publicKey,
            parties: [String] = []
        )
            -> ActorDraft
        {
            ActorDraft(id: id, name: "A Verifier GmbH", role: .auditor, publicKey: key, parties: parties)
        }
        // The ledger's key would make the operator's entries attestable as a third party's.
        try expectRejection(
            fixture.chain,
            record: "notary",
            [ExpectedProblem(field: "/key", message: "is the ledger's own signing key, the operator's")]
        ) { try fixture.chain.registerActor(actor("notary", key: ledgerKey)) }
        try expectRejection(
            fixture.chain,
            record: "cell-co",
            [ExpectedProblem(field: "/key", message: "is the ledger's own signing key")]
        ) { try fixture.chain.rotateKey(actor: "cell-co", to: ledgerKey) }
        try expectRejection(
            fixture.chain,
            record: "ledger",
            [ExpectedProblem(field: "/id", message: "ledger is the name the operator's own entries carry")]
        ) { try fixture.chain.registerActor(actor("ledger")) }
        try expectRejection(
            fixture.chain,
            record: "squatter",
            [
                ExpectedProblem(
                    field: "/parties/0",
                    message: "urn:celltrace:actor:newcomer is the party of actor newcomer"
                )
            ]
        ) { try fixture.chain.registerActor(actor("squatter", parties: ["urn:celltrace:actor:newcomer"])) }
        try expectRejection(
            fixture.chain,
            record: "Cell-Co",
            [ExpectedProblem(field: "/id", message: "actor cell-co is registered: Cell-Co is its id in other capitals")]
        ) { try fixture.chain.registerActor(actor("Cell-Co")) }
        // An actor's own party may be listed; the newcomer is free to register.
        try fixture.chain.registerActor(actor("newcomer", parties: ["urn:celltrace:actor:newcomer"]))
        // A key id copied in capitals is the same id.
        let current = try #require(try fixture.chain.actor("cell-co")?.keys.last)
        try fixture.chain.revokeKey(actor: "cell-co", keyID: current.id.uppercased(), reason: "laptop lost")
        #expect(try fixture.chain.actor("cell-co")?.keys.last?.revokedAt != nil)
    }

    @Test("a party or facility id in upper case where URIs have none, or a party in its other GS1 form, is refused")
    func oneSpellingOfPartiesAndSites() throws {
        let fixture = try ChainFixture()
        func trader(_ parties: [String]) -> ActorDraft {
            ActorDraft(
                id: "lithium-trader",
                name: "Lithium Trader Ltd",
                role: .trader,
                publicKey: Ed25519PrivateKey().publicKey,
                parties: parties
            )
        }
        try expectRejection(
            fixture.chain,
            record: "lithium-trader",
            [
                ExpectedProblem(
                    field: "/parties/0",
                    message: "write urn:celltrace:actor:sichuan-lithium: a URI's scheme, a URN's namespace"
                ),
                // The Digital Link of the miner's party urn:epc:id:pgln:9300001.00000.
                ExpectedProblem(
                    field: "/parties/1",
                    message:
                        "party https://id.gs1.org/417/9300001000001 is urn:epc:id:pgln:9300001.00000, the same GLN "
                        + "in another form, which names actor pilbara-mining"
                ),
            ]
        ) {
            try fixture.chain.registerActor(
                trader(["URN:celltrace:actor:sichuan-lithium", "https://id.gs1.org/417/9300001000001"])
            )
        }
        // The miner's mine in an upper-case spelling of its URN.
        let site = "URN:EPC:id:sgln:9300001.00001.0"
        try expectRejection(
            fixture.chain,
            record: site,
            [ExpectedProblem(field: "/id", message: "write urn:epc:id:sgln:9300001.00001.0: ")]
        ) {
            try fixture.chain.registerFacility(
                FacilityDraft(id: site, operatorID: "sichuan-lithium", kind: .mine, country: "AU")
            )
        }
        // A shipment to the miner's party in its other form is told the form the ledger has.
        let error = try fixture.rejection(
            [
                Events.extract("ORE"),
                Events.ship("ORE", 1, from: Events.miner, to: "https://id.gs1.org/417/6900002000005"),
            ],
            as: "pilbara-mining"
        )
        expectProblem(
            error,
            index: 1,
            field: "/destinationList/0/destination",
            containing: "party https://id.gs1.org/417/6900002000005 is not a registered actor's party; the ledger has "
                + "the same GLN as urn:epc:id:pgln:6900002.00000: name it so"
        )
    }

    @Test("an actor whose party already names another actor is refused, naming the party")
    func actorPartyAlreadyTaken() throws {
        let fixture = try ChainFixture()
        try expectRejection(
            fixture.chain,
            record: "lithium-trader",
            [
                ExpectedProblem(
                    field: "/parties/0",
                    message: "party urn:epc:id:pgln:9300001.00000 already names actor pilbara-mining"
                )
            ]
        ) {
            try fixture.chain.registerActor(
                ActorDraft(
                    id: "lithium-trader",
                    name: "Lithium Trader Ltd",
                    role: .trader,
                    publicKey: Ed25519PrivateKey().publicKey,
                    parties: ["urn:epc:id:pgln:9300001.00000"]
                )
            )
        }

        // The default party counts too: once another actor claims it, the actor it names cannot be
        // registered. No actor registered now can claim it (``anActorIsNoOneElse``); one recorded
        // before that rule still holds it.
        try registerAliasAsRecordedBefore(fixture, claiming: "urn:celltrace:actor:future-co")
        try expectRejection(
            fixture.chain,
            record: "future-co",
            [
                // The body lists no party: the one every actor has comes from its id.
                ExpectedProblem(
                    field: "/id",
                    message: "party urn:celltrace:actor:future-co already names actor alias-co"
                )
            ]
        ) {
            try fixture.chain.registerActor(
                ActorDraft(
                    id: "future-co",
                    name: "Future Co.",
                    role: .recycler,
                    publicKey: Ed25519PrivateKey().publicKey
                )
            )
        }
    }

    @Test("an actor with a party that is no URI is refused for its taken party and key in the same error")
    func actorReferencesCheckedWithItsShape() throws {
        let fixture = try ChainFixture()
        let taken = "urn:epc:id:pgln:9300001.00000"
        try expectRejection(
            fixture.chain,
            record: "lithium-trader",
            [
                ExpectedProblem(
                    field: "/parties/1",
                    message: "a party is a URI (urn:epc:id:pgln:…, https://id.gs1.org/417/…)"
                ),
                ExpectedProblem(field: "/parties/0", message: "party \(taken) already names actor pilbara-mining"),
            ]
        ) {
            try fixture.chain.registerActor(
                ActorDraft(
                    id: "lithium-trader",
                    name: "Lithium Trader Ltd",
                    role: .trader,
                    publicKey: Ed25519PrivateKey().publicKey,
                    parties: [taken, "nocolon"]
                )
            )
        }
        // Another actor's key too, and a party the id makes that another actor has claimed; a
        // party whose shape is refused is not looked up as well.
        try registerAliasAsRecordedBefore(fixture, claiming: "urn:celltrace:actor:future-co")
        let pilbara = try fixture.key("pilbara-mining").publicKey
        let pilbaraKey = ActorKey.id(of: Array(pilbara.rawRepresentation))
        try expectRejection(
            fixture.chain,
            record: "future-co",
            [
                ExpectedProblem(field: "/parties/0", message: "a party is a URI"),
                ExpectedProblem(field: "/key", message: "key \(pilbaraKey) is actor pilbara-mining's"),
                ExpectedProblem(
                    field: "/id",
                    message: "party urn:celltrace:actor:future-co already names actor alias-co"
                ),
                ExpectedProblem(field: "/parties/1", message: "party \(taken) already names actor pilbara-mining"),
            ]
        ) {
            try fixture.chain.registerActor(
                ActorDraft(
                    id: "future-co",
                    name: "Future Co.",
                    role: .recycler,
                    publicKey: pilbara,
                    parties: ["9300001.00000", taken]
                )
            )
        }
    }

    @Test("a key that another actor has or had is refused at registration and at rotation, naming /key")
    func oneKeyOneActor() throws {
        let fixture = try ChainFixture()
        let pilbara = try fixture.key("pilbara-mining").publicKey
        let pilbaraKey = ActorKey.id(of: Array(pilbara.rawRepresentation))
        let taken = ExpectedProblem(field: "/key", message: "key \(pilbaraKey) is actor pilbara-mining's")
        try expectRejection(fixture.chain, record: "pilbara-twin", [taken]) {
            try fixture.chain.registerActor(
                ActorDraft(id: "pilbara-twin", name: "Twin", role: .miner, publicKey: pilbara)
            )
        }
        try expectRejection(fixture.chain, record: "cell-co", [taken]) {
            try fixture.chain.rotateKey(actor: "cell-co", to: pilbara)
        }
        // A former key stays its actor's: it still verifies what that actor signed with it.
        try fixture.chain.rotateKey(actor: "pilbara-mining", to: Ed25519PrivateKey().publicKey)
        try expectRejection(fixture.chain, record: "cell-co", [taken]) {
            try fixture.chain.rotateKey(actor: "cell-co", to: pilbara)
        }
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    @Test(
        "a revocation of a revoked or unknown key is refused naming /keyID, a rotation to a key the actor had naming /key"
    )
    func keyChangesThatChangeNothing() throws {
        let fixture = try ChainFixture()
        let first = try #require(try fixture.chain.actor("pilbara-mining")?.currentKey)
        try expectRejection(
            fixture.chain,
            record: "pilbara-mining",
            [ExpectedProblem(field: "/key", message: "already had key \(first.id); a rotation needs a new key")]
        ) {
            try fixture.chain.rotateKey(actor: "pilbara-mining", to: try fixture.key("pilbara-mining").publicKey)
        }

        // A former key is no new key either.
        try fixture.chain.rotateKey(actor: "pilbara-mining", to: Ed25519PrivateKey().publicKey)
        try expectRejection(
            fixture.chain,
            record: "pilbara-mining",
            [ExpectedProblem(field: "/key", message: "already had key \(first.id); a rotation needs a new key")]
        ) {
            try fixture.chain.rotateKey(actor: "pilbara-mining", to: try fixture.key("pilbara-mining").publicKey)
        }

        let current = try #require(try fixture.chain.actor("pilbara-mining")?.currentKey)
        // A reason `actor list` prints on the key's line holds no line break or tab.
        for reason in ["compromised\n  forged line", "compromised\tin transit"] {
            try expectRejection(
                fixture.chain,
                record: "pilbara-mining",
                [ExpectedProblem(field: "/reason", message: "must not hold control characters")]
            ) {
                try fixture.chain.revokeKey(actor: "pilbara-mining", keyID: current.id, reason: reason)
            }
        }
        // A revocation says why, as a transfer or an amendment does.
        for reason in ["", "   "] {
            try expectRejection(
                fixture.chain,
                record: "pilbara-mining",
                [ExpectedProblem(field: "/reason", message: "must say why the key is revoked")]
            ) {
                try fixture.chain.revokeKey(actor: "pilbara-mining", keyID: current.id, reason: reason)
            }
        }
        // The revocation's body names the key by `keyID`, and so do its problems.
        try expectRejection(
            fixture.chain,
            record: "pilbara-mining",
            [ExpectedProblem(field: "/keyID", message: "actor pilbara-mining has no key 0123456789abcdef")]
        ) {
            try fixture.chain.revokeKey(actor: "pilbara-mining", keyID: "0123456789abcdef", reason: "lost")
        }
        try fixture.chain.revokeKey(actor: "pilbara-mining", keyID: current.id, reason: "compromised")
        try expectRejection(
            fixture.chain,
            record: "pilbara-mining",
            [ExpectedProblem(field: "/keyID", message: "key \(current.id) of pilbara-mining is already revoked")]
        ) {
            try fixture.chain.revokeKey(actor: "pilbara-mining", keyID: current.id, reason: "compromised again")
        }
        #expect(try fixture.chain.auditIndexes().isValid)
    }

    // MARK: Facilities

    @Test("a facility's operator, subdivision and coordinates are checked by field")
    func facilityChecks() throws {
        let fixture = try ChainFixture()
        let id = "urn:celltrace:facility:second-cell-plant"
        func draft(
            operatorID: String = "cell-co",
            subdivision: String? = "HU-GS",
            location: (latitude: String, longitude: String)? = ("47.6875", "17.6504")
        ) -> FacilityDraft {
            FacilityDraft(
                id: id,
                operatorID: operatorID,
                kind: .cell,
                country: "HU",
                subdivision: subdivision,
                location: location
            )
        }
        try expectRejection(
            fixture.chain,
            record: id,
            [
                ExpectedProblem(
                    field: "/operator",
                    message: "no actor nobody is registered; add it with `celltrace actor add`"
                )
            ]
        ) {
            try fixture.chain.registerFacility(draft(operatorID: "nobody"))
        }
        // The form, then a new facility's subdivision is one ISO 3166-2 lists for its country: the
        // nearest named when one code alone is an edit away (HU-GOS), none when two are (HU-GYS:
        // HU-GS, HU-GY).
        let subdivisions = [
            ("CN-SC", "an ISO 3166-2 code of HU, such as HU-XX"),
            (
                "HU-GOS",
                "HU-GOS is not an ISO 3166-2 subdivision of HU; did you mean HU-GS? (HU's: HU-BA, HU-BC, HU-BE, HU-BK, HU-BU, HU-BZ, HU-CS, HU-DE, and 35 more)"
            ),
            ("HU-GYS", "HU-GYS is not an ISO 3166-2 subdivision of HU (HU's: HU-BA,"),
        ]
        for (subdivision, message) in subdivisions {
            try expectRejection(fixture.chain, record: id, [ExpectedProblem(field: "/subdivision", message: message)]) {
                try fixture.chain.registerFacility(draft(subdivision: subdivision))
            }
        }
        // A short list is given whole.
        let chile = try #require(
            throws: SupplyChainError.self,
            performing: {
                try fixture.chain.registerFacility(
                    FacilityDraft(id: id, operatorID: "cell-co", kind: .cell, country: "CL", subdivision: "CL-XX")
                )
            }
        )
        #expect(chile.problems.map(\.message).first?.hasSuffix("CL-TA, CL-VS)") == true, "\(chile)")
        try expectRejection(
            fixture.chain,
            record: id,
            [ExpectedProblem(field: "/location/latitude", message: "must be between -90 and 90 degrees (got 90.0001)")]
        ) {
            try fixture.chain.registerFacility(draft(location: ("90.0001", "17.6504")))
        }
        try expectRejection(
            fixture.chain,
            record: id,
            [ExpectedProblem(field: "/location/longitude", message: "must be between -180 and 180 degrees (got")]
        ) {
            try fixture.chain.registerFacility(draft(location: ("47.6875", "-180.5")))
        }

        // The bounds themselves are coordinates.
        let size = try fixture.chain.ledger.size
        try fixture.chain.registerFacility(draft(location: ("-90", "180")))
        #expect(try fixture.chain.ledger.size == size + 1)
    }

    @Test("a facility's name and grid region with a control character are refused at registration and amendment")
    func facilityTextWithoutControlCharacters() throws {
        let fixture = try ChainFixture()
        let control = "must not hold control characters (line breaks, tabs, escapes)"
        let id = "urn:celltrace:facility:second-mine"
        try expectRejection(
            fixture.chain,
            record: id,
            [
                ExpectedProblem(field: "/name", message: control),
                ExpectedProblem(field: "/gridRegion", message: control),
            ]
        ) {
            try fixture.chain.registerFacility(
                FacilityDraft(
                    id: id,
                    name: "tab\tname",
                    operatorID: "pilbara-mining",
                    kind: .mine,
                    country: "AU",
                    gridRegion: "AU-\u{1B}[31mWA"
                )
            )
        }
        // A blank name or grid region says nothing where a table prints it.
        try expectRejection(
            fixture.chain,
            record: id,
            [
                ExpectedProblem(field: "/name", message: "must not be blank: leave it out when there is none"),
                ExpectedProblem(field: "/gridRegion", message: "must not be blank"),
            ]
        ) {
            try fixture.chain.registerFacility(
                FacilityDraft(
                    id: id,
                    name: "   ",
                    operatorID: "pilbara-mining",
                    kind: .mine,
                    country: "AU",
                    gridRegion: " "
                )
            )
        }
        // A name printed on a lot's line of `celltrace trace` would otherwise add a line of its own.
        let mine = "urn:epc:id:sgln:9300001.00001.0"
        let forged = "Pilgangoora\n├─ urn:celltrace:lot:fake  ore  Fake mine (AU)  9 kg  #1"
        try expectRejection(fixture.chain, record: mine, [ExpectedProblem(field: "/name", message: control)]) {
            try fixture.chain.amendFacility(mine, reason: "renamed", changes: ["name": .string(forged)])
        }
        try expectRejection(fixture.chain, record: mine, [ExpectedProblem(field: "/gridRegion", message: control)]) {
            try fixture.chain.amendFacility(mine, reason: "regrid", changes: ["gridRegion": "AU\r\nWA"])
        }
        // Nor blank, as on registration.
        try expectRejection(
            fixture.chain,
            record: mine,
            [ExpectedProblem(field: "/name", message: "must not be blank: leave it out when there is none")]
        ) {
            try fixture.chain.amendFacility(mine, reason: "renamed", changes: ["name": "   "])
        }
        #expect(try fixture.chain.facility(mine)?.name == "Pilgangoora mine")
        // Nor may a reason, which `facility show` prints on a line of the history.
        try expectRejection(fixture.chain, record: mine, [ExpectedProblem(field: "/reason", message: control)]) {
            try fixture.chain.amendFacility(mine, reason: "renamed\n  #999  forged", changes: ["name": "Pilgangoora"])
        }
        try expectRejection(fixture.chain, record: mine, [ExpectedProblem(field: "/reason", message: control)]) {
            try fixture.chain.transferFacility(mine, to: "sichuan-lithium", reason: "sold\tto")
        }

        // Such a name already in the ledger, written before the check, still replays and rebuilds.
        try fixture.chain.ledger.append([
            EntryDraft(
                type: SupplyChainLedger.EntryType.facilityRegister,
                actor: SupplyChainLedger.operatorActor,
                body: [
                    "id": .string(id), "operator": "pilbara-mining", "kind": "mine", "country": "AU", "name": "a\tb",
                ]
            )
        ])
        #expect(try fixture.chain.rebuildIndexes().isRebuilt)
        #expect(try fixture.chain.facility(id)?.name == "a\tb")
        let audit = try fixture.chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    @Test(
        "a new facility's country must be a code ISO 3166-1 assigns, with the right code named for UK, EL and EU",
        arguments: [
            ("UK", "UK is reserved in ISO 3166-1, not assigned: the United Kingdom is GB"),
            ("EL", "EL is the code the EU writes for Greece, not an ISO 3166-1 code: Greece is GR"),
            ("EU", "EU is reserved in ISO 3166-1 and is not a country: name the member state"),
            ("QQ", "QQ is not an assigned ISO 3166-1 alpha-2 code"),
        ]
    )
    func facilityCountryMustBeAssigned(code: String, message: String) throws {
        let fixture = try ChainFixture()
        let id = "urn:celltrace:facility:pack-plant"
        try expectRejection(fixture.chain, record: id, [ExpectedProblem(field: "/country", message: message)]) {
            try fixture.chain.registerFacility(
                FacilityDraft(id: id, operatorID: "cell-co", kind: .modulePack, country: code)
            )
        }
        // Kosovo's XK, which ISO 3166-1 leaves to users and the European Commission uses, is taken.
        let size = try fixture.chain.ledger.size
        try fixture.chain.registerFacility(
            FacilityDraft(id: id, operatorID: "cell-co", kind: .modulePack, country: "XK")
        )
        #expect(try fixture.chain.ledger.size == size + 1)
    }

    /// A facility written with a code that is not assigned, below the rules that now refuse it: a
    /// ledger recorded before the check must still replay, and its indexes still rebuild.
    @Test(
        "a facility already in the ledger with an unassigned country or unlisted subdivision still replays and rebuilds"
    )
    func unassignedCountryInTheLedgerStillReplays() throws {
        let fixture = try ChainFixture()
        let chain = fixture.chain
        let body: JSONValue = [
            "id": "urn:celltrace:facility:old-plant", "operator": "cell-co", "kind": "cell", "country": "UK",
            "subdivision": "UK-ZZ",
        ]
        try chain.ledger.append([
            EntryDraft(
                type: SupplyChainLedger.EntryType.facilityRegister,
                actor: SupplyChainLedger.operatorActor,
                body: body
            )
        ])
        #expect(try chain.facility("urn:celltrace:facility:old-plant") == nil, "not indexed before the rebuild")
        #expect(try chain.rebuildIndexes().isRebuilt)
        #expect(try chain.facility("urn:celltrace:facility:old-plant")?.country == "UK")
        let audit = try chain.auditIndexes()
        #expect(audit.isValid, "\(audit.failure ?? "")")
    }

    // MARK: Factor tables

    /// A factor table with one field broken, and the problems it must be refused with.
    struct BrokenFactorTable: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var json: JSONValue
        var problems: [ExpectedProblem]

        static let grid: JSONValue = ["category": "grid", "geography": "CN-SC", "value": "0.5", "unit": "kgCO2e/kWh"]

        /// The valid grid factor with some members changed or added.
        static func grid(_ changes: JSONObject) -> JSONValue {
            .object((grid.objectValue ?? [:]).merging(changes) { $1 })
        }

        init(_ description: String, _ json: JSONValue, _ problems: [ExpectedProblem]) {
            testDescription = description
            self.json = json
            self.problems = problems
        }

        /// A valid table but for what the arguments change.
        static func table(
            year: JSONValue = 2023,
            source: String? = "IEA 2024",
            factors: [JSONValue] = [grid]
        ) -> JSONValue {
            var members: [String: JSONValue] = [
                "id": "grid-test", "version": 1, "year": year, "factors": .array(factors),
            ]
            if let source { members["source"] = .string(source) }
            return .object(members)
        }

        static let all: [BrokenFactorTable] = [
            BrokenFactorTable(
                "a table year before 1990",
                table(year: 1989),
                [ExpectedProblem(field: "/year", message: "must be a year between 1990 and 2100")]
            ),
            BrokenFactorTable(
                "a table year that is not whole",
                table(year: 2023.5),
                [ExpectedProblem(field: "/year", message: "must be a year between 1990 and 2100")]
            ),
            BrokenFactorTable(
                "a negative factor",
                table(factors: [grid(["value": "-0.01"])]),
                [ExpectedProblem(field: "/factors/0/value", message: "must not be negative")]
            ),
            BrokenFactorTable(
                "a factor year after 2100",
                table(factors: [grid(["year": 2101])]),
                [ExpectedProblem(field: "/factors/0/year", message: "must be a year between 1990 and 2100")]
            ),
            BrokenFactorTable(
                "an empty factor source",
                table(factors: [grid(["source": ""])]),
                [ExpectedProblem(field: "/factors/0/source", message: "must be a non-empty string")]
            ),
            BrokenFactorTable(
                "a factor source that is not a string",
                table(factors: [grid(["source": 7])]),
                [ExpectedProblem(field: "/factors/0/source", message: "must be a non-empty string")]
            ),
            BrokenFactorTable(
                "sources and a name with a line break or a tab, which `factors list` and `footprint` print on one line",
                table(source: "IEA 2024\nfake row", factors: [grid(["source": "IEA\t2024", "name": "grid\n  fake"])]),
                [
                    ExpectedProblem(
                        field: "/source",
                        message: "must not hold control characters (line breaks, tabs, escapes)"
                    ),
                    ExpectedProblem(
                        field: "/factors/0/source",
                        message: "must not hold control characters (line breaks, tabs, escapes)"
                    ),
                    ExpectedProblem(
                        field: "/factors/0/name",
                        message: "must not hold control characters (line breaks, tabs, escapes)"
                    ),
                ]
            ),
            BrokenFactorTable(
                "no source on the factor nor the table",
                table(source: nil),
                [
                    ExpectedProblem(field: "/source", message: "is required"),
                    ExpectedProblem(field: "/factors/0/source", message: "is required (here or on the table)"),
                ]
            ),
            BrokenFactorTable(
                "an unknown category, a negative value and a year before 1990, each named",
                table(factors: [grid(["category": "electricty", "value": "-0.5", "year": 1800])]),
                [
                    ExpectedProblem(field: "/factors/0/category", message: "must be one of "),
                    ExpectedProblem(field: "/factors/0/value", message: "must not be negative"),
                    ExpectedProblem(field: "/factors/0/year", message: "must be a year between 1990 and 2100"),
                ]
            ),
            BrokenFactorTable(
                "members a table and a factor do not have, which would be dropped",
                .object(
                    (table(factors: [grid(["basiss": "residual-mix"])]).objectValue ?? [:]).merging(["yaer": 2020]) {
                        $1
                    }
                ),
                [
                    ExpectedProblem(
                        field: "/yaer",
                        message: "is not a member of a factor table: it would be dropped; did you mean year?"
                    ),
                    ExpectedProblem(
                        field: "/factors/0/basiss",
                        message: "is not a member of a factor: it would be dropped; did you mean basis?"
                    ),
                ]
            ),
            BrokenFactorTable(
                "a table version without factors, which changes nothing",
                table(factors: []),
                [ExpectedProblem(field: "/factors", message: "is empty: a table version adds its factors")]
            ),
            BrokenFactorTable(
                "geographies no facility records: a country and a subdivision in lower case, and UK",
                table(factors: [
                    grid(["geography": "cn"]), grid(["geography": "cn-sc", "basis": "residual-mix"]),
                    [
                        "category": "material", "name": "nickel-sulfate", "geography": "UK", "value": "5",
                        "unit": "kgCO2e/kg",
                    ],
                    grid(["geography": "CN-East"]),
                ]),
                [
                    ExpectedProblem(
                        field: "/factors/0/geography",
                        message: "country codes are written in capitals, as facilities record them: CN"
                    ),
                    ExpectedProblem(
                        field: "/factors/1/geography",
                        message: "subdivision codes are written in capitals, as facilities record them: CN-SC"
                    ),
                    ExpectedProblem(
                        field: "/factors/2/geography",
                        message: "the United Kingdom is GB; a factor for it would apply to no facility"
                    ),
                ]
            ),
            BrokenFactorTable(
                "a grid factor without geography",
                table(factors: [["category": "grid", "value": "0.5", "unit": "kgCO2e/kWh"]]),
                [ExpectedProblem(field: "/factors/0/geography", message: "is required")]
            ),
            BrokenFactorTable(
                "a factor without unit",
                table(factors: [["category": "grid", "geography": "CN-SC", "value": "0.5"]]),
                [ExpectedProblem(field: "/factors/0/unit", message: "is required")]
            ),
            BrokenFactorTable(
                "a second factor for the same fuel, in another unit",
                table(factors: [
                    ["category": "fuel", "name": "diesel", "value": "0.074", "unit": "kgCO2e/MJ"],
                    ["category": "fuel", "name": "diesel", "value": "2.7", "unit": "kgCO2e/L"],
                ]),
                [
                    ExpectedProblem(
                        field: "/factors/1/name",
                        message: "the table already has a fuel factor for this name and geography"
                    )
                ]
            ),
            BrokenFactorTable(
                "fuel and transport factors by geography, which nothing reads",
                table(factors: [
                    ["category": "fuel", "name": "diesel", "geography": "AU", "value": "0.074", "unit": "kgCO2e/MJ"],
                    ["category": "transport", "name": "sea", "geography": "CN", "value": "0.01", "unit": "kgCO2e/tkm"],
                ]),
                [
                    ExpectedProblem(
                        field: "/factors/0/geography",
                        message: "a fuel factor applies everywhere: give no geography"
                    ),
                    ExpectedProblem(
                        field: "/factors/1/geography",
                        message: "a transport factor applies everywhere: give no geography"
                    ),
                ]
            ),
        ]
    }

    @Test("a factor table is refused by the field that is wrong", arguments: BrokenFactorTable.all)
    func factorTableChecks(_ broken: BrokenFactorTable) throws {
        let fixture = try ChainFixture()
        try expectRejection(fixture.chain, record: "grid-test", broken.problems) {
            try fixture.chain.recordFactorTable(broken.json)
        }
    }

    @Test("the table the factor-table cases break is valid")
    func factorTableBaseIsValid() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        try fixture.chain.recordFactorTable(BrokenFactorTable.table())
        #expect(try fixture.chain.ledger.size == size + 1)
    }

    @Test(
        "a factor written with an exponent reads back from the index and the entries alike; one above 10^6 or below 10^-9 is refused as new input"
    )
    func largeFactorReadsBack() throws {
        let fixture = try ChainFixture()
        try fixture.chain.recordFactorTable(
            BrokenFactorTable.table(factors: [BrokenFactorTable.grid(["value": "1e6"])])
        )
        let tables = try fixture.chain.factorTables()
        #expect(tables.count == 1)
        #expect(tables.first?.factors.first?.value == ExactDecimal(significand: 1, exponent: 6))
        #expect(try fixture.chain.auditIndexes().isValid)
        // Values no footprint could use: a gigatonne a kWh, and a number below any real factor.
        for (value, message) in [
            ("1e38", "is more than 10^6 kg CO2e a unit"), ("1e400", "is more than 10^6 kg CO2e a unit"),
            ("1e-12", "is below 10^-9 kg CO2e a unit"), ("1e-400", "is below 10^-9 kg CO2e a unit"),
        ] {
            var table = BrokenFactorTable.table(factors: [BrokenFactorTable.grid(["value": .string(value)])])
            table = .object((table.objectValue ?? [:]).merging(["version": 2]) { $1 })
            _ = try expectRejection(
                fixture.chain,
                record: "grid-test",
                [ExpectedProblem(field: "/factors/0/value", message: message)]
            ) { try fixture.chain.recordFactorTable(table) }
        }
    }

    // MARK: Disclosures and battery models

    @Test("a disclosure record needs a recipient and a lowercase hex SHA-256")
    func disclosureChecks() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        func disclosure(
            recipient: String = "Cell Buyer GmbH",
            sha256: String = String(repeating: "0a", count: 32)
        ) -> Disclosure {
            Disclosure(
                recipient: recipient,
                profile: "legitimate-interest",
                format: "custody",
                subject: "urn:epc:class:lgtin:4012345.011111.CELL-1",
                asOfSize: size,
                sha256: sha256,
                byteCount: 2048
            )
        }
        try expectRejection(
            fixture.chain,
            record: nil,
            [ExpectedProblem(field: "/recipient", message: "name the recipient (who receives the export)")]
        ) {
            try fixture.chain.recordDisclosure(disclosure(recipient: ""))
        }
        for digest in [
            String(repeating: "0A", count: 32), String(repeating: "0", count: 63), String(repeating: "g", count: 64),
        ] {
            try expectRejection(
                fixture.chain,
                record: "Cell Buyer GmbH",
                [ExpectedProblem(field: "/sha256", message: "must be 64 lowercase hex digits")]
            ) {
                try fixture.chain.recordDisclosure(disclosure(sha256: digest))
            }
        }
        try fixture.chain.recordDisclosure(disclosure())
        #expect(try fixture.chain.ledger.size == size + 1)
    }

    @Test("a battery model needs cycles per year unless its category gives them")
    func batteryModelCycles() throws {
        let fixture = try ChainFixture()
        let problem = ExpectedProblem(
            field: "/cyclesPerYear",
            message: "is required when the category has no default (M1/N1 60, L 20, M2/M3/N2/N3 250)"
        )
        try expectRejection(fixture.chain, record: "stationary-x", [problem]) {
            try fixture.chain.registerBatteryModel([
                "id": "stationary-x", "category": "industrial", "serviceYears": "15",
            ])
        }
        try expectRejection(fixture.chain, record: "cell-x", [problem]) {
            try fixture.chain.registerBatteryModel(["id": "cell-x", "serviceYears": "8"])
        }
        let size = try fixture.chain.ledger.size
        try fixture.chain.registerBatteryModel(["id": "cell-x", "category": "M1", "serviceYears": "8"])
        #expect(try fixture.chain.ledger.size == size + 1)
        // Registered again, and with a service life out of range: both are named.
        try expectRejection(
            fixture.chain,
            record: "cell-x",
            [
                ExpectedProblem(field: "/serviceYears", message: "must be greater than 0 and at most 100"),
                ExpectedProblem(field: "/id", message: "battery model cell-x is already registered"),
            ]
        ) {
            try fixture.chain.registerBatteryModel(["id": "cell-x", "category": "M1", "serviceYears": "0"])
        }
    }

    @Test("a battery model's name and chemistry are refused blank or with a control character, with its other problems")
    func batteryModelPrintedText() throws {
        let fixture = try ChainFixture()
        let size = try fixture.chain.ledger.size
        try expectRejection(
            fixture.chain,
            record: "cell-y",
            [
                ExpectedProblem(
                    field: "/name",
                    message: "must not hold control characters (line breaks, tabs, escapes)"
                ),
                ExpectedProblem(field: "/chemistry", message: "must not be blank: leave it out when there is none"),
                ExpectedProblem(field: "/serviceYears", message: "must be greater than 0 and at most 100"),
            ]
        ) {
            try fixture.chain.registerBatteryModel([
                "id": "cell-y", "category": "M1", "serviceYears": "0",
                "name": "NMC811 pouch\n#12 model.register cell-z", "chemistry": " \t",
            ])
        }
        #expect(try fixture.chain.ledger.size == size)
        try fixture.chain.registerBatteryModel([
            "id": "cell-y", "category": "M1", "serviceYears": "8", "name": "NMC811 pouch", "chemistry": "NMC811",
        ])
        #expect(try fixture.chain.ledger.size == size + 1)
    }
}
