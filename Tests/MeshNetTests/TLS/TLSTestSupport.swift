import Foundation
import Logging
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

/// Answers the first line with `hello <peer>, you said <line>` and closes; `<peer>` is the SPIFFE ID,
/// or `plaintext` for a plain-text connection.
final class GreetingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var peer = "unknown"
    private var received = ""

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let identity = event as? PeerIdentity {
            peer = identity.spiffeID ?? "no SPIFFE ID"
        } else if let transport = event as? InboundTransport, transport == .plaintext {
            peer = "plaintext"
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += String(buffer: unwrapInboundIn(data))
        guard let newline = received.firstIndex(of: "\n") else { return }
        let line = received[..<newline]
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "hello \(peer), you said \(line)\n")))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

struct ClientResult: Sendable {
    var text: String
    var error: String?
}

/// Collects what the server sends until the connection closes.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<ClientResult>
    private var text = ""
    private var error: String?

    init(promise: EventLoopPromise<ClientResult>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        text += String(buffer: unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.error = "\(error)"
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(ClientResult(text: text, error: error))
    }
}

/// Log records kept for assertions.
final class LogRecorder: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])
    var all: [Record] { records.withLock { $0 } }

    func append(_ record: Record) { records.withLock { $0.append(record) } }

    var logger: Logger {
        Logger(label: "meshbox.tls.test") { _ in RecordingLogHandler(recorder: self) }
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        recorder.append(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}

/// A STRICT or PERMISSIVE echo server on 127.0.0.1 port 0 for the mesh.local trust domain.
struct TLSTestBed {
    static let trustDomain = "mesh.local"
    let group: MultiThreadedEventLoopGroup
    let authority: TestPKI.Authority
    let recorder = LogRecorder()
    let rejections: AsyncStream<PeerRejection>
    private let continuation: AsyncStream<PeerRejection>.Continuation

    init() throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        authority = try TestPKI.Authority(trustDomain: Self.trustDomain)
        (rejections, continuation) = AsyncStream.makeStream(of: PeerRejection.self)
    }

    func identity(for leaf: TestPKI.Leaf) throws -> TLSIdentity {
        TLSIdentity(
            certificateChainPEM: try leaf.chainPEM,
            privateKeyPEM: leaf.privateKeyPEM,
            trustBundlePEM: try authority.certificatePEM
        )
    }

    func verifier() throws -> SPIFFEPeerVerifier {
        let continuation = self.continuation
        return SPIFFEPeerVerifier(
            trustDomain: Self.trustDomain,
            trustRoots: [authority.certificate],
            logger: recorder.logger,
            onRejection: { continuation.yield($0) }
        )
    }

    func startServer(mode: EffectiveMTLS.Mode) async throws -> any Channel {
        let server = try identity(for: try authority.issue(spiffeID: "spiffe://mesh.local/ns/default/sa/server"))
        let context = try server.makeServerContext(requireClientCertificate: true)
        let verifier = try verifier()
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        MTLSModeHandler(mode: mode, serverContext: context, verifier: verifier),
                        GreetingHandler(),
                    ])
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Connects (with TLS when `context` is given), sends `ping`, returns what came back before close.
    func exchange(with server: any Channel, context: NIOSSLContext?) async throws -> ClientResult {
        let port = try #require(server.localAddress?.port)
        let promise = group.next().makePromise(of: ClientResult.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: nil)
                        )
                    }
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        // A deadline, not a sleep: the server closes every connection, this only bounds a broken test.
        channel.eventLoop.scheduleTask(in: TimeAmount.seconds(10)) { channel.close(promise: nil) }
        try? await channel.writeAndFlush(ByteBuffer(string: "ping\n"))
        return try await promise.futureResult.get()
    }

    func firstRejection() async throws -> PeerRejection {
        try await waitFor("a rejection", in: rejections, timeout: .seconds(10)) { _ in true }
    }

    func shutdown(_ server: any Channel) async throws {
        continuation.finish()
        try await server.close()
        try await group.shutdownGracefully()
    }
}
