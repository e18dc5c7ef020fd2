public import LedgerCore

/// An export that cannot be made or a bundle that cannot be read: the subject does not fit the
/// format, a figure the format requires is not in the ledger, the input is not what it claims, or
/// (a defect) an export could not point at a figure the footprint used.
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

    /// Creates an error about bad input (``Code/invalidInput``).
    ///
    /// - Parameters:
    ///   - message: What happened and what to do about it.
    ///   - location: Where the error was raised.
    public init(_ message: String, location: LedgerError.SourceLocation = LedgerError.SourceLocation()) {
        self.init(code: .invalidInput, message: message, location: location)
    }

    /// Whether it is a defect of CellTrace rather than of the input.
    public var isDefect: Bool { code == .defect }

    /// A defect: an export could not point at a figure the footprint used.
    static func defect(
        _ message: String,
        location: LedgerError.SourceLocation = LedgerError.SourceLocation()
    ) -> ExportError {
        ExportError(
            code: .defect,
            message: "export: \(message); this is a defect of CellTrace, please report it",
            location: location
        )
    }
}

extension ExportError {
    /// The kind of an ``ExportError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case invalidInput
            case unsupportedSubject
            case missingData
            case invalidOption
            case defect
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        /// The input is not what it should be (a file that is not a custody bundle).
        public static let invalidInput = Code(.invalidInput)
        /// The subject is not one the format describes (a lot given to the battery passport).
        public static let unsupportedSubject = Code(.unsupportedSubject)
        /// A figure the format requires is not in the ledger (no battery model, so no lifetime energy).
        public static let missingData = Code(.missingData)
        /// An option's value does not fit the format (a link that is not a URL).
        public static let invalidOption = Code(.invalidOption)
        /// A defect of CellTrace: an export could not point at a figure the footprint used.
        public static let defect = Code(.defect)

        /// The code's name.
        public var description: String {
            switch kind {
            case .invalidInput: "invalidInput"
            case .unsupportedSubject: "unsupportedSubject"
            case .missingData: "missingData"
            case .invalidOption: "invalidOption"
            case .defect: "defect"
            }
        }
    }
}

extension ExportError: CustomStringConvertible {
    /// One line: the message and, when present, the cause.
    ///
    /// The message says what happened without the code's name, so the command line prints it as
    /// it is.
    public var description: String {
        var text = message
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
