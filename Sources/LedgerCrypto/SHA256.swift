internal import COpenSSL

/// SHA-256 through OpenSSL's libcrypto.
///
/// One-shot hashing suits occasional use; ``SHA256Hasher`` reuses one context for hot loops.
///
/// ```swift
/// let digest = SHA256.hash(Array("abc".utf8))
/// // digest.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// ```
public enum SHA256 {
    /// Hashes bytes.
    ///
    /// - Parameter bytes: The message.
    /// - Returns: Its SHA-256 digest.
    public static func hash(_ bytes: some Collection<UInt8>) -> SHA256Digest {
        // A context on the stack: a one-shot hash allocates nothing (``SHA256Hasher`` keeps its
        // context on the heap so that it can be reused).
        if let digest = bytes.withContiguousStorageIfAvailable({ unsafe hash(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return unsafe Array(bytes).withUnsafeBytes { unsafe hash($0) }
    }

    /// Hashes the bytes of a raw buffer with a context on the stack.
    private static func hash(_ buffer: UnsafeRawBufferPointer) -> SHA256Digest {
        var context = SHA256_CTX()
        var digest = SHA256Digest.zero
        let rc = unsafe withUnsafeMutablePointer(to: &context) { context in
            guard unsafe SHA256_Init(context) == 1, unsafe SHA256_Update(context, buffer.baseAddress, buffer.count) == 1
            else { return Int32(0) }
            return unsafe digest.withUnsafeMutableBytes { out in
                unsafe SHA256_Final(out.baseAddress?.assumingMemoryBound(to: UInt8.self), context)
            }
        }
        precondition(rc == 1, "SHA-256 failed")
        return digest
    }
}

/// An incremental SHA-256 computation that owns one OpenSSL digest context.
///
/// ``finalize()`` returns the digest and leaves the hasher ready for the next message, so a loop
/// hashes many messages with one context and no allocation.
///
/// It calls libcrypto's `SHA256_Init`/`SHA256_Update`/`SHA256_Final` rather than the EVP
/// interface: a ledger hashes many short messages (a ~500-byte leaf, a 65-byte node), and for those
/// EVP's provider dispatch cost 50–100 ns per message on this project's machine (OpenSSL 3.0,
/// SHA-NI), a quarter of a node hash. The low-level functions are deprecated in OpenSSL 3 but
/// compute the same digest with the same assembly; the known-answer tests pin it.
@safe public struct SHA256Hasher: ~Copyable {
    /// The `SHA256_CTX`, heap-allocated so its address is stable; owned by this value.
    private let context: UnsafeMutablePointer<SHA256_CTX>

    /// Creates a hasher ready for a first message.
    public init() {
        let context = UnsafeMutablePointer<SHA256_CTX>.allocate(capacity: 1)
        unsafe context.initialize(to: SHA256_CTX())
        unsafe self.context = context
        start()
    }

    deinit {
        unsafe context.deinitialize(count: 1)
        unsafe context.deallocate()
    }

    private func start() {
        let rc = unsafe SHA256_Init(context)
        // SHA256_Init only zeroes and seeds the context; it has no failure path.
        precondition(rc == 1, "SHA256_Init failed")
    }

    /// Adds bytes to the message.
    ///
    /// - Parameter bytes: The next bytes of the message.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            unsafe update(UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            let copy = Array(bytes)
            unsafe copy.withUnsafeBytes { unsafe update($0) }
        }
    }

    /// Adds one byte to the message.
    ///
    /// - Parameter byte: The next byte.
    public mutating func update(byte: UInt8) {
        var value = byte
        unsafe withUnsafeBytes(of: &value) { unsafe update($0) }
    }

    /// Adds a digest's 32 bytes to the message.
    ///
    /// - Parameter digest: The digest to add.
    public mutating func update(_ digest: SHA256Digest) {
        unsafe digest.withUnsafeBytes { unsafe update($0) }
    }

    /// Adds the bytes in a raw buffer to the message.
    ///
    /// - Parameter buffer: The next bytes of the message; read only during the call.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard buffer.count > 0 else { return }
        let rc = unsafe SHA256_Update(context, buffer.baseAddress, buffer.count)
        precondition(rc == 1, "SHA256_Update failed")
    }

    /// The state after the bytes added so far, to go on from later (``resume(_:)``), on this
    /// hasher or another, on any thread.
    public var state: SHA256State {
        unsafe SHA256State(context: context.pointee)
    }

    /// Goes on from a saved state, as if the bytes added before it were added again; the message
    /// this hasher had is dropped.
    ///
    /// - Parameter state: A state from ``state``.
    public mutating func resume(_ state: SHA256State) {
        unsafe context.pointee = state.context
    }

    /// Finishes the message and returns its digest; the hasher then starts a new, empty message.
    ///
    /// - Returns: The digest of everything added since the last call.
    public mutating func finalize() -> SHA256Digest {
        var digest = SHA256Digest.zero
        let rc = unsafe digest.withUnsafeMutableBytes { buffer in
            unsafe SHA256_Final(buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), context)
        }
        precondition(rc == 1, "SHA256_Final failed")
        start()
        return digest
    }
}

/// A SHA-256 computation's state after some bytes, saved to go on from later: the part of a
/// message known early is hashed on one thread, and the rest added on another.
public struct SHA256State: @unchecked Sendable, Hashable {
    // Safety: a plain C struct of integers and bytes, copied by value.
    fileprivate var context: SHA256_CTX

    /// Whether two states go on alike: the same chaining value, length, and bytes waiting for a
    /// block (the rest of the context's buffer is not part of the state).
    public static func == (lhs: SHA256State, rhs: SHA256State) -> Bool {
        lhs.words == rhs.words && lhs.pending == rhs.pending
    }

    /// Hashes what equality compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(words)
        hasher.combine(pending)
    }

    /// The chaining value, the message length in bits (low, high) and the count of bytes waiting.
    private var words: [UInt32] {
        let h = context.h
        return [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7, context.Nl, context.Nh, context.num]
    }

    /// The bytes waiting for a block.
    private var pending: [UInt8] {
        var data = context.data
        let count = Int(context.num)
        return unsafe withUnsafeBytes(of: &data) { unsafe Array($0.prefix(count)) }
    }
}
