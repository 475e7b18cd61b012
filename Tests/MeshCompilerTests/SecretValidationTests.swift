import Foundation
import MeshModel
import MeshTesting
import Testing

/// `Secret` validation on real certificates and keys: made at run time by `TestPKI` (P-256) and by
/// the `openssl` tool (RSA, SEC1 and PKCS#1 encodings). Here rather than in MeshModelTests because
/// this target has the test PKI.
@Suite("Secret validation with real certificates")
struct SecretValidationTests {
    /// `path: message (severity)` for every issue of the Secret made of `values`.
    static func issues(_ values: [String: String], type: String = "kubernetes.io/tls", now: Date = Date()) -> [String] {
        let yaml = Fixtures.secretYAML("web", type: type, values: values)
        do {
            let resource = try #require(try ResourceDecoder.decode(yaml).first)
            return Validator.validate(resource, now: now).map { "\($0.path): \($0.message) (\($0.severity.rawValue))" }
        } catch let error as ValidationError {
            return error.issues.map { "\($0.path): \($0.message) (\($0.severity.rawValue))" }
        } catch {
            return ["\(error)"]
        }
    }

    static func openssl(_ arguments: [String], in directory: TemporaryDirectory) async throws -> Int32 {
        try await ChildProcess.run("/usr/bin/env", ["openssl"] + arguments, currentDirectory: directory.path).status
    }

