import Foundation
import Testing

/// The independent custody-bundle verifier, `tools/verify_bundle.py`.
@Suite struct PythonBundleVerifierTests {
    /// Its own RFC 8785 and consistency-proof code against the vectors in `Fixtures/vectors`.
    @Test func pythonVerifierPassesItsKnownAnswerTests() {
        let result = runProcess("/usr/bin/env", ["python3", toolsPath("verify_bundle_test.py")])
        #expect(result.status == 0, "\(result.output)")
    }
}
