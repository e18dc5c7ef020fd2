import Exports
import Foundation
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

@Suite("EPCIS export: an EPCIS 2.0 document of a lineage's events, in a disclosure profile")
struct EPCISExportTests {
    @Test("every profile's export of a serial and of a lot is valid against GS1's EPCIS 2.0 JSON schema")
    func exportsValidateAgainstTheOfficialSchema() throws {
        let network = try Network()
        let serial = try network.firstSerial()
        let serialScope = try LineageScope.collect(serial, chain: network.chain)
        let lot = try #require(serialScope.trace.tree.first?.inputs.first?.lot, "the cell lot's first input")
        let lotScope = try LineageScope.collect(lot, chain: network.chain)
        let directory = TemporaryDirectory()
        var files: [String] = []
        for (name, scope) in [("serial", serialScope), ("lot", lotScope)] {
            for profile in DisclosureProfile.allCases {
                let export = try EPCISExport(scope: scope, chain: network.chain, profile: profile)
                #expect(export.events.count == scope.events.count)
                let path = "\(directory.path)/\(name)-\(profile.rawValue).jsonld"
                #expect(FileManager.default.createFile(atPath: path, contents: Data(export.bytes)))
                files.append(path)
            }
        }
        let result = try runProcess(
            ["python3", toolPath("validate_epcis.py"), fixturePath("epcis/schema/EPCIS-JSON-Schema.json")] + files
        )
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.split(separator: "\n").count == files.count)
        #expect(result.output.split(separator: "\n").allSatisfy { $0.hasSuffix(": valid") }, "\(result.output)")
    }

    @Test(
        "the header describes each facility the events name: where it is and what it does in every profile, who runs it only for authorities and auditors, as of the document's size"
    )
    func locationMasterData() throws {
        let ledger = try SmallLedger()
        let before = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        try ledger.chain.amendFacility(
            SmallLedger.mineB,
            reason: "on the Antofagasta grid",
            changes: ["gridRegion": "CL-AN"]
        )
        let after = try LineageScope.collect(SmallLedger.cell, chain: ledger.chain)
        func locations(_ scope: LineageScope, _ profile: DisclosureProfile) throws -> [String: [String: [String]]] {
            let export = try EPCISExport(scope: scope, chain: ledger.chain, profile: profile)
            let vocabularies = try #require(
                export.document["epcisHeader"]?["epcisMasterData"]?["vocabularyList"]?.arrayValue
            )
            #expect(vocabularies.count == 1)
            #expect(vocabularies.first?["type"] == "urn:epcglobal:epcis:vtype:BusinessLocation")
            var result: [String: [String: [String]]] = [:]
            for element in vocabularies.first?["vocabularyElementList"]?.arrayValue ?? [] {
                var attributes: [String: [String]] = [:]
                for attribute in element["attributes"]?.arrayValue ?? [] {
                    let id = try #require(attribute["id"]?.stringValue)
                    attributes[id, default: []].append(try #require(attribute["attribute"]?.stringValue))
                }
                result[try #require(element["id"]?.stringValue)] = attributes
            }
            return result
        }
        let mda = "urn:epcglobal:cbv:mda#"
        let ct = "https://celltrace.dev/ns/epcis/1/"
        let open = try locations(before, .public)
        #expect(Set(open.keys) == [SmallLedger.mineA, SmallLedger.mineB, SmallLedger.refinery, SmallLedger.cellPlant])
        #expect(open[SmallLedger.mineB] == [mda + "countryCode": ["CL"], ct + "facilityKind": ["mine"]])
        #expect(
            open[SmallLedger.mineA]
                == [mda + "countryCode": ["AU"], mda + "state": ["AU-WA"], ct + "facilityKind": ["mine"]]
        )
        #expect(try locations(before, .legitimateInterest) == open, "names, operators and flags identify suppliers")
        let audited = try locations(before, .auditor)
        #expect(
            audited[SmallLedger.mineB]
                == [
                    mda + "countryCode": ["CL"], ct + "facilityKind": ["mine"], mda + "name": ["Mine B"],
                    ct + "operator": ["maker"], ct + "riskFlag": ["high-risk"],
                ]
        )
        #expect(try locations(before, .authority) == audited)
        #expect(try locations(after, .public)[SmallLedger.mineB]?[ct + "gridRegion"] == ["CL-AN"], "as amended")

        // The header, imported again, agrees with the ledger it came from, until the ledger changes.
        func reimported() throws -> [String] {
            let export = try EPCISExport(scope: after, chain: ledger.chain, profile: .auditor)
            let report = try ledger.chain.importSubmission(
                Array(export.document.canonicalString.utf8),
                actor: "maker",
                key: ledger.key,
                dryRun: true
            )
            #expect(report.written == 0 && report.alreadyPresent == report.events)
            return report.warnings.map(\.message)
        }
        #expect(try reimported().isEmpty)
        try ledger.chain.amendFacility(
            SmallLedger.mineB,
            reason: "on the northern grid",
            changes: ["gridRegion": "CL-NG"]
        )
        let warnings = try reimported()
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("gives \(SmallLedger.mineB) gridRegion CL-AN; the ledger has CL-NG") == true)
    }

    @Test("the document holds the scope's events in event-time order, each with its recorded eventID")
    func documentHoldsTheLineageEventsInEventTimeOrder() throws {
        let network = try Network()
        let scope = try LineageScope.collect(try network.firstSerial(), chain: network.chain)
        let export = try EPCISExport(scope: scope, chain: network.chain, profile: .auditor)
        let document = export.document
        #expect(document["type"] == "EPCISDocument")
        #expect(document["schemaVersion"] == "2.0")
        #expect(
            document["@context"]
                == JSONValue.array([
                    .string(EPCISExport.contextURL),
                    .object(["ct": "https://celltrace.dev/ns/epcis/1/", "cbvmda": "urn:epcglobal:cbv:mda:"]),
                ])
        )
        let events = try #require(document["epcisBody"]?["eventList"]?.arrayValue)
        #expect(Set(export.events.map(\.sequenceNumber)) == Set(scope.events))
        var previous = Int64.min
        for (event, summary) in zip(events, export.events) {
            let time = try #require(EventTimeText.utcMilliseconds(event["eventTime"]?.stringValue ?? ""))
            #expect(time >= previous)
            previous = time
            let entry = try network.chain.ledger.entry(at: summary.sequenceNumber)
            #expect(event["eventID"] == entry.body["eventID"])
            #expect(event["eventID"]?.stringValue?.hasPrefix("ni:///sha-256;") == true)
            #expect(event["recordTime"]?.stringValue == entry.time.rfc3339)
            #expect(event["@context"] == nil, "the entries' prefix bindings moved up to the document")
            #expect(event[EPCISExport.withheldMember] == nil, "the auditor profile withholds nothing")
            let recorded = try network.chain.read { reader, txn, _ in try reader.event(summary.eventID, txn) }
            #expect(recorded?.sequenceNumber == summary.sequenceNumber)
        }
    }

    @Test("the file is written as member-order hashers read it: cbvmda bound, each pair's type first")
    func fileSuitsMemberOrderHashers() throws {
        let network = try Network()
        let scope = try LineageScope.collect(try network.firstSerial(), chain: network.chain)
        let export = try EPCISExport(scope: scope, chain: network.chain, profile: .auditor)
        let lines = String(decoding: export.bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.contains { $0.contains(#""cbvmda:countryOfOrigin": "#) })
        #expect(lines.contains(#"      "cbvmda": "urn:epcglobal:cbv:mda:","#))
        var pairs = 0
        for (index, line) in lines.enumerated()
        where [#""source": "#, #""destination": "#].contains(where: { line.contains($0) }) {
            pairs += 1
            #expect(lines[index - 1].contains(#""type": "#), "\(lines[index - 1]) then \(line)")
        }
        #expect(pairs > 0)
        let reread = try JSONValue(parsing: export.bytes)
        #expect(reread == export.document, "the order changes the text only")
    }

    @Test("a public export holds none of the sealed values: no quantity, no mass, no party, no price")
    func publicExportHoldsNoWithheldValue() throws {
        let network = try Network()
        let scope = try LineageScope.collect(try network.firstSerial(), chain: network.chain)
        let export = try EPCISExport(scope: scope, chain: network.chain, profile: .public)
        let text = String(decoding: export.bytes, as: UTF8.self)
        #expect(!text.contains("$commit"))
        let events = try #require(export.document["epcisBody"]?["eventList"]?.arrayValue)
        var withheldValues = 0
        for (event, summary) in zip(events, export.events) {
            let entry = try network.chain.ledger.entry(at: summary.sequenceNumber)
            let openings = try network.chain.ledger.openings(of: entry)
            let commitments = entry.commitments
            #expect(summary.withheld.count == commitments.count, "the public profile reveals no sealed field")
            let listed = try #require(event[EPCISExport.withheldMember]?.arrayValue ?? (commitments.isEmpty ? [] : nil))
            #expect(listed.count == commitments.count)
            for (item, json) in zip(summary.withheld, listed) {
                #expect(json["pointer"]?.stringValue == item.pointer.text)
                #expect(json["commitment"]?.stringValue == commitments[item.pointer]?.digest.hex)
                #expect(item.pointer.value(in: event) == nil, "\(item.pointer) is gone from the event")
                let opened = try #require(openings[item.pointer]?.value)
                withheldValues += 1
                for case .string(let party) in [opened] { #expect(!text.contains(party), "party \(party)") }
            }
            for list in ["quantityList", "inputQuantityList", "outputQuantityList", "childQuantityList"] {
                for element in event[list]?.arrayValue ?? [] {
                    #expect(element["quantity"] == nil)
                    #expect(element["epcClass"] != nil, "the lot is still named")
                }
            }
            for leg in event["ct:transport"]?.arrayValue ?? [] { #expect(leg["mass"] == nil) }
            #expect(event["ct:coProductPrices"] == nil)
        }
        #expect(withheldValues > 0, "the lineage has sealed quantities")
    }

    @Test("a legitimate-interest export opens the quantities and withholds the parties")
    func legitimateInterestOpensQuantitiesOnly() throws {
        let network = try Network()
        let scope = try LineageScope.collect(try network.firstSerial(), chain: network.chain)
        let export = try EPCISExport(scope: scope, chain: network.chain, profile: .legitimateInterest)
        let events = try #require(export.document["epcisBody"]?["eventList"]?.arrayValue)
        var opened = 0
        for (event, summary) in zip(events, export.events) {
            let entry = try network.chain.ledger.entry(at: summary.sequenceNumber)
            let openings = try network.chain.ledger.openings(of: entry)
            let withheld = Set(summary.withheld.map(\.pointer))
            for (pointer, opening) in openings {
                let field = ClassifiedField.classify(entryType: entry.type, pointer: pointer)
                if field.name == "quantity" {
                    #expect(pointer.value(in: event) == opening.value)
                    opened += 1
                }
                #expect(withheld.contains(pointer) == !DisclosureProfile.legitimateInterest.reveals(field))
            }
            #expect(event["sourceList"] == nil && event["destinationList"] == nil)
        }
        #expect(opened > 0)
    }

    @Test("an auditor export, imported actor by actor into a fresh ledger, gives the same events and lots")
    func auditorExportRoundTrips() throws {
        let network = try Network()
        let serial = try network.firstSerial()
        let scope = try LineageScope.collect(serial, chain: network.chain)
        let full = try EPCISExport(scope: scope, chain: network.chain, profile: .auditor)
        #expect(full.events.allSatisfy { $0.withheld.isEmpty })

        let directory = TemporaryDirectory()
        let fresh = try SupplyChainLedger.create(
            at: directory.path + "/ledger",
            origin: "celltrace.test/round-trip",
            options: Ledger.Options(durable: false)
        )
        let keys = try network.generator.registerMasterData(into: fresh)
        // Each submission is one actor's: import each actor's events, suppliers (first in the ledger) first.
        var actors: [String] = []
        for event in full.events.sorted(by: { $0.sequenceNumber < $1.sequenceNumber })
        where !actors.contains(event.actor) {
            actors.append(event.actor)
        }
        #expect(actors.count > 2)
        for actor in actors {
            let part = try EPCISExport(scope: scope, chain: network.chain, profile: .auditor, actor: actor)
            let key = try #require(keys[actor])
            let report = try fresh.importSubmission(part.bytes, actor: actor, key: key)
            #expect(report.written == part.events.count, "\(actor)")
        }

        for event in full.events {
            let before = try network.chain.read { reader, txn, _ in try reader.event(event.eventID, txn) }
            let after = try fresh.read { reader, txn, _ in try reader.event(event.eventID, txn) }
            let original = try #require(before)
            let imported = try #require(after, "\(event.eventID) is in the fresh ledger")
            #expect(imported.hashID == original.hashID)
            #expect(imported.eventID == original.eventID)
            #expect(
                (imported.type, imported.actor, imported.eventTime) == (
                    original.type, original.actor, original.eventTime
                )
            )
            let originalBody = try opened(network.chain, original.sequenceNumber)
            let importedBody = try opened(fresh, imported.sequenceNumber)
            #expect(importedBody == originalBody, "the same event, quantities and parties included")
        }

        var pending = scope.trace.tree
        var lots = 0
        while let node = pending.popLast() {
            pending += node.inputs
            let before = try network.chain.read { reader, txn, _ in try reader.lot(node.lot, txn) }
            let after = try fresh.read { reader, txn, _ in try reader.lot(node.lot, txn) }
            let original = try #require(before)
            let imported = try #require(after, "lot \(node.lot) is in the fresh ledger")
            #expect(imported.producedKg == original.producedKg)
            #expect(imported.material == original.material)
            #expect(imported.createdBy == original.createdBy)
            lots += 1
        }
        #expect(lots > 3)
        let again = try LineageScope.collect(serial, chain: fresh)
        #expect(again.trace.lotCount == scope.trace.lotCount)
        #expect(again.events.count == scope.events.count)
    }

    @Test("a shipment of a lineage lot declared in error travels with its error declaration")
    func retractedShipmentTravelsWithItsDeclaration() throws {
        let network = try Network()
        let serial = try network.firstSerial()
        // A lot of the lineage that its holder still holds some of, and another actor to ship it to.
        var pending = try LineageScope.collect(serial, chain: network.chain).trace.tree
        var found: (lot: String, holder: String)?
        while let node = pending.popLast(), found == nil {
            pending += node.inputs
            if let holding = try network.chain.lot(node.lot)?.holdings.first(where: { $0.kg >= ExactDecimal(1) }) {
                found = (node.lot, holding.actor)
            }
        }
        let (lot, holder) = try #require(found)
        let actors = try network.chain.actors()
        let source = try #require(actors.first { $0.id == holder }?.parties.first)
        let destination = try #require(actors.first { $0.id != holder }?.parties.first)
        let shipment: JSONValue = [
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
            "eventTime": "2026-11-04T08:00:00Z", "eventTimeZoneOffset": "+00:00",
            "quantityList": [["epcClass": .string(lot), "quantity": 1, "uom": "KGM"]],
            "sourceList": [["type": "owning_party", "source": .string(source)]],
            "destinationList": [["type": "owning_party", "destination": .string(destination)]],
        ]
        guard case .object(var declared) = shipment else { return }
        declared["errorDeclaration"] = ["declarationTime": "2026-11-05T08:00:00Z", "reason": "incorrect_data"]
        let key = try SupplyNetworkGenerator.actorKey(seed: Network.small.seed, actor: holder)
        try network.chain.importSubmission(shipment.canonicalBytes, actor: holder, key: key)
        try network.chain.importSubmission(JSONValue.object(declared).canonicalBytes, actor: holder, key: key)

        let scope = try LineageScope.collect(serial, chain: network.chain)
        let export = try EPCISExport(scope: scope, chain: network.chain, profile: .auditor)
        let events = try #require(export.document["epcisBody"]?["eventList"]?.arrayValue)
        let shipped = events.filter { $0["eventTime"] == "2026-11-04T08:00:00Z" }
        #expect(shipped.count == 2, "the shipment and its declaration")
        #expect(shipped.first?["errorDeclaration"] == nil)
        #expect(shipped.last?["errorDeclaration"]?["reason"] == "incorrect_data")
        #expect(shipped.first?["eventID"] == shipped.last?["eventID"], "a declaration names the event it retracts")
        #expect(export.events.count == scope.events.count + 1)

        let directory = TemporaryDirectory()
        let path = directory.path + "/declared.jsonld"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(export.bytes)))
        let result = try runProcess(
            ["python3", toolPath("validate_epcis.py"), fixturePath("epcis/schema/EPCIS-JSON-Schema.json"), path]
        )
        #expect(result.status == 0, "\(result.output)")
    }

    /// The body of an entry with its sealed fields opened, without the parts an import sets anew
    /// (`@context`, `recordTime`).
    private func opened(_ chain: SupplyChainLedger, _ sequence: UInt64) throws -> JSONValue {
        let entry = try chain.ledger.entry(at: sequence)
        var body = entry.body
        for (pointer, opening) in try chain.ledger.openings(of: entry) {
            _ = pointer.replaceValue(with: opening.value, in: &body)
        }
        guard case .object(var members) = body else { return body }
        members.removeValue(forKey: "@context")
        members.removeValue(forKey: "recordTime")
        return .object(members)
    }
}
