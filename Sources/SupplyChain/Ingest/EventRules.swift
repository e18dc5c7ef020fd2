import LedgerCore
import LedgerStorage

/// What an event changed in the indexes, kept in its event record so that a retraction can undo it.
struct EventEffects {
    var created: [String] = []
    var consumed: [(lot: String, actor: String, kg: ExactDecimal)] = []
    var moved: [(lot: String, from: String, to: String, kg: ExactDecimal)] = []
    /// A receipt's lots, each with its lines' kilograms together, in the order first named.
    var received: [(lot: String, kg: ExactDecimal)] = []
    var serials: [(prefix: String, last: UInt64)] = []
    var aggregated: (parent: String, children: [String])?
    var disaggregated: (parent: String, children: [String])?
    var certified: [(lot: String, certificate: String)] = []
    var claims: [String] = []
    /// A shipment's cells, modules and packs (its `epcList`), each with its mass in kilograms
    /// when shipped, and who shipped them to whom.
    var shippedUnits: (from: String, to: String, units: [(unit: String, kg: ExactDecimal)])?

    /// Writes the effects' members into the open object of `writer`, as canonical JSON (the
    /// `effects` of an `sc.events` record).
    func write(into writer: inout CanonicalObjectWriter) {
        if let aggregated { Self.write("aggregated", aggregated, into: &writer) }
        if !certified.isEmpty {
            writer.openArray("certified")
            for (lot, certificate) in certified {
                writer.openObjectElement()
                writer.member("certificate", string: certificate)
                writer.member("lot", string: lot)
                writer.closeObject()
            }
            writer.closeArray()
        }
        if !claims.isEmpty { writer.member("claims", strings: claims) }
        if !consumed.isEmpty {
            writer.openArray("consumed")
            for (lot, actor, kg) in consumed {
                writer.openObjectElement()
                writer.member("actor", string: actor)
                writer.member("kg", string: kg.description)
                writer.member("lot", string: lot)
                writer.closeObject()
            }
            writer.closeArray()
        }
        if !created.isEmpty { writer.member("created", strings: created) }
        if let disaggregated { Self.write("disaggregated", disaggregated, into: &writer) }
        if !moved.isEmpty {
            writer.openArray("moved")
            for (lot, from, to, kg) in moved {
                writer.openObjectElement()
                writer.member("from", string: from)
                writer.member("kg", string: kg.description)
                writer.member("lot", string: lot)
                writer.member("to", string: to)
                writer.closeObject()
            }
            writer.closeArray()
        }
        if !received.isEmpty {
            writer.openArray("received")
            for (lot, kg) in received {
                writer.openObjectElement()
                writer.member("kg", string: kg.description)
                writer.member("lot", string: lot)
                writer.closeObject()
            }
            writer.closeArray()
        }
        if !serials.isEmpty {
            writer.openArray("serials")
            for (prefix, last) in serials {
                writer.openObjectElement()
                writer.member("last", string: String(last))
                writer.member("prefix", string: prefix)
                writer.closeObject()
            }
            writer.closeArray()
        }
        if let shippedUnits {
            writer.openObject("shippedUnits")
            writer.member("from", string: shippedUnits.from)
            writer.member("to", string: shippedUnits.to)
            writer.openArray("units")
            for (unit, kg) in shippedUnits.units {
                writer.openObjectElement()
                writer.member("kg", string: kg.description)
                writer.member("unit", string: unit)
                writer.closeObject()
            }
            writer.closeArray()
            writer.closeObject()
        }
    }

    /// Writes an `aggregated` or `disaggregated` member: `{"children":[…],"parent":…}`.
    private static func write(
        _ name: StaticString,
        _ assembly: (parent: String, children: [String]),
        into writer: inout CanonicalObjectWriter
    ) {
        writer.openObject(name)
        writer.member("children", strings: assembly.children)
        writer.member("parent", string: assembly.parent)
        writer.closeObject()
    }

    /// The canonical bytes of an event's record (`sc.events`) as an event that passed the rules
    /// leaves it: the same bytes as the JSON object of its members, written directly.
    static func eventRecord(
        sequence: UInt64,
        hash: String,
        type: String,
        actor: String,
        eventTime: String,
        effects: EventEffects,
        submission: UInt64
    ) -> [UInt8] {
        var writer = CanonicalObjectWriter(capacity: 512)
        writer.member("actor", string: actor)
        writer.openObject("effects")
        effects.write(into: &writer)
        writer.closeObject()
        writer.member("eventTime", string: eventTime)
        writer.member("hash", string: hash)
        writer.member("seq", integer: sequence)
        writer.member("submission", integer: submission)
        writer.member("type", string: type)
        return writer.finish()
    }

    init() {}

