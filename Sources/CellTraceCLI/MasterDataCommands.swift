import ArgumentParser
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `celltrace keygen` command: a key pair for an actor.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 key pair for an actor that signs submissions.",
        discussion: prose(
            """
            Writes the private key to OUT (PEM, mode 0600) and the public key beside it, with
            .pub.pem in place of .pem; neither file may exist. Register the public key with
            `celltrace actor add`; keep the private key with the actor.

            Example:
              celltrace keygen keys/pilbara-mining.pem
            """
        )
    )

    @Argument(help: ArgumentHelp("Where to write the private key.", valueName: "out.pem"))
    var output: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        // The private key under a public key's name would be sent where public keys go.
        guard !output.hasSuffix(".pub.pem") else {
            throw Failure.badInput(
                "\(output) is a public key's name: give the private key's, such as \(output.dropLast(8)).pem (the public key goes beside it as .pub.pem)"
            )
        }
        let publicPath = (output.hasSuffix(".pem") ? String(output.dropLast(4)) : output) + ".pub.pem"
        // The private key's file is named first, whether or not its public key is there too: it
        // is the one given, and the one a key pair must not overwrite.
        if FileIO.exists(output) { throw Failure.badInput(Self.exists(output)) }
        // Named as the directory given, not as the public key's file, which is written first.
        if let slash = output.lastIndex(of: "/"), slash != output.startIndex {
            let directory = String(output[..<slash])
            if FileIO.names(in: directory) == nil, errno == ENOENT || errno == ENOTDIR {
                let what = errno == ENOENT ? "there is no directory \(directory)" : "\(directory) is not a directory"
                throw Failure.badInput("cannot write \(output): \(what); no key pair was made")
            }
        }
        let key = Ed25519PrivateKey()
        do {
            try FileIO.writeNew(key.publicKey.pemRepresentation, to: publicPath)
        } catch let error as FileIO.Error {
            // A full disk is no bad input: 3, as for every command.
            if error.diskFull {
                throw Failure(status: .internalFailure, message: "\(error.message); no key pair was made")
            }
            throw Failure.badInput(error.exists ? Self.exists(publicPath) : error.message)
        }
        do {
            try key.write(toPEMFile: output)
        } catch {
            // A key pair is made whole or not at all.
            FileIO.remove(publicPath)
            let full = ((error as? CryptoError)?.cause as? NewFile.Failure)?.isDiskFull == true
            throw Failure(
                status: full ? .internalFailure : .badInput,
                message: "cannot write \(output): \(error); no key pair was made"
            )
        }
        let keyID = ActorKey.id(of: key.publicKey.rawRepresentation)
        if json {
            Console.out(
                JSONValue.object([
                    "privateKey": .string(output), "publicKey": .string(publicPath), "keyID": .string(keyID),
                ]).canonicalString
            )
        } else {
            Console.out("private key: \(output) (keep it secret)")
            Console.out("public key:  \(publicPath)")
            Console.out("key id:      \(keyID)")
        }
    }

    /// The refusal of a key file that exists, in one wording for either half.
    static func exists(_ path: String) -> String {
        "cannot create \(path): it exists, and keygen overwrites no key; give a new name (no key pair was made)"
    }
}

/// Reads a public key from a PEM file (or the public half of a private key PEM, with a warning:
/// the private key should not have left its holder).
func readPublicKey(_ path: String) throws -> Ed25519PublicKey {
    let text = String(decoding: try InputFile.read(path), as: UTF8.self)
    if let key = try? Ed25519PublicKey(pemRepresentation: text) { return key }
    if let key = try? Ed25519PrivateKey(pemRepresentation: text) {
        Console.err(
            "celltrace: warning: \(path) is a private key; only its public half is used. A private key stays with its actor: ask for the .pub.pem that `celltrace keygen` wrote beside it"
        )
        return key.publicKey
    }
    throw Failure.badInput("\(path) holds no Ed25519 key in PEM form; make one with `celltrace keygen`")
}

