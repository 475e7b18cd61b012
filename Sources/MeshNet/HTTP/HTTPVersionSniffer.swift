import NIOCore

/// First handler of a plain-text HTTP connection: tells HTTP/2 with prior knowledge (h2c, which
/// opens with the fixed client preface) from HTTP/1.x by the first bytes, installs the matching
/// handlers after itself, hands them what it read and leaves the pipeline.
///
/// It decides at the first byte that differs from the preface, so an HTTP/1 request costs one
/// comparison of its first bytes (`GET ` differs from `PRI ` at once); only a client that sends
/// the preface slowly makes it wait for more.
final class HTTPVersionSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    enum Version { case http1, http2 }

    /// RFC 9113 §3.4: `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`.
    static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let configure: (any Channel, Version) throws -> Void
    private var buffered: ByteBuffer?

    /// - Parameter configure: adds the protocol's handlers at the end of the pipeline (after
    ///   this handler), synchronously on the channel's event loop.
    init(configure: @escaping (any Channel, Version) throws -> Void) {
        self.configure = configure
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if var buffered {
            buffered.writeBuffer(&incoming)
            self.buffered = buffered
        } else {
            buffered = incoming
        }
        guard let bytes = buffered, let version = Self.decide(bytes) else { return }
        self.buffered = nil
        do {
            try configure(context.channel, version)
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// The connection timed out before its first bytes told the protocol (`ConnectionTimeouts`
    /// sits in front), or the client closed it: close without an answer, as the HTTP/1 handler
    /// does for an idle client.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ConnectionTimeouts.Expired {
            context.close(promise: nil)
            return
        }
        // The client shut its side before saying anything (a port probe): nothing to answer.
        if let channelEvent = event as? ChannelEvent, case .inputClosed = channelEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        buffered = nil
        context.fireChannelInactive()
    }

    /// `.http2` once the whole preface is there, `.http1` at the first byte that differs, nil
    /// while what arrived is a prefix of the preface.
    static func decide(_ bytes: ByteBuffer) -> Version? {
        let view = bytes.readableBytesView
        var index = view.startIndex
        for expected in preface {
            guard index < view.endIndex else { return nil }
            if view[index] != expected { return .http1 }
            index = view.index(after: index)
        }
        return .http2
    }
}
