import Foundation
import LedgerCore
import LedgerCrypto
import Testing

extension MerkleTreeTests {
    /// RFC 9162 §2.1 written as its recursive definitions, with no cleverness, as an oracle.
    enum Reference {
        /// `MTH(D[n])`.
        static func root(_ leaves: ArraySlice<SHA256Digest>) -> SHA256Digest {
            guard let first = leaves.first else { return MerkleTree.emptyRoot }
            guard leaves.count > 1 else { return first }
            let split = largestPowerOfTwo(below: leaves.count)
            return MerkleTree.nodeHash(root(leaves.prefix(split)), root(leaves.dropFirst(split)))
        }

        /// `PATH(m, D[n])`.
        static func path(_ index: Int, _ leaves: ArraySlice<SHA256Digest>) -> [SHA256Digest] {
            guard leaves.count > 1 else { return [] }
            let split = largestPowerOfTwo(below: leaves.count)
            if index < split {
                return path(index, leaves.prefix(split)) + [root(leaves.dropFirst(split))]
            }
            return path(index - split, leaves.dropFirst(split)) + [root(leaves.prefix(split))]
        }

        /// `PROOF(m, D[n])`.
        static func proof(_ size1: Int, _ leaves: ArraySlice<SHA256Digest>) -> [SHA256Digest] {
            subproof(size1, leaves, isWhole: true)
        }

        /// `SUBPROOF(m, D[n], b)`.
        static func subproof(_ size1: Int, _ leaves: ArraySlice<SHA256Digest>, isWhole: Bool) -> [SHA256Digest] {
            if size1 == leaves.count {
                return isWhole ? [] : [root(leaves)]
            }
            let split = largestPowerOfTwo(below: leaves.count)
            if size1 <= split {
                return subproof(size1, leaves.prefix(split), isWhole: isWhole) + [root(leaves.dropFirst(split))]
            }
            return subproof(size1 - split, leaves.dropFirst(split), isWhole: false) + [root(leaves.prefix(split))]
        }

        static func largestPowerOfTwo(below count: Int) -> Int {
            var power = 1
            while power * 2 < count {
                power *= 2
            }
            return power
        }
    }

    /// Every perfect subtree hash of a tree, by level, built by pairing children (independently of
    /// ``CompactRange``), with a count of reads.
    struct NodeStore {
        private(set) var levels: [[SHA256Digest]]
        var reads = 0

        init(leaves: [SHA256Digest]) {
            var levels = [leaves]
            while let below = levels.last, below.count > 1 {
                levels.append(
                    stride(from: 0, to: below.count - 1, by: 2).map { MerkleTree.nodeHash(below[$0], below[$0 + 1]) }
                )
            }
            self.levels = levels
        }

        /// Returns a node and counts the read; records an issue if the node is not a complete
        /// perfect subtree of a tree of `size` leaves.
        mutating func node(_ level: Int, _ index: UInt64, size: UInt64) -> SHA256Digest {
            reads += 1
            #expect((index + 1) << UInt64(level) <= size, "node (\(level), \(index)) is not complete at size \(size)")
            return levels[level][Int(index)]
        }
    }

    /// Distinct random leaves of random lengths (the empty leaf among them at most once), hashed.
    ///
    /// Distinct, because two equal neighbours make a proof for one leaf a valid proof for the
    /// other, which the mutation tests would then wrongly expect to fail.
    static func randomLeafHashes(count: Int, using generator: inout SeededGenerator) -> [SHA256Digest] {
        var seen: Set<SHA256Digest> = []
        var hashes: [SHA256Digest] = []
        while hashes.count < count {
            let length = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let hash = MerkleTree.leafHash(bytes)
            if seen.insert(hash).inserted { hashes.append(hash) }
        }
        return hashes
    }

    /// A digest with one bit flipped.
    static func flipping(bit: Int, of digest: SHA256Digest) -> SHA256Digest {
        var bytes = digest.bytes
        bytes[bit / 8] ^= 1 << UInt8(bit % 8)
        guard let flipped = SHA256Digest(bytes: bytes) else { preconditionFailure("32 bytes make a digest") }
        return flipped
    }

    /// A digest from a hex literal in a test.
    static func digest(_ hex: String) -> SHA256Digest {
        guard let digest = SHA256Digest(hex: hex) else { preconditionFailure("bad hex literal \(hex)") }
        return digest
    }
}

/// One case of `transparency-dev/merkle`'s proof test vectors (Fixtures/vectors/merkle).
struct MerkleVector: Sendable, CustomTestStringConvertible {
    enum Probe: Sendable {
        case inclusion(index: UInt64, size: UInt64, leafHash: SHA256Digest, proof: [SHA256Digest], root: SHA256Digest)
        case consistency(size1: UInt64, size2: UInt64, root1: SHA256Digest, root2: SHA256Digest, proof: [SHA256Digest])
    }

