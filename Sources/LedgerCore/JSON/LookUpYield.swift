/// How often a cache of repeated values has been found to hold what was looked up, and so whether
/// looking up still pays.
///
/// The caches of a batch of EPCIS events (the parser's repeated members, the canonical forms and
/// hash-ID elements of shared values) pay off when the events repeat themselves and cost a look-up
/// each when they do not. Each gives up the same way: after a trial of `trial` misses, it goes on
/// only while at least one look-up in four finds its value.
package struct LookUpYield: Sendable {
    /// The misses before the rule applies.
    private let trial: Int
    private var hits = 0
    private var misses = 0

    /// A yield that looks up unconditionally until `trial` misses.
    package init(trial: Int) {
        self.trial = trial
    }

    /// Whether looking up still pays: before the trial's end, or while one look-up in four finds.
    package var isWorthLookingUp: Bool { misses < trial || hits * 4 >= misses }

    /// Counts a look-up that found its value.
    package mutating func found() { hits += 1 }

    /// Counts a look-up that did not.
    package mutating func missed() { misses += 1 }
}
