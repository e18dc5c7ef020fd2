public import LedgerCore

/// An export that cannot be written: the subject does not fit the format, or a figure the format
/// requires is not in the ledger.
public struct ExportError: Error, Sendable {
    /// What kind of failure this is.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String
    /// The underlying error, when there is one.
    public var cause: (any Error)?
    /// Where in CellTrace the error was raised.
    public var location: LedgerError.SourceLocation

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
        location: LedgerError.SourceLocation = LedgerError.SourceLocation()
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = location
    }
}

extension ExportError {
    /// The kind of an ``ExportError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case unsupportedSubject
            case missingData
            case invalidOption
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        /// The subject is not one the format describes (a lot given to the battery passport).
        public static let unsupportedSubject = Code(.unsupportedSubject)
        /// A figure the format requires is not in the ledger (no battery model, so no lifetime energy).
        public static let missingData = Code(.missingData)
        /// An option's value does not fit the format (a URL that is not one, a classification that is no URN).
        public static let invalidOption = Code(.invalidOption)

        /// The code's name.
        public var description: String {
            switch kind {
            case .unsupportedSubject: "unsupportedSubject"
            case .missingData: "missingData"
            case .invalidOption: "invalidOption"
            }
        }
    }
}

extension ExportError: CustomStringConvertible {
    /// One line: the code, the message and, when present, the cause.
    public var description: String {
        var text = "\(code): \(message)"
        if let cause {
            text += " (cause: \(cause))"
        }
        return text
    }
}

extension ExportError: Equatable {
    /// Compares codes only.
    public static func == (lhs: ExportError, rhs: ExportError) -> Bool {
        lhs.code == rhs.code
    }
}
