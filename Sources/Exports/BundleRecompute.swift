import LedgerCore
import SupplyChain

/// Redoes a custody bundle's trace and footprint from the fields of its entries
/// (Docs/EXPORTS.md §1.3–1.5).
struct Recompute {
    /// An operand's value, or why there is none.
    enum Value {
        case number(Double)
        case withheld(String)
    }

    /// The trace's mass flows, or why they could not be recomputed.
    struct Flows {
        var result: BundleVerifier.Recomputation
        /// Lot → its trace object.
        var lots: [String: JSONValue]
        /// The lots in the trace's order: every lot before its inputs.
        var order: [String]
        /// Root lot → kg in the subject (nil when withheld).
        var roots: [(lot: String, kg: Value)]
        /// Why the functional units are stated, not recomputed; `nil` when they are recomputed.
        var functionalUnit: String?
    }

    static let methods = ["location-based", "market-based", "eu-draft"]
    static let stages = ["raw-material-acquisition", "main-production", "distribution", "end-of-life"]
    /// The namespace of CellTrace's extension members (`ct:electricity`, …).
    static let namespace = "https://celltrace.dev/ns/epcis/1/"
    /// The members an operand may have (Docs/EXPORTS.md §1.3).
    static let operandMembers: Set<String> = ["entry", "at", "uomAt", "dimension", "scale", "base", "key", "withheld"]

    let bundle: JSONValue
    let bodies: [UInt64: JSONValue]
    /// Each entry's type, by sequence number.
    let types: [UInt64: String]
    /// The ledger size the footprint is of: every operand is on an entry before it.
    let asOfSize: UInt64

    func fail(_ item: String, _ message: String) -> BundleVerifier.Failure {
        BundleVerifier.Failure(item: item, message: message)
    }

    /// Reads an operand and checks it against the field it names.
    ///
    /// - Parameters:
    ///   - operand: The operand.
    ///   - item: The item a failure names.
    ///   - entry: The entry the operand must be a field of, when the format says which.
    ///   - constant: Whether a constant of the method (`{"value", "rule"}`) may stand in its place:
    ///     a term's factor and an assembly's root only.
    /// - Returns: The field's value in base units, or what withholds it.
    /// - Throws: ``BundleVerifier/Failure`` when the operand is malformed, on another entry, or
    ///   does not give its stated base.
    func value(_ operand: JSONValue?, _ item: String, on entry: UInt64? = nil, constant: Bool = false) throws -> Value {
        guard let operand, let members = operand.objectValue else { throw fail(item, "an operand is missing") }
        if members["at"] == nil, members["rule"] != nil || members["value"] != nil {
            guard constant, Set(members.keys) == ["value", "rule"], let value = members["value"]?.doubleValue else {
                throw fail(item, "a constant stands where the format needs an operand on a field of an entry")
            }
            return .number(value)
        }
        let unknown = Set(members.keys).subtracting(Self.operandMembers)
        guard unknown.isEmpty else {
            throw fail(
                item,
                "the operand has members an operand does not have: \(unknown.sorted().joined(separator: ", "))"
            )
        }
        guard let sequence = BundleVerifier.count(operand["entry"]), let at = operand["at"]?.stringValue,
            let pointer = try? JSONPointer(at)
        else { throw fail(item, "an operand needs entry and at") }
        if let entry, sequence != entry {
            throw fail(item, "the operand on entry \(sequence) \(at) is not a field of entry \(entry)")
        }
        guard let body = bodies[sequence] else {
            throw fail(item, "operand on entry \(sequence), which the bundle does not carry")
        }
        guard sequence < asOfSize else {
            throw fail(item, "the operand on entry \(sequence) is not before the footprint's asOfSize \(asOfSize)")
        }
        if let key = operand["key"] { try checkFactorKey(key, sequence: sequence, pointer: pointer, item) }
        // Walk the pointer: a field inside a sealed member (a price inside the sealed co-product
        // prices) is withheld with it.
        var current: JSONValue? = body
        for (depth, token) in pointer.tokens.enumerated() {
            if let value = current, Commitment(placeholder: value) != nil {
                guard operand["base"] == nil else {
                    throw fail(item, "entry \(sequence) \(at) is withheld, yet the operand states its value")
                }
                return .withheld("entry \(sequence) \(JSONPointer(tokens: Array(pointer.tokens.prefix(depth))).text)")
            }
            switch current {
            case .object(let members)?: current = members[token]
            case .array(let elements)?:
                current = Int(token).flatMap { elements.indices.contains($0) ? elements[$0] : nil }
            default: current = nil
            }
        }
        if let value = current, Commitment(placeholder: value) != nil {
            guard operand["base"] == nil else {
                throw fail(item, "entry \(sequence) \(at) is withheld, yet the operand states its value")
            }
            return .withheld("entry \(sequence) \(at)")
        }
        guard let field = current else { throw fail(item, "entry \(sequence) has no field \(at)") }
        guard var number = field.doubleValue ?? field.stringValue.flatMap({ Double($0) }) else {
            throw fail(item, "entry \(sequence) \(at) is not a number")
        }
        if let uomAt = operand["uomAt"]?.stringValue {
            guard let code = (try? JSONPointer(uomAt))?.value(in: body)?.stringValue,
                let dimension = MeasureDimension(rawValue: operand["dimension"]?.stringValue ?? ""),
                let factor = dimension.factors.first(where: { $0.code == code })?.factor
            else {
                throw fail(
                    item,
                    "entry \(sequence) \(uomAt) is not a unit of \(operand["dimension"]?.stringValue ?? "?")"
                )
            }
            number *= factor.doubleValue
        }
        number *= operand["scale"]?.doubleValue ?? 1
        if let base = operand["base"]?.doubleValue, !Self.close(base, number) {
            throw fail(item, "entry \(sequence) \(at) gives \(number), the bundle states \(base)")
        }
        return .number(number)
    }

