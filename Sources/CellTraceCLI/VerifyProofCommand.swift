import ArgumentParser
import LedgerCore
import LedgerCrypto

/// `celltrace verify-proof`: checks an inclusion or a consistency proof offline, without a ledger.
struct VerifyProofCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: "Check an inclusion or a consistency proof offline, with the ledger's verifier key.",
        discussion: prose(
            """
            Needs no ledger, only the ledger's verifier key. With --entry: the proof (C2SP tlog-proof
            text) and the entry's canonical bytes (one trailing newline is ignored, as `celltrace log`
            writes it); exit 0 when both the inclusion and the checkpoint signature verify, 1 when
            either does not (or the proof does not parse), 2 for a bad --vkey or a file that cannot be
            read or is not UTF-8 text.

            With --old and --checkpoint: the proof is a consistency proof as `celltrace prove
            consistency` prints it (base64 hashes one per line, or its --json), --old the older tree
            (a signed checkpoint, or a PACT footprint or battery passport, whose `ledger` member gives
            origin, size and rootHash) and --checkpoint the later signed checkpoint; exit 0 when both
            checkpoints are signed by the vkey (an export's member is not signed) and the proof leads
            from the old root to the later one, 1 when anything does not hold, 2 when a file is not a
            proof, a checkpoint or an export.

            Example:
              celltrace verify-proof entry41.proof --entry entry41.json \\
                --vkey 'celltrace.local/ledger/1f2e…+8c1d2e3f+AbC…'
              celltrace verify-proof 1000-2000.proof --old cell.pact.json --checkpoint 2000.checkpoint \\
                --vkey ledger.vkey
            """
        )
    )

    @Argument(help: ArgumentHelp("The proof file (C2SP tlog-proof, or a consistency proof).", valueName: "proof"))
    var proof: String

    @Option(help: ArgumentHelp("The file holding the entry's canonical bytes.", valueName: "file"))
    var entry: String?

    @Option(
        help: ArgumentHelp(
            "The older tree: a signed checkpoint, or a PACT footprint or battery passport (its ledger member).",
            valueName: "file"
        )
    )
    var old: String?

    @Option(help: ArgumentHelp("The later signed checkpoint, for a consistency proof.", valueName: "file"))
    var checkpoint: String?

    @Option(
        help: ArgumentHelp("The ledger's verifier key (name+hex-id+base64), or a file holding it.", valueName: "vkey")
    )
    var vkey: String

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        switch (entry, old, checkpoint) {
        case (.some, nil, nil), (nil, .some, .some): return
        case (nil, nil, nil):
            throw ValidationError(
                "Give --entry for an inclusion proof, or --old and --checkpoint for a consistency proof."
            )
        case (.some, _, _):
            throw ValidationError(
                "--entry checks an inclusion proof; --old and --checkpoint go with a consistency proof."
            )
        default: throw ValidationError("A consistency proof needs both --old and --checkpoint.")
        }
    }

    func run() throws {
        let key = try VerifyBundleCommand.verifierKey(vkey)
        guard let entry else {
            do {
                try verifyConsistency(oldPath: old ?? "", newPath: checkpoint ?? "", key: key)
            } catch let failure as Failure where json && failure.status == .verificationFailed {
                Console.out(JSONValue.object(["verified": false, "reason": .string(failure.message)]).canonicalString)
                throw failure
            }
            return
        }
        // The bytes as they are, not repaired: a byte that is not UTF-8 must not become U+FFFD.
        let proofBytes = try InputFile.read(proof)
        guard String(validating: proofBytes, as: UTF8.self) != nil else {
            throw Failure.badInput("\(proof): not UTF-8 text, so not a proof")
        }
        var entryBytes = try InputFile.read(entry)
        if entryBytes.last == UInt8(ascii: "\n") { entryBytes.removeLast() }
        do {
            try verify(proofBytes, entryBytes, entry: entry, key: key)
        } catch let failure as Failure where json && failure.status == .verificationFailed {
            // A program reading --json gets the verdict on standard output as well as the status.
            Console.out(JSONValue.object(["verified": false, "reason": .string(failure.message)]).canonicalString)
            throw failure
        }
    }

    private func verify(_ proofBytes: [UInt8], _ entryBytes: [UInt8], entry: String, key: NoteVerifierKey) throws {
        let parsed: InclusionProofText
        do {
            parsed = try InclusionProofText(parsing: proofBytes)
        } catch let error as LedgerError {
            throw Failure.verificationFailed("\(proof): not a valid proof: \(error.message)")
        }
        do {
            try parsed.checkpoint.verify(with: key)
        } catch let error as LedgerError {
            throw Failure.verificationFailed("\(proof): the checkpoint is not signed by \(key.name): \(error.message)")
        }
        do {
            try MerkleTree.verifyInclusion(
                index: parsed.index,
                size: parsed.checkpoint.checkpoint.size,
                leafHash: MerkleTree.leafHash(entryBytes),
                proof: parsed.hashes,
                root: parsed.checkpoint.checkpoint.rootHash
            )
        } catch let error as LedgerError {
            throw Failure.verificationFailed(
                "\(entry) is not entry \(parsed.index) under this checkpoint: \(error.message)"
            )
        }
        let size = parsed.checkpoint.checkpoint.size
        if json {
            Console.out(
                JSONValue.object([
                    "verified": true,
                    "index": .number(Double(parsed.index)),
                    "size": .number(Double(size)),
                    "origin": .string(parsed.checkpoint.checkpoint.origin),
                ]).canonicalString
            )
        } else {
            Console.out(
                Console.styled("OK", .green, .bold)
                    + ": entry \(parsed.index) is included in \(parsed.checkpoint.checkpoint.origin) at size \(size), checkpoint signed by \(key.name)"
            )
        }
    }
}
