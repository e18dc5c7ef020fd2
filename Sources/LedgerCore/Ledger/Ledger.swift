import LedgerCrypto
public import LedgerStorage
import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// An append-only, hash-chained ledger in LMDB with an RFC 9162 Merkle tree and signed checkpoints.
///
/// ```swift
/// let ledger = try Ledger.create(at: "ledger")
/// let receipt = try ledger.append([EntryDraft(type: "generic", actor: "ledger", body: ["kg": "12.5"])])
/// let proof = try ledger.inclusionProof(forEntryAt: receipt.firstSequenceNumber)
/// ```
///
/// One process opens a ledger directory once; appends are serialised by LMDB's writer lock, and a
/// batch lands whole or not at all. Reads run beside appends. A ledger opened with
/// ``Options/readOnly`` writes nothing, waits for no writer and needs only the verifier key
/// recorded in the ledger, not the signing key. See `Docs/LEDGER-FORMAT.md`.
public final class Ledger: Sendable {
    /// Settings for opening or creating a ledger.
    public struct Options: Sendable {
        /// Whether each batch commits durably (fsync).
        ///
        /// Turn it off only for throw-away ledgers in tests and benchmarks.
        public var durable: Bool
        /// The initial LMDB map size in bytes; the map grows on demand.
        public var initialMapSize: Int
        /// The clock that stamps each batch.
        public var clock: @Sendable () -> Timestamp
        /// Tables that a layer above the ledger keeps in the same environment (its derived indexes),
        /// written in the append's transaction through the `indexing` closure of
        /// ``Ledger/append(_:expectedSize:indexing:)``.
        public var extraTables: [Environment.TableSpec] = []
        /// Whether the ledger is opened only to read: `false` by default.
        ///
        /// A read-only ledger opens its data file with `MDB_RDONLY` and never begins a write
        /// transaction, so opening it waits for no writer, works on a read-only file system, and
        /// leaves the data file as it was, damaged or not. A table the file does not hold reads as
        /// empty. Only the verifier key recorded in the ledger is read at open: the signing key is
        /// read the first time something must be signed (a checkpoint at a size where no batch
        /// ended, a statement), so an auditor's copy without it verifies, proves and answers
        /// queries. Appending throws. ``Ledger/create(at:origin:options:)`` refuses it.
        public var readOnly: Bool

        /// Creates options.
        ///
        /// - Parameters:
        ///   - durable: Commit durably; default `true`.
        ///   - initialMapSize: The initial map size; default 64 MiB.
        ///   - clock: The clock; default the system clock.
        ///   - readOnly: Open only to read; default `false`.
        public init(
            durable: Bool = true,
            initialMapSize: Int = 64 << 20,
            clock: @escaping @Sendable () -> Timestamp = { Timestamp.now },
            readOnly: Bool = false
        ) {
            self.durable = durable
            self.initialMapSize = initialMapSize
            self.clock = clock
            self.readOnly = readOnly
        }
    }

    /// The directory holding the ledger.
    public let path: String
    /// The ledger's origin: the first line of its checkpoints and a field of every entry.
    public let origin: String
    /// The key that verifies the ledger's checkpoints, in C2SP signed-note form.
    public let verifierKey: NoteVerifierKey

    /// Whether the ledger was opened with ``Options/readOnly``.
    public let isReadOnly: Bool
    /// The signing key: read at open by a writable ledger, on first use by a read-only one.
    private let loadedSigner: Mutex<NoteSigner?>
    let environment: Environment
    let tables: Tables
    let clock: @Sendable () -> Timestamp
    /// Recently read checkpoints by tree size.
    ///
    /// A checkpoint never changes once signed, so the cache
    /// cannot go stale; it saves parsing the signed note on every proof.
    let checkpointCache = Mutex<[UInt64: SignedCheckpoint]>([:])

    /// The name of the signing key's file inside the ledger directory (mode 0600).
    public static let keyFileName = "ledger-key.pem"
    static let layoutVersion = "celltrace-ledger/1"
    /// The most LMDB transactions the data file of an unfinished create can have committed: a
    /// create commits its tables in the first and its metadata in the second, so a file without
    /// metadata at a later transaction once had more and is damaged, not unfinished. (The second
    /// is allowed for an older CellTrace that, opening the unfinished files, created a table its
    /// create had not.)
    static let unfinishedTransactions: UInt64 = 2

