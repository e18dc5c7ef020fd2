/// A shipment of a cell, module or pack by id (``LineageReader/unitShipments(of:_:)``).
public struct UnitShipment: Sendable, Hashable {
    /// The shipment's entry.
    public var sequenceNumber: UInt64
    /// Its eventID.
    public var eventID: String
    /// The actor that shipped the unit.
    public var from: String
    /// The actor it was shipped to.
    public var to: String
    /// The entry that declared the shipment in error, if one did.
    public var retractedAt: UInt64?
}
