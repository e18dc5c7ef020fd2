import LedgerCrypto
import LedgerStorage

/// The outcome of a full audit of a ledger.
public struct AuditReport: Sendable, Hashable {
    /// Entries re-read and re-hashed.
    public var entriesChecked: UInt64 = 0
    /// Stored Merkle nodes recomputed and compared.
    public var nodesChecked: UInt64 = 0
    /// Signed checkpoints whose root and signature were checked.
    public var checkpointsChecked: UInt64 = 0
    /// Derived index rows rebuilt and compared.
    public var indexRowsChecked: UInt64 = 0
    /// Openings of confidential fields checked against their commitments (deep audits only).
    public var openingsChecked: UInt64 = 0
    /// Entries stamped before the entry before them.
    ///
    /// A CellTrace that did not yet keep entry times in order wrote them when a clock stepped back
    /// or two writers raced. Not a failure (the chain and the signatures hold), but `--as-of` a time
    /// near them may answer for another size.
    public var timesGoingBack: UInt64 = 0
    /// The first entry stamped before the one before it.
    public var firstTimeGoingBack: UInt64?
    /// The first problem found, or `nil` when the ledger is sound.
    public var failure: AuditFailure?

    /// Whether the audit found nothing wrong.
    public var isValid: Bool { failure == nil }
}

/// The first problem an audit found.
public struct AuditFailure: Sendable, Hashable, CustomStringConvertible {
    /// The first bad entry's sequence number, when the problem is tied to one.
    public var sequenceNumber: UInt64?
    /// What is wrong.
    public var problem: String

    /// One line naming the entry and the problem.
    public var description: String {
        if let sequenceNumber {
            return "entry \(sequenceNumber): \(problem)"
        }
        return problem
    }
}

extension Ledger {
    /// Which entry a broken chain link at `sequence` names, and why.
    ///
    /// Entry `sequence` does not hold the leaf hash of entry `sequence - 1`. Either entry
    /// `sequence - 1` was changed (its bytes no longer hash to what the next entry recorded), or
    /// entry `sequence` was (its 'prev'). Entry `sequence + 1` tells them apart: when it records
    /// the leaf hash of entry `sequence` as read, that entry is as it was written, and the change
    /// is in the one before.
    static func brokenLink(
        at sequence: UInt64,
        leaf: SHA256Digest,
        entries: Table,
        txn: borrowing ReadTransaction
    ) throws -> (UInt64, String) {
        if let next = try txn.value(in: entries, forKey: BigEndianKey.encode(sequence + 1)),
            next.withUnsafeBytes({ bytes in
                EntryScanner.scanTail(bytes).map { EntryScanner.hex(bytes, at: $0.previousHashRange, equals: leaf) }
                    ?? false
            })
        {
            return (
                sequence - 1,
                "the entry was changed: its leaf hash is no longer the 'prev' that entry \(sequence) records of it (entries \(sequence) and \(sequence + 1) still agree)"
            )
        }
        return (sequence, "chain broken: 'prev' is not the leaf hash of entry \(sequence - 1)")
    }

    /// Audits the whole ledger.
    ///
    /// Every entry is re-read and re-hashed, every chain link checked, every stored Merkle node
    /// recomputed, the root and signature of every stored checkpoint checked, and the derived
    /// indexes rebuilt and compared. It streams in one read transaction with flat memory.
    ///
    /// - Parameters:
    ///   - deep: Also parse every entry fully (canonical form, fields) and check every opening of
    ///     a confidential field against its commitment.
    ///   - progress: Called every 65,536 entries and at the end with (entries checked, total).
    /// - Returns: The report; ``AuditReport/failure`` names the first bad sequence number.
    /// - Throws: ``LedgerError/Code/storage`` when LMDB itself fails.
    public func audit(deep: Bool = false, progress: ((UInt64, UInt64) -> Void)? = nil) throws -> AuditReport {
        try Self.wrapStorage {
            try environment.read { txn in
                try audit(deep: deep, progress: progress, txn: txn)
            }
        }
    }