    @Test("a certificate with its key and CA is valid")
    func valid() throws {
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let leaf = try authority.issue(spiffeID: nil, dnsName: "web.example.com", notValidAfter: Date() + 90 * 86400)
        #expect(
            Self.issues([
                "tls.crt": try leaf.chainPEM, "tls.key": leaf.privateKeyPEM, "ca.crt": try authority.certificatePEM,
            ]) == []
        )
        // Istio's separate `<name>-cacert` Secret: Opaque with ca.crt only.
        #expect(Self.issues(["ca.crt": try authority.certificatePEM], type: "Opaque") == [])
    }

    @Test("a key that is not the certificate's is an error")
    func mismatchedKey() throws {
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let leaf = try authority.issue(spiffeID: nil, dnsName: "web.example.com", notValidAfter: Date() + 90 * 86400)
        let other = try authority.issue(spiffeID: nil, dnsName: "other.example.com", notValidAfter: Date() + 90 * 86400)
        #expect(
            Self.issues(["tls.crt": try leaf.chainPEM, "tls.key": other.privateKeyPEM]) == [
                "stringData.tls.key: does not match the certificate in tls.crt (its public key differs) (error)"
            ]
        )
        #expect(
            Self.issues(["tls.crt": try leaf.chainPEM, "tls.key": try leaf.certificatePEM]) == [
                "stringData.tls.key: must hold exactly one PEM private key, found 0 (error)"
            ]
        )
    }

    @Test("an expired certificate is an error; one close to expiry or not yet valid, a warning")
    func expiry() throws {
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let now = Date()
        let expired = try authority.issue(
            spiffeID: nil,
            dnsName: "web.example.com",
            notValidBefore: now - 7200,
            notValidAfter: now - 3600
        )
        let expiredIssues = Self.issues(["tls.crt": try expired.chainPEM, "tls.key": expired.privateKeyPEM], now: now)
        #expect(expiredIssues.count == 1)
        #expect(
            expiredIssues.first?.hasPrefix("stringData.tls.crt: the certificate expired at ") == true,
            "\(expiredIssues)"
        )
        #expect(expiredIssues.first?.hasSuffix("(error)") == true)

        let soon = try authority.issue(spiffeID: nil, dnsName: "web.example.com", notValidAfter: now + 10 * 86400 + 600)
        let soonIssues = Self.issues(["tls.crt": try soon.chainPEM, "tls.key": soon.privateKeyPEM], now: now)
        #expect(soonIssues.count == 1)
        #expect(
            soonIssues.first?.hasPrefix("stringData.tls.crt: the certificate expires in 10 days, at ") == true,
            "\(soonIssues)"
        )
        #expect(soonIssues.first?.hasSuffix("(warning)") == true)

        let early = try authority.issue(
            spiffeID: nil,
            dnsName: "web.example.com",
            notValidBefore: now + 3600,
            notValidAfter: now + 90 * 86400
        )
        let earlyIssues = Self.issues(["tls.crt": try early.chainPEM, "tls.key": early.privateKeyPEM], now: now)
        #expect(earlyIssues.count == 1 && earlyIssues.first?.contains("is not valid before") == true, "\(earlyIssues)")

        // A chain certificate is judged too: here the issuer is given as expired by judging a year later.
        let later = Self.issues(
            ["tls.crt": try soon.chainPEM, "tls.key": soon.privateKeyPEM],
            now: now + 11 * 365 * 86400
        )
        #expect(later.contains { $0.hasPrefix("stringData.tls.crt: chain certificate 2 expired at") }, "\(later)")

        // In ca.crt, an expired CA beside a valid one is a warning; when all are expired, an error.
        let oldAuthority = try TestPKI.Authority(trustDomain: "example.com", now: now - 11 * 365 * 86400)
        let mixed = Self.issues(
            ["ca.crt": try oldAuthority.certificatePEM + "\n" + (try authority.certificatePEM)],
            type: "Opaque",
            now: now
        )
        #expect(
            mixed.count == 1 && mixed[0].hasPrefix("stringData.ca.crt: CA certificate 1 expired at")
                && mixed[0].hasSuffix("(warning)"),
            "\(mixed)"
        )
        let dead = Self.issues(["ca.crt": try oldAuthority.certificatePEM], type: "Opaque", now: now)
        #expect(
            dead.count == 1 && dead[0].hasPrefix("stringData.ca.crt: the CA certificate expired at")
                && dead[0].hasSuffix("(error)"),
            "\(dead)"
        )
    }

    @Test("RSA (PKCS#8 and PKCS#1) and EC (SEC1) keys made by openssl are matched to their certificates")
    func opensslKeys() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-secret-keys")
        defer { directory.remove() }
        let commands: [[String]] = [
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-out", "rsa.crt", "-days", "90",
                "-subj", "/CN=rsa",
            ],
            ["genrsa", "-traditional", "-out", "rsa1.key", "2048"],
            ["req", "-x509", "-key", "rsa1.key", "-out", "rsa1.crt", "-days", "90", "-subj", "/CN=rsa1"],
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key"],
            ["req", "-x509", "-key", "ec.key", "-out", "ec.crt", "-days", "90", "-subj", "/CN=ec"],
        ]
        for command in commands { #expect(try await Self.openssl(command, in: directory) == 0, "openssl \(command)") }
        func read(_ name: String) throws -> String {
            try String(contentsOfFile: directory.path + "/" + name, encoding: .utf8)
        }
        #expect(try read("rsa1.key").contains("BEGIN RSA PRIVATE KEY"))
        #expect(try read("ec.key").contains("BEGIN EC PRIVATE KEY"))
        for name in ["rsa", "rsa1", "ec"] {
            #expect(
                Self.issues(["tls.crt": try read(name + ".crt"), "tls.key": try read(name + ".key")]) == [],
                "\(name)"
            )
        }
        #expect(
            Self.issues(["tls.crt": try read("rsa.crt"), "tls.key": try read("rsa1.key")]) == [
                "stringData.tls.key: does not match the certificate in tls.crt (its public key differs) (error)"
            ]
        )
        #expect(
            Self.issues(["tls.crt": try read("rsa.crt"), "tls.key": try read("ec.key")]) == [
                "stringData.tls.key: does not match the certificate in tls.crt (its public key differs) (error)"
            ]
        )
        // An encrypted key cannot be served.
        #expect(
            try await Self.openssl(
                ["pkcs8", "-topk8", "-in", "ec.key", "-out", "enc.key", "-passout", "pass:x"],
                in: directory
            ) == 0
        )
        #expect(
            Self.issues(["tls.crt": try read("ec.crt"), "tls.key": try read("enc.key")]) == [
                "stringData.tls.key: is encrypted; meshbox needs an unencrypted private key (error)"
            ]
        )
    }

    @Test("base64 data decodes to the same checks as stringData")
    func base64Data() throws {
        let authority = try TestPKI.Authority(trustDomain: "example.com")
        let leaf = try authority.issue(spiffeID: nil, dnsName: "web.example.com", notValidAfter: Date() + 90 * 86400)
        let other = try authority.issue(spiffeID: nil, dnsName: "other.example.com", notValidAfter: Date() + 90 * 86400)
        let yaml = """
            apiVersion: v1
            kind: Secret
            metadata: {name: web}
            type: kubernetes.io/tls
            data:
              tls.crt: \(Data(try leaf.chainPEM.utf8).base64EncodedString())
              tls.key: \(Data(other.privateKeyPEM.utf8).base64EncodedString())
            """
        let error = #expect(throws: ValidationError.self) { try ResourceDecoder.decode(yaml) }
        #expect(
            error?.issues.map(\.description) == [
                "Secret default/web: data.tls.key: does not match the certificate in tls.crt (its public key differs)"
            ]
        )
    }
}
