internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Keeps the writers of every process on one environment one at a time, even when `lock.mdb` is
/// removed or replaced while they run.
///
/// LMDB makes writers take turns through a mutex that lives in `lock.mdb` (lmdb.h l.101–110). A
/// process that opens the environment after that file was deleted makes a new one with a new
/// mutex, and two writers then write at once: each appends the same sequence numbers and signs
/// its own checkpoint for the same size, and the later commit drops what the earlier one had
/// acknowledged. So every write transaction also holds the file system's own lock on `data.mdb`
/// (`flock(2)`), which no file in the directory can take away; and a process whose `lock.mdb` is
/// no longer the file in the directory writes nothing more, since the readers that file records
/// are not seen by the writers of processes that opened the new one.
///
/// Threads of one process take turns through ``threads`` first: a `flock` belongs to the open
/// file, so a second thread's call would return at once and the first one's unlock would end
/// both holds.
@safe final class WriterLock: @unchecked Sendable {
    // Safety: the descriptor is owned and closed in deinit; flock is safe from any thread.

    /// An open descriptor of `data.mdb`, used only for `flock`.
    private let descriptor: Int32
    /// The path of `lock.mdb`.
    private let lockFile: String
    /// The device and inode of `lock.mdb` when the environment opened.
    private let lockFileIdentity: (device: UInt64, inode: UInt64)
    /// Makes the threads of this process take turns before the file lock.
    private let threads = Mutex(())

    /// Opens `data.mdb` for locking and records which `lock.mdb` the environment opened.
    ///
    /// - Parameter directory: The environment's directory, after `mdb_env_open` made both files.
    /// - Throws: ``StorageError/Code/io`` when either file cannot be opened or read.
    init(directory: String) throws(StorageError) {
        let lockFile = directory + "/lock.mdb"
        guard let identity = Self.identity(of: lockFile) else {
            throw Self.failure("cannot read \(lockFile)")
        }
        let descriptor = unsafe open(directory + "/data.mdb", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw Self.failure("cannot open \(directory)/data.mdb to lock it")
        }
        self.descriptor = descriptor
        self.lockFile = lockFile
        self.lockFileIdentity = identity
    }

    deinit {
        close(descriptor)
    }

    /// Runs `body` holding the lock: after every earlier writer of any process has finished, and
    /// only while `lock.mdb` is still the file this environment opened.
    ///
    /// - Parameter body: The write.
    /// - Returns: What `body` returns.
    /// - Throws: ``StorageError/Code/io`` when the file cannot be locked, or when `lock.mdb` was
    ///   removed or replaced (nothing is written then); whatever `body` throws.
    func holding<R>(_ body: () throws -> R) throws -> R {
        // The result leaves the lock through a local: `withLock` only returns what it can send.
        var outcome: Result<R, any Error> = .failure(CancellationError())
        threads.withLock { _ in outcome = Result { try holdingFile(body) } }
        return try outcome.get()
    }

    /// The part of ``holding(_:)`` after this process's other threads.
    private func holdingFile<R>(_ body: () throws -> R) throws -> R {
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw Self.failure("cannot lock \(lockFile.dropLast(8))data.mdb for writing")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        guard let identity = Self.identity(of: lockFile), identity == lockFileIdentity else {
            throw StorageError(
                code: .io,
                message: "\(lockFile) was removed or replaced while this process had the ledger open, so the "
                    + "readers it records are no longer seen by other processes; nothing was written. Stop every "
                    + "process using the ledger and open it again (never delete lock.mdb while one runs)"
            )
        }
        return try body()
    }

    /// The device and inode of the file at `path`, or `nil` when it cannot be read.
    private static func identity(of path: String) -> (device: UInt64, inode: UInt64)? {
        var status = stat()
        guard unsafe stat(path, &status) == 0 else { return nil }
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }

    private static func failure(_ what: String) -> StorageError {
        let reason = unsafe String(cString: strerror(errno))
        return StorageError(code: .io, message: "\(what): \(reason)")
    }
}
