public import LedgerStorage
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
    /// The factors used.
    public var factors: [FactorUse]
    /// Rules applied on the way.
    public var notes: [String]
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

    /// Every factor used, once.
    public var factors: [FactorUse] {
        var seen: [String: FactorUse] = [:]
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
}