    private func audit(
        deep: Bool,
        progress: ((UInt64, UInt64) -> Void)?,
        txn: borrowing ReadTransaction
    ) throws -> AuditReport {
        var report = AuditReport()
        func fail(_ sequenceNumber: UInt64?, _ problem: String) {
            if report.failure == nil {
                report.failure = AuditFailure(sequenceNumber: sequenceNumber, problem: problem)
            }
        }
        let total = UInt64(try txn.count(tables.entries))
        let entries = try txn.cursor(tables.entries)
        let nodes = try txn.cursor(tables.nodes)
        let checkpoints = try txn.cursor(tables.checkpoints)
        var pendingCheckpoint = try checkpoints.first()
        // The size the next stored checkpoint is for, decoded once per checkpoint, not per entry.
        var pendingCheckpointSize = pendingCheckpoint.flatMap { BigEndianKey.decode($0.key) }
        var range = CompactRange()
        var hasher = SHA256Hasher()
        var previous = SHA256Digest.zero
        var typeIndex = IndexDigest()
        var sequence: UInt64 = 0
        var previousTime = [UInt8](repeating: 0, count: 24)

        // Compares the next stored node with one recomputed from the entries. The scan uses the
        // storage layer's non-generic row API and fixed buffers: it runs once per node. The next
        // stored row is read ahead, because leaf hashes (level 0) are stored only for the last entry
        // of each batch (every entry, in ledgers written before that): a leaf without a row is skipped.
        var expectedKey = [UInt8](repeating: 0, count: 9)
        var aheadKey = [UInt8](repeating: 0, count: 9)
        var aheadHash: SHA256Digest? = nil
        var isAhead = false
        var lastStoredLeaf: UInt64? = nil
        // A leaf hash is stored for each batch's last entry (and, in ledgers written before that,
        // for every entry): a stored leaf followed by an unstored one ends a batch, whose
        // checkpoint must be there.
        var previousLeafStored = false
        var checkedCheckpointSize: UInt64 = 0
        func readAhead() throws {
            guard !isAhead else { return }
            isAhead = try nodes.nextRow { key, value in
                aheadHash = nil
                guard key.count == 9, value.count == SHA256Digest.byteCount else {
                    // No expected key ends in 0xFF: levels stop at 63.
                    aheadKey[8] = 0xFF
                    return
                }
                aheadKey.withUnsafeMutableBytes { $0.copyMemory(from: key) }
                aheadHash = SHA256Digest { $0.copyMemory(from: value) }
            }
        }
        func checkNode(level: Int, index: UInt64, hash: SHA256Digest) throws {
            Tables.writeNodeKey(level: level, index: index, into: &expectedKey)
            try readAhead()
            guard isAhead, aheadKey == expectedKey else {
                if level > 0 {
                    report.nodesChecked += 1
                    fail(sequence, "stored Merkle node (level \(level), index \(index)) is missing")
                }
                return
            }
            isAhead = false
            report.nodesChecked += 1
            if level == 0 {
                lastStoredLeaf = index
            }
            if aheadHash != hash {
                fail(sequence, "stored Merkle node (level \(level), index \(index)) does not match the entries")
            }
        }

        while report.failure == nil {
            var leaf = SHA256Digest.zero
            // An entry whose 'prev' is not the leaf hash of the entry before it: which of the two
            // was changed is told after the row is read (``brokenLink(at:leaf:entries:txn:)``).
            var chainBroken = false
            let found = try entries.nextRow { key, value in
                guard key.count == 8, UInt64(bigEndian: key.loadUnaligned(as: UInt64.self)) == sequence else {
                    fail(sequence, "entry key is out of sequence (an entry is missing, moved or inserted)")
                    return
                }
                leaf = MerkleTree.leafHash(value, using: &hasher)
                guard let tail = EntryScanner.scanTail(value) else {
                    fail(sequence, "stored bytes are not a canonical entry")
                    return
                }
                guard tail.sequenceNumber == sequence else {
                    fail(sequence, "the entry says it is number \(tail.sequenceNumber)")
                    return
                }
                guard EntryScanner.hex(value, at: tail.previousHashRange, equals: previous) else {
                    if sequence == 0 {
                        fail(sequence, "the first entry's 'prev' is not zero")
                    } else {
                        chainBroken = true
                    }
                    return
                }
                typeIndex.add(key: UnsafeRawBufferPointer(rebasing: value[tail.type]), value: key)
                let time = UnsafeRawBufferPointer(rebasing: value[tail.time])
                if time.lexicographicallyPrecedes(previousTime) {
                    report.timesGoingBack += 1
                    if report.firstTimeGoingBack == nil { report.firstTimeGoingBack = sequence }
                }
                previousTime.withUnsafeMutableBytes { $0.copyMemory(from: time) }
                if deep {
                    switch deepCheck(sequence: sequence, bytes: Array(value), txn: txn) {
                    case .success(let openings): report.openingsChecked += UInt64(openings)
                    case .failure(let error): fail(sequence, "\(error)")
                    }
                }
            }
            if chainBroken {
                let (at, problem) = try Self.brokenLink(at: sequence, leaf: leaf, entries: tables.entries, txn: txn)
                fail(at, problem)
            }
            guard found, report.failure == nil else { break }
            try range.append(leafHash: leaf, using: &hasher) { level, index, hash in
                try checkNode(level: level, index: index, hash: hash)
            }
            let leafStored = lastStoredLeaf == sequence
            if previousLeafStored, !leafStored, checkedCheckpointSize != sequence {
                fail(
                    sequence - 1,
                    "a batch ends here (its leaf hash is stored) but no checkpoint is stored for size \(sequence)"
                )
                break
            }
            previousLeafStored = leafStored
            previous = leaf
            sequence += 1
            report.entriesChecked = sequence
            if pendingCheckpointSize == sequence, let (_, value) = pendingCheckpoint {
                checkCheckpoint(value, size: sequence, root: range.root(), fail: fail)
                report.checkpointsChecked += 1
                checkedCheckpointSize = sequence
                pendingCheckpoint = try checkpoints.next()
                pendingCheckpointSize = pendingCheckpoint.flatMap { BigEndianKey.decode($0.key) }
            }
            if sequence & 0xffff == 0 {
                progress?(sequence, total)
            }
        }
        guard report.failure == nil else { return report }
        progress?(sequence, total)
        if sequence != total {
            fail(sequence, "the entries table counts \(total) entries but \(sequence) were read")
        }
        if sequence > 0, lastStoredLeaf != sequence - 1 {
            fail(sequence - 1, "the last entry's leaf hash is not stored as a Merkle node")
        }
        if try isAhead || nodes.next() != nil {
            fail(nil, "the nodes table holds Merkle nodes beyond the last entry")
        }
        if let (key, _) = pendingCheckpoint {
            fail(
                nil,
                "a checkpoint is stored for size \(BigEndianKey.decode(key).map(String.init) ?? "?"), which no batch ended at"
            )
        }
        let lastCheckpointSize = try checkpoints.last().flatMap { BigEndianKey.decode($0.key) }
        if sequence > 0, lastCheckpointSize != sequence {
            fail(nil, "the last batch (size \(sequence)) has no signed checkpoint")
        }
        // The derived index must list exactly the entries, each under its type. Stored rows hold
        // runs of entries; each run is expanded, and expansion stops once it passes the entry count.
        var storedTypeIndex = IndexDigest()
        var storedRows: UInt64 = 0
        var damagedRow = false
        var expanded = [UInt8](repeating: 0, count: 8)
        let rows = try txn.cursor(tables.byType)
        while !damagedRow,
            try rows.nextRow({ key, value in
                storedRows += 1
                guard let run = Tables.decodeTypeRun(value), run.start < sequence,
                    run.count <= sequence - run.start, run.count <= sequence - storedTypeIndex.count
                else {
                    damagedRow = true
                    return
                }
                for entry in run.start..<(run.start + run.count) {
                    Tables.writeKey(entry, into: &expanded)
                    expanded.withUnsafeBytes { storedTypeIndex.add(key: key, value: $0) }
                }
            })
        {}
        report.indexRowsChecked = storedRows
        if damagedRow || storedTypeIndex != typeIndex {
            fail(
                nil,
                "index 'type' differs from the entries (\(storedTypeIndex.count) entries listed, \(typeIndex.count) expected); rebuild it"
            )
        }
        return report
    }

