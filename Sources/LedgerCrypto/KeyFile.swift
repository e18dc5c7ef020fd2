#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Key files on disk: read whole, and written with owner-only permissions from the first byte.
enum KeyFile {
    static func read(_ path: String) throws -> String {
        let fd = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("cannot open key file \(path)") }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = unsafe chunk.withUnsafeMutableBytes { unsafe Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError("cannot read key file \(path)")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        defer { PEM.cleanse(&bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes a new key file with mode 0600, flushed to disk, or leaves no file at all.
    ///
    /// A write that fails part-way (a full disk) removes what it wrote: a truncated key must not
    /// be left behind, and the same command can then be run again.
    static func writeSecret(_ text: String, to path: String) throws {
        var bytes = Array(text.utf8)
        defer { PEM.cleanse(&bytes) }
        do {
            try unsafe bytes.withUnsafeBytes { buffer in try unsafe NewFile.write(buffer, to: path, mode: 0o600) }
        } catch let error as NewFile.Failure {
            switch error.step {
            case .create:
                throw ioError("cannot create key file \(path) (it must not exist yet)", code: error.code, cause: error)
            case .write:
                throw ioError("cannot write key file \(path); nothing was left there", code: error.code, cause: error)
            case .flush:
                throw ioError("cannot flush key file \(path); nothing was left there", code: error.code, cause: error)
            }
        }
    }

    private static func ioError(
        _ message: String,
        code: Int32 = errno,
        cause: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) -> CryptoError {
        let reason = unsafe String(cString: strerror(code))
        return CryptoError(
            code: .io,
            message: "\(message): \(reason)",
            cause: cause,
            location: CryptoError.SourceLocation(file: file, line: line)
        )
    }
}
