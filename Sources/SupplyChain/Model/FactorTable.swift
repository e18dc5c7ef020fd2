import LedgerCore

/// A versioned table of emission factors, recorded in the ledger so that every calculation can be
/// reproduced from the ledger alone.
///
/// Each factor carries its source and year (or inherits the table's). Categories and units:
///
/// | category | identifies it | unit |
/// |---|---|---|
/// | `grid` | `geography` (country or grid region) and `basis` (`location`, `consumption-mix`, `residual-mix`) | `kgCO2e/kWh` |
/// | `fuel` | `name` (`natural-gas`, `diesel`, `coal`, …) | `kgCO2e/MJ`, `kgCO2e/kg`, `kgCO2e/L`, `kgCO2e/m3` |
/// | `transport` | `name` (mode: `sea`, `road`, `rail`, `air`, `inland-waterway`, `pipeline`) | `kgCO2e/tkm` |
/// | `material` | `name` (material) and optional `geography` | `kgCO2e/kg` |
public struct FactorTable: Sendable, Hashable {
    /// One factor.
    public struct Factor: Sendable, Hashable {
        /// `grid`, `fuel`, `transport` or `material`.
        public var category: String
        /// The fuel, transport mode or material.
        public var name: String?
        /// The country or grid region.
        public var geography: String?
        /// For grid factors: `location`, `consumption-mix` or `residual-mix`.
        public var basis: String?
        /// The factor, exact.
        public var value: ExactDecimal
        /// The unit, such as `kgCO2e/kWh`.
        public var unit: String
        /// Where the figure was published.
        public var source: String
        /// The year the figure applies to.
        public var year: Int
        /// The EU life-cycle stage a material default belongs to, when given.
        public var stage: String?

        /// The key the carbon engine and a custody bundle's factor operands know it by:
        /// `grid:REGION:BASIS`, `fuel:NAME:UNIT`, `transport:MODE`, `material:NAME[@CC]`.
        public var key: String {
            Self.key(category: category, name: name, geography: geography, basis: basis, unit: unit)
        }

        /// The key of a factor with these fields, as a factor table's row gives them.
        public static func key(
            category: String,
            name: String?,
            geography: String?,
            basis: String?,
            unit: String
        ) -> String {
            switch category {
            case "grid": "grid:\(geography ?? ""):\(basis ?? "location")"
            case "fuel": "fuel:\(name ?? ""):\(unit.replacing("kgCO2e/", with: ""))"
            case "material": "material:\(name ?? "")" + (geography.map { "@" + $0 } ?? "")
            default: "\(category):\(name ?? "")"
            }
        }
    }

    /// The table's identifier.
    public var id: String
    /// Its version: a new version of a table is a new entry; old versions stay readable.
    public var version: Int
    /// The table's main source.
    public var source: String
    /// The table's reference year.
    public var year: Int
    /// The factors.
    public var factors: [Factor]
    /// The sequence number of the entry that recorded this version, when read from the ledger.
    public var recordedAt: UInt64?

    static let categories: [String: [String]] = [
        "grid": ["kgCO2e/kWh"],
        "fuel": ["kgCO2e/MJ", "kgCO2e/kg", "kgCO2e/L", "kgCO2e/m3"],
        "transport": ["kgCO2e/tkm"],
        "material": ["kgCO2e/kg"],
    ]
    /// The bases a grid factor may have.
    public static let gridBases = ["location", "consumption-mix", "residual-mix"]

    var json: JSONValue {
        .object([
            "id": .string(id), "version": .number(Double(version)), "source": .string(source),
            "year": .number(Double(year)),
            "factors": .array(
                factors.map { factor in
                    var members: [String: JSONValue] = [
                        "category": .string(factor.category), "value": .string(factor.value.description),
                        "unit": .string(factor.unit), "source": .string(factor.source),
                        "year": .number(Double(factor.year)),
                    ]
                    if let name = factor.name { members["name"] = .string(name) }
                    if let geography = factor.geography { members["geography"] = .string(geography) }
                    if let basis = factor.basis { members["basis"] = .string(basis) }
                    if let stage = factor.stage { members["stage"] = .string(stage) }
                    return .object(members)
                }
            ),
        ])
    }

