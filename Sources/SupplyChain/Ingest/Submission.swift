import Dispatch
public import LedgerCore
public import LedgerCrypto
import LedgerStorage

/// What an import did.
public struct ImportReport: Sendable {
    /// Events in the document.
    public var events: Int
    /// Events written (new events and error declarations).
    public var written: Int
    /// Events skipped as already recorded: in the ledger, or earlier in the same document.
    public var alreadyPresent: Int
    /// Of ``alreadyPresent``, the events that repeat an earlier event of the same document.
    public var repeated: Int = 0
    /// Error declarations among the written events.
    public var retractions: Int
    /// What the written events do less of than they seem to, though valid: each names the
    /// event and field, as a problem does.
    public var warnings: [SupplyChainError.Problem] = []
    /// The `eventID` of each event of the document, in its order.
    ///
    /// Each is as given, or the CBV 2.0 hash ID given to an event that had none. Skipped events
    /// are included.
    public var eventIDs: [String] = []
    /// The sequence number of the submission entry, when something was written.
    public var submissionSequence: UInt64?
    /// The append receipt, when something was written (not for a dry run).
    public var receipt: AppendReceipt?
    /// The ledger's size once the submission is written, its submission entry and events included.
    ///
    /// Set when something was written or, in a dry run, would be; a dry run of several documents
    /// counts the documents before this one as written.
    public var sizeAfter: UInt64? {
        submissionSequence.map { $0 + UInt64(written) + 1 }
    }
    /// Whether this was a dry run.
    public var dryRun: Bool
}

/// The events of a submission: parsed, or the byte ranges of a document's `eventList` that the
/// preparation parses on the workers.
enum SubmissionEvents: Sendable {
    case parsed([JSONValue])
    /// The elements of the document's event list, each valid JSON when it parses alone with
    /// `maxDepth`; when one does not, the document is not valid JSON.
    case deferred(document: [UInt8], ranges: [Range<Int>], maxDepth: Int)

    var count: Int {
        switch self {
        case .parsed(let events): events.count
        case .deferred(_, let ranges, _): ranges.count
        }
    }

    var isEmpty: Bool { count == 0 }
}

/// An EPCIS document or JSON Lines of events, read into events and their namespaces.
struct SubmissionDocument {
    var events: SubmissionEvents
    var namespaces: EPCISNamespaces
    var format: String
    /// For JSON Lines, the line (from 1) of each event, which blank lines set apart from its index.
    var lines: [Int]? = nil
    /// The prefix bindings of the document's `@context` (its objects), kept with each event: one
    /// object, which every event's entry body shares.
    var bindings = JSONObject()
    /// The business locations of an EPCIS document's header, compared with the registered facilities.
    var masterData = LocationMasterData()
    /// The problems of an EPCIS document's own members (`schemaVersion`, `creationDate`, …): the
    /// document is refused, and its events are checked still, so that one round of fixes serves.
    var documentProblems: [SupplyChainError.Problem] = []
    /// The events of ``events`` that nest too deep for their entries, by index.
    ///
    /// Each stands there as `null`, and the preparation refuses it with its problem
    /// (``EventNesting``). Those of a document whose events are parsed on the workers are found
    /// there.
    var deepEvents: [Int: EventNesting] = [:]

    /// The members that lead to an EPCISDocument's events.
    static let eventListPath = ["epcisBody", "eventList"]
    /// The members that lead to an EPCISQueryDocument's events, the deepest a submission holds.
    static let queryEventListPath = ["epcisBody", "queryResults", "resultsBody", "eventList"]
    /// The deepest nesting a submission is read to as a whole.
    ///
    /// It is an event's own limit, below the object and members that hold the deepest list of
    /// events and the list itself: a document is read whole however deep its events are, up to
    /// their limit. An event is checked against its own limit, ``EventNesting/maxDepth``,
    /// whatever holds it.
    static let maxDepth = EventNesting.maxDepth + queryEventListPath.count + 1

    /// The namespace bindings CellTrace always knows, under the documents' own.
    static let baseNamespaces = EPCISNamespaces.standard.adding(
        context: .object([CellTraceNamespace.prefix: .string(CellTraceNamespace.iri)])
    )

    /// Reads a document; the events of an EPCIS document are left to be parsed by the preparation.
    static func read(_ bytes: [UInt8]) throws -> SubmissionDocument {
        // The document without its events, which the workers parse; anything unusual takes the
        // whole parse below, which also gives the exact error of invalid JSON.
        if let skeleton = try? JSONValue.parsing(
            bytes,
            deferringElementsAt: eventListPath,
            maxDepth: maxDepth,
            exactNumbers: true
        ),
            let ranges = skeleton.elements, skeleton.value["epcisBody"] != nil,
            var document = try? document(skeleton.value)
        {
            // Each event is read to its own limit, below whatever the document leaves it.
            document.events = .deferred(document: bytes, ranges: ranges, maxDepth: EventNesting.maxDepth)
            return document
        }
        return try readWhole(bytes)
    }

    /// The error reading `bytes` whole gives, for a document one of whose deferred events does not
    /// parse alone.
    static func wholeDocumentError(_ bytes: [UInt8]) -> any Error {
        do {
            _ = try readWhole(bytes)
        } catch {
            return error
        }
        return SupplyChainError(code: .invalidDocument, message: "the document is not valid JSON")
    }