/// The `celltrace actor` command.
struct ActorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actor",
        abstract: "Register actors and manage their keys.",
        subcommands: [Add.self, List.self, KeyRotate.self, KeyRevoke.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Register an actor with its role and public key.",
            discussion: prose(
                """
                NAME is the actor's identifier in the ledger. --party adds a URI (GS1 PGLN/GLN or
                Digital Link) by which EPCIS source and destination lists name the actor;
                urn:celltrace:actor:NAME always names it.

                Example:
                  celltrace actor add pilbara-mining --role miner --key keys/pilbara-mining.pub.pem \\
                    --legal-name "Pilbara Spodumene Pty Ltd" --party urn:epc:id:pgln:9300001.00000
                """
            )
        )

        @OptionGroup var options: LedgerOptions
        @Argument(help: "The actor's identifier.") var name: String
        @Option(help: ArgumentHelp("One of: \(ActorRole.allCases.map(\.rawValue).joined(separator: ", ")).")) var role:
            String
        @Option(help: ArgumentHelp("The actor's public key (PEM).", valueName: "pub.pem")) var key: String
        @Option(name: .customLong("legal-name"), help: "The legal or trading name (default: NAME).") var legalName:
            String?
        @Option(help: ArgumentHelp("A party URI that names the actor in EPCIS; repeatable.", valueName: "uri"))
        var party: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard let role = ActorRole(rawValue: role) else {
                throw Failure.badInput(
                    "--role \(role): use one of \(ActorRole.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let chain = try options.openChain()
            let receipt = try chain.registerActor(
                ActorDraft(
                    id: name,
                    name: legalName ?? name,
                    role: role,
                    publicKey: try readPublicKey(key),
                    parties: party
                )
            )
            printReceipt(receipt, json: json, what: "actor \(name) registered")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the registered actors and their keys.",
            discussion: prose(
                """
                KEY is the key that signs the actor's submissions now and SINCE the entry it has been
                in force from; (none valid) when the actor's last key was revoked, SINCE then being
                the revocation's entry. The keys each actor had before follow the table, with the
                entries that added and ended them and whether a rotation or a revocation ended them.

                Example:
                  celltrace actor list --json
                """
            )
        )
        @OptionGroup var options: LedgerOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let actors = try options.openChain(readOnly: true).actors()
            if json {
                Console.out(JSONValue.array(actors.map(actorJSON)).canonicalString)
                return
            }
            var table = TextTable("ACTOR", "ROLE", "NAME", "KEY", "SINCE", "PARTIES")
            var earlier = TextTable("ACTOR", "KEY", "ADDED", "ENDED", "HOW")
            for actor in actors {
                let current = actor.currentKey
                // Without a valid key, the actor has had none since its last key was revoked.
                let since = current?.validFrom ?? actor.keys.last?.validUntil ?? actor.registeredAt
                table.add(
                    actor.id,
                    actor.role.rawValue,
                    actor.name,
                    current?.id ?? "(none valid)",
                    "#\(since)",
                    actor.parties.dropFirst().joined(separator: " ")
                )
                for (index, key) in actor.keys.enumerated() {
                    guard let until = key.validUntil else { continue }
                    earlier.add(
                        actor.id,
                        key.id,
                        "#\(key.validFrom)",
                        "#\(until)",
                        Self.howEnded(key, next: actor.keys.dropFirst(index + 1).first)
                    )
                }
            }
            Console.out(table.rendered)
            if !earlier.rows.isEmpty {
                Console.out("\nEarlier keys, which verify what they signed before ENDED and sign nothing new:")
                Console.out(earlier.rendered)
            }
            // The party every actor has, which the table leaves out of each row.
            if let first = actors.first {
                Console.out(
                    "\nEvery actor is also the party urn:celltrace:actor:ACTOR (\(Actor.defaultParty(first.id)) for \(first.id)), "
                        + "for sourceList and destinationList entries of type owning_party."
                )
            }
        }

        /// How a key that no longer signs was ended: by the rotation that added `next` (which sets
        /// the old key's end to the new key's start) or by a revocation, or both, when a key rotated
        /// out was revoked later (its end stays the rotation's, and the revocation's entry is named).
        static func howEnded(_ key: ActorKey, next: ActorKey?) -> String {
            let rotated = next.map { $0.validFrom == key.validUntil } ?? false
            guard let reason = key.revocationReason else { return "rotated out" }
            // A reason is one line of the table.
            let said = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
            // The default reason is the word itself.
            let why = said == "revoked" ? "" : ": \(said)"
            guard rotated else { return "revoked\(why)" }
            return "rotated out, later revoked\(key.revokedAt.map { " at #\($0)" } ?? "")\(why)"
        }
    }

    struct KeyRotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "key-rotate",
            abstract: "Give an actor a new key; the old key stays valid for what it signed before.",
            discussion: "Example:\n  celltrace actor key-rotate pilbara-mining --key keys/pilbara-mining-2027.pub.pem"
        )
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The actor.") var name: String
        @Option(help: ArgumentHelp("The new public key (PEM).", valueName: "pub.pem")) var key: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let receipt = try options.openChain().rotateKey(actor: name, to: try readPublicKey(key))
            printReceipt(receipt, json: json, what: "key of \(name) rotated")
        }
    }

    struct KeyRevoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "key-revoke",
            abstract: "Revoke an actor's key: it signs nothing from now on.",
            discussion:
                "Example:\n  celltrace actor key-revoke pilbara-mining --key-id 3f9a0c1d2e4b5a69 --reason compromised"
        )
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The actor.") var name: String
        @Option(name: .customLong("key-id"), help: "The key's id (see `celltrace actor list`).") var keyID: String
        @Option(help: "Why the key is revoked.") var reason = "revoked"
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let receipt = try options.openChain().revokeKey(actor: name, keyID: keyID, reason: reason)
            printReceipt(receipt, json: json, what: "key \(keyID.lowercased()) of \(name) revoked")
        }
    }
}

