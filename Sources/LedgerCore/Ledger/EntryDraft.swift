import LedgerCrypto

/// An entry to append: what the submitter says, before the ledger numbers, chains and stamps it.
public struct EntryDraft: Sendable, Hashable {
    /// The entry type (`generic` for plain JSON appends).
    public var type: String
    /// The submitting actor's identifier.
    public var actor: String
    /// The content in clear; confidential values are sealed at append.
    public var body: JSONValue {
        didSet { presealed = nil }
    }
    /// The body values to store as salted commitments, with the clear value kept beside the entry.
    public var confidential: [JSONPointer] {
        didSet { presealed = nil }
    }
    /// The openings of commitments already in `body`, for a draft sealed before the append
    /// (``sealingConfidentialValues()``): a layer that signs the sealed body needs it first.
    public var openings: [JSONPointer: Opening] = [:] {
        didSet { presealed = nil }
    }
    /// The canonical bytes of `body` and of its openings, written once by
    /// `sealingConfidentialValues(salts:)` and copied into the entry as they are; any change to
    /// the body, its pointers or its openings drops them.
    package private(set) var presealed: Presealed?

    /// The canonical bytes of a draft sealed before the append.
    package struct Presealed: Sendable, Hashable {
        /// The canonical JSON of the sealed body.
        package var body: [UInt8]
        /// The canonical JSON of `{pointer: opening}`, or `nil` when nothing was sealed.
        var openings: [UInt8]?
        /// The SHA-256 state after the start of the entry's leaf hash, 0x00 ‖ `{"actor":…,"body":`
        /// ‖ body, hashed where the draft was sealed: the append adds the rest of the entry (its
        /// origin and chain fields) instead of hashing the body again, on its one thread.
        var leafStart: SHA256State? = nil
    }

    /// Creates a draft.
    ///
    /// - Parameters:
    ///   - type: The entry type.
    ///   - actor: The submitter.
    ///   - body: The content in clear.
    ///   - confidential: The values to seal; each must exist in `body`.
    public init(type: String, actor: String, body: JSONValue, confidential: [JSONPointer] = []) {
        self.type = type
        self.actor = actor
        self.body = body
        self.confidential = confidential
    }

    /// The draft with its confidential values sealed now, with fresh salts: `body` holds the
    /// commitments, ``openings`` the clear values, and ``confidential`` is empty.
    ///
    /// The ledger stores such a draft as it is, so the sealed body's canonical bytes, which a
    /// submitter may sign, are the bytes of the entry's body.
    ///
    /// - Throws: ``LedgerError/Code/invalidInput`` naming a pointer that is missing, repeated or
    ///   the whole body.
    public func sealingConfidentialValues() throws -> EntryDraft {
        var sealed = self
        sealed.confidential = []
        for pointer in confidential {
            guard !pointer.tokens.isEmpty else {
                throw LedgerError(
                    code: .invalidInput,
                    message: "the whole body cannot be sealed; name a field inside it"
                )
            }
            guard sealed.openings[pointer] == nil, let value = pointer.value(in: sealed.body),
                Commitment(placeholder: value) == nil
            else {
                throw LedgerError(
                    code: .invalidInput,
                    message: "body\(pointer.text): no such field to seal, or named twice"
                )
            }
            let opening = Opening.sealing(value)
            _ = pointer.replaceValue(with: opening.commitment.placeholder, in: &sealed.body)
            sealed.openings[pointer] = opening
        }
        return sealed
    }

