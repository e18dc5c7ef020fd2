import ArgumentParser
import LedgerCore

/// The `celltrace demo` command: a mine-to-pack ledger from published figures, built and toured.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a mine-to-pack ledger from published figures and tour it: trace, footprint, what-if, verify.",
        discussion: prose(
            """
            Thirteen actors — mines in Australia, Chile, Indonesia, the DR Congo and China, refiners and
            cathode, anode and electrolyte makers in China, cell plants in China and Hungary — submit
            their EPCIS 2.0 events, each signed with the actor's own key. The demo then shows, command
            by command, where a cell's materials came from, its carbon footprint and why, what changes
            with another lithium source or green power at the cathode plant, how the figures compare
            with published ones, and the audit that anyone can repeat.

            It writes into DIR, which must not exist or be empty: dataset/ (the master data, the
            emission-factor table and one EPCIS document per actor), keys/ (an Ed25519 key pair per
            actor, made fresh on every run), ledger/, proofs/ and exports/ (the cell's custody
            bundle, EPCIS 2.0 document, PACT footprint, passport section and lineage picture). The
            dataset is built into the binary; --fixtures reads it from a directory instead (the
            repository's Fixtures/demo).

            Example:
              celltrace demo
              celltrace demo --dir /tmp/celltrace-demo --json
            """
        )
    )

    @Option(help: ArgumentHelp("Where to build the demo (it must not exist, or be empty).", valueName: "dir"))
    var dir = "celltrace-demo"

    @Option(help: ArgumentHelp("Read the dataset from this directory instead of the built-in copy.", valueName: "dir"))
    var fixtures: String?

    @Flag(help: "Print only the key figures, as JSON.")
    var json = false

    func run() throws {
        let clock = ContinuousClock()
        let started = clock.now
        let existed = FileIO.exists(dir)
        var tour = try DemoTour(directory: dir, dataset: try DemoTour.Dataset(fixtures: fixtures), quiet: json)
        do {
            try tour.build()
            let figures = try tour.figures()
            if json {
                var summary = figures.json
                summary["seconds"] = .number(Self.seconds(clock.now - started))
                Console.out(JSONValue.object(summary).canonicalString)
            } else {
                try tour.show(figures)
                tour.finish(seconds: Self.seconds(clock.now - started))
            }
        } catch {
            // The demo is made whole or not at all (a full disk, a write refused): what it wrote
            // goes, so that the same command runs again once the cause is gone.
            FileIO.removeTree(dir, keepingDirectory: existed)
            Console.err("celltrace: the demo stopped; nothing of it was left in \(dir)")
            throw error
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
