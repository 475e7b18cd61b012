import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Upstream test server: echoes every byte; when the client half-closes, sends `END` and closes.
final class HalfCloseEchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "END")))
                .whenComplete { _ in channel.close(promise: nil) }
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Client: sends `payload`, half-closes, and collects everything until the server closes. Reads start
/// paused and resume after `pause`, so the relay has to hold its upstream back meanwhile.
final class BulkClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let payload: ByteBuffer
    private let pause: TimeAmount
    private let promise: EventLoopPromise<ByteBuffer>
    private var received = ByteBuffer()

    init(payload: ByteBuffer, pause: TimeAmount, promise: EventLoopPromise<ByteBuffer>) {
        self.payload = payload
        self.pause = pause
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        var rest = payload
        while let chunk = rest.readSlice(length: min(64 * 1024, rest.readableBytes)), chunk.readableBytes > 0 {
            context.write(wrapOutboundOut(chunk), promise: nil)
        }
        context.writeAndFlush(NIOAny(ByteBuffer()))
            .whenSuccess { channel.close(mode: .output, promise: nil) }
        context.eventLoop.scheduleTask(in: pause) { channel.setOption(.autoRead, value: true).whenComplete { _ in } }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received.writeBuffer(&buffer)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(received)
    }
}

/// Counts how often the relay's client-facing channel stopped being writable: proof that
/// back-pressure engaged rather than everything fitting in socket buffers.
final class WritabilityProbe: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    private let unwritable = Mutex(0)
    var timesUnwritable: Int { unwritable.withLock { $0 } }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable { unwritable.withLock { $0 += 1 } }
        context.fireChannelWritabilityChanged()
    }
}

/// An event loop group, an upstream server, a relaying listener and the stats the relay reported.
final class RelayBed: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let stats: AsyncStream<TCPRelay.Stats>
    let probe = WritabilityProbe()
    private let statsContinuation: AsyncStream<TCPRelay.Stats>.Continuation

    init() {
        (stats, statsContinuation) = AsyncStream.makeStream(of: TCPRelay.Stats.self)
    }

    static func with<T>(_ body: (RelayBed) async throws -> T) async throws -> T {
        let bed = RelayBed()
        do {
            let result = try await body(bed)
            try await bed.group.shutdownGracefully()
            return result
        } catch {
            try? await bed.group.shutdownGracefully()
            throw error
        }
    }

    func startEchoUpstream() async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HalfCloseEchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// A listener that relays each connection to `upstream` as soon as it is accepted.
    func startRelay(to upstream: SocketAddress) async throws -> any Channel {
        let continuation = statsContinuation
        let probe = probe
        return try await ServerBootstrap(group: group)
            // Small socket buffers, so a paused client backs the relay up within a few hundred KiB.
            .childChannelOption(.socketOption(.so_sndbuf), value: 16 * 1024)
            .childChannelInitializer { channel in
                do {
                    try channel.pipeline.syncOperations.addHandler(probe)
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                return TCPRelay.relay(downstream: channel, to: upstream, connectTimeout: .seconds(2)) { stats in
                    continuation.yield(stats)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Sends `payload` through `server` with a small receive buffer and paused reads; returns the echo.
    func bulkExchange(with server: any Channel, payload: ByteBuffer, pause: TimeAmount) async throws -> ByteBuffer {
        let port = try #require(server.localAddress?.port)
        let promise = group.next().makePromise(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 16 * 1024)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        BulkClientHandler(payload: payload, pause: pause, promise: promise)
                    )
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        channel.eventLoop.scheduleTask(in: .seconds(20)) { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    func firstStats() async throws -> TCPRelay.Stats {
        try await waitFor("relay stats", in: stats, timeout: .seconds(10)) { _ in true }
    }
}
