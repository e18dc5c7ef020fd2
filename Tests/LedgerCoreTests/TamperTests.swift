import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStorage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Tampering with a closed ledger behind CellTrace's back, then auditing it.
@Suite struct TamperTests {
    static let tables =
        ["entries", "nodes", "checkpoints", "openings", "meta"].map { Environment.TableSpec(name: $0) }
        + [Environment.TableSpec(name: "index.type", duplicateSort: true)]

    /// Builds a closed ledger of 40 entries in 4 batches.
    func makeLedger(_ path: String) throws {
        let ledger = try Ledger.create(at: path, origin: "test.celltrace.local/tamper", options: testOptions)
        for batch in 0..<4 {
            try ledger.append(drafts(10, from: batch * 10))
        }
        #expect(try ledger.audit(deep: true).isValid)
    }

    /// Opens the ledger's LMDB environment directly, bypassing the ledger.
    func withRawLedger(_ path: String, _ body: (Environment, borrowing WriteTransaction) throws -> Void) throws {
        let environment = try Environment(path: path, options: Environment.Options(tables: Self.tables))
        try environment.write { txn in try body(environment, txn) }
    }

    func audit(_ path: String) throws -> AuditFailure? {
        try Ledger(openingAt: path, options: testOptions).audit(deep: false).failure
    }

