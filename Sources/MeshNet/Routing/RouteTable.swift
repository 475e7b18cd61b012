public import MeshModel

/// The routing decision for one route configuration: which virtual host, then which route.
///
/// Built once per snapshot (off the hot path), then only read, by every event loop: all matchers
/// are compiled here, so a request costs dictionary lookups and byte comparisons.
public final class RouteTable: Sendable {
    /// Where a request goes, as a value: the engine turns each case into an answer (404 for no
    /// virtual host or no route, as Envoy).
    public enum Outcome: Sendable {
        case route(CompiledRoute, virtualHost: CompiledVirtualHost)
        /// No virtual host serves the request's authority.
        case noVirtualHost
        /// The virtual host has no route matching the request.
        case noRoute(virtualHost: CompiledVirtualHost)
    }

    public let name: String
    public let configuration: Snapshot.RouteConfiguration
    /// In the configuration's order.
    public let virtualHosts: [CompiledVirtualHost]
    /// What the table cannot honour: regexes that do not compile (their routes never match) and
    /// domains listed by two virtual hosts (the first keeps them).
    public let problems: [String]
    let domains: DomainIndex

    public init(_ configuration: Snapshot.RouteConfiguration) {
        name = configuration.name
        self.configuration = configuration
        var problems: [String] = []
        let context = "route configuration '\(configuration.name)'"
        virtualHosts = configuration.virtualHosts.map { CompiledVirtualHost($0, context: context, problems: &problems) }
        var domainProblems: [String] = []
        domains = DomainIndex(configuration.virtualHosts, problems: &domainProblems)
        self.problems = problems + domainProblems.map { "\(context) \($0)" }
    }

    /// The virtual host serving `authority` (any case, port included if the request had one).
    public func virtualHost(for authority: String) -> CompiledVirtualHost? {
        domains.find(ASCII.lowercased(authority)).map { virtualHosts[$0] }
    }

    public func match(_ facts: RequestFacts) -> Outcome {
        guard let virtualHost = virtualHost(for: facts.authority) else { return .noVirtualHost }
        guard let route = virtualHost.route(for: facts) else { return .noRoute(virtualHost: virtualHost) }
        return .route(route, virtualHost: virtualHost)
    }
}
