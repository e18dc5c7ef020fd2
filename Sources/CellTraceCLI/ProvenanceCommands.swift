import ArgumentParser
import LedgerCore
import Provenance
import SupplyChain

/// `--as-of`, which every provenance and carbon query takes.
struct AsOfOption: ParsableArguments {
    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp(
            "Answer as the ledger stood at a time (2026-03-01, 2026-03-01T12:00:00Z: the entries recorded by then, "
                + "not the events dated by then) or after its first N entries.",
            valueName: "time|size"
        )
    )
    var asOf: String?

    /// The point in time asked for.
    func point() throws -> PointInTime {
        guard let asOf else { return .now }
        guard let point = PointInTime(argument: asOf) else {
            throw Failure.badInput("--as-of \(asOf): give a ledger size or a time such as 2026-03-01T12:00:00Z")
        }
        return point
    }
}

/// Reads a time option (`--since`, `--until`, `--from`, `--to`).
func timeOption(_ text: String?, _ name: String) throws -> Timestamp? {
    guard let text else { return nil }
    guard let time = PointInTime.time(text) else {
        throw Failure.badInput(
            "--\(name) \(text): give a date (2026-03-01) or a time with its zone (2026-03-01T12:00:00Z)"
        )
    }
    return time
}

/// The `celltrace trace` command.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Trace a cell, module, pack or lot back to its mines, with the origin of each element.",
        discussion: prose(
            """
            Prints the lineage tree (lot, material, facility, country, kg that flowed into the subject,
            event entry) and, for each element (Li, Ni, Co, Mn, graphite, …), the mines and countries
            it came from with mass shares that sum to 1, certificates on the way and due-diligence flags.

            Example:
              celltrace trace urn:epc:id:sgtin:4012345.011111.1
              celltrace trace urn:epc:id:giai:4012345.PACK-0001 --depth 2 --json
              celltrace trace urn:epc:id:sgtin:4012345.011111.1 --csv > origins.csv
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var asOf: AsOfOption
    @Argument(help: "A cell serial, module or pack id, or a lot.") var subject: String
    @Option(help: "Levels of inputs to show in the tree (the origin summary always walks the whole lineage).")
    var depth: Int?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV: a header row, then one row an element's origin (the due-diligence table).") var csv = false

    func validate() throws {
        if json, csv { throw ValidationError("give --json or --csv, not both") }
    }

    func run() throws {
        let chain = try options.openChain(readOnly: true)
        let point = try asOf.point()
        let trace = try chain.read { reader, txn, now in
            let size = try point.size(in: chain.ledger, now: now)
            let subject = try Subject.resolve(self.subject, reader: reader, size: size, txn)
            noteRecordedForm(of: self.subject, subject)
            return try Trace.compute(subject, reader: reader, size: size, depth: depth ?? .max, txn)
        }
        if csv {
            Console.out(TraceOutput.csv(trace))
        } else if json {
            Console.out(TraceOutput.json(trace).canonicalString)
        } else {
            Console.out(TraceOutput.text(trace))
        }
    }
}

/// Tells, on standard error, that `given` named the subject in the other GS1 form than the one
/// the ledger records it under (an EPC URN for a Digital Link, or the reverse), as `lot show` and
/// `serial show` tell.
func noteRecordedForm(of given: String, _ subject: Subject) {
    noteRecordedForm(of: given, as: subject.id, lot: subject.kind == .lot)
}

/// Tells, on standard error, that the lot or serial `given` is recorded as `recorded`, its other
/// GS1 form; nothing when they are the same.
func noteRecordedForm(of given: String, as recorded: String, lot: Bool) {
    guard recorded != given else { return }
    let name = lot ? "lot \(given)" : given
    Console.err("note: \(name) is recorded as \(recorded), the same GS1 \(lot ? "lot" : "serial") in its other form")
}

/// How a trace is printed.
enum TraceOutput {
    static func describe(_ subject: Subject) -> String {
        switch subject.kind {
        case .cell:
            let cell = subject.cells[0]
            return
                "cell of lot \(cell.lot), \(Number.significant(cell.massKg)) kg, \(Number.significant(cell.nominalEnergyKWh)) kWh\(cell.model.map { ", model \($0)" } ?? "")"
        case .assembly:
            return
                "\(Number.count(subject.cellCount, "cell", "cells")) from \(subject.cells.count) cell lot\(subject.cells.count == 1 ? "" : "s"), \(Number.significant(subject.massKg)) kg of cells"
        case .lot:
            return "lot, \(Number.significant(subject.massKg)) kg"
        }
    }

    static func text(_ trace: Trace) -> String {
        var lines = [
            "trace     \(trace.subject.id)",
            "subject   \(describe(trace.subject))",
            "as of     ledger size \(trace.asOfSize) · \(Number.count(trace.lotCount, "lot", "lots")) in the lineage",
            "",
            "LINEAGE (kg of each lot in the subject)",
        ]
        func render(_ node: Trace.Node, prefix: String, last: Bool, root: Bool) {
            let branch = root ? "" : (last ? "└─ " : "├─ ")
            var line = prefix + branch + node.lot
            line += "  " + (node.material ?? "?")
            line += "  " + (node.facilityName ?? node.facility) + " (" + (node.country ?? "?") + ")"
            line += "  " + Number.significant(node.kg) + " kg  #" + String(node.sequenceNumber)
            if !node.riskFlags.isEmpty { line += "  ⚑ " + node.riskFlags.joined(separator: ",") }
            if !node.certifications.isEmpty { line += "  ✓ " + node.certifications.joined(separator: ", ") }
            if node.truncated { line += "  …" }
            lines.append(line)
            let childPrefix = prefix + (root ? "" : (last ? "   " : "│  "))
            for (index, input) in node.inputs.enumerated() {
                render(input, prefix: childPrefix, last: index == node.inputs.count - 1, root: false)
            }
        }
        for node in trace.tree { render(node, prefix: "", last: true, root: true) }
        if !trace.elements.isEmpty {
            lines.append("")
            lines.append("ORIGINS (share of each element in the subject)")
            var table = TextTable("ELEMENT", "SHARE", "ORIGIN", "COUNTRY", "FLAGS", "CERTIFICATES")
            for element in trace.elements {
                for (index, origin) in element.origins.enumerated() {
                    table.add(
                        index == 0
                            ? element.element + (element.kg.map { " (" + Number.significant($0) + " kg)" } ?? "") : "",
                        Number.percent(origin.share),
                        (origin.facilityName ?? origin.facility) + " · " + origin.lot,
                        origin.country ?? "?",
                        origin.riskFlags.isEmpty ? "-" : origin.riskFlags.joined(separator: ","),
                        origin.certifications.isEmpty ? "-" : origin.certifications.joined(separator: ", ")
                    )
                }
            }
            lines.append(table.rendered)
            lines.append("")
            for element in trace.elements {
                let countries = element.countries.map { "\($0.country) \(Number.percent($0.share))" }
                var line = "\(element.element): " + countries.joined(separator: ", ")
                if element.flaggedShare > 0 {
                    line += " · ⚑ \(Number.percent(element.flaggedShare)) from flagged origins"
                }
                if element.inferredByMass { line += " · shares partly by mass (content not declared)" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ node: Trace.Node) -> JSONValue {
        var members: [String: JSONValue] = [
            "lot": .string(node.lot), "facility": .string(node.facility), "kg": .number(node.kg),
            "event": .string(node.event), "seq": .number(Double(node.sequenceNumber)),
            "eventTime": .string(node.eventTime), "certifications": .array(node.certifications.map(JSONValue.string)),
            "riskFlags": .array(node.riskFlags.map(JSONValue.string)), "inputs": .array(node.inputs.map(json)),
        ]
        if let material = node.material { members["material"] = .string(material) }
        if let grade = node.grade { members["grade"] = .string(grade) }
        if let name = node.facilityName { members["facilityName"] = .string(name) }
        if let country = node.country { members["country"] = .string(country) }
        if node.truncated { members["truncated"] = .bool(true) }
        return .object(members)
    }

    static func json(_ subject: Subject) -> JSONValue {
        .object([
            "id": .string(subject.id), "kind": .string(subject.kind.rawValue), "massKg": .number(subject.massKg),
            "cells": .number(Double(subject.cellCount)), "nominalEnergyKWh": .number(subject.nominalEnergyKWh),
            "cellLots": .array(
                subject.cells.map { share in
                    var members: [String: JSONValue] = [
                        "lot": .string(share.lot), "cells": .number(Double(share.cells)),
                        "massKg": .number(share.massKg),
                        "nominalEnergyKWh": .number(share.nominalEnergyKWh),
                    ]
                    if let model = share.model { members["model"] = .string(model) }
                    return .object(members)
                }
            ),
        ])
    }

    /// The columns of `trace --csv`.
    static let csvColumns = [
        "element", "element_kg", "lot", "material", "facility", "facility_name", "country", "share", "kg",
        "certifications", "flags", "inferred_by_mass",
    ]

    /// The rows of `trace --csv`.
    ///
    /// A header row, then a row for each origin of each element, in the order of the text (Li, Ni,
    /// Co, Mn, graphite, then others; largest share first): the mine or first lot, its facility and
    /// country, the element's share from it and kg (when the lots declare the element), the
    /// certificates on the way and the due-diligence flags (each list joined by `; `), and whether
    /// the shares followed mass somewhere on the way (`true` or `false`).
    static func csv(_ trace: Trace) -> String {
        var rows = [CSV.row(csvColumns)]
        for element in trace.elements {
            for origin in element.origins {
                rows.append(
                    CSV.row([
                        element.element, element.kg.map { "\($0)" } ?? "", origin.lot, origin.material ?? "",
                        origin.facility, origin.facilityName ?? "", origin.country ?? "", "\(origin.share)",
                        origin.kg.map { "\($0)" } ?? "", origin.certifications.joined(separator: "; "),
                        origin.riskFlags.joined(separator: "; "), String(element.inferredByMass),
                    ])
                )
            }
        }
        return rows.joined(separator: "\n")
    }

    static func json(_ trace: Trace) -> JSONValue {
        .object([
            "subject": json(trace.subject), "asOfSize": .number(Double(trace.asOfSize)),
            "lots": .number(Double(trace.lotCount)), "tree": .array(trace.tree.map(json)),
            "elements": .array(
                trace.elements.map { element in
                    var members: [String: JSONValue] = [
                        "element": .string(element.element),
                        "origins": .array(
                            element.origins.map { origin in
                                var members: [String: JSONValue] = [
                                    "lot": .string(origin.lot), "facility": .string(origin.facility),
                                    "share": .number(origin.share),
                                    "riskFlags": .array(origin.riskFlags.map(JSONValue.string)),
                                    "certifications": .array(origin.certifications.map(JSONValue.string)),
                                ]
                                if let material = origin.material { members["material"] = .string(material) }
                                if let name = origin.facilityName { members["facilityName"] = .string(name) }
                                if let country = origin.country { members["country"] = .string(country) }
                                if let kg = origin.kg { members["kg"] = .number(kg) }
                                return .object(members)
                            }
                        ),
                        "countries": .object(
                            Dictionary(element.countries.map { ($0.country, JSONValue.number($0.share)) }) { a, _ in a }
                        ),
                        "flaggedShare": .number(element.flaggedShare),
                        "inferredByMass": .bool(element.inferredByMass),
                    ]
                    if let kg = element.kg { members["kg"] = .number(kg) }
                    return .object(members)
                }
            ),
        ])
    }
}

/// The `celltrace where-used` command.
struct WhereUsedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "where-used",
        abstract: "Find every lot, cell and pack that holds material of a lot: the recall query.",
        discussion: prose(
            """
            Walks forward from the lot through every transformation to the cell lots, their serial
            ranges and the modules and packs that hold those cells, with the kilograms of the lot in each.
            With --as-of, the modules and packs that held them then: the cells put in before and not
            taken out before, by assemblies and disassemblies not declared in error before.

            Example:
              celltrace where-used urn:celltrace:lot:spodumene-0101
              celltrace where-used urn:celltrace:lot:spodumene-0101 --since 2026-02-01 --until 2026-03-31 --json
              celltrace where-used urn:celltrace:lot:spodumene-0101 --csv > recall.csv
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var asOf: AsOfOption
    @Argument(help: "The lot (its epcClass).") var lot: String
    @Option(help: "Leave out lots and cells made before this time.") var since: String?
    @Option(help: "Follow nothing made after this time.") var until: String?
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV: a header row, then one row a lot made from it, a serial range and a module or pack.")
    var csv = false

    func validate() throws {
        if json, csv { throw ValidationError("give --json or --csv, not both") }
    }

    func run() throws {
        let chain = try options.openChain(readOnly: true)
        let point = try asOf.point()
        let since = try timeOption(since, "since")
        let until = try timeOption(until, "until")
        if let since, let until, until < since {
            throw Failure.badInput(
                "--until \(self.until ?? "") is before --since \(self.since ?? ""): the period is empty"
            )
        }
        let result = try chain.read { reader, txn, now in
            let size = try point.size(in: chain.ledger, now: now)
            return try WhereUsed.compute(lot, reader: reader, size: size, since: since, until: until, txn)
        }
        noteRecordedForm(of: lot, as: result.lot.id, lot: true)
        if csv {
            Console.out(Self.csv(result))
            return
        }
        if json {
            Console.out(Self.json(result).canonicalString)
            return
        }
        var lines = [
            "where-used  \(result.lot.id)",
            "lot         \(result.lot.material ?? "?"), \(result.lot.producedKg) kg made at \(result.lot.facility)",
            "as of       ledger size \(result.asOfSize)",
        ]
        if !result.descendants.isEmpty {
            var table = TextTable("GEN", "LOT", "MATERIAL", "KG OF LOT", "OF ITS KG", "MADE")
            for item in result.descendants {
                table.add(
                    String(item.generation),
                    item.lot,
                    item.material ?? "?",
                    Number.significant(item.kg),
                    Number.significant(item.producedKg),
                    item.eventTime
                )
            }
            lines += ["", table.rendered]
        }
        if !result.cells.isEmpty {
            var table = TextTable("SERIALS", "CELLS", "KG OF LOT/CELL", "KG OF LOT", "COMMISSIONED")
            for item in result.cells {
                table.add(
                    "\(item.range.text)",
                    String(item.range.count),
                    Number.significant(item.kgPerCell),
                    Number.significant(item.kg),
                    item.eventTime
                )
            }
            lines += ["", table.rendered]
        }
        if !result.units.isEmpty {
            var table = TextTable("MODULE/PACK", "CELLS", "KG OF LOT")
            for unit in result.units { table.add(unit.id, String(unit.cells), Number.significant(unit.kg)) }
            lines += ["", table.rendered]
        }
        let produced = result.lot.producedKg.doubleValue
        lines += [
            "",
            "\(Number.count(result.serialCount, "serial", "serials")) in \(Number.count(result.cells.count, "range", "ranges")) "
                + "hold\(result.serialCount == 1 ? "s" : "") \(Number.significant(result.kgInCells)) kg of the lot "
                + "(\(Number.percent(produced > 0 ? result.kgInCells / produced : 0)) of it); "
                + "\(Number.count(result.units.count, "module or pack holds", "modules or packs hold")) some of them",
        ]
        Console.out(lines.joined(separator: "\n"))
    }

    /// The columns of `--csv`: what a row is, then the fields a lot, a range or a unit fills.
    static let csvColumns = [
        "kind", "id", "lot", "material", "generation", "facility", "prefix", "first", "last", "cells", "kg_of_lot",
        "kg_of_lot_per_cell", "produced_kg", "time",
    ]

    /// The rows of `where-used --csv`.
    ///
    /// A header row, then a row for each lot made from the lot (`lot`), each serial range holding
    /// its material (`range`, with its cell lot) and each module or pack (`unit`), in the order of
    /// the text's tables. Masses are as Swift prints a double.
    static func csv(_ result: WhereUsed) -> String {
        var rows = [CSV.row(csvColumns)]
        for item in result.descendants {
            rows.append(
                CSV.row([
                    "lot", item.lot, item.lot, item.material ?? "", String(item.generation), item.facility, "", "",
                    "", "", "\(item.kg)", "", "\(item.producedKg)", item.eventTime,
                ])
            )
        }
        for item in result.cells {
            rows.append(
                CSV.row([
                    "range", item.range.text, item.range.lot, "", "", "", item.range.prefix, String(item.range.first),
                    String(item.range.last), String(item.range.count), "\(item.kg)", "\(item.kgPerCell)", "",
                    item.eventTime,
                ])
            )
        }
        for unit in result.units {
            rows.append(
                CSV.row(["unit", unit.id, "", "", "", "", "", "", "", String(unit.cells), "\(unit.kg)", "", "", ""])
            )
        }
        return rows.joined(separator: "\n")
    }

    static func json(_ result: WhereUsed) -> JSONValue {
        .object([
            "lot": .string(result.lot.id), "producedKg": .string(result.lot.producedKg.description),
            "asOfSize": .number(Double(result.asOfSize)), "serials": .number(Double(result.serialCount)),
            "kgInCells": .number(result.kgInCells),
            "descendants": .array(
                result.descendants.map { item in
                    var members: [String: JSONValue] = [
                        "lot": .string(item.lot), "generation": .number(Double(item.generation)),
                        "kg": .number(item.kg),
                        "producedKg": .number(item.producedKg), "facility": .string(item.facility),
                        "eventTime": .string(item.eventTime),
                    ]
                    if let material = item.material { members["material"] = .string(material) }
                    return .object(members)
                }
            ),
            "cells": .array(
                result.cells.map { item in
                    .object([
                        "lot": .string(item.range.lot), "prefix": .string(item.range.prefix),
                        "first": .string(String(item.range.first)), "last": .string(String(item.range.last)),
                        "count": .number(Double(item.range.count)), "kgPerCell": .number(item.kgPerCell),
                        "kg": .number(item.kg), "eventTime": .string(item.eventTime),
                    ])
                }
            ),
            "units": .array(
                result.units.map {
                    .object(["id": .string($0.id), "cells": .number(Double($0.cells)), "kg": .number($0.kg)])
                }
            ),
        ])
    }
}
