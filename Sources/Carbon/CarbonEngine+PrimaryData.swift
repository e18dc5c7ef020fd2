public import LedgerStorage
import SupplyChain

extension CarbonEngine {
    /// The primary-data requirements a cell lot's footprint does not meet
    /// (``PrimaryDataFinding``): none when its main production and every component rest on
    /// primary process data.
    ///
    /// Main production has primary data when a process of the lot's lineage counted in main
    /// production rests on activity data not marked secondary: the cell lot's making, an earlier
    /// process at the cell plant, or, as `primaryPerKg` shows, any event whose primary emissions
    /// fall in that stage. The components are the lots the cell plant's processes consumed from
    /// outside them: the cell lot's inputs, and the inputs of lots made at the plant with process
    /// data on the way. One counted at a default factor, passed through without data, or whose
    /// activity data are marked secondary is named.
    ///
    /// - Parameters:
    ///   - lot: The cell lot.
    ///   - primaryPerKg: The primary part of its footprint per kg, when a roll-up computed it.
    ///   - txn: The read transaction.
    /// - Returns: At most one finding per requirement.
    /// - Throws: ``CarbonError`` as reading a recipe does; what reading the ledger throws.
    public mutating func primaryDataFindings(
        ofCellLot lot: String,
        primaryPerKg: Emissions? = nil,
        _ txn: borrowing ReadTransaction
    ) throws -> [PrimaryDataFinding] {
        let cell = try recipe(lot, txn)
        let plant = cell.lot.facility
        var mainPrimary =
            primaryPerKg.map { primary in
                ElectricityMethod.allCases.contains { primary[$0, .mainProduction] > 0 }
            } ?? false
        var pending = [lot]
        var seen: Set<String> = [lot]
        var components: [(lot: String, text: String)] = []
        while !pending.isEmpty {
            let id = pending.removeFirst()
            let recipe = id == lot ? cell : try self.recipe(id, txn)
            if recipe.parts.contains(where: { $0.stage == .mainProduction && $0.isPrimary }) { mainPrimary = true }
            let made = recipe.parts.first { $0.kind != .shipment }
            // The cell lot and the lots its plant made from process data are main production:
            // their inputs are walked; any other lot is a component the plant received.
            if id != lot, !(recipe.lot.facility == plant && made?.kind == .process) {
                if let made, let text = Self.withoutPrimaryData(made, lot: recipe.lot) {
                    components.append((id, text))
                }
                continue
            }
            for input in recipe.inputs where seen.insert(input.lot).inserted { pending.append(input.lot) }
        }
        var findings: [PrimaryDataFinding] = []
        if !mainPrimary {
            let made = cell.parts.first { $0.kind != .shipment }
            let why: String
            switch made?.kind {
            case .materialDefault:
                why =
                    "the lot is counted at the default factor \(made?.factors.first?.key ?? "of its material") (secondary data), which stands in for its main production and its components alike"
            case .process where made?.isPrimary == false:
                why = "the activity data of its making event\(Self.entry(made)) are marked secondary"
            case .process:
                why =
                    "its making event\(Self.entry(made)) counts in \(made?.stage.rawValue ?? "another stage"), not main production"
            default:
                why =
                    "its making event\(Self.entry(made)) records no electricity, fuels or direct emissions, so main production reads 0 kg CO2e: 0 is not a measured value"
            }
            findings.append(
                PrimaryDataFinding(
                    requirement: .mainProduction,
                    cellLot: lot,
                    lots: [lot],
                    stage: .mainProduction,
                    message: "main production of cell lot \(lot) has no primary data: \(why)"
                )
            )
        }
        if !components.isEmpty {
            findings.append(
                PrimaryDataFinding(
                    requirement: .components,
                    cellLot: lot,
                    lots: components.map(\.lot),
                    stage: .rawMaterialAcquisition,
                    message: "components of cell lot \(lot) without company-specific data: "
                        + components.map(\.text).joined(separator: "; ")
                )
            )
        }
        return findings
    }

    /// What a component lot's footprint rests on instead of primary process data, or `nil` when
    /// it rests on them.
    private static func withoutPrimaryData(_ made: Recipe.Part, lot: LotCard) -> String? {
        let name = "lot \(lot.id) (\(lot.material ?? "no material"))"
        switch made.kind {
        case .materialDefault:
            return
                "\(name) has no process data and is counted at the default factor \(made.factors.first?.key ?? "of its material") (secondary)"
        case .noData:
            return "\(name) has no process data and no default factor: its inputs are counted by mass"
        case .process where !made.isPrimary:
            return "\(name): the activity data of its making event\(entry(made)) are marked secondary"
        default:
            return nil
        }
    }

    /// ` (entry #N)` for a part whose event's entry is known.
    private static func entry(_ part: Recipe.Part?) -> String {
        part?.sequenceNumber.map { " (entry #\($0))" } ?? ""
    }
}