    static func close(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-12
    }

    /// A factor operand's `key` must be the key of the `factors.table` row it points at
    /// (Docs/EXPORTS.md §1.3): the operand is on `/factors/INDEX/value`, and the key is made from
    /// the row's category, name, geography, basis and unit by `FactorTable.Factor.key`, as the
    /// engine makes it.
    private func checkFactorKey(_ key: JSONValue, sequence: UInt64, pointer: JSONPointer, _ item: String) throws {
        guard types[sequence] == SupplyChainLedger.EntryType.factorTable else {
            throw fail(item, "a factor operand on entry \(sequence), which is not a factors.table entry")
        }
        let tokens = pointer.tokens
        let rowPointer = JSONPointer(tokens: Array(tokens.prefix(2)))
        guard tokens.count == 3, tokens[0] == "factors", tokens[2] == "value",
            let row = rowPointer.value(in: bodies[sequence] ?? .null)
        else { throw fail(item, "a factor operand on \(pointer.text), not on /factors/INDEX/value") }
        let rowKey = Self.factorKey(of: row)
        guard key.stringValue == rowKey else {
            throw fail(
                item,
                "the factor's key is \(key.canonicalString), but entry \(sequence) \(rowPointer.text) is the factor \(rowKey)"
            )
        }
    }

    // MARK: Trace

    func trace() throws -> Flows {
        let item = "trace"
        guard let lots = bundle["trace"]?["lots"]?.arrayValue, let rootList = bundle["trace"]?["roots"]?.arrayValue
        else { throw fail(item, "roots and lots are required") }
        var byLot: [String: JSONValue] = [:]
        var position: [String: Int] = [:]
        for (index, lot) in lots.enumerated() {
            guard let id = lot["lot"]?.stringValue, byLot[id] == nil else {
                throw fail(item, "a lot without id, or listed twice")
            }
            byLot[id] = lot
            position[id] = index
        }
        var roots: [(lot: String, kg: Value)] = []
        var withheld: String?
        for root in rootList {
            guard let lot = root["lot"]?.stringValue, byLot[lot] != nil else {
                throw fail(item, "a root that is not a lot of the trace")
            }
            var kg: Value
            if let cells = root["cells"]?.doubleValue, root["cellMass"] != nil {
                kg = try value(root["cellMass"], "trace root \(lot)")
                if case .number(let mass) = kg { kg = .number(mass * cells) }
            } else {
                // An assembly's cells from several commissioning events: a constant (§1.4).
                kg = try value(root["kg"], "trace root \(lot)", constant: true)
            }
            if case .withheld(let what) = kg { withheld = withheld ?? what }
            roots.append((lot, kg))
        }
        try checkSubject(rootList)
        // The cells and the functional unit, from the commissioning, assembly and model entries.
        var statedCells: String?
        var functionalUnit: String?
        switch try subjectCells(rootList) {
        case .success(let cells):
            if bundle["subjectKind"] == "assembly" { try checkAssemblyRoots(rootList, cells: cells) }
            functionalUnit = try checkFunctionalUnit(cells)
        case .failure(let stated):
            statedCells = "the subject's cell count is as stated (\(stated.reason))"
            functionalUnit = statedCells
        }
        // Each lot's own element must be among its outputs, its inputs must be lots of the trace
        // that come after it, and the fields named must hold the lots named.
        var rates: [String: [(input: String, kg: Value)]] = [:]
        var totals: [String: Value] = [:]
        for lot in lots {
            let id = lot["lot"]?.stringValue ?? ""
            let lotItem = "trace lot \(id)"
            guard let entry = BundleVerifier.count(lot["entry"]) else {
                throw fail(lotItem, "the lot names no entry that made it")
            }
            let outputs = lot["outputs"]?.arrayValue ?? []
            guard outputs.contains(where: { $0["lot"]?.stringValue == id }) else {
                throw fail(lotItem, "the lot is not among the outputs of entry \(entry)")
            }
            guard Set(outputs.compactMap { $0["lot"]?.stringValue }).count == outputs.count else {
                throw fail(lotItem, "an output without lot, or listed twice")
            }
            var sum = 0.0
            var sumWithheld: String?
            for output in outputs {
                try checkLot(output, lotItem)
                switch try value(output["kg"], lotItem, on: entry) {
                case .number(let kg): sum += kg
                case .withheld(let what): sumWithheld = sumWithheld ?? what
                }
            }
            totals[id] = sumWithheld.map(Value.withheld) ?? .number(sum)
            try checkInputsCovered(lot, entry: entry, lotItem)
            try checkMasterData(lot, id: id, entry: entry, lotItem)
            for input in lot["inputs"]?.arrayValue ?? [] {
                try checkLot(input, lotItem)
                guard let inputID = input["lot"]?.stringValue, let inputPosition = position[inputID] else {
                    throw fail(lotItem, "an input that is not a lot of the trace")
                }
                guard inputPosition > position[id] ?? 0 else {
                    throw fail(lotItem, "input \(inputID) comes before the lot: the lots are not in lineage order")
                }
                rates[id, default: []].append((inputID, try value(input["kg"], lotItem, on: entry)))
            }
        }
        let result: BundleVerifier.Recomputation
        var checkedWithheld = withheld
        if checkedWithheld == nil {
            var flow: [String: Double] = [:]
            for root in roots { if case .number(let kg) = root.kg { flow[root.lot, default: 0] += kg } }
            loop: for lot in lots {
                let id = lot["lot"]?.stringValue ?? ""
                let own = flow[id] ?? 0
                guard own > 0, let inputs = rates[id], !inputs.isEmpty else { continue }
                guard case .number(let sum) = totals[id] ?? .number(0), sum > 0 else {
                    if case .withheld(let what) = totals[id] ?? .number(0) { checkedWithheld = what }
                    break loop
                }
                for input in inputs {
                    guard case .number(let kg) = input.kg else {
                        if case .withheld(let what) = input.kg { checkedWithheld = what }
                        break loop
                    }
                    flow[input.input, default: 0] += own * kg / sum
                }
            }
            if checkedWithheld == nil {
                for lot in lots {
                    let id = lot["lot"]?.stringValue ?? ""
                    guard let stated = lot["kg"]?.doubleValue, Self.close(stated, flow[id] ?? 0) else {
                        throw fail(
                            "trace lot \(id)",
                            "the bundle states \(lot["kg"].map { $0.canonicalString } ?? "no kg"), the entries give \(flow[id] ?? 0) kg"
                        )
                    }
                }
            }
        }
        if let statedCells {
            result = .stated(reason: statedCells)
        } else if let checkedWithheld {
            result = .stated(reason: "\(checkedWithheld) is withheld by the profile")
        } else {
            result = .recomputed(items: lots.count)
        }
        return Flows(
            result: result,
            lots: byLot,
            order: lots.map { $0["lot"]?.stringValue ?? "" },
            roots: roots,
            functionalUnit: functionalUnit
        )
    }

