import LedgerCore

/// The activity data of one event, in base units, as the carbon engine reads it.
///
/// Derived at import from the event's `ct:` members and effects (`sc.processes`, keyed by
/// `eventID`), so a footprint never re-reads and unseals the event entries; the receipt still names
/// those entries so that a third party can recompute from them. Quantities stay exact decimals.
public struct ProcessData: Sendable, Hashable {
    /// One metered electricity supply.
    public struct Electricity: Sendable, Hashable {
        /// Kilowatt-hours.
        public var kWh: ExactDecimal
        /// How the electricity was supplied.
        public var supply: ElectricitySupply
        /// The supplier-specific factor, when the event states one (kg CO2e per kWh).
        public var statedFactor: ExactDecimal?
        /// Energy-attribute certificates the event claims for this supply.
        public var certificates: [String]
    }

    /// One fuel burnt.
    public struct Fuel: Sendable, Hashable {
        /// The fuel's name, as factor tables name it (`natural-gas`, `diesel`, …).
        public var name: String
        /// The quantity in `unit`.
        public var quantity: ExactDecimal
        /// `MJ`, `kg` or `L`: the base unit of the quantity's dimension.
        public var unit: String

        /// The factor-table unit that multiplies this quantity.
        public var factorUnit: String { "kgCO2e/" + unit }
    }

    /// One transport leg.
    public struct TransportLeg: Sendable, Hashable {
        /// The mode.
        public var mode: TransportMode
        /// Kilometres.
        public var km: ExactDecimal
        /// Tonnes carried.
        public var tonnes: ExactDecimal

        /// Tonne-kilometres.
        public var tonneKilometres: ExactDecimal { km.multiplied(by: tonnes) ?? .zero }
    }

    /// A lot and a mass in kilograms.
    public struct LotMass: Sendable, Hashable {
        /// The lot.
        public var lot: String
        /// Kilograms.
        public var kg: ExactDecimal
    }

    /// The event's `eventID`.
    public var eventID: String
    /// The sequence number of the event's entry.
    public var sequenceNumber: UInt64
    /// The EPCIS event type.
    public var eventType: String
    /// The facility (`bizLocation`), when the event names one.
    public var facility: String?
    /// The declared life-cycle stage, when the event gives one.
    public var stage: LifeCycleStage?
    /// `primary` or `secondary`, when the event says.
    public var dataQuality: String?
    /// Electricity used.
    public var electricity: [Electricity] = []
    /// Fuels burnt.
    public var fuels: [Fuel] = []
    /// Direct (process) emissions, kg CO2e.
    public var directKgCO2e: ExactDecimal?
    /// Transport legs.
    public var transport: [TransportLeg] = []
    /// Co-product prices per kg, by output lot.
    public var prices: [String: ExactDecimal] = [:]
    /// The currency of `prices`.
    public var currency: String?
    /// Lots made, with their mass.
    public var outputs: [LotMass] = []
    /// Lots consumed, with the mass used.
    public var inputs: [LotMass] = []
    /// Lots shipped, with the mass moved.
    public var shipped: [LotMass] = []
    /// For an assembly: the module or pack.
    public var parent: String?

    /// Whether the event carries any activity data from which emissions are computed.
    public var hasActivityData: Bool {
        !electricity.isEmpty || !fuels.isEmpty || directKgCO2e != nil || !transport.isEmpty
    }

    var json: JSONValue {
        func masses(_ list: [LotMass]) -> JSONValue {
            .array(list.map { .object(["lot": .string($0.lot), "kg": .string($0.kg.description)]) })
        }
        var members: [String: JSONValue] = [
            "event": .string(eventID), "seq": .number(Double(sequenceNumber)), "type": .string(eventType),
        ]
        if let facility { members["facility"] = .string(facility) }
        if let stage { members["stage"] = .string(stage.rawValue) }
        if let dataQuality { members["quality"] = .string(dataQuality) }
        if !electricity.isEmpty {
            members["electricity"] = .array(
                electricity.map { supply in
                    var item: [String: JSONValue] = [
                        "kWh": .string(supply.kWh.description), "supply": .string(supply.supply.rawValue),
                    ]
                    if let factor = supply.statedFactor { item["factor"] = .string(factor.description) }
                    if !supply.certificates.isEmpty {
                        item["certificates"] = .array(supply.certificates.map(JSONValue.string))
                    }
                    return .object(item)
                }
            )
        }
        if !fuels.isEmpty {
            members["fuels"] = .array(
                fuels.map {
                    .object([
                        "fuel": .string($0.name), "quantity": .string($0.quantity.description),
                        "unit": .string($0.unit),
                    ])
                }
            )
        }
        if let directKgCO2e { members["direct"] = .string(directKgCO2e.description) }
        if !transport.isEmpty {
            members["transport"] = .array(
                transport.map {
                    .object([
                        "mode": .string($0.mode.rawValue), "km": .string($0.km.description),
                        "t": .string($0.tonnes.description),
                    ])
                }
            )
        }
        if !prices.isEmpty { members["prices"] = .object(prices.mapValues { .string($0.description) }) }
        if let currency { members["currency"] = .string(currency) }
        if !outputs.isEmpty { members["outputs"] = masses(outputs) }
        if !inputs.isEmpty { members["inputs"] = masses(inputs) }
        if !shipped.isEmpty { members["shipped"] = masses(shipped) }
        if let parent { members["parent"] = .string(parent) }
        return .object(members)
    }

    init(eventID: String, sequenceNumber: UInt64, eventType: String) {
        self.eventID = eventID
        self.sequenceNumber = sequenceNumber
        self.eventType = eventType
    }

