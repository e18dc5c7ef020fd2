import LedgerCore

/// Typed reads from a JSON object that report the field by its JSON pointer.
///
/// The pointer is spelled out only when a problem names it: a reader made for an array element
/// keeps its parent's pointer, the member name and the index apart until then.
struct FieldReader {
    let value: JSONValue
    let problems: ProblemSink
    /// The pointer of the value, or of the object holding the array that holds it.
    private let base: String
    /// The member of `base` holding the array, for an array element.
    private let member: String?
    /// The position in that array, for an array element.
    private let index: Int?

    init(_ value: JSONValue, path: String = "", problems: ProblemSink) {
        self.value = value
        self.base = path
        self.member = nil
        self.index = nil
        self.problems = problems
    }

    /// A reader for element `index` of the array at `parent` (a JSON pointer).
    init(_ value: JSONValue, parent: String, index: Int, problems: ProblemSink) {
        self.value = value
        self.base = parent
        self.member = nil
        self.index = index
        self.problems = problems
    }

    private init(_ value: JSONValue, base: String, member: String, index: Int, problems: ProblemSink) {
        self.value = value
        self.base = base
        self.member = member
        self.index = index
        self.problems = problems
    }

    /// The JSON pointer of the value.
    var path: String {
        var path = base
        if let member { path = Self.pointer(member, in: path) }
        if let index { path += "/" + String(index) }
        return path
    }

    func pointer(_ key: String) -> String {
        Self.pointer(key, in: path)
    }

    private static func pointer(_ key: String, in path: String) -> String {
        guard key.utf8.contains(where: { $0 == 0x7e || $0 == 0x2f }) else { return path + "/" + key }
        return path + "/" + key.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    subscript(key: String) -> JSONValue? { value[key] }

    func fail(_ key: String, _ message: String) {
        problems.add(field: pointer(key), message)
    }

    /// A required or optional string.
    func string(_ key: String, required: Bool = true, maxLength: Int = 1024) -> String? {
        guard let member = value[key] else {
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
        guard let member = value[key] else {
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
        guard let member = value[key] else { return nil }
        return FieldReader(member, path: pointer(key), problems: problems)
    }

    func array(_ key: String, required: Bool = false) -> [FieldReader]? {
        guard let member = value[key] else {
            if required { fail(key, "is required") }
            return nil
        }
        guard case .array(let elements) = member else {
            fail(key, "must be an array")
            return nil
        }
        let base = path
        return elements.enumerated().map {
            FieldReader($1, base: base, member: key, index: $0, problems: problems)
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
