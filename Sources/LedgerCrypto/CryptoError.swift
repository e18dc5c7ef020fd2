internal import COpenSSL

/// An error thrown by ``LedgerCrypto``: a failed OpenSSL call, a malformed key or a bad file.
///
/// Two errors are equal when their ``code`` is equal, so tests can match on the kind of failure
/// without depending on the message text.
public struct CryptoError: Error, Sendable {
    /// What kind of failure this is.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String
    /// The underlying error, when there is one.
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

extension CryptoError {
    /// The kind of a ``CryptoError``.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case openSSL
            case invalidKey
            case invalidSignature
            case io
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        /// An OpenSSL call failed; the message carries OpenSSL's own error text.
        public static let openSSL = Code(.openSSL)
        /// Key material is malformed, of the wrong type or of the wrong length.
        public static let invalidKey = Code(.invalidKey)
        /// A signature has the wrong length or form to be checked at all.
        public static let invalidSignature = Code(.invalidSignature)
        /// Reading or writing a key file failed.
        public static let io = Code(.io)

        /// The code's name.
        public var description: String {
            switch kind {
            case .openSSL: "openSSL"
            case .invalidKey: "invalidKey"
            case .invalidSignature: "invalidSignature"
            case .io: "io"
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

    /// Builds an error from OpenSSL's error queue, read once at the failure site.
    ///
    /// - Parameters:
    ///   - function: The OpenSSL function that failed.
    ///   - file: The caller's file.
    ///   - line: The caller's line.
    /// - Returns: An ``Code/openSSL`` error naming the function and OpenSSL's reason.
    static func openSSL(_ function: String, file: String = #fileID, line: Int = #line) -> CryptoError {
        let code = ERR_get_error()
        var reason = "no reason given"
        if code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            unsafe ERR_error_string_n(code, &buffer, buffer.count)
            reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        ERR_clear_error()
        return CryptoError(
            code: .openSSL,
            message: "\(function) failed: \(reason)",
            location: SourceLocation(file: file, line: line)
        )
    }
}

extension CryptoError: CustomStringConvertible {
    /// One line: the code, the message and, when present, the cause.
    public var description: String {
        var text = "\(code): \(message)"
        if let cause {
            text += " (cause: \(cause))"
        }
        return text
    }
}

extension CryptoError: Equatable {
    /// Compares codes only.
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool {
        lhs.code == rhs.code
    }
}
