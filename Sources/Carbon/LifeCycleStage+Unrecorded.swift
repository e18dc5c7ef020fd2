public import SupplyChain

extension LifeCycleStage {
    /// Why the stage reads 0 kg CO2e for `subject` when nothing of it is recorded, in words: 0
    /// there is not a measured value.
    ///
    /// End of life is not modelled yet (Docs/CARBON-METHOD.md §10); the other stages read 0 when
    /// no event of the lineage counts in them.
    ///
    /// - Parameter subject: What the figure is of (`the battery`, `the cells`).
    /// - Returns: The reason, without the closing "0 is not a measured value".
    public func unrecordedReason(for subject: String) -> String {
        switch self {
        case .rawMaterialAcquisition:
            "no raw material acquisition or pre-processing is recorded for \(subject)"
        case .mainProduction:
            "no main production energy, fuels or direct emissions are recorded for \(subject)"
        case .distribution:
            "no distribution transport or energy is recorded for \(subject)"
        case .endOfLife:
            "end of life and recycling is not modelled (no collection, dismantling or recycling is recorded for \(subject))"
        }
    }
}
