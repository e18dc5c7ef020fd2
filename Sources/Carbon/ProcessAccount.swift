public import SupplyChain

/// A change to how a facility's electricity was supplied, for a what-if scenario.
public struct SupplyChange: Sendable, Hashable {
    /// The new supply kind.
    public var supply: ElectricitySupply
    /// Its factor in kg CO2e per kWh.
    public var kgCO2ePerKWh: Double

    /// Creates a change.
    public init(supply: ElectricitySupply, kgCO2ePerKWh: Double) {
        self.supply = supply
        self.kgCO2ePerKWh = kgCO2ePerKWh
    }
}

/// One product of an event's emissions: an amount of activity times a factor.
///
/// A term counts under one electricity method or all of them. The receipts of a footprint show these.
public struct ProcessTerm: Sendable {
    /// Which activity datum it is: the index in the event's `ct:` list.
    public enum Source: Sendable, Hashable {
        /// `ct:electricity[i]`.
        case electricity(Int)
        /// `ct:fuels[i]`.
        case fuel(Int)
        /// `ct:transport[i]`.
        case transport(Int)
        /// `ct:directEmissions`.
        case direct
    }

    /// The activity datum.
    public var source: Source
    /// The electricity method the term counts under; `nil` for every method.
    public var method: ElectricityMethod?
    /// The amount in base units: kWh, the fuel's MJ, kg or L, tonne-kilometres, or kg CO2e.
    public var amount: Double
    /// kg CO2e per unit of `amount`.
    public var factor: Double
    /// The table factor, when one was used.
    public var use: FactorUse?
    /// Whether the event states the factor itself (a supplier-specific kgCO2ePerKWh).
    public var stated: Bool
    /// The rule that set the factor when neither a table nor the event did.
    public var rule: String?
    /// amount × factor.
    public var kgCO2e: Double { amount * factor }
}

/// The emissions of one event's activity data, by electricity method and stage, with the
/// factors used.
public struct ProcessAccount: Sendable {
    /// The stage its emissions belong to.
    public var stage: LifeCycleStage
    /// Whether the activity data are primary (measured in the supply chain) or secondary.
    public var isPrimary: Bool
    /// Emissions of electricity, fuels, direct emissions and transport, together.
    public var emissions: Emissions
    /// Electricity alone, by method (in `stage`): location-based, market-based, draft EU rule.
    private var electricityKg: SIMD4<Double>
    /// Fuels, kg CO2e.
    public var fuels: Double
    /// Direct emissions, kg CO2e.
    public var direct: Double
    /// Transport, kg CO2e.
    public var transport: Double
    /// The factors used.
    public var factors: [FactorUse]
    /// The methods that use each factor of ``factors`` that some method does not (a grid factor
    /// of one basis); a factor not listed counts under every method.
    public var factorMethods: [String: Set<ElectricityMethod>] = [:]
    /// How each input was counted where a rule chose (fallbacks, certificates without a factor).
    public var notes: [CarbonNote]
    /// Every product of amount and factor, when the account was made with `recording`.
    public var terms: [ProcessTerm] = []

    /// Electricity alone under `method`, kg CO2e (in ``stage``).
    public func electricity(_ method: ElectricityMethod) -> Double { electricityKg[Self.lane(method)] }

    private static func lane(_ method: ElectricityMethod) -> Int {
        switch method {
        case .locationBased: 0
        case .marketBased: 1
        case .euDraft: 2
        }
    }

    /// The stage of a facility's processes when the event does not declare one (Annex II point 4).
    ///
    /// What a recycler makes is recycled input for a new battery, whose production is raw material
    /// acquisition and pre-processing under the JRC rules; end of life is the declared battery's own
    /// collection and recycling, which ``disassemblyStage(of:)`` gives.
    public static func defaultStage(of facility: Facility?) -> LifeCycleStage {
        switch facility?.kind {
        case .cell, .modulePack: .mainProduction
        case .warehouse: .distribution
        default: .rawMaterialAcquisition
        }
    }

    /// The stage of taking units out of a module or pack when the event does not declare one: end
    /// of life and recycling at a recycler, the facility's own stage elsewhere.
    public static func disassemblyStage(of facility: Facility?) -> LifeCycleStage {
        facility?.kind == .recycler ? .endOfLife : defaultStage(of: facility)
    }

