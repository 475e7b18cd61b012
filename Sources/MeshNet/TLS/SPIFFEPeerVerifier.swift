public import Foundation
public import Logging
public import NIOCore
public import NIOSSL
import SwiftASN1
@_spi(FixedExpiryValidationTime) public import X509

/// Verifies a peer's certificate chain against a trust bundle and a SPIFFE trust domain, at an injectable
/// time, with swift-certificates' `Verifier` (RFC 5280 plus `SPIFFEPolicy`).
///
/// Use it as NIOSSL's custom verification callback (`makeServerHandler`/`makeClientHandler`). A refusal
/// carries a clear reason, logged as a warning with `peer.address` and passed to `onRejection`.
public struct SPIFFEPeerVerifier: Sendable {
    public var trustDomain: String
    public var trustRoots: [Certificate]
    public var now: @Sendable () -> Date
    public var logger: Logger
    /// Called once per refused connection (certificate, handshake or plain text on a STRICT port).
    public var onRejection: (@Sendable (PeerRejection) -> Void)?

    public init(
        trustDomain: String,
        trustRoots: [Certificate],
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "meshbox.tls"),
        onRejection: (@Sendable (PeerRejection) -> Void)? = nil
    ) {
        self.trustDomain = trustDomain.lowercased()
        self.trustRoots = trustRoots
        self.now = now
        self.logger = logger
        self.onRejection = onRejection
    }

    /// The outcome of verifying one chain.
    public enum Outcome: Sendable, Hashable {
        /// The peer's identity and the validated chain (leaf first, ending at a trusted root).
        case verified(PeerIdentity, chain: [Certificate])
        case rejected(PeerRejection)
    }

    /// Verifies `chain` (the peer's leaf first, then any intermediates it sent).
    public func verify(chain: [Certificate]) async -> Outcome {
        guard let leaf = chain.first else {
            return .rejected(PeerRejection(.noCertificate, "no client certificate presented"))
        }
        let ids = PeerIdentity.spiffeIDs(in: leaf)
        guard !ids.isEmpty else { return .rejected(PeerRejection(.noSPIFFEID, "no SPIFFE ID in certificate")) }
        if let outside = ids.first(where: { PeerIdentity.trustDomain(of: $0) != trustDomain }) {
            return .rejected(
                PeerRejection(.outsideTrustDomain, "SPIFFE ID \(outside) is outside trust domain \(trustDomain)")
            )
        }
        let time = now()
        if time > leaf.notValidAfter {
            return .rejected(PeerRejection(.expired, "certificate expired at \(Self.format(leaf.notValidAfter))"))
        }
        if time < leaf.notValidBefore {
            return .rejected(
                PeerRejection(.notYetValid, "certificate not yet valid until \(Self.format(leaf.notValidBefore))")
            )
        }
        let domain = trustDomain
        var verifier = Verifier(rootCertificates: CertificateStore(trustRoots)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            SPIFFEPolicy(trustDomain: domain)
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst())) {
        case .validCertificate(let validated):
            return .verified(PeerIdentity(spiffeIDs: ids), chain: Array(validated))
        case .couldNotValidate(let failures):
            logger.debug(
                "Peer chain failed validation",
                metadata: ["tls.failures": "\(failures.map { String(describing: $0.policyFailureReason) })"]
            )
            return .rejected(PeerRejection(.untrustedIssuer, "certificate not issued by a trusted CA"))
        }
    }

    /// NIOSSL's custom verification callback for one connection. It replaces BoringSSL's verification, so
    /// the chain returned in the metadata is the one `verify` validated.
    public func verificationCallback(
        peerAddress: SocketAddress?,
        reported: HandshakeReport? = nil
    ) -> NIOSSLCustomVerificationCallbackWithMetadata {
        { certificates, promise in
            let parsed: [Certificate]
            do {
                parsed = try certificates.map { try Certificate(derEncoded: $0.toDERBytes()) }
            } catch {
                reject(PeerRejection(.malformedCertificate, "certificate could not be parsed"), peerAddress, reported)
                promise.succeed(.failed)
                return
            }
            // Bridges NIOSSL's callback to the async Verifier; the handshake waits on the promise.
            promise.completeWithTask {
                switch await verify(chain: parsed) {
                case .verified(_, let chain):
                    let nioChain = try chain.map { certificate in
                        var serializer = DER.Serializer()
                        try serializer.serialize(certificate)
                        return try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
                    }
                    return .certificateVerified(VerificationMetadata(ValidatedCertificateChain(nioChain)))
                case .rejected(let rejection):
                    reject(rejection, peerAddress, reported)
                    return .failed
                }
            }
        }
    }

    /// A server handler for `context` whose client certificate (if asked for) this verifier checks.
    public func makeServerHandler(context: NIOSSLContext, peerAddress: SocketAddress?, reported: HandshakeReport? = nil)
        -> NIOSSLServerHandler
    {
        NIOSSLServerHandler(
            context: context,
            customVerificationCallbackWithMetadata: verificationCallback(peerAddress: peerAddress, reported: reported)
        )
    }

    /// A client handler for `context` that checks the server's SPIFFE ID with this verifier.
    public func makeClientHandler(context: NIOSSLContext, peerAddress: SocketAddress?) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(
            context: context,
            serverHostname: nil,
            configuration: .init(),
            customVerificationCallbackWithMetadata: verificationCallback(peerAddress: peerAddress)
        )
    }

    /// Logs a refusal (warning, with `peer.address`) and hands it to `onRejection`.
    public func report(_ rejection: PeerRejection) {
        logger.warning(
            "Peer connection refused",
            metadata: [
                "peer.address": "\(rejection.peerAddress ?? "unknown")",
                "tls.reason": "\(rejection.reason)",
                "error.type": "\(rejection.code)",
            ]
        )
        onRejection?(rejection)
    }

    private func reject(_ rejection: PeerRejection, _ peerAddress: SocketAddress?, _ reported: HandshakeReport?) {
        var rejection = rejection
        rejection.peerAddress = peerAddress.map(\.description)
        reported?.markReported()
        report(rejection)
    }

    static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
