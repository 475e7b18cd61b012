import Foundation
import MeshAPI
import MeshConsole
import MeshModel
import Synchronization
import Testing

/// `GET /api/v1/traffic` and `POST /api/v1/explain`: authentication, CSRF, 503 without a
/// compiler, and answers from the snapshot. Explain's routing itself is tested where the engine
/// is (MeshNetTests, MeshGatewayTests) and through the real server (IntegrationTests).
@Suite("Console traffic routes")
struct TrafficRoutesTests {
    /// A compiler that has published one snapshot.
    struct OneSnapshot: SnapshotSource {
        let snapshot: Snapshot
        func snapshots(for node: DataPlaneNode) -> AsyncStream<Snapshot> {
            AsyncStream { continuation in
                continuation.yield(snapshot)
                continuation.finish()
            }
        }
    }

    /// Records what the console hands the engine and answers with a fixed verdict.
    final class RecordingExplainer: RequestExplainer {
        let calls = Mutex<[(ExplainRequest, Int, Int)]>([])
        func explain(_ request: ExplainRequest, in snapshot: Snapshot, policies: [Resource], gateways: [Resource])
            -> Explanation
        {
            calls.withLock { $0.append((request, policies.count, gateways.count)) }
            return Explanation(snapshotVersion: snapshot.version, verdict: .noRoute, summary: "recorded")
        }
    }

    static let cluster = "outbound|9080|v1|reviews.default.svc.cluster.local"

    static let snapshot: Snapshot = {
        let split = Snapshot.Route(
            name: "default/reviews/split",
            match: .all,
            action: .route(
                .init(weightedClusters: [
                    .init(name: cluster, weight: 80),
                    .init(name: "outbound|9080|v3|reviews.default.svc.cluster.local", weight: 20),
                ])
            )
        )
        let jason = Snapshot.Route(
            name: "default/reviews/jason",
            match: .init(headers: [.init(name: "end-user", match: .exact("jason"))]),
            action: .route(
                .init(weightedClusters: [.init(name: "outbound|9080|v2|reviews.default.svc.cluster.local", weight: 100)]
                )
            )
        )
        return Snapshot(
            version: 4,
            listeners: [
                .init(
                    name: "0.0.0.0_8080",
                    address: "0.0.0.0",
                    port: 8080,
                    protocol: .http,
                    filterChains: [.init(name: "http.8080", destination: .http(routeConfigurationName: "http.8080"))]
                ),
                .init(
                    name: "0.0.0.0_8443",
                    address: "0.0.0.0",
                    port: 8443,
                    protocol: .https,
                    filterChains: [
                        .init(
                            name: "https.8443.s.gw.default",
                            serverNames: ["bookinfo.example.com"],
                            tls: .init(mode: .simple, certificateSecretName: "file-cert:c.pem~k.pem"),
                            destination: .http(routeConfigurationName: "http.8080")
                        )
                    ]
                ),
            ],
            routeConfigurations: [
                .init(
                    name: "http.8080",
                    virtualHosts: [
                        .init(
                            name: "bookinfo.example.com:8080",
                            domains: ["bookinfo.example.com", "bookinfo.example.com:8080"],
                            routes: [jason, split]
                        )
                    ]
                )
            ],
            secrets: [
                .init(
                    name: "file-cert:c.pem~k.pem",
                    kind: .certificate,
                    source: .files(certificate: "c.pem", privateKey: "k.pem")
                )
            ]
        )
    }()

