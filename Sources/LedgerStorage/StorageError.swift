/// An error thrown by ``LedgerStorage``: a failed LMDB call, a rejected key, a misuse of the
/// environment or a failed file operation.
///
/// Two errors are equal when their ``code`` is equal, so tests can match on the kind of failure
/// without depending on the message text. Messages name the LMDB function and the table involved but
/// never include keys or values, which may be private data.
public struct StorageError: Error, Sendable {
    /// What kind of failure this is.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String
    /// The underlying error, when there is one; for LMDB failures, the raw return code and function.
    public var cause: (any Error)?
    /// Where in CellTrace the error was raised.
    public var location: SourceLocation

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

extension StorageError {
    /// The kind of a ``StorageError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case lmdb
            case keyExists
            case mapFull
            case alreadyOpen
            case unknownTable
            case invalidOptions
            case io
            case diskFull
            case damaged
            case readOnly
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        /// An LMDB call failed; the message names the function and carries LMDB's own error text.
        public static let lmdb = Code(.lmdb)
        /// A put was refused because the key is present (``PutMode/noOverwrite``) or out of order
        /// (``PutMode/append``, ``PutMode/appendDuplicate``).
        public static let keyExists = Code(.keyExists)
        /// The memory map filled during a write.
        ///
        /// Only the body of ``Environment/write(_:)`` can see this, thrown by a put: rethrow it, and
        /// the environment grows the map and runs the body again. It never escapes `write`.
        public static let mapFull = Code(.mapFull)
        /// The directory is already open as an ``Environment`` in this process.
        public static let alreadyOpen = Code(.alreadyOpen)
        /// The table was not declared in ``Environment/Options/tables``, or belongs to another environment.
        public static let unknownTable = Code(.unknownTable)
        /// The options are inconsistent, or do not match the tables already in the file.
        public static let invalidOptions = Code(.invalidOptions)
        /// Creating or resolving a directory failed.
        public static let io = Code(.io)
        /// The file system holding the environment had no room for a commit's pages.
        ///
        /// Or the user's disk quota was reached. The transaction was not committed: nothing of it
        /// was written, and everything committed before is intact. Free space and write again.
        public static let diskFull = Code(.diskFull)
        /// The data file is not what LMDB wrote: shorter than the pages its own meta page says are
        /// in use (a copy that stopped, a damaged disk), with a table of tables that does not read as
        /// one, or LMDB met a page that is missing or of the wrong kind, or a file that is no LMDB
        /// file of its format version.
        ///
        /// LMDB keeps no checksums of its own pages, so damage is found only where a read meets it.
        public static let damaged = Code(.damaged)
        /// A write was asked of an environment opened with ``Environment/Options/readOnly``.
        ///
        /// Nothing was written. Open the environment writable to change it.
        public static let readOnly = Code(.readOnly)

        /// The code's name.
        public var description: String {
            switch kind {
            case .lmdb: "lmdb"
            case .keyExists: "keyExists"
            case .mapFull: "mapFull"
            case .alreadyOpen: "alreadyOpen"
            case .unknownTable: "unknownTable"
            case .invalidOptions: "invalidOptions"
            case .io: "io"
            case .diskFull: "diskFull"
            case .damaged: "damaged"
            case .readOnly: "readOnly"
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

    /// Wraps a failed LMDB call, naming the table when one was involved.
    ///
    /// `MDB_KEYEXIST` becomes ``Code/keyExists``, `MDB_MAP_FULL` ``Code/mapFull``, the codes of a
    /// damaged data file (`LMDBError.damage`) ``Code/damaged``; everything else is ``Code/lmdb``.
    ///
    /// - Parameters:
    ///   - error: The LMDB failure.
    ///   - table: The table's name, if the call was about one table.
    ///   - file: The caller's file.
    ///   - line: The caller's line.
    init(_ error: LMDBError, table: String? = nil, file: String = #fileID, line: Int = #line) {
        let code: Code =
            switch error.code {
            case LMDBError.keyExists: .keyExists
            case LMDBError.mapFull: .mapFull
            case _ where LMDBError.damage.contains(error.code): .damaged
            default: .lmdb
            }
        var message = "\(error.function) failed"
        if let table {
            message += " on table '\(table)'"
        }
        message += ": \(error.reason)"
        if code == .damaged {
            message +=
                ": the ledger's data file is damaged where LMDB keeps its own pages, which the entries' "
                + "hashes do not cover (or it was written by another LMDB format); restore it from a backup"
        } else if let advice = error.advice {
            message += ". \(advice)"
        }
        self.init(code: code, message: message, cause: error, location: SourceLocation(file: file, line: line))
    }
}

extension StorageError: CustomStringConvertible {
    /// One line: the code, the message and, when present, the cause.
    public var description: String {
        var text = "\(code): \(message)"
        if let cause {
            text += " (cause: \(cause))"
        }
        return text
    }
}

extension StorageError: Equatable {
    /// Compares codes only.
    public static func == (lhs: StorageError, rhs: StorageError) -> Bool {
        lhs.code == rhs.code
    }
}