    /// The subject must be what the roots' entries say: a cell's serial inside a serial range of the
    /// commissioning entry, which names the root lot as its cell lot; a lot's own element.
    private func checkSubject(_ roots: [JSONValue]) throws {
        let item = "subject"
        guard let subject = bundle["subject"]?.stringValue else { throw fail(item, "the bundle names no subject") }
        switch bundle["subjectKind"]?.stringValue {
        case "cell":
            guard roots.count == 1, let root = roots.first, let lot = root["lot"]?.stringValue,
                root["cells"]?.doubleValue == 1,
                let sequence = BundleVerifier.count(root["cellMass"]?["entry"]),
                let at = root["cellMass"]?["at"]?.stringValue, let key = (try? JSONPointer(at))?.tokens.first,
                key.hasSuffix("cellMass"), let body = bodies[sequence]
            else { throw fail(item, "a cell's bundle has one root: one cell, its mass on the commissioning entry") }
            let prefix = String(key.dropLast("cellMass".count))
            guard body[prefix + "cellLot"]?.stringValue == lot else {
                throw fail(item, "commissioning entry \(sequence) does not name \(lot) as its cell lot")
            }
            let ranges = body[prefix + "serialRanges"]?.arrayValue ?? []
            let inside = ranges.contains { range in
                guard let start = range["prefix"]?.stringValue, subject.hasPrefix(start),
                    let first = range["first"]?.stringValue.flatMap(Self.serialNumber),
                    let last = range["last"]?.stringValue.flatMap(Self.serialNumber)
                else { return false }
                let digits = subject.dropFirst(start.count)
                guard let number = Self.serialNumber(digits), String(number) == digits else { return false }
                return first <= number && number <= last
            }
            guard inside else {
                throw fail(item, "\(subject) is not in a serial range of commissioning entry \(sequence)")
            }
        case "lot":
            guard roots.count == 1, roots.first?["lot"]?.stringValue == subject, let root = roots.first else {
                throw fail(item, "a lot's bundle has the lot itself as its one root")
            }
            try checkLot(["lot": .string(subject), "kg": root["kg"] ?? .null], item)
        default:
            break
        }
    }

    /// The `epcClass` at an element's pointer must be the lot the bundle names.
    private func checkLot(_ element: JSONValue, _ item: String) throws {
        guard let lot = element["lot"]?.stringValue, let sequence = BundleVerifier.count(element["kg"]?["entry"]),
            let at = element["kg"]?["at"]?.stringValue, let pointer = try? JSONPointer(at), pointer.tokens.count >= 2,
            let body = bodies[sequence]
        else { throw fail(item, "an element needs lot and a kg operand") }
        let parent = JSONPointer(tokens: Array(pointer.tokens.dropLast()) + ["epcClass"])
        guard let written = parent.value(in: body)?.stringValue else {
            throw fail(item, "entry \(sequence) has no epcClass at \(parent.text)")
        }
        let expected = element["epcClass"]?.stringValue ?? lot
        guard written == expected else {
            throw fail(item, "entry \(sequence) \(parent.text) is \(written), the bundle says \(expected)")
        }
    }

