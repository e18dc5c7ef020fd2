import ArgumentParser
import LedgerCore
import SupplyChain

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

    /// The status for a supply-chain error: its cause's, else 3 for the ledger's own state (its
    /// storage, indexes an earlier or later CellTrace wrote: nothing the input could fix) and 2
    /// for what the input is refused for.
    static func status(for error: SupplyChainError) -> Status {
        if let cause = error.cause as? LedgerError { return status(for: cause) }
        return error.code == .ledger || error.code == .indexLayout ? .internalFailure : .badInput
    }
}

extension Failure {
    /// A failure to record an entry that something already done depends on: what went wrong,
    /// then `consequence`, what became of the thing done.
    ///
    /// The status is the one the error alone would exit with (3 for a full disk).
    init(recording error: any Error, _ consequence: String) {
        let message =
            switch error {
            case let error as LedgerError: error.message
            case let error as SupplyChainError: error.message
            case let failure as Failure: failure.message
            default: "\(error)"
            }
        self.init(status: Self.status(of: error), message: "\(message); \(consequence)")
    }

    /// The status a ledger's, supply chain's or command's error exits with; 3 for any other.
    static func status(of error: any Error) -> Status {
        switch error {
        case let error as LedgerError: status(for: error)
        case let error as SupplyChainError: status(for: error)
        case let failure as Failure: failure.status
        default: .internalFailure
        }
    }
}
