import MeshAPI
import MeshCore
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One check result: the verdict and the explanation shown as `Instance.healthOutput`.
///
/// The output is coarse on purpose: whoever registers an instance chooses the check's target and
/// reads the output, so it says up or down, the status class (`HTTP 5xx`) and a reason from a
/// short fixed list, never the target's headers, body, exact status or error text.
struct ProbeResult: Sendable, Hashable {
    var success: Bool
    var output: String
}

/// Runs one HTTP or TCP check over NIO. Every probe ends within the check's timeout.
struct HealthProbe: Sendable {
    let eventLoopGroup: any EventLoopGroup

    func run(_ check: ResolvedHealthCheck, address: String) async -> ProbeResult {
        switch check.kind {
        case .http:
            await http(
                address: address, port: check.port, path: check.path, expectedStatus: check.expectedStatus,
                timeout: check.timeout)
        case .tcp:
            await tcp(address: address, port: check.port, timeout: check.timeout)
        case .ttl:
            ProbeResult(success: false, output: "TTL checks are not probed")
        }
    }

    /// A GET with `Connection: close`; healthy when the status is `expectedStatus`, or any 2xx.
    func http(address: String, port: Int, path: String, expectedStatus: Int?, timeout: Duration) async -> ProbeResult {
        let target: SocketAddress
        do {
            target = try SocketAddress(ipAddress: address, port: port)
        } catch {
            return ProbeResult(success: false, output: "invalid address \(address)")
        }
        let eventLoop = eventLoopGroup.next()
        let timeAmount = TimeAmount(timeout)
        let status = eventLoop.makePromise(of: Int.self)
        let deadline = eventLoop.scheduleTask(in: timeAmount) { status.fail(HealthProbeError.timedOut) }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeAmount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(StatusHandler(status: status))
                }
            }
        defer {
            deadline.cancel()
            // Completing twice is ignored; this only guarantees no promise is left pending.
            status.fail(HealthProbeError.cancelled)
        }
        do {
            let channel = try await bootstrap.connect(to: target).get()
            status.futureResult.whenComplete { _ in channel.close(promise: nil) }
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            let host = address.contains(":") ? "[\(address)]" : address
            head.headers.add(name: "Host", value: "\(host):\(port)")
            head.headers.add(name: "User-Agent", value: "meshbox-health-check")
            head.headers.add(name: "Connection", value: "close")
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            let code = try await status.futureResult.get()
            let healthy = expectedStatus.map { $0 == code } ?? (200...299).contains(code)
            let shown = Self.statusClass(code)
            return ProbeResult(success: healthy, output: healthy || expectedStatus == nil ? shown : "\(shown), expected \(expectedStatus ?? 0)")
        } catch {
            return ProbeResult(success: false, output: Self.describe(error, timeout: timeout))
        }
    }

    /// Healthy when a TCP connection opens within the timeout.
    func tcp(address: String, port: Int, timeout: Duration) async -> ProbeResult {
        let target: SocketAddress
        do {
            target = try SocketAddress(ipAddress: address, port: port)
        } catch {
            return ProbeResult(success: false, output: "invalid address \(address)")
        }
        let bootstrap = ClientBootstrap(group: eventLoopGroup).connectTimeout(TimeAmount(timeout))
        do {
            let channel = try await bootstrap.connect(to: target).get()
            try? await channel.close()
            return ProbeResult(success: true, output: "TCP connect succeeded")
        } catch {
            return ProbeResult(success: false, output: Self.describe(error, timeout: timeout))
        }
    }

    /// `HTTP 2xx`, …, `HTTP 5xx`; `invalid HTTP response` outside 100-599.
    static func statusClass(_ code: Int) -> String {
        (100...599).contains(code) ? "HTTP \(code / 100)xx" : "invalid HTTP response"
    }

    static func describe(_ error: any Error, timeout: Duration) -> String {
        switch error {
        case HealthProbeError.timedOut, ChannelError.connectTimeout:
            return "timed out after \(DurationText.format(timeout))"
        case HealthProbeError.closedBeforeResponse, ChannelError.eof, ChannelError.ioOnClosedChannel:
            return "connection closed before a response"
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset"
            case EHOSTUNREACH, ENETUNREACH: return "host unreachable"
            default: return "connect failed"
            }
        case let error as NIOConnectionError:
            return error.connectionErrors.first.map { describe($0.error, timeout: timeout) } ?? "connect failed"
        case is HTTPParserError:
            return "invalid HTTP response"
        default:
            return "check failed"
        }
    }
}

enum HealthProbeError: Error, Hashable {
    case timedOut
    case closedBeforeResponse
    case cancelled
}

/// Takes the status of the first response head, then closes the connection.
private final class StatusHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let status: EventLoopPromise<Int>

    init(status: EventLoopPromise<Int>) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            status.succeed(Int(head.status.code))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        status.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        status.fail(HealthProbeError.closedBeforeResponse)
        context.fireChannelInactive()
    }
}
