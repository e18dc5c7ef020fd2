import LedgerCore

/// Typed reads from a JSON object that report the field by its JSON pointer.
///
/// The pointer of a member or an array element is only spelled out when a problem or a caller
/// asks for it: reading a valid document builds none of the paths it never reports.
struct FieldReader {
    let value: JSONValue
    /// A JSON pointer: of the value itself, or of the object whose member ``key`` holds the value
    /// (or the array the value is an element of).
    private let base: String
    /// The member of ``base`` that holds the value, or the array it is an element of; `nil` when
    /// ``base`` is the value's own pointer or its array's.
    private let key: String?
    /// The value's index in its array, or -1.
    private let index: Int
    let problems: ProblemSink

    init(_ value: JSONValue, path: String = "", problems: ProblemSink) {
        self.init(value, base: path, key: nil, index: -1, problems: problems)
    }

    /// A reader for element `index` of the array at `parent` (a JSON pointer).
    init(_ value: JSONValue, parent: String, index: Int, problems: ProblemSink) {
        self.init(value, base: parent, key: nil, index: index, problems: problems)
    }

    /// A reader whose pointer is `base`, then `key` and `index` when given: members and elements
    /// of the top-level reader spell their pointers only when asked.
    private init(_ value: JSONValue, base: String, key: String?, index: Int, problems: ProblemSink) {
        self.value = value
        self.base = base
        self.key = key
        self.index = index
        self.problems = problems
    }

    /// The JSON pointer of the value.
    var path: String { spelled(then: nil) }

    func pointer(_ member: String) -> String { spelled(then: Self.escaped(member)) }

    /// ``base``, then the member ``key``, the ``index`` and `last`, those that are given.
    private func spelled(then last: String?) -> String {
        Self.joined(base, key.map(Self.escaped), index >= 0 ? String(index) : nil, last)
    }

    /// A member name as a JSON pointer token (RFC 6901: `~` as `~0`, `/` as `~1`).
    static func escaped(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == 0x7e || $0 == 0x2f }) else { return key }
        return key.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// `base` and the tokens that are given, each after a slash, written straight into one
    /// allocation.
    private static func joined(_ base: String, _ first: String?, _ second: String?, _ third: String?) -> String {
        guard first != nil || second != nil || third != nil else { return base }
        return base.withUTF8Bytes { base in
            (first ?? "").withUTF8Bytes { firstBytes in
                (second ?? "").withUTF8Bytes { secondBytes in
                    (third ?? "").withUTF8Bytes { thirdBytes in
                        let total =
                            base.count + (first != nil ? 1 + firstBytes.count : 0)
                            + (second != nil ? 1 + secondBytes.count : 0) + (third != nil ? 1 + thirdBytes.count : 0)
                        return String(unsafeUninitializedCapacity: total) { text in
                            var position = 0
                            func put(_ bytes: UnsafeBufferPointer<UInt8>, present: Bool = true, slash: Bool = true) {
                                guard present else { return }
                                if slash {
                                    text[position] = UInt8(ascii: "/")
                                    position += 1
                                }
                                guard let source = bytes.baseAddress, let target = text.baseAddress else { return }
                                (target + position).initialize(from: source, count: bytes.count)
                                position += bytes.count
                            }
                            put(base, slash: false)
                            put(firstBytes, present: first != nil)
                            put(secondBytes, present: second != nil)
                            put(thirdBytes, present: third != nil)
                            return position
                        }
                    }
                }
            }
        }
    }

    subscript(key: String) -> JSONValue? { value[key] }

    func fail(_ key: String, _ message: String) {
        problems.add(field: pointer(key), message)
    }

    /// The longest identifier that keys an index (a lot, a serial prefix, a unit, a recipient): with
    /// the bytes an index adds to it, a key stays within LMDB's 511 bytes.
    static let maxKeyedLength = 256

    /// A required or optional string.
    func string(_ key: String, required: Bool = true, maxLength: Int = 1024) -> String? {
        string(key, member: value[key], required: required, maxLength: maxLength)
    }

    /// A required or optional string, given the member already looked up (`nil` when absent).
    func string(_ key: String, member: JSONValue?, required: Bool = true, maxLength: Int = 1024) -> String? {
        guard let member else {
            if required { fail(key, "is required") }
            return nil
        }
        guard case .string(let text) = member, !text.isEmpty else {
            fail(key, "must be a non-empty string")
            return nil
        }
        guard text.utf8.count <= maxLength else {
            fail(key, "must be at most \(maxLength) bytes")
            return nil
        }
        return text
    }

    /// A required string that must be one of an enumeration's raw values; the problem lists them.
    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, of _: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            fail(key, "must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return choice
    }

    /// A decimal given as a JSON number or a decimal string.
    func decimal(_ key: String, required: Bool = true) -> ExactDecimal? {
        decimal(key, member: value[key], required: required)
    }

    /// A decimal given as a JSON number or a decimal string, given the member already looked up.
    func decimal(_ key: String, member: JSONValue?, required: Bool = true) -> ExactDecimal? {
        guard let member else {
            if required { fail(key, "is required") }
            return nil
        }
        switch member {
        case .number(let number):
            guard let decimal = ExactDecimal(number) else {
                fail(key, "must be a finite number")
                return nil
            }
            return decimal
        case .string(let text):
            guard let decimal = ExactDecimal(text) else {
                fail(key, "must be a decimal number such as \"12.5\" (got \"\(text)\")")
                return nil
            }
            return decimal
        default:
            fail(key, "must be a number or a decimal string")
            return nil
        }
    }

    /// A positive quantity `key` in a unit `uomKey` of `dimension`, converted to the dimension's
    /// base unit; the quantity's sign and its unit are checked apart, so that a record wrong in
    /// both is reported for both.
    ///
    /// - Parameters:
    ///   - key: The quantity's member.
    ///   - uomKey: The unit's member, a UN/ECE Rec. 20 code.
    ///   - dimension: What the quantity measures.
    ///   - unitProblem: What is said of a unit that is not one of `dimension`, made only then.
    /// - Returns: The quantity in the base unit, or `nil` when either member is missing or wrong.
    func measure(
        _ key: String,
        unit uomKey: String,
        of dimension: MeasureDimension,
        unitProblem: @autoclosure () -> String
    ) -> ExactDecimal? {
        let quantity = decimal(key)
        let uom = string(uomKey)
        if let quantity, !quantity.isPositive { fail(key, "must be greater than zero") }
        guard let uom else { return nil }
        guard let quantity, let base = dimension.toBase(quantity, code: uom) else {
            if !dimension.hasUnit(uom) {
                fail(uomKey, unitProblem())
            } else if quantity != nil {
                fail(key, "is too large to convert exactly to \(dimension.baseUnit)")
            }
            return nil
        }
        return quantity.isPositive ? base : nil
    }

    func child(_ key: String) -> FieldReader? {
        child(key, member: value[key])
    }

    /// The reader of a member already looked up, or `nil` when it is absent.
    func child(_ key: String, member: JSONValue?) -> FieldReader? {
        guard let member else { return nil }
        guard self.key != nil || index >= 0 else {
            return FieldReader(member, base: base, key: key, index: -1, problems: problems)
        }
        return FieldReader(member, path: pointer(key), problems: problems)
    }

    func array(_ key: String, required: Bool = false) -> [FieldReader]? {
        array(key, member: value[key], required: required)
    }

    /// The readers of the elements of a member already looked up (`nil` when absent).
    func array(_ key: String, member: JSONValue?, required: Bool = false) -> [FieldReader]? {
        guard let member else {
            if required { fail(key, "is required") }
            return nil
        }
        guard case .array(let elements) = member else {
            fail(key, "must be an array")
            return nil
        }
        guard self.key != nil || index >= 0 else {
            return elements.enumerated().map {
                FieldReader($1, base: base, key: key, index: $0, problems: problems)
            }
        }
        let arrayPath = pointer(key)
        return elements.enumerated().map {
            FieldReader($1, base: arrayPath, key: nil, index: $0, problems: problems)
        }
    }
}

