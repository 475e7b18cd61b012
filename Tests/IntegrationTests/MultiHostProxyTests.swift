import Foundation
import MeshTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Three hosts (`MeshHosts`: network namespaces on one bridge): host 1 runs the control plane
/// (config, registry, ca, console over https, the ADS server), host 2 only the node proxy
/// (`--roles proxy --control-plane … --join-token …`, iptables capture in its namespace), host 3 a
/// real HTTP server registered in host 1's registry. Plain TCP/HTTP between hosts (the mTLS tunnel
/// comes later).
@Suite("Several hosts: a remote node proxy following a control plane on another host", .timeLimit(.minutes(5)))
struct MultiHostProxyTests {
    static let vip = "240.240.7.7"
    static let answer = "served by host 3\n"
    static let name = "web.default.svc.cluster.local"

    static let service = """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata:
          name: web
        spec:
          vip: \(vip)
          ports:
          - name: http
            number: 80
            protocol: HTTP
            targetPort: 8080

        """

    static var isAvailable: Bool {
        NetworkNamespace.isAvailable
            && ["curl", "dig"].allSatisfy { (try? Tool.run("sh", ["-c", "command -v \($0)"]))?.status == 0 }
    }

    @Test(
        "host 2's proxy reaches host 3 by VIP and by name from host 1's snapshots; serves on with host 1 killed, and after its own restart from the persisted snapshot",
        .enabled(if: isAvailable, "needs root, ip netns, iptables, curl, dig and python3 (scripts/install-deps.sh)"))
    func remoteProxy() async throws {
        let directory = try TemporaryDirectory(prefix: "meshbox-multihost")
        defer { directory.remove() }
        try await MeshHosts.with(count: 3) { hosts in
            try await Self.run(hosts, directory)
        }
    }

    static func run(_ hosts: MeshHosts, _ directory: TemporaryDirectory) async throws {
        let (controlHost, nodeHost, backendHost) = (hosts[1], hosts[2], hosts[3])

        // Host 3: a real backend.
        let site = directory.file("site")
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try answer.write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
        let backend = try hosts.start(
            in: backendHost, ["python3", "-m", "http.server", "8080", "--bind", backendHost.address, "--directory", site],
            output: directory.file("backend.log"))
        try await eventually("the backend on host 3", timeout: .seconds(20)) {
            (try? await hosts.run(in: backendHost, "curl", "-sS", "-m", "2", "http://\(backendHost.address):8080/")) == answer
        }

        // Host 1: the control plane, its admin API over https with a mesh-CA certificate for its name.
        let controlPlane = try await hosts.startControlPlane(on: controlHost, directory: directory)
        let control = controlPlane.process
        let admin = controlPlane.admin
        try await admin.apply(service)
        try await admin.register(service: "web", address: backendHost.address, port: 8080)
        let joinToken = try await admin.joinToken(node: "node2")

        // Host 2: only the node proxy, joined with the token over https, fed over xDS.
        let log = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        var nodeLog = directory.file("node-1.log")
        func startNode(joinToken: String?) throws -> ChildProcess {
            try hosts.startNode(
                "node2", on: nodeHost, controlPlane: controlPlane, joinToken: joinToken, directory: directory, log: nodeLog)
        }
        func get(_ url: String, resolve: String? = nil) async -> String? {
            let pin = resolve.map { ["--resolve", $0] } ?? []
            return try? await nodeHost.namespace.run(["curl", "-sS", "-m", "3"] + pin + [url])
        }
        func lookUp() async throws -> String {
            try await hosts.run(in: nodeHost, "dig", "@127.0.0.1", "-p", "15053", "+time=3", "+tries=1", "+short", name)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var node = try startNode(joinToken: joinToken)

        // 1. A client on host 2 reaches host 3's backend by VIP and by the proxy's DNS name.
        try await eventually("host 2 to reach the backend through the VIP", timeout: .seconds(90)) {
            guard node.isRunning else { throw TimedOut("the node exited: \(log(nodeLog).suffix(3000))") }
            return await get("http://\(vip)/") == answer
        }
        #expect(log(nodeLog).contains("Joined the control plane"))
        #expect(try await lookUp() == vip)
        #expect(await get("http://\(name)/", resolve: "\(name):80:\(vip)") == answer)
        let rules = try await hosts.run(in: nodeHost, "iptables-save", "-t", "nat")
        #expect(rules.contains("MESHBOX-") && rules.contains(vip), "\(rules)")
        // Host 1 runs no proxy: the VIP means nothing there.
        let fromHost1 = try? await controlHost.namespace.run(["curl", "-sS", "-m", "2", "http://\(vip)/"])
        #expect(fromHost1 == nil)

        // 2. Continuous requests from host 2 while host 1's control plane is killed by its PID.
        let loadOutput = directory.file("load.out")
        let load = try hosts.start(
            in: nodeHost,
            ["sh", "-c",
                "i=0; while [ $i -lt 60 ]; do curl -sS -m 3 -o /dev/null -w '%{http_code}\\n' http://\(vip)/ || echo failed; i=$((i+1)); sleep 0.05; done"],
            output: loadOutput)
        let lines = { log(loadOutput).split(separator: "\n").map(String.init) }
        try await eventually("requests under way", timeout: .seconds(30)) { lines().count >= 10 }
        control.signal(SIGKILL)
        _ = await control.exited()
        let answeredBeforeKill = lines().count
        _ = await load.exited()
        let codes = lines()
        #expect(answeredBeforeKill < 60, "the control plane died while requests were still going")
        #expect(codes.count == 60 && codes.allSatisfy { $0 == "200" }, "\(codes)")
        #expect(try await lookUp() == vip, "the proxy's DNS answers with the control plane away")

        // 3. Host 2's proxy restarted while the control plane is down serves its persisted snapshot.
        node.signal(SIGTERM)
        let stopped = await node.exit(within: .seconds(20))
        #expect(stopped == 0, "\(log(nodeLog).suffix(2000))")
        let afterStop = try await hosts.run(in: nodeHost, "iptables-save", "-t", "nat")
        #expect(!afterStop.contains("MESHBOX-"), "a clean stop removes the rules: \(afterStop)")
        nodeLog = directory.file("node-2.log")
        node = try startNode(joinToken: nil)
        try await eventually("the restarted proxy to serve from its persisted snapshot", timeout: .seconds(60)) {
            guard node.isRunning else { throw TimedOut("the node exited: \(log(nodeLog).suffix(3000))") }
            return await get("http://\(vip)/") == answer
        }
        #expect(log(nodeLog).contains("Serving the persisted snapshot"))
        #expect(try await lookUp() == vip)
        #expect(await get("http://\(name)/", resolve: "\(name):80:\(vip)") == answer)

        node.signal(SIGTERM)
        #expect(await node.exit(within: .seconds(20)) == 0, "\(log(nodeLog).suffix(2000))")
        backend.signal(SIGKILL)
    }
}
