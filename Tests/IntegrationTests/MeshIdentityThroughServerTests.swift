import Foundation
import MeshRemote
import MeshTesting
import NIOCore
import NIOPosix
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The gateway's mesh identity end to end in the real binary, with the ca role in the same process:
/// ISTIO_MUTUAL upstreams (real `openssl s_server` backends that demand a client certificate),
/// renewal reaching new connections, ISTIO_MUTUAL Gateway servers, and `credentialName: meshbox-ca`.
@Suite("Mesh identity through the real server")
struct MeshIdentityThroughServerTests {
    static let gatewayID = "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"

    /// `openssl s_server -www` on 127.0.0.1 requiring a client certificate from `caFile`: its status page
    /// shows the client certificate it verified (text and PEM), so the test sees what the gateway presented.
    final class OpenSSLBackend: @unchecked Sendable {
        let process: ChildProcess
        let port: Int

        init(certificate: String, key: String, caFile: String, log: String) throws {
            port = try FreePort.take()
            process = try ChildProcess(
                executable: "/usr/bin/env",
                arguments: [
                    "openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key,
                    "-CAfile", caFile, "-Verify", "2", "-verify_return_error", "-www", "-quiet",
                ],
                standardOutput: log, standardError: log)
        }

        func stop() {
            process.signal(SIGKILL)
            process.waitUntilExit()
        }
    }

