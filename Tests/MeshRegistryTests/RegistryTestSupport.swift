import Foundation
import Logging
import MeshAPI
import MeshCore
import MeshRegistry
import NIOCore
import NIOPosix
import Testing

/// A registry on a fresh temporary database, shut down and removed after `body`.
func withRegistry<T>(
    directory: URL? = nil,
    publishInterval: Duration = .milliseconds(20),
    healthChecks: Registry.HealthCheckPolicy = .forTests,
    _ body: (Registry, any EventLoopGroup, URL) async throws -> T
) async throws -> T {
    let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("meshbox-registry-\(UUID())")
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let registry = try await Registry(
        path: dir.appendingPathComponent("registry.sqlite").path, eventLoopGroup: group,
        options: .init(nodeName: "test-node", publishInterval: publishInterval, healthChecks: healthChecks), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    do {
        let result = try await body(registry, group, dir)
        await registry.shutdown()
        try await group.shutdownGracefully()
        if directory == nil { try? FileManager.default.removeItem(at: dir) }
        return result
    } catch {
        await registry.shutdown()
        try await group.shutdownGracefully()
        if directory == nil { try? FileManager.default.removeItem(at: dir) }
        throw error
    }
}

struct WaitTimedOut: Error, CustomStringConvertible {
    var last: RegistryState?
    var description: String {
        let instances = last?.instances.values.map { "\($0.id)=\($0.health.rawValue)(\($0.healthOutput))" } ?? []
        return "condition not met in time; last revision \(last?.revision ?? -1): \(instances.sorted())"
    }
}

/// Consumes `registry.watch()` until a state satisfies `condition`; throws after `timeout`.
@discardableResult
func waitFor(
    _ registry: Registry, timeout: Duration = .seconds(15),
    _ condition: @escaping @Sendable (RegistryState) -> Bool
) async throws -> RegistryState {
    let stream = registry.watch()
    return try await withThrowingTaskGroup(of: RegistryState?.self) { group in
        group.addTask {
            for await state in stream where condition(state) { return state }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        guard let first else { throw WaitTimedOut(last: await registry.snapshot()) }
        return first
    }
}

/// A minimal HTTP/1.1 backend on 127.0.0.1 that answers every request with `status`.
/// (The test target has no NIOHTTP1, and the raw bytes keep the backend independent of the client.)
extension Registry.HealthCheckPolicy {
    /// Short intervals and TTLs so that health changes show quickly; the production minimums are
    /// tested in HealthCheckPolicyTests.
    static let forTests = Registry.HealthCheckPolicy(
        minimumInterval: .milliseconds(50), minimumTimeout: .milliseconds(50), minimumTTL: .milliseconds(50))
}

struct TestBackend {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    static func start(group: any EventLoopGroup, port: Int = 0, status: Int = 200) async throws -> TestBackend {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RawHTTPHandler(status: status))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        return TestBackend(channel: channel)
    }

    func stop() async throws {
        try await channel.close()
    }
}

private final class RawHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let status: Int
    private var received = ""

    init(status: Int) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readString(length: buffer.readableBytes) ?? ""
        guard received.contains("\r\n\r\n") else { return }
        received = ""
        // A header and a body that a check's output must never show (it would be an SSRF oracle).
        let response =
            "HTTP/1.1 \(status) Test\r\nX-Internal: secret-header\r\nContent-Length: 11\r\nConnection: close\r\n\r\nsecret-body"
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: written)
        let channel = context.channel
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
func closedPort(group: any EventLoopGroup) async throws -> Int {
    let backend = try await TestBackend.start(group: group)
    let port = backend.port
    try await backend.stop()
    return port
}
