public import SupplyChain

/// How a process's emissions (and the embodied emissions of what it consumed) are shared among
/// its outputs (GBA / Battery Pass rules, PEF-consistent).
///
/// Mass allocation by default. Economic allocation when the ratio of the highest to the lowest
/// co-product price exceeds 4, co-products of at most 3 % of the outputs' mass left out of that
/// ratio; it uses the prices recorded on the event (`ct:coProductPrices`).
public struct Allocation: Sendable, Hashable {
    /// The method used.
    public enum Method: String, Sendable, Hashable {
        /// One output: nothing to share.
        case single
        /// By mass of the outputs.
        case mass
        /// By economic value (mass × price).
        case economic
    }

    /// The method used.
    public var method: Method
    /// Each output lot's share of the process; the shares sum to 1.
    public var shares: [String: Double]
    /// The highest to lowest price ratio, when prices allowed computing it.
    public var priceRatio: Double?
    /// Why this method, in words.
    public var reason: String

    /// ``reason`` for a recipient who may not see the prices: the rule that decided, without the
    /// price ratio, from which two co-products' prices would follow.
    public var reasonWithoutPrices: String {
        guard priceRatio != nil else { return reason }
        return Self.ratioReason(method, ratio: nil, unpriced: unpriced)
    }

    /// Minor co-products without a recorded price, which economic allocation gives no share.
    private var unpriced: [String] = []

    /// The price ratio above which allocation is economic.
    public static let economicThreshold = 4.0
    /// Co-products at or below this share of the outputs' mass are left out of the price ratio.
    public static let minorShare = 0.03

    /// Allocates the outputs of `process`.
    public init(_ process: ProcessData) {
        let outputs = process.outputs
        let masses = outputs.map { $0.kg.doubleValue }
        let total = masses.reduce(0, +)
        guard outputs.count > 1, total > 0 else {
            method = .single
            shares = Dictionary(outputs.map { ($0.lot, 1.0) }, uniquingKeysWith: { a, _ in a })
            priceRatio = nil
            reason = "one output"
            return
        }
        let massShares = Dictionary(zip(outputs.map(\.lot), masses.map { $0 / total }), uniquingKeysWith: +)
        let considered = outputs.filter { (massShares[$0.lot] ?? 0) > Self.minorShare }
        let prices = considered.compactMap { process.prices[$0.lot]?.doubleValue }
        guard prices.count == considered.count, let high = prices.max(), let low = prices.min(), low > 0 else {
            method = .mass
            shares = massShares
            priceRatio = nil
            let missing = considered.filter { process.prices[$0.lot] == nil }.map(\.lot)
            reason =
                missing.isEmpty
                ? "mass: fewer than two co-products above 3 % of the mass"
                : "mass: no recorded price for \(missing.joined(separator: ", "))"
            return
        }
        let ratio = high / low
        priceRatio = ratio
        guard ratio > Self.economicThreshold else {
            method = .mass
            shares = massShares
            reason = Self.ratioReason(.mass, ratio: ratio, unpriced: [])
            return
        }
        let values = outputs.map { output in output.kg.doubleValue * (process.prices[output.lot]?.doubleValue ?? 0) }
        let totalValue = values.reduce(0, +)
        method = .economic
        shares = Dictionary(zip(outputs.map(\.lot), values.map { $0 / totalValue }), uniquingKeysWith: +)
        unpriced = outputs.filter { process.prices[$0.lot] == nil }.map(\.lot)
        reason = Self.ratioReason(.economic, ratio: ratio, unpriced: unpriced)
    }

    /// The reason for a method the price ratio decided, stating the ratio when it is given.
    private static func ratioReason(_ method: Method, ratio: Double?, unpriced: [String]) -> String {
        let ratioText = ratio.map { "price ratio \(format($0))" } ?? "price ratio"
        guard method == .economic else { return "mass: \(ratioText) ≤ 4" }
        return "economic: \(ratioText) > 4"
            + (unpriced.isEmpty
                ? "" : "; minor co-products without a price carry none: \(unpriced.joined(separator: ", "))")
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
