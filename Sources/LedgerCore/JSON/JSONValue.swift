/// A JSON value as RFC 8785 (JSON Canonicalization Scheme) sees it.
///
/// Numbers are IEEE-754 doubles, as in ECMAScript and I-JSON (RFC 7493); strings are Swift strings,
/// so they always hold valid Unicode. Object members carry no order; a ``JSONObject`` keeps them
/// sorted by the UTF-16 code units of their keys, the order ``canonicalBytes`` writes them in.
///
/// Parse untrusted input with `init(parsing:maxDepth:)`, which rejects everything RFC 8785 cannot
/// canonicalize. Build values in code with the literal conformances:
///
/// ```swift
/// let entry: JSONValue = ["lot": "A-17", "mass": 12.5, "tags": ["cell", "NMC"]]
/// entry.canonicalString  // {"lot":"A-17","mass":12.5,"tags":["cell","NMC"]}
/// ```
///
/// Two object keys that Swift considers equal (`String` equality is Unicode canonical equivalence)
/// cannot both be members of one object; the parser rejects such input as a duplicate key.
public enum JSONValue: Sendable, Hashable {
    /// The JSON literal `null`.
    case null
    /// The JSON literal `true` or `false`.
    case bool(Bool)
    /// A JSON number. It must be finite to be serialized.
    case number(Double)
    /// A JSON string.
    case string(String)
    /// A JSON array.
    case array([JSONValue])
    /// A JSON object; member order carries no meaning.
    case object(JSONObject)

    /// An object with the members of a dictionary.
    ///
    /// - Parameter members: The members.
    /// - Returns: The object.
    public static func object(_ members: [String: JSONValue]) -> JSONValue {
        .object(JSONObject(members))
    }
}

extension JSONValue {
    /// The member of an object with the given key.
    ///
    /// - Parameter key: The member name.
    /// - Returns: The member's value, or `nil` when this value is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else {
            return nil
        }
        return members[key]
    }

    /// The string, when this value is a string.
    public var stringValue: String? {
        guard case .string(let string) = self else {
            return nil
        }
        return string
    }

    /// The number, when this value is a number.
    public var doubleValue: Double? {
        guard case .number(let number) = self else {
            return nil
        }
        return number
    }

    /// The Boolean, when this value is `true` or `false`.
    public var boolValue: Bool? {
        guard case .bool(let bool) = self else {
            return nil
        }
        return bool
    }

    /// The elements, when this value is an array.
    public var arrayValue: [JSONValue]? {
        guard case .array(let elements) = self else {
            return nil
        }
        return elements
    }

    /// The members, when this value is an object.
    public var objectValue: JSONObject? {
        guard case .object(let members) = self else {
            return nil
        }
        return members
    }

    /// Where a non-empty array's or object's elements are stored, which copies of the value share.
    ///
    /// While a value is held, no other value has its storage unless it is a copy of it, with the
    /// same elements. `nil` for other values.
    ///
    /// A parser that shares the values a batch of documents repeats (the top-level members of
    /// EPCIS events) lets a reader find those repeats by address instead of by walking them.
    public var storageAddress: UnsafeRawPointer? {
        switch self {
        case .array(let elements):
            elements.withUnsafeBufferPointer { $0.isEmpty ? nil : UnsafeRawPointer($0.baseAddress) }
        case .object(let object):
            object.members.withUnsafeBufferPointer { $0.isEmpty ? nil : UnsafeRawPointer($0.baseAddress) }
        default:
            nil
        }
    }

    /// Whether this value is `null`.
    public var isNull: Bool {
        guard case .null = self else {
            return false
        }
        return true
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// Creates a string value from a literal.
    ///
    /// - Parameter value: The string.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// Creates a number value from an integer literal.
    ///
    /// Integers beyond ±2⁵³ are rounded to the nearest double, as JSON numbers are in ECMAScript.
    ///
    /// - Parameter value: The integer.
    public init(integerLiteral value: Int) {
        self = .number(Double(value))
    }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// Creates a number value from a floating-point literal.
    ///
    /// - Parameter value: The number.
    public init(floatLiteral value: Double) {
        self = .number(value)
    }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// Creates a Boolean value from a literal.
    ///
    /// - Parameter value: The Boolean.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    /// Creates `null` from the `nil` literal.
    ///
    /// - Parameter nilLiteral: The `nil` literal.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// Creates an array value from a literal.
    ///
    /// - Parameter elements: The elements, in order.
    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Creates an object value from a literal.
    ///
    /// A repeated key is a programmer error and traps, as it does in a `Dictionary` literal.
    ///
    /// - Parameter elements: The members.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(Dictionary(uniqueKeysWithValues: elements)))
    }
}
