public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
public import MeshAPI
import NIOCore
public import ServiceLifecycle

/// The console role: the admin JSON API under `/api/v1`, `/healthz`, `/readyz`, `/metrics` and
/// the browser console (`/` and `/ui/`, see docs/console.md), served over HTTP/1.1 by Hummingbird.
///
/// Roles are injected as their contracts; a role that does not run in this process is nil and
/// its routes answer 503.
public struct AdminConsole: Service {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 binds an ephemeral port; `onListening` reports the one bound.
        public var port: Int
        /// Largest request body accepted (413 beyond).
        public var maxBodySize: Int
        /// Serve the console's files from this directory instead of the copy built into the
        /// binary (for working on them without rebuilding).
        public var webRoot: String?
        /// A console session ends this long after login at the latest…
        public var sessionTTL: Duration
        /// …or after this long without a request.
        public var sessionIdleTimeout: Duration
        /// Browsers reach the console over https through a TLS proxy (`console.behindTLSProxy`):
        /// session cookies carry `Secure` although this listener speaks plain HTTP.
        public var usesTLS: Bool
        /// Serve TLS with this certificate (nil: plain HTTP).
        public var tls: ConsoleTLS?
        /// `Host` values served besides IP literals, `localhost` and the listen address.
        public var allowedHosts: [String]
        /// Who may read `/metrics`.
        public var metricsAuth: MetricsAuth
        /// Failed admin-token attempts per client address before 429.
        public var loginThrottle: LoginThrottle.Policy
        /// A connection without a complete request part for this long is closed: idle keep-alive
        /// connections, stalled request heads and bodies, and stalled TLS handshakes alike.
        public var idleTimeout: Duration
        /// A connection's first request head must be complete this long after it is set up (TLS
        /// handshake included), else it is closed.
        public var requestHeaderTimeout: Duration
        /// Connections served at once; beyond it the listener stops accepting until one closes.
        public var maxConnections: Int

        public init(
            host: String = "127.0.0.1", port: Int = 15000, maxBodySize: Int = 8 << 20, webRoot: String? = nil,
            sessionTTL: Duration = .seconds(12 * 3600), sessionIdleTimeout: Duration = .seconds(3600),
            usesTLS: Bool = false, tls: ConsoleTLS? = nil, allowedHosts: [String] = [], metricsAuth: MetricsAuth = .token,
            loginThrottle: LoginThrottle.Policy = .init(), idleTimeout: Duration = .seconds(60),
            requestHeaderTimeout: Duration = .seconds(10), maxConnections: Int = 256
        ) {
            self.host = host
            self.port = port
            self.maxBodySize = maxBodySize
            self.webRoot = webRoot
            self.sessionTTL = sessionTTL
            self.sessionIdleTimeout = sessionIdleTimeout
            self.usesTLS = usesTLS
            self.tls = tls
            self.allowedHosts = allowedHosts
            self.metricsAuth = metricsAuth
            self.loginThrottle = loginThrottle
            self.idleTimeout = idleTimeout
            self.requestHeaderTimeout = requestHeaderTimeout
            self.maxConnections = maxConnections
        }

        /// Whether session cookies carry `Secure`: the browser talks https to this listener or to
        /// the proxy in front of it.
        var secureCookies: Bool { usesTLS || tls != nil }
    }

    let configuration: Configuration
    let config: (any ConfigAPI)?
    let registry: (any RegistryAPI)?
    let ca: (any CertificateAuthorityAPI)?
    let snapshots: (any SnapshotSource)?
    /// Explains requests against the snapshot (MeshNet's `RouteExplainer`); nil answers 503.
    let explainer: (any RequestExplainer)?
    let trafficStats: (any TrafficStatsSource)?
    let proxyStatus: (any ProxyStatusSource)?
    let xdsStatus: (any XDSStatusSource)?
    let token: AdminToken
    let metricsText: @Sendable () -> String
    let status: @Sendable () async -> ConsoleStatus
    let isReady: @Sendable () -> Bool
    let onListening: @Sendable (Int) async -> Void
    let logger: Logger
    let sessions: SessionStore
    let throttle: LoginThrottleStore
    let hosts: HostAllowList
    let assets: WebAssets

    public init(
        configuration: Configuration = Configuration(),
        config: (any ConfigAPI)?,
        registry: (any RegistryAPI)?,
        ca: (any CertificateAuthorityAPI)? = nil,
        snapshots: (any SnapshotSource)? = nil,
        explainer: (any RequestExplainer)? = nil,
        trafficStats: (any TrafficStatsSource)? = nil,
        proxyStatus: (any ProxyStatusSource)? = nil,
        xdsStatus: (any XDSStatusSource)? = nil,
        token: AdminToken,
        metricsText: @escaping @Sendable () -> String,
        status: @escaping @Sendable () async -> ConsoleStatus,
        isReady: @escaping @Sendable () -> Bool,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger
    ) {
        self.configuration = configuration
        self.config = config
        self.registry = registry
        self.ca = ca
        self.snapshots = snapshots
        self.explainer = explainer
        self.trafficStats = trafficStats
        self.proxyStatus = proxyStatus
        self.xdsStatus = xdsStatus
        self.token = token
        self.metricsText = metricsText
        self.status = status
        self.isReady = isReady
        self.onListening = onListening
        self.logger = logger
        self.sessions = SessionStore(
            ttl: configuration.sessionTTL, idleTimeout: configuration.sessionIdleTimeout, clock: clock
        )
        self.throttle = LoginThrottleStore(policy: configuration.loginThrottle, clock: clock)
        self.hosts = HostAllowList(listenHost: configuration.host, allowedHosts: configuration.allowedHosts)
        self.assets = configuration.webRoot.map { WebAssets.directory($0) } ?? .embedded
    }

    public func run() async throws {
        try await makeApplication().run()
    }

    /// The Hummingbird application behind `run()`: HTTP/1.1, over TLS when `Configuration.tls`
    /// is set, with a request-head deadline, an idle timeout and a connection cap.
    public func makeApplication() throws -> some ApplicationProtocol {
        let logger = self.logger
        let onListening = self.onListening
        let scheme = configuration.tls == nil ? "http" : "https"
        let http1Configuration = HTTP1Channel.Configuration(
            idleTimeout: TimeAmount(configuration.idleTimeout))
        let headTimeout = TimeAmount(configuration.requestHeaderTimeout)
        let http1 = HTTPServerBuilder { responder in
            RequestHeadTimeoutChannel(base: HTTP1Channel(responder: responder, configuration: http1Configuration), timeout: headTimeout)
        }
        let server = try configuration.tls.map { try HTTPServerBuilder.tls(http1, tlsConfiguration: $0.serverConfiguration()) } ?? http1
        return Application(
            router: makeRouter(),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(max(1, configuration.maxConnections), logger: logger)
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("Admin console listening", metadata: ["server.port": "\(port)", "url.scheme": "\(scheme)"])
                await onListening(port)
            },
            logger: logger
        )
    }
}
