import ArgumentParser
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain

/// The `celltrace import` command: an EPCIS submission.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import EPCIS 2.0 documents or JSON Lines of events, each file as one signed submission.",
        discussion: prose(
            """
            Each file is validated first: if anything is wrong, nothing of it is written and every
            problem is listed with the event's index, eventID and field (exit 2). Events already in
            the ledger are skipped. The submission is signed with the actor's key; the signature
            covers the hash of every event entry. Prints the counts, the new size and the checkpoint.

            Several files are imported in the order given, each as its own submission and each
            checked with the files before it written, so a file may use the lots an earlier one
            made; the next file is read on a second thread while one is written. The import stops at
            the first file that fails: the files before it stay imported, and the rest are not imported.
            A dry run of several files writes none and checks each as the import would, with the
            files before it as they would be written.
            With --json, one line per file, each with its "file" (a single file too); with
            --dry-run, "written" counts the events that would be written. The file that fails
            gets a line with its "error", "code" and "problems" (each with the event's "index",
            "eventID", "field" and "message"), beside the text on standard error, and each file
            after it a line with "code": "notChecked".

            A valid event that the ledger reads as doing less than it seems to (an owning_party
            destination on an event whose bizStep is not shipping, which moves no custody; a DELETE
            of lots, which keeps their balances) gives a warning on standard error (and in the
            file's "warnings" with --json); it is imported.
            With --json --event-ids, each file's line lists its "eventIDs" in the file's order,
            with the CBV 2.0 hash ID given to each event that had none.

            Example:
              celltrace import shipments.jsonld --as sichuan-lithium --key keys/sichuan-lithium.pem
              celltrace import events.jsonl --as cell-co --key keys/cell-co.pem --dry-run
              celltrace import day-*.jsonld --as cell-co --key keys/cell-co.pem
            """
        )
    )

    @OptionGroup var options: LedgerOptions

    @Argument(
        help: ArgumentHelp(
            "EPCIS documents (JSON/JSON-LD) or JSON Lines of events, imported in order; - for stdin.",
            valueName: "file"
        )
    )
    var files: [String]

    @Option(name: .customLong("as"), help: "The submitting actor.")
    var actor: String

    @Option(help: ArgumentHelp("The actor's private key (PEM).", valueName: "key.pem"))
    var key: String

    @Flag(name: .customLong("dry-run"), help: "Validate only; write nothing.")
    var dryRun = false

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(
        name: .customLong("event-ids"),
        help: "With --json, list each file's eventIDs in its order, with the hash IDs given to events that had none."
    )
    var eventIDs = false

    func validate() throws {
        if eventIDs, !json { throw ValidationError("--event-ids lists the eventIDs in the JSON output: add --json") }
        guard !files.isEmpty else { throw ValidationError("give at least one file to import") }
        guard files.filter({ $0 == "-" }).count <= 1 else {
            throw ValidationError("standard input (-) can be read only once")
        }
    }

    func run() throws {
        let privateKey: Ed25519PrivateKey
        let chain: SupplyChainLedger
        do {
            privateKey = try PrivateKeyFile.read(key, hint: "give the PEM file `celltrace keygen` wrote for \(actor)")
            chain = try options.openChain()
        } catch {
            // With --json a program still reads one line per file: none was checked.
            for file in files { showRefusal(error, file: file) }
            throw error
        }
        guard files.count > 1 else {
            let report: ImportReport
            do {
                let bytes = try InputFile.read(files[0])
                report = try chain.importSubmission(bytes, actor: actor, key: privateKey, dryRun: dryRun) {
                    done,
                    total in
                    if total >= 2048 { Console.progress("validating", done: UInt64(done), total: UInt64(total)) }
                }
            } catch {
                // Which file, as for several; the error itself names the record and the field.
                showRefusal(error, file: files[0])
                Console.err("\(Console.errorPrefix) \(files[0]) was not \(notDone(error))")
                throw error
            }
            try show(report, file: files[0], prefixed: false, chain: chain)
            return
        }
        var imported = 0
        // What a dry run's documents would make the ledger's size, one after the other.
        var sizeBefore = try chain.ledger.size
        do {
            try chain.importSubmissions(
                count: files.count,
                actor: actor,
                key: privateKey,
                dryRun: dryRun,
                document: { try InputFile.read(files[$0]) },
                progress: { index, done, total in
                    if total >= 2048 {
                        Console.progress("validating \(files[index])", done: UInt64(done), total: UInt64(total))
                    }
                },
                imported: { index, report in
                    try show(report, file: files[index], prefixed: true, chain: chain, sizeBefore: sizeBefore)
                    sizeBefore = report.sizeAfter ?? sizeBefore
                    imported += 1
                }
            )
        } catch {
            showRefusal(error, file: files[imported])
            // With --json every file gets its line: those after the one that failed, not checked.
            if json {
                for file in files[(imported + 1)...] {
                    let object: [String: JSONValue] = [
                        "file": .string(file), "dryRun": .bool(dryRun), "code": "notChecked",
                        "error": .string("not \(dryRun ? "checked" : "imported"): \(files[imported]) before it failed"),
                    ]
                    Console.out(JSONValue.object(object).canonicalString)
                }
            }
            let rest = files.count - imported - 1
            let before = imported == 1 ? "the file before it" : "the \(imported) files before it"
            let after = rest == 1 ? "the file after it was" : "the \(rest) files after it were"
            var line = "\(Console.errorPrefix) \(files[imported]) was not \(notDone(error))"
            let kept = dryRun ? "passed" : imported == 1 ? "stays imported" : "stay imported"
            if imported > 0 { line += "; \(before) \(kept)" }
            if rest > 0 { line += "; \(after) not \(dryRun ? "checked" : "imported")" }
            Console.err(line)
            throw error
        }
    }

    /// What became of a file that `error` stopped: not imported, or in a dry run not valid when
    /// the error is the file's, and not checked when it is the ledger's (its indexes, its storage).
    private func notDone(_ error: any Error) -> String {
        guard dryRun else { return "imported" }
        return Failure.status(of: error) == .badInput ? "valid" : "checked"
    }

    /// With --json, prints the line of the file that was not imported (or not valid): its `error`
    /// and `code`, and for a refused submission every problem, each with the event's `index`, its
    /// `eventID` when known, the `field` and the `message`, so that a program need not parse the
    /// text that goes to standard error as well (which lists the first 200).
    private func showRefusal(_ error: any Error, file: String) {
        guard json else { return }
        var object: [String: JSONValue] = ["file": .string(file), "dryRun": .bool(dryRun)]
        switch error {
        case let error as SupplyChainError:
            object["error"] = .string(error.message)
            object["code"] = .string(error.code.rawValue)
            object["problems"] = Self.json(error.problems)
        case let error as LedgerError:
            object["error"] = .string(error.message)
            object["code"] = .string("\(error.code)")
        case let failure as Failure:
            object["error"] = .string(failure.message)
            object["code"] = .string(failure.status == .badInput ? "badInput" : "\(failure.status)")
        default:
            object["error"] = .string("\(error)")
        }
        Console.out(JSONValue.object(object).canonicalString)
    }

    /// Problems or warnings as JSON: each with the event's `index`, its `line` in a JSON Lines
    /// file, its `eventID` when known, the `field` and the `message`.
    private static func json(_ problems: [SupplyChainError.Problem]) -> JSONValue {
        .array(
            problems.map { problem in
                var member: [String: JSONValue] = [
                    "field": .string(problem.field), "message": .string(problem.message),
                ]
                if let index = problem.index { member["index"] = .number(Double(index)) }
                if let line = problem.line { member["line"] = .number(Double(line)) }
                if let identifier = problem.identifier { member["eventID"] = .string(identifier) }
                return .object(member)
            }
        )
    }

    /// Prints one file's report: in text each line prefixed with the file when there are several,
    /// in JSON every line with its `file`.
    ///
    /// Warnings go to standard error, and with --json into the file's line as `warnings` too.
    ///
    /// A dry run gives the size the ledger would have once this file, and the files checked
    /// before it, were imported: `sizeAfter`, the size it has (`treeSize`) when nothing would be
    /// written.
    private func show(
        _ report: ImportReport,
        file: String,
        prefixed: Bool,
        chain: SupplyChainLedger,
        sizeBefore: UInt64? = nil
    ) throws {
        let size = try report.receipt?.treeSize ?? chain.ledger.size
        let sizeAfter = report.sizeAfter ?? sizeBefore ?? size
        for warning in report.warnings {
            Console.err("celltrace: warning: \(prefixed ? "\(file): " : "")\(warning)")
        }
        if json {
            var object: [String: JSONValue] = [
                "events": .number(Double(report.events)), "written": .number(Double(report.written)),
                "alreadyPresent": .number(Double(report.alreadyPresent)),
                "repeated": .number(Double(report.repeated)),
                "retractions": .number(Double(report.retractions)), "dryRun": .bool(dryRun),
                "treeSize": .number(Double(size)),
            ]
            if dryRun { object["sizeAfter"] = .number(Double(sizeAfter)) }
            if let receipt = report.receipt {
                object["firstSequenceNumber"] = .number(Double(receipt.firstSequenceNumber))
                object["checkpoint"] = .string(receipt.checkpoint.note.formatted)
            }
            object["file"] = .string(file)
            if !report.warnings.isEmpty { object["warnings"] = Self.json(report.warnings) }
            if eventIDs { object["eventIDs"] = .array(report.eventIDs.map(JSONValue.string)) }
            Console.out(JSONValue.object(object).canonicalString)
            return
        }
        let lead = prefixed ? "\(file): " : ""
        // Events skipped: in the ledger, and (when any) repeated within the file.
        let inLedger = report.alreadyPresent - report.repeated
        let repeatedText = report.repeated > 0 ? ", \(report.repeated) repeated earlier in the file" : ""
        if dryRun {
            Console.out(
                "\(lead)dry run: \(Number.count(report.events, "event", "events")) valid; \(report.written) would be written, \(inLedger) already in the ledger\(repeatedText)"
                    + "; ledger size would be \(sizeAfter)"
            )
            return
        }
        // (An event repeated in the file follows one that is written: with nothing written, none is.)
        guard let receipt = report.receipt else {
            Console.out(
                report.events == 1
                    ? "\(lead)nothing new: the event is already in the ledger (size \(size))"
                    : "\(lead)nothing new: all \(report.events) events are already in the ledger (size \(size))"
            )
            return
        }
        var line =
            "\(lead)imported \(Number.count(report.written, "event", "events")) as submission #\(receipt.firstSequenceNumber)"
        if report.alreadyPresent > 0 {
            line +=
                inLedger > 0
                ? "; \(inLedger) already in the ledger\(repeatedText), skipped"
                : "; \(report.repeated) repeated earlier in the file, skipped"
        }
        if report.retractions > 0 {
            line += "; \(Number.count(report.retractions, "error declaration", "error declarations"))"
        }
        Console.out(line)
        Console.out("ledger size \(receipt.treeSize); checkpoint:")
        Console.out(receipt.checkpoint.note.formatted, terminator: "")
    }
}

