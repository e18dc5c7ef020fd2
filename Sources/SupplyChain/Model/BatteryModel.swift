import LedgerCore

/// A battery model's parameters for the EU functional unit: the energy a battery delivers over
/// its service life (Annex II; draft delegated act: usable energy × equivalent full cycles per
/// year × service years).
///
/// Recorded as a `model.register` entry, so that a per-lifetime-kWh figure can be recomputed from
/// the ledger alone. A commissioning event names the model of its cells with `ct:batteryModel`.
public struct BatteryModel: Sendable, Hashable {
    /// The model's identifier, as `ct:batteryModel` names it.
    public var id: String
    /// A readable name.
    public var name: String?
    /// The cell chemistry (`NMC811`, `LFP`, …), when given.
    public var chemistry: String?
    /// The vehicle category (`M1`, `N1`, `L`, `M2`, `M3`, `N2`, `N3`) or `industrial`.
    public var category: String?
    /// Equivalent full cycles per year.
    public var cyclesPerYear: ExactDecimal
    /// Expected service life in years (the warranty, per the draft delegated act).
    public var serviceYears: ExactDecimal
    /// Usable energy at beginning of life as a share of nominal energy (0 < share ≤ 1).
    public var usableEnergyShare: ExactDecimal
    /// The sequence number of the registering entry.
    public var registeredAt: UInt64

    /// Equivalent full cycles per year by vehicle category (draft delegated act on the EV
    /// carbon-footprint methodology).
    public static let defaultCycles: [String: Int] = [
        "M1": 60, "N1": 60, "L": 20, "M2": 250, "M3": 250, "N2": 250, "N3": 250,
    ]
    /// Accepted categories.
    public static let categories = ["M1", "N1", "L", "M2", "M3", "N2", "N3", "industrial"]

    /// Equivalent full cycles over the service life.
    public var lifetimeCycles: ExactDecimal { cyclesPerYear.multiplied(by: serviceYears) ?? .zero }

    /// The usable energy of a cell of `nominalKWh` at beginning of life.
    public func usableKWh(nominal nominalKWh: Double) -> Double { nominalKWh * usableEnergyShare.doubleValue }

    /// The functional unit: the kWh a cell of `nominalKWh` delivers over its service life, its
    /// usable energy times the lifetime cycles.
    public func lifetimeKWh(nominal nominalKWh: Double) -> Double {
        usableKWh(nominal: nominalKWh) * lifetimeCycles.doubleValue
    }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "cyclesPerYear": .string(cyclesPerYear.description),
            "serviceYears": .string(serviceYears.description),
            "usableEnergyShare": .string(usableEnergyShare.description),
        ]
        if let name { members["name"] = .string(name) }
        if let chemistry { members["chemistry"] = .string(chemistry) }
        if let category { members["category"] = .string(category) }
        return .object(members)
    }

    /// Checks what a model registered now must satisfy beyond what ``read(_:sequence:sink:)``
    /// checks.
    ///
    /// A `name` and a `chemistry` that are not blank and hold no control characters
    /// (``PrintedText``; `model list` prints them a line at a time). Models already in a ledger
    /// are read without it.
    static func checkAsNewInput(_ body: JSONValue, sink: ProblemSink) {
        for field in ["name", "chemistry"] {
            // An empty one is named by the reader, as any empty text field is.
            if let text = body[field]?.stringValue, !text.isEmpty, let problem = PrintedText.givenFieldProblem(text) {
                sink.add(field: "/" + field, problem)
            }
        }
    }

    /// Reads a `model.register` body (or an index row) and checks every field.
    static func read(_ json: JSONValue, sequence: UInt64, sink: ProblemSink) -> BatteryModel? {
        let reader = FieldReader(json, problems: sink)
        let id = reader.string("id", maxLength: 128)
        if let id, !Identifier.isValid(id) { reader.fail("id", "must be \(Identifier.rule)") }
        let name = reader.string("name", required: false, maxLength: 256)
        let chemistry = reader.string("chemistry", required: false, maxLength: 64)
        let category = reader.string("category", required: false)
        if let category, !categories.contains(category) {
            reader.fail("category", "must be one of \(categories.joined(separator: ", "))")
        }
        var cycles = reader.decimal("cyclesPerYear", required: false)
        if cycles == nil, reader["cyclesPerYear"] == nil {
            if let value = category.flatMap({ defaultCycles[$0] }) {
                cycles = ExactDecimal(value)
            } else {
                reader.fail(
                    "cyclesPerYear",
                    "is required when the category has no default (M1/N1 60, L 20, M2/M3/N2/N3 250)"
                )
            }
        }
        if let value = cycles, !value.isPositive || value > ExactDecimal(10_000) {
            reader.fail("cyclesPerYear", "must be greater than 0 and at most 10000")
        }
        let years = reader.decimal("serviceYears")
        if let years, !years.isPositive || years > ExactDecimal(100) {
            reader.fail("serviceYears", "must be greater than 0 and at most 100")
        }
        let share = reader["usableEnergyShare"] == nil ? ExactDecimal.one : reader.decimal("usableEnergyShare")
        if let share, !share.isPositive || share > .one {
            reader.fail("usableEnergyShare", "must be greater than 0 and at most 1")
        }
        guard sink.isEmpty, let id, let cycles, let years, let share else { return nil }
        return BatteryModel(
            id: id,
            name: name,
            chemistry: chemistry,
            category: category,
            cyclesPerYear: cycles,
            serviceYears: years,
            usableEnergyShare: share,
            registeredAt: sequence
        )
    }
}