    // MARK: Footprint

    func footprint(flows: Flows) throws -> BundleVerifier.Recomputation {
        let item = "footprint"
        guard let footprint = bundle["footprint"], let stated = footprint["contributions"]?.arrayValue,
            let total = footprint["total"]?.objectValue
        else { throw fail(item, "contributions and total are required") }
        // The stated contributions must add up to the stated total, whatever the profile.
        var statedSums: [String: [String: Double]] = [:]
        for contribution in stated {
            guard let stage = contribution["stage"]?.stringValue else {
                throw fail(item, "a contribution without stage")
            }
            for method in Self.methods {
                statedSums[method, default: [:]][stage, default: 0] += contribution["kgCO2e"]?[method]?.doubleValue ?? 0
            }
        }
        for method in Self.methods {
            for stage in Self.stages {
                let sum = statedSums[method]?[stage] ?? 0
                let claimed = total[method]?[stage]?.doubleValue ?? 0
                guard Self.close(sum, claimed) || abs(sum - claimed) <= 1e-9 else {
                    throw fail(
                        item,
                        "\(method) \(stage): the contributions add up to \(sum), the total states \(claimed)"
                    )
                }
            }
        }
        guard let working = footprint["working"] else {
            return .stated(reason: "the \(bundle["profile"]?.stringValue ?? "") profile carries no working")
        }
        // Every factor operand the row in force, whether or not its part is recomputed: a stated
        // part's factor tables are still the ones its verified share names.
        try checkFactorsInForce(working)
        if case .stated(let reason) = flows.result, reason != "not checked" {
            return .stated(reason: reason)
        }
        do {
            return try recomputeFootprint(working, flows: flows, stated: stated, total: total)
        } catch let withheld as WithheldOperand {
            return .stated(reason: "\(withheld.what) is withheld by the profile")
        }
    }

    private struct WithheldOperand: Error {
        var what: String
    }

    private func number(
        _ operand: JSONValue?,
        _ item: String,
        on entry: UInt64? = nil,
        constant: Bool = false
    ) throws -> Double {
        switch try value(operand, item, on: entry, constant: constant) {
        case .number(let value): return value
        case .withheld(let what): throw WithheldOperand(what: what)
        }
    }

    /// A process's emissions per method from its terms, each term's stated kg CO2e checked: its
    /// amounts are fields of `entry`, the event, and so is a factor the event states.
    private func emissions(_ terms: [JSONValue], _ item: String, entry: UInt64) throws -> [String: Double] {
        for term in terms {
            guard Set(term.objectValue?.keys ?? []) == ["what", "method", "amount", "factor", "kgCO2e"] else {
                throw fail(item, "a term has other members than what, method, amount, factor and kgCO2e")
            }
            let what = term["what"]?.stringValue ?? ""
            guard ["electricity", "fuel", "transport", "direct"].contains(what) else {
                throw fail(item, "a term of unknown what \(term["what"].map { $0.canonicalString } ?? "")")
            }
            let method = term["method"]?.stringValue ?? ""
            guard method == "all" || Self.methods.contains(method) else {
                throw fail(item, "a \(what) term of unknown method \(term["method"].map { $0.canonicalString } ?? "")")
            }
            guard !(term["amount"]?.arrayValue ?? []).isEmpty else { throw fail(item, "a \(what) term without amount") }
            if let factor = term["factor"], factor["at"] == nil {
                try checkConstantFactor(factor, of: term, entry: entry, item)
            }
        }
        try checkActivity(terms, entry: entry, item)
        var byMethod: [String: Double] = [:]
        for term in terms {
            let what = term["what"]?.stringValue ?? ""
            let method = term["method"]?.stringValue ?? ""
            let amounts = term["amount"]?.arrayValue ?? []
            // A factor is a constant, a row of a factors.table entry (it names its key), or stated
            // by the event itself.
            let factor = term["factor"]
            let stated = factor?["key"] == nil && factor?["at"] != nil
            var product = try number(factor, item, on: stated ? entry : nil, constant: true)
            for amount in amounts { product *= try number(amount, item, on: entry) }
            guard let claimed = term["kgCO2e"]?.doubleValue, Self.close(claimed, product) else {
                throw fail(
                    item,
                    "a \(what) term states \(term["kgCO2e"].map { $0.canonicalString } ?? "nothing"), its amounts and factor give \(product)"
                )
            }
            for target in Self.methods where method == "all" || method == target {
                byMethod[target, default: 0] += product
            }
        }
        return byMethod
    }

