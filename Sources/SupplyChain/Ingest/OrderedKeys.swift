/// The keys of a batch's rows of one table, in LMDB's key order, for ``StateStore``'s `seek`.
///
/// The overlay holds its rows in a dictionary, which has no order: a seek into it looked at every
/// row the batch had put in the table, so a document of thousands of commissionings, each
/// looking for the range its serials might overlap, took time in the square of its events. The
/// keys are kept here as well, in sorted chunks of at most ``chunkLimit`` (a list of sorted lists):
/// a key is added, and the first key at or after a probe found, by two binary searches and a
/// move of at most a chunk's keys.
struct OrderedKeys: Sendable {
    /// The most keys a chunk holds before it is split in two.
    static let chunkLimit = 512

    /// Sorted chunks, each non-empty, every key of a chunk before every key of the next.
    private var chunks: [[[UInt8]]] = []

    /// The number of keys.
    private(set) var count = 0

    /// Adds `key`, which must not be here yet.
    mutating func insert(_ key: [UInt8]) {
        count += 1
        guard !chunks.isEmpty else {
            chunks.append([key])
            return
        }
        // The first chunk whose last key is not before `key`; past the end, the last chunk.
        let chunk = min(firstChunk(endingAtOrAfter: key), chunks.count - 1)
        let position = Self.lowerBound(of: key, in: chunks[chunk])
        chunks[chunk].insert(key, at: position)
        if chunks[chunk].count > Self.chunkLimit {
            let upper = Array(chunks[chunk][(Self.chunkLimit / 2)...])
            chunks[chunk].removeSubrange((Self.chunkLimit / 2)...)
            chunks.insert(upper, at: chunk + 1)
        }
    }

    /// Whether `key` is here.
    func contains(_ key: [UInt8]) -> Bool {
        first(atLeast: key) { _ in true } == key
    }

    /// The first key at or after `key` for which `accept` holds, in key order.
    func first(atLeast key: [UInt8], where accept: ([UInt8]) -> Bool) -> [UInt8]? {
        var chunk = firstChunk(endingAtOrAfter: key)
        guard chunk < chunks.count else { return nil }
        var position = Self.lowerBound(of: key, in: chunks[chunk])
        while chunk < chunks.count {
            let keys = chunks[chunk]
            while position < keys.count {
                if accept(keys[position]) { return keys[position] }
                position += 1
            }
            chunk += 1
            position = 0
        }
        return nil
    }

    /// The index of the first chunk whose last key is at or after `key`: `chunks.count` when none is.
    private func firstChunk(endingAtOrAfter key: [UInt8]) -> Int {
        chunks.partitionPoint { chunk in chunk.last.map { !RowKey.precedes($0, key) } ?? true }
    }

    /// The position of the first key of `keys` at or after `key`.
    private static func lowerBound(of key: [UInt8], in keys: [[UInt8]]) -> Int {
        keys.partitionPoint { !RowKey.precedes($0, key) }
    }
}
