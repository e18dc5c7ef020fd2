/// Writes the RFC 8785 canonical form of a JSON object member by member, for a record type that
/// knows its keys: the same bytes as building a ``JSONValue`` object and taking its
/// ``JSONValue/canonicalBytes``, without building the object.
///
/// Members must be given in canonical key order (UTF-16 code units, which for ASCII keys is byte
/// order); debug builds check it.
///
/// ```swift
/// var writer = CanonicalObjectWriter(capacity: 128)
/// writer.member("id", string: lot.id)
/// writer.member("kg", string: lot.kg.description)
/// let bytes = writer.finish()  // {"id":"…","kg":"…"}
/// ```
package struct CanonicalObjectWriter: ~Copyable {
    private var output: CanonicalOutput
    /// A bit per open object or array, the outermost object's the lowest: set once it has a member
    /// or element, so that the next one is preceded by a comma.
    private var started: UInt64 = 0
    /// How many objects and arrays are open inside the outermost object.
    private var depth = 0
    #if DEBUG
    /// The last key written in each open object (`nil` for an array, or before its first
    /// member), to check the order.
    private var lastKeys: [String?] = [nil]
    #endif

    /// Starts an object.
    ///
    /// - Parameter capacity: The bytes to allocate up front.
    package init(capacity: Int) {
        output = CanonicalOutput(capacity: capacity)
        output.append(UInt8(ascii: "{"))
    }

    /// Writes a member whose value is a string.
    package mutating func member(_ key: StaticString, string: String) {
        writeKey(key)
        JSONValue.writeCanonical(string: string, into: &output)
    }

    /// Writes a member whose value is a number, as ``JSONValue/number(_:)`` writes it.
    package mutating func member(_ key: StaticString, number: Double) {
        member(key, .number(number))
    }

    /// Writes a member whose value is the number `integer`: the same bytes as
    /// ``member(_:number:)`` with `Double(integer)`, without formatting a double when the integer
    /// is exact in one (below 2^53, where ECMAScript prints the plain digits).
    package mutating func member(_ key: StaticString, integer: UInt64) {
        guard integer < 1 << 53 else {
            member(key, number: Double(integer))
            return
        }
        writeKey(key)
        writeDigits(integer)
    }

    /// Writes a member whose value is an array of strings.
    package mutating func member(_ key: StaticString, strings: [String]) {
        writeKey(key)
        output.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONValue.writeCanonical(string: string, into: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// Writes a member with any value.
    package mutating func member(_ key: StaticString, _ value: JSONValue) {
        writeKey(key)
        _ = value.writeCanonical(into: &output, rejectingReservedKeys: false)
    }

    // MARK: Nested objects and arrays

    /// Opens a member whose value is an object; its members follow, in canonical order, until
    /// ``closeObject()``.
    package mutating func openObject(_ key: StaticString) {
        writeKey(key)
        open(UInt8(ascii: "{"))
    }

    /// Opens an object as the next element of the open array; close it with ``closeObject()``.
    package mutating func openObjectElement() {
        separate()
        open(UInt8(ascii: "{"))
    }

    /// Closes the innermost open object.
    package mutating func closeObject() {
        close(UInt8(ascii: "}"))
    }

    /// Opens a member whose value is an array; its elements follow until ``closeArray()``.
    package mutating func openArray(_ key: StaticString) {
        writeKey(key)
        open(UInt8(ascii: "["))
    }

    /// Writes a string as the next element of the open array.
    package mutating func element(string: String) {
        separate()
        JSONValue.writeCanonical(string: string, into: &output)
    }

    /// Closes the innermost open array.
    package mutating func closeArray() {
        close(UInt8(ascii: "]"))
    }

    /// Ends the object and returns its bytes.
    package consuming func finish() -> [UInt8] {
        precondition(depth == 0, "an object or array is still open")
        output.append(UInt8(ascii: "}"))
        return output.withBytes { Array($0) }
    }

    private mutating func open(_ bracket: UInt8) {
        precondition(depth < 63, "objects and arrays nested too deep")
        output.append(bracket)
        depth += 1
        started &= ~(1 << UInt64(depth))
        #if DEBUG
        lastKeys.append(nil)
        #endif
    }

    private mutating func close(_ bracket: UInt8) {
        precondition(depth > 0, "no object or array is open")
        output.append(bracket)
        depth -= 1
        #if DEBUG
        lastKeys.removeLast()
        #endif
    }

    /// A comma before every member or element of the innermost open value but its first.
    private mutating func separate() {
        let bit: UInt64 = 1 << UInt64(depth)
        if started & bit != 0 { output.append(UInt8(ascii: ",")) }
        started |= bit
    }

    /// Writes `"key":`, copying the key's bytes: a record's keys are ASCII literals that need no
    /// escaping (debug builds check it), so they are not scanned as a string value is.
    private mutating func writeKey(_ key: StaticString) {
        #if DEBUG
        let text = key.description
        assert(
            key.withUTF8Buffer { $0.allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != 0x22 && $0 != 0x5c } },
            "key \(text) is not printable ASCII without quotes or backslashes"
        )
        let last = lastKeys[lastKeys.count - 1]
        assert(last.map { JSONValue.keyPrecedes($0, text) } ?? true, "members out of canonical order at \(text)")
        lastKeys[lastKeys.count - 1] = text
        #endif
        separate()
        // `withUTF8Buffer` lends the bytes of either representation of a literal (a pointer, or a
        // single scalar), where `utf8CodeUnitCount` traps on the second.
        key.withUTF8Buffer { bytes in
            output.reserve(bytes.count + 3)
            output.appendReserved(UInt8(ascii: "\""))
            output.appendReserved(bytes)
            output.appendReserved(UInt8(ascii: "\""))
            output.appendReserved(UInt8(ascii: ":"))
        }
    }

    /// The decimal digits of an integer.
    private mutating func writeDigits(_ value: UInt64) {
        ECMAScriptNumber.withDecimalDigits(of: value) { output.append($0) }
    }
}
