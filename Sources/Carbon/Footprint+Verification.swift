public import LedgerCore
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
    /// The coverage of a contribution's data under every method by the attestations recorded up
    /// to the footprint's size, or `nil` when any part of them is not attested.
    ///
    /// A contribution rests on the entry of its event (the process, the shipment, the assembly
    /// step, or the event that made a lot counted at its material's default) and on the entry of
    /// each factor table version it uses; it counts as verified when an attestation covers each of
    /// them. A contribution without an entry is never verified, nor is one that uses a factor
    /// recorded in no entry. A what-if's footprint (``scenario``) is verified nowhere: its changed
    /// inputs are no one's data.
    public func coverage(of contribution: Contribution) -> Coverage? {
        coverage(of: contribution, factors: contribution.factors)
    }

    /// The coverage of the data a contribution's value under `method` uses: its event's entry and
    /// the factor table entries of the factors that method uses (``Contribution/factors(under:)``),
    /// so a grid factor only another method uses decides nothing here (CARBON-METHOD §7).
    public func coverage(of contribution: Contribution, under method: ElectricityMethod) -> Coverage? {
        coverage(of: contribution, factors: contribution.factors(under: method))
    }

    /// The coverage of a contribution's event and of the entries recording `factors`.
    private func coverage(of contribution: Contribution, factors: [FactorUse]) -> Coverage? {
        guard scenario == nil, let event = contribution.sequenceNumber, !attestations.isEmpty else { return nil }
        var needed = [event]
        for use in factors {
            guard let sequence = use.sequenceNumber else { return nil }
            needed.append(sequence)
        }
        var used: Set<UInt64> = []
        var level = AssuranceLevel.reasonable
        for sequence in needed {
            // The strongest attestation of each entry is the one relied on: the first at
            // reasonable assurance, else the first at all.
            var best: Attestation?
            for attestation in attestations where attestation.stands && attestation.covers(sequence) {
                if best == nil { best = attestation }
                if attestation.level == .reasonable {
                    best = attestation
                    break
                }
            }
            guard let best, let entry = best.sequenceNumber else { return nil }
            used.insert(entry)
            if best.level == .limited { level = .limited }
        }
        return Coverage(attestations: used.sorted(), level: level)
    }

    /// Each method's coverage of a contribution (``coverage(of:under:)``), in the order of
    /// `ElectricityMethod.allCases`; found once when every method uses the same factors.
    public func coverages(of contribution: Contribution) -> [Coverage?] {
        guard !contribution.factorMethods.isEmpty else {
            let whole = coverage(of: contribution)
            return ElectricityMethod.allCases.map { _ in whole }
        }
        return ElectricityMethod.allCases.map { coverage(of: contribution, under: $0) }
    }

    /// The share of the total, under `method`, whose data attestations cover at `level` or
    /// better: each contribution counts by the data its value under `method` uses
    /// (``coverage(of:under:)``).
    public func verifiedShare(_ method: ElectricityMethod, level: AssuranceLevel = .limited) -> Double {
        verifiedShares(level: level)[method] ?? 0
    }

    /// ``verifiedShare(_:level:)`` under every method.
    public func verifiedShares(level: AssuranceLevel = .limited) -> [ElectricityMethod: Double] {
        let found = verification()
        return level == .reasonable ? found.reasonable : found.limited
    }

    /// The attestations some contribution relies on, oldest first.
    public var attestationsRelied: [Attestation] { verification().relied }

    /// The verified shares at both levels and the attestations relied on, each contribution's
    /// coverage under each method (``coverages(of:)``) found once.
    public func verification() -> FootprintVerification {
        let methods = ElectricityMethod.allCases
        guard !attestations.isEmpty else {
            let none = Dictionary(uniqueKeysWithValues: methods.map { ($0, 0.0) })
            return FootprintVerification(limited: none, reasonable: none, relied: [])
        }
        // By level (limited, reasonable), then method: the kg CO2e covered, and whether any with
        // emissions is not.
        var verified = Array(repeating: Array(repeating: 0.0, count: methods.count), count: 2)
        var unverified = Array(repeating: Array(repeating: false, count: methods.count), count: 2)
        var used: Set<UInt64> = []
        for contribution in contributions {
            let coverages = coverages(of: contribution)
            for case let coverage? in coverages { used.formUnion(coverage.attestations) }
            for level in 0..<2 {
                for (index, method) in methods.enumerated() {
                    let counted = coverages[index].map { level == 0 || $0.level == .reasonable } ?? false
                    let emissions = contribution.emissions.total(method)
                    if counted {
                        verified[level][index] += emissions
                    } else if emissions != 0 {
                        unverified[level][index] = true
                    }
                }
            }
        }
        func shares(_ level: Int) -> [ElectricityMethod: Double] {
            var shares: [ElectricityMethod: Double] = [:]
            for (index, method) in methods.enumerated() {
                let all = total.total(method)
                // Whole when nothing is left out: the sum in another order could miss 1 by a rounding.
                shares[method] = all > 0 ? (unverified[level][index] ? verified[level][index] / all : 1) : 0
            }
            return shares
        }
        return FootprintVerification(
            limited: shares(0),
            reasonable: shares(1),
            relied: attestations.filter { $0.sequenceNumber.map(used.contains) ?? false }
        )
    }
}

/// What attestations make of a footprint (``Footprint/verification()``).
public struct FootprintVerification: Sendable {
    /// The share of the total, by method, whose data attestations cover at limited assurance or better.
    public var limited: [ElectricityMethod: Double]
    /// The same at reasonable assurance.
    public var reasonable: [ElectricityMethod: Double]
    /// The attestations some contribution relies on, oldest first.
    public var relied: [Attestation]
}

extension Footprint {
    /// How a contribution's verification is stated in JSON (`footprint --json`, custody bundles):
    /// `verifiedBy` and `assurance` when it is verified under every method, else
    /// `verifiedByMethod` with those members for each method it is verified under; nothing when
    /// it is verified under none.
    ///
    /// - Parameters:
    ///   - contribution: One of ``contributions``.
    ///   - factorEntries: Whether each statement also lists `factorEntries`, the factor table
    ///     entries of the factors its method (or every method) uses, as a bundle does for its
    ///     verifier to check.
    /// - Returns: The members to add to the contribution's object.
    public func verificationMembers(of contribution: Contribution, factorEntries: Bool) -> [String: JSONValue] {
        func members(_ coverage: Coverage, _ factors: [FactorUse]) -> [String: JSONValue] {
            var members: [String: JSONValue] = [
                "verifiedBy": .array(coverage.attestations.map { .number(Double($0)) }),
                "assurance": .string(coverage.level.rawValue),
            ]
            if factorEntries {
                members["factorEntries"] = .array(
                    Set(factors.compactMap(\.sequenceNumber)).sorted().map { .number(Double($0)) }
                )
            }
            return members
        }
        if let coverage = coverage(of: contribution) { return members(coverage, contribution.factors) }
        var methods: [String: JSONValue] = [:]
        for (method, coverage) in zip(ElectricityMethod.allCases, coverages(of: contribution)) {
            if let coverage {
                methods[method.rawValue] = .object(members(coverage, contribution.factors(under: method)))
            }
        }
        return methods.isEmpty ? [:] : ["verifiedByMethod": .object(methods)]
    }
}
