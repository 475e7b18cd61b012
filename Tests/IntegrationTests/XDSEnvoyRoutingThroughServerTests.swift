import MeshTesting
import NIOCore
import Testing

/// Routing that Envoy 1.40 takes from meshbox's ADS server in the real binary, state of the world
/// and delta: a header match to a subset, and retries that reach the healthy backend.
@Suite("xDS through the real server and Envoy: routing")
struct XDSEnvoyRoutingThroughServerTests {
    static let host = "reviews.example.com"

    static func gateway(port: Int, host: String = host) -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          servers:
          - port: {number: \(port), name: http, protocol: HTTP}
            hosts: ["\(host)"]
        ---

        """
    }

    static func service(_ name: String) -> String {
        """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: \(name), namespace: default}
        spec:
          ports:
          - {name: http, number: 80, protocol: HTTP}
        ---

        """
    }

    /// VirtualService `service` bound to Gateway `edge`: every request for `host` to `service`.
    static func route(_ service: String, host: String) -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: \(service), namespace: default}
        spec:
          hosts: ["\(host)"]
          gateways: ["edge"]
          http:
          - route: [{destination: {host: \(service)}}]
        ---

        """
    }

    @Test("a VirtualService header match sends x-user: jason to subset v2 and everyone else to v1", arguments: [false, true])
    func headerMatch(delta: Bool) async throws {
        let harness = try await XDSEnvoyHarness.start(delta: delta)
        defer { harness.cleanUp() }
        let v1 = try await TestBackend.start(name: "v1", group: harness.group)
        let v2 = try await TestBackend.start(name: "v2", group: harness.group)
        let port = try FreePort.take()
        try await harness.apply(
            Self.gateway(port: port) + Self.service("reviews")
                + """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: default}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: ["\(Self.host)"]
                  gateways: ["edge"]
                  http:
                  - name: jason
                    match:
                    - headers: {x-user: {exact: jason}}
                    route: [{destination: {host: reviews, subset: v2}}]
                  - name: everyone
                    route: [{destination: {host: reviews, subset: v1}}]
                """)
        try await harness.register("reviews", v1, labels: ["version": "v1"])
        try await harness.register("reviews", v2, labels: ["version": "v2"])

        try await harness.waitForRoute(port: port, host: Self.host, headers: [("x-user", "jason")], reaching: ["v2"])
        try await harness.waitForRoute(port: port, host: Self.host, reaching: ["v1"])
        var answers: [String: Int] = [:]
        for index in 0..<60 {
            let user = ["jason", "alice", nil][index % 3]
            let response = try await harness.request(port: port, host: Self.host, headers: user.map { [("x-user", $0)] } ?? [])
            #expect(response.status == 200)
            answers["\(user ?? "-")→\(response.text)", default: 0] += 1
        }
        #expect(answers == ["jason→v2": 20, "alice→v1": 20, "-→v1": 20], "answers: \(answers)")
        #expect(v2.received.allSatisfy { $0.header("x-user") == "jason" })

        let dump = try await harness.envoy.configDump()
        let clusters = dump.names["Cluster"] ?? []
        #expect(clusters.contains("outbound|80|v1|reviews.default.svc.cluster.local"), "clusters: \(clusters)")
        #expect(clusters.contains("outbound|80|v2|reviews.default.svc.cluster.local"), "clusters: \(clusters)")
        try await harness.expectEverythingACKed(types: ["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration"])
        await v1.stop()
        await v2.stop()
        await harness.stop()
    }

    @Test("retries get every request to the healthy backend when the other answers 503 or resets", arguments: [false, true])
    func retryToHealthy(delta: Bool) async throws {
        let harness = try await XDSEnvoyHarness.start(delta: delta)
        defer { harness.cleanUp() }
        let failing = try await TestBackend.start(name: "failing", behaviour: .status(503), group: harness.group)
        let healthy = try await TestBackend.start(name: "healthy", group: harness.group)
        let port = try FreePort.take()
        try await harness.apply(
            Self.gateway(port: port) + Self.service("reviews")
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: ["\(Self.host)"]
                  gateways: ["edge"]
                  http:
                  - route: [{destination: {host: reviews}}]
                    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,reset,connect-failure"}
                """)
        try await harness.register("reviews", failing)
        try await harness.register("reviews", healthy)
        // Both endpoints known to Envoy: the failing one has been tried.
        try await eventually("Envoy to route to the service and try the failing backend", timeout: .seconds(30)) {
            let response = try? await harness.request(port: port, host: Self.host)
            return response?.status == 200 && failing.requestCount > 0
        }

        for behaviour in [TestBackend.Behaviour.status(503), .hangUp] {
            failing.behaviour = behaviour
            failing.resetReceived()
            healthy.resetReceived()
            var statuses: [Int: Int] = [:]
            for _ in 0..<40 {
                let response = try await harness.request(port: port, host: Self.host)
                statuses[response.status, default: 0] += 1
                #expect(response.text == "healthy", "\(behaviour): \(response)")
            }
            #expect(statuses == [200: 40], "\(behaviour): \(statuses)")
            #expect(failing.requestCount > 0, "\(behaviour): the failing backend was never tried")
            #expect(healthy.requestCount == 40, "\(behaviour): healthy got \(healthy.requestCount)")
        }
        let stats = try await harness.envoy.stats("upstream_rq_retry")
        let retries = stats.filter { $0.key.hasSuffix("reviews.default.svc.cluster.local.upstream_rq_retry") }.values.reduce(0, +)
        #expect(retries > 0, "retry stats: \(stats)")

        try await harness.expectEverythingACKed(types: ["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration"])
        await failing.stop()
        await healthy.stop()
        await harness.stop()
    }
}
