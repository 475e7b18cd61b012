public import NIOCore
import NIOSSL
import NIOTLS
import SwiftASN1
import X509

/// Sits right after a NIOSSL handler. When the handshake completes it reads the peer's validated chain
/// (while the TLS handler is certainly still in the pipeline) and fires the `PeerIdentity` as a user
/// inbound event; it keeps it in `identity` too. A failed handshake not already explained by the
/// verifier is reported with its reason (e.g. no client certificate).
public final class PeerIdentityHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

    public private(set) var identity: PeerIdentity?
    private let verifier: SPIFFEPeerVerifier
    private let reported: HandshakeReport
    private var announced = false

    public init(verifier: SPIFFEPeerVerifier, reported: HandshakeReport) {
        self.verifier = verifier
        self.reported = reported
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Decrypted data means the handshake is done; covers a missed completion event.
        if !announced { announceIdentity(context: context) }
        context.fireChannelRead(data)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if !announced, let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            announceIdentity(context: context)
        }
    }

    private func announceIdentity(context: ChannelHandlerContext) {
        announced = true
        let chain = (try? context.pipeline.syncOperations.nioSSL_peerValidatedCertificateChain()) ?? nil
        guard let leaf = chain?.first, let certificate = try? Certificate(derEncoded: leaf.toDERBytes()) else {
            return
        }
        let identity = PeerIdentity(spiffeIDs: PeerIdentity.spiffeIDs(in: certificate))
        self.identity = identity
        context.fireUserInboundEventTriggered(identity)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if identity == nil, !reported.isReported, let sslError = error as? NIOSSLError {
            reported.markReported()
            let text = String(describing: sslError)
            var rejection =
                text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || text.contains("CERTIFICATE_REQUIRED")
                ? PeerRejection(.noCertificate, "no client certificate presented")
                : PeerRejection(.handshakeFailed, "TLS handshake failed: \(text)")
            rejection.peerAddress = context.remoteAddress?.description
            verifier.report(rejection)
        }
        context.fireErrorCaught(error)
    }
}
