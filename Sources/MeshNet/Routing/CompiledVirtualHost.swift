public import MeshModel

/// A virtual host with its routes compiled, in order. Immutable and shared by every event loop.
public final class CompiledVirtualHost: Sendable {
    public let virtualHost: Snapshot.VirtualHost
    public let routes: [CompiledRoute]

    public convenience init(_ virtualHost: Snapshot.VirtualHost) {
        var problems: [String] = []
        self.init(virtualHost, context: "", problems: &problems)
    }

    init(_ virtualHost: Snapshot.VirtualHost, context: String, problems: inout [String]) {
        self.virtualHost = virtualHost
        let context =
            context.isEmpty ? "virtual host '\(virtualHost.name)'" : "\(context) virtual host '\(virtualHost.name)'"
        routes = virtualHost.routes.map { CompiledRoute($0, context: context, problems: &problems) }
    }

    public var name: String { virtualHost.name }

    /// The first route that matches, as Envoy: order is the configuration's, not specificity.
    public func route(for facts: RequestFacts) -> CompiledRoute? {
        for route in routes where route.matches(facts) { return route }
        return nil
    }

    /// Where to send a plain-HTTP request when the virtual host requires TLS (Envoy's
    /// `require_tls: ALL`, answered with 301); nil when TLS is not required or already used.
    public func tlsRedirectLocation(_ facts: RequestFacts) -> String? {
        guard virtualHost.requireTLS, facts.scheme != "https" else { return nil }
        return Snapshot.RedirectAction(scheme: "https").location(for: facts)
    }
}
