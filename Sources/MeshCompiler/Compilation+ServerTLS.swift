import Foundation
import MeshAPI
import MeshModel

extension Compilation {
    /// The TLS a gateway server terminates, registering its secrets; nil (with a warning) when incomplete.
    mutating func serverTLS(_ server: GatewayServer) -> Snapshot.ServerTLS? {
        guard let settings = server.server.tls else { return nil }
        // Client certificate pins: a malformed one refuses the server rather than admit clients
        // it was meant to exclude.
        guard let pins = certificatePins(settings, server) else { return nil }
        var tls = Snapshot.ServerTLS(mode: .simple, certificateSecretName: "")
        tls.minVersion = Self.tlsVersion(settings.minProtocolVersion)
        tls.maxVersion = Self.tlsVersion(settings.maxProtocolVersion)
        tls.cipherSuites = settings.cipherSuites
        tls.subjectAltNames = settings.subjectAltNames
        (tls.verifyCertificateHash, tls.verifyCertificateSpki) = pins
        if server.kind == .terminatedHTTPS { tls.alpnProtocols = ["h2", "http/1.1"] }
        switch settings.mode {
        case .mutual, .istioMutual:
            tls.mode = .mutual
            tls.requireClientCertificate = true
        case .optionalMutual:
            tls.mode = .mutual
        default:
            tls.mode = .simple
        }
        if settings.mode == .istioMutual {
            // Mesh clients call the gateway with their workload certificates; it answers with its own.
            let secrets = meshIdentitySecrets(
                owner: server.gateway, path: server.path + ".tls.mode", refused: "TLS on this server is refused")
            tls.certificateSecretName = secrets.certificate
            tls.caSecretName = secrets.trustedCA
        } else if settings.credentialName == MeshCAMaterial.reservedCredentialName {
            guard let certificate = meshCAServerCertificate(server) else { return nil }
            tls.certificateSecretName = certificate
            if tls.mode == .mutual {
                // Clients of a mutual server with a mesh-CA certificate present mesh certificates.
                tls.caSecretName = meshTrustBundleSecret(
                    owner: server.gateway, path: server.path + ".tls.credentialName")
            }
        } else if let credential = settings.credentialName, !credential.isEmpty {
            // meshbox's gateway has no pod: the Gateway's namespace stands for the workload's, where Istio looks.
            let secrets = addCredential(
                credential, namespace: server.gateway.namespace, certificate: true, trustedCA: tls.mode == .mutual,
                owner: server.gateway, path: server.path + ".tls.credentialName")
            tls.certificateSecretName = secrets.certificate ?? ""
            tls.caSecretName = secrets.trustedCA
        } else if let certificate = settings.serverCertificate, let key = settings.privateKey {
            tls.certificateSecretName = addSecret(
                "file-cert:\(certificate)~\(key)", .certificate, .files(certificate: certificate, privateKey: key))
            if tls.mode == .mutual, let ca = settings.caCertificates {
                tls.caSecretName = addSecret("file-root:\(ca)", .validationContext, .caFile(ca))
            }
        } else {
            warn(server.gateway, server.path + ".tls", "needs credentialName or serverCertificate and privateKey; ignored")
            return nil
        }
        if tls.mode == .mutual, tls.caSecretName == nil {
            warn(server.gateway, server.path + ".tls", "mutual TLS needs CA certificates; ignored")
            return nil
        }
        return tls
    }

    static func tlsVersion(_ version: GatewaySpec.ServerTLSSettings.ProtocolVersion?) -> Snapshot.TLSVersion? {
        switch version {
        case .v1_0: .v1_0
        case .v1_1: .v1_1
        case .v1_2: .v1_2
        case .v1_3: .v1_3
        case .auto, nil: nil
        }
    }
}

/// SNI names already taken by filter chains of one listener (Envoy rejects duplicates).
struct SNIClaims {
    private var names: Set<String> = []
    private var catchAll = false

    /// The names still free (empty for a catch-all chain), or nil when nothing is left.
    mutating func claim(_ hosts: [String]) -> [String]? {
        if hosts.isEmpty || hosts.contains("*") {
            if catchAll { return nil }
            catchAll = true
            return []
        }
        let fresh = hosts.filter { names.insert($0).inserted }
        return fresh.isEmpty ? nil : fresh.sorted()
    }
}

extension Compilation {
    /// `verifyCertificateHash` as lower-case hex without colons (64 digits: SHA-256) and
    /// `verifyCertificateSpki` as base64 of 32 bytes; nil, with a warning, when one is malformed.
    private mutating func certificatePins(
        _ settings: GatewaySpec.ServerTLSSettings, _ server: GatewayServer
    ) -> (hashes: [String], spkis: [String])? {
        var hashes: [String] = []
        for (index, pin) in settings.verifyCertificateHash.enumerated() {
            let hex = pin.filter { $0 != ":" }.lowercased()
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                warn(
                    server.gateway, server.path + ".tls.verifyCertificateHash[\(index)]",
                    "\"\(pin)\" is not a SHA-256 fingerprint (64 hexadecimal digits, colons allowed); this server is not served")
                return nil
            }
            hashes.append(hex)
        }
        var spkis: [String] = []
        for (index, pin) in settings.verifyCertificateSpki.enumerated() {
            guard let bytes = Data(base64Encoded: pin), bytes.count == 32 else {
                warn(
                    server.gateway, server.path + ".tls.verifyCertificateSpki[\(index)]",
                    "\"\(pin)\" is not a base64 SHA-256 digest (32 bytes); this server is not served")
                return nil
            }
            spkis.append(bytes.base64EncodedString())
        }
        return (hashes, spkis)
    }
}
