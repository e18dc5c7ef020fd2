import CJemalloc
import LedgerCore
import LedgerCrypto
import SupplyChain

#if canImport(Glibc)
import Glibc
#endif

/// Import of EPCIS documents of TransformationEvents: parse, validate, hash IDs, canonical
/// encoding, signature, indexes and durable commit, beside the raw LMDB append loop of the same run.
enum ImportBench {
    static let refinery = "urn:epc:id:sgln:6900002.00001.0"

    /// Whether the lots the documents make have ids in no order (`--scattered-lot-ids`), as lots
    /// of many suppliers and products have, rather than numbered one after another.
    nonisolated(unsafe) static var scatteredLotIDs = false

    /// Whether each event carries an eventID of its own (`--own-event-ids`), a `urn:uuid:`, as
    /// most suppliers' systems send: the import then checks and indexes it beside the hash ID
    /// (`sc.event-ids` and `sc.event-hashes`), instead of taking the hash ID as the eventID.
    nonisolated(unsafe) static var ownEventIDs = false

    /// Where the memory section copies the ledger's data file before and after its last document
    /// (`--snapshot-dir`), for `tools/lmdb_pages_written.py` to count the pages that document wrote.
    nonisolated(unsafe) static var snapshotDirectory: String?

    /// Whether each run also prints its documents' times in groups (`--document-times`): the
    /// rate and the CPU an event of each tenth of the documents, so that an import that slows
    /// or grows as the ledger grows shows it.
    nonisolated(unsafe) static var documentTimes = false

    /// The suffix of the id of the `n`th lot made: `n`, or with scattered ids `n` mapped one to
    /// one onto [0, 2³² − 5) (a multiplicative hash modulo a prime), so that each document's lots
    /// fall all across the range of the ones before.
    static func lotSuffix(_ n: Int) -> String {
        scatteredLotIDs ? String((UInt64(n) &* 2_654_435_761) % 4_294_967_291) : String(n)
    }

    /// An EPCIS 2.0 document of `count` TransformationEvents, each using 10 kg of one of the seed
    /// lots and making a new lot of 9 kg, with metered electricity.
    static func document(count: Int, offset: Int) -> [UInt8] {
        var text =
            #"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ct":"https://celltrace.dev/ns/epcis/1/"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-03-01T00:00:00Z","epcisBody":{"eventList":["#
        text.reserveCapacity(count * 700)
        for index in 0..<count {
            let n = offset + index
            if index > 0 { text += "," }
            text += #"{"type":"TransformationEvent","#
            if ownEventIDs {
                // A version-4 form, its last twelve digits the event's number.
                let digits = String(n)
                text += #""eventID":"urn:uuid:6f1f3c5e-2b1a-4a57-9a0e-"#
                text += String(repeating: "0", count: max(0, 12 - digits.count)) + digits + #"","#
            }
            text += #""eventTime":"2026-02-"#
            text +=
                String(10 + n % 18) + "T" + String(10 + n % 13) + ":" + String(10 + n % 50)
                + #":00.000+08:00","eventTimeZoneOffset":"+08:00","bizStep":"commissioning","bizLocation":{"id":""#
            text += refinery + #""},"inputQuantityList":[{"epcClass":"urn:epc:class:lgtin:6900002.000011.SEED-"#
            text +=
                String(n % 100)
                + #"","quantity":10,"uom":"KGM"}],"outputQuantityList":[{"epcClass":"urn:epc:class:lgtin:6900002.000021.LHM-"#
            text +=
                lotSuffix(n)
                + #"","quantity":9,"uom":"KGM"}],"ilmd":{"ct:material":"lithium-hydroxide","ct:grade":"battery","cbvmda:countryOfOrigin":"CN"},"ct:lifeCycleStage":"raw-material-acquisition","ct:dataQuality":"primary","ct:electricity":[{"quantity":"#
            text += String(40 + n % 7) + #","uom":"KWH","supply":"grid"}]}"#
        }
        text += "]}}"
        return Array(text.utf8)
    }

