import Foundation
import MeshNet
import MeshTesting
import Testing

/// HTTPS servers whose certificate comes from a `Secret` in the config store (`credentialName`):
/// real handshakes with `curl` and `openssl`, rotation without a restart, mutual TLS, and a
/// missing credential refused with a clear reason.
@Suite("Gateway TLS with credentialName")
struct GatewayCredentialTests {
    static let host = "app.example.com"

    /// A PKI whose files curl and openssl read.
    struct Files {
        let directory: TemporaryDirectory
        func write(_ name: String, _ text: String) throws -> String {
            let path = directory.path + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func secret(
        _ name: String,
        leaf: TestPKI.Leaf,
        ca: String? = nil
    ) throws -> String {
        var yaml = """
            apiVersion: v1
            kind: Secret
            metadata: {name: \(name), namespace: default}
            type: kubernetes.io/tls
            data:
              tls.crt: \(Data(try leaf.chainPEM.utf8).base64EncodedString())
              tls.key: \(Data(leaf.privateKeyPEM.utf8).base64EncodedString())

            """
        if let ca { yaml += "  ca.crt: \(Data(ca.utf8).base64EncodedString())\n" }
        return yaml
    }

    static func gateway(port: Int, mode: String = "SIMPLE", credential: String = "app-cert") -> String {
        """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: tls, namespace: default}
        spec:
          servers:
          - port: {number: \(port), name: https, protocol: HTTPS}
            hosts: ["\(host)"]
            tls: {mode: \(mode), credentialName: \(credential)}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: tls-app, namespace: default}
        spec:
          hosts: ["\(host)"]
          gateways: ["tls"]
          http:
          - route: [{destination: {host: app}}]
        """
    }

    static func curl(port: Int, caFile: String, extra: [String] = []) async throws -> (status: Int32, output: String) {
        try await GatewayTLSTests.run(
            "curl",
            ["-sS", "--max-time", "10", "--cacert", caFile, "--resolve", "\(host):\(port):127.0.0.1"] + extra
                + ["https://\(host):\(port)/x"]
        )
    }

    static func leaf(_ authority: TestPKI.Authority, dns: String = host) throws -> TestPKI.Leaf {
        try authority.issue(spiffeID: nil, dnsName: dns, notValidAfter: Date().addingTimeInterval(90 * 86400))
    }

    @Test("SIMPLE serves the Secret's certificate; a replaced Secret reaches new connections and open ones keep going")
    func simpleAndRotation() async throws {
        let files = Files(directory: try TemporaryDirectory(prefix: "meshbox-gw-cred"))
        defer { files.directory.remove() }
        let first = try TestPKI.Authority(trustDomain: "example.com", commonName: "first CA")
        let second = try TestPKI.Authority(trustDomain: "example.com", commonName: "second CA")
        let firstCA = try files.write("first-ca.pem", try first.certificatePEM)
        let secondCA = try files.write("second-ca.pem", try second.certificatePEM)

        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let port = try FreePort.take()
        let gateway = Self.gateway(port: port)
        let report = try await harness.apply(
            gateway + "\n---\n" + (try Self.secret("app-cert", leaf: try Self.leaf(first))),
            backends: backends
        )
        #expect(report.problems.isEmpty, "\(report.problems)")
        let served = try await Self.curl(port: port, caFile: firstCA)
        #expect(served.status == 0 && served.output == "v1", "\(served.output)")
        let subject = try await GatewayTLSTests.run(
            "sh",
            [
                "-c",
                "openssl s_client -connect 127.0.0.1:\(port) -servername \(Self.host) -CAfile \(firstCA) </dev/null 2>/dev/null | openssl x509 -noout -issuer -ext subjectAltName",
            ]
        )
        #expect(subject.output.contains("first CA") && subject.output.contains("DNS:\(Self.host)"), "\(subject.output)")

        // One keep-alive connection, two requests 4 s apart (curl's --rate); the Secret is
        // replaced in between. The second request reuses the connection (num_connects 0).
        let heldOutput = files.directory.path + "/held.out"
        let held = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: [
                "curl", "-sS", "--max-time", "20", "--rate", "15/m", "--cacert", firstCA, "--resolve",
                "\(Self.host):\(port):127.0.0.1", "-w", " connects=%{num_connects}\n",
                "https://\(Self.host):\(port)/one", "https://\(Self.host):\(port)/two",
            ],
            standardOutput: heldOutput, standardError: heldOutput)
        try await Task.sleep(for: .seconds(1))
        let rotated = try await harness.apply(
            gateway + "\n---\n" + (try Self.secret("app-cert", leaf: try Self.leaf(second))),
            backends: backends,
            version: 2
        )
        #expect(rotated.problems.isEmpty, "\(rotated.problems)")

        let renewed = try await Self.curl(port: port, caFile: secondCA)
        #expect(renewed.status == 0 && renewed.output == "v1", "new connection with the new CA: \(renewed.output)")
        let stale = try await Self.curl(port: port, caFile: firstCA)
        #expect(stale.status != 0, "a new connection still got the old certificate: \(stale.output)")

        while held.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        let heldText = (try? String(contentsOfFile: heldOutput, encoding: .utf8)) ?? ""
        #expect(held.terminationStatus == 0, "\(heldText)")
        #expect(heldText == "v1 connects=1\nv1 connects=0\n", "the open connection across the rotation: \(heldText)")
        await harness.shutdown(backends)
    }

