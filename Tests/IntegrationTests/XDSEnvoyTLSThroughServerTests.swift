import Foundation
import MeshTesting
import Testing

/// TLS termination in the real Envoy 1.40 with the certificate meshbox delivers by SDS over ADS:
/// a Gateway `tls: SIMPLE, credentialName` backed by a meshbox `Secret`, state of the world and
/// delta, and a rotation of that Secret reaching Envoy.
@Suite("xDS through the real server and Envoy: TLS with SDS")
struct XDSEnvoyTLSThroughServerTests {
    static let host = "shop.example.com"
    static let secretName = "kubernetes://default/shop-cert"

    /// The body curl trusting `caFile` gets over HTTPS through Envoy, or nil when TLS or the request failed.
    static func httpsBody(port: Int, caFile: String) async -> String? {
        let result = try? await Tool.run(
            "curl",
            ["-sS", "--max-time", "5", "--cacert", caFile, "--resolve", "\(host):\(port):127.0.0.1", "https://\(host):\(port)/"])
        return result?.status == 0 ? result?.output : nil
    }

    @Test("a Gateway credentialName Secret reaches Envoy by SDS: curl with the CA gets through, and a rotation follows", arguments: [false, true])
    func sdsTermination(delta: Bool) async throws {
        let harness = try await XDSEnvoyHarness.start(delta: delta)
        defer { harness.cleanUp() }
        let backend = try await TestBackend.start(name: "shop", group: harness.group)
        let port = try FreePort.take()
        let validity = Date().addingTimeInterval(30 * 86400)
        let first = try TestPKI.Authority(trustDomain: "example.com", commonName: "first CA")
        let second = try TestPKI.Authority(trustDomain: "example.com", commonName: "second CA")
        let firstLeaf = try first.issue(spiffeID: nil, dnsName: Self.host, notValidAfter: validity)
        let secondLeaf = try second.issue(spiffeID: nil, dnsName: Self.host, notValidAfter: validity)
        let firstCA = harness.directory.file("first-ca.pem"), secondCA = harness.directory.file("second-ca.pem")
        try first.certificatePEM.write(toFile: firstCA, atomically: true, encoding: .utf8)
        try second.certificatePEM.write(toFile: secondCA, atomically: true, encoding: .utf8)

        try await harness.apply(
            """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
              - port: {number: \(port), name: https, protocol: HTTPS}
                hosts: ["\(Self.host)"]
                tls: {mode: SIMPLE, credentialName: shop-cert}
            ---

            """ + XDSEnvoyRoutingThroughServerTests.service("shop") + XDSEnvoyRoutingThroughServerTests.route("shop", host: Self.host)
                + (try SecretThroughServerTests.secretYAML(firstLeaf)))
        try await harness.register("shop", backend)

        try await eventually("Envoy to terminate TLS with the Secret's certificate", timeout: .seconds(30)) {
            await Self.httpsBody(port: port, caFile: firstCA) == "shop"
        }
        #expect(await Self.httpsBody(port: port, caFile: secondCA) == nil, "a CA that did not sign the certificate is trusted")
        let plain = try? await harness.request(port: port, host: Self.host)
        #expect(plain?.status != 200, "plain HTTP answered on the TLS port: \(String(describing: plain))")

        // The certificate came by SDS: a dynamic secret of that name, its key redacted by Envoy,
        // named by the listener's TLS context over ADS.
        var dump = try await harness.envoy.configDump()
        #expect(dump.names["Secret"] == [Self.secretName], "secrets: \(String(describing: dump.names["Secret"]))")
        let firstVersion = dump.versions["Secret/\(Self.secretName)"]
        #expect(dump.text.contains("\"sds_config\""))
        #expect(!dump.text.contains("PRIVATE KEY"), "config_dump shows the private key")
        try await harness.expectEverythingACKed(types: ["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration", "Secret"])
        let listenerVersion = dump.versions.first { $0.key.hasPrefix("Listener/") }?.value

        // Rotation: the new certificate arrives as an SDS update; the listener is not replaced.
        try await harness.apply(try SecretThroughServerTests.secretYAML(secondLeaf))
        try await eventually("Envoy to serve the rotated certificate", timeout: .seconds(30)) {
            await Self.httpsBody(port: port, caFile: secondCA) == "shop"
        }
        #expect(await Self.httpsBody(port: port, caFile: firstCA) == nil, "the old certificate is still served")
        dump = try await harness.envoy.configDump()
        #expect(dump.versions["Secret/\(Self.secretName)"] != firstVersion)
        #expect(dump.versions.first { $0.key.hasPrefix("Listener/") }?.value == listenerVersion, "the listener was replaced")
        try await harness.expectEverythingACKed(types: ["Secret"])
        await backend.stop()
        await harness.stop()
    }
}