    /// Checks a term's factor that is a constant of the method (Docs/EXPORTS.md §1.5).
    ///
    /// Only two are: 1 for direct emissions, stated in kg CO2e, and 0 for the market-based term of a
    /// supply of certificates for which the event states no factor. Any other factor is a table
    /// row or stated by the event.
    private func checkConstantFactor(_ factor: JSONValue, of term: JSONValue, entry: UInt64, _ item: String) throws {
        let value = factor["value"]?.doubleValue
        var allowed = term["what"] == "direct" && value == 1
        if term["what"] == "electricity", term["method"] == "market-based", value == 0,
            let at = term["amount"]?.arrayValue?.first?["at"]?.stringValue, let pointer = try? JSONPointer(at),
            let supply = JSONPointer(tokens: Array(pointer.tokens.dropLast())).value(in: bodies[entry] ?? .null)
        {
            allowed = supply["supply"] == "certificate" && supply["kgCO2ePerKWh"] == nil
        }
        guard allowed else {
            throw fail(
                item,
                "the \(term["what"]?.stringValue ?? "") term's factor is a constant, \(factor.canonicalString): only direct emissions' 1 and the market-based 0 of certificates without a stated factor are"
            )
        }
    }

    /// A process's terms must be those its event's activity data gives (Docs/EXPORTS.md §1.5): one
    /// per electricity supply and method, one per fuel, transport leg and the direct emissions, each
    /// on the quantities of its element of the CellTrace extension member.
    private func checkActivity(_ terms: [JSONValue], entry: UInt64, _ item: String) throws {
        let body = bodies[entry] ?? .null
        let prefixes = prefixes(of: body)
        func elements(_ name: String) -> [String] {
            guard let key = prefixes.map({ "\($0):\(name)" }).first(where: { body[$0] != nil }), let value = body[key]
            else { return [] }
            let at = JSONPointer(tokens: [key]).text
            return value.arrayValue.map { $0.indices.map { "\(at)/\($0)" } } ?? [at]
        }
        var expected: [String] = []
        for at in elements("electricity") {
            for method in Self.methods { expected.append("electricity|\(method)|\(at)/quantity") }
        }
        for at in elements("fuels") { expected.append("fuel|all|\(at)/quantity") }
        for at in elements("transport") { expected.append("transport|all|\(at)/distance \(at)/mass") }
        for at in elements("directEmissions") { expected.append("direct|all|\(at)/kgCO2e") }
        let given = terms.map { term in
            let amounts = (term["amount"]?.arrayValue ?? []).map { $0["at"]?.stringValue ?? "" }
            return "\(term["what"]?.stringValue ?? "")|\(term["method"]?.stringValue ?? "")|"
                + amounts.joined(separator: " ")
        }
        guard given.sorted() == expected.sorted() else {
            throw fail(
                item,
                "the terms are not those of entry \(entry)'s activity data: each electricity supply once per method, each fuel, transport leg and the direct emissions once"
            )
        }
    }

    /// The working's lots by lot: each a lot of the trace, once, its parts what its `counts` says —
    /// one `process`, `no-data` or `default` part (for `none`), and shipments.
    private func workingLots(_ working: JSONValue, flows: Flows) throws -> [String: JSONValue] {
        var byLot: [String: JSONValue] = [:]
        for lot in working["lots"]?.arrayValue ?? [] {
            guard let id = lot["lot"]?.stringValue, flows.lots[id] != nil else {
                throw fail("footprint", "a working lot that is not in the trace")
            }
            guard byLot[id] == nil else { throw fail("footprint lot \(id)", "listed twice") }
            let main = ["process": "process", "no-data": "no-data", "none": "default"][lot["counts"]?.stringValue ?? ""]
            let kinds = (lot["parts"]?.arrayValue ?? []).map { $0["kind"]?.stringValue ?? "" }
            guard let main, kinds.filter({ $0 != "shipment" }) == [main] else {
                throw fail(
                    "footprint lot \(id)",
                    "counts is not process, no-data or none, with its one part and shipments"
                )
            }
            byLot[id] = lot
        }
        return byLot
    }

    /// A shipment part's quantities: `shipped` is an operand on the quantity of every element of
    /// the shipment entry's quantity list, each once, and `moved` is one of them, the lot's own.
    private func checkShipment(_ part: JSONValue, lot: String, entry: UInt64, _ item: String) throws {
        let body = bodies[entry] ?? .null
        let list = body["quantityList"] != nil ? "quantityList" : "childQuantityList"
        let elements = body[list]?.arrayValue ?? []
        let expected = Set(elements.indices.map { "/\(list)/\($0)/quantity" })
        let shipped = part["shipped"]?.arrayValue ?? []
        let pointers = shipped.map { $0["at"]?.stringValue ?? "" }
        guard Set(pointers).count == shipped.count, Set(pointers) == expected,
            shipped.allSatisfy({ BundleVerifier.count($0["entry"]) == entry })
        else {
            throw fail(
                item,
                "shipped is not the quantities of every element of entry \(entry)'s \(list), each once"
            )
        }
        guard let moved = part["moved"], shipped.contains(moved) else {
            throw fail(item, "moved is not among shipped")
        }
        try checkLot(["lot": .string(lot), "kg": moved], item)
    }

