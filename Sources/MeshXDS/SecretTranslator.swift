import Foundation
public import MeshModel
public import MeshXDSProto
import SwiftProtobuf

/// `Snapshot.SecretReference` → Envoy `Secret` (SDS): a certificate with its key, or CA
/// certificates to verify peers with, as inline bytes when the snapshot carries the material and
/// as file names for files on the data plane's host.
///
/// A reference with neither (the workload certificate or mesh trust bundle before the CA gave
/// them, a credential the compiler could not resolve) has nothing Envoy could load: the result
/// has no `type`, carries a note, and `XDSResourceSet` does not serve it.
public enum SecretTranslator {
    public static func translate(
        _ reference: Snapshot.SecretReference
    ) -> XDSTranslation<Envoy_Extensions_TransportSockets_Tls_V3_Secret> {
        var notes = XDSNotes(typeURL: XDSTypeURL.secret, resourceName: reference.name)
        var result = Envoy_Extensions_TransportSockets_Tls_V3_Secret()
        result.name = reference.name
        let material = reference.material
        switch reference.kind {
        case .certificate:
            if let chain = material?.certificateChainPEM, let key = material?.privateKeyPEM {
                var certificate = Envoy_Extensions_TransportSockets_Tls_V3_TlsCertificate()
                certificate.certificateChain = inline(chain)
                certificate.privateKey = inline(key)
                result.tlsCertificate = certificate
            } else if case .files(let certificatePath, let keyPath) = reference.source {
                var certificate = Envoy_Extensions_TransportSockets_Tls_V3_TlsCertificate()
                certificate.certificateChain = file(certificatePath)
                certificate.privateKey = file(keyPath)
                result.tlsCertificate = certificate
            } else {
                notes.add(
                    "material",
                    "no certificate and key in the snapshot (\(describe(reference.source))): not served"
                )
            }
        case .validationContext:
            if let trusted = material?.trustedCAsPEM {
                var validation = Envoy_Extensions_TransportSockets_Tls_V3_CertificateValidationContext()
                validation.trustedCa = inline(trusted)
                result.validationContext = validation
            } else if case .caFile(let path) = reference.source {
                var validation = Envoy_Extensions_TransportSockets_Tls_V3_CertificateValidationContext()
                validation.trustedCa = file(path)
                result.validationContext = validation
            } else {
                notes.add("material", "no CA certificates in the snapshot (\(describe(reference.source))): not served")
            }
        }
        return XDSTranslation(resource: result, notes: notes.all)
    }

    static func inline(_ pem: String) -> Envoy_Config_Core_V3_DataSource {
        var source = Envoy_Config_Core_V3_DataSource()
        source.inlineBytes = Data(pem.utf8)
        return source
    }

    static func file(_ path: String) -> Envoy_Config_Core_V3_DataSource {
        var source = Envoy_Config_Core_V3_DataSource()
        source.filename = path
        return source
    }

    static func describe(_ source: Snapshot.SecretReference.Source) -> String {
        switch source {
        case .credential(let name): "credential \(name)"
        case .files(let certificate, _): "file \(certificate)"
        case .caFile(let path): "file \(path)"
        case .workloadCertificate: "the node's workload certificate"
        case .meshTrustBundle: "the mesh trust bundle"
        }
    }
}
