import Foundation
import LedgerCore
import Testing

@testable import CellTraceCLI

/// A certification declared in error: the certificate is listed as of the sizes at which it stood,
/// by `lot show` and `trace`, and nowhere else.
extension AsOfShowCLITests {
    static let cells = "urn:celltrace:lot:cells-nmc811-0225"
    static let audit = "https://certs.example.org/rmap/cell-plant-2026"
    static let irma = "https://certs.example.org/irma/pilgangoora-2025"

    /// The README's chain, then the cell lot certified by its maker and the certification declared
    /// in error, each in a submission of its own: the ledger, the entry of the certification and
    /// that of the declaration.
    static func certifiedAndDeclaredInError(
        _ directory: String
    ) throws -> (ledger: String, certified: Int, declared: Int) {
        let ledger = chain(directory)
        let certification: JSONValue = [
            "type": "ObjectEvent", "eventTime": "2026-03-01T08:00:00+01:00", "eventTimeZoneOffset": "+01:00",
            "action": "OBSERVE", "bizStep": "inspecting",
            "bizLocation": ["id": "urn:celltrace:facility:cell-plant"],
            "quantityList": [["epcClass": .string(cells), "quantity": 1, "uom": "KGM"]],
            "certificationInfo": .string(audit),
        ]
        var declaration = try #require(certification.objectValue)
        declaration["errorDeclaration"] = ["declarationTime": "2026-03-02T08:00:00+01:00", "reason": "incorrect_data"]
        let key = ["--ledger", ledger, "--as", "cell-co", "--key", directory + "/cell-co.pem", "--json"]
        var entries: [Int] = []
        for (name, event) in [("certification", certification), ("declaration", JSONValue.object(declaration))] {
            write(event.canonicalString, to: directory + "/\(name).jsonl")
            let imported = celltrace(["import", directory + "/\(name).jsonl"] + key)
            #expect(imported.status == 0, "\(imported.error)")
            // The submission's entry, then the event's.
            entries.append(
                Int(try #require(try JSONValue(parsing: imported.output)["firstSequenceNumber"]?.doubleValue)) + 1
            )
        }
        return (ledger, entries[0], entries[1])
    }

    /// `lot show --as-of` lists the certificate between its certification and the declaration,
    /// neither before nor after; `lot show` now prints what it printed before the certification.
    @Test func aCertificateDeclaredInErrorSinceIsListedAsOfTheSizesItStood() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let beforeDirectory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: beforeDirectory) }
        let uncertified = Self.chain(beforeDirectory)
        let neverCertifiedText = celltrace("lot", "show", Self.cells, "--ledger", uncertified)
        let neverCertified = try Self.lot(Self.cells, uncertified)
        #expect(neverCertified["certifications"] == [])

        let (ledger, certified, declared) = try Self.certifiedAndDeclaredInError(directory)
        #expect(certified == 26 && declared == 28)
        for (size, listed) in [(certified, false), (certified + 1, true), (declared, true), (declared + 1, false)] {
            let then = try Self.lot(Self.cells, ledger, "--as-of", String(size))
            #expect(then["certifications"] == (listed ? [.string(Self.audit)] : []), "as of \(size)")
            #expect(then["asOfSize"] == .number(Double(size)) && then["asOfNotes"] == nil)
            let text = celltrace("lot", "show", Self.cells, "--ledger", ledger, "--as-of", String(size))
            #expect(text.status == 0, "\(text.error)")
            #expect(text.output.contains("\nas of     ledger size \(size)\nmaterial  cell-nmc811\n"), "\(text.output)")
            #expect(text.output.contains("\ncert      \(Self.audit)\n") == listed, "as of \(size): \(text.output)")
        }
        // As of the size with the certification: what `lot show` printed while it stood.
        let stood = celltrace("lot", "show", Self.cells, "--ledger", ledger, "--as-of", String(certified + 1)).output
        #expect(
            stood.contains(
                "held by   cell-co: 100000 kg\ncert      \(Self.audit)\n\nMADE FROM"
            ),
            "\(stood)"
        )

        // Now, and as of the ledger's size: as on a ledger that never had the certification.
        let nowText = celltrace("lot", "show", Self.cells, "--ledger", ledger)
        #expect(nowText.status == 0 && nowText.output == neverCertifiedText.output)
        #expect(try Self.lot(Self.cells, ledger) == neverCertified)
        var atSize = try #require(try Self.lot(Self.cells, ledger, "--as-of", String(declared + 1)).objectValue)
        #expect(atSize.removeValue(forKey: "asOfSize") == .number(Double(declared + 1)))
        #expect(JSONValue.object(atSize) == neverCertified)

        let verified = celltrace("verify", "--ledger", ledger)
        #expect(verified.status == 0, "\(verified.output)\(verified.error)")
        #expect(verified.output.contains("OK: supply chain rebuilt by replay"), "\(verified.output)")
    }

    /// `trace --as-of` lists the certificate on the lot and on the way to every origin while it
    /// stood; `trace` now prints what it printed before the certification, but for the size.
    @Test func aCertificateDeclaredInErrorSinceIsOnTheWayAsOfTheSizesItStood() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let beforeDirectory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: beforeDirectory) }
        let uncertified = Self.chain(beforeDirectory)
        let neverCertified = celltrace("trace", Self.cells, "--ledger", uncertified, "--json")
        #expect(neverCertified.status == 0, "\(neverCertified.error)")
        let neverCertifiedText = celltrace("trace", Self.cells, "--ledger", uncertified).output

        let (ledger, certified, declared) = try Self.certifiedAndDeclaredInError(directory)
        for (size, listed) in [(certified, false), (certified + 1, true), (declared, true), (declared + 1, false)] {
            let shown = celltrace("trace", Self.cells, "--ledger", ledger, "--as-of", String(size), "--json")
            #expect(shown.status == 0, "\(shown.error)")
            let trace = try JSONValue(parsing: shown.output)
            let own: JSONValue = listed ? [.string(Self.audit)] : []
            #expect(trace["tree"]?.arrayValue?.first?["certifications"] == own, "as of \(size)")
            let origins: [(element: String, certificates: JSONValue)] = try #require(
                trace["elements"]?.arrayValue
            )
            .map { element in
                (
                    element["element"]?.stringValue ?? "",
                    element["origins"]?.arrayValue?.first?["certifications"] ?? .null
                )
            }
            let onTheWay: [JSONValue] = listed ? [.string(Self.audit)] : []
            #expect(origins.map(\.element) == ["Li", "Ni", "Co", "Mn", "graphite"])
            for (element, certificates) in origins {
                let expected: [JSONValue] = (element == "Li" ? [.string(Self.irma)] : []) + onTheWay
                #expect(certificates == .array(expected), "\(element) as of \(size)")
            }
            let text = celltrace("trace", Self.cells, "--ledger", ledger, "--as-of", String(size)).output
            #expect(text.contains("#21  ✓ \(Self.audit)\n") == listed, "as of \(size): \(text)")
        }

        // Now: the trace of the ledger that never had the certification, at this ledger's size.
        let now = celltrace("trace", Self.cells, "--ledger", ledger, "--json")
        #expect(now.status == 0, "\(now.error)")
        var nowJSON = try #require(try JSONValue(parsing: now.output).objectValue)
        var neverJSON = try #require(try JSONValue(parsing: neverCertified.output).objectValue)
        #expect(nowJSON.removeValue(forKey: "asOfSize") == .number(Double(declared + 1)))
        // The chain alone: the entries before the certification's submission.
        #expect(neverJSON.removeValue(forKey: "asOfSize") == .number(Double(certified - 1)))
        #expect(JSONValue.object(nowJSON) == JSONValue.object(neverJSON))
        let nowText = celltrace("trace", Self.cells, "--ledger", ledger).output
        #expect(
            nowText
                == neverCertifiedText.replacingOccurrences(
                    of: "as of     ledger size \(certified - 1) ·",
                    with: "as of     ledger size \(declared + 1) ·"
                )
        )
        #expect(celltrace("verify", "--ledger", ledger).status == 0)
    }
}
