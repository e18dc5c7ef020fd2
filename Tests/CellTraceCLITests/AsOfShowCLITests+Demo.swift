import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// The demo's ledger read `--as-of` the size each of its imports left: the as-of replay of
/// custody, containers and declarations against what the import's own rows said then.
extension AsOfShowCLITests {
    /// What a `show` command printed: its JSON, or the exit status it failed with.
    enum Shown: Equatable {
        case json(JSONValue)
        case failed(Int32)

        var failed: Bool {
            guard case .failed = self else { return false }
            return true
        }
    }

    /// A `show` command and what it printed right after the import of `file`, which left the
    /// ledger at `size`.
    struct Reading {
        let file: String
        let size: Int
        let command: [String]
        let shown: Shown
    }

    /// What `celltrace COMMAND --json` prints, `--as-of size` when a size is given.
    ///
    /// As of a size, `asOfSize` is left out when it names that size, so that the output compares
    /// with the one printed when the ledger had that size.
    static func shown(_ command: [String], _ ledger: String, asOf size: Int? = nil) -> Shown {
        let asOf = size.map { ["--as-of", String($0)] } ?? []
        let result = celltrace(command + ["--json", "--ledger", ledger] + asOf)
        guard result.status == 0, var object = (try? JSONValue(parsing: result.output))?.objectValue else {
            return .failed(result.status)
        }
        if let size, object["asOfSize"] == .number(Double(size)) { object.removeValue(forKey: "asOfSize") }
        return .json(.object(object))
    }

    /// The members in which two outputs differ, each with both values.
    static func differences(_ then: Shown, _ asOf: Shown, size: Int) -> String {
        func brief(_ value: JSONValue?) -> String {
            guard let value else { return "(absent)" }
            let text = value.canonicalString
            return text.count > 300 ? String(text.prefix(300)) + "…" : text
        }
        guard case .json(let before) = then, case .json(let after) = asOf else {
            func status(_ shown: Shown) -> String {
                guard case .failed(let status) = shown else { return "exit 0" }
                return "exit \(status)"
            }
            return "then \(status(then)), as of \(size) \(status(asOf))"
        }
        let keys = Set(before.objectValue?.keys ?? []).union(after.objectValue?.keys ?? []).sorted()
        return keys.filter { before[$0] != after[$0] }
            .map { "`\($0)` then \(brief(before[$0])), as of \(size) \(brief(after[$0]))" }
            .joined(separator: "; ")
    }

    /// The `lot show` and `serial show` commands of the lots, modules, packs and some cells each
    /// of the demo's documents names first, document by document: of the cells, the first each
    /// module was assembled from and the last of each range, which no module holds.
    static func demoCommands(_ dataset: DemoTour.Dataset) throws -> [[[String]]] {
        var named: Set<String> = []
        return try (dataset.network["submissions"]?.arrayValue ?? []).map { submission in
            let bytes = try #require(dataset.files[submission["file"]?.stringValue ?? ""])
            let text = String(decoding: bytes, as: UTF8.self)
            let lots = text.matches(of: #/urn:celltrace:lot:[A-Za-z0-9._-]+/#).map { String($0.0) }
            var units = text.matches(of: #/urn:epc:id:(?:giai|sscc):[A-Za-z0-9.%_-]+/#).map { String($0.0) }
            for event in try JSONValue(parsing: bytes)["epcisBody"]?["eventList"]?.arrayValue ?? [] {
                let children = (event["childEPCs"]?.arrayValue ?? []).compactMap(\.stringValue)
                units += children.prefix { $0.hasPrefix("urn:epc:id:sgtin:") }.prefix(1)
                for range in event["ct:serialRanges"]?.arrayValue ?? [] {
                    guard let prefix = range["prefix"]?.stringValue, let last = range["last"]?.stringValue else {
                        continue
                    }
                    units.append(prefix + last)
                }
            }
            let lotCommands = lots.filter { named.insert($0).inserted }.map { ["lot", "show", $0] }
            return lotCommands + units.filter { named.insert($0).inserted }.map { ["serial", "show", $0] }
        }
    }

    /// The demo's ledger reads `--as-of` each import's size as it read right after that import.
    ///
    /// The demo's documents are imported one at a time: after each, what `lot show` and `serial show`
    /// print of every lot, module and pack the documents so far name, of a cell of each module and
    /// of the last cell of each range (and fail for those the next document names), and what
    /// `event show` prints of each event the import listed, is what they print `--as-of` that size
    /// once all are imported, but for `asOfSize`, with the same exit status when
    /// they failed. Each event is also read at the last size: what `event show` prints of an
    /// event changes only with a declaration or a corrective event, and the demo's only
    /// declaration is in its last document.
    @Test func theDemoReadsAsOfEachImportAsItDidThen() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dataset = try DemoTour.Dataset(fixtures: fixturesPath("demo"))
        let named = try Self.demoCommands(dataset)
        var tour = try DemoTour(directory: directory + "/demo", dataset: dataset, quiet: true)
        let ledger = tour.ledgerPath
        var readings: [Reading] = []
        var events: [String] = []
        var imports = 0
        try tour.build { file, report in
            let size = Int(try #require(report["treeSize"]?.doubleValue))
            let listed = (report["eventIDs"]?.arrayValue ?? []).compactMap(\.stringValue)
            events += listed
            imports += 1
            let commands = named.prefix(imports + 1).joined() + listed.map { ["event", "show", $0] }
            for command in commands {
                readings.append(Reading(file: file, size: size, command: command, shown: Self.shown(command, ledger)))
            }
        }
        let last = try #require(readings.last)
        for event in events where !readings.contains(where: { $0.size == last.size && $0.command.last == event }) {
            let command = ["event", "show", event]
            readings.append(
                Reading(file: last.file, size: last.size, command: command, shown: Self.shown(command, ledger))
            )
        }
        // Every lot, unit and cell named, and each of the demo's 66 events, is there once all are imported.
        #expect(imports == named.count && events.count == 66)
        let missing = readings.filter { $0.size == last.size && $0.shown.failed }.map(\.command)
        #expect(missing.isEmpty, "not on the demo's ledger: \(missing)")

        var differing: [String] = []
        for reading in readings {
            let asOf = Self.shown(reading.command, ledger, asOf: reading.size)
            guard asOf != reading.shown else { continue }
            differing.append(
                "after \(reading.file) (ledger size \(reading.size)), `\(reading.command.joined(separator: " ")) "
                    + "--as-of \(reading.size) --json` differs from what it printed then: "
                    + Self.differences(reading.shown, asOf, size: reading.size)
            )
        }
        // The first few in full, then how many.
        for difference in differing.prefix(5) { Issue.record(Comment(rawValue: difference)) }
        let count = differing.count
        #expect(count == 0, "\(count) of \(readings.count) commands differ as of their size")
    }
}
