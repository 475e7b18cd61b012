/// What an inbound side or a gateway knows about one request when it enforces `AuthorizationPolicy`.
///
/// HTTP attributes (`method`, `path`, `host`, `headers`) are nil for a TCP connection; a policy
/// field that needs them then follows Istio's TCP rule (see `AuthorizationEvaluator`).
public struct AuthorizationRequest: Sendable, Hashable, Codable {
    /// Namespace of the workload (or gateway) enforcing the policy.
    public var workloadNamespace: String
    /// Labels of that workload, matched against `spec.selector.matchLabels`.
    public var workloadLabels: [String: String]
    /// The peer's SPIFFE ID without `spiffe://` (`cluster.local/ns/default/sa/web`); nil without mutual TLS.
    public var sourcePrincipal: String?
    /// The peer's namespace; derived from `sourcePrincipal` (`…/ns/<namespace>/…`) when not given.
    public var sourceNamespace: String?
    /// The address of the connection's peer.
    public var sourceIP: String?
    /// The original client address (from `X-Forwarded-For` per the gateway's trust settings); `sourceIP` when nil.
    public var remoteIP: String?
    public var destinationIP: String?
    public var destinationPort: Int?
    /// The HTTP `Host`/`:authority` (a port suffix is ignored when matching), or nil for TCP.
    public var host: String?
    public var method: String?
    /// The request path; a query string is ignored when matching, as Istio matches the URL path.
    public var path: String?
    /// Header values by lower-cased name.
    public var headers: [String: String]
    /// The TLS server name the client asked for, if any.
    public var serverName: String?
    /// The verified JWT's `iss/sub` (RequestAuthentication); nil without a token.
    public var requestPrincipal: String?
    /// The verified JWT's claims (`aud`, `azp` and the rest), read by `request.auth.*` conditions.
    public var requestClaims: JSONValue?

    public init(
        workloadNamespace: String,
        workloadLabels: [String: String] = [:],
        sourcePrincipal: String? = nil,
        sourceNamespace: String? = nil,
        sourceIP: String? = nil,
        remoteIP: String? = nil,
        destinationIP: String? = nil,
        destinationPort: Int? = nil,
        host: String? = nil,
        method: String? = nil,
        path: String? = nil,
        headers: [String: String] = [:],
        serverName: String? = nil,
        requestPrincipal: String? = nil,
        requestClaims: JSONValue? = nil
    ) {
        self.workloadNamespace = workloadNamespace
        self.workloadLabels = workloadLabels
        let principal = sourcePrincipal.map { $0.hasPrefix("spiffe://") ? String($0.dropFirst(9)) : $0 }
        self.sourcePrincipal = principal
        self.sourceNamespace = sourceNamespace ?? principal.flatMap(AuthorizationRequest.namespace(ofPrincipal:))
        self.sourceIP = sourceIP
        self.remoteIP = remoteIP ?? sourceIP
        self.destinationIP = destinationIP
        self.destinationPort = destinationPort
        self.host = host
        self.method = method
        self.path = path
        self.headers = Dictionary(
            headers.map { ($0.key.lowercased(), $0.value) },
            uniquingKeysWith: { first, _ in first }
        )
        self.serverName = serverName
        self.requestPrincipal = requestPrincipal
        self.requestClaims = requestClaims
    }

    /// The strings a `request.auth.claims[a][b]` condition compares: a string claim, each string of
    /// a list, a boolean's or integer's text.
    public func claimValues(_ names: [String]) -> [String] {
        var value = requestClaims
        for name in names { value = value?[name] }
        switch value {
        case .string(let text)?: return [text]
        case .array(let values)?: return values.compactMap(\.stringValue)
        case .bool(let flag)?: return [flag ? "true" : "false"]
        case .int(let number)?: return [String(number)]
        default: return []
        }
    }

    /// Whether HTTP attributes are known; false for a plain TCP connection.
    public var isHTTP: Bool { method != nil || path != nil || host != nil }

    /// `<trust domain>/ns/<namespace>/sa/<account>` → namespace.
    static func namespace(ofPrincipal principal: String) -> String? {
        let parts = principal.split(separator: "/", omittingEmptySubsequences: false)
        guard let index = parts.firstIndex(of: "ns"), index + 1 < parts.count, !parts[index + 1].isEmpty else {
            return nil
        }
        return String(parts[index + 1])
    }
}
