import LedgerCrypto

extension JSONValue {
    /// The RFC 8785 canonical form of this value, as UTF-8 bytes.
    ///
    /// This is the form CellTrace hashes and signs: no whitespace, object members sorted by the
    /// UTF-16 code units of their keys, strings with only the escapes JCS prescribes, and numbers as
    /// ECMAScript prints them (see ``canonicalNumber(_:)``). Every number in the value must be finite.
    public var canonicalBytes: [UInt8] {
        var buffer: [UInt8] = []
        writeCanonical(into: &buffer)
        return buffer
    }

    /// The RFC 8785 canonical form of this value, as a string.
    ///
    /// The same text as ``canonicalBytes``, for logs and tests; hash the bytes, not this string.
    public var canonicalString: String {
        String(decoding: canonicalBytes, as: UTF8.self)
    }

    /// Appends the RFC 8785 canonical form of this value to a buffer.
    ///
    /// Use this to build a larger byte sequence, such as a ledger entry with a prefix, without
    /// intermediate copies. Existing bytes in the buffer are kept.
    ///
    /// ```swift
    /// var bytes = Array("entry:".utf8)
    /// value.writeCanonical(into: &bytes)
    /// ```
    ///
    /// Every number in the value must be finite; serializing NaN or an infinity is a programmer
    /// error and traps, because the parser never produces one.
    ///
    /// - Parameter buffer: The buffer to append UTF-8 bytes to.
    public func writeCanonical(into buffer: inout [UInt8]) {
        var output = CanonicalOutput(capacity: 256)
        _ = writeCanonical(into: &output, rejectingReservedKeys: false)
        output.withBytes { buffer.append(contentsOf: $0) }
    }

    /// Appends the canonical form, optionally stopping at the first object key that starts with `$`.
    ///
    /// Ledger bodies reserve such keys for commitments; checking them while writing saves a second
    /// walk over the value.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append UTF-8 bytes to.
    ///   - rejectingReservedKeys: Whether to stop at a key starting with `$`.
    /// - Returns: `false` when it stopped at such a key; the buffer then ends in a partial value.
    func writeCanonical(into buffer: inout CanonicalOutput, rejectingReservedKeys: Bool) -> Bool {
        switch self {
        case .null:
            buffer.append("null")
        case .bool(let bool):
            buffer.append(bool ? "true" : "false")
        case .number(let number):
            buffer.numberScratch.removeAll(keepingCapacity: true)
            ECMAScriptNumber.write(number, into: &buffer.numberScratch)
            let digits = buffer.numberScratch
            digits.withUnsafeBufferPointer { buffer.append($0) }
        case .string(let string):
            Self.writeCanonical(string: string, into: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first {
                    buffer.append(UInt8(ascii: ","))
                }
                first = false
                guard element.writeCanonical(into: &buffer, rejectingReservedKeys: rejectingReservedKeys) else {
                    return false
                }
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let members):
            return Self.writeCanonical(members: members, into: &buffer, rejectingReservedKeys: rejectingReservedKeys)
        }
        return true
    }

    /// Appends the canonical form, stopping at the first object key that starts with `$`, except
    /// inside the values that `exempt` names.
    ///
    /// A draft sealed in place checks its body this way as it writes it: the commitments it put
    /// in are exempt, and everything else is checked as the clear body would be.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append UTF-8 bytes to.
    ///   - exempt: The reference tokens, relative to this value, of the values written without the
    ///     check (an empty path exempts this value).
    /// - Returns: `false` when it stopped at such a key; the buffer then ends in a partial value.
    func writeCanonical(
        into buffer: inout CanonicalOutput,
        rejectingReservedKeysOutside exempt: [ArraySlice<String>]
    ) -> Bool {
        writeCanonical(into: &buffer, paths: exempt.map { CanonicalPath(tokens: $0, replacement: nil) })
    }

