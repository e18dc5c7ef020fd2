public import LedgerCore

/// Where the numbers of a recorded event stand in its entry body: the JSON Pointers of each lot's
/// quantity element and of the CellTrace extension members, for receipts that tie a figure to
/// the field it came from.
public struct EventFields: Sendable {
    /// A lot's quantity element: its JSON Pointer (`/inputQuantityList/0`) and the kilograms in it.
    public struct Element: Sendable, Hashable {
        /// The lot (as the ledger identifies it).
        public var lot: String
        /// The element's pointer; `quantity` and `uom` are its members.
        public var pointer: String
        /// The quantity in kilograms.
        public var kg: ExactDecimal
    }

    /// The event's `eventID`.
    public var eventID: String
    /// The elements of `inputQuantityList`.
    public var inputs: [Element]
    /// The elements of `outputQuantityList`.
    public var outputs: [Element]
    /// The elements of `quantityList` or `childQuantityList`.
    public var quantities: [Element]
    private var extensionKeys: [String: String]

    /// Reads an event entry's body, with its sealed values put back (the openings); `nil` when it
    /// is not an event CellTrace can read.
    ///
    /// - Parameter body: The opened body.
    public init?(openedBody body: JSONValue) {
        let sink = ProblemSink()
        guard
            let event = EPCISEvent.read(
                body,
                index: 0,
                namespaces: SubmissionDocument.baseNamespaces,
                sink: sink,
                hashing: false
            )
        else { return nil }
        func elements(_ list: [LotQuantity]) -> [Element] {
            // A quantity's pointer names its `quantity` member; the element is its parent.
            list.map { Element(lot: $0.lot, pointer: String($0.pointer.dropLast("/quantity".count)), kg: $0.kg) }
        }
        eventID = event.eventID
        inputs = elements(event.inputs)
        outputs = elements(event.outputs)
        quantities = elements(event.quantities)
        extensionKeys = event.extensions.keys
    }

    /// The pointer of a CellTrace extension member (`electricity` → `/ct:electricity`, whatever
    /// prefix the submitter bound to the namespace), or `nil` when the event has none.
    public func extensionPointer(_ localName: String) -> String? {
        extensionKeys[localName].map { JSONPointer(tokens: [$0]).text }
    }

    /// The element of `lot` in the list the event makes lots in (outputs of a transformation,
    /// else the quantity list).
    public func made(_ lot: String) -> Element? {
        (outputs.isEmpty ? quantities : outputs).first { $0.lot == lot }
    }
}
