/// An export that cannot be made or a bundle that cannot be read.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public var description: String
    /// Whether it is a defect of CellTrace rather than of the input.
    public var isDefect = false

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }

    /// A defect: an export could not point at a figure the footprint used.
    static func defect(_ message: String) -> ExportError {
        var error = ExportError("export: \(message); this is a defect of CellTrace, please report it")
        error.isDefect = true
        return error
    }
}
