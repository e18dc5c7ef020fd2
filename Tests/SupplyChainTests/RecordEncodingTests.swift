import LedgerCore
import Testing

@testable import SupplyChain

/// Records written to the indexes as canonical bytes directly are the bytes of their JSON; a lot's
/// binary row reads back as the lot.
@Suite struct RecordEncodingTests {
    static func lot(full: Bool) -> Lot {
        var lot = Lot(
            id: "urn:epc:class:lgtin:6900002.000021.LHM-\"7\"\\é",
            material: full ? "lithium-hydroxide" : nil,
            grade: full ? "battery" : nil,
            elementContent: full
                ? [
                    "Li": ExactDecimal(significand: 165, exponent: -3),
                    "Co": ExactDecimal(significand: 1, exponent: -2),
                ] : [:],
            countryOfOrigin: full ? "CN" : nil,
            facility: "urn:epc:id:sgln:6900002.00001.0",
            createdBy: "ni:///sha-256;00ff?ver=CBV2.0",
            createdAt: full ? 9_007_199_254_740_993 : 7,
            eventTime: "2026-02-10T02:10:00.000Z",
            producedKg: ExactDecimal(9),
            inputs: full ? ["urn:epc:class:lgtin:6900002.000011.SEED-1", "b"] : []
        )
        if full {
            lot.consumedKg = ExactDecimal(significand: 25, exponent: -1)
            lot.commissionedKg = ExactDecimal(significand: 125, exponent: -2)
            lot.certifications = ["https://example.com/cert/1", "x\n"]
            lot.retractedAt = 12
        }
        return lot
    }

    @Test("an exact decimal spells the plain decimal it was read from, within and beyond 64 bits")
    func decimalText() throws {
        for text in [
            "0", "9", "5000", "123.45", "0.005", "-0.25", "-1200", "1.000000001",
            "18446744073709551615", "18446744073709551616000", "-123456789012345678901234567.89",
            "0.000000000000000000000000000001",
        ] {
            let value = try #require(ExactDecimal(text))
            #expect(value.description == text)
        }
        #expect(ExactDecimal(significand: 25, exponent: -1).description == "2.5")
        #expect(ExactDecimal(significand: -7, exponent: 2).description == "-700")
    }

    @Test("a lot's binary row reads back as the lot, exactly, in less than its JSON", arguments: [false, true])
    func lotRowReadsBack(full: Bool) {
        let lot = Self.lot(full: full)
        let row = lot.row
        #expect(row.withUnsafeBytes { Lot(row: $0) } == lot)
        #expect(row.count < lot.json.canonicalBytes.count)
        // A sequence number beyond a double's 53 bits stays exact.
        #expect(row.withUnsafeBytes { Lot(row: $0) }?.createdAt == (full ? 9_007_199_254_740_993 : 7))
    }

    @Test("a lot made again reads back with the number of the version it replaces; a first version has none")
    func remadeLotRowReadsBack() {
        var lot = Self.lot(full: true)
        lot.retractedAt = nil
        let first = lot.row
        #expect(first[0] == 1)
        for previous: UInt64 in [0, 127, 128, 9_007_199_254_740_993] {
            lot.previousVersion = previous
            let row = lot.row
            #expect(row[0] == 2)
            #expect(row.withUnsafeBytes { Lot(row: $0) } == lot)
            #expect(row.withUnsafeBytes { Lot(row: $0) }?.previousVersion == previous)
            // Without its last varint it is not read, nor with a byte more.
            #expect(Array(row.dropLast()).withUnsafeBytes { Lot(row: $0) } == nil)
            #expect((row + [0]).withUnsafeBytes { Lot(row: $0) } == nil)
        }
        #expect(first.withUnsafeBytes { Lot(row: $0) }?.previousVersion == nil)
    }

    @Test("a lot row keeps decimals of every size and sign, and exponents far from zero")
    func lotRowKeepsDecimals() {
        var lot = Self.lot(full: true)
        let big = (0..<35).reduce(Int128(1)) { product, _ in product * 10 } + 7
        lot.elementContent = [
            "big": ExactDecimal(significand: big, exponent: -30),
            "negative": ExactDecimal(significand: -big, exponent: 40),
            "tiny": ExactDecimal(significand: 1, exponent: -60),
            "zero": .zero,
        ]
        lot.producedKg = ExactDecimal(significand: 64, exponent: 0)
        lot.consumedKg = ExactDecimal(significand: -1, exponent: -1)
        #expect(lot.row.withUnsafeBytes { Lot(row: $0) } == lot)
    }

