import Crypto
import Foundation
import Logging
import NIOCore
import NIOSSL
import NIOTLS
import SwiftASN1
import X509

extension PeerRejection.Code {
    /// The client certificate carries none of the subject alternative names the listener accepts.
    public static let subjectAltNameMismatch = PeerRejection.Code("subject_alt_name_mismatch")
    /// The client certificate matches none of the listener's certificate pins.
    public static let certificatePinMismatch = PeerRejection.Code("certificate_pin_mismatch")
}

/// Sits right after the `NIOSSLServerHandler` of a terminating filter chain and decides whether the
/// client may go on once BoringSSL has verified the handshake.
///
/// BoringSSL checks the client chain against the listener's CA (MUTUAL / OPTIONAL_MUTUAL); this adds
/// Istio's `subjectAltNames` check, which BoringSSL cannot express. It runs on the handshake-completed
/// event, before any decrypted byte or that event reaches later handlers, so a refused client never
/// reaches the ALPN or HTTP handlers. Refusals, including failed handshakes, are logged at info with
/// `tls.reason` and handed to `onRefusal`; the connection is closed.
final class ClientCertificateGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private enum State {
        case handshaking
        case accepted
        case refused
    }

    /// The client's certificate (mutual TLS), once the handshake completed and was accepted.
    private(set) var clientCertificate: Certificate?
    private let subjectAltNames: [String]
    /// SHA-256 of an accepted certificate's DER (lower-case hex) or of its SubjectPublicKeyInfo
    /// (base64); both empty accepts any certificate the other checks accept.
    private let certificateHashes: Set<String>
    private let spkiHashes: Set<String>
    private let logger: Logger
    private let onRefusal: (@Sendable (PeerRejection) -> Void)?
    private var state = State.handshaking

    /// `subjectAltNames` empty accepts any certificate the CA signed (or none, when it is optional).
    init(
        subjectAltNames: [String], certificateHashes: [String] = [], spkiHashes: [String] = [], logger: Logger,
        onRefusal: (@Sendable (PeerRejection) -> Void)?
    ) {
        self.subjectAltNames = subjectAltNames
        self.certificateHashes = Set(certificateHashes)
        self.spkiHashes = Set(spkiHashes)
        self.logger = logger
        self.onRefusal = onRefusal
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .handshaking = state, let tlsEvent = event as? TLSUserEvent,
            case .handshakeCompleted = tlsEvent
        else {
            if case .refused = state { return }
            context.fireUserInboundEventTriggered(event)
            return
        }
        admit(context: context)
        guard case .accepted = state else { return }
        context.fireUserInboundEventTriggered(event)
        // Nothing left to check: step out of the data path.
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Decrypted data means the handshake is done, should the completion event have been missed.
        if case .handshaking = state { admit(context: context) }
        guard case .accepted = state else { return }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard case .handshaking = state else {
            context.fireErrorCaught(error)
            return
        }
        // Only the ALPN handler follows during the handshake, and NIOSSL closes the channel itself:
        // the error is fully handled by reporting it here.
        state = .refused
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError {
            logger.debug(
                "TLS client left during the handshake",
                metadata: ["peer.address": "\(context.remoteAddress?.description ?? "unknown")"]
            )
            context.close(promise: nil)
            return
        }
        refuse(context: context, Self.rejection(for: error))
    }

    private func admit(context: ChannelHandlerContext) {
        let presented = (try? context.pipeline.syncOperations.nioSSL_peerCertificate()) ?? nil
        guard let presented else {
            // No certificate: NIOSSL already refused it where one is required (MUTUAL).
            state = .accepted
            return
        }
        guard let certificate = try? Certificate(derEncoded: presented.toDERBytes()) else {
            state = .refused
            refuse(context: context, PeerRejection(.malformedCertificate, "client certificate could not be parsed"))
            return
        }
        if !subjectAltNames.isEmpty, !Self.matches(certificate, allowed: subjectAltNames) {
            state = .refused
            let names = Self.names(in: certificate).joined(separator: ",")
            refuse(
                context: context,
                PeerRejection(
                    .subjectAltNameMismatch,
                    "client certificate SANs [\(names)] match none of [\(subjectAltNames.joined(separator: ","))]"
                )
            )
            return
        }
        if !(certificateHashes.isEmpty && spkiHashes.isEmpty), !pinned(der: presented, certificate) {
            state = .refused
            refuse(
                context: context,
                PeerRejection(.certificatePinMismatch, "client certificate matches none of the listener's certificate pins"))
            return
        }
        clientCertificate = certificate
        state = .accepted
    }

    /// Envoy's rule: a certificate matching an entry of either list is accepted.
    private func pinned(der: NIOSSLCertificate, _ certificate: Certificate) -> Bool {
        if !certificateHashes.isEmpty, let bytes = try? der.toDERBytes() {
            let hex = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            if certificateHashes.contains(hex) { return true }
        }
        if !spkiHashes.isEmpty {
            // The whole SubjectPublicKeyInfo's DER, as Envoy hashes it (`subjectPublicKeyInfoBytes`
            // is only the key inside it).
            var serializer = DER.Serializer()
            if (try? serializer.serialize(certificate.publicKey)) != nil {
                let digest = Data(SHA256.hash(data: serializer.serializedBytes)).base64EncodedString()
                if spkiHashes.contains(digest) { return true }
            }
        }
        return false
    }

    private func refuse(context: ChannelHandlerContext, _ rejection: PeerRejection) {
        var rejection = rejection
        rejection.peerAddress = context.remoteAddress?.description
        logger.info(
            "TLS client refused",
            metadata: [
                "peer.address": "\(rejection.peerAddress ?? "unknown")",
                "tls.reason": "\(rejection.reason)",
                "error.type": "\(rejection.code)",
            ]
        )
        onRefusal?(rejection)
        context.close(promise: nil)
    }

    /// Whether one of the certificate's URI, DNS or email SANs is in `allowed` (exact, as Istio's
    /// `subjectAltNames`; DNS and email compare case-insensitively).
    static func matches(_ certificate: Certificate, allowed: [String]) -> Bool {
        guard let sans = try? certificate.extensions.subjectAlternativeNames else { return false }
        return sans.contains { name in
            switch name {
            case .uniformResourceIdentifier(let uri): allowed.contains(uri)
            case .dnsName(let dns), .rfc822Name(let dns): allowed.contains { $0.lowercased() == dns.lowercased() }
            default: false
            }
        }
    }

    static func names(in certificate: Certificate) -> [String] {
        guard let sans = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return sans.compactMap { name in
            switch name {
            case .uniformResourceIdentifier(let value), .dnsName(let value), .rfc822Name(let value): value
            default: nil
            }
        }
    }

    /// A reason a person can act on, from BoringSSL's error text.
    static func rejection(for error: any Error) -> PeerRejection {
        let text = String(describing: error)
        func has(_ marks: String...) -> Bool { marks.contains { text.contains($0) } }
        if has("PEER_DID_NOT_RETURN_A_CERTIFICATE", "CERTIFICATE_REQUIRED") {
            return PeerRejection(.noCertificate, "no client certificate presented")
        }
        if has("CERTIFICATE_VERIFY_FAILED") {
            return PeerRejection(
                .untrustedIssuer,
                "client certificate failed verification (not issued by a trusted CA, or expired)"
            )
        }
        if has("UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER", "PROTOCOL_VERSION") {
            return PeerRejection(.handshakeFailed, "no TLS version in common with the client")
        }
        if has("NO_SHARED_CIPHER") {
            return PeerRejection(.handshakeFailed, "no cipher suite in common with the client")
        }
        return PeerRejection(.handshakeFailed, "TLS handshake failed: \(text)")
    }
}
