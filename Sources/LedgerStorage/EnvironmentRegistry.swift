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

    /// The open directories: their canonical path and the claim's token.
    private static let open = Mutex<[DirectoryID: (path: String, token: UInt64)]>([:])
    private static let nextToken = Mutex<UInt64>(1)

    /// Claims a directory for one environment.
    ///
    /// A claim whose directory was since removed no longer stands: the file system may give a new
    /// directory the removed one's inode, and that new directory is not the open one.
    ///
    /// - Parameters:
    ///   - id: The directory's identity.
    ///   - path: Its canonical path, for the error message.
    /// - Returns: The claim's token, for ``unregister(_:token:)``.
    /// - Throws: ``StorageError/Code/alreadyOpen`` if an environment of this process has it open.
    static func register(_ id: DirectoryID, path: String) throws(StorageError) -> UInt64 {
        let token = nextToken.withLock { next in
            defer { next += 1 }
            return next
        }
        let inserted = open.withLock { open in
            if let claim = open[id], (try? Directory.identity(claim.path)) == id {
                return false
            }
            open[id] = (path, token)
            return true
        }
        guard inserted else {
            throw StorageError(
                code: .alreadyOpen,
                message: "The LMDB environment at '\(path)' is already open in this process; "
                    + "share that Environment instead of opening the directory twice (lmdb.h l.101)"
            )
        }
        return token
    }

    /// Releases a directory claimed by ``register(_:path:)``, unless a newer claim replaced it.
    ///
    /// - Parameters:
    ///   - id: The directory's identity.
    ///   - token: The claim's token.
    static func unregister(_ id: DirectoryID, token: UInt64) {
        open.withLock { open in
            if open[id]?.token == token { open[id] = nil }
        }
    }
}
