import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// A TLS backend's application: answers the first line with `backend got <line>` and closes.
final class BackendGreetingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var received = ""

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += String(buffer: unwrapInboundIn(data))
        guard let newline = received.firstIndex(of: "\n") else { return }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "backend got \(received[..<newline])\n")))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}

@Suite("TLS passthrough: SNIChainHandler in front of TCPRelay")
struct PassthroughTests {
    @Test("a TLS client reaches the backend chosen by SNI and sees the backend's own certificate")
    func endToEnd() async throws {
        try await TerminationBed.with { bed in
            let backendLeaf = try bed.leaf(dns: "backend.example.com")
            var backendTLS = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(try backendLeaf.chainPEM.utf8))
                    .map { .certificate($0) },
                privateKey: .privateKey(
                    try NIOSSLPrivateKey(bytes: Array(backendLeaf.privateKeyPEM.utf8), format: .pem)
                )
            )
            backendTLS.minimumTLSVersion = .tlsv12
            let backendContext = try NIOSSLContext(configuration: backendTLS)
            let backend = try await ServerBootstrap(group: bed.group)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            NIOSSLServerHandler(context: backendContext), BackendGreetingHandler(),
                        ])
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            let backendAddress = try #require(backend.localAddress)

            let chains: [Snapshot.FilterChain] = [
                .init(
                    name: "backend",
                    serverNames: ["backend.example.com"],
                    destination: .tcp([.init(name: "backend", weight: 100)])
                )
            ]
            let (stats, statsContinuation) = AsyncStream.makeStream(of: TCPRelay.Stats.self)
            let front = try await ServerBootstrap(group: bed.group)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            SNIChainHandler(chains: chains) { channel, _, _ in
                                TCPRelay.relay(downstream: channel, to: backendAddress, connectTimeout: .seconds(2)) {
                                    statsContinuation.yield($0)
                                }
                            }
                        )
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()

            let outcome = try await bed.probe(
                front,
                serverName: "backend.example.com",
                configuration: try bed.clientConfiguration()
            )
            let relayed = try await waitFor("relay stats", in: stats) { _ in true }
            #expect(outcome.serverNames == ["backend.example.com"])
            #expect(outcome.response == "backend got ping\n")
            #expect(relayed.upstreamAddress == backendAddress)
            // The ClientHello the SNI handler held back was relayed too: the handshake needed it.
            #expect(relayed.bytesIn > 100)
            #expect(relayed.bytesOut > 100)
        }
    }
}
