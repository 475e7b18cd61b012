public import MeshCore
public import NIOSSL
import SwiftASN1
public import X509

/// A workload's TLS material as PEM: its certificate chain (leaf first), its private key, and the
/// trust bundle of CA certificates it accepts peers from.
public struct TLSIdentity: Sendable, Hashable {
    public var certificateChainPEM: String
    public var privateKeyPEM: String
    public var trustBundlePEM: String

    public init(certificateChainPEM: String, privateKeyPEM: String, trustBundlePEM: String) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
        self.trustBundlePEM = trustBundlePEM
    }

    /// A server context (TLS 1.2+). With `requireClientCertificate` the client must present a certificate
    /// (mutual TLS); the chain and SPIFFE ID are checked by `SPIFFEPeerVerifier`'s callback on the handler,
    /// which replaces BoringSSL's verification. Without it no client certificate is asked for.
    public func makeServerContext(requireClientCertificate: Bool) throws(MeshError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try certificateChain().map { .certificate($0) },
            privateKey: .privateKey(try privateKey())
        )
        configuration.minimumTLSVersion = .tlsv12
        if requireClientCertificate {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try trustBundle())
        }
        return try makeContext(configuration)
    }

    /// A client context (TLS 1.2+) presenting this identity. The server is checked against the trust bundle
    /// without hostname verification: a mesh peer's identity is its SPIFFE ID, not a DNS name. Pass a
    /// `SPIFFEPeerVerifier` callback to the client handler to check that ID too.
    public func makeClientContext() throws(MeshError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateChain = try certificateChain().map { .certificate($0) }
        configuration.privateKey = .privateKey(try privateKey())
        configuration.trustRoots = .certificates(try trustBundle())
        configuration.certificateVerification = .noHostnameVerification
        return try makeContext(configuration)
    }

    /// The trust bundle as swift-certificates values, for `SPIFFEPeerVerifier`.
    public func trustRoots() throws(MeshError) -> [Certificate] {
        try TLSIdentity.parseCertificates(trustBundlePEM, what: "trust bundle")
    }

    func certificateChain() throws(MeshError) -> [NIOSSLCertificate] {
        let chain = try TLSIdentity.nioCertificates(certificateChainPEM, what: "certificate chain")
        guard !chain.isEmpty else { throw MeshError(.configuration, "TLS certificate chain holds no certificate") }
        return chain
    }

    func trustBundle() throws(MeshError) -> [NIOSSLCertificate] {
        let bundle = try TLSIdentity.nioCertificates(trustBundlePEM, what: "trust bundle")
        guard !bundle.isEmpty else { throw MeshError(.configuration, "TLS trust bundle holds no certificate") }
        return bundle
    }

    func privateKey() throws(MeshError) -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        } catch {
            throw MeshError(.configuration, "TLS private key is not a valid PEM private key", cause: error)
        }
    }

    private func makeContext(_ configuration: TLSConfiguration) throws(MeshError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw MeshError(.configuration, "TLS context could not be created", cause: error)
        }
    }

    static func nioCertificates(_ pem: String, what: String) throws(MeshError) -> [NIOSSLCertificate] {
        do {
            return try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        } catch {
            throw MeshError(.configuration, "TLS \(what) is not valid PEM", cause: error)
        }
    }

    static func parseCertificates(_ pem: String, what: String) throws(MeshError) -> [Certificate] {
        do {
            return try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
        } catch {
            throw MeshError(.configuration, "TLS \(what) is not valid PEM", cause: error)
        }
    }
}
