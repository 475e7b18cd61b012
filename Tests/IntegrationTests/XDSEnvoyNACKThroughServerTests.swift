import MeshTesting
import NIOCore
import Testing

/// A resource the real Envoy 1.40 refuses, through the real binary: a Gateway port another
/// process already holds on Envoy's host, which no control plane can know. Envoy NACKs the
/// listener; meshbox shows the rejection with Envoy's message, and the previous config serves.
@Suite("xDS through the real server and Envoy: a rejected resource")
struct XDSEnvoyNACKThroughServerTests {
    static let host = "shop.example.com"

    static func gateway(ports: [Int]) -> String {
        let servers = ports.map { "  - port: {number: \($0), name: http-\($0), protocol: HTTP}\n    hosts: [\"\(host)\"]" }
        return """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
            \(servers.joined(separator: "\n"))
            ---

            """
    }

    @Test("a listener Envoy cannot bind is NACKed and shown; the previous listener keeps serving; a fix is ACKed", arguments: [false, true])
    func rejectedListener(delta: Bool) async throws {
        let harness = try await XDSEnvoyHarness.start(delta: delta)
        defer { harness.cleanUp() }
        let backend = try await TestBackend.start(name: "shop", group: harness.group)
        // Something else on Envoy's host holds this port.
        let squatter = try await TestBackend.start(name: "squatter", group: harness.group)
        let port = try FreePort.take()
        let routing = XDSEnvoyRoutingThroughServerTests.service("shop") + XDSEnvoyRoutingThroughServerTests.route("shop", host: Self.host)
        try await harness.apply(Self.gateway(ports: [port]) + routing)
        try await harness.register("shop", backend)
        try await harness.waitForRoute(port: port, host: Self.host, reaching: ["shop"])
        try await harness.expectEverythingACKed(types: ["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration"])
        let listenerType = "type.googleapis.com/envoy.config.listener.v3.Listener"
        let ackedListeners = try await harness.nodeStatus()["ackedVersions"] as? [String: String]

        try await harness.apply(Self.gateway(ports: [port, squatter.port]))
        try await eventually("the server to show Envoy's rejection", timeout: .seconds(30)) {
            try await harness.nodeStatus()["rejections"] as? Int ?? 0 > 0
        }
        let node = try await harness.nodeStatus()
        let rejection = try #require(node["lastRejection"] as? [String: Any], "node: \(node)")
        #expect(rejection["typeURL"] as? String == listenerType, "rejection: \(rejection)")
        let message = rejection["message"] as? String ?? ""
        #expect(message.contains("\(squatter.port)"), "Envoy's message: \(message)")
        // The node stays on what it acked; Envoy counts the rejection and still serves.
        let acked = node["ackedVersions"] as? [String: String]
        #expect(acked?[listenerType] == ackedListeners?[listenerType], "acked: \(String(describing: acked))")
        #expect(try await harness.envoy.stats("listener_manager.lds.update_rejected").values.reduce(0, +) >= 1)
        #expect(try await harness.envoy.configDump().names["Listener"]?.contains { $0.hasSuffix("_\(squatter.port)") } != true)
        for _ in 0..<20 {
            let response = try await harness.request(port: port, host: Self.host)
            #expect(response.status == 200 && response.text == "shop", "\(response)")
        }
        let squatterResponse = try await harness.request(port: squatter.port, host: Self.host)
        #expect(squatterResponse.text == "squatter")

        // The port freed and the Gateway fixed: everything is ACKed again and both ports serve.
        await squatter.stop()
        let second = try FreePort.take()
        try await harness.apply(Self.gateway(ports: [port, second]))
        try await harness.waitForRoute(port: second, host: Self.host, reaching: ["shop"])
        try await harness.waitForRoute(port: port, host: Self.host, reaching: ["shop"])
        try await eventually("the server to see every type acked again") {
            let node = try await harness.nodeStatus()
            return (node["sentVersions"] as? [String: String]) == (node["ackedVersions"] as? [String: String])
        }
        let dump = try await harness.envoy.configDump()
        #expect(dump.errorStates.isEmpty && dump.warming.isEmpty, "\(dump.errorStates) \(dump.warming)")
        await backend.stop()
        await harness.stop()
    }
}
