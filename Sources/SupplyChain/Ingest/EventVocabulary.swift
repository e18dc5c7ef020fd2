import LedgerCore

/// Checks the vocabulary of events recorded now.
///
/// The vocabulary is the CBV terms that choose what the rules do with an event (business step,
/// disposition, source and destination types), the members of CellTrace's namespace and the fields
/// of their objects.
///
/// A misspelt term, member or field would otherwise be stored and hashed, but no rule would read
/// it. So a shipment would move nothing, or a transport leg would never be counted. A lot quantity
/// beyond any real lot (``EventActivity/Bounds/kg``) is refused with them. A few cases that are valid EPCIS but
/// that the ledger reads as doing nothing give a warning instead.
///
/// Only new input is checked (``EventPreparation``). The audit replays recorded entries through
/// ``EPCISEvent/read(_:index:namespaces:sink:hashing:scratch:newInput:)`` alone, so entries recorded
/// before these checks existed still rebuild the indexes.
enum EventVocabulary {
    /// The members of CellTrace's namespace that an event's top level may carry (DATA-MODEL §4).
    static let eventMembers = ShortNames([
        "batteryModel", "cellLot", "cellMass", "coProductPrices", "dataQuality", "directEmissions", "electricity",
        "fuels", "lifeCycleStage", "nominalEnergy", "serialRanges", "transport", "yield",
    ])
    /// The members of CellTrace's namespace that an `ilmd` may carry.
    static let masterDataMembers = ShortNames(["countryOfOrigin", "elementContent", "grade", "lots", "material"])
    /// The members that an element of `ct:lots` may carry: an `ilmd`'s but `lots`.
    static let perLotMembers = ShortNames(["countryOfOrigin", "elementContent", "grade", "material"])
    /// The members that commission cells, read on an `ObjectEvent` `ADD` only.
    static let commissioningMembers = ShortNames([
        "serialRanges", "cellLot", "cellMass", "nominalEnergy", "batteryModel",
    ])

    /// The prefixes of dispositions, built once.
    private static let dispositionPrefixes = EPCISEvent.cbvPrefixes("Disp")

    /// Adds to `sink` the problems with what `event` names by vocabulary.
    ///
    /// - Parameters:
    ///   - event: The event, read.
    ///   - sink: Receives the problems. Its index and identifier are the event's.
    ///   - now: The import's time, which the event's may not pass by more than ``allowedAhead``.
    static func check(_ event: EPCISEvent, sink: ProblemSink, now: Timestamp = .now) {
        checkTimeAhead(event, now: now, sink: sink)
        checkTimeBefore2000(event, sink: sink)
        if let text = event.json["eventTime"]?.stringValue { checkTimeForm(text, field: "/eventTime", sink: sink) }
        if let text = event.errorDeclaration?["declarationTime"]?.stringValue {
            checkTimeForm(text, field: "/errorDeclaration/declarationTime", sink: sink)
        }
        checkDeclarationTime(event, now: now, sink: sink)
        checkZones(event, sink: sink)
        if event.type == .transformationEvent, !event.outputs.isEmpty, event.inputs.isEmpty,
            event.errorDeclaration == nil
        {
            sink.add(
                field: "/inputQuantityList",
                "a TransformationEvent that makes lots consumes lots, listed here with their quantities: outputs "
                    + "of nothing the ledger holds would have no upstream and no footprint. A lot extracted, or made "
                    + "of material not recorded here, is created by an ObjectEvent ADD"
            )
        }
        if let step = event.bizStep, isUnknownTerm(step, in: EventHashID.bizSteps) {
            let given = event.json["bizStep"]?.stringValue ?? step
            sink.add(
                field: "/bizStep",
                "\(quoted(given)) is not a CBV 2.0 business step (a step of your own must be a URI: https://… or "
                    + "urn:…)\(suggestion(step, EventHashID.bizSteps.iris.keys))"
            )
        }
        checkDispositions(event, sink: sink)
        func checkType(of party: PartyReference) {
            guard isUnknownTerm(party.type, in: EventHashID.sourceDestinationTypes) else { return }
            let terms = EventHashID.sourceDestinationTypes.iris.keys
            sink.add(
                field: parentPointer(party.pointer) + "/type",
                "\(quoted(party.type)) is not a CBV 2.0 source or destination type (owning_party, "
                    + "possessing_party, location, or a URI of your own)\(suggestion(party.type, terms))"
            )
        }
        for party in event.sources { checkType(of: party) }
        for party in event.destinations { checkType(of: party) }
        checkFields(event, sink: sink)
        checkPrefixes(event, sink: sink)
        checkMembers(event, sink: sink)
        checkMasterData(event, sink: sink)
        checkShapes(event, sink: sink)
        checkMasses(event, sink: sink)
        checkIdentifierSpelling(event, sink: sink)
        checkRepeatedExtensions(event.extensions, under: "", sink: sink)
        checkRepeatedExtensions(event.ilmdExtensions, under: "/ilmd", sink: sink)
        checkMemberFields(event, sink: sink)
    }

