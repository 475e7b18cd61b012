import Foundation
import MeshAPI
import MeshModel
import MeshRemote
import MeshTesting
import Testing

/// `POST /api/v1/explain` with `mesh: true` in the real binary: what the node proxy does with a
/// connection a program on a proxy host opens to a service's VIP or name, read from the real
/// compiler's snapshot (the proxy's per-VIP listeners, the VirtualService bound to `mesh`).
@Suite("Explain of mesh traffic through the real server")
struct ExplainMeshThroughServerTests {
    static let resources = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: reviews, namespace: default}
        spec:
          ports:
          - {name: http, number: 9080, protocol: HTTP}
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: db, namespace: default}
        spec:
          ports:
          - {name: pg, number: 5432, protocol: TCP}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: default}
        spec:
          host: reviews
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
          - {name: v3, labels: {version: v3}}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews]
          gateways: [mesh]
          http:
          - name: jason
            match: [{headers: {end-user: {exact: jason}}}]
            route: [{destination: {host: reviews, subset: v2}}]
          - name: split
            route:
            - {destination: {host: reviews, subset: v1}, weight: 80}
            - {destination: {host: reviews, subset: v3}, weight: 20}
        """

    @Test("a request to a VIP or a service name is explained through the proxy's listener, the mesh route and its endpoints")
    func explainsMeshTraffic() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-explain-mesh")
        let server = try await RunningServer.start(directory: directory, arguments: ["--roles", "config,registry,console"])
        defer { server.cleanUp() }
        _ = try await server.client.apply(Self.resources)
        for (version, port) in [("v1", 9081), ("v2", 9082), ("v3", 9083)] {
            _ = try await server.client.register(
                InstanceRegistration(
                    service: "reviews", namespace: "default", address: "127.0.0.1",
                    ports: [InstancePort(name: "http", number: port)], labels: ["version": version]))
        }
        _ = try await server.client.register(
            InstanceRegistration(
                service: "db", namespace: "default", address: "127.0.0.1", ports: [InstancePort(name: "pg", number: 5433)]))
        let vips = try #require(
            try await server.client.get(ResourceKey(kind: .service, namespace: "default", name: "reviews")).status?.vips)
        let ipv4 = try #require(vips.first { !$0.address.contains(":") }?.address)
        let ipv6 = try #require(vips.first { $0.address.contains(":") }?.address)

        func explain(_ body: String) async throws -> Explanation {
            let (status, data, _) = try await server.client.raw(
                "POST", "/api/v1/explain", body: Data(body.utf8), contentType: "application/json")
            #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
            return try JSONDecoder().decode(Explanation.self, from: data)
        }

        // The compiler publishes a moment after the registrations.
        var jason = Explanation(snapshotVersion: 0, verdict: .noListener, summary: "")
        try await eventually("the snapshot to hold the three endpoints") {
            jason = try await explain(
                #"{"mesh":true,"host":"\#(ipv4):9080","headers":[{"name":"end-user","value":"jason"}]}"#)
            return jason.destinations.first?.endpoints.count == 1 && jason.destinations.first?.healthyEndpoints == 1
        }
        #expect(jason.verdict == .forwarded, "\(jason.summary)")
        #expect(jason.listener?.name == "\(ipv4)_9080")
        #expect(jason.routeConfiguration == "mesh.reviews.default.svc.cluster.local:9080")
        #expect(jason.route?.summary.name == "default/reviews/jason")
        #expect(jason.destinations.map(\.split.subset) == ["v2"])
        #expect(jason.destinations.first?.endpoints.map(\.port) == [9082])
        #expect(jason.steps.first?.stage == "capture")
        #expect(jason.authorization == nil)

        let byName = try await explain(#"{"mesh":true,"host":"reviews.default.svc.cluster.local","listenerPort":9080}"#)
        #expect(byName.verdict == .forwarded, "\(byName.summary)")
        #expect(byName.listener.map { [ipv4, ipv6].map { "\($0)_9080" }.contains($0.name) } == true)
        #expect(byName.route?.summary.name == "default/reviews/split")
        #expect(byName.destinations.map(\.split.subset) == ["v1", "v3"])
        #expect(byName.destinations.map { Int($0.split.share.rounded()) } == [80, 20])
        #expect(byName.destinations.flatMap(\.endpoints).map(\.port).sorted() == [9081, 9083])

        let short = try await explain(#"{"mesh":true,"host":"reviews:9080"}"#)
        #expect(short.route?.summary.name == "default/reviews/split", "\(short.steps)")
        let overIPv6 = try await explain(#"{"mesh":true,"host":"[\#(ipv6)]","listenerPort":9080}"#)
        #expect(overIPv6.listener?.name == "\(ipv6)_9080", "\(overIPv6.summary)")
        #expect(overIPv6.verdict == .forwarded)

        let tcp = try await explain(#"{"mesh":true,"host":"db.default.svc.cluster.local","listenerPort":5432}"#)
        #expect(tcp.verdict == .tcpProxied, "\(tcp.summary)")
        #expect(tcp.destinations.map(\.split.cluster) == ["outbound|5432||db.default.svc.cluster.local"])
        #expect(tcp.destinations.first?.endpoints.map(\.port) == [5433])

        let wrongPort = try await explain(#"{"mesh":true,"host":"reviews.default.svc.cluster.local","listenerPort":80}"#)
        #expect(wrongPort.verdict == .noListener)
        #expect(wrongPort.summary.contains("its ports: 9080"), "\(wrongPort.summary)")
        let noVIP = try await explain(#"{"mesh":true,"host":"192.0.2.1","listenerPort":9080}"#)
        #expect(noVIP.verdict == .noListener)
        #expect(noVIP.summary.contains("192.0.2.1:9080 is no service VIP and port"), "\(noVIP.summary)")

        // Without `mesh` the same request is a gateway's: the proxy's listeners own no socket.
        let asGateway = try await explain(#"{"host":"reviews.default.svc.cluster.local","listenerPort":9080}"#)
        #expect(asGateway.verdict == .noListener, "\(asGateway.summary)")
        #expect(await server.process.stop() == 0)
    }
}
