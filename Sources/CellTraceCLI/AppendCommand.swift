import ArgumentParser
import LedgerCore
import SupplyChain

/// `celltrace append`: appends JSON objects as one batch of generic entries.
struct AppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append JSON objects (one per line) as one atomic batch of entries.",
        discussion: prose(
            """
            Every line must be a JSON object; blank lines are skipped. The whole file is checked
            first: if any line is bad, nothing is written. Prints the new size and the signed checkpoint.

            Example:
              printf '{"lot":"LOT-1","kg":"1200.5","supplier":"Mine A"}\\n' | \\
                celltrace append - --confidential /supplier
            """
        )
    )

    @OptionGroup var options: LedgerOptions

    @Argument(help: ArgumentHelp("A JSON Lines file, or - for standard input.", valueName: "file"))
    var file: String

    @Option(help: "The entry type of every line.")
    var type = "generic"

    @Option(
        help: ArgumentHelp(
            "Who the entries are from: `ledger` (the operator), or a label that names no registered actor (a registered actor's word comes signed, through `import`).",
            valueName: "label"
        )
    )
    var actor = "ledger"

    @Option(
        help: ArgumentHelp(
            "A JSON Pointer (RFC 6901) to a body field to store as a salted commitment; repeatable.",
            valueName: "pointer"
        )
    )
    var confidential: [String] = []

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let pointers = try confidential.map { text in
            do {
                return try JSONPointer(text)
            } catch let error as LedgerError {
                throw Failure.badInput("--confidential \(text): \(error.message)")
            }
        }
        if let prefix = SupplyChainLedger.reservedEntryTypes.first(where: { type == $0 || type.hasPrefix($0 + ".") }) {
            // The command that writes the type, and validates it.
            let command =
                ["submission": "import", "epcis": "import", "disclosure": "export", "attestation": "attest"][prefix]
                ?? prefix
            throw Failure.badInput("--type \(type) is written by `celltrace \(command)`, which validates it")
        }
        // The options are checked before the file, so that a problem of theirs is not put on its lines.
        guard Entry.isValidType(type) else {
            throw Failure.badInput("--type must be 1–64 characters of a-z, 0-9, '.', '-', '_' (got \"\(type)\")")
        }
        guard Entry.isValidActor(actor) else {
            throw Failure.badInput("--actor must be 1–256 bytes without control characters")
        }
        let input = try InputFile.read(file)
        var drafts: [EntryDraft] = []
        var lineNumbers: [Int] = []
        // Every line that does not read is named, not the first alone; nothing is written then.
        var problems: [String] = []
        for (number, line) in InputFile.lines(input) {
            let body: JSONValue
            do {
                body = try JSONValue(parsing: line, maxDepth: Entry.maxBodyDepth)
            } catch let error as LedgerError {
                // A line nested too deep is named as the ledger names a body nested too deep.
                if let deep = JSONValue.firstNesting(deeperThan: Entry.maxBodyDepth, in: line),
                    deep.offset == error.byteOffset
                {
                    problems.append("\(file):\(number): field 'body\(deep.pointer.text)': \(Ledger.nestedTooDeep)")
                } else {
                    problems.append("\(file):\(number): \(error.message)")
                }
                continue
            }
            guard case .object = body else {
                problems.append("\(file):\(number): each line must be a JSON object")
                continue
            }
            drafts.append(EntryDraft(type: type, actor: actor, body: body, confidential: pointers))
            lineNumbers.append(number)
        }
        guard problems.count <= 1 else {
            throw Failure.badInput(
                "\(file): \(problems.count) lines are not JSON objects; nothing was appended\n  "
                    + problems.joined(separator: "\n  ")
            )
        }
        if let problem = problems.first { throw Failure.badInput(problem) }
        guard !drafts.isEmpty else {
            throw Failure.badInput("\(file): no JSON objects to append")
        }
        let chain = try options.openChain()
        // An unsigned entry in a registered actor's name would pass for that actor's word.
        if actor != SupplyChainLedger.operatorActor, try chain.actor(actor) != nil {
            throw Failure.badInput(
                "--actor \(actor) is a registered actor, whose entries come signed through `celltrace import`; "
                    + "an appended entry is the operator's: --actor ledger, or a label that names no registered actor"
            )
        }
        // Nor a label a reader would take for one: the id in other capitals, or after a prefix.
        let label = actor.lowercased()
        if actor != SupplyChainLedger.operatorActor,
            let like = try chain.actors().first(where: {
                let id = $0.id.lowercased()
                return label == id || label.hasSuffix(":" + id) || label.hasSuffix("/" + id)
            })
        {
            throw Failure.badInput(
                "--actor \(actor) reads as registered actor \(like.id), whose entries come signed through "
                    + "`celltrace import`; give a label that names no registered actor"
            )
        }
        let ledger = chain.ledger
        let receipt: AppendReceipt
        do {
            receipt = try ledger.append(drafts)
        } catch let error as LedgerError where error.code == .invalidInput {
            // The ledger names the record by its place in the batch: say which input line that
            // is, as a JSON syntax error does.
            guard let record = error.record, lineNumbers.indices.contains(record.index) else {
                throw Failure.badInput("\(file): \(error.message)")
            }
            // The ledger stops at the first record it refuses; the lines after it are checked
            // here too, so that every refused line is named at once.
            var refused = ["\(file):\(lineNumbers[record.index]): \(record.problem)"]
            for index in drafts.indices where index > record.index {
                do {
                    _ = try Ledger.seal(drafts[index], record: index, origin: ledger.origin)
                } catch let later as LedgerError {
                    refused.append("\(file):\(lineNumbers[index]): \(later.record?.problem ?? later.message)")
                }
            }
            guard refused.count > 1 else { throw Failure.badInput(refused[0]) }
            throw Failure.badInput(
                "\(file): \(refused.count) lines are refused; nothing was appended\n  "
                    + refused.joined(separator: "\n  ")
            )
        }
        let checkpoint = receipt.checkpoint.note.formatted
        if json {
            Console.out(
                JSONValue.object([
                    "first": .number(Double(receipt.firstSequenceNumber)),
                    "count": .number(Double(receipt.count)),
                    "size": .number(Double(receipt.treeSize)),
                    "checkpoint": .string(checkpoint),
                ]).canonicalString
            )
        } else {
            let last = receipt.firstSequenceNumber + UInt64(receipt.count) - 1
            Console.out(
                "appended \(Number.count(receipt.count, "entry", "entries")) (\(receipt.firstSequenceNumber)–\(last)); size \(receipt.treeSize)"
            )
            Console.out(checkpoint, terminator: "")
        }
    }
}

/// Reading input files and standard input.
enum InputFile {
    static func read(_ path: String) throws -> [UInt8] {
        do {
            return try FileIO.readAll(path == "-" ? nil : path)
        } catch let error as FileIO.Error {
            throw Failure.badInput(error.message)
        }
    }

    /// Non-blank lines with their 1-based line numbers.
    static func lines(_ bytes: [UInt8]) -> [(Int, ArraySlice<UInt8>)] {
        var result: [(Int, ArraySlice<UInt8>)] = []
        var number = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var trimmed = line
            if trimmed.last == UInt8(ascii: "\r") { trimmed = trimmed.dropLast() }
            if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            result.append((number, trimmed))
        }
        return result
    }
}