func actorJSON(_ actor: Actor) -> JSONValue {
    .object([
        "id": .string(actor.id), "name": .string(actor.name), "role": .string(actor.role.rawValue),
        "parties": .array(actor.parties.map(JSONValue.string)), "registeredAt": .number(Double(actor.registeredAt)),
        "keys": .array(
            actor.keys.map { key in
                var members: [String: JSONValue] = [
                    "id": .string(key.id), "ed25519": .string(Base64.encode(key.publicKey)),
                    "validFrom": .number(Double(key.validFrom)),
                ]
                if let until = key.validUntil { members["validUntil"] = .number(Double(until)) }
                if let reason = key.revocationReason { members["revoked"] = .string(reason) }
                if let revokedAt = key.revokedAt { members["revokedAt"] = .number(Double(revokedAt)) }
                return .object(members)
            }
        ),
    ])
}

/// Prints what an append did.
func printReceipt(_ receipt: AppendReceipt, json: Bool, what: String) {
    if json {
        Console.out(
            JSONValue.object([
                "sequenceNumber": .number(Double(receipt.firstSequenceNumber)),
                "treeSize": .number(Double(receipt.treeSize)),
                "checkpoint": .string(receipt.checkpoint.note.formatted),
            ]).canonicalString
        )
    } else {
        Console.out("\(what) (entry #\(receipt.firstSequenceNumber); ledger size \(receipt.treeSize))")
    }
}

