public import MeshCore
import NIOCore
import NIOSSL
import Synchronization

/// The console listener's server certificate: from PEM files (`console.tls.certFile`/`keyFile`)
/// or issued by the mesh CA and renewed in the same process.
///
/// Every handshake presents the newest certificate (`update`), so a renewal needs no restart:
/// the listener's TLS configuration asks for it per ClientHello (NIOSSL's context callback).
public final class ConsoleTLS: Sendable {
    struct Credential {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    private let current: Mutex<Credential>

    /// - Throws: `MeshError(.invalidArgument)` naming what is wrong with the PEM text.
    public init(certificateChainPEM: String, privateKeyPEM: String) throws {
        current = Mutex(try Self.parse(certificateChainPEM: certificateChainPEM, privateKeyPEM: privateKeyPEM))
    }

    /// Replaces the certificate new connections get; connections already up keep theirs.
    public func update(certificateChainPEM: String, privateKeyPEM: String) throws {
        let credential = try Self.parse(certificateChainPEM: certificateChainPEM, privateKeyPEM: privateKeyPEM)
        current.withLock { $0 = credential }
    }

    /// The listener's TLS settings: TLS 1.2 or later, NIOSSL's default ciphers, and the current
    /// certificate picked at each handshake.
    func serverConfiguration() -> TLSConfiguration {
        let initial = current.withLock { $0 }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: initial.chain.map { .certificate($0) }, privateKey: .privateKey(initial.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        configuration.sslContextCallback = { [self] _, promise in
            let credential = self.current.withLock { $0 }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = credential.chain.map { .certificate($0) }
            override.privateKey = .privateKey(credential.key)
            promise.succeed(override)
        }
        return configuration
    }

    static func parse(certificateChainPEM: String, privateKeyPEM: String) throws -> Credential {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateChainPEM.utf8))
        } catch {
            throw MeshError(.invalidArgument, "the certificate is not PEM text NIOSSL can read (\(error))")
        }
        guard !chain.isEmpty else { throw MeshError(.invalidArgument, "no certificate in the PEM text") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        } catch {
            throw MeshError(.invalidArgument, "the private key is not PEM text NIOSSL can read (\(error))")
        }
        // Refuse a key that does not belong to the certificate now, not at the first handshake.
        do {
            var probe = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            probe.minimumTLSVersion = .tlsv12
            _ = try NIOSSLContext(configuration: probe)
        } catch {
            throw MeshError(.invalidArgument, "the private key does not match the certificate (\(error))")
        }
        return Credential(chain: chain, key: key)
    }
}
