import Logging
import MeshAPI
import MeshConsole

/// A running `AdminConsole` on 127.0.0.1, port 0, with fakes behind it.
struct ConsoleHarness: Sendable {
    static let secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    static let metricsText = "# TYPE meshbox_test_total counter\nmeshbox_test_total 1\n"
    static let status = ConsoleStatus(version: "0.0.0-test", roles: ["config", "console"], uptimeSeconds: 12.5, configRevision: 3)

    let port: Int

    /// Sends a request with the right token unless `token` says otherwise (nil: no header).
    func send(
        _ method: String, _ path: String, body: String = "", token: String? = ConsoleHarness.secret,
        headers: [String: String] = [:]
    ) async throws -> HTTPReply {
        var headers = headers
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return try await TestHTTPClient.request(port: port, method, path, headers: headers, body: body)
    }

    /// Runs a console until `body` returns. The console is cancelled afterwards; a console that
    /// fails to start fails the test instead of hanging it.
    static func with<Result: Sendable>(
        config: (any ConfigAPI)? = nil,
        registry: (any RegistryAPI)? = nil,
        ca: (any CertificateAuthorityAPI)? = nil,
        snapshots: (any SnapshotSource)? = nil,
        explainer: (any RequestExplainer)? = nil,
        trafficStats: (any TrafficStatsSource)? = nil,
        ready: Bool = true,
        maxBodySize: Int = 8 << 20,
        usesTLS: Bool = false,
        webRoot: String? = nil,
        sessionTTL: Duration = .seconds(3600),
        sessionIdleTimeout: Duration = .seconds(600),
        clock: any Clock<Duration> = ContinuousClock(),
        _ body: @Sendable (ConsoleHarness) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "meshbox.console.test")
        // Stopping by task cancellation (the test target has no ServiceLifecycle to shut down
        // gracefully) makes Hummingbird log errors; the expectations report real failures.
        logger.logLevel = .critical
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let console = AdminConsole(
            configuration: .init(
                host: "127.0.0.1", port: 0, maxBodySize: maxBodySize, webRoot: webRoot, sessionTTL: sessionTTL,
                sessionIdleTimeout: sessionIdleTimeout, usesTLS: usesTLS
            ),
            config: config,
            registry: registry,
            ca: ca,
            snapshots: snapshots,
            explainer: explainer,
            trafficStats: trafficStats,
            token: AdminToken(secret: secret, path: "/nonexistent/admin-token"),
            metricsText: { metricsText },
            status: { status },
            isReady: { ready },
            onListening: { port in
                portContinuation.yield(port)
                portContinuation.finish()
            },
            clock: clock,
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await console.run()
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                try await group.next()
                throw TestHTTPClient.Failure(description: "the console stopped before listening")
            }
            return try await body(ConsoleHarness(port: port))
        }
    }
}
