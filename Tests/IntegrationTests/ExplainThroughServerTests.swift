import Foundation
import MeshAPI
import MeshModel
import MeshRemote
import MeshTesting
import NIOCore
import NIOPosix
import Testing

/// `POST /api/v1/explain` in the real binary, where the console is given the engine's explainer:
/// its answers against what the gateway in the same process does with the same requests.
@Suite("Explain through the real server")
struct ExplainThroughServerTests {
    @Test("explain names the route, subset and endpoint the gateway uses, and the policy that denies")
    func explainsLikeTheGateway() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-explain")
        let server = try await RunningServer.start(
            directory: directory,
            arguments: ["--gateway-listen", "127.0.0.1", "--gateway-threads", "1"]
        )
        defer { server.cleanUp() }
        let group = MultiThreadedEventLoopGroup.singleton
        let v1 = try await TestBackend.start(name: "v1", group: group)
        let v2 = try await TestBackend.start(name: "v2", group: group)
        let port = try FreePort.take()
        _ = try await server.client.apply(
            """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              selector: {app: edge}
              servers:
              - port: {number: \(port), name: http, protocol: HTTP}
                hosts: ["shop.example.com"]
            ---
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: shop, namespace: default}
            spec:
              ports:
              - {name: http, number: 80, protocol: HTTP}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: shop, namespace: default}
            spec:
              host: shop
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop, namespace: default}
            spec:
              hosts: ["shop.example.com"]
              gateways: ["edge"]
              http:
              - name: beta
                match: [{headers: {x-beta: {exact: "1"}}}]
                route: [{destination: {host: shop, subset: v2}}]
              - name: stable
                route: [{destination: {host: shop, subset: v1}}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: no-delete, namespace: default}
            spec:
              selector: {matchLabels: {app: edge}}
              action: DENY
              rules: [{to: [{operation: {methods: [DELETE]}}]}]
            """
        )
        for backend in [v1, v2] {
            _ = try await server.client.register(
                InstanceRegistration(
                    service: "shop",
                    namespace: "default",
                    address: "127.0.0.1",
                    ports: [InstancePort(name: "http", number: backend.port)],
                    labels: ["version": backend.name]
                )
            )
        }
        try await eventually("the gateway to route to both backends") {
            let response = try? await ProxyClient.request(
                port: port,
                "GET",
                "/",
                host: "shop.example.com",
                headers: [("x-beta", "1")],
                group: group
            )
            return response?.text == "v2"
        }

        func explain(_ body: String) async throws -> Explanation {
            let (status, data, _) = try await server.client.raw(
                "POST",
                "/api/v1/explain",
                body: Data(body.utf8),
                contentType: "application/json"
            )
            #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
            return try JSONDecoder().decode(Explanation.self, from: data)
        }
        let beta = try await explain(
            #"{"host":"shop.example.com","path":"/cart","listenerPort":\#(port),"headers":[{"name":"x-beta","value":"1"}]}"#
        )
        #expect(beta.verdict == .forwarded, "\(beta.summary)")
        #expect(beta.route?.summary.name == "default/shop/beta")
        #expect(beta.destinations.first?.split.subset == "v2")
        #expect(beta.destinations.first?.endpoints.map(\.port) == [UInt32(v2.port)])
        #expect(beta.authorization?.identity.contains("Gateway default/edge") == true)

        let stable = try await explain(#"{"host":"shop.example.com","path":"/cart","listenerPort":\#(port)}"#)
        #expect(stable.route?.summary.name == "default/shop/stable")
        let served = try await ProxyClient.request(port: port, "GET", "/cart", host: "shop.example.com", group: group)
        #expect(served.text == "v1")

        let delete = try await explain(#"{"host":"shop.example.com","method":"DELETE","listenerPort":\#(port)}"#)
        #expect(delete.verdict == .denied)
        #expect(delete.authorization?.decision?.reason.contains("DENY policy default/no-delete") == true)
        let refused = try await ProxyClient.request(
            port: port,
            "DELETE",
            "/cart",
            host: "shop.example.com",
            group: group
        )
        #expect(refused.status == delete.status)

        await v1.stop()
        await v2.stop()
        #expect(await server.process.stop() == 0)
    }
}
