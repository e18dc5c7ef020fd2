import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// `actor list` as text: the table aligned in terminal columns, each actor's key in force since the
/// entry that added it, and the keys rotated out or revoked listed below the table.
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

    @Test func aRotatedKeyIsListedBelowTheTable() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(
            directory,
            [
                ("pilbara-mining", "miner", ["--party", "urn:epc:id:pgln:9300001.00000"]),
                ("cathode-co", "processor", []),
            ]
        )
        Self.rotate("pilbara-mining", directory, ledger)
        let cathode = try Self.keyIDs("cathode-co", ledger)[0]
        let pilbara = try Self.keyIDs("pilbara-mining", ledger)
        #expect(
            Array(Self.lines(celltrace("actor", "list", "--ledger", ledger).output).dropLast(2)) == [
                "ACTOR           ROLE       NAME            KEY               SINCE  PARTIES",
                "cathode-co      processor  cathode-co      \(cathode)  #1",
                "pilbara-mining  miner      pilbara-mining  \(pilbara[1])  #2     urn:epc:id:pgln:9300001.00000",
                "",
                "Earlier keys, which verify what they signed before ENDED and sign nothing new:",
                "ACTOR           KEY               ADDED  ENDED  HOW",
                "pilbara-mining  \(pilbara[0])  #0     #2     rotated out",
            ]
        )
    }

    @Test func aRevokedKeyIsListedAndSinceIsTheEntryOfTheKeyInForce() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = Self.ledger(
            directory,
            [("cathode-co", "processor", []), ("cell-co", "cell-maker", []), ("pilbara-mining", "miner", [])]
        )
        // cathode-co's only key revoked (#3); cell-co's revoked (#4), then a new one (#5);
        // pilbara-mining's rotated out (#6), then revoked (#7), the actor's latest key change.
        Self.revoke("cathode-co", 0, "laptop stolen", ledger)
        Self.revoke("cell-co", 0, "revoked", ledger)
        Self.rotate("cell-co", directory, ledger)
        Self.rotate("pilbara-mining", directory, ledger)
        Self.revoke("pilbara-mining", 0, "compromised", ledger)
        let cathode = try Self.keyIDs("cathode-co", ledger)
        let cell = try Self.keyIDs("cell-co", ledger)
        let pilbara = try Self.keyIDs("pilbara-mining", ledger)
        #expect(
            Array(Self.lines(celltrace("actor", "list", "--ledger", ledger).output).dropLast(2)) == [
                "ACTOR           ROLE        NAME            KEY               SINCE  PARTIES",
                "cathode-co      processor   cathode-co      (none valid)      #3",
                "cell-co         cell-maker  cell-co         \(cell[1])  #5",
                "pilbara-mining  miner       pilbara-mining  \(pilbara[1])  #6",
                "",
                "Earlier keys, which verify what they signed before ENDED and sign nothing new:",
                "ACTOR           KEY               ADDED  ENDED  HOW",
                "cathode-co      \(cathode[0])  #0     #3     revoked: laptop stolen",
                "cell-co         \(cell[0])  #1     #4     revoked",
                "pilbara-mining  \(pilbara[0])  #2     #6     rotated out, later revoked at #7: compromised",
            ]
        )
        // Each revoked key names its revocation's entry: the end of a key revoked while it signed,
        // after the end of one rotated out first.
        let actors = try JSONValue(parsing: celltrace("actor", "list", "--ledger", ledger, "--json").output)
        func ends(_ actor: String) -> [String] {
            let keys = actors.arrayValue?.first { $0["id"] == .string(actor) }?["keys"]?.arrayValue ?? []
            return keys.map { key in
                let number = { (name: String) in key[name]?.doubleValue.map { "#\(Int($0))" } ?? "-" }
                return "\(number("validUntil")) \(number("revokedAt"))"
            }
        }
        #expect(ends("cathode-co") == ["#3 #3"])
        #expect(ends("cell-co") == ["#4 #4", "- -"])
        #expect(ends("pilbara-mining") == ["#6 #7", "- -"])
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

    /// Gives `actor` a new key, made beside the ledger.
    static func rotate(_ actor: String, _ directory: String, _ ledger: String) {
        let key = directory + "/\(actor)-\(UUID().uuidString).pem"
        #expect(celltrace("keygen", key).status == 0)
        let rotated = celltrace(
            "actor",
            "key-rotate",
            actor,
            "--key",
            String(key.dropLast(4)) + ".pub.pem",
            "--ledger",
            ledger
        )
        #expect(rotated.status == 0, "\(rotated.error)")
    }

    /// Revokes the key at `index` in `actor`'s history.
    static func revoke(_ actor: String, _ index: Int, _ reason: String, _ ledger: String) {
        let id = (try? keyIDs(actor, ledger)[index]) ?? ""
        let revoked = celltrace("actor", "key-revoke", actor, "--key-id", id, "--reason", reason, "--ledger", ledger)
        #expect(revoked.status == 0, "\(revoked.error)")
    }

    /// The ids of `actor`'s keys, oldest first, as `actor list --json` gives them.
    static func keyIDs(_ actor: String, _ ledger: String) throws -> [String] {
        let actors = try JSONValue(parsing: celltrace("actor", "list", "--ledger", ledger, "--json").output)
        let keys = try #require(actors.arrayValue?.first { $0["id"] == .string(actor) }?["keys"]?.arrayValue)
        return keys.compactMap { $0["id"]?.stringValue }
    }

    /// The lines of what a command printed; the party note is the last two (a blank line first).
    static func lines(_ output: String) -> [String] {
        output.dropLast(output.hasSuffix("\n") ? 1 : 0).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
    }
}
