import LedgerCore

/// A module's or pack's row in `sc.parents`, decoded: the units it holds now, in the order they
/// were put in, and each assembly and disassembly of it.
///
/// The row is canonical JSON: `children` (the units held), `history` (the steps, oldest first:
/// `seq`, `event`, `added` or `removed`, an assembly's `facility` and the `model` it names, and
/// `retractedAt` once declared in error), `assembledBy`
/// (the last assembly's eventID) and `facility` (where it was, or `null`). The overlay keeps it
/// decoded (``StateStore/parent(_:_:)``), so that a unit filled one cell an event is read once a
/// batch and written once, and each event adds its units without copying those held.
struct ParentRecord: Sendable {
    /// The units it holds now, in the order they were put in.
    private(set) var children: [String]
    /// The same units, for look-ups: a unit may hold thousands of cells.
    private var held: Set<String>
    /// Its steps, oldest first, as stored.
    private(set) var history: [JSONValue]
    /// The row's other members (`assembledBy`, `facility`).
    private var members: JSONObject

    /// A unit not assembled yet.
    init() {
        children = []
        held = []
        history = []
        members = [:]
    }

    /// Reads a stored row; `nil` when it has no list of children.
    init?(json: JSONValue) {
        guard var members = json.objectValue,
            let children = members.removeValue(forKey: "children")?.arrayValue?.compactMap(\.stringValue)
        else { return nil }
        self.children = children
        held = Set(children)
        history = members.removeValue(forKey: "history")?.arrayValue ?? []
        self.members = members
    }

    /// The row, as stored.
    var json: JSONValue {
        var object = members
        object["children"] = .array(children.map(JSONValue.string))
        object["history"] = .array(history)
        return .object(object)
    }

    /// The facility of its last assembly.
    var facility: String? { members["facility"]?.stringValue }

    /// The modules and packs it was put into, each once, in the order first put in: where its own
    /// moves (``Assembly/Step``s of those units that name it) are found.
    var placedIn: [String] { members["placedIn"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// Records that it was put into `unit`, unless it was before.
    mutating func notePlacement(in unit: String) {
        var units = placedIn
        guard !units.contains(unit) else { return }
        units.append(unit)
        members["placedIn"] = .array(units.map(JSONValue.string))
    }

    /// The step of its first assembly that stands (not declared in error), `nil` when none does.
    var standingAssembly: JSONValue? {
        history.first { $0["added"] != nil && $0["retractedAt"] == nil }
    }

    /// The battery model the unit has: the one the first assembly that stands and names a model
    /// gave it (`ct:batteryModel`), with that step's entry; `nil` when none names one.
    var model: (id: String, sequence: UInt64)? {
        for step in history where step["added"] != nil && step["retractedAt"] == nil {
            if let model = step["model"]?.stringValue, let sequence = step["seq"]?.doubleValue {
                return (model, UInt64(sequence))
            }
        }
        return nil
    }

    /// Whether it holds `unit` now.
    func holds(_ unit: String) -> Bool { held.contains(unit) }

    /// Records an assembly, the event `eventID` at entry `sequence`, at `facility`, naming battery
    /// model `model` if it names one: the units of `units` it does not hold yet are put in, after
    /// those it holds.
    ///
    /// The step keeps its facility and model, so that the unit's first assembly and model are
    /// found as of any ledger size (a declaration of module and pack models).
    ///
    /// - Returns: The units put in, in the order of `units`.
    mutating func assemble(
        _ units: [String],
        eventID: String,
        facility: String?,
        model: String? = nil,
        sequence: UInt64
    ) -> [String] {
        let added = units.filter { held.insert($0).inserted }
        children += added
        members["assembledBy"] = .string(eventID)
        members["facility"] = facility.map(JSONValue.string) ?? .null
        var step: JSONObject = [
            "seq": .number(Double(sequence)), "event": .string(eventID), "added": .array(added.map(JSONValue.string)),
        ]
        if let facility { step["facility"] = .string(facility) }
        if let model { step["model"] = .string(model) }
        history.append(.object(step))
        return added
    }

    /// Records a disassembly, the event `eventID` at entry `sequence`, that takes `units` out.
    mutating func disassemble(_ units: [String], eventID: String, sequence: UInt64) {
        takeOut(units)
        history.append(
            [
                "seq": .number(Double(sequence)), "event": .string(eventID),
                "removed": .array(units.map(JSONValue.string)),
            ]
        )
    }

    /// Takes `units` out, every place each is listed, leaving the history as it is: an assembly
    /// declared in error.
    mutating func takeOut(_ units: [String]) {
        let taken = Set(units)
        children.removeAll { taken.contains($0) }
        held.subtract(taken)
    }

    /// Puts `units` back after those it holds, each once, leaving the history as it is: a
    /// disassembly declared in error.
    ///
    /// A unit it holds already stays where it is, and a unit listed twice goes back once: an
    /// earlier CellTrace recorded a disassembly that listed a unit twice as taking it out twice,
    /// and its declaration in error then put it back twice.
    mutating func putBack(_ units: [String]) {
        children += units.filter { held.insert($0).inserted }
    }

    /// Marks the steps of the event `eventID` as declared in error at entry `sequence`.
    mutating func markRetracted(_ eventID: String, at sequence: UInt64) {
        for index in history.indices where history[index]["event"]?.stringValue == eventID {
            guard var step = history[index].objectValue else { continue }
            step["retractedAt"] = .number(Double(sequence))
            history[index] = .object(step)
        }
    }
}
