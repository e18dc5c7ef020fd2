import LedgerCore

/// The fixed shape of the generated supply network: who operates what where, which material each
/// stage makes from what, how it travels, and the process data it reports.
///
/// Figures are typical published orders of magnitude (element contents from stoichiometry, energy
/// per kilogram from life-cycle inventories); they are illustrative, not any company's data.
enum GeneratedNetwork {
    /// An actor of the generated network.
    struct ActorSpec {
        var id: String
        var name: String
        var role: ActorRole
        /// GS1 company prefix (7 digits) used for its parties, locations, lots and serials.
        var companyPrefix: String
        /// The UTC offset of its sites, as EPCIS writes it.
        var timeZone: String

        var party: String { "urn:epc:id:pgln:\(companyPrefix).00000" }
        var offsetMilliseconds: Int64 {
            let sign: Int64 = timeZone.hasPrefix("-") ? -1 : 1
            let digits = timeZone.dropFirst().split(separator: ":").compactMap { Int64($0) }
            return sign * ((digits.first ?? 0) * 60 + (digits.last ?? 0)) * 60_000
        }
    }

    /// A facility of the generated network.
    struct FacilitySpec {
        var id: String
        var name: String
        var actor: Actor
        var kind: FacilityKind
        var country: String
        var subdivision: String
        var gridRegion: String
        var location: (String, String)
        var riskFlags: [String] = []
    }

    /// The actors, in the order their submissions are imported (suppliers first).
    enum Actor: Int, CaseIterable {
        case spodumeneMiner, brineProducer, lithiumRefiner, nickelProducer, artisanalCooperative, cobaltProducer
        case sulfateRefiner, precursorMaker, cathodeMaker, graphiteMiner, anodeMaker, electrolyteMaker
        case cellMakerCN, cellMakerHU, packMaker

        var spec: ActorSpec { GeneratedNetwork.actors[rawValue] }
    }

    static let actors: [ActorSpec] = [
        ActorSpec(
            id: "wa-spodumene",
            name: "Western Australia Spodumene Pty Ltd",
            role: .miner,
            companyPrefix: "9312001",
            timeZone: "+08:00"
        ),
        ActorSpec(
            id: "atacama-lithium",
            name: "Salar de Atacama Lithium SpA",
            role: .miner,
            companyPrefix: "7801002",
            timeZone: "-04:00"
        ),
        ActorSpec(
            id: "sichuan-lithium",
            name: "Sichuan Lithium Chemicals Co., Ltd.",
            role: .refiner,
            companyPrefix: "6901003",
            timeZone: "+08:00"
        ),
        ActorSpec(
            id: "halmahera-nickel",
            name: "Halmahera Nickel HPAL PT",
            role: .miner,
            companyPrefix: "8991004",
            timeZone: "+09:00"
        ),
        ActorSpec(
            id: "kolwezi-artisanal",
            name: "Kolwezi Artisanal Miners Cooperative",
            role: .miner,
            companyPrefix: "6131005",
            timeZone: "+02:00"
        ),
        ActorSpec(
            id: "katanga-cobalt",
            name: "Katanga Copper Cobalt SA",
            role: .miner,
            companyPrefix: "6131006",
            timeZone: "+02:00"
        ),
        ActorSpec(
            id: "zhejiang-nico",
            name: "Zhejiang Nickel Cobalt Materials Co., Ltd.",
            role: .refiner,
            companyPrefix: "6901007",
            timeZone: "+08:00"
        ),
        ActorSpec(
            id: "hunan-precursor",
            name: "Hunan Precursor Materials Co., Ltd.",
            role: .processor,
            companyPrefix: "6901008",
            timeZone: "+08:00"
        ),
        ActorSpec(
            id: "guizhou-cathode",
            name: "Guizhou Cathode Materials Co., Ltd.",
            role: .processor,
            companyPrefix: "6901009",
            timeZone: "+08:00"
        ),
        ActorSpec(
            id: "heilongjiang-graphite",
            name: "Heilongjiang Graphite Mining Co., Ltd.",
            role: .miner,
            companyPrefix: "6901010",
            timeZone: "+08:00"
        ),
        ActorSpec(
            id: "baotou-anode",
            name: "Inner Mongolia Anode Materials Co., Ltd.",
            role: .processor,
            companyPrefix: "6901011",
            timeZone: "+08:00"
        ),
        ActorSpec(
            id: "jiangsu-electrolyte",
            name: "Jiangsu Electrolyte Co., Ltd.",
            role: .processor,
            companyPrefix: "6901012",
            timeZone: "+08:00"
        ),
        ActorSpec(
            id: "fujian-cells",
            name: "Fujian Cell Manufacturing Co., Ltd.",
            role: .cellMaker,
            companyPrefix: "6901013",
            timeZone: "+08:00"
        ),
        ActorSpec(
            id: "debrecen-cells",
            name: "Debrecen Cell Plant Kft.",
            role: .cellMaker,
            companyPrefix: "5991014",
            timeZone: "+01:00"
        ),
        ActorSpec(
            id: "komarom-packs",
            name: "Komarom Battery Systems Kft.",
            role: .packMaker,
            companyPrefix: "5991015",
            timeZone: "+01:00"
        ),
    ]

