import Foundation
import GRPCNIOTransportHTTP2Posix
import MeshCore
import NIOSSL

extension XDSServer {
    /// The listener's mutual TLS: the certificate from `reloader` (so a renewed one reaches new
    /// handshakes), clients verified by `trust` against the mesh bundle it holds now, without a
    /// host name check (a node's identity is its URI name, checked per stream by `XDSPeerIdentity`).
    static func mutualTLS(
        _ tls: TLS, reloader: XDSCertificateReloader, trust: XDSClientTrust
    ) throws(MeshError) -> HTTP2ServerTransport.Posix.TransportSecurity {
        .tls(
            .mTLS(
                certificateChain: [.bytes(Array(tls.certificateChainPEM.utf8), format: .pem)],
                privateKey: .bytes(Array(tls.privateKeyPEM.utf8), format: .pem)
            ) { config in
                config.certificateReloader = reloader
                config.trustRoots = .certificates([.bytes(Array(tls.trustRootsPEM.utf8), format: .pem)])
                config.clientCertificateVerification = .noHostnameVerification
                // Replaces NIOSSL's verification against `trustRoots` with the bundle held now.
                config.customVerificationCallback = { certificates, promise in trust.verify(certificates, promise) }
            }
        )
    }

    /// The expiry of the first certificate of a PEM chain.
    static func notAfter(of chainPEM: String) throws(MeshError) -> Date {
        let leaf: NIOSSLCertificate?
        do {
            leaf = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8)).first
        } catch {
            throw MeshError(.invalidArgument, "xds: the server's certificate does not parse: \(error)")
        }
        guard let leaf else { throw MeshError(.invalidArgument, "xds: the server's certificate chain has no PEM certificate") }
        return Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
    }
}
