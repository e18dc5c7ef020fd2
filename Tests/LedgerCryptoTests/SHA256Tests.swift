import LedgerCrypto
import Testing

@Suite struct SHA256Tests {
    /// FIPS 180-4 examples as published by NIST (SHA256.pdf, "Example Algorithms").
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func knownAnswers(message: String, expected: String) {
        #expect(SHA256.hash(Array(message.utf8)).hex == expected)
    }

    @Test func millionTimesLetterAInPieces() {
        var hasher = SHA256Hasher()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 {
            hasher.update(chunk)
        }
        #expect(hasher.finalize().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func finalizeResetsForTheNextMessage() {
        var hasher = SHA256Hasher()
        hasher.update(Array("abc".utf8))
        let first = hasher.finalize()
        hasher.update(Array("abc".utf8))
        #expect(hasher.finalize() == first)
        #expect(hasher.finalize() == SHA256.hash([UInt8]()))
    }

    @Test func multiPartUpdatesEqualOneShot() {
        var hasher = SHA256Hasher()
        hasher.update(byte: 0x00)
        hasher.update(Array("leaf".utf8))
        let digest = hasher.finalize()
        #expect(digest == SHA256.hash([0x00] + Array("leaf".utf8)))
        hasher.update(byte: 0x01)
        hasher.update(digest)
        hasher.update(digest)
        #expect(hasher.finalize() == SHA256.hash([0x01] + digest.bytes + digest.bytes))
    }

    /// A state saved after part of a message, resumed on another hasher or after other messages,
    /// gives the digest of the whole message, at every split point of block boundaries and inside.
    @Test func savedStateResumesTheMessage() {
        let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let expected = SHA256.hash(message)
        for split in [0, 1, 55, 63, 64, 65, 128, 200, 300] {
            var first = SHA256Hasher()
            first.update(message[..<split])
            let state = first.state
            var other = SHA256Hasher()
            // A hasher that finished other messages reaches an equal state on the same bytes.
            other.update(Array(repeating: 0x5a, count: 150))
            _ = other.finalize()
            other.update(message[..<split])
            #expect(other.state == state, "split at \(split)")
            other.update(Array("another message".utf8))
            other.resume(state)
            other.update(message[split...])
            #expect(other.finalize() == expected, "split at \(split)")
            // The first hasher goes on as it was, and the state is a value.
            first.update(message[split...])
            #expect(first.finalize() == expected)
            #expect(first.state != state || split == 0)
        }
    }

    @Test func digestEncodingsRoundTrip() throws {
        let digest = SHA256.hash(Array("abc".utf8))
        #expect(SHA256Digest(hex: digest.hex) == digest)
        #expect(SHA256Digest(hex: digest.hex.uppercased()) == digest)
        #expect(SHA256Digest(base64: digest.base64) == digest)
        #expect(digest.base64 == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
        #expect(SHA256Digest(bytes: digest.bytes) == digest)
        #expect(SHA256Digest(bytes: [1, 2, 3]) == nil)
        #expect(SHA256Digest(hex: "00") == nil)
        #expect(SHA256Digest(hex: String(repeating: "g", count: 64)) == nil)
    }
}

@Suite struct Base64Tests {
    /// RFC 4648 §10 test vectors.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test(arguments: ["Zg", "Zg=", "Zh==", "Zm9=", "Z===", "Zm9v\n", " Zm9v", "Zm-v", "Zm9vYmFy===="])
    func nonCanonicalTextIsRejected(text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
