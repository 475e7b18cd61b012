import Foundation
import MeshModel
import Testing

/// A `Secret` as Istio users write it for `credentialName`: decoding, strictness, redaction.
/// (Certificates and keys that parse are checked in MeshCompilerTests, which has a test PKI.)
@Suite("Secret resources")
struct SecretDecodingTests {
    /// Every issue of decoding `text`, as `path: message`.
    static func issues(_ text: String) -> [String] {
        let found: [FieldIssue]
        do {
            found = try ResourceDecoder.decodeReportingWarnings(text).warnings
        } catch {
            found = error.issues
        }
        return found.map { $0.path.isEmpty ? $0.message : "\($0.path): \($0.message)" }
    }

    static func secret(_ body: String, type: String? = "kubernetes.io/tls") -> String {
        "apiVersion: v1\nkind: Secret\nmetadata: {name: web, namespace: edge}\n" + (type.map { "type: \($0)\n" } ?? "")
            + body
    }

    @Test("the kind is Kubernetes' core v1 Secret, found by its CLI names")
    func kind() {
        #expect(ResourceKind.secret.preferredAPIVersion == "v1")
        #expect(ResourceKind.secret.acceptedAPIVersions == ["v1"])
        #expect(ResourceKind(name: "secrets") == .secret)
        #expect(ResourceKind(name: "Secret") == .secret)
        #expect(ResourceKind.secret.plural == "secrets")
    }

