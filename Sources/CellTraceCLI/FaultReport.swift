#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `celltrace` says when the process takes a memory fault (SIGSEGV, SIGBUS), instead of
/// the runtime's register dump, or when a C library stops it on a failed check of its own
/// (SIGABRT: LMDB's `mdb_assert` on a page of the wrong kind), instead of a crash report.
///
/// LMDB trusts the pages of its data file: a damaged page (a flipped bit in a branch page's
/// pointer) makes it read outside the map, below what the entries' hashes protect, so `verify`
/// cannot report it as a changed entry. Such a fault is named as the likely damage, with what to
/// do, and the process exits with `verify`'s verification-failed status (1) or, for any other
/// command, the internal-failure status (3). A cut-off file is refused at open, before any page
/// is read (``Environment``).
enum FaultReport {
    /// The status the handler exits with: set once, before any ledger is opened.
    nonisolated(unsafe) private static var status: Int32 = 3

    /// Installs the handlers for the command named by `arguments`.
    static func install(for arguments: [String]) {
        status = arguments.first == "verify" ? 1 : 3
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            // Only async-signal-safe calls: a write of static bytes, then _exit.
            let message: StaticString = """
                celltrace: stopped by a memory fault while reading the ledger: its data file is most likely \
                damaged where LMDB keeps its own pages, which the entries' hashes do not cover (or CellTrace \
                has a bug); restore the ledger from a backup and run `celltrace verify` on the copy

                """
            message.withUTF8Buffer { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
            _exit(FaultReport.status)
        }
        sigemptyset(&action.sa_mask)
        sigaction(SIGSEGV, &action, nil)
        sigaction(SIGBUS, &action, nil)
        var abort = sigaction()
        abort.__sigaction_handler.sa_handler = { _ in
            // The library printed its failed check above (LMDB: "mdb.c:…: Assertion '…' failed").
            let message: StaticString = """
                celltrace: stopped by a failed check inside a library (printed above) while reading the \
                ledger: if it is LMDB's, the data file is most likely damaged where LMDB keeps its own \
                pages, which the entries' hashes do not cover (or CellTrace has a bug); restore the ledger \
                from a backup and run `celltrace verify` on the copy

                """
            message.withUTF8Buffer { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
            _exit(FaultReport.status)
        }
        sigemptyset(&abort.sa_mask)
        sigaction(SIGABRT, &abort, nil)
        // A parent may start the process with these blocked (the mask is inherited); abort()
        // unblocks SIGABRT itself, but a handler that cannot run names nothing.
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in [SIGSEGV, SIGBUS, SIGABRT] { sigaddset(&handled, signal) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
    }
}
