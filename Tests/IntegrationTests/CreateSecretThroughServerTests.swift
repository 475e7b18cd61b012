import Foundation
import MeshAPI
import MeshModel
import MeshRemote
import MeshTesting
import NIOCore
import NIOPosix
import Testing

/// `meshbox create secret` against the real binary: a TLS Secret from PEM files, stored and shown
/// redacted; the server's refusal with its field path; local errors for unreadable files; the
/// dry run; Istio's `-cacert` Secret with `generic --from-file`; and the expiry gauge and warning
/// a soon-expiring certificate leaves.
@Suite("meshbox create secret through the real server")
struct CreateSecretThroughServerTests {
    @Test("create secret tls/generic: stored, redacted, refused with field paths, expiry on /metrics and in the log")
    func createSecret() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-create-secret")
        let server = try await RunningServer.start(directory: directory)
        defer { server.cleanUp() }
        let env = server.cliEnvironment
        let authority = try TestPKI.Authority(trustDomain: "example.com", commonName: "shop CA")
        // 30 days of lifetime with 3 left: due for renewal (under 20 % and under 7 days).
        let soonNotAfter = Date().addingTimeInterval(3 * 86400)
        let soon = try authority.issue(
            spiffeID: nil, dnsName: "shop.example.com", notValidBefore: Date().addingTimeInterval(-27 * 86400),
            notValidAfter: soonNotAfter)
        let healthy = try authority.issue(spiffeID: nil, dnsName: "api.example.com", notValidAfter: Date().addingTimeInterval(90 * 86400))
        func write(_ name: String, _ text: String) throws -> String {
            let path = directory.path + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let soonCert = try write("soon.pem", try soon.chainPEM), soonKey = try write("soon-key.pem", soon.privateKeyPEM)
        let healthyCert = try write("api.pem", try healthy.chainPEM), healthyKey = try write("api-key.pem", healthy.privateKeyPEM)
        let caFile = try write("ca.pem", try authority.certificatePEM)

        // A dry run prints the Secret redacted and stores nothing.
        let dry = try await runMeshboxCLI(
            ["create", "secret", "tls", "shop-cert", "--cert", soonCert, "--key", soonKey, "--dry-run"], environment: env)
        #expect(dry.status == 0, "stderr: \(dry.stderr)")
        #expect(dry.stdout.contains("type: kubernetes.io/tls") && dry.stdout.contains("tls.key: '<redacted: "), "\(dry.stdout)")
        #expect(!dry.stdout.contains("PRIVATE KEY") && !dry.stdout.contains("BEGIN"), "\(dry.stdout)")
        let absent = try await runMeshboxCLI(["get", "secret", "shop-cert"], environment: env)
        #expect(absent.status != 0)

        let created = try await runMeshboxCLI(["create", "secret", "tls", "shop-cert", "--cert", soonCert, "--key", soonKey], environment: env)
        #expect(created.status == 0 && created.stdout.contains("secret/shop-cert (default) created"), "\(created.stdout) \(created.stderr)")
        // The server's validation warns at apply time.
        #expect(created.stderr.contains("warning:") && created.stderr.contains("expires in"), "\(created.stderr)")
        let shown = try await runMeshboxCLI(["get", "secret", "shop-cert", "-o", "yaml"], environment: env)
        #expect(shown.status == 0 && shown.stdout.contains("<redacted: ") && !shown.stdout.contains("PRIVATE KEY"), "\(shown.stdout)")

        // In another namespace, with a CA for MUTUAL; and Istio's -cacert Secret.
        let mutual = try await runMeshboxCLI(
            ["create", "secret", "tls", "api-cert", "-n", "edge", "--cert", healthyCert, "--key", healthyKey, "--ca-cert", caFile],
            environment: env)
        #expect(mutual.status == 0 && mutual.stdout.contains("secret/api-cert (edge) created"), "\(mutual.stdout) \(mutual.stderr)")
        let cacert = try await runMeshboxCLI(
            ["create", "secret", "generic", "api-cert-cacert", "-n", "edge", "--from-file=cacert=\(caFile)"], environment: env)
        #expect(cacert.status == 0, "\(cacert.stderr)")
        let stored = try await server.client.get(.init(kind: .secret, namespace: "edge", name: "api-cert-cacert"))
        guard case .secret(let spec) = stored.resource.spec else { throw MeshTestError("not a Secret") }
        #expect(spec.keys == ["ca.crt"] && spec.effectiveType == .opaque)

        // The server refuses a key of another certificate, naming the field; nothing is written.
        let mismatch = try await runMeshboxCLI(
            ["create", "secret", "tls", "wrong", "--cert", soonCert, "--key", healthyKey], environment: env)
        #expect(mismatch.status == 1, "\(mismatch.stdout)")
        #expect(mismatch.stderr.contains("Secret default/wrong: stringData.tls.key: does not match the certificate"), "\(mismatch.stderr)")
        // Files that cannot be read are the CLI's own errors.
        let missing = try await runMeshboxCLI(
            ["create", "secret", "tls", "wrong", "--cert", directory.path + "/nope.pem", "--key", soonKey], environment: env)
        #expect(missing.status != 0 && missing.stderr.contains("--cert \(directory.path)/nope.pem: no such file"), "\(missing.stderr)")
        let empty = try write("empty.pem", "")
        let blank = try await runMeshboxCLI(["create", "secret", "tls", "wrong", "--cert", soonCert, "--key", empty], environment: env)
        #expect(blank.status != 0 && blank.stderr.contains("--key \(empty): empty file"), "\(blank.stderr)")

        // The expiry gauge per Secret, and a warning in the server's log for the one due.
        let consolePort = try #require(server.process.consoleURL.port)
        func metrics() async throws -> [Substring] {
            let response = try await ProxyClient.request(
                port: consolePort, "GET", "/metrics", host: "127.0.0.1",
                headers: [("authorization", "Bearer \(server.process.adminToken)")], group: MultiThreadedEventLoopGroup.singleton)
            return response.text.split(separator: "\n").filter { $0.hasPrefix("meshbox_secret_certificate_expiry_timestamp_seconds{") }
        }
        try await eventually("both TLS Secrets on the expiry gauge") {
            let lines = try await metrics()
            return lines.contains { $0.contains("name=\"shop-cert\"") } && lines.contains { $0.contains("name=\"api-cert\"") }
        }
        let line = try #require(try await metrics().first { $0.contains("name=\"shop-cert\"") && $0.contains("namespace=\"default\"") })
        let value = try #require(line.split(separator: " ").last.flatMap { Double($0) })
        #expect(abs(value - soonNotAfter.timeIntervalSince1970) < 2, "\(line) vs \(soonNotAfter)")
        try await eventually("the warning for shop-cert in the server's log") {
            let log = server.process.stderr + server.process.stdout
            return log.split(separator: "\n").contains { $0.contains("Secret certificate expires soon") && $0.contains("shop-cert") }
        }
        let log = server.process.stderr + server.process.stdout
        #expect(!log.split(separator: "\n").contains { $0.contains("Secret certificate expires soon") && $0.contains("api-cert") })

        // A deleted Secret leaves the gauge.
        let deleted = try await runMeshboxCLI(["delete", "secret", "shop-cert"], environment: env)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        try await eventually("shop-cert to leave the gauge") { try await !metrics().contains { $0.contains("name=\"shop-cert\"") } }
    }
}

struct MeshTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