/// The `celltrace facility` command.
struct FacilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facility",
        abstract: "Register facilities, correct them, transfer them to another operator, show and list them.",
        subcommands: [Add.self, Amend.self, Transfer.self, Show.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Register a facility: its operator, kind, country and grid region.",
            discussion: prose(
                """
                ID is what EPCIS events give as bizLocation.id (an SGLN URI, a Digital Link or the
                operator's own URI). --latitude/--longitude are stored as a salted commitment.

                Example:
                  celltrace facility add urn:epc:id:sgln:6900002.00001.0 --operator sichuan-lithium \\
                    --kind refinery --country CN --subdivision CN-SC --region CN-SC
                """
            )
        )
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The facility's identifier.") var id: String
        @Option(help: "The operating actor.") var `operator`: String
        @Option(help: ArgumentHelp("One of: \(FacilityKind.allCases.map(\.rawValue).joined(separator: ", "))."))
        var kind: String
        @Option(help: "ISO 3166-1 alpha-2 country code.") var country: String
        @Option(help: "ISO 3166-2 subdivision code (CN-SC).") var subdivision: String?
        @Option(help: "Electricity grid region, when not the subdivision or country.") var region: String?
        @Option(help: "A readable name.") var name: String?
        @Option(parsing: .unconditional, help: "Latitude in decimal degrees (south negative: --latitude -21.04).")
        var latitude: String?
        @Option(parsing: .unconditional, help: "Longitude in decimal degrees (west negative).") var longitude: String?
        @Option(
            help: ArgumentHelp(
                "Due-diligence flag (conflict-affected, high-risk, artisanal); repeatable.",
                valueName: "flag"
            )
        )
        var risk: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard let kind = FacilityKind(rawValue: kind) else {
                throw Failure.badInput(
                    "--kind \(kind): use one of \(FacilityKind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard (latitude == nil) == (longitude == nil) else {
                throw Failure.badInput("give --latitude and --longitude together")
            }
            let receipt = try options.openChain().registerFacility(
                FacilityDraft(
                    id: id,
                    name: name,
                    operatorID: `operator`,
                    kind: kind,
                    country: country,
                    subdivision: subdivision,
                    gridRegion: region,
                    location: latitude.flatMap { lat in longitude.map { (lat, $0) } },
                    riskFlags: risk
                )
            )
            printReceipt(receipt, json: json, what: "facility \(id) registered")
        }
    }

    struct Amend: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "amend",
            abstract: "Correct a facility's master data: name, kind, country, region, coordinates or flags.",
            discussion: prose(
                """
                The amendment is an entry of its own, with its reason; the registration stays.
                Footprints, traces and exports as of a ledger size before it (--as-of) read the
                facility as it was, so what was declared then can be computed again; later ones read
                the corrected values. A new operator is recorded with `facility transfer`. New
                coordinates (--latitude with --longitude) are sealed in the amendment's entry as at
                registration: exports reveal them to authorities and auditors only, and `facility
                show` and `list` say that they changed, not what they are.

                Example:
                  celltrace facility amend urn:epc:id:sgln:6900002.00001.0 --region CN-SC \\
                    --reason "on the Sichuan grid, not the national one"
                """
            )
        )
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The facility's identifier.") var id: String
        @Option(help: "Why the record was wrong.") var reason: String
        @Option(help: "A readable name.") var name: String?
        @Option(help: ArgumentHelp("One of: \(FacilityKind.allCases.map(\.rawValue).joined(separator: ", "))."))
        var kind: String?
        @Option(help: "ISO 3166-1 alpha-2 country code.") var country: String?
        @Option(help: "ISO 3166-2 subdivision code (CN-SC).") var subdivision: String?
        @Option(help: "Electricity grid region, when not the subdivision or country.") var region: String?
        @Option(parsing: .unconditional, help: "Latitude in decimal degrees (south negative: --latitude -21.04).")
        var latitude: String?
        @Option(parsing: .unconditional, help: "Longitude in decimal degrees (west negative).") var longitude: String?
        @Option(
            help: ArgumentHelp(
                "Due-diligence flag (conflict-affected, high-risk, artisanal); repeatable; replaces the flags.",
                valueName: "flag"
            )
        )
        var risk: [String] = []
        @Option(
            help: ArgumentHelp(
                "Remove a field: name, subdivision, region, location or risk; repeatable.",
                valueName: "field"
            )
        )
        var clear: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            var changes: [String: JSONValue] = [:]
            if let name { changes["name"] = .string(name) }
            if let kind { changes["kind"] = .string(kind) }
            if let country { changes["country"] = .string(country) }
            if let subdivision { changes["subdivision"] = .string(subdivision) }
            if let region { changes["gridRegion"] = .string(region) }
            if !risk.isEmpty { changes["riskFlags"] = .array(risk.map(JSONValue.string)) }
            guard (latitude == nil) == (longitude == nil) else {
                throw Failure.badInput("give --latitude and --longitude together")
            }
            if let latitude, let longitude {
                changes["location"] = ["latitude": .string(latitude), "longitude": .string(longitude)]
            }
            let fields = [
                "name": "name", "subdivision": "subdivision", "region": "gridRegion", "location": "location",
                "risk": "riskFlags",
            ]
            for field in clear {
                guard let key = fields[field] else {
                    throw Failure.badInput("--clear \(field): use name, subdivision, region, location or risk")
                }
                guard changes[key] == nil else {
                    throw Failure.badInput("--clear \(field) and a new value for it: give one or the other")
                }
                changes[key] = .null
            }
            guard !changes.isEmpty else {
                throw Failure.badInput(
                    "give a field to correct: --name, --kind, --country, --subdivision, --region, --latitude and --longitude, --risk or --clear"
                )
            }
            let receipt = try options.openChain().amendFacility(id, reason: reason, changes: changes)
            printReceipt(receipt, json: json, what: "facility \(id) amended")
        }
    }

    struct Transfer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transfer",
            abstract: "Record that a facility changed hands: from now on only the new operator records events there.",
            discussion: prose(
                """
                The transfer is an entry of its own; the registration stays. Events recorded before it
                keep the operator they were recorded under (the battery passport names the operator
                of each origin when its lot was made), and the former operator may still declare its
                own events in error.

                Example:
                  celltrace facility transfer urn:epc:id:sgln:6900002.00001.0 --to tianqi-lithium \\
                    --reason "sold on 2026-06-30"
                """
            )
        )
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The facility's identifier.") var id: String
        @Option(help: "The registered actor that operates the facility from now on.") var to: String
        @Option(help: "Why (a sale, a merger, a renamed company).") var reason: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let receipt = try options.openChain().transferFacility(id, to: to, reason: reason)
            printReceipt(receipt, json: json, what: "facility \(id) transferred to \(to)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a facility: its record and its history of transfers and amendments.",
            discussion: prose(
                """
                With --as-of, the facility as the ledger had it then: what a footprint computed then
                used.

                Example:
                  celltrace facility show urn:epc:id:sgln:6900002.00001.0 --as-of 2026-03-01
                """
            )
        )
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The facility's identifier.") var id: String
        @OptionGroup var asOf: AsOfOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let chain = try options.openChain(readOnly: true)
            let size = try asOf.point().size(in: chain.ledger, now: try chain.ledger.size)
            guard let facility = try chain.facility(id)?.asOf(size), facility.registeredAt < size else {
                throw Failure.badInput(
                    "no facility \(id) is registered\(asOf.asOf == nil ? "" : " as of size \(size)")"
                )
            }
            if json {
                Console.out(facilityJSON(facility).canonicalString)
                return
            }
            Console.out("facility  \(facility.id)")
            if let name = facility.name { Console.out("name      \(name)") }
            Console.out("kind      \(facility.kind.rawValue)")
            let place = [facility.subdivision, facility.gridRegion.map { "grid region \($0)" }].compactMap { $0 }
            Console.out(
                "country   \(facility.country)\(place.isEmpty ? "" : " (" + place.joined(separator: ", ") + ")")"
            )
            Console.out(
                "operator  \(facility.operatorID)\(facility.transfers.last.map { " since entry #\($0.at)" } ?? "")"
            )
            if !facility.riskFlags.isEmpty { Console.out("flags     \(facility.riskFlags.joined(separator: ", "))") }
            if facility.location != nil {
                let amended = facility.amendments.contains { $0.changes.contains { $0.field == "location" } }
                Console.out("location  sealed at \(amended ? "its last amendment" : "registration")")
            }
            Console.out("as of     ledger size \(size)")
            var history: [(at: UInt64, text: String)] = [
                (facility.registeredAt, "registered, operated by \(facility.operatorID(at: facility.registeredAt))")
            ]
            for transfer in facility.transfers {
                history.append(
                    (
                        transfer.at,
                        "transferred from \(transfer.from) to \(transfer.to)"
                            + (transfer.reason.map { ": \($0)" } ?? "")
                    )
                )
            }
            for amendment in facility.amendments {
                let changes = amendment.changes.map { "\($0.field) \(Self.text($0.before)) → \(Self.text($0.after))" }
                history.append((amendment.at, "amended \(changes.joined(separator: ", ")): \(amendment.reason)"))
            }
            Console.out("history")
            let width = history.map { "#\($0.at)".count }.max() ?? 0
            for (at, text) in history.sorted(by: { $0.at < $1.at }) {
                let number = "#\(at)"
                Console.out("  " + number + String(repeating: " ", count: width - number.count) + "  " + text)
            }
        }

        private static func text(_ value: JSONValue) -> String {
            switch value {
            case .object where value["latitude"] != nil: "(sealed)"
            case .null: "(none)"
            case .string(let text): text
            case .array(let elements): elements.compactMap(\.stringValue).joined(separator: ",")
            default: value.canonicalString
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the registered facilities.",
            discussion: "Example:\n  celltrace facility list --json"
        )
        @OptionGroup var options: LedgerOptions
        @OptionGroup var asOf: AsOfOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let chain = try options.openChain(readOnly: true)
            let size = try asOf.point().size(in: chain.ledger, now: try chain.ledger.size)
            let facilities = try chain.facilities().filter { $0.registeredAt < size }.map { $0.asOf(size) }
            if json {
                Console.out(JSONValue.array(facilities.map(facilityJSON)).canonicalString)
                return
            }
            // The subdivision and the grid region apart: a footprint reads the grid region alone.
            var table = TextTable("FACILITY", "KIND", "OPERATOR", "COUNTRY", "SUBDIVISION", "GRID REGION", "FLAGS")
            for facility in facilities {
                table.add(
                    facility.id,
                    facility.kind.rawValue,
                    facility.transfers.last.map { "\(facility.operatorID) (since #\($0.at))" } ?? facility.operatorID,
                    facility.country,
                    facility.subdivision ?? "",
                    facility.gridRegion ?? "",
                    facility.riskFlags.joined(separator: ",")
                )
            }
            Console.out(table.rendered)
        }
    }
}

