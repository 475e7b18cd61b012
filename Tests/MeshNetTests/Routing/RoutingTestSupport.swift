import MeshModel
import MeshNet
import NIOHTTP1
import Testing

/// The namespace of every routing suite, so `swift test --filter Routing` runs exactly them.
@Suite("Routing")
enum RoutingTests {}

/// A tiny deterministic generator (SplitMix64), so distributions are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Counts how often it was asked for a number, to prove a path draws none.
struct CountingGenerator: RandomNumberGenerator {
    var inner = SplitMix64(seed: 1)
    var draws = 0

    mutating func next() -> UInt64 {
        draws += 1
        return inner.next()
    }
}

/// Request facts for a test, with Host `example.com` unless told otherwise.
func makeFacts(
    _ uri: String = "/",
    host: String? = "example.com",
    method: HTTPMethod = .GET,
    headers: [(String, String)] = [],
    scheme: String = "http",
    listenerPort: Int = 80,
    sourceAddress: String? = nil
) -> RequestFacts {
    var fields = HTTPHeaders()
    if let host { fields.add(name: "Host", value: host) }
    for (name, value) in headers { fields.add(name: name, value: value) }
    let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: fields)
    return RequestFacts(head: head, scheme: scheme, listenerPort: listenerPort, sourceAddress: sourceAddress)
}

/// A forwarding route to one cluster.
func makeRoute(
    _ name: String = "r",
    match: Snapshot.RouteMatch = .all,
    cluster: String = "backend",
    prefixRewrite: String? = nil,
    regexRewrite: Snapshot.RegexRewrite? = nil
) -> Snapshot.Route {
    Snapshot.Route(
        name: name,
        match: match,
        action: .route(
            Snapshot.RouteAction(
                weightedClusters: [Snapshot.WeightedCluster(name: cluster, weight: 100)],
                prefixRewrite: prefixRewrite,
                regexRewrite: regexRewrite
            )
        )
    )
}

/// The name of the route an outcome chose, or a word for the other outcomes.
func describe(_ outcome: RouteTable.Outcome) -> String {
    switch outcome {
    case .route(let route, let virtualHost): "\(virtualHost.name)/\(route.route.name)"
    case .noVirtualHost: "no virtual host"
    case .noRoute(let virtualHost): "\(virtualHost.name)/no route"
    }
}