    /// A value inside another, named by its reference tokens, that is written without the
    /// reserved-key check: as it stands (no replacement), or replaced.
    struct CanonicalPath {
        /// What is written in place of the value.
        enum Replacement {
            /// The placeholder of a commitment, `{"$commit":"<hex>"}`.
            case commitment(SHA256Digest)
        }

        var tokens: ArraySlice<String>
        var replacement: Replacement?

        /// The token `depth` tokens in: the key or index this path follows at that level.
        func token(at depth: Int) -> String {
            tokens[tokens.startIndex + depth]
        }

        /// The paths a writer still follows at one level of a value: their positions in the
        /// caller's paths, in order, and how many of their tokens lie above this level.
        struct Following {
            var depth: Int
            var active: UnsafeBufferPointer<Int>

            /// No path.
            static var none: Following { Following(depth: 0, active: UnsafeBufferPointer(start: nil, count: 0)) }

            /// Runs `body` with the paths that satisfy `follows` (given each one's position in
            /// `active`), one level further down, listed in a temporary buffer
            /// (`withUnsafeTemporaryAllocation`: on the stack while it fits).
            func narrowed<Result>(
                where follows: (Int) -> Bool,
                _ body: (Following) -> Result
            ) -> Result {
                withUnsafeTemporaryAllocation(of: Int.self, capacity: active.count) { inner in
                    var count = 0
                    for position in active.indices where follows(position) {
                        inner.initializeElement(at: count, to: active[position])
                        count += 1
                    }
                    return body(Following(depth: depth + 1, active: UnsafeBufferPointer(rebasing: inner[..<count])))
                }
            }
        }
    }

