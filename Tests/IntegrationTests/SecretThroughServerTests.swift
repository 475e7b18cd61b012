import Foundation
import MeshRemote
import MeshTesting
import NIOCore
import NIOPosix
import Testing

/// `credentialName` end to end in the real binary: a Secret applied with the CLI serves TLS; no
/// read path of the admin API or the CLI shows its values; rotation and rollback reach the gateway;
/// the store file is private to its owner.
@Suite("Secrets through the real server")
struct SecretThroughServerTests {
    static let host = "shop.example.com"

    static func run(_ tool: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await Tool.run(tool, arguments)
    }

    static func secretYAML(_ leaf: TestPKI.Leaf) throws -> String {
        func block(_ pem: String) -> String { pem.split(separator: "\n").map { "    \($0)\n" }.joined() }
        return """
            apiVersion: v1
            kind: Secret
            metadata: {name: shop-cert, namespace: default}
            type: kubernetes.io/tls
            stringData:
              tls.crt: |
            \(block(try leaf.chainPEM))  tls.key: |
            \(block(leaf.privateKeyPEM))
            """
    }

    /// Whether `curl` trusting `caFile` gets the backend's answer over TLS.
    static func served(port: Int, caFile: String) async -> Bool {
        let result = try? await Self.run(
            "curl",
            [
                "-sS", "--max-time", "5", "--cacert", caFile, "--resolve", "\(host):\(port):127.0.0.1",
                "https://\(host):\(port)/cart",
            ]
        )
        return result?.status == 0 && result?.output == "v1"
    }

