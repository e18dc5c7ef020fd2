import LedgerCore

// The "bare string" values of EPCIS 2.0 JSON-LD. In JSON an event may write `"bizStep": "shipping"`
// where XML writes the web URI `https://ref.gs1.org/cbv/BizStep-shipping`; the EPCIS context maps the
// short terms of a few @vocab-typed properties to CBV or GS1 Web Vocabulary URIs. The reference
// implementation expands the whole document with JSON-LD, collects every expanded value under
// https://ref.gs1.org/cbv or https://gs1.org/voc, and then replaces any string value of the document
// that is the last path or dash segment of exactly one of them. This file reproduces that for one
// event without a JSON-LD processor: the term lists below are those of the EPCIS 2.0 context.

extension EventHashID {
    /// A list of terms that one @vocab-typed property of the EPCIS context expands under one IRI prefix.
    struct Vocabulary: Sendable {
        /// Each term with the IRI it stands for: the term appended to the vocabulary's prefix.
        let iris: [String: String]

        init(prefix: String, terms: [String]) {
            self.iris = Dictionary(uniqueKeysWithValues: terms.map { ($0, prefix + $0) })
        }

        /// The IRI JSON-LD expansion gives `value` at a property typed with this vocabulary, when it
        /// lies under the CBV or the GS1 Web Vocabulary.
        func expansion(of value: String, namespaces: EPCISNamespaces) -> String? {
            if let iri = iris[value] { return iri }
            guard value.utf8.contains(UInt8(ascii: ":")) else { return nil }
            let iri = namespaces.expand(value)
            return iri.hasPrefix("https://ref.gs1.org/cbv") || iri.hasPrefix("https://gs1.org/voc") ? iri : nil
        }
    }

