import LedgerCore
import LedgerCrypto
import Testing

@Suite struct SignedNoteTests {
    // MARK: - C2SP signed-note example (c2sp.org/signed-note@v1.0.0, §Verifier keys, Example)

    static let exampleVerifierKey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    static let exampleNote = """
        This is an example message.

        — example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=

        """

    @Test func exampleVerifierKeyParses() throws {
        let key = try NoteVerifierKey(parsing: Self.exampleVerifierKey)
        #expect(key.name == "example.com/foo")
        #expect(key.keyID == 0x530d_903a)
        #expect(key.text == Self.exampleVerifierKey)
        #expect(key.publicKey.rawRepresentation.count == 32)
    }

    @Test func exampleNoteVerifies() throws {
        let key = try NoteVerifierKey(parsing: Self.exampleVerifierKey)
        let note = try SignedNote(parsing: Self.exampleNote)
        #expect(note.text == "This is an example message.\n")
        #expect(note.signatures.count == 1)
        #expect(note.signatures.first?.name == "example.com/foo")
        #expect(note.signatures.first?.keyID == 0x530d_903a)
        #expect(note.formatted == Self.exampleNote)
        #expect(try note.verify(with: [key]) == [key])
    }

    @Test func everyBitFlipOfTheExampleNoteFails() throws {
        let key = try NoteVerifierKey(parsing: Self.exampleVerifierKey)
        let original = Array(Self.exampleNote.utf8)
        var rejectedByParser = 0
        var rejectedByVerifier = 0
        for position in original.indices {
            for bit in 0..<8 {
                var bytes = original
                bytes[position] ^= 1 << UInt8(bit)
                let note: SignedNote
                do {
                    note = try SignedNote(parsing: bytes)
                } catch let error as LedgerError {
                    #expect(error.code == .invalidProof)
                    rejectedByParser += 1
                    continue
                }
                let error = #expect(throws: LedgerError.self, "byte \(position) bit \(bit)") {
                    try note.verify(with: [key])
                }
                #expect(error?.code == .invalidSignature)
                rejectedByVerifier += 1
            }
        }
        #expect(rejectedByParser + rejectedByVerifier == original.count * 8)
        print(
            "SignedNoteTests: \(rejectedByParser) flips rejected by the parser, \(rejectedByVerifier) by the verifier"
        )
    }

    // MARK: - Our own keys

    static func signer(_ name: String, seed: UInt8) throws -> NoteSigner {
        try NoteSigner(name: name, privateKey: Ed25519PrivateKey(seed: [UInt8](repeating: seed, count: 32)))
    }

    @Test func signParseVerifyRoundTrip() throws {
        let signer = try Self.signer("ledger.example.com/battery/2026", seed: 7)
        let text = "ledger.example.com/battery/2026\n3\nNmQuc2vN1gsPh4wPYzX8UGkz8TTQ6TgrwYc2cmckCNM=\n"
        let note = try signer.sign(text)
        let parsed = try SignedNote(parsing: note.formatted)
        #expect(parsed == note)
        #expect(parsed.formatted == note.formatted)
        #expect(parsed.text == text)
        #expect(try parsed.verify(with: [signer.verifierKey]) == [signer.verifierKey])

        let reparsedKey = try NoteVerifierKey(parsing: signer.verifierKey.text)
        #expect(reparsedKey == signer.verifierKey)
        #expect(try parsed.verify(with: [reparsedKey]) == [reparsedKey])
    }

    @Test func textsWithBlankLinesAndUnicodeRoundTrip() throws {
        let signer = try Self.signer("quasimodo.example/salvatore", seed: 9)
        for text in [
            "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n", "\n",
            "a\n\n\n",
        ] {
            let note = try signer.sign(text)
            let parsed = try SignedNote(parsing: note.formatted)
            #expect(parsed.text == text)
            try parsed.verify(with: [signer.verifierKey])
        }
    }

    @Test func cosignaturesAndUnknownKeys() throws {
        let log = try Self.signer("log.example", seed: 1)
        let witness = try Self.signer("witness.example", seed: 2)
        let stranger = try Self.signer("stranger.example", seed: 3)
        let note = try witness.cosign(log.sign("hello\n"))
        #expect(note.signatures.map(\.name) == ["log.example", "witness.example"])
        let parsed = try SignedNote(parsing: note.formatted)
        #expect(try parsed.verify(with: [log.verifierKey]) == [log.verifierKey])
        #expect(try parsed.verify(with: [witness.verifierKey, stranger.verifierKey]) == [witness.verifierKey])
        #expect(try parsed.verify(with: [log.verifierKey, witness.verifierKey]).count == 2)

        // Signed by neither: no known key verifies.
        let error = #expect(throws: LedgerError.self) { try parsed.verify(with: [stranger.verifierKey]) }
        #expect(error?.code == .invalidSignature)

        // Re-signing replaces the signer's old line instead of adding one.
        #expect(try log.cosign(note).signatures.count == 2)
    }

    @Test func aKnownKeyWithABadSignatureRejectsTheNote() throws {
        let log = try Self.signer("log.example", seed: 1)
        let witness = try Self.signer("witness.example", seed: 2)
        let good = try log.sign("hello\n")
        let forged = try SignedNote.Signature(
            name: "witness.example",
            keyID: witness.keyID,
            bytes: [UInt8](repeating: 1, count: 64)
        )
        let note = try SignedNote(text: good.text, signatures: good.signatures + [forged])
        // The log's signature alone verifies, but the witness's line is from a known key and fails.
        let error = #expect(throws: LedgerError.self) {
            try note.verify(with: [log.verifierKey, witness.verifierKey])
        }
        #expect(error?.code == .invalidSignature)
        #expect(try note.verify(with: [log.verifierKey]) == [log.verifierKey])
    }

    @Test func aSignatureUnderAWrongKeyIDIsIgnored() throws {
        let log = try Self.signer("log.example", seed: 1)
        let good = try log.sign("hello\n")
        let signature = try #require(good.signatures.first)
        let renumbered = try SignedNote.Signature(
            name: signature.name,
            keyID: signature.keyID ^ 1,
            bytes: signature.bytes
        )
        let note = try SignedNote(parsing: SignedNote(text: good.text, signatures: [renumbered]).formatted)
        let error = #expect(throws: LedgerError.self) { try note.verify(with: [log.verifierKey]) }
        #expect(error?.code == .invalidSignature)
    }

    @Test func vkeyWhoseBase64HoldsAPlusParses() throws {
        var found: NoteSigner?
        for seed in UInt8(0)...UInt8(255) {
            let signer = try Self.signer("plus.example", seed: seed)
            let keyPart = signer.verifierKey.text.split(separator: "+", maxSplits: 2).last ?? ""
            if keyPart.contains("+") {
                found = signer
                break
            }
        }
        let signer = try #require(found)
        let text = signer.verifierKey.text
        #expect(text.filter { $0 == "+" }.count > 2)
        let parsed = try NoteVerifierKey(parsing: text)
        #expect(parsed == signer.verifierKey)
        #expect(parsed.text == text)
        try signer.sign("plus\n").verify(with: [parsed])
    }

    @Test(arguments: [
        ("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "wrong key ID"),
        ("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "upper-case key ID"),
        ("example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "short key ID"),
        ("example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "other name"),
        ("example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "signature type 2"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", "bad base64"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2kAA==", "long key"),
        ("example.com/foo+530d903a", "no key"),
        ("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "empty name"),
        ("example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "space in name"),
        ("", "empty"),
    ])
    func malformedVerifierKeysAreRejected(text: String, why: String) {
        let error = #expect(throws: LedgerError.self, "\(why)") { try NoteVerifierKey(parsing: text) }
        #expect(error?.code == .invalidInput, "\(why)")
    }

    // MARK: - Malformed notes

    static let exampleSignatureLine =
        "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"

    @Test(arguments: [
        ("This is an example message.\n" + exampleSignatureLine, "missing blank line"),
        ("This is an example message.\r\n\r\n" + exampleSignatureLine, "CRLF"),
        ("This is an example message.\n\n" + exampleSignatureLine.dropLast() + "\r\n", "CRLF in signatures"),
        ("This is an example message.\n\n" + String(exampleSignatureLine.dropLast()), "no final newline"),
        ("This is an example message.\n\n", "no signatures"),
        ("This is an example message.\n\n\n", "empty signature line"),
        ("This is\tan example message.\n\n" + exampleSignatureLine, "tab"),
        ("This is an example message.\u{0}\n\n" + exampleSignatureLine, "NUL"),
        (
            "This is an example message.\n\n- example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n",
            "hyphen for em dash"
        ),
        (
            "This is an example message.\n\n—example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n",
            "no space after em dash"
        ),
        (
            "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM\n",
            "bad base64 padding"
        ),
        (
            "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM= \n",
            "trailing space"
        ),
        (
            "This is an example message.\n\n— example.com/foo U*2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n",
            "bad base64 symbol"
        ),
        ("This is an example message.\n\n— example.com/foo Uw2QOg==\n", "signature shorter than 5 bytes"),
        (
            "This is an example message.\n\n—  Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n",
            "empty key name"
        ),
        (
            "This is an example message.\n\n— example.com+foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n",
            "plus in key name"
        ),
        (
            "This is an example message.\n\n— example.com/foo\u{A0}x Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n",
            "no-break space in key name"
        ),
        ("This is an example message.\n\n— example.com/foo\n", "no signature"),
        ("", "empty"),
    ])
    func malformedNotesAreRejected(note: String, why: String) {
        let error = #expect(throws: LedgerError.self, "\(why)") { try SignedNote(parsing: note) }
        #expect(error?.code == .invalidProof, "\(why)")
    }

    @Test func invalidUTF8IsRejected() {
        var bytes = Array(Self.exampleNote.utf8)
        bytes[3] = 0xFF
        let error = #expect(throws: LedgerError.self) { try SignedNote(parsing: bytes) }
        #expect(error?.code == .invalidProof)
    }

    @Test func signatureCountLimit() throws {
        let line = Self.exampleSignatureLine
        let key = try NoteVerifierKey(parsing: Self.exampleVerifierKey)
        for count in [16, SignedNote.maximumSignatureCount] {
            let note = try SignedNote(
                parsing: "This is an example message.\n\n" + String(repeating: line, count: count)
            )
            #expect(note.signatures.count == count)
            #expect(try note.verify(with: [key]) == [key])
        }
        let tooMany =
            "This is an example message.\n\n" + String(repeating: line, count: SignedNote.maximumSignatureCount + 1)
        let error = #expect(throws: LedgerError.self) { try SignedNote(parsing: tooMany) }
        #expect(error?.code == .invalidProof)
    }

    @Test func sizeLimit() {
        let text = String(repeating: "a", count: 1 << 20) + "\n\n" + Self.exampleSignatureLine
        let error = #expect(throws: LedgerError.self) { try SignedNote(parsing: text) }
        #expect(error?.code == .invalidProof)
    }

    @Test func signingRejectsBadTexts() throws {
        let signer = try Self.signer("log.example", seed: 1)
        for text in ["", "no newline", "carriage\r\n", "tab\there\n"] {
            let error = #expect(throws: LedgerError.self, "\(text.debugDescription)") { try signer.sign(text) }
            #expect(error?.code == .invalidInput)
        }
        #expect(throws: LedgerError.self) {
            try NoteSigner(name: "bad name", privateKey: Ed25519PrivateKey())
        }
    }

    // MARK: - Checkpoints (c2sp.org/tlog-checkpoint@v1.0.0)

    static let exampleCheckpoint = """
        example.com/behind-the-sofa
        20852163
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

        — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=

        """

    @Test func specExampleCheckpointParses() throws {
        let signed = try SignedCheckpoint(parsing: Self.exampleCheckpoint)
        #expect(signed.checkpoint.origin == "example.com/behind-the-sofa")
        #expect(signed.checkpoint.size == 20_852_163)
        #expect(signed.checkpoint.rootHash.base64 == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        #expect(signed.checkpoint.extensionLines.isEmpty)
        #expect(signed.note.signatures.first?.keyID == 0x033d_e0ae)
        #expect(signed.note.signatures.first?.bytes.count == 64)
        #expect(signed.formatted == Self.exampleCheckpoint)
        // The spec's signature is illustrative and no vkey is published: a key of that name fails.
        let key = try Self.signer("example.com/behind-the-sofa", seed: 5).verifierKey
        #expect(throws: LedgerError.self) { try signed.verify(with: key) }
    }

    @Test func checkpointSignVerifyRoundTrip() throws {
        let signer = try Self.signer("ledger.example.com/battery/2026", seed: 11)
        let root = MerkleTree.nodeHash(MerkleTree.leafHash(Array("a".utf8)), MerkleTree.leafHash(Array("b".utf8)))
        let checkpoint = try Checkpoint(origin: signer.name, size: 2, rootHash: root, extensionLines: ["ext one"])
        #expect(checkpoint.noteText == "ledger.example.com/battery/2026\n2\n\(root.base64)\next one\n")
        let signed = try SignedCheckpoint.sign(checkpoint, with: signer)
        let parsed = try SignedCheckpoint(parsing: signed.formatted)
        #expect(parsed == signed)
        #expect(parsed.checkpoint == checkpoint)
        try parsed.verify(with: signer.verifierKey)

        let other = try Self.signer("other.example", seed: 11)
        let error = #expect(throws: LedgerError.self) { try parsed.verify(with: other.verifierKey) }
        #expect(error?.code == .invalidProof, "the origin is not the other key's name")
        let unsigned = #expect(throws: LedgerError.self) {
            try parsed.verify(with: other.verifierKey, origin: "ledger.example.com/battery/2026")
        }
        #expect(unsigned?.code == .invalidSignature)
    }

    @Test(arguments: [
        ("example.com/log\n020852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "leading zero"),
        ("example.com/log\n+5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "sign"),
        ("example.com/log\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "size over 64 bits"),
        ("example.com/log\n\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "empty size"),
        ("example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n", "root not 32 bytes"),
        ("example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "non-canonical base64"),
        ("example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n", "empty extension line"),
        ("example.com/log\n5\n", "two lines"),
        ("\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "empty origin"),
        ("example.com/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "no final newline"),
    ])
    func malformedCheckpointsAreRejected(text: String, why: String) {
        let error = #expect(throws: LedgerError.self, "\(why)") { try Checkpoint(noteText: text) }
        #expect(error?.code == .invalidProof, "\(why)")
    }

    @Test func checkpointSizeLimits() throws {
        let zero = try Checkpoint(noteText: "example.com/log\n0\n\(MerkleTree.emptyRoot.base64)\n")
        #expect(zero.size == 0)
        let largest = try Checkpoint(
            noteText: "example.com/log\n18446744073709551615\n\(MerkleTree.emptyRoot.base64)\n"
        )
        #expect(largest.size == UInt64.max)
    }

    // MARK: - Inclusion proofs (c2sp.org/tlog-proof@v1)

    /// A tree of the leaves "a" … "e", with the ledger key's checkpoint at size 5.
    static func fiveLeafLog() throws -> (signer: NoteSigner, leaves: [SHA256Digest], checkpoint: SignedCheckpoint) {
        let signer = try Self.signer("ledger.example.com/test", seed: 42)
        let leaves = ["a", "b", "c", "d", "e"].map { MerkleTree.leafHash(Array($0.utf8)) }
        var range = CompactRange()
        for leaf in leaves {
            range.append(leafHash: leaf)
        }
        let checkpoint = try Checkpoint(origin: signer.name, size: 5, rootHash: range.root())
        return (signer, leaves, try SignedCheckpoint.sign(checkpoint, with: signer))
    }

    @Test func handMadeProofVerifiesAgainstItsCheckpoint() throws {
        let (signer, leaves, checkpoint) = try Self.fiveLeafLog()
        // Leaf 2 ("c") of 5: its sibling is "d", then the pair ("a", "b"), then "e" on the right.
        let ab = MerkleTree.nodeHash(leaves[0], leaves[1])
        let abcd = MerkleTree.nodeHash(ab, MerkleTree.nodeHash(leaves[2], leaves[3]))
        #expect(MerkleTree.nodeHash(abcd, leaves[4]) == checkpoint.checkpoint.rootHash)
        let text = """
            c2sp.org/tlog-proof@v1
            extra \(Base64.encode(Array("lot 7".utf8)))
            index 2
            \(leaves[3].base64)
            \(ab.base64)
            \(leaves[4].base64)

            \(checkpoint.formatted)
            """
        let proof = try InclusionProofText(parsing: text)
        #expect(proof.index == 2)
        #expect(proof.hashes == [leaves[3], ab, leaves[4]])
        #expect(proof.extraData == Array("lot 7".utf8))
        #expect(proof.checkpoint == checkpoint)
        #expect(proof.formatted == text)
        try proof.verify(leafHash: leaves[2], logKey: signer.verifierKey)

        let wrongLeaf = #expect(throws: LedgerError.self) {
            try proof.verify(leafHash: leaves[3], logKey: signer.verifierKey)
        }
        #expect(wrongLeaf?.code == .invalidProof)
        let stranger = try Self.signer("ledger.example.com/test", seed: 43)
        let wrongKey = #expect(throws: LedgerError.self) {
            try proof.verify(leafHash: leaves[2], logKey: stranger.verifierKey)
        }
        #expect(wrongKey?.code == .invalidSignature)
    }

    @Test func generatedProofsRoundTrip() throws {
        let (signer, leaves, checkpoint) = try Self.fiveLeafLog()
        var levels: [[SHA256Digest]] = []
        var range = CompactRange()
        for leaf in leaves {
            range.append(leafHash: leaf) { level, _, hash in
                if level == levels.count { levels.append([]) }
                levels[level].append(hash)
            }
        }
        for index in 0..<5 {
            let hashes = try MerkleTree.inclusionProof(index: UInt64(index), size: 5) { levels[$0][Int($1)] }
            for extra in [nil, [], Array("x".utf8)] as [[UInt8]?] {
                let proof = try InclusionProofText(
                    index: UInt64(index),
                    hashes: hashes,
                    checkpoint: checkpoint,
                    extraData: extra
                )
                let parsed = try InclusionProofText(parsing: proof.formatted)
                #expect(parsed == proof)
                #expect(parsed.formatted == proof.formatted)
                try parsed.verify(leafHash: leaves[index], logKey: signer.verifierKey)
            }
        }
    }

    @Test func specExampleProofParsesWithARealSignature() throws {
        // The spec's example with its elided signature lines replaced by a real one.
        let signer = try Self.signer("example.com/fancylog", seed: 8)
        let checkpoint = try SignedCheckpoint.sign(
            Checkpoint(noteText: "example.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"),
            with: signer
        )
        let text = """
            c2sp.org/tlog-proof@v1
            extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
            index 73894
            gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
            B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
            EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
            RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
            AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

            \(checkpoint.formatted)
            """
        let proof = try InclusionProofText(parsing: text)
        #expect(proof.index == 73894)
        #expect(proof.hashes.count == 5)
        #expect(proof.extraData?.starts(with: Array("age-v1.2.1-darwin-arm64.tar.gz".utf8)) == true)
        #expect(proof.checkpoint.checkpoint.size == 109_482)
        #expect(proof.formatted == text)
        try proof.checkpoint.verify(with: signer.verifierKey)
    }

    @Test func malformedProofsAreRejected() throws {
        let (_, leaves, checkpoint) = try Self.fiveLeafLog()
        let body = "\(leaves[0].base64)\n\n\(checkpoint.formatted)"
        let cases = [
            ("c2sp.org/tlog-proof@v2\nindex 1\n" + body, "unknown version"),
            ("index 1\n" + body, "no header"),
            ("c2sp.org/tlog-proof@v1\nindex 01\n" + body, "leading zero"),
            ("c2sp.org/tlog-proof@v1\nindex -1\n" + body, "negative index"),
            ("c2sp.org/tlog-proof@v1\nindex  1\n" + body, "double space"),
            ("c2sp.org/tlog-proof@v1\n" + body, "no index"),
            ("c2sp.org/tlog-proof@v1\nindex 1\nextra AA==\n" + body, "extra after index"),
            ("c2sp.org/tlog-proof@v1\nextra AA=\nindex 1\n" + body, "bad extra base64"),
            (
                "c2sp.org/tlog-proof@v1\nindex 1\n\(leaves[0].base64.dropLast(2))==\n\n\(checkpoint.formatted)",
                "short hash"
            ),
            ("c2sp.org/tlog-proof@v1\nindex 1\n\(leaves[0].base64)\n\(checkpoint.formatted)", "no blank line"),
            ("c2sp.org/tlog-proof@v1\r\nindex 1\n" + body, "CRLF"),
            ("c2sp.org/tlog-proof@v1\nindex 1\n\(leaves[0].base64)\n\n", "no checkpoint"),
            (
                "c2sp.org/tlog-proof@v1\nindex 1\n" + String(repeating: "\(leaves[0].base64)\n", count: 65) + "\n"
                    + checkpoint.formatted, "65 hashes"
            ),
            ("c2sp.org/tlog-proof@v1\nindex 1", "truncated"),
        ]
        for (text, why) in cases {
            let error = #expect(throws: LedgerError.self, "\(why)") { try InclusionProofText(parsing: text) }
            #expect(error?.code == .invalidProof, "\(why)")
        }
    }
}
