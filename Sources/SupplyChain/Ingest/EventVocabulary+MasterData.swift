import LedgerCore

extension EventVocabulary {
    /// Refuses a member whose prefix no `@context` declares, at the event's top level, in its
    /// `ilmd` and in the elements of `ct:lots`.
    ///
    /// Such a member belongs to no namespace the ledger can name: a `CT:electricity` or
    /// `cr:electricity` is stored and hashed but read by no rule, so the electricity it reports
    /// never reaches a footprint; and the Event Hash ID writes the member under its bare key, where
    /// a system that knows the prefix from a context it fetched writes its full IRI, so the two
    /// would not agree on the event's hash. A context given by URL is not fetched: its prefixes are
    /// declared in an inline `@context` object. Keys that are IRIs themselves (`urn:…`,
    /// `https://…`) are taken as they are. A prefix bound to a JSON-LD expanded term definition
    /// (`{"@id": …, "@prefix": true}`) is declared to JSON-LD but not here, and is named as such.
    static func checkPrefixes(_ event: EPCISEvent, sink: ProblemSink) {
        // Most events' prefixed members are all in CellTrace's namespace, which the reading found.
        if event.prefixedCount > event.extensions.count {
            check(prefixesOf: event.json, at: "/", in: event, sink: sink)
        }
        checkNestedPrefixes(event, sink: sink)
        guard let ilmd = event.ilmd else { return }
        check(prefixesOf: ilmd, at: "/ilmd/", in: event, sink: sink)
        if let lots = event.ilmdExtensions["lots"], let elements = lots.value.arrayValue {
            for (index, element) in elements.enumerated() {
                check(
                    prefixesOf: element,
                    at: "/ilmd/\(FieldReader.escaped(lots.key))/\(index)/",
                    in: event,
                    sink: sink
                )
            }
        }
    }

    /// Checks the prefixes inside the objects GS1's schema opens to extensions.
    ///
    /// Those are `readPoint`, `bizLocation`, `errorDeclaration`, and a sensor element with its
    /// metadata and reports. A prefix no context declares leaves such a member in no namespace
    /// there as it does at the top, and the Event Hash ID, which writes each extension by its
    /// IRI, with none to hash.
    private static func checkNestedPrefixes(_ event: EPCISEvent, sink: ProblemSink) {
        // Most events' places hold their id alone (the reading counted their members).
        let names = event.memberNames
        guard
            event.placeHasMembers || names.contains(.errorDeclaration) || names.contains(.sensorElementList),
            case .object(let members) = event.json
        else { return }
        if event.placeHasMembers {
            if let value = members["readPoint"] { check(prefixesOf: value, at: "/readPoint/", in: event, sink: sink) }
            if let value = members["bizLocation"] {
                check(prefixesOf: value, at: "/bizLocation/", in: event, sink: sink)
            }
        }
        if let declaration = event.errorDeclaration {
            check(prefixesOf: declaration, at: "/errorDeclaration/", in: event, sink: sink)
        }
        guard names.contains(.sensorElementList), case .array(let elements) = members["sensorElementList"] else {
            return
        }
        for (index, element) in elements.enumerated() {
            let base = "/sensorElementList/\(index)/"
            check(prefixesOf: element, at: base, in: event, sink: sink)
            if let metadata = element["sensorMetadata"] {
                check(prefixesOf: metadata, at: base + "sensorMetadata/", in: event, sink: sink)
            }
            guard case .array(let reports) = element["sensorReport"] else { continue }
            for (report, value) in reports.enumerated() {
                check(prefixesOf: value, at: base + "sensorReport/\(report)/", in: event, sink: sink)
            }
        }
    }

