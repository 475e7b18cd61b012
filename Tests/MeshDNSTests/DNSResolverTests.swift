import MeshDNS
import MeshTesting
import NIOCore
import NIOPosix
import Testing

@Suite("DNS resolver against a DNS server on loopback")
struct DNSResolverTests {
    /// A resolver asking `servers` (ports of 127.0.0.1) in order, one attempt each.
    static func resolver(_ ports: [Int], timeout: Duration = .seconds(2)) -> DNSResolver {
        DNSResolver(
            configuration: DNSResolverConfiguration(
                servers: ports.map { .init(host: "127.0.0.1", port: $0) }, timeout: timeout, attempts: 1))
    }

    static func withServer<T>(_ body: (TestDNSServer) async throws -> T) async throws -> T {
        let server = try await TestDNSServer.start(group: MultiThreadedEventLoopGroup.singleton)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    @Test("A and AAAA are asked in parallel: IPv4 first, the smallest TTL")
    func bothFamilies() async throws {
        try await Self.withServer { server in
            server.set("api.example.test", ["192.0.2.10", "2001:db8::10", "192.0.2.11"], ttl: 30)
            let resolution = try await Self.resolver([server.port]).resolve("API.example.test.")
            #expect(resolution.addresses == ["192.0.2.10", "192.0.2.11", "2001:db8::10"])
            #expect(resolution.ttl == 30)
            #expect(Set(server.queries.map(\.type)) == ["A", "AAAA"])
            #expect(server.queries.allSatisfy { !$0.tcp })
        }
    }

    @Test("an answer too large for UDP comes back truncated and is asked again over TCP")
    func truncation() async throws {
        try await Self.withServer { server in
            let many = (1...100).map { "10.9.\($0 / 250).\($0 % 250)" }
            server.set("many.example.test", many, ttl: 60)
            let resolution = try await Self.resolver([server.port]).resolve("many.example.test")
            #expect(resolution.addresses == many)
            #expect(server.queries.contains(.init(name: "many.example.test", type: "A", tcp: false)))
            #expect(server.queries.contains(.init(name: "many.example.test", type: "A", tcp: true)))
            // The AAAA answer is empty and fits.
            #expect(!server.queries.contains(.init(name: "many.example.test", type: "AAAA", tcp: true)))
        }
    }

    @Test("a name that does not exist is an empty answer, not a failure")
    func nonexistent() async throws {
        try await Self.withServer { server in
            let resolution = try await Self.resolver([server.port]).resolve("nothing.example.test")
            #expect(resolution.addresses.isEmpty)
        }
    }

    @Test("SERVFAIL from the first server: the next server's answer counts; from all: an error naming each")
    func serverFailure() async throws {
        try await Self.withServer { broken in
            try await Self.withServer { good in
                broken.failing = true
                good.set("api.example.test", ["192.0.2.10"], ttl: 5)
                let resolution = try await Self.resolver([broken.port, good.port]).resolve("api.example.test")
                #expect(resolution.addresses == ["192.0.2.10"])

                good.failing = true
                let error = await #expect(throws: DNSResolutionError.self) {
                    try await Self.resolver([broken.port, good.port]).resolve("api.example.test")
                }
                #expect(error?.code == .serverFailure)
                #expect(error?.reason.contains("127.0.0.1:\(broken.port): SERVFAIL") == true)
                #expect(error?.reason.contains("127.0.0.1:\(good.port): SERVFAIL") == true)
            }
        }
    }

    @Test("a server that is not listening fails at once (ICMP port unreachable), not after the timeout")
    func nobodyListening() async throws {
        let port = try FreePort.take()  // nothing listens on it, UDP included
        let error = await #expect(throws: DNSResolutionError.self) {
            try await Self.resolver([port], timeout: .seconds(60)).resolve("api.example.test")
        }
        #expect(error?.code == .noAnswer)
    }

    @Test("a host that is not a DNS name is refused before any query")
    func invalidName() async throws {
        let error = await #expect(throws: DNSResolutionError.self) {
            try await Self.resolver([53]).resolve("not a name")
        }
        #expect(error?.code == .invalidName)
    }

    @Test("resolv.conf: nameservers in order, names skipped, timeout and attempts read, 127.0.0.1 without any")
    func resolvConf() {
        let configuration = DNSResolverConfiguration(
            resolvConf: """
                # comment
                search example.test
                nameserver 192.0.2.53
                nameserver dns.example.test
                nameserver 2001:db8::53
                options ndots:2 timeout:1 attempts:3
                """)
        #expect(configuration.servers == [.init(host: "192.0.2.53"), .init(host: "2001:db8::53")])
        #expect(configuration.timeout == .seconds(1))
        #expect(configuration.attempts == 3)
        #expect(DNSResolverConfiguration(resolvConf: "").servers == [.init(host: "127.0.0.1")])
    }
}
