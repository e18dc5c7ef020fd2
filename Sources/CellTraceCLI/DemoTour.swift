import ArgumentParser
import CellTraceDemoData
import LedgerCore

/// The steps of `celltrace demo`: the dataset written out, the ledger built through the ordinary
/// commands (keys, actors, facilities, factors, models, signed EPCIS imports), then the tour.
///
/// Every step runs a real `celltrace` command in this process and prints it as `$ celltrace …`
/// without the `--ledger` the demo adds, so a reader can repeat it with `CELLTRACE_LEDGER` set.
struct DemoTour {
    /// The demo dataset: built into the binary, or read from a directory.
    struct Dataset {
        /// File bytes by path relative to the dataset's root.
        var files: [String: [UInt8]]
        var network: JSONValue
        var expected: JSONValue

        init(fixtures: String?) throws {
            if let fixtures {
                var files: [String: [UInt8]] = [:]
                for name in ["network.json", "factors.json", "expected.json"] {
                    files[name] = try Self.read(fixtures, name)
                }
                let network = try Self.parse(files, "network.json")
                for submission in network["submissions"]?.arrayValue ?? [] {
                    let name = submission["file"]?.stringValue ?? ""
                    files[name] = try Self.read(fixtures, name)
                }
                self.files = files
            } else {
                files = DemoDataset.files
            }
            network = try Self.parse(files, "network.json")
            expected = try Self.parse(files, "expected.json")
        }

        private static func read(_ directory: String, _ name: String) throws -> [UInt8] {
            do {
                return try FileIO.readAll(directory + "/" + name)
            } catch let error as FileIO.Error {
                throw Failure.badInput("--fixtures \(directory): \(error.message); it must hold the demo dataset")
            }
        }

        private static func parse(_ files: [String: [UInt8]], _ name: String) throws -> JSONValue {
            guard let bytes = files[name] else { throw Failure.badInput("the demo dataset has no \(name)") }
            do {
                return try JSONValue(parsing: bytes)
            } catch let error as LedgerError {
                throw Failure.badInput("the demo dataset's \(name) is not valid JSON: \(error.message)")
            }
        }
    }

    let directory: String
    let dataset: Dataset
    /// JSON mode: nothing but the final summary is printed.
    let quiet: Bool
    private var step = 0
    /// Events declared in error by the imported submissions.
    private(set) var retractions = 0
    /// The entry of the factor table, for the verifier's attestation.
    private(set) var factorTableEntry: Int?
    /// Each actor's submissions: the submission entry through its last event, in import order.
    private(set) var submissionEntries: [String: [ClosedRange<Int>]] = [:]
    /// An entry the tour's verifier attested, for the closing suggestions; `nil` when it attested none.
    var attestedEntry: Int?

    var ledgerPath: String { directory + "/ledger" }
    var datasetPath: String { directory + "/dataset" }
    var keysPath: String { directory + "/keys" }
    var proofsPath: String { directory + "/proofs" }
    var exportsPath: String { directory + "/exports" }

    init(directory: String, dataset: Dataset, quiet: Bool) throws {
        guard FileIO.isMissingOrEmptyDirectory(directory) else {
            throw Failure.badInput(
                "\(directory) exists and is not empty; the demo builds a fresh ledger: remove it or give another --dir"
            )
        }
        self.directory = directory
        self.dataset = dataset
        self.quiet = quiet
    }

    // MARK: Building the ledger