    /// Accounts for an event's activity data.
    ///
    /// - Parameters:
    ///   - process: The event's activity data.
    ///   - facility: Its facility, whose region and country choose the grid factors.
    ///   - factors: The factors in force.
    ///   - defaultStage: The stage when the event declares none (the facility's by default).
    ///   - supplyChange: A scenario's replacement for every electricity supply of the event.
    ///   - recording: Keep every term (``terms``), for a receipt.
    /// - Throws: ``CarbonError`` naming the factor that no table in force provides.
    public init(
        _ process: ProcessData,
        facility: Facility?,
        factors: FactorSet,
        stage defaultStage: LifeCycleStage? = nil,
        supplyChange: SupplyChange? = nil,
        recording: Bool = false
    ) throws {
        let stage = process.stage ?? defaultStage ?? Self.defaultStage(of: facility)
        self.stage = stage
        isPrimary = process.dataQuality != "secondary"
        var used: [FactorUse] = []
        used.reserveCapacity(process.electricity.count * 3 + process.fuels.count + process.transport.count)
        var notes: [CarbonNote] = []
        // The methods each grid factor counts under: one basis serves one method, or several
        // where the location factor stands in for another basis.
        var gridMethods: [String: Set<ElectricityMethod>] = [:]
        var electricity = SIMD4<Double>()
        // The places grid factors are looked up by, built only for events that used electricity.
        let places = GridPlaces(process.electricity.isEmpty ? nil : facility)
        func grid(_ basis: GridBasis) throws -> FactorUse {
            if let (use, fellBack) = places.use(basis, in: factors) {
                if fellBack {
                    notes.append(.gridFallback(basis: basis.rawValue, places: places.places(for: basis), used: use.key))
                }
                return use
            }
            guard let facility else {
                // No factor would do: the place is what is missing.
                throw CarbonError(
                    "event \(process.eventID) records electricity at a grid factor but names no facility "
                        + "(no bizLocation, and no readPoint that is a facility of its submitter), so no grid applies to it: "
                        + "declare it in error and record it again with the bizLocation where the electricity was used"
                )
            }
            throw CarbonError(
                "no \(basis.rawValue) grid factor for facility \(facility.id) (\(places.geographies.joined(separator: ", "))) (event \(process.eventID)); record one with `celltrace factors add`"
            )
        }
        var terms: [ProcessTerm] = []
        for (supplyIndex, supply) in process.electricity.enumerated() {
            let kWh = supply.kWh.doubleValue
            let (kind, stated) = Self.effective(supply, supplyChange)
            for method in ElectricityMethod.allCases {
                let factor: Double
                var termUse: FactorUse?
                var termRule: String?
                switch Self.source(of: method, supply: kind, stated: stated) {
                case .stated(let value):
                    factor = value
                    if supplyChange != nil { termRule = "what-if supply" }
                case .certificates:
                    factor = 0
                    termRule = "certificates without a stated factor count as zero (market-based)"
                    notes.append(.certificatesWithoutFactor(supply.certificates))
                case .grid(let basis, let notesSupply):
                    let use = try grid(basis)
                    used.append(use)
                    gridMethods[use.key, default: []].insert(method)
                    if notesSupply { notes.append(.supplyWithoutFactor(supply: kind, used: use.key)) }
                    factor = use.value
                    termUse = use
                }
                if recording {
                    terms.append(
                        ProcessTerm(
                            source: .electricity(supplyIndex),
                            method: method,
                            amount: kWh,
                            factor: factor,
                            use: termUse,
                            stated: termUse == nil && termRule == nil,
                            rule: termRule
                        )
                    )
                }
                electricity[Self.lane(method)] += kWh * factor
            }
        }
        var fuels = 0.0
        for (fuelIndex, fuel) in process.fuels.enumerated() {
            guard let (use, perUnit) = factors.fuel(fuel.name, unit: fuel.unit) else {
                throw CarbonError(
                    "no factor for fuel \(fuel.name) in \(fuel.factorUnit) (event \(process.eventID)); record one with `celltrace factors add`"
                )
            }
            used.append(use)
            fuels += fuel.quantity.doubleValue * perUnit
            if recording {
                terms.append(
                    ProcessTerm(
                        source: .fuel(fuelIndex),
                        method: nil,
                        amount: fuel.quantity.doubleValue,
                        factor: perUnit,
                        use: use,
                        stated: false,
                        rule: perUnit == use.value ? nil : "factor per m3 used per L (÷ 1000)"
                    )
                )
            }
        }
        var transport = 0.0
        for (legIndex, leg) in process.transport.enumerated() {
            guard let use = factors.transport(leg.mode) else {
                throw CarbonError(
                    "no factor for transport by \(leg.mode.rawValue) (event \(process.eventID)); record one with `celltrace factors add`"
                )
            }
            used.append(use)
            transport += leg.tonneKilometres.doubleValue * use.value
            if recording {
                terms.append(
                    ProcessTerm(
                        source: .transport(legIndex),
                        method: nil,
                        amount: leg.tonneKilometres.doubleValue,
                        factor: use.value,
                        use: use,
                        stated: false,
                        rule: nil
                    )
                )
            }
        }
        let direct = process.directKgCO2e?.doubleValue ?? 0
        if recording, process.directKgCO2e != nil {
            terms.append(
                ProcessTerm(
                    source: .direct,
                    method: nil,
                    amount: direct,
                    factor: 1,
                    use: nil,
                    stated: false,
                    rule: "direct emissions are stated in kg CO2e"
                )
            )
        }
        var emissions = Emissions(fuels + direct + transport, stage: stage)
        for method in ElectricityMethod.allCases { emissions[method, stage] += electricity[Self.lane(method)] }
        self.emissions = emissions
        self.electricityKg = electricity
        self.fuels = fuels
        self.direct = direct
        self.transport = transport
        used.sort { $0.key < $1.key }
        var unique: [FactorUse] = []
        unique.reserveCapacity(used.count)
        for use in used where unique.last?.key != use.key { unique.append(use) }
        self.factors = unique
        self.factorMethods = gridMethods.filter { $0.value.count < ElectricityMethod.allCases.count }
        // A rule applied to several supplies or methods of the event is stated once.
        var stated: Set<CarbonNote> = []
        self.notes = notes.filter { stated.insert($0).inserted }
        self.terms = terms
    }