    /// The file, relative to Fixtures/vectors/merkle.
    var file: String
    var desc: String
    var wantErr: Bool
    /// The case as our typed API sees it, or `nil` when a leaf hash or proof element is not 32 bytes
    /// long: such input is rejected where bytes become ``SHA256Digest`` values (proof text parsing),
    /// which is where Go's verifier checks the leaf hash length.
    var probe: Probe?
    /// Why the case cannot be decoded into 32-byte digests.
    var decodingError: String?
    /// The root fields whose bytes were not 32 long (placeholders such as "don't care 1") and were
    /// replaced by SHA-256 of those bytes, which keeps equal placeholders equal.
    var substitutedRoots: [String]

    var testDescription: String { file }

    /// Fixtures/vectors/merkle, found from this source file's path.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vectors/merkle")

    /// Loads every JSON file under `inclusion/` and `consistency/`, sorted by path.
    static func loadAll() throws -> [MerkleVector] {
        try load(kind: "inclusion") + load(kind: "consistency")
    }

    private static func load(kind: String) throws -> [MerkleVector] {
        let root = directory.appendingPathComponent(kind)
        guard let walker = FileManager.default.enumerator(atPath: root.path) else {
            throw VectorError(message: "cannot list \(root.path)")
        }
        let files = walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { file in
            let data = try Data(contentsOf: root.appendingPathComponent(file))
            return try decode(data, file: "\(kind)/\(file)", isInclusion: kind == "inclusion")
        }
    }

    private struct InclusionJSON: Decodable {
        var leafIdx: UInt64
        var treeSize: UInt64
        var root: String
        var leafHash: String
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    private struct ConsistencyJSON: Decodable {
        var size1: UInt64
        var size2: UInt64
        var root1: String
        var root2: String
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    private struct VectorError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private struct LengthError: Error {
        var field: String
        var count: Int
    }

    private static func decode(_ data: Data, file: String, isInclusion: Bool) throws -> MerkleVector {
        var substitutedRoots: [String] = []
        func bytes(_ base64: String, _ field: String) throws -> [UInt8] {
            guard let bytes = Base64.decode(base64) else {
                throw VectorError(message: "\(file): \(field) is not base64")
            }
            return bytes
        }
        // A leaf hash or proof element must be 32 bytes to become a digest.
        func hash(_ base64: String, _ field: String) throws -> SHA256Digest {
            let value = try bytes(base64, field)
            guard let digest = SHA256Digest(bytes: value) else { throw LengthError(field: field, count: value.count) }
            return digest
        }
        func hashes(_ list: [String]?) throws -> [SHA256Digest] {
            try (list ?? []).enumerated().map { try hash($1, "proof[\($0)]") }
        }
        // A root of another length is a placeholder; it is only ever compared with the other root.
        func root(_ base64: String, _ field: String) throws -> SHA256Digest {
            let value = try bytes(base64, field)
            if let digest = SHA256Digest(bytes: value) {
                return digest
            }
            substitutedRoots.append(field)
            return SHA256.hash(value)
        }
        if isInclusion {
            let json = try JSONDecoder().decode(InclusionJSON.self, from: data)
            var vector = MerkleVector(file: file, desc: json.desc, wantErr: json.wantErr, substitutedRoots: [])
            do {
                vector.probe = Probe.inclusion(
                    index: json.leafIdx,
                    size: json.treeSize,
                    leafHash: try hash(json.leafHash, "leafHash"),
                    proof: try hashes(json.proof),
                    root: try root(json.root, "root")
                )
            } catch let error as LengthError {
                vector.decodingError = "\(error.field) has \(error.count) bytes, not 32"
            }
            vector.substitutedRoots = substitutedRoots
            return vector
        }
        let json = try JSONDecoder().decode(ConsistencyJSON.self, from: data)
        var vector = MerkleVector(file: file, desc: json.desc, wantErr: json.wantErr, substitutedRoots: [])
        do {
            vector.probe = Probe.consistency(
                size1: json.size1,
                size2: json.size2,
                root1: try root(json.root1, "root1"),
                root2: try root(json.root2, "root2"),
                proof: try hashes(json.proof)
            )
        } catch let error as LengthError {
            vector.decodingError = "\(error.field) has \(error.count) bytes, not 32"
        }
        vector.substitutedRoots = substitutedRoots
        return vector
    }

    private init(file: String, desc: String, wantErr: Bool, substitutedRoots: [String]) {
        self.file = file
        self.desc = desc
        self.wantErr = wantErr
        self.substitutedRoots = substitutedRoots
    }

    /// Runs the case through the verifier; call only when ``probe`` is not `nil`.
    func verify() throws {
        switch probe {
        case nil:
            preconditionFailure("\(file) did not decode: \(decodingError ?? "")")
        case .inclusion(let index, let size, let leafHash, let proof, let root):
            try MerkleTree.verifyInclusion(index: index, size: size, leafHash: leafHash, proof: proof, root: root)
        case .consistency(let size1, let size2, let root1, let root2, let proof):
            try MerkleTree.verifyConsistency(size1: size1, size2: size2, root1: root1, root2: root2, proof: proof)
        }
    }
}
