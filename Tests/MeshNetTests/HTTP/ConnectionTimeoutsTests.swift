import NIOCore
import NIOEmbedded
import Testing

@testable import MeshNet

/// The request timeouts end a request its timeout after the last byte, not up to a timer period
/// later (a stalled body once got its 408 at 70 s instead of 60 s; docs/security.md, "Before and after").
@Suite("ConnectionTimeouts")
struct ConnectionTimeoutsTests {
    /// Records the expiry events the timeouts fire down the pipeline.
    final class Expiries: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var fired: [ConnectionTimeouts.Kind] = []
        let timeouts: ConnectionTimeouts

        init(_ timeouts: ConnectionTimeouts) { self.timeouts = timeouts }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ConnectionTimeouts.Expired { fired.append(timeouts.expiredKind) }
        }
    }

    static func connection(body: TimeAmount, streamIdle: TimeAmount) throws -> (EmbeddedChannel, ConnectionTimeouts, Expiries) {
        var settings = ProxySettings()
        settings.requestBodyTimeout = body
        settings.streamIdleTimeout = streamIdle
        let timeouts = ConnectionTimeouts(settings: settings)
        let expiries = Expiries(timeouts)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(timeouts, expiries)
        return (channel, timeouts, expiries)
    }

    static func bytes(_ channel: EmbeddedChannel) throws {
        try channel.writeInbound(ByteBuffer(string: "x"))
        _ = try channel.readInbound(as: ByteBuffer.self)
    }

    @Test("a body that stalls after 30 s gets its timeout at 90 s, not at the next timer period (120 s)")
    func bodyTimeoutFromLastByte() throws {
        let (channel, timeouts, expiries) = try Self.connection(body: .seconds(60), streamIdle: .minutes(5))
        defer { _ = try? channel.finish() }
        try Self.bytes(channel)
        timeouts.requestStarted()
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        try Self.bytes(channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(59_900))
        #expect(expiries.fired.isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(expiries.fired == [.requestBody])
    }

    @Test("a response that stops writing is ended its stream idle timeout after the last byte either way")
    func streamIdleFromLastByte() throws {
        let (channel, timeouts, expiries) = try Self.connection(body: .seconds(60), streamIdle: .seconds(100))
        defer { _ = try? channel.finish() }
        try Self.bytes(channel)
        timeouts.requestStarted()
        timeouts.requestEnded()
        channel.embeddedEventLoop.advanceTime(by: .seconds(70))
        timeouts.outputWritten()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(99_900))
        #expect(expiries.fired.isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(expiries.fired == [.streamIdle])
    }

    @Test("bytes that keep arriving keep the request alive past many timeouts")
    func activityKeepsAlive() throws {
        let (channel, timeouts, expiries) = try Self.connection(body: .seconds(10), streamIdle: .seconds(30))
        defer { _ = try? channel.finish() }
        try Self.bytes(channel)
        timeouts.requestStarted()
        for _ in 0..<20 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(9))
            try Self.bytes(channel)
        }
        #expect(expiries.fired.isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(expiries.fired == [.requestBody])
    }
}
