import LedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// The indexes keyed by a SHA-256 digest (`sc.event-ids`, `sc.event-hashes`), kept as sorted runs.
///
/// A digest is a random key: inserted into one B-tree, each import's events would land all over
/// it and dirty about one page each once the table is larger than an import, so that the commit
/// of a document written into a ledger of 600,000 events copied twice as many pages as into a
/// young one (PERFORMANCE.md, the thirty-second round). Here an import writes its digests, sorted,
/// as a new run at the table's end, and runs of about the same size are merged
/// (a log-structured merge): the pages an import writes grow with the import, not with the ledger.
///
/// Layout, in the table itself:
/// - BE32(0) → the directory: BE32(run) ‖ BE64(records) for each live run;
/// - BE32(run) ‖ the last digest of a chunk → the chunk: records of digest ‖ BE16(length) ‖ value,
///   in digest order, about ``chunkBytes`` each, so that a page holds four chunks and a run is
///   read, merged and deleted a chunk at a time.
///
/// A digest is in at most one run, since the indexes are insert-only and an import adds only
/// digests not found. A look-up seeks each run once: the first chunk of the run whose last digest
/// is at or after the one sought holds it, if the run does.
///
/// A run's level is ⌊log₄(records)⌋; when two runs share a level they are merged into one, so a
/// table has at most one run a level (about log₄ of its size over an import's) and a record is
/// rewritten a few times a level.
enum DigestRuns {
    /// The directory's key, before every run's.
    static let directoryKey: [UInt8] = [0, 0, 0, 0]
    /// The size a chunk is filled to, value bytes: four chunks with their 36-byte keys and
    /// LMDB's node headers fill a 4 KiB page, and none needs an overflow page.
    static let chunkBytes = 960

    /// A live run: its number and how many records it holds.
    struct Run: Equatable {
        var id: UInt32
        var count: UInt64

        /// ⌊log₄(count)⌋: runs of one level are merged.
        var level: Int { count <= 1 ? 0 : (UInt64.bitWidth - 1 - count.leadingZeroBitCount) / 2 }
    }

    static func holds(_ table: IndexTable) -> Bool { table == .eventIDs || table == .eventHashes }

    // MARK: Reading

    /// The table's live runs, oldest first; empty for an empty table.
    static func directory(
        in table: Table,
        _ txn: borrowing some ReadableTransaction & ~Copyable
    ) throws -> [Run] {
        try txn.withValue(in: table, forKey: directoryKey) { bytes in
            guard let bytes else { return [] }
            guard bytes.count % 12 == 0 else { throw damagedDirectory(table, bytes.count) }
            return stride(from: 0, to: bytes.count, by: 12).map { start in
                Run(
                    id: bytes[start..<start + 4].reduce(0) { $0 << 8 | UInt32($1) },
                    count: bytes[start + 4..<start + 12].reduce(0) { $0 << 8 | UInt64($1) }
                )
            }
        }
    }

    /// The value stored for `digest` (32 bytes), from whichever run holds it.
    ///
    /// Every event an import checks is looked up here once or twice, so the directory is read
    /// into a buffer on the stack (one of more runs than it holds, into an array) and each run
    /// is sought without generics or an allocation.
    static func value(
        forDigest digest: [UInt8],
        in table: Table,
        _ txn: borrowing some ReadableTransaction & ~Copyable
    ) throws -> [UInt8]? {
        guard digest.count == 32 else { return nil }
        return try withUnsafeTemporaryAllocation(byteCount: 1_024 + 36, alignment: 8) { buffer in
            let key = UnsafeMutableRawBufferPointer(rebasing: buffer[1_024...])
            UnsafeMutableRawBufferPointer(rebasing: key[4...]).copyBytes(from: digest)
            /// Seeks the runs a directory lists, the newest first: a document sent again is
            /// usually a recent one.
            func seekRuns(_ directory: UnsafeRawBufferPointer) throws -> [UInt8]? {
                guard directory.count % 12 == 0 else { throw damagedDirectory(table, directory.count) }
                guard !directory.isEmpty else { return nil }
                let cursor = try txn.cursor(table)
                var start = directory.count - 12
                while start >= 0 {
                    key.copyMemory(from: UnsafeRawBufferPointer(rebasing: directory[start..<start + 4]))
                    var found: [UInt8]?
                    _ = try cursor.seekRow(atLeast: UnsafeRawBufferPointer(key)) { chunkKey, chunk in
                        guard chunkKey.count >= 4, chunkKey[0] == key[0], chunkKey[1] == key[1],
                            chunkKey[2] == key[2], chunkKey[3] == key[3]
                        else { return }
                        found = try find(UnsafeRawBufferPointer(rebasing: key[4...]), inChunk: chunk, of: table)
                    }
                    if let found { return found }
                    start -= 12
                }
                return nil
            }
            let stack = UnsafeMutableRawBufferPointer(rebasing: buffer[..<1_024])
            if let length = try txn.copyValue(in: table, forKey: directoryKey, into: stack) {
                return try seekRuns(UnsafeRawBufferPointer(rebasing: stack[..<length]))
            }
            // No directory, or one of more runs than the buffer holds.
            return try encode(directory(in: table, txn)).withUnsafeBytes { try seekRuns($0) }
        }
    }