    /// The basis of a grid factor, as factor tables name it.
    enum GridBasis: String {
        case location
        case residualMix = "residual-mix"
        /// Looked up for the facility's country alone.
        case consumptionMix = "consumption-mix"
    }

    /// The places a facility's grid factors are looked up by, and the rule for a basis that has
    /// none there: the one lookup that the account and its roll-up form share.
    struct GridPlaces {
        /// The facility's grid region, subdivision and country, in that order.
        private(set) var geographies: [String] = []
        /// The facility's country alone.
        private(set) var country: [String] = []

        /// The places of `facility`; none without one.
        init(_ facility: Facility?) {
            guard let facility else { return }
            geographies.reserveCapacity(3)
            if let region = facility.gridRegion { geographies.append(region) }
            if let subdivision = facility.subdivision { geographies.append(subdivision) }
            geographies.append(facility.country)
            country = [facility.country]
        }

        /// The places a factor of `basis` is looked up by.
        func places(for basis: GridBasis) -> [String] { basis == .consumptionMix ? country : geographies }

        /// The factor of `basis` in force here, or the location factor in its stead (`fellBack`);
        /// `nil` when neither is.
        ///
        /// A national basis (the consumption mix) falls back to the country's location factor
        /// first, and to the region's only when the country has none.
        func use(_ basis: GridBasis, in factors: FactorSet) -> (use: FactorUse, fellBack: Bool)? {
            if let use = factors.grid(places(for: basis), basis: basis.rawValue) { return (use, false) }
            guard basis != .location else { return nil }
            let location = GridBasis.location.rawValue
            if basis == .consumptionMix, let use = factors.grid(country, basis: location) { return (use, true) }
            guard let use = factors.grid(geographies, basis: location) else { return nil }
            return (use, true)
        }
    }

    /// Where an electricity method takes a supply's factor from.
    enum ElectricitySource {
        /// The factor the event states for the supply, or a what-if's.
        case stated(Double)
        /// Certificates without a stated factor, which count as zero (market-based).
        case certificates
        /// A grid factor of `basis`; `notesSupply` when the supply's kind would have let the event
        /// state a factor and it did not.
        case grid(GridBasis, notesSupply: Bool)
    }

