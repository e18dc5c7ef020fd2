import Dispatch
import LedgerCore
import LedgerCrypto
import Synchronization

/// What is known of an event whose shape is refused, for the problems of the events around it.
final class RefusedShape: Sendable {
    /// The eventID the event gives: one that another event has is reported with the shape's
    /// problems.
    let givenEventID: String?
    /// The event as far as it was read, when its type is known: what it would have made is
    /// named in the problems of the events after it, and of those before it that use it.
    let event: EPCISEvent?

    init(givenEventID: String?, event: EPCISEvent?) {
        self.givenEventID = givenEventID
        self.event = event
    }
}

/// One event of a document as prepared ahead of the rules: read, shape-checked, hashed and, for a
/// submission, sealed into its entry draft.
struct PreparedEvent: Sendable {
    /// The event, when its shape is valid.
    var event: EPCISEvent?
    /// The shape problems found reading it, in order, naming the event and field.
    var problems: [SupplyChainError.Problem]
    /// What is known of the event when its shape is refused (``event`` is `nil`).
    var refused: RefusedShape?
    /// What it does less of than it seems to, though valid (``EventVocabulary/warnings(_:)``).
    var warnings: [SupplyChainError.Problem] = []
    /// Its activity members, read and checked for the rules, when it is valid and sealed.
    var activity: EventActivity?
    /// Its `sc.event-ids` key (``IndexKey/eventID(_:)``), when it is valid and sealed.
    var eventIDKey: [UInt8]?
    /// Its `sc.event-hashes` key (``IndexKey/eventID(_:)`` of its hash ID), when it is valid and
    /// sealed and has an eventID of its own.
    var hashIDKey: [UInt8]?
    /// Its entry draft, sealed to its canonical bytes (``EntryDraft/sealedForAppend(salts:cache:)``), with
    /// the SHA-256 of the sealed body in hex.
    ///
    /// `nil` when the event is not valid, no drafts were asked for, or sealing threw
    /// (``sealingError``). Kept apart from the error rather than in a `Result`, which the caller,
    /// copying each accepted event's draft out, would copy through the runtime's generic witness.
    var sealed: SealedEvent?
    /// What sealing threw, when it did.
    var sealingError: (any Error)?

    /// The sealed draft, or what sealing threw; `nil` when nothing was sealed.
    func draft() throws -> SealedEvent? {
        if let sealingError { throw sealingError }
        return sealed
    }
}

/// An event's entry draft sealed on a worker, with the SHA-256 of its sealed body in hex.
///
/// A named type rather than a tuple: a tuple inside a `Result` is copied through the runtime's
/// generic tuple witness, this through code specialised for it.
struct SealedEvent: Sendable {
    var draft: EntryDraft
    var bodyHash: String
}

/// Reads, hashes and seals the events of a document on the machine's cores, in chunks, while the
/// caller takes the chunks in order as they are ready.
///
/// None of this work depends on the ledger's state, so it runs ahead of the supply-chain rules,
/// which stay on the caller's thread and see every event in document order. Every event that
/// reads cleanly is sealed, whether or not the rules accept it: the drafts of accepted events are
/// then ready when the rules are done, and skipping an event only wastes its sealing.
///
/// The workers and the caller share the chunks: each chunk is prepared by whoever claims it
/// first, in document order, so a caller that asks for a chunk no worker has begun prepares it
/// itself instead of waiting. In a stream of documents, whose next document is prepared on one
/// thread while the caller checks and writes the current one, the caller thus works on a
/// document whose preparation fell behind rather than idling.
final class EventPreparation: @unchecked Sendable {
    // Safety: each chunk's slot is written once, by the thread that claimed the chunk, before its
    // semaphore is signalled, and read by the caller only after waiting on that semaphore.

    /// Events per chunk: small enough that the rules start soon, large enough to amortise a dispatch.
    static let chunkSize = 256

    /// What sealing needs: the submitting actor and the document's prefix bindings.
    struct Sealing: Sendable {
        var actor: String
        var documentBindings: JSONObject
        /// How deep the bindings nest, found once for the document's events.
        var bindingsDepth: Int

        init(actor: String, documentBindings: JSONObject) {
            self.actor = actor
            self.documentBindings = documentBindings
            bindingsDepth = JSONValue.object(documentBindings).nestingDepth
        }
    }

