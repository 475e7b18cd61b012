import NIOCore
import NIOHTTP1

/// Upstream HTTP/1.1 in one handler, in place of NIO's request encoder and response decoder: the
/// exchange's request parts are serialised into one buffer (head and small bodies together) that
/// goes out on the next flush, and responses are parsed by `HTTP1Parser` and handed to the
/// `UpstreamResponseHandler` behind it by direct calls.
///
/// After a `101 Switching Protocols` the parser stops; bytes that followed the 101 stay buffered
/// and go down the pipeline (to the tunnel's relay) when the codec is removed.
final class HTTP1ClientCodec: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser = HTTP1Parser(kind: .response)
    private var input = ByteBuffer()
    private var context: ChannelHandlerContext?
    /// The channel's, read once: `context.channel.allocator` costs two getters per buffer.
    private var allocator = ByteBufferAllocator()
    private let sink: UpstreamResponseHandler
    private var failed = false

    /// Request bytes not yet handed to the channel.
    private var output: ByteBuffer?
    private var chunked = false
    private var bodyless = false

    init(sink: UpstreamResponseHandler) {
        self.sink = sink
        // Final heads that arrive whole stay bytes until the exchange knows whether it can
        // forward them as they are.
        parser.rawResponseHeads = true
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        allocator = context.channel.allocator
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Bytes after a 101 belong to the tunnel that replaces the HTTP handlers.
        if input.readableBytes > 0 && parser.isUpgraded {
            let leftover = input
            input = ByteBuffer()
            context.fireChannelRead(wrapInboundOut(leftover))
        }
    }

    // MARK: Requests out

    /// Serialises one part of the request; nothing reaches the socket before `flush()`.
    func write(_ part: HTTPClientRequestPart) {
        guard let context, !failed else { return }
        switch part {
        case .head(let head):
            var buffer = output.take() ?? allocator.buffer(capacity: 512)
            HTTP1Serializer.writeRequestLine(method: head.method, uri: head.uri, into: &buffer)
            let framing = HTTP1Serializer.writeFields(head.headers, into: &buffer)
            endHead(&buffer, method: head.method, framing: framing)
        case .body(.byteBuffer(let body)):
            writeBody(body, context: context)
        case .body(.fileRegion):
            preconditionFailure("the engine never sends file regions upstream")
        case .end(let trailers):
            if chunked {
                var last = output.take() ?? allocator.buffer(capacity: 8)
                HTTP1Serializer.writeLastChunk(trailers: trailers, into: &last)
                output = last
            }
        }
    }

    /// A head whose forwarded fields are the client's lines (see `ForwardedRequestHead`).
    func writeHead(_ head: ForwardedRequestHead) {
        guard context != nil, !failed else { return }
        var buffer = output.take() ?? allocator.buffer(capacity: 256 + head.lines.readableBytes)
        HTTP1Serializer.writeRequestLine(method: head.method, uri: head.uri, into: &buffer)
        let framing = head.writeFields(into: &buffer)
        endHead(&buffer, method: head.method, framing: framing)
    }

    /// After a head's fields: its framing, decided as NIO's encoder does (methods that normally
    /// carry a body go chunked without a length, others have none), and the blank line.
    private func endHead(_ buffer: inout ByteBuffer, method: HTTPMethod, framing: (contentLength: Bool, chunked: Bool)) {
        parser.nextResponseAnswersHEAD = method.isHEAD
        bodyless = false
        chunked = framing.chunked
        if !framing.contentLength && !framing.chunked {
            switch method {
            case .POST, .PUT, .PATCH:
                buffer.writeStaticString("transfer-encoding: chunked\r\n")
                chunked = true
            default:
                bodyless = true
            }
        }
        buffer.writeStaticString("\r\n")
        output = buffer
    }

    private func writeBody(_ body: ByteBuffer, context: ChannelHandlerContext) {
        guard !bodyless, body.readableBytes > 0 else { return }
        HTTP1Serializer.appendBody(body, chunked: chunked, pending: &output, allocator: allocator) {
            context.write(wrapOutboundOut($0), promise: nil)
        }
    }

    func flush() {
        guard let context else { return }
        if let pending = output.take() {
            context.writeAndFlush(wrapOutboundOut(pending), promise: nil)  // one pass down the pipeline
        } else {
            context.flush()
        }
    }

    // MARK: Responses in

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let incoming = unwrapInboundIn(data)
        if input.readableBytes == 0 {
            input = incoming
        } else {
            var incoming = incoming
            input.writeBuffer(&incoming)
        }
        while !failed, !parser.isUpgraded {
            let event: HTTP1Parser.Event?
            do {
                event = try parser.next(&input)
            } catch {
                return fail(error, context: context)
            }
            guard let event else { break }
            deliver(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A body delimited by the close ends here; one cut short is the exchange's reset.
        if !failed, !parser.isIdle, !parser.isUpgraded, let event = try? parser.inputClosed() {
            deliver(event)
        }
        context.fireChannelInactive()
    }

    private func deliver(_ event: HTTP1Parser.Event) {
        switch event {
        case .responseHead(let head): sink.deliver(.head(head))
        case .rawResponseHead(let head): sink.deliverHead(head)
        case .body(let buffer): sink.deliver(.body(buffer))
        case .end(let trailers): sink.deliver(.end(trailers))
        case .requestHead: break  // a response parser yields no requests
        }
    }

    /// A malformed response: the exchange hears of it (UPE) and then of the close.
    private func fail(_ error: HTTP1ParseError, context: ChannelHandlerContext) {
        failed = true
        input = ByteBuffer()
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}
