/// An error thrown by ``LedgerCore``: bad input, a failed verification, or a storage or crypto failure underneath.
///
/// Two errors are equal when their ``code`` is equal, so tests can match on the kind of failure
/// without depending on the message text.
public struct LedgerError: Error, Sendable {
    /// What kind of failure this is.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String
    /// The underlying error, when there is one.
    public var cause: (any Error)?
    /// Where in CellTrace the error was raised.
    public var location: SourceLocation
    /// The record of a batch the error is about, when it is about one: a caller that knows where
    /// the records came from (the lines of a file) names it its own way.
    public var record: Record?
    /// For invalid JSON, the offset in the bytes parsed where the problem is: a caller that knows
    /// the text (a file's lines) can name the line and column.
    public var byteOffset: Int?
    /// For invalid JSON, what is wrong at ``byteOffset``, without the advice to the submitter that
    /// ``message`` ends with: for bytes no one can submit again, such as a stored entry.
    package var jsonProblem: String?

    /// One record of a batch and what is wrong with it.
    public struct Record: Sendable {
        /// The record's position in the batch, from 0.
        public var index: Int
        /// What is wrong with it: `field '…': …`.
        public var problem: String
    }

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What happened and what to do about it.
    ///   - cause: The underlying error, if any.
    ///   - location: Where the error was raised.
    public init(
        code: Code,
        message: String,
        cause: (any Error)? = nil,
        location: SourceLocation = SourceLocation()
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = location
    }
}

extension LedgerError {
    /// The kind of a ``LedgerError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case invalidJSON
            case invalidInput
            case invalidProof
            case invalidSignature
            case corruptLedger
            case notFound
            case ledgerExists
            case noLedger
            case storage
            case crypto
            case io
            case conflict
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        /// Another writer appended while a batch was being prepared against an older snapshot; prepare it again.
        public static let conflict = Code(.conflict)
        /// The input is not valid JSON, or not JSON that CellTrace accepts (duplicate keys, lone surrogates, non-finite numbers, nesting too deep).
        public static let invalidJSON = Code(.invalidJSON)
        /// An input record is well-formed JSON but breaks a rule of the ledger; the message names the record and the field.
        public static let invalidInput = Code(.invalidInput)
        /// A proof, checkpoint or signed note does not verify, or is malformed.
        public static let invalidProof = Code(.invalidProof)
        /// A signature does not verify under the key that should have made it.
        public static let invalidSignature = Code(.invalidSignature)
        /// Stored ledger data fails an integrity check; the message names the first bad sequence number.
        public static let corruptLedger = Code(.corruptLedger)
        /// The ledger has no such entry, checkpoint or key.
        public static let notFound = Code(.notFound)
        /// A ledger already exists where a new one was to be created.
        public static let ledgerExists = Code(.ledgerExists)
        /// No ledger exists at the given path.
        public static let noLedger = Code(.noLedger)
        /// The storage layer failed; the cause carries the LMDB error.
        public static let storage = Code(.storage)
        /// A cryptographic operation failed; the cause carries the OpenSSL error.
        public static let crypto = Code(.crypto)
        /// Reading or writing a file failed.
        public static let io = Code(.io)

        /// The code's name.
        public var description: String {
            switch kind {
            case .invalidJSON: "invalidJSON"
            case .invalidInput: "invalidInput"
            case .invalidProof: "invalidProof"
            case .invalidSignature: "invalidSignature"
            case .corruptLedger: "corruptLedger"
            case .notFound: "notFound"
            case .ledgerExists: "ledgerExists"
            case .noLedger: "noLedger"
            case .storage: "storage"
            case .crypto: "crypto"
            case .io: "io"
            case .conflict: "conflict"
            }
        }
    }

    /// A place in CellTrace's source, recorded when an error is raised.
    public struct SourceLocation: Sendable, Hashable {
        /// The file, as `#fileID` gives it.
        public var file: String
        /// The line.
        public var line: Int

        /// Records the caller's location.
        ///
        /// - Parameters:
        ///   - file: The file, defaulting to the caller's.
        ///   - line: The line, defaulting to the caller's.
        public init(file: String = #fileID, line: Int = #line) {
            self.file = file
            self.line = line
        }
    }
}

extension LedgerError: CustomStringConvertible {
    /// One line: the code, the message and, when present, the cause.
    public var description: String {
        var text = "\(code): \(message)"
        if let cause {
            text += " (cause: \(cause))"
        }
        return text
    }
}

extension LedgerError: Equatable {
    /// Compares codes only.
    public static func == (lhs: LedgerError, rhs: LedgerError) -> Bool {
        lhs.code == rhs.code
    }
}