    /// A supply's kind and stated factor as an account counts them: the event's, or a what-if's.
    static func effective(
        _ supply: ProcessData.Electricity,
        _ change: SupplyChange?
    ) -> (kind: ElectricitySupply, stated: Double?) {
        guard let change else { return (supply.supply, supply.statedFactor?.doubleValue) }
        return (change.supply, change.kgCO2ePerKWh)
    }

    /// The one place that decides where each method's factor of a supply comes from: the account
    /// and its roll-up form (``init(rollingUp:stage:factors:supplyChange:gridValue:)``) both ask here,
    /// so they cannot choose differently.
    static func source(
        of method: ElectricityMethod,
        supply kind: ElectricitySupply,
        stated: Double?
    ) -> ElectricitySource {
        switch (method, kind) {
        case (.locationBased, .onsite), (.locationBased, .directLine), (.euDraft, .onsite),
            (.euDraft, .directLine), (.marketBased, .onsite), (.marketBased, .directLine),
            (.marketBased, .ppa):
            if let stated { return .stated(stated) }
            let basis: GridBasis =
                switch method {
                case .euDraft: .consumptionMix
                case .marketBased: .residualMix
                case .locationBased: .location
                }
            return .grid(basis, notesSupply: true)
        case (.marketBased, .certificate):
            if let stated { return .stated(stated) }
            return .certificates
        case (.marketBased, .grid):
            return .grid(.residualMix, notesSupply: false)
        case (.euDraft, _):
            return .grid(.consumptionMix, notesSupply: false)
        case (.locationBased, _):
            return .grid(.location, notesSupply: false)
        }
    }

    /// The account's numbers alone, for a roll-up, which shows no receipt: the same emissions,
    /// stage and primary flag as ``init(_:facility:factors:stage:supplyChange:recording:)`` gives,
    /// computed in the same order, with no factors, notes or terms kept.
    ///
    /// - Parameters:
    ///   - process: The event's activity data.
    ///   - defaultStage: The stage when the event declares none.
    ///   - factors: The factors in force, for fuels and transport.
    ///   - supplyChange: A scenario's replacement for every electricity supply of the event.
    ///   - gridValue: A grid factor's value by basis, after the whole account's fallback to the
    ///     location basis (``GridPlaces/use(_:in:)``); `nil` when none is in force.
    ///
    /// Fails when a factor the event needs is not in force: the whole account then says which.
    init?(
        rollingUp process: ProcessData,
        stage defaultStage: LifeCycleStage,
        factors: FactorSet,
        supplyChange: SupplyChange?,
        gridValue: (GridBasis) -> Double?
    ) {
        let stage = process.stage ?? defaultStage
        var electricity = SIMD4<Double>()
        for supply in process.electricity {
            let kWh = supply.kWh.doubleValue
            let (kind, stated) = Self.effective(supply, supplyChange)
            for method in ElectricityMethod.allCases {
                let factor: Double
                switch Self.source(of: method, supply: kind, stated: stated) {
                case .stated(let value): factor = value
                case .certificates: factor = 0
                case .grid(let basis, _):
                    guard let value = gridValue(basis) else { return nil }
                    factor = value
                }
                electricity[Self.lane(method)] += kWh * factor
            }
        }
        var fuels = 0.0
        for fuel in process.fuels {
            guard let (_, perUnit) = factors.fuel(fuel.name, unit: fuel.unit) else { return nil }
            fuels += fuel.quantity.doubleValue * perUnit
        }
        var transport = 0.0
        for leg in process.transport {
            guard let use = factors.transport(leg.mode) else { return nil }
            transport += leg.tonneKilometres.doubleValue * use.value
        }
        let direct = process.directKgCO2e?.doubleValue ?? 0
        var emissions = Emissions(fuels + direct + transport, stage: stage)
        for method in ElectricityMethod.allCases { emissions[method, stage] += electricity[Self.lane(method)] }
        self.stage = stage
        isPrimary = process.dataQuality != "secondary"
        self.emissions = emissions
        electricityKg = electricity
        self.fuels = fuels
        self.direct = direct
        self.transport = transport
        self.factors = []
        notes = []
    }
}