    /// Reads a document, parsing it whole.
    private static func readWhole(_ bytes: [UInt8]) throws -> SubmissionDocument {
        let start = bytes.firstIndex { ![0x20, 0x09, 0x0a, 0x0d].contains($0) } ?? bytes.endIndex
        guard start < bytes.endIndex else {
            throw SupplyChainError(code: .invalidDocument, message: "the document is empty")
        }
        let whole: JSONValue?
        var wholeError: LedgerError?
        do {
            whole = try JSONValue(parsing: bytes, maxDepth: maxDepth, exactNumbers: true)
        } catch {
            whole = nil
            wholeError = error as? LedgerError
        }
        if let whole {
            var read: SubmissionDocument
            if whole["epcisBody"] != nil || whole["type"]?.stringValue?.hasPrefix("EPCIS") == true {
                read = try document(whole)
            } else if whole["type"]?.stringValue?.hasSuffix("Event") == true {
                read = SubmissionDocument(events: .parsed([whole]), namespaces: baseNamespaces, format: "event")
            } else if let events = whole.arrayValue {
                read = SubmissionDocument(events: .parsed(events), namespaces: baseNamespaces, format: "json-array")
            } else {
                throw SupplyChainError(
                    code: .invalidDocument,
                    message: "the JSON is neither an EPCIS document, an event, nor an array of events"
                )
            }
            read.setAsideDeepEvents()
            return read
        }
        // A document or an array of events too deep to read whole: the event that is. (One
        // object too deep may be the first line of JSON Lines, which are read next.)
        let deep = wholeError.flatMap { deepEvent(inWhole: bytes, refused: $0) }
        if let deep, deep.inList {
            throw deepEventError(deep.index, deep.nesting)
        }
        // JSON Lines: one event per line, each read to an event's limit.
        var events: [JSONValue] = []
        var lines: [Int] = []
        var deepEvents: [Int: EventNesting] = [:]
        var broken: [(line: Int, error: any Error)] = []
        var lineNumber = 0
        for line in bytes.split(separator: 0x0a, omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { ![0x20, 0x09, 0x0d].contains($0) }) else { continue }
            lines.append(lineNumber)
            do {
                events.append(try JSONValue(parsing: line, maxDepth: EventNesting.maxDepth, exactNumbers: true))
            } catch {
                // An event nested too deep is an event, refused with a problem as one.
                if let nesting = EventNesting(in: line, refused: error) {
                    deepEvents[events.count] = nesting
                    events.append(.null)
                } else {
                    broken.append((lineNumber, error))
                }
            }
        }
        guard let first = broken.first else {
            return SubmissionDocument(
                events: .parsed(events),
                namespaces: baseNamespaces,
                format: "jsonl",
                lines: lines,
                deepEvents: deepEvents
            )
        }
        // A file whose first line is no JSON value alone, and most of whose lines are none, is no
        // JSON Lines: it is one JSON text (an EPCIS document, pretty-printed), whose own error says
        // where it breaks. Most lines reading alone make it JSON Lines whatever its first line.
        if first.line == lines.first, broken.count > events.count, let wholeError,
            let offset = wholeError.byteOffset
        {
            if let deep { throw deepEventError(deep.index, deep.nesting) }
            throw notJSON(bytes, at: offset, wholeError)
        }
        let hint = "a document is EPCIS JSON or JSON Lines of events"
        guard broken.count > 1 else {
            throw SupplyChainError(
                code: .invalidDocument,
                message: "line \(first.line) is not valid JSON (\(first.error)); \(hint)",
                cause: first.error
            )
        }
        // Every line that does not read is named, so that one round of fixes serves.
        throw SupplyChainError(
            code: .invalidDocument,
            message: "\(broken.count) lines are not valid JSON; \(hint)\n"
                + broken.map { "  line \($0.line): \($0.error)" }.joined(separator: "\n"),
            cause: first.error
        )
    }

    /// Sets aside the events read as part of a whole text (a document, an array, one event) that
    /// nest too deep for their entries: each is named in ``deepEvents`` and stands as `null`.
    private mutating func setAsideDeepEvents() {
        guard case .parsed(var parsed) = events else { return }
        for index in parsed.indices {
            guard let nesting = EventNesting(in: parsed[index]) else { continue }
            deepEvents[index] = nesting
            parsed[index] = .null
        }
        events = .parsed(parsed)
    }

    /// For a text refused whole because it nests deeper than ``maxDepth``: the event that does,
    /// told by where its first array or object past that stands (in an EPCIS document's list of
    /// events, in a top-level array, or in the one event the text is), and where within the event
    /// it nests past an event's own limit.
    ///
    /// - Returns: The event's index and where it nests too deep, and whether it stands in a list
    ///   of events (otherwise the text is one event, or begins with one).
    private static func deepEvent(
        inWhole bytes: [UInt8],
        refused error: LedgerError
    ) -> (index: Int, nesting: EventNesting, inList: Bool)? {
        // The text up to where the parser stopped is enough: the place is where it stopped, when
        // the depth is why. (For JSON Lines, where the whole text stops at its second line, that
        // is the first line alone.)
        guard let offset = error.byteOffset,
            let found = JSONValue.firstNesting(deeperThan: maxDepth, in: bytes.prefix(offset + 1)),
            found.offset == offset
        else { return nil }
        var tokens = found.pointer.tokens[...]
        var index = 0
        var inList = true
        if let list = [eventListPath, queryEventListPath].first(where: { tokens.starts(with: $0) }),
            tokens.count > list.count, let position = Int(tokens[tokens.startIndex + list.count])
        {
            index = position
            tokens = tokens.dropFirst(list.count + 1)
        } else if bytes.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) == UInt8(ascii: "["),
            let position = tokens.first.flatMap({ Int($0) })
        {
            index = position
            tokens = tokens.dropFirst()
        } else {
            inList = false
        }
        // The first array or object past the event's own limit is on the way to the one found.
        let pointer = JSONPointer(tokens: Array(tokens.prefix(EventNesting.maxDepth)))
        return (index, EventNesting(pointer: pointer, eventID: nil), inList)
    }

    /// The error of a text that is not read because event `index` nests too deep to read it.
    private static func deepEventError(_ index: Int, _ nesting: EventNesting) -> SupplyChainError {
        SupplyChainError(
            code: .invalidRecords,
            message:
                "nothing was imported: event \(index) nests too deep to be read, and the document was read no further",
            problems: [nesting.problem(index: index)]
        )
    }

    /// The error of a file that is one JSON text broken at `offset`, named by line and column
    /// (characters from 1), with a hint when what breaks it is a second object after the first.
    private static func notJSON(_ bytes: [UInt8], at offset: Int, _ error: LedgerError) -> SupplyChainError {
        let end = min(offset, bytes.count)
        let lineStart = bytes[..<end].lastIndex(of: 0x0a).map { $0 + 1 } ?? 0
        let line = bytes[..<lineStart].reduce(1) { $1 == 0x0a ? $0 + 1 : $0 }
        // UTF-8 continuation bytes do not start a character.
        let column = bytes[lineStart..<end].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        var message = "line \(line), column \(column) is not valid JSON (\(error.message))"
        // A whole JSON value before an object that starts where parsing stopped: events written
        // one after another. Told from the bytes, not from the parser's wording.
        if end < bytes.count, bytes[end] == UInt8(ascii: "{"), (try? JSONValue(parsing: Array(bytes[..<end]))) != nil {
            message += "; several events go in an EPCIS document, a JSON array, or one event per line (JSON Lines)"
        } else {
            message += "; a document is EPCIS JSON or JSON Lines of events"
        }
        return SupplyChainError(code: .invalidDocument, message: message, cause: error)
    }

    /// The members an EPCIS 2.0 document may have without a prefix (GS1's JSON schema).
    private static let documentFields: Set<String> = [
        "@context", "id", "type", "schemaVersion", "creationDate", "instanceIdentifier", "sender", "receiver",
        "epcisHeader", "epcisBody",
    ]

    /// What is wrong with a document's members around its events.
    ///
    /// A member the schema does not have (a misspelt `epcisHeadr`, an `evntList` beside the
    /// `eventList`), or a header or context of the wrong type, is not what the sender meant, and
    /// its parts would be dropped without a word.
    private static func documentShapeProblems(_ json: JSONValue, type: String?) -> [SupplyChainError.Problem] {
        let sink = ProblemSink()
        func add(_ field: String, _ message: String) { sink.add(field: field, message) }
        /// Each member without a prefix that `allowed` lacks.
        func checkNames(_ value: JSONValue?, at base: String, allowed: Set<String>, what: String) {
            guard let members = value?.objectValue else { return }
            EventVocabulary.checkNames(members, at: base, allowed: allowed, what: what, noun: "member", sink: sink)
        }
        checkNames(json, at: "", allowed: documentFields, what: "an EPCIS document")
        switch json["@context"] {
        case .string?, .object?, nil: break
        case .array(let elements)?:
            for (index, element) in elements.enumerated() {
                switch element {
                case .string, .object: continue
                default: add("/@context/\(index)", "a context is a URL or an object of prefixes")
                }
            }
        default: add("/@context", "a URL, an object of prefixes, or a list of them")
        }
        if let header = json["epcisHeader"] {
            if header.objectValue == nil {
                add("/epcisHeader", "an object (with epcisMasterData)")
            } else {
                checkNames(header, at: "/epcisHeader", allowed: ["epcisMasterData"], what: "an epcisHeader")
            }
        }
        let body = json["epcisBody"]
        if type == "EPCISQueryDocument" {
            checkNames(
                body,
                at: "/epcisBody",
                allowed: ["queryResults"],
                what: "the epcisBody of an EPCISQueryDocument"
            )
            checkNames(
                body?["queryResults"],
                at: "/epcisBody/queryResults",
                allowed: ["subscriptionID", "queryName", "resultsBody"],
                what: "queryResults"
            )
        } else {
            checkNames(body, at: "/epcisBody", allowed: ["eventList"], what: "the epcisBody of an EPCISDocument")
        }
        return sink.problems
    }

    private static func document(_ json: JSONValue) throws -> SubmissionDocument {
        var problems: [SupplyChainError.Problem] = []
        func require(_ condition: Bool, _ field: String, _ message: String) {
            if !condition { problems.append(.init(index: nil, identifier: nil, field: field, message: message)) }
        }
        let type = json["type"]?.stringValue
        require(type == "EPCISDocument" || type == "EPCISQueryDocument", "/type", "must be EPCISDocument")
        require(json["@context"] != nil, "/@context", "is required (the EPCIS 2.0 JSON-LD context)")
        require(
            json["schemaVersion"]?.stringValue?.hasPrefix("2.") == true,
            "/schemaVersion",
            json["schemaVersion"] == nil ? "is required: \"2.0\"" : "must be \"2.0\""
        )
        if let created = json["creationDate"]?.stringValue {
            require(
                EventTime.utcMilliseconds(created) != nil,
                "/creationDate",
                "must be an ISO 8601 date-time with zone"
            )
        } else {
            require(false, "/creationDate", "is required")
        }
        problems += documentShapeProblems(json, type: type)
        let path = type == "EPCISQueryDocument" ? queryEventListPath : eventListPath
        let list = JSONPointer(tokens: path).value(in: json)
        let listField = JSONPointer(tokens: path).text
        require(
            list?.arrayValue != nil,
            listField,
            list == nil ? "is required: an array of events" : "must be an array of events"
        )
        guard let events = list?.arrayValue, !events.isEmpty || problems.isEmpty else {
            throw SupplyChainError(code: .invalidDocument, message: "not an EPCIS 2.0 document", problems: problems)
        }
        var bindings = JSONObject()
        for context in json["@context"]?.arrayValue ?? [json["@context"] ?? .null] {
            for (prefix, iri) in context.objectValue ?? [:] { bindings[prefix] = iri }
        }
        let namespaces = baseNamespaces.adding(context: json["@context"])
        return SubmissionDocument(
            events: .parsed(events),
            namespaces: namespaces,
            format: "epcis-document",
            bindings: bindings,
            masterData: LocationMasterData(document: json, namespaces: namespaces),
            documentProblems: problems
        )
    }
}