/// The `celltrace lot show` command.
struct LotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lot",
        abstract: "Show lots.",
        subcommands: [Show.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a lot: master data, balance, holders, inputs, outputs, custody and serials.",
            discussion: prose(
                """
                With --as-of, the lot as the ledger stood then: the version in force, its balance,
                holders, edges, custody and serials then, with only the declarations in error
                recorded by then applied: a certificate whose certification was declared in error
                since is listed, one declared in error by then is not.

                Example:
                  celltrace lot show urn:celltrace:lot:cam-811-0210
                  celltrace lot show urn:celltrace:lot:cam-811-0210 --as-of 2026-03-01 --json
                """
            )
        )
        @OptionGroup var options: LedgerOptions
        @OptionGroup var asOf: AsOfOption
        @Argument(help: "The lot (its epcClass).") var lot: String
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "The most rows each table prints (0 for all); --json lists every row.")
        var limit = 100

        func validate() throws {
            guard limit >= 0 else { throw ValidationError("--limit must be 0 (every row) or more") }
        }

        func run() throws {
            let chain = try options.openChain(readOnly: true)
            let size = try asOf.asOf.map { _ in try asOf.point().size(in: chain.ledger, now: try chain.ledger.size) }
            let find: (String) throws -> LotReport? = { id in
                guard let size else { return try chain.lot(id) }
                return try chain.lot(id, asOf: size)
            }
            guard let report = try foundInEitherForm(lot, chain, lot: true, find) else {
                if let size, !lot.isEmpty, let made = try foundInEitherForm(lot, chain, lot: true, chain.lot) {
                    let first = made.previousVersions.last?.createdAt ?? made.lot.createdAt
                    throw Failure.badInput(
                        "lot \(lot) was not made yet as of ledger size \(size): it was first made by entry #\(first), "
                            + "so it is in the ledger from size \(first + 1)"
                    )
                }
                throw Failure.badInput(
                    lot.isEmpty
                        ? "no lot was named: give a lot's id (its epcClass)"
                        : "no lot \(lot) in the ledger" + SupplyChainLedger.hiddenCharacters(in: lot)
                )
            }
            let lot = report.lot
            func edge(_ edge: LineageEdge, other: String) -> JSONValue {
                var object: [String: JSONValue] = [
                    "lot": .string(other), "kg": .string(edge.kg.description),
                    "seq": .number(Double(edge.sequenceNumber)),
                    "eventID": .string(edge.eventID),
                ]
                if let declared = report.declaredInError[edge.sequenceNumber] {
                    object["declaredInErrorAt"] = .number(Double(declared))
                }
                return .object(object)
            }
            // An edge whose event was declared in error, in the text's entry column.
            func entry(_ edge: LineageEdge) -> String {
                let declared = report.declaredInError[edge.sequenceNumber].map { ", declared in error at #\($0)" }
                return "#\(edge.sequenceNumber)\(declared ?? "")"
            }
            if json {
                var object: [String: JSONValue] = [
                    "id": .string(lot.id), "facility": .string(lot.facility), "createdBy": .string(lot.createdBy),
                    "createdAt": .number(Double(lot.createdAt)), "eventTime": .string(lot.eventTime),
                    "producedKg": .string(lot.producedKg.description),
                    "consumedKg": .string(lot.consumedKg.description),
                    "balanceKg": .string(lot.balanceKg.description),
                    "certifications": .array(lot.certifications.map(JSONValue.string)),
                    "elementContent": .object(lot.elementContent.mapValues { .string($0.description) }),
                    "holdings": .object(
                        Dictionary(
                            uniqueKeysWithValues: report.holdings.map {
                                ($0.actor, JSONValue.string($0.kg.description))
                            }
                        )
                    ),
                    // When each holder that received the lot by a shipment first did.
                    "heldSince": .object(
                        Dictionary(
                            uniqueKeysWithValues: report.holdings.compactMap { holding in
                                holding.since.map { (holding.actor, JSONValue.string($0)) }
                            }
                        )
                    ),
                    "madeFrom": .array(report.madeFrom.map { edge($0, other: $0.from) }),
                    "usedIn": .array(report.usedIn.map { edge($0, other: $0.to) }),
                    "custody": .array(
                        report.custody.map { event in
                            var members: [String: JSONValue] = [
                                "kind": .string(event.kind.rawValue), "seq": .number(Double(event.sequenceNumber)),
                                "hashID": .string(event.hashID), "eventTime": .string(event.eventTime),
                                "actor": .string(event.actor),
                            ]
                            if let to = event.to { members["to"] = .string(to) }
                            if let kg = event.kg { members["kg"] = .string(kg.description) }
                            if let declared = event.declaredInErrorAt {
                                members["declaredInErrorAt"] = .number(Double(declared))
                            }
                            if let version = event.version { members["version"] = .number(Double(version)) }
                            return .object(members)
                        }
                    ),
                    "serialRanges": .array(
                        report.serialRanges.map {
                            .object([
                                "prefix": .string($0.prefix), "first": .string(String($0.first)),
                                "last": .string(String($0.last)),
                            ])
                        }
                    ),
                ]
                if !report.retractedSerialRanges.isEmpty {
                    object["retractedSerialRanges"] = .array(
                        report.retractedSerialRanges.map {
                            .object([
                                "prefix": .string($0.prefix), "first": .string(String($0.first)),
                                "last": .string(String($0.last)), "seq": .number(Double($0.commissionedAt)),
                                "retractedAt": .number(Double($0.retractedAt ?? 0)),
                            ])
                        }
                    )
                }
                let receipts = report.receipts
                if !receipts.isEmpty {
                    object["receipts"] = .array(
                        receipts.map {
                            .object([
                                "actor": .string($0.actor), "shippedKg": .string($0.shippedKg.description),
                                "receivedKg": .string($0.receivedKg.description),
                            ])
                        }
                    )
                }
                if let material = lot.material { object["material"] = .string(material) }
                if let grade = lot.grade { object["grade"] = .string(grade) }
                if let country = lot.countryOfOrigin { object["countryOfOrigin"] = .string(country) }
                if let retracted = lot.retractedAt { object["retractedAt"] = .number(Double(retracted)) }
                if let size = report.asOfSize { object["asOfSize"] = .number(Double(size)) }
                object["version"] = .number(Double(report.version))
                if !report.previousVersions.isEmpty {
                    object["previousVersions"] = .array(
                        report.previousVersions.map { version in
                            var members: [String: JSONValue] = [
                                "createdBy": .string(version.createdBy),
                                "createdAt": .number(Double(version.createdAt)),
                                "eventTime": .string(version.eventTime), "facility": .string(version.facility),
                                "producedKg": .string(version.producedKg.description),
                                "inputs": .array(version.inputs.map(JSONValue.string)),
                            ]
                            if let retracted = version.retractedAt {
                                members["retractedAt"] = .number(Double(retracted))
                            }
                            return .object(members)
                        }
                    )
                }
                Console.out(JSONValue.object(object).canonicalString)
                return
            }
            // Each table's first rows, and a line saying how many more there are.
            let cap = limit == 0 ? Int.max : limit
            func shown<Row>(_ rows: [Row]) -> ArraySlice<Row> { rows.prefix(cap) }
            func render(_ table: TextTable, rows: Int) {
                Console.out("\n" + table.rendered)
                if rows > cap {
                    Console.out(
                        "… and \(rows - cap) more row\(rows - cap == 1 ? "" : "s"): --limit 0 prints them all, --json lists them"
                    )
                }
            }
            Console.out("lot       \(lot.id)\(lot.retractedAt.map { "  (RETRACTED at #\($0))" } ?? "")")
            if let size = report.asOfSize { Console.out("as of     ledger size \(size)") }
            if let replaced = report.previousVersions.first {
                Console.out(
                    "version   \(report.version): made again by a corrective event; version \(report.version - 1) "
                        + "(entry #\(replaced.createdAt)) was declared in error"
                        + (replaced.retractedAt.map { " at #\($0)" } ?? "")
                )
            }
            Console.out("material  \(lot.material ?? "-")\(lot.grade.map { " (\($0))" } ?? "")")
            if !lot.elementContent.isEmpty {
                let content = lot.elementContent.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                Console.out("content   \(content.joined(separator: ", "))")
            }
            Console.out("origin    \(lot.countryOfOrigin ?? "-")")
            Console.out("made at   \(lot.facility) on \(lot.eventTime) (entry #\(lot.createdAt))")
            Console.out("mass      \(lot.producedKg) kg made, \(lot.consumedKg) kg consumed, \(lot.balanceKg) kg left")
            for holding in report.holdings {
                let since = holding.since.map { " (received since \($0))" } ?? ""
                Console.out("held by   \(holding.actor): \(holding.kg) kg\(since)")
            }
            for receipt in report.receipts {
                let open =
                    receipt.shippedKg.subtracting(receipt.receivedKg).map {
                        $0.isPositive ? ", \($0) kg not yet received" : ""
                    } ?? ""
                Console.out(
                    "receipts  \(receipt.actor): \(receipt.shippedKg) kg shipped to it, \(receipt.receivedKg) kg received\(open)"
                )
            }
            for certificate in lot.certifications { Console.out("cert      \(certificate)") }
            if !report.madeFrom.isEmpty {
                var table = TextTable("MADE FROM", "KG", "ENTRY")
                for edge in shown(report.madeFrom) { table.add(edge.from, edge.kg.description, entry(edge)) }
                render(table, rows: report.madeFrom.count)
            }
            if !report.usedIn.isEmpty {
                var table = TextTable("USED IN", "KG", "ENTRY")
                for edge in shown(report.usedIn) { table.add(edge.to, edge.kg.description, entry(edge)) }
                render(table, rows: report.usedIn.count)
            }
            if !report.custody.isEmpty {
                var table = TextTable("CUSTODY", "BY", "TO", "KG", "AT", "ENTRY")
                for event in shown(report.custody) {
                    let declared =
                        (event.version.map { ", version \($0)" } ?? "")
                        + (event.declaredInErrorAt.map { ", declared in error at #\($0)" } ?? "")
                    table.add(
                        event.kind == .consumed ? "consumed, nothing made" : event.kind.rawValue,
                        event.actor,
                        event.to ?? "-",
                        event.kg?.description ?? "-",
                        event.eventTime,
                        "#\(event.sequenceNumber)\(declared)"
                    )
                }
                render(table, rows: report.custody.count)
            }
            if !report.previousVersions.isEmpty {
                var table = TextTable("VERSION", "MADE BY", "ENTRY", "KG MADE", "RETRACTED")
                for (offset, version) in shown(report.previousVersions).enumerated() {
                    table.add(
                        String(report.version - 1 - offset),
                        version.createdBy,
                        "#\(version.createdAt)",
                        version.producedKg.description,
                        version.retractedAt.map { "#\($0)" } ?? "-"
                    )
                }
                render(table, rows: report.previousVersions.count)
            }
            if !report.serialRanges.isEmpty {
                var table = TextTable("SERIALS", "CELLS", "KG/CELL", "KWH/CELL")
                for range in shown(report.serialRanges) {
                    table.add(
                        "\(range.text)",
                        String(range.count),
                        range.cellMassKg.description,
                        range.nominalEnergyKWh.description
                    )
                }
                render(table, rows: report.serialRanges.count)
            }
            if !report.retractedSerialRanges.isEmpty {
                var table = TextTable("SERIALS DECLARED IN ERROR", "CELLS", "COMMISSIONED", "RETRACTED")
                for range in shown(report.retractedSerialRanges) {
                    table.add(
                        "\(range.text)",
                        String(range.count),
                        "#\(range.commissionedAt)",
                        range.retractedAt.map { "#\($0)" } ?? "-"
                    )
                }
                render(table, rows: report.retractedSerialRanges.count)
            }
        }
    }
}

