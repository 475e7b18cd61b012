import Foundation
public import MeshModel
public import NIOCore

/// One route of a virtual host, prepared at table construction so that a request pays only for
/// byte comparisons: matchers compiled, cluster weights accumulated, the rewrite parsed, the direct
/// response body in a `ByteBuffer`. Immutable and shared by every event loop.
public final class CompiledRoute: Sendable {
    public let route: Snapshot.Route
    /// The forwarding action, nil for redirects and direct responses.
    public let routeAction: Snapshot.RouteAction?
    /// The redirect action, nil for the other actions.
    public let redirect: Snapshot.RedirectAction?
    /// The status of a redirect or a direct response; nil for forwarding routes.
    public let responseCode: Int?
    /// The body of a direct response, ready to write; nil when there is none.
    public let directResponseBody: ByteBuffer?
    /// The route's CORS policy with its origin matchers compiled.
    public let cors: CompiledCorsPolicy?

    let path: CompiledPathMatcher
    let headers: [CompiledHeaderMatcher]
    let queryParameters: [CompiledQueryParameterMatcher]
    /// A regex of this route does not compile, so it matches nothing (reported by the table).
    let isBroken: Bool
    /// Clusters with a weight above 0, and the running sum of their weights.
    let clusters: [Snapshot.WeightedCluster]
    let cumulativeWeights: [UInt64]
    let rewrite: PathRewrite?
    /// Responses on this route are edited: header rules of the route or of a cluster, or
    /// compression. Without, the proxy forwards an HTTP/1 response head as it arrived.
    let editsResponses: Bool
    /// Requests on this route are edited by header rules (the route's or a cluster's): without,
    /// the proxy forwards the client's field lines as they arrived.
    let editsRequests: Bool

    /// Compiles `route`; what cannot be honoured is appended to `problems`, prefixed by `context`.
    public convenience init(_ route: Snapshot.Route, context: String = "") {
        var problems: [String] = []
        self.init(route, context: context, problems: &problems)
    }

    init(_ route: Snapshot.Route, context: String, problems: inout [String]) {
        let context = context.isEmpty ? "route '\(route.name)'" : "\(context) route '\(route.name)'"
        self.route = route
        let match = route.match
        path = CompiledPathMatcher(
            match.path,
            caseSensitive: match.caseSensitive,
            context: context,
            problems: &problems
        )
        headers = match.headers.map { CompiledHeaderMatcher($0, context: context, problems: &problems) }
        queryParameters = match.queryParameters.map {
            CompiledQueryParameterMatcher($0, context: context, problems: &problems)
        }
        var broken: Bool
        if case .never = path.kind { broken = true } else { broken = false }
        broken = broken || headers.contains { $0.isBroken } || queryParameters.contains { $0.isBroken }

        var routeAction: Snapshot.RouteAction?
        var redirect: Snapshot.RedirectAction?
        var responseCode: Int?
        var body: ByteBuffer?
        switch route.action {
        case .route(let action):
            routeAction = action
        case .redirect(let action):
            redirect = action
            responseCode = Int(action.responseCode)
        case .directResponse(let action):
            responseCode = Int(action.status)
            body = action.body.map { ByteBuffer(bytes: $0) }
        }
        self.routeAction = routeAction
        self.redirect = redirect
        self.responseCode = responseCode
        self.directResponseBody = body
        cors = routeAction?.cors.map { CompiledCorsPolicy($0, context: context, problems: &problems) }

        let weighted = (routeAction?.weightedClusters ?? []).filter { $0.weight > 0 }
        var running: UInt64 = 0
        clusters = weighted
        cumulativeWeights = weighted.map {
            running += UInt64($0.weight)
            return running
        }
        if let routeAction {
            let countBefore = problems.count
            rewrite = PathRewrite(routeAction, path: match.path, context: context, problems: &problems)
            broken = broken || problems.count > countBefore
        } else {
            rewrite = nil
        }
        isBroken = broken
        let responseRules: (Snapshot.HeaderMutations) -> Bool = {
            !$0.responseHeadersToAdd.isEmpty || !$0.responseHeadersToRemove.isEmpty
        }
        editsResponses = responseRules(route.headers) || weighted.contains { responseRules($0.headers) }
            || route.compression != nil
        let requestRules: (Snapshot.HeaderMutations) -> Bool = {
            !$0.requestHeadersToAdd.isEmpty || !$0.requestHeadersToRemove.isEmpty
        }
        editsRequests = requestRules(route.headers) || weighted.contains { requestRules($0.headers) }
    }

    /// Whether `facts` satisfies the path, every header and every query parameter condition.
    public func matches(_ facts: RequestFacts) -> Bool {
        guard !isBroken, path.matches(facts.path) else { return false }
        for header in headers where !header.matches(facts) { return false }
        for parameter in queryParameters where !parameter.matches(facts) { return false }
        return true
    }

    /// The upstream cluster for one request: a weighted choice, nil when no cluster has a weight.
    /// Draws one random number only when more than one cluster has a weight.
    public func pickCluster<G: RandomNumberGenerator>(using generator: inout G) -> Snapshot.WeightedCluster? {
        pickClusterIndex(using: &generator).map { clusters[$0] }
    }

    /// `pickCluster` as an index into `clusters`: the proxy reads the fields it needs in place
    /// rather than copying the cluster (its name and header mutations) per request.
    func pickClusterIndex<G: RandomNumberGenerator>(using generator: inout G) -> Int? {
        switch clusters.count {
        case 0: return nil
        case 1: return 0
        default:
            let draw = generator.next(upperBound: cumulativeWeights[cumulativeWeights.count - 1])
            for index in cumulativeWeights.indices where draw < cumulativeWeights[index] {
                return index
            }
            return clusters.count - 1
        }
    }

    /// The path (with the original query) to send upstream; nil when the route does not rewrite it.
    public func rewrittenPath(_ facts: RequestFacts) -> String? {
        rewrite?.apply(path: facts.path, query: facts.query)
    }

    /// The Host/`:authority` to send upstream instead of the request's; nil to keep it.
    public var hostRewrite: String? { routeAction?.hostRewrite }

    /// The `Location` of a redirect route's answer (see `Snapshot.RedirectAction.location(for:)`).
    /// For other routes the request's own URL, as an empty redirect action would give.
    public func redirectLocation(_ facts: RequestFacts) -> String {
        (redirect ?? Snapshot.RedirectAction()).location(for: facts)
    }
}
