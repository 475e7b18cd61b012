import Logging
import MeshAPI
import MeshConsole
import ServiceLifecycle

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

    /// Runs a console until `body` returns, then shuts it down gracefully, as meshbox does (a
    /// console that has not stopped 10 s later is cancelled); a console that fails to start fails
    /// the test instead of hanging it.
    ///
    /// Not by cancelling at once: cancelling a NIO async server while it holds an accepted
    /// connection it has not handed out yet traps in NIO ("Deinited NIOAsyncWriter without
    /// calling finish()", apple/swift-nio#3481), which took a whole test run down once.
    static func with<Result: Sendable>(
        config: (any ConfigAPI)? = nil,
        registry: (any RegistryAPI)? = nil,
        ca: (any CertificateAuthorityAPI)? = nil,
        snapshots: (any SnapshotSource)? = nil,
        explainer: (any RequestExplainer)? = nil,
        trafficStats: (any TrafficStatsSource)? = nil,
        ready: Bool = true,
        metricsText: String = ConsoleHarness.metricsText,
        maxBodySize: Int = 8 << 20,
        usesTLS: Bool = false,
        webRoot: String? = nil,
        sessionTTL: Duration = .seconds(3600),
        sessionIdleTimeout: Duration = .seconds(600),
        clock: any Clock<Duration> = ContinuousClock(),
        adjust: (inout AdminConsole.Configuration) -> Void = { _ in },
        _ body: @Sendable (ConsoleHarness) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "meshbox.console.test")
        // Only what a failing test needs: the expectations report real failures.
        logger.logLevel = .critical
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var configuration = AdminConsole.Configuration(
            host: "127.0.0.1", port: 0, maxBodySize: maxBodySize, webRoot: webRoot, sessionTTL: sessionTTL,
            sessionIdleTimeout: sessionIdleTimeout, usesTLS: usesTLS
        )
        adjust(&configuration)
        let console = AdminConsole(
            configuration: configuration,
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
        let services = ServiceGroup(configuration: .init(services: [.init(service: console)], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await services.run()
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                try await group.next()
                throw TestHTTPClient.Failure(description: "the console stopped before listening")
            }
            let outcome: Swift.Result<Result, any Error>
            do {
                outcome = .success(try await body(ConsoleHarness(port: port)))
            } catch {
                outcome = .failure(error)
            }
            await services.triggerGracefulShutdown()
            group.addTask { try await Task.sleep(for: .seconds(10)) }
            _ = try? await group.next()  // the console stopped, or the grace period ran out
            return try outcome.get()
        }
    }
}
