import LedgerCore
import SupplyChain

/// The figures of a custody bundle that its carried entries fix, beside the operands: the inputs
/// of each lot, its material and its facility's country, the cells of an assembly, and the
/// functional unit (Docs/EXPORTS.md §1.4–1.6).
extension Recompute {
    /// The cells of the subject as the carried entries give them.
    struct SubjectCells {
        /// Cell lot → the commissioning entry of each of its cells in the subject → how many.
        var byLot: [String: [UInt64: Int]] = [:]

        /// The commissioning entries of the subject's cells, with how many cells each.
        var byEntry: [UInt64: Int] {
            byLot.values.reduce(into: [:]) { all, entries in all.merge(entries, uniquingKeysWith: +) }
        }
    }

    /// Every element of the input list of the event that made a lot must be among the lot's
    /// `inputs`, each once, so that no branch of the lineage can be left out of the trace.
    ///
    /// - Throws: ``BundleVerifier/Failure`` naming the lot and the input left out.
    func checkInputsCovered(_ lot: JSONValue, entry: UInt64, _ item: String) throws {
        let pointers = (lot["inputs"]?.arrayValue ?? []).map { $0["kg"]?["at"]?.stringValue ?? "" }
        guard Set(pointers).count == pointers.count else {
            throw fail(item, "an element of entry \(entry)'s input list is listed twice among the inputs")
        }
        let elements = bodies[entry]?["inputQuantityList"]?.arrayValue ?? []
        for (index, element) in elements.enumerated() where !pointers.contains("/inputQuantityList/\(index)/quantity") {
            let name = element["epcClass"]?.stringValue ?? "/inputQuantityList/\(index)"
            throw fail(
                item,
                "entry \(entry), which made the lot, lists input \(name) (/inputQuantityList/\(index)), which the lot's inputs leave out"
            )
        }
    }

    /// A lot's `material` must be the one the event that made it states in its ILMD, and its
    /// `country` that of its facility in the `facility.register` and `facility.amend` entries the
    /// bundle carries.
    ///
    /// - Throws: ``BundleVerifier/Failure`` naming the lot, the field and the entry.
    func checkMasterData(_ lot: JSONValue, id: String, entry: UInt64, _ item: String) throws {
        let body = bodies[entry] ?? .null
        if let material = Self.material(of: id, in: body, prefixes: prefixes(of: body)),
            lot["material"]?.stringValue != material
        {
            throw fail(
                item,
                "material \(lot["material"].map { $0.canonicalString } ?? "missing") stated, entry \(entry) makes it \(material)"
            )
        }
        guard let facility = lot["facility"]?.stringValue, !facility.isEmpty else {
            guard lot["country"] == nil else { throw fail(item, "a country is stated, but no facility") }
            return
        }
        guard let (country, registered) = facilityCountry(facility) else {
            throw fail(
                item,
                "the bundle carries no facility.register entry of \(facility), the facility that made the lot"
            )
        }
        guard lot["country"]?.stringValue == country else {
            throw fail(
                item,
                "country \(lot["country"].map { $0.canonicalString } ?? "missing") stated, facility \(facility) is in \(country ?? "no country") (entry \(registered) and its amendments)"
            )
        }
    }

    /// A facility's country as of `asOfSize`, from its `facility.register` entry and the
    /// `facility.amend` entries after it, with the register entry; `nil` when the bundle carries no
    /// register entry of the facility.
    func facilityCountry(_ facility: String) -> (country: String?, registered: UInt64)? {
        var country: String?
        var registered: UInt64?
        for (sequence, type) in types.sorted(by: { $0.key < $1.key }) where sequence < asOfSize {
            guard bodies[sequence]?["id"]?.stringValue == facility else { continue }
            if type == SupplyChainLedger.EntryType.facilityRegister {
                registered = sequence
                country = bodies[sequence]?["country"]?.stringValue
            } else if type == SupplyChainLedger.EntryType.facilityAmend, registered != nil,
                let amended = bodies[sequence]?["country"]?.stringValue
            {
                country = amended
            }
        }
        return registered.map { (country, $0) }
    }