    init(json: JSONValue) {
        created = json["created"]?.arrayValue?.compactMap(\.stringValue) ?? []
        consumed = (json["consumed"]?.arrayValue ?? []).compactMap { item in
            guard let lot = item["lot"]?.stringValue, let actor = item["actor"]?.stringValue,
                let kg = item["kg"]?.stringValue.flatMap({ ExactDecimal($0) })
            else { return nil }
            return (lot, actor, kg)
        }
        moved = (json["moved"]?.arrayValue ?? []).compactMap { item in
            guard let lot = item["lot"]?.stringValue, let from = item["from"]?.stringValue,
                let to = item["to"]?.stringValue, let kg = item["kg"]?.stringValue.flatMap({ ExactDecimal($0) })
            else { return nil }
            return (lot, from, to, kg)
        }
        received = (json["received"]?.arrayValue ?? []).compactMap { item in
            guard let lot = item["lot"]?.stringValue, let kg = item["kg"]?.stringValue.flatMap({ ExactDecimal($0) })
            else { return nil }
            return (lot, kg)
        }
        serials = (json["serials"]?.arrayValue ?? []).compactMap { item in
            guard let prefix = item["prefix"]?.stringValue, let last = item["last"]?.stringValue.flatMap({ UInt64($0) })
            else { return nil }
            return (prefix, last)
        }
        if let parent = json["aggregated"]?["parent"]?.stringValue {
            aggregated = (parent, json["aggregated"]?["children"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        if let parent = json["disaggregated"]?["parent"]?.stringValue {
            disaggregated = (parent, json["disaggregated"]?["children"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        certified = (json["certified"]?.arrayValue ?? []).compactMap { item in
            guard let lot = item["lot"]?.stringValue, let certificate = item["certificate"]?.stringValue else {
                return nil
            }
            return (lot, certificate)
        }
        claims = json["claims"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let shipped = json["shippedUnits"], let from = shipped["from"]?.stringValue,
            let to = shipped["to"]?.stringValue
        {
            let units: [(unit: String, kg: ExactDecimal)] = (shipped["units"]?.arrayValue ?? []).compactMap { item in
                guard let unit = item["unit"]?.stringValue,
                    let kg = item["kg"]?.stringValue.flatMap({ ExactDecimal($0) })
                else { return nil }
                return (unit, kg)
            }
            shippedUnits = (from, to, units)
        }
    }
}

extension SupplyChainLedger {
    /// A note naming what a reader cannot see in an id a query found nothing for.
    ///
    /// A space at either end, or a character that prints as nothing: `" (the id \"X \" holds a
    /// space at its end)"`; empty when there is none. Imports name such ids the same way.
    public static func hiddenCharacters(in id: String) -> String { Rules.hiddenCharacters(id) }
}

extension Rules {
    /// Reports a new lot's country of origin that ISO 3166-1 has not assigned, once per member
    /// that declares it (lots that share an `ilmd` share its member).
    fileprivate func checkAssignedCountries(_ activity: EventActivity, sink: ProblemSink) {
        var reported: [String] = []
        for master in activity.masters {
            guard let country = master.country, let problem = Country.problem(assigning: country) else { continue }
            let field = master.countryField ?? "/ilmd"
            guard !reported.contains(field) else { continue }
            reported.append(field)
            sink.add(field: field, problem)
        }
    }
}

/// The chemical elements and materials whose content a lot may declare (EU due diligence covers
/// Li, Ni, Co and natural graphite; the rest complete the cathode and anode chemistries).
let declarableElements: Set<String> = ["Li", "Ni", "Co", "Mn", "Fe", "P", "Al", "Cu", "C", "graphite"]

extension Rules {
    /// Checks one event against the state and applies it when it passes.
    ///
    /// - Parameters:
    ///   - event: The event, its shape already checked.
    ///   - read: Its activity members, when the workers read them (``EventActivity``); `nil` reads
    ///     them here.
    ///   - eventIDKey: Its `sc.event-ids` key (``IndexKey/eventID(_:)``), when the workers made it.
    ///   - hashIDKey: Its `sc.event-hashes` key (``IndexKey/eventID(_:)`` of its hash ID), when the
    ///     workers made it: for an event with an eventID of its own. Given, it says that no row is
    ///     there (an import has looked, ``Rules/recordedSame(as:eventIDKey:hashIDKey:_:)``); a
    ///     replay gives none, and the row is written only where none is.
    ///   - actor: The submitting actor.
    ///   - sequence: The sequence number its entry will have.
    ///   - submission: The sequence number of the submission entry that signs it.
    ///   - sink: Receives the problems, naming the event and field.
    ///   - txn: The snapshot under the pending writes.
    /// - Throws: Storage errors only; broken rules go to `sink`.
    mutating func apply(
        _ event: EPCISEvent,
        activity read: EventActivity? = nil,
        eventIDKey: [UInt8]? = nil,
        hashIDKey: [UInt8]? = nil,
        actor: Actor,
        sequence: UInt64,
        submission: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        if event.errorDeclaration != nil {
            try retract(event, actor: actor, sequence: sequence, sink: sink, txn)
            return
        }
        let before = sink.count
        var effects = EventEffects()
        let facility = try checkFacility(event, actor: actor, sink: sink, txn)
        let activity = read ?? EventActivity(event)
        let claims = try checkExtensions(activity, sink: sink, txn)
        effects.claims = claims
        // New input: electricity counted at a grid factor needs the place it was used, or every
        // footprint of the event's lots would fail for want of it. A bizLocation that is refused
        // above is named there.
        if checksNewInput, facility == nil, event.location == nil, let supply = activity.gridSupply {
            sink.add(
                field: event.extPointer("electricity") + "/\(supply)",
                "counts at the grid factor of the facility where it was used, and the event names none of "
                    + "\(actor.id)'s: give it a bizLocation (or a readPoint) that is a registered facility \(actor.id) operates"
            )
        }
        if checksNewInput {
            checkAssignedCountries(activity, sink: sink)
            // The lot lists a lot card and an activity record count in 16 bits.
            if event.quantities.count > EventActivity.maxListed {
                sink.add(field: "/quantityList", EventActivity.tooLong(event.quantities.count))
            }
            if event.inputs.count > EventActivity.maxListed {
                sink.add(field: "/inputQuantityList", EventActivity.tooLong(event.inputs.count))
            }
            if event.outputs.count > EventActivity.maxListed {
                sink.add(field: "/outputQuantityList", EventActivity.tooLong(event.outputs.count))
            }
        }
        let serialRanges = event.ext("serialRanges")

        // Whether the event is of a kind whose activity data the carbon engine reads (below).
        var countsActivity = true
        switch event.type {
        case .transformationEvent:
            try transform(
                event,
                activity: activity,
                actor: actor,
                facility: facility,
                sequence: sequence,
                effects: &effects,
                sink: sink,
                txn
            )
        case .objectEvent where event.action == "ADD" && serialRanges != nil:
            countsActivity = false
            try commission(event, actor: actor, sequence: sequence, effects: &effects, sink: sink, txn)
        case .objectEvent where event.action == "ADD" && !event.quantities.isEmpty:
            try create(
                event,
                activity: activity,
                actor: actor,
                facility: facility,
                sequence: sequence,
                effects: &effects,
                sink: sink,
                txn
            )
        case .objectEvent where event.bizStep == "shipping" && !event.quantities.isEmpty:
            try ship(event, actor: actor, sequence: sequence, effects: &effects, sink: sink, txn)
        case .objectEvent where event.bizStep == "shipping" && event.action != "ADD" && !event.epcList.isEmpty:
            // Cells, modules and packs by id. An earlier CellTrace read no epcList on a shipment
            // and recorded such an event as moving nothing: a replay keeps one that the rules of
            // a unit shipment refuse as it was.
            guard !checksNewInput else {
                try ship(event, actor: actor, sequence: sequence, effects: &effects, sink: sink, txn)
                break
            }
            let trial = ProblemSink(index: sink.index, identifier: sink.identifier)
            try ship(event, actor: actor, sequence: sequence, effects: &effects, sink: trial, txn)
            if !trial.isEmpty { countsActivity = false }
        case .objectEvent where event.bizStep == "receiving" && !event.quantities.isEmpty:
            countsActivity = false
            // The lots received, each with its lines' kilograms together, in the order first named.
            var received: [(lot: String, kg: ExactDecimal)] = []
            var receivedAt: [String: Int] = [:]
            // Each lot's first line, where a problem of the lot as a whole is named.
            var firstLines: [String] = []
            // New input: each lot is refused once.
            var refused: Set<String> = []
            for quantity in event.quantities {
                guard let lot = try existingLot(quantity, sink: sink, txn) else { continue }
                // A sum beyond ExactDecimal's range is beyond any holding.
                var beyond = false
                if let at = receivedAt[lot.id] {
                    if let sum = received[at].kg.adding(quantity.kg) { received[at].kg = sum } else { beyond = true }
                } else {
                    receivedAt[lot.id] = received.count
                    received.append((lot.id, quantity.kg))
                    firstLines.append(quantity.pointer)
                }
                // New input: receiving had no time rule when earlier entries were recorded.
                if checksNewInput,
                    !checkTime(event, of: lot, field: quantity.pointer, verb: "received", sink: sink)
                {
                    refused.insert(lot.id)
                    continue
                }
                let held = try holding(lot.id, actor.id, txn)
                // New input weighs the event's lines of one lot together; entries recorded before
                // were weighed a line at a time.
                var kg = quantity.kg
                if checksNewInput {
                    guard !refused.contains(lot.id) else { continue }
                    if !beyond, let at = receivedAt[lot.id] { kg = received[at].kg }
                    // The maker holds its lot without a shipment: it receives only what came back.
                    if held.since == nil, held.kg.isPositive, let number = try store.lotNumber(lot.id, txn),
                        try !shipped(lot.id, number: number, to: actor.id, txn)
                    {
                        refused.insert(lot.id)
                        sink.add(
                            field: quantity.pointer,
                            "no shipment of lot \(lot.id) went to \(actor.id), which made it: "
                                + "a receipt is recorded by the shipment's receiver"
                        )
                        continue
                    }
                }
                if checksNewInput && beyond || held.kg < kg {
                    refused.insert(lot.id)
                    let lines = kg == quantity.kg ? "" : " (this event's lines of the lot together)"
                    sink.add(
                        field: quantity.pointer,
                        "\(actor.id) holds less than \(kg) kg of lot \(lot.id)\(lines); was it shipped to them?"
                    )
                }
                if checksNewInput, let since = held.since, event.eventTime < since {
                    refused.insert(lot.id)
                    sink.add(
                        field: quantity.pointer,
                        "lot \(lot.id) is received at \(event.eventTimeText), before it was shipped to \(actor.id) "
                            + "(\(held.sinceText ?? "?"))"
                    )
                }
            }
            // New input: what the lot's shipments brought is received once, the lines of each
            // lot together.
            if checksNewInput {
                for ((lot, kg), line) in zip(received, firstLines) where !refused.contains(lot) {
                    try checkReceiptShipped(event, lot: lot, kg: kg, actor: actor.id, field: line, sink: sink, txn)
                }
            }
            if sink.passes(since: before) {
                effects.received = received
                for (id, kg) in received {
                    if let number = try store.lotNumber(id, txn) {
                        store.addUse(.received, ofLot: number, sequence: sequence)
                        noteReceipt(ofLot: number, kg: kg, by: actor.id, at: event.eventTime, sequence: sequence)
                    }
                }
            }
        case .aggregationEvent where event.action == "ADD":
            try aggregate(
                event,
                actor: actor,
                facility: facility,
                sequence: sequence,
                effects: &effects,
                sink: sink,
                txn
            )
        case .aggregationEvent where event.action == "DELETE":
            try disaggregate(event, actor: actor, sequence: sequence, effects: &effects, sink: sink, txn)
        default:
            countsActivity = false
            for quantity in event.quantities { _ = try existingLot(quantity, sink: sink, txn) }
        }
        if !event.certificationInfo.isEmpty {
            let lots =
                effects.created.isEmpty ? event.quantities.map(\.lot) + event.outputs.map(\.lot) : effects.created
            for lotID in Set(lots).sorted() {
                guard var lot = try lot(lotID, txn) else { continue }
                // Checked whatever else is wrong with the event; written only when nothing is.
                if actor.role != .auditor, !effects.created.contains(lotID),
                    !(try holding(lotID, actor.id, txn).kg.isPositive)
                {
                    sink.add(
                        field: "/certificationInfo",
                        "\(actor.id) neither holds lot \(lotID) nor is an auditor; it cannot certify it"
                    )
                    continue
                }
                guard sink.passes(since: before) else { continue }
                for certificate in event.certificationInfo where !lot.certifications.contains(certificate) {
                    lot.certifications.append(certificate)
                    effects.certified.append((lotID, certificate))
                }
                try putLot(lot, txn)
                try updateCard(lotID, txn) { card in
                    for certificate in event.certificationInfo
                    where !card.certifications.contains(where: { $0.certificate == certificate }) {
                        card.certifications.append((certificate, sequence))
                    }
                }
            }
        }
        // Activity data counts where the carbon engine reads it: on the event that made a lot, a
        // shipment of lots, an assembly or a disassembly. Anywhere else it would count as zero.
        // Asked of an event of another kind whatever else is wrong with it, and of one of these
        // kinds only when it is otherwise accepted: a refused shipment moved nothing.
        if !countsActivity || sink.passes(since: before), activity.hasActivityData, effects.created.isEmpty,
            effects.moved.isEmpty,
            effects.shippedUnits == nil,
            effects.aggregated == nil,
            effects.disaggregated == nil,
            let member = ["electricity", "fuels", "directEmissions", "transport"].first(where: { event.ext($0) != nil })
        {
            sink.add(
                field: event.extPointer(member),
                "activity data counts on an event that makes lots, ships lots or units, or assembles or takes apart units; "
                    + "record it on the event that made the lot (a cell lot's formation energy on the transformation that made it)"
            )
        }
        guard sink.passes(since: before) else {
            noteRefused(event, index: sink.index, sink: sink)
            return
        }
        if !unknownLots.isEmpty { noteLaterMaker(of: event, index: sink.index, refused: false, sink: sink) }
        if !unknownUnits.isEmpty { noteLaterUnitMaker(of: event, index: sink.index, refused: false, sink: sink) }
        // For the messages of new input only: a replay's rules run over the whole ledger.
        if checksNewInput, let index = sink.index { acceptedEvents.append((sequence, index)) }
        // A shipment by id moves its units (and any lots beside them): its legs are weighed
        // against their mass, which only the ledger knows.
        if checksNewInput, !activity.unitShipmentLegs.isEmpty, let shipped = effects.shippedUnits {
            let lots = effects.moved.reduce(ExactDecimal.zero) { $0.adding($1.kg) ?? $0 }
            let moved = shipped.units.reduce(lots) { $0.adding($1.kg) ?? $0 }
            for (field, message) in EventActivity.heavyLegs(
                activity.unitShipmentLegs,
                moved: moved,
                at: event.extPointer("transport"),
                what: "units"
            ) {
                warnings.append(
                    SupplyChainError.Problem(
                        index: sink.index,
                        identifier: event.eventID,
                        field: field,
                        message: message
                    )
                )
            }
        }
        for claim in claims {
            var writer = CanonicalObjectWriter(capacity: 160)
            writer.member("event", string: event.eventID)
            writer.member("id", string: claim)
            writer.member("seq", integer: sequence)
            let row = writer.finish()
            store.put(.claims, IndexKey.text(claim), row)
            store.put(.claims, IndexKey.certificateFolded(claim), row)
        }
        store.put(.eventIDs, eventIDKey ?? IndexKey.eventID(event.eventID), IndexKey.sequence(sequence))
        if event.eventID != event.hashID {
            // Under an eventID of its own, the event is found by its hash ID here: sent again with
            // another eventID or none, it is the same event. The first event of a hash ID keeps
            // the row (a ledger recorded before this check may hold the same event twice).
            let key = hashIDKey ?? IndexKey.eventID(event.hashID)
            // An import has looked already (it gives the key); a replay looks here.
            if try hashIDKey != nil || store.raw(.eventHashes, key, txn) == nil {
                store.put(.eventHashes, key, IndexKey.sequence(sequence) + Array(event.eventID.utf8))
                eventHashesExist = true
            }
        }
        store.put(
            .events,
            IndexKey.sequence(sequence),
            EventEffects.eventRecord(
                sequence: sequence,
                hash: event.hashID,
                type: event.type.rawValue,
                actor: actor.id,
                eventTime: event.eventTimeText,
                effects: effects,
                submission: submission
            )
        )
        try recordProcess(event, activity: activity, facility: facility, sequence: sequence, effects: effects, txn)
    }

    // MARK: Checks shared by several kinds of event

    /// Notes what a refused event would have made: it is named in the problems of the events
    /// after it, and of those before it that used it.
    ///
    /// The rules refused it, or its shape did before they ran (the event then as far as it was
    /// read).
    mutating func noteRefused(_ event: EPCISEvent, index: Int?, sink: ProblemSink) {
        noteRefusedMaker(of: event, index: index)
        if !unknownLots.isEmpty { noteLaterMaker(of: event, index: index, refused: true, sink: sink) }
        if !unknownUnits.isEmpty { noteLaterUnitMaker(of: event, index: index, refused: true, sink: sink) }
    }

    /// Remembers the lots a refused event of the submission would have made, so that a later event
    /// using one is told why it is unknown rather than only that it is.
    private mutating func noteRefusedMaker(of event: EPCISEvent, index: Int?) {
        guard let index else { return }
        for quantity in event.lotsMade where refusedMakers[quantity.lot] == nil {
            refusedMakers[quantity.lot] = index
        }
        if event.type == .aggregationEvent, event.action == "ADD", let parent = event.parentID,
            refusedAssemblies[parent] == nil
        {
            refusedAssemblies[parent] = index
        }
        for range in Self.writtenRanges(of: event) {
            refusedRanges[range.prefix, default: []].append((range.first, range.last, index))
        }
    }

    /// The serial ranges a commissioning names, as written, however its own checks found them:
    /// those whose prefix, first and last read, the first no greater than the last.
    private static func writtenRanges(of event: EPCISEvent) -> [(prefix: String, first: UInt64, last: UInt64)] {
        (event.ext("serialRanges")?.arrayValue ?? []).compactMap { element in
            guard let prefix = element["prefix"]?.stringValue,
                let first = element["first"]?.stringValue.flatMap({ UInt64($0) }),
                let last = element["last"]?.stringValue.flatMap({ UInt64($0) }), first <= last
            else { return nil }
            return (prefix, first, last)
        }
    }

    /// What to add to the problem of a unit an assembly names and the ledger does not have, when
    /// a refused event before it in the submission would have commissioned or assembled it.
    private func refusedMaker(ofUnit unit: String) -> String {
        if let index = refusedAssemblies[unit] {
            return ": event \(index) of this submission would assemble it, and is refused"
        }
        guard let (prefix, number) = SerialNumber.split(unit),
            let range = refusedRanges[prefix]?.first(where: { $0.first <= number && number <= $0.last })
        else { return "" }
        return ": event \(range.index) of this submission would commission it, and is refused"
    }

    /// Reports `problem`: a cell, module or pack that neither the ledger nor an earlier event has.
    ///
    /// It says why when it can tell: a refused event of the submission would make the unit, or
    /// the ledger has it in its other GS1 form. Otherwise it keeps the problem's position for
    /// ``noteLaterUnitMaker(of:index:refused:sink:)``.
    mutating func reportMissingUnit(
        _ unit: String,
        field: String,
        _ problem: String,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let refused = refusedMaker(ofUnit: unit)
        if !refused.isEmpty {
            sink.add(field: field, problem + refused)
        } else if let form = try unitInOtherForm(unit, txn) {
            sink.add(field: field, problem + "; the ledger has the same GS1 serial as \(form): name it so")
        } else {
            unknownUnits[unit, default: []].append(sink.count)
            sink.add(field: field, problem)
        }
    }

    /// Names, in the problems of the events before it, the event that commissions or assembles a
    /// unit they named unknown (``unknownUnits``), as ``noteLaterMaker(of:index:refused:sink:)``
    /// does for lots.
    private mutating func noteLaterUnitMaker(of event: EPCISEvent, index: Int?, refused: Bool, sink: ProblemSink) {
        guard let index else { return }
        let then =
            refused
            ? ", after this one, and is refused"
            : ", after this one; events are checked in order, so list it before the events that use it"
        if event.type == .aggregationEvent, event.action == "ADD", let parent = event.parentID,
            let used = unknownUnits.removeValue(forKey: parent)
        {
            let assembles = refused ? "would assemble" : "assembles"
            sink.amend(used, with: ": event \(index) of this submission \(assembles) it\(then)")
        }
        let ranges = Self.writtenRanges(of: event)
        guard !ranges.isEmpty else { return }
        let commissions = refused ? "would commission" : "commissions"
        for (unit, used) in unknownUnits {
            guard let (prefix, number) = SerialNumber.split(unit),
                ranges.contains(where: { $0.prefix == prefix && $0.first <= number && number <= $0.last })
            else { continue }
            unknownUnits[unit] = nil
            sink.amend(used, with: ": event \(index) of this submission \(commissions) it\(then)")
        }
    }

    /// Names, in the problems of the events before it, the event that makes a lot they used
    /// unknown: the events of a submission run in order, so the one that makes a lot comes first.
    private mutating func noteLaterMaker(of event: EPCISEvent, index: Int?, refused: Bool, sink: ProblemSink) {
        guard let index else { return }
        let would = refused ? "would make" : "makes"
        let then =
            refused
            ? ", and is refused" : "; events are checked in order, so list it before the events that use the lot"
        for quantity in event.lotsMade {
            if let used = unknownLots.removeValue(forKey: quantity.lot) {
                let makes = used.retracted ? "\(would) it again" : "\(would) it"
                sink.amend(used.problems, with: ": event \(index) of this submission \(makes), after this one\(then)")
            }
            for form in GS1Forms.ofLot(quantity.lot) {
                guard let used = unknownLots.removeValue(forKey: form) else { continue }
                sink.amend(
                    used.problems,
                    with: ": event \(index) of this submission \(would) the same GS1 lot as \(quantity.lot), "
                        + "after this one\(then); name it so"
                )
            }
        }
    }

    /// Reports a lot used that the ledger does not have, or has retracted, and keeps the
    /// problem's position for ``noteLaterMaker(of:index:refused:sink:)``.
    private mutating func reportMissingLot(
        _ lotID: String,
        retractedAt retracted: UInt64?,
        field: String,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        if let retracted {
            unknownLots[lotID, default: (true, [])].problems.append(sink.count)
            sink.add(field: field, "lot \(lotID) was retracted (entry \(retracted))")
            return
        }
        if let maker = refusedMakers[lotID] {
            sink.add(
                field: field,
                "unknown lot \(lotID): event \(maker) of this submission would make it, and is refused"
            )
        } else if let form = try lotInOtherForm(lotID, txn) {
            sink.add(field: field, "unknown lot \(lotID); the ledger has the same GS1 lot as \(form): name it so")
        } else {
            unknownLots[lotID, default: (false, [])].problems.append(sink.count)
            sink.add(field: field, Self.unknownLotMessage(lotID))
        }
    }

    /// The problem of a lot neither the ledger nor an event before in the submission has.
    private static func unknownLotMessage(_ lotID: String) -> String {
        "unknown lot \(lotID)" + hiddenCharacters(lotID)
    }

    /// A note naming what a reader cannot see in `id`: a space at either end, or a character
    /// that prints as nothing (a zero-width space, a control character); empty when there is none.
    static func hiddenCharacters(_ id: String) -> String {
        let hidden = id.unicodeScalars.filter {
            $0.properties.generalCategory == .format || $0.properties.generalCategory == .control
                || ($0.properties.isWhitespace && $0 != " ")
        }
        let names = hidden.map { scalar in
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        var notes: [String] = []
        if id.first == " " || id.last == " " { notes.append("a space at \(id.first == " " ? "its start" : "its end")") }
        if !names.isEmpty { notes.append("invisible \(Set(names).sorted().joined(separator: ", "))") }
        return notes.isEmpty ? "" : " (the id \"\(id)\" holds \(notes.joined(separator: " and ")))"
    }

    /// The event's facility, checked to exist and to be operated by the actor.
    private mutating func checkFacility(
        _ event: EPCISEvent,
        actor: Actor,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws -> Facility? {
        let makesSomething =
            event.type == .transformationEvent || event.type == .aggregationEvent
            || (event.type == .objectEvent && event.action == "ADD")
        guard let id = event.location else {
            if makesSomething {
                sink.add(field: "/bizLocation/id", "is required: the registered facility where this happened")
                return nil
            }
            return try readPointFacility(event, actor: actor, txn)
        }
        guard let facility = try knownFacility(id, txn) else {
            if let form = try facilityInOtherForm(id, txn) {
                sink.add(
                    field: "/bizLocation/id",
                    "no facility \(id) is registered; the ledger has the same GLN as \(form): name it so"
                )
            } else {
                sink.add(
                    field: "/bizLocation/id",
                    "no facility \(id) is registered; add it with `celltrace facility add`"
                )
            }
            return nil
        }
        guard facility.operatorID == actor.id else {
            if let transfer = facility.transfers.last(where: { $0.from == actor.id }) {
                sink.add(
                    field: "/bizLocation/id",
                    "facility \(id) was transferred from \(actor.id) to \(transfer.to) at entry \(transfer.at) and is operated by \(facility.operatorID); \(actor.id) may not record events there since"
                )
            } else {
                sink.add(
                    field: "/bizLocation/id",
                    "facility \(id) is operated by \(facility.operatorID); \(actor.id) may not record events there"
                )
            }
            return nil
        }
        return facility
    }

    /// Where an event without a `bizLocation` happened: its `readPoint`, when that is a registered
    /// facility the actor operates, as a `bizLocation` must be.
    ///
    /// A `readPoint` at another actor's site is recorded with a warning (`Submission`), and one that
    /// is no registered facility (a carrier's reader) is an identifier only: neither is the event's
    /// facility.
    private mutating func readPointFacility(
        _ event: EPCISEvent,
        actor: Actor,
        _ txn: borrowing ReadTransaction
    ) throws -> Facility? {
        guard let id = event.readPoint, let facility = try knownFacility(id, txn), facility.operatorID == actor.id
        else { return nil }
        return facility
    }

    /// A lot named by a quantity element, checked to exist, not be retracted and exist at the event's time.
    private mutating func existingLot(
        _ quantity: LotQuantity,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws -> Lot? {
        guard let lot = try store.lotKeepingNumber(quantity.lot, txn) else {
            try reportMissingLot(quantity.lot, retractedAt: nil, field: Self.lotPointer(quantity), sink: sink, txn)
            return nil
        }
        if let retracted = lot.retractedAt {
            try reportMissingLot(
                quantity.lot,
                retractedAt: retracted,
                field: Self.lotPointer(quantity),
                sink: sink,
                txn
            )
            return nil
        }
        return lot
    }

    /// Whether a quantity weighs more than a lot can (``EventActivity/Bounds/kg``) or is finer
    /// than the ledger keeps (``EventActivity/Bounds/tooFine(_:)``), which the vocabulary names for
    /// new input.
    private static func isBeyondBounds(_ quantity: LotQuantity) -> Bool {
        quantity.kg > EventActivity.Bounds.kg || EventActivity.Bounds.tooFine(quantity.kg) != nil
    }

    /// The pointer of a quantity element's `epcClass`, for its problems.
    private static func lotPointer(_ quantity: LotQuantity) -> String {
        String(quantity.pointer.dropLast("/quantity".count)) + "/epcClass"
    }

    /// Names an event dated before `lot` was made; returns whether it is not.
    @discardableResult
    mutating func checkTime(
        _ event: EPCISEvent,
        of lot: Lot,
        field: @autoclosure () -> String,
        verb: String = "used",
        sink: ProblemSink
    ) -> Bool {
        guard let made = madeTime(lot.eventTime), event.eventTime < made else { return true }
        sink.add(
            field: field(),
            "lot \(lot.id) is \(verb) at \(event.eventTimeText), before it was made (\(lot.eventTime))"
        )
        return false
    }

    /// A problem when the lot reached `actor` by a shipment dated after the event (new input only).
    ///
    /// The maker holds a lot from the time it was made, which ``checkTime(_:of:field:verb:sink:)``
    /// weighs; a receiver holds it from its first arrival (``Holding/since``). A replay does not
    /// refuse, so that entries recorded before this check still rebuild the indexes.
    func checkArrival(
        _ event: EPCISEvent,
        _ held: Holding,
        lot: String,
        actor: String,
        field: @autoclosure () -> String,
        sink: ProblemSink
    ) {
        guard checksNewInput, let since = held.since, event.eventTime < since else { return }
        sink.add(
            field: field(),
            "lot \(lot) is used at \(event.eventTimeText), before it reached \(actor) "
                + "(shipped to it at \(held.sinceText ?? "?"); custody rule)"
        )
    }

    /// The actor that made `lot`: the submitter of the event recorded at its entry.
    ///
    /// Kept by the entry for the batch: one event makes many lots, and its record lists them all.
    private mutating func maker(of lot: Lot, _ txn: borrowing ReadTransaction) throws -> String? {
        if let actor = makers[lot.createdAt] { return actor }
        let actor = try store.json(.events, IndexKey.sequence(lot.createdAt), txn)?["actor"]?.stringValue
        if let actor {
            if makers.count >= 4096 { makers.removeAll(keepingCapacity: true) }
            makers[lot.createdAt] = actor
        }
        return actor
    }

    /// When lot `lotID` first reached `actor` by a shipment not declared in error, leaving out the
    /// one recorded at `excluded`: `nil` for the maker, or for an actor no such shipment reached.
    ///
    /// Read from the lot's shipments (`sc.shipments`) when one is declared in error, so that the
    /// receiver's arrival is what the shipments that stand give.
    private mutating func firstArrival(
        of lotID: String,
        at actor: String,
        excluding excluded: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> Int64? {
        guard let lot = try lot(lotID, txn), let number = try store.lotNumber(lotID, txn),
            try maker(of: lot, txn) != actor
        else { return nil }
        return try standingShipments(of: lotID, number: number, to: actor, excluding: excluded, txn)
            .map(\.milliseconds).min()
    }

    /// Whether a shipment of lot `lotID` (number `number`) that is not declared in error went to
    /// `actor`, in the ledger or in the batches being checked.
    private mutating func shipped(
        _ lotID: String,
        number: UInt64,
        to actor: String,
        _ txn: borrowing ReadTransaction
    ) throws -> Bool {
        let known = "\(number) \(actor)"
        if shippedTo.contains(known) { return true }
        if notShippedTo.contains(known) { return false }
        // The latest first: goods come back after they went out, so the shipment that brought
        // them is near the end of a lot's list, which each look reads a record of.
        for (sequence, _) in try store.shipments(ofLot: number, txn).reversed() {
            guard let event = try standingEvent(at: sequence, txn) else { continue }
            if EventEffects(json: event.record["effects"] ?? [:]).moved.contains(where: {
                $0.lot == lotID && $0.to == actor
            }) {
                shippedTo.insert(known)
                return true
            }
        }
        notShippedTo.insert(known)
        return false
    }

    /// Refuses to declare in error a shipment whose receiver would then have used a lot before it
    /// reached it: the receiver's first arrival becomes the next shipment that stands, and every
    /// use it dated before that is named.
    ///
    /// - Parameters:
    ///   - moves: The shipment's moves (``EventEffects/moved``).
    ///   - recorded: The shipment's entry.
    ///   - sink: Where the problems go.
    ///   - txn: The transaction the ledger is read in.
    /// - Throws: A storage error, or an index that does not decode.
    private mutating func checkArrivalsKept(
        _ moves: [(lot: String, from: String, to: String, kg: ExactDecimal)],
        recorded: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        var checked: Set<[String]> = []
        for move in moves where checked.insert([move.lot, move.to]).inserted {
            // The maker's row has no arrival: it holds the lot since it made it.
            guard try !remade(move.lot, since: recorded, txn),
                let since = try holding(move.lot, move.to, txn).since
            else { continue }
            // No other shipment that stands: the lot never reached the receiver. Its uses that
            // took kilograms are named by the holding check already; commissioning and assembly
            // only need some of the lot held.
            let arrival = try firstArrival(of: move.lot, at: move.to, excluding: recorded, txn)
            guard arrival.map({ $0 > since }) ?? true else { continue }
            let uses = try uses(of: move.lot, by: move.to, before: arrival ?? .max, after: recorded, txn)
            guard !uses.isEmpty else { continue }
            let named = uses.prefix(3).map { "\(entryNamed($0.sequence)) (\($0.verb) at \($0.time))" }
            let more = uses.count > 3 ? " and \(uses.count - 3) more" : ""
            let reaching =
                arrival.map { "reaching \(move.to) only at \(Timestamp(millisecondsSinceEpoch: $0).rfc3339)" }
                ?? "never reaching \(move.to)"
            sink.add(
                field: "/errorDeclaration",
                "declaring this shipment in error leaves lot \(move.lot) \(reaching), after \(move.to) used it: "
                    + "\(named.joined(separator: ", "))\(more); declare those events in error first (custody rule)"
            )
        }
    }

    /// The events that stand in which `actor` used lot `lotID` before `time`, recorded after
    /// entry `recorded`, by entry: transformations that consumed it, shipments of it from
    /// `actor`, receipts of it, commissionings of cells from it, assemblies of those cells and
    /// shipments by id of those cells that `actor` had by holding the lot.
    ///
    /// A use recorded before the shipment at `recorded` was weighed against the arrivals recorded
    /// before it, which all stand, so only later ones are read. The events are read from the
    /// indexes in storage: a submission is one actor's and never ships to itself, so neither it
    /// nor the batch under it holds the receiver's events.
    private mutating func uses(
        of lotID: String,
        by actor: String,
        before time: Int64,
        after recorded: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> [(sequence: UInt64, verb: String, time: String)] {
        /// How an event used the lot, as the message says it.
        enum Use: String {
            case consumed, shipped, received
            case commissioned = "commissioned cells"
            case assembled = "assembled cells"
            case shippedCells = "shipped cells by id"
        }
        guard let number = try store.lotNumber(lotID, txn) else { return [] }
        var candidates: [UInt64: Use] = [:]
        for sequence in try store.storedConsumers(ofLot: number, txn) { candidates[sequence] = .consumed }
        for (sequence, use) in try store.storedUses(ofLot: number, txn) {
            candidates[sequence] =
                switch use {
                case .consumed: .consumed
                case .received: .received
                case .assembled: .assembled
                case .shippedCells: .shippedCells
                }
        }
        for (sequence, _) in try store.shipments(ofLot: number, txn) { candidates[sequence] = .shipped }
        // The commissionings of the lot's serial ranges.
        let prefix = IndexKey.sequence(number)
        var key = prefix
        while let row = try store.seek(.lotSerials, atLeast: key, txn), row.key.starts(with: prefix) {
            key = row.key + [0]
            if let range = try store.json(.serials, Array(row.key.dropFirst(prefix.count)), txn).flatMap(
                SerialRange.init(json:)
            ) {
                candidates[range.commissionedAt] = .commissioned
            }
        }
        var found: [(sequence: UInt64, verb: String, time: String)] = []
        for (sequence, use) in candidates where sequence > recorded {
            guard let event = try standingEvent(at: sequence, txn), event.milliseconds < time else { continue }
            let effects = EventEffects(json: event.record["effects"] ?? [:])
            let used =
                switch use {
                case .consumed: effects.consumed.contains { $0.lot == lotID && $0.actor == actor }
                case .shipped: effects.moved.contains { $0.lot == lotID && $0.from == actor }
                case .received, .commissioned, .assembled, .shippedCells: event.record["actor"]?.stringValue == actor
                }
            if used { found.append((sequence, use.rawValue, event.text)) }
        }
        return found.sorted { $0.sequence < $1.sequence }
    }

    /// Consumes or ships lots: every lot known, made before the event, held by the actor in the
    /// quantity named (summed over the event) and reached it before the event.
    private mutating func checkHoldings(
        _ event: EPCISEvent,
        _ quantities: [LotQuantity],
        actor: Actor,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws -> [(lot: Lot, kg: ExactDecimal, held: Holding)] {
        // Nothing is written while the event is checked, so each lot and its holding are read
        // once. A few lots are found by a scan, more through an index.
        // Each lot is moved out of `entries` into the result, not copied (a `Lot` holds a dozen
        // references).
        var entries: [(lot: Lot?, total: ExactDecimal?, held: Holding?)] = []
        var order: [Int] = []
        var positions: [String: Int] = [:]
        let indexed = quantities.count > 8
        for quantity in quantities {
            guard let lot = try existingLot(quantity, sink: sink, txn) else { continue }
            // An event before the lot was made is before it reached anyone: named once.
            let inTime = checkTime(event, of: lot, field: quantity.pointer, sink: sink)
            // The lot is found by its id, so `quantity.lot` names it from here on and the lot
            // itself moves into `entries` uncopied.
            let position: Int
            if let found = indexed
                ? positions[quantity.lot] : entries.firstIndex(where: { $0.lot?.id == quantity.lot })
            {
                position = found
            } else {
                entries.append((lot, nil, nil))
                position = entries.count - 1
                if indexed { positions[quantity.lot] = position }
            }
            if entries[position].total == nil { order.append(position) }
            guard let total = (entries[position].total ?? .zero).adding(quantity.kg) else {
                sink.add(field: quantity.pointer, "the quantities of lot \(quantity.lot) are too large to add exactly")
                continue
            }
            entries[position].total = total
            let known = entries[position].held
            let held = try known ?? holding(quantity.lot, actor.id, txn)
            entries[position].held = held
            if total > held.kg, !(checksNewInput && Self.isBeyondBounds(quantity)) {
                let holders = held.kg.isPositive ? "holds only \(held.kg) kg" : "holds none"
                sink.add(
                    field: quantity.pointer,
                    "\(actor.id) \(holders) of lot \(quantity.lot) but the event uses \(total) kg (balance and custody rule)"
                )
            }
            if known == nil, inTime {
                checkArrival(event, held, lot: quantity.lot, actor: actor.id, field: quantity.pointer, sink: sink)
            }
        }
        var result: [(lot: Lot, kg: ExactDecimal, held: Holding)] = []
        result.reserveCapacity(order.count)
        for position in order {
            guard let total = entries[position].total, let lot = entries[position].lot.take() else { continue }
            let held = try entries[position].held ?? holding(lot.id, actor.id, txn)
            result.append((lot, total, held))
        }
        return result
    }

    /// Checks the extension fields' shapes as ``EventActivity`` found them, in order, and the
    /// certificates they claim against the ledger; returns the certificate ids the event claims.
    private func checkExtensions(
        _ activity: EventActivity,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws
        -> [String]
    {
        var claims: [String] = []
        for check in activity.checks {
            switch check {
            case .problem(let field, let message):
                sink.add(field: field, message)
            case .certificate(let path, let id):
                if claims.contains(id) {
                    sink.add(field: path, "certificate \(id) is claimed twice in this event")
                } else if let claim = try store.json(.claims, IndexKey.text(id), txn) {
                    let by = claim["event"]?.stringValue ?? "?"
                    sink.add(
                        field: path,
                        "certificate \(id) was already claimed by event \(by); a certificate counts once"
                    )
                } else if checksNewInput, let other = claims.first(where: { $0.lowercased() == id.lowercased() }) {
                    sink.add(field: path, "certificate \(id) is \(other), claimed in this event, in another case")
                } else if checksNewInput, let claim = try store.json(.claims, IndexKey.certificateFolded(id), txn) {
                    // Registries read certificate ids without regard to case; the ledger keeps
                    // each claim by its text, so another case would count the certificate again.
                    let by = claim["event"]?.stringValue ?? "?"
                    let claimed = claim["id"]?.stringValue ?? "?"
                    sink.add(
                        field: path,
                        "certificate \(id) is certificate \(claimed) in another case, already claimed by event "
                            + "\(by); a certificate counts once"
                    )
                } else {
                    claims.append(id)
                }
            }
        }
        return claims
    }

    // MARK: Lot master data

    /// The record of a lot that `event` makes, with its master data (problems go to `sink`).
    private func newLot(
        _ quantity: LotQuantity,
        master: EventActivity.LotMaster,
        event: EPCISEvent,
        facility: Facility?,
        sequence: UInt64,
        inputs: [String],
        previousVersion: UInt64?,
        sink: ProblemSink
    ) -> Lot {
        // Where an event makes several lots, a problem of the master data they share names the lot.
        let lots = event.type == .transformationEvent ? event.outputs.count : event.quantities.count
        for (field, message) in master.problems {
            sink.add(
                field: field,
                lots > 1 && !field.contains("/ct:lots/") ? "\(message) (lot \(quantity.lot))" : message
            )
        }
        let data = (
            material: master.material, grade: master.grade, content: master.content,
            country: master.country ?? facility?.country
        )
        return Lot(
            id: quantity.lot,
            material: data.material,
            grade: data.grade,
            elementContent: data.content,
            countryOfOrigin: data.country,
            facility: facility?.id ?? "",
            createdBy: event.eventID,
            createdAt: sequence,
            eventTime: event.eventTimeText,
            producedKg: quantity.kg,
            inputs: inputs,
            previousVersion: previousVersion
        )
    }

    /// Checks that `quantity` may make a new lot: an id that no lot has, or the id of a lot whose
    /// making was declared in error (a corrective event re-making it).
    ///
    /// - Returns: The number of the retracted lot a corrective event makes again, which the new
    ///   lot replaces (``Lot/previousVersion``); `nil` otherwise.
    @discardableResult
    private mutating func checkNewLot(
        _ quantity: LotQuantity,
        inputs: [LotQuantity],
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    )
        throws -> UInt64?
    {
        if inputs.contains(where: { $0.lot == quantity.lot }) {
            sink.add(
                field: Self.lotPointer(quantity),
                "lot \(quantity.lot) is both consumed and produced by this event (a cycle)"
            )
            return nil
        }
        if checksNewInput, IdentifierText.hasSpaceOrControl(quantity.lot) {
            sink.add(
                field: Self.lotPointer(quantity),
                "a new lot's id may not hold spaces or control characters (an epcClass is a URI)"
            )
            return nil
        }
        if checksNewInput, let scalar = IdentifierText.lookalikeScalar(quantity.lot) {
            let what =
                scalar.properties.generalCategory == .format
                ? "an invisible formatting character"
                : "a combining mark: write the character it combines with precomposed (Unicode NFC)"
            sink.add(
                field: Self.lotPointer(quantity),
                "a new lot's id may not hold \(IdentifierText.codePoint(scalar)), \(what); ids are compared byte for "
                    + "byte, so it would make a lot that prints like another"
            )
            return nil
        }
        if checksNewInput, let problem = GS1Forms.problem(ofLot: quantity.lot, bytes: &idBytes) {
            sink.add(field: Self.lotPointer(quantity), "lot \(quantity.lot) \(problem)")
            return nil
        }
        guard let existing = try lot(quantity.lot, txn) else {
            if checksNewInput, let form = try madeInOtherForm(quantity.lot, txn) {
                if try lot(form, txn)?.retractedAt != nil {
                    sink.add(
                        field: Self.lotPointer(quantity),
                        "lot \(quantity.lot) is lot \(form) in another GS1 form, whose making was declared in error; "
                            + "a corrective event makes it again under the id it was made with, \(form)"
                    )
                } else {
                    sink.add(
                        field: Self.lotPointer(quantity),
                        "lot \(quantity.lot) is lot \(form), already made: the same GS1 lot in another form; a lot is made once (use a new lot id)"
                    )
                }
            }
            return nil
        }
        let field = Self.lotPointer(quantity)
        // An existing lot: is it upstream of the inputs (a cycle), or just made twice?
        var frontier = inputs.map(\.lot)
        var seen: Set<String> = []
        while let next = frontier.popLast() {
            guard seen.insert(next).inserted, seen.count < 100_000 else { continue }
            if next == quantity.lot {
                sink.add(
                    field: field,
                    "lot \(quantity.lot) is upstream of this event's inputs: producing it would close a cycle"
                )
                return nil
            }
            frontier += try lot(next, txn)?.inputs ?? []
        }
        if existing.retractedAt != nil {
            // The lot's making was declared in error: a corrective event makes it again, as a new
            // version under the same id, and the retracted version keeps its number and history.
            return try store.lotNumber(quantity.lot, txn)
        }
        if let index = submissionIndex(ofSequence: existing.createdAt) {
            sink.add(
                field: field,
                "lot \(quantity.lot) is made by event \(index) of this submission already; a lot is made once "
                    + "(use a new lot id)"
            )
        } else {
            sink.add(field: field, "lot \(quantity.lot) already exists; a lot is made once (use a new lot id)")
        }
        return nil
    }

    /// The id of a lot already made that a new lot's id names in another form (``GS1Forms``).
    ///
    /// A lot given as an EPC URN looks for its Digital Link only once the ledger or this batch
    /// holds a Digital Link lot id at all, which one seek per batch tells: most ledgers hold none,
    /// and their lots pay no look-up.
    private mutating func madeInOtherForm(_ id: String, _ txn: borrowing ReadTransaction) throws -> String? {
        if id.utf8.starts(with: "http".utf8) {
            linkedLotsExist = true
        } else {
            if linkedLotsExist == nil {
                let link = Array("http".utf8)
                linkedLotsExist = try store.seek(.lotIDs, atLeast: link, txn)?.key.starts(with: link) == true
            }
            guard linkedLotsExist == true else { return nil }
        }
        return try lotInOtherForm(id, txn)
    }

    // MARK: Kinds of event

    private mutating func create(
        _ event: EPCISEvent,
        activity: EventActivity,
        actor: Actor,
        facility: Facility?,
        sequence: UInt64,
        effects: inout EventEffects,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let before = sink.count
        var seen: Set<String> = []
        var lots: [Lot] = []
        for (position, quantity) in event.quantities.enumerated() {
            if !seen.insert(quantity.lot).inserted {
                sink.add(field: quantity.pointer, "lot \(quantity.lot) appears twice in this event")
                continue
            }
            let previous = try checkNewLot(quantity, inputs: [], sink: sink, txn)
            lots.append(
                newLot(
                    quantity,
                    master: activity.masters[position],
                    event: event,
                    facility: facility,
                    sequence: sequence,
                    inputs: [],
                    previousVersion: previous,
                    sink: sink
                )
            )
        }
        guard sink.passes(since: before) else { return }
        for lot in lots {
            try putNewLot(lot, inputs: [], inputNumbers: [], txn)
            try setHolding(lot.id, actor.id, Holding(kg: lot.producedKg), txn)
            effects.created.append(lot.id)
        }
    }

    /// A mass the rules computed, or, where the arithmetic needed more than 36 digits, the error
    /// that names it (``SupplyChainError/inexactMass(_:entry:)``) rather than a mass of nothing.
    private static func exact(
        _ mass: ExactDecimal?,
        _ what: @autoclosure () -> String,
        entry sequence: UInt64
    ) throws -> ExactDecimal {
        guard let mass else { throw SupplyChainError.inexactMass(what(), entry: sequence) }
        return mass
    }

    private mutating func transform(
        _ event: EPCISEvent,
        activity: EventActivity,
        actor: Actor,
        facility: Facility?,
        sequence: UInt64,
        effects: inout EventEffects,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let before = sink.count
        var consumed = try checkHoldings(event, event.inputs, actor: actor, sink: sink, txn)
        // By index: iterating the list would copy each lot out of it, a dozen references each.
        let inputIDs = consumed.indices.map { consumed[$0].lot.id }
        var outputs: [Lot] = []
        var totalOut = ExactDecimal.zero
        // A few outputs are checked for repeats by a scan, more through a set.
        var seen: Set<String> = []
        let scan = event.outputs.count <= 16
        for (position, quantity) in event.outputs.enumerated() {
            let repeated =
                scan
                ? event.outputs[..<position].contains { $0.lot == quantity.lot } : !seen.insert(quantity.lot).inserted
            if repeated {
                sink.add(field: quantity.pointer, "lot \(quantity.lot) appears twice among the outputs")
                continue
            }
            let previous = try checkNewLot(quantity, inputs: event.inputs, sink: sink, txn)
            let lot = newLot(
                quantity,
                master: activity.masters[position],
                event: event,
                facility: facility,
                sequence: sequence,
                inputs: inputIDs,
                previousVersion: previous,
                sink: sink
            )
            guard let sum = totalOut.adding(quantity.kg) else {
                sink.add(field: quantity.pointer, "the outputs are too large to add exactly")
                continue
            }
            totalOut = sum
            outputs.append(lot)
        }
        var totalIn = ExactDecimal.zero
        for use in consumed {
            totalIn = try Self.exact(totalIn.adding(use.kg), "the inputs' sum", entry: sequence)
        }
        let given = event.ext("yield")
        let declared = given.flatMap { value in
            value.stringValue.flatMap { ExactDecimal($0) } ?? value.doubleValue.flatMap { ExactDecimal($0) }
        }
        // A yield that does not read as a ratio in (0, 10] is reported as such (``EventActivity``);
        // the outputs are not weighed against it as well.
        let yieldReads = given == nil || declared.map(EventActivity.isYield) == true
        if !consumed.isEmpty, !outputs.isEmpty, yieldReads {
            let yield = declared ?? .one
            // A mass beyond a billion tonnes is named where it is given (new input); weighing it
            // again would only print its digits.
            if totalOut.exceeds(productOf: totalIn, and: yield),
                !checksNewInput
                    || !(event.inputs.contains(where: Self.isBeyondBounds)
                        || event.outputs.contains(where: Self.isBeyondBounds))
            {
                sink.add(
                    field: "/outputQuantityList",
                    declared == nil
                        ? "outputs of \(totalOut) kg exceed inputs of \(totalIn) kg; declare ct:yield for processes that gain mass"
                        : "outputs of \(totalOut) kg exceed inputs of \(totalIn) kg × the declared ct:yield \(yield)"
                )
            }
        }
        guard sink.passes(since: before) else { return }
        // Lots are changed in place and each written once: a `Lot` copy retains a dozen strings.
        var inputNumbers: [UInt64] = []
        inputNumbers.reserveCapacity(consumed.count)
        for index in consumed.indices {
            let kg = consumed[index].kg
            let id = inputIDs[index]
            let total = try Self.exact(
                consumed[index].lot.consumedKg.adding(kg),
                "\(id): \(consumed[index].lot.consumedKg) kg consumed and \(kg) kg",
                entry: sequence
            )
            inputNumbers.append(try store.putConsumed(total: total, of: &consumed[index].lot, txn))
            let held = consumed[index].held
            let left = try Self.exact(
                held.kg.subtracting(kg),
                "\(id): \(held.kg) kg held less \(kg) kg",
                entry: sequence
            )
            try setHolding(id, actor.id, held.with(kg: left), txn)
            effects.consumed.append((id, actor.id, kg))
        }
        // A consumption that made nothing leaves no lineage edge: it is found by lot here.
        if event.outputs.isEmpty {
            for number in inputNumbers { store.addUse(.consumed, ofLot: number, sequence: sequence) }
        }
        // Taken from the end of the reversed list, so that each lot moves into the overlay in
        // order, uncopied.
        outputs.reverse()
        while let lot = outputs.popLast() {
            let id = lot.id
            let producedKg = lot.producedKg
            var edges: [LineageEdge] = []
            for input in consumed.indices {
                // The input's kilograms split between the outputs by their mass.
                let share = try Self.exact(
                    consumed[input].kg.multiplied(by: producedKg, dividedBy: totalOut),
                    "\(inputIDs[input])'s share in \(id)",
                    entry: sequence
                )
                edges.append(
                    LineageEdge(
                        from: inputIDs[input],
                        to: id,
                        kg: share,
                        sequenceNumber: sequence,
                        eventID: event.eventID
                    )
                )
            }
            let number = try putNewLot(consume lot, inputs: edges, inputNumbers: inputNumbers, txn)
            for (input, edge) in edges.enumerated() {
                store.addEdge(
                    output: number,
                    input: inputNumbers[input],
                    sequence: sequence,
                    value: edge.row
                )
            }
            try setHolding(id, actor.id, Holding(kg: producedKg), txn)
            effects.created.append(id)
        }
    }

    private mutating func ship(
        _ event: EPCISEvent,
        actor: Actor,
        sequence: UInt64,
        effects: inout EventEffects,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let before = sink.count
        for source in event.sources where source.type == "owning_party" {
            let owner = try actorID(forParty: source.id, txn)
            if owner != actor.id {
                sink.add(
                    field: source.pointer,
                    "the owning party shipping must be the submitter \(actor.id), not \(owner ?? "unknown party " + source.id)"
                )
            }
        }
        // The receiver and the lots shipped are checked apart, so that a problem in each is reported.
        let owners = event.destinations.filter { $0.type == "owning_party" }
        var receiver: String?
        if owners.count != 1 {
            sink.add(
                field: "/destinationList",
                "a shipment names exactly one destination of type owning_party (the new holder)"
            )
        } else {
            receiver = try actorID(forParty: owners[0].id, txn)
            if receiver == nil {
                let party = owners[0].id
                let form = try GS1Forms.ofParty(party).first { try actorID(forParty: $0, txn) != nil }
                sink.add(
                    field: owners[0].pointer,
                    "party \(party) is not a registered actor's party"
                        + (form.map { "; the ledger has the same GLN as \($0): name it so" } ?? "")
                )
            }
        }
        let shipped = try checkHoldings(event, event.quantities, actor: actor, sink: sink, txn)
        // Units by id beside lots (new input): a replay of an entry an earlier CellTrace recorded,
        // which read no epcList on a shipment of lots, moves its lots alone when its units fail.
        var units: [(unit: String, kg: ExactDecimal)] = []
        var cellLots: Set<String> = []
        // A leg moving lots and units at once would count in both: the lots' footprints share it
        // by their kilograms, the units' by theirs. New input records the two as two shipments;
        // a replay of such an entry (only an earlier CellTrace, which read no epcList on a
        // shipment of lots, recorded one) moves its lots alone, as that CellTrace did.
        let activity = ["electricity", "fuels", "directEmissions", "transport"].first { event.ext($0) != nil }
        if !event.epcList.isEmpty, !event.quantities.isEmpty, let activity {
            if checksNewInput {
                sink.add(
                    field: "/epcList",
                    "a shipment with activity data (\(event.extPointer(activity))) moves lots (quantityList) or cells, "
                        + "modules and packs (epcList), not both, or its legs would count in both; record them as two "
                        + "shipments, each with the legs and mass it carries"
                )
            }
        } else if !event.epcList.isEmpty {
            // Beside lots, an epcList may name what is not a unit (a pallet's SSCC), as EPCIS
            // feeds do: the units are shipped by id only when every element is one.
            let unitSink = event.quantities.isEmpty ? sink : ProblemSink()
            (units, cellLots) = try checkShippedUnits(event, actor: actor, sink: unitSink, txn)
            if !unitSink.isEmpty, unitSink !== sink { (units, cellLots) = ([], []) }
        }
        guard let receiver else { return }
        guard sink.passes(since: before), receiver != actor.id else {
            if receiver == actor.id { sink.add(field: owners[0].pointer, "a shipment goes to another actor") }
            return
        }
        for (lot, kg, held) in shipped {
            let left = try Self.exact(
                held.kg.subtracting(kg),
                "\(lot.id): \(held.kg) kg held less \(kg) kg",
                entry: sequence
            )
            try setHolding(lot.id, actor.id, held.with(kg: left), txn)
            let theirs = try holding(lot.id, receiver, txn)
            // The maker, whose row went when it shipped all, holds what comes back since it made it.
            let arrival =
                try theirs.isKept || maker(of: lot, txn) != receiver
                ? theirs.receiving(kg, at: event.eventTime) : Holding(kg: kg)
            try setHolding(lot.id, receiver, arrival, txn)
            effects.moved.append((lot.id, actor.id, receiver, kg))
        }
        if !units.isEmpty {
            let shippedUnits = (from: actor.id, to: receiver, units: units)
            effects.shippedUnits = shippedUnits
            recordUnitShipment(shippedUnits, eventID: event.eventID, sequence: sequence)
            // Cells its shipper had by holding their cell lot: the shipment uses the lot, which a
            // declaration that a shipment of the lot to it was in error weighs.
            for id in cellLots.sorted() {
                if let number = try store.lotNumber(id, txn) {
                    store.addUse(.shippedCells, ofLot: number, sequence: sequence)
                }
            }
        }
    }

    /// The commissioned range of `prefix` that overlaps `first…last`, if any.
    private func commissioned(
        _ prefix: String,
        _ first: UInt64,
        _ last: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> SerialRange? {
        guard let overlap = try store.seek(.serials, atLeast: IndexKey.serial(prefix: prefix, last: first), txn),
            overlap.key.starts(with: Array(prefix.utf8) + [0]), overlap.key.count == prefix.utf8.count + 9,
            let existing = SerialRange(json: try JSONValue(parsing: overlap.value)), existing.first <= last
        else { return nil }
        return existing
    }

    private mutating func commission(
        _ event: EPCISEvent,
        actor: Actor,
        sequence: UInt64,
        effects: inout EventEffects,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let before = sink.count
        let lotPointer = event.extPointer("cellLot")
        // Without a known cell lot the other members are still checked, so that every problem is reported.
        let lotID = event.ext("cellLot")?.stringValue
        var cellLot: Lot?
        if let lotID {
            if let found = try lot(lotID, txn), found.retractedAt == nil {
                cellLot = found
                let inTime = checkTime(event, of: found, field: lotPointer, sink: sink)
                let held = try holding(lotID, actor.id, txn)
                if held.kg.isPositive == false {
                    sink.add(field: lotPointer, "\(actor.id) does not hold lot \(lotID)")
                } else if inTime {
                    checkArrival(event, held, lot: lotID, actor: actor.id, field: lotPointer, sink: sink)
                }
            } else {
                let retracted = try lot(lotID, txn)?.retractedAt
                try reportMissingLot(lotID, retractedAt: retracted, field: lotPointer, sink: sink, txn)
            }
        } else {
            sink.add(field: lotPointer, "is required: the cell lot (epcClass) the serials were made in")
        }
        func measure(_ name: String, _ dimension: MeasureDimension) -> ExactDecimal? {
            let pointer = event.extPointer(name)
            guard let value = event.ext(name) else {
                sink.add(field: pointer, "is required: {\"quantity\": …, \"uom\": \"\(dimension.baseUnit)\"}")
                return nil
            }
            let reader = FieldReader(value, path: pointer, problems: sink)
            return reader.measure(
                "quantity",
                unit: "uom",
                of: dimension,
                unitProblem: "must be one of \(dimension.acceptedCodes)"
            )
        }
        let mass = measure("cellMass", .mass)
        // New input: a cell weighs no less, and is given no finer, than a lot quantity may be.
        if checksNewInput, let mass, let problem = EventActivity.Bounds.tooFine(mass) {
            sink.add(field: event.extPointer("cellMass") + "/quantity", problem)
        }
        let energy = measure("nominalEnergy", .electricity)
        let model = namedBatteryModel(event, of: "the cells'", sink: sink)
        var ranges: [SerialRange] = []
        let rangesPointer = event.extPointer("serialRanges")
        let elements = event.ext("serialRanges")?.arrayValue ?? []
        if elements.isEmpty { sink.add(field: rangesPointer, "must be a non-empty array of {prefix, first, last}") }
        var total: UInt64 = 0
        // The event's ranges so far by prefix, sorted by their first serial and apart: a range is
        // weighed against its neighbours alone, so that an event of thousands of ranges (cells
        // numbered with gaps) is not checked pair by pair.
        var listed: [String: [(first: UInt64, last: UInt64)]] = [:]
        // How many of `list`'s ranges start at or before `serial`.
        func startingBy(_ serial: UInt64, in list: [(first: UInt64, last: UInt64)]) -> Int {
            list.partitionPoint { $0.first > serial }
        }
        func overlapsListed(_ prefix: String, _ first: UInt64, _ last: UInt64) -> Bool {
            guard let list = listed[prefix] else { return false }
            // The last range that starts at or before `last` reaches furthest of those that might overlap.
            let count = startingBy(last, in: list)
            return count > 0 && list[count - 1].last >= first
        }
        for (index, element) in elements.enumerated() {
            let reader = FieldReader(element, path: rangesPointer + "/\(index)", problems: sink)
            // Each fault named at its field: the prefix, either bound, their order, the range's size;
            // the prefix and the two bounds are each checked whatever the others are.
            var prefix = reader.string("prefix", maxLength: FieldReader.maxKeyedLength)
            if let given = prefix {
                if given.isEmpty || given.utf8.last.map({ (0x30...0x39).contains($0) }) == true {
                    reader.fail(
                        "prefix",
                        "must be a prefix that does not end in a digit: the serial number follows it"
                    )
                    prefix = nil
                } else if checksNewInput, let problem = GS1Forms.problem(ofSerialPrefix: given) {
                    reader.fail("prefix", problem)
                    prefix = nil
                }
            }
            func serial(_ field: String) -> UInt64? {
                guard let text = reader.string(field) else { return nil }
                // A serial number after any prefix that does not end in a digit ("A" stands for it).
                guard let (split, number) = SerialNumber.split("A" + text), split == "A" else {
                    reader.fail(
                        field,
                        "must be a serial number: 1 to 19 digits without leading zeros (got \"\(text)\")"
                    )
                    return nil
                }
                return number
            }
            let firstNumber = serial("first")
            let lastNumber = serial("last")
            guard let prefix, let first = firstNumber, let last = lastNumber else { continue }
            guard first <= last else {
                reader.fail("last", "must not be below first (\(first))")
                continue
            }
            guard last - first < 1_000_000_000 else {
                reader.fail("last", "a range holds at most 10^9 serials; split these \(last - first + 1) into several")
                continue
            }
            if let existing = try commissioned(prefix, first, last, txn) {
                // The serials both name, in the range that has them and the event that made it.
                let shared = "\(prefix)\(max(first, existing.first))–\(min(last, existing.last))"
                let by =
                    submissionIndex(ofSequence: existing.commissionedAt).map { "event \($0) of this submission" }
                    ?? "event \(existing.eventID)"
                reader.fail(
                    "first",
                    "serials \(shared) are already commissioned (in \(prefix)\(existing.first)–\(existing.last), by \(by))"
                )
                continue
            }
            // The same GTIN's serials in the other form (new input: a replay keeps what was recorded).
            let forms = checksNewInput ? GS1Forms.ofSerialPrefix(prefix) : []
            if let (form, existing) = try forms.lazy.compactMap({ form in
                try self.commissioned(form, first, last, txn).map { (form, $0) }
            }).first {
                reader.fail(
                    "first",
                    "serials \(form)\(existing.first)–\(existing.last), the same GTIN's serials in another form, are already commissioned (event \(existing.eventID))"
                )
                continue
            }
            // New input: a module or pack keeps its id, which names no cell (an earlier CellTrace
            // let a range cover it, after "a commissioned cell is no assembly's parent").
            if checksNewInput, let unit = try assembledUnit(prefix, first, last, forms: forms, txn) {
                let serial = prefix + String(unit.number)
                let named =
                    unit.id == serial
                    ? "an assembled module or pack" : "the assembled module or pack \(unit.id) in its other GS1 form"
                let by =
                    unit.sequence.flatMap(submissionIndex(ofSequence:)).map { "event \($0) of this submission" }
                    ?? "event \(unit.eventID)"
                reader.fail(
                    "first",
                    "\(serial) is \(named) (\(by)); a module's or pack's id is no cell serial: commission serials "
                        + "that no assembly names"
                )
                continue
            }
            if overlapsListed(prefix, first, last) || forms.contains(where: { overlapsListed($0, first, last) }) {
                reader.fail("first", "overlaps another range of this event")
                continue
            }
            let position = startingBy(first, in: listed[prefix] ?? [])
            listed[prefix, default: []].insert((first, last), at: position)
            total += last - first + 1
            ranges.append(
                SerialRange(
                    prefix: prefix,
                    first: first,
                    last: last,
                    lot: lotID ?? "",
                    cellMassKg: mass ?? .zero,
                    nominalEnergyKWh: energy ?? .zero,
                    model: model,
                    commissionedAt: sequence,
                    eventID: event.eventID
                )
            )
        }
        guard let lotID, let lot = cellLot else { return }
        var commissioned = lot.commissionedKg
        if let mass {
            // A sum beyond 36 digits is beyond 10^21 kg, a cell being given to no finer than 10^-15 kg.
            let sum = mass.multiplied(by: ExactDecimal(Int(clamping: total))).flatMap { lot.commissionedKg.adding($0) }
            if let sum, !(sum > lot.producedKg) {
                commissioned = sum
            } else {
                sink.add(
                    field: rangesPointer,
                    "\(total) cells of \(mass) kg bring the cells of lot \(lotID) to "
                        + "\(sum.map { "\($0) kg" } ?? "more than 10^21 kg"), more than the \(lot.producedKg) kg made"
                )
            }
        }
        guard sink.passes(since: before) else { return }
        if let model {
            // Recorded all the same: the operator may register the model after its cells are made.
            try warnIfUnregistered(
                model,
                event,
                until: "these cells are in no model's declaration or passport",
                sink,
                txn
            )
        }
        var updated = lot
        updated.commissionedKg = commissioned
        let number = try putLot(updated, txn)
        for range in ranges {
            store.put(.serials, IndexKey.serial(prefix: range.prefix, last: range.last), json: range.json)
            store.put(
                .lotSerials,
                IndexKey.lotSerial(number, prefix: range.prefix, last: range.last),
                Array(lotID.utf8)
            )
            effects.serials.append((range.prefix, range.last))
        }
    }

    /// The battery model a commissioning or an assembly names (`ct:batteryModel`).
    ///
    /// New input names a model by its id (`celltrace model add`): a number, an object or a blank
    /// would leave the cells, module or pack in no model's declaration without a word, and is
    /// refused at the member.
    ///
    /// - Parameters:
    ///   - event: The event.
    ///   - whose: Whose model it is, for the message: `the cells'`, `the module's or pack's`.
    ///   - sink: Receives the problem.
    /// - Returns: The model's id; `nil` when the event names none, or none that reads.
    func namedBatteryModel(_ event: EPCISEvent, of whose: String, sink: ProblemSink) -> String? {
        let model = event.ext("batteryModel")?.stringValue
        if checksNewInput, let given = event.ext("batteryModel"), model?.contains(where: { !$0.isWhitespace }) != true {
            let text = given.canonicalString
            sink.add(
                field: event.extPointer("batteryModel"),
                "must be the id of \(whose) battery model, a string as `celltrace model add` registers it "
                    + "(got \(text.count > 40 ? text.prefix(40) + "…" : text)); leave it out when the model is not known"
            )
            return nil
        }
        return model
    }

    /// For new input, a warning at `ct:batteryModel` when `model` is not registered, naming the
    /// registered model within two edits of it: the event is recorded all the same, as the
    /// operator may register the model later.
    ///
    /// - Parameters:
    ///   - model: The model the event names.
    ///   - event: The event.
    ///   - consequence: What it means until the model is registered.
    ///   - sink: The event's problems, whose index and identifier the warning takes.
    ///   - txn: The snapshot.
    /// - Throws: A storage error.
    mutating func warnIfUnregistered(
        _ model: String,
        _ event: EPCISEvent,
        until consequence: String,
        _ sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        guard checksNewInput, try !batteryModelExists(model, txn) else { return }
        let known = try store.storedModelIDs(txn)
        warnings.append(
            SupplyChainError.Problem(
                index: sink.index,
                identifier: event.eventID,
                field: event.extPointer("batteryModel"),
                message: "battery model \(model) is not registered (`celltrace model add`): until it is, "
                    + consequence + EventVocabulary.suggestion(model, known)
            )
        )
    }

    private mutating func aggregate(
        _ event: EPCISEvent,
        actor: Actor,
        facility: Facility?,
        sequence: UInt64,
        effects: inout EventEffects,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        let before = sink.count
        // Without a parent the children are still checked, so that every problem is reported.
        let parent = event.parentID
        if parent == nil { sink.add(field: "/parentID", "is required: the module or pack serial") }
        // New input: units go into modules and packs; an earlier CellTrace let a cell hold units.
        if checksNewInput, let parent, let cell = try commissionedCell(parent, txn) {
            let named = cell == parent ? "is a commissioned cell serial" : "is the commissioned cell serial \(cell)"
            let form = cell == parent ? "" : " in its other GS1 form"
            sink.add(
                field: "/parentID",
                "\(parent) \(named)\(form); a cell holds no units: parentID names the module or pack they go into"
            )
        }
        guard !event.childEPCs.isEmpty else {
            sink.add(field: "/childEPCs", "an assembly names the cells or modules it contains")
            return
        }
        var seen: Set<String> = []
        // Cell lots whose arrival is weighed once, however many of their cells are put in.
        var arrivalsChecked: Set<String> = []
        // Commissioning times, read once a range.
        var madeTimes: [UInt64: (milliseconds: Int64, text: String)?] = [:]
        // The cell lot of each cell named.
        var cellLots: [String: String] = [:]
        for (index, child) in event.childEPCs.enumerated() {
            let field = "/childEPCs/\(index)"
            if child == parent {
                sink.add(field: field, "a unit cannot contain itself")
                continue
            }
            if !seen.insert(child).inserted {
                sink.add(field: field, "\(child) is listed twice")
                continue
            }
            // A unit that can go into a module or pack: a commissioned cell or an assembled parent.
            let range = try serialRange(containing: child, txn)
            guard try range != nil || store.hasParent(child, txn) else {
                try reportMissingUnit(
                    child,
                    field: field,
                    "\(child) is neither a commissioned cell serial nor an assembled module",
                    sink: sink,
                    txn
                )
                continue
            }
            // Whether the child is in a unit already: another (refused), or the parent.
            var inAUnit = false
            if let parent, let holder = try store.raw(.containedIn, IndexKey.text(child), txn) {
                inAUnit = true
                let holderID = String(decoding: holder, as: UTF8.self)
                if holderID != parent {
                    sink.add(field: field, "\(child) is already in \(holderID); disassemble it first")
                }
            }
            if let range { cellLots[child] = range.lot }
            // New input: a unit is put in no earlier than it was made.
            if checksNewInput, let parent, let made = try madeTime(of: child, range: range, &madeTimes, txn),
                event.eventTime < made.milliseconds
            {
                sink.add(
                    field: field,
                    "\(child) is put into \(parent) at \(event.eventTimeText), before it was \(made.verb) (\(made.text))"
                )
            }
            // New input: the submitter has each unit it puts in (the custody rule): a cell neither
            // shipped nor taken out by holding its cell lot, as before. A unit in another is
            // refused above, and one in the parent already stays as it is. A replay asks only of a
            // cell whose lot the submitter does not hold: entries recorded before the custody of
            // units held the cell lot, and those recorded since may have the cell by a shipment or
            // a disassembly instead; its refusal names the lot, as those entries were checked.
            let replayAsks =
                try !checksNewInput && range.map { try !holding($0.lot, actor.id, txn).kg.isPositive } ?? false
            if checksNewInput ? !inAUnit : replayAsks {
                // New input weighs each cell lot's arrival once an event (the set moved, not copied).
                var weighed: Set<String> = []
                if checksNewInput { swap(&weighed, &arrivalsChecked) }
                let checked = checksNewInput ? sink : ProblemSink(index: sink.index, identifier: sink.identifier)
                let hasUnit = try checkCustody(
                    try custody(of: child, range: range, txn),
                    of: child,
                    by: actor.id,
                    event,
                    doing: "\(child) is put into \(parent ?? "a unit")",
                    subject: child,
                    field: field,
                    lotsWeighed: &weighed,
                    sink: checked,
                    txn
                )
                if checksNewInput {
                    swap(&weighed, &arrivalsChecked)
                } else if !hasUnit, let range {
                    sink.add(field: field, "\(actor.id) does not hold cell lot \(range.lot) that \(child) comes from")
                }
            }
        }
        let model = namedBatteryModel(event, of: "the module's or pack's", sink: sink)
        guard let parent else { return }
        // New input: a module or pack keeps the model its first assembly naming one gave it.
        if checksNewInput, let model, let given = try store.parent(parent, txn)?.model, given.id != model {
            sink.add(
                field: event.extPointer("batteryModel"),
                "\(parent) is of battery model \(given.id), given by \(entryNamed(given.sequence)); a module or "
                    + "pack keeps the model its first assembly naming one gave it: leave ct:batteryModel out, or give "
                    + given.id
            )
        }
        // New input: units are put into a module or pack that exists already only by the actor
        // that has it (the custody rule); a new one is the submitter's.
        if checksNewInput {
            let parentCustody = try custody(of: parent, range: nil, txn)
            var weighed: Set<String> = []
            if !parentCustody.isNew {
                try checkCustody(
                    parentCustody,
                    of: parent,
                    by: actor.id,
                    event,
                    doing: "units are put into \(parent)",
                    subject: nil,
                    field: "/parentID",
                    lotsWeighed: &weighed,
                    sink: sink,
                    txn
                )
            }
        }
        // No containment cycles: the parent must not sit inside one of its children.
        var up = parent
        var depth = 0
        while let holder = try store.raw(.containedIn, IndexKey.text(up), txn), depth < 64 {
            up = String(decoding: holder, as: UTF8.self)
            if seen.contains(up) {
                sink.add(field: "/parentID", "\(parent) is inside \(up), which it would contain (a cycle)")
                break
            }
            depth += 1
        }
        guard sink.passes(since: before) else { return }
        if let model {
            try warnIfUnregistered(model, event, until: "\(parent) is in no model's declaration", sink, txn)
            // The units that an assembly named the model for, found by a declaration of the model.
            let key = IndexKey.modelUnit(model, parent)
            if try store.raw(.modelUnits, key, txn) == nil {
                store.put(.modelUnits, key, BigEndianKey.encode(sequence))
            }
        }
        var record = try store.takeParent(parent, txn) ?? ParentRecord()
        let added = record.assemble(
            event.childEPCs,
            eventID: event.eventID,
            facility: facility?.id,
            model: model,
            sequence: sequence
        )
        store.putParent(parent, record)
        for child in added { store.put(.containedIn, IndexKey.text(child), Array(parent.utf8)) }
        // A module or pack put in keeps the unit it went into, for its own history; a cell's
        // units are found through its lot's uses instead.
        for child in added where cellLots[child] == nil {
            guard var placed = try store.takeParent(child, txn) else { continue }
            placed.notePlacement(in: parent)
            store.putParent(child, placed)
        }
        for id in Set(added.compactMap { cellLots[$0] }) {
            if let number = try store.lotNumber(id, txn) { store.addUse(.assembled, ofLot: number, sequence: sequence) }
        }
        effects.aggregated = (parent, added)
    }

    private mutating func disaggregate(
        _ event: EPCISEvent,
        actor: Actor,
        sequence: UInt64,
        effects: inout EventEffects,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        guard let parent = event.parentID else {
            sink.add(field: "/parentID", "is required: the module or pack taken apart")
            return
        }
        // New input: only the actor that has the unit takes it apart (the custody rule); read
        // before the record is taken out to be changed.
        let parentCustody = checksNewInput ? try custody(of: parent, range: nil, txn) : nil
        guard var record = try store.takeParent(parent, txn) else {
            try reportMissingUnit(parent, field: "/parentID", "\(parent) was never assembled", sink: sink, txn)
            return
        }
        // Put back as it is when the event is refused, changed when it stands.
        defer { store.putParent(parent, record) }
        let removed = event.childEPCs.isEmpty ? record.children : event.childEPCs
        let before = sink.count
        // New input: a unit is taken out once, as it is put in once. An earlier CellTrace recorded
        // a unit listed twice as taken out twice, and such entries replay as they were.
        var seen: Set<String> = []
        for (index, child) in event.childEPCs.enumerated() {
            let field = "/childEPCs/\(index)"
            if checksNewInput, !seen.insert(child).inserted {
                sink.add(field: field, "\(child) is listed twice")
            } else if !record.holds(child) {
                sink.add(field: field, "\(child) is not in \(parent)" + Self.otherForm(of: child, heldBy: record))
            }
        }
        if let parentCustody {
            var weighed: Set<String> = []
            try checkCustody(
                parentCustody,
                of: parent,
                by: actor.id,
                event,
                doing: "\(parent) is taken apart",
                subject: parent,
                field: "/parentID",
                lotsWeighed: &weighed,
                sink: sink,
                txn
            )
        }
        // New input: a unit is taken out no earlier than it was put in.
        if checksNewInput && sink.passes(since: before) {
            try checkTakenOutAfterPutIn(event, removed, from: parent, record, sink: sink, txn)
        }
        guard sink.passes(since: before) else { return }
        record.disassemble(removed, eventID: event.eventID, sequence: sequence)
        for child in removed { store.delete(.containedIn, IndexKey.text(child)) }
        recordTakeOut(removed, from: parent, by: actor.id, eventID: event.eventID, sequence: sequence)
        effects.disaggregated = (parent, removed)
    }

    /// The commissioned cell serial `unit` names, as given or in its other GS1 form
    /// (``GS1Forms``); `nil` when it names none.
    private func commissionedCell(_ unit: String, _ txn: borrowing ReadTransaction) throws -> String? {
        guard let (prefix, number) = SerialNumber.split(unit) else { return nil }
        if try serialRange(containing: unit, txn) != nil { return unit }
        for form in GS1Forms.ofSerialPrefix(prefix) where try serialRange(containing: form + String(number), txn) != nil
        {
            return form + String(number)
        }
        return nil
    }

    /// A module or pack, assembled by an event that stands, whose id is a serial of `prefix` from
    /// `first` through `last`, or the same serial in one of `forms` (the prefix's other GS1 forms,
    /// ``GS1Forms``): its id, the serial number, and the entry and eventID of that assembly.
    private func assembledUnit(
        _ prefix: String,
        _ first: UInt64,
        _ last: UInt64,
        forms: [String],
        _ txn: borrowing ReadTransaction
    ) throws -> (id: String, number: UInt64, sequence: UInt64?, eventID: String)? {
        for form in [prefix] + forms {
            // Among numbers of as many digits, key order is the numbers' order: the range's
            // serials of each length are one stretch of keys.
            var low = first
            while low <= last {
                let digits = String(low).utf8.count
                let high = digits >= 19 ? last : min(last, Self.powerOfTen(digits) - 1)
                if let (id, number, step) = try assembledUnit(Array(form.utf8), digits: digits, low, high, txn) {
                    return (id, number, step["seq"]?.doubleValue.map(UInt64.init), step["event"]?.stringValue ?? "")
                }
                guard high < last else { break }
                low = high + 1
            }
        }
        return nil
    }

    /// The first module or pack, in key order, assembled by an event that stands, whose id is
    /// `prefix` and a number of `digits` digits from `low` through `high`: its id, the number and
    /// the step of that assembly in its record (``ParentRecord/standingAssembly``).
    private func assembledUnit(
        _ prefix: [UInt8],
        digits: Int,
        _ low: UInt64,
        _ high: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> (id: String, number: UInt64, step: JSONValue)? {
        let highKey = prefix + Array(String(high).utf8)
        var probe = prefix + Array(String(low).utf8)
        // Every key from the probe to `highKey` starts with the prefix, as both do.
        while let key = try store.firstParentID(atLeast: probe, txn), !RowKey.precedes(highKey, key) {
            let rest = Array(key[prefix.count...])
            if rest.count == digits, rest.allSatisfy({ (0x30...0x39).contains($0) }),
                let number = UInt64(String(decoding: rest, as: UTF8.self))
            {
                let id = String(decoding: key, as: UTF8.self)
                if let step = try store.parent(id, txn)?.standingAssembly { return (id, number, step) }
                probe = key + [0]
                continue
            }
            // More digits, or other characters after some: on to the first number of the length
            // whose key follows this one, so that the units of other lengths are skipped at once.
            guard let next = Self.firstNumber(low, high, after: rest) else { return nil }
            probe = prefix + Array(String(next).utf8)
        }
        return nil
    }

    /// The least number from `low` through `high`, all of one length, whose decimal digits come
    /// after `text` in key order; `nil` when none does.
    private static func firstNumber(_ low: UInt64, _ high: UInt64, after text: [UInt8]) -> UInt64? {
        guard RowKey.precedes(text, Array(String(high).utf8)) else { return nil }
        var (lower, upper) = (low, high)
        while lower < upper {
            let middle = lower + (upper - lower) / 2
            if RowKey.precedes(text, Array(String(middle).utf8)) { upper = middle } else { lower = middle + 1 }
        }
        return lower
    }

    /// 10 to the power `exponent`, for an exponent up to 19.
    private static func powerOfTen(_ exponent: Int) -> UInt64 {
        (0..<exponent).reduce(1) { power, _ in power * 10 }
    }

    /// The hint for a unit a disassembly names that `record` does not hold under that name but
    /// does in its other GS1 form (``GS1Forms``); empty when it does not.
    private static func otherForm(of unit: String, heldBy record: ParentRecord) -> String {
        guard let (prefix, number) = SerialNumber.split(unit) else { return "" }
        for form in GS1Forms.ofSerialPrefix(prefix) where record.holds(form + String(number)) {
            return "; the ledger has the same GS1 serial as \(form)\(number): name it so"
        }
        return ""
    }

    /// Refuses a disassembly dated before a unit it takes out was put into the unit it is taken
    /// out of, by the last assembly of it there that stands (new input only).
    ///
    /// A unit named in `childEPCs` is named at its element; when the list is empty (every unit
    /// taken out), the unit put in last is named, at `/eventTime`.
    ///
    /// - Parameters:
    ///   - event: The disassembly.
    ///   - removed: The units it takes out, each held by `parent`.
    ///   - parent: The module or pack taken apart.
    ///   - record: The parent's record.
    ///   - sink: Where the problems go.
    ///   - txn: The transaction the ledger is read in.
    /// - Throws: A storage error.
    private func checkTakenOutAfterPutIn(
        _ event: EPCISEvent,
        _ removed: [String],
        from parent: String,
        _ record: ParentRecord,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        var wanted = Set(removed)
        var putIn: [String: (milliseconds: Int64, text: String)] = [:]
        // The last assembly that put each unit in, read from the newest step back.
        for step in record.history.reversed() where !wanted.isEmpty {
            guard let added = step["added"]?.arrayValue, let sequence = step["seq"]?.doubleValue.map(UInt64.init)
            else { continue }
            let units = added.compactMap(\.stringValue).filter { wanted.contains($0) }
            guard !units.isEmpty, let time = try standingTime(at: sequence, txn) else { continue }
            for unit in units {
                putIn[unit] = time
                wanted.remove(unit)
            }
        }
        func problem(_ unit: String, _ time: (milliseconds: Int64, text: String)) -> String {
            "\(unit) is taken out of \(parent) at \(event.eventTimeText), before it was put into it (\(time.text))"
        }
        if event.childEPCs.isEmpty {
            let last = removed.compactMap { unit in putIn[unit].map { (unit, $0) } }
                .max { $0.1.milliseconds < $1.1.milliseconds }
            if let (unit, time) = last, event.eventTime < time.milliseconds {
                sink.add(field: "/eventTime", problem(unit, time))
            }
            return
        }
        for (index, unit) in removed.enumerated() {
            guard let time = putIn[unit], event.eventTime < time.milliseconds else { continue }
            sink.add(field: "/childEPCs/\(index)", problem(unit, time))
        }
    }

    /// When a unit came to be: a cell (of `range`) when it was commissioned, a module or pack
    /// when it was first assembled by an event that stands.
    ///
    /// - Parameters:
    ///   - unit: The cell serial or the module's or pack's id.
    ///   - range: The cell's serial range, `nil` for a module or pack.
    ///   - commissioned: The commissioning times read so far, by entry.
    ///   - txn: The transaction the ledger is read in.
    /// - Returns: The time, in UTC milliseconds and as the ledger writes it, and what made the
    ///   unit then; `nil` for a unit not made by an event that stands.
    /// - Throws: A storage error.
    func madeTime(
        of unit: String,
        range: SerialRange?,
        _ commissioned: inout [UInt64: (milliseconds: Int64, text: String)?],
        _ txn: borrowing ReadTransaction
    ) throws -> (milliseconds: Int64, text: String, verb: String)? {
        if let range {
            if commissioned[range.commissionedAt] == nil {
                commissioned[range.commissionedAt] = .some(try standingTime(at: range.commissionedAt, txn))
            }
            guard let time = commissioned[range.commissionedAt] ?? nil else { return nil }
            return (time.milliseconds, time.text, "commissioned")
        }
        return try firstAssembly(of: unit, txn).map { ($0.milliseconds, $0.text, "assembled") }
    }

    /// The record (`sc.events`) of the event at entry `sequence` and its event time, in UTC
    /// milliseconds and as the ledger writes it, when the event stands (is not declared in error).
    func standingEvent(
        at sequence: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> (record: JSONValue, milliseconds: Int64, text: String)? {
        guard let record = try store.json(.events, IndexKey.sequence(sequence), txn), record["retractedAt"] == nil,
            let text = record["eventTime"]?.stringValue, let utc = EventTime.utc(text)
        else { return nil }
        return (record, utc.milliseconds, utc.text)
    }

    /// The event time of the event at entry `sequence`, when it stands (``standingEvent(at:_:)``).
    private func standingTime(
        at sequence: UInt64,
        _ txn: borrowing ReadTransaction
    ) throws -> (milliseconds: Int64, text: String)? {
        try standingEvent(at: sequence, txn).map { ($0.milliseconds, $0.text) }
    }

    /// When module or pack `unit` was first assembled by an event that stands, the one at entry
    /// `excluded` left out.
    private func firstAssembly(
        of unit: String,
        excluding excluded: UInt64? = nil,
        _ txn: borrowing ReadTransaction
    ) throws -> (milliseconds: Int64, text: String)? {
        let history = try store.parent(unit, txn)?.history ?? []
        var first: (milliseconds: Int64, text: String)?
        for step in history where step["added"] != nil {
            guard let sequence = step["seq"]?.doubleValue.map(UInt64.init), sequence != excluded,
                let made = try standingTime(at: sequence, txn)
            else { continue }
            if first.map({ made.milliseconds < $0.milliseconds }) ?? true { first = made }
        }
        return first
    }

    /// When `unit` was last put into `holder` by an event that stands.
    private func packedTime(
        of unit: String,
        into holder: String,
        _ txn: borrowing ReadTransaction
    ) throws -> (milliseconds: Int64, text: String)? {
        let history = try store.parent(holder, txn)?.history ?? []
        for step in history.reversed() where step["added"]?.arrayValue?.contains(.string(unit)) == true {
            guard let sequence = step["seq"]?.doubleValue.map(UInt64.init) else { continue }
            if let packed = try standingTime(at: sequence, txn) { return packed }
        }
        return nil
    }

    /// The stored range an event's effects name.
    private func commissionedRange(
        effects serial: (prefix: String, last: UInt64),
        _ txn: borrowing ReadTransaction
    ) throws
        -> SerialRange?
    {
        try store.json(.serials, IndexKey.serial(prefix: serial.prefix, last: serial.last), txn).flatMap(
            SerialRange.init(json:)
        )
    }

    /// Whether any cell of a range sits in a module or pack now.
    private func anyAssembled(_ range: SerialRange, _ txn: borrowing ReadTransaction) throws -> Bool {
        let prefix = Array(range.prefix.utf8)
        var key = prefix
        while let row = try store.seek(.containedIn, atLeast: key, txn), row.key.starts(with: prefix) {
            let serial = String(decoding: row.key, as: UTF8.self)
            if let (rowPrefix, number) = SerialNumber.split(serial), rowPrefix == range.prefix,
                (range.first...range.last).contains(number)
            {
                return true
            }
            key = row.key + [0]
        }
        return false
    }

    // MARK: Corrections

    /// Whether the lot `id` names now was made after entry `recorded`.
    ///
    /// Such a lot was made again, under the id of the version an event of that entry touched,
    /// once that version's making was declared in error (``Lot/previousVersion``). Undoing such an
    /// event leaves the new version alone: the version the event touched is retracted, holds
    /// nothing and is used by nothing.
    private func remade(_ id: String, since recorded: UInt64, _ txn: borrowing ReadTransaction) throws -> Bool {
        guard let lot = try lot(id, txn) else { return false }
        return lot.createdAt > recorded
    }

    /// An EPCIS error declaration: the event it names is retracted and its effects undone, if
    /// nothing recorded since depends on them.
    private mutating func retract(
        _ event: EPCISEvent,
        actor: Actor,
        sequence: UInt64,
        sink: ProblemSink,
        _ txn: borrowing ReadTransaction
    ) throws {
        shippedTo.removeAll()
        notShippedTo.removeAll()
        receiptCustodies.removeAll()
        guard let recorded = try declaredSequence(of: event, txn),
            var record = try store.json(.events, IndexKey.sequence(recorded), txn)?.objectValue
        else {
            sink.add(field: "/eventID", "no event \(event.eventID) is in the ledger to declare in error")
            return
        }
        if record["retractedAt"] != nil {
            sink.add(field: "/errorDeclaration", "event \(event.eventID) was already declared in error")
            return
        }
        if record["actor"]?.stringValue != actor.id {
            sink.add(
                field: "/errorDeclaration",
                "event \(event.eventID) was recorded by \(record["actor"]?.stringValue ?? "?"); only that actor may declare it in error"
            )
            return
        }
        let effects = EventEffects(json: record["effects"] ?? [:])
        let before = sink.count
        if let index = event.correctiveEventIDs.firstIndex(where: { $0 == event.eventID || $0 == event.hashID }) {
            sink.add(
                field: "/errorDeclaration/correctiveEventIDs/\(index)",
                "names the event declared in error, \(event.eventID); a corrective event is another event"
            )
        }
        for id in effects.created {
            guard let lot = try lot(id, txn) else { continue }
            let held = try holding(id, actor.id, txn)
            if lot.consumedKg.isPositive || held.kg != lot.producedKg {
                sink.add(
                    field: "/errorDeclaration",
                    "lot \(id) made by this event has since been used or shipped; declare those events in error first"
                )
            } else if lot.commissionedKg.isPositive {
                sink.add(
                    field: "/errorDeclaration",
                    "cells have been commissioned from lot \(id), made by this event; declare the commissioning in error first"
                )
            }
        }
        for move in effects.moved where try holding(move.lot, move.to, txn).kg < move.kg {
            if try remade(move.lot, since: recorded, txn) { continue }
            sink.add(
                field: "/errorDeclaration",
                "\(move.to) no longer holds the \(move.kg) kg of lot \(move.lot) shipped to it"
            )
        }
        // New input: a receiver whose first arrival the declaration moves later must not have
        // used the lot in between.
        if checksNewInput && sink.passes(since: before) {
            try checkArrivalsKept(effects.moved, recorded: recorded, sink: sink, txn)
            if sink.passes(since: before) {
                try checkReceiptsKept(effects.moved, recorded: recorded, sink: sink, txn)
            }
        }
        if let shippedUnits = effects.shippedUnits {
            try checkUnitShipmentRetraction(shippedUnits, recorded: recorded, sink: sink, txn)
        }
        for serial in effects.serials {
            if let range = try commissionedRange(effects: serial, txn), try anyAssembled(range, txn) {
                sink.add(
                    field: "/errorDeclaration",
                    "cells of \(range.text) are in modules or packs; disassemble them first"
                )
            }
        }
        if let (parent, children) = effects.aggregated {
            for child in children {
                let holder = try store.raw(.containedIn, IndexKey.text(child), txn).map {
                    String(decoding: $0, as: UTF8.self)
                }
                if holder != parent {
                    sink.add(
                        field: "/errorDeclaration",
                        "\(child), put into \(parent) by this event, "
                            + (holder.map { "is now in \($0)" } ?? "has since been taken out of it")
                            + "; declare the later events in error first"
                    )
                }
            }
            // New input: a module or pack stays made before the unit it was put into.
            if checksNewInput, let holder = try store.raw(.containedIn, IndexKey.text(parent), txn) {
                let holderID = String(decoding: holder, as: UTF8.self)
                let other = try firstAssembly(of: parent, excluding: recorded, txn)
                if let packed = try packedTime(of: parent, into: holderID, txn),
                    other.map({ $0.milliseconds > packed.milliseconds }) ?? true
                {
                    sink.add(
                        field: "/errorDeclaration",
                        "\(parent), assembled by this event, was put into \(holderID) at \(packed.text), before any "
                            + "other assembly of it that stands; take it out of \(holderID) first"
                    )
                }
            }
        }
        if let (parent, children) = effects.disaggregated {
            for child in children {
                if let holder = try store.raw(.containedIn, IndexKey.text(child), txn) {
                    let holderID = String(decoding: holder, as: UTF8.self)
                    // Put back into the unit it was taken out of, by a later assembly.
                    let now = holderID == parent ? "was put back into it since" : "is now in \(holderID)"
                    sink.add(
                        field: "/errorDeclaration",
                        "\(child), taken out of \(parent) by this event, \(now); declare the later events in error first"
                    )
                }
            }
        }
        // New input: custody stays as the events recorded since had it (the custody rule). The
        // units an assembly put in went wherever their parent went since, and so would the units
        // a disassembly took out, put back; those were with its submitter, which may have used
        // them since.
        let changedUnit =
            effects.aggregated.map { ($0.parent, "put units into") }
            ?? effects.disaggregated.map { ($0.parent, "took units out of") }
        if checksNewInput && sink.passes(since: before), let (parent, change) = changedUnit,
            let moved = try laterMove(ofUnitHolding: parent, after: recorded, txn)
        {
            sink.add(
                field: "/errorDeclaration",
                "\(parent), which this event \(change), \(moved); declare that event in error first (custody rule)"
            )
        }
        if checksNewInput && sink.passes(since: before), let (parent, children) = effects.disaggregated {
            var seen: Set<String> = []
            for child in children where seen.insert(child).inserted {
                guard let later = try laterCustodyUse(of: child, after: recorded, txn) else { continue }
                sink.add(
                    field: "/errorDeclaration",
                    "\(child), taken out of \(parent) by this event, \(later.what); declare that event in error "
                        + "first (custody rule)"
                )
            }
        }
        guard sink.passes(since: before) else { return }
        for id in effects.created {
            guard var lot = try lot(id, txn) else { continue }
            lot.retractedAt = sequence
            try putLot(lot, txn)
            try updateCard(id, txn) { $0.retractedAt = sequence }
            try setHolding(id, actor.id, .empty, txn)
        }
        // Below, a lot the event touched whose id names a version made since is left alone, as
        // ``remade(_:since:)`` says; the lots already read are tested by their `createdAt`.
        for use in effects.consumed {
            guard var lot = try lot(use.lot, txn), lot.createdAt <= recorded else { continue }
            lot.consumedKg = try Self.exact(
                lot.consumedKg.subtracting(use.kg),
                "\(use.lot): \(lot.consumedKg) kg consumed less \(use.kg) kg",
                entry: sequence
            )
            try putLot(lot, txn)
            let held = try holding(use.lot, use.actor, txn)
            let restored = try Self.exact(
                held.kg.adding(use.kg),
                "\(use.lot): \(held.kg) kg held and \(use.kg) kg",
                entry: sequence
            )
            try setHolding(use.lot, use.actor, held.with(kg: restored), txn)
        }
        for move in effects.moved {
            if try remade(move.lot, since: recorded, txn) { continue }
            let theirs = try holding(move.lot, move.to, txn)
            // The receiver's first arrival, the shipments in error left out.
            let since = try firstArrival(of: move.lot, at: move.to, excluding: recorded, txn)
            let theirsLeft = try Self.exact(
                theirs.kg.subtracting(move.kg),
                "\(move.lot): \(theirs.kg) kg held by \(move.to) less \(move.kg) kg",
                entry: sequence
            )
            try setHolding(move.lot, move.to, Holding(kg: theirsLeft, since: since), txn)
            let ours = try holding(move.lot, move.from, txn)
            let oursBack = try Self.exact(
                ours.kg.adding(move.kg),
                "\(move.lot): \(ours.kg) kg held by \(move.from) and \(move.kg) kg",
                entry: sequence
            )
            try setHolding(move.lot, move.from, ours.with(kg: oursBack), txn)
        }
        if let shippedUnits = effects.shippedUnits {
            try retractUnitShipment(shippedUnits, recorded: recorded, at: sequence, txn)
        }
        for serial in effects.serials {
            // The range leaves `sc.serials`, where the same serials may be commissioned again, for
            // `sc.retracted-serials`, where queries as of an earlier size find it; it is read first,
            // so that its cells' mass goes back to the lot and its lot-serials row moves too.
            let range = try commissionedRange(effects: serial, txn)
            store.delete(.serials, IndexKey.serial(prefix: serial.prefix, last: serial.last))
            guard var range else { continue }
            range.retractedAt = sequence
            let retractedKey = IndexKey.retractedSerial(prefix: serial.prefix, last: serial.last, retractedAt: sequence)
            store.put(.retractedSerials, retractedKey, json: range.json)
            if var lot = try lot(range.lot, txn), lot.createdAt <= recorded {
                lot.commissionedKg = try Self.exact(
                    lot.commissionedKg.subtracting(range.totalMassKg),
                    "\(range.lot): \(lot.commissionedKg) kg commissioned less \(range.totalMassKg) kg",
                    entry: sequence
                )
                let number = try putLot(lot, txn)
                store.delete(.lotSerials, IndexKey.lotSerial(number, prefix: serial.prefix, last: serial.last))
                store.put(.lotRetractedSerials, IndexKey.sequence(number) + retractedKey, Array(range.lot.utf8))
            }
        }
        if let (parent, children) = effects.aggregated, var parentRecord = try store.takeParent(parent, txn) {
            parentRecord.takeOut(children)
            store.putParent(parent, parentRecord)
            for child in children { store.delete(.containedIn, IndexKey.text(child)) }
        }
        if let (parent, children) = effects.disaggregated, var parentRecord = try store.takeParent(parent, txn) {
            parentRecord.putBack(children)
            store.putParent(parent, parentRecord)
            for child in children { store.put(.containedIn, IndexKey.text(child), Array(parent.utf8)) }
        }
        if let (_, children) = effects.disaggregated {
            try retractTakeOut(children, recorded: recorded, at: sequence, txn)
        }
        for (id, certificate) in effects.certified {
            guard var lot = try lot(id, txn), lot.createdAt <= recorded else { continue }
            lot.certifications.removeAll { $0 == certificate }
            try putLot(lot, txn)
            // The certificate leaves the card's standing list for its retracted one, where queries
            // as of a size before this declaration find it.
            try updateCard(id, txn) { card in
                guard let index = card.certifications.firstIndex(where: { $0.certificate == certificate }) else {
                    return
                }
                let recordedAt = card.certifications.remove(at: index).sequenceNumber
                let place =
                    card.retractedCertifications.lastIndex { $0.sequenceNumber <= recordedAt }.map { $0 + 1 } ?? 0
                card.retractedCertifications.insert((certificate, recordedAt, sequence), at: place)
            }
        }
        for claim in effects.claims {
            store.delete(.claims, IndexKey.text(claim))
            store.delete(.claims, IndexKey.certificateFolded(claim))
        }
        record["retractedAt"] = .number(Double(sequence))
        record["retraction"] = event.errorDeclaration ?? .null
        for id in event.correctiveEventIDs {
            store.put(
                .corrections,
                IndexKey.eventID(id) + IndexKey.sequence(recorded),
                IndexKey.sequence(sequence) + Array(event.eventID.utf8)
            )
        }
        store.put(.events, IndexKey.sequence(recorded), json: .object(record))
        try markRetracted(event.eventID, recordedAt: recorded, effects: effects, at: sequence, txn)
    }
}

/// The EU Batteries Regulation's life-cycle stages (Annex II point 4).
public enum LifeCycleStage: String, Sendable, Hashable, CaseIterable {
    case rawMaterialAcquisition = "raw-material-acquisition"
    case mainProduction = "main-production"
    case distribution
    case endOfLife = "end-of-life"
}

/// How a process's electricity is supplied.
public enum ElectricitySupply: String, Sendable, Hashable, CaseIterable {
    /// From the public grid.
    case grid
    /// Generated on site.
    case onsite
    /// A direct line from a generator.
    case directLine = "direct-line"
    /// A power purchase agreement.
    case ppa
    /// Grid power matched by energy-attribute certificates (GOs, I-RECs, GECs).
    case certificate
}

extension ElectricitySupply {
    /// The most kg CO2e per kWh a supply's stated factor may be.
    ///
    /// 3, where China's fossil-fired power averaged 0.83 kg CO2 a kWh in 2023 (MEE/NBS). The import
    /// holds a factor recorded now to it, and what-if a supply's factor.
    package static let largestStatedFactor = 3.0

    /// Why a stated factor above ``largestStatedFactor`` is refused, in the words the import and
    /// what-if both use.
    package static let statedFactorTooLarge =
        "is more than 3 kg CO2e per kWh, beyond any power plant (fossil power is about 0.8): is it in g/kWh?"

    /// The kind with its indefinite article, as a sentence names it: `a ppa`, `an onsite`.
    package var withArticle: String {
        (rawValue.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + rawValue
    }
}

/// Transport modes with default factors.
public enum TransportMode: String, Sendable, Hashable, CaseIterable {
    case sea, road, rail, air
    case inlandWaterway = "inland-waterway"
    case pipeline
}

/// ISO 3166-1 alpha-2 country codes.
///
/// Two checks, for two kinds of input. ``isValid(_:)`` is the form (two capital letters), which the
/// rules apply to every record, those already in the ledger included: a ledger written before the
/// list of assigned codes was checked still replays. ``problem(assigning:)`` is for what is being
/// recorded now, a new facility or a new lot's country of origin: the code must be one ISO 3166-1
/// has assigned, so that `UK` for GB or a typo cannot reach a battery passport.
enum Country {
    static func isValid(_ code: String) -> Bool {
        code.utf8.count == 2 && code.utf8.allSatisfy { (0x41...0x5a).contains($0) }
    }

    /// The 249 codes ISO 3166-1 assigns (as the iso-codes list of 2025 gives them; the last codes
    /// were added in 2010–2011: BQ, CW, SX and SS), and XK, the code the European Commission and
    /// Eurostat use for Kosovo, which ISO 3166-1 leaves to users.
    private static let assignedCodes = """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
        BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
        EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
        HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
        LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
        NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
        SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
        TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
        XK
        """

    /// `assigned[first * 26 + second]`, letters counted from A.
    private static let assigned: [Bool] = {
        var table = [Bool](repeating: false, count: 26 * 26)
        for code in assignedCodes.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let letters = Array(code.utf8)
            table[Int(letters[0] - 0x41) * 26 + Int(letters[1] - 0x41)] = true
        }
        return table
    }()

    /// Whether `code` is an assigned ISO 3166-1 alpha-2 code (or XK).
    static func isAssigned(_ code: String) -> Bool {
        var letters = code.utf8.makeIterator()
        guard let first = letters.next(), let second = letters.next(), letters.next() == nil,
            (0x41...0x5a).contains(first), (0x41...0x5a).contains(second)
        else { return false }
        return assigned[Int(first - 0x41) * 26 + Int(second - 0x41)]
    }

    /// Why a well-formed `code` cannot be recorded for a new facility or lot, or `nil` when it can
    /// (a malformed code is reported by the form check instead).
    static func problem(assigning code: String) -> String? {
        guard isValid(code), !isAssigned(code) else { return nil }
        switch code {
        case "UK": return "UK is reserved in ISO 3166-1, not assigned: the United Kingdom is GB"
        case "EL": return "EL is the code the EU writes for Greece, not an ISO 3166-1 code: Greece is GR"
        case "EU": return "EU is reserved in ISO 3166-1 and is not a country: name the member state, such as DE"
        default: return "\(code) is not an assigned ISO 3166-1 alpha-2 code; assigned codes are such as AU, CL, CN"
        }
    }
}