    @Test("a compact decimal that no import makes (trailing zeros, 37 digits, an exponent past 10⁵) is not read")
    func compactDecimalsOutOfRangeAreNotRead() {
        func reads(_ significand: Int128, _ exponent: Int64) -> Bool {
            var writer = BinaryWriter(version: 1)
            writer.varint(UInt128(bitPattern: significand << 1 ^ significand >> 127))
            writer.varint(UInt64(bitPattern: exponent << 1 ^ exponent >> 63))
            return BinaryReader.read(writer.bytes, version: 1) { $0.compactDecimal() } != nil
        }
        #expect(reads(9, 0) && reads(-7, 100_000) && reads(1, -100_000) && reads(0, 0))
        let digits37 = (0..<36).reduce(Int128(1)) { product, _ in product * 10 } + 1
        #expect(!reads(10, 0), "a trailing zero")
        #expect(!reads(0, 3), "zero with an exponent")
        #expect(!reads(digits37, 0), "37 digits")
        #expect(!reads(1, Int64.max), "an exponent that would overflow")
        #expect(!reads(1, -100_001))
        // A decimal read from text keeps its exponent within ±10,000, so every stored one reads.
        #expect(ExactDecimal("0." + String(repeating: "0", count: 9_998) + "1")?.exponent == -9_999)
        #expect(ExactDecimal("1e9999")?.exponent == 9_999)
        #expect(ExactDecimal("0." + String(repeating: "0", count: 10_000) + "1") == nil)
        #expect(ExactDecimal("1" + String(repeating: "0", count: 10_001)) == nil)
    }

    @Test("lot and edge rows with bytes changed at random read as something or nothing, never a trap")
    func mutatedRowsNeverTrap() {
        let edge = LineageEdge(
            from: "a",
            to: "b",
            kg: ExactDecimal(significand: 25, exponent: -1),
            sequenceNumber: 300,
            eventID: "e"
        )
        let rows = [Self.lot(full: true).row, Self.lot(full: false).row, edge.row]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var read = 0
        for trial in 0..<6_000 {
            var row = rows[trial % rows.count]
            for _ in 0...(next() % 3) {
                row[1 + next() % (row.count - 1)] = UInt8(truncatingIfNeeded: next())
            }
            let decoded = row.withUnsafeBytes { raw in
                trial % rows.count == 2 ? LineageEdge(row: raw) != nil : Lot(row: raw) != nil
            }
            if decoded { read += 1 }
        }
        #expect(read > 0 && read < 6_000, "some changed rows still read (a changed letter), most do not")
    }

    @Test("an empty material or grade is kept apart from none")
    func lotRowKeepsEmptyApartFromNone() {
        var lot = Self.lot(full: false)
        lot.material = ""
        lot.grade = nil
        let read = lot.row.withUnsafeBytes { Lot(row: $0) }
        #expect(read?.material == "" && read?.grade == nil)
    }

    @Test(
        "a lot row cut short, lengthened, of another version, with a presence byte not 0 or 1, a count past its end or a varint past 64 bits is not read"
    )
    func damagedLotRowsAreNotRead() {
        let row = Self.lot(full: true).row
        for cut in [1, 2, 10, row.count / 2, row.count - 1] {
            #expect(Array(row.prefix(cut)).withUnsafeBytes { Lot(row: $0) } == nil, "cut to \(cut) bytes")
        }
        #expect((row + [0]).withUnsafeBytes { Lot(row: $0) } == nil)
        var otherVersion = row
        otherVersion[0] = 3
        #expect(otherVersion.withUnsafeBytes { Lot(row: $0) } == nil)
        // A version-2 row (a lot made again) ends with the number of the version it replaces.
        var missingPrevious = row
        missingPrevious[0] = 2
        #expect(missingPrevious.withUnsafeBytes { Lot(row: $0) } == nil)
        // The empty lot's material has no text: its presence byte follows the version and the id.
        var presence = Self.lot(full: false).row
        let at = 2 + Int(presence[1])
        #expect(presence[at] == 0)
        presence[at] = 2
        #expect(presence.withUnsafeBytes { Lot(row: $0) } == nil)
        // The empty lot ends in four one-byte varints: its element, input and certificate counts
        // and no retraction. An element count of 2³² − 1 is more than the row can hold.
        var empty = Self.lot(full: false).row
        #expect(empty.suffix(4) == [0, 0, 0, 0])
        empty.replaceSubrange(empty.count - 4..<empty.count - 3, with: [0xff, 0xff, 0xff, 0xff, 0x0f])
        #expect(empty.withUnsafeBytes { Lot(row: $0) } == nil)
        // A varint with bits past 64 is refused rather than wrapped.
        var wide = Self.lot(full: false).row
        wide.replaceSubrange(
            wide.count - 1..<wide.count,
            with: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]
        )
        #expect(wide.withUnsafeBytes { Lot(row: $0) } == nil)
    }

    @Test("an edge's binary row reads back as the edge, mass first; a damaged one is not read")
    func edgeRowReadsBack() {
        let edge = LineageEdge(
            from: "urn:epc:class:lgtin:6900002.000011.SEED-1",
            to: "lot \"2\"",
            kg: ExactDecimal(significand: 9_000_000_001, exponent: -9),
            sequenceNumber: 9_007_199_254_740_993,
            eventID: "ni:///sha-256;00ff?ver=CBV2.0"
        )
        let row = edge.row
        #expect(row.withUnsafeBytes { LineageEdge(row: $0) } == edge)
        #expect(row.count < edge.json.canonicalBytes.count)
        // The mass follows the version byte: 9000000001 zigzagged is five varint bytes, then −9 (17).
        #expect(Array(row.prefix(7)) == [1, 0x82, 0xE8, 0x88, 0x87, 0x43, 17])
        for cut in [1, 7, row.count - 1] {
            #expect(Array(row.prefix(cut)).withUnsafeBytes { LineageEdge(row: $0) } == nil, "cut to \(cut) bytes")
        }
        #expect((row + [0]).withUnsafeBytes { LineageEdge(row: $0) } == nil)
    }

    @Test(arguments: [false, true])
    func eventRecordBytesAreItsCanonicalJSON(full: Bool) {
        var effects = EventEffects()
        if full {
            effects.created = ["urn:epc:class:lgtin:6900002.000021.LHM-1", "b\"é"]
            effects.consumed = [("urn:epc:class:lgtin:6900002.000011.SEED-1", "refiner", ExactDecimal(10))]
            effects.moved = [("lot", "refiner", "cell-maker", ExactDecimal(significand: 25, exponent: -1))]
            effects.serials = [("urn:epc:id:sgtin:4012345.011111.", 1500), ("p.", 0)]
            effects.aggregated = ("pack-1", ["cell-1", "cell-2"])
            effects.disaggregated = ("module-1", [])
            effects.certified = [("lot", "https://example.com/cert/1")]
            effects.claims = ["go-1", "go-2"]
        }
        let sequence: UInt64 = full ? 9_007_199_254_740_993 : 42
        let record: JSONValue = [
            "seq": .number(Double(sequence)), "hash": .string("ni:///sha-256;00ff?ver=CBV2.0"),
            "type": .string("TransformationEvent"), "actor": .string("refiner"),
            "eventTime": .string("2026-02-10T02:10:00.000Z"), "effects": effects.json, "submission": .number(41),
        ]
        let bytes = EventEffects.eventRecord(
            sequence: sequence,
            hash: "ni:///sha-256;00ff?ver=CBV2.0",
            type: "TransformationEvent",
            actor: "refiner",
            eventTime: "2026-02-10T02:10:00.000Z",
            effects: effects,
            submission: 41
        )
        #expect(bytes == record.canonicalBytes)
    }
}

