import Carbon
import Foundation
import LedgerCore
import LedgerCrypto
import Provenance
import SupplyChain
import Testing

/// A fresh directory under /tmp, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/celltrace-carbon-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let created else { fatalError("mkdtemp failed") }
        path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A small supply network built event by event: one actor ("maker") operates every facility, so
/// custody never gets in the way of the numbers under test.
struct Graph {
    // The ledger is declared before its directory so that it closes before the directory is removed:
    // a new test's mkdtemp may reuse the name as soon as it is gone.
    let chain: SupplyChainLedger
    let directory: TemporaryDirectory
    let key = Ed25519PrivateKey()

    /// Facility ids.
    static let mine = "urn:test:facility:mine"
    static let mineB = "urn:test:facility:mine-b"
    static let refinery = "urn:test:facility:refinery"
    static let cellPlant = "urn:test:facility:cell-plant"

    /// The factors every hand computation in the tests uses.
    static let factors: JSONValue = [
        "id": "test-factors", "version": 1, "source": "hand-made for the tests", "year": 2025,
        "factors": [
            ["category": "grid", "geography": "AU-WA", "value": "0.5", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "CN-SC", "value": "0.1", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "CN", "basis": "consumption-mix", "value": "0.6", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "CN", "basis": "residual-mix", "value": "0.7", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "HU", "value": "0.2", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "HU", "basis": "residual-mix", "value": "0.3", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "HU", "basis": "consumption-mix", "value": "0.25", "unit": "kgCO2e/kWh"],
            ["category": "grid", "geography": "CL", "value": "0.3", "unit": "kgCO2e/kWh"],
            ["category": "fuel", "name": "diesel", "value": "0.07", "unit": "kgCO2e/MJ"],
            ["category": "transport", "name": "sea", "value": "0.01", "unit": "kgCO2e/tkm"],
            ["category": "material", "name": "anode-graphite", "value": "10", "unit": "kgCO2e/kg"],
        ],
    ]

    init(factors: JSONValue? = Graph.factors) throws {
        let directory = TemporaryDirectory()
        self.directory = directory
        chain = try SupplyChainLedger.create(at: directory.path + "/ledger", origin: "celltrace.test/carbon")
        try chain.registerActor(ActorDraft(id: "maker", name: "Maker", role: .processor, publicKey: key.publicKey))
        try chain.registerFacility(
            FacilityDraft(
                id: Self.mine,
                name: "Mine A",
                operatorID: "maker",
                kind: .mine,
                country: "AU",
                subdivision: "AU-WA"
            )
        )
        try chain.registerFacility(
            FacilityDraft(
                id: Self.mineB,
                name: "Mine B",
                operatorID: "maker",
                kind: .mine,
                country: "CL",
                riskFlags: ["high-risk"]
            )
        )
        try chain.registerFacility(
            FacilityDraft(id: Self.refinery, operatorID: "maker", kind: .refinery, country: "CN", subdivision: "CN-SC")
        )
        try chain.registerFacility(FacilityDraft(id: Self.cellPlant, operatorID: "maker", kind: .cell, country: "HU"))
        if let factors { try chain.recordFactorTable(factors) }
        try chain.registerBatteryModel(
            ["id": "X", "category": "M1", "serviceYears": "8", "usableEnergyShare": "0.9"]
        )
    }

    /// Imports events as one signed submission.
    @discardableResult
    func submit(_ events: [String]) throws -> ImportReport {
        try chain.importSubmission(Array(events.joined(separator: "\n").utf8), actor: "maker", key: key)
    }

    static func time(_ day: Int) -> String { "2026-01-\(day < 10 ? "0" : "")\(day)T08:00:00Z" }

