import Foundation
import GRPCNIOTransportHTTP2Posix
import MeshAPI
import MeshCA
import MeshTesting
import MeshXDSServer

/// Certificates from a real meshbox CA: the ADS server's (the control plane's node identity,
/// signed by the admin path) and nodes' (spent join tokens, the join flow a node goes through).
struct ADSTestPKI: Sendable {
    static let trustDomain = "xds.test"
    let ca: CertificateAuthority
    let server: IssuedCertificate
    let serverKeyPEM: String

    init(directory: TemporaryDirectory) async throws {
        ca = try CertificateAuthority(directory: directory.path, trustDomain: Self.trustDomain)
        let (csr, key) = try CSRBuilder.make(
            spiffeID: SPIFFEID.node("control", trustDomain: Self.trustDomain).description
        )
        server = try await ca.sign(csrPEM: csr, ttl: .seconds(3600), requester: .admin)
        serverKeyPEM = key
    }

    /// The server side: mutual TLS that wants the node's own identity.
    var serverSecurity: XDSServer.Security {
        .mutualTLS(
            .init(
                certificateChainPEM: server.certificatePEM + server.chainPEM,
                privateKeyPEM: serverKeyPEM,
                trustRootsPEM: server.trustBundlePEM,
                nodeIdentity: { SPIFFEID.node($0, trustDomain: Self.trustDomain).description }
            )
        )
    }

    /// The server side with NodeCertificates.Renew served by this CA (`renewNode`).
    var renewingServerSecurity: XDSServer.Security {
        guard case .mutualTLS(var tls) = serverSecurity else { return serverSecurity }
        tls.renewNodeCertificate = { [ca] peer, csr in try await ca.renewNode(peerIdentity: peer, csrPEM: csr) }
        return .mutualTLS(tls)
    }

    /// A certificate for any identity, signed on the admin path (a workload's, say).
    func issue(_ spiffeID: String) async throws -> (certificate: IssuedCertificate, keyPEM: String) {
        let (csr, key) = try CSRBuilder.make(spiffeID: spiffeID)
        return (try await ca.sign(csrPEM: csr, ttl: .seconds(3600), requester: .admin), key)
    }

    /// A node joins with a join token: its certificate and key.
    func join(_ node: String) async throws -> (certificate: IssuedCertificate, keyPEM: String) {
        let token = try await ca.createJoinToken(ttl: .seconds(600), nodeName: node)
        let (csr, key) = try CSRBuilder.make(spiffeID: SPIFFEID.node(node, trustDomain: Self.trustDomain).description)
        return (try await ca.joinNode(token: token.token, nodeName: node, csrPEM: csr), key)
    }

    /// A node joins and its certificate chain, key and the mesh bundle are written as files (for Envoy).
    func writeNodeFiles(
        _ node: String,
        into directory: TemporaryDirectory
    ) async throws -> (certificate: String, key: String, ca: String) {
        let joined = try await join(node)
        let files = (
            certificate: directory.file("\(node).pem"), key: directory.file("\(node)-key.pem"),
            ca: directory.file("ca.pem")
        )
        try (joined.certificate.certificatePEM + joined.certificate.chainPEM)
            .write(toFile: files.certificate, atomically: true, encoding: .utf8)
        try joined.keyPEM.write(toFile: files.key, atomically: true, encoding: .utf8)
        try joined.certificate.trustBundlePEM.write(toFile: files.ca, atomically: true, encoding: .utf8)
        return files
    }

    /// A client presenting `certificate` (nil: none) and trusting the mesh CA.
    func clientSecurity(_ certificate: (certificate: IssuedCertificate, keyPEM: String)?)
        -> HTTP2ClientTransport.Posix.TransportSecurity
    {
        .tls(
            .init(
                certificateChain: certificate.map {
                    [.bytes(Array(($0.certificate.certificatePEM + $0.certificate.chainPEM).utf8), format: .pem)]
                } ?? [],
                privateKey: certificate.map { .bytes(Array($0.keyPEM.utf8), format: .pem) },
                serverCertificateVerification: .noHostnameVerification,
                trustRoots: .certificates([.bytes(Array(server.trustBundlePEM.utf8), format: .pem)])
            )
        )
    }
}