    /// The country of origin of `lot` in the ILMD of the event that made it, as the engine reads
    /// it: a member whose name ends in `countryOfOrigin` (`cbvmda:countryOfOrigin`) of the element
    /// of `ct:lots` that names the lot, else of the ILMD itself, holding a code of two capital
    /// letters; `nil` when there is none.
    ///
    /// - Throws: ``BundleVerifier/Failure`` when the event gives the lot two countries of origin.
    func countryOfOrigin(of lot: String, entry: UInt64, _ item: String) throws -> String? {
        let body = bodies[entry] ?? .null
        guard var source = body["ilmd"] else { return nil }
        let lists = ["lots"] + prefixes(of: body).map { "\($0):lots" } + [Self.namespace + "lots"]
        if let perLot = lists.lazy.compactMap({ source[$0] }).first?.arrayValue,
            let element = perLot.first(where: { $0["epcClass"]?.stringValue == lot })
        {
            source = element
        }
        var countries: Set<String> = []
        for (key, value) in source.objectValue ?? [:] where key.hasSuffix("countryOfOrigin") {
            guard let code = value.stringValue, code.utf8.count == 2,
                code.utf8.allSatisfy({ (0x41...0x5a).contains($0) })
            else { continue }
            countries.insert(code)
        }
        guard countries.count <= 1 else {
            throw fail(item, "entry \(entry) gives the lot two countries of origin")
        }
        return countries.first
    }

    /// A `default` part's factor must be the material default the engine takes for the lot.
    ///
    /// That is `material:MATERIAL@ORIGIN` when a factor table the bundle carries, recorded before
    /// `asOfSize`, has that row, else `material:MATERIAL` (Docs/EXPORTS.md §1.5). The material is
    /// the one the lot's event states, and the origin the lot's country of origin in that event,
    /// else its facility's country.
    ///
    /// - Throws: ``BundleVerifier/Failure`` naming the factor stated and the one the entries give.
    func checkMaterialDefault(_ key: String, lot: JSONValue, id: String, entry: UInt64, _ item: String) throws {
        let body = bodies[entry] ?? .null
        guard let material = Self.material(of: id, in: body, prefixes: prefixes(of: body)) else {
            throw fail(item, "the default factor is \(key), but entry \(entry), which made the lot, states no material")
        }
        var origin = try countryOfOrigin(of: id, entry: entry, item)
        if origin == nil, let facility = lot["facility"]?.stringValue {
            origin = facilityCountry(facility)?.country ?? nil
        }
        var expected = "material:\(material)"
        if let origin, factorsInForce()[expected + "@" + origin] != nil { expected += "@" + origin }
        guard key == expected else {
            throw fail(
                item,
                "the default factor is \(key), but the lot's material \(material), of origin \(origin ?? "unknown"), takes \(expected) in the factor tables the bundle carries"
            )
        }
    }

    // MARK: Factors

    /// A row of a factor table the bundle carries.
    struct FactorRow {
        /// The `factors.table` entry.
        var entry: UInt64
        /// The row's place in the entry's `factors`.
        var index: Int
        /// The row's `value`, as the table states it.
        var value: JSONValue
    }

    /// A factor table row's key, as the engine makes it (`FactorTable.Factor.key`):
    /// `grid:GEOGRAPHY:BASIS`, `fuel:NAME:UNIT`, `material:NAME[@GEOGRAPHY]`, `CATEGORY:NAME`.
    static func factorKey(of row: JSONValue) -> String {
        FactorTable.Factor.key(
            category: row["category"]?.stringValue ?? "",
            name: row["name"]?.stringValue,
            geography: row["geography"]?.stringValue,
            basis: row["basis"]?.stringValue,
            unit: row["unit"]?.stringValue ?? ""
        )
    }

