/// What a transaction, its owner and its cursors share about it.
///
/// Cursors keep a strong reference, so a cursor smuggled out of its transaction's closure finds
/// ``isLive`` false instead of touching freed LMDB memory.
final class TransactionState {
    /// The ``Environment/id`` of the environment the transaction belongs to.
    let environmentID: UInt64
    /// Whether the transaction was begun with `MDB_RDONLY`.
    let isReadOnly: Bool
    /// False once the transaction was committed or aborted.
    var isLive = true
    /// Set when a write returned `MDB_MAP_FULL`; the transaction is then dead and must be re-run.
    var sawMapFull = false

    init(environmentID: UInt64, isReadOnly: Bool) {
        self.environmentID = environmentID
        self.isReadOnly = isReadOnly
    }
}
