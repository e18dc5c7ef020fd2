import ArgumentParser
import LedgerCore
import SupplyChain

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `celltrace generate` command: a synthetic mine-to-pack network through the normal import path.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Build a synthetic but realistic mine-to-pack ledger (for benchmarks and demos).",
        discussion: prose(
            """
            Registers a factor table, 15 actors (keys derived from the seed) and 18 facilities, then
            imports every actor's EPCIS events as signed submissions, exactly as `celltrace import`
            does: mines (AU, CL, ID, CD with one artisanal site, CN), refining, precursor, NMC811
            cathode, anode and electrolyte plants, cell lots with serial ranges in CN and HU, and a
            sample of cells assembled into modules and packs. The same --seed and options give the
            same events (hash IDs), lots and serials. The ledger (created if missing) must hold no
            actors, no facilities, no factor table generated-network version 1 and no battery model
            CT-NMC811-P1 yet; if it does, nothing is written. Progress goes to stderr when it is a
            terminal.

            Example:
              celltrace generate --cells 1000000 --seed 7 --ledger demo-ledger
              celltrace generate --cells 100000000 --cells-per-lot 2000 --ledger big-ledger
              celltrace generate --cells 10000000 --packs 2000 --ledger pack-ledger
            """
        )
    )

    @OptionGroup var options: LedgerOptions

    @Option(help: ArgumentHelp("Cells (serial numbers) to commission.", valueName: "n"))
    var cells: Int

    @Option(
        help: ArgumentHelp(
            "Seed of every quantity, time, route and key, from 0 to 2^53 - 1 (JSON numbers hold it exactly).",
            valueName: "s"
        )
    )
    var seed: UInt64 = 1

    /// The largest seed: 2^53 - 1, the largest integer every JSON reader holds exactly, so the
    /// `seed` that `--json` prints gives the same network again.
    static let maxSeed: UInt64 = 9_007_199_254_740_991

    @Option(name: .customLong("cells-per-lot"), help: ArgumentHelp("Cells per cell lot.", valueName: "k"))
    var cellsPerLot: Int = 2000

    @Option(
        help: ArgumentHelp(
            "Packs of 12 modules of 24 cells to assemble at the pack plant, from the first cell lots made (default: one per 5,000,000 cells, from 1 to 20).",
            valueName: "p"
        )
    )
    var packs: Int?

    /// The most packs `--packs` asks for.
    ///
    /// The plan assembles one module every ten minutes from the first cell lots' arrival at the
    /// pack plant, early in the network's year: 5,000 packs
    /// (60,000 modules) end before December 2026, and 8,000 would date assemblies after the day
    /// the ledger imports them, which the import refuses.
    static let maxPacks = 5_000

    /// The cells of a generated pack: 12 modules of 24.
    static let cellsPerPack = 288

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard seed <= Self.maxSeed else {
            throw ValidationError(
                "--seed must be from 0 to \(Self.maxSeed) (2^53 - 1), so that JSON gives it back exactly (got \(seed))"
            )
        }
        guard cells >= 1 else { throw ValidationError("--cells must be at least 1 (got \(cells))") }
        if let packs, packs < 0 || packs > Self.maxPacks {
            throw ValidationError(
                "--packs must be from 0 to \(Self.maxPacks), as the plan assembles a module every ten minutes and more would be dated in the future (got \(packs))"
            )
        }
        if let packs, packs * Self.cellsPerPack > cells {
            throw ValidationError(
                "--packs \(packs) needs \(packs * Self.cellsPerPack) cells (\(Self.cellsPerPack) a pack), more than --cells \(cells); "
                    + "give at most \(cells / Self.cellsPerPack) packs, or more cells"
            )
        }
        guard cellsPerLot >= 1, cellsPerLot <= 1_000_000_000 else {
            throw ValidationError(
                "--cells-per-lot must be from 1 to 10^9, the largest serial range (got \(cellsPerLot))"
            )
        }
        guard cells <= SupplyNetworkGenerator.maxCells else {
            throw ValidationError(
                "--cells must be at most 10^11, as planning holds the network in memory (got \(cells))"
            )
        }
        let lots = (cells - 1) / cellsPerLot + 1
        guard lots <= SupplyNetworkGenerator.maxCellLots else {
            let least = (cells - 1) / SupplyNetworkGenerator.maxCellLots + 1
            throw ValidationError(
                "--cells \(cells) with --cells-per-lot \(cellsPerLot) makes \(lots) cell lots, more than the \(SupplyNetworkGenerator.maxCellLots) that planning holds in memory; use --cells-per-lot \(least) or more, or fewer --cells"
            )
        }
    }

    func run() throws {
        let generator = try SupplyNetworkGenerator(
            options: SupplyNetworkGenerator.Options(cells: cells, cellsPerLot: cellsPerLot, seed: seed, packs: packs)
        )
        let chain: SupplyChainLedger
        do {
            chain = try SupplyChainLedger(openingAt: options.path)
        } catch let error as LedgerError where error.code == .noLedger {
            chain = try SupplyChainLedger.create(at: options.path)
        }
        let report = try generator.generate(into: chain) { done, total in
            Console.progress("generating", done: UInt64(done), total: UInt64(total))
        }
        let bytes = fileSize(options.path + "/data.mdb")
        let rate = report.seconds > 0 ? Double(report.events) / report.seconds : 0
        if json {
            Console.out(
                JSONValue.object([
                    "seed": .number(Double(seed)), "events": .number(Double(report.events)),
                    "submissions": .number(Double(report.submissions)), "lots": .number(Double(report.lots)),
                    "cellLots": .number(Double(report.cellLots)),
                    "serialRanges": .number(Double(report.serialRanges)),
                    "serials": .number(Double(report.serials)), "modules": .number(Double(report.modules)),
                    "packs": .number(Double(report.packs)),
                    "seconds": .number((report.seconds * 1000).rounded() / 1000),
                    "planningSeconds": .number((report.planningSeconds * 1000).rounded() / 1000),
                    "eventsPerSecond": .number(rate.rounded()), "treeSize": .number(Double(report.ledgerSize)),
                    "dataBytes": .number(Double(bytes)),
                    "serialBlocks": .array(
                        report.serialBlocks.map {
                            .object([
                                "prefix": .string($0.prefix), "first": .string(String($0.first)),
                                "last": .string(String($0.last)), "cells": .number(Double($0.cells)),
                            ])
                        }
                    ),
                ]).canonicalString
            )
            return
        }
        Console.out("generated \(report.events) events in \(report.submissions) signed submissions (seed \(seed))")
        Console.out("actors    \(report.actors), \(report.facilities) facilities, 1 factor table")
        Console.out("lots      \(report.lots) (\(report.cellLots) cell lots)")
        Console.out("serials   \(report.serials) in \(report.serialRanges) ranges")
        for block in report.serialBlocks {
            Console.out("          \(block.prefix)\(block.first)–\(block.last) (\(block.cells) cells)")
        }
        Console.out("packs     \(report.packs) of \(report.modules) modules")
        Console.out(
            "time      \(oneDecimal(report.seconds)) s (\(Int(rate.rounded())) events/s), planning \(oneDecimal(report.planningSeconds)) s of it"
        )
        Console.out(
            "ledger    \(report.ledgerSize) entries, \(oneDecimal(Double(bytes) / 1_048_576)) MiB in \(options.path)/data.mdb"
        )
    }

    private func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// A number with one decimal place.
    private func oneDecimal(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