    /// The rows in force at `asOfSize`, by key, as the engine takes them (`FactorSet.inForce`):
    /// every row of every `factors.table` entry the bundle carries recorded before `asOfSize`, the
    /// row of the table recorded last winning where two give one key (and, within one table, the
    /// later row).
    func factorsInForce() -> [String: FactorRow] {
        var rows: [String: FactorRow] = [:]
        for (sequence, type) in types.sorted(by: { $0.key < $1.key })
        where sequence < asOfSize && type == SupplyChainLedger.EntryType.factorTable {
            for (index, row) in (bodies[sequence]?["factors"]?.arrayValue ?? []).enumerated() {
                rows[Self.factorKey(of: row)] = FactorRow(entry: sequence, index: index, value: row["value"] ?? .null)
            }
        }
        return rows
    }

    /// Every factor operand of the working must be the row in force for its key (Docs/EXPORTS.md §1.3).
    ///
    /// No factor table the bundle carries, recorded after the one the operand is on and before
    /// `asOfSize`, may give the same key, since the engine takes the table recorded last. Checked
    /// for every term's factor and every material default, whether or not its part is recomputed,
    /// so that an older table's lower grid, fuel, transport or material factor cannot stand in for
    /// the one in force.
    ///
    /// - Throws: ``BundleVerifier/Failure`` naming the lot, the part and term, the row the operand
    ///   is on, and the row in force with its key and value.
    func checkFactorsInForce(_ working: JSONValue) throws {
        let inForce = factorsInForce()
        func check(_ operand: JSONValue?, _ item: String, _ what: String) throws {
            guard let operand, operand["key"] != nil, operand["at"] != nil else { return }
            // The operand as such first (its entry, its row, its key): the same checks as when recomputed.
            _ = try value(operand, item)
            guard let key = operand["key"]?.stringValue, let sequence = BundleVerifier.count(operand["entry"]),
                let at = operand["at"]?.stringValue, let tokens = (try? JSONPointer(at))?.tokens, tokens.count == 3,
                let index = Int(tokens[1]), let row = inForce[key], row.entry != sequence || row.index != index
            else { return }
            let later =
                row.entry == sequence
                ? "a later row of the same table" : "recorded after it and before asOfSize \(asOfSize)"
            throw fail(
                item,
                "\(what) takes \(key) from entry \(sequence) \(at), which is not the row in force: entry \(row.entry) /factors/\(row.index), \(later), gives \(key) as \(row.value.stringValue ?? row.value.canonicalString)"
            )
        }
        func terms(of part: JSONValue, _ item: String, _ name: String) throws {
            for term in part["terms"]?.arrayValue ?? [] {
                let method = term["method"]?.stringValue.flatMap { $0 == "all" ? nil : $0 + " " } ?? ""
                try check(term["factor"], item, "the \(method)\(term["what"]?.stringValue ?? "") term of \(name)")
            }
        }
        for lot in working["lots"]?.arrayValue ?? [] {
            let item = "footprint lot \(lot["lot"]?.stringValue ?? "")"
            for part in lot["parts"]?.arrayValue ?? [] {
                let entry = part["entry"].map { $0.canonicalString } ?? "none"
                let name = "its \(part["kind"]?.stringValue ?? "") part (entry \(entry))"
                try check(part["factor"], item, "the factor of \(name)")
                try terms(of: part, item, name)
            }
        }
        for step in working["assembly"]?.arrayValue ?? [] {
            let entry = step["entry"].map { $0.canonicalString } ?? "none"
            try terms(of: step, "footprint assembly", "the assembly step (entry \(entry))")
        }
        for step in working["unitShipments"]?.arrayValue ?? [] {
            let entry = step["entry"].map { $0.canonicalString } ?? "none"
            let unit = step["lot"]?.stringValue ?? ""
            try terms(of: step, "footprint unit shipment", "the shipment of \(unit) (entry \(entry))")
        }
    }

