public import SupplyChain

/// A requirement on primary data that a cell lot's footprint does not meet, naming the lots.
///
/// Annex II of the Batteries Regulation and the JRC draft rules for EV batteries make
/// company-specific (primary) activity data mandatory for the main production stage and for the
/// cell's anode, cathode, electrolyte, separator and casing (Docs/CARBON-METHOD.md §7). A
/// footprint without them still computes — a lot without process data takes its material's
/// default factor or passes its inputs through by mass — but a declaration resting on it does not
/// meet those rules, and its main production may read 0 only because nothing was recorded.
public struct PrimaryDataFinding: Sendable, Hashable {
    /// The requirement not met.
    public enum Requirement: String, Sendable, Hashable, CaseIterable {
        /// Company-specific activity data for main production: the cell lot's making (and the
        /// processes at the cell plant before it) records electricity, fuels or direct emissions,
        /// not marked secondary.
        case mainProduction = "main-production-primary-data"
        /// Company-specific data for the cell's components: each lot the cell plant's processes
        /// consumed from outside them (the anode, cathode, electrolyte, separator and casing among
        /// them) rests on process data, not on a default factor or on nothing.
        case components = "cell-components-primary-data"

        /// The rule, in words, with where it is from.
        public var rule: String {
            switch self {
            case .mainProduction:
                "primary (company-specific) activity data are mandatory for the main production stage (Annex II; JRC draft rules for EV batteries)"
            case .components:
                "company-specific data are required for the cell's anode, cathode, electrolyte, separator and casing (Annex II; JRC draft rules for EV batteries)"
            }
        }
    }

    /// The requirement not met.
    public var requirement: Requirement
    /// The cell lot whose footprint does not meet it.
    public var cellLot: String
    /// The lots without the data the requirement asks for: the cell lot for main production, the
    /// component lots for components.
    public var lots: [String]
    /// The life-cycle stage the missing data would have counted in.
    public var stage: LifeCycleStage
    /// The finding in words, naming the lots and what stood in for their data.
    public var message: String
}
