public import LedgerCore

/// The namespace prefixes in force for an EPCIS event: the EPCIS and CBV defaults plus those the
/// document's and the event's `@context` declare.
///
/// The EPCIS Event Hash ID writes an extension element as `{namespace}localName` and a CURIE value
/// as the IRI it stands for, so the hash needs to know what each prefix means. Build one value per
/// document from its `@context` and pass it to every event of the document; the event's own
/// `@context`, when it has one, is added by ``EventHashID`` itself.
///
/// ```swift
/// let namespaces = EPCISNamespaces(context: document["@context"])
/// namespaces.expand("example:foo")  // "http://ns.example.com/epcis/foo" when the document declares example
/// ```
///
/// Only objects in a `@context` declare prefixes (each member mapping a prefix to an IRI string);
/// strings are context URLs and are ignored, the standard EPCIS 2.0 context being assumed, and
/// members whose name starts with `@` (`@vocab`, `@version`, …) are JSON-LD keywords, not prefixes.
/// A JSON-LD expanded term definition (`"c2": {"@id": "https://…", "@prefix": true}`) declares no
/// prefix here, as it declares none to the Event Hash ID's reference implementation, which reads
/// string bindings only; it is kept apart (``termDefinition(ofKey:)``) so that a member using it
/// can be told why it has no namespace. Later declarations win.
public struct EPCISNamespaces: Sendable, Hashable {
    /// The prefixes and their lookup tables, built once and shared by every copy: an event's hash
    /// ID and extension members look prefixes up a few dozen times, and each copy of a value of
    /// several collections would retain each of them.
    private let storage: Storage

    /// The declared prefixes and the tables that look them up.
    private final class Storage: Sendable {
        /// Each declared prefix, with its IRI; the source of equality.
        let mappings: [String: String]
        /// The names a `@context` binds to an expanded term definition (an object), each with the
        /// definition's `@id` (empty when it has no string `@id`): no prefix, but named when a
        /// member that uses one has no namespace.
        let termDefinitions: [String: String]
        /// The same mappings as UTF-8 bytes, for lookups that do not allocate.
        let table: [Prefix]
        /// The length of the longest prefix, which bounds the search for a colon.
        let longestPrefix: Int
        /// One bit for each ASCII byte that starts a prefix, to turn most values away at once.
        let firstBytes: UInt128
        /// The prefixes bound to an IRI that is almost CellTrace's namespace (without its trailing
        /// slash, over http, in other case) or that bind `ct` elsewhere: a slip whose members no
        /// rule reads.
        let nearMisses: [String: String]

        init(mappings: [String: String], termDefinitions: [String: String] = [:]) {
            self.mappings = mappings
            self.termDefinitions = termDefinitions
            func plain(_ iri: String) -> String {
                var text = iri.lowercased()
                if text.hasPrefix("http://") { text = "https://" + text.dropFirst(7) }
                while text.hasSuffix("/") || text.hasSuffix("#") { text.removeLast() }
                return text
            }
            let ours = plain(CellTraceNamespace.iri)
            self.nearMisses = mappings.filter { prefix, iri in
                iri != CellTraceNamespace.iri && (prefix == CellTraceNamespace.prefix || plain(iri) == ours)
            }
            self.table = mappings.map { Prefix(name: $0.key, iri: $0.value) }
            self.longestPrefix = table.map(\.name.count).max() ?? 0
            // Bit 127 (DEL, never a prefix's first byte) stands for any non-ASCII first byte.
            self.firstBytes = table.reduce(0) { bits, prefix in
                guard let first = prefix.name.first else { return bits }
                return bits | (1 << UInt128(min(first, 127)))
            }
        }

        /// The table entry of the declared prefix that `bytes` start with, followed by a colon,
        /// and the colon's offset; only the bytes before the colon count, as in the reference.
        func prefixIndex(in bytes: UnsafeBufferPointer<UInt8>) -> (entry: Int, colon: Int)? {
            guard let first = bytes.first else { return nil }
            if first < 128 {
                guard firstBytes & (1 << UInt128(first)) != 0 else { return nil }
            } else if firstBytes & (1 << 127) == 0 {
                return nil
            }
            var packed: UInt64 = 0
            var length = 0
            var colon: Int?
            for byte in bytes {
                if byte == UInt8(ascii: ":") {
                    colon = length
                    break
                }
                if length == longestPrefix { return nil }
                if length < 8 { packed |= UInt64(byte) << (8 * length) }
                length += 1
            }
            guard let colon else { return nil }
            for (entry, prefix) in table.enumerated() where prefix.packed == packed && prefix.name.count == length {
                if length <= 8 || bytes.prefix(length).elementsEqual(prefix.name) { return (entry, colon) }
            }
            return nil
        }
    }