    /// Writes the dataset out and builds the ledger from it with the ordinary commands.
    ///
    /// - Parameter imported: Called after each submission is imported, while the ledger is as that import left it,
    ///   with the submission's file (relative to the dataset) and the import's `--json --event-ids` line.
    /// - Throws: What a command or `imported` throws.
    mutating func build(imported: (_ file: String, _ report: JSONValue) throws -> Void = { _, _ in }) throws {
        try writeDataset()
        let network = dataset.network
        let actors = network["actors"]?.arrayValue ?? []
        let facilities = network["facilities"]?.arrayValue ?? []
        let submissions = network["submissions"]?.arrayValue ?? []

        say(Console.styled("CellTrace demo: a mine-to-pack battery supply chain from published figures", .bold))
        say("Everything below runs in \(directory)/. To repeat any command, first:")
        say("  export CELLTRACE_LEDGER=\(ledgerPath)")

        heading("A ledger with its own signing key")
        try run(["init", "--origin", network["origin"]?.stringValue ?? "demo.celltrace.dev/ledger"], show: true)

        heading("\(actors.count) actors, each with its own Ed25519 key, and their \(facilities.count) facilities")
        for (index, actor) in actors.enumerated() {
            let id = actor["id"]?.stringValue ?? ""
            try run(["keygen", "\(keysPath)/\(id).pem"], ledger: false, show: index == 0)
            var arguments = [
                "actor", "add", id, "--role", actor["role"]?.stringValue ?? "", "--key", "\(keysPath)/\(id).pub.pem",
            ]
            if let name = actor["name"]?.stringValue { arguments += ["--legal-name", name] }
            for party in actor["parties"]?.arrayValue ?? [] { arguments += ["--party", party.stringValue ?? ""] }
            try run(arguments, show: index == 0)
        }
        say("… and the same for the other \(actors.count - 1) actors.")
        for (index, facility) in facilities.enumerated() {
            var arguments = ["facility", "add", facility["id"]?.stringValue ?? ""]
            for (option, member) in [
                ("--operator", "operator"), ("--kind", "kind"), ("--country", "country"), ("--name", "name"),
                ("--subdivision", "subdivision"), ("--region", "region"), ("--latitude", "latitude"),
                ("--longitude", "longitude"),
            ] {
                guard let value = facility[member]?.stringValue else { continue }
                arguments += value.hasPrefix("-") ? ["\(option)=\(value)"] : [option, value]
            }
            for flag in facility["risk"]?.arrayValue ?? [] { arguments += ["--risk", flag.stringValue ?? ""] }
            try run(arguments, show: index == facilities.count - 1 || !(facility["risk"]?.arrayValue ?? []).isEmpty)
        }
        try run(["facility", "list"], show: true)

        heading("Emission factors, each with its source and year, and the two cell models")
        // Run quietly and printed here: the receipt's entry number is the table's, which the
        // verifier attests later.
        let addFactors = ["factors", "add", "\(datasetPath)/factors.json"]
        say("$ celltrace " + addFactors.map(Self.quoted).joined(separator: " "))
        let factorReceipt = try run(addFactors)
        say(String(factorReceipt.hasSuffix("\n") ? factorReceipt.dropLast() : factorReceipt[...]))
        factorTableEntry = Self.entryNumber(in: factorReceipt)
        for model in dataset.network["models"]?.arrayValue ?? [] {
            var arguments = ["model", "add", model["id"]?.stringValue ?? ""]
            for (option, member) in [
                ("--name", "name"), ("--chemistry", "chemistry"), ("--category", "category"),
                ("--service-years", "serviceYears"), ("--usable-share", "usableShare"),
            ] {
                if let value = model[member]?.stringValue { arguments += [option, value] }
            }
            try run(arguments, show: true)
        }

        heading("Each actor imports its EPCIS 2.0 events as one signed submission")
        var table = TextTable("ACTOR", "DOCUMENT", "EVENTS", "SUBMISSION", "NOTE")
        // The corrective events the error declarations name, and the submissions that declare
        // them, shown after the import.
        var corrective: [String] = []
        var corrections: [Int] = []
        for (index, submission) in submissions.enumerated() {
            let actor = submission["actor"]?.stringValue ?? ""
            let name = submission["file"]?.stringValue ?? ""
            let file = "\(datasetPath)/\(name)"
            let arguments = ["import", file, "--as", actor, "--key", "\(keysPath)/\(actor).pem"]
            if index == 0 && !quiet { say("$ celltrace " + arguments.map(Self.quoted).joined(separator: " ")) }
            let output: String
            do {
                output = try run(arguments + ["--json", "--event-ids"])
            } catch {
                // Only the first import is shown: a later one that fails is named with its file,
                // as `celltrace import` names it, before the problems.
                Console.err("celltrace: \(file) (\(actor)'s submission) was not imported")
                throw error
            }
            let report = try JSONValue(parsing: Array(output.utf8))
            try imported(name, report)
            let retracted = report["retractions"]?.doubleValue ?? 0
            // The submission's entries: its own, then its events', up to the size it left.
            if let first = report["firstSequenceNumber"]?.doubleValue, let size = report["treeSize"]?.doubleValue,
                size > first
            {
                submissionEntries[actor, default: []].append(Int(first)...Int(size) - 1)
            }
            retractions += Int(retracted)
            if retracted > 0 {
                corrective += try Self.correctiveEventIDs(in: file)
                if let submission = report["firstSequenceNumber"]?.doubleValue { corrections.append(Int(submission)) }
            }
            table.add(
                actor,
                file,
                Number.fixed(report["written"]?.doubleValue ?? 0, 0),
                report["firstSequenceNumber"].map { "#" + Number.fixed($0.doubleValue ?? 0, 0) } ?? "-",
                retracted > 0 ? "declares \(Number.fixed(retracted, 0)) earlier event in error" : ""
            )
            if Console.errorIsTerminal && quiet {
                Console.progress("importing", done: UInt64(index + 1), total: UInt64(submissions.count))
            }
        }
        say(table.rendered)
        say(
            """

            The last submission corrects the one before: Debrecen's commissioning of 26 March gave 0.52 kWh
            per cell instead of 0.25. It is declared in error (EPCIS errorDeclaration) and recorded again by
            a corrective event that the declaration names; nothing is rewritten, queries see the corrected
            view and the audit sees both. `impact --entry` lists what the submission changed in every cell.
            """
        )
        if let serial = dataset.expected["cells"]?.arrayValue?.first?["serial"]?.stringValue {
            say("")
            try run(["serial", "show", serial], show: true)
        }
        // The declaration names the corrective event, and each event shows the other.
        for id in corrective {
            say("")
            try run(["event", "show", id], show: true)
        }
        // What each correcting submission changed in every cell and lot, exported or not.
        for submission in corrections {
            say("")
            try run(["impact", "--entry", String(submission)], show: true)
        }
    }

