import LedgerCore

/// Typed reads from a JSON object that report the field by its JSON pointer.
///
/// The pointer of an array element is only spelled out when a problem or a caller asks for it:
/// reading a valid document builds none of the element paths it never reports.
struct FieldReader {
    let value: JSONValue
    /// The pointer of the container, or of the value itself when ``index`` is negative.
    private let base: String
    /// The value's index in the array at ``base``, or -1.
    private let index: Int
    let problems: ProblemSink

    init(_ value: JSONValue, path: String = "", problems: ProblemSink) {
        self.value = value
        self.base = path
        self.index = -1
        self.problems = problems
    }

    /// A reader for element `index` of the array at `parent` (a JSON pointer).
    init(_ value: JSONValue, parent: String, index: Int, problems: ProblemSink) {
        self.init(element: value, of: parent, at: index, problems: problems)
    }

    /// A reader of element `index` of the array whose pointer is `array`.
    private init(element value: JSONValue, of array: String, at index: Int, problems: ProblemSink) {
        self.value = value
        self.base = array
        self.index = index
        self.problems = problems
    }

    /// The JSON pointer of the value.
    var path: String {
        guard index >= 0 else { return base }
        return Self.joined(base, String(index))
    }

    func pointer(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == 0x7e || $0 == 0x2f }) else {
            guard index >= 0 else { return Self.joined(base, key) }
            return Self.joined(base, String(index), key)
        }
        return path + "/" + key.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    /// `base/first`, or `base/first/second`, written straight into one allocation.
    private static func joined(_ base: String, _ first: String, _ second: String? = nil) -> String {
        let hasSecond = second != nil
        var base = base
        var first = first
        var second = second ?? ""
        return base.withUTF8 { baseBytes in
            first.withUTF8 { firstBytes in
                second.withUTF8 { secondBytes in
                    let total = baseBytes.count + 1 + firstBytes.count + (hasSecond ? 1 + secondBytes.count : 0)
                    return String(unsafeUninitializedCapacity: total) { text in
                        var position = 0
                        func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                            guard let source = bytes.baseAddress, let target = text.baseAddress else { return }
                            (target + position).initialize(from: source, count: bytes.count)
                            position += bytes.count
                        }
                        put(baseBytes)
                        text[position] = UInt8(ascii: "/")
                        position += 1
                        put(firstBytes)
                        if hasSecond {
                            text[position] = UInt8(ascii: "/")
                            position += 1
                            put(secondBytes)
                        }
                        return position
                    }
                }
            }
        }
    }

    subscript(key: String) -> JSONValue? { value[key] }

    func fail(_ key: String, _ message: String) {
        problems.add(field: pointer(key), message)
    }

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

    func child(_ key: String) -> FieldReader? {
        child(key, member: value[key])
    }

    /// The reader of a member already looked up, or `nil` when it is absent.
    func child(_ key: String, member: JSONValue?) -> FieldReader? {
        guard let member else { return nil }
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
        let arrayPath = pointer(key)
        return elements.enumerated().map {
            FieldReader(element: $1, of: arrayPath, at: $0, problems: problems)
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