    /// The facilities; `Site` names them.
    enum Site: Int, CaseIterable {
        case spodumeneMine, brineField, carbonatePlant, lithiumRefinery, lateriteMine, hpalPlant
        case copperCobaltMine, artisanalSite, cobaltPlant, sulfateRefinery, precursorPlant, cathodePlant
        case graphiteMine, anodePlant, electrolytePlant, cellPlantCN, cellPlantHU, packPlant

        var spec: FacilitySpec { GeneratedNetwork.facilities[rawValue] }
    }

    static let facilities: [FacilitySpec] = [
        FacilitySpec(
            id: "urn:epc:id:sgln:9312001.00001.0",
            name: "Pilbara spodumene mine and concentrator",
            actor: .spodumeneMiner,
            kind: .mine,
            country: "AU",
            subdivision: "AU-WA",
            gridRegion: "AU-WA",
            location: ("-21.0393", "118.8987")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:7801002.00001.0",
            name: "Salar de Atacama brine field",
            actor: .brineProducer,
            kind: .mine,
            country: "CL",
            subdivision: "CL-AN",
            gridRegion: "CL-SEN",
            location: ("-23.5000", "-68.2500")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:7801002.00002.0",
            name: "Antofagasta lithium carbonate plant",
            actor: .brineProducer,
            kind: .refinery,
            country: "CL",
            subdivision: "CL-AN",
            gridRegion: "CL-SEN",
            location: ("-23.7400", "-70.3000")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6901003.00001.0",
            name: "Sichuan lithium hydroxide refinery",
            actor: .lithiumRefiner,
            kind: .refinery,
            country: "CN",
            subdivision: "CN-SC",
            gridRegion: "CN-SC",
            location: ("30.5700", "104.0600")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:8991004.00001.0",
            name: "Halmahera nickel laterite mine",
            actor: .nickelProducer,
            kind: .mine,
            country: "ID",
            subdivision: "ID-MU",
            gridRegion: "ID-MU",
            location: ("0.4900", "127.9500")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:8991004.00002.0",
            name: "Halmahera HPAL plant (captive coal power)",
            actor: .nickelProducer,
            kind: .refinery,
            country: "ID",
            subdivision: "ID-MU",
            gridRegion: "ID-MU",
            location: ("0.4600", "127.9300")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6131006.00001.0",
            name: "Lualaba copper-cobalt open pit",
            actor: .cobaltProducer,
            kind: .mine,
            country: "CD",
            subdivision: "CD-LU",
            gridRegion: "CD",
            location: ("-10.7100", "25.4700")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6131005.00001.0",
            name: "Kolwezi artisanal mining zone",
            actor: .artisanalCooperative,
            kind: .mine,
            country: "CD",
            subdivision: "CD-LU",
            gridRegion: "CD",
            location: ("-10.7300", "25.4400"),
            riskFlags: ["high-risk", "artisanal"]
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6131006.00002.0",
            name: "Kolwezi cobalt hydroxide and copper cathode plant",
            actor: .cobaltProducer,
            kind: .refinery,
            country: "CD",
            subdivision: "CD-LU",
            gridRegion: "CD",
            location: ("-10.6900", "25.4900")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6901007.00001.0",
            name: "Zhejiang nickel and cobalt sulphate refinery",
            actor: .sulfateRefiner,
            kind: .refinery,
            country: "CN",
            subdivision: "CN-ZJ",
            gridRegion: "CN-ZJ",
            location: ("28.9700", "118.8700")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6901008.00001.0",
            name: "Hunan NMC precursor plant",
            actor: .precursorMaker,
            kind: .precursor,
            country: "CN",
            subdivision: "CN-HN",
            gridRegion: "CN-HN",
            location: ("28.2300", "112.9400")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6901009.00001.0",
            name: "Guizhou NMC811 cathode plant",
            actor: .cathodeMaker,
            kind: .cathode,
            country: "CN",
            subdivision: "CN-GZ",
            gridRegion: "CN-GZ",
            location: ("26.6500", "106.6300")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6901010.00001.0",
            name: "Jixi natural graphite mine and flotation plant",
            actor: .graphiteMiner,
            kind: .mine,
            country: "CN",
            subdivision: "CN-HL",
            gridRegion: "CN-HL",
            location: ("45.3000", "130.9700")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6901011.00001.0",
            name: "Baotou spherical graphite anode plant",
            actor: .anodeMaker,
            kind: .anode,
            country: "CN",
            subdivision: "CN-NM",
            gridRegion: "CN-NM",
            location: ("40.6600", "109.8400")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6901012.00001.0",
            name: "Zhangjiagang electrolyte plant",
            actor: .electrolyteMaker,
            kind: .electrolyte,
            country: "CN",
            subdivision: "CN-JS",
            gridRegion: "CN-JS",
            location: ("31.8700", "120.5500")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:6901013.00001.0",
            name: "Ningde cell plant",
            actor: .cellMakerCN,
            kind: .cell,
            country: "CN",
            subdivision: "CN-FJ",
            gridRegion: "CN-FJ",
            location: ("26.6600", "119.5500")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:5991014.00001.0",
            name: "Debrecen cell plant",
            actor: .cellMakerHU,
            kind: .cell,
            country: "HU",
            subdivision: "HU-HB",
            gridRegion: "HU",
            location: ("47.5300", "21.6300")
        ),
        FacilitySpec(
            id: "urn:epc:id:sgln:5991015.00001.0",
            name: "Komarom module and pack plant",
            actor: .packMaker,
            kind: .modulePack,
            country: "HU",
            subdivision: "HU-KE",
            gridRegion: "HU",
            location: ("47.7400", "18.1200")
        ),
    ]

