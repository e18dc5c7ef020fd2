import Synchronization
import Testing

@testable import LedgerStorage

@Suite struct ConcurrencyTests {
    /// Readers see a consistent prefix while one writer appends.
    ///
    /// The writer appends one entry per transaction and records the count in `meta`, starting from a
    /// tiny map so that it grows while readers are active. Each reader's snapshot must be a prefix:
    /// the recorded count, the table's size and the last key agree, and spot-checked rows are intact.
    @Test func readersAlwaysSeeAConsistentPrefixWhileTheWriterAppends() throws {
        try withTemporaryEnvironment(options: testOptions(mapSize: 64 << 10)) { env in
            let entries = try env.table("entries")
            let meta = try env.table("meta")
            let total: UInt64 = 1_500
            let writerDone = Atomic<Bool>(false)
            let failures = FailureLog()
            let snapshots = Atomic<Int>(0)
            let countKey = Array("count".utf8)

            let writer: @Sendable () -> Void = {
                defer { writerDone.store(true, ordering: .releasing) }
                do {
                    for index in 0..<total {
                        try env.write { txn in
                            try txn.put(
                                payload(index, length: 700),
                                forKey: BigEndianKey.encode(index),
                                in: entries,
                                mode: .append
                            )
                            try txn.put(BigEndianKey.encode(index + 1), forKey: countKey, in: meta)
                        }
                    }
                } catch {
                    failures.record("writer: \(error)")
                }
            }
            let reader: @Sendable (Int) -> Void = { seed in
                var probe = UInt64(seed)
                var lastSeen: UInt64 = 0
                repeat {
                    do {
                        let problem: String? = try env.read { txn in
                            let recorded = try txn.value(in: meta, forKey: countKey).flatMap(BigEndianKey.decode) ?? 0
                            let stored = UInt64(try txn.count(entries))
                            guard stored == recorded else {
                                return "count \(recorded) but \(stored) rows"
                            }
                            guard recorded >= lastSeen else {
                                return "went back from \(lastSeen) to \(recorded)"
                            }
                            lastSeen = recorded
                            guard recorded > 0 else {
                                return nil
                            }
                            let cursor = try txn.cursor(entries)
                            guard try cursor.last()?.key == BigEndianKey.encode(recorded - 1) else {
                                return "last key is not \(recorded - 1)"
                            }
                            probe = (probe &* 6_364_136_223_846_793_005 &+ 1) % recorded
                            guard
                                try txn.value(in: entries, forKey: BigEndianKey.encode(probe))
                                    == payload(probe, length: 700)
                            else {
                                return "row \(probe) differs"
                            }
                            return nil
                        }
                        if let problem {
                            failures.record("reader \(seed): \(problem)")
                            return
                        }
                        snapshots.add(1, ordering: .relaxed)
                    } catch {
                        failures.record("reader \(seed): \(error)")
                        return
                    }
                } while !writerDone.load(ordering: .acquiring)
            }

            runOnThreads([writer, { reader(1) }, { reader(2) }, { reader(3) }])

            #expect(failures.all == [])
            #expect(snapshots.load(ordering: .relaxed) > 3)
            #expect(try env.read { try $0.count(entries) } == Int(total))
            #expect(env.growthStatistics.doublings > 0)
        }
    }

    /// Several threads write concurrently; LMDB's writer lock serializes them and none is lost, even
    /// while they take turns growing the map.
    @Test func concurrentWritersAreSerialized() throws {
        try withTemporaryEnvironment(options: testOptions(mapSize: 64 << 10)) { env in
            let meta = try env.table("meta")
            let entries = try env.table("entries")
            let failures = FailureLog()
            let counter = Array("counter".utf8)
            let writer: @Sendable () -> Void = {
                do {
                    for _ in 0..<200 {
                        try env.write { txn in
                            let current = try txn.value(in: meta, forKey: counter).flatMap(BigEndianKey.decode) ?? 0
                            try txn.put(
                                payload(current, length: 900),
                                forKey: BigEndianKey.encode(current),
                                in: entries,
                                mode: .append
                            )
                            try txn.put(BigEndianKey.encode(current + 1), forKey: counter, in: meta)
                        }
                    }
                } catch {
                    failures.record("\(error)")
                }
            }
            runOnThreads([writer, writer, writer, writer])
            #expect(failures.all == [])
            #expect(try env.read { try $0.value(in: meta, forKey: counter) } == BigEndianKey.encode(800))
            #expect(try env.read { try $0.count(entries) } == 800)
        }
    }
}