    /// A ledger with the refiner, its refinery and 100 seed lots of 100 t each.
    static func prepare(_ path: String) throws -> (SupplyChainLedger, Ed25519PrivateKey) {
        let chain = try SupplyChainLedger.create(
            at: path,
            origin: "bench.celltrace.local/import",
            options: Ledger.Options(initialMapSize: 1 << 30)
        )
        let key = Ed25519PrivateKey()
        try chain.registerActor(
            ActorDraft(id: "sichuan-lithium", name: "Refiner", role: .refiner, publicKey: key.publicKey)
        )
        try chain.registerFacility(
            FacilityDraft(
                id: refinery,
                operatorID: "sichuan-lithium",
                kind: .refinery,
                country: "CN",
                subdivision: "CN-SC"
            )
        )
        var seeds =
            #"{"@context":[{"ct":"https://celltrace.dev/ns/epcis/1/"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z","epcisBody":{"eventList":["#
        for index in 0..<100 {
            if index > 0 { seeds += "," }
            seeds +=
                #"{"type":"ObjectEvent","eventTime":"2026-01-02T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":""#
            seeds += refinery + #""},"quantityList":[{"epcClass":"urn:epc:class:lgtin:6900002.000011.SEED-"#
            seeds += String(index) + #"","quantity":100,"uom":"TNE"}],"ilmd":{"ct:material":"spodumene-concentrate"}}"#
        }
        seeds += "]}}"
        try chain.importSubmission(Array(seeds.utf8), actor: "sichuan-lithium", key: key)
        return (chain, key)
    }

