public import SupplyChain

/// How a contribution's data are verified: the attestations that cover them and the level of
/// assurance they give together.
public struct Coverage: Sendable, Hashable {
    /// The entries of the attestations relied on, in order.
    public var attestations: [UInt64]
    /// The lowest level among the data it needs: reasonable only when every entry is covered at
    /// reasonable assurance.
    public var level: AssuranceLevel
}

extension Footprint {
    /// The coverage of a contribution's data by the attestations recorded up to the footprint's
    /// size, or `nil` when any part of them is not attested.
    ///
    /// A contribution rests on the entry of its event (the process, the shipment, the assembly
    /// step, or the event that made a lot counted at its material's default) and on the entry of
    /// each factor table version it uses; it counts as verified when an attestation covers each of
    /// them. A contribution without an entry is never verified, nor is one that uses a factor
    /// recorded in no entry. A what-if's footprint (``scenario``) is verified nowhere: its changed
    /// inputs are no one's data.
    public func coverage(of contribution: Contribution) -> Coverage? {
        guard scenario == nil, let event = contribution.sequenceNumber, !attestations.isEmpty else { return nil }
        var needed = [event]
        for use in contribution.factors {
            guard let sequence = use.sequenceNumber else { return nil }
            needed.append(sequence)
        }
        var used: Set<UInt64> = []
        var level = AssuranceLevel.reasonable
        for sequence in needed {
            // The strongest attestation of each entry is the one relied on.
            let covering = attestations.filter { $0.stands && $0.covers(sequence) }
            guard
                let best = covering.first(where: { $0.level == .reasonable }) ?? covering.first,
                let entry = best.sequenceNumber
            else { return nil }
            used.insert(entry)
            if best.level == .limited { level = .limited }
        }
        return Coverage(attestations: used.sorted(), level: level)
    }

    /// The share of the total, under `method`, whose data attestations cover at `level` or
    /// better (``coverage(of:)``).
    public func verifiedShare(_ method: ElectricityMethod, level: AssuranceLevel = .limited) -> Double {
        let all = total.total(method)
        guard all > 0, !attestations.isEmpty else { return 0 }
        var verified = 0.0
        var unverified = false
        for contribution in contributions {
            if let coverage = coverage(of: contribution), level == .limited || coverage.level == .reasonable {
                verified += contribution.emissions.total(method)
            } else if contribution.emissions.total(method) != 0 {
                unverified = true
            }
        }
        // Whole when nothing is left out: the sum in another order could miss 1 by a rounding.
        return unverified ? verified / all : 1
    }

    /// The attestations some contribution relies on, oldest first.
    public var attestationsRelied: [Attestation] {
        let used = Set(contributions.compactMap { coverage(of: $0) }.flatMap(\.attestations))
        return attestations.filter { $0.sequenceNumber.map(used.contains) ?? false }
    }
}
