/// A growable byte buffer that the canonical JSON writer appends to through a pointer.
///
/// Serialising one entry makes about a hundred small appends (quotes, separators, short strings).
/// On an `Array` each of them checks uniqueness and capacity through the standard library; here
/// each is a capacity comparison and a store. Callers copy the result out once with
/// ``withBytes(_:)``.
struct CanonicalOutput: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The number of bytes written.
    private(set) var count = 0
    /// Scratch space for numbers, which ``ECMAScriptNumber`` formats into an array.
    var numberScratch: [UInt8] = []

    /// Creates an empty buffer.
    ///
    /// - Parameter capacity: The bytes to allocate up front; it grows by doubling.
    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        self.base = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity {
            grow(toAtLeast: count + extra)
        }
    }

    private mutating func grow(toAtLeast needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Appends one byte.
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// The bytes written from `start` on.
    func bytes(from start: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: base + start, count: count - start))
    }

    /// Appends bytes.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Appends one byte into room made by ``reserve(_:)``.
    @inline(__always)
    mutating func appendReserved(_ byte: UInt8) {
        assert(count < capacity, "no room reserved")
        base[count] = byte
        count += 1
    }

    /// Appends bytes into room made by ``reserve(_:)``.
    @inline(__always)
    mutating func appendReserved(_ bytes: UnsafeBufferPointer<UInt8>) {
        assert(count + bytes.count <= capacity, "no room reserved")
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        (base + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    /// Appends ASCII text known at compile time.
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    /// Appends a string's UTF-8 as it is, without quoting or escaping.
    mutating func append(utf8 string: String) {
        string.withUTF8Bytes { append($0) }
    }

    /// Appends bytes as lower-case hexadecimal digits, two per byte.
    mutating func appendHex(_ bytes: some Collection<UInt8>) {
        let digits: StaticString = "0123456789abcdef"
        // Room for every digit first, then plain stores.
        reserve(2 * bytes.count)
        var position = base + count
        for byte in bytes {
            position[0] = digits.utf8Start[Int(byte >> 4)]
            position[1] = digits.utf8Start[Int(byte & 0x0f)]
            position += 2
        }
        count += 2 * bytes.count
    }

    /// Forgets the bytes written, keeping the storage for what is written next.
    mutating func removeAll() {
        count = 0
    }

    /// Lends the bytes written so far.
    ///
    /// - Parameter body: Reads the bytes; they are valid only inside the call.
    /// - Returns: What `body` returns.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }
}