    static func run(directory: String, runs: Int, documents: Int, eventsPerDocument: Int, rawEntry: [UInt8]) throws {
        print("")
        print(
            "## Import of EPCIS documents (\(format(Double(eventsPerDocument))) TransformationEvents each, durable\(scatteredLotIDs ? ", lot ids in no order" : "")\(ownEventIDs ? ", eventIDs of their own" : ""))"
        )
        print(
            "| documents | events | import | raw loop entries/s | import events/s | ratio | CPU µs/event | cores"
                + " | caller CPU µs/event | anon. memory after doc 1 → last |"
        )
        print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
        /// Figures of one way of importing, over the runs.
        struct Figures {
            var rates: [Double] = []
            var cpuPerEvent: [Double] = []
            var cores: [Double] = []
            var callerPerEvent: [Double] = []
            var memory = ""
        }
        var rawRates: [Double] = []
        var byMode = [Figures(), Figures()]
        var entrySize = rawEntry.count
        let documentsBytes = (0..<documents).map {
            document(count: eventsPerDocument, offset: $0 * eventsPerDocument)
        }
        let events = documents * eventsPerDocument
        for run in 0..<runs {
            // Each run imports the documents one call at a time, then as one stream
            // (`importSubmissions`), each into a new ledger; the order alternates between runs.
            for mode in run % 2 == 0 ? [0, 1] : [1, 0] {
                let path = "\(directory)/import-\(run)-\(mode)"
                let (chain, key) = try prepare(path)
                let clock = Stopwatch()
                let cpuBefore = processCPUSeconds()
                let callerBefore = threadCPUSeconds()
                var afterFirst = 0.0
                // When each document was done: seconds, process CPU seconds, anonymous MiB.
                var marks: [(seconds: Double, cpu: Double, memory: Double)] = []
                func check(_ index: Int, _ report: ImportReport) {
                    precondition(report.written == eventsPerDocument, "the benchmark document must import whole")
                    if index == 0 { afterFirst = anonymousResidentMiB() }
                    if documentTimes {
                        marks.append((clock.seconds, processCPUSeconds() - cpuBefore, anonymousResidentMiB()))
                    }
                }
                if mode == 0 {
                    for (index, bytes) in documentsBytes.enumerated() {
                        check(index, try chain.importSubmission(bytes, actor: "sichuan-lithium", key: key))
                    }
                } else {
                    try chain.importSubmissions(
                        count: documents,
                        actor: "sichuan-lithium",
                        key: key,
                        document: { documentsBytes[$0] },
                        imported: check
                    )
                }
                let seconds = clock.seconds
                let cpu = processCPUSeconds() - cpuBefore
                let callerCPU = threadCPUSeconds() - callerBefore
                byMode[mode].rates.append(Double(events) / seconds)
                byMode[mode].cpuPerEvent.append(cpu / Double(events) * 1e6)
                byMode[mode].cores.append(cpu / seconds)
                byMode[mode].callerPerEvent.append(callerCPU / Double(events) * 1e6)
                let hugePages = anonymousHugePagesMiB().map { " (\(format($0)) in huge pages)" } ?? ""
                byMode[mode].memory = "\(format(afterFirst)) → \(format(anonymousResidentMiB())) MiB\(hugePages)"
                entrySize = try chain.ledger.entry(at: chain.ledger.size - 1).canonicalBytes.count
                if documentTimes {
                    printDocumentTimes(
                        marks,
                        mode: mode == 0 ? "one call each" : "streamed",
                        run: run,
                        eventsPerDocument: eventsPerDocument
                    )
                }
                removeAll(path)
            }
            // The raw loop writes the same number of entries (events + one submission per document)
            // in batches of one document.
            let rawPath = "\(directory)/import-raw-\(run)"
            // Its map fits its entries with room to spare, 1 GiB at least: small enough for valgrind
            // (`make bench-count`), which cannot map the 64 GiB the other sections use.
            let mapSize = max(1 << 30, 4 * (events + documents) * (entrySize + 64))
            let store = RawLoops.Store(path: rawPath, durable: true, mapSize: mapSize)
            let rawSeconds = RawLoops.append(
                store: store,
                entry: [UInt8](repeating: 0x61, count: entrySize),
                count: events + documents,
                batch: eventsPerDocument + 1
            )
            rawRates.append(Double(events + documents) / rawSeconds)
            removeAll(rawPath)
        }
        let raw = median(rawRates)
        for (mode, figures) in byMode.enumerated() {
            let ours = median(figures.rates)
            print(
                "| \(documents) | \(format(Double(events))) | \(mode == 0 ? "one call each" : "streamed") | \(format(raw)) | \(format(ours)) | \(format(ours / raw, 2)) | \(format(median(figures.cpuPerEvent))) | \(format(median(figures.cores), 2)) | \(format(median(figures.callerPerEvent), 1)) | \(figures.memory) |"
            )
        }
        print(
            "(target: ≥ 50,000 events/s; raw loop: same entry count, \(entrySize)-byte entries like the event entries, one commit per document; streamed: `importSubmissions`, which reads the next document on the other cores while one is written; caller CPU: the calling thread's, which checks and writes the events one after another and bounds the rate at 10⁶ ÷ it events/s)"
        )
    }

    /// The rate, the CPU an event and the memory of each tenth of a run's documents (at least one
    /// document a group), from the times each document was done (`--document-times`).
    static func printDocumentTimes(
        _ marks: [(seconds: Double, cpu: Double, memory: Double)],
        mode: String,
        run: Int,
        eventsPerDocument: Int
    ) {
        guard !marks.isEmpty else { return }
        let size = max(1, marks.count / 10)
        var groups: [String] = []
        var start = 0
        while start < marks.count {
            let end = min(marks.count, start + size) - 1
            let seconds = marks[end].seconds - (start == 0 ? 0 : marks[start - 1].seconds)
            let cpu = marks[end].cpu - (start == 0 ? 0 : marks[start - 1].cpu)
            let events = Double((end - start + 1) * eventsPerDocument)
            groups.append(
                "\(start + 1)–\(end + 1): \(format(events / seconds)) ev/s, \(format(cpu / events * 1e6)) µs, \(format(marks[end].memory)) MiB"
            )
            start = end + 1
        }
        print("  run \(run + 1), \(mode), by documents: " + groups.joined(separator: " · "))
    }