    static func write(_ text: String, _ path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    /// `curl` through the gateway's plain HTTP port with `host`: status code and body.
    static func get(port: Int, host: String) async throws -> (code: String, body: String) {
        let result = try await Tool.run(
            "curl", ["-sS", "--max-time", "5", "-H", "Host: \(host)", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/"])
        let code = String(result.output.split(separator: "\n").last ?? "")
        return (code, result.output)
    }

    /// The serial of the client certificate `s_server -www` reports (X509_print's `Serial Number:` line).
    static func clientSerial(_ body: String) -> String? {
        let lines = body.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let index = lines.firstIndex(where: { $0.hasPrefix("Serial Number:") }) else { return nil }
        let inline = lines[index].dropFirst("Serial Number:".count).trimmingCharacters(in: .whitespaces)
        return inline.isEmpty && index + 1 < lines.count ? lines[index + 1] : inline
    }

    func cli(_ arguments: [String], _ server: RunningServer) async throws -> String {
        let run = try await runMeshboxCLI(arguments, environment: server.cliEnvironment)
        #expect(run.status == 0, "meshbox \(arguments.joined(separator: " ")): \(run.stderr)")
        return run.stdout
    }

    @Test("ISTIO_MUTUAL upstream: the gateway presents its SPIFFE certificate, refuses another CA and a wrong identity, renews")
    func istioMutualUpstream() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-identity")
        let configFile = directory.file("meshbox.yaml")
        // A short identity lifetime: renewal at about 10 s, well inside the test.
        try Self.write("gateway:\n  identity:\n    ttl: 20s\n", configFile)
        let server = try await RunningServer.start(
            directory: directory,
            arguments: ["--config", configFile, "--gateway-listen", "127.0.0.1", "--gateway-threads", "1"])
        defer { server.cleanUp() }
        let path = directory.file

        // Backend certificates: two from the mesh CA (the right identity and another), one from a stranger CA.
        _ = try await cli(
            [
                "ca", "issue", "--spiffe-id", "spiffe://cluster.local/ns/default/sa/backend", "--ttl", "1h", "--cert-out",
                path("good.pem"), "--key-out", path("good-key.pem"),
            ], server)
        _ = try await cli(
            [
                "ca", "issue", "--spiffe-id", "spiffe://cluster.local/ns/default/sa/other", "--ttl", "1h", "--cert-out",
                path("other.pem"), "--key-out", path("other-key.pem"),
            ], server)
        try Self.write(try await cli(["ca", "bundle"], server), path("bundle.pem"))
        let stranger = try TestPKI.Authority(trustDomain: "cluster.local", commonName: "stranger CA")
        let rogueLeaf = try stranger.issue(spiffeID: "spiffe://cluster.local/ns/default/sa/backend")
        try Self.write(try rogueLeaf.chainPEM, path("rogue.pem"))
        try Self.write(rogueLeaf.privateKeyPEM, path("rogue-key.pem"))

        let good = try OpenSSLBackend(
            certificate: path("good.pem"), key: path("good-key.pem"), caFile: path("bundle.pem"), log: path("good.log"))
        defer { good.stop() }
        let rogue = try OpenSSLBackend(
            certificate: path("rogue.pem"), key: path("rogue-key.pem"), caFile: path("bundle.pem"), log: path("rogue.log"))
        defer { rogue.stop() }
        let imposter = try OpenSSLBackend(
            certificate: path("other.pem"), key: path("other-key.pem"), caFile: path("bundle.pem"), log: path("imposter.log"))
        defer { imposter.stop() }

        let port = try FreePort.take()
        var yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
              - port: {number: \(port), name: http, protocol: HTTP}
                hosts: ["*"]
            """
        // Each backend is a service running as service account backend, so the gateway insists on that identity.
        for (name, backend) in [("good", good), ("rogue", rogue), ("imposter", imposter)] {
            yaml += """

                ---
                apiVersion: meshbox.io/v1
                kind: Service
                metadata: {name: \(name), namespace: default}
                spec:
                  ports: [{name: https, number: \(backend.port), protocol: HTTPS}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: \(name), namespace: default}
                spec:
                  hosts: ["\(name).test"]
                  gateways: [edge]
                  http: [{route: [{destination: {host: \(name)}}]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: \(name), namespace: default}
                spec:
                  host: \(name)
                  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
                """
            _ = try await cli(
                [
                    "register", "--service", name, "--address", "127.0.0.1", "--port", "https:\(backend.port)",
                    "--service-account", "backend",
                ], server)
        }
        try Self.write(yaml, path("routing.yaml"))
        _ = try await cli(["apply", "-f", path("routing.yaml")], server)

        var first = (code: "", body: "")
        try await eventually("the good backend answers through the gateway", timeout: .seconds(20)) {
            first = try await Self.get(port: port, host: "good.test")
            return first.code == "200"
        }
        #expect(first.body.contains("URI:\(Self.gatewayID)"), "backend saw: \(first.body.prefix(2000))")
        let firstSerial = try #require(Self.clientSerial(first.body))

        // Another CA's certificate, and the mesh CA's certificate for another identity: refused, 503 UF.
        let refused = try await Self.get(port: port, host: "rogue.test")
        #expect(refused.code == "503", "rogue: \(refused.body)")
        let wrongIdentity = try await Self.get(port: port, host: "imposter.test")
        #expect(wrongIdentity.code == "503", "imposter: \(wrongIdentity.body)")
        let (status, data, _) = try await server.client.raw("GET", "/api/v1/snapshot")
        let snapshot = String(decoding: data, as: UTF8.self)
        #expect(status == 200)
        #expect(!snapshot.contains("PRIVATE KEY") && snapshot.contains("<redacted: "))
        #expect(!snapshot.contains("ISTIO_MUTUAL needs"), "the refusal warning stays although the CA is here")

        // The 20 s certificate renews at about half-life; new connections present the new one.
        var renewed: String?
        try await eventually("a renewed gateway certificate on a new connection", timeout: .seconds(40), every: .seconds(1)) {
            let next = try await Self.get(port: port, host: "good.test")
            guard next.code == "200", let serial = Self.clientSerial(next.body), serial != firstSerial else { return false }
            #expect(next.body.contains("URI:\(Self.gatewayID)"))
            renewed = serial
            return true
        }
        #expect(renewed != nil)
        await server.process.stop()
    }

    @Test("ISTIO_MUTUAL Gateway server takes mesh clients only, across a root rotation; a meshbox-ca server verifies with the CA bundle")
    func meshServers() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-identity")
        let server = try await RunningServer.start(
            directory: directory, arguments: ["--gateway-listen", "127.0.0.1", "--gateway-threads", "1"])
        defer { server.cleanUp() }
        let path = directory.file
        let backend = try await TestBackend.start(name: "shop", group: MultiThreadedEventLoopGroup.singleton)
        let meshPort = try FreePort.take(), internalPort = try FreePort.take()
        let host = "shop.corp.internal"
        let yaml = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: internal, namespace: default}
            spec:
              servers:
              - port: {number: \(meshPort), name: mesh, protocol: HTTPS}
                hosts: ["*"]
                tls: {mode: ISTIO_MUTUAL}
              - port: {number: \(internalPort), name: internal, protocol: HTTPS}
                hosts: ["\(host)"]
                tls: {mode: SIMPLE, credentialName: meshbox-ca}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop, namespace: default}
            spec:
              hosts: ["*"]
              gateways: [internal]
              http: [{route: [{destination: {host: shop, port: {number: \(backend.port)}}}]}]
            """
        try Self.write(yaml, path("internal.yaml"))
        _ = try await cli(["apply", "-f", path("internal.yaml")], server)
        _ = try await cli(
            ["register", "--service", "shop", "--address", "127.0.0.1", "--port", "http:\(backend.port)"], server)
        _ = try await cli(
            [
                "ca", "issue", "--spiffe-id", "spiffe://cluster.local/ns/default/sa/client", "--ttl", "1h", "--cert-out",
                path("client.pem"), "--key-out", path("client-key.pem"),
            ], server)
        try Self.write(try await cli(["ca", "bundle"], server), path("bundle.pem"))
        let stranger = try TestPKI.Authority(trustDomain: "cluster.local", commonName: "stranger CA")
        let strangerLeaf = try stranger.issue(spiffeID: "spiffe://cluster.local/ns/default/sa/client")
        try Self.write(try strangerLeaf.chainPEM, path("stranger.pem"))
        try Self.write(strangerLeaf.privateKeyPEM, path("stranger-key.pem"))

        // meshbox-ca: curl trusting only the mesh CA's bundle verifies the gateway by the host name.
        try await eventually("the meshbox-ca server to verify with the bundle", timeout: .seconds(20)) {
            let result = try await Tool.run(
                "bash",
                [
                    "-c",
                    "curl -sS --max-time 5 --cacert <(MESHBOX_SERVER=\(server.process.consoleURL.absoluteString) MESHBOX_TOKEN=\(server.process.adminToken) \(MeshboxProcess.binaryPath()) ca bundle) --resolve \(host):\(internalPort):127.0.0.1 https://\(host):\(internalPort)/",
                ])
            return result.status == 0 && result.output == "shop"
        }
        let wrongName = try await Tool.run(
            "curl",
            ["-sS", "--max-time", "5", "--cacert", path("bundle.pem"), "--resolve", "other.corp.internal:\(internalPort):127.0.0.1",
             "https://other.corp.internal:\(internalPort)/"])
        #expect(wrongName.status != 0, "a name the certificate does not carry must not verify: \(wrongName.output)")

        // ISTIO_MUTUAL: the gateway's chain verifies against the bundle (openssl), and only mesh clients get in.
        let verified = try await Tool.run(
            "bash",
            ["-c", "openssl s_client -connect 127.0.0.1:\(meshPort) -CAfile \(path("bundle.pem")) -cert \(path("client.pem")) -key \(path("client-key.pem")) -verify_return_error -showcerts </dev/null 2>&1 | openssl x509 -noout -ext subjectAltName 2>&1; openssl s_client -connect 127.0.0.1:\(meshPort) -CAfile \(path("bundle.pem")) -cert \(path("client.pem")) -key \(path("client-key.pem")) -verify_return_error </dev/null 2>&1 | grep -E 'Verify return code'"])
        #expect(verified.output.contains("URI:\(Self.gatewayID)"), "\(verified.output)")
        #expect(verified.output.contains("Verify return code: 0 (ok)"), "\(verified.output)")
        let mesh = try await Tool.run(
            "curl",
            ["-sS", "--max-time", "5", "-k", "--cert", path("client.pem"), "--key", path("client-key.pem"),
             "https://127.0.0.1:\(meshPort)/"])
        #expect(mesh.status == 0 && mesh.output == "shop", "\(mesh.output)")
        let anonymous = try await Tool.run("curl", ["-sS", "--max-time", "5", "-k", "https://127.0.0.1:\(meshPort)/"])
        #expect(anonymous.status != 0 && anonymous.output != "shop", "\(anonymous.output)")
        let strange = try await Tool.run(
            "curl",
            ["-sS", "--max-time", "5", "-k", "--cert", path("stranger.pem"), "--key", path("stranger-key.pem"),
             "https://127.0.0.1:\(meshPort)/"])
        #expect(strange.status != 0 && strange.output != "shop", "\(strange.output)")

        // A root rotation reaches the snapshot's bundle; clients of the old root and of the new one both get in.
        func bundleDigest() async throws -> String? {
            let (_, data, _) = try await server.client.raw("GET", "/api/v1/snapshot")
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let secrets = json?["secrets"] as? [[String: Any]] ?? []
            let rootCA = secrets.first { $0["name"] as? String == "ROOTCA" }
            return (rootCA?["material"] as? [String: Any])?["trustedCA"] as? String
        }
        let before = try #require(try await bundleDigest())
        _ = try await cli(["ca", "rotate-root"], server)
        try await eventually("the rotated bundle in the snapshot") { try await bundleDigest() != before }
        _ = try await cli(
            [
                "ca", "issue", "--spiffe-id", "spiffe://cluster.local/ns/default/sa/client", "--ttl", "1h", "--cert-out",
                path("client2.pem"), "--key-out", path("client2-key.pem"),
            ], server)
        for (certificate, key) in [("client.pem", "client-key.pem"), ("client2.pem", "client2-key.pem")] {
            let after = try await Tool.run(
                "curl",
                ["-sS", "--max-time", "5", "-k", "--cert", path(certificate), "--key", path(key), "https://127.0.0.1:\(meshPort)/"])
            #expect(after.status == 0 && after.output == "shop", "\(certificate) after the rotation: \(after.output)")
        }

        // A wildcard host with meshbox-ca is refused at apply, at the host's field path.
        try Self.write(yaml.replacingOccurrences(of: "[\"\(host)\"]", with: "[\"*.corp.internal\"]"), path("wild.yaml"))
        let wild = try await runMeshboxCLI(["apply", "-f", path("wild.yaml")], environment: server.cliEnvironment)
        #expect(wild.status != 0)
        #expect(wild.stderr.contains("spec.servers[1].hosts[0]") && wild.stderr.contains("exact host names only"), "\(wild.stderr)")
        await server.process.stop()
        await backend.stop()
    }
}
