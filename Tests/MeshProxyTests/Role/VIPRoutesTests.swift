import MeshCore
import Synchronization
import Testing

@testable import MeshProxy

/// `VIPRoutes`' decisions against a scripted `ip` (the namespace test runs the real one).
@Suite("VIP routes")
struct VIPRoutesTests {
    /// Answers `ip` commands from a table of `arguments joined by spaces` → output (empty when
    /// absent), and records every command.
    /// With `noIPv6`, every `ip -6` fails as on a kernel booted with `ipv6.disable=1`.
    final class ScriptedIP: CommandRunner {
        let answers: [String: String]
        let noIPv6: Bool
        let commands = Mutex<[String]>([])

        init(_ answers: [String: String], noIPv6: Bool = false) {
            self.answers = answers
            self.noIPv6 = noIPv6
        }

        func run(_ command: Command) async throws -> CommandOutput {
            let line = command.arguments.joined(separator: " ")
            commands.withLock { $0.append(line) }
            if noIPv6, command.arguments.first == "-6" {
                return CommandOutput(status: 2, standardOutput: "", standardError: "RTNETLINK answers: Address family not supported by protocol\n")
            }
            return CommandOutput(status: 0, standardOutput: answers[line] ?? "", standardError: "")
        }

        var changes: [String] {
            commands.withLock { $0 }.filter { $0.contains(" add ") || $0.contains(" del ") || $0.contains(" replace ") }
        }
    }

    static let configuration = CaptureConfiguration(ipv4ServiceRange: "240.240.0.0/16", ipv6ServiceRange: "2001:2::/48")

    @Test("the source is the default route's, else an address of its device, never one inside a VIP range")
    func source() async throws {
        let addresses = """
            1: lo    inet 240.240.0.12/32 scope global lo\\       valid_lft forever preferred_lft forever
            2: eth1    inet 192.168.5.5/24 brd 192.168.5.255 scope global eth1\\       valid_lft forever preferred_lft forever
            3: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever preferred_lft forever
            """
        let viaDevice = ScriptedIP([
            "-4 -o route show table main default": "default via 10.0.0.1 dev eth0 proto static metric 100 \n",
            "-4 -o addr show scope global": addresses,
        ])
        #expect(try await VIPRoutes(configuration: Self.configuration, runner: viaDevice).sourceAddress(.ipv4) == "10.0.0.5")
        let withSource = ScriptedIP([
            "-4 -o route show table main default": "default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.77 metric 100 \n",
            "-4 -o addr show scope global": addresses,
        ])
        #expect(try await VIPRoutes(configuration: Self.configuration, runner: withSource).sourceAddress(.ipv4) == "10.0.0.77")
        let noDefault = ScriptedIP(["-4 -o addr show scope global": addresses])
        #expect(
            try await VIPRoutes(configuration: Self.configuration, runner: noDefault).sourceAddress(.ipv4) == "192.168.5.5",
            "the first global address outside the VIP ranges")
    }

    @Test("missing routes are added with proto 77 and the source; IPv6 routes without one when there is none")
    func adds() async throws {
        let ip = ScriptedIP(["-4 -o addr show scope global": "1: lo    inet 10.99.0.1/32 scope global lo\\ \n"])
        let outcome = try await VIPRoutes(configuration: Self.configuration, runner: ip).ensure()
        #expect(outcome == VIPRoutes.Outcome(changed: true, foreign: []))
        #expect(
            ip.changes == [
                "-4 route add 240.240.0.0/16 dev lo proto 77 src 10.99.0.1", "-6 route add 2001:2::/48 dev lo proto 77",
            ])
    }

    @Test("routes a previous run left are adopted; one for an old range is removed; someone else's is left alone")
    func adoptsAndLeavesForeign() async throws {
        let ip = ScriptedIP([
            "-4 -o addr show scope global": "1: lo    inet 10.99.0.1/32 scope global lo\\ \n",
            "-4 -o route show table main proto 77": "240.240.0.0/16 dev lo scope link src 10.99.0.1 \n10.250.0.0/16 dev lo scope link src 10.99.0.1 \n",
            "-6 -o route show table main exact 2001:2::/48": "2001:2::/48 dev lo metric 1024 pref medium\n",
        ])
        let outcome = try await VIPRoutes(configuration: Self.configuration, runner: ip).ensure()
        #expect(outcome == VIPRoutes.Outcome(changed: true, foreign: ["2001:2::/48"]))
        #expect(ip.changes == ["-4 route del 10.250.0.0/16 dev lo proto 77"])
    }

    @Test("on a kernel without IPv6, an IPv4-only config routes and removes its IPv4 route; an IPv6 range still fails")
    func noIPv6() async throws {
        let address = ["-4 -o addr show scope global": "1: lo    inet 10.99.0.1/32 scope global lo\\ \n"]
        let ipv4Only = CaptureConfiguration(ipv4ServiceRange: "240.240.0.0/16", ipv6ServiceRange: nil)
        let ip = ScriptedIP(address, noIPv6: true)
        let routes = VIPRoutes(configuration: ipv4Only, runner: ip)
        #expect(try await routes.ensure() == VIPRoutes.Outcome(changed: true, foreign: []))
        #expect(try await routes.remove() == 0, "the scripted ip lists no IPv4 route back")
        await #expect(throws: MeshError.self) {
            try await VIPRoutes(configuration: Self.configuration, runner: ScriptedIP(address, noIPv6: true)).ensure()
        }
    }

    @Test("without a global IPv4 address there is no source for the route: the pass fails and says why")
    func noSource() async throws {
        let ip = ScriptedIP([:])
        await #expect(throws: MeshError.self) {
            try await VIPRoutes(configuration: Self.configuration, runner: ip).ensure()
        }
        #expect(ip.changes.isEmpty)
    }
}
