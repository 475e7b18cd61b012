public import Logging
public import MeshModel
public import NIOCore
public import NIOSSL
import NIOTLS

extension SNIChainHandler {
    /// Adds what terminates a filter chain's TLS: the NIOSSL server handler, the client-certificate gate
    /// (Istio's `subjectAltNames`, refusal logging) and an ALPN handler that calls `onNegotiated` once
    /// the client is admitted.
    ///
    /// Decrypted bytes wait in the ALPN handler until the future from `onNegotiated` succeeds, so
    /// `onNegotiated` adds the HTTP/1.1 or HTTP/2 handlers (at `.last`) and nothing is lost. A refused
    /// client never reaches `onNegotiated`; it is closed and reported to `onRefusal`. Call on the
    /// channel's event loop, typically from `onSelect`.
    ///
    /// - Parameters:
    ///   - context: from `ServerTLSContexts.context(for:secrets:)` for the same `tls`.
    ///   - tls: the chain's TLS settings; only `subjectAltNames` (mutual TLS) is read here.
    public static func addTLSTermination(
        context: NIOSSLContext,
        tls: Snapshot.ServerTLS,
        to pipeline: ChannelPipeline.SynchronousOperations,
        position: ChannelPipeline.SynchronousOperations.Position = .last,
        logger: Logger = Logger(label: "meshbox.tls"),
        onRefusal: (@Sendable (PeerRejection) -> Void)? = nil,
        onNegotiated: @escaping (_ channel: any Channel, _ negotiated: NegotiatedTLS) -> EventLoopFuture<Void>
    ) throws {
        let gate = ClientCertificateGate(
            subjectAltNames: tls.mode == .mutual ? tls.subjectAltNames : [],
            certificateHashes: tls.mode == .mutual ? tls.verifyCertificateHash : [],
            spkiHashes: tls.mode == .mutual ? tls.verifyCertificateSpki : [],
            logger: logger,
            onRefusal: onRefusal
        )
        // The gate and this handler share the channel's event loop; the closure runs there too.
        let alpn = NIOTypedApplicationProtocolNegotiationHandler<Void> { result, channel in
            let negotiated: String? = if case .negotiated(let name) = result { name } else { nil }
            let configured = onNegotiated(
                channel,
                NegotiatedTLS(applicationProtocol: negotiated, clientCertificate: gate.clientCertificate)
            )
            // The ALPN handler only reports a failure; without a protocol handler the connection is useless.
            configured.whenFailure { error in
                logger.info(
                    "TLS connection closed: its protocol handlers failed",
                    metadata: ["error.message": "\(error)"]
                )
                channel.close(promise: nil)
            }
            return configured
        }
        try pipeline.addHandlers([NIOSSLServerHandler(context: context), gate, alpn], position: position)
    }
}