    /// The material of `lot` in the ILMD of the event that made it: the element of `ct:lots` that
    /// names the lot, else the ILMD itself; `nil` when neither states one.
    static func material(of lot: String, in body: JSONValue, prefixes: [String]) -> String? {
        guard let ilmd = body["ilmd"] else { return nil }
        let names = ["material"] + prefixes.map { "\($0):material" } + [namespace + "material"]
        func member(_ object: JSONValue, _ names: [String]) -> JSONValue? {
            names.lazy.compactMap { object[$0] }.first
        }
        let lists = ["lots"] + prefixes.map { "\($0):lots" } + [namespace + "lots"]
        if let perLot = member(ilmd, lists)?.arrayValue,
            let element = perLot.first(where: { $0["epcClass"]?.stringValue == lot })
        {
            return member(element, names)?.stringValue
        }
        return member(ilmd, names)?.stringValue
    }

    /// The prefixes the event's `@context` binds to CellTrace's namespace; `ct` when it binds none.
    func prefixes(of body: JSONValue) -> [String] {
        var prefixes: [String] = []
        let context = body["@context"] ?? .null
        for bound in context.arrayValue ?? [context] {
            for (prefix, uri) in bound.objectValue ?? [:] where uri.stringValue == Self.namespace {
                prefixes.append(prefix)
            }
        }
        return prefixes.isEmpty ? ["ct"] : prefixes.sorted()
    }

    /// A CellTrace extension member of an event, whatever prefix it is spelled with.
    func extensionMember(_ name: String, of body: JSONValue) -> (key: String, value: JSONValue)? {
        for key in prefixes(of: body).map({ "\($0):\(name)" }) + [Self.namespace + name] {
            if let value = body[key] { return (key, value) }
        }
        return nil
    }

    // MARK: Cells

    /// The cells of the subject from the commissioning and assembly entries the bundle carries.
    ///
    /// A cell is its root's commissioning entry; a lot holds none. A module or pack holds what its
    /// assembly steps recorded before `asOfSize` put in and did not take out, steps declared in
    /// error before it left out, through the modules inside it down to cell serials, each in a
    /// serial range of a carried commissioning entry.
    ///
    /// - Returns: The cells, or why the carried entries do not give them (the figures resting on
    ///   them are then stated).
    func subjectCells(_ roots: [JSONValue]) throws -> Result<SubjectCells, StatedFigure> {
        var cells = SubjectCells()
        switch bundle["subjectKind"]?.stringValue {
        case "cell":
            guard let root = roots.first, let lot = root["lot"]?.stringValue,
                let sequence = BundleVerifier.count(root["cellMass"]?["entry"])
            else { return .success(cells) }
            cells.byLot[lot] = [sequence: 1]
            return .success(cells)
        case "assembly":
            return assemblyCells()
        default:
            return .success(cells)
        }
    }

