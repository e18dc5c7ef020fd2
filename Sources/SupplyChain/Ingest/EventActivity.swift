import LedgerCore

/// What an event's CellTrace activity members (`ct:lifeCycleStage`, `ct:dataQuality`,
/// `ct:electricity`, `ct:fuels`, `ct:directEmissions`, `ct:transport`, `ct:coProductPrices`,
/// `ct:yield`) say, and the master data of the lots it makes, read and checked once, without the
/// ledger.
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
    /// The index of the first electricity supply that takes a factor from the grid of the place it
    /// was used, under some electricity method (every supply but an `onsite` or `direct-line` one
    /// that states its factor); `nil` when none does.
    let gridSupply: Int?
    /// The master data of each lot the event may make, in order: its outputs (a
    /// TransformationEvent) or its quantities (an ObjectEvent ADD without `ct:serialRanges`);
    /// empty for other events.
    let masters: [LotMaster]
    /// What is accepted but likely wrong, each a JSON pointer and a message.
    ///
    /// A transport leg said to carry more than the event moves. Asked only of an event recorded now.
    let warnings: [(field: String, message: String)]

    /// The transport legs of a shipment of cells, modules or packs by id (`epcList`) recorded now:
    /// what its units weigh is known only to the rules, which weigh the legs against it
    /// (``heavyLegs(_:moved:at:)``); empty for any other event.
    let unitShipmentLegs: [ProcessData.TransportLeg]

    /// What a lot an event makes is, by the event's `ilmd` (or the `ct:lots` element for that
    /// lot), and the problems of those members.
    struct LotMaster: Sendable {
        var material: String?
        var grade: String?
        /// Mass fractions of elements.
        var content: [String: ExactDecimal]
        /// The declared country of origin; the lot's facility's country when `nil`.
        var country: String?
        /// The JSON pointer of the member that declares ``country``.
        var countryField: String?
        /// Problems of the master data, each a JSON pointer and a message, in order.
        var problems: [(field: String, message: String)]
    }

    /// Reads and checks the activity members of an event that read cleanly.
    ///
    /// - Parameters:
    ///   - event: The event read.
    ///   - scratch: Its chunk's scratch, where the master data of an `ilmd` that the chunk's
    ///     events share is read once.
    ///   - bounded: Whether the event is recorded now, when its quantities must also be ones a
    ///     real process could have (``Bounds``); a replay reads what was recorded.
    init(_ event: EPCISEvent, scratch: EventHashID.Scratch? = nil, bounded: Bool = false) {
        let (checks, process) = Self.read(event, bounded: bounded)
        self.checks = checks
        var writer = BinaryWriter()
        process.writeActivity(&writer)
        encoded = writer.bytes
        hasActivityData = process.hasActivityData
        // Read in place: a supply copied out would retain its certificates and factor.
        gridSupply = process.electricity.withUnsafeBufferPointer { supplies in
            supplies.indices.first {
                !((supplies[$0].supply == .onsite || supplies[$0].supply == .directLine)
                    && supplies[$0].statedFactor != nil)
            }
        }
        masters = event.lotsMade.map { Self.master(for: $0, of: event, scratch: scratch, bounded: bounded) }
        let shipsUnits = event.bizStep == "shipping" && event.action != "ADD" && !event.epcList.isEmpty
        warnings =
            bounded && !shipsUnits && !process.transport.isEmpty ? Self.heavyLegs(process.transport, of: event) : []
        unitShipmentLegs = bounded && shipsUnits ? process.transport : []
    }

    /// Whether `value` is a yield a process may declare (`ct:yield`): a mass ratio, outputs ÷
    /// inputs, greater than 0 and at most 10.
    static func isYield(_ value: ExactDecimal) -> Bool { value.isPositive && value <= ExactDecimal(10) }

    /// The transport legs said to carry a tenth more than the event moves.
    ///
    /// What it moves is its quantities, inputs or outputs, whichever weigh most. A leg's emissions
    /// fall wholly on the lots of its event (CARBON-METHOD §5), so a leg given the mass of a whole
    /// vessel's cargo would count the vessel's emissions against them.
    private static func heavyLegs(
        _ legs: [ProcessData.TransportLeg],
        of event: EPCISEvent
    ) -> [(field: String, message: String)] {
        let moved =
            [event.quantities, event.inputs, event.outputs].map { list in
                list.reduce(ExactDecimal.zero) { total, quantity in total.adding(quantity.kg) ?? total }
            }.max() ?? .zero
        return heavyLegs(legs, moved: moved, at: event.extPointer("transport"))
    }

    /// The transport legs said to carry a tenth more than `moved` kilograms, each with a problem
    /// at its `mass` under `pointer` (the event's `ct:transport`).
    ///
    /// `what` names what the leg's emissions count against in the message: `lots` for a shipment
    /// of lots, `units` for a shipment of cells, modules or packs by id, whose leg is shared among
    /// its units by their mass (one that moves lots beside them records no transport).
    static func heavyLegs(
        _ legs: [ProcessData.TransportLeg],
        moved: ExactDecimal,
        at pointer: String,
        what: String = "lots"
    ) -> [(field: String, message: String)] {
        guard moved.isPositive, let allowed = moved.multiplied(by: ExactDecimal(significand: 11, exponent: -1))
        else { return [] }
        var found: [(field: String, message: String)] = []
        for (index, leg) in legs.enumerated() {
            guard let kg = leg.tonnes.multiplied(by: ExactDecimal(1000)), kg > allowed else { continue }
            found.append(
                (
                    pointer + "/\(index)/mass",
                    "the leg carries \(leg.tonnes) t, more than the \(moved.multiplied(by: kilogramInTonnes) ?? moved) t "
                        + "this event moves: its whole emissions count against this event's \(what); "
                        + "give the mass they take up, not the vehicle's whole load"
                )
            )
        }
        return found
    }

    /// The master data of a lot the event makes, read once for the events that share an `ilmd`
    /// describing all their lots alike (no per-lot `ct:lots`).
    private static func master(
        for quantity: LotQuantity,
        of event: EPCISEvent,
        scratch: EventHashID.Scratch?,
        bounded: Bool
    ) -> LotMaster {
        guard let scratch, let address = event.ilmd?.storageAddress, event.ilmdExtensions.value("lots") == nil,
            let shared = scratch.sharedILMD[address], shared.namespaces.isSame(as: event.namespaces)
        else { return master(for: quantity, of: event, bounded: bounded) }
        if let master = shared.master { return master }
        let master = master(for: quantity, of: event, bounded: bounded)
        scratch.sharedILMD[address]?.master = master
        return master
    }

    /// What is wrong with the spelling of a certificate id claimed now, or `nil`.
    ///
    /// The ledger keeps each claim by the id's text (`sc.claims`), so a second spelling of one
    /// certificate would be a second claim: a space or control character (`"GO-1 "`), an invisible
    /// or combining character, or a URI's scheme, URN namespace or web host in upper case
    /// (`URN:GO:…` is `urn:go:…`, RFC 8141).
    static func certificateSpelling(_ id: String) -> String? {
        let claim = "; the ledger counts each certificate once by its id's text, so it would be a claim apart from "
        if IdentifierText.hasSpaceOrControl(id) {
            return "a certificate id holds no space or control character\(claim)the id without it"
        }
        if let scalar = IdentifierText.lookalikeScalar(id) {
            return "a certificate id holds no invisible formatting character or combining mark "
                + "(\(IdentifierText.codePoint(scalar)))\(claim)the id that prints alike"
        }
        if let lower = IdentifierText.lowerCaseForm(id) {
            return IdentifierText.lowerCaseProblem(id, lower)
        }
        return nil
    }

    /// The most elements one of an event's lists may hold — its quantity lists, electricity
    /// supplies and their certificates, fuels, transport legs and co-product prices: the binary
    /// rows that keep them (``ProcessData``, ``LotCard``) count them in 16 bits.
    static let maxListed = 65_535

    /// The problem of a list of `count` elements, more than ``maxListed``.
    static func tooLong(_ count: Int) -> String {
        "lists \(count) elements; an event lists at most 65,535: split it into several events"
    }

    /// The problems of the activity members and the certificates they claim, in order, and the
    /// activity data they give (a process record without the rules' effects), read in one pass:
    /// each member is looked up, converted and checked once.
    ///
    /// An electricity supply, fuel, transport leg or price enters the process record when the
    /// fields it needs read, whether or not another of its fields has a problem: an event with a
    /// problem is refused, so its record is never written.
    private static func read(_ event: EPCISEvent, bounded: Bool) -> (checks: [Check], process: ProcessData) {
        var process = ProcessData(eventID: event.eventID, sequenceNumber: 0, eventType: event.type.rawValue)
        let sink = ProblemSink()
        // New input: a list longer than the activity record's 16-bit counts hold is refused.
        func checkLength(_ list: JSONValue, _ pointer: String) {
            guard bounded, let count = list.arrayValue?.count, count > maxListed else { return }
            sink.add(field: pointer, Self.tooLong(count))
        }
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
            process.stage = stage.stringValue.flatMap(LifeCycleStage.init(rawValue:))
            if process.stage == nil {
                sink.add(
                    field: event.extPointer("lifeCycleStage"),
                    "must be one of \(LifeCycleStage.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        if let quality = event.ext("dataQuality") {
            process.dataQuality = quality.stringValue
            if quality.stringValue != "primary", quality.stringValue != "secondary" {
                sink.add(field: event.extPointer("dataQuality"), "must be primary or secondary")
            }
        }
        if let electricity = event.ext("electricity") {
            let base = event.extPointer("electricity")
            checkLength(electricity, base)
            for (index, supply) in (electricity.arrayValue ?? [electricity]).enumerated() {
                let reader = FieldReader(supply, parent: base, index: index, problems: sink)
                guard supply.objectValue != nil else {
                    sink.add(field: reader.path, "an electricity supply is an object {quantity, uom, supply}")
                    continue
                }
                let kWh = reader.measure(
                    "quantity",
                    unit: "uom",
                    of: .electricity,
                    unitProblem: "electricity is in \(MeasureDimension.electricity.acceptedCodes)"
                )
                if bounded, let kWh, kWh > Bounds.kWh {
                    reader.fail("quantity", "is more than 10^12 kWh for one event: check the quantity and its uom")
                }
                let kind = reader.choice("supply", of: ElectricitySupply.self)
                let factor = reader.decimal("kgCO2ePerKWh", required: false)
                if let factor, factor.isNegative {
                    reader.fail("kgCO2ePerKWh", "must not be negative")
                } else if bounded, let factor, factor > Bounds.kgCO2ePerKWh {
                    reader.fail("kgCO2ePerKWh", ElectricitySupply.statedFactorTooLarge)
                }
                var certificates: [String] = []
                if let listed = supply["certificates"] { checkLength(listed, reader.path + "/certificates") }
                for certificate in reader.array("certificates") ?? [] {
                    if let id = certificate.value.stringValue { certificates.append(id) }
                    guard let id = certificate.value.stringValue, !id.isEmpty else {
                        sink.add(field: certificate.path, "a certificate id is a non-empty string")
                        continue
                    }
                    if bounded, let problem = Self.certificateSpelling(id) {
                        sink.add(field: certificate.path, problem)
                        continue
                    }
                    // Checked against the ledger by the rules, after the problems found before it.
                    flush()
                    checks.append(.certificate(path: certificate.path, id: id))
                }
                // Certificates count as zero under the market-based method: a supply bought as
                // certificates names them, so that each is claimed once (`sc.claims`), whether
                // or not it states a factor: one stated without them would lower the market-based
                // figure by a claim no one can count.
                if kind == .certificate, certificates.isEmpty, bounded || factor == nil {
                    reader.fail(
                        "certificates",
                        "a certificate supply names its certificates (guarantee-of-origin or I-REC ids), "
                            + "each claimed once in the ledger, with or without kgCO2ePerKWh"
                    )
                }
                // The grid's factors are the tables': a factor or certificates stated on a grid
                // supply would be read by no method, and the certificates claimed without counting.
                if bounded, kind == .grid {
                    if factor != nil {
                        reader.fail(
                            "kgCO2ePerKWh",
                            "a grid supply takes its factors from the tables (location, residual mix, consumption "
                                + "mix), so a stated factor here would be read by no method: record the contract as "
                                + "supply ppa, direct-line or onsite, or the grid's factor with celltrace factors add"
                        )
                    }
                    if !certificates.isEmpty {
                        reader.fail(
                            "certificates",
                            "a grid supply counts at the residual mix under the market-based method, so "
                                + "certificates named here would be claimed without lowering any figure: give the kWh "
                                + "they cover as a supply of their own, supply certificate"
                        )
                    }
                }
                if let kWh, let kind {
                    process.electricity.append(
                        ProcessData.Electricity(
                            kWh: kWh,
                            supply: kind,
                            statedFactor: factor,
                            certificates: certificates
                        )
                    )
                }
            }
        }
        if let fuels = event.ext("fuels") {
            checkLength(fuels, event.extPointer("fuels"))
            for (index, fuel) in (fuels.arrayValue ?? [fuels]).enumerated() {
                let reader = FieldReader(fuel, path: event.extPointer("fuels") + "/\(index)", problems: sink)
                let name = reader.string("fuel")
                // The sign and the unit checked apart, so that both are reported.
                let quantity = reader.decimal("quantity")
                let uom = reader.string("uom")
                if let quantity, !quantity.isPositive { reader.fail("quantity", "must be greater than zero") }
                if let uom {
                    let units: [(MeasureDimension, String)] = [(.energy, "MJ"), (.mass, "kg"), (.volume, "L")]
                    if let (dimension, unit) = units.first(where: { $0.0.hasUnit(uom) }) {
                        guard let quantity else { continue }
                        guard let base = dimension.toBase(quantity, code: uom) else {
                            reader.fail("quantity", "is too large to convert exactly to \(dimension.baseUnit)")
                            continue
                        }
                        if bounded, base > Bounds.fuel(unit) {
                            // Spelled out only for the message.
                            let most = unit == "MJ" ? "3.6 × 10^15 MJ (10^12 kWh)" : "10^12 \(unit)"
                            reader.fail(
                                "quantity",
                                "is more than \(most) for one event: check the quantity and its uom"
                            )
                        }
                        if let name { process.fuels.append(ProcessData.Fuel(name: name, quantity: base, unit: unit)) }
                    } else {
                        reader.fail("uom", "a fuel is an energy, mass or volume unit (3B, KGM, LTR, MTQ, …)")
                    }
                }
            }
        }
        if let emissions = event.ext("directEmissions") {
            let reader = FieldReader(emissions, path: event.extPointer("directEmissions"), problems: sink)
            process.directKgCO2e = reader.decimal("kgCO2e")
            if let kg = process.directKgCO2e, kg.isNegative { reader.fail("kgCO2e", "must not be negative") }
            if bounded, let kg = process.directKgCO2e, kg > Bounds.kg {
                reader.fail("kgCO2e", "is more than 10^12 kg CO2e (a gigatonne) for one event: check it")
            }
        }
        if let legs = event.ext("transport") {
            checkLength(legs, event.extPointer("transport"))
            for (index, leg) in (legs.arrayValue ?? [legs]).enumerated() {
                let reader = FieldReader(leg, path: event.extPointer("transport") + "/\(index)", problems: sink)
                let mode = reader.choice("mode", of: TransportMode.self)
                let km = reader.measure(
                    "distance",
                    unit: "distanceUom",
                    of: .distance,
                    unitProblem: "must be one of \(MeasureDimension.distance.acceptedCodes)"
                )
                if bounded, let km, km > Bounds.km {
                    reader.fail(
                        "distance",
                        "is more than 100000 km for one leg, twice round the Earth: check the distance and its uom"
                    )
                }
                let kg = reader.measure(
                    "mass",
                    unit: "massUom",
                    of: .mass,
                    unitProblem: "must be one of \(MeasureDimension.mass.acceptedCodes)"
                )
                if bounded, let kg, kg > Bounds.kg {
                    reader.fail("mass", "is more than 10^12 kg (a billion tonnes) for one leg: check it and its uom")
                }
                // Tonnes exactly: a thousandth of the kilograms (a shift of the exponent), never rounded.
                if let mode, let km, let tonnes = kg?.multiplied(by: Self.kilogramInTonnes) {
                    if km.multiplied(by: tonnes) == nil {
                        reader.fail("distance", "distance × mass is too large to compute exactly")
                    }
                    process.transport.append(ProcessData.TransportLeg(mode: mode, km: km, tonnes: tonnes))
                }
            }
        }
        if let prices = event.ext("coProductPrices") {
            checkLength(prices, event.extPointer("coProductPrices"))
            for (index, price) in (prices.arrayValue ?? [prices]).enumerated() {
                let reader = FieldReader(price, path: event.extPointer("coProductPrices") + "/\(index)", problems: sink)
                let lot = reader.string("epcClass")
                // The lots the event makes: a transformation's outputs, or what an ADD creates.
                let made =
                    event.type == .transformationEvent ? event.outputs : event.action == "ADD" ? event.quantities : []
                if let lot, !made.contains(where: { $0.lot == lot }) {
                    reader.fail("epcClass", "\(lot) is not an output of this event")
                }
                let value = reader.decimal("pricePerKg")
                if let value, !value.isPositive {
                    reader.fail("pricePerKg", "must be greater than zero")
                }
                let currency = reader.string("currency")
                // Prices are compared with each other (the ratio that decides economic allocation):
                // in one currency only.
                if let currency, let first = process.currency, currency != first {
                    reader.fail("currency", "the co-product prices of one event are in one currency (\(first) before)")
                }
                if let lot, let value {
                    process.prices[lot] = value
                    process.currency = process.currency ?? currency
                }
            }
        }
        if let declared = event.ext("yield") {
            let pointer = event.extPointer("yield")
            // The member found already, read at the event's top level: `/ct:yield` in its problems.
            let reader = FieldReader(.null, problems: sink)
            if let value = reader.decimal(event.extKey("yield"), member: declared), !Self.isYield(value) {
                sink.add(
                    field: pointer,
                    "a mass ratio (outputs ÷ inputs) greater than 0 and at most 10, not a percentage"
                )
            }
        }
        flush()
        return (checks, process)
    }

    /// The most a process recorded now may report: beyond these a quantity is a wrong unit or a
    /// slip (a grid factor in g/kWh given as kg/kWh, metres given as kilometres), and it would reach
    /// the footprints as a number no real process gives.
    enum Bounds {
        /// A billion tonnes: the most one lot (``EventVocabulary``), leg or event's direct
        /// emissions may weigh.
        static let kg = ExactDecimal(significand: 1, exponent: 12)
        /// 10^12 kWh, a thousand TWh, more than most countries use in a year.
        static let kWh = ExactDecimal(significand: 1, exponent: 12)
        /// 3 kg CO2e a kWh (``ElectricitySupply/largestStatedFactor``).
        static let kgCO2ePerKWh = ExactDecimal(significand: 3, exponent: 0)
        /// 100,000 km, twice round the Earth, for one transport leg.
        static let km = ExactDecimal(significand: 1, exponent: 5)
        /// A fuel's most in its base unit: 3.6 × 10^15 MJ (10^12 kWh), 10^12 kg or 10^12 L.
        static func fuel(_ unit: String) -> ExactDecimal {
            unit == "MJ" ? ExactDecimal(significand: 36, exponent: 14) : ExactDecimal(significand: 1, exponent: 12)
        }
        /// A microgram: the least a lot quantity or a cell may weigh.
        static let leastKg = ExactDecimal(significand: 1, exponent: -9)
        /// The power of ten of the finest part of a kilogram a mass is given to: masses within
        /// 10^-15 and 10^12 kg have at most 27 digits, so that the balances, which add and subtract
        /// them exactly in 36, neither overflow nor round.
        static let finestKgExponent = -15

        /// What is wrong with a positive mass of new input finer than the ledger keeps, or `nil`.
        static func tooFine(_ kg: ExactDecimal) -> String? {
            // A positive mass whose last digit is a microgram or coarser, as nearly all are.
            if kg.exponent >= -9 { return nil }
            if kg < leastKg {
                return "weighs less than a microgram (10^-9 kg): check the quantity and its uom"
            }
            if kg.exponent < finestKgExponent {
                return "is \(kg) kg, given finer than the 10^-15 kg to which the ledger keeps masses exact: round it"
            }
            return nil
        }
    }

    /// The UTF-8 of the suffix that marks a country-of-origin member of master data.
    private static let countrySuffix = Array("countryOfOrigin".utf8)

    /// A kilogram in tonnes, by which a leg's mass is multiplied exactly.
    private static let kilogramInTonnes = ExactDecimal(significand: 1, exponent: -3)

    /// Whether a key's UTF-8 ends in ``countrySuffix``, compared in place.
    static func endsInCountrySuffix(_ key: String) -> Bool {
        key.withUTF8Bytes { bytes in
            bytes.count >= countrySuffix.count
                && bytes[(bytes.count - countrySuffix.count)...].elementsEqual(countrySuffix)
        }
    }

    /// Master data for a lot made by `event`: the `ilmd` of the event, or its `ct:lots` element for
    /// that lot when an event makes several materials.
    static func master(for quantity: LotQuantity, of event: EPCISEvent, bounded: Bool = false) -> LotMaster {
        let sink = ProblemSink()
        func problems() -> [(field: String, message: String)] {
            sink.problems.map { ($0.field, $0.message) }
        }
        guard let ilmd = event.ilmd else {
            sink.add(field: "/ilmd", "is required for new lots: at least ct:material")
            return LotMaster(
                material: nil,
                grade: nil,
                content: [:],
                country: nil,
                countryField: nil,
                problems: problems()
            )
        }
        var source = ilmd
        var base = "/ilmd"
        var extensions = event.ilmdExtensions
        if let perLot = extensions.value("lots")?.arrayValue,
            let index = perLot.firstIndex(where: { $0["epcClass"]?.stringValue == quantity.lot })
        {
            source = perLot[index]
            base = "/ilmd/" + FieldReader.escaped(extensions.spelledKey("lots")) + "/\(index)"
            extensions = EPCISEvent.extensionMembers(of: source, namespaces: event.namespaces)
        }
        let members = source.objectValue
        func field(_ name: String) -> JSONValue? {
            members?[name] ?? extensions.value(name)
        }
        /// The pointer of a CellTrace member as the event spells it (a prefix of its own, a full IRI).
        func memberPointer(_ name: String) -> String {
            base + "/" + FieldReader.escaped(extensions.spelledKey(name))
        }
        let material = field("material")?.stringValue
        let validMaterial = material.map { name in
            !name.isEmpty && name.utf8.count <= 64
                && name.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d }
        }
        if validMaterial != true {
            sink.add(
                field: memberPointer("material"),
                "each new lot needs a material: lower-case letters, digits and '-'"
            )
        }
        var content: [String: ExactDecimal] = [:]
        if let declared = field("elementContent") {
            var total = ExactDecimal.zero
            var inexact = false
            for (element, value) in declared.objectValue ?? [:] {
                // Spelled only for a problem.
                func pointer() -> String { memberPointer("elementContent") + "/" + FieldReader.escaped(element) }
                guard declarableElements.contains(element) else {
                    sink.add(
                        field: pointer(),
                        "unknown element; use \(declarableElements.sorted().joined(separator: ", "))"
                    )
                    continue
                }
                guard let text = value.stringValue ?? value.doubleValue.map(JSONValue.canonicalNumber) else {
                    sink.add(field: pointer(), "a mass fraction between 0 and 1")
                    continue
                }
                guard let fraction = ExactDecimal(text) else {
                    sink.add(
                        field: pointer(),
                        "\(text) is no decimal the ledger holds exactly (at most 36 significant digits, an exponent "
                            + "within ±10,000): give the mass fraction to fewer digits"
                    )
                    continue
                }
                guard !fraction.isNegative, fraction <= .one else {
                    sink.add(field: pointer(), "a mass fraction between 0 and 1")
                    continue
                }
                content[element] = fraction
                if let sum = total.adding(fraction) { total = sum } else { inexact = true }
            }
            if total > .one {
                sink.add(field: memberPointer("elementContent"), "mass fractions add up to more than 1")
            } else if inexact, bounded {
                // Recorded now only: an entry recorded before this check replays as it was.
                sink.add(
                    field: memberPointer("elementContent"),
                    "the mass fractions need more than 36 digits between them to be added exactly, so whether they "
                        + "add up to more than 1 cannot be told: give them to fewer decimals"
                )
            }
        }
        var country: String?
        var countryField: String?
        // Bytes first: a key whose UTF-8 does not end in the ASCII suffix cannot end in it as
        // characters, and most keys do not.
        for (key, value) in members ?? [:]
        where Self.endsInCountrySuffix(key) && key.hasSuffix("countryOfOrigin") {
            guard let code = value.stringValue, Country.isValid(code) else {
                sink.add(field: base + "/" + FieldReader.escaped(key), "an ISO 3166-1 alpha-2 code such as AU, CL, CN")
                continue
            }
            country = code
            countryField = base + "/" + FieldReader.escaped(key)
        }
        return LotMaster(
            material: material,
            grade: field("grade")?.stringValue,
            content: content,
            country: country,
            countryField: countryField,
            problems: problems()
        )
    }
}
