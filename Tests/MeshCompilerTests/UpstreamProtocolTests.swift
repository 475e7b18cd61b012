import MeshModel
import Testing

@testable import MeshCompiler

/// Which clusters speak HTTP/2 to their endpoints (`Snapshot.Cluster.http2`), as Istio decides it.
@Suite("SnapshotCompiler: HTTP/2 towards upstreams")
struct UpstreamProtocolTests {
    typealias Policy = DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings.H2UpgradePolicy

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String?
        var declared: PortProtocol?
        var policy: Policy?
        var http2: Bool
        var testDescription: String {
            let port = "\(name ?? "-") \(declared?.rawValue ?? "-")"
            return "port \(port) policy \(policy?.rawValue ?? "-") → \(http2 ? "h2" : "h1")"
        }
    }

    @Test(
        "port protocol and h2UpgradePolicy decide",
        arguments: [
            Case(name: "http", declared: .http, policy: nil, http2: false),
            Case(name: "http", declared: .http, policy: .default, http2: false),
            Case(name: "http", declared: .http, policy: .upgrade, http2: true),
            Case(name: "grpc", declared: .grpc, policy: nil, http2: true),
            // gRPC needs HTTP/2: DO_NOT_UPGRADE does not downgrade it (Istio neither).
            Case(name: "grpc", declared: .grpc, policy: .doNotUpgrade, http2: true),
            Case(name: nil, declared: .http2, policy: nil, http2: true),
            Case(name: nil, declared: .grpcWeb, policy: nil, http2: true),
            // No declared protocol: Istio's port-name convention.
            Case(name: "grpc-ratings", declared: nil, policy: nil, http2: true),
            Case(name: "http2", declared: nil, policy: nil, http2: true),
            Case(name: "grpc-web", declared: nil, policy: nil, http2: true),
            Case(name: "http-api", declared: nil, policy: nil, http2: false),
            Case(name: "web", declared: nil, policy: .upgrade, http2: true),
            // UPGRADE applies to HTTP ports only.
            Case(name: "db", declared: .tcp, policy: .upgrade, http2: false),
            Case(name: "mongo-main", declared: nil, policy: .upgrade, http2: false),
        ]
    )
    func decision(_ c: Case) {
        let port = ServiceTarget.Port(number: 80, name: c.name, protocol: c.declared, targetPort: nil)
        let http = c.policy.map { DestinationRuleSpec.ConnectionPoolSettings.HTTPSettings(h2UpgradePolicy: $0) }
        #expect(Compilation.speaksHTTP2(http, port: port) == c.http2)
    }

    @Test("useClientProtocol overrides the port and the upgrade policy; maxConcurrentStreams is carried")
    func clientProtocol() {
        var cluster = Snapshot.Cluster(name: "c", serviceHost: "h", port: 80)
        let port = ServiceTarget.Port(number: 80, name: "grpc", protocol: .grpc, targetPort: nil)
        Compilation.applyUpstreamProtocol(
            .init(h2UpgradePolicy: .upgrade, useClientProtocol: true, maxConcurrentStreams: 50),
            port: port,
            to: &cluster
        )
        #expect(cluster.useClientProtocol && !cluster.http2)
        #expect(cluster.maxConcurrentStreams == 50)
        var plain = Snapshot.Cluster(name: "c", serviceHost: "h", port: 80)
        Compilation.applyUpstreamProtocol(.init(maxConcurrentStreams: 0), port: port, to: &plain)
        #expect(plain.http2 && !plain.useClientProtocol && plain.maxConcurrentStreams == nil)
    }

    @Test("a cluster of a grpc-named port is HTTP/2 even with DO_NOT_UPGRADE; UPGRADE makes an HTTP port HTTP/2")
    func compiled() throws {
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: ["*"]
            ---
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: api, namespace: default}
            spec:
              ports:
              - {name: grpc-api, number: 9090}
              - {name: http, number: 9080, protocol: HTTP}
              - {name: plain, number: 9070, protocol: HTTP}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: api, namespace: default}
            spec:
              hosts: ["*"]
              gateways: ["gw"]
              http:
              - match: [{uri: {prefix: /grpc}}]
                route: [{destination: {host: api, port: {number: 9090}}}]
              - match: [{uri: {prefix: /plain}}]
                route: [{destination: {host: api, port: {number: 9070}}}]
              - route: [{destination: {host: api, port: {number: 9080}}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: api, namespace: default}
            spec:
              host: api
              trafficPolicy:
                connectionPool:
                  http: {h2UpgradePolicy: DO_NOT_UPGRADE}
                portLevelSettings:
                - port: {number: 9080}
                  connectionPool:
                    http: {h2UpgradePolicy: UPGRADE}
            """
        let snapshot = SnapshotCompiler.compile(
            config: try Fixtures.config(yaml),
            registry: Fixtures.registry([]),
            version: 1
        )
        let host = "api.default.svc.cluster.local"
        #expect(try #require(snapshot.cluster(named: "outbound|9090||\(host)")).http2)
        #expect(try #require(snapshot.cluster(named: "outbound|9080||\(host)")).http2)
        #expect(try !#require(snapshot.cluster(named: "outbound|9070||\(host)")).http2)
    }
}