    /// An extraction (ObjectEvent ADD).
    static func extract(
        _ lot: String,
        kg: Int,
        at facility: String = mine,
        day: Int,
        material: String = "ore",
        content: String = "",
        extra: String = ""
    ) -> String {
        """
        {"type":"ObjectEvent","eventTime":"\(time(day))","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\(facility)"},"quantityList":[{"epcClass":"\(lot)","quantity":\(kg),"uom":"KGM"}],"ilmd":{"ct:material":"\(material)"\(content.isEmpty ? "" : ",\"ct:elementContent\":{\(content)}")}\(extra)}
        """
    }

    /// A transformation; each output may carry its own material through `ct:lots`.
    static func transform(
        _ inputs: [(String, Int)],
        _ outputs: [(String, Int)],
        at facility: String,
        day: Int,
        material: String,
        content: String = "",
        extra: String = ""
    ) -> String {
        let ins = inputs.map { "{\"epcClass\":\"\($0.0)\",\"quantity\":\($0.1),\"uom\":\"KGM\"}" }.joined(
            separator: ","
        )
        let outs = outputs.map { "{\"epcClass\":\"\($0.0)\",\"quantity\":\($0.1),\"uom\":\"KGM\"}" }.joined(
            separator: ","
        )
        return """
            {"type":"TransformationEvent","eventTime":"\(time(day))","eventTimeZoneOffset":"+00:00","bizLocation":{"id":"\(facility)"},"inputQuantityList":[\(ins)],"outputQuantityList":[\(outs)],"ilmd":{"ct:material":"\(material)"\(content.isEmpty ? "" : ",\"ct:elementContent\":{\(content)}")}\(extra)}
            """
    }

    /// Commissioning of serials `P<first>`…`P<last>` from a cell lot.
    static func commission(
        _ lot: String,
        first: Int,
        last: Int,
        day: Int,
        massKg: String = "2",
        kWh: String = "0.5"
    ) -> String {
        """
        {"type":"ObjectEvent","eventTime":"\(time(day))","eventTimeZoneOffset":"+00:00","action":"ADD","bizLocation":{"id":"\(cellPlant)"},"epcList":[],"ct:cellLot":"\(lot)","ct:serialRanges":[{"prefix":"urn:test:cell:P","first":"\(first)","last":"\(last)"}],"ct:cellMass":{"quantity":"\(massKg)","uom":"KGM"},"ct:nominalEnergy":{"quantity":"\(kWh)","uom":"KWH"},"ct:batteryModel":"X"}
        """
    }

    /// The footprint of a subject, now or as of a size.
    func footprint(_ id: String, asOf: PointInTime = .now, scenario: Scenario = Scenario()) throws -> Footprint {
        try chain.read { reader, txn, now in
            let size = try asOf.size(in: chain.ledger, now: now)
            var engine = try CarbonEngine(reader: reader, size: size, scenario: scenario, txn)
            return try engine.footprint(of: Subject.resolve(id, reader: reader, size: size, txn), txn)
        }
    }

    /// A lot's footprint per kg through the memoised roll-up.
    func perKg(_ lot: String) throws -> Emissions {
        try chain.read { reader, txn, size in
            var engine = try CarbonEngine(reader: reader, size: size, txn)
            return try engine.perKg(lot, txn).total
        }
    }

    func trace(_ id: String, asOf: PointInTime = .now) throws -> Trace {
        try chain.read { reader, txn, now in
            let size = try asOf.size(in: chain.ledger, now: now)
            return try Trace.compute(
                Subject.resolve(id, reader: reader, size: size, txn),
                reader: reader,
                size: size,
                txn
            )
        }
    }

    func whereUsed(_ lot: String, since: String? = nil, until: String? = nil) throws -> WhereUsed {
        try chain.read { reader, txn, size in
            try WhereUsed.compute(
                lot,
                reader: reader,
                size: size,
                since: since.flatMap(PointInTime.time),
                until: until.flatMap(PointInTime.time),
                txn
            )
        }
    }
}

/// `a` and `b` agree to `relative` (or absolutely, near zero).
func close(_ a: Double, _ b: Double, _ relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(1, abs(a), abs(b))
}