    /// Where the import's memory goes as documents are added: the anonymous memory after each
    /// document with the heap trimmed, once with the ledger open throughout and once reopened
    /// before each document, which frees what the LMDB environment holds (its pool of pages
    /// freed by earlier write transactions, which it keeps for reuse until it is closed).
    static func memory(directory: String, documents: Int, eventsPerDocument: Int) throws {
        print("")
        print(
            "## Import memory (\(format(Double(eventsPerDocument))) TransformationEvents per document\(scatteredLotIDs ? ", lot ids in no order" : ""))"
        )
        print("| ledger | anon. memory after each document, heap trimmed, then with the ledger closed (MiB) |")
        print("|---|---|")
        let documentsBytes = (0..<documents).map {
            document(count: eventsPerDocument, offset: $0 * eventsPerDocument)
        }
        for reopening in [false, true] {
            let path = "\(directory)/import-memory-\(reopening)"
            var (chain, key): (SupplyChainLedger?, Ed25519PrivateKey) = try prepare(path)
            var figures: [String] = []
            for (index, bytes) in documentsBytes.enumerated() {
                if reopening {
                    chain = nil
                    chain = try SupplyChainLedger(openingAt: path, options: Ledger.Options(initialMapSize: 1 << 30))
                }
                try chain?.importSubmission(bytes, actor: "sichuan-lithium", key: key)
                heapTrim()
                figures.append(format(anonymousResidentMiB()))
                if let snapshots = snapshotDirectory, !reopening, index + 2 >= documents {
                    let name = index + 1 == documents ? "after" : "before"
                    _ = system("mkdir -p '\(snapshots)' && cp '\(path)/data.mdb' '\(snapshots)/\(name).mdb'")
                }
            }
            chain = nil
            heapTrim()
            figures.append("closed: " + format(anonymousResidentMiB()))
            removeAll(path)
            print(
                "| \(reopening ? "reopened before each document" : "open throughout") | \(figures.joined(separator: " · ")) |"
            )
        }
        print("(the documents themselves, generated up front, are part of every figure)")
    }
}

extension ImportBench {
    /// What the event as a tree of `JSONValue`s costs by itself.
    ///
    /// Five of the import's documents are parsed whole into trees, written back as canonical JSON
    /// and freed, on one thread; the figures are per event. The import parses a chunk's events apart and shares their repeated members, so this is the
    /// most a reading of the bytes without a tree could save (PERFORMANCE.md, the thirty-eighth round).
    static func treeFloor(runs: Int) {
        print("")
        print("## The event as a tree (5 documents of 10,000 TransformationEvents, one thread)")
        print("| run | parse µs/event | canonical JSON µs/event | free µs/event |")
        print("|---:|---:|---:|---:|")
        let documents = (0..<5).map { document(count: 10_000, offset: $0 * 10_000) }
        let events = Double(documents.count * 10_000)
        for run in 0..<runs {
            var parse = 0.0
            var canonical = 0.0
            var free = 0.0
            for bytes in documents {
                let start = threadCPUSeconds()
                var tree: JSONValue?
                do { tree = try JSONValue(parsing: bytes) } catch {
                    fatalError("the benchmark document must parse: \(error)")
                }
                let parsed = threadCPUSeconds()
                let written = tree?.canonicalBytes.count ?? 0
                let wrote = threadCPUSeconds()
                tree = nil
                let freed = threadCPUSeconds()
                precondition(written > bytes.count / 2, "the canonical document is about as long as the document")
                parse += parsed - start
                canonical += wrote - parsed
                free += freed - wrote
            }
            print(
                "| \(run + 1) | \(format(parse / events * 1e6, 2)) | \(format(canonical / events * 1e6, 2)) | "
                    + "\(format(free / events * 1e6, 2)) |"
            )
        }
    }
}

/// Returns the heap's free memory to the system: jemalloc's arenas purge their unused dirty
/// pages (`arena.<all>.purge`), which jemalloc would otherwise keep for about ten seconds.
@discardableResult
private func heapTrim() -> Int32 {
    mallctl("arena.\(MALLCTL_ARENAS_ALL).purge", nil, nil, nil, 0)
}
