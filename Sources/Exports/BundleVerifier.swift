import Carbon
public import LedgerCore
import LedgerCrypto
import SupplyChain

/// Checks a custody bundle offline, with nothing but the ledger's verifier key
/// (Docs/EXPORTS.md §1.6), in the order the format lists: checkpoint, entries and proofs, openings,
/// submission signatures, the trace and the footprint recomputed, and an optional consistency proof.
public struct BundleVerifier {
    /// What a recomputation came to.
    public enum Recomputation: Sendable, Hashable, CustomStringConvertible {
        /// Recomputed from the bundle's fields, and equal to the stated figures.
        case recomputed(items: Int)
        /// Stated only: the profile withholds what recomputing needs.
        case stated(reason: String)
        /// Recomputed and equal to the stated figures but for the parts named, which rest on what
        /// the profile withholds and are stated.
        case partly(items: Int, stated: [String], reason: String)

        /// The result in words.
        public var description: String {
            switch self {
            case .recomputed(let items): "recomputed from the entries (\(items) items), equal to the stated figures"
            case .stated(let reason): "stated, not recomputed: \(reason)"
            case .partly(let items, let stated, let reason):
                "recomputed from the entries (\(items) items), equal to the stated figures; \(stated.count) "
                    + "\(stated.count == 1 ? "part" : "parts") stated, not recomputed, as \(reason): "
                    + stated.joined(separator: "; ")
            }
        }
    }

    /// What a verified bundle shows.
    public struct Report: Sendable {
        /// The subject.
        public var subject: String
        /// The profile it was written in.
        public var profile: String
        /// The ledger origin.
        public var origin: String
        /// The checkpoint's tree size.
        public var treeSize: UInt64
        /// Entries checked (canonical form, inclusion proof).
        public var entries = 0
        /// Openings checked against their commitments.
        public var openings = 0
        /// Sealed fields withheld by the profile.
        public var withheld = 0
        /// Submission signatures checked.
        public var submissions = 0
        /// Event entries whose signing submission was found and checked.
        public var signedEvents = 0
        /// Verifiers' attestations whose signatures were checked.
        public var attestations = 0
        /// Attestations whose signed root was proved a root of this ledger's history (a
        /// consistency proof from their `ledgerSize` to the checkpoint).
        public var attestationRoots = 0
        /// Attestations the footprint relies on whose verifier withdrew them after the footprint's
        /// size, as the withdrawals the bundle carries say, oldest attestation first: the verified
        /// share is as the ledger stood at that size, and no longer stands.
        public var withdrawnSince: [Withdrawal] = []
        /// The share of the footprint verifiers attested, by method, as stated and recomputed from
        /// the attestations; empty when the footprint relies on none.
        public var verifiedShare: [String: Double] = [:]
        /// Whether the factor tables each verified contribution uses were checked against the
        /// working; without one (`public`) they are as the bundle states them.
        public var factorEntriesFromWorking = false
        /// The trace.
        public var trace = Recomputation.stated(reason: "not checked")
        /// The footprint.
        public var footprint = Recomputation.stated(reason: "not checked")
        /// The earlier checkpoint's size, when a consistency proof from it was checked.
        public var consistentFrom: UInt64?
        /// Why the footprint's functional units (`usableKWh`, `lifetimeKWh`) are stated, not
        /// recomputed from the commissioning and battery model entries; `nil` when they are.
        public var functionalUnitStated: String?
        /// kg CO2e of the subject, by method, as stated (and recomputed when ``footprint`` says so).
        public var totals: [String: Double] = [:]
        /// The key each submission signature was checked against, in entry order: the key the
        /// ledger had registered for the actor, which a recipient compares with the one it obtained
        /// from the supplier itself.
        public var submissionKeys: [SignerKey] = []
        /// The key each attestation the footprint relies on was checked against, in entry order:
        /// who attested, to compare with the verifier's key obtained from the verifier itself.
        public var attestationKeys: [SignerKey] = []
    }

    /// A signed entry and the actor key its signature verified with, as the bundle's key entries give it.
    ///
    /// The bundle proves only that the ledger had registered this key for the actor: whoever runs
    /// the ledger registers actors and their keys, so the key ID is to be compared with the key the
    /// actor gave the recipient directly.
    public struct SignerKey: Sendable, Hashable {
        /// The signed entry (a submission or an attestation).
        public var entry: UInt64
        /// The actor that signed it.
        public var actor: String
        /// The actor's name, as registered.
        public var name: String
        /// The actor's role, as registered.
        public var role: String
        /// The key's ID: the first 8 bytes of SHA-256 of the raw Ed25519 public key, in hex.
        public var keyID: String
        /// The entry that registered the key for the actor (its registration or a key rotation).
        public var keyEntry: UInt64
    }

    /// A verifier's withdrawal of an attestation, as a bundle carries it.
    public struct Withdrawal: Sendable, Hashable {
        /// The attestation's entry.
        public var attestation: UInt64
        /// The withdrawal's entry.
        public var withdrawal: UInt64
        /// The verifier that withdrew it.
        public var verifier: String
        /// Why, in the verifier's words.
        public var reason: String
    }

