import Foundation
import MeshAPI
import MeshProxy
import MeshTesting
import Testing

/// The proxy role through the real binary, each test in a network namespace of its own.
@Suite("proxy role through the real binary, in a network namespace", .serialized)
struct ProxyRoleNamespaceTests {
    static let roles = ["--roles", "config,registry,proxy,console"]

    static func service(_ name: String, vip: String) -> String {
        """
        apiVersion: meshbox.io/v1
        kind: Service
        metadata:
          name: \(name)
        spec:
          vip: \(vip)
          ports:
          - name: http
            number: 80
            protocol: HTTP

        """
    }

    static func hasVIPRule(_ table: [String], _ vip: String) -> Bool {
        table.contains { $0.hasPrefix("-A MESHBOX-SERVICES -d \(vip)/32 ") }
    }

    @Test(
        "rules come with the role, follow applies and deletes, survive a flush and leave with a clean stop",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func lifecycle() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            let before = try await namespace.natTable(.ipv4)
            let before6 = try await namespace.natTable(.ipv6)
            let server = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: Self.roles)
            defer { server.kill() }

            try await eventually("meshbox's chains in the nat table") {
                let table = try await namespace.natTable()
                return table.contains("-A MESHBOX-PROXY-CANARY -j RETURN")
                    && table.contains { $0.hasPrefix("-A OUTPUT -d 240.240.0.0/16 ") }
            }
            // The IPv6 table is written after the IPv4 one, in the same pass.
            try await eventually("meshbox's jump in the IPv6 nat table") {
                try await namespace.natTable(.ipv6).contains { $0.hasPrefix("-A OUTPUT -d 2001:2::/48 ") }
            }

            let applied = try await server.cli(["apply"], stdin: Self.service("reviews", vip: "240.240.7.7"))
            #expect(applied.status == 0, "\(applied.output)")
            try await eventually("the VIP's rule") { Self.hasVIPRule(try await namespace.natTable(), "240.240.7.7") }
            // The role's DNS server answers from the same config states.
            let answer = try await namespace.run(
                "dig", "@127.0.0.1", "-p", "15053", "+time=3", "+tries=1", "+short", "reviews.default.svc.cluster.local")
            #expect(answer.split(separator: "\n").map(String.init) == ["240.240.7.7"])
            let status = try await server.proxyStatus()
            #expect(status.capture == "iptables")
            #expect(status.vipCount == 1)
            #expect(status.lastError == nil)
            #expect(status.families.map(\.family) == ["ipv4", "ipv6"])
            #expect(status.families.allSatisfy { $0.installed })
            let table = try await server.cli(["proxy", "status"])
            #expect(table.output.contains("capture:        iptables"), "\(table.output)")
            #expect(table.output.contains("ipv4     240.240.0.0/16   yes"), "\(table.output)")
            let metrics = try await server.metrics()
            #expect(metrics.contains("meshbox_proxy_capture_reconciles_total{backend=\"iptables\",result=\"ok\"}"))
            #expect(metrics.contains("meshbox_proxy_vips 1"), "\(metrics)")

            // Someone flushes the nat table: the canary check notices and the rules come back.
            try await namespace.run("iptables", "-w", "5", "-t", "nat", "-F")
            #expect(!Self.hasVIPRule(try await namespace.natTable(), "240.240.7.7"))
            try await eventually("the rules repaired", timeout: .seconds(20)) {
                let table = try await namespace.natTable()
                return Self.hasVIPRule(table, "240.240.7.7") && table.contains("-A MESHBOX-PROXY-CANARY -j RETURN")
            }
            try await eventually("the repair counted") { try await server.proxyStatus().repairs >= 1 }

            let deleted = try await server.cli(["delete", "service", "reviews"])
            #expect(deleted.status == 0, "\(deleted.output)")
            try await eventually("the VIP's rule gone") { !Self.hasVIPRule(try await namespace.natTable(), "240.240.7.7") }
            #expect(try await server.proxyStatus().vipCount == 0)
            // The VIP is free again: another service may take it.
            let reused = try await server.cli(["apply"], stdin: Self.service("ratings", vip: "240.240.7.7"))
            #expect(reused.status == 0, "\(reused.output)")
            try await eventually("the VIP's rule for its new owner") {
                try await namespace.natTable().contains { $0.contains("-d 240.240.7.7/32") && $0.contains("default/ratings") }
            }

