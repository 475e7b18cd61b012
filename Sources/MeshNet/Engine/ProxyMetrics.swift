import Metrics
import NIOCore

/// Request metrics in the shape of Istio's standard metrics (`istio_requests_total`,
/// `istio_request_duration_milliseconds`, `istio_request_bytes`, `istio_response_bytes`), with
/// labels of bounded cardinality: reporter, destination service, response code and flags.
/// One per event loop: the metric objects are cached by label set, so a request costs a few
/// atomic increments and no factory lookups.
final class ProxyMetrics {
    private struct Key: Hashable {
        let service: String
        let status: Int
        let flags: UInt32
    }

    private struct Instruments {
        let requests: Counter
        let duration: Recorder
        let requestBytes: Recorder
        let responseBytes: Recorder
    }

    private let reporter: String
    private var cache: [Key: Instruments] = [:]
    private var last: (key: Key, instruments: Instruments)?
    /// Totals this loop has served, for the console's live view.
    private(set) var requestCount = 0
    /// The last minute of requests per service, for the console's live metrics.
    let traffic = TrafficStats()

    init(reporter: String) {
        self.reporter = reporter
    }

    /// - Parameter now: when the request finished (the caller has just read the clock).
    func record(
        service: String?, status: Int, flags: ResponseFlags, duration: TimeAmount, requestBytes: Int, responseBytes: Int,
        at now: NIODeadline = .now()
    ) {
        requestCount += 1
        traffic.record(
            service: service, status: status, duration: duration, requestBytes: requestBytes, responseBytes: responseBytes,
            at: now)
        let key = Key(service: service ?? "unknown", status: status, flags: flags.rawValue)
        let instruments: Instruments
        if let last, last.key == key {
            // Most requests repeat the previous label set; comparing the service name (the same
            // string storage, from the snapshot) is cheaper than hashing it.
            instruments = last.instruments
        } else if let cached = cache[key] {
            instruments = cached
            last = (key, instruments)
        } else {
            let dimensions = [
                ("reporter", reporter), ("destination_service", key.service),
                ("response_code", String(status)), ("response_flags", flags.text),
            ]
            instruments = Instruments(
                requests: Counter(label: "istio_requests_total", dimensions: dimensions),
                duration: Recorder(label: "istio_request_duration_milliseconds", dimensions: dimensions, aggregate: true),
                requestBytes: Recorder(label: "istio_request_bytes", dimensions: dimensions, aggregate: true),
                responseBytes: Recorder(label: "istio_response_bytes", dimensions: dimensions, aggregate: true))
            if cache.count < 4096 { cache[key] = instruments }
            last = (key, instruments)
        }
        instruments.requests.increment()
        instruments.duration.record(Double(duration.nanoseconds) / 1_000_000)
        instruments.requestBytes.record(requestBytes)
        instruments.responseBytes.record(responseBytes)
    }
}
