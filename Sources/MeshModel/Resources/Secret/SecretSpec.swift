import Foundation

/// A Kubernetes `Secret` (`apiVersion: v1`) holding a TLS credential, the object Istio users write
/// for a Gateway's `tls.credentialName`: `tls.crt` (the certificate chain, leaf first), `tls.key`
/// (its private key) and optionally `ca.crt` (CA certificates for `MUTUAL`), as PEM.
///
/// Unlike the other kinds it has no `spec`: `type`, `data` (base64) and `stringData` (plain text)
/// sit beside `metadata`, as in Kubernetes. The store keeps the values as written; every read path
/// of the admin API shows them redacted (see `redacted()`).
public struct SecretSpec: Sendable, Hashable, Codable {
    /// The Secret types meshbox reads.
    public enum SecretType: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
        /// `tls.crt` and `tls.key` required, `ca.crt` optional.
        case tls = "kubernetes.io/tls"
        /// Kubernetes' default type: Istio's separate `<credentialName>-cacert` Secret with `ca.crt`.
        case opaque = "Opaque"
    }

    /// Absent means `Opaque`, as in Kubernetes.
    public var type: SecretType?
    /// Values as base64 text.
    public var data: [String: String]
    /// Values as plain text (PEM); Kubernetes merges these into `data` on write, meshbox keeps them as written.
    public var stringData: [String: String]

    /// The certificate chain, leaf first.
    public static let certificateKey = "tls.crt"
    /// The leaf's private key.
    public static let privateKeyKey = "tls.key"
    /// CA certificates that verify client certificates (`MUTUAL`).
    public static let caCertificatesKey = "ca.crt"
    public static let knownKeys = [certificateKey, privateKeyKey, caCertificatesKey]
    /// Kubernetes' limit on a Secret's data.
    public static let maximumBytes = 1 << 20

    public init(type: SecretType? = .tls, data: [String: String] = [:], stringData: [String: String] = [:]) {
        self.type = type
        self.data = data
        self.stringData = stringData
    }

    /// A `kubernetes.io/tls` Secret with PEM in `stringData`.
    public static func tls(certificateChainPEM: String, privateKeyPEM: String, caCertificatesPEM: String? = nil)
        -> SecretSpec
    {
        var values = [certificateKey: certificateChainPEM, privateKeyKey: privateKeyPEM]
        if let caCertificatesPEM { values[caCertificatesKey] = caCertificatesPEM }
        return SecretSpec(type: .tls, stringData: values)
    }

    public var effectiveType: SecretType { type ?? .opaque }

    /// Every key, from `data` and `stringData`, sorted.
    public var keys: [String] { Set(data.keys).union(stringData.keys).sorted() }

    /// The bytes of `key`: `stringData` first (it wins in Kubernetes too), else decoded `data`;
    /// nil when absent or not base64.
    public func bytes(_ key: String) -> [UInt8]? {
        if let text = stringData[key] { return Array(text.utf8) }
        guard let encoded = data[key] else { return nil }
        return Self.decodeBase64(encoded).map(Array.init)
    }

    /// The value of `key` as text (PEM), or nil.
    public func text(_ key: String) -> String? {
        bytes(key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Where `key` is written, as a field path (`data.tls.crt` or `stringData.tls.crt`).
    public func path(of key: String) -> String {
        stringData[key] != nil ? "stringData.\(key)" : "data.\(key)"
    }

    /// Standard base64; line breaks and spaces (YAML block scalars) are ignored.
    static func decodeBase64(_ text: String) -> Data? {
        Data(base64Encoded: String(text.filter { !$0.isWhitespace }))
    }
}

extension SecretSpec: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["immutable"] }

    /// The fields a Secret document may have beside `apiVersion`, `kind` and `metadata`.
    static let documentFields: Set<String> = ["type", "data", "stringData"]
}
