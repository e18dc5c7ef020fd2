/// A scenario's lot replacement (``Scenario/lots``) as the ledger has its two lots: their
/// materials, and whether the replacement would contain what it replaces.
///
/// ``CarbonEngine/lotReplacements(_:)`` makes these before a what-if is computed. A replacement
/// that is circular cannot be computed: the lot that stands in for `old` would be made, at some
/// depth, from itself, and a push down the lineage would silently drop what lies beyond the loop.
/// One between lots of different materials can (a user may model a substitution on purpose), but
/// is worth saying.
public struct LotReplacement: Sendable, Hashable {
    /// The lot replaced.
    public var old: String
    /// The lot whose footprint per kg stands in for it.
    public var new: String
    /// The replaced lot's material, when the ledger has the lot and its material.
    public var oldMaterial: String?
    /// The replacement's material, when the ledger has the lot and its material.
    public var newMaterial: String?
    /// When the replacement would contain what it replaces: the lots from `new` down to the lot
    /// made from a lot that the scenario replaces by `new` (usually `old`), that lot last.
    ///
    /// `[old]` when `new` is `old`; `[new, old]` when `new` is made directly from `old`; `nil`
    /// when the replacement's lineage, with the scenario's replacements applied, never reaches
    /// `new` again.
    public var circularPath: [String]?

    /// Creates a replacement's findings.
    public init(old: String, new: String, oldMaterial: String?, newMaterial: String?, circularPath: [String]?) {
        self.old = old
        self.new = new
        self.oldMaterial = oldMaterial
        self.newMaterial = newMaterial
        self.circularPath = circularPath
    }

    /// Whether the two lots are of different materials, both known.
    public var substitutesMaterial: Bool {
        guard let oldMaterial, let newMaterial else { return false }
        return oldMaterial != newMaterial
    }
}
