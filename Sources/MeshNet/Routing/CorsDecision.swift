public import NIOHTTP1

/// What a route's CORS policy asks of the proxy for one request: a value, so the engine decides
/// how to answer and the policy stays testable without a channel.
public struct CorsDecision: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Not a CORS request, or its origin is not allowed: forward it and add nothing.
        case passThrough
        /// An allowed preflight: answer 200 with `headers` at once, without going upstream.
        case answerPreflight
        /// An allowed actual request: forward it and add `headers` to the upstream's response.
        case addToResponse
    }

    public var action: Action
    public var headers: HTTPHeaders

    public init(action: Action, headers: HTTPHeaders = HTTPHeaders()) {
        self.action = action
        self.headers = headers
    }

    /// Nothing to do.
    public static let passThrough = CorsDecision(action: .passThrough)

    /// The status of the preflight answer, as Envoy's CORS filter sends.
    public static let preflightStatus: HTTPResponseStatus = .ok
}
