import Logging
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("TCP listeners: the cluster's connection limit")
struct TCPConnectionLimitTests {
    static func snapshot(upstreamPort: Int) -> Snapshot {
        var cluster = Snapshot.Cluster(name: "echo", serviceHost: "echo", port: 7000, subset: nil, lbPolicy: .roundRobin)
        cluster.circuitBreakers = .init(maxConnections: 1)
        return Snapshot(
            version: 1,
            listeners: [
                Snapshot.Listener(
                    name: "tcp", address: "127.0.0.1", port: 0, protocol: .tcp,
                    filterChains: [.init(name: "tcp", destination: .tcp([.init(name: "echo", weight: 100)]))])
            ],
            clusters: [cluster],
            endpoints: [
                .init(
                    clusterName: "echo",
                    endpoints: [.init(address: "127.0.0.1", port: UInt32(upstreamPort), health: .healthy, instanceID: "e")])
            ])
    }

    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(_ group: any EventLoopGroup, _ address: SocketAddress) async throws -> Connection {
        try await ClientBootstrap(group: group).connect(to: address) { channel in
            channel.eventLoop.makeCompletedFuture { try Connection(wrappingChannelSynchronously: channel) }
        }
    }

    /// Sends a byte and returns what comes back: the byte through the relay, nil when the proxy
    /// closed the connection (before the write, or after it: a reset).
    static func echo(_ connection: Connection) async throws -> String? {
        try await connection.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            do {
                try await outbound.write(ByteBuffer(string: "x"))
                return try await iterator.next().map { String(buffer: $0) }
            } catch let error as ChannelError where error == .ioOnClosedChannel || error == .alreadyClosed {
                return nil
            } catch let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE {
                return nil
            }
        }
    }

    @Test("past maxConnections a relay is closed at once; a closed one makes room again")
    func limit() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let plane = DataPlane(group: group, logger: Logger(label: "test.tcp-limit"))
        let report = await plane.apply(Self.snapshot(upstreamPort: upstream.localAddress?.port ?? 0))
        let address = try #require(await plane.boundAddresses["tcp"])

        let first = try await Self.connect(group, address)
        try await first.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "a"))
            var iterator = inbound.makeAsyncIterator()
            #expect(try await iterator.next().map { String(buffer: $0) } == "a", "the first relay runs")
            #expect(try await Self.echo(try await Self.connect(group, address)) == nil, "the second is over the limit")
        }
        // The slot frees once both sides of the first relay have closed.
        try await eventually("room for a relay again") { try await Self.echo(try await Self.connect(group, address)) == "x" }
        #expect(report.failed.isEmpty)

        await plane.shutdown()
        try await upstream.close()
        try await group.shutdownGracefully()
    }

    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.writeAndFlush(data, promise: nil) }
    }
}