    /// The key that signs checkpoints and statements.
    ///
    /// A read-only ledger reads it from ``keyFileName`` the first time it is needed.
    ///
    /// - Throws: ``LedgerError/Code/io`` when the key file cannot be read,
    ///   ``LedgerError/Code/corruptLedger`` when it is not the ledger's key.
    var signer: NoteSigner {
        get throws {
            try loadedSigner.withLock { loaded in
                if let loaded { return loaded }
                let signer = try Self.readSigner(at: path, verifierKey: verifierKey)
                loaded = signer
                return signer
            }
        }
    }

    /// Creates a new ledger with a fresh signing key.
    ///
    /// - Parameters:
    ///   - path: The directory; it must not already hold a ledger.
    ///   - origin: The checkpoint origin; by default `celltrace.local/ledger/<random hex>`.
    ///   - options: Durability, map size and clock.
    /// - Returns: The open ledger.
    /// - Throws: ``LedgerError/Code/ledgerExists`` or ``LedgerError/Code/invalidInput`` for a bad origin.
    public static func create(at path: String, origin: String? = nil, options: Options = Options()) throws -> Ledger {
        guard !options.readOnly else {
            throw LedgerError(code: .invalidInput, message: "a ledger is created writable: \(path) was asked read-only")
        }
        let origin = origin ?? "celltrace.local/ledger/" + HexCoding.encode(SecureRandom.bytes(count: 8))
        try Entry.validateOrigin(origin)
        let keyPath = path + "/" + keyFileName
        if access(path + "/data.mdb", F_OK) == 0, (try? isUnfinished(path, options)) == true {
            throw LedgerError(code: .ledgerExists, message: unfinishedMessage(path))
        }
        if access(keyPath, F_OK) == 0 || access(path + "/data.mdb", F_OK) == 0 {
            throw LedgerError(code: .ledgerExists, message: "a ledger already exists at \(path)")
        }
        let lockExisted = access(path + "/lock.mdb", F_OK) == 0
        do {
            return try make(at: path, keyPath: keyPath, origin: origin, options: options)
        } catch let error as LedgerError where error.code == .ledgerExists {
            // Another `init` wrote its signing key first: the files are its ledger's, not ours.
            throw error
        } catch {
            // A ledger is made whole or not at all: what this call created goes (the environment
            // is closed by now), so that `celltrace init` can be run again, on a full disk too.
            unlink(keyPath)
            unlink(path + "/data.mdb")
            if !lockExisted { unlink(path + "/lock.mdb") }
            throw error
        }
    }

    /// Whether the ledger files at `path` are those of a `create` that stopped.
    ///
    /// That is, killed or without power after LMDB made its files and before the ledger's
    /// metadata was committed: no layout, origin or verifier key recorded, no entry, and no more
    /// committed transactions than such a create makes. The files are opened read-only.
    static func isUnfinished(_ path: String, _ options: Options) throws -> Bool {
        var options = options
        options.readOnly = true
        let environment = try openEnvironment(path, options)
        let tables = try Tables(environment)
        return try holdsNothing(environment, tables)
            && environment.lastCommittedTransaction <= unfinishedTransactions
    }

    /// Whether the ledger's newest committed state records no layout, origin or verifier key, and
    /// no entry.
    private static func holdsNothing(_ environment: Environment, _ tables: Tables) throws -> Bool {
        try wrapStorage {
            try environment.read { txn in
                let recorded = try ["layout", "origin", "vkey"].contains {
                    try txn.value(in: tables.meta, forKey: Array($0.utf8)) != nil
                }
                return try !recorded && txn.count(tables.entries) == 0
            }
        }
    }

    /// What to say of a data file whose newest state holds nothing though it committed more than
    /// an unfinished create does: it was damaged, and it is the one copy of what it held.
    static func damagedMessage(_ path: String, _ environment: Environment) -> String {
        "\(path)/data.mdb is damaged: its newest committed state (LMDB transaction "
            + "\(environment.lastCommittedTransaction), \(environment.pagesInUse) pages in use) holds neither the "
            + "ledger's metadata nor any entry, though a `celltrace init` that stopped leaves at most "
            + "\(unfinishedTransactions) transactions; nothing was written to it: keep it as it is and restore the "
            + "ledger from a backup"
    }

    /// What to do about an unfinished ledger: its files hold nothing, and only the user may remove them.
    static func unfinishedMessage(_ path: String) -> String {
        "\(path) holds an unfinished ledger: a `celltrace init` stopped before it recorded the ledger's "
            + "origin and key, and nothing was ever appended to it; remove \(path)/data.mdb, "
            + "\(path)/lock.mdb and \(path)/\(keyFileName) (those that exist), then run `celltrace init` again "
            + "(if this directory held a ledger with entries, restore its data file from a backup instead)"
    }

