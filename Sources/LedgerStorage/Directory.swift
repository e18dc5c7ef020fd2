#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The few file-system operations an ``Environment`` needs, through POSIX.
enum Directory {
    /// Creates a directory and any missing parents, like `mkdir -p`.
    ///
    /// - Parameter path: The directory.
    /// - Throws: ``StorageError/Code/io`` if a component cannot be created or is not a directory.
    static func create(atPath path: String) throws(StorageError) {
        if unsafe mkdir(path, 0o755) == 0 {
            return
        }
        let error = errno
        switch error {
        case EEXIST:
            guard try isDirectory(path) else {
                throw StorageError(code: .io, message: "'\(path)' exists and is not a directory")
            }
        case ENOENT:
            let parent = String(path.reversed().drop { $0 != "/" }.dropFirst().reversed())
            guard !parent.isEmpty, parent != path else {
                throw ioError("mkdir", path, errno: error)
            }
            try create(atPath: parent)
            if unsafe mkdir(path, 0o755) != 0, errno != EEXIST {
                throw ioError("mkdir", path, errno: errno)
            }
        default:
            throw ioError("mkdir", path, errno: error)
        }
    }

    /// Resolves symlinks, `.` and `..`.
    ///
    /// - Parameter path: An existing path.
    /// - Returns: The canonical absolute path.
    /// - Throws: ``StorageError/Code/io`` if the path cannot be resolved.
    static func canonicalPath(_ path: String) throws(StorageError) -> String {
        guard let resolved = unsafe realpath(path, nil) else {
            throw ioError("realpath", path, errno: errno)
        }
        defer {
            unsafe free(resolved)
        }
        return unsafe String(cString: resolved)
    }

    /// Identifies a directory by device and inode.
    ///
    /// - Parameter path: The directory.
    /// - Returns: Its identity.
    /// - Throws: ``StorageError/Code/io`` if `stat` fails.
    static func identity(_ path: String) throws(StorageError) -> EnvironmentRegistry.DirectoryID {
        let info = try status(path)
        return EnvironmentRegistry.DirectoryID(
            device: UInt64(truncatingIfNeeded: info.st_dev),
            inode: UInt64(truncatingIfNeeded: info.st_ino)
        )
    }

    private static func isDirectory(_ path: String) throws(StorageError) -> Bool {
        try status(path).st_mode & S_IFMT == S_IFDIR
    }

    private static func status(_ path: String) throws(StorageError) -> stat {
        var info = stat()
        guard unsafe stat(path, &info) == 0 else {
            throw ioError("stat", path, errno: errno)
        }
        return info
    }

    private static func ioError(_ function: String, _ path: String, errno code: Int32) -> StorageError {
        let reason = unsafe String(cString: strerror(code))
        return StorageError(code: .io, message: "\(function) '\(path)' failed: \(reason) (errno \(code))")
    }
}