/// Collects the problems of one record; the record's index and identifier are filled in by the caller.
final class ProblemSink {
    var index: Int?
    var identifier: String?
    private(set) var problems: [SupplyChainError.Problem] = []

    init(index: Int? = nil, identifier: String? = nil) {
        self.index = index
        self.identifier = identifier
    }

    func add(field: String, _ message: String) {
        problems.append(.init(index: index, identifier: identifier, field: field, message: message))
    }

    /// Adds problems found elsewhere (their index and identifier already set).
    func append(contentsOf found: [SupplyChainError.Problem]) {
        problems.append(contentsOf: found)
    }

    /// Names the record in the problems recorded since `start` (once its identifier is known).
    func identify(from start: Int, as identifier: String) {
        for index in start..<problems.count where problems[index].identifier == nil {
            problems[index].identifier = identifier
        }
    }

    /// Whether the record being checked is refused already, by problems found before the rules
    /// ran (its vocabulary): the rules still report what they find, and apply nothing.
    var recordRefused = false

    /// Whether the record passes: nothing recorded since `before`, and not refused already
    /// (``recordRefused``).
    func passes(since before: Int) -> Bool { !recordRefused && problems.count == before }

    /// Adds `note` to the messages of the problems at `positions`: what a later record of the
    /// batch says of an earlier one's problem.
    func amend(_ positions: [Int], with note: String) {
        for position in positions where problems.indices.contains(position) {
            problems[position].message += note
        }
    }

    /// Whether a problem at `field` is recorded.
    func names(_ field: String) -> Bool { problems.contains { $0.field == field } }

    /// Drops the problems recorded since `start` at a field that one recorded from `earlier` up
    /// to `start` already names: a second check's word on a field the first has reported.
    func dropRepeatedFields(from start: Int, after earlier: Int) {
        let named = Set(problems[earlier..<start].map(\.field))
        var kept = Array(problems[..<start])
        kept.append(contentsOf: problems[start...].filter { !named.contains($0.field) })
        problems = kept
    }

    var isEmpty: Bool { problems.isEmpty }
    var count: Int { problems.count }
}

/// Identifiers of actors and facilities: 1–128 bytes of letters, digits and `.-_:/#@`.
enum Identifier {
    static func isValid(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
                    || ".-_:/#@~+=?&%".utf8.contains(byte)
            }
    }

    static let rule = "1–128 characters of letters, digits and . - _ : / # @ ~ + = ? & %"
}
