import ArgumentParser
import Exports
import Provenance

/// `celltrace export graph`: a lineage as a picture.
struct ExportGraphCommand: ParsableCommand {
    /// What `--format` accepts.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case dot, svg
    }

    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Export a serial's or lot's lineage as a graph: Graphviz DOT, or SVG drawn by Graphviz.",
        discussion: prose(
            """
            Lots are nodes, filled by the kind of facility that made them (mine, refinery, precursor,
            cathode, anode, cell, …); each edge carries the kg of the input that ends up in the subject
            and the kg CO2e embodied in them (location-based). The public profile shows no kg; facility
            names appear for the authority and auditor profiles only. The same ledger size always gives
            the same DOT text. --format svg runs Graphviz's `dot -Tsvg` (Debian package graphviz).

            Example:
              celltrace export graph urn:epc:id:sgtin:4012345.011111.3 -o cell-3.dot
              celltrace export graph urn:celltrace:lot:cam-811-0210 --format svg -o cam.svg
            """
        )
    )
    @OptionGroup var options: LedgerOptions
    @OptionGroup var export: ExportOptions
    @Argument(help: "A cell serial, module or pack id, or a lot.") var subject: String
    @Option(help: "dot (the default) or svg.") var format: Format = .dot

    func run() throws {
        let chain = try options.openChain()
        let profile = try export.disclosureProfile()
        let scope = try LineageScope.collect(subject, chain: chain, asOf: try export.asOf.point())
        let dot = try LineageGraph(scope: scope, chain: chain).dot(profile: profile)
        let bytes = format == .svg ? try Graphviz.render(dot, as: "svg") : Array(dot.utf8)
        try export.deliver(bytes, format: "graph", subject: scope.subject.id, asOfSize: scope.size, chain: chain)
    }
}