    @Test(
        "structure is checked with field paths",
        arguments: [
            (secret("spec: {}\ndata: {}\n"), "spec: unknown field"),
            (secret("immutable: true\n"), "immutable: not supported"),
            (secret("data: {tls.pem: YWJj}\n"), "data.tls.pem: unknown key, meshbox reads tls.crt, tls.key, ca.crt"),
            (
                secret("data: {tls.crt: \"not base64!\"}\n"),
                "data.tls.crt: is not valid base64 (use stringData for plain PEM)"
            ),
            (
                secret("data: {ca.crt: YWJj}\nstringData: {ca.crt: abc}\n", type: "Opaque"),
                "stringData.ca.crt: also given in data; give each key once"
            ),
            (
                secret("stringData: {tls.crt: x}\n"),
                "data.tls.key: missing required key: a kubernetes.io/tls Secret holds tls.crt and tls.key"
            ),
            (secret("stringData: {}\n", type: nil), "data: a Secret for meshbox holds tls.crt and tls.key, or ca.crt"),
            (
                secret("stringData: {ca.crt: x}\n", type: "Opaque"),
                "stringData.ca.crt: holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            ),
            (
                secret("stringData: {ca.crt: \"-----BEGIN CERTIFICATE-----\\nAAAA\\n\"}\n", type: "Opaque"),
                "stringData.ca.crt: is not valid PEM: the CERTIFICATE block has no END line"
            ),
            (
                secret(
                    "stringData: {ca.crt: \"-----BEGIN CERTIFICATE-----\\nAAEC\\n-----END CERTIFICATE-----\\n\"}\n",
                    type: "Opaque"
                ),
                "stringData.ca.crt: PEM block 1 is not an X.509 certificate: not a certificate"
            ),
            (
                secret(
                    "stringData: {ca.crt: \"-----BEGIN PRIVATE KEY-----\\nAAEC\\n-----END PRIVATE KEY-----\\n\"}\n",
                    type: "Opaque"
                ),
                "stringData.ca.crt: PEM block 1 is a PRIVATE KEY, not a CERTIFICATE; a private key belongs in tls.key"
            ),
            (
                secret("data: {}\n", type: "kubernetes.io/basic-auth"),
                "type: unknown value \"kubernetes.io/basic-auth\", expected one of kubernetes.io/tls, Opaque"
            ),
            (
                "apiVersion: networking.istio.io/v1\nkind: Secret\nmetadata: {name: web}\n",
                "apiVersion: apiVersion \"networking.istio.io/v1\" is not served for Secret, expected one of v1"
            ),
        ]
    )
    func structure(text: String, expected: String) {
        let found = Self.issues(text)
        #expect(found.contains(expected), "\(found)")
    }

    @Test("a placeholder is an HMAC-SHA256 prefix (RFC 4231 test case 1), not the value's plain SHA-256")
    func keyedDigest() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        #expect(
            SecretSpec.redactionPlaceholder(for: Array("Hi There".utf8), key: key)
                == "<redacted: 8 bytes, hmac b0344c61d8db3853>")
        #expect(
            SecretSpec.redactionPlaceholder(for: [UInt8](repeating: 0x61, count: 1_234_567), key: key).hasPrefix(
                "<redacted: 1,234,567 bytes, hmac "))
        // sha256("abc") begins ba7816bf8f01cfea: with the process's key the placeholder does not.
        let abc = SecretSpec.redactionPlaceholder(for: Array("abc".utf8))
        #expect(abc.hasPrefix("<redacted: 3 bytes, hmac ") && !abc.contains("ba7816bf8f01cfea"))
        #expect(abc == SecretSpec.redactionPlaceholder(for: Array("abc".utf8)))
    }

    @Test("displayed resources are redacted; the store's plain encoding keeps the values")
    func redaction() throws {
        let spec = SecretSpec(
            type: .opaque,
            data: ["ca.crt": Data("abc".utf8).base64EncodedString()],
            stringData: ["tls.key": "abc"]
        )
        let resource = Resource(metadata: ObjectMeta(name: "web"), spec: .secret(spec))
        let yaml = ResourceEncoder.yaml([resource])
        let abc = SecretSpec.redactionPlaceholder(for: Array("abc".utf8))
        #expect(yaml.contains("ca.crt: '\(abc)'"), "\(yaml)")
        #expect(yaml.contains("tls.key: '\(abc)'"), "\(yaml)")
        #expect(!yaml.contains("YWJj") && !yaml.contains(": abc"))
        #expect(yaml.contains("apiVersion: v1") && yaml.contains("kind: Secret") && !yaml.contains("spec"))
        #expect(!ResourceEncoder.json(resource).contains("YWJj"))
        #expect(!"\(resource)".contains("YWJj") && !"\(spec)".contains("abc\""))

        // What the store does: a plain JSONEncoder round-trips the real values.
        let stored = try JSONDecoder().decode(Resource.self, from: JSONEncoder().encode(resource))
        #expect(stored == resource)
        // Redacting twice changes nothing.
        #expect(spec.redacted().redacted() == spec.redacted())
    }

    @Test("a redacted Secret applied back keeps the stored values; a foreign placeholder is refused")
    func restoringPlaceholders() throws {
        let pem = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n"
        let stored = Resource(
            metadata: ObjectMeta(name: "web", namespace: "edge"),
            spec: .secret(SecretSpec(type: .opaque, data: ["ca.crt": Data(pem.utf8).base64EncodedString()]))
        )
        let shown = ResourceEncoder.yaml([stored])
        let edited = shown.replacingOccurrences(of: "name: web", with: "name: web\n  labels: {team: edge}")
        let restored = ResourceDecoder.restoringRedacted(
            try #require(try? JSONDecoder().decode(JSONValue.self, from: Data(ResourceEncoder.json(stored).utf8))),
            from: [stored.key: stored]
        )
        #expect(restored["data"]?["ca.crt"]?.stringValue == Data(pem.utf8).base64EncodedString())
        // Through the public entry point, the placeholder comes back as the stored value; the
        // certificate is then validated for real (and this one is not a certificate).
        let issues: [String]
        do {
            _ = try ResourceDecoder.decodeReportingWarnings(edited, restoringRedactedSecretsFrom: [stored.key: stored])
            issues = []
        } catch {
            issues = error.issues.map(\.description)
        }
        #expect(issues.contains { $0.contains("data.ca.crt: PEM block 1 is not an X.509 certificate") }, "\(issues)")
        // Without the stored Secret, the placeholder itself is refused.
        let foreign = Self.issues(edited)
        #expect(foreign.contains { $0.hasPrefix("data.ca.crt: is a redacted value as meshbox shows it") }, "\(foreign)")
    }

    @Test("inline snapshot material is redacted in the admin API's JSON, descriptions and mirrors")
    func snapshotMaterial() throws {
        let material = Snapshot.SecretMaterial(
            certificateChainPEM: "CHAIN-PEM",
            privateKeyPEM: "KEY-PEM",
            trustedCAsPEM: "CA-PEM"
        )
        let reference = Snapshot.SecretReference(
            name: "kubernetes://edge/web",
            kind: .certificate,
            source: .credential(name: "edge/web"),
            material: material
        )
        let snapshot = Snapshot(secrets: [reference])
        let redacting = JSONEncoder()
        redacting.userInfo[.redactSecrets] = true
        let json = String(decoding: try redacting.encode(snapshot), as: UTF8.self)
        var dumped = ""
        dump(snapshot, to: &dumped)
        for text in [json, "\(snapshot)", "\(material)", String(reflecting: snapshot), dumped] {
            #expect(!text.contains("KEY-PEM") && !text.contains("CHAIN-PEM") && !text.contains("CA-PEM"), "\(text)")
        }
        #expect(json.contains("<redacted: 7 bytes"))
        // An encoder that does not ask for redaction (a data plane persisting its snapshot) keeps the keys.
        let kept = try JSONDecoder().decode(Snapshot.self, from: JSONEncoder().encode(snapshot))
        #expect(kept == snapshot)
    }
}
