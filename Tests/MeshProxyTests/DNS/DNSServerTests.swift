import Logging
import MeshProxy
import MeshTesting
import Metrics
import MetricsTestKit
import NIOCore
import NIOPosix
import Testing

/// The server on 127.0.0.1 answering `dig`, with fake upstreams the tests start; no query leaves
/// the machine.
@Suite("DNS server over UDP and TCP", .serialized)
struct DNSServerTests {
    /// Runs a server with `upstreams` and the test config's table, hands `body` its port, stops it.
    static func withServer(
        upstreams: [DNSUpstream], timeout: Duration = .milliseconds(500), table: DNSTable? = DNSTestConfig.table,
        metrics: TestMetrics = TestMetrics(), tcpIdleTimeout: Duration = .seconds(10),
        _ body: (DNSServer, Int) async throws -> Void
    ) async throws {
        let settings = try DNSSettings(
            port: try FreePort.take(), upstreams: upstreams, upstreamTimeout: timeout, tcpIdleTimeout: tcpIdleTimeout)
        let server = DNSServer(
            settings: settings, table: table, logger: Logger(label: "dns-test"), metrics: DNSMetrics(factory: metrics))
        try await withThrowingTaskGroup { group in
            group.addTask { try await server.run() }
            try await eventually("the DNS server listening") { server.localAddress != nil }
            try await body(server, settings.port)
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    static func dig(_ port: Int, _ arguments: String...) async throws -> String {
        let result = try await Tool.run("dig", ["@127.0.0.1", "-p", "\(port)", "+time=3", "+tries=1"] + arguments)
        return result.output
    }

    @Test("dig gets a service's VIP, its IPv6 VIP and the SRV of a named port")
    func answersMeshNames() async throws {
        try await Self.withServer(upstreams: []) { _, port in
            let answer1 = try await Self.dig(port, "+short", "reviews.default.svc.cluster.local")
            #expect(answer1 == "240.240.0.10\n")
            let answer2 = try await Self.dig(port, "+short", "AAAA", "reviews.default")
            #expect(answer2 == "fd00:240::a\n")
            let srv = try await Self.dig(port, "+short", "SRV", "_http._tcp.reviews.default.svc.cluster.local")
            #expect(srv == "0 100 9080 reviews.default.svc.cluster.local.\n")
            let full = try await Self.dig(port, "reviews.default.svc.cluster.local")
            #expect(full.contains("flags: qr aa rd ra"))
        }
    }

    @Test("an unknown name under the cluster domain is NXDOMAIN with the SOA")
    func nxdomain() async throws {
        try await Self.withServer(upstreams: []) { _, port in
            let output = try await Self.dig(port, "nosuch.default.svc.cluster.local")
            #expect(output.contains("status: NXDOMAIN"))
            #expect(output.contains("ns.dns.cluster.local. hostmaster.cluster.local. 7 7200 1800 86400 5"))
        }
    }

    @Test("a foreign name is forwarded to the upstream and its answer relayed")
    func forwards() async throws {
        let upstream = try await FakeUpstream()
        try await FakeUpstream.closing([upstream]) {
          try await Self.withServer(upstreams: [upstream.upstream]) { _, port in
            let answer3 = try await Self.dig(port, "+short", "www.example.org")
            #expect(answer3 == "192.0.2.7\n")
            #expect(upstream.queries == 1)
            // Forwarded over TCP too.
            let answer4 = try await Self.dig(port, "+short", "+tcp", "www.example.org")
            #expect(answer4 == "192.0.2.7\n")
          }
        }
    }

    @Test("answers with another ID or for another question are ignored; the real one is relayed")
    func ignoresSpoofed() async throws {
        let upstream = try await FakeUpstream(spoofing: true)
        try await FakeUpstream.closing([upstream]) {
            try await Self.withServer(upstreams: [upstream.upstream]) { _, port in
                let answer = try await Self.dig(port, "+short", "www.example.org")
                #expect(answer == "192.0.2.7\n")
            }
        }
    }

    @Test("a truncated upstream answer is relayed truncated over UDP and asked again over TCP for a TCP client")
    func forwardsTruncated() async throws {
        let upstream = try await FakeUpstream(truncating: true)
        try await FakeUpstream.closing([upstream]) {
            try await Self.withServer(upstreams: [upstream.upstream]) { _, port in
                let udp = try await Self.dig(port, "+ignore", "www.example.org")
                #expect(udp.contains("flags: qr tc rd ra") && udp.contains("ANSWER: 0,"))
                let tcp = try await Self.dig(port, "+short", "+tcp", "www.example.org")
                #expect(tcp == "192.0.2.7\n")
                #expect(upstream.queries == 3)  // UDP; then UDP and TCP for the TCP client
            }
        }
    }

    @Test("a silent upstream is given up after the timeout and the next one answers")
    func retriesNextUpstream() async throws {
        let silent = try await FakeUpstream(silent: true)
        let good = try await FakeUpstream(address: [198, 51, 100, 1])
        try await FakeUpstream.closing([silent, good]) {
          try await Self.withServer(upstreams: [silent.upstream, good.upstream], timeout: .milliseconds(300)) { _, port in
            let answer5 = try await Self.dig(port, "+short", "www.example.org")
            #expect(answer5 == "198.51.100.1\n")
            #expect(silent.queries == 1 && good.queries == 1)
          }
        }
    }

    @Test("when every upstream is dead or silent the answer is SERVFAIL, within the timeouts")
    func servfail() async throws {
        let silent = try await FakeUpstream(silent: true)
        let dead = DNSUpstream(host: "127.0.0.1", port: try FreePort.take())  // nothing listens: refused
        let metrics = TestMetrics()
        try await FakeUpstream.closing([silent]) {
          try await Self.withServer(upstreams: [dead, silent.upstream], timeout: .milliseconds(500), metrics: metrics) {
            _, port in
            // dig waits 3 s: SERVFAIL must come after about 0.5 s (the silent one), not a dig timeout.
            let output = try await Self.dig(port, "www.example.org")
            #expect(output.contains("status: SERVFAIL"))
            #expect(silent.queries == 1)
          }
        }
        #expect(try metrics.expectCounter("meshbox_proxy_dns_queries_total", [("outcome", "servfail")]).totalValue == 1)
    }

    @Test("an answer too large for UDP is truncated and dig gets it whole over TCP")
    func truncationToTCP() async throws {
        try await Self.withServer(upstreams: []) { _, port in
            let output = try await Self.dig(port, "+noedns", "many.example.com")
            #expect(output.contains("Truncated, retrying in TCP mode"))
            #expect(output.contains("ANSWER: 40,"))
        }
    }

    @Test("update swaps the table; the last one keeps answering; outcomes are counted")
    func updates() async throws {
        let metrics = TestMetrics()
        try await Self.withServer(upstreams: [], table: nil, metrics: metrics) { server, port in
            let answer6 = try await Self.dig(port, "reviews.default.svc.cluster.local")
            #expect(answer6.contains("status: NXDOMAIN"))
            server.update(DNSTestConfig.table)
            let answer7 = try await Self.dig(port, "+short", "reviews.default.svc.cluster.local")
            #expect(answer7 == "240.240.0.10\n")
            let answer8 = try await Self.dig(port, "+short", "reviews.default.svc.cluster.local")
            #expect(answer8 == "240.240.0.10\n")
        }
        #expect(try metrics.expectCounter("meshbox_proxy_dns_queries_total", [("outcome", "nxdomain")]).totalValue == 1)
        #expect(try metrics.expectCounter("meshbox_proxy_dns_queries_total", [("outcome", "answered")]).totalValue == 2)
    }

    @Test("a TCP connection that sends nothing is closed after the idle timeout")
    func closesIdleTCP() async throws {
        try await Self.withServer(upstreams: [], tcpIdleTimeout: .milliseconds(300)) { _, port in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            #expect(channel.isActive)
            try await eventually("the server closing the idle connection", timeout: .seconds(5)) { !channel.isActive }
            try? await channel.close()
        }
    }

    @Test("garbage datagrams get FORMERR or nothing, and the server keeps answering")
    func survivesGarbage() async throws {
        try await Self.withServer(upstreams: []) { _, port in
            var generator = SplitMix(seed: 53)
            let socket = try await UDPProbe()
            for _ in 0..<200 {
                let length = Int(generator.next() % 300)
                try await socket.send((0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, to: port)
            }
            await socket.close()
            let answer9 = try await Self.dig(port, "+short", "reviews.default")
            #expect(answer9 == "240.240.0.10\n")
        }
    }
}
