// libFuzzer entry for the C2SP tlog-proof parser and the Merkle proof verifiers. Build and run with
// Fuzz/run-notes.sh.
//
// Inputs that start with "c2sp" go to the tlog-proof parser: each must be rejected with a LedgerError
// or parse into a proof whose formatted text is the input byte for byte. Other inputs become sizes,
// an index and proof hashes for the verifiers, which must throw or return but never trap (no
// arithmetic overflow, no out-of-range slice, whatever the sizes).

import LedgerCore
import LedgerCrypto

private let trustedKey: NoteVerifierKey? = try? NoteVerifierKey(
    parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
)

/// Runs one fuzz input through the tlog-proof parser and the Merkle verifiers; libFuzzer calls it by its C name.
///
/// - Parameters:
///   - data: The input bytes.
///   - count: The number of input bytes.
/// - Returns: 0, as libFuzzer requires.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProofParser(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    if bytes.starts(with: Array("c2sp".utf8)) {
        fuzzProofText(bytes)
    } else {
        fuzzVerifiers(bytes)
    }
    return 0
}

private func fuzzProofText(_ bytes: [UInt8]) {
    guard let proof = try? InclusionProofText(parsing: bytes) else { return }
    guard Array(proof.formatted.utf8) == bytes else {
        fatalError("InclusionProofText did not round-trip: \(bytes)")
    }
    guard let again = try? InclusionProofText(parsing: proof.formatted), again == proof else {
        fatalError("a formatted InclusionProofText did not parse back to itself")
    }
    if let trustedKey {
        _ = try? proof.verify(leafHash: MerkleTree.leafHash(bytes), logKey: trustedKey, origin: nil)
        _ = try? proof.verify(leafHash: proof.hashes.first ?? .zero, logKey: trustedKey, origin: "example.com/foo")
    }
    _ = try? MerkleTree.rootFromInclusionProof(
        index: proof.index,
        size: proof.checkpoint.checkpoint.size,
        leafHash: .zero,
        proof: proof.hashes
    )
}

/// Reads 8 bytes big-endian from the front of `bytes`, or what is left.
private func takeUInt64(_ bytes: inout ArraySlice<UInt8>) -> UInt64 {
    let taken = bytes.prefix(8)
    bytes = bytes.dropFirst(8)
    return taken.reduce(0) { $0 << 8 | UInt64($1) }
}

private func fuzzVerifiers(_ bytes: [UInt8]) {
    var rest = bytes[...]
    let selector = rest.popFirst() ?? 0
    // Small sizes are where the edge cases are; the low bits of the selector shrink them.
    let shrink = UInt64(selector & 0x3f)
    let a = takeUInt64(&rest) >> shrink
    let b = takeUInt64(&rest) >> shrink
    let seedBytes = Array(rest.prefix(32))
    let seed = SHA256Digest(bytes: seedBytes + [UInt8](repeating: 0, count: 32 - seedBytes.count)) ?? .zero
    rest = rest.dropFirst(32)
    var hashes: [SHA256Digest] = []
    while rest.count >= 32, hashes.count < 70 {
        if let hash = SHA256Digest(bytes: rest.prefix(32)) {
            hashes.append(hash)
        }
        rest = rest.dropFirst(32)
    }
    if selector & 0x40 == 0 {
        _ = try? MerkleTree.rootFromInclusionProof(index: a, size: b, leafHash: seed, proof: hashes)
        _ = try? MerkleTree.verifyInclusion(index: a, size: b, leafHash: seed, proof: hashes, root: seed)
    } else {
        _ = try? MerkleTree.verifyConsistency(
            size1: a,
            size2: b,
            root1: seed,
            root2: hashes.last ?? seed,
            proof: hashes
        )
    }
    // Proof generation over a synthetic store must stay within the tree it is asked about.
    if selector & 0x80 != 0, b > 0, b < 1 << 40 {
        let size = b
        let node: (Int, UInt64) throws -> SHA256Digest = { level, index in
            // (index + 1) · 2^level <= size, without overflow.
            guard level >= 0, level < 64, index < size >> UInt64(level) else {
                fatalError("node (\(level), \(index)) asked for in a tree of \(size) leaves")
            }
            return seed
        }
        _ = try? MerkleTree.inclusionProof(index: a % size, size: size, node: node)
        _ = try? MerkleTree.consistencyProof(from: max(1, a % (size + 1)), to: size, node: node)
        _ = try? MerkleTree.root(size: size, node: node)
        _ = try? CompactRange(size: size, node: node)
    }
}
