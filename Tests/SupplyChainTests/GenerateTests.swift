import LedgerCore
import LedgerCrypto
import SupplyChain
import Testing

/// A generated ledger in a temporary directory.
private struct Generated {
    let directory = TemporaryDirectory()
    let chain: SupplyChainLedger
    let generator: SupplyNetworkGenerator
    let report: SupplyNetworkGenerator.Report

    init(_ options: SupplyNetworkGenerator.Options) throws {
        chain = try SupplyChainLedger.create(
            at: directory.path + "/ledger",
            origin: "celltrace.test/generate",
            options: Ledger.Options(durable: false)
        )
        generator = try SupplyNetworkGenerator(options: options)
        report = try generator.generate(into: chain)
    }

    /// Every event entry's body, in ledger order.
    func eventBodies() throws -> [JSONValue] {
        var bodies: [JSONValue] = []
        for sequence in 0..<(try chain.ledger.size) {
            let entry = try chain.ledger.entry(at: sequence)
            if entry.type == SupplyChainLedger.EntryType.event { bodies.append(entry.body) }
        }
        return bodies
    }

    /// The event IDs (hash IDs) in ledger order.
    func eventIDs() throws -> [String] {
        try eventBodies().compactMap { $0["eventID"]?.stringValue }
    }

    /// The lots the events make, in ledger order.
    func lotIDs() throws -> [String] {
        try eventBodies().flatMap { body -> [String] in
            let made = body["type"] == "TransformationEvent" ? body["outputQuantityList"] : body["quantityList"]
            guard body["type"] == "TransformationEvent" || body["action"] == "ADD" else { return [] }
            return (made?.arrayValue ?? []).compactMap { $0["epcClass"]?.stringValue }
        }
    }
}

/// Every event of the documents the generator submits for `options`, in import order.
private func submittedEvents(_ options: SupplyNetworkGenerator.Options) throws -> [JSONValue] {
    var events: [JSONValue] = []
    try SupplyNetworkGenerator(options: options).forEachSubmission { submission in
        events += try JSONValue(parsing: submission.document)["epcisBody"]?["eventList"]?.arrayValue ?? []
    }
    return events
}

/// A quantity element's mass in kilograms.
private func kilograms(_ quantity: JSONValue) -> Double {
    let value = quantity["quantity"]?.doubleValue ?? 0
    return quantity["uom"] == "TNE" ? value * 1000 : value
}

/// The element content (mass fractions) that the events' `ilmd` give each lot.
private func elementContents(_ events: [JSONValue]) -> [String: [String: Double]] {
    var contents: [String: [String: Double]] = [:]
    func record(_ lot: String?, _ ilmd: JSONValue?) {
        guard let lot, let members = ilmd?["ct:elementContent"]?.objectValue else { return }
        var content: [String: Double] = [:]
        for member in members { content[member.key] = member.value.stringValue.flatMap(Double.init) }
        contents[lot] = content
    }
    for event in events {
        if let lots = event["ilmd"]?["ct:lots"]?.arrayValue {
            for lot in lots { record(lot["epcClass"]?.stringValue, lot) }
        } else {
            let made = event["type"] == "TransformationEvent" ? event["outputQuantityList"] : event["quantityList"]
            record(made?.arrayValue?.first?["epcClass"]?.stringValue, event["ilmd"])
        }
    }
    return contents
}

@Suite("celltrace generate: a synthetic mine-to-pack network through the import path")
struct GenerateTests {
    static let small = SupplyNetworkGenerator.Options(cells: 12_000, cellsPerLot: 500, seed: 3)

    @Test("a small network imports whole and passes the audit and the index replay")
    func smallNetworkImportsAndVerifies() throws {
        let generated = try Generated(Self.small)
        let report = generated.report
        #expect(report.events == generated.generator.eventCount)
        #expect(
            report.events > 2 * report.cellLots,
            "one transformation and one commissioning per cell lot, plus upstream"
        )
        #expect(report.cellLots == 24)
        #expect(report.serials == 12_000)
        #expect(report.actors == 15 && report.facilities == 18)
        #expect(report.packs == 1 && report.modules == 12)
        #expect(try generated.chain.ledger.size == report.ledgerSize)
        #expect(report.planningSeconds > 0 && report.seconds > report.planningSeconds, "planning is timed too")

