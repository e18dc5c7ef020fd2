/// The members of a JSON object, kept in the order RFC 8785 writes them.
///
/// Members are sorted by the UTF-16 code units of their keys (RFC 8785 §3.2.3), so the canonical
/// writer copies them out in order without sorting, and the parser builds an object with one sort
/// of its members instead of hashing every key into a dictionary. Each member carries the first
/// eight bytes of its key as an integer, ordered as UTF-16 orders keys: looking a key up compares
/// integers and compares strings only where they agree, which for the small objects of EPCIS events
/// and ledger entries costs less than hashing the key.
///
/// It reads like a `[String: JSONValue]`: `object["lot"]`, `for (key, value) in object`, `keys`,
/// `count`, assignment through the subscript. Keys are unique under Swift's `String` equality
/// (Unicode canonical equivalence), as a dictionary's are; equality and hashing ignore order, as
/// a dictionary's do.
///
/// ```swift
/// var object: JSONObject = ["b": 1, "a": true]
/// object["c"] = "x"
/// object.keys  // ["a", "b", "c"]
/// ```
public struct JSONObject: Sendable {
    /// One member with its key's comparison prefix.
    @usableFromInline
    struct Member: Sendable {
        @usableFromInline var prefix: UInt64
        @usableFromInline var key: String
        @usableFromInline var value: JSONValue

        @inlinable
        init(prefix: UInt64, key: String, value: JSONValue) {
            self.prefix = prefix
            self.key = key
            self.value = value
        }

    }

    /// The members in RFC 8785 order.
    @usableFromInline var members: [Member]

    /// Whether every key is ASCII, so that byte equality is `String` equality for ASCII queries.
    @usableFromInline var asciiKeys: Bool

    /// An empty object.
    @inlinable
    public init() {
        members = []
        asciiKeys = true
    }

    /// An empty object with room for `capacity` members.
    init(minimumCapacity capacity: Int) {
        members = []
        members.reserveCapacity(capacity)
        asciiKeys = true
    }

    /// The members of a dictionary.
    ///
    /// - Parameter dictionary: The members.
    public init(_ dictionary: [String: JSONValue]) {
        self.init(minimumCapacity: dictionary.count)
        for (key, value) in dictionary { appendUnsorted(key, value) }
        members.sort(by: Self.precedes)
    }

    /// Appends a member after the others, where the caller sorts it.
    private mutating func appendUnsorted(_ key: consuming String, _ value: consuming JSONValue) {
        let member = member(key, value)
        members.append(member)
    }

    /// A member of this object, its key's prefix and whether the key is ASCII read in one pass
    /// (an ASCII flag cleared if not); the key and value are moved in, not copied.
    private mutating func member(_ key: consuming String, _ value: consuming JSONValue) -> Member {
        let (prefix, isASCII) = key.withUTF8Bytes { utf8 in
            (JSONValue.sortPrefix(utf8: utf8), Self.isASCII(utf8))
        }
        if !isASCII { asciiKeys = false }
        return Member(prefix: prefix, key: key, value: value)
    }

    /// Builds an object from members in any order, or reports the position of the first key
    /// that repeats an earlier one.
    ///
    /// - Parameters:
    ///   - count: How many members there are.
    ///   - spare: Room to leave for members added later.
    ///   - member: The `i`th member's key and value; called once for each `i` in order.
    /// - Returns: The object, or the index of the first member, in the order given, whose key
    ///   equals an earlier member's.
    static func sorting(
        count: Int,
        spare: Int = 0,
        member: (Int) -> (key: String, value: JSONValue)
    ) -> Result<JSONObject, DuplicateKey> {
        var object = JSONObject(minimumCapacity: count + spare)
        for index in 0..<count {
            let (key, value) = member(index)
            object.appendUnsorted(key, value)
        }
        guard count > 1 else { return .success(object) }
        // The members are sorted in place; their positions in the order given ride along, on the
        // stack, only to name a duplicate.
        let duplicate: Int? = withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { given in
            for index in 0..<count { given.initializeElement(at: index, to: index) }
            object.members.withUnsafeMutableBufferPointer { members in
                if count <= 16 {
                    for position in 1..<count {
                        var current = position
                        while current > 0, precedes(members[current], members[current - 1]) {
                            members.swapAt(current, current - 1)
                            given.swapAt(current, current - 1)
                            current -= 1
                        }
                    }
                } else {
                    // The positions sorted by their members' order (`order` is `given`'s memory),
                    // equal keys by position, then the members put in that order.
                    var order = given
                    order.sort { left, right in
                        precedes(members[left], members[right])
                            || (!precedes(members[right], members[left]) && left < right)
                    }
                    let sorted = given.map { members[$0] }
                    for index in 0..<count { members[index] = sorted[index] }
                }
            }
            // The first key, in the order given, that repeats an earlier one: the smallest
            // position that is not the first of its key.
            var duplicate: Int?
            if object.asciiKeys {
                // Equal ASCII keys are equal bytes, so neighbours in that order, the earlier given
                // first (insertion keeps equal keys in order, the full sort breaks ties by position).
                for position in 1..<count
                where object.members[position - 1].prefix == object.members[position].prefix
                    && object.members[position - 1].key == object.members[position].key
                {
                    duplicate = Swift.min(duplicate ?? .max, given[position])
                }
            } else {
                // Keys equal under canonical equivalence need not be neighbours; a dictionary, whose
                // string hashing agrees with that equality, finds each key's first position in
                // one pass, so an object of many keys is not compared pair by pair.
                var first: [String: Int] = Dictionary(minimumCapacity: count)
                for index in 0..<count {
                    let position = given[index]
                    first[object.members[index].key] = Swift.min(first[object.members[index].key] ?? .max, position)
                }
                for index in 0..<count where first[object.members[index].key] != given[index] {
                    duplicate = Swift.min(duplicate ?? .max, given[index])
                }
            }
            return duplicate
        }
        if let duplicate { return .failure(DuplicateKey(index: duplicate)) }
        return .success(object)
    }