    /// Checks one stored checkpoint: its text, origin, size, root and signature.
    private func checkCheckpoint(_ text: [UInt8], size: UInt64, root: SHA256Digest, fail: (UInt64?, String) -> Void) {
        do {
            let signed = try SignedCheckpoint(parsing: String(decoding: text, as: UTF8.self))
            guard signed.checkpoint.origin == origin, signed.checkpoint.size == size else {
                fail(size - 1, "the checkpoint stored at size \(size) names another origin or size")
                return
            }
            guard signed.checkpoint.rootHash == root else {
                fail(size - 1, "the Merkle root at size \(size) differs from its signed checkpoint")
                return
            }
            try signed.verify(with: verifierKey)
        } catch {
            fail(size - 1, "the checkpoint at size \(size) does not verify: \(error)")
        }
    }

    /// The deep check of one entry: full parse, origin, and openings against commitments.
    ///
    /// - Returns: The number of openings checked, or what is wrong.
    private func deepCheck(sequence: UInt64, bytes: [UInt8], txn: borrowing ReadTransaction) -> Result<Int, LedgerError>
    {
        do {
            let entry = try Entry(canonicalBytes: bytes)
            guard entry.origin == origin else {
                return .failure(LedgerError(code: .corruptLedger, message: "the entry names origin '\(entry.origin)'"))
            }
            let stored = try txn.value(in: tables.openings, forKey: BigEndianKey.encode(sequence))
            let openings = try Self.decodeOpenings(stored, sequenceNumber: sequence)
            try Self.check(openings, against: entry)
            return .success(openings.count)
        } catch let error as LedgerError {
            return .failure(error)
        } catch {
            return .failure(LedgerError(code: .storage, message: "\(error)", cause: error))
        }
    }
}

/// An order-independent digest of a set of index rows.
///
/// It holds their count and the wrapping sum of a 64-bit keyed hash of each (key, value). Rebuilding an index from the entries and scanning the stored
/// one both fold into this in flat memory; equal digests mean equal row sets (up to 2^-64).
struct IndexDigest: Equatable {
    private(set) var count: UInt64 = 0
    private var sum: UInt64 = 0

    mutating func add(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        // SipHash with this process's seed: both sides of a comparison are folded in one run.
        var hasher = Hasher()
        hasher.combine(key.count)
        hasher.combine(bytes: key)
        hasher.combine(bytes: value)
        sum &+= UInt64(bitPattern: Int64(hasher.finalize()))
        count += 1
    }
}