    /// The work of ``create(at:origin:options:)`` once the directory is known to hold no ledger.
    private static func make(at path: String, keyPath: String, origin: String, options: Options) throws -> Ledger {
        let environment = try openEnvironment(path, options)
        let key = Ed25519PrivateKey()
        let signer = try NoteSigner(name: origin, privateKey: key)
        // The key goes to a file that must not exist yet, so it claims the directory: an `init`
        // racing this one, past the check for a ledger, finds the winner's key here and stops.
        // (A key written first would take the disk's last page before LMDB's lock file maps its
        // own, which a full disk then cannot back.)
        do {
            try key.write(toPEMFile: keyPath)
        } catch {
            if access(keyPath, F_OK) == 0 {
                throw LedgerError(code: .ledgerExists, message: "a ledger already exists at \(path)")
            }
            throw LedgerError(code: .io, message: "cannot write the ledger's signing key to \(keyPath)", cause: error)
        }
        let tables = try Tables(environment)
        try wrapStorage {
            try environment.write { txn in
                try txn.put(Array(layoutVersion.utf8), forKey: Array("layout".utf8), in: tables.meta)
                try txn.put(Array(origin.utf8), forKey: Array("origin".utf8), in: tables.meta)
                try txn.put(Array(signer.verifierKey.text.utf8), forKey: Array("vkey".utf8), in: tables.meta)
            }
        }
        return Ledger(
            path: path,
            origin: origin,
            verifierKey: signer.verifierKey,
            signer: signer,
            environment: environment,
            tables: tables,
            clock: options.clock
        )
    }

    /// Opens an existing ledger.
    ///
    /// A writable open first reads the ledger read-only, so that a damaged or unfinished one is
    /// named before LMDB creates a missing table in it: that commit would overwrite the older of
    /// the data file's two meta pages, the last intact state of a damaged file.
    ///
    /// - Parameters:
    ///   - path: The ledger directory.
    ///   - options: Durability, map size, clock and whether to open read-only.
    /// - Throws: ``LedgerError/Code/noLedger`` when there is none, ``LedgerError/Code/corruptLedger``
    ///   when it is damaged or unfinished, or (writable) its key does not match its recorded
    ///   verifier key; ``LedgerError/Code/io`` when a writable open cannot read the signing key.
    public convenience init(openingAt path: String, options: Options = Options()) throws {
        guard access(path + "/data.mdb", F_OK) == 0 else {
            throw LedgerError(code: .noLedger, message: "no ledger at \(path); create one with `celltrace init`")
        }
        // An empty data file would be taken by LMDB for a new one and written: it is named instead.
        var status = stat()
        if stat(path + "/data.mdb", &status) == 0, status.st_size == 0 {
            throw LedgerError(
                code: .corruptLedger,
                message:
                    "\(path)/data.mdb is empty: if this ledger held entries, its data file was lost or cut off; "
                    + "restore it from a backup and keep \(path)/\(Self.keyFileName), the key partners' verifier keys name"
            )
        }
        if !options.readOnly {
            var readOnly = options
            readOnly.readOnly = true
            let environment = try Self.openEnvironment(path, readOnly)
            _ = try Self.readMetadata(path, environment, try Tables(environment))
        }
        let environment = try Self.openEnvironment(path, options)
        let tables = try Tables(environment)
        let (origin, verifierKey) = try Self.readMetadata(path, environment, tables)
        let signer = options.readOnly ? nil : try Self.readSigner(at: path, verifierKey: verifierKey)
        self.init(
            path: path,
            origin: origin,
            verifierKey: verifierKey,
            signer: signer,
            environment: environment,
            tables: tables,
            clock: options.clock
        )
    }