/// What `find` gives for `id`, or, when `id` names a lot or cell in the GS1 form the ledger does
/// not have it under, for the form it has, with a note on standard error naming both.
private func foundInEitherForm<Found>(
    _ id: String,
    _ chain: SupplyChainLedger,
    lot: Bool,
    _ find: (String) throws -> Found?
) throws -> Found? {
    if let found = try find(id) { return found }
    guard let form = try chain.recordedForm(of: id), let found = try find(form) else { return nil }
    noteRecordedForm(of: id, as: form, lot: lot)
    return found
}

/// The `celltrace event show` command.
struct EventCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event",
        abstract: "Show events.",
        subcommands: [Show.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show an event by eventID or hash ID: entry, type, actor, time, lots made, retraction.",
            discussion: """
                An event recorded under an eventID of its own is found by its hash ID too (the ID an
                import's warning, `lot show` or `import --json --event-ids` names). With --as-of, the
                event as the ledger stood then: a declaration in error, a corrective event and a lot
                made again recorded since are left out.

                Example:
                  celltrace event show 'ni:///sha-256;…?ver=CBV2.0'
                  celltrace event show 'ni:///sha-256;…?ver=CBV2.0' --as-of 120
                """
        )
        @OptionGroup var options: LedgerOptions
        @OptionGroup var asOf: AsOfOption
        @Argument(help: "The eventID, or the hash ID.") var eventID: String
        @Flag(help: "Print JSON.") var json = false

        /// A hash ID as the ledger writes it (`ni:///sha-256;` + lower-case hex + `?ver=CBV2.0`),
        /// from one typed in other case; any other text as it is.
        static func hashIDSpelled(_ text: String) -> String {
            let lower = text.lowercased()
            let start = "ni:///sha-256;"
            let end = "?ver=cbv2.0"
            guard lower.hasPrefix(start), lower.hasSuffix(end) else { return text }
            let digest = lower.dropFirst(start.count).dropLast(end.count)
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else { return text }
            return start + digest + "?ver=CBV2.0"
        }

        func run() throws {
            let id = Self.hashIDSpelled(eventID)
            let chain = try options.openChain(readOnly: true)
            let size = try asOf.asOf.map { _ in try asOf.point().size(in: chain.ledger, now: try chain.ledger.size) }
            guard var event = try chain.read({ reader, txn, _ in try reader.event(id, txn) }) else {
                throw Failure.badInput(
                    "no event \(eventID) in the ledger" + SupplyChainLedger.hiddenCharacters(in: eventID)
                )
            }
            // As of a size: what was recorded before it, and only the declarations recorded by then.
            let stood = { (sequence: UInt64) in size.map { sequence < $0 } ?? true }
            if let size, !stood(event.sequenceNumber) {
                throw Failure.badInput(
                    "event \(eventID) was not recorded yet as of ledger size \(size): entry #\(event.sequenceNumber) "
                        + "records it, so it is in the ledger from size \(event.sequenceNumber + 1)"
                )
            }
            if let retracted = event.retractedAt, !stood(retracted) { event.retractedAt = nil }
            let record = try chain.eventRecord(event.eventID)
            // The errorDeclaration that retracted it, as it was declared.
            let declaration = event.retractedAt == nil ? nil : record?["retraction"]?.objectValue
            // The lots it made, each with the version its id names now (or named then) when a
            // corrective event made it again since.
            let created = (record?["effects"]?["created"]?.arrayValue ?? []).compactMap(\.stringValue)
            let made = try chain.read { reader, txn, _ in
                try created.map { lot -> (lot: String, current: Lot?) in
                    let current =
                        try size.map { size in
                            try reader.lotNumber(lot, asOf: size, txn).flatMap { try reader.lot(number: $0, txn) }
                        } ?? reader.lot(lot, txn)
                    return (lot, current.flatMap { $0.createdAt == event.sequenceNumber ? nil : $0 })
                }
            }
            // The corrective events its declaration names, and the events it is named a corrective of.
            var (corrective, corrects) = try chain.read { reader, txn, _ in
                (
                    try reader.correctiveEvents(of: event.eventID, txn),
                    try reader.correctedEvents(by: event.eventID, txn)
                )
            }
            if size != nil {
                if declaration == nil { corrective = [] }
                for index in corrective.indices
                where !(corrective[index].event.map { stood($0.sequenceNumber) } ?? true) {
                    corrective[index].event = nil
                }
                corrects.removeAll { !stood($0.declaredAt) }
            }
            if json {
                var object: [String: JSONValue] = [
                    "eventID": .string(event.eventID), "hashID": .string(event.hashID), "type": .string(event.type),
                    "actor": .string(event.actor), "eventTime": .string(event.eventTime),
                    "entry": .number(Double(event.sequenceNumber)),
                ]
                if let submission = event.submission { object["submission"] = .number(Double(submission)) }
                if let retracted = event.retractedAt { object["retractedAt"] = .number(Double(retracted)) }
                if let declaration { object["errorDeclaration"] = .object(declaration) }
                if let size { object["asOfSize"] = .number(Double(size)) }
                if !made.isEmpty {
                    object["lotsMade"] = .array(
                        made.map { item in
                            var members: [String: JSONValue] = ["lot": .string(item.lot)]
                            if let current = item.current {
                                members["madeAgainBy"] = .string(current.createdBy)
                                members["madeAgainAt"] = .number(Double(current.createdAt))
                            }
                            return .object(members)
                        }
                    )
                }
                if !corrective.isEmpty {
                    object["correctiveEvents"] = .array(
                        corrective.map { item in
                            var members: [String: JSONValue] = ["eventID": .string(item.eventID)]
                            if let recorded = item.event { members["entry"] = .number(Double(recorded.sequenceNumber)) }
                            return .object(members)
                        }
                    )
                }
                if !corrects.isEmpty {
                    object["corrects"] = .array(
                        corrects.map { item in
                            .object([
                                "eventID": .string(item.event.eventID),
                                "entry": .number(Double(item.event.sequenceNumber)),
                                "declaredInErrorAt": .number(Double(item.declaredAt)),
                            ])
                        }
                    )
                }
                Console.out(JSONValue.object(object).canonicalString)
                return
            }
            let retracted = event.retractedAt.map { "  (DECLARED IN ERROR at #\($0))" } ?? ""
            Console.out("event     \(event.eventID)\(retracted)")
            if let size { Console.out("as of     ledger size \(size)") }
            Console.out("hash ID   \(event.hashID)")
            Console.out("type      \(event.type) by \(event.actor)")
            Console.out("time      \(event.eventTime)")
            Console.out(
                "entry     #\(event.sequenceNumber)\(event.submission.map { ", signed by submission #\($0)" } ?? "")"
            )
            if let declaration {
                var words: [String] = []
                if let reason = declaration["reason"]?.stringValue { words.append("reason \(reason)") }
                if let time = declaration["declarationTime"]?.stringValue { words.append("declared \(time)") }
                let said = words.isEmpty ? "declared without a reason" : words.joined(separator: "; ")
                Console.out("error     " + said)
            }
            for item in corrective {
                let status = item.event.map { "entry #\($0.sequenceNumber)" } ?? "not in the ledger yet"
                Console.out("corrected by \(item.eventID) (\(status))")
            }
            for item in corrects {
                Console.out(
                    "corrects  \(item.event.eventID) (entry #\(item.event.sequenceNumber), declared in error at #\(item.declaredAt))"
                )
            }
            for item in made {
                let again = item.current.map { ", made again by \($0.createdBy) (entry #\($0.createdAt))" } ?? ""
                Console.out("made      \(item.lot)\(again)")
            }
        }
    }
}