    /// How far after the import an event's time may be: a day, for clocks that run ahead and
    /// times written in the wrong zone.
    static let allowedAhead: Int64 = 86_400_000

    /// Refuses an event whose time is more than ``allowedAhead`` after the import: an event is
    /// recorded once it has happened, and a date typed a year or a century out (`2099` for
    /// `2026`) would order it after everything recorded later and hide it from every period's
    /// declaration.
    private static func checkTimeAhead(_ event: EPCISEvent, now: Timestamp, sink: ProblemSink) {
        let ahead = event.eventTime - now.millisecondsSinceEpoch
        guard ahead > allowedAhead else { return }
        let days = ahead / 86_400_000
        sink.add(
            field: "/eventTime",
            "\(givenTime(event)) is \(days) day\(days == 1 ? "" : "s") after this import (\(now.rfc3339)): an event "
                + "is recorded once it has happened; check the date and its time zone"
        )
    }

    /// The event's time as the document gives it (its UTC form when the member is gone).
    private static func givenTime(_ event: EPCISEvent) -> String {
        event.json["eventTime"]?.stringValue ?? event.eventTimeText
    }

    /// 2000-01-01T00:00:00Z, in milliseconds since 1970: no event traced here is older.
    static let earliestEventTime: Int64 = 946_684_800_000

