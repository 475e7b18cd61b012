import MeshTesting
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// An upstream for the HTTP/2 tests on 127.0.0.1: HTTP/2 (h2c with prior knowledge, or `h2` by
/// ALPN with a TLS leaf) and HTTP/1.1 on the same port, told apart by the client's first bytes.
/// It records, for every request, the protocol it arrived in and which connection carried it.
///
/// Every request gets 200 with the backend's name, `x-connection` and `x-protocol`; a request
/// header `x-delay-ms` holds the answer back (to keep streams open at once), `x-hold` until
/// `release()` is called, and paths under
/// `/grpc` answer like a gRPC unary call: `content-type: application/grpc`, a length-prefixed
/// message, and trailers `grpc-status: 0`, `grpc-message: ok`.
///
/// It lives in the test target rather than MeshTesting, which does not depend on NIOHTTP2/NIOSSL.
final class HTTP2TestBackend: Sendable {
    struct Request: Sendable {
        var version: String
        var connection: Int
        var path: String
        var headers: [(String, String)]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    let name: String
    let port: Int
    private let server: any Channel
    private let shared: Shared

    final class Shared: Sendable {
        let requests = Mutex<[Request]>([])
        let connections = Mutex<[Int: any Channel]>([:])
        let nextConnection = Mutex(0)
        /// Connections whose GOAWAY has gone out, with their open-stream counts.
        let streams = Mutex<[Int: Int]>([:])
        let goingAway = Mutex<Set<Int>>([])
        /// Answers of `x-hold` requests, waiting for `release()`.
        let held = Mutex<[EventLoopPromise<Void>]>([])
    }

    /// - Parameters:
    ///   - maxConcurrentStreams: advertised in SETTINGS (nil: not sent, unlimited).
    ///   - leaf: serve TLS with this certificate, offering ALPN `h2` (and `http/1.1`).
    static func start(
        name: String,
        maxConcurrentStreams: Int? = nil,
        leaf: TestPKI.Leaf? = nil,
        group: any EventLoopGroup
    ) async throws -> HTTP2TestBackend {
        let shared = Shared()
        var tls: NIOSSLContext?
        if let leaf {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(try leaf.chainPEM.utf8)).map {
                    .certificate($0)
                },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(leaf.privateKeyPEM.utf8), format: .pem))
            )
            configuration.applicationProtocols = ["h2", "http/1.1"]
            tls = try NIOSSLContext(configuration: configuration)
        }
        let context = tls
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = shared.nextConnection.withLock { next in
                        next += 1
                        return next
                    }
                    shared.connections.withLock { $0[id] = channel }
                    channel.closeFuture.whenComplete { _ in
                        _ = shared.connections.withLock { $0.removeValue(forKey: id) }
                    }
                    let sync = channel.pipeline.syncOperations
                    if let context { try sync.addHandler(NIOSSLServerHandler(context: context)) }
                    try sync.addHandler(
                        PrefaceSniffer { channel, http2 in
                            if http2 {
                                try Self.configureHTTP2(
                                    channel,
                                    id: id,
                                    name: name,
                                    maxConcurrentStreams: maxConcurrentStreams,
                                    shared: shared
                                )
                            } else {
                                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                                try channel.pipeline.syncOperations.addHandler(
                                    BackendRequestHandler(
                                        name: name,
                                        connection: id,
                                        version: "HTTP/1.1",
                                        shared: shared
                                    )
                                )
                            }
                        }
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return HTTP2TestBackend(name: name, port: server.localAddress!.port!, server: server, shared: shared)
    }

    private static func configureHTTP2(
        _ channel: any Channel,
        id: Int,
        name: String,
        maxConcurrentStreams: Int?,
        shared: Shared
    ) throws {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = nioDefaultSettings.filter { $0.parameter != .maxConcurrentStreams }
        if let maxConcurrentStreams {
            connection.initialSettings.append(
                HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams)
            )
        }
        let delegate = StreamCounter(id: id, channel: channel, shared: shared)
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server,
            connectionConfiguration: connection,
            streamConfiguration: .init(),
            streamDelegate: delegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try stream.pipeline.syncOperations.addHandler(
                    BackendRequestHandler(name: name, connection: id, version: "HTTP/2", shared: shared)
                )
            }
        }
    }

    private init(name: String, port: Int, server: any Channel, shared: Shared) {
        self.name = name
        self.port = port
        self.server = server
        self.shared = shared
    }

    var requests: [Request] { shared.requests.withLock { $0 } }
    /// Connections accepted so far.
    var connectionCount: Int { shared.nextConnection.withLock { $0 } }
    /// Connections open now.
    var openConnections: Int { shared.connections.withLock { $0.count } }

    /// Graceful shutdown of every open HTTP/2 connection: GOAWAY naming the last stream it has
    /// seen, the streams in flight finish, then the connection closes.
    func goAway() async {
        let channels = shared.connections.withLock { $0 }
        for (id, channel) in channels {
            shared.goingAway.withLock { _ = $0.insert(id) }
            let shared = self.shared
            try? await channel.eventLoop.submit {
                let frame = HTTP2Frame(
                    streamID: .rootStream,
                    payload: .goAway(lastStreamID: .maxID, errorCode: .noError, opaqueData: nil)
                )
                channel.writeAndFlush(frame, promise: nil)
                if shared.streams.withLock({ $0[id] ?? 0 }) == 0 { Self.closeAfterWrites(channel) }
            }.get()
        }
    }

    /// Requests with `x-hold` waiting for their answer.
    var heldCount: Int { shared.held.withLock { $0.count } }

    /// Answers every request held by `x-hold`.
    func release() {
        for promise in shared.held.withLock({ held in defer { held = [] }; return held }) { promise.succeed() }
    }

    /// Closes `channel` once everything written so far is on the wire (a plain close would drop
    /// what is still buffered, such as the last stream's response).
    static func closeAfterWrites(_ channel: any Channel) {
        let ping = HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(), ack: false))
        channel.writeAndFlush(ping).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Stops listening and drops every connection at once (a crashed backend).
    func kill() async {
        try? await server.close()
        for (_, channel) in shared.connections.withLock({ $0 }) { try? await channel.close() }
    }
}