extension SupplyChainLedger {
    /// The message an actor signs for a submission: domain, ledger origin, actor, key, document
    /// hash and the SHA-256 of each event entry's body, as canonical JSON.
    public static func submissionMessage(origin: String, body: JSONValue) -> [UInt8] {
        var members = body.objectValue ?? [:]
        members["signature"] = nil
        members["origin"] = .string(origin)
        return Array("celltrace-submission/v1\n".utf8) + JSONValue.object(members).canonicalBytes
    }

    /// Confidential fields of an event: exact quantities, the parties in source and destination
    /// lists, and co-product prices.
    static func confidentialPointers(of event: EPCISEvent) -> [JSONPointer] {
        var pointers: [JSONPointer] = []
        let members = event.json.objectValue ?? [:]
        // Each list is looked up once, and its elements read in place.
        func add(_ list: String, member: String) {
            guard case .array(let elements)? = members[list] else { return }
            for (index, element) in elements.enumerated() where element[member] != nil {
                pointers.append(JSONPointer(tokens: [list, String(index), member]))
            }
        }
        for list in ["quantityList", "inputQuantityList", "outputQuantityList", "childQuantityList"] {
            add(list, member: "quantity")
        }
        add("sourceList", member: "source")
        add("destinationList", member: "destination")
        if let legs = event.ext("transport") {
            let key = event.extKey("transport")
            if let list = legs.arrayValue {
                for (index, leg) in list.enumerated() where leg["mass"] != nil {
                    pointers.append(JSONPointer(tokens: [key, String(index), "mass"]))
                }
            } else if legs["mass"] != nil {
                // One leg may be given as an object rather than a list of one.
                pointers.append(JSONPointer(tokens: [key, "mass"]))
            }
        }
        if event.ext("coProductPrices") != nil {
            pointers.append(JSONPointer(tokens: [event.extKey("coProductPrices")]))
        }
        return pointers
    }

