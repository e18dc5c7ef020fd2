// libFuzzer entry point for the strict JSON parser and the RFC 8785 serializer.
//
// Built by Fuzz/run.sh together with Sources/LedgerCore/JSON/*.swift and LedgerError.swift, so the
// JSON types are in this module rather than imported. For every input the parser either throws a
// LedgerError with code invalidJSON, or returns a value whose canonical form parses back to a value
// with the same canonical form. Anything else (a crash, a different error, an unstable canonical
// form, an AddressSanitizer report) is a finding.

/// Parses one fuzzer input and checks that canonicalization is stable.
///
/// - Parameters:
///   - data: The input bytes.
///   - size: The number of input bytes.
/// - Returns: Always 0, as libFuzzer requires.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let value: JSONValue
    do {
        value = try JSONValue(parsing: input)
    } catch let error as LedgerError {
        precondition(error.code == .invalidJSON, "parser threw \(error.code), not invalidJSON")
        precondition(error.message.contains("byte offset "), "message names no byte offset: \(error.message)")
        return 0
    } catch {
        preconditionFailure("parser threw a non-LedgerError: \(error)")
    }
    let canonical = value.canonicalBytes
    let reparsed: JSONValue
    do {
        reparsed = try JSONValue(parsing: canonical)
    } catch {
        preconditionFailure("canonical form does not parse: \(error)")
    }
    precondition(reparsed == value, "canonical form parses to a different value")
    precondition(reparsed.canonicalBytes == canonical, "canonical form is not a fixed point")
    return 0
}