    /// The members a table has, and those a factor has.
    static let tableMembers: Set<String> = ["id", "version", "source", "year", "factors"]
    static let factorMembers: Set<String> = [
        "category", "name", "geography", "basis", "value", "unit", "year", "source", "stage",
    ]

    /// The largest factor a table may give, in kg CO2e a unit: above any material's or fuel's, and
    /// small enough that a footprint computed with it stays a finite number.
    static let largestValue = ExactDecimal(significand: 1, exponent: 6)
    /// The smallest factor other than zero a table may give.
    static let smallestValue = ExactDecimal(significand: 1, exponent: -9)

    /// Checks what a table submitted now must satisfy beyond what ``read(_:sink:)`` checks.
    ///
    /// No member the table or a factor does not have (a misspelt member would be dropped, and the
    /// factor recorded without it), values within ``smallestValue``…``largestValue``, and sources
    /// without control characters (`factors list` and `footprint` print them a line at a time).
    /// Tables the ledger already holds are read without it.
    static func checkAsNewInput(_ json: JSONValue, sink: ProblemSink) {
        func unknown(_ object: JSONObject, known: Set<String>, at base: String) {
            for (key, _) in object where !known.contains(key) {
                sink.add(
                    field: base + "/" + FieldReader.escaped(key),
                    "is not a member of a factor\(base.isEmpty ? " table" : ""): it would be dropped"
                        + EventVocabulary.suggestion(key, known)
                )
            }
        }
        guard let table = json.objectValue else { return }
        unknown(table, known: tableMembers, at: "")
        if let source = table["source"]?.stringValue, let problem = PrintedText.problem(source) {
            sink.add(field: "/source", problem)
        }
        let factors = table["factors"]?.arrayValue
        if factors?.isEmpty == true {
            sink.add(
                field: "/factors",
                "is empty: a table version adds its factors to those in force, and one with none changes nothing"
            )
        }
        for (index, factor) in (factors ?? []).enumerated() {
            guard let members = factor.objectValue else { continue }
            unknown(members, known: factorMembers, at: "/factors/\(index)")
            // Both printed on the factor's line of `footprint`.
            for field in ["source", "name"] {
                if let text = members[field]?.stringValue, let problem = PrintedText.problem(text) {
                    sink.add(field: "/factors/\(index)/\(field)", problem)
                }
            }
            if let geography = members["geography"]?.stringValue, let problem = geographyProblem(geography) {
                sink.add(field: "/factors/\(index)/geography", problem)
            }
            let reader = FieldReader(factor, path: "/factors/\(index)", problems: ProblemSink())
            guard let value = reader.decimal("value"), !value.isNegative else { continue }
            if value > largestValue {
                sink.add(
                    field: "/factors/\(index)/value",
                    "is more than 10^6 kg CO2e a unit, above any material's or fuel's: check the value and its unit"
                )
            } else if value.isPositive, value < smallestValue {
                sink.add(
                    field: "/factors/\(index)/value",
                    "is below 10^-9 kg CO2e a unit: write 0 for none, or check the value and its unit"
                )
            }
        }
    }

    /// Why a new factor's `geography` would apply to no facility, or `nil`.
    ///
    /// A factor is looked up by a facility's grid region, subdivision and country exactly as
    /// written, and countries and subdivisions are recorded in capitals: `cn-sc` or `Cn` would
    /// match none. A two-letter code ISO 3166-1 has not assigned (`UK`) matches no facility either,
    /// since a new facility's country must be assigned. Other names are grid regions, which are
    /// the operator's to name.
    static func geographyProblem(_ geography: String) -> String? {
        let upper = geography.uppercased()
        let country = String(upper.prefix(2))
        if upper != geography, Country.isAssigned(country) {
            if upper.count == 2 {
                return "country codes are written in capitals, as facilities record them: \(upper)"
            }
            if upper.hasPrefix(country + "-"), Subdivision.problem(upper, of: country) == nil {
                return "subdivision codes are written in capitals, as facilities record them: \(upper)"
            }
        }
        if let problem = Country.problem(assigning: geography) {
            return problem + "; a factor for it would apply to no facility"
        }
        return nil
    }

