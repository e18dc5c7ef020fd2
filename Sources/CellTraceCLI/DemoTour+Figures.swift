import ArgumentParser
import Carbon
import LedgerCore
import Provenance
import SupplyChain

extension DemoTour {
    /// The demo's key figures, computed from the ledger it built, beside the published figures
    /// `expected.json` names.
    struct Figures {
        /// One demo cell's footprint per kWh of nominal energy.
        struct Cell {
            var serial: String
            var label: String
            var perNominalKWh: [ElectricityMethod: Double]
            var perNominalKWhByStage: [ElectricityMethod: [LifeCycleStage: Double]]
            var primaryShare: [ElectricityMethod: Double]
            var nominalEnergyKWh: Double
            var published: JSONValue
            var demo: JSONValue

            var low: Double { published["low"]?.doubleValue ?? 0 }
            var high: Double { published["high"]?.doubleValue ?? .infinity }
            var isWithinPublishedRange: Bool {
                let value = perNominalKWh[.locationBased] ?? 0
                return value >= low && value <= high
            }
        }

        /// A what-if on the first cell: location-based kg CO2e per nominal kWh before and after.
        struct WhatIf {
            var label: String
            var arguments: [String]
            var base: Double
            var changed: Double
        }

        var cells: [Cell] = []
        var materials: [(lot: String, label: String, perKg: Double, entry: JSONValue)] = []
        var whatIfs: [WhatIf] = []
        var origins: [(element: String, countries: String, flaggedShare: Double)] = []
        var audit: (valid: Bool, entries: UInt64, submissions: Int) = (false, 0, 0)
        var retractedEvents = 0
        var proofEntry: UInt64?

