import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// N hosts for a multi-node test, each a network namespace of its own, on one LAN: a bridge
/// (`mesh0`) in a hub namespace, and in each host an `eth0` (a veth whose other end is a port of
/// the bridge) with `10.78.0.<n>/24` (host 1 is `.1`). Each host knows the others by name,
/// `host<n>.mesh.test` (an `/etc/netns/<namespace>/hosts` file, which `ip netns exec` mounts over
/// `/etc/hosts`). The addresses exist inside the namespaces only; the machine's own namespace is
/// never touched.
///
/// ```swift
/// try await MeshHosts.with(count: 3) { hosts in
///     let backend = try hosts.start(in: hosts[3], ["python3", "-m", "http.server", "8080"], output: log)
///     let page = try await hosts.run(in: hosts[2], "curl", "-sS", "http://\(hosts[3].address):8080/")
/// }
/// ```
///
/// `with` deletes every namespace when the body ends, thrown or not, after killing (SIGKILL) what
/// `start` started that still runs: a process left in a namespace would keep it alive.
/// `startControlPlane(on:…)` and `startNode(_:on:…)` (`MeshHosts+Meshbox.swift`) run the real
/// binary as a control plane and as nodes following it. `scripts/mesh-hosts.sh up|down N` makes
/// the same layout by hand.
public struct MeshHosts: Sendable {
    public struct Host: Sendable, Hashable, CustomStringConvertible {
        /// 1-based, as in "host 1".
        public let number: Int
        public let namespace: NetworkNamespace
        /// `10.78.0.<number>`.
        public let address: String
        /// `host<number>.mesh.test`, resolvable on every host.
        public var name: String { "host\(number).\(MeshHosts.domain)" }

        public var description: String { "host \(number) (\(namespace.name), \(address))" }
    }

    /// The LAN's prefix; host n is `<prefix>.<n>`.
    public static let prefix = "10.78.0"
    public static let prefixLength = 24
    /// Hosts are named `host<n>.<domain>`.
    public static let domain = "mesh.test"

    /// Holds the bridge.
    public let hub: NetworkNamespace
    public let hosts: [Host]
    private let started: Started

    /// Host `number` (1-based).
    public subscript(number: Int) -> Host { hosts[number - 1] }

    /// Makes `count` hosts, runs `body`, then stops what `start` started and deletes every namespace.
    public static func with<T>(count: Int, _ body: (MeshHosts) async throws -> T) async throws -> T {
        precondition((1...250).contains(count), "1 to 250 hosts")
        let hub = try await NetworkNamespace.create(prefix: "meshbox-hub")
        var made: [Host] = []
        let hosts: MeshHosts
        do {
            try await hub.run("ip", "link", "add", "mesh0", "type", "bridge")
            try await hub.run("ip", "link", "set", "mesh0", "up")
            for number in 1...count {
                let namespace = try await NetworkNamespace.create(prefix: "meshbox-host\(number)")
                let host = Host(number: number, namespace: namespace, address: "\(prefix).\(number)")
                made.append(host)
                try await hub.run("ip", "link", "add", "port\(number)", "type", "veth", "peer", "name", "eth0", "netns", namespace.name)
                try await hub.run("ip", "link", "set", "port\(number)", "master", "mesh0", "up")
                try await namespace.run("ip", "addr", "add", "\(host.address)/\(prefixLength)", "dev", "eth0")
                try await namespace.run("ip", "link", "set", "eth0", "up")
            }
            let names = made.map { "\($0.address) \($0.name) host\($0.number)\n" }.joined()
            for host in made {
                let directory = "/etc/netns/\(host.namespace.name)"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try ("127.0.0.1 localhost\n::1 localhost\n" + names).write(
                    toFile: directory + "/hosts", atomically: true, encoding: .utf8)
            }
            hosts = MeshHosts(hub: hub, hosts: made, started: Started())
        } catch {
            for host in made { await Self.delete(host) }
            await hub.delete()
            throw error
        }
        do {
            let result = try await body(hosts)
            await hosts.tearDown()
            return result
        } catch {
            await hosts.tearDown()
            throw error
        }
    }

    /// Runs one command on `host` to completion; its standard output. Throws unless it exits 0.
    @discardableResult
    public func run(in host: Host, _ arguments: String..., input: String? = nil) async throws -> String {
        try await host.namespace.run(arguments, input: input)
    }

    /// Starts a long-running program on `host` (its PID is the program's own); output to `output`.
    /// Stopped at the latest when `with` ends.
    public func start(in host: Host, _ arguments: [String], output: String, environment: [String: String]? = nil) throws
        -> ChildProcess
    {
        let child = try host.namespace.spawn(arguments, output: output, environment: environment)
        started.add(child)
        return child
    }

    /// Kills what still runs, then deletes the hosts and the hub.
    private func tearDown() async {
        for child in started.all where child.isRunning {
            child.signal(SIGKILL)
            _ = await child.exited()
        }
        for host in hosts { await Self.delete(host) }
        await hub.delete()
    }

    private static func delete(_ host: Host) async {
        try? FileManager.default.removeItem(atPath: "/etc/netns/\(host.namespace.name)")
        await host.namespace.delete()
    }

    /// The processes `start` started.
    private final class Started: Sendable {
        private let children = Mutex<[ChildProcess]>([])

        func add(_ child: ChildProcess) { children.withLock { $0.append(child) } }

        var all: [ChildProcess] { children.withLock { $0 } }
    }
}
