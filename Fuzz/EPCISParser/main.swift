// libFuzzer entry for the EPCIS reader: document detection, event shape checks and the CBV 2.0
// Event Hash ID. Build and run with Fuzz/run-epcis.sh.
//
// Every input must either be refused with a SupplyChainError or read into events whose problems
// name a field, and whose hash IDs have the `ni:///sha-256;…?ver=CBV2.0` form. Anything else
// traps, which libFuzzer reports as a crash.

import SupplyChain

/// Runs one fuzz input through the EPCIS reader; libFuzzer calls it by its C name.
///
/// - Parameters:
///   - data: The input bytes.
///   - count: The number of input bytes.
/// - Returns: 0, as libFuzzer requires.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEPCISParser(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    do {
        let result = try EPCISDocumentCheck.check(bytes)
        guard result.eventIDs.count + Set(result.problems.compactMap(\.index)).count >= result.events else {
            fatalError("an event was neither read nor reported: \(result)")
        }
        for problem in result.problems where problem.message.isEmpty {
            fatalError("a problem without a message: \(problem)")
        }
    } catch is SupplyChainError {
        // Refused as a whole: fine.
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}
