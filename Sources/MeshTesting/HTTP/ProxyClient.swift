public import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 keep-alive client for data-plane tests: one connection, requests answered in
/// order, so a test can send thousands of requests quickly and see exactly what came back.
public final class ProxyClient: Sendable {
    public struct Response: Sendable, CustomStringConvertible {
        public var status: Int
        /// Lower-cased names, in order.
        public var headers: [(String, String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.0 == name.lowercased() }?.1
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
        public var description: String { "HTTP \(status) \(headers) \(text.prefix(200))" }
    }

    public struct Closed: Error, CustomStringConvertible {
        public var description: String { "the connection closed before a complete response" }
    }

    private let channel: any Channel

    public static func connect(port: Int, host: String = "127.0.0.1", group: any EventLoopGroup) async throws -> ProxyClient {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector())
                }
            }
            .connect(host: host, port: port)
            .get()
        return ProxyClient(channel: channel)
    }

    private init(channel: any Channel) {
        self.channel = channel
    }

    public var isActive: Bool { channel.isActive }

    public func send(
        _ method: String = "GET", _ path: String, host: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> Response {
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path)
        head.headers.add(name: "host", value: host)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body, !head.headers.contains(name: "transfer-encoding") {
            head.headers.replaceOrAdd(name: "content-length", value: String(body.count))
        }
        let promise = channel.eventLoop.makePromise(of: Response.self)
        let channel = self.channel
        let request = head
        channel.eventLoop.execute {
            guard let collector = try? channel.pipeline.syncOperations.handler(type: ResponseCollector.self), channel.isActive
            else {
                promise.fail(Closed())
                return
            }
            collector.pending.append(promise)
            channel.write(HTTPClientRequestPart.head(request), promise: nil)
            if let body {
                var buffer = channel.allocator.buffer(capacity: body.count)
                buffer.writeBytes(body)
                channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
            }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        return try await promise.futureResult.get()
    }

    public func close() async {
        try? await channel.close()
    }

    /// One request on a new connection, closed afterwards.
    public static func request(
        port: Int, _ method: String = "GET", _ path: String, host: String, headers: [(String, String)] = [],
        body: [UInt8]? = nil, group: any EventLoopGroup
    ) async throws -> Response {
        let client = try await connect(port: port, group: group)
        do {
            let response = try await client.send(method, path, host: host, headers: headers, body: body)
            await client.close()
            return response
        } catch {
            await client.close()
            throw error
        }
    }
}

private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    var pending = CircularBuffer<EventLoopPromise<ProxyClient.Response>>()
    private var current: ProxyClient.Response?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            current = ProxyClient.Response(
                status: Int(head.status.code), headers: head.headers.map { ($0.name.lowercased(), $0.value) }, body: [])
        case .body(var buffer):
            current?.body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            if let current, let promise = pending.popFirst() { promise.succeed(current) }
            current = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        while let promise = pending.popFirst() { promise.fail(ProxyClient.Closed()) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
