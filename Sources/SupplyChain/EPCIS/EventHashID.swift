public import LedgerCore
import LedgerCrypto

/// The EPCIS Event Hash ID of GS1 CBV 2.0 (§8.9): a fingerprint of an event that does not depend on
/// how the event is written.
///
/// The same event hashes the same whether it names trade items with EPC URNs or GS1 Digital Link
/// URIs, writes CBV values as bare JSON-LD terms, URNs or web URIs, gives its time in another zone or
/// orders its lists differently. CellTrace uses it as the `eventID` of events that come without one and
/// to recognise an event it already holds. A hash is not a signature: anyone can recompute it.
///
/// ```swift
/// let namespaces = EPCISNamespaces(context: document["@context"])
/// for event in eventList {
///     let id = try EventHashID.compute(for: event, namespaces: namespaces)
///     // "ni:///sha-256;ffa491b1…4b?ver=CBV2.0"
/// }
/// ```
///
/// The pre-hash string concatenates `name=value` pairs in the canonical property order, without
/// separators: `eventType`, `eventTime` (in UTC with milliseconds), `eventTimeZoneOffset`,
/// `certificationInfo`, `parentID`, the EPC and quantity lists, `action`, `transformationID`, `bizStep`,
/// `disposition`, `persistentDisposition`, `readPoint`, `bizLocation` and `sensorElementList`; then,
/// sorted as whole strings, the bizTransaction, source and destination lists, `ilmd` and user extensions
/// (written `{namespace}localName=value`). Elements of a list are sorted. `recordTime`, `eventID`,
/// `errorDeclaration`, comments and `@context` are left out. Values are trimmed; CBV URNs and bare CBV
/// terms become `https://ref.gs1.org/cbv/…` web URIs; numbers lose trailing zeros; GS1 keys become
/// canonical GS1 Digital Link URIs on `id.gs1.org`.
///
/// This follows the reference implementation, RalphTro/epcis-event-hash-generator, and reproduces its
/// published test vectors. Where the reference depends on something a single JSON event does not
/// carry, this type chooses as follows:
/// - JSON object members have no order, so in bizTransaction, source and destination entries the type
///   comes first (as the reference writes them for documents that list `type` first, and for XML),
///   and any member beyond the type and the value is hashed as a user extension (the reference keeps
///   the first two members in document order and drops the rest);
/// - the reference expands bare CBV strings by looking across the whole document; here each event is
///   looked at on its own, so an event's hash does not depend on the other events of its document;
/// - prefixes of the standard EPCIS context (``EPCISNamespaces/standard``) are in force even when the
///   document does not declare them again; an `@context` (or `@xmlns:prefix`) member of the event or
///   of an object inside it declares prefixes for that object and is not hashed, where the reference
///   would hash it as data;
/// - a time without a zone is read as UTC (the reference uses the machine's zone), and a value the
///   reference cannot process (a fraction that rounds up to a whole second, an infinite number, a list
///   entry with only a type or only a value) is given its evident meaning instead of making the event
///   unhashable;
/// - a time that is not an ISO 8601 extended-format date-time makes the event unhashable here (the
///   reference would hash the text as written, or parse the basic format);
/// - a number is read from ASCII digits only: full-width or other Unicode digits stay text (the
///   reference's `float()` reads them as numbers).
///
/// Computing one hash takes some microseconds: common shapes are written straight from the JSON,
/// others through the element tree the reference builds, with the same result.
public enum EventHashID {
    /// The event types the hash accepts.
    private static let eventTypes: Set<String> = [
        "ObjectEvent", "AggregationEvent", "TransformationEvent", "AssociationEvent", "TransactionEvent",
    ]

    /// The top-level elements never hashed.
    private static let ignoredTopLevelNames: Set<Name> = [.recordTime, .eventID, .type, .errorDeclaration]

    /// The canonical pre-hash string of one EPCIS 2.0 event given as JSON(-LD).
    ///
    /// - Parameters:
    ///   - event: An object whose `type` is `ObjectEvent`, `AggregationEvent`, `TransformationEvent`,
    ///     `AssociationEvent` or `TransactionEvent`.
    ///   - namespaces: The prefixes of the event's document; the event's own `@context` is added.
    /// - Returns: The string whose SHA-256 digest is the hash ID.
    /// - Throws: ``SupplyChainError`` with code ``SupplyChainError/Code/invalidDocument`` when the event
    ///   is not an object, has no known `type`, or has an `eventTime` (or sensor time) that is not an
    ///   ISO 8601 date-time.
    public static func preHashString(of event: JSONValue, namespaces: EPCISNamespaces = .standard) throws -> String {
        try preHashString(of: event, namespaces: namespaces, ignoringFields: [])
    }

