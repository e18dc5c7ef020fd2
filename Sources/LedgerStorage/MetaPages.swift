internal import CLMDB

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The check of a data file's two meta pages that ``Environment`` makes before `mdb_env_open`.
///
/// `mdb_env_open` creates `lock.mdb` (and, writable, `data.mdb`) before it reads the data file's
/// header, so opening a file that is no LMDB file (junk, a file cut off inside its first pages)
/// would leave a lock file beside it, made by a command that only read. This checks what LMDB
/// 0.9's `mdb_env_read_header` checks (mdb.c), which LMDB then checks again: at offset 0, and at
/// the page size the first meta page records, a page flagged `P_META` whose meta starts with
/// `MDB_MAGIC` and data version 1, each read whole (an `MDB_metabuf` of a 64-bit build).
///
/// The layout read here is a 64-bit little-endian build's (x86-64, arm64); on another the check is
/// left to LMDB, which makes its lock file first. It runs before LMDB's lock is taken: a process
/// opening a data file while another creates it could read it before its second meta page is
/// written and name it damaged, as LMDB's own reading of the header then could.
enum MetaPages {
    /// The size of LMDB's page header (`PAGEHDRSZ`); its flags are a 16-bit word at byte 10.
    static let headerSize = 16
    /// The size of an `MDB_metabuf`: the page header and a 136-byte `MDB_meta`.
    static let bufferSize = headerSize + 136
    /// The corresponding LMDB page flag is `P_META` (mdb.c).
    static let metaFlag: UInt16 = 0x08
    /// The corresponding LMDB constant is `MDB_MAGIC` (mdb.c), the meta's first word.
    static let magic: UInt32 = 0xBEEF_C0DE
    /// The corresponding LMDB constant is `MDB_DATA_VERSION` (mdb.c), the meta's second word.
    static let dataVersion: UInt32 = 1
    /// Where the meta records the page size: the free-page table's `md_pad`, after the magic, the
    /// version, `mm_address` and `mm_mapsize`.
    static let pageSizeOffset = headerSize + 24

    /// Throws when `data.mdb` in `directory` exists, is not empty, and its first two pages are not
    /// LMDB meta pages; a missing or empty file is left to LMDB, which makes a new environment of
    /// it (writable) or refuses it (read-only).
    ///
    /// - Parameter directory: The environment's directory.
    /// - Throws: ``StorageError/Code/damaged`` naming the page, with LMDB's `MDB_INVALID` or
    ///   `MDB_VERSION_MISMATCH` as the cause.
    static func check(dataFileIn directory: String) throws(StorageError) {
        #if _pointerBitWidth(_64) && _endian(little)
        try checkLayout(directory + "/data.mdb")
        #endif
    }

    private static func checkLayout(_ file: String) throws(StorageError) {
        let descriptor = unsafe open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        var offset = 0
        for page in 0..<2 {
            let count = unsafe buffer.withUnsafeMutableBytes {
                unsafe pread(descriptor, $0.baseAddress, $0.count, off_t(offset))
            }
            if count == 0, page == 0 { return }
            if count < 0 {
                // A read that failed says nothing of the file's form (EIO, EISDIR): named as I/O.
                let reason = unsafe String(cString: strerror(errno))
                throw StorageError(code: .io, message: "cannot read \(file): \(reason)")
            }
            // Native byte order, as LMDB writes it.
            func word(_ at: Int) -> UInt32 {
                buffer[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) }
            }
            let flags = UInt16(buffer[10]) | UInt16(buffer[11]) << 8
            let problem: (code: Int32, what: String)? =
                if count != bufferSize {
                    (MDB_INVALID, "it ends inside its meta page \(page)")
                } else if flags & metaFlag == 0 || word(headerSize) != magic {
                    (MDB_INVALID, "its page \(page) is no LMDB meta page")
                } else if word(headerSize + 4) != dataVersion {
                    (MDB_VERSION_MISMATCH, "its meta page \(page) is of LMDB data version \(word(headerSize + 4))")
                } else {
                    nil
                }
            if let problem {
                let cause = LMDBError(code: problem.code, function: "mdb_env_open")
                throw StorageError(
                    code: .damaged,
                    message: "\(file) is not an LMDB data file: \(problem.what) (\(cause.reason)); it was not "
                        + "opened and nothing was written beside it: the ledger's data file is damaged where LMDB "
                        + "keeps its own pages, which the entries' hashes do not cover (or it is no ledger's, or of "
                        + "another LMDB format); restore it from a backup",
                    cause: cause
                )
            }
            offset = Int(word(pageSizeOffset))
        }
    }
}
