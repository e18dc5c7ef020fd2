#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Graphviz's `dot` program, run to draw DOT text.
enum Graphviz {
    /// What to say when `dot` cannot be found.
    static let missing =
        "Graphviz's dot program is not installed: install Debian's graphviz package (apt-get install graphviz), "
        + "or use --format dot and draw the file elsewhere"

    /// Draws `dot` with `dot -T<format>`, through files in a private temporary directory.
    ///
    /// - Parameters:
    ///   - dot: The graph in the DOT language.
    ///   - format: A Graphviz output format (`svg`).
    /// - Returns: What Graphviz wrote.
    /// - Throws: ``Failure`` when `dot` is not installed or fails.
    static func render(_ dot: String, as format: String) throws -> [UInt8] {
        var template = Array("/tmp/celltrace-graph-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let created else {
            throw Failure(status: .internalFailure, message: "cannot create a temporary directory for Graphviz")
        }
        let directory = String(cString: created)
        let input = directory + "/lineage.dot"
        let output = directory + "/lineage." + format
        defer {
            unlink(input)
            unlink(output)
            rmdir(directory)
        }
        try FileIO.writeNew(dot, to: input)
        let status = try run(["dot", "-T" + format, "-o", output, input])
        guard status == 0 else {
            throw Failure(status: .internalFailure, message: "Graphviz's dot failed (exit status \(status))")
        }
        return try FileIO.readAll(output)
    }

    /// Runs a program found on `PATH` and waits for it.
    ///
    /// - Returns: Its exit status (128 + the signal when a signal ended it).
    private static func run(_ arguments: [String]) throws -> Int32 {
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], nil, nil, argv, environ)
        guard spawned == 0 else {
            if spawned == ENOENT { throw Failure.badInput(missing) }
            throw Failure(
                status: .internalFailure,
                message: "cannot run \(arguments[0]): \(String(cString: strerror(spawned)))"
            )
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw Failure(status: .internalFailure, message: "cannot wait for \(arguments[0])")
            }
        }
        // The wait status: the exit code in bits 8–15 after a normal exit, else the signal in bits 0–6.
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
