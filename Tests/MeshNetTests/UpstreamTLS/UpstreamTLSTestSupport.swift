import Foundation
import Logging
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix

/// A `DataPlane` on 127.0.0.1 with one HTTP listener routing everything to cluster `app`, whose
/// endpoints are TLS backends; the PKI (a trusted CA and a stranger's), PEM files in a temp
/// directory, the access log and the data plane's log records, all torn down by `shutdown()`.
final class UpstreamTLSBed: Sendable {
    static let serviceHost = "app.default.svc.cluster.local"
    static let clusterName = Snapshot.Cluster.name(host: serviceHost, port: 80, subset: nil)

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let authority: TestPKI.Authority
    let stranger: TestPKI.Authority
    let directory: TemporaryDirectory
    let recorder = LogRecorder()
    let accessLogPath: String
    let plane: DataPlane
    let port: Int

    /// - Parameter secrets: resolves the workload certificate and trust bundle, for ISTIO_MUTUAL.
    init(secrets: any SecretResolver = FileSecretResolver()) throws {
        authority = try TestPKI.Authority(trustDomain: "upstream.test")
        stranger = try TestPKI.Authority(trustDomain: "stranger.test")
        directory = try TemporaryDirectory(prefix: "meshbox-upstream-tls")
        accessLogPath = directory.path + "/access.log"
        var settings = ProxySettings()
        settings.drainTimeout = .milliseconds(300)
        plane = DataPlane(
            group: group,
            settings: settings,
            accessLog: try AccessLogTarget(path: accessLogPath),
            secrets: secrets,
            logger: recorder.logger
        )
        port = try FreePort.take()
    }

    /// A server leaf of the trusted CA for the service host (and `spiffeID`, when given).
    func serverLeaf(dns: String = UpstreamTLSBed.serviceHost, spiffeID: String? = nil) throws -> TestPKI.Leaf {
        try authority.issue(spiffeID: spiffeID, dnsName: dns)
    }

    func backend(_ name: String, leaf: TestPKI.Leaf, clientCA: TestPKI.Authority? = nil) async throws -> TLSBackend {
        try await TLSBackend.start(name: name, leaf: leaf, clientCA: clientCA, group: group)
    }

    func writeFile(_ name: String, _ text: String) throws -> String {
        let path = directory.path + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The trusted CA as a `caCertificates` secret, as the compiler writes it.
    func trustedCA() throws -> Snapshot.SecretReference {
        let path = try writeFile("ca.pem", try authority.certificatePEM)
        return .init(name: "file-root:\(path)", kind: .validationContext, source: .caFile(path))
    }

    /// A client certificate of the trusted CA as a `clientCertificate`/`privateKey` secret.
    func clientCertificate(spiffeID: String) throws -> Snapshot.SecretReference {
        let leaf = try authority.issue(spiffeID: spiffeID)
        let certificate = try writeFile("client.pem", try leaf.chainPEM)
        let key = try writeFile("client-key.pem", leaf.privateKeyPEM)
        return .init(
            name: "file-cert:\(certificate)~\(key)",
            kind: .certificate,
            source: .files(certificate: certificate, privateKey: key)
        )
    }

    /// Listener → route → cluster `app` with `tls`, over `backends` (healthy, round robin).
    @discardableResult
    func apply(
        tls: Snapshot.UpstreamTLS?,
        secrets: [Snapshot.SecretReference],
        backends: [Int],
        retry: Snapshot.RetryPolicy? = nil,
        mirrorTo mirror: Int? = nil,
        version: UInt64 = 1
    ) async -> DataPlane.ApplyReport {
        var clusters = [
            Snapshot.Cluster(
                name: Self.clusterName,
                serviceHost: Self.serviceHost,
                port: 80,
                lbPolicy: .roundRobin,
                connectTimeout: .seconds(5),
                upstreamTLS: tls
            )
        ]
        var endpoints = [Self.assignment(Self.clusterName, backends)]
        var action = Snapshot.RouteAction(
            weightedClusters: [.init(name: Self.clusterName, weight: 100)],
            timeout: .seconds(15),
            retryPolicy: retry
        )
        if let mirror {
            let name = Snapshot.Cluster.name(host: "mirror.default.svc.cluster.local", port: 80, subset: nil)
            var mirrorCluster = clusters[0]
            mirrorCluster.name = name
            clusters.append(mirrorCluster)
            endpoints.append(Self.assignment(name, [mirror]))
            action.requestMirrorPolicies = [.init(cluster: name, percentage: 100)]
        }
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
            clusters: clusters,
            endpoints: endpoints,
            secrets: secrets
        )
        return await plane.apply(snapshot)
    }

    /// A TCP listener relaying to cluster `app` with `tls` over `backends`.
    @discardableResult
    func applyTCP(tls: Snapshot.UpstreamTLS?, secrets: [Snapshot.SecretReference], backends: [Int]) async
        -> DataPlane.ApplyReport
    {
        let snapshot = Snapshot(
            version: 1,
            listeners: [
                .init(
                    name: "tcp",
                    address: "127.0.0.1",
                    port: UInt32(port),
                    protocol: .tcp,
                    filterChains: [.init(name: "tcp", destination: .tcp([.init(name: Self.clusterName, weight: 100)]))]
                )
            ],
            clusters: [
                Snapshot.Cluster(
                    name: Self.clusterName,
                    serviceHost: Self.serviceHost,
                    port: 80,
                    connectTimeout: .seconds(5),
                    upstreamTLS: tls
                )
            ],
            endpoints: [Self.assignment(Self.clusterName, backends)],
            secrets: secrets
        )
        return await plane.apply(snapshot)
    }

    static func assignment(_ cluster: String, _ ports: [Int]) -> Snapshot.ClusterLoadAssignment {
        .init(
            clusterName: cluster,
            endpoints: ports.map {
                .init(
                    address: "127.0.0.1",
                    port: UInt32($0),
                    health: .healthy,
                    instanceID: "default/app/127.0.0.1:\($0)"
                )
            }
        )
    }

    func get(_ path: String = "/") async throws -> ProxyClient.Response {
        try await ProxyClient.request(port: port, "GET", path, host: "app.example.com", group: group)
    }

    /// The reasons the data plane logged for refused upstream handshakes.
    var refusalReasons: [String] {
        recorder.all.filter { $0.message == "Upstream TLS refused" }.compactMap { $0.metadata["tls.reason"] }
    }

    var accessLog: String { (try? String(contentsOfFile: accessLogPath, encoding: .utf8)) ?? "" }

    func shutdown(_ backends: [TLSBackend] = []) async {
        for backend in backends { await backend.stop() }
        await plane.shutdown()
        try? await group.shutdownGracefully()
        directory.remove()
    }
}
