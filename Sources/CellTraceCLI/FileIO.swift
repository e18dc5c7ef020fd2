import LedgerCrypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and writes for the CLI, without Foundation.
enum FileIO {
    struct Error: Swift.Error {
        var message: String
        /// Whether the file system had no room (`ENOSPC`, `EDQUOT`): not the caller's input at fault.
        var diskFull = false
        /// Whether a new file was not created because one exists at its path (`EEXIST`).
        var exists = false
    }

    /// Reads a file, or standard input when `path` is `nil`.
    static func readAll(_ path: String?) throws -> [UInt8] {
        let descriptor: Int32
        if let path {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw Error(message: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
        } else {
            descriptor = STDIN_FILENO
        }
        defer { if path != nil { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Error(message: "cannot read \(path ?? "standard input"): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }
}

extension FileIO {
    /// Writes a new file (never overwriting one) with the given mode.
    static func writeNew(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        var text = text
        try text.withUTF8 { try writeNew(UnsafeRawBufferPointer($0), to: path, mode: mode) }
    }

    /// Writes a new file of bytes (never overwriting one).
    static func writeNew(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        try bytes.withUnsafeBytes { try writeNew($0, to: path, mode: mode) }
    }

    /// Removes a file this command wrote, when what it belonged to could not be finished.
    static func remove(_ path: String) {
        unlink(path)
    }

    /// Removes what a command wrote under `directory`, when what it was making could not be finished.
    ///
    /// The directory itself goes too unless `keepingDirectory` (it was there, empty, before).
    /// Symbolic links are removed, never followed.
    static func removeTree(_ directory: String, keepingDirectory: Bool) {
        if let stream = opendir(directory) {
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard name != ".", name != ".." else { continue }
                let path = directory + "/" + name
                var status = stat()
                guard lstat(path, &status) == 0 else { continue }
                if status.st_mode & S_IFMT == S_IFDIR {
                    removeTree(path, keepingDirectory: false)
                } else {
                    unlink(path)
                }
            }
            closedir(stream)
        }
        if !keepingDirectory { rmdir(directory) }
    }

    /// Writes `bytes` to a new file, flushed to disk with its directory entry, or leaves no file
    /// at all (`NewFile`): a write that fails part-way (a full disk, a quota) removes what it
    /// wrote, so that no truncated export or key is left behind and the same command can be run
    /// again.
    ///
    /// Errors name the file `name`, by default `path`.
    private static func writeNew(
        _ bytes: UnsafeRawBufferPointer,
        to path: String,
        mode: mode_t,
        named name: String? = nil
    ) throws {
        let name = name ?? path
        do {
            try NewFile.write(bytes, to: path, mode: UInt32(mode))
        } catch {
            guard error.step != .create else {
                throw Error(message: "cannot create \(name): \(error.reason)", exists: error.code == EEXIST)
            }
            throw Error(
                message: "cannot write \(name): \(error.reason); nothing was left there",
                diskFull: error.isDiskFull
            )
        }
    }
}

extension FileIO {
    /// A new file written whole under a temporary name beside its destination, which gets its
    /// name only once what it belongs to is done (``place()``), or is removed (``discard()``).
    ///
    /// An export is staged so: its disclosure is recorded between the two, and an export whose
    /// disclosure could not be recorded leaves no file. Every error removes the file; a process
    /// stopped between the two (killed, a crash) leaves it under its temporary name, which the
    /// user guide describes as safe to delete.
    struct StagedFile {
        /// The name the file gets.
        let path: String
        /// The name it is written under, in the same directory (a dot file, so listings skip it).
        let temporaryPath: String

        /// Gives the file its name, flushed with its directory entry, never replacing a file there.
        ///
        /// - Throws: ``FileIO/Error`` when a file took the name meanwhile (``FileIO/Error/exists``)
        ///   or the name could not be given; the file is then removed under both names.
        func place() throws {
            var code: Int32 = 0
            if link(temporaryPath, path) != 0 {
                code = errno
                // A file system without hard links: renamed, after the same check that nothing
                // is there (a file created between the two would be replaced).
                if code != EEXIST && !FileIO.exists(path) {
                    code = rename(temporaryPath, path) == 0 ? 0 : errno
                }
            }
            discard()
            guard code == 0 else {
                let reason = String(cString: strerror(code))
                throw Error(message: "cannot create \(path): \(reason)", exists: code == EEXIST)
            }
            if let failure = NewFile.flushDirectory(of: path) {
                unlink(path)
                throw Error(
                    message: "cannot write \(path): \(String(cString: strerror(failure))); nothing was left there",
                    diskFull: failure == ENOSPC || failure == EDQUOT
                )
            }
        }

        /// Removes the file under its temporary name: what it belonged to was not done.
        func discard() {
            unlink(temporaryPath)
        }
    }

    /// Writes `bytes` whole to a new file under a temporary name in the directory of `path`,
    /// flushed to disk, to be given its name by ``StagedFile/place()``.
    ///
    /// - Throws: ``FileIO/Error`` naming `path`: when a file is there already (never replaced),
    ///   the directory refuses the file, or the bytes do not fit (then nothing is left).
    static func stage(_ bytes: [UInt8], for path: String) throws -> StagedFile {
        guard !exists(path) else {
            throw Error(message: "cannot create \(path): \(String(cString: strerror(EEXIST)))", exists: true)
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let staged = StagedFile(
            path: path,
            temporaryPath: directory + "." + name + ".celltrace-" + HexCoding.encode(SecureRandom.bytes(count: 8))
        )
        try bytes.withUnsafeBytes { try writeNew($0, to: staged.temporaryPath, mode: 0o644, named: path) }
        return staged
    }
}

extension FileIO {
    /// Creates a directory (mode 0755) and any missing parents; an existing directory is fine.
    static func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw Error(message: "cannot create the directory \(prefix): \(String(cString: strerror(errno)))")
            }
            prefix += "/"
        }
    }

    /// The directories ``createDirectory(_:)`` would make for `path`, outermost first: `path` and
    /// those of its parents that do not exist.
    static func missingDirectories(_ path: String) -> [String] {
        var missing: [String] = []
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !missing.isEmpty || !exists(prefix) { missing.append(prefix) }
            prefix += "/"
        }
        return missing
    }

    /// Whether `path` does not exist or is an empty directory.
    static func isMissingOrEmptyDirectory(_ path: String) -> Bool {
        guard let names = names(in: path) else { return errno == ENOENT }
        return names.isEmpty
    }

    /// The names in directory `path` but `.` and `..`, or `nil` when it cannot be read as one
    /// (`errno` says why: `ENOENT` when nothing is there, `ENOTDIR` for a file).
    static func names(in path: String) -> [String]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Whether anything is at `path`: a file, a directory, or a link (even one to nothing).
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }
}

/// A signer's private key, read from its PEM file.
enum PrivateKeyFile {
    /// Reads the private key at `path`; a public key given in its place is named as such.
    ///
    /// - Parameters:
    ///   - path: The PEM file.
    ///   - hint: What to give instead, said after a file that does not read.
    /// - Returns: The key.
    /// - Throws: ``Failure`` (bad input) naming the file.
    static func read(_ path: String, hint: String) throws -> Ed25519PrivateKey {
        do {
            return try Ed25519PrivateKey(pemFile: path)
        } catch {
            // `celltrace keygen` writes both halves side by side; the .pub.pem is easily taken.
            if let bytes = try? FileIO.readAll(path),
                String(decoding: bytes, as: UTF8.self).contains("BEGIN PUBLIC KEY")
            {
                throw Failure.badInput(
                    "\(path) holds a public key; --key takes the private key, the PEM file `celltrace keygen` "
                        + "wrote beside the .pub.pem"
                )
            }
            throw Failure.badInput("cannot read the private key \(path): \(error); \(hint)")
        }
    }
}
