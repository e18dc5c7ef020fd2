extension RandomAccessCollection {
    /// The first index whose element `isAfter` says is past the point, in a collection it
    /// partitions (every element it says is not comes first): `endIndex` when none is.
    ///
    /// A binary search, calling `isAfter` O(log n) times: the position of the first key at or
    /// after a probe in a sorted list, or of the first range that ends at or after a number.
    /// swift-algorithms' `partitioningIndex(where:)` does the same; it is not a dependency because
    /// the fuzz targets build `SupplyChain` with `swiftc` directly, and it would have them build
    /// swift-algorithms and swift-numerics' C module by hand too (Docs/ARCHITECTURE.md).
    @inlinable
    package func partitionPoint(where isAfter: (Element) throws -> Bool) rethrows -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if try isAfter(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