/// A facility as `facility list --json` and `facility show --json` print it: its record without
/// its coordinates, with its transfers and amendments when it has any.
private func facilityJSON(_ facility: Facility) -> JSONValue {
    var members: [String: JSONValue] = [
        "id": .string(facility.id), "operator": .string(facility.operatorID),
        "kind": .string(facility.kind.rawValue), "country": .string(facility.country),
        "registeredAt": .number(Double(facility.registeredAt)),
        "riskFlags": .array(facility.riskFlags.map(JSONValue.string)),
    ]
    if let name = facility.name { members["name"] = .string(name) }
    if let subdivision = facility.subdivision { members["subdivision"] = .string(subdivision) }
    if let region = facility.gridRegion { members["gridRegion"] = .string(region) }
    if !facility.transfers.isEmpty { members["transfers"] = .array(facility.transfers.map(\.json)) }
    if !facility.amendments.isEmpty {
        // Coordinates are sealed: an amendment says that they changed, not what they are.
        members["amendments"] = .array(
            facility.amendments.map { amendment in
                var amendment = amendment
                for index in amendment.changes.indices where amendment.changes[index].field == "location" {
                    for side in [\FacilityAmendment.Change.before, \.after]
                    where !amendment.changes[index][keyPath: side].isNull {
                        amendment.changes[index][keyPath: side] = "sealed"
                    }
                }
                return amendment.json
            }
        )
    }
    return .object(members)
}

