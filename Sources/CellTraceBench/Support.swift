import CJemalloc
import CJemallocSettings
import LedgerCore

#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock timing with the monotonic clock.
struct Stopwatch {
    private let start: timespec

    init() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        start = now
    }

    var seconds: Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) / 1e9
    }
}

/// CPU time of the whole process (all threads, user and system), in seconds.
func processCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// CPU time of the calling thread (user and system), in seconds.
func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func mkdirAll(_ path: String) {
    _ = system("mkdir -p '\(path)'")
}

func removeAll(_ path: String) {
    _ = system("rm -rf '\(path)'")
}

/// Anonymous resident memory from /proc/self/status (`RssAnon`), in MiB: the heap, not mapped files.
func anonymousResidentMiB() -> Double {
    (procKiB("/proc/self/status", field: "RssAnon:") ?? 0) / 1024
}

/// The process's anonymous memory held in transparent huge pages, in MiB, or `nil` where the
/// kernel does not report it (`/proc/self/smaps_rollup`, Linux 4.14 on).
func anonymousHugePagesMiB() -> Double? {
    procKiB("/proc/self/smaps_rollup", field: "AnonHugePages:").map { $0 / 1024 }
}

/// A `kB` figure of a `/proc` file of the process (`field` is its line's first word).
private func procKiB(_ path: String, field: String) -> Double? {
    firstLine(of: path) { $0.hasPrefix(field) }.flatMap { Double($0.filter(\.isNumber)) }
}

/// The first line of a text file that `matches` accepts, or `nil` when none does or the file
/// cannot be read.
private func firstLine(of path: String, where matches: (String) -> Bool) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if matches(text) { return text }
    }
    return nil
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)
    return sorted[max(0, index)]
}

func format(_ value: Double, _ digits: Int = 0) -> String {
    var text = String(Int64((value * pow(10, Double(digits))).rounded()))
    if digits > 0 {
        while text.count <= digits { text = "0" + text }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
    }
    // Thousands separators for the integer part.
    let parts = text.split(separator: ".", maxSplits: 1)
    var integer = String(parts[0])
    var grouped = ""
    let negative = integer.hasPrefix("-")
    if negative { integer.removeFirst() }
    for (offset, character) in integer.reversed().enumerated() {
        if offset > 0 && offset % 3 == 0 { grouped.append(",") }
        grouped.append(character)
    }
    return (negative ? "-" : "") + String(grouped.reversed()) + (parts.count > 1 ? "." + parts[1] : "")
}

/// The version of the allocator the benchmark runs with: jemalloc's, which the benchmark and
/// the command-line tool link in place of glibc's malloc, as it reports itself.
func allocatorVersion() -> String? {
    var version: UnsafePointer<CChar>?
    var length = MemoryLayout<UnsafePointer<CChar>?>.size
    guard mallctl("version", &version, &length, nil, 0) == 0, let version else { return nil }
    return String(cString: version)
}

/// The start-up options the benchmark gives jemalloc (`CJemallocSettings`), with the page decay
/// and the huge-page mode jemalloc reports it runs with, which show that it read them, and the
/// kernel's transparent huge page mode, which the huge-page option needs to be `madvise` or
/// `always`.
func allocatorSettings() -> String {
    var decay = 0
    var length = MemoryLayout<Int>.size
    let reportedDecay = mallctl("opt.dirty_decay_ms", &decay, &length, nil, 0) == 0 ? "\(decay)" : "unknown"
    var mode: UnsafePointer<CChar>?
    length = MemoryLayout<UnsafePointer<CChar>?>.size
    let reportedMode = mallctl("opt.thp", &mode, &length, nil, 0) == 0 ? mode.map { String(cString: $0) } : nil
    return "\(String(cString: celltrace_jemalloc_settings())) (opt.dirty_decay_ms: \(reportedDecay), opt.thp: "
        + "\(reportedMode ?? "unknown"); kernel transparent huge pages: \(kernelHugePageMode() ?? "unknown"))"
}