    /// Reads and checks a table; problems name the factor by pointer.
    static func read(_ json: JSONValue, sink: ProblemSink) -> FactorTable? {
        let reader = FieldReader(json, problems: sink)
        let id = reader.string("id", maxLength: 128)
        if let id, !Identifier.isValid(id) { reader.fail("id", "must be \(Identifier.rule)") }
        var version = reader["version"]?.doubleValue
        if let value = version, value < 1 || value != value.rounded() || value > 1e9 { version = nil }
        if version == nil { reader.fail("version", "must be a whole number ≥ 1") }
        let source = reader.string("source")
        var year = reader["year"]?.doubleValue
        if let value = year, !(1990...2100).contains(value) || value != value.rounded() { year = nil }
        if year == nil { reader.fail("year", "must be a year between 1990 and 2100") }
        var factors: [Factor] = []
        var seen: Set<String> = []
        for element in reader.array("factors", required: true) ?? [] {
            // What does not depend on the category is checked whatever it is, so that a factor
            // wrong in several members is reported for each.
            let category = element.string("category")
            let units = category.flatMap { categories[$0] }
            if category != nil, units == nil {
                element.fail("category", "must be one of \(categories.keys.sorted().joined(separator: ", "))")
            }
            let value = element.decimal("value")
            if let value, value.isNegative { element.fail("value", "must not be negative") }
            let unit = element.string("unit")
            var factorYear = year.flatMap { (1990...2100).contains($0) ? Int($0) : nil }
            if let given = element["year"] {
                if let value = given.doubleValue, (1990...2100).contains(value), value == value.rounded() {
                    factorYear = Int(value)
                } else {
                    element.fail("year", "must be a year between 1990 and 2100")
                    factorYear = nil
                }
            }
            if element["source"] != nil, element["source"]?.stringValue?.isEmpty != false {
                element.fail("source", "must be a non-empty string")
            }
            if let stage = element["stage"]?.stringValue, LifeCycleStage(rawValue: stage) == nil {
                element.fail(
                    "stage",
                    "must be one of \(LifeCycleStage.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let factorSource = element["source"]?.stringValue ?? source
            if factorSource == nil { element.fail("source", "is required (here or on the table)") }
            guard let category, let units else { continue }
            let name = element.string("name", required: category != "grid", maxLength: 128)
            let geography = element.string("geography", required: category == "grid", maxLength: 64)
            // Fuel and transport factors apply everywhere: a geography would be read by nothing, and
            // two fuels differing only by it would silently replace each other.
            if category == "fuel" || category == "transport", geography != nil {
                element.fail("geography", "a \(category) factor applies everywhere: give no geography")
            }
            let basis = element.string("basis", required: false)
            if category == "grid", let basis, !gridBases.contains(basis) {
                element.fail("basis", "must be one of \(gridBases.joined(separator: ", "))")
            }
            if let unit, !units.contains(unit) {
                element.fail("unit", "a \(category) factor is in \(units.joined(separator: " or "))")
            }
            let stage = element.string("stage", required: false)
            let effectiveBasis = category == "grid" ? (basis ?? "location") : basis
            let identity = [category, name ?? "", geography ?? "", effectiveBasis ?? ""].joined(separator: "|")
            if !seen.insert(identity).inserted {
                element.fail("name", "the table already has a \(category) factor for this name and geography")
            }
            if let value, let unit, let factorYear, let factorSource {
                factors.append(
                    Factor(
                        category: category,
                        name: name,
                        geography: geography,
                        basis: category == "grid" ? (basis ?? "location") : basis,
                        value: value,
                        unit: unit,
                        source: factorSource,
                        year: factorYear,
                        stage: stage
                    )
                )
            }
        }
        guard sink.isEmpty, let id, let version, let source, let year else { return nil }
        return FactorTable(
            id: id,
            version: Int(version),
            source: source,
            year: Int(year),
            factors: factors,
            recordedAt: json["recordedAt"]?.doubleValue.map { UInt64($0) }
        )
    }
}