/// The `celltrace factors` command.
struct FactorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factors",
        abstract: "Record versioned emission-factor tables and list them.",
        subcommands: [Add.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Record a version of an emission-factor table (JSON; see Docs/DATA-MODEL.md).",
            discussion: "Example:\n  celltrace factors add Fixtures/factors/reference-2023.json"
        )
        @OptionGroup var options: LedgerOptions
        @Argument(help: ArgumentHelp("The table as JSON, or - for standard input.", valueName: "file")) var file: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let table: JSONValue
            do {
                table = try JSONValue(parsing: try InputFile.read(file))
            } catch let error as LedgerError {
                throw Failure.badInput("\(file): \(error.message)")
            }
            let receipt = try options.openChain().recordFactorTable(table)
            printReceipt(receipt, json: json, what: "factor table \(table["id"]?.stringValue ?? "?") recorded")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the recorded factor tables.",
            discussion: "Example:\n  celltrace factors list"
        )
        @OptionGroup var options: LedgerOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let tables = try options.openChain(readOnly: true).factorTables()
            var table = TextTable("TABLE", "VERSION", "YEAR", "FACTORS", "SOURCE")
            var array: [JSONValue] = []
            for entry in tables {
                table.add(
                    entry.id,
                    String(entry.version),
                    String(entry.year),
                    String(entry.factors.count),
                    entry.source
                )
                array.append(
                    .object([
                        "id": .string(entry.id), "version": .number(Double(entry.version)),
                        "year": .number(Double(entry.year)), "factors": .number(Double(entry.factors.count)),
                        "source": .string(entry.source),
                    ])
                )
            }
            Console.out(json ? JSONValue.array(array).canonicalString : table.rendered)
        }
    }
}
