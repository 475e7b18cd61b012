/// Something that happened on one ADS stream, for the node's status and the metrics.
enum ADSStreamEvent: Sendable, Equatable {
    /// A response went out: `version` is the SotW `version_info` or the delta `system_version_info`.
    case sent(typeURL: String, version: String, nonce: String, resources: Int, removed: Int)
    /// The client applied the response with this nonce.
    case acked(typeURL: String, version: String)
    /// The client rejected the response with this nonce and keeps its previous config.
    case nacked(typeURL: String, version: String, message: String)
    /// A request echoed a nonce that is not the latest one of its type: nothing to do.
    case stale(typeURL: String, nonce: String)
}

/// What a stream state machine wants done after an input: responses to write, in order, and
/// events to record.
struct ADSReaction<Response: Sendable>: Sendable {
    var responses: [Response] = []
    var events: [ADSStreamEvent] = []
}
