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

    /// A class: the last-used set is kept and handed on with one retain, not four.
    private final class Instruments {
        let requests: Counter
        let duration: Recorder
        let requestBytes: Recorder
        let responseBytes: Recorder

        init(requests: Counter, duration: Recorder, requestBytes: Recorder, responseBytes: Recorder) {
            self.requests = requests
            self.duration = duration
            self.requestBytes = requestBytes
            self.responseBytes = responseBytes
        }
    }

    private let reporter: String
    private var cache: [Key: Instruments] = [:]
    /// The label set of the previous request and its instruments, compared field by field in
    /// place (a `(Key, Instruments)?` read out for the comparison was copied per request).
    private var lastService = ""
    private var lastStatus = -1
    private var lastFlags: UInt32 = 0
    private var lastInstruments: Instruments?
    /// Totals this loop has served, for the console's live view.
    private(set) var requestCount = 0
    /// The last minute of requests per service, for the console's live metrics.
    let traffic = TrafficStats()

    /// The instruments' backend: `MetricsSystem.factory` (the process's Prometheus registry) but
    /// in tests.
    private let factory: any MetricsFactory

    init(reporter: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.reporter = reporter
        self.factory = factory
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
        let instruments: Instruments
        if let lastInstruments, status == lastStatus, flags.rawValue == lastFlags, (service ?? "unknown") == lastService {
            // Most requests repeat the previous label set; comparing the service name (the same
            // string storage, from the snapshot) is cheaper than hashing it.
            instruments = lastInstruments
        } else {
            instruments = lookUp(Key(service: service ?? "unknown", status: status, flags: flags.rawValue), flags: flags)
            lastService = service ?? "unknown"
            lastStatus = status
            lastFlags = flags.rawValue
            lastInstruments = instruments
        }
        instruments.requests.increment()
        instruments.duration.record(Double(duration.nanoseconds) / 1_000_000)
        instruments.requestBytes.record(requestBytes)
        instruments.responseBytes.record(responseBytes)
    }

    /// The instruments of a label set, made on its first request.
    private func lookUp(_ key: Key, flags: ResponseFlags) -> Instruments {
        let instruments: Instruments
        if let cached = cache[key] {
            instruments = cached
        } else {
            let dimensions = [
                ("reporter", reporter), ("destination_service", key.service),
                ("response_code", String(key.status)), ("response_flags", flags.text),
            ]
            instruments = Instruments(
                requests: Counter(label: "istio_requests_total", dimensions: dimensions, factory: factory),
                duration: Recorder(
                    label: "istio_request_duration_milliseconds", dimensions: dimensions, aggregate: true, factory: factory),
                requestBytes: Recorder(label: "istio_request_bytes", dimensions: dimensions, aggregate: true, factory: factory),
                responseBytes: Recorder(label: "istio_response_bytes", dimensions: dimensions, aggregate: true, factory: factory))
            if cache.count < 4096 { cache[key] = instruments }
        }
        return instruments
    }
}
