/// How one upstream attempt ended, as the outlier detector counts it.
public enum UpstreamOutcome: Sendable, Hashable {
    case success
    /// A response with this status from the upstream (a 5xx to count; any other status counts as success).
    case httpError(status: Int)
    /// The TCP (or TLS) connection to the endpoint could not be made.
    case connectFailure
    /// The upstream reset or closed the connection before a complete response.
    case reset
    /// No response within the route's timeout.
    case timeout

    /// Envoy's "gateway errors": 502, 503 and 504 responses, and the failures the proxy itself
    /// observes (connect failure, reset, timeout), which Envoy reports as 503 or 504.
    public var isGatewayError: Bool {
        switch self {
        case .success: false
        case .httpError(let status): status == 502 || status == 503 || status == 504
        case .connectFailure, .reset, .timeout: true
        }
    }

    /// Any 5xx response, plus the locally observed failures: with external and local origin errors not
    /// split (Envoy's and Istio's default), Envoy counts those towards consecutive 5xx too.
    public var is5xx: Bool {
        switch self {
        case .success: false
        case .httpError(let status): (500..<600).contains(status)
        case .connectFailure, .reset, .timeout: true
        }
    }
}