    /// The records of every run, run by run, each in digest order, and checks that the directory
    /// lists exactly the runs there are with their counts.
    ///
    /// - Throws: ``SupplyChainError`` with code ``SupplyChainError/Code/ledger`` naming what is
    ///   damaged; whatever `body` throws.
    static func forEachRecord(
        in table: Table,
        _ txn: borrowing some ReadableTransaction & ~Copyable,
        _ body: (_ digest: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let runs = try directory(in: table, txn)
        var counted: [UInt32: UInt64] = [:]
        // The run of the chunk before and that chunk's key, whose last digest the next chunk of
        // the same run must start after.
        var previous: (run: UInt32, key: [UInt8])?
        func visit(_ key: UnsafeRawBufferPointer, _ chunk: UnsafeRawBufferPointer) throws {
            if key.elementsEqual(directoryKey) { return }
            guard key.count > 4 else { throw damaged(table, "it has a row with a \(key.count)-byte key") }
            let run = key.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
            var last: UnsafeRawBufferPointer?
            try forEachRecord(inChunk: chunk, of: table) { digest, value in
                let inOrder: Bool
                if let last {
                    inOrder = RowKey.order(last, digest) < 0
                } else if let previous, previous.run == run {
                    inOrder = previous.key.withUnsafeBytes {
                        RowKey.order(UnsafeRawBufferPointer(rebasing: $0[4...]), digest) < 0
                    }
                } else {
                    inOrder = true
                }
                guard inOrder else { throw damaged(table, "run \(run) is not in digest order") }
                last = digest
                counted[run, default: 0] += 1
                try body(digest, value)
            }
            guard let last, last.elementsEqual(key.dropFirst(4)) else {
                throw damaged(table, "a chunk of run \(run) is not keyed by its last digest")
            }
            previous = (run, Array(key))
        }
        let cursor = try txn.cursor(table)
        // `withFirst` and `withNext` give nil past the last row.
        var more: Void? = try cursor.withFirst { key, chunk in try visit(key, chunk) }
        while more != nil {
            more = try cursor.withNext { key, chunk in try visit(key, chunk) }
        }
        let listed = Dictionary(runs.map { ($0.id, $0.count) }, uniquingKeysWith: { first, _ in first })
        guard listed.count == runs.count, listed == counted else {
            throw damaged(table, "its directory does not list the runs it holds")
        }
    }

    /// The records the table holds: the directory's counts, or for a table without a directory
    /// (one of an older layout), its rows.
    static func recordCount(in table: Table, _ txn: borrowing some ReadableTransaction & ~Copyable) throws -> Int {
        let runs = try directory(in: table, txn)
        if runs.isEmpty { return try txn.count(table) }
        return Int(runs.reduce(0) { $0 + $1.count })
    }

    // MARK: Writing

    /// Writes `rows` (digest keys in order, none deleted, none already in the table) as a new
    /// run, then merges runs that share a level.
    static func add(_ rows: EncodedRows, to table: Table, _ txn: borrowing WriteTransaction) throws {
        guard !rows.isEmpty else { return }
        var runs = try directory(in: table, txn)
        let id = nextID(runs)
        let cursor = try txn.cursor(table)
        var writer = ChunkWriter(run: id)
        try rows.forEachRow { digest, value in
            guard let value else { preconditionFailure("rows of \(table.name) are never deleted") }
            try writer.add(UnsafeRawBufferPointer(digest), UnsafeRawBufferPointer(value), cursor)
        }
        try writer.finish(cursor)
        runs.append(Run(id: id, count: writer.records))
        try merge(&runs, in: table, txn)
        try txn.put(encode(runs), forKey: directoryKey, in: table)
    }

    /// Merges the two runs of the lowest level that has two, until no level has.
    private static func merge(_ runs: inout [Run], in table: Table, _ txn: borrowing WriteTransaction) throws {
        while true {
            var byLevel: [Int: Int] = [:]
            var pair: (Int, Int)?
            for (index, run) in runs.enumerated() {
                if let other = byLevel[run.level] {
                    if pair.map({ runs[$0.0].level > run.level }) ?? true { pair = (other, index) }
                } else {
                    byLevel[run.level] = index
                }
            }
            guard let (first, second) = pair else { return }
            let merged = try mergeRuns(runs[first], runs[second], into: nextID(runs), in: table, txn)
            try delete(runs[first].id, in: table, txn)
            try delete(runs[second].id, in: table, txn)
            runs.remove(at: second)
            runs.remove(at: first)
            runs.append(merged)
        }
    }

    /// Writes the records of two runs, in digest order, as run `id`.
    private static func mergeRuns(
        _ left: Run,
        _ right: Run,
        into id: UInt32,
        in table: Table,
        _ txn: borrowing WriteTransaction
    ) throws -> Run {
        var a = try RunReader(run: left.id, table: table, txn)
        var b = try RunReader(run: right.id, table: table, txn)
        let cursor = try txn.cursor(table)
        var writer = ChunkWriter(run: id)
        while true {
            let takeA: Bool
            switch (a.current, b.current) {
            case (nil, nil):
                try writer.finish(cursor)
                guard writer.records == left.count + right.count else {
                    throw damaged(table, "runs \(left.id) and \(right.id) hold other counts than the directory lists")
                }
                return Run(id: id, count: writer.records)
            case (nil, _): takeA = false
            case (_, nil): takeA = true
            case (let x?, let y?):
                let order = a.withDigest(x) { dx in b.withDigest(y) { dy in RowKey.order(dx, dy) } }
                guard order != 0 else { throw damaged(table, "runs \(left.id) and \(right.id) share a digest") }
                takeA = order < 0
            }
            if takeA {
                try a.take(txn) { digest, value in try writer.add(digest, value, cursor) }
            } else {
                try b.take(txn) { digest, value in try writer.add(digest, value, cursor) }
            }
        }
    }

    /// Deletes every chunk of run `id`.
    private static func delete(_ id: UInt32, in table: Table, _ txn: borrowing WriteTransaction) throws {
        let cursor = try txn.cursor(table)
        let prefix = runPrefix(id)
        while try cursor.withSeek(atLeast: prefix, { key, _ in key.starts(with: prefix) }) == true {
            try cursor.deleteCurrent()
        }
    }

    // MARK: Encoding

    static func encode(_ runs: [Run]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(runs.count * 12)
        for run in runs {
            bytes.append(contentsOf: runPrefix(run.id))
            BigEndianKey.append(run.count, to: &bytes)
        }
        return bytes
    }

    static func runPrefix(_ id: UInt32) -> [UInt8] {
        [UInt8(id >> 24), UInt8(id >> 16 & 0xff), UInt8(id >> 8 & 0xff), UInt8(id & 0xff)]
    }

    private static func nextID(_ runs: [Run]) -> UInt32 { (runs.map(\.id).max() ?? 0) + 1 }

    /// Where the value of the record at `offset` in a chunk is, and where the next record starts.
    ///
    /// A record is a 32-byte digest, BE16(length), the value.
    ///
    /// - Throws: ``SupplyChainError`` when the chunk ends inside the record.
    static func record(
        at offset: Int,
        in chunk: UnsafeRawBufferPointer,
        of table: Table
    ) throws -> (value: Range<Int>, next: Int) {
        guard offset + 34 <= chunk.count else { throw damaged(table, "a chunk ends inside a record") }
        let length = Int(chunk[offset + 32]) << 8 | Int(chunk[offset + 33])
        guard offset + 34 + length <= chunk.count else { throw damaged(table, "a chunk ends inside a record") }
        return (offset + 34..<offset + 34 + length, offset + 34 + length)
    }

    /// The value of the record for `target` (32 bytes) in a chunk, or `nil` when the chunk has none.
    private static func find(
        _ target: UnsafeRawBufferPointer,
        inChunk chunk: UnsafeRawBufferPointer,
        of table: Table
    ) throws -> [UInt8]? {
        guard let base = chunk.baseAddress, let wanted = target.baseAddress else { return nil }
        var offset = 0
        while offset < chunk.count {
            let (value, next) = try record(at: offset, in: chunk, of: table)
            let order = memcmp(base + offset, wanted, 32)
            if order == 0 { return Array(UnsafeRawBufferPointer(rebasing: chunk[value])) }
            // Records are in digest order: past the target, the chunk does not hold it.
            if order > 0 { return nil }
            offset = next
        }
        return nil
    }

    /// Each record of a chunk, its digest and its value.
    private static func forEachRecord(
        inChunk chunk: UnsafeRawBufferPointer,
        of table: Table,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var offset = 0
        while offset < chunk.count {
            let (value, next) = try record(at: offset, in: chunk, of: table)
            try body(
                UnsafeRawBufferPointer(rebasing: chunk[offset..<offset + 32]),
                UnsafeRawBufferPointer(rebasing: chunk[value])
            )
            offset = next
        }
    }

    private static func damagedDirectory(_ table: Table, _ size: Int) -> SupplyChainError {
        damaged(table, "its directory is \(size) bytes, not a multiple of 12")
    }

    static func damaged(_ table: Table, _ what: String) -> SupplyChainError {
        SupplyChainError.damagedIndex(table.name, what)
    }

    /// Fills chunks of one run with records in digest order and appends each at the table's end.
    private struct ChunkWriter {
        let run: UInt32
        var chunk: [UInt8] = []
        var lastDigest: [UInt8] = []
        private(set) var records: UInt64 = 0

        init(run: UInt32) {
            self.run = run
            chunk.reserveCapacity(DigestRuns.chunkBytes + 512)
        }

        mutating func add(
            _ digest: UnsafeRawBufferPointer,
            _ value: UnsafeRawBufferPointer,
            _ cursor: borrowing Cursor
        )
            throws
        {
            precondition(digest.count == 32, "digest-keyed rows have 32-byte keys")
            precondition(value.count <= Int(UInt16.max), "a record's value fits in 64 KiB")
            if !chunk.isEmpty, chunk.count + 34 + value.count > DigestRuns.chunkBytes { try finish(cursor) }
            chunk.append(contentsOf: digest)
            chunk.append(UInt8(value.count >> 8))
            chunk.append(UInt8(value.count & 0xff))
            chunk.append(contentsOf: value)
            lastDigest.removeAll(keepingCapacity: true)
            lastDigest.append(contentsOf: digest)
            records += 1
        }

        /// Appends the chunk being filled, if it holds a record.
        mutating func finish(_ cursor: borrowing Cursor) throws {
            guard !chunk.isEmpty else { return }
            let key = DigestRuns.runPrefix(run) + lastDigest
            try cursor.put(chunk, forKey: key, mode: .append)
            chunk.removeAll(keepingCapacity: true)
        }
    }

    /// Reads one run's records in order, a chunk at a time, each chunk copied out so that the
    /// table can be written meanwhile: the next chunk is found by a fresh seek past the last one's key.
    private struct RunReader {
        let prefix: [UInt8]
        let table: Table
        var chunkKey: [UInt8] = []
        var chunk: [UInt8] = []
        /// Where the current record starts in ``chunk``; `nil` past the run's end.
        private(set) var current: Int?

        init(run: UInt32, table: Table, _ txn: borrowing WriteTransaction) throws {
            prefix = DigestRuns.runPrefix(run)
            self.table = table
            try load(atLeast: prefix, txn)
        }

        private mutating func load(atLeast key: [UInt8], _ txn: borrowing WriteTransaction) throws {
            let cursor = try txn.cursor(table)
            let prefix = prefix
            let row = try cursor.withSeek(atLeast: key) { key, value -> ([UInt8], [UInt8])? in
                guard key.starts(with: prefix) else { return nil }
                return (Array(key), Array(value))
            }
            guard let (key, value) = row ?? nil, !value.isEmpty else {
                current = nil
                return
            }
            chunkKey = key
            chunk = value
            current = 0
        }

        func withDigest<R>(_ start: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try chunk.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<start + 32])) }
        }

        /// Lends the current record's digest and value to `body`, then moves to the next record.
        mutating func take(
            _ txn: borrowing WriteTransaction,
            _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void
        ) throws {
            guard let start = current else { return }
            let table = table
            let next = try chunk.withUnsafeBytes { bytes in
                let (value, next) = try DigestRuns.record(at: start, in: bytes, of: table)
                try body(
                    UnsafeRawBufferPointer(rebasing: bytes[start..<start + 32]),
                    UnsafeRawBufferPointer(rebasing: bytes[value])
                )
                return next
            }
            if next < chunk.count {
                current = next
            } else {
                try load(atLeast: chunkKey + [0], txn)
            }
        }
    }
}
