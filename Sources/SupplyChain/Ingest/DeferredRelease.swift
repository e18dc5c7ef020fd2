import Dispatch

/// Frees a batch's large structures on another thread.
///
/// A submission leaves behind its parsed document, its prepared events, its drafts and its
/// overlay: hundreds of thousands of small objects whose release would otherwise hold up the
/// caller after the batch is durable. Nothing else refers to them by then.
final class DeferredRelease: @unchecked Sendable {
    // Safety: the caller gives up the contents when it creates the box; only the worker touches
    // them afterwards.
    private var contents: Any?

    private init(_ contents: consuming Any) {
        self.contents = contents
    }

    /// Releases `contents` on a background thread.
    static func release(_ contents: consuming Any) {
        let box = DeferredRelease(contents)
        DispatchQueue.global(qos: .utility).async { box.contents = nil }
    }
}