    /// Recomputes every part of the working that rests on no withheld field, and compares it with
    /// its contribution.
    ///
    /// A part whose value needs a field the profile withholds — a price of an economic allocation,
    /// or the weight of a lot reached only through one — is stated: its contribution is taken as
    /// the bundle states it, and the result names it. Every other part is recomputed, whatever
    /// the profile withholds elsewhere.
    private func recomputeFootprint(
        _ working: JSONValue,
        flows: Flows,
        stated: [JSONValue],
        total: JSONObject
    ) throws -> BundleVerifier.Recomputation {
        let workingLots = try workingLots(working, flows: flows)
        var weight: [String: Double] = [:]
        // A lot whose weight rests on a withheld field → that field: its parts are stated.
        var weightWithheld: [String: String] = [:]
        for root in flows.roots {
            switch root.kg {
            case .number(let kg): weight[root.lot, default: 0] += kg
            case .withheld(let what): weightWithheld[root.lot] = weightWithheld[root.lot] ?? what
            }
        }
        // key "kind|lot|entry" → method → kg CO2e; stage and primary by key.
        var computed: [String: [String: Double]] = [:]
        // A part that cannot be recomputed → the withheld field it rests on, and whether it may
        // give anything (a part known to give nothing need not be stated).
        var withheldParts: [String: (what: String, mayGive: Bool)] = [:]
        var stageOf: [String: String] = [:]
        var primaryOf: [String: Bool] = [:]
        // Every lot of the trace before its inputs, so that its weight is complete when it is reached.
        for id in flows.order {
            let item = "footprint lot \(id)"
            let w = weight[id] ?? 0
            guard let lot = workingLots[id] else {
                guard w == 0 else {
                    throw fail(item, "the lot reaches the subject, but the working has no parts for it")
                }
                continue
            }
            guard let traced = flows.lots[id], let entry = BundleVerifier.count(traced["entry"]) else {
                throw fail(item, "the lot is not in the trace")
            }
            let outputs = traced["outputs"]?.arrayValue ?? []
            guard let ownElement = outputs.first(where: { $0["lot"]?.stringValue == id }) else {
                throw fail(item, "the lot is not among its outputs")
            }
            // The lot's own and all outputs' kilograms, or the withheld field they rest on.
            var own = 0.0
            var outputKg: [String: Double] = [:]
            var outputsWithheld: String?
            do {
                own = try number(ownElement["kg"], item, on: entry)
                for output in outputs {
                    outputKg[output["lot"]?.stringValue ?? "", default: 0] += try number(output["kg"], item, on: entry)
                }
            } catch let withheld as WithheldOperand {
                outputsWithheld = withheld.what
            }
            let allOutputs = outputKg.values.reduce(0, +)
            var share = 1.0
            var shareWithheld: String?
            for part in lot["parts"]?.arrayValue ?? [] {
                let kind = part["kind"]?.stringValue ?? ""
                let key = "\(kind)|\(id)|\(part["entry"].map { $0.canonicalString } ?? "")"
                guard let stage = part["stage"]?.stringValue, Self.stages.contains(stage),
                    let primary = part["primary"]?.boolValue
                else { throw fail(item, "a \(kind) part without a known stage, or without primary") }
                stageOf[key] = stage
                primaryOf[key] = primary
                var perKg: [String: Double] = [:]
                do {
                    switch kind {
                    case "process":
                        guard BundleVerifier.count(part["entry"]) == entry else {
                            throw fail(item, "the process part is not entry \(entry), the event that made the lot")
                        }
                        // The share passes the lot's weight to its inputs, so it is worked out even when
                        // the emissions rest on a withheld field.
                        var e: [String: Double] = [:]
                        var emissionsWithheld: WithheldOperand?
                        do {
                            e = try emissions(part["terms"]?.arrayValue ?? [], item, entry: entry)
                        } catch let withheld as WithheldOperand {
                            emissionsWithheld = withheld
                        }
                        if let outputsWithheld { throw WithheldOperand(what: outputsWithheld) }
                        do {
                            share = try allocationShare(part, lot: id, own: own, outputKg: outputKg, entry: entry, item)
                        } catch let withheld as WithheldOperand {
                            shareWithheld = withheld.what
                            throw emissionsWithheld ?? withheld
                        }
                        if let emissionsWithheld { throw emissionsWithheld }
                        for method in Self.methods { perKg[method] = (e[method] ?? 0) * share / own }
                    case "shipment":
                        guard let shipment = BundleVerifier.count(part["entry"]) else {
                            throw fail(item, "a shipment part without entry")
                        }
                        try checkShipment(part, lot: id, entry: shipment, item)
                        let e = try emissions(part["terms"]?.arrayValue ?? [], item, entry: shipment)
                        let moved = try number(part["moved"], item, on: shipment)
                        let shipped = try (part["shipped"]?.arrayValue ?? []).reduce(0.0) {
                            $0 + (try number($1, item, on: shipment))
                        }
                        if let outputsWithheld { throw WithheldOperand(what: outputsWithheld) }
                        for method in Self.methods { perKg[method] = (e[method] ?? 0) * moved / shipped / own }
                    case "default":
                        guard let factorKey = part["factor"]?["key"]?.stringValue else {
                            throw fail(item, "the default's factor is not a row of a factor table")
                        }
                        try checkMaterialDefault(factorKey, lot: traced, id: id, entry: entry, item)
                        let factor = try number(part["factor"], item)
                        for method in Self.methods { perKg[method] = factor }
                    case "no-data":
                        break
                    default:
                        throw fail(item, "unknown part kind \(kind)")
                    }
                } catch let withheld as WithheldOperand {
                    withheldParts[key] = (withheld.what, kind != "no-data")
                    continue
                }
                if let what = weightWithheld[id] {
                    withheldParts[key] = (what, perKg.values.contains { $0 != 0 })
                    continue
                }
                for method in Self.methods {
                    computed[key, default: [:]][method, default: 0] += (perKg[method] ?? 0) * w
                }
            }
            // Pass the weight down, or the withheld field it rests on.
            let inputs = traced["inputs"]?.arrayValue ?? []
            let counts = lot["counts"]?.stringValue ?? "none"
            guard counts == "process" || counts == "no-data" else { continue }
            for input in inputs {
                let inputID = input["lot"]?.stringValue ?? ""
                do {
                    if let what = weightWithheld[id] ?? outputsWithheld ?? (counts == "process" ? shareWithheld : nil) {
                        throw WithheldOperand(what: what)
                    }
                    let kg = try number(input["kg"], item, on: entry)
                    let rate = counts == "process" ? share / own : 1 / allOutputs
                    weight[inputID, default: 0] += w * kg * rate
                } catch let withheld as WithheldOperand {
                    weightWithheld[inputID] = weightWithheld[inputID] ?? withheld.what
                }
            }
        }
        for step in working["assembly"]?.arrayValue ?? [] {
            let key = "assembly|\(step["lot"]?.stringValue ?? "")|\(step["entry"].map { $0.canonicalString } ?? "")"
            guard let entry = BundleVerifier.count(step["entry"]), let stage = step["stage"]?.stringValue,
                Self.stages.contains(stage), let primary = step["primary"]?.boolValue
            else { throw fail("footprint assembly", "a step without entry, a known stage or primary") }
            stageOf[key] = stage
            primaryOf[key] = primary
            do {
                let e = try emissions(step["terms"]?.arrayValue ?? [], "footprint assembly", entry: entry)
                for method in Self.methods { computed[key, default: [:]][method, default: 0] += e[method] ?? 0 }
            } catch let withheld as WithheldOperand {
                withheldParts[key] = (withheld.what, true)
            }
        }
        // The unit shipments: each its shipment's E times the unit's share, whole (a unit is all in
        // the subject).
        let units = subjectUnits()
        for step in working["unitShipments"]?.arrayValue ?? [] {
            let lot = step["lot"]?.stringValue ?? ""
            let key = "unit-shipment|\(lot)|\(step["entry"].map { $0.canonicalString } ?? "")"
            let item = "footprint unit shipment \(lot)"
            guard let entry = BundleVerifier.count(step["entry"]), let stage = step["stage"]?.stringValue,
                Self.stages.contains(stage), let primary = step["primary"]?.boolValue
            else { throw fail(item, "a unit shipment without entry, a known stage or primary") }
            guard stageOf[key] == nil else { throw fail(item, "entry \(entry) is listed twice") }
            stageOf[key] = stage
            primaryOf[key] = primary
            do {
                let e = try emissions(step["terms"]?.arrayValue ?? [], item, entry: entry)
                let share = try unitShare(step, unit: lot, entry: entry, subjectUnits: units, item)
                for method in Self.methods { computed[key, default: [:]][method] = (e[method] ?? 0) * share }
            } catch let withheld as WithheldOperand {
                withheldParts[key] = (withheld.what, true)
            }
        }
        // A part with a withheld field is stated, however much else of it is known.
        for key in withheldParts.keys { computed[key] = nil }
        // Compare with each stated contribution, then the totals.
        var matched: Set<String> = []
        var sums: [String: [String: Double]] = [:]
        var statedParts: [String] = []
        for contribution in stated {
            let key =
                "\(contribution["kind"]?.stringValue ?? "")|\(contribution["lot"]?.stringValue ?? "")|\(contribution["entry"].map { $0.canonicalString } ?? "")"
            guard computed[key] != nil || withheldParts[key] != nil else {
                throw fail("footprint contribution \(key)", "the working has no such part")
            }
            guard contribution["stage"]?.stringValue == stageOf[key],
                contribution["primary"]?.boolValue == primaryOf[key]
            else {
                throw fail("footprint contribution \(key)", "stage, primary or lot differs from the working")
            }
            matched.insert(key)
            guard let values = computed[key] else {
                // Stated: counted in the totals as the bundle states it.
                statedParts.append(key)
                for method in Self.methods {
                    sums[method, default: [:]][stageOf[key] ?? "", default: 0] +=
                        contribution["kgCO2e"]?[method]?.doubleValue ?? 0
                }
                continue
            }
            for method in Self.methods {
                let claimed = contribution["kgCO2e"]?[method]?.doubleValue ?? 0
                let value = values[method] ?? 0
                guard Self.close(claimed, value) || abs(claimed - value) <= 1e-9 else {
                    throw fail(
                        "footprint contribution \(key)",
                        "\(method): the bundle states \(claimed) kg CO2e, the working gives \(value)"
                    )
                }
            }
        }
        for (key, values) in computed {
            let stage = stageOf[key] ?? ""
            for method in Self.methods { sums[method, default: [:]][stage, default: 0] += values[method] ?? 0 }
            if !matched.contains(key), values.values.contains(where: { abs($0) > 1e-9 }) {
                throw fail("footprint contribution \(key)", "the working gives a part the bundle does not state")
            }
        }
        if let (key, part) = withheldParts.sorted(by: { $0.key < $1.key }).first(where: {
            $0.value.mayGive && !matched.contains($0.key)
        }) {
            throw fail(
                "footprint contribution \(key)",
                "the working has the part, which rests on \(part.what), withheld, but the bundle does not state it"
            )
        }
        for method in Self.methods {
            for stage in Self.stages {
                let claimed = total[method]?[stage]?.doubleValue ?? 0
                let value = sums[method]?[stage] ?? 0
                guard Self.close(claimed, value) || abs(claimed - value) <= 1e-9 else {
                    throw fail(
                        "footprint total",
                        "\(method) \(stage): the bundle states \(claimed), the working gives \(value)"
                    )
                }
            }
        }
        guard !statedParts.isEmpty else { return .recomputed(items: computed.count) }
        let withheld = Set(statedParts.compactMap { withheldParts[$0]?.what }).sorted()
        return .partly(
            items: computed.count,
            stated: statedParts.sorted().map { $0.replacing("|", with: " ") },
            reason: "\(withheld.joined(separator: ", ")) \(withheld.count == 1 ? "is" : "are") withheld by the profile"
        )
    }

