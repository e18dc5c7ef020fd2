public import SupplyChain

/// How electricity is counted.
///
/// The three are computed side by side and never mixed.
public enum ElectricityMethod: String, Sendable, Hashable, CaseIterable {
    /// The grid average of the facility's region or country, whatever was contracted; electricity
    /// from an on-site plant or a direct line counts at its stated factor.
    case locationBased = "location-based"
    /// Contractual instruments: direct lines, PPAs and certificates at their stated factors, grid
    /// electricity at the residual mix.
    case marketBased = "market-based"
    /// The draft EU delegated act: the national consumption mix, except directly connected
    /// electricity (on-site or a direct line) at its actual factor; PPAs and certificates do not count.
    case euDraft = "eu-draft"

    /// A short label for tables.
    public var label: String {
        switch self {
        case .locationBased: "location"
        case .marketBased: "market"
        case .euDraft: "EU draft"
        }
    }
}

/// Kilograms of CO2e by electricity method and life-cycle stage.
///
/// Twelve doubles held inline (three methods × four stages, in a 16-lane vector), so sums and
/// scalings over a lineage allocate nothing.
public struct Emissions: Sendable, Hashable {
    private var values = SIMD16<Double>()

    /// Nothing emitted.
    public static let zero = Emissions()

    /// No emissions.
    public init() {}

    /// The same amount under every electricity method, in one stage.
    public init(_ kg: Double, stage: LifeCycleStage) {
        for method in ElectricityMethod.allCases { self[method, stage] = kg }
    }

    private static func index(_ method: ElectricityMethod, _ stage: LifeCycleStage) -> Int {
        let row =
            switch method {
            case .locationBased: 0
            case .marketBased: 1
            case .euDraft: 2
            }
        let column =
            switch stage {
            case .rawMaterialAcquisition: 0
            case .mainProduction: 1
            case .distribution: 2
            case .endOfLife: 3
            }
        return row * 4 + column
    }

    /// Kilograms of CO2e of one stage under one method.
    public subscript(method: ElectricityMethod, stage: LifeCycleStage) -> Double {
        get { values[Self.index(method, stage)] }
        set { values[Self.index(method, stage)] = newValue }
    }

    /// The total under one method.
    public func total(_ method: ElectricityMethod) -> Double {
        let row = Self.index(method, .rawMaterialAcquisition)
        return values[row] + values[row + 1] + values[row + 2] + values[row + 3]
    }

    /// The share of one stage in the total under one method (0 to 1), or `nil` when the total is
    /// not positive and no share can be given.
    public func share(of stage: LifeCycleStage, _ method: ElectricityMethod) -> Double? {
        let all = total(method)
        return all > 0 ? self[method, stage] / all : nil
    }

    /// The total under each method.
    public var totals: [ElectricityMethod: Double] {
        Dictionary(uniqueKeysWithValues: ElectricityMethod.allCases.map { ($0, total($0)) })
    }

    /// Whether every value is zero.
    public var isZero: Bool { values == SIMD16<Double>() }

    /// Both added.
    public static func + (lhs: Emissions, rhs: Emissions) -> Emissions {
        var sum = lhs
        sum.values += rhs.values
        return sum
    }

    /// Adds `rhs`.
    public static func += (lhs: inout Emissions, rhs: Emissions) {
        lhs.values += rhs.values
    }

    /// Every value times `factor`.
    public func scaled(by factor: Double) -> Emissions {
        var result = self
        result.values *= factor
        return result
    }
}