    private static func check(prefixesOf object: JSONValue, at base: String, in event: EPCISEvent, sink: ProblemSink) {
        guard case .object(let members) = object else { return }
        let namespaces = event.namespaces
        for (key, _) in namespaces.hasNearMisses ? members : JSONObject() {
            guard let iri = namespaces.nearMiss(ofKey: key), let colon = key.firstIndex(of: ":") else { continue }
            sink.add(
                field: base + FieldReader.escaped(key),
                "the prefix \(key[..<colon]) is bound to \(iri), not to CellTrace's namespace "
                    + "\(CellTraceNamespace.iri), so no rule reads \(key): bind it to that IRI exactly"
            )
        }
        // The keys alone are read until one has a prefix no context declares.
        guard members.containsKey(where: { undeclared($0, namespaces) }) else { return }
        for (key, _) in members where undeclared(key, namespaces) {
            guard let colon = key.utf8.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let prefix = String(key[..<colon])
            let localName = String(key[key.index(after: colon)...])
            if let iri = namespaces.termDefinition(ofKey: key) {
                let binding = iri.isEmpty ? "an IRI string" : "its IRI as a string, \"\(prefix)\": \"\(iri)\""
                sink.add(
                    field: base + FieldReader.escaped(key),
                    "the @context binds the prefix \(prefix) to an expanded term definition (an object), which "
                        + "CellTrace does not read: only a prefix bound to an IRI string is declared here, as the "
                        + "Event Hash ID's reference implementation reads prefixes, so \(key) has no namespace "
                        + "(bind \(prefix) to \(binding), or write the member's full IRI)"
                )
                continue
            }
            var hint = ""
            if let declared = event.namespaces.prefixes.first(where: { $0.lowercased() == prefix.lowercased() }) {
                hint = "; did you mean \(declared):\(localName)?"
            } else {
                hint = suggestion(prefix, event.namespaces.prefixes.filter { !standardOnly.contains($0) }) {
                    "\($0):\(localName)"
                }
            }
            sink.add(
                field: base + FieldReader.escaped(key),
                "the prefix \(prefix) is declared by no @context of the document or the event, so \(key) has no "
                    + "namespace (declare the prefix in an inline @context object, as a context given by URL is not "
                    + "fetched, or write the member's full IRI)\(hint)"
            )
        }
    }

    /// Whether `key` has a prefix that `namespaces` do not declare: a colon, not first, and not the
    /// colon of an IRI used as a key (a URN, or a scheme followed by an authority).
    private static func undeclared(_ key: String, _ namespaces: EPCISNamespaces) -> Bool {
        let hasPrefix = key.withUTF8Bytes { bytes -> Bool in
            guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, bytes[0] != UInt8(ascii: "@")
            else { return false }
            if colon == 3, bytes[0] == UInt8(ascii: "u"), bytes[1] == UInt8(ascii: "r"), bytes[2] == UInt8(ascii: "n") {
                return false
            }
            return
                !(colon + 2 < bytes.count && bytes[colon + 1] == UInt8(ascii: "/")
                && bytes[colon + 2] == UInt8(ascii: "/"))
        }
        return hasPrefix && !namespaces.declaresPrefix(of: key)
    }

    /// Prefixes of the standard context that no one means when misspelling their own.
    private static let standardOnly: Set<String> = ["rdfs", "owl", "xsd", "dcterms"]

