import Dispatch

/// Independent pieces of work spread over the machine's cores.
enum Parallel {
    /// `transform` applied to each of `0..<count` on the cores available, the results in order.
    ///
    /// - Parameters:
    ///   - count: The number of pieces.
    ///   - transform: Computes one piece; it runs on several threads at once.
    /// - Returns: The pieces, in order.
    static func map<T: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(transform) }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            let slots = Slots(base: base)
            DispatchQueue.concurrentPerform(iterations: count) { index in
                (slots.base + index).initialize(to: transform(index))
            }
            initialized = count
        }
    }

    /// Where the pieces go: each is written once, by the thread that computes it.
    private struct Slots<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
    }
}
