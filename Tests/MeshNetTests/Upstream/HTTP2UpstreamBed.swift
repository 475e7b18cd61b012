import Foundation
import Logging
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix

/// A `DataPlane` on 127.0.0.1 with one HTTP listener routing everything to cluster `app` (round
/// robin), whose endpoints are the tests' backends. The data plane runs on one event loop, so one
/// cluster pool serves every client connection and connection counts are exact.
final class HTTP2UpstreamBed: Sendable {
    static let serviceHost = "app.default.svc.cluster.local"
    static let clusterName = Snapshot.Cluster.name(host: serviceHost, port: 80, subset: nil)

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// For the backends and the clients.
    let clients = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let directory: TemporaryDirectory
    let accessLogPath: String
    let plane: DataPlane
    let port: Int

    init() throws {
        directory = try TemporaryDirectory(prefix: "meshbox-upstream-h2")
        accessLogPath = directory.path + "/access.log"
        var settings = ProxySettings()
        settings.drainTimeout = .milliseconds(300)
        plane = DataPlane(
            group: group,
            settings: settings,
            accessLog: try AccessLogTarget(path: accessLogPath),
            logger: Logger(label: "test.upstream-h2")
        )
        port = try FreePort.take()
    }

    /// The cluster's settings beyond its endpoints.
    struct Options {
        var http2 = true
        var tls: Snapshot.UpstreamTLS?
        var secrets: [Snapshot.SecretReference] = []
        var retry: Snapshot.RetryPolicy?
        var circuitBreakers: Snapshot.CircuitBreakers?
        var maxRequestsPerConnection: UInt32?
        var idleTimeout: Duration?
        var useClientProtocol = false
        var maxConcurrentStreams: UInt32?
        var maxConnectionDuration: Duration?
    }

    @discardableResult
    func apply(_ options: Options = Options(), backends: [Int], version: UInt64 = 1) async -> DataPlane.ApplyReport {
        var cluster = Snapshot.Cluster(
            name: Self.clusterName,
            serviceHost: Self.serviceHost,
            port: 80,
            lbPolicy: .roundRobin,
            connectTimeout: .seconds(5),
            circuitBreakers: options.circuitBreakers,
            maxRequestsPerConnection: options.maxRequestsPerConnection,
            idleTimeout: options.idleTimeout,
            http2: options.http2,
            upstreamTLS: options.tls,
            useClientProtocol: options.useClientProtocol,
            maxConcurrentStreams: options.maxConcurrentStreams
        )
        cluster.maxConnectionDuration = options.maxConnectionDuration
        let action = Snapshot.RouteAction(
            weightedClusters: [.init(name: Self.clusterName, weight: 100)],
            timeout: .seconds(15),
            retryPolicy: options.retry
        )
        let route = Snapshot.Route(name: "default/app/0", match: .all, action: .route(action))
        let snapshot = Snapshot(
            version: version,
            listeners: [
                .init(
                    name: "listener",
                    address: "127.0.0.1",
                    port: UInt32(port),
                    protocol: .http,
                    filterChains: [.init(name: "http", destination: .http(routeConfigurationName: "http.\(port)"))]
                )
            ],
            routeConfigurations: [
                .init(name: "http.\(port)", virtualHosts: [.init(name: "app", domains: ["*"], routes: [route])])
            ],
            clusters: [cluster],
            endpoints: [
                .init(
                    clusterName: Self.clusterName,
                    endpoints: backends.map {
                        .init(address: "127.0.0.1", port: UInt32($0), health: .healthy, instanceID: "default/app/\($0)")
                    }
                )
            ],
            secrets: options.secrets
        )
        return await plane.apply(snapshot)
    }

    func get(_ path: String = "/", headers: [(String, String)] = []) async throws -> ProxyClient.Response {
        try await ProxyClient.request(
            port: port,
            "GET",
            path,
            host: "app.example.com",
            headers: headers,
            group: clients
        )
    }

    /// `count` requests at once, each on its own client connection, held `delayMs` by the backend.
    func concurrent(_ count: Int, delayMs: Int) async throws -> [ProxyClient.Response] {
        try await concurrent(count, headers: [("x-delay-ms", String(delayMs))])
    }

    /// `count` requests at once, each on its own client connection, with `headers`.
    func concurrent(_ count: Int, headers: [(String, String)]) async throws -> [ProxyClient.Response] {
        try await withThrowingTaskGroup(of: ProxyClient.Response.self) { tasks in
            for index in 0..<count {
                tasks.addTask { try await self.get("/r\(index)", headers: headers) }
            }
            var responses: [ProxyClient.Response] = []
            for try await response in tasks { responses.append(response) }
            return responses
        }
    }

    /// The access log's lines so far.
    var accessLog: [String] {
        ((try? String(contentsOfFile: accessLogPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func shutdown(_ backends: [HTTP2TestBackend] = []) async {
        for backend in backends { await backend.kill() }
        await plane.shutdown()
        try? await group.shutdownGracefully()
        try? await clients.shutdownGracefully()
        directory.remove()
    }
}