    @Test("traffic and explain need a session or the token")
    func unauthenticated() async throws {
        try await ConsoleHarness.with(snapshots: OneSnapshot(snapshot: Self.snapshot)) { console in
            let traffic = try await console.send("GET", "/api/v1/traffic", token: nil)
            #expect(traffic.status == 401)
            let explain = try await console.send("POST", "/api/v1/explain", body: #"{"host":"a"}"#, token: nil)
            #expect(explain.status == 401)
        }
    }

    @Test("without a compiler in the process, both answer 503 and say why")
    func noCompiler() async throws {
        try await ConsoleHarness.with(explainer: RecordingExplainer()) { console in
            let traffic = try await console.send("GET", "/api/v1/traffic")
            #expect(traffic.status == 503)
            #expect(traffic.errorCode == "unavailable")
            #expect(traffic.errorMessage?.contains("compiler") == true)
            let explain = try await console.send("POST", "/api/v1/explain", body: #"{"host":"a"}"#)
            #expect(explain.status == 503)
        }
    }

    @Test("traffic lists listeners, hosts, certificates, and the chosen host's routes with their splits")
    func traffic() async throws {
        try await ConsoleHarness.with(snapshots: OneSnapshot(snapshot: Self.snapshot)) { console in
            let reply = try await console.send("GET", "/api/v1/traffic?host=bookinfo.example.com")
            #expect(reply.status == 200, "\(reply)")
            #expect(reply.object["snapshotVersion"] as? Int == 4)
            #expect((reply.object["listeners"] as? [Any])?.count == 2)
            let hosts = reply.object["hosts"] as? [[String: Any]] ?? []
            #expect(hosts.map { $0["host"] as? String } == ["bookinfo.example.com", "bookinfo.example.com"])
            let certificates = reply.object["certificates"] as? [[String: Any]] ?? []
            #expect(certificates.first?["source"] as? String == "files c.pem and k.pem")
            #expect(certificates.first?["serverNames"] as? [String] == ["bookinfo.example.com"])
            let groups = reply.object["routes"] as? [[String: Any]] ?? []
            #expect(groups.count == 2, "the host is served on both listeners")
            let routes = groups.first?["routes"] as? [[String: Any]] ?? []
            let summaries = routes.compactMap { $0["summary"] as? [String: Any] }
            #expect(summaries.map { $0["name"] as? String } == ["default/reviews/jason", "default/reviews/split"])
            #expect(summaries.first?["match"] as? String == "any path, header end-user = jason")
            let split = summaries.last?["clusters"] as? [[String: Any]] ?? []
            #expect(split.map { $0["share"] as? Double } == [80, 20])
            #expect(split.map { $0["subset"] as? String } == ["v1", "v3"])
            let example = routes.first?["example"] as? [String: Any]
            #expect((example?["headers"] as? [[String: String]])?.first == ["name": "end-user", "value": "jason"])

            let unknown = try await console.send("GET", "/api/v1/traffic?host=nope.example.com")
            #expect((unknown.object["routes"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("explain hands the request, the AuthorizationPolicies and the Gateways to the engine")
    func explainPlumbing() async throws {
        let config = FakeConfig()
        for resource in try ResourceDecoder.decode(
            """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-all, namespace: default}
            spec: {action: DENY, rules: [{}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ["*"]}]
            """
        ) {
            await config.seed(resource)
        }
        let explainer = RecordingExplainer()
        try await ConsoleHarness.with(
            config: config,
            snapshots: OneSnapshot(snapshot: Self.snapshot),
            explainer: explainer
        ) {
            console in
            let reply = try await console.send(
                "POST",
                "/api/v1/explain",
                body:
                    #"{"host":"bookinfo.example.com","headers":[{"name":"end-user","value":"jason"}],"listenerPort":8080}"#
            )
            #expect(reply.status == 200, "\(reply)")
            #expect(reply.object["verdict"] as? String == "noRoute")
            #expect(reply.object["snapshotVersion"] as? Int == 4)
            let call = try #require(explainer.calls.withLock { $0.first })
            #expect(call.0.method == "GET" && call.0.path == "/" && call.0.listenerPort == 8080)
            #expect(call.0.headers == [.init(name: "end-user", value: "jason")])
            #expect(call.1 == 1 && call.2 == 1)

            let noHost = try await console.send("POST", "/api/v1/explain", body: #"{"path":"/"}"#)
            #expect(noHost.status == 400)
            #expect(noHost.errorMessage?.contains("body.host") == true)

            // With a session, explain is a POST like the others: it needs the CSRF token.
            let session = try await console.login()
            let body = #"{"host":"bookinfo.example.com"}"#
            let forged = try await console.send("POST", "/api/v1/explain", session: session, body: body)
            #expect(forged.status == 403)
            let withToken = try await console.send(
                "POST",
                "/api/v1/explain",
                session: session,
                csrf: session.csrfToken,
                body: body
            )
            #expect(withToken.status == 200)
        }
    }
}