    let count: Int
    private let events: SubmissionEvents
    /// The parsed events that nest too deep for their entries (``SubmissionDocument/deepEvents``).
    private let deepEvents: [Int: EventNesting]
    private let namespaces: EPCISNamespaces
    private let sealing: Sealing?
    private let slots: UnsafeMutableBufferPointer<[PreparedEvent]>
    private let ready: [DispatchSemaphore]
    /// For each chunk, whether one of its deferred events did not parse.
    private let unparsable: UnsafeMutableBufferPointer<Bool>
    /// The first chunk that no thread has claimed yet: chunks are claimed in order.
    private let unclaimed = Atomic<Int>(0)
    /// The workers' tasks, some of which may find every chunk claimed and still be queued when
    /// the caller has taken the last chunk; the release methods wait for them.
    private let tasks = DispatchGroup()
    /// Whether a caller that asks for a chunk a worker is still preparing prepares the next
    /// unclaimed chunks meanwhile, rather than wait: for one worker thread, which a caller that is
    /// done with the document before would otherwise leave alone on the document.
    private let helpsWhileWaiting: Bool

    /// Starts preparing `events`; ``chunk(_:)`` returns each chunk when it is ready.
    ///
    /// Deferred events are parsed here too, on the workers.
    ///
    /// - Parameters:
    ///   - events: The document's events.
    ///   - deepEvents: Those of them that nest too deep for their entries, by index, found when
    ///     they were parsed; those of deferred events are found here.
    ///   - namespaces: The document's namespaces.
    ///   - sealing: The actor and bindings to seal entry drafts for, or `nil` to only read.
    ///   - queue: Where the chunks are prepared: all cores by default, or one serial queue when the
    ///     caller keeps a core busy with another document meanwhile.
    ///   - helpsWhileWaiting: Whether ``chunk(_:)`` prepares later chunks while the one asked for
    ///     is being prepared (for a serial `queue`), rather than wait for it.
    init(
        events: SubmissionEvents,
        deepEvents: [Int: EventNesting] = [:],
        namespaces: EPCISNamespaces,
        sealing: Sealing?,
        queue: DispatchQueue = .global(),
        helpsWhileWaiting: Bool = false
    ) {
        count = events.count
        self.helpsWhileWaiting = helpsWhileWaiting
        self.events = events
        self.deepEvents = deepEvents
        self.namespaces = namespaces
        self.sealing = sealing
        let chunks = (count + Self.chunkSize - 1) / Self.chunkSize
        slots = .allocate(capacity: chunks)
        slots.initialize(repeating: [])
        unparsable = .allocate(capacity: chunks)
        unparsable.initialize(repeating: false)
        ready = (0..<chunks).map { _ in DispatchSemaphore(value: 0) }
        // One task per chunk, each preparing the first chunk still unclaimed; a task that finds
        // every chunk claimed (some by the caller) has nothing to do. The tasks do not keep the
        // preparation alive: one that runs after the caller is done with it finds it gone.
        for _ in 0..<chunks {
            queue.async(group: tasks) { [weak self] in
                guard let self else { return }
                let chunk = self.unclaimed.wrappingAdd(1, ordering: .relaxed).oldValue
                if chunk < chunks { self.prepare(chunk) }
            }
        }
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
        unparsable.deallocate()
    }

    /// Parses deferred events, or `nil` when one is not valid JSON.
    private static func parse(
        _ bytes: [UInt8],
        _ ranges: ArraySlice<Range<Int>>,
        maxDepth: Int
    ) -> [JSONValue]? {
        // One parser for the chunk: its buffers and the strings of the events' repeated keys are
        // shared. Each event leaves room for the `eventID` and `@context` its entry body adds.
        JSONValue.parsing(bytes, ranges: ranges, maxDepth: maxDepth, spareTopLevelMembers: 2, exactNumbers: true)
    }

    /// Parses deferred events one by one, for a chunk one of whose events did not parse: an event
    /// that nests too deep for its entry is set aside as `null`, named in the events returned
    /// beside them, by index in the document.
    ///
    /// - Returns: The events, or `nil` when one is not valid JSON for another reason.
    private static func parseAlone(
        _ bytes: [UInt8],
        _ ranges: ArraySlice<Range<Int>>,
        maxDepth: Int
    ) -> (events: [JSONValue], deep: [Int: EventNesting])? {
        var events: [JSONValue] = []
        var deep: [Int: EventNesting] = [:]
        for (index, range) in zip(ranges.indices, ranges) {
            if let event = parse(bytes, ranges[index...index], maxDepth: maxDepth)?.first {
                events.append(event)
                continue
            }
            do {
                _ = try JSONValue(parsing: bytes[range], maxDepth: maxDepth, exactNumbers: true)
            } catch {
                guard let nesting = EventNesting(in: bytes[range], refused: error) else { return nil }
                deep[index] = nesting
                events.append(.null)
                continue
            }
            return nil
        }
        return (events, deep)
    }

    /// The number of chunks.
    var chunkCount: Int { ready.count }

    /// The indexes of the events of a chunk.
    func range(ofChunk chunk: Int) -> Range<Int> {
        (chunk * Self.chunkSize)..<min(count, (chunk + 1) * Self.chunkSize)
    }

