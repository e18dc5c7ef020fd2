import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where commands write: standard output and error, or a capture buffer under test.
///
/// Tests run a parsed command inside ``capture(_:)`` to read what it printed without a subprocess.
enum Console {
    /// A buffer that collects what a command writes while a test captures it.
    final class Capture: Sendable {
        let output = Mutex("")
        let error = Mutex("")
    }

    @TaskLocal static var capture: Capture?

    /// The `errno` of the first write to standard output that failed (a full disk, a closed
    /// descriptor), 0 while none has: the command then exits 3 rather than 0, and an export does not
    /// record a disclosure of bytes nobody received.
    private static let outputError = Atomic<Int32>(0)

    /// Why standard output could not be written, when a write to it failed.
    static var outputFailure: String? {
        let code = outputError.load(ordering: .relaxed)
        guard code != 0 else { return nil }
        return "standard output could not be written: \(String(cString: strerror(code)))"
    }

    /// Opens `/dev/null`, read-only, on each of descriptors 0, 1 and 2 that the process was started
    /// without (`celltrace log >&-`).
    ///
    /// Otherwise the next file opened takes the free number: LMDB's lock file became descriptor 1,
    /// and what the command printed went into it. Read-only, a write to the stand-in fails (`EBADF`)
    /// as a write to the closed descriptor would have, so the command still exits 3 and an export
    /// to standard output still records no disclosure.
    static func reserveStandardDescriptors() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 {
            guard errno == EBADF else { continue }
            let opened = open("/dev/null", O_RDONLY)
            if opened >= 0, opened != descriptor {
                dup2(opened, descriptor)
                close(opened)
            }
        }
    }

    /// Writes to standard output.
    static func out(_ text: String, terminator: String = "\n") {
        if let capture {
            capture.output.withLock { $0 += text + terminator }
        } else {
            writeAll(STDOUT_FILENO, text + terminator)
        }
    }

    /// Writes to standard error.
    static func err(_ text: String, terminator: String = "\n") {
        if let capture {
            capture.error.withLock { $0 += text + terminator }
        } else {
            writeAll(STDERR_FILENO, text + terminator)
        }
    }

    /// Writes raw bytes to standard output (for canonical entry bytes, which must pass unchanged).
    static func outBytes(_ bytes: [UInt8]) {
        if let capture {
            capture.output.withLock { $0 += String(decoding: bytes, as: UTF8.self) }
        } else {
            bytes.withUnsafeBytes { writeAll(STDOUT_FILENO, $0) }
        }
    }

    private static func writeAll(_ descriptor: Int32, _ text: String) {
        var text = text
        text.withUTF8 { writeAll(descriptor, UnsafeRawBufferPointer($0)) }
    }

    /// Writes a whole buffer, retrying after interrupted or partial writes.
    private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
            let written = write(descriptor, rest.baseAddress, rest.count)
            if written <= 0 {
                let code = written < 0 ? errno : EIO
                if code == EINTR { continue }
                if descriptor == STDOUT_FILENO {
                    _ = outputError.compareExchange(expected: 0, desired: code, ordering: .relaxed)
                }
                return
            }
            offset += written
        }
    }

    /// Runs `body` with everything it writes collected, for tests.
    static func capture(_ body: () throws -> Void) rethrows -> (output: String, error: String) {
        let capture = Capture()
        try $capture.withValue(capture) {
            try body()
        }
        return (capture.output.withLock { $0 }, capture.error.withLock { $0 })
    }

    /// Whether standard error is a terminal (progress is shown only there).
    static var errorIsTerminal: Bool {
        capture == nil && isatty(STDERR_FILENO) == 1
    }

    /// An environment variable.
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// A progress line on standard error, redrawn in place; silent when stderr is not a terminal.
    static func progress(_ label: String, done: UInt64, total: UInt64) {
        guard errorIsTerminal, total > 0 else { return }
        let width = 30
        let filled = Int(Double(done) / Double(total) * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        writeAll(STDERR_FILENO, "\r\(label) \(bar) \(done)/\(total)" + (done >= total ? "\r\u{1B}[K" : ""))
    }
}
