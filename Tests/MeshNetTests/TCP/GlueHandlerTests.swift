import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNet

/// Counts the `read()` calls that reach the head of the pipeline (the socket, in a real channel).
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = NIOAny
    private(set) var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite("GlueHandler on embedded channels")
struct GlueHandlerTests {
    /// Two channels on one loop joined by a glue pair; `downstream` has a read counter in front.
    static func pair() throws -> (downstream: EmbeddedChannel, upstream: EmbeddedChannel, reads: ReadCounter) {
        let loop = EmbeddedEventLoop()
        let downstream = EmbeddedChannel(loop: loop)
        let upstream = EmbeddedChannel(loop: loop)
        let (downstreamGlue, upstreamGlue) = GlueHandler.matchedPair()
        let counter = ReadCounter()
        try downstream.pipeline.syncOperations.addHandlers([counter, downstreamGlue])
        try upstream.pipeline.syncOperations.addHandler(upstreamGlue)
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 1)
        try downstream.connect(to: address).wait()
        try upstream.connect(to: address).wait()
        return (downstream, upstream, counter)
    }

    @Test("reads are held while the other side is not writable and resume when it is")
    func backPressure() throws {
        let (downstream, upstream, reads) = try Self.pair()
        upstream.isWritable = false
        downstream.read()
        #expect(reads.reads == 0)
        upstream.isWritable = true
        upstream.pipeline.fireChannelWritabilityChanged()
        #expect(reads.reads == 1)
        downstream.read()
        #expect(reads.reads == 2)
    }

    @Test("bytes read on one side are written and flushed on the other, and counted")
    func forwardsAndCounts() throws {
        let (downstream, upstream, _) = try Self.pair()
        try downstream.writeInbound(ByteBuffer(string: "hello"))
        try upstream.writeInbound(ByteBuffer(string: "hi back"))
        #expect(try upstream.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "hello"))
        #expect(try downstream.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "hi back"))
        let glue = try downstream.pipeline.syncOperations.handler(type: GlueHandler.self)
        #expect(glue.bytesRead == 5)
    }

    @Test("closing one side closes the other")
    func closePropagates() throws {
        let (downstream, upstream, _) = try Self.pair()
        #expect(upstream.isActive)
        try downstream.close().wait()
        #expect(!upstream.isActive)
        _ = try? upstream.finish()
    }
}
