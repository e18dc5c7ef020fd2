import LedgerCrypto
import LedgerStorage

extension Ledger {
    /// Reads one entry, checking its bytes against the stored leaf hash (verify on read).
    ///
    /// - Parameter sequenceNumber: The entry's position.
    /// - Returns: The entry.
    /// - Throws: ``LedgerError/Code/notFound`` past the end; ``LedgerError/Code/corruptLedger`` when the
    ///   stored bytes no longer hash to the stored leaf.
    public func entry(at sequenceNumber: UInt64) throws -> Entry {
        try Self.wrapStorage {
            try environment.read { txn in
                guard let bytes = try txn.value(in: tables.entries, forKey: BigEndianKey.encode(sequenceNumber)) else {
                    throw LedgerError(code: .notFound, message: "the ledger has no entry \(sequenceNumber)")
                }
                let stored = try storedNode(level: 0, index: sequenceNumber, txn: txn)
                guard MerkleTree.leafHash(bytes) == stored else {
                    throw LedgerError(
                        code: .corruptLedger,
                        message: "entry \(sequenceNumber) does not match its leaf hash"
                    )
                }
                do {
                    return try Entry(canonicalBytes: bytes)
                } catch {
                    throw LedgerError(
                        code: .corruptLedger,
                        message: "entry \(sequenceNumber) is not a valid entry",
                        cause: error
                    )
                }
            }
        }
    }

    /// Reads several entries in one transaction, each checked against its stored leaf hash; the
    /// check stands in for re-serialising them (their bytes are the ones the tree holds).
    ///
    /// - Parameter sequenceNumbers: The entries' positions.
    /// - Returns: The entries, in the order asked.
    /// - Throws: As ``entry(at:)``.
    public func entries(at sequenceNumbers: [UInt64]) throws -> [Entry] {
        try Self.wrapStorage {
            try environment.read { txn in
                var hasher = SHA256Hasher()
                return try sequenceNumbers.map { sequenceNumber in
                    guard let bytes = try txn.value(in: tables.entries, forKey: BigEndianKey.encode(sequenceNumber))
                    else {
                        throw LedgerError(code: .notFound, message: "the ledger has no entry \(sequenceNumber)")
                    }
                    let stored = try storedNode(level: 0, index: sequenceNumber, txn: txn)
                    guard MerkleTree.leafHash(bytes, using: &hasher) == stored else {
                        throw LedgerError(
                            code: .corruptLedger,
                            message: "entry \(sequenceNumber) does not match its leaf hash"
                        )
                    }
                    do {
                        return try Entry(verifiedCanonicalBytes: bytes, leafHash: stored)
                    } catch {
                        throw LedgerError(
                            code: .corruptLedger,
                            message: "entry \(sequenceNumber) is not a valid entry",
                            cause: error
                        )
                    }
                }
            }
        }
    }

    /// Lends the canonical bytes of the entries in `range` to `body`, in order, each checked
    /// against its stored leaf hash first.
    ///
    /// - Parameters:
    ///   - range: The sequence numbers; clipped to the ledger's size.
    ///   - body: Receives each sequence number and canonical bytes.
    /// - Throws: ``LedgerError/Code/corruptLedger`` at the first entry whose bytes do not match
    ///   its leaf hash, or what `body` throws.
    public func forEachEntry(in range: Range<UInt64>, _ body: (UInt64, [UInt8]) throws -> Void) throws {
        try Self.wrapStorage {
            try environment.read { txn in
                let cursor = try txn.cursor(tables.entries)
                var hasher = SHA256Hasher()
                var next = try cursor.seek(atLeast: BigEndianKey.encode(range.lowerBound))
                while let (key, bytes) = next, let sequence = BigEndianKey.decode(key), sequence < range.upperBound {
                    let stored = try storedNode(level: 0, index: sequence, txn: txn)
                    guard MerkleTree.leafHash(bytes, using: &hasher) == stored else {
                        throw LedgerError(
                            code: .corruptLedger,
                            message: "entry \(sequence) does not match its leaf hash"
                        )
                    }
                    try body(sequence, bytes)
                    next = try cursor.next()
                }
            }
        }
    }