    /// Reads the ledger's origin and verifier key from its metadata.
    ///
    /// - Throws: ``LedgerError/Code/corruptLedger`` for an unfinished create, a damaged data file, or
    ///   metadata of another layout.
    private static func readMetadata(
        _ path: String,
        _ environment: Environment,
        _ tables: Tables
    ) throws -> (origin: String, verifierKey: NoteVerifierKey) {
        let (layout, origin, vkey) = try Self.wrapStorage {
            try environment.read { txn in
                (
                    try txn.value(in: tables.meta, forKey: Array("layout".utf8)),
                    try txn.value(in: tables.meta, forKey: Array("origin".utf8)),
                    try txn.value(in: tables.meta, forKey: Array("vkey".utf8))
                )
            }
        }
        guard let layout, String(decoding: layout, as: UTF8.self) == Self.layoutVersion, let origin, let vkey else {
            if layout == nil, origin == nil, vkey == nil, try Self.holdsNothing(environment, tables) {
                guard environment.lastCommittedTransaction <= unfinishedTransactions else {
                    throw LedgerError(code: .corruptLedger, message: Self.damagedMessage(path, environment))
                }
                throw LedgerError(code: .corruptLedger, message: Self.unfinishedMessage(path))
            }
            throw LedgerError(
                code: .corruptLedger,
                message: "\(path) is not a CellTrace ledger of layout \(Self.layoutVersion)"
            )
        }
        let originText = String(decoding: origin, as: UTF8.self)
        let verifierKey: NoteVerifierKey
        do {
            verifierKey = try NoteVerifierKey(parsing: String(decoding: vkey, as: UTF8.self))
        } catch {
            throw LedgerError(
                code: .corruptLedger,
                message: "the verifier key recorded in \(path) does not parse",
                cause: error
            )
        }
        guard verifierKey.name == originText else {
            throw LedgerError(
                code: .corruptLedger,
                message: "the verifier key recorded in \(path) is named for another origin than the ledger's"
            )
        }
        return (originText, verifierKey)
    }

    /// Reads the signing key from the ledger directory and checks it is the ledger's.
    ///
    /// - Throws: ``LedgerError/Code/io`` when the key file cannot be read,
    ///   ``LedgerError/Code/corruptLedger`` when it does not match `verifierKey`.
    private static func readSigner(at path: String, verifierKey: NoteVerifierKey) throws -> NoteSigner {
        let key: Ed25519PrivateKey
        do {
            key = try Ed25519PrivateKey(pemFile: path + "/" + Self.keyFileName)
        } catch {
            throw LedgerError(code: .io, message: "cannot read the ledger's signing key in \(path)", cause: error)
        }
        let signer = try NoteSigner(name: verifierKey.name, privateKey: key)
        guard signer.verifierKey.text == verifierKey.text else {
            throw LedgerError(
                code: .corruptLedger,
                message: "the signing key in \(path) does not match the ledger's verifier key"
            )
        }
        return signer
    }

    private init(
        path: String,
        origin: String,
        verifierKey: NoteVerifierKey,
        signer: NoteSigner?,
        environment: Environment,
        tables: Tables,
        clock: @escaping @Sendable () -> Timestamp
    ) {
        self.path = path
        self.origin = origin
        self.verifierKey = verifierKey
        self.isReadOnly = environment.options.readOnly
        self.loadedSigner = Mutex(signer)
        self.environment = environment
        self.tables = tables
        self.clock = clock
    }

    private static func openEnvironment(_ path: String, _ options: Options) throws -> Environment {
        // A damaged data file (one cut off, say) is the ledger's damage: `wrapStorage` names it so.
        try wrapStorage {
            try Environment(
                path: path,
                options: Environment.Options(
                    mapSize: options.initialMapSize,
                    tables: Tables.specs + options.extraTables,
                    durable: options.durable,
                    readOnly: options.readOnly
                )
            )
        }
    }

    /// Runs storage code, turning its errors into ``LedgerError/Code/storage`` with the cause kept,
    /// and a damaged data file into ``LedgerError/Code/corruptLedger``; other errors (a caller's
    /// closure may throw its own) pass through unchanged.
    static func wrapStorage<R>(_ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as StorageError where error.code == .damaged {
            throw LedgerError(code: .corruptLedger, message: error.message, cause: error)
        } catch let error as StorageError {
            throw LedgerError(code: .storage, message: "storage failed: \(error)", cause: error)
        }
    }

    /// One of the ``Options/extraTables``, for reading and for the `indexing` closure of an append.
    ///
    /// - Parameter name: The table's name as given in ``Options/extraTables``.
    /// - Returns: The table's handle.
    /// - Throws: ``LedgerError/Code/storage`` when the ledger was opened without that table.
    public func extraTable(_ name: String) throws -> Table {
        try Self.wrapStorage { try environment.table(name) }
    }

