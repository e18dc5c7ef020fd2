public import LedgerCrypto

/// A salted commitment to one confidential value, and the opening that reveals it.
///
/// The hashed entry holds only `{"$commit": "<hex>"}` where the value stood, with
/// hex = SHA-256(salt ‖ canonical JSON of the value). The salt (32 random bytes) and the clear value
/// are kept beside the entry, outside its leaf bytes: disclosing them proves the value; withholding
/// them leaves a proof that still verifies and reveals nothing.
public struct Commitment: Sendable, Hashable {
    /// The key of the object that stands in for a committed value.
    public static let marker = "$commit"

    /// SHA-256(salt ‖ canonical value).
    public var digest: SHA256Digest

    /// Creates a commitment from its digest.
    ///
    /// - Parameter digest: The committed digest.
    public init(digest: SHA256Digest) {
        self.digest = digest
    }

    /// The JSON that stands in the body for the committed value: `{"$commit":"<hex>"}`.
    public var placeholder: JSONValue {
        .object([Self.marker: .string(digest.hex)])
    }

    /// Reads a placeholder.
    ///
    /// Returns `nil` unless `value` is exactly a placeholder.
    ///
    /// - Parameter value: A body value.
    public init?(placeholder value: JSONValue) {
        guard case .object(let members) = value, members.count == 1,
            let hex = members[Self.marker]?.stringValue, hex.utf8.count == 64,
            hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
            let digest = SHA256Digest(hex: hex)
        else { return nil }
        self.digest = digest
    }
}

/// The clear value and salt of a confidential field: what a disclosure reveals.
public struct Opening: Sendable, Hashable {
    /// The 32-byte salt.
    public var salt: [UInt8]
    /// The clear value.
    public var value: JSONValue

    /// Creates an opening.
    ///
    /// - Parameters:
    ///   - salt: The salt; 32 random bytes for new commitments.
    ///   - value: The clear value.
    public init(salt: [UInt8], value: JSONValue) {
        self.salt = salt
        self.value = value
    }

    /// Creates an opening with a fresh random salt.
    ///
    /// - Parameter value: The clear value.
    /// - Returns: The opening.
    public static func sealing(_ value: JSONValue) -> Opening {
        Opening(salt: SecureRandom.bytes(count: 32), value: value)
    }

    /// The commitment this opening opens.
    public var commitment: Commitment {
        var hasher = SHA256Hasher()
        hasher.update(salt)
        hasher.update(value.canonicalBytes)
        return Commitment(digest: hasher.finalize())
    }

    /// The opening as JSON: `{"salt": "<hex>", "value": …}`.
    public var json: JSONValue {
        .object(["salt": .string(HexCoding.encode(salt)), "value": value])
    }

    /// Reads an opening from its JSON form.
    ///
    /// - Parameter json: `{"salt": "<hex>", "value": …}`.
    /// - Throws: ``LedgerError/Code/invalidInput`` when the JSON is not an opening.
    public init(json: JSONValue) throws {
        guard case .object(let members) = json, members.count == 2, let hex = members["salt"]?.stringValue,
            let salt = HexCoding.decode(hex), salt.count == 32, let value = members["value"]
        else {
            throw LedgerError(code: .invalidInput, message: "an opening is {\"salt\": 64 hex digits, \"value\": …}")
        }
        self.init(salt: salt, value: value)
    }
}
