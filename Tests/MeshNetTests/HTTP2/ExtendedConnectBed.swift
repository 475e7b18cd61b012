import Foundation
import Logging
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import NIOSSL

/// A `DataPlane` with an h2c listener (`port`) and an HTTPS listener offering `h2` (`tlsPort`),
/// both routing by path prefix to real backends:
/// `/ws` → a WebSocket echo server, `/refused` → 403, `/plain` → 200 (no upgrade),
/// `/bad-accept` → a 101 with a wrong `Sec-WebSocket-Accept`, anything else → an HTTP backend.
/// The `/ws` route adds `x-route: ws` to responses, `/refused` adds `x-gateway: meshbox` to requests;
/// on the h2c listener an AuthorizationPolicy denies `GET /ws/private*`.
final class ExtendedConnectBed: Sendable {
    static let authority = "app.example.com"

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let pki: TestPKI.Authority
    let directory: TemporaryDirectory
    let accessLogPath: String
    let plane: DataPlane
    let port: Int
    let tlsPort: Int
    let webSocket: WebSocketEchoBackend
    let http: TestBackend
    let refuser: TestBackend
    let plain: TestBackend
    let badAccept: TestBackend

    init(settings: ProxySettings = ProxySettings()) async throws {
        pki = try TestPKI.Authority(trustDomain: "example.com", commonName: "test CA")
        directory = try TemporaryDirectory(prefix: "meshbox-h2-ws")
        accessLogPath = directory.path + "/access.log"
        var settings = settings
        settings.drainTimeout = .milliseconds(300)
        var logger = Logger(label: "test.extended-connect")
        logger.logLevel = .warning
        plane = DataPlane(group: group, settings: settings, accessLog: try AccessLogTarget(path: accessLogPath), logger: logger)
        port = try FreePort.take()
        tlsPort = try FreePort.take()
        webSocket = try await WebSocketEchoBackend.start(name: "ws", group: group)
        http = try await TestBackend.start(name: "http", group: group)
        refuser = try await TestBackend.start(
            name: "refuser", behaviour: .respond(status: 403, headers: [("content-type", "text/plain")], body: Array("no\n".utf8)),
            group: group)
        plain = try await TestBackend.start(name: "plain", group: group)
        badAccept = try await TestBackend.start(
            name: "bad-accept",
            behaviour: .respond(
                status: 101, headers: [("upgrade", "websocket"), ("connection", "upgrade"), ("sec-websocket-accept", "bogus")],
                body: []),
            group: group)
    }

    /// Applies the listeners, routes and clusters.
    func apply() async throws -> DataPlane.ApplyReport {
        let leaf = try pki.issue(spiffeID: nil, dnsName: Self.authority)
        let certificate = directory.path + "/app.pem"
        let key = directory.path + "/app-key.pem"
        try leaf.chainPEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try leaf.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        let secret = Snapshot.SecretReference(
            name: "file-cert:\(certificate)~\(key)", kind: .certificate, source: .files(certificate: certificate, privateKey: key))

        let backends: [(String, Int)] = [
            ("ws", webSocket.port), ("http", http.port), ("refuser", refuser.port), ("plain", plain.port),
            ("bad-accept", badAccept.port),
        ]
        func cluster(_ name: String) -> String { Snapshot.Cluster.name(host: "\(name).default.svc.cluster.local", port: 80, subset: nil) }
        func route(_ prefix: String, _ backend: String, headers: Snapshot.HeaderMutations = .init()) -> Snapshot.Route {
            Snapshot.Route(
                name: "default/app/\(backend)", match: .init(path: .prefix(prefix)),
                action: .route(.init(weightedClusters: [.init(name: cluster(backend), weight: 100)], timeout: .seconds(15))),
                headers: headers)
        }
        let routes = [
            route("/ws", "ws", headers: .init(responseHeadersToAdd: [.init(name: "x-route", value: "ws", append: false)])),
            route("/refused", "refuser", headers: .init(requestHeadersToAdd: [.init(name: "x-gateway", value: "meshbox", append: false)])),
            route("/plain", "plain"),
            route("/bad-accept", "bad-accept"),
            route("/", "http"),
        ]
        let snapshot = Snapshot(
            version: 1,
            listeners: [
                .init(
                    name: "h2c", address: "127.0.0.1", port: UInt32(port), protocol: .http,
                    filterChains: [
                        .init(name: "http", destination: .http(routeConfigurationName: "routes"), authorization: Self.denyPrivate)
                    ]),
                .init(
                    name: "h2", address: "127.0.0.1", port: UInt32(tlsPort), protocol: .https,
                    filterChains: [
                        .init(
                            name: "https",
                            tls: .init(mode: .simple, certificateSecretName: secret.name, alpnProtocols: ["h2", "http/1.1"]),
                            destination: .http(routeConfigurationName: "routes"))
                    ]),
            ],
            routeConfigurations: [.init(name: "routes", virtualHosts: [.init(name: "app", domains: ["*"], routes: routes)])],
            clusters: backends.map {
                Snapshot.Cluster(name: cluster($0.0), serviceHost: "\($0.0).default.svc.cluster.local", port: 80)
            },
            endpoints: backends.map {
                .init(
                    clusterName: cluster($0.0),
                    endpoints: [.init(address: "127.0.0.1", port: UInt32($0.1), health: .healthy, instanceID: "default/\($0.0)/1")])
            },
            secrets: [secret]
        )
        return await plane.apply(snapshot)
    }

    /// On the h2c listener: DENY `GET /ws/private*` (an extended CONNECT is authorized as the GET it is routed as).
    static let denyPrivate = Snapshot.Authorization(
        workloads: [.init(namespace: "default")],
        policies: [
            .init(
                key: .init(kind: .authorizationPolicy, namespace: "default", name: "no-private"), action: .deny,
                rules: [.init(to: [.init(operation: .init(methods: ["GET"], paths: ["/ws/private*"]))])])
        ])

    /// h2c with prior knowledge to `port`, SETTINGS received.
    func h2c() async throws -> H2TestClient {
        let client = try await H2TestClient.connect(port: port, group: group)
        try await client.awaitSettings()
        return client
    }

    /// TLS to `tlsPort` offering only `h2` by ALPN, trusting the bed's CA; SETTINGS received.
    func h2() async throws -> H2TestClient {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(try pki.certificatePEM.utf8)))
        configuration.applicationProtocols = ["h2"]
        let client = try await H2TestClient.connect(
            port: tlsPort, group: group, tls: try NIOSSLContext(configuration: configuration), serverName: Self.authority)
        try await client.awaitSettings()
        return client
    }

    var accessLog: String { (try? String(contentsOfFile: accessLogPath, encoding: .utf8)) ?? "" }

    func shutdown() async {
        await webSocket.stop()
        for backend in [http, refuser, plain, badAccept] { await backend.stop() }
        await plane.shutdown()
        try? await group.shutdownGracefully()
        directory.remove()
    }

    /// Runs `body` with a bed whose config is applied, and tears it down however `body` ends.
    static func with(settings: ProxySettings = ProxySettings(), _ body: (ExtendedConnectBed) async throws -> Void) async throws {
        let bed = try await ExtendedConnectBed(settings: settings)
        do {
            let report = try await bed.apply()
            guard report.failed.isEmpty else { throw MeshTestFailure("apply failed: \(report)") }
            try await body(bed)
        } catch {
            await bed.shutdown()
            throw error
        }
        await bed.shutdown()
    }
}

/// A setup step that did not work out.
struct MeshTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