    /// Appends the canonical form with the values `paths` name written as they say, stopping at
    /// the first object key that starts with `$` anywhere else.
    ///
    /// A path that names no value is ignored. With replacements this writes a body sealed
    /// straight from its clear form, without building the sealed body.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append UTF-8 bytes to.
    ///   - paths: The values written without the check, or replaced.
    ///   - cache: The canonical forms of top-level member values that a batch shares
    ///     (``CanonicalValueCache``), for a body of that batch.
    /// - Returns: `false` when it stopped at such a key; the buffer then ends in a partial value.
    func writeCanonical(
        into buffer: inout CanonicalOutput,
        paths: [CanonicalPath],
        cache: CanonicalValueCache? = nil
    ) -> Bool {
        // The paths still followed at each level are passed down as their indexes in `paths`, in
        // a temporary buffer (on the stack while it fits there, as it does for an event's few
        // paths), and each path's tokens are read from `depth` on: no shortened copy of a path
        // or array of them is built per level.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: paths.count) { all in
            for position in paths.indices { all.initializeElement(at: position, to: position) }
            let active = UnsafeBufferPointer(all)
            if let cache, cache.isWorthLookingUp, case .object(let members) = self,
                !paths.contains(where: { $0.tokens.isEmpty })
            {
                return Self.writeCanonical(
                    members: members,
                    into: &buffer,
                    rejectingReservedKeys: true,
                    paths: paths,
                    following: CanonicalPath.Following(depth: 0, active: active),
                    cache: cache
                )
            }
            return writeCanonical(
                into: &buffer,
                paths: paths,
                following: CanonicalPath.Following(depth: 0, active: active)
            )
        }
    }

    /// Appends the canonical form with the values the `following` paths of `paths` name written as
    /// they say, from `following.depth` tokens down; see ``writeCanonical(into:paths:cache:)``.
    private func writeCanonical(
        into buffer: inout CanonicalOutput,
        paths: [CanonicalPath],
        following: CanonicalPath.Following
    ) -> Bool {
        let depth = following.depth
        guard !following.active.isEmpty else {
            return writeCanonical(into: &buffer, rejectingReservedKeys: true)
        }
        // The first path, in the caller's order, that ends here names this whole value.
        if let whole = following.active.first(where: { paths[$0].tokens.count == depth }) {
            switch paths[whole].replacement {
            case nil:
                return writeCanonical(into: &buffer, rejectingReservedKeys: false)
            case .commitment(let digest)?:
                // The canonical form of `Commitment(digest:).placeholder`, written without building it.
                buffer.append(#"{"$commit":""#)
                digest.withUnsafeBytes { buffer.appendHex($0) }
                buffer.append(#""}"#)
                return true
            }
        }
        switch self {
        case .array(let elements):
            // Each path's index, read once for the whole array, and the paths sorted by it (then by
            // position, so each element's stay in the caller's order): an element's paths are then
            // a run of the sorted list, and an array of n elements with a path each is written in
            // O(n log n), not by looking through every path at every element.
            return withUnsafeTemporaryAllocation(of: (index: Int, path: Int).self, capacity: following.active.count) {
                byIndex in
                var count = 0
                for path in following.active {
                    guard let index = Self.pointerArrayIndex(paths[path].token(at: depth)), index < elements.count
                    else { continue }
                    byIndex.initializeElement(at: count, to: (index, path))
                    count += 1
                }
                var sorted = UnsafeMutableBufferPointer(rebasing: byIndex[..<count])
                if count > 1 { sorted.sort { ($0.index, $0.path) < ($1.index, $1.path) } }
                defer { sorted.deinitialize() }
                buffer.append(UInt8(ascii: "["))
                var next = 0
                for (index, element) in elements.enumerated() {
                    if index > 0 {
                        buffer.append(UInt8(ascii: ","))
                    }
                    var end = next
                    while end < count, sorted[end].index == index { end += 1 }
                    let run = sorted[next..<end]
                    next = end
                    let written = withUnsafeTemporaryAllocation(of: Int.self, capacity: run.count) { inner in
                        for (offset, entry) in run.enumerated() { inner.initializeElement(at: offset, to: entry.path) }
                        return element.writeCanonical(
                            into: &buffer,
                            paths: paths,
                            following: CanonicalPath.Following(depth: depth + 1, active: UnsafeBufferPointer(inner))
                        )
                    }
                    guard written else {
                        return false
                    }
                }
                buffer.append(UInt8(ascii: "]"))
                return true
            }
        case .object(let members):
            return Self.writeCanonical(
                members: members,
                into: &buffer,
                rejectingReservedKeys: true,
                paths: paths,
                following: following
            )
        default:
            return writeCanonical(into: &buffer, rejectingReservedKeys: true)
        }
    }

    /// The array index a JSON Pointer token names, as ``JSONPointer`` reads it: `0`, or ASCII
    /// digits without a leading zero.
    static func pointerArrayIndex(_ token: String) -> Int? {
        guard token == "0" || (token.first != "0" && !token.isEmpty && token.allSatisfy(\.isASCII)) else { return nil }
        return Int(token)
    }

    /// Formats a number as ECMAScript's `Number.prototype.toString` does, as RFC 8785 §3.2.2.3 requires.
    ///
    /// The result has the shortest digits that round-trip to `value`. Plain notation is used when
    /// the decimal exponent allows it (magnitudes from 1e-6 up to below 1e21), exponent notation
    /// otherwise; negative zero prints as `0`.
    ///
    /// ```swift
    /// JSONValue.canonicalNumber(1e21)       // "1e+21"
    /// JSONValue.canonicalNumber(0.000001)   // "0.000001"
    /// JSONValue.canonicalNumber(1e-7)       // "1e-7"
    /// JSONValue.canonicalNumber(-0.0)       // "0"
    /// ```
    ///
    /// - Parameter value: The number. It must be finite: JSON has no NaN or infinity, so passing one
    ///   is a programmer error and traps.
    /// - Returns: The ECMAScript form of `value`.
    public static func canonicalNumber(_ value: Double) -> String {
        var buffer: [UInt8] = []
        ECMAScriptNumber.write(value, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Appends an object, whose members are already in RFC 8785 order (§3.2.3).
    ///
    /// - Parameters:
    ///   - object: The object.
    ///   - buffer: The buffer to append UTF-8 bytes to.
    ///   - rejectingReservedKeys: Whether to stop at a key starting with `$`.
    ///   - paths: Paths of values written without that check, or replaced (see
    ///     ``writeCanonical(into:paths:cache:)``); the keys are still checked.
    ///   - following: The paths that lead through this object, and how many of their tokens lie
    ///     above it (none by default).
    ///   - cache: Canonical forms of member values by storage address, to copy from and add to.
    /// - Returns: `false` when it stopped at a key starting with `$`.
    private static func writeCanonical(
        members object: JSONObject,
        into buffer: inout CanonicalOutput,
        rejectingReservedKeys: Bool,
        paths: [CanonicalPath] = [],
        following: CanonicalPath.Following = .none,
        cache: CanonicalValueCache? = nil
    ) -> Bool {
        let reservedPrefix = UInt64(UInt8(ascii: "$")) << 56
        let depth = following.depth
        let active = following.active
        buffer.append(UInt8(ascii: "{"))
        // Each followed path's token at this level as a key prefix, so that most members are told
        // from it by one integer comparison; `nil` where `String` equality must decide (a key or
        // token that is not ASCII may equal another under canonical equivalence).
        let complete = withUnsafeTemporaryAllocation(of: UInt64?.self, capacity: active.count) { tokens in
            for (position, path) in active.enumerated() {
                let prefix = paths[path].token(at: depth).withUTF8Bytes { utf8 in
                    object.asciiKeys && JSONObject.isASCII(utf8) ? sortPrefix(utf8: utf8) : nil
                }
                tokens.initializeElement(at: position, to: prefix)
            }
            defer { tokens.deinitialize() }
            func follows(_ position: Int, _ member: Int) -> Bool {
                if let prefix = tokens[position], prefix != object.members[member].prefix { return false }
                return paths[active[position]].token(at: depth) == object.members[member].key
            }
            for index in object.members.indices {
                if rejectingReservedKeys, object.members[index].prefix & (0xFF << 56) == reservedPrefix {
                    return false
                }
                writeMemberKey(object.members[index].key, first: index == 0, into: &buffer)
                let written: Bool
                if active.isEmpty || !active.indices.contains(where: { follows($0, index) }) {
                    if let cache, let address = object.members[index].value.storageAddress {
                        // A value written once with the reserved-key check passes it again.
                        if cache.write(address, into: &buffer) { continue }
                        let start = buffer.count
                        written = object.members[index].value.writeCanonical(
                            into: &buffer,
                            rejectingReservedKeys: rejectingReservedKeys
                        )
                        if written, rejectingReservedKeys {
                            cache.keep(object.members[index].value, at: address, form: buffer.bytes(from: start))
                        }
                    } else {
                        written = object.members[index].value.writeCanonical(
                            into: &buffer,
                            rejectingReservedKeys: rejectingReservedKeys
                        )
                    }
                } else {
                    // The paths that go on through this member, as a pointer lookup follows them.
                    written = following.narrowed(where: { follows($0, index) }) { inner in
                        object.members[index].value.writeCanonical(into: &buffer, paths: paths, following: inner)
                    }
                }
                guard written else {
                    return false
                }
            }
            return true
        }
        guard complete else {
            return false
        }
        buffer.append(UInt8(ascii: "}"))
        return true
    }

    /// The first eight bytes of a key's UTF-8, big-endian and adjusted so that integer order agrees
    /// with UTF-16 code unit order.
    ///
    /// In valid UTF-8, bytes from `EE` up are lead bytes only: `EE`/`EF` start U+E000…U+FFFF and
    /// `F0`…`F4` start supplementary scalars, which UTF-16 sorts lower (see ``keyPrecedes(_:_:)``).
    /// Rotating those seven byte values (`F0`…`F4` to `EE`…`F2`, `EE`/`EF` to `F3`/`F4`) makes byte order
    /// UTF-16 order. Keys shorter than eight bytes are padded with zeros, so equal prefixes (such as
    /// `"a"` and `"a\u{0}"`) do not decide the order and need a full comparison.
    ///
    /// - Parameter utf8: An object key's UTF-8.
    /// - Returns: The comparison prefix.
    @usableFromInline
    static func sortPrefix(utf8: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var prefix: UInt64 = 0
        if utf8.count >= 8, let base = utf8.baseAddress {
            prefix = UInt64(bigEndian: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self))
        } else {
            for position in 0..<utf8.count {
                prefix |= UInt64(utf8[position]) << (56 - 8 * UInt64(position))
            }
        }
        // ASCII prefixes, the common case, need no adjustment.
        guard prefix & 0x8080_8080_8080_8080 != 0 else {
            return prefix
        }
        var adjusted: UInt64 = 0
        for shift in stride(from: 56, through: 0, by: -8) {
            var byte = UInt8(truncatingIfNeeded: prefix >> UInt64(shift))
            switch byte {
            case 0xEE, 0xEF:
                byte += 5
            case 0xF0...0xF4:
                byte -= 2
            default:
                break
            }
            adjusted |= UInt64(byte) << UInt64(shift)
        }
        return adjusted
    }

    /// Whether one object key sorts before another in RFC 8785 order (§3.2.3).
    ///
    /// RFC 8785 compares keys as arrays of UTF-16 code units. Comparing UTF-8 bytes gives code-point
    /// order, which agrees with UTF-16 order except between U+E000…U+FFFF and the supplementary
    /// planes, where UTF-16's surrogates (U+D800…U+DFFF) sort lower. The two keys' first differing
    /// bytes show which case applies: scalars of different lengths differ in their lead byte, and
    /// lead bytes `EE`/`EF` start U+E000…U+FFFF while `F0`…`F4` start supplementary scalars.
    ///
    /// - Parameters:
    ///   - lhs: A key.
    ///   - rhs: Another key.
    /// - Returns: `true` when `lhs` sorts strictly before `rhs`.
    static func keyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.withUTF8Bytes { left in
            rhs.withUTF8Bytes { right in
                utf8Precedes(left, right)
            }
        }
    }

    /// Compares two UTF-8 keys in UTF-16 code unit order; see ``keyPrecedes(_:_:)``.
    ///
    /// - Parameters:
    ///   - lhs: A key's UTF-8.
    ///   - rhs: Another key's UTF-8.
    /// - Returns: `true` when `lhs` sorts strictly before `rhs`.
    private static func utf8Precedes(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let commonCount = min(lhs.count, rhs.count)
        while index < commonCount, lhs[index] == rhs[index] {
            index += 1
        }
        guard index < commonCount else {
            return lhs.count < rhs.count
        }
        let left = lhs[index]
        let right = rhs[index]
        if left >= 0xF0, right == 0xEE || right == 0xEF {
            return true
        }
        if right >= 0xF0, left == 0xEE || left == 0xEF {
            return false
        }
        return left < right
    }

    /// Appends a string in RFC 8785 form (§3.2.2.2): quoted, escaping only `"`, `\` and U+0000…U+001F.
    ///
    /// - Parameters:
    ///   - string: The string.
    ///   - buffer: The buffer to append UTF-8 bytes to.
    static func writeCanonical(string: String, into buffer: inout CanonicalOutput) {
        string.withUTF8Bytes { writeQuoted($0, comma: false, colon: false, into: &buffer) }
    }

    /// Appends an object member's key with its quotes and colon, after a comma unless it is the
    /// object's first.
    private static func writeMemberKey(_ key: String, first: Bool, into buffer: inout CanonicalOutput) {
        key.withUTF8Bytes { writeQuoted($0, comma: !first, colon: true, into: &buffer) }
    }

    /// Appends a string in quotes, escaped, with a comma before and a colon after when asked: one
    /// reserve and one copy for a string that needs no escape, as most do.
    @inline(__always)
    private static func writeQuoted(
        _ utf8: UnsafeBufferPointer<UInt8>,
        comma: Bool,
        colon: Bool,
        into buffer: inout CanonicalOutput
    ) {
        buffer.reserve(utf8.count + 4)
        if comma { buffer.appendReserved(UInt8(ascii: ",")) }
        buffer.appendReserved(UInt8(ascii: "\""))
        if needsNoEscape(utf8) {
            buffer.appendReserved(utf8)
            buffer.appendReserved(UInt8(ascii: "\""))
            if colon { buffer.appendReserved(UInt8(ascii: ":")) }
        } else {
            writeEscaped(utf8, into: &buffer)
            buffer.append(UInt8(ascii: "\""))
            if colon { buffer.append(UInt8(ascii: ":")) }
        }
    }

    /// Whether no byte of a string's UTF-8 is one that JCS escapes, eight bytes at a time: the
    /// last word overlaps the one before rather than leave a tail to test byte by byte, and a
    /// string shorter than a word is tested as one word padded with spaces.
    private static func needsNoEscape(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = utf8.baseAddress else { return true }
        let count = utf8.count
        guard count >= 8 else {
            var word: UInt64 = 0x2020_2020_2020_2020
            for position in 0..<count {
                let shift = UInt64(8 * position)
                word = word & ~(0xFF << shift) | UInt64(base[position]) << shift
            }
            return escapes(in: word) == 0
        }
        var index = 0
        while index + 8 <= count {
            if escapes(in: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) != 0 { return false }
            index += 8
        }
        return index == count || escapes(in: UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self)) == 0
    }

    /// Appends UTF-8 string content, copying runs that need no escape in one step.
    ///
    /// Scans eight bytes at a time for the three things that need escaping (bytes below 0x20, `"` and
    /// `\`), so long strings without them cost little more than the copy.
    ///
    /// - Parameters:
    ///   - utf8: The string's UTF-8.
    ///   - buffer: The buffer to append to.
    private static func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>, into buffer: inout CanonicalOutput) {
        var runStart = 0
        var index = 0
        while true {
            index = firstByteNeedingEscape(in: utf8, from: index)
            guard index < utf8.count else {
                break
            }
            let byte = utf8[index]
            buffer.append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            index += 1
            runStart = index
            buffer.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                buffer.append(byte)
            case 0x08:
                buffer.append(UInt8(ascii: "b"))
            case 0x09:
                buffer.append(UInt8(ascii: "t"))
            case 0x0A:
                buffer.append(UInt8(ascii: "n"))
            case 0x0C:
                buffer.append(UInt8(ascii: "f"))
            case 0x0D:
                buffer.append(UInt8(ascii: "r"))
            default:
                // \u00XX with lower-case hex digits.
                buffer.append("u00")
                buffer.append(lowercaseHexDigit(byte >> 4))
                buffer.append(lowercaseHexDigit(byte & 0x0F))
            }
        }
        buffer.append(UnsafeBufferPointer(rebasing: utf8[runStart...]))
    }

    /// Finds the first byte at or after `start` that JCS escapes, or returns `utf8.count`.
    ///
    /// - Parameters:
    ///   - utf8: The bytes to scan.
    ///   - start: Where to start.
    /// - Returns: The index of the first byte below 0x20 or equal to `"` or `\`, or `utf8.count`.
    private static func firstByteNeedingEscape(in utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        // Eight bytes at a time (``WordScan``), landing on the byte; the last bytes that do not
        // fill a word one by one.
        var index = WordScan.firstStop(in: utf8, from: start, where: escapes(in:))
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return index
            }
            index += 1
        }
        return index
    }

    /// The bytes of a word that JCS escapes (a quote, a backslash, a control character), marked
    /// as ``WordScan`` marks them.
    @inline(__always)
    private static func escapes(in word: UInt64) -> UInt64 {
        WordScan.matches(UInt8(ascii: "\""), in: word) | WordScan.matches(UInt8(ascii: "\\"), in: word)
            | WordScan.controls(in: word)
    }

    private static func lowercaseHexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