    /// Refuses a date-time that the hash ID reads but that is no RFC 3339 date-time, the form
    /// EPCIS 2.0's JSON schema gives `eventTime` (`date-time`): one without seconds
    /// (`2026-03-05T06:00+08:00`), or with a comma before the fraction (`06:00:00,5Z`).
    private static func checkTimeForm(_ text: String, field: String, sink: ProblemSink) {
        var text = text
        let isRFC3339 = text.withUTF8 { bytes -> Bool in
            func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { (0x30...0x39).contains(bytes[$0]) } }
            guard bytes.count >= 20, digits(0..<4), bytes[4] == 0x2D, digits(5..<7), bytes[7] == 0x2D, digits(8..<10),
                bytes[10] | 0x20 == UInt8(ascii: "t"), digits(11..<13), bytes[13] == 0x3A, digits(14..<16),
                bytes[16] == 0x3A, digits(17..<19)
            else { return false }
            var index = 19
            if bytes[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                guard index > start else { return false }
            }
            let zone = bytes.count - index
            if zone == 1 { return bytes[index] | 0x20 == UInt8(ascii: "z") }
            return zone == 6 && (bytes[index] == 0x2B || bytes[index] == 0x2D) && digits(index + 1..<index + 3)
                && bytes[index + 3] == 0x3A && digits(index + 4..<index + 6)
        }
        guard !isRFC3339, !text.isEmpty else { return }
        sink.add(
            field: field,
            "\(text) is no RFC 3339 date-time, the form EPCIS 2.0 gives it (YYYY-MM-DDThh:mm:ss[.fff] and Z or "
                + "±hh:mm): write the seconds, and a point before their fraction"
        )
    }

    /// Refuses an event time before 2000: an unset date as systems write it (`0001-01-01`,
    /// `1970-01-01`) or a slip, which would order the event before everything and date its lots'
    /// footprints to no reporting period.
    private static func checkTimeBefore2000(_ event: EPCISEvent, sink: ProblemSink) {
        // An event time that did not read is 0 here, and reported by the shape check.
        guard !event.eventTimeText.isEmpty, event.eventTime <= earliestEventTime else { return }
        if event.eventTime == earliestEventTime {
            // 1999-12-31T23:59:59.9999Z rounds up to 2000 as the hash ID reads it, and is still before.
            guard let given = event.json["eventTime"]?.stringValue, let point = given.firstIndex(of: "."),
                let zone = given[point...].firstIndex(where: { !$0.isASCII || !$0.isNumber && $0 != "." }),
                given.distance(from: point, to: zone) > 4,
                let truncated = EventTime.utc(String(given[..<given.index(point, offsetBy: 4)] + given[zone...])),
                truncated.milliseconds < earliestEventTime
            else { return }
        }
        sink.add(
            field: "/eventTime",
            "\(givenTime(event)) is before 2000: an unset date "
                + "(0001-01-01, 1970-01-01) or a slip; give the time the event happened"
        )
    }

    /// Refuses an error declaration declared after this import (by more than ``allowedAhead``) or
    /// before the event it declares in error happened.
    private static func checkDeclarationTime(_ event: EPCISEvent, now: Timestamp, sink: ProblemSink) {
        guard let text = event.errorDeclaration?["declarationTime"]?.stringValue,
            let declared = EventTime.utc(text)?.milliseconds
        else { return }
        let field = "/errorDeclaration/declarationTime"
        if declared - now.millisecondsSinceEpoch > allowedAhead {
            sink.add(
                field: field,
                "\(text) is after this import (\(now.rfc3339)): an error is declared once it is found"
            )
        } else if !event.eventTimeText.isEmpty, declared < event.eventTime {
            sink.add(
                field: field,
                "\(text) is before the event it declares in error happened (\(givenTime(event)))"
            )
        }
    }

    /// Refuses an event or declaration time whose offset is beyond ±14:00, as `eventTimeZoneOffset` is.
    ///
    /// RFC 3339 would take up to ±23:59, but no zone has such an offset: the time was typed in
    /// the wrong form (`+18:00` for `+08:00`), and its UTC instant is off by hours.
    private static func checkZones(_ event: EPCISEvent, sink: ProblemSink) {
        func refuse(_ text: String, offset: String, field: String) {
            sink.add(
                field: field,
                "\(text) has the time-zone offset \(offset); offsets run from -14:00 to +14:00, "
                    + "so check the time and its zone"
            )
        }
        // Found as the event was read, where its time's text is at hand.
        if let offset = event.eventTimeZoneBeyond { refuse(givenTime(event), offset: offset, field: "/eventTime") }
        if let declared = event.errorDeclaration?["declarationTime"]?.stringValue, EventTime.utc(declared) != nil,
            let offset = EventTime.offsetBeyondZones(declared)
        {
            refuse(declared, offset: offset, field: "/errorDeclaration/declarationTime")
        }
    }

    /// The fields EPCIS 2.0 defines for each type of event, beside those every event may have
    /// (``commonFields``): the `propertyNames` of GS1's EPCIS 2.0 JSON schema
    /// (`Fixtures/epcis/schema/`), whose other names are extensions, with a prefix.
    private static let fieldsByType: [EPCISEventType: [String]] = [
        .objectEvent: [
            "action", "epcList", "quantityList", "bizStep", "disposition", "persistentDisposition", "readPoint",
            "bizLocation", "bizTransactionList", "sourceList", "destinationList", "sensorElementList", "ilmd",
        ],
        .aggregationEvent: [
            "parentID", "childEPCs", "childQuantityList", "action", "bizStep", "disposition", "readPoint",
            "bizLocation", "bizTransactionList", "sourceList", "destinationList", "sensorElementList",
        ],
        .transactionEvent: [
            "bizTransactionList", "parentID", "epcList", "quantityList", "action", "bizStep", "disposition",
            "readPoint", "bizLocation", "sourceList", "destinationList", "sensorElementList",
        ],
        .transformationEvent: [
            "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList", "transformationID",
            "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation", "bizTransactionList",
            "sourceList", "destinationList", "sensorElementList", "ilmd",
        ],
        .associationEvent: [
            "parentID", "childEPCs", "childQuantityList", "action", "bizStep", "disposition", "readPoint",
            "bizLocation", "bizTransactionList", "sourceList", "destinationList", "sensorElementList",
        ],
    ]
    /// The fields every event may have (`@context` aside), and `comment`, which the hash ID's
    /// reference implementation leaves out as a comment.
    private static let commonFields = [
        "type", "eventTime", "recordTime", "eventTimeZoneOffset", "eventID", "certificationInfo", "errorDeclaration",
        "comment",
    ]
    /// ``fieldsByType`` with ``commonFields``, as sets.
    private static let allowedFields: [EPCISEventType: Set<String>] = fieldsByType.mapValues {
        Set($0 + commonFields)
    }
    /// The ``EventHashID/Name``s of ``allowedFields`` (`ilmd` and `comment` have none, and
    /// ``EventMembers`` sets them apart), by type in the order of `EPCISEventType.allCases`.
    private static let allowedNames: [EventHashID.NameSet] = EPCISEventType.allCases.map { type in
        var names = EventHashID.NameSet()
        for field in allowedFields[type] ?? [] { names.insert(EventHashID.Name(field)) }
        return names
    }

    /// Refuses a member without a prefix that is not a field of the event's type: a misspelt
    /// field (`bizstep`, `quantitylist`) would be stored and hashed but read by no rule, and a
    /// field of another type of event (`inputEPCList` on an `ObjectEvent`) is not EPCIS.
    private static func checkFields(_ event: EPCISEvent, sink: ProblemSink) {
        // Most events have fields of their type only, and extensions, which the reading found.
        let typeIndex = EPCISEventType.allCases.firstIndex(of: event.type) ?? 0
        if !event.hasOtherMember, event.memberNames.isSubset(of: allowedNames[typeIndex]),
            event.ilmd == nil || event.type == .objectEvent || event.type == .transformationEvent
        {
            return
        }
        guard case .object(let members) = event.json, let allowed = allowedFields[event.type] else { return }
        for (key, _) in members {
            // `@context` and JSON-LD keywords, extensions (named with a prefix or as a URI), and
            // `$` keys, which are refused as the commitments' own.
            guard let first = key.utf8.first, first != UInt8(ascii: "@"), first != UInt8(ascii: "$"),
                !key.utf8.contains(UInt8(ascii: ":"))
            else { continue }
            if allowed.contains(key) { continue }
            let field = "/" + FieldReader.escaped(key)
            if let other = EPCISEventType.allCases.first(where: { allowedFields[$0]?.contains(key) == true }) {
                sink.add(field: field, "\(key) is a field of \(named(other)), not of \(named(event.type))")
                continue
            }
            sink.add(
                field: field,
                "\(quoted(key)) is not an EPCIS 2.0 field of \(named(event.type)) (a field of your own needs a prefix "
                    + "your @context declares, such as example:\(key))\(suggestion(key, allowed))"
            )
        }
    }

    /// "an ObjectEvent", "a TransformationEvent".
    private static func named(_ type: EPCISEventType) -> String {
        (type == .objectEvent || type == .aggregationEvent || type == .associationEvent ? "an " : "a ") + type.rawValue
    }

    /// The `ct:` members whose value is an object, or a list of objects (or one in its place), by
    /// local name, and the fields of their objects (``memberFields``, in the same order; DATA-MODEL §4).
    static let objectMembers = ShortNames([
        "electricity", "fuels", "directEmissions", "transport", "coProductPrices", "serialRanges", "cellMass",
        "nominalEnergy",
    ])
    /// The fields of the objects of each of ``objectMembers``.
    static let memberFields = [
        ShortNames(["quantity", "uom", "supply", "kgCO2ePerKWh", "certificates"]),
        ShortNames(["fuel", "quantity", "uom"]),
        ShortNames(["kgCO2e"]),
        ShortNames(["mode", "distance", "distanceUom", "mass", "massUom"]),
        ShortNames(["epcClass", "pricePerKg", "currency"]),
        ShortNames(["prefix", "first", "last"]),
        ShortNames(["quantity", "uom"]),
        ShortNames(["quantity", "uom"]),
    ]

    /// Checks that the objects of `ct:` members hold only their own fields: an optional field
    /// misspelt (`kgCO2ePerKwh`) would otherwise be dropped, and a stated factor or certificate
    /// left out of the footprint without a word.
    private static func checkMemberFields(_ event: EPCISEvent, sink: ProblemSink) {
        for member in event.extensions.entries {
            guard let packed = ShortNames.Packed(member.localName), let shape = objectMembers.index(of: packed) else {
                continue
            }
            let fields = memberFields[shape]
            if case .array(let elements) = member.value {
                for (index, element) in elements.enumerated() {
                    checkFields(of: element, fields, member: member.key, index: index, sink: sink)
                }
            } else {
                checkFields(of: member.value, fields, member: member.key, index: nil, sink: sink)
            }
        }
    }

    /// Reports each field of `object`, element `index` of member `key` (or the member itself),
    /// that `fields` lacks.
    private static func checkFields(
        of object: JSONValue,
        _ fields: ShortNames,
        member key: String,
        index: Int?,
        sink: ProblemSink
    ) {
        guard case .object(let members) = object else { return }
        for (field, _) in members where !fields.contains(field) {
            let pointer =
                "/" + FieldReader.escaped(key) + (index.map { "/\($0)" } ?? "") + "/" + FieldReader.escaped(field)
            sink.add(
                field: pointer,
                "is not a field of \(key) (\(fields.names.joined(separator: ", ")))\(suggestion(field, fields.names))"
            )
        }
    }

    /// Checks that no quantity element weighs more than ``EventActivity/Bounds/kg``, a billion
    /// tonnes: no lot weighs that much, and a mass beyond it is a wrong unit or a typing slip.
    private static func checkMasses(_ event: EPCISEvent, sink: ProblemSink) {
        func check(_ quantities: [LotQuantity]) {
            for quantity in quantities {
                if quantity.kg > EventActivity.Bounds.kg {
                    sink.add(
                        field: quantity.pointer,
                        "weighs more than 10^12 kg (a billion tonnes) for one lot: check the quantity and its uom"
                    )
                } else if let problem = EventActivity.Bounds.tooFine(quantity.kg) {
                    sink.add(field: quantity.pointer, problem)
                }
            }
        }
        check(event.quantities)
        check(event.inputs)
        check(event.outputs)
    }

    /// The warnings for an event that is valid but that the ledger reads as doing less than it seems to.
    ///
    /// - Returns: Each warning's field and message.
    static func warnings(_ event: EPCISEvent) -> [(field: String, message: String)] {
        var warnings: [(field: String, message: String)] = []
        // Lots by quantityList and units by epcList alike.
        if event.type == .objectEvent, event.action != "ADD", event.bizStep != "shipping",
            event.bizStep != "receiving", !event.quantities.isEmpty || !event.epcList.isEmpty,
            let destination = event.destinations.first(where: { $0.type == "owning_party" })
        {
            let step = event.bizStep.map { "bizStep \($0)" } ?? "no bizStep"
            warnings.append(
                (
                    event.bizStep == nil ? parentPointer(destination.pointer) : "/bizStep",
                    "an owning_party destination with \(step): custody moves only with bizStep shipping, "
                        + "so this event moves nothing"
                )
            )
        }
        // An ADD makes its lots with the submitter, whatever its bizStep says: a sender who writes
        // the making and the shipment in one event is told that nothing changed hands.
        if event.type == .objectEvent, event.action == "ADD", !event.quantities.isEmpty,
            let destination = event.destinations.first(where: { $0.type == "owning_party" })
        {
            warnings.append(
                (
                    parentPointer(destination.pointer),
                    "an ADD makes its lots with the submitter, who holds them after it: the owning_party "
                        + "destination moves nothing; ship them with an ObjectEvent OBSERVE, bizStep shipping"
                )
            )
        }
        if event.type == .objectEvent, event.action == "ADD", event.quantities.isEmpty,
            event.ext("serialRanges") == nil, event.errorDeclaration == nil
        {
            warnings.append(
                (
                    "/action",
                    "ADD with no quantityList element creates no lot: CellTrace records a lot from its "
                        + "epcClass, quantity and uom in quantityList, and cells from ct:serialRanges"
                )
            )
        }
        if event.type == .objectEvent, event.action == "DELETE", !event.quantities.isEmpty,
            event.errorDeclaration == nil
        {
            warnings.append(
                (
                    "/action",
                    "DELETE leaves the lots' balances as they were: CellTrace consumes lots only in "
                        + "TransformationEvents and moves them only by shipping"
                )
            )
        }
        // A time written at one offset and declared at another: EPCIS takes eventTimeZoneOffset
        // as the local offset where the event happened, and the time itself is right either way.
        if let (written, declared) = event.offsetsDiffer {
            warnings.append(
                (
                    "/eventTimeZoneOffset",
                    "is \(declared), but eventTime is written at \(written): eventTimeZoneOffset is the local "
                        + "offset where the event happened; write eventTime in UTC (Z) or at that offset"
                )
            )
        }
        return warnings
    }

    // MARK: The checks

    /// Whether `value`, a bare CBV value (its CBV prefix stripped), names no term of `vocabulary`.
    ///
    /// A value that still holds a colon is a URI of the submitter's own vocabulary.
    private static func isUnknownTerm(_ value: String, in vocabulary: EventHashID.Vocabulary) -> Bool {
        !value.utf8.contains(0x3a) && vocabulary.iris[value] == nil
    }

    /// Checks `disposition` and the values of `persistentDisposition`'s `set` and `unset`.
    private static func checkDispositions(_ event: EPCISEvent, sink: ProblemSink) {
        guard let (disposition, persistent) = event.dispositions else { return }
        var given: [(pointer: String, value: String)] = []
        if let disposition = disposition?.stringValue { given.append(("/disposition", disposition)) }
        if let persistent {
            for list in ["set", "unset"] {
                for (index, element) in (persistent[list]?.arrayValue ?? []).enumerated() {
                    if let value = element.stringValue {
                        given.append(("/persistentDisposition/\(list)/\(index)", value))
                    }
                }
            }
        }
        for (pointer, value) in given {
            let bare = EPCISEvent.bareCBV(value, prefixes: dispositionPrefixes)
            guard isUnknownTerm(bare, in: EventHashID.dispositions) else { continue }
            sink.add(
                field: pointer,
                "\(quoted(value)) is not a CBV 2.0 disposition (a disposition of your own must be a URI: "
                    + "https://… or urn:…)\(suggestion(bare, EventHashID.dispositions.iris.keys))"
            )
        }
    }

    /// Checks the members in CellTrace's namespace: each one known, and each at the level that reads it.
    private static func checkMembers(_ event: EPCISEvent, sink: ProblemSink) {
        // Most events name known members only, which one pass over their names finds.
        var unknown = false
        var commissions = false
        for name in event.extensions.localNames {
            guard let packed = ShortNames.Packed(name) else {
                unknown = true
                continue
            }
            if !eventMembers.contains(packed) { unknown = true }
            if commissioningMembers.contains(packed) { commissions = true }
        }
        let inIlmd: (String) -> String = { "\($0) is lot master data: it goes in ilmd" }
        let atTop: (String) -> String = { "\($0) goes at the event's top level, not in ilmd" }
        if unknown {
            report(
                event.extensions,
                allowed: eventMembers,
                at: "/",
                elsewhere: masterDataMembers,
                sink: sink,
                misplaced: inIlmd
            )
        }
        if !event.ilmdExtensions.localNames.allSatisfy(masterDataMembers.contains) {
            report(
                event.ilmdExtensions,
                allowed: masterDataMembers,
                at: "/ilmd/",
                elsewhere: eventMembers,
                sink: sink,
                misplaced: atTop
            )
        }
        if let lots = event.ilmdExtensions["lots"], let elements = lots.value.arrayValue {
            for (index, element) in elements.enumerated() {
                report(
                    EPCISEvent.extensionMembers(of: element, namespaces: event.namespaces),
                    allowed: perLotMembers,
                    at: "/ilmd/\(FieldReader.escaped(lots.key))/\(index)/",
                    elsewhere: eventMembers,
                    sink: sink,
                    misplaced: atTop
                )
            }
        }
        guard commissions else {
            checkYield(event, sink: sink)
            return
        }
        let commissioning = commissioningMembers.names.filter { event.ext($0) != nil }
        if event.type != .objectEvent || event.action != "ADD" {
            // An assembly names the battery model of the module or pack it makes.
            let assembles = event.type == .aggregationEvent && event.action == "ADD"
            for name in commissioning where !(assembles && name == "batteryModel") {
                sink.add(
                    field: event.extPointer(name),
                    name == "batteryModel"
                        ? "names the battery model of cells a commissioning (an ObjectEvent ADD with "
                            + "ct:serialRanges) makes, or of the module or pack an assembly (an AggregationEvent "
                            + "ADD) makes; on this event it would be ignored"
                        : "commissions cells only on an ObjectEvent with action ADD; on this event it would be ignored"
                )
            }
        } else if event.ext("serialRanges") == nil {
            let given = commissioning.map { event.extensions[$0]?.key ?? $0 }.joined(separator: ", ")
            sink.add(
                field: event.extPointer("serialRanges"),
                "is required with \(given): a commissioning names its cells as serial ranges (one serial is a "
                    + "range whose first and last are the same); without them no cell is commissioned"
            )
        }
        checkYield(event, sink: sink)
    }

    /// Reports each of `members` that `allowed` lacks, at `base` followed by its key: as misplaced
    /// when `elsewhere` has it, or else as unknown, with the nearest allowed spelling.
    private static func report(
        _ members: ExtensionMembers,
        allowed: ShortNames,
        at base: String,
        elsewhere: ShortNames,
        sink: ProblemSink,
        misplaced: (String) -> String
    ) {
        for member in members.entries where !allowed.contains(member.localName) {
            sink.add(
                field: base + FieldReader.escaped(member.key),
                elsewhere.contains(member.localName)
                    ? misplaced(member.key)
                    : unknownMember(
                        member.key,
                        suggestion(
                            member.localName,
                            allowed.names,
                            spelled: respelled(member.localName, in: member.key)
                        )
                    )
            )
        }
    }

    /// Checks that `ct:yield` is on a transformation, the only event that reads it.
    private static func checkYield(_ event: EPCISEvent, sink: ProblemSink) {
        if event.ext("yield") != nil, event.type != .transformationEvent {
            sink.add(
                field: event.extPointer("yield"),
                "is read only on a TransformationEvent; here it would be ignored"
            )
        }
    }

    // MARK: Messages

    private static func unknownMember(_ key: String, _ suggestion: String) -> String {
        "\(key) is not a member of CellTrace's namespace \(CellTraceNamespace.iri) (a field of your own goes "
            + "in a namespace of your own)\(suggestion)"
    }

    /// Spells a local name as `member` spells its own: with its prefix (`ct:transport`).
    private static func respelled(_ localName: String, in key: String) -> (String) -> String {
        let prefix = key.hasSuffix(localName) ? String(key.dropLast(localName.count)) : ""
        return { prefix + $0 }
    }

    static func quoted(_ value: String) -> String { "\"\(value)\"" }

    /// Refuses an id that names what another spelling names, as the ledger keys ids by their text.
    ///
    /// That is:
    /// - one whose scheme, URN namespace or web host is not in lower case
    ///   (``IdentifierText/lowerCaseForm(_:)``): `URN:EPC:class:lgtin:…` is the URN
    ///   `urn:epc:class:lgtin:…`, and would make the same lot twice;
    /// - a compact IRI whose prefix the `@context` declares: the event's hash ID reads `lot:m1`
    ///   as the IRI it expands to (CBV 2.0 §8.9), where the indexes would keep `lot:m1` apart
    ///   from the lot that IRI already names.
    private static func checkIdentifierSpelling(_ event: EPCISEvent, sink: ProblemSink) {
        // Every id of every event passes here: the pointer is spelled only for a problem.
        let namespaces = event.namespaces
        if let problem = spellingProblem(event.eventID, namespaces) { sink.add(field: "/eventID", problem) }
        func checkLots(_ quantities: [LotQuantity]) {
            for quantity in quantities {
                guard let problem = spellingProblem(quantity.lot, namespaces) else { continue }
                sink.add(field: "/\(quantity.list)/\(quantity.index)/epcClass", problem)
            }
        }
        checkLots(event.quantities)
        checkLots(event.inputs)
        checkLots(event.outputs)
        for (index, epc) in event.epcList.enumerated() {
            if let problem = spellingProblem(epc, namespaces) { sink.add(field: "/epcList/\(index)", problem) }
        }
        if let id = event.parentID, let problem = spellingProblem(id, namespaces) {
            sink.add(field: "/parentID", problem)
        }
        for (index, epc) in event.childEPCs.enumerated() {
            if let problem = spellingProblem(epc, namespaces) { sink.add(field: "/childEPCs/\(index)", problem) }
        }
        if let id = event.location, let problem = spellingProblem(id, namespaces) {
            sink.add(field: "/bizLocation/id", problem)
        }
        if let id = event.readPoint, let problem = spellingProblem(id, namespaces) {
            sink.add(field: "/readPoint/id", problem)
        }
        for party in event.sources {
            if let problem = spellingProblem(party.id, namespaces) { sink.add(field: party.pointer, problem) }
        }
        for party in event.destinations {
            if let problem = spellingProblem(party.id, namespaces) { sink.add(field: party.pointer, problem) }
        }
        guard event.type == .objectEvent, !event.extensions.isEmpty else { return }
        if let lot = event.ext("cellLot")?.stringValue, let problem = spellingProblem(lot, namespaces) {
            sink.add(field: event.extPointer("cellLot"), problem)
        }
        for (index, range) in (event.ext("serialRanges")?.arrayValue ?? []).enumerated() {
            guard let prefix = range["prefix"]?.stringValue, let problem = spellingProblem(prefix, namespaces) else {
                continue
            }
            sink.add(field: event.extPointer("serialRanges") + "/\(index)/prefix", problem)
        }
    }

    /// What is wrong with the spelling of an id (``checkIdentifierSpelling(_:sink:)``), or `nil`.
    private static func spellingProblem(_ id: String, _ namespaces: EPCISNamespaces) -> String? {
        if namespaces.declaresPrefix(of: id) {
            let expanded = namespaces.expand(id)
            return "write \(expanded): the @context makes \(id) a compact IRI for it, which the event's hash ID "
                + "reads as \(expanded) while the ledger keys ids by the text given"
        }
        return IdentifierText.lowerCaseForm(id).map { IdentifierText.lowerCaseProblem(id, $0) }
    }

    /// Refuses a second spelling of one of CellTrace's members (`ct:material` beside
    /// `cell:material`, with `cell` bound to CellTrace's namespace, or beside the full IRI): the
    /// rules would read one of them without a word.
    static func checkRepeatedExtensions(_ members: ExtensionMembers, under parent: String, sink: ProblemSink) {
        guard members.count > 1, members.hasRepeatedNames else { return }
        var first: [String: String] = [:]
        for (localName, key, _) in members.entries {
            guard let earlier = first[localName] else {
                first[localName] = key
                continue
            }
            sink.add(
                field: parent + "/" + FieldReader.escaped(key),
                "\(key) and \(earlier) both name CellTrace's \(localName) (\(CellTraceNamespace.iri)\(localName)): "
                    + "give it once"
            )
        }
    }

    /// The pointer of the object that holds the member `pointer` names.
    private static func parentPointer(_ pointer: String) -> String {
        guard let slash = pointer.lastIndex(of: "/") else { return pointer }
        return String(pointer[..<slash])
    }

    /// `; did you mean X?` for the candidate nearest to `word` (within two edits, ignoring case),
    /// each candidate written as `spelled` gives it; or nothing.
    static func suggestion(
        _ word: String,
        _ candidates: some Sequence<String>,
        spelled: (String) -> String = { $0 }
    ) -> String {
        let letters = Array(word.lowercased().utf8)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(letters, Array(candidate.lowercased().utf8))
            if distance <= 2, distance < letters.count, distance < best?.distance ?? .max {
                best = (candidate, distance)
            }
        }
        return best.map { "; did you mean \(spelled($0.candidate))?" } ?? ""
    }

    /// The Levenshtein distance between two byte strings.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// A few ASCII names of at most 15 bytes, each held as two words, so that a look-up compares
