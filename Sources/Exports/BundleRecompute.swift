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
        /// Root lot → kg in the subject (nil when withheld).
        var roots: [(lot: String, kg: Value)]
    }

    static let methods = ["location-based", "market-based", "eu-draft"]
    static let stages = ["raw-material-acquisition", "main-production", "distribution", "end-of-life"]

    let bundle: JSONValue
    let bodies: [UInt64: JSONValue]

    private func fail(_ item: String, _ message: String) -> BundleVerifier.Failure {
        BundleVerifier.Failure(item: item, message: message)
    }

    /// Reads an operand (or a constant) and checks it against the field it names.
    func value(_ operand: JSONValue?, _ item: String) throws -> Value {
        guard let operand else { throw fail(item, "an operand is missing") }
        if let constant = operand["value"]?.doubleValue, operand["rule"] != nil { return .number(constant) }
        guard let sequence = BundleVerifier.count(operand["entry"]), let at = operand["at"]?.stringValue,
            let pointer = try? JSONPointer(at)
        else { throw fail(item, "an operand needs entry and at") }
        guard let body = bodies[sequence] else {
            throw fail(item, "operand on entry \(sequence), which the bundle does not carry")
        }
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
                kg = try value(root["kg"], "trace root \(lot)")
            }
            if case .withheld(let what) = kg { withheld = withheld ?? what }
            roots.append((lot, kg))
        }
        try checkSubject(rootList)
        // Each lot's own element must be among its outputs, its inputs must be lots of the trace
        // that come after it, and the fields named must hold the lots named.
        var rates: [String: [(input: String, kg: Value)]] = [:]
        var totals: [String: Value] = [:]
        for lot in lots {
            let id = lot["lot"]?.stringValue ?? ""
            let lotItem = "trace lot \(id)"
            let outputs = lot["outputs"]?.arrayValue ?? []
            guard outputs.contains(where: { $0["lot"]?.stringValue == id }) else {
                throw fail(
                    lotItem,
                    "the lot is not among the outputs of entry \(lot["entry"].map { $0.canonicalString } ?? "?")"
                )
            }
            var sum = 0.0
            var sumWithheld: String?
            for output in outputs {
                try checkLot(output, lotItem)
                switch try value(output["kg"], lotItem) {
                case .number(let kg): sum += kg
                case .withheld(let what): sumWithheld = sumWithheld ?? what
                }
            }
            totals[id] = sumWithheld.map(Value.withheld) ?? .number(sum)
            for input in lot["inputs"]?.arrayValue ?? [] {
                try checkLot(input, lotItem)
                guard let inputID = input["lot"]?.stringValue, let inputPosition = position[inputID] else {
                    throw fail(lotItem, "an input that is not a lot of the trace")
                }
                guard inputPosition > position[id] ?? 0 else {
                    throw fail(lotItem, "input \(inputID) comes before the lot: the lots are not in lineage order")
                }
                rates[id, default: []].append((inputID, try value(input["kg"], lotItem)))
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
        if let checkedWithheld {
            result = .stated(reason: "\(checkedWithheld) is withheld by the profile")
        } else {
            result = .recomputed(items: lots.count)
        }
        return Flows(result: result, lots: byLot, roots: roots)
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
                    let first = range["first"]?.stringValue.flatMap({ UInt64($0) }),
                    let last = range["last"]?.stringValue.flatMap({ UInt64($0) })
                else { return false }
                let digits = subject.dropFirst(start.count)
                guard let number = UInt64(digits), String(number) == digits else { return false }
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

    private func number(_ operand: JSONValue?, _ item: String) throws -> Double {
        switch try value(operand, item) {
        case .number(let value): return value
        case .withheld(let what): throw WithheldOperand(what: what)
        }
    }

    /// A process's emissions per method from its terms, each term's stated kg CO2e checked.
    private func emissions(_ terms: [JSONValue], _ item: String) throws -> [String: Double] {
        var byMethod: [String: Double] = [:]
        for term in terms {
            var product = try number(term["factor"], item)
            for amount in term["amount"]?.arrayValue ?? [] { product *= try number(amount, item) }
            guard let stated = term["kgCO2e"]?.doubleValue, Self.close(stated, product) else {
                throw fail(
                    item,
                    "a \(term["what"]?.stringValue ?? "") term states \(term["kgCO2e"].map { $0.canonicalString } ?? "nothing"), its amounts and factor give \(product)"
                )
            }
            let method = term["method"]?.stringValue ?? "all"
            for target in Self.methods where method == "all" || method == target {
                byMethod[target, default: 0] += product
            }
        }
        return byMethod
    }

    private func recomputeFootprint(
        _ working: JSONValue,
        flows: Flows,
        stated: [JSONValue],
        total: JSONObject
    ) throws -> BundleVerifier.Recomputation {
        var weight: [String: Double] = [:]
        for root in flows.roots {
            guard case .number(let kg) = root.kg else { throw WithheldOperand(what: "a root") }
            weight[root.lot, default: 0] += kg
        }
        // key "kind|lot|entry" → method → kg CO2e; stage by key.
        var computed: [String: [String: Double]] = [:]
        var stageOf: [String: String] = [:]
        let lots = working["lots"]?.arrayValue ?? []
        var seen: Set<String> = []
        for lot in lots {
            guard let id = lot["lot"]?.stringValue, let traced = flows.lots[id] else {
                throw fail("footprint", "a working lot that is not in the trace")
            }
            guard seen.insert(id).inserted else { throw fail("footprint lot \(id)", "listed twice") }
            let item = "footprint lot \(id)"
            let w = weight[id] ?? 0
            let outputs = traced["outputs"]?.arrayValue ?? []
            guard let ownElement = outputs.first(where: { $0["lot"]?.stringValue == id }) else {
                throw fail(item, "the lot is not among its outputs")
            }
            let own = try number(ownElement["kg"], item)
            var outputKg: [String: Double] = [:]
            for output in outputs {
                outputKg[output["lot"]?.stringValue ?? "", default: 0] += try number(output["kg"], item)
            }
            let allOutputs = outputKg.values.reduce(0, +)
            var share = 1.0
            for part in lot["parts"]?.arrayValue ?? [] {
                let kind = part["kind"]?.stringValue ?? ""
                let key = "\(kind)|\(id)|\(part["entry"].map { $0.canonicalString } ?? "")"
                stageOf[key] = part["stage"]?.stringValue
                var perKg: [String: Double] = [:]
                switch kind {
                case "process":
                    let e = try emissions(part["terms"]?.arrayValue ?? [], item)
                    switch part["allocation"]?["method"]?.stringValue ?? "single" {
                    case "single": share = 1
                    case "mass": share = own / allOutputs
                    case "economic":
                        var values: [String: Double] = [:]
                        let prices = part["allocation"]?["prices"]?.objectValue ?? [:]
                        for (lotID, kg) in outputKg {
                            values[lotID] = try kg * (prices[lotID].map { try number($0, item) } ?? 0)
                        }
                        share = (values[id] ?? 0) / values.values.reduce(0, +)
                    default: throw fail(item, "unknown allocation method")
                    }
                    for method in Self.methods { perKg[method] = (e[method] ?? 0) * share / own }
                case "shipment":
                    let e = try emissions(part["terms"]?.arrayValue ?? [], item)
                    let moved = try number(part["moved"], item)
                    let shipped = try (part["shipped"]?.arrayValue ?? []).reduce(0.0) { $0 + (try number($1, item)) }
                    for method in Self.methods { perKg[method] = (e[method] ?? 0) * moved / shipped / own }
                case "default":
                    let factor = try number(part["factor"], item)
                    for method in Self.methods { perKg[method] = factor }
                case "no-data":
                    break
                default:
                    throw fail(item, "unknown part kind \(kind)")
                }
                for method in Self.methods {
                    computed[key, default: [:]][method, default: 0] += (perKg[method] ?? 0) * w
                }
            }
            // Pass the weight down.
            let inputs = traced["inputs"]?.arrayValue ?? []
            switch lot["counts"]?.stringValue ?? "none" {
            case "process":
                for input in inputs {
                    let kg = try number(input["kg"], item)
                    weight[input["lot"]?.stringValue ?? "", default: 0] += w * kg * share / own
                }
            case "no-data":
                for input in inputs {
                    let kg = try number(input["kg"], item)
                    weight[input["lot"]?.stringValue ?? "", default: 0] += w * kg / allOutputs
                }
            default:
                break
            }
        }
        for step in working["assembly"]?.arrayValue ?? [] {
            let key = "assembly|\(step["lot"]?.stringValue ?? "")|\(step["entry"].map { $0.canonicalString } ?? "")"
            let e = try emissions(step["terms"]?.arrayValue ?? [], "footprint assembly")
            stageOf[key] = step["stage"]?.stringValue
            for method in Self.methods { computed[key, default: [:]][method, default: 0] += e[method] ?? 0 }
        }
        // Compare with each stated contribution, then the totals.
        var matched: Set<String> = []
        var sums: [String: [String: Double]] = [:]
        for contribution in stated {
            let key =
                "\(contribution["kind"]?.stringValue ?? "")|\(contribution["lot"]?.stringValue ?? "")|\(contribution["entry"].map { $0.canonicalString } ?? "")"
            guard let values = computed[key] else {
                throw fail("footprint contribution \(key)", "the working has no such part")
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
            matched.insert(key)
        }
        for (key, values) in computed {
            let stage = stageOf[key] ?? ""
            for method in Self.methods { sums[method, default: [:]][stage, default: 0] += values[method] ?? 0 }
            if !matched.contains(key), values.values.contains(where: { abs($0) > 1e-9 }) {
                throw fail("footprint contribution \(key)", "the working gives a part the bundle does not state")
            }
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
        return .recomputed(items: computed.count)
    }
}