    /// One material-making step: who makes which lots where, in what sizes.
    struct StageSpec {
        /// The lot code inside the LGTIN (`CAM` in `…CAM-260315-0042`).
        var code: String
        /// The GTIN item reference (6 digits with the indicator) of the material.
        var itemReference: String
        var site: Site
        var material: String
        var grade: String?
        /// `ct:elementContent` as mass fractions, in the order written.
        var content: [(String, String)]
        /// `cbvmda:countryOfOrigin` when it is not the facility's country.
        var origin: String?
        /// Lot sizes in kilograms.
        var lotKg: ClosedRange<Int64>
        /// Whether quantities are written in tonnes (TNE) rather than kilograms.
        var tonnes: Bool
        var lifeCycleStage: String
        var dataQuality: String

        /// The mass fraction of `element` in the material (0 when it declares none).
        func share(of element: String) -> Double {
            content.first { $0.0 == element }.flatMap { Double($0.1) } ?? 0
        }
    }

    /// The stages, from the mines to the cells.
    ///
    /// Co-products (`sodiumSulfate`, `copperCathode`) are
    /// made beside a main output and are not consumed inside the network.
    enum Stage: Int, CaseIterable {
        case spodumene, brine, lithiumCarbonate, lithiumHydroxide, sodiumSulfate
        case laterite, mhp, copperCobaltOre, artisanalOre, cobaltHydroxide, copperCathode
        case nickelSulfate, cobaltSulfate, manganeseSulfate, pcam, cam
        case graphite, anode, electrolyte, components, cells

        var spec: StageSpec { GeneratedNetwork.stages[rawValue] }
        var actor: Actor { spec.site.spec.actor }

        /// Stages whose lots enter the ledger by an `ADD` event, without traced inputs.
        var isSource: Bool {
            switch self {
            case .spodumene, .brine, .laterite, .copperCobaltOre, .artisanalOre, .manganeseSulfate, .graphite,
                .electrolyte, .components:
                true
            default: false
            }
        }
    }

