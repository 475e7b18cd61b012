import Logging
import MeshAPI
import MeshCA
import MeshConsole
import ServiceLifecycle

/// `console.tls.meshCA`: the console listener's certificate, issued by the mesh CA of this process
/// and renewed at half its lifetime with jitter by a `CertificateHolder` (the schedule and retry
/// the node identity uses); each renewal is handed to the listener, which presents it from the
/// next handshake on.
struct ConsoleCertificate: Service {
    let holder: CertificateHolder
    let tls: ConsoleTLS

    /// Issues the first certificate (start-up fails if the CA refuses: the console cannot serve TLS
    /// without one) and prepares its renewal.
    static func issue(
        authority: CertificateAuthority, dnsNames: [String], ttl: Duration?, logger: Logger
    ) async throws -> ConsoleCertificate {
        guard !dnsNames.isEmpty else {
            throw ApplianceError("console.tls.meshCA: no DNS name to put in the certificate; set console.tls.dnsNames")
        }
        let first: (certificate: IssuedCertificate, privateKeyPEM: String)
        do {
            first = try await authority.issueListenerCertificate(dnsNames: dnsNames, ttl: ttl)
        } catch {
            throw ApplianceError("console.tls.meshCA: the CA did not issue the console's certificate: \(error)")
        }
        let tls = try ConsoleTLS(certificateChainPEM: first.certificate.presentedChainPEM, privateKeyPEM: first.privateKeyPEM)
        logger.info(
            "Issued the console's certificate from the mesh CA",
            metadata: ["tls.hosts": "\(dnsNames.joined(separator: ","))", "ca.serial": "\(first.certificate.serialNumber)"])
        let holder = CertificateHolder(initial: first.certificate) {
            do {
                let renewed = try await authority.issueListenerCertificate(dnsNames: dnsNames, ttl: ttl)
                try tls.update(certificateChainPEM: renewed.certificate.presentedChainPEM, privateKeyPEM: renewed.privateKeyPEM)
                logger.info(
                    "Renewed the console's certificate", metadata: ["ca.serial": "\(renewed.certificate.serialNumber)"])
                return renewed.certificate
            } catch {
                logger.warning("Cannot renew the console's certificate", metadata: ["error.message": "\(error)"])
                throw error
            }
        }
        return ConsoleCertificate(holder: holder, tls: tls)
    }

    func run() async throws {
        let holder = self.holder
        await cancelWhenGracefulShutdown {
            try? await holder.run(clock: ContinuousClock())
        }
    }
}

extension Appliance {
    /// With `console.tls.meshCA`: the console's certificate from the CA of this process.
    static func consoleCertificate(
        _ configuration: ApplianceConfiguration, authority: CertificateAuthority?
    ) async throws -> ConsoleCertificate? {
        guard configuration.console.tlsMeshCA else { return nil }
        guard let authority else {
            throw ApplianceError("console.tls.meshCA: needs the ca role in this process (roles), or use console.tls.certFile")
        }
        return try await ConsoleCertificate.issue(
            authority: authority, dnsNames: configuration.console.meshCADNSNames(listenHost: configuration.consoleHost),
            ttl: nil, logger: Logger(label: "meshbox.console"))
    }
}
