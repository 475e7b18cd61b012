import Foundation
import MeshModel
import MeshTesting
import Testing

@testable import MeshProxy

#if canImport(Glibc)
    import Glibc
#endif

/// Real UDP flows through the DNAT rules, inside a namespace: new flows spread over both
/// endpoints; after one is removed new flows and, thanks to the conntrack cleanup, an old flow
/// reach only the other (the same scenario with the cleanup off shows the old flow stuck).
@Suite(
    "UDP services through kernel DNAT",
    .enabled(if: NetworkNamespace.hasConntrack, "needs root, ip netns, iptables, python3 and conntrack")
)
struct UDPTrafficNamespaceTests {

    /// Answers every datagram with its name.
    static let backend = """
        import socket, sys
        name, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((host, port))
        print("ready", flush=True)
        while True:
            data, peer = s.recvfrom(2048)
            s.sendto(name.encode(), peer)
        """

    /// Sends `count` datagrams, each from a new socket, and prints each answer, `refused` or
    /// `timeout`. Source ports are given, never left to chance: the i-th datagram comes from
    /// `base + i` (a new flow each), or from `base` for all with `same` (one flow).
    static let client = """
        import socket, sys
        host, port, count, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        same = sys.argv[5] == "same"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for i in range(count):
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", base if same else base + i))
            s.settimeout(3)
            try:
                s.connect((host, port))
                s.send(b"who")
                print(s.recv(100).decode(), flush=True)
            except ConnectionRefusedError:
                print("refused", flush=True)
            except socket.timeout:
                print("timeout", flush=True)
            s.close()
        """

    struct Case: Sendable, CustomStringConvertible {
        var family: IPFamily = .ipv4
        var nftables = false
        var cleans = true
        var vip: String { family == .ipv4 ? "240.240.0.9" : "fd00:f0f0::9" }
        var backends: [String] { family == .ipv4 ? ["127.0.0.2", "127.0.0.3"] : ["fd00:1::2", "fd00:1::3"] }
        var description: String {
            "\(family) via \(nftables ? "nft" : "iptables")\(cleans ? "" : ", conntrack cleanup off")"
        }
    }

    static let cases =
        [Case(), Case(cleans: false), Case(family: .ipv6)]
        + (NetworkNamespace.hasNFT ? [Case(nftables: true), Case(family: .ipv6, nftables: true)] : [])

    static func service(_ example: Case, endpoints: [String]) -> [ServiceVIP] {
        let endpoints = endpoints.map { ServiceVIP.Endpoint(address: $0, port: 5353) }
        return [
            ServiceVIP(
                key: "default/dns",
                address: example.vip,
                ports: [.init(number: 53, protocol: .udp, endpoints: endpoints)]
            )
        ]
    }

