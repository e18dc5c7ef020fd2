import LedgerCore
import LedgerCrypto

#if canImport(Glibc)
import Glibc
#endif

// celltrace-bench: the ledger's speed beside this machine's own limits, measured in one run.
// Usage: celltrace-bench [--entries N] [--runs R] [--proof-entries M] [--dir PATH] [--quick]
//        celltrace-bench --only provenance [--cells N] [--cells-per-lot K] [--seed S] [--samples M]
//                        [--provenance-ledger DIR]   (DIR is reused if it holds a ledger, else generated there)

var entriesPerRun = 200_000
var runs = 3
var proofEntries = 10_000_000
var directory = "/tmp/celltrace-bench"
var sections: Set<String> = ["append", "verify", "proofs", "import", "custody"]
var importDocuments = 5
var provenanceCells = 100_000_000
var provenanceCellsPerLot = 2000
var provenanceSeed: UInt64 = 1
var provenanceSamples = 10_000
var provenanceLedger: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--entries": entriesPerRun = Int(arguments.popFirst() ?? "") ?? entriesPerRun
    case "--runs": runs = Int(arguments.popFirst() ?? "") ?? runs
    case "--proof-entries": proofEntries = Int(arguments.popFirst() ?? "") ?? proofEntries
    case "--dir": directory = arguments.popFirst() ?? directory
    case "--import-documents": importDocuments = Int(arguments.popFirst() ?? "") ?? importDocuments
    case "--scattered-lot-ids": ImportBench.scatteredLotIDs = true
    case "--own-event-ids": ImportBench.ownEventIDs = true
    case "--document-times": ImportBench.documentTimes = true
    case "--snapshot-dir": ImportBench.snapshotDirectory = arguments.popFirst()
    case "--cells": provenanceCells = Int(arguments.popFirst() ?? "") ?? provenanceCells
    case "--cells-per-lot": provenanceCellsPerLot = Int(arguments.popFirst() ?? "") ?? provenanceCellsPerLot
    case "--seed": provenanceSeed = UInt64(arguments.popFirst() ?? "") ?? provenanceSeed
    case "--samples": provenanceSamples = Int(arguments.popFirst() ?? "") ?? provenanceSamples
    case "--provenance-ledger": provenanceLedger = arguments.popFirst()
    case "--only": sections = Set((arguments.popFirst() ?? "").split(separator: ",").map(String.init))
    case "--quick":
        entriesPerRun = 50_000
        runs = 1
        proofEntries = 1_000_000
        importDocuments = 2
    default:
        print(
            "usage: celltrace-bench [--entries N] [--runs R] [--proof-entries M] [--dir PATH] [--only append,verify,proofs,import,import-memory,tree-floor,custody,provenance,lending] [--import-documents D] [--scattered-lot-ids] [--own-event-ids] [--document-times] [--snapshot-dir DIR] [--quick] [--cells N] [--cells-per-lot K] [--seed S] [--samples M] [--provenance-ledger DIR]"
        )
        exit(2)
    }
}

removeAll(directory)
mkdirAll(directory)

print("CellTrace ledger benchmark — \(runs) run(s) each, medians")
if let speed = opensslSHA256Speed() {
    print("machine: openssl speed sha256 (1 KiB blocks): \(format(speed)) MB/s")
}
let allocator = allocatorVersion().map { "jemalloc \($0)" } ?? "jemalloc (version unknown)"
print("allocator: \(allocator), \(allocatorSettings())")
print("swift runtime: \(swiftRuntimeLinkage())")

/// A body that makes an entry of about 400 bytes, like a lot record.
func body(_ index: Int) -> JSONValue {
    .object([
        "lot": .string("LOT-\(index)"),
        "material": "nickel sulfate hexahydrate",
        "kg": .string(String(1000 + index % 977) + ".25"),
        "facility": "urn:epc:id:sgln:0614141.00777.0",
        "country": "ID",
        "process": "HPAL",
        "inputs": .array([.string("ORE-\(index / 7)"), .string("H2SO4-\(index / 13)")]),
        "note": "primary data, metered electricity, batch record attached",
    ])
}

