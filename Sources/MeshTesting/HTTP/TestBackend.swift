public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP/1.1 server on 127.0.0.1 for data-plane tests: answers every request from a
/// `Behaviour` (status, delay, echo), tags each response with `x-backend: <name>`, and records
/// what it received so a test can check what the proxy sent upstream.
public final class TestBackend: Sendable {
    /// What the backend answers. Can be changed while it runs.
    public enum Behaviour: Sendable {
        /// 200 with body `name`.
        case ok
        /// The given status with body `name`.
        case status(Int)
        /// 200 after `delay`.
        case delay(Duration)
        /// 200 with the request body echoed back.
        case echo
        /// 200 with a body of `bytes` bytes.
        case size(Int)
        /// Closes the connection without answering.
        case hangUp
        /// The given status, extra headers and body.
        case respond(status: Int, headers: [(String, String)], body: [UInt8])
    }

    /// A request as the backend saw it.
    public struct Received: Sendable {
        public var method: String
        public var uri: String
        /// Lower-cased names, values in order.
        public var headers: [(String, String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.0 == name.lowercased() }?.1
        }
    }

    public let name: String
    public let port: Int
    private let channel: any Channel
    private let shared: Shared

    final class Shared: Sendable {
        let behaviour: Mutex<Behaviour>
        let received = Mutex<[Received]>([])
        let connections = Mutex(0)
        init(_ behaviour: Behaviour) { self.behaviour = Mutex(behaviour) }
    }

    /// Starts a backend on a free port of 127.0.0.1.
    public static func start(name: String, behaviour: Behaviour = .ok, group: any EventLoopGroup) async throws -> TestBackend {
        let shared = Shared(behaviour)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    shared.connections.withLock { $0 += 1 }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(BackendHandler(name: name, shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestBackend(name: name, port: channel.localAddress!.port!, channel: channel, shared: shared)
    }

    private init(name: String, port: Int, channel: any Channel, shared: Shared) {
        self.name = name
        self.port = port
        self.channel = channel
        self.shared = shared
    }

    public var behaviour: Behaviour {
        get { shared.behaviour.withLock { $0 } }
        set { shared.behaviour.withLock { $0 = newValue } }
    }

    public var received: [Received] { shared.received.withLock { $0 } }
    public var requestCount: Int { shared.received.withLock { $0.count } }
    /// Connections accepted so far.
    public var connectionCount: Int { shared.connections.withLock { $0 } }

    public func resetReceived() {
        shared.received.withLock { $0.removeAll() }
    }

    public func stop() async {
        try? await channel.close()
    }
}

private final class BackendHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let name: String
    private let shared: TestBackend.Shared
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(name: String, shared: TestBackend.Shared) {
        self.name = name
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let received = TestBackend.Received(
                method: head.method.rawValue, uri: head.uri,
                headers: head.headers.map { ($0.name.lowercased(), $0.value) }, body: body)
            shared.received.withLock { $0.append(received) }
            respond(context: context, head: head, body: body)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let behaviour = shared.behaviour.withLock { $0 }
        var status = 200
        var payload = Array(name.utf8)
        switch behaviour {
        case .ok: break
        case .status(let code): status = code
        case .echo: payload = body
        case .size(let count): payload = [UInt8](repeating: UInt8(ascii: "x"), count: count)
        case .respond(let code, let headers, let body):
            write(context: context, head: head, status: code, payload: body, extra: headers)
            return
        case .hangUp:
            context.close(promise: nil)
            return
        case .delay(let delay):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let payload = payload
            context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.components.seconds) * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)) {
                bound.value.0.write(context: bound.value.1, head: head, status: 200, payload: payload)
            }
            return
        }
        write(context: context, head: head, status: status, payload: payload)
    }

    private func write(
        context: ChannelHandlerContext, head: HTTPRequestHead, status: Int, payload: [UInt8], extra: [(String, String)] = []
    ) {
        var headers = HTTPHeaders(extra)
        headers.add(name: "x-backend", value: name)
        headers.add(name: "content-length", value: String(payload.count))
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: payload.count)
        buffer.writeBytes(payload)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if !keepAlive { context.close(promise: nil) }
        }
    }
}
