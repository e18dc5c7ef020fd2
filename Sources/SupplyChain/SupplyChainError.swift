import LedgerCrypto

/// An error thrown by ``SupplyChain``: a submission, event or master-data record that breaks a rule
/// of the supply-chain model, or a failure of the ledger underneath.
///
/// A submission is checked whole before anything is written; ``problems`` lists every problem found,
/// each naming the record (the event's index and `eventID`) and the field.
public struct SupplyChainError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String
    /// Every problem found, in input order; empty when the error is not about input records.
    public var problems: [Problem]
    /// The underlying error, when there is one.
    public var cause: (any Error)?
    /// Where in CellTrace the error was raised.
    public var location: SourceLocation

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        problems: [Problem] = [],
        cause: (any Error)? = nil,
        location: SourceLocation = SourceLocation()
    ) {
        self.code = code
        self.message = message
        self.problems = problems
        self.cause = cause
        self.location = location
    }

    /// The message, then one indented line per problem.
    public var description: String {
        guard !problems.isEmpty else { return message }
        return ([message] + problems.map { "  " + $0.description }).joined(separator: "\n")
    }
}

extension SupplyChainError {
    /// An index row that does not decode: the index is not the entries' (`celltrace verify` says
    /// how), so a listing or a computation that skipped it would be silently wrong.
    static func unreadableRow(_ table: IndexTable, key: some Collection<UInt8>) -> SupplyChainError {
        SupplyChainError(
            code: .ledger,
            message: "the \(table.rawValue) index holds a row that does not read back (key "
                + "\(describe(key: key, in: table))); run `celltrace verify`, then `celltrace index rebuild`"
        )
    }

    /// A key as a message shows it: the entry a sequence-keyed table's key names, printable text as
    /// it is, other bytes (digests, big-endian numbers) in hex rather than as raw bytes.
    static func describe(key: some Collection<UInt8>, in table: IndexTable) -> String {
        if [.attestations, .events, .processes].contains(table), let sequence = IndexKey.sequence(in: key) {
            return "entry #\(sequence)"
        }
        if key.allSatisfy({ (0x20..<0x7f).contains($0) }) { return String(decoding: key, as: UTF8.self) }
        return "hex " + HexCoding.encode(key)
    }
}

extension SupplyChainError {
    /// The kind of a ``SupplyChainError``.
    public enum Code: String, Sendable, Hashable, CustomStringConvertible {
        /// The input is not a document CellTrace can read (not JSON, not EPCIS).
        case invalidDocument
        /// One or more records break a validation rule; see ``SupplyChainError/problems``.
        case invalidRecords
        /// The submission's signature does not verify, or its key is not the actor's current key.
        case invalidSignature
        /// An actor, facility, lot, serial or factor table that was asked for does not exist.
        case notFound
        /// The ledger underneath failed.
        case ledger
        /// The ledger's supply-chain indexes are in another layout than this CellTrace reads;
        /// `celltrace index rebuild` (``SupplyChainLedger/rebuildIndexes(progress:)``) writes them
        /// anew from the entries.
        case indexLayout

        /// The code's name.
        public var description: String { rawValue }
    }

    /// A place in CellTrace's source, recorded when an error is raised.
    public struct SourceLocation: Sendable, Hashable {
        /// The file, as `#fileID` gives it.
        public var file: String
        /// The line.
        public var line: Int

        /// Records the caller's location.
        public init(file: String = #fileID, line: Int = #line) {
            self.file = file
            self.line = line
        }
    }

    /// One problem with one record of the input.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The record's position in the input (0-based), when the problem is about one record.
        public var index: Int?
        /// The record's identifier (an EPCIS `eventID`, an actor or facility id), when it has one.
        public var identifier: String?
        /// The field, as a JSON pointer into the record (for example `/inputQuantityList/0/quantity`).
        public var field: String
        /// What is wrong and, where it helps, what to do.
        public var message: String
        /// For an event of a JSON Lines file, its line (from 1), which blank lines set apart from
        /// its index.
        public var line: Int?

        /// Creates a problem.
        public init(index: Int?, identifier: String?, field: String, message: String) {
            self.index = index
            self.identifier = identifier
            self.field = field
            self.message = message
        }

        /// `event 3 ni:///sha-256;…, field '/quantityList/0/uom': …`, with `(line 5)` after the
        /// index for an event of a JSON Lines file whose blank lines set its line apart from it.
        public var description: String {
            var place: [String] = []
            if let index {
                if let line, line != index + 1 {
                    place.append("event \(index) (line \(line))")
                } else {
                    place.append("event \(index)")
                }
            }
            if let identifier { place.append(identifier) }
            let record = place.isEmpty ? "" : place.joined(separator: " ") + ", "
            return "\(record)field '\(field)': \(message)"
        }
    }
}

extension SupplyChainError {
    /// An index row or table that is not what CellTrace writes: named, with the command that
    /// writes it anew from the entries.
    static func damagedIndex(_ table: String, _ what: String) -> SupplyChainError {
        SupplyChainError(code: .ledger, message: "index \(table) is damaged: \(what); run `celltrace index rebuild`")
    }
}

extension SupplyChainError {
    /// A mass the rules cannot keep exact: a sum, difference or share beyond 36 digits.
    ///
    /// New input keeps every mass within 10^-9 kg to 10^12 kg, given to 10^-15 kg, where none
    /// arises; an entry recorded before those bounds may still hold one, and its replay stops here
    /// rather than count the mass as nothing.
    static func inexactMass(_ what: String, entry sequence: UInt64) -> SupplyChainError {
        SupplyChainError(
            code: .ledger,
            message: "entry #\(sequence): \(what) needs more than the 36 digits in which the ledger keeps masses "
                + "exact; the entry holds a mass finer than 10^-15 kg or beyond 10^12 kg, which new input may not"
        )
    }
}
