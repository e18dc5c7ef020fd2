/// The canonical forms of values that a batch of documents shares, found by the address of each
/// value's storage (``JSONValue/storageAddress``).
///
/// The parser shares the top-level members that the events of a batch repeat byte for byte (the
/// same `ilmd`, location or extension block on every event of a process run); sealing each event's
/// entry body then copies their canonical bytes instead of writing them again. An address is
/// looked up, never a value walked: a value that only equals a kept one is written, and kept too.
///
/// One thread uses a cache at a time, so its properties go without the runtime's exclusivity
/// checks, which would cost as much as the look-up. Once fewer than one value in four is found, it
/// stops being looked up.
package final class CanonicalValueCache {
    /// The position of each kept value, by its storage's address.
    @exclusivity(unchecked) private var positions: [UnsafeRawPointer: Int] = [:]
    /// Held, so that each one's storage, and so its address, stays its own.
    @exclusivity(unchecked) private var values: [JSONValue] = []
    @exclusivity(unchecked) private var forms: [[UInt8]] = []
    @exclusivity(unchecked) private var yield = LookUpYield(trial: 64)

    /// The most values kept; a batch's repeated members are few.
    static let capacity = 256

    package init() {}

    /// Whether looking values up still pays: always for the first 64, then while at least one in
    /// four is found.
    var isWorthLookingUp: Bool { yield.isWorthLookingUp }

    /// Appends the canonical form of the value stored at `address`, when it is kept.
    ///
    /// - Returns: Whether it was.
    func write(_ address: UnsafeRawPointer, into buffer: inout CanonicalOutput) -> Bool {
        guard let position = positions[address] else {
            yield.missed()
            return false
        }
        yield.found()
        forms[position].withUnsafeBufferPointer { buffer.append($0) }
        return true
    }

    /// Keeps a value's canonical form, while there is room.
    func keep(_ value: JSONValue, at address: UnsafeRawPointer, form: [UInt8]) {
        guard values.count < Self.capacity else { return }
        positions[address] = values.count
        values.append(value)
        forms.append(form)
    }
}
