public import MeshModel

/// What the data plane would do with one request, and why, step by step: the answer of
/// `RequestExplainer.explain`. A value, never a throw: "no route" is an answer too.
public struct Explanation: Sendable, Hashable, Codable {
    /// How the request ends.
    public enum Verdict: String, Sendable, Hashable, Codable {
        /// Sent to an endpoint of a destination cluster.
        case forwarded
        /// Answered with a redirect by the route.
        case redirected
        /// Answered by the route itself (`directResponse`).
        case directResponse
        /// Plain HTTP to a virtual host that requires TLS: 301 to https.
        case tlsRedirect
        /// A CORS preflight answered by the gateway.
        case corsPreflight
        /// A TLS listener's connection relayed to a TCP cluster (no HTTP routing).
        case tcpProxied
        /// No listener on that port or name: the connection is refused.
        case noListener
        /// No filter chain takes the connection's SNI: the connection is closed.
        case noFilterChain
        /// 404: no virtual host serves the host.
        case noVirtualHost
        /// 404: the virtual host has no matching route.
        case noRoute
        /// 503: the route's cluster is not in the snapshot.
        case noCluster
        /// 503: the picked cluster has no healthy endpoint.
        case noHealthyEndpoint
        /// 403: AuthorizationPolicy denies the request.
        case denied
    }

    /// One decision on the way, in the order the data plane takes them.
    public struct Step: Sendable, Hashable, Codable {
        /// `listener`, `filter chain`, `virtual host`, `route`, `action`, `destination`, `authorization`.
        public var stage: String
        /// Whether this step let the request through.
        public var passed: Bool
        public var text: String

        public init(stage: String, passed: Bool, text: String) {
            self.stage = stage
            self.passed = passed
            self.text = text
        }
    }

    public struct VirtualHost: Sendable, Hashable, Codable {
        public var name: String
        public var domains: [String]
        public var requireTLS: Bool

        public init(name: String, domains: [String], requireTLS: Bool) {
            self.name = name
            self.domains = domains
            self.requireTLS = requireTLS
        }
    }

    /// The route that matched: its position in the virtual host and what it does.
    public struct MatchedRoute: Sendable, Hashable, Codable {
        /// 0-based, in the virtual host's order (first match wins).
        public var index: Int
        public var summary: RouteSummary

        public init(index: Int, summary: RouteSummary) {
            self.index = index
            self.summary = summary
        }
    }

    /// The request as the upstream would get it, after the route's rewrites.
    public struct UpstreamRequest: Sendable, Hashable, Codable {
        public var path: String
        public var authority: String

        public init(path: String, authority: String) {
            self.path = path
            self.authority = authority
        }
    }

    /// One destination cluster of the route (or TCP chain) with its endpoints.
    public struct Destination: Sendable, Hashable, Codable {
        public var split: WeightedClusterSummary
        /// False when the snapshot has no such cluster (the data plane answers 503).
        public var exists: Bool
        /// `ROUND_ROBIN`, `LEAST_REQUEST`, `RANDOM`, `RING_HASH`, `MAGLEV`.
        public var loadBalancer: String?
        public var endpoints: [Endpoint]
        /// How many endpoints get traffic (the healthy ones).
        public var healthyEndpoints: Int

        public init(split: WeightedClusterSummary, exists: Bool, loadBalancer: String?, endpoints: [Endpoint]) {
            self.split = split
            self.exists = exists
            self.loadBalancer = loadBalancer
            self.endpoints = endpoints
            self.healthyEndpoints = endpoints.filter(\.receivesTraffic).count
        }
    }

    public struct Endpoint: Sendable, Hashable, Codable {
        public var address: String
        public var port: UInt32
        public var weight: UInt32
        public var health: Snapshot.EndpointHealth
        /// Only healthy endpoints are balanced over; the others are listed to say why not.
        public var receivesTraffic: Bool
        public var labels: [String: String]
        public var instanceID: String

        public init(_ endpoint: Snapshot.LbEndpoint) {
            address = endpoint.address
            port = endpoint.port
            weight = endpoint.weight
            health = endpoint.health
            receivesTraffic = endpoint.health == .healthy
            labels = endpoint.labels
            instanceID = endpoint.instanceID
        }
    }

    /// The AuthorizationPolicy decision for the request at the gateway.
    public struct Authorization: Sendable, Hashable, Codable {
        /// nil when no decision could be made (the policies could not be read).
        public var decision: AuthorizationDecision?
        /// The workload the policies were selected for: the gateway's namespace and labels.
        public var workloadNamespace: String
        public var workloadLabels: [String: String]
        /// How that identity was chosen (which Gateway resource, or the request's override).
        public var identity: String
        /// AuthorizationPolicy resources considered (before selection by namespace and labels).
        public var policiesConsidered: Int

        public init(
            decision: AuthorizationDecision?,
            workloadNamespace: String,
            workloadLabels: [String: String],
            identity: String,
            policiesConsidered: Int
        ) {
            self.decision = decision
            self.workloadNamespace = workloadNamespace
            self.workloadLabels = workloadLabels
            self.identity = identity
            self.policiesConsidered = policiesConsidered
        }
    }

    public var snapshotVersion: UInt64
    public var verdict: Verdict
    /// The status the data plane answers by itself; nil when an upstream answers (or no HTTP).
    public var status: Int?
    /// One sentence for people.
    public var summary: String
    public var steps: [Step]
    public var listener: ListenerSummary?
    public var filterChain: FilterChainSummary?
    public var routeConfiguration: String?
    public var virtualHost: VirtualHost?
    public var route: MatchedRoute?
    public var upstreamRequest: UpstreamRequest?
    /// The `Location` of a redirect.
    public var location: String?
    public var destinations: [Destination]
    public var authorization: Authorization?

    public init(snapshotVersion: UInt64, verdict: Verdict, summary: String) {
        self.snapshotVersion = snapshotVersion
        self.verdict = verdict
        self.summary = summary
        self.steps = []
        self.destinations = []
    }
}

/// Explains requests against a snapshot with the data plane's own routing code (MeshNet's
/// `RouteExplainer`); injected into the console, which does not link the engine.
public protocol RequestExplainer: Sendable {
    /// - Parameters:
    ///   - policies: the AuthorizationPolicy resources to evaluate (others are ignored).
    ///   - gateways: the Gateway resources, to find the gateway workload's namespace and labels.
    func explain(_ request: ExplainRequest, in snapshot: Snapshot, policies: [Resource], gateways: [Resource])
        -> Explanation
}