    /// The member, in the order given to ``sorting(count:spare:member:)``, whose key repeats an
    /// earlier one.
    struct DuplicateKey: Error {
        var index: Int
    }

    /// Whether one member sorts before another in RFC 8785 order.
    @usableFromInline
    static func precedes(_ lhs: Member, _ rhs: Member) -> Bool {
        guard lhs.prefix == rhs.prefix else { return lhs.prefix < rhs.prefix }
        return JSONValue.keyPrecedes(lhs.key, rhs.key)
    }

    /// Whether UTF-8 bytes are all ASCII, eight at a time.
    @inlinable
    static func isASCII(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return true }
        var index = 0
        while index + 8 <= utf8.count {
            if UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                return false
            }
            index += 8
        }
        while index < utf8.count {
            if base[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }

    /// The position of the member with this key.
    ///
    /// - Parameter key: The member name.
    /// - Returns: Its position, or `nil` when there is none.
    @inlinable
    public func index(forKey key: String) -> Int? {
        if asciiKeys {
            let found: Int?? = key.withUTF8Bytes { utf8 in
                guard Self.isASCII(utf8) else { return nil }
                let prefix = JSONValue.sortPrefix(utf8: utf8)
                for index in members.indices where members[index].prefix == prefix && members[index].key == key {
                    return .some(index)
                }
                return .some(nil)
            }
            if let found { return found }
        }
        // A key that is not ASCII, or an object with such keys: `String` equality decides.
        return members.firstIndex { $0.key == key }
    }

    /// The value of the member with this key; assigning `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        @inlinable get {
            guard let index = index(forKey: key) else { return nil }
            return members[index].value
        }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Sets a member's value, adding the member when there is none.
    ///
    /// - Returns: The value replaced, or `nil` when the member is new.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let index = index(forKey: key) {
            let old = members[index].value
            members[index].value = value
            return old
        }
        let member = member(key, value)
        var position = members.count
        while position > 0, Self.precedes(member, members[position - 1]) { position -= 1 }
        members.insert(member, at: position)
        return nil
    }

    /// Removes a member.
    ///
    /// - Returns: Its value, or `nil` when there was none.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = index(forKey: key) else { return nil }
        return members.remove(at: index).value
    }

    /// The keys, in RFC 8785 order.
    public var keys: [String] { members.map(\.key) }

    /// Whether some key satisfies `predicate`, read in place: neither the keys nor the values are
    /// copied into an array.
    @inlinable
    public func containsKey(where predicate: (String) throws -> Bool) rethrows -> Bool {
        for index in members.indices where try predicate(members[index].key) { return true }
        return false
    }

    /// The values, in their keys' order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The members for which `isIncluded` holds, as an object.
    public func filter(_ isIncluded: ((key: String, value: JSONValue)) throws -> Bool) rethrows -> JSONObject {
        var copy = self
        copy.members = try members.filter { try isIncluded(($0.key, $0.value)) }
        return copy
    }

    /// Adds the members of another object, resolving shared keys with `combine`.
    public mutating func merge(
        _ other: JSONObject,
        uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue
    ) rethrows {
        self = try merging(other, uniquingKeysWith: combine)
    }

    /// This object with the members of another, resolving shared keys with `combine`.
    public func merging(
        _ other: JSONObject,
        uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue
    ) rethrows -> JSONObject {
        var merged = self
        for member in other.members {
            if let index = merged.index(forKey: member.key) {
                merged.members[index].value = try combine(merged.members[index].value, member.value)
            } else {
                merged.updateValue(member.value, forKey: member.key)
            }
        }
        return merged
    }
}

extension JSONObject: RandomAccessCollection {
    /// A member: its key and value, as a dictionary's elements are.
    public typealias Element = (key: String, value: JSONValue)
    /// A member's position in RFC 8785 order.
    public typealias Index = Int

    /// The first member's position.
    @inlinable public var startIndex: Int { 0 }
    /// The position after the last member.
    @inlinable public var endIndex: Int { members.count }
    /// The number of members.
    @inlinable public var count: Int { members.count }
    /// Whether there are no members.
    @inlinable public var isEmpty: Bool { members.isEmpty }

    /// The member at a position.
    @inlinable
    public subscript(position: Int) -> (key: String, value: JSONValue) {
        let member = members[position]
        return (member.key, member.value)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object from a literal; a repeated key is a programmer error and traps, as in a
    /// `Dictionary` literal.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(Dictionary(uniqueKeysWithValues: elements))
    }
}

extension JSONObject: Hashable {
    /// Whether two objects have the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        if lhs.asciiKeys, rhs.asciiKeys {
            // The same ASCII keys sort the same way.
            return lhs.members.elementsEqual(rhs.members) { $0.key == $1.key && $0.value == $1.value }
        }
        return lhs.members.allSatisfy { member in rhs[member.key] == member.value }
    }

    /// Hashes the members independently of their order, as a dictionary does.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(member.key)
            memberHasher.combine(member.value)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}

extension JSONObject: CustomStringConvertible {
    /// The members as a dictionary literal, in RFC 8785 order.
    public var description: String {
        "[" + members.map { "\(String(reflecting: $0.key)): \($0.value)" }.joined(separator: ", ") + "]"
    }
}