    /// Refuses master data a lot would get two ways and `ct:lots` elements that describe no lot
    /// of the event.
    ///
    /// The reading takes one value of each: a bare `material` before `ct:material`, the last
    /// member ending in `countryOfOrigin` of several, the `ct:lots` element of each lot made and
    /// none of the others. Where the event says two things, or describes a lot it does not make
    /// (a misspelt `epcClass`), the lot would be recorded with data the submitter did not mean,
    /// without a word; the country of origin decides due diligence and the material the factors.
    static func checkMasterData(_ event: EPCISEvent, sink: ProblemSink) {
        guard let ilmd = event.ilmd else { return }
        let ilmdExtensions = event.ilmdExtensions
        checkConflicts(in: ilmd, extensions: ilmdExtensions, at: "/ilmd", sink: sink)
        checkGrade(in: ilmd, extensions: ilmdExtensions, at: "/ilmd", sink: sink)
        guard let lots = ilmdExtensions["lots"] else { return }
        let base = "/ilmd/" + FieldReader.escaped(lots.key)
        guard let elements = lots.value.arrayValue else {
            sink.add(field: base, "a list of objects, one for each lot the event makes, with its epcClass")
            return
        }
        let made = event.type == .transformationEvent ? event.outputs : event.action == "ADD" ? event.quantities : []
        var described: [String: Int] = [:]
        for (index, element) in elements.enumerated() {
            let pointer = "\(base)/\(index)"
            guard element.objectValue != nil else {
                sink.add(field: pointer, "an object for one lot the event makes, with its epcClass")
                continue
            }
            let extensions = EPCISEvent.extensionMembers(of: element, namespaces: event.namespaces)
            checkRepeatedExtensions(extensions, under: pointer, sink: sink)
            checkConflicts(in: element, extensions: extensions, at: pointer, sink: sink)
            checkGrade(in: element, extensions: extensions, at: pointer, sink: sink)
            guard let lot = element["epcClass"]?.stringValue else {
                sink.add(field: pointer + "/epcClass", "is required: the lot this element describes")
                continue
            }
            if let earlier = described[lot] {
                sink.add(field: pointer + "/epcClass", "lot \(lot) is described already, by element \(earlier)")
                continue
            }
            described[lot] = index
            if !made.contains(where: { $0.lot == lot }) {
                // The same GS1 lot written as the event does not write it: named so, not guessed at.
                let forms = GS1Forms.ofLot(lot)
                if let same = made.first(where: { forms.contains($0.lot) }) {
                    sink.add(
                        field: pointer + "/epcClass",
                        "\(lot) is lot \(same.lot), which this event makes, in another GS1 form: write it as the event does"
                    )
                    continue
                }
                let lots = made.map(\.lot)
                let listed = lots.prefix(4).joined(separator: ", ") + (lots.count > 4 ? ", …" : "")
                sink.add(
                    field: pointer + "/epcClass",
                    "\(lot) is no lot this event makes"
                        + (lots.isEmpty ? "" : " (it makes \(listed))") + "\(suggestion(lot, lots))"
                )
            }
        }
    }

    /// Refuses a field of master data given twice with different values: bare and in CellTrace's
    /// namespace (`material` and `ct:material`), or a country of origin under several names.
    private static func checkConflicts(
        in object: JSONValue,
        extensions: ExtensionMembers,
        at base: String,
        sink: ProblemSink
    ) {
        guard case .object(let members) = object else { return }
        // Most master data has neither bare names nor two countries of origin: the keys tell.
        var bare = false
        var countries = 0
        _ = members.containsKey { key in
            if !key.utf8.contains(UInt8(ascii: ":")) && key != "epcClass" { bare = true }
            if EventActivity.endsInCountrySuffix(key) { countries += 1 }
            return bare && countries > 1
        }
        guard bare || countries > 1 else { return }
        for name in ["material", "grade", "elementContent"] where bare {
            guard let bare = members[name], let namespaced = extensions[name], bare != namespaced.value else {
                continue
            }
            sink.add(
                field: base + "/" + FieldReader.escaped(name),
                "\(name) and \(namespaced.key) are both given, and differ (\(shown(bare)) and "
                    + "\(shown(namespaced.value))): give it once, as \(namespaced.key)"
            )
        }
        guard countries > 1 else { return }
        var given: [(key: String, value: JSONValue)] = []
        // The members the reading takes a country of origin from (``EventActivity/master(for:of:)``).
        for (key, value) in members
        where EventActivity.endsInCountrySuffix(key) && key.hasSuffix("countryOfOrigin") {
            if let first = given.first, first.value != value {
                sink.add(
                    field: base + "/" + FieldReader.escaped(key),
                    "\(first.key) is \(shown(first.value)) and \(key) is \(shown(value)): a lot has one country of "
                        + "origin; give it once"
                )
            }
            given.append((key, value))
        }
    }

    /// Refuses a grade that is no text, which the reading would drop without a word.
    private static func checkGrade(
        in object: JSONValue,
        extensions: ExtensionMembers,
        at base: String,
        sink: ProblemSink
    ) {
        let given = object["grade"].map { (key: "grade", value: $0) } ?? extensions["grade"]
        guard let given, given.value.stringValue == nil else { return }
        sink.add(
            field: base + "/" + FieldReader.escaped(given.key),
            "a grade is text, such as \"battery\" or \"LiOH·H2O 56.5 %\" (got \(shown(given.value)))"
        )
    }

    /// A value as a message shows it: a string bare, anything else as canonical JSON.
    private static func shown(_ value: JSONValue) -> String {
        value.stringValue ?? value.canonicalString
    }
}