    private static let raw = "raw-material-acquisition"

    static let stages: [StageSpec] = [
        StageSpec(
            code: "SC6",
            itemReference: "000011",
            site: .spodumeneMine,
            material: "spodumene-concentrate",
            grade: "SC6",
            content: [("Li", "0.027")],
            lotKg: 8_000_000...15_000_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "BRN",
            itemReference: "000021",
            site: .brineField,
            material: "lithium-brine-concentrate",
            grade: "6% Li",
            content: [("Li", "0.06")],
            lotKg: 3_000_000...6_000_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "LC",
            itemReference: "000022",
            site: .carbonatePlant,
            material: "lithium-carbonate",
            grade: "battery-grade Li2CO3",
            content: [("Li", "0.1879")],
            lotKg: 400_000...800_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "LHM",
            itemReference: "000031",
            site: .lithiumRefinery,
            material: "lithium-hydroxide",
            grade: "battery-grade LiOH·H2O",
            content: [("Li", "0.165")],
            lotKg: 60_000...120_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "SS",
            itemReference: "000032",
            site: .lithiumRefinery,
            material: "sodium-sulfate",
            grade: "anhydrous Na2SO4",
            content: [],
            lotKg: 1...1,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "LAT",
            itemReference: "000041",
            site: .lateriteMine,
            material: "nickel-laterite-ore",
            grade: "limonite 1.3% Ni",
            content: [("Ni", "0.013"), ("Co", "0.0012"), ("Fe", "0.45")],
            lotKg: 30_000_000...60_000_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "MHP",
            itemReference: "000042",
            site: .hpalPlant,
            material: "mixed-hydroxide-precipitate",
            grade: "MHP 39% Ni",
            content: [("Ni", "0.39"), ("Co", "0.035")],
            lotKg: 600_000...1_200_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "CUCO",
            itemReference: "000051",
            site: .copperCobaltMine,
            material: "copper-cobalt-ore",
            grade: "oxide ore",
            content: [("Cu", "0.035"), ("Co", "0.012")],
            lotKg: 10_000_000...25_000_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "ASM",
            itemReference: "000052",
            site: .artisanalSite,
            material: "copper-cobalt-ore",
            grade: "hand-sorted heterogenite",
            content: [("Cu", "0.02"), ("Co", "0.03")],
            lotKg: 300_000...1_500_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "secondary"
        ),
        StageSpec(
            code: "COH",
            itemReference: "000053",
            site: .cobaltPlant,
            material: "cobalt-hydroxide",
            grade: "32% Co",
            content: [("Co", "0.32")],
            lotKg: 200_000...500_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "CU",
            itemReference: "000054",
            site: .cobaltPlant,
            material: "copper-cathode",
            grade: "LME grade A",
            content: [("Cu", "0.9999")],
            lotKg: 1...1,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "NS",
            itemReference: "000061",
            site: .sulfateRefinery,
            material: "nickel-sulfate",
            grade: "NiSO4·6H2O",
            content: [("Ni", "0.223")],
            lotKg: 200_000...400_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "CS",
            itemReference: "000062",
            site: .sulfateRefinery,
            material: "cobalt-sulfate",
            grade: "CoSO4·7H2O",
            content: [("Co", "0.21")],
            lotKg: 60_000...150_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "MS",
            itemReference: "000071",
            site: .precursorPlant,
            material: "manganese-sulfate",
            grade: "MnSO4·H2O",
            content: [("Mn", "0.325")],
            lotKg: 100_000...250_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "secondary"
        ),
        StageSpec(
            code: "PC811",
            itemReference: "000081",
            site: .precursorPlant,
            material: "pcam-nmc811",
            grade: "Ni0.8Co0.1Mn0.1(OH)2",
            content: [("Ni", "0.5"), ("Co", "0.062"), ("Mn", "0.058")],
            lotKg: 80_000...160_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "CAM811",
            itemReference: "000091",
            site: .cathodePlant,
            material: "cam-nmc811",
            grade: "NMC811",
            content: [("Li", "0.0718"), ("Ni", "0.4836"), ("Co", "0.0606"), ("Mn", "0.0568")],
            lotKg: 50_000...100_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "GC",
            itemReference: "000101",
            site: .graphiteMine,
            material: "natural-graphite-concentrate",
            grade: "flake 94% C",
            content: [("graphite", "0.94")],
            lotKg: 3_000_000...6_000_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "AN",
            itemReference: "000111",
            site: .anodePlant,
            material: "anode-graphite",
            grade: "coated spherical graphite",
            content: [("graphite", "0.95")],
            lotKg: 60_000...140_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "primary"
        ),
        StageSpec(
            code: "EL",
            itemReference: "000121",
            site: .electrolytePlant,
            material: "electrolyte-lipf6",
            grade: "1 M LiPF6 in EC/EMC",
            content: [("Li", "0.0055"), ("P", "0.0245")],
            lotKg: 30_000...70_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "secondary"
        ),
        StageSpec(
            code: "CC",
            itemReference: "000131",
            site: .cellPlantCN,
            material: "cell-components",
            grade: "Cu and Al foil, separator, can",
            content: [("Cu", "0.38"), ("Al", "0.4")],
            lotKg: 200_000...500_000,
            tonnes: true,
            lifeCycleStage: raw,
            dataQuality: "secondary"
        ),
        StageSpec(
            code: "C811",
            itemReference: "012345",
            site: .cellPlantCN,
            material: "cell-nmc811",
            grade: "CT-NMC811-P1",
            content: [
                ("Li", "0.0292"), ("Ni", "0.1971"), ("Co", "0.0247"), ("Mn", "0.0232"), ("graphite", "0.2465"),
                ("Cu", "0.0844"), ("Al", "0.0889"),
            ],
            lotKg: 1...1,
            tonnes: false,
            lifeCycleStage: "main-production",
            dataQuality: "primary"
        ),
    ]