    /// The entry number a command's receipt names (`… (entry #33; ledger size 34)`).
    static func entryNumber(in receipt: String) -> Int? {
        guard let start = receipt.firstRange(of: "(entry #")?.upperBound else { return nil }
        return Int(receipt[start...].prefix(while: \.isNumber))
    }

    /// The `correctiveEventIDs` of the error declarations in an EPCIS document.
    private static func correctiveEventIDs(in file: String) throws -> [String] {
        let document = try JSONValue(parsing: try FileIO.readAll(file))
        return (document["epcisBody"]?["eventList"]?.arrayValue ?? []).flatMap { event in
            (event["errorDeclaration"]?["correctiveEventIDs"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
    }

    private func writeDataset() throws {
        do {
            try FileIO.createDirectory(keysPath)
            try FileIO.createDirectory(proofsPath)
            for (name, bytes) in dataset.files {
                let path = "\(datasetPath)/\(name)"
                if let slash = path.lastIndex(of: "/") { try FileIO.createDirectory(String(path[..<slash])) }
                try FileIO.writeNew(bytes, to: path)
            }
        } catch let error as FileIO.Error where error.diskFull {
            throw Failure(status: .internalFailure, message: error.message)
        } catch let error as FileIO.Error {
            throw Failure.badInput("\(error.message); give --dir a directory you can write to")
        }
    }

    // MARK: Running commands

    /// Runs `celltrace ARGUMENTS` in this process, with `--ledger` unless `ledger` is false.
    ///
    /// A shown command is printed as `$ celltrace …` and prints its output; any other runs silently
    /// and returns what it printed.
    @discardableResult
    func run(_ arguments: [String], ledger: Bool = true, show: Bool = false) throws -> String {
        var command = try CellTraceCommand.parseAsRoot(arguments + (ledger ? ["--ledger", ledgerPath] : []))
        if show && !quiet {
            say("$ celltrace " + arguments.map(Self.quoted).joined(separator: " "))
            try command.run()
            return ""
        }
        return try Console.capture { try command.run() }.output
    }

    /// An argument as a shell would need it.
    static func quoted(_ argument: String) -> String {
        let plain = argument.allSatisfy {
            $0.isLetter || $0.isNumber || "-_./:=@+,%#".contains($0)
        }
        return plain ? argument : "'" + argument.replacing("'", with: "'\\''") + "'"
    }

    // MARK: Printing

    func say(_ text: String) {
        if !quiet { Console.out(text) }
    }

    mutating func heading(_ text: String) {
        step += 1
        say("\n" + Console.styled("== \(step). \(text)", .bold))
    }
}