    /// Frees the prepared events on the workers, chunk by chunk, and returns at once: a stream of
    /// documents lets the workers free one document while the caller checks the next.
    ///
    /// As with ``release()``, call it after every chunk has been taken.
    ///
    /// - Parameter group: Entered until the events are freed and the workers' tasks are done, so
    ///   the caller can wait for them.
    func releaseInBackground(group: DispatchGroup) {
        for chunk in 0..<chunkCount {
            DispatchQueue.global().async(group: group) { self.free(chunk) }
        }
        group.enter()
        tasks.notify(queue: .global()) { group.leave() }
    }

    /// Waits until no worker task is queued or running: a task that finds every chunk claimed
    /// may still be queued when the caller has taken the last chunk, or stopped at a bad one.
    func waitForWorkers() {
        tasks.wait()
    }

    /// The prepared events of a chunk, waiting until it is ready; a chunk may be asked for again.
    ///
    /// - Throws: The error of reading the document whole, when an event of the chunk is not valid JSON.
    func chunk(_ chunk: Int) throws -> [PreparedEvent] {
        // Chunks are asked for in order, so every chunk before this one is claimed: when this one
        // is not, prepare it here rather than wait for a worker to reach it.
        if unclaimed.compareExchange(expected: chunk, desired: chunk + 1, ordering: .relaxed).exchanged {
            prepare(chunk)
        }
        // A worker has it: prepare the chunks after it meanwhile, as long as any is unclaimed.
        while helpsWhileWaiting, ready[chunk].wait(timeout: .now()) == .timedOut {
            let next = unclaimed.wrappingAdd(1, ordering: .relaxed).oldValue
            guard next < chunkCount else {
                ready[chunk].wait()
                break
            }
            prepare(next)
        }
        if !helpsWhileWaiting { ready[chunk].wait() }
        // Leave the semaphore signalled, so that a prepared batch can be validated again.
        defer { ready[chunk].signal() }
        if unparsable[chunk], case .deferred(let document, _, _) = events {
            throw SubmissionDocument.wholeDocumentError(document)
        }
        return slots[chunk]
    }

    /// Prepares a chunk this thread has claimed, and signals that it is ready.
    private func prepare(_ chunk: Int) {
        let range = range(ofChunk: chunk)
        switch events {
        case .parsed(let parsed):
            slots[chunk] = Self.prepare(
                Array(parsed[range]),
                first: range.lowerBound,
                deepEvents: deepEvents,
                namespaces: namespaces,
                sealing: sealing
            )
        case .deferred(let bytes, let ranges, let maxDepth):
            if let parsed = Self.parse(bytes, ranges[range], maxDepth: maxDepth) {
                slots[chunk] = Self.prepare(parsed, first: range.lowerBound, namespaces: namespaces, sealing: sealing)
            } else if let (parsed, deep) = Self.parseAlone(bytes, ranges[range], maxDepth: maxDepth) {
                slots[chunk] = Self.prepare(
                    parsed,
                    first: range.lowerBound,
                    deepEvents: deep,
                    namespaces: namespaces,
                    sealing: sealing
                )
            } else {
                unparsable[chunk] = true
            }
        }
        ready[chunk].signal()
    }

    /// Frees the prepared events, chunks in parallel, once no longer needed: a document's
    /// events, drafts and their JSON are hundreds of thousands of small objects.
    ///
    /// Call it after every chunk has been taken with ``chunk(_:)``, so that no thread of the
    /// pool waits here for a chunk still queued behind it.
    func release() {
        _ = Parallel.map(chunkCount) { free($0) }
        waitForWorkers()
    }

    /// Frees the prepared events of one chunk, once it is ready.
    private func free(_ chunk: Int) {
        ready[chunk].wait()
        slots[chunk] = []
        ready[chunk].signal()
    }

