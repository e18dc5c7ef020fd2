import LedgerStorage
public import Provenance
public import SupplyChain

/// One part of a footprint: a process, a shipment, an assembly or a default, as it reaches the
/// subject.
public struct Contribution: Sendable {
    /// What kind of input.
    public enum Kind: String, Sendable {
        /// A process that made a lot (its share after allocation).
        case process
        /// Shipments of a lot (transport and handling).
        case shipment
        /// Assembly of modules and packs.
        case assembly
        /// Shipments of a cell, module or pack by id (transport to the next holder, distribution).
        case unitShipment = "unit-shipment"
        /// A lot without process data, counted at its material's default factor (secondary).
        case materialDefault = "default"
        /// A lot without process data and without a default factor; its inputs are counted by mass.
        case noData = "no-data"
    }

    /// What kind of input.
    public var kind: Kind
    /// The lot it reaches the subject through (for an assembly, the module or pack).
    public var lot: String
    /// The lot's material.
    public var material: String?
    /// The event whose data it is, and that event's entry.
    public var eventID: String?
    /// The sequence number of the event's entry.
    public var sequenceNumber: UInt64?
    /// The facility.
    public var facility: String?
    /// The life-cycle stage.
    public var stage: LifeCycleStage
    /// Whether it rests on primary activity data.
    public var isPrimary: Bool
    /// Its kg CO2e in the subject.
    public var emissions: Emissions
    /// Kilograms of the lot in the subject.
    public var kg: Double
    /// The share of the process's burden that went to the lot (allocation), for a process.
    public var allocation: Allocation?
    /// The factors used, under any method.
    public var factors: [FactorUse]
    /// The methods that use each factor of ``factors`` that some method does not (a grid factor
    /// of one basis); a factor not listed counts under every method.
    public var factorMethods: [String: Set<ElectricityMethod>] = [:]
    /// Rules applied on the way.
    public var notes: [CarbonNote]

    /// The factors its value under `method` uses: ``factors`` less the grid factors of the other
    /// methods' bases.
    public func factors(under method: ElectricityMethod) -> [FactorUse] {
        factorMethods.isEmpty ? factors : factors.filter { factorMethods[$0.key]?.contains(method) ?? true }
    }
}

/// A footprint with its working: contributions, factors and the entries to recompute it from.
public struct Footprint: Sendable {
    /// The subject.
    public var subject: Subject
    /// The ledger size it is computed for.
    public var asOfSize: UInt64
    /// The total, kg CO2e, by method and stage.
    public var total: Emissions
    /// Every contribution, largest first (location-based).
    public var contributions: [Contribution]
    /// The battery model whose parameters give the functional units, when one is registered.
    public var model: BatteryModel?
    /// Usable energy, kWh (nominal × the model's usable share; nominal without a model).
    public var usableKWh: Double
    /// Energy over the service life, kWh, when a model gives cycles and years.
    public var lifetimeKWh: Double?
    /// Entries a third party needs to recompute it, in order.
    public var entries: [UInt64]
    /// The scenario, for a what-if.
    public var scenario: Scenario?
    /// The verifiers' attestations recorded up to ``asOfSize``, oldest first: what the verified
    /// share is computed from (``verifiedShare(_:level:)``).
    public var attestations: [Attestation] = []

    /// Every factor used, once.
    public var factors: [FactorUse] {
        var seen: [String: FactorUse] = Dictionary(minimumCapacity: 64)
        for contribution in contributions { for use in contribution.factors { seen[use.key] = use } }
        return seen.values.sorted { $0.key < $1.key }
    }

    /// The share of the total resting on primary data, under `method`.
    public func primaryShare(_ method: ElectricityMethod) -> Double {
        let all = total.total(method)
        guard all > 0 else { return 0 }
        return contributions.filter(\.isPrimary).reduce(0) { $0 + $1.emissions.total(method) } / all
    }

    /// Secondary and default inputs ranked by how much of the result they carry under `method`;
    /// lots with no data at all come last.
    public func dataGaps(_ method: ElectricityMethod) -> [Contribution] {
        contributions.filter { !$0.isPrimary }.sorted {
            $0.emissions.total(method) != $1.emissions.total(method)
                ? $0.emissions.total(method) > $1.emissions.total(method) : $0.lot < $1.lot
        }
    }

    /// kg CO2e per kWh of usable energy.
    public func perUsableKWh(_ method: ElectricityMethod) -> Double? {
        usableKWh > 0 ? total.total(method) / usableKWh : nil
    }

