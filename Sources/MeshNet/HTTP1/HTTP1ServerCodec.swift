import NIOCore
import NIOHTTP1

/// Downstream HTTP/1.x in one handler, in place of NIO's request decoder, response encoder,
/// pipelining and protocol-error handlers: requests are parsed by `HTTP1Parser` and handed to the
/// `HTTPProxyHandler` behind it by direct calls, and its responses are serialised into one buffer
/// per response (with the body, when it is small), so a keep-alive request costs one read and one
/// write on the client's socket.
///
/// Pipelined requests wait in the input buffer until the response before them has ended; the
/// socket keeps being read (no epoll change per request) until more than `maxBufferedInput` bytes
/// wait. Malformed requests are answered with the parser's status (400, 431) and the connection
/// closes.
final class HTTP1ServerCodec: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Unparsed input held while a response is pending; beyond it the socket stops being read.
    static let maxBufferedInput = 64 * 1024

    private var parser: HTTP1Parser
    private var input = ByteBuffer()
    private var context: ChannelHandlerContext?
    /// The channel's, read once: `context.channel.allocator` costs two getters per buffer.
    private var allocator = ByteBufferAllocator()
    /// The proxy handler requests go to; cleared when either handler leaves the pipeline.
    private var sink: HTTPProxyHandler?
    /// The connection's idle and request-header timeouts, told of each read by this codec
    /// (`ConnectionTimeouts.drive`) rather than by a handler of their own in front of it.
    private var timeouts: ConnectionTimeouts?

    // The request being answered.
    private var requestMethod = HTTPMethod.GET
    /// A request head went to the proxy handler and its response has not ended.
    private var awaitingResponse = false
    /// The client shut its side; the event waits until the requests buffered before it are served.
    private var inputClosedPending = false
    private var resumeScheduled = false
    /// A parse error was answered, or the proxy handler closes after its response: nothing more is parsed.
    private var stopped = false
    /// Reading stopped because of pipelined input (`maxBufferedInput`) or by the proxy handler
    /// (back-pressure from a slow upstream); the socket is read when neither holds.
    private var pausedForInput = false
    private var pausedByProxy = false

    // The response being written.
    private var responseStarted = false
    /// Bytes not yet handed to the channel: the head (and small bodies) of the response, and of
    /// responses before it that ended and wait for the flush.
    private var output: ByteBuffer?
    private var chunked = false
    private var bodyless = false
    /// The response has no length and ends with the connection (an HTTP/1.0 client).
    private(set) var closeAfterResponse = false

    init(limits: HTTP1ParserLimits, sink: HTTPProxyHandler, timeouts: ConnectionTimeouts? = nil) {
        self.parser = HTTP1Parser(kind: .request, limits: limits)
        // The proxy copies a request's field lines to the next hop when it can.
        self.parser.rawRequestFields = true
        self.sink = sink
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        allocator = context.channel.allocator
        // The callback holds this codec until handlerRemoved lets it go.
        timeouts?.drive(on: context.eventLoop) { [self] in
            // Part of a head arrived (a slow client): it is answered 408, not just closed.
            sink?.timeoutExpired(partialHead: !awaitingResponse && !(parser.isIdle && input.readableBytes == 0))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        sink = nil
        input = ByteBuffer()
        output = nil
        timeouts?.stopDriving()
        timeouts = nil
    }

    // MARK: Requests in

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timeouts?.inputArrived()
        let incoming = unwrapInboundIn(data)
        if input.readableBytes == 0 {
            input = incoming
        } else {
            var incoming = incoming
            input.writeBuffer(&incoming)
        }
        process()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let channelEvent = event as? ChannelEvent, case .inputClosed = channelEvent {
            inputClosedPending = true
            process()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Hands the proxy handler what the input holds: the rest of the current request, and the
    /// next request once the response before it has ended.
    private func process() {
        while !stopped, let sink {
            if parser.isIdle && awaitingResponse { break }
            let event: HTTP1Parser.Event?
            do {
                event = try parser.next(&input)
            } catch {
                return fail(error)
            }
            guard let event else { break }
            switch event {
            case .requestHead(let head):
                requestMethod = head.method
                awaitingResponse = true
                sink.receive(.head(head), requestFields: parser.takeRequestFields())
            case .body(let buffer):
                sink.receive(.body(buffer))
            case .end(let trailers):
                sink.receive(.end(trailers))
            case .responseHead, .rawResponseHead:
                return fail(HTTP1ParseError(status: .badRequest, message: "unexpected response\n"))
            }
        }
        guard !stopped, let context else { return }
        if inputClosedPending && !(awaitingResponse && parser.isIdle && input.readableBytes > 0) {
            inputClosedPending = false
            if !parser.isIdle && !parser.isUpgraded {
                // The client shut its side in the middle of a request: it cannot complete.
                do {
                    _ = try parser.inputClosed()
                } catch {
                    return fail(error)
                }
            }
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            return
        }
        let overfull = awaitingResponse && parser.isIdle && input.readableBytes > Self.maxBufferedInput
        if overfull != pausedForInput {
            pausedForInput = overfull
            updateReading()
        }
    }

    /// A malformed request: answered when no response is under way, then the connection closes.
    /// The exchange in flight, if any, learns of it from the close.
    private func fail(_ error: HTTP1ParseError) {
        stopped = true
        input = ByteBuffer()
        guard let context else { return }
        if responseStarted {
            context.close(promise: nil)
            return
        }
        let body = error.message.hasSuffix("\n") ? error.message : error.message + "\n"
        // Behind a response that ended but waits for its flush.
        var buffer = output.take() ?? allocator.buffer(capacity: 128 + body.utf8.count)
        HTTP1Serializer.writeStatusLine(error.status, version: .http1_1, into: &buffer)
        buffer.writeStaticString("connection: close\r\ncontent-type: text/plain\r\ncontent-length: ")
        buffer.writeString(String(body.utf8.count))
        buffer.writeStaticString("\r\n\r\n")
        buffer.writeString(body)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Continues with pipelined input after a response ended, on the next tick: the exchange that
    /// wrote the end is still finishing its bookkeeping (returning its upstream connection).
    private func scheduleResume() {
        guard !resumeScheduled, let context else { return }
        resumeScheduled = true
        context.eventLoop.assumeIsolated().execute { [self] in
            resumeScheduled = false
            process()
            // No read-complete follows these deliveries: let the proxy handler flush what they wrote.
            sink?.deliveredOutsideRead()
        }
    }

    // MARK: Reading

    /// Back-pressure from the proxy handler: stop or resume reading the client.
    func setReading(_ on: Bool) {
        guard pausedByProxy == on else { return }
        pausedByProxy = !on
        updateReading()
    }

    private func updateReading() {
        _ = context?.channel.setOption(.autoRead, value: !(pausedByProxy || pausedForInput))
    }

    // MARK: Responses out

    /// A 1xx interim head (100 Continue), written at once; the final response follows.
    func writeInterim(_ head: HTTPResponseHead) {
        guard !stopped, let context else { return }
        var buffer = output.take() ?? allocator.buffer(capacity: 64)
        HTTP1Serializer.writeStatusLine(head.status, version: head.version, into: &buffer)
        HTTP1Serializer.writeFields(head.headers, into: &buffer)
        buffer.writeStaticString("\r\n")
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// The final head. Without a Content-Length or chunked Transfer-Encoding the body is sent
    /// chunked to an HTTP/1.1 client, and ended by the close to an HTTP/1.0 one.
    func writeHead(_ head: HTTPResponseHead) {
        guard !stopped, context != nil else { return }
        let code = head.status.code
        bodyless = requestMethod.isHEAD || code == 204 || code == 304 || code < 200
        closeAfterResponse = false
        var buffer = output.take() ?? allocator.buffer(capacity: 512)
        HTTP1Serializer.writeStatusLine(head.status, version: head.version, into: &buffer)
        if head.version.major == 1 && head.version.minor == 0 {
            // An HTTP/1.0 client cannot take chunked: without a length the close ends the body.
            let framing = HTTP1Serializer.framing(of: head.headers)
            chunked = framing.chunked
            closeAfterResponse = !framing.contentLength && !framing.chunked && !bodyless
            HTTP1Serializer.writeFields(head.headers, into: &buffer, skipping: closeAfterResponse ? "connection" : nil)
            if closeAfterResponse { buffer.writeStaticString("connection: close\r\n") }
        } else {
            let framing = HTTP1Serializer.writeFields(head.headers, into: &buffer)
            chunked = framing.chunked
            if !framing.contentLength && !framing.chunked && !bodyless {
                buffer.writeStaticString("transfer-encoding: chunked\r\n")
                chunked = true
            }
        }
        buffer.writeStaticString("\r\n")
        output = buffer
        responseStarted = true
    }

    /// A final head forwarded from an HTTP/1 upstream to this HTTP/1.1 client with its field
    /// lines as they came (hop-by-hop ones left out), then the proxy's own: the upstream's time,
    /// `Connection: close` when asked, and chunked framing when the upstream gave no length.
    func writeHead(_ head: RawResponseHead, upstreamServiceTime: TimeAmount?, close: Bool) {
        guard !stopped, context != nil else { return }
        let code = head.status.code
        bodyless = requestMethod.isHEAD || code == 204 || code == 304
        closeAfterResponse = false
        var buffer = output.take() ?? allocator.buffer(capacity: 256 + head.fields.readableBytes)
        HTTP1Serializer.writeStatusLine(head.status, version: .http1_1, into: &buffer)
        head.writeForwardedFields(into: &buffer)
        chunked = !head.notes.contentLength && !bodyless
        HTTP1Serializer.writeProxyFields(
            upstreamServiceTime: upstreamServiceTime, close: close, chunked: chunked, into: &buffer)
        output = buffer
        responseStarted = true
    }

    func writeBody(_ body: ByteBuffer) {
        guard !stopped, responseStarted, !bodyless, body.readableBytes > 0, let context else { return }
        HTTP1Serializer.appendBody(body, chunked: chunked, pending: &output, allocator: allocator) {
            context.write(wrapOutboundOut($0), promise: nil)
        }
    }

    /// Ends the response (the last chunk when chunked) and hands everything to the channel;
    /// `promise` completes when it is written. Input buffered behind this request is parsed next.
    func writeEnd(trailers: HTTPHeaders?, promise: EventLoopPromise<Void>?) {
        guard !stopped, let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if responseStarted && chunked && !bodyless {
            var last = output.take() ?? allocator.buffer(capacity: 8)
            HTTP1Serializer.writeLastChunk(trailers: trailers, into: &last)
            output = last
        }
        if let promise {
            // Written now, for the promise (the close after it); otherwise the bytes wait for
            // the flush, which hands them over in one pass (and the next response's head joins
            // them when it comes first).
            context.write(wrapOutboundOut(output.take() ?? allocator.buffer(capacity: 0)), promise: promise)
        }
        responseStarted = false
        awaitingResponse = false
        if input.readableBytes > 0 || inputClosedPending || pausedForInput {
            scheduleResume()
        }
    }

    /// The proxy handler closes the connection after this response: nothing more is parsed
    /// (what follows in the input, a body it did not read or more requests, is not served).
    func stopParsing() {
        stopped = true
        input = ByteBuffer()
    }

    /// Hands what the response holds to the socket.
    func flush() {
        guard let context else { return }
        if let pending = output.take() {
            context.writeAndFlush(wrapOutboundOut(pending), promise: nil)  // one pass down the pipeline
        } else {
            context.flush()
        }
    }
}
