/// Envoy's response flags, as its access log prints them: why the proxy answered the way it did.
struct ResponseFlags: OptionSet {
    let rawValue: UInt32

    /// NR: no route for the request.
    static let noRoute = ResponseFlags(rawValue: 1 << 0)
    /// UH: the cluster has no healthy endpoint.
    static let noHealthyUpstream = ResponseFlags(rawValue: 1 << 1)
    /// UF: connecting to the upstream failed.
    static let upstreamConnectionFailure = ResponseFlags(rawValue: 1 << 2)
    /// UT: the upstream did not answer in time.
    static let upstreamRequestTimeout = ResponseFlags(rawValue: 1 << 3)
    /// UC: the upstream closed the connection.
    static let upstreamConnectionTermination = ResponseFlags(rawValue: 1 << 4)
    /// URX: retries exhausted.
    static let upstreamRetryLimitExceeded = ResponseFlags(rawValue: 1 << 5)
    /// UO: circuit breaker overflow.
    static let upstreamOverflow = ResponseFlags(rawValue: 1 << 6)
    /// DC: the client went away.
    static let downstreamConnectionTermination = ResponseFlags(rawValue: 1 << 7)
    /// FI: fault injected (abort).
    static let faultInjected = ResponseFlags(rawValue: 1 << 8)
    /// DI: fault injected (delay).
    static let delayInjected = ResponseFlags(rawValue: 1 << 9)
    /// NC: the route names a cluster the snapshot lacks.
    static let noClusterFound = ResponseFlags(rawValue: 1 << 10)
    /// DPE: the downstream request broke the protocol or a limit.
    static let downstreamProtocolError = ResponseFlags(rawValue: 1 << 11)
    /// UPE: the upstream response broke the protocol.
    static let upstreamProtocolError = ResponseFlags(rawValue: 1 << 12)
    /// RBAC: an AuthorizationPolicy denied the request (403). Envoy records this only in
    /// `response_code_details` (`rbac_access_denied_matched_policy[…]`); meshbox names it here too.
    static let rbacAccessDenied = ResponseFlags(rawValue: 1 << 13)
    /// SI: no byte either way for the stream idle timeout (Envoy's `stream_idle_timeout`).
    static let streamIdleTimeout = ResponseFlags(rawValue: 1 << 14)

    private static let names: [(ResponseFlags, String)] = [
        (.noRoute, "NR"), (.noHealthyUpstream, "UH"), (.upstreamConnectionFailure, "UF"),
        (.upstreamRequestTimeout, "UT"), (.upstreamConnectionTermination, "UC"),
        (.upstreamRetryLimitExceeded, "URX"), (.upstreamOverflow, "UO"),
        (.downstreamConnectionTermination, "DC"), (.faultInjected, "FI"), (.delayInjected, "DI"),
        (.noClusterFound, "NC"), (.downstreamProtocolError, "DPE"), (.upstreamProtocolError, "UPE"),
        (.rbacAccessDenied, "RBAC"), (.streamIdleTimeout, "SI"),
    ]

    /// `UF,URX`, or `-` when none is set (Envoy's format).
    var text: String {
        if isEmpty { return "-" }
        return Self.names.filter { contains($0.0) }.map(\.1).joined(separator: ",")
    }
}
