import MeshModel
import MeshNet
import NIOCore
import NIOEmbedded
import NIOSSL
import NIOTLS
import Synchronization
import Testing

@Suite("SNIChainHandler on an embedded channel")
struct SNIChainHandlerTests {
    static let chains: [Snapshot.FilterChain] = [
        .init(name: "a", serverNames: ["a.example.com"], destination: .tcp([.init(name: "a", weight: 100)])),
        .init(name: "fallback", destination: .tcp([.init(name: "fallback", weight: 100)])),
    ]

    /// Selections seen by `onSelect`, as (chain index, server name).
    final class Selections: Sendable {
        let all = Mutex<[(Int, String?)]>([])
        var first: (Int, String?)? { all.withLock { $0.first } }
    }

    static func channel(
        chains: [Snapshot.FilterChain] = chains,
        selections: Selections
    ) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            SNIChainHandler(chains: chains) { channel, index, serverName in
                selections.all.withLock { $0.append((index, serverName)) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// The ClientHello NIOSSL sends for `serverName`.
    static func clientHello(serverName: String?) throws -> ByteBuffer {
        let client = EmbeddedChannel()
        defer { _ = try? client.finish() }
        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
        try client.pipeline.syncOperations.addHandler(
            try NIOSSLClientHandler(context: context, serverHostname: serverName)
        )
        try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        var hello = try #require(try client.readOutbound(as: ByteBuffer.self))
        while var more = try client.readOutbound(as: ByteBuffer.self) { hello.writeBuffer(&more) }
        return hello
    }

    @Test("a ClientHello split over reads selects by its SNI, then flows on unchanged")
    func selectsAndForwards() throws {
        let selections = Selections()
        let channel = try Self.channel(selections: selections)
        let hello = try Self.clientHello(serverName: "a.example.com")
        try channel.writeInbound(hello.getSlice(at: hello.readerIndex, length: 20)!)
        #expect(selections.first == nil)
        try channel.writeInbound(hello.getSlice(at: hello.readerIndex + 20, length: hello.readableBytes - 20)!)
        channel.embeddedEventLoop.run()
        #expect(selections.first?.0 == 0)
        #expect(selections.first?.1 == "a.example.com")
        var forwarded = ByteBuffer()
        while var part = try channel.readInbound(as: ByteBuffer.self) { forwarded.writeBuffer(&part) }
        #expect(forwarded == hello)
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.context(handlerType: SNIChainHandler.self)
        }
        _ = try? channel.finish()
    }

    @Test("plain text is not TLS: the chain without names takes it with every byte")
    func plaintextFallsBack() throws {
        let selections = Selections()
        let channel = try Self.channel(selections: selections)
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        channel.embeddedEventLoop.run()
        #expect(selections.first?.0 == 1)
        #expect(selections.first?.1 == nil)
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        _ = try? channel.finish()
    }

    @Test("no chain for the SNI closes the connection")
    func unmatchedCloses() throws {
        let selections = Selections()
        let channel = try Self.channel(chains: [Self.chains[0]], selections: selections)
        try channel.writeInbound(try Self.clientHello(serverName: "b.example.com"))
        channel.embeddedEventLoop.run()
        #expect(selections.first == nil)
        #expect(!channel.isActive)
    }

    @Test("a client that sends no ClientHello in time is closed")
    func clientHelloTimeout() throws {
        let selections = Selections()
        let channel = try Self.channel(selections: selections)
        try channel.writeInbound(ByteBuffer(bytes: [0x16, 0x03, 0x01]))
        channel.embeddedEventLoop.advanceTime(by: .seconds(14))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        #expect(selections.first == nil)
    }
}
