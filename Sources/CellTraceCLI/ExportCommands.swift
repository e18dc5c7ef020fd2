import ArgumentParser

/// `celltrace export …`: a serial's or lot's chain of custody and footprint in the formats its
/// recipients use.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a serial's or lot's chain of custody and footprint (see Docs/EXPORTS.md).",
        subcommands: []
    )
}
