import Testing

@testable import SupplyChain

/// The expected figures are Python's `decimal` at 200 digits, quantized half-even.
@Suite("Exact decimals: a product wider than 36 digits still gives an exact share and an exact comparison")
struct ExactDecimalTests {
    private func decimal(_ text: String) throws -> ExactDecimal { try #require(ExactDecimal(text)) }

    @Test("a × b ÷ c is rounded half-even to nine decimals, the product kept whole")
    func share() throws {
        let cases: [(String, String, String, String?)] = [
            // Two masses of 20 digits each: a product of 40, beyond the 36 the type keeps.
            ("99999.997960023844375", "89999.996641652068125", "89999.996641652068125", "99999.997960024"),
            ("99999.997960023844375", "89999.996641652068125", "89999.996641653068126", "99999.997960023"),
            // 100,000 t shared with an output given to 10^-15 kg: scaled, 9 × 10^39.
            ("100000000", "90000000", "90000000.000000001000001", "99999999.999999999"),
            ("-7", "1", "2", "-3.5"),
            // Ties go to the even last digit, either sign.
            ("0.0000000015", "1", "1", "0.000000002"),
            ("0.0000000025", "1", "1", "0.000000002"),
            ("0.0000000025", "-1", "1", "-0.000000002"),
            // 44 digits: beyond what an ExactDecimal holds.
            ("123456789012345678.123456789012345678", "987654321098765432.1", "3", nil),
            // A quotient of 2^128 and more: nothing, not a trap.
            ("999999999999999999999999999999999999", "999", "1", nil),
        ]
        for (a, b, c, expected) in cases {
            let result = try decimal(a).multiplied(by: decimal(b), dividedBy: decimal(c))
            #expect(result?.description == expected, "\(a) × \(b) ÷ \(c)")
        }
        #expect(try decimal("1").multiplied(by: decimal("1"), dividedBy: .zero) == nil)
        #expect(try decimal("2").multiplied(dividedBy: decimal("3"))?.description == "0.666666667")
        #expect(try decimal("5").multiplied(dividedBy: decimal("2"), fractionDigits: 0)?.description == "2")
        #expect(try decimal("7").multiplied(dividedBy: decimal("2"), fractionDigits: 0)?.description == "4")
    }

    @Test("x > a × b is decided exactly, at equality, for either sign and exponents far apart")
    func comparisonWithProduct() throws {
        let cases: [(String, String, String, Bool)] = [
            ("89999.996641652068125", "99999.997960023844375", "0.5000000000000000000000001", true),
            ("49999.998980011922187", "99999.997960023844375", "0.5000000000000000000000001", false),
            ("50000", "100000", "0.5", false),
            ("50000.000000000000001", "100000", "0.5", true),
            ("-1", "-1", "2", true),
            ("-3", "1", "-2", false),
            ("-2", "1", "-2", false),
            ("0", "0", "5", false),
            ("0", "-1", "1", true),
            ("0", "1", "1", false),
        ]
        for (x, a, b, expected) in cases {
            #expect(try decimal(x).exceeds(productOf: decimal(a), and: decimal(b)) == expected, "\(x) > \(a) × \(b)")
        }
        let huge = ExactDecimal(significand: 1, exponent: 9000)
        let tiny = ExactDecimal(significand: 1, exponent: -9000)
        #expect(huge.exceeds(productOf: tiny, and: .one))
        #expect(!tiny.exceeds(productOf: huge, and: .one))
        #expect(tiny.exceeds(productOf: ExactDecimal(significand: -1, exponent: 9000), and: .one))
    }
}