/// How the Swift runtime is linked into the running benchmark.
///
/// `make` builds the benchmark and the tool with the runtime linked in (`--static-swift-stdlib`),
/// a plain `swift build` against its shared library, whose calls (every retain and release) go
/// through the procedure linkage table. Figures of the two differ by a few per cent
/// (Docs/PERFORMANCE.md, the twenty-first round).
func swiftRuntimeLinkage() -> String {
    firstLine(of: "/proc/self/maps") { $0.contains("libswiftCore.so") } == nil
        ? "linked in (--static-swift-stdlib)" : "shared library (libswiftCore.so)"
}

/// The kernel's transparent huge page mode: the bracketed word of
/// `/sys/kernel/mm/transparent_hugepage/enabled` (`always`, `madvise` or `never`).
private func kernelHugePageMode() -> String? {
    guard let text = firstLine(of: "/sys/kernel/mm/transparent_hugepage/enabled", where: { _ in true }),
        let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"), open < close
    else { return nil }
    return String(text[text.index(after: open)..<close])
}

/// Runs `openssl speed` for SHA-256 on 1 KiB blocks, the machine's hashing limit, in MB/s.
func opensslSHA256Speed() -> Double? {
    guard let pipe = popen("openssl speed -seconds 1 -bytes 1024 sha256 2>/dev/null | tail -1", "r") else { return nil }
    defer { pclose(pipe) }
    var buffer = [CChar](repeating: 0, count: 512)
    guard fgets(&buffer, 512, pipe) != nil else { return nil }
    let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    // "sha256  123456.78k" — the last field is in thousands of bytes per second.
    guard let last = line.split(separator: " ").last(where: { !$0.isEmpty && $0 != "\n" }) else { return nil }
    let trimmed = last.trimmingSuffix("\n").trimmingSuffix("k")
    return Double(trimmed).map { $0 * 1000 / 1_000_000 }
}

extension Substring {
    func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self
    }
}

/// A file's size in bytes, or 0 when it cannot be read.
func fileSize(_ path: String) -> Double {
    // The end of the file, found with lseek: `struct stat` does not import cleanly beside Dispatch.
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return 0 }
    defer { close(descriptor) }
    let end = lseek(descriptor, 0, SEEK_END)
    return end >= 0 ? Double(end) : 0
}

/// Seals drafts in two halves, the second on another POSIX thread (outside the main actor).
func sealOnTwoThreads(_ drafts: [EntryDraft]) throws {
    final class Box: @unchecked Sendable {
        // Safety: written before pthread_create and only read by the second thread until pthread_join.
        var drafts: ArraySlice<EntryDraft> = []
    }
    let half = drafts.count / 2
    let box = Box()
    box.drafts = drafts[half...]
    var thread = pthread_t()
    let argument = Unmanaged.passRetained(box).toOpaque()
    pthread_create(
        &thread,
        nil,
        { argument in
            guard let argument else { return nil }
            let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
            for (record, draft) in zip(box.drafts.indices, box.drafts) {
                _ = try? Ledger.seal(draft, record: record, origin: "bench.celltrace.local/ledger")
            }
            return nil
        },
        argument
    )
    for record in 0..<half {
        _ = try Ledger.seal(drafts[record], record: record, origin: "bench.celltrace.local/ledger")
    }
    pthread_join(thread, nil)
}

/// A progress line on standard error, redrawn in place.
///
/// Silent when standard error is not a terminal, so redirected results stay clean; called outside
/// the timed sections.
func progress(_ label: String, done: Int, total: Int) {
    guard isatty(STDERR_FILENO) == 1, total > 0 else { return }
    let width = 30
    let filled = min(width, done * width / total)
    let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    var line = "\r\(label) \(bar) \(done)/\(total)" + (done >= total ? "\r\u{1B}[K" : "")
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
