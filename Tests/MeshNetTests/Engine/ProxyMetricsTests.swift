import MetricsTestKit
import NIOCore
import Testing

@testable import MeshNet

/// Istio's standard request metrics, one instrument set per label set: requests alternating
/// between label sets are each counted under their own (the last-used set is kept apart).
@Suite("ProxyMetrics")
struct ProxyMetricsTests {
    @Test("each request is counted and measured under its service, code and flags")
    func labelSets() throws {
        let factory = TestMetrics()
        let metrics = ProxyMetrics(reporter: "gateway", factory: factory)
        let requests: [(String?, Int, ResponseFlags, Int)] = [
            ("shop", 200, [], 10), ("shop", 503, [], 20), ("shop", 503, .upstreamConnectionFailure, 30),
            ("cart", 200, [], 40), (nil, 404, .noRoute, 50), ("shop", 200, [], 60), ("shop", 200, [], 70),
        ]
        for (service, status, flags, bytes) in requests {
            metrics.record(
                service: service, status: status, flags: flags, duration: .milliseconds(Int64(bytes)), requestBytes: bytes,
                responseBytes: bytes * 2)
        }
        func total(_ service: String, _ code: String, _ flags: String) -> Int64 {
            factory.counterTotal(
                label: "istio_requests_total",
                dimensions: [("destination_service", service), ("response_code", code), ("response_flags", flags)])
        }
        #expect(total("shop", "200", "-") == 3)
        #expect(total("shop", "503", "-") == 1)
        #expect(total("shop", "503", "UF") == 1)
        #expect(total("cart", "200", "-") == 1)
        #expect(total("unknown", "404", "NR") == 1)
        #expect(factory.counterTotal(label: "istio_requests_total") == 7)
        let shopBytes = try factory.expectRecorder(
            "istio_request_bytes",
            [("reporter", "gateway"), ("destination_service", "shop"), ("response_code", "200"), ("response_flags", "-")])
        #expect(shopBytes.values == [10, 60, 70])
        #expect(metrics.requestCount == 7)
    }
}
