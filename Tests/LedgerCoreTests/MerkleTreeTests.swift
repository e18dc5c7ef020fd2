import LedgerCore
import LedgerCrypto
import Testing

@Suite struct MerkleTreeTests {
    // MARK: - transparency-dev/merkle vectors

    @Test func vectorSetIsComplete() throws {
        let all = try MerkleVector.loadAll()
        let inclusion = all.filter { $0.file.hasPrefix("inclusion/") }
        #expect(inclusion.count == 98)
        #expect(all.count - inclusion.count == 98)
        #expect(all.filter { !$0.wantErr }.count == 12)
        // The one happy case with placeholder roots compares its two equal 12-byte "roots" with
        // each other, never with a computed hash, so hashing the placeholders keeps its meaning.
        let happyWithPlaceholders = all.filter { !$0.wantErr && !$0.substitutedRoots.isEmpty }.map(\.file)
        #expect(happyWithPlaceholders == ["consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"])
        let undecodable = all.filter { $0.probe == nil }
        #expect(undecodable.allSatisfy { $0.wantErr })
        print(
            """
            MerkleTreeTests: \(all.count) vectors, \(all.filter(\.wantErr).count) must fail; \
            \(undecodable.count) of those have a leaf hash or proof element that is not 32 bytes; \
            \(all.filter { !$0.substitutedRoots.isEmpty }.count) use placeholder roots
            """
        )
    }

    @Test(arguments: try MerkleVector.loadAll())
    func transparencyDevVector(_ vector: MerkleVector) {
        guard vector.probe != nil else {
            // Rejected where base64 becomes 32-byte digests, as InclusionProofText does.
            #expect(vector.wantErr, "\(vector.desc): \(vector.decodingError ?? "")")
            return
        }
        if vector.wantErr {
            let error = #expect(throws: LedgerError.self, "\(vector.desc) must fail") { try vector.verify() }
            #expect(error?.code == .invalidProof)
        } else {
            #expect(throws: Never.self, "\(vector.desc) must verify") { try vector.verify() }
        }
    }

    // MARK: - testonly/constants.go