    /// The CBV business steps, as the EPCIS 2.0 JSON-LD context defines them.
    static let bizSteps = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/BizStep-",
        terms: [
            "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
            "creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
            "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
            "installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing",
            "repackaging", "repairing", "replacing", "reserving", "retail_selling", "sampling",
            "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
            "transporting", "unloading", "unpacking", "void_shipping",
        ]
    )

    /// The CBV dispositions, as the EPCIS 2.0 JSON-LD context defines them.
    static let dispositions = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/Disp-",
        terms: [
            "active", "available", "completeness_verified", "completeness_inferred", "conformant",
            "container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed", "encoded",
            "expired", "in_progress", "in_transit", "inactive", "mismatch_instance", "mismatch_class",
            "mismatch_quantity", "needs_replacement", "no_pedigree_match", "non_conformant",
            "non_sellable_other", "partially_dispensed", "recalled", "reserved", "retail_sold", "returned",
            "sellable_accessible", "sellable_not_accessible", "stolen", "unavailable", "unknown",
        ]
    )

    /// The CBV business transaction types, as the EPCIS 2.0 JSON-LD context defines them.
    static let businessTransactionTypes = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/BTT-",
        terms: [
            "bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma", "testprd",
            "testres", "upevt",
        ]
    )

    /// The CBV source/destination types, as the EPCIS 2.0 JSON-LD context defines them.
    static let sourceDestinationTypes = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/SDT-",
        terms: [
            "owning_party", "possessing_party", "location",
        ]
    )

    /// The CBV error reasons, as the EPCIS 2.0 JSON-LD context defines them.
    static let errorReasons = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/ER-",
        terms: [
            "did_not_occur", "incorrect_data",
        ]
    )

    /// The CBV sensor components, as the EPCIS 2.0 JSON-LD context defines them.
    static let components = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/Comp-",
        terms: [
            "x", "y", "z", "axial_distance", "azimuth", "height", "spherical_radius", "polar_angle",
            "elevation_angle", "easting", "northing", "latitude", "longitude", "altitude",
        ]
    )

    /// The GS1 Web Vocabulary measurement types, as the EPCIS 2.0 JSON-LD context defines them.
    static let measurementTypes = Vocabulary(
        prefix: "https://gs1.org/voc/",
        terms: [
            "AbsoluteHumidity", "AbsorbedDose", "AbsorbedDoseRate", "Acceleration", "Radioactivity", "Altitude",
            "AmountOfSubstance", "AmountOfSubstancePerUnitVolume", "Angle", "AngularAcceleration",
            "AngularMomentum", "AngularVelocity", "Area", "Capacitance", "Conductance", "Conductivity", "Count",
            "Density", "Dimensionless", "DoseEquivalent", "DoseEquivalentRate", "DynamicViscosity",
            "ElectricCharge", "ElectricCurrent", "ElectricCurrentDensity", "ElectricFieldStrength", "Energy",
            "Exposure", "Force", "Frequency", "Illuminance", "Inductance", "Irradiance", "KinematicViscosity",
            "Length", "LinearMomentum", "Luminance", "LuminousFlux", "LuminousIntensity", "MagneticFlux",
            "MagneticFluxDensity", "MagneticVectorPotential", "Mass", "MassConcentration", "MassFlowRate",
            "MassPerAreaTime", "MemoryCapacity", "MolalityOfSolute", "MolarEnergy", "MolarMass", "MolarVolume",
            "Power", "Pressure", "RadiantFlux", "RadiantIntensity", "RelativeHumidity", "Resistance",
            "Resistivity", "SolidAngle", "SpecificVolume", "Speed", "SurfaceDensity", "SurfaceTension",
            "Temperature", "Time", "Torque", "Voltage", "Volume", "VolumeFlowRate", "VolumeFraction",
            "VolumetricFlux", "Wavenumber",
        ]
    )

    /// The GS1 Web Vocabulary sensor alarm conditions, as the EPCIS 2.0 JSON-LD context defines them.
    static let sensorExceptions = Vocabulary(
        prefix: "https://gs1.org/voc/",
        terms: [
            "ALARM_CONDITION", "ERROR_CONDITION",
        ]
    )

    /// The web-vocabulary IRIs that the CBV-typed values of an event expand to, without duplicates.
    ///
    /// These are the candidates of the reference's bare-string replacement; see ``bareValue(_:candidates:)``.
    ///
    /// - Parameters:
    ///   - event: The event's members.
    ///   - namespaces: The prefixes in force, for values written as compact IRIs such as `cbv:Comp-x`.
    /// - Returns: The IRIs.
    static func vocabularyIRIs(of event: JSONObject, namespaces: EPCISNamespaces) -> [String] {
        var collector = VocabularyCollector(namespaces: namespaces)
        for (key, value) in event {
            collector.collect(Name(key), value)
        }
        return collector.iris
    }

    /// Collects the web-vocabulary IRIs of an event's CBV-typed values, member by member.
    struct VocabularyCollector {
        let namespaces: EPCISNamespaces
        /// The IRIs found so far, without duplicates.
        private(set) var iris: [String] = []

        init(namespaces: EPCISNamespaces) {
            self.namespaces = namespaces
        }

        /// Collects from one top-level member of the event.
        mutating func collect(_ name: Name, _ value: JSONValue) {
            switch name {
            case .bizStep:
                add(value, bizSteps)
            case .disposition:
                add(value, dispositions)
            case .persistentDisposition:
                Self.forEachMember(of: value) { key, member in
                    if key == "set" || key == "unset" { add(member, dispositions) }
                }
            case .bizTransactionList:
                Self.forEachMember(of: value) { key, member in
                    if key == "type" { add(member, businessTransactionTypes) }
                }
            case .sourceList, .destinationList:
                Self.forEachMember(of: value) { key, member in
                    if key == "type" { add(member, sourceDestinationTypes) }
                }
            case .sensorElementList:
                Self.forEachMember(of: value) { key, element in
                    guard key == "sensorReport" else { return }
                    Self.forEachMember(of: element) { key, member in
                        switch key {
                        case "type": add(member, measurementTypes)
                        case "exception": add(member, sensorExceptions)
                        case "component": add(member, components)
                        default: break
                        }
                    }
                }
            case .errorDeclaration:
                Self.forEachMember(of: value) { key, member in
                    if key == "reason" { add(member, errorReasons) }
                }
            default:
                break
            }
        }

        private mutating func add(_ value: JSONValue?, _ vocabulary: Vocabulary) {
            switch value {
            case .string(let string):
                guard let iri = vocabulary.expansion(of: string, namespaces: namespaces) else { return }
                if !iris.contains(iri) { iris.append(iri) }
            case .array(let elements):
                for element in elements { add(element, vocabulary) }
            default:
                break
            }
        }

        /// Calls `body` with each member of each object of a value that JSON-LD treats as a set of
        /// objects (iterating is cheaper than looking members up by name).
        private static func forEachMember(of value: JSONValue?, _ body: (String, JSONValue) -> Void) {
            switch value {
            case .object(let object):
                for (key, member) in object { body(key, member) }
            case .array(let elements):
                for case .object(let object) in elements {
                    for (key, member) in object { body(key, member) }
                }
            default:
                break
            }
        }
    }

    /// The reference's bare-string replacement of one string value.
    ///
    /// A value is replaced by the candidate IRI that ends with `-value` or `/value`, when exactly one
    /// does. So `"shipping"` becomes `https://ref.gs1.org/cbv/BizStep-shipping` when the event's
    /// `bizStep` is `shipping`, wherever the value occurs in the event.
    ///
    /// - Parameters:
    ///   - value: A string value of the event.
    ///   - candidates: The event's ``vocabularyIRIs(of:namespaces:)``.
    /// - Returns: The replacing IRI, or `nil` to keep the value.
    static func bareValue(_ value: String, candidates: [String]) -> String? {
        guard !candidates.isEmpty else { return nil }
        return value.withUTF8Bytes { bareValue($0, candidates: candidates) }
    }

    private static func bareValue(_ value: some RandomAccessCollection<UInt8>, candidates: [String]) -> String? {
        guard let last = value.last else { return nil }
        let count = value.count
        var match: String?
        for iri in candidates {
            let matches = iri.utf8.withContiguousStorageIfAvailable { iri in
                // The IRI ends with "-value" or "/value".
                guard iri.count > count, iri[iri.count - 1] == last else { return false }
                let separator = iri[iri.count - count - 1]
                guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") else { return false }
                var offset = iri.count - count
                for byte in value {
                    if iri[offset] != byte { return false }
                    offset += 1
                }
                return true
            }
            guard matches ?? false else { continue }
            if match != nil { return nil }
            match = iri
        }
        return match
    }
}