    init?(json: JSONValue) {
        func decimal(_ value: JSONValue?) -> ExactDecimal? { value?.stringValue.flatMap { ExactDecimal($0) } }
        func masses(_ key: String) -> [LotMass] {
            (json[key]?.arrayValue ?? []).compactMap { item in
                guard let lot = item["lot"]?.stringValue, let kg = decimal(item["kg"]) else { return nil }
                return LotMass(lot: lot, kg: kg)
            }
        }
        guard let event = json["event"]?.stringValue, let seq = json["seq"]?.doubleValue,
            let type = json["type"]?.stringValue
        else { return nil }
        self.init(eventID: event, sequenceNumber: UInt64(seq), eventType: type)
        facility = json["facility"]?.stringValue
        stage = json["stage"]?.stringValue.flatMap(LifeCycleStage.init(rawValue:))
        dataQuality = json["quality"]?.stringValue
        electricity = (json["electricity"]?.arrayValue ?? []).compactMap { item in
            guard let kWh = decimal(item["kWh"]),
                let supply = item["supply"]?.stringValue.flatMap(ElectricitySupply.init(rawValue:))
            else { return nil }
            return Electricity(
                kWh: kWh,
                supply: supply,
                statedFactor: decimal(item["factor"]),
                certificates: item["certificates"]?.arrayValue?.compactMap(\.stringValue) ?? []
            )
        }
        fuels = (json["fuels"]?.arrayValue ?? []).compactMap { item in
            guard let name = item["fuel"]?.stringValue, let quantity = decimal(item["quantity"]),
                let unit = item["unit"]?.stringValue
            else { return nil }
            return Fuel(name: name, quantity: quantity, unit: unit)
        }
        directKgCO2e = decimal(json["direct"])
        transport = (json["transport"]?.arrayValue ?? []).compactMap { item in
            guard let mode = item["mode"]?.stringValue.flatMap(TransportMode.init(rawValue:)),
                let km = decimal(item["km"]), let tonnes = decimal(item["t"])
            else { return nil }
            return TransportLeg(mode: mode, km: km, tonnes: tonnes)
        }
        for (lot, price) in json["prices"]?.objectValue ?? [:] {
            if let value = decimal(price) { prices[lot] = value }
        }
        currency = json["currency"]?.stringValue
        outputs = masses("outputs")
        inputs = masses("inputs")
        shipped = masses("shipped")
        parent = json["parent"]?.stringValue
    }

    /// The activity data of an event that passed the rules.
    ///
    /// The `ct:` members were checked by the rules already; a member that does not read here is
    /// left out rather than reported again.
    init(event: EPCISEvent, sequence: UInt64, facility: Facility?, effects: EventEffects) {
        self.init(eventID: event.eventID, sequenceNumber: sequence, eventType: event.type.rawValue)
        self.facility = facility?.id ?? event.location
        stage = event.ext("lifeCycleStage")?.stringValue.flatMap(LifeCycleStage.init(rawValue:))
        dataQuality = event.ext("dataQuality")?.stringValue
        let sink = ProblemSink()
        func list(_ name: String) -> [FieldReader] {
            guard let value = event.ext(name) else { return [] }
            return (value.arrayValue ?? [value]).map { FieldReader($0, problems: sink) }
        }
        for supply in list("electricity") {
            guard let quantity = supply.decimal("quantity"), let uom = supply.string("uom"),
                let kWh = MeasureDimension.electricity.toBase(quantity, code: uom),
                let kind = supply.string("supply").flatMap(ElectricitySupply.init(rawValue:))
            else { continue }
            let certificates = supply["certificates"]?.arrayValue?.compactMap(\.stringValue) ?? []
            electricity.append(
                Electricity(
                    kWh: kWh,
                    supply: kind,
                    statedFactor: supply.decimal("kgCO2ePerKWh", required: false),
                    certificates: certificates
                )
            )
        }
        for fuel in list("fuels") {
            guard let name = fuel.string("fuel"), let quantity = fuel.decimal("quantity"), let uom = fuel.string("uom")
            else { continue }
            let units: [(MeasureDimension, String)] = [(.energy, "MJ"), (.mass, "kg"), (.volume, "L")]
            for (dimension, unit) in units {
                if let base = dimension.toBase(quantity, code: uom) {
                    fuels.append(Fuel(name: name, quantity: base, unit: unit))
                    break
                }
            }
        }
        if let emissions = event.ext("directEmissions") {
            directKgCO2e = FieldReader(emissions, problems: sink).decimal("kgCO2e")
        }
        for leg in list("transport") {
            guard let mode = leg.string("mode").flatMap(TransportMode.init(rawValue:)),
                let distance = leg.decimal("distance"), let distanceUom = leg.string("distanceUom"),
                let km = MeasureDimension.distance.toBase(distance, code: distanceUom),
                let mass = leg.decimal("mass"), let massUom = leg.string("massUom"),
                let kg = MeasureDimension.mass.toBase(mass, code: massUom),
                let tonnes = kg.divided(by: ExactDecimal(1000), fractionDigits: 12)
            else { continue }
            transport.append(TransportLeg(mode: mode, km: km, tonnes: tonnes))
        }
        for price in list("coProductPrices") {
            guard let lot = price.string("epcClass"), let value = price.decimal("pricePerKg") else { continue }
            prices[lot] = value
            currency = currency ?? price.string("currency")
        }
        let created = Set(effects.created)
        outputs = (event.type == .transformationEvent ? event.outputs : event.quantities)
            .filter { created.contains($0.lot) }
            .map { LotMass(lot: $0.lot, kg: $0.kg) }
        inputs = effects.consumed.map { LotMass(lot: $0.lot, kg: $0.kg) }
        shipped = effects.moved.map { LotMass(lot: $0.lot, kg: $0.kg) }
        parent = effects.aggregated?.parent
    }
}