/// integers rather than strings (`String` equality falls back to a Unicode-aware comparison for
/// two names that differ).
struct ShortNames: Sendable {
    /// A name's bytes in the first 15 bytes of two words, its length in the last.
    struct Packed: Equatable, Sendable {
        private var low: UInt64
        private var high: UInt64

        /// `nil` for a name of more than 15 bytes or one that is not ASCII, which no set holds.
        init?(_ name: String) {
            // Read in place: a native string's bytes are contiguous (a small one's on the stack).
            guard let packed = name.utf8.withContiguousStorageIfAvailable({ Packed(bytes: $0) }) else {
                self.init(name: Array(name.utf8))
                return
            }
            guard let packed else { return nil }
            self = packed
        }

        private init?(name bytes: [UInt8]) {
            guard let packed = bytes.withUnsafeBufferPointer({ Packed(bytes: $0) }) else { return nil }
            self = packed
        }

        private init?(bytes: UnsafeBufferPointer<UInt8>) {
            guard bytes.count <= 15 else { return nil }
            var words: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
            guard (words.0 | words.1) & 0x8080_8080_8080_8080 == 0 else { return nil }
            low = words.0
            high = words.1 | UInt64(bytes.count) << 56
        }
    }

    /// The names as given.
    let names: [String]
    private let packed: [Packed]

    init(_ names: [String]) {
        self.names = names
        self.packed = names.map { name in
            guard let packed = Packed(name) else { preconditionFailure("\(name) is not a short ASCII name") }
            return packed
        }
    }

    func contains(_ name: String) -> Bool {
        Packed(name).map(contains) ?? false
    }

    func contains(_ packed: Packed) -> Bool {
        self.packed.contains(packed)
    }

    /// The position of the name `packed` is, among ``names``.
    func index(of packed: Packed) -> Int? {
        self.packed.firstIndex(of: packed)
    }
}
