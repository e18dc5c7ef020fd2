import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Work started on a second thread now and collected with ``wait()``: the one place CellTrace
/// runs CPU work beside the caller, to use both cores when sealing a large batch.
///
/// A POSIX thread rather than a task: `Ledger.append` is synchronous because LMDB write
/// transactions belong to their thread, and blocking a cooperative-pool thread on a result would
/// risk starving Swift concurrency.
final class ParallelWork<Value: Sendable> {
    private let job: Job
    private let thread: pthread_t

    init(_ work: @escaping @Sendable () throws -> Value) {
        let job = Job(work: work)
        self.job = job
        var thread = pthread_t()
        let argument = Unmanaged<ThreadJob>.passRetained(job).toOpaque()
        let rc = pthread_create(
            &thread,
            nil,
            { argument in
                // The C entry point cannot name the generic type; it runs the type-erased job.
                guard let argument else { return nil }
                Unmanaged<ThreadJob>.fromOpaque(argument).takeRetainedValue().run()
                return nil
            },
            argument
        )
        // Thread creation fails only when the process is out of threads or memory.
        precondition(rc == 0, "pthread_create failed (\(rc))")
        self.thread = thread
    }

    /// Waits for the work to finish.
    ///
    /// - Returns: What the work returned or threw.
    func wait() -> Result<Value, any Error> {
        pthread_join(thread, nil)
        return job.result.withLock { $0 }
    }

    private final class Job: ThreadJob, @unchecked Sendable {
        // Safety: `work` is immutable and Sendable; `result` is behind a mutex.
        let work: @Sendable () throws -> Value
        let result = Mutex<Result<Value, any Error>>(
            .failure(LedgerError(code: .io, message: "parallel work did not run"))
        )

        init(work: @escaping @Sendable () throws -> Value) {
            self.work = work
        }

        override func run() {
            let outcome = Result { try work() }
            result.withLock { $0 = outcome }
        }
    }
}

/// A job a thread can run without knowing its result type.
class ThreadJob {
    func run() {}
}