    /// kg CO2e per kWh delivered over the service life: the EU functional unit.
    public func perLifetimeKWh(_ method: ElectricityMethod) -> Double? {
        lifetimeKWh.flatMap { $0 > 0 ? total.total(method) / $0 : nil }
    }
}

/// A what-if: one or more inputs changed.
public struct Scenario: Sendable, Hashable {
    /// Factors replaced, by key (`grid:CN-SC`, `material:lithium-hydroxide`, …).
    public var factors: [String: Double] = [:]
    /// Electricity supply replaced at a facility, by facility id.
    public var supplies: [String: SupplyChange] = [:]
    /// A consumed lot replaced by another lot's footprint per kg (another source of the material).
    public var lots: [String: String] = [:]

    /// No change.
    public init() {}

    /// Whether nothing is changed.
    public var isEmpty: Bool { factors.isEmpty && supplies.isEmpty && lots.isEmpty }

    /// The changes that reach nothing in a subject's footprint, each said in a line.
    ///
    /// A factor that no contribution of `changed` (the footprint under this scenario) uses, a
    /// facility where no contribution's event of it was, a lot that is not among the contributions
    /// of `base` (the footprint without the scenario). A what-if that changes nothing would
    /// otherwise read as "this change makes no difference".
    public func unreached(base: Footprint, changed: Footprint) -> [String] {
        let used = Set(changed.factors.map(\.key))
        let facilities = Set(changed.contributions.compactMap(\.facility))
        let contained = Set(base.contributions.map(\.lot))
        var lines: [String] = []
        for key in factors.keys.sorted() where !used.contains(FactorSet.normalisedKey(key)) {
            lines.append("factor \(key): no factor of this key enters the footprint")
        }
        for facility in supplies.keys.sorted() where !facilities.contains(facility) {
            lines.append("supply at \(facility): no event of the footprint is at this facility")
        }
        for lot in lots.keys.sorted() where !contained.contains(lot) {
            lines.append("lot \(lot): the subject contains no material of this lot")
        }
        return lines
    }
}

/// A rule the engine applied to one input, for the receipt and the data-gap report.
public enum CarbonNote: Sendable, Hashable, CustomStringConvertible {
    /// No grid factor of `basis` for the places; the location factor `used` stood in.
    case gridFallback(basis: String, places: [String], used: String)
    /// A contracted or direct supply stated no factor; the grid factor `used` stood in.
    case supplyWithoutFactor(supply: ElectricitySupply, used: String)
    /// Certificates stated no factor; counted as 0 (a renewable attribute).
    case certificatesWithoutFactor([String])
    /// No process data: the material's default `factor` replaced the lot's upstream.
    case materialDefault(factor: String)
    /// The material has no factor `missing` for the lot's country of origin; its generic factor
    /// `used` stood in.
    case materialCountryFallback(missing: String, used: String)
    /// No process data and no default: the inputs were counted by mass.
    case noData
    /// A shipment's emissions, shared among the lots it moved by mass and spread over the lot.
    case shipment
    /// A shipment's emissions, shared among the cells, modules and packs it moved by their mass.
    case unitShipment

    /// Whether the rule chose a fallback for a factor the tables or the event did not give.
    ///
    /// A grid basis or a material's country without a factor, a supply or certificates stating
    /// none. The receipt gives these as `note` lines; the others say how a lot was counted.
    public var isFallback: Bool {
        switch self {
        case .gridFallback, .supplyWithoutFactor, .certificatesWithoutFactor, .materialCountryFallback: true
        case .materialDefault, .noData, .shipment, .unitShipment: false
        }
    }

    /// The rule in words.
    public var description: String {
        switch self {
        case .gridFallback(let basis, let places, let used):
            "no \(basis) grid factor for \(places.joined(separator: "/")); the location factor \(used) stands in"
        case .supplyWithoutFactor(let supply, let used):
            "the \(supply.rawValue) supply states no factor; \(used) used"
        case .certificatesWithoutFactor(let certificates):
            "certificates \(certificates.joined(separator: ", ")) state no factor; counted as 0 kg CO2e/kWh (renewable attribute)"
        case .materialDefault(let factor):
            "no process data; default factor \(factor) (cradle to gate) replaces the lot's upstream"
        case .materialCountryFallback(let missing, let used):
            "no \(missing) for the lot's country of origin; the generic \(used) stands in"
        case .noData:
            "no process data and no default factor; the lot's inputs are counted by mass"
        case .shipment:
            "a shipment's emissions are shared among the lots it moved by mass, and spread over each lot's whole mass"
        case .unitShipment:
            "a shipment's emissions are shared among the cells, modules and packs it moved by their mass when shipped "
                + "(equally when one's mass is not known), in distribution"
        }
    }
}