            #expect(await server.stop() == 0, "\(server.log)")
            #expect(try await namespace.natTable(.ipv4) == before)
            #expect(try await namespace.natTable(.ipv6) == before6)
        }
    }

    @Test(
        "after kill -9 the rules stay, and meshbox proxy uninstall leaves the nat tables exactly as before",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func uninstallAfterKill() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            // Someone else's rules, which nothing of meshbox may touch.
            try await namespace.run("iptables", "-w", "5", "-t", "nat", "-N", "OTHER-TOOL")
            try await namespace.run("iptables", "-w", "5", "-t", "nat", "-A", "OUTPUT", "-d", "10.9.9.9/32", "-j", "OTHER-TOOL")
            try await namespace.run("iptables", "-w", "5", "-t", "nat", "-A", "OTHER-TOOL", "-p", "tcp", "-j", "REDIRECT", "--to-ports", "9999")
            let before = try await namespace.natTable(.ipv4)
            let before6 = try await namespace.natTable(.ipv6)

            let server = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: Self.roles)
            defer { server.kill() }
            let applied = try await server.cli(["apply"], stdin: Self.service("reviews", vip: "240.240.3.3"))
            #expect(applied.status == 0, "\(applied.output)")
            try await eventually("the VIP's rule") { Self.hasVIPRule(try await namespace.natTable(), "240.240.3.3") }
            server.kill()
            #expect(Self.hasVIPRule(try await namespace.natTable(), "240.240.3.3"), "a crash leaves the rules")

            let removed = try await NamespacedMeshbox.cli(in: namespace, ["proxy", "uninstall"], directory: directory)
            #expect(removed.status == 0, "\(removed.output)")
            #expect(removed.output.contains("iptables: meshbox's rules removed"), "\(removed.output)")
            #expect(try await namespace.natTable(.ipv4) == before)
            #expect(try await namespace.natTable(.ipv6) == before6)
        }
    }

    @Test(
        "a restart adopts the rules a crash left and serves on",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func adoptionAfterKill() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            let first = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: Self.roles)
            defer { first.kill() }
            _ = try await first.cli(["apply"], stdin: Self.service("reviews", vip: "240.240.4.4"))
            try await eventually("the VIP's rule") { Self.hasVIPRule(try await namespace.natTable(), "240.240.4.4") }
            first.kill()
            let left = try await namespace.natTable()

            let second = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: Self.roles)
            defer { second.kill() }
            try await eventually("a pass of the restarted proxy") { try await second.proxyStatus().lastReconcile != nil }
            #expect(try await namespace.natTable() == left, "the adopted rules are what it wants: nothing changes")
            #expect(left.filter { $0.hasPrefix("-A OUTPUT ") }.count == 1, "no second jump")
            #expect(await second.stop() == 0)
            #expect(!(try await namespace.natTable()).contains { $0.contains("MESHBOX") })
        }
    }

    @Test(
        "serve without --roles never creates a meshbox chain, whatever is applied",
        .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
    func defaultRolesLeaveTheHostAlone() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            let before = try await namespace.natTable(.ipv4)
            let server = try await NamespacedMeshbox(in: namespace, directory: directory, arguments: [])
            defer { server.kill() }
            let applied = try await server.cli(["apply"], stdin: Self.service("reviews", vip: "240.240.5.5"))
            #expect(applied.status == 0, "\(applied.output)")
            let status = try await server.cli(["proxy", "status"])
            #expect(status.status != 0, "the proxy role does not run: \(status.output)")
            #expect(status.output.contains("proxy role is not running"), "\(status.output)")
            try await Task.sleep(for: .seconds(1))
            #expect(try await namespace.natTable(.ipv4) == before)
            #expect(await server.stop() == 0)
        }
    }

    @Test(
        "with capture: nftables the role keeps an inet meshbox table and removes it on stop",
        .enabled(if: NetworkNamespace.isAvailable && NetworkNamespace.hasNFT, NetworkNamespace.unavailableReason))
    func nftables() async throws {
        try await NamespacedMeshbox.withNamespace { namespace, directory in
            let config = directory.file("meshbox.yaml")
            try "proxy:\n  capture: nftables\n".write(toFile: config, atomically: true, encoding: .utf8)
            let server = try await NamespacedMeshbox(
                in: namespace, directory: directory, arguments: Self.roles + ["--config", config])
            defer { server.kill() }
            _ = try await server.cli(["apply"], stdin: Self.service("reviews", vip: "240.240.6.6"))
            try await eventually("the VIP in the captured set") {
                let listed = try? await namespace.run("nft", "list", "table", "inet", "meshbox")
                return listed?.contains("240.240.6.6 . 80") == true
            }
            #expect(try await server.proxyStatus().capture == "nftables")
            #expect(!(try await namespace.natTable()).contains { $0.contains("MESHBOX") }, "no iptables rules")
            #expect(await server.stop() == 0, "\(server.log)")
            let after = try await namespace.runner.run(.init("nft", ["list", "tables"]))
            #expect(!after.standardOutput.contains("meshbox"))
        }
    }
}
