public import Hummingbird
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
    public struct Configuration: Sendable, Hashable {
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
        /// Whether the listener speaks TLS; session cookies then carry `Secure`.
        public var usesTLS: Bool

        public init(
            host: String = "127.0.0.1", port: Int = 15000, maxBodySize: Int = 8 << 20, webRoot: String? = nil,
            sessionTTL: Duration = .seconds(12 * 3600), sessionIdleTimeout: Duration = .seconds(3600),
            usesTLS: Bool = false
        ) {
            self.host = host
            self.port = port
            self.maxBodySize = maxBodySize
            self.webRoot = webRoot
            self.sessionTTL = sessionTTL
            self.sessionIdleTimeout = sessionIdleTimeout
            self.usesTLS = usesTLS
        }
    }

    let configuration: Configuration
    let config: (any ConfigAPI)?
    let registry: (any RegistryAPI)?
    let ca: (any CertificateAuthorityAPI)?
    let snapshots: (any SnapshotSource)?
    /// Explains requests against the snapshot (MeshNet's `RouteExplainer`); nil answers 503.
    let explainer: (any RequestExplainer)?
    let trafficStats: (any TrafficStatsSource)?
    let token: AdminToken
    let metricsText: @Sendable () -> String
    let status: @Sendable () async -> ConsoleStatus
    let isReady: @Sendable () -> Bool
    let onListening: @Sendable (Int) async -> Void
    let logger: Logger
    let sessions: SessionStore
    let assets: WebAssets

    public init(
        configuration: Configuration = Configuration(),
        config: (any ConfigAPI)?,
        registry: (any RegistryAPI)?,
        ca: (any CertificateAuthorityAPI)? = nil,
        snapshots: (any SnapshotSource)? = nil,
        explainer: (any RequestExplainer)? = nil,
        trafficStats: (any TrafficStatsSource)? = nil,
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
        self.token = token
        self.metricsText = metricsText
        self.status = status
        self.isReady = isReady
        self.onListening = onListening
        self.logger = logger
        self.sessions = SessionStore(
            ttl: configuration.sessionTTL, idleTimeout: configuration.sessionIdleTimeout, clock: clock
        )
        self.assets = configuration.webRoot.map { WebAssets.directory($0) } ?? .embedded
    }

    public func run() async throws {
        try await makeApplication().run()
    }

    /// The Hummingbird application behind `run()`; public so that tests can drive it with
    /// HummingbirdTesting (`.router` in memory, `.live` on 127.0.0.1 port 0).
    public func makeApplication() -> some ApplicationProtocol {
        let logger = self.logger
        let onListening = self.onListening
        return Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("Admin console listening", metadata: ["server.port": "\(port)"])
                await onListening(port)
            },
            logger: logger
        )
    }
}
