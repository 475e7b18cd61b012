extension GatewaySpec {
    /// TLS on a gateway server (Istio's `ServerTLSSettings`).
    public struct ServerTLSSettings: Sendable, Hashable, Codable {
        /// Answer plain HTTP on this server with a redirect to HTTPS.
        public var httpsRedirect: Bool?
        public var mode: Mode?
        /// Path of the certificate file (PEM), when not using `credentialName`.
        public var serverCertificate: String?
        public var privateKey: String?
        public var caCertificates: String?
        /// Name of a secret held by meshbox that carries the key, certificate and CA.
        public var credentialName: String?
        public var subjectAltNames: [String]
        public var verifyCertificateSpki: [String]
        public var verifyCertificateHash: [String]
        public var minProtocolVersion: ProtocolVersion?
        public var maxProtocolVersion: ProtocolVersion?
        public var cipherSuites: [String]

        public init(
            httpsRedirect: Bool? = nil,
            mode: Mode? = nil,
            serverCertificate: String? = nil,
            privateKey: String? = nil,
            caCertificates: String? = nil,
            credentialName: String? = nil,
            subjectAltNames: [String] = [],
            verifyCertificateSpki: [String] = [],
            verifyCertificateHash: [String] = [],
            minProtocolVersion: ProtocolVersion? = nil,
            maxProtocolVersion: ProtocolVersion? = nil,
            cipherSuites: [String] = []
        ) {
            self.httpsRedirect = httpsRedirect
            self.mode = mode
            self.serverCertificate = serverCertificate
            self.privateKey = privateKey
            self.caCertificates = caCertificates
            self.credentialName = credentialName
            self.subjectAltNames = subjectAltNames
            self.verifyCertificateSpki = verifyCertificateSpki
            self.verifyCertificateHash = verifyCertificateHash
            self.minProtocolVersion = minProtocolVersion
            self.maxProtocolVersion = maxProtocolVersion
            self.cipherSuites = cipherSuites
        }

        public enum Mode: String, Sendable, Hashable, Codable, CaseIterable, StringEnumeration {
            case passthrough = "PASSTHROUGH"
            case simple = "SIMPLE"
            case mutual = "MUTUAL"
            case autoPassthrough = "AUTO_PASSTHROUGH"
            case istioMutual = "ISTIO_MUTUAL"
            case optionalMutual = "OPTIONAL_MUTUAL"
        }

        public enum ProtocolVersion: String, Sendable, Hashable, Codable, CaseIterable, Comparable, StringEnumeration {
            case auto = "TLS_AUTO"
            case v1_0 = "TLSV1_0"
            case v1_1 = "TLSV1_1"
            case v1_2 = "TLSV1_2"
            case v1_3 = "TLSV1_3"

            public static func < (lhs: Self, rhs: Self) -> Bool {
                (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
            }
        }
    }
}

extension GatewaySpec.ServerTLSSettings: UnsupportedFieldsDeclaring {
    static var unsupportedFields: Set<String> { ["caCrl", "credentialNames", "tlsCertificates"] }
}
