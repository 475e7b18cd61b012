import Foundation
import MeshAPI
import MeshProxy
import MeshTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A client program in the namespace reaches a Service by its VIP and by its DNS name, through
/// the real binary: capture rules, the DNS server and the data plane of one process.
@Suite("traffic through the proxy role of the real binary, in a network namespace")
struct ProxyTrafficThroughServerTests {
    /// A Service with one port, as YAML for `meshbox apply`.
    static func service(_ name: String, vip: String, port: String, _ number: Int, _ proto: String, target: Int) -> String {
        """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata:
          name: \(name)
        spec:
          vip: \(vip)
          ports:
          - name: \(port)
            number: \(number)
            protocol: \(proto)
            targetPort: \(target)

        """
    }

    /// What a host's default route gives: a route to the VIPs and a source address for it (nat
    /// OUTPUT runs after routing; without a source the reply has nowhere to go).
    static func routeServiceRange(_ namespace: NetworkNamespace) async throws {
        try await namespace.run("ip", "addr", "add", "10.99.0.1/32", "dev", "lo")
        try await namespace.run("ip", "route", "add", "240.240.0.0/16", "dev", "lo", "src", "10.99.0.1")
    }

    @Test(
        "curl reaches http://<vip>/ and http://reviews.default.svc.cluster.local/ with no change to the client",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason),
        arguments: ["config,registry,proxy,console", "config,registry,gateway,proxy,console"])
    func vipAndName(roles: String) async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            try await Self.routeServiceRange(namespace)
            let backend = try await NamespacedHTTPBackend.start(in: namespace, directory: directory, name: "reviews-v1")
            defer { backend.signal(SIGKILL) }

            // With the gateway too, both roles' listeners are served by one data plane.
            let server = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: ["--roles", roles])
            defer { server.kill() }
            let yaml = Self.service("reviews", vip: "240.240.8.8", port: "http", 80, "HTTP", target: 8080)
            let applied = try await server.cli(["apply"], stdin: yaml)
            #expect(applied.status == 0, "\(applied.output)")
            let registered = try await server.cli(
                ["register", "--service", "reviews", "--address", "127.0.0.1", "--port", "http:8080"])
            #expect(registered.status == 0, "\(registered.output)")

            try await eventually("the VIP to answer", timeout: .seconds(20)) {
                (try? await namespace.run("curl", "-sS", "-m", "3", "http://240.240.8.8/")) == "reviews-v1"
            }
            let address = try await namespace.run(
                "dig", "@127.0.0.1", "-p", "15053", "+time=3", "+tries=1", "+short", "reviews.default.svc.cluster.local")
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(address == "240.240.8.8")
            let byName = try await namespace.run(
                "curl", "-sS", "-m", "3", "--resolve", "reviews.default.svc.cluster.local:80:\(address)",
                "http://reviews.default.svc.cluster.local/")
            #expect(byName == "reviews-v1")

            let status = try await server.proxyStatus()
            #expect(status.listeners.contains { $0.name == "virtualOutbound" && $0.address?.hasSuffix(":15001") == true })
            #expect(await server.stop() == 0, "\(server.log)")
        }
    }

    @Test(
        "a UDP service answers through its VIP (kernel DNAT to its registered instance) until the instance goes",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func udp() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            try await Self.routeServiceRange(namespace)
            try UDPTrafficNamespaceTests.backend.write(toFile: directory.file("udp.py"), atomically: true, encoding: .utf8)
            let output = directory.file("udp.out")
            let backend = try CaptureTrafficNamespaceTests.start(
                namespace, directory.file("udp.py"), output, "resolver-a", "127.0.0.2", "5353")
            defer { backend.signal(SIGKILL) }
            try await CaptureTrafficNamespaceTests.waitUntilReady(backend, output)

            let server = try await NamespacedMeshbox(
                in: namespace, directory: directory, arguments: ["--roles", "config,registry,proxy,console"])
            defer { server.kill() }
            let yaml = Self.service("resolver", vip: "240.240.9.9", port: "dns", 53, "UDP", target: 5353)
            let applied = try await server.cli(["apply"], stdin: yaml)
            #expect(applied.status == 0, "\(applied.output)")
            let registered = try await server.cli(
                ["register", "--service", "resolver", "--id", "resolver-a", "--address", "127.0.0.2", "--port", "dns:5353"])
            #expect(registered.status == 0, "\(registered.output)")

            func ask(from port: Int) async throws -> String {
                let result = try await ChildProcess.run(
                    "/usr/bin/env",
                    ["ip", "netns", "exec", namespace.name, "python3", "-c", UDPTrafficNamespaceTests.client, "240.240.9.9",
                        "53", "1", String(port), "new"])
                return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            var source = 41000
            try await eventually("the VIP to answer", timeout: .seconds(20)) {
                source += 1
                return try await ask(from: source) == "resolver-a"
            }
            let deregistered = try await server.cli(["deregister", "resolver-a"])
            #expect(deregistered.status == 0, "\(deregistered.output)")
            try await eventually("no answer once the instance is gone", timeout: .seconds(20)) {
                source += 1
                return try await ask(from: source) != "resolver-a"
            }
            #expect(await server.stop() == 0, "\(server.log)")
        }
    }
}
