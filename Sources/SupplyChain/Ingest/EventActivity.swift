import LedgerCore

/// What an event's CellTrace activity members (`ct:lifeCycleStage`, `ct:dataQuality`,
/// `ct:electricity`, `ct:fuels`, `ct:directEmissions`, `ct:transport`, `ct:coProductPrices`,
/// `ct:yield`) say, read and checked once, without the ledger.
///
/// A submission's events are read on the workers, which find each event's activity there; the
/// rules, which take the events one after another on the calling thread, then only report the
/// problems found, check the certificates claimed against the ledger, and add their effects to
/// the process record. An event read elsewhere (an index rebuild) has its activity read by the
/// rules.
final class EventActivity: Sendable {
    /// A problem of the members, or a certificate the event claims, in the order the rules report them.
    enum Check: Sendable {
        /// A problem of a member, named by its JSON pointer.
        case problem(field: String, message: String)
        /// A certificate id claimed for a supply of electricity, at `path`: claimed twice in the
        /// event or already in the ledger is a problem the rules report here.
        case certificate(path: String, id: String)
    }

    /// The problems and claimed certificates, in document order.
    let checks: [Check]
    /// The members' activity data as a process row holds it (``ProcessData/writeActivity(_:)``);
    /// a member that does not read is left out (``checks`` names it).
    let encoded: [UInt8]
    /// Whether the event carries activity data (electricity, fuels, direct emissions or
    /// transport), and so has a process row.
    let hasActivityData: Bool

    /// Reads and checks the activity members of an event that read cleanly.
    init(_ event: EPCISEvent) {
        checks = Self.checks(of: event)
        let process = Self.process(of: event)
        var writer = BinaryWriter()
        process.writeActivity(&writer)
        encoded = writer.bytes
        hasActivityData = process.hasActivityData
    }