    /// One declared prefix.
    private struct Prefix: Sendable {
        /// The prefix's first eight UTF-8 bytes, packed little-endian, for a one-word comparison.
        var packed: UInt64
        var name: [UInt8]
        var iri: String

        init(name: String, iri: String) {
            self.name = Array(name.utf8)
            self.packed = Self.pack(self.name)
            self.iri = iri
        }

        static func pack(_ bytes: some Sequence<UInt8>) -> UInt64 {
            var packed: UInt64 = 0
            for (index, byte) in bytes.prefix(8).enumerated() {
                packed |= UInt64(byte) << (8 * index)
            }
            return packed
        }
    }

    /// The prefixes the standard EPCIS 2.0 JSON-LD context declares: `epcis`, `cbv`, `cbvmda`, `gs1`,
    /// `rdfs`, `owl`, `xsd` and `dcterms`.
    public static let standard = EPCISNamespaces(mappings: [
        "epcis": "https://ref.gs1.org/epcis/",
        "cbv": "https://ref.gs1.org/cbv/",
        "cbvmda": "urn:epcglobal:cbv:mda:",
        "gs1": "https://gs1.org/voc/",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "owl": "http://www.w3.org/2002/07/owl#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "dcterms": "http://purl.org/dc/terms/",
    ])

    private init(mappings: [String: String], termDefinitions: [String: String] = [:]) {
        storage = Storage(mappings: mappings, termDefinitions: termDefinitions)
    }

    /// Creates the namespaces of a document from its `@context`.
    ///
    /// - Parameter context: The document's `@context` value: an array, an object or a string;
    ///   `nil` gives ``standard``.
    public init(context: JSONValue?) {
        self = Self.standard.adding(context: context)
    }

    /// These namespaces with the prefixes of another `@context` on top, such as an event's own.
    ///
    /// A prefix bound to `null` is no longer declared, as in JSON-LD, where `null` clears a term
    /// the contexts before defined: `{"ct": null}` leaves `ct:` members in no namespace, so that
    /// the ledger does not read them as CellTrace's when a JSON-LD processor would not.
    ///
    /// An expanded term definition (an object) declares no prefix, and leaves a prefix declared
    /// before it as it was: the hash ID's reference implementation reads string bindings only.
    ///
    /// - Parameter context: A `@context` value: an array, an object or a string; `nil` adds nothing.
    /// - Returns: The combined namespaces; a prefix declared again takes its new IRI.
    public func adding(context: JSONValue?) -> EPCISNamespaces {
        var added = storage.mappings
        var definitions = storage.termDefinitions
        var changed = false
        func declare(_ object: JSONObject) {
            for (prefix, value) in object where !prefix.hasPrefix("@") {
                switch value {
                case .string(let iri):
                    added[prefix] = iri
                    if !definitions.isEmpty { definitions.removeValue(forKey: prefix) }
                case .null:
                    let defined = definitions.removeValue(forKey: prefix) != nil
                    guard added.removeValue(forKey: prefix) != nil || defined else { continue }
                case .object(let definition):
                    definitions[prefix] = definition["@id"]?.stringValue ?? ""
                default:
                    continue
                }
                changed = true
            }
        }
        switch context {
        case .object(let object):
            declare(object)
        case .array(let elements):
            for case .object(let object) in elements {
                declare(object)
            }
        default:
            break
        }
        return changed ? EPCISNamespaces(mappings: added, termDefinitions: definitions) : self
    }

    /// Expands a compact IRI whose prefix is declared.
    ///
    /// As in the reference implementation, whatever precedes the first colon is taken as the
    /// prefix, so `urn:…` and `https://…` come back unchanged unless someone declared `urn` or `https`.
    ///
    /// - Parameter curie: A value such as `example:foo`.
    /// - Returns: The prefix's IRI followed by the rest, or `curie` unchanged when the prefix is not declared.
    public func expand(_ curie: String) -> String {
        guard let (iri, rest) = lookUp(curie) else { return curie }
        return iri + rest
    }

    /// Expands an element name the way the hash writes extension elements: `{namespace}localName`.
    ///
    /// - Parameter key: A member name such as `example:myField`.
    /// - Returns: `{IRI}localName`, or `key` unchanged when it has no declared prefix.
    func expandKey(_ key: String) -> String {
        guard let (iri, rest) = expansion(ofKey: key) else { return key }
        return "{" + iri + "}" + rest
    }

