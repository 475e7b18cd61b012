import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 request of the admin client, already resolved against the base URL.
struct AdminHTTPRequest: Sendable {
    var method: String
    var url: URL
    var headers: [(String, String)]
    var body: Data?
}

/// A whole response: status, headers in arrival order, and the body read to its end.
struct AdminHTTPResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: Data
}

/// The admin client's transport: HTTP/1.1 over SwiftNIO, one connection per request (the CLI
/// makes one or two), closed after the response. `https` URLs use TLS trusting the system's root
/// certificates with hostname verification, the trust the CLI has always had.
///
/// `timeout` is one deadline for the whole exchange: resolving, connecting, the TLS handshake,
/// sending the request and reading the complete response.
struct AdminHTTPClient: Sendable {
    /// Responses larger than this fail instead of growing without bound.
    static let defaultResponseLimit = 64 * 1024 * 1024

    var timeout: Duration
    var responseLimit: Int = Self.defaultResponseLimit
    /// A PEM file of CA certificates to trust instead of the system's roots (tests; a future
    /// `--cacert`). Nil: the system roots.
    var trustRootsFile: String?
    var eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

    func execute(_ request: AdminHTTPRequest) async throws(AdminHTTPError) -> AdminHTTPResponse {
        let target = try AdminHTTPTarget(request.url)
        let tlsContext = try target.usesTLS ? makeTLSContext() : nil
        let eventLoop = eventLoopGroup.next()
        let response = eventLoop.makePromise(of: AdminHTTPResponse.self)
        let limit = responseLimit
        let deadline = eventLoop.scheduleTask(in: TimeAmount(timeout)) { response.fail(AdminHTTPError.timedOut) }
        // Every path below completes `response`; its completion closes the channel, if one opened.
        response.futureResult.whenComplete { _ in deadline.cancel() }

        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: target.serverName))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(AdminHTTPResponseCollector(response: response, limit: limit))
                }
            }
        bootstrap.connect(host: target.connectHost, port: target.port).whenComplete { result in
            switch result {
            case .failure(let error):
                response.fail(error)
            case .success(let channel):
                response.futureResult.whenComplete { _ in channel.close(promise: nil) }
                Self.write(request, target: target, to: channel, failing: response)
            }
        }
        do {
            return try await withTaskCancellationHandler {
                try await response.futureResult.get()
            } onCancel: {
                response.fail(CancellationError())
            }
        } catch {
            throw AdminHTTPError(error)
        }
    }

    /// Sends the head (Host, Content-Length, `Connection: close`, the caller's headers) and body.
    private static func write(
        _ request: AdminHTTPRequest, target: AdminHTTPTarget, to channel: any Channel,
        failing response: EventLoopPromise<AdminHTTPResponse>
    ) {
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: target.requestTarget)
        head.headers.add(name: "Host", value: target.hostHeader)
        head.headers.add(name: "User-Agent", value: "meshbox")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in request.headers { head.headers.add(name: name, value: value) }
        let body = request.body ?? Data()
        if request.body != nil || ["POST", "PUT", "PATCH"].contains(request.method) {
            head.headers.add(name: "Content-Length", value: String(body.count))
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if !body.isEmpty {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        }
        let sent = channel.eventLoop.makePromise(of: Void.self)
        sent.futureResult.whenFailure { response.fail($0) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: sent)
    }

    private func makeTLSContext() throws(AdminHTTPError) -> NIOSSLContext {
        guard let trustRootsFile else { return try Self.systemTLSContext.get() }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(trustRootsFile)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw AdminHTTPError(kind: .connect, reason: "cannot set up TLS with the CA certificates in \(trustRootsFile): \(error)")
        }
    }

    /// The client TLS context for the system's roots, made once per process: full verification.
    private static let systemTLSContext: Result<NIOSSLContext, AdminHTTPError> = Result {
        try NIOSSLContext(configuration: .makeClientConfiguration())
    }.mapError { AdminHTTPError(kind: .connect, reason: "cannot set up TLS: \($0)") }
}