    /// A unit's share of a shipment by id (Docs/EXPORTS.md §1.5): its mass over the mass of every
    /// unit the shipment entry's `epcList` names, each mass as the carried commissioning and
    /// assembly entries recorded before the shipment give it; an equal share each when one weighs
    /// nothing.
    ///
    /// - Throws: ``BundleVerifier/Failure`` when the unit is not the subject or in it, the units are
    ///   not the entry's `epcList`, or a stated mass or the share is not what the entries give;
    ///   ``WithheldOperand`` when a mass rests on a withheld field.
    private func unitShare(
        _ step: JSONValue,
        unit: String,
        entry: UInt64,
        subjectUnits: Set<String>,
        _ item: String
    ) throws -> Double {
        guard subjectUnits.contains(unit) else {
            throw fail(
                item,
                "\(unit) is not the subject, nor in it as the assembly entries the bundle carries give it"
            )
        }
        guard types[entry] == SupplyChainLedger.EntryType.event, let body = bodies[entry],
            body["errorDeclaration"] == nil
        else { throw fail(item, "entry \(entry) is not an event the bundle carries") }
        let listed = body["epcList"]?.arrayValue?.map { $0.stringValue ?? "" } ?? []
        let units = step["units"]?.arrayValue ?? []
        let names = units.map { $0["unit"]?.stringValue ?? "" }
        guard names == listed, Set(names).count == names.count, let position = names.firstIndex(of: unit) else {
            throw fail(item, "the units are not entry \(entry)'s epcList, each once in its order, \(unit) among them")
        }
        let index = assemblies(before: entry)
        var masses: [Double] = []
        for (name, element) in zip(names, units) {
            let kg = try number(unitMassOperand: unitMass(name, in: index, item))
            guard let stated = element["kg"]?.doubleValue, Self.close(stated, kg) || abs(stated - kg) <= 1e-12 else {
                throw fail(
                    item,
                    "unit \(name): the bundle states \(element["kg"].map { $0.canonicalString } ?? "no") kg, the entries recorded before entry \(entry) give \(kg)"
                )
            }
            masses.append(kg)
        }
        let all = masses.reduce(0, +)
        let share = masses.allSatisfy { $0 > 0 } && all > 0 ? masses[position] / all : 1 / Double(masses.count)
        guard let stated = step["share"]?.doubleValue, Self.close(stated, share) else {
            throw fail(
                item,
                "share \(step["share"].map { $0.canonicalString } ?? "missing") stated, the units' masses give \(share)"
            )
        }
        return share
    }

    /// A value's number, or ``WithheldOperand`` naming the withheld field.
    private func number(unitMassOperand value: Value) throws -> Double {
        switch value {
        case .number(let kg): return kg
        case .withheld(let what): throw WithheldOperand(what: what)
        }
    }

    /// A process part's allocation share *s* of its event's emissions (Docs/EXPORTS.md §1.5).
    private func allocationShare(
        _ part: JSONValue,
        lot id: String,
        own: Double,
        outputKg: [String: Double],
        entry: UInt64,
        _ item: String
    ) throws -> Double {
        switch part["allocation"]?["method"]?.stringValue ?? "single" {
        case "single":
            guard outputKg.count == 1 else {
                throw fail(item, "single allocation, but the event has several outputs")
            }
            return 1
        case "mass": return own / outputKg.values.reduce(0, +)
        case "economic":
            var values: [String: Double] = [:]
            let prices = part["allocation"]?["prices"]?.objectValue ?? [:]
            for (lotID, kg) in outputKg {
                values[lotID] = try kg * (prices[lotID].map { try number($0, item, on: entry) } ?? 0)
            }
            return (values[id] ?? 0) / values.values.reduce(0, +)
        default: throw fail(item, "unknown allocation method")
        }
    }
}
