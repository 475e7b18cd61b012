import MeshModel
import NIOCore
import NIOHTTP1

/// A copy of a request sent to a mirror cluster (VirtualService `mirror`): fire and forget. Its
/// answer is read and dropped, its failures never touch the original request, and a slow mirror
/// is cut off after `timeout`. As in Envoy, the copy's authority gets a `-shadow` suffix.
final class MirrorExchange: UpstreamExchange {
    private let cluster: ClusterRuntime
    private let head: HTTPRequestHead
    private let body: [ByteBuffer]
    private var connection: UpstreamConnection?
    private var timer: Scheduled<Void>?
    private var keepAlive = true
    private var done = false

    init(cluster: ClusterRuntime, head: HTTPRequestHead, body: [ByteBuffer]) {
        var head = head
        if let host = head.headers.first(name: "host") {
            let parts = host.split(separator: ":", maxSplits: 1)
            let shadow = parts[0] + "-shadow" + (parts.count > 1 ? ":" + parts[1] : "")
            head.headers.replaceOrAdd(name: "host", value: String(shadow))
        }
        self.cluster = cluster
        self.head = head
        self.body = body
    }

    /// Sends the copy; `self` stays alive through the pool's callback and the connection's handler.
    func start(on eventLoop: any EventLoop, timeout: TimeAmount) {
        guard let endpoint = cluster.pickEndpoint(hash: nil, tried: [], now: .now())?.endpoint, cluster.breaker.canStartRequest()
        else {
            return
        }
        cluster.breaker.requestStarted()
        timer = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            timer = nil
            finish(reuse: false)
        }
        cluster.acquire(endpoint) { [self] result, _ in
            guard case .success(let connection) = result else { return finish(reuse: false) }
            guard !done else {
                cluster.release(connection)
                return
            }
            self.connection = connection
            connection.handler.exchange = self
            connection.requestCount += 1
            connection.write(.head(head))
            for part in body { connection.write(.body(.byteBuffer(part))) }
            connection.write(.end(nil))
            connection.flush()
        }
    }

    func upstreamReceived(_ part: HTTPClientResponsePart) {
        switch part {
        case .head(let response): keepAlive = HTTP1KeepAlive.persists(version: response.version, headers: response.headers)
        case .body: break
        case .end: finish(reuse: keepAlive)
        }
    }

    func upstreamReadComplete() {}
    func upstreamWritabilityChanged(_ writable: Bool) {}

    func upstreamClosed(_ closed: UpstreamConnection) {
        if closed === connection { connection = nil }
        finish(reuse: false)
    }

    func upstreamFailed(_ error: any Error) {}

    private func finish(reuse: Bool) {
        guard !done else { return }
        done = true
        timer?.cancel()
        timer = nil
        cluster.breaker.requestFinished()
        guard let connection else { return }
        self.connection = nil
        connection.handler.exchange = nil
        if reuse { cluster.release(connection) } else { cluster.discard(connection) }
    }
}
