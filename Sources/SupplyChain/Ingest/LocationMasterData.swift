import LedgerCore

/// The business locations an EPCIS document's header describes
/// (`epcisHeader.epcisMasterData`, vocabulary type `BusinessLocation`), compared at import with
/// the facilities the ledger has registered.
///
/// A facility's master data is recorded by its own entries (`facility add`, `facility amend`),
/// which say who recorded what and when; a document's header is what its sender believes. The
/// import does not change a facility from it, but says where the two differ, so that a supplier
/// whose plant moved to another grid region, or a typo in either place, does not go unnoticed
/// while footprints use the ledger's figures.
struct LocationMasterData: Sendable {
    /// One location of the header, with the attributes the ledger also records.
    struct Location: Sendable {
        /// The JSON pointer of the vocabulary element in the document.
        var pointer: String
        var id: String
        /// Each attribute the ledger records, by its name (`countryCode`, `state`, `name`,
        /// `gridRegion`, `facilityKind`, `operator`), with its pointer and value.
        var attributes: [(name: String, pointer: String, value: String)]
    }

    var locations: [Location] = []

    /// No locations: a document without master data, or JSON Lines.
    init() {}

    /// The names of CBV master-data attributes, and of CellTrace's, that a facility records.
    private static let cbvAttributes: Set<String> = ["countryCode", "state", "name"]
    private static let ownAttributes: Set<String> = ["gridRegion", "facilityKind", "operator"]

    /// Reads the header of `document`; anything it does not recognise is left alone, as the
    /// header is optional and carries other vocabularies too.
    init(document: JSONValue, namespaces: EPCISNamespaces) {
        let lists = document["epcisHeader"]?["epcisMasterData"]?["vocabularyList"]?.arrayValue ?? []
        for (listIndex, list) in lists.enumerated() {
            guard let type = list["type"]?.stringValue,
                type == "urn:epcglobal:epcis:vtype:BusinessLocation" || type == "BusinessLocation"
            else { continue }
            let elements = list["vocabularyElementList"]?.arrayValue ?? []
            for (elementIndex, element) in elements.enumerated() {
                guard let id = element["id"]?.stringValue else { continue }
                let pointer =
                    "/epcisHeader/epcisMasterData/vocabularyList/\(listIndex)/vocabularyElementList/\(elementIndex)"
                var location = Location(pointer: pointer, id: id, attributes: [])
                for (attributeIndex, attribute) in (element["attributes"]?.arrayValue ?? []).enumerated() {
                    guard let name = attribute["id"]?.stringValue.flatMap({ Self.name(of: $0, namespaces) }),
                        let value = attribute["attribute"]?.stringValue
                    else { continue }
                    location.attributes.append((name, "\(pointer)/attributes/\(attributeIndex)/attribute", value))
                }
                locations.append(location)
            }
        }
    }

    /// The attribute's name when it is one a facility records: `urn:epcglobal:cbv:mda#countryCode`
    /// (EPCIS 1.x's and the standard's examples' spelling), `urn:epcglobal:cbv:mda:countryCode`
    /// and `cbvmda:countryCode` (the EPCIS 2.0 context's), and `ct:gridRegion` or its IRI.
    private static func name(of attribute: String, _ namespaces: EPCISNamespaces) -> String? {
        let iri = namespaces.expand(attribute)
        for prefix in ["urn:epcglobal:cbv:mda#", "urn:epcglobal:cbv:mda:"] where iri.hasPrefix(prefix) {
            let name = String(iri.dropFirst(prefix.count))
            return cbvAttributes.contains(name) ? name : nil
        }
        if iri.hasPrefix(CellTraceNamespace.iri) {
            let name = String(iri.dropFirst(CellTraceNamespace.iri.count))
            return ownAttributes.contains(name) ? name : nil
        }
        return nil
    }

    /// Where the header differs from the ledger: a location that is no registered facility, and
    /// each attribute whose value is not the facility's, with the command that would change it.
    ///
    /// - Parameter facilities: The registered facility of each location's id that has one.
    /// - Returns: A problem for each difference, at its pointer, without an event index.
    func differences(_ facilities: [String: Facility]) -> [SupplyChainError.Problem] {
        var problems: [SupplyChainError.Problem] = []
        // Named by their pointer and message alone: a problem's identifier is an event's.
        func add(_ pointer: String, _: String, _ message: String) {
            problems.append(.init(index: nil, identifier: nil, field: pointer, message: message))
        }
        for location in locations {
            guard let registered = facilities[location.id] else {
                add(
                    location.pointer,
                    location.id,
                    "the document's master data describes \(location.id), which is no registered facility; "
                        + "its events cannot be recorded there until it is (`celltrace facility add`)"
                )
                continue
            }
            for (name, pointer, value) in location.attributes {
                let (recorded, option, use): (String?, String?, String) =
                    switch name {
                    case "countryCode": (registered.country, "--country", "which footprints use")
                    case "state": (registered.subdivision, "--subdivision", "which footprints use")
                    case "name": (registered.name, "--name", "which reports and exports show")
                    case "gridRegion": (registered.gridRegion, "--region", "which footprints use")
                    case "facilityKind": (registered.kind.rawValue, "--kind", "which reports and exports show")
                    default: (registered.operatorID, nil, "the actor that may record events there")
                    }
                guard value != recorded else { continue }
                // Quoted so that the command runs as pasted into a shell.
                let (id, given) = (Self.shellQuoted(location.id), Self.shellQuoted(value))
                let change =
                    option.map { "`celltrace facility amend \(id) \($0) \(given) --reason …` records it" }
                    ?? "`celltrace facility transfer \(id) --to \(given)` records a new operator"
                add(
                    pointer,
                    location.id,
                    "the document's master data gives \(location.id) \(name) \(value); the ledger has "
                        + (recorded ?? "none") + ", \(use). If the document is right, " + change
                )
            }
        }
        return problems
    }

    /// `text` as one word of a POSIX shell: as it is when it holds only characters no shell reads
    /// otherwise, else in single quotes (a quote inside written `'\''`).
    static func shellQuoted(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || "._:/+-=@%,".utf8.contains(byte)
            }
        return plain
            ? text : "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
