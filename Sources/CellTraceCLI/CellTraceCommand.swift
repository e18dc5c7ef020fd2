import ArgumentParser

/// The `celltrace` command: the root of every subcommand.
struct CellTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "celltrace",
        abstract: "An append-only, verifiable ledger of battery materials from mine to cell.",
        discussion: """
            Every command works on the ledger in --ledger DIR (default: $CELLTRACE_LEDGER, else ./ledger).
            Exit status: 0 success, 1 a verification failed, 2 bad usage or bad input, 3 an internal failure.

            Start:      init, key
            Record:     append
            Read:       log, checkpoint
            Prove:      prove inclusion, prove consistency
            Verify:     verify, verify-proof
            """,
        subcommands: [
            InitCommand.self,
            AppendCommand.self,
            LogCommand.self,
            CheckpointCommand.self,
            KeyCommand.self,
            ProveCommand.self,
            VerifyProofCommand.self,
            VerifyCommand.self,
        ]
    )
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
}
