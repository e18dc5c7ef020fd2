import LedgerCore
import LedgerCrypto

/// A deterministic pseudo-random stream (SplitMix64), so that a seed gives the same network on
/// every platform and Swift version (the standard library's `random(in:using:)` does not promise that).
struct GeneratorRandom {
    private var state: UInt64

    init(_ seeds: UInt64...) {
        var state: UInt64 = 0x6A09_E667_F3BC_C908
        for seed in seeds {
            state = (state ^ seed) &* 0x9E37_79B9_7F4A_7C15
            state ^= state >> 29
        }
        self.state = state
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// An integer in `range`.
    mutating func value(in range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// `base` times a factor in [1 - spread, 1 + spread).
    mutating func around(_ base: Double, spread: Double = 0.1) -> Double {
        base * (1 - spread + 2 * spread * unit())
    }
}

/// The whole generated network before it becomes EPCIS: every lot with its inputs, times and
/// holders, every serial range, module and pack.
///
/// Planning pulls material from the cells upward. The cell lots come first, each with the mass of
/// cathode, anode, electrolyte and components it needs at its time; then each stage, downstream
/// to upstream, serves the demands on it in time order from lots it makes just in time (made a
/// route's days earlier), first in, first out, so upstream lots are shared by many downstream lots
/// and a demand may span two lots. Every lot is made before anything uses it, holds exactly what
/// its consumers take (or more), and every transformation's outputs stay within its inputs × yield.
///
/// Masses are whole grams (thousandths of a kilogram), so a cell lot is exactly its cells' mass
/// and draws exactly what it needs however few cells it holds. Upstream lots and their needs are
/// whole kilograms.
struct GeneratedPlan {
    typealias Stage = GeneratedNetwork.Stage
    typealias Actor = GeneratedNetwork.Actor
    typealias Site = GeneratedNetwork.Site

    /// A lot drawn by a consumer.
    struct Draw {
        var lot: Int
        var grams: Int64
    }

    struct Lot {
        var stage: Stage
        var site: Site
        var id: String
        /// The mass made, in grams.
        var grams: Int64
        /// UTC milliseconds of the event that makes it.
        var madeAt: Int64
        /// The actor that uses it: the maker, or the one it is shipped to.
        var holder: Actor
        var inputs: [Draw] = []
        /// The index of the co-product lot made by the same event.
        var coProduct: Int?
        /// The declared `ct:yield`, for processes that gain mass.
        var yield: String?
        /// The lot counter within its stage, for certificate ids and per-lot randomness.
        var number: Int
        /// For a cell lot, its index in `cellLots`.
        var cellLot: Int?
    }

    struct SerialRange {
        var prefix: String
        var first: UInt64
        var last: UInt64
    }

    struct CellLot {
        var lot: Int
        var ranges: [SerialRange]
        var cells: Int
        /// When the lot is shipped to the pack plant, for the packs' sample.
        var shippedToPacks: Int64?
    }

    struct Unit {
        var id: String
        var children: [String]
        var time: Int64
    }

    let seed: UInt64
    private(set) var lots: [Lot] = []
    private(set) var cellLots: [CellLot] = []
    private(set) var modules: [Unit] = []
    private(set) var packs: [Unit] = []
    private var counters = [Int](repeating: 0, count: Stage.allCases.count)
    /// What consumers need of each stage, by holder, in grams.
    private var demands: [Stage: [Actor: [(time: Int64, grams: Int64, consumer: Int)]]] = [:]

    private static let day: Int64 = 86_400_000
    private static let hour: Int64 = 3_600_000

    /// Plans a network of `cells` cells in lots of `cellsPerLot`, with `packs` packs.
    init(cells: Int, cellsPerLot: Int, packs: Int, seed: UInt64) {
        self.seed = seed
        var random = GeneratorRandom(seed, 1)
        // Production starts on a seed-dependent day of early 2025 and runs for a year (or a day per
        // lot for small runs), alternating between the plants with a seed-dependent share in Hungary:
        // every event is in the past, which the import requires of an event (it refuses one dated
        // after the import), whenever the network is generated from 2026 on.
        let start = Self.day * (20_089 + Int64(random.next() % 60)) + Self.hour * Int64(random.next() % 24)
        let lotCount = (cells + cellsPerLot - 1) / cellsPerLot
        let spacing = max(60_000, min(Self.day, 365 * Self.day / Int64(max(1, lotCount))) / 60_000 * 60_000)
        let shareHU = 0.3 + 0.2 * random.unit()
        var nextSerial: [Actor: UInt64] = [.cellMakerCN: 1, .cellMakerHU: 1]
        var remaining = cells
        for index in 0..<lotCount {
            let count = min(cellsPerLot, remaining)
            remaining -= count
            let plant: Actor = random.unit() < shareHU ? .cellMakerHU : .cellMakerCN
            let site: Site = plant == .cellMakerHU ? .cellPlantHU : .cellPlantCN
            let time = start + Int64(index) * spacing + Int64(random.next() % UInt64(spacing / 2 + 1)) / 60_000 * 60_000
            let grams = Int64(count) * GeneratedNetwork.Cell.massGrams
            let lot = makeLot(.cells, site: site, grams: grams, madeAt: time, holder: plant)
            // Now and then the end-of-line test scraps a few serial numbers inside a lot: two ranges.
            let prefix = GeneratedNetwork.Cell.serialPrefix(plant)
            let first = nextSerial[plant] ?? 1
            var ranges: [SerialRange]
            if count >= 20, random.unit() < 0.02 {
                let split = UInt64(count / 2)
                let gap = 1 + random.next() % 5
                ranges = [
                    SerialRange(prefix: prefix, first: first, last: first + split - 1),
                    SerialRange(prefix: prefix, first: first + split + gap, last: first + UInt64(count) + gap - 1),
                ]
            } else {
                ranges = [SerialRange(prefix: prefix, first: first, last: first + UInt64(count) - 1)]
            }
            nextSerial[plant] = (ranges.last?.last ?? first) + 1
            lots[lot].cellLot = cellLots.count
            cellLots.append(CellLot(lot: lot, ranges: ranges, cells: count))
            // Per kg of cells: cathode 0.41, anode 0.27, electrolyte 0.12, foils/separator/can 0.23
            // (with 0–3 % scrap each), so the inputs always outweigh the cells.
            for (stage, perKg) in [(Stage.cam, 0.411), (.anode, 0.272), (.electrolyte, 0.117), (.components, 0.233)] {
                let need = Int64((Double(grams) * perKg * (1 + 0.03 * random.unit())).rounded(.up))
                demands[stage, default: [:]][plant, default: []].append((time, need, lot))
            }
        }
        planPacks(packs, random: &random)
        for stage in [
            Stage.cam, .anode, .electrolyte, .components, .pcam, .lithiumHydroxide, .graphite, .nickelSulfate,
            .cobaltSulfate, .manganeseSulfate, .mhp, .cobaltHydroxide, .spodumene, .lithiumCarbonate, .brine,
            .laterite, .copperCobaltOre, .artisanalOre,
        ] {
            serve(stage)
        }
    }

    // MARK: Lots

    private mutating func makeLot(_ stage: Stage, site: Site, grams: Int64, madeAt: Int64, holder: Actor) -> Int {
        counters[stage.rawValue] += 1
        let number = counters[stage.rawValue]
        let spec = stage.spec
        let actor = site.spec.actor.spec
        let date = GeneratedText.localDate(madeAt, offset: actor.offsetMilliseconds)
        let digits = stage == .cells ? 5 : 4
        let id =
            "urn:epc:class:lgtin:\(actor.companyPrefix).\(spec.itemReference).\(spec.code)-\(date)-"
            + GeneratedText.padded(number, digits)
        lots.append(
            Lot(stage: stage, site: site, id: id, grams: grams, madeAt: madeAt, holder: holder, number: number)
        )
        return lots.count - 1
    }

    /// Serves every demand on `stage`, holder by holder, in time order, from lots made just in
    /// time; then places the new lots' own demands on the stages upstream.
    private mutating func serve(_ stage: Stage) {
        let byHolder = demands[stage] ?? [:]
        let firstNew = lots.count
        var random = GeneratorRandom(seed, 2, UInt64(stage.rawValue))
        for holder in Actor.allCases {
            guard let list = byHolder[holder] else { continue }
            let sorted = list.sorted { ($0.time, $0.consumer) < ($1.time, $1.consumer) }
            let site: Site =
                stage == .components ? (holder == .cellMakerHU ? .cellPlantHU : .cellPlantCN) : stage.spec.site
            let maker = site.spec.actor
            let lead =
                (maker == holder ? 1 : GeneratedNetwork.route(stage, from: maker, to: holder).days + 1) * Self.day
            var current = -1
            var left: Int64 = 0
            for demand in sorted {
                var need = demand.grams
                while need > 0 {
                    if left == 0 {
                        let grams = random.value(in: stage.spec.lotKg) * 1000
                        current = makeLot(stage, site: site, grams: grams, madeAt: demand.time - lead, holder: holder)
                        left = grams
                    }
                    let take = min(need, left)
                    lots[demand.consumer].inputs.append(Draw(lot: current, grams: take))
                    need -= take
                    left -= take
                }
            }
        }
        guard !stage.isSource else { return }
        let made = Array(firstNew..<lots.count).sorted { (lots[$0].madeAt, $0) < (lots[$1].madeAt, $1) }
        for index in made {
            recipe(index, random: &random)
        }
    }

    /// The inputs (and co-product) of a transformation lot, placed as demands on its suppliers.
    private mutating func recipe(_ index: Int, random: inout GeneratorRandom) {
        let lot = lots[index]
        let kg = Double(lot.grams) / 1000
        /// Places a need of `perKg` per kilogram made (with 0–2 % scrap), in whole kilograms.
        func need(_ stage: Stage, _ perKg: Double) {
            let amount = Int64((kg * perKg * (1 + 0.02 * random.unit())).rounded(.up)) * 1000
            demands[stage, default: [:]][lot.site.spec.actor, default: []].append((lot.madeAt, amount, index))
        }
        switch lot.stage {
        case .cam:
            need(.pcam, 0.99)
            need(.lithiumHydroxide, 0.45)
        case .pcam:
            need(.nickelSulfate, 2.265)
            need(.cobaltSulfate, 0.298)
            need(.manganeseSulfate, 0.18)
        case .lithiumHydroxide:
            // Two routes: sulphate roasting of spodumene (sodium sulphate co-product) or conversion
            // of Chilean carbonate (gains mass as hydroxide monohydrate).
            if random.unit() < 0.6 {
                need(.spodumene, 6.94)
                let byProduct = Int64(kg * random.around(1.4)) * 1000
                let co = makeLot(
                    .sodiumSulfate,
                    site: lot.site,
                    grams: byProduct,
                    madeAt: lot.madeAt,
                    holder: lot.site.spec.actor
                )
                lots[index].coProduct = co
            } else {
                need(.lithiumCarbonate, 0.905)
                lots[index].yield = "1.15"
            }
        case .lithiumCarbonate: need(.brine, 3.69)
        case .nickelSulfate:
            need(.mhp, 0.583)
            lots[index].yield = "1.75"
        case .cobaltSulfate:
            need(.cobaltHydroxide, 0.669)
            lots[index].yield = "1.55"
        case .mhp: need(.laterite, 32.6)
        case .cobaltHydroxide:
            // Ore blended from the industrial pit and, for some lots, the artisanal zone. The copper
            // cathode beside the hydroxide recovers 83–93 % of the copper in the ore (the nominal
            // feed, before scrap), so it never holds more copper than the ore brought in.
            let artisanal = random.unit() < 0.5 ? 0.05 + 0.2 * random.unit() : 0
            need(.copperCobaltOre, 31.4 * (1 - artisanal))
            if artisanal > 0 { need(.artisanalOre, 31.4 * artisanal) }
            let copperFed =
                kg * 31.4
                * ((1 - artisanal) * Stage.copperCobaltOre.spec.share(of: "Cu")
                    + artisanal * Stage.artisanalOre.spec.share(of: "Cu"))
            let copper =
                Int64(copperFed * random.around(0.88, spread: 0.05) / Stage.copperCathode.spec.share(of: "Cu")) * 1000
            let co = makeLot(
                .copperCathode,
                site: lot.site,
                grams: copper,
                madeAt: lot.madeAt,
                holder: lot.site.spec.actor
            )
            lots[index].coProduct = co
        case .anode: need(.graphite, 2.02)
        default: break
        }
    }

    // MARK: Packs

    /// Ships the first cell lots (Hungarian first) to the pack plant and assembles modules of
    /// consecutive cells and packs of modules from them.
    private mutating func planPacks(_ count: Int, random: inout GeneratorRandom) {
        let cellsPerPack = GeneratedNetwork.Cell.cellsPerModule * GeneratedNetwork.Cell.modulesPerPack
        guard count > 0 else { return }
        let order = cellLots.indices.sorted {
            let (a, b) = (lots[cellLots[$0].lot], lots[cellLots[$1].lot])
            return (a.holder == .cellMakerHU ? 0 : 1, a.madeAt, $0) < (b.holder == .cellMakerHU ? 0 : 1, b.madeAt, $1)
        }
        let wanted = count * cellsPerPack
        var serials: [(serial: String, ready: Int64)] = []
        serials.reserveCapacity(wanted)
        for index in order {
            guard serials.count < wanted else { break }
            let lot = lots[cellLots[index].lot]
            let shipped = lot.madeAt + Self.day
            cellLots[index].shippedToPacks = shipped
            let ready = shipped + (GeneratedNetwork.route(.cells, from: lot.holder, to: .packMaker).days + 1) * Self.day
            for range in cellLots[index].ranges {
                // Only the serials the packs take: a lot may hold a billion.
                let take = min(range.last - range.first + 1, UInt64(wanted - serials.count))
                guard take > 0 else { break }
                for number in range.first...(range.first + take - 1) {
                    serials.append((range.prefix + String(number), ready))
                }
            }
        }
        let prefix = Actor.packMaker.spec.companyPrefix
        var moduleIDs: [String] = []
        var time: Int64 = 0
        for start in stride(
            from: 0,
            to: serials.count - GeneratedNetwork.Cell.cellsPerModule + 1,
            by: GeneratedNetwork.Cell.cellsPerModule
        ) {
            let slice = serials[start..<(start + GeneratedNetwork.Cell.cellsPerModule)]
            time = max(time, (slice.map(\.ready).max() ?? 0) + Self.hour) + 10 * 60_000
            let id = "urn:epc:id:giai:\(prefix).MOD-" + GeneratedText.padded(modules.count + 1, 6)
            modules.append(Unit(id: id, children: slice.map(\.serial), time: time))
            moduleIDs.append(id)
        }
        for start in stride(
            from: 0,
            to: moduleIDs.count - GeneratedNetwork.Cell.modulesPerPack + 1,
            by: GeneratedNetwork.Cell.modulesPerPack
        ) {
            let children = Array(moduleIDs[start..<(start + GeneratedNetwork.Cell.modulesPerPack)])
            let ready = modules[start + GeneratedNetwork.Cell.modulesPerPack - 1].time
            let id = "urn:epc:id:giai:\(prefix).PACK-" + GeneratedText.padded(packs.count + 1, 5)
            packs.append(
                Unit(id: id, children: children, time: ready + 2 * Self.hour + Int64(random.next() % 60) * 60_000)
            )
        }
    }

    /// The cells in the network.
    var cellCount: UInt64 { cellLots.reduce(0) { $0 + UInt64($1.cells) } }
}
