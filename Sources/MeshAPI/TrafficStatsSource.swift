public import Foundation

/// Where the console reads live request statistics: the data plane (the gateway's engine) in
/// this process. The console gets nil when no data plane runs here, and says so.
public protocol TrafficStatsSource: Sendable {
    /// The last minute of finished requests, merged across the data plane's event loops: one
    /// entry per complete second, oldest first, in total and per destination service.
    func trafficStats() async -> TrafficWindow
}

/// The requests that finished within one second (or the sum of several).
public struct TrafficSecond: Sendable, Hashable {
    public var requests: Int
    /// Answered with a 5xx status, by the upstream or by the data plane itself.
    public var serverErrors: Int
    public var requestBytes: Int
    public var responseBytes: Int
    /// Their durations, from the first request byte to the last response byte.
    public var latency: LatencyHistogram

    public init(
        requests: Int = 0,
        serverErrors: Int = 0,
        requestBytes: Int = 0,
        responseBytes: Int = 0,
        latency: LatencyHistogram = LatencyHistogram()
    ) {
        self.requests = requests
        self.serverErrors = serverErrors
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
        self.latency = latency
    }

    public mutating func merge(_ other: TrafficSecond) {
        requests += other.requests
        serverErrors += other.serverErrors
        requestBytes += other.requestBytes
        responseBytes += other.responseBytes
        latency.merge(other.latency)
    }

    /// The sum of several seconds.
    public static func sum(_ seconds: some Sequence<TrafficSecond>) -> TrafficSecond {
        var sum = TrafficSecond()
        for second in seconds { sum.merge(second) }
        return sum
    }
}

/// The last `seconds` seconds of a data plane's traffic, each series oldest first and ending
/// with the newest complete second.
public struct TrafficWindow: Sendable, Hashable {
    /// How many seconds each series holds.
    public var seconds: Int
    /// The number of the newest second (it grows by one per second from an arbitrary start):
    /// two windows with the same sequence hold the same seconds.
    public var sequence: Int64
    /// The wall-clock time at which the newest second ended.
    public var end: Date
    /// How long after this window was cut its next second is complete.
    public var nextSecondIn: Duration
    /// Every request, `seconds` entries.
    public var total: [TrafficSecond]
    /// The requests routed to each destination service, by its host
    /// (`reviews.default.svc.cluster.local`), `seconds` entries each. Requests answered without a
    /// destination (no route, redirects, direct responses) count only in `total`.
    public var services: [String: [TrafficSecond]]

    public init(
        seconds: Int,
        sequence: Int64,
        end: Date,
        nextSecondIn: Duration,
        total: [TrafficSecond]? = nil,
        services: [String: [TrafficSecond]] = [:]
    ) {
        self.seconds = seconds
        self.sequence = sequence
        self.end = end
        self.nextSecondIn = nextSecondIn
        self.total = total ?? Array(repeating: TrafficSecond(), count: seconds)
        self.services = services
    }

    /// Adds the counts of another window (another event loop's), matching seconds by sequence;
    /// seconds outside this window are left out.
    public mutating func merge(_ other: TrafficWindow) {
        let shift = Int(other.sequence - sequence)
        func add(_ series: [TrafficSecond], into target: inout [TrafficSecond]) {
            for (index, second) in series.enumerated() {
                // Both series end at their sequence: entry i of `other` is (count - 1 - i) seconds before it.
                let position = index + shift + (target.count - series.count)
                if target.indices.contains(position) { target[position].merge(second) }
            }
        }
        add(other.total, into: &total)
        for (host, series) in other.services {
            add(series, into: &services[host, default: Array(repeating: TrafficSecond(), count: seconds)])
        }
    }
}
