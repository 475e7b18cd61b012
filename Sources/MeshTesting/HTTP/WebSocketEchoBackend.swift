public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A real WebSocket server on 127.0.0.1 (swift-nio's upgrader and frame codec): accepts the
/// handshake on any path, greets each client with a text frame `hello from <name>` sent right
/// after its 101, and echoes every text or binary frame back. A close frame is answered and the
/// connection closed. Plain HTTP requests without an upgrade get 426.
public final class WebSocketEchoBackend: Sendable {
    public let name: String
    public let port: Int
    private let channel: any Channel

    public static func start(name: String, group: any EventLoopGroup) async throws -> WebSocketEchoBackend {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOWebSocketServerUpgrader(
                        maxFrameSize: 1 << 20, automaticErrorHandling: true,
                        shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                let sync = channel.pipeline.syncOperations
                                // The HTTP handler sits before the frame codec NIO adds at the end.
                                sync.removeHandler(context: try sync.context(handlerType: RefuseHTTP.self), promise: nil)
                                try sync.addHandler(EchoFrames(name: name))
                            }
                        })
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try channel.pipeline.syncOperations.addHandler(RefuseHTTP())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return WebSocketEchoBackend(name: name, port: channel.localAddress!.port!, channel: channel)
    }

    private init(name: String, port: Int, channel: any Channel) {
        self.name = name
        self.port = port
        self.channel = channel
    }

    public func stop() async {
        try? await channel.close()
    }
}

private final class EchoFrames: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let name: String
    init(name: String) { self.name = name }

    func handlerAdded(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var greeting = context.channel.allocator.buffer(capacity: 32)
        greeting.writeString("hello from \(name)")
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: greeting)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            let payload = frame.unmaskedData
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: frame.fin, opcode: frame.opcode, data: payload)), promise: nil)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        default:
            break
        }
    }
}

/// A request that is not a WebSocket handshake: 426 Upgrade Required.
private final class RefuseHTTP: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "content-length", value: "0")
        headers.add(name: "upgrade", value: "websocket")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .upgradeRequired, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
