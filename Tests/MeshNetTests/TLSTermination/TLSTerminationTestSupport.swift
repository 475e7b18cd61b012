import Foundation
import Logging
import MeshCore
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SwiftASN1
import Synchronization
import Testing
import X509

/// Answers the first line with what the server settled: `chain=<name> alpn=<protocol> client=<SANs>`,
/// then closes. Added by a terminating filter chain once the client is admitted.
final class ChainReportHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let report: String
    private var received = ""

    init(chain: String, negotiated: NegotiatedTLS) {
        let client = negotiated.clientCertificate.map { TLSProbe.names(in: $0).joined(separator: ",") } ?? "none"
        report = "chain=\(chain) alpn=\(negotiated.applicationProtocol ?? "none") client=\(client)"
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += String(buffer: unwrapInboundIn(data))
        guard received.contains("\n") else { return }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: report + "\n")))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}

/// What a TLS test client saw.
struct TLSProbeOutcome: Sendable {
    /// DNS SANs of the certificate the server presented; empty when the handshake did not complete.
    var serverNames: [String] = []
    var applicationProtocol: String?
    var response = ""
    var error: String?
}

/// Client side: records the server's certificate and ALPN at handshake, sends `ping`, collects the
/// answer until the server closes.
final class TLSProbe: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let promise: EventLoopPromise<TLSProbeOutcome>
    private var outcome = TLSProbeOutcome()

    init(promise: EventLoopPromise<TLSProbeOutcome>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = tls {
            outcome.applicationProtocol = negotiated
            let peer = (try? context.pipeline.syncOperations.nioSSL_peerCertificate()) ?? nil
            if let peer, let certificate = try? Certificate(derEncoded: peer.toDERBytes()) {
                outcome.serverNames = Self.names(in: certificate)
            }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "ping\n")), promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        outcome.response += String(buffer: unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if outcome.error == nil { outcome.error = "\(error)" }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(outcome)
    }

    static func names(in certificate: Certificate) -> [String] {
        guard let sans = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return sans.compactMap { name in
            switch name {
            case .dnsName(let value), .uniformResourceIdentifier(let value): value
            default: nil
            }
        }
    }
}

/// A CA, server and client certificates made at run time, a temp directory for PEM files, a
/// credential store, and an event loop group; all torn down by `shutdown()`.
final class TerminationBed: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let authority: TestPKI.Authority
    let recorder = LogRecorder()
    let directory: URL
    private let credentialStore = Mutex<[String: ResolvedSecret]>([:])
    let refusals: AsyncStream<PeerRejection>
    private let refusalContinuation: AsyncStream<PeerRejection>.Continuation

    init() throws {
        authority = try TestPKI.Authority(trustDomain: "mesh.local")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("meshbox-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        (refusals, refusalContinuation) = AsyncStream.makeStream(of: PeerRejection.self)
    }

    /// A leaf of the bed's CA for a DNS name (and a SPIFFE ID when given).
    func leaf(dns: String, spiffeID: String? = nil) throws -> TestPKI.Leaf {
        try authority.issue(spiffeID: spiffeID, dnsName: dns)
    }

    /// Stores a credential with `leaf`'s chain and key, and the bed's CA, and returns its name.
    @discardableResult
    func addCredential(_ name: String, leaf: TestPKI.Leaf) throws -> String {
        let secret = ResolvedSecret(
            certificateChainPEM: try leaf.chainPEM,
            privateKeyPEM: leaf.privateKeyPEM,
            trustedCAsPEM: try authority.certificatePEM
        )
        credentialStore.withLock { $0[name] = secret }
        return name
    }

    var resolver: FileSecretResolver {
        FileSecretResolver(credentials: { [self] name in
            guard let secret = self.credentialStore.withLock({ $0[name] }) else {
                throw MeshError(.notFound, "credential '\(name)' not found")
            }
            return secret
        })
    }

    /// The certificate and CA secret references of a credential, as the compiler writes them.
    static func secrets(for credential: String) -> [Snapshot.SecretReference] {
        [
            .init(name: credential, kind: .certificate, source: .credential(name: credential)),
            .init(name: credential + "-cacert", kind: .validationContext, source: .credential(name: credential)),
        ]
    }

    func writeFile(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A listener on 127.0.0.1 port 0 that terminates TLS per filter chain and answers with the chain.
    func startTerminatingServer(chains: [Snapshot.FilterChain], secrets: [Snapshot.SecretReference]) async throws
        -> any Channel
    {
        let contexts = ServerTLSContexts(resolver: resolver)
        let built = try chains.map { try contexts.context(for: try #require($0.tls), secrets: secrets) }
        let logger = recorder.logger
        let continuation = refusalContinuation
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sni = SNIChainHandler(chains: chains, logger: logger) { channel, index, _ in
                        let chain = chains[index]
                        return channel.eventLoop.makeCompletedFuture {
                            try SNIChainHandler.addTLSTermination(
                                context: built[index],
                                tls: chain.tls!,
                                to: channel.pipeline.syncOperations,
                                logger: logger,
                                onRefusal: { continuation.yield($0) }
                            ) { channel, negotiated in
                                channel.eventLoop.makeCompletedFuture {
                                    try channel.pipeline.syncOperations.addHandler(
                                        ChainReportHandler(chain: chain.name, negotiated: negotiated)
                                    )
                                }
                            }
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(sni)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// A client configuration that trusts the bed's CA, without host name checks (tests read the SANs).
    func clientConfiguration(presenting leaf: TestPKI.Leaf? = nil) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(
            try NIOSSLCertificate.fromPEMBytes(Array(try authority.certificatePEM.utf8))
        )
        configuration.certificateVerification = .noHostnameVerification
        if let leaf {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(try leaf.chainPEM.utf8))
                .map { .certificate($0) }
            configuration.privateKey = .privateKey(
                try NIOSSLPrivateKey(bytes: Array(leaf.privateKeyPEM.utf8), format: .pem)
            )
        }
        return configuration
    }

    /// Connects with TLS (SNI `serverName` when given), sends `ping`, returns what happened.
    func probe(_ server: any Channel, serverName: String?, configuration: TLSConfiguration) async throws
        -> TLSProbeOutcome
    {
        let port = try #require(server.localAddress?.port)
        let context = try NIOSSLContext(configuration: configuration)
        let promise = group.next().makePromise(of: TLSProbeOutcome.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        try NIOSSLClientHandler(context: context, serverHostname: serverName),
                        TLSProbe(promise: promise),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        // A deadline, not a sleep: the server closes every connection; this only bounds a broken test.
        channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    func firstRefusal() async throws -> PeerRejection {
        try await waitFor("a refusal", in: refusals, timeout: .seconds(10)) { _ in true }
    }

    /// Runs `body` with a fresh bed and tears it down (group, temp files) however `body` ends.
    static func with<T>(_ body: (TerminationBed) async throws -> T) async throws -> T {
        let bed = try TerminationBed()
        do {
            let result = try await body(bed)
            try await bed.shutdown()
            return result
        } catch {
            try? await bed.shutdown()
            throw error
        }
    }

    /// Shutting the group down closes every channel still open on it.
    private func shutdown() async throws {
        refusalContinuation.finish()
        try? FileManager.default.removeItem(at: directory)
        try await group.shutdownGracefully()
    }
}