let sampleEntry = Entry(
    sequenceNumber: 123_456,
    previousHash: .zero,
    origin: "bench.celltrace.local/ledger",
    time: .now,
    actor: "urn:celltrace:actor:refiner",
    type: "generic",
    body: body(123_456)
)
let entrySize = sampleEntry.canonicalBytes.count
print("entry size: \(entrySize) bytes (canonical JSON)")

var rawEntry = [UInt8](repeating: 0x61, count: entrySize)
rawEntry.replaceSubrange(0..<32, with: [UInt8](repeating: 0, count: 32))

var verifyLedgerPath = ""
var sizes: [String] = []
var rawVerifyPath = ""
if sections.contains("append") || sections.contains("verify") {
    print("")
    print("## Append (durable: fsync per commit)")
    print("| batch | entries | raw loop entries/s | CellTrace entries/s | ratio |")
    print("|---:|---:|---:|---:|---:|")
    for batch in sections.contains("append") ? [1, 100, 1000, 10_000] : [1000] {
        let count = batch == 1 ? min(entriesPerRun, 2000) : batch == 100 ? min(entriesPerRun, 50_000) : entriesPerRun
        var rawRates: [Double] = []
        var ledgerRates: [Double] = []
        for run in 0..<runs {
            let rawPath = "\(directory)/raw-\(batch)-\(run)"
            let store = RawLoops.Store(path: rawPath, durable: true)
            let rawSeconds = RawLoops.append(store: store, entry: rawEntry, count: count, batch: batch)
            rawRates.append(Double(count) / rawSeconds)

            let ledgerPath = "\(directory)/ledger-\(batch)-\(run)"
            let ledger = try Ledger.create(
                at: ledgerPath,
                origin: "bench.celltrace.local/ledger",
                options: Ledger.Options(initialMapSize: 1 << 30)
            )
            var drafts: [EntryDraft] = []
            drafts.reserveCapacity(count)
            for index in 0..<count {
                drafts.append(EntryDraft(type: "generic", actor: "urn:celltrace:actor:refiner", body: body(index)))
            }
            let clock = Stopwatch()
            var start = 0
            while start < count {
                let end = min(count, start + batch)
                try ledger.append(Array(drafts[start..<end]))
                start = end
            }
            ledgerRates.append(Double(count) / clock.seconds)
            progress("append, batches of \(batch)", done: run + 1, total: runs)
            if run == runs - 1 {
                let rawBytes = fileSize(rawPath + "/data.mdb")
                let ledgerBytes = fileSize(ledgerPath + "/data.mdb")
                sizes.append(
                    "batch \(format(Double(batch))): raw \(format(rawBytes / 1_048_576, 1)) MiB, CellTrace \(format(ledgerBytes / 1_048_576, 1)) MiB"
                )
            }
            if batch == 1000 && run == runs - 1 {
                verifyLedgerPath = ledgerPath
                rawVerifyPath = rawPath
            } else {
                removeAll(ledgerPath)
                removeAll(rawPath)
            }
        }
        let raw = median(rawRates)
        let ours = median(ledgerRates)
        print(
            "| \(format(Double(batch))) | \(format(Double(count))) | \(format(raw)) | \(format(ours)) | \(format(ours / raw, 2)) |"
        )
    }
    print("")
    print("data file after the last run: " + sizes.joined(separator: "; "))
}

if sections.contains("verify") {
    print("")
    print("## Verify (full audit) of \(format(Double(entriesPerRun))) entries")
    do {
        let store = RawLoops.Store(path: rawVerifyPath, durable: true)
        let ledger = try Ledger(openingAt: verifyLedgerPath)
        var rawRates: [Double] = []
        var auditRates: [Double] = []
        var deepRates: [Double] = []
        for _ in 0..<max(runs, 3) {
            let (rawSeconds, rawCount) = RawLoops.verify(store: store)
            rawRates.append(Double(rawCount) / rawSeconds)
            let clock = Stopwatch()
            let report = try ledger.audit()
            precondition(report.isValid, "audit failed: \(report.failure.map(String.init(describing:)) ?? "")")
            auditRates.append(Double(report.entriesChecked) / clock.seconds)
            let deepClock = Stopwatch()
            let deep = try ledger.audit(deep: true)
            precondition(deep.isValid)
            deepRates.append(Double(deep.entriesChecked) / deepClock.seconds)
        }
        print("| check | entries/s | ratio to raw |")
        print("|---|---:|---:|")
        print("| raw verify loop (re-hash + chain) | \(format(median(rawRates))) | 1.00 |")
        print(
            "| `celltrace verify` | \(format(median(auditRates))) | \(format(median(auditRates) / median(rawRates), 2)) |"
        )
        print(
            "| `celltrace verify --deep` | \(format(median(deepRates))) | \(format(median(deepRates) / median(rawRates), 2)) |"
        )
    }
}
removeAll(verifyLedgerPath)
removeAll(rawVerifyPath)

