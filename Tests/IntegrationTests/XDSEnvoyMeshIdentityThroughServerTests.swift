import Foundation
import MeshAPI
import MeshRemote
import MeshTesting
import Testing

/// The real Envoy 1.40 with its own mesh identity from meshbox's ADS server: a DestinationRule
/// ISTIO_MUTUAL to a real `openssl s_server` that demands a client certificate from the mesh CA,
/// the certificate renewed on a short `ca.leafTTL` with no restart and no failed request, and the
/// bootstrap's own ADS client certificate renewed in place (`meshbox envoy bootstrap --renew`).
@Suite("xDS through the real server and Envoy: Envoy's own mesh identity")
struct XDSEnvoyMeshIdentityThroughServerTests {
    typealias Identity = MeshIdentityThroughServerTests
    static let host = "secure.example.com"

    static func mesh(listenerPort: Int) -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: edge, namespace: default}
        spec:
          servers:
          - port: {number: \(listenerPort), name: http, protocol: HTTP}
            hosts: ["\(host)"]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: secure, namespace: default}
        spec:
          host: secure
          trafficPolicy:
            tls: {mode: ISTIO_MUTUAL}
        ---

        """ + XDSEnvoyRoutingThroughServerTests.service("secure") + XDSEnvoyRoutingThroughServerTests.route("secure", host: host)
    }

    /// The serial numbers of every certificate Envoy's `/certs` lists as its own (`cert_chain`).
    static func presentedSerials(_ envoy: XDSEnvoy) async throws -> Set<String> {
        let json = try await envoy.admin("/certs")
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        var serials: Set<String> = []
        for context in root?["certificates"] as? [[String: Any]] ?? [] {
            for certificate in context["cert_chain"] as? [[String: Any]] ?? [] {
                if let serial = certificate["serial_number"] as? String { serials.insert(serial.lowercased()) }
            }
        }
        return serials
    }

    @Test(
        "Envoy presents its own node identity to an ISTIO_MUTUAL upstream, renewed without a restart or a failed request; --renew replaces its ADS certificate",
        arguments: [false, true])
    func istioMutualThroughEnvoy(delta: Bool) async throws {
        // A short lifetime: the ADS server renews Envoy's certificate about 20 s after it connects.
        let harness = try await XDSEnvoyHarness.start(delta: delta, config: "ca:\n  leafTTL: 40s\n")
        defer { harness.cleanUp() }
        let path = harness.directory.file
        let cli = { (arguments: [String]) async throws -> String in
            let run = try await runMeshboxCLI(arguments, environment: harness.server.cliEnvironment)
            #expect(run.status == 0, "meshbox \(arguments.joined(separator: " ")): \(run.stderr)")
            return run.stdout
        }
        _ = try await cli([
            "ca", "issue", "--spiffe-id", "spiffe://cluster.local/ns/default/sa/secure", "--ttl", "1h",
            "--cert-out", path("secure.pem"), "--key-out", path("secure-key.pem"),
        ])
        try Identity.write(try await cli(["ca", "bundle"]), path("bundle.pem"))
        let upstream = try Identity.OpenSSLBackend(
            certificate: path("secure.pem"), key: path("secure-key.pem"), caFile: path("bundle.pem"), log: path("secure.log"))
        defer { upstream.stop() }

        let listenerPort = try FreePort.take()
        try await harness.apply(Self.mesh(listenerPort: listenerPort))
        _ = try await harness.server.client.register(
            InstanceRegistration(
                service: "secure", address: "127.0.0.1", ports: [InstancePort(name: "http", number: upstream.port)]))

        // The upstream verified a client certificate from the mesh CA naming Envoy's node.
        let identity = "URI:spiffe://cluster.local/ns/meshbox-system/sa/node-\(harness.nodeID)"
        var first: String?
        try await eventually("Envoy to reach the mutual-TLS upstream with its own certificate", timeout: .seconds(30)) {
            guard let response = try? await harness.request(port: listenerPort, host: Self.host), response.status == 200,
                response.text.contains(identity)
            else { return false }
            first = Identity.clientSerial(response.text)
            return first != nil
        }
        let firstSerial = try #require(first)
        try await harness.expectEverythingACKed(types: ["Cluster", "Listener", "Secret"])
        let envoyPID = harness.envoy.process.processIdentifier

        // Renewal: requests keep going; the upstream sees a new serial, none fails.
        var failures: [String] = []
        var serials: [String] = [firstSerial]
        let deadline = ContinuousClock.now + .seconds(60)
        while serials.last == firstSerial, ContinuousClock.now < deadline {
            let response = try? await harness.request(port: listenerPort, host: Self.host)
            if let response, response.status == 200, response.text.contains(identity), let serial = Identity.clientSerial(response.text) {
                serials.append(serial)
            } else {
                failures.append(response.map { "\($0.status): \($0.text.prefix(200))" } ?? "no response")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(serials.last != firstSerial, "the upstream saw only serial \(firstSerial) in \(serials.count) requests")
        #expect(failures.isEmpty, "failed requests during the renewal: \(failures.prefix(5))")
        #expect(harness.envoy.process.processIdentifier == envoyPID && harness.envoy.process.isRunning)
        try await harness.expectEverythingACKed(types: ["Secret"])

        // The bootstrap's ADS client certificate: replaced in place, picked up through file-based SDS.
        let before = try await Self.presentedSerials(harness.envoy)
        let renewed = try await cli(["envoy", "bootstrap", "--node", harness.nodeID, "--out-dir", path("envoy"), "--renew"])
        let serial = try #require(
            renewed.firstRange(of: "(serial ").map { String(renewed[$0.upperBound...].prefix { $0 != "," }).lowercased() },
            "--renew printed: \(renewed)")
        #expect(!before.contains(serial))
        try await eventually("Envoy to load the renewed node.crt", timeout: .seconds(20)) {
            try await Self.presentedSerials(harness.envoy).contains(serial)
        }
        let response = try await harness.request(port: listenerPort, host: Self.host)
        #expect(response.status == 200)
        #expect(try await harness.envoy.stats("control_plane.connected_state")["control_plane.connected_state"] == 1)
        await harness.stop()
    }
}
