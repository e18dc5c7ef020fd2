import LedgerCore

/// Why `String.withUTF8Bytes` lends through contiguous storage rather than a UTF-8 span: the
/// nanoseconds per call of each way of lending a string's UTF-8, for a small (inline) and a large
/// (heap) string, median of five passes.
enum LendingBench {
    @inline(never) static func bySpan(_ string: String) -> Int {
        string.utf8Span.span.withUnsafeBufferPointer { Int($0[0]) &+ $0.count }
    }

    @inline(never) static func byStorage(_ string: String) -> Int {
        string.utf8.withContiguousStorageIfAvailable { Int($0[0]) &+ $0.count } ?? 0
    }

    @inline(never) static func byHelper(_ string: String) -> Int {
        string.withUTF8Bytes { Int($0[0]) &+ $0.count }
    }

    @inline(never) static func time(_ lend: (String) -> Int, _ string: String, calls: Int) -> Double {
        var passes: [Double] = []
        var sink = 0
        for _ in 0..<5 {
            let clock = Stopwatch()
            for _ in 0..<calls { sink &+= lend(string) }
            passes.append(clock.seconds / Double(calls) * 1e9)
        }
        precondition(sink != 0)
        return median(passes)
    }

    static func run(calls: Int = 10_000_000) {
        // Built at run time, so that neither is a literal the optimiser can see through.
        let large = ["urn:epc:class:lgtin:6900002.000021.LHM-", String(calls)].joined()
        let small = String(large.suffix(9))
        print("\n## Lending a string's UTF-8 (ns per call, median of 5 passes of \(format(Double(calls))))")
        print("| string | utf8Span | utf8.withContiguousStorageIfAvailable | withUTF8Bytes |")
        print("|---|---:|---:|---:|")
        for (name, string) in [("small (9 bytes)", small), ("large (\(large.utf8.count) bytes)", large)] {
            let row = [
                time(bySpan, string, calls: calls), time(byStorage, string, calls: calls),
                time(byHelper, string, calls: calls),
            ]
            print("| \(name) | " + row.map { format($0, 1) }.joined(separator: " | ") + " |")
        }
    }
}