if sections.contains("profile-io") {
    // Where a durable batch's time goes: the same work with and without fsync, raw and ledger.
    let count = entriesPerRun
    var rows: [String] = []
    for durable in [false, true] {
        let rawStore = RawLoops.Store(path: "\(directory)/io-raw-\(durable)", durable: durable)
        let rawRate = Double(count) / RawLoops.append(store: rawStore, entry: rawEntry, count: count, batch: 1000)
        let ledger = try Ledger.create(
            at: "\(directory)/io-ledger-\(durable)",
            options: Ledger.Options(durable: durable, initialMapSize: 1 << 30)
        )
        let drafts = (0..<count).map {
            EntryDraft(type: "generic", actor: "urn:celltrace:actor:refiner", body: body($0))
        }
        let clock = Stopwatch()
        var start = 0
        while start < count {
            try ledger.append(Array(drafts[start..<min(count, start + 1000)]))
            start += 1000
        }
        let ledgerRate = Double(count) / clock.seconds
        rows.append(
            "\(durable ? "durable" : "non-durable"): raw \(format(rawRate)), CellTrace \(format(ledgerRate)) entries/s"
        )
        removeAll("\(directory)/io-raw-\(durable)")
        removeAll("\(directory)/io-ledger-\(durable)")
    }
    print("profile-io (batches of 1,000): " + rows.joined(separator: "; "))
}

if sections.contains("profile-seal") {
    // Sealing alone, on one thread and on two, to see whether it scales on this machine.
    let drafts = (0..<entriesPerRun).map {
        EntryDraft(type: "generic", actor: "urn:celltrace:actor:refiner", body: body($0))
    }
    let one = Stopwatch()
    for (record, draft) in drafts.enumerated() {
        _ = try Ledger.seal(draft, record: record, origin: "bench.celltrace.local/ledger")
    }
    let oneRate = Double(drafts.count) / one.seconds
    let two = Stopwatch()
    try sealOnTwoThreads(drafts)
    let twoRate = Double(drafts.count) / two.seconds
    print("profile-seal: one thread \(format(oneRate)) drafts/s, two threads \(format(twoRate)) drafts/s")
}

if sections.contains("lending") {
    LendingBench.run()
}

if sections.contains("profile-append") {
    // For profilers: only the ledger's own append path, non-durable, batches of 1,000.
    let ledger = try Ledger.create(at: "\(directory)/profile", options: Ledger.Options(durable: false))
    let drafts = (0..<entriesPerRun).map {
        EntryDraft(type: "generic", actor: "urn:celltrace:actor:refiner", body: body($0))
    }
    let clock = Stopwatch()
    var start = 0
    while start < drafts.count {
        try ledger.append(Array(drafts[start..<min(drafts.count, start + 1000)]))
        start += 1000
    }
    print("profile-append: \(format(Double(drafts.count) / clock.seconds)) entries/s (non-durable)")
    let sealClock = Stopwatch()
    for (record, draft) in drafts.enumerated() {
        _ = try Ledger.seal(draft, record: record, origin: "bench.celltrace.local/ledger")
    }
    print("  sealing alone: \(format(sealClock.seconds / Double(drafts.count) * 1e9)) ns per draft")
    removeAll("\(directory)/profile")
}

if sections.contains("profile-verify") {
    // For profilers: build a ledger quickly, then audit it five times.
    let ledger = try Ledger.create(at: "\(directory)/profile-verify", options: Ledger.Options(durable: false))
    var start = 0
    while start < entriesPerRun {
        let end = min(entriesPerRun, start + 10_000)
        try ledger.append(
            (start..<end).map { EntryDraft(type: "generic", actor: "urn:celltrace:actor:refiner", body: body($0)) }
        )
        start = end
    }
    let clock = Stopwatch()
    for _ in 0..<5 {
        let report = try ledger.audit()
        precondition(report.isValid)
    }
    print("profile-verify: \(format(Double(entriesPerRun * 5) / clock.seconds)) entries/s")
    removeAll("\(directory)/profile-verify")
}

