import LedgerCore

/// Where an event nests arrays and objects deeper than its ledger entry can hold, for the problem
/// that refuses it.
///
/// An event's entry body is the event (its members, with its eventID and the document's prefix
/// bindings beside them), which the entry's object holds one level down: an event may nest as deep
/// as an entry's body, ``Entry/maxBodyDepth``, and no deeper, or its entry could not be
/// read back. Every form of submission reads each event to that depth, whatever holds it (an
/// EPCIS document's event list, an array, a line of JSON Lines), so one limit holds for all.
struct EventNesting: Sendable {
    /// The deepest an event's arrays and objects may nest, its own object the first.
    static let maxDepth = Entry.maxBodyDepth

    /// The first array or object past ``maxDepth``, in the event.
    var pointer: JSONPointer
    /// The eventID the event gives, when it gives one.
    var eventID: String?

    /// What is wrong with an event nested too deep, at the first array or object past the limit.
    static let message =
        "arrays and objects nest deeper here than the \(maxDepth) levels an event may, its own object the first "
        + "(its ledger entry holds the event one level down, and entries are read to \(Entry.maxDepth) levels); "
        + "nest what is here less deeply"

    /// Where an event read as part of a larger text (a document, an array) nests too deep, or
    /// `nil` when it does not.
    ///
    /// - Parameter event: The event.
    init?(in event: JSONValue) {
        guard let pointer = event.firstNesting(deeperThan: Self.maxDepth) else { return nil }
        self.pointer = pointer
        eventID = event["eventID"]?.stringValue
    }

    /// Where an event's text, which the parser refused with `error`, nests too deep, or `nil` when
    /// the text was refused for something else.
    ///
    /// The depth was why when the parser stopped where the first array or object past the limit
    /// opens.
    ///
    /// - Parameters:
    ///   - text: The event's text, as it was parsed (offsets count from its start).
    ///   - error: What parsing it threw.
    init?(in text: ArraySlice<UInt8>, refused error: any Error) {
        // The text up to where the parser stopped tells whether it stopped there for the depth;
        // the eventID may stand after it.
        guard let offset = (error as? LedgerError)?.byteOffset,
            JSONValue.firstNesting(deeperThan: Self.maxDepth, in: text.prefix(offset + 1))?.offset == offset,
            let found = JSONValue.firstNesting(deeperThan: Self.maxDepth, in: text, keepingTopLevel: "eventID")
        else { return nil }
        pointer = found.pointer
        eventID = found.topLevelString
    }

    init(pointer: JSONPointer, eventID: String?) {
        self.pointer = pointer
        self.eventID = eventID
    }

    /// The problem that refuses the event, which is event `index` of its document.
    func problem(index: Int) -> SupplyChainError.Problem {
        SupplyChainError.Problem(index: index, identifier: eventID, field: pointer.text, message: Self.message)
    }

    /// The problem of an event whose `@context`, as its entry holds it with the document's prefix
    /// bindings, nests too deep; `pointer` is where in that `@context`.
    static func contextProblem(index: Int, eventID: String, pointer: JSONPointer) -> SupplyChainError.Problem {
        SupplyChainError.Problem(
            index: index,
            identifier: eventID,
            field: "/@context",
            message: "its entry holds the event's @context with the document's prefix bindings (before it, in a list, "
                + "when the event has a context of its own), and there arrays and objects nest deeper than the "
                + "\(maxDepth) levels an event may (at /@context\(pointer.text) in the entry); nest the document's "
                + "or the event's @context less deeply"
        )
    }
}
