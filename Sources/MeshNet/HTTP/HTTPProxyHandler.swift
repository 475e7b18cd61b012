import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression

/// The downstream end of an HTTP/1.1 connection (or of one HTTP/2 stream): checks each request
/// against the limits, hands it to a `ProxyExchange`, and writes what comes back. On HTTP/1.x the
/// engine's `HTTP1ServerCodec` in front of it calls it directly and serialises pipelined
/// requests; on HTTP/2 streams and connections that compress responses, NIO's codecs (and
/// `HTTPServerPipelineHandler`) do. Either way at most one exchange is open at a time.
final class HTTPProxyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let state: LoopState
    let listenerName: String
    let routeConfigurationName: String
    let scheme: String
    let listenerPort: Int
    /// One stream of an HTTP/2 connection: no connection headers, and closing ends only the stream.
    let http2: Bool
    /// The SPIFFE ID of the client certificate the TLS handshake verified (mutual TLS), or nil.
    let peerSPIFFEID: String?
    /// The `x-forwarded-client-cert` value that certificate makes (`ForwardedClientCert`), or nil.
    let forwardedClientCert: String?
    private(set) var context: ChannelHandlerContext?
    /// The response compressor's place when the connection has one: interim (1xx) heads are
    /// written from there, past it, as it expects exactly one head per request.
    private var compressorContext: ChannelHandlerContext?
    private(set) var sourceAddress: String?
    private var exchange: ProxyExchange?
    /// Between a request's head and its end.
    private var requestOpen = false
    /// The current request announced a body (Content-Length > 0 or chunked).
    private var requestHasBody = false
    /// The current request's client wants the connection kept open.
    private var keepAlive = true
    /// The response to the current request is complete while its body still arrives.
    private var closeWhenRequestEnds = false
    private var readingPaused = false
    private let timeouts: ConnectionTimeouts?
    /// The connection's own HTTP/1 codec, when it has one: requests come from it by direct calls
    /// and responses go to it, not through the pipeline.
    var codec: HTTP1ServerCodec?

    init(
        state: LoopState, listenerName: String, routeConfigurationName: String, scheme: String, listenerPort: Int,
        timeouts: ConnectionTimeouts?, http2: Bool = false, peerSPIFFEID: String? = nil,
        forwardedClientCert: String? = nil
    ) {
        self.peerSPIFFEID = peerSPIFFEID
        self.forwardedClientCert = forwardedClientCert
        self.timeouts = timeouts
        self.http2 = http2
        self.state = state
        self.listenerName = listenerName
        self.routeConfigurationName = routeConfigurationName
        self.scheme = scheme
        self.listenerPort = listenerPort
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if http2 {
            // A stream's timeouts have no handler of their own: this handler drives them. The
            // callback holds this handler until the stream closes (`channelInactive`).
            timeouts?.drive(on: context.eventLoop) { [self] in timeoutExpired() }
        }
        compressorContext = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseCompressor.self)
        sourceAddress = context.channel.remoteAddress?.ipAddress
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        compressorContext = nil
        codec = nil
        if http2 { timeouts?.stopDriving() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receive(unwrapInboundIn(data))
    }

    /// One part of a request, from the pipeline or straight from `HTTP1ServerCodec`.
    /// - Parameter requestFields: a head's field lines as received, when the codec kept them.
    func receive(_ part: HTTPServerRequestPart, requestFields: FieldLines.Block? = nil) {
        guard let context else { return }
        isReading = true
        switch part {
        case .head(let head):
            timeouts?.requestStarted()
            requestOpen = true
            closeWhenRequestEnds = false
            // One pass over the fields: the checks, and what this handler acts on.
            let examination = RequestScreen.examine(head, settings: state.settings, http2: http2)
            keepAlive = http2 || examination.persists(head.version)
            if let problem = examination.problem {
                requestHasBody = true  // unknown framing: close after answering
                keepAlive = false
                sendLocalReply(problem.status, body: problem.message, head: head)
                return
            }
            requestHasBody = examination.announcesBody
            if let expectation = examination.expectation {
                if ASCII.equalsIgnoringCase(ASCII.trimmed(Substring(expectation)).utf8, "100-continue".utf8) {
                    let interim = HTTPResponseHead(version: head.version, status: .continue)
                    if let codec {
                        codec.writeInterim(interim)
                    } else {
                        (compressorContext ?? context).writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
                    }
                } else {
                    keepAlive = false
                    sendLocalReply(.expectationFailed, body: "unsupported expectation\n", head: head)
                    return
                }
            }
            var upgrade = false
            if http2 {
                // Only ExtendedConnectHandler puts `Upgrade` on a stream's head, for an RFC 8441
                // WebSocket CONNECT (NIO's HTTP/2 handler refuses the header from clients).
                upgrade = examination.upgrade
            } else if examination.upgrade {
                // llhttp stops parsing after an upgrade request: the connection serves no other.
                keepAlive = false
                upgrade = UpgradeTunnel.isWebSocketUpgrade(head)
            }
            let exchange = ProxyExchange(handler: self, head: head, upgrade: upgrade, requestFields: requestFields)
            self.exchange = exchange
            exchange.start()
        case .body(let buffer):
            // A connection's reads reach its timeouts from the codec; a stream's parts, from here.
            if http2 { timeouts?.inputArrived() }
            exchange?.requestBody(buffer)
        case .end(let trailers):
            requestOpen = false
            timeouts?.requestEnded()
            if let exchange {
                exchange.requestEnd(trailers)
            } else if closeWhenRequestEnds {
                context.close(promise: nil)
            } else {
                timeouts?.awaitRequest()
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        isReading = false
        exchange?.downstreamReadComplete()
        context.fireChannelReadComplete()
    }

    /// The codec delivered buffered (pipelined) requests outside a read: no read-complete follows
    /// to flush what they wrote upstream.
    func deliveredOutsideRead() {
        isReading = false
        exchange?.downstreamReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        exchange?.downstreamWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if http2 { timeouts?.stopDriving() } else { timeouts?.cancel() }
        if let exchange {
            self.exchange = nil
            exchange.downstreamClosed()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Parse errors are answered (400, 431) by the codec in front, HTTP1ServerCodec or NIO's
        // HTTPServerProtocolErrorHandler, before they get here; anything else (a reset, a TLS
        // failure) ends the connection.
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Listeners allow half-closure (for TCP relays): a client that shut its side has sent its
        // last request. Close now if nothing is in flight, else after the response.
        if let channelEvent = event as? ChannelEvent, case .inputClosed = channelEvent {
            keepAlive = false
            if exchange == nil { context.close(promise: nil) }
            return
        }
        if event is ConnectionTimeouts.Expired {
            timeoutExpired()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A timeout of `ConnectionTimeouts` expired (through the pipeline, or from the codec or this
    /// handler that drives them). A request under way gets 408 while nothing of its response went
    /// out, else the connection (the stream) is closed; either way its upstream connection is
    /// closed, not pooled, as it may be mid-request.
    /// - Parameter partialHead: the codec holds part of a request head (NIO's codecs cannot tell).
    func timeoutExpired(partialHead: Bool = false) {
        guard let context else { return }
        let kind = timeouts?.expiredKind ?? .idle
        if let exchange {
            guard kind == .requestBody || kind == .streamIdle else { return }
            keepAlive = false
            requestHasBody = true
            let body = kind == .requestBody ? "request body timeout\n" : "stream timeout\n"
            exchange.localReply(.requestTimeout, body, flag: kind == .requestBody ? .downstreamProtocolError : .streamIdleTimeout)
            return
        }
        if requestOpen || partialHead {
            keepAlive = false
            requestHasBody = true
            let body = kind == .requestBody ? "request body timeout\n" : "request header timeout\n"
            sendLocalReply(.requestTimeout, body: body, head: nil)
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: Called by the exchange

    func writeHead(_ head: HTTPResponseHead) {
        guard let context else { return }
        var head = head
        if http2 {
            // Connection-specific headers do not exist in HTTP/2 (the codec drops them anyway).
        } else if !keepAlive || isDraining {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        } else if head.version.major == 1 && head.version.minor == 0 {
            head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        timeouts?.outputWritten()
        if let codec {
            codec.writeHead(head)
        } else {
            context.write(wrapOutboundOut(.head(head)), promise: nil)
        }
    }

    /// The connection's own HTTP/1 codec writes heads whose fields are still bytes.
    var forwardsRawHeads: Bool { codec != nil && !http2 }

    /// A response head forwarded with its fields as received (see `RawResponseHead`), to an
    /// HTTP/1.1 client; `Connection: close` when this connection ends after it.
    func writeHead(_ head: RawResponseHead, upstreamServiceTime: TimeAmount?) {
        guard context != nil, let codec else { return }
        timeouts?.outputWritten()
        codec.writeHead(head, upstreamServiceTime: upstreamServiceTime, close: !keepAlive || isDraining)
    }

    func writeBody(_ buffer: ByteBuffer) {
        timeouts?.outputWritten()
        if let codec {
            codec.writeBody(buffer)
        } else {
            context?.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
    }

    func flush() {
        if let codec {
            codec.flush()
        } else {
            context?.flush()
        }
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    /// Inside `channelRead` of the client connection: its read-complete follows and can flush.
    private(set) var isReading = false

    /// Pauses or resumes reading from the client (back-pressure from a slow upstream).
    func setReading(_ on: Bool) {
        guard on == readingPaused, let context else { return }
        readingPaused = !on
        timeouts?.setReadingPaused(!on)
        if let codec {
            codec.setReading(on)  // the codec also pauses for pipelined input
        } else {
            _ = context.channel.setOption(.autoRead, value: on)
        }
    }

    /// Ends the response; keeps the connection for the next request or closes it.
    /// - Parameter flushLater: the upstream connection whose read-complete flushes this response,
    ///   so that responses arriving in one read leave in one write; nil flushes now.
    func writeEnd(trailers: HTTPHeaders? = nil, flushLater: UpstreamResponseHandler? = nil) {
        guard let context else { return }
        exchange = nil
        setReading(true)
        let close = !keepAlive || isDraining || (requestOpen && requestHasBody) || codec?.closeAfterResponse == true
        if close {
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            writeEndPart(trailers, promise: written)
            flush()
            codec?.stopParsing()
            return
        }
        writeEndPart(trailers, promise: nil)
        if let flushLater {
            flushLater.pendingFlush = self
        } else {
            flush()
        }
        if requestOpen {
            closeWhenRequestEnds = false
        } else {
            timeouts?.awaitRequest()
        }
    }

    private func writeEndPart(_ trailers: HTTPHeaders?, promise: EventLoopPromise<Void>?) {
        if let codec {
            codec.writeEnd(trailers: trailers, promise: promise)
        } else {
            context?.write(wrapOutboundOut(.end(trailers)), promise: promise)
        }
    }

    /// The upstream accepted a WebSocket upgrade: its 101 (`head`) goes to the client (on an
    /// HTTP/2 stream: `:status 200`) and the two channels become a relay, set up on the next tick
    /// outside both pipelines' callbacks.
    func upgraded(upstream: any Channel, head: HTTPResponseHead) {
        exchange = nil
        timeouts?.cancel()
        guard let context else {
            upstream.close(promise: nil)
            return
        }
        let downstream = context.channel
        let logger = state.logger
        let idleTimeout = state.settings.tcpIdleTimeout
        let http2 = http2
        downstream.eventLoop.assumeIsolated().execute {
            guard downstream.isActive, upstream.isActive else {
                downstream.close(promise: nil)
                upstream.close(promise: nil)
                return
            }
            do {
                if http2 {
                    try ExtendedConnectTunnel.join(stream: downstream, upstream: upstream, head: head, idleTimeout: idleTimeout)
                    return
                }
                let response = UpgradeTunnel.encode(head, allocator: downstream.allocator)
                try UpgradeTunnel.join(
                    downstream: downstream, upstream: upstream, response: response, idleTimeout: idleTimeout)
            } catch let failure as ExtendedConnectTunnel.Failure {
                // Answered 502 on the stream already; the connection's other streams go on.
                logger.info("WebSocket tunnel refused", metadata: ["error.message": "\(failure)"])
                upstream.close(promise: nil)
            } catch {
                logger.info("WebSocket tunnel could not be set up", metadata: ["error.message": "\(error)"])
                downstream.close(promise: nil)
                upstream.close(promise: nil)
            }
        }
    }

    /// The response cannot be completed (the upstream broke off mid-body): close at once.
    func abortResponse() {
        exchange = nil
        context?.close(promise: nil)
    }

    /// Answers without an upstream: 400s, 404 (no route), 503 (no upstream), redirects, direct responses.
    func sendLocalReply(_ status: HTTPResponseStatus, body: String, head: HTTPRequestHead?, headers extra: HTTPHeaders = [:]) {
        var headers = extra
        var buffer = context?.channel.allocator.buffer(capacity: body.utf8.count)
        buffer?.writeString(body)
        headers.replaceOrAdd(name: "content-length", value: String(body.utf8.count))
        if !body.isEmpty, !headers.contains(name: "content-type") {
            headers.add(name: "content-type", value: "text/plain")
        }
        let version = head?.version ?? .http1_1
        writeHead(HTTPResponseHead(version: version, status: status, headers: headers))
        if let buffer, head?.method != .HEAD { writeBody(buffer) }
        writeEnd()
    }

    /// The listener left the configuration: connections close after their current response.
    /// Looked up once per snapshot, not per response.
    private var isDraining: Bool {
        let config = state.config
        if config !== drainingCheckedFor {
            drainingCheckedFor = config
            draining = config.listeners[listenerName] == nil
        }
        return draining
    }

    private var drainingCheckedFor: CompiledSnapshot?
    private var draining = false

    /// This connection's route configuration in `config`, looked up once per snapshot.
    func routeTable(in config: CompiledSnapshot) -> RouteTable? {
        if config !== routeTableFor {
            routeTableFor = config
            cachedRouteTable = config.routeTables[routeConfigurationName]
        }
        return cachedRouteTable
    }

    private var routeTableFor: CompiledSnapshot?
    private var cachedRouteTable: RouteTable?
}
