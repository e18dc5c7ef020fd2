import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// `actor list` as text: the table aligned in terminal columns.
@Suite struct ActorListCLITests {
    @Test func aNameInChineseKeepsTheColumnsAligned() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(
            directory,
            [
                ("catl", "cell-maker", ["--legal-name", "宁德时代新能源", "--party", "urn:epc:id:pgln:6900003.00000"]),
                ("cell-co", "cell-maker", []),
            ]
        )
        let catl = try Self.keyIDs("catl", ledger)[0]
        let cell = try Self.keyIDs("cell-co", ledger)[0]
        #expect(
            Self.lines(celltrace("actor", "list", "--ledger", ledger).output) == [
                "ACTOR    ROLE        NAME            KEY               SINCE  PARTIES",
                "catl     cell-maker  宁德时代新能源  \(catl)  #0     urn:epc:id:pgln:6900003.00000",
                "cell-co  cell-maker  cell-co         \(cell)  #1",
                "",
                "Every actor is also the party urn:celltrace:actor:ACTOR (urn:celltrace:actor:catl for catl), "
                    + "for sourceList and destinationList entries of type owning_party.",
            ]
        )
    }

    /// A new ledger in `directory` with the actors registered in order (entries #0, #1, …), each
    /// with a key of its own made beside it.
    static func ledger(_ directory: String, _ actors: [(id: String, role: String, options: [String])]) -> String {
        let ledger = directory + "/ledger"
        #expect(celltrace("init", "--ledger", ledger, "--origin", "cli.test/actors").status == 0)
        for actor in actors {
            #expect(celltrace("keygen", directory + "/\(actor.id).pem").status == 0)
            let added = celltrace(
                ["actor", "add", actor.id, "--role", actor.role, "--key", directory + "/\(actor.id).pub.pem"]
                    + actor.options + ["--ledger", ledger]
            )
            #expect(added.status == 0, "\(added.error)")
        }
        return ledger
    }

    /// The ids of `actor`'s keys, oldest first, as `actor list --json` gives them.
    static func keyIDs(_ actor: String, _ ledger: String) throws -> [String] {
        let actors = try JSONValue(parsing: celltrace("actor", "list", "--ledger", ledger, "--json").output)
        let keys = try #require(actors.arrayValue?.first { $0["id"] == .string(actor) }?["keys"]?.arrayValue)
        return keys.compactMap { $0["id"]?.stringValue }
    }

    /// The lines of what a command printed.
    static func lines(_ output: String) -> [String] {
        output.dropLast(output.hasSuffix("\n") ? 1 : 0).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
    }
}
