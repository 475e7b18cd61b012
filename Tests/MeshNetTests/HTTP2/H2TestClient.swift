import MeshTesting
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// An HTTP/2 client for what curl cannot do: RFC 8441 extended CONNECT (curl has no WebSocket
/// over HTTP/2). Over h2c with prior knowledge or TLS with ALPN `h2`; records the server's
/// SETTINGS; opens streams that send any header block and DATA, and record what comes back.
final class H2TestClient: Sendable {
    let channel: any Channel
    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    private let settings: SettingsRecorder

    /// - Parameter tls: a client context offering ALPN `h2`; nil for h2c with prior knowledge.
    static func connect(
        port: Int, group: any EventLoopGroup, tls: NIOSSLContext? = nil, serverName: String? = nil
    ) async throws -> H2TestClient {
        let settings = SettingsRecorder()
        let channel = try await ClientBootstrap(group: group)
            .connect(host: "127.0.0.1", port: port).get()
        let multiplexer = try await channel.eventLoop.submit {
            let sync = channel.pipeline.syncOperations
            if let tls {
                try sync.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
            }
            let multiplexer = try sync.configureHTTP2Pipeline(
                mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
            ) { stream in stream.eventLoop.makeSucceededVoidFuture() }
            try sync.addHandler(settings)
            return multiplexer
        }.get()
        return H2TestClient(channel: channel, multiplexer: multiplexer, settings: settings)
    }

    private init(channel: any Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer, settings: SettingsRecorder) {
        self.channel = channel
        self.multiplexer = multiplexer
        self.settings = settings
    }

    /// The server's SETTINGS as received (empty until they arrive).
    var serverSettings: [HTTP2Setting] { settings.received.withLock { $0 } }

    /// Waits for the server's SETTINGS: a client may send `:protocol` only after the server allowed it.
    func awaitSettings() async throws {
        try await eventually("the server's SETTINGS", timeout: .seconds(10)) { self.settings.arrived.withLock { $0 } }
    }

    /// Opens a stream and sends `headers` (pseudo-headers first, as given).
    func open(_ headers: [(String, String)], endStream: Bool = false) async throws -> H2TestStream {
        let recorder = H2TestStream.Recorder()
        let stream = try await multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture { try stream.pipeline.syncOperations.addHandler(recorder) }
        }.get()
        let block = HPACKHeaders(headers)
        try await stream.writeAndFlush(HTTP2Frame.FramePayload.headers(.init(headers: block, endStream: endStream)))
        return H2TestStream(channel: stream, recorder: recorder)
    }

    /// An extended CONNECT for a WebSocket on `path` (RFC 8441 §5).
    func openWebSocket(
        path: String, authority: String, scheme: String = "http", extra: [(String, String)] = []
    ) async throws -> H2TestStream {
        try await open(
            [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", scheme), (":path", path),
             (":authority", authority), ("sec-websocket-version", "13")] + extra)
    }

    func close() async {
        try? await channel.close()
    }

    /// Connection-level frames reach the pipeline after the HTTP/2 handler.
    private final class SettingsRecorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTP2Frame
        let received = Mutex<[HTTP2Setting]>([])
        let arrived = Mutex(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .settings(.settings(let values)) = unwrapInboundIn(data).payload {
                received.withLock { $0 += values }
                arrived.withLock { $0 = true }
            }
        }
    }
}

/// One stream of an `H2TestClient`: send DATA, read the response head, DATA and how it ended.
final class H2TestStream: Sendable {
    let channel: any Channel
    let recorder: Recorder

    init(channel: any Channel, recorder: Recorder) {
        self.channel = channel
        self.recorder = recorder
    }

    /// The response's `:status`, once its HEADERS arrived.
    var status: String? { recorder.state.withLock { $0.headers.first { $0.0 == ":status" }?.1 } }
    /// The response headers (lower-case names).
    var headers: [(String, String)] { recorder.state.withLock { $0.headers } }
    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    /// Every DATA byte so far.
    var received: [UInt8] { recorder.state.withLock { $0.data } }
    /// The server sent END_STREAM.
    var ended: Bool { recorder.state.withLock { $0.ended } }
    /// The server reset the stream, with this code.
    var resetCode: HTTP2ErrorCode? { recorder.state.withLock { $0.reset } }
    var isClosed: Bool { recorder.state.withLock { $0.closed } }

    func clear() { recorder.state.withLock { $0.data.removeAll() } }

    func send(_ bytes: [UInt8], endStream: Bool = false) async throws {
        let frame = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(bytes: bytes)), endStream: endStream))
        try await channel.writeAndFlush(frame)
    }

    /// RST_STREAM (CANCEL), as a client abandoning the stream does.
    func cancel() async {
        try? await channel.close()
    }

    final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTP2Frame.FramePayload

        struct State {
            var headers: [(String, String)] = []
            var data: [UInt8] = []
            var ended = false
            var reset: HTTP2ErrorCode?
            var closed = false
        }

        let state = Mutex(State())

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .headers(let headers):
                state.withLock { state in
                    if state.headers.isEmpty { state.headers = headers.headers.map { ($0.name, $0.value) } }
                    if headers.endStream { state.ended = true }
                }
            case .data(let frame):
                state.withLock { state in
                    if case .byteBuffer(let buffer) = frame.data { state.data += buffer.readableBytesView }
                    if frame.endStream { state.ended = true }
                }
            case .rstStream(let code):
                state.withLock { $0.reset = code }
            default:
                break
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if let closed = error as? NIOHTTP2Errors.StreamClosed {
                state.withLock { $0.reset = closed.errorCode }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLock { $0.closed = true }
            context.fireChannelInactive()
        }
    }
}