    /// Imports an EPCIS 2.0 document (JSON or JSON-LD) or JSON Lines of events as one submission
    /// by `actor`, signed with `key`.
    ///
    /// The whole submission is checked first; if anything is wrong nothing is written and the
    /// error lists every problem, each naming the event (index and `eventID`) and the field.
    /// Events already in the ledger are skipped. The submission entry, written first, holds the
    /// actor's signature over the SHA-256 of every event entry's body.
    ///
    /// - Parameters:
    ///   - bytes: The document.
    ///   - actorID: The submitting actor's identifier.
    ///   - key: The actor's private key; its public half must be the actor's current key.
    ///   - dryRun: Validate only; write nothing.
    ///   - progress: Called with (events checked, events in all) while validating.
    /// - Returns: The counts, and the append receipt when something was written.
    /// - Throws: ``SupplyChainError`` with every problem (`invalidRecords`), for a document that
    ///   is not EPCIS (`invalidDocument`), an unknown actor (`notFound`) or a key that is not the
    ///   actor's current one (`invalidSignature`).
    @discardableResult
    public func importSubmission(
        _ bytes: [UInt8],
        actor actorID: String,
        key: Ed25519PrivateKey,
        dryRun: Bool = false,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> ImportReport {
        try finish(try start(bytes, actor: actorID), key: key, dryRun: dryRun, freeing: nil, progress: progress)
    }

    /// Imports documents one after another, each as its own submission by `actor`, signed with
    /// `key`, as ``importSubmission(_:actor:key:dryRun:progress:)`` imports one.
    ///
    /// Three documents are in hand at a time: the next one's events are parsed, hashed and sealed
    /// on a second thread, the current one is checked on the calling thread, and the one before
    /// is written and made durable on a third. Each document is still checked against the
    /// ledger with all the documents before it written: the one being written is read on top
    /// of the ledger, so a document may use the lots the ones before it made. A document is
    /// reported (`imported`) once its transaction is committed, in order; each one's prepared
    /// events and index rows are freed on the pool once it is, and all of them before this returns.
    ///
    /// Stops at the first document that fails, in its check or in its write: the documents
    /// before it stay imported, and none after it is imported (the next one may have been read
    /// and checked already). A dry run writes none, and checks each document against the ledger
    /// as it would be with the documents before it written: their index rows are kept in memory,
    /// each read under the next, until it returns.
    ///
    /// - Parameters:
    ///   - count: The number of documents.
    ///   - actorID: The submitting actor's identifier.
    ///   - key: The actor's private key; its public half must be the actor's current key.
    ///   - dryRun: Validate only; write nothing.
    ///   - document: Reads document `index`, in order from 0; called once for each.
    ///   - progress: Called with (document, events checked, events in it) while validating.
    ///   - imported: Called with each document's index and report once it is written (checked,
    ///     for a dry run), in order.
    /// - Throws: The failing document's error, as ``importSubmission(_:actor:key:dryRun:progress:)``
    ///   throws it, or what `document` or `imported` threw.
    public func importSubmissions(
        count: Int,
        actor actorID: String,
        key: Ed25519PrivateKey,
        dryRun: Bool = false,
        document: (Int) throws -> [UInt8],
        progress: ((_ document: Int, _ checked: Int, _ total: Int) -> Void)? = nil,
        imported: (_ document: Int, _ report: ImportReport) throws -> Void
    ) throws {
        guard count > 0 else { return }
        // The documents after the first are prepared on one thread while this one checks and
        // writes the document before: each keeps a core, and neither waits for the other.
        let ahead = DispatchQueue(label: "celltrace.import.ahead")
        // Each document is written on this thread while the caller checks the next one against
        // the ledger with the one being written read on top.
        let writer = DispatchQueue(label: "celltrace.import.write")
        // On return or throw, nothing this call queued still runs or holds the ledger: a block on
        // either thread keeps the ledger (and its LMDB environment) open until it is released,
        // which happens after it signals its result, so an error could return while the next
        // document's reading still held it, and a caller reopening the ledger found it open.
        defer {
            ahead.sync {}
            writer.sync {}
        }
        // The documents before the current one, being freed on the pool; waited for on return.
        let freeing = DispatchGroup()
        defer { freeing.wait() }
        // The document being written, if any: settled before the next is written, and before
        // this returns or throws, so that nothing is written that is not reported.
        var writing: DocumentWrite?
        // Checks and writes document `index` on its own, with the ledger as it is, and reports it.
        func importAlone(_ pending: PendingSubmission, _ index: Int) throws {
            let report = try finish(pending, key: key, dryRun: false, freeing: freeing) { progress?(index, $0, $1) }
            try imported(index, report)
        }
        // Waits for the document being written and reports it; one that met another writer's
        // append is checked and written again. Throws what writing it threw.
        func settle() throws -> Bool {
            // Taken out, so that this thread holds it once and can hand it to the pool whole.
            guard let write = writing.take() else { return true }
            let outcome = write.receipt.result
            switch outcome {
            case .success(let receipt):
                var report = write.batch.result
                report.receipt = receipt
                let index = write.index
                write.pending.preparation.releaseInBackground(group: freeing)
                Self.free(consume write, group: freeing)
                try imported(index, report)
                return true
            case .failure(let error as LedgerError) where error.code == .conflict:
                try importAlone(write.pending, write.index)
                return false
            case .failure(let error):
                throw error
            }
        }
        // A document that cannot be read or is not a document fails in its turn, after the ones
        // before it are imported.
        var next = Started(Result { try start(try document(0), actor: actorID) })
        // In a dry run, the documents checked so far, none of them written.
        var unwritten: UnwrittenBatches?
        do {
            for index in 0..<count {
                let current = try next.result.get()
                if index + 1 < count {
                    // Read here, then scanned, hashed and prepared on the thread ahead, and the
                    // caller, once done with this one, helps: the scan and the hash of a document's
                    // bytes (some milliseconds a megabyte) no longer hold up the thread that writes.
                    let bytes = Result { try document(index + 1) }
                    next = Started(on: ahead) { [self] in
                        try start(try bytes.get(), actor: actorID, queue: ahead, helpsWhileWaiting: true)
                    }
                }
                guard !dryRun else {
                    // Checked with the documents before it as they would be written, and not written.
                    let (report, batches) = try checkUnwritten(after: unwritten) { rules, first, txn in
                        try checkEvents(
                            of: current,
                            key: key,
                            dryRun: true,
                            rules: &rules,
                            first: first,
                            txn,
                            progress: { progress?(index, $0, $1) }
                        )
                    }
                    unwritten = batches
                    current.preparation.releaseInBackground(group: freeing)
                    try imported(index, report)
                    continue
                }
                // Checked against the ledger with the document before on top, while that one is written.
                let checked = try check(current, key: key, after: writing?.batch) { progress?(index, $0, $1) }
                guard try settle(), let checked else {
                    // Another writer appended: checked and written again, with the ledger as it is.
                    try importAlone(current, index)
                    continue
                }
                guard !checked.drafts.isEmpty else {
                    current.preparation.releaseInBackground(group: freeing)
                    try imported(index, checked.result)
                    continue
                }
                writing = DocumentWrite(index: index, pending: current, batch: checked, on: writer) { [self] in
                    try write(checked)
                }
            }
        } catch {
            // The document before the failing one is still written and reported first; when it
            // fails, its error is the one to report.
            _ = try settle()
            throw error
        }
        _ = try settle()
    }

    /// A document checked and being written (``write(_:)``) on the writer's thread.
    struct DocumentWrite {
        var index: Int
        var pending: PendingSubmission
        var batch: CheckedBatch<ImportReport>
        var receipt: Started<AppendReceipt>

        init(
            index: Int,
            pending: PendingSubmission,
            batch: CheckedBatch<ImportReport>,
            on queue: DispatchQueue,
            _ write: @escaping @Sendable () throws -> AppendReceipt
        ) {
            self.index = index
            self.pending = pending
            self.batch = batch
            receipt = Started(on: queue, write)
        }
    }

    /// A value being made on another thread, or made already: a document started
    /// (``start(_:actor:queue:helpsWhileWaiting:)``) or written.
    final class Started<Value>: @unchecked Sendable {
        // Safety: `value` is written once, before `done` is signalled, and read only after
        // waiting on `done`.
        private var value: Result<Value, any Error>?
        private let done = DispatchSemaphore(value: 0)

        /// A value already made, or that failed.
        init(_ result: Result<Value, any Error>) {
            value = result
            done.signal()
        }

        /// Makes the value on `queue`.
        init(on queue: DispatchQueue, _ make: @escaping @Sendable () throws -> Value) {
            queue.async { [self] in
                value = Result { try make() }
                done.signal()
            }
        }

        /// The value, or what making it threw, once it is done.
        var result: Result<Value, any Error> {
            done.wait()
            defer { done.signal() }
            guard let value else { preconditionFailure("a value made has its result") }
            return value
        }
    }

    /// A document read, with its events handed to the workers.
    struct PendingSubmission {
        var actor: String
        var format: String
        var documentHash: String
        var preparation: EventPreparation
        /// For JSON Lines, each event's line (``SubmissionDocument/lines``).
        var lines: [Int]? = nil
        /// The business locations of the document's header (``SubmissionDocument/masterData``).
        var masterData = LocationMasterData()
        /// The problems of the document's own members (``SubmissionDocument/documentProblems``).
        var documentProblems: [SupplyChainError.Problem] = []

        /// `problems` with their JSON Lines line, for a JSON Lines file.
        func withLines(_ problems: [SupplyChainError.Problem]) -> [SupplyChainError.Problem] {
            guard let lines else { return problems }
            return problems.map { problem in
                var problem = problem
                if let index = problem.index, lines.indices.contains(index) { problem.line = lines[index] }
                return problem
            }
        }
    }

    /// Reads a document and starts preparing its events on the workers (on `queue`); with
    /// `helpsWhileWaiting`, the caller prepares chunks too rather than wait for one
    /// (``EventPreparation``).
    func start(
        _ bytes: [UInt8],
        actor actorID: String,
        queue: DispatchQueue = .global(),
        helpsWhileWaiting: Bool = false
    ) throws -> PendingSubmission {
        let document = try SubmissionDocument.read(bytes)
        guard !document.events.isEmpty else {
            throw SupplyChainError(code: .invalidDocument, message: "the document has no events")
        }
        // Reading, hash IDs and sealing run on the other cores while the rules take the events in order.
        let preparation = EventPreparation(
            events: document.events,
            deepEvents: document.deepEvents,
            namespaces: document.namespaces,
            sealing: EventPreparation.Sealing(actor: actorID, documentBindings: document.bindings),
            queue: queue,
            helpsWhileWaiting: helpsWhileWaiting
        )
        return PendingSubmission(
            actor: actorID,
            format: document.format,
            documentHash: SHA256.hash(bytes).hex,
            preparation: preparation,
            lines: document.lines,
            masterData: document.masterData,
            documentProblems: document.documentProblems
        )
    }

    /// Checks a started submission against the ledger and, unless this is a dry run, signs and
    /// writes it; its prepared events are freed before it returns, or, given a group, on the pool
    /// while the caller goes on.
    private func finish(
        _ pending: PendingSubmission,
        key: Ed25519PrivateKey,
        dryRun: Bool,
        freeing group: DispatchGroup?,
        progress: ((Int, Int) -> Void)?
    ) throws -> ImportReport {
        let (receipt, report) = try commit(dryRun: dryRun, freeing: group) { rules, first, txn in
            try checkEvents(of: pending, key: key, dryRun: dryRun, rules: &rules, first: first, txn, progress: progress)
        }
        if let group { pending.preparation.releaseInBackground(group: group) } else { pending.preparation.release() }
        var result = report
        result.receipt = receipt
        return result
    }

    /// Checks a started submission against the ledger, or, given `earlier`, a document being
    /// written, against the ledger as it will be once that one is (``check(after:_:)``).
    ///
    /// - Returns: The checked batch, to be written by ``write(_:)`` once `earlier` is; `nil` when
    ///   another writer appended since `earlier` was checked.
    func check(
        _ pending: PendingSubmission,
        key: Ed25519PrivateKey,
        after earlier: CheckedBatch<ImportReport>?,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> CheckedBatch<ImportReport>? {
        try check(after: earlier) { rules, first, txn in
            try checkEvents(of: pending, key: key, dryRun: false, rules: &rules, first: first, txn, progress: progress)
        }
    }

    /// Checks a started submission's events against the rules, in order, and, when any is new,
    /// signs the submission entry with `key`: the drafts to write (none when nothing is new) and
    /// the report.
    ///
    /// - Throws: ``SupplyChainError`` with every problem found, or for an actor or key that
    ///   cannot sign.
    private func checkEvents(
        of pending: PendingSubmission,
        key: Ed25519PrivateKey,
        dryRun: Bool,
        rules: inout Rules,
        first: UInt64,
        _ txn: borrowing ReadTransaction,
        progress: ((Int, Int) -> Void)?
    ) throws -> ([EntryDraft], ImportReport) {
        let actorID = pending.actor
        let preparation = pending.preparation
        let documentHash = pending.documentHash
        let origin = ledger.origin
        guard let actor = try rules.actor(actorID, txn) else {
            throw SupplyChainError(
                code: .notFound,
                message: actorID.isEmpty
                    ? "no actor was named: give a registered actor's id"
                    : "no actor \(actorID) is registered; register it with `celltrace actor add`"
            )
        }
        guard let current = actor.currentKey else {
            throw SupplyChainError(code: .invalidSignature, message: "actor \(actorID) has no valid key (revoked)")
        }
        guard current.publicKey == key.publicKey.rawRepresentation else {
            let given = key.publicKey.rawRepresentation
            // Whose key it is, when the ledger knows it: an earlier key of this actor, or another's.
            var whose = ""
            if let old = actor.keys.first(where: { $0.publicKey == given }) {
                whose =
                    ", one of \(actorID)'s earlier keys (valid until entry \(old.validUntil.map(String.init) ?? "?"))"
            } else if let other = try rows(.actors, prefix: [], txn).lazy.compactMap({
                try Actor(json: JSONValue(parsing: $0.value))
            }).first(where: { $0.keys.contains { $0.publicKey == given } }) {
                whose = ", a key of \(other.id)"
            }
            throw SupplyChainError(
                code: .invalidSignature,
                message:
                    "the key given (key \(ActorKey.id(of: given))\(whose)) is not the current key of \(actorID) (key "
                    + "\(current.id)); sign with that key"
            )
        }
        rules.store.reserveCapacity(events: preparation.count)
        let sink = ProblemSink()
        // The chunks as taken, and the accepted events as (chunk, position in it).
        var chunks: [[PreparedEvent]] = []
        var accepted: [(chunk: Int, offset: Int)] = []
        // By eventID with its digest: a probe compares digests, not the IDs' shared `ni:///` prefix.
        var seen: [TextKey: (hashID: String, index: Int)] = [:]
        seen.reserveCapacity(preparation.count)
        // The events with eventIDs of their own, by hash ID: the same event under another
        // eventID, or with none, is a repeat of the first.
        var ownIDs: [TextKey: (eventID: String, index: Int)] = [:]
        // The eventIDs of events whose shape is refused, by the first such event's index.
        var refusedIDs: [TextKey: Int] = [:]
        var skipped = 0
        var repeated = 0
        var warnings: [SupplyChainError.Problem] = []
        var retractions = 0
        // The corrective events the declarations name, to say which are not in the ledger.
        var corrective: [(index: Int, eventID: String, position: Int, id: String)] = []
        // The facilities that readPoints name, read once each (`nil` for a place not registered).
        var readPoints: [String: Facility?] = [:]
        var eventIDs: [String] = []
        eventIDs.reserveCapacity(preparation.count)
        for chunk in 0..<preparation.chunkCount {
            // Read from a constant, which lends its events to the rules instead of copying them.
            let current = try preparation.chunk(chunk)
            chunks.append(current)
            for (offset, index) in preparation.range(ofChunk: chunk).enumerated() {
                if index % 1024 == 0 { progress?(index, preparation.count) }
                sink.index = index
                sink.append(contentsOf: current[offset].problems)
                // An event refused already is checked by the rules too, and changes nothing that
                // the events after it see.
                sink.recordRefused = !current[offset].problems.isEmpty
                guard let event = current[offset].event else {
                    // An eventID another event has is named with the shape's problems, so that
                    // fixing those is not refused again for it.
                    let refused = current[offset].refused
                    if let given = refused?.givenEventID, IdentifierText.isURI(given) {
                        let key = TextKey(given)
                        if seen[key] != nil {
                            sink.add(field: "/eventID", Self.usedInDocument(given))
                        } else if let record = try rules.eventRecord(key: IndexKey.eventID(given), txn) {
                            let entry = record["seq"]?.doubleValue.map { String(UInt64($0)) } ?? "?"
                            sink.add(
                                field: "/eventID",
                                "eventID \(given) is already used by the event at entry \(entry) (hash \(record["hash"]?.stringValue ?? "?"))"
                            )
                        }
                        if refusedIDs[key] == nil { refusedIDs[key] = index }
                    }
                    if let event = refused?.event { rules.noteRefused(event, index: index, sink: sink) }
                    continue
                }
                sink.identifier = event.eventID
                eventIDs.append(event.eventID)
                // What is recorded now must be a URI; a replay reads what was recorded.
                if !IdentifierText.isURI(event.eventID) {
                    sink.add(field: "/eventID", "must be a URI, such as urn:uuid:… (got \"\(event.eventID)\")")
                    continue
                }
                let eventIDKey = current[offset].eventIDKey ?? IndexKey.eventID(event.eventID)
                if event.errorDeclaration == nil {
                    // An eventID another event has refuses this one, whose other problems the
                    // rules still report: it changes nothing the events after it see.
                    identity: do {
                        let key = TextKey(event.eventID)
                        if let earlier = seen[key] {
                            guard earlier.hashID != event.hashID else {
                                skipped += 1
                                repeated += 1
                                continue
                            }
                            sink.add(field: "/eventID", Self.usedInDocument(event.eventID))
                            sink.recordRefused = true
                            break identity
                        }
                        // An earlier event of the document with this eventID whose shape is
                        // refused is not this one, whose shape is valid.
                        if refusedIDs[key] != nil {
                            sink.add(field: "/eventID", Self.usedInDocument(event.eventID))
                            sink.recordRefused = true
                            break identity
                        }
                        // The same event earlier in the document under another eventID, or without one.
                        let hasOwnID = event.eventID != event.hashID
                        if hasOwnID || !ownIDs.isEmpty {
                            let hashKey = TextKey(event.hashID)
                            var earlier = ownIDs[hashKey]
                            if earlier == nil, hasOwnID, let unnamed = seen[hashKey], unnamed.hashID == event.hashID {
                                earlier = (event.hashID, unnamed.index)
                            }
                            if let earlier {
                                // Its eventID may still be a different event's, in the ledger.
                                if earlier.eventID != event.eventID,
                                    let record = try rules.eventRecord(key: eventIDKey, txn),
                                    record["hash"]?.stringValue != event.hashID
                                {
                                    sink.add(
                                        field: "/eventID",
                                        Self.usedInLedger(event.eventID, record: record)
                                            + "; this event is event \(earlier.index) of this document, as \(earlier.eventID)"
                                    )
                                    continue
                                }
                                skipped += 1
                                repeated += 1
                                warnings.append(
                                    Self.sameEvent(
                                        index: index,
                                        eventID: event.eventID,
                                        earlier: "event \(earlier.index) of this document, \(earlier.eventID)",
                                        when: "twice"
                                    )
                                )
                                continue
                            }
                        }
                        // Recorded already, under this eventID or, as the same event, under another.
                        var same: (sequence: UInt64, eventID: String)?
                        if let record = try rules.eventRecord(key: eventIDKey, txn) {
                            if record["hash"]?.stringValue == event.hashID {
                                skipped += 1
                                // Another actor's event sent again writes nothing, and says whose it is.
                                warnings += Self.othersEvent(
                                    index: index,
                                    eventID: event.eventID,
                                    record: record,
                                    sender: actorID
                                )
                                warnings += Self.stillRetracted(index: index, eventID: event.eventID, record: record)
                                continue
                            }
                            // A different event has this eventID, unless it is this event's hash ID,
                            // and this event is recorded under an eventID of its own.
                            guard !hasOwnID, let recorded = try rules.store.eventByHashID(key: eventIDKey, txn) else {
                                // The same event recorded under its own eventID is sent again
                                // under another's: refused, and not applied a second time.
                                if let same = try rules.recordedSame(
                                    as: event,
                                    eventIDKey: eventIDKey,
                                    hashIDKey: current[offset].hashIDKey,
                                    txn
                                ) {
                                    sink.add(
                                        field: "/eventID",
                                        Self.usedInLedger(event.eventID, record: record)
                                            + "; this event is in the ledger as \(same.eventID), entry \(same.sequence)"
                                    )
                                    continue
                                }
                                sink.add(field: "/eventID", Self.usedInLedger(event.eventID, record: record))
                                sink.recordRefused = true
                                break identity
                            }
                            same = recorded
                        } else if hasOwnID, event.eventID.hasPrefix("ni:///"),
                            let other = try rules.store.eventByHashID(key: eventIDKey, txn)
                        {
                            sink.add(
                                field: "/eventID",
                                "eventID \(event.eventID) is the Event Hash ID of a different event, in the ledger as \(other.eventID), entry \(other.sequence)"
                            )
                            sink.recordRefused = true
                            break identity
                        } else {
                            same = try rules.recordedSame(
                                as: event,
                                eventIDKey: eventIDKey,
                                hashIDKey: current[offset].hashIDKey,
                                txn
                            )
                        }
                        if let same {
                            skipped += 1
                            if let record = try rules.store.json(.events, IndexKey.sequence(same.sequence), txn) {
                                warnings += Self.othersEvent(
                                    index: index,
                                    eventID: event.eventID,
                                    record: record,
                                    sender: actorID
                                )
                                warnings += Self.stillRetracted(index: index, eventID: event.eventID, record: record)
                            }
                            warnings.append(
                                Self.sameEvent(
                                    index: index,
                                    eventID: event.eventID,
                                    earlier: "in the ledger as \(same.eventID), entry \(same.sequence)",
                                    when: "again"
                                )
                            )
                            continue
                        }
                        seen[key] = (event.hashID, index)
                        if hasOwnID { ownIDs[TextKey(event.hashID)] = (event.eventID, index) }
                    }
                } else {
                    if let record = try rules.declaredRecord(of: event, eventIDKey: eventIDKey, txn),
                        record["retraction"] == event.errorDeclaration
                    {
                        skipped += 1
                        warnings += Self.othersEvent(
                            index: index,
                            eventID: event.eventID,
                            record: record,
                            sender: actorID,
                            declaration: true
                        )
                        continue
                    }
                    retractions += 1
                    for (position, id) in event.correctiveEventIDs.enumerated() {
                        corrective.append((index, event.eventID, position, id))
                    }
                }
                warnings += current[offset].warnings
                // An error declaration repeats an event recorded before, perhaps before its
                // facility changed hands: its place was weighed then.
                if let readPoint = event.readPoint, readPoint != event.location, event.errorDeclaration == nil {
                    if readPoints[readPoint] == nil {
                        readPoints[readPoint] = .some(try rules.facility(readPoint, txn))
                    }
                    if let facility = readPoints[readPoint] ?? nil, facility.operatorID != actorID {
                        warnings.append(
                            SupplyChainError.Problem(
                                index: index,
                                identifier: event.eventID,
                                field: "/readPoint/id",
                                message:
                                    "\(readPoint) is a facility of \(facility.operatorID), not of \(actorID): the event "
                                    + "says it was read at another actor's site; check the readPoint"
                            )
                        )
                    }
                }
                let sequence = first + 1 + UInt64(accepted.count)
                try rules.apply(
                    event,
                    activity: current[offset].activity,
                    eventIDKey: eventIDKey,
                    hashIDKey: current[offset].hashIDKey,
                    actor: actor,
                    sequence: sequence,
                    submission: first,
                    sink: sink,
                    txn
                )
                warnings += rules.warnings
                rules.warnings.removeAll()
                accepted.append((chunk, offset))
            }
        }
        progress?(preparation.count, preparation.count)
        // Checked once every event is in: a corrective event may come after its declaration.
        for named in corrective where try rules.eventSequence(key: IndexKey.eventID(named.id), txn) == nil {
            warnings.append(
                SupplyChainError.Problem(
                    index: named.index,
                    identifier: named.eventID,
                    field: "/errorDeclaration/correctiveEventIDs/\(named.position)",
                    message:
                        "corrective event \(named.id) is not in the ledger; `celltrace event show` links it once it is recorded"
                )
            )
        }
        // What the document's header says of its locations, where the ledger says otherwise.
        var facilities: [String: Facility] = [:]
        for location in pending.masterData.locations where facilities[location.id] == nil {
            facilities[location.id] = try rules.facility(location.id, txn)
        }
        warnings += pending.masterData.differences(facilities)
        if !pending.documentProblems.isEmpty {
            let events =
                sink.isEmpty
                ? "" : "; its events have \(sink.count) problem\(sink.count == 1 ? "" : "s") too, listed after its own"
            throw SupplyChainError(
                code: .invalidDocument,
                message: "not an EPCIS 2.0 document\(events)",
                problems: pending.documentProblems + pending.withLines(sink.problems)
            )
        }
        guard sink.isEmpty else {
            // The events with a problem, of all the submission's: a few bad events among
            // thousands read so, rather than as if every event had one.
            let failing = Set(sink.problems.compactMap(\.index)).count
            let total = "\(preparation.count) event\(preparation.count == 1 ? "" : "s")"
            let events = failing == preparation.count || failing == 0 ? total : "\(failing) of \(total)"
            // A redacted export's events carry `ct:withheld` (EXPORTS §4.3): the problems that follow
            // from what it withholds are said to come from that, once, before they are listed.
            let redacted = sink.problems.contains { $0.field == "/ct:withheld" }
            throw SupplyChainError(
                code: .invalidRecords,
                message: "nothing was imported: \(sink.count) problem\(sink.count == 1 ? "" : "s") in \(events)"
                    + (redacted
                        ? "; the document is a redacted export (its events carry ct:withheld), which is for "
                            + "reading, not for import: export with --profile auditor to copy a lineage"
                        : ""),
                problems: pending.withLines(sink.problems)
            )
        }
        var report = ImportReport(
            events: preparation.count,
            written: accepted.count,
            alreadyPresent: skipped,
            repeated: repeated,
            retractions: retractions,
            warnings: pending.withLines(warnings),
            eventIDs: eventIDs,
            dryRun: dryRun
        )
        guard !accepted.isEmpty else { return ([], report) }
        var drafts: [EntryDraft] = [EntryDraft(type: EntryType.submission, actor: actorID, body: .null)]
        drafts.reserveCapacity(accepted.count + 1)
        var hashes: [JSONValue] = []
        hashes.reserveCapacity(accepted.count)
        for (chunk, offset) in accepted {
            guard let sealed = try chunks[chunk][offset].draft() else {
                preconditionFailure("every event that reads cleanly is sealed")
            }
            hashes.append(.string(sealed.bodyHash))
            drafts.append(sealed.draft)
        }
        var submission: [String: JSONValue] = [
            "actor": .string(actorID), "key": .string(current.id), "document": .string(documentHash),
            "format": .string(pending.format), "events": .array(hashes),
        ]
        let message = Self.submissionMessage(origin: origin, body: .object(submission))
        let signature = try key.signature(for: message)
        // The signature check every submission passes, as the audit will repeat it.
        let publicKey = try Ed25519PublicKey(rawRepresentation: current.publicKey)
        guard publicKey.isValidSignature(signature, for: message) else {
            throw SupplyChainError(code: .invalidSignature, message: "the submission's signature does not verify")
        }
        submission["signature"] = .string(Base64.encode(signature))
        drafts[0].body = .object(submission)
        report.submissionSequence = first
        return (drafts, report)
    }

    /// The problem of an eventID that an earlier, different event of the document has.
    static func usedInDocument(_ eventID: String) -> String {
        "eventID \(eventID) is used by an earlier, different event of this document"
    }

    /// The problem of an eventID that a different event in the ledger has; `record` is that
    /// event's `sc.events` record.
    static func usedInLedger(_ eventID: String, record: JSONValue) -> String {
        "eventID \(eventID) is already used by a different event (hash \(record["hash"]?.stringValue ?? "?"))"
    }

    /// The warning for an event skipped as the same event (the same Event Hash ID) as one
    /// recorded or earlier in the document under another eventID, or without one.
    ///
    /// - Parameters:
    ///   - index: The skipped event's index in its document.
    ///   - eventID: Its eventID, or the hash ID it was given.
    ///   - earlier: Where the same event is, and its eventID there.
    ///   - when: "again" (in the ledger) or "twice" (in the document).
    /// - Returns: The warning, at the event's `/eventID`.
    static func sameEvent(index: Int, eventID: String, earlier: String, when: String) -> SupplyChainError.Problem {
        SupplyChainError.Problem(
            index: index,
            identifier: eventID,
            field: "/eventID",
            message: "the same event (the same Event Hash ID) is \(earlier); not recorded \(when)"
        )
    }

    /// The warning for an event skipped as recorded already by an actor other than `sender`.
    ///
    /// Resending it changes nothing, and it stays that actor's event (`record`, its `sc.events`
    /// record, names the actor). None when the sender recorded it.
    ///
    /// With `declaration`, the event sent again is the error declaration that retracted the
    /// recorded event (which only its recorder may declare in error), and the warning says so.
    static func othersEvent(
        index: Int,
        eventID: String,
        record: JSONValue,
        sender: String,
        declaration: Bool = false
    ) -> [SupplyChainError.Problem] {
        guard let recorder = record["actor"]?.stringValue, recorder != sender else { return [] }
        let entry = record[declaration ? "retractedAt" : "seq"]?.doubleValue.map { " (entry \(UInt64($0)))" } ?? ""
        let what = declaration ? "declared this event in error" : "recorded this event"
        return [
            SupplyChainError.Problem(
                index: index,
                identifier: eventID,
                field: declaration ? "/errorDeclaration" : "/eventID",
                message:
                    "\(recorder) \(what)\(entry); sent again by \(sender), it stays \(recorder)'s and nothing is written"
            )
        ]
    }

    /// The warning for a recorded event sent again that was declared in error: it stays so, and
    /// every query leaves it out, which a sender restoring it would not otherwise learn.
    static func stillRetracted(index: Int, eventID: String, record: JSONValue) -> [SupplyChainError.Problem] {
        guard let at = record["retractedAt"]?.doubleValue else { return [] }
        return [
            SupplyChainError.Problem(
                index: index,
                identifier: eventID,
                field: "/eventID",
                message:
                    "this event was declared in error (entry \(UInt64(at))); sent again, it stays declared in error "
                    + "and nothing is written: what did happen is recorded by a corrective event, which differs "
                    + "from it"
            )
        ]
    }

    /// The body of an event's entry: the event as submitted, with its `eventID`, and an
    /// `@context` binding the prefixes its extension fields use.
    ///
    /// - Parameters:
    ///   - json: The event as submitted (``EPCISEvent/json``). Taken rather than copied: when
    ///     nothing else holds it, its members gain the two additions in place.
    ///   - eventID: The event's `eventID`, added when the event has none.
    ///   - documentBindings: The document's prefix bindings.
    ///   - bindingsDepth: How deep those nest, as an object (`JSONValue.nestingDepth`).
    ///   - contextNestsTooDeep: Set when the bindings and the event's own context, put together
    ///     in the body's `@context`, nest deeper than an entry's body may: the event was read to
    ///     that limit (``EventNesting/maxDepth``), and only its `@context` goes deeper.
    /// - Returns: The body to seal.
    static func entryBody(
        taking json: consuming JSONValue,
        eventID: String,
        documentBindings: JSONObject,
        bindingsDepth: Int,
        contextNestsTooDeep: inout Bool
    ) -> JSONValue {
        guard case .object(var members) = json else { return json }
        // The enum's hold on the members ends here, so they are this function's alone.
        _ = consume json
        let generatedID = members["eventID"] == nil
        guard generatedID || !documentBindings.isEmpty else { return .object(members) }
        if generatedID { members["eventID"] = .string(eventID) }
        guard !documentBindings.isEmpty else { return .object(members) }
        // The document's prefix bindings go with the event, so its extension fields and CURIE
        // values mean the same when the entry is read alone; the event's own context comes last,
        // in a list after them: one level deeper than it stood, unless it was a list already.
        // The body's object is level 1, its `@context` level 2, what a list there holds level 3.
        switch members["@context"] {
        case nil:
            members["@context"] = .object(documentBindings)
            contextNestsTooDeep = 1 + bindingsDepth > EventNesting.maxDepth
        case .array(let contexts)?:
            members["@context"] = .array([.object(documentBindings)] + contexts)
            contextNestsTooDeep = 2 + bindingsDepth > EventNesting.maxDepth
        case let context?:
            members["@context"] = .array([.object(documentBindings), context])
            contextNestsTooDeep =
                2 + bindingsDepth > EventNesting.maxDepth || context.nests(deeperThan: EventNesting.maxDepth - 2)
        }
        return .object(members)
    }
}

/// Checks an EPCIS document without a ledger: its shape and every event's EPCIS 2.0 shape, and
/// computes the CBV 2.0 hash ID of each event.
public enum EPCISDocumentCheck {
    /// The result: each event's `eventID` (given, or its hash ID) and every problem found.
    public struct Result: Sendable {
        /// The events in the document.
        public var events: Int
        /// The `eventID` of every event whose shape is valid, in order.
        public var eventIDs: [String]
        /// Every shape problem, naming the event and field.
        public var problems: [SupplyChainError.Problem]
    }

    /// Reads `bytes` (EPCIS JSON/JSON-LD document, one event, an array of events, or JSON Lines).
    ///
    /// - Throws: ``SupplyChainError/Code/invalidDocument`` when the bytes are not such a document.
    public static func check(_ bytes: [UInt8]) throws -> Result {
        let document = try SubmissionDocument.read(bytes)
        let preparation = EventPreparation(
            events: document.events,
            deepEvents: document.deepEvents,
            namespaces: document.namespaces,
            sealing: nil
        )
        // No worker is left behind holding the document, even when a chunk does not parse.
        defer { preparation.waitForWorkers() }
        var ids: [String] = []
        var problems = document.documentProblems
        for chunk in 0..<preparation.chunkCount {
            for prepared in try preparation.chunk(chunk) {
                problems += prepared.problems
                if let event = prepared.event { ids.append(event.eventID) }
            }
        }
        return Result(events: document.events.count, eventIDs: ids, problems: problems)
    }
}