        let audit = try generated.chain.ledger.audit(deep: true)
        #expect(audit.isValid, "\(String(describing: audit.failure))")
        let replay = try generated.chain.auditIndexes()
        #expect(replay.isValid, "\(replay.failure ?? "")")
        #expect(replay.submissionsVerified == report.submissions)
    }

    @Test("the requested serials exist: first and last of every plant, and nothing past the last")
    func requestedSerialsExist() throws {
        let generated = try Generated(Self.small)
        let blocks = generated.report.serialBlocks
        #expect(blocks.count == 2, "cells from the plants in CN and HU")
        #expect(blocks.reduce(0) { $0 + $1.cells } == 12_000)
        for block in blocks {
            let first = try #require(try generated.chain.serial(block.prefix + String(block.first)))
            #expect(first.range?.first == block.first)
            #expect(first.range?.cellMassKg == ExactDecimal("0.9"))
            #expect(first.range?.model == "CT-NMC811-P1")
            let last = try #require(try generated.chain.serial(block.prefix + String(block.last)))
            #expect(last.range?.last == block.last)
            #expect(try generated.chain.serial(block.prefix + String(block.last + 1)) == nil)
            let lotID = try #require(last.range?.lot)
            let lot = try #require(try generated.chain.lot(lotID))
            #expect(lot.lot.material == "cell-nmc811")
            #expect(lot.madeFrom.count >= 4, "cathode, anode, electrolyte and components")
        }
        // A sample of cells sits in modules inside a pack.
        let pack = try #require(try generated.chain.serial("urn:epc:id:giai:5991015.PACK-00001"))
        #expect(pack.children.count == 12)
        let moduleID = try #require(pack.children.first)
        let module = try #require(try generated.chain.serial(moduleID))
        let cellID = try #require(module.children.first)
        let cell = try #require(try generated.chain.serial(cellID))
        #expect(cell.containedIn == [moduleID, "urn:epc:id:giai:5991015.PACK-00001"])
    }

    @Test("the network is realistic: shared upstream lots, flagged artisanal site, co-products, process data")
    func networkShape() throws {
        let generated = try Generated(Self.small)
        let chain = generated.chain
        let artisanal = try #require(try chain.facility("urn:epc:id:sgln:6131005.00001.0"))
        #expect(artisanal.riskFlags == ["high-risk", "artisanal"])
        #expect(try chain.facility("urn:epc:id:sgln:6901003.00001.0")?.gridRegion == "CN-SC")
        #expect(try chain.factorTables().first?.factors.count ?? 0 > 20)
        let bodies = try generated.eventBodies()
        // One cathode lot feeds many cell lots (fan-out), and cell lots draw on several lots (fan-in).
        let cathode = try #require(
            try generated.lotIDs().first { $0.contains(".000091.CAM811-") }
        )
        #expect(try chain.edges(of: cathode, upstream: false).count > 1)
        let spodumene = try #require(try generated.lotIDs().first { $0.contains(".000011.SC6-") })
        #expect(try chain.lot(spodumene)?.lot.elementContent["Li"] == ExactDecimal("0.027"))
        #expect(try chain.lot(spodumene)?.lot.countryOfOrigin == "AU")
        func has(_ key: String) -> Bool { bodies.contains { $0[key] != nil } }
        for key in [
            "ct:electricity", "ct:fuels", "ct:directEmissions", "ct:transport", "ct:lifeCycleStage", "ct:dataQuality",
            "ct:coProductPrices", "ct:yield", "ct:serialRanges",
        ] {
            #expect(has(key), "no event carries \(key)")
        }
        let supplies = Set(
            bodies.flatMap { ($0["ct:electricity"]?.arrayValue ?? []).compactMap { $0["supply"]?.stringValue } }
        )
        #expect(supplies.isSuperset(of: ["grid", "ppa", "certificate", "direct-line", "onsite"]))
        let shipments = bodies.filter { $0["bizStep"] == "shipping" }
        #expect(!shipments.isEmpty)
        #expect(shipments.allSatisfy { $0["ct:transport"]?.arrayValue?.isEmpty == false })
    }

    @Test("the same seed gives the same event hash IDs and lots; another seed gives others")
    func deterministicPerSeed() throws {
        let one = try Generated(Self.small)
        let again = try Generated(Self.small)
        #expect(try one.eventIDs() == again.eventIDs())
        #expect(try one.lotIDs() == again.lotIDs())
        #expect(one.report.serialBlocks == again.report.serialBlocks)
        let eventIDs = try one.eventIDs()
        #expect(eventIDs.allSatisfy { $0.hasPrefix("ni:///sha-256;") }, "event IDs are the CBV 2.0 hash IDs")
        #expect(Set(eventIDs).count == eventIDs.count)

        var otherOptions = Self.small
        otherOptions.seed = 4
        let other = try Generated(otherOptions)
        #expect(Set(try other.eventIDs()).isDisjoint(with: eventIDs))
        #expect(try other.lotIDs() != one.lotIDs())
        #expect(other.report.serials == one.report.serials)
    }

    @Test("documents are byte-identical for a seed and stay within the events-per-document limit")
    func documentsAreReproducible() throws {
        let options = SupplyNetworkGenerator.Options(cells: 30_000, cellsPerLot: 1000, seed: 9, eventsPerDocument: 25)
        func documents() throws -> [(String, [UInt8], Int)] {
            var result: [(String, [UInt8], Int)] = []
            try SupplyNetworkGenerator(options: options).forEachSubmission {
                result.append(($0.actor, $0.document, $0.events))
            }
            return result
        }
        let first = try documents()
        let second = try documents()
        #expect(first.map(\.0) == second.map(\.0))
        #expect(first.map(\.1) == second.map(\.1))
        #expect(first.allSatisfy { $0.2 <= 25 && $0.2 > 0 })
        #expect(first.map(\.2).reduce(0, +) == (try SupplyNetworkGenerator(options: options)).eventCount)
        let check = try EPCISDocumentCheck.check(try #require(first.first?.1))
        #expect(check.problems.isEmpty)
    }

    @Test("actor keys are derived from the seed and registered as the actors' keys")
    func keysFromSeed() throws {
        let key = try SupplyNetworkGenerator.actorKey(seed: 3, actor: "debrecen-cells")
        #expect(
            key.publicKey.rawRepresentation
                == (try SupplyNetworkGenerator.actorKey(seed: 3, actor: "debrecen-cells")).publicKey.rawRepresentation
        )
        #expect(
            key.publicKey.rawRepresentation
                != (try SupplyNetworkGenerator.actorKey(seed: 4, actor: "debrecen-cells")).publicKey.rawRepresentation
        )
        let generated = try Generated(SupplyNetworkGenerator.Options(cells: 100, cellsPerLot: 50, seed: 3, packs: 0))
        let actor = try #require(try generated.chain.actor("debrecen-cells"))
        #expect(actor.keys.first?.publicKey == key.publicKey.rawRepresentation)
        #expect(generated.report.packs == 0)
    }

    @Test("no transformation puts out more of an element than it takes in: copper cathode included, over many seeds")
    func elementsBalance() throws {
        var copperLots = 0
        for seed: UInt64 in 1...40 {
            let events = try submittedEvents(.init(cells: 100, cellsPerLot: 100, seed: seed, packs: 0))
            let contents = elementContents(events)
            for event in events where event["type"] == "TransformationEvent" {
                func elements(_ list: String) -> [String: Double] {
                    var mass: [String: Double] = [:]
                    for quantity in event[list]?.arrayValue ?? [] {
                        let lot = quantity["epcClass"]?.stringValue ?? ""
                        for (element, share) in contents[lot] ?? [:] {
                            mass[element, default: 0] += kilograms(quantity) * share
                        }
                    }
                    return mass
                }
                let (inputs, outputs) = (elements("inputQuantityList"), elements("outputQuantityList"))
                let made = event["outputQuantityList"]?.arrayValue?.first?["epcClass"]?.stringValue ?? ""
                #expect(!outputs.isEmpty, "seed \(seed): \(made) declares no element content")
                for (element, kg) in outputs {
                    let fed = inputs[element] ?? 0
                    #expect(
                        kg <= fed * (1 + 1e-12),
                        "seed \(seed): \(made) puts out \(kg) kg \(element) from \(fed) kg"
                    )
                }
                let copperCathode = event["outputQuantityList"]?.arrayValue?.contains {
                    $0["epcClass"]?.stringValue?.contains(".000054.CU-") == true
                }
                if copperCathode == true {
                    copperLots += 1
                    let (kg, fed) = (outputs["Cu"] ?? 0, inputs["Cu"] ?? 0)
                    #expect(kg >= 0.8 * fed, "seed \(seed): copper recovery \(kg / fed) of the ore's copper")
                }
            }
        }
        #expect(copperLots >= 40, "every seed makes copper cathode beside cobalt hydroxide")
    }

    @Test("a cell lot holds exactly its cells' mass and takes the same inputs per kilogram, whatever its size")
    func cellLotsHoldTheirCellsMass() throws {
        /// The kilograms of each input material per kilogram of cells made.
        func inputsPerKg(cellsPerLot: Int) throws -> [String: Double] {
            let generated = try Generated(.init(cells: 40, cellsPerLot: cellsPerLot, seed: 6, packs: 0))
            var lots: Set<String> = []
            for block in generated.report.serialBlocks {
                for number in block.first...block.last {
                    if let lot = try generated.chain.serial(block.prefix + String(number))?.range?.lot {
                        lots.insert(lot)
                    }
                }
            }
            #expect(lots.count == (40 + cellsPerLot - 1) / cellsPerLot)
            var made = 0.0
            var inputs: [String: Double] = [:]
            for id in lots {
                let report = try #require(try generated.chain.lot(id))
                let cellsMass = report.serialRanges.reduce(ExactDecimal.zero) { $0.adding($1.totalMassKg) ?? .zero }
                #expect(report.lot.producedKg == cellsMass, "\(id): made \(report.lot.producedKg) kg of cells")
                #expect(report.lot.commissionedKg == report.lot.producedKg)
                made += report.lot.producedKg.doubleValue
                for edge in report.madeFrom {
                    let material = try #require(try generated.chain.lot(edge.from)?.lot.material)
                    inputs[material, default: 0] += edge.kg.doubleValue
                }
            }
            return inputs.mapValues { $0 / made }
        }
        let single = try inputsPerKg(cellsPerLot: 1)
        let whole = try inputsPerKg(cellsPerLot: 2000)
        #expect(Set(single.keys) == ["cam-nmc811", "anode-graphite", "electrolyte-lipf6", "cell-components"])
        #expect(Set(single.keys) == Set(whole.keys))
        for (material, perKg) in whole {
            let other = single[material] ?? 0
            #expect(
                abs(other - perKg) <= 0.035 * perKg,
                "\(material): \(other) kg per kg in lots of 1, \(perKg) in one lot"
            )
        }
        #expect(single.values.reduce(0, +) < 1.1, "the inputs outweigh the cells by scrap only")
    }

    @Test("a lot of a billion cells plans without walking its serial numbers")
    func hugeCellLotPlansQuickly() throws {
        let clock = ContinuousClock.now
        let generator = try SupplyNetworkGenerator(
            options: .init(cells: 1_000_000_000, cellsPerLot: 1_000_000_000, seed: 2, packs: 1)
        )
        #expect(generator.eventCount > 3)
        #expect(ContinuousClock.now - clock < .seconds(60))
    }

    @Test("more cells or cell lots than planning can hold in memory are refused, naming the option")
    func plansTooLargeForMemoryAreRefused() throws {
        let lots = try #require(throws: SupplyChainError.self) {
            try SupplyNetworkGenerator(options: .init(cells: 100_000_000_000))
        }
        #expect(lots.problems.map(\.field) == ["cellsPerLot"])
        let message = try #require(lots.problems.first?.message)
        #expect(message.contains("make 50000000 cell lots, more than the 5000000"), "\(message)")
        #expect(message.contains("use at least 20000 cells per lot"), "\(message)")
        let edge = SupplyNetworkGenerator.maxCellLots * 2000 + 1
        #expect(throws: SupplyChainError.self) { try SupplyNetworkGenerator(options: .init(cells: edge)) }
        let cells = try #require(throws: SupplyChainError.self) {
            try SupplyNetworkGenerator(options: .init(cells: 1_000_000_000_000, cellsPerLot: 1_000_000_000))
        }
        #expect(cells.problems.map(\.field) == ["cells"])
        // The benchmark's network plans.
        let bench = try SupplyNetworkGenerator(options: .init(cells: 100_000_000, cellsPerLot: 2000))
        #expect(bench.eventCount > 100_000)
    }

    @Test("a network spread over its whole year is dated before March 2026, so that it imports on any later day")
    func generatedEventsAreInThePast() throws {
        // Four hundred cell lots of one cell: production spaced over the whole year.
        let events = try submittedEvents(.init(cells: 400, cellsPerLot: 1))
        let days = Set(events.compactMap { $0["eventTime"]?.stringValue?.prefix(10) })
        #expect(days.count > 300, "the lots are spread over the year")
        let last = try #require(days.max())
        #expect(last < "2026-03-01", "the last event is on \(last)")
    }

    @Test("a ledger that already holds the generator's battery model or factor table is refused, with nothing written")
    func masterDataAlreadyThereIsRefusedWholly() throws {
        for preset in ["model", "table"] {
            let directory = TemporaryDirectory()
            let chain = try SupplyChainLedger.create(
                at: directory.path + "/ledger",
                origin: "celltrace.test/generate",
                options: Ledger.Options(durable: false)
            )
            if preset == "model" {
                try chain.registerBatteryModel(
                    ["id": "CT-NMC811-P1", "category": "M1", "serviceYears": "8", "usableEnergyShare": "0.92"]
                )
            } else {
                try chain.recordFactorTable([
                    "id": "generated-network", "version": 1, "source": "an earlier table", "year": 2025,
                    "factors": [
                        [
                            "category": "grid", "geography": "HU", "basis": "location", "value": "0.22",
                            "unit": "kgCO2e/kWh",
                        ]
                    ],
                ])
            }
            let size = try chain.ledger.size
            let generator = try SupplyNetworkGenerator(options: .init(cells: 100, cellsPerLot: 50, packs: 0))
            let first = try #require(throws: SupplyChainError.self) { try generator.generate(into: chain) }
            let named = preset == "model" ? "battery model CT-NMC811-P1" : "factor table generated-network version 1"
            #expect(first.message.contains(named), "\(first.message)")
            #expect(try chain.ledger.size == size, "nothing written")
            #expect(try chain.actors().isEmpty && chain.facilities().isEmpty)
            let second = try #require(throws: SupplyChainError.self) { try generator.generate(into: chain) }
            #expect(second.message == first.message)
            #expect(try chain.ledger.size == size)
        }
    }

    @Test("bad options and a ledger that already has the network are refused, naming what is wrong")
    func refusals() throws {
        let error = try #require(throws: SupplyChainError.self) {
            try SupplyNetworkGenerator(options: .init(cells: 0, cellsPerLot: 0))
        }
        #expect(error.problems.map(\.field) == ["cells", "cellsPerLot"])
        let generated = try Generated(SupplyNetworkGenerator.Options(cells: 100, cellsPerLot: 50, packs: 0))
        let again = try #require(throws: SupplyChainError.self) {
            try generated.generator.generate(into: generated.chain)
        }
        #expect(
            again.message.contains(
                "already holds 15 actors, 18 facilities, the factor table generated-network version 1 and the battery model CT-NMC811-P1; generate into a new ledger"
            )
        )
    }
}
