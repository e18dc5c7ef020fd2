import LedgerCore

#if canImport(Glibc)
import Glibc
#endif

extension EventHashID {
    /// The pre-hash elements of top-level members that the events of one batch repeat, such as
    /// the same `ilmd`, life-cycle stage or extension block on every event of a process run.
    ///
    /// What the direct writer writes for such a member depends on its name and value, the
    /// namespaces in force and the event's vocabulary IRIs, and on nothing else; a member met
    /// again with all four the same gets the bytes and element ends it was given the first time.
    /// Names and strings are compared byte for byte and numbers bit for bit, never with `String`'s
    /// canonical equivalence, under which two spellings that the reference hashes apart are
    /// equal. A batch whose members rarely repeat stops looking them up.
    struct MemberCache {
        /// A member and what its elements depend on.
        struct Key: DigestKey {
            let name: String
            let value: JSONValue
            /// Held, so that the namespaces' storage, compared by identity, outlives the entry.
            let namespaces: EPCISNamespaces
            let vocabularyIRIs: [String]
            /// A digest of the bytes of all four, computed once: the dictionary hashes only it,
            /// and two keys are compared in full only when their digests agree.
            let digest: UInt64

            init(name: String, value: JSONValue, namespaces: EPCISNamespaces, vocabularyIRIs: [String]) {
                self.name = name
                self.value = value
                self.namespaces = namespaces
                self.vocabularyIRIs = vocabularyIRIs
                var digest = UInt64(UInt(bitPattern: namespaces.identity.hashValue))
                Self.mix(name, into: &digest)
                for iri in vocabularyIRIs { Self.mix(iri, into: &digest) }
                Self.mix(value, into: &digest)
                self.digest = digest
            }

            static func == (lhs: Key, rhs: Key) -> Bool {
                lhs.digest == rhs.digest
                    && lhs.isWritten(name: rhs.name, namespaces: rhs.namespaces, vocabularyIRIs: rhs.vocabularyIRIs)
                    && exactlyEqual(lhs.value, rhs.value)
            }

            /// Whether a member of this name, under these namespaces and vocabulary IRIs, is
            /// written as this key's member is, given an identical value.
            func isWritten(name: String, namespaces: EPCISNamespaces, vocabularyIRIs: [String]) -> Bool {
                self.namespaces.isSame(as: namespaces) && self.name.hasSameUTF8(as: name)
                    && self.vocabularyIRIs.count == vocabularyIRIs.count
                    && zip(self.vocabularyIRIs, vocabularyIRIs).allSatisfy { $0.hasSameUTF8(as: $1) }
            }

            /// Folds a word into the digest (a multiply-rotate step; the digest only spreads keys
            /// over buckets, equality is decided on the bytes).
            private static func mix(word: UInt64, into digest: inout UInt64) {
                let product = (digest ^ word) &* 0x9E37_79B9_7F4A_7C15
                digest = product << 29 | product >> 35
            }

            private static func mix(_ string: String, into digest: inout UInt64) {
                string.withUTF8Bytes { utf8 in
                    mix(word: UInt64(utf8.count), into: &digest)
                    guard let base = utf8.baseAddress else { return }
                    var index = 0
                    while index + 8 <= utf8.count {
                        mix(word: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self), into: &digest)
                        index += 8
                    }
                    var tail: UInt64 = 0
                    while index < utf8.count {
                        tail = tail << 8 | UInt64(base[index])
                        index += 1
                    }
                    mix(word: tail, into: &digest)
                }
            }

            private static func mix(_ value: JSONValue, into digest: inout UInt64) {
                switch value {
                case .null:
                    mix(word: 0, into: &digest)
                case .bool(let bool):
                    mix(word: bool ? 1 : 2, into: &digest)
                case .number(let number):
                    mix(word: 3, into: &digest)
                    mix(word: number.bitPattern, into: &digest)
                case .string(let string):
                    mix(word: 4, into: &digest)
                    mix(string, into: &digest)
                case .array(let elements):
                    mix(word: 5, into: &digest)
                    mix(word: UInt64(elements.count), into: &digest)
                    for element in elements { mix(element, into: &digest) }
                case .object(let members):
                    mix(word: 6, into: &digest)
                    mix(word: UInt64(members.count), into: &digest)
                    for (key, member) in members {
                        mix(key, into: &digest)
                        mix(member, into: &digest)
                    }
                }
            }

            /// Equality with strings compared byte for byte and numbers bit for bit; an object's
            /// members come in one order, so equal objects have equal members pairwise.
            private static func exactlyEqual(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
                switch (lhs, rhs) {
                case (.null, .null):
                    return true
                case (.bool(let left), .bool(let right)):
                    return left == right
                case (.number(let left), .number(let right)):
                    return left.bitPattern == right.bitPattern
                case (.string(let left), .string(let right)):
                    return left.hasSameUTF8(as: right)
                case (.array(let left), .array(let right)):
                    return left.count == right.count && zip(left, right).allSatisfy(exactlyEqual)
                case (.object(let left), .object(let right)):
                    return left.count == right.count
                        && zip(left, right).allSatisfy {
                            $0.key.hasSameUTF8(as: $1.key) && exactlyEqual($0.value, $1.value)
                        }
                default:
                    return false
                }
            }
        }

