import LedgerCrypto
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct Ed25519Tests {
    /// RFC 8032 §7.1, TEST 1–3: secret seed, public key, message, signature (hex).
    @Test(arguments: [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        ),
        (
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
            "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        ),
    ])
    func rfc8032Vectors(seed: String, publicKey: String, message: String, signature: String) throws {
        let seedBytes = try #require(HexCoding.decode(seed))
        let messageBytes = try #require(HexCoding.decode(message))
        let key = try Ed25519PrivateKey(seed: seedBytes)
        #expect(HexCoding.encode(key.publicKey.rawRepresentation) == publicKey)
        let produced = try key.signature(for: messageBytes)
        #expect(HexCoding.encode(produced) == signature)
        #expect(key.publicKey.isValidSignature(produced, for: messageBytes))
    }

    @Test func anyChangedByteFailsVerification() throws {
        let key = Ed25519PrivateKey()
        let message = Array("tree size 42".utf8)
        let signature = try key.signature(for: message)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        for index in signature.indices {
            var broken = signature
            broken[index] ^= 0x01
            #expect(!key.publicKey.isValidSignature(broken, for: message))
        }
        var otherMessage = message
        otherMessage[0] ^= 0x20
        #expect(!key.publicKey.isValidSignature(signature, for: otherMessage))
        #expect(!key.publicKey.isValidSignature(signature.dropLast(), for: message))
        #expect(!Ed25519PrivateKey().publicKey.isValidSignature(signature, for: message))
    }

    @Test func pemRoundTripKeepsTheKey() throws {
        let key = Ed25519PrivateKey()
        let pem = try key.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let reloaded = try Ed25519PrivateKey(pemRepresentation: pem)
        #expect(reloaded.publicKey == key.publicKey)
        let publicPEM = key.publicKey.pemRepresentation
        #expect(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(try Ed25519PublicKey(pemRepresentation: publicPEM) == key.publicKey)
    }

    @Test func malformedKeysAreRejected() {
        #expect(throws: CryptoError(code: .invalidKey, message: "")) {
            try Ed25519PublicKey(rawRepresentation: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: CryptoError(code: .invalidKey, message: "")) {
            try Ed25519PrivateKey(seed: [1, 2, 3])
        }
        #expect(throws: CryptoError(code: .invalidKey, message: "")) {
            try Ed25519PrivateKey(pemRepresentation: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        }
        #expect(throws: CryptoError(code: .invalidKey, message: "")) {
            try Ed25519PrivateKey(pemRepresentation: Ed25519PrivateKey().publicKey.pemRepresentation)
        }
    }

    @Test func privateKeyFileIsOwnerOnlyAndNeverOverwritten() throws {
        let directory = "/tmp/celltrace-crypto-\(UInt64.random(in: 0...UInt64.max))"
        #expect(mkdir(directory, 0o700) == 0)
        defer { _ = system("rm -rf '\(directory)'") }
        let path = directory + "/actor.pem"
        let key = Ed25519PrivateKey()
        try key.write(toPEMFile: path)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try Ed25519PrivateKey(pemFile: path).publicKey == key.publicKey)
        #expect(throws: CryptoError(code: .io, message: "")) {
            try Ed25519PrivateKey().write(toPEMFile: path)
        }
        #expect(try Ed25519PrivateKey(pemFile: path).publicKey == key.publicKey)
        #expect(throws: CryptoError(code: .io, message: "")) {
            try Ed25519PrivateKey(pemFile: directory + "/missing.pem")
        }
    }
}