    /// The draft sealed now, as ``sealingConfidentialValues()`` seals it, with its body's
    /// canonical bytes written once for the caller to hash and the append to copy.
    ///
    /// Salts are taken 32 bytes at a time from `salts` (one random draw for a whole batch); when
    /// it runs short, fresh ones are drawn. A body holding a reserved key is sealed but not
    /// encoded, so the append refuses it as it refuses any such body.
    ///
    /// The draft is consumed, so that a body nothing else holds is sealed in place: only the
    /// containers on the way to a sealed value that are shared are copied, once each.
    ///
    /// - Parameter salts: Random bytes; what is used is removed.
    /// - Returns: The sealed draft, with its canonical bytes unless its body holds a reserved key.
    /// - Throws: As ``sealingConfidentialValues()``.
    package consuming func sealingConfidentialValues(salts: inout ArraySlice<UInt8>) throws -> EntryDraft {
        guard openings.isEmpty else { return try sealingConfidentialValues() }
        // Whether the clear body holds a reserved key is found while the sealed body is written,
        // outside the sealed values (whose clear values are checked on their own), unless one
        // pointer leads into another's value: the clear body is then checked now.
        let pointers = confidential
        let nested = Self.nest(pointers)
        let holdsReservedKey = nested && Ledger.containsReservedKey(body)
        var body = self.body
        // Let go of the draft's hold on the body, so that sealing changes it in place.
        self.body = .null
        var sealedOpenings: [JSONPointer: Opening] = [:]
        sealedOpenings.reserveCapacity(confidential.count)
        var texts: [(pointer: String, opening: Opening)] = []
        texts.reserveCapacity(confidential.count)
        for pointer in pointers {
            guard !pointer.tokens.isEmpty else {
                throw LedgerError(
                    code: .invalidInput,
                    message: "the whole body cannot be sealed; name a field inside it"
                )
            }
            var opening: Opening?
            if sealedOpenings[pointer] == nil {
                _ = Self.replace(pointer.tokens[...], in: &body) { value in
                    guard Commitment(placeholder: value) == nil else { return nil }
                    opening = Opening(salt: Array(Self.takeSalt(from: &salts)), value: value)
                    return opening?.commitment.placeholder
                }
            }
            guard let opening else {
                throw LedgerError(
                    code: .invalidInput,
                    message: "body\(pointer.text): no such field to seal, or named twice"
                )
            }
            sealedOpenings[pointer] = opening
            texts.append((pointer.text, opening))
        }
        var sealed = self
        sealed.body = body
        sealed.confidential = []
        sealed.openings = sealedOpenings
        var output = CanonicalOutput(capacity: 2048)
        if nested {
            guard !holdsReservedKey else { return sealed }
            _ = body.writeCanonical(into: &output, rejectingReservedKeys: false)
        } else {
            guard !texts.contains(where: { Ledger.containsReservedKey($0.opening.value) }),
                body.writeCanonical(into: &output, rejectingReservedKeysOutside: pointers.map { $0.tokens[...] })
            else { return sealed }
        }
        let bodyBytes = output.withBytes { Array($0) }
        var hasher = SHA256Hasher()
        sealed.presealed = Presealed(
            body: bodyBytes,
            openings: texts.isEmpty ? nil : Self.canonicalOpenings(texts),
            leafStart: Self.leafStart(actor: sealed.actor, body: bodyBytes, output: &output, hasher: &hasher)
        )
        return sealed
    }

    /// The SHA-256 state after 0x00 ‖ `{"actor":…,"body":` ‖ body: the start of the leaf hash of
    /// the entry the append writes (``Presealed/leafStart``).
    private static func leafStart(
        actor: String,
        body: [UInt8],
        output: inout CanonicalOutput,
        hasher: inout SHA256Hasher
    ) -> SHA256State {
        output.removeAll()
        Entry.encodeHeadStart(actor: actor, into: &output)
        hasher.update(byte: 0x00)
        output.withBytes { hasher.update(UnsafeRawBufferPointer($0)) }
        body.withUnsafeBytes { hasher.update($0) }
        return hasher.state
    }