/// The `celltrace serial show` command.
struct SerialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serial",
        abstract: "Show cell, module and pack serials.",
        subcommands: [Show.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a serial: its cell lot, what it sits in and what it holds.",
            discussion: prose(
                """
                With --as-of, the serial as the ledger stood then: its range, the units it sat in
                and held, its history and moves recorded by then, and who had it then.

                Example:
                  celltrace serial show urn:epc:id:sgtin:4012345.011111.3
                  celltrace serial show urn:epc:id:sgtin:4012345.011111.3 --as-of 42 --json
                """
            )
        )
        @OptionGroup var options: LedgerOptions
        @OptionGroup var asOf: AsOfOption
        @Argument(help: "A cell serial (SGTIN), module or pack id.") var serial: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let chain = try options.openChain(readOnly: true)
            let size = try asOf.asOf.map { _ in try asOf.point().size(in: chain.ledger, now: try chain.ledger.size) }
            let find: (String) throws -> SerialReport? = { id in
                guard let size else { return try chain.serial(id) }
                return try chain.serial(id, asOf: size)
            }
            guard let report = try foundInEitherForm(serial, chain, lot: false, find) else {
                if let size, !serial.isEmpty, try foundInEitherForm(serial, chain, lot: false, chain.serial) != nil {
                    throw Failure.badInput(
                        "\(serial) was neither a commissioned cell serial nor an assembled module or pack as of "
                            + "ledger size \(size): it was commissioned or assembled later"
                    )
                }
                throw Failure.badInput(
                    serial.isEmpty
                        ? "no serial was named: give a cell's serial or a module's or pack's id"
                        : "\(serial) is neither a commissioned cell serial nor an assembled module or pack"
                            + SupplyChainLedger.hiddenCharacters(in: serial)
                )
            }
            if json {
                var object: [String: JSONValue] = [
                    "serial": .string(report.serial),
                    "containedIn": .array(report.containedIn.map(JSONValue.string)),
                    "children": .array(report.children.map(JSONValue.string)),
                ]
                if let range = report.range { object["cell"] = cell(range) }
                if !report.retracted.isEmpty { object["retractedCells"] = .array(report.retracted.map(cell)) }
                if !report.history.isEmpty { object["history"] = .array(report.history.map(step)) }
                if let facility = report.facility { object["facility"] = .string(facility) }
                if !report.moves.isEmpty { object["moves"] = .array(report.moves.map(move)) }
                if let custody = report.custody { object["custody"] = Self.custody(custody) }
                if let size = report.asOfSize { object["asOfSize"] = .number(Double(size)) }
                Console.out(JSONValue.object(object).canonicalString)
                return
            }
            Console.out("serial    \(report.serial)")
            if let size = report.asOfSize { Console.out("as of     ledger size \(size)") }
            if let range = report.range {
                Console.out("cell lot  \(range.lot)")
                Console.out(
                    "range     \(range.text) (\(Number.count(range.count, "cell", "cells")), entry #\(range.commissionedAt))"
                )
                Console.out(
                    "cell      \(range.cellMassKg) kg, \(range.nominalEnergyKWh) kWh nominal\(range.model.map { ", model \($0)" } ?? "")"
                )
            } else if !report.retracted.isEmpty {
                Console.out("cell      not commissioned now: every commissioning of it was declared in error")
            }
            for range in report.retracted {
                Console.out(
                    "retracted \(range.text) of lot \(range.lot), commissioned at entry "
                        + "#\(range.commissionedAt) (\(range.cellMassKg) kg, \(range.nominalEnergyKWh) kWh), "
                        + "declared in error at #\(range.retractedAt.map(String.init) ?? "?")"
                )
            }
            for (depth, unit) in report.containedIn.enumerated() {
                Console.out(depth == 0 ? "in        \(unit)" : "  within  \(unit)")
            }
            if !report.children.isEmpty {
                Console.out("holds     \(Number.count(report.children.count, "unit", "units"))")
                for child in report.children { Console.out("          \(child)") }
            }
            if let facility = report.facility { Console.out("assembled at \(facility)") }
            if let custody = report.custody { Console.out("custody   \(Self.custodyText(custody))") }
            if !report.history.isEmpty {
                Console.out("")
                Console.out("HISTORY (assemblies and disassemblies, oldest first)")
                var table = TextTable(["ENTRY", "PUT IN", "TAKEN OUT", "EVENT", "DECLARED IN ERROR"])
                for step in report.history {
                    table.add([
                        "#\(step.sequenceNumber)", String(step.added.count), String(step.removed.count), step.eventID,
                        step.retractedAt.map { "at #\($0)" } ?? "",
                    ])
                }
                Console.out(table.rendered)
            }
            if !report.moves.isEmpty {
                Console.out("")
                Console.out("HISTORY (the modules and packs it was put into and taken out of, oldest first)")
                var table = TextTable(["ENTRY", "UNIT", "MOVE", "EVENT", "DECLARED IN ERROR"])
                for move in report.moves {
                    table.add([
                        "#\(move.sequenceNumber)", move.unit, move.putIn ? "put in" : "taken out", move.eventID,
                        move.retractedAt.map { "at #\($0)" } ?? "",
                    ])
                }
                Console.out(table.rendered)
            }
        }

        /// Who has the unit and why, as the text's `custody` line says it: `with R, to which entry
        /// #N shipped it`, `with T, which took it out of M by entry #N`, `with A, which assembled
        /// it`, `with the holders of cell lot L: …`, each after `inside P, which is` for a unit in
        /// module or pack P.
        static func custodyText(_ custody: UnitCustodyReport) -> String {
            let entry = custody.sequenceNumber.map { "entry #\($0)" } ?? "?"
            let actor = custody.actors.first ?? "?"
            let why: String
            switch custody.reason {
            case .shipped:
                why = "with \(actor), to which \(entry) shipped it"
            case .takenOut:
                why = "with \(actor), which took it out of \(custody.from ?? "?") by \(entry)"
            case .assembled:
                why = "with \(actor), which assembled it"
            case .cellLot:
                let lot = custody.lot ?? "?"
                why =
                    custody.actors.isEmpty
                    ? "with no actor: no shipment by id or disassembly moved it, and nobody holds its cell lot \(lot)"
                    : "with the holders of its cell lot \(lot), no shipment by id or disassembly having moved it: "
                        + custody.actors.joined(separator: ", ")
            }
            return custody.inside.map { "inside \($0), which is \(why)" } ?? why
        }

        /// Who has the unit and why as `--json` gives it: `actors`, `reason` (`shipped`,
        /// `takenOut`, `assembled` or `cellLot`), and as they apply `seq` (the shipment's or
        /// disassembly's entry), `from`, `lot` and `inside` (the outermost unit holding it).
        static func custody(_ custody: UnitCustodyReport) -> JSONValue {
            var members: [String: JSONValue] = [
                "actors": .array(custody.actors.map(JSONValue.string)), "reason": .string(custody.reason.rawValue),
            ]
            if let sequence = custody.sequenceNumber { members["seq"] = .number(Double(sequence)) }
            if let from = custody.from { members["from"] = .string(from) }
            if let lot = custody.lot { members["lot"] = .string(lot) }
            if let inside = custody.inside { members["inside"] = .string(inside) }
            return .object(members)
        }

        /// A cell's, module's or pack's move into or out of a unit as `--json` gives it.
        private func move(_ move: UnitMove) -> JSONValue {
            var members: [String: JSONValue] = [
                "seq": .number(Double(move.sequenceNumber)), "event": .string(move.eventID),
                "unit": .string(move.unit), "move": .string(move.putIn ? "in" : "out"),
            ]
            if let retracted = move.retractedAt { members["retractedAt"] = .number(Double(retracted)) }
            return .object(members)
        }

        /// An assembly step as `--json` gives it.
        private func step(_ step: Assembly.Step) -> JSONValue {
            var members: [String: JSONValue] = [
                "seq": .number(Double(step.sequenceNumber)), "event": .string(step.eventID),
                "added": .array(step.added.map(JSONValue.string)),
                "removed": .array(step.removed.map(JSONValue.string)),
            ]
            if let retracted = step.retractedAt { members["retractedAt"] = .number(Double(retracted)) }
            return .object(members)
        }

        /// A range as `--json` gives it: `cell` for the range that holds the serial now,
        /// `retractedCells` (with `retractedAt`) for those declared in error.
        private func cell(_ range: SerialRange) -> JSONValue {
            var members: [String: JSONValue] = [
                "lot": .string(range.lot), "prefix": .string(range.prefix),
                "first": .string(String(range.first)),
                "last": .string(String(range.last)), "cellMassKg": .string(range.cellMassKg.description),
                "nominalEnergyKWh": .string(range.nominalEnergyKWh.description),
                "commissionedBy": .string(range.eventID), "seq": .number(Double(range.commissionedAt)),
            ]
            if let model = range.model { members["model"] = .string(model) }
            if let retracted = range.retractedAt { members["retractedAt"] = .number(Double(retracted)) }
            return .object(members)
        }
    }
}