    /// A serial number of a serial range or a serial: ASCII digits only, as `UInt64` would not
    /// require (it takes a leading `+`); `nil` for anything else or a number above `UInt64.max`.
    static func serialNumber(_ text: some StringProtocol) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return UInt64(text)
    }

    /// Why a figure is stated rather than recomputed.
    struct StatedFigure: Error {
        var reason: String
    }

    /// The assembly steps, error declarations and serial ranges of the event entries the bundle
    /// carries that were recorded before an entry.
    struct Assemblies {
        typealias Step = (sequence: UInt64, eventID: String, action: String, children: [String])
        typealias Range = (sequence: UInt64, lot: String, prefix: String, first: UInt64, last: UInt64)
        /// Each parent's steps in ledger order.
        var steps: [String: [Step]] = [:]
        /// The events declared in error.
        var retracted: Set<String> = []
        var ranges: [Range] = []

        /// What `parent` holds, as its standing steps put units in and took them out.
        func children(of parent: String) -> [String] {
            var held: [String] = []
            var inside: Set<String> = []
            for step in steps[parent] ?? [] where !retracted.contains(step.eventID) {
                switch step.action {
                case "ADD":
                    held += step.children.filter { inside.insert($0).inserted }
                case "DELETE":
                    let removed = step.children.isEmpty ? inside : Set(step.children)
                    held.removeAll { removed.contains($0) }
                    inside.subtract(removed)
                default:
                    break
                }
            }
            return held
        }

        /// The serial range that holds `unit`, if one does.
        func range(of unit: String) -> Range? {
            ranges.first { range in
                guard unit.hasPrefix(range.prefix) else { return false }
                let rest = unit.dropFirst(range.prefix.count)
                guard let number = Recompute.serialNumber(rest), String(number) == rest else { return false }
                return range.first <= number && number <= range.last
            }
        }

        /// The serial range of each cell under `units`, through the modules and packs among them,
        /// each unit once; or the first unit found in no carried serial range or assembly.
        func cells(under units: [String], visited: Set<String>) -> (cells: [Range], missing: String?) {
            var cells: [Range] = []
            var pending = units
            var visited = visited
            while let unit = pending.popLast() {
                guard visited.insert(unit).inserted else { continue }
                if steps[unit] != nil {
                    pending += children(of: unit)
                } else if let range = range(of: unit) {
                    cells.append(range)
                } else {
                    return (cells, unit)
                }
            }
            return (cells, nil)
        }

        /// `unit` and the modules and cells in it, at any depth.
        func units(in unit: String) -> Set<String> {
            var all: Set<String> = []
            var pending = [unit]
            while let next = pending.popLast() {
                guard all.insert(next).inserted else { continue }
                pending += children(of: next)
            }
            return all
        }
    }

    /// The assembly steps, error declarations and serial ranges of the carried event entries
    /// recorded before `bound`.
    func assemblies(before bound: UInt64) -> Assemblies {
        var index = Assemblies()
        for (sequence, body) in bodies.sorted(by: { $0.key < $1.key })
        where sequence < bound && types[sequence] == SupplyChainLedger.EntryType.event {
            if body["errorDeclaration"] != nil {
                if let id = body["eventID"]?.stringValue { index.retracted.insert(id) }
                continue
            }
            if body["type"] == "AggregationEvent", let parent = body["parentID"]?.stringValue,
                let action = body["action"]?.stringValue
            {
                let children = (body["childEPCs"]?.arrayValue ?? []).compactMap(\.stringValue)
                index.steps[parent, default: []].append(
                    (sequence, body["eventID"]?.stringValue ?? "", action, children)
                )
            }
            if let lot = extensionMember("cellLot", of: body)?.value.stringValue {
                for range in extensionMember("serialRanges", of: body)?.value.arrayValue ?? [] {
                    guard let prefix = range["prefix"]?.stringValue,
                        let first = range["first"]?.stringValue.flatMap(Self.serialNumber),
                        let last = range["last"]?.stringValue.flatMap(Self.serialNumber)
                    else { continue }
                    index.ranges.append((sequence, lot, prefix, first, last))
                }
            }
        }
        return index
    }

    private func assemblyCells() -> Result<SubjectCells, StatedFigure> {
        guard let subject = bundle["subject"]?.stringValue else {
            return .failure(StatedFigure(reason: "the bundle names no subject"))
        }
        let index = assemblies(before: asOfSize)
        guard index.steps[subject] != nil else {
            return .failure(StatedFigure(reason: "the bundle carries no assembly entry of \(subject)"))
        }
        let (ranges, missing) = index.cells(under: index.children(of: subject), visited: [subject])
        if let missing {
            return .failure(
                StatedFigure(
                    reason:
                        "\(missing) in \(subject) is in no serial range and no assembly of the entries the bundle carries"
                )
            )
        }
        var cells = SubjectCells()
        for range in ranges { cells.byLot[range.lot, default: [:]][range.sequence, default: 0] += 1 }
        return .success(cells)
    }

    /// The units a unit shipment of the footprint may be of: the subject, and for a module or pack
    /// the modules and cells in it as of `asOfSize`.
    func subjectUnits() -> Set<String> {
        guard let subject = bundle["subject"]?.stringValue else { return [] }
        guard bundle["subjectKind"] == "assembly" else { return [subject] }
        return assemblies(before: asOfSize).units(in: subject)
    }

    /// The mass of `unit` (a cell, module or pack) as the carried entries give it in `index`: a
    /// cell's `ct:cellMass`, or the sum of those of the cells a module or pack holds.
    ///
    /// - Returns: The mass in kg, or the withheld field it rests on.
    /// - Throws: ``BundleVerifier/Failure`` when the entries give no mass for the unit.
    func unitMass(_ unit: String, in index: Assemblies, _ item: String) throws -> Value {
        let (ranges, missing) =
            index.range(of: unit).map { ([$0], nil) } ?? index.cells(under: [unit], visited: [])
        if let missing {
            throw fail(
                item,
                "\(missing)\(missing == unit ? "" : " in \(unit)") is in no serial range and no assembly of the entries the bundle carries"
            )
        }
        var kg = 0.0
        for range in ranges {
            switch try cellField("cellMass", dimension: "mass", entry: range.sequence) {
            case .number(let mass)?: kg += mass
            case .withheld(let what)?: return .withheld(what)
            case nil: throw fail(item, "commissioning entry \(range.sequence) gives no cell mass")
            }
        }
        return .number(kg)
    }

    /// An assembly's roots must be its cells: one root a cell lot, its `cells` the count of the
    /// lot's cells in it and its `cellMass` on their one commissioning entry, or, for cells of
    /// several commissioning events, its `kg` their masses summed.
    ///
    /// - Throws: ``BundleVerifier/Failure`` at item `subject` naming the lot and the count.
    func checkAssemblyRoots(_ roots: [JSONValue], cells: SubjectCells) throws {
        let item = "subject"
        let stated = roots.compactMap { $0["lot"]?.stringValue }
        guard Set(stated).count == stated.count, Set(stated) == Set(cells.byLot.keys) else {
            throw fail(
                item,
                "the roots are \(stated.sorted().joined(separator: ", ")); the assembly entries the bundle carries put in cells of \(cells.byLot.keys.sorted().joined(separator: ", "))"
            )
        }
        for root in roots {
            guard let lot = root["lot"]?.stringValue, let entries = cells.byLot[lot] else { continue }
            let count = entries.values.reduce(0, +)
            if let stated = root["cells"] {
                guard stated.doubleValue == Double(count) else {
                    throw fail(
                        item,
                        "root \(lot) states \(stated.canonicalString) cells; the assembly entries the bundle carries put in \(count)"
                    )
                }
                guard entries.count == 1, let sequence = BundleVerifier.count(root["cellMass"]?["entry"]),
                    entries[sequence] != nil
                else {
                    throw fail(item, "root \(lot)'s cellMass is not on the commissioning entry of its cells")
                }
            } else {
                var kg = 0.0
                for (sequence, cells) in entries {
                    guard case .number(let mass)? = try cellField("cellMass", dimension: "mass", entry: sequence) else {
                        throw fail(item, "commissioning entry \(sequence) gives no cell mass")
                    }
                    kg += mass * Double(cells)
                }
                guard let stated = root["kg"]?["value"]?.doubleValue, Self.close(stated, kg) else {
                    throw fail(
                        item,
                        "root \(lot) states \(root["kg"]?["value"].map { $0.canonicalString } ?? "no") kg; its \(count) cells in the commissioning entries the bundle carries weigh \(kg)"
                    )
                }
            }
        }
    }

    /// A commissioning entry's per-cell quantity (`cellMass`, `nominalEnergy`) in base units;
    /// `nil` when the entry has none.
    func cellField(_ name: String, dimension: String, entry: UInt64) throws -> Value? {
        guard let body = bodies[entry], let key = extensionMember(name, of: body)?.key else { return nil }
        let at = JSONPointer(tokens: [key]).text
        let operand: JSONValue = [
            "entry": .number(Double(entry)), "at": .string(at + "/quantity"), "uomAt": .string(at + "/uom"),
            "dimension": .string(dimension),
        ]
        return try value(operand, "commissioning entry \(entry)")
    }

    // MARK: The functional unit

    /// The footprint's `usableKWh`, `lifetimeKWh`, `model` and `modelEntry` must be what the cells'
    /// commissioning entries and their battery model's `model.register` entry give: the cells'
    /// nominal energy, times the model's usable share, times its cycles per year and service years
    /// (Docs/CARBON-METHOD.md), when every cell names one model registered before `asOfSize`.
    ///
    /// When the cells name a model whose registration the bundle does not carry (a model registered
    /// after `asOfSize`, or an entry left out of the bundle: a bundle cannot prove that it carries
    /// every one), the figures must be the nominal energy's, and they are stated, not recomputed.
    ///
    /// - Returns: Why the functional units are stated, not recomputed; `nil` when they are recomputed.
    /// - Throws: ``BundleVerifier/Failure`` at item `footprint` naming the figure.
    func checkFunctionalUnit(_ cells: SubjectCells) throws -> String? {
        let item = "footprint"
        guard let footprint = bundle["footprint"] else { return nil }
        var nominal = 0.0
        var models: Set<String?> = []
        for (sequence, count) in cells.byEntry {
            switch try cellField("nominalEnergy", dimension: "electricity", entry: sequence) {
            case .number(let kWh)?: nominal += kWh * Double(count)
            case .withheld(let what)?: return "\(what) is withheld by the profile"
            case nil: break
            }
            models.insert(bodies[sequence].flatMap { extensionMember("batteryModel", of: $0)?.value.stringValue })
        }
        var usable = nominal
        var lifetime: Double?
        var model: (id: String, entry: UInt64)?
        var stated: String?
        if models.count == 1, let id = models.first ?? nil {
            stated = "the cells name battery model \(id), whose model.register entry the bundle does not carry"
        }
        if models.count == 1, let id = models.first ?? nil,
            let (sequence, body) = bodies.sorted(by: { $0.key < $1.key }).first(where: {
                $0.key < asOfSize && types[$0.key] == SupplyChainLedger.EntryType.modelRegister
                    && $0.value["id"]?.stringValue == id
            })
        {
            stated = nil
            func decimal(_ name: String) -> Double {
                body[name]?.stringValue.flatMap { Double($0) } ?? body[name]?.doubleValue ?? 0
            }
            usable = nominal * decimal("usableEnergyShare")
            lifetime = usable * decimal("cyclesPerYear") * decimal("serviceYears")
            model = (id, sequence)
        }
        // Compared as JSON values: a member that is absent is not one that is null, and a number
        // is not a string.
        guard footprint["model"] == model.map({ .string($0.id) }),
            footprint["modelEntry"] == model.map({ .number(Double($0.entry)) })
        else {
            throw fail(
                item,
                "model \(footprint["model"].map { $0.canonicalString } ?? "none") (entry \(footprint["modelEntry"].map { $0.canonicalString } ?? "none")) stated; the cells' commissioning entries and the model.register entries the bundle carries give \(model.map { "\($0.id) (entry \($0.entry))" } ?? "none")"
            )
        }
        guard let statedUsable = footprint["usableKWh"]?.doubleValue, Self.close(statedUsable, usable) else {
            throw fail(
                item,
                "usableKWh \(footprint["usableKWh"].map { $0.canonicalString } ?? "missing") stated, the entries give \(usable)"
            )
        }
        let statedLifetime = footprint["lifetimeKWh"]
        guard (statedLifetime == nil) == (lifetime == nil),
            lifetime.map({ lifetime in statedLifetime?.doubleValue.map { Self.close($0, lifetime) } ?? false }) ?? true
        else {
            throw fail(
                item,
                "lifetimeKWh \(footprint["lifetimeKWh"].map { $0.canonicalString } ?? "missing") stated, the entries give \(lifetime.map { "\($0)" } ?? "none")"
            )
        }
        return stated
    }
}
