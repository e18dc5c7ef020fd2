import ArgumentParser
import LedgerCore
import SupplyChain

/// The `celltrace` command: the root of every subcommand.
struct CellTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "celltrace",
        abstract: "An append-only, verifiable ledger of battery materials from mine to cell.",
        discussion: """
            Every command works on the ledger in --ledger DIR (default: $CELLTRACE_LEDGER, else ./ledger).
            Exit status: 0 success, 1 a verification failed, 2 bad usage or bad input, 3 an internal failure.

            \(tasksList)

            Shell completions: celltrace --generate-completion-script bash|zsh|fish
            """,
        subcommands: [
            DemoCommand.self,
            InitCommand.self,
            KeygenCommand.self,
            ActorCommand.self,
            FacilityCommand.self,
            FactorsCommand.self,
            ModelCommand.self,
            ImportCommand.self,
            GenerateCommand.self,
            LotCommand.self,
            SerialCommand.self,
            EventCommand.self,
            TraceCommand.self,
            WhereUsedCommand.self,
            FootprintCommand.self,
            DeclarationCommand.self,
            WhatIfCommand.self,
            ExportCommand.self,
            DisclosuresCommand.self,
            ImpactCommand.self,
            AttestCommand.self,
            AttestationsCommand.self,
            VerifyBundleCommand.self,
            AppendCommand.self,
            LogCommand.self,
            CheckpointCommand.self,
            KeyCommand.self,
            ProveCommand.self,
            VerifyProofCommand.self,
            VerifyCommand.self,
            IndexCommand.self,
        ]
    )

    /// `celltrace` alone: a short overview of the commands, grouped by task.
    func run() throws {
        Console.out(Self.overview)
    }

    /// The commands by task, which `celltrace` alone (``overview``) and `celltrace --help` both print.
    static let tasks: [(task: String, commands: String, what: String)] = [
        ("Try it", "demo, generate", "a toured ledger from published figures; a synthetic network"),
        ("Start", "init, key, keygen", "a ledger and its signing key; actors' keys"),
        ("Master data", "actor, facility, factors, model", "who, where, which factors, which battery"),
        ("Record", "import, append", "EPCIS 2.0 events as signed submissions; plain entries"),
        (
            "Read", "lot show, serial show, event show, log, checkpoint",
            "lots, serials, events, entries, checkpoints"
        ),
        ("Provenance", "trace, where-used", "back to the mines; the recall query"),
        ("Carbon", "footprint, what-if, declaration", "per cell, per kWh, per stage; Art. 7"),
        ("Export", "export, disclosures", "custody bundle, EPCIS, PACT, passport, graph"),
        ("Review", "impact", "the exports a later correction changed, and why"),
        ("Assure", "attest, attestations", "verifiers' signed statements; the verified share"),
        (
            "Verify", "verify, prove, verify-proof, verify-bundle",
            "the audit; proofs and bundles anyone can check offline"
        ),
        ("Maintain", "index rebuild", "the derived indexes written anew from the entries"),
    ]

    /// ``tasks`` as `--help` lists them: one line a task, its commands after the name.
    private static var tasksList: String {
        let width = (tasks.map(\.task.count).max() ?? 0) + 2
        return tasks.map { task in
            task.task + ":" + String(repeating: " ", count: width - task.task.count - 1) + task.commands
        }.joined(separator: "\n")
    }

    static var overview: String {
        var table = TextTable("TASK", "COMMANDS", "FOR")
        for (task, commands, what) in tasks { table.add(task, commands, what) }
        return """
            celltrace: a verifiable ledger of battery materials from mine to cell.

            \(table.rendered)

            New here? Run `celltrace demo`. Every command has --help with an example
            (celltrace help COMMAND); --json where a program reads the output.
            Shell completions: celltrace --generate-completion-script bash|zsh|fish
            """
    }
}