    /// The draft sealed for the append alone: its canonical bytes and openings, as
    /// ``sealingConfidentialValues(salts:)`` writes them, written straight from the clear body
    /// with each commitment in its value's place.
    ///
    /// No sealed body is built, so nothing the clear body shares with other values is copied. The
    /// draft keeps no body value (`body` is `null` and ``openings`` is empty): the append stores
    /// its bytes. A body whose pointers lead into one another, or that holds a reserved key, is
    /// sealed as ``sealingConfidentialValues(salts:)`` seals it instead, so that the append
    /// refuses it as it refuses any such body.
    ///
    /// - Parameters:
    ///   - salts: Random bytes, taken 32 at a time; fresh ones are drawn when it runs short.
    ///   - cache: The canonical forms of the values the body shares with other bodies of its
    ///     batch (``CanonicalValueCache``), copied rather than written again.
    /// - Returns: The sealed draft.
    /// - Throws: As ``sealingConfidentialValues()``.
    package consuming func sealedForAppend(
        salts: inout ArraySlice<UInt8>,
        cache: CanonicalValueCache? = nil
    ) throws -> EntryDraft {
        let pointers = confidential
        let nested = Self.nest(pointers)
        guard openings.isEmpty, !nested else { return try sealingConfidentialValues(salts: &salts) }
        // One buffer and one hasher serve the commitments, the body and the openings in turn.
        var output = CanonicalOutput(capacity: 2048)
        var hasher = SHA256Hasher()
        var paths: [JSONValue.CanonicalPath] = []
        paths.reserveCapacity(pointers.count)
        var sealedValues: [SealedValue] = []
        sealedValues.reserveCapacity(pointers.count)
        // A pointer named twice is found by a set once there are more than a few.
        var named: Set<JSONPointer> = []
        for (index, pointer) in pointers.enumerated() {
            guard !pointer.tokens.isEmpty else {
                throw LedgerError(
                    code: .invalidInput,
                    message: "the whole body cannot be sealed; name a field inside it"
                )
            }
            let again = pointers.count > 8 ? !named.insert(pointer).inserted : pointers[..<index].contains(pointer)
            guard !again, let value = pointer.value(in: body),
                Commitment(placeholder: value) == nil
            else {
                throw LedgerError(
                    code: .invalidInput,
                    message: "body\(pointer.text): no such field to seal, or named twice"
                )
            }
            let salt = Self.takeSalt(from: &salts)
            // The commitment, as `Opening.commitment` makes it: SHA-256(salt ‖ canonical value).
            output.removeAll()
            _ = value.writeCanonical(into: &output, rejectingReservedKeys: false)
            hasher.update(salt)
            output.withBytes { hasher.update(UnsafeRawBufferPointer($0)) }
            paths.append(
                JSONValue.CanonicalPath(tokens: pointer.tokens[...], replacement: .commitment(hasher.finalize()))
            )
            sealedValues.append(SealedValue(pointer: pointer.text, salt: salt, value: value))
        }
        output.removeAll()
        guard !sealedValues.contains(where: { Ledger.containsReservedKey($0.value) }),
            body.writeCanonical(into: &output, paths: paths, cache: cache)
        else {
            // The sealed body, built, without bytes: the append names the reserved key.
            var sealed = self
            var openings: [JSONPointer: Opening] = [:]
            for (position, pointer) in pointers.enumerated() {
                guard case .commitment(let digest)? = paths[position].replacement else { continue }
                _ = pointer.replaceValue(with: Commitment(digest: digest).placeholder, in: &sealed.body)
                openings[pointer] = Opening(
                    salt: Array(sealedValues[position].salt),
                    value: sealedValues[position].value
                )
            }
            sealed.confidential = []
            sealed.openings = openings
            return sealed
        }
        let bodyBytes = output.withBytes { Array($0) }
        var sealed = EntryDraft(type: type, actor: actor, body: .null)
        sealed.presealed = Presealed(
            body: bodyBytes,
            openings: sealedValues.isEmpty ? nil : Self.canonicalOpenings(sealedValues, into: &output)
        )
        sealed.presealed?.leafStart = Self.leafStart(actor: actor, body: bodyBytes, output: &output, hasher: &hasher)
        return sealed
    }