    /// The canonical pre-hash string of one event, leaving out some of its top-level members.
    ///
    /// A repository that adds members of its own to events it stores (a stored hash, a capture ID) names
    /// them here so that the event still hashes as it did before.
    ///
    /// - Parameters:
    ///   - event: An EPCIS 2.0 event as JSON(-LD).
    ///   - namespaces: The prefixes of the event's document; the event's own `@context` is added.
    ///   - ignoringFields: Top-level member names, exactly as the event spells them (`"repo:hash"`).
    /// - Returns: The string whose SHA-256 digest is the hash ID.
    /// - Throws: ``SupplyChainError`` with code ``SupplyChainError/Code/invalidDocument`` when the event
    ///   cannot be hashed.
    public static func preHashString(
        of event: JSONValue,
        namespaces: EPCISNamespaces = .standard,
        ignoringFields: Set<String>
    ) throws -> String {
        String(decoding: try preHashBytes(of: event, namespaces: namespaces, ignoring: ignoringFields), as: UTF8.self)
    }

    /// The Event Hash ID of one EPCIS 2.0 event given as JSON(-LD).
    ///
    /// - Parameters:
    ///   - event: An object whose `type` is `ObjectEvent`, `AggregationEvent`, `TransformationEvent`,
    ///     `AssociationEvent` or `TransactionEvent`.
    ///   - namespaces: The prefixes of the event's document; the event's own `@context` is added.
    /// - Returns: `ni:///sha-256;<64 lower-case hex digits>?ver=CBV2.0`.
    /// - Throws: ``SupplyChainError`` with code ``SupplyChainError/Code/invalidDocument`` when the event
    ///   is not an object, has no known `type`, or has an `eventTime` (or sensor time) that is not an
    ///   ISO 8601 date-time.
    public static func compute(for event: JSONValue, namespaces: EPCISNamespaces = .standard) throws -> String {
        try compute(for: event, namespaces: namespaces, ignoringFields: [])
    }

    /// The Event Hash ID of one event, leaving out some of its top-level members.
    ///
    /// - Parameters:
    ///   - event: An EPCIS 2.0 event as JSON(-LD).
    ///   - namespaces: The prefixes of the event's document; the event's own `@context` is added.
    ///   - ignoringFields: Top-level member names, exactly as the event spells them.
    /// - Returns: `ni:///sha-256;<64 lower-case hex digits>?ver=CBV2.0`.
    /// - Throws: ``SupplyChainError`` with code ``SupplyChainError/Code/invalidDocument`` when the event
    ///   cannot be hashed.
    public static func compute(
        for event: JSONValue,
        namespaces: EPCISNamespaces = .standard,
        ignoringFields: Set<String>
    ) throws -> String {
        let digest = SHA256.hash(try preHashBytes(of: event, namespaces: namespaces, ignoring: ignoringFields))
        return hashIDText(of: digest)
    }

    /// Buffers for computing hash IDs one event after another on one thread, so that each event
    /// reuses the capacity the previous ones grew instead of allocating its own.
    final class Scratch {
        /// The writer, emptied before each event; it keeps the elements of members that repeat.
        var writer = PreHashWriter(capacity: 2048)
        /// What was read from the `ilmd` values the chunk's events share, by the address of their
        /// storage (``JSONValue/storageAddress``).
        var sharedILMD: [UnsafeRawPointer: SharedILMD] = [:]

        /// What is read from an `ilmd` value: its extension members and, when it describes all the
        /// lots an event makes alike, their master data.
        struct SharedILMD {
            /// Held, so that its storage, and so its address, stays its own.
            let ilmd: JSONValue
            let namespaces: EPCISNamespaces
            let extensions: ExtensionMembers
            var master: EventActivity.LotMaster?
        }

        /// The namespaces of the last event read with a `@context` of its own, with that context
        /// and the namespaces it was added to: the events of one submission, replayed from the
        /// ledger, each carry the same context.
        private var lastContext: (base: EPCISNamespaces, context: JSONValue, namespaces: EPCISNamespaces)?

        /// `base` with an event's `@context` added (``EPCISNamespaces/adding(context:)``), made
        /// once for the events in a row that carry the same context.
        func namespaces(_ base: EPCISNamespaces, adding context: JSONValue?) -> EPCISNamespaces {
            guard let context else { return base }
            if let last = lastContext, last.base.isSame(as: base), last.context == context { return last.namespaces }
            let namespaces = base.adding(context: context)
            lastContext = (base, context, namespaces)
            return namespaces
        }

        /// The most `ilmd` values kept; a chunk's events share a few.
        static let sharedILMDCapacity = 64

        /// The extension members of an `ilmd`, read once for all the events that share it.
        func ilmdExtensions(of ilmd: JSONValue, namespaces: EPCISNamespaces) -> ExtensionMembers {
            guard let address = ilmd.storageAddress else {
                return EPCISEvent.extensionMembers(of: ilmd, namespaces: namespaces)
            }
            if let shared = sharedILMD[address], shared.namespaces.isSame(as: namespaces) { return shared.extensions }
            let extensions = EPCISEvent.extensionMembers(of: ilmd, namespaces: namespaces)
            if sharedILMD.count < Self.sharedILMDCapacity {
                sharedILMD[address] = SharedILMD(ilmd: ilmd, namespaces: namespaces, extensions: extensions)
            }
            return extensions
        }

