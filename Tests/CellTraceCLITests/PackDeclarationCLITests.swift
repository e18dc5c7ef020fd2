import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// `declaration`, `export pact`, `impact` and `export passport` of a module-pack plant's
/// declaration, through the parsed root command, on the fixture chain with a pack plant.
@Suite struct PackDeclarationCLITests {
    static let packPlant = "urn:celltrace:facility:pack-plant"
    static let model = "CT-PACK-1"
    static let packA = "urn:epc:id:giai:4012345.PACK-A1"
    static let moduleA = "urn:epc:id:giai:4012345.MOD-A1"
    static let packB = "urn:epc:id:giai:4012345.PACK-B1"
    static let moduleB = "urn:epc:id:giai:4012345.MOD-B1"
    static let packC = "urn:epc:id:giai:4012345.PACK-C1"
    static let moduleC = "urn:epc:id:giai:4012345.MOD-C1"
    static let methods = ["location-based", "market-based", "eu-draft"]
    static let stages = ["raw-material-acquisition", "main-production", "distribution", "end-of-life"]

    /// A cell of the fixture's range, `urn:epc:id:sgtin:4012345.011111.N`.
    static func cell(_ number: Int) -> String { "urn:epc:id:sgtin:4012345.011111.\(number)" }

    /// An assembly at the pack plant on a day of March 2026, naming the pack model unless `model`
    /// is nil, with 10 kWh of grid electricity when `powered`.
    static func assemble(
        _ parent: String,
        _ children: [String],
        at time: String,
        model: String? = PackDeclarationCLITests.model,
        powered: Bool = false
    ) -> String {
        let list = children.map { "\"\($0)\"" }.joined(separator: ",")
        let named = model.map { #","ct:batteryModel":"\#($0)""# } ?? ""
        let electricity = powered ? #","ct:electricity":[{"quantity":10,"uom":"KWH","supply":"grid"}]"# : ""
        return """
            {"type":"AggregationEvent","eventTime":"\(time)","eventTimeZoneOffset":"+00:00","action":"ADD","bizStep":"assembling","bizLocation":{"id":"\(packPlant)"},"parentID":"\(parent)","childEPCs":[\(list)]\(named)\(electricity)}
            """
    }

    /// The second pack's outer assembly, as recorded and as declared in error.
    static let packBAssembly = assemble(packB, [moduleB], at: "2026-03-06T09:00:00Z")

    /// Imports `events` (one a line) as pack-co, the pack plant's operator.
    static func importAsPacker(_ events: [String], _ ledger: String, keys: String, name: String) {
        let file = keys + "/\(name).jsonl"
        write(events.joined(separator: "\n") + "\n", to: file)
        let imported = celltrace("import", file, "--as", "pack-co", "--key", keys + "/pack-co.pem", "--ledger", ledger)
        #expect(imported.status == 0, "\(imported.error)")
    }

    /// The fixture chain (`CarbonCLITests.ledger`) with a pack plant in HU operated by pack-co,
    /// pack model CT-PACK-1 (M1: 60 cycles a year, 8 years, 0.9 usable), cells 11–17 shipped by
    /// id from cell-co to pack-co on a 500 km road leg, and, in March 2026 at the pack plant:
    /// pack A1 (module A1 of cells 11 and 12, and cell 13; both assemblies on 10 kWh of grid
    /// electricity) and pack B1 (module B1 of cells 14 and 15), every unit naming CT-PACK-1.
    static func ledger(_ directory: String) -> String {
        let ledger = CarbonCLITests.ledger(directory)
        #expect(celltrace("keygen", directory + "/pack-co.pem").status == 0)
        let actor = celltrace(
            "actor",
            "add",
            "pack-co",
            "--role",
            "pack-maker",
            "--legal-name",
            "Pack Co Kft.",
            "--key",
            directory + "/pack-co.pub.pem",
            "--ledger",
            ledger
        )
        #expect(actor.status == 0, "\(actor.error)")
        let facility = celltrace(
            "facility",
            "add",
            packPlant,
            "--operator",
            "pack-co",
            "--kind",
            "module-pack",
            "--country",
            "HU",
            "--name",
            "Pack plant",
            "--ledger",
            ledger
        )
        #expect(facility.status == 0, "\(facility.error)")
        let model = celltrace(
            "model",
            "add",
            Self.model,
            "--category",
            "M1",
            "--service-years",
            "8",
            "--usable-share",
            "0.9",
            "--ledger",
            ledger
        )
        #expect(model.status == 0, "\(model.error)")
        let cells = (11...17).map { "\"\(cell($0))\"" }.joined(separator: ",")
        write(
            #"{"type":"ObjectEvent","eventTime":"2026-03-01T08:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","bizStep":"shipping","bizLocation":{"id":"urn:celltrace:facility:cell-plant"},"epcList":["#
                + cells
                + #"],"sourceList":[{"type":"owning_party","source":"urn:celltrace:actor:cell-co"}],"destinationList":[{"type":"owning_party","destination":"urn:celltrace:actor:pack-co"}],"ct:transport":[{"mode":"road","distance":500,"distanceUom":"KMT","mass":0.0063,"massUom":"TNE"}]}"#
                + "\n",
            to: directory + "/shipment.jsonl"
        )
        let shipped = celltrace(
            "import",
            directory + "/shipment.jsonl",
            "--as",
            "cell-co",
            "--key",
            directory + "/cell-co.pem",
            "--ledger",
            ledger
        )
        #expect(shipped.status == 0, "\(shipped.error)")
        importAsPacker(
            [
                assemble(moduleA, [cell(11), cell(12)], at: "2026-03-05T08:00:00Z", powered: true),
                assemble(packA, [moduleA, cell(13)], at: "2026-03-05T09:00:00Z", powered: true),
                assemble(moduleB, [cell(14), cell(15)], at: "2026-03-06T08:00:00Z"),
                packBAssembly,
            ],
            ledger,
            keys: directory,
            name: "packs"
        )
        return ledger
    }

    /// The pack model's declaration at the pack plant over March 2026.
    static func arguments(_ ledger: String) -> [String] {
        [
            "declaration", "--model", model, "--plant", packPlant, "--from", "2026-03-01", "--to", "2026-03-31",
            "--ledger", ledger,
        ]
    }

    /// `footprint UNIT --json`'s kg CO2e, by method and stage (with `total`).
    static func footprint(_ unit: String, _ ledger: String) throws -> [String: [String: Double]] {
        let printed = celltrace("footprint", unit, "--ledger", ledger, "--json")
        #expect(printed.status == 0, "\(printed.error)")
        let json = try JSONValue(parsing: printed.output)
        var figures: [String: [String: Double]] = [:]
        for method in methods {
            for stage in stages + ["total"] {
                figures[method, default: [:]][stage] = try #require(json["kgCO2e"]?[method]?[stage]?.doubleValue)
            }
        }
        return figures
    }

    /// The entry of the last event that put units into `parent`, read from `log`.
    static func assemblyEntry(of parent: String, _ ledger: String) throws -> Double {
        let line = celltrace("log", "--ledger", ledger).output.split(separator: "\n").last { line in
            line.contains(#""parentID":"\#(parent)""#) && line.contains(#""action":"ADD""#)
        }
        let entry = try JSONValue(parsing: String(try #require(line, "no assembly of \(parent) in the log")))
        return try #require(entry["seq"]?.doubleValue)
    }

    /// `a` and `b` agree to a relative 1e-9 (or absolutely, near zero).
    static func close(_ a: Double?, _ b: Double) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
    }

    @Test func unitDeclarationTextJSONAndCSV() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let printed = celltrace(Self.arguments(ledger) + ["--json"])
        #expect(printed.status == 0, "\(printed.error)")
        let json = try JSONValue(parsing: printed.output)
        let size = try #require(json["asOfSize"]?.doubleValue)

        // Computed independently: each pack's footprint, and its lifetime kWh from its cells'
        // 0.25 kWh each × 0.9 usable × 60 cycles × 8 years.
        let packs = [Self.packA, Self.packB]
        let cells = [3.0, 2]
        let footprints = try packs.map { try Self.footprint($0, ledger) }
        let lifetimes = cells.map { $0 * 0.25 * 0.9 * 60 * 8 }
        #expect(lifetimes == [324, 216])
        let lifetime = 540.0
        let usable = 5 * 0.25 * 0.9

        #expect(json["scope"] == "units")
        #expect(json["ranges"] == [])
        #expect(json["cells"]?.doubleValue == 5)
        #expect(json["model"] == .string(Self.model) && json["plant"] == .string(Self.packPlant))
        #expect(json["country"] == "HU")
        let units = try #require(json["units"]?.arrayValue)
        #expect(units.map { $0["id"] } == packs.map { .string($0) })
        #expect(units.map { $0["kind"] } == ["pack", "pack"])
        #expect(units.map { $0["cells"]?.doubleValue } == [3, 2])
        #expect(units.map { $0["eventTime"] } == ["2026-03-05T09:00:00.000Z", "2026-03-06T09:00:00.000Z"])
        let entries = try packs.map { try Self.assemblyEntry(of: $0, ledger) }
        #expect(units.map { $0["assembledAt"]?.doubleValue } == entries)
        #expect(units.allSatisfy { $0["event"]?.stringValue?.hasPrefix("ni:///sha-256;") == true }, "\(units)")
        for (index, unit) in units.enumerated() {
            #expect(Self.close(unit["nominalEnergyKWh"]?.doubleValue, cells[index] * 0.25))
            #expect(Self.close(unit["usableKWh"]?.doubleValue, cells[index] * 0.25 * 0.9))
            #expect(Self.close(unit["lifetimeKWh"]?.doubleValue, lifetimes[index]))
            #expect(unit["verifiedShare"] == nil, "nothing is attested")
            for method in Self.methods {
                for stage in Self.stages + ["total"] {
                    let expected = try #require(footprints[index][method]?[stage])
                    #expect(Self.close(unit["kgCO2e"]?[method]?[stage]?.doubleValue, expected), "\(method) \(stage)")
                }
            }
        }
        // The figure: Σ the packs' kg CO2e ÷ Σ their lifetime kWh, by method and stage.
        for method in Self.methods {
            for stage in Self.stages + ["total"] {
                let kg = footprints.reduce(0) { $0 + ($1[method]?[stage] ?? .nan) }
                #expect(Self.close(json["perLifetimeKWh"]?[method]?[stage]?.doubleValue, kg / lifetime))
                #expect(Self.close(json["perUsableKWh"]?[method]?[stage]?.doubleValue, kg / usable))
            }
        }
        // The packs' assemblies drew 2 × 10 kWh at HU's 0.204, and their cells came by road.
        let assembly = 20 * 0.204
        let cellsOnly = try [Self.cell(14), Self.cell(15)].map { try Self.footprint($0, ledger) }
        let packBByHand = cellsOnly.reduce(0) { $0 + ($1["location-based"]?["total"] ?? .nan) }
        #expect(Self.close(footprints[1]["location-based"]?["total"], packBByHand), "pack B1 is its two cells")
        #expect((footprints[1]["location-based"]?["distribution"] ?? 0) > 0, "the road leg of its cells")
        let packAByHand =
            try [11, 12, 13].map { try Self.footprint(Self.cell($0), ledger)["location-based"]?["total"] ?? .nan }
            .reduce(0, +) + assembly
        #expect(Self.close(footprints[0]["location-based"]?["total"], packAByHand))
        let functional = try #require(json["functionalUnit"])
        #expect(functional["model"] == .string(Self.model) && functional["usableEnergyShare"] == "0.9")
        #expect(Self.close(functional["lifetimeKWh"]?.doubleValue, lifetime))
        #expect(Self.close(functional["usableKWh"]?.doubleValue, usable))
        let declared = try #require(json["declared"]?["kgCO2ePerLifetimeKWh"]?.doubleValue)
        #expect(declared == json["perLifetimeKWh"]?["eu-draft"]?["total"]?.doubleValue)
        // Article 7(1)(a): the pack plant's operator, not the cells' maker.
        let manufacturers = try #require(json["article7"]?["manufacturers"]?.arrayValue)
        #expect(manufacturers.map { $0["actor"] } == ["pack-co"], "\(manufacturers)")
        #expect(manufacturers.first?["role"] == "pack-maker")
        #expect(json["article7"]?["plant"]?["id"] == .string(Self.packPlant))
        #expect(json["article7"]?["model"]?["id"] == .string(Self.model))
        #expect(
            (json["unrecordedStages"]?.arrayValue ?? []).map { $0["stage"] } == ["end-of-life"],
            "the road leg is recorded, end of life is not"
        )

        // A cell declaration's members are as they were: no scope, no units, and otherwise the
        // same members.
        let cellArguments = [
            "declaration", "--model", "CT-NMC811-P1", "--plant", "urn:celltrace:facility:cell-plant", "--from",
            "2026-01-01", "--to", "2026-12-31", "--ledger", ledger,
        ]
        let cellJSON = try JSONValue(parsing: celltrace(cellArguments + ["--json"]).output)
        let cellMembers = Set(try #require(cellJSON.objectValue).keys)
        #expect(!cellMembers.contains("scope") && !cellMembers.contains("units"))
        #expect(cellMembers.union(["scope", "units"]) == Set(try #require(json.objectValue).keys))
        #expect(cellJSON["cells"]?.doubleValue == 1000)
        let cellText = celltrace(cellArguments).output
        #expect(
            cellText.contains("\ncells        1000 in 1 range · as of ledger size \(Int(size))\n"),
            "\(cellText)"
        )
        #expect(
            cellText.contains(
                "  end-of-life: end of life and recycling is not modelled (no collection, dismantling or recycling is recorded for the cells)\n"
            )
        )
        #expect(
            try #require(celltrace(cellArguments + ["--csv"]).output.split(separator: "\n").first).hasPrefix("range,")
        )

