import Foundation
import Logging
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import MeshCore
import Metrics
import MeshXDSProto

extension XDSClient {
    /// Renews the node certificate at half its life (`NodeIdentity.renewAt`), with a fresh key, over
    /// the same mutual TLS as the ADS stream; retries with the back-off until it succeeds or the
    /// certificate expires (then a new join token is needed).
    func renewCertificates() async {
        var attempt = 0
        while !Task.isCancelled {
            let wait = identity.renewAt.timeIntervalSinceNow
            if wait > 0 {
                // Woken at least hourly: a clock that jumped does not leave the renewal waiting for days.
                try? await Task.sleep(for: .seconds(min(wait, 3600)))
                continue
            }
            do {
                let renewed = try await renewNow()
                attempt = 0
                logger.info(
                    "Renewed the node certificate",
                    metadata: ["node": "\(renewed.nodeName)", "certificate.notAfter": "\(renewed.notAfter)"])
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "Cannot renew the node certificate yet; retrying",
                    metadata: ["certificate.notAfter": "\(identity.notAfter)", "error": "\(error)"])
                attempt += 1
                try? await Task.sleep(for: configuration.backoff.delay(attempt: attempt))
            }
        }
    }

    /// One renewal: a fresh key and CSR for the node's SPIFFE ID, `NodeCertificates.Renew`, and the
    /// answer stored (atomically, mode 0600) and used from the next connection.
    @discardableResult
    public func renewNow() async throws -> NodeIdentity {
        guard let makeCSR = configuration.makeCSR else {
            throw MeshError(.configuration, "this node has no way to make a CSR; it cannot renew its certificate")
        }
        let current = identity
        let (csr, key) = try makeCSR(current.spiffeID)
        var request = Meshbox_V1_RenewRequest()
        request.csrPem = csr
        let transport = try makeTransport(identity: current)
        let answer = try await withGRPCClient(transport: transport) { client in
            var options = CallOptions.defaults
            options.waitForReady = false
            options.timeout = .seconds(30)
            return try await Meshbox_V1_NodeCertificates.Client(wrapping: client).renew(
                request: ClientRequest(message: request), options: options)
        }
        guard !answer.certificateChainPem.isEmpty, answer.notAfterUnixSeconds > 0 else {
            throw MeshError(.internal, "NodeCertificates.Renew answered without a certificate")
        }
        let renewed = NodeIdentity(
            nodeName: current.nodeName, spiffeID: current.spiffeID, certificateChainPEM: answer.certificateChainPem,
            privateKeyPEM: key, trustBundlePEM: answer.trustBundlePem.isEmpty ? current.trustBundlePEM : answer.trustBundlePem,
            notBefore: Date(), notAfter: Date(timeIntervalSince1970: TimeInterval(answer.notAfterUnixSeconds)))
        try replaceIdentity(renewed)
        metrics.renewals.increment()
        return renewed
    }
}
