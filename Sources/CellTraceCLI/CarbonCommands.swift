import ArgumentParser
import Carbon
import Exports
import LedgerCore
import Provenance
import SupplyChain

/// The `celltrace footprint` command.
struct FootprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "footprint",
        abstract: "Compute the carbon footprint of a cell, module, pack or lot, with the working shown.",
        discussion: prose(
            """
            Prints kg CO2e in total, per kWh of usable energy and per kWh delivered over the service
            life (the EU functional unit, from the battery model's parameters), per life-cycle stage,
            with electricity counted location-based, market-based and by the draft EU rule side by side;
            the primary data share; the data gaps ranked by what they carry; and a receipt: every entry,
            factor and rule used. For a lot, the figures are for the whole lot and per kg.

            Example:
              celltrace footprint urn:epc:id:sgtin:4012345.011111.1
              celltrace footprint urn:celltrace:lot:cam-811-0210 --json
              celltrace footprint urn:epc:id:sgtin:4012345.011111.1 --csv > working.csv
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var asOf: AsOfOption
    @Argument(help: "A cell serial, module or pack id, or a lot.") var subject: String
    @Flag(help: "Print JSON (with the full receipt).") var json = false
    @Flag(help: "Print CSV: a header row, then one row a contribution (every one), largest first.") var csv = false

    func validate() throws {
        if json, csv { throw ValidationError("give --json or --csv, not both") }
    }

    func run() throws {
        let footprint = try FootprintOutput.compute(
            options: options,
            asOf: asOf,
            subject: subject,
            scenario: Scenario()
        )
        if csv {
            Console.out(FootprintOutput.csv(footprint))
            return
        }
        Console.out(json ? FootprintOutput.json(footprint).canonicalString : FootprintOutput.text(footprint))
    }
}

/// The `celltrace what-if` command.
struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "what-if",
        abstract: "Recompute a footprint with inputs changed, and show the difference.",
        discussion: prose(
            """
            Changes: --replace-factor KEY=VALUE (keys: grid:REGION[:location|consumption-mix|residual-mix],
            fuel:NAME:MJ|kg|L|m3, transport:MODE, material:NAME[@CC]); --supply FACILITY=KIND[:FACTOR]
            (every electricity supply of the facility's events becomes onsite, direct-line or ppa at
            FACTOR kg CO2e/kWh, which they need; certificate at FACTOR, 0 when none is given; or grid,
            which takes no FACTOR: its factors are the tables', changed with --replace-factor);
            --replace-lot OLD=NEW (material consumed from lot OLD counted at lot NEW's footprint per
            kg: another source; NEW must not be OLD nor made from it, and a NEW of another material
            is warned of); or --scenario FILE with
            {"factors": {KEY: VALUE}, "supplies": {FACILITY: {"supply": KIND, "kgCO2ePerKWh": F}},
            "lots": {OLD: NEW}}. Each factor, facility and lot is changed once, in flags and file
            together.

            Example:
              celltrace what-if urn:epc:id:sgtin:4012345.011111.1 --supply urn:epc:id:sgln:6923456.00001.0=direct-line:0.02
              celltrace what-if urn:epc:id:sgtin:4012345.011111.1 --replace-factor grid:CN-SC=0.1
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var asOf: AsOfOption
    @Argument(help: "A cell serial, module or pack id, or a lot.") var subject: String
    @Option(name: .customLong("replace-factor"), help: "KEY=VALUE: a factor replaced (repeatable).")
    var factors: [String] = []
    @Option(
        name: .customLong("supply"),
        help: "FACILITY=KIND[:FACTOR]: a facility's electricity supply replaced (repeatable)."
    )
    var supplies: [String] = []
    @Option(name: .customLong("replace-lot"), help: "OLD=NEW: a consumed lot replaced by another (repeatable).")
    var lots: [String] = []
    @Option(help: "A scenario file (JSON).") var scenario: String?
    @Flag(help: "Print JSON.") var json = false

    /// A what-if factor: a finite number ≥ 0, as text or as a number.
    static func factor(_ text: String) -> Double? { Double(text).flatMap(factor) }

    /// A what-if factor: finite and ≥ 0, or `nil`.
    static func factor(_ value: Double) -> Double? { value.isFinite && value >= 0 ? value : nil }

    /// The scenario the flags and the scenario file give.
    ///
    /// - Throws: ``Failure/badInput(_:)`` (exit 2) for a malformed or repeated change, naming it.
    func buildScenario() throws -> Scenario { try buildChanges().scenario }

    /// The changes the flags and the scenario file give, and where each was given.
    struct Changes {
        /// The scenario.
        var scenario = Scenario()
        /// Where each change was given, by what it changes (`factor:KEY` with the key normalised,
        /// `supply:FACILITY`, `lot:OLD`): the flag as typed, or the file and JSON Pointer.
        var places: [String: String] = [:]

        /// Records that `place` changes `what`.
        ///
        /// - Throws: ``Failure/badInput(_:)`` naming both places when `what` was changed already:
        ///   a second value would otherwise silently win.
        mutating func claim(_ what: String, at place: String, said name: String) throws {
            if let first = places[what] {
                throw Failure.badInput("\(place): \(name) is changed twice (first by \(first)); give each change once")
            }
            places[what] = place
        }
    }

    /// The supply kinds whose what-if needs a factor: the account takes theirs as stated.
    static let suppliesNeedingFactor: Set<ElectricitySupply> = [.onsite, .directLine, .ppa]

    /// Why a supply change of `kind` with or without a factor cannot be computed, or `nil`.
    ///
    /// A grid supply's factors are the tables' (location, residual mix, consumption mix): a factor
    /// given with it would be printed and never used. An on-site, direct-line or PPA supply is
    /// counted at its stated factor, so one must be given. Certificates without one count as 0, as
    /// they do in the ledger (`Docs/CARBON-METHOD.md` §3).
    static func supplyProblem(_ kind: ElectricitySupply, hasFactor: Bool) -> String? {
        if kind == .grid, hasFactor {
            return
                "a grid supply takes its factors from the factor tables, not from what-if; change the grid's factor with --replace-factor grid:REGION=VALUE (or grid:REGION:residual-mix=VALUE, grid:REGION:consumption-mix=VALUE)"
        }
        if suppliesNeedingFactor.contains(kind), !hasFactor {
            return "\(kind.withArticle) supply is counted at its own factor, so what-if needs it, in kg CO2e per kWh"
        }
        return nil
    }

    /// The changes the flags and the scenario file give, and where each was given.
    ///
    /// - Throws: ``Failure/badInput(_:)`` (exit 2) for a malformed change, a supply change that
    ///   cannot be computed as given, or a factor, facility or lot changed twice.
    func buildChanges() throws -> Changes {
        var result = Changes()
        func split(_ text: String, _ flag: String) throws -> (String, String) {
            guard let index = text.lastIndex(of: "="), index != text.startIndex else {
                throw Failure.badInput("--\(flag) \(text): expected KEY=VALUE")
            }
            return (String(text[..<index]), String(text[text.index(after: index)...]))
        }
        func supply(_ text: String, facility: String) throws -> SupplyChange {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard let kind = parts.first.flatMap(ElectricitySupply.init(rawValue:)) else {
                throw Failure.badInput(
                    "--supply \(facility)=\(text): the supply is one of \(ElectricitySupply.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            if let problem = Self.supplyProblem(kind, hasFactor: parts.count > 1) {
                let form = kind == .grid ? "" : " (\(kind.rawValue):FACTOR)"
                throw Failure.badInput("--supply \(facility)=\(text): \(problem)\(form)")
            }
            let factor = parts.count > 1 ? Self.factor(parts[1]) : 0
            guard let factor else {
                throw Failure.badInput("--supply \(facility)=\(text): the factor is kg CO2e per kWh, a number ≥ 0")
            }
            // As the import holds a stated factor: a larger one is a wrong unit.
            guard factor <= ElectricitySupply.largestStatedFactor else {
                throw Failure.badInput(
                    "--supply \(facility)=\(text): the factor \(ElectricitySupply.statedFactorTooLarge)"
                )
            }
            return SupplyChange(supply: kind, kgCO2ePerKWh: factor)
        }
        if let scenario {
            try read(scenarioFile: scenario, into: &result)
        }
        for text in factors {
            let (key, value) = try split(text, "replace-factor")
            guard let number = Self.factor(value) else {
                throw Failure.badInput("--replace-factor \(text): the value must be a finite number ≥ 0")
            }
            try result.claim(
                "factor:" + FactorSet.normalisedKey(key),
                at: "--replace-factor \(text)",
                said: "factor key \(key)"
            )
            result.scenario.factors[key] = number
        }
        for text in supplies {
            let (facility, value) = try split(text, "supply")
            let change = try supply(value, facility: facility)
            try result.claim("supply:" + facility, at: "--supply \(text)", said: "the supply at \(facility)")
            result.scenario.supplies[facility] = change
        }
        for text in lots {
            let (old, new) = try split(text, "replace-lot")
            try result.claim("lot:" + old, at: "--replace-lot \(text)", said: "lot \(old)")
            result.scenario.lots[old] = new
        }
        guard !result.scenario.isEmpty else {
            throw Failure.badInput("what-if needs a change: --replace-factor, --supply, --replace-lot or --scenario")
        }
        return result
    }

    /// Reads a scenario file into `result`, naming the file and the JSON Pointer of what is wrong.
    private func read(scenarioFile path: String, into result: inout Changes) throws {
        let file: JSONValue
        do {
            file = try JSONValue(parsing: try InputFile.read(path))
        } catch let error as LedgerError {
            throw Failure.badInput("\(path): \(error.message)")
        }
        func fail(_ pointer: String, _ message: String) -> Failure {
            Failure.badInput("\(path): \(pointer) \(message)")
        }
        guard let members = file.objectValue else {
            throw fail("/", "must be an object with factors, supplies or lots")
        }
        for key in members.keys where !["factors", "supplies", "lots"].contains(key) {
            throw fail("/\(key)", "is not a scenario member (factors, supplies, lots)")
        }
        func section(_ name: String) throws -> JSONObject {
            guard let value = members[name] else { return [:] }
            guard let object = value.objectValue else { throw fail("/\(name)", "must be an object") }
            return object
        }
        func number(_ value: JSONValue) -> Double? {
            value.doubleValue.flatMap(Self.factor) ?? value.stringValue.flatMap(Self.factor)
        }
        for (key, value) in try section("factors") {
            guard let factor = number(value) else { throw fail("/factors/\(key)", "must be a finite number ≥ 0") }
            try result.claim(
                "factor:" + FactorSet.normalisedKey(key),
                at: "\(path): /factors/\(key)",
                said: "factor key \(key)"
            )
            result.scenario.factors[key] = factor
        }
        for (facility, value) in try section("supplies") {
            let pointer = "/supplies/\(facility)"
            guard value.objectValue != nil else {
                throw fail(pointer, "must be an object with supply and kgCO2ePerKWh")
            }
            for key in value.objectValue?.keys ?? [] where !["supply", "kgCO2ePerKWh"].contains(key) {
                throw fail("\(pointer)/\(key)", "is not a supply member (supply, kgCO2ePerKWh)")
            }
            guard let kind = value["supply"]?.stringValue.flatMap(ElectricitySupply.init(rawValue:)) else {
                throw fail(
                    "\(pointer)/supply",
                    "must be one of \(ElectricitySupply.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            if let problem = Self.supplyProblem(kind, hasFactor: value["kgCO2ePerKWh"] != nil) {
                throw kind == .grid
                    ? fail("\(pointer)/kgCO2ePerKWh", "is not taken: \(problem)")
                    : fail("\(pointer)/kgCO2ePerKWh", "is missing: \(problem)")
            }
            guard let factor = value["kgCO2ePerKWh"].map(number) ?? 0 else {
                throw fail("\(pointer)/kgCO2ePerKWh", "must be a finite number ≥ 0")
            }
            guard factor <= ElectricitySupply.largestStatedFactor else {
                throw fail("\(pointer)/kgCO2ePerKWh", ElectricitySupply.statedFactorTooLarge)
            }
            try result.claim("supply:" + facility, at: "\(path): \(pointer)", said: "the supply at \(facility)")
            result.scenario.supplies[facility] = SupplyChange(supply: kind, kgCO2ePerKWh: factor)
        }
        for (old, value) in try section("lots") {
            guard let new = value.stringValue else { throw fail("/lots/\(old)", "must be a lot id") }
            try result.claim("lot:" + old, at: "\(path): /lots/\(old)", said: "lot \(old)")
            result.scenario.lots[old] = new
        }
    }

    func run() throws {
        let changes = try buildChanges()
        let scenario = changes.scenario
        var warnings: [String] = []
        let footprints = try FootprintOutput.compute(
            options: options,
            asOf: asOf,
            subject: subject,
            scenarios: [Scenario(), scenario]
        ) { replacements in
            warnings = try Self.check(replacements, places: changes.places)
        }
        let (base, changed) = (footprints[0], footprints[1])
        let unreached = scenario.unreached(base: base, changed: changed)
        guard unreached.isEmpty else {
            throw Failure.badInput(
                "what-if: \(unreached.count == 1 ? "a change reaches" : "changes reach") nothing in the footprint of \(subject):\n  "
                    + unreached.joined(separator: "\n  ")
                    + "\n(`celltrace footprint \(subject)` lists the factors, facilities and lots it uses)"
            )
        }
        for warning in warnings { Console.err("celltrace: warning: \(warning)") }
        if json {
            Console.out(
                JSONValue.object([
                    "base": FootprintOutput.json(base), "scenario": FootprintOutput.json(changed),
                    "changes": Self.json(scenario), "difference": Self.difference(base, changed),
                    // What standard error says too: a replacement by a lot of another material.
                    "warnings": .array(warnings.map(JSONValue.string)),
                ]).canonicalString
            )
            return
        }
        var lines = ["what-if   \(subject)", "as of     ledger size \(base.asOfSize)", "changes"]
        for (key, value) in scenario.factors.sorted(by: { $0.key < $1.key }) {
            lines.append("  factor \(key) = \(Number.significant(value))")
        }
        for (facility, change) in scenario.supplies.sorted(by: { $0.key < $1.key }) {
            lines.append("  electricity at \(facility): \(Self.describe(change))")
        }
        for (old, new) in scenario.lots.sorted(by: { $0.key < $1.key }) { lines.append("  lot \(old) → \(new)") }
        var table = TextTable("KG CO2E", "BASE", "SCENARIO", "CHANGE", "CHANGE %")
        for method in ElectricityMethod.allCases {
            let before = base.total.total(method)
            let after = changed.total.total(method)
            table.add(
                method.rawValue,
                Number.significant(before),
                Number.significant(after),
                Number.significant(after - before),
                before > 0 ? Number.percent((after - before) / before) : "-"
            )
        }
        for method in ElectricityMethod.allCases {
            guard let before = base.perLifetimeKWh(method) ?? base.perUsableKWh(method),
                let after = changed.perLifetimeKWh(method) ?? changed.perUsableKWh(method)
            else { continue }
            table.add(
                "per kWh \(base.lifetimeKWh == nil ? "usable" : "lifetime") (\(method.label))",
                Number.fixed(before, 4),
                Number.fixed(after, 4),
                Number.fixed(after - before, 4),
                before > 0 ? Number.percent((after - before) / before) : "-"
            )
        }
        lines += ["", table.rendered]
        Console.out(lines.joined(separator: "\n"))
    }
}

extension WhatIfCommand {
    /// Refuses lot replacements that cannot be computed and words those worth a warning.
    ///
    /// - Parameters:
    ///   - replacements: The scenario's lot replacements as the ledger has their lots.
    ///   - places: Where each change was given (``Changes/places``), to name it.
    /// - Returns: A warning for each replacement by a lot of another material.
    /// - Throws: ``Failure/badInput(_:)`` (exit 2) naming every replacement that is the lot it
    ///   replaces or is made from it: the footprint would then drop what lies beyond the loop.
    static func check(_ replacements: [LotReplacement], places: [String: String]) throws -> [String] {
        var problems: [String] = []
        var warnings: [String] = []
        for replacement in replacements {
            let place = places["lot:" + replacement.old] ?? "--replace-lot \(replacement.old)=\(replacement.new)"
            if let path = replacement.circularPath {
                problems.append("\(place): \(circularity(replacement, path: path))")
            } else if replacement.substitutesMaterial, let old = replacement.oldMaterial,
                let new = replacement.newMaterial
            {
                warnings.append(
                    "\(place): lot \(replacement.old) is \(old) but lot \(replacement.new) is \(new); the \(new)'s footprint per kg stands in for the \(old)"
                )
            }
        }
        guard problems.isEmpty else { throw Failure.badInput(problems.joined(separator: "\n")) }
        return warnings
    }

    /// Why a replacement whose lineage reaches itself is refused, in words.
    private static func circularity(_ replacement: LotReplacement, path: [String]) -> String {
        let (old, new) = (replacement.old, replacement.new)
        guard old != new else {
            return "lot \(old) is replaced by itself, which changes nothing; give another lot"
        }
        let made = path.dropFirst().joined(separator: ", made from ")
        let reached = path.last ?? old
        let also = reached == old ? "" : " (which this scenario also replaces by \(new))"
        return
            "lot \(new) is made from \(made)\(also): the replacement would contain what it replaces; replace lot \(old) by a lot not made from it"
    }

    /// A supply change as the text output lists it, saying where a factor not given comes from.
    static func describe(_ change: SupplyChange) -> String {
        switch change.supply {
        case .grid:
            "grid (its factors from the factor tables)"
        case .certificate where change.kgCO2ePerKWh == 0:
            "certificate at 0 kg CO2e/kWh (market-based; certificates without a stated factor count as 0)"
        default:
            "\(change.supply.rawValue) at \(Number.significant(change.kgCO2ePerKWh)) kg CO2e/kWh"
        }
    }

    /// The scenario's changes as the JSON output lists them, in the form of a scenario file:
    /// `factors` (key → kg CO2e per unit), `supplies` (facility → supply and factor; a grid
    /// supply, whose factors are the tables', without one) and `lots` (old → new).
    static func json(_ scenario: Scenario) -> JSONValue {
        .object([
            "factors": .object(JSONObject(scenario.factors.mapValues { .number($0) })),
            "supplies": .object(
                JSONObject(
                    scenario.supplies.mapValues {
                        $0.supply == .grid
                            ? .object(["supply": .string($0.supply.rawValue)])
                            : .object(["supply": .string($0.supply.rawValue), "kgCO2ePerKWh": .number($0.kgCO2ePerKWh)])
                    }
                )
            ),
            "lots": .object(JSONObject(scenario.lots.mapValues { .string($0) })),
        ])
    }

    /// Scenario minus base, per method: the total kg CO2e and, when the footprint has them, per kWh
    /// (lifetime, else usable) and that change as a fraction of the base (absent for a zero base).
    static func difference(_ base: Footprint, _ changed: Footprint) -> JSONValue {
        var byMethod: JSONObject = [:]
        for method in ElectricityMethod.allCases {
            let before = base.total.total(method)
            let after = changed.total.total(method)
            var entry: JSONObject = ["kgCO2e": .number(after - before)]
            if before > 0 { entry["fraction"] = .number((after - before) / before) }
            if let perBefore = base.perLifetimeKWh(method) ?? base.perUsableKWh(method),
                let perAfter = changed.perLifetimeKWh(method) ?? changed.perUsableKWh(method)
            {
                entry[base.lifetimeKWh == nil ? "perUsableKWh" : "perLifetimeKWh"] = .number(perAfter - perBefore)
            }
            byMethod[method.rawValue] = .object(entry)
        }
        return .object(byMethod)
    }
}

/// The `celltrace declaration` command.
struct DeclarationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "declaration",
        abstract: "The Art. 7 carbon-footprint declaration of one battery model at one plant over a period.",
        discussion: prose(
            """
            Every cell of the model commissioned from cell lots made at the plant within the period
            counts; the result is their kg CO2e over the kWh they deliver over their service life, per
            life-cycle stage and electricity method. --csv lists the serial ranges
            counted, one row each, with their figures per cell and per lifetime kWh and, once verifiers
            have attested anything, the share of each that rests on attested data.

            At a module-pack plant (facility kind module-pack) the declaration counts modules and
            packs instead: every one of the model (ct:batteryModel on its first assembly naming a
            model) first assembled there within the period, the outermost of the model only (a
            module of the model in a pack of the model is the pack's), each with the kg CO2e its
            footprint gives; --csv and --json list the units.

            The declaration opens with the contents Article 7(1) asks for, (a) to (g): the
            manufacturer (the actor that made the cells at the plant), the battery model, the plant, the figure and its
            stages, the EU declaration of conformity's number (--conformity-declaration) and a link to
            the public study (--study). The last two are not in the ledger: without them the
            declaration names them as not given.

            The primary-data requirements of Annex II and the JRC draft rules (main production, and the
            cell's components) are checked for every cell lot counted: each one not met is a finding,
            printed and in --json's findings, and with --strict the command then exits 1 after printing
            the declaration. Stages that read 0 for want of data, and the fallbacks the footprints took
            for missing factors, are said too.

            Example:
              celltrace declaration --model CT-NMC811-P1 --plant urn:celltrace:facility:cell-plant --from 2026-01-01 --to 2026-12-31
              celltrace declaration --model CT-NMC811-P1 --plant urn:celltrace:facility:cell-plant --from 2026-01-01 --to 2026-12-31 --csv > ranges.csv
              celltrace declaration --model CT-NMC811-P1 --plant urn:celltrace:facility:cell-plant --from 2026-01-01 --to 2026-12-31 --conformity-declaration EU-DoC-2026-0117 --study https://example.com/cf-study.pdf
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var asOf: AsOfOption
    @Option(help: "The battery model.") var model: String
    @Option(help: "The manufacturing plant (facility id).") var plant: String
    @Option(help: "The period's first day or time.") var from: String
    @Option(help: "The period's last day (inclusive) or time.") var to: String
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV: a header row, then one row a serial range (or module or pack) counted.") var csv = false
    @Flag(help: "Exit 1 when a primary-data requirement is not met (after printing the declaration).")
    var strict = false
    @Option(
        name: .customLong("conformity-declaration"),
        help: ArgumentHelp(
            "The identification number of the EU declaration of conformity (Art. 7(1)(f)).",
            valueName: "id"
        )
    )
    var conformityDeclaration: String?
    @Option(
        help: ArgumentHelp(
            "A web link to the public version of the carbon-footprint study (Art. 7(1)(g)).",
            valueName: "url"
        )
    )
    var study: String?

    func validate() throws {
        if json, csv { throw ValidationError("give --json or --csv, not both") }
        if let conformityDeclaration {
            let blank = conformityDeclaration.allSatisfy(\.isWhitespace)
            guard !blank,
                !conformityDeclaration.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw ValidationError(
                    "--conformity-declaration \(conformityDeclaration.debugDescription): give the declaration of conformity's identification number, on one line"
                )
            }
        }
        if let study, !BatteryPassport.isURL(study) {
            throw ValidationError(
                "--study \(study.debugDescription): give an absolute URL (https://…) to the public study"
            )
        }
    }

    func run() throws {
        let declaration = try compute()
        if json {
            Console.out(Self.json(declaration).canonicalString)
        } else if csv {
            Console.out(Self.csv(declaration))
        } else {
            Console.out(Self.text(declaration))
        }
        if strict, !declaration.findings.isEmpty {
            throw Failure.verificationFailed(
                "--strict: the declaration does not meet the primary-data requirements (\(Number.count(declaration.findings.count, "finding", "findings"))): do not file it as it is"
            )
        }
    }

    /// The declaration the options ask for.
    func compute() throws -> Declaration {
        let (from, to) = try declarationPeriod(from: from, to: to)
        let chain = try options.openChain(readOnly: true)
        let point = try asOf.point()
        var declaration = try chain.read { reader, txn, now in
            let size = try point.size(in: chain.ledger, now: now)
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            return try Declaration.compute(
                model: model,
                plant: plant,
                from: from,
                to: to,
                engine: &engine,
                reader: reader,
                txn
            )
        }
        declaration.conformityDeclaration = conformityDeclaration
        declaration.study = study
        return declaration
    }

    /// The contents Article 7(1) asks of a declaration, (a) to (g), each with what this one gives
    /// for it, or `nil` where the ledger has nothing and nobody gave it; (d) and (e) are the
    /// declared method's figures.
    static func article7(_ declaration: Declaration) -> [(item: String, content: String, value: String?)] {
        let method = Declaration.declaredMethod
        let manufacturer =
            declaration.manufacturers.isEmpty
            ? nil
            : declaration.manufacturers.map { actor in
                ([actor.name, "actor \(actor.id)", actor.role.rawValue] + actor.parties).joined(separator: " · ")
            }.joined(separator: "; ")
        let model = declaration.model
        let modelText =
            ([model.id, model.name, model.chemistry, model.category.map { "category \($0)" }]
            .compactMap { $0 }).joined(separator: " · ")
        let plant = declaration.plant
        let plantText = [plant.name, plant.id, plant.country, plant.subdivision].compactMap { $0 }
            .joined(separator: " · ")
        let stages = LifeCycleStage.allCases.map {
            "\($0.rawValue) \(Number.fixed(declaration.perLifetimeKWh[method, $0], 4))"
        }
        return [
            ("a", "manufacturer", manufacturer),
            ("b", "battery model", modelText),
            ("c", "manufacturing plant", plantText),
            (
                "d", "carbon footprint",
                "\(Number.fixed(declaration.perLifetimeKWh.total(method), 4)) kg CO2e per kWh over the service life"
            ),
            ("e", "per life-cycle stage", stages.joined(separator: " · ") + " kg CO2e per kWh"),
            ("f", "EU declaration of conformity", declaration.conformityDeclaration),
            ("g", "public study", declaration.study),
        ]
    }

    /// The text's Article 7(1) block: a heading naming what is not given, then one line an item.
    static func article7Lines(_ declaration: Declaration) -> [String] {
        let items = article7(declaration)
        let missing = items.filter { $0.value == nil }
        let heading =
            missing.isEmpty
            ? "ARTICLE 7(1)  every item given"
            : "ARTICLE 7(1)  not given: " + missing.map { "(\($0.item)) \($0.content)" }.joined(separator: ", ")
        let made = declaration.scope == .units ? "first assembled the modules and packs" : "made the cells"
        let hints = [
            "a": "no actor registered in the ledger \(made)", "f": "--conformity-declaration ID",
            "g": "--study URL",
        ]
        var lines = [heading]
        for item in items {
            let label = "(\(item.item)) \(item.content)"
            let padding = String(repeating: " ", count: max(1, 34 - label.count))
            lines.append("  \(label)\(padding)\(item.value ?? "not given (\(hints[item.item] ?? "unknown"))")")
        }
        return lines
    }

    /// The declaration as text: the figures by stage and method, the shares, then the findings,
    /// the stages that read 0 for want of data and the fallbacks taken.
    static func text(_ declaration: Declaration) -> String {
        var lines = [
            "declaration  model \(declaration.model.id) at \(declaration.plant.name ?? declaration.plant.id) (\(declaration.plant.country))",
            "period       \(declaration.from.rfc3339) – \(declaration.to.rfc3339)",
            countLine(declaration),
            "unit         kWh delivered over the service life: usable × \(declaration.model.cyclesPerYear) cycles/year × \(declaration.model.serviceYears) years",
            "declared     \(Number.fixed(declaration.perLifetimeKWh.total(Declaration.declaredMethod), 4)) kg CO2e per kWh over the service life (Art. 7): the \(Declaration.declaredMethod.label.uppercased()) column; the others are for comparison (METHODS)",
            "",
        ]
        lines += article7Lines(declaration)
        lines.append("")
        var table = TextTable("KG CO2E PER KWH", "LOCATION", "MARKET", "EU DRAFT")
        func row(_ label: String, _ value: (ElectricityMethod) -> Double) {
            table.add(
                label,
                Number.fixed(value(.locationBased), 4),
                Number.fixed(value(.marketBased), 4),
                Number.fixed(value(.euDraft), 4)
            )
        }
        row("lifetime (Art. 7)") { declaration.perLifetimeKWh.total($0) }
        for stage in LifeCycleStage.allCases {
            row("  " + stage.rawValue) { declaration.perLifetimeKWh[$0, stage] }
        }
        row("usable energy") { declaration.perUsableKWh.total($0) }
        table.add(
            "primary data share",
            Number.percent(declaration.primaryShare[.locationBased] ?? 0),
            Number.percent(declaration.primaryShare[.marketBased] ?? 0),
            Number.percent(declaration.primaryShare[.euDraft] ?? 0)
        )
        table.add(
            "verified share",
            Number.percent(declaration.verifiedShare[.locationBased] ?? 0),
            Number.percent(declaration.verifiedShare[.marketBased] ?? 0),
            Number.percent(declaration.verifiedShare[.euDraft] ?? 0)
        )
        lines.append(table.rendered)
        lines.append("")
        lines.append(FootprintOutput.stageShareTable(declaration.perLifetimeKWh))
        lines.append("")
        lines.append("METHODS")
        for method in [ElectricityMethod.euDraft, .marketBased, .locationBased] {
            let label = method.label.uppercased()
            let padding = String(repeating: " ", count: max(1, 10 - label.count))
            lines.append("  \(label)\(padding)\(Declaration.role(of: method).reason)")
        }
        lines.append("")
        lines += findingLines(declaration.findings)
        let unrecorded = declaration.unrecordedStages
        if !unrecorded.isEmpty {
            lines.append("")
            lines.append("STAGES READING 0 (nothing of them recorded: 0 is not a measured value)")
            for stage in unrecorded {
                lines.append("  \(stage.rawValue): \(stage.unrecordedReason(for: counted(declaration)))")
            }
        }
        if !declaration.notes.isEmpty {
            lines.append("")
            lines.append("NOTES (fallbacks in the footprints averaged)")
            for note in declaration.notes {
                // Thousands of ranges' entries are one note's: the first are named, the rest counted.
                let named = note.entries.prefix(notedEntriesShown).map { "#\($0)" }.joined(separator: " ")
                let more =
                    note.entries.count > notedEntriesShown ? " and \(note.entries.count - notedEntriesShown) more" : ""
                lines.append("  note     \(note.note) (\(named)\(more))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The text's line saying what the declaration counts: cells in ranges, or modules and packs
    /// with their cells.
    static func countLine(_ declaration: Declaration) -> String {
        guard declaration.scope == .units else {
            return
                "cells        \(declaration.cellCount) in \(Number.count(declaration.ranges.count, "range", "ranges")) · as of ledger size \(declaration.asOfSize)"
        }
        let kinds = Set(declaration.units.map(\.kind))
        let label = kinds == [.pack] ? "packs" : kinds == [.module] ? "modules" : "units"
        let padding = String(repeating: " ", count: 13 - label.count)
        return
            "\(label)\(padding)\(declaration.units.count) holding \(Number.count(Int(declaration.cellCount), "cell", "cells")) · as of ledger size \(declaration.asOfSize)"
    }

    /// What the declaration's figure covers, for the stages that read 0: the cells, or the
    /// modules and packs.
    static func counted(_ declaration: Declaration) -> String {
        declaration.scope == .units ? "the modules and packs" : "the cells"
    }

    /// The most entries a note names in the text; `--json` lists them all.
    static let notedEntriesShown = 12

    /// The text's findings: a heading saying whether the primary-data requirements are met, then
    /// one line a finding.
    static func findingLines(_ findings: [PrimaryDataFinding]) -> [String] {
        guard !findings.isEmpty else {
            return ["FINDINGS  none: main production and the cells' components rest on primary data"]
        }
        let requirements = Set(findings.map(\.requirement))
        var lines = [
            "FINDINGS (the declaration does not meet \(Number.count(requirements.count, "primary-data requirement", "primary-data requirements")) of Annex II and the JRC draft rules)"
        ]
        for requirement in PrimaryDataFinding.Requirement.allCases where requirements.contains(requirement) {
            lines.append("  rule     \(requirement.rule)")
            let missing = findings.filter { $0.requirement == requirement }
            guard let first = missing.first, missing.count > 3 else {
                for finding in missing { lines.append("  finding  \(finding.message)") }
                continue
            }
            // Thousands of cell lots miss a rule alike: they are counted, with the lots behind
            // them and the first finding in full; `--json` lists each.
            var seen: Set<String> = []
            let lots = missing.flatMap(\.lots).filter { seen.insert($0).inserted }
            let named = lots.prefix(3).joined(separator: ", ") + (lots.count > 3 ? " and \(lots.count - 3) more" : "")
            let behind =
                requirement == .components
                ? "their components include \(Number.count(lots.count, "lot", "lots")) without company-specific data "
                    + "(\(named))"
                : "(\(named))"
            lines.append("  finding  \(missing.count) cell lots miss it: \(behind); --json lists each; the first:")
            lines.append("           \(first.message)")
        }
        return lines
    }

    /// The figure to declare under Article 7: its method, its total and its stages, per lifetime kWh.
    static func declared(_ declaration: Declaration) -> JSONValue {
        let method = Declaration.declaredMethod
        let stages: JSONValue = FootprintOutput.json(declaration.perLifetimeKWh)[method.rawValue] ?? .null
        return .object([
            "method": .string(method.rawValue),
            "kgCO2ePerLifetimeKWh": .number(declaration.perLifetimeKWh.total(method)),
            "perLifetimeKWh": stages,
        ])
    }

    static func json(_ declaration: Declaration) -> JSONValue {
        let primary = JSONValue.object(
            Dictionary(
                uniqueKeysWithValues: declaration.primaryShare.map { ($0.key.rawValue, JSONValue.number($0.value)) }
            )
        )
        // `primaryDataShare` is the member `footprint --json` gives the figure under; `primaryShare`,
        // its first name here, stays for the scripts that read it.
        var members: JSONObject = [
            "model": .string(declaration.model.id), "plant": .string(declaration.plant.id),
            "country": .string(declaration.plant.country), "from": .string(declaration.from.rfc3339),
            "to": .string(declaration.to.rfc3339), "asOfSize": .number(Double(declaration.asOfSize)),
            "cells": .number(Double(declaration.cellCount)),
            "perLifetimeKWh": FootprintOutput.json(declaration.perLifetimeKWh),
            "perUsableKWh": FootprintOutput.json(declaration.perUsableKWh),
            "stageShares": FootprintOutput.stageShares(declaration.perLifetimeKWh),
            "primaryShare": primary, "primaryDataShare": primary,
            "verifiedShare": .object(
                Dictionary(
                    uniqueKeysWithValues: ElectricityMethod.allCases.map {
                        ($0.rawValue, JSONValue.number(declaration.verifiedShare[$0] ?? 0))
                    }
                )
            ),
            "verifiedShareReasonable": .object(
                Dictionary(
                    uniqueKeysWithValues: ElectricityMethod.allCases.map {
                        ($0.rawValue, JSONValue.number(declaration.verifiedShareReasonable[$0] ?? 0))
                    }
                )
            ),
            "verification": .array(declaration.attestationsRelied.map(\.json)),
            "functionalUnit": .object([
                "model": .string(declaration.model.id),
                "usableEnergyShare": .string(declaration.model.usableEnergyShare.description),
                "cyclesPerYear": .string(declaration.model.cyclesPerYear.description),
                "serviceYears": .string(declaration.model.serviceYears.description),
                "seq": .number(Double(declaration.model.registeredAt)),
                "usableKWh": .number(declaration.usableKWh), "lifetimeKWh": .number(declaration.lifetimeKWh),
            ]),
            "declared": declared(declaration),
            "article7": article7JSON(declaration),
            "methods": .object(
                Dictionary(
                    uniqueKeysWithValues: ElectricityMethod.allCases.map { method in
                        let role = Declaration.role(of: method)
                        return (
                            method.rawValue,
                            JSONValue.object(["declarable": .bool(role.declarable), "reason": .string(role.reason)])
                        )
                    }
                )
            ),
            "primaryDataRequirementsMet": .bool(declaration.findings.isEmpty),
            "findings": .array(
                declaration.findings.map { finding in
                    .object([
                        "requirement": .string(finding.requirement.rawValue),
                        "rule": .string(finding.requirement.rule), "cellLot": .string(finding.cellLot),
                        "lots": .array(finding.lots.map(JSONValue.string)), "stage": .string(finding.stage.rawValue),
                        "message": .string(finding.message),
                    ])
                }
            ),
            "unrecordedStages": .array(
                declaration.unrecordedStages.map { stage in
                    .object([
                        "stage": .string(stage.rawValue),
                        "reason": .string(
                            stage.unrecordedReason(for: counted(declaration)) + "; 0 is not a measured value"
                        ),
                    ])
                }
            ),
            "notes": .array(
                declaration.notes.map { note in
                    .object([
                        "note": .string(note.note.description),
                        "entries": .array(note.entries.map { .number(Double($0)) }),
                    ])
                }
            ),
            "ranges": .array(
                declaration.ranges.map { range in
                    var members: JSONObject = [
                        "lot": .string(range.range.lot), "prefix": .string(range.range.prefix),
                        "first": .string(String(range.range.first)), "last": .string(String(range.range.last)),
                        "cells": .number(Double(range.range.count)),
                        "commissionedAt": .number(Double(range.range.commissionedAt)),
                        "cellMassKg": .string(range.range.cellMassKg.description),
                        "nominalEnergyKWh": .string(range.range.nominalEnergyKWh.description),
                        "eventTime": .string(range.eventTime), "perCell": FootprintOutput.json(range.perCell),
                    ]
                    if let shares = range.verifiedShare {
                        members["verifiedShare"] = .object(
                            Dictionary(
                                uniqueKeysWithValues: shares.map { ($0.key.rawValue, JSONValue.number($0.value)) }
                            )
                        )
                    }
                    return .object(members)
                }
            ),
        ]
        // A declaration of modules and packs says so, and lists them; a cell declaration's members
        // are as they were.
        if declaration.scope == .units {
            members["scope"] = .string(declaration.scope.rawValue)
            members["units"] = .array(declaration.units.map(unitJSON))
        }
        return .object(members)
    }

    /// A unit of `--json`'s `units`: its id, kind and first assembly, its cells and energy, its kg
    /// CO2e by method and stage, and its verified share once verifiers have attested anything.
    static func unitJSON(_ unit: Declaration.Unit) -> JSONValue {
        var members: JSONObject = [
            "id": .string(unit.id), "kind": .string(unit.kind.rawValue),
            "assembledAt": .number(Double(unit.firstAssembly.sequenceNumber)),
            "event": .string(unit.firstAssembly.eventID), "eventTime": .string(unit.eventTime),
            "cells": .number(Double(unit.cells)), "nominalEnergyKWh": .number(unit.nominalKWh),
            "usableKWh": .number(unit.usableKWh), "lifetimeKWh": .number(unit.lifetimeKWh),
            "kgCO2e": FootprintOutput.json(unit.kgCO2e),
        ]
        if let shares = unit.verifiedShare {
            members["verifiedShare"] = .object(
                Dictionary(uniqueKeysWithValues: shares.map { ($0.key.rawValue, JSONValue.number($0.value)) })
            )
        }
        return .object(members)
    }

    /// `--json`'s `article7`: the manufacturers, model and plant as the ledger has them, the
    /// conformity declaration and study as given (`null` when not), and the items not given.
    static func article7JSON(_ declaration: Declaration) -> JSONValue {
        let model = declaration.model
        let plant = declaration.plant
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([
            "manufacturers": .array(
                declaration.manufacturers.map { actor in
                    .object([
                        "actor": .string(actor.id), "name": .string(actor.name), "role": .string(actor.role.rawValue),
                        "parties": .array(actor.parties.map(JSONValue.string)),
                    ])
                }
            ),
            "model": .object([
                "id": .string(model.id), "name": text(model.name), "chemistry": text(model.chemistry),
                "category": text(model.category),
            ]),
            "plant": .object([
                "id": .string(plant.id), "name": text(plant.name), "country": .string(plant.country),
                "subdivision": text(plant.subdivision),
            ]),
            "conformityDeclaration": text(declaration.conformityDeclaration),
            "study": text(declaration.study),
            "notGiven": .array(
                article7(declaration).filter { $0.value == nil }.map { .string("(\($0.item)) \($0.content)") }
            ),
        ])
    }

    /// The columns of `declaration --csv` for a declaration of modules and packs.
    static let unitCSVColumns =
        ["unit", "kind", "cells", "assembled_at", "event_time", "nominal_kwh", "lifetime_kwh"]
        + CSV.methodColumns("kg_co2e_per_unit_", [""]) + CSV.methodColumns("kg_co2e_per_lifetime_kwh_", [""])
        + CSV.methodColumns("verified_share_", [""])

    /// The rows of `declaration --csv` for a declaration of modules and packs: a header row, then
    /// one row a unit counted, in the order counted: its id, kind, cells, the entry and time of
    /// its first assembly, its nominal and lifetime kWh, then by method its kg CO2e, the same per
    /// lifetime kWh, and the share resting on attested data (empty when none is recorded).
    static func unitCSV(_ declaration: Declaration) -> String {
        var rows = [CSV.row(unitCSVColumns)]
        let methods = ElectricityMethod.allCases
        for unit in declaration.units {
            rows.append(
                CSV.row(
                    [
                        unit.id, unit.kind.rawValue, String(unit.cells), String(unit.firstAssembly.sequenceNumber),
                        unit.eventTime, "\(unit.nominalKWh)", "\(unit.lifetimeKWh)",
                    ] + methods.map { "\(unit.kgCO2e.total($0))" }
                        + methods.map { "\(unit.kgCO2e.total($0) / unit.lifetimeKWh)" }
                        + methods.map { method in unit.verifiedShare?[method].map { "\($0)" } ?? "" }
                )
            )
        }
        return rows.joined(separator: "\n")
    }

    /// The columns of `declaration --csv`.
    static let csvColumns =
        ["range", "lot", "cells", "commissioned_at", "event_time", "cell_mass_kg", "nominal_kwh"]
        + CSV.methodColumns("kg_co2e_per_cell_", [""]) + CSV.methodColumns("kg_co2e_per_lifetime_kwh_", [""])
        + CSV.methodColumns("verified_share_", [""])

    /// The rows of `declaration --csv`.
    ///
    /// A header row, then one row a serial range the declaration counts, in the order it counts
    /// them: the range, its cell lot, its cells, the commissioning entry and time, a cell's mass
    /// and nominal energy, then by method the kg CO2e of a cell, the same per kWh over the cell's
    /// life (the Art. 7 basis), and the share of it resting on attested data (empty when no
    /// attestation is recorded). Figures are doubles as Swift prints them (the shortest text that
    /// reads back the same).
    static func csv(_ declaration: Declaration) -> String {
        if declaration.scope == .units { return unitCSV(declaration) }
        var rows = [CSV.row(csvColumns)]
        for range in declaration.ranges {
            let lifetime = declaration.model.lifetimeKWh(nominal: range.range.nominalEnergyKWh.doubleValue)
            let methods = ElectricityMethod.allCases
            rows.append(
                CSV.row(
                    [
                        range.range.text, range.range.lot, String(range.range.count),
                        String(range.range.commissionedAt), range.eventTime, range.range.cellMassKg.description,
                        range.range.nominalEnergyKWh.description,
                    ] + methods.map { "\(range.perCell.total($0))" }
                        + methods.map { lifetime > 0 ? "\(range.perCell.total($0) / lifetime)" : "" }
                        + methods.map { method in range.verifiedShare?[method].map { "\($0)" } ?? "" }
                )
            )
        }
        return rows.joined(separator: "\n")
    }
}

/// A declaration's period from `--from` and `--to`: a date as `--to` means the end of that day
/// (inclusive).
func declarationPeriod(
    from: String?,
    to: String?,
    flags: (from: String, to: String) = ("from", "to")
) throws -> (from: Timestamp, to: Timestamp) {
    guard let start = try timeOption(from, flags.from), var end = try timeOption(to, flags.to) else {
        throw Failure.badInput("give --\(flags.from) and --\(flags.to) together")
    }
    if to?.utf8.count == 10 { end = Timestamp(millisecondsSinceEpoch: end.millisecondsSinceEpoch + 86_399_999) }
    return (start, end)
}

/// How footprints are computed and printed by `footprint` and `what-if`.
enum FootprintOutput {
    static func compute(
        options: LedgerOptions,
        asOf: AsOfOption,
        subject id: String,
        scenario: Scenario
    ) throws -> Footprint {
        try compute(options: options, asOf: asOf, subject: id, scenarios: [scenario])[0]
    }

    /// The footprints of one subject under several scenarios, all from one snapshot of the
    /// ledger, so that a what-if's base and scenario are of the same size.
    ///
    /// - Parameters:
    ///   - options: The ledger.
    ///   - asOf: The size to answer for.
    ///   - id: The subject.
    ///   - scenarios: The scenarios, each giving one footprint.
    ///   - inspect: Given each scenario's lot replacements (``CarbonEngine/lotReplacements(_:)``)
    ///     before its footprint is computed, when it has any; a throw stops the computation.
    /// - Returns: The footprints, in the order of `scenarios`.
    /// - Throws: What opening the ledger, resolving the subject, the engine or `inspect` throws.
    static func compute(
        options: LedgerOptions,
        asOf: AsOfOption,
        subject id: String,
        scenarios: [Scenario],
        inspect: ([LotReplacement]) throws -> Void = { _ in }
    ) throws -> [Footprint] {
        let chain = try options.openChain(readOnly: true)
        let point = try asOf.point()
        return try chain.read { reader, txn, now in
            let size = try point.size(in: chain.ledger, now: now)
            let subject = try Subject.resolve(id, reader: reader, size: size, txn)
            noteRecordedForm(of: id, subject)
            return try scenarios.map { scenario in
                var engine = try CarbonEngine(reader: reader, size: size, scenario: scenario, txn)
                if !scenario.lots.isEmpty { try inspect(try engine.lotReplacements(txn)) }
                return try engine.footprint(of: subject, txn)
            }
        }
    }

    static func json(_ emissions: Emissions) -> JSONValue {
        var methods: [String: JSONValue] = [:]
        for method in ElectricityMethod.allCases {
            var stages: [String: JSONValue] = ["total": .number(emissions.total(method))]
            for stage in LifeCycleStage.allCases { stages[stage.rawValue] = .number(emissions[method, stage]) }
            methods[method.rawValue] = .object(stages)
        }
        return .object(methods)
    }

    /// Each stage's share of the total by method, `{method: {stage: share}}` (0 to 1); a method
    /// whose total is not positive is left out, as no share can be given.
    static func stageShares(_ emissions: Emissions) -> JSONValue {
        var methods: [String: JSONValue] = [:]
        for method in ElectricityMethod.allCases where emissions.total(method) > 0 {
            var stages: [String: JSONValue] = [:]
            for stage in LifeCycleStage.allCases {
                stages[stage.rawValue] = .number(emissions.share(of: stage, method) ?? 0)
            }
            methods[method.rawValue] = .object(stages)
        }
        return .object(methods)
    }

    /// The text's table of each stage's share of the total by method (`-` where the total is 0).
    static func stageShareTable(_ emissions: Emissions) -> String {
        var table = TextTable("SHARE OF TOTAL", "LOCATION", "MARKET", "EU DRAFT")
        for stage in LifeCycleStage.allCases {
            let shares = [ElectricityMethod.locationBased, .marketBased, .euDraft].map { method in
                emissions.share(of: stage, method).map(Number.percent) ?? "-"
            }
            table.add("  " + stage.rawValue, shares[0], shares[1], shares[2])
        }
        return table.rendered
    }

    static func json(_ use: FactorUse) -> JSONValue {
        var members: [String: JSONValue] = [
            "key": .string(use.key), "value": .number(use.value), "unit": .string(use.unit),
            "source": .string(use.source), "table": .string(use.table),
        ]
        if let year = use.year { members["year"] = .number(Double(year)) }
        if let seq = use.sequenceNumber { members["seq"] = .number(Double(seq)) }
        if let stage = use.stage { members["stage"] = .string(stage.rawValue) }
        return .object(members)
    }

    static func json(_ contribution: Contribution) -> JSONValue {
        var members: [String: JSONValue] = [
            "kind": .string(contribution.kind.rawValue), "lot": .string(contribution.lot),
            "stage": .string(contribution.stage.rawValue),
            "data": .string(contribution.isPrimary ? "primary" : "secondary"), "kg": .number(contribution.kg),
            "kgCO2e": json(contribution.emissions), "factors": .array(contribution.factors.map { .string($0.key) }),
            "notes": .array(contribution.notes.map { .string($0.description) }),
        ]
        if let material = contribution.material { members["material"] = .string(material) }
        if let event = contribution.eventID { members["event"] = .string(event) }
        if let seq = contribution.sequenceNumber { members["seq"] = .number(Double(seq)) }
        if let facility = contribution.facility { members["facility"] = .string(facility) }
        if let allocation = contribution.allocation {
            var alloc: [String: JSONValue] = [
                "method": .string(allocation.method.rawValue), "reason": .string(allocation.reason),
                "shares": .object(allocation.shares.mapValues(JSONValue.number)),
            ]
            if let ratio = allocation.priceRatio { alloc["priceRatio"] = .number(ratio) }
            members["allocation"] = .object(alloc)
        }
        return .object(members)
    }

    /// The columns of `footprint --csv`.
    static let csvColumns =
        [
            "kind", "lot", "material", "facility", "stage", "data", "entry", "event", "kg", "allocation",
            "allocated_share",
        ] + CSV.methodColumns("", ["_kg_co2e"]) + [
            "factors", "notes", "verified_by", "assurance", "verified_methods",
        ]

    /// The rows of `footprint --csv`.
    ///
    /// A header row, then a row for every contribution in the order the JSON lists them (largest
    /// first, location-based): what it is, where, the kg of its lot in the subject, how its
    /// process was shared among co-products (the lot's share), its kg CO2e by method, and the
    /// factor keys and notes it used, each list joined by `; `, then the attestations its data rest
    /// on and their level when they are verified under every method, and the methods whose value
    /// of it is verified (``Footprint/coverage(of:under:)``). The columns' sums are the totals.
    static func csv(_ footprint: Footprint) -> String {
        var rows = [CSV.row(csvColumns)]
        for contribution in footprint.contributions {
            let coverage = footprint.coverage(of: contribution)
            let methods = zip(ElectricityMethod.allCases, footprint.coverages(of: contribution)).filter { $0.1 != nil }
            rows.append(
                CSV.row(
                    [
                        contribution.kind.rawValue, contribution.lot, contribution.material ?? "",
                        contribution.facility ?? "", contribution.stage.rawValue,
                        contribution.isPrimary ? "primary" : "secondary",
                        contribution.sequenceNumber.map(String.init) ?? "", contribution.eventID ?? "",
                        "\(contribution.kg)", contribution.allocation?.method.rawValue ?? "",
                        contribution.allocation?.shares[contribution.lot].map { "\($0)" } ?? "",
                    ] + ElectricityMethod.allCases.map { "\(contribution.emissions.total($0))" }
                        + [
                            contribution.factors.map(\.key).joined(separator: "; "),
                            contribution.notes.map(\.description).joined(separator: "; "),
                            coverage?.attestations.map(String.init).joined(separator: "; ") ?? "",
                            coverage?.level.rawValue ?? "",
                            methods.map(\.0.rawValue).joined(separator: "; "),
                        ]
                )
            )
        }
        return rows.joined(separator: "\n")
    }

    /// The rules a footprint applies, for the receipt.
    static let rules = [
        "lot per kg = allocated share of its process (electricity × factor + fuels × factors + direct emissions + transport t·km × mode factor) and of the embodied footprint of what the process consumed, plus the lot's shipments spread over its mass",
        "allocation between co-products: mass; economic (mass × recorded price) when the highest to lowest price ratio exceeds 4, co-products ≤ 3 % of the mass left out of the ratio",
        "location-based: grid factor of the facility's grid region, else subdivision, else country; on-site and direct-line supply at its stated factor",
        "market-based: direct line, PPA and certificates at their stated factors (certificates without one at 0), grid at the residual mix; each certificate is claimed once in the ledger",
        "eu-draft: national consumption mix; only on-site and direct-line supply at their actual factor",
        "a lot without process data takes its material's default factor (cradle to gate, secondary) in place of its upstream",
        "per kWh lifetime = total ÷ (nominal energy × usable share × equivalent full cycles per year × service years)",
    ]

    static func json(_ footprint: Footprint) -> JSONValue {
        var members: [String: JSONValue] = [
            "subject": TraceOutput.json(footprint.subject), "asOfSize": .number(Double(footprint.asOfSize)),
            "kgCO2e": json(footprint.total), "usableKWh": .number(footprint.usableKWh),
            "contributions": .array(
                footprint.contributions.map { contribution in
                    var members = json(contribution).objectValue ?? [:]
                    for (key, value) in footprint.verificationMembers(of: contribution, factorEntries: false) {
                        members[key] = value
                    }
                    return .object(members)
                }
            ),
            "receipt": .object([
                "entries": .array(footprint.entries.map { .number(Double($0)) }),
                "factors": .array(footprint.factors.map(json)), "rules": .array(rules.map(JSONValue.string)),
            ]),
        ]
        var perUsable: [String: JSONValue] = [:]
        var perLifetime: [String: JSONValue] = [:]
        var primary: [String: JSONValue] = [:]
        var verified: [String: JSONValue] = [:]
        var reasonable: [String: JSONValue] = [:]
        var gaps: [String: JSONValue] = [:]
        let verification = footprint.verification()
        let shares = verification.limited
        let reasonableShares = verification.reasonable
        for method in ElectricityMethod.allCases {
            verified[method.rawValue] = .number(shares[method] ?? 0)
            reasonable[method.rawValue] = .number(reasonableShares[method] ?? 0)
            if let value = footprint.perUsableKWh(method) { perUsable[method.rawValue] = .number(value) }
            if let value = footprint.perLifetimeKWh(method) { perLifetime[method.rawValue] = .number(value) }
            primary[method.rawValue] = .number(footprint.primaryShare(method))
            let total = footprint.total.total(method)
            gaps[method.rawValue] = .array(
                footprint.dataGaps(method).map { gap in
                    .object([
                        "lot": .string(gap.lot), "kind": .string(gap.kind.rawValue),
                        "kgCO2e": .number(gap.emissions.total(method)),
                        "share": .number(total > 0 ? gap.emissions.total(method) / total : 0),
                        "notes": .array(gap.notes.map { .string($0.description) }),
                    ])
                }
            )
        }
        members["perUsableKWh"] = .object(perUsable)
        members["perLifetimeKWh"] = .object(perLifetime)
        members["primaryDataShare"] = .object(primary)
        members["verifiedShare"] = .object(verified)
        members["verifiedShareReasonable"] = .object(reasonable)
        members["verification"] = .array(verification.relied.map(\.json))
        members["dataGaps"] = .object(gaps)
        members["stageShares"] = stageShares(footprint.total)
        if footprint.subject.kind == .lot, footprint.subject.massKg > 0 {
            members["perKg"] = json(footprint.total.scaled(by: 1 / footprint.subject.massKg))
        }
        if let model = footprint.model {
            members["model"] = .object([
                "id": .string(model.id), "cyclesPerYear": .string(model.cyclesPerYear.description),
                "serviceYears": .string(model.serviceYears.description),
                "usableEnergyShare": .string(model.usableEnergyShare.description),
                "seq": .number(Double(model.registeredAt)),
            ])
        }
        if let lifetime = footprint.lifetimeKWh { members["lifetimeKWh"] = .number(lifetime) }
        return .object(members)
    }

    /// The receipt's `note` lines: each fallback a rule chose (a grid basis or a material's
    /// country without a factor, a supply or certificates stating none) once, with the entries of
    /// the contributions it applied to, in the order first met.
    static func fallbackNotes(_ footprint: Footprint) -> [String] {
        var order: [String] = []
        var entries: [String: [String]] = [:]
        for contribution in footprint.contributions {
            for note in contribution.notes where note.isFallback {
                let text = note.description
                if entries[text] == nil { order.append(text) }
                let entry = contribution.sequenceNumber.map { "#\($0)" } ?? contribution.lot
                if entries[text, default: []].contains(entry) == false { entries[text, default: []].append(entry) }
            }
        }
        return order.map { "  note     \($0) (\(entries[$0, default: []].joined(separator: " ")))" }
    }

    static func text(_ footprint: Footprint) -> String {
        var lines = [
            "footprint  \(footprint.subject.id)",
            "subject    \(TraceOutput.describe(footprint.subject))",
            "as of      ledger size \(footprint.asOfSize)",
        ]
        if let model = footprint.model, let lifetime = footprint.lifetimeKWh {
            lines.append(
                "unit       \(Number.trimmed(footprint.usableKWh, upTo: 4)) kWh usable × \(model.cyclesPerYear) cycles/year × \(model.serviceYears) years = \(Number.trimmed(lifetime, upTo: 4)) kWh over its life (model \(model.id), entry #\(model.registeredAt))"
            )
        } else if footprint.subject.kind != .lot {
            lines.append(
                "unit       no battery model registered for these cells: no per-lifetime figure; usable = nominal energy"
            )
        }
        lines.append("")
        var table = TextTable("KG CO2E", "LOCATION", "MARKET", "EU DRAFT")
        func row(_ label: String, digits: Int = 3, _ value: (ElectricityMethod) -> Double?) {
            table.add(
                label,
                value(.locationBased).map { Number.fixed($0, digits) } ?? "-",
                value(.marketBased).map { Number.fixed($0, digits) } ?? "-",
                value(.euDraft).map { Number.fixed($0, digits) } ?? "-"
            )
        }
        row("total") { footprint.total.total($0) }
        for stage in LifeCycleStage.allCases {
            row("  " + stage.rawValue) { footprint.total[$0, stage] }
        }
        if footprint.subject.kind == .lot, footprint.subject.massKg > 0 {
            row("per kg", digits: 4) { footprint.total.total($0) / footprint.subject.massKg }
        } else {
            row("per kWh usable", digits: 4) { footprint.perUsableKWh($0) }
            if footprint.lifetimeKWh != nil { row("per kWh lifetime", digits: 5) { footprint.perLifetimeKWh($0) } }
        }
        table.add(
            "primary data share",
            Number.percent(footprint.primaryShare(.locationBased)),
            Number.percent(footprint.primaryShare(.marketBased)),
            Number.percent(footprint.primaryShare(.euDraft))
        )
        let shares = footprint.verifiedShares()
        table.add(
            "verified share",
            Number.percent(shares[.locationBased] ?? 0),
            Number.percent(shares[.marketBased] ?? 0),
            Number.percent(shares[.euDraft] ?? 0)
        )
        lines.append(table.rendered)
        lines += ["", stageShareTable(footprint.total)]
        let total = footprint.total.total(.locationBased)
        var parts = TextTable(
            "CONTRIBUTION (location)",
            "KIND",
            "STAGE",
            "KG CO2E",
            "SHARE",
            "DATA",
            "ENTRY",
            "VERIFIED"
        )
        for contribution in footprint.contributions.prefix(15) {
            let value = contribution.emissions.total(.locationBased)
            parts.add(
                contribution.lot + (contribution.material.map { " (\($0))" } ?? ""),
                contribution.kind.rawValue,
                contribution.stage.rawValue,
                Number.fixed(value, 3),
                total > 0 ? Number.percent(value / total) : "-",
                contribution.isPrimary ? "primary" : "secondary",
                contribution.sequenceNumber.map { "#\($0)" } ?? "-",
                footprint.coverage(of: contribution, under: .locationBased).map { coverage in
                    coverage.level.rawValue + " " + coverage.attestations.map { "#\($0)" }.joined(separator: " ")
                } ?? "-"
            )
        }
        lines += ["", parts.rendered]
        if footprint.contributions.count > 15 {
            lines.append("… and \(footprint.contributions.count - 15) more (--json lists them all)")
        }
        let gaps = footprint.dataGaps(.locationBased)
        lines.append("")
        if gaps.isEmpty {
            lines.append("DATA GAPS  none: every contribution rests on primary data")
        } else {
            lines.append("DATA GAPS (secondary and default inputs, by what they carry)")
            for (index, gap) in gaps.prefix(5).enumerated() {
                let value = gap.emissions.total(.locationBased)
                lines.append(
                    "  \(index + 1). \(gap.lot) (\(gap.material ?? "?")): \(Number.fixed(value, 3)) kg CO2e, \(total > 0 ? Number.percent(value / total) : "-") — \(gap.notes.first?.description ?? (gap.kind == .process ? "activity data marked secondary" : gap.kind.rawValue))"
                )
            }
        }
        let relied = footprint.attestationsRelied
        if !relied.isEmpty {
            lines.append("")
            lines.append("VERIFIED BY (activity data and factor tables attested)")
            for attestation in relied {
                lines.append(
                    "  #\(attestation.sequenceNumber ?? 0)  \(attestation.verifier), \(attestation.standard), \(attestation.level.rawValue) assurance, completed \(attestation.completedOn)\(attestation.report.map { "; report \($0)" } ?? "")"
                )
            }
        }
        lines.append("")
        lines.append("RECEIPT")
        lines.append("  entries  " + footprint.entries.map { "#\($0)" }.joined(separator: " "))
        for use in footprint.factors {
            lines.append(
                "  factor   \(use.key) = \(Number.significant(use.value)) \(use.unit) (\(use.source)\(use.year.map { ", \($0)" } ?? ""); \(use.table)\(use.sequenceNumber.map { " #\($0)" } ?? ""))"
            )
        }
        var rules: Set<String> = []
        for contribution in footprint.contributions {
            if let allocation = contribution.allocation, allocation.method != .single {
                // One line per event: an event with several outputs in the lineage has one rule.
                let line = "  rule     \(contribution.eventID ?? contribution.lot): \(allocation.reason)"
                if rules.insert(line).inserted { lines.append(line) }
            }
        }
        lines += fallbackNotes(footprint)
        lines.append("  rules    --json lists every rule applied")
        return lines.joined(separator: "\n")
    }
}

/// The `celltrace model` commands.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Register battery models (functional-unit parameters) and list them.",
        subcommands: [Add.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Register a battery model: usable energy share, cycles per year and service years.",
            discussion: prose(
                """
                The energy over the service life is nominal energy × usable share × cycles per year ×
                service years. Cycles per year default by vehicle category (M1, N1: 60; L: 20; M2, M3,
                N2, N3: 250), as in the draft EU methodology.

                Example:
                  celltrace model add CT-NMC811-P1 --category M1 --service-years 8 --usable-share 0.92
                """
            )
        )
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The model id, as ct:batteryModel names it.") var id: String
        @Option(help: "A readable name.") var name: String?
        @Option(help: "The chemistry (NMC811, LFP, …).") var chemistry: String?
        @Option(help: "The vehicle category: M1, N1, L, M2, M3, N2, N3 or industrial.") var category: String?
        @Option(name: .customLong("cycles-per-year"), help: "Equivalent full cycles per year.") var cyclesPerYear:
            String?
        @Option(name: .customLong("service-years"), help: "Expected service life in years (the warranty).")
        var serviceYears: String
        @Option(
            name: .customLong("usable-share"),
            help: "Usable energy ÷ nominal energy at beginning of life (default 1)."
        )
        var usableShare: String?
        @Flag(help: "Print JSON.") var json = false

        /// A note when the cycles per year given are not the draft EU methodology's for the
        /// category: every per-kWh figure of the model divides by them.
        static func cyclesNote(category: String?, cyclesPerYear: String?) -> String? {
            guard let category, let given = cyclesPerYear, let value = Double(given),
                let standard = BatteryModel.defaultCycles[category], value != Double(standard)
            else { return nil }
            return "note: \(given) cycles per year is not the \(standard) the draft EU methodology sets for category "
                + "\(category): every kg CO2e per kWh of the model divides by its energy over the service life, so its "
                + "figures are \(Number.trimmed(Double(standard) / value, upTo: 3)) × that method's; a registered model "
                + "is not changed: register another model id without --cycles-per-year for figures under that method"
        }

        func run() throws {
            var body: [String: JSONValue] = ["id": .string(id), "serviceYears": .string(serviceYears)]
            if let name { body["name"] = .string(name) }
            if let chemistry { body["chemistry"] = .string(chemistry) }
            if let category { body["category"] = .string(category) }
            if let cyclesPerYear { body["cyclesPerYear"] = .string(cyclesPerYear) }
            if let usableShare { body["usableEnergyShare"] = .string(usableShare) }
            let receipt = try options.openChain().registerBatteryModel(.object(body))
            printReceipt(receipt, json: json, what: "battery model \(id) registered")
            if let note = Self.cyclesNote(category: category, cyclesPerYear: cyclesPerYear) { Console.err(note) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the registered battery models.",
            discussion: "Example:\n  celltrace model list"
        )
        @OptionGroup var options: LedgerOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let chain = try options.openChain(readOnly: true)
            let models = try chain.read { reader, txn, _ in try reader.batteryModels(txn) }
            var table = TextTable("MODEL", "CATEGORY", "CHEMISTRY", "CYCLES/YEAR", "YEARS", "USABLE", "ENTRY", "NAME")
            for model in models {
                table.add(
                    model.id,
                    model.category ?? "-",
                    model.chemistry ?? "-",
                    model.cyclesPerYear.description,
                    model.serviceYears.description,
                    model.usableEnergyShare.description,
                    "#\(model.registeredAt)",
                    model.name ?? "-"
                )
            }
            Console.out(
                json
                    ? JSONValue.array(
                        models.map { model in
                            var object: JSONObject = [
                                "id": .string(model.id), "cyclesPerYear": .string(model.cyclesPerYear.description),
                                "serviceYears": .string(model.serviceYears.description),
                                "usableEnergyShare": .string(model.usableEnergyShare.description),
                                "seq": .number(Double(model.registeredAt)),
                            ]
                            // What the table shows and the registration recorded, when it did.
                            for (key, value) in [
                                ("category", model.category), ("name", model.name), ("chemistry", model.chemistry),
                            ] {
                                if let value { object[key] = .string(value) }
                            }
                            return .object(object)
                        }
                    ).canonicalString : table.rendered
            )
        }
    }
}