        // The text: the count line, the Article 7(1) block naming the pack plant's operator.
        let text = celltrace(Self.arguments(ledger))
        #expect(text.status == 0, "\(text.error)")
        let lines = text.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "declaration  model \(Self.model) at Pack plant (HU)")
        #expect(lines.dropFirst().first == "period       2026-03-01T00:00:00.000Z – 2026-03-31T23:59:59.999Z")
        #expect(lines.dropFirst(2).first == "packs        2 holding 5 cells · as of ledger size \(Int(size))")
        #expect(
            lines.contains(
                "declared     \(Number.fixed(declared, 4)) kg CO2e per kWh over the service life (Art. 7): the EU DRAFT column; the others are for comparison (METHODS)"
            ),
            "\(text.output)"
        )
        #expect(
            lines.contains(
                "  (a) manufacturer                  Pack Co Kft. · actor pack-co · pack-maker · urn:celltrace:actor:pack-co"
            )
        )
        #expect(lines.contains("  (b) battery model                 \(Self.model) · category M1"))
        #expect(lines.contains("  (c) manufacturing plant           Pack plant · \(Self.packPlant) · HU"))
        #expect(
            lines.contains(
                "  end-of-life: end of life and recycling is not modelled (no collection, dismantling or recycling is recorded for the modules and packs)"
            ),
            "\(text.output)"
        )
        #expect(!text.output.contains("cell-co"), "the cells' maker is not the manufacturer of the packs")

        // --csv: one row a pack, in the order counted, each as the JSON has it.
        let csv = celltrace(Self.arguments(ledger) + ["--csv"])
        #expect(csv.status == 0, "\(csv.error)")
        let table = csv.output.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(
            table.first == [
                "unit", "kind", "cells", "assembled_at", "event_time", "nominal_kwh", "lifetime_kwh",
                "kg_co2e_per_unit_location_based", "kg_co2e_per_unit_market_based", "kg_co2e_per_unit_eu_draft",
                "kg_co2e_per_lifetime_kwh_location_based", "kg_co2e_per_lifetime_kwh_market_based",
                "kg_co2e_per_lifetime_kwh_eu_draft", "verified_share_location_based", "verified_share_market_based",
                "verified_share_eu_draft",
            ]
        )
        let rows = Array(table.dropFirst())
        #expect(rows.count == 2 && rows.allSatisfy { $0.count == 16 })
        for (index, row) in rows.enumerated() where row.count == 16 {
            #expect(row[0] == packs[index] && row[1] == "pack" && row[2] == String(Int(cells[index])))
            #expect(row[3] == String(Int(entries[index])))
            #expect(row[4] == units[index]["eventTime"]?.stringValue)
            #expect(Self.close(Double(row[5]), cells[index] * 0.25))
            #expect(Double(row[6]) == lifetimes[index])
            for (offset, method) in Self.methods.enumerated() {
                let kg = try #require(footprints[index][method]?["total"])
                #expect(Self.close(Double(row[7 + offset]), kg), "\(method)")
                #expect(Self.close(Double(row[10 + offset]), kg / lifetimes[index]), "\(method)")
                #expect(row[13 + offset].isEmpty, "nothing is attested")
            }
        }
    }

    /// `export pact --model M --plant F` of a module-pack plant: the average pack, per piece, valid
    /// against PACT v3.0.3's schema and the CellTrace extension's, as written to the file.
    @Test func unitDeclarationExportsToPACTPerPack() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let file = directory + "/packs.pact.json"
        let exported = celltrace(
            [
                "export", "pact", "--model", Self.model, "--plant", Self.packPlant, "--from", "2026-03-01", "--to",
                "2026-03-31", "--recipient", "OEM Europe GmbH", "-o", file, "--ledger", ledger,
            ]
        )
        #expect(exported.status == 0, "\(exported.error)")
        let validated = runProcess(
            "/usr/bin/env",
            ["python3", toolsPath("validate_json_schema.py"), fixturesPath("pact/openapi-3.0.3.yaml"), file]
                + ["ProductFootprint"]
        )
        #expect(validated.status == 0, "\(validated.output)")
        let document = try JSONValue(parsing: [UInt8](Data(contentsOf: URL(fileURLWithPath: file))))
        let data = try #require(document["extensions"]?.arrayValue?.first?["data"])
        let extensionFile = directory + "/extension.json"
        write(data.canonicalString, to: extensionFile)
        let extensionValid = runProcess(
            "/usr/bin/env",
            [
                "python3", toolsPath("validate_json_schema.py"),
                fixturesPath("pact/celltrace-extension-1.1.0.schema.json"), extensionFile,
            ]
        )
        #expect(extensionValid.status == 0, "\(extensionValid.output)")

        let pcf = try #require(document["pcf"])
        #expect(document["specVersion"] == "3.0.3")
        #expect(pcf["declaredUnitOfMeasurement"] == "piece")
        #expect(pcf["declaredUnitAmount"] == "1")
        // A piece is a pack: the 5 cells' 0.9 kg each, averaged over the 2 packs.
        #expect(pcf["productMassPerDeclaredUnit"] == "2.25")
        // Per piece: Σ the packs' kg CO2e ÷ 2, market-based in the totals, every method in the extension.
        let footprints = try [Self.packA, Self.packB].map { try Self.footprint($0, ledger) }
        func perPack(_ method: String, _ stage: String) -> Double {
            footprints.reduce(0) { $0 + ($1[method]?[stage] ?? .nan) } / 2
        }
        let total = try #require(pcf["pcfExcludingBiogenicUptake"]?.stringValue.flatMap(Double.init))
        #expect(abs(total - perPack("market-based", "total")) <= 1e-11 * max(1, total), "12 significant digits")
        #expect(pcf["pcfIncludingBiogenicUptake"] == pcf["pcfExcludingBiogenicUptake"])
        for method in Self.methods {
            for stage in Self.stages + ["total"] {
                let written = data["kgCO2e"]?["perProduct"]?[method]?[stage]?.stringValue.flatMap(Double.init)
                let expected = perPack(method, stage)
                #expect(abs((written ?? .nan) - expected) <= 1e-11 * max(1, expected), "\(method) \(stage)")
            }
        }
        #expect(pcf["geographyCountry"] == "HU")
        #expect(pcf["referencePeriodStart"] == "2026-03-01T00:00:00Z")
        #expect(pcf["referencePeriodEnd"] == "2026-04-01T00:00:00Z")
        // The product: the pack model's average module or pack, named by the model, made by pack-co.
        #expect(document["productIds"] == .array([.string("urn:celltrace:battery-model:\(Self.model)")]))
        #expect(document["productNameCompany"] == .string("battery module or pack \(Self.model)"))
        let description = try #require(document["productDescription"]?.stringValue)
        #expect(
            description.hasPrefix(
                "The average battery module or pack of battery model \(Self.model) first assembled at Pack plant (HU) "
                    + "2026-03-01T00:00:00Z to 2026-03-31T23:59:59.999Z: 2 units holding 5 cells; its mass is its cells' "
                    + "(the ledger records no other component); computed from ledger cli.test/chain as of size "
            ),
            "\(description)"
        )
        #expect(document["companyName"] == "Pack Co Kft.")
        #expect(document["companyIds"] == ["urn:celltrace:actor:pack-co"])
        // The disclosure names the declaration as its subject.
        let disclosures = try JSONValue(parsing: celltrace("disclosures", "--json", "--ledger", ledger).output)
        #expect(
            disclosures.arrayValue?.last?["subject"]
                == .string("\(Self.model)@\(Self.packPlant) 2026-03-01T00:00:00Z/2026-03-31T23:59:59.999Z")
        )
        // What a pack's figures leave out, as a single pack's footprint says it.
        let single = try JSONValue(parsing: celltrace("export", "pact", Self.packA, "--ledger", ledger).output)
        let exemptions = try #require(single["pcf"]?["exemptedEmissionsDescription"]?.stringValue)
        #expect(exemptions.hasPrefix("components other than the cells"), "\(exemptions)")
        #expect(pcf["exemptedEmissionsDescription"] == .string(exemptions))
        #expect(document["comment"]?.stringValue?.hasSuffix("Not counted: \(exemptions).") == true)
    }

    /// A kept PACT export of a unit declaration, after a later pack of the model assembled in the
    /// period and after one pack's assembly declared in error: `impact` names each unit counted
    /// now and not then, and the reverse, with the entry that made the change.
    @Test func impactOfAKeptUnitDeclarationNamesTheUnits() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let pact = directory + "/packs.pact.json"
        let export = [
            "export", "pact", "--model", Self.model, "--plant", Self.packPlant, "--from", "2026-03-01", "--to",
            "2026-03-31",
        ]
        let exported = celltrace(export + ["--recipient", "OEM Europe GmbH", "-o", pact, "--ledger", ledger])
        #expect(exported.status == 0, "\(exported.error)")
        let current = try JSONValue(parsing: celltrace("impact", pact, "--ledger", ledger, "--json").output)
        #expect(current["kept"]?.arrayValue?.first?["method"] == "reproduces")
        #expect(current["kept"]?.arrayValue?.first?["status"] == "current")

        // A third pack of the model, assembled on 10 March and recorded after the export.
        Self.importAsPacker(
            [
                Self.assemble(Self.moduleC, [Self.cell(16), Self.cell(17)], at: "2026-03-10T08:00:00Z"),
                Self.assemble(Self.packC, [Self.moduleC], at: "2026-03-10T09:00:00Z"),
            ],
            ledger,
            keys: directory,
            name: "pack-c"
        )
        let packCEntry = try Self.assemblyEntry(of: Self.packC, ledger)
        let later = try JSONValue(parsing: celltrace("impact", pact, "--ledger", ledger, "--json").output)
        let row = try #require(later["kept"]?.arrayValue?.first)
        #expect(row["method"] == "reproduces", "the file is what the ledger gave then")
        #expect(row["status"] == "footprint-changed")
        #expect(
            row["reissue"]?.stringValue
                == "celltrace export pact --model \(Self.model) --plant \(Self.packPlant) --from 2026-03-01T00:00:00Z "
                + "--to 2026-03-31T23:59:59.999Z --profile legitimate-interest --recipient 'OEM Europe GmbH' -o FILE"
        )
        let review = try JSONValue(parsing: celltrace("impact", "--ledger", ledger, "--json").output)
        let item = try #require(review["items"]?.arrayValue?.first)
        #expect(item["status"] == "footprint-changed")
        #expect(item["then"]?["cells"]?.doubleValue == 5 && item["now"]?["cells"]?.doubleValue == 7)
        #expect(
            item["changes"] == [
                [
                    "seq": .number(packCEntry), "type": "epcis.event",
                    "summary": .string("pack \(Self.packC) (2 cells) assembled, counted now"),
                ]
            ]
        )
        let text = celltrace("impact", "--ledger", ledger).output
        #expect(
            text.contains("  since     #\(Int(packCEntry)) pack \(Self.packC) (2 cells) assembled, counted now\n"),
            "\(text)"
        )
        // The cells then and now, as the JSON counts them (not the bits of the counts read as doubles).
        let cellsRow = text.split(separator: "\n").first { $0.hasPrefix("  cells ") }
        #expect(cellsRow?.split(separator: " ").prefix(3) == ["cells", "5", "7"], "\(text)")
        // The figure now is the three packs' own: then and now as `declaration --json` gives them.
        let now = try JSONValue(parsing: celltrace(Self.arguments(ledger) + ["--json"]).output)
        #expect(
            now["units"]?.arrayValue?.map { $0["id"] } == [
                .string(Self.packA), .string(Self.packB), .string(Self.packC),
            ]
        )
        #expect(
            item["now"]?["perLifetimeKWh"]?["eu-draft"]?.doubleValue
                == now["perLifetimeKWh"]?["eu-draft"]?["total"]?.doubleValue
        )

        // Pack B1's assembly declared in error: module B1, in no pack of the model now, counts
        // in its place; pack B1 is named with the declaration.
        Self.importAsPacker(
            [
                String(Self.packBAssembly.dropLast())
                    + #","errorDeclaration":{"declarationTime":"2026-03-12T09:00:00Z","reason":"incorrect_data"}}"#
            ],
            ledger,
            keys: directory,
            name: "retract"
        )
        let declaredAt = try #require(
            celltrace("log", "--ledger", ledger).output.split(separator: "\n").last.flatMap {
                try? JSONValue(parsing: String($0))["seq"]?.doubleValue
            }
        )
        let moduleBEntry = try Self.assemblyEntry(of: Self.moduleB, ledger)
        let corrected = try JSONValue(parsing: celltrace("impact", "--ledger", ledger, "--json").output)
        let changed = try #require(corrected["items"]?.arrayValue?.first)
        #expect(changed["status"] == "footprint-changed")
        #expect(changed["now"]?["cells"]?.doubleValue == 7)
        #expect(
            changed["changes"] == [
                [
                    "seq": .number(moduleBEntry), "type": "epcis.event",
                    "summary": .string(
                        "module \(Self.moduleB) (2 cells) assembled at #\(Int(moduleBEntry)) before the export, counted now"
                    ),
                ],
                [
                    "seq": .number(packCEntry), "type": "epcis.event",
                    "summary": .string("pack \(Self.packC) (2 cells) assembled, counted now"),
                ],
                [
                    "seq": .number(declaredAt), "type": "epcis.event",
                    "summary": .string(
                        "pack \(Self.packB) (2 cells), counted then, declared in error at #\(Int(declaredAt))"
                    ),
                ],
            ],
            "\(changed)"
        )
        // Module B1 and packs A1 and C1 now: a PACT footprint per piece would average a module
        // with a pack, and is refused, writing no file.
        let mixed = celltrace(export + ["-o", directory + "/mixed.pact.json", "--ledger", ledger])
        #expect(mixed.status == 2)
        #expect(
            mixed.error.contains(
                "counts both modules and packs: a PACT footprint per piece would average a module with a pack"
            ),
            "\(mixed.error)"
        )
        #expect(!FileManager.default.fileExists(atPath: directory + "/mixed.pact.json"))
    }

    /// A passport carries its cells' model's declaration at their plant: when that plant is a
    /// module-pack plant, whose declarations count modules and packs, the passport is refused
    /// saying so, whether or not the plant assembled units of the cells' model.
    @Test func passportOfCellsMadeAtAModulePackPlantIsRefused() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(directory)
        let passport = [
            "export", "passport", Self.packA, "--declaration-from", "2026-01-01", "--declaration-to", "2026-12-31",
            "--ledger", ledger,
        ]
        let declared = celltrace(passport)
        #expect(declared.status == 0, "\(declared.error)")
        #expect(try JSONValue(parsing: declared.output)["celltrace"]?["carbonFootprintBasis"]?["kind"] == "declaration")
        let amended = celltrace(
            "facility",
            "amend",
            "urn:celltrace:facility:cell-plant",
            "--kind",
            "module-pack",
            "--reason",
            "assembles packs",
            "--ledger",
            ledger,
            "--json"
        )
        #expect(amended.status == 0, "\(amended.error)")
        let message =
            "\(Self.packA)'s cells were made at urn:celltrace:facility:cell-plant, a module-pack plant, whose "
            + "declarations count modules and packs, not cells: the passport carries its cells' model's declaration "
            + "at their cell plant"
        let refused = celltrace(passport)
        #expect(refused.status == 2)
        #expect(refused.output.isEmpty)
        #expect(refused.error.contains(message), "\(refused.error)")
        // With a module of the cells' model assembled there in the period, refused alike.
        write(
            Self.assemble("urn:epc:id:giai:4012345.MOD-X1", [Self.cell(20)], at: "2026-03-02T08:00:00Z")
                .replacingOccurrences(of: Self.packPlant, with: "urn:celltrace:facility:cell-plant")
                .replacingOccurrences(of: Self.model, with: "CT-NMC811-P1") + "\n",
            to: directory + "/module.jsonl"
        )
        let module = celltrace(
            "import",
            directory + "/module.jsonl",
            "--as",
            "cell-co",
            "--key",
            directory + "/cell-co.pem",
            "--ledger",
            ledger
        )
        #expect(module.status == 0, "\(module.error)")
        let again = celltrace(passport)
        #expect(again.status == 2 && again.error.contains(message), "\(again.error)")
        // As of before the amendment, the plant made cells: the passport is as it was.
        let before = try #require(try JSONValue(parsing: amended.output)["sequenceNumber"]?.doubleValue)
        let asOf = celltrace(passport + ["--as-of", String(Int(before))])
        #expect(asOf.status == 0, "\(asOf.error)")
    }
}
