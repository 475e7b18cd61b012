import MeshTesting
import NIOCore
import Testing

/// Regexes meshbox accepts (RE2 programs up to 32,768 instructions, as Istio) must not be
/// rejected by an Envoy bootstrapped by `meshbox envoy bootstrap`, whose default limit is 100.
@Suite("xDS through the real server and Envoy: long route regexes")
struct XDSEnvoyRegexThroughServerTests {
    typealias Routing = XDSEnvoyRoutingThroughServerTests

    @Test("a URI regex over Envoy's default RE2 program size is ACKed and routes")
    func longRegex() async throws {
        let harness = try await XDSEnvoyHarness.start(delta: true)
        defer { harness.cleanUp() }
        let backend = try await TestBackend.start(name: "items", group: harness.group)
        let port = try FreePort.take()
        // Counted repetitions expand: this compiles to a few hundred RE2 instructions.
        let regex = "/v[0-9]{1,20}/[a-z]{1,20}/[a-z0-9]{1,20}/item"
        try await harness.apply(
            Routing.gateway(port: port) + Routing.service("reviews")
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: ["\(Routing.host)"]
                  gateways: ["edge"]
                  http:
                  - match: [{uri: {regex: "\(regex)"}}]
                    route: [{destination: {host: reviews}}]
                """)
        try await harness.register("reviews", backend)
        try await eventually("Envoy to route the regex", timeout: .seconds(30)) {
            (try? await harness.request(port: port, "/v12/abc/x9/item", host: Routing.host))?.status == 200
        }
        #expect(try await harness.request(port: port, "/v12/abc/x9/other", host: Routing.host).status == 404)
        try await harness.expectEverythingACKed(types: ["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration"])
        await backend.stop()
        await harness.stop()
    }
}
