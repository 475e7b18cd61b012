import MeshModel
import MeshXDSProto
import SwiftProtobuf

/// The TLS pieces listeners and clusters share: certificates and trust by SDS name (served by
/// `SecretTranslator` over the same ADS stream), SAN matchers and protocol versions.
enum TLSContexts {
    static let transportSocketName = "envoy.transport_sockets.tls"
    /// The bundle Debian's ca-certificates installs: "system trust" for a SIMPLE origination
    /// without a CA (Envoy has no default trust store; Istio points at the same file).
    static let systemTrustBundle = "/etc/ssl/certs/ca-certificates.crt"

    static func sdsSecret(_ name: String) -> Envoy_Extensions_TransportSockets_Tls_V3_SdsSecretConfig {
        var config = Envoy_Extensions_TransportSockets_Tls_V3_SdsSecretConfig()
        config.name = name
        config.sdsConfig = Envoy.adsConfigSource
        return config
    }

    static func transportSocket(_ context: some SwiftProtobuf.Message) -> Envoy_Config_Core_V3_TransportSocket {
        var socket = Envoy_Config_Core_V3_TransportSocket()
        socket.name = transportSocketName
        socket.typedConfig = XDSAny.pack(context)
        return socket
    }

    static func protocolVersion(_ version: Snapshot.TLSVersion)
        -> Envoy_Extensions_TransportSockets_Tls_V3_TlsParameters.TlsProtocol
    {
        switch version {
        case .v1_0: .tlsv10
        case .v1_1: .tlsv11
        case .v1_2: .tlsv12
        case .v1_3: .tlsv13
        }
    }

    /// Exact SAN matches, typed as Envoy wants them: a SPIFFE ID (or any URI) as URI, an IP
    /// literal as IP_ADDRESS, anything else as DNS.
    static func subjectAltNameMatchers(_ names: [String])
        -> [Envoy_Extensions_TransportSockets_Tls_V3_SubjectAltNameMatcher]
    {
        names.map { name in
            var matcher = Envoy_Extensions_TransportSockets_Tls_V3_SubjectAltNameMatcher()
            matcher.sanType = name.contains("://") ? .uri : Envoy.isIPLiteral(name) ? .ipAddress : .dns
            matcher.matcher = Envoy.stringMatcher(.exact(name))
            return matcher
        }
    }

    /// Trust from the SDS secret `caSecretName`, with `extra` checks (SANs, pins) when there are any.
    static func validation(
        caSecretName: String,
        extra: Envoy_Extensions_TransportSockets_Tls_V3_CertificateValidationContext
    ) -> Envoy_Extensions_TransportSockets_Tls_V3_CommonTlsContext.OneOf_ValidationContextType {
        if extra == Envoy_Extensions_TransportSockets_Tls_V3_CertificateValidationContext() {
            return .validationContextSdsSecretConfig(sdsSecret(caSecretName))
        }
        var combined = Envoy_Extensions_TransportSockets_Tls_V3_CommonTlsContext.CombinedCertificateValidationContext()
        combined.defaultValidationContext = extra
        combined.validationContextSdsSecretConfig = sdsSecret(caSecretName)
        return .combinedValidationContext(combined)
    }
}