    /// The clear values of an entry's confidential fields, checked against its commitments.
    ///
    /// - Parameter sequenceNumber: The entry's position.
    /// - Returns: The openings by pointer; empty when the entry has no confidential fields.
    /// - Throws: ``LedgerError/Code/corruptLedger`` when a stored opening does not open its commitment.
    public func openings(forEntryAt sequenceNumber: UInt64) throws -> [JSONPointer: Opening] {
        try openings(of: entry(at: sequenceNumber))
    }

    /// The clear values of an entry already read (and checked against its leaf hash, as
    /// ``forEachEntry(in:_:)`` and ``entry(at:)`` do), checked against its commitments.
    ///
    /// - Parameter entry: The entry.
    /// - Returns: The openings by pointer; empty when the entry has no confidential fields.
    /// - Throws: ``LedgerError/Code/corruptLedger`` when a stored opening does not open its commitment.
    public func openings(of entry: Entry) throws -> [JSONPointer: Opening] {
        let stored = try Self.wrapStorage {
            try environment.read { txn in
                try txn.value(in: tables.openings, forKey: BigEndianKey.encode(entry.sequenceNumber))
            }
        }
        let openings = try Self.decodeOpenings(stored, sequenceNumber: entry.sequenceNumber)
        try Self.check(openings, against: entry)
        return openings
    }

    /// The openings of several entries, read in one transaction, each checked against its
    /// entry's commitments.
    ///
    /// - Parameter entries: The entries.
    /// - Returns: Each entry's openings by sequence number; entries without sealed fields are left out.
    /// - Throws: As ``openings(of:)``.
    public func openings(of entries: [Entry]) throws -> [UInt64: [JSONPointer: Opening]] {
        let sealed = entries.map { ($0, $0.commitments) }.filter { !$0.1.isEmpty }
        let stored = try Self.wrapStorage {
            try environment.read { txn in
                try sealed.map { entry, _ in
                    try txn.value(in: tables.openings, forKey: BigEndianKey.encode(entry.sequenceNumber))
                }
            }
        }
        var result: [UInt64: [JSONPointer: Opening]] = [:]
        for ((entry, commitments), bytes) in zip(sealed, stored) {
            let openings = try Self.decodeOpenings(bytes, sequenceNumber: entry.sequenceNumber)
            try Self.check(openings, against: entry, commitments: commitments)
            result[entry.sequenceNumber] = openings
        }
        return result
    }

    static func decodeOpenings(_ stored: [UInt8]?, sequenceNumber: UInt64) throws -> [JSONPointer: Opening] {
        guard let stored else { return [:] }
        do {
            // A value is held two levels down (`{pointer: {"salt":…,"value":…}}`), where it stood
            // at least two levels down in its entry too: what its entry's reader reads, this does.
            guard case .object(let members) = try JSONValue(parsing: stored, maxDepth: Entry.maxDepth) else {
                throw LedgerError(code: .invalidInput, message: "openings are a JSON object")
            }
            var openings: [JSONPointer: Opening] = [:]
            for (pointer, json) in members {
                openings[try JSONPointer(pointer)] = try Opening(json: json)
            }
            return openings
        } catch {
            throw LedgerError(
                code: .corruptLedger,
                message: "the openings of entry \(sequenceNumber) are damaged",
                cause: error
            )
        }
    }

    /// Checks that openings and commitments correspond one to one and that each opening opens.
    static func check(
        _ openings: [JSONPointer: Opening],
        against entry: Entry,
        commitments known: [JSONPointer: Commitment]? = nil
    ) throws {
        let commitments = known ?? entry.commitments
        for (pointer, commitment) in commitments {
            guard let opening = openings[pointer] else {
                throw LedgerError(
                    code: .corruptLedger,
                    message: "entry \(entry.sequenceNumber): no opening for \(pointer)"
                )
            }
            guard opening.commitment == commitment else {
                throw LedgerError(
                    code: .corruptLedger,
                    message: "entry \(entry.sequenceNumber): the opening of \(pointer) does not match its commitment"
                )
            }
        }
        if let extra = openings.keys.sorted().first(where: { commitments[$0] == nil }) {
            throw LedgerError(
                code: .corruptLedger,
                message: "entry \(entry.sequenceNumber): opening \(extra) has no commitment"
            )
        }
    }
}
