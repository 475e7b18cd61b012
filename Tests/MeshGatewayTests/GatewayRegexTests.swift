import MeshNet
import MeshTesting
import Testing

/// Route regexes run on RE2 through a real gateway socket: a pattern that makes a backtracking
/// engine take exponential time is answered like any other, while other requests are served.
@Suite("Gateway regex routes")
struct GatewayRegexTests {
    @Test(
        "a ReDoS-shaped route regex answers a hostile path, and other requests are served meanwhile",
        .timeLimit(.minutes(1)))
    func redos() async throws {
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let routes = """
              - match: [{uri: {regex: "/redos/(a|aa)+"}}]
                route: [{destination: {host: app}}]
              - match: [{uri: {prefix: /ok}}]
                route: [{destination: {host: app}}]
            """
        let report = try await harness.apply(GatewayRoutingTests.virtualService(routes), backends: backends)
        #expect(report.problems.isEmpty, "\(report.problems)")
        // Swift's backtracking Regex took 6.8 s on 42 bytes of this; 200 would take longer than
        // the universe has left.
        let hostile = "/redos/" + String(repeating: "a", count: 200) + "b"
        async let refused = ProxyClient.request(port: harness.port, "GET", hostile, host: harness.host, group: harness.group)
        async let matched = ProxyClient.request(
            port: harness.port, "GET", "/redos/" + String(repeating: "a", count: 200), host: harness.host, group: harness.group)
        var others: [Int] = []
        for index in 0..<8 {
            others.append(
                try await ProxyClient.request(port: harness.port, "GET", "/ok/\(index)", host: harness.host, group: harness.group)
                    .status)
        }
        #expect(others == Array(repeating: 200, count: 8))
        #expect(try await refused.status == 404)
        #expect(try await matched.status == 200)
        await harness.shutdown(backends)
    }
}
