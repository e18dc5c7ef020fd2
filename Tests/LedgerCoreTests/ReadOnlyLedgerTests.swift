import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStorage
import Testing

/// A ledger opened with `Options.readOnly`: it needs only the verifier key recorded in it, and
/// leaves the data file exactly as it was, healthy or damaged.
@Suite struct ReadOnlyLedgerTests {
    static let readOnly = Ledger.Options(durable: false, readOnly: true)

    /// A ledger of three batches (sizes 2, 5 and 6) in `directory`, closed again.
    static func makeLedger(at directory: String) throws {
        let ledger = try Ledger.create(at: directory, origin: "test.celltrace.local/ro", options: testOptions)
        try ledger.append(drafts(2))
        try ledger.append(drafts(3, from: 2))
        try ledger.append(drafts(1, from: 5))
    }

    @Test func aReadOnlyLedgerVerifiesWithoutItsSigningKeyAndWritesNothing() throws {
        try withTemporaryDirectory { path in
            let directory = path + "/l"
            try Self.makeLedger(at: directory)
            let vkey = try Ledger(openingAt: directory, options: testOptions).verifierKey.text
            #expect(unlink(directory + "/" + Ledger.keyFileName) == 0)
            let before = try dataFile(directory)
            do {
                let ledger = try Ledger(openingAt: directory, options: Self.readOnly)
                #expect(ledger.isReadOnly)
                #expect(ledger.verifierKey.text == vkey)
                #expect(ledger.origin == "test.celltrace.local/ro")
                #expect(try ledger.audit(deep: true).isValid)
                // Checkpoints stored at the end of each batch need no key.
                #expect(try ledger.checkpoint().checkpoint.size == 6)
                #expect(try ledger.checkpoint(atSize: 2).checkpoint.size == 2)
                _ = try ledger.inclusionProof(forEntryAt: 1, treeSize: 5)
                // A size where no batch ended must be signed: that needs the key.
                #expect(throws: LedgerError(code: .io, message: "")) { try ledger.checkpoint(atSize: 3) }
                #expect(throws: LedgerError.self) { try ledger.append(drafts(1, from: 6)) }
            }
            #expect(try dataFile(directory) == before, "a read-only ledger leaves data.mdb byte for byte as it was")
            // A writable open still needs the key: it signs every batch it appends.
            #expect(throws: LedgerError(code: .io, message: "")) {
                try Ledger(openingAt: directory, options: testOptions)
            }
        }
    }

    @Test func aReadOnlyLedgerSignsWithItsKeyWhenOneIsNeeded() throws {
        try withTemporaryDirectory { path in
            let directory = path + "/l"
            try Self.makeLedger(at: directory)
            let ledger = try Ledger(openingAt: directory, options: Self.readOnly)
            let signed = try ledger.checkpoint(atSize: 3)
            try signed.verify(with: ledger.verifierKey, origin: ledger.origin)
        }
    }

    /// The newest of LMDB's two meta pages with its main table's root page changed: a verdict of
    /// "unfinished ledger" would have the user delete the file, and a write would overwrite the
    /// older meta page, the last intact state.
    @Test func aDamagedNewestMetaPageIsNamedDamagedAndNothingIsWritten() throws {
        try withTemporaryDirectory { path in
            let directory = path + "/l"
            try Self.makeLedger(at: directory)
            try damageNewestMetaPage(directory)
            let before = try dataFile(directory)
            for options in [Self.readOnly, testOptions] {
                let error = #expect(throws: LedgerError.self) { try Ledger(openingAt: directory, options: options) }
                #expect(error?.code == .corruptLedger)
                #expect(error?.message.contains("data.mdb is damaged") == true, "\(String(describing: error))")
                #expect(error?.message.contains("remove") == false, "\(String(describing: error))")
                #expect(try dataFile(directory) == before, "opening (readOnly: \(options.readOnly)) writes nothing")
            }
        }
    }
}

/// The bytes of a ledger's data file.
func dataFile(_ directory: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: directory + "/data.mdb"))
}

/// Points the main table of the newest of LMDB's two meta pages at another page, as a bit flip
/// on disk would (LMDB 0.9 on a 64-bit system: the meta follows a 16-byte page header; the main
/// table's record starts 72 bytes in, its root 40 bytes into it; the transaction id is at 128).
func damageNewestMetaPage(_ directory: String) throws {
    var bytes = try dataFile(directory)
    let pageSize = 4096
    func load(_ offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
    let newest = load(16 + 128) > load(pageSize + 16 + 128) ? 0 : pageSize
    let root = newest + 16 + 72 + 40
    bytes[root] ^= 1
    try bytes.write(to: URL(fileURLWithPath: directory + "/data.mdb"))
}
