import Logging
public import MeshModel
public import NIOCore
public import NIOSSL

/// What `MTLSModeHandler` found a connection to be, fired as a user inbound event once decided.
public enum InboundTransport: Sendable, Hashable {
    case plaintext
    /// TLS is being terminated; a `PeerIdentity` event follows a successful handshake.
    case tls
}

/// First handler of an inbound pipeline: peeks at the first bytes and applies the port's mutual-TLS mode.
///
/// - A TLS ClientHello (`0x16 0x03 …`) in STRICT or PERMISSIVE: installs the NIOSSL server handler with the
///   `SPIFFEPeerVerifier` callback and a `PeerIdentityHandler` after itself.
/// - Plain text in PERMISSIVE or DISABLE: passed on. In STRICT: refused (closed) with the reason
///   `plaintext connection refused: port requires mutual TLS (STRICT)`, logged and reported.
/// - DISABLE passes every byte on untouched, TLS included (the application terminates it, if anyone).
///
/// It then removes itself and forwards the bytes it held back.
public final class MTLSModeHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    private enum State {
        case waiting(ByteBuffer?)
        case decided
    }

    private let mode: EffectiveMTLS.Mode
    private let serverContext: NIOSSLContext
    private let verifier: SPIFFEPeerVerifier
    private var state = State.waiting(nil)

    /// `serverContext` should come from `TLSIdentity.makeServerContext(requireClientCertificate: true)`.
    public init(mode: EffectiveMTLS.Mode, serverContext: NIOSSLContext, verifier: SPIFFEPeerVerifier) {
        self.mode = mode
        self.serverContext = serverContext
        self.verifier = verifier
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .waiting(let held) = state else {
            context.fireChannelRead(data)
            return
        }
        var incoming = unwrapInboundIn(data)
        var buffer: ByteBuffer
        if var held {
            held.writeBuffer(&incoming)
            buffer = held
        } else {
            buffer = incoming
        }
        switch classify(buffer) {
        case nil:
            state = .waiting(buffer)
        case .tls?:
            state = .decided
            startTLS(context: context, buffer: buffer)
        case .plaintext?:
            state = .decided
            if mode == .strict {
                refusePlaintext(context: context)
            } else {
                context.fireUserInboundEventTriggered(InboundTransport.plaintext)
                forward(context: context, buffer: buffer)
            }
        }
        _ = buffer.readableBytes
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if case .decided = state { context.fireChannelReadComplete() }
    }

    /// nil until enough bytes arrived to tell.
    private func classify(_ buffer: ByteBuffer) -> InboundTransport? {
        if mode == .disable { return .plaintext }
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard first == 0x16 else { return .plaintext }
        guard let major = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return nil }
        return major == 0x03 ? .tls : .plaintext
    }

    private func startTLS(context: ChannelHandlerContext, buffer: ByteBuffer) {
        let reported = HandshakeReport()
        let tls = verifier.makeServerHandler(
            context: serverContext,
            peerAddress: context.remoteAddress,
            reported: reported
        )
        do {
            try context.pipeline.syncOperations.addHandlers(
                [tls, PeerIdentityHandler(verifier: verifier, reported: reported)],
                position: .after(self)
            )
        } catch {
            verifier.logger.error("TLS handlers could not be added", metadata: ["error.message": "\(error)"])
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(InboundTransport.tls)
        forward(context: context, buffer: buffer)
    }

    private func refusePlaintext(context: ChannelHandlerContext) {
        var rejection = PeerRejection.plaintextOnStrictPort
        rejection.peerAddress = context.remoteAddress?.description
        verifier.report(rejection)
        context.close(promise: nil)
    }

    private func forward(context: ChannelHandlerContext, buffer: ByteBuffer) {
        context.fireChannelRead(wrapInboundOut(buffer))
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