    /// The prefix of the standard EPCIS 2.0 context that a member name uses, and its IRI.
    ///
    /// - Parameter key: A member name such as `cbvmda:countryOfOrigin`.
    /// - Returns: `("cbvmda", "urn:epcglobal:cbv:mda:")`, or `nil` when the name has no standard prefix.
    public static func standardPrefix(ofKey key: String) -> (prefix: String, iri: String)? {
        guard let colon = key.firstIndex(of: ":"), let (iri, _) = standard.lookUp(key) else { return nil }
        return (String(key[..<colon]), iri)
    }

    /// Whether a prefix is bound to an IRI that is almost CellTrace's namespace.
    var hasNearMisses: Bool { !storage.nearMisses.isEmpty }

    /// The IRI a member name's prefix is bound to when that is almost CellTrace's namespace
    /// (``Storage/nearMisses``), or `nil`.
    func nearMiss(ofKey key: String) -> String? {
        let nearMisses = storage.nearMisses
        guard !nearMisses.isEmpty, let colon = key.firstIndex(of: ":") else { return nil }
        return nearMisses[String(key[..<colon])]
    }

    /// Whether a member name's prefix is declared, found without building a string.
    func declaresPrefix(of key: String) -> Bool {
        let storage = storage
        return key.withUTF8Bytes { storage.prefixIndex(in: $0) } != nil
    }

    /// The declared prefixes, for naming the nearest to one that is not.
    var prefixes: some Collection<String> { storage.mappings.keys }

    /// The `@id` of the expanded term definition (an object) that a `@context` binds a member
    /// name's prefix to, empty when the definition has no string `@id`; `nil` when no context
    /// binds the prefix to an object.
    func termDefinition(ofKey key: String) -> String? {
        let definitions = storage.termDefinitions
        guard !definitions.isEmpty, let colon = key.firstIndex(of: ":") else { return nil }
        return definitions[String(key[..<colon])]
    }

    /// The IRI of a member name's declared prefix and the local name after the colon, when it has one.
    ///
    /// A name written as an absolute IRI (`https://example.com/ns/note`, `urn:example:note`) whose
    /// scheme is no declared prefix is split where its namespace ends (``absoluteIRIParts(_:)``),
    /// so that it is written as the compact name that expands to it is: one member, one hash ID.
    func expansion(ofKey key: String) -> (iri: String, localName: Substring)? {
        if let (iri, rest) = lookUp(key) { return (iri, rest) }
        return Self.absoluteIRIParts(key)
    }

    /// An absolute IRI's namespace and local name: an `http` or `https` IRI split after the last
    /// `/` or `#` of its path, a URN after its last `:`; `nil` for other names, and for an IRI
    /// that ends where its local name would start.
    static func absoluteIRIParts(_ key: String) -> (iri: String, localName: Substring)? {
        let utf8 = key.utf8
        let split: String.Index?
        if let scheme = ["https://", "http://"].first(where: { utf8.starts(with: $0.utf8) }) {
            let authority = utf8.index(utf8.startIndex, offsetBy: scheme.utf8.count)
            split = utf8[authority...].lastIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "#") }
        } else if utf8.starts(with: "urn:".utf8) {
            let namespace = utf8.index(utf8.startIndex, offsetBy: 4)
            split = utf8[namespace...].lastIndex(of: UInt8(ascii: ":"))
        } else {
            split = nil
        }
        guard let split else { return nil }
        let localStart = utf8.index(after: split)
        guard localStart < utf8.endIndex else { return nil }
        return (String(key[..<localStart]), key[localStart...])
    }

    /// The IRI of the prefix of `text` and the text after the colon, when the prefix is declared.
    private func lookUp(_ text: String) -> (iri: String, rest: Substring)? {
        let storage = storage
        let found = text.withUTF8Bytes { storage.prefixIndex(in: $0) }
        guard let (entry, colon) = found else { return nil }
        let utf8 = text.utf8
        return (storage.table[entry].iri, text[utf8.index(utf8.startIndex, offsetBy: colon + 1)...])
    }
}

extension EPCISNamespaces {
    /// Whether these are the very namespaces `other` is (one storage), not merely equal ones.
    func isSame(as other: EPCISNamespaces) -> Bool {
        storage === other.storage
    }

    /// The identity that ``isSame(as:)`` compares.
    var identity: ObjectIdentifier {
        ObjectIdentifier(storage)
    }

    /// Namespaces are equal when they map the same prefixes to the same IRIs.
    ///
    /// - Parameters:
    ///   - lhs: One set of namespaces.
    ///   - rhs: The other.
    /// - Returns: Whether both declare the same prefixes with the same IRIs.
    public static func == (lhs: EPCISNamespaces, rhs: EPCISNamespaces) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.mappings == rhs.storage.mappings
    }

    /// Hashes the prefix mappings.
    ///
    /// - Parameter hasher: The hasher to feed.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.mappings)
    }
}