    /// The first item that does not verify.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The item, such as `checkpoint`, `entry 57` or `footprint`.
        public var item: String
        /// What is wrong.
        public var message: String

        /// Creates a failure.
        public init(item: String, message: String) {
            self.item = item
            self.message = message
        }

        /// The item and what is wrong with it.
        public var description: String { "\(item): \(message)" }
    }

    private let bundle: JSONValue
    private let key: NoteVerifierKey
    /// SHA-256 of the bundle's canonical bytes without its statement: what the statement signs.
    private let contentDigest: SHA256Digest

    /// A verifier for `bytes` with the ledger's verifier key.
    ///
    /// - Parameters:
    ///   - bytes: The bundle file.
    ///   - key: The ledger's verifier key (`celltrace key` prints it).
    /// - Throws: ``ExportError`` when the bytes are not a custody bundle.
    public init(bytes: [UInt8], key: NoteVerifierKey) throws {
        let json: JSONValue
        do {
            // As deep as the exporter writes a bundle, which holds an opening deeper than its entry.
            json = try JSONValue(parsing: bytes, maxDepth: CustodyBundle.maxDepth)
        } catch let error as LedgerError {
            // The parser's own advice is for an input to import; a bundle is not to be fixed by hand.
            let problem = error.jsonProblem.map { "\($0) at byte offset \(error.byteOffset ?? 0)" } ?? error.message
            throw ExportError(
                "not a custody bundle: the file is not JSON (\(problem)); a bundle is the file `celltrace export custody` writes, as the sender sent it"
            )
        } catch {
            throw ExportError("not a custody bundle: the file is not JSON (\(error))")
        }
        guard json["format"]?.stringValue == CustodyBundle.format else {
            throw ExportError(
                "not a custody bundle: format is \(json["format"].map { $0.canonicalString } ?? "missing"), expected \"\(CustodyBundle.format)\""
            )
        }
        let members = CanonicalMembers(json.objectValue ?? [:])
        guard members.bytes + [0x0a] == bytes else {
            throw ExportError(
                "not a custody bundle as written: a bundle is its canonical JSON (RFC 8785) and one newline, and this file differs from that"
            )
        }
        bundle = json
        self.key = key
        contentDigest = SHA256.hash(members.bytes(excluding: "statement"))
    }

    /// Verifies everything; the first failure throws.
    ///
    /// - Parameter since: A checkpoint the recipient kept earlier, whose consistency with the
    ///   bundle's checkpoint must be proved by the bundle.
    /// - Returns: What was verified.
    /// - Throws: ``Failure`` naming the first item that fails.
    public func verify(since: SignedCheckpoint? = nil) throws -> Report {
        guard let origin = bundle["origin"]?.stringValue, let treeSize = Self.count(bundle["treeSize"]),
            let subject = bundle["subject"]?.stringValue, let profile = bundle["profile"]?.stringValue,
            let checkpointText = bundle["checkpoint"]?.stringValue, let entryList = bundle["entries"]?.arrayValue
        else {
            throw Failure(
                item: "bundle",
                message: "origin, treeSize, subject, profile, checkpoint and entries are required"
            )
        }
        guard let disclosure = DisclosureProfile(rawValue: profile) else {
            throw Failure(item: "bundle", message: "profile \(profile) is not one of the disclosure profiles")
        }
        if let consistency = bundle["consistency"], consistency.arrayValue == nil {
            throw Failure(item: "bundle", message: "consistency is not a list of proofs")
        }
        var report = Report(subject: subject, profile: profile, origin: origin, treeSize: treeSize)
        // 1. The checkpoint.
        let checkpoint: SignedCheckpoint
        do {
            checkpoint = try SignedCheckpoint(parsing: checkpointText)
            // The origin the recipient expects is the key's name, as C2SP recommends and every
            // CellTrace ledger signs with: the bundle's own word for it proves nothing.
            try checkpoint.verify(with: key)
        } catch {
            throw Failure(item: "checkpoint", message: Self.text(of: error))
        }
        guard checkpoint.checkpoint.origin.utf8.elementsEqual(origin.utf8) else {
            throw Failure(
                item: "checkpoint",
                message: "it is from origin \"\(checkpoint.checkpoint.origin)\", the bundle says \"\(origin)\""
            )
        }
        guard checkpoint.checkpoint.size == treeSize else {
            throw Failure(
                item: "checkpoint",
                message: "it is for size \(checkpoint.checkpoint.size), the bundle says \(treeSize)"
            )
        }
        // 2. Entries and their proofs; 3. openings.
        var entries: [UInt64: Entry] = [:]
        var bodies: [UInt64: JSONValue] = [:]
        for element in entryList {
            guard let sequence = Self.count(element["seq"]) else {
                throw Failure(item: "entries", message: "an entry without seq")
            }
            let item = "entry \(sequence)"
            guard let text = element["canonical"]?.stringValue else {
                throw Failure(item: item, message: "canonical is missing")
            }
            guard entries[sequence] == nil else { throw Failure(item: item, message: "listed twice") }
            let proof = try Self.proofHashes(element["proof"]?.arrayValue ?? [], item: item)
            // The proof first: bytes in the signed tree are the ledger's own, canonical as written.
            let raw = Array(text.utf8)
            let leafHash = MerkleTree.leafHash(raw)
            do {
                try MerkleTree.verifyInclusion(
                    index: sequence,
                    size: treeSize,
                    leafHash: leafHash,
                    proof: proof,
                    root: checkpoint.checkpoint.rootHash
                )
            } catch {
                throw Failure(item: item, message: "inclusion proof does not lead to the checkpoint's root (\(error))")
            }
            let entry: Entry
            do {
                entry = try Entry(verifiedCanonicalBytes: raw, leafHash: leafHash)
            } catch {
                throw Failure(item: item, message: "not a valid entry: \(error)")
            }
            guard entry.sequenceNumber == sequence, entry.origin == origin else {
                throw Failure(item: item, message: "its seq or origin differs from the bundle's")
            }
            var body = entry.body
            let commitments = entry.commitments
            var accounted: Set<JSONPointer> = []
            for member in ["openings", "withheld"] where element[member] != nil && element[member]?.objectValue == nil {
                throw Failure(item: item, message: "\(member) is not an object of JSON Pointers")
            }
            for (text, opening) in element["openings"]?.objectValue ?? [:] {
                let pointer: JSONPointer
                let open: Opening
                do {
                    pointer = try JSONPointer(text)
                    open = try Opening(json: opening)
                } catch {
                    throw Failure(item: "\(item) opening \(text)", message: Self.text(of: error))
                }
                guard let commitment = commitments[pointer] else {
                    throw Failure(item: "\(item) opening \(text)", message: "no commitment stands at that pointer")
                }
                guard open.commitment == commitment else {
                    throw Failure(item: "\(item) opening \(text)", message: "salt and value do not open the commitment")
                }
                // Only what the profile reveals may be opened (§2): a bundle labelled with a narrower
                // profile than it opens would enter the disclosure log as less than was sent.
                guard disclosure.reveals(entryType: entry.type, pointer: pointer) else {
                    let field = ClassifiedField.classify(entryType: entry.type, pointer: pointer)
                    throw Failure(
                        item: "\(item) opening \(text)",
                        message: "the \(profile) profile withholds this field (\(field.name)), yet the bundle opens it"
                    )
                }
                _ = pointer.replaceValue(with: open.value, in: &body)
                accounted.insert(pointer)
                report.openings += 1
            }
            for text in (element["withheld"]?.objectValue ?? [:]).keys {
                guard let pointer = try? JSONPointer(text), commitments[pointer] != nil else {
                    throw Failure(item: "\(item) withheld \(text)", message: "no commitment stands at that pointer")
                }
                // Only what the profile does not reveal may be withheld (§2): an auditor's bundle
                // withholds nothing, so a withheld field cannot switch its recomputation off.
                guard !disclosure.reveals(entryType: entry.type, pointer: pointer) else {
                    let field = ClassifiedField.classify(entryType: entry.type, pointer: pointer)
                    throw Failure(
                        item: "\(item) withheld \(text)",
                        message:
                            "the \(profile) profile reveals this field (\(field.name)), yet the bundle withholds it"
                    )
                }
                guard accounted.insert(pointer).inserted else {
                    throw Failure(item: "\(item) withheld \(text)", message: "both opened and withheld")
                }
                report.withheld += 1
            }
            if let missing = commitments.keys.first(where: { !accounted.contains($0) }) {
                throw Failure(item: item, message: "the commitment at \(missing) is neither opened nor listed withheld")
            }
            entries[sequence] = entry
            bodies[sequence] = body
            report.entries += 1
        }
        // 4. Submission and attestation signatures; each attestation's root, proved a root of this
        // ledger's history by a consistency proof to the checkpoint.
        let (attestations, withdrawals) = try checkSignatures(entries, origin: origin, report: &report)
        for (sequence, attestation) in attestations.sorted(by: { $0.key < $1.key }) {
            let item = "attestation entry \(sequence)"
            guard let size = attestation.ledgerSize, size >= 1, size <= sequence,
                let root = attestation.rootHash.flatMap(Base64.decode).flatMap(SHA256Digest.init(bytes:))
            else {
                throw Failure(item: item, message: "ledgerSize and rootHash must name a size before it and its root")
            }
            try checkConsistency(
                from: size,
                root: root,
                to: checkpoint.checkpoint,
                item: item,
                missing: "export the bundle again, which then proves the root the attestation signed"
            )
            report.attestationRoots += 1
        }
        // 5. The trace and the footprint.
        // The footprint is of the ledger at asOfSize: no entry at or after it may feed a figure.
        guard let asOfSize = Self.count(bundle["footprint"]?["asOfSize"]) else {
            throw Failure(item: "footprint", message: "asOfSize, the ledger size the footprint is of, is required")
        }
        guard asOfSize <= treeSize else {
            throw Failure(item: "footprint", message: "asOfSize \(asOfSize) is above treeSize \(treeSize)")
        }
        let recompute = Recompute(
            bundle: bundle,
            bodies: bodies,
            types: entries.mapValues(\.type),
            asOfSize: asOfSize
        )
        let flows = try recompute.trace()
        report.trace = flows.result
        report.functionalUnitStated = flows.functionalUnit
        report.footprint = try recompute.footprint(flows: flows)
        for (method, stages) in bundle["footprint"]?["total"]?.objectValue ?? [:] {
            report.totals[method] = (stages.objectValue ?? [:]).values.compactMap(\.doubleValue).reduce(0, +)
        }
        report.verifiedShare = try checkVerification(attestations, withdrawals: withdrawals, asOfSize: asOfSize)
        // A bundle of a footprint as of a size carries only withdrawals recorded since.
        if let early = withdrawals.values.sorted(by: { $0.withdrawal < $1.withdrawal }).first,
            early.withdrawal < asOfSize
        {
            throw Failure(
                item: "withdrawal entry \(early.withdrawal)",
                message:
                    "it withdraws attestation entry \(early.attestation) before asOfSize, yet the bundle carries that attestation as relied on"
            )
        }
        report.withdrawnSince = withdrawals.values.sorted { $0.attestation < $1.attestation }
        report.factorEntriesFromWorking = bundle["footprint"]?["working"] != nil
        // 6. The ledger's statement over everything the bundle states.
        try checkStatement(origin: origin, subject: subject)
        // 7. Consistency with an earlier checkpoint.
        if let since {
            do {
                try since.verify(with: key)
            } catch {
                throw Failure(item: "earlier checkpoint", message: Self.text(of: error))
            }
            let size = since.checkpoint.size
            try checkKept(since.checkpoint, against: checkpoint.checkpoint)
            report.consistentFrom = size
        }
        return report
    }

    /// The bundle's checkpoint must extend the one the recipient kept.
    ///
    /// The same tree when both have one size, else through the bundle's consistency proof from
    /// the kept size. A kept checkpoint larger than the bundle's cannot be reached from it: the
    /// bundle is older than what the recipient already holds.
    ///
    /// - Throws: ``Failure`` at item `consistency` naming what does not hold.
    private func checkKept(_ kept: Checkpoint, against checkpoint: Checkpoint) throws {
        if kept.size == checkpoint.size {
            guard kept.rootHash == checkpoint.rootHash else {
                throw Failure(
                    item: "consistency",
                    message:
                        "the kept checkpoint and the bundle's both have size \(kept.size) but different roots: the ledger's history differs from what was kept"
                )
            }
        } else if kept.size > checkpoint.size {
            throw Failure(
                item: "consistency",
                message:
                    "the bundle's checkpoint (size \(checkpoint.size)) is older than the kept one (size \(kept.size)); ask the sender for a bundle exported now, with --since-checkpoint"
            )
        } else {
            try checkConsistency(
                from: kept.size,
                root: kept.rootHash,
                to: checkpoint,
                item: "consistency",
                missing: "ask the sender to export with --since-checkpoint"
            )
        }
    }

    /// The bundle's consistency proof from `size` must lead from `root` to the checkpoint's root.
    ///
    /// - Parameters:
    ///   - size: The size the proof starts from.
    ///   - root: The root at `size`, as the recipient or a verifier holds it.
    ///   - checkpoint: The bundle's checkpoint.
    ///   - item: The item a failure names.
    ///   - missing: What to do when the bundle has no proof from `size`, for the message.
    /// - Throws: ``Failure`` when the proof is missing, listed twice or does not lead there.
    private func checkConsistency(
        from size: UInt64,
        root: SHA256Digest,
        to checkpoint: Checkpoint,
        item: String,
        missing: String
    ) throws {
        let fromSize = (bundle["consistency"]?.arrayValue ?? []).filter { Self.count($0["fromSize"]) == size }
        guard fromSize.count <= 1 else {
            throw Failure(item: item, message: "the consistency proof from size \(size) is listed twice")
        }
        guard let listed = fromSize.first?["proof"]?.arrayValue else {
            throw Failure(item: item, message: "the bundle carries no consistency proof from size \(size); \(missing)")
        }
        let proof = try Self.proofHashes(listed, item: item)
        do {
            try MerkleTree.verifyConsistency(
                size1: size,
                size2: checkpoint.size,
                root1: root,
                root2: checkpoint.rootHash,
                proof: proof
            )
        } catch {
            throw Failure(
                item: item,
                message: "the consistency proof from size \(size) does not lead to the checkpoint's root (\(error))"
            )
        }
    }

    /// The ledger key's signed note over the bundle's canonical bytes without `statement`: covers
    /// what the checks above cannot recompute (profile, names, reasons, the stated figures of a
    /// public bundle).
    private func checkStatement(origin: String, subject: String) throws {
        guard let text = bundle["statement"]?.stringValue else {
            throw Failure(item: "statement", message: "the bundle carries no statement signed by the ledger")
        }
        let expected = CustodyBundle.statementText(origin: origin, subject: subject, digest: contentDigest)
        do {
            let note = try SignedNote(parsing: text)
            _ = try note.verify(with: [key])
            guard note.text == expected else {
                throw Failure(
                    item: "statement",
                    message:
                        "the bundle's content differs from what the ledger signed (the SHA-256 of its fields does not match)"
                )
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(item: "statement", message: Self.text(of: error))
        }
    }

    /// Every event entry must be signed by a submission of the bundle, with the actor's key valid
    /// then; every attestation by its verifier, an auditor, with its key valid then.
    ///
    /// - Returns: The attestations, by entry, and the withdrawals of them, by the attestation's entry.
    private func checkSignatures(
        _ entries: [UInt64: Entry],
        origin: String,
        report: inout Report
    ) throws -> (attestations: [UInt64: Attestation], withdrawals: [UInt64: Withdrawal]) {
        // Each actor's keys, from its registration, rotation and revocation entries.
        var keys: [String: [(id: String, key: [UInt8], from: UInt64, until: UInt64?)]] = [:]
        var roles: [String: String] = [:]
        var names: [String: String] = [:]
        for (sequence, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let body = entry.body
            switch entry.type {
            case SupplyChainLedger.EntryType.actorRegister, SupplyChainLedger.EntryType.actorKeyRotate:
                let actor = entry.type == SupplyChainLedger.EntryType.actorRegister ? body["id"] : body["actor"]
                guard let actor = actor?.stringValue, let raw = body["key"]?.stringValue.flatMap({ Base64.decode($0) })
                else { throw Failure(item: "entry \(sequence)", message: "an actor key entry without actor or key") }
                // A registration starts an actor's keys and a rotation continues them, as the ledger's
                // rules allow; a second registration would pass for a rotation.
                guard (keys[actor] == nil) == (entry.type == SupplyChainLedger.EntryType.actorRegister) else {
                    throw Failure(
                        item: "entry \(sequence)",
                        message: "\(actor) is registered twice, or a rotation comes before its registration"
                    )
                }
                if let last = keys[actor]?.indices.last, keys[actor]?[last].until == nil {
                    keys[actor]?[last].until = sequence
                }
                keys[actor, default: []].append((ActorKey.id(of: raw), raw, sequence, nil))
                if let role = body["role"]?.stringValue { roles[actor] = role }
                if let name = body["name"]?.stringValue { names[actor] = name }
            case SupplyChainLedger.EntryType.actorKeyRevoke:
                guard let actor = body["actor"]?.stringValue, let id = body["keyID"]?.stringValue,
                    let index = keys[actor]?.firstIndex(where: { $0.id == id })
                else {
                    throw Failure(item: "entry \(sequence)", message: "a revocation of a key the bundle does not hold")
                }
                let until = keys[actor]?[index].until ?? sequence
                keys[actor]?[index].until = min(until, sequence)
            default:
                break
            }
        }
        // The raw key `id` of `actor` valid at entry `sequence`, from its key entries in the bundle,
        // and the entry that registered it.
        func validKey(
            _ id: String,
            of actor: String,
            at sequence: UInt64,
            item: String
        ) throws -> (key: [UInt8], from: UInt64) {
            guard
                let key = keys[actor]?.first(where: {
                    $0.id == id && sequence >= $0.from && ($0.until.map { sequence < $0 } ?? true)
                })
            else {
                throw Failure(
                    item: item,
                    message: "the bundle holds no key \(id) of \(actor) valid at entry \(sequence)"
                )
            }
            return (key.key, key.from)
        }
        func signer(_ entry: UInt64, _ actor: String, _ keyID: String, _ keyEntry: UInt64) -> SignerKey {
            SignerKey(
                entry: entry,
                actor: actor,
                name: names[actor] ?? "",
                role: roles[actor] ?? "",
                keyID: keyID,
                keyEntry: keyEntry
            )
        }
        var signed: [String: [(sequence: UInt64, actor: String)]] = [:]
        for (sequence, entry) in entries.sorted(by: { $0.key < $1.key })
        where entry.type == SupplyChainLedger.EntryType.submission {
            let item = "submission entry \(sequence)"
            let body = entry.body
            guard let keyID = body["key"]?.stringValue,
                let signature = body["signature"]?.stringValue.flatMap({ Base64.decode($0) }),
                let listed = body["events"]?.arrayValue
            else { throw Failure(item: item, message: "key, signature and events are required") }
            let hashes = listed.compactMap(\.stringValue)
            guard hashes.count == listed.count else {
                throw Failure(item: item, message: "events lists something other than body hashes")
            }
            guard body["actor"]?.stringValue == entry.actor else {
                throw Failure(item: item, message: "the submission's actor is not the entry's")
            }
            let (key, keyEntry) = try validKey(keyID, of: entry.actor, at: sequence, item: item)
            let message = SupplyChainLedger.submissionMessage(origin: origin, body: body)
            guard (try? Ed25519PublicKey(rawRepresentation: key))?.isValidSignature(signature, for: message) == true
            else { throw Failure(item: item, message: "the signature of \(entry.actor) does not verify") }
            for hash in hashes { signed[hash, default: []].append((sequence, entry.actor)) }
            report.submissions += 1
            report.submissionKeys.append(signer(sequence, entry.actor, keyID, keyEntry))
        }
        for (sequence, entry) in entries.sorted(by: { $0.key < $1.key })
        where entry.type == SupplyChainLedger.EntryType.event {
            let hash = SHA256.hash(entry.body.canonicalBytes).hex
            guard signed[hash]?.contains(where: { $0.sequence < sequence && $0.actor == entry.actor }) == true else {
                throw Failure(
                    item: "entry \(sequence)",
                    message: "no submission of the bundle signed by \(entry.actor) lists this event's hash"
                )
            }
            report.signedEvents += 1
        }
        var attestations: [UInt64: Attestation] = [:]
        for (sequence, entry) in entries.sorted(by: { $0.key < $1.key })
        where entry.type == SupplyChainLedger.EntryType.attestation {
            let item = "attestation entry \(sequence)"
            guard let attestation = Attestation(body: entry.body), attestation.verifier == entry.actor else {
                throw Failure(
                    item: item,
                    message: "not an attestation the ledger accepts, or not under its verifier's name"
                )
            }
            guard roles[entry.actor] == "auditor" else {
                throw Failure(item: item, message: "\(entry.actor) is not registered as an auditor in the bundle")
            }
            let (key, keyEntry) = try validKey(attestation.keyID, of: entry.actor, at: sequence, item: item)
            guard attestation.isSigned(by: key, origin: origin) else {
                throw Failure(item: item, message: "the signature of \(entry.actor) does not verify")
            }
            guard (attestation.entries.last?.upperBound ?? 0) < sequence else {
                throw Failure(item: item, message: "it attests entries recorded after it")
            }
            if let own = entries.first(where: { attestation.covers($0.key) && $0.value.actor == entry.actor })?.key {
                throw Failure(item: item, message: "\(entry.actor) attests entry \(own), which it recorded itself")
            }
            var read = attestation
            read.sequenceNumber = sequence
            attestations[sequence] = read
            report.attestations += 1
            report.attestationKeys.append(signer(sequence, entry.actor, attestation.keyID, keyEntry))
        }
        // A withdrawal: signed by the attestation's verifier with its key valid then, after it.
        var withdrawals: [UInt64: Withdrawal] = [:]
        for (sequence, entry) in entries.sorted(by: { $0.key < $1.key })
        where entry.type == SupplyChainLedger.EntryType.attestationWithdraw {
            let item = "withdrawal entry \(sequence)"
            // Read back as the ledger writes it, so that the signature checked is over these bytes.
            guard let withdrawal = AttestationWithdrawal(body: entry.body), withdrawal.json == entry.body else {
                throw Failure(item: item, message: "not a withdrawal as the ledger writes one")
            }
            guard withdrawal.verifier == entry.actor else {
                throw Failure(
                    item: item,
                    message: "its verifier \(withdrawal.verifier) is not the entry's actor \(entry.actor)"
                )
            }
            guard let attestation = attestations[withdrawal.attestation], attestation.verifier == entry.actor,
                withdrawal.attestation < sequence
            else {
                throw Failure(
                    item: item,
                    message:
                        "it withdraws entry \(withdrawal.attestation), which is no earlier attestation of \(entry.actor) in the bundle"
                )
            }
            guard withdrawals[withdrawal.attestation] == nil else {
                throw Failure(item: item, message: "attestation entry \(withdrawal.attestation) is withdrawn twice")
            }
            let (key, _) = try validKey(withdrawal.keyID, of: entry.actor, at: sequence, item: item)
            guard withdrawal.isSigned(by: key, origin: origin) else {
                throw Failure(item: item, message: "the signature of \(entry.actor) does not verify")
            }
            withdrawals[withdrawal.attestation] = Withdrawal(
                attestation: withdrawal.attestation,
                withdrawal: sequence,
                verifier: entry.actor,
                reason: withdrawal.reason
            )
        }
        return (attestations, withdrawals)
    }

    /// The verified share the footprint states, recomputed: each contribution said to be verified
    /// must have its entry and its factor tables' entries covered by the attestations it names,
    /// signed and recorded before the footprint's size, at the level it states.
    ///
    /// A contribution verified under every method says so in `verifiedBy`, `assurance` and
    /// `factorEntries`; one verified under some methods only, in `verifiedByMethod`, the same three
    /// for each of those methods with the factor tables its value under that method uses (bundles
    /// exported before it was added state no such contribution).
    ///
    /// - Returns: The verified share by method; empty when the footprint states none.
    private func checkVerification(
        _ attestations: [UInt64: Attestation],
        withdrawals: [UInt64: Withdrawal],
        asOfSize: UInt64
    ) throws -> [String: Double] {
        let contributions = bundle["footprint"]?["contributions"]?.arrayValue ?? []
        let stated = bundle["footprint"]?["verifiedShare"]
        let used = Self.factorEntries(of: bundle["footprint"]?["working"])
        let methods = ElectricityMethod.allCases.map(\.rawValue)
        var all: [String: Double] = [:]
        var verified: [String: Double] = [:]
        var unverified: Set<String> = []
        for (index, contribution) in contributions.enumerated() {
            let item = "contribution \(index)"
            let kg = contribution["kgCO2e"]?.objectValue ?? [:]
            for (method, value) in kg { all[method, default: 0] += value.doubleValue ?? 0 }
            // The claims to check: one for every method, or one for each method named.
            var claims: [(methods: [String], claim: JSONValue)] = []
            if contribution["verifiedBy"] != nil {
                guard contribution["verifiedByMethod"] == nil else {
                    throw Failure(item: item, message: "it states both verifiedBy and verifiedByMethod")
                }
                claims = [(methods, contribution)]
            } else {
                guard contribution["assurance"] == nil, contribution["factorEntries"] == nil else {
                    throw Failure(item: item, message: "it states an assurance or factorEntries without verifiedBy")
                }
                if let byMethod = contribution["verifiedByMethod"] {
                    guard let named = byMethod.objectValue, !named.isEmpty,
                        named.keys.allSatisfy(methods.contains)
                    else {
                        throw Failure(item: item, message: "verifiedByMethod is not an object of electricity methods")
                    }
                    claims = named.sorted { $0.key < $1.key }.map { ([$0.key], $0.value) }
                }
            }
            let claimed = Set(claims.flatMap(\.methods))
            for (method, value) in kg where !claimed.contains(method) && (value.doubleValue ?? 0) != 0 {
                unverified.insert(method)
            }
            guard !claims.isEmpty else { continue }
            guard stated != nil else {
                throw Failure(item: item, message: "it says it is verified, but the footprint states no verified share")
            }
            guard let entry = Self.count(contribution["entry"]) else {
                throw Failure(item: item, message: "a verified contribution needs its entry and factorEntries")
            }
            // With a working, the factor tables a contribution uses are those its part's factor
            // operands name, not what it says.
            let kind = contribution["kind"]?.stringValue ?? ""
            let part = used?["\(kind) \(kind == "assembly" ? "" : contribution["lot"]?.stringValue ?? "") \(entry)"]
            for (claimedMethods, claim) in claims {
                let expected: Set<UInt64>? =
                    used == nil
                    ? nil
                    : claimedMethods.reduce(into: Set<UInt64>()) { $0.formUnion(part?[$1] ?? []) }
                try checkCoverage(
                    claim,
                    entry: entry,
                    expectedFactors: expected,
                    item: claims.count == 1 && claimedMethods.count > 1 ? item : "\(item) \(claimedMethods[0])",
                    attestations: attestations,
                    withdrawals: withdrawals,
                    asOfSize: asOfSize
                )
                for method in claimedMethods { verified[method, default: 0] += kg[method]?.doubleValue ?? 0 }
            }
        }
        guard let stated else { return [:] }
        var shares: [String: Double] = [:]
        for method in methods {
            let total = all[method] ?? 0
            let share = !unverified.contains(method) ? 1 : total > 0 ? (verified[method] ?? 0) / total : 0
            guard let claimed = stated[method]?.doubleValue, abs(claimed - share) <= 1e-9 * max(1, abs(share)) else {
                throw Failure(
                    item: "footprint",
                    message:
                        "verifiedShare \(method) \(stated[method].map { $0.canonicalString } ?? "missing") stated, \(share) recomputed"
                )
            }
            shares[method] = share
        }
        return shares
    }

    /// Checks one claim that a contribution's data are verified: `verifiedBy` names attestations of
    /// the bundle recorded before the size and not withdrawn before it, which cover the entry and
    /// each of `factorEntries` at the `assurance` stated.
    ///
    /// - Parameters:
    ///   - claim: The object holding `verifiedBy`, `assurance` and `factorEntries`.
    ///   - entry: The contribution's entry.
    ///   - expectedFactors: The factor table entries the working's part uses under the claim's
    ///     methods; `nil` without a working.
    ///   - item: The item a failure names.
    ///   - attestations: The bundle's attestations by entry.
    ///   - withdrawals: Their withdrawals, by the attestation's entry.
    ///   - asOfSize: The footprint's size.
    /// - Throws: ``Failure`` naming `item` when the claim does not hold.
    private func checkCoverage(
        _ claim: JSONValue,
        entry: UInt64,
        expectedFactors: Set<UInt64>?,
        item: String,
        attestations: [UInt64: Attestation],
        withdrawals: [UInt64: Withdrawal],
        asOfSize: UInt64
    ) throws {
        let relied = (claim["verifiedBy"]?.arrayValue ?? []).map { Self.count($0) }
        let recorded = relied.compactMap { $0 }.filter { attestations[$0] != nil && $0 < asOfSize }
        guard !relied.isEmpty, recorded.count == relied.count else {
            throw Failure(
                item: item,
                message: "verifiedBy names an entry that is not an attestation of the bundle recorded before asOfSize"
            )
        }
        // Withdrawn before the footprint's size, it no longer counted then.
        if let withdrawn = recorded.sorted().compactMap({ withdrawals[$0] }).first(where: {
            $0.withdrawal < asOfSize
        }) {
            throw Failure(
                item: item,
                message:
                    "verifiedBy names attestation entry \(withdrawn.attestation), withdrawn at entry \(withdrawn.withdrawal), before asOfSize"
            )
        }
        let covering = recorded.compactMap { attestations[$0] }
        guard let factors = claim["factorEntries"]?.arrayValue?.map({ Self.count($0) }),
            factors.allSatisfy({ $0 != nil })
        else {
            throw Failure(item: item, message: "a verified contribution needs its entry and factorEntries")
        }
        if let expectedFactors, Set(factors.compactMap { $0 }) != expectedFactors {
            throw Failure(item: item, message: "factorEntries are not the factor tables its part of the working uses")
        }
        var level = AssuranceLevel.reasonable
        for needed in [entry] + factors.compactMap({ $0 }) {
            let by = covering.filter { $0.covers(needed) }
            guard !by.isEmpty else {
                throw Failure(item: item, message: "entry \(needed) is covered by none of the attestations it names")
            }
            if !by.contains(where: { $0.level == .reasonable }) { level = .limited }
        }
        guard claim["assurance"]?.stringValue == level.rawValue else {
            throw Failure(item: item, message: "its data are attested at \(level.rawValue) assurance, not as stated")
        }
    }

    /// The factor table entries each part of a working uses under each method; `nil` without a
    /// working.
    ///
    /// Keyed by "kind lot entry" (no lot for an assembly step), then by method: the entries of the
    /// factor operands (those with a `key`) in its terms that count under that method (a term's
    /// `method`, or `all`) and, for a default, its factor.
    static func factorEntries(of working: JSONValue?) -> [String: [String: Set<UInt64>]]? {
        guard let working else { return nil }
        let methods = ElectricityMethod.allCases.map(\.rawValue)
        var used: [String: [String: Set<UInt64>]] = [:]
        func factors(_ part: JSONValue) -> [String: Set<UInt64>] {
            var entries = Dictionary(uniqueKeysWithValues: methods.map { ($0, Set<UInt64>()) })
            var operands = (part["terms"]?.arrayValue ?? []).compactMap { term in
                term["factor"].map { (method: term["method"]?.stringValue ?? "all", operand: $0) }
            }
            if let factor = part["factor"] { operands.append(("all", factor)) }
            for (method, operand) in operands where operand["key"] != nil {
                guard let entry = count(operand["entry"]) else { continue }
                for name in methods where method == "all" || method == name { entries[name]?.insert(entry) }
            }
            return entries
        }
        func add(_ key: String, _ part: JSONValue) {
            for (method, entries) in factors(part) { used[key, default: [:]][method, default: []].formUnion(entries) }
        }
        for lot in working["lots"]?.arrayValue ?? [] {
            for part in lot["parts"]?.arrayValue ?? [] {
                guard let entry = count(part["entry"]) else { continue }
                add("\(part["kind"]?.stringValue ?? "") \(lot["lot"]?.stringValue ?? "") \(entry)", part)
            }
        }
        for step in working["assembly"]?.arrayValue ?? [] {
            guard let entry = count(step["entry"]) else { continue }
            add("assembly  \(entry)", step)
        }
        for step in working["unitShipments"]?.arrayValue ?? [] {
            guard let entry = count(step["entry"]) else { continue }
            add("unit-shipment \(step["lot"]?.stringValue ?? "") \(entry)", step)
        }
        return used
    }

    static func count(_ value: JSONValue?) -> UInt64? {
        guard let number = value?.doubleValue, number >= 0, number == number.rounded(), number < 0x1p53 else {
            return nil
        }
        return UInt64(number)
    }
}

extension BundleVerifier {
    /// The hashes of a proof as the bundle lists them: 64 lower-case hex digits each, as the
    /// exporter writes them; any other item fails the proof rather than being left out.
    static func proofHashes(_ items: [JSONValue], item: String) throws -> [SHA256Digest] {
        try items.map { hash in
            // Only the form the exporter writes: the digest's own lower-case hex.
            guard let text = hash.stringValue, let digest = SHA256Digest(hex: text), digest.hex == text else {
                throw Failure(item: item, message: "a proof hash is not 64 lower-case hex digits")
            }
            return digest
        }
    }
}

extension BundleVerifier {
    /// What an error says, as a failure's message: a ledger error's own words, without its code.
    static func text(of error: any Error) -> String {
        (error as? LedgerError)?.message ?? "\(error)"
    }
}
