import ArgumentParser
import LedgerCore

/// How a command failed, and the exit status that tells scripts so.
///
/// 0 success · 1 a verification failed · 2 bad usage or bad input · 3 an internal failure.
struct Failure: Error, CustomStringConvertible {
    /// The exit statuses `celltrace` uses.
    enum Status: Int32 {
        case verificationFailed = 1
        case badInput = 2
        case internalFailure = 3
    }

    var status: Status
    var message: String

    var description: String { message }

    static func badInput(_ message: String) -> Failure {
        Failure(status: .badInput, message: message)
    }

    static func verificationFailed(_ message: String) -> Failure {
        Failure(status: .verificationFailed, message: message)
    }

    /// The status for a library error: failed checks are 1, bad input is 2, the rest 3.
    static func status(for error: LedgerError) -> Status {
        switch error.code {
        case .invalidProof, .invalidSignature, .corruptLedger: .verificationFailed
        case .invalidJSON, .invalidInput, .notFound, .noLedger, .ledgerExists, .io: .badInput
        default: .internalFailure
        }
    }
}