        var json: [String: JSONValue] {
            func methods(_ values: [ElectricityMethod: Double]) -> JSONValue {
                .object(Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, JSONValue.number($0.value)) }))
            }
            return [
                "cells": .array(
                    cells.map { cell in
                        .object([
                            "serial": .string(cell.serial), "label": .string(cell.label),
                            "nominalEnergyKWh": .number(cell.nominalEnergyKWh),
                            "perNominalKWh": methods(cell.perNominalKWh), "primaryShare": methods(cell.primaryShare),
                            "perNominalKWhByStage": .object(
                                Dictionary(
                                    uniqueKeysWithValues: cell.perNominalKWhByStage.map { method, stages in
                                        (
                                            method.rawValue,
                                            JSONValue.object(
                                                Dictionary(
                                                    uniqueKeysWithValues: stages.map {
                                                        ($0.key.rawValue, .number($0.value))
                                                    }
                                                )
                                            )
                                        )
                                    }
                                )
                            ),
                            "published": cell.published, "withinPublishedRange": .bool(cell.isWithinPublishedRange),
                        ])
                    }
                ),
                "materials": .array(
                    materials.map {
                        .object([
                            "lot": .string($0.lot), "label": .string($0.label), "perKg": .number($0.perKg),
                            "published": $0.entry["published"] ?? .null,
                        ])
                    }
                ),
                "whatIf": .array(
                    whatIfs.map {
                        .object([
                            "label": .string($0.label), "arguments": .array($0.arguments.map(JSONValue.string)),
                            "base": .number($0.base), "scenario": .number($0.changed),
                        ])
                    }
                ),
                "origins": .array(
                    origins.map {
                        .object([
                            "element": .string($0.element), "countries": .string($0.countries),
                            "flaggedShare": .number($0.flaggedShare),
                        ])
                    }
                ),
                "audit": .object([
                    "valid": .bool(audit.valid), "entries": .number(Double(audit.entries)),
                    "submissions": .number(Double(audit.submissions)),
                ]),
                "retractedEvents": .number(Double(retractedEvents)),
            ]
        }
    }

    /// The subject of the trace, the footprint and the what-ifs: the first cell of `expected.json`.
    var firstSerial: String {
        dataset.expected["cells"]?.arrayValue?.first?["serial"]?.stringValue ?? ""
    }

    /// The what-ifs the demo runs on the first cell.
    var whatIfArguments: [(label: String, arguments: [String])] {
        [
            (
                "lithium from Atacama brine instead of Australian spodumene",
                [
                    "--replace-lot",
                    "urn:celltrace:lot:lioh-sichuan-2602=urn:celltrace:lot:lioh-antofagasta-2601",
                ]
            ),
            (
                "a direct line from a wind farm at the NMC811 cathode plant",
                ["--supply", "urn:epc:id:sgln:6900006.00002.0=direct-line:0.0336"]
            ),
        ]
    }

    /// Computes the key figures from the ledger.
    func figures() throws -> Figures {
        let options = try LedgerOptions.parse(["--ledger", ledgerPath])
        let now = try AsOfOption.parse([])
        var figures = Figures()
        for entry in dataset.expected["cells"]?.arrayValue ?? [] {
            let serial = entry["serial"]?.stringValue ?? ""
            let footprint = try FootprintOutput.compute(
                options: options,
                asOf: now,
                subject: serial,
                scenario: Scenario()
            )
            let energy = footprint.subject.nominalEnergyKWh
            var cell = Figures.Cell(
                serial: serial,
                label: entry["label"]?.stringValue ?? serial,
                perNominalKWh: [:],
                perNominalKWhByStage: [:],
                primaryShare: [:],
                nominalEnergyKWh: energy,
                published: entry["published"] ?? .null,
                demo: entry["demo"] ?? .null
            )
            for method in ElectricityMethod.allCases {
                cell.perNominalKWh[method] = energy > 0 ? footprint.total.total(method) / energy : 0
                for stage in LifeCycleStage.allCases {
                    cell.perNominalKWhByStage[method, default: [:]][stage] =
                        energy > 0 ? footprint.total[method, stage] / energy : 0
                }
                cell.primaryShare[method] = footprint.primaryShare(method)
            }
            figures.cells.append(cell)
        }
        for entry in dataset.expected["materials"]?.arrayValue ?? [] {
            let lot = entry["lot"]?.stringValue ?? ""
            let footprint = try FootprintOutput.compute(options: options, asOf: now, subject: lot, scenario: Scenario())
            let mass = footprint.subject.massKg
            figures.materials.append(
                (
                    lot, entry["label"]?.stringValue ?? lot,
                    mass > 0 ? footprint.total.total(.locationBased) / mass : 0, entry
                )
            )
        }
        let base = try FootprintOutput.compute(options: options, asOf: now, subject: firstSerial, scenario: Scenario())
        for (label, arguments) in whatIfArguments {
            let command = try WhatIfCommand.parse([firstSerial, "--ledger", ledgerPath] + arguments)
            let changed = try FootprintOutput.compute(
                options: options,
                asOf: now,
                subject: firstSerial,
                scenario: try command.buildScenario()
            )
            let energy = base.subject.nominalEnergyKWh
            figures.whatIfs.append(
                Figures.WhatIf(
                    label: label,
                    arguments: arguments,
                    base: base.total.total(.locationBased) / energy,
                    changed: changed.total.total(.locationBased) / energy
                )
            )
        }
        figures.proofEntry =
            base.contributions.first {
                $0.kind == .process && $0.stage == .mainProduction && $0.sequenceNumber != nil
            }?.sequenceNumber

        let chain = try options.openChain()
        let trace = try chain.read { reader, txn, now in
            let size = try PointInTime.now.size(in: chain.ledger, now: now)
            let subject = try Subject.resolve(firstSerial, reader: reader, size: size, txn)
            return try Trace.compute(subject, reader: reader, size: size, depth: 1, txn)
        }
        figures.origins = trace.elements.map { element in
            (
                element.element,
                element.countries.map { "\($0.country) \(Number.percent($0.share))" }.joined(separator: ", "),
                element.flaggedShare
            )
        }
        let report = try chain.ledger.audit(deep: true)
        let indexes = report.isValid ? try chain.auditIndexes() : nil
        figures.audit = (
            report.isValid && (indexes?.isValid ?? false), report.entriesChecked, indexes?.submissionsVerified ?? 0
        )
        figures.retractedEvents = retractions
        return figures
    }
}
