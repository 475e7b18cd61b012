extension Snapshot {
    /// The routes of an HTTP filter chain, fetched by name (xDS `RouteConfiguration`, via RDS).
    public struct RouteConfiguration: Sendable, Hashable, Codable {
        /// `http.8080` for the plain HTTP servers of a port, `https.443.<server>.<gateway>.<namespace>`
        /// for a TLS-terminating server.
        public var name: String
        /// Sorted by name. Each domain appears in one virtual host only, and `*` at most once.
        public var virtualHosts: [VirtualHost]

        public init(name: String, virtualHosts: [VirtualHost]) {
            self.name = name
            self.virtualHosts = virtualHosts
        }
    }

    /// The routes for a set of domains (xDS `VirtualHost`).
    ///
    /// Domain matching follows Envoy: an exact name first, then the longest `*.suffix`, then the
    /// longest `prefix.*`, then `*`. A request whose Host carries a port (`a.com:8080`) matches
    /// only a domain written with that port, so each host is listed with and without the port.
    public struct VirtualHost: Sendable, Hashable, Codable {
        /// `<host>:<port>` like Istio.
        public var name: String
        public var domains: [String]
        /// Routes in order; the first that matches wins.
        public var routes: [Route]
        /// Plain-HTTP requests are redirected to HTTPS (Istio's `httpsRedirect`, xDS `require_tls: ALL`).
        public var requireTLS: Bool

        public init(name: String, domains: [String], routes: [Route], requireTLS: Bool = false) {
            self.name = name
            self.domains = domains
            self.routes = routes
            self.requireTLS = requireTLS
        }
    }
}