extension EventEffects {
    /// The effects as a JSON value, built member by member: the reference the directly written
    /// bytes are compared with.
    var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if !created.isEmpty { members["created"] = .array(created.map(JSONValue.string)) }
        if !consumed.isEmpty {
            members["consumed"] = .array(
                consumed.map {
                    .object(["lot": .string($0.lot), "actor": .string($0.actor), "kg": .string($0.kg.description)])
                }
            )
        }
        if !moved.isEmpty {
            members["moved"] = .array(
                moved.map {
                    .object([
                        "lot": .string($0.lot), "from": .string($0.from), "to": .string($0.to),
                        "kg": .string($0.kg.description),
                    ])
                }
            )
        }
        if !serials.isEmpty {
            members["serials"] = .array(
                serials.map { .object(["prefix": .string($0.prefix), "last": .string(String($0.last))]) }
            )
        }
        if let aggregated {
            members["aggregated"] = .object([
                "parent": .string(aggregated.parent), "children": .array(aggregated.children.map(JSONValue.string)),
            ])
        }
        if let disaggregated {
            members["disaggregated"] = .object([
                "parent": .string(disaggregated.parent),
                "children": .array(disaggregated.children.map(JSONValue.string)),
            ])
        }
        if !certified.isEmpty {
            members["certified"] = .array(
                certified.map { .object(["lot": .string($0.lot), "certificate": .string($0.certificate)]) }
            )
        }
        if !claims.isEmpty { members["claims"] = .array(claims.map(JSONValue.string)) }
        return .object(members)
    }
}

extension RecordEncodingTests {
    @Test func fieldReadersNameEveryFieldByItsJSONPointer() throws {
        let sink = ProblemSink()
        let event: JSONValue = [
            "a/b": ["x": 1], "list": [["q": "no"], ["q": 2]], "t~": [["k": ["deep": ["v": true]]]],
        ]
        let reader = FieldReader(event, problems: sink)
        #expect(reader.path == "")
        #expect(reader.pointer("a/b") == "/a~1b")
        let member = try #require(reader.child("a/b"))
        #expect(member.path == "/a~1b")
        #expect(member.pointer("x") == "/a~1b/x")
        let elements = try #require(reader.array("list"))
        #expect(elements.map(\.path) == ["/list/0", "/list/1"])
        #expect(elements[0].decimal("q") == nil)
        #expect(sink.problems.map(\.field) == ["/list/0/q"])
        let nested = try #require(reader.array("t~")?.first?.child("k")?.child("deep"))
        #expect(nested.path == "/t~0/0/k/deep")
        #expect(nested.pointer("v") == "/t~0/0/k/deep/v")
        let element = FieldReader(["v": 1], parent: "/ct:fuels", index: 3, problems: sink)
        #expect(element.path == "/ct:fuels/3")
        #expect(element.pointer("v") == "/ct:fuels/3/v")
        #expect(FieldReader(1, path: "/x", problems: sink).pointer("y") == "/x/y")
    }
}