        init() {
            writer.memberCache = MemberCache()
        }
    }

    /// The Event Hash ID of one event, written with `scratch`'s buffers when there are some.
    ///
    /// - Parameters:
    ///   - event: An EPCIS 2.0 event as JSON(-LD).
    ///   - namespaces: The prefixes of the event's document; the event's own `@context` is added.
    ///   - scratch: Buffers to reuse, or `nil`.
    /// - Returns: As ``compute(for:namespaces:)``.
    /// - Throws: As ``compute(for:namespaces:)``.
    static func compute(for event: JSONValue, namespaces: EPCISNamespaces, scratch: Scratch?) throws -> String {
        guard let scratch else { return try compute(for: event, namespaces: namespaces) }
        try writePreHash(of: event, namespaces: namespaces, ignoring: [], into: &scratch.writer)
        let digest = SHA256.hash(scratch.writer.out)
        return hashIDText(of: digest)
    }

    /// `ni:///sha-256;<hex>?ver=CBV2.0`, allocated once.
    private static func hashIDText(of digest: SHA256Digest) -> String {
        let prefix: StaticString = "ni:///sha-256;"
        let suffix: StaticString = "?ver=CBV2.0"
        let count = prefix.utf8CodeUnitCount + 64 + suffix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: count) { text in
            var position = 0
            prefix.withUTF8Buffer { bytes in
                for byte in bytes {
                    text[position] = byte
                    position += 1
                }
            }
            digest.withUnsafeBytes { bytes in
                for byte in bytes {
                    text[position] = hexDigits[Int(byte >> 4)]
                    text[position + 1] = hexDigits[Int(byte & 0x0F)]
                    position += 2
                }
            }
            suffix.withUTF8Buffer { bytes in
                for byte in bytes {
                    text[position] = byte
                    position += 1
                }
            }
            return position
        }
    }

    /// Lower-case hexadecimal digits.
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The pre-hash string as UTF-8.
    static func preHashBytes(
        of event: JSONValue,
        namespaces: EPCISNamespaces,
        ignoring: Set<String>
    ) throws -> [UInt8] {
        var writer = PreHashWriter(capacity: 2048)
        try writePreHash(of: event, namespaces: namespaces, ignoring: ignoring, into: &writer)
        return writer.out
    }

    /// Writes the pre-hash string into `writer.out`, emptying the writer first.
    static func writePreHash(
        of event: JSONValue,
        namespaces: EPCISNamespaces,
        ignoring: Set<String>,
        into writer: inout PreHashWriter
    ) throws {
        writer.reset()
        guard case .object(let members) = event else {
            throw SupplyChainError(
                code: .invalidDocument,
                message: "An EPCIS event to hash must be a JSON object; this one is not."
            )
        }
        guard case .string(let type) = members["type"], eventTypes.contains(type) else {
            throw SupplyChainError(
                code: .invalidDocument,
                message: """
                    The event's 'type' is missing or not ObjectEvent, AggregationEvent, TransformationEvent, \
                    AssociationEvent or TransactionEvent, so its event hash ID cannot be computed.
                    """
            )
        }
        var namespaces = namespaces
        if let context = members["@context"] { namespaces = namespaces.adding(context: context) }

        writer.out.append(contentsOf: "eventType=".utf8)
        writer.out.append(contentsOf: type.utf8)
        if try writer.writeDirectly(members, ignoring: ignoring, namespaces: namespaces) {
            return
        }
        writer.out = try treePreHashBytes(of: members, type: type, namespaces: namespaces, ignoring: ignoring)
    }

    /// The pre-hash string written from the whole element tree, as the reference does; the direct
    /// writer gives the same bytes faster for the shapes it knows.
    static func treePreHashBytes(
        of members: JSONObject,
        type: String,
        namespaces: EPCISNamespaces,
        ignoring: Set<String>
    ) throws -> [UInt8] {
        let builder = TreeBuilder(vocabularyIRIs: vocabularyIRIs(of: members, namespaces: namespaces))
        var children = builder.children(of: members, namespaces: namespaces, ignoring: ignoring)
        var writer = PreHashWriter(capacity: 2048)
        writer.out.append(contentsOf: "eventType=".utf8)
        writer.out.append(contentsOf: type.utf8)
        try writer.writeOrdered(&children, order: propertyOrder)
        children.removeAll { !$0.isPair && ignoredTopLevelNames.contains($0.known) }
        if !children.isEmpty { writer.writeRemaining(children) }
        return writer.out
    }
}
