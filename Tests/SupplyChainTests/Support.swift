import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStorage
import SupplyChain
import Testing

/// Files under `Fixtures/`, found relative to this source file.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        let path = directory.appendingPathComponent(relativePath).path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return [UInt8](data)
    }
}

/// A fresh directory under /tmp, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/celltrace-sc-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let created else { fatalError("mkdtemp failed") }
        path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The small mine-to-pack chain of `Fixtures/epcis/chain`: four actors, their facilities and keys.
struct ChainFixture {
    // The ledger is declared before its directory so that it closes before the directory is removed:
    // a new test's mkdtemp may reuse the name as soon as it is gone.
    let chain: SupplyChainLedger
    let directory: TemporaryDirectory
    let keys: [String: Ed25519PrivateKey]

    static let actors: [(id: String, name: String, role: ActorRole, party: String?)] = [
        ("pilbara-mining", "Pilbara Spodumene Pty Ltd", .miner, "urn:epc:id:pgln:9300001.00000"),
        ("sichuan-lithium", "Sichuan Lithium Chemicals Co.", .refiner, "urn:epc:id:pgln:6900002.00000"),
        ("cathode-co", "Cathode Materials Co.", .processor, nil),
        ("cell-co", "Danube Cells Kft.", .cellMaker, nil),
    ]

    init(durable: Bool = false, initialMapSize: Int = 64 << 20) throws {
        let directory = TemporaryDirectory()
        self.directory = directory
        chain = try SupplyChainLedger.create(
            at: directory.path + "/ledger",
            origin: "celltrace.test/chain",
            options: Ledger.Options(durable: durable, initialMapSize: initialMapSize)
        )
        var keys: [String: Ed25519PrivateKey] = [:]
        for actor in Self.actors {
            let key = Ed25519PrivateKey()
            keys[actor.id] = key
            try chain.registerActor(
                ActorDraft(
                    id: actor.id,
                    name: actor.name,
                    role: actor.role,
                    publicKey: key.publicKey,
                    parties: actor.party.map { [$0] } ?? []
                )
            )
        }
        self.keys = keys
        try chain.registerFacility(
            FacilityDraft(
                id: "urn:epc:id:sgln:9300001.00001.0",
                name: "Pilgangoora mine",
                operatorID: "pilbara-mining",
                kind: .mine,
                country: "AU",
                subdivision: "AU-WA",
                location: ("-21.0393", "118.8987")
            )
        )
        try chain.registerFacility(
            FacilityDraft(
                id: "urn:epc:id:sgln:6900002.00001.0",
                operatorID: "sichuan-lithium",
                kind: .refinery,
                country: "CN",
                subdivision: "CN-SC"
            )
        )
        try chain.registerFacility(
            FacilityDraft(
                id: "urn:celltrace:facility:cathode-plant",
                operatorID: "cathode-co",
                kind: .cathode,
                country: "CN",
                subdivision: "CN-HN"
            )
        )
        try chain.registerFacility(
            FacilityDraft(id: "urn:celltrace:facility:cell-plant", operatorID: "cell-co", kind: .cell, country: "HU")
        )
    }

    static let documents: [(file: String, actor: String)] = [
        ("epcis/chain/01-mine.jsonld", "pilbara-mining"),
        ("epcis/chain/02-refinery.jsonld", "sichuan-lithium"),
        ("epcis/chain/03-cathode.jsonl", "cathode-co"),
        ("epcis/chain/04-cells.jsonld", "cell-co"),
    ]

    /// The private key of one of the fixture's actors.
    func key(_ actor: String) throws -> Ed25519PrivateKey {
        try #require(keys[actor])
    }

    @discardableResult
    func importDocument(_ file: String, as actor: String) throws -> ImportReport {
        try chain.importSubmission(Fixtures.bytes(file), actor: actor, key: key(actor))
    }

    func importAll() throws {
        for (file, actor) in Self.documents {
            try importDocument(file, as: actor)
        }
    }

    /// Imports raw JSON Lines as `actor`, which must accept them.
    @discardableResult
    func accept(_ lines: [String], as actor: String) throws -> ImportReport {
        try chain.importSubmission(Array(lines.joined(separator: "\n").utf8), actor: actor, key: key(actor))
    }

    /// Imports raw JSON Lines as `actor` and returns the error it must throw.
    func rejection(_ lines: [String], as actor: String) throws -> SupplyChainError {
        let bytes = Array(lines.joined(separator: "\n").utf8)
        let sizeBefore = try chain.ledger.size
        let error = try #require(throws: SupplyChainError.self) {
            try chain.importSubmission(bytes, actor: actor, key: try key(actor))
        }
        #expect(try chain.ledger.size == sizeBefore, "a rejected submission writes nothing")
        return error
    }
}

/// Expects a problem of event `index` at `field` whose message contains `text`, naming the event
/// by its hash ID unless `identified` is false.
func expectProblem(
    _ error: SupplyChainError,
    index: Int,
    field: String,
    containing text: String,
    identified: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let match = error.problems.first { $0.index == index && $0.field == field && $0.message.contains(text) }
    #expect(
        match != nil,
        "expected event \(index) \(field): …\(text)…, got:\n\(error)",
        sourceLocation: sourceLocation
    )
    if let match, identified {
        #expect(
            match.identifier?.hasPrefix("ni:///sha-256;") == true,
            "the problem names the event's hash ID",
            sourceLocation: sourceLocation
        )
    }
}

/// Expects exactly these problems, in any order: each as ``expectProblem(_:index:field:containing:identified:sourceLocation:)``
/// expects it, and no others.
func expectProblems(
    _ error: SupplyChainError,
    _ expected: [(index: Int, field: String, text: String)],
    identified: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for problem in expected {
        expectProblem(
            error,
            index: problem.index,
            field: problem.field,
            containing: problem.text,
            identified: identified,
            sourceLocation: sourceLocation
        )
    }
    #expect(error.problems.count == expected.count, "\(error)", sourceLocation: sourceLocation)
}

extension SupplyChainLedger {
    /// Every row of one of the ledger's index tables, in key order.
    func indexRows(_ table: String) throws -> [(key: [UInt8], value: [UInt8])] {
        let handle = try ledger.extraTable(table)
        return try ledger.read { txn, _ in
            var rows: [(key: [UInt8], value: [UInt8])] = []
            let cursor = try txn.cursor(handle)
            var row = try cursor.first()
            while let (key, value) = row {
                rows.append((key, value))
                row = try cursor.next()
            }
            return rows
        }
    }
}