extension CellTraceCommand {
    /// The words after `help` that name no command (`celltrace help nosuch`), or `nil` when they
    /// name one: argument-parser would print the top-level help and exit 0 for an unknown topic.
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help" else { return nil }
        let words = arguments.dropFirst().filter { !$0.hasPrefix("-") }
        if words == ["help"] { return nil }  // help on help itself
        var command: any ParsableCommand.Type = CellTraceCommand.self
        for (index, word) in words.enumerated() {
            guard
                let next = command.configuration.subcommands.first(where: {
                    ($0.configuration.commandName ?? "") == word || $0.configuration.aliases.contains(word)
                })
            else {
                return words.prefix(index + 1).joined(separator: " ")
            }
            command = next
        }
        return nil
    }

    /// The first word of `arguments` that names no command of a command group, with the group's
    /// commands.
    ///
    /// `celltrace model register X` names `model register` rather than letting argument-parser
    /// read `register` as the group's argument and fail on the next option (or, with `--help`,
    /// print the group's help and exit 0). `nil` when every leading word names a command, or the
    /// last one named takes arguments.
    static func unknownCommand(_ arguments: [String]) -> (path: String, commands: [String])? {
        var command: any ParsableCommand.Type = CellTraceCommand.self
        var path: [String] = []
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !word.hasPrefix("-"), !subcommands.isEmpty, command.configuration.defaultSubcommand == nil else {
                return nil
            }
            guard
                let next = subcommands.first(where: {
                    ($0.configuration.commandName ?? "") == word || $0.configuration.aliases.contains(word)
                })
            else {
                let names = subcommands.compactMap { $0.configuration.commandName }.filter { $0 != "help" }
                return ((path + [word]).joined(separator: " "), names)
            }
            path.append(word)
            command = next
        }
        return nil
    }
}

/// The `--ledger` option every ledger command takes.
struct LedgerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The ledger directory (default: $CELLTRACE_LEDGER, else ./ledger).", valueName: "dir")
    )
    var ledger: String?

    /// The directory to use: the flag, then the environment, then `./ledger`.
    var path: String {
        if let ledger { return ledger }
        if let fromEnvironment = Console.environment("CELLTRACE_LEDGER"), !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "ledger"
    }

    /// Opens the ledger with its supply-chain indexes (every command opens it this way, so one
    /// process always sees the same tables).
    ///
    /// A command that only reads opens it read-only: that writes nothing to the data file, waits
    /// for no writer, works on a read-only file system and needs no signing key until something
    /// must be signed (``Ledger/Options/readOnly``).
    ///
    /// - Parameter readOnly: Whether the command only reads.
    /// - Returns: The open ledger.
    /// - Throws: What opening the ledger throws.
    func openChain(readOnly: Bool = false) throws -> SupplyChainLedger {
        do {
            return try SupplyChainLedger(openingAt: path, options: Ledger.Options(readOnly: readOnly))
        } catch let error as LedgerError where error.code == .noLedger && ledger == nil {
            // Said where the directory came from: a user who ran the demo and did not set the
            // environment is not to be told only to make an empty ledger. Read from the
            // environment itself: CELLTRACE_LEDGER=ledger names ./ledger too, and an empty one
            // is not a directory.
            let source =
                switch Console.environment("CELLTRACE_LEDGER") {
                case nil: "./ledger, the default: no --ledger given and CELLTRACE_LEDGER not set"
                case ""?: "./ledger, the default: no --ledger given and CELLTRACE_LEDGER set but empty"
                case _?: "from CELLTRACE_LEDGER"
                }
            throw LedgerError(
                code: .noLedger,
                message: "no ledger at \(path) (\(source)); give --ledger DIR or set CELLTRACE_LEDGER to the "
                    + "ledger's directory (the demo's is celltrace-demo/ledger), or create one with `celltrace init`",
                cause: error
            )
        }
    }

    /// Opens the ledger.
    ///
    /// - Parameter readOnly: Whether the command only reads (``openChain(readOnly:)``).
    /// - Returns: The open ledger.
    /// - Throws: What opening the ledger throws.
    func openLedger(readOnly: Bool = false) throws -> Ledger {
        try openChain(readOnly: readOnly).ledger
    }
}
