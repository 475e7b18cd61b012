import NIOSSL

extension UpstreamTLSContexts {
    /// NIOSSL's client configuration for resolved upstream TLS material: TLS 1.2 or later (Envoy's
    /// client default), ALPN `http/1.1` for HTTP clusters (`h2` first for HTTP/2 ones) and none for TCP relays.
    static func makeConfiguration(_ key: Key) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if key.offersHTTP {
            configuration.applicationProtocols = key.offersH2 ? h2ApplicationProtocols : applicationProtocols
        }
        switch key.verification {
        case .none: configuration.certificateVerification = .none
        case .chainOnly: configuration.certificateVerification = .noHostnameVerification
        case .chainAndHostname: configuration.certificateVerification = .fullVerification
        }
        if let trusted = key.trustedCAsPEM {
            configuration.trustRoots = .certificates(try certificates(trusted, what: "CA bundle"))
        } else {
            configuration.trustRoots = .default
        }
        if let chain = key.certificateChainPEM, let privateKey = key.privateKeyPEM {
            configuration.certificateChain = try certificates(chain, what: "client certificate chain").map {
                .certificate($0)
            }
            do {
                configuration.privateKey = .privateKey(
                    try NIOSSLPrivateKey(bytes: Array(privateKey.utf8), format: .pem)
                )
            } catch {
                throw failure("client private key is not a valid PEM key (\(error))")
            }
        }
        return configuration
    }

    static func makeContext(_ key: Key) throws -> NIOSSLContext {
        let configuration = try makeConfiguration(key)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            // BoringSSL refuses a key that does not match the certificate here.
            throw failure("client TLS context could not be created (do the certificate and key match?): \(error)")
        }
    }

    private static func certificates(_ pem: String, what: String) throws -> [NIOSSLCertificate] {
        let parsed: [NIOSSLCertificate]
        do {
            parsed = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        } catch {
            throw failure("\(what) is not valid PEM (\(error))")
        }
        guard !parsed.isEmpty else { throw failure("\(what) holds no certificate") }
        return parsed
    }
}