    @Test("MUTUAL checks client certificates against the Secret's ca.crt")
    func mutual() async throws {
        let files = Files(directory: try TemporaryDirectory(prefix: "meshbox-gw-cred"))
        defer { files.directory.remove() }
        let serverCA = try TestPKI.Authority(trustDomain: "example.com", commonName: "server CA")
        let clientCA = try TestPKI.Authority(trustDomain: "clients.example.com", commonName: "client CA")
        let caFile = try files.write("ca.pem", try serverCA.certificatePEM)
        let client = try clientCA.issue(spiffeID: "spiffe://clients.example.com/ns/default/sa/shop")
        let clientCert = try files.write("client.pem", try client.chainPEM)
        let clientKey = try files.write("client-key.pem", client.privateKeyPEM)
        let stranger = try TestPKI.Authority(trustDomain: "other.example.com").issue(spiffeID: nil, dnsName: "x")
        let strangerCert = try files.write("stranger.pem", try stranger.chainPEM)
        let strangerKey = try files.write("stranger-key.pem", stranger.privateKeyPEM)

        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let port = try FreePort.take()
        let secret = try Self.secret("app-cert", leaf: try Self.leaf(serverCA), ca: try clientCA.certificatePEM)
        let report = try await harness.apply(
            Self.gateway(port: port, mode: "MUTUAL") + "\n---\n" + secret,
            backends: backends
        )
        #expect(report.problems.isEmpty, "\(report.problems)")

        let accepted = try await Self.curl(port: port, caFile: caFile, extra: ["--cert", clientCert, "--key", clientKey])
        #expect(accepted.status == 0 && accepted.output == "v1", "\(accepted.output)")
        let anonymous = try await Self.curl(port: port, caFile: caFile)
        #expect(anonymous.status != 0 && anonymous.output != "v1", "no client certificate: \(anonymous.output)")
        let foreign = try await Self.curl(port: port, caFile: caFile, extra: ["--cert", strangerCert, "--key", strangerKey])
        #expect(foreign.status != 0 && foreign.output != "v1", "a certificate of another CA: \(foreign.output)")
        await harness.shutdown(backends)
    }

    @Test("MUTUAL with certificate pins admits only the pinned certificates of the trusted CA")
    func pinned() async throws {
        let files = Files(directory: try TemporaryDirectory(prefix: "meshbox-gw-pin"))
        defer { files.directory.remove() }
        let serverCA = try TestPKI.Authority(trustDomain: "example.com", commonName: "server CA")
        let clientCA = try TestPKI.Authority(trustDomain: "clients.example.com", commonName: "client CA")
        let caFile = try files.write("ca.pem", try serverCA.certificatePEM)
        var clients: [(cert: String, key: String)] = []
        for name in ["a", "b"] {
            let client = try clientCA.issue(spiffeID: "spiffe://clients.example.com/ns/default/sa/\(name)")
            clients.append((try files.write("\(name).pem", try client.chainPEM), try files.write("\(name)-key.pem", client.privateKeyPEM)))
        }
        // openssl's own digests: the certificate's SHA-256 fingerprint (AB:CD:...), and the
        // base64 SHA-256 of the public key's DER.
        let fingerprint = try await GatewayTLSTests.run("openssl", ["x509", "-in", clients[0].cert, "-noout", "-fingerprint", "-sha256"])
        let hash = try #require(fingerprint.output.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines)
        let spki = try await GatewayTLSTests.run(
            "bash",
            ["-c", "openssl x509 -in '\(clients[1].cert)' -noout -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64"])
        let spkiHash = spki.output.trimmingCharacters(in: .whitespacesAndNewlines)

        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let port = try FreePort.take()
        let secret = try Self.secret("app-cert", leaf: try Self.leaf(serverCA), ca: try clientCA.certificatePEM)
        func served(_ client: (cert: String, key: String)) async throws -> Bool {
            let result = try await Self.curl(port: port, caFile: caFile, extra: ["--cert", client.cert, "--key", client.key])
            return result.status == 0 && result.output == "v1"
        }
        for (version, pins) in [(UInt64(1), "verifyCertificateHash: [\"\(hash)\"]"), (UInt64(2), "verifyCertificateSpki: [\"\(spkiHash)\"]")] {
            let gateway = Self.gateway(port: port, mode: "MUTUAL")
                .replacing("credentialName: app-cert}", with: "credentialName: app-cert, \(pins)}")
            let report = try await harness.apply(gateway + "\n---\n" + secret, backends: backends, version: version)
            #expect(report.problems.isEmpty, "\(report.problems)")
            #expect(try await served(clients[0]) == (version == 1), "client a, \(pins)")
            #expect(try await served(clients[1]) == (version == 2), "client b, \(pins)")
        }
        await harness.shutdown(backends)
    }

    @Test("a missing credential refuses TLS with a clear reason until the Secret is applied")
    func missingCredential() async throws {
        let files = Files(directory: try TemporaryDirectory(prefix: "meshbox-gw-cred"))
        defer { files.directory.remove() }
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let caFile = try files.write("ca.pem", try authority.certificatePEM)
        let harness = try await GatewayHarness()
        let backends = try await harness.backends(["v1"])
        let port = try FreePort.take()
        let report = try await harness.apply(Self.gateway(port: port), backends: backends)
        #expect(
            report.problems.contains {
                $0.contains(
                    "secret 'kubernetes://default/app-cert': the config store has no Secret default/app-cert with tls.crt and tls.key"
                )
            },
            "\(report.problems)"
        )
        let refused = try await Self.curl(port: port, caFile: caFile)
        #expect(refused.status != 0, "\(refused.output)")

        let fixed = try await harness.apply(
            Self.gateway(port: port) + "\n---\n" + (try Self.secret("app-cert", leaf: try Self.leaf(authority))),
            backends: backends,
            version: 2
        )
        #expect(fixed.problems.isEmpty, "\(fixed.problems)")
        let served = try await Self.curl(port: port, caFile: caFile)
        #expect(served.status == 0 && served.output == "v1", "\(served.output)")
        await harness.shutdown(backends)
    }
}
