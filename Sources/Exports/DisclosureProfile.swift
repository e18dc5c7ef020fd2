public import LedgerCore

/// Who may see a field, after the battery passport's access tiers (Regulation (EU) 2023/1542,
/// Annex XIII).
public enum FieldClass: String, Sendable, Hashable, CaseIterable {
    /// Anyone: what the public passport shows.
    case `public`
    /// Persons with a legitimate interest (customers, recyclers) and the Commission.
    case legitimateInterest = "legitimate-interest"
    /// Notified bodies, market-surveillance authorities and auditors only.
    case confidential
}

/// A sealed field of an entry, as the disclosure profiles see it.
public struct ClassifiedField: Sendable, Hashable {
    /// A short name (`quantity`, `party`, `coordinates`, …).
    public var name: String
    /// Its class.
    public var fieldClass: FieldClass
    /// Commercially sensitive beyond its class (prices): revealed to auditors only.
    public var commercial: Bool

    /// What a sealed field at `pointer` of an entry of `type` is.
    ///
    /// Quantities (exact lot masses) are legitimate-interest data, like the passport's detailed
    /// composition; the parties of a custody transfer and a facility's coordinates identify
    /// suppliers and are confidential; co-product prices are commercial. A sealed field this
    /// table does not know is confidential and commercial, so a new kind of sealed value is
    /// never revealed by accident.
    ///
    /// - Parameters:
    ///   - type: The entry type.
    ///   - pointer: The field's JSON Pointer in the entry body.
    /// - Returns: The field's name and class.
    public static func classify(entryType type: String, pointer: JSONPointer) -> ClassifiedField {
        let tokens = pointer.tokens
        let last = tokens.last ?? ""
        let first = tokens.first ?? ""
        if last == "quantity", first.hasSuffix("uantityList") {
            return ClassifiedField(name: "quantity", fieldClass: .legitimateInterest, commercial: false)
        }
        if (first == "sourceList" && last == "source") || (first == "destinationList" && last == "destination") {
            return ClassifiedField(name: "party", fieldClass: .confidential, commercial: false)
        }
        if last == "mass", first.hasSuffix("transport") {
            return ClassifiedField(name: "transport-mass", fieldClass: .legitimateInterest, commercial: false)
        }
        if tokens.count == 1, first.hasSuffix("coProductPrices") {
            return ClassifiedField(name: "prices", fieldClass: .confidential, commercial: true)
        }
        if type == "facility.register" || type == "facility.amend", tokens == ["location"] {
            return ClassifiedField(name: "coordinates", fieldClass: .confidential, commercial: false)
        }
        return ClassifiedField(name: "unclassified", fieldClass: .confidential, commercial: true)
    }
}

/// What an export reveals: the recipient's tier.
///
/// A field the profile does not reveal leaves only its salted commitment, which still verifies
/// and says nothing of the value.
public enum DisclosureProfile: String, Sendable, Hashable, CaseIterable {
    /// Public fields only: the public passport.
    case `public`
    /// Public and legitimate-interest fields: a customer or recycler.
    case legitimateInterest = "legitimate-interest"
    /// Every class but commercial prices: notified bodies and market-surveillance authorities.
    case authority
    /// Everything: the company's own auditor or verifier.
    case auditor

    /// Whether the profile reveals `field`.
    public func reveals(_ field: ClassifiedField) -> Bool {
        switch self {
        case .public: field.fieldClass == .public
        case .legitimateInterest: field.fieldClass != .confidential
        case .authority: !field.commercial
        case .auditor: true
        }
    }

    /// Whether the profile reveals the sealed field at `pointer` of an entry of `type`.
    public func reveals(entryType type: String, pointer: JSONPointer) -> Bool {
        reveals(ClassifiedField.classify(entryType: type, pointer: pointer))
    }

    /// The passport access tiers (standards.md §1.5) the profile opens.
    public var tiers: [FieldClass] {
        switch self {
        case .public: [.public]
        case .legitimateInterest: [.public, .legitimateInterest]
        case .authority, .auditor: FieldClass.allCases
        }
    }
}
