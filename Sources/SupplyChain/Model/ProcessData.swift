import LedgerCore

/// The activity data of one event, in base units, as the carbon engine reads it.
///
/// Derived at import from the event's `ct:` members and effects (`sc.processes`, keyed by
/// `eventID`, in ``BinaryWriter``'s encoding), so a footprint never re-reads and unseals the event
/// entries; the receipt still names those entries so that a third party can recompute from them.
/// Quantities stay exact decimals.
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

        /// Creates a lot mass.
        public init(lot: String, kg: ExactDecimal) {
            self.lot = lot
            self.kg = kg
        }
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
    /// Cells, modules and packs shipped (the shipment's `epcList`), each with its mass in kg when
    /// shipped: the units whose footprints the shipment's emissions count in.
    public var units: [LotMass] = []

    /// Whether the event carries any activity data from which emissions are computed.
    public var hasActivityData: Bool {
        !electricity.isEmpty || !fuels.isEmpty || directKgCO2e != nil || !transport.isEmpty
    }

    /// Each shipped unit's share of the event's emissions, by unit: its mass over all the units'
    /// mass, or an equal share each when a unit's mass is not known (zero: a module or pack with
    /// no cells in it when shipped).
    public var unitShares: [String: Double] {
        let masses = units.map(\.kg.doubleValue)
        let all = masses.reduce(0, +)
        let byMass = masses.allSatisfy { $0 > 0 } && all > 0
        var shares: [String: Double] = [:]
        for (unit, kg) in zip(units.map(\.lot), masses) {
            shares[unit, default: 0] += byMass ? kg / all : 1 / Double(units.count)
        }
        return shares
    }

    /// The entry that retracted the event, if one did.
    public var retractedAt: UInt64?

    /// Version 2 adds the units shipped after the parent (layout 18).
    private static let version: UInt8 = 2

    var encoded: [UInt8] {
        var writer = BinaryWriter(version: Self.version)
        writer.string(eventID)
        writer.u64(sequenceNumber)
        writer.string(eventType)
        writer.optionalString(facility)
        writeActivity(&writer)
        Self.writeEffects(outputs: outputs, inputs: inputs, shipped: shipped, parent: parent, units: units, &writer)
        writer.u64(retractedAt.map { $0 + 1 } ?? 0)
        return writer.bytes
    }

    /// Writes what the event's activity members declare: the part of a row between the facility
    /// and the outputs, which depends on the event alone.
    func writeActivity(_ writer: inout BinaryWriter) {
        writer.optionalString(stage?.rawValue)
        writer.optionalString(dataQuality)
        writer.u16(electricity.count)
        for supply in electricity {
            writer.decimal(supply.kWh)
            writer.string(supply.supply.rawValue)
            writer.optionalDecimal(supply.statedFactor)
            writer.u16(supply.certificates.count)
            for certificate in supply.certificates { writer.string(certificate) }
        }
        writer.u16(fuels.count)
        for fuel in fuels {
            writer.string(fuel.name)
            writer.decimal(fuel.quantity)
            writer.string(fuel.unit)
        }
        writer.optionalDecimal(directKgCO2e)
        writer.u16(transport.count)
        for leg in transport {
            writer.string(leg.mode.rawValue)
            writer.decimal(leg.km)
            writer.decimal(leg.tonnes)
        }
        let priced = prices.sorted { $0.key < $1.key }
        writer.u16(priced.count)
        for (lot, price) in priced {
            writer.string(lot)
            writer.decimal(price)
        }
        writer.optionalString(currency)
    }

    /// Writes the lots an event made, consumed and shipped, the parent it assembled and the units
    /// it shipped.
    private static func writeEffects(
        outputs: [LotMass],
        inputs: [LotMass],
        shipped: [LotMass],
        parent: String?,
        units: [LotMass],
        _ writer: inout BinaryWriter
    ) {
        for list in [outputs, inputs, shipped] {
            writer.u16(list.count)
            for item in list {
                writer.string(item.lot)
                writer.decimal(item.kg)
            }
        }
        writer.optionalString(parent)
        writer.u16(units.count)
        for item in units {
            writer.string(item.lot)
            writer.decimal(item.kg)
        }
    }

    init(eventID: String, sequenceNumber: UInt64, eventType: String) {
        self.eventID = eventID
        self.sequenceNumber = sequenceNumber
        self.eventType = eventType
    }

    init?(encoded bytes: [UInt8]) {
        guard let process = BinaryReader.read(bytes, version: Self.version, Self.decode) else { return nil }
        self = process
    }

    init?(encoded raw: UnsafeRawBufferPointer) {
        guard let process = BinaryReader.read(raw, version: Self.version, Self.decode) else { return nil }
        self = process
    }

    private static func decode(_ reader: inout BinaryReader) -> ProcessData {
        var process = ProcessData(eventID: reader.string(), sequenceNumber: reader.u64(), eventType: reader.string())
        process.decodeFields(&reader)
        return process
    }

    private static func masses(_ reader: inout BinaryReader) -> [LotMass] {
        let count = reader.u16()
        var list: [LotMass] = []
        list.reserveCapacity(count)
        for _ in 0..<count {
            let lot = reader.string()
            list.append(LotMass(lot: lot, kg: reader.decimal()))
        }
        return list
    }

    private mutating func decodeFields(_ reader: inout BinaryReader) {
        facility = reader.optionalString()
        stage = reader.optionalString().flatMap(LifeCycleStage.init(rawValue:))
        dataQuality = reader.optionalString()
        let supplies = reader.u16()
        electricity.reserveCapacity(supplies)
        for _ in 0..<supplies {
            let kWh = reader.decimal()
            let supply = ElectricitySupply(rawValue: reader.string()) ?? .grid
            let factor = reader.optionalDecimal()
            var certificates: [String] = []
            for _ in 0..<reader.u16() { certificates.append(reader.string()) }
            electricity.append(Electricity(kWh: kWh, supply: supply, statedFactor: factor, certificates: certificates))
        }
        let fuelCount = reader.u16()
        fuels.reserveCapacity(fuelCount)
        for _ in 0..<fuelCount {
            let name = reader.string()
            let quantity = reader.decimal()
            fuels.append(Fuel(name: name, quantity: quantity, unit: reader.string()))
        }
        directKgCO2e = reader.optionalDecimal()
        let legs = reader.u16()
        transport.reserveCapacity(legs)
        for _ in 0..<legs {
            let mode = TransportMode(rawValue: reader.string()) ?? .road
            let km = reader.decimal()
            transport.append(TransportLeg(mode: mode, km: km, tonnes: reader.decimal()))
        }
        for _ in 0..<reader.u16() {
            let lot = reader.string()
            prices[lot] = reader.decimal()
        }
        currency = reader.optionalString()
        outputs = Self.masses(&reader)
        inputs = Self.masses(&reader)
        shipped = Self.masses(&reader)
        parent = reader.optionalString()
        units = Self.masses(&reader)
        let retracted = reader.u64()
        retractedAt = retracted == 0 ? nil : retracted - 1
    }

    /// The row (``encoded``) of the activity data of an event that passed the rules: what its
    /// members declare, as ``EventActivity`` wrote it, with the rules' effects.
    ///
    /// The same bytes as the ``encoded`` row of the process record with these fields, built
    /// without the record.
    static func encoded(
        event: borrowing EPCISEvent,
        activity: EventActivity,
        sequence: UInt64,
        facility: String?,
        effects: borrowing EventEffects
    ) -> [UInt8] {
        var writer = BinaryWriter(version: version)
        writer.string(event.eventID)
        writer.u64(sequence)
        writer.string(event.type.rawValue)
        writer.optionalString(facility ?? event.location)
        writer.append(activity.encoded)
        // An event makes a few lots: a scan finds them without building a set.
        let created = effects.created.count > 8 ? Set(effects.created) : nil
        var outputs: [LotMass] = []
        for quantity in event.type == .transformationEvent ? event.outputs : event.quantities
        where created?.contains(quantity.lot) ?? effects.created.contains(quantity.lot) {
            outputs.append(LotMass(lot: quantity.lot, kg: quantity.kg))
        }
        writeEffects(
            outputs: outputs,
            inputs: effects.consumed.map { LotMass(lot: $0.lot, kg: $0.kg) },
            shipped: effects.moved.map { LotMass(lot: $0.lot, kg: $0.kg) },
            parent: effects.aggregated?.parent,
            units: effects.shippedUnits?.units.map { LotMass(lot: $0.unit, kg: $0.kg) } ?? [],
            &writer
        )
        writer.u64(0)
        return writer.bytes
    }
}
