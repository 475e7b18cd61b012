import MeshTesting
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// An HTTPS server on 127.0.0.1 for upstream-TLS tests: presents `leaf`, optionally requires a
/// client certificate from `clientCA`, and answers every request 200 with its name, the SANs of the
/// client certificate it verified (`x-client-sans`) and the SNI it was asked for (`x-sni`).
final class TLSBackend: Sendable {
    let name: String
    let port: Int
    private let channel: any Channel
    private let shared: Shared

    final class Shared: Sendable {
        let connections = Mutex(0)
        let requests = Mutex(0)
        let serverNames = Mutex<[String]>([])
    }

    static func start(
        name: String,
        leaf: TestPKI.Leaf,
        clientCA: TestPKI.Authority? = nil,
        group: any EventLoopGroup
    ) async throws -> TLSBackend {
        let shared = Shared()
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(try leaf.chainPEM.utf8)).map {
                .certificate($0)
            },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(leaf.privateKeyPEM.utf8), format: .pem))
        )
        configuration.applicationProtocols = ["http/1.1"]
        if let clientCA {
            configuration.trustRoots = .certificates(
                try NIOSSLCertificate.fromPEMBytes(Array(try clientCA.certificatePEM.utf8))
            )
            configuration.certificateVerification = .noHostnameVerification
        }
        // Records the SNI of each handshake; the certificate stays the configured one.
        configuration.sslContextCallback = { values, promise in
            shared.serverNames.withLock { $0.append(values.serverHostname ?? "") }
            promise.succeed(NIOSSLContextConfigurationOverride())
        }
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    shared.connections.withLock { $0 += 1 }
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TLSBackendHandler(name: name, shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TLSBackend(name: name, port: channel.localAddress!.port!, channel: channel, shared: shared)
    }

    private init(name: String, port: Int, channel: any Channel, shared: Shared) {
        self.name = name
        self.port = port
        self.channel = channel
        self.shared = shared
    }

    /// TLS connections accepted (handshakes attempted).
    var connectionCount: Int { shared.connections.withLock { $0 } }
    var requestCount: Int { shared.requests.withLock { $0 } }
    /// The SNI of each handshake, in order (empty string: none sent).
    var serverNames: [String] { shared.serverNames.withLock { $0 } }

    func stop() async {
        try? await channel.close()
    }
}

private final class TLSBackendHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let name: String
    private let shared: TLSBackend.Shared
    private var head: HTTPRequestHead?

    init(name: String, shared: TLSBackend.Shared) {
        self.name = name
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            shared.requests.withLock { $0 += 1 }
            let peer = (try? context.pipeline.syncOperations.nioSSL_peerCertificate()) ?? nil
            let sans = peer.flatMap { try? Certificate(derEncoded: $0.toDERBytes()) }.map(Self.names) ?? []
            var headers = HTTPHeaders()
            headers.add(name: "x-backend", value: name)
            headers.add(name: "x-client-sans", value: sans.isEmpty ? "none" : sans.joined(separator: ","))
            headers.add(name: "x-sni", value: shared.serverNames.withLock { $0.last ?? "" })
            headers.add(name: "content-length", value: String(name.utf8.count))
            if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))),
                promise: nil
            )
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: name)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    static func names(_ certificate: Certificate) -> [String] {
        guard let sans = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return sans.compactMap { name in
            switch name {
            case .uniformResourceIdentifier(let value), .dnsName(let value): value
            default: nil
            }
        }
    }
}
