import Foundation
import Logging
import MeshAPI
import MeshCompiler
import MeshModel
import MeshNet
import MeshTesting
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The node proxy's data path with a kernel: the engine (in this process, its sockets in a
/// namespace of the test's own) serves the compiled snapshot on 15001 behind an iptables
/// REDIRECT of the VIP range, and programs in the namespace reach services by their VIPs.
@Suite(
    "Captured connections through the engine", .serialized,
    .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
struct OutboundNamespaceTests {
    static let mark: UInt32 = 0x4d42

    /// `http <name> <host> <port>`: answers every GET with its name; `echo <host> <port>`: echoes.
    static let backend = """
        import http.server, socket, sys, threading
        if sys.argv[1] == "http":
            name, host, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = name.encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            class Server(http.server.ThreadingHTTPServer):
                allow_reuse_address = True
            server = Server((host, port), Handler)
            print("ready", flush=True)
            server.serve_forever()
        else:
            host, port = sys.argv[2], int(sys.argv[3])
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            s.listen(16)
            print("ready", flush=True)
            def serve(c):
                while True:
                    data = c.recv(65536)
                    if not data:
                        break
                    c.sendall(data)
                c.close()
            while True:
                c, _ = s.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()
        """

    /// `http <host> <count> [Host header]`: a new connection per GET, prints `body=count` lines;
    /// `echo <host> <port>`: prints what comes back; `closed <host> <port>`: prints `closed` when
    /// the connection is closed without a byte.
    static let client = """
        import collections, http.client, socket, sys
        mode, host = sys.argv[1], sys.argv[2]
        if mode == "http":
            counts = collections.Counter()
            for _ in range(int(sys.argv[3])):
                connection = http.client.HTTPConnection(host, 80, timeout=10)
                headers = {"Host": sys.argv[4]} if len(sys.argv) > 4 else {}
                connection.request("GET", "/", headers=headers)
                response = connection.getresponse()
                counts["%d %s" % (response.status, response.read().decode())] += 1
                connection.close()
            for key, value in sorted(counts.items()):
                print("%s=%d" % (key, value))
        elif mode == "echo":
            s = socket.create_connection((host, int(sys.argv[3])), timeout=10)
            s.sendall(b"hello mesh\\n")
            print(s.makefile().readline().strip())
        else:
            s = socket.create_connection((host, int(sys.argv[3])), timeout=10)
            print("closed" if s.recv(1) == b"" else "open")
        """

    static let yaml = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: reviews, namespace: default}
        spec:
          ports: [{name: http, number: 80, protocol: HTTP}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews, namespace: default}
        spec:
          host: reviews
          subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v3, labels: {version: v3}}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews, namespace: default}
        spec:
          hosts: [reviews]
          gateways: [mesh]
          http:
          - route:
            - {destination: {host: reviews, subset: v1}, weight: 80}
            - {destination: {host: reviews, subset: v3}, weight: 20}
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: echo, namespace: default}
        spec:
          ports: [{name: tcp, number: 7000, protocol: TCP}]
        ---
        apiVersion: meshbox.io/v1
        kind: Service
        metadata: {name: itself, namespace: default}
        spec:
          ports: [{name: http, number: 80, protocol: HTTP}]
        """

    static let vips = ["reviews": "240.240.0.10", "echo": "240.240.0.11", "itself": "240.240.0.12"]
    static let reviewsIPv6 = "fd00:f0f0::10"

    /// The snapshot the compiler makes of `yaml`: reviews v1 and v3 on the namespace's loopback,
    /// echo there too, and `itself` registered at its own VIP (only a socket the capture leaves
    /// alone reaches it; a captured one would come back to the proxy, for ever).
    /// With `dualStack`, reviews has an IPv6 VIP too and `virtualOutbound` listens on `::`.
    static func snapshot(dualStack: Bool) throws -> Snapshot {
        var resources: [ResourceKey: StoredResource] = [:]
        for resource in try ResourceDecoder.decode(yaml) {
            var stored = StoredResource(
                resource: resource, revision: 1, createRevision: 1, version: 1, updatedAt: Date(timeIntervalSince1970: 0))
            if resource.key.kind == .service, let vip = vips[resource.key.name] {
                let ipv6 = dualStack && resource.key.name == "reviews" ? [VIPAssignment(address: reviewsIPv6)] : []
                stored.status = ResourceStatus(vips: [VIPAssignment(address: vip)] + ipv6)
            }
            resources[resource.key] = stored
        }
        func instance(_ service: String, _ address: String, _ port: Int, _ labels: [String: String] = [:]) -> Instance {
            let date = Date(timeIntervalSince1970: 0)
            return Instance(
                id: "default/\(service)/\(address):\(port)", service: service, namespace: "default", address: address,
                ports: [InstancePort(name: service == "echo" ? "tcp" : "http", number: port)], labels: labels,
                node: "node-1", weight: 1, check: nil, source: .api, health: .passing, healthOutput: "",
                registeredAt: date, healthChangedAt: date)
        }
        let instances = [
            instance("reviews", "127.0.0.1", 8081, ["version": "v1"]),
            instance("reviews", "127.0.0.1", 8083, ["version": "v3"]),
            instance("echo", "127.0.0.1", 7001),
            instance("itself", "240.240.0.12", 80),
        ]
        return SnapshotCompiler.compile(
            config: ConfigState(revision: 1, resources: resources),
            registry: RegistryState(revision: 1, instances: Dictionary(uniqueKeysWithValues: instances.map { ($0.id, $0) })),
            version: 1, options: .init(proxy: .init(outboundAddress: dualStack ? "::" : "0.0.0.0")))
    }

    @Test(
        "VIPs route through the engine: an 80/20 split by VIP and by name, TCP echo, no loop, unknown VIPs closed",
        arguments: [false, true])
    func capturedTraffic(dualStack: Bool) async throws {
        try await NetworkNamespace.with { namespace in
            let directory = try TemporaryDirectory(prefix: "meshbox-outbound")
            defer { directory.remove() }
            try Self.backend.write(toFile: directory.file("backend.py"), atomically: true, encoding: .utf8)
            try Self.client.write(toFile: directory.file("client.py"), atomically: true, encoding: .utf8)
            // `itself`'s VIP is a local address too: what reaches it uncaptured finds "direct".
            try await namespace.run("ip", "addr", "add", "240.240.0.12/32", "dev", "lo", "nodad")
            // A route for the range, as a host's default route gives (nat OUTPUT runs after routing),
            // with a host address as the source: from 127.0.0.1 the replies never arrive.
            try await namespace.run("ip", "addr", "add", "10.9.9.9/32", "dev", "lo", "nodad")
            try await namespace.run("ip", "route", "add", "240.240.0.0/16", "dev", "lo", "src", "10.9.9.9")
            try await namespace.run("iptables", "-w", "5", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-m", "mark", "--mark", "0x4d42", "-j", "RETURN")
            try await namespace.run(
                "iptables", "-w", "5", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "240.240.0.0/16", "-j", "REDIRECT",
                "--to-ports", "15001")
            if dualStack {
                try await namespace.run("ip", "-6", "route", "add", "fd00:f0f0::/112", "dev", "lo")
                try await namespace.run(
                    "ip6tables", "-w", "5", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-m", "mark", "--mark", "0x4d42", "-j",
                    "RETURN")
                try await namespace.run(
                    "ip6tables", "-w", "5", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "fd00:f0f0::/112", "-j", "REDIRECT",
                    "--to-ports", "15001")
            }

            var backends: [ChildProcess] = []
            defer { for backend in backends { backend.signal(SIGKILL) } }
            for arguments in [
                ["http", "v1", "127.0.0.1", "8081"], ["http", "v3", "127.0.0.1", "8083"], ["echo", "127.0.0.1", "7001"],
                ["http", "direct", "240.240.0.12", "80"],
            ] {
                let output = directory.file("backend-\(backends.count).out")
                backends.append(
                    try ChildProcess(
                        executable: "/usr/bin/env",
                        arguments: ["ip", "netns", "exec", namespace.name, "python3", directory.file("backend.py")] + arguments,
                        standardOutput: output, standardError: output))
                try await eventually("backend \(arguments) ready") {
                    ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("ready")
                }
            }

            let group = try NamespacedEventLoops.make(in: namespace, threads: 2)
            var settings = ProxySettings()
            settings.upstreamMark = Self.mark
            let plane = DataPlane(
                group: group, settings: settings, reporter: "proxy", roles: [.proxy], logger: Logger(label: "test.outbound"))
            do {
                let report = await plane.apply(try Self.snapshot(dualStack: dualStack))
                #expect(report.failed.isEmpty && report.problems.isEmpty, "\(report)")
                #expect(Array(report.bound.keys) == ["virtualOutbound"], "VIP listeners own no socket")

                func client(_ arguments: String...) async throws -> String {
                    let result = try await ChildProcess.run(
                        "/usr/bin/env",
                        ["ip", "netns", "exec", namespace.name, "python3", directory.file("client.py")] + arguments)
                    #expect(result.status == 0, "\(arguments): \(result.output)")
                    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                func counts(_ output: String) -> [String: Int] {
                    var counts: [String: Int] = [:]
                    for line in output.split(separator: "\n") {
                        let parts = line.split(separator: "=")
                        if parts.count == 2 { counts[String(parts[0])] = Int(parts[1]) }
                    }
                    return counts
                }

                // 400 requests: v3's share of 20% lies within ±4.5 standard deviations (±8 points).
                let byVIP = counts(try await client("http", "240.240.0.10", "400"))
                #expect(Set(byVIP.keys) == ["200 v1", "200 v3"], "\(byVIP)")
                let v3 = byVIP["200 v3"] ?? 0
                #expect((48...112).contains(v3), "v3 answered \(v3) of 400: \(byVIP)")
                let byName = counts(try await client("http", "240.240.0.10", "20", "reviews.default.svc.cluster.local"))
                #expect(byName.filter { $0.key.hasPrefix("200 ") }.values.reduce(0, +) == 20, "\(byName)")

                #expect(try await client("echo", "240.240.0.11", "7000") == "hello mesh")
                if dualStack {
                    // IP6T_SO_ORIGINAL_DST; the IPv4 connections above came in IPv4-mapped on `::`.
                    let byIPv6 = counts(try await client("http", Self.reviewsIPv6, "20"))
                    #expect(byIPv6.filter { $0.key.hasPrefix("200 ") }.values.reduce(0, +) == 20, "\(byIPv6)")
                }

                // The proxy's own connection to 240.240.0.12:80 carries the mark: not captured.
                #expect(try await client("http", "240.240.0.12", "3") == "200 direct=3")

                #expect(try await client("closed", "240.240.0.99", "80") == "closed")

                let captured = await plane.capturedConnections()
                #expect(captured.byListener["240.240.0.10_80"] == 420)
                #expect(captured.byListener["240.240.0.11_7000"] == 1)
                #expect(captured.byListener["240.240.0.12_80"] == 3, "each client connection once: no loop")
                #expect(captured.unmatched == 1)
                #expect(captured.byListener["[\(Self.reviewsIPv6)]_80"] == nil)
                #expect(captured.byListener["\(Self.reviewsIPv6)_80"] == (dualStack ? 20 : nil))
            } catch {
                await plane.shutdown()
                try? await group.shutdownGracefully()
                throw error
            }
            await plane.shutdown()
            try await group.shutdownGracefully()
        }
    }
}
