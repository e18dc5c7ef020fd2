import Foundation

/// SplitMix64 (Steele, Lea and Flood, 2014): a small seeded generator, so a failing run replays.
///
/// Set `CELLTRACE_SEED` to replay a seed that a run printed (`CELLTRACE_TEST_SEED`, the name the
/// canonical JSON tests once read, is read too).
struct SeededGenerator: RandomNumberGenerator {
    /// The seed the generator started from, to name in a failure.
    let seed: UInt64
    private var state: UInt64

    init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// Makes a generator from `CELLTRACE_SEED` (or `CELLTRACE_TEST_SEED`) or a fresh seed, and
    /// prints the seed.
    static func printingSeed(for test: String) -> SeededGenerator {
        let environment = ProcessInfo.processInfo.environment
        let given = environment["CELLTRACE_SEED"] ?? environment["CELLTRACE_TEST_SEED"]
        let seed = given.flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
        print("\(test): seed \(seed) (replay with CELLTRACE_SEED=\(seed))")
        return SeededGenerator(seed: seed)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        return mixed ^ (mixed >> 31)
    }
}
