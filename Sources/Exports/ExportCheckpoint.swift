public import LedgerCore
import LedgerCrypto
public import SupplyChain

/// The ledger state an export is computed at: its origin, size and root hash, and the time of
/// the last entry counted.
///
/// A recipient who holds a signed checkpoint of a later size can ask for a consistency proof and
/// check that the entries the export rests on are still in the ledger, unchanged.
public struct ExportCheckpoint: Sendable, Hashable {
    /// The ledger's origin line.
    public var origin: String
    /// The number of entries counted.
    public var size: UInt64
    /// The Merkle root hash at `size`, standard base64 as in checkpoint notes.
    public var rootHash: String
    /// The time the ledger stamped on its last counted entry: when the figures became what they are.
    public var time: Timestamp

    /// The checkpoint of `chain` at `size`.
    ///
    /// - Parameters:
    ///   - size: The ledger size the export describes (at least 1).
    ///   - chain: The ledger.
    /// - Returns: The checkpoint.
    /// - Throws: ``ExportError`` for size 0, `LedgerError` when the ledger has fewer than `size`
    ///   entries.
    public static func at(_ size: UInt64, of chain: SupplyChainLedger) throws -> ExportCheckpoint {
        guard size > 0 else {
            throw ExportError(code: .missingData, message: "an empty ledger has no checkpoint to export at")
        }
        let root = try chain.ledger.rootHash(atSize: size)
        let last = try chain.ledger.entry(at: size - 1)
        return ExportCheckpoint(origin: chain.ledger.origin, size: size, rootHash: root.base64, time: last.time)
    }
}

extension ExportCheckpoint {
    /// The checkpoint as an export member: `{"origin", "size", "rootHash", "time"}`, the size as a
    /// string so that no reader rounds it.
    public var json: JSONValue {
        .object([
            "origin": .string(origin), "size": .string(String(size)), "rootHash": .string(rootHash),
            "time": .string(ExportEncoding.dateTime(time)),
        ])
    }
}