    /// The problems of the activity members, and the certificates they claim, in order.
    private static func checks(of event: EPCISEvent) -> [Check] {
        let sink = ProblemSink()
        var checks: [Check] = []
        var reported = 0
        // Moves the problems found so far into the checks, before a certificate.
        func flush() {
            for problem in sink.problems[reported...] {
                checks.append(.problem(field: problem.field, message: problem.message))
            }
            reported = sink.count
        }
        if let stage = event.ext("lifeCycleStage") {
            if LifeCycleStage(rawValue: stage.stringValue ?? "") == nil {
                sink.add(
                    field: event.extPointer("lifeCycleStage"),
                    "must be one of \(LifeCycleStage.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        if let quality = event.ext("dataQuality"), quality.stringValue != "primary", quality.stringValue != "secondary"
        {
            sink.add(field: event.extPointer("dataQuality"), "must be primary or secondary")
        }
        if let electricity = event.ext("electricity") {
            let base = event.extPointer("electricity")
            for (index, supply) in (electricity.arrayValue ?? [electricity]).enumerated() {
                let reader = FieldReader(supply, parent: base, index: index, problems: sink)
                guard supply.objectValue != nil else {
                    sink.add(field: reader.path, "an electricity supply is an object {quantity, uom, supply}")
                    continue
                }
                if let quantity = reader.decimal("quantity"), let uom = reader.string("uom") {
                    if !quantity.isPositive { reader.fail("quantity", "must be greater than zero") }
                    if MeasureDimension.electricity.toBase(quantity, code: uom) == nil {
                        reader.fail("uom", "electricity is in \(MeasureDimension.electricity.acceptedCodes)")
                    }
                }
                if let kind = reader.string("supply"), ElectricitySupply(rawValue: kind) == nil {
                    let kinds = ElectricitySupply.allCases.map(\.rawValue)
                    reader.fail("supply", "must be one of \(kinds.joined(separator: ", "))")
                }
                if let factor = reader.decimal("kgCO2ePerKWh", required: false), factor.isNegative {
                    reader.fail("kgCO2ePerKWh", "must not be negative")
                }
                for certificate in reader.array("certificates") ?? [] {
                    guard let id = certificate.value.stringValue, !id.isEmpty else {
                        sink.add(field: certificate.path, "a certificate id is a non-empty string")
                        continue
                    }
                    // Checked against the ledger by the rules, after the problems found before it.
                    flush()
                    checks.append(.certificate(path: certificate.path, id: id))
                }
            }
        }
        if let fuels = event.ext("fuels") {
            for (index, fuel) in (fuels.arrayValue ?? [fuels]).enumerated() {
                let reader = FieldReader(fuel, path: event.extPointer("fuels") + "/\(index)", problems: sink)
                _ = reader.string("fuel")
                if let quantity = reader.decimal("quantity"), let uom = reader.string("uom") {
                    if !quantity.isPositive { reader.fail("quantity", "must be greater than zero") }
                    let fits = [MeasureDimension.energy, .mass, .volume].contains {
                        $0.toBase(quantity, code: uom) != nil
                    }
                    if !fits { reader.fail("uom", "a fuel is an energy, mass or volume unit (3B, KGM, LTR, MTQ, …)") }
                }
            }
        }
        if let emissions = event.ext("directEmissions") {
            let reader = FieldReader(emissions, path: event.extPointer("directEmissions"), problems: sink)
            if let kg = reader.decimal("kgCO2e"), kg.isNegative { reader.fail("kgCO2e", "must not be negative") }
        }
        if let legs = event.ext("transport") {
            for (index, leg) in (legs.arrayValue ?? [legs]).enumerated() {
                let reader = FieldReader(leg, path: event.extPointer("transport") + "/\(index)", problems: sink)
                let modes = TransportMode.allCases.map(\.rawValue)
                if let mode = reader.string("mode"), !modes.contains(mode) {
                    reader.fail("mode", "must be one of \(modes.joined(separator: ", "))")
                }
                if let distance = reader.decimal("distance"), let uom = reader.string("distanceUom") {
                    if !distance.isPositive { reader.fail("distance", "must be greater than zero") }
                    if MeasureDimension.distance.toBase(distance, code: uom) == nil {
                        reader.fail("distanceUom", "must be one of \(MeasureDimension.distance.acceptedCodes)")
                    }
                }
                if let mass = reader.decimal("mass"), let uom = reader.string("massUom") {
                    if !mass.isPositive { reader.fail("mass", "must be greater than zero") }
                    if MeasureDimension.mass.toBase(mass, code: uom) == nil {
                        reader.fail("massUom", "must be one of \(MeasureDimension.mass.acceptedCodes)")
                    }
                }
            }
        }
        if let prices = event.ext("coProductPrices") {
            for (index, price) in (prices.arrayValue ?? [prices]).enumerated() {
                let reader = FieldReader(price, path: event.extPointer("coProductPrices") + "/\(index)", problems: sink)
                if let lot = reader.string("epcClass"), !event.outputs.contains(where: { $0.lot == lot }) {
                    reader.fail("epcClass", "\(lot) is not an output of this event")
                }
                if let value = reader.decimal("pricePerKg"), !value.isPositive {
                    reader.fail("pricePerKg", "must be greater than zero")
                }
                _ = reader.string("currency")
            }
        }
        if let declared = event.ext("yield") {
            let pointer = event.extPointer("yield")
            // The member found already, read at the event's top level: `/ct:yield` in its problems.
            let reader = FieldReader(.null, problems: sink)
            if let value = reader.decimal(String(pointer.dropFirst()), member: declared),
                !value.isPositive || value > ExactDecimal(10)
            {
                sink.add(
                    field: pointer,
                    "a mass ratio (outputs ÷ inputs) greater than 0 and at most 10, not a percentage"
                )
            }
        }
        flush()
        return checks
    }

    /// The activity data of the members, in a process record without the rules' effects.
    private static func process(of event: EPCISEvent) -> ProcessData {
        var process = ProcessData(eventID: event.eventID, sequenceNumber: 0, eventType: event.type.rawValue)
        process.stage = event.ext("lifeCycleStage")?.stringValue.flatMap(LifeCycleStage.init(rawValue:))
        process.dataQuality = event.ext("dataQuality")?.stringValue
        let sink = ProblemSink()
        func list(_ value: JSONValue?) -> [FieldReader] {
            guard let value else { return [] }
            return (value.arrayValue ?? [value]).map { FieldReader($0, problems: sink) }
        }
        for supply in list(event.ext("electricity")) {
            guard let quantity = supply.decimal("quantity"), let uom = supply.string("uom"),
                let kWh = MeasureDimension.electricity.toBase(quantity, code: uom),
                let kind = supply.string("supply").flatMap(ElectricitySupply.init(rawValue:))
            else { continue }
            let certificates = supply["certificates"]?.arrayValue?.compactMap(\.stringValue) ?? []
            process.electricity.append(
                ProcessData.Electricity(
                    kWh: kWh,
                    supply: kind,
                    statedFactor: supply.decimal("kgCO2ePerKWh", required: false),
                    certificates: certificates
                )
            )
        }
        for fuel in list(event.ext("fuels")) {
            guard let name = fuel.string("fuel"), let quantity = fuel.decimal("quantity"), let uom = fuel.string("uom")
            else { continue }
            let units: [(MeasureDimension, String)] = [(.energy, "MJ"), (.mass, "kg"), (.volume, "L")]
            for (dimension, unit) in units {
                if let base = dimension.toBase(quantity, code: uom) {
                    process.fuels.append(ProcessData.Fuel(name: name, quantity: base, unit: unit))
                    break
                }
            }
        }
        if let emissions = event.ext("directEmissions") {
            process.directKgCO2e = FieldReader(emissions, problems: sink).decimal("kgCO2e")
        }
        for leg in list(event.ext("transport")) {
            guard let mode = leg.string("mode").flatMap(TransportMode.init(rawValue:)),
                let distance = leg.decimal("distance"), let distanceUom = leg.string("distanceUom"),
                let km = MeasureDimension.distance.toBase(distance, code: distanceUom),
                let mass = leg.decimal("mass"), let massUom = leg.string("massUom"),
                let kg = MeasureDimension.mass.toBase(mass, code: massUom),
                let tonnes = kg.divided(by: ExactDecimal(1000), fractionDigits: 12)
            else { continue }
            process.transport.append(ProcessData.TransportLeg(mode: mode, km: km, tonnes: tonnes))
        }
        for price in list(event.ext("coProductPrices")) {
            guard let lot = price.string("epcClass"), let value = price.decimal("pricePerKg") else { continue }
            process.prices[lot] = value
            process.currency = process.currency ?? price.string("currency")
        }
        return process
    }
}
