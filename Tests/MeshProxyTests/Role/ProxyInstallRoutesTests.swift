import Foundation
import MeshAPI
import MeshProxy
import MeshTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `proxy.installRoutes` through the real binary: the role makes the VIP ranges' routes itself,
/// with the host's address as the source, so a program on the host reaches a VIP with no route
/// of the operator's; a clean stop, a restart after a crash and `meshbox proxy uninstall` each
/// leave the routing tables as they should.
@Suite("proxy.installRoutes through the real binary, in a network namespace", .serialized)
struct ProxyInstallRoutesTests {
    static let roles = ["--roles", "config,registry,proxy,console"]

    /// Every route of both families, every table.
    static func routes(_ namespace: NetworkNamespace) async throws -> [String] {
        let v4 = try await namespace.run("ip", "-4", "route", "show", "table", "all")
        let v6 = try await namespace.run("ip", "-6", "route", "show", "table", "all")
        return (v4 + v6).split(separator: "\n").map(String.init)
    }

    /// meshbox's routes (`proto 77`), both families.
    static func ours(_ namespace: NetworkNamespace) async throws -> [String] {
        let v4 = try await namespace.run("ip", "-4", "route", "show", "proto", "77")
        let v6 = try await namespace.run("ip", "-6", "route", "show", "proto", "77")
        return (v4 + v6).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test(
        "the role routes the VIP ranges itself: a client with no route reaches a VIP; stop, crash, restart and uninstall leave the tables right",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func installRoutes() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            // The host's own address; no route to the VIP ranges at all.
            try await namespace.run("ip", "addr", "add", "10.99.0.1/32", "dev", "lo")
            let config = directory.file("meshbox.yaml")
            try "proxy:\n  installRoutes: true\n".write(toFile: config, atomically: true, encoding: .utf8)
            let arguments = Self.roles + ["--config", config]
            let before = try await Self.routes(namespace)
            let natBefore = try await namespace.natTable()
            #expect(try await namespace.runner.run(.init("curl", ["-sS", "-m", "2", "http://240.240.8.8/"])).status != 0)

            let backend = try await NamespacedHTTPBackend.start(in: namespace, directory: directory, name: "reviews-v1")
            defer { backend.signal(SIGKILL) }

            // 1. A clean stop takes the routes away with the rules.
            let first = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: arguments)
            defer { first.kill() }
            let yaml = ProxyTrafficThroughServerTests.service("reviews", vip: "240.240.8.8", port: "http", 80, "HTTP", target: 8080)
            let applied = try await first.cli(["apply"], stdin: yaml)
            #expect(applied.status == 0, "\(applied.output)")
            let registered = try await first.cli(
                ["register", "--service", "reviews", "--address", "127.0.0.1", "--port", "http:8080"])
            #expect(registered.status == 0, "\(registered.output)")
            try await eventually("the VIP to answer with no route of the operator's", timeout: .seconds(20)) {
                (try? await namespace.run("curl", "-sS", "-m", "3", "http://240.240.8.8/")) == "reviews-v1"
            }
            // IPv6 too, through a route with no source (the namespace has no global IPv6 address).
            _ = try await first.cli(["apply"], stdin: ProxyPreroutingTests.service("ratings"))
            _ = try await first.cli(["register", "--service", "ratings", "--address", "127.0.0.1", "--port", "http:8080"])
            let ipv6 = try await namespace.run(
                "dig", "@127.0.0.1", "-p", "15053", "+time=3", "+tries=1", "+short", "AAAA", "ratings.default.svc.cluster.local"
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(ipv6.hasPrefix("2001:2:"), "\(ipv6)")
            try await eventually("the IPv6 VIP to answer", timeout: .seconds(20)) {
                (try? await namespace.run("curl", "-sS", "-m", "3", "http://[\(ipv6)]/")) == "reviews-v1"
            }
            let installed = try await Self.ours(namespace)
            #expect(installed.contains("240.240.0.0/16 dev lo scope link src 10.99.0.1"), "\(installed)")
            #expect(installed.contains { $0.hasPrefix("2001:2::/48 dev lo ") }, "\(installed)")
            #expect(installed.count == 2, "\(installed)")
            #expect(await first.stop() == 0, "\(first.log)")
            #expect(try await Self.routes(namespace) == before, "a clean stop removes the routes")

            // 2. A crash leaves them; the restart adopts them (no second route, no error), and
            // puts back one someone deletes.
            let second = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: arguments)
            defer { second.kill() }
            try await eventually("the VIP to answer again", timeout: .seconds(20)) {
                (try? await namespace.run("curl", "-sS", "-m", "3", "http://240.240.8.8/")) == "reviews-v1"
            }
            try await eventually("both routes back") { try await Self.ours(namespace) == installed }
            second.kill()
            let left = try await Self.ours(namespace)
            #expect(left == installed, "a crash leaves the routes")
            let third = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: arguments)
            defer { third.kill() }
            try await eventually("a pass of the restarted proxy") { try await third.proxyStatus().lastReconcile != nil }
            #expect(try await Self.ours(namespace) == installed, "adopted as they are")
            #expect(try await third.proxyStatus().lastError == nil)
            try await namespace.run("ip", "-4", "route", "del", "240.240.0.0/16")
            try await eventually("the deleted route put back", timeout: .seconds(20)) {
                try await Self.ours(namespace) == installed
            }
            #expect(try await namespace.run("curl", "-sS", "-m", "3", "http://240.240.8.8/") == "reviews-v1")

            // 3. After another crash, uninstall removes routes and rules: the tables are as before.
            third.kill()
            let removed = try await NamespacedMeshbox.cli(in: namespace, ["proxy", "uninstall"], directory: directory)
            #expect(removed.status == 0, "\(removed.output)")
            #expect(removed.output.contains("routes: 2 meshbox VIP routes removed"), "\(removed.output)")
            #expect(try await Self.routes(namespace) == before)
            #expect(try await namespace.natTable() == natBefore)
        }
    }

    @Test(
        "a route someone else made for the range is left alone and reported",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func foreignRoute() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            try await namespace.run("ip", "addr", "add", "10.99.0.1/32", "dev", "lo")
            try await namespace.run("ip", "route", "add", "240.240.0.0/16", "dev", "lo", "src", "10.99.0.1")
            let before = try await Self.routes(namespace)
            let config = directory.file("meshbox.yaml")
            try "proxy:\n  installRoutes: true\nserviceCIDRv6: \"\"\n".write(toFile: config, atomically: true, encoding: .utf8)
            let server = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: Self.roles + ["--config", config])
            defer { server.kill() }
            try await eventually("a pass") { try await server.proxyStatus().lastReconcile != nil }
            let status = try await server.proxyStatus()
            #expect(status.problems.contains { $0.contains("240.240.0.0/16") && $0.contains("left alone") }, "\(status.problems)")
            #expect(try await Self.ours(namespace).isEmpty)
            #expect(await server.stop() == 0, "\(server.log)")
            #expect(try await Self.routes(namespace) == before, "the operator's route stays")
        }
    }
}