    /// Whether one of `pointers` leads into the value another names.
    private static func nest(_ pointers: [JSONPointer]) -> Bool {
        guard pointers.count > 8 else {
            return pointers.indices.contains { first in
                pointers.indices.contains { second in
                    first != second && pointers[second].tokens.starts(with: pointers[first].tokens)
                }
            }
        }
        // In token order a pointer that leads into another's value comes just before a pointer
        // that starts with it (whatever sorts between them starts with it too), so neighbours
        // alone are compared: an event with a confidential value in each of thousands of
        // elements is not checked pair by pair.
        let sorted = pointers.map(\.tokens).sorted { $0.lexicographicallyPrecedes($1) }
        return zip(sorted, sorted.dropFirst()).contains { $1.starts(with: $0) }
    }

    /// The next 32 bytes of `salts`, or fresh random ones when it runs short.
    private static func takeSalt(from salts: inout ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard salts.count >= 32 else { return SecureRandom.bytes(count: 32)[...] }
        defer { salts = salts.dropFirst(32) }
        return salts.prefix(32)
    }

    /// A confidential value with its salt, as its opening is written.
    private struct SealedValue {
        var pointer: String
        var salt: ArraySlice<UInt8>
        var value: JSONValue
    }

    /// Replaces the value `tokens` name in `node` by what `replacement` makes of it, changing
    /// in place every container that nothing else holds, as `JSONPointer.replaceValue` does.
    ///
    /// - Returns: Whether the value exists and `replacement` gave a new one; otherwise nothing
    ///   changed.
    private static func replace(
        _ tokens: ArraySlice<String>,
        in node: inout JSONValue,
        with replacement: (JSONValue) -> JSONValue?
    ) -> Bool {
        guard let token = tokens.first else {
            guard let newValue = replacement(node) else { return false }
            node = newValue
            return true
        }
        // Matched with `if case`: a `switch` keeps a copy of its subject for the whole case, which
        // holds the container and makes the change below copy it.
        if case .object(var object) = node {
            guard let index = object.index(forKey: token) else { return false }
            // `object` is then the only hold on the storage, unless something else shares it.
            node = .null
            defer { node = .object(object) }
            return replace(tokens.dropFirst(), in: &object.members[index].value, with: replacement)
        }
        if case .array(var elements) = node {
            guard let index = JSONValue.pointerArrayIndex(token), index < elements.count else { return false }
            node = .null
            defer { node = .array(elements) }
            return replace(tokens.dropFirst(), in: &elements[index], with: replacement)
        }
        return false
    }

    /// The canonical JSON of `{pointer: {"salt": hex, "value": value}}`, as
    /// `JSONValue.object(…).canonicalBytes` writes it, without building the object.
    private static func canonicalOpenings(_ openings: [(pointer: String, opening: Opening)]) -> [UInt8] {
        var output = CanonicalOutput(capacity: 160 * openings.count)
        return canonicalOpenings(
            openings.map { SealedValue(pointer: $0.pointer, salt: $0.opening.salt[...], value: $0.opening.value) },
            into: &output
        )
    }

    /// ``canonicalOpenings(_:)`` of sealed values, written into `output` (emptied first).
    private static func canonicalOpenings(_ openings: [SealedValue], into output: inout CanonicalOutput) -> [UInt8] {
        // RFC 8785 orders members by the UTF-16 code units of their keys.
        let order = openings.indices.sorted { JSONValue.keyPrecedes(openings[$0].pointer, openings[$1].pointer) }
        output.removeAll()
        output.append(UInt8(ascii: "{"))
        for (position, index) in order.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            JSONValue.writeCanonical(string: openings[index].pointer, into: &output)
            output.append(#":{"salt":""#)
            output.appendHex(openings[index].salt)
            output.append(#"","value":"#)
            _ = openings[index].value.writeCanonical(into: &output, rejectingReservedKeys: false)
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: "}"))
        return output.withBytes { Array($0) }
    }
}

/// What an append returns once its batch is durable.
public struct AppendReceipt: Sendable, Hashable {
    /// The sequence number of the batch's first entry.
    public var firstSequenceNumber: UInt64
    /// How many entries the batch added.
    public var count: Int
    /// The ledger's size after the batch.
    public var treeSize: UInt64
    /// The checkpoint signed for that size.
    public var checkpoint: SignedCheckpoint
}