    /// Runs `body` in a read transaction: a consistent snapshot of the ledger and its extra tables.
    ///
    /// - Parameter body: Reads through the transaction, which cannot escape the closure.
    /// - Returns: What `body` returns; `body` also receives the ledger's size in the same snapshot.
    /// - Throws: ``LedgerError/Code/storage``, or what `body` throws.
    public func read<R>(_ body: (borrowing ReadTransaction, _ size: UInt64) throws -> R) throws -> R {
        try Self.wrapStorage {
            try environment.read { txn in try body(txn, UInt64(try txn.count(tables.entries))) }
        }
    }

    /// The number of entries.
    public var size: UInt64 {
        get throws {
            try Self.wrapStorage { try environment.read { txn in UInt64(try txn.count(tables.entries)) } }
        }
    }
}

/// The ledger's LMDB tables, opened once when the environment opens.
struct Tables: Sendable {
    /// BE64(seq) → canonical entry bytes.
    let entries: Table
    /// BE64(last leaf index) ‖ level → hash of a perfect Merkle subtree; level 0 holds the leaf
    /// hash of each batch's last entry (other leaf hashes are the next entry's `prev`).
    let nodes: Table
    /// BE64(tree size) → signed checkpoint text.
    let checkpoints: Table
    /// BE64(seq) → canonical JSON of the entry's openings, `{pointer: {salt, value}}`.
    let openings: Table
    /// Ledger metadata: layout, origin, verifier key.
    let meta: Table
    /// Derived index, entry type → runs of consecutive entries of that type, sorted duplicates;
    /// see ``typeRun(from:to:)``.
    let byType: Table

    static let specs: [Environment.TableSpec] = [
        Environment.TableSpec(name: "entries"),
        Environment.TableSpec(name: "nodes"),
        Environment.TableSpec(name: "checkpoints"),
        Environment.TableSpec(name: "openings"),
        Environment.TableSpec(name: "meta"),
        Environment.TableSpec(name: "index.type", duplicateSort: true),
    ]

    init(_ environment: Environment) throws {
        (entries, nodes, checkpoints, openings, meta, byType) = try Ledger.wrapStorage {
            (
                try environment.table("entries"),
                try environment.table("nodes"),
                try environment.table("checkpoints"),
                try environment.table("openings"),
                try environment.table("meta"),
                try environment.table("index.type")
            )
        }
    }

    /// The key of the perfect subtree at `level` and `index`: its last leaf, then its level, so
    /// that nodes are created in key order and can be written with `MDB_APPEND`.
    static func nodeKey(level: Int, index: UInt64) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 9)
        writeNodeKey(level: level, index: index, into: &key)
        return key
    }

    /// Writes ``nodeKey(level:index:)`` into a 9-byte buffer, for loops that must not allocate.
    static func writeNodeKey(level: Int, index: UInt64, into key: inout [UInt8]) {
        writeKey((index + 1) << UInt64(level) - 1, into: &key)
        key[8] = UInt8(level)
    }

    /// The `index.type` value for the entries `[start, end)`, consecutive and all of one type.
    ///
    /// It is BE64(start) followed by BE64(end - start), or BE64(start) alone for a single entry,
    /// which is also how ledgers written before runs stored every entry. Values sort by their
    /// first entry, so a batch appends its runs with `MDB_APPENDDUP`.
    static func typeRun(from start: UInt64, to end: UInt64) -> [UInt8] {
        precondition(start < end, "a type run holds at least one entry")
        var value = [UInt8](repeating: 0, count: end - start == 1 ? 8 : 16)
        writeKey(start, into: &value)
        if end - start > 1 {
            for offset in 0..<8 {
                value[8 + offset] = UInt8(truncatingIfNeeded: (end - start) >> (56 - 8 * UInt64(offset)))
            }
        }
        return value
    }

    /// Reads an `index.type` value written by ``typeRun(from:to:)``.
    ///
    /// - Returns: The run's first entry and its length (at least 1), or `nil` for any other value.
    static func decodeTypeRun(_ value: UnsafeRawBufferPointer) -> (start: UInt64, count: UInt64)? {
        guard value.count == 8 || value.count == 16 else { return nil }
        let start = UInt64(bigEndian: value.loadUnaligned(as: UInt64.self))
        guard value.count == 16 else { return (start, 1) }
        let count = UInt64(bigEndian: value.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        guard count > 0 else { return nil }
        return (start, count)
    }

    /// Writes a big-endian sequence key into the first 8 bytes of a buffer.
    static func writeKey(_ value: UInt64, into key: inout [UInt8]) {
        for offset in 0..<8 {
            key[offset] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(offset)))
        }
    }
}