    /// A data file cut off below its pages in use is refused at open, before a page is read
    /// through the map (which would fault the process); an empty one is named as such and left
    /// as it is, not taken for a new file and written.
    @Test func aCutOffOrEmptyDataFileIsRefusedAtOpen() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            let file = path + "/data.mdb"
            var whole = stat()
            #expect(stat(file, &whole) == 0 && whole.st_size > 4 * 8192)
            // Shorter and shorter: the meta pages (the first two) stay until the file is empty.
            for size in [Int(whole.st_size) / 8192 * 4096, 8192, 0] {
                #expect(truncate(file, off_t(size)) == 0)
                do {
                    _ = try Ledger(openingAt: path, options: testOptions)
                    Issue.record("a data file of \(size) bytes opened")
                } catch let error as LedgerError {
                    #expect(error.code == .corruptLedger, "\(error)")
                    let expected =
                        size == 0 ? "data.mdb is empty" : "data.mdb is \(size) bytes but its pages in use need"
                    #expect(error.message.contains(expected), "\(error.message)")
                    #expect(!error.message.contains("remove"), "no advice to remove the signing key")
                }
                var status = stat()
                #expect(stat(file, &status) == 0 && status.st_size == size, "the file is left as it was")
            }
        }
    }

    @Test func oneChangedByteInDataFileIsFoundAtItsEntry() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            // "LOT-17" appears only in entry 17; change one of its bytes inside data.mdb.
            var bytes = try readFile(path + "/data.mdb")
            let marker = Array(#""lot":"LOT-17""#.utf8)
            let offset = try #require(firstRange(of: marker, in: bytes))
            bytes[offset + marker.count - 2] = UInt8(ascii: "8")
            try writeFile(path + "/data.mdb", bytes)
            let failure = try #require(try audit(path))
            #expect(failure.sequenceNumber == 17)
            #expect(throws: LedgerError(code: .corruptLedger, message: "")) {
                try Ledger(openingAt: path, options: testOptions).entry(at: 17)
            }
        }
    }

    /// A broken link between entries 22 and 23, mid-batch: the audit names the entry that was
    /// changed, which the entry after the link tells.
    @Test(arguments: [false, true])
    func aBrokenLinkNamesTheEntryThatChanged(prevOfTheNext: Bool) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            try withRawLedger(path) { environment, txn in
                let entries = try environment.table("entries")
                let number: UInt64 = prevOfTheNext ? 23 : 22
                var bytes = try #require(try txn.value(in: entries, forKey: BigEndianKey.encode(number)))
                // Entry 22's body (its lot), or entry 23's 'prev' (one hex digit).
                let marker = Array((prevOfTheNext ? #""prev":""# : #""lot":"LOT-2"#).utf8)
                let offset = try #require(firstRange(of: marker, in: bytes)) + marker.count
                bytes[offset] = bytes[offset] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
                try txn.put(bytes, forKey: BigEndianKey.encode(number), in: entries)
            }
            let failure = try #require(try audit(path))
            if prevOfTheNext {
                #expect(failure.sequenceNumber == 23)
                #expect(failure.problem.contains("chain broken: 'prev' is not the leaf hash of entry 22"), "\(failure)")
            } else {
                #expect(failure.sequenceNumber == 22)
                #expect(failure.problem.contains("the entry was changed"), "\(failure)")
            }
        }
    }

    @Test func deletedEntryIsFound() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            try withRawLedger(path) { environment, txn in
                let deleted = try txn.delete(key: BigEndianKey.encode(5), in: try environment.table("entries"))
                #expect(deleted)
            }
            let failure = try #require(try audit(path))
            #expect(failure.sequenceNumber == 5)
        }
    }

    @Test func reorderedEntriesAreFound() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            try withRawLedger(path) { environment, txn in
                let entries = try environment.table("entries")
                let third = try #require(try txn.value(in: entries, forKey: BigEndianKey.encode(3)))
                let fourth = try #require(try txn.value(in: entries, forKey: BigEndianKey.encode(4)))
                try txn.put(fourth, forKey: BigEndianKey.encode(3), in: entries)
                try txn.put(third, forKey: BigEndianKey.encode(4), in: entries)
            }
            let failure = try #require(try audit(path))
            #expect(failure.sequenceNumber == 3)
        }
    }

    @Test func rewrittenEntryWithRecomputedHashesIsCaughtByTheSignedCheckpoint() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            // Rewrite the last entry consistently (its leaf node too): only the checkpoint can tell.
            try withRawLedger(path) { environment, txn in
                let entries = try environment.table("entries")
                let old = try Entry(
                    canonicalBytes: try #require(try txn.value(in: entries, forKey: BigEndianKey.encode(39)))
                )
                let forged = Entry(
                    sequenceNumber: 39,
                    previousHash: old.previousHash,
                    origin: old.origin,
                    time: old.time,
                    actor: old.actor,
                    type: old.type,
                    body: ["lot": "LOT-39", "kg": "9999"]
                )
                try txn.put(forged.canonicalBytes, forKey: BigEndianKey.encode(39), in: entries)
                // Recompute every stored node above the forged leaf, as a careful forger would.
                let nodes = try environment.table("nodes")
                func nodeKey(_ lastLeaf: UInt64, _ level: UInt8) -> [UInt8] { BigEndianKey.encode(lastLeaf) + [level] }
                var hash = forged.leafHash
                try txn.put(hash.bytes, forKey: nodeKey(39, 0), in: nodes)
                for level in UInt8(1)...3 {
                    let leftLast = 39 - (UInt64(1) << (level - 1))
                    // Leaf 38's hash is not a stored node; entry 39's 'prev' holds it.
                    let stored = try txn.value(in: nodes, forKey: nodeKey(leftLast, level - 1)) ?? []
                    let left = try #require(level == 1 ? old.previousHash : SHA256Digest(bytes: stored))
                    hash = MerkleTree.nodeHash(left, hash)
                    try txn.put(hash.bytes, forKey: nodeKey(39, level), in: nodes)
                }
            }
            let failure = try #require(try audit(path))
            #expect(failure.sequenceNumber == 39)
            // And the ledger refuses to sign anything on top of the rewritten history.
            let ledger = try Ledger(openingAt: path, options: testOptions)
            #expect(throws: LedgerError(code: .corruptLedger, message: "")) { try ledger.append(drafts(1)) }
        }
    }

    /// The `index.type` value for a run of `count` entries from `start`.
    func typeRun(_ start: UInt64, _ count: UInt64) -> [UInt8] {
        BigEndianKey.encode(start) + BigEndianKey.encode(count)
    }

    @Test(
        arguments: [
            // The second batch's run (entries 10 to 19) shortened by one, so entry 19 is unlisted.
            [(10, 9)],
            // The same run split in two that overlap at entry 15.
            [(10, 6), (15, 5)],
            // A run that claims entries the ledger does not hold.
            [(10, 100)],
        ] as [[(UInt64, UInt64)]]
    )
    func damagedIndexIsFound(replacement: [(UInt64, UInt64)]) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            try withRawLedger(path) { environment, txn in
                let index = try environment.table("index.type")
                let deleted = try txn.delete(key: Array("generic".utf8), value: typeRun(10, 10), in: index)
                #expect(deleted)
                for (start, count) in replacement {
                    try txn.put(typeRun(start, count), forKey: Array("generic".utf8), in: index)
                }
            }
            let failure = try #require(try audit(path))
            #expect(failure.problem.contains("index 'type'"))
        }
    }

    @Test func indexWithOneRowPerEntryStillVerifies() throws {
        // Ledgers written before type runs hold one row, BE64(seq), per entry.
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            try withRawLedger(path) { environment, txn in
                let index = try environment.table("index.type")
                for batch in UInt64(0)..<4 {
                    #expect(try txn.delete(key: Array("generic".utf8), value: typeRun(batch * 10, 10), in: index))
                }
                for sequence in UInt64(0)..<40 {
                    try txn.put(BigEndianKey.encode(sequence), forKey: Array("generic".utf8), in: index)
                }
            }
            #expect(try audit(path) == nil)
            let ledger = try Ledger(openingAt: path, options: testOptions)
            try ledger.append(drafts(5, from: 40))
            #expect(try ledger.audit().isValid)
        }
    }

    @Test func damagedOrMissingLeafNodeOfTheLastEntryIsFound() throws {
        // Only each batch's last entry has its leaf hash stored as a node (entries 9, 19, 29, 39).
        for deleting in [false, true] {
            try withTemporaryDirectory { directory in
                let path = directory + "/l"
                try makeLedger(path)
                try withRawLedger(path) { environment, txn in
                    let nodes = try environment.table("nodes")
                    let key = BigEndianKey.encode(39) + [0]
                    if deleting {
                        #expect(try txn.delete(key: key, in: nodes))
                    } else {
                        try txn.put(SHA256Digest.zero.bytes, forKey: key, in: nodes)
                    }
                }
                let failure = try #require(try audit(path))
                #expect(failure.sequenceNumber == 39)
            }
        }
    }

    @Test func deletedCheckpointOfAnEarlierBatchIsFound() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            try withRawLedger(path) { environment, txn in
                let deleted = try txn.delete(key: BigEndianKey.encode(20), in: try environment.table("checkpoints"))
                #expect(deleted)
            }
            let failure = try #require(try audit(path))
            #expect(failure.sequenceNumber == 19)
            #expect(failure.problem.contains("no checkpoint is stored for size 20"), "\(failure)")
        }
    }

    /// A stored checkpoint whose root was changed is not handed out (`checkpoint --size`,
    /// proofs against it): the ledger names it instead.
    @Test func aChangedStoredCheckpointIsNotHandedOut() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            try withRawLedger(path) { environment, txn in
                let checkpoints = try environment.table("checkpoints")
                let key = BigEndianKey.encode(20)
                let text = String(decoding: try #require(try txn.value(in: checkpoints, forKey: key)), as: UTF8.self)
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                lines[2] = SHA256Digest.zero.base64
                try txn.put(Array(lines.joined(separator: "\n").utf8), forKey: key, in: checkpoints)
            }
            let ledger = try Ledger(openingAt: path, options: testOptions)
            let error = try #require(throws: LedgerError.self) { try ledger.checkpoint(atSize: 20) }
            #expect(error.code == .corruptLedger, "\(error)")
            #expect(error.message.contains("the checkpoint stored for size 20 does not verify"), "\(error.message)")
            #expect(throws: LedgerError.self) { try ledger.inclusionProof(forEntryAt: 3, treeSize: 20) }
            #expect(try ledger.checkpoint(atSize: 40).checkpoint.size == 40)
        }
    }

    @Test func checkpointOfAPrefixIsNotSignedOverAChangedNode() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            let before = try Ledger(openingAt: path, options: testOptions).checkpoint(atSize: 13)
            // The node over entries 8–11 (level 2, index 2; keyed by its last entry, 11, and its
            // level), which the root at size 13 is made of.
            try withRawLedger(path) { environment, txn in
                try txn.put(
                    SHA256Digest.zero.bytes,
                    forKey: BigEndianKey.encode(11) + [2],
                    in: environment.table("nodes")
                )
            }
            let ledger = try Ledger(openingAt: path, options: testOptions)
            let error = try #require(throws: LedgerError.self) { try ledger.checkpoint(atSize: 13) }
            #expect(error.code == .corruptLedger && error.message.contains("nothing was signed"), "\(error)")
            #expect(throws: LedgerError.self) { try ledger.inclusionProof(forEntryAt: 3, treeSize: 13) }
            // A stored checkpoint is still handed out, and the intact one agreed with it.
            #expect(try ledger.checkpoint(atSize: 40).checkpoint.size == 40)
            #expect(before.checkpoint.size == 13)
        }
    }

    @Test func ledgerWithALeafNodePerEntryStillVerifiesProvesAndAppends() throws {
        // Ledgers written before leaf nodes were limited to each batch's last entry hold one per entry.
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            try makeLedger(path)
            try withRawLedger(path) { environment, txn in
                let entries = try environment.table("entries")
                let nodes = try environment.table("nodes")
                for sequence in UInt64(0)..<40 {
                    let bytes = try #require(try txn.value(in: entries, forKey: BigEndianKey.encode(sequence)))
                    try txn.put(
                        MerkleTree.leafHash(bytes).bytes,
                        forKey: BigEndianKey.encode(sequence) + [0],
                        in: nodes
                    )
                }
            }
            let ledger = try Ledger(openingAt: path, options: testOptions)
            let report = try ledger.audit(deep: true)
            #expect(report.isValid)
            // 40 leaf rows and the 38 larger perfect subtrees of a tree of 40 leaves (40 minus its set bits).
            #expect(report.nodesChecked == 40 + 38)
            try ledger.append(drafts(3, from: 40))
            #expect(try ledger.audit().isValid)
            let size = try ledger.size
            let root = try ledger.checkpoint().checkpoint.rootHash
            for sequence in UInt64(0)..<size {
                try MerkleTree.verifyInclusion(
                    index: sequence,
                    size: size,
                    leafHash: try ledger.entry(at: sequence).leafHash,
                    proof: try ledger.inclusionProof(forEntryAt: sequence).hashes,
                    root: root
                )
            }
        }
    }

    @Test func damagedOpeningIsFoundByTheDeepAudit() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/l"
            do {
                let ledger = try Ledger.create(at: path, options: testOptions)
                var batch = drafts(3)
                batch[1].confidential = [try JSONPointer("/kg")]
                try ledger.append(batch)
            }
            try withRawLedger(path) { environment, txn in
                let openings = try environment.table("openings")
                let stored = try #require(try txn.value(in: openings, forKey: BigEndianKey.encode(1)))
                let changed = String(decoding: stored, as: UTF8.self).replacingFirst("1.5", with: "9.5")
                try txn.put(Array(changed.utf8), forKey: BigEndianKey.encode(1), in: openings)
            }
            let ledger = try Ledger(openingAt: path, options: testOptions)
            #expect(try ledger.audit().isValid)
            let failure = try #require(try ledger.audit(deep: true).failure)
            #expect(failure.sequenceNumber == 1)
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}

func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard needle.count <= haystack.count else { return nil }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if haystack[start..<start + needle.count].elementsEqual(needle) { return start }
    }
    return nil
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw LedgerError(code: .io, message: "cannot open \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    guard let file = fopen(path, "r+b") else { throw LedgerError(code: .io, message: "cannot open \(path)") }
    defer { fclose(file) }
    guard fwrite(bytes, 1, bytes.count, file) == bytes.count else {
        throw LedgerError(code: .io, message: "cannot write \(path)")
    }
}