if sections.contains("proofs") {
    print("")
    print("## Proofs")
    do {
        let path = "\(directory)/proofs"
        let ledger = try Ledger.create(
            at: path,
            origin: "bench.celltrace.local/proofs",
            options: Ledger.Options(durable: false, initialMapSize: 1 << 30)
        )
        let build = Stopwatch()
        var index = 0
        while index < proofEntries {
            let end = min(proofEntries, index + 10_000)
            var drafts: [EntryDraft] = []
            drafts.reserveCapacity(end - index)
            for sequence in index..<end {
                drafts.append(
                    EntryDraft(type: "generic", actor: "bench", body: .object(["n": .number(Double(sequence))]))
                )
            }
            try ledger.append(drafts)
            index = end
            progress("building the proof ledger", done: index, total: proofEntries)
        }
        print("built in \(format(build.seconds, 1)) s (non-durable commits; proofs do not depend on durability)")
        var generator = SystemRandomNumberGenerator()
        let size = UInt64(proofEntries)
        print("| proofs at \(format(Double(proofEntries))) entries | p50 µs | p99 µs | max µs |")
        print("|---|---:|---:|---:|")
        // Two passes of random proofs: the first pays the process's first touches of the mapped
        // pages (minor faults), the second is a warm, long-running process.
        for pass in ["first touch", "warm"] {
            var inclusion: [Double] = []
            var consistency: [Double] = []
            for _ in 0..<(proofEntries < 1_000_000 ? 2_000 : 20_000) {
                let sequence = UInt64.random(in: 0..<size, using: &generator)
                let clock = Stopwatch()
                let proof = try ledger.inclusionProof(forEntryAt: sequence)
                inclusion.append(clock.seconds * 1e6)
                precondition(!proof.hashes.isEmpty || size == 1)
                let old = UInt64.random(in: 1...size, using: &generator)
                let consistencyClock = Stopwatch()
                _ = try ledger.consistencyProof(from: old, to: size)
                consistency.append(consistencyClock.seconds * 1e6)
            }
            inclusion.sort()
            consistency.sort()
            for (name, samples) in [("inclusion", inclusion), ("consistency", consistency)] {
                let row = [percentile(samples, 50), percentile(samples, 99), samples.last ?? 0].map { format($0, 1) }
                print("| \(name), \(pass) | " + row.joined(separator: " | ") + " |")
            }
        }

        let heapBefore = anonymousResidentMiB()
        let clock = Stopwatch()
        var heapPeak = heapBefore
        let report = try ledger.audit { done, _ in
            heapPeak = max(heapPeak, anonymousResidentMiB())
            _ = done
        }
        precondition(report.isValid)
        print("")
        print(
            "audit of \(format(Double(report.entriesChecked))) entries: \(format(Double(report.entriesChecked) / clock.seconds)) entries/s; anonymous resident memory \(format(heapBefore, 1)) MiB before, \(format(heapPeak, 1)) MiB peak during (LMDB pages are file-backed and not counted)"
        )
        removeAll(path)
    }
}

if sections.contains("custody") {
    try CustodyBench.run(directory: directory, runs: runs)
}

if sections.contains("import") {
    try ImportBench.run(
        directory: directory,
        runs: runs,
        documents: importDocuments,
        eventsPerDocument: 10_000,
        rawEntry: rawEntry
    )
}

if sections.contains("import-memory") {
    try ImportBench.memory(directory: directory, documents: importDocuments, eventsPerDocument: 10_000)
}

if sections.contains("provenance") {
    try ProvenanceBench.run(
        ProvenanceBench.Configuration(
            directory: directory,
            ledgerPath: provenanceLedger,
            cells: provenanceCells,
            cellsPerLot: provenanceCellsPerLot,
            seed: provenanceSeed,
            runs: runs,
            samples: provenanceSamples
        )
    )
}

if sections.contains("tree-floor") {
    ImportBench.treeFloor(runs: runs)
}
