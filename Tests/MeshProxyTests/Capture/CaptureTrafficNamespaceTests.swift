import Foundation
import MeshModel
import MeshTesting
import Testing

@testable import MeshProxy

#if canImport(Glibc)
    import Glibc
#endif

/// Real connections through the installed rules, inside a namespace: a client dialling a VIP lands
/// on the proxy's port with the VIP as its original destination, and a socket carrying the
/// proxy's mark is left alone.
@Suite("Capture of real connections", .enabled(if: NetworkNamespace.isAvailable, NetworkNamespace.unavailableReason))
struct CaptureTrafficNamespaceTests {
    /// Accepts connections forever and answers each with its name and the connection's original
    /// destination (SO_ORIGINAL_DST, or IP6T_SO_ORIGINAL_DST for IPv6, as the proxy will read it).
    static let listener = """
        import socket, struct, sys
        name, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        v6 = ":" in host
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(16)
        print("ready", flush=True)
        while True:
            c, _ = s.accept()
            try:
                if v6:
                    raw = c.getsockopt(socket.IPPROTO_IPV6, 80, 28)
                    address = socket.inet_ntop(socket.AF_INET6, raw[8:24])
                    dst = "[%s]:%d" % (address, struct.unpack("!H", raw[2:4])[0])
                else:
                    raw = c.getsockopt(socket.SOL_IP, 80, 16)
                    dst = "%s:%d" % (socket.inet_ntoa(raw[4:8]), struct.unpack("!H", raw[2:4])[0])
            except OSError:  # no conntrack entry to ask: the connection was not NATed
                local = c.getsockname()
                dst = ("[%s]:%d" if v6 else "%s:%d") % local[:2]
            c.sendall(f"{name} {dst}\\n".encode())
            c.close()
        """

    /// Connects (with an SO_MARK when given) and prints the first line it reads.
    static let client = """
        import socket, sys
        s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
        if len(sys.argv) > 3:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, int(sys.argv[3], 0))
        s.settimeout(30)
        s.connect((sys.argv[1], int(sys.argv[2])))
        print(s.makefile().readline().strip())
        """

    struct Case: Sendable, CustomStringConvertible {
        var vip: String
        var loopback: String
        var prefix: String
        var shown: String
        var nftables = false
        var description: String { "\(vip) via \(nftables ? "nft" : "iptables")" }
    }

    static let cases = [
        Case(vip: "240.240.0.1", loopback: "127.0.0.1", prefix: "/32", shown: "240.240.0.1:80"),
        Case(vip: "fd00:f0f0::9", loopback: "::1", prefix: "/128", shown: "[fd00:f0f0::9]:80"),
    ]
    static let nftCases = cases.map { example in
        var copy = example
        copy.nftables = true
        return copy
    }

    @Test(
        "a client reaches VIP:port on the proxy's port; the proxy's marked socket is not captured",
        arguments: cases + (NetworkNamespace.hasNFT ? nftCases : [])
    )
    func capture(_ example: Case) async throws {
        try await NetworkNamespace.with { namespace in
            let directory = try TemporaryDirectory(prefix: "meshbox-capture")
            defer { directory.remove() }
            let script = directory.file("listener.py")
            try Self.listener.write(toFile: script, atomically: true, encoding: .utf8)
            // The VIP is also a local address, so a connection that is not captured reaches the
            // "direct" listener instead of hanging (nodad: usable at once, not tentative).
            try await namespace.run("ip", "addr", "add", example.vip + example.prefix, "dev", "lo", "nodad")
            let proxy = try Self.start(
                namespace,
                script,
                directory.file("proxy.out"),
                "proxy",
                example.loopback,
                "15001"
            )
            let direct = try Self.start(namespace, script, directory.file("direct.out"), "direct", example.vip, "80")
            defer {
                proxy.signal(SIGKILL)
                direct.signal(SIGKILL)
            }
            try await Self.waitUntilReady(proxy, directory.file("proxy.out"))
            try await Self.waitUntilReady(direct, directory.file("direct.out"))

            let configuration = CaptureConfiguration(
                ipv6ServiceRange: "fd00:f0f0::/112",
                redirectPort: 15001,
                mark: 0x4d42
            )
            let services = [
                ServiceVIP(key: "default/reviews", address: example.vip, ports: [.init(number: 80, protocol: .http)])
            ]
            let reconciler = CaptureReconciler(configuration: configuration, runner: namespace.runner)
            let nft = NFTCaptureReconciler(configuration: configuration, runner: namespace.runner)
            if example.nftables {
                _ = try await nft.reconcile(services)
            } else {
                _ = try await reconciler.reconcile(services)
            }
            #expect(try await Self.dial(namespace, example.vip, "80") == "proxy \(example.shown)")
            #expect(try await Self.dial(namespace, example.vip, "80", mark: "0x4d42") == "direct \(example.shown)")

            if example.nftables {
                try await nft.uninstall()
            } else {
                _ = try await reconciler.uninstall()
            }
            #expect(try await Self.dial(namespace, example.vip, "80") == "direct \(example.shown)")
        }
    }

    static func start(
        _ namespace: NetworkNamespace,
        _ script: String,
        _ output: String,
        _ arguments: String...
    ) throws -> ChildProcess {
        try ChildProcess(
            executable: "/usr/bin/env",
            arguments: ["ip", "netns", "exec", namespace.name, "python3", script] + arguments,
            standardOutput: output,
            standardError: output
        )
    }

    /// Waits for the listener's "ready" line (it listens by then); fails if it exits first.
    static func waitUntilReady(_ child: ChildProcess, _ output: String) async throws {
        while true {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if text.contains("ready") { return }
            guard child.isRunning else { throw NamespaceFailure(description: "listener exited: \(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func dial(_ namespace: NetworkNamespace, _ host: String, _ port: String, mark: String? = nil) async throws
        -> String
    {
        let arguments =
            ["ip", "netns", "exec", namespace.name, "python3", "-c", client, host, port] + (mark.map { [$0] } ?? [])
        let result = try await ChildProcess.run("/usr/bin/env", arguments)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