    /// The cell model every generated cell lot makes.
    enum Cell {
        static let model = "CT-NMC811-P1"
        /// The model's functional-unit parameters: a passenger car (M1, 60 equivalent full cycles a
        /// year), an 8-year warranty, 92 % of nominal energy usable.
        static let batteryModel: JSONValue = [
            "id": .string(model), "name": "NMC811 pouch cell, 0.25 kWh", "chemistry": "NMC811", "category": "M1",
            "serviceYears": "8", "usableEnergyShare": "0.92",
        ]
        /// Grams per cell.
        static let massGrams: Int64 = 900
        static let massText = "0.9"
        static let energyText = "0.25"
        static let energyKWh = 0.25
        /// SGTIN prefixes of the two plants' cells (company prefix and item reference).
        static func serialPrefix(_ actor: Actor) -> String {
            "urn:epc:id:sgtin:\(actor.spec.companyPrefix).012345."
        }
        static let cellsPerModule = 24
        static let modulesPerPack = 12
    }

    /// A leg of a shipment.
    struct Leg {
        var mode: String
        var kilometres: Int
    }

    /// How lots of `stage` travel from `maker` to `holder`: the legs and the days from dispatch to use.
    static func route(_ stage: Stage, from maker: Actor, to holder: Actor) -> (legs: [Leg], days: Int64) {
        switch (stage, holder) {
        case (.spodumene, _): ([Leg(mode: "sea", kilometres: 6200), Leg(mode: "rail", kilometres: 1900)], 28)
        case (.lithiumCarbonate, _):
            (
                [
                    Leg(mode: "road", kilometres: 250), Leg(mode: "sea", kilometres: 18_900),
                    Leg(mode: "rail", kilometres: 1800),
                ], 48
            )
        case (.lithiumHydroxide, _): ([Leg(mode: "road", kilometres: 1100)], 3)
        case (.mhp, _): ([Leg(mode: "sea", kilometres: 4800), Leg(mode: "road", kilometres: 200)], 14)
        case (.artisanalOre, _): ([Leg(mode: "road", kilometres: 35)], 1)
        case (.cobaltHydroxide, _):
            (
                [
                    Leg(mode: "road", kilometres: 2400), Leg(mode: "sea", kilometres: 12_500),
                    Leg(mode: "road", kilometres: 200),
                ], 52
            )
        case (.nickelSulfate, _), (.cobaltSulfate, _): ([Leg(mode: "road", kilometres: 900)], 3)
        case (.pcam, _): ([Leg(mode: "road", kilometres: 1000)], 3)
        case (.graphite, _): ([Leg(mode: "rail", kilometres: 2600)], 6)
        case (.cam, .cellMakerHU), (.electrolyte, .cellMakerHU):
            (
                [
                    Leg(mode: "road", kilometres: 1200), Leg(mode: "sea", kilometres: 19_000),
                    Leg(mode: "rail", kilometres: 900),
                ], 45
            )
        case (.cam, _): ([Leg(mode: "road", kilometres: 1500)], 4)
        case (.electrolyte, _): ([Leg(mode: "road", kilometres: 800)], 2)
        case (.anode, .cellMakerHU): ([Leg(mode: "rail", kilometres: 9800)], 22)
        case (.anode, _): ([Leg(mode: "rail", kilometres: 2400)], 6)
        case (.cells, .packMaker):
            maker == .cellMakerHU
                ? ([Leg(mode: "road", kilometres: 300)], 1)
                : (
                    [
                        Leg(mode: "road", kilometres: 150), Leg(mode: "sea", kilometres: 19_500),
                        Leg(mode: "rail", kilometres: 900),
                    ], 45
                )
        default: ([], 1)
        }
    }