        /// A member's elements: their bytes, and where each ends, from the start of the first.
        struct Elements {
            let bytes: [UInt8]
            let ends: [Int]
        }

        /// The most members kept; a batch's repeated members are few.
        static let capacity = 256

        private var entries: [Key: Elements] = [:]
        /// The members found or kept, by the address of their value's storage.
        ///
        /// A member that shares its value with an earlier one (as the parser shares the values a
        /// batch repeats) is found without walking the value. The key holds the value, so the
        /// address stays its own.
        private var byAddress: [UnsafeRawPointer: Int] = [:]
        private var shared: [(key: Key, elements: Elements)] = []
        private var yield = LookUpYield(trial: 64)

        /// Whether looking members up still pays: always for the first 64 members, then while at
        /// least one in four is found.
        var isWorthLookingUp: Bool { yield.isWorthLookingUp }

        /// The elements written before for a member whose value shares storage at `address`
        /// with this one's, when its name, namespaces and vocabulary IRIs are the same too.
        mutating func elements(
            at address: UnsafeRawPointer,
            name: String,
            namespaces: EPCISNamespaces,
            vocabularyIRIs: [String]
        ) -> Elements? {
            // Read in place from the array: a copy of the entry would retain all its parts, and
            // one read through an unsafe buffer is copied, as the compiler cannot tell that
            // nothing writes to it during the comparison.
            guard let index = byAddress[address],
                shared[index].key.isWritten(name: name, namespaces: namespaces, vocabularyIRIs: vocabularyIRIs)
            else { return nil }
            yield.found()
            return shared[index].elements
        }

        /// The elements written for an equal member before.
        mutating func elements(for key: Key, at address: UnsafeRawPointer?) -> Elements? {
            if let found = entries[key] {
                yield.found()
                if let address { share(key, found, at: address) }
                return found
            }
            yield.missed()
            return nil
        }

        private mutating func share(_ key: Key, _ elements: Elements, at address: UnsafeRawPointer) {
            guard shared.count < Self.capacity else { return }
            byAddress[address] = shared.count
            shared.append((key, elements))
        }

        /// Keeps a member's elements, while there is room.
        mutating func keep(_ elements: Elements, for key: Key, at address: UnsafeRawPointer?) {
            if let address { share(key, elements, at: address) }
            guard entries.count < Self.capacity else { return }
            entries[key] = elements
        }
    }
}

extension EventHashID.PreHashWriter {
    /// Writes a top-level member as `write` does, or copies what an equal member of an earlier
    /// event of the batch was written as (``EventHashID/MemberCache``).
    ///
    /// - Returns: `false` when the member needs the tree writer, as `write` returns.
    mutating func writeRepeatedMember(
        key: String,
        value: JSONValue,
        namespaces: EPCISNamespaces,
        vocabularyIRIs: [String],
        write: (inout Self) throws -> Bool
    ) rethrows -> Bool {
        guard memberCache?.isWorthLookingUp == true, var cache = memberCache.take() else { return try write(&self) }
        // The cache is taken out while it is used, so that it is not copied when it changes.
        defer { memberCache = cache }
        let start = out.count
        let address = value.storageAddress
        if let address,
            let elements = cache.elements(
                at: address,
                name: key,
                namespaces: namespaces,
                vocabularyIRIs: vocabularyIRIs
            )
        {
            out.append(contentsOf: elements.bytes)
            for end in elements.ends { ends.append(start + end) }
            return true
        }
        let cacheKey = EventHashID.MemberCache.Key(
            name: key,
            value: value,
            namespaces: namespaces,
            vocabularyIRIs: vocabularyIRIs
        )
        if let elements = cache.elements(for: cacheKey, at: address) {
            out.append(contentsOf: elements.bytes)
            for end in elements.ends { ends.append(start + end) }
            return true
        }
        let base = ends.count
        guard try write(&self) else { return false }
        cache.keep(
            EventHashID.MemberCache.Elements(bytes: Array(out[start...]), ends: ends[base...].map { $0 - start }),
            for: cacheKey,
            at: address
        )
        return true
    }
}

extension String {
    /// Whether the two strings have the same UTF-8 bytes: stricter than `==`, under which a string
    /// equals its canonically equivalent spellings (é and e + ◌́), which the hash ID writes apart.
    ///
    /// - Parameter other: The other string.
    /// - Returns: Whether the bytes are equal.
    func hasSameUTF8(as other: String) -> Bool {
        withUTF8Bytes { left in
            other.withUTF8Bytes { right in
                guard left.count == right.count, let leftBase = left.baseAddress, let rightBase = right.baseAddress
                else { return left.count == right.count }
                return memcmp(leftBase, rightBase, left.count) == 0
            }
        }
    }
}
