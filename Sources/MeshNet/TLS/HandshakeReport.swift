import Synchronization

/// Per-connection note that a refusal was already reported, shared between the verification callback
/// (which runs in a task) and `PeerIdentityHandler` (on the event loop), so a refusal is reported once.
public final class HandshakeReport: Sendable {
    private let reported = Mutex(false)

    public init() {}

    func markReported() { reported.withLock { $0 = true } }

    var isReported: Bool { reported.withLock { $0 } }
}