    /// The emission-factor table recorded with the network (`factors.table`).
    ///
    /// Orders of magnitude from public sources (national grid averages, IPCC fuel defaults, GLEC
    /// transport defaults); illustrative, for generated demo and benchmark ledgers only.
    static let factorTable: JSONValue = {
        func factor(_ members: [String: JSONValue]) -> JSONValue { .object(members) }
        func grid(_ geography: String, _ basis: String, _ value: String) -> JSONValue {
            factor([
                "category": "grid", "geography": .string(geography), "basis": .string(basis),
                "value": .string(value), "unit": "kgCO2e/kWh",
            ])
        }
        func fuel(_ name: String, _ value: String, _ unit: String) -> JSONValue {
            factor(["category": "fuel", "name": .string(name), "value": .string(value), "unit": .string(unit)])
        }
        func transport(_ name: String, _ value: String) -> JSONValue {
            factor(["category": "transport", "name": .string(name), "value": .string(value), "unit": "kgCO2e/tkm"])
        }
        func material(_ name: String, _ geography: String, _ value: String) -> JSONValue {
            factor([
                "category": "material", "name": .string(name), "geography": .string(geography),
                "value": .string(value), "unit": "kgCO2e/kg", "stage": "raw-material-acquisition",
            ])
        }
        let factors: [JSONValue] = [
            grid("AU-WA", "location", "0.51"), grid("CL-SEN", "location", "0.33"),
            grid("ID-MU", "location", "0.79"), grid("CD", "location", "0.02"),
            grid("CN-SC", "location", "0.11"), grid("CN-SC", "consumption-mix", "0.17"),
            grid("CN-ZJ", "location", "0.53"), grid("CN-HN", "location", "0.47"),
            grid("CN-GZ", "location", "0.55"), grid("CN-HL", "location", "0.63"),
            grid("CN-NM", "location", "0.78"), grid("CN-JS", "location", "0.59"),
            grid("CN-FJ", "location", "0.40"), grid("CN", "location", "0.5703"),
            grid("CN", "residual-mix", "0.61"), grid("HU", "location", "0.22"),
            grid("HU", "residual-mix", "0.38"),
            fuel("diesel", "0.0741", "kgCO2e/MJ"), fuel("natural-gas", "0.0561", "kgCO2e/MJ"),
            fuel("heavy-fuel-oil", "0.0774", "kgCO2e/MJ"), fuel("coal", "2.42", "kgCO2e/kg"),
            transport("sea", "0.008"), transport("road", "0.09"), transport("rail", "0.025"),
            transport("inland-waterway", "0.03"), transport("air", "0.6"),
            material("manganese-sulfate", "CN", "1.1"), material("electrolyte-lipf6", "CN", "6.5"),
            material("cell-components", "CN", "7.8"), material("cell-components", "HU", "7.8"),
        ]
        return .object([
            "id": "generated-network",
            "version": 1,
            "source":
                "illustrative orders of magnitude for ledgers made by `celltrace generate` (grid averages, IPCC fuel defaults, GLEC transport defaults); not for reporting",
            "year": 2025,
            "factors": .array(factors),
        ])
    }()
}
