/// UN/ECE Recommendation 20 unit codes that CellTrace converts, exactly, to one base unit per dimension.
///
/// Every factor is an exact decimal (the pound is 0.45359237 kg by definition), so a converted
/// quantity is exact. A code outside this table is refused with the list of codes that are accepted.
public enum MeasureDimension: String, Sendable, Hashable, CaseIterable {
    /// Mass, in kilograms: what lots are counted in.
    case mass
    /// Electricity, in kilowatt-hours.
    case electricity
    /// Energy of fuels and heat, in megajoules.
    case energy
    /// Volume, in litres.
    case volume
    /// Distance, in kilometres.
    case distance

    /// The base unit's UN/ECE code.
    public var baseUnit: String {
        switch self {
        case .mass: "KGM"
        case .electricity: "KWH"
        case .energy: "3B"
        case .volume: "LTR"
        case .distance: "KMT"
        }
    }

    /// The accepted codes and their exact factor to the base unit.
    public var factors: [(code: String, factor: ExactDecimal)] {
        switch self {
        case .mass: Self.massFactors
        case .electricity: Self.electricityFactors
        case .energy: Self.energyFactors
        case .volume: Self.volumeFactors
        case .distance: Self.distanceFactors
        }
    }

    private static func table(_ rows: [(String, String)]) -> [(code: String, factor: ExactDecimal)] {
        rows.compactMap { row in ExactDecimal(row.1).map { (code: row.0, factor: $0) } }
    }

    private static let massFactors = table([
        ("KGM", "1"), ("GRM", "0.001"), ("MGM", "0.000001"), ("TNE", "1000"), ("KTN", "1000000"),
        ("DTN", "100"), ("LBR", "0.45359237"), ("ONZ", "0.028349523125"), ("STN", "907.18474"),
        ("LTN", "1016.0469088"),
    ])
    private static let electricityFactors = table([
        ("KWH", "1"), ("WHR", "0.001"), ("MWH", "1000"), ("GWH", "1000000"),
    ])
    private static let energyFactors = table([
        ("3B", "1"), ("KJO", "0.001"), ("JOU", "0.000001"), ("GV", "1000"), ("KWH", "3.6"), ("MWH", "3600"),
        ("GWH", "3600000"), ("WHR", "0.0036"),
    ])
    private static let volumeFactors = table([
        ("LTR", "1"), ("MLT", "0.001"), ("MTQ", "1000"), ("DMQ", "1"),
    ])
    private static let distanceFactors = table([
        ("KMT", "1"), ("MTR", "0.001"), ("SMI", "1.609344"), ("NMI", "1.852"),
    ])

    /// Converts a quantity given in `code` to the base unit.
    ///
    /// - Returns: The exact quantity in ``baseUnit``, or `nil` when `code` is not a unit of this
    ///   dimension or the product needs more than 36 significant digits.
    public func toBase(_ quantity: ExactDecimal, code: String) -> ExactDecimal? {
        guard let factor = factors.first(where: { $0.code == code })?.factor else { return nil }
        return quantity.multiplied(by: factor)
    }

    /// Why `code` cannot measure a lot, which is weighed.
    ///
    /// It is a unit of another dimension, or a code UN/ECE Rec. 20 does not give a mass; the mass
    /// code meant is named where a common abbreviation (`KG`, `MT`, `LBS`) tells it.
    static func notAMass(_ code: String) -> String {
        let accepted = "lot quantities are masses: use one of \(MeasureDimension.mass.acceptedCodes)"
        if let other = allCases.first(where: { $0 != .mass && $0.factors.contains { $0.code == code } }) {
            return "\(accepted) (\(code) is a unit of \(other.rawValue))"
        }
        let meant = massAbbreviations[code].map { ": did you mean \($0)?" } ?? ""
        return "\(accepted); \(code) is no UN/ECE Rec. 20 code of a mass\(meant)"
    }

    /// The mass code a unit not written in capitals means (`kg`, `Kgm`, `lbs`), when its capitals
    /// are a mass code or a common abbreviation of one.
    static func massMeant(byLowercase code: String) -> String? {
        let upper = code.uppercased()
        guard upper != code else { return nil }
        return mass.hasUnit(upper) ? upper : massAbbreviations[upper]
    }

    /// Abbreviations of masses that are not their codes in UN/ECE Recommendation 20, with the code.
    private static let massAbbreviations = [
        "KG": "KGM", "KGS": "KGM", "GR": "GRM", "GM": "GRM", "MG": "MGM", "MT": "TNE", "TON": "TNE", "TN": "TNE",
        "T": "TNE", "LB": "LBR", "LBS": "LBR", "OZ": "ONZ", "KT": "KTN",
    ]

    /// Whether `code` is a unit of this dimension, whatever the quantity in it.
    public func hasUnit(_ code: String) -> Bool {
        factors.contains { $0.code == code }
    }

    /// The accepted codes, for error messages: `KGM, GRM, …`.
    public var acceptedCodes: String {
        factors.map(\.code).joined(separator: ", ")
    }
}
