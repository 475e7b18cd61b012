import Logging
import NIOCore
import NIOSSL
import NIOTLS
import SwiftASN1
import X509

/// Sits right after the `NIOSSLClientHandler` of an upstream connection and tells the pool when the
/// connection is usable: `outcome` succeeds once the handshake completed and the upstream's
/// certificate carries one of the DestinationRule's `subjectAltNames` (when it names any), and fails
/// with an `UpstreamTLSFailure` otherwise, the connection then closed. The failure is logged at info
/// with its reason. The handshake, TCP connect included, must finish within `timeout` (Envoy's
/// cluster `connect_timeout` covers the TLS handshake too).
///
/// Once the handshake is accepted the handler leaves the pipeline: no per-byte cost.
final class UpstreamTLSHandshake: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let promise: EventLoopPromise<Void>
    private let subjectAltNames: [String]
    private let serverName: String?
    private let clusterName: String
    private let logger: Logger
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var done = false

    /// Completes once, on the channel's event loop.
    var outcome: EventLoopFuture<Void> { promise.futureResult }
    /// The ALPN protocol the upstream selected (`h2`, `http/1.1`), set before `outcome` succeeds.
    private(set) var negotiatedProtocol: String?

    init(
        eventLoop: any EventLoop,
        subjectAltNames: [String],
        serverName: String?,
        clusterName: String,
        timeout: TimeAmount,
        logger: Logger
    ) {
        self.promise = eventLoop.makePromise(of: Void.self)
        self.subjectAltNames = subjectAltNames
        self.serverName = serverName
        self.clusterName = clusterName
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            timer = nil
            refuse(
                context: context,
                UpstreamTLSFailure(
                    .handshakeTimeout,
                    "TLS handshake with the upstream did not finish within \(timeout)"
                )
            )
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The channel closed before the handshake said anything (connect failed, shutdown).
        finish(.failure(UpstreamTLSFailure.closedDuringHandshake))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard !done, let tls = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = tls else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        negotiatedProtocol = negotiated
        if let refusal = checkSubjectAltNames(context: context) {
            return refuse(context: context, refusal)
        }
        finish(.success(()))
        context.fireUserInboundEventTriggered(event)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !done else { return context.fireErrorCaught(error) }
        refuse(context: context, UpstreamTLSFailure.classify(error, serverName: serverName))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { refuse(context: context, UpstreamTLSFailure.closedDuringHandshake) }
        context.fireChannelInactive()
    }

    /// Istio's `subjectAltNames`: the upstream must present one of them (URI or DNS SAN).
    private func checkSubjectAltNames(context: ChannelHandlerContext) -> UpstreamTLSFailure? {
        guard !subjectAltNames.isEmpty else { return nil }
        let presented = (try? context.pipeline.syncOperations.nioSSL_peerCertificate()) ?? nil
        guard let presented, let certificate = try? Certificate(derEncoded: presented.toDERBytes()) else {
            return UpstreamTLSFailure(.subjectAltNameMismatch, "upstream presented no certificate to check the SANs of")
        }
        if ClientCertificateGate.matches(certificate, allowed: subjectAltNames) { return nil }
        let names = ClientCertificateGate.names(in: certificate).joined(separator: ",")
        return UpstreamTLSFailure(
            .subjectAltNameMismatch,
            "upstream certificate SANs [\(names)] match none of [\(subjectAltNames.joined(separator: ","))]"
        )
    }

    private func refuse(context: ChannelHandlerContext, _ failure: UpstreamTLSFailure) {
        guard !done else { return }
        logger.info(
            "Upstream TLS refused",
            metadata: [
                "cluster.name": "\(clusterName)",
                "upstream.address": "\(context.remoteAddress?.description ?? "unknown")",
                "tls.sni": "\(serverName ?? "")",
                "tls.reason": "\(failure.reason)",
                "error.type": "\(failure.code)",
            ]
        )
        finish(.failure(failure))
        context.close(promise: nil)
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        timer = nil
        promise.completeWith(result)
    }
}