    static let leafInputs = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ]

    static let rootHashes = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static let nodeHashes = [
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ],
        [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ],
        [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
        ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    ]

    static func constantLeafHashes() throws -> [SHA256Digest] {
        try leafInputs.map { MerkleTree.leafHash(try #require(HexCoding.decode($0))) }
    }

    @Test(arguments: 0...8)
    func rootOfConstantTree(size: Int) throws {
        let leaves = try Self.constantLeafHashes()
        var store = NodeStore(leaves: leaves)
        let root = MerkleTree.root(size: UInt64(size)) { store.node($0, $1, size: UInt64(size)) }
        #expect(root.hex == Self.rootHashes[size])

        var range = CompactRange()
        for leaf in leaves.prefix(size) {
            range.append(leafHash: leaf)
        }
        #expect(range.root().hex == Self.rootHashes[size])
        #expect(range.size == UInt64(size))
    }

    @Test func emptyRootIsSHA256OfNothing() {
        #expect(MerkleTree.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(CompactRange().root() == MerkleTree.emptyRoot)
        #expect(MerkleTree.root(size: 0) { _, _ in SHA256Digest.zero } == MerkleTree.emptyRoot)
    }

    @Test func appendReportsEveryConstantNodeOnceInAppendOrder() throws {
        var reported: [(level: Int, index: UInt64, hash: SHA256Digest)] = []
        var range = CompactRange()
        for leaf in try Self.constantLeafHashes() {
            range.append(leafHash: leaf) { reported.append(($0, $1, $2)) }
        }
        var expected: [[String]] = Self.nodeHashes.map { $0.map { _ in "" } }
        for node in reported {
            #expect(expected[node.level][Int(node.index)] == "", "node \(node.level),\(node.index) reported twice")
            expected[node.level][Int(node.index)] = node.hash.hex
        }
        #expect(expected == Self.nodeHashes)
        // (last leaf, level) order is the order of the reports.
        let keys = reported.map { [(($0.index + 1) << UInt64($0.level)) - 1, UInt64($0.level)] }
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    // MARK: - Properties against the RFC's recursive definitions

    @Test func rootsMatchReferenceForEverySizeUpTo2000() {
        var generator = SeededGenerator.printingSeed(for: "rootsMatchReferenceForEverySizeUpTo2000")
        let leaves = Self.randomLeafHashes(count: 2000, using: &generator)
        var store = NodeStore(leaves: leaves)
        var range = CompactRange()
        var reported: [[SHA256Digest]] = []
        for size in 0...2000 {
            if size > 0 {
                range.append(leafHash: leaves[size - 1]) { level, index, hash in
                    if level == reported.count { reported.append([]) }
                    #expect(reported[level].count == Int(index), "node \(level),\(index) out of order")
                    reported[level].append(hash)
                }
            }
            let reference = Reference.root(leaves.prefix(size))
            let stored = MerkleTree.root(size: UInt64(size)) { store.node($0, $1, size: UInt64(size)) }
            #expect(stored == reference, "root(size:node:) at size \(size)")
            #expect(range.root() == reference, "CompactRange.root() at size \(size)")
            #expect(range.hashes.count == UInt64(size).nonzeroBitCount)
            let rebuilt = CompactRange(size: UInt64(size)) { store.node($0, $1, size: UInt64(size)) }
            #expect(rebuilt == range, "CompactRange(size:node:) at size \(size)")
        }
        #expect(reported == store.levels, "the nodes append reports are the tree's perfect subtrees")
    }

    @Test func inclusionProofsMatchReferenceAndVerify() throws {
        var generator = SeededGenerator.printingSeed(for: "inclusionProofsMatchReferenceAndVerify")
        let leaves = Self.randomLeafHashes(count: 2000, using: &generator)
        var store = NodeStore(leaves: leaves)
        var pairs = (1...64).flatMap { size in (0..<size).map { ($0, size) } }
        for _ in 0..<400 {
            let size = Int.random(in: 1...2000, using: &generator)
            pairs.append((Int.random(in: 0..<size, using: &generator), size))
        }
        pairs += [(0, 2000), (1999, 2000), (1023, 1024), (1024, 1025), (0, 1)]
        for (index, size) in pairs {
            let proof = try MerkleTree.inclusionProof(index: UInt64(index), size: UInt64(size)) {
                store.node($0, $1, size: UInt64(size))
            }
            #expect(proof == Reference.path(index, leaves.prefix(size)), "PATH(\(index), D[\(size)])")
            let root = Reference.root(leaves.prefix(size))
            #expect(throws: Never.self, "proof for \(index) in \(size)") {
                try MerkleTree.verifyInclusion(
                    index: UInt64(index),
                    size: UInt64(size),
                    leafHash: leaves[index],
                    proof: proof,
                    root: root
                )
            }
        }
    }

    @Test func consistencyProofsMatchReferenceAndVerify() throws {
        var generator = SeededGenerator.printingSeed(for: "consistencyProofsMatchReferenceAndVerify")
        let leaves = Self.randomLeafHashes(count: 2000, using: &generator)
        var store = NodeStore(leaves: leaves)
        var pairs = (1...64).flatMap { size2 in (1...size2).map { ($0, size2) } }
        for _ in 0..<400 {
            let size2 = Int.random(in: 1...2000, using: &generator)
            pairs.append((Int.random(in: 1...size2, using: &generator), size2))
        }
        pairs += [(1, 2000), (1999, 2000), (1024, 2000), (1023, 1024), (2000, 2000)]
        for (size1, size2) in pairs {
            let proof = try MerkleTree.consistencyProof(from: UInt64(size1), to: UInt64(size2)) {
                store.node($0, $1, size: UInt64(size2))
            }
            #expect(proof == Reference.proof(size1, leaves.prefix(size2)), "PROOF(\(size1), D[\(size2)])")
            let root1 = Reference.root(leaves.prefix(size1))
            let root2 = Reference.root(leaves.prefix(size2))
            #expect(throws: Never.self, "proof from \(size1) to \(size2)") {
                try MerkleTree.verifyConsistency(
                    size1: UInt64(size1),
                    size2: UInt64(size2),
                    root1: root1,
                    root2: root2,
                    proof: proof
                )
            }
        }
    }

    @Test func proofRequestsOutsideTheTreeThrow() throws {
        let node: (Int, UInt64) throws -> SHA256Digest = { _, _ in SHA256Digest.zero }
        #expect(throws: LedgerError(code: .notFound, message: "")) {
            try MerkleTree.inclusionProof(index: 5, size: 5, node: node)
        }
        #expect(throws: LedgerError(code: .invalidInput, message: "")) {
            try MerkleTree.consistencyProof(from: 0, to: 5, node: node)
        }
        #expect(throws: LedgerError(code: .invalidInput, message: "")) {
            try MerkleTree.consistencyProof(from: 6, to: 5, node: node)
        }
        #expect(try MerkleTree.consistencyProof(from: 5, to: 5, node: node).isEmpty)
    }

    @Test func aProofPinsTheSizeOnlyTogetherWithItsRoot() throws {
        // Why verifiers must take size and root from one signed checkpoint: the path of leaf 0 in a
        // tree of 3 leaves has the same shape as in a tree of 4, so it also "verifies" as size 4
        // against the size-3 root. Changing the size by a factor of two always breaks the shape.
        let leaves = try Self.constantLeafHashes()
        var store = NodeStore(leaves: leaves)
        let proof = try MerkleTree.inclusionProof(index: 0, size: 3) { store.node($0, $1, size: 3) }
        let root3 = Reference.root(leaves.prefix(3))
        try MerkleTree.verifyInclusion(index: 0, size: 4, leafHash: leaves[0], proof: proof, root: root3)
        #expect(throws: LedgerError.self) {
            try MerkleTree.verifyInclusion(
                index: 0,
                size: 4,
                leafHash: leaves[0],
                proof: proof,
                root: Reference.root(leaves.prefix(4))
            )
        }
        #expect(throws: LedgerError.self) {
            try MerkleTree.verifyInclusion(index: 0, size: 6, leafHash: leaves[0], proof: proof, root: root3)
        }
    }

    // MARK: - Mutations (transparency-dev's taxonomy): every one must fail

    /// Every structural change of a proof, plus every single-bit flip of every element.
    static func mutations(of proof: [SHA256Digest], extra: SHA256Digest) -> [(String, [SHA256Digest])] {
        var result: [(String, [SHA256Digest])] = []
        for element in proof.indices {
            for bit in 0..<256 {
                var changed = proof
                changed[element] = flipping(bit: bit, of: proof[element])
                result.append(("flip bit \(bit) of [\(element)]", changed))
            }
            var removed = proof
            removed.remove(at: element)
            result.append(("remove [\(element)]", removed))
            result.append(("duplicate [\(element)]", Array(proof[...element]) + Array(proof[element...])))
        }
        for position in 0...proof.count {
            var inserted = proof
            inserted.insert(extra, at: position)
            result.append(("insert at \(position)", inserted))
        }
        for first in proof.indices {
            for second in proof.indices where second > first && proof[first] != proof[second] {
                var swapped = proof
                swapped.swapAt(first, second)
                result.append(("swap [\(first)] and [\(second)]", swapped))
            }
        }
        if proof.count > 1 {
            result.append(("reverse", proof.reversed()))
            result.append(("rotate", Array(proof.dropFirst()) + [proof[0]]))
        }
        result.append(("prepend", [extra] + proof))
        result.append(("append", proof + [extra]))
        result.append(("truncate to empty", []))
        return result.filter { $0.1 != proof }
    }

    @Test func mutatedInclusionProofsFail() throws {
        var generator = SeededGenerator.printingSeed(for: "mutatedInclusionProofsFail")
        let leaves = Self.randomLeafHashes(count: 300, using: &generator)
        var store = NodeStore(leaves: leaves)
        var cases = [(0, 1), (0, 2), (1, 2), (5, 7), (6, 7), (0, 300), (299, 300), (255, 256), (256, 257)]
        for _ in 0..<25 {
            let size = Int.random(in: 1...300, using: &generator)
            cases.append((Int.random(in: 0..<size, using: &generator), size))
        }
        var checked = 0
        for (index, size) in cases {
            let proof = try MerkleTree.inclusionProof(index: UInt64(index), size: UInt64(size)) {
                store.node($0, $1, size: UInt64(size))
            }
            let root = Reference.root(leaves.prefix(size))
            let leaf = leaves[index]
            func fails(
                _ what: String,
                index: Int,
                size: Int,
                leaf: SHA256Digest,
                proof: [SHA256Digest],
                root: SHA256Digest
            ) {
                checked += 1
                #expect(throws: LedgerError.self, "\(what) for leaf \(index) of \(size)") {
                    try MerkleTree.verifyInclusion(
                        index: UInt64(index),
                        size: UInt64(size),
                        leafHash: leaf,
                        proof: proof,
                        root: root
                    )
                }
            }
            for (what, mutated) in Self.mutations(of: proof, extra: root) {
                fails(what, index: index, size: size, leaf: leaf, proof: mutated, root: root)
            }
            for (what, mutated) in Self.mutations(of: proof, extra: leaf) where what.hasPrefix("insert") {
                fails("leaf-\(what)", index: index, size: size, leaf: leaf, proof: mutated, root: root)
            }
            fails("index + 1", index: index + 1, size: size, leaf: leaf, proof: proof, root: root)
            if index > 0 {
                fails("index - 1", index: index - 1, size: size, leaf: leaf, proof: proof, root: root)
            }
            if index ^ 2 < size {
                fails("index ^ 2", index: index ^ 2, size: size, leaf: leaf, proof: proof, root: root)
            }
            fails("size × 2", index: index, size: size * 2, leaf: leaf, proof: proof, root: root)
            fails("size ÷ 2", index: index, size: size / 2, leaf: leaf, proof: proof, root: root)
            for bit in [0, 77, 255] {
                let badLeaf = Self.flipping(bit: bit, of: leaf)
                fails("leaf bit \(bit)", index: index, size: size, leaf: badLeaf, proof: proof, root: root)
                let badRoot = Self.flipping(bit: bit, of: root)
                fails("root bit \(bit)", index: index, size: size, leaf: leaf, proof: proof, root: badRoot)
            }
            fails("empty root", index: index, size: size, leaf: leaf, proof: proof, root: MerkleTree.emptyRoot)
        }
        print("MerkleTreeTests.mutatedInclusionProofsFail: \(checked) mutations rejected")
    }

    @Test func mutatedConsistencyProofsFail() throws {
        var generator = SeededGenerator.printingSeed(for: "mutatedConsistencyProofsFail")
        let leaves = Self.randomLeafHashes(count: 300, using: &generator)
        var store = NodeStore(leaves: leaves)
        var cases = [(1, 2), (1, 8), (3, 7), (4, 8), (6, 8), (7, 8), (1, 300), (299, 300), (256, 300), (255, 256)]
        for _ in 0..<25 {
            let size2 = Int.random(in: 2...300, using: &generator)
            cases.append((Int.random(in: 1..<size2, using: &generator), size2))
        }
        var checked = 0
        for (size1, size2) in cases {
            let proof = try MerkleTree.consistencyProof(from: UInt64(size1), to: UInt64(size2)) {
                store.node($0, $1, size: UInt64(size2))
            }
            let root1 = Reference.root(leaves.prefix(size1))
            let root2 = Reference.root(leaves.prefix(size2))
            func fails(
                _ what: String,
                _ size1: Int,
                _ size2: Int,
                _ root1: SHA256Digest,
                _ root2: SHA256Digest,
                _ proof: [SHA256Digest]
            ) {
                checked += 1
                #expect(throws: LedgerError.self, "\(what) for \(size1) → \(size2)") {
                    try MerkleTree.verifyConsistency(
                        size1: UInt64(size1),
                        size2: UInt64(size2),
                        root1: root1,
                        root2: root2,
                        proof: proof
                    )
                }
            }
            for (what, mutated) in Self.mutations(of: proof, extra: root1) {
                fails(what, size1, size2, root1, root2, mutated)
            }
            for (what, mutated) in Self.mutations(of: proof, extra: root2) where what.hasPrefix("insert") {
                fails("root2-\(what)", size1, size2, root1, root2, mutated)
            }
            fails("swapped roots", size1, size2, root2, root1, proof)
            fails("size1 + 1", size1 + 1, size2, root1, root2, proof)
            fails("size1 - 1", size1 - 1, size2, root1, root2, proof)
            fails("size1 ^ 2", size1 ^ 2, size2, root1, root2, proof)
            fails("size2 × 2", size1, size2 * 2, root1, root2, proof)
            fails("size2 ÷ 2", size1, size2 / 2, root1, root2, proof)
            fails("size1 = 0", 0, size2, MerkleTree.emptyRoot, root2, proof)
            fails("equal sizes with a proof", size2, size2, root2, root2, proof)
            for bit in [0, 128, 255] {
                fails("root1 bit \(bit)", size1, size2, Self.flipping(bit: bit, of: root1), root2, proof)
                fails("root2 bit \(bit)", size1, size2, root1, Self.flipping(bit: bit, of: root2), proof)
            }
        }
        print("MerkleTreeTests.mutatedConsistencyProofsFail: \(checked) mutations rejected")
    }

    // MARK: - Cost

    @Test func proofsAtTenMillionLeavesReadFewNodes() throws {
        var generator = SeededGenerator.printingSeed(for: "proofsAtTenMillionLeavesReadFewNodes")
        let size: UInt64 = 10_000_000
        var reads = 0
        let node: (Int, UInt64) throws -> SHA256Digest = { level, index in
            #expect((index + 1) << UInt64(level) <= size)
            return SHA256.hash([UInt8(level)] + withUnsafeBytes(of: index.bigEndian) { Array($0) })
        }
        let counting: (Int, UInt64) throws -> SHA256Digest = { level, index in
            reads += 1
            return try node(level, index)
        }
        var indices: [UInt64] = [0, 1, size / 2, size - 2, size - 1, 8_388_607, 8_388_608]
        indices += (0..<200).map { _ in UInt64.random(in: 0..<size, using: &generator) }
        var most = (inclusion: 0, consistency: 0)
        for index in indices {
            reads = 0
            let proof = try MerkleTree.inclusionProof(index: index, size: size, node: counting)
            #expect(reads <= 2 * 64, "inclusion proof for \(index) read \(reads) nodes")
            #expect(reads <= 2 * 24, "a tree of 10^7 leaves is 24 levels high")
            #expect(proof.count <= 24)
            most.inclusion = max(most.inclusion, reads)

            reads = 0
            _ = try MerkleTree.consistencyProof(from: max(index, 1), to: size, node: counting)
            #expect(reads <= 2 * 64, "consistency proof from \(index) read \(reads) nodes")
            most.consistency = max(most.consistency, reads)
        }
        reads = 0
        _ = try MerkleTree.root(size: size, node: counting)
        #expect(reads == size.nonzeroBitCount)
        print(
            "MerkleTreeTests: at 10^7 leaves, most reads: inclusion \(most.inclusion), consistency \(most.consistency)"
        )
    }
}
