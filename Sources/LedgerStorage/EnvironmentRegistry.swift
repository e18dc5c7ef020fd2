internal import Synchronization

/// The process-wide set of directories open as an ``Environment``.
///
/// lmdb.h l.101: "Do not have open an LMDB database twice in the same process at the same time. Not
/// even from a plain open() call - close()ing it breaks fcntl() advisory locking." Directories are
/// identified by device and inode, so a symlink or a second spelling of the path is caught too.
enum EnvironmentRegistry {
    /// A directory's identity on disk.
    struct DirectoryID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private static let open = Mutex<[DirectoryID: String]>([:])

    /// Claims a directory for one environment.
    ///
    /// - Parameters:
    ///   - id: The directory's identity.
    ///   - path: Its canonical path, for the error message.
    /// - Throws: ``StorageError/Code/alreadyOpen`` if an environment of this process has it open.
    static func register(_ id: DirectoryID, path: String) throws(StorageError) {
        let inserted = open.withLock { open in
            guard open[id] == nil else {
                return false
            }
            open[id] = path
            return true
        }
        guard inserted else {
            throw StorageError(
                code: .alreadyOpen,
                message: "The LMDB environment at '\(path)' is already open in this process; "
                    + "share that Environment instead of opening the directory twice (lmdb.h l.101)"
            )
        }
    }

    /// Releases a directory claimed by ``register(_:path:)``.
    ///
    /// - Parameter id: The directory's identity.
    static func unregister(_ id: DirectoryID) {
        _ = open.withLock { $0.removeValue(forKey: id) }
    }
}
