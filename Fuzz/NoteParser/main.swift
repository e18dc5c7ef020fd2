// libFuzzer entry for the C2SP signed-note, checkpoint and vkey parsers. Build and run with
// Fuzz/run-notes.sh.
//
// Every input must either be rejected with a LedgerError or parse into a value whose formatted text
// is the input byte for byte (the parsers accept only canonical text). Anything else traps, which
// libFuzzer reports as a crash.

import LedgerCore
import LedgerCrypto

/// A fixed key, so verification paths run on every note that parses.
private let trustedKey: NoteVerifierKey? = try? NoteVerifierKey(
    parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
)

/// Runs one fuzz input through the signed-note, checkpoint and vkey parsers; libFuzzer calls it by its C name.
///
/// - Parameters:
///   - data: The input bytes.
///   - count: The number of input bytes.
/// - Returns: 0, as libFuzzer requires.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNoteParser(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []

    if let note = try? SignedNote(parsing: bytes) {
        guard Array(note.formatted.utf8) == bytes else {
            fatalError("SignedNote did not round-trip: \(bytes)")
        }
        guard let again = try? SignedNote(parsing: note.formatted), again == note else {
            fatalError("a formatted SignedNote did not parse back to itself")
        }
        if let trustedKey {
            _ = try? note.verify(with: [trustedKey])
        }
        if let checkpoint = try? SignedCheckpoint(note: note) {
            guard checkpoint.checkpoint.noteText.utf8.elementsEqual(note.text.utf8) else {
                fatalError("Checkpoint did not round-trip: \(Array(note.text.utf8))")
            }
            if let trustedKey {
                _ = try? checkpoint.verify(with: trustedKey)
            }
        }
    }

    if let text = String(validating: bytes, as: UTF8.self) {
        if let checkpoint = try? Checkpoint(noteText: text), !checkpoint.noteText.utf8.elementsEqual(bytes) {
            fatalError("Checkpoint(noteText:) did not round-trip: \(bytes)")
        }
        if let key = try? NoteVerifierKey(parsing: text), !key.text.utf8.elementsEqual(bytes) {
            fatalError("NoteVerifierKey did not round-trip: \(bytes)")
        }
    }
    return 0
}
