import Carbon
import SupplyChain

/// What the contributions of one or more footprints say about data quality, factor sources and
/// the boundary; each footprint counts `weight` times (the cells of a declaration's range).
struct FootprintEvidence {
    var quality: PACTFootprint.DataQuality
    var sources: [PACTFootprint.FactorSource]
    var boundary: String

    init(_ footprints: [(Footprint, Double)]) {
        let method = PACTFootprint.electricityMethod
        var sums = [Double](repeating: 0, count: 5)
        var weights = 0.0
        var plain = [Double](repeating: 0, count: 5)
        var count = 0.0
        var sources: Set<PACTFootprint.FactorSource> = []
        var materials: [LifeCycleStage: Set<String>] = [:]
        for (footprint, weight) in footprints {
            for contribution in footprint.contributions {
                let scores = Self.scores(contribution)
                let emissions = contribution.emissions.total(method) * weight
                for index in 0..<5 {
                    sums[index] += scores[index] * emissions
                    plain[index] += scores[index]
                }
                weights += emissions
                count += 1
                let what =
                    contribution.kind == .shipment
                    ? "transport of \(contribution.material ?? "material")"
                    : contribution.kind == .assembly
                        ? "module and pack assembly" : (contribution.material ?? "material")
                materials[contribution.stage, default: []].insert(what)
            }
            for use in footprint.factors where use.table != "what-if" {
                sources.insert(
                    PACTFootprint.FactorSource(
                        name: use.source,
                        version: use.table + (use.year.map { " (\($0) figures)" } ?? "")
                    )
                )
            }
        }
        let rated = (0..<5).map { index in
            weights > 0 ? sums[index] / weights : (count > 0 ? plain[index] / count : 1)
        }
        quality = PACTFootprint.DataQuality(
            technological: rated[0],
            geographical: rated[1],
            temporal: rated[2],
            completeness: rated[3],
            reliability: rated[4]
        )
        self.sources = sources.sorted { ($0.name, $0.version) < ($1.name, $1.version) }
        let stageNames: [LifeCycleStage: String] = [
            .rawMaterialAcquisition: "raw material acquisition and pre-processing",
            .mainProduction: "main product production", .distribution: "distribution",
            .endOfLife: "end of life and recycling",
        ]
        let stages = LifeCycleStage.allCases.compactMap { stage -> String? in
            guard let names = materials[stage], !names.isEmpty else { return nil }
            return "\(stageNames[stage] ?? stage.rawValue): \(names.sorted().joined(separator: ", "))"
        }
        boundary =
            "Cradle to gate, per life-cycle stage (EU Batteries Regulation Annex II): "
            + stages.joined(separator: "; ")
            + ". Each process counts its electricity, fuels, direct emissions and transport legs as recorded in the ledger; lots without process data count their material's default factor (cradle to gate)."
    }

    /// Technological, geographical, temporal, completeness and reliability ratings (1 best, 3
    /// worst) of one contribution: activity data of the very process, primary, rate 1; the same
    /// marked secondary rates 2 on completeness and reliability; a material default rates 2 on
    /// technology, 2 or 3 on geography (country-specific or not) and 3 on time and reliability; a
    /// lot without any data rates 3 throughout.
    static func scores(_ contribution: Contribution) -> [Double] {
        switch contribution.kind {
        case .process, .shipment, .unitShipment, .assembly:
            return contribution.isPrimary ? [1, 1, 1, 1, 1] : [1, 1, 1, 2, 2]
        case .materialDefault:
            let countrySpecific = contribution.factors.contains {
                $0.key.hasPrefix("material:") && $0.key.contains("@")
            }
            return [2, countrySpecific ? 2 : 3, 3, 2, 3]
        case .noData:
            return [3, 3, 3, 3, 3]
        }
    }
}
