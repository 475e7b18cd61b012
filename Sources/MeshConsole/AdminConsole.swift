public import Hummingbird
public import Logging
public import MeshAPI
import NIOCore
public import ServiceLifecycle

/// The console role: the admin JSON API under `/api/v1`, `/healthz`, `/readyz` and `/metrics`,
/// served over HTTP/1.1 by Hummingbird.
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

        public init(host: String = "127.0.0.1", port: Int = 15000, maxBodySize: Int = 8 << 20) {
            self.host = host
            self.port = port
            self.maxBodySize = maxBodySize
        }
    }

    let configuration: Configuration
    let config: (any ConfigAPI)?
    let registry: (any RegistryAPI)?
    let ca: (any CertificateAuthorityAPI)?
    let snapshots: (any SnapshotSource)?
    let token: AdminToken
    let metricsText: @Sendable () -> String
    let status: @Sendable () async -> ConsoleStatus
    let isReady: @Sendable () -> Bool
    let onListening: @Sendable (Int) async -> Void
    let logger: Logger

    public init(
        configuration: Configuration = Configuration(),
        config: (any ConfigAPI)?,
        registry: (any RegistryAPI)?,
        ca: (any CertificateAuthorityAPI)? = nil,
        snapshots: (any SnapshotSource)? = nil,
        token: AdminToken,
        metricsText: @escaping @Sendable () -> String,
        status: @escaping @Sendable () async -> ConsoleStatus,
        isReady: @escaping @Sendable () -> Bool,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        logger: Logger
    ) {
        self.configuration = configuration
        self.config = config
        self.registry = registry
        self.ca = ca
        self.snapshots = snapshots
        self.token = token
        self.metricsText = metricsText
        self.status = status
        self.isReady = isReady
        self.onListening = onListening
        self.logger = logger
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
