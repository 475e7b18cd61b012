import Foundation
import MeshAPI
import Synchronization
import Testing

/// `GET /api/v1/traffic/stats` and `GET /api/v1/watch/traffic`: the live metrics routes.
@Suite("Console traffic stats routes")
struct TrafficStatsRoutesTests {
    /// A data plane's window, one second newer on each call, its next second 200 ms away.
    final class SteppingSource: TrafficStatsSource {
        private let calls = Mutex<Int64>(0)

        func trafficStats() async -> TrafficWindow {
            let sequence = calls.withLock { calls in
                calls += 1
                return 1000 + calls
            }
            var window = TrafficWindow(
                seconds: 60,
                sequence: sequence,
                end: Date(timeIntervalSince1970: 1_800_000_000),
                nextSecondIn: .milliseconds(200)
            )
            var busy = TrafficSecond(requests: 10, serverErrors: 1, requestBytes: 100, responseBytes: 1000)
            for _ in 0..<9 { busy.latency.record(microseconds: 2_000) }
            busy.latency.record(microseconds: 80_000)
            window.total[59] = busy
            window.total[58] = busy
            var reviews = Array(repeating: TrafficSecond(), count: 60)
            reviews[59] = busy
            window.services["reviews.default.svc.cluster.local"] = reviews
            window.services["api.example.com"] = Array(repeating: TrafficSecond(), count: 60)
            return window
        }
    }

    @Test(
        "without a token or session both routes answer 401",
        arguments: ["/api/v1/traffic/stats", "/api/v1/watch/traffic"]
    )
    func unauthenticated(path: String) async throws {
        try await ConsoleHarness.with(trafficStats: SteppingSource()) { console in
            let reply = try await console.send("GET", path, token: nil)
            #expect(reply.status == 401)
        }
    }

    @Test(
        "without a data plane in the process both routes answer 503 and say why",
        arguments: ["/api/v1/traffic/stats", "/api/v1/watch/traffic"]
    )
    func unavailable(path: String) async throws {
        try await ConsoleHarness.with { console in
            let reply = try await console.send("GET", path)
            #expect(reply.status == 503)
            #expect(reply.errorMessage == "the gateway role is not running")
        }
    }

    @Test("the stats hold summaries over 1, 10 and 60 s and per-second series, per service")
    func stats() async throws {
        try await ConsoleHarness.with(trafficStats: SteppingSource()) { console in
            let reply = try await console.send("GET", "/api/v1/traffic/stats")
            #expect(reply.status == 200, "\(reply)")
            #expect(reply.object["windowSeconds"] as? Int == 60)
            #expect(reply.object["sequence"] as? Int == 1001)
            #expect(reply.object["time"] as? String == "2027-01-15T08:00:00Z")
            let gateway = try #require(reply.object["gateway"] as? [String: Any])
            let last1s = try #require(gateway["last1s"] as? [String: Any])
            #expect(last1s["requests"] as? Int == 10)
            #expect(last1s["requestsPerSecond"] as? Double == 10)
            #expect(last1s["errorRate"] as? Double == 0.1)
            let p50 = try #require(last1s["p50Ms"] as? Double)
            let p99 = try #require(last1s["p99Ms"] as? Double)
            #expect(p50 >= 1.75 && p50 < 2.25, "\(p50)")
            #expect(p99 >= 65.5 && p99 < 82, "\(p99)")
            let last10s = try #require(gateway["last10s"] as? [String: Any])
            #expect(last10s["requestsPerSecond"] as? Double == 2)
            let series = try #require(gateway["series"] as? [String: Any])
            #expect((series["requests"] as? [Int])?.count == 60)
            #expect((series["requests"] as? [Int])?.suffix(3) == [0, 10, 10])
            #expect((series["p99Ms"] as? [Any])?.first is NSNull)

            let services = try #require(reply.object["services"] as? [[String: Any]])
            #expect(services.map { $0["host"] as? String } == ["api.example.com", "reviews.default.svc.cluster.local"])
            #expect(services[0]["service"] == nil, "an external host is no meshbox Service")
            #expect(services[1]["service"] as? String == "default/reviews")
            #expect((services[0]["last60s"] as? [String: Any])?["errorRate"] == nil, "no requests, no rate")
        }
    }

    @Test("the stream sends the whole minute first, then a sample per second without the series")
    func stream() async throws {
        // A session's stream ends a little before its idle timeout: here after 1.8 s.
        try await ConsoleHarness.with(trafficStats: SteppingSource(), sessionIdleTimeout: .seconds(2)) { console in
            let session = try await console.login()
            let reply = try await console.send("GET", "/api/v1/watch/traffic", session: session)
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "text/event-stream")
            let events = reply.body.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.count >= 3, "\(reply.body)")
            #expect(events.count <= 9, "paced by the source's seconds, not a busy loop")
            #expect(events.first?.hasPrefix("event: state\nid: 1001\ndata: {") == true)
            #expect(events.first?.contains(#""series":{"#) == true)
            #expect(events.dropFirst().allSatisfy { !$0.contains(#""series""#) && $0.contains(#""last1s""#) })
            #expect(events.dropFirst().first?.contains("id: 1002\n") == true)
        }
    }
}
