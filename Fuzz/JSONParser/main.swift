// libFuzzer entry point for the strict JSON parser and the RFC 8785 serializer.
//
// Built by Fuzz/run.sh together with Sources/LedgerCore/JSON/*.swift and LedgerError.swift, so the
// JSON types are in this module rather than imported. For every input the parser either throws a
// LedgerError with code invalidJSON, or returns a value whose canonical form parses back to a value
// with the same canonical form. Anything else (a crash, a different error, an unstable canonical
// form, an AddressSanitizer report) is a finding. A document that parses also parses to the same
// value in a batch of documents, where repeated top-level values are shared.

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
    // Parsed in one batch with its canonical form and itself again, it is the same value each
    // time: a batch shares the top-level values its documents repeat byte for byte, and only those.
    let batch = Array(input) + canonical + Array(input)
    let ranges = [0..<size, size..<size + canonical.count, size + canonical.count..<batch.count]
    guard let values = JSONValue.parsing(batch, ranges: ranges, maxDepth: 128) else {
        preconditionFailure("a document that parses alone does not parse in a batch")
    }
    precondition(values == [value, value, value], "a batch parses a document to a different value")
    precondition(
        values.allSatisfy { $0.canonicalBytes == canonical },
        "a document parsed in a batch has another canonical form"
    )
    return 0
}