/// Counts each connection's open streams, to close a connection that said GOAWAY once they are done.
private final class StreamCounter: NIOHTTP2StreamDelegate, @unchecked Sendable {
    let id: Int
    let channel: any Channel
    let shared: HTTP2TestBackend.Shared

    init(id: Int, channel: any Channel, shared: HTTP2TestBackend.Shared) {
        self.id = id
        self.channel = channel
        self.shared = shared
    }

    func streamCreated(_ streamID: HTTP2StreamID, channel: any Channel) {
        shared.streams.withLock { $0[id, default: 0] += 1 }
    }

    func streamClosed(_ streamID: HTTP2StreamID, channel: any Channel) {
        let open = shared.streams.withLock { streams in
            streams[id, default: 1] -= 1
            return streams[id] ?? 0
        }
        if open == 0, shared.goingAway.withLock({ $0.contains(id) }) { HTTP2TestBackend.closeAfterWrites(self.channel) }
    }
}

/// Waits for the first 24 bytes: the HTTP/2 connection preface, or HTTP/1.1. Sets the pipeline up
/// for what it saw, hands over the bytes and leaves.
private final class PrefaceSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    private let configure: (any Channel, Bool) throws -> Void
    private var buffered: ByteBuffer?

    init(configure: @escaping (any Channel, Bool) throws -> Void) {
        self.configure = configure
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffered == nil {
            buffered = incoming
        } else {
            buffered!.writeBuffer(&incoming)
        }
        let bytes = buffered!.readableBytesView
        let count = min(bytes.count, Self.preface.count)
        let http2 = bytes.prefix(count).elementsEqual(Self.preface.prefix(count))
        if http2 && count < Self.preface.count { return }
        do {
            try configure(context.channel, http2)
        } catch {
            context.close(promise: nil)
            return
        }
        let data = buffered!
        buffered = nil
        context.fireChannelRead(NIOAny(data))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Answers each request as `HTTP2TestBackend` describes, over HTTP/1.1 or on one HTTP/2 stream.
private final class BackendRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let name: String
    let connection: Int
    let version: String
    let shared: HTTP2TestBackend.Shared
    private var head: HTTPRequestHead?

    init(name: String, connection: Int, version: String, shared: HTTP2TestBackend.Shared) {
        self.name = name
        self.connection = connection
        self.version = version
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            shared.requests.withLock {
                $0.append(
                    .init(
                        version: version,
                        connection: connection,
                        path: head.uri,
                        headers: head.headers.map { ($0.name, $0.value) }
                    )
                )
            }
        case .body:
            break
        case .end:
            guard let head else { return }
            let delay = head.headers.first(name: "x-delay-ms").flatMap(Int64.init) ?? 0
            if head.headers.contains(name: "x-hold") {
                let promise = context.eventLoop.makePromise(of: Void.self)
                promise.futureResult.assumeIsolated().whenSuccess { [self] in respond(context: context, head) }
                shared.held.withLock { $0.append(promise) }
            } else if delay > 0 {
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(delay)) { [self] in
                    respond(context: context, head)
                }
            } else {
                respond(context: context, head)
            }
        }
    }

    private func respond(context: ChannelHandlerContext, _ request: HTTPRequestHead) {
        var headers = HTTPHeaders()
        headers.add(name: "x-backend", value: name)
        headers.add(name: "x-connection", value: String(connection))
        headers.add(name: "x-protocol", value: version)
        var body = context.channel.allocator.buffer(capacity: 64)
        var trailers: HTTPHeaders?
        if request.uri.hasPrefix("/grpc") {
            // One gRPC message: not compressed, 4-byte length, then the payload.
            let message = Array(name.utf8)
            body.writeInteger(UInt8(0))
            body.writeInteger(UInt32(message.count))
            body.writeBytes(message)
            headers.add(name: "content-type", value: "application/grpc")
            trailers = ["grpc-status": "0", "grpc-message": "ok"]
        } else {
            body.writeString(name)
            headers.add(name: "content-length", value: String(body.readableBytes))
        }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .ok, headers: headers))),
            promise: nil
        )
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
    }
}