    @Test(
        "new flows reach both endpoints; after a removal new flows and an old flow reach the other; flush repaired; uninstall clean",
        arguments: cases
    )
    func endpointRemoved(_ example: Case) async throws {
        try await Self.withBackends(example) { namespace, capture in
            let before = try await capture.snapshot()
            let names = ["a": example.backends[0], "b": example.backends[1]]
            _ = try await capture.reconcile(Self.service(example, endpoints: Array(names.values)))
            let spread = try await Self.send(namespace, example, count: 30, from: 41000)
            #expect(Set(spread) == ["a", "b"])

            // One flow, kept: conntrack sends all its datagrams to the endpoint its first one got.
            let old = try await Self.send(namespace, example, count: 2, from: 40001, sameFlow: true)
            let removed = try #require(old.first)
            #expect(old == [removed, removed] && names[removed] != nil)
            let kept = removed == "a" ? "b" : "a"

            let stale = try await capture.reconcile(Self.service(example, endpoints: [names[kept]!]))
            // Stale: the kept flow, and the new flows of before that went to the removed endpoint
            // (fewer if some timed out meanwhile).
            let staleBefore = spread.filter { $0 == removed }.count + 1
            #expect(example.cleans ? (1...staleBefore).contains(stale) : stale == 0)
            #expect(Set(try await Self.send(namespace, example, count: 20, from: 42000)) == [kept])
            // The removed endpoint still runs (unhealthy, say): only the cleanup moves the old flow.
            #expect(
                try await Self.send(namespace, example, count: 1, from: 40001, sameFlow: true) == [
                    example.cleans ? kept : removed
                ]
            )

            try await capture.flush()
            #expect(try await Self.send(namespace, example, count: 1, from: 43000) == ["direct"])
            _ = try await capture.reconcile(Self.service(example, endpoints: [names[kept]!]))
            #expect(try await Self.send(namespace, example, count: 5, from: 44000) == Array(repeating: kept, count: 5))

            try await capture.uninstall()
            #expect(try await capture.snapshot() == before)
        }
    }

    @Test("a flow that began while the port had no endpoint is DNATed once it has one", arguments: [true, false])
    func firstEndpoint(cleans: Bool) async throws {
        let example = Case(cleans: cleans)
        try await Self.withBackends(example) { namespace, capture in
            // A host's usual firewall rule. It turns connection tracking on, as on any real host: a
            // new namespace tracks nothing until a rule needs it (meshbox's first DNAT rule would).
            try await namespace.run(
                "iptables",
                "-A",
                "INPUT",
                "-m",
                "conntrack",
                "--ctstate",
                "ESTABLISHED",
                "-j",
                "ACCEPT"
            )
            _ = try await capture.reconcile(Self.service(example, endpoints: []))
            #expect(try await Self.send(namespace, example, count: 1, from: 40002, sameFlow: true) == ["direct"])
            _ = try await capture.reconcile(Self.service(example, endpoints: [example.backends[0]]))
            #expect(try await Self.send(namespace, example, count: 1, from: 41000) == ["a"])
            #expect(
                try await Self.send(namespace, example, count: 1, from: 40002, sameFlow: true) == [
                    cleans ? "a" : "direct"
                ]
            )
        }
    }

    /// A namespace with backends `a` and `b` on port 5353 of the case's two backend addresses, and
    /// the VIP on its loopback with a listener `direct` on port 53: a datagram that is not DNATed
    /// gets `direct` and, like one to a VIP the kernel routes away, leaves a conntrack entry (a
    /// refused one would not: the ICMP error ends it).
    static func withBackends(
        _ example: Case,
        _ body: @Sendable (NetworkNamespace, UDPCapture) async throws -> Void
    ) async throws {
        try await NetworkNamespace.with { namespace in
            let directory = try TemporaryDirectory(prefix: "meshbox-udp")
            defer { directory.remove() }
            let script = directory.file("backend.py")
            try Self.backend.write(toFile: script, atomically: true, encoding: .utf8)
            let bits = example.family == .ipv4 ? "/32" : "/128"
            for address in [example.vip] + (example.family == .ipv6 ? example.backends : []) {
                try await namespace.run("ip", "addr", "add", address + bits, "dev", "lo", "nodad")
            }
            var children: [ChildProcess] = []
            defer { for child in children { child.signal(SIGKILL) } }
            let listeners = [
                ("a", example.backends[0], "5353"), ("b", example.backends[1], "5353"), ("direct", example.vip, "53"),
            ]
            for (name, address, port) in listeners {
                let output = directory.file("\(name).out")
                let child = try CaptureTrafficNamespaceTests.start(namespace, script, output, name, address, port)
                children.append(child)
                try await CaptureTrafficNamespaceTests.waitUntilReady(child, output)
            }
            try await body(namespace, UDPCapture(namespace: namespace, example: example))
        }
    }

    /// `count` new flows from source ports `base`, `base + 1`, … (each test step its own range,
    /// so no flow reuses an older one's conntrack entry by chance), or one flow from `base` when
    /// `sameFlow`.
    static func send(_ namespace: NetworkNamespace, _ example: Case, count: Int, from base: Int, sameFlow: Bool = false)
        async throws -> [String]
    {
        let arguments = [
            "ip", "netns", "exec", namespace.name, "python3", "-c", client, example.vip, "53", String(count),
            String(base), sameFlow ? "same" : "new",
        ]
        let result = try await ChildProcess.run("/usr/bin/env", arguments)
        return result.output.split(separator: "\n").map(String.init)
    }
}

extension NetworkNamespace {
    /// Namespaces work and `conntrack` is there (scripts/install-deps.sh installs it).
    static let hasConntrack =
        isAvailable
        && (try? ChildProcess.run("/usr/bin/env", ["sh", "-c", "command -v conntrack || test -x /usr/sbin/conntrack"]))?
            .status == 0
}

/// Either backend's reconciler, as the tests drive it.
struct UDPCapture: Sendable {
    let namespace: NetworkNamespace
    let example: UDPTrafficNamespaceTests.Case
    let iptables: CaptureReconciler
    let nft: NFTCaptureReconciler

    init(namespace: NetworkNamespace, example: UDPTrafficNamespaceTests.Case) {
        self.namespace = namespace
        self.example = example
        let configuration = CaptureReconcilerNamespaceTests.configuration
        iptables = CaptureReconciler(
            configuration: configuration,
            runner: namespace.runner,
            cleansStaleUDPFlows: example.cleans
        )
        nft = NFTCaptureReconciler(
            configuration: configuration,
            runner: namespace.runner,
            cleansStaleUDPFlows: example.cleans
        )
    }

    /// Reconciles; returns the stale UDP flows the pass deleted.
    func reconcile(_ services: [ServiceVIP]) async throws -> Int {
        if example.nftables {
            let report = try await nft.reconcile(services)
            #expect(report.problems.isEmpty)
            return report.staleUDPFlows
        }
        let reports = try await iptables.reconcile(services)
        #expect(reports.allSatisfy { $0.problems.isEmpty })
        return reports.reduce(0) { $0 + $1.staleUDPFlows }
    }

    /// Someone else wipes the rules.
    func flush() async throws {
        if example.nftables {
            try await namespace.run("nft", "flush", "ruleset")
        } else {
            try await namespace.run(example.family == .ipv4 ? "iptables" : "ip6tables", "-t", "nat", "-F")
        }
    }

    func uninstall() async throws {
        if example.nftables { try await nft.uninstall() } else { _ = try await iptables.uninstall() }
    }

    /// What must be back as it was after uninstall.
    func snapshot() async throws -> [String] {
        if example.nftables { return [try await namespace.run("nft", "list", "ruleset")] }
        return try await namespace.natTable(.ipv4) + namespace.natTable(.ipv6)
    }
}
