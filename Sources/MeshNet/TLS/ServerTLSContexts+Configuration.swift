import MeshCore
import MeshModel
import NIOCore
import NIOSSL

extension ServerTLSContexts {
    /// Envoy's default floor for servers; older versions only when a listener asks for them.
    static let defaultMinimumVersion = Snapshot.TLSVersion.v1_2

    static func error(_ message: String, cause: (any Error)? = nil) -> MeshError {
        MeshError(.configuration, message, cause: cause)
    }

    static func makeContext(_ key: Key) throws -> NIOSSLContext {
        let configuration = try makeConfiguration(key)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            // BoringSSL refuses a key that does not match the certificate here.
            throw Self.error(
                "TLS context for secret '\(key.tls.certificateSecretName)' could not be created"
                    + " (do the certificate and key match?)",
                cause: error
            )
        }
    }

    /// How long a closing connection waits for the client's close_notify after sending its own.
    ///
    /// nginx and Envoy do not wait at all. NIOSSL's default is 5 s, and its timer holds the whole
    /// TLS state of the connection (handler, BoringSSL `SSL`, two buffers: about 30 KiB) even when
    /// the socket is gone, because a connection that closes while waiting does not cancel it. With
    /// a new connection per request at 2,000 handshakes/s that was 10,000 closed connections, over
    /// 300 MiB. The response is already written when the gateway closes, so a short wait loses
    /// nothing.
    static let closeNotifyWait = TimeAmount.milliseconds(50)

    /// NIOSSL's server configuration for a listener's `ServerTLS` with its resolved PEM.
    static func makeConfiguration(_ key: Key) throws -> TLSConfiguration {
        let tls = key.tls
        let chain = try certificates(
            key.certificateChainPEM,
            what: "certificate chain",
            secret: tls.certificateSecretName
        )
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: Array(key.privateKeyPEM.utf8), format: .pem)
        } catch {
            throw Self.error(
                "private key of secret '\(tls.certificateSecretName)' is not a valid PEM key",
                cause: error
            )
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(privateKey)
        )
        configuration.shutdownTimeout = closeNotifyWait
        let minimum = tls.minVersion ?? defaultMinimumVersion
        if let maximum = tls.maxVersion, maximum < minimum {
            throw Self.error("TLS minVersion \(minimum.rawValue) is above maxVersion \(maximum.rawValue)")
        }
        configuration.minimumTLSVersion = nioVersion(minimum)
        configuration.maximumTLSVersion = tls.maxVersion.map(nioVersion)
        if !tls.cipherSuites.isEmpty {
            // They govern TLS 1.2 and below only.
            configuration.cipherSuites = try CipherSuiteNames.cipherString(
                tls.cipherSuites,
                secret: tls.certificateSecretName
            )
        }
        // NIOSSL asserts on an empty or over-long protocol name; refuse it as configuration instead.
        if let bad = tls.alpnProtocols.first(where: { $0.isEmpty || $0.utf8.count > 255 }) {
            throw Self.error("ALPN protocol '\(bad)' of secret '\(tls.certificateSecretName)' must be 1 to 255 bytes")
        }
        configuration.applicationProtocols = tls.alpnProtocols
        if tls.mode == .mutual, let trusted = key.trustedCAsPEM {
            let caName = tls.caSecretName ?? tls.certificateSecretName
            let roots = try certificates(trusted, what: "CA bundle", secret: caName)
            configuration.trustRoots = .certificates(roots)
            // Client identity is its certificate's SANs (checked by `ClientCertificateGate`), not a host name.
            configuration.certificateVerification =
                tls.requireClientCertificate ? .noHostnameVerification : .optionalVerification
        }
        return configuration
    }

    static func nioVersion(_ version: Snapshot.TLSVersion) -> TLSVersion {
        switch version {
        case .v1_0: .tlsv1
        case .v1_1: .tlsv11
        case .v1_2: .tlsv12
        case .v1_3: .tlsv13
        }
    }

    private static func certificates(_ pem: String, what: String, secret: String) throws -> [NIOSSLCertificate] {
        let parsed: [NIOSSLCertificate]
        do {
            parsed = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        } catch {
            throw Self.error("\(what) of secret '\(secret)' is not valid PEM", cause: error)
        }
        guard !parsed.isEmpty else { throw Self.error("\(what) of secret '\(secret)' holds no certificate") }
        return parsed
    }
}
