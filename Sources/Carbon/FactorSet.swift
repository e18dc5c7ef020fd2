public import LedgerStorage
public import SupplyChain

/// One factor as a result used it: its value and where it came from.
public struct FactorUse: Sendable, Hashable {
    /// The factor's key: `grid:CN-SC:location`, `fuel:natural-gas:MJ`, `transport:sea`,
    /// `material:lithium-hydroxide` or `material:lithium-hydroxide@CN`.
    public var key: String
    /// The value.
    public var value: Double
    /// Its unit (`kgCO2e/kWh`, …).
    public var unit: String
    /// Where the figure was published, and its year.
    public var source: String
    /// The year the figure applies to.
    public var year: Int?
    /// The factor table and version that recorded it; `what-if` for a scenario's replacement.
    public var table: String
    /// The sequence number of the entry that recorded the table version.
    public var sequenceNumber: UInt64?
    /// The life-cycle stage a material default belongs to, when the table says.
    public var stage: LifeCycleStage?
    /// The factor's position in its table's `factors` list (`/factors/INDEX` of the table entry).
    public var index: Int?
}

/// The emission factors in force as of a ledger size: every factor of every table version
/// recorded before it, the most recently recorded winning where two give the same key.
public struct FactorSet: Sendable {
    private var factors: [String: FactorUse] = [:]

    /// The factors in force at `size`, built once per ledger and set of table versions (a query
    /// builds one only when a table was recorded since).
    public static func inForce(
        reader: LineageReader,
        size: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> FactorSet {
        let tables = try reader.factorTables(txn)
        let key =
            "carbon.factors:"
            + tables.filter { ($0.recordedAt ?? 0) < size }.map { "\($0.id)@\($0.version)" }.joined(separator: ",")
        return reader.memoised(key) { FactorSet(tables: tables, size: size) }
    }

    /// Every factor in force, by key.
    public var all: [FactorUse] { factors.values.sorted { $0.key < $1.key } }

    /// The factors of `tables` recorded before `size`.
    public init(tables: [FactorTable], size: UInt64) {
        for table in tables.sorted(by: { ($0.recordedAt ?? 0) < ($1.recordedAt ?? 0) }) {
            guard (table.recordedAt ?? 0) < size else { continue }
            for (index, factor) in table.factors.enumerated() {
                let use = FactorUse(
                    key: factor.key,
                    value: factor.value.doubleValue,
                    unit: factor.unit,
                    source: factor.source,
                    year: factor.year,
                    table: "\(table.id)@\(table.version)",
                    sequenceNumber: table.recordedAt,
                    stage: factor.stage.flatMap(LifeCycleStage.init(rawValue:)),
                    index: index
                )
                factors[use.key] = use
            }
        }
        index()
    }

    /// Replaces or adds a factor (a scenario's change).
    public mutating func replace(_ key: String, value: Double) throws {
        guard let unit = Self.unit(ofKey: key) else {
            throw CarbonError(
                "factor key \(key) is not one of grid:REGION[:location|consumption-mix|residual-mix], fuel:NAME:MJ|kg|L|m3, transport:MODE, material:NAME[@CC]"
            )
        }
        let normalised = Self.normalisedKey(key)
        factors[normalised] = FactorUse(
            key: normalised,
            value: value,
            unit: unit,
            source: "scenario",
            year: nil,
            table: "what-if",
            sequenceNumber: nil,
            stage: factors[normalised]?.stage,
            index: nil
        )
        index()
    }

    /// A factor key as the engine looks it up: `grid:REGION` is the location factor.
    public static func normalisedKey(_ key: String) -> String {
        key.hasPrefix("grid:") && key.split(separator: ":").count == 2 ? key + ":location" : key
    }

    private static func unit(ofKey key: String) -> String? {
        let parts = key.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[1].isEmpty else { return nil }
        switch parts[0] {
        case "grid" where parts.count == 2 || (parts.count == 3 && FactorTable.gridBases.contains(parts[2])):
            return "kgCO2e/kWh"
        case "fuel" where parts.count == 3 && ["MJ", "kg", "L", "m3"].contains(parts[2]):
            return "kgCO2e/" + parts[2]
        case "transport" where parts.count == 2 && TransportMode(rawValue: parts[1]) != nil:
            return "kgCO2e/tkm"
        case "material" where parts.count == 2:
            return "kgCO2e/kg"
        default:
            return nil
        }
    }

    /// A grid factor: the first of `geographies` (region, subdivision, country) that has one.
    public func grid(_ geographies: [String], basis: String) -> FactorUse? {
        guard let byPlace = gridIndex[basis] else { return nil }
        for geography in geographies {
            if let use = byPlace[geography] { return use }
        }
        return nil
    }

    /// Grid factors by basis, then geography: looked up on every electricity supply of every
    /// process, without building a key.
    private var gridIndex: [String: [String: FactorUse]] = [:]

    private mutating func index() {
        gridIndex = [:]
        fuelIndex = [:]
        transportIndex = [:]
        for (key, use) in factors {
            if key.hasPrefix("transport:"), let mode = TransportMode(rawValue: String(key.dropFirst(10))) {
                transportIndex[mode] = use
            }
            let parts = key.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "grid" {
                gridIndex[String(parts[2]), default: [:]][String(parts[1])] = use
            } else if parts[0] == "fuel" {
                fuelIndex[String(parts[1]), default: [:]][String(parts[2])] = use
            }
        }
    }

    /// A fuel factor in the unit the quantity is in; a volume in litres also matches a factor per m³.
    public func fuel(_ name: String, unit: String) -> (use: FactorUse, perUnit: Double)? {
        guard let byUnit = fuelIndex[name] else { return nil }
        if let use = byUnit[unit] { return (use, use.value) }
        if unit == "L", let use = byUnit["m3"] { return (use, use.value / 1000) }
        return nil
    }

    /// Fuel factors by fuel, then unit.
    private var fuelIndex: [String: [String: FactorUse]] = [:]

    /// A transport mode's factor per tonne-kilometre.
    public func transport(_ mode: TransportMode) -> FactorUse? {
        transportIndex[mode]
    }

    /// Transport factors by mode, without building a key per leg.
    private var transportIndex: [TransportMode: FactorUse] = [:]

    /// A material's default factor, for the country when the table has one, else the generic one.
    ///
    /// - Parameters:
    ///   - name: The material.
    ///   - country: The country the material was produced in: the lot's country of origin.
    /// - Returns: `material:NAME@COUNTRY`, else `material:NAME`; `nil` when neither is in force.
    public func material(_ name: String, country: String?) -> FactorUse? {
        if let country, let use = factors["material:\(name)@\(country)"] { return use }
        return factors["material:\(name)"]
    }

    /// The countries a material has a factor of its own for (`material:NAME@COUNTRY`), sorted.
    public func materialCountries(_ name: String) -> [String] {
        let prefix = "material:\(name)@"
        return factors.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }.sorted()
    }
}

/// A footprint that cannot be computed: a factor or a parameter is missing, or the query is wrong.
public struct CarbonError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public var description: String
    /// The lot the error is about when it has neither process data, a default factor nor inputs:
    /// a footprint's walk goes on past it, to name every such lot at once.
    var lotWithoutData: String?

    init(_ description: String) {
        self.description = description
    }
}
