import Foundation
import MeshAPI
import MeshModel

/// `GET /api/v1/traffic/stats` and each event of `GET /api/v1/watch/traffic`: the data plane's
/// last minute, for the gateway as a whole and per destination service.
struct TrafficStatsBody: Encodable, Sendable {
    /// Requests over a span of seconds.
    struct Summary: Encodable, Sendable {
        var requests: Int
        var serverErrors: Int
        var requestsPerSecond: Double
        /// 5xx answers / requests; absent without requests.
        var errorRate: Double?
        var p50Ms: Double?
        var p99Ms: Double?
        var requestBytes: Int
        var responseBytes: Int

        init(_ seconds: ArraySlice<TrafficSecond>) {
            let sum = TrafficSecond.sum(seconds)
            requests = sum.requests
            serverErrors = sum.serverErrors
            requestsPerSecond = rounded(Double(sum.requests) / Double(max(1, seconds.count)), 100)
            errorRate = sum.requests > 0 ? rounded(Double(sum.serverErrors) / Double(sum.requests), 10_000) : nil
            p50Ms = sum.latency.percentile(0.5).map { rounded($0, 1000) }
            p99Ms = sum.latency.percentile(0.99).map { rounded($0, 1000) }
            requestBytes = sum.requestBytes
            responseBytes = sum.responseBytes
        }
    }

    /// Per second, oldest first: what the charts draw.
    struct Series: Encodable, Sendable {
        var requests: [Int]
        var serverErrors: [Int]
        var p50Ms: [Double?]
        var p99Ms: [Double?]

        init(_ seconds: [TrafficSecond]) {
            requests = seconds.map(\.requests)
            serverErrors = seconds.map(\.serverErrors)
            p50Ms = seconds.map { $0.latency.percentile(0.5).map { rounded($0, 1000) } }
            p99Ms = seconds.map { $0.latency.percentile(0.99).map { rounded($0, 1000) } }
        }
    }

    struct Entry: Encodable, Sendable {
        /// The destination's host; absent for the gateway's totals.
        var host: String?
        /// `namespace/name` when the host is a meshbox Service's (`name.namespace.svc.cluster.local`).
        var service: String?
        var last1s: Summary
        var last10s: Summary
        var last60s: Summary
        var series: Series?

        init(host: String?, seconds: [TrafficSecond], withSeries: Bool) {
            self.host = host
            if let host, host.hasSuffix("." + HostName.clusterDomain),
                let name = HostName.serviceName(of: host, in: "default")
            {
                service = "\(name.namespace)/\(name.name)"
            }
            last1s = Summary(seconds.suffix(1))
            last10s = Summary(seconds.suffix(10))
            last60s = Summary(seconds[...])
            series = withSeries ? Series(seconds) : nil
        }
    }

    /// When the newest second ended.
    var time: Date
    /// The newest second's number: one more per second.
    var sequence: Int64
    var windowSeconds: Int
    var gateway: Entry
    /// By host.
    var services: [Entry]

    /// `withSeries: false` leaves out the per-second series (the stream sends them once, then
    /// only the newest second's numbers).
    init(_ window: TrafficWindow, withSeries: Bool = true) {
        time = window.end
        sequence = window.sequence
        windowSeconds = window.seconds
        gateway = Entry(host: nil, seconds: window.total, withSeries: withSeries)
        services = window.services.sorted { $0.key < $1.key }.map {
            Entry(host: $0.key, seconds: $0.value, withSeries: withSeries)
        }
    }
}

/// `value` to `1 / scale` (so that JSON does not carry float noise like 0.30000000000000004).
private func rounded(_ value: Double, _ scale: Double) -> Double {
    (value * scale).rounded() / scale
}
