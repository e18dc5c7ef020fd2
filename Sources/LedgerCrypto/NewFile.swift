#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Writing a file that must not exist yet, durably or not at all: the key files and the files the
/// CLI writes (exports, public keys, demo outputs).
///
/// The file is created exclusively, with its mode from the first byte, written whole and flushed;
/// then its directory is flushed too, so that after a crash the file is there under its name
/// whenever the write returned. A step that fails removes the file: no truncated export or key is
/// left behind, and the same command can be run again.
package enum NewFile {
    /// The step that failed, with the system's error number.
    package struct Failure: Error, Sendable {
        /// A step of the write.
        package enum Step: Sendable {
            /// Creating the file (it exists already, or the directory refuses it).
            case create
            /// Writing its bytes.
            case write
            /// Flushing the file or its directory entry to disk, or closing it.
            case flush
        }

        /// The step that failed.
        package var step: Step
        /// The `errno` it failed with.
        package var code: Int32

        /// The system's text for ``code``.
        package var reason: String { unsafe String(cString: strerror(code)) }

        /// Whether the file system had no room (`ENOSPC`, `EDQUOT`).
        package var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }
    }

    /// Writes `bytes` to a new file at `path` with `mode` (permission bits, such as `0o600`),
    /// flushed with its directory entry.
    ///
    /// - Throws: ``Failure`` naming the step; the file is then absent (unless creating it failed
    ///   because it existed, in which case the existing file is untouched).
    package static func write(_ bytes: UnsafeRawBufferPointer, to path: String, mode: UInt32) throws(Failure) {
        // O_EXCL: never overwrite; the mode applies from creation, not after a chmod.
        let descriptor = unsafe open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        guard descriptor >= 0 else { throw Failure(step: .create, code: errno) }
        var failure: Failure?
        var offset = 0
        while offset < bytes.count {
            let written = unsafe Glibc.write(descriptor, bytes.baseAddress?.advanced(by: offset), bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                failure = Failure(step: .write, code: errno)
                break
            }
            offset += written
        }
        if failure == nil, fsync(descriptor) != 0 {
            failure = Failure(step: .flush, code: errno)
        }
        if close(descriptor) != 0, failure == nil {
            failure = Failure(step: .flush, code: errno)
        }
        if failure == nil, let code = flushDirectory(of: path) {
            failure = Failure(step: .flush, code: code)
        }
        if let failure {
            _ = unsafe unlink(path)
            throw failure
        }
    }

    /// Flushes the directory holding `path`, so that the new name survives a crash.
    ///
    /// A file system that cannot flush a directory (`EINVAL`) keeps names without it.
    ///
    /// - Returns: The `errno` of a failure, or `nil`.
    package static func flushDirectory(of path: String) -> Int32? {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let descriptor = unsafe open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return errno }
        defer { _ = close(descriptor) }
        if fsync(descriptor) != 0, errno != EINVAL { return errno }
        return nil
    }
}
