import LedgerCrypto
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("NewFile: a file written whole and flushed, never over another")
struct NewFileTests {
    private func contents(of path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    @Test("writes the bytes with the mode asked for; an existing file is refused and left as it was")
    func writesNewFilesOnly() throws {
        let directory = "/tmp/celltrace-newfile-\(UInt64.random(in: 0...UInt64.max))"
        #expect(mkdir(directory, 0o700) == 0)
        defer { _ = system("rm -rf '\(directory)'") }
        let path = directory + "/export.json"
        let first = Array(#"{"bundle":1}"#.utf8)
        try first.withUnsafeBytes { try NewFile.write($0, to: path, mode: 0o640) }
        #expect(contents(of: path) == first)
        var info = stat()
        #expect(stat(path, &info) == 0)
        let mask = umask(0)
        umask(mask)
        #expect(info.st_mode & 0o777 == 0o640 & ~mask, "the mode from creation, less the umask")

        let second = Array("other".utf8)
        let refused = #expect(throws: NewFile.Failure.self) {
            try second.withUnsafeBytes { try NewFile.write($0, to: path, mode: 0o644) }
        }
        #expect(refused?.step == .create)
        #expect(refused?.code == EEXIST)
        #expect(contents(of: path) == first, "the existing file is untouched")

        let missing = #expect(throws: NewFile.Failure.self) {
            try second.withUnsafeBytes { try NewFile.write($0, to: directory + "/no/such/dir.json", mode: 0o644) }
        }
        #expect(missing?.step == .create)
        #expect(missing?.code == ENOENT)
    }
}