    static func expectRedacted(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            !text.contains("BEGIN") && !text.contains("PRIVATE KEY"),
            "\(what) shows key material: \(text.prefix(600))",
            sourceLocation: sourceLocation
        )
    }

    @Test("a Secret serves TLS; reads are redacted; rotation and rollback reach the gateway; the store is 0600")
    func endToEnd() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-secret")
        let server = try await RunningServer.start(
            directory: directory,
            arguments: ["--gateway-listen", "127.0.0.1", "--gateway-threads", "1"]
        )
        defer { server.cleanUp() }
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await TestBackend.start(name: "v1", group: group)
        let port = try FreePort.take()
        let first = try TestPKI.Authority(trustDomain: "example.com", commonName: "first CA")
        let second = try TestPKI.Authority(trustDomain: "example.com", commonName: "second CA")
        let validity = Date().addingTimeInterval(90 * 86400)
        let firstLeaf = try first.issue(spiffeID: nil, dnsName: Self.host, notValidAfter: validity)
        let secondLeaf = try second.issue(spiffeID: nil, dnsName: Self.host, notValidAfter: validity)
        let firstCA = directory.path + "/first-ca.pem", secondCA = directory.path + "/second-ca.pem"
        try first.certificatePEM.write(toFile: firstCA, atomically: true, encoding: .utf8)
        try second.certificatePEM.write(toFile: secondCA, atomically: true, encoding: .utf8)

        let routing = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: default}
            spec:
              servers:
              - port: {number: \(port), name: https, protocol: HTTPS}
                hosts: ["\(Self.host)"]
                tls: {mode: SIMPLE, credentialName: shop-cert}
            ---
            apiVersion: meshbox.io/v1
            kind: Service
            metadata: {name: shop, namespace: default}
            spec:
              ports:
              - {name: http, number: 80, protocol: HTTP}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop, namespace: default}
            spec:
              hosts: ["\(Self.host)"]
              gateways: ["edge"]
              http:
              - route: [{destination: {host: shop}}]
            """
        let firstFile = directory.path + "/first.yaml", secondFile = directory.path + "/second.yaml"
        try (routing + "\n---\n" + Self.secretYAML(firstLeaf)).write(
            toFile: firstFile,
            atomically: true,
            encoding: .utf8
        )
        try Self.secretYAML(secondLeaf).write(toFile: secondFile, atomically: true, encoding: .utf8)
        let env = server.cliEnvironment
        let apply = try await runMeshboxCLI(["apply", "-f", firstFile], environment: env)
        #expect(apply.status == 0, "stderr: \(apply.stderr)")
        let firstRevision = try await server.client.revision()
        let register = try await runMeshboxCLI(
            [
                "register", "--service", "shop", "--address", "127.0.0.1", "--port", "http:\(backend.port)",
                "--tcp-check",
                "--interval", "1s", "--timeout", "500ms",
            ],
            environment: env
        )
        #expect(register.status == 0, "stderr: \(register.stderr)")
        try await eventually("the gateway to serve the Secret's certificate") {
            await Self.served(port: port, caFile: firstCA)
        }

        // Every read path shows placeholders.
        let client = server.client
        for path in [
            "/api/v1/resources/secrets/default/shop-cert", "/api/v1/resources/secrets/default/shop-cert?format=yaml",
            "/api/v1/resources?kind=secret", "/api/v1/resources", "/api/v1/snapshot", "/api/v1/traffic",
        ] {
            let (status, body, _) = try await client.raw("GET", path)
            #expect(status == 200, "\(path): \(status)")
            Self.expectRedacted(String(decoding: body, as: UTF8.self), path)
        }
        let (_, one, _) = try await client.raw("GET", "/api/v1/resources/secrets/default/shop-cert")
        #expect(String(decoding: one, as: UTF8.self).contains("<redacted: "))
        for format in ["yaml", "json"] {
            let get = try await runMeshboxCLI(["get", "secret", "shop-cert", "-o", format], environment: env)
            #expect(get.status == 0 && get.stdout.contains("<redacted: "), "\(get.stderr)")
            Self.expectRedacted(get.stdout, "meshbox get -o \(format)")
        }

        // Rotation: new connections get the second certificate.
        let rotate = try await runMeshboxCLI(["apply", "-f", secondFile], environment: env)
        #expect(
            rotate.status == 0 && rotate.stdout.contains("secret/shop-cert (default) configured"),
            "\(rotate.stdout) \(rotate.stderr)"
        )
        try await eventually("new connections to get the rotated certificate") {
            await Self.served(port: port, caFile: secondCA)
        }
        #expect(!(await Self.served(port: port, caFile: firstCA)))

        for path in [
            "/api/v1/resources/secrets/default/shop-cert/history",
            "/api/v1/resources/secrets/default/shop-cert/history?format=yaml",
        ] {
            let (status, body, _) = try await client.raw("GET", path)
            let text = String(decoding: body, as: UTF8.self)
            #expect(status == 200)
            Self.expectRedacted(text, path)
            #expect(
                text.components(separatedBy: "<redacted: ").count - 1 >= 4,
                "two versions of two values: \(text.prefix(400))"
            )
        }
        let history = try await runMeshboxCLI(["history", "secret", "shop-cert", "-o", "yaml"], environment: env)
        Self.expectRedacted(history.stdout, "meshbox history -o yaml")
        let (diffStatus, diff, _) = try await client.raw(
            "POST",
            "/api/v1/diff",
            body: Data((try Self.secretYAML(firstLeaf)).utf8),
            contentType: "application/yaml"
        )
        let diffText = String(decoding: diff, as: UTF8.self)
        #expect(diffStatus == 200 && diffText.contains("\"action\":\"configured\""), "\(diffText.prefix(400))")
        Self.expectRedacted(diffText, "POST /api/v1/diff")

        // What `get -o yaml` prints can be applied back (labels edited): the placeholders keep the stored values.
        let shown = try await runMeshboxCLI(["get", "secret", "shop-cert", "-o", "yaml"], environment: env)
        let edited = shown.stdout.replacingOccurrences(
            of: "  name: shop-cert\n",
            with: "  labels: {team: shop}\n  name: shop-cert\n"
        )
        let editedFile = directory.path + "/edited.yaml"
        try edited.write(toFile: editedFile, atomically: true, encoding: .utf8)
        let reapply = try await runMeshboxCLI(["apply", "-f", editedFile], environment: env)
        #expect(reapply.status == 0 && reapply.stdout.contains("configured"), "\(reapply.stdout) \(reapply.stderr)")
        #expect(await Self.served(port: port, caFile: secondCA))

        // Rollback to the first revision brings the first key material back to the gateway.
        let rollback = try await runMeshboxCLI(
            ["rollback", "secret", "shop-cert", "--to-revision", String(firstRevision)],
            environment: env
        )
        #expect(rollback.status == 0, "\(rollback.stderr)")
        try await eventually("the rolled-back certificate to be served") { await Self.served(port: port, caFile: firstCA) }

        // The store file holds private keys: owner-only.
        let attributes = try FileManager.default.attributesOfItem(atPath: server.process.dataDirectory + "/config.db")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        for log in [server.process.stdoutPath, server.process.stderrPath] {
            Self.expectRedacted((try? String(contentsOfFile: log, encoding: .utf8)) ?? "", log)
        }
        await backend.stop()
        #expect(await server.process.stop() == 0)
    }
}