    /// Reads (and seals) the events of one chunk, the first of which is event `first` of the
    /// document; those `deepEvents` names (by index in the document) are refused for their depth.
    private static func prepare(
        _ events: consuming [JSONValue],
        first: Int,
        deepEvents: [Int: EventNesting] = [:],
        namespaces: EPCISNamespaces,
        sealing: Sealing?
    ) -> [PreparedEvent] {
        let sink = ProblemSink()
        // The hash IDs of the chunk reuse one set of buffers.
        let scratch = EventHashID.Scratch()
        var prepared: [PreparedEvent] = []
        prepared.reserveCapacity(events.count)
        // The entry body and confidential fields of each event to seal, taken while the event is
        // at hand rather than copied out of `prepared` again.
        var pending: [(position: Int, body: JSONValue, pointers: [JSONPointer])] = []
        if sealing != nil { pending.reserveCapacity(events.count) }
        var saltCount = 0
        for offset in events.indices {
            let index = first + offset
            if !deepEvents.isEmpty, let nesting = deepEvents[index] {
                // Not read: its entry could not be read back. Its eventID, if any, is named.
                prepared.append(
                    PreparedEvent(
                        event: nil,
                        problems: [nesting.problem(index: index)],
                        refused: RefusedShape(givenEventID: nesting.eventID, event: nil)
                    )
                )
                continue
            }
            let before = sink.count
            // Taken out of the chunk, so that the event read from it holds its JSON alone.
            var json = JSONValue.null
            swap(&json, &events[offset])
            var refusedShape: EPCISEvent?
            let event = EPCISEvent.read(
                consume json,
                index: index,
                namespaces: namespaces,
                sink: sink,
                scratch: scratch,
                newInput: true,
                refused: &refusedShape
            )
            // Everything prepared here is new input: the vocabulary it may use is checked now,
            // where the audit, which replays what was recorded, does not (``EventVocabulary``).
            var warnings: [SupplyChainError.Problem] = []
            if let read = event {
                EventVocabulary.check(read, sink: sink)
                for (field, message) in EventVocabulary.warnings(read) {
                    warnings.append(.init(index: index, identifier: read.eventID, field: field, message: message))
                }
            }
            // A read that fails leaves the event's own eventID, if any, as the sink's identifier.
            let refused = event == nil ? RefusedShape(givenEventID: sink.identifier, event: refusedShape) : nil
            var activity: EventActivity?
            var eventIDKey: [UInt8]?
            var hashIDKey: [UInt8]?
            if let sealing, let read = event {
                // The activity members and the key of the eventID are made here, on the worker, for the rules.
                let made = EventActivity(read, scratch: scratch, bounded: true)
                activity = made
                for (field, message) in made.warnings {
                    warnings.append(.init(index: index, identifier: read.eventID, field: field, message: message))
                }
                eventIDKey = IndexKey.eventID(read.eventID)
                if read.eventID != read.hashID { hashIDKey = IndexKey.eventID(read.hashID) }
                let pointers = SupplyChainLedger.confidentialPointers(of: read)
                // The event's JSON becomes its entry body: the rules read only what `read` pulled
                // out of it, and the JSON is freed here, on the worker, once sealed.
                var taken = JSONValue.null
                swap(&taken, &read.json)
                var contextNestsTooDeep = false
                let body = SupplyChainLedger.entryBody(
                    taking: consume taken,
                    eventID: read.eventID,
                    documentBindings: sealing.documentBindings,
                    bindingsDepth: sealing.bindingsDepth,
                    contextNestsTooDeep: &contextNestsTooDeep
                )
                // The event was read to its limit; with the document's prefix bindings beside
                // its own, its @context may stand deeper in its entry than in the event.
                if contextNestsTooDeep,
                    let pointer = body["@context"]?.firstNesting(deeperThan: EventNesting.maxDepth - 1)
                {
                    sink.append(
                        contentsOf: [EventNesting.contextProblem(index: index, eventID: read.eventID, pointer: pointer)]
                    )
                }
                saltCount += pointers.count
                pending.append((prepared.count, body, pointers))
            }
            let problems = sink.count == before ? [] : Array(sink.problems[before...])
            prepared.append(
                PreparedEvent(
                    event: event,
                    problems: problems,
                    refused: refused,
                    warnings: warnings,
                    activity: activity,
                    eventIDKey: eventIDKey,
                    hashIDKey: hashIDKey
                )
            )
        }
        guard let sealing else { return prepared }
        // One random draw for every salt of the chunk.
        var salts = SecureRandom.bytes(count: 32 * saltCount)[...]
        // The chunk's bodies share the values its events repeat, written once.
        let canonicalForms = CanonicalValueCache()
        for item in pending.indices {
            // Moved out, so that the body is freed here, on the worker, once its bytes are written.
            var body = JSONValue.null
            swap(&body, &pending[item].body)
            let draft = EntryDraft(
                type: SupplyChainLedger.EntryType.event,
                actor: sealing.actor,
                body: body,
                confidential: pending[item].pointers
            )
            body = .null
            let position = pending[item].position
            do {
                let sealed = try draft.sealedForAppend(salts: &salts, cache: canonicalForms)
                // A body sealing could not write ahead holds a key the append refuses: named here,
                // with the event, so that the check (and a dry run) reports it and nothing is written.
                if sealed.presealed == nil, let path = sealed.reservedKeyPath {
                    prepared[position].problems.append(
                        SupplyChainError.Problem(
                            index: first + position,
                            identifier: prepared[position].event?.eventID,
                            field: path.text,
                            message: "keys starting with '$' are reserved for the ledger's commitments"
                        )
                    )
                }
                let bodyHash = SHA256.hash(sealed.presealed?.body ?? sealed.body.canonicalBytes).hex
                prepared[position].sealed = SealedEvent(draft: sealed, bodyHash: bodyHash)
            } catch {
                prepared[position].sealingError = error
            }
        }
        return prepared
    }
}
