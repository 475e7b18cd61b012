import MeshCore
import NIOCertificateReloading
import NIOSSL
import Synchronization

/// The ADS listener's certificate and key as every new TLS handshake takes them: swapped in place
/// when the server's certificate is renewed (`XDSServerCertificateRenewal`); connections already
/// open keep the certificate they were made with.
final class XDSCertificateReloader: CertificateReloader {
    private let current: Mutex<NIOSSLContextConfigurationOverride>

    init(certificateChainPEM: String, privateKeyPEM: String) throws(MeshError) {
        current = Mutex(try Self.override(certificateChainPEM, privateKeyPEM))
    }

    var sslContextConfigurationOverride: NIOSSLContextConfigurationOverride { current.withLock { $0 } }

    /// Takes a new certificate and key for the handshakes from now on.
    func update(certificateChainPEM: String, privateKeyPEM: String) throws(MeshError) {
        let override = try Self.override(certificateChainPEM, privateKeyPEM)
        current.withLock { $0 = override }
    }

    private static func override(_ chainPEM: String, _ keyPEM: String) throws(MeshError) -> NIOSSLContextConfigurationOverride {
        var override = NIOSSLContextConfigurationOverride()
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
            guard !chain.isEmpty else { throw MeshError(.invalidArgument, "no certificate in the ADS server's chain") }
            override.certificateChain = chain.map { .certificate($0) }
            override.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
        } catch let error as MeshError {
            throw error
        } catch {
            throw MeshError(.invalidArgument, "the ADS server's certificate or key does not load: \(error)")
        }
        return override
    }
}
