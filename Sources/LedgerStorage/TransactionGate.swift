#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The gate that lets an ``Environment`` resize its memory map while no transaction of this process
/// is active, as `mdb_env_set_mapsize` requires (lmdb.h l.819–822; the library does not check).
///
/// Every transaction holds the gate shared; a resize holds it exclusive. The lock prefers writers, so
/// a steady stream of readers cannot starve a resize. A per-thread depth counter lets a read nest
/// inside another transaction on the same thread without taking the lock twice, which a
/// writer-preferring lock would deadlock on; it also lets ``Environment/write(_:)`` refuse to start
/// inside another transaction, where it could never get the exclusive lock to grow the map.
@safe final class TransactionGate: @unchecked Sendable {
    // Safety: the lock and the key live in memory this object allocates and frees; pthread
    // read-write locks and thread-specific keys are made for use from many threads.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private let depthKey: pthread_key_t

    init() {
        unsafe lock = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        unsafe pthread_rwlockattr_init(&attributes)
        #if os(Linux)
        // glibc prefers readers by default; a recursive reader could then starve a resize forever.
        unsafe pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        let initialized = unsafe pthread_rwlock_init(lock, &attributes)
        unsafe pthread_rwlockattr_destroy(&attributes)
        precondition(initialized == 0, "pthread_rwlock_init failed: \(initialized)")
        var key = pthread_key_t()
        let created = unsafe pthread_key_create(&key, nil)
        precondition(created == 0, "pthread_key_create failed (\(created)): too many environments are open")
        depthKey = key
    }

    deinit {
        pthread_key_delete(depthKey)
        unsafe pthread_rwlock_destroy(lock)
        unsafe lock.deallocate()
    }

    /// How many transactions of this environment the current thread holds.
    var depth: Int {
        get {
            unsafe Int(bitPattern: pthread_getspecific(depthKey))
        }
        set {
            unsafe pthread_setspecific(depthKey, UnsafeRawPointer(bitPattern: newValue))
        }
    }

    /// Enters for one transaction, taking the shared lock unless this thread already holds it.
    func enterShared() {
        let current = depth
        if current == 0 {
            let rc = unsafe pthread_rwlock_rdlock(lock)
            precondition(rc == 0, "pthread_rwlock_rdlock failed: \(rc)")
        }
        depth = current + 1
    }

    /// Leaves after one transaction, releasing the shared lock with the thread's last transaction.
    func leaveShared() {
        let current = depth
        precondition(current > 0, "TransactionGate left more often than entered")
        depth = current - 1
        if current == 1 {
            unsafe pthread_rwlock_unlock(lock)
        }
    }

    /// Runs `body` while no transaction of this process is active.
    ///
    /// - Parameter body: The work that needs the environment to itself, such as a map resize.
    /// - Returns: Whatever `body` returns.
    /// - Throws: Whatever `body` throws.
    func withExclusive<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        precondition(depth == 0, "A map resize was requested inside a transaction on the same thread")
        let rc = unsafe pthread_rwlock_wrlock(lock)
        precondition(rc == 0, "pthread_rwlock_wrlock failed: \(rc)")
        defer {
            unsafe pthread_rwlock_unlock(lock)
        }
        return try body()
    }

    /// Runs `body` as if it were a transaction, so that no resize can happen meanwhile.
    ///
    /// - Parameter body: Work that reads or uses the memory map outside a transaction.
    /// - Returns: Whatever `body` returns.
    /// - Throws: Whatever `body` throws.
    func withShared<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        enterShared()
        defer {
            leaveShared()
        }
        return try body()
    }
}
